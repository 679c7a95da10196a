'use strict';
// Issue 17: one reading of every URL, one owner of every decision. For URLs generated from
// a grammar of the shapes parsers read differently (tests/node/trust-world.js), on every
// path of a ready manager (request under the lease, downloadFile through the Core,
// authorize): the URL handed to wx (or back to the transport) is the standard reading of
// the page's URL, byte for byte, and it carries the token only where the Core trusts it
// (`js => core`), WHATWG reads the page's URL as a trusted origin too, and the URL never
// was oblique. The cold start (before the Core exists) is tests/node/trust-cold.test.js.
const test = require('node:test');
const assert = require('node:assert/strict');
const fc = require('fast-check');
const W = require('./trust-world.js');
const { createLoginManager, LoginError } = require(W.DIST + '/index.js');

const { read, resolve, verdicts, earlyTrust } = W.shim('trust.js');

/** A ready, logged-in manager on a synchronous wx, with the events it told. */
async function readyManager(options) {
  const world = W.syncWx();
  const events = [];
  const auth = createLoginManager(Object.assign({ wx: world.wx, loginUrl: W.LOGIN, baseUrl: W.BASE, trustedOrigins: W.TRUSTED,
    onEvent: (e) => events.push(e) }, options));
  await auth.ready;
  await auth.login();
  return { auth, world, events };
}

/** The one property, for a path that sends `raw` and returns what went out ({url, token}). */
async function holds(name, trusts, send) {
  const told = new Set();
  await fc.assert(fc.asyncProperty(W.url, async (raw) => {
    const out = await send(raw);
    const where = name + ' ' + JSON.stringify(raw);
    assert.equal(out.url, W.standard(raw, W.BASE), where + ': the URL handed over is the standard reading');
    if (out.token !== undefined) {
      assert.equal(out.token, 'Bearer TKN', where);
      assert.ok(trusts(out.url), where + ': js => core');
      assert.ok(!/^[/\\]{2}|^\\/.test(raw), where + ': oblique, yet it carried the token');
      const o = W.whatwgOrigin(raw, W.BASE);
      assert.ok(W.TRUSTED_ORIGINS.includes(o), where + ': WHATWG reads ' + o);
    } else if (trusts(out.url) && !/^[/\\]{2}|^\\/.test(raw)) {
      assert.fail(where + ': the Core trusts it, yet no token');
    }
    told.add(out.url);
  }), { numRuns: W.RUNS });
  return told;
}

test(`request (under the lease), downloadFile (through the Core), authorize: ${W.RUNS} URLs each, js => core, the URL sent is the URL judged`, { timeout: 600000 }, async () => {
  const trusts = await W.coreVerdict();
  const { auth, world, events } = await readyManager();
  const last = () => world.calls[world.calls.length - 1];
  await holds('request', trusts, async (raw) => {
    const n = world.calls.length;
    await auth.request({ url: raw }).catch(() => {});
    assert.equal(world.calls.length, n + 1, 'one wx.request for ' + JSON.stringify(raw));
    return { url: last().url, token: W.tokenOf(last()) };
  });
  await holds('downloadFile', trusts, async (raw) => {
    await auth.downloadFile({ url: raw }).catch(() => {});
    assert.equal(last().api, 'downloadFile');
    return { url: last().url, token: W.tokenOf(last()) };
  });
  await holds('authorize', trusts, async (raw) => {
    const { options } = await auth.authorize({ url: raw, header: { 'X-Page': '1' } });
    assert.equal(options.header['X-Page'], '1');
    return { url: options.url, token: options.header.Authorization };
  });
  // token:withheld, once per origin, for every origin a request went to without it.
  const withheld = events.filter((e) => e.type === 'token:withheld').map((e) => e.origin);
  assert.equal(new Set(withheld).size, withheld.length, 'once per origin');
  assert.ok(withheld.includes('https://evil.com') || withheld.length > 0);
});

test(`the verdict cache and the cold-start check, alone: ${W.RUNS} URLs, each never trusts what the Core does not`, async () => {
  const trusts = await W.coreVerdict();
  const judge = verdicts(W.BASE, trusts, () => {});
  const early = earlyTrust(W.TRUSTED);
  fc.assert(fc.property(W.url, (raw) => {
    const url = read(raw, W.BASE);
    assert.equal(url, W.standard(raw, W.BASE), JSON.stringify(raw));
    if (judge(raw, url)) assert.ok(trusts(url), 'cache ' + JSON.stringify(raw));
    if (early(raw, url)) assert.ok(trusts(url), 'cold start ' + JSON.stringify(raw));
  }), { numRuns: W.RUNS });
});

test('item 1: authorize hands back the absolute URL it judged; //host is scheme-relative everywhere', async () => {
  const { auth, world } = await readyManager();
  for (const [raw, want] of [['//evil.com/x', 'https://evil.com/x'], ['///evil.com/x', 'https:///evil.com/x'],
    ['\\\\evil.com/x', 'https:\\\\evil.com/x'], ['http:/evil.com/x', 'http:/evil.com/x'], ['http:evil.com/x', 'http:evil.com/x'],
    ['http:\\\\evil.com/x', 'http:\\\\evil.com/x'], ['//api.example.com/x', 'https://api.example.com/x'],
    ['/x', 'https://api.example.com/v1/x'], ['x', 'https://api.example.com/v1/x']]) {
    const { options } = await auth.authorize({ url: raw });
    assert.equal(options.url, want, raw);
    // An oblique URL never carries the token, even to a trusted origin.
    assert.equal(options.header.Authorization, raw === '/x' || raw === 'x' ? 'Bearer TKN' : undefined, raw);
  }
  await auth.request({ url: '//cdn.example.com/y' });
  assert.equal(world.calls[world.calls.length - 1].url, 'https://cdn.example.com/y', 'not a path under baseUrl');
  assert.equal(W.tokenOf(world.calls[world.calls.length - 1]), undefined);
});

test('item 2: authorize reads options.url once (a getter, a Proxy)', async () => {
  const { auth } = await readyManager();
  let reads = 0;
  const getter = { get url() { reads++; return reads === 1 ? '/api/x' : 'https://evil.example.net/steal'; } };
  const a = await auth.authorize(getter);
  assert.equal(reads, 1, 'url read once');
  assert.equal(a.options.url, 'https://api.example.com/v1/api/x');
  assert.equal(a.options.header.Authorization, 'Bearer TKN');
  let proxied = 0;
  const proxy = new Proxy({ method: 'GET' }, {
    get: (t, k) => (k === 'url' ? (proxied++ === 0 ? 'https://api.example.com/x' : 'https://evil.example.net/steal') : t[k]),
  });
  const b = await auth.authorize(proxy);
  assert.equal(proxied, 1);
  assert.equal(b.options.url, 'https://api.example.com/x');
});

test('item 5: an http: origin is INVALID_OPTIONS naming allowHttp, unless allowHttp or a loopback host', () => {
  const { wx } = W.syncWx();
  for (const o of [{ loginUrl: 'http://api.example.com/user/login' },
    { loginUrl: 'https://api.example.com/user/login', baseUrl: 'http://api.example.com' },
    { loginUrl: 'https://api.example.com/user/login', trustedOrigins: ['https://api.example.com', 'http://cdn.example.com'] }]) {
    assert.throws(() => createLoginManager(Object.assign({ wx }, o)),
      (e) => e instanceof LoginError && e.code === 'INVALID_OPTIONS' && /allowHttp/.test(e.message), JSON.stringify(o));
    createLoginManager(Object.assign({ wx, allowHttp: true }, o));
  }
  for (const loginUrl of ['http://localhost:8080/login', 'http://127.0.0.1/login', 'http://[::1]:9000/login']) {
    createLoginManager({ wx, loginUrl });
  }
  assert.throws(() => createLoginManager({ wx, loginUrl: 'https://a.com/l', allowHttp: 'yes' }), /allowHttp must be a boolean/);
});

test("resolve, the adapters' reading: a library's baseURL with its trailing slashes dropped, then read", () => {
  assert.equal(resolve('/x', 'https://a.example.com/'), 'https://a.example.com/x');
  assert.equal(resolve('x', 'https://a.example.com/v1//'), 'https://a.example.com/v1/x');
  assert.equal(resolve('//cdn.example.com/y', 'https://a.example.com/v1/'), 'https://cdn.example.com/y');
  assert.equal(resolve('https://b.example.com/z', 'https://a.example.com'), 'https://b.example.com/z');
  assert.equal(resolve('/x', undefined), '/x', 'no baseURL: as it is (the manager reads it against its baseUrl)');
  assert.equal(resolve('/x', ''), '/x');
});

test('the verdict cache asks the Core once per origin, and once for every path on baseUrl (no crossing per request)', () => {
  const asked = [];
  const ask = (u) => { asked.push(u); return u.startsWith('https://api.example.com/'); };
  const withheld = [];
  const judge = verdicts('https://api.example.com/v1', ask, (o) => withheld.push(o));
  const cases = [['/a', true], ['/b?x', true], ['https://cdn.example.com/a', false], ['https://cdn.example.com/b', false],
    ['https://api.example.com/z', true], ['https://api.example.com/y', true], ['/a b', true]];
  for (const [raw, v] of cases) assert.equal(judge(raw, read(raw, 'https://api.example.com/v1')), v, raw);
  assert.deepEqual(asked, ['https://api.example.com/v1/', 'https://cdn.example.com/a', 'https://api.example.com/z',
    'https://api.example.com/v1/a b'], 'an ambiguous character is asked about every time');
  assert.deepEqual(withheld, ['https://cdn.example.com'], 'told once per origin');
  // No baseUrl: a path is asked about as it is, and told as itself (it has no origin).
  const none = [];
  const bare = verdicts(undefined, (u) => { none.push(u); return false; }, (o) => none.push('told ' + o));
  assert.equal(bare('/x', read('/x', undefined)), false);
  assert.deepEqual(none, ['/x', 'told /x']);
});

test('no baseUrl: a path goes to wx as it is, without the token, and token:withheld names it', async () => {
  const { auth, world, events } = await readyManager({ baseUrl: undefined });
  await auth.request({ url: '/api/x' }).catch(() => {});
  const sent = world.calls[world.calls.length - 1];
  assert.equal(sent.url, '/api/x');
  assert.equal(W.tokenOf(sent), undefined);
  assert.deepEqual(events.filter((e) => e.type === 'token:withheld'), [{ type: 'token:withheld', origin: '/api/x' }]);
});

test('a trusted origin later in the URL never lends its verdict: http:evil…?to=https://api… goes without the token', async () => {
  const { auth, world } = await readyManager();
  await auth.request({ url: 'https://api.example.com/warm' }); // the trusted origin's verdict is cached
  assert.equal(W.tokenOf(world.calls[world.calls.length - 1]), 'Bearer TKN');
  for (const raw of ['http:evil.example.net/x?to=https://api.example.com/y', 'https:evil.example.net/https://api.example.com']) {
    await auth.request({ url: raw }).catch(() => {});
    const sent = world.calls[world.calls.length - 1];
    assert.equal(sent.url, raw);
    assert.equal(W.tokenOf(sent), undefined, raw);
  }
});

test('item 6: a request sent without the token because of its origin tells token:withheld, once per origin', async () => {
  const { auth, events } = await readyManager({ trustedOrigins: undefined, baseUrl: 'https://auth.example.com' ,
    loginUrl: 'https://auth.example.com/login' });
  for (const u of ['https://api.example.com/a', 'https://api.example.com/b', '/mine', 'https://cdn.example.com/c']) {
    await auth.request({ url: u });
  }
  await auth.request({ url: 'https://api.example.com/c', auth: false }); // asked for none: nothing to tell
  assert.deepEqual(events.filter((e) => e.type === 'token:withheld'),
    [{ type: 'token:withheld', origin: 'https://api.example.com' }, { type: 'token:withheld', origin: 'https://cdn.example.com' }]);
});

test('item 7: check() with a frozen, getter-only or throwing-Proxy ticket settles, and replays still count to RETRY_LIMIT', async () => {
  const { auth } = await readyManager({ retryLimit: 2 });
  const shapes = {
    frozen: (t) => Object.freeze(Object.assign({}, t)),
    getters: (t) => Object.defineProperties({}, { generation: { get: () => t.generation }, relogins: { get: () => t.relogins } }),
    proxy: (t) => new Proxy(Object.assign({}, t), { set() { throw new TypeError('read-only'); }, defineProperty() { throw new TypeError('read-only'); } }),
  };
  for (const name of Object.keys(shapes)) {
    let ticket;
    const verdicts = [];
    let error = null;
    for (let i = 0; i < 5 && error === null; i++) {
      const granted = await auth.authorize({ url: '/api/x', ticket: ticket });
      ticket = shapes[name](granted.ticket);
      const v = await Promise.race([auth.check(ticket, { statusCode: 401, data: {} }),
        new Promise((r) => setTimeout(() => r('hung'), 2000))]).catch((e) => { error = e; return null; });
      if (v !== null) verdicts.push(v);
      assert.notEqual(v, 'hung', name);
    }
    assert.deepEqual(verdicts, ['replay', 'replay'], name);
    assert.equal(error && error.code, 'RETRY_LIMIT', name);
    assert.equal((await auth.check(shapes[name]((await auth.authorize({ url: '/api/x' })).ticket), { statusCode: 200 })), 'ok', name);
  }
});
