'use strict';
// The JS side of the wasm boundary (js-shim/trust.js, js-shim/options.js, the codec)
// against the real Core: the cached and the cold-start origin verdicts never say more
// than the Core does, options the Core would refuse are refused synchronously, and
// strings cross in linear time.
const test = require('node:test');
const assert = require('node:assert/strict');
const path = require('path');
const fc = require('fast-check');
const { shim } = require('./shim-under-test.js');

const { verdicts, earlyTrust, read } = shim('trust.js');
const { load, register } = shim('loader.js');
const { createLoginManager, LoginError } = require('../../pkg/dist/index.js');
const { createClock, createServer, createFakeWx } = require('../../pkg/testing/index.js');
const { LinearDecoder, LinearEncoder } = shim('text-codec.js');

const WASM = path.join(__dirname, '../../pkg/dist/weapp_login_bg.wasm.br');
const TRUSTED = ['https://api.example.com', 'http://127.0.0.1:8080'];
const NUMBERS = [3, 10000, 60000, 1000, 60000, 300000, 5000, 0, 0, 1];

/** A Core with TRUSTED as its trustedOrigins and a host that ignores every command: its `trusts`. */
async function core() {
  const wasm = await load(WASM);
  const h = register({ cmd() {}, text() {} });
  assert.ok(wasm.newCore(h, [TRUSTED[0] + '/user/login', '', '', '401'].concat(TRUSTED).join('\n'), ...NUMBERS, true,
    Date.now(), -1));
  return { trusts: (url) => wasm.trusts(h, url) };
}

/** URLs built from the pieces that make parsers disagree. */
const hostileUrl = fc.tuple(
  fc.constantFrom('https://', 'http://', 'HTTPS://', 'https:/', 'https:\\\\', ' https://', 'javascript://', ''),
  fc.constantFrom('api.example.com', 'API.example.com', 'evil.com', '127.0.0.1', 'api.example.com.evil.com', 'user@api.example.com',
    'api.example.com@evil.com', 'api.example.com\\@evil.com', 'api.example.com%2eevil.com', 'аpi.example.com', 'api.example.com\t', '[::1]'),
  fc.constantFrom('', ':443', ':8080', ':80', ':0443', ':99999', ':', ':443\\@evil.com'),
  fc.constantFrom('', '/', '/api/x', '?q=1', '#f', '\\evil.com/x', '/a b', '/\u0000', '/@evil.com', '//evil.com', '/中文?x=é'),
).map((parts) => parts.join(''));

test('the verdict cache and the cold-start check never trust a URL the Core does not', async () => {
  const c = await core();
  const ask = (u) => c.trusts(u);
  const cached = verdicts(undefined, ask, () => {}); // one cache across every case, as in a manager
  const early = earlyTrust(TRUSTED);
  fc.assert(fc.property(hostileUrl, (url) => {
    const truth = c.trusts(url);
    // An absolute URL: the verdict is the Core's (an oblique one, '//…' or '\\…', never).
    assert.equal(cached(url, url), truth && !/^[/\\]{2}|^\\/.test(url), 'cached verdict for ' + JSON.stringify(url));
    if (early(url, url)) assert.ok(truth, 'cold-start trust for ' + JSON.stringify(url));
    if (truth) {
      // Whatever the Core trusts, WHATWG reads as a trusted origin too.
      const origin = new URL(url).origin;
      assert.ok(TRUSTED.map((o) => new URL(o).origin).includes(origin), url + ' -> ' + origin);
    }
  }), { numRuns: 3000 });
  // A path on baseUrl goes under it; '//host' is scheme-relative (WHATWG), never a path.
  assert.equal(read('/api/x', 'https://api.example.com'), 'https://api.example.com/api/x');
  assert.equal(read('//evil.com/x', 'https://api.example.com'), 'https://evil.com/x');
  assert.ok(!c.trusts('https://api.example.com\\@evil.com/x'), 'issue 8 item 9');
});

test('every option the Core would refuse is INVALID_OPTIONS at createLoginManager, synchronously', () => {
  const wx = createFakeWx({ clock: createClock(), server: createServer() }).api;
  const base = { wx, loginUrl: 'https://api.example.com/user/login' };
  const ms = ['loginTimeoutMs', 'renewMarginMs', 'loginBackoffMs', 'loginBackoffMaxMs', 'recheckAfterHiddenMs',
    'checkSessionTimeoutMs', 'networkWaitMs'];
  for (const key of ms) {
    for (const bad of [2 ** 31, 2 ** 53, Infinity, NaN, -1, 1.5, '1000', null]) {
      assert.throws(() => createLoginManager(Object.assign({}, base, { [key]: bad })),
        (e) => e instanceof LoginError && e.code === 'INVALID_OPTIONS' && e.message.includes(key), key + ' = ' + String(bad));
    }
    // The largest setTimeout honours is accepted (on a virtual clock: a real one would
    // keep this process alive for 24.8 days of network wait).
    createLoginManager(Object.assign({}, base, { [key]: 2 ** 31 - 1, clock: createClock() }));
  }
  for (const [key, bad] of [
    ['loginUrl', 'https://api.example.com\\@evil.com/login'], ['loginUrl', 'https://a b.com/login'],
    ['baseUrl', 'https://user@api.example.com'], ['baseUrl', 'https://api.example.com:99999'],
    ['trustedOrigins', ['https://api.example.com', 'https://\tevil.com']], ['retryLimit', 101],
    ['tokenPrefix', 'Bearer\r\n'], ['authFailStatusCodes', [401.5]], ['authFailCodes', [NaN]],
    ['logoutUrl', 'ftp://a.com/x'], ['awaitCheckSession', 'yes'],
  ]) {
    assert.throws(() => createLoginManager(Object.assign({}, base, { [key]: bad })),
      (e) => e instanceof LoginError && e.code === 'INVALID_OPTIONS' && e.message.includes(key), key);
  }
});

/** The median of `xs`. */
const median = (xs) => xs.slice().sort((a, b) => a - b)[xs.length >> 1];
/** ms that `fn()` takes, by the high-resolution clock. */
async function timed(fn) {
  const t0 = performance.now();
  await fn();
  return performance.now() - t0;
}
/**
 * Linear time, asserted as a ratio robust to load: the median cost of 10x the input must
 * stay under 40x the median cost of 1x (linear: about 10x, less with fixed costs;
 * quadratic: about 100x). Small and big runs alternate, so a busy machine slows both.
 */
async function assertLinear(what, small, big, run) {
  await run(small); // warm-up
  const s = [];
  const b = [];
  for (let i = 0; i < 5; i++) {
    s.push(await timed(() => run(small)));
    b.push(await timed(() => run(big)));
  }
  const ratio = median(b) / Math.max(median(s), 0.01);
  console.log(`# ${what}: ${big} / ${small} characters cost ${ratio.toFixed(1)}x (medians ${median(b).toFixed(1)} / ${median(s).toFixed(1)} ms)`);
  assert.ok(ratio < 40, `${what}: 10x the characters cost ${ratio.toFixed(1)}x the time (linear: about 10x)`);
}

test('strings cross the boundary in linear time: a URL and errMsg of 1,000,000 characters cost about 10x those of 100,000', { timeout: 60000 }, async () => {
  const clock = createClock({ start: 1e12 });
  const server = createServer();
  server.loginRoute('/user/login');
  // The errMsg is as long as the URL's path.
  server.route('*', /.*/, (req) => ({ fail: 'request:fail ' + 'é'.repeat(req.path.length - 1) }));
  const fake = createFakeWx({ clock, server });
  const auth = createLoginManager({ loginUrl: 'https://api.example.com/user/login', wx: fake.api, clock, networkWaitMs: 0 });
  await auth.ready;
  const run = async (n) => {
    const url = 'https://api.example.com/' + '中'.repeat(n);
    const e = await clock.runUntil(auth.request({ url: url })).catch((x) => x);
    assert.equal(e.code, 'REQUEST_FAILED');
    assert.equal(e.errMsg.length, 'request:fail '.length + n, 'the errMsg came back whole');
    assert.equal(fake.calls.requests[fake.calls.requests.length - 1].url, url);
  };
  await assertLinear('URL and errMsg through the Core', 100000, 1000000, run);
});

test('the fallback codec (the mini program\'s TextEncoder/TextDecoder) is linear: 10x the characters, about 10x the time', { timeout: 60000 }, async () => {
  const enc = new LinearEncoder();
  const dec = new LinearDecoder();
  const text = (n) => 'é中\ud83d\ude00a'.repeat(n / 5);
  const run = (n) => {
    const s = text(n);
    assert.equal(dec.decode(enc.encode(s)), s);
  };
  await assertLinear('fallback codec round trip', 200000, 2000000, run);
});

test('the fallback codec round-trips any string, surrogates included', () => {
  const enc = new LinearEncoder();
  const dec = new LinearDecoder();
  fc.assert(fc.property(fc.string({ unit: 'grapheme', maxLength: 300 }), (s) => {
    const bytes = enc.encode(s);
    assert.deepEqual(Array.from(bytes), Array.from(Buffer.from(s, 'utf8')));
    assert.equal(dec.decode(bytes), s);
  }), { numRuns: 1000 });
  // Lone surrogates become U+FFFD, as TextEncoder makes them; a huge string is one pass.
  for (const s of ['\ud800', 'a\udc00\udc00b', '\ud83d\ude00\ud83d', '\udbff\udfff\udc00']) {
    assert.deepEqual(Array.from(enc.encode(s)), Array.from(new TextEncoder().encode(s)), JSON.stringify(s));
  }
  const big = 'é中\ud83d\ude00a'.repeat(200000);
  assert.equal(dec.decode(enc.encode(big)), big);
  assert.equal(dec.decode(), '');
  // Bytes that are not UTF-8 (the wasm never sends them) come back, never a throw.
  assert.equal(dec.decode(new Uint8Array([0x61, 0xff, 0x62])), 'a\u00ffb');
});

test('the URL option check and the cold-start origins agree with the regular expressions they replace', () => {
  const { isHttpUrl } = shim('options.js');
  // options.js before the scan (a regex is compiled twice at cold start).
  const HTTP_URL = /^https?:\/\/([A-Za-z0-9._-]+|\[[0-9A-Fa-f:.]+\])(?::(\d{1,5}))?(?:[/?#][^\\\s\x00-\x1f\x7f]*)?$/i;
  // Issue 17: a host whose last label (a trailing dot aside) starts with a digit, unless a
  // plain dotted quad, may be an IPv4 number to WHATWG (127.1, 0x7f.0.0.1): refused.
  const OCTET = '(?:25[0-5]|2[0-4]\\d|1\\d\\d|[1-9]?\\d)';
  const QUAD = new RegExp('^(?:' + OCTET + '\\.){3}' + OCTET + '$');
  const ipv4ish = (host) => /(^|\.)\d[^.]*\.?$/.test(host) && !QUAD.test(host);
  const reference = (v) => {
    const m = typeof v === 'string' && HTTP_URL.exec(v);
    return !!m && (m[2] === undefined || Number(m[2]) <= 65535) && !ipv4ish(m[1]);
  };
  // The `scheme://host[:port]` of an origin, as written.
  const PLAIN = /^(https?:\/\/[^/?#]+)(?=[/?#]|$)/i;
  const url = fc.tuple(
    fc.constantFrom('http://', 'https://', 'HtTpS://', 'http:/', 'https//', 'ftp://', 'ｈttp://', ''),
    fc.array(fc.constantFrom('a', 'Z', '0', '9', '.', '-', '_', '[', ']', '::1', ':', '%', '@', 'é', '\u212a', '\u017f',
      '0', '80', '65535', '65536', '123456', '000080'), { maxLength: 8 }).map((a) => a.join('')),
    fc.constantFrom('', '/', '?q', '#f', '/a\\b', '/a b', '/\u00a0', '/\u2028', '/\ufeff', '/\u3000', '/\ud800', '/中文', ':8080/'),
  ).map((p) => p.join(''));
  fc.assert(fc.property(fc.oneof(url, fc.string({ maxLength: 40 })), (s) => {
    assert.equal(isHttpUrl(s), reference(s), JSON.stringify(s));
    if (reference(s)) {
      const m = PLAIN.exec(s);
      const early = earlyTrust([s]);
      // The origin as written is what earlyTrust trusts: a path on it, nothing else.
      assert.ok(early(m[1] + '/x', m[1] + '/x'), JSON.stringify(s));
      assert.ok(!early(m[1] + '.evil.com/x', m[1] + '.evil.com/x'), JSON.stringify(s));
    }
  }), { numRuns: 20000 });
  for (const v of [undefined, null, 7, {}, ['https://a.com']]) assert.equal(isHttpUrl(v), false);
  for (const s of ['http://a:000080', 'http://a:00080/', 'http://a:65535', 'http://a:65536', 'http://a:', 'https://[::1]:443/x',
    'https://[]/', 'HTTPS://A.COM?x', 'https://a.com/\\', 'https://a_b.com/', 'https://a.com:8080#f', 'https://127.1/',
    'https://0x7f.0.0.1', 'https://2130706433', 'https://127.0.0.01', 'https://1.2.3.4.', 'https://0', 'https://1.2.3.4',
    'https://[1.2.3.4]', 'https://[::ffff:1.2.3.4]:8/x', 'https://[::1.]', 'https://[::1]:', 'https://a:1/x\u00a0', 'https://a:123456']) {
    assert.equal(isHttpUrl(s), reference(s), s);
  }
});
