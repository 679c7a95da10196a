#!/usr/bin/env bash
# Installs everything the build and the tests need, idempotently, from the package
# registries only (crates.io, npm, Debian). Safe to run again: each step is skipped
# when what it installs is already there at the right version.
set -euo pipefail
cd "$(dirname "$0")/.."

WASM_BINDGEN_VERSION=0.2.130   # must equal the `=` pin of wasm-bindgen in Cargo.toml

# wabt (wasm-validate, wasm-objdump), brotli, and the engines of the conformance matrix:
# Chromium + ChromeDriver (V8) and the `jsc` shell (JavaScriptCore, the engine of iOS WeChat).
# redis-server: the example server's tests start their own on a free port (store sharing).
need_apt=()
command -v wasm-validate >/dev/null 2>&1 || need_apt+=(wabt)
command -v brotli >/dev/null 2>&1 || need_apt+=(brotli)
command -v chromium >/dev/null 2>&1 || need_apt+=(chromium)
command -v chromedriver >/dev/null 2>&1 || need_apt+=(chromium-driver)
command -v jsc >/dev/null 2>&1 || need_apt+=(libjavascriptcoregtk-4.0-bin)
command -v redis-server >/dev/null 2>&1 || need_apt+=(redis-server)
if [ ${#need_apt[@]} -gt 0 ]; then
  echo "setup: apt-get install ${need_apt[*]}"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need_apt[@]}" >/dev/null
fi

if ! rustup target list --installed | grep -qx wasm32-unknown-unknown; then
  echo "setup: rustup target add wasm32-unknown-unknown"
  rustup target add wasm32-unknown-unknown
fi

if [ "$(wasm-bindgen --version 2>/dev/null || true)" != "wasm-bindgen $WASM_BINDGEN_VERSION" ]; then
  echo "setup: cargo install wasm-bindgen-cli $WASM_BINDGEN_VERSION (about 3 minutes)"
  # --locked fails here: a locked dependency version is missing from the index.
  cargo install wasm-bindgen-cli --version "$WASM_BINDGEN_VERSION" --force
fi

# npm tools (binaryen's wasm-opt 132 that can lower to MVP, the text-codec polyfill,
# miniprogram-ci's "build npm", typescript + miniprogram-api-typings, playwright-core):
# pinned in package.json / package-lock.json at the repository root.
# Reinstalled whenever package-lock.json is newer than the last install.
if [ ! -x node_modules/.bin/wasm-opt ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  echo "setup: npm ci"
  if [ -f package-lock.json ]; then npm ci --no-audit --no-fund; else npm install --no-audit --no-fund; fi
fi
echo "setup: ok"
