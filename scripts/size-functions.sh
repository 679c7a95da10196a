#!/usr/bin/env bash
# make size-functions: the wasm's code bytes by function and by crate (issue 9: every byte
# accounted for). Builds the shipped wasm a second time, the same way as
# scripts/build-wasm.sh but keeping function names (in its own target directory,
# target/size-names, so the shipped build stays incremental), then lists them with
# scripts/size-functions.js. The named build's code section matches the shipped one's to
# within the names it keeps out of the code (a few bytes); `make size` gives the shipped
# sections.
set -euo pipefail
cd "$(dirname "$0")/.."
export CARGO_TARGET_DIR=target/size-names
OUT=$CARGO_TARGET_DIR/named
BIN=node_modules/.bin
mkdir -p "$OUT"
source scripts/wasm-flags.sh # the shipped build's rustflags and wasm-opt passes
# strip = "debuginfo" keeps the name section.
cargo build -q -p weapp-login --lib --target wasm32-unknown-unknown --profile wasm --features runtime \
  --config 'profile.wasm.strip="debuginfo"' --config "$WASM_RUSTFLAGS"
# Unstripped, the target_features section advertises reference types and wasm-bindgen
# would rewrite the module for them: drop that section first (-g keeps names throughout).
"$BIN/wasm-opt" "$CARGO_TARGET_DIR/wasm32-unknown-unknown/wasm/weapp_login.wasm" -o "$OUT/in.wasm" -g \
  --strip-target-features --enable-bulk-memory --enable-reference-types --enable-multivalue \
  --enable-sign-ext --enable-nontrapping-float-to-int --enable-mutable-globals
wasm-bindgen --keep-debug --target bundler --out-dir "$OUT" --out-name weapp_login "$OUT/in.wasm"
"$BIN/wasm-opt" "$OUT/weapp_login_bg.wasm" -o "$OUT/lowered.wasm" -g "${WASM_LOWER[@]}"
"$BIN/wasm-opt" "$OUT/lowered.wasm" -o "$OUT/named.wasm" -g "${WASM_OPTIMIZE[@]}"
shipped=target/wasm-bindgen/mvp.wasm # scripts/build-wasm.sh's, if built
node scripts/size-functions.js "$OUT/named.wasm" "${TOP:-40}" $([ -f "$shipped" ] && echo "$shipped")
