'use strict';
// Issue 20 item 1: an early send's answer (persisted token, before the wasm Core exists)
// that is a plain success settles the page's Promise at once (js-shim/cold-start.js
// `settles`); the Core adopts the send afterwards and reads the answer. Property
// (fast-check), js => core: whenever JS settled a request before the Core existed, the
// Core's commands for that request are one Resolve and nothing else (no replay, no
// rejection), over schedules of status, body code, wx.request fail, abort() and logout()
// before ready; an auth failure, a fail or an abort always waits for the Core.
const test = require('node:test');
const assert = require('node:assert/strict');
const fc = require('fast-check');
const { createClock } = require('../../pkg/testing/index.js');
const W = require('./early-world.js');

const RUNS = Number(process.env.EARLY_RUNS || 300);
const START = Date.UTC(2026, 0, 1);
const KEY = 'weapp_login_session';

/** A wx whose API requests answer as the schedule says; a fresh login's token is always good. */
function scriptedWx(clock, answers) {
  const storage = new Map([[KEY, { token: 'STORED', expiresAt: START + 7200e3 }]]);
  let n = 0;
  let codes = 0;
  const later = (ms, fn) => clock.setTimeout(fn, ms);
  return {
    login: (o) => later(5, () => o.success({ code: 'c' + (++codes), errMsg: 'login:ok' })),
    checkSession: (o) => later(5, () => o.success({ errMsg: 'checkSession:ok' })),
    getNetworkType: (o) => later(1, () => o.success({ networkType: 'wifi', errMsg: 'getNetworkType:ok' })),
    onNetworkStatusChange() {},
    request(o) {
      if (o.url === W.LOGIN_URL) {
        later(5, () => o.success({ statusCode: 200, data: { token: 'NEW' }, header: {}, errMsg: 'request:ok' }));
        return { abort() {} };
      }
      const fresh = o.header.Authorization === 'Bearer NEW';
      const a = fresh ? { status: 200, code: 0, delay: 5 } : answers[n++] || { status: 200, code: 0, delay: 5 };
      if (a.fail) later(a.delay, () => o.fail({ errMsg: 'request:fail timeout' }));
      else if (!a.never) later(a.delay, () => o.success({ statusCode: a.status, data: { code: a.code }, header: {}, errMsg: 'request:ok' }));
      return { abort() {} };
    },
    getStorageSync: (k) => (storage.has(k) ? storage.get(k) : ''),
    setStorageSync: (k, v) => { storage.set(k, v); },
    removeStorageSync: (k) => { storage.delete(k); },
  };
}

const answer = fc.record({
  status: fc.constantFrom(200, 204, 302, 401, 403, 500, 0),
  code: fc.constantFrom(0, 40001),
  fail: fc.boolean(),
  never: fc.boolean(),
  delay: fc.integer({ min: 1, max: 60 }),
  abortAt: fc.option(fc.integer({ min: 0, max: 80 })),
}).map((a) => Object.assign(a, { fail: a.fail && a.status === 0, never: a.never && a.status === 302 }));
const schedule = fc.record({
  answers: fc.array(answer, { minLength: 1, maxLength: 6 }),
  readyAt: fc.integer({ min: 0, max: 80 }),
  logoutAt: fc.option(fc.integer({ min: 0, max: 80 })),
});

let S;
test.before(async () => {
  S = await W.shimModules();
});

test(`early settle: ${RUNS} schedules: when JS settles an early send before the Core exists, the Core only ever resolves it`, async () => {
  let early = 0;
  let toCore = 0;
  await fc.assert(fc.asyncProperty(schedule, async (s) => {
    const clock = createClock({ start: START });
    const log = [];
    const auth = W.makeManager(S, {
      loginUrl: W.LOGIN_URL, baseUrl: W.BASE, wx: scriptedWx(clock, s.answers), clock,
      authFailCodeField: 'code', authFailCodes: [40001],
    }, clock, s.readyAt, log);
    const watched = s.answers.map((a, i) => {
      const p = auth.request({ url: '/api/' + i });
      const w = { id: i + 1, before: false, status: undefined };
      p.then((r) => {
        w.before = log.length === 0; // no Core yet
        w.status = r.statusCode;
      }, () => {});
      if (a.abortAt !== null) clock.setTimeout(() => p.abort(), a.abortAt);
      return w;
    });
    if (s.logoutAt !== null) clock.setTimeout(() => auth.logout(), s.logoutAt);
    await clock.advance(200000);
    const where = JSON.stringify(s);
    for (const w of watched) {
      const a = s.answers[w.id - 1];
      if (!w.before) {
        toCore++;
        continue;
      }
      early++;
      assert.equal(w.status, a.status, where);
      assert.ok(!a.fail && !a.never && a.status !== 401 && a.code !== 40001, 'JS settled what the Core must judge: ' + where);
      // An abort() before the answer goes to the Core (which rejects ABORTED), never settled by JS.
      assert.ok(a.abortAt === null || a.abortAt >= a.delay, 'JS settled an aborted request: ' + where);
      const cmds = log.filter((c) => c[1] === w.id && (c[0] === W.OP.SEND || c[0] === W.OP.RESOLVE || c[0] === W.OP.REJECT));
      assert.deepEqual(cmds.map((c) => c[0]), [W.OP.RESOLVE], `request ${w.id}: the Core's commands after JS settled it: ${JSON.stringify(cmds)}: ${where}`);
    }
  }), { numRuns: RUNS });
  assert.ok(early > RUNS / 4, 'settled early: ' + early);
  assert.ok(toCore > RUNS / 4, 'left to the Core: ' + toCore);
});
