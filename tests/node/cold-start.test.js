'use strict';
// Cold start with a persisted token (issue 9 item 3): requests go out before the wasm is
// instantiated, and an answer that is no auth failure reaches the page before the wasm
// does; everything else waits for the Core. The wasm is held back by a WXWebAssembly
// stand-in (as in a mini program, where the bundle loads through WXWebAssembly) whose
// instantiate only completes when the test releases it, so "before the wasm" is exact,
// not a race. Its own process: the instantiation is shared by every manager of a module.
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
let instantiated = false;
globalThis.WXWebAssembly = {
  instantiate(p, imports) {
    const bytes = zlib.brotliDecompressSync(fs.readFileSync(path.join(DIST, 'weapp_login_bg.wasm.br')));
    return gate.then(() => WebAssembly.instantiate(bytes, imports)).then((r) => {
      instantiated = true;
      return r;
    });
  },
};
const { createLoginManager, LoginError } = require(path.join(DIST, 'index.js'));
const { createClock, createServer, createFakeWx } = require(path.join(__dirname, '../../pkg/testing/index.js'));

const START = Date.UTC(2026, 0, 1);
const KEY = 'weapp_login_session';

/** A promise's state right now (after pending reactions ran). */
async function state(p) {
  const marker = {};
  const v = await Promise.race([p.then((x) => ({ x }), (e) => ({ e })), new Promise((r) => setImmediate(() => r(marker)))]);
  return v === marker ? 'pending' : v;
}

test('with a persisted token, answers that are no auth failure reach the page before the wasm exists', async () => {
  const clock = createClock({ start: START });
  const server = createServer();
  server.loginRoute('/user/login');
  // The persisted token is good for /api/ok and expired for /api/expired; tokens from a
  // fresh login are good everywhere.
  server.route('*', /^\/api\/expired/, (req) => (server.validToken(req) ? { data: { ok: 'new' } } : { statusCode: 401, data: {} }));
  server.route('*', /^\/api\//, (req) => (/Bearer tok-stored$/.test(req.header.Authorization) || server.validToken(req)
    ? { data: { ok: true } } : { statusCode: 401, data: {} }));
  const fake = createFakeWx({ clock, server });
  fake.api.setStorageSync(KEY, { token: 'tok-stored', expiresAt: START + 7200 * 1000 });
  const events = [];
  const auth = createLoginManager({
    loginUrl: 'https://api.example.com/user/login', baseUrl: 'https://api.example.com', wx: fake.api, clock,
    onEvent: (e) => events.push(e.type),
  });
  const completes = [];
  const ok = auth.request({ url: '/api/ok', complete: (r) => completes.push(r.statusCode) });
  const expired = auth.request({ url: '/api/expired' });
  const aborted = auth.request({ url: '/api/ok?aborted' });
  aborted.abort(); // before its answer: abort wins, as it would with the wasm there
  assert.equal(fake.calls.requests.length, 3, 'all three went out at once, with the persisted token');

  await clock.advance(100); // every answer is in (latency 10 ms); the wasm is still held
  assert.equal(instantiated, false);
  const r = await state(ok);
  assert.equal(r.x && r.x.statusCode, 200, 'the 200 resolved before the wasm');
  assert.deepEqual(completes, [200], 'its complete callback ran once');
  assert.equal(await state(expired), 'pending', 'a 401 waits for the Core');
  assert.equal(await state(aborted), 'pending', 'the abort waits for the Core');

  release();
  await auth.ready;
  const renewed = await clock.runUntil(expired);
  assert.equal(renewed.statusCode, 200, 'the 401 renewed and replayed once the Core existed');
  assert.equal(renewed.data.ok, 'new');
  const e = await aborted.then(() => null, (x) => x);
  assert.ok(e instanceof LoginError && e.code === 'ABORTED', String(e));
  assert.deepEqual(completes, [200], 'the Core adopting the early 200 settled nothing twice');
  assert.equal(fake.calls.login, 1);
  // The login state goes on as usual: the next request uses the new token.
  const next = await clock.runUntil(auth.request({ url: '/api/expired?again' }));
  assert.equal(next.data.ok, 'new');
  assert.ok(events.includes('session:restored'), events.join());
});
