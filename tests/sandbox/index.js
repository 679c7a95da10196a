'use strict';
/**
 * A WeChat mini-program sandbox for Node tests.
 *
 * Runs a mini program's `app.js` and page scripts, unmodified, in a `vm` context whose
 * only non-ECMAScript globals are the ones a mini program has: `wx`, `WXWebAssembly`,
 * `App`, `Page`, `getApp`, `getCurrentPages`, `console`, `setTimeout`, `clearTimeout`,
 * `setInterval`, `clearInterval`. `WebAssembly`, `TextEncoder`, `TextDecoder`, `fetch`,
 * `URL`, `process`, `Buffer`, `queueMicrotask`, `global`, `window` are absent, and
 * `eval` / `new Function(string)` throw (unless `allowEval: true`).
 *
 * `wx` is a fake that follows docs/WECHAT.md (the repository's notes on WeChat's APIs):
 * `wx.login` asks a fake WeChat server (`POST ${wechatBase}/fake-wechat/login` with `{"user": user}`, answer
 * `{"code": "..."}`) over real HTTP, `wx.request` does real HTTP to loopback only
 * (http://127.0.0.1, localhost, [::1]; any other host fails with
 * "request:fail url not in domain list"), storage lives in a `Map` the caller may share
 * between two sandboxes to simulate a second launch.
 *
 * Config override: `overrides` maps a module (a path relative to `root`, e.g.
 * `'config.js'`, or a bare package name, e.g. `'weapp-login'`) to the value `require`
 * returns for it instead of running the file:
 *
 *     const sb = createSandbox({
 *       root: 'example-miniprogram',
 *       wechatBase: 'http://127.0.0.1:' + port,
 *       overrides: { 'config.js': { API_BASE: 'http://127.0.0.1:' + port } },
 *     });
 *     const app = sb.launch();
 *     const page = sb.page('pages/index/index');
 *
 * CommonJS, Node built-ins only.
 */
const vm = require('vm');
const fs = require('fs');
const path = require('path');
const http = require('http');
const zlib = require('zlib');

const MAX_IN_FLIGHT = 10;
const ONE_MB = 1024 * 1024;
const TEN_MB = 10 * ONE_MB;
const LOOPBACK = new Set(['127.0.0.1', 'localhost', '[::1]', '::1']);
const ABSENT_GLOBALS = ['WebAssembly', 'TextEncoder', 'TextDecoder', 'fetch', 'URL', 'URLSearchParams',
  'process', 'Buffer', 'queueMicrotask', 'global', 'window', 'setImmediate', 'structuredClone',
  'require', 'module', 'exports', 'self', 'document'];
const METHODS = new Set(['OPTIONS', 'GET', 'HEAD', 'POST', 'PUT', 'DELETE', 'TRACE', 'CONNECT']);

function typeName(v) {
  if (v === undefined) return 'Undefined';
  if (v === null) return 'Null';
  if (Array.isArray(v)) return 'Array';
  const t = typeof v;
  return t.charAt(0).toUpperCase() + t.slice(1);
}

/**
 * @typedef {Object} SandboxCalls
 * @property {Object<string, number>} counts  number of calls per API name (`login`,
 *   `request`, `checkSession`, `getStorageSync`, ..., `WXWebAssembly.instantiate`)
 * @property {Array<{method:string,url:string,header:Object,data:(string|undefined),status:(number|null),errMsg:(string|undefined)}>} requests
 *   every `wx.request` in call order; `status` is filled in when the response arrives
 *   (null while pending or when it failed, then `errMsg` says why)
 * @property {Array<{user:string, code:(string|undefined), errMsg:string}>} logins every `wx.login`
 * @property {Array<{path:*, ok:boolean, error:(string|undefined)}>} wasm every `WXWebAssembly.instantiate`
 * @property {number} inFlight   `wx.request`s in flight now
 * @property {number} maxInFlight the most `wx.request`s ever in flight at once (never above
 *   10: the fake queues the rest, as WeChat does, so this measures the fake)
 * @property {number} queued     `wx.request`s waiting for a free slot now
 * @property {number} maxAsked   what the mini program asked for: the most `wx.request`s
 *   unanswered at once, running or queued
 * @property {number} overLimit  `wx.request`s made while 10 were already unanswered (each
 *   also marked `overLimit: true` in `requests`); code that keeps to WeChat's limit makes none
 */

/**
 * @typedef {Object} Sandbox
 * @property {Object} wx        the fake `wx` object the mini program sees
 * @property {Object} globals   the mini program's `globalThis` (`globals.wx`, `globals.setTimeout`,
 *   `globals.ArrayBuffer`, ...: the context's own built-ins too)
 * @property {Object} context   the contextified object, for `vm.runInContext(code, sandbox.context)`
 * @property {() => Object} launch  runs `app.js` (once), calls `onLaunch(options)` then
 *   `onShow(options)`, returns the app instance (what `getApp()` returns)
 * @property {() => (Object|undefined)} app  `getApp()`
 * @property {(route: string, query?: Object) => Object} page  loads `<root>/<route>.js`
 *   (e.g. `'pages/index/index'`), creates a page instance (`data`, `setData`, `route`,
 *   `options`, bound methods), pushes it on the stack, calls `onLoad(query)`, `onShow()`,
 *   `onReady()`; launches the app first if needed
 * @property {(request: string, from?: string) => *} require  the sandbox's `require`
 *   (relative to `root` unless `from` is a file path)
 * @property {() => void} hide  app to background: app `onHide`, page `onHide`, `wx.onAppHide` listeners
 * @property {() => void} show  app to foreground: app `onShow`, page `onShow`, `wx.onAppShow` listeners
 * @property {SandboxCalls} calls
 * @property {{loginFail: (string|null), loginFailAlways: (string|null), loginHang: boolean, loginDelayMs: number, checkSessionExpired: boolean, requestFail: (string|null)}} faults
 *   test hooks: `loginFail` = errMsg of the NEXT `wx.login` failure (then cleared);
 *   `loginFailAlways` = errMsg of every `wx.login` while set; `loginHang` = `wx.login`
 *   never answers while set (only its own `timeout`, if any, ends it); `loginDelayMs` =
 *   real ms a `wx.login` waits before it asks the fake WeChat for its code (default 0: a
 *   test can then act while a login is surely under way);
 *   `checkSessionExpired` = `wx.checkSession` fails; `requestFail` = errMsg of the NEXT
 *   `wx.request` failure (then cleared; nothing is sent)
 * @property {string} network  `getNetworkType`'s `networkType` ('wifi' by default);
 *   assigning it fires `onNetworkStatusChange` listeners; while `'none'` every
 *   `wx.request` fails with "request:fail net::ERR_INTERNET_DISCONNECTED" and `wx.login`
 *   with "login:fail network error" without sending anything
 * @property {Map<string,*>} storage  wx storage: key → a JSON round-trip copy (host objects) of the stored value
 * @property {Array<Object>} pages  the page stack (same as `getCurrentPages()`)
 * @property {() => void} close  aborts in-flight and queued HTTP (their callbacks never
 *   fire), clears every timer the mini program or the fake created; idempotent
 */

/**
 * Creates a sandbox.
 * @param {Object} opts
 * @param {string} opts.root  the mini program root (folder of app.js / app.json)
 * @param {string} [opts.wechatBase]  base URL of the fake WeChat server, e.g.
 *   'http://127.0.0.1:1234'; `wx.login` POSTs `{"user"}` to `${wechatBase}/fake-wechat/login`
 * @param {string} [opts.user='default']  the WeChat user `wx.login` logs in as
 * @param {Object<string, *>} [opts.overrides]  module → value `require` returns instead
 *   of the file (key: path relative to root like 'config.js' / 'config', or a bare package name)
 * @param {Map<string,*>} [opts.storage]  wx storage to use (key → JSON round-trip copy of the value) (share one Map between two
 *   sandboxes to simulate a second launch); a new Map by default
 * @param {(Object|false)} [opts.log=console]  the mini program's `console` (any object
 *   with log/info/warn/error/debug); `false` silences it
 * @param {string} [opts.network='wifi']  initial network type
 * @param {boolean} [opts.allowEval=false]  allow `eval`/`new Function(string)` (WeChat forbids them)
 * @param {Object} [opts.launchOptions]  what `onLaunch`/`onShow` receive
 *   (default `{path:'pages/index/index', query:{}, scene:1001, referrerInfo:{}}`)
 * @returns {Sandbox}
 */
function createSandbox(opts) {
  opts = opts || {};
  if (typeof opts.root !== 'string') throw new TypeError('createSandbox: root (string) is required');
  const root = path.resolve(opts.root);
  const wechatBase = opts.wechatBase ? String(opts.wechatBase).replace(/\/+$/, '') : null;
  const user = opts.user === undefined ? 'default' : String(opts.user);
  const overrides = opts.overrides || {};
  const storage = opts.storage instanceof Map ? opts.storage : new Map();
  const logTarget = opts.log === false ? null : (opts.log || console);
  let closed = false;

  // ---------------------------------------------------------------- vm context
  const ctx = vm.createContext({}, {
    name: 'weapp-sandbox',
    codeGeneration: { strings: !!opts.allowEval, wasm: true },
  });
  // The context's own WebAssembly, kept for WXWebAssembly (so that memory buffers,
  // instances and errors belong to the mini program's realm: `instanceof ArrayBuffer`
  // holds there as on a phone), then removed from the globals.
  const CtxWebAssembly = vm.runInContext('WebAssembly', ctx);
  vm.runInContext('delete globalThis.WebAssembly; delete globalThis.console;', ctx);
  const CtxPromise = vm.runInContext('Promise', ctx);
  const CtxError = vm.runInContext('Error', ctx);
  const CtxTypeError = vm.runInContext('TypeError', ctx);
  const CtxJSON = vm.runInContext('JSON', ctx);
  const CtxArrayBuffer = vm.runInContext('ArrayBuffer', ctx);
  const CtxUint8Array = vm.runInContext('Uint8Array', ctx);
  const ctxObject = vm.runInContext('(function () { return {}; })', ctx);
  /** JSON-able host value → a copy made of the context's own objects. */
  function toCtx(v) {
    if (v === undefined) return undefined;
    return CtxJSON.parse(JSON.stringify(v));
  }
  function ctxError(msg, Ctor) { return new (Ctor || CtxError)(msg); }

  // ---------------------------------------------------------------- bookkeeping
  const calls = { counts: {}, requests: [], logins: [], wasm: [], inFlight: 0, maxInFlight: 0, queued: 0, maxAsked: 0, overLimit: 0 };
  const faults = { loginFail: null, loginFailAlways: null, loginHang: false, loginDelayMs: 0, checkSessionExpired: false, requestFail: null };
  function count(name) { calls.counts[name] = (calls.counts[name] || 0) + 1; }
  let networkType = opts.network || 'wifi';

  // ---------------------------------------------------------------- timers
  const timers = new Map(); // id → {handle, interval}
  let nextTimerId = 1;
  function hostTimeout(fn, ms) { // internal timers, cleared on close()
    const id = nextTimerId++;
    const handle = setTimeout(() => { timers.delete(id); if (!closed) fn(); }, ms);
    timers.set(id, { handle, interval: false });
    return id;
  }
  function clearHostTimer(id) {
    const t = timers.get(id);
    if (!t) return;
    timers.delete(id);
    if (t.interval) clearInterval(t.handle); else clearTimeout(t.handle);
  }
  function later(fn) { hostTimeout(fn, 0); }
  const sbSetTimeout = function setTimeout_(fn, ms, ...args) {
    if (typeof fn !== 'function') throw ctxError('setTimeout: callback must be a function', CtxTypeError);
    return hostTimeout(() => fn(...args), Number(ms) || 0);
  };
  const sbSetInterval = function setInterval_(fn, ms, ...args) {
    if (typeof fn !== 'function') throw ctxError('setInterval: callback must be a function', CtxTypeError);
    const id = nextTimerId++;
    const handle = setInterval(() => { if (!closed) fn(...args); }, Math.max(1, Number(ms) || 0));
    timers.set(id, { handle, interval: true });
    return id;
  };
  const sbClearTimer = function clearTimer(id) { clearHostTimer(id); };

  // ---------------------------------------------------------------- console
  const sbConsole = ctxObject();
  for (const k of ['log', 'info', 'warn', 'error', 'debug', 'trace', 'group', 'groupEnd', 'table', 'time', 'timeEnd']) {
    sbConsole[k] = function (...args) {
      if (!logTarget) return;
      const f = typeof logTarget[k] === 'function' ? logTarget[k] : logTarget.log;
      if (typeof f === 'function') f.apply(logTarget, args);
    };
  }

  // ---------------------------------------------------------------- async API helper
  /**
   * Calls `run(ok, fail)` (ok/fail take a host result object without errMsg prefix
   * handling) and delivers the result WeChat style: success/fail then complete, or a
   * Promise when the options have none of them.
   */
  function asyncApi(name, options, run) {
    count(name);
    const o = options && typeof options === 'object' ? options : {};
    const cbStyle = typeof o.success === 'function' || typeof o.fail === 'function' || typeof o.complete === 'function';
    let settle;
    const p = cbStyle ? null : new CtxPromise((resolve, reject) => { settle = { resolve, reject }; });
    let done = false;
    function deliver(isOk, res) {
      if (done || closed) return;
      done = true;
      const value = toCtx(res);
      later(() => {
        if (cbStyle) {
          try {
            if (isOk) { if (typeof o.success === 'function') o.success(value); }
            else if (typeof o.fail === 'function') o.fail(value);
          } finally {
            if (typeof o.complete === 'function') o.complete(value);
          }
        } else if (isOk) settle.resolve(value);
        else settle.reject(value);
      });
    }
    try {
      run((res) => deliver(true, res), (res) => deliver(false, res), o);
    } catch (e) {
      deliver(false, { errMsg: `${name}:fail ${e && e.message}` });
    }
    return p === null ? undefined : p;
  }

  // ---------------------------------------------------------------- raw HTTP
  const liveHttp = new Set(); // node ClientRequests, destroyed on close()
  /**
   * One HTTP exchange. cb(err, {statusCode, rawHeaders, headers, body: Buffer}).
   * onHeaders(res) fires when headers arrive. Returns the ClientRequest.
   */
  function httpExchange(urlObj, method, headers, body, onHeaders, cb) {
    let finished = false;
    const finish = (err, res) => { if (finished) return; finished = true; liveHttp.delete(req); cb(err, res); };
    const req = http.request({
      protocol: 'http:',
      hostname: urlObj.hostname.replace(/^\[|\]$/g, ''),
      port: urlObj.port || 80,
      path: urlObj.pathname + urlObj.search,
      method,
      headers,
      agent: false,
    }, (res) => {
      if (onHeaders) { try { onHeaders(res); } catch (e) { /* listener errors are the app's */ } }
      const chunks = [];
      res.on('data', (c) => chunks.push(c));
      res.on('end', () => finish(null, { statusCode: res.statusCode, rawHeaders: res.rawHeaders, headers: res.headers, body: Buffer.concat(chunks) }));
      res.on('error', (e) => finish(e));
      res.on('aborted', () => finish(new Error('interrupted')));
    });
    req.on('error', (e) => finish(e));
    liveHttp.add(req);
    if (body !== undefined && body !== null) req.write(body);
    req.end();
    req.__finish = finish;
    return req;
  }
  /** Response header object with the names as the server sent them (like WeChat). */
  function headerObject(rawHeaders) {
    const h = {};
    for (let i = 0; i + 1 < rawHeaders.length; i += 2) {
      const k = rawHeaders[i];
      if (k.toLowerCase() === 'set-cookie') continue;
      h[k] = h[k] === undefined ? rawHeaders[i + 1] : h[k] + ', ' + rawHeaders[i + 1];
    }
    const cookies = [];
    for (let i = 0; i + 1 < rawHeaders.length; i += 2) {
      if (rawHeaders[i].toLowerCase() === 'set-cookie') cookies.push(rawHeaders[i + 1]);
    }
    if (cookies.length) h['Set-Cookie'] = cookies.join(', ');
    return { header: h, cookies };
  }
  function netErrMsg(api, e) {
    const code = e && e.code;
    if (code === 'ECONNREFUSED') return `${api}:fail net::ERR_CONNECTION_REFUSED`;
    if (code === 'ECONNRESET') return `${api}:fail net::ERR_CONNECTION_RESET`;
    return `${api}:fail ${(e && e.message) || 'network error'}`;
  }

  // ---------------------------------------------------------------- wx.login & co.
  function wxLogin(options) {
    return asyncApi('login', options, (ok, fail, o) => {
      const rec = { user, code: undefined, errMsg: '' };
      calls.logins.push(rec);
      const okRec = (r) => { rec.code = r.code; rec.errMsg = r.errMsg; ok(r); };
      const failRec = (r) => { rec.errMsg = r.errMsg; fail(r); };
      let timer = null;
      let req = null;
      if (typeof o.timeout === 'number' && o.timeout > 0) {
        timer = hostTimeout(() => { if (req) req.destroy(); failRec({ errMsg: 'login:fail timeout' }); }, o.timeout);
      }
      const failT = (r) => { if (timer) clearHostTimer(timer); failRec(r); };
      if (faults.loginFail) { const m = faults.loginFail; faults.loginFail = null; failT({ errMsg: m }); return; }
      if (faults.loginFailAlways) { failT({ errMsg: faults.loginFailAlways }); return; }
      if (faults.loginHang) return;
      if (networkType === 'none') { failT({ errMsg: 'login:fail network error' }); return; }
      if (!wechatBase) { failT({ errMsg: 'login:fail fake WeChat server not configured (wechatBase)' }); return; }
      let u;
      try { u = new URL(wechatBase + '/fake-wechat/login'); } catch (e) { failT({ errMsg: 'login:fail invalid wechatBase' }); return; }
      const body = JSON.stringify({ user });
      const ask = () => { req = httpExchange(u, 'POST', { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) }, body, null, (err, res) => {
        if (timer) clearHostTimer(timer);
        if (err) { failRec({ errMsg: netErrMsg('login', err) }); return; }
        let data = null;
        try { data = JSON.parse(res.body.toString('utf8')); } catch (e) { /* not JSON */ }
        if (res.statusCode !== 200 || !data || typeof data.code !== 'string') {
          const why = data && (data.errMsg || data.errmsg || data.error);
          failRec({ errMsg: `login:fail ${why || 'system error'} (fake WeChat answered ${res.statusCode})` });
          return;
        }
        okRec({ code: data.code, errMsg: 'login:ok' });
      }); };
      if (faults.loginDelayMs > 0) hostTimeout(ask, faults.loginDelayMs); else ask();
    });
  }

  function wxCheckSession(options) {
    return asyncApi('checkSession', options, (ok, fail) => {
      if (faults.checkSessionExpired) fail({ errMsg: 'checkSession:fail 系统错误，错误码：-13001,session time out, need relogin' });
      else ok({ errMsg: 'checkSession:ok' });
    });
  }

  // ---------------------------------------------------------------- wx.request
  const queue = []; // pending start functions
  const activeTasks = new Set();
  function pump() {
    while (!closed && calls.inFlight < MAX_IN_FLIGHT && queue.length) {
      const start = queue.shift();
      calls.queued = queue.length;
      start();
    }
  }
  function encodeQuery(data) {
    return Object.keys(data).map((k) => {
      const v = data[k];
      const s = v === undefined ? '' : (v !== null && typeof v === 'object') ? JSON.stringify(v) : String(v);
      return encodeURIComponent(k) + '=' + encodeURIComponent(s);
    }).join('&');
  }
  function isArrayBuffer(v) { return v instanceof ArrayBuffer || v instanceof CtxArrayBuffer || Object.prototype.toString.call(v) === '[object ArrayBuffer]'; }
  function isView(v) { return ArrayBuffer.isView(v); }

  function wxRequest(options) {
    count('request');
    const o = options && typeof options === 'object' ? options : {};
    const headersCbs = [];
    let state = 'queued'; // queued | running | done
    let req = null;
    let timer = null;
    let holdsSlot = false;
    const rec = { method: '', url: o.url, header: {}, data: undefined, status: null, errMsg: undefined };
    calls.requests.push(rec);

    function deliver(isOk, res) {
      if (state === 'done' || closed) return;
      state = 'done';
      activeTasks.delete(task);
      if (timer) clearHostTimer(timer);
      if (holdsSlot) { holdsSlot = false; calls.inFlight--; }
      if (!isOk) rec.errMsg = res.errMsg;
      const value = isOk ? res : toCtx(res);
      later(() => {
        try {
          if (isOk) { if (typeof o.success === 'function') o.success(value); }
          else if (typeof o.fail === 'function') o.fail(value);
        } finally {
          if (typeof o.complete === 'function') o.complete(value);
        }
      });
      pump();
    }
    const fail = (errMsg, errno) => deliver(false, errno === undefined ? { errMsg } : { errMsg, errno });

    const task = ctxObject();
    task.abort = function abort() {
      if (state === 'done') return;
      if (req) req.destroy();
      const i = queue.indexOf(start);
      if (i >= 0) { queue.splice(i, 1); calls.queued = queue.length; }
      fail('request:fail abort');
    };
    task.onHeadersReceived = function onHeadersReceived(cb) { if (typeof cb === 'function') headersCbs.push(cb); };
    task.offHeadersReceived = function offHeadersReceived(cb) {
      if (cb === undefined) { headersCbs.length = 0; return; }
      const i = headersCbs.indexOf(cb); if (i >= 0) headersCbs.splice(i, 1);
    };

    // ---- validation (synchronous, delivered asynchronously)
    if (typeof o.url !== 'string') {
      fail(`request:fail parameter error: parameter.url should be String instead of ${typeName(o.url)};`, 1001);
      return task;
    }
    const method = (o.method === undefined ? 'GET' : String(o.method)).toUpperCase();
    rec.method = method;
    if (!METHODS.has(method)) {
      fail(`request:fail parameter error: parameter.method should be one of OPTIONS, GET, HEAD, POST, PUT, DELETE, TRACE, CONNECT;`, 1001);
      return task;
    }
    let u;
    try { u = new URL(o.url); } catch (e) { fail('request:fail invalid url "' + o.url + '"', 600009); return task; }
    if (u.protocol !== 'http:' || !LOOPBACK.has(u.hostname)) {
      fail('request:fail url not in domain list', 600002);
      return task;
    }
    // ---- headers and body
    const headers = {};
    const src = o.header && typeof o.header === 'object' ? o.header : {};
    for (const k of Object.keys(src)) {
      if (src[k] === undefined || src[k] === null) continue;
      if (k.toLowerCase() === 'referer') continue; // WeChat does not let you set Referer
      headers[k] = String(src[k]);
    }
    const ctKey = Object.keys(headers).find((k) => k.toLowerCase() === 'content-type');
    if (!ctKey) headers['content-type'] = 'application/json';
    const contentType = headers[ctKey || 'content-type'];
    let body;
    const data = o.data;
    if (method === 'GET') {
      let qs = '';
      if (typeof data === 'string') qs = data;
      else if (data && typeof data === 'object' && !isArrayBuffer(data) && !isView(data)) qs = encodeQuery(data);
      if (qs) u = new URL(u.href + (u.search ? '&' : (u.href.endsWith('?') ? '' : '?')) + qs);
    } else if (data !== undefined && data !== null) {
      if (typeof data === 'string') body = Buffer.from(data, 'utf8');
      else if (isArrayBuffer(data)) body = Buffer.from(new Uint8Array(data));
      else if (isView(data)) body = Buffer.from(data.buffer, data.byteOffset, data.byteLength);
      else if (/application\/x-www-form-urlencoded/i.test(contentType)) body = Buffer.from(encodeQuery(data), 'utf8');
      else body = Buffer.from(JSON.stringify(data), 'utf8');
    }
    if (body !== undefined) headers['content-length'] = String(body.length);
    rec.url = u.href;
    rec.header = Object.assign({}, headers);
    rec.data = body === undefined ? undefined : body.toString('utf8');

    const timeout = typeof o.timeout === 'number' && o.timeout > 0 ? o.timeout : 60000;
    timer = hostTimeout(() => {
      timer = null;
      if (req) req.destroy();
      const i = queue.indexOf(start);
      if (i >= 0) { queue.splice(i, 1); calls.queued = queue.length; }
      fail('request:fail timeout');
    }, timeout);

    function start() {
      if (state !== 'queued' || closed) return;
      state = 'running';
      holdsSlot = true;
      calls.inFlight++;
      if (calls.inFlight > calls.maxInFlight) calls.maxInFlight = calls.inFlight;
      if (faults.requestFail) { const m = faults.requestFail; faults.requestFail = null; fail(m, 600000); return; }
      if (networkType === 'none') { fail('request:fail net::ERR_INTERNET_DISCONNECTED', 600000); return; }
      req = httpExchange(u, method, headers, body, (res) => {
        if (!headersCbs.length) return;
        const { header, cookies } = headerObject(res.rawHeaders);
        const ev = toCtx({ header, statusCode: res.statusCode, cookies });
        for (const cb of headersCbs.slice()) later(() => cb(ev));
      }, (err, res) => {
        if (err) { if (state !== 'done') fail(netErrMsg('request', err), 600000); return; }
        rec.status = res.statusCode;
        const { header, cookies } = headerObject(res.rawHeaders);
        let out;
        if (o.responseType === 'arraybuffer') {
          const ab = new CtxArrayBuffer(res.body.length);
          new CtxUint8Array(ab).set(res.body);
          out = ab;
        } else {
          const text = res.body.toString('utf8');
          out = text;
          if (o.dataType === undefined || o.dataType === 'json') {
            try { out = CtxJSON.parse(text); } catch (e) { out = text; }
          }
        }
        const result = toCtx({ statusCode: res.statusCode, header, cookies, errMsg: 'request:ok' });
        result.data = out;
        deliver(true, result);
      });
    }
    activeTasks.add(task);
    task.__kill = () => { state = 'done'; if (req) req.destroy(); };
    // What the mini program asked for, before the queue (WeChat's) hides it.
    if (calls.inFlight + queue.length >= MAX_IN_FLIGHT) { rec.overLimit = true; calls.overLimit++; }
    if (calls.inFlight + queue.length + 1 > calls.maxAsked) calls.maxAsked = calls.inFlight + queue.length + 1;
    queue.push(start);
    calls.queued = queue.length;
    pump();
    return task;
  }

  // ---------------------------------------------------------------- storage
  function checkKey(api, key) {
    if (typeof key !== 'string') throw ctxError(`${api}:fail parameter error: parameter.key should be String instead of ${typeName(key)};`);
  }
  function jsonSize(key, value) {
    const text = JSON.stringify(value);
    return Buffer.byteLength(key) + (text === undefined ? 0 : Buffer.byteLength(text));
  }
  function storageSize() {
    let n = 0;
    for (const [k, v] of storage) n += jsonSize(k, v);
    return n;
  }
  function readStored(key) {
    if (!storage.has(key)) return '';
    return toCtx(storage.get(key));
  }
  function writeStored(api, key, data) {
    checkKey(api, key);
    const text = JSON.stringify(data);
    const copy = text === undefined ? undefined : JSON.parse(text);
    const size = jsonSize(key, copy);
    if (size > ONE_MB) throw ctxError(`${api}:fail exceed storage max size`);
    const old = storage.has(key) ? jsonSize(key, storage.get(key)) : 0;
    if (storageSize() - old + size > TEN_MB) throw ctxError(`${api}:fail exceed storage max size`);
    storage.set(key, copy);
  }

  // ---------------------------------------------------------------- listeners
  const listeners = { networkStatusChange: [], appShow: [], appHide: [] };
  function on(list) { return (cb) => { if (typeof cb === 'function') list.push(cb); }; }
  function off(list) {
    return (cb) => {
      if (cb === undefined) { list.length = 0; return; }
      const i = list.indexOf(cb); if (i >= 0) list.splice(i, 1);
    };
  }
  function emit(list, payload) { for (const cb of list.slice()) cb(toCtx(payload)); }

  // ---------------------------------------------------------------- wx object
  const wxImpl = {
    login: wxLogin,
    checkSession: wxCheckSession,
    request: wxRequest,
    getStorageSync(key) { checkKey('getStorageSync', key); return readStored(key); },
    setStorageSync(key, data) { writeStored('setStorageSync', key, data); },
    removeStorageSync(key) { checkKey('removeStorageSync', key); storage.delete(key); },
    clearStorageSync() { storage.clear(); },
    getStorageInfoSync() {
      return toCtx({ keys: Array.from(storage.keys()), currentSize: Math.ceil(storageSize() / 1024), limitSize: TEN_MB / 1024 });
    },
    getStorage(options) {
      return asyncApi('getStorage', options, (ok, fail, o) => {
        if (typeof o.key !== 'string' || !storage.has(o.key)) { fail({ errMsg: 'getStorage:fail data not found' }); return; }
        ok({ data: storage.get(o.key), errMsg: 'getStorage:ok' });
      });
    },
    setStorage(options) {
      return asyncApi('setStorage', options, (ok, fail, o) => {
        try { writeStored('setStorage', o.key, o.data); } catch (e) { fail({ errMsg: e.message }); return; }
        ok({ errMsg: 'setStorage:ok' });
      });
    },
    removeStorage(options) {
      return asyncApi('removeStorage', options, (ok, fail, o) => { storage.delete(o.key); ok({ errMsg: 'removeStorage:ok' }); });
    },
    getNetworkType(options) {
      return asyncApi('getNetworkType', options, (ok) => ok({ networkType, errMsg: 'getNetworkType:ok' }));
    },
    onNetworkStatusChange: on(listeners.networkStatusChange),
    offNetworkStatusChange: off(listeners.networkStatusChange),
    onAppShow: on(listeners.appShow),
    offAppShow: off(listeners.appShow),
    onAppHide: on(listeners.appHide),
    offAppHide: off(listeners.appHide),
    getSystemInfoSync() {
      return toCtx({ platform: 'devtools', system: 'iOS 10.0.1', SDKVersion: '3.4.0', version: '8.0.5', language: 'zh_CN', brand: 'devtools', model: 'iPhone 6/7/8' });
    },
    getAccountInfoSync() {
      return toCtx({ miniProgram: { appId: 'wx4f4bc4dec97d474b', envVersion: 'develop', version: '' } });
    },
  };
  const wx = ctxObject();
  for (const name of Object.keys(wxImpl)) {
    const f = wxImpl[name];
    // async APIs count themselves (asyncApi / wxRequest); wrap the rest
    const selfCounting = ['login', 'checkSession', 'request', 'getStorage', 'setStorage', 'removeStorage', 'getNetworkType'].includes(name);
    wx[name] = selfCounting ? f : function (...args) { count(name); return f.apply(undefined, args); };
  }

  // ---------------------------------------------------------------- WXWebAssembly
  const WXWebAssembly = ctxObject();
  WXWebAssembly.instantiate = function instantiate(p, imports) {
    count('WXWebAssembly.instantiate');
    const rec = { path: p, ok: false, error: undefined };
    calls.wasm.push(rec);
    return new CtxPromise((resolve, reject) => {
      const rejectWith = (msg) => { rec.error = msg; reject(ctxError(msg)); };
      if (typeof p !== 'string') return rejectWith(`WXWebAssembly.instantiate: path must be a string, got ${typeName(p)}`);
      if (!p.startsWith('/')) return rejectWith(`WXWebAssembly.instantiate: path must be absolute within the code package: ${p}`);
      if (!/\.wasm(\.br)?$/.test(p)) return rejectWith(`WXWebAssembly.instantiate: path must end in .wasm or .wasm.br: ${p}`);
      const file = path.join(root, p);
      if (!file.startsWith(root + path.sep)) return rejectWith(`WXWebAssembly.instantiate: path outside the code package: ${p}`);
      let bytes;
      try {
        bytes = fs.readFileSync(file);
        if (p.endsWith('.br')) bytes = zlib.brotliDecompressSync(bytes);
      } catch (e) {
        return rejectWith(`WXWebAssembly.instantiate: cannot read ${p}: ${e.code || e.message}`);
      }
      const copy = new CtxUint8Array(bytes.length);
      copy.set(bytes);
      CtxWebAssembly.instantiate(copy, imports).then((r) => {
        rec.ok = true;
        const out = ctxObject();
        out.instance = r.instance;
        out.module = r.module;
        if (!closed) resolve(out);
      }, (e) => rejectWith(`WXWebAssembly.instantiate: ${e && e.message}`));
      return undefined;
    });
  };
  WXWebAssembly.Memory = CtxWebAssembly.Memory;
  WXWebAssembly.Table = CtxWebAssembly.Table;
  WXWebAssembly.Global = CtxWebAssembly.Global;
  WXWebAssembly.RuntimeError = CtxWebAssembly.RuntimeError;

  // ---------------------------------------------------------------- modules
  const moduleCache = new Map();
  function notDefined(request) {
    return ctxError(`module '${request}' is not defined, require args is '${request}'`);
  }
  function within(p) { return p === root || p.startsWith(root + path.sep); }
  function isFile(p) { try { return fs.statSync(p).isFile(); } catch (e) { return false; } }
  function isDir(p) { try { return fs.statSync(p).isDirectory(); } catch (e) { return false; } }
  function resolveFile(p) {
    for (const c of [p, p + '.js', p + '.json']) if (isFile(c)) return c;
    if (isDir(p)) {
      const pj = path.join(p, 'package.json');
      if (isFile(pj)) {
        try {
          const main = JSON.parse(fs.readFileSync(pj, 'utf8')).main;
          if (typeof main === 'string' && main) {
            const r = resolveFile(path.join(p, main));
            if (r) return r;
          }
        } catch (e) { /* bad package.json: fall through to index.js */ }
      }
      const idx = path.join(p, 'index.js');
      if (isFile(idx)) return idx;
    }
    return null;
  }
  function overrideKey(file) {
    const rel = path.relative(root, file).split(path.sep).join('/');
    for (const k of [rel, rel.replace(/\.js$/, ''), '/' + rel, '/' + rel.replace(/\.js$/, ''), './' + rel]) {
      if (Object.prototype.hasOwnProperty.call(overrides, k)) return k;
    }
    return null;
  }
  function resolve(request, fromDir) {
    if (typeof request !== 'string' || request === '') throw notDefined(String(request));
    let file = null;
    if (request.startsWith('./') || request.startsWith('../') || request === '.' || request === '..') {
      file = resolveFile(path.resolve(fromDir, request));
    } else if (request.startsWith('/')) {
      file = resolveFile(path.join(root, request));
    } else {
      // bare name: miniprogram_npm/<name>[/<sub>] searched from the requiring folder up to root
      let dir = fromDir;
      for (;;) {
        const cand = path.join(dir, 'miniprogram_npm', request);
        file = resolveFile(cand);
        if (file) break;
        if (dir === root || !within(dir)) break;
        dir = path.dirname(dir);
      }
    }
    if (!file || !within(file)) throw notDefined(request);
    return file;
  }
  function makeRequire(fromDir) {
    const req = function require(request) {
      if (typeof request === 'string' && !request.startsWith('.') && !request.startsWith('/') &&
          Object.prototype.hasOwnProperty.call(overrides, request)) {
        return overrides[request];
      }
      const file = resolve(request, fromDir);
      const ok = overrideKey(file);
      if (ok !== null) return overrides[ok];
      return loadModule(file);
    };
    return req;
  }
  function loadModule(file) {
    if (moduleCache.has(file)) return moduleCache.get(file).exports;
    const mod = ctxObject();
    mod.exports = ctxObject();
    mod.id = file;
    mod.filename = file;
    moduleCache.set(file, mod);
    try {
      const src = fs.readFileSync(file, 'utf8');
      if (file.endsWith('.json')) {
        mod.exports = CtxJSON.parse(src);
      } else {
        const fn = vm.compileFunction(src, ['exports', 'require', 'module', '__filename', '__dirname'], {
          parsingContext: ctx,
          filename: file,
        });
        const rel = '/' + path.relative(root, file).split(path.sep).join('/');
        fn.call(mod.exports, mod.exports, makeRequire(path.dirname(file)), mod, rel, path.posix.dirname(rel));
      }
    } catch (e) {
      moduleCache.delete(file);
      throw e;
    }
    return mod.exports;
  }

  // ---------------------------------------------------------------- App / Page
  let appInstance;
  let appLaunched = false;
  let loadingRoute = null;
  const pageDefs = new Map(); // route → definition object
  const pageStack = [];
  const launchOptions = opts.launchOptions || { path: 'pages/index/index', query: {}, scene: 1001, referrerInfo: {} };

  function App(obj) {
    count('App');
    if (appInstance) throw ctxError('App() can only be called once');
    appInstance = obj && typeof obj === 'object' ? obj : ctxObject();
  }
  function getApp() { return appInstance; }
  function Page(obj) {
    count('Page');
    if (!loadingRoute) throw ctxError('Page() must be called while a page script is being loaded');
    pageDefs.set(loadingRoute, obj && typeof obj === 'object' ? obj : ctxObject());
  }
  function getCurrentPages() {
    const a = vm.runInContext('[]', ctx);
    for (const p of pageStack) a.push(p);
    return a;
  }

  function setPath(target, key, value) {
    const parts = [];
    key.replace(/[^.[\]]+|\[(\d+)\]/g, (m, idx) => { parts.push(idx !== undefined ? Number(idx) : m); return m; });
    if (parts.length === 0) return;
    let cur = target;
    for (let i = 0; i < parts.length - 1; i++) {
      const k = parts[i];
      if (cur[k] === null || typeof cur[k] !== 'object') cur[k] = typeof parts[i + 1] === 'number' ? vm.runInContext('[]', ctx) : ctxObject();
      cur = cur[k];
    }
    cur[parts[parts.length - 1]] = value;
  }

  function launch() {
    if (appLaunched) return appInstance;
    appLaunched = true;
    if (!appInstance) {
      const appFile = path.join(root, 'app.js');
      if (!isFile(appFile)) throw new Error(`createSandbox: ${appFile} not found`);
      loadModule(appFile);
    }
    if (!appInstance) throw new Error('createSandbox: app.js did not call App()');
    if (typeof appInstance.onLaunch === 'function') appInstance.onLaunch(toCtx(launchOptions));
    if (typeof appInstance.onShow === 'function') appInstance.onShow(toCtx(launchOptions));
    return appInstance;
  }

  function page(route, query) {
    if (!appLaunched) launch();
    const r = String(route).replace(/^\/+/, '').replace(/\.js$/, '');
    if (!pageDefs.has(r)) {
      const file = path.join(root, r + '.js');
      if (!within(file) || !isFile(file)) throw new Error(`createSandbox: page ${r} not found (${file})`);
      loadingRoute = r;
      try { loadModule(file); } finally { loadingRoute = null; }
      if (!pageDefs.has(r)) throw new Error(`createSandbox: ${file} did not call Page()`);
    }
    const def = pageDefs.get(r);
    const inst = ctxObject();
    for (const k of Object.keys(def)) {
      if (k === 'data') continue;
      const v = def[k];
      inst[k] = typeof v === 'function' ? v : (v !== null && typeof v === 'object' ? toCtx(v) : v);
    }
    for (const k of Object.keys(inst)) if (typeof inst[k] === 'function') inst[k] = inst[k].bind(inst);
    inst.data = def.data ? toCtx(def.data) : ctxObject();
    inst.route = r;
    inst.__route__ = r;
    const q = toCtx(query || {});
    inst.options = q;
    inst.setData = function setData(patch, cb) {
      if (patch && typeof patch === 'object') {
        for (const k of Object.keys(patch)) {
          const v = patch[k];
          if (/[.[]/.test(k)) setPath(inst.data, k, v);
          else inst.data[k] = v;
        }
      }
      if (typeof cb === 'function') later(() => cb());
    };
    pageStack.push(inst);
    if (typeof inst.onLoad === 'function') inst.onLoad(q);
    if (typeof inst.onShow === 'function') inst.onShow();
    if (typeof inst.onReady === 'function') inst.onReady();
    return inst;
  }

  function hide() {
    const top = pageStack[pageStack.length - 1];
    if (top && typeof top.onHide === 'function') top.onHide();
    if (appInstance && typeof appInstance.onHide === 'function') appInstance.onHide();
    emit(listeners.appHide, {});
  }
  function show() {
    const opt = Object.assign({}, launchOptions, { scene: 1001 });
    if (appInstance && typeof appInstance.onShow === 'function') appInstance.onShow(toCtx(opt));
    emit(listeners.appShow, opt);
    const top = pageStack[pageStack.length - 1];
    if (top && typeof top.onShow === 'function') top.onShow();
  }

  // ---------------------------------------------------------------- globals
  const globals = {
    wx, WXWebAssembly, App, Page, getApp, getCurrentPages,
    console: sbConsole,
    setTimeout: sbSetTimeout, clearTimeout: sbClearTimer,
    setInterval: sbSetInterval, clearInterval: sbClearTimer,
  };
  for (const k of Object.keys(globals)) {
    Object.defineProperty(ctx, k, { value: globals[k], writable: true, configurable: true, enumerable: false });
  }
  // Node's vm gives a fresh context no host objects beyond the ones above, but make sure.
  for (const name of ABSENT_GLOBALS) {
    vm.runInContext(`try { delete globalThis[${JSON.stringify(name)}]; } catch (e) {}`, ctx);
  }

  function close() {
    if (closed) return;
    closed = true;
    for (const t of activeTasks) t.__kill();
    activeTasks.clear();
    queue.length = 0;
    calls.queued = 0;
    for (const req of liveHttp) req.destroy();
    liveHttp.clear();
    for (const id of Array.from(timers.keys())) clearHostTimer(id);
  }

  const sandbox = {
    wx,
    globals: vm.runInContext('globalThis', ctx),
    context: ctx,
    launch,
    app: getApp,
    page,
    require: (request, from) => makeRequire(from ? path.dirname(path.resolve(root, from)) : root)(request),
    hide,
    show,
    calls,
    faults,
    storage,
    pages: pageStack,
    close,
  };
  Object.defineProperty(sandbox, 'network', {
    enumerable: true,
    get() { return networkType; },
    set(v) {
      networkType = String(v);
      emit(listeners.networkStatusChange, { isConnected: networkType !== 'none', networkType });
    },
  });
  return sandbox;
}

module.exports = { createSandbox, ABSENT_GLOBALS, MAX_IN_FLIGHT };
