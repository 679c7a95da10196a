function auth() {
  return getApp().globalData.auth;
}

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

  // Loads the profile and shows it (or the error code). Returns a promise that always
  // resolves, so it is safe to call from event handlers.
  refresh() {
    this.setData({ loading: true, error: '' });
    return this.loadProfile().then(
      (res) => {
        if (res.statusCode >= 200 && res.statusCode < 300) {
          this.setData({ loading: false, profile: res.data, status: res.statusCode });
        } else {
          this.setData({ loading: false, profile: null, status: res.statusCode, error: 'HTTP_' + res.statusCode });
        }
        return res;
      },
      (err) => {
        this.setData({ loading: false, profile: null, error: errorCode(err) });
        return err;
      }
    );
  },

  // One authenticated request: the promise of weapp-login's request().
  loadProfile() {
    return auth().request({ url: '/api/profile' });
  },

  // n profile requests at once; they share one login if none is in place.
  loadMany(n) {
    const jobs = [];
    for (let i = 0; i < n; i += 1) {
      jobs.push(this.loadProfile());
    }
    return Promise.all(jobs);
  },

  onReloadTap() {
    this.refresh();
  },
});
