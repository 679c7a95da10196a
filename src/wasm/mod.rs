//! The wasm adapter: the exported functions that `js-shim/manager.js` drives.
//!
//! The boundary is built so that data stays in JS and only ids and verdicts cross:
//! request options, URLs, results and the token live in JS; a request enters as
//! `(id, with_token, channel, timeout)` and leaves as `send(id, send, generation,
//! channel)`. Every input function takes the manager's number `h` and `now` (ms since
//! the Unix epoch, from the shim's clock) first and returns the next deadline at which
//! `wake` must be called (ms since the epoch, or -1 for none), so the Core reads no clock
//! and arms no timer itself.
//!
//! A manager is a number, not a wasm-bindgen class: `h` names both its host object in
//! `js-shim/hosts.js` (which the Core's commands reach) and its [`Machine`] here. So no
//! JS object is held in the wasm, and neither a class wrapper (Rc, RefCell, a
//! FinalizationRegistry) nor an object heap ships; only numbers and, rarely, strings cross.
//!
//! The shim guarantees that no JS exception unwinds through these functions (every host
//! method swallows what the platform throws) and that inputs are never re-entered (inputs
//! that arrive while one runs are queued JS-side); `trusts` alone, a pure query, may be
//! called at any time. The machines' lock is never held while a host method runs.

mod host;
#[cfg(feature = "runtime")]
mod runtime;

use alloc::string::String;
use alloc::vec::Vec;

use spin::mutex::SpinMutex;
use wasm_bindgen::prelude::*;

use crate::config::origin_of;
use crate::{Channel, Command, Config, LoginAnswer, LoginError, Machine, StoredSession};
pub use host::{op, register_host};

/// Longest delay a JS timer honours (2^31 - 1 ms); every ms option is at most this.
const MAX_MS: f64 = 2_147_483_647.0;

/// The machines of the page's managers, by manager number (`None`: never made). A
/// manager lives as long as the page (a mini program makes one per app): nothing frees
/// its machine, since freeing it once the page drops the manager could strand an answer
/// still on the wire, and its Promise with it.
static MACHINES: SpinMutex<Vec<Option<Machine>>> = SpinMutex::new(Vec::new());

/// The machines, locked until the guard drops.
fn machines() -> spin::mutex::SpinMutexGuard<'static, Vec<Option<Machine>>> {
    // Never contended: the wasm is single-threaded and no host method runs under the
    // lock. A failed try_lock would be a re-entry bug: trap, as a RefCell would.
    let Some(machines) = MACHINES.try_lock() else {
        core::arch::wasm32::unreachable()
    };
    machines
}

/// Runs `f` on manager `h`'s machine, if it exists; the lock is held only meanwhile.
fn with<R>(h: u32, f: impl FnOnce(&mut Machine) -> R) -> Option<R> {
    machines().get_mut(h as usize)?.as_mut().map(f)
}

/// A whole, non-negative JS number as u64 (ids, send numbers, times); anything else 0.
/// Never inlined: the saturating float-to-int conversion, lowered to MVP, is about 60
/// bytes of code at each of its 40-odd call sites.
#[inline(never)]
fn whole(v: f64) -> u64 {
    if v.is_finite() && v > 0.0 {
        v as u64 // saturating
    } else {
        0
    }
}

fn channel(c: f64) -> Channel {
    match whole(c) {
        1 => Channel::Upload,
        2 => Channel::Download,
        _ => Channel::Request,
    }
}

/// A re-login count (at most `retryLimit`, 100).
fn small(v: f64) -> u32 {
    whole(v).min(u32::MAX.into()) as u32
}

fn status(s: f64) -> u16 {
    if s <= 999.0 {
        whole(s) as u16 // NaN fails the test; whole() makes anything below 0 a 0
    } else {
        0
    }
}

/// `v` as a whole number clamped to 0..=`max`. The shim has validated every option
/// already (js-shim/options.js throws INVALID_OPTIONS naming it, synchronously); here a
/// bad number can only bound, never trap.
fn int(v: f64, max: f64) -> u64 {
    whole(v.min(max))
}

/// The next line of `rest` (up to `'\n'`, which no URL, token or status list holds:
/// the shim refuses control characters in each), `rest` moved past it. Searches bytes
/// rather than chars (the char searcher is large in wasm); `'\n'` is ASCII, so both
/// sides of it are whole UTF-8.
fn line<'a>(rest: &mut &'a str) -> &'a str {
    let s = *rest;
    let at = s.bytes().position(|c| c == b'\n').unwrap_or(s.len());
    *rest = s.get(at + 1..).unwrap_or("");
    s.get(..at).unwrap_or(s)
}

/// The Config of `newCore`: its URLs, the rest of its `strings` (the status codes, then
/// the trusted origins) and its numbers.
fn config(
    login_url: &str,
    base_url: &str,
    mut strings: &str,
    n: &[f64; 10],
    has_trusted: bool,
) -> Result<Config, String> {
    let base_url = Some(base_url).filter(|b| !b.is_empty());
    let codes = line(&mut strings);
    // The detail only ("loginUrl must be ..."): the shim adds "invalid options: ".
    let invalid = |e: LoginError| match e {
        LoginError::InvalidOptions { message } => message,
        _ => String::new(), // Config::new gives no other error
    };
    let mut c = Config::new(login_url, base_url, None).map_err(invalid)?;
    if has_trusted {
        // Config::new's reading of `trustedOrigins`, one line at a time (no list of
        // copies to build first).
        c.trusted_origins.clear();
        while !strings.is_empty() {
            let one = line(&mut strings);
            if !one.is_empty() {
                let origin = origin_of("trustedOrigins[]", one).map_err(invalid)?;
                c.trusted_origins.push(origin);
            }
        }
    }
    c.auth_fail_status_codes.clear();
    // Space-separated decimals (the shim checked they are HTTP statuses).
    let mut code = 0u16;
    for b in codes.bytes().chain(Some(b' ')) {
        if b.is_ascii_digit() {
            code = code.saturating_mul(10).saturating_add((b - b'0').into());
        } else {
            if (100..=599).contains(&code) {
                c.auth_fail_status_codes.push(code);
            }
            code = 0;
        }
    }
    c.retry_limit = int(n[0], 100.0) as u32;
    c.login_timeout_ms = int(n[1], MAX_MS).max(1);
    c.renew_margin_ms = int(n[2], MAX_MS);
    c.login_backoff_ms = int(n[3], MAX_MS);
    c.login_backoff_max_ms = int(n[4], MAX_MS);
    c.recheck_after_hidden_ms = int(n[5], MAX_MS);
    c.check_session_timeout_ms = int(n[6], MAX_MS).max(1);
    c.network_wait_ms = int(n[7], MAX_MS);
    c.await_check_session = int(n[8], 1.0) == 1;
    c.seed = int(n[9], 4_294_967_295.0);
    c.lease = true; // the shim takes leases (js-shim/manager.js)
    Ok(c)
}

/// A Core at launch, for manager `h` (its host registered in `js-shim/hosts.js`);
/// a manager made again under the same number replaces the old one.
///
/// - `strings`: lines joined with `'\n'`: `loginUrl`, `baseUrl` (empty for none), the
///   persisted token (empty for none), `authFailStatusCodes` (space-separated), then
///   `trustedOrigins`, used when `has_trusted` (else the origins of `loginUrl` and
///   `baseUrl`);
/// - `n0`..`n9`: `retryLimit, loginTimeoutMs, renewMarginMs, loginBackoffMs,
///   loginBackoffMaxMs, recheckAfterHiddenMs, checkSessionTimeoutMs, networkWaitMs,
///   awaitCheckSession (0/1), seed`, every ms value at most 2^31 - 1 (the shim has
///   validated them; out of range, they are clamped);
/// - `now` (ms since the epoch); `stored_expires_at`: the persisted token's `expiresAt`
///   (ms since the epoch, < 0 or NaN for none); it is restored as session generation 1.
///
/// Every argument is a number or a borrowed string: nothing is handed over to the wasm
/// that it must free, and the glue stays small.
///
/// Returns false, and makes no Core, for a URL the core refuses (`loginUrl`,
/// `baseUrl`, a trusted origin: not an absolute http(s) URL, or one two standard
/// parsers read differently); the host first gets the `INVALID_OPTIONS` detail as
/// `text(op::INVALID)`.
#[wasm_bindgen(js_name = newCore)]
#[allow(clippy::too_many_arguments)]
pub fn new_core(
    h: u32,
    strings: &str,
    n0: f64,
    n1: f64,
    n2: f64,
    n3: f64,
    n4: f64,
    n5: f64,
    n6: f64,
    n7: f64,
    n8: f64,
    n9: f64,
    has_trusted: bool,
    now: f64,
    stored_expires_at: f64,
) -> bool {
    let mut rest = strings;
    let login_url = line(&mut rest);
    let base_url = line(&mut rest);
    let stored_token = line(&mut rest);
    let numbers = [n0, n1, n2, n3, n4, n5, n6, n7, n8, n9];
    let c = match config(login_url, base_url, rest, &numbers, has_trusted) {
        Ok(c) => c,
        Err(detail) => {
            host::text(h, op::INVALID, 0.0, 0.0, &detail, None, None);
            return false;
        }
    };
    let stored = (!stored_token.is_empty()).then(|| StoredSession {
        token: stored_token.into(),
        expires_at_ms: (stored_expires_at >= 0.0).then(|| whole(stored_expires_at)),
    });
    let machine = Machine::new(c, stored, whole(now));
    {
        let mut machines = machines();
        let i = h as usize;
        while machines.len() <= i {
            machines.push(None);
        }
        if let Some(slot) = machines.get_mut(i) {
            *slot = Some(machine); // always there: no index to panic
        }
    }
    drain(h);
    true
}

/// The next deadline (ms since the epoch) at which `wake` must be called, or -1.
#[wasm_bindgen]
pub fn deadline(h: u32) -> f64 {
    with(h, |m| m.poll_timeout())
        .flatten()
        .map_or(-1.0, |t| t as f64)
}

/// Whether a request to `url` (absolute, already resolved against `baseUrl`) may carry
/// the token: its origin is one of `trustedOrigins`, read alike by every standard URL
/// parser (src/origin.rs). A pure query.
#[wasm_bindgen]
pub fn trusts(h: u32, url: &str) -> bool {
    with(h, |m| m.config().is_trusted(url)) == Some(true)
}

/// A numeric input (the hot path), `op` one of [`input`]'s constants with its
/// arguments `a`..`e` (unused ones 0; booleans 0/1; ids and ms whole numbers).
#[wasm_bindgen]
#[allow(clippy::too_many_arguments)]
pub fn put(h: u32, now: f64, op: u8, a: f64, b: f64, c: f64, d: f64, e: f64) -> f64 {
    // Each op is the matching `Machine::on_*` call (no `Input` built and matched again).
    let t = whole(now);
    feed(h, t, |m| match op {
        input::REQUEST => m.on_request(whole(a), b != 0.0, channel(c), whole(d), t),
        input::ADOPT => m.on_adopt(whole(a), channel(b), whole(c), t),
        input::LOGIN => m.on_login(whole(a)),
        input::LOGOUT => m.logout(),
        input::AUTHORIZE => m.on_authorize(whole(a), small(b)),
        input::CHECK => m.on_check(whole(a), whole(b), small(c), status(d), e != 0.0),
        input::ABORT => m.abort(whole(a)),
        input::CHECK_SESSION => m.on_check_session(whole(a), b != 0.0),
        input::RESPONSE => m.on_response(whole(a), whole(b), status(c), d != 0.0),
        input::NETWORK => m.on_network(a != 0.0),
        input::APP_HIDE => m.on_app_hidden(t),
        input::APP_SHOW => m.on_app_shown(t),
        input::RELEASE => m.on_release(whole(a), small(b)),
        input::ADOPT_LEASED => {
            let generation = whole(b);
            m.on_adopt_leased(
                whole(a),
                (generation > 0).then_some(generation),
                whole(c),
                whole(d),
            )
        }
        // The timer fired (an unknown op does the same): only the clock moves.
        _ => {}
    })
}

/// An input that carries a string `s` (see [`input`]): a wx.login code or errMsg, a
/// wx.request errMsg.
#[wasm_bindgen]
pub fn text(h: u32, now: f64, op: u8, a: f64, b: f64, s: &str) -> f64 {
    let t = whole(now);
    let s = String::from(s);
    feed(h, t, |m| match op {
        input::WX_LOGIN_OK if !s.is_empty() => m.on_wx_login_ok(whole(a), s),
        input::WX_LOGIN_OK | input::WX_LOGIN_FAILED => {
            let err_msg = if s.is_empty() {
                "login:fail no code in result".into()
            } else {
                s
            };
            m.on_wx_login_failed(whole(a), err_msg, t)
        }
        input::LOGIN_POST_FAILED => m.on_login_post_failed(whole(a), s, t),
        _ => m.on_request_failed(whole(a), whole(b), s), // REQUEST_FAILED
    })
}

/// The login POST answered: its status, the string at `tokenField` (empty when there is
/// none: both are refused alike), and `expiresIn` (`undefined` when absent, NaN when
/// present but not a number).
#[wasm_bindgen(js_name = loginAnswered)]
pub fn login_answered(
    h: u32,
    now: f64,
    attempt: f64,
    status_code: f64,
    token: &str,
    expires_in_s: Option<f64>,
) -> f64 {
    let answer = LoginAnswer {
        status: status(status_code),
        token: (!token.is_empty()).then(|| token.into()),
        expires_in_s,
    };
    let t = whole(now);
    feed(h, t, |m| m.on_login_answered(whole(attempt), &answer, t))
}

/// The `op` of [`put`] and [`text`] (js-shim/manager.js names them alike).
pub mod input {
    /// `request`/`uploadFile`/`downloadFile`: waiter `a` (increasing), wants the token
    /// (`b`: `auth` and a trusted URL), channel `c` (0 request, 1 upload, 2 download),
    /// its `timeout` option `d` (ms).
    pub const REQUEST: u8 = 0;
    /// A request sent before the Core existed with the persisted token (send 0):
    /// waiter `a`, channel `b`, timeout `c` (ms).
    pub const ADOPT: u8 = 1;
    /// `login()`: waiter `a` settles once a valid, verified login state exists.
    pub const LOGIN: u8 = 2;
    /// `logout()`.
    pub const LOGOUT: u8 = 3;
    /// `authorize()`: waiter `a`, `b` re-logins so far (from the ticket).
    pub const AUTHORIZE: u8 = 4;
    /// `check()`: waiter `a`, ticket generation `b` and re-logins `c`, status `d`, the
    /// host's auth-failure verdict `e` (body code or `isAuthFailure`).
    pub const CHECK: u8 = 5;
    /// `abort()` on waiter `a`'s Promise.
    pub const ABORT: u8 = 6;
    /// wx.checkSession number `a` answered, `b` = 1 for `checkSession:ok`.
    pub const CHECK_SESSION: u8 = 7;
    /// Send `b` of waiter `a` answered with status `c`; `d` the host's verdict.
    pub const RESPONSE: u8 = 8;
    /// The network state: `a` = 0 for `networkType` `none`.
    pub const NETWORK: u8 = 9;
    /// `wx.onAppHide`.
    pub const APP_HIDE: u8 = 10;
    /// `wx.onAppShow`.
    pub const APP_SHOW: u8 = 11;
    /// The timer for the last deadline fired.
    pub const WAKE: u8 = 12;
    /// Lease `a` ([`super::op::LEASE`]): `b` slots given back (its unused ones when the
    /// host ends it, or one of an ended lease's answered sends).
    pub const RELEASE: u8 = 13;
    /// A leased send needs the Core: it becomes waiter `a`, in flight as send 0 with the
    /// token of generation `b` (0: none), its `timeout` `c` (ms) and deadline `d` (ms
    /// since the epoch). Its answer follows as `RESPONSE`/`REQUEST_FAILED` of send 0.
    pub const ADOPT_LEASED: u8 = 14;
    /// `text`: wx.login of attempt `a` gave code `s` (empty: no code, a failure).
    pub const WX_LOGIN_OK: u8 = 0;
    /// `text`: wx.login of attempt `a` failed with errMsg `s`.
    pub const WX_LOGIN_FAILED: u8 = 1;
    /// `text`: the login POST of attempt `a` got no response (errMsg `s`).
    pub const LOGIN_POST_FAILED: u8 = 2;
    /// `text`: send `b` of waiter `a` got no response (errMsg `s`).
    pub const REQUEST_FAILED: u8 = 3;
}

/// One input (`f` calls the machine's matching `on_*` method) at `now` (ms), its
/// commands carried out; returns the next deadline.
fn feed(h: u32, now: u64, f: impl FnOnce(&mut Machine)) -> f64 {
    with(h, |m| m.step(now, f));
    drain(h);
    deadline(h)
}

/// Carries out every command. The machine is not borrowed while a host method runs.
fn drain(h: u32) {
    while let Some(Some(cmd)) = with(h, Machine::poll_command) {
        perform(h, cmd);
    }
}

fn perform(h: u32, cmd: Command) {
    // The numeric commands give their op and arguments, for one call of `cmd` after the
    // match; those that carry strings call `text` and return.
    let (o, a, b, c, d, e): (u8, u64, u64, u64, f64, u64) = match cmd {
        Command::WxLogin { attempt } => (op::WX_LOGIN, attempt, 0, 0, 0.0, 0),
        Command::CheckSession { check } => (op::CHECK_SESSION, check, 0, 0, 0.0, 0),
        Command::Lease {
            lease,
            generation,
            slots,
            until_ms,
            margin_ms,
        } => (
            op::LEASE,
            lease,
            generation,
            slots.into(),
            until_ms.map_or(-1.0, |t| t as f64),
            margin_ms,
        ),
        Command::Revoke { lease } => (op::REVOKE, lease, 0, 0, 0.0, 0),
        Command::Send {
            id,
            send,
            generation,
            channel,
        } => (
            op::SEND,
            id,
            send,
            generation.unwrap_or(0),
            channel as u8 as f64,
            0,
        ),
        Command::AbortSend { id, .. } => (op::ABORT_SEND, id, 0, 0, 0.0, 0),
        Command::Resolve { id } => (op::RESOLVE, id, 0, 0, 0.0, 0),
        Command::Authorized {
            id,
            generation,
            relogins,
        } => (op::AUTHORIZED, id, generation, relogins.into(), 0.0, 0),
        Command::Verdict {
            id,
            replay,
            relogins,
        } => (op::VERDICT, id, replay.into(), relogins.into(), 0.0, 0),
        Command::ClearStorage => (op::CLEAR, 0, 0, 0, 0.0, 0),
        Command::PostCode { attempt, code } => {
            return host::text(h, op::POST_CODE, attempt as f64, 0.0, &code, None, None);
        }
        Command::Persist {
            session,
            generation,
        } => {
            return host::text(
                h,
                op::SESSION,
                generation as f64,
                session.expires_at_ms.map_or(-1.0, |t| t as f64),
                &session.token,
                None,
                None,
            );
        }
        Command::Reject { id, error } => {
            let attempt = match &error {
                LoginError::LoginRejected { attempt, .. } => *attempt as f64,
                _ => -1.0,
            };
            host::text(
                h,
                op::REJECT,
                id as f64,
                attempt,
                error.code(),
                Some(&error.message()),
                error.err_msg(),
            );
            return;
        }
        Command::Event(e) => {
            let code = match &e {
                crate::Event::LoginFailure { code } => Some(*code),
                _ => None,
            };
            return host::text(h, op::EMIT, 0.0, 0.0, e.name(), code, None);
        }
    };
    host::cmd(h, o, a as f64, b as f64, c as f64, d, e as f64);
}
