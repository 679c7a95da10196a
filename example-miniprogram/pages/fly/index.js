// The same profile as pages/index, loaded through flyio (an existing request layer)
// instead of auth.request(): weapp-login/fly puts the manager under flyio's interceptors.
const http = require('../../http/fly');

function errorCode(err) {
  return (err && (err.code || err.errMsg || err.message)) || 'UNKNOWN';
}

Page({
  data: {
    loading: false,
    profile: null,
    status: 0,
    error: '',
  },

  onLoad() {
    // Kept so a test (or another method) can wait for the first load.
    this.loaded = this.refresh();
  },

  // Loads the profile and shows it (or the error code). Always resolves.
  refresh() {
    this.setData({ loading: true, error: '' });
    return this.loadProfile().then(
      (res) => {
        this.setData({ loading: false, profile: res.data, status: res.status });
        return res;
      },
      (err) => {
        // A LoginError (err.code), or flyio's own error for an HTTP status (err.status).
        this.setData({ loading: false, profile: null, status: err.status || 0, error: err.status ? 'HTTP_' + err.status : errorCode(err) });
        return err;
      }
    );
  },

  // One request through flyio: resolves with flyio's response ({data, status, headers}).
  loadProfile() {
    return http().get('/api/profile');
  },

  onReloadTap() {
    this.refresh();
  },
});
