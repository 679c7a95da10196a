'use strict';
// The deadlines of the lease (js-shim/lease.js) that `make mutants PART=js-shim/lease.js`
// found unguarded by lease.test.js: its one timer follows the earliest leased send, each
// send that never hears back rejects at its own timeout + 5 s, and the lease ends at the
// token's renewal time to the millisecond. Through the shipped bundle on a virtual clock
// (tests/node/lease-world.js), counting calls into the wasm where that is the outcome.
const test = require('node:test');
const assert = require('node:assert/strict');
const { loggedIn, outcomes, intoCore, losing, settledAt, createLoginManager, createClock, createServer, createFakeWx, START, BASE } = require('./lease-world.js');

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

