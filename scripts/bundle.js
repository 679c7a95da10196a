'use strict';
// The one CommonJS file that ships (pkg/dist/index.js): the shim, the wasm-bindgen glue
// and the UTF-8 codec, bundled and minified by esbuild. scripts/build-wasm.sh runs this;
// scripts/size-budget.js reuses OPTIONS to measure each part the same way.
//
// js-shim/ is written as ES modules so that esbuild hoists them into one scope: as
// CommonJS each module was a wrapper function that V8 parsed twice (once eagerly with
// the script, once when called), and createManager inside its wrapper three times. As
// ES modules: require -> first wx.request 3.44 -> 2.59 ms (median of 25 fresh Node
// processes each, interleaved) and index.js about 450 B smaller under brotli. The output is
// still one CommonJS file (`module.exports`), in strict mode (the banner).
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

/**
 * Bundles the shim. `inject` makes the glue's TextEncoder/TextDecoder refer to the
 * polyfill's exports (js-shim/text-codec.js), so no global is read or written.
 * @param {object} [extra] esbuild options that override or add to OPTIONS
 */
function bundle(extra) {
  return esbuild.build(Object.assign({}, OPTIONS, {
    entryPoints: [path.join(ROOT, 'js-shim/index.js')],
    inject: [path.join(ROOT, 'js-shim/text-codec.js')],
    // The line esbuild writes for platform 'node' (never evaluated): Node's
    // cjs-module-lexer reads the named exports from it, so that an ES module can
    // `import { createLoginManager, LoginError } from 'weapp-login'`.
    footer: { js: '0&&(module.exports={createLoginManager,LoginError});' },
  }, extra));
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

// node scripts/bundle.js [outfile] [glue.js]: the glue defaults to target/wasm-bindgen's.
if (require.main === module) {
  const [outfile = path.join(ROOT, 'pkg/dist/index.js'), glue] = process.argv.slice(2);
  bundle({ outfile, plugins: glue ? [glueFrom(glue)] : [] }).catch(() => process.exit(1));
}
