'use strict';
// The world tests/node/adapters*.test.js run in (moved out of adapters.test.js, whose header
// says what runs for real): the package as "build npm" lays it out and the real libraries,
// bundled into a mini program root; `world(lib)` is one sandbox with the fake wx, the
// manager and the library set up as its docs say. `setup()` registers the root's
// before/after hooks in the calling test file.
const assert = require('node:assert/strict');
const fs = require('fs');
const os = require('os');
const path = require('path');
const esbuild = require('esbuild');
const { createSandbox } = require('../sandbox');

const REPO = path.join(__dirname, '../..');
const DIST = path.resolve(process.env.WEAPP_LOGIN_DIST || path.join(REPO, 'pkg/dist'));
const ADAPTERS = ['fly', 'axios', 'luch-request', 'taro', 'uni'];
const ORIGIN = 'https://api.example.com';
const LOGIN_PATH = '/user/login';
/** Concurrent requests per scenario; WEAPP_ADAPTERS_N=1000 for a longer run (README's table). */
const N = Number(process.env.WEAPP_ADAPTERS_N) || 100;

// ---- a mini program root: the package as "build npm" lays it out, the libraries bundled
let root;
function before() {
  const missing = ['index.js'].concat(ADAPTERS.map((a) => a + '.js')).filter((f) => !fs.existsSync(path.join(DIST, f)));
  if (missing.length) throw new Error(`${DIST} lacks ${missing.join(', ')}: build the package first (make build)`);
  root = fs.mkdtempSync(path.join(os.tmpdir(), 'weapp-adapters-'));
  fs.writeFileSync(path.join(root, 'app.json'), JSON.stringify({ pages: ['pages/index/index'] }));
  fs.writeFileSync(path.join(root, 'app.js'), 'App({});\n');
  const npm = path.join(root, 'miniprogram_npm');
  fs.cpSync(DIST, path.join(npm, 'weapp-login'), { recursive: true });
  fs.mkdirSync(path.join(npm, 'weapp-login-testing'), { recursive: true });
  fs.copyFileSync(path.join(REPO, 'pkg/testing/index.js'), path.join(npm, 'weapp-login-testing/index.js'));
  const vueStub = path.join(root, 'vue-stub.js');
  fs.writeFileSync(vueStub, 'module.exports = function Vue() {};\n');
  const libs = {
    flyio: "module.exports = require('flyio/dist/npm/wx');",
    axios: "module.exports = { axios: require('axios'), mpAdapter: require('axios-miniprogram-adapter') };",
    'luch-request': "module.exports = require('luch-request').default;",
    // @tarojs/plugin-platform-weapp's runtime: initNativeApi(taro) → processApis(taro, wx, …).
    taro: "const Taro = require('@tarojs/api').default; require('@tarojs/shared').processApis(Taro, wx); module.exports = Taro;",
    uni: "module.exports = require('@dcloudio/uni-mp-weixin').default;",
    // The uni-app 3 API layer the same package ships (createApi/invokeApi over @vue/shared).
    uni3: "module.exports = require('@dcloudio/uni-mp-weixin/dist/uni.api.esm.js').default;",
  };
  for (const name of Object.keys(libs)) {
    esbuild.buildSync({
      stdin: { contents: libs[name], resolveDir: REPO, sourcefile: name + '-entry.js' },
      outfile: path.join(npm, name, 'index.js'),
      bundle: true,
      format: 'cjs',
      platform: 'neutral',
      target: 'es2017',
      mainFields: ['browser', 'main', 'module'],
      conditions: ['browser', 'require'],
      alias: { vue: vueStub },
      // Taro's build-time constants, with the values of Taro's own default build config.
      define: Object.assign({ 'process.env.NODE_ENV': '"production"', 'process.env.TARO_ENV': '"weapp"',
        'process.env.TARO_PLATFORM': '"mini"', ENABLE_INNER_HTML: 'true',
        // uni-app 3's build-time switch: false is Vue 3's Promise form (the result, not [err, res]).
        __UNI_PROMISE_API__: 'false' }, ...['ENABLE_ADJACENT_HTML', 'ENABLE_SIZE_APIS',
        'ENABLE_TEMPLATE_CONTENT', 'ENABLE_CLONE_NODE', 'ENABLE_CONTAINS', 'ENABLE_MUTATION_OBSERVER'].map((k) => ({ [k]: 'false' }))),
      logLevel: 'error',
    });
  }
}
/** Builds the mini program root before the file's tests, removes it after. */
function setup(test) {
  test.before(before);
  test.after(() => { if (root) fs.rmSync(root, { recursive: true, force: true }); });
}

// ---- one world: a sandbox, the fake platform in it, the manager, the library ----------
const plain = (v) => (v === undefined ? undefined : JSON.parse(JSON.stringify(v)));

/**
 * @param {string} lib fly | axios | luch-request | taro | uni | uni3
 * @param {object} [o] {options: manager options, route: function (server) adding routes first}
 */
function world(lib, o) {
  o = o || {};
  const sb = createSandbox({ root, log: false });
  const T = sb.require('weapp-login-testing');
  const clock = T.createClock({ start: 1767225600000 });
  const server = T.createServer();
  server.loginRoute(LOGIN_PATH);
  if (o.route) o.route(server);
  server.route('*', '/api/always401', () => ({ statusCode: 401, data: { error: 'unauthorized' } }));
  // RegExps of the mini program's realm: the server (loaded there) tests them with instanceof.
  const re = (source) => new sb.globals.RegExp(source);
  server.route('*', re('^/api/'), server.authed((req) => ({ data: { ok: true, path: req.path } })));
  server.route('*', re('^/asset/'), () => ({ data: { asset: true } }));
  const fake = T.createFakeWx({ clock, server, platform: 'wx' });
  // The fake is the mini program's wx (and, for luch-request, what uni-app compiles uni to).
  // uni-app's runtime keeps the mini program's Component() at load (for its component glue,
  // unused here); the sandbox models App and Page only, so a no-op stands in for it.
  const Component = function Component() {};
  for (const [k, v] of [['wx', fake.api], ['uni', fake.api], ['Component', Component]]) {
    Object.defineProperty(sb.context, k, { value: v, writable: true, configurable: true, enumerable: false });
  }
  const { createLoginManager, LoginError } = sb.require('weapp-login');
  const auth = createLoginManager(Object.assign({ wx: fake.api, clock, loginUrl: ORIGIN + LOGIN_PATH, baseUrl: ORIGIN }, o.options));
  const w = { sb, clock, server, fake, auth, LoginError, send: null };
  w.send = STACKS[lib](sb, auth);
  w.apiRequests = () => fake.calls.requests.filter((r) => r.path !== LOGIN_PATH);
  w.loginPosts = () => fake.calls.requests.filter((r) => r.path === LOGIN_PATH);
  /** The outcome of one request through the library: {status, data} or {error: {name, code, ...}}. */
  w.request = (url, extra) => w.send(url, extra).then((r) => ({ status: r.status, data: plain(r.data) }),
    (e) => ({ error: { message: String(e && (e.stack || e.message) || e).slice(0, 300), name: e && e.name, code: e && e.code, errMsg: e && e.errMsg, isLoginError: e instanceof LoginError } }));
  /** Moves the virtual clock 1 ms at a time (libraries also use real 0 ms timers) until `p` settles. */
  w.run = async (p, limitMs) => {
    let done = false;
    p.then(() => { done = true; }, () => { done = true; });
    for (let i = 0; !done && i < (limitMs || 60000); i++) await clock.advance(1);
    assert.ok(done, 'still pending after ' + (limitMs || 60000) + ' ms of virtual time');
    return p;
  };
  return w;
}

/** Each library set up as its docs say, with weapp-login's adapter; `send(url, extra)` → {status, data}. */
const STACKS = {
  fly(sb, auth) {
    const Fly = sb.require('flyio');
    const fly = new Fly();
    fly.config.baseURL = ORIGIN;
    sb.require('weapp-login/fly').attach(fly, auth);
    return (url, extra) => fly.request(url, null, Object.assign({ method: 'GET' }, extra))
      .then((r) => ({ status: r.status, data: r.data }));
  },
  axios(sb, auth) {
    const { axios, mpAdapter } = sb.require('axios');
    const api = axios.create({ baseURL: ORIGIN, adapter: mpAdapter });
    sb.require('weapp-login/axios').attach(api, auth);
    return (url, extra) => api.request(Object.assign({ url, method: 'get' }, extra))
      .then((r) => ({ status: r.status, data: r.data }));
  },
  'luch-request'(sb, auth) {
    const Request = sb.require('luch-request');
    const http = new Request({ baseURL: ORIGIN });
    sb.require('weapp-login/luch-request').attach(http, auth);
    return (url, extra) => {
      const o = Object.assign({ url, method: 'GET' }, extra);
      if (o.auth === false) { delete o.auth; o.custom = { auth: false }; }
      return http.request(o).then((r) => ({ status: r.statusCode, data: r.data }));
    };
  },
  taro(sb, auth) {
    const Taro = sb.require('taro');
    Taro.addInterceptor(sb.require('weapp-login/taro').interceptor(auth));
    return (url, extra) => Taro.request(Object.assign({ url: absolute(url) }, extra))
      .then((r) => ({ status: r.statusCode, data: r.data }));
  },
  uni(sb, auth) {
    const uni = sb.require('uni');
    sb.require('weapp-login/uni').install(uni, auth);
    return (url, extra) => new Promise((resolve, reject) => {
      uni.request(Object.assign({ url: absolute(url), success: resolve, fail: reject }, extra));
    }).then((r) => ({ status: r.statusCode, data: r.data }));
  },
  /** weapp-login/uni on uni-app 3's API layer; its Promise form resolves the result itself. */
  uni3(sb, auth) {
    const uni = sb.require('uni3');
    sb.require('weapp-login/uni').install(uni, auth);
    return (url, extra) => uni.request(Object.assign({ url: absolute(url) }, extra))
      .then((r) => ({ status: r.statusCode, data: r.data }));
  },
};
/** Every stack the scenario set runs on: each adapter, weapp-login/uni on both uni-app runtimes. */
const STACK_NAMES = ['fly', 'axios', 'luch-request', 'taro', 'uni', 'uni3'];
const absolute = (url) => (/^https?:/.test(url) ? url : ORIGIN + url);

const bearer = (r) => {
  for (const k of Object.keys(r.header || {})) if (k.toLowerCase() === 'authorization') return r.header[k];
  return undefined;
};


module.exports = { setup, world, STACKS, STACK_NAMES, ORIGIN, LOGIN_PATH, N, plain, absolute, bearer };
