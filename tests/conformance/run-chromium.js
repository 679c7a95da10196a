'use strict';
/**
 * Engine (b): headless Chromium (V8, as Android WeChat and the developer tools), driven
 * by playwright-core with Debian's /usr/bin/chromium (never a downloaded browser), a
 * fresh temp profile, no server: the page is about:blank and every script goes in
 * with addScriptTag({content}).
 *
 * The page gets `WXWebAssembly` from engine-host.js: instantiate(path, imports) maps
 * /miniprogram_npm/weapp-login/weapp_login_bg.wasm.br onto the bytes the driver
 * decompressed (a browser cannot read `.wasm.br`; WeChat decompresses it itself),
 * handed over as base64, and instantiates them with the page's WebAssembly, which is
 * then deleted from the globals with the sandbox's other ABSENT_GLOBALS (TextEncoder,
 * TextDecoder, fetch, URL, queueMicrotask, ...: a mini program has none; window, self
 * and document cannot be deleted from a page).
 * The runner prints through console.log; the driver echoes it and kills the browser
 * when the page prints nothing for the case timeout plus IDLE_GRACE_MS, and on every exit path.
 *
 *   node tests/conformance/run-chromium.js [--suite=FILE] [--testing=FILE]
 *
 * Exports run(opts) → Promise<{engine, passed, failed, names, failedNames, uncaught, wasmLoads, ms}>.
 */
const fs = require('fs');
const d = require('./driver');
const { ABSENT_GLOBALS } = require('../sandbox');

const CHROMIUM = process.env.CHROMIUM || '/usr/bin/chromium';
/** Marks the runner's own lines among the page's console messages. */
const TAG = '[conformance] ';
const ARGS = ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync'];

/** Runs in the page, before the modules: the mini-program globals. */
function pageSetup({ files, absent }) {
  const H = globalThis.__weappConformance;
  const WA = globalThis.WebAssembly;
  const fromBase64 = (b64) => {
    const bin = atob(b64);
    const bytes = new Uint8Array(bin.length);
    for (let i = 0; i < bin.length; i++) bytes[i] = bin.charCodeAt(i);
    return bytes;
  };
  // Code-package path -> decompressed bytes (see run-chromium.js).
  globalThis.WXWebAssembly = H.makeWXWebAssembly({ WebAssembly: WA, files, read: fromBase64 });
  return H.hideGlobals(globalThis, absent);
}

async function run(opts) {
  const o = Object.assign(d.parseArgs([]), opts);
  const log = o.log || (() => {});
  const started = Date.now();
  const { ids, scripts } = d.moduleScripts(o);
  const files = {};
  for (const w of d.wasmFiles(o.dist)) files[w.codePath] = w.bytes.toString('base64');

  // Required lazily: the other runners work where playwright-core is not installed.
  const { chromium } = require('playwright-core');
  const profile = d.tempDir('chromium');
  let context = null;
  let idle = null;
  try {
    context = await chromium.launchPersistentContext(profile, {
      executablePath: CHROMIUM, headless: true, args: ARGS, timeout: 60000,
    });
    const page = context.pages()[0] || await context.newPage();
    const idleMs = o.timeoutMs + d.IDLE_GRACE_MS;
    const dog = d.idleWatchdog(idleMs, () => {
      idle = `the page printed nothing for ${idleMs} ms: browser closed`;
      context.close().catch(() => {});
    });
    let sawSummary;
    const summaryLine = new Promise((res) => { sawSummary = res; });
    page.on('console', (m) => {
      dog.poke();
      const text = m.text();
      if (text.startsWith(TAG)) {
        const line = text.slice(TAG.length);
        log(line);
        if (/^# \d+ passed, \d+ failed$/.test(line)) sawSummary();
      } else {
        log(`# console.${m.type()}: ${text}`);
      }
    });
    let lastError = null;
    let uncaught = 0;
    page.on('pageerror', (e) => { dog.poke(); uncaught++; lastError = e.message; log(`# uncaught: ${e.message}`); });
    try {
      await page.addScriptTag({ content: fs.readFileSync(d.ENGINE_HOST, 'utf8') + '\n//# sourceURL=engine-host.js' });
      const left = await page.evaluate(pageSetup, { files, absent: ABSENT_GLOBALS });
      if (left.length) log(`# still present (not deletable here): ${left.join(', ')}`);
      for (const s of scripts) {
        await page.addScriptTag({ content: `${s.text}//# sourceURL=${s.id}\n` });
        if (!await page.evaluate((id) => globalThis.__weappConformance.defined(id), s.id)) {
          log(`not ok 0 - load the modules: ${s.id}: ${lastError}`);
          return { engine: 'chromium', passed: 0, failed: 1, names: [], failedNames: ['load the modules'], ms: Date.now() - started };
        }
      }
      const r = await page.evaluate((args) => {
        args.print = (line) => console.log(args.tag + line);
        return globalThis.__weappConformance.run(args).then((s) => {
          s.wasm = globalThis.__weappConformance.wasmCalls;
          return s;
        });
      }, { bundle: ids.bundle, testing: ids.testing, suite: ids.suite, timeoutMs: o.timeoutMs, tag: TAG });
      // console events may trail the evaluate's answer: wait for the runner's last line
      await Promise.race([summaryLine, new Promise((res) => setTimeout(res, 2000).unref())]);
      for (const w of r.wasm) log(`# WXWebAssembly.instantiate(${w.path}): ${w.ok ? 'ok' : w.error}`);
      return {
        engine: 'chromium', passed: r.passed, failed: r.failed, names: r.names,
        failedNames: r.failedNames, uncaught, wasmLoads: r.wasm.filter((w) => w.ok).length,
        ms: Date.now() - started,
      };
    } catch (e) {
      throw idle ? new Error(idle) : e;
    } finally {
      dog.stop();
    }
  } finally {
    if (context) await context.close().catch(() => {});
    d.removeDir(profile);
  }
}

module.exports = { run };

if (require.main === module) d.main(run);
