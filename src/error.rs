//! Typed errors with stable string codes (pkg/REFERENCE.md, "Errors").

use alloc::string::String;

use thiserror::Error;

/// Why a request, a `login()` or the manager itself failed.
///
/// Every variant has a stable string [`code`](LoginError::code) that the JS
/// `LoginError.code` carries; the codes never change meaning. The human text
/// (`Display`) may change. Errors are cloned to every request that waited on the
/// same failed login.
///
/// The text is [`LoginError::message`], written with plain concatenation: `format!`
/// and `Display` would link `core::fmt` into the wasm, where every byte ships.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[error("{}", self.message())]
#[non_exhaustive]
pub enum LoginError {
    /// `wx.login` called `fail`; `err_msg` is its `errMsg` (e.g. `"login:fail ..."`).
    WxLoginFailed {
        /// The `errMsg` of wx.login's fail callback.
        err_msg: String,
    },
    /// The login POST answered a non-2xx status, or a body without a usable token.
    /// `status` is the HTTP status; the JS error carries the whole response of
    /// `attempt` (never a later, stale answer's).
    LoginRejected {
        /// HTTP status of the login answer.
        status: u16,
        /// The login attempt ([`Command::PostCode`](crate::Command::PostCode)) whose
        /// answer was rejected.
        attempt: u64,
        /// What was wrong with it.
        reason: String,
    },
    /// `wx.login` plus the login POST took longer than `loginTimeoutMs`.
    LoginTimeout {
        /// The configured `loginTimeoutMs`.
        timeout_ms: u64,
    },
    /// `wx.request` called `fail` (no response at all), for a request or for the
    /// login POST; `err_msg` is its `errMsg` (e.g. `"request:fail timeout"`).
    RequestFailed {
        /// The `errMsg` of wx.request's fail callback.
        err_msg: String,
    },
    /// The request still met an auth failure after `retry_limit` re-logins.
    /// The JS error carries the last response.
    RetryLimit {
        /// The configured `retryLimit`.
        retry_limit: u32,
    },
    /// `logout()` was called while this request or login waited.
    LoggedOut,
    /// A login was needed while the platform reports no network.
    NetworkOffline,
    /// `abort()` was called on the Promise before it settled.
    Aborted,
    /// Bad options; the text says which.
    InvalidOptions {
        /// Which option was wrong, and why.
        message: String,
    },
}

impl LoginError {
    /// The stable code: one of `WX_LOGIN_FAILED`, `LOGIN_REJECTED`, `LOGIN_TIMEOUT`,
    /// `REQUEST_FAILED`, `RETRY_LIMIT`, `LOGGED_OUT`, `NETWORK_OFFLINE`,
    /// `INVALID_OPTIONS`, `ABORTED` (pkg/REFERENCE.md, "Errors").
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
            LoginError::Aborted => "ABORTED",
        }
    }

    /// The human text (also `Display`), e.g. `"wx.login failed: login:fail ..."`.
    pub fn message(&self) -> String {
        match self {
            LoginError::WxLoginFailed { err_msg } => String::from("wx.login failed: ") + err_msg,
            LoginError::LoginRejected { status, reason, .. } => {
                String::from("login answer refused (HTTP ")
                    + &decimal((*status).into())
                    + "): "
                    + reason
            }
            LoginError::LoginTimeout { timeout_ms } => {
                String::from("login took longer than ") + &decimal(*timeout_ms) + " ms"
            }
            LoginError::RequestFailed { err_msg } => String::from("wx.request failed: ") + err_msg,
            LoginError::RetryLimit { retry_limit } => {
                String::from("still not authorised after ")
                    + &decimal((*retry_limit).into())
                    + " re-logins"
            }
            LoginError::LoggedOut => "logged out while waiting".into(),
            LoginError::NetworkOffline => "a login is needed while offline".into(),
            LoginError::InvalidOptions { message } => String::from("invalid options: ") + message,
            LoginError::Aborted => "aborted".into(),
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

/// `n` in decimal, without `core::fmt` (whose machinery is large in wasm): the digits
/// before the last one, then the last one (no digit buffer, no index to check).
pub(crate) fn decimal(n: u64) -> String {
    let mut s = if n >= 10 {
        decimal(n / 10)
    } else {
        String::new()
    };
    s.push(char::from(b'0' + (n % 10) as u8));
    s
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloc::string::ToString;

    #[test]
    fn messages_name_what_went_wrong() {
        assert_eq!(decimal(0), "0");
        assert_eq!(decimal(u64::MAX), u64::MAX.to_string());
        let rejected = LoginError::LoginRejected {
            status: 502,
            attempt: 1,
            reason: "no token".into(),
        };
        assert_eq!(
            rejected.to_string(),
            "login answer refused (HTTP 502): no token"
        );
        assert_eq!(
            LoginError::LoginTimeout { timeout_ms: 10_000 }.to_string(),
            "login took longer than 10000 ms"
        );
        assert_eq!(
            LoginError::RetryLimit { retry_limit: 3 }.message(),
            "still not authorised after 3 re-logins"
        );
        assert_eq!(
            LoginError::WxLoginFailed {
                err_msg: "login:fail x".into()
            }
            .message(),
            "wx.login failed: login:fail x"
        );
    }
}
