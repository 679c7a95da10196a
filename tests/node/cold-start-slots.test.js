'use strict';
// The early send's own limit (js-shim/cold-start.js `token`/`sent`): before the Core
// exists, early sends and the requests waiting for the Core are at most 10 together (the
// Core sends those waiting, so more early sends would make an 11th wx.request in flight).
// The wasm is held back by a WXWebAssembly stand-in until the test releases it, so
// "before the Core" is exact.
// Its own process: the instantiation is shared by every manager of a module.
const test = require('node:test');
const assert = require('node:assert/strict');
const fs = require('fs');
const path = require('path');
const zlib = require('zlib');

const DIST = path.join(__dirname, '../../pkg/dist');
let release;
const gate = new Promise((resolve) => {
  release = resolve;
});
globalThis.WXWebAssembly = {
  instantiate(p, imports) {
    const bytes = zlib.brotliDecompressSync(fs.readFileSync(path.join(DIST, 'weapp_login_bg.wasm.br')));
    return gate.then(() => WebAssembly.instantiate(bytes, imports));
  },
};
const { createLoginManager } = require(path.join(DIST, 'index.js'));
const { createClock, createServer, createFakeWx } = require(path.join(__dirname, '../../pkg/testing/index.js'));

const START = Date.UTC(2026, 0, 1);

/**
 * A manager created on a launch with a persisted, unexpired token ('tok-stored'), on a
 * virtual clock; every wx call answers after 50 ms; `api(req)` answers /api/ routes.
 */
function storedSession(api) {
  const clock = createClock({ start: START });
  const server = createServer();
  server.loginRoute('/user/login');
  server.route('*', /^\/api\//, api);
  const fake = createFakeWx({ clock, server, latencyMs: 50 });
  fake.api.setStorageSync('weapp_login_session', { token: 'tok-stored', expiresAt: START + 7200 * 1000 });
  const auth = createLoginManager({
    loginUrl: 'https://api.example.com/user/login', baseUrl: 'https://api.example.com', wx: fake.api, clock,
  });
  return { clock, fake, auth };
}

/** Resolves once the pending promise reactions (the sends they make) have run. */
const settle = () => new Promise((r) => setImmediate(r));

test('cold start: an answered early send frees its slot while no request waits for the Core', async () => {
  const { clock, fake, auth } = storedSession(() => ({ data: { ok: true } }));
  const first = [];
  for (let i = 0; i < 10; i++) first.push(auth.request({ url: '/api/a?i=' + i }));
  await settle();
  assert.equal(fake.calls.requests.length, 10);
  await clock.advance(60);
  assert.deepEqual((await Promise.all(first)).map((r) => r.statusCode), new Array(10).fill(200), 'settled before the wasm');
  const more = [];
  for (let i = 0; i < 12; i++) more.push(auth.request({ url: '/api/b?i=' + i }));
  await settle();
  assert.equal(fake.calls.requests.length, 20, 'ten more early sends, in the slots the answers freed; two wait');
  await clock.advance(60); // ten answered: ten slots free, but two wait for the Core
  more.push(auth.request({ url: '/api/c' }));
  await settle();
  assert.equal(fake.calls.requests.length, 21, 'early sends and waiting requests: at most 10 together');
  for (let i = 0; i < 8; i++) more.push(auth.request({ url: '/api/d?i=' + i }));
  await settle();
  assert.equal(fake.calls.requests.length, 28, 'seven more early (1 + 7 + 2 waiting = 10); the eighth waits');
  assert.equal(fake.calls.overLimitByApi.request, 0);
  // This manager's Core starts when the next test releases the wasm (one per module).
});

test('cold start: a request with auth: false never goes early (it would carry the token); it counts against the early slots', async () => {
  const { clock, fake, auth } = storedSession(() => ({ data: { ok: true } }));
  auth.request({ url: '/api/public', auth: false });
  for (let i = 0; i < 10; i++) auth.request({ url: '/api/private?i=' + i });
  await settle();
  assert.deepEqual(fake.calls.requests.map((r) => r.url),
    Array.from({ length: 9 }, (_, i) => 'https://api.example.com/api/private?i=' + i),
    'the opt-out waits for the Core; nine early sends beside it');
  assert.ok(fake.calls.requests.every((r) => r.header.Authorization === 'Bearer tok-stored'));
});

test('cold start: at most 10 early sends before the Core exists; the rest wait, and all settle with the stored token', async () => {
  const { clock, fake, auth } = storedSession((req) => (/Bearer tok-stored$/.test(req.header.Authorization)
    ? { data: { ok: true } } : { statusCode: 401, data: {} }));
  const ps = [];
  for (let i = 0; i < 25; i++) ps.push(auth.request({ url: '/api/item?i=' + i }));
  await settle();
  const early = fake.calls.requests.length;
  assert.equal(early, 10, 'ten early sends, no more, before the wasm');
  // Answers come back (freeing their wx slots) while the wasm is still held back: the
  // early slots are the early sends', and none is taken twice.
  await clock.advance(60);
  await settle();
  assert.equal(fake.calls.overLimitByApi.request, 0, 'never an 11th wx.request asked while 10 were unanswered');
  // The ten were answered, but 15 requests wait for the Core: one more waits with them
  // (sent early, it would be an 11th in flight once the Core sends ten of those waiting).
  ps.push(auth.request({ url: '/api/item?i=25' }));
  await settle();
  assert.equal(fake.calls.requests.length, 10, '15 waiting: no early slot is free');
  release();
  await auth.ready;
  const res = await clock.runUntil(Promise.all(ps));
  assert.deepEqual(res.map((r) => r.statusCode), new Array(26).fill(200));
  assert.equal(fake.calls.login, 0, 'no wx.login: the stored token served every request');
  assert.ok(fake.calls.maxAskedByApi.request <= 10, 'at most 10 wx.request asked at once: ' + fake.calls.maxAskedByApi.request + ', over ' + fake.calls.overLimitByApi.request);
  assert.ok(fake.calls.requests.every((r) => r.header.Authorization === 'Bearer tok-stored'));
});
