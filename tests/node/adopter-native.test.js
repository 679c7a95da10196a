'use strict';
// README's Install and Quick start, followed verbatim in a fresh mini program folder
// (issue 19, items 1, 2 and 5): the Install commands with the packed tarball, WeChat's
// Build npm (miniprogram-ci), then the Quick start's auth.js, app.js and page in the
// mini-program sandbox, whose wx is the package's own weapp-login/testing fake.
const test = require('node:test');
const assert = require('node:assert/strict');
const fs = require('fs');
const path = require('path');
const K = require('./adopter-kit');

let dir;
test.before(async () => {
  dir = K.freshFolder('native');
  K.miniProgramShell(dir);
  K.runCommands(K.commands('native'), dir);
  K.writeFiles(dir, K.recipeFiles('native'));
});
test.after(() => { if (dir) fs.rmSync(dir, { recursive: true, force: true }); });

test('Install: the README\'s commands install the packed tarball (the version pkg/ builds)', () => {
  const installed = JSON.parse(fs.readFileSync(path.join(dir, 'node_modules/weapp-login/package.json'), 'utf8'));
  assert.equal(installed.version, K.PKG.version);
  const manifest = JSON.parse(fs.readFileSync(path.join(dir, 'package.json'), 'utf8'));
  assert.match(manifest.dependencies['weapp-login'], /^file:.*weapp-login-\d+\.\d+\.\d+\.tgz$/, 'a dependency Build npm takes');
  assert.ok(K.commands('native').includes(`weapp-login-${K.PKG.version}.tgz`), 'the README names the version pkg/ builds');
});

test('Build npm puts the package and its wasm at the default wasmPath, without warnings', async () => {
  const warnings = await K.buildNpm(dir);
  assert.deepEqual(warnings, []);
  assert.ok(fs.existsSync(path.join(dir, 'miniprogram_npm/weapp-login/index.js')));
  assert.ok(fs.existsSync(path.join(dir, 'miniprogram_npm/weapp-login/weapp_login_bg.wasm.br')));
});

test('Quick start: the page logs in once and shows the profile; the manager is there before App()', async () => {
  const w = K.world(dir, path.join(dir, 'node_modules/weapp-login/testing/index.js'));
  try {
    // A module evaluated before App.onLaunch (here: required before the app launches)
    // gets the manager: it is made when auth.js is first required.
    const early = w.sb.require('./auth.js');
    assert.equal(typeof early.request, 'function');
    const app = w.sb.launch();
    assert.ok(app, 'app.js called App()');
    const page = w.sb.page('pages/index/index');
    assert.equal(w.sb.require('./auth.js'), early, 'one manager for the app');
    await K.assertLoggedIn(w, page, { ping: false });
    assert.equal(page.data.error, null);
    // The same manager serves a later request without another login.
    const r = await w.clock.runUntil(early.request({ url: '/api/profile' }));
    assert.equal(r.statusCode, 200);
    assert.equal(w.fake.calls.login, 1);
  } finally {
    w.sb.close();
  }
});
