'use strict';
// js-shim/ is written as ES modules (esbuild hoists them into pkg/dist/index.js, see
// scripts/bundle.js). `shim(name)` loads one of them as CommonJS for the tests, bundled
// by esbuild the same way (its imports, and the wasm-bindgen glue for loader.js, come
// along), so that the module itself is what they exercise.
const path = require('path');
const Module = require('module');
const esbuild = require('esbuild');

const cache = new Map();

/**
 * @param {string} name a file of js-shim/, e.g. 'url.js'
 * @returns {object} its exports
 */
function shim(name) {
  if (cache.has(name)) return cache.get(name);
  const file = path.join(__dirname, '../../js-shim', name);
  const out = esbuild.buildSync({ entryPoints: [file], bundle: true, format: 'cjs', platform: 'neutral', write: false });
  esbuild.stop(); // the service it started would keep the test process alive
  const m = new Module(file);
  m.filename = file;
  m.paths = Module._nodeModulePaths(path.dirname(file));
  m._compile(out.outputFiles[0].text, file);
  cache.set(name, m.exports);
  return m.exports;
}

module.exports = { shim };
