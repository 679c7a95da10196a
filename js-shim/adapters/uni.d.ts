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
 * or renewal fails. `auth: false` in the options sends a request without the token (this
 * file adds it to uni-app's own option types, `@dcloudio/types`' `UniApp.RequestOptions`,
 * `UploadFileOption` and `DownloadFileOption`, so it type-checks under `--strict`).
 * Reference: REFERENCE.md beside this package's README ("Adapters").
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

/** weapp-login/uni: `auth: false` sends the request as it is, without the token and without a login. */
interface WeappLoginOptOut {
  auth?: boolean;
}
declare global {
  namespace UniApp {
    interface RequestOptions extends WeappLoginOptOut {}
    interface UploadFileOption extends WeappLoginOptOut {}
    interface DownloadFileOption extends WeappLoginOptOut {}
  }
}
