'use strict';
// Mistakes an adopter makes, each met with a message that names the fix (issue 19, item 7),
// on the shipped bundle (pkg/dist) and weapp-login/testing:
// - a login answer whose token is not at tokenField: LOGIN_REJECTED names tokenField's
//   value and the answer's top-level keys, never their values;
// - a wasmPath with no file: WASM_LOAD_FAILED names the path tried and carries errMsg;
// - a second manager with another wasmPath: refused (INVALID_OPTIONS naming both), never
//   silently served by the first one's wasm;
// - expiresIn sent in ms by mistake (7,200,000): said through onEvent.
const test = require('node:test');
const assert = require('node:assert/strict');
const path = require('path');
const { createClock, createServer, createFakeWx } = require('../../pkg/testing');

const DIST = path.join(path.resolve(process.env.WEAPP_LOGIN_DIST || path.join(__dirname, '../../pkg/dist')), 'index.js');
const ORIGIN = 'https://api.example.com';

/**
 * A fresh copy of the package's modules (index.js and the core.js it requires, whose glue
 * holds the wasm instance): its one-wasm-per-app state starts empty.
 */
function freshModule() {
  const files = [DIST, path.join(path.dirname(DIST), 'core.js')];
  const drop = () => files.forEach((f) => delete require.cache[f]);
  drop();
  const m = require(DIST);
  drop();
  return m;
}

/** A manager on a virtual clock whose login route answers `answer` (a ServerAnswer). */
function world(answer, extra) {
  const clock = createClock({ start: 1767225600000 });
  const server = createServer();
  server.route('POST', '/user/login', () => answer);
  server.route('GET', '/api/me', server.authed(() => ({ data: { ok: true } })));
  const fake = createFakeWx({ clock, server, platform: 'wx' });
  const events = [];
  const { createLoginManager } = freshModule();
  const auth = createLoginManager(Object.assign({
    wx: fake.api, clock, loginUrl: ORIGIN + '/user/login', baseUrl: ORIGIN, onEvent: (e) => events.push(e),
  }, extra));
  return { clock, auth, events };
}

test('LOGIN_REJECTED for a token at another field names tokenField and the keys the answer had, not their values', async () => {
  const { clock, auth } = world({ data: { access_token: 'SECRET-abc', expires_in: 7200 } });
  await auth.ready;
  const e = await clock.runUntil(auth.login().then(() => null, (x) => x));
  assert.equal(e && e.code, 'LOGIN_REJECTED');
  assert.match(e.message, /tokenField 'token'/, e.message);
  assert.match(e.message, /access_token, expires_in/, e.message);
  assert.doesNotMatch(e.message, /SECRET|7200|rejected by the server/, e.message);
  assert.deepEqual(e.response.data, { access_token: 'SECRET-abc', expires_in: 7200 });
});

test('LOGIN_REJECTED names a nested tokenField and the top-level keys ({code, data: {token}})', async () => {
  const { clock, auth } = world({ data: { code: 0, data: { token: 'SECRET-t' } } }, { tokenField: 'data.tok' });
  await auth.ready;
  const e = await clock.runUntil(auth.login().then(() => null, (x) => x));
  assert.equal(e && e.code, 'LOGIN_REJECTED');
  assert.match(e.message, /tokenField 'data\.tok' \(keys: code, data\)/, e.message);
  assert.doesNotMatch(e.message, /SECRET/);
});

test('LOGIN_REJECTED for a status names the status only', async () => {
  const { clock, auth } = world({ statusCode: 500, data: { error: 'boom' } });
  await auth.ready;
  const e = await clock.runUntil(auth.login().then(() => null, (x) => x));
  assert.equal(e && e.code, 'LOGIN_REJECTED');
  assert.match(e.message, /HTTP 500/);
  assert.doesNotMatch(e.message, /tokenField/);
});

test('WASM_LOAD_FAILED names the wasmPath tried and carries the platform message as errMsg', async () => {
  const missing = path.join(__dirname, 'no-such-dir', 'weapp_login_bg.wasm.br');
  const { auth } = world({ data: {} }, { wasmPath: missing });
  const e = await auth.ready.then(() => null, (x) => x);
  assert.equal(e && e.code, 'WASM_LOAD_FAILED');
  assert.ok(e.message.includes(missing), e.message);
  assert.equal(typeof e.errMsg, 'string');
  assert.match(e.errMsg, /ENOENT/);
});

test('a second manager with another wasmPath is refused, naming both; the same path is served', () => {
  const { createLoginManager, LoginError } = freshModule();
  const clock = createClock();
  const fake = createFakeWx({ clock, server: createServer(), platform: 'wx' });
  const base = { wx: fake.api, clock, loginUrl: ORIGIN + '/user/login' };
  const first = path.join(path.dirname(DIST), 'weapp_login_bg.wasm.br');
  createLoginManager(Object.assign({ wasmPath: first }, base));
  const other = path.join(__dirname, 'elsewhere', 'weapp_login_bg.wasm.br');
  assert.throws(() => createLoginManager(Object.assign({ wasmPath: other }, base)), (e) => {
    assert.ok(e instanceof LoginError);
    assert.equal(e.code, 'INVALID_OPTIONS');
    assert.equal(e.message, `invalid options: wasmPath ${other} is not ${first} (one wasm per app)`);
    return true;
  });
  assert.doesNotThrow(() => createLoginManager(Object.assign({ wasmPath: first }, base)));
  assert.doesNotThrow(() => createLoginManager(base), 'no wasmPath: the default, the same file in Node');
});

test('a wasmPath that failed to load is not kept: a later manager may load another one', async () => {
  const { createLoginManager } = freshModule();
  const clock = createClock();
  const fake = createFakeWx({ clock, server: createServer(), platform: 'wx' });
  const base = { wx: fake.api, clock, loginUrl: ORIGIN + '/user/login' };
  const missing = path.join(__dirname, 'elsewhere', 'weapp_login_bg.wasm.br');
  const e = await createLoginManager(Object.assign({ wasmPath: missing }, base)).ready.then(() => null, (x) => x);
  assert.equal(e && e.code, 'WASM_LOAD_FAILED');
  const good = createLoginManager(Object.assign({ wasmPath: path.join(path.dirname(DIST), 'weapp_login_bg.wasm.br') }, base));
  await good.ready; // rejects (and fails the test) if the failed path were still the app's one wasm
  assert.throws(() => createLoginManager(Object.assign({ wasmPath: missing }, base)), /one wasm per app/,
    'once one has loaded, it is the only one');
});

test('expiresIn that looks like ms (7,200,000) is said through onEvent; 7200 s is not', async () => {
  for (const [expiresIn, said] of [[7200000, true], [7200, false], [2592000, false]]) {
    const { clock, auth, events } = world({ data: { token: 'tok-1', expiresIn } });
    await auth.ready;
    await clock.runUntil(auth.login());
    const ev = events.filter((e) => e.type === 'login:long-expiry');
    assert.deepEqual(ev, said ? [{ type: 'login:long-expiry', expiresIn }] : [], 'expiresIn ' + expiresIn);
    assert.ok(events.some((e) => e.type === 'login:success'), 'the login still succeeds');
  }
});

test('a numeric-string expiresIn ("7200000") is LOGIN_REJECTED, with no login:long-expiry', async () => {
  const { clock, auth, events } = world({ data: { token: 'tok-1', expiresIn: '7200000' } });
  await auth.ready;
  const e = await clock.runUntil(auth.login().then(() => null, (x) => x));
  assert.equal(e && e.code, 'LOGIN_REJECTED');
  assert.match(e.message, /expiresIn/);
  assert.deepEqual(events.filter((x) => x.type === 'login:long-expiry'), []);
});
