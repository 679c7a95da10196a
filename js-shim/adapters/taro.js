'use strict';
/**
 * weapp-login/taro: the login manager as a Taro request interceptor (Taro 3/4,
 * `Taro.addInterceptor`, the chain that `Taro.request` runs).
 *
 *   import Taro from '@tarojs/taro';
 *   Taro.addInterceptor(require('weapp-login/taro').interceptor(auth));
 *
 * The interceptor waits in `auth.authorize` (one shared login) and hands the request
 * with the token (trusted origins only) to `chain.proceed`; it asks `auth.check` of the
 * answer (Taro.request resolves for every HTTP status) and proceeds once more with the
 * new token after the one shared renewal. Failures reject `Taro.request` with the
 * manager's LoginError; a wx.request failure rejects with its `{errMsg}` as before.
 * `success`/`fail`/`complete` given to Taro.request run once, for the final outcome (a
 * throw in one is the page's: `complete` still runs); a call with any of them never
 * leaves a rejected Promise unhandled.
 * The returned promise keeps `abort()`: it aborts the attempt on the wire, or drops a
 * request still waiting for the login (rejecting `{errMsg: 'request:fail abort'}`,
 * as wx.request's abort does). `auth: false` in the options sends a request as it is.
 * Add it before interceptors that should see the final answer (Taro runs them in order).
 */
const { call, hasCallback, needAuth } = require('./common');

const noop = () => {};

const ABORT = 'request:fail abort';
const CALLBACKS = { success: 1, fail: 1, complete: 1 };

/**
 * Makes weapp-login's Taro interceptor.
 * @param {object} auth a login manager (createLoginManager)
 * @returns {function(object): Promise} `function (chain)` for `Taro.addInterceptor`
 */
function interceptor(auth) {
  needAuth('weapp-login/taro interceptor', auth);
  return function weappLoginInterceptor(chain) {
    const params = chain.requestParams || {};
    if (params.auth === false) return chain.proceed(params);
    const base = {};
    for (const k of Object.keys(params)) if (!CALLBACKS[k]) base[k] = params[k];
    let task = null;
    let aborted = false;
    let drop = null;
    const dropped = new Promise((resolve, reject) => { drop = reject; });

    function attempt(ticket) {
      return auth.authorize(Object.assign({}, base, { ticket: ticket })).then((granted) => {
        if (aborted) throw { errMsg: ABORT };
        task = chain.proceed(granted.options);
        return task.then((res) => auth.check(granted.ticket, res)
          .then((v) => (v === 'replay' && !aborted ? attempt(granted.ticket) : res)));
      });
    }
    const p = Promise.race([attempt(undefined), dropped]).then((res) => {
      call(params.success, res);
      call(params.complete, res);
      return res;
    }, (err) => {
      call(params.fail, err);
      call(params.complete, err);
      throw err;
    });
    if (hasCallback(params)) {
      // Callbacks, not the Promise, are what the page asked for: a failure it was told of
      // through `fail` is no unhandled rejection, here or in what Taro makes of `p`
      // (its chain returns `p.catch(…)` to the page).
      p.catch(noop);
      p.catch = function quietCatch(f) {
        const q = Promise.prototype.catch.call(this, f);
        q.catch(noop);
        return q;
      };
    }
    /** Taro's RequestTask-style abort: `cb` runs, the attempt on the wire is aborted. */
    p.abort = function abort(cb) {
      aborted = true;
      if (typeof cb === 'function') cb();
      if (task && typeof task.abort === 'function') task.abort();
      drop({ errMsg: ABORT });
      return p;
    };
    return p;
  };
}

module.exports = { interceptor };
