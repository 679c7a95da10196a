'use strict';
// Issue 17 before the Core exists (js-shim/cold-start.js): the early send with the
// persisted token never goes where the Core would not send it (generated URLs, the Kelvin
// sign, IPv4-number origins refused at createLoginManager), and logout() before the wasm
// is ready ends that token at once. The wasm is held back by a WXWebAssembly stand-in
// that instantiates only when the test releases it (as tests/node/cold-start.test.js);
// its own process, since the instantiation is shared by every manager of a module.
const test = require('node:test');
const assert = require('node:assert/strict');
const fs = require('fs');
const path = require('path');
const zlib = require('zlib');
const fc = require('fast-check');
const W = require('./trust-world.js');

const DIST = W.DIST;
const STORED = { token: 'STORED', expiresAt: Date.now() + 7200 * 1000 };
let release;
const gate = new Promise((resolve) => { release = resolve; });
let createLoginManager;
let LoginError;

test.before(async () => {
  await W.coreVerdict(); // the reference Core loads first, through WebAssembly
  globalThis.WXWebAssembly = {
    instantiate(p, imports) {
      const bytes = zlib.brotliDecompressSync(fs.readFileSync(path.join(DIST, 'weapp_login_bg.wasm.br')));
      return gate.then(() => WebAssembly.instantiate(bytes, imports));
    },
  };
  ({ createLoginManager, LoginError } = require(path.join(DIST, 'index.js')));
});

test(`the cold-start send: ${W.RUNS} generated URLs, each with a fresh manager before the wasm: js => core, sent as read`, async () => {
  const trusts = await W.coreVerdict();
  let early = 0;
  fc.assert(fc.property(W.url, (raw) => {
    const world = W.syncWx(STORED);
    const auth = createLoginManager({ wx: world.wx, loginUrl: W.LOGIN, baseUrl: W.BASE, trustedOrigins: W.TRUSTED });
    auth.request({ url: raw }).catch(() => {});
    if (world.calls.length === 0) return; // waits for the Core
    const sent = world.calls[0];
    const where = JSON.stringify(raw);
    assert.equal(world.calls.length, 1);
    assert.equal(sent.url, W.standard(raw, W.BASE), where + ': sent as read');
    assert.equal(W.tokenOf(sent), 'Bearer STORED', where);
    assert.ok(trusts(sent.url), where + ': js => core');
    assert.ok(W.TRUSTED_ORIGINS.includes(W.whatwgOrigin(raw, W.BASE)), where);
    early++;
  }), { numRuns: W.RUNS });
  assert.ok(early > W.RUNS / 50, 'some went out early: ' + early);
});

test('item 3: U+212A (Kelvin) never goes out early; IPv4-number hosts are INVALID_OPTIONS at createLoginManager', () => {
  const world = W.syncWx(STORED);
  const auth = createLoginManager({ wx: world.wx, loginUrl: 'https://api.kakao.com/login' });
  auth.request({ url: 'https://api.KaKao.com/x'.replace(/K/g, '\u212a') }).catch(() => {});
  auth.request({ url: 'https://api.kakao.com/ok' }).catch(() => {});
  assert.deepEqual(world.calls.map((c) => c.url), ['https://api.kakao.com/ok'], 'only the plain one went early');
  for (const host of ['127.1', '0x7f.0.0.1', '2130706433', '127.0.0.01', '1.2.3.4.', '0', '0x', '1.0x7f', '256.0.0.1']) {
    for (const o of [{ loginUrl: 'https://' + host + '/login' }, { loginUrl: W.LOGIN, baseUrl: 'https://' + host + ':8443' },
      { loginUrl: W.LOGIN, trustedOrigins: [W.LOGIN, 'https://' + host] }]) {
      const w = W.syncWx(STORED);
      const key = Object.keys(o).pop();
      assert.throws(() => createLoginManager(Object.assign({ wx: w.wx }, o)), (e) => e instanceof LoginError
        && e.code === 'INVALID_OPTIONS' && e.message.includes(key) && e.message.includes('dotted quad'), JSON.stringify(o));
      assert.equal(w.calls.length, 0);
    }
  }
  for (const host of ['127.0.0.1', '10.0.0.255', 'a1.example.com', 'example.com.', '[::1]']) {
    createLoginManager({ wx: W.syncWx().wx, loginUrl: 'https://' + host + '/login' });
  }
});

test('item 4: logout() before the wasm is ready ends the persisted token at once (memory and storage), also before login()', async () => {
  const a = W.syncWx(STORED);
  const auth = createLoginManager({ wx: a.wx, loginUrl: W.LOGIN, baseUrl: W.BASE });
  auth.request({ url: '/api/before' }).catch(() => {}); // before the logout: may carry it
  const out = auth.logout();
  assert.equal(a.store.has('weapp_login_session'), false, 'removed from storage synchronously');
  const after = auth.request({ url: '/api/after' });
  const b = W.syncWx(STORED);
  const again = createLoginManager({ wx: b.wx, loginUrl: W.LOGIN, baseUrl: W.BASE });
  again.logout();
  again.login().catch(() => {});
  const later = again.request({ url: '/api/after-login' });
  assert.deepEqual(a.calls.map((c) => c.url), ['https://api.example.com/v1/api/before'], 'nothing after the logout went early');
  assert.equal(b.calls.length, 0);
  release();
  await Promise.all([auth.ready, again.ready, out]);
  const settled = await Promise.allSettled([after, later]);
  for (const [w, name] of [[a, 'logout; request'], [b, 'logout; login; request']]) {
    const carried = w.calls.slice(name === 'logout; request' ? 1 : 0).filter((c) => W.tokenOf(c) === 'Bearer STORED');
    assert.deepEqual(carried.map((c) => c.url), [], name + ': the ended token went out');
  }
  // The Core started with no session: the requests logged in afresh (or were LOGGED_OUT).
  assert.ok(settled.every((s) => s.status === 'fulfilled' || s.reason.code === 'LOGGED_OUT'), JSON.stringify(settled));
  assert.ok(b.calls.some((c) => W.tokenOf(c) === 'Bearer TKN'), 'login() after the logout gave a new token');
});
