/**
 * Validation of createLoginManager options (pkg/REFERENCE.md, "Options"). Unknown or ill-typed options are
 * an INVALID_OPTIONS LoginError, thrown synchronously, never silently ignored.
 */
import { invalid } from './invalid.js';
import { MAX_MS } from './values.js';

const isDigit = (c) => c >= 48 && c <= 57;
/**
 * Where the authority of an absolute http(s) URL starts (7 or 8), or -1: the scheme in any
 * case, then "://".
 * @param {string} v
 * @returns {number}
 */
function authorityStart(v) {
  // ASCII letters in lower case (`| 32`; nothing else becomes "http" or "s" that way).
  if ((v.charCodeAt(0) | 32) !== 104 || (v.charCodeAt(1) | 32) !== 116 || (v.charCodeAt(2) | 32) !== 116
      || (v.charCodeAt(3) | 32) !== 112) return -1; // http
  const i = (v.charCodeAt(4) | 32) === 115 ? 5 : 4; // s
  return v.startsWith('://', i) ? i + 3 : -1;
}

/**
 * An absolute http(s) URL whose origin every standard parser reads alike: a plain host
 * (letters, digits, '.', '-', '_'; not an IPv4 number other than a dotted quad) or a
 * bracketed IPv6 address (hex digits, ':', '.'), an optional port of 1 to 5 digits up to
 * 65535, then nothing or '/', '?' or '#', and no backslash, whitespace or control character
 * anywhere (the core refuses the same).
 * A scan rather than a regular expression: V8 compiles a regex on its first use and again
 * on its second (to native code), about 0.15 ms inside createLoginManager at cold start;
 * and one function with its character classes written out, not one small function per
 * class, because each function is compiled on its first call, and this one runs before
 * the early wx.login (tests/node/boundary.test.js checks it against the regex it replaces).
 * @param {unknown} v
 * @returns {boolean}
 */
function isHttpUrl(v) {
  if (typeof v !== 'string') return false;
  const i = authorityStart(v);
  if (i < 0) return false;
  const n = v.length;
  let j = i;
  let c = v.charCodeAt(j);
  if (c === 91) { // '[': IPv6
    do c = v.charCodeAt(++j);
    while ((c >= 48 && c <= 58) || (c >= 97 && c <= 102) || (c >= 65 && c <= 70) || c === 46);
    if (j === i + 1 || c !== 93) return false; // ']'
    c = v.charCodeAt(++j);
  } else {
    while ((c >= 97 && c <= 122) || (c >= 65 && c <= 90) || (c >= 48 && c <= 57) || c === 46 || c === 45 || c === 95) {
      c = v.charCodeAt(++j);
    }
    if (j === i) return false;
  }
  // A host WHATWG may read as an IPv4 number (`127.1`, `0x7f.0.0.1`, `2130706433`,
  // `127.0.0.01`, `1.2.3.4.`, `0`): its last label (a trailing dot aside) starts with a
  // digit, and it is no plain dotted quad. The Core refuses it (src/origin.rs `ipv4_like`);
  // this refuses a little more (a last label such as `1a`, which no TLD is, and a bracketed
  // host ending in one, `[::ffff:1.2.3.4]`).
  const q = v.slice(i, j).split('.');
  if (isDigit((q[q.length - 1] || q[q.length - 2]).charCodeAt(0))
      && !(q.length === 4 && q.every((x) => String(+x) === x && +x < 256))) return false;
  if (c === 58) { // ':' and a port
    const k = j + 1;
    do c = v.charCodeAt(++j); while (c >= 48 && c <= 57);
    if (j === k || j - k > 5 || Number(v.slice(k, j)) > 65535) return false;
  }
  if (j === n) return true;
  if (c !== 47 && c !== 63 && c !== 35) return false; // '/', '?', '#'
  // No backslash, control character or whitespace as JS reads it (`\s`: its regex is
  // compiled only for a non-ASCII character, so never at a usual cold start).
  for (let k = j + 1; k < n; k++) {
    c = v.charCodeAt(k);
    if (c <= 0x20 || c === 92 || c === 0x7f || (c > 0x7f && /\s/.test(v[k]))) return false;
  }
  return true;
}

const isStr = (v) => typeof v === 'string';
const isCode = (v) => typeof v === 'string' || (typeof v === 'number' && isFinite(v));
const isStatus = (v) => Number.isInteger(v) && v >= 100 && v <= 599;
const isCount = (v) => Number.isInteger(v) && v >= 0;
const isMs = (v) => isCount(v) && v <= MAX_MS;
const MS = ' (ms, at most ' + MAX_MS + ')';
const isObj = (v) => v !== null && typeof v === 'object';
const isBool = (v) => typeof v === 'boolean';
const isClock = (v) => isObj(v) && typeof v.now === 'function'
  && typeof v.setTimeout === 'function' && typeof v.clearTimeout === 'function';

/**
 * The host's real clock: `Date.now()` and the global timers, read at each call (so a
 * test that swaps the globals later is still obeyed).
 */
const REAL_CLOCK = {
  now: () => Date.now(),
  setTimeout: (fn, ms) => setTimeout(fn, ms),
  clearTimeout: (handle) => clearTimeout(handle),
  /** The manager may leave an idle timer armed (a harmless wake) instead of churning it. */
  idle: true,
};

/** What the manager calls on the platform object (wx, tt, qq, Taro, uni), always. */
const WX_METHODS = ['login', 'checkSession', 'request', 'getStorageSync', 'setStorageSync', 'removeStorageSync'];

/** What a URL option must be (an IPv4 host other than a dotted quad is read differently by parsers). */
const HTTP_URL = 'an absolute http(s) URL (an IPv4 host as a dotted quad: 127.0.0.1, not 127.1)';

/**
 * Each option: [check, what it must be, default]. Every limit the core enforces is
 * checked here, synchronously, so a bad value never reaches a request.
 */
const SCHEMA = {
  loginUrl: [isHttpUrl, HTTP_URL],
  baseUrl: [isHttpUrl, HTTP_URL],
  wx: [(v) => isObj(v) && WX_METHODS.every((m) => typeof v[m] === 'function'),
    'an object with the wx API (' + WX_METHODS.join(', ') + ')'],
  wasmPath: [(v) => isStr(v) && /^\/[^\\]*\.wasm(\.br)?$/.test(v), 'an absolute path ending in .wasm or .wasm.br'],
  tokenField: [(v) => isStr(v) && v.length > 0, 'a non-empty string', 'token'],
  expiresInField: [(v) => isStr(v) && v.length > 0, 'a non-empty string', 'expiresIn'],
  tokenHeader: [(v) => isStr(v) && /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/.test(v), 'an HTTP header name', 'Authorization'],
  tokenPrefix: [(v) => isStr(v) && /^[\x20\x21-\x7e]*$/.test(v) && !/^\s/.test(v), 'visible ASCII (spaces allowed, not leading)', 'Bearer '],
  tokenIn: [(v) => v === 'header' || v === 'data', "'header' or 'data'", 'header'],
  tokenDataField: [(v) => isStr(v) && v.length > 0, 'a non-empty string', 'token'],
  authFailStatusCodes: [(v) => Array.isArray(v) && v.every(isStatus), 'an array of HTTP statuses', [401]],
  authFailCodeField: [(v) => isStr(v) && v.length > 0, 'a non-empty string'],
  authFailCodes: [(v) => Array.isArray(v) && v.every(isCode), 'an array of strings or finite numbers', []],
  isAuthFailure: [(v) => typeof v === 'function', 'a function (result) => boolean'],
  retryLimit: [(v) => isCount(v) && v <= 100, 'an integer from 0 to 100', 3],
  loginTimeoutMs: [(v) => isMs(v) && v > 0, 'a positive integer' + MS, 10000],
  renewMarginMs: [isMs, 'a non-negative integer' + MS, 60000],
  loginBackoffMs: [isMs, 'a non-negative integer' + MS + '; 0 turns backoff off', 1000],
  loginBackoffMaxMs: [isMs, 'a non-negative integer' + MS, 60000],
  recheckAfterHiddenMs: [isMs, 'a non-negative integer' + MS, 300000],
  checkSessionTimeoutMs: [(v) => isMs(v) && v > 0, 'a positive integer' + MS, 5000],
  networkWaitMs: [isMs, 'a non-negative integer' + MS + '; 0 does not wait', 3000],
  awaitCheckSession: [isBool, 'a boolean', false],
  logoutUrl: [isHttpUrl, HTTP_URL],
  storageKey: [(v) => isStr(v) && v.length > 0, 'a non-empty string', 'weapp_login_session'],
  trustedOrigins: [(v) => Array.isArray(v) && v.every(isHttpUrl),
    'an array of ' + HTTP_URL],
  onEvent: [(v) => typeof v === 'function', 'a function (event)'],
  allowHttp: [isBool, 'a boolean', false],
  earlyLogin: [isBool, 'a boolean', true],
  clock: [isClock, 'an object with now() (ms), setTimeout(fn, ms) and clearTimeout(handle)', REAL_CLOCK],
};

/**
 * Checks `options` and fills in defaults; refuses what the Core would refuse of the origins
 * (IPv4-number hosts) and an `http:` origin without `allowHttp` (pkg/REFERENCE.md, Options).
 * @param {object} options as given to createLoginManager
 * @param {object} [defaultWx] the platform object to use when `options.wx` is absent
 * @returns {object} a new object with every option that has a value
 * @throws {LoginError} INVALID_OPTIONS naming the first bad option
 */
function validate(options, defaultWx) {
  if (!isObj(options)) throw invalid('createLoginManager needs an options object');
  const out = {};
  for (const key of Object.keys(options)) {
    if (!Object.prototype.hasOwnProperty.call(SCHEMA, key)) throw invalid('unknown option ' + key);
  }
  for (const key in SCHEMA) {
    const rule = SCHEMA[key]; // [check, what it must be, default]: indexed, not destructured (no iterator)
    const v = options[key];
    if (v === undefined) {
      const dflt = rule[2];
      if (dflt !== undefined) out[key] = Array.isArray(dflt) ? dflt.slice() : dflt;
      continue;
    }
    if (!rule[0](v)) throw invalid(key + ' must be ' + rule[1]);
    out[key] = v;
  }
  if (out.loginUrl === undefined) throw invalid('loginUrl is required');
  if (out.wx === undefined) {
    if (!SCHEMA.wx[0](defaultWx)) throw invalid('wx is required where no global wx exists');
    out.wx = defaultWx;
  }
  // An http: origin sends the token in clear: refused unless asked for, or loopback.
  if (!out.allowHttp) {
    for (const v of [out.loginUrl].concat(out.baseUrl || [], out.trustedOrigins || [])) {
      if (authorityStart(v) === 7 && !/^http:\/\/(localhost|127\.0\.0\.1|\[::1\])([:/?#]|$)/i.test(v)) {
        throw invalid(v + ' is http: set allowHttp: true, or use https');
      }
    }
  }
  return out;
}

export { validate, isHttpUrl };
