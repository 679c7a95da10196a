/**
 * Reading what the host hands in (wx results, thrown values, page options) without
 * letting a throwing getter, a thenable or an odd type escape into the manager, and
 * calling page code without letting its throws escape either (js-shim/manager.js).
 */

const noop = () => {};

/** Longest delay setTimeout honours (2^31 - 1 ms, about 24.8 days); more is clamped to ~1 ms. */
const MAX_MS = 2147483647;

/** `v[key]` without letting a throwing getter escape; `undefined` for non-objects. */
function get(v, key) {
  if (v === null || (typeof v !== 'object' && typeof v !== 'function')) return undefined;
  try {
    return v[key];
  } catch (e) {
    return undefined;
  }
}

/** The value at a dotted path (`'data.token'`), read defensively. */
function atPath(v, path) {
  const keys = path.split('.');
  for (let i = 0; i < keys.length && v !== undefined; i++) v = get(v, keys[i]);
  return v;
}

/** The `errMsg` of a wx fail result, or the message of a thrown value; never throws. */
function errMsgOf(e, fallback) {
  const m = get(e, 'errMsg');
  if (typeof m === 'string') return m;
  const msg = get(e, 'message');
  if (typeof msg === 'string') return msg;
  return typeof e === 'string' ? e : fallback;
}

/**
 * The top-level keys of a login answer's body, for a message that names the fix (never
 * its values); the type of a body that is not an object; never throws.
 */
function keysOf(d) {
  try {
    return d !== null && typeof d === 'object' ? Object.keys(d).join(', ') : typeof d;
  } catch (e) {
    return '?';
  }
}

/**
 * A wx success result as page code may receive it: the object itself, unless it is a
 * thenable (which a Promise would adopt instead of resolving with): then a plain copy.
 */
function plainResult(r) {
  if (r === null || typeof r !== 'object') return { statusCode: 0, data: r };
  let then;
  try {
    then = r.then;
  } catch (e) {
    then = null;
  }
  if (then === undefined) return r;
  const copy = {};
  for (const k of ['data', 'statusCode', 'header', 'cookies', 'errMsg', 'tempFilePath', 'filePath', 'profile']) {
    const v = get(r, k);
    if (v !== undefined) copy[k] = v;
  }
  return copy;
}

/** A result's `statusCode` as a whole number from 0 to 999; 0 when absent or unreadable. */
function statusOf(r) {
  let s;
  try {
    s = r.statusCode;
  } catch (e) {
    return 0;
  }
  return typeof s === 'number' && s >= 0 && s <= 999 ? Math.floor(s) : 0;
}

/** Taro-style Promise returns are never left rejected unhandled (the callback reported it). */
function quiet(returned) {
  const then = get(returned, 'then');
  if (typeof then === 'function') {
    try {
      then.call(returned, undefined, noop);
    } catch (e) {
      // A broken thenable: nothing to quiet.
    }
  }
}

/** A guard true on its first call only (a callback called twice, or success and fail both: the first counts). */
function guard() {
  let done = false;
  return () => !done && (done = true);
}

/** Calls a page's wx-style callback; its bugs stay its own. */
function callback(fn, arg) {
  if (typeof fn !== 'function') return;
  try {
    fn(arg);
  } catch (e) {
    // A page's callback must not break the manager.
  }
}

export { MAX_MS, get, atPath, errMsgOf, keysOf, plainResult, statusOf, quiet, callback, guard, noop };
