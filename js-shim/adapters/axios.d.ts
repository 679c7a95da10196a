/**
 * weapp-login/axios: the login manager under an axios instance that sends through a
 * mini-program adapter (e.g. axios-miniprogram-adapter).
 *
 * ```js
 * const api = axios.create({ baseURL: 'https://api.example.com', adapter: require('axios-miniprogram-adapter') });
 * require('weapp-login/axios').attach(api, auth);
 * ```
 * N concurrent requests with no login state cause one `wx.login`; N concurrent 401s
 * one renewal, each request replayed once with the new token; the token only goes to
 * the manager's trusted origins. Failures reject with the manager's `LoginError`.
 * `weappLogin: false` in a request's config sends it without the token and without a
 * login (this file augments axios's `AxiosRequestConfig` with it, so it type-checks under
 * `--strict`). The older `auth: false` still works at run time, but axios types `auth` as
 * basic credentials (`AxiosBasicCredentials`), so TypeScript refuses it.
 * Reference: REFERENCE.md beside this package's README ("Adapters").
 */
import type { Interceptable } from './interceptable';
export type { Interceptable } from './interceptable';

/** The parts of an axios instance that `attach` uses. */
export interface AxiosLike {
  interceptors: {
    request: { use(onFulfilled?: (config: any) => any, onRejected?: (error: any) => any): number };
    response: { use(onFulfilled?: (response: any) => any, onRejected?: (error: any) => any): number };
  };
  request(config: any): Promise<any>;
}

/**
 * Installs weapp-login's interceptors; returns their ids (`instance.interceptors.*.eject(id)`).
 * Attach before adding your own interceptors.
 * @throws TypeError when `instance` is not an axios instance or `auth` has no authorize/check
 */
export function attach(instance: AxiosLike, auth: Interceptable): { request: number; response: number };

declare module 'axios' {
  interface AxiosRequestConfig {
    /**
     * weapp-login/axios: `false` sends this request as it is, without the token and
     * without a login. Leave it unset otherwise: between a request's attempts the adapter
     * keeps its own (opaque) value here.
     */
    weappLogin?: false | { readonly ticket: unknown };
  }
}
