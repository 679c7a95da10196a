//! One input at a time: new waiters, host answers, platform events.

use alloc::string::String;

use super::{Kind, LoginPhase, Machine, State, Waiter};
use crate::answer::check_answer;
use crate::error::{decimal, LoginError};
use crate::io::{Command, Input, WaiterId};

impl Machine {
    pub(super) fn input(&mut self, input: Input, now: u64) {
        match input {
            Input::Request {
                id,
                with_token,
                channel,
                timeout_ms,
            } => {
                let kind = Kind::Request {
                    with_token,
                    channel,
                    timeout_ms,
                };
                if self.add_waiter(id, kind, 0) {
                    if with_token && self.usable(now).is_none() {
                        self.fresh.push_back(id);
                    } else {
                        self.send_queues[channel.index()].push_back(id);
                    }
                }
            }
            Input::Adopt {
                id,
                channel,
                timeout_ms,
            } => {
                let kind = Kind::Request {
                    with_token: true,
                    channel,
                    timeout_ms,
                };
                if self.add_waiter(id, kind, 0) {
                    let generation = Some(self.adopted_generation);
                    if let Some(w) = self.waiters.get_mut(id) {
                        w.state = State::InFlight {
                            send: 0,
                            generation,
                        };
                    }
                    self.in_flight[channel.index()] += 1;
                    let deadline = now
                        .saturating_add(timeout_ms)
                        .saturating_add(self.config.request_timeout_margin_ms);
                    self.deadlines.push(core::cmp::Reverse((deadline, id, 0)));
                    if self.session.as_ref().is_some_and(|s| s.generation == 1) {
                        self.check_in_parallel(now); // a use of the restored token
                    }
                }
            }
            Input::Login { id } => {
                if self.add_waiter(id, Kind::Login, 0) {
                    self.verified.push_back(id);
                }
            }
            Input::Authorize { id, relogins } => {
                if self.add_waiter(id, Kind::Authorize, relogins) {
                    self.verified.push_back(id);
                }
            }
            Input::Check {
                id,
                generation,
                relogins,
                status,
                host_verdict,
            } => {
                if self.add_waiter(id, Kind::Check, relogins) {
                    if self.is_auth_failure(status, host_verdict) {
                        self.auth_failed(id, generation);
                    } else {
                        let verdict = Command::Verdict {
                            id,
                            replay: false,
                            relogins,
                        };
                        self.settle_with(id, verdict);
                    }
                }
            }
            Input::Abort { id } => self.abort(id),
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
                self.posts_on_wire.retain(|&(a, _)| a != attempt);
                if self.is_posting(attempt) {
                    match check_answer(&answer, attempt) {
                        Ok((token, expires_in_s)) => self.login_succeeded(token, expires_in_s, now),
                        Err(e) => self.fail_login(e, now),
                    }
                }
            }
            Input::LoginPostFailed { attempt, err_msg } => {
                self.posts_on_wire.retain(|&(a, _)| a != attempt);
                if self.is_posting(attempt) {
                    self.fail_login(LoginError::RequestFailed { err_msg }, now);
                }
            }
            Input::CheckSessionAnswered { check, ok } => {
                if self.check.is_some_and(|(c, _)| c == check) {
                    self.check_done(ok);
                }
            }
            Input::Network { online } => {
                self.network_deadline = None;
                if online && !self.online {
                    self.backoff.reset(); // the failures were the network's
                }
                self.online = online;
            }
            Input::AppHidden => self.hidden_since = Some(now),
            Input::AppShown => {
                let hidden_ms = self.hidden_since.take().map(|t| now.saturating_sub(t));
                if hidden_ms.is_some_and(|h| h >= self.config.recheck_after_hidden_ms) {
                    if let Some(s) = &mut self.session {
                        s.checked = false; // checkSession at the next use
                    }
                }
            }
            Input::Response {
                id,
                send,
                status,
                host_verdict,
            } => {
                let auth_failure = self.is_auth_failure(status, host_verdict);
                match self.take_in_flight(id, send) {
                    Some(Some(generation)) if auth_failure => self.auth_failed(id, generation),
                    Some(_) => self.settle(id, Ok(())),
                    None => {}
                }
            }
            Input::RequestFailed { id, send, err_msg } => {
                if self.take_in_flight(id, send).is_some() {
                    self.settle(id, Err(LoginError::RequestFailed { err_msg }));
                }
            }
        }
    }

    fn is_posting(&self, attempt: u64) -> bool {
        matches!(self.login, LoginPhase::Posting { attempt: a, .. } if a == attempt)
    }

    fn is_auth_failure(&self, status: u16, host_verdict: bool) -> bool {
        host_verdict || self.config.auth_fail_status_codes.contains(&status)
    }

    /// Registers a new waiter; `false` (and the id rejected) for an id that is not above
    /// every earlier one.
    fn add_waiter(&mut self, id: WaiterId, kind: Kind, relogins: u32) -> bool {
        let w = Waiter {
            kind,
            state: State::Waiting,
            relogins,
        };
        if self.waiters.insert(id, w).is_ok() {
            return true;
        }
        // A host bug; refuse it rather than lose or confuse a waiter.
        let message = String::from("waiter id ")
            + &decimal(id)
            + " is not above the previous one (or more than 65536 past it)";
        self.out.push_back(Command::Reject {
            id,
            error: LoginError::InvalidOptions { message },
        });
        false
    }

    /// `abort()`: a waiting waiter is forgotten (queues skip it), one in flight frees
    /// its slot and its send is aborted; both reject `ABORTED`.
    fn abort(&mut self, id: WaiterId) {
        let Some(w) = self.waiters.get(id) else {
            return;
        };
        if let (State::InFlight { send, .. }, Kind::Request { channel, .. }) = (w.state, w.kind) {
            self.in_flight[channel.index()] -= 1;
            self.out.push_back(Command::AbortSend { id, send, channel });
        }
        self.settle(id, Err(LoginError::Aborted));
    }
}
