'use strict';
// The demo scenario end to end: the example's own page code in the sandbox, the real
// wasm bundle, the example server and its fake WeChat on an ephemeral loopback port.
const test = require('node:test');
const assert = require('node:assert/strict');
const { runScenario } = require('../../scripts/scenario');

test('the example mini program logs in end to end', async () => {
  // Values built inside the sandbox's vm realm: compare a plain copy.
  const r = JSON.parse(JSON.stringify(await runScenario()));
  assert.equal(r.first.wxLogin, 1, 'six requests and the flyio page together: one wx.login');
  assert.equal(r.first.loginPosts, 1, 'and one login POST');
  assert.deepEqual(r.first.statuses, [200, 200, 200, 200, 200]);
  assert.ok(r.first.pageProfile && r.first.pageProfile.userId > 0);
  assert.equal(r.first.pageError, null);
  assert.ok(r.first.tokenStored);
  assert.ok(!JSON.stringify(r.first.pageProfile).match(/session_key|openid/));

  assert.equal(r.fly.status, 200, 'the flyio page (weapp-login/fly) loads the profile');
  assert.ok(r.fly.sameUser, 'with the same login state as auth.request');
  assert.equal(r.fly.pageError, null);

  assert.equal(r.renewal.status, 200);
  assert.deepEqual(r.renewal.attempts, [401, 200], 'renewed and replayed silently');
  assert.equal(r.renewal.wxLogin, 2);
  assert.equal(r.renewal.loginPosts, 2);

  assert.deepEqual(r.fly.afterRenewal, { status: 200, wxLogin: 2 }, 'flyio uses the renewed token, no other login');

  assert.equal(r.second.wxLogin, 0, 'the second launch reuses the persisted token');
  assert.equal(r.second.loginPosts, 0);
  assert.equal(r.second.checkSession, 1);
  assert.equal(r.second.pageProfile.userId, r.first.pageProfile.userId);
  assert.equal(r.second.pageProfile.loginCount, 2);

  assert.equal(r.wechat.code2SessionCalls, 2);
  // What the app asked of wx.request, not what the sandbox (which queues) let run.
  assert.equal(r.overLimit, 0, 'wx.request calls made while 10 were unanswered');
  assert.ok(r.maxAsked >= 5 && r.maxAsked <= 10, 'wx.request asked for at once: ' + r.maxAsked);
});
