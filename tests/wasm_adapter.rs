//! The wasm adapter under wasm-bindgen-test (Node and headless Chromium): a JS fake host,
//! registered in js-shim/hosts.js like the shim's, records the commands the Core gives
//! through `cmd`/`text`, the test answers as the shim would, and only numbers (and, on
//! rare paths, strings) cross the boundary.
#![cfg(target_arch = "wasm32")]

use wasm_bindgen::prelude::*;
use wasm_bindgen_test::wasm_bindgen_test;
use weapp_login::wasm_input as input;
use weapp_login::{op, register_host};

#[wasm_bindgen(inline_js = r#"
export function makeHost() {
  const log = [];
  return {
    log,
    cmd: (op, a, b, c, d, e) => { log.push(op === 12 ? [op, a, b, c, d, e] : [op, a, b, c, d]); },
    text: (op, a, b, s, t, u) => { log.push([op, a, b, s, t === undefined ? null : t, u === undefined ? null : u]); },
  };
}
export function take(host) { const l = host.log.slice(); host.log.length = 0; return JSON.stringify(l); }
"#)]
extern "C" {
    #[wasm_bindgen(js_name = makeHost)]
    fn make_host() -> JsValue;
    fn take(host: &JsValue) -> String;
}

const NOW: f64 = 1_000_000.0;
/// retryLimit, loginTimeoutMs, renewMarginMs, loginBackoffMs, loginBackoffMaxMs,
/// recheckAfterHiddenMs, checkSessionTimeoutMs, networkWaitMs, awaitCheckSession, seed.
const NUMBERS: [f64; 10] = [
    3.0, 10000.0, 60000.0, 1000.0, 60000.0, 300000.0, 5000.0, 0.0, 0.0, 42.0,
];

/// Manager `h`'s Core, through the exported functions (the shim's calls, by number).
struct Core {
    h: u32,
}

impl Core {
    #[allow(clippy::too_many_arguments)]
    fn put(&self, now: f64, op: u8, a: f64, b: f64, c: f64, d: f64, e: f64) -> f64 {
        weapp_login::put(self.h, now, op, a, b, c, d, e)
    }
    fn text(&self, now: f64, op: u8, a: f64, b: f64, s: String) -> f64 {
        weapp_login::text(self.h, now, op, a, b, &s)
    }
    fn login_answered(
        &self,
        now: f64,
        attempt: f64,
        status: f64,
        token: Option<String>,
        expires: Option<f64>,
    ) -> f64 {
        let token = token.unwrap_or_default(); // none is sent as ""
        weapp_login::login_answered(self.h, now, attempt, status, &token, expires)
    }
    fn trusts(&self, url: &str) -> bool {
        weapp_login::trusts(self.h, url)
    }
}

/// A Core trusting the origins of `login_url` and `base`; on refusal, what the host got.
fn try_core(
    host: &JsValue,
    login_url: &str,
    base: Option<&str>,
    numbers: &[f64],
    stored: Option<&str>,
) -> Result<Core, String> {
    let h = register_host(host.clone());
    // newCore's lines: loginUrl, baseUrl, the stored token, authFailStatusCodes.
    let strings = [login_url, base.unwrap_or(""), stored.unwrap_or(""), "401"].join("\n");
    let n = numbers;
    let made = weapp_login::new_core(
        h, &strings, n[0], n[1], n[2], n[3], n[4], n[5], n[6], n[7], n[8], n[9], false, NOW, -1.0,
    );
    if made {
        Ok(Core { h })
    } else {
        Err(take(host))
    }
}

fn core_with(host: &JsValue, numbers: &[f64], stored: Option<&str>) -> Core {
    try_core(
        host,
        "https://a.com/user/login",
        Some("https://a.com"),
        numbers,
        stored,
    )
    .expect("valid options")
}

fn core(host: &JsValue) -> Core {
    core_with(host, &NUMBERS, None)
}

fn request(c: &Core, id: f64) -> f64 {
    c.put(NOW, input::REQUEST, id, 1.0, 0.0, 60000.0, 0.0)
}

#[wasm_bindgen_test]
fn concurrent_requests_share_one_login_and_cross_as_numbers() {
    let host = make_host();
    let c = core(&host);
    for id in 1..=3 {
        request(&c, f64::from(id));
    }
    let log = take(&host);
    assert_eq!(
        log.matches(&format!("[{},", op::WX_LOGIN)).count(),
        1,
        "one wx.login for three requests: {log}"
    );
    assert!(
        log.contains(&format!("[{},1,0,0,0]", op::WX_LOGIN)),
        "{log}"
    );
    assert!(log.contains(r#""login:start""#), "{log}");
    c.text(NOW + 5.0, input::WX_LOGIN_OK, 1.0, 0.0, "c0de".into());
    assert_eq!(
        take(&host),
        format!(r#"[[{},1,0,"c0de",null,null]]"#, op::POST_CODE)
    );
    c.login_answered(NOW + 9.0, 1.0, 200.0, Some("t1".into()), Some(7200.0));
    let log = take(&host);
    assert!(
        log.contains(&format!(
            r#"[{},1,{},"t1",null,null]"#,
            op::SESSION,
            NOW + 9.0 + 7_200_000.0
        )),
        "session generation 1 with its expiry: {log}"
    );
    for id in 1..=3 {
        assert!(
            log.contains(&format!("[{},{id},{id},1,0]", op::SEND)),
            "request {id} sent as send {id} with generation 1: {log}"
        );
    }
    // Renewal time: the expiry less renewMarginMs (60 s).
    let until = NOW + 9.0 + 7_200_000.0 - 60_000.0;
    assert!(
        log.ends_with(&format!("[{},1,1,7,{until},5000]]", op::LEASE)),
        "the 7 free slots leased to the host for generation 1: {log}"
    );
    c.put(NOW + 20.0, input::RESPONSE, 2.0, 2.0, 200.0, 0.0, 0.0);
    assert_eq!(
        take(&host),
        format!(
            "[[{},2,0,0,0],[{},1,1,1,{until},5000]]",
            op::RESOLVE,
            op::LEASE
        ),
        "resolved, and its slot joins the lease"
    );
}

#[wasm_bindgen_test]
fn a_leased_401_is_adopted_renews_and_the_lease_comes_back_after_the_release() {
    let host = make_host();
    let c = core(&host);
    c.put(NOW, input::LOGIN, 1.0, 0.0, 0.0, 0.0, 0.0);
    c.text(NOW, input::WX_LOGIN_OK, 1.0, 0.0, "c".into());
    c.login_answered(NOW, 1.0, 200.0, Some("t1".into()), None);
    let log = take(&host);
    assert!(
        log.ends_with(&format!("[{},1,1,10,-1,5000]]", op::LEASE)),
        "every slot leased, no end: {log}"
    );
    // The host sent 2 under the lease; one met a 401: it becomes waiter 2, send 0.
    c.put(
        NOW + 5.0,
        input::ADOPT_LEASED,
        2.0,
        1.0,
        60000.0,
        NOW + 65000.0,
        0.0,
    );
    c.put(NOW + 6.0, input::RESPONSE, 2.0, 0.0, 401.0, 0.0, 0.0);
    let log = take(&host);
    assert!(log.contains(&format!("[{},1,0,0,0]", op::REVOKE)), "{log}");
    assert!(
        log.contains(&format!("[{},2,0,0,0]", op::WX_LOGIN)),
        "{log}"
    );
    // The host gives back its 8 unused slots; the other leased send is still out.
    c.put(NOW + 7.0, input::RELEASE, 1.0, 8.0, 0.0, 0.0, 0.0);
    c.text(NOW + 8.0, input::WX_LOGIN_OK, 2.0, 0.0, "c2".into());
    c.login_answered(NOW + 9.0, 2.0, 200.0, Some("t2".into()), None);
    let log = take(&host);
    assert!(
        log.contains(&format!("[{},2,1,2,0]", op::SEND)),
        "replayed with generation 2: {log}"
    );
    assert!(
        !log.contains(&format!("[{},", op::LEASE)),
        "no new lease while a slot of the old one is out: {log}"
    );
    c.put(NOW + 10.0, input::RESPONSE, 2.0, 1.0, 200.0, 0.0, 0.0);
    c.put(NOW + 11.0, input::RELEASE, 1.0, 1.0, 0.0, 0.0, 0.0);
    let log = take(&host);
    assert!(
        log.ends_with(&format!("[{},2,2,10,-1,5000]]", op::LEASE)),
        "lease 2, for generation 2, once every slot is back: {log}"
    );
}

#[wasm_bindgen_test]
fn a_401_renews_once_and_replays_with_the_new_generation() {
    let host = make_host();
    let c = core_with(&host, &NUMBERS, Some("old"));
    request(&c, 1.0);
    request(&c, 2.0);
    let log = take(&host);
    assert!(log.contains(&format!("[{},1,1,1,0]", op::SEND)), "{log}");
    c.put(NOW, input::RESPONSE, 1.0, 1.0, 401.0, 0.0, 0.0);
    c.put(NOW, input::RESPONSE, 2.0, 2.0, 401.0, 0.0, 0.0);
    let log = take(&host);
    assert_eq!(
        log.matches(&format!("[{},", op::WX_LOGIN)).count(),
        1,
        "{log}"
    );
    c.text(NOW, input::WX_LOGIN_OK, 1.0, 0.0, "c1".into());
    c.login_answered(NOW, 1.0, 200.0, Some("new".into()), None);
    let log = take(&host);
    assert!(
        log.contains(&format!("[{},3,1,2,0]", op::SEND))
            || log.contains(&format!("[{},1,3,2,0]", op::SEND)),
        "{log}"
    );
    assert!(
        log.contains(&format!(r#"[{},2,-1,"new",null,null]"#, op::SESSION)),
        "{log}"
    );
}

#[wasm_bindgen_test]
fn a_token_with_a_line_break_is_login_rejected_with_its_attempt() {
    let host = make_host();
    let c = core(&host);
    request(&c, 1.0);
    c.text(NOW, input::WX_LOGIN_OK, 1.0, 0.0, "c".into());
    take(&host);
    c.login_answered(NOW, 1.0, 200.0, Some("t\r\nX-Evil: 1".into()), None);
    let log = take(&host);
    assert!(
        log.contains(&format!(r#"[{},1,1,"LOGIN_REJECTED""#, op::REJECT)),
        "rejected with the attempt whose answer it was: {log}"
    );
    assert!(
        !log.contains(&format!("[{},", op::SEND)),
        "never sent: {log}"
    );
    assert!(
        !log.contains(&format!("[{},", op::SESSION)),
        "never kept: {log}"
    );
}

#[wasm_bindgen_test]
fn the_login_timeout_is_a_deadline_the_host_wakes_the_core_for() {
    let host = make_host();
    let c = core(&host);
    let deadline = request(&c, 1.0);
    assert_eq!(deadline, NOW + 10000.0, "loginTimeoutMs after the start");
    take(&host);
    assert_eq!(
        c.put(NOW + 9999.0, input::WAKE, 0.0, 0.0, 0.0, 0.0, 0.0),
        deadline
    );
    assert_eq!(take(&host), "[]");
    c.put(NOW + 10000.0, input::WAKE, 0.0, 0.0, 0.0, 0.0, 0.0);
    assert!(take(&host).contains(r#""LOGIN_TIMEOUT""#));
}

#[wasm_bindgen_test]
fn origin_verdicts() {
    let host = make_host();
    let c = core(&host);
    assert!(c.trusts("https://a.com/api/x?y=1"));
    assert!(c.trusts("https://A.com:443/x"));
    assert!(!c.trusts("https://b.com/x"));
    assert!(
        !c.trusts("https://a.com\\@evil.com/x"),
        "read as evil.com by RFC 3986"
    );
    assert!(!c.trusts("https://a.com@evil.com/x"));
    assert!(!c.trusts("/relative"));
}

#[wasm_bindgen_test]
fn a_refused_url_is_no_core_and_its_detail_names_it_and_numbers_out_of_range_are_clamped() {
    let host = make_host();
    let err = try_core(&host, "ftp://a.com/login", None, &NUMBERS, None)
        .err()
        .expect("refused");
    assert!(
        err.starts_with(&format!(r#"[[{},0,0,"loginUrl must be"#, op::INVALID)),
        "the detail, as text(INVALID): {err}"
    );
    let err = try_core(&host, "https://a.com\\@b.com/login", None, &NUMBERS, None)
        .err()
        .expect("refused: read as two origins");
    assert!(err.contains("loginUrl"), "{err}");
    // The shim validates numbers (INVALID_OPTIONS, synchronously); the Core only bounds
    // them: loginTimeoutMs beyond what setTimeout honours is 2^31 - 1 ms.
    let mut numbers = NUMBERS;
    numbers[1] = 4_294_967_296.0;
    let c = try_core(&host, "https://a.com/user/login", None, &numbers, None).expect("clamped");
    assert_eq!(
        request(&c, 1.0),
        NOW + 2_147_483_647.0,
        "the login deadline"
    );
}

#[wasm_bindgen_test]
fn managers_are_numbers_each_with_its_own_core_and_an_unknown_one_does_nothing() {
    let (one, two) = (make_host(), make_host());
    let a = core(&one);
    let b = core_with(&two, &NUMBERS, Some("old"));
    assert_ne!(a.h, b.h);
    request(&a, 1.0);
    request(&b, 1.0);
    assert!(
        take(&one).contains(&format!("[{},1,0,0,0]", op::WX_LOGIN)),
        "a logs in"
    );
    assert!(
        take(&two).contains(&format!("[{},1,1,1,0]", op::SEND)),
        "b sends with its restored token, no login"
    );
    let none = Core { h: u32::MAX };
    assert_eq!(request(&none, 1.0), -1.0, "no Core: no deadline");
    assert!(!none.trusts("https://a.com/x"));
    assert_eq!(weapp_login::deadline(u32::MAX), -1.0, "an unknown number");
}
