'use strict';
// Tests of the mini-program sandbox (tests/sandbox) itself, without the weapp-login package.
const test = require('node:test');
const assert = require('node:assert');
const fs = require('fs');
const os = require('os');
const path = require('path');
const http = require('http');
const zlib = require('zlib');
const vm = require('vm');
const { createSandbox, ABSENT_GLOBALS } = require('../sandbox');

// ------------------------------------------------------------------ tiny wasm modules
// (module (func (export "answer") (result i32) i32.const 42))
const WASM_ANSWER = Uint8Array.from([
  0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00,
  0x01, 0x05, 0x01, 0x60, 0x00, 0x01, 0x7f, // type: () -> i32
  0x03, 0x02, 0x01, 0x00, // func 0: type 0
  0x07, 0x0a, 0x01, 0x06, 0x61, 0x6e, 0x73, 0x77, 0x65, 0x72, 0x00, 0x00, // export "answer"
  0x0a, 0x06, 0x01, 0x04, 0x00, 0x41, 0x2a, 0x0b, // i32.const 42
]);
// (module (import "env" "get" (func (result i32))) (func (export "call") (result i32) call 0))
const WASM_IMPORT = Uint8Array.from([
  0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00,
  0x01, 0x05, 0x01, 0x60, 0x00, 0x01, 0x7f,
  0x02, 0x0b, 0x01, 0x03, 0x65, 0x6e, 0x76, 0x03, 0x67, 0x65, 0x74, 0x00, 0x00, // import env.get
  0x03, 0x02, 0x01, 0x00,
  0x07, 0x08, 0x01, 0x04, 0x63, 0x61, 0x6c, 0x6c, 0x00, 0x01, // export "call" = func 1
  0x0a, 0x06, 0x01, 0x04, 0x00, 0x10, 0x00, 0x0b, // call 0
]);

// ------------------------------------------------------------------ temp mini program
function write(root, rel, text) {
  const f = path.join(root, rel);
  fs.mkdirSync(path.dirname(f), { recursive: true });
  fs.writeFileSync(f, text);
}

function makeRoot() {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'weapp-sandbox-'));
  write(root, 'app.json', JSON.stringify({ pages: ['pages/index/index'] }));
  write(root, 'config.js', "module.exports = { API_BASE: 'https://api.example.com' };\n");
  write(root, 'data.json', '{"answer": 42}');
  write(root, 'utils/util.js', "exports.twice = (x) => x * 2;\nexports.dir = __dirname;\nexports.file = __filename;\n");
  write(root, 'utils/index.js', "module.exports = 'utils-index';\n");
  write(root, 'lib/thing/package.json', JSON.stringify({ main: 'main.js' }));
  write(root, 'lib/thing/main.js', "module.exports = 'thing-main';\n");
  write(root, 'miniprogram_npm/some-pkg/package.json', JSON.stringify({ name: 'some-pkg', main: 'dist/entry.js' }));
  write(root, 'miniprogram_npm/some-pkg/dist/entry.js', "module.exports = { name: 'some-pkg', helper: require('./helper') };\n");
  write(root, 'miniprogram_npm/some-pkg/dist/helper.js', "module.exports = 'helper';\n");
  write(root, 'miniprogram_npm/some-pkg/sub.js', "module.exports = 'some-pkg/sub';\n");
  write(root, 'miniprogram_npm/no-main/index.js', "module.exports = 'no-main-index';\n");
  write(root, 'wasm/answer.wasm', Buffer.from(WASM_ANSWER));
  write(root, 'wasm/answer.wasm.br', zlib.brotliCompressSync(Buffer.from(WASM_ANSWER)));
  write(root, 'wasm/import.wasm', Buffer.from(WASM_IMPORT));
  write(root, 'wasm/not-wasm.txt', 'hello');
  write(root, 'app.js', `
const pkg = require('some-pkg');
const { API_BASE } = require('./config');
App({
  globalData: { pkg, API_BASE, events: [] },
  onLaunch(options) { this.globalData.events.push('launch:' + options.scene); },
  onShow() { this.globalData.events.push('show'); },
  onHide() { this.globalData.events.push('hide'); },
});
`);
  const absentChecks = ABSENT_GLOBALS.map((n) => `  ${JSON.stringify(n)}: typeof ${n} === 'undefined',`).join('\n');
  write(root, 'pages/index/index.js', `
const util = require('../../utils/util');
Page({
  data: { count: 0, nested: { a: 1 }, list: [1, 2] },
  onLoad(query) { this.loadedWith = query; this.setData({ count: 1 }); },
  onShow() { this.shown = (this.shown || 0) + 1; },
  absent() {
    return {
${absentChecks}
    };
  },
  present() {
    return [typeof wx, typeof WXWebAssembly, typeof App, typeof Page, typeof getApp, typeof getCurrentPages,
      typeof console, typeof setTimeout, typeof clearTimeout, typeof setInterval, typeof clearInterval,
      typeof require, typeof module, typeof exports, typeof Promise, typeof JSON];
  },
  tryRequire(name) { try { require(name); return 'ok'; } catch (e) { return e.message; } },
  tryEval() { try { return eval('1 + 1'); } catch (e) { return e.name; } },
  bump() { this.setData({ count: this.data.count + 1 }); return this.data.count; },
  twice(x) { return util.twice(x); },
  instantiate(p, imports) { return WXWebAssembly.instantiate(p, imports); },
});
`);
  return root;
}

// ------------------------------------------------------------------ test server
function startServer() {
  const state = { inFlight: 0, maxInFlight: 0, hits: [], loginCount: 0 };
  const server = http.createServer((req, res) => {
    const chunks = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      const url = new URL(req.url, 'http://x');
      state.hits.push({ method: req.method, url: req.url, headers: req.headers, body });
      const json = (status, obj, extra) => {
        res.writeHead(status, Object.assign({ 'Content-Type': 'application/json' }, extra || {}));
        res.end(JSON.stringify(obj));
      };
      if (url.pathname === '/fake-wechat/login') {
        state.loginCount += 1;
        const { user } = JSON.parse(body);
        return json(200, { code: `code-${user}-${state.loginCount}` });
      }
      if (url.pathname === '/echo') {
        return json(200, { method: req.method, path: url.pathname, query: Object.fromEntries(url.searchParams), headers: req.headers, body },
          { 'X-Custom-Header': 'yes', 'Set-Cookie': 'sid=1; Path=/' });
      }
      if (url.pathname === '/status/401') return json(401, { error: 'unauthorized' });
      if (url.pathname === '/status/500') return json(500, { error: 'boom' });
      if (url.pathname === '/text') { res.writeHead(200, { 'Content-Type': 'text/html' }); return res.end('<html>not json</html>'); }
      if (url.pathname === '/bin') { res.writeHead(200, { 'Content-Type': 'application/octet-stream' }); return res.end(Buffer.from([1, 2, 3, 250])); }
      if (url.pathname === '/slow') {
        state.inFlight += 1;
        state.maxInFlight = Math.max(state.maxInFlight, state.inFlight);
        const t = setTimeout(() => { state.inFlight -= 1; json(200, { slow: true }); }, Number(url.searchParams.get('ms')) || 100);
        res.on('close', () => { if (!res.writableEnded) { clearTimeout(t); state.inFlight -= 1; } });
        return undefined;
      }
      return json(404, { error: 'not found' });
    });
  });
  return new Promise((resolve) => {
    server.listen(0, '127.0.0.1', () => {
      const base = `http://127.0.0.1:${server.address().port}`;
      resolve({
        base, state, server,
        close: () => new Promise((r) => { server.closeAllConnections(); server.close(() => r()); }),
      });
    });
  });
}

/** wx.request as a promise resolving {ok, res} (success or fail), checking complete follows. */
function req(wx, options) {
  return new Promise((resolve, reject) => {
    let outcome = null;
    wx.request(Object.assign({}, options, {
      success(res) { outcome = { ok: true, res }; },
      fail(res) { outcome = { ok: false, res }; },
      complete(res) {
        if (!outcome || outcome.res !== res) reject(new Error('complete did not follow success/fail with the same result'));
        else resolve(outcome);
      },
    }));
  });
}

/** A copy made of this realm's objects (deepStrictEqual compares prototypes). */
const plain = (x) => JSON.parse(JSON.stringify(x));

let srv;
let root;
const sandboxes = [];
function sandbox(extra) {
  const sb = createSandbox(Object.assign({ root, wechatBase: srv.base, log: false }, extra || {}));
  sandboxes.push(sb);
  return sb;
}

test.before(async () => { srv = await startServer(); root = makeRoot(); });
test.after(async () => {
  for (const sb of sandboxes) sb.close();
  await srv.close();
  fs.rmSync(root, { recursive: true, force: true });
});

// ------------------------------------------------------------------ globals
test('every absent global is absent, inside a module and at the context top level', () => {
  const sb = sandbox();
  const p = sb.page('pages/index/index');
  const absent = p.absent();
  for (const name of ['WebAssembly', 'TextEncoder', 'TextDecoder', 'fetch', 'URL', 'process', 'Buffer',
    'queueMicrotask', 'global', 'window']) {
    assert.strictEqual(absent[name], true, `${name} should be undefined in the sandbox`);
    assert.strictEqual(vm.runInContext(`typeof ${name}`, sb.context), 'undefined', name);
  }
  for (const name of ABSENT_GLOBALS) {
    assert.strictEqual(vm.runInContext(`typeof ${name}`, sb.context), 'undefined', name);
    if (!['require', 'module', 'exports'].includes(name)) assert.strictEqual(absent[name], true, name);
  }
});

test('the mini-program globals are present; module-scope require/module/exports exist', () => {
  const sb = sandbox();
  const p = sb.page('pages/index/index');
  const present = p.present();
  assert.deepStrictEqual(Array.from(present), ['object', 'object', 'function', 'function', 'function', 'function',
    'object', 'function', 'function', 'function', 'function', 'function', 'object', 'object', 'function', 'object']);
  assert.strictEqual(vm.runInContext('typeof require', sb.context), 'undefined');
});

test('eval is refused like WeChat (unless allowEval)', () => {
  assert.strictEqual(sandbox().page('pages/index/index').tryEval(), 'EvalError');
  assert.strictEqual(sandbox({ allowEval: true }).page('pages/index/index').tryEval(), 2);
});

// ------------------------------------------------------------------ require
test('require resolves relative files, directories, JSON and miniprogram_npm packages', () => {
  const sb = sandbox();
  const app = sb.launch();
  assert.strictEqual(app.globalData.pkg.name, 'some-pkg');
  assert.strictEqual(app.globalData.pkg.helper, 'helper');
  assert.strictEqual(sb.require('some-pkg/sub'), 'some-pkg/sub');
  assert.strictEqual(sb.require('no-main'), 'no-main-index');
  assert.strictEqual(sb.require('./utils'), 'utils-index');
  assert.strictEqual(sb.require('./utils/util.js').twice(4), 8);
  assert.strictEqual(sb.require('./utils/util').file, '/utils/util.js');
  assert.strictEqual(sb.require('./utils/util').dir, '/utils');
  assert.strictEqual(sb.require('./lib/thing'), 'thing-main');
  assert.strictEqual(sb.require('/lib/thing'), 'thing-main');
  assert.strictEqual(sb.require('./data.json').answer, 42);
  assert.strictEqual(sb.require('./data').answer, 42);
  // module cache: the same object each time
  assert.strictEqual(sb.require('some-pkg'), app.globalData.pkg);
  const p = sb.page('pages/index/index');
  assert.strictEqual(p.twice(21), 42);
  assert.strictEqual(p.tryRequire('some-pkg/sub'), 'ok');
  assert.strictEqual(p.tryRequire('../../utils/util'), 'ok');
});

test("require of Node built-ins or missing modules throws \"module 'x' is not defined\"", () => {
  const sb = sandbox();
  const p = sb.page('pages/index/index');
  for (const name of ['fs', 'path', 'http', 'zlib', 'node:fs', 'missing-pkg', './nope', '../../../../etc/passwd']) {
    assert.match(p.tryRequire(name), new RegExp(`^module '${name.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}' is not defined`), name);
  }
  assert.throws(() => sb.require('fs'), /module 'fs' is not defined/);
});

test('overrides replace a module (config.js) or a bare package', () => {
  const sb = sandbox({ overrides: { 'config.js': { API_BASE: srv.base }, 'some-pkg': { name: 'fake' } } });
  const app = sb.launch();
  assert.strictEqual(app.globalData.API_BASE, srv.base);
  assert.strictEqual(app.globalData.pkg.name, 'fake');
  const sb2 = sandbox({ overrides: { config: { API_BASE: 'x' } } });
  assert.strictEqual(sb2.launch().globalData.API_BASE, 'x');
});

// ------------------------------------------------------------------ App / Page
test('launch runs onLaunch then onShow; page() runs onLoad/onShow; setData merges; hide/show', async () => {
  const sb = sandbox();
  assert.strictEqual(sb.app(), undefined);
  const app = sb.launch();
  assert.strictEqual(sb.launch(), app);
  assert.strictEqual(sb.app(), app);
  assert.strictEqual(vm.runInContext('getApp()', sb.context), app);
  assert.deepStrictEqual(Array.from(app.globalData.events), ['launch:1001', 'show']);
  const p = sb.page('/pages/index/index', { id: '7' });
  assert.strictEqual(p.route, 'pages/index/index');
  assert.strictEqual(p.loadedWith.id, '7');
  assert.strictEqual(p.data.count, 1);
  assert.strictEqual(p.shown, 1);
  const { bump } = p; // methods are bound
  assert.strictEqual(bump(), 2);
  await new Promise((resolve) => p.setData({ 'nested.b': 2, 'list[1]': 9 }, resolve));
  assert.deepStrictEqual(JSON.parse(JSON.stringify(p.data)), { count: 2, nested: { a: 1, b: 2 }, list: [1, 9] });
  const stack = vm.runInContext('getCurrentPages()', sb.context);
  assert.strictEqual(stack.length, 1);
  assert.strictEqual(stack[0], p);
  const seen = [];
  sb.wx.onAppHide(() => seen.push('wx-hide'));
  sb.wx.onAppShow(() => seen.push('wx-show'));
  sb.hide();
  sb.show();
  assert.deepStrictEqual(seen, ['wx-hide', 'wx-show']);
  assert.deepStrictEqual(Array.from(app.globalData.events), ['launch:1001', 'show', 'hide', 'show']);
  assert.strictEqual(p.shown, 2);
  // a second page instance gets fresh data
  const p2 = sb.page('pages/index/index');
  assert.strictEqual(p2.data.count, 1);
  assert.strictEqual(sb.pages.length, 2);
});

// ------------------------------------------------------------------ WXWebAssembly
test('WXWebAssembly.instantiate loads .wasm and .wasm.br by absolute package path', async () => {
  const sb = sandbox();
  const p = sb.page('pages/index/index');
  const a = await p.instantiate('/wasm/answer.wasm', {});
  assert.strictEqual(a.instance.exports.answer(), 42);
  assert.ok(a.module);
  const b = await p.instantiate('/wasm/answer.wasm.br', {});
  assert.strictEqual(b.instance.exports.answer(), 42);
  const imports = vm.runInContext('({ env: { get: function () { return 7; } } })', sb.context);
  const c = await p.instantiate('/wasm/import.wasm', imports);
  assert.strictEqual(c.instance.exports.call(), 7);
  assert.strictEqual(sb.calls.counts['WXWebAssembly.instantiate'], 3);
  assert.deepStrictEqual(sb.calls.wasm.map((w) => [w.path, w.ok]),
    [['/wasm/answer.wasm', true], ['/wasm/answer.wasm.br', true], ['/wasm/import.wasm', true]]);
  const W = sb.globals.WXWebAssembly;
  assert.strictEqual(typeof W.Memory, 'function');
  assert.strictEqual(typeof W.Table, 'function');
  assert.strictEqual(typeof W.Global, 'function');
  assert.strictEqual(W.compile, undefined);
  assert.strictEqual(W.Module, undefined);
  assert.strictEqual(W.validate, undefined);
  assert.ok(new W.Memory({ initial: 1 }).buffer.byteLength === 65536);
  // wasm objects belong to the mini program's realm (as on a phone): `instanceof` works there
  const mem = vm.runInContext('new WXWebAssembly.Memory({ initial: 1 })', sb.context);
  assert.strictEqual(vm.runInContext('(m) => m.buffer instanceof ArrayBuffer', sb.context)(mem), true);
  assert.strictEqual(vm.runInContext('(r) => r.instance instanceof Object && r.module instanceof Object', sb.context)(a), true);
});

test('WXWebAssembly.instantiate rejects bytes, relative, non-wasm, missing and escaping paths', async () => {
  const sb = sandbox();
  const p = sb.page('pages/index/index');
  const bad = [WASM_ANSWER, WASM_ANSWER.buffer, undefined, 42, 'wasm/answer.wasm', './wasm/answer.wasm',
    '/wasm/not-wasm.txt', '/wasm/missing.wasm', '/../../etc/x.wasm'];
  for (const arg of bad) {
    await assert.rejects(p.instantiate(arg, {}), (e) => {
      assert.strictEqual(e.constructor.name, 'Error');
      assert.match(e.message, /WXWebAssembly\.instantiate/);
      return true;
    }, String(arg));
  }
  assert.strictEqual(sb.calls.wasm.filter((w) => !w.ok).length, bad.length);
});

// ------------------------------------------------------------------ wx.login / checkSession
test('wx.login: Promise style and callback style, real HTTP to the fake WeChat server', async () => {
  const sb = sandbox({ user: 'alice' });
  const r = await sb.wx.login();
  assert.match(r.code, /^code-alice-\d+$/);
  assert.strictEqual(r.errMsg, 'login:ok');
  const order = [];
  const r2 = await new Promise((resolve) => sb.wx.login({
    success: (res) => order.push('success:' + res.errMsg),
    complete: (res) => { order.push('complete'); resolve(res); },
  }));
  assert.deepStrictEqual(order, ['success:login:ok', 'complete']);
  assert.notStrictEqual(r2.code, r.code);
  assert.strictEqual(sb.calls.counts.login, 2);
  assert.strictEqual(sb.calls.logins.length, 2);
  assert.strictEqual(sb.calls.logins[0].user, 'alice');
  // the login POST is WeChat's own traffic, not a wx.request
  assert.strictEqual(sb.calls.requests.length, 0);
});

test('wx.login faults: next-fail, hang with timeout, offline, unreachable server', async () => {
  const sb = sandbox();
  sb.faults.loginFail = 'login:fail system error';
  await assert.rejects(sb.wx.login(), (e) => e.errMsg === 'login:fail system error');
  assert.strictEqual((await sb.wx.login()).errMsg, 'login:ok');
  sb.faults.loginHang = true;
  await assert.rejects(sb.wx.login({ timeout: 30 }), (e) => e.errMsg === 'login:fail timeout');
  sb.faults.loginHang = false;
  sb.network = 'none';
  await assert.rejects(sb.wx.login(), (e) => /^login:fail /.test(e.errMsg));
  const sb2 = sandbox({ wechatBase: 'http://127.0.0.1:1' });
  const fails = [];
  await new Promise((resolve) => sb2.wx.login({ fail: (e) => fails.push(e.errMsg), complete: resolve }));
  assert.match(fails[0], /^login:fail /);
});

test('wx.checkSession ok by default, expired on demand', async () => {
  const sb = sandbox();
  assert.strictEqual((await sb.wx.checkSession()).errMsg, 'checkSession:ok');
  sb.faults.checkSessionExpired = true;
  await assert.rejects(sb.wx.checkSession(), (e) =>
    e.errMsg === 'checkSession:fail 系统错误，错误码：-13001,session time out, need relogin');
  assert.strictEqual(sb.calls.counts.checkSession, 2);
});

// ------------------------------------------------------------------ wx.request
test('wx.request: success for 200, 401 and 500 with errMsg request:ok; returns a RequestTask, not a Promise', async () => {
  const sb = sandbox();
  const task = sb.wx.request({ url: srv.base + '/echo', success() {} });
  assert.strictEqual(typeof task.abort, 'function');
  assert.strictEqual(typeof task.onHeadersReceived, 'function');
  assert.strictEqual(typeof task.offHeadersReceived, 'function');
  assert.strictEqual(typeof task.then, 'undefined');
  const noCb = sb.wx.request({ url: srv.base + '/echo' });
  assert.strictEqual(typeof noCb.then, 'undefined');
  for (const [route, status] of [['/echo', 200], ['/status/401', 401], ['/status/500', 500]]) {
    const { ok, res } = await req(sb.wx, { url: srv.base + route });
    assert.strictEqual(ok, true, route);
    assert.strictEqual(res.statusCode, status);
    assert.strictEqual(res.errMsg, 'request:ok');
    assert.strictEqual(typeof res.data, 'object');
    assert.ok(Array.isArray(res.cookies));
    assert.strictEqual(typeof res.header, 'object');
  }
  const { res } = await req(sb.wx, { url: srv.base + '/status/401' });
  assert.strictEqual(res.data.error, 'unauthorized');
  assert.deepStrictEqual(sb.calls.requests.slice(-1).map((r) => [r.method, r.status]), [['GET', 401]]);
});

test('wx.request: GET data → query string, POST object → JSON, headers sent, header/cookies returned', async () => {
  const sb = sandbox();
  const g = await req(sb.wx, { url: srv.base + '/echo?x=1', data: { a: 'b c', 'ü': '&=' }, header: { 'X-Token': 't1' } });
  assert.deepStrictEqual(plain(g.res.data.query), { x: '1', a: 'b c', 'ü': '&=' });
  assert.strictEqual(g.res.data.headers['x-token'], 't1');
  assert.strictEqual(g.res.data.method, 'GET');
  assert.strictEqual(g.res.header['X-Custom-Header'], 'yes');
  assert.deepStrictEqual(Array.from(g.res.cookies), ['sid=1; Path=/']);
  assert.match(sb.calls.requests[0].url, /\/echo\?x=1&a=b%20c&%C3%BC=%26%3D$/);
  assert.strictEqual(sb.calls.requests[0].header['X-Token'], 't1');
  const p = await req(sb.wx, { url: srv.base + '/echo', method: 'post', data: { code: 'abc', n: 1 } });
  assert.strictEqual(p.res.data.method, 'POST');
  assert.strictEqual(p.res.data.headers['content-type'], 'application/json');
  assert.deepStrictEqual(JSON.parse(p.res.data.body), { code: 'abc', n: 1 });
  assert.strictEqual(sb.calls.requests[1].data, '{"code":"abc","n":1}');
  const s = await req(sb.wx, { url: srv.base + '/echo', method: 'PUT', data: 'raw text', header: { 'content-type': 'text/plain' } });
  assert.strictEqual(s.res.data.body, 'raw text');
  assert.strictEqual(s.res.data.headers['content-type'], 'text/plain');
});

test('wx.request: non-JSON body stays a string; dataType other; responseType arraybuffer; onHeadersReceived', async () => {
  const sb = sandbox();
  const t = await req(sb.wx, { url: srv.base + '/text' });
  assert.strictEqual(t.ok, true);
  assert.strictEqual(t.res.data, '<html>not json</html>');
  const raw = await req(sb.wx, { url: srv.base + '/echo', dataType: 'text' });
  assert.strictEqual(typeof raw.res.data, 'string');
  const b = await req(sb.wx, { url: srv.base + '/bin', responseType: 'arraybuffer' });
  assert.strictEqual(Object.prototype.toString.call(b.res.data), '[object ArrayBuffer]');
  assert.ok(b.res.data instanceof sb.globals.ArrayBuffer, 'an ArrayBuffer of the mini program realm');
  assert.deepStrictEqual(Array.from(new Uint8Array(b.res.data)), [1, 2, 3, 250]);
  const heads = await new Promise((resolve) => {
    const task = sb.wx.request({ url: srv.base + '/status/500' });
    task.onHeadersReceived((h) => resolve(h));
  });
  assert.strictEqual(heads.statusCode, 500);
  assert.strictEqual(heads.header['Content-Type'], 'application/json');
});

test('wx.request: timeout, abort, missing url, bad method', async () => {
  const sb = sandbox();
  const t = await req(sb.wx, { url: srv.base + '/slow?ms=400', timeout: 30 });
  assert.deepStrictEqual([t.ok, t.res.errMsg], [false, 'request:fail timeout']);
  const aborted = new Promise((resolve) => {
    const task = sb.wx.request({ url: srv.base + '/slow?ms=400', fail: resolve });
    setTimeout(() => task.abort(), 20);
  });
  assert.strictEqual((await aborted).errMsg, 'request:fail abort');
  const m = await req(sb.wx, {});
  assert.strictEqual(m.ok, false);
  assert.strictEqual(m.res.errMsg, 'request:fail parameter error: parameter.url should be String instead of Undefined;');
  assert.strictEqual(m.res.errno, 1001);
  const bm = await req(sb.wx, { url: srv.base + '/echo', method: 'FETCH' });
  assert.match(bm.res.errMsg, /^request:fail parameter error: /);
});

test('wx.request: untrusted hosts fail with "url not in domain list" and nothing is sent', async () => {
  const sb = sandbox();
  const before = srv.state.hits.length;
  for (const url of ['https://api.example.com/x', 'http://example.com/', 'https://127.0.0.1:1/x', 'http://10.0.0.1/', 'ftp://localhost/']) {
    const r = await req(sb.wx, { url, header: { Authorization: 'Bearer secret' } });
    assert.strictEqual(r.ok, false, url);
    assert.strictEqual(r.res.errMsg, 'request:fail url not in domain list');
    assert.strictEqual(r.res.errno, 600002);
  }
  assert.strictEqual(srv.state.hits.length, before);
  assert.strictEqual(sb.calls.counts.request, 5);
  assert.strictEqual(sb.calls.requests.length, 5);
  assert.ok(sb.calls.requests.every((r) => r.status === null && r.errMsg === 'request:fail url not in domain list'));
  // loopback aliases are allowed
  const ok = await req(sb.wx, { url: srv.base.replace('127.0.0.1', 'localhost') + '/echo' });
  assert.strictEqual(ok.ok, true);
});

test('wx.request: at most 10 in flight; the rest wait in a queue and all complete', async () => {
  const sb = sandbox();
  srv.state.maxInFlight = 0;
  const all = [];
  for (let i = 0; i < 25; i++) all.push(req(sb.wx, { url: srv.base + '/slow?ms=60' }));
  assert.strictEqual(sb.calls.inFlight, 10);
  assert.strictEqual(sb.calls.queued, 15);
  const results = await Promise.all(all);
  assert.ok(results.every((r) => r.ok && r.res.statusCode === 200));
  assert.strictEqual(sb.calls.maxInFlight, 10);
  assert.ok(srv.state.maxInFlight <= 10, 'server saw ' + srv.state.maxInFlight);
  assert.strictEqual(sb.calls.inFlight, 0);
  assert.strictEqual(sb.calls.counts.request, 25);
});

test('wx.request: offline network and requestFail fault', async () => {
  const sb = sandbox();
  const changes = [];
  sb.wx.onNetworkStatusChange((e) => changes.push([e.isConnected, e.networkType]));
  assert.strictEqual((await sb.wx.getNetworkType()).networkType, 'wifi');
  sb.network = 'none';
  const net = await sb.wx.getNetworkType();
  assert.deepStrictEqual([net.networkType, net.errMsg], ['none', 'getNetworkType:ok']);
  assert.deepStrictEqual(changes, [[false, 'none']]);
  const r = await req(sb.wx, { url: srv.base + '/echo' });
  assert.strictEqual(r.ok, false);
  assert.match(r.res.errMsg, /^request:fail /);
  sb.network = 'wifi';
  sb.faults.requestFail = 'request:fail interrupted';
  assert.strictEqual((await req(sb.wx, { url: srv.base + '/echo' })).res.errMsg, 'request:fail interrupted');
  assert.strictEqual((await req(sb.wx, { url: srv.base + '/echo' })).ok, true);
});

// ------------------------------------------------------------------ storage
test('storage: missing key is "", JSON copies, 1 MB limit, shared Map = second launch', () => {
  const storage = new Map();
  const sb = sandbox({ storage });
  const { wx } = sb;
  assert.strictEqual(wx.getStorageSync('nope'), '');
  const v = { token: 't', n: 1, nested: { a: [1, 2] }, d: undefined };
  wx.setStorageSync('k', v);
  const back = wx.getStorageSync('k');
  assert.notStrictEqual(back, v);
  assert.deepStrictEqual(JSON.parse(JSON.stringify(back)), { token: 't', n: 1, nested: { a: [1, 2] } });
  v.token = 'changed';
  assert.strictEqual(wx.getStorageSync('k').token, 't');
  wx.setStorageSync('s', 'str');
  assert.strictEqual(wx.getStorageSync('s'), 'str');
  assert.throws(() => wx.setStorageSync('big', 'x'.repeat(1024 * 1024 + 1)), (e) => e.message === 'setStorageSync:fail exceed storage max size');
  assert.strictEqual(wx.getStorageSync('big'), '');
  assert.deepStrictEqual(Array.from(wx.getStorageInfoSync().keys).sort(), ['k', 's']);
  // second launch: new sandbox, same storage
  assert.strictEqual(storage.get('k').token, 't', 'the Map holds plain copies');
  const sb2 = sandbox({ storage });
  assert.strictEqual(sb2.wx.getStorageSync('k').token, 't');
  sb2.wx.removeStorageSync('k');
  assert.strictEqual(sb.wx.getStorageSync('k'), '');
  sb2.wx.clearStorageSync();
  assert.strictEqual(storage.size, 0);
  assert.strictEqual(sb.calls.counts.getStorageSync, 6);
  assert.strictEqual(sb.calls.counts.setStorageSync, 3);
});

test('async getStorage of a missing key fails with "getStorage:fail data not found"', async () => {
  const sb = sandbox();
  await assert.rejects(sb.wx.getStorage({ key: 'x' }), (e) => e.errMsg === 'getStorage:fail data not found');
  await sb.wx.setStorage({ key: 'x', data: 5 });
  assert.strictEqual((await sb.wx.getStorage({ key: 'x' })).data, 5);
});

// ------------------------------------------------------------------ close
test('close() aborts in-flight requests silently and clears timers', async () => {
  const sb = sandbox();
  let fired = 0;
  sb.wx.request({ url: srv.base + '/slow?ms=300', complete: () => { fired += 1; } });
  const g = sb.globals;
  g.setInterval(() => { fired += 1; }, 5);
  g.setTimeout(() => { fired += 1; }, 5);
  sb.close();
  sb.close();
  await new Promise((r) => setTimeout(r, 60));
  assert.strictEqual(fired, 0);
});

// ------------------------------------------------------------------ the example mini program
test('the example mini program runs in the sandbox (with a stand-in for weapp-login)', async () => {
  const exampleRoot = path.join(__dirname, '..', '..', 'example-miniprogram');
  let created = 0;
  const standIn = {
    createLoginManager(options) {
      created += 1;
      return {
        options,
        request(o) {
          return new Promise((resolve, reject) => {
            sb.wx.request({ url: options.baseUrl + o.url, success: resolve, fail: reject });
          });
        },
      };
    },
  };
  const sb = sandbox({
    root: exampleRoot,
    overrides: { 'weapp-login': standIn, 'config.js': { API_BASE: srv.base } },
  });
  const app = sb.launch();
  assert.strictEqual(created, 1);
  assert.strictEqual(app.globalData.auth.options.loginUrl, srv.base + '/user/login');
  assert.strictEqual(app.globalData.auth.options.baseUrl, srv.base);
  const page = sb.page('pages/index/index');
  await page.loaded;
  // the stand-in's server has no /api/profile: a 404 response, shown as an error
  assert.strictEqual(page.data.error, 'HTTP_404');
  assert.strictEqual(page.data.loading, false);
  const many = await page.loadMany(3);
  assert.strictEqual(many.length, 3);
  assert.ok(many.every((r) => r.statusCode === 404));
  assert.strictEqual((await page.loadProfile()).errMsg, 'request:ok');
  assert.strictEqual(sb.calls.counts.request, 5);
});

test('the example mini program with the real weapp-login bundle (pkg/dist), if built', async (t) => {
  const dist = path.join(__dirname, '..', '..', 'pkg', 'dist');
  if (!fs.existsSync(path.join(dist, 'index.js'))) { t.skip('pkg/dist not built'); return; }
  // a copy of the example with pkg/dist installed as miniprogram_npm/weapp-login ("build npm")
  const mp = fs.mkdtempSync(path.join(os.tmpdir(), 'weapp-example-'));
  const example = path.join(__dirname, '..', '..', 'example-miniprogram');
  for (const f of ['app.js', 'app.json', 'config.js', 'pages']) fs.cpSync(path.join(example, f), path.join(mp, f), { recursive: true });
  fs.cpSync(dist, path.join(mp, 'miniprogram_npm', 'weapp-login'), { recursive: true });
  // a developer server: /user/login swaps a code for a token, /api/profile wants it
  let codes = 0;
  const dev = http.createServer((rq, rs) => {
    let b = '';
    rq.on('data', (c) => { b += c; });
    rq.on('end', () => {
      rs.setHeader('Content-Type', 'application/json');
      if (rq.url === '/fake-wechat/login') { codes += 1; return rs.end(JSON.stringify({ code: 'c' + codes })); }
      if (rq.url === '/user/login') return rs.end(JSON.stringify({ token: 'tok-' + JSON.parse(b).code, expiresIn: 3600 }));
      if (rq.url === '/api/profile' && rq.headers.authorization === 'Bearer tok-c1') return rs.end('{"userId":1}');
      rs.statusCode = rq.url === '/api/profile' ? 401 : 404;
      return rs.end('{}');
    });
  });
  await new Promise((r) => dev.listen(0, '127.0.0.1', r));
  const base = `http://127.0.0.1:${dev.address().port}`;
  const sb = createSandbox({ root: mp, wechatBase: base, log: false, overrides: { 'config.js': { API_BASE: base } } });
  try {
    sb.launch();
    const page = sb.page('pages/index/index');
    const five = await page.loadMany(5);
    await page.loaded;
    assert.deepStrictEqual(plain(five.map((r) => r.statusCode)), [200, 200, 200, 200, 200]);
    assert.strictEqual(page.data.profile.userId, 1);
    assert.strictEqual(sb.calls.counts.login, 1, 'six requests together: one wx.login');
    assert.strictEqual(sb.calls.requests.filter((r) => r.url.endsWith('/user/login')).length, 1);
    assert.deepStrictEqual(sb.calls.wasm.map((w) => w.ok), [true]);
    assert.match(sb.calls.wasm[0].path, /^\/miniprogram_npm\/weapp-login\/.+\.wasm(\.br)?$/);
  } finally {
    sb.close();
    await new Promise((r) => { dev.closeAllConnections(); dev.close(r); });
    fs.rmSync(mp, { recursive: true, force: true });
  }
});
