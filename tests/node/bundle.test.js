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
