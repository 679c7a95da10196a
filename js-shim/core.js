/**
 * The second file that ships (pkg/dist/core.js): the manager, the lease, the wasm loader
 * and the wasm-bindgen glue. index.js requires it inside createLoginManager, once its
 * cold start (cold-start.js) has read storage and started the early wx.login, so that
 * neither waits for this code to be compiled (issue 20; scripts/bundle.js).
 *
 * `module.exports` rather than `export`: the file is only ever bundled as the CommonJS
 * core.js, and esbuild then writes no ES-module interop for it (127 B less under brotli).
 */
import { createManager } from './manager.js';
import { load } from './loader.js';

module.exports = { createManager, load };
