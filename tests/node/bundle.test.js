'use strict';
// What pkg/dist ships, checked as a mini program would meet it (pkg/REFERENCE.md "Exports",
// docs/WECHAT.md "The WebAssembly runtime of a mini program").
const test = require('node:test');
const assert = require('node:assert/strict');
const fs = require('fs');
const os = require('os');
const path = require('path');
const zlib = require('zlib');
const { execFileSync } = require('child_process');

const DIST = path.join(__dirname, '../../pkg/dist');
const pkg = require('../../pkg/package.json');

test('package.json points main, types and miniprogram at built files', () => {
  for (const f of [pkg.main, pkg.types]) assert.ok(fs.existsSync(path.join(__dirname, '../../pkg', f)), f);
  assert.equal(pkg.miniprogram, 'dist');
  // The manager (index.js and the core.js it requires), its wasm, and the five adapters
  // (each its own file: a page that does not require one does not load it), with their types.
  const adapters = ['axios', 'fly', 'luch-request', 'taro', 'uni'];
  const expected = ['core.js', 'index.d.ts', 'index.js', 'interceptable.d.ts', 'weapp_login_bg.wasm.br']
    .concat(...adapters.map((a) => [a + '.d.ts', a + '.js']));
  assert.deepEqual(fs.readdirSync(DIST).sort(), expected.sort());
});

test('the shipped wasm is strict MVP and exports no Global', () => {
  const wasm = zlib.brotliDecompressSync(fs.readFileSync(path.join(DIST, 'weapp_login_bg.wasm.br')));
  const kinds = WebAssembly.Module.exports(new WebAssembly.Module(wasm)).map((e) => e.kind);
  assert.ok(kinds.includes('function'));
  assert.ok(!kinds.includes('global'), 'iOS rejects exported Globals');
  const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'wasm-')), 'shipped.wasm');
  fs.writeFileSync(file, wasm);
  // Throws (and fails the test) if any post-MVP feature is used.
  execFileSync('wasm-validate', ['--disable-bulk-memory', '--disable-reference-types', '--disable-multi-value',
    '--disable-saturating-float-to-int', '--disable-sign-extension', '--disable-mutable-globals', file]);
  fs.rmSync(path.dirname(file), { recursive: true });
});

test('the CommonJS bundle uses nothing a mini program lacks', () => {
  for (const name of ['index.js', 'core.js']) {
    const js = fs.readFileSync(path.join(DIST, name), 'utf8');
    assert.doesNotMatch(js, /import\.meta/, name);
    assert.doesNotMatch(js, /\beval\s*\(/, name);
    assert.doesNotMatch(js, /new Function\s*\(/, name);
    assert.doesNotMatch(js, /\bfetch\s*\(/, name);
    assert.doesNotMatch(js, /^\s*(import|export)\s/m, 'CommonJS only: ' + name);
    assert.doesNotMatch(js, /require\("(fs|zlib)"\)/, 'no literal require of Node built-ins: ' + name);
    // Each requires the other only, by a relative path a mini program's require resolves.
    const requires = Array.from(new Set(js.match(/require\("[^"]*"\)/g)));
    assert.deepEqual(requires, [name === 'index.js' ? 'require("./core.js")' : 'require("./index.js")'], name);
  }
  const js = fs.readFileSync(path.join(DIST, 'core.js'), 'utf8');
  // The glue's codec is js-shim/text-codec.js (esbuild inject), never constructed from a
  // global by name; the platform's codec is taken only behind a typeof guard that is
  // false wherever WXWebAssembly exists (tests/node/sandbox.test.js loads the bundle where
  // neither global exists).
  assert.match(js, /typeof WXWebAssembly=="undefined"&&typeof TextEncoder=="function"&&typeof TextDecoder=="function"/);
  assert.doesNotMatch(js, /new Text(De|En)coder\b/, 'no global TextDecoder/TextEncoder');
});

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
  globalThis.WXWebAssembly = {
    instantiate(p, imports) {
      at.push({ p, answered });
      const bytes = zlib.brotliDecompressSync(fs.readFileSync(path.join(f.dir, 'weapp_login_bg.wasm.br')));
      return WebAssembly.instantiate(bytes, imports);
    },
  };
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
