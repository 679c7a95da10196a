'use strict';
// The lease's edges (js-shim/lease.js) that `make mutants PART=js-shim/lease.js` found
// unguarded by tests/node/lease.test.js: each test pins one behaviour of the shim's side
// of the lease through the shipped bundle, on a virtual clock. Like lease.test.js, it
// counts calls into the wasm (through the WXWebAssembly stand-in the bundle loads by):
// a warm request that needs no decision must not reach the Core.
const test = require('node:test');
const assert = require('node:assert/strict');
const fs = require('fs');
const path = require('path');
const zlib = require('zlib');

const DIST = path.join(__dirname, '../../pkg/dist');
const calls = {};
const intoCore = () => Object.keys(calls).filter((k) => /^core_(put|text|loginanswered)$/i.test(k))
  .reduce((n, k) => n + calls[k], 0);
globalThis.WXWebAssembly = {
  instantiate(p, imports) {
    const bytes = zlib.brotliDecompressSync(fs.readFileSync(path.join(DIST, 'weapp_login_bg.wasm.br')));
    return WebAssembly.instantiate(bytes, imports).then((r) => {
      const counted = {};
      for (const [k, v] of Object.entries(r.instance.exports)) {
        counted[k] = typeof v !== 'function' ? v : function (...args) {
          calls[k] = (calls[k] || 0) + 1;
          return v.apply(this, args);
        };
      }
      return { instance: { exports: counted }, module: r.module };
    });
  },
};
const { createLoginManager } = require(path.join(DIST, 'index.js'));
const { createClock, createServer, createFakeWx } = require(path.join(__dirname, '../../pkg/testing/index.js'));

const START = Date.UTC(2026, 0, 1);
const BASE = 'https://api.example.com';

/**
 * A logged-in manager whose lease is granted; `api(req)` answers /api/ (default: authed
 * echo); `first(server)` adds routes before those.
 */
async function loggedIn(options, api, wrap, first) {
  const clock = createClock({ start: START });
  const server = createServer();
  if (first) first(server);
  server.loginRoute('/user/login', { expiresIn: options && options.expiresIn !== undefined ? options.expiresIn : 7200 });
  server.route('*', /^\/api\//, api || server.authed((req) => ({ data: { path: req.path, auth: req.header.Authorization } })));
  server.route('*', /.*/, (req) => ({ data: { path: req.path, auth: req.header.Authorization } }));
  const fake = createFakeWx({ clock, server });
  const wx = wrap ? wrap(fake.api) : fake.api;
  const o = Object.assign({ loginUrl: BASE + '/user/login', baseUrl: BASE, wx, clock }, options);
  delete o.expiresIn;
  const auth = createLoginManager(o);
  await auth.ready;
  await clock.runUntil(auth.login());
  await clock.runUntil(auth.request({ url: '/api/first' })); // the Core's own send: its slot joins the lease
  return { clock, fake, server, auth };
}

/** Each promise's outcome: {ok: result} or {code, error}. */
function outcomes(ps) {
  return Promise.all(ps.map((p) => p.then((x) => ({ ok: x }), (e) => ({ code: e.code, error: e }))));
}

/** A wx whose request drops the callbacks of URLs matching `lost` (a platform that loses them). */
const losing = (lost) => (api) => Object.assign({}, api, {
  request(o) {
    if (lost.test(o.url)) return { abort() {} };
    return api.request(o);
  },
});
/** When (virtual ms after `t0`) each promise settled, and how. */
function settledAt(clock, t0, ps) {
  return Promise.all(ps.map((p) => p.then((r) => ['ok', clock.now() - t0], (e) => [e.code, clock.now() - t0])));
}

test('leased sends whose callbacks never come each reject at their own timeout + 5 s, whatever the order they went out in', async () => {
  const { clock, auth } = await loggedIn({}, null, losing(/\/api\/lost/));
  const t0 = clock.now();
  // Deadlines 6 s, 13 s, 8 s, 65 s, 7 s after t0: the one timer must follow the earliest.
  const ps = [1000, 8000, 3000, 60000, 2000].map((timeout, i) => auth.request({ url: '/api/lost?i=' + i, timeout }));
  const at = await clock.runUntil(settledAt(clock, t0, ps), 70000);
  assert.deepEqual(at, [['REQUEST_FAILED', 6000], ['REQUEST_FAILED', 13000], ['REQUEST_FAILED', 8000],
    ['REQUEST_FAILED', 65000], ['REQUEST_FAILED', 7000]]);
});

test('a leased send whose deadline is later than the armed one does not delay the earlier', async () => {
  const { clock, auth } = await loggedIn({}, null, losing(/\/api\/lost/));
  const t0 = clock.now();
  const early = auth.request({ url: '/api/lost?early', timeout: 1000 });
  await clock.advance(100);
  const late = auth.request({ url: '/api/lost?late', timeout: 30000 });
  const at = await clock.runUntil(settledAt(clock, t0, [early, late]), 40000);
  assert.deepEqual(at, [['REQUEST_FAILED', 6000], ['REQUEST_FAILED', 35100]]);
});

test('at the token\'s renewal time to the millisecond the lease is over: the next request renews first', async () => {
  for (const offset of [-1, 0]) {
    const { clock, fake, auth } = await loggedIn({ expiresIn: 600, renewMarginMs: 60000 });
    const session = fake.storage.get('weapp_login_session');
    const renewAt = session.expiresAt - 60000; // the lease's `until`
    await clock.advance(renewAt + offset - clock.now());
    const r = await clock.runUntil(auth.request({ url: '/api/x' }));
    if (offset < 0) {
      assert.equal(r.data.auth, 'Bearer ' + session.token, 'one ms before: sent under the lease');
      assert.equal(fake.calls.login, 1);
    } else {
      assert.equal(fake.calls.login, 2, 'at the renewal time: renewed first');
      assert.notEqual(r.data.auth, 'Bearer ' + session.token);
    }
  }
});

test('a slot freed at the renewal time sends no waiting request with the old token: they go to the Core, which renews', async () => {
  let renewAt = 0;
  const slow = (req) => ({ data: { auth: req.header.Authorization }, delayMs: Math.max(renewAt - req.time, 0) });
  const { clock, fake, auth } = await loggedIn({ expiresIn: 600, renewMarginMs: 60000 }, null, null,
    (server) => server.route('*', /^\/slow\//, slow));
  const session = fake.storage.get('weapp_login_session');
  renewAt = session.expiresAt - 60000;
  await clock.advance(renewAt - 1000 - clock.now());
  const ps = [];
  for (let i = 0; i < 10; i++) ps.push(auth.request({ url: '/slow/' + i })); // answered at renewAt
  const waiting = auth.request({ url: '/api/waiting' }); // no leased slot free: it waits
  const rs = await clock.runUntil(outcomes(ps.concat([waiting])));
  assert.ok(rs.slice(0, 10).every((r) => r.ok && r.ok.data.auth === 'Bearer ' + session.token));
  assert.equal(fake.calls.login, 2, 'renewed before the waiting request went out');
  assert.notEqual(rs[10].ok.data.auth, 'Bearer ' + session.token, 'the waiting request carries the new token');
});

test('slots of leased sends answered after their lease ended go back to the Core: all ten serve the next requests', async () => {
  const { clock, fake, auth } = await loggedIn({ expiresIn: 600, renewMarginMs: 60000 }, null, null,
    (server) => server.route('*', /^\/slow\//, () => ({ data: { ok: true }, delayMs: 2000 })));
  const renewAt = fake.storage.get('weapp_login_session').expiresAt - 60000;
  await clock.advance(renewAt - 1000 - clock.now());
  const ps = [];
  for (let i = 0; i < 10; i++) ps.push(auth.request({ url: '/slow/a' + i })); // answered 1 s after the lease's end
  await clock.advance(1000);
  ps.push(auth.request({ url: '/api/renew' })); // the lease is over: the Core renews
  await clock.runUntil(outcomes(ps));
  assert.equal(fake.calls.login, 2);
  const more = [];
  for (let i = 0; i < 10; i++) more.push(auth.request({ url: '/slow/b' + i }));
  await clock.advance(20);
  assert.equal(fake.calls.inFlightByApi.request, 10, 'ten on the wire at once: no slot was lost');
  await clock.runUntil(outcomes(more));
  assert.equal(fake.calls.overLimitByApi.request, 0);
});
