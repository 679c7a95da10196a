'use strict';
// Every code block of README.md runs as written, or says why not (issue 19, items 1 and 6):
// each block carries a note (adopter-kit.js: `file:`, `run:` or `not run: <reason>`);
// every `file:`/`run:` block belongs to a recipe a test follows; every JavaScript block is
// valid CommonJS (no top-level await) or an ES module; "Testing your pages" runs with
// `node --test` in a fresh folder where the packed tarball is installed; `make pack` names
// the tarball the README installs.
const test = require('node:test');
const assert = require('node:assert/strict');
const fs = require('fs');
const path = require('path');
const { execFileSync, spawnSync } = require('child_process');
const esbuild = require('esbuild');
const K = require('./adopter-kit');

/** Which test follows each recipe (`file: <recipe>/…`) and each `run:` block. */
const FOLLOWED_BY = {
  native: 'adopter-native.test.js', fly: 'adopter-adapters.test.js', axios: 'adopter-adapters.test.js',
  taro: 'adopter-bundlers.test.js', uni: 'adopter-bundlers.test.js', node: 'readme.test.js', 'make-pack': 'readme.test.js',
};

test('every README code block is run by a test, or says why not', () => {
  const blocks = K.readmeBlocks();
  assert.ok(blocks.length >= 20, 'parsed ' + blocks.length + ' blocks');
  const bare = blocks.filter((b) => b.note === null).map((b) => `line ${b.line}: ${b.code.split('\n')[0]}`);
  assert.deepEqual(bare, [], 'blocks with no <!-- file: / run: / not run: --> note');
  for (const b of blocks) {
    if (b.note.kind === 'not run') {
      assert.ok(b.note.arg.length >= 10, `line ${b.line}: say why it is not run`);
      continue;
    }
    const name = b.note.kind === 'file' ? b.note.arg.split('/')[0] : b.note.arg;
    assert.ok(FOLLOWED_BY[name], `line ${b.line}: no test follows "${b.note.arg}"`);
    const src = fs.readFileSync(path.join(__dirname, FOLLOWED_BY[name]), 'utf8');
    assert.ok(src.includes(`'${name}'`), `${FOLLOWED_BY[name]} does not name "${name}"`);
  }
});

test('every README JavaScript block is valid CommonJS (no top-level await) or an ES module', () => {
  for (const b of K.readmeBlocks().filter((x) => x.lang === 'js')) {
    const esm = /^(import|export) /m.test(b.code);
    // esbuild refuses top-level await in CommonJS output, and any syntax error.
    assert.doesNotThrow(() => esbuild.transformSync(b.code, { format: 'cjs', loader: 'js', logLevel: 'silent' }),
      `line ${b.line}: not valid ${esm ? 'as an ES module' : 'CommonJS'}`);
  }
});

test('make pack names the tarball the README installs', () => {
  const printed = execFileSync('make', ['-s', '--no-print-directory', '-o', 'build', 'pack'], { cwd: K.REPO, encoding: 'utf8' }).trim();
  assert.equal(path.join(K.REPO, printed), K.TARBALL);
  assert.ok(fs.existsSync(K.TARBALL));
  assert.ok(K.commands('make-pack').includes(path.basename(K.TARBALL)), 'the README says what make pack prints');
  assert.ok(K.commands('native').includes('target/pack/' + path.basename(K.TARBALL)), 'and installs that file');
});

test('"Testing your pages" passes with node --test in a fresh folder with the packed tarball', () => {
  const dir = K.freshFolder('node');
  try {
    K.runCommands(K.commands('native'), dir);
    K.writeFiles(dir, K.recipeFiles('native'));
    K.writeFiles(dir, K.recipeFiles('node'));
    const env = Object.assign({}, process.env);
    delete env.NODE_TEST_CONTEXT; // a test runner of its own, as the user runs it
    const r = spawnSync(process.execPath, ['--test', '--test-reporter=tap', 'test/'], { cwd: dir, encoding: 'utf8', env });
    assert.equal(r.status, 0, r.stdout + r.stderr);
    assert.match(r.stdout, /^# pass 2$/m, r.stdout);
    assert.match(r.stdout, /^# fail 0$/m);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
