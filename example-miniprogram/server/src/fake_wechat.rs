//! An embedded fake of WeChat's side of the login flow, so tests and the demo run
//! offline. It follows WECHAT-API.md (auth.code2Session, wx.login):
//!
//! - `POST /fake-wechat/login` body `{"user": "alice"}` (optional, default user
//!   `"default"`) → `{"code": "<32 hex chars>"}`: what the simulator's `wx.login` calls.
//!   A code is bound to that user's openid, valid 5 minutes, exchangeable once.
//! - `GET /sns/jscode2session?appid&secret&js_code&grant_type` → `{"openid","session_key"}`
//!   or, with HTTP 200 like real WeChat, `{"errcode":N,"errmsg":"<msg>, rid: <id>"}`:
//!   41002 / 41004 / 41008 missing appid / secret / code, 40013 invalid appid,
//!   40125 invalid appsecret, 40029 invalid code (unknown or older than 5 minutes),
//!   40163 code been used.
//! - `GET /fake-wechat/stats` → `{"codesIssued": n, "code2SessionCalls": n}`.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use axum::body::Bytes;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::{get, post};
use axum::{Json, Router};
use base64::Engine as _;
use serde_json::{json, Value};

use crate::support::{json_response, random_bytes, random_hex, Clock};

/// How long an issued code stays exchangeable, seconds (WeChat: 5 minutes).
pub const CODE_TTL_SECS: i64 = 300;

/// Issued codes older than this are forgotten (and then answer 40029 like expired ones).
const CODE_FORGET_SECS: i64 = 3600;

/// The user `wx.login` logs in as when the body names none.
pub const DEFAULT_USER: &str = "default";

#[derive(Debug, Clone)]
struct IssuedCode {
    openid: String,
    issued_at: i64,
    used: bool,
}

/// The fake WeChat's state: the app credentials it accepts and the issued codes.
pub struct FakeWeChat {
    appid: String,
    secret: String,
    clock: Clock,
    codes: Mutex<HashMap<String, IssuedCode>>,
    codes_issued: AtomicU64,
    code2session_calls: AtomicU64,
}

impl FakeWeChat {
    /// A fake that accepts only `appid` / `secret`, reading time from `clock`.
    pub fn new(appid: &str, secret: &str, clock: Clock) -> FakeWeChat {
        FakeWeChat {
            appid: appid.to_owned(),
            secret: secret.to_owned(),
            clock,
            codes: Mutex::new(HashMap::new()),
            codes_issued: AtomicU64::new(0),
            code2session_calls: AtomicU64::new(0),
        }
    }

    /// The openid of fake user `user` in this app: `o` + 27 URL-safe characters, the
    /// same for the same (appid, user) on every run (a deterministic FNV-1a hash).
    pub fn openid_for(&self, user: &str) -> String {
        const ALPHABET: &[u8; 64] =
            b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
        let mut out = String::from("o");
        let mut h: u64 = 0xcbf2_9ce4_8422_2325;
        for b in self.appid.bytes().chain([0u8]).chain(user.bytes()) {
            h = (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3);
        }
        for _ in 0..27 {
            h = (h ^ (h >> 29)).wrapping_mul(0x0100_0000_01b3);
            out.push(char::from(ALPHABET[(h >> 58) as usize]));
        }
        out
    }

    /// Issues a new single-use code for `user` (what `wx.login` answers).
    pub fn issue_code(&self, user: &str) -> String {
        let now = (self.clock)();
        let code = random_hex(16);
        let openid = self.openid_for(user);
        let mut codes = self.codes.lock().expect("codes mutex poisoned");
        codes.retain(|_, c| now - c.issued_at < CODE_FORGET_SECS);
        codes.insert(
            code.clone(),
            IssuedCode {
                openid,
                issued_at: now,
                used: false,
            },
        );
        self.codes_issued.fetch_add(1, Ordering::Relaxed);
        code
    }

    /// code2Session on the query parameters: `Ok((openid, session_key))` or
    /// `Err((errcode, message))`. A used or failed code is never accepted again.
    pub fn exchange(
        &self,
        params: &HashMap<String, String>,
    ) -> Result<(String, String), (i64, &'static str)> {
        self.code2session_calls.fetch_add(1, Ordering::Relaxed);
        let param = |k: &str| params.get(k).map(String::as_str).filter(|v| !v.is_empty());
        let appid = param("appid").ok_or((41002, "appid missing"))?;
        let secret = param("secret").ok_or((41004, "appsecret missing"))?;
        let code = param("js_code").ok_or((41008, "missing code"))?;
        if appid != self.appid {
            return Err((40013, "invalid appid"));
        }
        if secret != self.secret {
            return Err((40125, "invalid appsecret"));
        }
        let now = (self.clock)();
        let mut codes = self.codes.lock().expect("codes mutex poisoned");
        let issued = codes.get_mut(code).ok_or((40029, "invalid code"))?;
        if now - issued.issued_at > CODE_TTL_SECS {
            return Err((40029, "invalid code"));
        }
        if issued.used {
            return Err((40163, "code been used"));
        }
        issued.used = true;
        let session_key = base64::engine::general_purpose::STANDARD.encode(random_bytes(16));
        Ok((issued.openid.clone(), session_key))
    }

    /// `{"codesIssued": n, "code2SessionCalls": n}`.
    pub fn stats(&self) -> Value {
        json!({
            "codesIssued": self.codes_issued.load(Ordering::Relaxed),
            "code2SessionCalls": self.code2session_calls.load(Ordering::Relaxed),
        })
    }
}

/// The fake's routes (see the module docs), to merge into the app.
pub fn router(fake: Arc<FakeWeChat>) -> Router {
    Router::new()
        .route("/sns/jscode2session", get(jscode2session))
        .route("/fake-wechat/login", post(fake_login))
        .route("/fake-wechat/stats", get(stats))
        .with_state(fake)
}

fn rid() -> String {
    format!("{}-{}-{}", random_hex(4), random_hex(4), random_hex(4))
}

async fn jscode2session(
    State(fake): State<Arc<FakeWeChat>>,
    query: Result<Query<HashMap<String, String>>, QueryRejection>,
) -> Json<Value> {
    let params = query.map(|Query(q)| q).unwrap_or_default();
    match fake.exchange(&params) {
        Ok((openid, session_key)) => Json(json!({ "openid": openid, "session_key": session_key })),
        Err((errcode, msg)) => {
            Json(json!({ "errcode": errcode, "errmsg": format!("{msg}, rid: {}", rid()) }))
        }
    }
}

async fn fake_login(State(fake): State<Arc<FakeWeChat>>, body: Bytes) -> Response {
    let user = if body.iter().all(u8::is_ascii_whitespace) {
        DEFAULT_USER.to_owned()
    } else {
        match serde_json::from_slice::<Value>(&body) {
            Ok(Value::Object(map)) => match map.get("user") {
                None | Some(Value::Null) => DEFAULT_USER.to_owned(),
                Some(Value::String(u)) => u.clone(),
                Some(_) => return bad_request("\"user\" must be a string"),
            },
            _ => return bad_request("body must be a JSON object like {\"user\": \"alice\"}"),
        }
    };
    json_response(StatusCode::OK, json!({ "code": fake.issue_code(&user) }))
}

fn bad_request(message: &str) -> Response {
    json_response(
        StatusCode::BAD_REQUEST,
        json!({ "error": "bad_request", "message": message }),
    )
}

async fn stats(State(fake): State<Arc<FakeWeChat>>) -> Json<Value> {
    Json(fake.stats())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::AtomicI64;

    fn fake_at(t: Arc<AtomicI64>) -> FakeWeChat {
        FakeWeChat::new("wxA", "s", Arc::new(move || t.load(Ordering::SeqCst)))
    }

    fn params(code: &str) -> HashMap<String, String> {
        [
            ("appid", "wxA"),
            ("secret", "s"),
            ("js_code", code),
            ("grant_type", "authorization_code"),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_owned(), v.to_owned()))
        .collect()
    }

    #[test]
    fn openids_are_stable_and_distinct() {
        let f = fake_at(Arc::new(AtomicI64::new(0)));
        let a = f.openid_for("alice");
        assert_eq!(a.len(), 28);
        assert!(a.starts_with('o'));
        assert_eq!(a, f.openid_for("alice"));
        assert_ne!(a, f.openid_for("bob"));
    }

    #[test]
    fn codes_expire_after_five_minutes_and_are_single_use() {
        let t = Arc::new(AtomicI64::new(1_000));
        let f = fake_at(t.clone());
        let c1 = f.issue_code("alice");
        let c2 = f.issue_code("alice");
        t.store(1_000 + CODE_TTL_SECS, Ordering::SeqCst);
        assert!(f.exchange(&params(&c1)).is_ok());
        assert_eq!(f.exchange(&params(&c1)).unwrap_err().0, 40163);
        t.store(1_001 + CODE_TTL_SECS, Ordering::SeqCst);
        assert_eq!(f.exchange(&params(&c2)).unwrap_err().0, 40029);
        assert_eq!(f.exchange(&params("nope")).unwrap_err().0, 40029);
    }

    #[test]
    fn checks_parameters_and_credentials() {
        let f = fake_at(Arc::new(AtomicI64::new(0)));
        let mut p = params("x");
        p.insert("secret".into(), "wrong".into());
        assert_eq!(f.exchange(&p).unwrap_err().0, 40125);
        p.insert("appid".into(), "wxB".into());
        assert_eq!(f.exchange(&p).unwrap_err().0, 40013);
        p.remove("js_code");
        assert_eq!(f.exchange(&p).unwrap_err().0, 41008);
        p.remove("secret");
        assert_eq!(f.exchange(&p).unwrap_err().0, 41004);
        p.remove("appid");
        assert_eq!(f.exchange(&p).unwrap_err().0, 41002);
    }
}
