//! Helpers for tests that drive a `Machine` by hand, one input at a time.
#![allow(dead_code)]

use weapp_login::{Channel, Command, Config, Input, LoginAnswer, Machine, StoredSession};

pub fn config() -> Config {
    Config::new(
        "https://api.example.com/user/login",
        Some("https://api.example.com"),
        None,
    )
    .unwrap()
}

/// Feeds `input` at `now` and returns what came out.
pub fn feed(m: &mut Machine, input: Input, now: u64) -> Vec<Command> {
    m.handle(input, now);
    drain(m)
}

pub fn drain(m: &mut Machine) -> Vec<Command> {
    std::iter::from_fn(|| m.poll_command()).collect()
}

pub fn tick(m: &mut Machine, now: u64) -> Vec<Command> {
    m.handle_timeout(now);
    drain(m)
}

pub fn req(id: u64) -> Input {
    req_on(id, Channel::Request, 60_000)
}

pub fn req_on(id: u64, channel: Channel, timeout_ms: u64) -> Input {
    Input::Request {
        id,
        with_token: true,
        channel,
        timeout_ms,
    }
}

pub fn stored(token: &str) -> Option<StoredSession> {
    Some(StoredSession {
        token: token.into(),
        expires_at_ms: None,
    })
}

/// `(id, send, generation)` of each send.
pub fn sends(cmds: &[Command]) -> Vec<(u64, u64, Option<u64>)> {
    cmds.iter()
        .filter_map(|c| match c {
            Command::Send {
                id,
                send,
                generation,
                ..
            } => Some((*id, *send, *generation)),
            _ => None,
        })
        .collect()
}

pub fn rejected(cmds: &[Command], id: u64) -> Option<&'static str> {
    cmds.iter().find_map(|c| match c {
        Command::Reject { id: i, error } if *i == id => Some(error.code()),
        _ => None,
    })
}

pub fn resolved(cmds: &[Command], id: u64) -> bool {
    cmds.iter()
        .any(|c| matches!(c, Command::Resolve { id: i } if *i == id))
}

pub fn wx_login(cmds: &[Command]) -> Option<u64> {
    cmds.iter().find_map(|c| match c {
        Command::WxLogin { attempt } => Some(*attempt),
        _ => None,
    })
}

pub fn check_session(cmds: &[Command]) -> Option<u64> {
    cmds.iter().find_map(|c| match c {
        Command::CheckSession { check } => Some(*check),
        _ => None,
    })
}

pub fn respond(m: &mut Machine, (id, send): (u64, u64), status: u16, now: u64) -> Vec<Command> {
    let host_verdict = false;
    feed(
        m,
        Input::Response {
            id,
            send,
            status,
            host_verdict,
        },
        now,
    )
}

/// Answers wx.login `attempt` and its POST with `token`; returns what the answer yields.
pub fn log_in(m: &mut Machine, attempt: u64, token: &str, now: u64) -> Vec<Command> {
    let code = format!("c{attempt}");
    feed(m, Input::WxLoginOk { attempt, code }, now);
    let answer = LoginAnswer {
        status: 200,
        token: Some(token.into()),
        expires_in_s: None,
    };
    feed(m, Input::LoginAnswered { attempt, answer }, now)
}
