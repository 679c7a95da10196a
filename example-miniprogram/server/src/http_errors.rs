//! The errors the HTTP framework answers rather than a handler, made JSON like every
//! other error of the server (`{"error": <code>, "message"}`, see [`crate::error`]):
//! 405 `method_not_allowed` (a known route with another method, `OPTIONS` included;
//! the `Allow` header is kept), 413 `payload_too_large` (a body over
//! [`MAX_BODY_BYTES`]), 404 `not_found`, other 4xx `bad_request`, 5xx `internal`.

use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use serde_json::json;

use crate::support::json_response;

/// Largest accepted request body, bytes (256 KiB: open data is at most 64 KiB).
pub const MAX_BODY_BYTES: usize = 256 * 1024;

/// Answers 413 at once when `Content-Length` announces a body over [`MAX_BODY_BYTES`],
/// before reading any of it (a client that sent `Expect: 100-continue` then never
/// sends it); a chunked body is cut off by the body limit while it is read.
pub async fn refuse_large_bodies(
    req: axum::extract::Request,
    next: axum::middleware::Next,
) -> Response {
    let announced = req
        .headers()
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().parse::<u64>().ok());
    if announced.is_some_and(|n| n > MAX_BODY_BYTES as u64) {
        return StatusCode::PAYLOAD_TOO_LARGE.into_response();
    }
    next.run(req).await
}

/// Turns an error answered by the framework rather than a handler (405 wrong method,
/// 413 body too large, a rejected extractor) into the JSON `{"error": <code>,
/// "message"}` every error has. JSON answers pass through untouched.
pub async fn json_errors(resp: Response) -> Response {
    let status = resp.status();
    let is_json = resp
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/json"));
    if !(status.is_client_error() || status.is_server_error()) || is_json {
        return resp;
    }
    let (code, message) = match status.as_u16() {
        405 => (
            "method_not_allowed",
            "this route does not take this method (see the Allow header)".to_owned(),
        ),
        413 => (
            "payload_too_large",
            format!("the body is over {MAX_BODY_BYTES} bytes"),
        ),
        404 => ("not_found", "no such route".to_owned()),
        400..=499 => (
            "bad_request",
            status
                .canonical_reason()
                .unwrap_or("bad request")
                .to_owned(),
        ),
        _ => ("internal", "internal error".to_owned()),
    };
    let allow = resp.headers().get(header::ALLOW).cloned();
    let mut out = json_response(status, json!({ "error": code, "message": message }));
    if let Some(a) = allow {
        out.headers_mut().insert(header::ALLOW, a);
    }
    out
}
