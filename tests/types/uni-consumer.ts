/// <reference types="@dcloudio/types" />
// uni-app's per-request opt-outs under `--strict` with the libraries' own types
// (@dcloudio/types, as a uni-app project has them, and luch-request's): `auth: false` in
// uni.request, uni.uploadFile and uni.downloadFile options, which dist/uni.d.ts adds to
// UniApp.RequestOptions, UploadFileOption and DownloadFileOption; luch-request's
// `custom: { auth: false }` (its own `custom` type). Never run, only checked (tsconfig.uni.json:
// skipLibCheck, since @dcloudio/types and luch-request's types do not compile alone
// under --strict; consumer.ts and adapters-consumer.ts check
// weapp-login's own .d.ts without it).
import { createLoginManager } from 'weapp-login';
import Request from 'luch-request';
import { attach as attachLuch } from 'weapp-login/luch-request';
import { install } from 'weapp-login/uni';

const auth = createLoginManager({ loginUrl: 'https://api.example.com/user/login', baseUrl: 'https://api.example.com' });

// ---------------------------------------------------------------- uni-app
install(uni, auth);
export function uniOptOut(): void {
  uni.request({ url: 'https://api.example.com/public/ping', auth: false });
  uni.uploadFile({ url: 'https://api.example.com/up', filePath: 'tmp', name: 'f', auth: false });
  uni.downloadFile({ url: 'https://api.example.com/f', auth: false });
  // @ts-expect-error auth is a boolean
  uni.request({ url: 'https://api.example.com/public/ping', auth: 'no' });
}

// ---------------------------------------------------------------- luch-request
const http = new Request({ baseURL: 'https://api.example.com' });
attachLuch(http, auth);
export async function luchOptOut(): Promise<number> {
  const r = await http.request({ url: '/public/ping', method: 'GET', custom: { auth: false } });
  return r.statusCode;
}

