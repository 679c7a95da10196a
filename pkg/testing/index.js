'use strict';
/**
 * weapp-login/testing: a virtual clock, a scripted developer server and a fake
 * platform object (`wx`, `tt`, `qq`, Taro's or uni-app's) for testing code that uses
 * weapp-login — or any mini-program code that logs in — without a device.
 *
 *   const { createLoginManager } = require('weapp-login');
 *   const { createClock, createServer, createFakeWx } = require('weapp-login/testing');
 *   const clock = createClock();
 *   const server = createServer();
 *   server.loginRoute('/user/login');
 *   server.route('GET', '/api/profile', server.authed(() => ({ data: { name: 'Ann' } })));
 *   const fake = createFakeWx({ clock, server });
 *   const auth = createLoginManager({ wx: fake.api, clock, loginUrl: 'https://api.example.com/user/login' });
 *   await auth.ready;
 *   const res = await clock.runUntil(auth.request({ url: 'https://api.example.com/api/profile' }));
 *   // res.statusCode === 200, fake.calls.login === 1
 *
 * Plain ES2017 CommonJS with no require(): it runs unchanged in Node, a browser and
 * JavaScriptCore's `jsc` shell. From the host it uses only `setTimeout(fn, 0)`, to let
 * promise reactions run between two virtual timers. Behaviour and errMsg strings follow
 * WeChat's documentation (developers.weixin.qq.com: wx.login, wx.checkSession,
 * wx.request, storage, network); where WeChat documents nothing the choice is marked
 * "unconfirmed".
 */

/** The host's own setTimeout, captured at load, before a test can replace it. */
const REAL_SET_TIMEOUT = typeof setTimeout === 'function' ? setTimeout : null;

/** Resolves after every pending promise reaction has run (one real macrotask). */
function flushMicrotasks() {
  return new Promise((resolve) => {
    if (REAL_SET_TIMEOUT) REAL_SET_TIMEOUT(resolve, 0);
    else resolve();
  });
}

/**
 * A virtual clock. Nothing moves until the test says so; timers fire in order of due
 * time, then of creation, with promise reactions drained after each one.
 *
 * @param {{start?: number}} [options] `start`: the initial `now()`, ms (default 0)
 * @returns {{now: function(): number, setTimeout: function(Function, number): number,
 *   clearTimeout: function(number): void, advance: function(number): Promise<void>,
 *   runAll: function(number=): Promise<void>, runUntil: function(Promise, number=): Promise<*>,
 *   flush: function(): Promise<void>, pending: function(): number}}
 *   `advance(ms)` fires every timer due within `ms` and leaves `now()` `ms` later;
 *   `runAll(limitMs = 60000)` fires timers until none is left and rejects if that
 *   would take more than `limitMs`; `runUntil(promise, limitMs = 60000)` fires timers
 *   until `promise` settles and returns its outcome, or rejects if it is still pending
 *   after `limitMs`; `flush()` only drains promise reactions; `pending()` counts timers.
 *   A timer callback that throws does not stop the others: the first such error
 *   rejects the `advance`/`runAll`/`runUntil` call that fired it.
 */
function createClock(options) {
  const start = options && options.start !== undefined ? options.start : 0;
  if (typeof start !== 'number' || !isFinite(start)) throw new TypeError('createClock: start must be a finite number (ms)');
  let now = start;
  let nextId = 1;
  let timers = []; // {id, at, fn, args}
  let chain = Promise.resolve();

  function next(limitAt) {
    let best = null;
    for (const t of timers) {
      if (t.at <= limitAt && (best === null || t.at < best.at || (t.at === best.at && t.id < best.id))) best = t;
    }
    return best;
  }
  /** Fires the next timer due by `limitAt`; false when there is none. */
  function fire(limitAt, errors) {
    const t = next(limitAt);
    if (t === null) return false;
    timers = timers.filter((x) => x !== t);
    if (t.at > now) now = t.at;
    try {
      t.fn.apply(undefined, t.args);
    } catch (e) {
      errors.push(e);
    }
    return true;
  }
  /**
   * Fires due timers one by one, up to `limitAt`, draining promise reactions before the
   * first and after each, until none is due or `stop()` says so.
   */
  async function fireDue(limitAt, errors, stop) {
    await flushMicrotasks();
    while (!(stop && stop()) && fire(limitAt, errors)) await flushMicrotasks();
  }
  /** Runs `body` after earlier advance/runAll/runUntil calls (never two at once). */
  function serial(body) {
    const run = chain.then(body);
    chain = run.then(() => undefined, () => undefined);
    return run;
  }
  /** A TypeError for a bad ms argument, or null. */
  function badMs(name, ms) {
    if (typeof ms === 'number' && ms >= 0 && ms !== Infinity) return null;
    return new TypeError('clock.' + name + ': expected a non-negative number of ms, got ' + ms);
  }
  function raise(errors) {
    if (errors.length > 0) throw errors[0];
  }

  return {
    /** Virtual time, ms. */
    now: () => now,
    /** Like the host's setTimeout, on virtual time; returns a numeric handle. */
    setTimeout(fn, ms) {
      if (typeof fn !== 'function') throw new TypeError('clock.setTimeout: fn must be a function');
      const delay = typeof ms === 'number' && ms > 0 ? ms : 0;
      const id = nextId++;
      timers.push({ id: id, at: now + delay, fn: fn, args: Array.prototype.slice.call(arguments, 2) });
      return id;
    },
    /** Cancels a timer; unknown handles are ignored. */
    clearTimeout(handle) {
      timers = timers.filter((t) => t.id !== handle);
    },
    advance(ms) {
      if (badMs('advance', ms)) return Promise.reject(badMs('advance', ms));
      return serial(async () => {
        const errors = [];
        const target = now + ms;
        await fireDue(target, errors);
        now = target;
        await flushMicrotasks();
        raise(errors);
      });
    },
    runAll(limitMs) {
      const limit = limitMs === undefined ? 60000 : limitMs;
      if (badMs('runAll', limit)) return Promise.reject(badMs('runAll', limit));
      return serial(async () => {
        const errors = [];
        await fireDue(now + limit, errors);
        raise(errors);
        if (timers.length > 0) {
          throw new Error('clock.runAll: ' + timers.length + ' timer(s) still pending after ' + limit
            + ' ms of virtual time (a login manager keeps a renewal timer while its token has an expiresIn: use advance or runUntil)');
        }
      });
    },
    runUntil(promise, limitMs) {
      const limit = limitMs === undefined ? 60000 : limitMs;
      if (badMs('runUntil', limit)) return Promise.reject(badMs('runUntil', limit));
      let settled = false;
      const p = Promise.resolve(promise);
      p.then(() => { settled = true; }, () => { settled = true; });
      return serial(async () => {
        const errors = [];
        await fireDue(now + limit, errors, () => settled);
        raise(errors);
        if (!settled) {
          throw new Error('clock.runUntil: the promise is still pending after ' + limit + ' ms of virtual time'
            + (timers.length === 0 ? ' and no timer is left (it waits for something off the clock: await manager.ready first)' : ''));
        }
        return p;
      });
    },
    /** Lets pending promise reactions run; virtual time does not move. */
    flush: () => serial(flushMicrotasks),
    /** The number of timers not yet fired or cleared. */
    pending: () => timers.length,
  };
}

/** UTF-8 byte length of a string (no TextEncoder in a mini program or jsc). */
function utf8Length(s) {
  let n = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x80) n += 1;
    else if (c < 0x800) n += 2;
    else if (c >= 0xd800 && c <= 0xdbff) { n += 4; i++; } else n += 3;
  }
  return n;
}

/** WeChat's limits: 1 MB per key, 10 MB in all (wx.setStorageSync). */
const MAX_KEY_BYTES = 1024 * 1024;
const MAX_TOTAL_BYTES = 10 * 1024 * 1024;

/**
 * A mini program's local storage, shareable between two fakes to simulate a second
 * launch. Values are kept as JSON, so what comes back is a copy, as in WeChat.
 *
 * @returns {{get: function(string): *, has: function(string): boolean,
 *   set: function(string, *): void, remove: function(string): void, clear: function(): void,
 *   keys: function(): string[]}} `get` of a missing key returns `''` (like
 *   wx.getStorageSync); `set` throws an Error whose message and `errMsg` are
 *   `"setStorageSync:fail exceed storage max size"` over 1 MB per key or 10 MB in all.
 */
function createStorage() {
  const items = {}; // key -> JSON text
  const own = (k) => Object.prototype.hasOwnProperty.call(items, k);
  const total = () => Object.keys(items).reduce((n, k) => n + utf8Length(items[k]), 0);
  return {
    get: (key) => (own(String(key)) ? JSON.parse(items[String(key)]) : ''),
    has: (key) => own(String(key)),
    set(key, value) {
      const k = String(key);
      const text = value === undefined ? '""' : JSON.stringify(value);
      const size = utf8Length(text);
      if (size > MAX_KEY_BYTES || total() - (own(k) ? utf8Length(items[k]) : 0) + size > MAX_TOTAL_BYTES) {
        const e = new Error('setStorageSync:fail exceed storage max size');
        e.errMsg = e.message;
        throw e;
      }
      items[k] = text;
    },
    remove: (key) => { delete items[String(key)]; },
    clear: () => { for (const k of Object.keys(items)) delete items[k]; },
    keys: () => Object.keys(items),
  };
}

/** Splits an absolute http(s) URL; null for anything else. */
function parseUrl(url) {
  const m = /^(https?:\/\/[^/?#\s]+)([^?#\s]*)(\?[^#\s]*)?(#\S*)?$/i.exec(String(url));
  if (m === null) return null;
  const query = {};
  for (const pair of (m[3] || '').slice(1).split('&')) {
    if (pair === '') continue;
    const eq = pair.indexOf('=');
    const k = decodeURIComponent(eq < 0 ? pair : pair.slice(0, eq));
    query[k] = eq < 0 ? '' : decodeURIComponent(pair.slice(eq + 1).replace(/\+/g, ' '));
  }
  return { origin: m[1].toLowerCase(), path: m[2] || '/', query: query };
}

/** A header's value, whatever the case of its name; undefined when absent. */
function headerValue(header, name) {
  const wanted = name.toLowerCase();
  for (const k of Object.keys(header || {})) if (k.toLowerCase() === wanted) return header[k];
  return undefined;
}

/**
 * A scripted developer server, reached through the fake's wx.request.
 *
 * `route(method, pathOrRegex, handler)`: `method` is an HTTP method or `'*'`; a string
 * path matches the URL's path exactly, a RegExp is tested against it. The first match
 * answers; no match is a 404. `handler(req)` gets `{method, url, origin, path, query,
 * header, data, time}` (`data` as sent; a JSON string body is parsed; `time` is the
 * clock's ms) and returns `{statusCode = 200, data, header, delayMs}`, or
 * `{fail: 'request:fail timeout'}` for a network failure (the errMsg you give), or
 * `{hang: true}` to never answer (the request's `timeout`, default 60000 ms, then fails
 * it with `"request:fail timeout"`). A handler that throws answers 500.
 *
 * `loginRoute(path, {tokenPrefix = 'tok-', expiresIn = 7200, method = 'POST'})`: the
 * developer server's login. For a fresh code from the fake's wx.login it issues the
 * token `tokenPrefix + code` and answers `{token, expiresIn}` (seconds; `null` leaves
 * it out); like auth.code2Session it answers 400 `{errcode: 40163, errmsg: 'code been
 * used'}` for a reused code and 400 `{errcode: 40029, errmsg: 'invalid code'}` for an
 * unknown code or one older than 5 minutes.
 *
 * `authed(handler)`: a handler that answers 401 `{error: 'unauthorized'}` unless
 * `validToken(req)`. `validToken(req)`: the request's `Authorization: Bearer <token>`
 * holds a token issued and not expired. `expireTokens()`: every issued token becomes
 * invalid (the next request with one gets 401). `sessionKeyValid` (default true):
 * false makes wx.checkSession fail. `issueCode(time)`: what the fake's wx.login calls;
 * returns `'code-1'`, `'code-2'`, … (unique per server, so two fakes may share one).
 *
 * @returns {object} the server
 */
function createServer() {
  const routes = [];
  const codes = {}; // code -> {at, used}
  let valid = {}; // token -> true
  let issued = 0;
  const server = {
    sessionKeyValid: true,
    route(method, path, handler) {
      if (typeof handler !== 'function') throw new TypeError('server.route: handler must be a function');
      routes.push({ method: String(method).toUpperCase(), path: path, handler: handler });
      return server;
    },
    issueCode(time) {
      issued += 1;
      const code = 'code-' + issued;
      codes[code] = { at: typeof time === 'number' ? time : 0, used: false };
      return code;
    },
    loginRoute(path, options) {
      const o = options || {};
      const prefix = o.tokenPrefix !== undefined ? o.tokenPrefix : 'tok-';
      const expiresIn = o.expiresIn !== undefined ? o.expiresIn : 7200;
      return server.route(o.method || 'POST', path, (req) => {
        const code = req.data && typeof req.data === 'object' ? req.data.code : undefined;
        const c = typeof code === 'string' && Object.prototype.hasOwnProperty.call(codes, code) ? codes[code] : null;
        if (c !== null && c.used) return { statusCode: 400, data: { errcode: 40163, errmsg: 'code been used' } };
        if (c === null || req.time - c.at > 5 * 60 * 1000) return { statusCode: 400, data: { errcode: 40029, errmsg: 'invalid code' } };
        c.used = true;
        const token = prefix + code;
        valid[token] = true;
        const data = { token: token };
        if (expiresIn !== null) data.expiresIn = expiresIn;
        return { statusCode: 200, data: data };
      });
    },
    validToken(req) {
      const auth = headerValue(req && req.header, 'Authorization');
      const m = typeof auth === 'string' ? /^Bearer (.+)$/.exec(auth) : null;
      return m !== null && valid[m[1]] === true;
    },
    authed(handler) {
      return (req) => (server.validToken(req) ? handler(req) : { statusCode: 401, data: { error: 'unauthorized' } });
    },
    expireTokens() { valid = {}; },
    /** @private the fake's wx.request calls it. */
    handle(req) {
      for (const r of routes) {
        const pathOk = r.path instanceof RegExp ? r.path.test(req.path) : r.path === req.path;
        if (pathOk && (r.method === '*' || r.method === req.method)) {
          try {
            return r.handler(req) || {};
          } catch (e) {
            return { statusCode: 500, data: { error: String((e && e.message) || e) } };
          }
        }
      }
      return { statusCode: 404, data: { error: 'not found' } };
    },
  };
  return server;
}


/** wx.checkSession's failure as seen in the wild (docs/WECHAT.md). */
const CHECK_SESSION_FAIL = 'checkSession:fail 系统错误，错误码：-13001,session time out, need relogin';
/** wx.request while the device has no network (unconfirmed: Android's network stack text). */
const OFFLINE_FAIL = 'request:fail -2:net::ERR_INTERNET_DISCONNECTED';
/** WeChat runs at most 10 wx.request at once and queues the rest (base library 1.4.0+). */
const MAX_IN_FLIGHT = 10;
const PLATFORMS = ['wx', 'tt', 'qq', 'taro', 'uni'];
const FAILABLE = ['login', 'checkSession', 'request', 'uploadFile', 'downloadFile', 'getNetworkType', 'getStorageSync', 'setStorageSync', 'removeStorageSync'];
const NETWORK_TYPES = ['wifi', '2g', '3g', '4g', '5g', 'unknown', 'none'];

const hasCallback = (o) => !!o && (typeof o.success === 'function' || typeof o.fail === 'function'
  || typeof o.complete === 'function');

/** `success` or `fail`, then `complete`, as every async wx API does. */
function settle(opts, ok, res) {
  try {
    const cb = ok ? opts.success : opts.fail;
    if (typeof cb === 'function') cb(res);
  } finally {
    if (typeof opts.complete === 'function') opts.complete(res);
  }
}

/** GET data as wx.request sends it: `k=v&…` with encodeURIComponent, after the URL. */
function withQuery(url, data) {
  let q;
  if (typeof data === 'string') q = data;
  else if (data !== null && typeof data === 'object') {
    q = Object.keys(data).map((k) => {
      const v = data[k];
      return encodeURIComponent(k) + '=' + encodeURIComponent(v !== null && typeof v === 'object' ? JSON.stringify(v) : String(v));
    }).join('&');
  }
  if (!q) return url;
  return url + (url.indexOf('?') < 0 ? '?' : '&') + q;
}

const typeName = (v) => Object.prototype.toString.call(v).slice(8, -1);
const copy = (v) => (v === undefined ? undefined : JSON.parse(JSON.stringify(v)));

/**
 * A fake platform object driven by a virtual clock and a scripted server.
 *
 * @param {object} [options]
 * @param {object} [options.clock] a createClock() clock (default: a new one at 0 ms)
 * @param {'wx'|'tt'|'qq'|'taro'|'uni'} [options.platform='wx'] the shape of `api`:
 *   `wx` calls back and, since base library 2.10.2, returns a Promise from
 *   checkSession and getNetworkType when given no success/fail/complete (wx.login
 *   never: its page says Promise style is not supported, so it returns undefined;
 *   wx.request always returns a RequestTask); `tt` and `qq` are the same callback-style object
 *   (their Promise forms are not modelled); `taro` is Taro 3's object: login,
 *   checkSession and getNetworkType call back AND always return a Promise that rejects
 *   on fail, and request, uploadFile and downloadFile always return a Promise with
 *   `abort()`; `uni` is uni-app's (Vue 3) object for mp-weixin: with a callback it calls
 *   through (request returns the RequestTask), without one it returns a Promise. All five expose the same sync,
 *   storage and event APIs (onAppShow/onAppHide, onNetworkStatusChange).
 * @param {number} [options.latencyMs=10] virtual ms before each async API answers
 *   (settable later as `fake.latencyMs`; a route's `delayMs` overrides it)
 * @param {string} [options.network='wifi'] the networkType: wifi 2g 3g 4g 5g unknown none
 * @param {object} [options.storage] a createStorage(); share one between two fakes to
 *   simulate a second launch (default: a new, empty one)
 * @param {object} [options.server] a createServer() (default: one with no routes)
 * @returns {{api: object, clock: object, server: object, storage: object, platform: string,
 *   calls: object, latencyMs: number, setNetwork: function(string): void,
 *   hide: function(): void, show: function(): void,
 *   failNext: function(string, string, number=): void}}
 *   `calls` counts each API by name (`calls.login`, `calls.request`, …), logs every
 *   wx.request in `calls.requests` (`{method, url, origin, path, header, data, time,
 *   statusCode | errMsg, overLimit}`; `url` with the GET query) and keeps `inFlight`,
 *   `maxInFlight` (never above 10: WeChat queues the rest) and `maxConcurrent` (the most
 *   wx.request calls outstanding at once, queued ones included). The fake enforces
 *   WeChat's limit and still records what the code under test asked of it: per API,
 *   `maxAskedByApi` (the most calls unanswered at once, running or queued) and
 *   `overLimitByApi` (calls made while 10 of that API were already unanswered, each
 *   logged with `overLimit: true`; a manager that keeps to WeChat's limit makes none);
 *   assert on these, not on `maxInFlight`, which the fake itself caps. `calls.unhandledRejections` lists the reasons of Promises the fake
 *   returned (taro always; wx and uni without callbacks) that rejected with no handler:
 *   what a real app would log as "Unhandled promise rejection". `failNext(api, errMsg, times = 1)` makes the next call(s) of `api`
 *   (login, checkSession, request, uploadFile, downloadFile, getNetworkType, or a storage sync API, which then
 *   throws) fail with exactly `errMsg`, e.g. `'login:fail system error'`.
 *   `setNetwork(type)` changes the network and calls onNetworkStatusChange listeners
 *   with `{isConnected, networkType}`; while it is `'none'` a wx.request fails with
 *   `"request:fail -2:net::ERR_INTERNET_DISCONNECTED"` (unconfirmed text).
 *   `hide()`/`show()` call the onAppHide/onAppShow listeners.
 *   wx.uploadFile and wx.downloadFile reach the same server (the handler's `req.api` is
 *   `'uploadFile'` or `'downloadFile'`; an upload is a POST whose `data` is its
 *   `formData`, with `req.file = {name, filePath}`; a download is a GET). uploadFile's
 *   success is `{data, statusCode, errMsg: "uploadFile:ok"}` with `data` always a
 *   string (the body as sent, JSON.stringify'd if the handler gave an object: WeChat
 *   never parses it); downloadFile's is `{tempFilePath, statusCode, errMsg:
 *   "downloadFile:ok"}`, or `{filePath, statusCode, errMsg}` with no tempFilePath when a
 *   `filePath` was given (neither carries `header`: a task's onHeadersReceived does), and
 *   `fake.files[path]` holds what was downloaded there. Each of the three APIs has its own limit of 10 in flight
 *   (`calls.inFlightByApi`, `calls.maxInFlightByApi`, `calls.maxAskedByApi`,
 *   `calls.overLimitByApi`; `calls.uploads`/`calls.downloads`
 *   log them as `calls.requests` does wx.request), and each task's `abort()` fails it
 *   with `"<api>:fail abort"` (`"request:fail abort"` is documented; the uploadFile and
 *   downloadFile strings follow the same convention, unconfirmed) and frees its slot.
 *   wx.request answers every status through `success` with `errMsg: "request:ok"`,
 *   fails with `"request:fail abort"` after `task.abort()` and `"request:fail timeout"`
 *   after its `timeout` (default 60000 ms); more than 10 at once wait in order.
 *   wx.checkSession fails with `"checkSession:fail 系统错误，错误码：-13001,session time
 *   out, need relogin"` while `server.sessionKeyValid` is false.
 */
function createFakeWx(options) {
  const o = options || {};
  const platform = o.platform === undefined ? 'wx' : o.platform;
  if (PLATFORMS.indexOf(platform) < 0) throw new TypeError('createFakeWx: platform must be one of ' + PLATFORMS.join(', '));
  if (o.network !== undefined && NETWORK_TYPES.indexOf(o.network) < 0) throw new TypeError('createFakeWx: unknown network ' + o.network);
  const clock = o.clock || createClock();
  const server = o.server || createServer();
  const storage = o.storage || createStorage();
  let network = o.network || 'wifi';
  const listeners = { network: [], show: [], hide: [] };
  const failures = {};
  const perApi = () => ({ request: 0, uploadFile: 0, downloadFile: 0 });
  const calls = { requests: [], uploads: [], downloads: [], inFlight: 0, maxInFlight: 0, maxConcurrent: 0,
    inFlightByApi: perApi(), maxInFlightByApi: perApi(), maxAskedByApi: perApi(), overLimitByApi: perApi(),
    unhandledRejections: [] };
  /** One lane per API with its own limit: log, queue of start functions, counts. */
  const lanes = {};
  for (const [api, log] of [['request', calls.requests], ['uploadFile', calls.uploads], ['downloadFile', calls.downloads]]) {
    lanes[api] = { log: log, queue: [], inFlight: 0, maxConcurrent: 0 };
  }
  const setInFlight = (api, n) => {
    lanes[api].inFlight = n;
    calls.inFlightByApi[api] = n;
    if (n > calls.maxInFlightByApi[api]) calls.maxInFlightByApi[api] = n;
    if (api === 'request') {
      calls.inFlight = n;
      if (n > calls.maxInFlight) calls.maxInFlight = n;
    }
  };
  const files = {}; // downloaded temp paths -> the body the server answered
  let downloads = 0;
  const count = (name) => { calls[name] = (calls[name] || 0) + 1; };
  const later = (ms, fn) => clock.setTimeout(fn, ms);
  const takeFailure = (name) => (failures[name] && failures[name].length > 0 ? failures[name].shift() : null);
  const off = (list, cb) => { const i = list.indexOf(cb); if (i >= 0) list.splice(i, 1); };
  for (const name of ['login', 'checkSession', 'request', 'uploadFile', 'downloadFile', 'getNetworkType']) calls[name] = 0;

  function simple(name, answer) {
    return (opts) => {
      const op = opts || {};
      count(name);
      const failure = takeFailure(name);
      later(fake.latencyMs, () => {
        const r = failure !== null ? { errMsg: failure } : answer();
        settle(op, !/:fail/.test(r.errMsg), r);
      });
    };
  }

  /**
   * wx.request, wx.uploadFile and wx.downloadFile: each has its own limit of 10 in flight
   * (docs/WECHAT.md), queues the rest in order, and returns a task with abort() and
   * onHeadersReceived/offHeadersReceived (plus onProgressUpdate/offProgressUpdate for the
   * two file APIs, never called: the fake has no progress to report).
   */
  function transfer(api, opts) {
    const op = opts || {};
    count(api);
    const lane = lanes[api];
    const method = api === 'uploadFile' ? 'POST' : api === 'downloadFile' ? 'GET' : String(op.method || 'GET').toUpperCase();
    const entry = { method: method, url: op.url, header: Object.assign({}, op.header), data: op.data, time: clock.now() };
    if (api === 'uploadFile') {
      entry.data = op.formData;
      entry.file = { name: op.name, filePath: op.filePath };
    }
    lane.log.push(entry);
    let state = 'queued'; // queued | started | done
    let timer = null;
    let headersListeners = [];
    let headers = {}; // the response's, for onHeadersReceived
    const failure = takeFailure(api);
    const finish = (ok, res) => {
      if (state === 'done') return;
      if (state === 'started') setInFlight(api, lane.inFlight - 1);
      else off(lane.queue, start);
      state = 'done';
      if (timer !== null) clock.clearTimeout(timer);
      if (ok) entry.statusCode = res.statusCode; else entry.errMsg = res.errMsg;
      while (lane.inFlight < MAX_IN_FLIGHT && lane.queue.length > 0) lane.queue.shift()();
      if (ok) for (const cb of headersListeners) cb({ header: res.header || headers });
      settle(op, ok, res);
    };
    const failIn = (ms, errMsg) => { timer = later(ms, () => finish(false, { errMsg: errMsg })); };
    function start() {
      state = 'started';
      setInFlight(api, lane.inFlight + 1);
      const latency = fake.latencyMs;
      if (typeof op.url !== 'string') {
        return failIn(0, api + ':fail parameter error: parameter.url should be String instead of ' + typeName(op.url) + ';');
      }
      if (api === 'uploadFile' && typeof op.filePath !== 'string') {
        return failIn(0, 'uploadFile:fail parameter error: parameter.filePath should be String instead of ' + typeName(op.filePath) + ';');
      }
      const url = api === 'request' && method === 'GET' ? withQuery(op.url, op.data) : op.url;
      const parts = parseUrl(url);
      entry.url = url;
      if (parts === null) return failIn(latency, api + ':fail invalid url "' + url + '"'); // unconfirmed text
      entry.origin = parts.origin;
      entry.path = parts.path;
      if (failure !== null) return failIn(latency, failure);
      if (network === 'none') return failIn(latency, OFFLINE_FAIL.replace('request', api));
      let data = copy(api === 'uploadFile' ? op.formData : api === 'request' ? op.data : undefined);
      if (api === 'request' && typeof data === 'string' && /json/i.test(headerValue(op.header, 'content-type') || 'json')) {
        try { data = JSON.parse(data); } catch (e) { /* a plain string body */ }
      }
      const req = { api: api, method: method, url: url, origin: parts.origin, path: parts.path, query: parts.query,
        header: Object.assign({}, op.header), data: data, time: clock.now() };
      if (api === 'uploadFile') req.file = { name: op.name, filePath: op.filePath };
      const r = server.handle(req);
      const timeoutMs = typeof op.timeout === 'number' && op.timeout > 0 ? op.timeout : 60000;
      const delay = typeof r.delayMs === 'number' ? r.delayMs : latency;
      if (r.hang || delay > timeoutMs) return failIn(timeoutMs, api + ':fail timeout');
      if (r.fail) return failIn(delay, String(r.fail));
      headers = Object.assign({ 'Content-Type': 'application/json' }, r.header);
      timer = later(delay, () => finish(true, answer(api, op, r)));
      return undefined;
    }
    // What the code under test asked for, before WeChat's queue hides it: a call made
    // while 10 of this API are unanswered (running or queued) is one over the limit.
    if (lane.inFlight + lane.queue.length >= MAX_IN_FLIGHT) {
      entry.overLimit = true;
      calls.overLimitByApi[api] += 1;
    }
    if (lane.inFlight < MAX_IN_FLIGHT) start(); else lane.queue.push(start);
    if (lane.inFlight + lane.queue.length > lane.maxConcurrent) {
      lane.maxConcurrent = lane.inFlight + lane.queue.length;
      calls.maxAskedByApi[api] = lane.maxConcurrent;
      if (api === 'request') calls.maxConcurrent = lane.maxConcurrent;
    }
    const task = {
      abort() {
        if (state === 'done') return;
        finish(false, { errMsg: api + ':fail abort' });
      },
      onHeadersReceived(cb) { headersListeners.push(cb); },
      offHeadersReceived(cb) { headersListeners = headersListeners.filter((x) => x !== cb); },
    };
    if (api !== 'request') {
      task.onProgressUpdate = () => {};
      task.offProgressUpdate = () => {};
    }
    return task;
  }

  /** The success result of each API, as WeChat shapes it. */
  function answer(api, op, r) {
    const statusCode = r.statusCode || 200;
    const header = Object.assign({ 'Content-Type': 'application/json' }, r.header);
    // The two file APIs' results carry no header (UploadFileSuccessCallbackResult,
    // DownloadFileSuccessCallbackResult): the headers reach onHeadersReceived only.
    if (api === 'uploadFile') {
      // wx.uploadFile never parses: `data` is the body as a string.
      const text = r.data === undefined ? '' : typeof r.data === 'string' ? r.data : JSON.stringify(r.data);
      return { data: text, statusCode: statusCode, errMsg: 'uploadFile:ok' };
    }
    if (api === 'downloadFile') {
      // `filePath` when one was given (the file is saved there), else a `tempFilePath`.
      if (typeof op.filePath === 'string') {
        files[op.filePath] = copy(r.data);
        return { filePath: op.filePath, statusCode: statusCode, errMsg: 'downloadFile:ok' };
      }
      downloads += 1;
      const tempFilePath = 'http://tmp/wx' + downloads + '.download'; // the devtools' temp path shape
      files[tempFilePath] = copy(r.data);
      return { tempFilePath: tempFilePath, statusCode: statusCode, errMsg: 'downloadFile:ok' };
    }
    let body = r.data === undefined ? '' : copy(r.data);
    if (typeof body === 'string' && (op.dataType || 'json') === 'json') {
      try { body = JSON.parse(body); } catch (e) { /* stays a string; success still fires */ }
    }
    return { data: body, statusCode: statusCode, header: header, cookies: [], errMsg: 'request:ok' };
  }

  function sync(name, fn) {
    return function () {
      count(name);
      const failure = takeFailure(name);
      if (failure !== null) { const e = new Error(failure); e.errMsg = failure; throw e; }
      return fn.apply(undefined, arguments);
    };
  }

  /** The wx-shaped object every platform is built on (callback style). */
  const base = {
    login: simple('login', () => ({ code: server.issueCode(clock.now()), errMsg: 'login:ok' })),
    checkSession: simple('checkSession', () => (server.sessionKeyValid === false
      ? { errMsg: CHECK_SESSION_FAIL } : { errMsg: 'checkSession:ok' })),
    getNetworkType: simple('getNetworkType', () => ({ networkType: network, errMsg: 'getNetworkType:ok' })),
    request: (opts) => transfer('request', opts),
    uploadFile: (opts) => transfer('uploadFile', opts),
    downloadFile: (opts) => transfer('downloadFile', opts),
    getStorageSync: sync('getStorageSync', (key) => storage.get(key)),
    setStorageSync: sync('setStorageSync', (key, data) => { storage.set(key, data); }),
    removeStorageSync: sync('removeStorageSync', (key) => { storage.remove(key); }),
    clearStorageSync: sync('clearStorageSync', () => { storage.clear(); }),
    onNetworkStatusChange: (cb) => { listeners.network.push(cb); },
    offNetworkStatusChange: (cb) => { off(listeners.network, cb); },
    onAppShow: (cb) => { listeners.show.push(cb); },
    offAppShow: (cb) => { off(listeners.show, cb); },
    onAppHide: (cb) => { listeners.hide.push(cb); },
    offAppHide: (cb) => { off(listeners.hide, cb); },
  };

  const fake = {
    api: shape(platform, base, trackingPromise(calls.unhandledRejections)),
    clock: clock,
    server: server,
    storage: storage,
    platform: platform,
    calls: calls,
    latencyMs: o.latencyMs !== undefined ? o.latencyMs : 10,
    files: files,
    setNetwork(type) {
      if (NETWORK_TYPES.indexOf(type) < 0) throw new TypeError('fake.setNetwork: unknown network ' + type);
      network = type;
      for (const cb of listeners.network.slice()) cb({ isConnected: type !== 'none', networkType: type });
    },
    hide() { for (const cb of listeners.hide.slice()) cb(); },
    show() { for (const cb of listeners.show.slice()) cb({ path: '', query: {}, scene: 1001 }); },
    failNext(api, errMsg, times) {
      if (FAILABLE.indexOf(api) < 0) throw new TypeError('fake.failNext: api must be one of ' + FAILABLE.join(', '));
      if (typeof errMsg !== 'string') throw new TypeError('fake.failNext: errMsg must be a string, e.g. "' + api + ':fail system error"');
      failures[api] = failures[api] || [];
      for (let i = 0; i < (times === undefined ? 1 : times); i++) failures[api].push(errMsg);
    },
  };
  return fake;
}

/**
 * A Promise class whose instances note a rejection that no handler has taken (as a
 * host's "unhandled rejection" report would) in `list`, and take it back out when a
 * handler comes later. `await`, `then`, `catch` and `finally` all count as handlers.
 */
function trackingPromise(list) {
  class TrackedPromise extends Promise {
    static get [Symbol.species]() { return Promise; }
    then(onFulfilled, onRejected) {
      this.handled = true;
      const i = list.indexOf(this.rejection);
      if (this.rejection !== undefined && i >= 0) list.splice(i, 1);
      return super.then(onFulfilled, onRejected);
    }
  }
  const make = (executor) => {
    const p = new TrackedPromise(executor);
    Promise.prototype.then.call(p, undefined, (reason) => {
      p.rejection = reason;
      if (!p.handled) list.push(reason);
    });
    return p;
  };
  return make;
}

/** Builds the platform's object over the callback-style `base` (see createFakeWx). */
function shape(platform, base, trackedPromise) {
  const api = Object.assign({}, base);
  const viaPromise = (fn, opts) => trackedPromise((resolve, reject) => {
    fn(Object.assign({}, opts, { success: resolve, fail: reject }));
  });
  const ASYNC = ['login', 'checkSession', 'getNetworkType'];
  const TRANSFERS = ['request', 'uploadFile', 'downloadFile'];
  if (platform === 'wx') {
    // Base library 2.10.2+: a Promise when no callback is given; never for wx.request,
    // and never for wx.login, whose page says Promise style is not supported: it runs
    // and returns undefined (code that awaits it would fail on a phone).
    for (const name of ['checkSession', 'getNetworkType']) {
      api[name] = (opts) => (hasCallback(opts) ? base[name](opts) : viaPromise(base[name], opts));
    }
  } else if (platform === 'uni') {
    // uni-app (Vue 3) promisify: callbacks call through; otherwise a Promise, request included.
    for (const name of ASYNC.concat(TRANSFERS)) {
      api[name] = (opts) => (hasCallback(opts) ? base[name](opts) : viaPromise(base[name], opts));
    }
  } else if (platform === 'taro') {
    // Taro 3 processApis / getNormalRequest: callbacks run AND a Promise is returned.
    const both = (name) => (opts) => {
      const op = opts || {};
      let task = null;
      const p = trackedPromise((resolve, reject) => {
        task = base[name](Object.assign({}, op, {
          success: (res) => { if (typeof op.success === 'function') op.success(res); resolve(res); },
          fail: (res) => { if (typeof op.fail === 'function') op.fail(res); reject(res); },
          complete: (res) => { if (typeof op.complete === 'function') op.complete(res); },
        }));
      });
      if (TRANSFERS.indexOf(name) >= 0) {
        p.abort = (cb) => { if (typeof cb === 'function') cb(); if (task) task.abort(); return p; };
      }
      return p;
    };
    for (const name of ASYNC.concat(TRANSFERS)) api[name] = both(name);
  }
  return api;
}

module.exports = { createClock, createServer, createStorage, createFakeWx };
