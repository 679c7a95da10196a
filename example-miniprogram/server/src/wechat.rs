//! The server-side clients of WeChat's APIs (blocking `ureq`; call them from
//! `spawn_blocking`). Each mirrors the official doc named on it; docs/WECHAT.md has
//! code2Session's errcodes. WeChat answers errors with HTTP 200 and
//! `{"errcode": N, "errmsg": "..."}`; a missing or `0` errcode is success.
//!
//! TLS is compiled in (ureq's `rustls` feature: ring + the bundled webpki roots), so
//! the base may be `https://api.weixin.qq.com` (the production default) or the embedded
//! fake's `http://127.0.0.1:PORT/fake-wechat`. No error text ever contains the app
//! secret or an access_token: they are redacted before an error is built.

use std::time::Duration;

use serde_json::{json, Value};

/// The real WeChat API base URL (production default).
pub const REAL_BASE: &str = "https://api.weixin.qq.com";

/// A successful code2Session answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Session {
    /// The user's openid within this app.
    pub openid: String,
    /// The session key (base64 of 16 bytes); must never reach the client.
    pub session_key: String,
    /// The unionid, when the app is bound to an open-platform account.
    pub unionid: Option<String>,
}

/// Why a WeChat API call gave no result.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum WeChatError {
    /// WeChat answered `{errcode, errmsg}` with a non-zero errcode.
    #[error("errcode {errcode}: {errmsg}")]
    WeChat {
        /// WeChat's error code (e.g. 40029 invalid code, 40001 invalid credential).
        errcode: i64,
        /// WeChat's message, e.g. `"invalid code, rid: ..."`.
        errmsg: String,
    },
    /// No HTTP answer (connection refused, timeout, TLS failure, ...).
    #[error("unreachable: {0}")]
    Unreachable(String),
    /// An answer that is not JSON, or a success without the expected fields.
    #[error("bad response: {0}")]
    BadResponse(String),
}

/// The former name of [`WeChatError`] (code2Session was the only API).
pub type Code2SessionError = WeChatError;

/// A `ureq` agent for WeChat: 10 s overall timeout, and non-2xx statuses returned as
/// responses (WeChat answers errors with HTTP 200 anyway).
pub fn agent() -> ureq::Agent {
    ureq::Agent::config_builder()
        .http_status_as_error(false)
        .timeout_global(Some(Duration::from_secs(10)))
        .build()
        .into()
}

fn url(base: &str, path: &str) -> String {
    format!("{}{path}", base.trim_end_matches('/'))
}

/// An error text with every secret in `secrets` replaced by `***`.
fn redact(text: String, secrets: &[&str]) -> String {
    secrets
        .iter()
        .filter(|s| !s.is_empty())
        .fold(text, |t, s| t.replace(s, "***"))
}

fn read_json(
    resp: Result<ureq::http::Response<ureq::Body>, ureq::Error>,
    secrets: &[&str],
) -> Result<Value, WeChatError> {
    let mut resp = resp.map_err(|e| WeChatError::Unreachable(redact(e.to_string(), secrets)))?;
    let text = resp
        .body_mut()
        .read_to_string()
        .map_err(|e| WeChatError::Unreachable(redact(e.to_string(), secrets)))?;
    let v: Value = serde_json::from_str(&text)
        .map_err(|e| WeChatError::BadResponse(format!("not JSON: {e}")))?;
    check_errcode(&v).map_err(|e| match e {
        WeChatError::WeChat { errcode, errmsg } => WeChatError::WeChat {
            errcode,
            errmsg: redact(errmsg, secrets),
        },
        other => other,
    })?;
    Ok(v)
}

/// `Err(WeChatError::WeChat)` when `v` carries a non-zero `errcode`.
///
/// # Errors
/// As described.
pub fn check_errcode(v: &Value) -> Result<(), WeChatError> {
    let errcode = v.get("errcode").and_then(Value::as_i64).unwrap_or(0);
    if errcode == 0 {
        return Ok(());
    }
    let errmsg = v
        .get("errmsg")
        .and_then(Value::as_str)
        .unwrap_or("")
        .to_owned();
    Err(WeChatError::WeChat { errcode, errmsg })
}

fn str_field<'a>(v: &'a Value, name: &str) -> Option<&'a str> {
    v.get(name)
        .and_then(Value::as_str)
        .filter(|s| !s.is_empty())
}

/// auth.code2Session: `GET {base}/sns/jscode2session?appid&secret&js_code&grant_type=authorization_code`.
///
/// # Errors
/// See [`WeChatError`]; e.g. 40029 invalid code, 40163 code been used.
pub fn code2session(
    agent: &ureq::Agent,
    base: &str,
    appid: &str,
    secret: &str,
    code: &str,
) -> Result<Session, WeChatError> {
    let resp = agent
        .get(url(base, "/sns/jscode2session"))
        .query("appid", appid)
        .query("secret", secret)
        .query("js_code", code)
        .query("grant_type", "authorization_code")
        .call();
    let v = read_json(resp, &[secret])?;
    session_from(&v)
}

/// Interprets a code2Session response body (pure; see [`code2session`]).
///
/// # Errors
/// [`WeChatError::WeChat`] for a non-zero errcode, [`WeChatError::BadResponse`] otherwise.
pub fn parse_answer(text: &str) -> Result<Session, WeChatError> {
    let v: Value = serde_json::from_str(text)
        .map_err(|e| WeChatError::BadResponse(format!("not JSON: {e}")))?;
    check_errcode(&v)?;
    session_from(&v)
}

fn session_from(v: &Value) -> Result<Session, WeChatError> {
    match (str_field(v, "openid"), str_field(v, "session_key")) {
        (Some(openid), Some(session_key)) => Ok(Session {
            openid: openid.to_owned(),
            session_key: session_key.to_owned(),
            unionid: str_field(v, "unionid").map(str::to_owned),
        }),
        _ => Err(WeChatError::BadResponse(
            "no openid/session_key in the answer".to_owned(),
        )),
    }
}

/// auth.getStableAccessToken: `POST {base}/cgi-bin/stable_token` with
/// `{"grant_type":"client_credential","appid","secret","force_refresh":false}`.
/// Answers `(access_token, expires_in seconds)`.
///
/// # Errors
/// See [`WeChatError`]; e.g. 40013 invalid appid, 40125 invalid appsecret, 45009 quota,
/// 40164 the caller's IP is not on the app's IP whitelist.
pub fn stable_token(
    agent: &ureq::Agent,
    base: &str,
    appid: &str,
    secret: &str,
) -> Result<(String, i64), WeChatError> {
    let body = json!({
        "grant_type": "client_credential",
        "appid": appid,
        "secret": secret,
        "force_refresh": false,
    });
    let resp = agent
        .post(url(base, "/cgi-bin/stable_token"))
        .header("content-type", "application/json")
        .send(body.to_string());
    let v = read_json(resp, &[secret])?;
    match (
        str_field(&v, "access_token"),
        v.get("expires_in").and_then(Value::as_i64),
    ) {
        (Some(t), Some(e)) if e > 0 => Ok((t.to_owned(), e)),
        _ => Err(WeChatError::BadResponse(
            "no access_token/expires_in".to_owned(),
        )),
    }
}

/// phonenumber.getPhoneNumber: `POST {base}/wxa/business/getuserphonenumber?access_token=...`
/// with `{"code"}`. Answers `phone_info` (`phoneNumber`, `purePhoneNumber`,
/// `countryCode`, `watermark`).
///
/// # Errors
/// See [`WeChatError`]; e.g. 40029 invalid, expired, used or another app's code,
/// 40001 / 40014 invalid access_token, 42001 access_token expired.
pub fn get_phone_number(
    agent: &ureq::Agent,
    base: &str,
    access_token: &str,
    code: &str,
) -> Result<Value, WeChatError> {
    let resp = agent
        .post(url(base, "/wxa/business/getuserphonenumber"))
        .query("access_token", access_token)
        .header("content-type", "application/json")
        .send(json!({ "code": code }).to_string());
    let v = read_json(resp, &[access_token])?;
    match v.get("phone_info") {
        Some(p @ Value::Object(_)) if str_field(p, "phoneNumber").is_some() => Ok(p.clone()),
        _ => Err(WeChatError::BadResponse(
            "no phone_info in the answer".to_owned(),
        )),
    }
}

/// The HTTP status `POST /user/login` answers for a code2Session errcode:
/// 401 for 40029 / 40163 (the client's code is bad: get a new one), 403 for 40226
/// (WeChat blocked a high-risk user's login: a new code will not help, do not retry),
/// 503 for -1 / 45011 (WeChat busy or quota: retry later), 502 for everything else
/// (a server misconfiguration such as 40013 invalid appid).
pub fn status_for_errcode(errcode: i64) -> u16 {
    match errcode {
        40029 | 40163 => 401,
        40226 => 403,
        -1 | 45011 => 503,
        _ => 502,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn maps_errcodes_to_statuses() {
        assert_eq!(status_for_errcode(40029), 401);
        assert_eq!(status_for_errcode(40163), 401);
        assert_eq!(status_for_errcode(40226), 403);
        assert_eq!(status_for_errcode(-1), 503);
        assert_eq!(status_for_errcode(45011), 503);
        assert_eq!(status_for_errcode(40013), 502);
        assert_eq!(status_for_errcode(40125), 502);
    }

    #[test]
    fn parses_answers() {
        let ok = parse_answer(r#"{"openid":"o1","session_key":"k"}"#).unwrap();
        assert_eq!(ok.openid, "o1");
        assert_eq!(ok.unionid, None);
        let ok0 = parse_answer(r#"{"errcode":0,"openid":"o1","session_key":"k","unionid":"u"}"#);
        assert_eq!(ok0.unwrap().unionid.as_deref(), Some("u"));
        assert_eq!(
            parse_answer(r#"{"errcode":40029,"errmsg":"invalid code, rid: x"}"#),
            Err(WeChatError::WeChat {
                errcode: 40029,
                errmsg: "invalid code, rid: x".into()
            })
        );
        assert!(matches!(
            parse_answer("<html>"),
            Err(WeChatError::BadResponse(_))
        ));
        assert!(matches!(
            parse_answer("{}"),
            Err(WeChatError::BadResponse(_))
        ));
    }

    #[test]
    fn redacts_secrets() {
        let t = redact("GET /x?secret=s3cr3t&a=1 failed".into(), &["s3cr3t", ""]);
        assert_eq!(t, "GET /x?secret=***&a=1 failed");
    }
}
