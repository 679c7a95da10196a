'use strict';
// The five adapters of the package (weapp-login/fly, /axios, /luch-request, /taro, /uni):
// each js-shim/adapters/<name>.js bundled on its own (common.js inlined) and minified into
// <dist>/<name>.js, its .d.ts copied beside it. Separate files: "build npm" copies them
// with the rest of dist, and a page that does not require one never loads it.
// scripts/build-wasm.sh runs this last: node scripts/bundle-adapters.js [dist].
const fs = require('fs');
const path = require('path');
const esbuild = require('esbuild');
const { OPTIONS, ROOT } = require('./bundle');

const ADAPTERS = ['fly', 'axios', 'luch-request', 'taro', 'uni'];
const SRC = path.join(ROOT, 'js-shim/adapters');

/** Bundles every adapter into `dist`. @returns {Promise<void>} */
async function bundleAdapters(dist) {
  fs.mkdirSync(dist, { recursive: true });
  for (const name of ADAPTERS) {
    await esbuild.build(Object.assign({}, OPTIONS, {
      entryPoints: [path.join(SRC, name + '.js')],
      outfile: path.join(dist, name + '.js'),
    }));
    fs.copyFileSync(path.join(SRC, name + '.d.ts'), path.join(dist, name + '.d.ts'));
  }
  fs.copyFileSync(path.join(SRC, 'interceptable.d.ts'), path.join(dist, 'interceptable.d.ts'));
}

module.exports = { ADAPTERS, bundleAdapters };

if (require.main === module) {
  bundleAdapters(path.resolve(process.argv[2] || path.join(ROOT, 'pkg/dist'))).catch((e) => {
    console.error(e);
    process.exit(1);
  });
}
