# Entry points. README gives two: `make demo` (the main job) and `make test` (every test).
# Each target installs or builds what it needs first; every step is incremental.
SHELL := /bin/bash
CARGO_WASM_TEST := CARGO_TARGET_WASM32_UNKNOWN_UNKNOWN_RUNNER=wasm-bindgen-test-runner \
	cargo test -p weapp-login --target wasm32-unknown-unknown --config profile.dev.strip=true

.PHONY: setup build server demo test test-core test-wasm test-node

setup:
	@bash scripts/setup.sh

# pkg/dist (strict-MVP .wasm.br + CommonJS) and its copy in the example mini program.
build: setup
	bash scripts/build-wasm.sh
	node scripts/install-example.js

server: setup
	cargo build -p weapp-login-example-server

demo: build server
	node scripts/demo.js

test: build server test-core test-wasm test-node

test-core:
	cargo test --workspace

test-wasm:
	$(CARGO_WASM_TEST) --test wasm_adapter

test-node:
	node --test tests/node/
