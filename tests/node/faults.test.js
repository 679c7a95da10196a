'use strict';
// The fault matrix through the real bundle (pkg/dist), driven by the package's testing
// harness (pkg/testing) on a virtual clock: one case per kind of fault. Each asserts the
// LoginError code, the number of wx.login calls, and that every promise settled (none
// left hanging) within a bounded stretch of virtual time.
const test = require('node:test');
const assert = require('node:assert/strict');
const path = require('path');
const { createLoginManager } = require(path.join(__dirname, '../../pkg/dist/index.js'));
const { createClock, createServer, createFakeWx } = require(path.join(__dirname, '../../pkg/testing/index.js'));

const LOGIN_PATH = '/user/login';
const LOGIN_URL = 'https://api.example.com/user/login';
const KEY = 'weapp_login_session';
const START = Date.UTC(2026, 0, 1); // virtual time
/** As many calls as a test can make: "this API always fails" through fake.failNext. */
const ALWAYS = 1000;
/** Virtual ms after which a promise still pending counts as hung. */
const SETTLE_MS = 3000;
const ok = (data) => ({ statusCode: 200, data });
const NEVER = { hang: true };

/**
 * A scripted server: `login(req)` answers the login POST, `api(req)` the rest. By default
 * the login POST issues tok-<code> and the rest needs a valid token.
 */
function server(login, api) {
  const s = createServer();
  if (login) s.route('POST', LOGIN_PATH, login); else s.loginRoute(LOGIN_PATH);
  s.route('*', /.*/, api || s.authed(() => ok({ ok: true })));
  return s;
}

/** A fake wx on a virtual clock and a manager on it; `before(fake)` scripts faults first. */
async function world(srv, fakeOptions, managerOptions, before) {
  const clock = createClock({ start: START });
  const fake = createFakeWx(Object.assign({ clock, server: srv }, fakeOptions));
  if (before) before(fake);
  const auth = createLoginManager(Object.assign({ loginUrl: LOGIN_URL, wx: fake.api, clock }, managerOptions));
  await auth.ready; // the wasm loads on real time; from here on only the virtual clock moves
  return { clock, fake, auth };
}

/**
 * Watches promises from now on (so a rejection is never unhandled while a test waits):
 * `results[i]` becomes {status: 'resolved', value} or {status: 'rejected', code, error}.
 */
function watch(promises) {
  const results = promises.map(() => ({ status: 'hung' }));
  const all = Promise.all(promises.map((p, i) => p.then(
    (v) => { results[i] = { status: 'resolved', value: v }; },
    (e) => { results[i] = { status: 'rejected', code: e.code, error: e }; })));
  return { results, all };
}

/** Drives the clock until every watched promise settles or `ms` of virtual time pass; then reports each. */
async function settleAll(clock, promises, ms) {
  const w = Array.isArray(promises) ? watch(promises) : promises;
  await clock.runUntil(w.all, ms).catch(() => {}); // still pending: left 'hung'
  return w.results;
}

const CASES = [
  // Two wx.login: the early one (createLoginManager, no session) failed unseen, then the Core's.
  { name: 'wx.login fails', before: (f) => f.failNext('login', 'login:fail system error', ALWAYS), code: 'WX_LOGIN_FAILED', logins: 2 },
  // wx.login never answers (the early one included): the login times out (loginTimeoutMs).
  { name: 'wx.login never answers', before: (f) => { f.api.login = () => { f.calls.login++; }; }, code: 'LOGIN_TIMEOUT', logins: 1 },
  { name: 'login POST fails', login: () => ({ fail: 'request:fail timeout' }), code: 'REQUEST_FAILED', logins: 1 },
  { name: 'login POST 5xx', login: () => ({ statusCode: 502, data: { error: 'code2session_failed' } }), code: 'LOGIN_REJECTED', logins: 1 },
  { name: 'login POST non-JSON', login: () => ok('<html>oops</html>'), code: 'LOGIN_REJECTED', logins: 1 },
  { name: 'login POST without token', login: () => ok({ expiresIn: 7200 }), code: 'LOGIN_REJECTED', logins: 1 },
  { name: 'login POST never answers', login: () => NEVER, code: 'LOGIN_TIMEOUT', logins: 1 },
  // login() itself succeeds here: each login does; only the requests give up.
  { name: 'server answers 401 forever', login: () => ok({ token: 't' }), api: () => ({ statusCode: 401, data: {} }), code: 'RETRY_LIMIT', logins: 4, loginResolves: true },
  // The one wx.login is the early one, started before wx.getNetworkType answered.
  { name: 'offline', fake: { network: 'none' }, code: 'NETWORK_OFFLINE', logins: 1, posts: 0 },
];

for (const c of CASES) {
  test('fault: ' + c.name, async () => {
    const { clock, fake, auth } = await world(server(c.login, c.api), c.fake, { loginTimeoutMs: 100 }, c.before);
    await clock.advance(50); // the network type is known (answered after latencyMs, 10)
    assert.equal(fake.calls.getNetworkType, 1);
    const results = await settleAll(clock, [auth.request({ url: 'https://api.example.com/a' }),
      auth.request({ url: 'https://api.example.com/b' }), auth.login()], SETTLE_MS);
    assert.ok(results.every((r) => r.status !== 'hung'), 'every promise settled');
    for (const r of c.loginResolves ? results.slice(0, 2) : results) {
      assert.equal(r.status, 'rejected', c.name + ': ' + JSON.stringify(r));
      assert.equal(r.code, c.code);
    }
    if (c.loginResolves) assert.equal(results[2].status, 'resolved');
    if (c.code === 'RETRY_LIMIT') assert.equal(results[0].error.response.statusCode, 401);
    assert.equal(fake.calls.login, c.logins);
    if (c.posts === 0) assert.equal(fake.calls.requests.length, 0, 'nothing sent');
    if (!c.loginResolves) assert.deepEqual(fake.storage.keys(), [], 'nothing persisted');
  });
}

test('fault: storage throws — requests still succeed, in memory', async () => {
  const { clock, fake, auth } = await world(server(), {}, {}, (f) => {
    f.failNext('getStorageSync', 'getStorageSync:fail', ALWAYS);
    f.failNext('setStorageSync', 'setStorageSync:fail write DB data fail', ALWAYS);
  });
  const results = await settleAll(clock, [auth.request({ url: 'https://api.example.com/a' }), auth.login()], SETTLE_MS);
  assert.deepEqual(results.map((r) => r.status), ['resolved', 'resolved']);
  assert.equal(fake.calls.login, 1);
  assert.ok(fake.calls.setStorageSync >= 1 && fake.calls.setStorageSync < ALWAYS, 'setStorageSync was called, and threw every time');
  assert.deepEqual(fake.storage.keys(), []);
});

test('fault: checkSession fails — with awaitCheckSession the stale token is never sent; a new login, then success', async () => {
  const srv = server();
  srv.sessionKeyValid = false;
  const { clock, fake, auth } = await world(srv, {}, { awaitCheckSession: true }, (f) => f.storage.set(KEY, { token: 'stale', expiresAt: null }));
  const [r] = await settleAll(clock, [auth.request({ url: 'https://api.example.com/a' })], SETTLE_MS);
  assert.equal(r.status, 'resolved');
  assert.equal(fake.calls.checkSession, 1);
  assert.equal(fake.calls.login, 1);
  assert.notEqual(fake.storage.get(KEY).token, 'stale');
  assert.ok(fake.calls.requests.every((x) => x.header.Authorization !== 'Bearer stale'), 'the stale token is never sent');
});

test('fault: checkSession fails — by default the stored token is used at once, checked in parallel, and dropped on the failure', async () => {
  // The developer server still accepts the stored token (its own 3rd_session is valid);
  // only WeChat's session_key has expired.
  const srv = server(null, (req) => ok({ auth: req.header.Authorization }));
  srv.sessionKeyValid = false;
  const { clock, fake, auth } = await world(srv, {}, {}, (f) => f.storage.set(KEY, { token: 'stale', expiresAt: null }));
  const [first] = await settleAll(clock, [auth.request({ url: 'https://api.example.com/a' })], SETTLE_MS);
  assert.equal(first.status, 'resolved');
  assert.equal(fake.calls.requests[0].header.Authorization, 'Bearer stale', 'sent without waiting for wx.checkSession');
  assert.equal(fake.calls.checkSession, 1);
  assert.equal(fake.calls.login, 0);
  await clock.advance(50); // wx.checkSession's failure arrives
  // The failed check dropped the session: the next request logs in first.
  const [second] = await settleAll(clock, [auth.request({ url: 'https://api.example.com/b' })], SETTLE_MS);
  assert.equal(second.status, 'resolved');
  assert.equal(fake.calls.login, 1);
  assert.notEqual(fake.storage.get(KEY).token, 'stale');
  const last = fake.calls.requests[fake.calls.requests.length - 1];
  assert.notEqual(last.header.Authorization, 'Bearer stale');
});

test('fault: logout mid-login — LOGGED_OUT, and the late answer restores nothing', async () => {
  const { clock, fake, auth } = await world(server(), { latencyMs: 300 }, { networkWaitMs: 0 });
  const pending = watch([auth.request({ url: 'https://api.example.com/a' }), auth.login()]);
  await clock.advance(5); // wx.login is under way (networkWaitMs 0: no wait for getNetworkType)
  assert.equal(fake.calls.login, 1);
  await clock.runUntil(auth.logout());
  const results = await settleAll(clock, pending, SETTLE_MS);
  assert.deepEqual(results.map((r) => r.code), ['LOGGED_OUT', 'LOGGED_OUT']);
  await clock.advance(600); // the late wx.login answer arrives
  assert.equal(fake.calls.login, 1);
  assert.equal(fake.calls.requests.length, 0, 'no login POST after logout');
  assert.deepEqual(fake.storage.keys(), []);
});

test('fault: wx.checkSession never answers — it counts as failed after checkSessionTimeoutMs, and login() logs in', async () => {
  const { clock, fake, auth } = await world(server(), {}, { awaitCheckSession: true, checkSessionTimeoutMs: 2000 },
    (f) => {
      f.storage.set(KEY, { token: 'stored', expiresAt: null });
      f.api.checkSession = () => { f.calls.checkSession += 1; }; // a platform that never calls back
    });
  const done = watch([auth.login()]);
  await clock.advance(1990);
  assert.equal(fake.calls.checkSession, 1);
  assert.equal(fake.calls.login, 0, 'still waiting for wx.checkSession at 1990 ms');
  assert.equal(done.results[0].status, 'hung');
  await clock.advance(20); // checkSessionTimeoutMs (2000 ms) has passed: the check failed
  assert.equal(fake.calls.login, 1, 'the unanswered check counts as failed: a new login');
  const [r] = await settleAll(clock, done, SETTLE_MS);
  assert.equal(r.status, 'resolved');
  assert.notEqual(fake.storage.get(KEY).token, 'stored');
});
