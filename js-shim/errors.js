/**
 * LoginError: every failure the manager reports (pkg/REFERENCE.md, "Errors").
 *
 * `code` is stable: WX_LOGIN_FAILED, LOGIN_REJECTED, LOGIN_TIMEOUT, REQUEST_FAILED,
 * RETRY_LIMIT, LOGGED_OUT, NETWORK_OFFLINE, INVALID_OPTIONS, ABORTED (`abort()` on the
 * returned Promise), WASM_LOAD_FAILED (the wasm could not be instantiated: wrong
 * `wasmPath`, base library < 2.14.0 for .wasm.br) and INTERNAL (the wasm core trapped:
 * a bug in weapp-login; every pending promise rejects with it instead of hanging).
 * `errMsg` holds the wx API's message where one failed; `response` the wx.request
 * success result for LOGIN_REJECTED (the login answer) and RETRY_LIMIT (the last answer).
 */
class LoginError extends Error {
  /**
   * @param {string} code stable error code
   * @param {string} message human text
   * @param {{errMsg?: string, response?: object}} [extra]
   */
  constructor(code, message, extra) {
    super(message);
    this.name = 'LoginError';
    this.code = code;
    if (extra && extra.errMsg !== undefined) this.errMsg = extra.errMsg;
    if (extra && extra.response !== undefined) this.response = extra.response;
  }
}

export { LoginError };
