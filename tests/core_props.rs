//! Property tests: random interleavings of requests on three channels, logins,
//! interceptor tickets (authorize → transport → check → replay), aborts, logouts,
//! network changes, app hide/show, clock jumps and host answers (in any order, with any
//! outcome, or none: deadlines), from a cold start or a restored session with adopted
//! sends, with checkSession awaited or not, with or without leases of wx.request slots
//! (the host then sends and settles requests itself, and hands the machine only those
//! that need it). Checked after every step against a reference model: the invariants a
//! mini-program developer relies on (pkg/REFERENCE.md), exact outcomes for tokenless requests,
//! and a cause in the history for every rejection.
#![cfg(not(target_arch = "wasm32"))]

use std::collections::{HashMap, HashSet};

use proptest::prelude::*;
use proptest::strategy::ValueTree;
use proptest::test_runner::TestRunner;
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
    /// A request (false) or an interceptor's ticket (true) that the server refuses with
    /// every token, however often the login is renewed: it must end in RETRY_LIMIT after
    /// `retryLimit` re-logins (a case that otherwise needs three refusals in a row of the
    /// newest token for one request, which random answers seldom give).
    Refused(bool),
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
    /// Answer every pending host action well, in order, until none is left (no time
    /// passes): the steady state, where leases are granted. Logins give tokens that
    /// live an hour, or (true) two minutes.
    Calm(bool),
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        4 => (0u8..3, any::<bool>(), 0u8..3, 0u8..3).prop_map(|(u, a, c, t)| Op::Request(u, a, c, t)),
        1 => (0u8..3, any::<bool>(), 0u8..3).prop_map(|(u, a, c)| Op::Burst(u, a, c)),
        1 => any::<bool>().prop_map(Op::Refused),
        1 => Just(Op::Login),
        2 => Just(Op::Ticket),
        1 => any::<usize>().prop_map(Op::Abort),
        1 => Just(Op::Logout),
        1 => any::<bool>().prop_map(Op::Network),
        1 => any::<bool>().prop_map(Op::Foreground),
        1 => (0u32..15_000).prop_map(Op::Advance),
        // Long enough for a re-check after the background (and past a token's renewal
        // time); odd: with no call of handle_timeout unless something is due.
        1 => prop_oneof![Just(Op::Advance(400_000)), Just(Op::Advance(400_001))],
        8 => (any::<usize>(), any::<u8>()).prop_map(|(i, o)| Op::Answer(i, o)),
        1 => any::<bool>().prop_map(Op::Calm),
    ]
}

/// How a case starts.
#[derive(Debug, Clone)]
struct Launch {
    restored: bool,
    adopted: u8,
    await_check: bool,
    network_wait: bool,
    /// `config.lease`: the World then acts as a lease-taking host.
    lease: bool,
}

fn launch() -> impl Strategy<Value = Launch> {
    (
        any::<bool>(),
        0u8..4,
        any::<bool>(),
        any::<bool>(),
        any::<bool>(),
    )
        .prop_map(
            |(restored, adopted, await_check, network_wait, lease)| Launch {
                restored,
                adopted,
                await_check,
                network_wait,
                lease,
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
        /// When the machine gives up on its answer (for a leased send: when the host
        /// hands it to the machine).
        deadline: u64,
        /// A send the host made under this lease (send 0, `id` unknown to the
        /// machine) and the generation whose token it carries; `None`: one the
        /// machine knows.
        leased: Option<(u64, Option<u64>)>,
    },
    /// A ticket's request on the host's transport (no slot of ours).
    Transport {
        logical: u64,
        generation: u64,
        relogins: u32,
        token: String,
    },
}

/// The lease the host holds ([`Command::Lease`]).
#[derive(Debug, Clone, Copy)]
struct HostLease {
    number: u64,
    generation: u64,
    /// Slots granted and not in use.
    free: u32,
    until: Option<u64>,
}

/// How often each lease path ran (to check that the cases reach them).
#[derive(Debug, Default, Clone, Copy)]
struct LeaseStats {
    granted: u64,
    grown: u64,
    revoked: u64,
    host_ended: u64,
    leased_sends: u64,
    leased_with_token: u64,
    settled_by_host: u64,
    released_after_end: u64,
    adopted_failed: u64,
    adopted_auth_failure: u64,
    adopted_deadline: u64,
    adopted_abort: u64,
    full_lease_fallbacks: u64,
    /// Not a lease path: rejections with RETRY_LIMIT (the retry limit is reached).
    retry_limits: u64,
}

impl LeaseStats {
    fn add(&mut self, o: &LeaseStats) {
        self.granted += o.granted;
        self.grown += o.grown;
        self.revoked += o.revoked;
        self.host_ended += o.host_ended;
        self.leased_sends += o.leased_sends;
        self.leased_with_token += o.leased_with_token;
        self.settled_by_host += o.settled_by_host;
        self.released_after_end += o.released_after_end;
        self.adopted_failed += o.adopted_failed;
        self.adopted_auth_failure += o.adopted_auth_failure;
        self.adopted_deadline += o.adopted_deadline;
        self.adopted_abort += o.adopted_abort;
        self.full_lease_fallbacks += o.full_lease_fallbacks;
        self.retry_limits += o.retry_limits;
    }
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
    /// Requests (by id) and logical tickets the server refuses with every token.
    refused: HashSet<u64>,
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
    /// Requests whose last answer fed to the machine was a success.
    answered_ok: HashSet<u64>,
    /// The lease the host holds, if any.
    lease: Option<HostLease>,
    /// The newest lease number seen.
    last_lease: u64,
    /// When each generation's token is due for renewal (from its Persist).
    renew_at: HashMap<u64, Option<u64>>,
    stats: LeaseStats,
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
        config.lease = l.lease;
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
            refused: HashSet::new(),
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
            answered_ok: HashSet::new(),
            lease: None,
            last_lease: 0,
            // The stored session has no expiry.
            renew_at: l.restored.then_some((1, None)).into_iter().collect(),
            stats: LeaseStats::default(),
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
                leased: None,
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
        // Inputs the host feeds once the commands are drained (lease slots given back).
        let mut later = Vec::new();
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
                        leased: None,
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
                    if !self.logins.contains(&id) {
                        prop_assert!(
                            self.answered_ok.contains(&id),
                            "request {} resolved, but its last answer was no success",
                            id
                        );
                    }
                    self.settle(id)?;
                }
                Command::Reject { id, error } => {
                    let code = error.code();
                    if code == "RETRY_LIMIT" {
                        self.stats.retry_limits += 1;
                    }
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
                    // The login answer came now: renewal is due `renewMarginMs` (60 s)
                    // before the expiry, but not before half the lifetime.
                    let renew_at = session.expires_at_ms.map(|e| {
                        let lifetime = e - self.now;
                        e - 60_000u64.min(lifetime / 2)
                    });
                    self.renew_at.insert(generation, renew_at);
                    self.tokens.insert(generation, session.token.clone());
                    self.latest_token = Some(session.token.clone());
                    self.live_tokens.insert(session.token);
                }
                Command::Lease {
                    lease,
                    generation,
                    slots,
                    until_ms,
                    margin_ms,
                } => {
                    prop_assert!(self.m.config().lease, "a Lease with config.lease false");
                    prop_assert!(slots > 0, "a Lease of no slot");
                    prop_assert_eq!(margin_ms, MARGIN);
                    match &mut self.lease {
                        Some(h) if h.number == lease => {
                            prop_assert_eq!(h.generation, generation, "a lease changed generation");
                            prop_assert_eq!(h.until, until_ms, "a lease changed its end");
                            h.free += slots;
                            self.stats.grown += 1;
                        }
                        _ if lease <= self.last_lease => {
                            // A lease this host ended already: given back at once.
                            later.push(Input::Release { lease, slots });
                            continue;
                        }
                        held => {
                            prop_assert!(
                                held.is_none(),
                                "lease {} granted while lease {:?} is held",
                                lease,
                                held
                            );
                            prop_assert!(
                                !self.pending.iter().any(|p| matches!(
                                    p,
                                    Pending::Send {
                                        leased: Some(_),
                                        ..
                                    }
                                )),
                                "lease {} granted while sends of an ended lease are out",
                                lease
                            );
                            *held = Some(HostLease {
                                number: lease,
                                generation,
                                free: slots,
                                until: until_ms,
                            });
                            self.last_lease = lease;
                            self.stats.granted += 1;
                        }
                    }
                    prop_assert!(self.verified, "a lease of an unverified login state");
                    let token = self.token_of(generation)?;
                    prop_assert_eq!(
                        Some(&token),
                        self.latest_token.as_ref(),
                        "a lease of a token that is not the newest"
                    );
                    prop_assert_eq!(
                        self.renew_at.get(&generation).copied(),
                        Some(until_ms),
                        "a lease's end is not its token's renewal time"
                    );
                    prop_assert!(
                        until_ms.is_none_or(|u| self.now < u),
                        "a lease that has already ended"
                    );
                }
                Command::Revoke { lease } => {
                    // This host tells the machine at once of every lease it ends, so a
                    // Revoke names the lease it holds.
                    let held = self.lease.filter(|h| h.number == lease);
                    prop_assert!(
                        held.is_some(),
                        "Revoke of lease {}, not held (held: {:?})",
                        lease,
                        self.lease
                    );
                    self.lease = None;
                    self.stats.revoked += 1;
                    later.push(Input::Release {
                        lease,
                        slots: held.unwrap().free,
                    });
                }
                _ => {}
            }
        }
        prop_assert!(logins_started <= 1, "two logins started by one input");
        self.check_in_flight()?;
        for input in later {
            self.input(input)?;
        }
        Ok(())
    }

    /// At most `MAX_IN_FLIGHT` requests on the wire per channel, counting the host's
    /// leased sends and its free lease slots (it may fill them at any time).
    fn check_in_flight(&self) -> Result<(), TestCaseError> {
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
            if channel == Channel::Request {
                let free = self.lease.map_or(0, |h| h.free as usize);
                prop_assert!(
                    n + free <= MAX_IN_FLIGHT,
                    "{} wx.requests in flight and {} free lease slots",
                    n,
                    free
                );
            }
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
        let accepted = token.is_none()
            || (*token == self.latest_token && outcome % 3 != 0 && !self.refused.contains(&key));
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
                        // Some tokens live 2 minutes: renewed (and their lease ended)
                        // within a case.
                        expires_in_s: Some(if outcome % 7 == 3 { 120.0 } else { 3600.0 }),
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
                id,
                token,
                deadline,
                leased: Some((lease, generation)),
                ..
            } => {
                if outcome % 5 == 0 {
                    // No response: the machine takes it over.
                    let id = self.adopt(id, generation, &token, deadline, false)?;
                    self.stats.adopted_failed += 1;
                    self.send_failed.insert(id);
                    Input::RequestFailed {
                        id,
                        send: 0,
                        err_msg: "request:fail".into(),
                    }
                } else if self.accepts(id, &token, outcome)? {
                    // A success (a tokenless send's every answer is one): settled here,
                    // its slot goes on serving the lease, or back if the lease ended.
                    self.responded.insert(id);
                    self.settle(id)?;
                    self.stats.settled_by_host += 1;
                    match &mut self.lease {
                        Some(h) if h.number == lease => {
                            h.free += 1;
                            return self.check_in_flight();
                        }
                        _ => {
                            self.stats.released_after_end += 1;
                            Input::Release { lease, slots: 1 }
                        }
                    }
                } else {
                    // An auth failure of its token: the machine takes it over (renewal,
                    // replay, the retry limit). Half are reported by the host's verdict.
                    let id = self.adopt(id, generation, &token, deadline, false)?;
                    self.stats.adopted_auth_failure += 1;
                    self.responded.insert(id);
                    let (status, host_verdict) = if outcome % 2 == 0 {
                        (401, false)
                    } else {
                        (200, true)
                    };
                    Input::Response {
                        id,
                        send: 0,
                        status,
                        host_verdict,
                    }
                }
            }
            Pending::Send {
                id, send, token, ..
            } => {
                if outcome % 5 == 0 {
                    self.send_failed.insert(id);
                    self.answered_ok.remove(&id);
                    Input::RequestFailed {
                        id,
                        send,
                        err_msg: "request:fail".into(),
                    }
                } else {
                    let accepted = self.accepts(id, &token, outcome)?;
                    self.responded.insert(id);
                    if accepted {
                        self.answered_ok.insert(id);
                    } else {
                        self.answered_ok.remove(&id);
                    }
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
                let channel = CHANNELS[c as usize];
                if channel == Channel::Request && self.send_leased(id, with_token)? {
                    return Ok(());
                }
                self.input(Input::Request {
                    id,
                    with_token,
                    channel,
                    timeout_ms,
                })
            }
            Op::Burst(u, auth, c) => {
                for _ in 0..12 {
                    self.step(Op::Request(u, auth, c, 0))?;
                }
                Ok(())
            }
            Op::Refused(ticket) => {
                // The next waiter id is the request's, or the ticket's logical id.
                self.refused.insert(self.next_id);
                self.step(if ticket {
                    Op::Ticket
                } else {
                    Op::Request(0, true, 0, 2)
                })
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
                let mut id = self.open[i % self.open.len()];
                if let Some(index) = self.leased_index(id) {
                    // The host hands a leased send to the machine, then aborts it.
                    let Pending::Send {
                        token,
                        deadline,
                        leased: Some((_, generation)),
                        ..
                    } = self.pending[index].clone()
                    else {
                        unreachable!()
                    };
                    self.pending.remove(index);
                    id = self.adopt(id, generation, &token, deadline, true)?;
                    self.stats.adopted_abort += 1;
                }
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
                let mut timed_out = Vec::new();
                // The host's timer: leased sends past their deadline go to the machine,
                // which times them out.
                while let Some(index) = self.pending.iter().position(|p| {
                    matches!(p, Pending::Send { leased: Some(_), deadline, .. } if self.now >= *deadline)
                }) {
                    let Pending::Send {
                        id,
                        token,
                        deadline,
                        leased: Some((_, generation)),
                        ..
                    } = self.pending.remove(index)
                    else {
                        unreachable!()
                    };
                    let id = self.adopt(id, generation, &token, deadline, true)?;
                    self.stats.adopted_deadline += 1;
                    timed_out.push(id);
                }
                // A host's timer fires at `poll_timeout`; half the time it is also
                // called when nothing is due (the machine then sees the time only at
                // its next input, e.g. a lease past its end).
                let due = self.m.poll_timeout().is_some_and(|t| t <= self.now);
                if due || ms % 2 == 0 {
                    let was = self.m.login_in_flight();
                    self.m.handle_timeout(self.now);
                    self.drain(was && self.m.login_in_flight())?;
                }
                // Handed over past their deadline, with no answer: timed out by now.
                for id in timed_out {
                    prop_assert!(
                        self.settled.contains_key(&id),
                        "leased send {} adopted past its deadline is still open",
                        id
                    );
                }
                Ok(())
            }
            Op::Answer(i, o) => self.answer(i, o),
            Op::Calm(short) => {
                // Outcomes that are good for every action (see `answer`); 17 gives a
                // token of two minutes.
                let outcome = if short { 17 } else { 1 };
                for _ in 0..1_000 {
                    if self.pending.is_empty() {
                        break;
                    }
                    self.answer(0, outcome)?;
                }
                Ok(())
            }
        }
    }

    /// Sends request `id` under the lease if the host holds one with a free slot (after
    /// ending it if it is past its time); false: it goes to the machine.
    fn send_leased(&mut self, id: u64, with_token: bool) -> Result<bool, TestCaseError> {
        if let Some(h) = self
            .lease
            .filter(|h| h.until.is_some_and(|u| self.now >= u))
        {
            // Past the token's renewal time: the host ends the lease on its own.
            self.lease = None;
            self.stats.host_ended += 1;
            self.input(Input::Release {
                lease: h.number,
                slots: h.free,
            })?;
        }
        let Some(h) = &mut self.lease else {
            return Ok(false);
        };
        prop_assert!(
            h.until.is_none_or(|u| self.now < u),
            "a lease granted past its end"
        );
        if h.free == 0 {
            // Every leased slot is taken: the machine queues it (and revokes the lease).
            self.stats.full_lease_fallbacks += 1;
            return Ok(false);
        }
        h.free -= 1;
        let h = *h;
        let token = if with_token {
            let token = self.token_of(h.generation)?;
            prop_assert!(self.verified, "a leased send with an unverified token");
            prop_assert_eq!(
                Some(&token),
                self.latest_token.as_ref(),
                "a leased send with a token that is not the newest"
            );
            prop_assert!(
                !self.outlived_a_logout(id),
                "request {} from before a logout got a token after it",
                id
            );
            self.stats.leased_with_token += 1;
            Some(token)
        } else {
            None
        };
        let deadline = self.now + self.timeout_of(id) + MARGIN;
        self.send_deadline.insert(id, deadline);
        self.pending.push(Pending::Send {
            id,
            send: 0,
            token,
            channel: Channel::Request,
            deadline,
            leased: Some((h.number, with_token.then_some(h.generation))),
        });
        self.stats.leased_sends += 1;
        self.check_in_flight()?;
        Ok(true)
    }

    /// Where leased send `id` (not yet handed to the machine) is in `pending`.
    fn leased_index(&self, id: u64) -> Option<usize> {
        self.pending
            .iter()
            .position(|p| matches!(p, Pending::Send { id: i, leased: Some(_), .. } if *i == id))
    }

    /// The host hands leased send `host` (already taken out of `pending`) to the
    /// machine: it becomes waiter `id`, a new id above every earlier one, with the
    /// request's history. With `on_wire`, it stays in `pending` as send 0 of `id` (its
    /// answer, if it comes, is for the machine); otherwise its answer is fed next.
    fn adopt(
        &mut self,
        host: u64,
        generation: Option<u64>,
        token: &Option<String>,
        deadline: u64,
        on_wire: bool,
    ) -> Result<u64, TestCaseError> {
        let id = self.next_id;
        self.next_id += 1;
        let at = self.open.iter().position(|o| *o == host);
        prop_assert!(at.is_some(), "leased send {} is not open", host);
        self.open[at.unwrap()] = id;
        let created = self.created_at_step[&host];
        self.created_at_step.insert(id, created);
        if self.tokenless.contains(&host) {
            self.tokenless.insert(id);
        }
        let timeout_ms = self.timeout_of(host);
        self.timeouts.insert(id, timeout_ms);
        if let Some(f) = self.current_failures.remove(&host) {
            self.current_failures.insert(id, f);
        }
        if self.refused.remove(&host) {
            self.refused.insert(id);
        }
        self.send_deadline.insert(id, deadline);
        if on_wire {
            self.pending.push(Pending::Send {
                id,
                send: 0,
                token: token.clone(),
                channel: Channel::Request,
                deadline,
                leased: None,
            });
        }
        self.input(Input::AdoptLeased {
            id,
            generation,
            timeout_ms,
            deadline_ms: deadline,
        })?;
        Ok(id)
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
        // No lease slot leaked: a lease still held has every slot free.
        if let Some(h) = self.lease {
            prop_assert_eq!(
                h.free as usize,
                MAX_IN_FLIGHT,
                "lease slots leaked: {:?}",
                h
            );
        }
        Ok(())
    }

    /// After quiescing, all `MAX_IN_FLIGHT` wx.request slots are free: ten tokenless
    /// requests go out at once (leased or sent by the machine), then settle. `late`:
    /// they come 400 s later, with no input in between (a lease held may have ended).
    fn all_slots_free(&mut self, late: bool) -> Result<(), TestCaseError> {
        if late {
            self.step(Op::Advance(400_001))?;
        }
        for _ in 0..MAX_IN_FLIGHT {
            self.step(Op::Request(2, false, 0, 2))?;
        }
        let n = self
            .pending
            .iter()
            .filter(|p| {
                matches!(
                    p,
                    Pending::Send {
                        channel: Channel::Request,
                        ..
                    }
                )
            })
            .count();
        prop_assert_eq!(n, MAX_IN_FLIGHT, "wx.request slots leaked");
        self.quiesce()
    }
}

fn run(l: &Launch, ops: Vec<Op>, late: bool) -> Result<World, TestCaseError> {
    let mut w = World::new(l)?;
    for op in ops {
        w.step(op)?;
    }
    w.quiesce()?;
    w.all_slots_free(late)?;
    Ok(w)
}

proptest! {
    // At least 1000 per run; PROPTEST_CASES raises it for a longer search.
    #![proptest_config(ProptestConfig {
        cases: std::env::var("PROPTEST_CASES").ok().and_then(|v| v.parse().ok()).unwrap_or(1000).max(1000),
        ..ProptestConfig::default()
    })]

    #[test]
    fn invariants_hold_under_any_interleaving(
        l in launch(),
        ops in proptest::collection::vec(op(), 1..80),
        late in any::<bool>(),
    ) {
        run(&l, ops, late)?;
    }
}

/// The cases reach every lease path (a property test that never leases proves
/// nothing about leases), and the retry limit: 300 deterministic cases, all with
/// `lease: true`.
#[test]
fn lease_paths_are_exercised() {
    let mut runner = TestRunner::deterministic();
    let mut total = LeaseStats::default();
    let strategy = (
        launch(),
        proptest::collection::vec(op(), 1..80),
        any::<bool>(),
    );
    for _ in 0..300 {
        let (l, ops, late) = strategy.new_tree(&mut runner).unwrap().current();
        let l = Launch { lease: true, ..l };
        let w = run(&l, ops.clone(), late)
            .unwrap_or_else(|e| panic!("{e}: {l:?} {ops:?} late: {late}"));
        total.add(&w.stats);
    }
    let s = total;
    eprintln!("{s:?}");
    let counts = [
        ("granted", s.granted),
        ("grown", s.grown),
        ("revoked", s.revoked),
        ("host_ended", s.host_ended),
        ("leased_sends", s.leased_sends),
        ("leased_with_token", s.leased_with_token),
        ("settled_by_host", s.settled_by_host),
        ("released_after_end", s.released_after_end),
        ("adopted_failed", s.adopted_failed),
        ("adopted_auth_failure", s.adopted_auth_failure),
        ("adopted_deadline", s.adopted_deadline),
        ("adopted_abort", s.adopted_abort),
        ("full_lease_fallbacks", s.full_lease_fallbacks),
        ("retry_limits", s.retry_limits),
    ];
    for (path, n) in counts {
        assert!(n > 0, "no case reached lease path {path}: {s:?}");
    }
}
