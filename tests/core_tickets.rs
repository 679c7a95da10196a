//! Interceptor tickets (authorize/check), abort, channels and send deadlines
//! (issue 10 items 1 and 4, issue 8 items 6 and 12).

#[path = "core/host.rs"]
mod host;

use host::*;
use weapp_login::{Channel, Command, Input, LoginAnswer, LoginError, Machine};

fn tokenless(id: u64, channel: Channel, timeout_ms: u64) -> Input {
    Input::Request {
        id,
        with_token: false,
        channel,
        timeout_ms,
    }
}

fn check(id: u64, generation: u64, relogins: u32, status: u16) -> Input {
    Input::Check {
        id,
        generation,
        relogins,
        status,
        host_verdict: false,
    }
}

fn verdict(id: u64, replay: bool, relogins: u32) -> Command {
    Command::Verdict {
        id,
        replay,
        relogins,
    }
}

/// A machine logged in with token "t1" (generation 1), nothing pending.
fn logged_in() -> Machine {
    let mut m = Machine::new(config(), None, 0);
    feed(&mut m, Input::Authorize { id: 1, relogins: 0 }, 0);
    let cmds = log_in(&mut m, 1, "t1", 1);
    assert!(cmds.contains(&Command::Authorized {
        id: 1,
        generation: 1,
        relogins: 0
    }));
    m
}

#[test]
fn authorize_shares_the_one_login_with_requests() {
    let mut m = Machine::new(config(), None, 0);
    let mut logins = 0;
    for input in [
        req(1),
        Input::Authorize { id: 2, relogins: 0 },
        Input::Authorize { id: 3, relogins: 2 },
    ] {
        logins += usize::from(wx_login(&feed(&mut m, input, 0)).is_some());
    }
    assert_eq!(logins, 1);
    let cmds = log_in(&mut m, 1, "t1", 1);
    assert_eq!(sends(&cmds), vec![(1, 1, Some(1))]);
    assert!(cmds.contains(&Command::Authorized {
        id: 2,
        generation: 1,
        relogins: 0
    }));
    assert!(cmds.contains(&Command::Authorized {
        id: 3,
        generation: 1,
        relogins: 2
    }));
}

#[test]
fn a_check_that_is_no_auth_failure_settles_at_once() {
    let mut m = logged_in();
    assert_eq!(
        feed(&mut m, check(2, 1, 1, 200), 2),
        vec![verdict(2, false, 1)]
    );
    assert_eq!(
        feed(&mut m, check(3, 1, 0, 500), 2),
        vec![verdict(3, false, 0)]
    );
    assert_eq!(m.pending(), 0);
}

#[test]
fn concurrent_401_tickets_cause_one_renewal_and_replay_each_once() {
    let mut m = logged_in();
    let mut logins = Vec::new();
    for id in 2..=101 {
        logins.extend(wx_login(&feed(&mut m, check(id, 1, 0, 401), 2)));
    }
    assert_eq!(logins, vec![2], "one renewal for 100 auth failures");
    let cmds = log_in(&mut m, 2, "t2", 3);
    for id in 2..=101 {
        assert!(cmds.contains(&verdict(id, true, 1)), "ticket {id}");
    }
    assert_eq!(m.pending(), 0);
}

#[test]
fn the_host_verdict_counts_as_an_auth_failure() {
    let mut m = logged_in();
    let body_code = Input::Check {
        id: 2,
        generation: 1,
        relogins: 0,
        status: 200,
        host_verdict: true,
    };
    assert_eq!(wx_login(&feed(&mut m, body_code, 2)), Some(2));
}

#[test]
fn a_stale_401_ticket_replays_without_a_login_or_a_retry() {
    let mut m = logged_in();
    feed(&mut m, check(2, 1, 0, 401), 2);
    assert!(log_in(&mut m, 2, "t2", 3).contains(&verdict(2, true, 1)));
    // Another ticket that carried t1 answers 401 late: t2 already exists.
    assert_eq!(
        feed(&mut m, check(3, 1, 0, 401), 4)
            .iter()
            .filter(|c| matches!(c, Command::Verdict { .. }))
            .count(),
        1
    );
    let cmds = feed(&mut m, check(4, 1, 3, 401), 4);
    assert!(
        cmds.contains(&verdict(4, true, 3)),
        "nothing spent, even at the limit"
    );
    assert_eq!(wx_login(&cmds), None);
}

#[test]
fn the_retry_limit_holds_per_logical_request() {
    let mut m = logged_in();
    let cmds = feed(&mut m, check(2, 1, 3, 401), 2);
    assert_eq!(rejected(&cmds, 2), Some("RETRY_LIMIT"));
    assert_eq!(wx_login(&cmds), None);
}

#[test]
fn logout_rejects_waiting_tickets_and_old_401s() {
    let mut m = logged_in();
    feed(&mut m, check(2, 1, 0, 401), 2); // waits for the renewal
    feed(&mut m, Input::Authorize { id: 3, relogins: 0 }, 2); // waits for it too
    let cmds = feed(&mut m, Input::Logout, 3);
    assert_eq!(rejected(&cmds, 2), Some("LOGGED_OUT"));
    assert_eq!(rejected(&cmds, 3), Some("LOGGED_OUT"));
    let cmds = feed(&mut m, check(4, 1, 0, 401), 4);
    assert_eq!(
        rejected(&cmds, 4),
        Some("LOGGED_OUT"),
        "never a login with the old state"
    );
    assert_eq!(wx_login(&cmds), None);
}

#[test]
fn a_failed_login_rejects_waiting_tickets() {
    let mut m = logged_in();
    feed(&mut m, check(2, 1, 0, 401), 2);
    feed(&mut m, Input::Authorize { id: 3, relogins: 1 }, 2);
    let cmds = feed(
        &mut m,
        Input::WxLoginFailed {
            attempt: 2,
            err_msg: "login:fail".into(),
        },
        3,
    );
    assert_eq!(rejected(&cmds, 2), Some("WX_LOGIN_FAILED"));
    assert_eq!(rejected(&cmds, 3), Some("WX_LOGIN_FAILED"));
}

#[test]
fn aborting_a_waiting_request_leaves_the_login_to_the_others() {
    let mut m = Machine::new(config(), None, 0);
    let attempt = wx_login(&feed(&mut m, req(1), 0)).unwrap();
    feed(&mut m, req(2), 0);
    let cmds = feed(&mut m, Input::Abort { id: 1 }, 1);
    assert_eq!(
        cmds,
        vec![Command::Reject {
            id: 1,
            error: LoginError::Aborted
        }]
    );
    assert!(m.login_in_flight());
    assert_eq!(
        sends(&log_in(&mut m, attempt, "t1", 2)),
        vec![(2, 1, Some(1))]
    );
    assert!(
        feed(&mut m, Input::Abort { id: 1 }, 3).is_empty(),
        "settled once"
    );
    assert!(
        feed(&mut m, Input::Abort { id: 99 }, 3).is_empty(),
        "unknown id"
    );
}

#[test]
fn aborting_a_request_on_the_wire_frees_its_slot_and_ignores_its_answer() {
    let mut m = Machine::new(config(), None, 0);
    for id in 1..=11 {
        feed(&mut m, tokenless(id, Channel::Request, 60_000), 0);
    }
    let cmds = feed(&mut m, Input::Abort { id: 3 }, 1);
    assert_eq!(
        cmds[0],
        Command::AbortSend {
            id: 3,
            send: 3,
            channel: Channel::Request
        }
    );
    assert_eq!(rejected(&cmds, 3), Some("ABORTED"));
    assert_eq!(
        sends(&cmds),
        vec![(11, 11, None)],
        "its slot went to the next"
    );
    assert!(respond(&mut m, (3, 3), 200, 2).is_empty());
}

#[test]
fn each_channel_has_its_own_ten_slots() {
    let mut m = Machine::new(config(), None, 0);
    let mut sent = [0; 3];
    let mut id = 0;
    for (i, channel) in [Channel::Request, Channel::Upload, Channel::Download]
        .into_iter()
        .enumerate()
    {
        for _ in 0..12 {
            id += 1;
            sent[i] += sends(&feed(&mut m, tokenless(id, channel, 60_000), 0)).len();
        }
    }
    assert_eq!(sent, [10, 10, 10]);
}

#[test]
fn the_login_post_counts_on_the_request_pool_only() {
    let mut m = Machine::new(config(), None, 0);
    for id in 1..=10 {
        feed(&mut m, tokenless(id, Channel::Upload, 60_000), 0);
    }
    feed(&mut m, req_on(11, Channel::Download, 60_000), 0);
    let cmds = feed(
        &mut m,
        Input::WxLoginOk {
            attempt: 1,
            code: "c".into(),
        },
        1,
    );
    assert!(cmds.iter().any(|c| matches!(c, Command::PostCode { .. })));
}

#[test]
fn an_unanswered_request_fails_after_its_timeout_and_margin() {
    let mut m = Machine::new(config(), None, 0);
    for id in 1..=10 {
        feed(&mut m, tokenless(id, Channel::Request, 1_000 * id), 0);
    }
    feed(&mut m, tokenless(11, Channel::Request, 60_000), 0);
    assert_eq!(
        m.poll_timeout(),
        Some(6_000),
        "the earliest: 1000 + 5000 margin"
    );
    assert!(tick(&mut m, 5_999).is_empty());
    let cmds = tick(&mut m, 6_000);
    let err_msg = "request:fail timeout: no answer within 6000 ms".to_string();
    assert!(cmds.contains(&Command::Reject {
        id: 1,
        error: LoginError::RequestFailed { err_msg }
    }));
    assert_eq!(sends(&cmds), vec![(11, 11, None)], "its slot is free again");
    assert!(
        respond(&mut m, (1, 1), 200, 6_001).is_empty(),
        "a late answer is ignored"
    );
    assert!(resolved(&respond(&mut m, (2, 2), 200, 6_002), 2));
    assert_eq!(
        m.poll_timeout(),
        Some(8_000),
        "answered sends leave the heap"
    );
}

#[test]
fn lost_callbacks_no_longer_block_the_queue_forever() {
    let mut m = Machine::new(config(), None, 0);
    for id in 1..=25 {
        feed(&mut m, tokenless(id, Channel::Download, 60_000), 0);
    }
    let cmds = tick(&mut m, 65_000);
    assert_eq!(sends(&cmds).len(), 10);
    assert_eq!(
        cmds.iter()
            .filter(|c| matches!(c, Command::Reject { .. }))
            .count(),
        10
    );
}

#[test]
fn a_rejected_login_names_its_attempt_and_a_stale_answer_yields_nothing() {
    // Issue 8 item 12: attempt 1 times out; attempt 2 is answered 500; attempt 1's late
    // 200 must not reach anyone, and the backoff repeats attempt 2's rejection.
    let mut c = config();
    c.login_backoff_ms = 0; // attempt 2 right after attempt 1's timeout
    let mut m2 = Machine::new(c, None, 0);
    feed(&mut m2, req(1), 0);
    feed(
        &mut m2,
        Input::WxLoginOk {
            attempt: 1,
            code: "c1".into(),
        },
        1,
    );
    assert_eq!(rejected(&tick(&mut m2, 10_000), 1), Some("LOGIN_TIMEOUT"));
    assert_eq!(wx_login(&feed(&mut m2, req(2), 10_001)), Some(2));
    feed(
        &mut m2,
        Input::WxLoginOk {
            attempt: 2,
            code: "c2".into(),
        },
        10_002,
    );
    let answer = LoginAnswer {
        status: 500,
        token: None,
        expires_in_s: None,
    };
    let cmds = feed(&mut m2, Input::LoginAnswered { attempt: 2, answer }, 10_003);
    let code = cmds.iter().find_map(|c| match c {
        Command::Reject {
            id: 2,
            error: LoginError::LoginRejected {
                attempt, status, ..
            },
        } => Some((*attempt, *status)),
        _ => None,
    });
    assert_eq!(code, Some((2, 500)));
    let late = LoginAnswer {
        status: 200,
        token: Some("late".into()),
        expires_in_s: None,
    };
    assert!(feed(
        &mut m2,
        Input::LoginAnswered {
            attempt: 1,
            answer: late
        },
        10_004
    )
    .is_empty());
    // With backoff: a request during it repeats the rejection, with its attempt.
    let answer = LoginAnswer {
        status: 502,
        token: None,
        expires_in_s: None,
    };
    let mut m3 = Machine::new(config(), None, 0);
    feed(&mut m3, req(1), 0);
    feed(
        &mut m3,
        Input::WxLoginOk {
            attempt: 1,
            code: "c1".into(),
        },
        1,
    );
    feed(&mut m3, Input::LoginAnswered { attempt: 1, answer }, 2);
    let cmds = feed(&mut m3, req(2), 3);
    assert!(
        matches!(
            &cmds[..],
            [Command::Reject {
                id: 2,
                error: LoginError::LoginRejected {
                    attempt: 1,
                    status: 502,
                    ..
                }
            }]
        ),
        "{cmds:?}"
    );
}

#[test]
fn ids_must_increase() {
    let mut m = Machine::new(config(), None, 0);
    feed(&mut m, tokenless(5, Channel::Request, 1), 0);
    for bad in [5, 4] {
        assert_eq!(
            rejected(&feed(&mut m, Input::Login { id: bad }, 0), bad),
            Some("INVALID_OPTIONS")
        );
    }
    assert_eq!(m.pending(), 1);
    assert_eq!(
        rejected(
            &feed(&mut m, Input::Login { id: 6 + 65_537 }, 0),
            6 + 65_537
        ),
        Some("INVALID_OPTIONS")
    );
    assert!(feed(&mut m, Input::Login { id: 6 + 65_536 }, 0)
        .iter()
        .all(|c| !matches!(c, Command::Reject { .. })));
}

#[test]
fn a_login_post_that_never_answers_gives_its_slot_back() {
    let mut m = Machine::new(config(), None, 0);
    feed(&mut m, Input::Login { id: 1 }, 0);
    feed(
        &mut m,
        Input::WxLoginOk {
            attempt: 1,
            code: "c".into(),
        },
        1,
    );
    for id in 2..=11 {
        feed(&mut m, tokenless(id, Channel::Request, 600_000), 2);
    }
    assert_eq!(rejected(&tick(&mut m, 10_000), 1), Some("LOGIN_TIMEOUT"));
    assert_eq!(
        m.poll_timeout(),
        Some(15_001),
        "loginTimeoutMs + margin after the POST"
    );
    assert_eq!(sends(&tick(&mut m, 15_001)), vec![(11, 10, None)]);
}

#[test]
fn an_aborted_ticket_rejects_aborted_and_the_login_goes_on() {
    let mut m = Machine::new(config(), None, 0);
    feed(&mut m, Input::Authorize { id: 1, relogins: 0 }, 0);
    feed(&mut m, Input::Authorize { id: 2, relogins: 0 }, 0);
    assert_eq!(
        rejected(&feed(&mut m, Input::Abort { id: 1 }, 1), 1),
        Some("ABORTED")
    );
    let cmds = log_in(&mut m, 1, "t1", 2);
    assert!(cmds.contains(&Command::Authorized {
        id: 2,
        generation: 1,
        relogins: 0
    }));
    assert!(!cmds
        .iter()
        .any(|c| matches!(c, Command::Authorized { id: 1, .. })));
}

#[test]
fn aborted_waiters_alone_start_no_login() {
    let mut c = config();
    c.network_wait_ms = 3_000;
    let mut m = Machine::new(c, None, 0);
    feed(&mut m, req(1), 0);
    feed(&mut m, Input::Login { id: 2 }, 0);
    feed(&mut m, Input::Abort { id: 1 }, 1);
    feed(&mut m, Input::Abort { id: 2 }, 1);
    let cmds = feed(&mut m, Input::Network { online: true }, 2);
    assert_eq!(
        wx_login(&cmds),
        None,
        "no one is left to log in for: {cmds:?}"
    );
}
