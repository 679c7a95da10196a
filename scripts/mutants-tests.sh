#!/usr/bin/env bash
# The tests Stryker runs against each mutant (scripts/stryker.json's command), chosen by
# the file being mutated (MUTANTS_FILE, exported by scripts/mutants.sh). Only tests that
# load the shim in Node's own realm can see a mutant (the vm sandbox has no process.env),
# so the adapters' sandbox tests are left out.
set -euo pipefail
case "${MUTANTS_FILE:-}" in
  js-shim/trust.js)
    # trust.js's own properties (js => core on every path, the string judged is the string
    # sent, the cold-start check) with 2,000 URLs per path instead of make test's 10,000,
    # then the paths that send through it.
    WEAPP_TRUST_RUNS=2000 HOSTILE_RUNS=200 node --test --test-concurrency=1 tests/node/trust.test.js \
      tests/node/trust-cold.test.js tests/node/lease.test.js tests/node/shim.test.js tests/node/faults.test.js \
      tests/node/early-settle.test.js tests/node/cold-start.test.js ;;
  js-shim/cold-start.js)
    # What runs before the Core exists: the early send, early settle, early wx.login, logout.
    WEAPP_TRUST_RUNS=2000 HOSTILE_RUNS=200 node --test --test-concurrency=1 \
      tests/node/trust-cold.test.js tests/node/early-settle.test.js tests/node/early-login.test.js \
      tests/node/cold-start.test.js tests/node/shim.test.js tests/node/faults.test.js tests/node/lease.test.js \
      tests/node/messages.test.js tests/node/cold-start-slots.test.js tests/node/two-files.test.js ;;
  js-shim/index.js)
    # createLoginManager: the wasmPath rules, the order of the cold start and core.js, when
    # the wasm's load starts.
    WEAPP_TRUST_RUNS=2000 HOSTILE_RUNS=200 node --test --test-concurrency=1 \
      tests/node/two-files.test.js tests/node/messages.test.js tests/node/testing-strict.test.js \
      tests/node/cold-start.test.js tests/node/early-login.test.js tests/node/trust-cold.test.js \
      tests/node/shim.test.js tests/node/faults.test.js ;;
  *)
    HOSTILE_RUNS=200 node --test --test-concurrency=1 tests/node/lease.test.js tests/node/lease-edges.test.js \
      tests/node/lease-deadlines.test.js tests/node/shim.test.js tests/node/faults.test.js tests/node/hostile.test.js \
      tests/node/login-answer.test.js tests/node/real-clock.test.js tests/node/testing-harness.test.js \
      tests/node/testing-strict.test.js tests/node/cold-start.test.js ;;
esac
node tests/conformance/run-plain-node.js
