'use strict';
// The public JS API of pkg/ (API.md) in plain Node against a scripted wx.
const test = require('node:test');
const assert = require('node:assert/strict');
const path = require('path');
const { createLoginManager, LoginError } = require(path.join(__dirname, '../../pkg/dist/index.js'));
const { fakeWx, devServer } = require('./fake-wx');

const LOGIN_URL = 'https://api.example.com/user/login';
const BASE = 'https://api.example.com';
const manager = (wx, extra) => createLoginManager(Object.assign({ loginUrl: LOGIN_URL, baseUrl: BASE, wx }, extra || {}));

test('bad options throw INVALID_OPTIONS synchronously, naming the option', () => {
  const wx = fakeWx(devServer({}));
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
  const wx = fakeWx(devServer({}));
  const auth = manager(wx);
  const results = await Promise.all([1, 2, 3, 4, 5].map(() => auth.request({ url: '/api/profile' })));
  assert.deepEqual(results.map((r) => r.statusCode), [200, 200, 200, 200, 200]);
  assert.equal(wx.calls.login, 1);
  assert.equal(wx.calls.request.filter((r) => r.url === LOGIN_URL).length, 1);
  const sent = wx.calls.request.filter((r) => r.url !== LOGIN_URL);
  assert.ok(sent.every((r) => r.header.Authorization === 'Bearer tok-code1' && r.url === BASE + '/api/profile'));
  const stored = wx.store.get('weapp_login_session');
  assert.equal(stored.token, 'tok-code1');
  assert.equal(typeof stored.expiresAt, 'number');
  assert.deepEqual(Object.keys(stored).sort(), ['expiresAt', 'token']);
});

test('a persisted token is reused on the next launch without wx.login', async () => {
  const state = {};
  const first = fakeWx(devServer(state));
  await manager(first).request({ url: '/api/profile' });
  const second = fakeWx(devServer(state));
  for (const [k, v] of first.store) second.store.set(k, v);
  const auth = manager(second);
  await Promise.all([auth.request({ url: '/a' }), auth.request({ url: '/b' })]);
  await auth.request({ url: '/c' });
  assert.equal(second.calls.login, 0);
  assert.equal(second.calls.checkSession, 1);
});

test('the token never goes to an untrusted origin, and auth:false never logs in', async () => {
  const wx = fakeWx(() => ({ statusCode: 200, data: {} }));
  const auth = manager(wx);
  await auth.request({ url: 'https://cdn.other.com/x', header: { Authorization: 'mine' } });
  await auth.request({ url: '/public', auth: false });
  assert.equal(wx.calls.login, 0);
  assert.equal(wx.calls.request[0].header.Authorization, 'mine', 'the page\'s own header is left alone');
  assert.equal(wx.calls.request[1].header.Authorization, undefined);
});

test('a 401 renews silently and replays; 401 forever ends in RETRY_LIMIT with the response', async () => {
  const state = {};
  const wx = fakeWx(devServer(state));
  const auth = manager(wx, { retryLimit: 2 });
  await auth.request({ url: '/p' });
  state.valid.clear();
  const r = await auth.request({ url: '/p' });
  assert.equal(r.statusCode, 200);
  assert.equal(wx.calls.login, 2);

  const never = fakeWx(() => ({ statusCode: 401, data: { error: 'unauthorized' } }));
  never.request = ((inner) => (o) => (o.url === LOGIN_URL
    ? setTimeout(() => o.success({ statusCode: 200, data: { token: 't' }, header: {}, errMsg: 'request:ok' }), 1)
    : inner(o)))(never.request);
  const e = await manager(never, { retryLimit: 2 }).request({ url: '/p' }).catch((x) => x);
  assert.equal(e.code, 'RETRY_LIMIT');
  assert.equal(e.response.statusCode, 401);
  assert.equal(never.calls.login, 3);
});

test('a failed wx.login rejects every waiting request and login()', async () => {
  const wx = fakeWx(devServer({}), { loginFail: 'login:fail system error' });
  const auth = manager(wx);
  const all = await Promise.allSettled([auth.request({ url: '/a' }), auth.request({ url: '/b' }), auth.login()]);
  assert.deepEqual(all.map((s) => s.status), ['rejected', 'rejected', 'rejected']);
  assert.ok(all.every((s) => s.reason.code === 'WX_LOGIN_FAILED' && s.reason.errMsg === 'login:fail system error'));
  assert.equal(wx.calls.login, 1);
});

test('a login answer without a token is LOGIN_REJECTED with the response', async () => {
  const wx = fakeWx(devServer({ loginAnswer: { session_key: 'never-here' } }));
  const e = await manager(wx).request({ url: '/a' }).catch((x) => x);
  assert.equal(e.code, 'LOGIN_REJECTED');
  assert.equal(e.response.statusCode, 200);
  assert.equal(wx.store.size, 0);
});

test('logout rejects waiting requests with LOGGED_OUT and clears storage', async () => {
  const wx = fakeWx(devServer({}), { latency: 20 });
  const auth = manager(wx);
  await auth.login();
  assert.equal(wx.store.size, 1);
  await auth.logout();
  assert.equal(wx.store.size, 0);
  const waiting = auth.request({ url: '/a' });
  await auth.ready;
  await new Promise((r) => setTimeout(r, 2)); // the request now waits for wx.login
  await auth.logout();
  assert.equal((await waiting.catch((x) => x)).code, 'LOGGED_OUT');
});

test('storage that throws never fails a request; it is reported as an event', async () => {
  const events = [];
  const wx = fakeWx(devServer({}), { storageThrows: true });
  const auth = manager(wx, { onEvent: (e) => events.push(e) });
  const r = await auth.request({ url: '/a' });
  assert.equal(r.statusCode, 200);
  assert.ok(events.some((e) => e.type === 'storage:error'));
  assert.ok(events.every((e) => !JSON.stringify(e).includes('tok-')), 'events never carry the token');
});

test('authFailCodeField with a numeric code marks an auth failure in a 200', async () => {
  const state = {};
  const server = devServer(state);
  const wx = fakeWx((o) => {
    const r = server(o);
    return r.statusCode === 401 ? { statusCode: 200, data: { return_code: 10000 } } : r;
  });
  const auth = manager(wx, { authFailCodeField: 'return_code', authFailCodes: [10000] });
  await auth.login();
  state.valid.clear();
  assert.equal((await auth.request({ url: '/p' })).data.ok, true);
  assert.equal(wx.calls.login, 2);
});

test('offline: a login is refused with NETWORK_OFFLINE at once; back online it works', async () => {
  const wx = fakeWx(devServer({}), { networkType: 'none' });
  const auth = manager(wx);
  await auth.ready;
  await new Promise((r) => setTimeout(r, 5)); // getNetworkType answered
  const e = await auth.request({ url: '/a' }).catch((x) => x);
  assert.equal(e.code, 'NETWORK_OFFLINE');
  assert.equal(wx.calls.login, 0);
  wx.setNetwork('4g');
  assert.equal((await auth.request({ url: '/a' })).statusCode, 200);
  assert.equal(wx.calls.login, 1);
});

test('back from the background after recheckAfterHiddenMs, wx.checkSession runs again', async () => {
  const wx = fakeWx(devServer({}));
  const auth = manager(wx, { recheckAfterHiddenMs: 0 });
  await auth.request({ url: '/a' });
  assert.equal(wx.calls.checkSession, 0, 'a fresh wx.login code needs no check');
  wx.setForeground(false);
  wx.setForeground(true);
  await auth.request({ url: '/a' });
  assert.equal(wx.calls.checkSession, 1);
  assert.equal(wx.calls.login, 1);
});

test("tokenIn 'data' puts the token in non-GET object bodies only, never in a query string", async () => {
  const wx = fakeWx((o) => (o.url.endsWith('/user/login')
    ? { statusCode: 200, data: { token: 'T1' } } : { statusCode: 200, data: {} }));
  const auth = manager(wx, { tokenIn: 'data', tokenDataField: 'sessionId' });
  await auth.request({ url: '/post', method: 'POST', data: { a: 1 } });
  await auth.request({ url: '/get', data: { a: 1 } });
  await auth.request({ url: '/text', method: 'PUT', data: 'raw' });
  const [post, get, text] = wx.calls.request.filter((r) => !r.url.endsWith('/user/login'));
  assert.deepEqual(JSON.parse(JSON.stringify(post.data)), { a: 1, sessionId: 'T1' });
  assert.equal(post.header.Authorization, undefined);
  assert.deepEqual(get.data, { a: 1 }, 'GET data becomes the query string: no token there');
  assert.equal(get.header.Authorization, 'Bearer T1');
  assert.equal(text.data, 'raw');
  assert.equal(text.header.Authorization, 'Bearer T1');
  assert.ok(wx.calls.request.every((r) => !r.url.includes('T1')));
});

test('isAuthFailure: the page\'s own verdict renews and replays; a throwing one counts as false', async () => {
  const state = {};
  const server = devServer(state);
  const wx = fakeWx((o) => {
    const r = server(o);
    return r.statusCode === 401 ? { statusCode: 200, data: { err: 'SESSION_EXPIRED' } } : r;
  });
  const auth = manager(wx, { isAuthFailure: (res) => res.data && res.data.err === 'SESSION_EXPIRED' });
  await auth.login();
  state.valid.clear();
  assert.equal((await auth.request({ url: '/p' })).data.ok, true);
  assert.equal(wx.calls.login, 2);

  const throwing = fakeWx(devServer({}));
  const auth2 = manager(throwing, { isAuthFailure: () => { throw new Error('bug in page code'); } });
  assert.equal((await auth2.request({ url: '/p' })).statusCode, 200);
});
