/**
 * The cold start: what the manager does before the wasm Core exists.
 *
 * Where JS decides here, and why it may (the map of the shim is in trust.js's header):
 * - which requests go out at once with the token persisted by an earlier launch: those a
 *   narrower check than the Core's trusts (trust.js `earlyTrust`), at most 10 at a time
 *   (wx.request's limit), while the token is unexpired by the Core's own rule
 *   (`renewMarginMs` before `expiresAt`), and never with `awaitCheckSession`. The Core
 *   adopts each such send once it exists and judges its answer (manager.js); an answer
 *   that is a plain success (`settles`: no auth failure, by the rule the lease uses too)
 *   settles the page's Promise at once, since the Core can only resolve it;
 * - whether wx.login starts when the manager is created (`earlyLogin`, issue 20): when
 *   nothing is stored that the Core would keep (no token, or one it would renew), so the
 *   Core's first login will need a code. The early call only records its code; the Core's
 *   own first wx.login (`bind`) takes it, and a failure is never shown to the Core (no retry
 *   spent, no backoff): the Core's wx.login is then made as usual;
 * - `logout()` before the Core exists ends the persisted token here, synchronously (the
 *   manager removes it from storage at once and forgets its own copy): no later request
 *   carries it, whatever waits in the queue for the Core, and the Core starts with no
 *   session (`session()` tells it none); an early code is dropped.
 * Everything else (the login, renewal, replays, the verdict on an answer) waits for the Core.
 * It also reads the clock (`now`), storage (`storage`) and the network (wx.getNetworkType,
 * asked here so that its answer is in before the Core: `listen`), and reports (`emit`).
 */
import { get, errMsgOf, quiet, guard } from './values.js';
import { earlyTrust } from './trust.js';

/** A valid HTTP field value for the token: visible ASCII, inner spaces/tabs. */
const FIELD_VALUE = /^[\x21-\x7e](?:[\x20\x09\x21-\x7e]*[\x21-\x7e])?$/;

/**
 * @param {object} o validated options (options.js): wx, clock, onEvent, storageKey,
 *   renewMarginMs, awaitCheckSession, earlyLogin, authFailStatusCodes, trustedOrigins /
 *   loginUrl / baseUrl
 */
function createColdStart(o) {
  const wx = o.wx;
  let lastNow = 0;
  /** The clock's now, ms; a clock that throws or answers a non-number keeps the last time. */
  function now() {
    let t;
    try {
      t = o.clock.now();
    } catch (e) {
      return lastNow;
    }
    if (typeof t === 'number' && t >= 0 && t <= 8.64e15) lastNow = Math.floor(t);
    return lastNow;
  }
  const emit = (type, extra) => {
    if (!o.onEvent) return;
    try {
      o.onEvent(Object.assign({ type: type }, extra));
    } catch (e) {
      // A listener's bug must not break the login flow.
    }
  };
  /** `wx.<op>StorageSync(storageKey, value)`; a throw is reported (`storage:error`), not fatal. */
  function storage(op, value) {
    try {
      return wx[op + 'StorageSync'](o.storageKey, value);
    } catch (e) {
      emit('storage:error', { errMsg: errMsgOf(e, op + 'StorageSync:fail') });
    }
  }

  // The persisted session, read once.
  const stored = storage('get');
  const t = get(stored, 'token');
  const at = get(stored, 'expiresAt');
  /** The persisted token (the Core's restored session, generation 1), or null. */
  let token = typeof t === 'string' && FIELD_VALUE.test(t) && (at == null || (typeof at === 'number' && at >= 0))
    ? t : null;
  /** Its expiry, whole ms as the Core reads it (src/wasm/mod.rs `whole`), or -1: none. */
  let expiresAt = token !== null && typeof at === 'number' ? Math.floor(at) : -1;
  /** Whether the Core keeps it (src/machine/mod.rs `Machine::new`): not yet to renew. */
  const kept = token !== null && (expiresAt < 0 || now() < expiresAt - o.renewMarginMs);
  /** The token early sends carry: the persisted one while the Core keeps it, else null. */
  let early = kept && !o.awaitCheckSession ? token : null;
  let inFlight = 0;
  let waiting = 0; // wx.requests queued for the Core (`token` said null)
  const trusted = early === null ? null : earlyTrust(o.trustedOrigins || [o.loginUrl, o.baseUrl || o.loginUrl]);
  /** An auth failure, as the Core judges one: the host's verdict, or a status of authFailStatusCodes. */
  const authFailure = (status, verdict) => verdict || o.authFailStatusCodes.indexOf(status) >= 0;

  /**
   * Calls wx.login; `done(code)` once: its code (a string, '' where it gave none), or
   * `done(null, errMsg)` where it failed or threw.
   */
  function login(done) {
    const once = guard();
    const failed = (e) => once() && done(null, errMsgOf(e, 'login:fail'));
    try {
      quiet(wx.login({
        success: (r) => {
          const c = get(r, 'code');
          if (once()) done(typeof c === 'string' ? c : '');
        },
        fail: failed,
      }));
    } catch (e) {
      failed(e);
    }
  }

  // The early wx.login: `{at, code}`, code undefined while it runs, null once it failed,
  // gave no code or was dropped (`drop`: logout() came first), and `then` the Core's
  // attempt bound to it (`bind`). Before wx.getNetworkType is asked: its answer is never in
  // yet (wx answers in a later task), and offline the call fails and costs nothing (no
  // retry spent, no backoff: `bind`), while asking first would delay every launch's login.
  let pre = null;
  if (o.earlyLogin && !kept) {
    const p = (pre = { at: now(), code: undefined, then: null, drop: false });
    login((c) => {
      p.code = (!p.drop && c) || null;
      if (p.then !== null) p.then(p.code);
    });
  }

  // The network, asked now and watched from now on (a change before the Core exists is not
  // lost): each answer is the Core's NETWORK input (`listen`).
  let online; // undefined: no answer yet
  let heard = null;
  /** Whether a wx.getNetworkType or onNetworkStatusChange answer says online. */
  const isOnline = (r) => get(r, 'isConnected') !== false && get(r, 'networkType') !== 'none';
  const network = (on) => {
    online = on;
    if (heard !== null) heard(on);
  };
  try {
    quiet(wx.getNetworkType({
      success: (r) => network(isOnline(r)),
      fail: () => network(true),
    }));
  } catch (e) {
    network(true); // unknown (no such API, or it threw): as online
  }
  try {
    wx.onNetworkStatusChange((r) => network(isOnline(r)));
  } catch (e) {
    // Without it the manager behaves as if the network never changes.
  }

  return {
    now, emit, storage, authFailure, login,
    /**
     * Whether requests may go out before the Core with the persisted token (it is kept and
     * `awaitCheckSession` is off): then the wasm's load can wait a task (index.js).
     */
    sendsEarly: early !== null,
    /** What newCore is told of the persisted session: [token or '', expiresAt ms or -1]. */
    session: () => [token || '', expiresAt],
    /** `fn(online)` gets each network answer from now on (the last one now, if any). */
    listen(fn) {
      heard = fn;
      if (online !== undefined) fn(online);
    },
    /**
     * The token a wx.request to `url` (read from `raw`, trust.js `read`; `auth` false: the
     * page's opt-out) goes out with now, before the Core exists, or null (it waits for the
     * Core). A non-null answer takes one of the 10 early slots until `sent()`. Those that
     * wait count too: once the Core exists it sends them, counting only the early sends it
     * was told of before them, so early sends and waiting requests are at most 10 together
     * (else an early send made after a waiting request could be an 11th in flight).
     */
    token(raw, url, auth) {
      if (early === null || !auth || inFlight + waiting >= 10 || !trusted(raw, url)) {
        waiting++;
        return null;
      }
      inFlight++;
      return early;
    },
    /** An early send was answered (or failed): its slot is free. */
    sent() {
      inFlight--;
    },
    /**
     * Whether an early send's answer (`status`, the host's auth-failure `verdict`) settles
     * waiter `w` now, before the Core exists: a plain success, not aborted. The Core then
     * adopts the send and reads the answer; it can only resolve it (an answer that is no
     * auth failure settles an in-flight send; only an abort() queued before it would win).
     */
    settles: (w, status, verdict) => !w.aborted && !authFailure(status, verdict),
    /**
     * The Core's wx.login (Command::WxLogin): the early call's code goes to `use(code)`,
     * now or when it comes (`use(null)`: it failed, make the Core's own wx.login), and true;
     * false (make it) when there is none, it failed, or it started over 60 s ago (a code
     * expires 5 minutes after wx.login gives it, docs/WECHAT.md; a call unanswered that
     * long is taken as lost, as the Core gives up on its own after loginTimeoutMs). Once
     * only: the next wx.login is the Core's.
     * @param {(code: string|null) => void} use
     */
    bind(use) {
      const p = pre;
      pre = null;
      if (p === null || p.code === null || now() - p.at > 6e4) return false;
      if (p.code === undefined) p.then = use;
      else use(p.code);
      return true;
    },
    /**
     * `logout()` before the Core exists: the persisted token is forgotten now (the
     * manager removes it from storage at once too), and the early wx.login's code dropped
     * (a call still running is waited for: never two wx.login at once); returns the
     * token, for the server-side logout.
     * @returns {string|null}
     */
    end() {
      const had = token;
      token = early = null;
      expiresAt = -1;
      if (pre !== null) {
        pre.drop = true;
        if (pre.code) pre.code = null;
      }
      return had;
    },
  };
}

export { createColdStart };
