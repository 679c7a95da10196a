//! The wasm adapter under wasm-bindgen-test (Node): a JS fake host records what the
//! Core asks for, the test answers as wx would, and the promises settle as API.md says.
#![cfg(target_arch = "wasm32")]

use js_sys::{Promise, Reflect};
use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::JsFuture;
use wasm_bindgen_test::wasm_bindgen_test;
use weapp_login::{Core, Host};

#[wasm_bindgen(inline_js = r#"
export function makeHost(throwOnSend) {
  const calls = { wxLogin: [], postCode: [], send: [], checkSession: 0, persist: [], clear: 0, events: [], timers: [] };
  return {
    calls,
    now: () => 1000,
    setTimer: (ms) => { calls.timers.push(ms); },
    wxLogin: (a) => { calls.wxLogin.push(a); },
    postCode: (a, c) => { calls.postCode.push([a, c]); },
    checkSession: () => { calls.checkSession++; },
    send: (id, send, o, url, token) => {
      if (throwOnSend) throw new Error('request:fail parameter error');
      calls.send.push({ id, send, url, token, method: o.method });
    },
    persist: (t, e) => { calls.persist.push([t, e]); },
    clearStorage: () => { calls.clear++; },
    emit: (t, d) => { calls.events.push(t); },
    makeError: (code, message, extra) => { const e = new Error(message); e.code = code; Object.assign(e, extra); return e; },
  };
}
export function options(extra) {
  return Object.assign({ loginUrl: 'https://a.com/user/login', baseUrl: 'https://a.com', tokenField: 'data.token',
    expiresInField: 'data.expiresIn', authFailStatusCodes: [401], authFailCodes: [], retryLimit: 3,
    loginTimeoutMs: 10000, renewMarginMs: 60000, loginBackoffMs: 1000, loginBackoffMaxMs: 60000,
    seed: 42, recheckAfterHiddenMs: 300000 }, extra || {});
}
export function json(s) { return JSON.parse(s); }
export function get(o, path) { return path.split('.').reduce((v, k) => v == null ? v : v[k], o); }
export function settledState(p) {
  let state = 'pending';
  p.then(() => { state = 'resolved'; }, () => { state = 'rejected'; });
  return () => state;
}
"#)]
extern "C" {
    #[wasm_bindgen(js_name = makeHost)]
    fn make_host(throw_on_send: bool) -> JsValue;
    fn options(extra: JsValue) -> JsValue;
    fn json(s: &str) -> JsValue;
    fn get(o: &JsValue, path: &str) -> JsValue;
}

fn num(o: &JsValue, path: &str) -> f64 {
    get(o, path).as_f64().unwrap_or(-1.0)
}

fn core(host: &JsValue, extra: JsValue, stored: JsValue) -> Core {
    Core::new(
        options(extra),
        host.clone().unchecked_into::<Host>(),
        stored,
    )
    .expect("valid options")
}

async fn settle(p: Promise) -> Result<JsValue, JsValue> {
    JsFuture::from(p).await
}

#[wasm_bindgen_test]
async fn concurrent_requests_share_one_login_and_resolve_with_the_result() {
    let host = make_host(false);
    let c = core(&host, JsValue::UNDEFINED, JsValue::NULL);
    let ps: Vec<Promise> = (0..3)
        .map(|_| c.request(json(r#"{"url":"/api/profile","method":"GET"}"#)))
        .collect();
    assert_eq!(num(&host, "calls.wxLogin.length"), 1.0);
    c.on_wx_login(1.0, true, json(r#"{"code":"c1","errMsg":"login:ok"}"#));
    assert_eq!(
        get(&host, "calls.postCode.0.1").as_string().as_deref(),
        Some("c1")
    );
    c.on_login_post(1.0, true, json(r#"{"statusCode":200,"data":{"data":{"token":"t1","expiresIn":60}},"errMsg":"request:ok"}"#));
    assert_eq!(num(&host, "calls.send.length"), 3.0);
    assert_eq!(
        get(&host, "calls.send.0.token").as_string().as_deref(),
        Some("t1")
    );
    assert_eq!(
        get(&host, "calls.send.0.url").as_string().as_deref(),
        Some("https://a.com/api/profile")
    );
    assert_eq!(
        get(&host, "calls.persist.0.1").as_f64(),
        Some(61_000.0),
        "expiresAt = now + 60 s, in ms"
    );
    for i in 0..3 {
        let (id, send) = (
            num(&host, &format!("calls.send.{i}.id")),
            num(&host, &format!("calls.send.{i}.send")),
        );
        c.on_response(
            id,
            send,
            true,
            json(&format!(
                r#"{{"statusCode":200,"data":{{"n":{i}}},"errMsg":"request:ok"}}"#
            )),
            false,
        );
    }
    for (i, p) in ps.into_iter().enumerate() {
        let r = settle(p).await.expect("resolves");
        assert_eq!(num(&r, "data.n"), i as f64);
    }
}

#[wasm_bindgen_test]
async fn failed_wx_login_rejects_with_its_err_msg() {
    let host = make_host(false);
    let c = core(&host, JsValue::UNDEFINED, JsValue::NULL);
    let p = c.request(json(r#"{"url":"/x"}"#));
    c.on_wx_login(1.0, false, json(r#"{"errMsg":"login:fail system error"}"#));
    let e = settle(p).await.expect_err("rejects");
    assert_eq!(
        get(&e, "code").as_string().as_deref(),
        Some("WX_LOGIN_FAILED")
    );
    assert_eq!(
        get(&e, "errMsg").as_string().as_deref(),
        Some("login:fail system error")
    );
}

#[wasm_bindgen_test]
async fn rejected_login_carries_the_login_answer() {
    let host = make_host(false);
    let c = core(&host, JsValue::UNDEFINED, JsValue::NULL);
    let p = c.login();
    c.on_wx_login(1.0, true, json(r#"{"code":"c1"}"#));
    c.on_login_post(
        1.0,
        true,
        json(r#"{"statusCode":502,"data":{"error":"code2session_failed"}}"#),
    );
    let e = settle(p).await.expect_err("rejects");
    assert_eq!(
        get(&e, "code").as_string().as_deref(),
        Some("LOGIN_REJECTED")
    );
    assert_eq!(num(&e, "response.statusCode"), 502.0);
}

#[wasm_bindgen_test]
async fn a_throwing_wx_request_rejects_instead_of_hanging() {
    let host = make_host(true);
    let c = core(&host, JsValue::UNDEFINED, JsValue::NULL);
    let p = c.request(json(r#"{"url":"https://other.org/x","auth":false}"#));
    let e = settle(p).await.expect_err("rejects");
    assert_eq!(
        get(&e, "code").as_string().as_deref(),
        Some("REQUEST_FAILED")
    );
    assert_eq!(
        get(&e, "errMsg").as_string().as_deref(),
        Some("request:fail parameter error")
    );
}

#[wasm_bindgen_test]
async fn stored_session_is_checked_once_and_used() {
    let host = make_host(false);
    let c = core(
        &host,
        JsValue::UNDEFINED,
        json(r#"{"token":"old","expiresAt":null}"#),
    );
    let _p = c.request(json(r#"{"url":"/x"}"#));
    assert_eq!(num(&host, "calls.checkSession"), 1.0);
    assert_eq!(num(&host, "calls.wxLogin.length"), 0.0);
    c.on_check_session(true);
    assert_eq!(
        get(&host, "calls.send.0.token").as_string().as_deref(),
        Some("old")
    );
}

#[wasm_bindgen_test]
async fn body_code_at_a_dotted_path_triggers_renewal() {
    let host = make_host(false);
    let extra = json(r#"{"authFailCodeField":"meta.return_code","authFailCodes":["10000"]}"#);
    let c = core(&host, extra, json(r#"{"token":"old","expiresAt":null}"#));
    let p = c.request(json(r#"{"url":"/x"}"#));
    c.on_check_session(true);
    c.on_response(
        num(&host, "calls.send.0.id"),
        num(&host, "calls.send.0.send"),
        true,
        json(r#"{"statusCode":200,"data":{"meta":{"return_code":10000}}}"#),
        false,
    );
    assert_eq!(
        num(&host, "calls.wxLogin.length"),
        1.0,
        "the body code 10000 (a number) matched \"10000\""
    );
    c.logout();
    let e = settle(p).await.expect_err("rejects");
    assert_eq!(get(&e, "code").as_string().as_deref(), Some("LOGGED_OUT"));
    assert!(Reflect::has(&get(&host, "calls"), &"events".into()).unwrap());
}

#[wasm_bindgen_test]
fn bad_options_are_invalid_options() {
    let host = make_host(false);
    for (extra, named) in [
        (r#"{"loginUrl":"/relative"}"#, "loginUrl"),
        (r#"{"retryLimit":-1}"#, "retryLimit"),
        (r#"{"retryLimit":1.5}"#, "retryLimit"),
        (
            r#"{"authFailStatusCodes":[401,"403"]}"#,
            "authFailStatusCodes",
        ),
        (r#"{"authFailCodes":"10000"}"#, "authFailCodes"),
        (r#"{"tokenField":null}"#, "tokenField"),
        (r#"{"surprise":true}"#, "surprise"),
    ] {
        let r = Core::new(
            options(json(extra)),
            host.clone().unchecked_into::<Host>(),
            JsValue::NULL,
        );
        let e = r.err().expect(extra);
        assert_eq!(
            get(&e, "code").as_string().as_deref(),
            Some("INVALID_OPTIONS"),
            "{extra}"
        );
        let message = get(&e, "message").as_string().unwrap_or_default();
        assert!(message.contains(named), "{extra}: {message}");
    }
}

#[wasm_bindgen_test]
async fn session_key_in_a_login_answer_is_reported_and_not_kept() {
    let host = make_host(false);
    let c = core(&host, JsValue::UNDEFINED, JsValue::NULL);
    let p = c.login();
    c.on_wx_login(1.0, true, json(r#"{"code":"c1"}"#));
    let answer =
        r#"{"statusCode":200,"data":{"data":{"token":"t1"},"session_key":"k","openid":"o"}}"#;
    c.on_login_post(1.0, true, json(answer));
    settle(p).await.expect("the token is still used");
    let events = get(&host, "calls.events");
    assert!(js_sys::Array::from(&events).includes(&"login:unsafe-fields".into(), 0));
    // Persisted: only the token and its expiry.
    assert_eq!(
        get(&host, "calls.persist.0.0").as_string().as_deref(),
        Some("t1")
    );
    assert_eq!(num(&host, "calls.persist.length"), 1.0);
}
