//! Small shared helpers: the injectable clock, OS randomness, JSON error bodies and the
//! log line writer ([`log_line!`](crate::log_line)).

use std::sync::Arc;
use std::time::{SystemTime, UNIX_EPOCH};

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde_json::Value;

/// A wall clock answering the current Unix time in whole **seconds**.
///
/// Every expiry in the server (tokens, the fake WeChat's 5-minute codes) reads time
/// through this, so tests can move time forward without sleeping.
pub type Clock = Arc<dyn Fn() -> i64 + Send + Sync>;

/// The real clock: `SystemTime::now()` as Unix seconds (0 if the system clock is
/// before 1970).
pub fn system_clock() -> Clock {
    Arc::new(|| {
        SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map(|d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX))
            .unwrap_or(0)
    })
}

/// `n` bytes from the operating system's RNG (`getrandom`).
///
/// Panics only if the OS RNG itself is unavailable, which no client input can cause.
pub fn random_bytes(n: usize) -> Vec<u8> {
    let mut buf = vec![0u8; n];
    getrandom::fill(&mut buf).expect("the OS random number generator failed");
    buf
}

/// `n` random bytes from the OS RNG, lowercase hex (`2 * n` characters).
pub fn random_hex(n: usize) -> String {
    hex::encode(random_bytes(n))
}

/// A JSON response with the given status.
pub fn json_response(status: StatusCode, body: Value) -> Response {
    (status, Json(body)).into_response()
}

/// Lowercase hex SHA-256 of `data` (64 characters): how tokens are kept at rest.
pub fn sha256_hex(data: &[u8]) -> String {
    use sha2::Digest as _;
    hex::encode(sha2::Sha256::digest(data))
}

/// Writes one line to stderr (the server's log), like `eprintln!`, but **ignores write
/// failures**: a closed stderr, or a pipe whose reader is gone (EPIPE), never panics,
/// so logging can never fail a request or the shutdown. Every log line of the server
/// goes through this macro.
#[macro_export]
macro_rules! log_line {
    ($($arg:tt)*) => {{
        use ::std::io::Write as _;
        let _ = ::std::writeln!(::std::io::stderr().lock(), $($arg)*);
    }};
}
