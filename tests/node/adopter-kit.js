'use strict';
/**
 * The adopter's path, as README.md tells it, for readme.test.js and adopter-*.test.js.
 *
 * README's code blocks carry a note on the line before the fence:
 *   <!-- file: <recipe>/<path> -->  the block is file <path> of that recipe's project
 *   <!-- run: <name> -->            shell commands a test runs as they are
 *   <!-- not run: <reason> -->      never run, and why
 * A recipe's project is a fresh folder with the files its blocks name (the native
 * recipes start from the Quick start's `native/` files), the README's commands run there
 * (with WEAPP_LOGIN = this repository, whose `make build` made the tarball), WeChat's
 * Build npm (miniprogram-ci's packNpmManually, as scripts/install-example.js runs it), and
 * a world in the mini-program sandbox (tests/sandbox) whose global `wx` is the packed
 * package's own weapp-login/testing fake, on a virtual clock, before a scripted server
 * with the routes the README's pages call.
 */
const fs = require('fs');
const os = require('os');
const path = require('path');
const assert = require('node:assert/strict');
const { execFileSync } = require('child_process');
const { createSandbox } = require('../sandbox');

const REPO = path.join(__dirname, '../..');
const README = fs.readFileSync(path.join(REPO, 'README.md'), 'utf8');
const PKG = JSON.parse(fs.readFileSync(path.join(REPO, 'pkg/package.json'), 'utf8'));
const TARBALL = path.join(REPO, 'target/pack', `${PKG.name}-${PKG.version}.tgz`);
const ORIGIN = 'https://api.example.com';

/**
 * Every fenced block of README.md: {lang, note: {kind, arg} | null, code, line}.
 * `note` is the HTML comment on the line before the fence.
 */
function readmeBlocks() {
  const lines = README.split('\n');
  const out = [];
  for (let i = 0; i < lines.length; i++) {
    const open = /^```(\w*)\s*$/.exec(lines[i]);
    if (!open) continue;
    let j = i + 1;
    while (j < lines.length && lines[j] !== '```') j++;
    const m = i > 0 ? /^<!-- (file|run|not run): (.+?) -->$/.exec(lines[i - 1]) : null;
    out.push({ lang: open[1], note: m ? { kind: m[1], arg: m[2] } : null, code: lines.slice(i + 1, j).join('\n') + '\n', line: i + 1 });
    i = j;
  }
  return out;
}

/** The files of a recipe: `{relative path: code}` from its `file:` blocks. */
function recipeFiles(recipe) {
  const files = {};
  for (const b of readmeBlocks()) {
    if (b.note && b.note.kind === 'file' && b.note.arg.startsWith(recipe + '/')) files[b.note.arg.slice(recipe.length + 1)] = b.code;
  }
  assert.ok(Object.keys(files).length > 0, `README has no "file: ${recipe}/…" block`);
  return files;
}

/** The code of the README's `run: <name>` block. */
function commands(name) {
  const b = readmeBlocks().find((x) => x.note && x.note.kind === 'run' && x.note.arg === name);
  assert.ok(b, `README has no "run: ${name}" block`);
  return b.code;
}

/** A new empty folder under the OS temp dir. */
function freshFolder(prefix) {
  return fs.mkdtempSync(path.join(os.tmpdir(), 'weapp-adopter-' + prefix + '-'));
}

/** Writes `{relative path: text}` under `dir`. */
function writeFiles(dir, files) {
  for (const rel of Object.keys(files)) {
    fs.mkdirSync(path.dirname(path.join(dir, rel)), { recursive: true });
    fs.writeFileSync(path.join(dir, rel), files[rel]);
  }
}

/**
 * Runs README shell commands in `cwd` with bash (-e: the first failing command fails the
 * test), WEAPP_LOGIN = this repository; npm answers from its cache where it can (the
 * versions the README pins are the root package-lock's, which `npm ci` cached).
 */
function runCommands(code, cwd) {
  assert.ok(fs.existsSync(TARBALL), `${TARBALL} is missing: make build (or make pack) first`);
  return execFileSync('bash', ['-eo', 'pipefail', '-c', code], {
    cwd,
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
    env: Object.assign({}, process.env, {
      WEAPP_LOGIN: REPO, npm_config_prefer_offline: 'true', npm_config_audit: 'false', npm_config_fund: 'false',
      npm_config_update_notifier: 'false', npm_config_loglevel: 'error',
    }),
  });
}

/** What a mini program folder has before the README starts: project.config.json and app.json. */
function miniProgramShell(dir, pages) {
  writeFiles(dir, {
    'project.config.json': JSON.stringify({ appid: 'touristappid', compileType: 'miniprogram', setting: { packNpmManually: true,
      packNpmRelationList: [{ packageJsonPath: './package.json', miniprogramNpmDistDir: './' }] } }, null, 2),
    'app.json': JSON.stringify({ pages: pages || ['pages/index/index'] }, null, 2),
  });
}

/** WeChat's "Tools → Build npm" (miniprogram-ci's packNpmManually); returns its warnings. */
async function buildNpm(dir) {
  const ci = require('miniprogram-ci');
  const result = await ci.packNpmManually({ packageJsonPath: path.join(dir, 'package.json'), miniprogramNpmDistDir: dir });
  return result.warnList || [];
}

/**
 * The sandbox over mini program `root`, its global `wx` the installed package's own
 * weapp-login/testing fake (copied where the sandbox can require it, as
 * miniprogram_npm/weapp-login-testing), a virtual clock and a scripted server:
 * POST /user/login (tokens), GET /api/profile (401 without a valid token), GET
 * /public/ping (anyone). `extraGlobals` adds more globals (uni-app's `Component`).
 */
function world(root, testingFrom, extraGlobals) {
  const dest = path.join(root, 'miniprogram_npm/weapp-login-testing/index.js');
  fs.mkdirSync(path.dirname(dest), { recursive: true });
  fs.copyFileSync(testingFrom, dest);
  const sb = createSandbox({ root, log: false });
  const T = sb.require('weapp-login-testing');
  const clock = T.createClock({ start: 1767225600000 });
  const server = T.createServer();
  server.loginRoute('/user/login', { expiresIn: 7200 });
  server.route('GET', '/api/profile', server.authed(() => ({ data: { nickname: 'Ann' } })));
  server.route('GET', '/public/ping', () => ({ data: { pong: true } }));
  const fake = T.createFakeWx({ clock, server, platform: 'wx' });
  const globals = Object.assign({ wx: fake.api }, extraGlobals);
  for (const k of Object.keys(globals)) {
    Object.defineProperty(sb.context, k, { value: globals[k], writable: true, configurable: true, enumerable: false });
  }
  return {
    sb, clock, server, fake,
    /** Moves the virtual clock 1 ms at a time until `done()` holds (the manager's wasm loads on real time). */
    async until(done, what) {
      for (let i = 0; i < 60000 && !done(); i++) await clock.advance(1);
      assert.ok(done(), 'still waiting for ' + what);
    },
    /** wx.request calls to `p` and their Authorization headers. */
    sent(p) {
      return Array.from(fake.calls.requests.filter((r) => r.path === p), (r) => {
        const k = Object.keys(r.header || {}).find((h) => h.toLowerCase() === 'authorization');
        return k === undefined ? null : r.header[k];
      });
    },
  };
}

/**
 * What every recipe's page must have done: the profile (GET /api/profile, sent with the
 * token) after one wx.login and one login POST; the opt-out ping, if the page sends one,
 * without a token.
 */
async function assertLoggedIn(w, page, opts) {
  const data = () => page.data;
  await w.until(() => data().profile !== undefined && data().profile !== null && (!opts.ping || data().ping !== undefined), 'the page\'s data');
  assert.deepEqual(JSON.parse(JSON.stringify(data().profile)), { nickname: 'Ann' });
  assert.equal(w.fake.calls.login, 1, 'wx.login calls');
  assert.equal(w.sent('/user/login').length, 1, 'login POSTs');
  const profile = w.sent('/api/profile');
  assert.ok(profile.length >= 1 && /^Bearer tok-/.test(profile[profile.length - 1]), 'the profile request carries the token: ' + profile);
  if (opts.ping) {
    assert.deepEqual(JSON.parse(JSON.stringify(data().ping)), { pong: true });
    assert.deepEqual(w.sent('/public/ping'), [null], 'the opt-out request carries no token');
  }
}

module.exports = {
  REPO, PKG, TARBALL, ORIGIN, readmeBlocks, recipeFiles, commands, freshFolder, writeFiles, runCommands,
  miniProgramShell, buildNpm, world, assertLoggedIn,
};
