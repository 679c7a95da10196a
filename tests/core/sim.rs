//! A fake host with a virtual clock for driving a `Machine` deterministically
//! (after quinn-proto's `Pair`): scripted latencies and answers, no real timers.

use std::collections::{BTreeMap, HashMap};
use weapp_login::{resolve, Channel, Command, Config, Input, LoginAnswer, Machine, StoredSession};

/// What the fake wx.login does.
#[derive(Clone)]
pub enum WxLogin {
    Ok,
    Fail(&'static str),
    Hang,
}
/// What the fake developer server's login endpoint answers.
#[derive(Clone)]
pub enum LoginPost {
    Ok { expires_in_s: Option<f64> },
    Answer(LoginAnswer),
    Fail(&'static str),
    Hang,
}

pub struct Sim {
    pub m: Machine,
    pub now: u64,
    /// (time, sequence) → input, answered in time order.
    queue: BTreeMap<(u64, u64), Input>,
    seq: u64,
    pub latency: u64,
    /// wx.login's own latency, when it differs from `latency`.
    pub wx_login_latency: Option<u64>,
    pub wx_login: WxLogin,
    pub login_post: LoginPost,
    pub check_ok: bool,
    /// Tokens the server accepts; others get 401.
    pub valid_tokens: Vec<String>,
    /// Status the server answers for URLs sent without a token.
    pub tokenless_status: u16,
    /// When set, the server reports a bad token as HTTP 200 with this body code.
    pub auth_fail_body_code: Option<&'static str>,
    /// The host's `authFailCodes`: body codes it reports as auth failures.
    pub auth_fail_codes: Vec<&'static str>,
    /// The host's copy of each session generation's token.
    pub tokens: HashMap<u64, String>,
    /// The URL of each request, kept host-side.
    pub urls: HashMap<u64, String>,
    pub issued: u64,
    pub counts: HashMap<&'static str, u32>,
    pub sent: Vec<(String, Option<String>)>,
    pub settled: HashMap<u64, Result<(), &'static str>>,
    pub double_settled: u32,
    pub persisted: Option<StoredSession>,
    pub max_in_flight_seen: usize,
    in_flight: usize,
    pub events: Vec<&'static str>,
}

pub fn config() -> Config {
    Config::new(
        "https://api.example.com/user/login",
        Some("https://api.example.com"),
        None,
    )
    .unwrap()
}

impl Sim {
    pub fn new(stored: Option<StoredSession>) -> Sim {
        Sim::with_config(config(), stored)
    }

    pub fn with_config(config: Config, stored: Option<StoredSession>) -> Sim {
        let now = 1_700_000_000_000;
        let m = Machine::new(config, stored.clone(), now);
        let tokens = m
            .token()
            .map(|(t, g)| (g, t.to_string()))
            .into_iter()
            .collect();
        Sim {
            m,
            now,
            queue: BTreeMap::new(),
            seq: 0,
            latency: 10,
            wx_login_latency: None,
            wx_login: WxLogin::Ok,
            login_post: LoginPost::Ok {
                expires_in_s: Some(7200.0),
            },
            check_ok: true,
            valid_tokens: Vec::new(),
            tokenless_status: 200,
            auth_fail_body_code: None,
            auth_fail_codes: Vec::new(),
            tokens,
            urls: HashMap::new(),
            issued: 0,
            counts: HashMap::new(),
            sent: Vec::new(),
            settled: HashMap::new(),
            double_settled: 0,
            persisted: stored,
            max_in_flight_seen: 0,
            in_flight: 0,
            events: Vec::new(),
        }
    }

    pub fn count(&self, what: &str) -> u32 {
        self.counts.get(what).copied().unwrap_or(0)
    }

    pub fn input(&mut self, input: Input) {
        self.m.handle(input, self.now);
        self.run_commands();
    }

    /// `request({url})` as the adapter does it: the URL stays here, only whether it
    /// may carry the token goes in.
    pub fn request(&mut self, id: u64, url: &str) {
        self.request_with(id, url, true, Channel::Request);
    }

    pub fn request_with(&mut self, id: u64, url: &str, auth: bool, channel: Channel) {
        let url = resolve(url, self.m.config().base_url.as_deref());
        let with_token = auth && self.m.config().is_trusted(&url);
        self.urls.insert(id, url);
        self.input(Input::Request {
            id,
            with_token,
            channel,
            timeout_ms: 60_000,
        });
    }

    fn at(&mut self, delay: u64, input: Input) {
        self.seq += 1;
        self.queue.insert((self.now + delay, self.seq), input);
    }

    fn run_commands(&mut self) {
        while let Some(cmd) = self.m.poll_command() {
            self.perform(cmd);
        }
    }

    fn perform(&mut self, cmd: Command) {
        let lat = self.latency;
        match cmd {
            Command::WxLogin { attempt } => {
                *self.counts.entry("wx.login").or_default() += 1;
                match self.wx_login.clone() {
                    WxLogin::Ok => {
                        self.issued += 1;
                        let code = format!("code{}", self.issued);
                        let lat = self.wx_login_latency.unwrap_or(lat);
                        self.at(lat, Input::WxLoginOk { attempt, code });
                    }
                    WxLogin::Fail(e) => self.at(
                        lat,
                        Input::WxLoginFailed {
                            attempt,
                            err_msg: e.into(),
                        },
                    ),
                    WxLogin::Hang => {}
                }
            }
            Command::PostCode { attempt, code } => {
                *self.counts.entry("post").or_default() += 1;
                self.in_flight += 1; // the login POST is a wx.request too
                self.max_in_flight_seen = self.max_in_flight_seen.max(self.in_flight);
                match self.login_post.clone() {
                    LoginPost::Ok { expires_in_s } => {
                        let token = format!("tok-{code}");
                        self.valid_tokens = vec![token.clone()];
                        let answer = LoginAnswer {
                            status: 200,
                            token: Some(token),
                            expires_in_s,
                        };
                        self.at(lat, Input::LoginAnswered { attempt, answer });
                    }
                    LoginPost::Answer(answer) => {
                        self.at(lat, Input::LoginAnswered { attempt, answer })
                    }
                    LoginPost::Fail(e) => self.at(
                        lat,
                        Input::LoginPostFailed {
                            attempt,
                            err_msg: e.into(),
                        },
                    ),
                    LoginPost::Hang => {}
                }
            }
            Command::CheckSession { check } => {
                *self.counts.entry("checkSession").or_default() += 1;
                let ok = self.check_ok;
                self.at(lat, Input::CheckSessionAnswered { check, ok });
            }
            Command::Send {
                id,
                send,
                generation,
                ..
            } => {
                let url = self.urls.get(&id).cloned().unwrap_or_default();
                let token = generation.map(|g| self.tokens[&g].clone());
                *self.counts.entry("send").or_default() += 1;
                self.in_flight += 1;
                self.max_in_flight_seen = self.max_in_flight_seen.max(self.in_flight);
                let (status, body_code) = match &token {
                    Some(t) if self.valid_tokens.contains(t) => (200, None),
                    Some(_) => match self.auth_fail_body_code {
                        Some(c) => (200, Some(c.to_string())),
                        None => (401, None),
                    },
                    None => (self.tokenless_status, None),
                };
                self.sent.push((url, token));
                let host_verdict =
                    body_code.is_some_and(|c| self.auth_fail_codes.contains(&c.as_str()));
                let input = Input::Response {
                    id,
                    send,
                    status,
                    host_verdict,
                };
                self.at(lat, input);
            }
            Command::Resolve { id }
            | Command::Verdict { id, .. }
            | Command::Authorized { id, .. } => self.settle(id, Ok(())),
            Command::Reject { id, error } => self.settle(id, Err(error.code())),
            Command::Persist {
                session,
                generation,
            } => {
                self.tokens.insert(generation, session.token.clone());
                self.persisted = Some(session);
            }
            Command::ClearStorage => self.persisted = None,
            Command::Event(e) => self.events.push(e.name()),
            _ => {}
        }
    }

    fn settle(&mut self, id: u64, r: Result<(), &'static str>) {
        if self.settled.insert(id, r).is_some() {
            self.double_settled += 1;
        }
    }

    /// Steps until nothing is scheduled and no timer is due; panics after `limit`
    /// steps (a livelock).
    pub fn drive(&mut self) {
        for _ in 0..10_000 {
            let next_input = self.queue.keys().next().map(|k| k.0);
            let next_timer = self.m.poll_timeout();
            match (next_input, next_timer) {
                (None, None) => return,
                (Some(t), timer) if timer.is_none_or(|d| t < d) => {
                    let key = *self.queue.keys().next().unwrap();
                    let input = self.queue.remove(&key).unwrap();
                    self.now = self.now.max(t);
                    if matches!(
                        input,
                        Input::Response { .. }
                            | Input::LoginAnswered { .. }
                            | Input::LoginPostFailed { .. }
                    ) {
                        self.in_flight -= 1;
                    }
                    self.input(input);
                }
                (_, Some(d)) => {
                    self.now = self.now.max(d);
                    self.m.handle_timeout(self.now);
                    self.run_commands();
                }
                (Some(_), None) => unreachable!("the guard holds without a timer"),
            }
        }
        panic!("livelock: still busy after 10000 steps");
    }

    /// Advances the clock without events.
    pub fn advance(&mut self, ms: u64) {
        self.now += ms;
    }

    pub fn result(&self, id: u64) -> Option<Result<(), &'static str>> {
        self.settled.get(&id).copied()
    }
}
