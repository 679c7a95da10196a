#!/usr/bin/env node
'use strict';
// The main job (README's first command): the example mini program logs in end to end.
const { runScenario } = require('./scenario');

runScenario({ log: (line) => console.log(line) }).then((r) => {
  const ok = r.first.wxLogin === 1 && r.first.loginPosts === 1 && r.renewal.status === 200
    && r.renewal.wxLogin === 2 && r.second.wxLogin === 0 && r.second.pageProfile
    && r.fly.status === 200 && r.fly.sameUser && r.fly.afterRenewal.status === 200 && r.fly.afterRenewal.wxLogin === 2;
  console.log(ok ? 'demo: ok' : 'demo: FAILED ' + JSON.stringify(r));
  process.exitCode = ok ? 0 : 1;
}, (e) => {
  console.error('demo: FAILED', e);
  process.exitCode = 1;
});
