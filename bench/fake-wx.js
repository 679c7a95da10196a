'use strict';
/**
 * The one fake wx and fake developer server every stack of `make bench` runs against.
 *
 * Why not weapp-login/testing's createFakeWx: its clock drains promise reactions with a
 * real setTimeout(0) (about 1 ms) after every virtual timer, and keeps timers in an
 * array it filters: fine for a test, thousands of times too slow for 1000 concurrent
 * requests × 5 stacks × 16 scenarios. The behaviour copied from it and from
 * docs/WECHAT.md: callbacks only (never synchronous), `success` for every
 * status, `{data, statusCode, header, cookies, errMsg: 'request:ok'}`, at most 10
 * wx.request running and the rest queued in order, single-use login codes,
 * getStorageSync('') for a missing key, storage values copied through JSON.
 *
 * Scheduling, per world:
 *   'virtual'   answers after `latency(api)` ms of a VirtualClock (concurrency section);
 *   'microtask' answers in a promise reaction (warm cost, cold start, memory): no timer,
 *               so what is measured is the stack, not the fake (the "instant" network);
 *   'network'   answers after `latency(api)` ms of real time (host timers), for the
 *               realistic cold start: see NETWORK below;
 *   hold        (microtask worlds) wx.request is not answered until release().
 *
 * In-flight limits: wx.request runs at most 10 and queues the rest in order, in every
 * mode (docs/WECHAT.md: "At most 10 request/uploadFile/downloadFile in flight at once").
 * With `o.limitAll` (the realistic network) wx.login and wx.checkSession are held to 10
 * in flight the same way (no limit is documented for them; the bench assumes WeChat's
 * one, so that no stack gains from calling them more often). Whatever a stack asks is
 * recorded: `stats.asked[api]` is the most calls made and not yet answered, queued ones
 * included, so a stack that exceeds 10 is visible even though the fake holds it to 10.
 */

/**
 * The realistic network (issue 20), per wx API, in ms, each API its own seeded stream
 * (so in one run the k-th wx.login of every stack takes the same time):
 *   wx.login         30–150: a round trip to WeChat's servers, which issue the code;
 *   wx.request       30–150: a round trip to the developer server (the login POST too);
 *   wx.checkSession  30–150: WeChat checks the session_key on its side;
 *   wx.getNetworkType 1–5:   a local bridge call, no network;
 *   storage (…Sync)   0:     synchronous, as in WeChat.
 */
const NETWORK = { login: [30, 150], request: [30, 150], checkSession: [30, 150], getNetworkType: [1, 5] };
const APIS = Object.keys(NETWORK);

/** `(api) => ms` drawing from NETWORK with one seeded stream per API. */
function networkLatency(seed) {
  const streams = {};
  APIS.forEach((api, i) => { streams[api] = rng(seed * 7 + i + 1); });
  return (api) => {
    const [lo, hi] = NETWORK[api];
    return lo + Math.floor(streams[api]() * (hi - lo + 1));
  };
}

/** WeChat's queue: at most `limit` started, the rest started in order as others finish. */
function createGate(limit) {
  let running = 0;
  const queue = [];
  return {
    get running() { return running; },
    enter(start) {
      if (running < limit) {
        running += 1;
        start();
      } else queue.push(start);
    },
    leave() {
      running -= 1;
      if (queue.length > 0 && running < limit) {
        running += 1;
        queue.shift()();
      }
    },
  };
}

const MAX_RUNNING = 10; // WeChat runs at most 10 wx.request and queues the rest
const ORIGIN = 'https://api.example.com';
const LOGIN_PATH = '/user/login';

/**
 * Virtual time with a binary heap of timers (due time, then creation order).
 * `fireNext()` runs one timer; the caller drains promise reactions between two.
 */
function createVirtualClock() {
  let now = 0;
  let seq = 0;
  const heap = [];
  const cancelled = new Set();
  const less = (a, b) => a.at < b.at || (a.at === b.at && a.id < b.id);
  function push(t) {
    heap.push(t);
    let i = heap.length - 1;
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (!less(heap[i], heap[p])) break;
      [heap[i], heap[p]] = [heap[p], heap[i]];
      i = p;
    }
  }
  function pop() {
    const top = heap[0];
    const last = heap.pop();
    if (heap.length > 0) {
      heap[0] = last;
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        const r = l + 1;
        let m = i;
        if (l < heap.length && less(heap[l], heap[m])) m = l;
        if (r < heap.length && less(heap[r], heap[m])) m = r;
        if (m === i) break;
        [heap[i], heap[m]] = [heap[m], heap[i]];
        i = m;
      }
    }
    return top;
  }
  function skipCancelled() {
    while (heap.length > 0 && cancelled.has(heap[0].id)) cancelled.delete(pop().id);
  }
  return {
    now: () => now,
    setTimeout(fn, ms) {
      const id = ++seq;
      const args = Array.prototype.slice.call(arguments, 2);
      push({ id, at: now + (typeof ms === 'number' && ms > 0 ? ms : 0), fn, args });
      return id;
    },
    clearTimeout(id) { if (typeof id === 'number') cancelled.add(id); },
    /** Due time of the next live timer, or null. */
    peek() { skipCancelled(); return heap.length > 0 ? heap[0].at : null; },
    /** Runs the next live timer (advancing now to it); false when there is none. */
    fireNext() {
      skipCancelled();
      if (heap.length === 0) return false;
      const t = pop();
      if (t.at > now) now = t.at;
      t.fn.apply(undefined, t.args);
      return true;
    },
  };
}

/** A seeded PRNG (mulberry32): the same latencies in every run. */
function rng(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function headerValue(header, name) {
  if (!header) return undefined;
  const wanted = name.toLowerCase();
  for (const k of Object.keys(header)) if (k.toLowerCase() === wanted) return header[k];
  return undefined;
}

/**
 * One app launch's world: a fake wx (`world.wx`), its storage and the developer server.
 *
 * @param {object} o
 * @param {'virtual'|'microtask'|'network'} o.mode
 * @param {object} [o.clock] a createVirtualClock() (virtual mode)
 * @param {function(string): number} [o.latency] ms per wx answer, given the API name
 *   ('login', 'request', 'checkSession', 'getNetworkType'); virtual and network modes; default 0
 * @param {function(function, number)} [o.setTimeout] network mode: the real timer to answer with
 * @param {boolean} [o.limitAll] hold wx.login and wx.checkSession to 10 in flight too
 * @param {boolean} [o.hold] microtask mode: hold every wx.request until release()
 * @param {function(string): void} [o.onRequest] called with the URL of every wx.request
 * @param {function(string, string=): void} [o.onCall] called with the API name (and the
 *   URL, for wx.request) of every wx.login, wx.checkSession and wx.request, when it is made
 */
function createWorld(o) {
  const clock = o.clock;
  const latency = o.latency || (() => 0);
  const storage = new Map(); // key -> JSON text
  const valid = new Set(); // tokens the server accepts
  const codes = new Map(); // code -> used
  let issued = 0;
  const held = [];
  let hold = !!o.hold;
  const stats = {
    login: 0, checkSession: 0, request: 0, loginPosts: 0, running: 0,
    outstanding: 0, maxOutstanding: 0, lastActivity: 0,
    // per API: calls made and not yet answered (queued included), and the most of them
    pending: { login: 0, checkSession: 0, request: 0 },
    asked: { login: 0, checkSession: 0, request: 0 },
  };
  const gates = { request: createGate(MAX_RUNNING) };
  if (o.limitAll) {
    gates.login = createGate(MAX_RUNNING);
    gates.checkSession = createGate(MAX_RUNNING);
  }
  const touch = () => { if (clock) stats.lastActivity = clock.now(); };
  const later = o.mode === 'virtual' ? (api, fn) => { clock.setTimeout(fn, latency(api)); }
    : o.mode === 'network' ? (api, fn) => { o.setTimeout(fn, latency(api)); }
      : (api, fn) => { Promise.resolve().then(fn); };

  /** A call of `api` is made: counted, and `start` runs now or when the gate lets it. */
  function call(api, start, url) {
    stats[api] += 1;
    stats.pending[api] += 1;
    if (stats.pending[api] > stats.asked[api]) stats.asked[api] = stats.pending[api];
    touch();
    if (o.onCall) o.onCall(api, url);
    if (gates[api]) gates[api].enter(start); else start();
  }
  /** The call of `api` is answered: its slot goes to the next queued call. */
  function leave(api) {
    stats.pending[api] -= 1;
    touch();
    if (gates[api]) gates[api].leave();
  }

  /** The developer server: login route and one authed API route. */
  function serve(method, url, header, data) {
    const q = url.indexOf('?');
    const path = (q < 0 ? url : url.slice(0, q)).slice(ORIGIN.length);
    if (method === 'POST' && path === LOGIN_PATH) {
      const body = typeof data === 'string' ? JSON.parse(data) : data;
      const code = body && body.code;
      if (!codes.has(code)) return { statusCode: 400, data: { errcode: 40029, errmsg: 'invalid code' } };
      if (codes.get(code)) return { statusCode: 400, data: { errcode: 40163, errmsg: 'code been used' } };
      codes.set(code, true);
      const token = 'tok-' + code;
      valid.add(token);
      return { statusCode: 200, data: { token, expiresIn: 7200 } };
    }
    if (path.startsWith('/api/')) {
      const auth = headerValue(header, 'Authorization');
      const ok = typeof auth === 'string' && auth.startsWith('Bearer ') && valid.has(auth.slice(7));
      return ok ? { statusCode: 200, data: { ok: true } } : { statusCode: 401, data: { error: 'unauthorized' } };
    }
    return { statusCode: 404, data: { error: 'not found' } };
  }

  function request(opts) {
    stats.outstanding += 1;
    if (stats.outstanding > stats.maxOutstanding) stats.maxOutstanding = stats.outstanding;
    const method = String(opts.method || 'GET').toUpperCase();
    if (method === 'POST' && String(opts.url).endsWith(LOGIN_PATH)) stats.loginPosts += 1;
    if (o.onRequest) o.onRequest(opts.url);
    let done = false;
    const finish = () => {
      if (done) return;
      done = true;
      stats.running -= 1;
      stats.outstanding -= 1;
      const r = serve(method, String(opts.url), opts.header, opts.data);
      leave('request');
      const res = { data: r.data, statusCode: r.statusCode, header: { 'Content-Type': 'application/json' },
        cookies: [], errMsg: 'request:ok' };
      if (typeof opts.success === 'function') opts.success(res);
      if (typeof opts.complete === 'function') opts.complete(res);
    };
    call('request', () => {
      stats.running += 1;
      if (hold) held.push(finish); else later('request', finish);
    }, String(opts.url));
    return { abort() {}, onHeadersReceived() {}, offHeadersReceived() {} };
  }

  const ok = (opts, res) => {
    touch();
    if (opts && typeof opts.success === 'function') opts.success(res);
    if (opts && typeof opts.complete === 'function') opts.complete(res);
  };
  const wx = {
    login(opts) {
      call('login', () => later('login', () => {
        const code = 'code-' + (++issued);
        codes.set(code, false);
        leave('login');
        ok(opts, { code, errMsg: 'login:ok' });
      }));
    },
    checkSession(opts) {
      call('checkSession', () => later('checkSession', () => {
        leave('checkSession');
        ok(opts, { errMsg: 'checkSession:ok' });
      }));
    },
    getNetworkType(opts) { later('getNetworkType', () => ok(opts, { networkType: 'wifi', errMsg: 'getNetworkType:ok' })); },
    request,
    getStorageSync(key) { const v = storage.get(String(key)); return v === undefined ? '' : JSON.parse(v); },
    setStorageSync(key, value) { storage.set(String(key), JSON.stringify(value === undefined ? '' : value)); },
    removeStorageSync(key) { storage.delete(String(key)); },
    clearStorageSync() { storage.clear(); },
    onAppShow() {}, offAppShow() {}, onAppHide() {}, offAppHide() {},
    onNetworkStatusChange() {}, offNetworkStatusChange() {},
  };

  return {
    wx,
    stats,
    /** Makes `token` one the server accepts (a warm session planted without a login). */
    accept(token) { valid.add(token); },
    /** From now on wx.request keeps its answer until release(). */
    hold() { hold = true; },
    /** Answers every held wx.request and stops holding. */
    release() {
      hold = false;
      for (const f of held.splice(0)) later('request', f);
    },
  };
}

/**
 * The `wx` object handed to every stack (and set as the global `wx`, which flyio's and
 * axios-miniprogram-adapter's wx builds read at each request): it forwards to the
 * current world, so one module instance of a stack can be driven through many worlds.
 */
function createWxFacade() {
  let world = null;
  const facade = {};
  for (const name of ['login', 'checkSession', 'getNetworkType', 'request', 'getStorageSync', 'setStorageSync',
    'removeStorageSync', 'clearStorageSync', 'onAppShow', 'offAppShow', 'onAppHide', 'offAppHide',
    'onNetworkStatusChange', 'offNetworkStatusChange']) {
    facade[name] = function () { return world.wx[name].apply(undefined, arguments); };
  }
  return { wx: facade, use(w) { world = w; } };
}

module.exports = { createVirtualClock, createWorld, createWxFacade, rng, networkLatency, NETWORK, ORIGIN, LOGIN_PATH,
  MAX_RUNNING };
