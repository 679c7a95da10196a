//! What goes into the machine ([`Input`]) and what comes out ([`Command`]).
//!
//! Only ids, numbers and verdicts cross: request options, URLs, bodies and responses stay
//! with the host, which keys them by [`WaiterId`]. The host also keeps each session's
//! token by its generation (from [`Command::Persist`] and
//! [`Machine::token`](crate::Machine::token)) and attaches it when a [`Command::Send`] or
//! [`Command::Authorized`] names that generation.

use alloc::string::String;

use crate::error::LoginError;

/// Identifies one `request()`, `login()`, `authorize()` or `check()` call for its whole
/// life (replays included). The host allocates them strictly increasing (see
/// [`Machine::handle`](crate::Machine::handle)).
pub type WaiterId = u64;

/// The wx API a request goes through. Each has its own pool of `max_in_flight` slots:
/// wx.request, wx.uploadFile and wx.downloadFile each allow 10 at once (WeChat docs,
/// "网络 > 使用说明", concurrency limits). The login POST is a wx.request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Channel {
    /// `wx.request`.
    Request,
    /// `wx.uploadFile`.
    Upload,
    /// `wx.downloadFile`.
    Download,
}

impl Channel {
    pub(crate) fn index(self) -> usize {
        self as usize
    }
}

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
    /// `request(options)` (or `uploadFile`/`downloadFile`) was called.
    Request {
        /// New id, above every earlier one.
        id: WaiterId,
        /// The request wants the token: `auth` is true and its URL, resolved with
        /// [`resolve`](crate::resolve), is trusted
        /// ([`Config::is_trusted`](crate::Config::is_trusted)). False: sent without a
        /// token, never logs in, an auth failure is an ordinary answer.
        with_token: bool,
        /// The wx API that sends it.
        channel: Channel,
        /// The request's own `timeout` option in ms (wx.request's default: 60000).
        /// Once sent, with no answer by `timeout_ms + request_timeout_margin_ms` the
        /// slot is freed and the waiter rejects `REQUEST_FAILED`.
        timeout_ms: u64,
    },
    /// A request the host sent before the machine existed, with the restored session's
    /// token (generation 1): it is in flight as send `0` on `channel` and holds a slot.
    /// If no session was restored, an auth failure for it renews and replays it as for
    /// any request.
    Adopt {
        /// New id, above every earlier one.
        id: WaiterId,
        /// The wx API that sent it.
        channel: Channel,
        /// Its `timeout` option in ms, counted from this input's `now`.
        timeout_ms: u64,
    },
    /// `login()` was called: settle once a valid, checkSession-verified login state exists.
    Login {
        /// New id, above every earlier one.
        id: WaiterId,
    },
    /// `authorize(options)` (interceptors): answered [`Command::Authorized`] once a
    /// valid, verified login state exists (sharing the one login), or rejected.
    Authorize {
        /// New id, above every earlier one.
        id: WaiterId,
        /// Re-logins this logical request already caused (from its ticket; 0 at first).
        relogins: u32,
    },
    /// `check(ticket, response)` (interceptors): the transport answered a request that
    /// carried the token of `generation`. Answered [`Command::Verdict`], or rejected
    /// (`RETRY_LIMIT`, `LOGGED_OUT`, a login error).
    Check {
        /// New id, above every earlier one.
        id: WaiterId,
        /// The generation from the ticket's [`Command::Authorized`].
        generation: u64,
        /// Re-logins the logical request already caused (from its ticket).
        relogins: u32,
        /// HTTP status code of the answer.
        status: u16,
        /// The host's verdict that the answer is an auth failure (its body code is in
        /// `authFailCodes`, or `isAuthFailure` said so); `authFailStatusCodes` are
        /// checked here.
        host_verdict: bool,
    },
    /// `abort()` was called on a waiter's Promise. A waiting one is dropped (a login
    /// under way goes on for the others); one in flight frees its slot and yields
    /// [`Command::AbortSend`]. Either way it rejects `ABORTED`; unknown ids are ignored.
    Abort {
        /// The waiter.
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
        /// The number from [`Command::CheckSession`]; a stale one is ignored.
        check: u64,
        /// Whether WeChat's session_key is still valid.
        ok: bool,
    },
    /// A sent request got a response (any status).
    Response {
        /// The waiter whose request this answers.
        id: WaiterId,
        /// The send it answers (from [`Command::Send`], 0 for an adopted one); stale
        /// sends are ignored.
        send: u64,
        /// HTTP status code.
        status: u16,
        /// The host's verdict that this is an auth failure: the body's
        /// `authFailCodeField` value is in `authFailCodes`, or `isAuthFailure` said so.
        /// `authFailStatusCodes` are checked here.
        host_verdict: bool,
    },
    /// A sent request got no response (wx.request `fail`).
    RequestFailed {
        /// The waiter whose request failed.
        id: WaiterId,
        /// The send that failed.
        send: u64,
        /// wx.request's `errMsg`.
        err_msg: String,
    },
    /// The platform's network state (`wx.getNetworkType`, `wx.onNetworkStatusChange`):
    /// `online` is false for `networkType` `none`. Back online after offline clears
    /// the login backoff.
    Network {
        /// Whether any network is reported.
        online: bool,
    },
    /// The host gives request slots of leases back ([`Command::Lease`]): the unused
    /// slots of lease `lease` when it ends it (on its own, e.g. past `until_ms`, or in
    /// answer to [`Command::Revoke`]), or, after it ended, the slot of one of its sends
    /// that was answered with no need of the machine. The lease is over from here on.
    Release {
        /// The lease's number.
        lease: u64,
        /// Slots given back (more than the host holds count as all it holds).
        slots: u32,
    },
    /// A send the host made under a lease needs the machine after all: it failed, met
    /// an auth failure, was not answered by its deadline, or its waiter was aborted. It
    /// becomes waiter `id`, in flight as send `0` in the lease slot it holds (the next
    /// input gives its answer, if any); from here it is any request's equal (renewal,
    /// replay, retry limit, deadline). The lease itself goes on.
    AdoptLeased {
        /// New id, above every earlier one.
        id: WaiterId,
        /// The generation whose token it carried (`None`: sent without one).
        generation: Option<u64>,
        /// Its `timeout` option in ms (for the timeout's errMsg).
        timeout_ms: u64,
        /// When the machine gives up on its answer (ms since the epoch): the send's
        /// time plus `timeout_ms` plus [`Config::request_timeout_margin_ms`](crate::Config::request_timeout_margin_ms).
        deadline_ms: u64,
    },
    /// The app went to the background (`wx.onAppHide`).
    AppHidden,
    /// The app came back to the foreground (`wx.onAppShow`).
    AppShown,
}

/// The developer server's answer to the login POST, as the adapter read it.
#[derive(Debug, Clone, PartialEq)]
pub struct LoginAnswer {
    /// HTTP status code.
    pub status: u16,
    /// The value at `tokenField`, if it was a string.
    pub token: Option<String>,
    /// The value at `expiresInField`: `None` when absent (or `null`), the number of
    /// seconds when it is a JSON number, `Some(f64::NAN)` when present but not a number
    /// (a numeric string too): that is rejected, as is a number outside 1 s..10 years.
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
    /// POST `{"code": code}` as JSON to `loginUrl` (on the [`Channel::Request`] pool,
    /// with `timeout: loginTimeoutMs`); answer with [`Input::LoginAnswered`] or
    /// [`Input::LoginPostFailed`].
    PostCode {
        /// Echo it back.
        attempt: u64,
        /// The wx.login code.
        code: String,
    },
    /// Call `wx.checkSession`; answer with [`Input::CheckSessionAnswered`].
    CheckSession {
        /// Echo it back.
        check: u64,
    },
    /// Send the waiter's request (its URL resolved against `baseUrl`) on `channel`.
    Send {
        /// The waiter.
        id: WaiterId,
        /// Echo it back with the response (numbers start at 1; 0 is an adopted send).
        send: u64,
        /// Attach the token of this session generation; `None`: send without a token.
        generation: Option<u64>,
        /// The wx API to send it with.
        channel: Channel,
    },
    /// Abort this send (the RequestTask's `abort()`); its answer, if any, is ignored.
    AbortSend {
        /// The waiter.
        id: WaiterId,
        /// The send to abort.
        send: u64,
        /// The wx API it went through.
        channel: Channel,
    },
    /// Resolve the waiter: with its last response for a request, with nothing for a login.
    Resolve {
        /// The waiter.
        id: WaiterId,
    },
    /// Reject the waiter with this error (for `RetryLimit` attach the last response;
    /// for `LoginRejected` the answer of its `attempt`).
    Reject {
        /// The waiter.
        id: WaiterId,
        /// Why.
        error: LoginError,
    },
    /// Settles an [`Input::Authorize`]: attach the token of `generation`; the ticket
    /// holds `generation` and `relogins`.
    Authorized {
        /// The waiter.
        id: WaiterId,
        /// Session generation whose token to attach.
        generation: u64,
        /// Re-logins the logical request has caused so far.
        relogins: u32,
    },
    /// Settles an [`Input::Check`]: `replay` false = `'ok'`, true = `'replay'` (a valid
    /// login state now exists; re-authorize with `relogins`).
    Verdict {
        /// The waiter.
        id: WaiterId,
        /// Whether to send the request again.
        replay: bool,
        /// Re-logins the logical request has caused so far (for the next ticket).
        relogins: u32,
    },
    /// Persist this login state under `storageKey`; it is session `generation` (the host
    /// keeps its token for sends that name it).
    Persist {
        /// What to store.
        session: StoredSession,
        /// Its generation.
        generation: u64,
    },
    /// Remove the persisted login state.
    ClearStorage,
    /// Lease `lease` ([`Config::lease`](crate::Config::lease)): `slots` more
    /// wx.request slots (on top of those it holds, for a lease already granted) that the
    /// host fills itself, without an [`Input::Request`], until `until_ms`, with the
    /// token of `generation` where a request wants it (its URL trusted, `auth` true) or
    /// without one. Granted only while the login state is verified and fresh and
    /// nothing waits. Of each leased send's answers, the host settles a success (any
    /// answer that is no auth failure, or any for a tokenless one) itself and reuses the
    /// slot; anything else goes to [`Input::AdoptLeased`], and so does a send with no
    /// answer by its deadline: its time + `timeout` + `margin_ms`. The lease ends with
    /// [`Command::Revoke`] or when the host gives it up ([`Input::Release`]).
    Lease {
        /// The lease's number (increasing).
        lease: u64,
        /// The session generation whose token leased sends carry.
        generation: u64,
        /// Slots added.
        slots: u32,
        /// When the token is due for renewal: no leased send from then (ms since the
        /// epoch; `None`: no expiry).
        until_ms: Option<u64>,
        /// [`Config::request_timeout_margin_ms`](crate::Config::request_timeout_margin_ms).
        margin_ms: u64,
    },
    /// Lease `lease` is over (the login state changed, or requests wait for a slot):
    /// send nothing more under it, give its unused slots back with [`Input::Release`]
    /// and hand waiting requests over as [`Input::Request`]s.
    Revoke {
        /// The lease's number.
        lease: u64,
    },
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
    /// `wx.checkSession` said WeChat's session expired (or did not answer in time);
    /// the session is dropped and the next request that needs it logs in.
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
