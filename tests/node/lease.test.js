'use strict';
// The lease (src/machine/lease.rs, js-shim/manager.js): once the login state is verified
// and nothing waits, the Core lends the shim its free wx.request slots, and requests are
// sent and settled in JS with no call into the wasm. Everything the Core decides must
// come out the same: the token (or none), ≤ 10 in flight with the rest in order, renewal
// and replay on a 401, REQUEST_FAILED for a failure or a lost callback, ABORTED,
// LOGGED_OUT, renewal before expiry. The wasm's exports are wrapped (through the
// WXWebAssembly stand-in a mini program's bundle loads by) to count calls into the Core.
// Its own process: the instantiation is shared by every manager of a module.
const test = require('node:test');
const assert = require('node:assert/strict');
// The world (the counting WXWebAssembly stand-in, a logged-in manager on a virtual
// clock) is lease-world.js's, shared with lease-deadlines and lease-edges.
const { loggedIn, outcomes, intoCore, BASE } = require('./lease-world.js');

test('warm requests go out with the token and settle without a call into the wasm; ≤ 10 in flight, the rest in order', async () => {
  const { clock, fake, auth } = await loggedIn();
  const token = fake.storage.get('weapp_login_session').token;
  const before = intoCore();
  const sent = fake.calls.requests.length;
  const ps = [];
  for (let i = 0; i < 25; i++) ps.push(auth.request({ url: '/api/item?i=' + i }));
  const rs = await clock.runUntil(outcomes(ps));
  assert.deepEqual(rs.map((r) => r.ok && r.ok.statusCode), new Array(25).fill(200));
  assert.deepEqual(rs.map((r) => r.ok.data.path), ps.map((p, i) => '/api/item'), 'each got its own answer');
  const urls = fake.calls.requests.slice(sent).map((r) => r.url);
  assert.deepEqual(urls, ps.map((p, i) => BASE + '/api/item?i=' + i), 'sent in call order');
  assert.ok(fake.calls.requests.slice(sent).every((r) => r.header.Authorization === 'Bearer ' + token));
  // What the manager asked of wx (the fake queues an 11th itself, as WeChat does).
  assert.equal(fake.calls.overLimitByApi.request, 0, 'no wx.request made while 10 were unanswered');
  assert.equal(fake.calls.maxAskedByApi.request, 10, 'the ten slots used, never an 11th asked for');
  assert.equal(intoCore() - before, 0, 'no input reached the Core');
  assert.equal(fake.calls.login, 1);
});

test('under the lease, a request to an untrusted origin or with auth: false carries no token', async () => {
  const { clock, fake, auth } = await loggedIn();
  const before = intoCore();
  const rs = await clock.runUntil(outcomes([
    auth.request({ url: 'https://evil.example.org/x' }),
    auth.request({ url: '/api/public', auth: false }),
    auth.request({ url: 'https://api.example.com\\@evil.example.org/y' }),
  ]));
  const n = fake.calls.requests.length;
  for (const r of fake.calls.requests.slice(n - 3)) assert.equal(r.header.Authorization, undefined, r.url);
  assert.equal(rs[0].ok.statusCode, 200);
  assert.equal(rs[1].ok.statusCode, 401, 'a 401 of a tokenless request is its answer, not a renewal');
  assert.equal(fake.calls.login, 1);
  assert.ok(intoCore() - before <= 3, 'at most one verdict per new origin was asked of the Core');
});

test('a 401 on leased requests renews once and replays each of them with the new token', async () => {
  const { clock, fake, server, auth } = await loggedIn();
  server.expireTokens();
  const ps = [];
  for (let i = 0; i < 15; i++) ps.push(auth.request({ url: '/api/r?i=' + i }));
  const rs = await clock.runUntil(outcomes(ps));
  assert.deepEqual(rs.map((r) => r.ok && r.ok.statusCode), new Array(15).fill(200));
  assert.equal(fake.calls.login, 2, 'one renewal for all of them');
  const token = fake.storage.get('weapp_login_session').token;
  assert.ok(rs.every((r) => r.ok.data.auth === 'Bearer ' + token), 'replayed with the new token');
  // And the new login state is leased again: no more Core inputs for the next ones.
  await clock.runUntil(auth.request({ url: '/api/settle' }));
  const before = intoCore();
  await clock.runUntil(outcomes([auth.request({ url: '/api/a' }), auth.request({ url: '/api/b' })]));
  assert.equal(intoCore() - before, 0);
});

test('a leased request that fails rejects REQUEST_FAILED with its errMsg; the slot comes back', async () => {
  const { clock, fake, auth } = await loggedIn();
  fake.failNext('request', 'request:fail ssl hand shake error');
  const [r] = await clock.runUntil(outcomes([auth.request({ url: '/api/x' })]));
  assert.equal(r.code, 'REQUEST_FAILED');
  assert.equal(r.error.errMsg, 'request:fail ssl hand shake error');
  const ps = [];
  for (let i = 0; i < 12; i++) ps.push(auth.request({ url: '/api/y?i=' + i }));
  const rs = await clock.runUntil(outcomes(ps));
  assert.ok(rs.every((x) => x.ok && x.ok.statusCode === 200));
  assert.equal(fake.calls.login, 1);
});

test('a leased request whose callbacks never come rejects at timeout + 5 s, and its slot is not lost', async () => {
  let drop = true;
  const wrap = (api) => Object.assign({}, api, {
    request(o) {
      if (drop && /\/api\/lost/.test(o.url)) return { abort() {} }; // a platform that loses the callback
      return api.request(o);
    },
  });
  const { clock, auth } = await loggedIn({}, null, wrap);
  const lost = [];
  for (let i = 0; i < 10; i++) lost.push(auth.request({ url: '/api/lost?i=' + i, timeout: 1000 }));
  const waiting = auth.request({ url: '/api/after' }); // no slot left: it waits for one
  const early = await Promise.race([outcomes(lost), clock.advance(5900).then(() => 'pending')]);
  assert.equal(early, 'pending', 'nothing settles before timeout + margin');
  const rs = await clock.runUntil(outcomes(lost), 1000);
  for (const r of rs) {
    assert.equal(r.code, 'REQUEST_FAILED');
    assert.equal(r.error.errMsg, 'request:fail timeout: no answer within 6000 ms');
  }
  drop = false;
  const after = await clock.runUntil(waiting, 1000);
  assert.equal(after.statusCode, 200, 'the freed slots serve the request that waited');
});

test('abort() on a leased request in flight and on one waiting for a slot: ABORTED, the others unaffected', async () => {
  const { clock, fake, auth } = await loggedIn();
  fake.latencyMs = 50;
  const ps = [];
  for (let i = 0; i < 12; i++) ps.push(auth.request({ url: '/api/z?i=' + i }));
  ps[3].abort(); // on the wire
  ps[11].abort(); // waiting for a leased slot
  const rs = await clock.runUntil(outcomes(ps));
  assert.equal(rs[3].code, 'ABORTED');
  assert.equal(rs[11].code, 'ABORTED');
  assert.ok(rs.every((r, i) => i === 3 || i === 11 || (r.ok && r.ok.statusCode === 200)));
  assert.ok(!fake.calls.requests.some((r) => /i=11$/.test(r.url)), 'the waiting one was never sent');
  ps[0].abort(); // settled: a no-op
  assert.equal((await outcomes([ps[0]]))[0].ok.statusCode, 200);
});

test('logout: requests still waiting for a leased slot reject LOGGED_OUT; those on the wire get their answers', async () => {
  const { clock, fake, auth } = await loggedIn();
  fake.latencyMs = 50;
  const ps = [];
  for (let i = 0; i < 13; i++) ps.push(auth.request({ url: '/api/w?i=' + i }));
  await auth.logout();
  const rs = await clock.runUntil(outcomes(ps));
  assert.deepEqual(rs.slice(0, 10).map((r) => r.ok && r.ok.statusCode), new Array(10).fill(200));
  assert.deepEqual(rs.slice(10).map((r) => r.code), ['LOGGED_OUT', 'LOGGED_OUT', 'LOGGED_OUT']);
  const r = await clock.runUntil(auth.request({ url: '/api/again' }));
  assert.equal(r.statusCode, 200);
  assert.equal(fake.calls.login, 2, 'the next request logged in again');
});

test('past the renewal time (expiresIn less renewMarginMs) the next request logs in first', async () => {
  const { clock, fake, auth } = await loggedIn({ expiresIn: 600, renewMarginMs: 60000 });
  const first = fake.storage.get('weapp_login_session').token;
  await clock.advance(541 * 1000);
  const r = await clock.runUntil(auth.request({ url: '/api/late' }));
  assert.equal(r.statusCode, 200);
  assert.equal(fake.calls.login, 2);
  assert.notEqual(r.data.auth, 'Bearer ' + first);
});

test('after a long background the next request checks the session first (awaitCheckSession)', async () => {
  const { clock, fake, auth } = await loggedIn({ awaitCheckSession: true });
  fake.hide();
  await clock.advance(400000);
  fake.show();
  const checks = fake.calls.checkSession;
  const r = await clock.runUntil(auth.request({ url: '/api/back' }));
  assert.equal(r.statusCode, 200);
  assert.equal(fake.calls.checkSession, checks + 1, 'wx.checkSession ran before the request went out');
});

test('wx-style callbacks of leased requests run once, in order: success then complete', async () => {
  const { clock, auth } = await loggedIn();
  const seen = [];
  const p = auth.request({ url: '/api/cb', success: (r) => seen.push('success ' + r.statusCode), complete: () => seen.push('complete') });
  await clock.runUntil(p);
  assert.deepEqual(seen, ['success 200', 'complete']);
  assert.ok(p.abort, 'the Promise still has abort()');
  assert.ok(!(await outcomes([p]))[0].code);
});
