//! Typed errors with stable string codes (API.md, "LoginError").

use thiserror::Error;

/// Why a request, a `login()` or the manager itself failed.
///
/// Every variant has a stable string [`code`](LoginError::code) that the JS
/// `LoginError.code` carries; the codes never change meaning. The human text
/// (`Display`) may change. Errors are cloned to every request that waited on the
/// same failed login.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[non_exhaustive]
pub enum LoginError {
    /// `wx.login` called `fail`; `err_msg` is its `errMsg` (e.g. `"login:fail ..."`).
    #[error("wx.login failed: {err_msg}")]
    WxLoginFailed {
        /// The `errMsg` of wx.login's fail callback.
        err_msg: String,
    },
    /// The login POST answered a non-2xx status, or a body without a usable token.
    /// `status` is the HTTP status; the JS error carries the whole response.
    #[error("login rejected by the server (HTTP {status}): {reason}")]
    LoginRejected {
        /// HTTP status of the login answer.
        status: u16,
        /// What was wrong with it.
        reason: String,
    },
    /// `wx.login` plus the login POST took longer than `loginTimeoutMs`.
    #[error("login took longer than {timeout_ms} ms")]
    LoginTimeout {
        /// The configured `loginTimeoutMs`.
        timeout_ms: u64,
    },
    /// `wx.request` called `fail` (no response at all), for a request or for the
    /// login POST; `err_msg` is its `errMsg` (e.g. `"request:fail timeout"`).
    #[error("wx.request failed: {err_msg}")]
    RequestFailed {
        /// The `errMsg` of wx.request's fail callback.
        err_msg: String,
    },
    /// The request still met an auth failure after `retry_limit` re-logins.
    /// The JS error carries the last response.
    #[error("still not authorised after {retry_limit} re-logins")]
    RetryLimit {
        /// The configured `retryLimit`.
        retry_limit: u32,
    },
    /// `logout()` was called while this request or login waited.
    #[error("logged out while waiting")]
    LoggedOut,
    /// A login was needed while the platform reports no network.
    #[error("a login is needed but the network is offline")]
    NetworkOffline,
    /// Bad options; the text says which.
    #[error("invalid options: {message}")]
    InvalidOptions {
        /// Which option was wrong, and why.
        message: String,
    },
}

impl LoginError {
    /// The stable code: one of `WX_LOGIN_FAILED`, `LOGIN_REJECTED`, `LOGIN_TIMEOUT`,
    /// `REQUEST_FAILED`, `RETRY_LIMIT`, `LOGGED_OUT`, `NETWORK_OFFLINE`,
    /// `INVALID_OPTIONS` (API.md, "LoginError").
    pub fn code(&self) -> &'static str {
        match self {
            LoginError::WxLoginFailed { .. } => "WX_LOGIN_FAILED",
            LoginError::LoginRejected { .. } => "LOGIN_REJECTED",
            LoginError::LoginTimeout { .. } => "LOGIN_TIMEOUT",
            LoginError::RequestFailed { .. } => "REQUEST_FAILED",
            LoginError::RetryLimit { .. } => "RETRY_LIMIT",
            LoginError::LoggedOut => "LOGGED_OUT",
            LoginError::NetworkOffline => "NETWORK_OFFLINE",
            LoginError::InvalidOptions { .. } => "INVALID_OPTIONS",
        }
    }

    /// The wx `errMsg` this error came from, if any.
    pub fn err_msg(&self) -> Option<&str> {
        match self {
            LoginError::WxLoginFailed { err_msg } | LoginError::RequestFailed { err_msg } => {
                Some(err_msg)
            }
            _ => None,
        }
    }
}
