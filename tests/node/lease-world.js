'use strict';
// The world of tests/node/lease{,-deadlines,-edges}.test.js: the shipped
// bundle loaded through a WXWebAssembly stand-in that counts calls into the wasm (and can
// make the next `put` trap, as a Core bug would), a logged-in manager whose lease is
// granted, on a virtual clock. Each test file is its own process: one instantiation each.
const fs = require('fs');
const path = require('path');
const zlib = require('zlib');

const DIST = path.join(__dirname, '../../pkg/dist');
const calls = {};
/** `trap.next = true` makes the next call into the wasm's `put` trap, as a Core bug would. */
const trap = { next: false };
const intoCore = () => Object.keys(calls).filter((k) => /^(put|text|loginAnswered)$/.test(k))
  .reduce((n, k) => n + calls[k], 0);
globalThis.WXWebAssembly = {
  instantiate(p, imports) {
    const bytes = zlib.brotliDecompressSync(fs.readFileSync(path.join(DIST, 'weapp_login_bg.wasm.br')));
    return WebAssembly.instantiate(bytes, imports).then((r) => {
      const counted = {};
      for (const [k, v] of Object.entries(r.instance.exports)) {
        counted[k] = typeof v !== 'function' ? v : function (...args) {
          calls[k] = (calls[k] || 0) + 1;
          if (trap.next && k === 'put') {
            trap.next = false;
            throw new WebAssembly.RuntimeError('unreachable');
          }
          return v.apply(this, args);
        };
      }
      return { instance: { exports: counted }, module: r.module };
    });
  },
};
const { createLoginManager } = require(path.join(DIST, 'index.js'));
const { createClock, createServer, createFakeWx } = require(path.join(__dirname, '../../pkg/testing/index.js'));

const START = Date.UTC(2026, 0, 1);
const BASE = 'https://api.example.com';

/**
 * A logged-in manager whose lease is granted; `api(req)` answers /api/ (default: authed
 * echo); `first(server)` adds routes before those.
 */
async function loggedIn(options, api, wrap, first) {
  const clock = createClock({ start: START });
  const server = createServer();
  if (first) first(server);
  server.loginRoute('/user/login', { expiresIn: options && options.expiresIn !== undefined ? options.expiresIn : 7200 });
  server.route('*', /^\/api\//, api || server.authed((req) => ({ data: { path: req.path, auth: req.header.Authorization } })));
  server.route('*', /.*/, (req) => ({ data: { path: req.path, auth: req.header.Authorization } }));
  const fake = createFakeWx({ clock, server });
  const wx = wrap ? wrap(fake.api) : fake.api;
  const o = Object.assign({ loginUrl: BASE + '/user/login', baseUrl: BASE, wx, clock }, options);
  delete o.expiresIn;
  const auth = createLoginManager(o);
  await auth.ready;
  await clock.runUntil(auth.login());
  await clock.runUntil(auth.request({ url: '/api/first' })); // the Core's own send: its slot joins the lease
  return { clock, fake, server, auth };
}

/** Each promise's outcome: {ok: result} or {code, error}. */
function outcomes(ps) {
  return Promise.all(ps.map((p) => p.then((x) => ({ ok: x }), (e) => ({ code: e.code, error: e }))));
}

/** A wx whose request drops the callbacks of URLs matching `lost` (a platform that loses them). */
const losing = (lost) => (api) => Object.assign({}, api, {
  request(o) {
    if (lost.test(o.url)) return { abort() {} };
    return api.request(o);
  },
});
/** When (virtual ms after `t0`) each promise settled, and how. */
function settledAt(clock, t0, ps) {
  return Promise.all(ps.map((p) => p.then((r) => ['ok', clock.now() - t0], (e) => [e.code, clock.now() - t0])));
}


module.exports = { loggedIn, outcomes, intoCore, trap, losing, settledAt, createLoginManager, createClock, createServer, createFakeWx, START, BASE };
