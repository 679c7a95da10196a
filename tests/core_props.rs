//! Property tests: random interleavings of requests, logins, logouts, network changes,
//! app hide/show, clock jumps and host answers (in any order, with any outcome), checked
//! after every step against a reference model: the invariants a mini-program developer
//! relies on (API.md), exact outcomes for tokenless requests, and a cause in the history
//! for every rejection of the others.
#![cfg(not(target_arch = "wasm32"))]

use std::collections::{HashMap, HashSet};

use proptest::prelude::*;
use weapp_login::{resolve, Channel, Command, Config, Input, LoginAnswer, Machine};

const RETRY_LIMIT: u32 = 2;
const MAX_IN_FLIGHT: usize = 10;

#[derive(Debug, Clone)]
enum Op {
    /// A request: 0 relative, 1 absolute trusted, 2 untrusted; `auth`.
    Request(u8, bool),
    /// Twelve such requests at once: more than fit on the wire.
    Burst(u8, bool),
    Login,
    Logout,
    Network(bool),
    /// The app goes to the background (false) or comes back (true).
    Foreground(bool),
    Advance(u32),
    /// Answer the pending host action at this index (modulo), with this outcome.
    Answer(usize, u8),
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        4 => (0u8..3, any::<bool>()).prop_map(|(u, a)| Op::Request(u, a)),
        1 => (0u8..3, any::<bool>()).prop_map(|(u, a)| Op::Burst(u, a)),
        1 => Just(Op::Login),
        1 => Just(Op::Logout),
        1 => any::<bool>().prop_map(Op::Network),
        1 => any::<bool>().prop_map(Op::Foreground),
        1 => (0u32..15_000).prop_map(Op::Advance),
        8 => (any::<usize>(), any::<u8>()).prop_map(|(i, o)| Op::Answer(i, o)),
    ]
}

#[derive(Debug, Clone)]
enum Pending {
    WxLogin(u64),
    /// A login POST and when the machine stops counting its slot.
    PostCode(u64, u64),
    Check(u64),
    Send {
        id: u64,
        send: u64,
        token: Option<String>,
        /// When the machine gives up on its answer.
        deadline: u64,
    },
}

struct World {
    m: Machine,
    now: u64,
    pending: Vec<Pending>,
    next_id: u64,
    requests: HashSet<u64>,
    settled: HashMap<u64, u32>,
    issued_tokens: u64,
    latest_token: Option<String>,
    /// Tokens of login states that a logout ended.
    dead_tokens: HashSet<String>,
    live_tokens: HashSet<String>,
    current_failures: HashMap<u64, u32>,
    /// The host's copy of each generation's token.
    tokens: HashMap<u64, String>,
    // The reference model: what the history justifies.
    step: u64,
    created_at_step: HashMap<u64, u64>,
    logout_steps: Vec<u64>,
    /// Requests the model says go without a token (auth false, or an untrusted origin).
    tokenless: HashSet<u64>,
    responded: HashSet<u64>,
    send_failed: HashSet<u64>,
    /// Answer deadline of each request's latest send.
    send_deadline: HashMap<u64, u64>,
    online: bool,
    wx_login_failed: bool,
    login_post_failed: bool,
    login_rejected: bool,
    login_started_at: Vec<u64>,
}

impl World {
    fn new() -> World {
        let mut config = Config::new(
            "https://api.example.com/user/login",
            Some("https://api.example.com"),
            None,
        )
        .unwrap();
        config.retry_limit = RETRY_LIMIT;
        let now = 1_700_000_000_000;
        World {
            m: Machine::new(config, None, now),
            now,
            pending: Vec::new(),
            next_id: 1,
            requests: HashSet::new(),
            settled: HashMap::new(),
            issued_tokens: 0,
            latest_token: None,
            dead_tokens: HashSet::new(),
            live_tokens: HashSet::new(),
            current_failures: HashMap::new(),
            tokens: HashMap::new(),
            step: 0,
            created_at_step: HashMap::new(),
            logout_steps: Vec::new(),
            tokenless: HashSet::new(),
            responded: HashSet::new(),
            send_failed: HashSet::new(),
            send_deadline: HashMap::new(),
            online: true,
            wx_login_failed: false,
            login_post_failed: false,
            login_rejected: false,
            login_started_at: Vec::new(),
        }
    }

    fn input(&mut self, input: Input) -> Result<(), TestCaseError> {
        let was_logging_in = self.m.login_in_flight();
        let ends_login = matches!(
            input,
            Input::WxLoginFailed { .. }
                | Input::LoginAnswered { .. }
                | Input::LoginPostFailed { .. }
                | Input::Logout
        );
        self.m.handle(input, self.now);
        self.drain(was_logging_in && !ends_login)
    }

    fn drain(&mut self, login_was_running: bool) -> Result<(), TestCaseError> {
        let mut logins_started = 0;
        while let Some(cmd) = self.m.poll_command() {
            match cmd {
                Command::WxLogin { attempt } => {
                    logins_started += 1;
                    prop_assert!(!login_was_running, "a second login while one is in flight");
                    self.login_started_at.push(self.now);
                    self.pending.push(Pending::WxLogin(attempt));
                }
                Command::PostCode { attempt, .. } => self
                    .pending
                    .push(Pending::PostCode(attempt, self.now + 10_000 + 5_000)),
                Command::CheckSession { check } => self.pending.push(Pending::Check(check)),
                Command::Send {
                    id,
                    send,
                    generation,
                    ..
                } => {
                    let token = match generation {
                        Some(g) => {
                            prop_assert!(
                                self.tokens.contains_key(&g),
                                "generation {} unknown to the host",
                                g
                            );
                            Some(self.tokens[&g].clone())
                        }
                        None => None,
                    };
                    if let Some(t) = &token {
                        prop_assert!(
                            !self.dead_tokens.contains(t),
                            "a token from before logout was sent"
                        );
                    }
                    if self.tokenless.contains(&id) {
                        prop_assert!(token.is_none(), "request {} must go without a token", id);
                    }
                    self.send_deadline.insert(id, self.now + 60_000 + 5_000);
                    self.pending.push(Pending::Send {
                        id,
                        send,
                        token,
                        deadline: self.now + 65_000,
                    });
                }
                Command::Resolve { id } if self.tokenless.contains(&id) => {
                    prop_assert!(
                        self.responded.contains(&id),
                        "{} resolved without a response",
                        id
                    );
                    *self.settled.entry(id).or_default() += 1;
                    prop_assert_eq!(self.settled[&id], 1, "settled twice");
                }
                Command::Reject { id, error } if self.requests.contains(&id) => {
                    let code = error.code();
                    let justified = match code {
                        _ if self.tokenless.contains(&id) => {
                            code == "REQUEST_FAILED"
                                && (self.send_failed.contains(&id) || self.timed_out(id))
                        }
                        "LOGGED_OUT" => self
                            .logout_steps
                            .iter()
                            .any(|s| *s >= self.created_at_step[&id]),
                        "NETWORK_OFFLINE" => !self.online,
                        "WX_LOGIN_FAILED" => self.wx_login_failed,
                        "REQUEST_FAILED" => {
                            self.send_failed.contains(&id)
                                || self.login_post_failed
                                || self.timed_out(id)
                        }
                        "LOGIN_REJECTED" => self.login_rejected,
                        "LOGIN_TIMEOUT" => {
                            self.login_started_at.iter().any(|t| self.now >= t + 10_000)
                        }
                        "RETRY_LIMIT" => {
                            self.current_failures.get(&id).copied().unwrap_or(0) > RETRY_LIMIT
                        }
                        _ => false,
                    };
                    prop_assert!(
                        justified,
                        "request {} rejected {} without a cause in its history",
                        id,
                        code
                    );
                    *self.settled.entry(id).or_default() += 1;
                    prop_assert_eq!(self.settled[&id], 1, "settled twice");
                }
                Command::Resolve { id } | Command::Reject { id, .. } => {
                    *self.settled.entry(id).or_default() += 1;
                    prop_assert_eq!(self.settled[&id], 1, "settled twice");
                }
                Command::Persist {
                    session,
                    generation,
                } => {
                    prop_assert!(!self.tokens.contains_key(&generation), "generation reused");
                    self.tokens.insert(generation, session.token.clone());
                    self.latest_token = Some(session.token.clone());
                    self.live_tokens.insert(session.token);
                }
                _ => {}
            }
        }
        prop_assert!(logins_started <= 1, "two logins started by one input");
        // The login POST is a wx.request too.
        let requests = self
            .pending
            .iter()
            .filter(|p| match p {
                Pending::Send { deadline, .. } | Pending::PostCode(_, deadline) => {
                    self.now < *deadline
                }
                _ => false,
            })
            .count();
        prop_assert!(
            requests <= MAX_IN_FLIGHT,
            "{} wx.request in flight",
            requests
        );
        Ok(())
    }

    fn timed_out(&self, id: u64) -> bool {
        self.send_deadline.get(&id).is_some_and(|d| self.now >= *d)
    }

    fn answer(&mut self, index: usize, outcome: u8) -> Result<(), TestCaseError> {
        if self.pending.is_empty() {
            return Ok(());
        }
        let p = self.pending.remove(index % self.pending.len());
        let good = outcome % 4 != 0;
        let input = match p {
            Pending::WxLogin(attempt) if good => Input::WxLoginOk {
                attempt,
                code: format!("c{outcome}"),
            },
            Pending::WxLogin(attempt) => Input::WxLoginFailed {
                attempt,
                err_msg: "login:fail".into(),
            },
            Pending::PostCode(attempt, _) if good => {
                self.issued_tokens += 1;
                let token = format!("tok{}", self.issued_tokens);
                Input::LoginAnswered {
                    attempt,
                    answer: LoginAnswer {
                        status: 200,
                        token: Some(token),
                        expires_in_s: Some(3600.0),
                    },
                }
            }
            Pending::PostCode(attempt, _) if outcome % 8 == 0 => Input::LoginPostFailed {
                attempt,
                err_msg: "request:fail".into(),
            },
            Pending::PostCode(attempt, _) => Input::LoginAnswered {
                attempt,
                answer: LoginAnswer {
                    status: 500,
                    token: None,
                    expires_in_s: None,
                },
            },
            Pending::Check(check) => Input::CheckSessionAnswered { check, ok: good },
            Pending::Send {
                id, send, token, ..
            } => {
                if outcome % 5 == 0 {
                    Input::RequestFailed {
                        id,
                        send,
                        err_msg: "request:fail timeout".into(),
                    }
                } else {
                    // The server accepts only the newest token, and only sometimes.
                    let accepted =
                        token.is_none() || (token == self.latest_token && outcome % 3 != 0);
                    if !accepted && token.is_some() && token == self.latest_token {
                        *self.current_failures.entry(id).or_default() += 1;
                        prop_assert!(
                            self.current_failures[&id] <= RETRY_LIMIT + 1,
                            "more re-logins than retryLimit"
                        );
                    }
                    let status = if accepted { 200 } else { 401 };
                    Input::Response {
                        id,
                        send,
                        status,
                        host_verdict: false,
                    }
                }
            }
        };
        match &input {
            Input::WxLoginFailed { .. } => self.wx_login_failed = true,
            Input::LoginPostFailed { .. } => self.login_post_failed = true,
            Input::LoginAnswered { answer, .. } if answer.status != 200 => {
                self.login_rejected = true
            }
            Input::RequestFailed { id, .. } => {
                self.send_failed.insert(*id);
            }
            Input::Response { id, .. } => {
                self.responded.insert(*id);
            }
            _ => {}
        }
        self.input(input)
    }

    fn step(&mut self, op: Op) -> Result<(), TestCaseError> {
        self.step += 1;
        match op {
            Op::Request(u, auth) => {
                let id = self.next_id;
                self.next_id += 1;
                self.requests.insert(id);
                self.created_at_step.insert(id, self.step);
                if !auth || u == 2 {
                    self.tokenless.insert(id);
                }
                let url = [
                    "/api/p",
                    "https://api.example.com/api/q",
                    "https://evil.example.org/x",
                ][u as usize];
                let url = resolve(url, self.m.config().base_url.as_deref());
                let with_token = auth && self.m.config().is_trusted(&url);
                self.input(Input::Request {
                    id,
                    with_token,
                    channel: Channel::Request,
                    timeout_ms: 60_000,
                })
            }
            Op::Burst(u, auth) => {
                for _ in 0..12 {
                    self.step(Op::Request(u, auth))?;
                }
                Ok(())
            }
            Op::Login => {
                let id = self.next_id;
                self.next_id += 1;
                self.requests.insert(id);
                self.created_at_step.insert(id, self.step);
                self.input(Input::Login { id })
            }
            Op::Logout => {
                self.dead_tokens.extend(self.live_tokens.drain());
                self.latest_token = None;
                self.logout_steps.push(self.step);
                self.input(Input::Logout)
            }
            Op::Network(online) => {
                self.online = online;
                self.input(Input::Network { online })
            }
            Op::Foreground(true) => self.input(Input::AppShown),
            Op::Foreground(false) => self.input(Input::AppHidden),
            Op::Advance(ms) => {
                self.now += u64::from(ms);
                let was = self.m.login_in_flight();
                self.m.handle_timeout(self.now);
                self.drain(was && self.m.login_in_flight())
            }
            Op::Answer(i, o) => self.answer(i, o),
        }
    }

    /// Answers everything well and lets time pass until nothing is left: every
    /// request must then have settled.
    fn quiesce(&mut self) -> Result<(), TestCaseError> {
        self.online = true;
        self.input(Input::Network { online: true })?;
        for _ in 0..10_000 {
            if self.pending.is_empty() {
                match self.m.poll_timeout() {
                    Some(_) => self.step(Op::Advance(20_000))?,
                    None => break,
                }
            } else {
                self.answer(0, 1)?;
            }
        }
        prop_assert!(
            self.pending.is_empty(),
            "livelock: host actions keep coming"
        );
        for id in &self.requests {
            prop_assert_eq!(
                self.settled.get(id).copied(),
                Some(1),
                "request {} never settled",
                id
            );
        }
        prop_assert_eq!(self.m.pending(), 0);
        Ok(())
    }
}

proptest! {
    // At least 1000 per run; PROPTEST_CASES raises it for a longer search.
    #![proptest_config(ProptestConfig {
        cases: std::env::var("PROPTEST_CASES").ok().and_then(|v| v.parse().ok()).unwrap_or(1000).max(1000),
        ..ProptestConfig::default()
    })]

    #[test]
    fn invariants_hold_under_any_interleaving(ops in proptest::collection::vec(op(), 1..80)) {
        let mut w = World::new();
        for op in ops {
            w.step(op)?;
        }
        w.quiesce()?;
    }
}
