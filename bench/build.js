'use strict';
/**
 * Bundles each stack (bench/stacks/*.js with its npm libraries) with esbuild, minified,
 * for the browser-like platform a mini program is: what a mini program would ship, and
 * what the bench runs. weapp-login stays external, so the bench runs the dist folder's
 * index.js (and the core.js it requires) unchanged: `require('weapp-login')` is written
 * into the bundle as `require('<dist>/index.js')`, an absolute path. A bare name would
 * make Node walk node_modules for it (about 0.3 ms in a fresh process, measured), which a
 * mini program's require does not do and which no other stack pays: theirs are inlined.
 *
 * @param {string} dist the weapp-login dist folder (WEAPP_LOGIN_DIST)
 * @returns {Promise<string>} the bundle folder
 */
const fs = require('fs');
const path = require('path');
const esbuild = require('esbuild');

const OUT = path.join(__dirname, '.build');
const STACKS = ['raw', 'baseline', 'weapp-login', 'axios', 'alova', 'flyio'];

async function build(dist) {
  fs.mkdirSync(OUT, { recursive: true });
  const index = path.join(path.resolve(dist), 'index.js');
  const weappLogin = {
    name: 'weapp-login-by-path',
    setup(b) {
      b.onResolve({ filter: /^weapp-login$/ }, () => ({ path: index, external: true }));
    },
  };
  for (const id of STACKS) {
    await esbuild.build({
      entryPoints: [path.join(__dirname, 'stacks', id + '.js')],
      outfile: path.join(OUT, id + '.js'),
      bundle: true,
      format: 'cjs',
      platform: 'browser',
      minify: true,
      legalComments: 'none',
      plugins: [weappLogin],
      logLevel: 'warning',
    });
  }
  return OUT;
}

module.exports = { build, STACKS, OUT };
