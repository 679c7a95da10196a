/**
 * The cold start: what the manager does before the wasm Core exists.
 *
 * Where JS decides here, and why it may (the map of the shim is in trust.js's header):
 * - which requests go out at once with the token persisted by an earlier launch: those a
 *   narrower check than the Core's trusts (trust.js `earlyTrust`), at most 10 at a time
 *   (wx.request's limit), while the token is unexpired by the Core's own rule
 *   (`renewMarginMs` before `expiresAt`), and never with `awaitCheckSession`. The Core
 *   adopts each such send once it exists and judges its answer (manager.js);
 * - `logout()` before the Core exists ends the persisted token here, synchronously (the
 *   manager removes it from storage at once and forgets its own copy): no later request
 *   carries it, whatever waits in the queue for the Core, and the Core starts with no
 *   session (`session()` tells it none).
 * Everything else (the login, renewal, replays, the verdict on an answer) waits for the Core.
 *
 * Interface (issue 20 builds on it): `createColdStart(o, now, stored)` → `{session(),
 * token(raw, url), sent(), end()}`, described below.
 */
import { get } from './values.js';
import { earlyTrust } from './trust.js';

/** A valid HTTP field value for the token: visible ASCII, inner spaces/tabs. */
const FIELD_VALUE = /^[\x21-\x7e](?:[\x20\x09\x21-\x7e]*[\x21-\x7e])?$/;

/**
 * @param {object} o validated options (options.js): renewMarginMs, awaitCheckSession,
 *   trustedOrigins / loginUrl / baseUrl
 * @param {() => number} now the manager's clock, ms since the epoch
 * @param {*} stored what wx storage held at `storageKey` (`{token, expiresAt}` when valid),
 *   read once by the manager
 */
function createColdStart(o, now, stored) {
  const t = get(stored, 'token');
  const at = get(stored, 'expiresAt');
  /** The persisted token (the Core's restored session, generation 1), or null. */
  let token = typeof t === 'string' && FIELD_VALUE.test(t) && (at == null || (typeof at === 'number' && at >= 0))
    ? t : null;
  let expiresAt = token !== null && typeof at === 'number' ? at : -1;
  /** The token early sends carry: the persisted one while fresh, else null. */
  let early = token !== null && !o.awaitCheckSession && (expiresAt < 0 || now() < expiresAt - o.renewMarginMs)
    ? token : null;
  let inFlight = 0;
  const trusted = early === null ? null : earlyTrust(o.trustedOrigins || [o.loginUrl, o.baseUrl || o.loginUrl]);

  return {
    /** What newCore is told of the persisted session: [token or '', expiresAt ms or -1]. */
    session: () => [token || '', expiresAt],
    /**
     * The token a request to `url` (read from `raw`, trust.js `read`) goes out with now,
     * before the Core exists, or null (it waits for the Core). A non-null answer takes one
     * of the 10 early slots until `sent()`.
     */
    token(raw, url) {
      if (early === null || inFlight >= 10 || !trusted(raw, url)) return null;
      inFlight++;
      return early;
    },
    /** An early send was answered (or failed): its slot is free. */
    sent() {
      inFlight--;
    },
    /**
     * `logout()` before the Core exists: the persisted token is forgotten now (the
     * manager removes it from storage at once too); returns it, for the server-side logout.
     * @returns {string|null}
     */
    end() {
      const had = token;
      token = early = null;
      expiresAt = -1;
      return had;
    },
  };
}

export { createColdStart };
