//! The driver: handles queued inputs, carries out the machine's commands through the
//! host, settles the promises, and keeps the one wake-up timer armed.

use alloc::vec::Vec;

use js_sys::Promise;
use wasm_bindgen::prelude::*;

use super::{convert, Core, Host, Waiter};
use crate::{Command, Input, LoginError, WaiterId};

/// The host's clock in whole ms since the epoch; 0 if it throws or is not a number.
pub(super) fn now_ms(host: &Host) -> u64 {
    host.now()
        .ok()
        .filter(|n| n.is_finite())
        .map_or(0, |n| n.max(0.0) as u64)
}

impl Core {
    pub(super) fn now(&self) -> u64 {
        now_ms(&self.host)
    }

    pub(super) fn new_waiter(&self, options: Option<JsValue>) -> (Promise, WaiterId) {
        let id = self.next_id.get();
        self.next_id.set(id + 1);
        let mut fns = None;
        let promise = Promise::new(&mut |resolve, reject| fns = Some((resolve, reject)));
        if let Some((resolve, reject)) = fns {
            let w = Waiter {
                resolve,
                reject,
                options,
                last: JsValue::UNDEFINED,
            };
            self.waiters.borrow_mut().insert(id, w);
        }
        (promise, id)
    }

    pub(super) fn feed(&self, input: Input) {
        self.inbox.borrow_mut().push_back(input);
        self.drain();
    }

    /// Handles queued inputs and carries out commands until both are empty. Re-entrant
    /// calls (from a host that answers synchronously) only queue.
    pub(super) fn drain(&self) {
        if self.busy.replace(true) {
            return;
        }
        loop {
            let next = self.machine.borrow_mut().poll_command();
            if let Some(cmd) = next {
                self.perform(cmd);
                continue;
            }
            let input = self.inbox.borrow_mut().pop_front();
            match input {
                Some(input) => {
                    let now = self.now();
                    self.machine.borrow_mut().handle(input, now);
                }
                None => break,
            }
        }
        self.rearm();
        self.busy.set(false);
    }

    pub(super) fn rearm(&self) {
        let deadline = self.machine.borrow().poll_timeout();
        if deadline == self.timer.get() {
            return;
        }
        self.timer.set(deadline);
        let delay = deadline.map_or(-1.0, |d| d.saturating_sub(self.now()) as f64);
        let _ = self.host.set_timer(delay);
    }

    pub(super) fn perform(&self, cmd: Command) {
        let h = &self.host;
        match cmd {
            Command::WxLogin { attempt } => {
                if let Err(e) = h.wx_login(attempt as f64) {
                    self.inbox.borrow_mut().push_back(Input::WxLoginFailed {
                        attempt,
                        err_msg: convert::err_msg(&e),
                    });
                }
            }
            Command::PostCode { attempt, code } => {
                if let Err(e) = h.post_code(attempt as f64, &code) {
                    self.inbox.borrow_mut().push_back(Input::LoginPostFailed {
                        attempt,
                        err_msg: convert::err_msg(&e),
                    });
                }
            }
            Command::CheckSession => {
                if h.check_session().is_err() {
                    self.inbox
                        .borrow_mut()
                        .push_back(Input::CheckSessionAnswered { ok: false });
                }
            }
            Command::Send {
                id,
                send,
                url,
                token,
            } => {
                let options = self
                    .waiters
                    .borrow()
                    .get(&id)
                    .and_then(|w| w.options.clone());
                let options = options.unwrap_or(JsValue::UNDEFINED);
                if let Err(e) = h.send(id as f64, send as f64, &options, &url, token) {
                    self.inbox.borrow_mut().push_back(Input::RequestFailed {
                        id,
                        send,
                        err_msg: convert::err_msg(&e),
                    });
                }
            }
            Command::Resolve { id } => self.settle(id, Ok(())),
            Command::Reject { id, error } => self.settle(id, Err(error)),
            Command::Persist(s) => {
                // A successful login: its answer (which may hold session_key) is not kept.
                *self.last_login_answer.borrow_mut() = JsValue::UNDEFINED;
                if let Err(e) = h.persist(&s.token, s.expires_at_ms.map(|t| t as f64)) {
                    self.storage_error(&e);
                }
            }
            Command::ClearStorage => {
                if let Err(e) = h.clear_storage() {
                    self.storage_error(&e);
                }
            }
            Command::Event(e) => {
                let detail = match &e {
                    crate::Event::LoginFailure { code } => {
                        convert::object(&[("code", JsValue::from_str(code))])
                    }
                    _ => JsValue::UNDEFINED,
                };
                let _ = h.emit(e.name(), &detail);
            }
        }
    }

    pub(super) fn storage_error(&self, e: &JsValue) {
        let detail = convert::object(&[("errMsg", JsValue::from_str(&convert::err_msg(e)))]);
        let _ = self.host.emit("storage:error", &detail);
    }

    pub(super) fn settle(&self, id: WaiterId, result: Result<(), LoginError>) {
        let Some(w) = self.waiters.borrow_mut().remove(&id) else {
            return;
        };
        let _ = match result {
            Ok(()) => w.resolve.call1(&JsValue::UNDEFINED, &w.last),
            Err(e) => {
                let response = match e {
                    LoginError::RetryLimit { .. } => Some(w.last.clone()),
                    LoginError::LoginRejected { .. } => {
                        Some(self.last_login_answer.borrow().clone())
                    }
                    _ => None,
                };
                w.reject
                    .call1(&JsValue::UNDEFINED, &error_value(&self.host, &e, response))
            }
        };
    }
}

/// A JS `LoginError` for `e`, with `errMsg` and `response` where they apply.
pub(super) fn error_value(host: &Host, e: &LoginError, response: Option<JsValue>) -> JsValue {
    let mut fields = Vec::new();
    if let Some(m) = e.err_msg() {
        fields.push(("errMsg", JsValue::from_str(m)));
    }
    if let Some(r) = response {
        fields.push(("response", r));
    }
    host.make_error(e.code(), &e.message(), &convert::object(&fields))
}
