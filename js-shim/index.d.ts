/**
 * weapp-login: the login-state (登录态) manager for WeChat mini programs.
 *
 * ```ts
 * import { createLoginManager, LoginError } from 'weapp-login';
 * const auth = createLoginManager({
 *   loginUrl: 'https://api.example.com/user/login', // POST {code} → {token, expiresIn}
 *   baseUrl: 'https://api.example.com',
 * });
 * const res = await auth.request<{ name: string }>({ url: '/api/profile' });
 * ```
 *
 * The manager follows WeChat's login flow
 * (https://developers.weixin.qq.com/miniprogram/dev/framework/open-ability/login.html):
 * `wx.login` gives a code, your server exchanges it at code2Session and answers its own
 * token; the manager keeps that token and sends it with your requests. Time is in
 * milliseconds everywhere except `expiresIn` in the login answer (seconds).
 *
 * Every option, method, event, error code and adapter, with shapes and units, is in
 * REFERENCE.md beside this package's README (`node_modules/weapp-login/REFERENCE.md`).
 *
 * These types need nothing else; they are written so that WeChat's own typings
 * (`miniprogram-api-typings`) fit them: `wx` satisfies {@link WxLike}, a
 * `WechatMiniprogram.RequestOption` without callbacks is a {@link RequestOptions}, and a
 * {@link RequestResult} is a `WechatMiniprogram.RequestSuccessCallbackResult`.
 */

/**
 * The stable `code` of a {@link LoginError}. Codes never change meaning; more may be
 * added in a later version.
 *
 * - `WX_LOGIN_FAILED`: `wx.login` failed; `errMsg` holds its message.
 * - `LOGIN_REJECTED`: the login POST answered non-2xx or without a token; `response` holds it.
 *   The message names the status, or `tokenField`'s value and the answer's top-level keys
 *   (never their values), e.g. `no token string at tokenField 'token' (keys: access_token, expires_in)`.
 * - `LOGIN_TIMEOUT`: `wx.login` plus the login POST took longer than `loginTimeoutMs`.
 * - `REQUEST_FAILED`: `wx.request` failed with no response (the request's or the login
 *   POST's); `errMsg` holds its message (e.g. `"request:fail timeout"`).
 * - `RETRY_LIMIT`: still an auth failure after `retryLimit` re-logins; `response` holds the last answer.
 * - `LOGGED_OUT`: `logout()` was called while the request or login waited.
 * - `NETWORK_OFFLINE`: a login was needed while the platform reports no network; nothing was sent.
 * - `INVALID_OPTIONS`: bad options (of `createLoginManager` or `request`); `message` says which.
 * - `ABORTED`: `abort()` was called on the request's Promise.
 * - `WASM_LOAD_FAILED`: the wasm could not be instantiated (wrong `wasmPath`, "build npm"
 *   not run, base library below 2.14.0 for `.wasm.br`); the message names the path tried,
 *   `errMsg` holds the platform's message.
 * - `INTERNAL`: the wasm core trapped (a bug in weapp-login); every pending promise rejects
 *   with it instead of hanging.
 */
export type LoginErrorCode =
  | 'WX_LOGIN_FAILED'
  | 'LOGIN_REJECTED'
  | 'LOGIN_TIMEOUT'
  | 'REQUEST_FAILED'
  | 'RETRY_LIMIT'
  | 'LOGGED_OUT'
  | 'NETWORK_OFFLINE'
  | 'INVALID_OPTIONS'
  | 'ABORTED'
  | 'WASM_LOAD_FAILED'
  | 'INTERNAL';

/**
 * Every failure the manager reports: the rejection of `request`, `login`, `logout` and
 * `ready`, and what `createLoginManager` throws (`INVALID_OPTIONS`). Test with
 * `e instanceof LoginError` and switch on `e.code`.
 */
export class LoginError extends Error {
  /**
   * @param code the stable code
   * @param message human text (may change between versions; switch on `code`)
   * @param extra `errMsg` and `response`, where they apply
   */
  constructor(code: LoginErrorCode, message: string, extra?: { errMsg?: string; response?: RequestResult });
  /** Always `'LoginError'`. */
  name: 'LoginError';
  /** The stable code: what went wrong. */
  readonly code: LoginErrorCode;
  /**
   * The failed wx API's `errMsg`, e.g. `"login:fail ..."` for `WX_LOGIN_FAILED`,
   * `"request:fail ..."` for `REQUEST_FAILED`.
   */
  readonly errMsg?: string;
  /**
   * The `wx.request` success result behind the error: the login answer for
   * `LOGIN_REJECTED`, the last answer for `RETRY_LIMIT`.
   */
  readonly response?: RequestResult;
}

/**
 * What happened, for the `onEvent` option; `type` tells which. Never carries the token.
 * More types may be added in a later version: ignore the ones you do not know.
 */
export type LoginEvent =
  /** A login started: `wx.login` is being called. */
  | { type: 'login:start' }
  /** A login succeeded and its token was persisted. */
  | { type: 'login:success' }
  /**
   * A login failed; every request waiting for it rejects with this code
   * (`WX_LOGIN_FAILED`, `LOGIN_REJECTED`, `LOGIN_TIMEOUT` or `REQUEST_FAILED`).
   */
  | { type: 'login:failure'; code: LoginErrorCode }
  /** The login state persisted by an earlier launch was loaded. */
  | { type: 'session:restored' }
  /** `wx.checkSession` said WeChat's session expired; a login follows. */
  | { type: 'session:expired' }
  /** A request met an auth failure and waits for a new login. */
  | { type: 'renewal' }
  /** A request is sent again with a newer token. */
  | { type: 'replay' }
  /** A request gave up after `retryLimit` re-logins (it rejects with `RETRY_LIMIT`). */
  | { type: 'retry-limit' }
  /** `logout()` forgot the login state. */
  | { type: 'logout' }
  /** A login was needed while offline; its waiters rejected with `NETWORK_OFFLINE`. */
  | { type: 'offline' }
  /** The wx storage API threw (reading, writing or removing the session); `errMsg` is its message. */
  | { type: 'storage:error'; errMsg: string }
  /**
   * The login answer held fields that must never reach the client (session_key, openid,
   * unionid). They were not kept; the token was used. Fix the server.
   */
  | { type: 'login:unsafe-fields'; fields: Array<'session_key' | 'openid' | 'unionid'> }
  /**
   * The login answer's `expiresIn` is over 30 days (2,592,000 s): was it sent in ms?
   * (7,200,000 is 2 h in ms, 83 days in seconds.) The token is used as the server said;
   * `expiresIn` is the value it sent, read as seconds.
   */
  | { type: 'login:long-expiry'; expiresIn: number }
  /**
   * A request that wanted the token went out without it: its origin is not one of
   * `trustedOrigins`, or its URL is one that parsers read differently (`//host`, a
   * backslash first). Once per origin (`scheme://authority` as written; the URL itself
   * where it has none).
   */
  | { type: 'token:withheld'; origin: string };

/** The `type` of every {@link LoginEvent}. */
export type LoginEventType = LoginEvent['type'];

/**
 * The manager's clock and timers: `now()` in ms since the epoch, `setTimeout(fn, ms)`
 * returning a handle that `clearTimeout(handle)` cancels. Default: the global
 * `Date.now`, `setTimeout` and `clearTimeout`. Pass a virtual clock in tests (see
 * `weapp-login/testing`) to run `loginTimeoutMs`, backoff, renewal and the recheck
 * after a background without waiting.
 */
export interface Clock {
  /** Current time, ms since the epoch. */
  now(): number;
  /** Calls `fn` once after `ms` milliseconds; returns a handle for `clearTimeout`. */
  setTimeout(fn: () => void, ms: number): unknown;
  /** Cancels a timer that `setTimeout` returned. */
  clearTimeout(handle: unknown): void;
}

/** What a wx API passes its callbacks: at least `{errMsg}` (e.g. `"login:fail ..."`). */
export interface WxCallbackResult {
  errMsg: string;
}

/**
 * The platform object the manager drives: `wx`, or one with the same API (`tt`, `qq`,
 * `swan`, `my` where compatible, Taro, uni-app). The global `wx`
 * (`WechatMiniprogram.Wx`) satisfies it. Only the members below are used.
 */
export interface WxLike {
  /**
   * Gets a login code.
   * https://developers.weixin.qq.com/miniprogram/dev/api/open-api/login/wx.login.html
   */
  login(option: {
    timeout?: number;
    success?(result: { code: string; errMsg: string }): void;
    fail?(error: WxCallbackResult): void;
  }): unknown;
  /**
   * Sends the login POST and your requests.
   * https://developers.weixin.qq.com/miniprogram/dev/api/network/request/wx.request.html
   */
  request(option: Omit<RequestOptions, 'auth' | 'success' | 'fail' | 'complete'> & {
    success?(result: RequestResult): void;
    fail?(error: WxCallbackResult): void;
  }): unknown;
  /**
   * Whether WeChat's session (of the code) is still valid; once per launch while the
   * token is fresh.
   * https://developers.weixin.qq.com/miniprogram/dev/api/open-api/login/wx.checkSession.html
   */
  checkSession(option: { success?(result: WxCallbackResult): void; fail?(error: WxCallbackResult): void }): unknown;
  /** https://developers.weixin.qq.com/miniprogram/dev/api/storage/wx.getStorageSync.html */
  getStorageSync(key: string): any;
  /** https://developers.weixin.qq.com/miniprogram/dev/api/storage/wx.setStorageSync.html */
  setStorageSync(key: string, data: any): void;
  /** https://developers.weixin.qq.com/miniprogram/dev/api/storage/wx.removeStorageSync.html */
  removeStorageSync(key: string): void;
  /**
   * Optional: without it the network is taken to be up.
   * https://developers.weixin.qq.com/miniprogram/dev/api/device/network/wx.getNetworkType.html
   */
  getNetworkType?(option: { success?(result: { networkType: string }): void; fail?(error: WxCallbackResult): void }): unknown;
  /** Optional. https://developers.weixin.qq.com/miniprogram/dev/api/device/network/wx.onNetworkStatusChange.html */
  onNetworkStatusChange?(listener: (result: { isConnected: boolean; networkType: string }) => void): void;
  /** Optional. https://developers.weixin.qq.com/miniprogram/dev/api/base/app/app-event/wx.onAppHide.html */
  onAppHide?(listener: (result: any) => void): void;
  /** Optional. https://developers.weixin.qq.com/miniprogram/dev/api/base/app/app-event/wx.onAppShow.html */
  onAppShow?(listener: (result: any) => void): void;
}

/** Options of {@link createLoginManager}. Unknown or ill-typed options throw `INVALID_OPTIONS`. */
export interface LoginManagerOptions {
  /**
   * Required. Absolute http(s) URL of your login endpoint: the manager POSTs JSON
   * `{code}` there (the code from `wx.login`); the answer's JSON holds the token at
   * `tokenField` and, optionally, its lifetime in seconds at `expiresInField`.
   * Your server exchanges the code at code2Session
   * (https://developers.weixin.qq.com/miniprogram/dev/OpenApiDoc/user-login/code2Session.html)
   * and never sends session_key or openid back.
   */
  loginUrl: string;
  /**
   * Absolute http(s) URL put before request URLs that are relative (`'/api/x'`, `'api/x'`);
   * a scheme-relative one (`'//cdn.example.com/y'`) takes its scheme, as WHATWG reads it
   * (and never carries the token). Default: none.
   */
  baseUrl?: string;
  /** The platform object. Default: the global `wx` (required where none exists, e.g. in Node). */
  wx?: WxLike;
  /**
   * Absolute code-package path of the `.wasm` or `.wasm.br`, for
   * `WXWebAssembly.instantiate` (https://developers.weixin.qq.com/miniprogram/dev/framework/performance/wasm.html).
   * Default: `'/miniprogram_npm/weapp-login/weapp_login_bg.wasm.br'`, where the developer
   * tools' "build npm" puts it. Where there is no `WXWebAssembly` (Node): a file-system
   * path, by default the file beside the module. One wasm per app: a manager whose
   * `wasmPath` differs from an earlier manager's throws `INVALID_OPTIONS` naming both.
   */
  wasmPath?: string;
  /** Dotted path of the token in the login answer's JSON (`'data.token'`). Default `'token'`. */
  tokenField?: string;
  /** Dotted path of the token's lifetime, in **seconds**, in the login answer. Default `'expiresIn'`. */
  expiresInField?: string;
  /** Header that carries the token. Default `'Authorization'`. */
  tokenHeader?: string;
  /** Put before the token in that header. Default `'Bearer '`. */
  tokenPrefix?: string;
  /**
   * `'data'` puts the token in the body as `tokenDataField` (the `sessionId` style) for
   * non-GET requests whose data is a plain object; others still use the header. Never in
   * the query string. Default `'header'`.
   */
  tokenIn?: 'header' | 'data';
  /** Body field of the token with `tokenIn: 'data'`. Default `'token'`. */
  tokenDataField?: string;
  /** HTTP statuses (100–599) that mean "login state expired". Default `[401]`. */
  authFailStatusCodes?: number[];
  /** Dotted path of a JSON body field whose values in `authFailCodes` mean the same (e.g. `'return_code'`). Default: none. */
  authFailCodeField?: string;
  /** Values of `authFailCodeField` that mean "login state expired" (e.g. `[10000]`). Default `[]`. */
  authFailCodes?: Array<string | number>;
  /** Your own verdict that a response is an auth failure (beside the two above). A throw counts as `false`. */
  isAuthFailure?: (result: RequestResult) => boolean;
  /** Re-logins one request may cause before it rejects with `RETRY_LIMIT`: an integer 0–100. Default 3. */
  retryLimit?: number;
  /** A login (`wx.login` plus the login POST) longer than this many ms fails with `LOGIN_TIMEOUT`. Default 10000. */
  loginTimeoutMs?: number;
  /**
   * Renew the token this many ms before the server's `expiresIn` runs out (client clock,
   * from when the login answer arrived; never before half its lifetime). Default 60000.
   */
  renewMarginMs?: number;
  /**
   * After a failed login, wait this many ms (doubling per failure in a row, jittered, up
   * to `loginBackoffMaxMs`) before the next; meanwhile requests that need a login reject
   * at once with the last login error. 0 turns backoff off. Default 1000.
   */
  loginBackoffMs?: number;
  /** Longest wait between failed logins, in ms. Default 60000. */
  loginBackoffMaxMs?: number;
  /** Back in the foreground after at least this many ms in the background: `wx.checkSession` again. Default 300000. */
  recheckAfterHiddenMs?: number;
  /** wx storage key of the persisted login state (`{token, expiresAt}`). Default `'weapp_login_session'`. */
  storageKey?: string;
  /** Absolute http(s) origins that may receive the token; no other ever does. Default: the origins of `loginUrl` and `baseUrl`. */
  trustedOrigins?: string[];
  /** Told what happened (see {@link LoginEvent}); a throw in it is ignored. */
  onEvent?: (event: LoginEvent) => void;
  /**
   * `true` lets an `http:` origin (`loginUrl`, `baseUrl`, `trustedOrigins`) carry the
   * token in clear. Default `false`: such an option is `INVALID_OPTIONS` naming
   * `allowHttp`, except loopback hosts (`localhost`, `127.0.0.1`, `[::1]`). WeChat
   * requires HTTPS in production (https://developers.weixin.qq.com/miniprogram/dev/framework/ability/network.html).
   */
  allowHttp?: boolean;
  /**
   * Default `true`: on a launch with nothing stored that the manager keeps (no token, or
   * one within `renewMarginMs` of its `expiresAt`), `wx.login` starts in
   * `createLoginManager`, in parallel with the wasm's load, and the first login posts its
   * code if that `wx.login` started under 60 s before (a code expires 5 minutes after it is
   * given). A page sees that one `wx.login` at launch even if no request follows (its code
   * is then never posted). Its failure is not reported, spends no retry and starts no
   * backoff: the login makes its own `wx.login`. `false`: `wx.login` only when a login is
   * needed. https://developers.weixin.qq.com/miniprogram/dev/api/open-api/login/wx.login.html
   */
  earlyLogin?: boolean;
  /**
   * ms; default 5000. A `wx.checkSession` that has not answered by then counts as failed
   * (a re-login then gives a verified session_key: at worst one extra wx.login per launch).
   */
  checkSessionTimeoutMs?: number;
  /**
   * ms; default 3000. At launch, a needed login waits at most this long for the first
   * `wx.getNetworkType` answer (none: `NETWORK_OFFLINE`, no login; only `earlyLogin`'s
   * `wx.login` may have started). 0: no wait.
   */
  networkWaitMs?: number;
  /**
   * Default `false`: a persisted, unexpired token is used at once and `wx.checkSession`
   * runs in parallel (a failure drops the session; `login()` always waits for the check).
   * `true`: every request waits for the check (for servers whose routes need `session_key`).
   */
  awaitCheckSession?: boolean;
  /** Absolute URL; `logout()` POSTs the token there (best effort, after the local state is gone). */
  logoutUrl?: string;
  /** The manager's clock and timers (see {@link Clock}). Default: `Date.now` and the global timers. */
  clock?: Clock;
}

/**
 * Options of {@link LoginManager.request}: those of `wx.request`
 * (https://developers.weixin.qq.com/miniprogram/dev/api/network/request/wx.request.html)
 * without its callbacks, plus `auth`. A `WechatMiniprogram.RequestOption` without
 * `success`, `fail` and `complete` fits. Everything but `url` and `auth` goes to
 * `wx.request` as given (the token header or body field added).
 */
export interface RequestOptions {
  /** Absolute URL, or relative to `baseUrl`. */
  url: string;
  /** Default `'GET'`. */
  method?: 'OPTIONS' | 'GET' | 'HEAD' | 'POST' | 'PUT' | 'DELETE' | 'TRACE' | 'CONNECT';
  /** The body (GET: the query string, where the token never goes). */
  data?: string | Record<string, any> | ArrayBuffer;
  /** Request headers. The manager owns `tokenHeader`: your own copy of it is dropped when a token is sent. */
  header?: Record<string, any>;
  /** `'json'` (default) parses the answer as JSON. */
  dataType?: string;
  /** `'text'` (default) or `'arraybuffer'`. */
  responseType?: 'text' | 'arraybuffer';
  /** Timeout of this `wx.request`, in ms. */
  timeout?: number;
  /** wx.request's own switches, passed through as given. */
  enableCache?: boolean;
  enableChunked?: boolean;
  enableHttp2?: boolean;
  enableHttpDNS?: boolean;
  enableHttpDNSFallback?: boolean;
  enableProfile?: boolean;
  enableQuic?: boolean;
  forceCellularNetwork?: boolean;
  httpDNSServiceId?: string;
  /** ms */
  httpDNSTimeout?: number;
  redirect?: 'follow' | 'manual';
  useHighPerformanceMode?: boolean;
  /** Default `true`. `false` sends without a token and never logs in. */
  auth?: boolean;
  /** Called with the result, as wx calls it (the Promise resolves too). */
  success?: (result: RequestResult) => void;
  /** Called with the `LoginError`, as wx calls `fail` (the Promise rejects too). */
  fail?: (error: LoginError) => void;
  /** Called last, with the result or the `LoginError`. */
  complete?: (resultOrError: RequestResult | LoginError) => void;
}

/** `wx.uploadFile` options plus `auth`; the token goes in the header only. */
export interface UploadFileOptions {
  url: string;
  filePath: string;
  name: string;
  header?: Record<string, any>;
  formData?: Record<string, any>;
  /** ms */
  timeout?: number;
  /** Default `true`. */
  auth?: boolean;
  success?: (result: UploadFileResult) => void;
  fail?: (error: LoginError) => void;
  complete?: (resultOrError: UploadFileResult | LoginError) => void;
}

/** `wx.uploadFile`'s success result: `data` is the body as a string. */
export interface UploadFileResult {
  data: string;
  statusCode: number;
  errMsg: string;
}

/** `wx.downloadFile` options plus `auth`; the token goes in the header only. */
export interface DownloadFileOptions {
  url: string;
  header?: Record<string, any>;
  filePath?: string;
  /** ms */
  timeout?: number;
  /** Default `true`. */
  auth?: boolean;
  success?: (result: DownloadFileResult) => void;
  fail?: (error: LoginError) => void;
  complete?: (resultOrError: DownloadFileResult | LoginError) => void;
}

/** `wx.downloadFile`'s success result. */
export interface DownloadFileResult {
  tempFilePath: string;
  filePath?: string;
  statusCode: number;
  errMsg: string;
}

/**
 * The Promise of `request`, `uploadFile` and `downloadFile`: `abort()` drops a waiting
 * request without touching the login, or aborts one on the wire through its task; it
 * rejects `ABORTED` and frees its slot (as `Taro.request`'s Promise does).
 */
export interface AbortablePromise<T> extends Promise<T> {
  abort(): void;
}

/**
 * The opaque ticket of `authorize`: which token generation was used, and how many re-logins
 * this logical request caused. Read, never written: a frozen ticket (immer, Redux Toolkit) works.
 */
export interface Ticket {
  readonly generation: number;
  readonly relogins: number;
}

/**
 * What {@link LoginManager.request} resolves with: `wx.request`'s success result as the
 * platform gave it, for any status that is not an auth failure. Assignable to
 * `WechatMiniprogram.RequestSuccessCallbackResult<T>`.
 *
 * @typeParam T the type of `data` (your server's JSON); `any` by default
 */
export interface RequestResult<T = any> {
  /** The answer's body: parsed JSON with `dataType: 'json'`, else a string or ArrayBuffer. */
  data: T;
  /** HTTP status. */
  statusCode: number;
  /** Response headers. */
  header: Record<string, any>;
  /** `Set-Cookie` values (base library 2.10.0+). */
  cookies: string[];
  /** `"request:ok"`. */
  errMsg: string;
  /**
   * WeChat's exception details (base library 3.0.0+; `RequestException`), absent on
   * platforms without them. Typed loosely so that the result stays assignable to any
   * version of `WechatMiniprogram.RequestSuccessCallbackResult`.
   */
  exception: any;
  /** WeChat's timing details (base library 2.10.4+, iOS and Android only; `RequestProfile`). Typed loosely as `exception`. */
  profile: any;
  /** Whether HttpDNS was used (base library 3.4.10+, only with `enableHttpDNS`). */
  useHttpDNS: boolean;
}

/** A login manager: one per app (keep it in `App({globalData})` or a module) so every page shares one login state. */
export interface LoginManager {
  /**
   * Sends a request as `wx.request` does, with the token when it goes to a trusted origin.
   * With no valid login state it logs in first (once, however many requests wait); on an
   * auth failure it logs in again and replays, at most `retryLimit` times.
   *
   * @typeParam T the type of the result's `data`
   * @returns the wx.request success result, for any status that is not an auth failure
   * @throws {LoginError} (the Promise rejects) `INVALID_OPTIONS`, any login failure code,
   *   `REQUEST_FAILED`, `RETRY_LIMIT`, `LOGGED_OUT`, `NETWORK_OFFLINE`, `WASM_LOAD_FAILED`
   */
  request<T = any>(options: RequestOptions): AbortablePromise<RequestResult<T>>;
  /** `wx.uploadFile` with the same login, renewal and replay as `request`; its own 10 slots. */
  uploadFile(options: UploadFileOptions): AbortablePromise<UploadFileResult>;
  /** `wx.downloadFile` with the same login, renewal and replay as `request`; its own 10 slots. */
  downloadFile(options: DownloadFileOptions): AbortablePromise<DownloadFileResult>;
  /**
   * Interceptor primitive: waits for a valid login state (one login shared with
   * everything else) and resolves with a copy of `options` carrying the token (only for
   * trusted origins) and a ticket. Pass the previous ticket as `options.ticket` when
   * authorizing a replay. `options.url` is read once and resolved against `baseUrl`; the
   * copy's `url` is that absolute URL, the one judged: send it as it is.
   * @throws {LoginError} (the Promise rejects) any login failure code, `LOGGED_OUT`, `INVALID_OPTIONS`
   */
  authorize<O extends { url: string }>(options: O & { ticket?: Ticket; auth?: boolean }): Promise<{ options: O; ticket: Ticket }>;
  /**
   * Interceptor primitive: `'ok'` when `response` is not an auth failure (status,
   * body code, `isAuthFailure`); otherwise waits for the one shared renewal (none when a
   * newer token exists) and resolves `'replay'`.
   * @throws {LoginError} (the Promise rejects) `RETRY_LIMIT` past `retryLimit` (with `response`), `LOGGED_OUT`, a login failure code
   */
  check(ticket: Ticket, response: { statusCode: number; data?: unknown; header?: Record<string, unknown> }): Promise<'ok' | 'replay'>;
  /**
   * Makes sure a valid login state exists, logging in only if needed; concurrent calls
   * (and requests) share one login.
   * @throws {LoginError} (the Promise rejects) `WX_LOGIN_FAILED`, `LOGIN_REJECTED`,
   *   `LOGIN_TIMEOUT`, `REQUEST_FAILED`, `NETWORK_OFFLINE`, `LOGGED_OUT`, `WASM_LOAD_FAILED`
   */
  login(): Promise<void>;
  /**
   * Forgets the login state (memory and storage); requests waiting for a login reject
   * with `LOGGED_OUT`. The next request logs in again.
   * @throws {LoginError} (the Promise rejects) only `WASM_LOAD_FAILED`
   */
  logout(): Promise<void>;
  /** Settles when the wasm is instantiated; rejects with `WASM_LOAD_FAILED` if it cannot be. */
  readonly ready: Promise<void>;
}

/**
 * Creates a login manager. Returns at once; the wasm is instantiated lazily (with
 * `WXWebAssembly` in a mini program) and every method waits for it.
 *
 * @throws {LoginError} `INVALID_OPTIONS`, synchronously, naming the first unknown or ill-typed
 *   option, or a `wasmPath` other than the one an earlier manager of the app loads;
 *   `WASM_LOAD_FAILED`, synchronously, when `core.js` is not beside `index.js` (the
 *   package's `dist/` copied in part: copy all of it, as Build npm does)
 */
export function createLoginManager(options: LoginManagerOptions): LoginManager;
