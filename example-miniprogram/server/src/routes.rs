//! The developer server's own endpoints (JSON in, JSON out). Errors are
//! [`ApiError`](crate::error::ApiError) bodies `{"error": <stable code>, ...}`.
//! Authenticated routes take `Authorization: Bearer <token>`; an unknown, expired or
//! revoked token is 401 `{"error":"unauthorized"}` on every one of them.
//!
//! | route | request | 200 answer | errors |
//! |---|---|---|---|
//! | `POST /user/login` | `{"code"}` (wx.login code, 1–256 chars) | `{"token","expiresIn"}` (seconds) | 400, 429, `code2session_failed`, 403 `login_blocked`, 502 |
//! | `GET /api/profile` | bearer | `{"userId","loginCount","createdAt","sessionExpiresAt"}` (Unix s) | 401 |
//! | `POST /user/logout` | bearer | `{"loggedOut":true}` | 401 |
//! | `POST /user/decrypt` | bearer + `{"encryptedData","iv"}` (base64) | `{"kind","data":{...}}`: the allowlisted fields of the data's kind ([`open_data`]) | 400 `bad_request` / `decrypt_failed` / `unsupported_data` / `watermark_mismatch` / `watermark_expired`, 401 |
//! | `POST /user/verify` | bearer + `{"rawData","signature"}` | `{"verified":true}` | 400 `signature_mismatch`, 401 |
//! | `POST /user/phone` | bearer + `{"code"}` (getPhoneNumber code) | `{"phoneNumber","purePhoneNumber","countryCode"}` | 400, 401, `wechat_error`, 502, 503 `access_token_unavailable` |
//! | `GET /healthz` | | `{"ok":true,"store":"sqlite"\|"redis"}` | 503 `store_unavailable` |
//! | `POST /dev/expire-sessions` | demo mode, loopback peer | `{"expired": n}` | 403 |
//!
//! Anything else is a JSON error too: 404 `not_found`, 405 `method_not_allowed` (a
//! known route with another method, `OPTIONS` included; `Allow` names the method), 413
//! `payload_too_large` (a body over [`MAX_BODY_BYTES`]).
//! Neither `openid` nor `session_key` ever appears in a response or a log line.

use std::net::SocketAddr;
use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::{ConnectInfo, DefaultBodyLimit, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::Router;
use serde_json::{json, Map, Value};

use crate::access_token::AccessTokens;
use crate::error::ApiError;
use crate::fake_wechat::{self, FakeWeChat};
use crate::http_errors;
use crate::open_data;
use crate::rate_limit::LoginLimiter;
use crate::store::{NewLogin, SessionRecord, Store};
use crate::support::{json_response, Clock};
use crate::tokens::{Presented, TokenMode};
use crate::wechat;

/// Longest accepted `code`, characters (real ones are 32 to 64).
const MAX_CODE_LEN: usize = 256;
pub use crate::http_errors::MAX_BODY_BYTES;

/// Everything the handlers share.
#[derive(Clone)]
pub struct AppState {
    /// Users, sessions, revocations, the cached access_token.
    pub store: Arc<dyn Store>,
    /// HTTP client for WeChat.
    pub agent: ureq::Agent,
    /// Base URL of WeChat's API.
    pub wechat_base: String,
    /// The mini program's appid.
    pub appid: String,
    /// The app secret (sent to code2Session only; never logged).
    pub secret: String,
    /// Opaque tokens or JWTs.
    pub tokens: TokenMode,
    /// Lifetime of issued tokens, seconds.
    pub token_ttl_secs: i64,
    /// Max age of decrypted open data (`watermark.timestamp`), seconds; 0 = unchecked.
    pub open_data_max_age_secs: i64,
    /// The cached access_token.
    pub access_tokens: Arc<AccessTokens>,
    /// The `/user/login` rate limiter; `None` = unlimited.
    pub limiter: Option<Arc<LoginLimiter>>,
    /// Whether the `/dev/*` endpoints are mounted (demo mode).
    pub dev: bool,
    /// Time source (Unix seconds).
    pub clock: Clock,
}

/// The application: own endpoints, `/dev/*` when `state.dev`, the fake WeChat under
/// `/fake-wechat` when `fake` is given (demo mode only), and a JSON 404
/// `{"error":"not_found"}` for anything else. Serve it with
/// `into_make_service_with_connect_info::<SocketAddr>()` (the rate limit and the dev
/// guard need the peer address).
pub fn app(state: AppState, fake: Option<Arc<FakeWeChat>>) -> Router {
    let mut own = Router::new()
        .route("/user/login", post(login))
        .route("/user/logout", post(logout))
        .route("/user/decrypt", post(decrypt))
        .route("/user/verify", post(verify))
        .route("/user/phone", post(phone))
        .route("/api/profile", get(profile))
        .route("/healthz", get(healthz));
    if state.dev {
        own = own.route("/dev/expire-sessions", post(expire_sessions));
    }
    let mut app = own.with_state(state);
    if let Some(fake) = fake {
        app = app.nest(fake_wechat::PREFIX, fake_wechat::router(fake));
    }
    app.fallback(|| async { json_response(StatusCode::NOT_FOUND, json!({ "error": "not_found" })) })
        .layer(DefaultBodyLimit::max(MAX_BODY_BYTES))
        .layer(axum::middleware::from_fn(http_errors::refuse_large_bodies))
        .layer(axum::middleware::map_response(http_errors::json_errors))
}

/// `GET /healthz`: 200 `{"ok":true,"store":"sqlite"|"redis"}` when the store answers a
/// trivial query, else 503 `store_unavailable` (with `Retry-After`). It does not call
/// WeChat.
async fn healthz(State(st): State<AppState>) -> Result<Response, ApiError> {
    st.store
        .ping()
        .await
        .map_err(|e| ApiError::StoreUnavailable(e.to_string()))?;
    let mut resp = ok(json!({ "ok": true, "store": st.store.kind() }));
    resp.headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    Ok(resp)
}

fn object(body: &[u8], shape: &str) -> Result<Map<String, Value>, ApiError> {
    match serde_json::from_slice::<Value>(body) {
        Ok(Value::Object(m)) => Ok(m),
        _ => Err(ApiError::BadRequest(format!(
            "body must be JSON like {shape}"
        ))),
    }
}

fn string_field(map: &Map<String, Value>, name: &str, max: usize) -> Result<String, ApiError> {
    match map.get(name) {
        Some(Value::String(s)) if !s.is_empty() && s.len() <= max => Ok(s.clone()),
        Some(Value::String(s)) if !s.is_empty() => Err(ApiError::BadRequest(format!(
            "\"{name}\" is too long (max {max})"
        ))),
        _ => Err(ApiError::BadRequest(format!(
            "\"{name}\" must be a non-empty string"
        ))),
    }
}

fn parse_code(body: &[u8]) -> Result<String, ApiError> {
    string_field(&object(body, r#"{"code": "..."}"#)?, "code", MAX_CODE_LEN)
}

fn ok(v: Value) -> Response {
    json_response(StatusCode::OK, v)
}

async fn login(
    State(st): State<AppState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, ApiError> {
    if let Some(l) = &st.limiter {
        let client = l.client_ip(peer, &headers).inspect_err(|e| {
            crate::log_line!("login: refused: {e}");
        })?;
        l.check(client)?;
    }
    let code = parse_code(&body)?;
    let (agent, base, appid, secret) = (
        st.agent.clone(),
        st.wechat_base.clone(),
        st.appid.clone(),
        st.secret.clone(),
    );
    let session = tokio::task::spawn_blocking(move || {
        wechat::code2session(&agent, &base, &appid, &secret, &code)
    })
    .await
    .map_err(|e| ApiError::internal("code2Session task", e))?
    .map_err(|e| {
        crate::log_line!("login: code2Session failed: {e}");
        ApiError::from_code2session(e)
    })?;
    let now = (st.clock)();
    let expires_at = now.saturating_add(st.token_ttl_secs);
    let pending = st.tokens.begin();
    let login = NewLogin {
        openid: session.openid,
        unionid: session.unionid,
        session_key: session.session_key,
        key_hash: pending.key_hash.clone(),
        now,
        expires_at,
    };
    let user_id = st.store.record_login(&login).await?;
    let token = st
        .tokens
        .finish(pending, user_id, now, expires_at)
        .map_err(|e| ApiError::internal("sign token", e))?;
    crate::log_line!("login: user #{user_id} got a new token");
    Ok(ok(
        json!({ "token": token, "expiresIn": st.token_ttl_secs }),
    ))
}

/// The token of an `Authorization: Bearer <token>` header, if well-formed.
fn bearer(headers: &HeaderMap) -> Option<&str> {
    let value = headers.get(header::AUTHORIZATION)?.to_str().ok()?;
    let (scheme, token) = value.trim().split_once(' ')?;
    let token = token.trim();
    (scheme.eq_ignore_ascii_case("bearer") && !token.is_empty()).then_some(token)
}

/// The live session behind the request's bearer token (expiry and revocation checked).
async fn authenticate(
    st: &AppState,
    headers: &HeaderMap,
) -> Result<(Presented, SessionRecord), ApiError> {
    let now = (st.clock)();
    let token = bearer(headers).ok_or(ApiError::Unauthorized)?;
    let presented = st.tokens.parse(token, now).ok_or(ApiError::Unauthorized)?;
    if let Some((jti, _)) = &presented.jwt {
        if st.store.is_jti_revoked(jti, now).await? {
            return Err(ApiError::Unauthorized);
        }
    }
    let rec = st
        .store
        .session(&presented.key_hash, now)
        .await?
        .ok_or(ApiError::Unauthorized)?;
    Ok((presented, rec))
}

async fn profile(State(st): State<AppState>, headers: HeaderMap) -> Result<Response, ApiError> {
    let (_, rec) = authenticate(&st, &headers).await?;
    Ok(ok(json!({
        "userId": rec.user_id,
        "loginCount": rec.login_count,
        "createdAt": rec.created_at,
        "sessionExpiresAt": rec.expires_at,
    })))
}

async fn logout(State(st): State<AppState>, headers: HeaderMap) -> Result<Response, ApiError> {
    let (presented, rec) = authenticate(&st, &headers).await?;
    if let Some((jti, exp)) = &presented.jwt {
        st.store.revoke_jti(jti, (st.clock)(), *exp).await?;
    }
    st.store.revoke_session(&presented.key_hash).await?;
    crate::log_line!("logout: user #{} revoked a token", rec.user_id);
    Ok(ok(json!({ "loggedOut": true })))
}

async fn decrypt(
    State(st): State<AppState>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, ApiError> {
    let (_, rec) = authenticate(&st, &headers).await?;
    let map = object(&body, r#"{"encryptedData": "...", "iv": "..."}"#)?;
    let data = string_field(&map, "encryptedData", open_data::MAX_DATA_LEN)?;
    let iv = string_field(&map, "iv", 64)?;
    let now = (st.clock)();
    let (kind, plain) = open_data::decrypt(
        &data,
        &iv,
        &rec.session_key,
        &rec.openid,
        &st.appid,
        now,
        st.open_data_max_age_secs,
    )
    .inspect_err(|e| crate::log_line!("decrypt: user #{} refused: {e}", rec.user_id))?;
    Ok(ok(json!({ "kind": kind.name(), "data": plain })))
}

async fn verify(
    State(st): State<AppState>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, ApiError> {
    let (_, rec) = authenticate(&st, &headers).await?;
    let map = object(&body, r#"{"rawData": "...", "signature": "..."}"#)?;
    let raw = string_field(&map, "rawData", open_data::MAX_DATA_LEN)?;
    let signature = string_field(&map, "signature", 128)?;
    if open_data::verify_signature(&raw, &rec.session_key, &signature) {
        Ok(ok(json!({ "verified": true })))
    } else {
        Err(ApiError::SignatureMismatch)
    }
}

async fn call_phone(st: &AppState, access_token: String, code: String) -> Result<Value, ApiError> {
    let (agent, base) = (st.agent.clone(), st.wechat_base.clone());
    tokio::task::spawn_blocking(move || {
        wechat::get_phone_number(&agent, &base, &access_token, &code)
    })
    .await
    .map_err(|e| ApiError::internal("getuserphonenumber task", e))?
    .map_err(ApiError::from)
}

fn log_phone(e: &ApiError) {
    crate::log_line!("phone: getuserphonenumber failed: {e}");
}

async fn phone(
    State(st): State<AppState>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, ApiError> {
    let (_, rec) = authenticate(&st, &headers).await?;
    let code = parse_code(&body)?;
    let token = st.access_tokens.get().await?;
    let info = match call_phone(&st, token.clone(), code.clone()).await {
        Err(ApiError::WeChat {
            errcode: errcode @ (40001 | 40014 | 42001),
            ..
        }) => {
            crate::log_line!("phone: access_token rejected ({errcode}); refreshing once");
            st.access_tokens.invalidate(&token).await?;
            let fresh = st.access_tokens.get().await?;
            call_phone(&st, fresh, code).await.inspect_err(log_phone)?
        }
        other => other.inspect_err(log_phone)?,
    };
    crate::log_line!("phone: user #{} got a phone number", rec.user_id);
    let field = |k: &str| info.get(k).cloned().unwrap_or(Value::Null);
    Ok(ok(json!({
        "phoneNumber": field("phoneNumber"),
        "purePhoneNumber": field("purePhoneNumber"),
        "countryCode": field("countryCode"),
    })))
}

/// Whether `peer` is a loopback address (IPv4-mapped IPv6 included).
fn is_loopback_peer(peer: SocketAddr) -> bool {
    peer.ip().to_canonical().is_loopback()
}

async fn expire_sessions(
    State(st): State<AppState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
) -> Result<Response, ApiError> {
    if !is_loopback_peer(peer) {
        return Err(ApiError::Forbidden("loopback only"));
    }
    let n = st.store.expire_all((st.clock)()).await?;
    crate::log_line!("dev: expired {n} sessions");
    Ok(ok(json!({ "expired": n })).into_response())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_bearer_headers() {
        let mut h = HeaderMap::new();
        assert_eq!(bearer(&h), None);
        h.insert(header::AUTHORIZATION, "Bearer abc".parse().unwrap());
        assert_eq!(bearer(&h), Some("abc"));
        h.insert(header::AUTHORIZATION, "Basic abc".parse().unwrap());
        assert_eq!(bearer(&h), None);
        h.insert(header::AUTHORIZATION, "Bearer ".parse().unwrap());
        assert_eq!(bearer(&h), None);
    }

    #[test]
    fn only_loopback_peers_are_dev() {
        for ok in [
            "127.0.0.1:1",
            "127.9.9.9:1",
            "[::1]:1",
            "[::ffff:127.0.0.1]:1",
        ] {
            assert!(is_loopback_peer(ok.parse().unwrap()), "{ok}");
        }
        for no in [
            "10.0.0.1:1",
            "192.168.1.2:1",
            "[::ffff:10.0.0.1]:1",
            "[2001:db8::1]:1",
        ] {
            assert!(!is_loopback_peer(no.parse().unwrap()), "{no}");
        }
    }

    #[test]
    fn parses_login_bodies() {
        assert_eq!(parse_code(br#"{"code":"abc"}"#), Ok("abc".to_owned()));
        assert!(parse_code(b"").is_err());
        assert!(parse_code(b"[]").is_err());
        assert!(parse_code(br#"{"code":""}"#).is_err());
        assert!(parse_code(br#"{"code":5}"#).is_err());
        assert!(parse_code(format!(r#"{{"code":"{}"}}"#, "a".repeat(300)).as_bytes()).is_err());
    }
}
