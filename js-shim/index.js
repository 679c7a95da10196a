'use strict';
/**
 * weapp-login: the login-state (登录态) manager for WeChat mini programs.
 *
 *   const { createLoginManager, LoginError } = require('weapp-login');
 *   const auth = createLoginManager({ loginUrl: 'https://api.example.com/user/login',
 *                                     baseUrl: 'https://api.example.com' });
 *   auth.request({ url: '/api/profile' }).then((res) => res.data);
 *
 * The public contract is API.md; the types are in index.d.ts.
 */
const { LoginError } = require('./errors');
const { validate, coreOptions } = require('./options');
const { createHost } = require('./host');
const { load, WASM_FILE } = require('./loader');

/** Where the developer tools' "build npm" puts the wasm of this package. */
const DEFAULT_WASM_PATH = '/miniprogram_npm/weapp-login/' + WASM_FILE;

let loading = null; // one instantiation per module, shared by every manager

function makeError(code, message, extra) {
  return new LoginError(code, message, extra);
}

/**
 * Creates a login manager. Returns at once; the wasm is instantiated lazily and every
 * method waits for it.
 *
 * @param {object} options see API.md (loginUrl is required; wx defaults to the global wx;
 *   `clock`, `{now(): number (ms), setTimeout(fn, ms), clearTimeout(handle)}`, defaults to
 *   `Date.now` and the global timers and drives every timer of the manager: loginTimeoutMs,
 *   backoff, renewal, the recheck after a background — pass a virtual clock in tests)
 * @returns {{request: Function, login: Function, logout: Function, ready: Promise<void>}}
 * @throws {LoginError} INVALID_OPTIONS for an unknown or ill-typed option
 */
function createLoginManager(options) {
  const o = validate(options, typeof wx !== 'undefined' ? wx : undefined);
  let core = null;
  const host = createHost(o, () => core, makeError);
  if (loading === null) {
    const path = o.wasmPath !== undefined ? o.wasmPath
      : typeof WXWebAssembly !== 'undefined' ? DEFAULT_WASM_PATH : undefined;
    loading = load(path);
  }
  const coreReady = loading.then(
    (Core) => {
      core = new Core(coreOptions(o), host, host.load());
      host.watchPlatform();
      return core;
    },
    (e) => {
      loading = null; // a later manager may try again (e.g. with another wasmPath)
      throw new LoginError('WASM_LOAD_FAILED', 'could not instantiate the wasm: ' + ((e && e.message) || e),
        { errMsg: e && e.errMsg });
    },
  );
  const ready = coreReady.then(() => undefined);
  ready.catch(() => {}); // reported through every method; not an unhandled rejection

  return {
    /**
     * Sends a request as wx.request does, with the token when it goes to a trusted
     * origin, logging in first (once, shared) when needed and renewing on auth failures.
     * @param {object} req wx.request options plus `auth` (default true)
     * @returns {Promise<{data: *, statusCode: number, header: object, cookies: string[], errMsg: string}>}
     */
    request(req) {
      if (req === null || typeof req !== 'object') {
        return Promise.reject(new LoginError('INVALID_OPTIONS', 'invalid options: request needs an options object'));
      }
      return coreReady.then((c) => c.request(req));
    },
    /** Makes sure a valid login state exists; concurrent calls share one login. @returns {Promise<void>} */
    login() {
      return coreReady.then((c) => c.login()).then(() => undefined);
    },
    /** Forgets the login state (memory and storage). @returns {Promise<void>} */
    logout() {
      return coreReady.then((c) => { c.logout(); });
    },
    /** Settles when the wasm is instantiated (rejects WASM_LOAD_FAILED otherwise). */
    ready: ready,
  };
}

module.exports = { createLoginManager, LoginError };
