'use strict';
/**
 * Makes this Node process look like a mini program's logic layer before any stack loads:
 * captures what the bench harness itself needs, then deletes the globals a mini program
 * lacks (tests/sandbox's ABSENT_GLOBALS, plus Node's other web globals), and installs
 * a WXWebAssembly stand-in that, like WeChat's, takes only a code-package path.
 *
 * `WebAssembly` is deleted too: weapp-login loads through WXWebAssembly here, as in a
 * mini program (the stand-in reads the .wasm.br from WEAPP_LOGIN_DIST, decompresses it
 * with zlib and instantiates it with the captured WebAssembly; WeChat does the same
 * natively, so the work is inside the cold-start figures).
 */
const fs = require('fs');
const path = require('path');
const zlib = require('zlib');
const { performance } = require('perf_hooks');

const ABSENT = ['WebAssembly', 'TextEncoder', 'TextDecoder', 'fetch', 'URL', 'URLSearchParams',
  'process', 'Buffer', 'queueMicrotask', 'global', 'setImmediate', 'clearImmediate', 'structuredClone',
  'atob', 'btoa', 'MessageChannel', 'self', 'window', 'document',
  // Node's lazy web globals (undici's load would read the deleted `global`); none exists
  // in a mini program's logic layer either.
  'FormData', 'Headers', 'Request', 'Response', 'WebSocket', 'EventSource', 'Blob', 'File', 'crypto',
  'AbortController', 'AbortSignal', 'BroadcastChannel', 'ReadableStream', 'WritableStream',
  'TransformStream', 'performance'];

/** What the harness keeps for itself, captured before the globals go. */
const host = {
  process: globalThis.process,
  WebAssembly: globalThis.WebAssembly,
  setImmediate: globalThis.setImmediate,
  setTimeout: globalThis.setTimeout,
  clearTimeout: globalThis.clearTimeout,
  now: () => performance.now(),
  gc: typeof globalThis.gc === 'function' ? globalThis.gc : null,
};

/** Resolves after every pending promise reaction has run. */
const drain = () => new Promise((resolve) => host.setImmediate(resolve));

/** Code-package path → file, for the WXWebAssembly stand-in. */
const WASM_PATH = '/miniprogram_npm/weapp-login/weapp_login_bg.wasm.br';

/**
 * @param {string} dist the weapp-login dist folder
 * @param {object} [counters] when given, every wasm export and import function is wrapped
 *   to count calls: counters.in[name] (JS → wasm), counters.out[name] (wasm → JS)
 */
function makeWXWebAssembly(dist, counters) {
  const WA = host.WebAssembly;
  const wrapCount = (table, name, f) => function () {
    table[name] = (table[name] || 0) + 1;
    return f.apply(this, arguments);
  };
  return {
    instantiate(p, imports) {
      return new Promise((resolve) => {
        if (p !== WASM_PATH) throw new Error('WXWebAssembly.instantiate: no such file in the code package: ' + p);
        const bytes = zlib.brotliDecompressSync(fs.readFileSync(path.join(dist, 'weapp_login_bg.wasm.br')));
        let imp = imports;
        if (counters) {
          imp = {};
          for (const mod of Object.keys(imports)) {
            imp[mod] = {};
            for (const name of Object.keys(imports[mod])) {
              const v = imports[mod][name];
              imp[mod][name] = typeof v === 'function' ? wrapCount(counters.out, name, v) : v;
            }
          }
        }
        resolve(WA.instantiate(bytes, imp).then((r) => {
          if (counters) counters.memory = r.instance.exports.memory;
          else host.wasmMemory = r.instance.exports.memory;
          if (!counters) return r;
          const exp = {};
          for (const name of Object.keys(r.instance.exports)) {
            const v = r.instance.exports[name];
            exp[name] = typeof v === 'function' ? wrapCount(counters.in, name, v) : v;
          }
          return { instance: { exports: exp }, module: r.module };
        }));
      });
    },
    Memory: WA.Memory,
    Table: WA.Table,
    RuntimeError: WA.RuntimeError,
  };
}

/**
 * Deletes the absent globals and installs WXWebAssembly and the `wx` facade.
 * @returns {string[]} the names that could not be deleted
 */
function enterMiniProgram(dist, wx, counters) {
  const left = [];
  for (const name of ABSENT) {
    try { delete globalThis[name]; } catch (e) { /* reported below */ }
    if (name in globalThis) left.push(name);
  }
  globalThis.WXWebAssembly = makeWXWebAssembly(dist, counters);
  globalThis.wx = wx;
  return left;
}

module.exports = { host, drain, enterMiniProgram, ABSENT, WASM_PATH };
