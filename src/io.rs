//! What goes into the machine ([`Input`]) and what comes out ([`Command`]).

use alloc::string::String;

use crate::error::LoginError;

/// Identifies one `request()` or `login()` call for its whole life (replays included).
pub type WaiterId = u64;

/// A persisted login state, as kept in wx storage between launches.
///
/// Shape in storage (JSON): `{"token": string, "expiresAt": number | null}`.
/// `session_key` and `openid` are never part of it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredSession {
    /// The 3rd_session token the developer server issued.
    pub token: String,
    /// When the token expires, in ms since the Unix epoch on the client's clock, if the
    /// server said (`expiresIn`).
    pub expires_at_ms: Option<u64>,
}

/// One event for [`Machine::handle`](crate::Machine::handle). Each comes with `now`
/// (ms since the Unix epoch) as a separate argument.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum Input {
    /// `request(options)` was called. `url` as given (relative or absolute);
    /// `auth: false` sends without a token and never logs in.
    Request {
        /// Caller-chosen unique id.
        id: WaiterId,
        /// The request URL as the page gave it.
        url: String,
        /// Whether the request wants the token.
        auth: bool,
    },
    /// `login()` was called: settle once a valid login state exists.
    Login {
        /// Caller-chosen unique id.
        id: WaiterId,
    },
    /// `logout()` was called.
    Logout,
    /// `wx.login` succeeded with this `code` (valid 5 minutes, usable once).
    WxLoginOk {
        /// The attempt from [`Command::WxLogin`].
        attempt: u64,
        /// The code from wx.login.
        code: String,
    },
    /// `wx.login` failed with this `errMsg`.
    WxLoginFailed {
        /// The attempt from [`Command::WxLogin`].
        attempt: u64,
        /// wx.login's `errMsg`.
        err_msg: String,
    },
    /// The login POST got a response (any status).
    LoginAnswered {
        /// The attempt from [`Command::PostCode`].
        attempt: u64,
        /// The parsed answer.
        answer: LoginAnswer,
    },
    /// The login POST got no response (wx.request `fail`).
    LoginPostFailed {
        /// The attempt from [`Command::PostCode`].
        attempt: u64,
        /// wx.request's `errMsg`.
        err_msg: String,
    },
    /// `wx.checkSession` answered: `ok` is true for `checkSession:ok`.
    CheckSessionAnswered {
        /// Whether WeChat's session_key is still valid.
        ok: bool,
    },
    /// A sent request got a response (any status).
    Response {
        /// The waiter whose request this answers.
        id: WaiterId,
        /// The send it answers (from [`Command::Send`]); stale sends are ignored.
        send: u64,
        /// HTTP status code.
        status: u16,
        /// The value of `authFailCodeField` in the JSON body, as text, if present.
        body_code: Option<String>,
        /// The host's own verdict (e.g. an `isAuthFailure` callback) that this is an auth failure.
        host_says_auth_failure: bool,
    },
    /// The platform's network state (`wx.getNetworkType`, `wx.onNetworkStatusChange`):
    /// `online` is false for `networkType` `none`.
    Network {
        /// Whether any network is reported.
        online: bool,
    },
    /// The app went to the background (`wx.onAppHide`).
    AppHidden,
    /// The app came back to the foreground (`wx.onAppShow`).
    AppShown,
    /// A sent request got no response (wx.request `fail`).
    RequestFailed {
        /// The waiter whose request failed.
        id: WaiterId,
        /// The send that failed.
        send: u64,
        /// wx.request's `errMsg`.
        err_msg: String,
    },
}

/// The developer server's answer to the login POST, as the adapter read it.
#[derive(Debug, Clone, PartialEq)]
pub struct LoginAnswer {
    /// HTTP status code.
    pub status: u16,
    /// The value at `tokenField`, if it was a string.
    pub token: Option<String>,
    /// The value at `expiresInField` in seconds, if it was a number.
    pub expires_in_s: Option<f64>,
}

/// What the machine asks the host to do. Drain with [`Machine::poll_command`](crate::Machine::poll_command)
/// until `None` after every input.
#[derive(Debug, Clone, PartialEq)]
#[must_use]
#[non_exhaustive]
pub enum Command {
    /// Call `wx.login`; answer with [`Input::WxLoginOk`] or [`Input::WxLoginFailed`].
    WxLogin {
        /// Echo it back.
        attempt: u64,
    },
    /// POST `{"code": code}` as JSON to `loginUrl`; answer with
    /// [`Input::LoginAnswered`] or [`Input::LoginPostFailed`].
    PostCode {
        /// Echo it back.
        attempt: u64,
        /// The wx.login code.
        code: String,
    },
    /// Call `wx.checkSession`; answer with [`Input::CheckSessionAnswered`].
    CheckSession,
    /// Send the waiter's request to `url` (already resolved against `baseUrl`), with
    /// `token` in the token header when it is `Some`.
    Send {
        /// The waiter.
        id: WaiterId,
        /// Echo it back with the response.
        send: u64,
        /// The resolved URL.
        url: String,
        /// The token to attach; `None` for `auth: false` and untrusted origins.
        token: Option<String>,
    },
    /// Resolve the waiter: with its last response for a request, with nothing for a login.
    Resolve {
        /// The waiter.
        id: WaiterId,
    },
    /// Reject the waiter with this error (for `RetryLimit` attach the last response;
    /// for `LoginRejected` the last login answer).
    Reject {
        /// The waiter.
        id: WaiterId,
        /// Why.
        error: LoginError,
    },
    /// Persist this login state under `storageKey`.
    Persist(StoredSession),
    /// Remove the persisted login state.
    ClearStorage,
    /// Tell `onEvent` listeners. Never carries the token.
    Event(Event),
}

/// What happened, for `onEvent` (`event.type` is [`Event::name`]).
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum Event {
    /// A login started (`wx.login` is being called).
    LoginStart,
    /// A login succeeded; a new session generation began.
    LoginSuccess,
    /// A login failed with this error code.
    LoginFailure {
        /// The `LoginError` code.
        code: &'static str,
    },
    /// A persisted login state was loaded at launch.
    SessionRestored,
    /// `wx.checkSession` said WeChat's session expired; a login follows.
    SessionExpired,
    /// A request met an auth failure and waits for a new login.
    Renewal,
    /// A request is sent again after a new login.
    Replay,
    /// A request gave up after `retryLimit` re-logins.
    RetryLimit,
    /// `logout()` forgot the login state.
    Logout,
    /// A login was needed while offline; its waiters got `NETWORK_OFFLINE`.
    Offline,
}

impl Event {
    /// The `event.type` string: `login:start`, `login:success`, `login:failure`,
    /// `session:restored`, `session:expired`, `renewal`, `replay`, `retry-limit`, `logout`,
    /// `offline`.
    pub fn name(&self) -> &'static str {
        match self {
            Event::LoginStart => "login:start",
            Event::LoginSuccess => "login:success",
            Event::LoginFailure { .. } => "login:failure",
            Event::SessionRestored => "session:restored",
            Event::SessionExpired => "session:expired",
            Event::Renewal => "renewal",
            Event::Replay => "replay",
            Event::RetryLimit => "retry-limit",
            Event::Logout => "logout",
            Event::Offline => "offline",
        }
    }
}
