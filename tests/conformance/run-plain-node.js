'use strict';
// Runs the conformance suite in plain Node against the shipped package:
//   node tests/conformance/run-plain-node.js [name filter]
// Prints `ok - name` / `not ok - name: message`, then `N passed, N failed`; exit 1 on a failure.
const { createLoginManager, LoginError } = require('../../pkg/dist/index.js');
const testing = require('../../pkg/testing');
const defineSuite = require('./suite.js');

async function main() {
  const filter = process.argv[2] || '';
  const cases = defineSuite({ createLoginManager, LoginError, testing }).filter((c) => c.name.includes(filter));
  let passed = 0;
  let failed = 0;
  for (const c of cases) {
    try {
      await c.run();
      passed += 1;
      console.log('ok - ' + c.name);
    } catch (e) {
      failed += 1;
      console.log('not ok - ' + c.name + ': ' + ((e && e.message) || e));
    }
  }
  console.log(passed + ' passed, ' + failed + ' failed');
  process.exitCode = failed > 0 ? 1 : 0;
}

main();
