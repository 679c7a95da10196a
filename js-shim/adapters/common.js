/**
 * What the five adapters share: the ticket a request carries between its attempts, the
 * URL to authorize (read as the manager reads it), and a plain copy of a header object.
 * Bundled into each adapter file of the package (dist/fly.js, dist/axios.js, …), never shipped alone.
 */
import { resolve } from '../trust.js';

/**
 * What an adapter keeps on a library's request config between two attempts: the
 * manager's `ticket` and the page's own `header` and `data`, from before the token was
 * placed (a replay is authorized again from these, so the old token never lingers).
 * A class instance, not a plain object: config-merging code (axios's mergeConfig,
 * luch-request's custom) passes it on as it is instead of deep-copying it.
 */
class Pass {
  /**
   * @param {*} ticket the opaque ticket from `auth.authorize`
   * @param {{header: (object|undefined), data: *, url: string}} original the page's header,
   *   data and URL (put back before a replay, which is read and judged again)
   */
  constructor(ticket, original) {
    this.ticket = ticket;
    this.original = original;
  }
}

/**
 * The URL to ask `auth.authorize` for: the library's `url` read against its `baseURL`
 * with the manager's one reading (js-shim/trust.js `resolve`: an adapter has no notion of
 * absolute of its own); without a `baseURL`, `url` as it is (authorize reads it against
 * the manager's `baseUrl`). The adapter then has the library send the URL authorize hands
 * back: the one judged.
 * @param {string} [baseURL]
 * @param {string} url
 * @returns {string}
 */
function fullUrl(baseURL, url) {
  return resolve(url === undefined || url === null ? '' : String(url), baseURL);
}

/**
 * A plain-object copy of a header collection (axios's AxiosHeaders has `toJSON`).
 * @param {object} [h]
 * @returns {object}
 */
function plainHeader(h) {
  if (!h || typeof h !== 'object') return {};
  return Object.assign({}, typeof h.toJSON === 'function' ? h.toJSON() : h);
}

/**
 * Calls a page's wx-style callback (`success`, `fail`, `complete`) with `value`; a throw
 * in it stays the page's (as wx and the manager's own `request()` do): the callbacks
 * after it still run and no Promise rejects because of it.
 * @param {*} fn
 * @param {*} value
 */
function call(fn, value) {
  try {
    if (typeof fn === 'function') fn(value);
  } catch (e) {
    // The page's bug; the request's outcome stands.
  }
}

/** Whether `options` carries a wx-style callback: the caller asked for callbacks, not a Promise. */
const hasCallback = (options) => ['success', 'fail', 'complete'].some((k) => typeof options[k] === 'function');

/**
 * Throws a TypeError unless `auth` has the interceptor primitives (a manager made by
 * `createLoginManager` of weapp-login 0.2 or later).
 * @param {string} where the adapter function, for the message
 * @param {*} auth
 */
function needAuth(where, auth) {
  if (!auth || typeof auth.authorize !== 'function' || typeof auth.check !== 'function') {
    throw new TypeError(where + ': auth must be a login manager from createLoginManager (with authorize and check)');
  }
}

/**
 * One attempt's `auth.authorize`: the first from the page's own header and data, a replay
 * from the same originals with the previous ticket. Without a `method` (an upload or a
 * download) only the header is asked for, so the token can never land in the data. The
 * adapter sends `options.url`, the URL judged, as it is.
 * @param {object} auth a login manager
 * @param {Pass|null} prev the Pass of the previous attempt, or null for the first
 * @param {{header: (object|undefined), data: *}} original the page's header and data
 * @param {string} url the URL the library will send to
 * @param {string} [method] the HTTP method; omitted for uploads and downloads
 * @returns {Promise<{options: {url: string, header: object, data: *}, pass: Pass}>}
 */
function authorizeAttempt(auth, prev, original, url, method) {
  const ask = { url: url, header: original.header, ticket: prev ? prev.ticket : undefined };
  if (method !== undefined) {
    ask.method = method;
    ask.data = original.data;
  }
  return auth.authorize(ask).then((granted) => ({ options: granted.options, pass: new Pass(granted.ticket, original) }));
}

/**
 * `auth.check` on an answer: `keep()` when it is not an auth failure (or the request
 * carries no Pass: sent with `auth: false`), else `replay()` after the one shared renewal.
 * A LoginError (RETRY_LIMIT, LOGGED_OUT, …) rejects the returned Promise.
 * @param {object} auth a login manager
 * @param {Pass|null} pass the request's Pass
 * @param {{statusCode: number, data: *, header: object}} answer
 * @param {function(): *} replay sends the request again through the library
 * @param {function(): *} keep the library's own outcome for this answer
 * @param {function(Error): *} [failed] takes `auth.check`'s rejection (only that one)
 * @returns {*} `keep()` at once without a Pass, else a Promise of `replay()` or `keep()`
 */
function judge(auth, pass, answer, replay, keep, failed) {
  if (!pass) return keep();
  return auth.check(pass.ticket, answer).then((v) => (v === 'replay' ? replay() : keep()), failed);
}

export { Pass, fullUrl, plainHeader, call, hasCallback, needAuth, authorizeAttempt, judge };
