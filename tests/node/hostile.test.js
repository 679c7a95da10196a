'use strict';
// A hostile host, as issue 8 asks: the real bundle (pkg/dist) driven by a platform whose
// callbacks throw, are called twice, call both success and fail, answer synchronously,
// never answer, or hand back exotic values (undefined, null, BigInt, Symbol, thenables,
// objects whose getters throw), and a clock whose now() misbehaves. Property: every
// promise settles, nothing is thrown into the host, and the same manager then serves a
// normal request. fast-check, HOSTILE_RUNS cases (default 2000; `HOSTILE_RUNS=50000 node
// --test tests/node/hostile.test.js` for a longer run).
const test = require('node:test');
const assert = require('node:assert/strict');
const path = require('path');
const fc = require('fast-check');
const { createLoginManager, LoginError } = require(path.join(__dirname, '../../pkg/dist/index.js'));
const { createClock } = require(path.join(__dirname, '../../pkg/testing/index.js'));

const RUNS = Number(process.env.HOSTILE_RUNS || 2000);
const LOGIN_URL = 'https://api.example.com/user/login';
const BASE = 'https://api.example.com';

/** Values a platform should never hand over, but might. */
function exotic(kind) {
  switch (kind) {
    case 'undefined': return undefined;
    case 'null': return null;
    case 'bigint': return BigInt(7);
    case 'symbol': return Symbol('x');
    case 'thenable': return { then: (ok) => ok({ statusCode: 200, data: { token: 'adopted' } }), statusCode: 200, data: {} };
    case 'then-throws': return Object.defineProperty({ statusCode: 200 }, 'then', { get() { throw new Error('then getter'); } });
    case 'getters-throw': return new Proxy({}, { get() { throw new Error('getter'); }, ownKeys() { throw new Error('keys'); } });
    case 'error-bad-message': { const e = new Error('x'); Object.defineProperty(e, 'message', { get() { throw new Error('message getter'); } }); return e; }
    case 'error-number-message': { const e = new Error('x'); Object.defineProperty(e, 'message', { value: 42 }); return e; }
    default: return 'a string';
  }
}
const EXOTIC = ['undefined', 'null', 'bigint', 'symbol', 'thenable', 'then-throws', 'getters-throw', 'error-bad-message', 'error-number-message', 'string'];
const BEHAVIOURS = ['ok', 'ok-sync', 'fail', 'fail-sync', 'throw', 'throw-exotic', 'twice', 'both', 'never', 'exotic-success', 'exotic-fail'];

/**
 * A platform object whose every async API call takes the next behaviour of `script`
 * (cycling); `normal()` turns it into a well-behaved wx. Every throw out of a callback
 * the manager gave it is recorded in `escaped`.
 */
function hostileWx(clock, script, exotics) {
  let i = 0;
  let hostile = true;
  const escaped = [];
  const storage = new Map();
  const valid = new Set();
  let codes = 0;
  const call = (fn, arg) => {
    if (typeof fn !== 'function') return;
    try {
      fn(arg);
    } catch (e) {
      escaped.push(e);
    }
  };
  function api(name, okResult) {
    return function (o) {
      const b = hostile ? script[i++ % script.length] : 'ok';
      const x = exotic(exotics[i % exotics.length]);
      const ok = () => call(o.success, okResult(o));
      const fail = () => call(o.fail, { errMsg: name + ':fail hostile' });
      switch (b) {
        case 'ok': clock.setTimeout(ok, 3); break;
        case 'ok-sync': ok(); break;
        case 'fail': clock.setTimeout(fail, 3); break;
        case 'fail-sync': fail(); break;
        case 'throw': throw new Error(name + ' threw');
        case 'throw-exotic': throw x;
        case 'twice': clock.setTimeout(() => { ok(); ok(); }, 3); break;
        case 'both': clock.setTimeout(() => { ok(); fail(); }, 3); break;
        case 'never': break;
        case 'exotic-success': clock.setTimeout(() => call(o.success, x), 3); break;
        default: clock.setTimeout(() => call(o.fail, x), 3); break;
      }
      return { abort() {} };
    };
  }
  const wx = {
    login: api('login', () => ({ code: 'code-' + (++codes), errMsg: 'login:ok' })),
    checkSession: api('checkSession', () => ({ errMsg: 'checkSession:ok' })),
    getNetworkType: api('getNetworkType', () => ({ networkType: 'wifi', errMsg: 'getNetworkType:ok' })),
    request: api('request', (o) => {
      if (o.url === LOGIN_URL) {
        const t = 'tok-' + (o.data && o.data.code);
        valid.add(t);
        return { statusCode: 200, data: { token: t, expiresIn: 7200 }, header: {}, errMsg: 'request:ok' };
      }
      const auth = o.header && o.header.Authorization;
      const good = typeof auth === 'string' && valid.has(auth.slice(7));
      return { statusCode: good ? 200 : 401, data: { ok: good }, header: {}, errMsg: 'request:ok' };
    }),
    onNetworkStatusChange(fn) {
      // A broken platform may call the listener with nothing at all.
      clock.setTimeout(() => call(fn, undefined), 1);
      clock.setTimeout(() => call(fn, null), 2);
    },
    onAppHide(fn) { clock.setTimeout(() => call(fn, undefined), 4); },
    onAppShow(fn) { clock.setTimeout(() => call(fn, null), 5); },
    getStorageSync: (k) => (storage.has(k) ? storage.get(k) : ''),
    setStorageSync: (k, v) => { storage.set(k, v); },
    removeStorageSync: (k) => { storage.delete(k); },
  };
  return { wx, escaped, normal() { hostile = false; } };
}

/** A clock whose now() answers exotic values while hostile (a throwing one included). */
function hostileClock(vclock, badNow) {
  let hostile = true;
  let n = 0;
  return {
    clock: {
      now() {
        if (hostile && badNow.length > 0 && (n++ % 3) === 0) {
          const k = badNow[n % badNow.length];
          if (k === 'throw') throw new Error('clock');
          if (k === 'valueOf-throws') return { valueOf() { throw new Error('valueOf'); } };
          if (k === 'nan') return NaN;
          return exotic(k);
        }
        return vclock.now();
      },
      setTimeout: (f, ms) => vclock.setTimeout(f, ms),
      clearTimeout: (h) => vclock.clearTimeout(h),
    },
    normal() { hostile = false; },
  };
}

test('a hostile host: every promise settles, nothing is thrown into it, and the manager then serves a request', async () => {
  const unhandled = [];
  const onUnhandled = (e) => unhandled.push(e);
  process.on('unhandledRejection', onUnhandled);
  try {
    await fc.assert(fc.asyncProperty(
      fc.array(fc.constantFrom(...BEHAVIOURS), { minLength: 1, maxLength: 12 }),
      fc.array(fc.constantFrom(...EXOTIC), { minLength: 1, maxLength: 4 }),
      fc.array(fc.constantFrom('bigint', 'symbol', 'valueOf-throws', 'throw', 'nan', 'null'), { maxLength: 3 }),
      fc.array(fc.constantFrom('request', 'request-noauth', 'login', 'logout', 'abort', 'upload'), { minLength: 1, maxLength: 8 }),
      async (script, exotics, badNow, actions) => {
        const vclock = createClock({ start: 1e12 });
        const c = hostileClock(vclock, badNow);
        const h = hostileWx(vclock, script, exotics);
        h.wx.uploadFile = h.wx.request;
        const auth = createLoginManager({ loginUrl: LOGIN_URL, baseUrl: BASE, wx: h.wx, clock: c.clock, onEvent: () => { throw new Error('listener'); } });
        await auth.ready;
        const settled = [];
        const track = (p) => {
          const s = { done: false };
          settled.push(s);
          p.then(() => { s.done = true; }, (e) => {
            s.done = true;
            if (!(e instanceof LoginError)) s.bad = e;
          });
          return p;
        };
        let last = null;
        for (const a of actions) {
          if (a === 'request') last = track(auth.request({ url: '/api/x' }));
          else if (a === 'request-noauth') track(auth.request({ url: '/api/public', auth: false }));
          else if (a === 'login') track(auth.login());
          else if (a === 'logout') track(auth.logout());
          else if (a === 'upload') track(auth.uploadFile({ url: '/api/up', filePath: 'f', name: 'file' }));
          else if (last !== null) last.abort();
        }
        // Past every deadline: login timeout, request timeout + margin, checkSession,
        // network wait, backoff.
        await vclock.advance(200000);
        for (const s of settled) {
          assert.ok(s.done, 'a promise never settled (script ' + script.join(',') + ')');
          assert.equal(s.bad, undefined, 'rejected with a non-LoginError: ' + String(s.bad));
        }
        assert.deepEqual(h.escaped.map(String), [], 'thrown into the host');
        // The platform behaves again: the same manager serves a normal request.
        h.normal();
        c.normal();
        await vclock.advance(70000); // any login backoff runs out
        const r = await vclock.runUntil(auth.request({ url: '/api/after' }));
        assert.equal(r.statusCode, 200);
        assert.deepEqual(h.escaped.map(String), [], 'thrown into the host');
      },
    ), { numRuns: RUNS });
  } finally {
    process.removeListener('unhandledRejection', onUnhandled);
  }
  assert.deepEqual(unhandled.map(String), [], 'unhandled rejections');
});
