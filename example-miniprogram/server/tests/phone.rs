//! Issue item 4: /user/phone through getuserphonenumber, with the server's own cached,
//! single-flight access_token (stable_token), renewed before expiry and refreshed once
//! when WeChat rejects it.

mod common;

use common::{login_as, post, post_bearer, start, start_with};
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
        phone(&srv.base, &token, &code),
        (
            400,
            json!({
                "error": "wechat_error",
                "errcode": 40029,
                "message": "the phone code is invalid, expired, already used or another app's: ask the user again",
            })
        ),
        "a phone code is single-use; WeChat answers a reused one 40029, not 40163"
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
        (status, &body["errcode"], &body["retryAfter"]),
        (503, &json!(45009), &json!(3600)),
        "quota: retry later"
    );
    assert!(body.get("errmsg").is_none(), "{body}");

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

fn fail_next(base: &str, api: &str, errcode: i64) {
    let (s, _) = post(
        &format!("{base}/fake-wechat/fail-next"),
        &json!({ "api": api, "errcode": errcode }),
    );
    assert_eq!(s, 200);
}

#[test]
fn an_invalid_access_token_40014_is_refreshed_too() {
    let srv = start();
    let token = login_as(&srv.base, "alice");
    assert_eq!(phone_with_new_code(&srv.base, &token).0, 200);
    fail_next(&srv.base, "phone", 40014);
    let (status, body) = phone_with_new_code(&srv.base, &token);
    assert_eq!(
        status, 200,
        "40014 means a bad token: refresh and retry once: {body}"
    );
    assert_eq!(calls(&srv), (2, 3));
}

#[test]
fn a_force_refresh_elsewhere_invalidates_the_cached_token_and_the_server_recovers() {
    let srv = start();
    let token = login_as(&srv.base, "alice");
    assert_eq!(phone_with_new_code(&srv.base, &token).0, 200);
    // Another holder of the app secret forces a refresh: WeChat invalidates the token
    // this server cached (its next use answers 40001).
    let (s, v) = post(
        &format!("{}/fake-wechat/cgi-bin/stable_token", srv.base),
        &json!({
            "grant_type": "client_credential",
            "appid": weapp_login_example_server::DEFAULT_APPID,
            "secret": weapp_login_example_server::DEFAULT_SECRET,
            "force_refresh": true,
        }),
    );
    assert_eq!(s, 200);
    let forced = v["access_token"].as_str().unwrap().to_owned();
    let (status, body) = phone_with_new_code(&srv.base, &token);
    assert_eq!(
        status, 200,
        "40001, a normal stable_token call, one retry: {body}"
    );
    assert_eq!(
        calls(&srv),
        (3, 3),
        "initial fetch, the forced one, the refetch"
    );
    assert_eq!(phone_with_new_code(&srv.base, &token).0, 200);
    assert_eq!(
        calls(&srv),
        (3, 4),
        "the refetched token is the forced one, cached"
    );
    let (s, v) = post(
        &format!("{}/fake-wechat/cgi-bin/stable_token", srv.base),
        &json!({
            "grant_type": "client_credential",
            "appid": weapp_login_example_server::DEFAULT_APPID,
            "secret": weapp_login_example_server::DEFAULT_SECRET,
        }),
    );
    assert_eq!(
        (s, v["access_token"].as_str()),
        (200, Some(forced.as_str()))
    );
}

#[test]
fn renewing_in_the_last_five_minutes_gets_a_new_token_and_the_old_one_still_works() {
    let srv = start_with(|c| c.access_token_margin_secs = 60);
    let token = login_as(&srv.base, "alice");
    assert_eq!(phone_with_new_code(&srv.base, &token).0, 200);
    // 7200 - 240 s later: 240 s left, inside WeChat's 5-minute renewal window but
    // outside the server's 60 s margin. Another client asks: WeChat renews.
    srv.advance(7200 - 240);
    let body = json!({
        "grant_type": "client_credential",
        "appid": weapp_login_example_server::DEFAULT_APPID,
        "secret": weapp_login_example_server::DEFAULT_SECRET,
    });
    let (_, renewed) = post(
        &format!("{}/fake-wechat/cgi-bin/stable_token", srv.base),
        &body,
    );
    assert_eq!(
        renewed["expires_in"], 7200,
        "a new token, not the old one's last 240 s"
    );
    let token = login_as(&srv.base, "alice");
    assert_eq!(
        phone_with_new_code(&srv.base, &token).0,
        200,
        "the old token is valid to its end"
    );
    assert_eq!(calls(&srv), (2, 2), "the server kept its cached token");
    srv.advance(200); // 40 s left: inside the server's margin
    let token = login_as(&srv.base, "alice");
    assert_eq!(phone_with_new_code(&srv.base, &token).0, 200);
    assert_eq!(
        calls(&srv),
        (3, 3),
        "renewed once, and got the renewed token"
    );
}
