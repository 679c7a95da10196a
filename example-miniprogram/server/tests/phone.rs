//! Issue item 4: /user/phone through getuserphonenumber, with the server's own cached,
//! single-flight access_token (stable_token), renewed before expiry and refreshed once
//! when WeChat rejects it.

mod common;

use common::{login_as, post, post_bearer, start};
use serde_json::{json, Value};

fn phone_code(base: &str, pure: &str, cc: &str) -> String {
    let (s, v) = post(
        &format!("{base}/fake-wechat/phone-code"),
        &json!({ "purePhoneNumber": pure, "countryCode": cc }),
    );
    assert_eq!(s, 200, "{v}");
    v["code"].as_str().unwrap().to_owned()
}

fn phone(base: &str, token: &str, code: &str) -> (u16, Value) {
    post_bearer(
        &format!("{base}/user/phone"),
        token,
        &json!({ "code": code }),
    )
}

/// `/user/phone` with a fresh code for the sample number (+86 13800138000).
fn phone_with_new_code(base: &str, token: &str) -> (u16, Value) {
    phone(base, token, &phone_code(base, "13800138000", "86"))
}

fn calls(srv: &common::TestServer) -> (u64, u64) {
    let s = srv.stats();
    (
        s["stableTokenCalls"].as_u64().unwrap(),
        s["phoneCalls"].as_u64().unwrap(),
    )
}

#[test]
fn answers_the_phone_number() {
    let srv = start();
    let token = login_as(&srv.base, "alice");
    let (status, body) = phone_with_new_code(&srv.base, &token);
    assert_eq!(
        (status, body),
        (
            200,
            json!({ "phoneNumber": "13800138000", "purePhoneNumber": "13800138000", "countryCode": "86" })
        )
    );
    let (_, body) = phone(&srv.base, &token, &phone_code(&srv.base, "2025550123", "1"));
    assert_eq!(body["phoneNumber"], "+12025550123");
    assert_eq!(calls(&srv), (1, 2), "one access_token for both");
}

#[test]
fn concurrent_callers_with_a_cold_cache_fetch_one_access_token() {
    const N: usize = 16;
    let srv = start();
    let token = login_as(&srv.base, "alice");
    let codes: Vec<String> = (0..N)
        .map(|_| phone_code(&srv.base, "13800138000", "86"))
        .collect();
    let barrier = std::sync::Barrier::new(N);
    let statuses: Vec<u16> = std::thread::scope(|s| {
        let handles: Vec<_> = codes
            .iter()
            .map(|code| {
                let (base, token, barrier) = (&srv.base, &token, &barrier);
                s.spawn(move || {
                    barrier.wait();
                    phone(base, token, code).0
                })
            })
            .collect();
        handles.into_iter().map(|h| h.join().unwrap()).collect()
    });
    assert_eq!(statuses, vec![200; N]);
    assert_eq!(calls(&srv), (1, N as u64), "exactly one stable_token call");
}

#[test]
fn an_expired_access_token_is_refreshed_once_and_the_call_retried() {
    let srv = start();
    let token = login_as(&srv.base, "alice");
    assert_eq!(phone_with_new_code(&srv.base, &token).0, 200);
    assert_eq!(calls(&srv), (1, 1));

    // WeChat expires the token behind the server's back: 42001, refresh, retry.
    let (s, v) = post(
        &format!("{}/fake-wechat/expire-access-tokens", srv.base),
        &json!({}),
    );
    assert_eq!((s, v), (200, json!({ "expired": 1 })));
    assert_eq!(phone_with_new_code(&srv.base, &token).0, 200);
    assert_eq!(calls(&srv), (2, 3), "one refresh, one retried call");

    // A token WeChat no longer knows (40001) is refreshed the same way, but only once:
    // a second rejection is answered, not looped on.
    let fail = |errcode: i64| {
        let (s, _) = post(
            &format!("{}/fake-wechat/fail-next", srv.base),
            &json!({ "api": "phone", "errcode": errcode }),
        );
        assert_eq!(s, 200);
    };
    fail(40001);
    assert_eq!(phone_with_new_code(&srv.base, &token).0, 200);
    assert_eq!(calls(&srv), (3, 5));
    fail(42001);
    fail(42001);
    let (status, body) = phone_with_new_code(&srv.base, &token);
    assert_eq!((status, &body["errcode"]), (502, &json!(42001)), "{body}");
    assert_eq!(calls(&srv), (4, 7), "one refresh and one retry, no more");
}

#[test]
fn the_access_token_is_renewed_before_it_expires() {
    let srv = start(); // margin 300 s of a 7200 s token
    let token = login_as(&srv.base, "alice");
    assert_eq!(phone_with_new_code(&srv.base, &token).0, 200);
    srv.advance(7200 - 300 - 1);
    let token = login_as(&srv.base, "alice");
    assert_eq!(phone_with_new_code(&srv.base, &token).0, 200);
    assert_eq!(calls(&srv).0, 1, "still fresh");
    srv.advance(1);
    assert_eq!(phone_with_new_code(&srv.base, &token).0, 200);
    assert_eq!(
        calls(&srv),
        (2, 3),
        "renewed inside the margin, without a rejected call"
    );
}

#[test]
fn wechat_errors_are_mapped() {
    let srv = start();
    let token = login_as(&srv.base, "alice");
    let (status, body) = phone(&srv.base, &token, "0123456789abcdef");
    assert_eq!(
        (status, &body["error"], &body["errcode"]),
        (400, &json!("wechat_error"), &json!(40029)),
        "{body}"
    );
    let code = phone_code(&srv.base, "13800138000", "86");
    assert_eq!(phone(&srv.base, &token, &code).0, 200);
    assert_eq!(
        phone(&srv.base, &token, &code).1["errcode"],
        40163,
        "a phone code is single-use"
    );

    post(
        &format!("{}/fake-wechat/expire-access-tokens", srv.base),
        &json!({}),
    );
    post(
        &format!("{}/fake-wechat/fail-next", srv.base),
        &json!({ "api": "stable_token", "errcode": 45009 }),
    );
    let (status, body) = phone_with_new_code(&srv.base, &token);
    assert_eq!(
        (status, &body["errcode"]),
        (503, &json!(45009)),
        "quota: retry later"
    );
    assert!(body["errmsg"]
        .as_str()
        .unwrap()
        .starts_with("reach max api daily quota limit"));

    let (status, body) = post_bearer(
        &format!("{}/user/phone", srv.base),
        &token,
        &json!({ "code": 5 }),
    );
    assert_eq!((status, body["error"].as_str()), (400, Some("bad_request")));
    let text = body.to_string();
    assert!(
        !text.contains("FAKE_ACCESS_TOKEN"),
        "the access_token never reaches a client"
    );
}
