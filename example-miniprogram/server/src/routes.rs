//! The developer server's own endpoints (JSON everywhere):
//!
//! - `POST /user/login` `{"code"}` → 200 `{"token": <64 hex>, "expiresIn": <seconds>}`;
//!   400 `{"error":"bad_request","message"}`; code2Session errcode → 401 (40029, 40163,
//!   40226), 503 (-1, 45011) or 502 (others) with
//!   `{"error":"code2session_failed","errcode","errmsg"}`; WeChat unreachable or
//!   answering garbage → 502 `{"error":"wechat_unreachable"|"wechat_bad_response","message"}`.
//! - `GET /api/profile` with `Authorization: Bearer <token>` → 200
//!   `{"userId","loginCount","createdAt","sessionExpiresAt"}` (Unix seconds), else 401
//!   `{"error":"unauthorized"}`.
//! - `POST /dev/expire-sessions` (only with `--dev`, loopback peers only, else 403) →
//!   `{"expired": n}`.
//!
//! Neither `openid` nor `session_key` ever appears in a response.

use std::net::SocketAddr;
use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::{ConnectInfo, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::Response;
use axum::routing::{get, post};
use axum::Router;
use serde_json::{json, Value};

use crate::db::{Db, NewLogin};
use crate::fake_wechat::{self, FakeWeChat};
use crate::support::{json_response, random_hex, Clock};
use crate::wechat::{self, Code2SessionError};

/// Longest accepted `code`, characters (real codes are 32).
const MAX_CODE_LEN: usize = 256;

/// Everything the handlers share.
#[derive(Clone)]
pub struct AppState {
    /// The SQLite store of users and sessions.
    pub db: Arc<Db>,
    /// HTTP client for code2Session.
    pub agent: ureq::Agent,
    /// Base URL of WeChat's API (the embedded fake by default).
    pub wechat_base: String,
    /// The mini program's appid.
    pub appid: String,
    /// The mini program's app secret.
    pub secret: String,
    /// Token lifetime, seconds.
    pub token_ttl_secs: i64,
    /// Whether the `/dev/*` endpoints are mounted.
    pub dev: bool,
    /// Time source (Unix seconds).
    pub clock: Clock,
    /// The embedded fake WeChat (always mounted).
    pub fake: Arc<FakeWeChat>,
}

/// The whole application: own endpoints, `/dev/*` when enabled, the fake WeChat, and a
/// JSON 404 `{"error":"not_found"}` for anything else. Serve it with
/// `into_make_service_with_connect_info::<SocketAddr>()` (the dev guard needs the peer).
pub fn app(state: AppState) -> Router {
    let mut own = Router::new()
        .route("/user/login", post(login))
        .route("/api/profile", get(profile));
    if state.dev {
        own = own.route("/dev/expire-sessions", post(expire_sessions));
    }
    own.with_state(state.clone())
        .merge(fake_wechat::router(state.fake))
        .fallback(|| async {
            json_response(StatusCode::NOT_FOUND, json!({ "error": "not_found" }))
        })
}

fn bad_request(message: &str) -> Response {
    json_response(
        StatusCode::BAD_REQUEST,
        json!({ "error": "bad_request", "message": message }),
    )
}

fn internal(what: &str, err: impl std::fmt::Display) -> Response {
    eprintln!("internal error: {what}: {err}");
    json_response(
        StatusCode::INTERNAL_SERVER_ERROR,
        json!({ "error": "internal" }),
    )
}

fn parse_code(body: &[u8]) -> Result<String, &'static str> {
    let v: Value =
        serde_json::from_slice(body).map_err(|_| "body must be JSON like {\"code\": \"...\"}")?;
    match v.get("code") {
        Some(Value::String(c)) if !c.is_empty() && c.len() <= MAX_CODE_LEN => Ok(c.clone()),
        Some(Value::String(c)) if !c.is_empty() => Err("\"code\" is too long"),
        _ => Err("\"code\" must be a non-empty string"),
    }
}

async fn login(State(st): State<AppState>, body: Bytes) -> Response {
    let code = match parse_code(&body) {
        Ok(c) => c,
        Err(msg) => return bad_request(msg),
    };
    let (agent, base, appid, secret) = (
        st.agent.clone(),
        st.wechat_base.clone(),
        st.appid.clone(),
        st.secret.clone(),
    );
    let answer = tokio::task::spawn_blocking(move || {
        wechat::code2session(&agent, &base, &appid, &secret, &code)
    })
    .await;
    let session = match answer {
        Err(join) => return internal("code2Session task", join),
        Ok(Ok(s)) => s,
        Ok(Err(Code2SessionError::WeChat { errcode, errmsg })) => {
            eprintln!("login: code2Session errcode {errcode} ({errmsg})");
            let status = StatusCode::from_u16(wechat::status_for_errcode(errcode))
                .unwrap_or(StatusCode::BAD_GATEWAY);
            return json_response(
                status,
                json!({ "error": "code2session_failed", "errcode": errcode, "errmsg": errmsg }),
            );
        }
        Ok(Err(Code2SessionError::Unreachable(m))) => {
            eprintln!("login: WeChat unreachable: {m}");
            return json_response(
                StatusCode::BAD_GATEWAY,
                json!({ "error": "wechat_unreachable", "message": m }),
            );
        }
        Ok(Err(Code2SessionError::BadResponse(m))) => {
            eprintln!("login: bad code2Session answer: {m}");
            return json_response(
                StatusCode::BAD_GATEWAY,
                json!({ "error": "wechat_bad_response", "message": m }),
            );
        }
    };
    let token = random_hex(32);
    let login = NewLogin {
        openid: &session.openid,
        unionid: session.unionid.as_deref(),
        session_key: &session.session_key,
        token: &token,
        now: (st.clock)(),
        ttl_secs: st.token_ttl_secs,
    };
    match st.db.record_login(&login) {
        Ok(user_id) => {
            eprintln!("login: user #{user_id} got a new token");
            json_response(
                StatusCode::OK,
                json!({ "token": token, "expiresIn": st.token_ttl_secs }),
            )
        }
        Err(e) => internal("record_login", e),
    }
}

/// The token of an `Authorization: Bearer <token>` header, if well-formed.
fn bearer(headers: &HeaderMap) -> Option<&str> {
    let value = headers.get(header::AUTHORIZATION)?.to_str().ok()?;
    let (scheme, token) = value.trim().split_once(' ')?;
    let token = token.trim();
    (scheme.eq_ignore_ascii_case("bearer") && !token.is_empty()).then_some(token)
}

async fn profile(State(st): State<AppState>, headers: HeaderMap) -> Response {
    let unauthorized =
        || json_response(StatusCode::UNAUTHORIZED, json!({ "error": "unauthorized" }));
    let Some(token) = bearer(&headers) else {
        return unauthorized();
    };
    match st.db.profile_for_token(token, (st.clock)()) {
        Ok(Some(p)) => match serde_json::to_value(p) {
            Ok(v) => json_response(StatusCode::OK, v),
            Err(e) => internal("profile json", e),
        },
        Ok(None) => unauthorized(),
        Err(e) => internal("profile_for_token", e),
    }
}

/// Whether `peer` is a loopback address (IPv4-mapped IPv6 included).
fn is_loopback_peer(peer: SocketAddr) -> bool {
    peer.ip().to_canonical().is_loopback()
}

async fn expire_sessions(
    State(st): State<AppState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
) -> Response {
    if !is_loopback_peer(peer) {
        return json_response(
            StatusCode::FORBIDDEN,
            json!({ "error": "forbidden", "message": "loopback only" }),
        );
    }
    match st.db.expire_all((st.clock)()) {
        Ok(n) => {
            eprintln!("dev: expired {n} sessions");
            json_response(StatusCode::OK, json!({ "expired": n }))
        }
        Err(e) => internal("expire_all", e),
    }
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
