'use strict';
/**
 * weapp-login/luch-request: the login manager under a luch-request instance (uni-app).
 *
 *   import Request from 'luch-request';
 *   const http = new Request({ baseURL: 'https://api.example.com' });
 *   require('weapp-login/luch-request').attach(http, auth);
 *
 * A request interceptor waits in `auth.authorize` (one shared login) and places the
 * token (trusted origins only; `http.upload`/`http.download` get it in the header); a
 * response interceptor asks `auth.check` of every answer (2xx with a body code, and
 * the error statuses luch-request rejects with) and replays through `http.request`
 * after the one shared renewal. Failures reject with the manager's LoginError; a
 * network failure passes unchanged. `custom: { auth: false }` (luch-request's place for
 * your own fields) sends a request as it is. Call `attach` before adding your own
 * interceptors: luch-request runs request interceptors last-added first and response
 * interceptors in order, so yours see the config before the token is placed and the
 * answer after any replay.
 */
const { Pass, fullUrl, needAuth, authorizeAttempt, judge } = require('./common');

/** Where the Pass rides between attempts: `custom`, the one object mergeConfig keeps. */
const KEY = 'weappLogin';
const passOf = (config) => (config && config.custom && config.custom[KEY] instanceof Pass ? config.custom[KEY] : null);
/** upload and download are not wx.request: the token goes in the header, never in data. */
const FILE_METHODS = { UPLOAD: 1, DOWNLOAD: 1 };

/**
 * Installs weapp-login's interceptors on a luch-request instance.
 * @param {object} http a luch-request instance (`new Request(...)`)
 * @param {object} auth a login manager (createLoginManager)
 * @returns {object} `http`
 */
function attach(http, auth) {
  if (!http || !http.interceptors || typeof http.request !== 'function') {
    throw new TypeError('weapp-login/luch-request attach: http must be a luch-request instance');
  }
  needAuth('weapp-login/luch-request attach', auth);

  http.interceptors.request.use(function weappLoginRequest(config) {
    if (config.custom && config.custom.auth === false) return config;
    const prev = passOf(config);
    const file = FILE_METHODS[config.method] === 1;
    const original = prev ? prev.original : { header: Object.assign({}, config.header), data: config.data, url: config.url };
    const url = fullUrl(config.baseURL, config.url);
    return authorizeAttempt(auth, prev, original, url, file ? undefined : config.method).then((granted) => {
      config.url = granted.options.url; // the URL judged: absolute once read, sent as it is
      config.header = Object.assign({}, granted.options.header);
      if (!file) config.data = granted.options.data;
      config.custom = Object.assign({}, config.custom, { [KEY]: granted.pass });
      return config;
    });
  }, (err) => Promise.reject(err));

  /** `auth.check` on an answer (`statusCode` absent: no answer, nothing to check). */
  function verdict(response, keep) {
    const pass = response && typeof response.statusCode === 'number' ? passOf(response.config) : null;
    return judge(auth, pass, { statusCode: response && response.statusCode, data: response && response.data,
      header: response && response.header }, () => {
      response.config.url = pass.original.url; // the page's interceptors see its own URL again
      return http.request(response.config);
    }, keep);
  }

  http.interceptors.response.use(
    (response) => verdict(response, () => response),
    (response) => verdict(response, () => Promise.reject(response)),
  );
  return http;
}

module.exports = { attach };
