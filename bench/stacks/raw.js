'use strict';
// The floor of floors: wx.request promisified, with a token the app already holds.
// No login, no renewal: it only runs where a valid token is planted (warm, cold start).
module.exports = {
  id: 'raw',
  label: 'raw wx.request',
  create({ wx, baseUrl }) {
    const token = wx.getStorageSync('token');
    return {
      request: (path) => new Promise((resolve, reject) => {
        wx.request({ url: baseUrl + path, header: { Authorization: 'Bearer ' + token },
          success: (r) => resolve(r.statusCode), fail: reject });
      }),
    };
  },
};
