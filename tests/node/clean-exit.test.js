'use strict';
// A Node test of app code ends as soon as it is done (issue 19, item 6). App code makes its
// manager with no `clock` (the Quick start's auth.js), so the manager's deadlines are real
// timers; a test drives weapp-login/testing's fake on a virtual clock. A deadline that no
// promise the test awaits depends on (the launch's wx.getNetworkType wait, 3 s; the
// persisted token's wx.checkSession timeout, 5 s) must not keep the process alive: after
// each scenario, a fresh Node process holds no ref'd timer (process.getActiveResourcesInfo
// lists only ref'd ones), so it exits at once instead of 3-5 s later.
const test = require('node:test');
const assert = require('node:assert/strict');
const path = require('path');
const { spawnSync } = require('child_process');

const REPO = path.join(__dirname, '../..');
const DIST = path.resolve(process.env.WEAPP_LOGIN_DIST || path.join(REPO, 'pkg/dist'));

/** Runs `body` (async, after setup) in a fresh Node; returns the ref'd timers left after it. */
function timersLeft(body) {
  const script = `
    const { createLoginManager } = require(${JSON.stringify(DIST)});
    const { createClock, createServer, createFakeWx, createStorage } = require(${JSON.stringify(path.join(REPO, 'pkg/testing'))});
    const clock = createClock({ start: 1767225600000 });
    const server = createServer();
    server.loginRoute('/user/login', { expiresIn: 7200 });
    server.route('GET', '/api/profile', server.authed(() => ({ data: { nickname: 'Ann' } })));
    const storage = createStorage();
    const appCode = (fake) => createLoginManager({ wx: fake.api, // no clock, as auth.js
      loginUrl: 'https://api.example.com/user/login', baseUrl: 'https://api.example.com' });
    (async () => { ${body} })().then(() => setImmediate(() => {
      console.log(JSON.stringify(process.getActiveResourcesInfo().filter((r) => r === 'Timeout').length));
      process.exit(0);
    }), (e) => { console.error(e); process.exit(1); });`;
  const r = spawnSync(process.execPath, ['-e', script], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  return JSON.parse(r.stdout.trim().split('\n').pop());
}

test('a manager that only loaded its wasm leaves no ref\'d timer (the network wait)', () => {
  assert.equal(timersLeft(`
    const auth = appCode(createFakeWx({ clock, server, platform: 'wx', storage }));
    await auth.ready;`), 0);
});

test('a first launch that logged in leaves no ref\'d timer', () => {
  assert.equal(timersLeft(`
    const auth = appCode(createFakeWx({ clock, server, platform: 'wx', storage }));
    await auth.ready;
    const r = await clock.runUntil(auth.request({ url: '/api/profile' }));
    if (r.statusCode !== 200) throw new Error('status ' + r.statusCode);`), 0);
});

test('a second launch with the persisted token leaves no ref\'d timer (the checkSession timeout)', () => {
  assert.equal(timersLeft(`
    const first = appCode(createFakeWx({ clock, server, platform: 'wx', storage }));
    await first.ready;
    await clock.runUntil(first.request({ url: '/api/profile' }));
    const second = appCode(createFakeWx({ clock, server, platform: 'wx', storage }));
    await second.ready;
    const r = await clock.runUntil(second.request({ url: '/api/profile' }));
    if (r.statusCode !== 200) throw new Error('status ' + r.statusCode);`), 0);
});

test('a request waiting on a real deadline keeps its timer ref\'d (a login that never answers ends in LOGIN_TIMEOUT)', () => {
  // The manager's own loginTimeoutMs on the real clock: the test awaits it, so Node must wait.
  const script = `
    const { createLoginManager } = require(${JSON.stringify(DIST)});
    const wx = { login() {}, checkSession() {}, request() {}, getStorageSync() { return ''; }, setStorageSync() {}, removeStorageSync() {} };
    const auth = createLoginManager({ wx, loginUrl: 'https://api.example.com/user/login', loginTimeoutMs: 50 });
    auth.login().then(() => console.log('resolved'), (e) => console.log(e.code));`;
  const r = spawnSync(process.execPath, ['-e', script], { encoding: 'utf8' });
  assert.equal(r.stdout.trim(), 'LOGIN_TIMEOUT', r.stderr);
});
