'use strict';
// Issue 17 through the five adapters on the real pinned libraries (tests/node/adapter-world.js):
// the token reaches wx.request only on a URL that `authorize` judged and granted it for,
// byte for byte, and the Core trusts that URL (hostile shapes and generated ones); taro and
// uni keep a page's throwing callback its own; axios rejects a request cancelled while it
// waits for the login at once.
const test = require('node:test');
const assert = require('node:assert/strict');
const fc = require('fast-check');
const { setup, world, STACK_NAMES } = require('./adapter-world.js');
const W = require('./trust-world.js');

setup(test);

/** URLs per library in the property (each goes through the library in the sandbox). */
const PER_LIB = Math.max(1, Math.floor(W.RUNS / 50));
const HOSTILE = ['//evil.com/api/x', '///evil.com/api/x', '\\\\evil.com/api/x', '/\\evil.com/api/x', 'http:/evil.com/api/x',
  'http:evil.com/api/x', 'http:\\\\evil.com/api/x', 'https:/api.example.com/api/x', 'https://api.example.com\\@evil.com/api/x',
  'https://api.example.com@evil.com/api/x', 'https://api.ka\u212aao.com/api/x', 'https://127.1/api/x', ' https://evil.com/api/x',
  'https://evil.com/api/x', '//api.example.com/api/x', 'https://api.example.com/api/ok', '/api/ok', 'api/ok'];

for (const lib of STACK_NAMES) {
  test(`[${lib}] the token only on a URL authorize judged, sent byte for byte (${HOSTILE.length} hostile + ${PER_LIB} generated)`, async () => {
    const trusts = await W.coreVerdict();
    const w = world(lib, { options: { trustedOrigins: W.TRUSTED } });
    const granted = new Set();
    const authorize = w.auth.authorize;
    w.auth.authorize = (o) => authorize.call(w.auth, o).then((g) => {
      if (g.options.header && g.options.header.Authorization) granted.add(g.options.url);
      return g;
    });
    const urls = HOSTILE.concat(fc.sample(W.url, { numRuns: PER_LIB, seed: 17 }));
    for (const url of urls) await w.run(w.request(url), 2000).catch(() => {});
    const withToken = w.apiRequests().filter((r) => /tok-/.test(JSON.stringify(r.header || {})));
    assert.ok(withToken.length >= 3, 'some requests did carry the token');
    for (const r of withToken) {
      assert.ok(granted.has(r.url), r.url + ' carried the token but was never judged for it');
      assert.ok(trusts(r.url), r.url + ': js => core');
      assert.equal(r.url.indexOf('tok-'), -1);
    }
    w.sb.close();
  });
}

/** Collects unhandled rejections while `fn` runs (the sandbox's Promises are this process's). */
async function unhandled(fn) {
  const seen = [];
  const on = (e) => seen.push(e);
  process.on('unhandledRejection', on);
  try {
    await fn();
    await new Promise((r) => setTimeout(r, 20));
  } finally {
    process.off('unhandledRejection', on);
  }
  return seen;
}

test('item 8: [taro] a throwing page callback still runs complete; callbacks only: no unhandled rejection', async () => {
  const w = world('taro');
  const Taro = w.sb.require('taro'); // weapp-login/taro's interceptor added by world()
  const log = [];
  const seen = await unhandled(async () => {
    Taro.request({ url: 'https://api.example.com/api/a', success() { log.push('success'); throw new Error('page bug'); },
      complete() { log.push('complete'); } });
    await w.run(new Promise((r) => setTimeout(r, 0)).then(() => w.clock.advance(200)));
    Taro.request({ url: 'https://api.example.com/api/always401', fail() { log.push('fail'); throw new Error('page bug'); },
      complete() { log.push('complete'); } });
    for (let i = 0; i < 400; i++) await w.clock.advance(1);
    Taro.request({ url: 'https://api.example.com/api/always401', fail() { log.push('fail'); } });
    for (let i = 0; i < 400; i++) await w.clock.advance(1);
  });
  assert.deepEqual(log, ['success', 'complete', 'fail', 'complete', 'fail']);
  assert.deepEqual(seen.map(String), [], 'unhandled rejections');
  w.sb.close();
});

for (const lib of ['uni', 'uni3']) {
  test(`item 8: [${lib}] a throwing page callback still runs complete; callbacks only: no unhandled rejection`, async () => {
    const w = world(lib);
    const uni = w.sb.require(lib); // weapp-login/uni installed by world()
    const log = [];
    const seen = await unhandled(async () => {
      uni.request({ url: 'https://api.example.com/api/a', success() { log.push('success'); throw new Error('page bug'); },
        complete() { log.push('complete'); } });
      for (let i = 0; i < 200; i++) await w.clock.advance(1);
      uni.request({ url: 'https://api.example.com/api/always401', fail() { log.push('fail'); throw new Error('page bug'); },
        complete() { log.push('complete'); } });
      for (let i = 0; i < 400; i++) await w.clock.advance(1);
      uni.request({ url: 'https://api.example.com/api/always401', fail() { log.push('fail'); } });
      for (let i = 0; i < 400; i++) await w.clock.advance(1);
    });
    assert.deepEqual(log, ['success', 'complete', 'fail', 'complete', 'fail']);
    assert.deepEqual(seen.map(String), [], 'unhandled rejections');
    w.sb.close();
  });
}

test('item 9: [axios] a request cancelled (signal or cancelToken) while the login runs rejects at once', async () => {
  // The Core's own wx.login is made slow below, after the manager exists: no early one.
  const w = world('axios', { options: { earlyLogin: false } });
  const login = w.fake.api.login; // a login that takes 300 ms (wx.login answers late)
  let logins = 0;
  w.fake.api.login = (o) => { logins++; w.clock.setTimeout(() => login.call(w.fake.api, o), 300); };
  const { axios, mpAdapter } = w.sb.require('axios');
  const api = axios.create({ baseURL: 'https://api.example.com', adapter: mpAdapter });
  w.sb.require('weapp-login/axios').attach(api, w.auth);
  await w.auth.ready;
  // An AbortSignal's shape (the mini program has no AbortController): aborted, and its event.
  // A class instance, as AbortSignal is: axios's mergeConfig copies plain objects.
  const listeners = [];
  class Signal {
    constructor() { this.aborted = false; }
    addEventListener(t, f) { listeners.push(f); }
    removeEventListener(t, f) { listeners.splice(listeners.indexOf(f), 1); }
  }
  const signal = new Signal();
  const controller = { signal, abort() { signal.aborted = true; listeners.slice().forEach((f) => f()); } };
  const source = axios.CancelToken.source();
  const outcome = (p) => p.then(() => 'resolved', (e) => (axios.isCancel(e) ? 'cancelled' : String(e)));
  const bySignal = outcome(api.get('/api/a', { signal: controller.signal }));
  const byToken = outcome(api.get('/api/b', { cancelToken: source.token }));
  for (let i = 0; i < 50; i++) await w.clock.advance(1); // the login is under way
  assert.equal(logins, 1);
  controller.abort();
  source.cancel('left the page');
  const t0 = w.clock.now();
  assert.deepEqual(await w.run(Promise.all([bySignal, byToken]), 5), ['cancelled', 'cancelled']);
  assert.ok(w.clock.now() - t0 <= 5, 'rejected within 5 ms, not when the login ends');
  await w.run(w.auth.login());
  assert.equal(w.apiRequests().length, 0, 'neither was sent');
  w.sb.close();
});
