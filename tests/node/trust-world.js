'use strict';
// What tests/node/trust*.test.js share (issue 17): URLs generated from a grammar of the
// shapes that URL parsers read differently, the real Core's verdict on one (src/origin.rs
// through the shipped wasm), the standard reading a URL must get (pkg/REFERENCE.md, "One URL, read
// once"), and a synchronous recording wx.
const path = require('path');
const assert = require('node:assert/strict');
const fc = require('fast-check');
const { shim } = require('./shim-under-test.js');

/** The package under test: pkg/dist, or WEAPP_LOGIN_DIST (e.g. another build, to compare). */
const DIST = path.resolve(process.env.WEAPP_LOGIN_DIST || path.join(__dirname, '../../pkg/dist'));
const WASM = path.join(__dirname, '../../pkg/dist/weapp_login_bg.wasm.br');
const LOGIN = 'https://api.example.com/user/login';
const BASE = 'https://api.example.com/v1';
const TRUSTED = ['https://api.example.com', 'http://127.0.0.1:8080', 'https://api.kakao.com', 'https://[::1]:8443'];
/** Generated URLs per path; WEAPP_TRUST_RUNS=100000 for a longer run. */
const RUNS = Number(process.env.WEAPP_TRUST_RUNS) || 10000;
const NUMBERS = [3, 10000, 60000, 1000, 60000, 300000, 5000, 0, 0, 1];

/** The Core's own verdict (a second Core with the same trusted origins): `trusts(url)`. */
let verdict = null;
async function coreVerdict() {
  if (verdict === null) verdict = oneCore();
  return verdict;
}
async function oneCore() {
  const { load, register } = shim('loader.js');
  const wasm = await load(WASM);
  const h = register({ cmd() {}, text() {} });
  assert.ok(wasm.newCore(h, [LOGIN, BASE, '', '401'].concat(TRUSTED).join('\n'), ...NUMBERS, true, Date.now(), -1));
  return (url) => wasm.trusts(h, url);
}

/**
 * The reading pkg/REFERENCE.md promises, written from its text: a URL with a scheme as it is; two
 * slashes or backslashes first: after the base's scheme; else a path under the base.
 */
function standard(raw, base) {
  if (/^[A-Za-z][A-Za-z0-9+.-]*:/.test(raw)) return raw;
  if (/^[/\\]{2}/.test(raw)) return base.slice(0, base.indexOf(':') + 1) + raw;
  return base + (raw[0] === '/' ? '' : '/') + raw;
}

/** The origin WHATWG's URL gives `url` (read against `base`), or null where it cannot. */
function whatwgOrigin(url, base) {
  try {
    return new URL(url, base === undefined ? undefined : base + '/').origin;
  } catch (e) {
    return null;
  }
}
const TRUSTED_ORIGINS = TRUSTED.map((o) => new URL(o).origin);

/** URL pieces that make parsers disagree (issue 17's list), and plain ones. */
const SCHEMES = ['https://', 'http://', 'HTTPS://', 'https:/', 'https:', 'http:\\\\', 'https:\\', 'http:/\\', '//', '///',
  '\\\\', '/\\', '\\/', '\\', '/', '', ' https://', '\thttps://', 'https:\t//', 'javascript:', 'ftp://', 'api:', 'ｈttps://'];
const HOSTS = ['api.example.com', 'API.Example.com', 'api.example.com.', 'cdn.example.com', 'evil.com',
  'api.example.com.evil.com', 'api.kakao.com', 'api.ka\u212aao.com', 'api.KaKao.com', 'api.\u212aa\u212aao.com', 'аpi.example.com',
  '127.0.0.1', '127.1', '0x7f.0.0.1', '2130706433', '127.0.0.01', '127.0.0.1.', '0', '1.2.3.4.', '[::1]', '[::1',
  'user@api.example.com', 'api.example.com@evil.com', 'api.example.com\\@evil.com', 'api.example.com%2eevil.com',
  'api%2eexample.com', 'api.example.com\u0000', 'api.example.com\t', ' api.example.com', 'api.example.com\n.evil.com',
  'a_b.example.com', 'xn--80ak6aa92e.com', ''];
const PORTS = ['', ':443', ':8080', ':8443', ':80', ':0443', ':', ':99999', ':443@evil.com', ':8080\\@evil.com'];
const PATHS = ['', '/', '/x', '/api/x?q=1', '?q', '#f', '\\evil.com/x', '/a b', '/\t', '//evil.com', '/@evil.com',
  '/%2e%2e/x', '/中文?x=é', '/\u2028', '/\ufeff',
  // A trusted origin later in the URL: only its start may name the origin (`http:evil.com?to=https://api…`).
  '?to=https://api.example.com/x', '/https://api.example.com'];
const RELATIVE = ['x', 'api/x', '?q', '#f', '.', '..', '@evil.com', 'evil.com:443/x', 'api.example.com/x', '%2f%2fevil.com',
  '\u212a', ' //evil.com/x', '\t//evil.com/x', '/\t/evil.com/x'];

const url = fc.oneof(
  { weight: 6, arbitrary: fc.tuple(fc.constantFrom(...SCHEMES), fc.constantFrom(...HOSTS), fc.constantFrom(...PORTS),
    fc.constantFrom(...PATHS)).map((p) => p.join('')) },
  { weight: 2, arbitrary: fc.tuple(fc.constantFrom(...RELATIVE, ...PATHS), fc.constantFrom('', ...PATHS)).map((p) => p.join('')) },
  { weight: 1, arbitrary: fc.string({ unit: fc.constantFrom(...'/\\:@.%?#aK\u212a1x \t'.split('')), maxLength: 24 }) },
).filter((u) => u !== '');

/**
 * A recording wx whose every answer is synchronous: `calls` lists each request as the
 * manager handed it over ({api, url, header}); the login POST (`{code}`) answers token `TKN`.
 * @param {object} [stored] a persisted session to start with
 */
function syncWx(stored) {
  const calls = [];
  const store = new Map(stored ? [['weapp_login_session', stored]] : []);
  const answer = (api) => (o) => {
    calls.push({ api: api, url: o.url, header: Object.assign({}, o.header) });
    const data = o.method === 'POST' && o.data && typeof o.data.code === 'string' ? { token: 'TKN' } : {}; // the login POST
    if (typeof o.success === 'function') o.success({ statusCode: 200, data: data, header: {}, errMsg: api + ':ok' });
    return { abort() {} };
  };
  const wx = {
    login: (o) => o.success({ code: 'c' + calls.length, errMsg: 'login:ok' }),
    checkSession: (o) => o.success({ errMsg: 'checkSession:ok' }),
    request: answer('request'),
    downloadFile: answer('downloadFile'),
    uploadFile: answer('uploadFile'),
    getStorageSync: (k) => (store.has(k) ? store.get(k) : ''),
    setStorageSync: (k, v) => { store.set(k, v); },
    removeStorageSync: (k) => { store.delete(k); },
  };
  return { wx, calls, store };
}

/** The token header a recorded request carries, if any. */
const tokenOf = (call) => call.header.Authorization;

module.exports = { DIST, LOGIN, BASE, TRUSTED, TRUSTED_ORIGINS, RUNS, coreVerdict, standard, whatwgOrigin, url, syncWx, tokenOf, shim };
