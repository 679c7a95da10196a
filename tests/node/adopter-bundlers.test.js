'use strict';
// README's Taro and uni-app recipes (issue 19, item 2), followed verbatim in fresh project
// folders: the Install commands with the packed tarball, the recipe's files (and, for
// uni-app, its copy command), the wasm copied as the README says (Taro: the config's copy
// patterns, applied as Taro's build applies them), then the project bundled the way its
// build would bundle it and run in the mini-program sandbox.
//
// What stands in for each build (the real CLIs need their whole toolchains): esbuild, with
// Taro's request chain as Taro's weapp runtime builds it (@tarojs/api's Taro object,
// @tarojs/shared's processApis over wx) for `@tarojs/taro`, and uni-app's mp-weixin runtime
// (@dcloudio/uni-mp-weixin, with vue stubbed: the API layer never calls it) as the `uni`
// that uni-app's compiler provides. One shared chunk (common.js) holds the app's modules,
// as both builds' vendor/common chunks do; app.js and the page require it.
const test = require('node:test');
const assert = require('node:assert/strict');
const fs = require('fs');
const path = require('path');
const esbuild = require('esbuild');
const K = require('./adopter-kit');

const dirs = [];
test.after(() => { for (const d of dirs) fs.rmSync(d, { recursive: true, force: true }); });

/** A project folder after Install and the recipe's files. */
function project(recipe) {
  const dir = K.freshFolder(recipe);
  dirs.push(dir);
  fs.writeFileSync(path.join(dir, 'package.json'), JSON.stringify({ name: recipe + '-app', version: '1.0.0', private: true }));
  K.runCommands(K.commands('native'), dir);
  K.writeFiles(dir, K.recipeFiles(recipe));
  return dir;
}

/**
 * Bundles `entry` (code, resolved from the project folder) into `<out>/common.js` and adds
 * app.js, app.json and the page that require it.
 */
function bundle(dir, out, entry, opts) {
  esbuild.buildSync(Object.assign({
    stdin: { contents: entry, resolveDir: dir, sourcefile: 'build-entry.js' },
    outfile: path.join(out, 'common.js'),
    bundle: true, format: 'cjs', platform: 'neutral', target: 'es2017',
    mainFields: ['browser', 'module', 'main'], conditions: ['browser', 'require'],
    nodePaths: [path.join(K.REPO, 'node_modules')], // the framework's own packages, as its project has them
    logLevel: 'error',
  }, opts));
  K.writeFiles(out, {
    'app.js': "require('./common.js');\nApp({});\n",
    'app.json': JSON.stringify({ pages: ['pages/index/index'] }),
    'pages/index/index.js': "const { page } = require('../../common.js');\nPage({ onLoad() { page.loadProfile(this); } });\n",
  });
}

async function runPage(out, dir, globals) {
  const w = K.world(out, path.join(dir, 'node_modules/weapp-login/testing/index.js'), globals);
  try {
    w.sb.launch();
    const page = w.sb.page('pages/index/index');
    await K.assertLoggedIn(w, page, { ping: true });
    assert.deepEqual(w.sb.calls.wasm.map((x) => x.ok), [true], 'the wasm loaded from the copied file');
  } finally {
    w.sb.close();
  }
}

test('Taro: the config copies the wasm, src/auth.js and src/app.js install the interceptor, the page\'s Taro.request logs in', async () => {
  const dir = project('taro');
  // Taro's build applies config/index.js's copy patterns (paths relative to the project).
  const config = require(path.join(dir, 'config/copy.js'));
  for (const p of config.copy.patterns) {
    fs.mkdirSync(path.dirname(path.join(dir, p.to)), { recursive: true });
    fs.copyFileSync(path.join(dir, p.from), path.join(dir, p.to));
  }
  const out = path.join(dir, 'dist');
  const taro = path.join(dir, 'taro-runtime.js');
  fs.writeFileSync(taro, "const Taro = require('@tarojs/api').default;\nrequire('@tarojs/shared').processApis(Taro, wx);\n"
    + 'module.exports = Taro;\nmodule.exports.default = Taro;\n');
  bundle(dir, out, "require('./src/app.js');\nexports.page = require('./src/pages/index/index.js');\n", {
    alias: { '@tarojs/taro': taro },
    define: Object.assign({ 'process.env.NODE_ENV': '"production"', 'process.env.TARO_ENV': '"weapp"',
      'process.env.TARO_PLATFORM': '"mini"', ENABLE_INNER_HTML: 'true' }, ...['ENABLE_ADJACENT_HTML', 'ENABLE_SIZE_APIS',
      'ENABLE_TEMPLATE_CONTENT', 'ENABLE_CLONE_NODE', 'ENABLE_CONTAINS', 'ENABLE_MUTATION_OBSERVER'].map((k) => ({ [k]: 'false' }))),
  });
  assert.ok(fs.existsSync(path.join(out, 'weapp-login/weapp_login_bg.wasm.br')), 'the wasm is where src/auth.js says');
  await runPage(out, dir);
});

test('uni-app: the wasm copied into static/, main.js installs weapp-login/uni, the page\'s uni.request logs in', async () => {
  const dir = project('uni');
  K.runCommands(K.commands('uni'), dir);
  const out = path.join(dir, 'dist');
  // uni-app copies static/ as it is, and provides `uni` (its mp-weixin runtime) to every module.
  fs.cpSync(path.join(dir, 'static'), path.join(out, 'static'), { recursive: true });
  const vue = path.join(dir, 'vue-stub.js');
  fs.writeFileSync(vue, 'module.exports = function Vue() {};\n');
  const provide = path.join(dir, 'uni-provide.js');
  fs.writeFileSync(provide, "import runtime from '@dcloudio/uni-mp-weixin';\nexport { runtime as uni };\n");
  bundle(dir, out, "require('./main.js');\nexports.page = require('./pages/index/index.js');\n", {
    alias: { vue }, inject: [provide], define: { 'process.env.NODE_ENV': '"production"' },
  });
  // uni-app's runtime keeps the mini program's Component() at load; the sandbox models App and Page.
  await runPage(out, dir, { Component: function Component() {} });
});
