//! Issue item 6: /user/login is rate-limited per client address: 429 + Retry-After.

mod common;

use std::num::NonZeroU32;

use common::{login_as, start, start_with, wx_login};
use serde_json::{json, Value};
use weapp_login_example_server::rate_limit::LoginRate;

fn low(burst: u32, trust: bool) -> common::TestServer {
    start_with(|c| {
        c.login_rate = Some(LoginRate {
            per_minute: NonZeroU32::new(1).unwrap(),
            burst: NonZeroU32::new(burst).unwrap(),
        });
        c.trust_forwarded_for = trust;
    })
}

/// POST /user/login with `code` and an optional X-Forwarded-For: (status, Retry-After, body).
fn login_from(base: &str, code: &str, forwarded: Option<&str>) -> (u16, Option<String>, Value) {
    let agent: ureq::Agent = ureq::Agent::config_builder()
        .http_status_as_error(false)
        .build()
        .into();
    let mut req = agent
        .post(format!("{base}/user/login"))
        .header("content-type", "application/json");
    if let Some(f) = forwarded {
        req = req.header("x-forwarded-for", f);
    }
    let mut resp = req.send(json!({ "code": code }).to_string()).unwrap();
    let retry = resp
        .headers()
        .get("retry-after")
        .map(|v| v.to_str().unwrap().to_owned());
    let body = serde_json::from_str(&resp.body_mut().read_to_string().unwrap()).unwrap();
    (resp.status().as_u16(), retry, body)
}

#[test]
fn over_the_limit_is_429_with_retry_after() {
    let srv = low(3, false);
    for _ in 0..3 {
        login_as(&srv.base, "alice");
    }
    let code = wx_login(&srv.base, "alice");
    let before = srv.stats()["code2SessionCalls"].clone();
    let (status, retry, body) = login_from(&srv.base, &code, None);
    assert_eq!(status, 429, "{body}");
    assert_eq!(body["error"], "rate_limited");
    let secs: u64 = retry.expect("Retry-After").parse().unwrap();
    assert!((1..=60).contains(&secs), "{secs}");
    assert_eq!(body["retryAfter"], secs);
    assert_eq!(
        srv.stats()["code2SessionCalls"],
        before,
        "WeChat not called: the code is not burnt"
    );
    // Other routes are not limited.
    assert_eq!(
        common::get(&format!("{}/api/profile", srv.base), None).0,
        401
    );
}

#[test]
fn forwarded_addresses_count_only_when_trusted() {
    let trusting = low(1, true);
    let code = |s: &common::TestServer| wx_login(&s.base, "alice");
    assert_eq!(
        login_from(&trusting.base, &code(&trusting), Some("203.0.113.1")).0,
        200
    );
    assert_eq!(
        login_from(&trusting.base, &code(&trusting), Some("203.0.113.1")).0,
        429
    );
    assert_eq!(
        login_from(
            &trusting.base,
            &code(&trusting),
            Some("203.0.113.9, 203.0.113.2")
        )
        .0,
        200
    );

    let plain = low(1, false);
    assert_eq!(
        login_from(&plain.base, &code(&plain), Some("203.0.113.1")).0,
        200
    );
    assert_eq!(
        login_from(&plain.base, &code(&plain), Some("203.0.113.2")).0,
        429,
        "a forged header changes nothing"
    );
}

#[test]
fn the_default_limit_leaves_room_for_demo_flows() {
    let srv = start();
    for i in 0..15 {
        login_as(&srv.base, &format!("user{i}"));
    }
}
