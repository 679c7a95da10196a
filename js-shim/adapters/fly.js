'use strict';
/**
 * weapp-login/fly: the login manager under a flyio instance (flyio 0.6, its mini-program
 * build `flyio/dist/npm/wx`).
 *
 *   const Fly = require('flyio/dist/npm/wx');
 *   const fly = new Fly();
 *   require('weapp-login/fly').attach(fly, auth);
 *
 * Instead of flyio's documented lock()/unlock() pattern (one wx.login per 401), the
 * request interceptor waits in `auth.authorize` (one shared login) and places the token
 * (trusted origins only); the response interceptors ask `auth.check` and replay the
 * request through `fly.request` with the new token after the one shared renewal.
 * Failures reject the flyio promise with the manager's LoginError (`RETRY_LIMIT`,
 * `LOGGED_OUT`, `WX_LOGIN_FAILED`, …); one from a check passes through the page's
 * error handler first, as flyio's own errors do. `auth: false` in a request's options sends it
 * as it is. flyio keeps one handler per interceptor: a handler set with `use` before
 * `attach` keeps working (the request one runs before the token is placed, the response
 * ones see the answer after any replay); one set after `attach` replaces weapp-login's.
 */
const { Pass, fullUrl, needAuth, authorizeAttempt, judge } = require('./common');

const KEY = '__weappLogin';
const passOf = (request) => (request && request[KEY] instanceof Pass ? request[KEY] : null);

/**
 * Installs weapp-login's request and response interceptors on `fly`.
 * @param {object} fly a flyio instance (`new Fly()`)
 * @param {object} auth a login manager (createLoginManager)
 * @returns {object} `fly`
 */
function attach(fly, auth) {
  if (!fly || !fly.interceptors || !fly.interceptors.request || !fly.interceptors.response) {
    throw new TypeError('weapp-login/fly attach: fly must be a flyio instance');
  }
  needAuth('weapp-login/fly attach', auth);
  const irq = fly.interceptors.request;
  const irp = fly.interceptors.response;
  const pageRequest = irq.handler;
  const pageResponse = irp.handler;
  const pageError = irp.onerror;

  function authorize(request) {
    if (request.auth === false) return request;
    const prev = passOf(request);
    const original = prev ? prev.original
      : { header: Object.assign({}, request.headers), data: request.body, url: request.url };
    return authorizeAttempt(auth, prev, original, fullUrl(request.baseURL, request.url), request.method).then((granted) => {
      // The URL judged (absolute once read): flyio sends an "http…" URL as it is.
      request.url = granted.options.url;
      request.headers = Object.assign({}, granted.options.header);
      if (granted.options.data !== original.data) request.body = granted.options.data;
      // Not enumerable: flyio and page code that log or copy the options never see it.
      Object.defineProperty(request, KEY, { value: granted.pass, configurable: true, writable: true });
      return request;
    });
  }

  irq.use(function weappLoginRequest(request, P) {
    if (!pageRequest) return authorize(request);
    // flyio goes on with the request only when the handler gives back this same object.
    return Promise.resolve(pageRequest.call(this, request, P)).then((r) => (r === undefined || r === request ? authorize(request) : r));
  });

  const onPage = (handler, value, self, P) => {
    if (!handler) return value;
    const r = handler.call(self, value, P);
    return r === undefined ? value : r;
  };
  /** The page's error handler, by flyio's rule: a Promise it returns decides, any other value rejects. */
  const pageFailure = (e, self, P) => {
    const r = onPage(pageError, e, self, P);
    return r && typeof r.then === 'function' ? r : Promise.reject(r);
  };
  /**
   * `auth.check` on an answer; a replay goes through `fly.request` (and these
   * interceptors) again; a LoginError from the check (RETRY_LIMIT, …) goes to the page's
   * error handler as flyio's own errors do.
   */
  function verdict(request, answer, keep, self, P) {
    const pass = passOf(request);
    return judge(auth, pass, { statusCode: answer.status, data: answer.data, header: answer.headers }, () => {
      request.url = pass.original.url; // the page's handler sees its own URL again
      return fly.request(request);
    }, keep, (e) => pageFailure(e, self, P));
  }

  irp.use(function weappLoginResponse(response, P) {
    return verdict(response.request, response, () => onPage(pageResponse, response, this, P), this, P);
  }, function weappLoginError(err, P) {
    const rethrow = () => pageFailure(err, this, P);
    // An HTTP error status carries `response`; a network failure or timeout does not.
    return err && err.response ? verdict(err.request, err.response, rethrow, this, P) : rethrow();
  });
  return fly;
}

module.exports = { attach };
