/**
 * weapp-login/uni: the login manager as uni-app interceptors on `uni.request`,
 * `uni.uploadFile` and `uni.downloadFile`.
 *
 * ```js
 * require('weapp-login/uni').install(uni, auth);
 * ```
 * N concurrent requests with no login state cause one `wx.login`; N concurrent 401s
 * one renewal, each request replayed once with the new token; the token only goes to
 * the manager's trusted origins. `fail` gets the manager's `LoginError` when the login
 * or renewal fails. `auth: false` in the options sends a request without the token.
 */
import type { Interceptable } from './interceptable';
export type { Interceptable } from './interceptable';

/** The part of uni-app's `uni` that `install` uses. */
export interface UniLike {
  addInterceptor(api: string, interceptor: { invoke?(options: any): any }): void;
  request(options: any): any;
  uploadFile(options: any): any;
  downloadFile(options: any): any;
}

/**
 * Installs weapp-login's interceptors; returns them by API name (for `uni.removeInterceptor(api, it)`).
 * @throws TypeError when `uni` has no addInterceptor or `auth` has no authorize/check
 */
export function install(uni: UniLike, auth: Interceptable): { request: object; uploadFile: object; downloadFile: object };
