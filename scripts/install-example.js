#!/usr/bin/env node
'use strict';
/**
 * Installs weapp-login into the example mini program exactly as a user does:
 *
 *   1. `npm pack` pkg/ into target/pack/ (the tarball a registry would serve);
 *   2. `npm install <tarball>` inside example-miniprogram/ (node_modules/weapp-login;
 *      the package has no dependencies), with the example's own other dependencies
 *      (flyio, which pages/fly uses through weapp-login/fly);
 *   3. WeChat's "Tools → Build npm", run by miniprogram-ci's `packNpmManually` (the
 *      developer tools' own builder): for a package with a `miniprogram` field it copies
 *      that folder (dist/, the .wasm.br included) into
 *      example-miniprogram/miniprogram_npm/weapp-login/; flyio has no `miniprogram`
 *      field, so Build npm takes its default folder, miniprogram_dist (flyio's wx build),
 *      into miniprogram_npm/flyio/.
 *
 * Prints what landed there. `make build` runs it; `make demo` and the sandbox tests
 * require('weapp-login') from that miniprogram_npm folder.
 */
const fs = require('fs');
const path = require('path');
const { execFileSync } = require('child_process');

const ROOT = path.join(__dirname, '..');
const PKG = path.join(ROOT, 'pkg');
const PACK_DIR = path.join(ROOT, 'target/pack');
const MINIPROGRAM = path.join(ROOT, 'example-miniprogram');

const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
const rel = (p) => path.relative(ROOT, p) || '.';
const say = (s) => console.log('install-example: ' + s);

/** Runs npm quietly (no update notifier, no audit), returning its stdout. */
function runNpm(args, cwd) {
  return execFileSync(npm, args, {
    cwd: cwd,
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'inherit'],
    env: Object.assign({}, process.env, { npm_config_update_notifier: 'false', npm_config_loglevel: 'error' }),
  });
}

/** Every file under `dir`, as sorted relative paths with '/'. */
function listFiles(dir) {
  const out = [];
  (function walk(d) {
    for (const e of fs.readdirSync(d, { withFileTypes: true })) {
      const p = path.join(d, e.name);
      if (e.isDirectory()) walk(p); else out.push(path.relative(dir, p).split(path.sep).join('/'));
    }
  })(dir);
  return out.sort();
}

async function main() {
  const pkg = JSON.parse(fs.readFileSync(path.join(PKG, 'package.json'), 'utf8'));

  // 1. npm pack. --json names the tarball it wrote.
  fs.mkdirSync(PACK_DIR, { recursive: true });
  const packed = JSON.parse(runNpm(['pack', PKG, '--pack-destination', PACK_DIR, '--json'], ROOT))[0];
  const tarball = path.join(PACK_DIR, packed.filename);
  say(`packed ${rel(tarball)} (${packed.size} bytes): ${packed.files.map((f) => f.path).join(', ')}`);

  // 2. npm install the tarball (a fresh copy, not a link to pkg/), and the example's other
  //    dependencies at the versions its package.json pins (flyio, for pages/fly).
  const installed = path.join(MINIPROGRAM, 'node_modules', pkg.name);
  fs.rmSync(installed, { recursive: true, force: true });
  const deps = JSON.parse(fs.readFileSync(path.join(MINIPROGRAM, 'package.json'), 'utf8')).dependencies || {};
  const others = Object.keys(deps).filter((name) => name !== pkg.name).map((name) => name + '@' + deps[name]);
  runNpm(['install', '--no-save', '--no-package-lock', '--no-audit', '--no-fund', tarball].concat(others), MINIPROGRAM);
  say(`installed ${rel(installed)}: ${listFiles(installed).join(', ')}`);
  if (others.length) say(`installed ${others.join(', ')}`);

  // 3. Build npm, as the developer tools do (project.config.json's packNpmRelationList).
  const out = path.join(MINIPROGRAM, 'miniprogram_npm', pkg.name);
  fs.rmSync(out, { recursive: true, force: true });
  const ci = require('miniprogram-ci');
  const result = await ci.packNpmManually({
    packageJsonPath: path.join(MINIPROGRAM, 'package.json'),
    miniprogramNpmDistDir: MINIPROGRAM,
  });
  for (const w of result.warnList || []) say('build npm warning: ' + JSON.stringify(w));
  if (!fs.existsSync(out)) throw new Error('build npm produced no ' + rel(out));
  say(`built npm: ${rel(out)}/ <- ${listFiles(out).join(', ')}`);
  for (const name of Object.keys(deps).filter((n) => n !== pkg.name)) {
    const dir = path.join(MINIPROGRAM, 'miniprogram_npm', name);
    if (!fs.existsSync(dir)) throw new Error('build npm produced no ' + rel(dir));
    say(`built npm: ${rel(dir)}/ <- ${listFiles(dir).join(', ')}`);
  }
}

main().catch((e) => {
  console.error('install-example: FAILED', e);
  process.exitCode = 1;
});
