'use strict';
// The lease's hand-overs (js-shim/lease.js) that `make mutants PART=js-shim/lease.js`
// found unguarded by lease.test.js: abort() of a waiting or settled request, the Core's
// revoke, an ended lease's answers, a body-code or tokenless answer, and a trap of the
// Core while the lease holds requests. Through the shipped bundle on a virtual clock
// (tests/node/lease-world.js), counting calls into the wasm where that is the outcome.
const test = require('node:test');
const assert = require('node:assert/strict');
const { loggedIn, outcomes, intoCore, trap } = require('./lease-world.js');

test('slots of leased sends answered after their lease ended go back to the Core: all ten serve the next requests', async () => {
  const { clock, fake, auth } = await loggedIn({ expiresIn: 600, renewMarginMs: 60000 }, null, null,
    (server) => server.route('*', /^\/slow\//, () => ({ data: { ok: true }, delayMs: 2000 })));
  const renewAt = fake.storage.get('weapp_login_session').expiresAt - 60000;
  await clock.advance(renewAt - 1000 - clock.now());
  const ps = [];
  for (let i = 0; i < 10; i++) ps.push(auth.request({ url: '/slow/a' + i })); // answered 1 s after the lease's end
  await clock.advance(1000);
  ps.push(auth.request({ url: '/api/renew' })); // the lease is over: the Core renews
  await clock.runUntil(outcomes(ps));
  assert.equal(fake.calls.login, 2);
  const more = [];
  for (let i = 0; i < 12; i++) more.push(auth.request({ url: '/slow/b' + i }));
  await clock.advance(20);
  assert.equal(fake.calls.inFlightByApi.request, 10, 'ten on the wire at once: no slot was lost');
  await clock.runUntil(outcomes(more));
  assert.equal(fake.calls.overLimitByApi.request, 0, 'and none gained: never an 11th asked for');
});

test('abort() after a leased request settled sends nothing again', async () => {
  const { clock, fake, auth } = await loggedIn();
  fake.latencyMs = 50;
  const ps = [];
  for (let i = 0; i < 12; i++) ps.push(auth.request({ url: '/api/s?i=' + i })); // two wait for a slot
  await clock.runUntil(outcomes(ps));
  const sent = fake.calls.requests.length;
  for (const p of ps) p.abort();
  await clock.advance(1000);
  assert.equal(fake.calls.requests.length, sent, 'no request sent again');
  assert.ok((await outcomes(ps)).every((r) => r.ok && r.ok.statusCode === 200));
});

test('a request aborted while it waited for a leased slot is never sent when the lease ends and hands the others over', async () => {
  const { clock, fake, auth } = await loggedIn({ expiresIn: 600, renewMarginMs: 60000 }, null, null,
    (server) => server.route('*', /^\/slow\//, () => ({ data: { ok: true }, delayMs: 2000 })));
  const renewAt = fake.storage.get('weapp_login_session').expiresAt - 60000;
  await clock.advance(renewAt - 1000 - clock.now());
  const ps = [];
  for (let i = 0; i < 10; i++) ps.push(auth.request({ url: '/slow/' + i })); // answered after the renewal time
  const aborted = auth.request({ url: '/api/aborted' });
  const kept = auth.request({ url: '/api/kept' });
  aborted.abort();
  const rs = await clock.runUntil(outcomes(ps.concat([aborted, kept])));
  assert.equal(rs[10].code, 'ABORTED');
  assert.equal(rs[11].ok.statusCode, 200);
  assert.ok(!fake.calls.requests.some((r) => r.path === '/api/aborted'), 'the aborted request never went out');
  assert.equal(fake.calls.login, 2);
});

test('the Core revokes the lease while requests wait for a leased slot (a check after a long background): they wait for it, then go', async () => {
  const { clock, fake, auth } = await loggedIn({ awaitCheckSession: true }, null, null,
    (server) => server.route('*', /^\/slow\//, () => ({ data: { ok: true }, delayMs: 500 })));
  fake.hide();
  await clock.advance(400000);
  const ps = [];
  for (let i = 0; i < 10; i++) ps.push(auth.request({ url: '/slow/' + i }));
  ps.push(auth.request({ url: '/api/x' }), auth.request({ url: '/api/y' })); // they wait for a leased slot
  const checks = fake.calls.checkSession;
  fake.show(); // the session needs a check: the Core revokes the lease while two wait
  const rs = await clock.runUntil(outcomes(ps));
  assert.ok(rs.every((r) => r.ok && r.ok.statusCode === 200), JSON.stringify(rs.map((r) => r.code)));
  assert.ok(fake.calls.checkSession > checks, 'wx.checkSession ran');
  assert.equal(fake.calls.overLimitByApi.request, 0);
});

test('a body code that marks an auth failure in a leased 200 renews and replays it', async () => {
  let expired = false;
  const api = (req) => (expired && req.header.Authorization === 'Bearer tok-code-1'
    ? { data: { code: 40101 } } : { data: { code: 0, auth: req.header.Authorization } });
  const { clock, fake, auth } = await loggedIn({ authFailCodeField: 'code', authFailCodes: [40101] }, api);
  expired = true;
  const r = await clock.runUntil(auth.request({ url: '/api/body' }));
  assert.equal(fake.calls.login, 2, 'renewed');
  assert.deepEqual(r.data, { code: 0, auth: 'Bearer tok-code-2' }, 'replayed with the new token');
});

test('the Core traps while the lease holds requests: every one of them rejects INTERNAL, none hangs', async () => {
  const { clock, fake, auth } = await loggedIn({}, null, null,
    (server) => server.route('*', /^\/slow\//, () => ({ data: { ok: true }, delayMs: 5000 })));
  const ps = [];
  for (let i = 0; i < 12; i++) ps.push(auth.request({ url: '/slow/' + i })); // ten on the wire, two waiting
  await clock.advance(10);
  trap.next = true;
  ps.push(auth.login()); // any call into the Core now traps
  const rs = await clock.runUntil(outcomes(ps), 20000);
  assert.deepEqual(rs.map((r) => r.code), new Array(13).fill('INTERNAL'));
  assert.equal(fake.calls.requests.filter((r) => r.path.startsWith('/slow/')).length, 10, 'the waiting two were never sent');
});

test('a request aborted while it waited for a leased slot is never sent when slots free up, and its callbacks run once', async () => {
  const { clock, fake, auth } = await loggedIn({}, null, null,
    (server) => server.route('*', /^\/slow\//, () => ({ data: { ok: true }, delayMs: 100 })));
  const ps = [];
  for (let i = 0; i < 10; i++) ps.push(auth.request({ url: '/slow/' + i }));
  const fails = [];
  const a = auth.request({ url: '/slow/a', fail: (e) => fails.push(e.code) });
  const b = auth.request({ url: '/slow/b', fail: (e) => fails.push(e.code) });
  const c = auth.request({ url: '/slow/c' });
  a.abort();
  b.abort();
  const rs = await clock.runUntil(outcomes(ps.concat([a, b, c])));
  assert.deepEqual(rs.slice(10).map((r) => r.code || r.ok.statusCode), ['ABORTED', 'ABORTED', 200]);
  assert.deepEqual(fails, ['ABORTED', 'ABORTED'], 'fail ran once each');
  assert.ok(!fake.calls.requests.some((r) => r.path === '/slow/a' || r.path === '/slow/b'), 'never sent');
  // More answers than live waiters: the lease's queue is done, nothing else goes out.
  assert.equal(fake.calls.requests.filter((r) => r.path.startsWith('/slow/')).length, 11);
});

test('a tokenless leased request\'s 401 is its answer, settled with no call into the Core', async () => {
  const { clock, auth } = await loggedIn({}, null, null,
    (server) => server.route('*', '/open/401', () => ({ statusCode: 401, data: { error: 'nope' } })));
  const before = intoCore();
  const r = await clock.runUntil(auth.request({ url: '/open/401', auth: false }));
  assert.equal(r.statusCode, 401);
  assert.equal(intoCore() - before, 0);
});

test('the Core traps after an aborted request waited for a leased slot: the others reject INTERNAL, its callbacks run once', async () => {
  const { clock, auth } = await loggedIn({}, null, null, (server) => {
    server.route('*', /^\/slow\//, () => ({ data: { ok: true }, delayMs: 5000 }));
    server.route('*', /^\/fast\//, () => ({ data: { ok: true }, delayMs: 1 }));
  });
  await clock.runUntil(auth.request({ url: '/fast/x' }));
  const ps = [];
  for (let i = 0; i < 9; i++) ps.push(auth.request({ url: '/slow/' + i }));
  const calls = [];
  const extra = [auth.request({ url: '/slow/e1' }), auth.request({ url: '/slow/e2', fail: (e) => calls.push(e.code) })];
  extra[1].abort(); // the tenth slot takes e1; e2 waits, then is aborted
  ps.push(...extra);
  trap.next = true;
  ps.push(auth.login());
  const rs = await clock.runUntil(outcomes(ps), 20000);
  assert.deepEqual(rs.map((r) => r.code), new Array(10).fill('INTERNAL').concat(['ABORTED', 'INTERNAL']));
  assert.deepEqual(calls, ['ABORTED'], 'the aborted request\'s fail ran once');
});

test('answers of an ended lease that come while the next lease is held give their slots back to the Core, not to the new lease', async () => {
  const { clock, fake, auth } = await loggedIn({ expiresIn: 600, renewMarginMs: 60000 }, null, null,
    (server) => server.route('*', /^\/slow\//, () => ({ data: { ok: true }, delayMs: 2000 })));
  const renewAt = fake.storage.get('weapp_login_session').expiresAt - 60000;
  await clock.advance(renewAt - 1000 - clock.now());
  const old = [1, 2, 3].map((i) => auth.request({ url: '/slow/old' + i })); // answered 1 s past the renewal time
  await clock.advance(1000);
  await clock.runUntil(auth.request({ url: '/api/renew' })); // renewed: the next lease is held meanwhile
  await clock.runUntil(outcomes(old));
  // End that lease too (logout), log in again: the Core must still have all ten slots.
  await clock.runUntil(auth.logout());
  await clock.runUntil(auth.login());
  const more = [];
  for (let i = 0; i < 12; i++) more.push(auth.request({ url: '/slow/m' + i }));
  await clock.advance(20);
  assert.equal(fake.calls.inFlightByApi.request, 10, 'ten on the wire: no slot leaked');
  await clock.runUntil(outcomes(more));
  assert.equal(fake.calls.overLimitByApi.request, 0);
});

test('the Core traps while one of the lease\'s slots stands empty: the send on the wire rejects INTERNAL', async () => {
  const { clock, auth } = await loggedIn({}, null, null, (server) => {
    server.route('*', /^\/slow\//, () => ({ data: { ok: true }, delayMs: 5000 }));
    server.route('*', /^\/fast\//, () => ({ data: { ok: true }, delayMs: 1 }));
  });
  await clock.runUntil(Promise.all([auth.request({ url: '/fast/x' }), auth.request({ url: '/fast/y' })]));
  const slow = auth.request({ url: '/slow/z' }); // takes one of the two empty slots
  await clock.advance(1);
  trap.next = true;
  const rs = await clock.runUntil(outcomes([slow, auth.login()]), 20000);
  assert.deepEqual(rs.map((r) => r.code), ['INTERNAL', 'INTERNAL']);
});
