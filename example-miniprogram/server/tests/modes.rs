//! Issue item 1: the fake WeChat and the /dev/* routes exist only in demo mode.

mod common;

use common::{get, post, start, start_with};
use serde_json::json;
use weapp_login_example_server::{Credentials, Mode};

const FAKE_ROUTES: [(&str, &str); 8] = [
    ("POST", "/fake-wechat/login"),
    (
        "GET",
        "/fake-wechat/sns/jscode2session?appid=wx4f4bc4dec97d474b&secret=x&js_code=y",
    ),
    ("POST", "/fake-wechat/cgi-bin/stable_token"),
    ("POST", "/fake-wechat/wxa/business/getuserphonenumber"),
    ("POST", "/fake-wechat/phone-code"),
    ("GET", "/fake-wechat/stats"),
    ("POST", "/dev/expire-sessions"),
    (
        "GET",
        "/sns/jscode2session?appid=wx4f4bc4dec97d474b&secret=x&js_code=y",
    ),
];

fn call(base: &str, method: &str, path: &str) -> (u16, serde_json::Value) {
    let url = format!("{base}{path}");
    if method == "GET" {
        get(&url, None)
    } else {
        post(&url, &json!({}))
    }
}

#[test]
fn production_mode_has_no_fake_wechat_and_no_dev_routes() {
    let srv = start_with(|c| {
        c.mode = Mode::Production(Credentials {
            appid: "wx0123456789abcdef".into(),
            secret: "prod-secret".into(),
        });
    });
    for (method, path) in FAKE_ROUTES {
        let (status, body) = call(&srv.base, method, path);
        assert_eq!(
            (status, body),
            (404, json!({ "error": "not_found" })),
            "{method} {path}"
        );
    }
    assert!(srv.fake.is_none());
    // Its own routes are there.
    assert_eq!(get(&format!("{}/api/profile", srv.base), None).0, 401);
}

#[test]
fn demo_mode_mounts_the_fake_under_its_prefix_only() {
    let srv = start();
    for (method, path) in &FAKE_ROUTES[..7] {
        let (status, _) = call(&srv.base, method, path);
        assert_eq!(status, 200, "{method} {path}");
    }
    // WeChat's own paths at the root are not the fake's: it lives under /fake-wechat.
    assert_eq!(call(&srv.base, FAKE_ROUTES[7].0, FAKE_ROUTES[7].1).0, 404);
}

#[test]
fn demo_mode_refuses_a_wechat_base() {
    let rt = tokio::runtime::Runtime::new().unwrap();
    let err = rt.block_on(async {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let config = weapp_login_example_server::Config {
            wechat_base: Some("http://127.0.0.1:1".into()),
            ..Default::default()
        };
        weapp_login_example_server::Server::new(config, listener)
            .await
            .err()
            .unwrap()
    });
    assert!(err.to_string().contains("demo mode"), "{err}");
}

#[test]
fn production_defaults_to_real_wechat_over_tls() {
    let rt = tokio::runtime::Runtime::new().unwrap();
    let base = rt.block_on(async {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let config = weapp_login_example_server::Config {
            mode: Mode::Production(Credentials {
                appid: "wx0123456789abcdef".into(),
                secret: "s".into(),
            }),
            ..Default::default()
        };
        let s = weapp_login_example_server::Server::new(config, listener)
            .await
            .unwrap();
        s.wechat_base().to_owned()
    });
    assert_eq!(base, "https://api.weixin.qq.com");
}

#[test]
fn https_bases_go_through_the_compiled_in_tls_stack() {
    // A plain-HTTP listener behind an https:// base: the TLS handshake itself fails,
    // which shows the request got as far as rustls (no "unsupported scheme").
    let fake = common::start_fake();
    let https = fake.wechat_base.replacen("http://", "https://", 1);
    let srv = start_with(|c| {
        c.mode = Mode::Production(Credentials {
            appid: common::sample::APPID.into(),
            secret: "tls-secret-123".into(),
        });
        c.wechat_base = Some(https);
    });
    let (status, body, _) = common::login(&srv.base, "0123456789abcdef");
    assert_eq!(
        (status, body["error"].as_str()),
        (502, Some("wechat_unreachable")),
        "{body}"
    );
    assert!(!body.to_string().contains("tls-secret-123"), "{body}");
    // The transport error (logged, not answered) is a rustls record error.
    let agent = weapp_login_example_server::wechat::agent();
    let err = weapp_login_example_server::wechat::code2session(
        &agent,
        &fake.wechat_base.replacen("http://", "https://", 1),
        common::sample::APPID,
        "tls-secret-123",
        "0123456789abcdef",
    )
    .unwrap_err()
    .to_string()
    .to_ascii_lowercase();
    assert!(
        err.contains("invalidcontenttype"),
        "a rustls record error: {err}"
    );
    assert!(
        !err.contains("scheme") && !err.contains("tls-secret-123"),
        "{err}"
    );
}

#[test]
fn production_mode_refuses_malformed_credentials() {
    for (appid, secret) in [("wxProd", "s"), (" ", " "), ("wx0123456789abcdef", " ")] {
        let rt = tokio::runtime::Runtime::new().unwrap();
        let err = rt.block_on(async {
            let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
            let config = weapp_login_example_server::Config {
                mode: Mode::Production(Credentials {
                    appid: appid.into(),
                    secret: secret.into(),
                }),
                ..Default::default()
            };
            weapp_login_example_server::Server::new(config, listener)
                .await
                .err()
                .expect("refused")
        });
        assert!(err.to_string().contains("WECHAT_"), "{err}");
    }
}
