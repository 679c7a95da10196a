//! Fuzzing in CI with proptest: arbitrary text and arbitrary login answers never make
//! the core panic, and what they yield is consistent. (`PROPTEST_CASES=1000000 cargo
//! test --test fuzz_props` runs it longer; README, "Fuzzing".)
#![cfg(not(target_arch = "wasm32"))]

use proptest::prelude::*;
use weapp_login::{
    resolve, Channel, Command, Config, Input, LoginAnswer, Machine, Origin, StoredSession,
    MAX_EXPIRES_IN_S,
};

/// `PROPTEST_CASES` when set (a longer fuzzing run), else `default`.
fn cases(default: u32) -> u32 {
    std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

fn url_like() -> impl Strategy<Value = String> {
    prop_oneof![
        any::<String>(),
        "(https?|HTTP|ftp|)(://)?[a-zA-Z0-9.@:\\[\\]\\\\/?#%-]{0,40}",
        proptest::collection::vec(any::<u8>(), 0..64)
            .prop_map(|b| String::from_utf8_lossy(&b).into_owned()),
    ]
}

/// RFC 9110 field-value, ASCII only: visible characters, inner spaces and tabs.
fn is_header_value(t: &str) -> bool {
    let visible = |c: char| ('\x21'..='\x7e').contains(&c);
    t.starts_with(visible)
        && t.ends_with(visible)
        && t.chars().all(|c| visible(c) || c == ' ' || c == '\t')
}

proptest! {
    #![proptest_config(ProptestConfig { cases: cases(4000), ..ProptestConfig::default() })]

    #[test]
    fn origins_never_panic_and_round_trip(url in url_like()) {
        if let Some(o) = Origin::parse(&url) {
            let text = o.to_string();
            prop_assert_eq!(Origin::parse(&text), Some(o.clone()), "{} -> {}", url, text);
            let authority = url.split_once("://").map(|(_, r)| r).unwrap_or("");
            let authority = authority.split(['/', '?', '#']).next().unwrap_or("");
            prop_assert!(!authority.contains('@'), "user-info must never be trusted: {}", url);
        }
        let _ = resolve(&url, Some("https://api.example.com"));
    }

    #[test]
    fn any_login_answer_is_used_or_rejected_never_panics(
        status in any::<u16>(),
        token in proptest::option::of(prop_oneof![any::<String>(), "[ -~\t\r\n\x00\x7f]{0,12}"]),
        expires in proptest::option::of(prop_oneof![any::<f64>(), Just(f64::NAN), Just(-0.0), 0.0..2e9f64]),
    ) {
        let config = Config::new("https://api.example.com/l", None, None).unwrap();
        let mut m = Machine::new(config, None, 1_000);
        m.handle(Input::Login { id: 1 }, 1_000);
        while m.poll_command().is_some() {}
        m.handle(Input::WxLoginOk { attempt: 1, code: "c".into() }, 1_001);
        while m.poll_command().is_some() {}
        let answer = LoginAnswer { status, token: token.clone(), expires_in_s: expires };
        m.handle(Input::LoginAnswered { attempt: 1, answer }, 1_002);
        let cmds: Vec<Command> = std::iter::from_fn(|| m.poll_command()).collect();
        let good = (200..300).contains(&status)
            && token.as_ref().is_some_and(|t| is_header_value(t))
            && expires.is_none_or(|s| s.is_finite() && (1.0..=MAX_EXPIRES_IN_S).contains(&s));
        let persisted = cmds.iter().any(|c| matches!(c, Command::Persist { session, .. } if Some(&session.token) == token.as_ref()));
        let resolved = cmds.iter().any(|c| matches!(c, Command::Resolve { id: 1 }));
        let rejected = cmds.iter().any(|c| matches!(c, Command::Reject { id: 1, error } if error.code() == "LOGIN_REJECTED"));
        prop_assert_eq!(good, persisted && resolved);
        prop_assert_eq!(!good, rejected && !persisted);
    }
}

fn channel() -> impl Strategy<Value = Channel> {
    prop_oneof![
        Just(Channel::Request),
        Just(Channel::Upload),
        Just(Channel::Download)
    ]
}

/// Small ids and numbers mostly (so inputs meet live waiters), extremes sometimes.
fn num() -> impl Strategy<Value = u64> {
    prop_oneof![8 => 0u64..12, 1 => Just(u64::MAX), 1 => any::<u64>()]
}

fn raw_input() -> impl Strategy<Value = Input> {
    prop_oneof![
        (num(), any::<bool>(), channel(), num()).prop_map(
            |(id, with_token, channel, timeout_ms)| Input::Request {
                id,
                with_token,
                channel,
                timeout_ms
            }
        ),
        (num(), channel(), num()).prop_map(|(id, channel, timeout_ms)| Input::Adopt {
            id,
            channel,
            timeout_ms
        }),
        num().prop_map(|id| Input::Login { id }),
        (num(), any::<u32>()).prop_map(|(id, relogins)| Input::Authorize { id, relogins }),
        (num(), num(), any::<u32>(), any::<u16>(), any::<bool>()).prop_map(
            |(id, generation, relogins, status, host_verdict)| Input::Check {
                id,
                generation,
                relogins,
                status,
                host_verdict
            }
        ),
        num().prop_map(|id| Input::Abort { id }),
        Just(Input::Logout),
        (num(), ".{0,3}").prop_map(|(attempt, code)| Input::WxLoginOk { attempt, code }),
        num().prop_map(|attempt| Input::WxLoginFailed {
            attempt,
            err_msg: "x".into()
        }),
        (
            num(),
            any::<u16>(),
            proptest::option::of("[a-z]{0,3}"),
            proptest::option::of(any::<f64>())
        )
            .prop_map(
                |(attempt, status, token, expires_in_s)| Input::LoginAnswered {
                    attempt,
                    answer: LoginAnswer {
                        status,
                        token,
                        expires_in_s
                    }
                }
            ),
        num().prop_map(|attempt| Input::LoginPostFailed {
            attempt,
            err_msg: "x".into()
        }),
        (num(), any::<bool>()).prop_map(|(check, ok)| Input::CheckSessionAnswered { check, ok }),
        (num(), num(), any::<u16>(), any::<bool>()).prop_map(|(id, send, status, host_verdict)| {
            Input::Response {
                id,
                send,
                status,
                host_verdict,
            }
        }),
        (num(), num()).prop_map(|(id, send)| Input::RequestFailed {
            id,
            send,
            err_msg: "x".into()
        }),
        any::<bool>().prop_map(|online| Input::Network { online }),
        Just(Input::AppHidden),
        Just(Input::AppShown),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig { cases: cases(1000), ..ProptestConfig::default() })]

    /// Any host input, in any order, at any time (the clock may even go back): no
    /// panic, and no waiter settles twice.
    #[test]
    fn any_host_input_never_panics_or_settles_twice(
        restored in any::<bool>(),
        steps in proptest::collection::vec((raw_input(), num()), 1..60),
    ) {
        let mut config = Config::new("https://api.example.com/l", None, None).unwrap();
        config.network_wait_ms = 3;
        let stored = restored.then(|| StoredSession { token: "s".into(), expires_at_ms: Some(u64::MAX) });
        let mut m = Machine::new(config, stored, 5);
        let mut settled = std::collections::HashSet::new();
        for (input, now) in steps {
            let refused_id = match &input {
                Input::Request { id, .. } | Input::Adopt { id, .. } | Input::Login { id }
                | Input::Authorize { id, .. } | Input::Check { id, .. } => Some(*id),
                _ => None,
            };
            m.handle(input, now);
            m.handle_timeout(now.wrapping_add(1));
            let _ = m.poll_timeout();
            while let Some(c) = m.poll_command() {
                if let Command::Resolve { id } | Command::Reject { id, .. } | Command::Authorized { id, .. } | Command::Verdict { id, .. } = c {
                    let invalid = matches!(&c, Command::Reject { error, .. } if error.code() == "INVALID_OPTIONS");
                    // A refused id's rejection is not a settlement of the live waiter.
                    if !(invalid && refused_id == Some(id)) {
                        prop_assert!(settled.insert(id), "waiter {} settled twice", id);
                    }
                }
            }
        }
    }
}
