'use strict';
// README's flyio and axios recipes, followed verbatim in fresh mini program folders
// (issue 19, item 2): the Install commands with the packed tarball, the recipe's own
// commands (flyio from npm; axios bundled by esbuild, since Build npm cannot take axios
// 1.x), WeChat's Build npm (miniprogram-ci), then the Quick start's auth.js and app.js
// with the recipe's api.js and page in the mini-program sandbox. Taro and uni-app, whose
// builds bundle JavaScript themselves, are in adopter-bundlers.test.js.
const test = require('node:test');
const assert = require('node:assert/strict');
const fs = require('fs');
const path = require('path');
const K = require('./adopter-kit');

const dirs = [];
test.after(() => { for (const d of dirs) fs.rmSync(d, { recursive: true, force: true }); });

/** A fresh mini program after Install, the Quick start, the recipe's commands and Build npm. */
async function project(recipe) {
  const dir = K.freshFolder(recipe);
  dirs.push(dir);
  K.miniProgramShell(dir);
  K.runCommands(K.commands('native'), dir);
  K.writeFiles(dir, K.recipeFiles('native'));
  K.runCommands(K.commands(recipe), dir);
  K.writeFiles(dir, K.recipeFiles(recipe));
  const warnings = await K.buildNpm(dir);
  return { dir, warnings };
}

/** Launches the app, opens the recipe's page and checks what it did. */
async function runPage(dir) {
  const w = K.world(dir, path.join(dir, 'node_modules/weapp-login/testing/index.js'));
  try {
    w.sb.launch();
    const page = w.sb.page('pages/index/index');
    await K.assertLoggedIn(w, page, { ping: true });
  } finally {
    w.sb.close();
  }
}

test('flyio: npm install flyio, Build npm, the page through weapp-login/fly', async () => {
  const { dir, warnings } = await project('fly');
  // flyio depends on `request` (its Node engine), whose psl has no entry Build npm can
  // take: the one warning the README tells of; flyio's wx build never loads it.
  assert.deepEqual(Array.from(new Set(warnings.map((x) => x.jsPath.replace(/^.*node_modules\//, '')))), ['psl/dist/psl.cjs.js']);
  assert.ok(fs.existsSync(path.join(dir, 'miniprogram_npm/flyio/index.js')), 'Build npm took flyio');
  await runPage(dir);
});

test('axios: the esbuild bundle of axios 1.x and its adapter, Build npm, the page through weapp-login/axios', async () => {
  const { dir, warnings } = await project('axios');
  assert.deepEqual(warnings, [], 'axios is a devDependency: Build npm leaves it alone');
  assert.ok(fs.existsSync(path.join(dir, 'vendor/axios.js')), 'the recipe made vendor/axios.js');
  assert.ok(!fs.existsSync(path.join(dir, 'miniprogram_npm/axios')));
  const manifest = JSON.parse(fs.readFileSync(path.join(dir, 'package.json'), 'utf8'));
  assert.equal(manifest.devDependencies.axios, '^1.21.1', 'the version the README pins');
  await runPage(dir);
});
