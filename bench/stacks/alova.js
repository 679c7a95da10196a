'use strict';
// alova 3.5.5 + createServerTokenAuthentication from alova/client, as alova's "token
// authentication" guide configures it: refreshTokenOnSuccess.isExpired tells an expired
// token from the response (401), its handler fetches a new one with a method marked
// meta.authRole 'refreshToken' (so the interceptor lets it through), assignToken puts the
// token on every other method; beforeRequest: onAuthRequired(), responded:
// onResponseRefreshToken(). alova re-sends the request once the handler resolved and
// holds new requests while a refresh runs.
// The request adapter is a custom one over wx.request (alova's "custom request adapter"
// contract: {response, headers, abort}); alova's uniapp/taro adapters need uni/Taro.
// cacheFor: null turns off alova's default 5-minute GET cache, so every request reaches
// wx.request (as with the other stacks).
const { createAlova } = require('alova');
const { createServerTokenAuthentication } = require('alova/client');

function wxRequestAdapter(wx) {
  return (elements) => {
    let task = null;
    const done = new Promise((resolve, reject) => {
      task = wx.request({ url: elements.url, method: elements.type, header: elements.headers,
        data: elements.data, success: resolve, fail: reject });
    });
    return { response: () => done, headers: () => done.then((r) => r.header), abort: () => { if (task) task.abort(); } };
  };
}

module.exports = {
  id: 'alova',
  label: 'alova token auth',
  create({ wx, baseUrl, loginUrl }) {
    let token = wx.getStorageSync('token') || '';
    let alovaInstance = null;
    const { onAuthRequired, onResponseRefreshToken } = createServerTokenAuthentication({
      refreshTokenOnSuccess: {
        isExpired: (response) => response.statusCode === 401,
        handler: async () => {
          const { code } = await new Promise((resolve, reject) => wx.login({ success: resolve, fail: reject }));
          const res = await alovaInstance.Post(loginUrl, { code }, { meta: { authRole: 'refreshToken' } });
          token = res.data.token;
          wx.setStorageSync('token', token);
        },
      },
      assignToken: (method) => {
        if (token) method.config.headers.Authorization = 'Bearer ' + token;
      },
    });
    alovaInstance = createAlova({
      baseURL: baseUrl,
      requestAdapter: wxRequestAdapter(wx),
      cacheFor: null,
      beforeRequest: onAuthRequired(),
      responded: onResponseRefreshToken((response) => response),
    });
    return { request: (path) => alovaInstance.Get(path).then((r) => r.statusCode) };
  },
};
