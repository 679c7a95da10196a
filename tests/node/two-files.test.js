'use strict';
// The two files that ship (pkg/dist/index.js and the core.js it requires; scripts/bundle.js)
// and what they are split for (issue 20): with no session, wx.login is the first wx call
// after storage and starts before core.js is loaded; there is one LoginError class for
// both; with a stored session the wasm's load waits a task, so the first answer reaches
// the page before it starts. On copies of pkg/dist, so that each test loads both files fresh.
const test = require('node:test');
const assert = require('node:assert/strict');
const fs = require('fs');
const os = require('os');
const path = require('path');
const zlib = require('zlib');

const DIST = path.resolve(process.env.WEAPP_LOGIN_DIST || path.join(__dirname, '../../pkg/dist'));

/**
 * A fresh copy of pkg/dist (its own module paths, so nothing is cached) and what a fake wx
 * saw: for each wx.login, whether core.js had been loaded by then.
 */
function freshCopy(stored) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'weapp-dist-'));
  for (const f of ['index.js', 'core.js', 'weapp_login_bg.wasm.br']) fs.copyFileSync(path.join(DIST, f), path.join(dir, f));
  const core = path.join(dir, 'core.js');
  const seen = { logins: [], requests: [], calls: [] };
  const storage = new Map(stored ? [['weapp_login_session', { token: 'tok-stored', expiresAt: Date.now() + 3600e3 }]] : []);
  const wx = {
    login(o) { seen.calls.push('login'); seen.logins.push(require.cache[core] !== undefined); Promise.resolve().then(() => o.success({ code: 'c1', errMsg: 'login:ok' })); },
    checkSession(o) { Promise.resolve().then(() => o.success({ errMsg: 'checkSession:ok' })); },
    request(o) {
      seen.requests.push(o.url);
      const data = o.url.endsWith('/user/login') ? { token: 'tok-new' } : { ok: true };
      Promise.resolve().then(() => o.success({ statusCode: 200, data, header: {}, errMsg: 'request:ok' }));
      return { abort() {} };
    },
    getNetworkType(o) { seen.calls.push('getNetworkType'); Promise.resolve().then(() => o.success({ networkType: 'wifi', errMsg: 'getNetworkType:ok' })); },
    onNetworkStatusChange() { seen.calls.push('onNetworkStatusChange'); },
    getStorageSync: (k) => { seen.calls.push('getStorageSync'); return storage.has(k) ? storage.get(k) : ''; },
    setStorageSync: (k, v) => { storage.set(k, v); },
    removeStorageSync: (k) => { storage.delete(k); },
  };
  const { createLoginManager } = require(path.join(dir, 'index.js'));
  return { dir, core, seen, wx, createLoginManager };
}

test('two files: with no session wx.login starts before core.js is loaded, first after storage; then core.js is, inside createLoginManager', async () => {
  const f = freshCopy(false);
  assert.equal(require.cache[f.core], undefined, 'requiring index.js does not load core.js');
  const auth = f.createLoginManager({ wx: f.wx, loginUrl: 'https://api.example.com/user/login', baseUrl: 'https://api.example.com' });
  assert.deepEqual(f.seen.logins, [false], 'the early wx.login, before core.js');
  // The session is read, then wx.login starts; the network is asked after it (its answer
  // never comes within createLoginManager, so asking first would only delay the login).
  assert.deepEqual(f.seen.calls, ['getStorageSync', 'login', 'getNetworkType', 'onNetworkStatusChange']);
  assert.notEqual(require.cache[f.core], undefined, 'core.js once createLoginManager returns');
  // One LoginError class for both files: an error the manager (core.js) makes is index.js's.
  const { LoginError } = require(path.join(f.dir, 'index.js'));
  const bad = await auth.request({ url: '' }).catch((e) => e);
  assert.ok(bad instanceof LoginError, String(bad));
  assert.equal(bad.code, 'INVALID_OPTIONS');
  assert.equal((await auth.request({ url: '/api/x' })).statusCode, 200);
  assert.deepEqual(f.seen.logins, [false], 'the Core took the early code: one wx.login');
  fs.rmSync(f.dir, { recursive: true });
});

test('two files: with a stored session the first request is answered before the wasm load starts, a task later', async () => {
  const f = freshCopy(true);
  // WeChat's WXWebAssembly.instantiate takes a code-package path and reads and decompresses
  // in the call: the stand-in does the same, and records whether the page had its answer.
  let answered = false;
  const at = [];
  globalThis.WXWebAssembly = standIn(f.dir, at, () => answered);
  try {
    const auth = f.createLoginManager({ wx: f.wx, loginUrl: 'https://api.example.com/user/login', baseUrl: 'https://api.example.com' });
    const r = await auth.request({ url: '/api/x' });
    answered = true;
    assert.equal(r.statusCode, 200);
    assert.deepEqual(at, [], 'the page has its answer and the wasm load has not started');
    await auth.ready;
    assert.deepEqual(at, [{ p: '/miniprogram_npm/weapp-login/weapp_login_bg.wasm.br', answered: true }]);
    assert.deepEqual(f.seen.requests, ['https://api.example.com/api/x']);
    assert.deepEqual(f.seen.logins, []);
  } finally {
    delete globalThis.WXWebAssembly;
    fs.rmSync(f.dir, { recursive: true });
  }
});

/** A WXWebAssembly stand-in over `dir`'s .wasm.br that records each instantiate. */
function standIn(dir, at, answered) {
  return {
    instantiate(p, imports) {
      at.push({ p, answered: answered() });
      const bytes = zlib.brotliDecompressSync(fs.readFileSync(path.join(dir, 'weapp_login_bg.wasm.br')));
      return WebAssembly.instantiate(bytes, imports);
    },
  };
}

test('two files: with no session the wasm load starts in a microtask (the login needs the Core), not a task later', async () => {
  const f = freshCopy(false);
  const at = [];
  globalThis.WXWebAssembly = standIn(f.dir, at, () => false);
  try {
    const auth = f.createLoginManager({ wx: f.wx, loginUrl: 'https://api.example.com/user/login', baseUrl: 'https://api.example.com' });
    assert.equal(at.length, 0, 'never inside createLoginManager');
    for (let i = 0; i < 5; i++) await null; // microtasks only: no task has run
    assert.equal(at.length, 1, 'instantiate called within the microtasks after createLoginManager');
    await auth.ready;
  } finally {
    delete globalThis.WXWebAssembly;
    fs.rmSync(f.dir, { recursive: true });
  }
});

test('two files: with a stored session and no global setTimeout (a bare engine), the wasm still loads, in a microtask', async () => {
  const f = freshCopy(true);
  const hostSetTimeout = globalThis.setTimeout;
  let auth;
  globalThis.setTimeout = undefined;
  try {
    auth = f.createLoginManager({ wx: f.wx, loginUrl: 'https://api.example.com/user/login', baseUrl: 'https://api.example.com' });
  } finally {
    globalThis.setTimeout = hostSetTimeout;
  }
  await auth.ready; // rejects WASM_LOAD_FAILED if the load were put behind a setTimeout that does not exist
  assert.equal((await auth.request({ url: '/api/x' })).statusCode, 200);
  fs.rmSync(f.dir, { recursive: true });
});

test('two files: without a wx option the global wx is used, from the early wx.login on', async () => {
  const f = freshCopy(false);
  globalThis.wx = f.wx;
  try {
    const auth = f.createLoginManager({ loginUrl: 'https://api.example.com/user/login', baseUrl: 'https://api.example.com' });
    assert.deepEqual(f.seen.logins, [false]);
    assert.equal((await auth.request({ url: '/api/x' })).statusCode, 200);
    assert.deepEqual(f.seen.requests, ['https://api.example.com/user/login', 'https://api.example.com/api/x']);
  } finally {
    delete globalThis.wx;
    fs.rmSync(f.dir, { recursive: true });
  }
});

test('two files: where there is neither WXWebAssembly nor __dirname (a bare engine), createLoginManager returns and ready rejects WASM_LOAD_FAILED', async () => {
  const vm = require('vm');
  const f = freshCopy(false);
  // Each file as a CommonJS wrapper without __dirname or __filename, in a context of its own.
  const context = vm.createContext({ Promise, setTimeout });
  const cache = {};
  const load = (name) => {
    if (cache[name]) return cache[name].exports;
    const module = (cache[name] = { exports: {} });
    const src = fs.readFileSync(path.join(f.dir, name), 'utf8');
    vm.runInContext('(function (module, exports, require) {' + src + '\n})', context)
      .call(module.exports, module, module.exports, (id) => load(id.replace(/^\.\//, '')));
    return module.exports;
  };
  const { createLoginManager } = load('index.js');
  const auth = createLoginManager({ wx: f.wx, loginUrl: 'https://api.example.com/user/login' });
  const e = await auth.ready.then(() => null, (x) => x);
  assert.equal(e && e.code, 'WASM_LOAD_FAILED', String(e));
  fs.rmSync(f.dir, { recursive: true });
});

test('two files: index.js copied without core.js throws WASM_LOAD_FAILED naming core.js and the fix', () => {
  const f = freshCopy(false);
  fs.rmSync(f.core);
  const { LoginError } = require(path.join(f.dir, 'index.js'));
  assert.throws(() => f.createLoginManager({ wx: f.wx, loginUrl: 'https://api.example.com/user/login' }), (e) => {
    assert.ok(e instanceof LoginError, String(e));
    assert.equal(e.code, 'WASM_LOAD_FAILED');
    assert.match(e.message, /^cannot load core\.js beside index\.js: copy all of weapp-login's dist\/ \(Build npm does\): /);
    assert.equal(typeof e.errMsg, 'string');
    return true;
  });
  fs.rmSync(f.dir, { recursive: true });
});
