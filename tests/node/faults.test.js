'use strict';
// The fault matrix through the real bundle (pkg/dist): one case per kind of fault.
// Each asserts the LoginError code, the number of wx.login calls, and that every
// promise settled (none left hanging).
const test = require('node:test');
const assert = require('node:assert/strict');
const path = require('path');
const { createLoginManager } = require(path.join(__dirname, '../../pkg/dist/index.js'));
const { fakeWx, devServer } = require('./fake-wx');

const LOGIN_URL = 'https://api.example.com/user/login';
const isLogin = (o) => o.url === LOGIN_URL;
const ok = (data) => ({ statusCode: 200, data });
const NEVER = { never: true };

/** A scripted server: `login(o)` answers the login POST, `api(o)` the rest. */
function server(login, api) {
  const dev = devServer({});
  return (o) => (isLogin(o) ? (login ? login(o) : dev(o)) : (api ? api(o) : dev(o)));
}

/** fakeWx whose requests can also never answer. */
function wxWith(srv, opts) {
  const wx = fakeWx((o) => srv(o), opts);
  const inner = wx.request;
  wx.request = (o) => {
    const r = srv(o);
    if (r === NEVER) {
      wx.calls.request.push({ url: o.url, method: o.method || 'GET', header: Object.assign({}, o.header) });
      return { abort() {} };
    }
    return inner(o);
  };
  if (opts && opts.loginHang) wx.login = () => { wx.calls.login++; };
  return wx;
}

async function settleAll(promises, ms) {
  const timeout = new Promise((r) => setTimeout(() => r('hung'), ms));
  return Promise.all(promises.map((p) => Promise.race([
    p.then((v) => ({ status: 'resolved', value: v }), (e) => ({ status: 'rejected', code: e.code, error: e })),
    timeout.then(() => ({ status: 'hung' })),
  ])));
}

const CASES = [
  { name: 'wx.login fails', wx: { loginFail: 'login:fail system error' }, code: 'WX_LOGIN_FAILED', logins: 1 },
  { name: 'wx.login never answers', wx: { loginHang: true }, code: 'LOGIN_TIMEOUT', logins: 1 },
  { name: 'login POST fails', login: () => ({ fail: 'request:fail timeout' }), code: 'REQUEST_FAILED', logins: 1 },
  { name: 'login POST 5xx', login: () => ({ statusCode: 502, data: { error: 'code2session_failed' } }), code: 'LOGIN_REJECTED', logins: 1 },
  { name: 'login POST non-JSON', login: () => ({ statusCode: 200, data: '<html>oops</html>' }), code: 'LOGIN_REJECTED', logins: 1 },
  { name: 'login POST without token', login: () => ok({ expiresIn: 7200 }), code: 'LOGIN_REJECTED', logins: 1 },
  { name: 'login POST never answers', login: () => NEVER, code: 'LOGIN_TIMEOUT', logins: 1 },
  // login() itself succeeds here: each login does; only the requests give up.
  { name: 'server answers 401 forever', login: () => ok({ token: 't' }), api: () => ({ statusCode: 401, data: {} }), code: 'RETRY_LIMIT', logins: 4, loginResolves: true },
  { name: 'offline', wx: { networkType: 'none' }, code: 'NETWORK_OFFLINE', logins: 0 },
];

for (const c of CASES) {
  test('fault: ' + c.name, async () => {
    const wx = wxWith(server(c.login, c.api), c.wx);
    const auth = createLoginManager({ loginUrl: LOGIN_URL, wx, loginTimeoutMs: 100 });
    await auth.ready;
    await new Promise((r) => setTimeout(r, 50)); // the network type is known (answered after 1 ms)
    const results = await settleAll([auth.request({ url: 'https://api.example.com/a' }),
      auth.request({ url: 'https://api.example.com/b' }), auth.login()], 3000);
    assert.ok(results.every((r) => r.status !== 'hung'), 'every promise settled');
    for (const r of c.loginResolves ? results.slice(0, 2) : results) {
      assert.equal(r.status, 'rejected', c.name + ': ' + JSON.stringify(r));
      assert.equal(r.code, c.code);
    }
    if (c.loginResolves) assert.equal(results[2].status, 'resolved');
    if (c.code === 'RETRY_LIMIT') assert.equal(results[0].error.response.statusCode, 401);
    assert.equal(wx.calls.login, c.logins);
    if (!c.loginResolves) assert.equal(wx.store.size, 0, 'nothing persisted');
  });
}

test('fault: storage throws — requests still succeed, in memory', async () => {
  const wx = wxWith(server(), { storageThrows: true });
  const auth = createLoginManager({ loginUrl: LOGIN_URL, wx });
  const results = await settleAll([auth.request({ url: 'https://api.example.com/a' }), auth.login()], 3000);
  assert.deepEqual(results.map((r) => r.status), ['resolved', 'resolved']);
  assert.equal(wx.calls.login, 1);
});

test('fault: checkSession fails — a new login, then success', async () => {
  const wx = wxWith(server(), { sessionExpired: true });
  wx.store.set('weapp_login_session', { token: 'stale', expiresAt: null });
  const auth = createLoginManager({ loginUrl: LOGIN_URL, wx });
  const [r] = await settleAll([auth.request({ url: 'https://api.example.com/a' })], 3000);
  assert.equal(r.status, 'resolved');
  assert.equal(wx.calls.checkSession, 1);
  assert.equal(wx.calls.login, 1);
  assert.notEqual(wx.store.get('weapp_login_session').token, 'stale');
});

test('fault: logout mid-login — LOGGED_OUT, and the late answer restores nothing', async () => {
  const wx = wxWith(server(), { latency: 300 });
  const auth = createLoginManager({ loginUrl: LOGIN_URL, wx });
  await auth.ready;
  const pending = [auth.request({ url: 'https://api.example.com/a' }), auth.login()];
  await new Promise((r) => setTimeout(r, 5)); // wx.login is under way
  await auth.logout();
  const results = await settleAll(pending, 3000);
  assert.deepEqual(results.map((r) => r.code), ['LOGGED_OUT', 'LOGGED_OUT']);
  await new Promise((r) => setTimeout(r, 600)); // the late wx.login answer arrives
  assert.equal(wx.calls.login, 1);
  assert.equal(wx.calls.request.length, 0, 'no login POST after logout');
  assert.equal(wx.store.size, 0);
});
