'use strict';
// The world of tests/node/early-login.test.js and early-settle.test.js (issue 20): the
// shim's modules in one bundle whose wasm is handed over at a chosen virtual time, with the
// Core's commands to each manager recorded, and a scripted wx whose every call is logged.
const fs = require('fs');
const path = require('path');
const Module = require('module');
const esbuild = require('esbuild');

const SHIM = path.join(__dirname, '../../js-shim');
const WASM = path.join(__dirname, '../../pkg/dist/weapp_login_bg.wasm.br');
const LOGIN_URL = 'https://api.example.com/user/login';
const BASE = 'https://api.example.com';
// src/wasm/host.rs `op`: the Core's numeric commands and those that carry strings.
const OP = { WX_LOGIN: 0, SEND: 2, RESOLVE: 4, POST_CODE: 8, REJECT: 10 };

/**
 * validate, createColdStart, createManager and load (js-shim/) in one bundle, so that
 * they share one hosts.js, whose registry is exposed as `hosts` to record what the Core
 * tells each manager.
 */
async function shimModules() {
  const out = await esbuild.build({
    stdin: {
      contents: ['options.js', 'cold-start.js', 'manager.js', 'loader.js'].map((f) => `export * from './${f}';`).join('\n')
        + "\nexport { hosts } from './hosts.js';",
      resolveDir: SHIM,
    },
    bundle: true,
    format: 'cjs',
    platform: 'neutral',
    write: false,
    plugins: [{
      name: 'expose-hosts',
      setup(b) {
        b.onLoad({ filter: /hosts\.js$/ }, (a) => ({ contents: fs.readFileSync(a.path, 'utf8') + '\nexport { hosts };', loader: 'js' }));
      },
    }],
  });
  const file = path.join(SHIM, 'early-world-bundle.js');
  const m = new Module(file);
  m.filename = file;
  m.paths = Module._nodeModulePaths(SHIM);
  m._compile(out.outputFiles[0].text, file);
  const M = m.exports;
  const wasm = await M.load(WASM);
  return { M, wasm };
}

/**
 * A manager as createLoginManager makes one (js-shim/index.js: validate, the cold start,
 * then createManager), whose wasm is ready at virtual time `readyAt` (ms after now).
 * `log` gets `['newCore']` when the Core is made, then `[op, a, b, text]` for each command
 * the Core gives it.
 */
function makeManager(S, options, clock, readyAt, log) {
  const o = S.M.validate(options);
  o.wasmPath = WASM;
  const wasm = Object.assign({}, S.wasm, {
    newCore(h, ...rest) {
      const host = S.M.hosts[h];
      const cmd = host.cmd;
      const text = host.text;
      host.cmd = (op, a, b, c, d, e) => {
        log.push([op, a, b]);
        cmd.call(host, op, a, b, c, d, e);
      };
      host.text = (op, a, b, s, t, u) => {
        log.push([op, a, b, s]);
        text.call(host, op, a, b, s, t, u);
      };
      log.push(['newCore']);
      return S.wasm.newCore(h, ...rest);
    },
  });
  const loading = new Promise((resolve) => clock.setTimeout(() => resolve(wasm), readyAt));
  return S.M.createManager(o, loading, S.M.createColdStart(o));
}

/** A promise's outcome as data: 'ok' or its LoginError code; `settled` tells whether it has one. */
function watch(p) {
  const r = { settled: false, outcome: undefined, value: undefined };
  p.then((v) => {
    Object.assign(r, { settled: true, outcome: 'ok', value: v });
  }, (e) => {
    Object.assign(r, { settled: true, outcome: e && e.code ? e.code : 'not a LoginError: ' + e });
  });
  return r;
}

module.exports = { shimModules, makeManager, watch, LOGIN_URL, BASE, OP };
