'use strict';
/**
 * The engine matrix: the one conformance suite (tests/conformance/suite.js over pkg/)
 * on Node's mini-program sandbox, headless Chromium and jsc, one after the other.
 * Fails unless every engine ran at least one case, none failed, none has a
 * driver.problems() (an error escaped to the engine, no instantiation through
 * WXWebAssembly), and all three ran the same case names (so the same pass count). Last line: `N passed, N failed` (totals).
 *
 *   node tests/conformance/run-engines.js [--suite=FILE] [--testing=FILE]   (make test-engines)
 */
const d = require('./driver');

const ENGINES = [
  ['node-sandbox', () => require('./run-sandbox')],
  ['chromium', () => require('./run-chromium')],
  ['jsc', () => require('./run-jsc')],
];

/** @returns {string[]} why the results do not agree (empty when they do) */
function disagreements(results) {
  const why = [];
  for (const r of results) {
    if (r.error) why.push(`${r.engine}: did not run: ${r.error}`);
    else if (r.passed + r.failed === 0) why.push(`${r.engine}: ran no case`);
    else if (r.failed > 0) why.push(`${r.engine}: ${r.failed} failed: ${r.failedNames.join('; ')}`);
    if (!r.error) why.push(...d.problems(r));
  }
  const ran = results.filter((r) => !r.error);
  for (const r of ran) {
    const dup = r.names.filter((n, i) => r.names.indexOf(n) !== i);
    if (dup.length) why.push(`${r.engine}: case names repeat: ${dup.join('; ')}`);
  }
  const ref = ran[0];
  for (const r of ran.slice(1)) {
    const missing = ref.names.filter((n) => !r.names.includes(n));
    const extra = r.names.filter((n) => !ref.names.includes(n));
    if (missing.length) why.push(`${r.engine}: lacks cases ${ref.engine} ran: ${missing.join('; ')}`);
    if (extra.length) why.push(`${r.engine}: ran cases ${ref.engine} did not: ${extra.join('; ')}`);
    if (r.passed !== ref.passed) why.push(`${r.engine} passed ${r.passed}, ${ref.engine} passed ${ref.passed}`);
  }
  return why;
}

async function main() {
  let opts;
  try { opts = d.parseArgs(process.argv.slice(2)); } catch (e) { console.error(e.message); process.exit(2); }
  d.exitOnSignals();
  const results = [];
  for (const [engine, load] of ENGINES) {
    console.log(`# --- ${engine}`);
    const started = Date.now();
    try {
      results.push(await load().run(Object.assign({}, opts, { log: (line) => console.log(line) })));
    } catch (e) {
      console.log(`# ${engine}: ${(e && e.stack) || e}`);
      results.push({ engine, error: (e && e.message) || String(e), passed: 0, failed: 1, names: [], failedNames: [], ms: Date.now() - started });
    }
  }
  console.log('#');
  console.log('# engine        passed  failed     time');
  for (const r of results) {
    console.log(`# ${r.engine.padEnd(13)} ${String(r.passed).padStart(6)}  ${String(r.failed).padStart(6)}  ${String(r.ms).padStart(6)} ms${r.error ? '  (did not run)' : ''}`);
  }
  const why = disagreements(results);
  for (const w of why) console.log(`# FAIL ${w}`);
  const passed = results.reduce((n, r) => n + r.passed, 0);
  const failed = results.reduce((n, r) => n + r.failed, 0);
  // Every other problem (an uncaught error, a case one engine lacks) counts as one failure.
  const other = why.filter((w) => !/^\S+: \d+ failed: /.test(w)).length;
  console.log(`${passed} passed, ${failed + other} failed`);
  process.exitCode = why.length === 0 ? 0 : 1;
}

if (require.main === module) main();

module.exports = { disagreements };
