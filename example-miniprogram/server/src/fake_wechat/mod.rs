//! An embedded fake of WeChat's side, so tests and the demo run offline. It follows
//! docs/WECHAT.md and the official docs of auth.code2Session,
//! auth.getStableAccessToken and phonenumber.getPhoneNumber. It is mounted **only in
//! demo mode**, under [`PREFIX`] (`/fake-wechat`), which is then the server's WeChat
//! base URL; tests may also serve it alone with [`app`]. HTTP shapes: [`routes`].
//!
//! WeChat answers errors with HTTP 200 and `{"errcode": N, "errmsg": "<msg>, rid: <id>"}`;
//! so does the fake. The errcodes it produces are listed on each method.

pub mod routes;
mod token;

use std::borrow::Cow;
use std::collections::{HashMap, VecDeque};
use std::net::IpAddr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Mutex;

use base64::Engine as _;
use serde_json::{json, Value};

use crate::support::{random_bytes, random_hex, Clock};

pub use routes::{app, router, PREFIX};

/// How long an issued code (login or phone) stays exchangeable, seconds (5 minutes).
pub const CODE_TTL_SECS: i64 = 300;
/// Lifetime of an access_token the fake issues, seconds (WeChat: 7200).
pub const ACCESS_TOKEN_TTL_SECS: i64 = 7200;
/// In its last this-many seconds a token is renewed by a normal stable_token call
/// (WeChat: "普通模式下平台会提前5分钟更新access_token").
pub const RENEW_WINDOW_SECS: i64 = 300;
/// Forced refreshes allowed per day (WeChat: "强制刷新模式每天限用20次且需间隔30秒").
pub const FORCE_REFRESH_PER_DAY: u32 = 20;
/// Seconds between two forced refreshes (see [`FORCE_REFRESH_PER_DAY`]).
pub const FORCE_REFRESH_SPACING_SECS: i64 = 30;
/// Issued codes older than this are forgotten (and then answer 40029 like expired ones).
const CODE_FORGET_SECS: i64 = 3600;
/// The user `wx.login` logs in as when the body names none.
pub const DEFAULT_USER: &str = "default";
/// The phone number a phone code is bound to when the body names none.
pub const DEFAULT_PHONE: &str = "13800138000";

/// The fake's APIs that [`FakeWeChat::fail_next`] can break.
pub const APIS: [&str; 3] = ["code2session", "stable_token", "phone"];

/// WeChat's errmsg for an errcode the fake produces.
pub fn errmsg(errcode: i64) -> &'static str {
    match errcode {
        -1 => "system error",
        40001 => "invalid credential, access_token is invalid or not latest",
        40002 => "invalid grant_type",
        40013 => "invalid appid",
        40014 => "invalid access_token",
        40029 => "invalid code",
        40125 => "invalid appsecret",
        40163 => "code been used",
        40164 => "invalid ip, not in whitelist",
        40226 => "code blocked",
        41001 => "access_token missing",
        41002 => "appid missing",
        41004 => "appsecret missing",
        41008 => "missing code",
        42001 => "access_token expired",
        45009 => "reach max api daily quota limit",
        45011 => "api minute-quota reach limit, must slower, retry next minute",
        47001 => "data format error",
        _ => "injected error",
    }
}

#[derive(Debug, Clone)]
struct IssuedCode {
    /// openid for a login code; `(purePhoneNumber, countryCode)` joined by `\n` for a phone code.
    subject: String,
    session_key: Option<String>,
    issued_at: i64,
    used: bool,
}

#[derive(Default)]
struct State {
    codes: HashMap<String, IssuedCode>,
    phone_codes: HashMap<String, IssuedCode>,
    /// access_token → expires_at (Unix seconds).
    tokens: HashMap<String, i64>,
    current_token: Option<String>,
    /// `(day, forced refreshes that day, time of the last one)`, Unix days / seconds.
    forced: (i64, u32, Option<i64>),
    /// `Some(ips)`: stable_token answers 40164 to any other caller.
    ip_whitelist: Option<Vec<IpAddr>>,
    fail_next: HashMap<String, VecDeque<(i64, Option<String>)>>,
}

/// The fake WeChat: the app credentials it accepts, issued codes and tokens, counters.
pub struct FakeWeChat {
    appid: String,
    secret: String,
    clock: Clock,
    state: Mutex<State>,
    codes_issued: AtomicU64,
    code2session_calls: AtomicU64,
    stable_token_calls: AtomicU64,
    phone_calls: AtomicU64,
    stable_token_delay_ms: AtomicU64,
}

/// An errcode answer: `(errcode, errmsg without the rid)`.
pub type FakeError = (i64, Cow<'static, str>);

fn err(errcode: i64) -> FakeError {
    (errcode, Cow::Borrowed(errmsg(errcode)))
}

fn issue(map: &mut HashMap<String, IssuedCode>, now: i64, code: IssuedCode) -> String {
    map.retain(|_, c| now - c.issued_at < CODE_FORGET_SECS);
    let id = random_hex(16);
    map.insert(id.clone(), code);
    id
}

/// Consumes `code` from `map`: 40029 unknown or older than 5 minutes; a used code is
/// `used_errcode` (code2Session: 40163 "code been used"; getuserphonenumber: 40029, as
/// WeChat answers "invalid code" for expired, used, wrong or another app's phone codes).
fn consume(
    map: &mut HashMap<String, IssuedCode>,
    code: &str,
    now: i64,
    used_errcode: i64,
) -> Result<IssuedCode, FakeError> {
    let issued = map.get_mut(code).ok_or(err(40029))?;
    if now - issued.issued_at > CODE_TTL_SECS {
        return Err(err(40029));
    }
    if issued.used {
        return Err(err(used_errcode));
    }
    issued.used = true;
    Ok(issued.clone())
}

impl FakeWeChat {
    /// A fake that accepts only `appid` / `secret`, reading time (Unix seconds) from `clock`.
    pub fn new(appid: &str, secret: &str, clock: Clock) -> FakeWeChat {
        FakeWeChat {
            appid: appid.to_owned(),
            secret: secret.to_owned(),
            clock,
            state: Mutex::new(State::default()),
            codes_issued: AtomicU64::new(0),
            code2session_calls: AtomicU64::new(0),
            stable_token_calls: AtomicU64::new(0),
            phone_calls: AtomicU64::new(0),
            stable_token_delay_ms: AtomicU64::new(0),
        }
    }

    fn state(&self) -> std::sync::MutexGuard<'_, State> {
        self.state
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// The openid of fake user `user` in this app: `o` + 27 URL-safe characters, the
    /// same for the same (appid, user) on every run (a deterministic FNV-1a hash).
    pub fn openid_for(&self, user: &str) -> String {
        const ALPHABET: &[u8; 64] =
            b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
        let mut out = String::from("o");
        let mut h: u64 = 0xcbf2_9ce4_8422_2325;
        for b in self.appid.bytes().chain([0u8]).chain(user.bytes()) {
            h = (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3);
        }
        for _ in 0..27 {
            h = (h ^ (h >> 29)).wrapping_mul(0x0100_0000_01b3);
            out.push(char::from(ALPHABET[(h >> 58) as usize]));
        }
        out
    }

    /// Issues a new single-use login code for `user` (what `wx.login` answers). The
    /// exchange answers `session_key` if given, else 16 random bytes in base64.
    pub fn issue_code(&self, user: &str, session_key: Option<&str>) -> String {
        self.issue_code_for_openid(&self.openid_for(user), session_key)
    }

    /// Like [`FakeWeChat::issue_code`] for a given `openid` (e.g. the one inside
    /// WeChat's official open-data sample).
    pub fn issue_code_for_openid(&self, openid: &str, session_key: Option<&str>) -> String {
        let now = (self.clock)();
        let code = IssuedCode {
            subject: openid.to_owned(),
            session_key: session_key.map(str::to_owned),
            issued_at: now,
            used: false,
        };
        self.codes_issued.fetch_add(1, Ordering::Relaxed);
        issue(&mut self.state().codes, now, code)
    }

    /// Issues a single-use phone code (what `<button open-type="getPhoneNumber">` gives)
    /// bound to `pure_phone` in country `country_code` (e.g. `"86"`).
    pub fn issue_phone_code(&self, pure_phone: &str, country_code: &str) -> String {
        let now = (self.clock)();
        let code = IssuedCode {
            subject: format!("{pure_phone}\n{country_code}"),
            session_key: None,
            issued_at: now,
            used: false,
        };
        issue(&mut self.state().phone_codes, now, code)
    }

    /// Test hook: the HTTP stable_token route answers after `ms` milliseconds (a slow
    /// WeChat, to widen races between server processes).
    pub fn set_stable_token_delay_ms(&self, ms: u64) {
        self.stable_token_delay_ms.store(ms, Ordering::Relaxed);
    }

    /// The delay set by [`FakeWeChat::set_stable_token_delay_ms`], milliseconds.
    pub fn stable_token_delay_ms(&self) -> u64 {
        self.stable_token_delay_ms.load(Ordering::Relaxed)
    }

    /// Makes a coming call of `api` (one of [`APIS`]) answer `errcode`: each call of
    /// this queues one failure, consumed in order by the next calls of that API.
    pub fn fail_next(&self, api: &str, errcode: i64) {
        self.fail_next_with(api, errcode, None);
    }

    /// Like [`FakeWeChat::fail_next`], answering `errmsg` (e.g. a text quoting the
    /// secret, to check it never reaches a client) instead of WeChat's usual one.
    pub fn fail_next_with(&self, api: &str, errcode: i64, errmsg: Option<String>) {
        self.state()
            .fail_next
            .entry(api.to_owned())
            .or_default()
            .push_back((errcode, errmsg));
    }

    fn injected(&self, api: &str) -> Result<(), FakeError> {
        match self
            .state()
            .fail_next
            .get_mut(api)
            .and_then(VecDeque::pop_front)
        {
            Some((code, Some(msg))) => Err((code, Cow::Owned(msg))),
            Some((code, None)) => Err(err(code)),
            None => Ok(()),
        }
    }

    fn check_app(&self, appid: Option<&str>, secret: Option<&str>) -> Result<(), FakeError> {
        let appid = appid.filter(|s| !s.is_empty()).ok_or(err(41002))?;
        let secret = secret.filter(|s| !s.is_empty()).ok_or(err(41004))?;
        if appid != self.appid {
            return Err(err(40013));
        }
        if secret != self.secret {
            return Err(err(40125));
        }
        Ok(())
    }

    /// code2Session on the query parameters: `Ok((openid, session_key))` or an errcode:
    /// 41002 / 41004 / 41008 missing appid / secret / code, 40013 invalid appid, 40125
    /// invalid appsecret, 40029 invalid code (unknown or older than 5 minutes), 40163
    /// code been used. A used code is never accepted again.
    pub fn exchange(
        &self,
        params: &HashMap<String, String>,
    ) -> Result<(String, String), FakeError> {
        self.code2session_calls.fetch_add(1, Ordering::Relaxed);
        self.injected("code2session")?;
        let param = |k: &str| params.get(k).map(String::as_str).filter(|v| !v.is_empty());
        self.check_app(param("appid"), param("secret"))?;
        let code = param("js_code").ok_or(err(41008))?;
        let issued = consume(&mut self.state().codes, code, (self.clock)(), 40163)?;
        let key = issued
            .session_key
            .unwrap_or_else(|| base64::engine::general_purpose::STANDARD.encode(random_bytes(16)));
        Ok((issued.subject, key))
    }

    /// getuserphonenumber: `Ok(phone_info)` or an errcode: 41001 access_token missing,
    /// 40001 unknown or invalidated (force-refreshed) access_token, 42001 expired
    /// access_token, 47001 no code in the body, 40029 invalid code (unknown, older than
    /// 5 minutes, or already used: WeChat does not answer 40163 here).
    pub fn phone_number(
        &self,
        access_token: Option<&str>,
        body: &Value,
    ) -> Result<Value, FakeError> {
        self.phone_calls.fetch_add(1, Ordering::Relaxed);
        self.injected("phone")?;
        let token = access_token.filter(|t| !t.is_empty()).ok_or(err(41001))?;
        let now = (self.clock)();
        let mut st = self.state();
        match st.tokens.get(token) {
            None => return Err(err(40001)),
            Some(&exp) if exp <= now => return Err(err(42001)),
            Some(_) => {}
        }
        let code = body.get("code").and_then(Value::as_str).ok_or(err(47001))?;
        let issued = consume(&mut st.phone_codes, code, now, 40029)?;
        let (pure, cc) = issued
            .subject
            .split_once('\n')
            .unwrap_or((&issued.subject, "86"));
        let full = if cc == "86" {
            pure.to_owned()
        } else {
            format!("+{cc}{pure}")
        };
        Ok(json!({
            "phoneNumber": full,
            "purePhoneNumber": pure,
            "countryCode": cc,
            "watermark": { "timestamp": now, "appid": self.appid },
        }))
    }

    /// Test hook: every access_token issued so far expires now (then answers 42001).
    /// Answers how many were live.
    pub fn expire_access_tokens(&self) -> usize {
        let now = (self.clock)();
        let mut st = self.state();
        let mut n = 0;
        for exp in st.tokens.values_mut() {
            if *exp > now {
                *exp = now;
                n += 1;
            }
        }
        n
    }

    /// `{"codesIssued", "code2SessionCalls", "stableTokenCalls", "phoneCalls"}` (counts).
    pub fn stats(&self) -> Value {
        json!({
            "codesIssued": self.codes_issued.load(Ordering::Relaxed),
            "code2SessionCalls": self.code2session_calls.load(Ordering::Relaxed),
            "stableTokenCalls": self.stable_token_calls.load(Ordering::Relaxed),
            "phoneCalls": self.phone_calls.load(Ordering::Relaxed),
        })
    }
}

#[cfg(test)]
mod tests;
