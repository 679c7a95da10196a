'use strict';
/**
 * Validation of createLoginManager options (API.md). Unknown or ill-typed options are
 * an INVALID_OPTIONS LoginError, thrown synchronously, never silently ignored.
 */
const { LoginError } = require('./errors');

/**
 * An absolute http(s) URL whose origin every standard parser reads alike: a plain host
 * (letters, digits, '.', '-', '_') or a bracketed IPv6 address, an optional port, and no
 * backslash, whitespace or control character anywhere (the core refuses the same).
 * Written without the `i` flag and `\s` (the scheme's letters in both cases, JS's
 * whitespace spelled out): the same language, compiled about 0.2 ms faster on first use,
 * which is inside createLoginManager at cold start.
 */
const HTTP_URL = /^[Hh][Tt][Tt][Pp][Ss]?:\/\/(?:[A-Za-z0-9._-]+|\[[0-9A-Fa-f:.]+\])(?::(\d{1,5}))?(?:[/?#][^\\\x00-\x20\x7f\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000\ufeff]*)?$/;
const isHttpUrl = (v) => {
  const m = isStr(v) && HTTP_URL.exec(v);
  return !!m && (m[1] === undefined || Number(m[1]) <= 65535);
};
const isStr = (v) => typeof v === 'string';
const isCode = (v) => typeof v === 'string' || (typeof v === 'number' && isFinite(v));
const isStatus = (v) => Number.isInteger(v) && v >= 100 && v <= 599;
const isCount = (v) => Number.isInteger(v) && v >= 0;
/** Longest delay setTimeout honours (2^31 - 1 ms, about 24.8 days); more is clamped to ~1 ms. */
const MAX_MS = 2147483647;
const isMs = (v) => isCount(v) && v <= MAX_MS;
const MS = ' (ms, at most ' + MAX_MS + ')';
const isObj = (v) => v !== null && typeof v === 'object';
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

/**
 * Each option: [check, what it must be, default]. Every limit the core enforces is
 * checked here, synchronously, so a bad value never reaches a request.
 */
const SCHEMA = {
  loginUrl: [isHttpUrl, 'an absolute http(s) URL'],
  baseUrl: [isHttpUrl, 'an absolute http(s) URL'],
  wx: [(v) => isObj(v) && WX_METHODS.every((m) => typeof v[m] === 'function'),
    'an object with the wx API (' + WX_METHODS.join(', ') + ')'],
  wasmPath: [(v) => isStr(v) && /\.wasm(\.br)?$/.test(v), 'a path ending in .wasm or .wasm.br'],
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
  awaitCheckSession: [(v) => typeof v === 'boolean', 'a boolean', false],
  logoutUrl: [isHttpUrl, 'an absolute http(s) URL'],
  storageKey: [(v) => isStr(v) && v.length > 0, 'a non-empty string', 'weapp_login_session'],
  trustedOrigins: [(v) => Array.isArray(v) && v.every(isHttpUrl),
    'an array of absolute http(s) origins'],
  onEvent: [(v) => typeof v === 'function', 'a function (event)'],
  clock: [isClock, 'an object with now() (ms), setTimeout(fn, ms) and clearTimeout(handle)', REAL_CLOCK],
};

function invalid(message) {
  return new LoginError('INVALID_OPTIONS', 'invalid options: ' + message);
}

/**
 * Checks `options` and fills in defaults.
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
  for (const key of Object.keys(SCHEMA)) {
    const [check, what, dflt] = SCHEMA[key];
    const v = options[key];
    if (v === undefined) {
      if (dflt !== undefined) out[key] = Array.isArray(dflt) ? dflt.slice() : dflt;
      continue;
    }
    if (!check(v)) throw invalid(key + ' must be ' + what);
    out[key] = v;
  }
  if (out.loginUrl === undefined) throw invalid('loginUrl is required');
  if (out.wx === undefined) {
    if (!SCHEMA.wx[0](defaultWx)) throw invalid('wx is required where no global wx exists');
    out.wx = defaultWx;
  }
  return out;
}

/**
 * The numeric settings of the wasm Core, in the order `Core`'s constructor reads them
 * (src/wasm/mod.rs): retryLimit, loginTimeoutMs, renewMarginMs, loginBackoffMs,
 * loginBackoffMaxMs, recheckAfterHiddenMs, checkSessionTimeoutMs, networkWaitMs (0 where
 * the platform cannot tell its network state), awaitCheckSession (0/1), the backoff
 * jitter's seed. All ms.
 */
function coreNumbers(o) {
  return [
    o.retryLimit,
    o.loginTimeoutMs,
    o.renewMarginMs,
    o.loginBackoffMs,
    Math.max(o.loginBackoffMs, o.loginBackoffMaxMs),
    o.recheckAfterHiddenMs,
    o.checkSessionTimeoutMs,
    typeof o.wx.getNetworkType === 'function' ? o.networkWaitMs : 0,
    o.awaitCheckSession ? 1 : 0,
    Math.floor(Math.random() * 4294967296),
  ];
}

module.exports = { validate, coreNumbers, MAX_MS };
