'use strict';
// pkg/REFERENCE.md, the project's own reference, against the types users compile with
// (js-shim/index.d.ts, shipped as dist/index.d.ts, and the adapters' .d.ts): every
// option, LoginManager method, error code and event type declared there is in the
// reference's tables or headings, and everything the reference lists is declared. Also:
// the README and the .d.ts files link the reference, and nothing in the repository points
// at a contract outside it (the old "see API.md").
const test = require('node:test');
const assert = require('node:assert/strict');
const fs = require('fs');
const path = require('path');
const { execFileSync } = require('child_process');

const REPO = path.join(__dirname, '../..');
const read = (p) => fs.readFileSync(path.join(REPO, p), 'utf8');
const DTS = read('js-shim/index.d.ts');
const REF = read('pkg/REFERENCE.md');

/** The body of `export interface <name> {…}` or `export type <name> = …;` in the .d.ts. */
function block(src, head) {
  const at = src.indexOf(head);
  assert.ok(at >= 0, `index.d.ts has no "${head}"`);
  const rest = src.slice(at);
  const end = rest.indexOf(head.startsWith('export interface') ? '\n}' : '\n\n');
  return rest.slice(0, end);
}
const all = (re, s) => Array.from(s.matchAll(re), (m) => m[1]);
const declared = {
  options: all(/^ {2}(\w+)\??:/gm, block(DTS, 'export interface LoginManagerOptions')),
  methods: all(/^ {2}(?:readonly )?(\w+)[<(?:]/gm, block(DTS, 'export interface LoginManager {')),
  codes: all(/\| '(\w+)'/g, block(DTS, 'export type LoginErrorCode')),
  events: all(/type: '([^']+)'/g, block(DTS, 'export type LoginEvent')),
};

/** The reference's section `## <title>` up to the next `## `. */
function section(title) {
  const at = REF.indexOf('\n## ' + title + '\n');
  assert.ok(at >= 0, `REFERENCE.md has no "## ${title}"`);
  const rest = REF.slice(at + 1);
  const end = rest.indexOf('\n## ', 4);
  return end < 0 ? rest : rest.slice(0, end);
}
/** First-column names of a Markdown table's body rows: `| \`name\` |` (not the header row). */
const tableNames = (s) => all(/^\| `([^`]+)` \|.*\n(?!\|-)/gm, s);
const documented = {
  options: tableNames(section('Options')),
  methods: all(/^### `(\w+)/gm, section('LoginManager')),
  codes: tableNames(section('Errors')),
  events: tableNames(section('Events')),
};

for (const kind of Object.keys(declared)) {
  test(`reference and index.d.ts list the same ${kind}`, () => {
    assert.ok(declared[kind].length >= 3, `parsed too few ${kind} from index.d.ts: ${declared[kind]}`);
    const undocumented = declared[kind].filter((n) => !documented[kind].includes(n));
    const undeclared = documented[kind].filter((n) => !declared[kind].includes(n));
    assert.deepEqual(undocumented, [], `in index.d.ts, missing from pkg/REFERENCE.md (${kind})`);
    assert.deepEqual(undeclared, [], `in pkg/REFERENCE.md, missing from index.d.ts (${kind})`);
    const dupes = documented[kind].filter((n, i, a) => a.indexOf(n) !== i);
    assert.deepEqual(dupes, [], `listed twice in pkg/REFERENCE.md (${kind})`);
  });
}

test('reference and the package list the same adapters', () => {
  const pkg = JSON.parse(read('pkg/package.json'));
  const shipped = Object.keys(pkg.exports).filter((k) => !['.', './testing', './package.json'].includes(k))
    .map((k) => 'weapp-login/' + k.slice(2)).sort();
  const adapterFiles = fs.readdirSync(path.join(REPO, 'js-shim/adapters')).filter((f) => f.endsWith('.d.ts') && f !== 'interceptable.d.ts')
    .map((f) => 'weapp-login/' + f.replace(/\.d\.ts$/, '')).sort();
  assert.deepEqual(adapterFiles, shipped);
  assert.deepEqual(tableNames(section('Adapters')).sort(), shipped);
});

test('the README, the package README and every shipped .d.ts link the reference', () => {
  assert.match(read('README.md'), /\]\(pkg\/REFERENCE\.md\)/);
  assert.match(read('pkg/README.md'), /\]\(REFERENCE\.md\)/);
  const dts = ['js-shim/index.d.ts'].concat(fs.readdirSync(path.join(REPO, 'js-shim/adapters'))
    .filter((f) => f.endsWith('.d.ts')).map((f) => 'js-shim/adapters/' + f));
  for (const f of dts) assert.match(read(f), /REFERENCE\.md/, `${f} does not link the reference`);
  assert.ok(JSON.parse(read('pkg/package.json')).files.includes('REFERENCE.md'), 'the package ships REFERENCE.md');
});

test('nothing in the repository points at a contract outside it (API.md, ../shared)', () => {
  const files = execFileSync('git', ['ls-files'], { cwd: REPO, encoding: 'utf8' }).split('\n')
    .filter((f) => f && !f.startsWith('tests/node/reference.test.js') && fs.existsSync(path.join(REPO, f)));
  const bad = [];
  for (const f of files) {
    const text = fs.readFileSync(path.join(REPO, f));
    if (text.includes(0)) continue; // binary
    const s = text.toString('utf8');
    const m = s.match(/(?:^|[^\w-])(?:WECHAT-)?API\.md|\.\.\/shared\b|\/work\/shared\b|TOOLCHAIN\.md|STYLE\.md/);
    if (m) bad.push(f + ': ' + m[0].trim());
  }
  assert.deepEqual(bad, []);
});
