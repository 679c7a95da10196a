/**
 * weapp-login/testing: a virtual clock, a scripted developer server and a fake
 * platform object (`wx`, `tt`, `qq`, Taro's or uni-app's) to test mini-program code
 * that logs in, without a device and without waiting for real time.
 *
 * @example
 * const { createLoginManager } = require('weapp-login');
 * const { createClock, createServer, createFakeWx } = require('weapp-login/testing');
 *
 * const clock = createClock();
 * const server = createServer();
 * server.loginRoute('/user/login', { expiresIn: 7200 });
 * server.route('GET', '/api/profile', server.authed(() => ({ data: { nickname: 'Ann' } })));
 * const fake = createFakeWx({ clock, server, platform: 'wx' });
 * const auth = createLoginManager({
 *   wx: fake.api, clock, loginUrl: 'https://api.example.com/user/login', baseUrl: 'https://api.example.com',
 * });
 * await auth.ready; // the wasm loads on real time: wait for it before driving the clock
 * const res = await clock.runUntil(auth.request({ url: '/api/profile' }));
 * // res.statusCode === 200; fake.calls.login === 1; fake.calls.requests[1].header.Authorization === 'Bearer tok-code-1'
 *
 * server.expireTokens(); // the next request gets a 401, the manager logs in again
 * await clock.runUntil(auth.request({ url: '/api/profile' }));
 * // fake.calls.login === 2
 *
 * The module is plain ES2017 CommonJS without require(): it runs in Node, browsers and
 * JavaScriptCore's `jsc` shell. errMsg strings follow WeChat's documentation
 * (https://developers.weixin.qq.com/miniprogram/dev/api/).
 */

/** A virtual clock: time moves only when the test says so. All times are in ms. */
export interface FakeClock {
  /** Virtual time, ms (starts at `createClock({start})`, default 0). */
  now(): number;
  /** Like the host's setTimeout, on virtual time; returns a numeric handle. */
  setTimeout(fn: (...args: any[]) => void, ms?: number, ...args: any[]): number;
  /** Cancels a timer; unknown handles are ignored. */
  clearTimeout(handle: unknown): void;
  /**
   * Fires every timer due within `ms`, in order of due time (then of creation), letting
   * promise reactions run after each, and leaves `now()` `ms` later. Calls are queued:
   * never two at once. Rejects with the first error a timer callback threw (the other
   * timers still fire), or a TypeError for a negative or non-finite `ms`.
   */
  advance(ms: number): Promise<void>;
  /**
   * Fires timers until none is left. Rejects if that would take more than `limitMs`
   * (default 60000) of virtual time: a login manager keeps a renewal timer while its
   * token has an `expiresIn`, so prefer `advance` or `runUntil` with one.
   */
  runAll(limitMs?: number): Promise<void>;
  /**
   * Fires timers one by one until `promise` settles, then settles like it (resolves with
   * its value or rejects with its reason). Rejects with an Error if it is still pending
   * after `limitMs` (default 60000) of virtual time, or when no timer is left to fire.
   */
  runUntil<T>(promise: PromiseLike<T> | T, limitMs?: number): Promise<T>;
  /** Lets pending promise reactions run (one real macrotask); virtual time does not move. */
  flush(): Promise<void>;
  /** The number of timers not yet fired or cleared. */
  pending(): number;
}

/** @param options `start`: the initial `now()`, ms (default 0). */
export function createClock(options?: { start?: number }): FakeClock;

/**
 * A mini program's local storage. Values are kept as JSON (what comes back is a copy).
 * Share one between two fakes to simulate a second launch.
 */
export interface FakeStorage {
  /** The value, or `''` for a missing key (as `wx.getStorageSync`). */
  get(key: string): any;
  has(key: string): boolean;
  /**
   * @throws Error with `message` and `errMsg` `"setStorageSync:fail exceed storage max size"`
   *   over 1 MB (UTF-8 JSON) for the key or 10 MB in all.
   */
  set(key: string, value: any): void;
  remove(key: string): void;
  clear(): void;
  keys(): string[];
}

export function createStorage(): FakeStorage;

/** What a route's handler receives: one wx.request, wx.uploadFile or wx.downloadFile as it reached the server. */
export interface ServerRequest {
  /** Which API sent it. */
  api: 'request' | 'uploadFile' | 'downloadFile';
  /** Upper case: `'GET'`, `'POST'`, … */
  method: string;
  /** The full URL, with the query string wx.request built from GET data. */
  url: string;
  /** `'https://api.example.com'` (lower case). */
  origin: string;
  /** `'/api/profile'`. */
  path: string;
  /** The query string, decoded. */
  query: Record<string, string>;
  /** The headers as sent. */
  header: Record<string, string>;
  /** The body as sent (a JSON copy; a JSON string body is parsed); an upload's `formData`. */
  data: any;
  /** An upload's file: the form field `name` and the local `filePath`. */
  file?: { name: string; filePath: string };
  /** The clock's `now()` when the request reached the server, ms. */
  time: number;
}

/**
 * A handler's answer: a response (any status reaches `success`, like WeChat), a
 * network failure `{fail: errMsg}`, or `{hang: true}` (no answer: the request's
 * `timeout`, default 60000 ms, fails it with `"request:fail timeout"`).
 */
export type ServerAnswer =
  | { statusCode?: number; data?: any; header?: Record<string, string>; delayMs?: number }
  | { fail: string; delayMs?: number }
  | { hang: true };

export type RouteHandler = (req: ServerRequest) => ServerAnswer | undefined;

/** A scripted developer server, reached through the fake's `wx.request`. */
export interface FakeServer {
  /**
   * Adds a route. `method`: an HTTP method or `'*'`. A string path matches the URL's
   * path exactly; a RegExp is tested against it. The first match answers; no match is a
   * 404 `{error: 'not found'}`; a handler that throws answers 500.
   */
  route(method: string, path: string | RegExp, handler: RouteHandler): FakeServer;
  /**
   * Your login endpoint. For a fresh code from the fake's `wx.login` it issues the token
   * `tokenPrefix + code` (`'tok-code-1'`) and answers `{token, expiresIn}` (seconds;
   * `null` leaves it out). Like auth.code2Session: 400 `{errcode: 40163, errmsg: 'code
   * been used'}` for a reused code, 400 `{errcode: 40029, errmsg: 'invalid code'}` for an
   * unknown one or one older than 5 minutes.
   * @param options `tokenPrefix` default `'tok-'`, `expiresIn` default 7200, `method` default `'POST'`
   */
  loginRoute(path: string | RegExp, options?: { tokenPrefix?: string; expiresIn?: number | null; method?: string }): FakeServer;
  /** Whether the request's `Authorization: Bearer <token>` holds an issued, unexpired token. */
  validToken(req: ServerRequest): boolean;
  /** Wraps a handler: 401 `{error: 'unauthorized'}` unless `validToken(req)`. */
  authed(handler: RouteHandler): RouteHandler;
  /** Every issued token becomes invalid: the next request with one gets a 401. */
  expireTokens(): void;
  /** `false` makes `wx.checkSession` fail (WeChat's session_key expired). Default `true`. */
  sessionKeyValid: boolean;
  /**
   * Issues a login code (`'code-1'`, `'code-2'`, …; unique per server). The fake's
   * `wx.login` calls it with the clock's time, ms.
   */
  issueCode(time?: number): string;
}

export function createServer(): FakeServer;

/** The platform shapes a fake can take. */
export type FakePlatform = 'wx' | 'tt' | 'qq' | 'taro' | 'uni';

/** `networkType` values of `wx.getNetworkType`. */
export type NetworkType = 'wifi' | '2g' | '3g' | '4g' | '5g' | 'unknown' | 'none';

/** Callbacks of an async wx API: `success` or `fail`, then `complete`. */
export interface FakeCallbacks<T> {
  success?(result: T): void;
  fail?(error: { errMsg: string }): void;
  complete?(result: T | { errMsg: string }): void;
}

/** A RequestTask (https://developers.weixin.qq.com/miniprogram/dev/api/network/request/RequestTask.html). */
export interface FakeRequestTask {
  /** Fails the request with `"request:fail abort"` unless it has answered, and frees its slot. */
  abort(): void;
  onHeadersReceived(listener: (result: { header: Record<string, string> }) => void): void;
  offHeadersReceived(listener: (result: { header: Record<string, string> }) => void): void;
}

/**
 * An UploadTask or DownloadTask: `abort()` fails it with `"uploadFile:fail abort"` /
 * `"downloadFile:fail abort"` (WeChat's `<api>:fail abort` convention; unconfirmed text).
 * The fake reports no progress.
 */
export interface FakeFileTask extends FakeRequestTask {
  onProgressUpdate(listener: (result: { progress: number; totalBytesSent?: number; totalBytesWritten?: number }) => void): void;
  offProgressUpdate(listener: (result: any) => void): void;
}

/** One wx.request as the fake saw it. */
export interface FakeRequestLog {
  method: string;
  /** With the query string built from GET data. */
  url: string;
  origin?: string;
  path?: string;
  header: Record<string, string>;
  data: any;
  /** Clock time of the call, ms. */
  time: number;
  /** Set when it answered. */
  statusCode?: number;
  /** Set when it failed. */
  errMsg?: string;
  /** Made while 10 calls of its API were already unanswered (WeChat queued it). */
  overLimit?: boolean;
}

/** What the fake counts: each API by name, and every wx.request, wx.uploadFile and wx.downloadFile. */
export interface FakeCalls {
  login: number;
  checkSession: number;
  request: number;
  uploadFile: number;
  downloadFile: number;
  getNetworkType: number;
  /** Every other API called at least once, by name (`getStorageSync`, …). */
  [api: string]: any;
  requests: FakeRequestLog[];
  /** Every wx.uploadFile (`method` POST, `data` its formData, `file` {name, filePath}). */
  uploads: Array<FakeRequestLog & { file: { name: string; filePath: string } }>;
  /** Every wx.downloadFile (`method` GET). */
  downloads: FakeRequestLog[];
  /** Running now, per API (each at most 10; WeChat queues the rest per API). */
  inFlightByApi: { request: number; uploadFile: number; downloadFile: number };
  /** The most running at once, per API (never above 10: the fake queues the rest, as WeChat does). */
  maxInFlightByApi: { request: number; uploadFile: number; downloadFile: number };
  /**
   * What the code under test asked for: the most calls of each API unanswered at once,
   * running or queued. Above 10 means it asked for more than WeChat runs at once.
   */
  maxAskedByApi: { request: number; uploadFile: number; downloadFile: number };
  /**
   * Calls made while 10 of that API were already unanswered (each logged with
   * `overLimit: true`). WeChat queues them; a manager that keeps to the limit makes none.
   */
  overLimitByApi: { request: number; uploadFile: number; downloadFile: number };
  /** wx.request running now (at most 10; WeChat queues the rest). */
  inFlight: number;
  maxInFlight: number;
  /** The most wx.request calls outstanding at once, WeChat's queue included. */
  maxConcurrent: number;
  /**
   * Reasons of Promises the fake returned (Taro always; wx and uni without callbacks)
   * that rejected with no handler: what an app would log as an unhandled rejection.
   */
  unhandledRejections: any[];
}

/**
 * The fake platform object: the members weapp-login uses and a few more. Async APIs
 * answer after `latencyMs` of virtual time. Shapes (`platform`): `wx` calls back and
 * returns a Promise from checkSession/getNetworkType when given no callback
 * (base library 2.10.2+), never from wx.login (its page: Promise style is not
 * supported; it returns undefined), wx.request returns a RequestTask; `tt`, `qq`: callbacks only;
 * `taro`: Taro 3, callbacks AND a Promise always (rejects on fail), the Promise of
 * request, uploadFile and downloadFile has `abort()`; `uni`: uni-app (Vue 3), callbacks call through, no callback → Promise.
 */
export interface FakeWxApi {
  /**
   * Success `{code: 'code-N', errMsg: 'login:ok'}`. Callback style only on `wx`, `tt`,
   * `qq` (returns undefined: `await wx.login()` fails on a phone too); Taro and uni-app
   * wrap it in a Promise. https://developers.weixin.qq.com/miniprogram/dev/api/open-api/login/wx.login.html
   */
  login(option?: { timeout?: number } & FakeCallbacks<{ code: string; errMsg: string }>): any;
  /**
   * `"checkSession:ok"`, or fails `"checkSession:fail 系统错误，错误码：-13001,session time out,
   * need relogin"` while `server.sessionKeyValid` is false.
   */
  checkSession(option?: FakeCallbacks<{ errMsg: string }>): any;
  /**
   * Success for every status: `{data, statusCode, header, cookies, errMsg: 'request:ok'}`.
   * Fails `"request:fail timeout"`, `"request:fail abort"`, a route's `fail`, or offline
   * `"request:fail -2:net::ERR_INTERNET_DISCONNECTED"` (unconfirmed text).
   */
  request(option: {
    url: string; method?: string; data?: any; header?: Record<string, string>;
    dataType?: string; responseType?: string; timeout?: number;
  } & FakeCallbacks<{ data: any; statusCode: number; header: Record<string, string>; cookies: string[]; errMsg: string }>): any;
  /**
   * A POST to the server (`req.api === 'uploadFile'`). Success `{data: string, statusCode,
   * errMsg: 'uploadFile:ok'}` (no header, as WeChat's): `data` is the body as text, never parsed. Its own
   * limit of 10 in flight. Returns an UploadTask ({@link FakeFileTask}).
   * https://developers.weixin.qq.com/miniprogram/dev/api/network/upload/wx.uploadFile.html
   */
  uploadFile(option: {
    url: string; filePath: string; name: string; header?: Record<string, string>;
    formData?: Record<string, any>; timeout?: number;
  } & FakeCallbacks<{ data: string; statusCode: number; errMsg: string }>): any;
  /**
   * A GET to the server (`req.api === 'downloadFile'`). Success `{tempFilePath, statusCode,
   * errMsg: 'downloadFile:ok'}`, or `{filePath, statusCode, errMsg}` with no tempFilePath
   * when a `filePath` was given (no header, as WeChat's); `fake.files[path]`
   * holds the body. Its own limit of 10 in flight. Returns a DownloadTask ({@link FakeFileTask}).
   * https://developers.weixin.qq.com/miniprogram/dev/api/network/download/wx.downloadFile.html
   */
  downloadFile(option: {
    url: string; header?: Record<string, string>; filePath?: string; timeout?: number;
  } & FakeCallbacks<{ tempFilePath?: string; filePath?: string; statusCode: number; errMsg: string }>): any;
  getNetworkType(option?: FakeCallbacks<{ networkType: NetworkType; errMsg: string }>): any;
  /** `''` for a missing key. */
  getStorageSync(key: string): any;
  /** @throws Error `"setStorageSync:fail exceed storage max size"` over 1 MB per key. */
  setStorageSync(key: string, data: any): void;
  removeStorageSync(key: string): void;
  clearStorageSync(): void;
  onNetworkStatusChange(listener: (result: { isConnected: boolean; networkType: NetworkType }) => void): void;
  offNetworkStatusChange(listener: (result: { isConnected: boolean; networkType: NetworkType }) => void): void;
  onAppShow(listener: (result: { path: string; query: Record<string, string>; scene: number }) => void): void;
  offAppShow(listener: (result: any) => void): void;
  onAppHide(listener: (result?: any) => void): void;
  offAppHide(listener: (result?: any) => void): void;
}

/** The APIs `failNext` can make fail. */
export type FailableApi = 'login' | 'checkSession' | 'request' | 'uploadFile' | 'downloadFile' | 'getNetworkType'
  | 'getStorageSync' | 'setStorageSync' | 'removeStorageSync';

export interface FakeWx {
  /** Pass it as `createLoginManager({ wx: fake.api, clock: fake.clock, … })`. */
  api: FakeWxApi;
  clock: FakeClock;
  server: FakeServer;
  storage: FakeStorage;
  platform: FakePlatform;
  calls: FakeCalls;
  /** Virtual ms before each async API answers; change it at any time. */
  latencyMs: number;
  /** What each wx.downloadFile saved, by `tempFilePath` (and by `filePath` when one was given). */
  files: Record<string, any>;
  /** Changes the network and calls the onNetworkStatusChange listeners. @throws TypeError for an unknown type */
  setNetwork(type: NetworkType): void;
  /** Calls the onAppHide listeners (the app goes to the background). */
  hide(): void;
  /** Calls the onAppShow listeners. */
  show(): void;
  /**
   * The next `times` (default 1) calls of `api` fail with exactly `errMsg`, e.g.
   * `failNext('login', 'login:fail system error')`; a storage sync API then throws an
   * Error with that message and `errMsg`.
   * @throws TypeError for an API not in {@link FailableApi} or a non-string errMsg
   */
  failNext(api: FailableApi, errMsg: string, times?: number): void;
}

export interface FakeWxOptions {
  /** Default: a new `createClock()`. */
  clock?: FakeClock;
  /** Default `'wx'`. */
  platform?: FakePlatform;
  /** Default 10 (ms of virtual time). */
  latencyMs?: number;
  /** Default `'wifi'`. */
  network?: NetworkType;
  /** Default: a new, empty storage. */
  storage?: FakeStorage;
  /** Default: a server with no routes (every request answers 404). */
  server?: FakeServer;
}

/** @throws TypeError for an unknown platform or network */
export function createFakeWx(options?: FakeWxOptions): FakeWx;
