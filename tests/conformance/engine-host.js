/*
 * The engine-neutral glue of the conformance matrix (tests/conformance/run-*.js).
 *
 * Each engine (Node's vm mini-program sandbox, headless Chromium, the jsc shell)
 * evaluates this file as a plain script; it adds one global, `__weappConformance`:
 *
 *   define(id, factory)      registers a CommonJS module. The Node drivers wrap each
 *                            source file as `__weappConformance.define(id, function
 *                            (module, exports, require) {<source>\n});` and have the
 *                            engine evaluate that text (vm / addScriptTag / load()):
 *                            no eval or new Function here, as in a mini program.
 *   defined(id)              whether a module is registered (its script parsed and ran).
 *   require(id)              runs a registered module once and returns its exports.
 *   makeWXWebAssembly(opts)  a stand-in for WeChat's WXWebAssembly (for the engines
 *                            that lack one): instantiate(path, imports) takes only a
 *                            code-package path string, like WeChat (no bytes, no
 *                            compile/validate/Module).
 *   completeTimers(g)        WeChat-like setTimeout/clearTimeout/setInterval/
 *                            clearInterval over an engine whose setTimeout returns no
 *                            id and has no clear (jsc); an error thrown by a callback
 *                            is printed and kept in `uncaught` instead of ending jsc.
 *   hideGlobals(g, names)    deletes globals a mini program lacks; returns the ones left.
 *   wasmCalls                every instantiate of makeWXWebAssembly's: {path, ok, error}.
 *   run(opts)                loads the bundle, the harness and the suite, runs the cases
 *                            one at a time and prints `ok N - name` / `not ok N - name:
 *                            message`, then `1..N` and `# N passed, N failed`; resolves
 *                            with {passed, failed, names, failedNames}.
 *
 * ES2017 and setTimeout only: it must parse and run in the jsc of Debian 12 too.
 */
(function (root) {
  'use strict';

  var hasOwn = Object.prototype.hasOwnProperty;
  var defs = {};
  var cache = {};
  var wasmCalls = []; // every WXWebAssembly.instantiate of makeWXWebAssembly: {path, ok, error}
  var uncaught = []; // messages of errors thrown out of completeTimers' callbacks

  function kind(v) {
    if (v === null) return 'null';
    if (Array.isArray(v)) return 'array';
    if (typeof ArrayBuffer !== 'undefined' && (v instanceof ArrayBuffer || ArrayBuffer.isView(v))) return 'bytes';
    return typeof v;
  }

  function messageOf(e) {
    if (e && typeof e === 'object') {
      var msg = typeof e.message === 'string' ? e.message : (typeof e.errMsg === 'string' ? e.errMsg : '');
      if (!msg) { try { msg = JSON.stringify(e); } catch (x) { msg = String(e); } }
      if (typeof e.code === 'string' && msg.indexOf(e.code) < 0) msg = e.code + ': ' + msg;
      return msg;
    }
    return String(e);
  }

  // ------------------------------------------------------------------ modules
  function define(id, factory) {
    if (typeof id !== 'string' || typeof factory !== 'function') throw new TypeError('define(id, factory)');
    defs[id] = factory;
  }

  function dirOf(id) { var i = id.lastIndexOf('/'); return i < 0 ? '' : id.slice(0, i); }

  function resolveId(request, fromId) {
    if (hasOwn.call(defs, request)) return request;
    if (request.charAt(0) !== '.') return null;
    var parts = dirOf(fromId).split('/');
    var segs = request.split('/');
    for (var i = 0; i < segs.length; i++) {
      if (segs[i] === '..') parts.pop();
      else if (segs[i] !== '.' && segs[i] !== '') parts.push(segs[i]);
    }
    var base = parts.join('/');
    var cands = [base, base + '.js', base + '/index.js'];
    for (var j = 0; j < cands.length; j++) if (hasOwn.call(defs, cands[j])) return cands[j];
    return null;
  }

  function requireFrom(fromId) {
    return function require(request) {
      var id = typeof request === 'string' ? resolveId(request, fromId) : null;
      // WeChat's own wording for a module that is not in the code package.
      if (id === null) throw new Error("module '" + request + "' is not defined, require args is '" + request + "'");
      return load(id);
    };
  }

  function load(id) {
    if (hasOwn.call(cache, id)) return cache[id].exports;
    if (!hasOwn.call(defs, id)) throw new Error('conformance host: no module ' + id);
    var module = { id: id, exports: {} };
    cache[id] = module;
    try {
      defs[id].call(module.exports, module, module.exports, requireFrom(id));
    } catch (e) {
      delete cache[id];
      throw e;
    }
    return module.exports;
  }

  // ------------------------------------------------------------------ WXWebAssembly
  /**
   * @param {{WebAssembly: object, files: Object<string, *>, read: function(*): (Uint8Array|ArrayBuffer)}} opts
   *   files maps a code-package path ('/miniprogram_npm/weapp-login/weapp_login_bg.wasm.br')
   *   onto what `read` turns into the module's bytes. WeChat decompresses a `.wasm.br`
   *   itself; jsc and the browser cannot, so the Node driver hands over bytes it already
   *   decompressed and the `.br` path maps onto them.
   */
  function makeWXWebAssembly(opts) {
    var WA = opts.WebAssembly;
    var files = opts.files;
    var read = opts.read;
    var WX = {};
    WX.instantiate = function instantiate(path, imports) {
      var rec = { path: typeof path === 'string' ? path : kind(path), ok: false, error: undefined };
      wasmCalls.push(rec);
      return new Promise(function (resolve) {
        if (typeof path !== 'string') {
          throw new TypeError('WXWebAssembly.instantiate: path must be a string (a file in the code package), got ' + kind(path));
        }
        if (path.charAt(0) !== '/') throw new Error('WXWebAssembly.instantiate: path must be absolute within the code package: ' + path);
        if (!/\.wasm(\.br)?$/.test(path)) throw new Error('WXWebAssembly.instantiate: path must end in .wasm or .wasm.br: ' + path);
        if (!hasOwn.call(files, path)) throw new Error('WXWebAssembly.instantiate: no such file in the code package: ' + path);
        var bytes = read(files[path]);
        resolve(WA.instantiate(bytes, imports).then(function (r) {
          rec.ok = true;
          return { instance: r.instance, module: r.module };
        }));
      }).then(undefined, function (e) {
        rec.error = messageOf(e);
        throw e;
      });
    };
    WX.Memory = WA.Memory;
    WX.Table = WA.Table;
    WX.Global = WA.Global;
    WX.RuntimeError = WA.RuntimeError;
    return WX;
  }

  // ------------------------------------------------------------------ globals
  function completeTimers(g) {
    var nativeSetTimeout = g.setTimeout;
    var live = {};
    var nextId = 1;
    var report = g.print;
    // An uncaught error in a timer ends the jsc shell; a mini program reports it
    // (App.onError) and goes on: so does this, and the driver fails the run.
    var onError = function (e) {
      uncaught.push(messageOf(e));
      if (typeof report === 'function') report('# uncaught in a timer: ' + messageOf(e));
    };
    function fire(fn, args) {
      try { fn.apply(undefined, args); } catch (e) { onError(e); }
    }
    g.setTimeout = function setTimeout(fn, ms) {
      if (typeof fn !== 'function') throw new TypeError('setTimeout: callback must be a function');
      var args = Array.prototype.slice.call(arguments, 2);
      var id = nextId++;
      live[id] = true;
      nativeSetTimeout(function () {
        if (!live[id]) return; // cleared: the native timer cannot be, it just does nothing
        delete live[id];
        fire(fn, args);
      }, Number(ms) || 0);
      return id;
    };
    g.clearTimeout = function clearTimeout(id) { delete live[id]; };
    g.setInterval = function setInterval(fn, ms) {
      if (typeof fn !== 'function') throw new TypeError('setInterval: callback must be a function');
      var args = Array.prototype.slice.call(arguments, 2);
      var id = nextId++;
      var period = Math.max(1, Number(ms) || 0);
      live[id] = true;
      (function tick() {
        nativeSetTimeout(function () {
          if (!live[id]) return;
          tick();
          fire(fn, args);
        }, period);
      })();
      return id;
    };
    g.clearInterval = g.clearTimeout;
  }

  function hideGlobals(g, names) {
    var left = [];
    for (var i = 0; i < names.length; i++) {
      try { delete g[names[i]]; } catch (e) { /* reported below */ }
      if (typeof g[names[i]] !== 'undefined') left.push(names[i]);
    }
    return left;
  }

  // ------------------------------------------------------------------ runner
  /**
   * @param {{bundle: string, testing: string, suite: string, print: function(string),
   *   timeoutMs?: number}} opts  module ids of pkg/dist/index.js, pkg/testing/index.js
   *   and the suite; every case gets timeoutMs (20 s) of real time to settle
   * @returns {Promise<{passed: number, failed: number, names: string[], failedNames: string[]}>}
   */
  function run(opts) {
    var print = opts.print;
    var timeoutMs = opts.timeoutMs || 20000;
    // Taken before any case runs: a case may not replace the runner's clock.
    var setT = root.setTimeout;
    var clearT = root.clearTimeout;
    var summary = { passed: 0, failed: 0, names: [], failedNames: [] };

    function record(n, name, err) {
      if (err === null) {
        summary.passed++;
        print('ok ' + n + ' - ' + name);
      } else {
        summary.failed++;
        summary.failedNames.push(name);
        print('not ok ' + n + ' - ' + name + ': ' + messageOf(err.error).replace(/\s*\n\s*/g, ' '));
        var e = err.error;
        var stack = e && !err.timedOut && typeof e.stack === 'string' ? e.stack.split('\n') : [];
        var shown = 0;
        for (var i = 0; i < stack.length && shown < 4; i++) {
          var line = stack[i].replace(/^\s+/, '');
          if (!line || (e.message && stack[i].indexOf(e.message) >= 0)) continue; // V8 repeats the message
          print('#   ' + line);
          shown++;
        }
      }
    }

    function runOne(c) {
      return new Promise(function (resolve) {
        var done = false;
        var timer;
        function finish(err) {
          if (done) return;
          done = true;
          if (timer !== undefined) clearT(timer);
          resolve(err);
        }
        timer = setT(function () {
          finish({ error: new Error('did not settle within ' + timeoutMs + ' ms'), timedOut: true });
        }, timeoutMs);
        var p;
        try { p = c.run(); } catch (e) { finish({ error: e }); return; }
        Promise.resolve(p).then(function () { finish(null); }, function (e) { finish({ error: e }); });
      });
    }

    var cases;
    try {
      var pkg = load(opts.bundle);
      var env = { createLoginManager: pkg.createLoginManager, LoginError: pkg.LoginError, testing: load(opts.testing) };
      var defineSuite = load(opts.suite);
      if (typeof defineSuite !== 'function') throw new TypeError('the suite does not export a function');
      cases = defineSuite(env);
      if (!Array.isArray(cases)) throw new TypeError('defineSuite(env) did not return an array');
      for (var k = 0; k < cases.length; k++) {
        var c = cases[k];
        if (!c || typeof c.name !== 'string' || typeof c.run !== 'function') throw new TypeError('case ' + (k + 1) + ' is not {name, run}');
      }
    } catch (e) {
      record(0, 'load the bundle, the harness and the suite', { error: e });
      print('1..0');
      print('# ' + summary.passed + ' passed, ' + summary.failed + ' failed');
      return Promise.resolve(summary);
    }

    var i = 0;
    function next() {
      if (i >= cases.length) {
        print('1..' + cases.length);
        print('# ' + summary.passed + ' passed, ' + summary.failed + ' failed');
        return summary;
      }
      var c = cases[i++];
      summary.names.push(c.name);
      return runOne(c).then(function (err) { record(i, c.name, err); return next(); });
    }
    return Promise.resolve().then(next);
  }

  root.__weappConformance = {
    define: define,
    defined: function (id) { return hasOwn.call(defs, id); },
    require: load,
    makeWXWebAssembly: makeWXWebAssembly,
    completeTimers: completeTimers,
    hideGlobals: hideGlobals,
    run: run,
    wasmCalls: wasmCalls,
    uncaught: uncaught,
  };
})(typeof globalThis !== 'undefined' ? globalThis : this);
