'use strict';
// weapp-login's shipped bundle through its public API. `require('weapp-login')` is
// resolved by bench/build.js to WEAPP_LOGIN_DIST/index.js (default pkg/dist); the wasm
// is loaded by the bench's WXWebAssembly stand-in (bench/realm.js) from the same folder.
const { createLoginManager } = require('weapp-login');

module.exports = {
  id: 'weapp-login',
  label: 'weapp-login',
  create({ wx, clock, baseUrl, loginUrl }) {
    const auth = createLoginManager({ wx, clock, baseUrl, loginUrl });
    return {
      ready: auth.ready,
      request: (path) => auth.request({ url: path }).then((r) => r.statusCode),
    };
  },
};
