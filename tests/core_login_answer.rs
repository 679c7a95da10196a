//! What the login answer may hold (issue 8 items 8 and 10): a token that can go into
//! a header as it is, and an `expiresIn` that is a JSON number of seconds in range.

#[path = "core/host.rs"]
mod host;

use host::*;
use weapp_login::{Command, Input, LoginAnswer, LoginError, Machine, MAX_EXPIRES_IN_S};

/// Logs in with `answer` while request 1 waits; returns what the answer yields.
fn answered(answer: LoginAnswer) -> Vec<Command> {
    let mut m = Machine::new(config(), None, 0);
    feed(&mut m, req(1), 0);
    feed(
        &mut m,
        Input::WxLoginOk {
            attempt: 1,
            code: "c".into(),
        },
        1,
    );
    feed(&mut m, Input::LoginAnswered { attempt: 1, answer }, 2)
}

fn reason(cmds: &[Command]) -> Option<String> {
    cmds.iter().find_map(|c| match c {
        Command::Reject {
            id: 1,
            error: LoginError::LoginRejected { reason, .. },
        } => Some(reason.clone()),
        _ => None,
    })
}

fn with_token(token: &str) -> LoginAnswer {
    LoginAnswer {
        status: 200,
        token: Some(token.into()),
        expires_in_s: Some(7200.0),
    }
}

#[test]
fn a_token_that_is_not_a_header_value_is_rejected_and_never_sent() {
    for token in [
        "t\r\nX-Evil: 1",
        "t\nx",
        "t\rx",
        "t\0x",
        "t\x7fx",
        "t\x01x",
        " t",
        "t ",
        "\tt",
        "t\t",
        "tøken",
        "t\u{2028}x",
        "t\u{a0}x",
    ] {
        let cmds = answered(with_token(token));
        let why = reason(&cmds).unwrap_or_else(|| panic!("{token:?} accepted: {cmds:?}"));
        assert!(why.contains("header"), "{why}");
        assert!(sends(&cmds).is_empty(), "{token:?}");
        assert!(
            !cmds.iter().any(|c| matches!(c, Command::Persist { .. })),
            "{token:?}"
        );
    }
}

#[test]
fn visible_ascii_tokens_with_inner_spaces_are_used() {
    for token in [
        "t",
        "Bearer abc.def",
        "a\tb",
        "!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~",
    ] {
        let cmds = answered(with_token(token));
        assert_eq!(sends(&cmds), vec![(1, 1, Some(1))], "{token:?}");
        assert!(cmds
            .iter()
            .any(|c| matches!(c, Command::Persist { session, .. } if session.token == token)));
    }
}

#[test]
fn a_non_numeric_expires_in_is_rejected_like_an_out_of_range_one() {
    // The adapter passes Some(NaN) for a present value that is not a JSON number
    // ("7200" included); None only when the field is absent or null.
    for expires in [
        f64::NAN,
        0.0,
        0.5,
        -1.0,
        f64::INFINITY,
        MAX_EXPIRES_IN_S + 1.0,
    ] {
        let answer = LoginAnswer {
            expires_in_s: Some(expires),
            ..with_token("t")
        };
        let why = reason(&answered(answer)).unwrap_or_else(|| panic!("{expires} accepted"));
        assert!(why.contains("expiresIn"), "{why}");
    }
    for expires in [None, Some(1.0), Some(MAX_EXPIRES_IN_S)] {
        let answer = LoginAnswer {
            expires_in_s: expires,
            ..with_token("t")
        };
        assert_eq!(sends(&answered(answer)).len(), 1, "{expires:?}");
    }
}

#[test]
fn a_stored_token_that_is_not_a_header_value_is_dropped_at_launch() {
    for token in ["", "t\r\nX-Evil: 1", " t"] {
        let mut m = Machine::new(config(), stored(token), 0);
        assert_eq!(m.token(), None, "{token:?}");
        assert_eq!(drain(&mut m), vec![Command::ClearStorage]);
    }
}
