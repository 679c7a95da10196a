//! Issue 18 item 3: the access_token single-flight shares failures too (a short
//! negative cache), and a caller's wait is bounded (503 `access_token_unavailable` with
//! `Retry-After`). Against a lone fake WeChat on 127.0.0.1 that hangs (a stable_token
//! delay longer than the server's 10 s WeChat timeout) or fails fast (40164, the
//! caller's IP not whitelisted), with one in-process server and with two server
//! processes sharing a real redis-server.

mod common;

use std::process::{Child, Command, Stdio};

use common::redis::RedisServer;
use common::{concurrent_phone_calls, login_via, sample, start_fake, start_prod};
use serde_json::json;

fn stable_calls(fake: &common::FakeServer) -> u64 {
    fake.fake.stats()["stableTokenCalls"].as_u64().unwrap()
}

#[test]
fn one_process_waiters_of_a_hanging_fetch_get_503_retry_after_within_the_deadline() {
    let fake = start_fake();
    fake.fake.set_stable_token_delay_ms(30_000);
    let srv = start_prod(&fake, |c| c.access_token_wait_ms = 1_000);
    let token = login_via(&srv.base, &fake.wechat_base, "alice");
    let answers = concurrent_phone_calls(&[&srv.base], &token, 3);
    for (status, retry, body) in &answers {
        assert_eq!(
            (*status, body["error"].as_str()),
            (503, Some("access_token_unavailable")),
            "{body}"
        );
        assert_eq!(retry.as_deref(), Some("5"), "{body}");
    }
    assert_eq!(
        stable_calls(&fake),
        1,
        "one stable_token call for all waiters"
    );
}

#[test]
fn one_process_failures_are_shared_by_every_waiter_and_cached_briefly() {
    let fake = start_fake();
    fake.fake.set_ip_whitelist(Some(vec![])); // every stable_token call: 40164
    let srv = start_prod(&fake, |_| {});
    let token = login_via(&srv.base, &fake.wechat_base, "alice");
    let answers = concurrent_phone_calls(&[&srv.base], &token, 20);
    for (status, _, body) in &answers {
        assert_eq!(
            (*status, body["error"].as_str(), &body["errcode"]),
            (502, Some("wechat_error"), &json!(40164)),
            "{body}"
        );
        let text = body.to_string();
        assert!(
            !text.contains("invalid ip") && !text.contains("127.0.0.1"),
            "{text}"
        );
    }
    assert_eq!(stable_calls(&fake), 1, "20 callers, one stable_token call");
    // Within the failure window: answered again without calling WeChat.
    assert_eq!(concurrent_phone_calls(&[&srv.base], &token, 2)[0].0, 502);
    assert_eq!(stable_calls(&fake), 1);
    // After it, one new call; once whitelisted, the phone number comes through.
    srv.advance(5);
    fake.fake.set_ip_whitelist(None);
    let code = fake.fake.issue_phone_code("13800138000", "86");
    let (s, v) = common::post_bearer(
        &format!("{}/user/phone", srv.base),
        &token,
        &json!({ "code": code }),
    );
    assert_eq!(
        (s, &v["purePhoneNumber"]),
        (200, &json!("13800138000")),
        "{v}"
    );
    assert_eq!(stable_calls(&fake), 2);
}

/// A production server binary on `redis`, WeChat = `wechat`: (child, base URL).
struct Proc(Child, String);

impl Drop for Proc {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn spawn(wechat: &str, redis: &str) -> Proc {
    let mut child = Command::new(env!("CARGO_BIN_EXE_weapp-login-example-server"))
        .args([
            "--port",
            "0",
            "--wechat-base",
            wechat,
            "--access-token-wait-ms",
            "1000",
        ])
        .env("WECHAT_APPID", sample::APPID)
        .env("WECHAT_SECRET", weapp_login_example_server::DEFAULT_SECRET)
        .env("REDIS_URL", redis)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let v = common::listening_line(&mut child);
    let base = v["listening"].as_str().unwrap().to_owned();
    Proc(child, base)
}

#[test]
fn two_processes_waiting_on_a_hanging_fetch_answer_503_and_call_once() {
    let redis = RedisServer::start();
    let fake = start_fake();
    fake.fake.set_stable_token_delay_ms(30_000);
    let (a, b) = (
        spawn(&fake.wechat_base, &redis.url),
        spawn(&fake.wechat_base, &redis.url),
    );
    let token = login_via(&a.1, &fake.wechat_base, "alice");
    let answers = concurrent_phone_calls(&[&a.1, &b.1], &token, 6);
    for (status, retry, body) in &answers {
        assert_eq!(
            (*status, body["error"].as_str()),
            (503, Some("access_token_unavailable")),
            "{body}"
        );
        assert!(retry.is_some(), "{body}");
    }
    assert_eq!(
        stable_calls(&fake),
        1,
        "the fleet-wide lock: one call for both processes"
    );
}

#[test]
fn two_processes_share_a_fast_failure_through_redis() {
    let redis = RedisServer::start();
    let fake = start_fake();
    fake.fake.set_ip_whitelist(Some(vec![]));
    let (a, b) = (
        spawn(&fake.wechat_base, &redis.url),
        spawn(&fake.wechat_base, &redis.url),
    );
    let token = login_via(&a.1, &fake.wechat_base, "alice");
    let answers = concurrent_phone_calls(&[&a.1, &b.1], &token, 20);
    for (status, _, body) in &answers {
        assert_eq!((*status, &body["errcode"]), (502, &json!(40164)), "{body}");
    }
    assert_eq!(
        stable_calls(&fake),
        1,
        "20 callers on two processes, one call"
    );
}
