//! The server-side client of WeChat's `auth.code2Session`
//! (`GET {base}/sns/jscode2session?appid&secret&js_code&grant_type=authorization_code`),
//! following WECHAT-API.md.
//!
//! Plain HTTP through `ureq` without a TLS stack: the default base is the embedded fake
//! WeChat on loopback. The real base is `https://api.weixin.qq.com`, which needs ureq's
//! `rustls` feature enabled in Cargo.toml.

use std::time::Duration;

use serde_json::Value;

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

/// Why code2Session did not give a session.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Code2SessionError {
    /// WeChat answered `{errcode, errmsg}` with a non-zero errcode.
    WeChat {
        /// WeChat's error code (e.g. 40029 invalid code, 40163 code been used).
        errcode: i64,
        /// WeChat's message, e.g. `"invalid code, rid: ..."`.
        errmsg: String,
    },
    /// No HTTP answer (connection refused, timeout, unsupported scheme, ...).
    Unreachable(String),
    /// An answer that is not JSON, or a success without openid/session_key.
    BadResponse(String),
}

/// A `ureq` agent suited to code2Session: 10 s overall timeout, and non-2xx statuses
/// returned as responses (WeChat answers errors with HTTP 200 anyway).
pub fn agent() -> ureq::Agent {
    ureq::Agent::config_builder()
        .http_status_as_error(false)
        .timeout_global(Some(Duration::from_secs(10)))
        .build()
        .into()
}

/// Calls code2Session at `base` (no trailing `/sns/...`; a trailing `/` is ignored).
/// Parameters are URL-encoded. Blocking: call it from `spawn_blocking`.
///
/// # Errors
/// See [`Code2SessionError`]. A missing or `0` errcode counts as success.
pub fn code2session(
    agent: &ureq::Agent,
    base: &str,
    appid: &str,
    secret: &str,
    code: &str,
) -> Result<Session, Code2SessionError> {
    let url = format!("{}/sns/jscode2session", base.trim_end_matches('/'));
    let mut resp = agent
        .get(&url)
        .query("appid", appid)
        .query("secret", secret)
        .query("js_code", code)
        .query("grant_type", "authorization_code")
        .call()
        .map_err(|e| Code2SessionError::Unreachable(e.to_string()))?;
    let text = resp
        .body_mut()
        .read_to_string()
        .map_err(|e| Code2SessionError::Unreachable(e.to_string()))?;
    parse_answer(&text)
}

/// Interprets a code2Session response body (pure; see [`code2session`]).
///
/// # Errors
/// [`Code2SessionError::WeChat`] for a non-zero errcode,
/// [`Code2SessionError::BadResponse`] for anything unusable.
pub fn parse_answer(text: &str) -> Result<Session, Code2SessionError> {
    let v: Value = serde_json::from_str(text)
        .map_err(|e| Code2SessionError::BadResponse(format!("not JSON: {e}")))?;
    let errcode = v.get("errcode").and_then(Value::as_i64).unwrap_or(0);
    if errcode != 0 {
        let errmsg = v
            .get("errmsg")
            .and_then(Value::as_str)
            .unwrap_or("")
            .to_owned();
        return Err(Code2SessionError::WeChat { errcode, errmsg });
    }
    let field = |name: &str| {
        v.get(name)
            .and_then(Value::as_str)
            .filter(|s| !s.is_empty())
    };
    match (field("openid"), field("session_key")) {
        (Some(openid), Some(session_key)) => Ok(Session {
            openid: openid.to_owned(),
            session_key: session_key.to_owned(),
            unionid: field("unionid").map(str::to_owned),
        }),
        _ => Err(Code2SessionError::BadResponse(
            "no openid/session_key in the answer".to_owned(),
        )),
    }
}

/// The HTTP status `POST /user/login` answers for a code2Session errcode:
/// 401 for 40029 / 40163 / 40226 (the client's code is bad: get a new one),
/// 503 for -1 / 45011 (WeChat busy or quota: retry later), 502 for everything else
/// (a server misconfiguration such as 40013 invalid appid).
pub fn status_for_errcode(errcode: i64) -> u16 {
    match errcode {
        40029 | 40163 | 40226 => 401,
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
        assert_eq!(status_for_errcode(40226), 401);
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
            Err(Code2SessionError::WeChat {
                errcode: 40029,
                errmsg: "invalid code, rid: x".into()
            })
        );
        assert!(matches!(
            parse_answer("<html>"),
            Err(Code2SessionError::BadResponse(_))
        ));
        assert!(matches!(
            parse_answer("{}"),
            Err(Code2SessionError::BadResponse(_))
        ));
    }
}
