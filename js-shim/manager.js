/**
 * One login manager: the public methods of pkg/REFERENCE.md over the wasm Core.
 *
 * It carries data and decides nothing of the login state: the Core does (src/), and
 * where JS may take the Core's decision it is trust.js (which URL a request goes to and
 * whether it carries the token: the map of the shim is its header) or cold-start.js
 * (what goes out before the Core exists). Every request's URL is read once, by trust.js
 * `read`, into `w.url`: that string is judged and that string is sent.
 *
 * The boundary (src/wasm/mod.rs): data stays in JS, ids and verdicts cross. A request's
 * options, its result, the token and every wx result live here; the Core is told numbers
 * (waiter id, send number, status, verdict bits, ms) and answers through the `host`
 * object below with numbers too (send id with token generation g, resolve id, ...).
 * Strings cross only for what the Core must hold or judge: the options once, a URL once
 * per origin, a login code and token once per login, and error texts.
 *
 * Nothing a host (wx, the clock, a page) hands in can unwind through the wasm: every wx
 * value is read defensively (values.js), every host method swallows what it throws, and calls
 * into the Core are queued while one runs (`feed`), so the Core is never re-entered.
 */
import { LoginError } from './errors.js';
import { invalid as invalidOptions } from './invalid.js';
import { read, verdicts } from './trust.js';
import { MAX_MS, get, atPath, errMsgOf, keysOf, plainResult, statusOf, quiet, callback, guard, noop } from './values.js';
import { createLease } from './lease.js';
import { register, free } from './hosts.js';

/**
 * The numeric settings of the wasm Core, in the order `newCore` reads them
 * (src/wasm/mod.rs): retryLimit, loginTimeoutMs, renewMarginMs, loginBackoffMs,
 * loginBackoffMaxMs, recheckAfterHiddenMs, checkSessionTimeoutMs, networkWaitMs (0 where
 * the platform cannot tell its network state), awaitCheckSession (0/1), the backoff
 * jitter's seed. All ms.
 */
function coreNumbers(o) {
  return [
    o.retryLimit,
    o.loginTimeoutMs,
    o.renewMarginMs,
    o.loginBackoffMs,
    Math.max(o.loginBackoffMs, o.loginBackoffMaxMs),
    o.recheckAfterHiddenMs,
    o.checkSessionTimeoutMs,
    typeof o.wx.getNetworkType === 'function' ? o.networkWaitMs : 0,
    o.awaitCheckSession ? 1 : 0,
    Math.floor(Math.random() * 4294967296),
  ];
}

/** Channels of the Core: each has its own 10-in-flight pool (docs/WECHAT.md). */
const REQUEST = 0;
const UPLOAD = 1;
const DOWNLOAD = 2;
const WX_API = ['request', 'uploadFile', 'downloadFile'];
/** wx.request's own default timeout, ms. */
const DEFAULT_TIMEOUT_MS = 60000;
/** Option keys of ours that never go to wx. */
const OWN = { url: 1, auth: 1, success: 1, fail: 1, complete: 1, ticket: 1 };
const hasOwn = Object.prototype.hasOwnProperty;
/** A ticket's re-login count: an integer from 0 to 100 (retryLimit's range). */
const isRelogins = (n) => Number.isInteger(n) && n >= 0 && n <= 100;
// Inputs of Core.put / Core.text (src/wasm/mod.rs `input`).
const REQ = 0;
const ADOPT = 1;
const LOGIN = 2;
const LOGOUT = 3;
const AUTHORIZE = 4;
const CHECK = 5;
const ABORT = 6;
const CHECKED = 7;
const RESPONSE = 8;
const NETWORK = 9;
const HIDE = 10;
const SHOW = 11;
const WAKE = 12;
// 13 and 14 (RELEASE, ADOPT_LEASED) are the lease's (js-shim/lease.js).
const CODE = 0;
const LOGIN_FAILED = 1;
const POST_FAILED = 2;
const FAILED = 3;

/**
 * One pending call: a request (or upload, download), `login()`, `authorize()` or
 * `check()`. Every field is set here, so that all waiters share one shape and none grows
 * a property store later (the warm path allocates less).
 * @param {number} id the Core's waiter id (increasing)
 * @param {'req'|'login'|'auth'|'check'} kind
 * @param {object} [opts] the page's options (request, authorize)
 */
function Waiter(id, kind, opts) {
  this.id = id;
  this.kind = kind;
  this.opts = opts;
  this.promise = null;
  this.resolve = null;
  this.reject = null;
  /** The last result (a request's, or the response a `check()` judged). */
  this.last = undefined;
  /** The send on the wire: its number, -1 before the first, -2 once answered. */
  this.send = -1;
  this.success = undefined;
  this.fail = undefined;
  this.complete = undefined;
  this.channel = REQUEST;
  /** Wants the token (`auth` is not false). */
  this.auth = true;
  /** The `url` option as given, read once; `url` is it read by trust.js (judged and sent). */
  this.path = '';
  this.url = undefined;
  this.timeout = DEFAULT_TIMEOUT_MS;
  /** What wx.request (uploadFile, downloadFile) returned: its `abort()` is used. */
  this.task = undefined;
  /** Sent before the wasm existed, with the persisted token, and not answered yet. */
  this.early = false;
  /** `abort()` was called (it waits for the Core when that does not exist yet). */
  this.aborted = false;
  this.ticket = undefined;
  this.relogins = 0;
  /** The lease whose slot its send holds (0: none; js-shim/lease.js). */
  this.lease = 0;
  /** The generation of the token a leased send carries (0: none). */
  this.leaseGen = 0;
  /** A leased send's deadline (ms since the epoch). */
  this.deadline = 0;
  /** Its index among the lease's sends on the wire. */
  this.slot = -1;
  /** Waiting in the lease's queue for a slot. */
  this.queued = false;
}

/**
 * @param {object} o validated options (options.js)
 * @param {Promise<object>} loading resolves with the wasm Core's functions (loader.js)
 * @param {object} cold the cold start (cold-start.js), made first by createLoginManager
 * @returns {object} the LoginManager of pkg/REFERENCE.md
 */
function createManager(o, loading, cold) {
  const wx = o.wx;
  const clock = o.clock;
  const waiters = new Map();
  let nextId = 1;
  let core = null; // the wasm's functions, once loaded (loader.js); this manager is `h`
  let h = -1;
  let dead = null; // the error every call gets after the wasm trapped or failed to load
  // Inputs for the Core wait here while it runs (a synchronous wx callback) or before it
  // exists: [fn, a, b, c, d, e] records, run in order.
  let busy = true;
  const queue = [];
  let head = 0;
  // The token of session generation `tokenGen` (the Core says which generation a send
  // carries; the token string crosses once per login).
  let token = null;
  let tokenGen = 0;
  // The login answer being fed, and the last one the Core rejected (LOGIN_REJECTED
  // carries its attempt: a later stale answer is never attached).
  let feeding = null;
  let rejected = null;
  let timer = null;
  let timerAt = -1;
  let armedAt = -1; // the deadline the timer was set for
  let idleAt = -1; // while the timer is armed but no deadline needs it: when it fires
  /** Node timers can stop keeping the process alive while idle; mini-program ones are numbers. */
  const idle = (t, yes) => {
    const f = get(t, yes ? 'unref' : 'ref');
    if (typeof f === 'function') f.call(t);
  };
  const authCodes = new Set(o.authFailCodes.map(String));
  const wanted = o.tokenHeader.toLowerCase();
  const base = o.baseUrl === undefined ? undefined : o.baseUrl.replace(/\/+$/, '');

  // The clock, storage and reports are the cold start's (it reads them before this exists).
  const { now, emit, storage, authFailure } = cold;

  /**
   * Keeps one timer for the Core's next deadline (ms since the epoch; -1: none). A later
   * deadline leaves an earlier timer armed (its wake re-arms for what is next), so a
   * request that only pushes the deadline out costs no timer churn.
   */
  function arm(deadline) {
    if (typeof deadline !== 'number' || deadline === timerAt) return;
    if (deadline > timerAt && timerAt >= 0) return;
    if (deadline < 0 && clock.idle === true && timer !== null) {
      // The real clock: an idle timer is left to fire once (harmlessly) rather than
      // cleared and set again by the next request; unref'd where the host can.
      idle(timer, true);
      timerAt = -1;
      idleAt = armedAt;
      return;
    }
    if (deadline >= 0 && timer !== null && idleAt >= 0 && idleAt <= deadline) {
      idle(timer, false);
      timerAt = idleAt;
      idleAt = -1;
      return;
    }
    idleAt = -1;
    timerAt = deadline;
    armedAt = deadline;
    // A deadline no promise of the page waits on (a checkSession or getNetworkType
    // timeout) never keeps a Node test alive: unref'd where the host can.
    timer = retime(timer, deadline, onTimer);
    if (!waiters.size) idle(timer, true);
  }

  function onTimer() {
    timer = null;
    timerAt = -1;
    idleAt = -1;
    feed(wake);
  }

  /**
   * Clears timer `old` and returns a new one that calls `fn` at `at` (ms since the
   * epoch; none for `at` < 0), or null where the clock throws.
   */
  function retime(old, at, fn) {
    try {
      if (old !== null) clock.clearTimeout(old);
    } catch (e) {
      // A clock whose clearTimeout throws: the stale wake is harmless.
    }
    if (at < 0) return null;
    try {
      return clock.setTimeout(fn, Math.min(Math.max(at - now(), 0), MAX_MS));
    } catch (e) {
      return null;
    }
  }

  /** Runs `fn(a..f)` now, or queues it while the Core runs or does not exist yet. */
  function feed(fn, a, b, c, d, e, f) {
    if (busy) {
      queue.push([fn, a, b, c, d, e, f]);
      return;
    }
    busy = true;
    try {
      step(fn, a, b, c, d, e, f);
      drainQueue();
    } finally {
      busy = false;
    }
  }

  function drainQueue() {
    if (queue.length === 0) return;
    while (head < queue.length) {
      const x = queue[head];
      queue[head++] = undefined;
      step(x[0], x[1], x[2], x[3], x[4], x[5], x[6]);
    }
    queue.length = 0;
    head = 0;
  }

  function step(fn, a, b, c, d, e, f) {
    if (dead) return;
    try {
      arm(fn(a, b, c, d, e, f));
    } catch (err) {
      fail(err);
    }
  }

  /** The wasm trapped (a bug) or never loaded: every waiter rejects, none hangs. */
  function fail(err) {
    dead = err instanceof LoginError ? err
      : new LoginError('INTERNAL', 'weapp-login stopped: ' + errMsgOf(err, 'the wasm core trapped'));
    const all = Array.from(waiters.values());
    waiters.clear();
    if (lease !== null) all.push(...lease.drop());
    for (const w of all) settle(w, false, dead);
  }

  // ------------------------------------------------------------------ inputs to the Core
  /** A numeric input for the Core (`put`); returns its next deadline. */
  const put = (op, a, b, c, d, e) => core.put(h, now(), op, a || 0, b || 0, c || 0, d || 0, e || 0);
  /** An input that carries a string (`text`). */
  const text = (op, a, b, str) => core.text(h, now(), op, a, b, str);
  const wake = () => put(WAKE);
  const judge = verdicts(base, (url) => core.trusts(h, url), (origin) => emit('token:withheld', { origin: origin }));

  /** Whether `w` carries the token: it wants one and trust.js judges its URL trusted. */
  function toCore(w) {
    return w.auth && judge(w.path, w.url);
  }

  // ------------------------------------------------------------------ the host the Core drives
  // One function per command of the Core (src/wasm/host.rs `op`; plain functions, not an
  // object's methods, so that the minifier shortens their names).
  function onWxLogin(attempt) {
    lastLogin = attempt;
    // The early wx.login's code (cold-start.js `bind`), or, where it failed, this one.
    if (!cold.bind((code) => (code === null ? attempt === lastLogin && login(attempt) : feed(text, CODE, attempt, 0, code)))) {
      login(attempt);
    }
  }

  function onPostCode(attempt, code) {
    const once = guard();
    const failed = (e) => once() && feed(text, POST_FAILED, attempt, 0, errMsgOf(e, 'request:fail'));
    try {
      quiet(wx.request({
        url: o.loginUrl,
        method: 'POST',
        data: { code: code },
        header: { 'content-type': 'application/json' },
        dataType: 'json',
        timeout: o.loginTimeoutMs,
        // Through a platform object whose request an adapter intercepts (wx: Taro or
        // uni), the login POST must not wait for the login it is part of.
        auth: false,
        success: (r) => once() && feed(loginAnswered, attempt, r),
        fail: failed,
      }));
    } catch (e) {
      failed(e);
    }
  }

  function onCheckSession(check) {
    const once = guard();
    const answer = (ok) => once() && feed(put, CHECKED, check, ok ? 1 : 0);
    try {
      quiet(wx.checkSession({ success: () => answer(true), fail: () => answer(false) }));
    } catch (e) {
      answer(false);
    }
  }

  function onSend(id, send, gen, channel) {
    const w = waiters.get(id);
    if (w !== undefined) transmit(w, send, gen === 0 ? null : tokenOf(gen), channel);
  }

  function onAbortSend(id) {
    const task = abortedTasks.get(id);
    abortedTasks.delete(id);
    const abort = get(task, 'abort');
    if (typeof abort === 'function') {
      try {
        abort.call(task);
      } catch (e) {
        // The waiter is settled ABORTED already; a task that cannot abort is ignored.
      }
    }
  }

  function onResolve(id) {
    const w = take(id);
    if (w !== undefined) settle(w, true, w.kind === 'login' ? undefined : w.last);
  }

  function onReject(id, attempt, code, message, errMsg) {
    const w = take(id);
    if (w === undefined) return;
    const extra = {};
    if (errMsg != null) extra.errMsg = errMsg;
    if (code === 'RETRY_LIMIT' && w.last !== undefined) extra.response = w.last;
    if (code === 'LOGIN_REJECTED') {
      // The answer being fed is the one rejected; it is kept for the backoff's rejections.
      if (feeding !== null && feeding.attempt === attempt) rejected = feeding;
      if (rejected !== null && rejected.attempt === attempt) {
        extra.response = rejected.result;
        // Name the fix: tokenField's value and the keys the answer had (never their values).
        if (/Field$/.test(message)) message += " '" + o.tokenField + "' (keys: " + keysOf(get(rejected.result, 'data')) + ')';
      }
    }
    settle(w, false, new LoginError(code, message, extra));
  }

  function onAuthorized(id, gen, relogins) {
    const w = take(id);
    if (w === undefined) return;
    authorized(w, tokenOf(gen), { generation: gen, relogins: relogins });
  }

  function onVerdict(id, replay, relogins) {
    const w = take(id);
    if (w === undefined) return;
    counts.set(w.ticket, relogins); // the ticket is read, never written (it may be frozen)
    settle(w, true, replay ? 'replay' : 'ok');
  }

  function onSession(gen, expiresAt, t) {
    token = t;
    tokenGen = gen;
    rejected = null; // a login succeeded: no answer (which may hold session_key) is kept
    storage('set', { token: t, expiresAt: expiresAt >= 0 ? expiresAt : null });
  }

  function onClear() {
    storage('remove');
  }

  function onEmit(a, b, type, code) {
    emit(type, code == null ? undefined : { code: code });
  }

  function onLease(n, gen, slots, until, margin) {
    if (lease === null) lease = createLease(lent());
    lease.grant(n, gen, slots, until, margin);
  }

  function onRevoke(n) {
    if (lease !== null) lease.revoke(n);
  }

  // The two methods the Core calls (src/wasm/host.rs `op`): numbers only, or with strings.
  const CMD = [onWxLogin, onCheckSession, onSend, onAbortSend, onResolve,
    onAuthorized, onVerdict, onClear, noop, noop, noop, noop, onLease, onRevoke];
  const host = {
    cmd(op, a, b, c, d, e) {
      try {
        CMD[op](a, b, c, d, e);
      } catch (err) {
        // Each method handles the platform's failures itself; this is the last net.
      }
    },
    text(op, a, b, s, t, u) {
      try {
        if (op === 14) refused = s; // newCore's INVALID_OPTIONS detail
        else if (op === 8) onPostCode(a, s);
        else if (op === 9) onSession(a, b, s);
        else if (op === 10) onReject(a, b, s, t, u);
        else onEmit(a, b, s, t);
      } catch (err) {
        // As above.
      }
    },
  };
  /** The Core's last wx.login attempt (an early code that failed is replaced for it only). */
  let lastLogin = 0;
  /** wx.login for the Core's `attempt` (its code or failure goes to the Core). */
  const login = (attempt) => cold.login((code, errMsg) => feed(text, code === null ? LOGIN_FAILED : CODE, attempt, 0, code === null ? errMsg : code));
  const abortedTasks = new Map();
  /** Re-logins per ticket after a `check()` (a ticket is the page's to freeze: never written). */
  const counts = new WeakMap();
  const reloginsOf = (ticket) => (counts.has(ticket) ? counts.get(ticket) : get(ticket, 'relogins'));

  function tokenOf(gen) {
    return gen === tokenGen ? token : null;
  }

  function loginAnswered(attempt, r) {
    const data = get(r, 'data');
    const unsafe = ['session_key', 'openid', 'unionid'].filter((f) => get(data, f) !== undefined);
    if (unsafe.length > 0) emit('login:unsafe-fields', { fields: unsafe }); // never kept
    const t = atPath(data, o.tokenField);
    const e = atPath(data, o.expiresInField);
    // An expiresIn that is there but not a number is refused like an out-of-range one.
    const expires = e === undefined || e === null ? undefined : typeof e === 'number' ? e : NaN;
    // Over 30 days: seconds, or ms by mistake (7200000)? Said, not refused.
    if (expires > 2592e3) emit('login:long-expiry', { expiresIn: expires });
    feeding = { attempt: attempt, result: plainResult(r) };
    try {
      return core.loginAnswered(h, now(), attempt, statusOf(r), typeof t === 'string' ? t : '', expires);
    } finally {
      feeding = null;
    }
  }

  // ------------------------------------------------------------------ waiters
  function take(id) {
    const w = waiters.get(id);
    if (w !== undefined) waiters.delete(id);
    return w;
  }

  function settle(w, ok, value) {
    if (ok) w.resolve(value);
    else w.reject(value);
    // wx-style callbacks, as wx calls them: success or fail (with the LoginError), then complete.
    if (w.success !== undefined || w.fail !== undefined || w.complete !== undefined) {
      callback(ok ? w.success : w.fail, value);
      callback(w.complete, value);
    }
  }

  /**
   * A new waiter, registered, with its Promise in `w.promise`; after a trap (`dead`) it
   * is not registered and its Promise is already rejected. `later`: no id yet (a
   * request, which may go out under the lease and never meet the Core; see `enter`).
   */
  function newWaiter(kind, opts, later) {
    const w = new Waiter(0, kind, opts);
    w.promise = new Promise((resolve, reject) => {
      w.resolve = resolve;
      w.reject = reject;
    });
    if (dead) w.reject(dead);
    else if (!later) enter(w);
    return w;
  }

  function invalid(message) {
    return Promise.reject(invalidOptions(message));
  }

  // `tokenPrefix` + the token, built once per token rather than once per send.
  let bearerOf = null;
  let bearer = '';
  const bearerFor = (t) => {
    if (t !== bearerOf) {
      bearerOf = t;
      bearer = o.tokenPrefix + t;
    }
    return bearer;
  };

  /** The request the platform gets: the page's options, `url` (judged by trust.js), the token placed. */
  function placeToken(opts, t, url) {
    const req = {};
    // for-in over own keys (no key array per request; inherited keys are skipped).
    for (const k in opts) if (OWN[k] !== 1 && hasOwn.call(opts, k)) req[k] = opts[k];
    req.url = url; // the URL judged, never the option read again
    const header = {};
    const own = opts.header;
    if (own !== undefined && own !== null && typeof own === 'object') {
      for (const k in own) {
        if (!hasOwn.call(own, k)) continue;
        // The manager owns the token header: a page's own copy never goes out beside it.
        if (t === null || k.toLowerCase() !== wanted) header[k] = own[k];
      }
    }
    req.header = header;
    if (t !== null) {
      if (o.tokenIn === 'data' && inData(req)) {
        req.data = Object.assign({}, req.data, { [o.tokenDataField]: t });
      } else {
        header[o.tokenHeader] = bearerFor(t);
      }
    }
    return req;
  }

  /** Whether `tokenIn: 'data'` can put the token in this request's body. */
  function inData(req) {
    const method = String(req.method || 'GET').toUpperCase();
    const d = req.data;
    const plain = d === undefined || d === null
      || (typeof d === 'object' && Object.getPrototypeOf(d) === Object.prototype);
    return method !== 'GET' && method !== 'HEAD' && plain;
  }

  function transmit(w, send, t, channel) {
    w.send = send;
    let req;
    try {
      req = placeToken(w.opts, channel === REQUEST ? t : null, w.url);
      if (channel !== REQUEST && t !== null) req.header[o.tokenHeader] = bearerFor(t); // header only
    } catch (e) {
      // Options whose keys cannot be read (a hostile Proxy): a failed request, not a hang.
      failed(w, send, WX_API[channel] + ':fail invalid options: ' + errMsgOf(e, 'unreadable'));
      return;
    }
    req.success = (r) => answered(w, send, r);
    const fail = (req.fail = (e) => failed(w, send, errMsgOf(e, WX_API[channel] + ':fail')));
    let task;
    try {
      task = channel === REQUEST ? wx.request(req) : wx[WX_API[channel]](req);
    } catch (e) {
      fail(e);
      return;
    }
    w.task = task;
    quiet(task);
    kept = w;
    keptReq = req;
  }
  // The last request's objects stay reachable. V8 throws away optimized code whose
  // embedded hidden classes die in a full GC, and the hidden class of a Waiter, or of a
  // request built key by key, lives only while some object has it: without one kept,
  // every major GC sent the warm path back to the interpreter (measured after a gc():
  // 4.7-5.6 µs per request for the next hundreds of requests, 1.3-2.4 µs with these).
  let kept = null;
  let keptReq = null;

  /** Send `send` of `w` got no response (wx `fail`, a throw, unreadable options). */
  function failed(w, send, errMsg) {
    if (w.lease !== 0) {
      if (w.send !== 0) return;
      lease.adopt(w);
    } else if (waiters.get(w.id) !== w) {
      return;
    }
    if (current(w, send)) feed(text, FAILED, w.id, send, errMsg);
  }

  /** Whether `send` is waiter `w`'s current send (a callback called twice is ignored). */
  function current(w, send) {
    if (w === undefined || w.send !== send) return false;
    w.send = -2; // answered
    if (w.early) {
      w.early = false;
      cold.sent();
    }
    return true;
  }

  function answered(w, send, raw) {
    if (w.lease !== 0) {
      if (w.send === 0) lease.answer(w, raw);
      return;
    }
    const id = w.id;
    if (waiters.get(id) !== w || !current(w, send)) return;
    const r = plainResult(raw);
    w.last = r;
    const status = statusOf(r);
    const verdict = verdictOn(r);
    // An early send (persisted token, before the wasm) answered with a plain success: the
    // page gets it now (cold-start.js `settles`); the Core's Resolve then finds no waiter.
    if (core === null && cold.settles(w, status, verdict)) settle(take(id), true, r);
    feed(put, RESPONSE, id, send, status, verdict ? 1 : 0);
  }

  const verdictOn = o.authFailCodeField === undefined && !o.isAuthFailure ? () => false : isAuthFailure;

  // ------------------------------------------------------------------ the lease
  /** `w` enters the Core's books: an id above every earlier one, and the waiter map. */
  function enter(w) {
    w.id = nextId++;
    if (dead) w.reject(dead);
    else waiters.set(w.id, w);
  }

  /** The lease (js-shim/lease.js), made at the Core's first Command::Lease. */
  let lease = null;
  /** What the lease uses of the manager (see createLease). */
  function lent() {
    return {
      feed, put, enter, submit, transmit, current, settle, now, toCore, tokenOf, verdictOn, authFailure, retime,
      idle: (t) => clock.idle === true && idle(t, true),
    };
  }

  /** The host's part of the auth-failure verdict: the body code, or `isAuthFailure`. */
  function isAuthFailure(r) {
    if (o.authFailCodeField !== undefined) {
      let data = get(r, 'data');
      if (typeof data === 'string' && data.charCodeAt(0) === 123) {
        // uploadFile's data is a string: read its JSON body code too.
        try {
          data = JSON.parse(data);
        } catch (e) {
          data = undefined;
        }
      }
      const v = atPath(data, o.authFailCodeField);
      if ((typeof v === 'string' || typeof v === 'number') && authCodes.has(String(v))) return true;
    }
    if (o.isAuthFailure) {
      try {
        return !!o.isAuthFailure(r);
      } catch (e) {
        return false;
      }
    }
    return false;
  }

  // ------------------------------------------------------------------ public methods
  function start(opts, channel) {
    if (opts === null || typeof opts !== 'object') return invalid('request needs an options object');
    // Every field the manager reads, read once (a hostile getter is an invalid option).
    let url, auth, timeout, success, fail, complete;
    try {
      url = opts.url;
      auth = opts.auth;
      timeout = opts.timeout;
      success = opts.success;
      fail = opts.fail;
      complete = opts.complete;
    } catch (e) {
      return invalid('the options cannot be read: ' + errMsgOf(e, 'a getter threw'));
    }
    if (typeof url !== 'string' || url === '') return invalid('url must be a non-empty string');
    if (auth !== undefined && typeof auth !== 'boolean') return invalid('auth must be a boolean');
    if (timeout !== undefined && !(Number.isInteger(timeout) && timeout > 0 && timeout <= MAX_MS)) {
      return invalid('timeout must be a positive integer (ms, at most ' + MAX_MS + ')');
    }
    const w = newWaiter('req', opts, true);
    const p = w.promise;
    p.abort = () => { // a no-op once settled (or after a trap)
      w.aborted = true;
      if (lease !== null) lease.abort(w); // one the lease holds goes to the Core first
      feed(abortWaiter, w);
    };
    if (dead) return p;
    w.channel = channel;
    w.auth = auth !== false;
    w.success = success; // called only if functions (values.js `callback`)
    w.fail = fail;
    w.complete = complete;
    w.path = url;
    w.url = read(url, base); // the one reading (trust.js): judged, then sent as it is
    w.timeout = timeout === undefined ? DEFAULT_TIMEOUT_MS : timeout;
    if (lease !== null && channel === REQUEST && lease.take(w)) return p; // sent or queued under the lease
    enter(w);
    const t = core === null && channel === REQUEST && cold.token(url, w.url, w.auth);
    if (t) {
      // Cold start with a persisted, unexpired token (cold-start.js): sent before the wasm
      // is ready; the Core adopts it (send 0) once it exists and handles its answer.
      w.early = true;
      feed(adopt, w);
      transmit(w, 0, t, REQUEST);
      return p;
    }
    feed(submit, w);
    return p;
  }

  /**
   * Settles an `authorize()` waiter with a copy of its options carrying `t` (or none) and,
   * as `url`, the URL judged (read once, resolved: pkg/REFERENCE.md "One URL, read once").
   */
  function authorized(w, t, ticket) {
    let req;
    try {
      req = placeToken(w.opts, t, w.url);
    } catch (e) {
      settle(w, false, invalidOptions('the options cannot be read: ' + errMsgOf(e, 'a getter threw')));
      return;
    }
    settle(w, true, { options: req, ticket: ticket });
  }

  function authorize(w) {
    if (toCore(w)) return put(AUTHORIZE, w.id, w.relogins);
    // Not for the token (untrusted origin or auth: false): no login, no token.
    take(w.id);
    authorized(w, null, { generation: 0, relogins: w.relogins });
    return wake();
  }

  /** `was`: the persisted token a logout before the Core ended (cold-start.js `end`). */
  function logout(resolve, was) {
    const had = token || was;
    if (lease !== null) lease.handOver(true); // requests waiting for a leased slot came before the logout
    const deadline = put(LOGOUT);
    forget();
    if (had && o.logoutUrl !== undefined && core.trusts(h, o.logoutUrl)) {
      // Best effort, after the local state is gone: the server revokes the token.
      try {
        quiet(wx.request({ url: o.logoutUrl, method: 'POST', header: { [o.tokenHeader]: o.tokenPrefix + had }, auth: false, success: noop, fail: noop }));
      } catch (e) {
        // Best effort.
      }
    }
    resolve();
    return deadline;
  }

  /** The ended token is forgotten: no copy is kept, nor the last request, whose header held it. */
  function forget() {
    token = null;
    tokenGen = 0;
    bearerOf = null;
    bearer = '';
    kept = null;
    keptReq = null;
  }

  function submit(w) {
    if (!waiters.has(w.id)) return wake();
    return put(REQ, w.id, toCore(w) ? 1 : 0, w.channel, w.timeout);
  }

  function adopt(w) {
    return put(ADOPT, w.id, w.channel, w.timeout);
  }

  function abortWaiter(w) {
    if (!waiters.has(w.id)) return wake();
    if (w.task !== undefined) abortedTasks.set(w.id, w.task);
    try {
      return put(ABORT, w.id);
    } finally {
      abortedTasks.delete(w.id);
    }
  }

  const manager = {
    /**
     * wx.request with the login state (pkg/REFERENCE.md `request`).
     * @param {object} options wx.request options plus `auth` (default true)
     * @returns {Promise<object> & {abort(): void}} the wx.request success result
     */
    request(options) {
      return start(options, REQUEST);
    },
    /** wx.uploadFile with the login state; the token goes in the header only. */
    uploadFile(options) {
      return start(options, UPLOAD);
    },
    /** wx.downloadFile with the login state; the token goes in the header only. */
    downloadFile(options) {
      return start(options, DOWNLOAD);
    },
    /** Makes sure a valid login state exists; concurrent calls share one login. */
    login() {
      const w = newWaiter('login');
      if (!dead) feed(put, LOGIN, w.id);
      return w.promise;
    },
    /** Forgets the login state (memory and storage); waiting requests reject LOGGED_OUT. */
    logout() {
      return new Promise((resolve) => {
        let was;
        if (core === null || dead) {
          // No Core (not yet, or it failed): the token ends now, in memory and storage (no
          // request after this carries it, even one the Core sends before its LOGOUT).
          was = cold.end();
          onClear();
          forget();
        }
        if (dead) resolve();
        else feed(logout, resolve, was);
      });
    },
    /**
     * Interceptor primitive: waits for a valid login state, then resolves with a copy of
     * `options` carrying the token (trusted origins only) and a ticket for `check`.
     */
    authorize(options) {
      if (options === null || typeof options !== 'object') return invalid('authorize needs an options object');
      const url = get(options, 'url'); // read once: judged, then handed back (`authorized`)
      if (typeof url !== 'string' || url === '') return invalid('url must be a non-empty string');
      const ticket = get(options, 'ticket');
      let relogins = 0;
      if (ticket !== undefined) {
        relogins = reloginsOf(ticket);
        if (!isRelogins(relogins)) return invalid('ticket is not one authorize() gave');
      }
      const w = newWaiter('auth', options);
      if (!dead) {
        w.path = url;
        w.url = read(url, base);
        w.relogins = relogins;
        w.auth = get(options, 'auth') !== false;
        feed(authorize, w);
      }
      return w.promise;
    },
    /**
     * Interceptor primitive: `'ok'` when `response` is not an auth failure; otherwise
     * waits for the one shared renewal and resolves `'replay'` (RETRY_LIMIT past retryLimit).
     */
    check(ticket, response) {
      const gen = get(ticket, 'generation');
      const relogins = reloginsOf(ticket);
      if (!(Number.isInteger(gen) && gen >= 0 && isRelogins(relogins))) {
        return invalid('check needs the ticket authorize() gave');
      }
      const r = plainResult(response);
      const status = statusOf(r);
      const verdict = isAuthFailure(r);
      if (gen === 0) {
        // Sent without a token: nothing to renew.
        return Promise.resolve('ok');
      }
      const w = newWaiter('check');
      if (!dead) {
        w.ticket = ticket;
        w.last = r;
        feed(put, CHECK, w.id, gen, relogins, status, verdict ? 1 : 0);
      }
      return w.promise;
    },
    /** Settles when the wasm is instantiated (rejects WASM_LOAD_FAILED otherwise). */
    ready: null,
  };

  // ------------------------------------------------------------------ launch
  // The persisted login state (read by the cold start) and wx.getNetworkType's answer.
  const network = (on) => feed(put, NETWORK, on ? 1 : 0);
  cold.listen(network);
  const restored = cold.session()[0];
  if (restored !== '') {
    token = restored; // generation 1: the Core's restored session
    tokenGen = 1;
  }

  /**
   * The wasm cannot serve: every waiter rejects with `err`; queued logouts resolve (each
   * cleared the login state when it was called, before the Core: `manager.logout`).
   */
  function unusable(err) {
    const queued = queue.slice(head);
    queue.length = 0;
    head = 0;
    fail(err);
    busy = false;
    for (const x of queued) {
      if (x[0] === logout) {
        onClear();
        x[1]();
      }
    }
    throw err;
  }

  let refused = 'refused';
  const ready = loading.then((wasm) => {
    let made = false;
    try {
      h = register(host);
      // Lines (no URL, token or status list holds a control character: options.js)
      // and numbers only, as src/wasm/mod.rs `new_core` reads them.
      const s = cold.session(); // none after a logout() before the Core
      made = wasm.newCore(h, [o.loginUrl, o.baseUrl || '', s[0], o.authFailStatusCodes.join(' ')]
        .concat(o.trustedOrigins || []).join('\n'), ...coreNumbers(o), o.trustedOrigins !== undefined, now(), s[1]);
    } catch (e) {
      refused = errMsgOf(e, 'unknown error');
    }
    if (!made) {
      if (h >= 0) free(h);
      unusable(invalidOptions(refused));
    }
    core = wasm;
    watchPlatform();
    arm(core.deadline(h));
    try {
      drainQueue(); // what waited for the wasm, in order
    } finally {
      busy = false;
    }
  }, (e) => {
    const m = errMsgOf(e, 'unknown error');
    unusable(new LoginError('WASM_LOAD_FAILED', 'cannot load the wasm at ' + o.wasmPath + ': ' + m, { errMsg: m }));
  });
  ready.catch(noop); // reported through every method; not an unhandled rejection
  manager.ready = ready;

  /**
   * Tracks the app's foreground (wx.onAppHide / wx.onAppShow; the network is watched by the
   * cold start). Platforms without these APIs are taken to be in the foreground.
   */
  function watchPlatform() {
    const listen = (name, fn) => {
      if (typeof wx[name] !== 'function') return;
      try {
        wx[name](fn);
      } catch (e) {
        // Without this listener the manager behaves as if the event never happens.
      }
    };
    listen('onAppHide', () => feed(put, HIDE));
    listen('onAppShow', () => feed(put, SHOW));
  }

  return manager;
}

export { createManager };
