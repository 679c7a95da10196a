//! Reading JS values into core types: options, stored sessions, responses.
//!
//! Options are read field by field with `Reflect` rather than with serde: serde's
//! derive and serde-wasm-bindgen (and the float formatting their errors pull in) were
//! about a third of the shipped wasm.

use alloc::string::String;
use alloc::vec::Vec;

use js_sys::{Array, Object, Reflect};
use wasm_bindgen::{JsCast, JsValue};

use crate::error::decimal;
use crate::{Config, LoginAnswer, LoginError, StoredSession};

/// The options the adapter itself keeps (the rest go into [`Config`]).
pub struct Options {
    pub token_field: String,
    pub expires_in_field: String,
    pub auth_fail_code_field: Option<String>,
}

/// Every option the shim may pass (see `coreOptions` in `js-shim/options.js`), as JS
/// spells it. Any other key is refused.
const FIELDS: [&str; 15] = [
    "loginUrl",
    "baseUrl",
    "trustedOrigins",
    "tokenField",
    "expiresInField",
    "authFailStatusCodes",
    "authFailCodeField",
    "authFailCodes",
    "retryLimit",
    "loginTimeoutMs",
    "renewMarginMs",
    "loginBackoffMs",
    "loginBackoffMaxMs",
    "seed",
    "recheckAfterHiddenMs",
];

fn invalid(message: String) -> LoginError {
    LoginError::InvalidOptions { message }
}

/// The options object being read; every error names the option.
struct Reader(JsValue);

impl Reader {
    /// The value of `key`; `None` when absent, `undefined` or `null`.
    fn get(&self, key: &str) -> Option<JsValue> {
        let v = Reflect::get(&self.0, &JsValue::from_str(key)).ok()?;
        (!v.is_undefined() && !v.is_null()).then_some(v)
    }

    fn required(&self, key: &str) -> Result<JsValue, LoginError> {
        self.get(key)
            .ok_or_else(|| invalid(String::from(key) + " is required"))
    }

    fn string(&self, key: &str) -> Result<String, LoginError> {
        self.required(key)?
            .as_string()
            .ok_or_else(|| invalid(String::from(key) + " must be a string"))
    }

    fn opt_string(&self, key: &str) -> Result<Option<String>, LoginError> {
        self.get(key)
            .map(|v| {
                v.as_string()
                    .ok_or_else(|| invalid(String::from(key) + " must be a string"))
            })
            .transpose()
    }

    /// An integer from 0 to `max` (a JS number with no fraction).
    fn int(&self, key: &str, max: u64) -> Result<u64, LoginError> {
        let v = self.required(key)?;
        int_in(&v, max).ok_or_else(|| invalid(out_of_range(key, max)))
    }

    fn strings(&self, key: &str) -> Result<Option<Vec<String>>, LoginError> {
        let Some(v) = self.get(key) else {
            return Ok(None);
        };
        let bad = || invalid(String::from(key) + " must be an array of strings");
        let list = v.dyn_into::<Array>().map_err(|_| bad())?;
        list.iter()
            .map(|s| s.as_string().ok_or_else(bad))
            .collect::<Result<_, _>>()
            .map(Some)
    }
}

fn out_of_range(key: &str, max: u64) -> String {
    String::from(key) + " must be an integer from 0 to " + &decimal(max)
}

/// `v` as an integer from 0 to `max`: a number with no fraction, at most 2^53 - 1.
/// (No BigInt: the shim passes numbers, and BigInt support would add glue that
/// older iOS JavaScriptCore lacks.)
fn int_in(v: &JsValue, max: u64) -> Option<u64> {
    let f = v.as_f64()?;
    let n = f as u64; // saturating; NaN gives 0
    let whole = (0.0..=9_007_199_254_740_991.0).contains(&f) && n as f64 == f;
    (whole && n <= max).then_some(n)
}

impl Options {
    /// Reads the options object the shim passes (unknown keys refused), and the
    /// machine's [`Config`] from it. Errors: `INVALID_OPTIONS` naming the option.
    pub fn from_js(v: JsValue) -> Result<(Options, Config), LoginError> {
        let Some(o) = v.dyn_ref::<Object>() else {
            return Err(invalid("options must be an object".into()));
        };
        for key in Object::keys(o).iter().filter_map(|k| k.as_string()) {
            if !FIELDS.contains(&key.as_str()) {
                return Err(invalid(String::from("unknown option ") + &key));
            }
        }
        let r = Reader(v);
        let login_url = r.string("loginUrl")?;
        let base_url = r.opt_string("baseUrl")?;
        let trusted_origins = r.strings("trustedOrigins")?;
        let options = Options {
            token_field: r.string("tokenField")?,
            expires_in_field: r.string("expiresInField")?,
            auth_fail_code_field: r.opt_string("authFailCodeField")?,
        };
        let status_codes = r.required("authFailStatusCodes")?;
        let auth_fail_status_codes = status_codes
            .dyn_into::<Array>()
            .ok()
            .and_then(|a| {
                a.iter()
                    .map(|s| int_in(&s, u16::MAX.into()).map(|s| s as u16))
                    .collect::<Option<Vec<u16>>>()
            })
            .ok_or_else(|| {
                invalid("authFailStatusCodes must be an array of HTTP statuses".into())
            })?;
        let auth_fail_codes = r
            .strings("authFailCodes")?
            .ok_or_else(|| invalid("authFailCodes is required".into()))?;
        let retry_limit = r.int("retryLimit", u32::MAX.into())? as u32;
        let login_timeout_ms = r.int("loginTimeoutMs", u64::MAX)?;
        let renew_margin_ms = r.int("renewMarginMs", u64::MAX)?;
        let login_backoff_ms = r.int("loginBackoffMs", u64::MAX)?;
        let login_backoff_max_ms = r.int("loginBackoffMaxMs", u64::MAX)?;
        let seed = r
            .required("seed")?
            .as_f64()
            .ok_or_else(|| invalid("seed must be a number".into()))?;
        let recheck_after_hidden_ms = r.int("recheckAfterHiddenMs", u64::MAX)?;
        let mut c = Config::new(&login_url, base_url.as_deref(), trusted_origins.as_deref())?;
        c.auth_fail_status_codes = auth_fail_status_codes;
        c.auth_fail_codes = auth_fail_codes;
        c.retry_limit = retry_limit;
        c.login_timeout_ms = login_timeout_ms;
        c.renew_margin_ms = renew_margin_ms;
        c.login_backoff_ms = login_backoff_ms;
        c.login_backoff_max_ms = login_backoff_max_ms;
        c.seed = seed.max(0.0) as u64;
        c.recheck_after_hidden_ms = recheck_after_hidden_ms;
        Ok((options, c))
    }
}

/// The value at a dotted path (`"data.token"`) of a JS object, or `undefined`.
pub fn at_path(v: &JsValue, path: &str) -> JsValue {
    let mut cur = v.clone();
    for key in path.split('.') {
        if !cur.is_object() {
            return JsValue::UNDEFINED;
        }
        cur = Reflect::get(&cur, &JsValue::from_str(key)).unwrap_or(JsValue::UNDEFINED);
    }
    cur
}

/// A stored session `{token: string, expiresAt: number | null}`; anything else is `None`.
pub fn stored_session(v: &JsValue) -> Option<StoredSession> {
    let token = at_path(v, "token").as_string()?;
    let expires = at_path(v, "expiresAt");
    let expires_at_ms = match expires.as_f64() {
        Some(ms) if ms.is_finite() && ms >= 0.0 => Some(ms as u64),
        Some(_) => return None,
        None if expires.is_null() || expires.is_undefined() => None,
        None => return None,
    };
    Some(StoredSession {
        token,
        expires_at_ms,
    })
}

/// The `statusCode` of a wx.request success result (0 when absent).
pub fn status(result: &JsValue) -> u16 {
    at_path(result, "statusCode")
        .as_f64()
        .filter(|s| (0.0..=999.0).contains(s))
        .unwrap_or(0.0) as u16
}

/// A body code as text: strings as they are, numbers as JS's `String(n)` writes them
/// (integral ones without a fraction).
pub fn code_text(v: &JsValue) -> Option<String> {
    if let Some(s) = v.as_string() {
        return Some(s);
    }
    // JS's own `String(n)`, as the shim turns numeric `authFailCodes` into text.
    let n = v.dyn_ref::<js_sys::Number>()?;
    n.to_string_with_radix(10).ok()?.as_string()
}

/// Reads the login POST's result: status, token (a string at `token_field` of `data`),
/// `expiresIn` (a number at `expires_in_field`).
pub fn login_answer(result: &JsValue, o: &Options) -> LoginAnswer {
    let data = at_path(result, "data");
    LoginAnswer {
        status: status(result),
        token: at_path(&data, &o.token_field).as_string(),
        expires_in_s: at_path(&data, &o.expires_in_field).as_f64(),
    }
}

/// The `errMsg` of a wx fail result or the message of a thrown error.
pub fn err_msg(v: &JsValue) -> String {
    if let Some(s) = at_path(v, "errMsg").as_string() {
        return s;
    }
    if let Some(e) = v.dyn_ref::<js_sys::Error>() {
        return String::from(e.message());
    }
    v.as_string().unwrap_or_else(|| "unknown failure".into())
}

/// A fresh plain object with the given string/JS fields.
pub fn object(fields: &[(&str, JsValue)]) -> JsValue {
    let o = Object::new();
    for (k, v) in fields {
        let _ = Reflect::set(&o, &JsValue::from_str(k), v);
    }
    o.into()
}
