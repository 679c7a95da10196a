'use strict';
// Stryker's buildCommand (scripts/stryker.json): bundles the sandbox's pkg/dist/index.js and core.js
// from the sandbox's (instrumented) js-shim/. The glue imports the hosts from
// wasm-bindgen's copy of js-shim/hosts.js, a link to the checkout's own file
// (scripts/build-wasm.sh): point it at the sandbox's first, or the bundle would hold two
// hosts.js, the checkout's unmutated one among them.
const fs = require('fs');
const path = require('path');
const { bundle, ROOT } = require('./bundle.js');

const snippets = path.join(ROOT, 'target/wasm-bindgen/snippets');
for (const dir of fs.readdirSync(snippets)) {
  const copy = path.join(snippets, dir, 'js-shim/hosts.js');
  if (!fs.existsSync(path.dirname(copy))) continue;
  fs.rmSync(copy, { force: true });
  fs.symlinkSync(path.join(ROOT, 'js-shim/hosts.js'), copy);
}
bundle(path.join(ROOT, 'pkg/dist')).catch(() => process.exit(1));
