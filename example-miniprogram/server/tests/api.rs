//! End-to-end tests of the developer server in demo mode (its embedded fake WeChat
//! under /fake-wechat), in-process on 127.0.0.1 with an ephemeral port and a temporary
//! SQLite file.

mod common;

use common::{get, login, login_as, post, post_raw, start, wx_login};
use serde_json::json;

fn is_hex64(s: &str) -> bool {
    s.len() == 64
        && s.bytes()
            .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
}

#[test]
fn login_gives_a_token_and_never_leaks_openid_or_session_key() {
    let srv = start();
    let code = wx_login(&srv.base, "alice");
    let (status, body, raw) = login(&srv.base, &code);
    assert_eq!(status, 200, "{raw}");
    assert!(is_hex64(body["token"].as_str().unwrap()), "{raw}");
    assert_eq!(body["expiresIn"], json!(7200));
    assert_eq!(body.as_object().unwrap().len(), 2, "{raw}");
    assert!(
        !raw.contains("session_key") && !raw.contains("openid"),
        "{raw}"
    );
}

#[test]
fn reused_and_unknown_codes_are_rejected() {
    let srv = start();
    let code = wx_login(&srv.base, "alice");
    assert_eq!(login(&srv.base, &code).0, 200);
    let (status, body, _) = login(&srv.base, &code);
    assert_eq!(status, 401);
    assert_eq!(body["error"], "code2session_failed");
    assert_eq!(body["errcode"], 40163);
    assert!(
        body.get("errmsg").is_none(),
        "WeChat's text stays in the log: {body}"
    );
    assert!(
        body["message"].as_str().unwrap().contains("wx.login"),
        "{body}"
    );

    let (status, body, _) = login(&srv.base, "0123456789abcdef0123456789abcdef");
    assert_eq!(status, 401);
    assert_eq!(body["errcode"], 40029);
    assert!(body.get("errmsg").is_none(), "{body}");
}

#[test]
fn codes_older_than_five_minutes_are_invalid() {
    let srv = start();
    let fresh = wx_login(&srv.base, "alice");
    let old = wx_login(&srv.base, "alice");
    srv.advance(300);
    assert_eq!(
        login(&srv.base, &fresh).0,
        200,
        "exactly 5 minutes is still valid"
    );
    srv.advance(1);
    let (status, body, _) = login(&srv.base, &old);
    assert_eq!(status, 401);
    assert_eq!(body["errcode"], 40029);
}

#[test]
fn bad_login_bodies_are_400() {
    let srv = start();
    let url = format!("{}/user/login", srv.base);
    for body in [
        "",
        "not json",
        "[]",
        "{}",
        r#"{"code":""}"#,
        r#"{"code":42}"#,
    ] {
        let (status, text) = post_raw(&url, body);
        assert_eq!(status, 400, "body {body:?} → {text}");
        let v: serde_json::Value = serde_json::from_str(&text).unwrap();
        assert_eq!(v["error"], "bad_request");
        assert!(v["message"].is_string());
    }
}

#[test]
fn profile_needs_a_valid_token() {
    let srv = start();
    let token = login_as(&srv.base, "alice");
    let url = format!("{}/api/profile", srv.base);
    let (status, body) = get(&url, Some(&format!("Bearer {token}")));
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["loginCount"], 1);
    assert!(body["userId"].is_i64());
    assert_eq!(body["createdAt"], 1_700_000_000);
    assert_eq!(body["sessionExpiresAt"], 1_700_000_000 + 7200);
    let text = body.to_string();
    assert!(
        !text.contains("openid") && !text.contains("session_key"),
        "{text}"
    );

    for auth in [
        None,
        Some("Bearer"),
        Some("Basic abc"),
        Some("Bearer 00ff"),
        Some(token.as_str()),
    ] {
        let (status, body) = get(&url, auth);
        assert_eq!(status, 401, "{auth:?}");
        assert_eq!(body, json!({ "error": "unauthorized" }));
    }

    srv.advance(7200);
    assert_eq!(
        get(&url, Some(&format!("Bearer {token}"))).0,
        401,
        "token past its ttl"
    );
}

#[test]
fn expire_sessions_forces_a_relogin() {
    let srv = start();
    let url = format!("{}/api/profile", srv.base);
    let token = login_as(&srv.base, "alice");
    let _other = login_as(&srv.base, "bob");
    assert_eq!(get(&url, Some(&format!("Bearer {token}"))).0, 200);

    let (status, body) = post(&format!("{}/dev/expire-sessions", srv.base), &json!({}));
    assert_eq!((status, body), (200, json!({ "expired": 2 })));
    assert_eq!(get(&url, Some(&format!("Bearer {token}"))).0, 401);

    let token2 = login_as(&srv.base, "alice");
    assert_ne!(token, token2);
    let (status, body) = get(&url, Some(&format!("Bearer {token2}")));
    assert_eq!(status, 200);
    assert_eq!(body["loginCount"], 2);
}

#[test]
fn same_user_keeps_its_id_and_counts_logins() {
    let srv = start();
    let url = format!("{}/api/profile", srv.base);
    let t1 = login_as(&srv.base, "alice");
    let (_, p1) = get(&url, Some(&format!("Bearer {t1}")));
    let tb = login_as(&srv.base, "bob");
    let (_, pb) = get(&url, Some(&format!("Bearer {tb}")));
    let t2 = login_as(&srv.base, "alice");
    let (_, p2) = get(&url, Some(&format!("Bearer {t2}")));
    assert_eq!(p1["userId"], p2["userId"]);
    assert_ne!(p1["userId"], pb["userId"]);
    assert_eq!(p2["loginCount"], 2);
    assert_eq!(pb["loginCount"], 1);
    // The first token is still valid: each login is its own session.
    assert_eq!(get(&url, Some(&format!("Bearer {t1}"))).0, 200);
}

#[test]
fn fake_wechat_checks_parameters_and_counts_calls() {
    let srv = start();
    let code = wx_login(&srv.base, "alice");
    let q = |query: &str| {
        get(
            &format!("{}/fake-wechat/sns/jscode2session?{query}", srv.base),
            None,
        )
    };
    let app = "appid=wx4f4bc4dec97d474b";
    for (query, errcode) in [
        ("", 41002),
        (app, 41004),
        (&format!("{app}&secret=example-secret") as &str, 41008),
        (
            &format!("appid=wxOther&secret=example-secret&js_code={code}"),
            40013,
        ),
        (&format!("{app}&secret=nope&js_code={code}"), 40125),
    ] {
        let (status, body) = q(query);
        assert_eq!(status, 200, "WeChat answers errors with HTTP 200");
        assert_eq!(body["errcode"], errcode, "{query}: {body}");
        assert!(body["errmsg"].as_str().unwrap().contains(", rid: "));
    }
    let (status, body) = q(&format!(
        "{app}&secret=example-secret&js_code={code}&grant_type=authorization_code"
    ));
    assert_eq!(status, 200);
    let openid = body["openid"].as_str().unwrap();
    assert!(openid.starts_with('o') && openid.len() == 28, "{body}");
    assert_eq!(
        body["session_key"].as_str().unwrap().len(),
        24,
        "base64 of 16 bytes"
    );
    assert!(body.get("errcode").is_none());

    // An empty body logs in the default user.
    let (status, body) = post(&format!("{}/fake-wechat/login", srv.base), &json!({}));
    assert_eq!(status, 200);
    assert_eq!(body["code"].as_str().unwrap().len(), 32);
    assert_eq!(
        post_raw(&format!("{}/fake-wechat/login", srv.base), "").0,
        200
    );
    assert_eq!(
        post_raw(&format!("{}/fake-wechat/login", srv.base), r#"{"user":1}"#).0,
        400
    );

    let stats = srv.stats();
    assert_eq!(
        (
            stats["codesIssued"].as_u64(),
            stats["code2SessionCalls"].as_u64()
        ),
        (Some(3), Some(6))
    );
}

#[test]
fn unreachable_wechat_is_502() {
    // Point code2Session at a port nothing listens on.
    let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let dead = format!("http://{}", closed.local_addr().unwrap());
    drop(closed);
    let dir = tempfile::tempdir().unwrap();
    let rt = tokio::runtime::Runtime::new().unwrap();
    let (status, body) = rt.block_on(async {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let config = weapp_login_example_server::Config {
            mode: weapp_login_example_server::Mode::Production(
                weapp_login_example_server::Credentials {
                    appid: "wx0123456789abcdef".into(),
                    secret: "s".into(),
                },
            ),
            db: Some(dir.path().join("db.sqlite")),
            wechat_base: Some(dead),
            ..Default::default()
        };
        let server = weapp_login_example_server::Server::new(config, listener)
            .await
            .unwrap();
        let base = server.base_url().to_owned();
        let (tx, rx) = tokio::sync::oneshot::channel::<()>();
        let handle = tokio::spawn(server.run(async {
            let _ = rx.await;
        }));
        let out = tokio::task::spawn_blocking(move || common::login(&base, "whatever"))
            .await
            .unwrap();
        let _ = tx.send(());
        handle.await.unwrap().unwrap();
        (out.0, out.1)
    });
    assert_eq!(status, 502);
    assert_eq!(body["error"], "wechat_unreachable");
}
