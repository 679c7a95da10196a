'use strict';
// The public JS API of pkg/ (pkg/REFERENCE.md) in plain Node against the package's own testing
// harness (pkg/testing: a virtual clock, a scripted server and a fake wx).
const test = require('node:test');
const assert = require('node:assert/strict');
const path = require('path');
const { createLoginManager, LoginError } = require(path.join(__dirname, '../../pkg/dist/index.js'));
const { createClock, createServer, createStorage, createFakeWx } = require(path.join(__dirname, '../../pkg/testing/index.js'));

const LOGIN_PATH = '/user/login';
const LOGIN_URL = 'https://api.example.com/user/login';
const BASE = 'https://api.example.com';
const KEY = 'weapp_login_session';
const START = Date.UTC(2026, 0, 1); // virtual time
/** As many calls as a test can make: "this API always fails" through fake.failNext. */
const ALWAYS = 1000;

/** The developer server: POST /user/login issues tok-<code>; every other URL needs a valid token. */
function devServer() {
  const server = createServer();
  server.loginRoute(LOGIN_PATH);
  server.route('*', /.*/, server.authed(() => ({ data: { ok: true } })));
  return server;
}

/** A server whose login POST answers `loginAnswer` (200) and whose other URLs answer `api(req)`. */
function scriptedServer(loginAnswer, api) {
  const server = createServer();
  server.route('POST', LOGIN_PATH, () => ({ statusCode: 200, data: loginAnswer }));
  server.route('*', /.*/, api);
  return server;
}

/**
 * A fake wx on a virtual clock, and a manager on the same clock. `run(p)` waits for the
 * wasm (real time, no timing involved), then drives the virtual clock until `p` settles.
 */
function world(o) {
  o = o || {};
  const clock = o.clock || createClock({ start: START });
  const fake = createFakeWx(Object.assign({ clock, server: o.server || devServer() }, o.fake));
  if (o.before) o.before(fake); // scripts faults before the manager exists
  const auth = createLoginManager(Object.assign({ loginUrl: LOGIN_URL, baseUrl: BASE, wx: fake.api, clock }, o.options));
  const run = async (p) => {
    p.catch(() => {}); // its outcome is awaited below, after ready
    await auth.ready;
    return clock.runUntil(p);
  };
  const loginPosts = () => fake.calls.requests.filter((r) => r.url === LOGIN_URL);
  return { clock, fake, auth, run, loginPosts };
}

test('bad options throw INVALID_OPTIONS synchronously, naming the option', () => {
  const wx = createFakeWx({ clock: createClock(), server: devServer() }).api;
  const cases = [
    [{ wx }, /loginUrl is required/],
    [{ wx, loginUrl: '/user/login' }, /loginUrl must be/],
    [{ wx, loginUrl: LOGIN_URL, retryLimit: '3' }, /retryLimit must be/],
    [{ wx, loginUrl: LOGIN_URL, tokenHeader: 'bad header' }, /tokenHeader must be/],
    [{ wx, loginUrl: LOGIN_URL, loginBackoffMs: -1 }, /loginBackoffMs must be/],
    [{ wx, loginUrl: LOGIN_URL, renewMarginMs: 1.5 }, /renewMarginMs must be/],
    [{ wx, loginUrl: LOGIN_URL, loginUrll: LOGIN_URL }, /unknown option loginUrll/],
    [{ loginUrl: LOGIN_URL, wx: {} }, /wx must be/],
    // A platform object without checkSession (or storage) would only fail later, at launch.
    [{ loginUrl: LOGIN_URL, wx: Object.assign({}, wx, { checkSession: undefined }) }, /wx must be .*checkSession/],
    [{ loginUrl: LOGIN_URL, wx: Object.assign({}, wx, { setStorageSync: 'x' }) }, /wx must be .*setStorageSync/],
  ];
  for (const [options, message] of cases) {
    assert.throws(() => createLoginManager(options), (e) => e instanceof LoginError && e.code === 'INVALID_OPTIONS' && message.test(e.message));
  }
  assert.throws(() => createLoginManager({ loginUrl: LOGIN_URL }), /wx is required/);
});

test('five requests together cause one wx.login and one login POST', async () => {
  const { fake, auth, run, loginPosts } = world();
  const results = await run(Promise.all([1, 2, 3, 4, 5].map(() => auth.request({ url: '/api/profile' }))));
  assert.deepEqual(results.map((r) => r.statusCode), [200, 200, 200, 200, 200]);
  assert.equal(fake.calls.login, 1);
  assert.equal(loginPosts().length, 1);
  const sent = fake.calls.requests.filter((r) => r.url !== LOGIN_URL);
  assert.equal(sent.length, 5);
  assert.ok(sent.every((r) => r.header.Authorization === 'Bearer tok-code-1' && r.url === BASE + '/api/profile'));
  const stored = fake.storage.get(KEY);
  assert.equal(stored.token, 'tok-code-1');
  assert.equal(typeof stored.expiresAt, 'number');
  assert.deepEqual(Object.keys(stored).sort(), ['expiresAt', 'token']);
});

test('a persisted token is reused on the next launch without wx.login', async () => {
  const clock = createClock({ start: START });
  const server = devServer();
  const storage = createStorage(); // shared: the second launch finds what the first stored
  const first = world({ clock, server, fake: { storage } });
  await first.run(first.auth.request({ url: '/api/profile' }));
  const second = world({ clock, server, fake: { storage } });
  const both = await second.run(Promise.all([second.auth.request({ url: '/a' }), second.auth.request({ url: '/b' })]));
  const again = await second.run(second.auth.request({ url: '/c' }));
  assert.deepEqual(both.concat([again]).map((r) => r.statusCode), [200, 200, 200]);
  assert.equal(second.fake.calls.login, 0);
  assert.equal(second.fake.calls.checkSession, 1);
});

test('the token never goes to an untrusted origin, and auth:false never logs in', async () => {
  const { fake, auth, run, loginPosts } = world({ server: scriptedServer({ token: 'never-used' }, () => ({ data: {} })) });
  await run(auth.request({ url: 'https://cdn.other.com/x', header: { Authorization: 'mine' } }));
  await run(auth.request({ url: '/public', auth: false }));
  // The one wx.login is the early one of a launch with no session (earlyLogin): its code
  // is never posted, since nothing needed a login.
  assert.equal(fake.calls.login, 1);
  assert.equal(loginPosts().length, 0, 'no login');
  assert.equal(fake.calls.requests[0].header.Authorization, 'mine', 'the page\'s own header is left alone');
  assert.equal(fake.calls.requests[1].header.Authorization, undefined);
});

test('a 401 renews silently and replays; 401 forever ends in RETRY_LIMIT with the response', async () => {
  const w = world({ options: { retryLimit: 2 } });
  await w.run(w.auth.request({ url: '/p' }));
  w.fake.server.expireTokens();
  const r = await w.run(w.auth.request({ url: '/p' }));
  assert.equal(r.statusCode, 200);
  assert.equal(w.fake.calls.login, 2);

  // The login POST always gives a token; every other URL answers 401.
  const never = world({
    server: scriptedServer({ token: 't' }, () => ({ statusCode: 401, data: { error: 'unauthorized' } })),
    options: { retryLimit: 2 },
  });
  const e = await never.run(never.auth.request({ url: '/p' })).catch((x) => x);
  assert.equal(e.code, 'RETRY_LIMIT');
  assert.equal(e.response.statusCode, 401);
  assert.equal(never.fake.calls.login, 3);
});

test('a failed wx.login rejects every waiting request and login()', async () => {
  const { fake, auth, run } = world({ before: (f) => f.failNext('login', 'login:fail system error', ALWAYS) });
  const all = await run(Promise.allSettled([auth.request({ url: '/a' }), auth.request({ url: '/b' }), auth.login()]));
  assert.deepEqual(all.map((s) => s.status), ['rejected', 'rejected', 'rejected']);
  assert.ok(all.every((s) => s.reason.code === 'WX_LOGIN_FAILED' && s.reason.errMsg === 'login:fail system error'));
  // The early wx.login (at createLoginManager) failed unseen; the Core's own one failed.
  assert.equal(fake.calls.login, 2);
});

test('a login answer without a token is LOGIN_REJECTED with the response', async () => {
  const { fake, auth, run } = world({ server: scriptedServer({ session_key: 'never-here' }, () => ({ data: { ok: true } })) });
  const e = await run(auth.request({ url: '/a' })).catch((x) => x);
  assert.equal(e.code, 'LOGIN_REJECTED');
  assert.equal(e.response.statusCode, 200);
  assert.deepEqual(fake.storage.keys(), []);
});

test('logout rejects waiting requests with LOGGED_OUT and clears storage', async () => {
  const { clock, fake, auth, run } = world({ fake: { latencyMs: 20 } });
  await run(auth.login());
  assert.equal(fake.storage.keys().length, 1);
  await run(auth.logout());
  assert.equal(fake.storage.keys().length, 0);
  const waiting = auth.request({ url: '/a' });
  waiting.catch(() => {}); // awaited below
  await auth.ready;
  await clock.advance(2); // the request now waits for wx.login (it answers after 20 ms)
  assert.equal(fake.calls.login, 2, 'the waiting request started a wx.login');
  await run(auth.logout());
  assert.equal((await run(waiting).catch((x) => x)).code, 'LOGGED_OUT');
});

test('storage that throws never fails a request; it is reported as an event', async () => {
  const events = [];
  const { fake, auth, run } = world({
    options: { onEvent: (e) => events.push(e) },
    before(f) {
      f.failNext('getStorageSync', 'getStorageSync:fail', ALWAYS);
      f.failNext('setStorageSync', 'setStorageSync:fail write DB data fail', ALWAYS);
    },
  });
  const r = await run(auth.request({ url: '/a' }));
  assert.equal(r.statusCode, 200);
  assert.ok(fake.calls.getStorageSync >= 1 && fake.calls.getStorageSync < ALWAYS, 'getStorageSync was called, and threw every time');
  assert.ok(fake.calls.setStorageSync >= 1 && fake.calls.setStorageSync < ALWAYS, 'setStorageSync was called, and threw every time');
  assert.deepEqual(fake.storage.keys(), []);
  assert.ok(events.some((e) => e.type === 'storage:error'));
  assert.ok(events.every((e) => !JSON.stringify(e).includes('tok-')), 'events never carry the token');
});

test('authFailCodeField with a numeric code marks an auth failure in a 200', async () => {
  const server = createServer();
  server.loginRoute(LOGIN_PATH);
  server.route('*', /.*/, (req) => (server.validToken(req) ? { data: { ok: true } } : { statusCode: 200, data: { return_code: 10000 } }));
  const { fake, auth, run } = world({ server, options: { authFailCodeField: 'return_code', authFailCodes: [10000] } });
  await run(auth.login());
  server.expireTokens();
  assert.equal((await run(auth.request({ url: '/p' }))).data.ok, true);
  assert.equal(fake.calls.login, 2);
});

test('offline: a login is refused with NETWORK_OFFLINE at once; back online it works', async () => {
  const { clock, fake, auth, run } = world({ fake: { network: 'none' } });
  await auth.ready;
  await clock.advance(fake.latencyMs); // getNetworkType answered
  assert.equal(fake.calls.getNetworkType, 1);
  const before = clock.now();
  const e = await run(auth.request({ url: '/a' })).catch((x) => x);
  assert.equal(e.code, 'NETWORK_OFFLINE');
  assert.equal(clock.now(), before, 'refused at once: no virtual time passed');
  // One wx.login: the early one, started before getNetworkType answered; no login POST.
  assert.equal(fake.calls.login, 1);
  assert.equal(fake.calls.requests.length, 0);
  fake.setNetwork('4g');
  assert.equal((await run(auth.request({ url: '/a' }))).statusCode, 200);
  assert.equal(fake.calls.login, 1, 'back online, the login posted the early code');
});

test('back from the background after recheckAfterHiddenMs, wx.checkSession runs again', async () => {
  const { fake, auth, run } = world({ options: { recheckAfterHiddenMs: 0 } });
  await run(auth.request({ url: '/a' }));
  assert.equal(fake.calls.checkSession, 0, 'a fresh wx.login code needs no check');
  fake.hide();
  fake.show();
  await run(auth.request({ url: '/a' }));
  assert.equal(fake.calls.checkSession, 1);
  assert.equal(fake.calls.login, 1);
});

test("tokenIn 'data' puts the token in non-GET object bodies only, never in a query string", async () => {
  const { fake, auth, run } = world({
    server: scriptedServer({ token: 'T1' }, () => ({ data: {} })),
    options: { tokenIn: 'data', tokenDataField: 'sessionId' },
  });
  await run(auth.request({ url: '/post', method: 'POST', data: { a: 1 } }));
  await run(auth.request({ url: '/get', data: { a: 1 } }));
  await run(auth.request({ url: '/text', method: 'PUT', data: 'raw' }));
  const [post, get, text] = fake.calls.requests.filter((r) => !r.url.endsWith('/user/login'));
  assert.deepEqual(JSON.parse(JSON.stringify(post.data)), { a: 1, sessionId: 'T1' });
  assert.equal(post.header.Authorization, undefined);
  assert.deepEqual(get.data, { a: 1 }, 'GET data becomes the query string: no token there');
  assert.equal(get.url, BASE + '/get?a=1');
  assert.equal(get.header.Authorization, 'Bearer T1');
  assert.equal(text.data, 'raw');
  assert.equal(text.header.Authorization, 'Bearer T1');
  assert.ok(fake.calls.requests.every((r) => !r.url.includes('T1')));
});

test('isAuthFailure: the page\'s own verdict renews and replays; a throwing one counts as false', async () => {
  const server = createServer();
  server.loginRoute(LOGIN_PATH);
  server.route('*', /.*/, (req) => (server.validToken(req) ? { data: { ok: true } } : { statusCode: 200, data: { err: 'SESSION_EXPIRED' } }));
  const { fake, auth, run } = world({ server, options: { isAuthFailure: (res) => res.data && res.data.err === 'SESSION_EXPIRED' } });
  await run(auth.login());
  server.expireTokens();
  assert.equal((await run(auth.request({ url: '/p' }))).data.ok, true);
  assert.equal(fake.calls.login, 2);

  const throwing = world({ options: { isAuthFailure: () => { throw new Error('bug in page code'); } } });
  assert.equal((await throwing.run(throwing.auth.request({ url: '/p' }))).statusCode, 200);
});
