/**
 * weapp-login/fly: the login manager under a flyio instance (`flyio/dist/npm/wx`).
 *
 * ```js
 * const Fly = require('flyio/dist/npm/wx');
 * const fly = new Fly();
 * require('weapp-login/fly').attach(fly, auth);
 * ```
 * N concurrent requests with no login state cause one `wx.login`; N concurrent 401s
 * one renewal, each request replayed once with the new token; the token only goes to
 * the manager's trusted origins. Failures reject with the manager's `LoginError`.
 * `auth: false` in a request's options sends it without the token and without a login
 * (this file adds it to flyio's own `FlyRequestConfig` type, so it type-checks under `--strict`).
 * Reference: REFERENCE.md beside this package's README ("Adapters").
 */
import type { Interceptable } from './interceptable';
export type { Interceptable } from './interceptable';

/** The parts of a flyio instance that `attach` uses. */
export interface FlyLike {
  interceptors: {
    request: { use(handler: (request: any, promise?: any) => any): void; handler?: Function };
    response: { use(handler: (response: any, promise?: any) => any, onerror?: (err: any, promise?: any) => any): void; handler?: Function; onerror?: Function };
  };
  request(url: any, data?: any, options?: any): Promise<any>;
}

/**
 * Installs weapp-login's request and response interceptors on `fly`. Handlers set with
 * `use` before `attach` keep working around them; one set after replaces weapp-login's.
 * @throws TypeError when `fly` is not a flyio instance or `auth` has no authorize/check
 */
export function attach<F extends FlyLike>(fly: F, auth: Interceptable): F;

declare module 'flyio' {
  interface FlyRequestConfig {
    /** weapp-login/fly: `false` sends this request as it is, without the token and without a login. */
    auth?: boolean;
  }
}
