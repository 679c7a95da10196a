'use strict';
/**
 * weapp-login/uni: the login manager as uni-app interceptors on `uni.request`,
 * `uni.uploadFile` and `uni.downloadFile` (`uni.addInterceptor`, uni-app 2 and 3).
 *
 *   import { install } from 'weapp-login/uni';
 *   install(uni, auth);
 *
 * The `invoke` hook waits in `auth.authorize` (one shared login) and hands uni the
 * options with the token (trusted origins only; in the header for uploads and
 * downloads); its own `success` asks `auth.check` of the answer (wx calls success for
 * every HTTP status) and, after the one shared renewal, sends the request once more
 * through `uni[api]` with the new token. The page's `success`/`fail`/`complete` (or
 * the Promise of a call without callbacks) see the final outcome only, once; `fail`
 * gets the manager's LoginError when the login or renewal fails (`RETRY_LIMIT`,
 * `LOGGED_OUT`, …) and wx's `{errMsg}` when the request itself fails. `auth: false`
 * in the options sends a request as it is. With an asynchronous invoke hook uni-app
 * returns a Promise, not the RequestTask, from a call with callbacks (uni-app's rule).
 */
const { call, needAuth } = require('./common');

const APIS = ['request', 'uploadFile', 'downloadFile'];
/** Marks a replay made by this adapter: it carries the ticket and the page's callbacks. */
const KEY = '__weappLogin';
const OWN = { success: 1, fail: 1, complete: 1, [KEY]: 1 };

/** `success` or `fail`, then `complete`, as wx calls them (a throw in one stays the page's). */
function settle(cb, ok, value) {
  call(ok ? cb.success : cb.fail, value);
  call(cb.complete, value);
}

/**
 * Installs weapp-login's interceptors.
 * @param {object} uni uni-app's `uni` object
 * @param {object} auth a login manager (createLoginManager)
 * @returns {object} the interceptor objects by API name (for `uni.removeInterceptor`)
 */
function install(uni, auth) {
  if (!uni || typeof uni.addInterceptor !== 'function') {
    throw new TypeError('weapp-login/uni install: uni must be uni-app\'s uni object (with addInterceptor)');
  }
  needAuth('weapp-login/uni install', auth);
  const installed = {};
  for (const api of APIS) {
    installed[api] = {
      invoke(options) {
        if (!options || options.auth === false) return undefined;
        const replay = options[KEY];
        const cb = replay ? replay.cb : { success: options.success, fail: options.fail, complete: options.complete };
        const base = replay ? replay.base : {};
        if (!replay) for (const k of Object.keys(options)) if (!OWN[k]) base[k] = options[k];
        const ask = Object.assign({}, base, { ticket: replay ? replay.ticket : undefined });
        if (api !== 'request') { delete ask.data; delete ask.method; }
        return auth.authorize(ask).then((granted) => Object.assign({}, base, granted.options, {
          success(res) {
            auth.check(granted.ticket, res).then((v) => {
              if (v !== 'replay') return settle(cb, true, res);
              // Through uni again (this hook re-authorizes); `complete` keeps it callback-style.
              return uni[api](Object.assign({}, base, { [KEY]: { ticket: granted.ticket, base: base, cb: cb }, complete() {} }));
            }, (e) => settle(cb, false, e));
          },
          fail(err) { settle(cb, false, err); },
        }), (e) => {
          settle(cb, false, e);
          // uni-app calls the API with whatever this hook resolves to: stay pending instead.
          return new Promise(() => {});
        });
      },
    };
    uni.addInterceptor(api, installed[api]);
  }
  return installed;
}

module.exports = { install };
