'use strict';
// axios 1.21.1 + axios-miniprogram-adapter 0.3.5 + axios-auth-refresh 5.0.2, as their
// READMEs show them, with the library defaults:
// - axios-miniprogram-adapter README: set the adapter on axios (here on the instance).
// - axios-auth-refresh README "Usage": createAuthRefresh(instance, refreshAuthLogic);
//   refreshAuthLogic posts for a new token, stores it, sets it on
//   failedRequest.response.config.headers and resolves. README "Request interceptor":
//   a request interceptor reads the token from storage for every request
//   (`Bearer ${getAccessToken()}`). Defaults: statusCodes [401], deduplicateRefresh
//   true, maxRetries 3.
// In a mini program the "refresh" is wx.login + POST {code}; the token lives in wx storage.
// The README's refreshAuthLogic posts through the intercepted instance itself, which works
// only because its post is sent synchronously: while a refresh runs, the library queues
// every request of that instance behind it, so a post sent after wx.login answered would
// wait for itself forever (tried: 1 wx.login, 0 login POSTs, all requests stuck). The
// login POST therefore goes through a second, plain instance, as flyio's doc does.
const axios = require('axios');
const mpAdapter = require('axios-miniprogram-adapter');
const { createAuthRefresh } = require('axios-auth-refresh');

module.exports = {
  id: 'axios',
  label: 'axios + auth-refresh',
  create({ wx, baseUrl, loginUrl }) {
    const api = axios.create({ baseURL: baseUrl });
    api.defaults.adapter = mpAdapter;
    const loginApi = axios.create();
    loginApi.defaults.adapter = mpAdapter;
    const getAccessToken = () => wx.getStorageSync('token');
    api.interceptors.request.use((request) => {
      request.headers.Authorization = `Bearer ${getAccessToken()}`;
      return request;
    });
    const refreshAuthLogic = (failedRequest) =>
      new Promise((resolve, reject) => wx.login({ success: resolve, fail: reject }))
        .then((r) => loginApi.post(loginUrl, { code: r.code }))
        .then((tokenRefreshResponse) => {
          wx.setStorageSync('token', tokenRefreshResponse.data.token);
          failedRequest.response.config.headers.Authorization = 'Bearer ' + tokenRefreshResponse.data.token;
          return Promise.resolve();
        });
    createAuthRefresh(api, refreshAuthLogic);
    return { request: (path) => api.get(path).then((r) => r.status) };
  },
};
