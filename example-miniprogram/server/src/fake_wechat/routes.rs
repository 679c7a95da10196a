//! The fake WeChat's HTTP routes, relative to [`PREFIX`] (`/fake-wechat`):
//!
//! | route | body / query | answer |
//! |---|---|---|
//! | `GET /sns/jscode2session` | `appid, secret, js_code, grant_type` | `{"openid","session_key"}` or errcode |
//! | `POST /cgi-bin/stable_token` | `{"grant_type","appid","secret","force_refresh"}` | `{"access_token","expires_in"}` or errcode |
//! | `POST /wxa/business/getuserphonenumber?access_token=` | `{"code"}` | `{"errcode":0,"errmsg":"ok","phone_info":{...}}` or errcode |
//! | `POST /login` | `{"user"?, "sessionKey"?, "openid"?}` | `{"code"}`: what the simulator's `wx.login` calls |
//! | `POST /phone-code` | `{"purePhoneNumber"?, "countryCode"?}` | `{"code"}` for getuserphonenumber |
//! | `POST /expire-access-tokens` | | `{"expired": n}` (test hook) |
//! | `POST /fail-next` | `{"api": "code2session"\|"stable_token"\|"phone", "errcode", "errmsg"?}` | `{}`: queues one failure of that API (test hook) |
//! | `POST /ip-whitelist` | `{"ips": ["127.0.0.2", ...] \| null}` | `{}`: stable_token answers 40164 to other callers (test hook) |
//! | `GET /stats` | | [`FakeWeChat::stats`] |
//!
//! Errcode answers are HTTP 200 `{"errcode","errmsg":"<msg>, rid: <id>"}` like WeChat;
//! a malformed test-hook body is 400 `{"error":"bad_request","message"}`.

use std::collections::HashMap;
use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::rejection::QueryRejection;
use axum::extract::{ConnectInfo, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde_json::{json, Map, Value};

use super::{FakeError, FakeWeChat, APIS, DEFAULT_PHONE, DEFAULT_USER};
use crate::support::{json_response, random_hex};

/// Where the fake is mounted in demo mode; `{server}/fake-wechat` is the WeChat base.
pub const PREFIX: &str = "/fake-wechat";

/// The fake's routes, relative (see the module docs); nest them under [`PREFIX`].
pub fn router(fake: Arc<FakeWeChat>) -> Router {
    Router::new()
        .route("/sns/jscode2session", get(jscode2session))
        .route("/cgi-bin/stable_token", post(stable_token))
        .route("/wxa/business/getuserphonenumber", post(phone_number))
        .route("/login", post(fake_login))
        .route("/phone-code", post(phone_code))
        .route("/expire-access-tokens", post(expire_tokens))
        .route("/fail-next", post(fail_next))
        .route("/ip-whitelist", post(ip_whitelist))
        .route("/stats", get(stats))
        .with_state(fake)
}

/// The fake alone, under [`PREFIX`], with a JSON 404: to serve it on its own listener
/// (tests use this for a fleet of server processes sharing one fake WeChat).
pub fn app(fake: Arc<FakeWeChat>) -> Router {
    Router::new().nest(PREFIX, router(fake)).fallback(|| async {
        json_response(StatusCode::NOT_FOUND, json!({ "error": "not_found" }))
    })
}

fn rid() -> String {
    format!("{}-{}-{}", random_hex(4), random_hex(4), random_hex(4))
}

fn wechat_error((errcode, msg): FakeError) -> Json<Value> {
    let msg: &str = &msg;
    Json(json!({ "errcode": errcode, "errmsg": format!("{msg}, rid: {}", rid()) }))
}

/// A malformed test-hook body: 400 `{"error":"bad_request","message"}`.
struct BadRequest(String);

impl IntoResponse for BadRequest {
    fn into_response(self) -> Response {
        json_response(
            StatusCode::BAD_REQUEST,
            json!({ "error": "bad_request", "message": self.0 }),
        )
    }
}

/// The body as a JSON object; empty = `{}`.
fn object(body: &[u8]) -> Result<Map<String, Value>, BadRequest> {
    if body.iter().all(u8::is_ascii_whitespace) {
        return Ok(Map::new());
    }
    match serde_json::from_slice::<Value>(body) {
        Ok(Value::Object(map)) => Ok(map),
        _ => Err(BadRequest("body must be a JSON object".into())),
    }
}

/// An optional string field; `Err` if present and not a string of 1 to 64 characters.
fn opt_str<'a>(map: &'a Map<String, Value>, k: &str) -> Result<Option<&'a str>, BadRequest> {
    match map.get(k) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) if !s.is_empty() && s.len() <= 64 => Ok(Some(s)),
        Some(_) => Err(BadRequest(format!(
            "\"{k}\" must be a string of 1 to 64 characters"
        ))),
    }
}

async fn jscode2session(
    State(fake): State<Arc<FakeWeChat>>,
    query: Result<Query<HashMap<String, String>>, QueryRejection>,
) -> Json<Value> {
    let params = query.map(|Query(q)| q).unwrap_or_default();
    match fake.exchange(&params) {
        Ok((openid, session_key)) => Json(json!({ "openid": openid, "session_key": session_key })),
        Err(e) => wechat_error(e),
    }
}

async fn stable_token(
    State(fake): State<Arc<FakeWeChat>>,
    ConnectInfo(peer): ConnectInfo<std::net::SocketAddr>,
    body: Bytes,
) -> Json<Value> {
    fake.note_stable_token_call();
    let delay = fake.stable_token_delay_ms();
    if delay > 0 {
        tokio::time::sleep(std::time::Duration::from_millis(delay)).await;
    }
    let v = serde_json::from_slice::<Value>(&body).unwrap_or(Value::Null);
    match fake.stable_token(&v, Some(peer.ip())) {
        Ok((t, e)) => Json(json!({ "access_token": t, "expires_in": e })),
        Err(e) => wechat_error(e),
    }
}

async fn phone_number(
    State(fake): State<Arc<FakeWeChat>>,
    query: Result<Query<HashMap<String, String>>, QueryRejection>,
    body: Bytes,
) -> Json<Value> {
    let params = query.map(|Query(q)| q).unwrap_or_default();
    let v = serde_json::from_slice::<Value>(&body).unwrap_or(Value::Null);
    match fake.phone_number(params.get("access_token").map(String::as_str), &v) {
        Ok(info) => Json(json!({ "errcode": 0, "errmsg": "ok", "phone_info": info })),
        Err(e) => wechat_error(e),
    }
}

async fn fake_login(
    State(fake): State<Arc<FakeWeChat>>,
    body: Bytes,
) -> Result<Json<Value>, BadRequest> {
    let map = object(&body)?;
    let user = match map.get("user") {
        None | Some(Value::Null) => DEFAULT_USER,
        Some(Value::String(u)) => u.as_str(),
        Some(_) => return Err(BadRequest("\"user\" must be a string".into())),
    };
    let key = opt_str(&map, "sessionKey")?;
    let code = match opt_str(&map, "openid")? {
        Some(openid) => fake.issue_code_for_openid(openid, key),
        None => fake.issue_code(user, key),
    };
    Ok(Json(json!({ "code": code })))
}

async fn phone_code(
    State(fake): State<Arc<FakeWeChat>>,
    body: Bytes,
) -> Result<Json<Value>, BadRequest> {
    let map = object(&body)?;
    let pure = opt_str(&map, "purePhoneNumber")?.unwrap_or(DEFAULT_PHONE);
    let cc = opt_str(&map, "countryCode")?.unwrap_or("86");
    Ok(Json(json!({ "code": fake.issue_phone_code(pure, cc) })))
}

async fn expire_tokens(State(fake): State<Arc<FakeWeChat>>) -> Json<Value> {
    Json(json!({ "expired": fake.expire_access_tokens() }))
}

async fn fail_next(
    State(fake): State<Arc<FakeWeChat>>,
    body: Bytes,
) -> Result<Json<Value>, BadRequest> {
    let map = object(&body)?;
    let api = map
        .get("api")
        .and_then(Value::as_str)
        .filter(|a| APIS.contains(a));
    let errcode = map
        .get("errcode")
        .and_then(Value::as_i64)
        .filter(|&c| c != 0);
    let errmsg = match map.get("errmsg") {
        None | Some(Value::Null) => None,
        Some(Value::String(m)) => Some(m.clone()),
        Some(_) => return Err(BadRequest("\"errmsg\" must be a string".into())),
    };
    match (api, errcode) {
        (Some(api), Some(code)) => {
            fake.fail_next_with(api, code, errmsg);
            Ok(Json(json!({})))
        }
        _ => Err(BadRequest(
            "body must be {\"api\": \"code2session\"|\"stable_token\"|\"phone\", \"errcode\": <non-zero integer>}".into(),
        )),
    }
}

async fn ip_whitelist(
    State(fake): State<Arc<FakeWeChat>>,
    body: Bytes,
) -> Result<Json<Value>, BadRequest> {
    let map = object(&body)?;
    let ips = match map.get("ips") {
        None | Some(Value::Null) => None,
        Some(Value::Array(list)) => Some(
            list.iter()
                .map(|v| v.as_str().and_then(|s| s.parse().ok()))
                .collect::<Option<Vec<std::net::IpAddr>>>()
                .ok_or_else(|| BadRequest("\"ips\" must be IP address strings".into()))?,
        ),
        Some(_) => {
            return Err(BadRequest(
                "body must be {\"ips\": [\"IP\", ...] | null}".into(),
            ))
        }
    };
    fake.set_ip_whitelist(ips);
    Ok(Json(json!({})))
}

async fn stats(State(fake): State<Arc<FakeWeChat>>) -> Json<Value> {
    Json(fake.stats())
}
