'use strict';
/**
 * Node side of the conformance matrix, shared by run-sandbox.js, run-chromium.js and
 * run-jsc.js: which files go into the engine, how they are wrapped for
 * engine-host.js's loader, the shipped wasm (decompressed for the engines that cannot
 * read `.wasm.br`), the command line and the closing report.
 */
const fs = require('fs');
const os = require('os');
const path = require('path');
const zlib = require('zlib');

const REPO = path.join(__dirname, '../..');
const ENGINE_HOST = path.join(__dirname, 'engine-host.js');
/** Where WeChat's "build npm" puts the package's files inside the code package. */
const CODE_PACKAGE_DIR = '/miniprogram_npm/weapp-login/';
/** Real time each case gets to settle before the runner fails it. */
const CASE_TIMEOUT_MS = 20000;
/** A driver kills its engine when it prints nothing for this long past the case timeout. */
const IDLE_GRACE_MS = 20000;

/**
 * Command line: `--suite=FILE`, `--testing=FILE`, `--bundle=FILE`, `--dist=DIR`
 * (defaults: tests/conformance/suite.js, pkg/testing/index.js, pkg/dist/index.js,
 * pkg/dist) and `--timeout-ms=N` (per case).
 * @param {string[]} argv
 * @returns {{suite: string, testing: string, bundle: string, dist: string, timeoutMs: number}}
 */
function parseArgs(argv) {
  const o = {
    suite: path.join(__dirname, 'suite.js'),
    testing: path.join(REPO, 'pkg/testing/index.js'),
    bundle: path.join(REPO, 'pkg/dist/index.js'),
    dist: path.join(REPO, 'pkg/dist'),
    timeoutMs: CASE_TIMEOUT_MS,
  };
  for (const a of argv) {
    const m = /^--(suite|testing|bundle|dist|timeout-ms)=(.+)$/.exec(a);
    if (!m) throw new Error(`unknown argument ${a} (expected --suite= --testing= --bundle= --dist= --timeout-ms=)`);
    if (m[1] === 'timeout-ms') o.timeoutMs = Number(m[2]);
    else o[m[1]] = path.resolve(m[2]);
  }
  return o;
}

/** Module ids inside the engine: the files' paths relative to the repository (absolute outside it). */
function moduleId(file) {
  const rel = path.relative(REPO, file);
  return rel.startsWith('..') || path.isAbsolute(rel) ? file.split(path.sep).join('/')
    : '/' + rel.split(path.sep).join('/');
}

/**
 * The modules as engine scripts, each `__weappConformance.define(id, function
 * (module, exports, require) {` + source + `\n});` (the source starts on the first line,
 * so line numbers in stacks are the file's): the bundle, the core.js beside it (which the
 * bundle requires as './core.js', scripts/bundle.js), the testing module and the suite.
 * @returns {{ids: {bundle: string, testing: string, suite: string}, scripts: Array<{id: string, file: string, text: string}>}}
 */
function moduleScripts(o) {
  const ids = {};
  const scripts = [];
  const files = [['bundle', o.bundle], ['core', path.join(path.dirname(o.bundle), 'core.js')],
    ['testing', o.testing], ['suite', o.suite]];
  for (const [key, file] of files) {
    if (!fs.existsSync(file)) throw new Error(`${path.relative(REPO, file)} does not exist (${key}; build pkg/ first?)`);
    const id = moduleId(file);
    if (key !== 'core') ids[key] = id;
    const src = fs.readFileSync(file, 'utf8').replace(/^#!.*/, '');
    scripts.push({
      id,
      file,
      text: `__weappConformance.define(${JSON.stringify(id)}, function (module, exports, require) {${src}\n});\n`,
    });
  }
  return { ids, scripts };
}

/**
 * The package's wasm files by code-package path, decompressed: WeChat decompresses a
 * `.wasm.br` itself, jsc and the browser cannot, so the driver does it here (node zlib)
 * and the engine's WXWebAssembly maps the `.wasm.br` path onto these bytes.
 * @returns {Array<{codePath: string, bytes: Buffer}>}
 */
function wasmFiles(dist) {
  const out = [];
  for (const name of fs.readdirSync(dist).sort()) {
    if (!/\.wasm(\.br)?$/.test(name)) continue;
    let bytes = fs.readFileSync(path.join(dist, name));
    if (name.endsWith('.br')) bytes = zlib.brotliDecompressSync(bytes);
    out.push({ codePath: CODE_PACKAGE_DIR + name, bytes });
  }
  if (out.length === 0) throw new Error(`no .wasm or .wasm.br in ${dist} (build pkg/ first?)`);
  return out;
}

const liveDirs = new Set();
process.on('exit', () => { for (const dir of Array.from(liveDirs)) removeDir(dir); });

/** A fresh temp folder, removed by removeDir or, at the latest, when the process exits. */
function tempDir(tag) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), `weapp-conformance-${tag}-`));
  liveDirs.add(dir);
  return dir;
}

/** Removes a temp folder; a browser that is still letting go of its profile only delays it. */
function removeDir(dir) {
  liveDirs.delete(dir);
  try {
    fs.rmSync(dir, { recursive: true, force: true, maxRetries: 10, retryDelay: 100 });
  } catch (e) {
    process.stderr.write(`conformance: could not remove ${dir}: ${e.message}\n`);
  }
}

/**
 * Calls `onIdle` when `poke()` has not been called for `ms`; `stop()` ends it.
 * @returns {{poke: function(), stop: function()}}
 */
function idleWatchdog(ms, onIdle) {
  let timer = null;
  const poke = () => {
    if (timer) clearTimeout(timer);
    timer = setTimeout(onIdle, ms);
  };
  poke();
  return { poke, stop: () => { if (timer) clearTimeout(timer); timer = null; } };
}

/**
 * What is wrong with one engine's run beyond failed cases: an error that escaped to the
 * engine, or a bundle that never instantiated its wasm through WXWebAssembly.
 * @returns {string[]}
 */
function problems(r) {
  const why = [];
  if (r.uncaught) why.push(`${r.engine}: ${r.uncaught} uncaught error(s) (see "# uncaught")`);
  if (r.passed > 0 && !r.wasmLoads) why.push(`${r.engine}: the wasm was never instantiated through WXWebAssembly`);
  return why;
}

/**
 * Exits on SIGINT/SIGTERM/SIGHUP through process.exit, so that every 'exit' handler
 * runs: run-jsc.js kills jsc there, playwright-core its browser.
 */
function exitOnSignals() {
  for (const [sig, n] of [['SIGINT', 2], ['SIGTERM', 15], ['SIGHUP', 1]]) {
    process.once(sig, () => process.exit(128 + n));
  }
}

/**
 * CLI tail shared by the three runners: runs `run(opts)`, prints the closing line
 * `N passed, N failed`, exits non-zero on any failure, when no case ran, or on one of
 * problems(): an error that escaped to the engine (uncaught in a callback or, in Node
 * and Chromium, an unhandled rejection: WeChat reports those to App.onError /
 * onUnhandledRejection) or no instantiation through WXWebAssembly.
 */
function main(run) {
  let opts;
  try { opts = parseArgs(process.argv.slice(2)); } catch (e) { console.error(e.message); process.exit(2); }
  exitOnSignals();
  run(Object.assign(opts, { log: (line) => process.stdout.write(line + '\n') })).then((r) => {
    console.log(`# ${r.engine}: ${r.ms} ms`);
    const why = problems(r);
    for (const w of why) console.log(`# FAIL ${w}`);
    console.log(`${r.passed} passed, ${r.failed + why.length} failed`); // a problem counts as a failure
    process.exitCode = r.failed === 0 && r.passed > 0 && why.length === 0 ? 0 : 1;
  }, (e) => {
    console.error(`conformance: ${(e && e.stack) || e}`);
    console.log('0 passed, 1 failed');
    process.exitCode = 1;
  });
}

module.exports = {
  REPO, ENGINE_HOST, CODE_PACKAGE_DIR, CASE_TIMEOUT_MS, IDLE_GRACE_MS,
  parseArgs, moduleId, moduleScripts, wasmFiles, tempDir, removeDir, idleWatchdog, problems, exitOnSignals, main,
};
