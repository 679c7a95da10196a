'use strict';
/**
 * Bundles each stack (bench/stacks/*.js with its npm libraries) with esbuild, minified,
 * for the browser-like platform a mini program is: what a mini program would ship, and
 * what the bench runs. weapp-login stays external: `require('weapp-login')` resolves,
 * through bench/.build/node_modules/weapp-login, to the dist folder under test, so the
 * bench runs that folder's index.js unchanged.
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
  fs.mkdirSync(path.join(OUT, 'node_modules'), { recursive: true });
  const link = path.join(OUT, 'node_modules', 'weapp-login');
  try { fs.unlinkSync(link); } catch (e) { /* absent */ }
  fs.symlinkSync(path.resolve(dist), link, 'dir');
  for (const id of STACKS) {
    await esbuild.build({
      entryPoints: [path.join(__dirname, 'stacks', id + '.js')],
      outfile: path.join(OUT, id + '.js'),
      bundle: true,
      format: 'cjs',
      platform: 'browser',
      minify: true,
      legalComments: 'none',
      external: ['weapp-login'],
      logLevel: 'warning',
    });
  }
  return OUT;
}

module.exports = { build, STACKS, OUT };
