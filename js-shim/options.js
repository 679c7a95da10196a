'use strict';
/**
 * Validation of createLoginManager options (API.md). Unknown or ill-typed options are
 * an INVALID_OPTIONS LoginError, thrown synchronously, never silently ignored.
 */
const { LoginError } = require('./errors');

const ABSOLUTE_HTTP = /^https?:\/\/[^/?#\s]+/i;
const isStr = (v) => typeof v === 'string';
const isCode = (v) => typeof v === 'string' || (typeof v === 'number' && isFinite(v));
const isStatus = (v) => Number.isInteger(v) && v >= 100 && v <= 599;
const isCount = (v) => Number.isInteger(v) && v >= 0;
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
};

/** What the manager calls on the platform object (wx, tt, qq, Taro, uni), always. */
const WX_METHODS = ['login', 'checkSession', 'request', 'getStorageSync', 'setStorageSync', 'removeStorageSync'];

/** Each option: [check, what it must be, default]. */
const SCHEMA = {
  loginUrl: [(v) => isStr(v) && ABSOLUTE_HTTP.test(v), 'an absolute http(s) URL'],
  baseUrl: [(v) => isStr(v) && ABSOLUTE_HTTP.test(v), 'an absolute http(s) URL'],
  wx: [(v) => isObj(v) && WX_METHODS.every((m) => typeof v[m] === 'function'),
    'an object with the wx API (' + WX_METHODS.join(', ') + ')'],
  wasmPath: [(v) => isStr(v) && /\.wasm(\.br)?$/.test(v), 'a path ending in .wasm or .wasm.br'],
  tokenField: [(v) => isStr(v) && v.length > 0, 'a non-empty string', 'token'],
  expiresInField: [(v) => isStr(v) && v.length > 0, 'a non-empty string', 'expiresIn'],
  tokenHeader: [(v) => isStr(v) && /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/.test(v), 'an HTTP header name', 'Authorization'],
  tokenPrefix: [isStr, 'a string', 'Bearer '],
  tokenIn: [(v) => v === 'header' || v === 'data', "'header' or 'data'", 'header'],
  tokenDataField: [(v) => isStr(v) && v.length > 0, 'a non-empty string', 'token'],
  authFailStatusCodes: [(v) => Array.isArray(v) && v.every(isStatus), 'an array of HTTP statuses', [401]],
  authFailCodeField: [(v) => isStr(v) && v.length > 0, 'a non-empty string'],
  authFailCodes: [(v) => Array.isArray(v) && v.every(isCode), 'an array of strings or numbers', []],
  isAuthFailure: [(v) => typeof v === 'function', 'a function (result) => boolean'],
  retryLimit: [(v) => isCount(v) && v <= 100, 'an integer from 0 to 100', 3],
  loginTimeoutMs: [(v) => isCount(v) && v > 0, 'a positive integer (ms)', 10000],
  renewMarginMs: [isCount, 'a non-negative integer (ms)', 60000],
  loginBackoffMs: [isCount, 'a non-negative integer (ms); 0 turns backoff off', 1000],
  loginBackoffMaxMs: [isCount, 'a non-negative integer (ms)', 60000],
  recheckAfterHiddenMs: [isCount, 'a non-negative integer (ms)', 300000],
  storageKey: [(v) => isStr(v) && v.length > 0, 'a non-empty string', 'weapp_login_session'],
  trustedOrigins: [(v) => Array.isArray(v) && v.every((o) => isStr(o) && ABSOLUTE_HTTP.test(o)),
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

/** The data part of the options, as the wasm Core reads it (no functions, no wx). */
function coreOptions(o) {
  const c = {
    loginUrl: o.loginUrl,
    tokenField: o.tokenField,
    expiresInField: o.expiresInField,
    authFailStatusCodes: o.authFailStatusCodes,
    authFailCodes: o.authFailCodes.map(String),
    retryLimit: o.retryLimit,
    loginTimeoutMs: o.loginTimeoutMs,
    renewMarginMs: o.renewMarginMs,
    loginBackoffMs: o.loginBackoffMs,
    loginBackoffMaxMs: Math.max(o.loginBackoffMs, o.loginBackoffMaxMs),
    seed: Math.floor(Math.random() * 4294967296), // the backoff jitter's seed
    recheckAfterHiddenMs: o.recheckAfterHiddenMs,
  };
  if (o.baseUrl !== undefined) c.baseUrl = o.baseUrl;
  if (o.trustedOrigins !== undefined) c.trustedOrigins = o.trustedOrigins;
  if (o.authFailCodeField !== undefined) c.authFailCodeField = o.authFailCodeField;
  return c;
}

module.exports = { validate, coreOptions };
