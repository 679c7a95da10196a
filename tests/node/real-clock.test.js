'use strict';
// The manager on its default clock (js-shim/options.js REAL_CLOCK: Date.now and the host's
// timers), through the shipped bundle: the paths every virtual-clock test skips. On the
// real clock a timer that no deadline needs any more is left armed but unref'd (it fires
// once, harmlessly) instead of being cleared and set again by the next request, and the
// lease's deadline timer is unref'd from the start: neither keeps a Node process alive.
// Its own process: it wraps the host's setTimeout to see the manager's timers.
const test = require('node:test');
const assert = require('node:assert/strict');
const path = require('path');
const { createServer, createFakeWx } = require(path.join(__dirname, '../../pkg/testing/index.js'));

const hostSetTimeout = globalThis.setTimeout;
const hostClearTimeout = globalThis.clearTimeout;
/** Every timer the manager sets through REAL_CLOCK: {ms, t} (a Node Timeout). */
const made = [];
globalThis.setTimeout = function setTimeout(fn, ms, ...args) {
  const t = hostSetTimeout(fn, ms, ...args);
  made.push({ ms, t });
  return t;
};
const { createLoginManager } = require(path.join(__dirname, '../../pkg/dist/index.js'));

const sleep = (ms) => new Promise((r) => hostSetTimeout(r, ms));
/** The fake wx answers on real time too (its own timers, not recorded above). */
const realTime = { now: () => Date.now(), setTimeout: (fn, ms) => hostSetTimeout(fn, ms), clearTimeout: (h) => hostClearTimeout(h) };

test('real clock: an idle timer is unref\'d, not churned; a new deadline refs it again; the lease\'s timer never holds the process', async () => {
  const server = createServer();
  server.loginRoute('/user/login', { expiresIn: null }); // no renewal deadline
  server.route('*', /^\/api\//, server.authed(() => ({ data: { ok: true } })));
  const fake = createFakeWx({ clock: realTime, server, latencyMs: 5 });
  const auth = createLoginManager({ loginUrl: 'https://api.example.com/user/login', baseUrl: 'https://api.example.com',
    wx: fake.api, loginTimeoutMs: 20000 });
  await auth.ready;
  for (let i = 0; i < 400 && fake.calls.getNetworkType === 0; i++) await sleep(5);
  await sleep(50); // wx.getNetworkType has answered: the launch's network wait is over
  // One timer so far: the network wait (networkWaitMs, 3 s). No deadline needs it now.
  assert.equal(made.length, 1, 'timers set: ' + JSON.stringify(made.map((m) => m.ms)));
  const timer = made[0].t;
  assert.ok(made[0].ms > 2000 && made[0].ms <= 3000, 'the network wait, ms: ' + made[0].ms);
  assert.equal(timer.hasRef(), false, 'idle: left armed and unref\'d');

  // login() has a deadline (loginTimeoutMs) later than the idle timer: the same timer is
  // ref'd again (it wakes the Core at its old time, which re-arms for what is next).
  const login = auth.login();
  assert.equal(made.length, 1, 'no new timer for the login');
  assert.equal(timer.hasRef(), true, 'the idle timer serves the login deadline');
  await login;
  assert.equal(timer.hasRef(), false, 'idle again once logged in');

  // Requests now go out under the lease: its deadline timer is unref'd at once.
  const before = made.length;
  const first = auth.request({ url: '/api/a' });
  const leased = made.slice(before);
  assert.equal(leased.length, 1, 'one timer for the leased send');
  assert.ok(leased[0].ms >= 60000, 'its deadline: wx.request\'s timeout + margin, ms: ' + leased[0].ms);
  assert.equal(leased[0].t.hasRef(), false, 'the lease\'s timer never keeps the process alive');
  assert.equal((await first).statusCode, 200);
  assert.equal((await auth.request({ url: '/api/b' })).statusCode, 200);
  assert.equal(made.length, before + 1, 'the second send reuses the lease\'s timer');
  assert.ok(made.every((m) => !m.t.hasRef()), 'nothing the manager armed holds the process now');
  await auth.logout();
});
