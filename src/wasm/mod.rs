//! The wasm adapter: the exported `Core` class the JS shim drives.
//!
//! It owns a [`Machine`], turns JS calls into [`Input`]s and carries each [`Command`]
//! out through the [`host::Host`] object. Inputs that arrive while commands are being
//! carried out (a host that answers synchronously) are queued and handled in order, so
//! the machine is never re-entered.

mod convert;
mod driver;
mod host;
#[cfg(feature = "runtime")]
mod runtime;

use alloc::collections::VecDeque;
use core::cell::{Cell, RefCell};

use js_sys::{Function, Promise};
use wasm_bindgen::prelude::*;

use crate::idmap::IdMap;
use crate::{Input, LoginError, Machine, WaiterId};
use convert::Options;
use driver::error_value;
pub use host::Host;

struct Waiter {
    resolve: Function,
    reject: Function,
    /// The page's request options (`None` for a `login()` call).
    options: Option<JsValue>,
    /// The last wx.request success result for this request.
    last: JsValue,
}

/// The login manager inside the wasm. JS: `new Core(options, host, stored)`.
#[wasm_bindgen]
pub struct Core {
    machine: RefCell<Machine>,
    options: Options,
    host: Host,
    inbox: RefCell<VecDeque<Input>>,
    busy: Cell<bool>,
    waiters: RefCell<IdMap<Waiter>>,
    last_login_answer: RefCell<JsValue>,
    next_id: Cell<WaiterId>,
    timer: Cell<Option<u64>>,
}

#[wasm_bindgen]
impl Core {
    /// `options`: the data options of `createLoginManager` with defaults filled in
    /// (`loginUrl`, `baseUrl`, `trustedOrigins`, `tokenField`, `expiresInField`,
    /// `authFailStatusCodes`, `authFailCodeField`, `authFailCodes` (strings),
    /// `retryLimit`, `loginTimeoutMs`); `host`: see `js-shim/host.js`; `stored`: the value
    /// read from storage (`{token, expiresAt}` or anything else for none).
    ///
    /// Throws a `LoginError` `INVALID_OPTIONS` for bad options.
    #[wasm_bindgen(constructor)]
    pub fn new(options: JsValue, host: Host, stored: JsValue) -> Result<Core, JsValue> {
        let (options, config) =
            Options::from_js(options).map_err(|e| error_value(&host, &e, None))?;
        let now = driver::now_ms(&host);
        let machine = Machine::new(config, convert::stored_session(&stored), now);
        let core = Core {
            machine: RefCell::new(machine),
            options,
            host,
            inbox: RefCell::new(VecDeque::new()),
            busy: Cell::new(false),
            waiters: RefCell::new(IdMap::new()),
            last_login_answer: RefCell::new(JsValue::UNDEFINED),
            next_id: Cell::new(1),
            timer: Cell::new(None),
        };
        core.drain();
        Ok(core)
    }

    /// `request(options)` of API.md: a Promise of the wx.request success result.
    pub fn request(&self, options: JsValue) -> Promise {
        let url = convert::at_path(&options, "url").as_string();
        let auth = convert::at_path(&options, "auth");
        let (promise, id) = self.new_waiter(Some(options));
        match (url, auth.as_bool().or(auth.is_undefined().then_some(true))) {
            (Some(url), Some(auth)) => self.feed(Input::Request { id, url, auth }),
            (url, _) => {
                let message = if url.is_none() {
                    "url must be a string"
                } else {
                    "auth must be a boolean"
                };
                let error = LoginError::InvalidOptions {
                    message: message.into(),
                };
                self.settle(id, Err(error));
            }
        }
        promise
    }

    /// `login()` of API.md: resolves once a valid login state exists.
    pub fn login(&self) -> Promise {
        let (promise, id) = self.new_waiter(None);
        self.feed(Input::Login { id });
        promise
    }

    /// `logout()` of API.md: forgets the login state; waiting requests reject `LOGGED_OUT`.
    pub fn logout(&self) {
        self.feed(Input::Logout);
    }

    /// The host's answer to `wxLogin(attempt)`: `ok` with wx.login's success result
    /// (`{code}`) or its fail result (`{errMsg}`).
    #[wasm_bindgen(js_name = onWxLogin)]
    pub fn on_wx_login(&self, attempt: f64, ok: bool, result: JsValue) {
        let attempt = attempt as u64;
        let code = convert::at_path(&result, "code")
            .as_string()
            .filter(|c| !c.is_empty());
        self.feed(match (ok, code) {
            (true, Some(code)) => Input::WxLoginOk { attempt, code },
            (true, None) => Input::WxLoginFailed {
                attempt,
                err_msg: "login:fail no code in result".into(),
            },
            (false, _) => Input::WxLoginFailed {
                attempt,
                err_msg: convert::err_msg(&result),
            },
        });
    }

    /// The host's answer to `postCode(attempt, code)`: wx.request's success or fail result.
    #[wasm_bindgen(js_name = onLoginPost)]
    pub fn on_login_post(&self, attempt: f64, ok: bool, result: JsValue) {
        let attempt = attempt as u64;
        if ok {
            let answer = convert::login_answer(&result, &self.options);
            let data = convert::at_path(&result, "data");
            let unsafe_fields: js_sys::Array = ["session_key", "openid", "unionid"]
                .iter()
                .filter(|f| {
                    data.is_object()
                        && js_sys::Reflect::has(&data, &JsValue::from_str(f)).unwrap_or(false)
                })
                .map(|f| JsValue::from_str(f))
                .collect();
            if unsafe_fields.length() > 0 {
                // The token is still used; these fields are reported and never kept.
                let detail = convert::object(&[("fields", unsafe_fields.into())]);
                let _ = self.host.emit("login:unsafe-fields", &detail);
            }
            // Kept only as long as a LOGIN_REJECTED may need it (cleared on success).
            *self.last_login_answer.borrow_mut() = result;
            self.feed(Input::LoginAnswered { attempt, answer });
        } else {
            self.feed(Input::LoginPostFailed {
                attempt,
                err_msg: convert::err_msg(&result),
            });
        }
    }

    /// The host's answer to `checkSession()`.
    #[wasm_bindgen(js_name = onCheckSession)]
    pub fn on_check_session(&self, ok: bool) {
        self.feed(Input::CheckSessionAnswered { ok });
    }

    /// The host's answer to `send(id, send, ...)`: wx.request's success result (any
    /// status) or fail result; `is_auth_failure` is the `isAuthFailure` callback's verdict.
    #[wasm_bindgen(js_name = onResponse)]
    pub fn on_response(
        &self,
        id: f64,
        send: f64,
        ok: bool,
        result: JsValue,
        is_auth_failure: bool,
    ) {
        let (id, send) = (id as u64, send as u64);
        if !ok {
            return self.feed(Input::RequestFailed {
                id,
                send,
                err_msg: convert::err_msg(&result),
            });
        }
        let status = convert::status(&result);
        let body_code = self.options.auth_fail_code_field.as_deref().and_then(|f| {
            convert::code_text(&convert::at_path(&convert::at_path(&result, "data"), f))
        });
        if let Some(w) = self.waiters.borrow_mut().get_mut(&id) {
            w.last = result;
        }
        self.feed(Input::Response {
            id,
            send,
            status,
            body_code,
            host_says_auth_failure: is_auth_failure,
        });
    }

    /// The platform's network state changed (or was first read): `online` is false for
    /// `networkType` `none` (wx.getNetworkType / wx.onNetworkStatusChange).
    #[wasm_bindgen(js_name = onNetwork)]
    pub fn on_network(&self, online: bool) {
        self.feed(Input::Network { online });
    }

    /// The app went to the background (`wx.onAppHide`).
    #[wasm_bindgen(js_name = onAppHide)]
    pub fn on_app_hide(&self) {
        self.feed(Input::AppHidden);
    }

    /// The app came back to the foreground (`wx.onAppShow`).
    #[wasm_bindgen(js_name = onAppShow)]
    pub fn on_app_show(&self) {
        self.feed(Input::AppShown);
    }

    /// The timer armed with `setTimer` fired.
    pub fn wake(&self) {
        self.timer.set(None);
        if self.busy.get() {
            return; // drain() re-arms the timer when it ends
        }
        let now = self.now();
        self.machine.borrow_mut().handle_timeout(now);
        self.drain();
    }
}
