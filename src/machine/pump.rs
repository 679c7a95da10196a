//! Moving waiters along: to the wire when a slot is free, to their settlement when the
//! login state they wait for is there; and the usability of that state.

use alloc::collections::VecDeque;
use core::cmp::Reverse;

use super::{Kind, LoginPhase, Machine, Queue, State, CHANNELS};
use crate::io::{Channel, Command, WaiterId};

impl Machine {
    /// The token generation requests may carry now, if the login state is usable:
    /// fresh, and checked unless that is not awaited.
    pub(super) fn usable(&self, now: u64) -> Option<u64> {
        let s = self.session.as_ref()?;
        let fresh = s.renew_at_ms.is_none_or(|t| now < t);
        (fresh && (s.checked || !self.config.await_check_session)).then_some(s.generation)
    }

    /// The generation of a usable, checkSession-verified login state.
    pub(super) fn verified(&self, now: u64) -> Option<u64> {
        let g = self.usable(now)?;
        self.session
            .as_ref()
            .is_some_and(|s| s.checked)
            .then_some(g)
    }

    /// Whether another request may go out on `channel`; login POSTs count on
    /// [`Channel::Request`].
    pub(super) fn has_free_slot(&self, channel: Channel) -> bool {
        let posts = if channel == Channel::Request {
            self.posts_on_wire.len()
        } else {
            0
        };
        self.in_flight[channel.index()] + posts < self.config.max_in_flight
    }

    /// Moves everything that can move: waiters whose login state is there, the login
    /// POST, the sends that fit; then starts a login (or a check) if one is still needed.
    pub(super) fn pump(&mut self, now: u64) {
        if !(self.renewals.is_empty() && self.fresh.is_empty()) {
            if let Some(generation) = self.usable(now) {
                // Renewals first, then the fresh ones, each in arrival order: dispatched
                // from the back because each goes to the front of its send queue.
                // A queue at a time: dispatching adds to neither.
                // Popped rather than iterated: VecDeque's iterator is large in wasm.
                for q in [Queue::Fresh, Queue::Renewals] {
                    let mut queue = core::mem::take(self.queue(q));
                    while let Some(id) = queue.pop_back() {
                        self.dispatch(id, generation);
                    }
                    reuse(self.queue(q), queue);
                }
            }
        }
        if !self.verified.is_empty() {
            if let Some(generation) = self.verified(now) {
                while let Some(id) = self.verified.pop_front() {
                    self.dispatch(id, generation);
                }
            }
        }
        if let LoginPhase::Posting { attempt, .. } = self.login {
            if self.has_free_slot(Channel::Request) {
                if let Some(code) = self.code_to_post.take() {
                    let deadline = now
                        .saturating_add(self.config.login_timeout_ms)
                        .saturating_add(self.config.request_timeout_margin_ms);
                    self.posts_on_wire.push((attempt, deadline)); // attempts are unique
                    self.out.push_back(Command::PostCode { attempt, code });
                }
            }
        }
        for channel in CHANNELS {
            if !self.send_queues[channel.index()].is_empty() {
                self.send_from_queue(channel, now);
            }
        }
        // Entries of aborted waiters are skipped lazily; drop those at the fronts so that
        // a queue of aborted waiters alone starts no login (amortised O(1)).
        let waiting =
            !(self.renewals.is_empty() && self.fresh.is_empty() && self.verified.is_empty())
                && (self.live_front(Queue::Renewals)
                    | self.live_front(Queue::Fresh)
                    | self.live_front(Queue::Verified));
        if waiting {
            self.obtain_login_state(now);
        }
    }

    /// A waiter whose login state is there (`generation`) goes on: a request to the
    /// front of its send queue (dispatched in reverse, so order is kept), the others
    /// settle.
    pub(super) fn dispatch(&mut self, id: WaiterId, generation: u64) {
        let Some(w) = self.waiters.get(id) else {
            return; // aborted while it waited
        };
        let relogins = w.relogins;
        match w.kind {
            Kind::Request { channel, .. } => self.send_queues[channel.index()].push_front(id),
            Kind::Login => self.settle(id, Ok(())),
            Kind::Authorize => self.settle_with(
                id,
                Command::Authorized {
                    id,
                    generation,
                    relogins,
                },
            ),
            Kind::Check => self.settle_with(
                id,
                Command::Verdict {
                    id,
                    replay: true,
                    relogins,
                },
            ),
        }
    }

    pub(super) fn send_from_queue(&mut self, channel: Channel, now: u64) {
        let margin = self.config.request_timeout_margin_ms;
        while self.has_free_slot(channel) {
            let Some(id) = self.send_queues[channel.index()].pop_front() else {
                break;
            };
            let usable = self.usable(now);
            let Some(w) = self.waiters.get_mut(id) else {
                continue;
            };
            let Kind::Request {
                with_token,
                timeout_ms,
                ..
            } = w.kind
            else {
                continue;
            };
            if w.state != State::Waiting {
                continue;
            }
            let generation = match (with_token, usable) {
                (false, _) => None,
                (true, Some(g)) => Some(g),
                (true, None) => {
                    self.fresh.push_back(id);
                    continue;
                }
            };
            self.sends += 1;
            let send = self.sends;
            w.state = State::InFlight { send, generation };
            self.in_flight[channel.index()] += 1;
            let deadline = now.saturating_add(timeout_ms).saturating_add(margin);
            self.deadlines.push(Reverse((deadline, id, send)));
            self.out.push_back(Command::Send {
                id,
                send,
                generation,
                channel,
            });
            if generation.is_some() {
                self.check_in_parallel(now);
            }
        }
    }

    /// The queue `q`.
    pub(super) fn queue(&mut self, q: Queue) -> &mut VecDeque<WaiterId> {
        match q {
            Queue::Renewals => &mut self.renewals,
            Queue::Fresh => &mut self.fresh,
            Queue::Verified => &mut self.verified,
        }
    }

    /// Pops entries of settled waiters off the front of `q`; whether a live one is left.
    pub(super) fn live_front(&mut self, q: Queue) -> bool {
        let queue = match q {
            Queue::Renewals => &mut self.renewals,
            Queue::Fresh => &mut self.fresh,
            Queue::Verified => &mut self.verified,
        };
        while let Some(&id) = queue.front() {
            if self
                .waiters
                .get(id)
                .is_some_and(|w| w.state == State::Waiting)
            {
                return true;
            }
            queue.pop_front();
        }
        false
    }

    /// Drops answered sends from the top of the deadline heap, so that
    /// [`Machine::poll_timeout`] sees a live one.
    pub(super) fn prune(&mut self) {
        while let Some(Reverse((_, id, send))) = self.deadlines.peek() {
            if self.sent_as(*id) == Some(*send) {
                break;
            }
            self.deadlines.pop();
        }
    }

    /// The send a waiter is in flight as, if it is.
    pub(super) fn sent_as(&self, id: WaiterId) -> Option<u64> {
        match self.waiters.get(id)?.state {
            State::InFlight { send, .. } => Some(send),
            State::Waiting => None,
        }
    }
}

/// Gives `queue` (emptied) back to `slot` to keep its allocation, unless `slot` has
/// entries again.
pub(super) fn reuse(slot: &mut VecDeque<WaiterId>, mut queue: VecDeque<WaiterId>) {
    if slot.is_empty() {
        queue.clear();
        *slot = queue;
    }
}
