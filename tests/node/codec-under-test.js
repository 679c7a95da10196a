'use strict';
// js-shim/text-codec.js is an ES module (esbuild injects it into the bundle): this loads
// it as CommonJS for the tests, bundled the same way, so the fallback codec itself (not
// the platform's) is what they exercise.
const path = require('path');
const Module = require('module');
const esbuild = require('esbuild');

const file = path.join(__dirname, '../../js-shim/text-codec.js');
const out = esbuild.buildSync({ entryPoints: [file], bundle: true, format: 'cjs', platform: 'neutral', write: false });
esbuild.stop(); // the service it started would keep the test process alive
const m = new Module(file);
m._compile(out.outputFiles[0].text, file);
module.exports = m.exports;
