//! The sans-IO login-state machine.

use alloc::collections::{BinaryHeap, VecDeque};
use alloc::string::String;
use alloc::vec::Vec;
use core::cmp::Reverse;

mod input;
mod lease;
mod login;
mod pump;
mod settle;

use crate::answer::is_field_value;
use crate::backoff::Backoff;
use crate::config::Config;
use crate::idmap::IdMap;
use crate::io::{Channel, Command, Event, Input, StoredSession, WaiterId};

const CHANNELS: [Channel; 3] = [Channel::Request, Channel::Upload, Channel::Download];

#[derive(Debug)]
struct Session {
    token: String,
    generation: u64,
    /// From this time (ms since the epoch) the token is renewed before use: the
    /// server's expiry less `renew_margin_ms` (at most half the lifetime).
    renew_at_ms: Option<u64>,
    /// `wx.checkSession` vouched for it since launch (or since a long background);
    /// always true after a fresh login.
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

#[derive(Debug, Clone, Copy, PartialEq)]
enum Kind {
    /// A request (or an upload, a download).
    Request {
        with_token: bool,
        channel: Channel,
        timeout_ms: u64,
    },
    /// A `login()` call: wants a verified login state.
    Login,
    /// An `authorize()` ticket: wants a verified login state, answered `Authorized`.
    Authorize,
    /// A `check()` that decided on a replay: wants a usable login state, answered `Verdict`.
    Check,
}

#[derive(Debug, Clone, Copy, PartialEq)]
enum State {
    /// Not on the wire: in a send queue (waiting for a slot) or in `renewals`, `fresh`
    /// or `verified` (waiting for a login state).
    Waiting,
    /// Sent as `send`, with the token of `generation` (`None`: without one).
    InFlight { send: u64, generation: Option<u64> },
}

/// The queues of waiters that wait for a login state.
#[derive(Clone, Copy)]
enum Queue {
    Renewals,
    Fresh,
    Verified,
}

#[derive(Debug)]
struct Waiter {
    kind: Kind,
    state: State,
    relogins: u32,
}

/// The login-state machine: single-flight login, FIFOs of waiting requests, renewal
/// and replay on auth failures, at most `max_in_flight` requests on the wire per
/// [`Channel`], a deadline for every host action.
///
/// It does no I/O and reads no clock. Call order, as in quinn-proto and str0m:
/// 1. [`Machine::new`] with the stored session read at launch (and `now`);
/// 2. feed each event with [`Machine::handle`], or [`Machine::handle_timeout`] when the
///    deadline from [`Machine::poll_timeout`] has passed;
/// 3. after every call, drain [`Machine::poll_command`] until it returns `None` and
///    carry each [`Command`] out (answers come back as later inputs), then re-arm the
///    timer from [`Machine::poll_timeout`].
///
/// Every waiter settles exactly once, with [`Command::Resolve`], [`Command::Reject`],
/// [`Command::Authorized`] or [`Command::Verdict`]. Host input never makes it panic:
/// unknown ids and stale answers are ignored. Each input costs amortised O(log n) in the
/// number of waiters, plus the commands it yields (a logout also walks the send queues).
#[derive(Debug)]
pub struct Machine {
    config: Config,
    session: Option<Session>,
    /// Generation of the newest session (moves on at each login and at logout).
    generation: u64,
    /// Tokens of generations below this were ended by a logout: an auth failure of a
    /// request that carried one is `LOGGED_OUT`, never a new login.
    logged_out_below: u64,
    /// Generation an adopted send carried: 1 with a restored session, else 0.
    adopted_generation: u64,
    login: LoginPhase,
    /// The code of the current attempt, until a request slot is free to POST it.
    code_to_post: Option<String>,
    /// Login POSTs on the wire `(attempt, deadline)`: each holds a wx.request slot until
    /// answered (even when stale) or until its deadline.
    posts_on_wire: Vec<(u64, u64)>,
    backoff: Backoff,
    attempts: u64,
    /// The checkSession under way: `(number, deadline)`.
    check: Option<(u64, u64)>,
    checks: u64,
    /// False while the platform reports no network.
    online: bool,
    /// While the network state is unknown at launch: until when a login waits for it.
    network_deadline: Option<u64>,
    /// When the app went to the background, while it is there.
    hidden_since: Option<u64>,
    waiters: IdMap<Waiter>,
    /// Waiters that met an auth failure: served first once a login state is usable.
    renewals: VecDeque<WaiterId>,
    /// Requests (and replaying checks) that need a usable login state, FIFO.
    fresh: VecDeque<WaiterId>,
    /// `login()` and `authorize()` waiters: they need a checkSession-verified state.
    verified: VecDeque<WaiterId>,
    send_queues: [VecDeque<WaiterId>; 3],
    in_flight: [usize; 3],
    sends: u64,
    /// Answer deadlines of sends `(deadline, id, send)`; entries of answered sends are
    /// dropped lazily from the top.
    deadlines: BinaryHeap<Reverse<(u64, WaiterId, u64)>>,
    /// The lease the host holds, `(number, generation)` ([`Command::Lease`]).
    lease: Option<(u64, u64)>,
    leases: u64,
    /// wx.request slots the host holds under leases (the current one's, and those of
    /// ended leases whose sends are still out): counted in `in_flight`.
    leased: usize,
    out: VecDeque<Command>,
}

impl Machine {
    /// A machine at launch. `stored` is the login state an earlier launch persisted
    /// (if any): one past its renewal time, or whose token is not a valid HTTP field
    /// value (stored by an older version), is dropped with [`Command::ClearStorage`];
    /// a usable one becomes session generation 1 (its token: [`Machine::token`]).
    /// `now` is ms since the Unix epoch.
    pub fn new(config: Config, stored: Option<StoredSession>, now: u64) -> Machine {
        let backoff = Backoff::new(
            config.login_backoff_ms,
            config.login_backoff_max_ms,
            config.seed,
        );
        let network_deadline =
            (config.network_wait_ms > 0).then(|| now.saturating_add(config.network_wait_ms));
        let mut m = Machine {
            config,
            session: None,
            generation: 0,
            logged_out_below: 0,
            adopted_generation: 0,
            login: LoginPhase::Idle,
            code_to_post: None,
            posts_on_wire: Vec::new(),
            backoff,
            attempts: 0,
            check: None,
            checks: 0,
            online: true,
            network_deadline,
            hidden_since: None,
            waiters: IdMap::new(),
            renewals: VecDeque::new(),
            fresh: VecDeque::new(),
            verified: VecDeque::new(),
            send_queues: [VecDeque::new(), VecDeque::new(), VecDeque::new()],
            in_flight: [0; 3],
            sends: 0,
            deadlines: BinaryHeap::new(),
            lease: None,
            leases: 0,
            leased: 0,
            out: VecDeque::new(),
        };
        let margin = m.config.renew_margin_ms;
        let renew_at_ms = stored
            .as_ref()
            .and_then(|s| s.expires_at_ms)
            .map(|t| t.saturating_sub(margin));
        match stored {
            Some(s) if renew_at_ms.is_none_or(|t| now < t) && is_field_value(&s.token) => {
                m.generation = 1;
                m.adopted_generation = 1;
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

    /// The current session's token and generation, whether or not it is usable now
    /// (expired, unchecked); `None` when there is no session. The host reads it once
    /// per generation (the restored one at launch; later ones also come in
    /// [`Command::Persist`]).
    pub fn token(&self) -> Option<(&str, u64)> {
        self.session
            .as_ref()
            .map(|s| (s.token.as_str(), s.generation))
    }

    /// Next command for the host, or `None` when drained.
    pub fn poll_command(&mut self) -> Option<Command> {
        self.out.pop_front()
    }

    /// When [`Machine::handle_timeout`] must be called next (ms since the epoch), if
    /// ever: the earliest of the login's, the checkSession's, the launch network wait's
    /// and every send's deadline. O(number of login POSTs on the wire, at most 10).
    pub fn poll_timeout(&self) -> Option<u64> {
        // Written out (no array of Options to flatten): it runs after every input.
        let mut t: Option<u64> = None;
        let mut at = |d: u64| t = Some(t.map_or(d, |t| t.min(d)));
        if let LoginPhase::WxLogin { deadline, .. } | LoginPhase::Posting { deadline, .. } =
            self.login
        {
            at(deadline);
        }
        if let Some((_, d)) = self.check {
            at(d);
        }
        if let Some(d) = self.network_deadline {
            at(d);
        }
        if let Some(Reverse((d, _, _))) = self.deadlines.peek() {
            at(*d);
        }
        for &(_, d) in &self.posts_on_wire {
            at(d);
        }
        t
    }

    /// Number of waiters not yet settled.
    pub fn pending(&self) -> usize {
        self.waiters.len()
    }

    /// Whether a login (wx.login or its POST) is under way.
    pub fn login_in_flight(&self) -> bool {
        self.login != LoginPhase::Idle
    }

    /// The clock moved to `now`: acts on every deadline that has passed (a login past
    /// `loginTimeoutMs`, an unanswered checkSession, the launch network wait, sends
    /// with no answer).
    pub fn handle_timeout(&mut self, now: u64) {
        self.step(now, |_| {}); // only the clock moves
    }

    /// Feeds one event that happened at `now` (ms since the Unix epoch).
    ///
    /// Ids of new waiters must be strictly increasing and, while older waiters remain,
    /// at most 65536 past the previous one: any other id is rejected at once with
    /// `INVALID_OPTIONS` (a host bug).
    pub fn handle(&mut self, input: Input, now: u64) {
        self.step(now, |m| m.input(input, now));
    }

    /// One input at `now` given as a call of the matching `on_*` method (the wasm
    /// adapter's way of feeding numbers without building an [`Input`]): deadlines that
    /// passed act first, then `f`, then whatever can move moves.
    pub(crate) fn step(&mut self, now: u64, f: impl FnOnce(&mut Machine)) {
        self.expire(now);
        f(self);
        self.pump(now);
        self.prune();
        if self.config.lease {
            self.lease(now);
        }
    }
}
