// One flyio instance for the pages that use it, under the app's login manager: the
// interceptors come from weapp-login/fly, so these requests share the login state (and
// the single wx.login) with every auth.request() of the app. After "Tools → Build npm",
// require('flyio') is flyio's mini-program build (the package's miniprogram_dist) and
// require('weapp-login/fly') the adapter file beside weapp-login. Only a page that
// requires this module loads flyio and the adapter.
const Fly = require('flyio');
const { attach } = require('weapp-login/fly');
const { API_BASE } = require('../config');

let fly = null;

module.exports = function http() {
  if (fly === null) {
    fly = new Fly();
    fly.config.baseURL = API_BASE;
    attach(fly, getApp().globalData.auth);
  }
  return fly;
};
