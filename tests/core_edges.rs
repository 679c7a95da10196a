//! Edges of the machine that `make mutants PART=src/machine` found unguarded: each test
//! pins one behaviour at its boundary (a renewal time reached to the millisecond, a
//! repeated network report, a slot handed back by a host that held no lease, a login
//! POST that failed), which the scenario and property tests pass through without
//! stopping on.

#[path = "core/host.rs"]
mod host;

use host::*;
use weapp_login::{Channel, Command, Input, LoginAnswer, Machine, StoredSession};

const T0: u64 = 1_700_000_000_000;

fn stored_until(token: &str, expires_at_ms: u64) -> Option<StoredSession> {
    Some(StoredSession {
        token: token.into(),
        expires_at_ms: Some(expires_at_ms),
    })
}

/// Requests 1..=n on wx.request, fed at `now`: the ids sent.
fn burst(m: &mut Machine, from: u64, n: u64, now: u64) -> Vec<u64> {
    let mut sent = Vec::new();
    for id in from..from + n {
        sent.extend(sends(&feed(m, req(id), now)).into_iter().map(|(i, _, _)| i));
    }
    sent
}

#[test]
fn a_restored_token_with_an_expiry_is_checked_while_fresh_and_renewed_from_its_renewal_time() {
    // Renewal is due renewMarginMs (60 s) before the stored expiry: at T0 + 10 s.
    let renew_at = T0 + 10_000;
    let mut m = Machine::new(config(), stored_until("old", renew_at + 60_000), T0);
    let cmds = feed(&mut m, Input::Login { id: 1 }, T0);
    assert_eq!(
        check_session(&cmds),
        Some(1),
        "fresh and unchecked: wx.checkSession"
    );
    assert_eq!(wx_login(&cmds), None);

    // The same token reached at its renewal time, to the millisecond: a login, no check.
    let mut m = Machine::new(config(), stored_until("old", renew_at + 60_000), T0);
    let cmds = feed(&mut m, req(1), renew_at);
    assert_eq!(
        wx_login(&cmds),
        Some(1),
        "at the renewal time the token is renewed"
    );
    assert_eq!(
        check_session(&cmds),
        None,
        "no check of a token due for renewal"
    );
    assert_eq!(sends(&cmds), vec![], "and it is not sent");
    // One millisecond earlier it is still good.
    let mut m = Machine::new(config(), stored_until("old", renew_at + 60_000), T0);
    let cmds = feed(&mut m, req(1), renew_at - 1);
    assert_eq!(sends(&cmds), vec![(1, 1, Some(1))]);
    assert_eq!(check_session(&cmds), Some(1));
}

#[test]
fn a_fresh_login_with_an_expiry_is_used_until_its_renewal_time_and_renewed_at_it() {
    let mut m = Machine::new(config(), None, T0);
    assert_eq!(wx_login(&feed(&mut m, Input::Login { id: 1 }, T0)), Some(1));
    feed(
        &mut m,
        Input::WxLoginOk {
            attempt: 1,
            code: "c1".into(),
        },
        T0,
    );
    let answer = LoginAnswer {
        status: 200,
        token: Some("tok1".into()),
        expires_in_s: Some(3600.0),
    };
    assert!(resolved(
        &feed(&mut m, Input::LoginAnswered { attempt: 1, answer }, T0),
        1
    ));
    let renew_at = T0 + 3_600_000 - 60_000;
    assert_eq!(
        sends(&feed(&mut m, req(2), renew_at - 1)),
        vec![(2, 1, Some(1))]
    );
    let cmds = feed(&mut m, req(3), renew_at);
    assert_eq!(
        sends(&cmds),
        vec![],
        "not sent with a token due for renewal"
    );
    assert_eq!(
        wx_login(&cmds),
        Some(2),
        "renewed at the renewal time, to the millisecond"
    );
}

#[test]
fn a_network_report_while_online_keeps_the_login_backoff() {
    let mut c = config();
    c.login_backoff_ms = 10_000;
    let mut m = Machine::new(c, None, T0);
    feed(&mut m, Input::Network { online: true }, T0);
    assert_eq!(wx_login(&feed(&mut m, req(1), T0)), Some(1));
    let cmds = feed(
        &mut m,
        Input::WxLoginFailed {
            attempt: 1,
            err_msg: "login:fail".into(),
        },
        T0,
    );
    assert_eq!(rejected(&cmds, 1), Some("WX_LOGIN_FAILED"));
    // wifi -> 4g: still online. The failure was not the network's: the backoff holds.
    feed(&mut m, Input::Network { online: true }, T0 + 1);
    let cmds = feed(&mut m, req(2), T0 + 2);
    assert_eq!(wx_login(&cmds), None, "no new wx.login within the backoff");
    assert_eq!(rejected(&cmds, 2), Some("WX_LOGIN_FAILED"));
    // Offline, then back online: that clears it.
    feed(&mut m, Input::Network { online: false }, T0 + 3);
    feed(&mut m, Input::Network { online: true }, T0 + 4);
    assert_eq!(wx_login(&feed(&mut m, req(3), T0 + 5)), Some(2));
}

#[test]
fn a_failed_login_post_frees_its_wx_request_slot_at_once() {
    let mut m = Machine::new(config(), None, T0);
    assert_eq!(wx_login(&feed(&mut m, Input::Login { id: 1 }, T0)), Some(1));
    feed(
        &mut m,
        Input::WxLoginOk {
            attempt: 1,
            code: "c1".into(),
        },
        T0,
    );
    let cmds = feed(
        &mut m,
        Input::LoginPostFailed {
            attempt: 1,
            err_msg: "request:fail".into(),
        },
        T0 + 1,
    );
    assert_eq!(rejected(&cmds, 1), Some("REQUEST_FAILED"));
    // Ten tokenless requests go out at once: the POST's slot is free again.
    let mut sent = Vec::new();
    for id in 10..20 {
        let cmds = feed(
            &mut m,
            Input::Request {
                id,
                with_token: false,
                channel: Channel::Request,
                timeout_ms: 60_000,
            },
            T0 + 2,
        );
        sent.extend(sends(&cmds).into_iter().map(|(i, _, _)| i));
    }
    assert_eq!(sent, (10..20).collect::<Vec<_>>());
}

#[test]
fn a_leased_send_adopted_from_a_host_with_no_lease_takes_a_slot_and_gives_it_back() {
    let mut c = config();
    c.lease = true;
    let mut m = Machine::new(c, stored("tok"), T0);
    feed(&mut m, Input::Network { online: true }, T0);
    // The host hands over a send under a lease the machine never granted: it is counted
    // in flight (its answer's settlement then balances the books).
    feed(
        &mut m,
        Input::AdoptLeased {
            id: 1,
            generation: Some(1),
            timeout_ms: 60_000,
            deadline_ms: T0 + 65_000,
        },
        T0,
    );
    assert_eq!(
        burst(&mut m, 2, 10, T0),
        (2..11).collect::<Vec<_>>(),
        "nine more fit beside it, the tenth waits"
    );
    let cmds = respond(&mut m, (1, 0), 200, T0 + 1);
    assert!(resolved(&cmds, 1));
    assert_eq!(
        sends(&cmds),
        vec![(11, 10, Some(1))],
        "its slot goes to the one waiting"
    );
    assert!(!cmds.iter().any(|c| matches!(c, Command::Reject { .. })));
}

#[test]
fn a_leased_send_handed_over_with_a_refused_id_gives_its_slot_back() {
    let mut c = config();
    c.lease = true;
    let mut m = Machine::new(c, None, T0);
    feed(&mut m, Input::Login { id: 1 }, T0);
    let cmds = log_in(&mut m, 1, "tok1", T0);
    let granted = |cmds: &[Command]| -> u32 {
        cmds.iter()
            .map(|c| match c {
                Command::Lease { slots, .. } => *slots,
                _ => 0,
            })
            .sum()
    };
    assert_eq!(granted(&cmds), 10);
    // The host sent one under the lease and hands it over with an id the machine
    // refuses (not above the last one): rejected, and its slot comes back to the machine,
    // which lends it again (the lease grows by one).
    let cmds = feed(
        &mut m,
        Input::AdoptLeased {
            id: 1,
            generation: Some(1),
            timeout_ms: 60_000,
            deadline_ms: T0 + 65_000,
        },
        T0 + 1,
    );
    assert_eq!(rejected(&cmds, 1), Some("INVALID_OPTIONS"));
    assert_eq!(granted(&cmds), 1, "the slot is lent again: {cmds:?}");
    // The host ends the lease, giving back all ten: the machine sends ten at once.
    let mut cmds = feed(
        &mut m,
        Input::Release {
            lease: 1,
            slots: 10,
        },
        T0 + 2,
    );
    for id in 3..=13 {
        cmds.extend(feed(&mut m, req(id), T0 + 3));
    }
    assert_eq!(
        granted(&cmds) as usize + sends(&cmds).len(),
        10,
        "no slot leaked: {cmds:?}"
    );
}

#[test]
fn a_stale_401_that_finds_the_newer_token_due_for_renewal_waits_behind_those_already_waiting() {
    let mut m = Machine::new(config(), None, T0);
    feed(&mut m, Input::Network { online: true }, T0);
    let login = |m: &mut Machine, attempt: u64, token: &str, now: u64| {
        feed(
            m,
            Input::WxLoginOk {
                attempt,
                code: format!("c{attempt}"),
            },
            now,
        );
        let answer = LoginAnswer {
            status: 200,
            token: Some(token.into()),
            expires_in_s: Some(120.0),
        };
        feed(m, Input::LoginAnswered { attempt, answer }, now)
    };
    assert_eq!(wx_login(&feed(&mut m, Input::Login { id: 1 }, T0)), Some(1));
    login(&mut m, 1, "tok1", T0);
    assert_eq!(
        sends(&feed(&mut m, req_on(2, Channel::Request, 120_000), T0)),
        vec![(2, 1, Some(1))]
    );
    assert_eq!(
        sends(&feed(&mut m, req_on(3, Channel::Request, 120_000), T0)),
        vec![(3, 2, Some(1))]
    );
    // Request 2's 401 renews: token 2 (renewal due 60 s later), and 2 is replayed with it.
    assert_eq!(wx_login(&respond(&mut m, (2, 1), 401, T0 + 1)), Some(2));
    assert_eq!(
        sends(&login(&mut m, 2, "tok2", T0 + 2)),
        vec![(2, 3, Some(2))]
    );
    // Past token 2's renewal time: request 4 waits for a renewal, which starts.
    assert_eq!(wx_login(&feed(&mut m, req(4), T0 + 70_000)), Some(3));
    // Request 3's 401 is for token 1, older than token 2: a replay that costs no
    // re-login, and it waits for the renewal behind request 4.
    let cmds = respond(&mut m, (3, 2), 401, T0 + 70_001);
    assert_eq!(wx_login(&cmds), None);
    assert_eq!(sends(&cmds), vec![]);
    let c3 = login(&mut m, 3, "tok3", T0 + 70_002);
    let sent: Vec<u64> = sends(&c3).iter().map(|s| s.0).collect();
    assert_eq!(sent, vec![4, 3], "in the order they began to wait");
}
