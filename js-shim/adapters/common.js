'use strict';
/**
 * What the five adapters share: the ticket a request carries between its attempts, the
 * URL a library will really send to, and a plain copy of a header object. Bundled into
 * each adapter file of the package (dist/fly.js, dist/axios.js, …), never shipped alone.
 */

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
   * @param {{header: (object|undefined), data: *}} original the page's header and data
   */
  constructor(ticket, original) {
    this.ticket = ticket;
    this.original = original;
  }
}

/** `<scheme>://` or `//` at the start: the library sends it as it is (axios, luch-request). */
const ABSOLUTE = /^([a-z][a-z\d+\-.]*:)?\/\//i;

/**
 * The URL a library sends to: `url` when absolute, else `baseURL` and `url` joined with
 * one slash, as axios's and luch-request's combineURLs do (flyio's rule is the same for
 * http(s) URLs). Without a `baseURL` a relative `url` is left for the manager's `baseUrl`.
 * @param {string} [baseURL]
 * @param {string} url
 * @returns {string}
 */
function fullUrl(baseURL, url) {
  const u = url === undefined || url === null ? '' : String(url);
  if (ABSOLUTE.test(u) || !baseURL) return u;
  return u ? String(baseURL).replace(/\/+$/, '') + '/' + u.replace(/^\/+/, '') : String(baseURL);
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
 * download) only the header is asked for, so the token can never land in the data.
 * @param {object} auth a login manager
 * @param {Pass|null} prev the Pass of the previous attempt, or null for the first
 * @param {{header: (object|undefined), data: *}} original the page's header and data
 * @param {string} url the URL the library will send to
 * @param {string} [method] the HTTP method; omitted for uploads and downloads
 * @returns {Promise<{options: {header: object, data: *}, pass: Pass}>}
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

module.exports = { Pass, fullUrl, plainHeader, needAuth, authorizeAttempt, judge };
