//! Validation of the developer server's answer to the login POST.

use alloc::string::String;

use crate::error::LoginError;
use crate::io::LoginAnswer;

/// Longest `expiresIn` accepted from the login answer, in seconds (ten years); more is
/// taken for a server bug and rejected.
pub const MAX_EXPIRES_IN_S: f64 = 10.0 * 365.0 * 24.0 * 3600.0;

/// Validates the answer to login POST `attempt`: a 2xx with a non-empty string token
/// that is a valid HTTP field value (it goes into a header), and an `expiresIn`, if
/// any, that is a JSON number of seconds from 1 to [`MAX_EXPIRES_IN_S`] (a numeric
/// string arrives as NaN and is rejected).
pub(crate) fn check_answer(
    a: &LoginAnswer,
    attempt: u64,
) -> Result<(String, Option<f64>), LoginError> {
    let reject = |reason: &str| LoginError::LoginRejected {
        status: a.status,
        attempt,
        reason: reason.into(),
    };
    if !(200..300).contains(&a.status) {
        return Err(reject("not a 2xx status"));
    }
    let token = match &a.token {
        Some(t) if !t.is_empty() => t,
        _ => return Err(reject("no token string at tokenField")),
    };
    if !is_field_value(token) {
        return Err(reject("the token is not a valid HTTP header value"));
    }
    match a.expires_in_s {
        Some(s) if !(s.is_finite() && (1.0..=MAX_EXPIRES_IN_S).contains(&s)) => Err(reject(
            "expiresIn is not a number of seconds from 1 to ten years",
        )),
        other => Ok((token.clone(), other)),
    }
}

/// Whether `t` can be an HTTP field value as it is (RFC 9110 §5.5, ASCII only): visible
/// ASCII (0x21–0x7E), with spaces or tabs only between them. CR, LF, NUL, DEL,
/// other controls, non-ASCII and leading or trailing whitespace are refused.
pub(crate) fn is_field_value(t: &str) -> bool {
    let visible = |b: &u8| (0x21..=0x7e).contains(b);
    let b = t.as_bytes();
    b.first().is_some_and(visible)
        && b.last().is_some_and(visible)
        && b.iter().all(|c| visible(c) || *c == b' ' || *c == b'\t')
}
