//! The sans-IO login-state machine.

use alloc::collections::VecDeque;
use alloc::string::{String, ToString};
use alloc::vec::Vec;

mod login;
mod settle;

use crate::answer::check_answer;
use crate::backoff::Backoff;
use crate::config::Config;
use crate::error::{decimal, LoginError};
use crate::idmap::IdMap;
use crate::io::{Command, Event, Input, StoredSession, WaiterId};
use crate::origin;

#[derive(Debug)]
struct Session {
    token: String,
    generation: u64,
    /// From this time (ms since the epoch) the token is renewed before use: the
    /// server's expiry less `renew_margin_ms` (at most half the lifetime).
    renew_at_ms: Option<u64>,
    /// `wx.checkSession` vouched for it this launch (always true after a fresh login).
    checked: bool,
}

#[derive(Debug, Clone, Copy, PartialEq)]
enum LoginPhase {
    Idle,
    WxLogin {
        attempt: u64,
        deadline: u64,
    },
    /// wx.login gave a code: it is POSTed (or waits in `code_to_post` for a free slot).
    Posting {
        attempt: u64,
        deadline: u64,
    },
}

#[derive(Debug)]
enum Kind {
    /// A request; `url` resolved; `wants_token` = `auth` and a trusted origin.
    Request { url: String, wants_token: bool },
    /// A `login()` call.
    Login,
}

#[derive(Debug, Clone, Copy, PartialEq)]
enum State {
    /// Not on the wire: in `send_queue` (waiting for a slot) or in `renewals`/`fresh`
    /// (waiting for a valid login state).
    Waiting,
    /// Sent; `generation` of the token it carries (`None`: sent without one).
    InFlight { send: u64, generation: Option<u64> },
    /// Sent before a logout: an auth failure now means `LOGGED_OUT`, not a new login.
    Orphaned { send: u64 },
}

#[derive(Debug)]
struct Waiter {
    kind: Kind,
    state: State,
    relogins: u32,
}

/// The login-state machine: single-flight login, a FIFO of waiting requests, renewal
/// and replay on auth failures, at most `max_in_flight` requests on the wire.
///
/// It does no I/O and reads no clock. Call order, as in quinn-proto and str0m:
/// 1. [`Machine::new`] with the stored session read at launch (and `now`);
/// 2. feed each event with [`Machine::handle`], or [`Machine::handle_timeout`] when the
///    deadline from [`Machine::poll_timeout`] has passed;
/// 3. after every call, drain [`Machine::poll_command`] until it returns `None` and
///    carry each [`Command`] out (answers come back as later inputs), then re-arm the
///    timer from [`Machine::poll_timeout`].
///
/// Host input never makes it panic: unknown ids and stale answers are ignored.
#[derive(Debug)]
pub struct Machine {
    config: Config,
    session: Option<Session>,
    /// Generation of the newest session (moves on at each login and at logout).
    generation: u64,
    login: LoginPhase,
    /// The code of the current attempt, until a request slot is free to POST it: the
    /// login POST is a wx.request too, and counts toward `max_in_flight`.
    code_to_post: Option<String>,
    /// Attempts whose login POST is on the wire: they hold a request slot until their
    /// answer comes, even after a timeout or a logout made the answer stale.
    posts_on_wire: Vec<u64>,
    backoff: Backoff,
    attempts: u64,
    checking: bool,
    /// False while the platform reports no network.
    online: bool,
    /// When the app went to the background, while it is there.
    hidden_since: Option<u64>,
    waiters: IdMap<Waiter>,
    /// Waiters that met an auth failure: served first once a login succeeds.
    renewals: VecDeque<WaiterId>,
    /// Other waiters that need a login state, FIFO.
    fresh: VecDeque<WaiterId>,
    send_queue: VecDeque<WaiterId>,
    in_flight: usize,
    sends: u64,
    out: VecDeque<Command>,
}

impl Machine {
    /// A machine at launch. `stored` is the login state an earlier launch persisted
    /// (if any); one past its expiry is dropped. `now` is ms since the Unix epoch.
    pub fn new(config: Config, stored: Option<StoredSession>, now: u64) -> Machine {
        let backoff = Backoff::new(
            config.login_backoff_ms,
            config.login_backoff_max_ms,
            config.seed,
        );
        let mut m = Machine {
            config,
            session: None,
            generation: 0,
            login: LoginPhase::Idle,
            code_to_post: None,
            posts_on_wire: Vec::new(),
            backoff,
            attempts: 0,
            checking: false,
            online: true,
            hidden_since: None,
            waiters: IdMap::new(),
            renewals: VecDeque::new(),
            fresh: VecDeque::new(),
            send_queue: VecDeque::new(),
            in_flight: 0,
            sends: 0,
            out: VecDeque::new(),
        };
        let margin = m.config.renew_margin_ms;
        let renew_at_ms = stored
            .as_ref()
            .and_then(|s| s.expires_at_ms)
            .map(|t| t.saturating_sub(margin));
        match stored {
            Some(s) if renew_at_ms.is_none_or(|t| now < t) && !s.token.is_empty() => {
                m.generation = 1;
                m.session = Some(Session {
                    token: s.token,
                    generation: 1,
                    renew_at_ms,
                    checked: false,
                });
                m.out.push_back(Command::Event(Event::SessionRestored));
            }
            Some(_) => m.out.push_back(Command::ClearStorage),
            None => {}
        }
        m
    }

    /// The settings in force.
    pub fn config(&self) -> &Config {
        &self.config
    }

    /// Next command for the host, or `None` when drained.
    pub fn poll_command(&mut self) -> Option<Command> {
        self.out.pop_front()
    }

    /// When [`Machine::handle_timeout`] must be called next (ms since the epoch), if ever.
    pub fn poll_timeout(&self) -> Option<u64> {
        match self.login {
            LoginPhase::Idle => None,
            LoginPhase::WxLogin { deadline, .. } | LoginPhase::Posting { deadline, .. } => {
                Some(deadline)
            }
        }
    }

    /// Number of waiters not yet settled (requests and `login()` calls).
    pub fn pending(&self) -> usize {
        self.waiters.len()
    }

    /// Whether a login (wx.login or its POST) is under way.
    pub fn login_in_flight(&self) -> bool {
        self.login != LoginPhase::Idle
    }

    /// The clock moved: fails a login whose `loginTimeoutMs` has passed.
    pub fn handle_timeout(&mut self, now: u64) {
        if self.poll_timeout().is_some_and(|d| now >= d) {
            let timeout_ms = self.config.login_timeout_ms;
            self.fail_login(LoginError::LoginTimeout { timeout_ms }, now);
        }
    }

    /// Feeds one event that happened at `now` (ms since the Unix epoch).
    pub fn handle(&mut self, input: Input, now: u64) {
        self.handle_timeout(now);
        match input {
            Input::Request { id, url, auth } => {
                let url = origin::resolve(&url, self.config.base_url.as_deref());
                let wants_token = auth && self.config.is_trusted(&url);
                self.add_waiter(id, Kind::Request { url, wants_token }, State::Waiting);
                self.send_queue.push_back(id);
            }
            Input::Login { id } => {
                self.add_waiter(id, Kind::Login, State::Waiting);
                self.fresh.push_back(id);
            }
            Input::Logout => self.logout(),
            Input::WxLoginOk { attempt, code } => {
                if let LoginPhase::WxLogin {
                    attempt: a,
                    deadline,
                } = self.login
                {
                    if a == attempt {
                        self.login = LoginPhase::Posting { attempt, deadline };
                        self.code_to_post = Some(code); // POSTed by pump() when a slot is free
                    }
                }
            }
            Input::WxLoginFailed { attempt, err_msg } => {
                if matches!(self.login, LoginPhase::WxLogin { attempt: a, .. } if a == attempt) {
                    self.fail_login(LoginError::WxLoginFailed { err_msg }, now);
                }
            }
            Input::LoginAnswered { attempt, answer } => {
                self.posts_on_wire.retain(|&a| a != attempt);
                if matches!(self.login, LoginPhase::Posting { attempt: a, .. } if a == attempt) {
                    match check_answer(&answer) {
                        Ok((token, expires_in_s)) => self.login_succeeded(token, expires_in_s, now),
                        Err(e) => self.fail_login(e, now),
                    }
                }
            }
            Input::LoginPostFailed { attempt, err_msg } => {
                self.posts_on_wire.retain(|&a| a != attempt);
                if matches!(self.login, LoginPhase::Posting { attempt: a, .. } if a == attempt) {
                    self.fail_login(LoginError::RequestFailed { err_msg }, now);
                }
            }
            Input::CheckSessionAnswered { ok } => self.check_answered(ok),
            Input::Network { online } => self.online = online,
            Input::AppHidden => self.hidden_since = Some(now),
            Input::AppShown => {
                let hidden_ms = self.hidden_since.take().map(|t| now.saturating_sub(t));
                if hidden_ms.is_some_and(|h| h >= self.config.recheck_after_hidden_ms) {
                    if let Some(s) = &mut self.session {
                        s.checked = false; // checkSession before the next use
                    }
                }
            }
            Input::Response {
                id,
                send,
                status,
                body_code,
                host_says_auth_failure,
            } => {
                let auth_failure = host_says_auth_failure
                    || self.config.auth_fail_status_codes.contains(&status)
                    || body_code.is_some_and(|c| self.config.auth_fail_codes.contains(&c));
                self.response(id, send, auth_failure);
            }
            Input::RequestFailed { id, send, err_msg } => {
                if self.take_in_flight(id, send).is_some() {
                    self.settle(id, Err(LoginError::RequestFailed { err_msg }));
                }
            }
        }
        self.pump(now);
    }

    fn add_waiter(&mut self, id: WaiterId, kind: Kind, state: State) {
        if self.waiters.contains_key(&id) {
            // A host bug; refuse the duplicate rather than lose the first one.
            let message = String::from("waiter id ") + &decimal(id) + " is already in use";
            self.out.push_back(Command::Reject {
                id,
                error: LoginError::InvalidOptions { message },
            });
            return;
        }
        self.waiters.insert(
            id,
            Waiter {
                kind,
                state,
                relogins: 0,
            },
        );
    }

    /// The token and generation a request may carry now, if the login state is valid.
    fn usable(&self, now: u64) -> Option<(&str, u64)> {
        let s = self.session.as_ref()?;
        let fresh = s.renew_at_ms.is_none_or(|t| now < t);
        (s.checked && fresh).then_some((s.token.as_str(), s.generation))
    }

    /// Whether another wx.request may go out: requests and login POSTs on the wire
    /// stay below `max_in_flight`.
    fn has_free_slot(&self) -> bool {
        self.in_flight + self.posts_on_wire.len() < self.config.max_in_flight
    }

    fn pump(&mut self, now: u64) {
        if self.usable(now).is_some() {
            for id in self.take_waiting().into_iter().rev() {
                match self.waiters.get(&id).map(|w| &w.kind) {
                    Some(Kind::Login) => self.settle(id, Ok(())),
                    Some(Kind::Request { .. }) => self.send_queue.push_front(id),
                    None => {}
                }
            }
        }
        if let LoginPhase::Posting { attempt, .. } = self.login {
            if self.has_free_slot() {
                if let Some(code) = self.code_to_post.take() {
                    self.posts_on_wire.push(attempt); // attempts are unique
                    self.out.push_back(Command::PostCode { attempt, code });
                }
            }
        }
        while self.has_free_slot() {
            let Some(id) = self.send_queue.pop_front() else {
                break;
            };
            let Some(w) = self.waiters.get(&id) else {
                continue;
            };
            let Kind::Request { url, wants_token } = &w.kind else {
                continue;
            };
            let (url, wants_token) = (url.clone(), *wants_token);
            let (token, generation) = match (wants_token, self.usable(now)) {
                (false, _) => (None, None),
                (true, Some((t, g))) => (Some(t.to_string()), Some(g)),
                (true, None) => {
                    self.fresh.push_back(id);
                    continue;
                }
            };
            self.sends += 1;
            let send = self.sends;
            if let Some(w) = self.waiters.get_mut(&id) {
                w.state = State::InFlight { send, generation };
            }
            self.in_flight += 1;
            self.out.push_back(Command::Send {
                id,
                send,
                url,
                token,
            });
        }
        if (!self.renewals.is_empty() || !self.fresh.is_empty()) && self.usable(now).is_none() {
            self.obtain_login_state(now);
        }
    }
}
