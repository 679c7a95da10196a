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
 *   differently refused outright); before the Core exists, `earlyTrust` (narrower still);
 *   at createLoginManager, synchronously, origins the Core would refuse (`checkOrigins`).
 * - cold-start.js DECIDES before the Core exists: which requests go out at once with the
 *   persisted token (trust.js's `earlyTrust`), and ends that token when `logout()` comes first.
 * - lease.js carries data: it sends in the slots the Core lent, with the token generation it
 *   lent, only to URLs judged here; every answer that is not a plain success goes to the Core.
 * - manager.js carries data: it hosts the Core's commands (wx calls, the waiters' Promises,
 *   callbacks, storage) and feeds it inputs, deciding nothing of the login state itself.
 * - adapters/ translate only: a library's config to `authorize`/`check` and back; the URL a
 *   library sends is the one `authorize` judged (their relative URLs are read with `resolve`).
 */
const isDigit = (c) => c >= 48 && c <= 57;
/** A plain host's characters: letters, digits, '.', '-', '_'. */
const isHostChar = (c) => (c >= 97 && c <= 122) || (c >= 65 && c <= 90) || isDigit(c) || c === 46 || c === 45 || c === 95;
/** An IPv6 address's characters (in brackets): hex digits, ':', '.'. */
const isV6Char = (c) => isDigit(c) || (c >= 97 && c <= 102) || (c >= 65 && c <= 70) || c === 58 || c === 46;
/**
 * Where the authority of an absolute http(s) URL starts (7 or 8), or -1: the scheme in any
 * case, then "://".
 * @param {string} v
 * @returns {number}
 */
function authorityStart(v) {
  const l = (i) => v.charCodeAt(i) | 32; // ASCII letters in lower case (others never match)
  if (l(0) !== 104 || l(1) !== 116 || l(2) !== 116 || l(3) !== 112) return -1; // http
  const i = l(4) === 115 ? 5 : 4; // s
  return v.startsWith('://', i) ? i + 3 : -1;
}

/**
 * The end of `host[:port]` from `i`: a plain host or a bracketed IPv6 address, then an
 * optional port of 1 to 5 digits up to 65535; -1 when there is none.
 * @param {string} v
 * @param {number} i where the host starts
 * @returns {number}
 */
function authorityEnd(v, i) {
  const n = v.length;
  let j = i;
  if (v.charCodeAt(j) === 91) { // '[': IPv6
    j++;
    while (j < n && isV6Char(v.charCodeAt(j))) j++;
    if (j === i + 1 || v.charCodeAt(j) !== 93) return -1; // ']'
    j++;
  } else {
    while (j < n && isHostChar(v.charCodeAt(j))) j++;
    if (j === i) return -1;
  }
  if (v.charCodeAt(j) === 58) { // ':' and a port
    let k = j + 1;
    while (k < n && isDigit(v.charCodeAt(k))) k++;
    if (k === j + 1 || k - j > 6 || Number(v.slice(j + 1, k)) > 65535) return -1;
    j = k;
  }
  return j;
}

/** '/', '?' or '#': where a path, query or fragment starts. */
const endsAuthority = (c) => c === 47 || c === 63 || c === 35;

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
 *   `https://a.com/v1/x`), as API.md's `baseUrl` and axios's `baseURL` say;
 * - without a base, as it is (no origin: it never carries the token).
 * @param {string} url as the page gave it
 * @param {string|undefined} base an absolute URL with no trailing '/'
 * @returns {string} the URL to judge and send
 */
function read(url, base) {
  const c = url.charCodeAt(0);
  if (base === undefined || (!isSlash(c) && SCHEME.test(url))) return url;
  if (isSlash(c) && isSlash(url.charCodeAt(1))) return base.slice(0, base.indexOf(':') + 1) + url;
  return c === 47 ? base + url : base + '/' + url;
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
 * the token. The Core's verdict (`ask`), cached per `scheme://authority` (bounded), or
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
      if (cache.size > 255) cache.clear();
      cache.set(m[0], v);
    }
    return v;
  }
  return function judge(raw, url) {
    const v = raw.charCodeAt(0) === 47 && base !== undefined && !isSlash(raw.charCodeAt(1)) && !AMBIGUOUS.test(raw)
      ? (onBase === undefined ? (onBase = ask(base + '/')) : onBase)
      : !oblique(raw) && cached(url);
    if (!v) {
      const m = PREFIX.exec(url);
      const o = m === null ? url : m[0]; // no `scheme://authority`: the URL itself
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
 * only when it starts with the `scheme://authority` of a trusted origin (or of a URL whose
 * origin is trusted), byte for byte, then '/', '?' or '#', holds nothing ambiguous and
 * was not oblique. The Core accepted that authority (options.js refuses synchronously
 * whatever it would not), so it reads the URL as that origin. No case folding:
 * `toLowerCase` maps U+212A (Kelvin) to 'k'.
 * @param {string[]} origins absolute URLs (validated by options.js)
 * @returns {(raw: string, url: string) => boolean}
 */
function earlyTrust(origins) {
  const plain = origins.map((o) => PREFIX.exec(o)[0]);
  return (raw, url) => !oblique(raw) && !AMBIGUOUS.test(url)
    && plain.some((p) => url.startsWith(p) && endsAuthority(url.charCodeAt(p.length)));
}

/**
 * What the Core refuses of `loginUrl`, `baseUrl` and `trustedOrigins` (already absolute
 * http(s) URLs with a plain host, options.js), found at once so that the persisted token
 * never goes to such an origin before `ready` rejects: a host that WHATWG reads as an IPv4
 * number (`127.1`, `0x7f.0.0.1`, `2130706433`, `127.0.0.01`, `1.2.3.4.`) unless it is a
 * plain dotted quad (src/origin.rs `ipv4_like`, `dotted_quad`); and an `http:` origin,
 * unless `allowHttp` or a loopback host (`localhost`, `127.0.0.1`, `[::1]`).
 * @param {object} o the options
 * @returns {string} what is wrong (naming the option and the fix), or '' when nothing is
 */
function checkOrigins(o) {
  for (const v of [o.loginUrl, o.baseUrl].concat(o.trustedOrigins || [])) {
    if (v === undefined) continue;
    const i = authorityStart(v);
    const a = v.slice(i, authorityEnd(v, i)); // host[:port]
    const host = a.charCodeAt(0) === 91 ? a.slice(0, a.indexOf(']') + 1) : a.split(':')[0];
    const q = host.split('.');
    const last = q[q.length - 1] || q[q.length - 2] || '';
    // A last label that starts with a digit, or no regex is compiled.
    if (isDigit(last.charCodeAt(0)) && /^(\d+|0x[\da-f]*)$/i.test(last)
        && !(q.length === 4 && q.every((x) => String(+x) === x && +x < 256))) {
      return v + ': URL parsers read the host as different IPv4 addresses; write a dotted quad';
    }
    if (i === 7 && !o.allowHttp && host !== 'localhost' && host !== '127.0.0.1' && host !== '[::1]') {
      return v + ' is http: set allowHttp: true, or use https';
    }
  }
  return '';
}

export { read, resolve, verdicts, earlyTrust, checkOrigins, authorityStart, authorityEnd, endsAuthority, isDigit };
