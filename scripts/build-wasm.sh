#!/usr/bin/env bash
# Builds the npm package in pkg/dist: strict-MVP wasm (brotli .wasm.br) plus one
# minified CommonJS file (shim + wasm-bindgen glue + UTF-8 codec), and fails unless the wasm
# passes the MVP gate. Why each step: README, "Why strict-MVP wasm".
#
# CARGO_TARGET_DIR (default target) and DIST (default pkg/dist) may point elsewhere:
# scripts/reproducible.sh builds a second copy that way and compares.
set -euo pipefail
cd "$(dirname "$0")/.."
TARGET_DIR=${CARGO_TARGET_DIR:-target}
OUT=$TARGET_DIR/wasm-bindgen
DIST=${DIST:-pkg/dist}
BIN=node_modules/.bin
mkdir -p "$OUT" "$DIST"

# The rustflags and wasm-opt passes (WASM_RUSTFLAGS, WASM_LOWER, WASM_OPTIMIZE), shared
# with scripts/size-functions.sh.
source scripts/wasm-flags.sh

# 1. Rust → wasm32 with strip (profile.wasm): without strip wasm-bindgen fails on the
#    reference-types that the target advertises. The crate is no_std; `runtime` gives the
#    cdylib its own panic handler (a trap, no message formatting) and allocator
#    (lol_alloc's free list), so std is not linked.
cargo build -p weapp-login --lib --target wasm32-unknown-unknown --profile wasm --features runtime \
  --config "$WASM_RUSTFLAGS"
# 2. Bindings. The bundler target's glue has no WebAssembly, fetch or import.meta.
wasm-bindgen --target bundler --out-dir "$OUT" --out-name weapp_login \
  "$TARGET_DIR/wasm32-unknown-unknown/wasm/weapp_login.wasm"
#    The glue imports the hosts (src/wasm/host.rs) from wasm-bindgen's copy of
#    js-shim/hosts.js: make that copy a link to the file itself, so that the bundle (and
#    a test that bundles js-shim/loader.js) holds one module, one registry.
for copy in "$OUT"/snippets/*/js-shim/hosts.js; do
  ln -sf "$PWD/js-shim/hosts.js" "$copy"
done
# 3. Lower what LLVM may still emit beyond MVP, then optimise for size as MVP.
#    Exported Globals (wasm-bindgen's __abort_handler, __instance_terminated) are
#    rejected by iOS: remove every global export.
globals=$(wasm-objdump -x -j Export "$OUT/weapp_login_bg.wasm" | sed -n 's/.*global\[[0-9]*\].*-> "\(.*\)"/\1/p' | paste -sd, -)
"$BIN/wasm-opt" "$OUT/weapp_login_bg.wasm" -o "$OUT/lowered.wasm" "${WASM_LOWER[@]}"
"$BIN/wasm-opt" "$OUT/lowered.wasm" -o "$OUT/mvp.wasm" "${WASM_OPTIMIZE[@]}" \
  ${globals:+--remove-exports="$globals"}
# 4. The gate: every post-MVP feature disabled, and no exported Global.
wasm-validate --disable-bulk-memory --disable-reference-types --disable-multi-value \
  --disable-saturating-float-to-int --disable-sign-extension --disable-mutable-globals "$OUT/mvp.wasm"
if wasm-objdump -x -j Export "$OUT/mvp.wasm" | grep -q ' global\['; then
  echo "build-wasm: the wasm exports a Global (iOS rejects it)" >&2; exit 1
fi
# 5. Ship brotli-compressed (WXWebAssembly reads .wasm.br from base library 2.14.0).
brotli -q 11 -f -o "$DIST/weapp_login_bg.wasm.br" "$OUT/mvp.wasm"
# 6. Two minified CommonJS files (scripts/bundle.js: esbuild): index.js (createLoginManager,
#    the options, the cold start) and core.js (the manager, the loader, the glue, the codec
#    injected so no global TextEncoder/TextDecoder is read or written).
node scripts/bundle.js "$DIST" "$OUT/weapp_login_bg.js"
cp js-shim/index.d.ts "$DIST/index.d.ts"
echo "build-wasm: $(wc -c <"$OUT/mvp.wasm") bytes wasm, $(wc -c <"$DIST/weapp_login_bg.wasm.br") bytes .wasm.br," \
  "$(wc -c <"$DIST/index.js") + $(wc -c <"$DIST/core.js") bytes index.js + core.js (minified); the size budget: make size"
# 7. The adapters (weapp-login/fly, /axios, /luch-request, /taro, /uni): one minified file
#    each beside index.js, with its .d.ts, so "build npm" copies them and a page that
#    does not require one never loads it (scripts/bundle-adapters.js).
node scripts/bundle-adapters.js "$DIST"
