//! Launch: a restored token and its checkSession (in parallel or awaited, with a
//! deadline), the wait for the first network answer, requests adopted from before the
//! machine existed (issue 8 items 5 and 7, issue 9 item 3).

#[path = "core/host.rs"]
mod host;

use host::*;
use weapp_login::{Channel, Command, Event, Input, Machine};

fn has_event(cmds: &[Command], e: Event) -> bool {
    cmds.iter().any(|c| *c == Command::Event(e.clone()))
}

#[test]
fn a_restored_token_is_sent_at_once_and_checked_in_parallel() {
    let mut m = Machine::new(config(), stored("old"), 0);
    assert_eq!(m.token(), Some(("old", 1)));
    let cmds = feed(&mut m, req(1), 0);
    assert_eq!(sends(&cmds), vec![(1, 1, Some(1))]);
    assert_eq!(check_session(&cmds), Some(1));
    let cmds = feed(&mut m, req(2), 1);
    assert_eq!(sends(&cmds), vec![(2, 2, Some(1))]);
    assert_eq!(check_session(&cmds), None, "one check per launch");
    feed(
        &mut m,
        Input::CheckSessionAnswered { check: 1, ok: true },
        2,
    );
    assert_eq!(check_session(&feed(&mut m, req(3), 3)), None);
}

#[test]
fn login_waits_for_the_parallel_check_while_requests_do_not() {
    let mut m = Machine::new(config(), stored("old"), 0);
    let cmds = feed(&mut m, Input::Login { id: 1 }, 0);
    assert_eq!(check_session(&cmds), Some(1), "login() starts the check");
    assert!(!resolved(&cmds, 1));
    let cmds = feed(&mut m, Input::Authorize { id: 2, relogins: 0 }, 0);
    assert!(cmds.is_empty(), "authorize() waits for it too: {cmds:?}");
    assert_eq!(sends(&feed(&mut m, req(3), 1)), vec![(3, 1, Some(1))]);
    let cmds = feed(
        &mut m,
        Input::CheckSessionAnswered { check: 1, ok: true },
        2,
    );
    assert!(resolved(&cmds, 1));
    assert!(cmds.contains(&Command::Authorized {
        id: 2,
        generation: 1,
        relogins: 0
    }));
}

#[test]
fn a_failed_parallel_check_drops_the_session_and_the_next_request_logs_in() {
    let mut m = Machine::new(config(), stored("old"), 0);
    let first = sends(&feed(&mut m, req(1), 0));
    let cmds = feed(
        &mut m,
        Input::CheckSessionAnswered {
            check: 1,
            ok: false,
        },
        1,
    );
    assert!(cmds.contains(&Command::ClearStorage));
    assert!(has_event(&cmds, Event::SessionExpired));
    assert_eq!(m.token(), None);
    let attempt = wx_login(&feed(&mut m, req(2), 2)).expect("a login");
    // Request 1, on the wire with the old token, meets a 401: it joins that login.
    let cmds = respond(&mut m, (1, first[0].1), 401, 3);
    assert_eq!(wx_login(&cmds), None, "still one login");
    let replayed: Vec<_> = sends(&log_in(&mut m, attempt, "new", 4))
        .iter()
        .map(|s| (s.0, s.2))
        .collect();
    assert_eq!(replayed, vec![(1, Some(2)), (2, Some(2))]);
}

#[test]
fn with_await_check_session_requests_wait_for_the_check() {
    let mut c = config();
    c.await_check_session = true;
    let mut m = Machine::new(c, stored("old"), 0);
    let cmds = feed(&mut m, req(1), 0);
    assert!(sends(&cmds).is_empty());
    assert_eq!(check_session(&cmds), Some(1));
    let cmds = feed(
        &mut m,
        Input::CheckSessionAnswered { check: 1, ok: true },
        1,
    );
    assert_eq!(sends(&cmds), vec![(1, 1, Some(1))]);
}

#[test]
fn an_unanswered_check_session_fails_at_its_deadline_and_its_late_answer_is_ignored() {
    for awaited in [true, false] {
        let mut c = config();
        c.await_check_session = awaited;
        let mut m = Machine::new(c, stored("old"), 0);
        // A login() waits for the check in both modes.
        assert_eq!(
            check_session(&feed(&mut m, Input::Login { id: 1 }, 0)),
            Some(1)
        );
        assert_eq!(m.poll_timeout(), Some(5_000), "check_session_timeout_ms");
        assert!(tick(&mut m, 4_999).is_empty());
        let cmds = tick(&mut m, 5_000);
        assert!(has_event(&cmds, Event::SessionExpired));
        let attempt = wx_login(&cmds).expect("counted as failed: a login follows");
        assert!(feed(
            &mut m,
            Input::CheckSessionAnswered { check: 1, ok: true },
            5_001
        )
        .is_empty());
        assert!(resolved(&log_in(&mut m, attempt, "new", 5_002), 1));
    }
}

#[test]
fn back_from_a_long_background_the_token_is_checked_again_in_parallel() {
    let mut m = Machine::new(config(), stored("old"), 0);
    assert_eq!(check_session(&feed(&mut m, req(1), 0)), Some(1));
    feed(
        &mut m,
        Input::CheckSessionAnswered { check: 1, ok: true },
        1,
    );
    feed(&mut m, Input::AppHidden, 10);
    feed(&mut m, Input::AppShown, 10 + 600_000);
    let cmds = feed(&mut m, req(2), 600_020);
    assert_eq!(sends(&cmds), vec![(2, 2, Some(1))], "not held back");
    assert_eq!(check_session(&cmds), Some(2));
}

fn waiting_config() -> weapp_login::Config {
    let mut c = config();
    c.network_wait_ms = 3_000;
    c
}

#[test]
fn a_login_waits_for_the_first_network_answer_at_launch() {
    let mut m = Machine::new(waiting_config(), None, 0);
    assert_eq!(wx_login(&feed(&mut m, req(1), 0)), None);
    assert_eq!(m.poll_timeout(), Some(3_000));
    let cmds = feed(&mut m, Input::Network { online: true }, 100);
    assert!(wx_login(&cmds).is_some());
}

#[test]
fn offline_at_launch_rejects_without_a_login_and_spends_no_retry() {
    let mut m = Machine::new(waiting_config(), None, 0);
    feed(&mut m, Input::Login { id: 1 }, 0);
    feed(&mut m, req(2), 0);
    let cmds = feed(&mut m, Input::Network { online: false }, 100);
    assert_eq!(rejected(&cmds, 1), Some("NETWORK_OFFLINE"));
    assert_eq!(rejected(&cmds, 2), Some("NETWORK_OFFLINE"));
    assert_eq!(wx_login(&cmds), None);
    feed(&mut m, Input::Network { online: true }, 200);
    assert!(
        wx_login(&feed(&mut m, req(3), 201)).is_some(),
        "no backoff to wait out"
    );
}

#[test]
fn no_network_answer_within_the_wait_logs_in_as_online() {
    let mut m = Machine::new(waiting_config(), None, 0);
    feed(&mut m, req(1), 0);
    assert!(tick(&mut m, 2_999).is_empty());
    assert!(wx_login(&tick(&mut m, 3_000)).is_some());
}

#[test]
fn back_online_clears_the_login_backoff() {
    let mut m = Machine::new(config(), None, 0);
    let attempt = wx_login(&feed(&mut m, req(1), 0)).unwrap();
    let err_msg = "login:fail network".to_string();
    feed(&mut m, Input::WxLoginFailed { attempt, err_msg }, 1);
    assert_eq!(
        rejected(&feed(&mut m, req(2), 2), 2),
        Some("WX_LOGIN_FAILED"),
        "backing off"
    );
    feed(&mut m, Input::Network { online: false }, 3);
    feed(&mut m, Input::Network { online: true }, 4);
    assert!(wx_login(&feed(&mut m, req(3), 5)).is_some());
}

#[test]
fn an_adopted_send_holds_a_slot_and_renews_on_a_401() {
    let mut m = Machine::new(config(), stored("old"), 0);
    let adopt = Input::Adopt {
        id: 1,
        channel: Channel::Request,
        timeout_ms: 60_000,
    };
    assert_eq!(
        check_session(&feed(&mut m, adopt, 0)),
        Some(1),
        "a use of the restored token"
    );
    let mut sent = 0;
    for id in 2..=11 {
        sent += sends(&feed(&mut m, req(id), 1)).len();
    }
    assert_eq!(sent, 9, "the adopted send holds one of the ten slots");
    let cmds = respond(&mut m, (1, 0), 401, 2);
    assert!(
        cmds.contains(&Command::ClearStorage),
        "its token's session is dropped"
    );
    let attempt = wx_login(&cmds).expect("a renewal");
    let replayed = sends(&log_in(&mut m, attempt, "new", 3));
    assert_eq!(
        replayed,
        vec![(1, 10, Some(2))],
        "first in the one free slot"
    );
    assert_eq!(
        sends(&respond(&mut m, (2, 1), 200, 4)),
        vec![(11, 11, Some(2))]
    );
}

#[test]
fn an_adopted_send_without_a_restored_session_is_replayed_after_a_login() {
    let mut m = Machine::new(config(), None, 0);
    let adopt = |id| Input::Adopt {
        id,
        channel: Channel::Upload,
        timeout_ms: 60_000,
    };
    assert!(feed(&mut m, adopt(1), 0).is_empty());
    assert!(feed(&mut m, adopt(2), 0).is_empty());
    assert!(resolved(&respond(&mut m, (2, 0), 200, 1), 2));
    let attempt = wx_login(&respond(&mut m, (1, 0), 401, 1)).unwrap();
    let cmds = log_in(&mut m, attempt, "t", 2);
    assert!(cmds.contains(&Command::Send {
        id: 1,
        send: 1,
        generation: Some(1),
        channel: Channel::Upload
    }));
    assert!(resolved(&respond(&mut m, (1, 1), 200, 3), 1));
    assert_eq!(m.pending(), 0);
}

#[test]
fn logout_rejects_an_adopted_send_that_meets_a_401() {
    let mut m = Machine::new(config(), stored("old"), 0);
    feed(
        &mut m,
        Input::Adopt {
            id: 1,
            channel: Channel::Request,
            timeout_ms: 60_000,
        },
        0,
    );
    feed(&mut m, Input::Logout, 1);
    assert_eq!(
        rejected(&respond(&mut m, (1, 0), 401, 2), 1),
        Some("LOGGED_OUT")
    );
}
