'use strict';
// The developer server's answer to the login POST, through the shipped bundle (pkg/dist)
// and the package's testing harness on a virtual clock: what is kept of it (the token and
// its expiry, never session_key/openid/unionid), how a wrong `expiresIn` is refused, and
// that a LOGIN_REJECTED carries the answer it judged, during the backoff too.
const test = require('node:test');
const assert = require('node:assert/strict');
const path = require('path');
const { createLoginManager } = require(path.join(__dirname, '../../pkg/dist/index.js'));
const { createClock, createServer, createFakeWx } = require(path.join(__dirname, '../../pkg/testing/index.js'));

const LOGIN_PATH = '/user/login';
const LOGIN_URL = 'https://api.example.com/user/login';
const KEY = 'weapp_login_session';
const START = Date.UTC(2026, 0, 1);

/** A manager whose login POST answers `login(req)`; every other URL answers 200 {ok}. */
async function world(login, options) {
  const clock = createClock({ start: START });
  const server = createServer();
  server.route('POST', LOGIN_PATH, login);
  server.route('*', /.*/, () => ({ data: { ok: true } }));
  const fake = createFakeWx({ clock, server });
  const events = [];
  const auth = createLoginManager(Object.assign({ loginUrl: LOGIN_URL, baseUrl: 'https://api.example.com', wx: fake.api, clock,
    onEvent: (e) => events.push(e) }, options));
  await auth.ready;
  const run = (p) => clock.runUntil(p.then((v) => ({ ok: v }), (e) => ({ error: e })));
  return { clock, fake, auth, events, run };
}

test('guarantee: session_key, openid and unionid in a login answer are reported (login:unsafe-fields) and never kept, token or not', async () => {
  const answer = { token: 'tok-1', expiresIn: 7200, session_key: 'SECRET-KEY', openid: 'o-1', unionid: 'u-1' };
  const w = await world(() => ({ data: answer }));
  const r = await w.run(w.auth.request({ url: '/api/a' }));
  assert.equal(r.ok.statusCode, 200);
  assert.deepEqual(w.events.filter((e) => e.type === 'login:unsafe-fields'),
    [{ type: 'login:unsafe-fields', fields: ['session_key', 'openid', 'unionid'] }]);
  // The token and its expiry are all that is kept.
  assert.deepEqual(w.fake.storage.keys(), [KEY]);
  assert.deepEqual(Object.keys(w.fake.storage.get(KEY)).sort(), ['expiresAt', 'token']);
  assert.equal(w.fake.storage.get(KEY).token, 'tok-1');
  const seen = JSON.stringify([w.fake.storage.get(KEY), r.ok, w.events]);
  assert.doesNotMatch(seen, /SECRET-KEY|o-1|u-1/, 'no value of the unsafe fields is kept or passed on');
  // A clean answer raises no such event.
  const clean = await world(() => ({ data: { token: 'tok-2' } }));
  await clean.run(clean.auth.login());
  assert.deepEqual(clean.events.filter((e) => e.type === 'login:unsafe-fields'), []);
});

test('guarantee: an expiresIn that is a string (even "7200") is refused: LOGIN_REJECTED naming expiresIn, nothing kept', async () => {
  const w = await world(() => ({ data: { token: 'tok-1', expiresIn: '7200' } }));
  const r = await w.run(w.auth.login());
  assert.equal(r.error && r.error.code, 'LOGIN_REJECTED');
  assert.match(r.error.message, /expiresIn/);
  assert.equal(r.error.response.data.expiresIn, '7200', 'the answer it judged');
  assert.deepEqual(w.fake.storage.keys(), []);
  // The same answer with a number is taken.
  const n = await world(() => ({ data: { token: 'tok-1', expiresIn: 7200 } }));
  assert.equal((await n.run(n.auth.login())).error, undefined);
  const expiresAt = n.fake.storage.get(KEY).expiresAt;
  assert.ok(Math.abs(expiresAt - (START + 7200 * 1000)) < 1000, 'expiresAt ' + expiresAt + ': 7200 s after the login');
});

test('guarantee: LOGIN_REJECTED during the login backoff still carries the rejected answer as its response', async () => {
  const w = await world(() => ({ statusCode: 500, data: { error: 'code2session failed' } }), { loginBackoffMs: 60000, loginBackoffMaxMs: 60000 });
  const first = await w.run(w.auth.request({ url: '/api/a' }));
  assert.equal(first.error.code, 'LOGIN_REJECTED');
  assert.equal(first.error.response.statusCode, 500);
  assert.equal(w.fake.calls.login, 1);
  // Within the backoff: refused at once, with no new wx.login, and with the same answer.
  const t0 = w.clock.now();
  const during = await w.run(Promise.all([w.auth.request({ url: '/api/b' }), w.auth.login()].map((p) => p.catch((e) => e))));
  assert.equal(w.fake.calls.login, 1, 'still in the backoff: no new wx.login');
  assert.ok(w.clock.now() - t0 < 60000, 'refused within the backoff');
  for (const e of during.ok) {
    assert.equal(e.code, 'LOGIN_REJECTED');
    assert.ok(e.response, 'the response is kept during the backoff');
    assert.equal(e.response.statusCode, 500);
    assert.deepEqual(e.response.data, { error: 'code2session failed' });
  }
});
