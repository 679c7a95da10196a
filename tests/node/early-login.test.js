'use strict';
// Issue 20 item 2: wx.login starts at createLoginManager on a launch with no session
// (`earlyLogin`, js-shim/cold-start.js), and the Core's first wx.login takes its code.
// Property (fast-check): over schedules of the early call's answer, the network, the time
// the wasm is ready, the page's calls (logout() before ready included) and the answers of
// the Core's own wx.login calls, a run with earlyLogin on shows the page exactly what a run
// with it off shows (every call's outcome, the login failures reported), with at most one
// wx.login more, never more in flight at once, and every promise settled. And the mirror:
// the early wx.login starts exactly when the Core keeps nothing of what was stored (js => core).
const test = require('node:test');
const assert = require('node:assert/strict');
const fc = require('fast-check');
const { createClock } = require('../../pkg/testing/index.js');
const W = require('./early-world.js');

const RUNS = Number(process.env.EARLY_RUNS || 300);
const START = Date.UTC(2026, 0, 1);
const KEY = 'weapp_login_session';
/** How long an unanswered wx.login counts as in flight (the cold start's 60 s; the Core gives up sooner). */
const LOST_MS = 60000;

/**
 * A scripted wx. wx.login's answer: the schedule's `early` for the early call (the first
 * one of a run with earlyLogin on), else `attempts[n - 1]` for the Core's attempt n (the
 * `login:start` events so far): 'ok' (a code), 'fail', or 'never'. The login POST gives
 * `tok-<code>`; an API request answers 200 with a token the POST gave (or none), else 401.
 */
function scriptedWx(clock, s, withEarly, starts) {
  const rec = { logins: 0, calls: [], maxInFlight: 0, posts: [] };
  let codes = 0;
  let network = s.network === 'offline' || s.network === 'offline-then-online' ? 'none' : 'wifi';
  const listeners = [];
  const storage = new Map();
  const tokens = new Set();
  const later = (fn) => clock.setTimeout(fn, s.latencyMs);
  const wx = {
    login(o) {
      rec.logins++;
      const outcome = withEarly && rec.logins === 1 ? s.early : s.attempts[Math.min(Math.max(starts() - 1, 0), s.attempts.length - 1)];
      const call = { at: clock.now(), done: false };
      rec.calls.push(call);
      const inFlight = rec.calls.filter((c) => !c.done && clock.now() - c.at < LOST_MS).length;
      rec.maxInFlight = Math.max(rec.maxInFlight, inFlight);
      if (outcome === 'never') return;
      clock.setTimeout(() => {
        call.done = true;
        if (outcome === 'ok') o.success({ code: 'code-' + (++codes), errMsg: 'login:ok' });
        else o.fail({ errMsg: 'login:fail system error' });
      }, s.loginMs);
    },
    checkSession(o) {
      later(() => o.success({ errMsg: 'checkSession:ok' }));
    },
    request(o) {
      later(() => {
        if (network === 'none') return o.fail({ errMsg: 'request:fail -2:net::ERR_INTERNET_DISCONNECTED' });
        if (o.url === W.LOGIN_URL) {
          rec.posts.push(o.data.code);
          tokens.add('tok-' + o.data.code);
          return o.success({ statusCode: 200, data: { token: 'tok-' + o.data.code }, header: {}, errMsg: 'request:ok' });
        }
        const h = o.header && o.header.Authorization;
        const ok = h === undefined || tokens.has(String(h).slice(7));
        return o.success({ statusCode: ok ? 200 : 401, data: {}, header: {}, errMsg: 'request:ok' });
      });
      return { abort() {} };
    },
    getNetworkType(o) {
      if (s.network !== 'never') later(() => o.success({ networkType: network, errMsg: 'getNetworkType:ok' }));
    },
    onNetworkStatusChange(fn) {
      listeners.push(fn);
    },
    getStorageSync: (k) => (storage.has(k) ? storage.get(k) : ''),
    setStorageSync: (k, v) => { storage.set(k, v); },
    removeStorageSync: (k) => { storage.delete(k); },
  };
  if (s.network === 'offline-then-online') {
    clock.setTimeout(() => {
      network = 'wifi';
      for (const fn of listeners) fn({ isConnected: true, networkType: 'wifi' });
    }, s.onlineAt);
  }
  return { wx, rec };
}

/** One run of schedule `s`: what the page saw, and what wx was asked. */
async function run(S, s, earlyLogin) {
  const clock = createClock({ start: START });
  const events = [];
  const starts = () => events.filter((e) => e.type === 'login:start').length;
  const { wx, rec } = scriptedWx(clock, s, earlyLogin, starts);
  const auth = W.makeManager(S, {
    loginUrl: W.LOGIN_URL, baseUrl: W.BASE, wx, clock, earlyLogin, onEvent: (e) => events.push(e),
  }, clock, s.readyAt, []);
  const seen = [];
  const call = (kind) => {
    if (kind === 'logout') return auth.logout();
    if (kind === 'login') return auth.login();
    return auth.request({ url: '/api/x', auth: kind !== 'public' });
  };
  // The page's calls before the Core exists, at their times (a logout among them).
  for (const c of s.early_calls) clock.setTimeout(() => seen.push(W.watch(call(c.kind))), Math.min(c.at, s.readyAt));
  await clock.advance(s.readyAt + 200000); // past every deadline (login timeout, network wait, backoff)
  // Then one call at a time, each after the last settled.
  for (const kind of s.late_calls) {
    const w = W.watch(call(kind));
    seen.push(w);
    await clock.advance(200000);
  }
  return {
    outcomes: seen.map((w) => w.outcome),
    settled: seen.every((w) => w.settled),
    failures: events.filter((e) => e.type === 'login:failure').map((e) => e.code),
    rec,
  };
}

const outcome = fc.constantFrom('ok', 'fail', 'never');
const schedule = fc.record({
  early: outcome,
  attempts: fc.array(outcome, { minLength: 4, maxLength: 4 }),
  network: fc.constantFrom('online', 'offline', 'offline-then-online', 'never'),
  onlineAt: fc.integer({ min: 0, max: 400 }),
  // Ready before the early call answers, after it, or about when its code is too old to use.
  readyAt: fc.oneof(fc.integer({ min: 0, max: 60 }), fc.integer({ min: 59980, max: 60020 })),
  latencyMs: fc.integer({ min: 1, max: 30 }), // wx.request, wx.getNetworkType
  loginMs: fc.integer({ min: 1, max: 80 }), // wx.login
  early_calls: fc.array(fc.record({ at: fc.integer({ min: 0, max: 60020 }), kind: fc.constantFrom('request', 'public', 'login', 'logout') }), { minLength: 1, maxLength: 4 }),
  late_calls: fc.array(fc.constantFrom('request', 'public', 'login', 'logout'), { maxLength: 3 }),
}).map((s) => {
  // The early call and the Core's first one ask the same WeChat: where the early one gives
  // a code or hangs, so would the Core's first (a failure of the early one is its own).
  if (s.early !== 'fail') s.attempts[0] = s.early;
  return s;
});

let S;
test.before(async () => {
  S = await W.shimModules();
});

test(`earlyLogin: ${RUNS} schedules, each run with it on and off: the page sees the same, at most one wx.login more, never two in flight`, async () => {
  let used = 0;
  let dropped = 0;
  await fc.assert(fc.asyncProperty(schedule, async (s) => {
    const on = await run(S, s, true);
    const off = await run(S, s, false);
    const where = JSON.stringify(s);
    assert.ok(on.settled && off.settled, 'every promise settles: ' + where);
    assert.deepEqual(on.outcomes, off.outcomes, 'the same outcome for every call: ' + where);
    assert.deepEqual(on.failures, off.failures, 'the same login failures reported: ' + where);
    assert.ok(on.rec.logins <= off.rec.logins + 1, `wx.login ${on.rec.logins} times, ${off.rec.logins} without: ${where}`);
    assert.ok(on.rec.maxInFlight <= Math.max(1, off.rec.maxInFlight), 'wx.login in flight at once: ' + on.rec.maxInFlight + ': ' + where);
    if (on.rec.posts.includes('code-1') && s.early === 'ok') used++;
    if (on.rec.logins > off.rec.logins) dropped++;
  }), { numRuns: RUNS });
  // Not vacuous: the early code was posted in some runs, and dropped (or failed) in others.
  // (Used: 14 to 30 of 300 over twelve runs, about 8 %; with the bound at RUNS / 20 = 15,
  // the run that drew 14 failed make test. RUNS / 50 still fails a vacuous property.)
  assert.ok(used > RUNS / 50, 'early codes used: ' + used);
  assert.ok(dropped > RUNS / 20, 'runs with one wx.login more: ' + dropped);
});

test('js => core: the early wx.login starts exactly when the Core keeps nothing of what was stored', async () => {
  const token = fc.oneof(fc.constantFrom('tok', 'a b', ' lead', 'trail ', '', 'x\ny', 'ü'), fc.string({ maxLength: 4 }));
  const expiresAt = fc.oneof(fc.constant(undefined), fc.constant(null), fc.constant('123'), fc.constant(-1), fc.constant(NaN),
    fc.integer({ min: -70000, max: 70000 }).map((d) => START + d), fc.double({ min: START - 70000, max: START + 70000, noNaN: true }),
    // Within a ms of the renewal time: the Core reads whole ms (src/wasm/mod.rs `whole`).
    fc.constantFrom(0.5, 1.25, 60000.5, 60001.5).map((d) => START + d));
  await fc.assert(fc.asyncProperty(token, expiresAt, fc.constantFrom(0, 1, 60000), fc.boolean(),
    async (t, at, renewMarginMs, awaitCheckSession) => {
      const clock = createClock({ start: START });
      const s = { early: 'ok', attempts: ['ok'], network: 'online', latencyMs: 5, loginMs: 5 };
      const { wx, rec } = scriptedWx(clock, s, true, () => 0);
      wx.setStorageSync(KEY, at === undefined ? { token: t } : { token: t, expiresAt: at });
      const events = [];
      const auth = W.makeManager(S, { loginUrl: W.LOGIN_URL, wx, clock, renewMarginMs, awaitCheckSession, onEvent: (e) => events.push(e.type) }, clock, 0, []);
      const early = rec.logins === 1;
      await clock.advance(1);
      await auth.ready;
      const kept = events.includes('session:restored');
      assert.equal(early, !kept, `stored ${JSON.stringify({ t, at })}, renewMarginMs ${renewMarginMs}: early wx.login ${early}, the Core kept the session ${kept}`);
    }), { numRuns: Math.max(RUNS, 500) });
});

test('earlyLogin: false makes no wx.login until the Core needs one; logout() before ready drops the early code', async () => {
  const s = { early: 'ok', attempts: ['ok', 'ok', 'ok', 'ok'], network: 'online', onlineAt: 0, readyAt: 50, latencyMs: 5, loginMs: 5, early_calls: [], late_calls: [] };
  const off = await run(S, s, false);
  assert.equal(off.rec.logins, 0);
  const on = await run(S, s, true);
  assert.equal(on.rec.logins, 1, 'the early wx.login, though nothing followed');
  assert.deepEqual(on.rec.posts, [], 'its code is never posted');
  const out = await run(S, Object.assign({}, s, { early_calls: [{ at: 0, kind: 'logout' }], late_calls: ['request'] }), true);
  assert.deepEqual(out.outcomes, ['ok', 'ok']);
  assert.equal(out.rec.logins, 2, 'after logout() the code of the early call is not used');
  assert.deepEqual(out.rec.posts, ['code-2']);
});
