'use strict';
/**
 * The wx adapter: the host object the wasm Core drives (see src/wasm/host.rs). Each
 * method starts one wx call and reports its answer back to the Core; a wx API that
 * throws synchronously is reported as a failure, so no promise is ever left hanging.
 */

const OWN_FIELDS = { url: 1, auth: 1, success: 1, fail: 1, complete: 1 };

/**
 * Whether the token can go in this request's body: `tokenIn: 'data'`, a method with a
 * body (wx.request turns GET data into the query string, where a token never goes),
 * and data that is a plain object (or absent).
 */
function tokenInBody(o, req) {
  const method = String(req.method || 'GET').toUpperCase();
  const d = req.data;
  const plain = d === undefined || d === null
    || (typeof d === 'object' && Object.getPrototypeOf(d) === Object.prototype);
  return o.tokenIn === 'data' && method !== 'GET' && method !== 'HEAD' && plain;
}

/**
 * Taro's promisified APIs (login, checkSession, getNetworkType, request) return a
 * Promise even when callbacks are given, and reject it on `fail`: the callback has
 * reported the failure already, so the returned Promise's rejection is swallowed
 * rather than left unhandled. Any other return value (a RequestTask) is left alone.
 */
function quiet(returned) {
  if (returned && typeof returned.then === 'function') returned.then(undefined, () => {});
}

/**
 * @param {object} o validated options (see options.js)
 * @param {() => object} core returns the wasm Core once it exists
 * @param {(code: string, message: string, extra: object) => Error} makeError
 */
function createHost(o, core, makeError) {
  const wx = o.wx;
  const clock = o.clock;
  let timer = null;
  const emit = (type, detail) => {
    if (!o.onEvent) return;
    try {
      o.onEvent(Object.assign({ type: type }, detail || {}));
    } catch (e) {
      // A listener's bug must not break the login flow.
    }
  };
  return {
    now: () => clock.now(),
    setTimer(delayMs) {
      if (timer !== null) clock.clearTimeout(timer);
      timer = null;
      if (delayMs >= 0) timer = clock.setTimeout(() => { timer = null; core().wake(); }, delayMs);
    },
    wxLogin(attempt) {
      quiet(wx.login({
        success: (r) => core().onWxLogin(attempt, true, r),
        fail: (e) => core().onWxLogin(attempt, false, e),
      }));
    },
    postCode(attempt, code) {
      quiet(wx.request({
        url: o.loginUrl,
        method: 'POST',
        data: { code: code },
        header: { 'content-type': 'application/json' },
        dataType: 'json',
        success: (r) => core().onLoginPost(attempt, true, r),
        fail: (e) => core().onLoginPost(attempt, false, e),
      }));
    },
    checkSession() {
      quiet(wx.checkSession({
        success: () => core().onCheckSession(true),
        fail: () => core().onCheckSession(false),
      }));
    },
    send(id, send, options, url, token) {
      const req = {};
      for (const k of Object.keys(options)) if (!OWN_FIELDS[k]) req[k] = options[k];
      req.url = url;
      const header = {};
      const wanted = o.tokenHeader.toLowerCase();
      for (const k of Object.keys(req.header || {})) {
        // The manager owns the token header: a page's own copy never goes out beside it.
        if (token == null || k.toLowerCase() !== wanted) header[k] = req.header[k];
      }
      req.header = header;
      if (token != null && tokenInBody(o, req)) {
        req.data = Object.assign({}, req.data, { [o.tokenDataField]: token });
      } else if (token != null) {
        header[o.tokenHeader] = o.tokenPrefix + token;
      }
      req.success = (r) => {
        let authFailure = false;
        if (o.isAuthFailure) {
          try { authFailure = !!o.isAuthFailure(r); } catch (e) { authFailure = false; }
        }
        core().onResponse(id, send, true, r, authFailure);
      };
      req.fail = (e) => core().onResponse(id, send, false, e, false);
      quiet(wx.request(req));
    },
    persist(token, expiresAt) {
      wx.setStorageSync(o.storageKey, { token: token, expiresAt: expiresAt == null ? null : expiresAt });
    },
    clearStorage() {
      wx.removeStorageSync(o.storageKey);
    },
    /**
     * Tracks the network (wx.getNetworkType once, then wx.onNetworkStatusChange) and
     * the app's foreground (wx.onAppHide / wx.onAppShow). Platforms without these APIs
     * are taken to be online and in the foreground.
     */
    watchPlatform() {
      const report = (online) => core().onNetwork(online);
      try {
        if (typeof wx.onAppHide === 'function') wx.onAppHide(() => core().onAppHide());
        if (typeof wx.onAppShow === 'function') wx.onAppShow(() => core().onAppShow());
        if (typeof wx.getNetworkType === 'function') {
          quiet(wx.getNetworkType({ success: (r) => report(r.networkType !== 'none') }));
        }
        if (typeof wx.onNetworkStatusChange === 'function') {
          wx.onNetworkStatusChange((r) => report(r.isConnected !== false && r.networkType !== 'none'));
        }
      } catch (e) {
        // No network information: stay online.
      }
    },
    /** The stored login state, or null; a throwing storage is reported, not fatal. */
    load() {
      try {
        const v = wx.getStorageSync(o.storageKey);
        return v === '' ? null : v;
      } catch (e) {
        emit('storage:error', { errMsg: (e && (e.errMsg || e.message)) || String(e) });
        return null;
      }
    },
    emit: emit,
    makeError: makeError,
  };
}

module.exports = { createHost };
