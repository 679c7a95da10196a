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
/** Set to make the next call into the wasm's `put` trap, as a Core bug would. */
let trapNext = false;
const intoCore = () => Object.keys(calls).filter((k) => /^(put|text|loginAnswered)$/.test(k))
  .reduce((n, k) => n + calls[k], 0);
globalThis.WXWebAssembly = {
  instantiate(p, imports) {
    const bytes = zlib.brotliDecompressSync(fs.readFileSync(path.join(DIST, 'weapp_login_bg.wasm.br')));
    return WebAssembly.instantiate(bytes, imports).then((r) => {
      const counted = {};
      for (const [k, v] of Object.entries(r.instance.exports)) {
        counted[k] = typeof v !== 'function' ? v : function (...args) {
          calls[k] = (calls[k] || 0) + 1;
          if (trapNext && k === 'put') {
            trapNext = false;
            throw new WebAssembly.RuntimeError('unreachable');
          }
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
  for (let i = 0; i < 12; i++) more.push(auth.request({ url: '/slow/b' + i }));
  await clock.advance(20);
  assert.equal(fake.calls.inFlightByApi.request, 10, 'ten on the wire at once: no slot was lost');
  await clock.runUntil(outcomes(more));
  assert.equal(fake.calls.overLimitByApi.request, 0, 'and none gained: never an 11th asked for');
});

test('after the last deadline the timer is free again: a later lost send still times out at its own deadline', async () => {
  const { clock, auth } = await loggedIn({}, null, losing(/\/api\/lost/));
  const first = auth.request({ url: '/api/lost?1', timeout: 1000 });
  await clock.runUntil(first.catch((e) => e));
  await clock.advance(30000);
  const t0 = clock.now();
  const at = await clock.runUntil(settledAt(clock, t0, [auth.request({ url: '/api/lost?2', timeout: 2000 })]), 20000);
  assert.deepEqual(at, [['REQUEST_FAILED', 7000]]);
});

test('a clock whose setTimeout throws once does not stop later leased deadlines', async () => {
  let throwOnce = false;
  const { clock, auth } = await loggedIn({}, null, losing(/\/api\/lost/));
  const wrapped = Object.assign({}, clock);
  // The manager holds this clock object: patch it in place.
  const setTimeout0 = clock.setTimeout;
  clock.setTimeout = function (fn, ms) {
    if (throwOnce) {
      throwOnce = false;
      throw new Error('setTimeout refused');
    }
    return setTimeout0.apply(this, arguments);
  };
  const t0 = clock.now();
  throwOnce = true;
  const a = auth.request({ url: '/api/lost?a', timeout: 1000 }); // its timer could not be set
  const b = auth.request({ url: '/api/lost?b', timeout: 2000 }); // this one's is: it wakes for both
  const at = await clock.runUntil(settledAt(clock, t0, [a, b]), 20000);
  assert.deepEqual(at, [['REQUEST_FAILED', 7000], ['REQUEST_FAILED', 7000]]);
  assert.ok(wrapped);
});

test('with a token that never expires the lease never ends on its own: warm requests never reach the Core', async () => {
  const { clock, fake, auth } = await loggedIn({ expiresIn: null });
  await clock.advance(24 * 3600 * 1000);
  const before = intoCore();
  const rs = await clock.runUntil(outcomes([1, 2, 3, 4, 5].map((i) => auth.request({ url: '/api/n?i=' + i }))));
  assert.ok(rs.every((r) => r.ok && r.ok.statusCode === 200));
  assert.equal(intoCore() - before, 0);
  assert.equal(fake.calls.login, 1);
});

test('abort() after a leased request settled sends nothing again', async () => {
  const { clock, fake, auth } = await loggedIn();
  fake.latencyMs = 50;
  const ps = [];
  for (let i = 0; i < 12; i++) ps.push(auth.request({ url: '/api/s?i=' + i })); // two wait for a slot
  await clock.runUntil(outcomes(ps));
  const sent = fake.calls.requests.length;
  for (const p of ps) p.abort();
  await clock.advance(1000);
  assert.equal(fake.calls.requests.length, sent, 'no request sent again');
  assert.ok((await outcomes(ps)).every((r) => r.ok && r.ok.statusCode === 200));
});

test('a request aborted while it waited for a leased slot is never sent when the lease ends and hands the others over', async () => {
  const { clock, fake, auth } = await loggedIn({ expiresIn: 600, renewMarginMs: 60000 }, null, null,
    (server) => server.route('*', /^\/slow\//, () => ({ data: { ok: true }, delayMs: 2000 })));
  const renewAt = fake.storage.get('weapp_login_session').expiresAt - 60000;
  await clock.advance(renewAt - 1000 - clock.now());
  const ps = [];
  for (let i = 0; i < 10; i++) ps.push(auth.request({ url: '/slow/' + i })); // answered after the renewal time
  const aborted = auth.request({ url: '/api/aborted' });
  const kept = auth.request({ url: '/api/kept' });
  aborted.abort();
  const rs = await clock.runUntil(outcomes(ps.concat([aborted, kept])));
  assert.equal(rs[10].code, 'ABORTED');
  assert.equal(rs[11].ok.statusCode, 200);
  assert.ok(!fake.calls.requests.some((r) => r.path === '/api/aborted'), 'the aborted request never went out');
  assert.equal(fake.calls.login, 2);
});

test('the Core revokes the lease while requests wait for a leased slot (a check after a long background): they wait for it, then go', async () => {
  const { clock, fake, auth } = await loggedIn({ awaitCheckSession: true }, null, null,
    (server) => server.route('*', /^\/slow\//, () => ({ data: { ok: true }, delayMs: 500 })));
  fake.hide();
  await clock.advance(400000);
  const ps = [];
  for (let i = 0; i < 10; i++) ps.push(auth.request({ url: '/slow/' + i }));
  ps.push(auth.request({ url: '/api/x' }), auth.request({ url: '/api/y' })); // they wait for a leased slot
  const checks = fake.calls.checkSession;
  fake.show(); // the session needs a check: the Core revokes the lease while two wait
  const rs = await clock.runUntil(outcomes(ps));
  assert.ok(rs.every((r) => r.ok && r.ok.statusCode === 200), JSON.stringify(rs.map((r) => r.code)));
  assert.ok(fake.calls.checkSession > checks, 'wx.checkSession ran');
  assert.equal(fake.calls.overLimitByApi.request, 0);
});

test('a body code that marks an auth failure in a leased 200 renews and replays it', async () => {
  let expired = false;
  const api = (req) => (expired && req.header.Authorization === 'Bearer tok-code-1'
    ? { data: { code: 40101 } } : { data: { code: 0, auth: req.header.Authorization } });
  const { clock, fake, auth } = await loggedIn({ authFailCodeField: 'code', authFailCodes: [40101] }, api);
  expired = true;
  const r = await clock.runUntil(auth.request({ url: '/api/body' }));
  assert.equal(fake.calls.login, 2, 'renewed');
  assert.deepEqual(r.data, { code: 0, auth: 'Bearer tok-code-2' }, 'replayed with the new token');
});

test('the Core traps while the lease holds requests: every one of them rejects INTERNAL, none hangs', async () => {
  const { clock, fake, auth } = await loggedIn({}, null, null,
    (server) => server.route('*', /^\/slow\//, () => ({ data: { ok: true }, delayMs: 5000 })));
  const ps = [];
  for (let i = 0; i < 12; i++) ps.push(auth.request({ url: '/slow/' + i })); // ten on the wire, two waiting
  await clock.advance(10);
  trapNext = true;
  ps.push(auth.login()); // any call into the Core now traps
  const rs = await clock.runUntil(outcomes(ps), 20000);
  assert.deepEqual(rs.map((r) => r.code), new Array(13).fill('INTERNAL'));
  assert.equal(fake.calls.requests.filter((r) => r.path.startsWith('/slow/')).length, 10, 'the waiting two were never sent');
});

test('requests the lease hands to the Core at its end get the Core\'s deadlines: a renewal whose wx.login hangs ends in LOGIN_TIMEOUT', async () => {
  let hang = false;
  const wrap = (api) => Object.assign({}, api, { login: (o) => (hang ? undefined : api.login(o)) });
  const { clock, fake, auth } = await loggedIn({ expiresIn: 600, renewMarginMs: 60000, loginTimeoutMs: 3000 }, null, wrap,
    (server) => server.route('*', /^\/slow\//, () => ({ data: { ok: true }, delayMs: 2000 })));
  const renewAt = fake.storage.get('weapp_login_session').expiresAt - 60000;
  await clock.advance(renewAt - 1000 - clock.now());
  const ps = [];
  for (let i = 0; i < 10; i++) ps.push(auth.request({ url: '/slow/' + i })); // answered 1 s past the renewal time
  const waiting = auth.request({ url: '/api/waiting' }); // handed to the Core when a slot frees
  hang = true;
  const t0 = clock.now();
  const [r] = await clock.runUntil(settledAt(clock, t0, [waiting]), 20000);
  assert.deepEqual(r, ['LOGIN_TIMEOUT', 2000 + 3000], 'loginTimeoutMs after the slot freed');
  assert.ok((await outcomes(ps)).every((x) => x.ok));
});

test('at a deadline only the sends past it go to the Core: one still waiting for its answer stays leased (settled with no call into the Core)', async () => {
  const { clock, auth } = await loggedIn({}, null, losing(/\/api\/lost/), (server) =>
    server.route('*', /^\/slow\//, () => ({ data: { ok: true }, delayMs: 20000 })));
  const lost = auth.request({ url: '/api/lost?x', timeout: 1000 }); // deadline 6 s
  const slow = auth.request({ url: '/slow/y', timeout: 30000 }); // answered at 20 s, deadline 35 s
  assert.equal((await clock.runUntil(lost.catch((e) => e))).code, 'REQUEST_FAILED');
  const before = intoCore();
  assert.equal((await clock.runUntil(slow)).statusCode, 200);
  assert.equal(intoCore() - before, 0, 'the slow one settled under the lease');
});

test('the very first leased send of a lease, if its callbacks never come, times out like any other', async () => {
  const clock = createClock({ start: START });
  const server = createServer();
  server.loginRoute('/user/login');
  server.route('*', /.*/, server.authed(() => ({ data: { ok: true } })));
  const fake = createFakeWx({ clock, server });
  const auth = createLoginManager({ loginUrl: BASE + '/user/login', baseUrl: BASE, wx: losing(/\/api\/lost/)(fake.api), clock });
  await auth.ready;
  await clock.runUntil(auth.login()); // the lease is granted with the login state
  const t0 = clock.now();
  const at = await clock.runUntil(settledAt(clock, t0, [auth.request({ url: '/api/lost', timeout: 1000 })]), 20000);
  assert.deepEqual(at, [['REQUEST_FAILED', 6000]]);
});

test('a request aborted while it waited for a leased slot is never sent when slots free up, and its callbacks run once', async () => {
  const { clock, fake, auth } = await loggedIn({}, null, null,
    (server) => server.route('*', /^\/slow\//, () => ({ data: { ok: true }, delayMs: 100 })));
  const ps = [];
  for (let i = 0; i < 10; i++) ps.push(auth.request({ url: '/slow/' + i }));
  const fails = [];
  const a = auth.request({ url: '/slow/a', fail: (e) => fails.push(e.code) });
  const b = auth.request({ url: '/slow/b', fail: (e) => fails.push(e.code) });
  const c = auth.request({ url: '/slow/c' });
  a.abort();
  b.abort();
  const rs = await clock.runUntil(outcomes(ps.concat([a, b, c])));
  assert.deepEqual(rs.slice(10).map((r) => r.code || r.ok.statusCode), ['ABORTED', 'ABORTED', 200]);
  assert.deepEqual(fails, ['ABORTED', 'ABORTED'], 'fail ran once each');
  assert.ok(!fake.calls.requests.some((r) => r.path === '/slow/a' || r.path === '/slow/b'), 'never sent');
  // More answers than live waiters: the lease's queue is done, nothing else goes out.
  assert.equal(fake.calls.requests.filter((r) => r.path.startsWith('/slow/')).length, 11);
});

test('a tokenless leased request\'s 401 is its answer, settled with no call into the Core', async () => {
  const { clock, auth } = await loggedIn({}, null, null,
    (server) => server.route('*', '/open/401', () => ({ statusCode: 401, data: { error: 'nope' } })));
  const before = intoCore();
  const r = await clock.runUntil(auth.request({ url: '/open/401', auth: false }));
  assert.equal(r.statusCode, 401);
  assert.equal(intoCore() - before, 0);
});

test('the Core traps after an aborted request waited for a leased slot: the others reject INTERNAL, its callbacks run once', async () => {
  const { clock, auth } = await loggedIn({}, null, null, (server) => {
    server.route('*', /^\/slow\//, () => ({ data: { ok: true }, delayMs: 5000 }));
    server.route('*', /^\/fast\//, () => ({ data: { ok: true }, delayMs: 1 }));
  });
  await clock.runUntil(auth.request({ url: '/fast/x' }));
  const ps = [];
  for (let i = 0; i < 9; i++) ps.push(auth.request({ url: '/slow/' + i }));
  const calls = [];
  const extra = [auth.request({ url: '/slow/e1' }), auth.request({ url: '/slow/e2', fail: (e) => calls.push(e.code) })];
  extra[1].abort(); // the tenth slot takes e1; e2 waits, then is aborted
  ps.push(...extra);
  trapNext = true;
  ps.push(auth.login());
  const rs = await clock.runUntil(outcomes(ps), 20000);
  assert.deepEqual(rs.map((r) => r.code), new Array(10).fill('INTERNAL').concat(['ABORTED', 'INTERNAL']));
  assert.deepEqual(calls, ['ABORTED'], 'the aborted request\'s fail ran once');
});

test('answers of an ended lease that come while the next lease is held give their slots back to the Core, not to the new lease', async () => {
  const { clock, fake, auth } = await loggedIn({ expiresIn: 600, renewMarginMs: 60000 }, null, null,
    (server) => server.route('*', /^\/slow\//, () => ({ data: { ok: true }, delayMs: 2000 })));
  const renewAt = fake.storage.get('weapp_login_session').expiresAt - 60000;
  await clock.advance(renewAt - 1000 - clock.now());
  const old = [1, 2, 3].map((i) => auth.request({ url: '/slow/old' + i })); // answered 1 s past the renewal time
  await clock.advance(1000);
  await clock.runUntil(auth.request({ url: '/api/renew' })); // renewed: the next lease is held meanwhile
  await clock.runUntil(outcomes(old));
  // End that lease too (logout), log in again: the Core must still have all ten slots.
  await clock.runUntil(auth.logout());
  await clock.runUntil(auth.login());
  const more = [];
  for (let i = 0; i < 12; i++) more.push(auth.request({ url: '/slow/m' + i }));
  await clock.advance(20);
  assert.equal(fake.calls.inFlightByApi.request, 10, 'ten on the wire: no slot leaked');
  await clock.runUntil(outcomes(more));
  assert.equal(fake.calls.overLimitByApi.request, 0);
});

test('the Core traps while one of the lease\'s slots stands empty: the send on the wire rejects INTERNAL', async () => {
  const { clock, auth } = await loggedIn({}, null, null, (server) => {
    server.route('*', /^\/slow\//, () => ({ data: { ok: true }, delayMs: 5000 }));
    server.route('*', /^\/fast\//, () => ({ data: { ok: true }, delayMs: 1 }));
  });
  await clock.runUntil(Promise.all([auth.request({ url: '/fast/x' }), auth.request({ url: '/fast/y' })]));
  const slow = auth.request({ url: '/slow/z' }); // takes one of the two empty slots
  await clock.advance(1);
  trapNext = true;
  const rs = await clock.runUntil(outcomes([slow, auth.login()]), 20000);
  assert.deepEqual(rs.map((r) => r.code), ['INTERNAL', 'INTERNAL']);
});
