//! The wasm adapter: the exported `Core` class that `js-shim/manager.js` drives.
//!
//! The boundary is built so that data stays in JS and only ids and verdicts cross:
//! request options, URLs, results and the token live in JS; a request enters as
//! `(id, with_token, channel, timeout)` and leaves as `send(id, send, generation,
//! channel)`. Every input method takes `now` (ms since the Unix epoch, from the shim's
//! clock) first and returns the next deadline at which `wake` must be called (ms since
//! the epoch, or -1 for none), so the Core reads no clock and arms no timer itself.
//!
//! The shim guarantees that no JS exception unwinds through these methods (every host
//! method swallows what the platform throws) and that they are never re-entered (inputs
//! that arrive while one runs are queued JS-side); `trusts` alone, a pure query, may be
//! called at any time.

mod host;
#[cfg(feature = "runtime")]
mod runtime;

use alloc::string::String;
use alloc::vec::Vec;
use core::cell::RefCell;

use wasm_bindgen::prelude::*;

use crate::{Channel, Command, Config, LoginAnswer, LoginError, Machine, StoredSession};
pub use host::{op, Host};

/// Longest delay a JS timer honours (2^31 - 1 ms); every ms option is at most this.
const MAX_MS: f64 = 2_147_483_647.0;

/// The login manager inside the wasm. JS: `new Core(host, loginUrl, ...)`, see [`Core::new`].
#[wasm_bindgen]
pub struct Core {
    machine: RefCell<Machine>,
    host: Host,
}

/// A whole, non-negative JS number as u64 (ids, send numbers, times); anything else 0.
fn whole(v: f64) -> u64 {
    if v.is_finite() && v > 0.0 {
        v as u64 // saturating
    } else {
        0
    }
}

fn channel(c: f64) -> Channel {
    match c as u8 {
        1 => Channel::Upload,
        2 => Channel::Download,
        _ => Channel::Request,
    }
}

/// A re-login count (at most `retryLimit`, 100).
fn small(v: f64) -> u32 {
    whole(v).min(u32::MAX.into()) as u32
}

fn status(s: f64) -> u16 {
    if (0.0..=999.0).contains(&s) {
        s as u16
    } else {
        0
    }
}

/// `s` split around its first byte `b`, an ASCII byte (so both sides are whole UTF-8).
/// Searches bytes rather than chars: the char searcher is large in wasm.
fn split_byte(s: &str, b: u8) -> Option<(&str, &str)> {
    let at = s.bytes().position(|c| c == b)?;
    Some((s.get(..at)?, s.get(at + 1..)?))
}

/// Numeric option `i`, a whole number clamped to 0..=`max` (0 when missing). The shim
/// has validated every option already (js-shim/options.js throws INVALID_OPTIONS
/// naming it, synchronously); here a bad number can only bound, never trap.
fn int(numbers: &[f64], i: usize, max: f64) -> u64 {
    whole(numbers.get(i).map_or(0.0, |&v| v.min(max)))
}

fn config(
    login_url: &str,
    base_url: Option<String>,
    trusted: &str,
    has_trusted: bool,
    status_codes: &[f64],
    numbers: &[f64],
) -> Result<Config, String> {
    let mut list: Vec<String> = Vec::new();
    let mut rest = trusted;
    while !rest.is_empty() {
        let (one, more) = split_byte(rest, b'\n').unwrap_or((rest, ""));
        if !one.is_empty() {
            list.push(String::from(one));
        }
        rest = more;
    }
    let trusted = list;
    let invalid = |e: LoginError| e.message();
    let mut c = Config::new(
        login_url,
        base_url.as_deref(),
        has_trusted.then_some(trusted.as_slice()),
    )
    .map_err(invalid)?;
    c.auth_fail_status_codes.clear();
    for &s in status_codes {
        let s = status(s); // the shim checked they are HTTP statuses; never 0 (no status)
        if s != 0 {
            c.auth_fail_status_codes.push(s);
        }
    }
    c.retry_limit = int(numbers, 0, 100.0) as u32;
    c.login_timeout_ms = int(numbers, 1, MAX_MS).max(1);
    c.renew_margin_ms = int(numbers, 2, MAX_MS);
    c.login_backoff_ms = int(numbers, 3, MAX_MS);
    c.login_backoff_max_ms = int(numbers, 4, MAX_MS);
    c.recheck_after_hidden_ms = int(numbers, 5, MAX_MS);
    c.check_session_timeout_ms = int(numbers, 6, MAX_MS).max(1);
    c.network_wait_ms = int(numbers, 7, MAX_MS);
    c.await_check_session = int(numbers, 8, 1.0) == 1;
    c.seed = int(numbers, 9, 4_294_967_295.0);
    c.lease = true; // the shim takes leases (js-shim/manager.js)
    Ok(c)
}

#[wasm_bindgen]
impl Core {
    /// A Core at launch.
    ///
    /// - `login_url`, `base_url`: absolute http(s) URLs (`loginUrl`, `baseUrl`);
    /// - `trusted`: `trustedOrigins` joined with `'\n'`, used when `has_trusted` (else the
    ///   origins of `loginUrl` and `baseUrl`);
    /// - `status_codes`: `authFailStatusCodes`;
    /// - `numbers`: `[retryLimit, loginTimeoutMs, renewMarginMs, loginBackoffMs,
    ///   loginBackoffMaxMs, recheckAfterHiddenMs, checkSessionTimeoutMs, networkWaitMs,
    ///   awaitCheckSession (0/1), seed]`, every ms value at most 2^31 - 1 (the shim has
    ///   validated them; out of range, they are clamped);
    /// - `stored_token`, `stored_expires_at`: the persisted session (`expiresAt` in ms
    ///   since the epoch, < 0 or NaN for none), restored as session generation 1.
    ///
    /// Throws the `INVALID_OPTIONS` message (a string) for a URL the core refuses
    /// (`loginUrl`, `baseUrl`, a trusted origin: not an absolute http(s) URL, or one two
    /// standard parsers read differently).
    #[wasm_bindgen(constructor)]
    #[allow(clippy::too_many_arguments)]
    pub fn new(
        host: Host,
        login_url: &str,
        base_url: Option<String>,
        trusted: &str,
        has_trusted: bool,
        status_codes: &[f64],
        numbers: &[f64],
        now: f64,
        stored_token: Option<String>,
        stored_expires_at: f64,
    ) -> Result<Core, JsValue> {
        let c = config(
            login_url,
            base_url,
            trusted,
            has_trusted,
            status_codes,
            numbers,
        )
        .map_err(|m| JsValue::from_str(&m))?;
        let stored = stored_token.map(|token| StoredSession {
            token,
            expires_at_ms: (stored_expires_at >= 0.0).then(|| whole(stored_expires_at)),
        });
        let core = Core {
            machine: RefCell::new(Machine::new(c, stored, whole(now))),
            host,
        };
        core.drain();
        Ok(core)
    }

    /// The next deadline (ms since the epoch) at which `wake` must be called, or -1.
    pub fn deadline(&self) -> f64 {
        self.machine
            .borrow()
            .poll_timeout()
            .map_or(-1.0, |t| t as f64)
    }

    /// Whether a request to `url` (absolute, already resolved against `baseUrl`) may carry
    /// the token: its origin is one of `trustedOrigins`, read alike by every standard URL
    /// parser (src/origin.rs). A pure query.
    pub fn trusts(&self, url: &str) -> bool {
        self.machine.borrow().config().is_trusted(url)
    }

    /// A numeric input (the hot path), `op` one of [`input`]'s constants with its
    /// arguments `a`..`e` (unused ones 0; booleans 0/1; ids and ms whole numbers).
    pub fn put(&self, now: f64, op: u8, a: f64, b: f64, c: f64, d: f64, e: f64) -> f64 {
        // Each op is the matching `Machine::on_*` call (no `Input` built and matched again).
        let t = whole(now);
        self.feed(t, |m| match op {
            input::REQUEST => m.on_request(whole(a), b != 0.0, channel(c), whole(d), t),
            input::ADOPT => m.on_adopt(whole(a), channel(b), whole(c), t),
            input::LOGIN => m.on_login(whole(a)),
            input::LOGOUT => m.logout(),
            input::AUTHORIZE => m.on_authorize(whole(a), small(b)),
            input::CHECK => m.on_check(whole(a), whole(b), small(c), status(d), e != 0.0),
            input::ABORT => m.abort(whole(a)),
            input::CHECK_SESSION => m.on_check_session(whole(a), b != 0.0),
            input::RESPONSE => m.on_response(whole(a), whole(b), status(c), d != 0.0),
            input::NETWORK => m.on_network(a != 0.0),
            input::APP_HIDE => m.on_app_hidden(t),
            input::APP_SHOW => m.on_app_shown(t),
            input::RELEASE => m.on_release(whole(a), small(b)),
            input::ADOPT_LEASED => {
                let generation = whole(b);
                m.on_adopt_leased(
                    whole(a),
                    (generation > 0).then_some(generation),
                    whole(c),
                    whole(d),
                )
            }
            // The timer fired (an unknown op does the same): only the clock moves.
            _ => {}
        })
    }

    /// An input that carries a string `s` (see [`input`]): a wx.login code or errMsg, a
    /// wx.request errMsg.
    pub fn text(&self, now: f64, op: u8, a: f64, b: f64, s: String) -> f64 {
        let t = whole(now);
        self.feed(t, |m| match op {
            input::WX_LOGIN_OK if !s.is_empty() => m.on_wx_login_ok(whole(a), s),
            input::WX_LOGIN_OK | input::WX_LOGIN_FAILED => {
                let err_msg = if s.is_empty() {
                    "login:fail no code in result".into()
                } else {
                    s
                };
                m.on_wx_login_failed(whole(a), err_msg, t)
            }
            input::LOGIN_POST_FAILED => m.on_login_post_failed(whole(a), s, t),
            _ => m.on_request_failed(whole(a), whole(b), s), // REQUEST_FAILED
        })
    }

    /// The login POST answered: its status, the string at `tokenField` (if one), and
    /// `expiresIn` (`undefined` when absent, NaN when present but not a number).
    #[wasm_bindgen(js_name = loginAnswered)]
    pub fn login_answered(
        &self,
        now: f64,
        attempt: f64,
        status_code: f64,
        token: Option<String>,
        expires_in_s: Option<f64>,
    ) -> f64 {
        let answer = LoginAnswer {
            status: status(status_code),
            token,
            expires_in_s,
        };
        let t = whole(now);
        self.feed(t, |m| m.on_login_answered(whole(attempt), &answer, t))
    }
}

/// The `op` of [`Core::put`] and [`Core::text`] (js-shim/manager.js names them alike).
pub mod input {
    /// `request`/`uploadFile`/`downloadFile`: waiter `a` (increasing), wants the token
    /// (`b`: `auth` and a trusted URL), channel `c` (0 request, 1 upload, 2 download),
    /// its `timeout` option `d` (ms).
    pub const REQUEST: u8 = 0;
    /// A request sent before the Core existed with the persisted token (send 0):
    /// waiter `a`, channel `b`, timeout `c` (ms).
    pub const ADOPT: u8 = 1;
    /// `login()`: waiter `a` settles once a valid, verified login state exists.
    pub const LOGIN: u8 = 2;
    /// `logout()`.
    pub const LOGOUT: u8 = 3;
    /// `authorize()`: waiter `a`, `b` re-logins so far (from the ticket).
    pub const AUTHORIZE: u8 = 4;
    /// `check()`: waiter `a`, ticket generation `b` and re-logins `c`, status `d`, the
    /// host's auth-failure verdict `e` (body code or `isAuthFailure`).
    pub const CHECK: u8 = 5;
    /// `abort()` on waiter `a`'s Promise.
    pub const ABORT: u8 = 6;
    /// wx.checkSession number `a` answered, `b` = 1 for `checkSession:ok`.
    pub const CHECK_SESSION: u8 = 7;
    /// Send `b` of waiter `a` answered with status `c`; `d` the host's verdict.
    pub const RESPONSE: u8 = 8;
    /// The network state: `a` = 0 for `networkType` `none`.
    pub const NETWORK: u8 = 9;
    /// `wx.onAppHide`.
    pub const APP_HIDE: u8 = 10;
    /// `wx.onAppShow`.
    pub const APP_SHOW: u8 = 11;
    /// The timer for the last deadline fired.
    pub const WAKE: u8 = 12;
    /// Lease `a` ([`super::op::LEASE`]): `b` slots given back (its unused ones when the
    /// host ends it, or one of an ended lease's answered sends).
    pub const RELEASE: u8 = 13;
    /// A leased send needs the Core: it becomes waiter `a`, in flight as send 0 with the
    /// token of generation `b` (0: none), its `timeout` `c` (ms) and deadline `d` (ms
    /// since the epoch). Its answer follows as `RESPONSE`/`REQUEST_FAILED` of send 0.
    pub const ADOPT_LEASED: u8 = 14;
    /// `text`: wx.login of attempt `a` gave code `s` (empty: no code, a failure).
    pub const WX_LOGIN_OK: u8 = 0;
    /// `text`: wx.login of attempt `a` failed with errMsg `s`.
    pub const WX_LOGIN_FAILED: u8 = 1;
    /// `text`: the login POST of attempt `a` got no response (errMsg `s`).
    pub const LOGIN_POST_FAILED: u8 = 2;
    /// `text`: send `b` of waiter `a` got no response (errMsg `s`).
    pub const REQUEST_FAILED: u8 = 3;
}

impl Core {
    /// One input (`f` calls the machine's matching `on_*` method) at `now` (ms), its
    /// commands carried out; returns the next deadline.
    fn feed(&self, now: u64, f: impl FnOnce(&mut Machine)) -> f64 {
        self.machine.borrow_mut().step(now, f);
        self.drain();
        self.deadline()
    }

    /// Carries out every command. The machine is not borrowed while a host method runs.
    fn drain(&self) {
        loop {
            let next = self.machine.borrow_mut().poll_command();
            match next {
                Some(cmd) => self.perform(cmd),
                None => break,
            }
        }
    }

    fn perform(&self, cmd: Command) {
        let h = &self.host;
        let num = |o: u8, a: u64, b: u64, c: u64, d: u64| {
            h.cmd(o, a as f64, b as f64, c as f64, d as f64, 0.0)
        };
        match cmd {
            Command::WxLogin { attempt } => num(op::WX_LOGIN, attempt, 0, 0, 0),
            Command::CheckSession { check } => num(op::CHECK_SESSION, check, 0, 0, 0),
            Command::Lease {
                lease,
                generation,
                slots,
                until_ms,
                margin_ms,
            } => h.cmd(
                op::LEASE,
                lease as f64,
                generation as f64,
                slots.into(),
                until_ms.map_or(-1.0, |t| t as f64),
                margin_ms as f64,
            ),
            Command::Revoke { lease } => num(op::REVOKE, lease, 0, 0, 0),
            Command::Send {
                id,
                send,
                generation,
                channel,
            } => num(op::SEND, id, send, generation.unwrap_or(0), channel as u64),
            Command::AbortSend { id, .. } => num(op::ABORT_SEND, id, 0, 0, 0),
            Command::Resolve { id } => num(op::RESOLVE, id, 0, 0, 0),
            Command::Authorized {
                id,
                generation,
                relogins,
            } => num(op::AUTHORIZED, id, generation, relogins.into(), 0),
            Command::Verdict {
                id,
                replay,
                relogins,
            } => num(op::VERDICT, id, replay.into(), relogins.into(), 0),
            Command::ClearStorage => num(op::CLEAR, 0, 0, 0, 0),
            Command::PostCode { attempt, code } => {
                h.text(op::POST_CODE, attempt as f64, 0.0, &code, None, None)
            }
            Command::Persist {
                session,
                generation,
            } => h.text(
                op::SESSION,
                generation as f64,
                session.expires_at_ms.map_or(-1.0, |t| t as f64),
                &session.token,
                None,
                None,
            ),
            Command::Reject { id, error } => {
                let attempt = match &error {
                    LoginError::LoginRejected { attempt, .. } => *attempt as f64,
                    _ => -1.0,
                };
                h.text(
                    op::REJECT,
                    id as f64,
                    attempt,
                    error.code(),
                    Some(&error.message()),
                    error.err_msg(),
                );
            }
            Command::Event(e) => {
                let code = match &e {
                    crate::Event::LoginFailure { code } => Some(*code),
                    _ => None,
                };
                h.text(op::EMIT, 0.0, 0.0, e.name(), code, None);
            }
        }
    }
}
