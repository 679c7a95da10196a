//! How waiters end, or go around again: deadlines, failed logins, answers to sent
//! requests (auth failures, renewal, replay, the retry limit), logout.

use alloc::string::String;
use core::cmp::Reverse;

use super::pump::reuse;
use super::{Kind, LoginPhase, Machine, Queue, State, CHANNELS};
use crate::error::{decimal, LoginError};
use crate::io::{Command, Event, WaiterId};

impl Machine {
    /// Acts on every deadline that has passed at `now`.
    pub(super) fn expire(&mut self, now: u64) {
        if let LoginPhase::WxLogin { deadline, .. } | LoginPhase::Posting { deadline, .. } =
            self.login
        {
            if now >= deadline {
                let timeout_ms = self.config.login_timeout_ms;
                self.fail_login(LoginError::LoginTimeout { timeout_ms }, now);
            }
        }
        if self.check.is_some_and(|(_, d)| now >= d) {
            self.check_done(false); // see Config::check_session_timeout_ms
        }
        if self.network_deadline.is_some_and(|d| now >= d) {
            self.network_deadline = None; // no answer: taken as online
        }
        // A login POST that never answers gives its slot back (its login has timed out).
        self.drop_posts(0, now); // attempts start at 1
        while let Some(&Reverse((deadline, id, send))) = self.deadlines.peek() {
            if now < deadline {
                break;
            }
            self.deadlines.pop();
            let waited = match self.waiters.get(id).map(|w| w.kind) {
                Some(Kind::Request { timeout_ms, .. }) => {
                    timeout_ms.saturating_add(self.config.request_timeout_margin_ms)
                }
                _ => continue,
            };
            if self.take_in_flight(id, send).is_some() {
                let err_msg = String::from("request:fail timeout: no answer within ")
                    + &decimal(waited)
                    + " ms";
                self.settle(id, Err(LoginError::RequestFailed { err_msg }));
            }
        }
    }

    /// Frees the slots of the login POSTs on the wire of `attempt` (answered) or past
    /// their deadline at `now` (one `retain` for every caller: smaller in wasm).
    pub(super) fn drop_posts(&mut self, attempt: u64, now: u64) {
        self.posts_on_wire.retain(|&(a, d)| a != attempt && now < d);
    }

    /// A failed login rejects every waiter that waited for it: none is left hanging.
    pub(super) fn fail_login(&mut self, error: LoginError, now: u64) {
        self.login = LoginPhase::Idle;
        self.code_to_post = None;
        self.backoff.failed(error.clone(), now);
        self.out
            .push_back(Command::Event(Event::LoginFailure { code: error.code() }));
        self.reject_waiting(error);
    }

    /// Frees the slot of the matching send and returns the generation of the token it
    /// carried (`Some(None)`: none); `None` for an unknown or stale send. The waiter is
    /// left `Waiting`, for the caller to settle or queue.
    pub(super) fn take_in_flight(&mut self, id: WaiterId, send: u64) -> Option<Option<u64>> {
        let w = self.waiters.get_mut(id)?;
        let (
            State::InFlight {
                send: s,
                generation,
            },
            Kind::Request { channel, .. },
        ) = (w.state, w.kind)
        else {
            return None;
        };
        if s != send {
            return None;
        }
        w.state = State::Waiting;
        self.in_flight[channel.index()] -= 1;
        Some(generation)
    }

    /// An auth failure of a request (or a checked ticket) that carried the token of
    /// `generation`.
    pub(super) fn auth_failed(&mut self, id: WaiterId, generation: u64) {
        if generation < self.logged_out_below {
            // Sent before a logout: never a login with the old state.
            self.settle(id, Err(LoginError::LoggedOut));
            return;
        }
        let limit = self.config.retry_limit;
        let newer = generation < self.generation;
        let Some(w) = self.waiters.get_mut(id) else {
            return;
        };
        if newer {
            // A newer login state already exists (or is coming): replay, spend nothing.
            match w.kind {
                Kind::Request { channel, .. } => self.send_queues[channel.index()].push_front(id),
                _ => self.renewals.push_back(id),
            }
            self.out.push_back(Command::Event(Event::Replay));
            return;
        }
        if w.relogins >= limit {
            self.out.push_back(Command::Event(Event::RetryLimit));
            self.settle(id, Err(LoginError::RetryLimit { retry_limit: limit }));
            return;
        }
        w.relogins += 1;
        self.renewals.push_back(id);
        if self
            .session
            .as_ref()
            .is_some_and(|s| s.generation == generation)
        {
            self.drop_session();
            self.out.push_back(Command::ClearStorage);
        }
        self.out.push_back(Command::Event(Event::Renewal));
    }

    pub(crate) fn logout(&mut self) {
        self.drop_session();
        self.generation += 1;
        self.logged_out_below = self.generation;
        self.login = LoginPhase::Idle; // late wx.login / POST answers no longer match
        self.code_to_post = None;
        self.backoff.reset();
        self.out.push_back(Command::ClearStorage);
        self.out.push_back(Command::Event(Event::Logout));
        self.reject_waiting(LoginError::LoggedOut);
        // Queued requests were made under the old login state: those that want the
        // token go with it.
        for channel in CHANNELS {
            let mut queued = core::mem::take(&mut self.send_queues[channel.index()]);
            while let Some(id) = queued.pop_front() {
                match self.waiters.get(id).map(|w| (w.kind, w.state)) {
                    Some((
                        Kind::Request {
                            with_token: true, ..
                        },
                        State::Waiting,
                    )) => self.settle(id, Err(LoginError::LoggedOut)),
                    Some(_) => self.send_queues[channel.index()].push_back(id),
                    None => {}
                }
            }
        }
    }

    /// Rejects every waiter that waits for a login state with `error`: renewals first,
    /// then the rest in arrival order.
    pub(super) fn reject_waiting(&mut self, error: LoginError) {
        // A queue at a time, popped (VecDeque's iterators are large in wasm); settling
        // one waiter adds to none of them.
        for q in [Queue::Renewals, Queue::Fresh, Queue::Verified] {
            let mut queue = core::mem::take(self.queue(q));
            while let Some(id) = queue.pop_front() {
                self.settle(id, Err(error.clone()));
            }
            reuse(self.queue(q), queue);
        }
    }

    pub(super) fn settle(&mut self, id: WaiterId, result: Result<(), LoginError>) {
        let command = match result {
            Ok(()) => Command::Resolve { id },
            Err(error) => Command::Reject { id, error },
        };
        self.settle_with(id, command);
    }

    /// Removes the waiter and emits its one settling command (nothing if it is gone).
    pub(super) fn settle_with(&mut self, id: WaiterId, command: Command) {
        if self.waiters.remove(id).is_some() {
            self.out.push_back(command);
        }
    }
}
