//! How waiters end, or go around again: failed logins, answers to sent requests
//! (auth failures, renewal, replay, the retry limit) and logout.

use alloc::vec::Vec;

use super::{Kind, LoginPhase, Machine, State};
use crate::error::LoginError;
use crate::io::{Command, Event, WaiterId};

impl Machine {
    /// A failed login rejects every waiter that waited for it: none is left hanging.
    pub(super) fn fail_login(&mut self, error: LoginError, now: u64) {
        self.login = LoginPhase::Idle;
        self.code_to_post = None;
        self.backoff.failed(error.clone(), now);
        self.out
            .push_back(Command::Event(Event::LoginFailure { code: error.code() }));
        self.reject_waiting(error);
    }

    /// Frees the slot of the matching send: `(generation of the token it carried,
    /// orphaned by a logout)`; `None` for an unknown or stale send.
    pub(super) fn take_in_flight(
        &mut self,
        id: WaiterId,
        send: u64,
    ) -> Option<(Option<u64>, bool)> {
        let sent = match self.waiters.get(&id)?.state {
            State::InFlight {
                send: s,
                generation,
            } if s == send => (generation, false),
            State::Orphaned { send: s } if s == send => (None, true),
            _ => return None,
        };
        self.in_flight -= 1;
        Some(sent)
    }

    pub(super) fn response(&mut self, id: WaiterId, send: u64, auth_failure: bool) {
        let Some(sent) = self.take_in_flight(id, send) else {
            return;
        };
        match (auth_failure, sent) {
            (true, (_, true)) => self.settle(id, Err(LoginError::LoggedOut)),
            (true, (Some(generation), false)) => self.auth_failed(id, generation),
            _ => self.settle(id, Ok(())),
        }
    }

    /// An auth failure of a request that carried the token of `generation`.
    pub(super) fn auth_failed(&mut self, id: WaiterId, generation: u64) {
        let limit = self.config.retry_limit;
        let Some(w) = self.waiters.get_mut(&id) else {
            return;
        };
        if generation < self.generation {
            // A newer login state already exists (or is coming): replay, spend nothing.
            w.state = State::Waiting;
            self.send_queue.push_front(id);
            self.out.push_back(Command::Event(Event::Replay));
            return;
        }
        if w.relogins >= limit {
            self.out.push_back(Command::Event(Event::RetryLimit));
            self.settle(id, Err(LoginError::RetryLimit { retry_limit: limit }));
            return;
        }
        w.relogins += 1;
        w.state = State::Waiting;
        self.renewals.push_back(id);
        if self
            .session
            .as_ref()
            .is_some_and(|s| s.generation == generation)
        {
            self.session = None;
            self.out.push_back(Command::ClearStorage);
        }
        self.out.push_back(Command::Event(Event::Renewal));
    }

    pub(super) fn logout(&mut self) {
        self.session = None;
        self.generation += 1;
        self.login = LoginPhase::Idle; // late wx.login / POST answers no longer match
        self.code_to_post = None;
        self.backoff.reset();
        self.checking = false;
        self.out.push_back(Command::ClearStorage);
        self.out.push_back(Command::Event(Event::Logout));
        self.reject_waiting(LoginError::LoggedOut);
        // Queued requests were made under the old login state: they go with it.
        let queued: Vec<WaiterId> = self.send_queue.drain(..).collect();
        for id in queued {
            let wants = matches!(self.waiters.get(&id), Some(w) if matches!(w.kind, Kind::Request { wants_token: true, .. }));
            if wants {
                self.settle(id, Err(LoginError::LoggedOut));
            } else {
                self.send_queue.push_back(id);
            }
        }
        for w in self.waiters.values_mut() {
            if let State::InFlight {
                send,
                generation: Some(_),
            } = w.state
            {
                w.state = State::Orphaned { send };
            }
        }
    }

    /// Takes every waiter that waits for a login state: renewals first, then the rest
    /// in arrival order.
    pub(super) fn take_waiting(&mut self) -> Vec<WaiterId> {
        self.renewals
            .drain(..)
            .chain(self.fresh.drain(..))
            .collect()
    }

    /// Rejects every waiter that waits for a login state with `error`.
    pub(super) fn reject_waiting(&mut self, error: LoginError) {
        for id in self.take_waiting() {
            self.settle(id, Err(error.clone()));
        }
    }

    pub(super) fn settle(&mut self, id: WaiterId, result: Result<(), LoginError>) {
        if self.waiters.remove(&id).is_none() {
            return;
        }
        self.out.push_back(match result {
            Ok(()) => Command::Resolve { id },
            Err(error) => Command::Reject { id, error },
        });
    }
}
