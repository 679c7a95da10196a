//! Reading JS values into core types: options, stored sessions, responses.

use js_sys::{Object, Reflect};
use serde::Deserialize;
use wasm_bindgen::{JsCast, JsValue};

use crate::{Config, LoginAnswer, LoginError, StoredSession};

/// The data part of `createLoginManager` options, as the shim passes it (functions and
/// the `wx` object stay in JS). Unknown fields are refused.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Options {
    pub login_url: String,
    pub base_url: Option<String>,
    pub trusted_origins: Option<Vec<String>>,
    pub token_field: String,
    pub expires_in_field: String,
    pub auth_fail_status_codes: Vec<u16>,
    pub auth_fail_code_field: Option<String>,
    pub auth_fail_codes: Vec<String>,
    pub retry_limit: u32,
    pub login_timeout_ms: u64,
    pub renew_margin_ms: u64,
    pub login_backoff_ms: u64,
    pub login_backoff_max_ms: u64,
    pub seed: f64,
    pub recheck_after_hidden_ms: u64,
}

/// Every field of [`Options`], as JS spells it.
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

impl Options {
    pub fn from_js(v: JsValue) -> Result<(Options, Config), LoginError> {
        // serde-wasm-bindgen reads only the declared fields, so `deny_unknown_fields`
        // never sees an extra one: look at the keys ourselves.
        if let Some(o) = v.dyn_ref::<Object>() {
            for key in Object::keys(o).iter().filter_map(|k| k.as_string()) {
                if !FIELDS.contains(&key.as_str()) {
                    return Err(LoginError::InvalidOptions {
                        message: format!("unknown option {key}"),
                    });
                }
            }
        }
        let o: Options =
            serde_wasm_bindgen::from_value(v).map_err(|e| LoginError::InvalidOptions {
                message: e.to_string(),
            })?;
        let mut c = Config::new(
            &o.login_url,
            o.base_url.as_deref(),
            o.trusted_origins.as_deref(),
        )?;
        c.auth_fail_status_codes = o.auth_fail_status_codes.clone();
        c.auth_fail_codes = o.auth_fail_codes.clone();
        c.retry_limit = o.retry_limit;
        c.login_timeout_ms = o.login_timeout_ms;
        c.renew_margin_ms = o.renew_margin_ms;
        c.login_backoff_ms = o.login_backoff_ms;
        c.login_backoff_max_ms = o.login_backoff_max_ms;
        c.seed = o.seed.max(0.0) as u64;
        c.recheck_after_hidden_ms = o.recheck_after_hidden_ms;
        Ok((o, c))
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

/// A body code as text: strings as they are, integral numbers without a fraction.
pub fn code_text(v: &JsValue) -> Option<String> {
    if let Some(s) = v.as_string() {
        return Some(s);
    }
    let n = v.as_f64()?;
    Some(if n.fract() == 0.0 && n.abs() < 1e15 {
        format!("{}", n as i64)
    } else {
        format!("{n}")
    })
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
