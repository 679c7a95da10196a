//! Property tests: random interleavings of requests on three channels, logins,
//! interceptor tickets (authorize → transport → check → replay), aborts, logouts,
//! network changes, app hide/show, clock jumps and host answers (in any order, with any
//! outcome, or none: deadlines), from a cold start or a restored session with adopted
//! sends, with checkSession awaited or not. Checked after every step against a
//! reference model: the invariants a mini-program developer relies on (API.md), exact
//! outcomes for tokenless requests, and a cause in the history for every rejection.
#![cfg(not(target_arch = "wasm32"))]

use std::collections::{HashMap, HashSet};

use proptest::prelude::*;
use weapp_login::{resolve, Channel, Command, Config, Input, LoginAnswer, Machine, StoredSession};

const RETRY_LIMIT: u32 = 2;
const MAX_IN_FLIGHT: usize = 10;
const MARGIN: u64 = 5_000;
const LOGIN_TIMEOUT: u64 = 10_000;
const CHANNELS: [Channel; 3] = [Channel::Request, Channel::Upload, Channel::Download];
const TIMEOUTS: [u64; 3] = [1_000, 8_000, 60_000];

#[derive(Debug, Clone)]
enum Op {
    /// A request: URL 0 relative, 1 absolute trusted, 2 untrusted; `auth`; channel;
    /// timeout index.
    Request(u8, bool, u8, u8),
    /// Twelve such requests at once: more than fit on the wire.
    Burst(u8, bool, u8),
    Login,
    /// An interceptor's logical request: authorize, then its transport, then check.
    Ticket,
    /// Abort the open waiter at this index (modulo).
    Abort(usize),
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
        4 => (0u8..3, any::<bool>(), 0u8..3, 0u8..3).prop_map(|(u, a, c, t)| Op::Request(u, a, c, t)),
        1 => (0u8..3, any::<bool>(), 0u8..3).prop_map(|(u, a, c)| Op::Burst(u, a, c)),
        1 => Just(Op::Login),
        2 => Just(Op::Ticket),
        1 => any::<usize>().prop_map(Op::Abort),
        1 => Just(Op::Logout),
        1 => any::<bool>().prop_map(Op::Network),
        1 => any::<bool>().prop_map(Op::Foreground),
        1 => (0u32..15_000).prop_map(Op::Advance),
        // Long enough for a re-check after the background.
        1 => Just(Op::Advance(400_000)),
        8 => (any::<usize>(), any::<u8>()).prop_map(|(i, o)| Op::Answer(i, o)),
    ]
}

/// How a case starts.
#[derive(Debug, Clone)]
struct Launch {
    restored: bool,
    adopted: u8,
    await_check: bool,
    network_wait: bool,
}

fn launch() -> impl Strategy<Value = Launch> {
    (any::<bool>(), 0u8..4, any::<bool>(), any::<bool>()).prop_map(
        |(restored, adopted, await_check, network_wait)| Launch {
            restored,
            adopted,
            await_check,
            network_wait,
        },
    )
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
        channel: Channel,
        /// When the machine gives up on its answer.
        deadline: u64,
    },
    /// A ticket's request on the host's transport (no slot of ours).
    Transport {
        logical: u64,
        generation: u64,
        relogins: u32,
        token: String,
    },
}

struct World {
    m: Machine,
    now: u64,
    pending: Vec<Pending>,
    next_id: u64,
    /// Waiters not yet settled, and whether each is a tokenless request.
    open: Vec<u64>,
    settled: HashMap<u64, u32>,
    issued_tokens: u64,
    latest_token: Option<String>,
    /// Tokens of login states that a logout ended.
    dead_tokens: HashSet<String>,
    live_tokens: HashSet<String>,
    /// Auth failures with the newest token, per request id or logical ticket.
    current_failures: HashMap<u64, u32>,
    /// The host's copy of each generation's token.
    tokens: HashMap<u64, String>,
    // The reference model: what the history justifies.
    step: u64,
    created_at_step: HashMap<u64, u64>,
    logout_steps: Vec<u64>,
    /// Requests the model says go without a token (auth false, or an untrusted origin).
    tokenless: HashSet<u64>,
    /// Waiter id → logical ticket, for authorize and check waiters.
    ticket_of: HashMap<u64, u64>,
    /// Logical tickets not yet done.
    open_tickets: HashSet<u64>,
    aborted: HashSet<u64>,
    responded: HashSet<u64>,
    send_failed: HashSet<u64>,
    /// Answer deadline of each request's latest send.
    send_deadline: HashMap<u64, u64>,
    /// Each request's `timeout_ms`.
    timeouts: HashMap<u64, u64>,
    online: bool,
    network_reported: bool,
    /// Whether the current login state is vouched for: by a fresh login, or by an ok
    /// answer to the newest checkSession, since the last long background.
    verified: bool,
    await_check: bool,
    newest_check: u64,
    checks_issued: u32,
    long_backgrounds: u32,
    hidden_since: Option<u64>,
    /// `login()` waiters.
    logins: HashSet<u64>,
    wx_login_failed: bool,
    login_post_failed: bool,
    login_rejected: bool,
    login_started_at: Vec<u64>,
}

impl World {
    fn new(l: &Launch) -> Result<World, TestCaseError> {
        let mut config = Config::new(
            "https://api.example.com/user/login",
            Some("https://api.example.com"),
            None,
        )
        .unwrap();
        config.retry_limit = RETRY_LIMIT;
        config.await_check_session = l.await_check;
        config.network_wait_ms = if l.network_wait { 3_000 } else { 0 };
        let now = 1_700_000_000_000;
        let stored = l.restored.then(|| StoredSession {
            token: "stored".into(),
            expires_at_ms: None,
        });
        let m = Machine::new(config, stored, now);
        let tokens: HashMap<u64, String> = m
            .token()
            .map(|(t, g)| (g, t.to_string()))
            .into_iter()
            .collect();
        let mut w = World {
            m,
            now,
            pending: Vec::new(),
            next_id: 1,
            open: Vec::new(),
            settled: HashMap::new(),
            issued_tokens: 0,
            latest_token: l.restored.then(|| "stored".to_string()),
            dead_tokens: HashSet::new(),
            live_tokens: l
                .restored
                .then(|| "stored".to_string())
                .into_iter()
                .collect(),
            current_failures: HashMap::new(),
            tokens,
            step: 0,
            created_at_step: HashMap::new(),
            logout_steps: Vec::new(),
            tokenless: HashSet::new(),
            ticket_of: HashMap::new(),
            open_tickets: HashSet::new(),
            aborted: HashSet::new(),
            responded: HashSet::new(),
            send_failed: HashSet::new(),
            send_deadline: HashMap::new(),
            timeouts: HashMap::new(),
            online: true,
            network_reported: !l.network_wait,
            verified: false,
            await_check: l.await_check,
            newest_check: 0,
            checks_issued: 0,
            long_backgrounds: 0,
            hidden_since: None,
            logins: HashSet::new(),
            wx_login_failed: false,
            login_post_failed: false,
            login_rejected: false,
            login_started_at: Vec::new(),
        };
        w.drain(false)?;
        // Requests the host sent with the stored token before the machine existed.
        for i in 0..if l.restored { l.adopted } else { 0 } {
            let id = w.new_waiter();
            let channel = CHANNELS[usize::from(i) % 3];
            let deadline = w.now + 60_000 + MARGIN;
            w.send_deadline.insert(id, deadline);
            w.pending.push(Pending::Send {
                id,
                send: 0,
                token: Some("stored".into()),
                channel,
                deadline,
            });
            w.input(Input::Adopt {
                id,
                channel,
                timeout_ms: 60_000,
            })?;
        }
        Ok(w)
    }

    fn new_waiter(&mut self) -> u64 {
        let id = self.next_id;
        self.next_id += 1;
        self.open.push(id);
        self.created_at_step.insert(id, self.step);
        id
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

    fn token_of(&self, generation: u64) -> Result<String, TestCaseError> {
        let t = self.tokens.get(&generation);
        prop_assert!(t.is_some(), "generation {} unknown to the host", generation);
        let t = t.unwrap().clone();
        prop_assert!(
            !self.dead_tokens.contains(&t),
            "a token from before logout was used"
        );
        Ok(t)
    }

    fn settle(&mut self, id: u64) -> Result<(), TestCaseError> {
        *self.settled.entry(id).or_default() += 1;
        prop_assert_eq!(self.settled[&id], 1, "waiter {} settled twice", id);
        self.open.retain(|o| *o != id);
        Ok(())
    }

    fn drain(&mut self, login_was_running: bool) -> Result<(), TestCaseError> {
        let mut logins_started = 0;
        while let Some(cmd) = self.m.poll_command() {
            match cmd {
                Command::WxLogin { attempt } => {
                    logins_started += 1;
                    prop_assert!(!login_was_running, "a second login while one is in flight");
                    prop_assert!(
                        self.network_reported
                            || self.m.config().network_wait_ms == 0
                            || self.now >= 1_700_000_003_000,
                        "wx.login while the network state is unknown at launch"
                    );
                    self.login_started_at.push(self.now);
                    self.pending.push(Pending::WxLogin(attempt));
                }
                Command::PostCode { attempt, .. } => self.pending.push(Pending::PostCode(
                    attempt,
                    self.now + LOGIN_TIMEOUT + MARGIN,
                )),
                Command::CheckSession { check } => {
                    self.checks_issued += 1;
                    prop_assert!(
                        self.checks_issued <= 1 + self.long_backgrounds,
                        "checkSession more than once per launch and long background"
                    );
                    self.newest_check = check;
                    self.pending.push(Pending::Check(check));
                }
                Command::Send {
                    id,
                    send,
                    generation,
                    channel,
                } => {
                    let token = match generation {
                        Some(g) => Some(self.token_of(g)?),
                        None => None,
                    };
                    if self.tokenless.contains(&id) {
                        prop_assert!(token.is_none(), "request {} must go without a token", id);
                    }
                    if token.is_some() {
                        prop_assert!(
                            !self.outlived_a_logout(id),
                            "request {} from before a logout got a token after it",
                            id
                        );
                    }
                    prop_assert!(send > 0, "send 0 is the adopted one's");
                    if token.is_some() && self.await_check {
                        prop_assert!(self.verified, "awaitCheckSession: a token sent unverified");
                    }
                    let deadline = self.now + self.timeout_of(id) + MARGIN;
                    self.send_deadline.insert(id, deadline);
                    self.pending.push(Pending::Send {
                        id,
                        send,
                        token,
                        channel,
                        deadline,
                    });
                }
                Command::AbortSend { id, send, .. } => {
                    prop_assert!(self.aborted.contains(&id), "AbortSend for {} unasked", id);
                    let before = self.pending.len();
                    self.pending.retain(
                        |p| !matches!(p, Pending::Send { id: i, send: s, .. } if *i == id && *s == send),
                    );
                    prop_assert_eq!(
                        before,
                        self.pending.len() + 1,
                        "AbortSend of no send on the wire"
                    );
                }
                Command::Authorized {
                    id,
                    generation,
                    relogins,
                } => {
                    prop_assert!(
                        self.verified,
                        "authorize() answered with an unverified state"
                    );
                    let token = self.token_of(generation)?;
                    self.settle(id)?;
                    let logical = self.ticket_of[&id];
                    prop_assert!(
                        !self.outlived_a_logout(logical),
                        "ticket {} from before a logout got a token after it",
                        logical
                    );
                    self.pending.push(Pending::Transport {
                        logical,
                        generation,
                        relogins,
                        token,
                    });
                }
                Command::Verdict {
                    id,
                    replay,
                    relogins,
                } => {
                    self.settle(id)?;
                    let logical = self.ticket_of[&id];
                    prop_assert!(relogins <= RETRY_LIMIT, "a ticket beyond retryLimit");
                    if replay {
                        self.authorize(logical, relogins)?;
                    } else {
                        self.open_tickets.remove(&logical);
                    }
                }
                Command::Resolve { id } => {
                    if self.logins.contains(&id) {
                        prop_assert!(self.verified, "login() resolved with an unverified state");
                    }
                    if self.tokenless.contains(&id) {
                        prop_assert!(
                            self.responded.contains(&id),
                            "{} resolved without a response",
                            id
                        );
                    }
                    self.settle(id)?;
                }
                Command::Reject { id, error } => {
                    let code = error.code();
                    prop_assert!(
                        self.justified(id, code),
                        "{} rejected {} without a cause in its history",
                        id,
                        code
                    );
                    self.settle(id)?;
                    if let Some(logical) = self.ticket_of.get(&id) {
                        self.open_tickets.remove(logical);
                    }
                }
                Command::Persist {
                    session,
                    generation,
                } => {
                    self.verified = true;
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
        for channel in CHANNELS {
            let n = self
                .pending
                .iter()
                .filter(|p| match p {
                    Pending::Send {
                        deadline,
                        channel: c,
                        ..
                    } => *c == channel && self.now < *deadline,
                    Pending::PostCode(_, deadline) => {
                        channel == Channel::Request && self.now < *deadline
                    }
                    _ => false,
                })
                .count();
            prop_assert!(n <= MAX_IN_FLIGHT, "{} in flight on {:?}", n, channel);
        }
        Ok(())
    }

    /// Whether a logout happened at or after the step that made `id`.
    fn outlived_a_logout(&self, id: u64) -> bool {
        self.logout_steps
            .iter()
            .any(|s| *s >= self.created_at_step[&id])
    }

    fn timeout_of(&self, id: u64) -> u64 {
        self.timeouts.get(&id).copied().unwrap_or(60_000)
    }

    fn justified(&self, id: u64, code: &str) -> bool {
        let timed_out = self.send_deadline.get(&id).is_some_and(|d| self.now >= *d);
        let failures = match self.ticket_of.get(&id) {
            Some(l) => self.current_failures.get(l),
            None => self.current_failures.get(&id),
        };
        match code {
            "ABORTED" => self.aborted.contains(&id),
            _ if self.tokenless.contains(&id) => {
                code == "REQUEST_FAILED" && (self.send_failed.contains(&id) || timed_out)
            }
            "LOGGED_OUT" => {
                // A ticket's history starts with its first waiter.
                let first = self.ticket_of.get(&id).unwrap_or(&id);
                self.logout_steps
                    .iter()
                    .any(|s| *s >= self.created_at_step[first])
            }
            "NETWORK_OFFLINE" => !self.online,
            "WX_LOGIN_FAILED" => self.wx_login_failed,
            "REQUEST_FAILED" => {
                self.send_failed.contains(&id) || self.login_post_failed || timed_out
            }
            "LOGIN_REJECTED" => self.login_rejected,
            "LOGIN_TIMEOUT" => self
                .login_started_at
                .iter()
                .any(|t| self.now >= t + LOGIN_TIMEOUT),
            "RETRY_LIMIT" => failures.copied().unwrap_or(0) > RETRY_LIMIT,
            _ => false,
        }
    }

    fn authorize(&mut self, logical: u64, relogins: u32) -> Result<(), TestCaseError> {
        let id = self.new_waiter();
        self.ticket_of.insert(id, logical);
        self.input(Input::Authorize { id, relogins })
    }

    /// Whether the server accepts `token` now: only the newest, and only sometimes.
    fn accepts(
        &mut self,
        key: u64,
        token: &Option<String>,
        outcome: u8,
    ) -> Result<bool, TestCaseError> {
        let accepted = token.is_none() || (*token == self.latest_token && outcome % 3 != 0);
        if !accepted && token.is_some() && *token == self.latest_token {
            *self.current_failures.entry(key).or_default() += 1;
            prop_assert!(
                self.current_failures[&key] <= RETRY_LIMIT + 1,
                "more re-logins than retryLimit"
            );
        }
        Ok(accepted)
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
            Pending::Check(check) => {
                if good && check == self.newest_check {
                    self.verified = true;
                }
                Input::CheckSessionAnswered { check, ok: good }
            }
            Pending::Send {
                id, send, token, ..
            } => {
                if outcome % 5 == 0 {
                    self.send_failed.insert(id);
                    Input::RequestFailed {
                        id,
                        send,
                        err_msg: "request:fail".into(),
                    }
                } else {
                    let accepted = self.accepts(id, &token, outcome)?;
                    self.responded.insert(id);
                    Input::Response {
                        id,
                        send,
                        status: if accepted { 200 } else { 401 },
                        host_verdict: false,
                    }
                }
            }
            Pending::Transport {
                logical,
                generation,
                relogins,
                token,
            } => {
                let accepted = self.accepts(logical, &Some(token), outcome)?;
                let id = self.new_waiter();
                self.ticket_of.insert(id, logical);
                // Half the auth failures are reported through the host's verdict.
                let (status, host_verdict) = match (accepted, outcome % 2) {
                    (true, _) => (200, false),
                    (false, 0) => (401, false),
                    (false, _) => (200, true),
                };
                Input::Check {
                    id,
                    generation,
                    relogins,
                    status,
                    host_verdict,
                }
            }
        };
        match &input {
            Input::WxLoginFailed { .. } => self.wx_login_failed = true,
            Input::LoginPostFailed { .. } => self.login_post_failed = true,
            Input::LoginAnswered { answer, .. } if answer.status != 200 => {
                self.login_rejected = true
            }
            _ => {}
        }
        self.input(input)
    }

    fn step(&mut self, op: Op) -> Result<(), TestCaseError> {
        self.step += 1;
        match op {
            Op::Request(u, auth, c, t) => {
                let id = self.new_waiter();
                let url = [
                    "/api/p",
                    "https://api.example.com/api/q",
                    "https://evil.example.org/x",
                ][u as usize];
                let url = resolve(url, self.m.config().base_url.as_deref());
                let with_token = auth && self.m.config().is_trusted(&url);
                if !with_token {
                    self.tokenless.insert(id);
                }
                let timeout_ms = TIMEOUTS[t as usize];
                self.timeouts.insert(id, timeout_ms);
                self.input(Input::Request {
                    id,
                    with_token,
                    channel: CHANNELS[c as usize],
                    timeout_ms,
                })
            }
            Op::Burst(u, auth, c) => {
                for _ in 0..12 {
                    self.step(Op::Request(u, auth, c, 0))?;
                }
                Ok(())
            }
            Op::Login => {
                let id = self.new_waiter();
                self.logins.insert(id);
                self.input(Input::Login { id })
            }
            Op::Ticket => {
                let logical = self.next_id; // named after its first waiter
                self.open_tickets.insert(logical);
                self.authorize(logical, 0)
            }
            Op::Abort(i) => {
                if self.open.is_empty() {
                    return Ok(());
                }
                let id = self.open[i % self.open.len()];
                self.aborted.insert(id);
                self.input(Input::Abort { id })
            }
            Op::Logout => {
                self.dead_tokens.extend(self.live_tokens.drain());
                self.latest_token = None;
                self.logout_steps.push(self.step);
                self.input(Input::Logout)
            }
            Op::Network(online) => {
                self.online = online;
                self.network_reported = true;
                self.input(Input::Network { online })
            }
            Op::Foreground(true) => {
                if self
                    .hidden_since
                    .take()
                    .is_some_and(|t| self.now - t >= 300_000)
                {
                    self.verified = false;
                    self.long_backgrounds += 1;
                }
                self.input(Input::AppShown)
            }
            Op::Foreground(false) => {
                self.hidden_since = Some(self.now);
                self.input(Input::AppHidden)
            }
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
    /// waiter and every logical ticket must then have settled.
    fn quiesce(&mut self) -> Result<(), TestCaseError> {
        self.online = true;
        self.network_reported = true;
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
        prop_assert_eq!(&self.open, &Vec::<u64>::new(), "waiters never settled");
        prop_assert!(
            self.open_tickets.is_empty(),
            "tickets never done: {:?}",
            self.open_tickets
        );
        prop_assert_eq!(self.m.pending(), 0);
        prop_assert_eq!(self.m.poll_timeout(), None, "a deadline left behind");
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
    fn invariants_hold_under_any_interleaving(l in launch(), ops in proptest::collection::vec(op(), 1..80)) {
        let mut w = World::new(&l)?;
        for op in ops {
            w.step(op)?;
        }
        w.quiesce()?;
    }
}
