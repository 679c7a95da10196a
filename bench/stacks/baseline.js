'use strict';
// The JS floor: a hand-written manager a team would write in ~30 lines. One shared login
// promise (wx.login + POST {code}); a request without a token waits for it; a 401 with
// the token it was sent with drops that token and is replayed once.
function createBaseline({ wx, baseUrl, loginUrl }) {
  let token = wx.getStorageSync('token') || null;
  let loggingIn = null;
  const send = (o) => new Promise((resolve, reject) => {
    wx.request(Object.assign({}, o, { success: resolve, fail: reject }));
  });
  function login() {
    if (!loggingIn) {
      loggingIn = new Promise((resolve, reject) => wx.login({ success: resolve, fail: reject }))
        .then((r) => send({ url: loginUrl, method: 'POST', data: { code: r.code } }))
        .then((r) => {
          if (r.statusCode !== 200 || !r.data || !r.data.token) throw new Error('login rejected: ' + r.statusCode);
          token = r.data.token;
          wx.setStorageSync('token', token);
          return token;
        })
        .finally(() => { loggingIn = null; });
    }
    return loggingIn;
  }
  async function request(o, replayed) {
    const t = token || await login();
    const r = await send(Object.assign({}, o, { url: baseUrl + o.url, header: { Authorization: 'Bearer ' + t } }));
    if (r.statusCode === 401 && !replayed) {
      if (token === t) token = null;
      return request(o, true);
    }
    return r;
  }
  return { request, login };
}

module.exports = {
  id: 'baseline',
  label: 'JS baseline (30 lines)',
  create(o) {
    const b = createBaseline(o);
    return { request: (path) => b.request({ url: path }).then((r) => r.statusCode) };
  },
};
