/**
 * Instantiates the wasm. In a mini program only `WXWebAssembly.instantiate(path,
 * imports)` exists (a path inside the code package; base library 2.13.0+, `.wasm.br`
 * 2.14.0+), and `WebAssembly` is never touched there. Elsewhere (Node) it falls back to
 * `WebAssembly` with the file read from disk.
 */

import * as bg from '../target/wasm-bindgen/weapp_login_bg.js';
import { register } from './hosts.js'; // re-exported for tests that drive the Core themselves

function instantiate(path, imports) {
  if (typeof WXWebAssembly !== 'undefined') return WXWebAssembly.instantiate(path, imports);
  // Node only. Called through a variable so that a mini program's build tools, which
  // scan for require('…') literals, never look for Node's built-in modules.
  const nodeRequire = typeof require === 'function' ? require : null;
  if (typeof WebAssembly !== 'undefined' && nodeRequire && path) {
    // Read and decompress off the main thread: createLoginManager and a first request
    // that carries a persisted token never wait for it.
    return new Promise((resolve, reject) => {
      nodeRequire('fs').readFile(path, (err, bytes) => {
        if (err) return reject(err);
        if (!/\.br$/.test(path)) return resolve(WebAssembly.instantiate(bytes, imports));
        nodeRequire('zlib').brotliDecompress(bytes, (e, raw) => {
          if (e) reject(e);
          else resolve(WebAssembly.instantiate(raw, imports));
        });
      });
    });
  }
  return Promise.reject(new Error('neither WXWebAssembly nor WebAssembly is available'));
}

/**
 * @param {string|undefined} wasmPath code-package path of the .wasm/.wasm.br
 * @returns {Promise<object>} the Core's functions (src/wasm/mod.rs), each taking the
 *   manager's number `h` first: newCore, put, text, loginAnswered, trusts, deadline
 */
function load(wasmPath) {
  const imports = { './weapp_login_bg.js': bg };
  return instantiate(wasmPath, imports).then((res) => {
    const exports = (res.instance || res).exports;
    bg.__wbg_set_wasm(exports);
    if (typeof exports.__wbindgen_start === 'function') exports.__wbindgen_start();
    return {
      newCore: bg.newCore, put: bg.put, text: bg.text,
      loginAnswered: bg.loginAnswered, trusts: bg.trusts, deadline: bg.deadline,
    };
  });
}

export { load, register };
