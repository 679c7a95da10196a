'use strict';
/**
 * Engine (a): Node, inside the mini-program sandbox (tests/sandbox): a vm context with
 * only a mini program's globals (no WebAssembly, TextDecoder, require, process) and the
 * sandbox's own WXWebAssembly, which takes a code-package path and decompresses a
 * `.wasm.br` itself, as WeChat does. The code package is a temp folder holding
 * pkg/dist's files at /miniprogram_npm/weapp-login/, where the bundle looks by default.
 *
 *   node tests/conformance/run-sandbox.js [--suite=FILE] [--testing=FILE]
 *
 * Exports run(opts) → Promise<{engine, passed, failed, names, failedNames, uncaught, wasmLoads, ms}>.
 */
const fs = require('fs');
const path = require('path');
const vm = require('vm');
const { createSandbox } = require('../sandbox');
const d = require('./driver');

async function run(opts) {
  const o = Object.assign(d.parseArgs([]), opts);
  const log = o.log || (() => {});
  const started = Date.now();
  const { ids, scripts } = d.moduleScripts(o);
  const root = d.tempDir('sandbox');
  const pkgDir = path.join(root, d.CODE_PACKAGE_DIR);
  fs.mkdirSync(pkgDir, { recursive: true });
  for (const name of fs.readdirSync(o.dist)) fs.copyFileSync(path.join(o.dist, name), path.join(pkgDir, name));

  const say = (prefix) => (...args) => log(`# ${prefix}${args.map(String).join(' ')}`);
  const sb = createSandbox({
    root,
    log: { log: say(''), info: say(''), debug: say(''), warn: say('warn: '), error: say('error: ') },
  });
  // WeChat reports these (App.onError / onUnhandledRejection) and goes on; so does the run.
  // They count against the run as in the other engines (see driver.js).
  let uncaught = 0;
  const onRejection = (e) => { uncaught++; log(`# unhandled rejection: ${(e && e.message) || e}`); };
  const onUncaught = (e) => { uncaught++; log(`# uncaught: ${(e && e.message) || e}`); };
  process.on('unhandledRejection', onRejection);
  process.on('uncaughtException', onUncaught);
  try {
    vm.runInContext(fs.readFileSync(d.ENGINE_HOST, 'utf8'), sb.context, { filename: d.ENGINE_HOST });
    try {
      for (const s of scripts) vm.runInContext(s.text, sb.context, { filename: s.file });
    } catch (e) {
      log(`not ok 0 - load the modules: ${e}`);
      return { engine: 'node-sandbox', passed: 0, failed: 1, names: [], failedNames: ['load the modules'], ms: Date.now() - started };
    }
    const host = vm.runInContext('__weappConformance', sb.context);
    const r = await host.run({
      bundle: ids.bundle, testing: ids.testing, suite: ids.suite, timeoutMs: o.timeoutMs,
      print: (line) => log(String(line)),
    });
    for (const w of sb.calls.wasm) {
      const what = typeof w.path === 'string' ? w.path : `<${Object.prototype.toString.call(w.path).slice(8, -1)}>`;
      log(`# WXWebAssembly.instantiate(${what}): ${w.ok ? 'ok' : w.error}`);
    }
    return {
      engine: 'node-sandbox', passed: r.passed, failed: r.failed,
      names: Array.from(r.names), failedNames: Array.from(r.failedNames), uncaught,
      wasmLoads: sb.calls.wasm.filter((w) => w.ok).length, ms: Date.now() - started,
    };
  } finally {
    sb.close();
    process.removeListener('unhandledRejection', onRejection);
    process.removeListener('uncaughtException', onUncaught);
    d.removeDir(root);
  }
}

module.exports = { run };

if (require.main === module) d.main(run);
