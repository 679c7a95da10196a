/**
 * Trust: the one reading of a request URL, and whether it may carry the token.
 *
 * The map of the shim: where JS decides, and where it only carries data. The Core
 * (src/, in the wasm) owns every decision; JS takes one only where the Core would take the
 * same, and tests/node/trust.test.js proves it (`js => core`, with fast-check).
 * - trust.js (here) DECIDES, never wider than the Core: which URL a request goes to (`read`:
 *   one reading, used by request, authorize, the cold start, the lease and every adapter;
 *   the string judged is the string sent); whether it carries the token (`verdicts`: the
 *   Core's verdict, cached per `scheme://authority`, and URL shapes that transports read
 *   differently refused outright); before the Core exists, `earlyTrust` (narrower still).
 * - options.js DECIDES at createLoginManager, synchronously, what the Core would refuse of
 *   the origins (IPv4-number hosts) and refuses an `http:` origin without `allowHttp`.
 * - cold-start.js DECIDES before the Core exists: which requests go out at once with the
 *   persisted token (trust.js's `earlyTrust`), and ends that token when `logout()` comes first.
 * - lease.js carries data: it sends in the slots the Core lent, with the token generation it
 *   lent, only to URLs judged here; every answer that is not a plain success goes to the Core.
 * - manager.js carries data: it hosts the Core's commands (wx calls, the waiters' Promises,
 *   callbacks, storage) and feeds it inputs, deciding nothing of the login state itself.
 * - adapters/ translate only: a library's config to `authorize`/`check` and back; the URL a
 *   library sends is the one `authorize` judged (their relative URLs are read with `resolve`).
 */
/** `scheme:` at the start (WHATWG's scheme state): an absolute URL, whatever follows. */
const SCHEME = /^[A-Za-z][A-Za-z0-9+.-]*:/;
/** `scheme://authority` at the start of an absolute URL (the authority ends at / ? # or \). */
const PREFIX = /^[A-Za-z][A-Za-z0-9+.-]*:\/\/[^/?#\\]*/;
/** Characters that two URL parsers may read differently: the Core refuses a URL holding one. */
const AMBIGUOUS = /[\\\x00-\x20\x7f]/;

/** '/' or '\' (WHATWG reads both as a slash in an http(s) URL). */
const isSlash = (c) => c === 47 || c === 92;

/**
 * A URL that transports read differently at its start: `//host` (scheme-relative, but a
 * path under `baseUrl` for some) or a backslash. It never carries the token.
 * @param {string} url as the page gave it
 */
const oblique = (url) => url.charCodeAt(0) === 92 || (url.charCodeAt(0) === 47 && isSlash(url.charCodeAt(1)));

/**
 * The one reading of a request URL (WHATWG's, against an http(s) base), for every path:
 * - with a scheme (`https://a.com/x`, and `http:/a.com/x`, `http:a.com` too): as it is;
 * - two slashes or backslashes first (`//cdn.com/y`): scheme-relative, after the base's
 *   scheme (`https://cdn.com/y`);
 * - else a path on the base, which is its prefix (`https://a.com/v1` + `/x` or `x`:
 *   `https://a.com/v1/x`), as pkg/REFERENCE.md's `baseUrl` and axios's `baseURL` say;
 * - without a base, as it is (no origin: it never carries the token).
 * @param {string} url as the page gave it
 * @param {string|undefined} base an absolute URL with no trailing '/'
 * @returns {string} the URL to judge and send
 */
function read(url, base) {
  const c = url.charCodeAt(0);
  if (base === undefined || (!isSlash(c) && SCHEME.test(url))) return url;
  if (isSlash(c) && isSlash(url.charCodeAt(1))) return base.slice(0, base.indexOf(':') + 1) + url;
  return base + (c === 47 ? url : '/' + url);
}

/**
 * `read` for an adapter: `url` against a library's `baseURL` (trailing slashes dropped;
 * none: `url` as it is, for the manager's `baseUrl`).
 * @param {string} url
 * @param {string} [base]
 * @returns {string}
 */
function resolve(url, base) {
  return read(url, base ? String(base).replace(/\/+$/, '') : undefined);
}

/**
 * A manager's verdicts: whether a request to `url` (read from `raw` by `read`) may carry
 * the token. The Core's verdict (`ask`), cached per `scheme://authority` (one entry per
 * origin: WeChat sends only to the few request domains an app lists), or
 * for a path on `base` the base's; a URL with an ambiguous character is asked every time,
 * an oblique one is refused. A request refused tells `withheld(origin)`, once per origin
 * (`scheme://authority` as written; the URL itself where it has none), for the manager's life.
 * @param {string|undefined} base as `read` takes it
 * @param {(url: string) => boolean} ask the Core's verdict (src/origin.rs)
 * @param {(origin: string) => void} withheld
 * @returns {(raw: string, url: string) => boolean}
 */
function verdicts(base, ask, withheld) {
  const cache = new Map();
  const told = new Set();
  let onBase;
  function cached(url) {
    const m = PREFIX.exec(url);
    if (m === null || AMBIGUOUS.test(url)) return ask(url);
    let v = cache.get(m[0]);
    if (v === undefined) {
      v = ask(url);
      cache.set(m[0], v);
    }
    return v;
  }
  return function judge(raw, url) {
    const v = !oblique(raw) && (raw.charCodeAt(0) === 47 && base !== undefined && !AMBIGUOUS.test(raw)
      ? (onBase === undefined ? (onBase = ask(base + '/')) : onBase)
      : cached(url));
    if (!v) {
      const o = (PREFIX.exec(url) || [url])[0]; // no `scheme://authority`: the URL itself
      if (!told.has(o)) {
        told.add(o);
        withheld(o);
      }
    }
    return v;
  };
}

/**
 * The check before the Core exists (cold start), narrower than the Core's: a URL qualifies
 * only when its `scheme://authority` is, byte for byte, that of a trusted origin (or of a
 * URL whose origin is trusted), it holds nothing ambiguous and was not oblique. The Core
 * accepted that authority (options.js refuses at once whatever it would not), so it reads
 * the URL as that origin. No case folding: `toLowerCase` maps U+212A (Kelvin) to 'k'.
 * @param {string[]} origins absolute URLs (validated by options.js)
 * @returns {(raw: string, url: string) => boolean}
 */
function earlyTrust(origins) {
  const plain = origins.map((o) => PREFIX.exec(o)[0]);
  return (raw, url) => {
    const m = PREFIX.exec(url);
    return m !== null && plain.includes(m[0]) && !oblique(raw) && !AMBIGUOUS.test(url);
  };
}

export { read, resolve, verdicts, earlyTrust };
