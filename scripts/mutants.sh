#!/usr/bin/env bash
# make mutants [PART=...]: mutation testing, not part of `make test` or CI (slow on 2
# cores); run it before each release and put the scores in README's "Proof".
#
#   PART=src/machine      cargo-mutants over those Rust files, with the core's native tests
#   PART=src/origin.rs    (any file or folder under src/; src/wasm is the wasm adapter,
#                          whose tests run on wasm32 only: left out of PART=src)
#   PART=js-shim/lease.js Stryker over that JS file, with the node tests (scripts/stryker.json)
#   PART=src | js-shim | all (default all: every Rust file, then every js-shim file)
#
# Prints each part's score (killed / viable mutants) and its surviving mutants; the full
# results stay in target/mutants/<part>/. Runs under `nice`: other work keeps the cores.
# cargo-mutants is installed here, pinned, on first use (not in scripts/setup.sh: CI
# never needs it); Stryker is a devDependency in package.json.
set -euo pipefail
cd "$(dirname "$0")/.."

CARGO_MUTANTS_VERSION=27.1.0
PART=${PART:-all}
PART=${PART%/}
OUT=target/mutants

rust() { # $1: src, a folder under src/, or a .rs file
  if [ "$(cargo mutants --version 2>/dev/null || true)" != "cargo-mutants $CARGO_MUTANTS_VERSION" ]; then
    echo "mutants: cargo install cargo-mutants $CARGO_MUTANTS_VERSION (about 3 minutes)"
    cargo install --locked cargo-mutants --version "$CARGO_MUTANTS_VERSION"
  fi
  local part=$1 filter
  if [ "$part" = src ]; then filter=(--file 'src/**' --exclude 'src/wasm/**')
  elif [ -d "$part" ]; then filter=(--file "$part/**")
  elif [ -f "$part" ]; then filter=(--file "$part")
  else echo "mutants: no such file or folder: $part" >&2; exit 2; fi
  local out="$OUT/${part//\//_}"
  mkdir -p "$out"
  local t0=$SECONDS
  # The `mutants` profile (Cargo.toml) is the test profile without debug info: each
  # mutant links ~11 test binaries, and that is most of its time. A mutant whose tests
  # run past the timeout (4 x the clean run, at least 60 s) counts as caught (a hang).
  # Doc tests (one example in src/lib.rs) are left out: --tests.
  nice -n 10 cargo mutants -p weapp-login "${filter[@]}" --profile mutants --jobs 1 \
    --timeout-multiplier 4 --minimum-test-timeout 60 --output "$out" --no-shuffle \
    --cargo-test-arg=--tests || true # exit 2: some mutants survived (reported below)
  node scripts/mutants-report.js rust "$part" "$out/mutants.out/outcomes.json" $((SECONDS - t0))
}

js() { # $1: a .js file under js-shim/
  [ -f "$1" ] || { echo "mutants: no such file: $1" >&2; exit 2; }
  [ -f pkg/dist/weapp_login_bg.wasm.br ] || { echo "mutants: build the package first (make build)" >&2; exit 2; }
  local out="$OUT/${1//\//_}"
  mkdir -p "$out"
  local t0=$SECONDS
  rm -f target/mutants/stryker-mutation.json
  # MUTANTS_JOBS=2 runs two mutants at once (the tests mostly wait on timers and sockets).
  MUTANTS_FILE=$1 nice -n 10 node_modules/.bin/stryker run scripts/stryker.json --mutate "$1" \
    --concurrency "${MUTANTS_JOBS:-1}" || true
  [ -f target/mutants/stryker-mutation.json ] && mv target/mutants/stryker-mutation.json "$out/mutation.json"
  node scripts/mutants-report.js js "$1" "$out/mutation.json" $((SECONDS - t0))
}

case "$PART" in
  all) rust src; for f in js-shim/*.js; do js "$f"; done ;;
  js-shim) for f in js-shim/*.js; do js "$f"; done ;;
  src|src/*) rust "$PART" ;;
  js-shim/*.js) js "$PART" ;;
  *) echo "mutants: PART must be src, a path under src/, js-shim, a js-shim/*.js file or all; got $PART" >&2; exit 2 ;;
esac
