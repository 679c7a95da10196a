//! Issue item 2: tokens only as SHA-256 at rest, logout, expiry and revocation on every
//! authenticated route, and the JWT mode with its jti revocation list.

mod common;

use common::{login_as, post_bearer, profile, start, start_with, T0};
use serde_json::json;
use sha2::Digest as _;
use weapp_login_example_server::tokens::{decode_jwt, TokenMode};

const JWT_SECRET: &[u8] = b"0123456789abcdef0123456789abcdef-test";

/// Every authenticated route: (path, a body that would be valid but for the token).
fn authed_routes() -> Vec<(&'static str, serde_json::Value)> {
    vec![
        (
            "/user/decrypt",
            json!({ "encryptedData": common::sample::ENCRYPTED_DATA, "iv": common::sample::IV }),
        ),
        (
            "/user/verify",
            json!({ "rawData": "{}", "signature": "00" }),
        ),
        ("/user/phone", json!({ "code": "x" })),
        ("/user/logout", json!({})),
    ]
}

fn assert_rejected_everywhere(base: &str, token: &str) {
    assert_eq!(
        profile(base, token),
        (401, json!({ "error": "unauthorized" }))
    );
    for (path, body) in authed_routes() {
        let (status, v) = post_bearer(&format!("{base}{path}"), token, &body);
        assert_eq!(
            (status, v),
            (401, json!({ "error": "unauthorized" })),
            "{path}"
        );
    }
}

#[test]
fn tokens_are_stored_only_as_sha256_hashes() {
    let srv = start();
    let token = login_as(&srv.base, "alice");
    let conn = rusqlite::Connection::open(srv.db_path()).unwrap();
    let keys: Vec<String> = conn
        .prepare("SELECT key_hash FROM login_sessions")
        .unwrap()
        .query_map([], |r| r.get(0))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    assert_eq!(
        keys,
        vec![hex::encode(sha2::Sha256::digest(token.as_bytes()))]
    );
    drop(conn);
    let mut bytes = std::fs::read(srv.db_path()).unwrap();
    if let Ok(wal) = std::fs::read(srv.db_path().with_extension("sqlite-wal")) {
        bytes.extend(wal);
    }
    let text = String::from_utf8_lossy(&bytes);
    assert!(!text.contains(&token), "the token itself is never written");
}

#[test]
fn logout_revokes_the_token_on_every_route() {
    let srv = start();
    let token = login_as(&srv.base, "alice");
    let other = login_as(&srv.base, "alice");
    assert_eq!(profile(&srv.base, &token).0, 200);
    let (status, body) = post_bearer(&format!("{}/user/logout", srv.base), &token, &json!({}));
    assert_eq!((status, body), (200, json!({ "loggedOut": true })));
    assert_rejected_everywhere(&srv.base, &token);
    assert_eq!(
        profile(&srv.base, &other).0,
        200,
        "only that session is revoked"
    );
}

#[test]
fn expiry_is_enforced_on_every_route() {
    let srv = start();
    let token = login_as(&srv.base, "alice");
    srv.advance(7199);
    assert_eq!(profile(&srv.base, &token).0, 200);
    srv.advance(1);
    assert_rejected_everywhere(&srv.base, &token);
}

fn start_jwt() -> common::TestServer {
    start_with(|c| {
        c.tokens = TokenMode::Jwt(JWT_SECRET.to_vec());
        c.token_ttl_secs = weapp_login_example_server::DEFAULT_JWT_TTL_SECS;
    })
}

#[test]
fn jwt_mode_issues_hs256_tokens_for_24_hours() {
    let srv = start_jwt();
    let token = login_as(&srv.base, "alice");
    let claims = decode_jwt(&token, JWT_SECRET).expect("verifies with the shared secret");
    assert_eq!((claims.iat, claims.exp), (T0, T0 + 86_400));
    assert_eq!(claims.iss, "weapp-login-example-server");
    assert_eq!(claims.jti.len(), 32);
    let (status, p) = profile(&srv.base, &token);
    assert_eq!(status, 200);
    assert_eq!(claims.sub, p["userId"].to_string());
    let payload = token.split('.').nth(1).unwrap();
    let payload = String::from_utf8(
        base64::Engine::decode(&base64::engine::general_purpose::URL_SAFE_NO_PAD, payload).unwrap(),
    )
    .unwrap();
    assert!(
        !payload.contains("openid")
            && !payload.contains(&srv.fake.as_ref().unwrap().openid_for("alice"))
    );
    assert!(decode_jwt(&token, b"another-secret-another-secret-xx").is_none());

    let mut tampered = token.clone();
    tampered.replace_range(
        token.len() - 2..,
        if token.ends_with("AA") { "BB" } else { "AA" },
    );
    assert_eq!(profile(&srv.base, &tampered).0, 401);
    srv.advance(86_400);
    assert_rejected_everywhere(&srv.base, &token);
}

#[test]
fn jwt_logout_puts_the_jti_on_the_revocation_list() {
    let srv = start_jwt();
    let token = login_as(&srv.base, "alice");
    let jti = decode_jwt(&token, JWT_SECRET).unwrap().jti;
    assert_eq!(
        post_bearer(&format!("{}/user/logout", srv.base), &token, &json!({})).0,
        200
    );
    assert_rejected_everywhere(&srv.base, &token);
    let conn = rusqlite::Connection::open(srv.db_path()).unwrap();
    let until: i64 = conn
        .query_row(
            "SELECT until FROM revoked_jti WHERE jti = ?1",
            [&jti],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(until, T0 + 86_400, "listed until the token's own exp");
}

#[test]
fn opaque_tokens_are_not_accepted_in_jwt_mode_and_vice_versa() {
    let opaque = start();
    let jwt = start_jwt();
    let t_opaque = login_as(&opaque.base, "alice");
    let t_jwt = login_as(&jwt.base, "alice");
    assert_eq!(profile(&jwt.base, &t_opaque).0, 401);
    assert_eq!(profile(&opaque.base, &t_jwt).0, 401);
}
