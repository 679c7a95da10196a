'use strict';
// The two CommonJS files that ship (pkg/dist/index.js and pkg/dist/core.js), bundled and
// minified by esbuild. scripts/build-wasm.sh runs this; scripts/size-budget.js reuses
// OPTIONS to measure each part the same way.
//
// index.js is what a page requires: createLoginManager, LoginError, the options' checks and
// the cold start (js-shim/cold-start.js: storage, the early send's check, the early
// wx.login). core.js is the rest: the manager, the lease, the wasm loader, the
// wasm-bindgen glue and the UTF-8 codec. index.js requires core.js inside
// createLoginManager, after the cold start has begun, so a launch with no session starts
// wx.login before two thirds of the code is compiled (issue 20: require -> first wx.login
// 1.49x flyio's with one file). core.js takes LoginError from index.js (`require('./index.js')`,
// by then complete), so that there is one LoginError class and `instanceof` holds for
// every error; the small helpers both files use (js-shim/values.js, invalid.js) are in both.
//
// js-shim/ is written as ES modules so that esbuild hoists each file's modules into one scope:
// as CommonJS each module was a wrapper function that V8 parsed twice (once eagerly with
// the script, once when called), and createManager inside its wrapper three times. As
// ES modules: require -> first wx.request 3.44 -> 2.59 ms (median of 25 fresh Node
// processes each, interleaved) and index.js about 450 B smaller under brotli. Both files
// are CommonJS (`module.exports`), in strict mode (the banner).
const path = require('path');
const esbuild = require('esbuild');

const ROOT = path.join(__dirname, '..');

/** esbuild options shared by the shipped bundle and the size budget's parts. */
const OPTIONS = {
  bundle: true,
  format: 'cjs',
  platform: 'neutral',
  target: 'es2017',
  mainFields: ['main', 'module'],
  minify: true,
  legalComments: 'none',
  banner: { js: '"use strict";' },
  logLevel: 'warning',
};

/** The files that ship, each from its js-shim/ entry. */
const FILES = { 'index.js': 'js-shim/index.js', 'core.js': 'js-shim/core.js' };

/**
 * esbuild options of one shipped file (`name`: 'index.js' or 'core.js'), for `outfile`.
 * index.js leaves `require('./core.js')` to the host; core.js takes LoginError from
 * index.js (js-shim/errors.js resolves to it) and has the codec injected: the glue's
 * TextEncoder/TextDecoder refer to the polyfill's exports (js-shim/text-codec.js), so no
 * global is read or written.
 * @param {string} name
 * @param {object} [extra] esbuild options that override or add to OPTIONS
 */
function options(name, extra) {
  const own = name === 'index.js' ? {
    external: ['./core.js'],
    // The line esbuild writes for platform 'node' (never evaluated): Node's
    // cjs-module-lexer reads the named exports from it, so that an ES module can
    // `import { createLoginManager, LoginError } from 'weapp-login'`.
    footer: { js: '0&&(module.exports={createLoginManager,LoginError});' },
  } : {
    inject: [path.join(ROOT, 'js-shim/text-codec.js')],
  };
  const plugins = (extra && extra.plugins) || [];
  return Object.assign({}, OPTIONS, own, { entryPoints: [path.join(ROOT, FILES[name])] }, extra, {
    plugins: name === 'core.js' ? [sharedErrors].concat(plugins) : plugins,
  });
}

/** In core.js, js-shim/errors.js is index.js's: one LoginError class for both files. */
const sharedErrors = {
  name: 'shared-errors',
  setup(build) {
    build.onResolve({ filter: /^\.\/errors\.js$/ }, () => ({ path: './index.js', external: true }));
  },
};

/**
 * Bundles both files into `dist` (index.js, core.js).
 * @param {string} dist the folder
 * @param {object} [extra] esbuild options that override or add to OPTIONS (plugins are added)
 * @returns {Promise<void>}
 */
function bundle(dist, extra) {
  return Promise.all(Object.keys(FILES).map((name) =>
    esbuild.build(options(name, Object.assign({ outfile: path.join(dist, name) }, extra))))).then(() => {});
}

module.exports = { OPTIONS, ROOT, bundle };

/** Takes the glue (`weapp_login_bg.js`, which js-shim/loader.js requires) from `file`. */
function glueFrom(file) {
  return {
    name: 'glue-from',
    setup(build) {
      build.onResolve({ filter: /\/weapp_login_bg\.js$/ }, () => ({ path: path.resolve(file) }));
    },
  };
}

module.exports.glueFrom = glueFrom;

// node scripts/bundle.js [dist] [glue.js]: dist defaults to pkg/dist, the glue to target/wasm-bindgen's.
if (require.main === module) {
  const [dist = path.join(ROOT, 'pkg/dist'), glue] = process.argv.slice(2);
  bundle(dist, { plugins: glue ? [glueFrom(glue)] : [] }).catch(() => process.exit(1));
}
