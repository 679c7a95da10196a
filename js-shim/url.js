/**
 * Request URLs on the JS side: resolution against `baseUrl`, and the cache of the Core's
 * origin verdicts. The verdict itself ("may this URL carry the token?") is always the
 * Core's (src/origin.rs); JS only remembers it per authority, so a URL crosses into the
 * wasm once per origin, not once per request.
 */
import { authorityStart, authorityEnd, endsAuthority } from './options.js';

/** `scheme://authority` at the start of an absolute URL (the authority ends at / ? # or \). */
const PREFIX = /^[A-Za-z][A-Za-z0-9+.-]*:\/\/[^/?#\\]*/;
/** Characters that two URL parsers may read differently: the verdict is then never cached. */
const AMBIGUOUS = /[\\\x00-\x20\x7f]/;
/** A scheme followed by "://": an absolute URL (as src/origin.rs `is_absolute`). */
const ABSOLUTE = /^[A-Za-z0-9+.-]+:\/\//;

/**
 * The URL a request goes to: an absolute one as it is; a relative one after `base`, with
 * exactly one '/' between them; without a base a relative URL stays relative (it has no
 * origin, so it never gets the token).
 * @param {string} url
 * @param {string|undefined} base
 * @returns {string}
 */
function resolveUrl(url, base) {
  if (base === undefined || ABSOLUTE.test(url)) return url;
  return base.replace(/\/+$/, '') + '/' + url.replace(/^\/+/, '');
}

/**
 * A cache of verdicts keyed by `scheme://authority`, bounded (cleared when full).
 * @param {(url: string) => boolean} ask the Core's verdict for one URL
 * @returns {(url: string) => boolean}
 */
function verdictCache(ask) {
  let cache = new Map();
  return function trusts(url) {
    const m = PREFIX.exec(url);
    // No authority, or a character read differently by WHATWG and RFC 3986 parsers
    // somewhere in the URL: ask every time (the Core refuses such URLs).
    if (m === null || AMBIGUOUS.test(url)) return ask(url);
    const key = m[0];
    let v = cache.get(key);
    if (v === undefined) {
      v = ask(url);
      if (cache.size >= 256) cache = new Map();
      cache.set(key, v);
    }
    return v;
  };
}

/**
 * The origins a URL may be judged trusted by before the Core exists (cold start): of the
 * trusted origins (or URLs whose origin is trusted), those with a plain
 * `scheme://host[:port]`, lowercased. A URL qualifies only
 * when it starts with one of them followed by '/', '?' or '#' and holds nothing
 * ambiguous: a strictly narrower test than the Core's (tests/node/boundary.test.js
 * checks that every URL it accepts, the Core accepts too).
 * @param {string[]} origins absolute URLs (validated by options.js)
 * @returns {(url: string) => boolean}
 */
function earlyTrust(origins) {
  const plain = [];
  for (const o of origins) {
    const i = authorityStart(o);
    const j = i < 0 ? -1 : authorityEnd(o, i, true);
    if (j >= 0 && (j === o.length || endsAuthority(o.charCodeAt(j)))) plain.push(o.slice(0, j).toLowerCase());
  }
  return function trusted(url) {
    if (AMBIGUOUS.test(url)) return false;
    for (const p of plain) {
      const c = url.charCodeAt(p.length); // '/', '?' or '#'
      if ((c === 47 || c === 63 || c === 35) && url.slice(0, p.length).toLowerCase() === p) {
        // "https://a.com:443/" and "https://a.com/" differ as strings: only exact forms.
        return true;
      }
    }
    return false;
  };
}

export { resolveUrl, verdictCache, earlyTrust, AMBIGUOUS };
