'use strict';
/**
 * make bench, cold start (sections 3 and 3b, issue 20's targets): each stack in a fresh
 * process, from `require` to its first wx.login, first wx.request, first business
 * wx.request and first request done, on two networks:
 *   instant   every wx answer in a promise reaction (what the stack itself costs);
 *   network   the realistic network of bench/fake-wx.js NETWORK (30–150 ms per wx.login,
 *             wx.request and wx.checkSession, seeded per run, 10 in flight per API).
 * With a stored session (planted where each stack keeps it) and with none. Ratios are
 * taken against the fastest JS manager (axios, alova, flyio) of the same run and column.
 */
const path = require('path');
const realm = require('./realm');
const fake = require('./fake-wx');
const { median, f2, ratio, out, progress, table } = require('./format');

const { host } = realm;
const NETS = ['instant', 'network'];
const NET_LABEL = { instant: 'instant', network: 'realistic' };
const SESSIONS = ['stored', 'none'];
const KEYS = ['login', 'first', 'business', 'done', 'ready'];

/**
 * In a fresh process: ms from require to the first wx.login, the first wx.request (the
 * login POST or a business one), the first business wx.request and the first response.
 * `net` 'instant' or 'network'; `runSeed` seeds the realistic network (the same for every
 * stack in one run). `ready`: weapp-login's `ready`, awaited after the response (it never
 * delays `done`). `asked`: the most calls of each wx API outstanding at once.
 *
 * @param {object} e {DIST, BUILD, BASE_URL, LOGIN_URL, seed(id, wx, token, now)}
 */
async function child(e, id, session, net, runSeed) {
  const t = { login: null, first: null, business: null };
  const onCall = (api, url) => {
    const at = host.now();
    if (api === 'login' && t.login === null) t.login = at;
    if (api !== 'request') return;
    if (t.first === null) t.first = at;
    if (t.business === null && url.split('?')[0] !== e.LOGIN_URL) t.business = at;
  };
  const world = net === 'network'
    ? fake.createWorld({ mode: 'network', setTimeout: host.setTimeout, latency: fake.networkLatency(Number(runSeed)),
      limitAll: true, onCall })
    : fake.createWorld({ mode: 'microtask', onCall });
  const facade = fake.createWxFacade();
  facade.use(world);
  if (session === 'stored') { world.accept('tok-stored'); e.seed(id, world.wx, 'tok-stored', Date.now()); }
  realm.enterMiniProgram(e.DIST, facade.wx);
  const t0 = host.now();
  const stack = require(path.join(e.BUILD, id + '.js'));
  const client = stack.create({ wx: facade.wx, baseUrl: e.BASE_URL, loginUrl: e.LOGIN_URL });
  let ready = null;
  if (client.ready) client.ready.then(() => { ready = host.now() - t0; }, () => {});
  const status = await client.request('/api/data?i=0');
  const done = host.now();
  if (client.ready) await client.ready.catch(() => {});
  const rel = (x) => (x === null ? null : x - t0);
  return { login: rel(t.login), first: rel(t.first), business: rel(t.business), done: done - t0, ready, status,
    asked: world.stats.asked };
}

/**
 * In a fresh process: what the WXWebAssembly stand-in's decompression costs, ms: the
 * first brotli call of the process (Node's one-time set-up included) and a second one.
 * weapp-login's cold figures carry the first (realm.js decompresses inside instantiate).
 */
function childStandIn(e) {
  const fs = require('fs');
  const zlib = require('zlib');
  const bytes = fs.readFileSync(path.join(e.DIST, 'weapp_login_bg.wasm.br'));
  const t0 = host.now();
  zlib.brotliDecompressSync(bytes);
  const t1 = host.now();
  zlib.brotliDecompressSync(bytes);
  return { first: t1 - t0, second: host.now() - t1 };
}

/**
 * Runs the cold starts, interleaved (each run starts every case once, in an order rotated
 * each run, both networks in one rotation), as the warm rounds are, so that a stretch of
 * machine load moves every stack alike rather than the one whose runs it happened to meet.
 * Run i of the realistic network is seeded i + 1 for every stack.
 *
 * @param {object} o {stacks: ids, runs: {instant, network}, spawn(args) → result | {error},
 *   spawnStandIn() → childStandIn's result | {error}}
 * @returns {object} res[net][id][session] = medians {login, first, business, done, ready}
 *   (null: no run had it) or {err}; res.asked: cases that asked a wx API for more than 10;
 *   res.standIn: medians of childStandIn over up to 5 processes
 */
function measure(o) {
  const cases = [];
  for (const net of NETS) {
    for (const id of o.stacks) {
      for (const session of SESSIONS) {
        if (!(id === 'raw' && session === 'none')) cases.push([net, id, session]);
      }
    }
  }
  const runs = new Map(cases.map((c) => [c.join('/'), { runs: [], err: null }]));
  const total = Math.max(o.runs.instant, o.runs.network);
  for (let i = 0; i < total; i++) {
    progress(`cold start run ${i + 1}/${total}`);
    for (let j = 0; j < cases.length; j++) {
      const [net, id, session] = cases[(j + i) % cases.length];
      const c = runs.get([net, id, session].join('/'));
      if (c.err || i >= o.runs[net]) continue;
      const r = o.spawn([id, session, net, String(i + 1)]);
      if (r.error) c.err = r.error;
      else c.runs.push(r);
    }
  }
  /** Median of a figure over the runs that have it (null: none had it, e.g. no wx.login). */
  const med = (rs, k) => {
    const v = rs.map((r) => r[k]).filter((x) => x !== null && x !== undefined);
    return v.length ? median(v) : null;
  };
  const res = { asked: [], standIn: null };
  const si = [];
  for (let i = 0; i < Math.min(5, total); i++) {
    const r = o.spawnStandIn();
    if (!r.error) si.push(r);
  }
  if (si.length) res.standIn = { n: si.length, first: med(si, 'first'), second: med(si, 'second') };
  for (const net of NETS) {
    res[net] = {};
    for (const id of o.stacks) {
      res[net][id] = {};
      for (const session of SESSIONS) {
        const c = runs.get([net, id, session].join('/'));
        if (!c) continue;
        if (c.err) { res[net][id][session] = { err: c.err }; continue; }
        const m = { runs: c.runs };
        for (const k of KEYS) m[k] = med(c.runs, k);
        res[net][id][session] = m;
        for (const api of ['login', 'checkSession', 'request']) {
          const most = Math.max(...c.runs.map((r) => r.asked[api]));
          if (most > fake.MAX_RUNNING) res.asked.push({ id, net, session, api, most });
        }
      }
    }
  }
  return res;
}

/** The fastest of `managers` for one figure: {id, v}, or null when none measured it. */
function fastest(res, managers, net, session, k) {
  return managers.reduce((best, id) => {
    const c = res[net][id][session];
    if (!c || c.err || c[k] === null) return best;
    return best === null || c[k] < best.v ? { id, v: c[k] } : best;
  }, null);
}

/**
 * Prints section 3 (instant network, today's columns) and 3b (both networks by milestone).
 * @param {object} o {stacks, managers, label(id), runs: {instant, network}}
 */
function report(res, o) {
  const { label } = o;
  const ms = (x) => (x === null ? '—' : f2(x));
  const rows = o.stacks.map((id) => {
    const cells = [label(id)];
    for (const session of SESSIONS) {
      const c = res.instant[id][session];
      if (!c) cells.push('—', '—');
      else if (c.err) cells.push('error: ' + c.err, '');
      else cells.push(ms(c.first), ms(c.done));
    }
    return cells;
  });
  out(`## 3. Cold start: require → first wx.request / → first response, ms (fresh process each, median of ${o.runs.instant} interleaved runs)`);
  out('');
  table(['stack', 'stored session: first wx.request', 'stored: first response', 'no session: first wx.request',
    'no session: first response'], rows);
  out('With no session the first wx.request is the login POST (weapp-login, flyio, baseline) or the request sent '
    + 'without a token that draws the 401 (axios-auth-refresh and alova log in only on a 401). Instant network: '
    + 'every wx answer in a promise reaction.');
  out('');

  const COLS = [['stored', 'login'], ['stored', 'business'], ['stored', 'done'],
    ['none', 'login'], ['none', 'business'], ['none', 'done']];
  const NAME = { login: 'first wx.login', business: 'first business wx.request', done: 'first request done' };
  out('## 3b. Cold start by milestone, ms from require, and × the fastest JS manager (axios, alova, flyio) of the same column (issue 20)');
  out('');
  out('"business": the first wx.request that is not the login POST (with no session, axios-auth-refresh and alova send '
    + 'it first, without a token, and log in on its 401). Fresh process per run; instant network: median of '
    + `${o.runs.instant} runs; realistic network (30–150 ms per wx.login / wx.request / wx.checkSession, seeded per run, `
    + `10 in flight per API): median of ${o.runs.network} runs. Ratios are within one run of make bench: compare them, `
    + 'not the ms, across machines.');
  out('');
  for (const net of NETS) {
    out(`### ${net === 'instant' ? 'Instant network (wx answers in a promise reaction)' : 'Realistic network (bench/fake-wx.js NETWORK)'}`);
    out('');
    const fast = COLS.map(([session, k]) => fastest(res, o.managers, net, session, k));
    const cells = o.stacks.map((id) => [label(id)].concat(COLS.map(([session, k], i) => {
      const c = res[net][id][session];
      if (!c) return '—';
      if (c.err) return 'error';
      if (c[k] === null) return '—';
      return `${f2(c[k])} (${fast[i] ? ratio(c[k], fast[i].v) : '—'})`;
    })));
    cells.push(['fastest JS manager'].concat(fast.map((f) => (f ? label(f.id) : '—'))));
    table(['stack'].concat(COLS.map(([session, k]) => `${session === 'stored' ? 'stored session' : 'no session'}: ${NAME[k]}`)), cells);
    const wl = res[net]['weapp-login'];
    const rd = SESSIONS.filter((s) => wl[s] && wl[s].ready !== null && wl[s].ready !== undefined)
      .map((s) => `${s === 'stored' ? 'stored session' : 'no session'} ${f2(wl[s].ready)} ms`);
    if (rd.length) out(`weapp-login \`ready\` (the wasm instantiated and the Core made), median: ${rd.join(', ')}.`);
    out('');
  }
  if (res.standIn) {
    const x = res.standIn;
    out(`weapp-login's figures from \`ready\` on (and, on the instant network, its stored-session first response, `
      + `which waits behind the wasm's instantiation) include the WXWebAssembly stand-in's brotli decompression in `
      + `Node: the first brotli call of a fresh process takes ${f2(x.first)} ms, a second one ${f2(x.second)} ms `
      + `(median of ${x.n} processes), so about ${f2(x.first - x.second)} ms of them is Node's one-time set-up, which `
      + 'WeChat\'s native WXWebAssembly need not pay; it is kept in.');
    out('');
  }
  out(res.asked.length
    ? `Asked for more than ${fake.MAX_RUNNING} in flight (the fake queued the rest): `
      + res.asked.map((a) => `${label(a.id)} (${NET_LABEL[a.net]}, ${a.session}) wx.${a.api} ${a.most}`).join('; ') + '.'
    : `No stack asked any wx API for more than ${fake.MAX_RUNNING} in flight during cold start.`);
  out('');
}

/**
 * Run i of one stack against run i of another (interleaved, so close in time): the
 * median and range of the per-run ratios, which a stretch of machine load moves less.
 */
function paired(a, b, k) {
  const r = [];
  for (let i = 0; i < Math.min(a.length, b.length); i++) {
    if (a[i][k] !== null && b[i][k] !== null && b[i][k] > 0) r.push(a[i][k] / b[i][k]);
  }
  if (!r.length) return '—';
  return `median ${median(r).toFixed(2)}×, ${Math.min(...r).toFixed(2)}–${Math.max(...r).toFixed(2)}×`;
}

/** Issue 20's two cold-start targets on both networks, as PASS/FAIL lines (`line(ok, text)`). */
function targets(res, o, line) {
  out('## Targets (issue 20: cold start, ratios from this run)');
  out('');
  for (const net of NETS) {
    for (const [session, k, what] of [['stored', 'done', 'stored session: first request done'],
      ['none', 'login', 'no session: first wx.login']]) {
      const f = fastest(res, o.managers, net, session, k);
      const c = res[net]['weapp-login'][session];
      if (!f || !c || c.err || c[k] === null) { line(false, `${NET_LABEL[net]} network, ${what}: not measured`); continue; }
      line(c[k] <= 1.2 * f.v, `${NET_LABEL[net]} network, ${what} ≤ 1.2× the fastest JS manager (${o.label(f.id)}, `
        + `${f2(f.v)} ms): ${f2(c[k])} ms (${ratio(c[k], f.v)}; run by run ${paired(c.runs, res[net][f.id][session].runs, k)})`);
    }
  }
  out('');
}

module.exports = { child, childStandIn, measure, report, targets, NETS };
