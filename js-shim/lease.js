/**
 * The shim's side of the Core's lease (src/machine/lease.rs, `Command::Lease`).
 *
 * While the login state is verified and fresh and nothing waits, the Core lends its free
 * wx.request slots. Requests then go out and settle here, with no call into the wasm: a
 * success (any answer that is no auth failure, or any answer to a tokenless request)
 * resolves at once and its slot serves the next request. A send that needs the Core
 * (wx `fail`, an auth failure, no answer by its deadline, `abort()`) is adopted by it,
 * in flight as send 0 in the slot it holds. Requests that find every leased slot taken
 * wait here in order. The lease ends when the Core revokes it or when its `until`
 * (the token's renewal time) has passed: unused slots go back (`RELEASE`) and waiting
 * requests go to the Core.
 *
 * It carries data (the map of the shim is in trust.js's header): the slots, the token
 * generation and the deadline margin are the Core's; whether a request carries the token
 * is trust.js's verdict (`toCore`), as on every other path.
 *
 * Its own module, created at the first lease: nothing of it is compiled on the way from
 * `require` to a cold start's first request.
 */
import { plainResult, statusOf } from './values.js';

// Inputs of Core.put (src/wasm/mod.rs `input`).
const RESPONSE = 8;
const RELEASE = 13;
const ADOPT_LEASED = 14;

/**
 * @param {object} m what the manager lends it:
 *   `feed(fn, ...args)` runs `fn` now or after the Core call under way;
 *   `put(op, a, b, c, d)` a numeric input for the Core;
 *   `enter(w)` gives `w` a Core waiter id; `submit(w)` hands `w` to the Core as a request;
 *   `transmit(w, send, token, channel)` calls wx.request; `current(w, send)` marks the
 *   send answered (false if it was already); `settle(w, ok, value)`;
 *   `now()` (ms); `toCore(w)` whether `w` wants the token; `tokenOf(generation)`;
 *   `verdictOn(result)` the host's auth-failure verdict; `authFailure(status, verdict)`
 *   whether an answer is an auth failure (as the Core judges it);
 *   `retime(timer, at, fn)` and `idle(timer)` for the deadline timer.
 * @returns {object} the lease: `take`, `grant`, `revoke`, `answer`, `adopt`, `abort`,
 *   `handOver`, `drop`
 */
function createLease(m) {
  const { feed, put, enter, submit, transmit, current, settle, now, toCore, tokenOf, verdictOn, authFailure } = m;
  const { retime, idle } = m;
  // Stryker disable next-line BooleanLiteral: equivalent, the lease is created just before its first grant(), which sets it.
  let active = false;
  let no = 0; // the lease's number
  let gen = 0; // the generation of the token it lends
  let free = 0; // slots lent and not in use
  let until = 0; // ms since the epoch
  let margin = 0; // ms added to a send's timeout for its deadline
  const outs = []; // leased sends on the wire (null where one was)
  const holes = []; // free indices of `outs`
  // Stryker disable next-line ArrayDeclaration: equivalent, the first grant()'s pump() skips a stray entry (no `queued`).
  const queue = [];
  let head = 0;
  let timer = null;
  let timerAt = -1; // when `timer` fires (-1: not armed)

  /** Sends `w` in a leased slot at `t` (ms), with the lease's token if it wants one. */
  function send(w, t) {
    free--;
    const g = toCore(w) ? gen : 0;
    w.lease = no;
    w.leaseGen = g;
    const d = t + w.timeout + margin;
    w.deadline = d;
    // Stryker disable next-line ConditionalExpression: `false` is equivalent, a new index instead of a free one only grows `outs`.
    const i = holes.length > 0 ? holes.pop() : outs.length;
    outs[i] = w;
    w.slot = i;
    // Stryker disable next-line EqualityOperator: `timerAt <= 0` and `d <= timerAt` are equivalent (timerAt is -1 or a time in ms; re-arming at the same time changes nothing).
    if (timerAt < 0 || d < timerAt) arm(d);
    // Stryker disable next-line ConditionalExpression: `false` is equivalent, tokenOf(0) is null (no session has generation 0).
    transmit(w, 0, g === 0 ? null : tokenOf(g), 0);
  }

  /** `w`'s send leaves the lease's books (answered, or adopted by the Core). */
  function unslot(w) {
    outs[w.slot] = null;
    holes.push(w.slot);
    // Stryker disable next-line UnaryOperator: equivalent, `slot` is read only by unslot(), once per send.
    w.slot = -1;
    w.lease = 0;
  }

  /** The Core takes over leased send `w`: a waiter of its own, in flight as send 0. */
  function adopt(w) {
    const g = w.leaseGen;
    unslot(w);
    enter(w);
    feed(put, ADOPT_LEASED, w.id, g, w.timeout, w.deadline);
  }

  /** Sends waiting requests into free slots, or ends a lease past its time. */
  function pump() {
    // Stryker disable next-line ConditionalExpression,EqualityOperator: `head < queue.length` as `true` or `<=` is equivalent: a free slot outlives the queue only in grant(), where reading past its end throws into the host's catch with the state intact (see take()).
    while (free > 0 && head < queue.length) {
      const t = now();
      if (t >= until) {
        end();
        return;
      }
      const w = queue[head];
      queue[head++] = undefined;
      // Stryker disable next-line ConditionalExpression: `true` is equivalent, a request aborted while it waits makes the Core revoke the lease (it gets a request while every leased slot is taken), and that hand-over empties the queue: pump() never meets one.
      if (w.queued) {
        w.queued = false;
        send(w, t);
      }
    }
    // Stryker disable next-line ConditionalExpression,EqualityOperator,BlockStatement: equivalent but for `!==`, this only compacts the array.
    if (head === queue.length && head > 0) {
      queue.length = 0;
      head = 0;
    }
  }

  /**
   * The requests that wait for a slot go to the Core, in order (they wait there for a
   * slot as they did here). `direct`: called inside a step (a logout, which they must
   * reach the Core before).
   */
  function handOver(direct) {
    // Stryker disable next-line ConditionalExpression: `false` is equivalent, an empty slice hands over nothing.
    if (head === queue.length) return;
    // Taken out first: a submit can end the lease, which hands over again (re-entered).
    const ws = queue.slice(head);
    queue.length = 0;
    head = 0;
    for (const w of ws) if (w.queued) unqueue(w, direct);
  }

  /** Queued request `w` goes to the Core as a request of its own (`direct`: see handOver). */
  function unqueue(w, direct) {
    w.queued = false;
    enter(w);
    // Stryker disable next-line ConditionalExpression: `true` is equivalent, every caller feeds an input right after (end(): RELEASE; abort: ABORT), whose step arms the Core's next deadline.
    if (direct) submit(w);
    else feed(submit, w);
  }

  /** This side ends the lease: waiting requests go to the Core, then the unused slots. */
  function end() {
    // Stryker disable next-line ConditionalExpression: equivalent, end() is only reached while active (take, pump and revoke check it first).
    if (!active) return;
    active = false;
    // Stryker disable next-line BooleanLiteral: equivalent, as `direct` in unqueue(): RELEASE follows at once.
    handOver(false);
    const n = free;
    free = 0;
    feed(put, RELEASE, no, n);
  }

  /**
   * One timer for the deadlines of leased sends, armed for the earliest known one; a
   * send answered since only makes it fire early. Idle (unref'd) where the host allows
   * (Node): it never keeps a process alive on its own.
   */
  function arm(d) {
    timer = retime(timer, d, wake);
    timerAt = timer === null ? -1 : d;
    idle(timer);
  }

  /** Leased sends past their deadline go to the Core, which rejects them (REQUEST_FAILED). */
  function wake() {
    timer = null;
    timerAt = -1;
    const t = now();
    let next = -1;
    // Stryker disable next-line EqualityOperator: `<=` is equivalent, outs[outs.length] is undefined and skipped.
    for (let i = 0; i < outs.length; i++) {
      const w = outs[i];
      if (!w) continue;
      // Stryker disable EqualityOperator: `next <= 0` and `w.deadline <= next` are equivalent (next is -1 or a time in ms; a tie picks the same time). A disable next-line comment is not honoured on an `else` line.
      if (w.deadline <= t) adopt(w);
      else if (next < 0 || w.deadline < next) next = w.deadline;
      // Stryker restore EqualityOperator
    }
    // Stryker disable next-line ConditionalExpression,EqualityOperator: `true` and `next > 0` are equivalent (arm(-1) sets no timer; next is never 0).
    if (next >= 0) arm(next);
  }

  return {
    /**
     * A new request on wx.request: sent in a free slot or queued for one (true), or left
     * to the Core (false: no lease, or it has just ended at its `until`).
     */
    take(w) {
      if (!active) return false;
      // Stryker disable next-line ConditionalExpression: `head < queue.length` as `false` is equivalent, a free slot and a waiting request never outlive a pump().
      if (free === 0 || head < queue.length) {
        w.queued = true; // for the next leased slot, in order
        queue.push(w);
        return true;
      }
      const t = now();
      if (t < until) {
        send(w, t);
        return true;
      }
      end(); // the token is due for renewal: the Core decides from here
      return false;
    },
    /** `Command::Lease`: lease `n` lends `slots` more slots (ms: `until`, `margin`). */
    grant(n, g, slots, u, ms) {
      // Stryker disable LogicalOperator,ConditionalExpression,EqualityOperator,BlockStatement: equivalent, the Core never lends a lease number again after this side ended it (its RELEASE reaches the Core before any later step), nor a new one while one is held (core_props.rs asserts both): `active && n === no`, `n > no` and the last branch only ever see a grant that grows the lease held or starts the next one.
      if (active && n === no) {
        free += slots; // the lease grows
      } else if (n > no) {
        active = true;
        no = n;
        gen = g;
        free = slots;
        // Stryker disable next-line EqualityOperator: `u <= 0` is equivalent, u is -1 or a time in ms.
        until = u < 0 ? Infinity : u;
        margin = ms;
      } else {
        feed(put, RELEASE, n, slots); // for a lease this side ended already
        return;
      }
      // Stryker restore LogicalOperator,ConditionalExpression,EqualityOperator,BlockStatement
      pump();
    },
    /** `Command::Revoke` of lease `n`. */
    revoke(n) {
      // Stryker disable next-line LogicalOperator,ConditionalExpression: equivalent, the Core revokes only the lease it lent last, and end() of an ended lease does nothing.
      if (active && n === no) end();
    },
    /** A leased send's answer: settled here unless it is an auth failure of a token. */
    answer(w, raw) {
      const r = plainResult(raw);
      if (w.leaseGen !== 0) {
        const status = statusOf(r);
        const verdict = verdictOn(r);
        if (authFailure(status, verdict)) {
          w.last = r;
          adopt(w);
          // Stryker disable next-line ConditionalExpression: `true` is equivalent, a second answer to send 0 finds the Core's waiter no longer in flight as send 0 and is ignored.
          if (current(w, 0)) feed(put, RESPONSE, w.id, 0, status, verdict ? 1 : 0);
          return;
        }
      }
      // Stryker disable next-line UnaryOperator: equivalent, any number but 0 marks the send answered.
      w.send = -2;
      const n = w.lease;
      unslot(w);
      w.last = r;
      settle(w, true, r);
      // Stryker disable next-line ConditionalExpression: `active && true` is equivalent, the Core lends no new lease while sends of an ended one are out (core_props.rs asserts it), so an answer of an ended lease finds `active` false.
      if (active && n === no) {
        free++;
        // Stryker disable next-line ConditionalExpression,EqualityOperator: `true` and `<=` are equivalent, pump() of an empty queue does nothing.
        if (head < queue.length) pump();
      } else {
        feed(put, RELEASE, n, 1); // its lease ended meanwhile: the slot goes back
      }
    },
    adopt,
    /** `abort()` of a request the lease holds: the Core takes it first (then aborts it). */
    abort(w) {
      // Stryker disable BooleanLiteral: `unqueue(w, true)` is equivalent, as `direct` in unqueue(): the abort is fed right after.
      if (w.lease !== 0) adopt(w);
      else if (w.queued) unqueue(w, false);
      // Stryker restore BooleanLiteral
    },
    handOver,
    /** The Core trapped: the lease is gone; returns every request it held. */
    drop() {
      // Stryker disable next-line BooleanLiteral: equivalent, after a trap the manager never calls the lease again.
      active = false;
      const all = [];
      for (const w of outs) {
        if (w) {
          unslot(w);
          all.push(w);
        }
      }
      // Stryker disable next-line EqualityOperator: `<=` is equivalent, queue[queue.length] is undefined and skipped.
      for (; head < queue.length; head++) {
        const w = queue[head];
        // Stryker disable next-line ConditionalExpression,LogicalOperator: equivalent, entries from `head` on are all queued (see pump()).
        if (w !== undefined && w.queued) all.push(w);
      }
      queue.length = 0;
      head = 0;
      return all;
    },
  };
}

export { createLease };
