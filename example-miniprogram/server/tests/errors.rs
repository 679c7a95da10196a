//! Issue 18 items 7 and 10: every error is JSON `{"error": …}` (404, 405 with `Allow`,
//! OPTIONS, 413), WeChat's errmsg never reaches a client, and 40226 (a high-risk user,
//! login blocked) is its own 403 `login_blocked` that the client must not retry.

mod common;

use common::{login_as, post, start, wx_login};
use serde_json::{json, Value};

fn agent() -> ureq::Agent {
    ureq::Agent::config_builder()
        .http_status_as_error(false)
        .build()
        .into()
}

/// (status, content-type, Allow, JSON body) of `method url` with `body`.
fn call(method: &str, url: &str, body: Option<String>) -> (u16, String, Option<String>, Value) {
    let req = ureq::http::Request::builder()
        .method(method)
        .uri(url)
        .header("content-type", "application/json")
        .body(body.unwrap_or_default())
        .unwrap();
    let mut resp = agent().run(req).unwrap();
    let h = |k: &str| {
        resp.headers()
            .get(k)
            .map(|v| v.to_str().unwrap().to_owned())
    };
    let (ct, allow) = (h("content-type").unwrap_or_default(), h("allow"));
    let text = resp.body_mut().read_to_string().unwrap();
    let v = serde_json::from_str(&text).unwrap_or_else(|_| panic!("not JSON: {text:?}"));
    (resp.status().as_u16(), ct, allow, v)
}

/// Sends only the head of a POST announcing `len` bytes with `Expect: 100-continue`;
/// answers the whole response text.
fn big_post(url: &str, len: usize) -> String {
    use std::io::{Read as _, Write as _};
    let rest = url.strip_prefix("http://").unwrap();
    let (host, path) = rest.split_once('/').unwrap();
    let mut s = std::net::TcpStream::connect(host).unwrap();
    s.set_read_timeout(Some(std::time::Duration::from_secs(10)))
        .unwrap();
    write!(
        s,
        "POST /{path} HTTP/1.1\r\nHost: {host}\r\nContent-Type: application/json\r\n\
         Content-Length: {len}\r\nExpect: 100-continue\r\nConnection: close\r\n\r\n"
    )
    .unwrap();
    let mut out = String::new();
    s.read_to_string(&mut out).unwrap();
    out
}

#[test]
fn framework_errors_are_json_too() {
    let srv = start();
    let base = &srv.base;
    let (s, ct, allow, v) = call("GET", &format!("{base}/user/login"), None);
    assert_eq!(
        (s, v["error"].as_str(), allow.as_deref()),
        (405, Some("method_not_allowed"), Some("POST"))
    );
    assert!(ct.starts_with("application/json"), "{ct}");
    let (s, _, _, v) = call("OPTIONS", &format!("{base}/user/login"), None);
    assert_eq!((s, v["error"].as_str()), (405, Some("method_not_allowed")));
    let (s, _, _, v) = call("DELETE", &format!("{base}/api/profile"), None);
    assert_eq!((s, v["error"].as_str()), (405, Some("method_not_allowed")));
    let (s, _, _, v) = call("GET", &format!("{base}/nope"), None);
    assert_eq!((s, v["error"].as_str()), (404, Some("not_found")));
    // A 3 MB body announced with `Expect: 100-continue` (as curl sends big bodies):
    // the answer comes before the body is sent.
    let head = big_post(&format!("{base}/user/login"), 3 * 1024 * 1024);
    assert!(head.starts_with("HTTP/1.1 413"), "{head}");
    assert!(
        head.to_ascii_lowercase()
            .contains("content-type: application/json"),
        "{head}"
    );
    assert!(head.contains(r#""error":"payload_too_large""#), "{head}");
    // The limit is checked before the rate limiter or WeChat see anything.
    assert_eq!(srv.stats()["code2SessionCalls"], 0);
}

#[test]
fn wechat_errmsg_never_reaches_the_client() {
    let srv = start();
    let secret = weapp_login_example_server::DEFAULT_SECRET;
    let leak = format!("invalid appsecret {secret}, access_token FAKE_ACCESS_TOKEN_x, rid: 1");
    for api in ["code2session", "stable_token"] {
        let (s, _) = post(
            &format!("{}/fake-wechat/fail-next", srv.base),
            &json!({ "api": api, "errcode": 40125, "errmsg": leak }),
        );
        assert_eq!(s, 200);
    }
    let (status, body, raw) = common::login(&srv.base, &wx_login(&srv.base, "alice"));
    assert_eq!(
        (status, body["error"].as_str(), &body["errcode"]),
        (502, Some("code2session_failed"), &json!(40125))
    );
    assert!(
        !raw.contains(secret) && !raw.contains("invalid appsecret"),
        "{raw}"
    );
    let token = login_as(&srv.base, "alice");
    let (status, body) = common::post_bearer(
        &format!("{}/user/phone", srv.base),
        &token,
        &json!({ "code": "0123456789abcdef" }),
    );
    assert_eq!((status, &body["errcode"]), (502, &json!(40125)), "{body}");
    let text = body.to_string();
    assert!(
        !text.contains(secret) && !text.contains("FAKE_ACCESS_TOKEN"),
        "{text}"
    );
}

#[test]
fn a_blocked_user_is_403_login_blocked_not_a_retryable_401() {
    let srv = start();
    post(
        &format!("{}/fake-wechat/fail-next", srv.base),
        &json!({ "api": "code2session", "errcode": 40226 }),
    );
    let (status, body, _) = common::login(&srv.base, &wx_login(&srv.base, "alice"));
    assert_eq!(status, 403, "{body}");
    assert_eq!(body["error"], "login_blocked");
    assert_eq!(body["errcode"], 40226);
    assert!(
        body["message"].as_str().unwrap().contains("do not retry"),
        "{body}"
    );
}
