/**
 * weapp-login: the login-state (登录态) manager for WeChat mini programs.
 *
 *   const { createLoginManager, LoginError } = require('weapp-login');
 *   const auth = createLoginManager({ loginUrl: 'https://api.example.com/user/login',
 *                                     baseUrl: 'https://api.example.com' });
 *   auth.request({ url: '/api/profile' }).then((res) => res.data);
 *
 * The reference is pkg/REFERENCE.md; the types are in index.d.ts.
 */
import { LoginError } from './errors.js';
import { validate } from './options.js';
import { invalid } from './invalid.js';
import { createColdStart } from './cold-start.js';
import { errMsgOf } from './values.js';

/** File name of the shipped wasm inside the package folder. */
const WASM_FILE = 'weapp_login_bg.wasm.br';
/** Where the developer tools' "build npm" puts the wasm of this package. */
const DEFAULT_WASM_PATH = '/miniprogram_npm/weapp-login/' + WASM_FILE;

let loading = null; // one instantiation per module, shared by every manager
let loadedFrom; // the path it reads

/**
 * Creates a login manager. Returns at once; the wasm is instantiated in the background,
 * and a request that carries a persisted, unexpired token goes out without waiting for it.
 *
 * @param {object} options see pkg/REFERENCE.md (loginUrl is required; wx defaults to the global wx;
 *   `clock`, `{now(): number (ms), setTimeout(fn, ms), clearTimeout(handle)}`, defaults to
 *   `Date.now` and the global timers and drives every timer of the manager: loginTimeoutMs,
 *   backoff, renewal, the recheck after a background — pass a virtual clock in tests)
 * @returns {object} the LoginManager: request, uploadFile, downloadFile, login, logout,
 *   authorize, check, ready
 * @throws {LoginError} INVALID_OPTIONS for an unknown or ill-typed option, a host that
 *   is an IPv4 number other than a dotted quad, an `http:` origin without `allowHttp`, or
 *   a `wasmPath` other than the one an earlier manager of this app loads (one wasm per app);
 *   WASM_LOAD_FAILED when core.js is not beside index.js (index.js copied alone)
 */
function createLoginManager(options) {
  const o = validate(options, typeof wx !== 'undefined' ? wx : undefined);
  // Node (no WXWebAssembly): a file path, by default the file beside this module.
  const path = o.wasmPath !== undefined ? o.wasmPath
    : typeof WXWebAssembly !== 'undefined' ? DEFAULT_WASM_PATH
      : typeof __dirname === 'string' ? __dirname + '/' + WASM_FILE : undefined;
  if (loading !== null && path !== loadedFrom) {
    // Never served silently by another file's wasm.
    throw invalid('wasmPath ' + path + ' is not ' + loadedFrom + ' (one wasm per app)');
  }
  o.wasmPath = path;
  // First the cold start: storage is read, then, on a launch with no session, wx.login
  // starts, then wx.getNetworkType (cold-start.js), all before core.js (the manager, the
  // lease, the wasm loader and glue: two thirds of the code) is compiled. The two files
  // ship side by side in pkg/dist (scripts/bundle.js); a mini program's require finds
  // core.js there.
  const cold = createColdStart(o);
  let core;
  try {
    core = require('./core.js');
  } catch (e) {
    // index.js copied alone (by hand, instead of Build npm or a bundler).
    const m = errMsgOf(e, 'unknown error');
    throw new LoginError('WASM_LOAD_FAILED', 'cannot load core.js beside index.js: copy all of '
      + "weapp-login's dist/ (Build npm does): " + m, { errMsg: m });
  }
  if (loading === null) {
    // Never inside createLoginManager: it and the requests a page makes at once never wait
    // for reading or compiling the wasm. With no session, in a microtask: the login needs
    // the Core. With a persisted token that requests carry without it (cold-start.js
    // `sendsEarly`), after a task (the host's setTimeout, not `clock`: no timer of the
    // manager): WXWebAssembly.instantiate reads and decompresses in the call, and the
    // answers already in settle the page's first requests before that, not after.
    const later = cold.sendsEarly && typeof setTimeout === 'function'
      ? new Promise((resolve) => setTimeout(resolve, 0)) : Promise.resolve();
    const attempt = later.then(() => core.load(path));
    loading = attempt;
    loadedFrom = path;
    // A later manager may try again (e.g. with another wasmPath).
    attempt.catch(() => {
      // Always true today (this is the first reaction on `attempt`, so no later manager can
      // have started another load before it runs): kept so that it stays right if that changes.
      // Stryker disable next-line ConditionalExpression: equivalent, as said above
      if (loading === attempt) loading = null;
    });
  }
  return core.createManager(o, loading, cold);
}

export { createLoginManager, LoginError };
