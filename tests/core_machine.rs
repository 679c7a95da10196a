//! The login-state machine driven by a fake host on a virtual clock: each test states
//! one behaviour a mini-program developer relies on (pkg/REFERENCE.md) and checks the outcome.

#[path = "core/host.rs"]
mod host;
#[path = "core/sim.rs"]
mod sim;

use host::{drain, log_in, respond, sends};
use sim::{LoginPost, Sim, WxLogin};
use weapp_login::{Channel, Config, Input, LoginAnswer, StoredSession};

const PROFILE: &str = "/api/profile";

fn assert_all_settled(s: &Sim, ids: impl IntoIterator<Item = u64>) {
    for id in ids {
        assert!(s.result(id).is_some(), "request {id} never settled");
    }
    assert_eq!(s.m.pending(), 0, "waiters left behind");
    assert_eq!(s.double_settled, 0, "a waiter settled twice");
}

#[test]
fn five_concurrent_requests_share_one_login() {
    let mut s = Sim::new(None);
    for id in 1..=5 {
        s.request(id, PROFILE);
    }
    s.drive();
    assert_eq!(s.count("wx.login"), 1);
    assert_eq!(s.count("post"), 1);
    assert_eq!(
        s.count("checkSession"),
        0,
        "a fresh code needs no checkSession"
    );
    for id in 1..=5 {
        assert_eq!(s.result(id), Some(Ok(())));
    }
    assert!(s
        .sent
        .iter()
        .all(|(u, t)| u == "https://api.example.com/api/profile"
            && t.as_deref() == Some("tok-code1")));
    assert_eq!(
        s.persisted.as_ref().map(|p| p.token.as_str()),
        Some("tok-code1")
    );
    assert_all_settled(&s, 1..=5);
}

#[test]
fn persisted_token_is_reused_with_one_check_session() {
    let stored = StoredSession {
        token: "old".into(),
        expires_at_ms: None,
    };
    let mut s = Sim::new(Some(stored));
    s.valid_tokens = vec!["old".into()];
    for id in 1..=3 {
        s.request(id, PROFILE);
    }
    s.drive();
    s.request(4, PROFILE);
    s.drive();
    assert_eq!(s.count("wx.login"), 0);
    assert_eq!(s.count("checkSession"), 1);
    assert!(s.sent.iter().all(|(_, t)| t.as_deref() == Some("old")));
    assert_all_settled(&s, 1..=4);
}

#[test]
fn failed_check_session_logs_in_before_sending() {
    let stored = StoredSession {
        token: "old".into(),
        expires_at_ms: None,
    };
    let mut config = sim::config();
    config.await_check_session = true;
    let mut s = Sim::with_config(config, Some(stored));
    s.check_ok = false;
    s.request(1, PROFILE);
    s.drive();
    assert_eq!(s.count("checkSession"), 1);
    assert_eq!(s.count("wx.login"), 1);
    assert_eq!(
        s.sent,
        vec![(
            "https://api.example.com/api/profile".into(),
            Some("tok-code1".into())
        )]
    );
    assert!(s.events.contains(&"session:expired"));
    assert_all_settled(&s, [1]);
}

#[test]
fn expired_stored_token_is_dropped_at_launch() {
    let stored = StoredSession {
        token: "old".into(),
        expires_at_ms: Some(1),
    };
    let mut s = Sim::new(Some(stored));
    assert!(s.persisted.is_some());
    s.request(1, PROFILE);
    s.drive();
    assert_eq!(s.count("checkSession"), 0);
    assert_eq!(s.count("wx.login"), 1);
    assert_eq!(s.result(1), Some(Ok(())));
}

#[test]
fn token_past_expires_in_logs_in_first() {
    let mut s = Sim::new(None);
    s.login_post = LoginPost::Ok {
        expires_in_s: Some(60.0),
    };
    s.request(1, PROFILE);
    s.drive();
    s.advance(61_000);
    s.request(2, PROFILE);
    s.drive();
    assert_eq!(s.count("wx.login"), 2);
    assert_eq!(s.sent.last().unwrap().1.as_deref(), Some("tok-code2"));
    assert_all_settled(&s, [1, 2]);
}

#[test]
fn a_401_renews_silently_and_replays() {
    let mut s = Sim::new(None);
    s.request(1, PROFILE);
    s.drive();
    s.valid_tokens.clear(); // the server expires every session
    for id in 2..=4 {
        s.request(id, PROFILE);
    }
    s.drive();
    assert_eq!(
        s.count("wx.login"),
        2,
        "three 401s together cause one re-login"
    );
    for id in 2..=4 {
        assert_eq!(s.result(id), Some(Ok(())));
    }
    let replays: Vec<_> = s
        .sent
        .iter()
        .filter(|(_, t)| t.as_deref() == Some("tok-code2"))
        .collect();
    assert_eq!(replays.len(), 3);
    assert_all_settled(&s, 1..=4);
}

#[test]
fn body_code_counts_as_auth_failure() {
    let mut s = Sim::new(None);
    s.auth_fail_codes = vec!["10000"]; // the host's authFailCodes give the verdict
    s.auth_fail_body_code = Some("10000");
    s.request(1, PROFILE);
    s.drive();
    s.valid_tokens.clear(); // now answered 200 {return_code: 10000}
    s.request(2, PROFILE);
    s.drive();
    assert_eq!(s.count("wx.login"), 2);
    assert_eq!(s.sent.last().unwrap().1.as_deref(), Some("tok-code2"));
    assert_eq!(s.result(2), Some(Ok(())));

    // Another body code is an ordinary answer.
    let mut s = Sim::with_config(sim::config(), None);
    s.auth_fail_body_code = Some("10000");
    s.request(1, PROFILE);
    s.drive();
    s.valid_tokens.clear();
    s.request(2, PROFILE);
    s.drive();
    assert_eq!(s.count("wx.login"), 1, "10000 is not configured here");
}

#[test]
fn server_401_forever_ends_in_retry_limit() {
    let mut s = Sim::new(None);
    s.login_post = LoginPost::Answer(LoginAnswer {
        status: 200,
        token: Some("never-valid".into()),
        expires_in_s: None,
    });
    s.request(1, PROFILE);
    s.drive();
    assert_eq!(s.result(1), Some(Err("RETRY_LIMIT")));
    assert_eq!(
        s.count("wx.login"),
        4,
        "one login plus retryLimit (3) re-logins"
    );
    assert_eq!(s.count("send"), 4);
    assert_all_settled(&s, [1]);
}

#[test]
fn failed_login_rejects_every_waiter() {
    for (wx, post, code, logins) in [
        (
            WxLogin::Fail("login:fail system error"),
            LoginPost::Hang,
            "WX_LOGIN_FAILED",
            1,
        ),
        (
            WxLogin::Ok,
            LoginPost::Fail("request:fail timeout"),
            "REQUEST_FAILED",
            1,
        ),
        (WxLogin::Hang, LoginPost::Hang, "LOGIN_TIMEOUT", 1),
        (WxLogin::Ok, LoginPost::Hang, "LOGIN_TIMEOUT", 1),
        (
            WxLogin::Ok,
            LoginPost::Answer(LoginAnswer {
                status: 500,
                token: None,
                expires_in_s: None,
            }),
            "LOGIN_REJECTED",
            1,
        ),
        (
            WxLogin::Ok,
            LoginPost::Answer(LoginAnswer {
                status: 200,
                token: None,
                expires_in_s: None,
            }),
            "LOGIN_REJECTED",
            1,
        ),
        (
            WxLogin::Ok,
            LoginPost::Answer(LoginAnswer {
                status: 200,
                token: Some(String::new()),
                expires_in_s: None,
            }),
            "LOGIN_REJECTED",
            1,
        ),
        (
            WxLogin::Ok,
            LoginPost::Answer(LoginAnswer {
                status: 200,
                token: Some("t".into()),
                expires_in_s: Some(-5.0),
            }),
            "LOGIN_REJECTED",
            1,
        ),
        (
            WxLogin::Ok,
            LoginPost::Answer(LoginAnswer {
                status: 200,
                token: Some("t".into()),
                expires_in_s: Some(f64::INFINITY),
            }),
            "LOGIN_REJECTED",
            1,
        ),
    ] {
        let mut s = Sim::new(None);
        s.wx_login = wx;
        s.login_post = post;
        s.input(Input::Login { id: 0 });
        for id in 1..=3 {
            s.request(id, PROFILE);
        }
        s.drive();
        for id in [0, 1, 2, 3] {
            assert_eq!(s.result(id), Some(Err(code)), "{code}");
        }
        assert_eq!(s.count("wx.login"), logins, "{code}");
        assert_eq!(s.count("send"), 0);
        assert!(s.persisted.is_none());
        assert_all_settled(&s, [0, 1, 2, 3]);
    }
}

#[test]
fn late_login_answer_after_timeout_is_ignored() {
    let mut s = Sim::new(None);
    s.latency = 20_000; // longer than loginTimeoutMs (10 s)
    s.request(1, PROFILE);
    s.drive();
    assert_eq!(s.result(1), Some(Err("LOGIN_TIMEOUT")));
    assert!(
        s.persisted.is_none(),
        "the late code must not have produced a session"
    );
    assert_eq!(s.count("post"), 0);
}

#[test]
fn untrusted_origin_gets_no_token_and_causes_no_login() {
    let mut s = Sim::new(None);
    s.request(1, "https://evil.example.org/steal");
    s.request(2, "http://api.example.com/plain-http"); // another scheme: another origin
    s.request_with(3, PROFILE, false, Channel::Request);
    s.drive();
    assert_eq!(s.count("wx.login"), 0);
    assert!(s.sent.iter().all(|(_, t)| t.is_none()));
    assert_all_settled(&s, 1..=3);
}

#[test]
fn never_more_than_ten_in_flight() {
    let mut s = Sim::new(None);
    for id in 1..=25 {
        s.request(id, PROFILE);
    }
    s.drive();
    assert_eq!(s.max_in_flight_seen, 10);
    assert_eq!(s.count("wx.login"), 1);
    assert_all_settled(&s, 1..=25);
}

#[test]
fn logout_mid_login_rejects_waiters_and_ignores_late_answers() {
    let mut s = Sim::new(None);
    s.request(1, PROFILE);
    s.input(Input::Login { id: 2 });
    s.input(Input::Logout);
    assert_eq!(s.result(1), Some(Err("LOGGED_OUT")));
    assert_eq!(s.result(2), Some(Err("LOGGED_OUT")));
    s.drive(); // the wx.login answer arrives late
    assert_eq!(
        s.count("post"),
        0,
        "a login answered after logout goes no further"
    );
    assert!(s.persisted.is_none());
    // A new request after logout logs in afresh.
    s.request(3, PROFILE);
    s.drive();
    assert_eq!(s.result(3), Some(Ok(())));
    assert_eq!(s.count("wx.login"), 2);
}

#[test]
fn logout_while_request_in_flight_never_relogs_with_old_state() {
    let mut s = Sim::new(None);
    s.request(1, PROFILE);
    s.drive();
    s.valid_tokens.clear();
    s.request(2, PROFILE); // sent with tok-code1, will get 401
    s.input(Input::Logout);
    s.drive();
    assert_eq!(s.result(2), Some(Err("LOGGED_OUT")));
    assert_eq!(s.count("wx.login"), 1);
}

#[test]
fn two_failures_of_one_token_cause_one_relogin() {
    let mut config = sim::config();
    config.retry_limit = 1;
    let mut s = Sim::with_config(config, None);
    s.request(1, PROFILE);
    s.drive();
    s.valid_tokens.clear();
    s.latency = 10;
    // Two requests in flight with the same dead token: only one re-login, both succeed
    // even with retryLimit 1.
    s.request(2, PROFILE);
    s.request(3, PROFILE);
    s.drive();
    assert_eq!(s.count("wx.login"), 2);
    assert_eq!(s.result(2), Some(Ok(())));
    assert_eq!(s.result(3), Some(Ok(())));
}

#[test]
fn invalid_urls_are_invalid_options() {
    for (login, base) in [
        ("/user/login", None),
        ("ftp://a.com/l", None),
        ("https://a.com/l", Some("a.com")),
    ] {
        let e = Config::new(login, base, None).unwrap_err();
        assert_eq!(e.code(), "INVALID_OPTIONS");
    }
}

#[test]
fn unknown_and_stale_inputs_are_ignored() {
    let mut s = Sim::new(None);
    s.input(Input::Response {
        id: 77,
        send: 1,
        status: 401,
        host_verdict: false,
    });
    s.input(Input::WxLoginOk {
        attempt: 42,
        code: "x".into(),
    });
    s.input(Input::CheckSessionAnswered {
        check: 1,
        ok: false,
    });
    s.input(Input::RequestFailed {
        id: 5,
        send: 9,
        err_msg: "request:fail".into(),
    });
    s.drive();
    assert_eq!(s.count("wx.login"), 0);
    assert!(s.settled.is_empty());
}

#[test]
fn offline_login_fails_at_once_without_wx_login() {
    let mut s = Sim::new(None);
    s.input(Input::Network { online: false });
    s.request(1, PROFILE);
    s.input(Input::Login { id: 2 });
    s.request_with(3, "/public", false, Channel::Request);
    assert_eq!(
        s.result(1),
        Some(Err("NETWORK_OFFLINE")),
        "settled at once, before any drive"
    );
    assert_eq!(s.result(2), Some(Err("NETWORK_OFFLINE")));
    s.drive();
    assert_eq!(s.count("wx.login"), 0);
    assert_eq!(
        s.result(3),
        Some(Ok(())),
        "a request that needs no login goes out as usual"
    );
    s.input(Input::Network { online: true });
    s.request(4, PROFILE);
    s.drive();
    assert_eq!(s.result(4), Some(Ok(())));
    assert_eq!(s.count("wx.login"), 1);
}

#[test]
fn the_login_post_waits_for_a_free_slot() {
    let mut s = Sim::new(None);
    s.latency = 1_000;
    s.wx_login_latency = Some(5); // the code arrives while all ten slots are taken
    for id in 1..=10 {
        s.request_with(id, "https://cdn.example.org/x", false, Channel::Request);
    }
    s.input(Input::Login { id: 11 }); // starts wx.login at once
    s.request(12, PROFILE);
    s.drive();
    let seen = s.max_in_flight_seen;
    assert_eq!(seen, 10, "the login POST waited for a free slot");
    assert_eq!(s.count("post"), 1);
    assert_eq!(s.result(11), Some(Ok(())));
    assert_eq!(s.result(12), Some(Ok(())));
    assert_all_settled(&s, 1..=12);
}

#[test]
fn the_token_is_renewed_a_margin_before_it_expires() {
    // 600 s lifetime, default margin 60 s: renewed from 540 s on.
    let mut s = Sim::new(None);
    s.login_post = LoginPost::Ok {
        expires_in_s: Some(600.0),
    };
    s.request(1, PROFILE);
    s.drive();
    s.advance(530_000);
    s.request(2, PROFILE);
    s.drive();
    assert_eq!(
        s.count("wx.login"),
        1,
        "at 530 s the token is used as it is"
    );
    s.advance(15_000);
    s.request(3, PROFILE);
    s.drive();
    assert_eq!(s.count("wx.login"), 2, "at 545 s it is renewed first");
    assert_eq!(s.sent.last().unwrap().1.as_deref(), Some("tok-code2"));
    assert_all_settled(&s, 1..=3);
}

#[test]
fn a_short_lived_token_is_used_for_half_its_life() {
    // 30 s lifetime: the 60 s margin would make it useless; it is renewed at 15 s.
    let mut s = Sim::new(None);
    s.login_post = LoginPost::Ok {
        expires_in_s: Some(30.0),
    };
    s.request(1, PROFILE);
    s.drive();
    assert_eq!(s.result(1), Some(Ok(())));
    s.advance(10_000);
    s.request(2, PROFILE);
    s.drive();
    assert_eq!(s.count("wx.login"), 1);
    s.advance(6_000);
    s.request(3, PROFILE);
    s.drive();
    assert_eq!(s.count("wx.login"), 2);
    assert_all_settled(&s, 1..=3);
}

#[test]
fn a_stored_token_inside_the_margin_is_not_reused() {
    let now = 1_700_000_000_000;
    let stored = StoredSession {
        token: "old".into(),
        expires_at_ms: Some(now + 30_000),
    };
    let mut s = Sim::new(Some(stored));
    s.request(1, PROFILE);
    s.drive();
    assert_eq!(s.count("checkSession"), 0);
    assert_eq!(s.count("wx.login"), 1);
    assert_eq!(s.result(1), Some(Ok(())));
}

#[test]
fn failed_logins_back_off_instead_of_storming() {
    let mut s = Sim::new(None);
    s.wx_login = WxLogin::Fail("login:fail system error");
    s.request(1, PROFILE);
    s.drive();
    assert_eq!(s.result(1), Some(Err("WX_LOGIN_FAILED")));
    // At once again: rejected with the last error, nothing sent to wx.
    s.request(2, PROFILE);
    s.input(Input::Login { id: 3 });
    assert_eq!(s.result(2), Some(Err("WX_LOGIN_FAILED")));
    assert_eq!(s.result(3), Some(Err("WX_LOGIN_FAILED")));
    assert_eq!(s.count("wx.login"), 1);
    // After the first backoff (at most 1 s) a login is tried again.
    s.advance(1_000);
    s.wx_login = WxLogin::Ok;
    s.request(4, PROFILE);
    s.drive();
    assert_eq!(s.count("wx.login"), 2);
    assert_eq!(s.result(4), Some(Ok(())));
    // A success resets it: the next failure waits the first step again.
    s.valid_tokens.clear();
    s.wx_login = WxLogin::Fail("login:fail system error");
    s.request(5, PROFILE);
    s.drive();
    assert_eq!(s.result(5), Some(Err("WX_LOGIN_FAILED")));
    assert_eq!(s.count("wx.login"), 3);
    assert_all_settled(&s, 1..=5);
}

#[test]
fn backoff_grows_with_consecutive_failures() {
    let mut s = Sim::new(None);
    s.wx_login = WxLogin::Fail("login:fail");
    for n in 1..=4u64 {
        s.request(10 * n, PROFILE);
        s.drive();
        assert_eq!(
            s.count("wx.login") as u64,
            n,
            "one wx.login per allowed attempt"
        );
        // Half the nominal step is always too soon.
        s.advance(500 * (1 << (n - 1)) - 1);
        s.request(10 * n + 1, PROFILE);
        assert_eq!(s.result(10 * n + 1), Some(Err("WX_LOGIN_FAILED")));
        assert_eq!(s.count("wx.login") as u64, n);
        s.advance(500 * (1 << (n - 1)) + 1);
    }
}

#[test]
fn back_from_a_long_background_the_session_is_checked_again() {
    let stored = StoredSession {
        token: "old".into(),
        expires_at_ms: None,
    };
    let mut config = sim::config();
    config.await_check_session = true;
    let mut s = Sim::with_config(config, Some(stored));
    s.valid_tokens = vec!["old".into()];
    s.request(1, PROFILE);
    s.drive();
    assert_eq!(s.count("checkSession"), 1);
    // A short trip to the background: nothing to re-check.
    s.input(Input::AppHidden);
    s.advance(60_000);
    s.input(Input::AppShown);
    s.request(2, PROFILE);
    s.drive();
    assert_eq!(s.count("checkSession"), 1);
    // Hidden for ten minutes: checked again, and a failed check means a new login.
    s.input(Input::AppHidden);
    s.advance(600_000);
    s.input(Input::AppShown);
    s.check_ok = false;
    s.request(3, PROFILE);
    s.drive();
    assert_eq!(s.count("checkSession"), 2);
    assert_eq!(s.count("wx.login"), 1);
    assert_eq!(s.sent.last().unwrap().1.as_deref(), Some("tok-code1"));
    assert_all_settled(&s, 1..=3);
}

/// A request as the adapter feeds it: `with_token` already decided, 60 s timeout.
fn req(id: u64, with_token: bool) -> Input {
    Input::Request {
        id,
        with_token,
        channel: Channel::Request,
        timeout_ms: 60_000,
    }
}

#[test]
fn a_401_for_an_older_token_replays_at_once_without_a_login_or_a_retry() {
    let mut config = sim::config();
    config.retry_limit = 1;
    let mut m = weapp_login::Machine::new(config, None, 0);
    m.handle(req(1, true), 0);
    m.handle(req(2, true), 0);
    drain(&mut m);
    let first = sends(&log_in(&mut m, 1, "t1", 1));
    assert_eq!(first.len(), 2);
    // Request 1 fails with t1: one re-login gives t2, and 1 is replayed with it.
    let cmds = respond(&mut m, (first[0].0, first[0].1), 401, 2);
    assert!(cmds
        .iter()
        .any(|c| matches!(c, weapp_login::Command::WxLogin { attempt: 2 })));
    let replay = sends(&log_in(&mut m, 2, "t2", 3));
    assert_eq!(replay, vec![(1, replay[0].1, Some(2))]);
    // Request 2's 401 for the old t1 arrives late: replayed at once with t2.
    let cmds = respond(&mut m, (first[1].0, first[1].1), 401, 4);
    assert!(
        !cmds
            .iter()
            .any(|c| matches!(c, weapp_login::Command::WxLogin { .. })),
        "no new login"
    );
    let late = sends(&cmds);
    assert_eq!(late, vec![(2, late[0].1, Some(2))]);
    // It spent nothing: with retryLimit 1 it may still cause one re-login.
    let cmds = respond(&mut m, (2, late[0].1), 401, 5);
    assert!(cmds
        .iter()
        .any(|c| matches!(c, weapp_login::Command::WxLogin { attempt: 3 })));
}

#[test]
fn the_request_that_triggered_a_login_is_replayed_first() {
    let mut m = weapp_login::Machine::new(sim::config(), None, 0);
    m.handle(req(1, true), 0);
    drain(&mut m);
    let sent = sends(&log_in(&mut m, 1, "t1", 1));
    // A 401 starts a re-login; two more requests arrive while it runs.
    respond(&mut m, (sent[0].0, sent[0].1), 401, 2);
    m.handle(req(2, true), 3);
    m.handle(req(3, true), 3);
    drain(&mut m);
    let order: Vec<u64> = sends(&log_in(&mut m, 2, "t2", 4))
        .iter()
        .map(|s| s.0)
        .collect();
    assert_eq!(order, vec![1, 2, 3]);
}

#[test]
fn a_stale_login_post_keeps_its_slot_until_answered() {
    // Found by the property test: after a logout the POST is still on the wire.
    let mut m = weapp_login::Machine::new(sim::config(), None, 0);
    m.handle(Input::Login { id: 1 }, 0);
    drain(&mut m);
    m.handle(
        Input::WxLoginOk {
            attempt: 1,
            code: "c".into(),
        },
        1,
    );
    let cmds = drain(&mut m);
    assert!(cmds
        .iter()
        .any(|c| matches!(c, weapp_login::Command::PostCode { .. })));
    m.handle(Input::Logout, 2);
    drain(&mut m);
    for id in 10..20 {
        m.handle(req(id, false), 3);
    }
    assert_eq!(
        sends(&drain(&mut m)).len(),
        9,
        "one slot is still the POST's"
    );
    let answer = LoginAnswer {
        status: 200,
        token: Some("late".into()),
        expires_in_s: None,
    };
    m.handle(Input::LoginAnswered { attempt: 1, answer }, 4);
    let cmds = drain(&mut m);
    assert_eq!(sends(&cmds).len(), 1, "its answer frees the slot");
    assert!(
        !cmds
            .iter()
            .any(|c| matches!(c, weapp_login::Command::Persist { .. })),
        "and restores nothing"
    );
}
