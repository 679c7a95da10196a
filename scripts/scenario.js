'use strict';
/**
 * The main job as a reusable scenario: starts the example developer server (with its
 * embedded fake WeChat) on an ephemeral loopback port with a temporary SQLite file, runs
 * the example mini program's own app.js and page in the sandbox, and records a timeline.
 * `scripts/demo.js` prints it; `tests/node/e2e.test.js` asserts on it.
 */
const { spawn } = require('child_process');
const path = require('path');
const readline = require('readline');
const { createSandbox } = require('../tests/sandbox');

const ROOT = path.join(__dirname, '..');
const MINIPROGRAM = path.join(ROOT, 'example-miniprogram');
const SERVER_BIN = path.join(ROOT, 'target/debug/weapp-login-example-server');

/**
 * Starts the server binary with `--port 0 --dev` and resolves once it prints its
 * `{"listening": url}` line.
 * @returns {Promise<{base: string, stop: () => Promise<void>}>}
 */
function startServer() {
  return new Promise((resolve, reject) => {
    const child = spawn(SERVER_BIN, ['--port', '0', '--dev'], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (d) => { stderr += d; });
    child.on('error', reject);
    const exited = new Promise((r) => child.on('exit', r));
    const timer = setTimeout(() => { child.kill('SIGKILL'); reject(new Error('server did not start: ' + stderr)); }, 30000);
    readline.createInterface({ input: child.stdout }).once('line', (line) => {
      clearTimeout(timer);
      let base;
      try { base = JSON.parse(line).listening; } catch (e) { child.kill('SIGKILL'); return reject(new Error('bad first line: ' + line)); }
      resolve({
        base,
        stop: () => { if (child.exitCode === null) child.kill('SIGTERM'); return exited; },
      });
    });
  });
}

async function http(method, url) {
  const res = await new Promise((resolve, reject) => {
    const req = require('http').request(url, { method }, resolve);
    req.on('error', reject);
    req.end();
  });
  let body = '';
  for await (const chunk of res) body += chunk;
  return { status: res.statusCode, body: body ? JSON.parse(body) : null };
}

const count = (sb, api) => (sb.calls.counts[api] || 0);
const loginPosts = (sb) => sb.calls.requests.filter((r) => /\/user\/login$/.test(r.url)).length;
const profileCalls = (sb) => sb.calls.requests.filter((r) => /\/api\/profile$/.test(r.url));

/**
 * Runs the scenario.
 * @param {{log?: (line: string) => void}} [opts] receives each timeline line as it happens
 * @returns {Promise<object>} the measured counts of every step
 */
async function runScenario(opts) {
  const log = (opts && opts.log) || (() => {});
  const t0 = Date.now();
  const say = (s) => log(`[${String(Date.now() - t0).padStart(5)} ms] ${s}`);
  const server = await startServer();
  const sandboxes = [];
  const result = {};
  try {
    say(`developer server + fake WeChat listening on ${server.base} (temporary SQLite)`);
    const storage = new Map();
    const open = () => {
      const sb = createSandbox({ root: MINIPROGRAM, wechatBase: server.base, storage,
        overrides: { 'config.js': { API_BASE: server.base } } });
      sandboxes.push(sb);
      return sb;
    };

    // Launch 1: the page loads and fires five more profile requests at the same moment.
    const sb1 = open();
    sb1.launch();
    say('launch 1: App.onLaunch ran; no login state in storage');
    const page = sb1.page('pages/index/index');
    // The flyio page opens at the same moment: its request goes through flyio's
    // interceptors (weapp-login/fly) and waits for the same single login.
    const flyPage = sb1.page('pages/fly/index');
    const five = await page.loadMany(5);
    await page.loaded; // the onLoad request (the page keeps its promise)
    await flyPage.loaded;
    result.first = {
      wxLogin: count(sb1, 'login'), loginPosts: loginPosts(sb1), checkSession: count(sb1, 'checkSession'),
      statuses: five.map((r) => r.statusCode), pageProfile: page.data.profile || null, pageError: page.data.error || null,
      tokenStored: typeof (storage.get('weapp_login_session') || {}).token === 'string',
    };
    say(`onLoad + loadMany(5): 6 requests together → wx.login ×${result.first.wxLogin}, login POST ×${result.first.loginPosts}, statuses ${result.first.statuses.join(',')}`);
    say(`page shows user #${page.data.profile && page.data.profile.userId}; token persisted: ${result.first.tokenStored}`);
    result.fly = { status: flyPage.data.status, pageProfile: flyPage.data.profile || null, pageError: flyPage.data.error || null,
      sameUser: !!(flyPage.data.profile && page.data.profile && flyPage.data.profile.userId === page.data.profile.userId) };
    say(`flyio page (weapp-login/fly), opened with it: HTTP ${result.fly.status}, user #${flyPage.data.profile && flyPage.data.profile.userId}; the same login state: ${result.fly.sameUser}`);

    // The server expires every session; the next request is renewed and replayed.
    const expired = await http('POST', server.base + '/dev/expire-sessions');
    say(`server: POST /dev/expire-sessions → expired ${expired.body && expired.body.expired}`);
    const before = profileCalls(sb1).length;
    const renewed = await page.loadProfile();
    const sent = profileCalls(sb1).slice(before);
    result.renewal = {
      status: renewed.statusCode, wxLogin: count(sb1, 'login'), loginPosts: loginPosts(sb1),
      attempts: sent.map((r) => r.status),
    };
    say(`next request: ${sent.map((r) => r.status).join(' → ')} (401, silent re-login, replay); wx.login total ×${result.renewal.wxLogin}`);
    const flyAfter = await flyPage.refresh();
    result.fly.afterRenewal = { status: flyAfter.status, wxLogin: count(sb1, 'login') };
    say(`flyio page reloads with the renewed token: HTTP ${flyAfter.status}; wx.login total still ×${result.fly.afterRenewal.wxLogin}`);

    // Launch 2: a new app instance with the same storage.
    const sb2 = open();
    sb2.launch();
    const page2 = sb2.page('pages/index/index');
    await page2.loaded;
    // The persisted token went out before the wasm, and its answer may reach the page
    // first; wx.checkSession runs once the Core has adopted that request: count the
    // launch's calls once the manager is ready and that step has run.
    await sb2.app().globalData.auth.ready;
    await new Promise((resolve) => setTimeout(resolve, 0));
    result.second = {
      wxLogin: count(sb2, 'login'), checkSession: count(sb2, 'checkSession'), loginPosts: loginPosts(sb2),
      pageProfile: page2.data.profile || null, pageError: page2.data.error || null,
    };
    say(`launch 2: persisted token reused → wx.login ×${result.second.wxLogin}, checkSession ×${result.second.checkSession}, user #${page2.data.profile && page2.data.profile.userId}`);
    const stats = await http('GET', server.base + '/fake-wechat/stats');
    result.wechat = stats.body;
    result.maxInFlight = Math.max(sb1.calls.maxInFlight || 0, sb2.calls.maxInFlight || 0);
    // What the app asked of wx.request (the sandbox queues an 11th as WeChat does).
    result.maxAsked = Math.max(sb1.calls.maxAsked, sb2.calls.maxAsked);
    result.overLimit = sb1.calls.overLimit + sb2.calls.overLimit;
    say(`fake WeChat: ${stats.body.codesIssued} codes issued, ${stats.body.code2SessionCalls} code2Session calls`);
    return result;
  } finally {
    for (const sb of sandboxes) sb.close();
    await server.stop();
    say('server stopped');
  }
}

module.exports = { runScenario, startServer };
