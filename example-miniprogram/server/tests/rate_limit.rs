//! /user/login is rate-limited per client address: 429 + Retry-After (issue 18 item 5:
//! IPv6 clients by /64, `X-Forwarded-For` entries with ports, trusted proxies by CIDR,
//! no silent fallback to the proxy's own address).

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

fn behind_proxy(burst: u32, proxies: &[&str]) -> common::TestServer {
    let nets = proxies.iter().map(|p| p.parse().unwrap()).collect();
    start_with(move |c| {
        c.login_rate = Some(LoginRate {
            per_minute: NonZeroU32::new(1).unwrap(),
            burst: NonZeroU32::new(burst).unwrap(),
        });
        c.trusted_proxies = nets;
    })
}

#[test]
fn ipv6_clients_in_one_64_share_one_bucket() {
    let srv = behind_proxy(20, &["127.0.0.1/32"]);
    let mut statuses = Vec::new();
    for i in 1..=30 {
        let client = format!("2001:db8:abcd:12:{i:x}::1");
        statuses.push(login_from(&srv.base, &wx_login(&srv.base, "alice"), Some(&client)).0);
    }
    assert_eq!(&statuses[..20], &[200; 20]);
    assert_eq!(
        &statuses[20..],
        &[429; 10],
        "30 addresses of one /64: one bucket"
    );
    let other = login_from(
        &srv.base,
        &wx_login(&srv.base, "alice"),
        Some("2001:db8:abcd:13::1"),
    );
    assert_eq!(other.0, 200, "the next /64 is another bucket");
}

#[test]
fn forwarded_entries_with_ports_are_parsed_not_dropped() {
    for trust in ["proxies", "legacy"] {
        let srv = if trust == "legacy" {
            low(1, true)
        } else {
            behind_proxy(1, &["127.0.0.0/8"])
        };
        for client in ["203.0.113.1:40001", "[2001:db8::1]:443", "198.51.100.7:1"] {
            let (s, _, body) = login_from(&srv.base, &wx_login(&srv.base, "alice"), Some(client));
            assert_eq!(
                s, 200,
                "{trust} {client}: its own bucket, not the proxy's: {body}"
            );
        }
        let (s, _, _) = login_from(
            &srv.base,
            &wx_login(&srv.base, "alice"),
            Some("203.0.113.1:5"),
        );
        assert_eq!(s, 429, "{trust}: the same client on another port");
    }
}

#[test]
fn a_trusted_proxy_without_a_usable_header_is_refused_not_bucketed_with_everyone() {
    let srv = behind_proxy(5, &["127.0.0.1/32"]);
    let code = wx_login(&srv.base, "alice");
    for bad in [None, Some("unknown"), Some("203.0.113.1, not-an-ip")] {
        let (s, _, body) = login_from(&srv.base, &code, bad);
        assert_eq!(
            (s, body["error"].as_str()),
            (400, Some("bad_forwarded_for")),
            "{bad:?}: {body}"
        );
        assert!(
            body["message"]
                .as_str()
                .unwrap()
                .contains("X-Forwarded-For"),
            "{body}"
        );
    }
    assert_eq!(
        srv.stats()["code2SessionCalls"],
        0,
        "refused before WeChat: the code is not burnt"
    );
    assert_eq!(login_from(&srv.base, &code, Some("203.0.113.1")).0, 200);
}

#[test]
fn peers_outside_the_trusted_proxies_are_clients_themselves() {
    let srv = behind_proxy(1, &["10.0.0.0/8"]); // the test's 127.0.0.1 is not a proxy
    let (s, _, _) = login_from(
        &srv.base,
        &wx_login(&srv.base, "alice"),
        Some("203.0.113.1"),
    );
    assert_eq!(s, 200);
    let (s, _, _) = login_from(
        &srv.base,
        &wx_login(&srv.base, "alice"),
        Some("203.0.113.2"),
    );
    assert_eq!(s, 429, "a forged header from a non-proxy changes nothing");
}
