'use strict';
/**
 * The conformance suite: black-box scenarios over the shipped package (pkg/dist) and
 * its testing harness (pkg/testing), run unchanged by every engine's runner (Node's
 * mini-program sandbox, headless Chromium, JavaScriptCore's `jsc`).
 *
 *   module.exports = function defineSuite(env) → [{ name, run: async () => {} }, …]
 *   env = { createLoginManager, LoginError, testing }
 *
 * CommonJS with no require() and only ES2017 + setTimeout. A case throws an Error on
 * failure. Each builds its own clock, server, storage and fake platform, so cases are
 * independent; the core scenarios run once per platform shape (wx, tt, qq, taro, uni).
 */
module.exports = function defineSuite(env) {
  const createLoginManager = env.createLoginManager;
  const LoginError = env.LoginError;
  const testing = env.testing;

  const ORIGIN = 'https://api.example.com';
  const LOGIN_PATH = '/user/login';
  const LOGIN_URL = ORIGIN + LOGIN_PATH;
  const KEY = 'weapp_login_session';
  const START = 1767225600000; // 2026-01-01T00:00:00Z, virtual

  // ---- assertions -------------------------------------------------------------------
  const show = (v) => (v === undefined ? 'undefined' : JSON.stringify(v));
  function fail(message) { throw new Error(message); }
  function ok(cond, what) { if (!cond) fail(what); }
  function equal(actual, expected, what) {
    if (actual !== expected) fail(what + ': expected ' + show(expected) + ', got ' + show(actual));
  }
  function deepEqual(actual, expected, what) {
    if (show(actual) !== show(expected)) fail(what + ': expected ' + show(expected) + ', got ' + show(actual));
  }
  /** The outcome of `p` as a value, so a rejection is never unhandled while a case waits. */
  function settled(p) {
    return p.then((value) => ({ value: value }), (error) => ({ error: error }));
  }
  /** Asserts that an outcome (from settled) is a LoginError with `code`; returns it. */
  function isRejection(outcome, code, what) {
    if (!outcome.error) fail(what + ': expected a LoginError ' + code + ', it resolved with ' + show(outcome.value));
    const e = outcome.error;
    if (!(e instanceof LoginError)) fail(what + ': expected a LoginError ' + code + ', got ' + String(e));
    equal(e.code, code, what + ' (code)');
    return e;
  }
  async function rejects(p, code, what) {
    return isRejection(await settled(p), code, what);
  }

  // ---- a world: clock, server, storage, fake platform, manager ----------------------
  /**
   * @param {{worlds: object[]}} ctx the case's context: every world is checked after it
   * @param {string} platform wx | tt | qq | taro | uni
   * @param {object} [o] {options (manager), fake (createFakeWx options), login (handler
   *   for the login POST instead of server.loginRoute), expiresIn, storage, server}
   */
  async function world(ctx, platform, o) {
    o = o || {};
    const clock = testing.createClock({ start: o.start !== undefined ? o.start : START });
    let server = o.server;
    if (!server) {
      server = testing.createServer();
      if (o.login) server.route('POST', LOGIN_PATH, o.login);
      else server.loginRoute(LOGIN_PATH, { expiresIn: o.expiresIn !== undefined ? o.expiresIn : 7200 });
      server.route('*', '/api/down', () => ({ fail: 'request:fail timeout' }));
      server.route('*', '/api/always401', () => ({ statusCode: 401, data: { error: 'unauthorized' } }));
      server.route('*', /^\/api\//, server.authed((req) => ({ data: { ok: true, path: req.path } })));
      server.route('*', /^\/asset\//, () => ({ data: { asset: true } }));
    }
    const fake = testing.createFakeWx(Object.assign({ clock: clock, server: server, platform: platform,
      storage: o.storage }, o.fake));
    if (o.before) o.before(fake); // scripts the fake before the manager exists
    const events = [];
    const auth = createLoginManager(Object.assign({ wx: fake.api, clock: clock, loginUrl: LOGIN_URL,
      baseUrl: ORIGIN, onEvent: (e) => events.push(e) }, o.options));
    await auth.ready;
    const w = {
      clock: clock, server: server, fake: fake, auth: auth, events: events,
      /** Runs the virtual clock until `p` settles (60 s of virtual time at most). */
      run: (p, limitMs) => clock.runUntil(p, limitMs),
      loginPosts: () => fake.calls.requests.filter((r) => r.path === LOGIN_PATH),
      apiRequests: () => fake.calls.requests.filter((r) => r.path !== LOGIN_PATH),
      token: () => (fake.storage.has(KEY) ? fake.storage.get(KEY).token : undefined),
    };
    ctx.worlds.push(w);
    return w;
  }

  /** After every case: no Promise the platform returned was left rejected unhandled. */
  async function checkWorlds(ctx) {
    for (const w of ctx.worlds) {
      await w.clock.flush();
      deepEqual(w.fake.calls.unhandledRejections, [], 'rejections the manager left unhandled (' + w.fake.platform + ')');
    }
  }
  const tokenHeader = (r) => r.header.Authorization;

  // ---- the scenarios, each run with every platform shape ----------------------------
  const scenarios = [
    ['login: the first request logs in once, sends the token in Authorization and persists it', async (p, ctx) => {
      const w = await world(ctx, p);
      const r = await w.run(w.auth.request({ url: '/api/profile' }));
      equal(r.statusCode, 200, 'status');
      deepEqual(r.data, { ok: true, path: '/api/profile' }, 'data');
      equal(w.fake.calls.login, 1, 'wx.login calls');
      const posts = w.loginPosts();
      equal(posts.length, 1, 'login POSTs');
      equal(posts[0].method, 'POST', 'login method');
      equal(posts[0].data && posts[0].data.code, 'code-1', 'the login POST carries the wx.login code');
      equal(tokenHeader(posts[0]), undefined, 'no token on the login POST');
      const api = w.apiRequests();
      equal(api.length, 1, 'API requests');
      equal(tokenHeader(api[0]), 'Bearer tok-code-1', 'Authorization header');
      equal(w.token(), 'tok-code-1', 'persisted token');
      ok(typeof w.fake.storage.get(KEY).expiresAt === 'number', 'persisted expiresAt is a number');
    }],

    ['single-flight: 5 concurrent requests and login() cause one wx.login and one login POST', async (p, ctx) => {
      const w = await world(ctx, p);
      const all = [1, 2, 3, 4, 5].map((i) => w.auth.request({ url: '/api/item/' + i }));
      all.push(w.auth.login());
      const results = await w.run(Promise.all(all));
      deepEqual(results.slice(0, 5).map((r) => r.statusCode), [200, 200, 200, 200, 200], 'statuses');
      equal(results[5], undefined, 'login() resolves with undefined');
      equal(w.fake.calls.login, 1, 'wx.login calls');
      equal(w.loginPosts().length, 1, 'login POSTs');
      const api = w.apiRequests();
      equal(api.length, 5, 'API requests');
      ok(api.every((r) => tokenHeader(r) === 'Bearer tok-code-1'), 'every request carries the one token');
    }],

    ['renewal: expired tokens → 401 → one silent re-login shared by 3 concurrent requests, replays succeed', async (p, ctx) => {
      const w = await world(ctx, p);
      await w.run(w.auth.request({ url: '/api/first' }));
      w.server.expireTokens();
      const results = await w.run(Promise.all([w.auth.request({ url: '/api/a' }),
        w.auth.request({ url: '/api/b' }), w.auth.request({ url: '/api/c' })]));
      deepEqual(results.map((r) => r.statusCode), [200, 200, 200], 'statuses after renewal');
      equal(w.fake.calls.login, 2, 'wx.login calls (one re-login)');
      equal(w.loginPosts().length, 2, 'login POSTs');
      const api = w.apiRequests().slice(1);
      equal(api.filter((r) => r.statusCode === 401).length, 3, '401s with the old token');
      equal(api.filter((r) => r.statusCode === 200 && tokenHeader(r) === 'Bearer tok-code-2').length, 3,
        'replays with the new token');
      equal(w.token(), 'tok-code-2', 'the new token is persisted');
    }],

    ['retry limit: a server that always answers 401 ends in RETRY_LIMIT after retryLimit re-logins', async (p, ctx) => {
      const w = await world(ctx, p, { options: { retryLimit: 2 } });
      const e = await rejects(w.run(w.auth.request({ url: '/api/always401' })), 'RETRY_LIMIT', 'request');
      ok(e.response && e.response.statusCode === 401, 'response holds the last 401, got ' + show(e.response));
      equal(w.fake.calls.login, 3, 'wx.login calls (1 + retryLimit)');
      equal(w.apiRequests().length, 3, 'sends of the request');
    }],

    ['logout: a waiting request rejects LOGGED_OUT, storage is cleared, the next request logs in again', async (p, ctx) => {
      const w = await world(ctx, p);
      await w.run(w.auth.request({ url: '/api/a' }));
      ok(w.fake.storage.has(KEY), 'persisted after login');
      await w.run(w.auth.logout());
      equal(w.fake.storage.has(KEY), false, 'storage holds the session after logout');
      const waiting = settled(w.auth.request({ url: '/api/b' }));
      await w.clock.advance(5); // wx.login is under way (latency 10 ms)
      equal(w.fake.calls.login, 2, 'the waiting request started a login');
      await w.run(w.auth.logout());
      isRejection(await w.run(waiting), 'LOGGED_OUT', 'the waiting request');
      await w.clock.advance(1000); // the late wx.login answer arrives
      equal(w.loginPosts().length, 1, 'login POSTs after logout (the late code is dropped)');
      equal(w.fake.storage.has(KEY), false, 'nothing persisted after logout');
      const r = await w.run(w.auth.request({ url: '/api/c' }));
      equal(r.statusCode, 200, 'the next request succeeds');
      equal(w.fake.calls.login, 3, 'wx.login calls');
      ok(/^tok-code-/.test(w.token()) && w.token() !== 'tok-code-1', 'a new token is persisted, got ' + show(w.token()));
    }],

    ['untrusted origin: no token in the header or the query of a request to another origin', async (p, ctx) => {
      const w = await world(ctx, p);
      await w.run(w.auth.request({ url: '/api/a' }));
      const urls = ['https://cdn.other.com/asset/x', 'https://api.example.com.evil.com/asset/y',
        'http://api.example.com/asset/z'];
      for (const url of urls) {
        const r = await w.run(w.auth.request({ url: url, data: { q: 1 }, header: { 'X-Page': 'p' } }));
        equal(r.statusCode, 200, url + ' status');
      }
      const r = await w.run(w.auth.request({ url: '/asset/public', auth: false }));
      equal(r.statusCode, 200, 'auth:false status');
      const sent = w.fake.calls.requests.filter((x) => x.path !== LOGIN_PATH && x.path.indexOf('/asset/') === 0);
      equal(sent.length, 4, 'requests sent');
      for (const x of sent) {
        ok(JSON.stringify(x.header).indexOf('tok-') < 0, x.url + ' carries the token in a header: ' + show(x.header));
        ok(x.url.indexOf('tok-') < 0, x.url + ' carries the token in its URL');
        equal(x.header['X-Page'] === undefined || x.header['X-Page'] === 'p', true, 'the page header is kept');
      }
      ok(sent[0].url.indexOf('q=1') > 0, 'GET data becomes the query string: ' + sent[0].url);
      equal(w.fake.calls.login, 1, 'wx.login calls');
    }],

    ['persisted token: a second launch sharing storage reuses it: no wx.login, one checkSession', async (p, ctx) => {
      const first = await world(ctx, p);
      await first.run(first.auth.request({ url: '/api/a' }));
      const second = await world(ctx, p, { storage: first.fake.storage, server: first.server });
      const results = await second.run(Promise.all([second.auth.request({ url: '/api/b' }),
        second.auth.request({ url: '/api/c' })]));
      const again = await second.run(second.auth.request({ url: '/api/d' }));
      deepEqual(results.concat([again]).map((r) => r.statusCode), [200, 200, 200], 'statuses');
      equal(second.fake.calls.login, 0, 'wx.login calls on the second launch');
      equal(second.fake.calls.checkSession, 1, 'checkSession calls on the second launch');
      equal(second.loginPosts().length, 0, 'login POSTs on the second launch');
      ok(second.apiRequests().every((r) => tokenHeader(r) === 'Bearer tok-code-1'), 'the persisted token is sent');
    }],

    ['wx.login fails: every waiter rejects WX_LOGIN_FAILED with the errMsg; nothing is sent', async (p, ctx) => {
      // Both fail: the early wx.login of createLoginManager (unseen) and the login's own.
      const w = await world(ctx, p, { before: (f) => f.failNext('login', 'login:fail system error', 2) });
      const out = await w.run(Promise.all([settled(w.auth.request({ url: '/api/a' })), settled(w.auth.login())]));
      for (const o of out) equal(isRejection(o, 'WX_LOGIN_FAILED', 'waiter').errMsg, 'login:fail system error', 'errMsg');
      equal(w.fake.calls.login, 2, 'wx.login calls (the early one, then the login\'s own)');
      equal(w.events.filter((e) => e.type === 'login:failure').length, 1, 'login failures reported');
      equal(w.fake.calls.request, 0, 'wx.request calls');
      equal(w.fake.storage.has(KEY), false, 'nothing persisted');
    }],

    ['login POST 500: LOGIN_REJECTED with the response; nothing persisted', async (p, ctx) => {
      const w = await world(ctx, p, { login: () => ({ statusCode: 500, data: { error: 'code2session failed' } }) });
      const out = await w.run(Promise.all([settled(w.auth.request({ url: '/api/a' })), settled(w.auth.login())]));
      for (const o of out) {
        const e = isRejection(o, 'LOGIN_REJECTED', 'waiter');
        ok(e.response && e.response.statusCode === 500, 'response holds the 500, got ' + show(e.response));
      }
      equal(w.fake.calls.login, 1, 'wx.login calls');
      equal(w.loginPosts().length, 1, 'login POSTs');
      equal(w.apiRequests().length, 0, 'API requests');
      equal(w.fake.storage.has(KEY), false, 'nothing persisted');
    }],

    ['login timeout: a hanging login POST fails LOGIN_TIMEOUT at loginTimeoutMs on the virtual clock', async (p, ctx) => {
      const w = await world(ctx, p, { login: () => ({ hang: true }), options: { loginTimeoutMs: 5000 } });
      const t0 = w.clock.now();
      const waiting = settled(w.auth.request({ url: '/api/a' }));
      let done = false;
      waiting.then(() => { done = true; });
      await w.clock.advance(4900);
      equal(done, false, 'settled before loginTimeoutMs');
      await w.clock.advance(200);
      equal(done, true, 'settled by loginTimeoutMs + 100 ms of virtual time');
      isRejection(await waiting, 'LOGIN_TIMEOUT', 'request');
      equal(w.clock.now() - t0, 5100, 'virtual ms elapsed');
      equal(w.apiRequests().length, 0, 'API requests');
    }],

    ['offline: NETWORK_OFFLINE at once with nothing sent; back online the request logs in', async (p, ctx) => {
      const w = await world(ctx, p, { fake: { network: 'none' } });
      await w.clock.advance(50); // wx.getNetworkType has answered
      const out = await w.run(Promise.all([settled(w.auth.request({ url: '/api/a' })), settled(w.auth.login())]));
      for (const o of out) isRejection(o, 'NETWORK_OFFLINE', 'waiter');
      // The early wx.login of createLoginManager started before the network was known.
      equal(w.fake.calls.login, 1, 'wx.login calls while offline');
      equal(w.fake.calls.request, 0, 'wx.request calls while offline');
      w.fake.setNetwork('4g');
      const r = await w.run(w.auth.request({ url: '/api/a' }));
      equal(r.statusCode, 200, 'status back online');
      equal(w.fake.calls.login, 1, 'wx.login calls back online (the early code was posted)');
      equal(w.loginPosts().length, 1, 'login POSTs');
    }],

    ['request fails: a wx.request failure rejects REQUEST_FAILED with its errMsg and costs no re-login', async (p, ctx) => {
      const w = await world(ctx, p);
      await w.run(w.auth.request({ url: '/api/a' }));
      const e = await rejects(w.run(w.auth.request({ url: '/api/down' })), 'REQUEST_FAILED', 'request');
      equal(e.errMsg, 'request:fail timeout', 'errMsg');
      equal((await w.run(w.auth.request({ url: '/api/b' }))).statusCode, 200, 'the next request');
      equal(w.fake.calls.login, 1, 'wx.login calls');
    }],

    ['expiry: with expiresIn 120 s the token is renewed on the virtual clock, before it runs out', async (p, ctx) => {
      const w = await world(ctx, p, { expiresIn: 120 });
      await w.run(w.auth.request({ url: '/api/a' }));
      await w.clock.advance(61000); // past half the lifetime: renewMarginMs (60 s) before the end
      const r = await w.run(w.auth.request({ url: '/api/b' }));
      equal(r.statusCode, 200, 'status');
      equal(w.fake.calls.login, 2, 'wx.login calls');
      const api = w.apiRequests();
      equal(tokenHeader(api[api.length - 1]), 'Bearer tok-code-2', 'the renewed token is sent');
      equal(api.filter((x) => x.statusCode === 401).length, 0, 'no request met a 401');
    }],

    ['checkSession fails on a second launch (awaitCheckSession): one wx.login, then the new token', async (p, ctx) => {
      const first = await world(ctx, p);
      await first.run(first.auth.request({ url: '/api/a' }));
      first.server.sessionKeyValid = false;
      const second = await world(ctx, p, { storage: first.fake.storage, server: first.server, options: { awaitCheckSession: true } });
      const results = await second.run(Promise.all([second.auth.request({ url: '/api/b' }),
        second.auth.request({ url: '/api/c' })]));
      deepEqual(results.map((r) => r.statusCode), [200, 200], 'statuses');
      equal(second.fake.calls.checkSession, 1, 'checkSession calls');
      equal(second.fake.calls.login, 1, 'wx.login calls');
      equal(second.token(), 'tok-code-2', 'the new token is persisted');
    }],

    ['checkSession fails on a second launch (default): requests go at once with the stored token; login() then logs in', async (p, ctx) => {
      const first = await world(ctx, p);
      await first.run(first.auth.request({ url: '/api/a' }));
      first.server.sessionKeyValid = false;
      const second = await world(ctx, p, { storage: first.fake.storage, server: first.server });
      const results = await second.run(Promise.all([second.auth.request({ url: '/api/b' }),
        second.auth.request({ url: '/api/c' })]));
      deepEqual(results.map((r) => r.statusCode), [200, 200], 'statuses');
      equal(second.fake.calls.login, 0, 'no wx.login before the requests');
      ok(second.apiRequests().every((r) => r.header.Authorization === 'Bearer tok-code-1'), 'sent with the stored token');
      await second.run(second.auth.login()); // waits for the check, which failed: a new login
      equal(second.fake.calls.checkSession, 1, 'checkSession calls');
      equal(second.fake.calls.login, 1, 'wx.login calls');
      equal(second.token(), 'tok-code-2', 'the new token is persisted');
    }],

    ['at most 10 wx.request at once: 15 concurrent requests and the login POST', async (p, ctx) => {
      const w = await world(ctx, p, { fake: { latencyMs: 50 } });
      const all = [];
      for (let i = 0; i < 15; i++) all.push(w.auth.request({ url: '/api/n/' + i }));
      const results = await w.run(Promise.all(all));
      ok(results.every((r) => r.statusCode === 200), 'every request succeeds');
      equal(w.apiRequests().length, 15, 'API requests');
      ok(w.fake.calls.maxConcurrent <= 10, 'wx.request outstanding at once: ' + w.fake.calls.maxConcurrent);
      equal(w.fake.calls.maxConcurrent, 10, 'the manager uses the 10 slots');
      equal(w.fake.calls.overLimitByApi.request, 0, 'wx.request made while 10 were unanswered');
    }],

    ['background: hidden longer than recheckAfterHiddenMs (virtual), the next request re-checks the session once', async (p, ctx) => {
      const w = await world(ctx, p, { options: { recheckAfterHiddenMs: 300000 } });
      await w.run(w.auth.request({ url: '/api/a' }));
      equal(w.fake.calls.checkSession, 0, 'a fresh wx.login code needs no check');
      w.fake.hide();
      await w.clock.advance(200000);
      w.fake.show();
      await w.run(w.auth.request({ url: '/api/b' }));
      equal(w.fake.calls.checkSession, 0, 'checkSession after a short background');
      w.fake.hide();
      await w.clock.advance(300001);
      w.fake.show();
      const results = await w.run(Promise.all([w.auth.request({ url: '/api/c' }), w.auth.request({ url: '/api/d' })]));
      deepEqual(results.map((r) => r.statusCode), [200, 200], 'statuses');
      equal(w.fake.calls.checkSession, 1, 'checkSession after a long background');
      equal(w.fake.calls.login, 1, 'wx.login calls (the session is still valid)');
    }],

    // ---- interceptor primitives, uploadFile/downloadFile, abort (issue 10) -------------
    ['authorize: waits for the one shared login, puts the token on a copy for trusted URLs only, never returns the ticket', async (p, ctx) => {
      const w = await world(ctx, p);
      const page = { url: '/api/a', method: 'POST', data: { x: 1 }, header: { 'X-Page': 'p' } };
      const out = await w.run(Promise.all([w.auth.authorize(page), w.auth.request({ url: '/api/b' }),
        w.auth.authorize({ url: 'https://cdn.other.com/asset/x', header: { 'X-Page': 'q' } })]));
      equal(w.fake.calls.login, 1, 'wx.login calls (authorize and request share the login)');
      equal(w.loginPosts().length, 1, 'login POSTs');
      const g = out[0];
      equal(g.options.header.Authorization, 'Bearer tok-code-1', 'the token header');
      equal(g.options.header['X-Page'], 'p', "the page's header is kept");
      // One URL, read once: the copy's url is the absolute URL judged (issue 17).
      equal(g.options.url, ORIGIN + '/api/a', 'the url is returned as judged: resolved against baseUrl');
      deepEqual(g.options.data, { x: 1 }, 'data');
      ok(!('ticket' in g.options), 'the returned options carry no ticket');
      ok(g.ticket !== undefined && g.ticket !== null, 'a ticket');
      ok(g.options !== page, 'a copy');
      deepEqual(page, { url: '/api/a', method: 'POST', data: { x: 1 }, header: { 'X-Page': 'p' } }, "the page's options are untouched");
      equal(JSON.stringify(out[2].options).indexOf('tok-'), -1, 'an untrusted origin gets no token: ' + show(out[2].options));
      equal(out[2].options.header['X-Page'], 'q', 'the untrusted request keeps its header');
      equal(await w.run(w.auth.check(g.ticket, { statusCode: 200, data: { ok: true }, header: {} })), 'ok', 'check of a 200');
      equal(await w.run(w.auth.check(g.ticket, { statusCode: 500, data: {}, header: {} })), 'ok', 'check of a 500');
      equal(w.fake.calls.login, 1, 'wx.login calls after the checks');
    }],

    ['check: 3 concurrent 401s share one renewal and resolve replay; re-authorized with their tickets they carry the new token; a stale 401 costs no second login', async (p, ctx) => {
      const w = await world(ctx, p);
      const gs = await w.run(Promise.all([1, 2, 3, 4].map((i) => w.auth.authorize({ url: '/api/' + i }))));
      const res401 = { statusCode: 401, data: { error: 'unauthorized' }, header: {} };
      const verdicts = await w.run(Promise.all(gs.slice(0, 3).map((g) => w.auth.check(g.ticket, res401))));
      deepEqual(verdicts, ['replay', 'replay', 'replay'], 'verdicts');
      equal(w.fake.calls.login, 2, 'wx.login calls (one renewal)');
      const again = await w.run(Promise.all(gs.slice(0, 3).map((g, i) => w.auth.authorize({ url: '/api/' + (i + 1), ticket: g.ticket }))));
      ok(again.every((a) => a.options.header.Authorization === 'Bearer tok-code-2'), 'the replays carry the new token');
      ok(again.every((a) => !('ticket' in a.options)), 'no ticket in the returned options');
      equal(await w.run(w.auth.check(gs[3].ticket, res401)), 'replay', 'a 401 for the old token after the renewal');
      equal(w.fake.calls.login, 2, 'wx.login calls (the stale 401 needs no login)');
      equal(w.loginPosts().length, 2, 'login POSTs');
    }],

    ['check: a body code and isAuthFailure are auth failures too; past retryLimit check rejects RETRY_LIMIT with the last response', async (p, ctx) => {
      const w = await world(ctx, p, { options: { retryLimit: 1, authFailCodeField: 'return_code', authFailCodes: [10000] } });
      let g = await w.run(w.auth.authorize({ url: '/api/x' }));
      equal(await w.run(w.auth.check(g.ticket, { statusCode: 200, data: { return_code: 0 }, header: {} })), 'ok', 'code 0');
      const coded = { statusCode: 200, data: { return_code: 10000 }, header: {} };
      equal(await w.run(w.auth.check(g.ticket, coded)), 'replay', 'code 10000');
      equal(w.fake.calls.login, 2, 'wx.login calls');
      g = await w.run(w.auth.authorize({ url: '/api/x', ticket: g.ticket }));
      const e = await rejects(w.run(w.auth.check(g.ticket, coded)), 'RETRY_LIMIT', 'check past retryLimit');
      ok(e.response && e.response.statusCode === 200, 'response holds the last answer, got ' + show(e.response));
      equal(w.fake.calls.login, 2, 'no login past the limit');
      const v = await world(ctx, p, { options: { isAuthFailure: (r) => !!(r && r.data && r.data.relogin === true) } });
      const h = await v.run(v.auth.authorize({ url: '/api/y' }));
      equal(await v.run(v.auth.check(h.ticket, { statusCode: 200, data: { relogin: true }, header: {} })), 'replay', 'isAuthFailure');
      equal(v.fake.calls.login, 2, 'wx.login calls (isAuthFailure)');
    }],

    ['logout: an authorize waiting for the renewal and the check that started it reject LOGGED_OUT', async (p, ctx) => {
      const w = await world(ctx, p);
      const g = await w.run(w.auth.authorize({ url: '/api/a' }));
      const checking = settled(w.auth.check(g.ticket, { statusCode: 401, data: {}, header: {} }));
      const waiting = settled(w.auth.authorize({ url: '/api/b' }));
      await w.clock.advance(5); // the renewal's wx.login is under way
      equal(w.fake.calls.login, 2, 'the 401 started a renewal');
      await w.run(w.auth.logout());
      isRejection(await w.run(checking), 'LOGGED_OUT', 'check');
      isRejection(await w.run(waiting), 'LOGGED_OUT', 'authorize');
      await w.clock.advance(1000);
      equal(w.loginPosts().length, 1, 'the late code is never POSTed');
    }],

    ['uploadFile and downloadFile: one login shared with request, the token in the header, a 401 renews once and replays', async (p, ctx) => {
      const w = await world(ctx, p);
      const up = { url: '/api/up', filePath: 'wxfile://tmp/a.png', name: 'file', formData: { k: 'v' } };
      const out = await w.run(Promise.all([w.auth.uploadFile(up), w.auth.downloadFile({ url: '/api/dl' }), w.auth.request({ url: '/api/r' })]));
      equal(w.fake.calls.login, 1, 'wx.login calls');
      equal(out[0].statusCode, 200, 'upload status');
      equal(typeof out[0].data, 'string', 'uploadFile data is a string (WeChat never parses it)');
      deepEqual(JSON.parse(out[0].data), { ok: true, path: '/api/up' }, 'upload answer');
      equal(out[0].errMsg, 'uploadFile:ok', 'upload errMsg');
      equal(out[1].statusCode, 200, 'download status');
      equal(out[1].errMsg, 'downloadFile:ok', 'download errMsg');
      deepEqual(w.fake.files[out[1].tempFilePath], { ok: true, path: '/api/dl' }, 'downloaded to tempFilePath');
      const u = w.fake.calls.uploads;
      const d = w.fake.calls.downloads;
      equal(tokenHeader(u[0]), 'Bearer tok-code-1', 'upload token header');
      equal(tokenHeader(d[0]), 'Bearer tok-code-1', 'download token header');
      deepEqual(u[0].data, { k: 'v' }, 'formData as given');
      equal(u[0].file.name, 'file', 'the file field');
      w.server.expireTokens();
      const again = await w.run(Promise.all([w.auth.uploadFile(up), w.auth.downloadFile({ url: '/api/dl' })]));
      deepEqual(again.map((r) => r.statusCode), [200, 200], 'statuses after the renewal');
      equal(w.fake.calls.login, 2, 'wx.login calls (one renewal for both)');
      deepEqual(u.slice(1).map((x) => [x.statusCode, tokenHeader(x)]), [[401, 'Bearer tok-code-1'], [200, 'Bearer tok-code-2']], 'upload, then its replay');
      deepEqual(d.slice(1).map((x) => [x.statusCode, tokenHeader(x)]), [[401, 'Bearer tok-code-1'], [200, 'Bearer tok-code-2']], 'download, then its replay');
    }],

    ["uploadFile with tokenIn 'data': the token still goes in the header, never in formData", async (p, ctx) => {
      const w = await world(ctx, p, { options: { tokenIn: 'data' } });
      const r = await w.run(w.auth.uploadFile({ url: '/asset/up', filePath: 'wxfile://tmp/a.png', name: 'file', formData: { k: 'v' } }));
      equal(r.statusCode, 200, 'status');
      const u = w.fake.calls.uploads[0];
      deepEqual(u.data, { k: 'v' }, 'formData without the token');
      equal(tokenHeader(u), 'Bearer tok-code-1', 'the token in the header');
    }],

    ['uploadFile and downloadFile count against their own 10 in flight, not against wx.request', async (p, ctx) => {
      const w = await world(ctx, p, { fake: { latencyMs: 50 } });
      await w.run(w.auth.login());
      const all = [];
      for (let i = 0; i < 12; i++) {
        all.push(w.auth.request({ url: '/api/r/' + i }));
        all.push(w.auth.uploadFile({ url: '/api/u/' + i, filePath: 'wxfile://tmp/' + i, name: 'file' }));
        all.push(w.auth.downloadFile({ url: '/api/d/' + i }));
      }
      const out = await w.run(Promise.all(all));
      ok(out.every((r) => r.statusCode === 200), 'every transfer succeeds');
      // What the manager asked of each API (the fake queues an 11th itself, as WeChat does).
      deepEqual(w.fake.calls.maxAskedByApi, { request: 10, uploadFile: 10, downloadFile: 10 }, 'most asked for at once per API');
      deepEqual(w.fake.calls.overLimitByApi, { request: 0, uploadFile: 0, downloadFile: 0 }, 'calls made while 10 were unanswered');
    }],

    ['abort: a request waiting for the login is dropped (ABORTED, fail and complete called) without touching the login', async (p, ctx) => {
      const w = await world(ctx, p);
      const calls = [];
      const a = w.auth.request({ url: '/api/a', success: () => calls.push('success'),
        fail: (e) => calls.push('fail:' + (e && e.code)), complete: () => calls.push('complete') });
      const aOut = settled(a);
      const b = w.auth.request({ url: '/api/b' });
      // At launch the manager first waits for wx.getNetworkType; step until wx.login is under way.
      for (let i = 0; i < 1000 && w.fake.calls.login === 0; i++) await w.clock.advance(1);
      equal(w.fake.calls.login, 1, 'one login started');
      equal(typeof a.abort, 'function', 'the Promise has abort()');
      a.abort();
      isRejection(await w.run(aOut), 'ABORTED', 'the aborted request');
      deepEqual(calls, ['fail:ABORTED', 'complete'], 'wx-style callbacks');
      equal((await w.run(b)).statusCode, 200, 'the login continues for the others');
      equal(w.fake.calls.login, 1, 'wx.login calls');
      equal(w.loginPosts().length, 1, 'login POSTs');
      equal(w.apiRequests().filter((r) => r.path === '/api/a').length, 0, 'the aborted request is never sent');
    }],

    ['abort: a request on the wire is aborted through its task, its slot goes to the next request at once', async (p, ctx) => {
      const server = testing.createServer();
      server.loginRoute(LOGIN_PATH);
      server.route('*', /^\/slow\//, server.authed(() => ({ data: { slow: true }, delayMs: 5000 })));
      server.route('*', /^\/api\//, server.authed((req) => ({ data: { ok: true, path: req.path } })));
      const w = await world(ctx, p, { server: server });
      await w.run(w.auth.login());
      const slow = [];
      for (let i = 0; i < 10; i++) slow.push(w.auth.request({ url: '/slow/' + i }));
      const eleventh = w.auth.request({ url: '/api/eleventh' });
      await w.clock.advance(20);
      equal(w.fake.calls.inFlight, 10, 'ten on the wire');
      const t0 = w.clock.now();
      const first = settled(slow[0]);
      slow[0].abort();
      isRejection(await w.run(first), 'ABORTED', 'the aborted request');
      const sent = w.fake.calls.requests.filter((r) => r.path === '/slow/0');
      equal(sent.length, 1, 'sent once');
      equal(sent[0].errMsg, 'request:fail abort', 'aborted through its RequestTask');
      equal((await w.run(eleventh)).statusCode, 200, 'the eleventh request');
      ok(w.clock.now() - t0 < 1000, 'the eleventh got the freed slot before the others ended (' + (w.clock.now() - t0) + ' ms)');
      const rest = await w.run(Promise.all(slow.slice(1)));
      ok(rest.every((r) => r.statusCode === 200), 'the other nine');
      equal(w.fake.calls.login, 1, 'wx.login calls');
    }],
  ];

  const cases = [];
  for (const platform of ['wx', 'tt', 'qq', 'taro', 'uni']) {
    for (const s of scenarios) {
      cases.push({
        name: '[' + platform + '] ' + s[0],
        run: async () => {
          const ctx = { worlds: [] };
          await s[1](platform, ctx);
          await checkWorlds(ctx);
        },
      });
    }
  }
  return cases;
};
