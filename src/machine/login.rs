//! How a valid login state is obtained: a checkSession for a restored token, or a
//! login (wx.login, then the POST of its code), within backoff and the network state.

use alloc::string::String;

use super::{LoginPhase, Machine, Session};
use crate::error::LoginError;
use crate::io::{Command, Event, StoredSession};

impl Machine {
    /// Starts whatever brings the login state the waiters need: a checkSession for a
    /// fresh, unchecked session, otherwise a login. Never a second one while one is
    /// under way; no login while the network state is unknown at launch.
    pub(super) fn obtain_login_state(&mut self, now: u64) {
        if self.login != LoginPhase::Idle {
            return;
        }
        let fresh_unchecked = self
            .session
            .as_ref()
            .is_some_and(|s| !s.checked && s.renew_at_ms.is_none_or(|t| now < t));
        if fresh_unchecked {
            if self.check.is_none() {
                self.start_check(now);
            }
            return;
        }
        if let Some(error) = self.backoff.blocking(now) {
            // Too soon after a failed login: the waiters learn it at once.
            let error = error.clone();
            self.reject_waiting(error);
            return;
        }
        if self.network_deadline.is_some() {
            return; // the first network answer (or its deadline) decides
        }
        if !self.online {
            // Nothing is sent and no retry is spent: the waiters learn it at once.
            self.out.push_back(Command::Event(Event::Offline));
            self.reject_waiting(LoginError::NetworkOffline);
            return;
        }
        self.attempts += 1;
        let deadline = now.saturating_add(self.config.login_timeout_ms);
        self.login = LoginPhase::WxLogin {
            attempt: self.attempts,
            deadline,
        };
        self.out.push_back(Command::Event(Event::LoginStart));
        self.out.push_back(Command::WxLogin {
            attempt: self.attempts,
        });
    }

    fn start_check(&mut self, now: u64) {
        self.checks += 1;
        let deadline = now.saturating_add(self.config.check_session_timeout_ms);
        self.check = Some((self.checks, deadline));
        self.out
            .push_back(Command::CheckSession { check: self.checks });
    }

    /// The token of an unchecked session was just used without waiting for the check
    /// (`await_check_session` false): check it now, in parallel, once.
    pub(super) fn check_in_parallel(&mut self, now: u64) {
        if self.check.is_none() && self.session.as_ref().is_some_and(|s| !s.checked) {
            self.start_check(now);
        }
    }

    /// The checkSession under way answered (or timed out: `ok` false).
    pub(super) fn check_done(&mut self, ok: bool) {
        self.check = None;
        match (&mut self.session, ok) {
            (Some(s), true) => s.checked = true,
            (Some(_), false) => {
                self.drop_session();
                self.out.push_back(Command::ClearStorage);
                self.out.push_back(Command::Event(Event::SessionExpired));
            }
            (None, _) => {}
        }
    }

    /// Forgets the session (and any check of it).
    pub(super) fn drop_session(&mut self) {
        self.session = None;
        self.check = None;
    }

    pub(super) fn login_succeeded(&mut self, token: String, expires_in_s: Option<f64>, now: u64) {
        self.login = LoginPhase::Idle;
        self.backoff.reset();
        self.check = None;
        self.generation += 1;
        // Whole ms; MAX_EXPIRES_IN_S keeps the product far inside u64.
        let lifetime_ms = expires_in_s.map(|s| (s * 1000.0) as u64);
        let expires_at_ms = lifetime_ms.map(|l| now.saturating_add(l));
        // Renew `renew_margin_ms` early, but never before half the lifetime has passed:
        // a short-lived token is still used, and no login storm follows.
        let margin = self.config.renew_margin_ms;
        let renew_at_ms = lifetime_ms.map(|l| now.saturating_add(l - margin.min(l / 2)));
        self.out.push_back(Command::Persist {
            session: StoredSession {
                token: token.clone(),
                expires_at_ms,
            },
            generation: self.generation,
        });
        self.session = Some(Session {
            token,
            generation: self.generation,
            renew_at_ms,
            checked: true,
        });
        self.out.push_back(Command::Event(Event::LoginSuccess));
    }
}
