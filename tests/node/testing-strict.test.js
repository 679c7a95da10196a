'use strict';
// weapp-login/testing refuses what WeChat refuses (issue 19, item 8): a page that passes
// its tests with the harness must not fail on a phone because the fake was kinder. Each
// case follows WeChat's page for the API (and miniprogram-api-typings' result types).
const test = require('node:test');
const assert = require('node:assert/strict');
const path = require('path');
const { createClock, createServer, createFakeWx } = require('../../pkg/testing');
const { createLoginManager } = require('../../pkg/dist/index.js');

function fakeWorld() {
  const clock = createClock();
  const server = createServer();
  server.route('*', /.*/, (req) => ({ data: { path: req.path }, header: { 'X-Served': 'yes' } }));
  return createFakeWx({ clock, server });
}
const withCallbacks = (fn, options) => new Promise((resolve, reject) => {
  fn(Object.assign({}, options, { success: resolve, fail: reject }));
});

test('wx.login has no Promise style: called without callbacks it returns undefined (as on a phone)', async () => {
  const fake = fakeWorld();
  const out = fake.api.login();
  assert.equal(out, undefined, '`await wx.login()` would get undefined on a phone, and gets it here');
  assert.equal(fake.calls.login, 1, 'the login still runs');
  // The callback style works as always.
  const r = await fake.clock.runUntil(withCallbacks(fake.api.login));
  assert.deepEqual(r, { code: 'code-2', errMsg: 'login:ok' });
});

test('wx.uploadFile succeeds with {data: string, statusCode, errMsg}: no header (it reaches onHeadersReceived only)', async () => {
  const fake = fakeWorld();
  const heard = [];
  let task;
  const r = await fake.clock.runUntil(new Promise((resolve, reject) => {
    task = fake.api.uploadFile({ url: 'https://a.example.com/up', filePath: 'wxfile://tmp/a.png', name: 'file', success: resolve, fail: reject });
    task.onHeadersReceived((h) => heard.push(h.header['X-Served']));
  }));
  assert.deepEqual(Object.keys(r).sort(), ['data', 'errMsg', 'statusCode']);
  assert.equal(typeof r.data, 'string');
  assert.deepEqual(JSON.parse(r.data), { path: '/up' });
  assert.deepEqual([r.statusCode, r.errMsg], [200, 'uploadFile:ok']);
  assert.deepEqual(heard, ['yes']);
});

test('wx.downloadFile returns tempFilePath only when no filePath was given; with one, filePath and no tempFilePath', async () => {
  const fake = fakeWorld();
  const temp = await fake.clock.runUntil(withCallbacks(fake.api.downloadFile, { url: 'https://a.example.com/f' }));
  assert.deepEqual(Object.keys(temp).sort(), ['errMsg', 'statusCode', 'tempFilePath']);
  assert.deepEqual(fake.files[temp.tempFilePath], { path: '/f' });
  const saved = await fake.clock.runUntil(withCallbacks(fake.api.downloadFile, { url: 'https://a.example.com/g', filePath: 'wxfile://usr/g.json' }));
  assert.deepEqual(saved, { filePath: 'wxfile://usr/g.json', statusCode: 200, errMsg: 'downloadFile:ok' });
  assert.deepEqual(fake.files['wxfile://usr/g.json'], { path: '/g' });
  assert.equal(Object.keys(fake.files).length, 2, 'nothing saved at a temp path for the second');
});

test('the manager passes the results on as WeChat shapes them: uploadFile with no header, downloadFile with filePath only', async () => {
  const clock = createClock({ start: Date.UTC(2026, 0, 1) });
  const server = createServer();
  server.loginRoute('/user/login');
  server.route('*', /^\/api\//, server.authed((req) => ({ data: { path: req.path } })));
  const fake = createFakeWx({ clock, server });
  const auth = createLoginManager({ loginUrl: 'https://api.example.com/user/login', baseUrl: 'https://api.example.com', wx: fake.api, clock });
  await auth.ready;
  const [up, down] = await clock.runUntil(Promise.all([
    auth.uploadFile({ url: '/api/up', filePath: 'wxfile://tmp/a.png', name: 'file' }),
    auth.downloadFile({ url: '/api/down', filePath: 'wxfile://usr/d.json' }),
  ]));
  assert.deepEqual(up, { data: JSON.stringify({ path: '/api/up' }), statusCode: 200, errMsg: 'uploadFile:ok' });
  assert.deepEqual(down, { filePath: 'wxfile://usr/d.json', statusCode: 200, errMsg: 'downloadFile:ok' });
});

test('wasmPath must be an absolute code-package path (WXWebAssembly.instantiate takes nothing else): refused at once, not at load on a phone', () => {
  const fake = fakeWorld();
  const make = (wasmPath) => () => createLoginManager({ loginUrl: 'https://api.example.com/user/login', wx: fake.api,
    clock: fake.clock, wasmPath });
  for (const bad of ['miniprogram_npm/weapp-login/weapp_login_bg.wasm.br', './weapp_login_bg.wasm.br',
    '../static/a.wasm', 'C:\\mp\\a.wasm', '/static\\a.wasm.br', '/static/a.wasm.gz', '/static/a.wasm.br/', 'a.wasm']) {
    assert.throws(make(bad), (e) => e.code === 'INVALID_OPTIONS' && /wasmPath must be an absolute path/.test(e.message), bad);
  }
  // One wasm per app: each good path is tried on a fresh copy of the modules (index.js and
  // its core.js), as the first manager of an app (another path after a first load is
  // refused for that reason).
  const DIST = require.resolve('../../pkg/dist/index.js');
  const drop = () => [DIST, path.join(path.dirname(DIST), 'core.js')].forEach((f) => delete require.cache[f]);
  for (const good of ['/miniprogram_npm/weapp-login/weapp_login_bg.wasm.br', '/static/weapp_login_bg.wasm', '/weapp-login/x.wasm.br']) {
    drop();
    const fresh = require(DIST).createLoginManager;
    assert.doesNotThrow(() => fresh({ loginUrl: 'https://api.example.com/user/login', wx: fake.api, clock: fake.clock, wasmPath: good }), good);
  }
  drop();
});
