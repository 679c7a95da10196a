'use strict';
/**
 * make bench: weapp-login's shipped bundle against the JS login managers mini programs
 * use, on one fake wx (bench/fake-wx.js), in one Node process (fresh child processes for
 * cold start, memory and the instrumented crossing count). Prints Markdown tables and a
 * PASS/FAIL line per target of issues 9 and 20; never fails the process on a target.
 * Two networks: the instant one (wx answers in a promise reaction, or after 0–20 ms of
 * virtual time) and the realistic one of bench/fake-wx.js NETWORK (30–150 ms per wx.login,
 * wx.request and wx.checkSession, seeded, 10 in flight per API): concurrency and cold
 * start run on both; warm cost and memory on the instant one (they measure the stack).
 *
 *   node --expose-gc bench/run.js
 *   WEAPP_LOGIN_DIST=/other/pkg/dist   the weapp-login build to measure (default pkg/dist)
 *   BENCH_QUICK=1                       fewer rounds and runs (for development)
 *   BENCH_ROUNDS=n                      warm rounds (default 25; 3 with BENCH_QUICK)
 *   BENCH_COLD_RUNS=n                   cold-start processes per stack and session, instant
 *                                       network (default 15; 3 with BENCH_QUICK)
 *   BENCH_NET_RUNS=n                    the same on the realistic network (default 15; 3)
 *
 * Stacks (bench/stacks/*.js, each `{id, label, create({wx, clock, baseUrl, loginUrl})
 * → {ready?, request(path) → Promise<statusCode>}}`, bundled by bench/build.js):
 * weapp-login, axios + axios-miniprogram-adapter + axios-auth-refresh, alova token
 * authentication, flyio lock/unlock, a 30-line JS baseline and raw wx.request.
 */
const fs = require('fs');
const os = require('os');
const path = require('path');
const zlib = require('zlib');
const cp = require('child_process');
const realm = require('./realm');
const fake = require('./fake-wx');
const cold = require('./cold');
const { median, f1, f2, ratio, num, out, progress, table } = require('./format');

const { host, drain } = realm;
const ROOT = path.join(__dirname, '..');
const DIST = path.resolve(process.env.WEAPP_LOGIN_DIST || path.join(ROOT, 'pkg/dist'));
const QUICK = process.env.BENCH_QUICK === '1';
const envInt = (name, dflt) => {
  const v = process.env[name];
  if (v === undefined || v === '') return dflt;
  if (!/^[1-9][0-9]*$/.test(v)) { console.error(`bench: ${name} must be a positive integer, not ${JSON.stringify(v)}`); process.exit(1); }
  return Number(v);
};
const BUILD = path.join(__dirname, '.build');
const BASE_URL = fake.ORIGIN;
const LOGIN_URL = fake.ORIGIN + fake.LOGIN_PATH;

const MANAGERS = ['weapp-login', 'axios', 'alova', 'flyio', 'baseline'];
const JS_MANAGERS = ['axios', 'alova', 'flyio'];
const WARM = ['raw', 'baseline', 'weapp-login', 'axios', 'alova', 'flyio'];
const NS = [1, 10, 100, 1000];
const LATENCIES = ['immediate', 'random', 'network'];
const LATENCY_LABEL = { immediate: 'immediate answers', random: 'random 1–20 ms latency (seeded)',
  network: 'realistic network: 30–150 ms per wx.login / wx.request / wx.checkSession (seeded), 10 in flight per API' };
const HANG_MS = 30000; // hung: still pending 30 s (virtual) after the last wx activity
const ROUNDS = envInt('BENCH_ROUNDS', QUICK ? 3 : 25);
const SEQ = QUICK ? 100 : 300;
const BATCHES = QUICK ? 3 : 10;
const COLD_RUNS = envInt('BENCH_COLD_RUNS', QUICK ? 3 : 15);
const NET_RUNS = envInt('BENCH_NET_RUNS', QUICK ? 3 : 15);
const PENDING = 10000;
const NOT_RUN = [
  ['weRequest 1.8.1', 'not run: the npm registry this machine reaches answers 404 Not Found for `we-request` '
    + '(and for `werequest`), so it cannot be installed and pinned from npm'],
];

/** The login state an earlier launch left, where each stack keeps it. */
function seed(id, wx, token, now) {
  if (id === 'weapp-login') wx.setStorageSync('weapp_login_session', { token, expiresAt: now + 7200 * 1000 });
  else wx.setStorageSync('token', token);
}

// ------------------------------------------------------------------ section 1
/** N concurrent requests on virtual time; counts what each stack asked of wx. */
async function concurrency(stack, facade, n, state, latency) {
  const clock = fake.createVirtualClock();
  const r = fake.rng(n * 7919 + (state === 'expiry' ? 17 : 0) + (latency === 'random' ? 1 : 0));
  const world = fake.createWorld({ mode: 'virtual', clock, limitAll: latency === 'network',
    latency: latency === 'random' ? () => 1 + Math.floor(r() * 20)
      : latency === 'network' ? fake.networkLatency(n * 7919 + (state === 'expiry' ? 17 : 0)) : () => 0 });
  facade.use(world);
  if (state === 'expiry') seed(stack.id, world.wx, 'tok-stale', clock.now()); // the server answers 401 to it
  globalThis.setTimeout = clock.setTimeout;
  globalThis.clearTimeout = clock.clearTimeout;
  const res = { ok: 0, other: 0, rejected: 0, hung: 0, runaway: false };
  try {
    const client = stack.create({ wx: facade.wx, clock, baseUrl: BASE_URL, loginUrl: LOGIN_URL });
    if (client.ready) await within(client.ready, 10000, stack.id + ' ready');
    let settled = 0;
    const settle = (k) => { res[k] += 1; settled += 1; world.stats.lastActivity = clock.now(); };
    for (let i = 0; i < n; i++) {
      let p;
      try { p = client.request('/api/data?i=' + i); } catch (e) { p = Promise.reject(e); }
      p.then((s) => settle(s === 200 ? 'ok' : 'other'), () => settle('rejected'));
    }
    const limit = 60 * n + 10000;
    for (let fired = 0; ; fired++) {
      await drain();
      if (settled === n) break;
      const at = clock.peek();
      if (at === null || at > world.stats.lastActivity + HANG_MS) break;
      if (fired > limit) { res.runaway = true; break; }
      clock.fireNext();
    }
    res.hung = n - settled;
  } finally {
    globalThis.setTimeout = host.setTimeout;
    globalThis.clearTimeout = host.clearTimeout;
  }
  return Object.assign(res, { login: world.stats.login, posts: world.stats.loginPosts,
    inFlight: world.stats.maxOutstanding, requests: world.stats.request, loginsAsked: world.stats.asked.login,
    checksAsked: world.stats.asked.checkSession });
}

// ------------------------------------------------------------------ section 2
/** `p`, or a rejection after `ms` of real time (a stack that never answers). */
function within(p, ms, what) {
  let timer;
  const t = new Promise((resolve, reject) => { timer = host.setTimeout(() => reject(new Error(what + ': no answer in ' + ms + ' ms')), ms); });
  return Promise.race([p, t]).finally(() => host.clearTimeout(timer));
}

/** A warm client (logged in, or with a planted valid token for raw) on its own world. */
async function warmClient(stack, facade) {
  const world = fake.createWorld({ mode: 'microtask' });
  facade.use(world);
  if (stack.id === 'raw') { world.accept('tok-raw'); seed('raw', world.wx, 'tok-raw', Date.now()); }
  const client = stack.create({ wx: facade.wx, baseUrl: BASE_URL, loginUrl: LOGIN_URL });
  if (client.ready) await client.ready;
  let k = 0;
  const next = () => client.request('/api/data?i=' + (k++)).then((s) => {
    if (s !== 200) throw new Error(stack.id + ': warm request answered ' + s);
  });
  for (let i = 0; i < 200; i++) await within(next(), 5000, stack.id + ' warm-up');
  return { world, next };
}

/**
 * One round of one stack: SEQ sequential requests timed in 10 chunks, BATCHES batches of
 * 100 timed one by one; each figure is the median chunk (or batch), in µs per request, so
 * a moment the process spent descheduled on a shared machine moves one chunk, not the round.
 */
async function warmRound(w, facade) {
  facade.use(w.world);
  if (host.gc) host.gc(); // no collection of another stack's garbage inside this one's timing
  const chunk = SEQ / 10;
  const seq = [];
  for (let c = 0; c < 10; c++) {
    const t0 = host.now();
    for (let i = 0; i < chunk; i++) await w.next();
    seq.push(((host.now() - t0) * 1000) / chunk);
  }
  const batch = [];
  for (let b = 0; b < BATCHES; b++) {
    const t0 = host.now();
    const ps = [];
    for (let i = 0; i < 100; i++) ps.push(w.next());
    await Promise.all(ps);
    batch.push(((host.now() - t0) * 1000) / 100);
  }
  return { seq: median(seq), batch: median(batch) };
}

// ------------------------------------------------------------------ children
function child(kind, args, flags) {
  const r = cp.spawnSync(host.process.execPath, (flags || []).concat([__filename, '--child=' + kind], args),
    { env: host.process.env, encoding: 'utf8', timeout: 120000 });
  const line = (r.stdout || '').split('\n').filter((l) => l.startsWith('{')).pop();
  if (r.status !== 0 || !line) {
    return { error: ((r.stderr || '').trim().split('\n').slice(-3).join(' / ') || 'exit ' + r.status) };
  }
  return JSON.parse(line);
}

/** In a fresh process with --expose-gc: heap (and wasm memory) around 10k pending. */
async function childMemory(id) {
  const world = fake.createWorld({ mode: 'microtask' });
  const facade = fake.createWxFacade();
  facade.use(world);
  if (id === 'raw') { world.accept('tok-raw'); seed('raw', world.wx, 'tok-raw', Date.now()); }
  realm.enterMiniProgram(DIST, facade.wx);
  const stack = require(path.join(BUILD, id + '.js'));
  const client = stack.create({ wx: facade.wx, baseUrl: BASE_URL, loginUrl: LOGIN_URL });
  if (client.ready) await client.ready;
  for (let i = 0; i < 100; i++) await client.request('/api/warm?i=' + i).catch(() => {});
  const snap = async () => {
    for (let i = 0; i < 3; i++) { await drain(); host.gc(); }
    const wasm = host.wasmMemory ? host.wasmMemory.buffer.byteLength : 0;
    return { heap: host.process.memoryUsage().heapUsed, wasm };
  };
  const before = await snap();
  world.hold();
  let ok = 0;
  const ps = [];
  for (let i = 0; i < PENDING; i++) ps.push(client.request('/api/data?i=' + i).then((s) => { if (s === 200) ok += 1; }, () => {}));
  const pending = await snap();
  world.release();
  await Promise.all(ps);
  const settled = await snap();
  return { before, pending, settled, ok };
}

/** In a fresh process, wasm exports and imports wrapped: crossings per warm request. */
async function childCrossings() {
  const counters = { in: {}, out: {} };
  const world = fake.createWorld({ mode: 'microtask' });
  const facade = fake.createWxFacade();
  facade.use(world);
  realm.enterMiniProgram(DIST, facade.wx, counters);
  const stack = require(path.join(BUILD, 'weapp-login.js'));
  const client = stack.create({ wx: facade.wx, baseUrl: BASE_URL, loginUrl: LOGIN_URL });
  await client.ready;
  for (let i = 0; i < 50; i++) await client.request('/api/data?i=' + i);
  const take = () => {
    const r = { in: Object.assign({}, counters.in), out: Object.assign({}, counters.out) };
    for (const k of Object.keys(counters.in)) delete counters.in[k];
    for (const k of Object.keys(counters.out)) delete counters.out[k];
    return r;
  };
  take();
  const M = 500;
  for (let i = 0; i < M; i++) await client.request('/api/seq?i=' + i);
  const seq = take();
  const ps = [];
  for (let i = 0; i < 100; i++) ps.push(client.request('/api/batch?i=' + i));
  await Promise.all(ps);
  const batch = take();
  return { seq, seqN: M, batch, batchN: 100 };
}

async function runChild(kind, args) {
  let r;
  if (kind === 'cold') r = await cold.child({ DIST, BUILD, BASE_URL, LOGIN_URL, seed }, args[0], args[1], args[2], args[3]);
  else if (kind === 'stand-in') r = cold.childStandIn({ DIST });
  else if (kind === 'memory') r = await childMemory(args[0]);
  else if (kind === 'crossings') r = await childCrossings();
  host.process.stdout.write(JSON.stringify(r) + '\n');
  host.process.exit(0);
}

// ------------------------------------------------------------------ section 5
const brotli = (buf) => zlib.brotliCompressSync(buf, { params: {
  [zlib.constants.BROTLI_PARAM_QUALITY]: 11,
  [zlib.constants.BROTLI_PARAM_LGWIN]: 24,
  [zlib.constants.BROTLI_PARAM_SIZE_HINT]: buf.length,
} }).length;

function sizes() {
  const rows = {};
  const js = fs.readFileSync(path.join(DIST, 'index.js'));
  // core.js: builds since issue 20's split (an older WEAPP_LOGIN_DIST has index.js only).
  const coreFile = path.join(DIST, 'core.js');
  const core = fs.existsSync(coreFile) ? fs.readFileSync(coreFile) : Buffer.alloc(0);
  const br = fs.readFileSync(path.join(DIST, 'weapp_login_bg.wasm.br'));
  const jsBr = brotli(js);
  const coreBr = core.length ? brotli(core) : 0;
  rows['weapp-login'] = { raw: js.length + core.length + zlib.brotliDecompressSync(br).length,
    br: jsBr + coreBr + br.length,
    note: `index.js ${num(jsBr)}${core.length ? ` + core.js ${num(coreBr)}` : ''} + .wasm.br ${num(br.length)}` };
  for (const id of ['baseline', 'axios', 'alova', 'flyio']) {
    const b = fs.readFileSync(path.join(BUILD, id + '.js'));
    rows[id] = { raw: b.length, br: brotli(b), note: 'esbuild bundle of bench/stacks/' + id + '.js, minified' };
  }
  return rows;
}

function versions() {
  const v = (name) => JSON.parse(fs.readFileSync(path.join(__dirname, 'node_modules', name, 'package.json'), 'utf8')).version;
  return ['axios', 'axios-miniprogram-adapter', 'axios-auth-refresh', 'alova', 'flyio', 'esbuild'].map((n) => n + ' ' + v(n));
}

// ------------------------------------------------------------------ main
async function main() {
  const started = host.now();
  if (!fs.existsSync(path.join(DIST, 'index.js')) || !fs.existsSync(path.join(DIST, 'weapp_login_bg.wasm.br'))) {
    console.error(`bench: no weapp-login build in ${DIST} (run make build, or set WEAPP_LOGIN_DIST)`);
    process.exit(1);
  }
  progress('bundling the stacks (esbuild)');
  await require('./build').build(DIST);
  const cpu = (fs.readFileSync('/proc/cpuinfo', 'utf8').match(/model name\s*:\s*(.*)/) || [])[1] || os.cpus()[0].model;
  const date = new Date().toISOString().slice(0, 16).replace('T', ' ') + ' UTC';
  const size = sizes();
  const vers = versions();

  const facade = fake.createWxFacade();
  const left = realm.enterMiniProgram(DIST, facade.wx);
  const stacks = {};
  for (const id of WARM) stacks[id] = require(path.join(BUILD, id + '.js'));
  const label = (id) => stacks[id].label;

  out('# make bench');
  out('');
  out(`${date}; ${os.cpus().length} cores (nproc), ${cpu}, load average ${os.loadavg()[0].toFixed(2)} at start; node ${host.process.version}; `
    + `weapp-login from ${DIST.startsWith(ROOT + path.sep) ? path.relative(ROOT, DIST) : DIST}${QUICK ? '; BENCH_QUICK=1 (fewer rounds)' : ''}.`);
  out(`Pinned (bench/package-lock.json): ${vers.join(', ')}. Globals removed before any stack loads: `
    + `${realm.ABSENT.filter((g) => !left.includes(g)).join(', ')}${left.length ? ` (not deletable: ${left.join(', ')})` : ''}; `
    + 'weapp-login loads through a path-only WXWebAssembly stand-in.');
  for (const [name, why] of NOT_RUN) out(`${name}: ${why}.`);
  out('');

  // 1. concurrency
  const conc = {};
  out('## 1. Concurrency: N requests at once (virtual time, one fake wx; hung = pending 30 s after the last wx activity)');
  out('');
  out('The N requests (distinct URLs) are made in one synchronous loop on a fresh app launch. "max wx.request '
    + 'outstanding": the most wx.request calls made and not yet answered, the login POST included (WeChat runs 10 '
    + 'and queues the rest); "max wx.login outstanding" likewise. The realistic network holds wx.login and '
    + 'wx.checkSession to 10 running too (bench/fake-wx.js NETWORK); what a stack asked beyond 10 waited in the queue.');
  out('');
  for (const state of ['cold', 'expiry']) {
    for (const latency of LATENCIES) {
      const rows = [];
      for (const n of NS) {
        for (const id of MANAGERS) {
          progress(`concurrency ${state} ${latency} N=${n} ${id}`);
          const r = await concurrency(stacks[id], facade, n, state, latency);
          conc[[state, latency, n, id].join('/')] = r;
          rows.push([n, label(id), r.login, r.loginsAsked, r.posts, r.requests, r.inFlight, r.ok, r.other, r.rejected,
            r.hung + (r.runaway ? ' (runaway)' : '')]);
        }
      }
      out(`### ${state === 'cold' ? 'Cold (no login state)' : 'On expiry (a stored token the server answers 401 to)'}, `
        + `${LATENCY_LABEL[latency]}`);
      out('');
      table(['N', 'stack', 'wx.login', 'max wx.login outstanding', 'login POSTs', 'wx.request calls', 'max wx.request outstanding', 'resolved 200',
        'resolved other', 'rejected', 'hung'], rows);
    }
  }

  const checks = MANAGERS.map((id) => {
    const most = Math.max(...Object.keys(conc).filter((k) => k.endsWith('/' + id)).map((k) => conc[k].checksAsked));
    return `${label(id)} ${most}`;
  });
  out(`Most wx.checkSession outstanding in any of these runs: ${checks.join(', ')}.`);
  out('');

  // 2. warm
  progress('warm: logging in each stack');
  const clients = {};
  const warmIds = [];
  const warmErrors = [];
  for (const id of WARM) {
    try {
      clients[id] = await warmClient(stacks[id], facade);
      warmIds.push(id);
    } catch (e) {
      warmErrors.push(`${label(id)}: not measured warm (${e.message})`);
    }
  }
  const samples = {};
  for (const id of warmIds) samples[id] = { seq: [], batch: [] };
  for (let round = 0; round < ROUNDS; round++) {
    progress(`warm round ${round + 1}/${ROUNDS}`);
    for (let j = 0; j < warmIds.length; j++) {
      const id = warmIds[(j + round) % warmIds.length]; // interleaved, order rotated each round
      const r = await within(warmRound(clients[id], facade), 60000, id + ' warm round');
      for (const k of ['seq', 'batch']) samples[id][k].push(r[k]);
    }
  }
  const warm = {};
  for (const id of warmIds) {
    warm[id] = { seq: median(samples[id].seq), batch: median(samples[id].batch),
      seqMin: Math.min(...samples[id].seq), seqMax: Math.max(...samples[id].seq),
      batchMin: Math.min(...samples[id].batch), batchMax: Math.max(...samples[id].batch) };
  }
  out(`## 2. Warm per-request cost (logged in; wx.request answers in a promise reaction; ${ROUNDS} interleaved rounds of `
    + `${SEQ} sequential and ${BATCHES} batches of 100; µs per request, median and min–max)`);
  out('');
  table(['stack', 'sequential µs', 'min–max', '× baseline', '× raw', 'batch of 100 µs', 'min–max', '× baseline', '× raw'],
    warmIds.map((id) => {
      const w = warm[id];
      return [label(id), f1(w.seq), `${f1(w.seqMin)}–${f1(w.seqMax)}`, ratio(w.seq, warm.baseline.seq), ratio(w.seq, warm.raw.seq),
        f1(w.batch), `${f1(w.batchMin)}–${f1(w.batchMax)}`, ratio(w.batch, warm.baseline.batch), ratio(w.batch, warm.raw.batch)];
    }));
  out('Wall time per request. Each round measures every stack once, in an order rotated each round, after a gc(); '
    + 'a round\'s figure is its median chunk of ' + (SEQ / 10) + ' sequential requests (median batch); the table gives the '
    + 'median and min–max over rounds. On a shared machine compare ratios within one run.');
  for (const e of warmErrors) out(e + '.');
  out('flyio\'s wx engine sends each request from a setTimeout(0) (flyio/src/fly.js), so its figures include one timer '
    + 'tick per request (≥1 ms in Node), not only CPU.');
  out('');

  // 3. cold start (bench/cold.js)
  const coldOpts = { stacks: WARM, managers: JS_MANAGERS, label, runs: { instant: COLD_RUNS, network: NET_RUNS } };
  const coldRes = cold.measure(Object.assign({ spawn: (args) => child('cold', args),
    spawnStandIn: () => child('stand-in', []) }, coldOpts));
  cold.report(coldRes, coldOpts);

  // 4. memory
  const mem = {};
  const memRows = [];
  const MB = (b) => (b / 1048576).toFixed(2);
  const dMB = (b) => (b < 0 ? '−' : '+') + MB(Math.abs(b));
  for (const id of WARM) {
    progress(`memory ${id}`);
    const r = child('memory', [id], ['--expose-gc']);
    mem[id] = r;
    if (r.error) { memRows.push([label(id), 'error: ' + r.error, '', '', '', '']); continue; }
    memRows.push([label(id), MB(r.before.heap), dMB(r.pending.heap - r.before.heap), dMB(r.settled.heap - r.before.heap),
      r.before.wasm ? `${MB(r.before.wasm)} → ${MB(r.pending.wasm)} → ${MB(r.settled.wasm)}` : '—', num(r.ok)]);
  }
  out(`## 4. Memory: JS heap after ${num(PENDING)} pending requests and after they settle (fresh process, --expose-gc, MB)`);
  out('');
  table(['stack', 'heap before', 'Δ pending', 'Δ settled', 'wasm memory before → pending → settled', 'resolved 200'], memRows);
  out('Pending means wx.request holds its answer; weapp-login hands wx at most 10 and keeps the rest, the others hand '
    + 'all 10,000 to wx (whose queue, in the fake, is counted in the heap too).');
  out('');

  // 5. size
  out('## 5. Shipped bytes (brotli q11)');
  out('');
  table(['stack', 'raw bytes', 'brotli bytes', 'what'], ['weapp-login', 'axios', 'alova', 'flyio', 'baseline']
    .map((id) => [label(id), num(size[id].raw), num(size[id].br), size[id].note]));

  // crossings
  progress('crossings (instrumented run)');
  const x = child('crossings', []);
  out('## JS↔wasm crossings per warm weapp-login request (separate instrumented run)');
  out('');
  if (x.error) out('error: ' + x.error + '\n');
  else {
    const sum = (t) => Object.values(t).reduce((a, b) => a + b, 0);
    const top = (t, n) => Object.entries(t).sort((a, b) => b[1] - a[1]).slice(0, 6)
      .map(([k, v]) => `${k.replace(/^__wbg_|^__wbindgen_/, '').replace(/_[0-9a-f]{16}$/, '')} ${f1(v / n)}`).join(', ') || '—';
    table(['run', 'JS → wasm', 'wasm → JS', 'total', 'most called (per request)'], [
      [`${x.seqN} sequential`, f1(sum(x.seq.in) / x.seqN), f1(sum(x.seq.out) / x.seqN),
        f1((sum(x.seq.in) + sum(x.seq.out)) / x.seqN), top(x.seq.in, x.seqN) + '; ' + top(x.seq.out, x.seqN)],
      [`${x.batchN} at once`, f1(sum(x.batch.in) / x.batchN), f1(sum(x.batch.out) / x.batchN),
        f1((sum(x.batch.in) + sum(x.batch.out)) / x.batchN), top(x.batch.in, x.batchN) + '; ' + top(x.batch.out, x.batchN)],
    ]);
  }

  // targets
  out('## Targets (issue 9)');
  out('');
  const line = (ok, text) => out(`- ${ok ? 'PASS' : 'FAIL'}: ${text}`);
  const warmMgr = JS_MANAGERS.filter((id) => warm[id]);
  const fastest = (key) => warmMgr.reduce((best, id) => (warm[id][key] < warm[best][key] ? id : best), warmMgr[0]);
  for (const key of (warm['weapp-login'] && warm.baseline && warmMgr.length ? ['seq', 'batch'] : [])) {
    const w = warm['weapp-login'][key];
    const b = warm.baseline[key];
    const fid = fastest(key);
    const what = key === 'seq' ? 'sequential' : 'batch of 100';
    line(w <= 1.5 * b, `warm request (${what}) ≤ 1.5× the JS baseline: ${f1(w)} µs vs ${f1(b)} µs (${ratio(w, b)})`);
    line(w <= warm[fid][key], `warm request (${what}) ≤ the fastest JS manager (${label(fid)}, ${f1(warm[fid][key])} µs): ${f1(w)} µs`);
  }
  const ci = coldRes.instant;
  const coldMgr = JS_MANAGERS.filter((id) => ci[id].stored && !ci[id].stored.err);
  if (ci['weapp-login'].stored && !ci['weapp-login'].stored.err && coldMgr.length) {
    const fid = coldMgr.reduce((best, id) => (ci[id].stored.first < ci[best].stored.first ? id : best));
    const w = ci['weapp-login'].stored.first;
    line(w <= 1.2 * ci[fid].stored.first, `cold start with a stored session ≤ 1.2× the fastest JS manager `
      + `(${label(fid)}, ${f2(ci[fid].stored.first)} ms): ${f2(w)} ms (${ratio(w, ci[fid].stored.first)})`);
  } else line(false, 'cold start: not measured (see the error above)');
  line(size['weapp-login'].br <= 20000, `shipped ≤ 20,000 B brotli: ${num(size['weapp-login'].br)} B`);
  for (const state of ['cold', 'expiry']) {
    for (const latency of LATENCIES) {
      const r = conc[[state, latency, 1000, 'weapp-login'].join('/')];
      line(r.login === 1 && r.inFlight <= 10 && r.hung === 0,
        `N=1000 ${state}, ${latency}: exactly 1 wx.login (${r.login}), ≤ 10 in flight (${r.inFlight}), all settled (${r.hung} hung)`);
    }
  }
  out('');
  cold.targets(coldRes, coldOpts, line);
  out(`(make bench took ${((host.now() - started) / 1000).toFixed(0)} s; load average ${os.loadavg()[0].toFixed(2)} at the end.)`);
  host.process.exit(0);
}

const kind = (process.argv.find((a) => a.startsWith('--child=')) || '').slice(8);
if (kind) {
  const args = process.argv.slice(process.argv.indexOf('--child=' + kind) + 1);
  runChild(kind, args).catch((e) => { host.process.stderr.write(String((e && e.stack) || e) + '\n'); host.process.exit(1); });
} else {
  main().catch((e) => { host.process.stderr.write(String((e && e.stack) || e) + '\n'); host.process.exit(1); });
}
