'use strict';
// The code section of a wasm built with names (scripts/size-functions.sh), by crate and by
// function: each function's body bytes (wasm-objdump's size=, without its size prefix),
// which sum to the code section less its headers.
//
//   node scripts/size-functions.js <named.wasm> [top] [shipped.wasm]
const cp = require('child_process');

const [file, topArg] = process.argv.slice(2);
if (!file) {
  console.error('usage: node scripts/size-functions.js <named.wasm> [top]');
  process.exit(2);
}
const top = Number(topArg || 40);
const dump = cp.execFileSync('wasm-objdump', ['-x', '-j', 'Code', file], { encoding: 'utf8', maxBuffer: 64 << 20 });

/** Crates a function name can belong to, most specific first. */
const CRATES = ['weapp_login', 'wasm_bindgen', 'js_sys', 'lol_alloc', 'compiler_builtins', 'alloc', 'core'];

/**
 * The crate a (demangled) function name belongs to: the first crate path in it, so that
 * `<weapp_login::X as core::clone::Clone>::clone` is weapp_login's (its code is
 * weapp_login's type) and `alloc::vec::Vec<T>::push` is alloc's. wasm-bindgen's export
 * shims (`core_put`) are weapp_login's; functions binaryen adds (the lowered
 * memory.copy/fill loops) have no name.
 */
function crateOf(name) {
  if (name === null) return '(no name: added by wasm-opt)';
  if (/^core_[a-zA-Z]+$/.test(name) || name.startsWith('__wbg_core_')) return 'weapp_login';
  if (name.startsWith('__wbg') || name.startsWith('__wbindgen') || name.startsWith('__externref')) return 'wasm_bindgen';
  if (/^(memcpy|memmove|memset|memcmp|bcmp)$/.test(name)) return 'compiler_builtins';
  if (name.startsWith('<str>') || name.startsWith('<[')) return 'core';
  if (name.startsWith('__rust') || name.startsWith('__rustc')) return 'alloc'; // the global allocator's shims
  let best = null;
  for (const c of CRATES) {
    const at = name.search(new RegExp('(^|[^a-z_])' + c + '(\\[[0-9a-f]+\\])?::'));
    if (at >= 0 && (best === null || at < best.at)) best = { c, at };
  }
  return best ? best.c : 'other (' + name.slice(0, 40) + ')';
}

const fns = [];
for (const line of dump.split('\n')) {
  const m = /func\[(\d+)\] size=(\d+)(?: <(.*)>)?$/.exec(line.trim());
  if (m) fns.push({ index: Number(m[1]), size: Number(m[2]), name: m[3] === undefined ? null : m[3].replace(/::h[0-9a-f]{16}$/, '') });
}
const total = fns.reduce((s, f) => s + f.size, 0);
const shipped = process.argv[4]; // the shipped wasm, for its code section's size
const byCrate = new Map();
for (const f of fns) {
  const c = crateOf(f.name);
  const e = byCrate.get(c) || { size: 0, count: 0 };
  e.size += f.size;
  e.count += 1;
  byCrate.set(c, e);
}
const pct = (n) => ((100 * n) / total).toFixed(1).padStart(5) + ' %';
let against = '';
if (shipped) {
  const h = cp.execFileSync('wasm-objdump', ['-h', shipped], { encoding: 'utf8' });
  const m = /Code start=\S+ end=\S+ \(size=0x([0-9a-f]+)\)/.exec(h);
  if (m) against = `; the shipped code section: ${parseInt(m[1], 16)} B`;
}
console.log(`wasm code by crate (${fns.length} functions, ${total} B of function bodies, before brotli${against})`);
for (const [c, e] of [...byCrate].sort((a, b) => b[1].size - a[1].size)) {
  console.log(`  ${String(e.size).padStart(6)}  ${pct(e.size)}  ${String(e.count).padStart(4)} fn  ${c}`);
}
console.log('');
console.log(`the ${top} largest functions`);
for (const f of fns.slice().sort((a, b) => b.size - a.size).slice(0, top)) {
  console.log(`  ${String(f.size).padStart(6)}  ${pct(f.size)}  ${f.name === null ? 'func[' + f.index + '] (no name)' : f.name}`);
}
