# How the shipped wasm is compiled and optimised, in one place: sourced by
# scripts/build-wasm.sh (the shipped build) and scripts/size-functions.sh (the same
# build with names kept), so the two cannot drift apart.

# Rust → wasm32 (with -C target-cpu=mvp from .cargo/config.toml; rustflags given with
# --config add to the config's):
# - panic locations of dependencies hold the cargo home's path: remapped, so the wasm is
#   the same whoever builds it;
# - +bulk-memory: LLVM emits memory.copy/fill inline instead of linking compiler-builtins'
#   memmove/memcpy/memset (2.6 KB); WASM_LOWER lowers them back to MVP as one small loop
#   each (.wasm.br -715 B; measured 2026-12-02: without it the wasm path runs about 16 %
#   faster and ships 793 B more). build-wasm.sh's gate still refuses any bulk-memory
#   instruction.
CARGO_HOME_DIR=$(cd "${CARGO_HOME:-$HOME/.cargo}" && pwd)
WASM_RUSTFLAGS="target.wasm32-unknown-unknown.rustflags=['--remap-path-prefix=$CARGO_HOME_DIR=/cargo','-C','target-feature=+bulk-memory']"

# wasm-opt: lower what LLVM may still emit beyond MVP.
WASM_LOWER=(--enable-bulk-memory --enable-sign-ext --enable-nontrapping-float-to-int --enable-mutable-globals
  --llvm-memory-copy-fill-lowering --signext-lowering --llvm-nontrapping-fptoint-lowering)
# wasm-opt: optimise for size as MVP. --converge repeats -Oz while it still shrinks the
# module; the producers section (toolchain names) is not needed at run time.
WASM_OPTIMIZE=(--mvp-features -Oz --converge --strip-producers)
