#!/usr/bin/env bash
# Two builds from the same source must ship byte-identical files. Builds pkg/dist as
# usual (incremental), then again from scratch in a separate cargo target directory
# (target/reproducible, removed first) with the same post-processing
# (scripts/build-wasm.sh), and compares the sha256 of the final .wasm, the .wasm.br,
# index.js and core.js. Prints both hashes of each; exits 1 on any difference.
set -euo pipefail
cd "$(dirname "$0")/.."
SECOND=target/reproducible

bash scripts/build-wasm.sh
rm -rf "$SECOND"
CARGO_TARGET_DIR=$SECOND DIST=$SECOND/dist bash scripts/build-wasm.sh

status=0
compare() { # name first second
  local a b
  a=$(sha256sum <"$2" | cut -d' ' -f1)
  b=$(sha256sum <"$3" | cut -d' ' -f1)
  printf '%-32s %s\n%-32s %s\n' "$1 (first)" "$a" "$1 (second)" "$b"
  if [ "$a" != "$b" ]; then
    echo "reproducible: FAIL: $1 differs between the two builds ($2, $3)" >&2
    status=1
  fi
}
compare "wasm (mvp.wasm)" target/wasm-bindgen/mvp.wasm "$SECOND/wasm-bindgen/mvp.wasm"
compare "weapp_login_bg.wasm.br" pkg/dist/weapp_login_bg.wasm.br "$SECOND/dist/weapp_login_bg.wasm.br"
compare "index.js" pkg/dist/index.js "$SECOND/dist/index.js"
compare "core.js" pkg/dist/core.js "$SECOND/dist/core.js"
[ "$status" = 0 ] && echo "reproducible: ok: both builds are byte-identical"
exit "$status"
