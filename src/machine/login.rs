//! How a valid login state is obtained: a checkSession for a restored token, or a
//! login (wx.login, then the POST of its code), within backoff and the network state.

use alloc::string::String;

use super::{LoginPhase, Machine, Session};
use crate::error::LoginError;
use crate::io::{Command, Event, StoredSession};

impl Machine {
    /// Starts whatever brings a valid login state: a checkSession for a restored
    /// session, otherwise a login. Never a second one while one is under way.
    pub(super) fn obtain_login_state(&mut self, now: u64) {
        if self.login != LoginPhase::Idle || self.checking {
            return;
        }
        let fresh_unchecked = self
            .session
            .as_ref()
            .is_some_and(|s| !s.checked && s.renew_at_ms.is_none_or(|t| now < t));
        if fresh_unchecked {
            self.checking = true;
            self.out.push_back(Command::CheckSession);
            return;
        }
        if let Some(error) = self.backoff.blocking(now) {
            // Too soon after a failed login: the waiters learn it at once.
            let error = error.clone();
            self.reject_waiting(error);
            return;
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

    pub(super) fn check_answered(&mut self, ok: bool) {
        if !core::mem::take(&mut self.checking) {
            return;
        }
        match (&mut self.session, ok) {
            (Some(s), true) => s.checked = true,
            (Some(_), false) => {
                self.session = None;
                self.out.push_back(Command::ClearStorage);
                self.out.push_back(Command::Event(Event::SessionExpired));
            }
            (None, _) => {}
        }
    }

    pub(super) fn login_succeeded(&mut self, token: String, expires_in_s: Option<f64>, now: u64) {
        self.login = LoginPhase::Idle;
        self.backoff.reset();
        self.generation += 1;
        // Whole ms; MAX_EXPIRES_IN_S keeps the product far inside u64.
        let lifetime_ms = expires_in_s.map(|s| (s * 1000.0) as u64);
        let expires_at_ms = lifetime_ms.map(|l| now.saturating_add(l));
        // Renew `renew_margin_ms` early, but never before half the lifetime has passed:
        // a short-lived token is still used, and no login storm follows.
        let margin = self.config.renew_margin_ms;
        let renew_at_ms = lifetime_ms.map(|l| now.saturating_add(l - margin.min(l / 2)));
        self.out.push_back(Command::Persist(StoredSession {
            token: token.clone(),
            expires_at_ms,
        }));
        self.session = Some(Session {
            token,
            generation: self.generation,
            renew_at_ms,
            checked: true,
        });
        self.out.push_back(Command::Event(Event::LoginSuccess));
    }
}
