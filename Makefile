# Entry points. README gives two: `make demo` (the main job) and `make test` (every test).
# Each target installs or builds what it needs first; every step is incremental.
SHELL := /bin/bash
CARGO_WASM_TEST := CARGO_TARGET_WASM32_UNKNOWN_UNKNOWN_RUNNER=wasm-bindgen-test-runner \
	cargo test -p weapp-login --target wasm32-unknown-unknown --config profile.dev.strip=true

.PHONY: setup build pack server demo test test-core test-wasm test-wasm-browser test-node \
	test-types test-engines size size-functions reproducible bench mutants

setup:
	@bash scripts/setup.sh

# pkg/dist (strict-MVP .wasm.br + CommonJS), packed with `npm pack` and built into the
# example mini program by WeChat's own "build npm" (miniprogram-ci).
build: setup
	bash scripts/build-wasm.sh
	node scripts/install-example.js

# The tarball an adopter installs (README, "Install"): npm pack of pkg/, as `make build` makes it.
pack: build
	@echo target/pack/$$(node -p "require('./pkg/package.json').name + '-' + require('./pkg/package.json').version").tgz

server: setup
	cargo build -p weapp-login-example-server

demo: build server
	node scripts/demo.js

test: build server test-core test-wasm test-wasm-browser test-node test-types test-engines size \
	reproducible

test-core:
	cargo test --workspace

# The wasm adapter under wasm-bindgen-test: in Node, then in headless Chromium.
test-wasm:
	$(CARGO_WASM_TEST) --test wasm_adapter

test-wasm-browser:
	WASM_BINDGEN_USE_BROWSER=1 CHROMEDRIVER=/usr/bin/chromedriver $(CARGO_WASM_TEST) --test wasm_adapter

test-node:
	node --test tests/node/

# index.d.ts and testing.d.ts against a consumer that uses miniprogram-api-typings; each
# adapter's per-request opt-out against its library's own types (axios, flyio; uni-app's
# @dcloudio/types and luch-request).
test-types:
	node_modules/.bin/tsc -p tests/types
	node_modules/.bin/tsc -p tests/types/tsconfig.adapters.json
	node_modules/.bin/tsc -p tests/types/tsconfig.uni.json

# One black-box conformance suite over pkg/ on three engines: Node, Chromium, jsc.
test-engines:
	node tests/conformance/run-engines.js

# Raw, gzip and brotli bytes of what ships; fails over the budget.
size:
	node scripts/size-budget.js

# The wasm's code bytes by crate and by function (a second build that keeps names, in
# target/size-names; TOP=n for more rows). Not part of `make test`.
size-functions: setup
	bash scripts/size-functions.sh

# A second build from scratch (own cargo target dir) must give byte-identical
# .wasm, .wasm.br and index.js (45-75 s here, with setup).
reproducible: setup
	bash scripts/reproducible.sh

# weapp-login's build (pkg/dist, or WEAPP_LOGIN_DIST) against axios, alova, flyio and a JS baseline on one fake wx (issue 9); deps pinned in bench/.
bench:
	@[ bench/node_modules/.package-lock.json -nt bench/package-lock.json ] || npm ci --prefix bench --no-audit --no-fund && node --expose-gc bench/run.js

# Mutation testing (not in `make test`/CI: slow on 2 cores; run before each release and put
# the scores in README's "Proof"). PART=src/machine (cargo-mutants, the core's tests),
# PART=js-shim/lease.js (Stryker, the node tests), PART=src, js-shim or all (default).
mutants: setup
	@[ -f pkg/dist/index.js ] || $(MAKE) build
	PART=$(PART) bash scripts/mutants.sh
