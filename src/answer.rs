//! Validation of the developer server's answer to the login POST.

use alloc::string::String;

use crate::error::LoginError;
use crate::io::LoginAnswer;

/// Longest `expiresIn` accepted from the login answer, in seconds (ten years); more is
/// taken for a server bug and rejected.
pub const MAX_EXPIRES_IN_S: f64 = 10.0 * 365.0 * 24.0 * 3600.0;

/// Validates the login POST's answer: a 2xx with a non-empty string token, and an
/// `expiresIn` (seconds), if any, from 1 to [`MAX_EXPIRES_IN_S`].
pub(crate) fn check_answer(a: &LoginAnswer) -> Result<(String, Option<f64>), LoginError> {
    let reject = |reason: &str| LoginError::LoginRejected {
        status: a.status,
        reason: reason.into(),
    };
    if !(200..300).contains(&a.status) {
        return Err(reject("the login URL answered a non-2xx status"));
    }
    let token = match &a.token {
        Some(t) if !t.is_empty() => t.clone(),
        _ => return Err(reject("the answer has no token string at tokenField")),
    };
    match a.expires_in_s {
        Some(s) if !(s.is_finite() && (1.0..=MAX_EXPIRES_IN_S).contains(&s)) => Err(reject(
            "expiresIn is not a number of seconds from 1 to ten years",
        )),
        other => Ok((token, other)),
    }
}
