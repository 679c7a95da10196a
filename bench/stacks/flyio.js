'use strict';
// flyio 0.6.14, wx build, with the token pattern of its documentation, not improved:
// - README "在拦截器中执行异步任务" (also flyio's test/test.js): the request interceptor
//   locks the instance (fly.lock()) while a second instance fetches the token, sets the
//   header, returns the request and unlocks in finally; with a token it sets the header.
// - flyio's interceptor doc, the token-expiry example: the response interceptor locks
//   itself (this.lock()), fetches a new token with the second instance, unlocks in
//   finally, then re-sends with fly.request(response.request). The doc's server flags
//   expiry in a 200 body (`tokenExpired`); ours answers HTTP 401, which flyio hands to
//   the error handler, so the same code sits there and tests `err.status === 401`.
// "Fetch the token" in a mini program is wx.login + POST {code}.
const Fly = require('flyio/dist/npm/wx');

module.exports = {
  id: 'flyio',
  label: 'flyio 0.6.14 lock/unlock',
  create({ wx, baseUrl, loginUrl }) {
    const fly = new Fly();
    const newFly = new Fly(); // "use another fly instance to request the token"
    fly.config.baseURL = baseUrl;
    let token = wx.getStorageSync('token') || '';
    const getToken = () => new Promise((resolve, reject) => wx.login({ success: resolve, fail: reject }))
      .then((r) => newFly.post(loginUrl, { code: r.code }))
      .then((d) => { token = d.data.token; wx.setStorageSync('token', token); });

    fly.interceptors.request.use(function (request) {
      if (!token) {
        fly.lock();
        return getToken().then(() => {
          request.headers.Authorization = 'Bearer ' + token;
          return request;
        }).finally(() => { fly.unlock(); });
      }
      request.headers.Authorization = 'Bearer ' + token;
      return request;
    });
    fly.interceptors.response.use(
      function (response) { return response; },
      function (err) {
        if (err.status === 401) {
          this.lock();
          return getToken()
            .finally(() => this.unlock())
            .then(() => fly.request(err.request));
        }
        return undefined;
      },
    );
    return { request: (path) => fly.get(path).then((r) => r.status) };
  },
};
