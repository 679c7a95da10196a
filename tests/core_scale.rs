//! Scale: per-waiter work is O(1) or O(log n) (issue 8 item 14). The budget run is a
//! benchmark that prints figures, not a timed assertion:
//! `cargo test --release -p weapp-login --test core_scale -- --ignored --nocapture`.

#[path = "core/host.rs"]
mod host;

use std::time::Instant;

use host::*;
use weapp_login::{Command, Input, Machine};

/// `n` requests that all wait for one login, then go out ten at a time and are answered
/// in order. Returns how many commands the machine emitted.
fn through(n: u64) -> usize {
    let mut m = Machine::new(config(), None, 0);
    let mut commands = 0;
    for id in 1..=n {
        commands += feed(&mut m, req(id), 0).len();
    }
    let logged_in = log_in(&mut m, 1, "t1", 1);
    commands += logged_in.len();
    let mut on_wire: std::collections::VecDeque<(u64, u64)> =
        sends(&logged_in).iter().map(|s| (s.0, s.1)).collect();
    while let Some((id, send)) = on_wire.pop_front() {
        let cmds = respond(&mut m, (id, send), 200, 2);
        commands += cmds.len();
        assert!(cmds.contains(&Command::Resolve { id }));
        on_wire.extend(sends(&cmds).iter().map(|s| (s.0, s.1)));
    }
    assert_eq!(m.pending(), 0);
    assert_eq!(m.poll_timeout(), None, "no deadline left behind");
    commands
}

#[test]
fn every_waiter_goes_through_and_leaves_nothing_behind() {
    // Two commands per request (its Send and its Resolve), whatever n, plus the login's
    // four (login:start, WxLogin, Persist, login:success).
    assert_eq!(through(1_000), 2 * 1_000 + 4);
}

#[test]
#[ignore = "a benchmark: run with --release --ignored --nocapture"]
fn budget_100k_waiters_through_request_and_response() {
    for n in [10_000u64, 50_000, 100_000] {
        let t = Instant::now();
        through(n);
        let ms = t.elapsed().as_secs_f64() * 1e3;
        println!(
            "{n:>7} waiters: {ms:8.1} ms ({:.2} µs each)",
            ms * 1e3 / n as f64
        );
    }
    let mut m = Machine::new(config(), None, 0);
    let t = Instant::now();
    for id in 1..=100_000u64 {
        m.handle(
            Input::Abort {
                id: id.saturating_sub(1),
            },
            0,
        );
        m.handle(req(id), 0);
        while m.poll_command().is_some() {}
    }
    println!(
        " 100000 requests each aborting the previous: {:.1} ms",
        t.elapsed().as_secs_f64() * 1e3
    );
}
