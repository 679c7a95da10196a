/**
 * weapp-login: login-state (登录态) manager for WeChat mini programs.
 * Contract: API.md of the project.
 */

/** Stable error codes of LoginError. */
export type LoginErrorCode =
  | 'WX_LOGIN_FAILED' | 'LOGIN_REJECTED' | 'LOGIN_TIMEOUT' | 'REQUEST_FAILED'
  | 'RETRY_LIMIT' | 'LOGGED_OUT' | 'NETWORK_OFFLINE' | 'INVALID_OPTIONS' | 'WASM_LOAD_FAILED';

/** The wx.request success result (any status). */
export interface RequestResult<T = any> {
  data: T;
  statusCode: number;
  header: Record<string, string>;
  cookies?: string[];
  errMsg: string;
}

/** Every failure the manager reports. */
export class LoginError extends Error {
  constructor(code: LoginErrorCode, message: string, extra?: { errMsg?: string; response?: RequestResult });
  readonly code: LoginErrorCode;
  /** The failed wx API's errMsg (WX_LOGIN_FAILED, REQUEST_FAILED). */
  readonly errMsg?: string;
  /** The login answer (LOGIN_REJECTED) or the last answer (RETRY_LIMIT). */
  readonly response?: RequestResult;
}

/** What happened, for `onEvent`. Never carries the token. */
export interface LoginEvent {
  type: 'login:start' | 'login:success' | 'login:failure' | 'session:restored' | 'session:expired'
    | 'renewal' | 'replay' | 'retry-limit' | 'logout' | 'offline' | 'storage:error'
    | 'login:unsafe-fields';
  /** The LoginError code, for login:failure. */
  code?: LoginErrorCode;
  /** The storage API's message, for storage:error. */
  errMsg?: string;
  /** session_key / openid / unionid found in the login answer (never kept), for login:unsafe-fields. */
  fields?: string[];
}

export interface LoginManagerOptions {
  /** Absolute URL; the manager POSTs JSON `{code}` there (code from wx.login). */
  loginUrl: string;
  /** Prefix for relative request URLs. */
  baseUrl?: string;
  /** The platform object (wx, tt, qq, or one with the same API). Default: the global wx. */
  wx?: any;
  /** Absolute code-package path of the .wasm or .wasm.br. */
  wasmPath?: string;
  /** Dotted path of the token in the login answer's JSON. Default 'token'. */
  tokenField?: string;
  /** Dotted path of the token's lifetime in seconds. Default 'expiresIn'. */
  expiresInField?: string;
  /** Header that carries the token. Default 'Authorization'. */
  tokenHeader?: string;
  /** Put before the token in that header. Default 'Bearer '. */
  tokenPrefix?: string;
  /**
   * 'data' puts the token in the JSON body as `tokenDataField` (the `sessionId` style),
   * for non-GET requests whose data is a plain object; others still use the header.
   * Never in the query string. Default 'header'.
   */
  tokenIn?: 'header' | 'data';
  /** Body field of the token with tokenIn 'data'. Default 'token'. */
  tokenDataField?: string;
  /** Statuses that mean "login state expired". Default [401]. */
  authFailStatusCodes?: number[];
  /** JSON body field whose values in authFailCodes mean the same. */
  authFailCodeField?: string;
  authFailCodes?: Array<string | number>;
  /** Your own verdict that a response is an auth failure. */
  isAuthFailure?: (result: RequestResult) => boolean;
  /** Re-logins one request may cause before RETRY_LIMIT. Default 3. */
  retryLimit?: number;
  /** wx.login plus the login POST, in ms. Default 10000. */
  loginTimeoutMs?: number;
  /**
   * Renew the token this many ms before the server's expiresIn runs out (client clock,
   * from when the login answer arrived; never before half its lifetime). Default 60000.
   */
  renewMarginMs?: number;
  /**
   * After a failed login, wait this many ms (doubling per failure in a row, jittered,
   * up to loginBackoffMaxMs) before the next; meanwhile requests that need a login
   * reject at once with the last login error. 0 turns it off. Default 1000.
   */
  loginBackoffMs?: number;
  /** Longest wait between failed logins, in ms. Default 60000. */
  loginBackoffMaxMs?: number;
  /** Back from the background after at least this many ms: wx.checkSession again. Default 300000. */
  recheckAfterHiddenMs?: number;
  /** wx storage key of the persisted session. Default 'weapp_login_session'. */
  storageKey?: string;
  /** The only origins that ever receive the token. Default: origins of loginUrl and baseUrl. */
  trustedOrigins?: string[];
  onEvent?: (event: LoginEvent) => void;
}

/** wx.request options plus `auth`. */
export interface RequestOptions {
  url: string;
  method?: 'OPTIONS' | 'GET' | 'HEAD' | 'POST' | 'PUT' | 'DELETE' | 'TRACE' | 'CONNECT';
  data?: string | object | ArrayBuffer;
  header?: Record<string, string>;
  dataType?: 'json' | string;
  responseType?: 'text' | 'arraybuffer';
  /** ms */
  timeout?: number;
  /** Default true; false sends without a token and never logs in. */
  auth?: boolean;
}

export interface LoginManager {
  request<T = any>(options: RequestOptions): Promise<RequestResult<T>>;
  login(): Promise<void>;
  logout(): Promise<void>;
  /** Settles when the wasm is instantiated. */
  readonly ready: Promise<void>;
}

export function createLoginManager(options: LoginManagerOptions): LoginManager;
