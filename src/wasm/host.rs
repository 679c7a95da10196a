//! The host: the JS object the shim builds around the platform's `wx`
//! (`js-shim/manager.js`), registered under its manager's number in `js-shim/hosts.js`.
//! Two methods carry every [`crate::Command`]: `cmd` with numbers only (the hot path:
//! send, resolve), `text` where a string must go along (the login code, a new token, an
//! error). Neither ever throws into the wasm (the shim swallows what the platform throws
//! and reports it as a later input), so no JS exception unwinds through Rust.

use wasm_bindgen::prelude::*;

/// `cmd` operations (arguments `a`, `b`, `c`, `d`, `e`; unused ones are 0).
pub mod op {
    /// Call `wx.login` for attempt `a`; answers come back as `put(WX_LOGIN_FAILED)` /
    /// `text(WX_LOGIN_OK)`.
    pub const WX_LOGIN: u8 = 0;
    /// Call `wx.checkSession`, check number `a`.
    pub const CHECK_SESSION: u8 = 1;
    /// Send waiter `a`'s request as send `b` with the token of generation `c` (0: none)
    /// through channel `d` (0 wx.request, 1 wx.uploadFile, 2 wx.downloadFile).
    pub const SEND: u8 = 2;
    /// Abort waiter `a`'s request on the wire (its task's `abort()`).
    pub const ABORT_SEND: u8 = 3;
    /// Resolve waiter `a` (a request with its last result, a `login()` with nothing).
    pub const RESOLVE: u8 = 4;
    /// Resolve `authorize()` waiter `a` with the token of generation `b`; `c` re-logins.
    pub const AUTHORIZED: u8 = 5;
    /// Resolve `check()` waiter `a` with `'replay'` (`b` = 1) or `'ok'`; `c` re-logins.
    pub const VERDICT: u8 = 6;
    /// Remove the persisted login state.
    pub const CLEAR: u8 = 7;
    /// `text`: POST `{code: s}` to `loginUrl` for attempt `a`.
    pub const POST_CODE: u8 = 8;
    /// `text`: a new session: token `s` is generation `a`; persist `{token, expiresAt: b}`
    /// (`b` < 0: no expiry).
    pub const SESSION: u8 = 9;
    /// `text`: reject waiter `a` with a `LoginError` of code `s`, message `t`, errMsg `u`;
    /// `b` (≥ 1) is the login attempt whose answer a `LOGIN_REJECTED` carries.
    pub const REJECT: u8 = 10;
    /// `text`: event `s` for `onEvent` (`t`: its `code`, for `login:failure`).
    pub const EMIT: u8 = 11;
    /// Lease `a`: `c` more wx.request slots the host fills itself, with the token of
    /// generation `b` where a request wants it, until `d` (ms since the epoch; < 0: no
    /// end); a leased send's deadline is its time + `timeout` + `e` ms. Answered with
    /// `put(RELEASE)` and `put(ADOPT_LEASED)` (see `crate::Command::Lease`).
    pub const LEASE: u8 = 12;
    /// Lease `a` is over: give its unused slots back (`put(RELEASE)`), hand waiting
    /// requests to the Core.
    pub const REVOKE: u8 = 13;
    /// `text`: `newCore` refuses the options: `s` says which and why (the
    /// `INVALID_OPTIONS` detail, e.g. `loginUrl must be an absolute http(s) URL, got "…"`).
    pub const INVALID: u8 = 14;
}

#[wasm_bindgen(module = "/js-shim/hosts.js")]
extern "C" {
    /// A command with numbers only (see [`op`]) for the host of manager `h`.
    #[wasm_bindgen(js_name = hostCmd)]
    pub(super) fn cmd(h: u32, op: u8, a: f64, b: f64, c: f64, d: f64, e: f64);

    /// A command that carries strings (see [`op`]) for the host of manager `h`.
    #[wasm_bindgen(js_name = hostText)]
    #[allow(clippy::too_many_arguments)]
    pub(super) fn text(h: u32, op: u8, a: f64, b: f64, s: &str, t: Option<&str>, u: Option<&str>);

    #[wasm_bindgen(js_name = register)]
    fn register(host: JsValue) -> u32;
}

/// Registers `host` (an object with `cmd(op, a, b, c, d, e)` and `text(op, a, b, s, t,
/// u)`) in `js-shim/hosts.js` and returns its manager number, for [`super::new_core`].
/// The shim registers its hosts itself; this is for Rust callers (the adapter's tests).
pub fn register_host(host: JsValue) -> u32 {
    register(host)
}
