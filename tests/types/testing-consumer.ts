// A user's Node unit test of mini-program code, written in TypeScript against
// weapp-login/testing (the virtual clock, the scripted server and the fake wx): the
// fake must fit createLoginManager's `wx` and `clock` options as they are. Only
// type-checked (`make test-types`); tests/node/package.test.js runs the same flow.
import { createLoginManager, LoginError } from 'weapp-login';
import type { LoginManager, RequestResult, WxLike, Clock } from 'weapp-login';
import { createClock, createFakeWx, createServer, createStorage } from 'weapp-login/testing';
import type { FakeClock, FakeWx, ServerRequest } from 'weapp-login/testing';

interface Profile {
  nickname: string;
}

export async function profileAfterExpiry(): Promise<Profile> {
  const clock: FakeClock = createClock({ start: 1_700_000_000_000 });
  const server = createServer();
  server.loginRoute('/user/login', { expiresIn: 7200 });
  server.route('GET', '/api/profile', server.authed((req: ServerRequest) => ({ data: { nickname: req.path } })));
  const storage = createStorage();
  const fake: FakeWx = createFakeWx({ clock, server, storage, platform: 'tt', latencyMs: 5 });

  // The fakes are what the options take.
  const platform: WxLike = fake.api;
  const timers: Clock = clock;
  const auth: LoginManager = createLoginManager({
    loginUrl: 'https://api.example.com/user/login',
    baseUrl: 'https://api.example.com',
    wx: platform,
    clock: timers,
  });
  await auth.ready;
  const first: RequestResult<Profile> = await clock.runUntil(auth.request<Profile>({ url: '/api/profile' }));
  server.expireTokens();
  fake.failNext('login', 'login:fail system error');
  try {
    await clock.runUntil(auth.request({ url: '/api/profile' }));
  } catch (e) {
    if (!(e instanceof LoginError) || e.code !== 'WX_LOGIN_FAILED') throw e;
  }
  await clock.advance(60_000);
  const second = await clock.runUntil(auth.request<Profile>({ url: '/api/profile' }));
  fake.setNetwork('none');
  fake.hide();
  fake.show();
  console.log(fake.calls.login, fake.calls.requests.length, storage.keys());
  return second.statusCode === 200 ? second.data : first.data;
}

// @ts-expect-error the fake has no such platform
createFakeWx({ platform: 'alipay' });
// @ts-expect-error failNext takes an API it can fail
createFakeWx().failNext('navigateTo', 'navigateTo:fail');
