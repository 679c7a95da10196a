//! Leases of wx.request slots ([`Command::Lease`]): in the steady state the host sends
//! and settles requests itself, and the machine only hears of those that need it.

use super::{LoginPhase, Machine};
use crate::io::{Channel, Command, WaiterId};

const REQUEST: usize = Channel::Request as usize;

impl Machine {
    /// The generation a lease may carry now: a verified, fresh login state, no login
    /// under way and nothing waiting for a login state or a wx.request slot.
    fn leasable(&self, now: u64) -> Option<u64> {
        let s = self.session.as_ref()?;
        let calm = self.login == LoginPhase::Idle
            && self.renewals.is_empty()
            && self.fresh.is_empty()
            && self.verified.is_empty()
            && self.send_queues[REQUEST].is_empty();
        (calm && s.checked && s.renew_at_ms.is_none_or(|t| now < t)).then_some(s.generation)
    }

    /// After every input: revokes a lease that no longer fits, or grants (or grows) one
    /// with every free wx.request slot. A new lease waits until the slots of ended
    /// ones are all back.
    pub(super) fn lease(&mut self, now: u64) {
        let wanted = self.leasable(now);
        let (lease, generation) = match (self.lease, wanted) {
            (Some((lease, g)), w) if w != Some(g) => {
                self.lease = None;
                self.out.push_back(Command::Revoke { lease });
                return;
            }
            (Some(l), _) => l,
            (None, Some(g)) if self.leased == 0 => (self.leases + 1, g),
            (None, _) => return,
        };
        let used = self.in_flight[REQUEST] + self.posts_on_wire.len();
        let slots = self.config.max_in_flight.saturating_sub(used);
        if slots == 0 {
            return;
        }
        self.leases = lease;
        self.lease = Some((lease, generation));
        self.leased += slots;
        self.in_flight[REQUEST] += slots;
        let until_ms = self.session.as_ref().and_then(|s| s.renew_at_ms);
        self.out.push_back(Command::Lease {
            lease,
            generation,
            slots: slots as u32,
            until_ms,
            margin_ms: self.config.request_timeout_margin_ms,
        });
    }

    /// [`Input::Release`](crate::Input::Release).
    pub(crate) fn on_release(&mut self, lease: u64, slots: u32) {
        let n = (slots as usize).min(self.leased);
        self.leased -= n;
        self.in_flight[REQUEST] -= n;
        if self.lease.is_some_and(|(l, _)| l == lease) {
            self.lease = None;
        }
    }

    /// [`Input::AdoptLeased`](crate::Input::AdoptLeased).
    pub(crate) fn on_adopt_leased(
        &mut self,
        id: WaiterId,
        generation: Option<u64>,
        timeout_ms: u64,
        deadline_ms: u64,
    ) {
        let adopted = self.add_in_flight(id, Channel::Request, timeout_ms, generation, deadline_ms);
        // The slot moves from the lease to the waiter, or is freed if the id was refused
        // (a host that holds none gets one counted, so that the answer's release balances).
        if self.leased > 0 {
            self.leased -= 1;
            if !adopted {
                self.in_flight[REQUEST] -= 1;
            }
        } else if adopted {
            self.in_flight[REQUEST] += 1;
        }
    }
}
