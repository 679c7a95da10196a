//! Leases of wx.request slots (`Config::lease`, `Command::Lease`/`Revoke`,
//! `Input::Release`/`AdoptLeased`): in the steady state the host sends and settles
//! requests itself; the machine hears only of those that need it. Each test states one
//! behaviour of the protocol and checks the machine's side of it.

#[path = "core/host.rs"]
mod host;

use host::*;
use weapp_login::{Channel, Command, Config, Event, Input, LoginAnswer, Machine};

const T0: u64 = 1_700_000_000_000;
const MARGIN: u64 = 5_000;

fn lease_config() -> Config {
    let mut c = config();
    c.lease = true;
    c
}

/// `(lease, generation, slots, until_ms)` of each Lease.
fn leases(cmds: &[Command]) -> Vec<(u64, u64, u32, Option<u64>)> {
    cmds.iter()
        .filter_map(|c| match c {
            Command::Lease {
                lease,
                generation,
                slots,
                until_ms,
                margin_ms,
            } => {
                assert_eq!(*margin_ms, MARGIN, "a Lease's margin is the request margin");
                Some((*lease, *generation, *slots, *until_ms))
            }
            _ => None,
        })
        .collect()
}

fn revokes(cmds: &[Command]) -> Vec<u64> {
    cmds.iter()
        .filter_map(|c| match c {
            Command::Revoke { lease } => Some(*lease),
            _ => None,
        })
        .collect()
}

fn release(lease: u64, slots: u32) -> Input {
    Input::Release { lease, slots }
}

fn adopt_leased(id: u64, generation: Option<u64>, timeout_ms: u64, sent_at: u64) -> Input {
    Input::AdoptLeased {
        id,
        generation,
        timeout_ms,
        deadline_ms: sent_at + timeout_ms + MARGIN,
    }
}

fn settles(cmds: &[Command]) -> usize {
    cmds.iter()
        .filter(|c| matches!(c, Command::Resolve { .. } | Command::Reject { .. }))
        .count()
}

/// A cold start logged in by `login()` (id 1) with token "tok1" (no expiry): the
/// machine and what the login answer yielded.
fn logged_in(config: Config) -> (Machine, Vec<Command>) {
    let mut m = Machine::new(config, None, T0);
    let cmds = feed(&mut m, Input::Login { id: 1 }, T0);
    assert_eq!(wx_login(&cmds), Some(1));
    let cmds = log_in(&mut m, 1, "tok1", T0);
    assert!(resolved(&cmds, 1));
    (m, cmds)
}

/// A machine with leases whose `login()` got a token of `expires_in_s`, answered at
/// `answered_at` (ms), and the commands of that answer.
fn logged_in_for(expires_in_s: f64, answered_at: u64) -> (Machine, Vec<Command>) {
    let mut m = Machine::new(lease_config(), None, T0);
    feed(&mut m, Input::Login { id: 1 }, T0);
    feed(
        &mut m,
        Input::WxLoginOk {
            attempt: 1,
            code: "c".into(),
        },
        T0,
    );
    let answer = LoginAnswer {
        status: 200,
        token: Some("tok1".into()),
        expires_in_s: Some(expires_in_s),
    };
    let cmds = feed(
        &mut m,
        Input::LoginAnswered { attempt: 1, answer },
        answered_at,
    );
    (m, cmds)
}

#[test]
fn a_verified_session_is_leased_every_free_slot_and_leased_requests_need_no_input() {
    let (mut m, cmds) = logged_in(lease_config());
    assert_eq!(leases(&cmds), vec![(1, 1, 10, None)]);
    // The host fills the ten slots itself and settles their answers: no input at all.
    // The machine has nothing to wait for meanwhile.
    assert_eq!(m.pending(), 0);
    assert_eq!(m.poll_timeout(), None);
    // Other channels and login() go on as before, and the lease stays.
    let cmds = feed(&mut m, req_on(2, Channel::Upload, 60_000), T0 + 1);
    assert_eq!(sends(&cmds), vec![(2, 1, Some(1))]);
    let cmds2 = feed(&mut m, Input::Login { id: 3 }, T0 + 2);
    assert!(resolved(&cmds2, 3));
    assert!(revokes(&cmds).is_empty() && revokes(&cmds2).is_empty());
    assert!(leases(&cmds).is_empty() && leases(&cmds2).is_empty());
}

#[test]
fn lease_false_never_yields_a_lease() {
    let mut config = config();
    config.lease = false;
    let (mut m, mut all) = logged_in(config);
    for id in 2..=12 {
        all.extend(feed(&mut m, req(id), T0 + id));
    }
    all.extend(respond(&mut m, (2, 1), 401, T0 + 20));
    all.extend(log_in(&mut m, 2, "tok2", T0 + 21));
    all.extend(feed(&mut m, Input::Logout, T0 + 22));
    assert!(all
        .iter()
        .all(|c| !matches!(c, Command::Lease { .. } | Command::Revoke { .. })));
    assert!(
        !Config::new("https://api.example.com/l", None, None)
            .unwrap()
            .lease,
        "off by default"
    );
}

#[test]
fn a_request_that_finds_no_free_slot_waits_in_the_machine_and_revokes_the_lease() {
    let (mut m, _) = logged_in(lease_config());
    // Ten leased sends fill the lease; the eleventh request goes to the machine.
    let cmds = feed(&mut m, req(2), T0 + 1);
    assert!(sends(&cmds).is_empty(), "no slot is free: {cmds:?}");
    assert_eq!(revokes(&cmds), vec![1]);
    assert!(leases(&cmds).is_empty());
    // The host had no unused slot.
    let cmds = feed(&mut m, release(1, 0), T0 + 2);
    assert!(sends(&cmds).is_empty());
    // A leased send is answered (settled by the host): its slot goes back, and the
    // waiting request goes out in it.
    let cmds = feed(&mut m, release(1, 1), T0 + 3);
    assert_eq!(sends(&cmds), vec![(2, 1, Some(1))]);
    assert!(leases(&cmds).is_empty());
    let cmds = respond(&mut m, (2, 1), 200, T0 + 4);
    assert!(resolved(&cmds, 2));
    // No new lease while slots of the ended one are out (nine are).
    assert!(leases(&cmds).is_empty(), "{cmds:?}");
    for n in 0..9 {
        let cmds = feed(&mut m, release(1, 1), T0 + 5 + n);
        if n < 8 {
            assert!(leases(&cmds).is_empty(), "lease granted with old slots out");
        } else {
            assert_eq!(leases(&cmds), vec![(2, 1, 10, None)]);
        }
    }
    assert_eq!(m.pending(), 0);
}

#[test]
fn a_release_after_the_host_ends_a_lease_frees_the_slot_and_the_next_lease_waits_for_all() {
    let (mut m, _) = logged_in(lease_config());
    // Three leased sends out; the host gives the lease up with its seven unused slots.
    let cmds = feed(&mut m, release(1, 7), T0 + 1);
    assert!(
        leases(&cmds).is_empty(),
        "a new lease with three old slots out"
    );
    assert!(revokes(&cmds).is_empty(), "the host ended it: no Revoke");
    // The machine now has seven slots of its own.
    let mut sent = Vec::new();
    for id in 2..=8 {
        sent.extend(sends(&feed(&mut m, req(id), T0 + 2)));
    }
    assert_eq!(sent.len(), 7);
    let cmds = feed(&mut m, req(9), T0 + 3);
    assert!(sends(&cmds).is_empty(), "an eleventh request on the wire");
    // An answered send of the ended lease gives its slot back: request 9 goes out.
    let cmds = feed(&mut m, release(1, 1), T0 + 4);
    assert_eq!(sends(&cmds), vec![(9, 8, Some(1))]);
    for id in 2..=9 {
        respond(&mut m, (id, id - 1), 200, T0 + 5);
    }
    assert_eq!(m.pending(), 0);
    let cmds = feed(&mut m, release(1, 1), T0 + 6);
    assert!(leases(&cmds).is_empty(), "one old slot is still out");
    let cmds = feed(&mut m, release(1, 1), T0 + 7);
    assert_eq!(leases(&cmds), vec![(2, 1, 10, None)]);
}

#[test]
fn a_leased_send_answered_401_is_adopted_renews_with_one_wx_login_and_is_replayed() {
    let (mut m, _) = logged_in(lease_config());
    // One leased send with the token of generation 1 meets a 401.
    let cmds = feed(&mut m, adopt_leased(2, Some(1), 60_000, T0 + 1), T0 + 2);
    assert!(revokes(&cmds).is_empty(), "adoption alone keeps the lease");
    assert_eq!(settles(&cmds), 0);
    let cmds = respond(&mut m, (2, 0), 401, T0 + 2);
    assert_eq!(wx_login(&cmds), Some(2));
    assert_eq!(revokes(&cmds), vec![1]);
    assert!(cmds.contains(&Command::ClearStorage));
    assert!(cmds.contains(&Command::Event(Event::Renewal)));
    assert_eq!(settles(&cmds), 0);
    feed(&mut m, release(1, 9), T0 + 3);
    // The one re-login (its POST finds a free slot) and the replay with its token.
    let cmds = feed(
        &mut m,
        Input::WxLoginOk {
            attempt: 2,
            code: "c2".into(),
        },
        T0 + 4,
    );
    assert!(cmds
        .iter()
        .any(|c| matches!(c, Command::PostCode { attempt: 2, .. })));
    let answer = LoginAnswer {
        status: 200,
        token: Some("tok2".into()),
        expires_in_s: None,
    };
    let cmds = feed(&mut m, Input::LoginAnswered { attempt: 2, answer }, T0 + 5);
    assert_eq!(sends(&cmds), vec![(2, 1, Some(2))]);
    // The new login state is leased at once, less the replay's slot.
    assert_eq!(leases(&cmds), vec![(2, 2, 9, None)]);
    let cmds = respond(&mut m, (2, 1), 200, T0 + 6);
    assert!(resolved(&cmds, 2));
    assert_eq!(
        leases(&cmds),
        vec![(2, 2, 1, None)],
        "the replay's slot joins the lease"
    );
    assert_eq!(m.pending(), 0);
}

#[test]
fn a_leased_401_reported_by_the_host_verdict_renews_too() {
    let (mut m, _) = logged_in(lease_config());
    feed(&mut m, adopt_leased(2, Some(1), 60_000, T0), T0 + 1);
    let cmds = feed(
        &mut m,
        Input::Response {
            id: 2,
            send: 0,
            status: 200,
            host_verdict: true,
        },
        T0 + 1,
    );
    assert_eq!(wx_login(&cmds), Some(2));
    assert_eq!(revokes(&cmds), vec![1]);
    assert!(!resolved(&cmds, 2));
}

#[test]
fn an_adopted_leased_send_with_no_answer_rejects_request_failed_at_its_deadline() {
    let (mut m, _) = logged_in(lease_config());
    // Sent under the lease at T0 + 1 with an 8 s timeout; the host's timer hands it over
    // at its deadline (T0 + 1 + 8 000 + 5 000) and the machine times it out.
    let deadline = T0 + 1 + 8_000 + MARGIN;
    let cmds = feed(&mut m, adopt_leased(2, Some(1), 8_000, T0 + 1), deadline);
    assert_eq!(settles(&cmds), 0);
    assert_eq!(m.poll_timeout(), Some(deadline));
    let cmds = tick(&mut m, deadline);
    assert_eq!(rejected(&cmds, 2), Some("REQUEST_FAILED"));
    let msg = cmds.iter().find_map(|c| match c {
        Command::Reject { error, .. } => Some(error.to_string()),
        _ => None,
    });
    assert!(
        msg.as_deref()
            .is_some_and(|s| s.contains("no answer within 13000 ms")),
        "{msg:?}"
    );
    // Its slot goes back to the lease.
    assert_eq!(leases(&cmds), vec![(1, 1, 1, None)]);
    assert_eq!(m.pending(), 0);
    assert_eq!(m.poll_timeout(), None);
}

#[test]
fn an_adopted_leased_send_that_failed_rejects_request_failed_and_its_slot_rejoins_the_lease() {
    let (mut m, _) = logged_in(lease_config());
    feed(&mut m, adopt_leased(2, Some(1), 60_000, T0), T0 + 1);
    let cmds = feed(
        &mut m,
        Input::RequestFailed {
            id: 2,
            send: 0,
            err_msg: "request:fail".into(),
        },
        T0 + 1,
    );
    assert_eq!(rejected(&cmds, 2), Some("REQUEST_FAILED"));
    assert!(revokes(&cmds).is_empty());
    assert_eq!(leases(&cmds), vec![(1, 1, 1, None)]);
}

#[test]
fn an_aborted_leased_send_is_adopted_then_aborted() {
    let (mut m, _) = logged_in(lease_config());
    feed(&mut m, adopt_leased(2, None, 60_000, T0), T0 + 1);
    let cmds = feed(&mut m, Input::Abort { id: 2 }, T0 + 1);
    assert!(cmds.contains(&Command::AbortSend {
        id: 2,
        send: 0,
        channel: Channel::Request
    }));
    assert_eq!(rejected(&cmds, 2), Some("ABORTED"));
    assert_eq!(leases(&cmds), vec![(1, 1, 1, None)]);
    // Its late answer is stale.
    let cmds = respond(&mut m, (2, 0), 200, T0 + 2);
    assert!(cmds.is_empty(), "{cmds:?}");
}

#[test]
fn a_tokenless_adopted_leased_send_meets_a_401_as_an_ordinary_answer() {
    let (mut m, _) = logged_in(lease_config());
    feed(&mut m, adopt_leased(2, None, 60_000, T0), T0 + 1);
    let cmds = respond(&mut m, (2, 0), 401, T0 + 2);
    assert!(resolved(&cmds, 2));
    assert_eq!(wx_login(&cmds), None);
    assert!(revokes(&cmds).is_empty());
}

#[test]
fn logout_revokes_the_lease_and_a_leased_401_from_before_it_rejects_logged_out() {
    let (mut m, _) = logged_in(lease_config());
    let cmds = feed(&mut m, Input::Logout, T0 + 1);
    assert_eq!(revokes(&cmds), vec![1]);
    assert!(cmds.contains(&Command::Event(Event::Logout)));
    // Nine slots were unused; one leased send with the old token is still out.
    let cmds = feed(&mut m, release(1, 9), T0 + 2);
    assert!(leases(&cmds).is_empty(), "no login state: no lease");
    feed(&mut m, adopt_leased(2, Some(1), 60_000, T0), T0 + 3);
    let cmds = respond(&mut m, (2, 0), 401, T0 + 3);
    assert_eq!(rejected(&cmds, 2), Some("LOGGED_OUT"));
    assert_eq!(wx_login(&cmds), None, "an old token's 401 never logs in");
    assert!(leases(&cmds).is_empty());
    assert_eq!(m.pending(), 0);
}

#[test]
fn an_unverified_restored_session_gets_no_lease_until_check_session_answers_ok() {
    let mut m = Machine::new(lease_config(), stored("old"), T0);
    let mut cmds = drain(&mut m);
    // A request uses the restored token at once (checkSession not awaited) and starts
    // the check in parallel.
    cmds.extend(feed(&mut m, req(1), T0 + 1));
    assert_eq!(sends(&cmds), vec![(1, 1, Some(1))]);
    let check = check_session(&cmds).expect("a checkSession");
    cmds.extend(respond(&mut m, (1, 1), 200, T0 + 2));
    cmds.extend(feed(&mut m, Input::Login { id: 2 }, T0 + 3));
    assert!(
        leases(&cmds).is_empty(),
        "a lease of an unchecked token: {cmds:?}"
    );
    let cmds = feed(
        &mut m,
        Input::CheckSessionAnswered { check, ok: true },
        T0 + 4,
    );
    assert!(resolved(&cmds, 2));
    assert_eq!(leases(&cmds), vec![(1, 1, 10, None)]);
}

#[test]
fn a_failed_check_session_never_leases_the_restored_token() {
    let mut config = lease_config();
    config.await_check_session = true;
    let mut m = Machine::new(config, stored("old"), T0);
    let mut cmds = drain(&mut m);
    cmds.extend(feed(&mut m, req(1), T0 + 1));
    let check = check_session(&cmds).expect("a checkSession");
    cmds.extend(feed(
        &mut m,
        Input::CheckSessionAnswered { check, ok: false },
        T0 + 2,
    ));
    assert!(leases(&cmds).is_empty());
    assert_eq!(wx_login(&cmds), Some(1));
    let cmds = log_in(&mut m, 1, "tok1", T0 + 3);
    assert_eq!(sends(&cmds), vec![(1, 1, Some(2))]);
    assert_eq!(leases(&cmds), vec![(1, 2, 9, None)]);
}

#[test]
fn a_long_background_revokes_the_lease_until_check_session_vouches_again() {
    let (mut m, _) = logged_in(lease_config());
    feed(&mut m, Input::AppHidden, T0 + 1);
    let cmds = feed(&mut m, Input::AppShown, T0 + 1 + 300_000);
    assert_eq!(revokes(&cmds), vec![1]);
    let cmds = feed(&mut m, release(1, 10), T0 + 300_002);
    assert!(leases(&cmds).is_empty());
    // The next use of the token checks it (in parallel); an ok brings a new lease.
    let cmds = feed(&mut m, req(2), T0 + 300_003);
    assert_eq!(sends(&cmds), vec![(2, 1, Some(1))]);
    let check = check_session(&cmds).expect("a re-check");
    assert!(leases(&cmds).is_empty());
    let cmds = feed(
        &mut m,
        Input::CheckSessionAnswered { check, ok: true },
        T0 + 300_004,
    );
    assert_eq!(leases(&cmds), vec![(2, 1, 9, None)]);
}

#[test]
fn a_lease_ends_at_the_renewal_time_of_its_token() {
    let (mut m, cmds) = logged_in_for(3600.0, T0 + 10);
    // Renewal is due renewMarginMs (60 s) before the expiry.
    let renew_at = T0 + 10 + 3_600_000 - 60_000;
    assert_eq!(leases(&cmds), vec![(1, 1, 10, Some(renew_at))]);
    let cmds = tick(&mut m, renew_at - 1);
    assert!(revokes(&cmds).is_empty());
    // The machine's next input at or after it revokes the lease (if the host has not
    // ended it first), and a request then needs a new login.
    let cmds = tick(&mut m, renew_at);
    assert_eq!(revokes(&cmds), vec![1]);
    feed(&mut m, release(1, 10), renew_at);
    let cmds = feed(&mut m, req(2), renew_at + 1);
    assert_eq!(wx_login(&cmds), Some(2));
    assert!(sends(&cmds).is_empty());
}

#[test]
fn a_short_lived_token_is_leased_until_half_its_lifetime() {
    let (mut m, cmds) = logged_in_for(60.0, T0);
    assert_eq!(leases(&cmds), vec![(1, 1, 10, Some(T0 + 30_000))]);
    // The host ends it itself at that time: no Revoke is needed, and no new lease.
    let cmds = feed(&mut m, release(1, 10), T0 + 30_000);
    assert!(revokes(&cmds).is_empty() && leases(&cmds).is_empty());
}

#[test]
fn a_lease_leaves_out_the_slot_of_a_login_post_still_on_the_wire() {
    let mut config = lease_config();
    config.login_backoff_ms = 0;
    let mut m = Machine::new(config, None, T0);
    // Login 1 posts its code at T0, then times out at T0 + 10 s; its POST holds a
    // wx.request slot until T0 + 15 s.
    feed(&mut m, req(1), T0);
    let cmds = feed(
        &mut m,
        Input::WxLoginOk {
            attempt: 1,
            code: "c1".into(),
        },
        T0,
    );
    assert!(cmds
        .iter()
        .any(|c| matches!(c, Command::PostCode { attempt: 1, .. })));
    let cmds = tick(&mut m, T0 + 10_000);
    assert_eq!(rejected(&cmds, 1), Some("LOGIN_TIMEOUT"));
    // Login 2 succeeds meanwhile.
    let cmds = feed(&mut m, req(2), T0 + 10_001);
    assert_eq!(wx_login(&cmds), Some(2));
    let cmds = log_in(&mut m, 2, "tok2", T0 + 10_002);
    assert_eq!(sends(&cmds), vec![(2, 1, Some(1))]);
    // Request 2 and the old POST each hold a slot.
    assert_eq!(leases(&cmds), vec![(1, 1, 8, None)]);
    // The old POST's late answer gives its slot to the lease.
    let answer = LoginAnswer {
        status: 200,
        token: Some("late".into()),
        expires_in_s: None,
    };
    let cmds = feed(
        &mut m,
        Input::LoginAnswered { attempt: 1, answer },
        T0 + 10_003,
    );
    assert_eq!(leases(&cmds), vec![(1, 1, 1, None)]);
    assert!(!cmds.iter().any(|c| matches!(c, Command::Persist { .. })));
}

#[test]
fn adopted_leased_sends_count_against_the_retry_limit_like_any_request() {
    let mut config = lease_config();
    config.retry_limit = 1;
    let (mut m, _) = logged_in(config);
    feed(&mut m, adopt_leased(2, Some(1), 60_000, T0), T0 + 1);
    let cmds = respond(&mut m, (2, 0), 401, T0 + 1);
    assert_eq!(revokes(&cmds), vec![1]);
    feed(&mut m, release(1, 9), T0 + 2);
    let cmds = log_in(&mut m, 2, "tok2", T0 + 3);
    assert_eq!(sends(&cmds), vec![(2, 1, Some(2))]);
    let cmds = respond(&mut m, (2, 1), 401, T0 + 4);
    assert_eq!(rejected(&cmds, 2), Some("RETRY_LIMIT"));
    assert_eq!(wx_login(&cmds), None);
}
