//! One input at a time: new waiters, host answers, platform events.

use alloc::string::String;

use super::{Kind, LoginPhase, Machine, State, Waiter};
use crate::answer::check_answer;
use crate::error::{decimal, LoginError};
use crate::io::{Channel, Command, Input, LoginAnswer, WaiterId};

impl Machine {
    /// One [`Input`], without the deadlines and the pump around it (see
    /// [`Machine::handle`]): each variant is one of the `on_*` methods below, which the
    /// wasm adapter calls directly with the numbers it gets (no `Input` built there).
    pub(super) fn input(&mut self, input: Input, now: u64) {
        match input {
            Input::Request {
                id,
                with_token,
                channel,
                timeout_ms,
            } => self.on_request(id, with_token, channel, timeout_ms, now),
            Input::Adopt {
                id,
                channel,
                timeout_ms,
            } => self.on_adopt(id, channel, timeout_ms, now),
            Input::Login { id } => self.on_login(id),
            Input::Authorize { id, relogins } => self.on_authorize(id, relogins),
            Input::Check {
                id,
                generation,
                relogins,
                status,
                host_verdict,
            } => self.on_check(id, generation, relogins, status, host_verdict),
            Input::Abort { id } => self.abort(id),
            Input::Logout => self.logout(),
            Input::WxLoginOk { attempt, code } => self.on_wx_login_ok(attempt, code),
            Input::WxLoginFailed { attempt, err_msg } => {
                self.on_wx_login_failed(attempt, err_msg, now)
            }
            Input::LoginAnswered { attempt, answer } => {
                self.on_login_answered(attempt, &answer, now)
            }
            Input::LoginPostFailed { attempt, err_msg } => {
                self.on_login_post_failed(attempt, err_msg, now)
            }
            Input::CheckSessionAnswered { check, ok } => self.on_check_session(check, ok),
            Input::Network { online } => self.on_network(online),
            Input::AppHidden => self.on_app_hidden(now),
            Input::AppShown => self.on_app_shown(now),
            Input::Response {
                id,
                send,
                status,
                host_verdict,
            } => self.on_response(id, send, status, host_verdict),
            Input::RequestFailed { id, send, err_msg } => self.on_request_failed(id, send, err_msg),
            Input::Release { lease, slots } => self.on_release(lease, slots),
            Input::AdoptLeased {
                id,
                generation,
                timeout_ms,
                deadline_ms,
            } => self.on_adopt_leased(id, generation, timeout_ms, deadline_ms),
        }
    }

    /// [`Input::Request`].
    pub(crate) fn on_request(
        &mut self,
        id: WaiterId,
        with_token: bool,
        channel: Channel,
        timeout_ms: u64,
        now: u64,
    ) {
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

    /// [`Input::Adopt`].
    pub(crate) fn on_adopt(&mut self, id: WaiterId, channel: Channel, timeout_ms: u64, now: u64) {
        let deadline = now
            .saturating_add(timeout_ms)
            .saturating_add(self.config.request_timeout_margin_ms);
        let generation = Some(self.adopted_generation);
        if self.add_in_flight(id, channel, timeout_ms, generation, deadline) {
            self.in_flight[channel.index()] += 1;
            if self.session.as_ref().is_some_and(|s| s.generation == 1) {
                self.check_in_parallel(now); // a use of the restored token
            }
        }
    }

    /// Registers a request the host already sent (an adopted or a leased send): waiter
    /// `id`, in flight as send 0 with the token of `generation` (`None`: without one),
    /// given up at `deadline` (ms since the epoch). The caller counts its slot. `false`
    /// (and the id rejected) for an id that is not above every earlier one.
    pub(super) fn add_in_flight(
        &mut self,
        id: WaiterId,
        channel: Channel,
        timeout_ms: u64,
        generation: Option<u64>,
        deadline: u64,
    ) -> bool {
        let kind = Kind::Request {
            with_token: generation.is_some(),
            channel,
            timeout_ms,
        };
        if !self.add_waiter(id, kind, 0) {
            return false;
        }
        if let Some(w) = self.waiters.get_mut(id) {
            w.state = State::InFlight {
                send: 0,
                generation,
            };
        }
        self.deadlines.push(core::cmp::Reverse((deadline, id, 0)));
        true
    }

    /// [`Input::Login`].
    pub(crate) fn on_login(&mut self, id: WaiterId) {
        if self.add_waiter(id, Kind::Login, 0) {
            self.verified.push_back(id);
        }
    }

    /// [`Input::Authorize`].
    pub(crate) fn on_authorize(&mut self, id: WaiterId, relogins: u32) {
        if self.add_waiter(id, Kind::Authorize, relogins) {
            self.verified.push_back(id);
        }
    }

    /// [`Input::Check`].
    pub(crate) fn on_check(
        &mut self,
        id: WaiterId,
        generation: u64,
        relogins: u32,
        status: u16,
        host_verdict: bool,
    ) {
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

    /// [`Input::WxLoginOk`].
    pub(crate) fn on_wx_login_ok(&mut self, attempt: u64, code: String) {
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

    /// [`Input::WxLoginFailed`].
    pub(crate) fn on_wx_login_failed(&mut self, attempt: u64, err_msg: String, now: u64) {
        if matches!(self.login, LoginPhase::WxLogin { attempt: a, .. } if a == attempt) {
            self.fail_login(LoginError::WxLoginFailed { err_msg }, now);
        }
    }

    /// [`Input::LoginAnswered`].
    pub(crate) fn on_login_answered(&mut self, attempt: u64, answer: &LoginAnswer, now: u64) {
        self.drop_posts(attempt, now);
        if self.is_posting(attempt) {
            match check_answer(answer, attempt) {
                Ok((token, expires_in_s)) => self.login_succeeded(token, expires_in_s, now),
                Err(e) => self.fail_login(e, now),
            }
        }
    }

    /// [`Input::LoginPostFailed`].
    pub(crate) fn on_login_post_failed(&mut self, attempt: u64, err_msg: String, now: u64) {
        self.drop_posts(attempt, now);
        if self.is_posting(attempt) {
            self.fail_login(LoginError::RequestFailed { err_msg }, now);
        }
    }

    /// [`Input::CheckSessionAnswered`].
    pub(crate) fn on_check_session(&mut self, check: u64, ok: bool) {
        if self.check.is_some_and(|(c, _)| c == check) {
            self.check_done(ok);
        }
    }

    /// [`Input::Network`].
    pub(crate) fn on_network(&mut self, online: bool) {
        self.network_deadline = None;
        if online && !self.online {
            self.backoff.reset(); // the failures were the network's
        }
        self.online = online;
    }

    /// [`Input::AppHidden`].
    pub(crate) fn on_app_hidden(&mut self, now: u64) {
        self.hidden_since = Some(now);
    }

    /// [`Input::AppShown`].
    pub(crate) fn on_app_shown(&mut self, now: u64) {
        let hidden_ms = self.hidden_since.take().map(|t| now.saturating_sub(t));
        if hidden_ms.is_some_and(|h| h >= self.config.recheck_after_hidden_ms) {
            if let Some(s) = &mut self.session {
                s.checked = false; // checkSession at the next use
            }
        }
    }

    /// [`Input::Response`].
    pub(crate) fn on_response(&mut self, id: WaiterId, send: u64, status: u16, host_verdict: bool) {
        let auth_failure = self.is_auth_failure(status, host_verdict);
        match self.take_in_flight(id, send) {
            Some(Some(generation)) if auth_failure => self.auth_failed(id, generation),
            Some(_) => self.settle(id, Ok(())),
            None => {}
        }
    }

    /// [`Input::RequestFailed`].
    pub(crate) fn on_request_failed(&mut self, id: WaiterId, send: u64, err_msg: String) {
        if self.take_in_flight(id, send).is_some() {
            self.settle(id, Err(LoginError::RequestFailed { err_msg }));
        }
    }

    fn is_posting(&self, attempt: u64) -> bool {
        matches!(self.login, LoginPhase::Posting { attempt: a, .. } if a == attempt)
    }

    #[allow(clippy::manual_contains)] // on purpose: see below
    fn is_auth_failure(&self, status: u16, host_verdict: bool) -> bool {
        // A plain search: slice::contains on u16 is a chunked search, large in wasm.
        host_verdict
            || self
                .config
                .auth_fail_status_codes
                .iter()
                .any(|&c| c == status)
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
    pub(crate) fn abort(&mut self, id: WaiterId) {
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
