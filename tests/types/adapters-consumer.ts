// The adapters' per-request opt-outs, written against each library's own types under
// `--strict` (issue 19, item 3): a TypeScript user must be able to send one request
// without the token. axios types `auth` as basic credentials, so its adapter's key is
// `weappLogin: false` (dist/axios.d.ts augments axios's AxiosRequestConfig); flyio's
// `auth: false` (augmenting FlyRequestConfig); luch-request's and uni-app's are in
// uni-consumer.ts. Never run, only checked, with
// the DOM lib axios's types need (tsconfig.adapters.json). Taro's own types
// (@tarojs/taro) are not installed here (their peers are webpack and its plugins).
import axios from 'axios';
import type { AxiosRequestConfig } from 'axios';
import type { Fly } from 'flyio';
import { createLoginManager } from 'weapp-login';
import { attach as attachAxios } from 'weapp-login/axios';
import { attach as attachFly } from 'weapp-login/fly';

const auth = createLoginManager({ loginUrl: 'https://api.example.com/user/login', baseUrl: 'https://api.example.com' });

// ---------------------------------------------------------------- axios
const api = axios.create({ baseURL: 'https://api.example.com' });
attachAxios(api, auth);
export async function axiosOptOut(): Promise<number> {
  const r = await api.get('/public/ping', { weappLogin: false });
  const config: AxiosRequestConfig = { url: '/public/ping', weappLogin: false };
  await api.request(config);
  // @ts-expect-error axios owns `auth` (basic credentials): the opt-out is weappLogin
  await api.get('/public/ping', { auth: false });
  // @ts-expect-error the opt-out takes false, not true
  await api.get('/public/ping', { weappLogin: true });
  await api.get('/x', { auth: { username: 'u', password: 'p' } }); // axios's own auth still types
  return r.status;
}

// ---------------------------------------------------------------- flyio
declare const fly: Fly;
attachFly(fly, auth);
export async function flyOptOut(): Promise<unknown> {
  const r = await fly.request('/public/ping', null, { method: 'GET', auth: false });
  // @ts-expect-error auth is a boolean
  await fly.get('/public/ping', null, { auth: 'no' });
  return r.data;
}
