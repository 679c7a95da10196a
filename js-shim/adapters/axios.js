'use strict';
/**
 * weapp-login/axios: the login manager under an axios instance that sends through a
 * mini-program adapter (e.g. axios-miniprogram-adapter).
 *
 *   const axios = require('axios');
 *   const api = axios.create({ baseURL: 'https://api.example.com', adapter: require('axios-miniprogram-adapter') });
 *   require('weapp-login/axios').attach(api, auth);
 *
 * A request interceptor waits in `auth.authorize` (one shared login for every request
 * that finds no login state) and places the token (trusted origins only); a response
 * interceptor asks `auth.check` of every answer, 2xx (body-code failures) and error
 * statuses alike, and replays the request through `instance.request` after the one
 * shared renewal. Failures reject through axios's error path with the manager's
 * LoginError (`RETRY_LIMIT`, `LOGGED_OUT`, …); other errors pass unchanged.
 * `weappLogin: false` in a request's config sends it as it is (no token, no login); the
 * older `auth: false` still does (axios's basic-auth `auth` treats false as absent), but
 * axios's types give `auth` to basic credentials, so TypeScript refuses it. A request
 * cancelled (`cancelToken`, `signal`) while it waits for the login rejects at once with
 * axios's CanceledError. Call `attach` before adding your own interceptors: axios
 * runs request interceptors last-added first, so yours see the config before the token
 * is placed, and response interceptors in order, so yours see the answer after any replay.
 */
const { Pass, fullUrl, plainHeader, needAuth, authorizeAttempt, judge } = require('./common');

/**
 * The config key that carries the Pass between attempts (kept as it is by mergeConfig);
 * `false` there is the page's per-request opt-out.
 */
const KEY = 'weappLogin';
const passOf = (config) => (config && config[KEY] instanceof Pass ? config[KEY] : null);

/** Marks a config cancelled while it waited in `auth.authorize` (it never gets the token). */
const CANCELLED = {};

/**
 * Calls `fn` once `config`'s `cancelToken` or `signal` cancels (at once if it has);
 * returns a function that stops watching.
 * @param {object} config an axios request config
 * @param {function(): void} fn
 * @returns {function(): void}
 */
function watchCancel(config, fn) {
  const token = config.cancelToken;
  const signal = config.signal;
  if (token && typeof token.subscribe === 'function') token.subscribe(fn);
  if (signal && signal.aborted) fn();
  else if (signal && typeof signal.addEventListener === 'function') signal.addEventListener('abort', fn);
  return () => {
    if (token && typeof token.unsubscribe === 'function') token.unsubscribe(fn);
    if (signal && typeof signal.removeEventListener === 'function') signal.removeEventListener('abort', fn);
  };
}

/**
 * Installs weapp-login's interceptors on an axios instance.
 * @param {object} instance an axios instance (`axios.create(...)`) or axios itself
 * @param {object} auth a login manager (createLoginManager)
 * @returns {{request: number, response: number}} the interceptor ids (for `eject`)
 */
function attach(instance, auth) {
  if (!instance || !instance.interceptors || typeof instance.request !== 'function') {
    throw new TypeError('weapp-login/axios attach: instance must be an axios instance');
  }
  needAuth('weapp-login/axios attach', auth);

  const request = instance.interceptors.request.use(function weappLoginRequest(config) {
    if (config[KEY] === false || config.auth === false) return config;
    const prev = passOf(config);
    const original = prev ? prev.original
      : { header: plainHeader(config.headers), data: config.data, url: config.url, baseURL: config.baseURL };
    const method = String(config.method || 'get').toUpperCase();
    let stop = null;
    const cancelled = new Promise((resolve) => { stop = watchCancel(config, resolve); });
    const granted = authorizeAttempt(auth, prev, original, fullUrl(config.baseURL, config.url), method).then((granted) => {
      stop();
      if (config[KEY] === CANCELLED) return config;
      // The URL judged, absolute once read; with no baseURL left, axios sends it as it is
      // (even under allowAbsoluteUrls: false, which would put a baseURL before it).
      config.url = granted.options.url;
      config.baseURL = '';
      // A plain object: axios 1.x turns it back into AxiosHeaders in dispatchRequest.
      config.headers = Object.assign({}, granted.options.header);
      config.data = granted.options.data;
      config[KEY] = granted.pass;
      return config;
    });
    // Cancelled while waiting for the login: the config goes on as it was (no token), and
    // axios's dispatchRequest rejects it at once with its own CanceledError.
    return Promise.race([granted, cancelled.then(() => {
      config[KEY] = CANCELLED;
      return config;
    })]);
  });

  /** `auth.check` on an axios response; a replay runs the whole chain again. */
  function verdict(response, keep) {
    const config = response.config;
    const pass = passOf(config);
    return judge(auth, pass, { statusCode: response.status, data: response.data, header: plainHeader(response.headers) }, () => {
      // The page's interceptors see its own URL again.
      config.url = pass.original.url;
      config.baseURL = pass.original.baseURL;
      return instance.request(config);
    }, keep);
  }

  const response = instance.interceptors.response.use(
    (res) => verdict(res, () => res),
    (err) => (err && err.response && err.response.config
      ? verdict(err.response, () => Promise.reject(err))
      : Promise.reject(err)),
  );
  return { request: request, response: response };
}

module.exports = { attach };
