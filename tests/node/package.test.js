'use strict';
// The npm package as a user gets it: the tarball `make build` packed (target/pack/), its
// copy npm installed in example-miniprogram/node_modules, and what WeChat's "build npm"
// (miniprogram-ci) made of it in example-miniprogram/miniprogram_npm
// (scripts/install-example.js makes all three).
const test = require('node:test');
const assert = require('node:assert/strict');
const fs = require('fs');
const os = require('os');
const path = require('path');
const { execFileSync, execFile } = require('child_process');
const { promisify } = require('util');
const { createSandbox } = require('../sandbox');

const ROOT = path.join(__dirname, '../..');
const PKG = path.join(ROOT, 'pkg');
const MINIPROGRAM = path.join(ROOT, 'example-miniprogram');
const INSTALLED = path.join(MINIPROGRAM, 'node_modules/weapp-login');
const pkg = require('../../pkg/package.json');
const TARBALL = path.join(ROOT, 'target/pack', `${pkg.name}-${pkg.version}.tgz`);
const WASM = 'dist/weapp_login_bg.wasm.br';
/** The adapter modules beside index.js: weapp-login/fly, /axios, /luch-request, /taro, /uni. */
const ADAPTERS = ['fly', 'axios', 'luch-request', 'taro', 'uni'];
/** Where "build npm" must put the wasm: the default wasmPath of js-shim/index.js. */
const DEFAULT_WASM_PATH = '/miniprogram_npm/weapp-login/weapp_login_bg.wasm.br';
const NPM_ENV = Object.assign({}, process.env, { npm_config_update_notifier: 'false', npm_config_loglevel: 'error' });

const built = fs.existsSync(TARBALL);
const needsBuild = built ? {} : { skip: 'no tarball: run `make build` (scripts/install-example.js) first' };

/** The tarball's file list, without npm's `package/` prefix. */
function tarballFiles() {
  return execFileSync('tar', ['-tzf', TARBALL], { encoding: 'utf8' }).split('\n').filter((l) => l && !l.endsWith('/'))
    .map((l) => l.replace(/^package\//, '')).sort();
}
function tarballFile(name) {
  return execFileSync('tar', ['-xzOf', TARBALL, 'package/' + name], { maxBuffer: 64 * 1024 * 1024 });
}
/** Every file that package.json's main, types and exports name, relative to the package. */
function namedFiles() {
  const out = new Set([pkg.main, pkg.types]);
  (function walk(v) {
    if (typeof v === 'string') out.add(v);
    else for (const k of Object.keys(v)) walk(v[k]);
  })(pkg.exports);
  return [...out].map((f) => path.posix.normalize(f));
}

test('package.json: a CommonJS package with main, types, miniprogram, exports and files', () => {
  assert.equal(pkg.name, 'weapp-login');
  assert.equal(pkg.license, 'MIT');
  assert.equal(pkg.type, 'commonjs');
  assert.equal(pkg.main, 'dist/index.js');
  assert.equal(pkg.types, 'dist/index.d.ts');
  assert.equal(pkg.miniprogram, 'dist', 'the folder "build npm" copies');
  assert.deepEqual(pkg.files.slice().sort(), ['REFERENCE.md', 'dist', 'testing']);
  assert.deepEqual(Object.keys(pkg.exports).sort(), ['.', './axios', './fly', './luch-request', './package.json', './taro',
    './testing', './uni']);
  assert.ok(pkg.engines && pkg.engines.node);
  assert.equal(pkg.dependencies, undefined, 'no dependencies: npm install of the tarball works offline');
});

test('the tarball holds dist/, testing/, package.json, README, REFERENCE and LICENSE, nothing else', needsBuild, () => {
  const files = tarballFiles();
  const testing = fs.readdirSync(path.join(PKG, 'testing')).map((f) => 'testing/' + f);
  const adapters = [].concat(...ADAPTERS.map((a) => ['dist/' + a + '.js', 'dist/' + a + '.d.ts']), 'dist/interceptable.d.ts');
  const expected = ['LICENSE', 'README.md', 'REFERENCE.md', 'package.json', 'dist/core.js', 'dist/index.d.ts', 'dist/index.js', WASM]
    .concat(adapters, testing).sort();
  assert.deepEqual(files, expected);
  assert.ok(files.includes('testing/index.js'));
  for (const f of namedFiles()) assert.ok(files.includes(f), `package.json names ${f}, which the tarball lacks`);
  // Not stale: the tarball holds what `npm pack` of pkg/ would hold now, byte for byte.
  const now = JSON.parse(execFileSync('npm', ['pack', '--dry-run', '--json', PKG], { encoding: 'utf8', env: NPM_ENV }))[0];
  assert.deepEqual(now.files.map((f) => f.path).sort(), files);
  for (const f of files) {
    assert.ok(tarballFile(f).equals(fs.readFileSync(path.join(PKG, f))), `${f} in the tarball differs from pkg/${f}: run make build`);
  }
});

test('the wasm in the tarball, node_modules and miniprogram_npm is byte-identical to pkg/dist', needsBuild, () => {
  const dist = fs.readFileSync(path.join(PKG, WASM));
  assert.ok(tarballFile(WASM).equals(dist), 'tarball');
  assert.ok(fs.readFileSync(path.join(INSTALLED, WASM)).equals(dist), 'node_modules/weapp-login');
  assert.ok(fs.readFileSync(path.join(MINIPROGRAM, DEFAULT_WASM_PATH)).equals(dist), 'miniprogram_npm');
});

test('npm installed a copy of the tarball, not a link to pkg/', needsBuild, () => {
  assert.ok(!fs.lstatSync(INSTALLED).isSymbolicLink());
  const installed = [];
  (function walk(d) {
    for (const e of fs.readdirSync(d, { withFileTypes: true })) {
      if (e.isDirectory()) walk(path.join(d, e.name));
      else installed.push(path.relative(INSTALLED, path.join(d, e.name)).split(path.sep).join('/'));
    }
  })(INSTALLED);
  assert.deepEqual(installed.sort(), tarballFiles());
});

test('build npm put dist/ in miniprogram_npm/weapp-login/ (the .wasm.br at the default wasmPath)', needsBuild, () => {
  const out = path.join(MINIPROGRAM, 'miniprogram_npm/weapp-login');
  assert.deepEqual(fs.readdirSync(out).sort(), fs.readdirSync(path.join(PKG, 'dist')).sort());
  assert.ok(fs.existsSync(path.join(MINIPROGRAM, DEFAULT_WASM_PATH)));
  assert.ok(!fs.existsSync(path.join(out, 'testing')), 'the Node-only harness stays out of the mini program');
  // That it is the bundle's default: the next test.
});

test('in the mini program, require("weapp-login") instantiates the wasm from the default wasmPath', needsBuild, async () => {
  const sb = createSandbox({ root: MINIPROGRAM, log: false });
  try {
    const { createLoginManager, LoginError } = sb.require('weapp-login');
    const auth = createLoginManager({ loginUrl: 'http://127.0.0.1:9/user/login' });
    await auth.ready;
    assert.equal(typeof LoginError, 'function');
    assert.deepEqual(sb.calls.wasm.map((w) => [w.path, w.ok]), [[DEFAULT_WASM_PATH, true]]);
  } finally {
    sb.close();
  }
});

test('in Node, the installed package and weapp-login/testing resolve and run', needsBuild, async () => {
  const main = require.resolve('weapp-login', { paths: [MINIPROGRAM] });
  const testingFile = require.resolve('weapp-login/testing', { paths: [MINIPROGRAM] });
  assert.equal(main, path.join(INSTALLED, 'dist/index.js'));
  assert.equal(testingFile, path.join(INSTALLED, 'testing/index.js'));
  assert.equal(require.resolve('weapp-login/package.json', { paths: [MINIPROGRAM] }), path.join(INSTALLED, 'package.json'));
  const { createLoginManager, LoginError } = require(main);
  const { createClock, createServer, createFakeWx } = require(testingFile);
  assert.equal(typeof LoginError, 'function');

  // The harness's own example, against the installed copy.
  const clock = createClock();
  const server = createServer();
  server.loginRoute('/user/login');
  server.route('GET', '/api/profile', server.authed(() => ({ data: { name: 'Ann' } })));
  const fake = createFakeWx({ clock, server });
  const auth = createLoginManager({ wx: fake.api, clock, loginUrl: 'https://api.example.com/user/login' });
  await auth.ready;
  const res = await clock.runUntil(auth.request({ url: 'https://api.example.com/api/profile' }));
  assert.equal(res.statusCode, 200);
  assert.deepEqual(res.data, { name: 'Ann' });
  assert.equal(fake.calls.login, 1);
  assert.throws(() => createLoginManager({ wx: fake.api }), (e) => e instanceof LoginError && e.code === 'INVALID_OPTIONS');
});

/**
 * A throwaway project with the tarball extracted into node_modules/weapp-login, as npm
 * would, so that Node's and TypeScript's own resolution (the exports map) is what runs.
 */
function project() {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'weapp-login-consumer-'));
  const into = path.join(dir, 'node_modules/weapp-login');
  fs.mkdirSync(into, { recursive: true });
  execFileSync('tar', ['-xzf', TARBALL, '-C', into, '--strip-components=1']);
  return dir;
}

test('Node ESM: import of weapp-login and weapp-login/testing through the exports map', needsBuild, () => {
  const dir = project();
  try {
    fs.writeFileSync(path.join(dir, 'consumer.mjs'), [
      "import { createLoginManager, LoginError } from 'weapp-login';",
      "import { createClock } from 'weapp-login/testing';",
      "import { createRequire } from 'module';",
      "const meta = createRequire(import.meta.url)('weapp-login/package.json');",
      'console.log(JSON.stringify([typeof createLoginManager, typeof LoginError, typeof createClock, meta.name]));',
    ].join('\n'));
    const out = execFileSync(process.execPath, ['consumer.mjs'], { cwd: dir, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
    assert.deepEqual(JSON.parse(out), ['function', 'function', 'function', 'weapp-login']);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('TypeScript resolves weapp-login, weapp-login/testing and the five adapters with node10, node16 and bundler', needsBuild, async (t) => {
  const dir = project();
  const hasTestingTypes = fs.existsSync(path.join(dir, 'node_modules/weapp-login/testing/index.d.ts'));
  const body = (testing) => [
    "import { createLoginManager, LoginError } from 'weapp-login';",
    "import type { LoginErrorCode, RequestResult } from 'weapp-login';",
    testing ? "import * as testing from 'weapp-login/testing';" : '',
    "const auth = createLoginManager({ loginUrl: 'https://api.example.com/user/login' });",
    "export const p: Promise<RequestResult<{ a: number }>> = auth.request<{ a: number }>({ url: '/x' });",
    "export const c: LoginErrorCode = new LoginError('LOGGED_OUT', 'bye').code;",
    testing ? 'export const t: object = testing;' : '',
    // The adapters' subpaths: the exports map (node16, bundler) or typesVersions (node10).
    "import { attach as attachFly } from 'weapp-login/fly';",
    "import type { Interceptable } from 'weapp-login/fly';",
    "import { attach as attachAxios } from 'weapp-login/axios';",
    "import { attach as attachLuch } from 'weapp-login/luch-request';",
    "import { interceptor } from 'weapp-login/taro';",
    "import { install } from 'weapp-login/uni';",
    'export const primitives: Interceptable = auth;',
    'export const adapters = [attachFly, attachAxios, attachLuch, interceptor, install];',
    '',
  ].join('\n');
  fs.writeFileSync(path.join(dir, 'a.ts'), body(hasTestingTypes));
  fs.writeFileSync(path.join(dir, 'b.mts'), body(hasTestingTypes));
  fs.writeFileSync(path.join(dir, 'c.cts'), body(hasTestingTypes));
  const tsc = path.join(ROOT, 'node_modules/.bin/tsc');
  const runs = {
    node10: { module: 'commonjs', moduleResolution: 'node10', files: ['a.ts'] },
    node16: { module: 'node16', moduleResolution: 'node16', files: ['a.ts', 'b.mts', 'c.cts'] },
    bundler: { module: 'esnext', moduleResolution: 'bundler', files: ['a.ts', 'b.mts', 'c.cts'] },
  };
  for (const [name, r] of Object.entries(runs)) {
    fs.writeFileSync(path.join(dir, `tsconfig.${name}.json`), JSON.stringify({
      compilerOptions: { strict: true, noEmit: true, target: 'es2020', types: [], skipLibCheck: false,
        module: r.module, moduleResolution: r.moduleResolution },
      files: r.files,
    }));
  }
  try {
    const results = await Promise.all(Object.keys(runs).map((name) =>
      promisify(execFile)(tsc, ['-p', `tsconfig.${name}.json`], { cwd: dir }).then(
        () => [name, 'ok'],
        (e) => [name, String(e.stdout || e.message)],
      )));
    assert.deepEqual(results, Object.keys(runs).map((n) => [n, 'ok']));
    if (!hasTestingTypes) t.diagnostic('pkg/testing/index.d.ts is missing: weapp-login/testing not type-checked');
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
