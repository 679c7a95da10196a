/**
 * weapp-login/taro: the login manager as a Taro request interceptor.
 *
 * ```js
 * Taro.addInterceptor(require('weapp-login/taro').interceptor(auth));
 * ```
 * N concurrent requests with no login state cause one `wx.login`; N concurrent 401s
 * one renewal, each request replayed once with the new token; the token only goes to
 * the manager's trusted origins. Failures reject `Taro.request` with the manager's
 * `LoginError`. `auth: false` in the options sends a request without the token and
 * without a login. The promise keeps `abort()`.
 * Reference: REFERENCE.md beside this package's README ("Adapters").
 */
import type { Interceptable } from './interceptable';
export type { Interceptable } from './interceptable';

/** What Taro hands an interceptor (`Taro.Chain`). */
export interface ChainLike {
  requestParams: any;
  proceed(requestParams: any): Promise<any>;
}

/**
 * Makes the interceptor for `Taro.addInterceptor`.
 * @throws TypeError when `auth` has no authorize/check
 */
export function interceptor(auth: Interceptable): (chain: ChainLike) => Promise<any> & { abort(cb?: () => void): Promise<any> };
