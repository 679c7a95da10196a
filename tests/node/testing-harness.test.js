'use strict';
// weapp-login/testing (pkg/testing): the virtual clock, the fake platform objects, the
// scripted server; and the manager's `clock` option, which runs its timers on it.
const test = require('node:test');
const assert = require('node:assert/strict');
const fs = require('fs');
const path = require('path');
const { createClock, createServer, createStorage, createFakeWx } = require('../../pkg/testing');
const { createLoginManager, LoginError } = require('../../pkg/dist/index.js');

const realDelay = (ms) => new Promise((r) => setTimeout(r, ms));
/** Calls an async fake API with callbacks; resolves with [which, result, order of callbacks]. */
function call(fn, options) {
  return new Promise((resolve) => {
    const order = [];
    let out;
    fn(Object.assign({}, options, {
      success: (r) => { order.push('success'); out = ['success', r]; },
      fail: (e) => { order.push('fail'); out = ['fail', e]; },
      complete: () => { order.push('complete'); resolve(out.concat([order])); },
    }));
  });
}

test('clock: timers fire by due time then creation, promise reactions run between them', async () => {
  const clock = createClock({ start: 1000 });
  const seen = [];
  clock.setTimeout(() => { seen.push('b@20'); Promise.resolve().then(() => seen.push('micro after b')); }, 20);
  clock.setTimeout(() => seen.push('a@10'), 10);
  clock.setTimeout(() => seen.push('c@20'), 20);
  const cleared = clock.setTimeout(() => seen.push('cleared'), 5);
  clock.clearTimeout(cleared);
  clock.setTimeout((x, y) => seen.push('args ' + x + y), 30, 1, 2);
  assert.equal(clock.pending(), 4);
  await clock.advance(25);
  assert.deepEqual(seen, ['a@10', 'b@20', 'micro after b', 'c@20']);
  assert.equal(clock.now(), 1025, 'advance leaves now() ms later');
  await clock.advance(5);
  assert.deepEqual(seen.slice(4), ['args 12']);
  assert.equal(clock.pending(), 0);
});

test('clock: a timer set at 0 ms while firing runs in the same advance; a throwing timer rejects it, the rest still fire', async () => {
  const clock = createClock();
  const seen = [];
  clock.setTimeout(() => { clock.setTimeout(() => seen.push('nested'), 0); throw new Error('boom'); }, 10);
  clock.setTimeout(() => seen.push('later'), 10);
  await assert.rejects(clock.advance(10), /boom/);
  assert.deepEqual(seen, ['later', 'nested']);
  await assert.rejects(clock.advance(-1), TypeError);
});

test('clock: runUntil returns the outcome; runAll and runUntil fail when time runs out', async () => {
  const clock = createClock();
  const at = (ms, v) => new Promise((r) => clock.setTimeout(() => r(v), ms));
  assert.equal(await clock.runUntil(at(5000, 'v')), 'v');
  assert.equal(clock.now(), 5000);
  const failing = new Promise((_, reject) => clock.setTimeout(() => reject(new Error('late')), 10));
  await assert.rejects(clock.runUntil(failing), /late/);
  await assert.rejects(clock.runUntil(at(120000)), /still pending after 60000 ms/);
  await assert.rejects(createClock().runUntil(new Promise(() => {})), /no timer is left/);
  const quiet = createClock();
  quiet.setTimeout(() => quiet.setTimeout(() => {}, 10), 10);
  await quiet.runAll();
  assert.deepEqual([quiet.pending(), quiet.now()], [0, 20]);
  quiet.setTimeout(() => {}, 70000);
  await assert.rejects(quiet.runAll(), /1 timer\(s\) still pending/);
});

test('fake wx: errMsg strings, success/fail then complete, codes code-1, code-2', async () => {
  const clock = createClock();
  const server = createServer();
  const fake = createFakeWx({ clock, server });
  const run = (p) => clock.runUntil(p);
  assert.deepEqual((await run(call(fake.api.login))).slice(0, 2), ['success', { code: 'code-1', errMsg: 'login:ok' }]);
  assert.equal((await run(call(fake.api.login)))[1].code, 'code-2');
  const [, ok, order] = await run(call(fake.api.checkSession));
  assert.deepEqual([ok, order], [{ errMsg: 'checkSession:ok' }, ['success', 'complete']]);
  server.sessionKeyValid = false;
  const [which, e, order2] = await run(call(fake.api.checkSession));
  assert.equal(which, 'fail');
  assert.equal(e.errMsg, 'checkSession:fail 系统错误，错误码：-13001,session time out, need relogin');
  assert.deepEqual(order2, ['fail', 'complete']);
  fake.failNext('login', 'login:fail system error');
  assert.deepEqual((await run(call(fake.api.login))).slice(0, 2), ['fail', { errMsg: 'login:fail system error' }]);
  assert.deepEqual((await run(call(fake.api.getNetworkType)))[1], { networkType: 'wifi', errMsg: 'getNetworkType:ok' });
  assert.equal(fake.calls.login, 3);
  assert.equal(fake.calls.checkSession, 2);
  assert.throws(() => fake.failNext('navigateTo', 'x'), TypeError);
});

test('fake wx.request: every status through success, timeout, abort, GET query, latency on the clock', async () => {
  const clock = createClock();
  const server = createServer();
  server.route('GET', '/boom', () => ({ statusCode: 500, data: { error: 'x' } }));
  server.route('*', '/hang', () => ({ hang: true }));
  server.route('POST', '/echo', (req) => ({ data: { got: req.data, q: req.query } }));
  const fake = createFakeWx({ clock, server, latencyMs: 30 });
  const api = (p) => 'https://api.example.com' + p;
  const boom = call(fake.api.request, { url: api('/boom'), data: { a: 1, b: 'x y' } });
  await clock.advance(29);
  assert.equal(fake.calls.requests[0].statusCode, undefined, 'not answered before latencyMs');
  const [which, res] = await clock.runUntil(boom);
  assert.equal(which, 'success');
  assert.equal(res.statusCode, 500);
  assert.equal(res.errMsg, 'request:ok');
  assert.equal(fake.calls.requests[0].url, api('/boom?a=1&b=x%20y'));
  assert.equal(fake.calls.requests[0].statusCode, 500);
  const [, echo] = await clock.runUntil(call(fake.api.request, { url: api('/echo?q=1'), method: 'POST', data: { code: 'c' } }));
  assert.deepEqual(echo.data, { got: { code: 'c' }, q: { q: '1' } });
  const t0 = clock.now();
  const [w2, e2] = await clock.runUntil(call(fake.api.request, { url: api('/hang'), timeout: 500 }));
  assert.deepEqual([w2, e2.errMsg, clock.now() - t0], ['fail', 'request:fail timeout', 500]);
  let task;
  const aborted = new Promise((resolve) => {
    task = fake.api.request({ url: api('/hang'), fail: resolve });
  });
  assert.equal(typeof task.then, 'undefined', 'wx.request returns a RequestTask, never a Promise');
  task.abort();
  assert.equal((await clock.runUntil(aborted)).errMsg, 'request:fail abort');
  const [w404, r404] = await clock.runUntil(call(fake.api.request, { url: api('/nothing') }));
  assert.deepEqual([w404, r404.statusCode], ['success', 404]);
});

test('fake wx.request: at most 10 in flight, the rest queued in order; what was asked is recorded', async () => {
  const clock = createClock();
  const server = createServer();
  server.route('GET', /^\/n\//, (req) => ({ data: req.path, delayMs: 100 }));
  const fake = createFakeWx({ clock, server });
  const answered = [];
  for (let i = 0; i < 12; i++) {
    fake.api.request({ url: 'https://a.example.com/n/' + i, success: (r) => answered.push([r.data, clock.now()]) });
  }
  assert.equal(fake.calls.inFlight, 10);
  assert.equal(fake.calls.maxConcurrent, 12);
  // The fake queues the 11th and 12th as WeChat does, and records that they were asked for.
  assert.deepEqual(fake.calls.maxAskedByApi, { request: 12, uploadFile: 0, downloadFile: 0 });
  assert.deepEqual(fake.calls.overLimitByApi, { request: 2, uploadFile: 0, downloadFile: 0 });
  assert.deepEqual(fake.calls.requests.map((r) => r.overLimit === true), Array(10).fill(false).concat([true, true]));
  await clock.advance(100);
  assert.equal(answered.length, 10);
  assert.equal(fake.calls.inFlight, 2, 'the queued two started when slots freed');
  await clock.advance(100);
  assert.deepEqual(answered.slice(10), [['/n/10', 200], ['/n/11', 200]]);
  assert.equal(fake.calls.maxInFlight, 10);
  // Ten more, one at a time, after the others answered: none over the limit.
  for (let i = 0; i < 10; i++) fake.api.request({ url: 'https://a.example.com/n/x' + i });
  assert.equal(fake.calls.overLimitByApi.request, 2);
  assert.equal(fake.calls.maxAskedByApi.request, 12);
  await clock.advance(100);
  fake.api.uploadFile({ url: 'https://a.example.com/n/u', filePath: 'wxfile://a', name: 'f' });
  assert.deepEqual(fake.calls.overLimitByApi, { request: 2, uploadFile: 0, downloadFile: 0 }, 'each API has its own ten');
});

test('storage: missing key is \'\', values are copies, 1 MB per key, shared between launches', () => {
  const storage = createStorage();
  const first = createFakeWx({ storage });
  assert.equal(first.api.getStorageSync('nothing'), '');
  const v = { token: 't', n: [1] };
  first.api.setStorageSync('k', v);
  v.n.push(2);
  assert.deepEqual(first.api.getStorageSync('k'), { token: 't', n: [1] });
  const second = createFakeWx({ storage });
  assert.deepEqual(second.api.getStorageSync('k'), { token: 't', n: [1] });
  assert.throws(() => second.api.setStorageSync('big', 'x'.repeat(1024 * 1024)),
    (e) => e.message === 'setStorageSync:fail exceed storage max size' && e.errMsg === e.message);
  assert.throws(() => second.api.setStorageSync('big', '中'.repeat(400000)), /exceed storage max size/, 'counted in UTF-8 bytes');
  second.api.removeStorageSync('k');
  assert.equal(first.api.getStorageSync('k'), '');
  second.failNext('setStorageSync', 'setStorageSync:fail write DB data fail');
  assert.throws(() => second.api.setStorageSync('k', 1), /write DB data fail/);
});

test('server: loginRoute issues tok-<code> once per code (40163 on reuse, 40029 unknown or > 5 min), expireTokens → 401', async () => {
  const clock = createClock();
  const server = createServer();
  server.loginRoute('/login', { expiresIn: 60 });
  server.route('GET', '/me', server.authed(() => ({ data: 'me' })));
  const fake = createFakeWx({ clock, server });
  const req = (o) => clock.runUntil(call(fake.api.request, Object.assign({ url: 'https://a.example.com' + o.path }, o)));
  const [, { code }] = await clock.runUntil(call(fake.api.login));
  const [, first] = await req({ path: '/login', method: 'POST', data: { code } });
  assert.deepEqual(first.data, { token: 'tok-code-1', expiresIn: 60 });
  const [, again] = await req({ path: '/login', method: 'POST', data: { code } });
  assert.deepEqual([again.statusCode, again.data.errcode, again.data.errmsg], [400, 40163, 'code been used']);
  assert.equal((await req({ path: '/login', method: 'POST', data: { code: 'forged' } }))[1].data.errcode, 40029);
  const [, { code: old }] = await clock.runUntil(call(fake.api.login));
  await clock.advance(5 * 60 * 1000 + 1);
  assert.equal((await req({ path: '/login', method: 'POST', data: { code: old } }))[1].data.errcode, 40029);
  const bearer = { Authorization: 'Bearer tok-code-1' };
  assert.equal((await req({ path: '/me', header: bearer }))[1].statusCode, 200);
  server.expireTokens();
  assert.equal((await req({ path: '/me', header: bearer }))[1].statusCode, 401);
});

test('platform shapes: wx Promise without callbacks (never from wx.login), taro always a Promise (request with abort), uni a Promise only without callbacks', async () => {
  const clock = createClock();
  const server = createServer();
  server.route('*', '/x', () => ({ data: 'x' }));
  server.route('*', '/hang', () => ({ hang: true }));
  const url = 'https://a.example.com/x';
  const fakeWx = createFakeWx({ clock, server, platform: 'wx' });
  const wx = fakeWx.api;
  // WeChat's wx.login page: Promise style is not supported. It runs, and returns undefined.
  assert.equal(wx.login(), undefined, 'wx.login() returns no Promise');
  assert.equal(wx.login({ timeout: 1000 }), undefined);
  assert.equal(fakeWx.calls.login, 2, 'and still runs');
  assert.equal(wx.login({ success() {} }), undefined);
  assert.deepEqual(await clock.runUntil(wx.checkSession()), { errMsg: 'checkSession:ok' }, 'checkSession: a Promise');
  assert.equal((await clock.runUntil(wx.getNetworkType())).networkType, 'wifi');
  for (const p of ['tt', 'qq']) {
    const api = createFakeWx({ clock, server, platform: p }).api;
    assert.equal(api.login({}), undefined, p + ': callback style only');
    assert.equal(typeof api.onAppShow, 'function');
  }
  const taro = createFakeWx({ clock, server, platform: 'taro' });
  let called = false;
  const lp = taro.api.login({ success: () => { called = true; } });
  assert.equal(typeof lp.then, 'function', 'Taro.login returns a Promise even with callbacks');
  assert.equal((await clock.runUntil(lp)).errMsg, 'login:ok');
  assert.ok(called, 'and still calls success');
  const rp = taro.api.request({ url });
  assert.equal(typeof rp.abort, 'function', 'Taro.request returns a Promise with abort()');
  assert.equal((await clock.runUntil(rp)).data, 'x');
  const hung = taro.api.request({ url: 'https://a.example.com/hang' });
  hung.abort();
  await assert.rejects(clock.runUntil(hung), (e) => e.errMsg === 'request:fail abort');
  for (const name of ['onAppShow', 'onAppHide', 'onNetworkStatusChange', 'checkSession', 'getStorageSync']) {
    assert.equal(typeof taro.api[name], 'function', 'taro has ' + name);
  }
  const uni = createFakeWx({ clock, server, platform: 'uni' }).api;
  const task = uni.request({ url, success() {} });
  assert.equal(typeof task.abort, 'function');
  assert.equal(typeof task.then, 'undefined', 'uni.request with a callback returns the RequestTask');
  assert.equal((await clock.runUntil(uni.request({ url }))).data, 'x', 'without one, a Promise');
  assert.equal((await clock.runUntil(uni.checkSession())).errMsg, 'checkSession:ok');
});

test('unhandledRejections: a Taro Promise rejected with no handler is listed; catch or await takes it back', async () => {
  const clock = createClock();
  const fake = createFakeWx({ clock, platform: 'taro' });
  fake.failNext('login', 'login:fail a', 3);
  fake.api.login({ fail() {} }); // ignored Promise, as a careless caller would
  const caught = fake.api.login({ fail() {} });
  caught.catch(() => {});
  const awaited = fake.api.login({});
  await clock.advance(10);
  assert.deepEqual(fake.calls.unhandledRejections, [{ errMsg: 'login:fail a' }, { errMsg: 'login:fail a' }]);
  await assert.rejects(awaited);
  assert.deepEqual(fake.calls.unhandledRejections, [{ errMsg: 'login:fail a' }]);
});

test('network and app events reach listeners; offline requests fail', async () => {
  const clock = createClock();
  const server = createServer();
  server.route('*', '/x', () => ({ data: 1 }));
  const fake = createFakeWx({ clock, server, network: 'none' });
  const seen = [];
  fake.api.onNetworkStatusChange((r) => seen.push(r));
  fake.api.onAppHide(() => seen.push('hide'));
  fake.api.onAppShow(() => seen.push('show'));
  assert.deepEqual((await clock.runUntil(call(fake.api.getNetworkType)))[1].networkType, 'none');
  const [which, e] = await clock.runUntil(call(fake.api.request, { url: 'https://a.example.com/x' }));
  assert.deepEqual([which, e.errMsg], ['fail', 'request:fail -2:net::ERR_INTERNET_DISCONNECTED']);
  fake.setNetwork('4g');
  fake.hide();
  fake.show();
  assert.deepEqual(seen, [{ isConnected: true, networkType: '4g' }, 'hide', 'show']);
  assert.throws(() => fake.setNetwork('6g'), TypeError);
});

test('the harness is plain CommonJS without require(), for the jsc shell and browsers', () => {
  const src = fs.readFileSync(path.join(__dirname, '../../pkg/testing/index.js'), 'utf8');
  const code = src.replace(/\/\*[\s\S]*?\*\//g, '').replace(/\/\/.*$/gm, '');
  assert.doesNotMatch(code, /\brequire\s*\(/);
  assert.doesNotMatch(code, /\b(process|Buffer|TextEncoder|TextDecoder|URL|globalThis|window)\b/);
});

test('clock option: loginTimeoutMs fires on the virtual clock, not on real time', async () => {
  const clock = createClock();
  const server = createServer();
  server.route('POST', '/user/login', () => ({ hang: true }));
  const fake = createFakeWx({ clock, server });
  // networkWaitMs 0: the login starts at once, without waiting for getNetworkType's answer.
  const auth = createLoginManager({ wx: fake.api, clock, loginUrl: 'https://a.example.com/user/login', loginTimeoutMs: 50, networkWaitMs: 0 });
  await auth.ready;
  let outcome = null;
  auth.request({ url: 'https://a.example.com/p' }).then((v) => { outcome = v; }, (e) => { outcome = e; });
  await clock.advance(20); // wx.login answered, the login POST hangs
  await realDelay(200); // four times loginTimeoutMs of real time
  assert.equal(outcome, null, 'no real timer fired');
  await clock.advance(29);
  assert.equal(outcome, null, 'not before loginTimeoutMs of virtual time');
  await clock.advance(1);
  assert.ok(outcome instanceof LoginError, String(outcome));
  assert.equal(outcome.code, 'LOGIN_TIMEOUT');
  assert.equal(clock.now(), 50);
});

test('clock option: the persisted expiresAt is on the given clock; a clock without the three functions is INVALID_OPTIONS', async () => {
  const clock = createClock({ start: 1000000 });
  const server = createServer();
  server.loginRoute('/user/login', { expiresIn: 100 });
  const fake = createFakeWx({ clock, server });
  const auth = createLoginManager({ wx: fake.api, clock, loginUrl: 'https://a.example.com/user/login' });
  await auth.ready;
  await clock.runUntil(auth.login());
  assert.equal(fake.storage.get('weapp_login_session').expiresAt, clock.now() + 100 * 1000);
  for (const bad of [{}, { now() { return 0; }, setTimeout() {} }, 'clock', { now: 1, setTimeout() {}, clearTimeout() {} }]) {
    assert.throws(() => createLoginManager({ wx: fake.api, clock: bad, loginUrl: 'https://a.example.com/l' }),
      (e) => e instanceof LoginError && e.code === 'INVALID_OPTIONS' && /clock must be an object with now\(\)/.test(e.message));
  }
});
