'use strict';
// The login scenarios once more, inside the mini-program sandbox: the real bundle as
// a mini program loads it (WXWebAssembly, no WebAssembly/TextDecoder), the sandbox's
// fake wx with its fault hooks, and the example developer server with its fake WeChat
// on an ephemeral loopback port.
const test = require('node:test');
const assert = require('node:assert/strict');
const path = require('path');
const { createSandbox } = require('../sandbox');
const { startServer } = require('../../scripts/scenario');

const ROOT = path.join(__dirname, '../../example-miniprogram');
let server;
test.before(async () => { server = await startServer(); });
test.after(async () => { await server.stop(); });

/**
 * A sandbox and a manager made inside it, as a page's code would; `before(sb)` scripts
 * the sandbox first (the manager's early wx.login starts in createLoginManager).
 */
function setup(options, storage, before) {
  const sb = createSandbox({ root: ROOT, wechatBase: server.base, storage: storage || new Map(), log: false });
  if (before) before(sb);
  const { createLoginManager } = sb.require('weapp-login');
  const auth = createLoginManager(Object.assign({
    loginUrl: server.base + '/user/login', baseUrl: server.base, loginTimeoutMs: 300,
  }, options || {}));
  return { sb, auth };
}

const outcome = (p) => p.then((r) => ({ ok: true, status: r.statusCode }), (e) => ({ ok: false, code: e.code, errMsg: e.errMsg }));
const plain = (v) => JSON.parse(JSON.stringify(v));
const loginPosts = (sb) => sb.calls.requests.filter((r) => /\/user\/login$/.test(r.url)).length;

test('five requests at once: one wx.login, one POST, all 200', async () => {
  const { sb, auth } = setup();
  const rs = await Promise.all([1, 2, 3, 4, 5].map(() => outcome(auth.request({ url: '/api/profile' }))));
  assert.deepEqual(plain(rs), Array(5).fill({ ok: true, status: 200 }));
  assert.equal(sb.calls.counts.login, 1);
  assert.equal(loginPosts(sb), 1);
  assert.equal(sb.calls.wasm.length, 1, 'loaded through WXWebAssembly.instantiate(path)');
  sb.close();
});

test('wx.login fails: WX_LOGIN_FAILED with its errMsg for every waiter', async () => {
  const { sb, auth } = setup({}, null, (s) => { s.faults.loginFailAlways = 'login:fail system error'; });
  const rs = await Promise.all([outcome(auth.request({ url: '/api/profile' })), outcome(auth.login())]);
  assert.deepEqual(plain(rs), [{ ok: false, code: 'WX_LOGIN_FAILED', errMsg: 'login:fail system error' },
    { ok: false, code: 'WX_LOGIN_FAILED', errMsg: 'login:fail system error' }]);
  // The early wx.login of createLoginManager failed unseen; then the login's own did.
  assert.equal(sb.calls.counts.login, 2);
  assert.equal(loginPosts(sb), 0);
  sb.close();
});

test('wx.login never answers: LOGIN_TIMEOUT after loginTimeoutMs', async () => {
  // The early wx.login of createLoginManager never answers either: the login waits for it.
  const { sb, auth } = setup({}, null, (s) => { s.faults.loginHang = true; });
  const r = await outcome(auth.request({ url: '/api/profile' }));
  assert.equal(r.code, 'LOGIN_TIMEOUT');
  assert.equal(loginPosts(sb), 0);
  sb.close();
});

test('offline: NETWORK_OFFLINE at once, no login', async () => {
  const { sb, auth } = setup({}, null, (s) => { s.network = 'none'; });
  await auth.ready;
  await new Promise((r) => setTimeout(r, 50));
  const r = await outcome(auth.request({ url: '/api/profile' }));
  assert.equal(r.code, 'NETWORK_OFFLINE');
  // One wx.login: the early one, started before wx.getNetworkType answered; no POST.
  assert.equal(sb.calls.counts.login || 0, 1);
  assert.equal(loginPosts(sb), 0);
  sb.close();
});

test('a request that gets no response: REQUEST_FAILED with the errMsg', async () => {
  const { sb, auth } = setup();
  await auth.login();
  sb.faults.requestFail = 'request:fail interrupted';
  const r = await outcome(auth.request({ url: '/api/profile' }));
  assert.deepEqual(plain(r), { ok: false, code: 'REQUEST_FAILED', errMsg: 'request:fail interrupted' });
  sb.close();
});

test('second launch: a good checkSession reuses the token; a failed one makes login() log in again', async () => {
  const storage = new Map();
  const first = setup({}, storage);
  await first.auth.request({ url: '/api/profile' });
  first.sb.close();

  const second = setup({}, storage);
  assert.equal((await second.auth.request({ url: '/api/profile' })).statusCode, 200);
  // That answer may arrive before the wasm (the request went out with the persisted
  // token at once); wx.checkSession runs when the Core adopts the request.
  await second.auth.ready;
  assert.equal(second.sb.calls.counts.login || 0, 0);
  assert.equal(second.sb.calls.counts.checkSession, 1);
  second.sb.close();

  const third = setup({}, storage);
  third.sb.faults.checkSessionExpired = true;
  // The stored token is used at once (checkSession runs in parallel); login() waits for
  // the check, which fails, so it logs in again.
  assert.equal((await third.auth.request({ url: '/api/profile' })).statusCode, 200);
  await third.auth.login();
  assert.equal(third.sb.calls.counts.login, 1);
  assert.equal((await third.auth.request({ url: '/api/profile' })).statusCode, 200);
  third.sb.close();
});

/** Resolves once `cond()` holds, polling on real time; rejects after `ms`. */
async function until(cond, what, ms = 5000) {
  for (const end = Date.now() + ms; !cond();) {
    if (Date.now() > end) throw new Error('timed out waiting for ' + what);
    await new Promise((r) => setTimeout(r, 5));
  }
}

test('logout mid-login: LOGGED_OUT; the late code is never POSTed', async () => {
  // The login's own wx.login is the one under way (no early one: earlyLogin false).
  const { sb, auth } = setup({ earlyLogin: false });
  await auth.ready;
  sb.faults.loginDelayMs = 100; // wx.login stays under way for 100 ms (its code comes after)
  const pending = outcome(auth.request({ url: '/api/profile' }));
  await until(() => sb.calls.logins.length === 1, 'wx.login to be called');
  const login = sb.calls.logins[0];
  assert.equal(login.errMsg, '', 'wx.login is under way, unanswered, when logout() is called');
  await auth.logout();
  assert.equal((await pending).code, 'LOGGED_OUT');
  await until(() => login.errMsg !== '', 'the late wx.login answer');
  assert.equal(login.errMsg, 'login:ok');
  assert.ok(login.code, 'a code came after the logout');
  await new Promise((r) => setTimeout(r, 200));
  assert.equal(loginPosts(sb), 0, 'the late code is never POSTed');
  assert.ok(!sb.calls.requests.some((r) => r.data && r.data.includes(login.code)), 'sent nowhere');
  assert.equal(sb.storage.size, 0);
  sb.close();
});

test('logout before ready, the early wx.login under way: LOGGED_OUT; its late code is never POSTed', async () => {
  const { sb, auth } = setup();
  assert.equal(sb.calls.counts.login, 1, 'the early wx.login started in createLoginManager');
  const pending = outcome(auth.request({ url: '/api/profile' }));
  await auth.logout();
  assert.equal((await pending).code, 'LOGGED_OUT');
  await new Promise((r) => setTimeout(r, 200));
  assert.equal(loginPosts(sb), 0);
  assert.equal(sb.storage.size, 0);
  const after = await outcome(auth.request({ url: '/api/profile' }));
  assert.equal(after.status, 200, 'the next request logs in with a wx.login of its own');
  assert.equal(sb.calls.counts.login, 2);
  sb.close();
});

test('25 requests at once on a verified login state: the manager never asks for an 11th wx.request', async () => {
  const { sb, auth } = setup();
  await auth.login();
  assert.equal((await auth.request({ url: '/api/profile' })).statusCode, 200);
  const rs = await Promise.all(Array.from({ length: 25 }, () => outcome(auth.request({ url: '/api/profile' }))));
  assert.deepEqual(plain(rs), Array(25).fill({ ok: true, status: 200 }));
  // What the manager asked of wx.request; the sandbox queues an 11th itself, as WeChat does.
  assert.equal(sb.calls.overLimit, 0, 'wx.request calls made while 10 were unanswered');
  assert.equal(sb.calls.maxAsked, 10, 'the ten slots used, no more');
  sb.close();
});
