//! The machine's settings: the part of `createLoginManager` options the core decides with.

use alloc::string::{String, ToString};
use alloc::vec;
use alloc::vec::Vec;

use crate::error::LoginError;
use crate::origin::Origin;

/// Settings of a [`Machine`](crate::Machine). Build with [`Config::new`], then adjust.
#[derive(Debug, Clone)]
pub struct Config {
    /// `loginUrl`: absolute http(s) URL the code is POSTed to.
    pub login_url: String,
    /// `baseUrl`: prefix for relative request URLs.
    pub base_url: Option<String>,
    /// `trustedOrigins`: the only origins that ever receive the token.
    pub trusted_origins: Vec<Origin>,
    /// `authFailStatusCodes`: statuses that mean "login state expired". Default `[401]`.
    pub auth_fail_status_codes: Vec<u16>,
    /// `retryLimit`: re-logins one request may cause before `RETRY_LIMIT`. Default 3.
    pub retry_limit: u32,
    /// `loginTimeoutMs`: wx.login plus the login POST, in ms. Default 10000.
    pub login_timeout_ms: u64,
    /// Most requests in flight at once on each [`Channel`](crate::Channel) (WeChat
    /// allows 10 each for wx.request, wx.uploadFile and wx.downloadFile). Default 10.
    pub max_in_flight: usize,
    /// Added to a request's own `timeout` (ms) before the machine gives up on an answer
    /// that never comes (a platform shim that drops callbacks): the slot is freed and
    /// the waiter rejects `REQUEST_FAILED` with `errMsg`
    /// `"request:fail timeout: no answer within N ms"`. The same margin is added to
    /// `loginTimeoutMs` for the login POST's slot. Default 5000 ms.
    pub request_timeout_margin_ms: u64,
    /// `awaitCheckSession`: false (default): a restored, unexpired token is used by
    /// requests at once, and `wx.checkSession` runs in parallel at its first use (once
    /// per launch); a failed check drops the session and later requests log in. True:
    /// every request waits for the check first. `login()` and `authorize()` always wait
    /// for it: they ask for a verified login state.
    pub await_check_session: bool,
    /// `checkSessionTimeoutMs`: a `wx.checkSession` unanswered this long counts as
    /// failed (its late answer is ignored). Failed rather than valid because a re-login
    /// gives a session_key known to be good, at the cost of at most one extra wx.login
    /// per launch, while taking it as valid could leave the server with a dead
    /// session_key. Default 5000 ms.
    pub check_session_timeout_ms: u64,
    /// `networkWaitMs`: at launch, while the network state is unknown (no
    /// [`Input::Network`](crate::Input::Network) yet), a login waits at most this
    /// long for it (from `Machine::new`'s `now`): offline then rejects
    /// `NETWORK_OFFLINE`, online or no answer logs in. 0 (the core's default): the
    /// network is taken as online from the start. The adapter passes e.g. 3000 when
    /// the platform has `wx.getNetworkType`.
    pub network_wait_ms: u64,
    /// `renewMarginMs`: the token is renewed this long before the server's `expiresIn`
    /// runs out (on the client's clock, from when the login answer arrived), but never
    /// before half its lifetime has passed. Default 60000 ms.
    pub renew_margin_ms: u64,
    /// `loginBackoffMs`: the first wait after a failed login, doubled after each
    /// further failure in a row (with jitter), up to `login_backoff_max_ms`. While
    /// waiting, a request that needs a login rejects at once with the last login error.
    /// 0 turns it off. Default 1000 ms.
    pub login_backoff_ms: u64,
    /// Longest wait between failed logins. Default 60000 ms.
    pub login_backoff_max_ms: u64,
    /// `recheckAfterHiddenMs`: when the app returns to the foreground after being
    /// hidden at least this long, `wx.checkSession` runs again at the next use of the
    /// token (before it, with `await_check_session`). Default 300000 ms (5 minutes).
    pub recheck_after_hidden_ms: u64,
    /// Seed of the backoff jitter (the host passes a random one).
    pub seed: u64,
    /// Whether the host takes leases of wx.request slots ([`Command::Lease`](crate::Command::Lease)):
    /// in the steady state (a verified, fresh login state, nothing waiting) it then
    /// sends and settles requests itself, without an input per request. False (the
    /// default): a host that does not know leases never gets one. The wasm adapter
    /// turns it on.
    pub lease: bool,
}

/// The origin of `url`, the value of option `what`; `INVALID_OPTIONS` naming both when it
/// has none (see [`Origin::parse`]).
pub(crate) fn origin_of(what: &str, url: &str) -> Result<Origin, LoginError> {
    Origin::parse(url).ok_or_else(|| LoginError::InvalidOptions {
        message: String::from(what) + " must be an absolute http(s) URL, got \"" + url + "\"",
    })
}

impl Config {
    /// Settings with the defaults of pkg/REFERENCE.md. `trusted_origins`, when `None`, are the origins
    /// of `login_url` and `base_url`.
    ///
    /// Errors: `INVALID_OPTIONS` when `login_url`, `base_url` or a trusted origin is not
    /// an absolute http(s) URL.
    pub fn new(
        login_url: &str,
        base_url: Option<&str>,
        trusted_origins: Option<&[String]>,
    ) -> Result<Config, LoginError> {
        let login_origin = origin_of("loginUrl", login_url)?;
        let base_origin = match base_url {
            Some(b) => Some(origin_of("baseUrl", b)?),
            None => None,
        };
        // Loops rather than iterator adapters: smaller in wasm.
        let mut origins = Vec::new();
        match trusted_origins {
            Some(list) => {
                for o in list {
                    origins.push(origin_of("trustedOrigins[]", o)?);
                }
            }
            None => {
                origins.push(login_origin);
                origins.extend(base_origin);
            }
        }
        let trusted_origins = origins;
        Ok(Config {
            login_url: login_url.to_string(),
            base_url: base_url.map(str::to_string),
            trusted_origins,
            auth_fail_status_codes: vec![401],
            retry_limit: 3,
            login_timeout_ms: 10_000,
            max_in_flight: 10,
            request_timeout_margin_ms: 5_000,
            await_check_session: false,
            check_session_timeout_ms: 5_000,
            network_wait_ms: 0,
            renew_margin_ms: 60_000,
            login_backoff_ms: 1_000,
            login_backoff_max_ms: 60_000,
            seed: 0,
            recheck_after_hidden_ms: 300_000,
            lease: false,
        })
    }

    /// Whether `url` (absolute; resolve a relative one first with
    /// [`resolve`](crate::resolve)) may carry the token: its origin, read by
    /// [`Origin::parse`] (which refuses any URL two standard parsers could read
    /// differently), is one of `trusted_origins`.
    pub fn is_trusted(&self, url: &str) -> bool {
        Origin::parse(url).is_some_and(|o| self.trusted_origins.contains(&o))
    }
}
