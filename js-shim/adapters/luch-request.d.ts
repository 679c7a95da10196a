/**
 * weapp-login/luch-request: the login manager under a luch-request instance (uni-app).
 *
 * ```js
 * const http = new Request({ baseURL: 'https://api.example.com' });
 * require('weapp-login/luch-request').attach(http, auth);
 * ```
 * N concurrent requests with no login state cause one `wx.login`; N concurrent 401s
 * one renewal, each request replayed once with the new token; the token only goes to
 * the manager's trusted origins. Failures reject with the manager's `LoginError`.
 * `custom: { auth: false }` sends a request without the token and without a login.
 * Reference: REFERENCE.md beside this package's README ("Adapters").
 */
import type { Interceptable } from './interceptable';
export type { Interceptable } from './interceptable';

/** The parts of a luch-request instance that `attach` uses. */
export interface LuchRequestLike {
  interceptors: {
    request: { use(onFulfilled?: (config: any) => any, onRejected?: (error: any) => any): void };
    response: { use(onFulfilled?: (response: any) => any, onRejected?: (response: any) => any): void };
  };
  request(config: any): Promise<any>;
}

/**
 * Installs weapp-login's interceptors (attach before adding your own).
 * @throws TypeError when `http` is not a luch-request instance or `auth` has no authorize/check
 */
export function attach<H extends LuchRequestLike>(http: H, auth: Interceptable): H;
