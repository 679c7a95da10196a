'use strict';
// A small scripted wx for the shim's unit tests (the full simulator is tests/sandbox).
// `server(req)` answers each wx.request: {statusCode, data} or {fail: errMsg}.
function fakeWx(server, opts) {
  opts = opts || {};
  const store = new Map();
  const calls = { login: 0, checkSession: 0, request: [], loginPosts: 0 };
  let codes = 0;
  const later = (fn) => setTimeout(fn, opts.latency || 1);
  const wx = {
    calls,
    store,
    login(o) {
      calls.login++;
      if (opts.loginFail) return later(() => o.fail({ errMsg: opts.loginFail }));
      codes++;
      later(() => o.success({ code: 'code' + codes, errMsg: 'login:ok' }));
    },
    checkSession(o) {
      calls.checkSession++;
      later(() => (opts.sessionExpired
        ? o.fail({ errMsg: 'checkSession:fail 系统错误，错误码：-13001,session time out, need relogin' })
        : o.success({ errMsg: 'checkSession:ok' })));
    },
    request(o) {
      calls.request.push({ url: o.url, method: o.method || 'GET', header: Object.assign({}, o.header), data: o.data });
      const r = server(o);
      later(() => (r.fail ? o.fail({ errMsg: r.fail })
        : o.success({ data: r.data, statusCode: r.statusCode, header: {}, cookies: [], errMsg: 'request:ok' })));
      return { abort() {} };
    },
    getStorageSync(k) {
      if (opts.storageThrows) throw new Error('getStorageSync:fail');
      return store.has(k) ? store.get(k) : '';
    },
    setStorageSync(k, v) {
      if (opts.storageThrows) throw new Error('setStorageSync:fail write DB data fail');
      store.set(k, JSON.parse(JSON.stringify(v)));
    },
    removeStorageSync(k) { store.delete(k); },
    networkType: opts.networkType || 'wifi',
    networkListeners: [],
    getNetworkType(o) { later(() => o.success({ networkType: wx.networkType, errMsg: 'getNetworkType:ok' })); },
    onNetworkStatusChange(cb) { wx.networkListeners.push(cb); },
    appListeners: { show: [], hide: [] },
    onAppShow(cb) { wx.appListeners.show.push(cb); },
    onAppHide(cb) { wx.appListeners.hide.push(cb); },
    setForeground(shown) { for (const cb of wx.appListeners[shown ? 'show' : 'hide']) cb({}); },
    setNetwork(type) {
      wx.networkType = type;
      for (const cb of wx.networkListeners) cb({ isConnected: type !== 'none', networkType: type });
    },
  };
  return wx;
}

/** A developer server: POST /user/login issues tok-<code>; other URLs need a valid token. */
function devServer(state) {
  state.valid = state.valid || new Set();
  return (o) => {
    if (o.url.endsWith('/user/login')) {
      const token = 'tok-' + o.data.code;
      state.valid.add(token);
      return { statusCode: 200, data: state.loginAnswer || { token, expiresIn: 7200 } };
    }
    const auth = (o.header && o.header.Authorization) || '';
    const ok = state.valid.has(auth.replace(/^Bearer /, ''));
    return ok ? { statusCode: 200, data: { ok: true } } : { statusCode: 401, data: { error: 'unauthorized' } };
  };
}

module.exports = { fakeWx, devServer };
