/// <reference types="miniprogram-api-typings" />
// A mini program written in TypeScript against weapp-login, as a user writes one: the
// app creates one manager, a page uses every method. Every line must type-check; each
// `@ts-expect-error` line is misuse that the types must reject (tsc fails if one of
// them is accepted). Never run, only checked (`make test-types`).
import { createLoginManager, LoginError } from 'weapp-login';
import type {
  Clock,
  LoginErrorCode,
  LoginEvent,
  LoginEventType,
  LoginManager,
  LoginManagerOptions,
  RequestOptions,
  RequestResult,
  WxLike,
} from 'weapp-login';

interface Profile {
  nickname: string;
  vip: boolean;
}

interface IAppOption {
  globalData: {
    auth: LoginManager;
    lastEvent: LoginEventType | null;
  };
}

// ---------------------------------------------------------------- every option
const options: LoginManagerOptions = {
  loginUrl: 'https://api.example.com/user/login',
  baseUrl: 'https://api.example.com',
  wx: wx, // WechatMiniprogram.Wx
  wasmPath: '/miniprogram_npm/weapp-login/weapp_login_bg.wasm.br',
  tokenField: 'data.token',
  expiresInField: 'data.expiresIn',
  tokenHeader: 'X-Token',
  tokenPrefix: '',
  tokenIn: 'data',
  tokenDataField: 'sessionId',
  authFailStatusCodes: [401, 403],
  authFailCodeField: 'return_code',
  authFailCodes: [10000, 'E_TOKEN'],
  isAuthFailure: (res) => res.statusCode === 419 || (res.data && res.data.relogin === true),
  retryLimit: 2,
  loginTimeoutMs: 8000,
  renewMarginMs: 30000,
  loginBackoffMs: 500,
  loginBackoffMaxMs: 30000,
  recheckAfterHiddenMs: 600000,
  storageKey: 'my_session',
  trustedOrigins: ['https://api.example.com', 'https://cdn.example.com'],
  allowHttp: false,
  onEvent: (event: LoginEvent) => {
    getApp<IAppOption>().globalData.lastEvent = event.type;
    switch (event.type) {
      case 'login:failure': {
        const code: LoginErrorCode = event.code;
        console.warn('login failed', code);
        break;
      }
      case 'storage:error':
        console.warn('storage', event.errMsg.toUpperCase());
        break;
      case 'login:unsafe-fields':
        console.error('server leaks', event.fields.join(', '));
        break;
      case 'login:long-expiry':
        console.warn('expiresIn in ms?', event.expiresIn.toFixed(0));
        break;
      case 'token:withheld':
        console.warn('no token for', event.origin.toLowerCase(), '- add it to trustedOrigins?');
        break;
      case 'login:start':
      case 'login:success':
      case 'session:restored':
      case 'session:expired':
      case 'renewal':
      case 'replay':
      case 'retry-limit':
      case 'logout':
      case 'offline':
        break;
      default: {
        const unknown: never = event; // every event type is handled above
        return unknown;
      }
    }
  },
  // The mini program's own timers (miniprogram-api-typings' setTimeout returns a number).
  clock: { now: () => Date.now(), setTimeout: setTimeout, clearTimeout: clearTimeout },
};

// A virtual clock, as a test would pass.
let virtualNow = 0;
const timers = new Map<number, () => void>();
const virtualClock: Clock = {
  now: () => virtualNow,
  setTimeout(fn, ms) {
    const id = timers.size + 1;
    timers.set(id, fn);
    virtualNow += ms;
    return id;
  },
  clearTimeout(handle) {
    timers.delete(handle as number);
  },
};

App<IAppOption>({
  globalData: {
    auth: createLoginManager(options),
    lastEvent: null,
  },
  onLaunch() {
    // The smallest manager: the global wx, every default.
    const minimal: LoginManager = createLoginManager({ loginUrl: 'https://api.example.com/user/login' });
    minimal.ready.then(() => undefined, (e: LoginError) => console.error(e.code));
    createLoginManager({ loginUrl: 'https://api.example.com/user/login', clock: virtualClock });
  },
});

// ---------------------------------------------------------------- the platform object
const platform: WxLike = wx;
// tt / qq / Taro / uni: any object with the same members fits.
const ttLike: WxLike = {
  login(o) { o.success && o.success({ code: 'c', errMsg: 'login:ok' }); },
  request(o) { o.fail && o.fail({ errMsg: 'request:fail offline' }); return { abort() {} }; },
  checkSession(o) { o.success && o.success({ errMsg: 'checkSession:ok' }); },
  getStorageSync: (key: string) => key,
  setStorageSync: () => undefined,
  removeStorageSync: () => undefined,
};
createLoginManager({ loginUrl: 'https://api.example.com/user/login', wx: ttLike });
createLoginManager({ loginUrl: 'https://api.example.com/user/login', wx: platform });

// ---------------------------------------------------------------- a page
Page({
  data: {
    profile: null as Profile | null,
    error: '' as LoginErrorCode | '',
  },

  async onLoad() {
    const auth = getApp<IAppOption>().globalData.auth;
    await auth.ready;
    await auth.login();

    // Generic over the body: the result is WeChat's success result of that body.
    const res: RequestResult<Profile> = await auth.request<Profile>({ url: '/api/profile' });
    const wxRes: WechatMiniprogram.RequestSuccessCallbackResult<Profile> = res;
    this.setData({ profile: wxRes.data });
    const nickname: string = res.data.nickname;
    console.log(nickname, res.statusCode, res.header['Content-Type'], res.cookies.length, res.errMsg);

    // WeChat's own request options (minus callbacks) are ours.
    const wxOptions: Omit<WechatMiniprogram.RequestOption, 'success' | 'fail' | 'complete'> = {
      url: 'https://api.example.com/api/orders',
      method: 'POST',
      data: { item: 42 },
      header: { 'content-type': 'application/json' },
      dataType: 'json',
      responseType: 'text',
      timeout: 5000,
      enableHttp2: true,
      enableCache: false,
      redirect: 'manual',
    };
    const ours: RequestOptions = wxOptions;
    const any: WechatMiniprogram.RequestSuccessCallbackResult = await auth.request(wxOptions);
    await auth.request({ ...ours, auth: false });
    await auth.request({ url: '/api/ping', method: 'HEAD', enableChunked: false, useHighPerformanceMode: true });
    const text: RequestResult<string> = await auth.request<string>({ url: '/robots.txt', dataType: 'text' });
    const bytes = await auth.request<ArrayBuffer>({ url: '/avatar', responseType: 'arraybuffer' });
    console.log(any.statusCode, text.data.length, bytes.data.byteLength);

    try {
      await auth.request({ url: '/api/secret' });
    } catch (e) {
      if (e instanceof LoginError) {
        const name: 'LoginError' = e.name;
        this.setData({ error: e.code });
        switch (e.code) {
          case 'WX_LOGIN_FAILED':
          case 'REQUEST_FAILED':
            console.warn(name, e.errMsg);
            break;
          case 'LOGIN_REJECTED':
          case 'RETRY_LIMIT':
            console.warn(e.response && e.response.statusCode, e.response?.data);
            break;
          case 'LOGIN_TIMEOUT':
          case 'LOGGED_OUT':
          case 'NETWORK_OFFLINE':
          case 'INVALID_OPTIONS':
          case 'ABORTED':
          case 'WASM_LOAD_FAILED':
          case 'INTERNAL':
            console.warn(e.message);
            break;
          default: {
            const unknown: never = e.code; // every code is handled above
            console.error(unknown);
          }
        }
      }
    }
    const done: void = await auth.logout();
    return done;
  },
});

// A LoginError can be made (e.g. by a fake in a test).
const made = new LoginError('LOGIN_REJECTED', 'no token', { response: { data: {}, statusCode: 500, header: {}, cookies: [], errMsg: 'request:ok', exception: undefined, profile: undefined, useHttpDNS: false } });
const isError: Error = made;
console.log(isError.message);

// ---------------------------------------------------------------- misuse is rejected
// @ts-expect-error an error code that does not exist
const badCode: LoginErrorCode = 'TOKEN_EXPIRED';
// @ts-expect-error loginUrl is required
createLoginManager({ baseUrl: 'https://api.example.com' });
// @ts-expect-error retryLimit is a number
createLoginManager({ loginUrl: 'https://api.example.com/user/login', retryLimit: '3' });
// @ts-expect-error tokenIn is 'header' or 'data'
createLoginManager({ loginUrl: 'https://api.example.com/user/login', tokenIn: 'query' });
// @ts-expect-error an unknown option (typo of tokenField)
createLoginManager({ loginUrl: 'https://api.example.com/user/login', tokenfield: 'token' });
// @ts-expect-error wx must have the wx API (login, request, checkSession, storage)
createLoginManager({ loginUrl: 'https://api.example.com/user/login', wx: { request() {} } });
// @ts-expect-error a clock needs now, setTimeout and clearTimeout
createLoginManager({ loginUrl: 'https://api.example.com/user/login', clock: { now: () => 0 } });
// @ts-expect-error onEvent gets a LoginEvent, whose type is a known string
createLoginManager({ loginUrl: 'https://api.example.com/user/login', onEvent: (e: { type: number }) => e });
// @ts-expect-error createLoginManager needs options
createLoginManager();
const auth = createLoginManager({ loginUrl: 'https://api.example.com/user/login' });
// @ts-expect-error url is required
auth.request({ method: 'GET' });
// @ts-expect-error wx.request has no PATCH
auth.request({ url: '/x', method: 'PATCH' });
// @ts-expect-error success gets the result, not a string
auth.request({ url: '/x', success: (r: string) => r });
auth.request({ url: '/x', success: (r) => r.statusCode, fail: (e) => e.code }).abort();
// @ts-expect-error auth is a boolean
auth.request({ url: '/x', auth: 'no' });
// @ts-expect-error login() resolves with nothing
auth.login().then((v: string) => v);
// @ts-expect-error ready is a Promise, not a function
auth.ready();
auth.request({ url: '/x' }).catch((e: LoginError) => {
  // @ts-expect-error code is one of the LoginErrorCode strings
  if (e.code === 'TIMEOUT') return;
  // @ts-expect-error code is read-only
  e.code = 'LOGGED_OUT';
});
createLoginManager({
  loginUrl: 'https://api.example.com/user/login',
  onEvent(e) {
    // @ts-expect-error only login:failure carries a code
    if (e.type === 'login:success') console.log(e.code);
  },
});
export { badCode };
