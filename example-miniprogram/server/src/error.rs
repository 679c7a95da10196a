//! The one error type of the HTTP API, with stable string codes.
//!
//! Every error response is JSON `{"error": <code>, ...}` where `<code>` is one of the
//! strings in the table below (stable: clients may match on them). Extra fields:
//! `message` (human text), `errcode`/`errmsg` (WeChat's own, for the WeChat variants),
//! `retryAfter` (seconds, with a `Retry-After` header, for `rate_limited`).
//!
//! | code | status | when |
//! |---|---|---|
//! | `bad_request` | 400 | malformed JSON or a missing / ill-typed field |
//! | `unauthorized` | 401 | no, unknown, expired or revoked token (body is exactly `{"error":"unauthorized"}`) |
//! | `forbidden` | 403 | a `/dev/*` call from a non-loopback peer |
//! | `not_found` | 404 | no such route |
//! | `rate_limited` | 429 | too many `/user/login` calls from one client address |
//! | `code2session_failed` | 401 / 503 / 502 | code2Session answered an errcode (see [`crate::wechat::status_for_errcode`]) |
//! | `wechat_error` | 400 / 503 / 502 | another WeChat API answered an errcode (400 for 40029 invalid code) |
//! | `wechat_unreachable` | 502 | no HTTP answer from WeChat |
//! | `wechat_bad_response` | 502 | WeChat answered something unusable |
//! | `decrypt_failed` | 400 | encryptedData does not decrypt with this session's session_key (tampered, wrong iv, or the session_key changed: log in again) |
//! | `watermark_mismatch` | 400 | decrypted data's `watermark.appid` is another app's |
//! | `watermark_expired` | 400 | decrypted data's `watermark.timestamp` is older than the configured max age |
//! | `signature_mismatch` | 400 | `signature != sha1(rawData + session_key)` |
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
    /// No valid session behind the request's bearer token (401 `unauthorized`).
    #[error("unauthorized")]
    Unauthorized,
    /// The caller may not use this route (403 `forbidden`).
    #[error("forbidden: {0}")]
    Forbidden(&'static str),
    /// Too many logins from one address (429 `rate_limited`); retry after this many seconds.
    #[error("rate limited; retry after {0} s")]
    RateLimited(u64),
    /// code2Session answered an errcode (`code2session_failed`).
    #[error("code2Session errcode {errcode}: {errmsg}")]
    Code2Session {
        /// WeChat's errcode.
        errcode: i64,
        /// WeChat's errmsg.
        errmsg: String,
    },
    /// Another WeChat API (stable_token, getuserphonenumber) answered an errcode (`wechat_error`).
    #[error("WeChat errcode {errcode}: {errmsg}")]
    WeChat {
        /// WeChat's errcode.
        errcode: i64,
        /// WeChat's errmsg.
        errmsg: String,
    },
    /// No HTTP answer from WeChat (502 `wechat_unreachable`).
    #[error("WeChat unreachable: {0}")]
    WeChatUnreachable(String),
    /// WeChat's answer was unusable (502 `wechat_bad_response`).
    #[error("bad WeChat answer: {0}")]
    WeChatBadResponse(String),
    /// encryptedData did not decrypt to JSON with the session's key (400 `decrypt_failed`).
    #[error("decryption failed")]
    DecryptFailed,
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
    /// A store / task failure; the text is logged, never answered (500 `internal`).
    #[error("internal: {0}")]
    Internal(String),
}

impl ApiError {
    /// The stable `error` code string (see the module table).
    pub fn code(&self) -> &'static str {
        match self {
            ApiError::BadRequest(_) => "bad_request",
            ApiError::Unauthorized => "unauthorized",
            ApiError::Forbidden(_) => "forbidden",
            ApiError::RateLimited(_) => "rate_limited",
            ApiError::Code2Session { .. } => "code2session_failed",
            ApiError::WeChat { .. } => "wechat_error",
            ApiError::WeChatUnreachable(_) => "wechat_unreachable",
            ApiError::WeChatBadResponse(_) => "wechat_bad_response",
            ApiError::DecryptFailed => "decrypt_failed",
            ApiError::WatermarkMismatch => "watermark_mismatch",
            ApiError::WatermarkExpired { .. } => "watermark_expired",
            ApiError::SignatureMismatch => "signature_mismatch",
            ApiError::Internal(_) => "internal",
        }
    }

    /// The HTTP status answered for this error.
    pub fn status(&self) -> StatusCode {
        let s = match self {
            ApiError::BadRequest(_)
            | ApiError::DecryptFailed
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
            ApiError::WeChatUnreachable(_) | ApiError::WeChatBadResponse(_) => 502,
            ApiError::Internal(_) => 500,
        };
        StatusCode::from_u16(s).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR)
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
            ApiError::Code2Session { errcode, errmsg } | ApiError::WeChat { errcode, errmsg } => {
                json!({ "error": code, "errcode": errcode, "errmsg": errmsg })
            }
            ApiError::RateLimited(secs) => json!({
                "error": code,
                "message": "too many logins from this address",
                "retryAfter": secs,
            }),
            ApiError::Internal(detail) => {
                eprintln!("internal error: {detail}");
                json!({ "error": code })
            }
            other => json!({ "error": code, "message": other.to_string() }),
        };
        let mut resp = json_response(self.status(), body);
        if let ApiError::RateLimited(secs) = self {
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
    }
}
