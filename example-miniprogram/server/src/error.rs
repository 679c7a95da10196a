//! The one error type of the HTTP API, with stable string codes.
//!
//! Every error response is JSON `{"error": <code>, ...}` where `<code>` is one of the
//! strings in the table below (stable: clients may match on them). Extra fields:
//! `message` (the server's own human text), `errcode` (WeChat's number, for the WeChat
//! variants), `retryAfter` (seconds, with a `Retry-After` header, on 429 and 503).
//! WeChat's own `errmsg` is **never** answered: it goes to the log only (with the app
//! secret and the access_token redacted), since a WeChat text can quote anything.
//!
//! | code | status | when |
//! |---|---|---|
//! | `bad_request` | 400 | malformed JSON or a missing / ill-typed field |
//! | `bad_forwarded_for` | 400 | a trusted proxy sent no usable `X-Forwarded-For` (see [`crate::rate_limit`]) |
//! | `unauthorized` | 401 | no, unknown, expired or revoked token (body is exactly `{"error":"unauthorized"}`) |
//! | `forbidden` | 403 | a `/dev/*` call from a non-loopback peer |
//! | `login_blocked` | 403 | code2Session answered 40226: WeChat blocked this user's login (high-risk account); a new code will not help, do not retry |
//! | `not_found` | 404 | no such route |
//! | `method_not_allowed` | 405 | the route exists, not with this method (`Allow` header lists the right one) |
//! | `payload_too_large` | 413 | a body over [`crate::routes::MAX_BODY_BYTES`] |
//! | `rate_limited` | 429 | too many `/user/login` calls from one client address |
//! | `code2session_failed` | 401 / 503 / 502 | code2Session answered another errcode (see [`crate::wechat::status_for_errcode`]) |
//! | `wechat_error` | 400 / 503 / 502 | stable_token or getuserphonenumber answered an errcode (400 for 40029 invalid phone code) |
//! | `access_token_unavailable` | 503 | the server's access_token fetch did not finish within the wait deadline |
//! | `wechat_unreachable` | 502 | no HTTP answer from WeChat |
//! | `wechat_bad_response` | 502 | WeChat answered something unusable |
//! | `decrypt_failed` | 400 | encryptedData does not decrypt to this user's data with this session's session_key (tampered data or iv, or the session_key changed: log in again) |
//! | `unsupported_data` | 400 | decrypted data of a kind `/user/decrypt` does not answer (see [`crate::open_data`]) |
//! | `watermark_mismatch` | 400 | decrypted data's `watermark.appid` is another app's |
//! | `watermark_expired` | 400 | decrypted data's `watermark.timestamp` is older than the configured max age |
//! | `signature_mismatch` | 400 | `signature != sha1(rawData + session_key)` |
//! | `store_unavailable` | 503 | `/healthz`: the store (SQLite or Redis) does not answer |
//! | `internal` | 500 | a store or task failure (details go to the log only) |

use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use serde_json::json;

use crate::support::json_response;
use crate::wechat::{self, WeChatError};

/// An API failure; [`IntoResponse`] turns it into the JSON body described in the module docs.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ApiError {
    /// Malformed request body or field (400 `bad_request`).
    #[error("bad request: {0}")]
    BadRequest(String),
    /// A trusted proxy's `X-Forwarded-For` is missing or unparsable (400 `bad_forwarded_for`).
    #[error("bad X-Forwarded-For: {0}")]
    BadForwardedFor(String),
    /// No valid session behind the request's bearer token (401 `unauthorized`).
    #[error("unauthorized")]
    Unauthorized,
    /// The caller may not use this route (403 `forbidden`).
    #[error("forbidden: {0}")]
    Forbidden(&'static str),
    /// Too many logins from one address (429 `rate_limited`); retry after this many seconds.
    #[error("rate limited; retry after {0} s")]
    RateLimited(u64),
    /// code2Session answered an errcode (`code2session_failed`, or `login_blocked` for 40226).
    #[error("code2Session errcode {errcode}: {errmsg}")]
    Code2Session {
        /// WeChat's errcode.
        errcode: i64,
        /// WeChat's errmsg (logged, never answered).
        errmsg: String,
    },
    /// Another WeChat API (stable_token, getuserphonenumber) answered an errcode (`wechat_error`).
    #[error("WeChat errcode {errcode}: {errmsg}")]
    WeChat {
        /// WeChat's errcode.
        errcode: i64,
        /// WeChat's errmsg (logged, never answered).
        errmsg: String,
    },
    /// The access_token fetch did not finish within the caller's wait deadline (503
    /// `access_token_unavailable`); retry after this many seconds.
    #[error("the access_token fetch is still running; retry after {0} s")]
    AccessTokenPending(u64),
    /// No HTTP answer from WeChat (502 `wechat_unreachable`); the text is logged only.
    #[error("WeChat unreachable: {0}")]
    WeChatUnreachable(String),
    /// WeChat's answer was unusable (502 `wechat_bad_response`); the text is logged only.
    #[error("bad WeChat answer: {0}")]
    WeChatBadResponse(String),
    /// encryptedData did not decrypt to this user's data with the session's key (400 `decrypt_failed`).
    #[error("decryption failed")]
    DecryptFailed,
    /// The decrypted data is of a kind `/user/decrypt` does not answer (400 `unsupported_data`).
    #[error("unsupported open data: {0}")]
    UnsupportedData(&'static str),
    /// The decrypted watermark names another appid (400 `watermark_mismatch`).
    #[error("watermark appid mismatch")]
    WatermarkMismatch,
    /// The decrypted watermark is older than the max age (400 `watermark_expired`).
    #[error("watermark older than {max_age_secs} s")]
    WatermarkExpired {
        /// The configured maximum age, seconds.
        max_age_secs: i64,
    },
    /// `signature` did not match `sha1(rawData + session_key)` (400 `signature_mismatch`).
    #[error("signature mismatch")]
    SignatureMismatch,
    /// The store does not answer a health check (503 `store_unavailable`); text logged only.
    #[error("store unavailable: {0}")]
    StoreUnavailable(String),
    /// A store / task failure; the text is logged, never answered (500 `internal`).
    #[error("internal: {0}")]
    Internal(String),
}

/// The server's own text for a WeChat errcode (never WeChat's errmsg).
fn wechat_message(errcode: i64, login: bool) -> String {
    match errcode {
        40029 if login => "the code is invalid, expired or another app's: call wx.login again".into(),
        40163 => "the code was already used: call wx.login again".into(),
        40226 => "WeChat blocked this user's login (a high-risk account): a new code will not help, do not retry".into(),
        40029 => "the phone code is invalid, expired, already used or another app's: ask the user again".into(),
        -1 | 45009 | 45011 => "WeChat is busy or over its quota: retry later".into(),
        40001 | 40014 | 42001 => "WeChat rejected the server's access_token twice: retry later".into(),
        40164 => "WeChat refused the server's IP address (not on the app's IP whitelist): the server is misconfigured, see its log".into(),
        40013 | 40125 | 41002 | 41004 | 40002 => "WeChat refused the server's credentials: the server is misconfigured, see its log".into(),
        n => format!("WeChat answered errcode {n}: see the server log"),
    }
}

impl ApiError {
    /// The stable `error` code string (see the module table).
    pub fn code(&self) -> &'static str {
        match self {
            ApiError::BadRequest(_) => "bad_request",
            ApiError::BadForwardedFor(_) => "bad_forwarded_for",
            ApiError::Unauthorized => "unauthorized",
            ApiError::Forbidden(_) => "forbidden",
            ApiError::RateLimited(_) => "rate_limited",
            ApiError::Code2Session { errcode: 40226, .. } => "login_blocked",
            ApiError::Code2Session { .. } => "code2session_failed",
            ApiError::WeChat { .. } => "wechat_error",
            ApiError::AccessTokenPending(_) => "access_token_unavailable",
            ApiError::WeChatUnreachable(_) => "wechat_unreachable",
            ApiError::WeChatBadResponse(_) => "wechat_bad_response",
            ApiError::DecryptFailed => "decrypt_failed",
            ApiError::UnsupportedData(_) => "unsupported_data",
            ApiError::WatermarkMismatch => "watermark_mismatch",
            ApiError::WatermarkExpired { .. } => "watermark_expired",
            ApiError::SignatureMismatch => "signature_mismatch",
            ApiError::StoreUnavailable(_) => "store_unavailable",
            ApiError::Internal(_) => "internal",
        }
    }

    /// The HTTP status answered for this error.
    pub fn status(&self) -> StatusCode {
        let s = match self {
            ApiError::BadRequest(_)
            | ApiError::BadForwardedFor(_)
            | ApiError::DecryptFailed
            | ApiError::UnsupportedData(_)
            | ApiError::WatermarkMismatch
            | ApiError::WatermarkExpired { .. }
            | ApiError::SignatureMismatch => 400,
            ApiError::Unauthorized => 401,
            ApiError::Forbidden(_) => 403,
            ApiError::RateLimited(_) => 429,
            ApiError::Code2Session { errcode, .. } => wechat::status_for_errcode(*errcode),
            ApiError::WeChat { errcode, .. } => match errcode {
                40029 => 400,
                -1 | 45009 | 45011 => 503,
                _ => 502,
            },
            ApiError::AccessTokenPending(_) | ApiError::StoreUnavailable(_) => 503,
            ApiError::WeChatUnreachable(_) | ApiError::WeChatBadResponse(_) => 502,
            ApiError::Internal(_) => 500,
        };
        StatusCode::from_u16(s).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR)
    }

    /// Seconds a client should wait before retrying (the `Retry-After` header), for
    /// 429 and 503 answers: WeChat's minute quota 60, its daily quota 3600, a busy
    /// WeChat or a pending access_token 5.
    pub fn retry_after(&self) -> Option<u64> {
        match self {
            ApiError::RateLimited(s) | ApiError::AccessTokenPending(s) => Some(*s),
            ApiError::Code2Session { errcode, .. } | ApiError::WeChat { errcode, .. } => {
                match errcode {
                    45011 => Some(60),
                    45009 => Some(3600),
                    -1 => Some(5),
                    _ => None,
                }
            }
            ApiError::StoreUnavailable(_) => Some(5),
            _ => None,
        }
    }

    /// Maps a code2Session failure.
    pub fn from_code2session(e: WeChatError) -> ApiError {
        match e {
            WeChatError::WeChat { errcode, errmsg } => ApiError::Code2Session { errcode, errmsg },
            other => ApiError::from(other),
        }
    }

    /// An internal error from anything printable (logged, not answered).
    pub fn internal(what: &str, e: impl std::fmt::Display) -> ApiError {
        ApiError::Internal(format!("{what}: {e}"))
    }
}

impl From<WeChatError> for ApiError {
    fn from(e: WeChatError) -> ApiError {
        match e {
            WeChatError::WeChat { errcode, errmsg } => ApiError::WeChat { errcode, errmsg },
            WeChatError::Unreachable(m) => ApiError::WeChatUnreachable(m),
            WeChatError::BadResponse(m) => ApiError::WeChatBadResponse(m),
        }
    }
}

impl From<crate::store::StoreError> for ApiError {
    fn from(e: crate::store::StoreError) -> ApiError {
        ApiError::internal("store", e)
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let code = self.code();
        let body = match &self {
            ApiError::Unauthorized => json!({ "error": code }),
            ApiError::Code2Session { errcode, .. } => {
                json!({ "error": code, "errcode": errcode, "message": wechat_message(*errcode, true) })
            }
            ApiError::WeChat { errcode, .. } => {
                json!({ "error": code, "errcode": errcode, "message": wechat_message(*errcode, false) })
            }
            ApiError::RateLimited(_) => json!({
                "error": code,
                "message": "too many logins from this address",
            }),
            ApiError::AccessTokenPending(_) => json!({
                "error": code,
                "message": "the server is still fetching its WeChat access_token: retry later",
            }),
            ApiError::WeChatUnreachable(detail) => {
                crate::log_line!("WeChat unreachable: {detail}");
                json!({ "error": code, "message": "no answer from WeChat (network, TLS or timeout): see the server log" })
            }
            ApiError::WeChatBadResponse(detail) => {
                crate::log_line!("bad WeChat answer: {detail}");
                json!({ "error": code, "message": "WeChat answered something unusable: see the server log" })
            }
            ApiError::StoreUnavailable(detail) => {
                crate::log_line!("health: store unavailable: {detail}");
                json!({ "error": code })
            }
            ApiError::Internal(detail) => {
                crate::log_line!("internal error: {detail}");
                json!({ "error": code })
            }
            other => json!({ "error": code, "message": other.to_string() }),
        };
        let mut body = body;
        let retry = self.retry_after();
        if let Some(secs) = retry {
            body["retryAfter"] = json!(secs);
        }
        let mut resp = json_response(self.status(), body);
        if let Some(secs) = retry {
            if let Ok(v) = HeaderValue::from_str(&secs.to_string()) {
                resp.headers_mut().insert(header::RETRY_AFTER, v);
            }
        }
        resp
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_and_statuses_are_stable() {
        assert_eq!(ApiError::Unauthorized.status(), 401);
        assert_eq!(ApiError::RateLimited(3).status(), 429);
        let phone = |errcode| ApiError::WeChat {
            errcode,
            errmsg: String::new(),
        };
        assert_eq!(phone(40029).status(), 400);
        assert_eq!(phone(45009).status(), 503);
        assert_eq!(phone(40013).status(), 502);
        assert_eq!(ApiError::DecryptFailed.code(), "decrypt_failed");
        let r = ApiError::RateLimited(7).into_response();
        assert_eq!(r.headers()[header::RETRY_AFTER], "7");
        let blocked = ApiError::Code2Session {
            errcode: 40226,
            errmsg: String::new(),
        };
        assert_eq!(blocked.status(), 403);
        assert_eq!(blocked.code(), "login_blocked");
        let r = ApiError::AccessTokenPending(5).into_response();
        assert_eq!(r.status(), 503);
        assert_eq!(r.headers()[header::RETRY_AFTER], "5");
    }
}
