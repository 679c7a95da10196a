//! The host: one duck-typed JS object the shim builds around the platform's `wx`
//! (see `js-shim/host.js`). Rust never reads a global; every call that can throw is
//! bound with `catch`, and a throw becomes a failure input, never a hung promise.

use alloc::string::String;
use wasm_bindgen::prelude::*;

#[wasm_bindgen]
extern "C" {
    /// The host object. Each method mirrors one [`crate::Command`].
    pub type Host;

    /// Current time, ms since the Unix epoch (`Date.now()`).
    #[wasm_bindgen(method, catch)]
    pub fn now(this: &Host) -> Result<f64, JsValue>;

    /// Arms the single wake-up timer `delay_ms` from now (replacing any other), or
    /// clears it when `delay_ms` is negative. On expiry the host calls `wake()`.
    #[wasm_bindgen(method, catch, js_name = setTimer)]
    pub fn set_timer(this: &Host, delay_ms: f64) -> Result<(), JsValue>;

    /// Calls `wx.login`; answers `onWxLogin(attempt, ok, result)`.
    #[wasm_bindgen(method, catch, js_name = wxLogin)]
    pub fn wx_login(this: &Host, attempt: f64) -> Result<(), JsValue>;

    /// POSTs `{code}` to `loginUrl` with `wx.request`; answers `onLoginPost(attempt, ok, result)`.
    #[wasm_bindgen(method, catch, js_name = postCode)]
    pub fn post_code(this: &Host, attempt: f64, code: &str) -> Result<(), JsValue>;

    /// Calls `wx.checkSession`; answers `onCheckSession(ok)`.
    #[wasm_bindgen(method, catch, js_name = checkSession)]
    pub fn check_session(this: &Host) -> Result<(), JsValue>;

    /// Sends the page's request `options` to `url` with `token` (or `null`: no token)
    /// via `wx.request`; answers `onResponse(id, send, ok, result, isAuthFailure)`.
    #[wasm_bindgen(method, catch)]
    pub fn send(
        this: &Host,
        id: f64,
        send: f64,
        options: &JsValue,
        url: &str,
        token: Option<String>,
    ) -> Result<(), JsValue>;

    /// Persists `{token, expiresAt}` (`expiresAt`: ms since the epoch, or `null`).
    #[wasm_bindgen(method, catch)]
    pub fn persist(this: &Host, token: &str, expires_at_ms: Option<f64>) -> Result<(), JsValue>;

    /// Removes the persisted login state.
    #[wasm_bindgen(method, catch, js_name = clearStorage)]
    pub fn clear_storage(this: &Host) -> Result<(), JsValue>;

    /// Reports an event to `onEvent` (`type` as `Event::name`, `detail` an object or undefined).
    #[wasm_bindgen(method, catch)]
    pub fn emit(this: &Host, kind: &str, detail: &JsValue) -> Result<(), JsValue>;

    /// Makes a `LoginError` with `code`, `message` and the fields of `extra`
    /// (`errMsg`, `response`).
    #[wasm_bindgen(method, js_name = makeError)]
    pub fn make_error(this: &Host, code: &str, message: &str, extra: &JsValue) -> JsValue;
}
