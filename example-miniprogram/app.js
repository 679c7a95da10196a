// After "Tools → Build npm" in the WeChat developer tools, require('weapp-login')
// resolves to /miniprogram_npm/weapp-login/.
const { createLoginManager } = require('weapp-login');
const { API_BASE } = require('./config');

App({
  globalData: {
    auth: null,
    lastAuthEvent: null,
  },

  onLaunch() {
    // One login manager for the whole app: every page shares its login state, so
    // parallel requests cause a single wx.login.
    this.globalData.auth = createLoginManager({
      loginUrl: API_BASE + '/user/login',
      baseUrl: API_BASE,
      onEvent: (event) => {
        this.globalData.lastAuthEvent = event.type;
      },
    });
  },
});
