use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::Arc;

use super::*;

fn fake_at(t: Arc<AtomicI64>) -> FakeWeChat {
    FakeWeChat::new("wxA", "s", Arc::new(move || t.load(Ordering::SeqCst)))
}

fn params(code: &str) -> HashMap<String, String> {
    [
        ("appid", "wxA"),
        ("secret", "s"),
        ("js_code", code),
        ("grant_type", "authorization_code"),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_owned(), v.to_owned()))
    .collect()
}

fn token_body() -> Value {
    json!({ "grant_type": "client_credential", "appid": "wxA", "secret": "s" })
}

#[test]
fn openids_are_stable_and_distinct() {
    let f = fake_at(Arc::new(AtomicI64::new(0)));
    let a = f.openid_for("alice");
    assert_eq!(a.len(), 28);
    assert!(a.starts_with('o'));
    assert_eq!(a, f.openid_for("alice"));
    assert_ne!(a, f.openid_for("bob"));
}

#[test]
fn codes_expire_after_five_minutes_and_are_single_use() {
    let t = Arc::new(AtomicI64::new(1_000));
    let f = fake_at(t.clone());
    let c1 = f.issue_code("alice", None);
    let c2 = f.issue_code("alice", Some("tiihtNczf5v6AKRyjwEUhQ=="));
    t.store(1_000 + CODE_TTL_SECS, Ordering::SeqCst);
    assert!(f.exchange(&params(&c1)).is_ok());
    assert_eq!(f.exchange(&params(&c1)).unwrap_err().0, 40163);
    assert_eq!(
        f.exchange(&params(&c2)).unwrap().1,
        "tiihtNczf5v6AKRyjwEUhQ=="
    );
    let c3 = f.issue_code("alice", None);
    t.store(1_001 + 2 * CODE_TTL_SECS, Ordering::SeqCst);
    assert_eq!(f.exchange(&params(&c3)).unwrap_err().0, 40029);
    assert_eq!(f.exchange(&params("nope")).unwrap_err().0, 40029);
}

#[test]
fn checks_parameters_and_credentials() {
    let f = fake_at(Arc::new(AtomicI64::new(0)));
    let mut p = params("x");
    p.insert("secret".into(), "wrong".into());
    assert_eq!(f.exchange(&p).unwrap_err().0, 40125);
    p.insert("appid".into(), "wxB".into());
    assert_eq!(f.exchange(&p).unwrap_err().0, 40013);
    p.remove("js_code");
    assert_eq!(f.exchange(&p).unwrap_err().0, 40013);
    p.remove("secret");
    assert_eq!(f.exchange(&p).unwrap_err().0, 41004);
    p.remove("appid");
    assert_eq!(f.exchange(&p).unwrap_err().0, 41002);
    let mut ok = params("x");
    ok.remove("js_code");
    assert_eq!(f.exchange(&ok).unwrap_err().0, 41008);
}

#[test]
fn stable_token_reuses_the_valid_token_and_checks_credentials() {
    let t = Arc::new(AtomicI64::new(0));
    let f = fake_at(t.clone());
    let (a, e) = f.stable_token(&token_body()).unwrap();
    assert_eq!(e, ACCESS_TOKEN_TTL_SECS);
    t.store(100, Ordering::SeqCst);
    assert_eq!(
        f.stable_token(&token_body()).unwrap(),
        (a.clone(), ACCESS_TOKEN_TTL_SECS - 100)
    );
    let mut forced = token_body();
    forced["force_refresh"] = json!(true);
    assert_ne!(f.stable_token(&forced).unwrap().0, a);
    let mut bad = token_body();
    bad["secret"] = json!("x");
    assert_eq!(f.stable_token(&bad).unwrap_err().0, 40125);
    bad["grant_type"] = json!("nope");
    bad["secret"] = json!("s");
    assert_eq!(f.stable_token(&bad).unwrap_err().0, 40002);
    f.fail_next("stable_token", 45009);
    assert_eq!(
        f.stable_token(&token_body()).unwrap_err(),
        (45009, errmsg(45009))
    );
    assert!(
        f.stable_token(&token_body()).is_ok(),
        "only the next call fails"
    );
}

#[test]
fn phone_numbers_need_a_live_token_and_a_fresh_code() {
    let t = Arc::new(AtomicI64::new(0));
    let f = fake_at(t.clone());
    let (tok, _) = f.stable_token(&token_body()).unwrap();
    let code = f.issue_phone_code("13800138000", "86");
    let body = json!({ "code": code });
    assert_eq!(f.phone_number(None, &body).unwrap_err().0, 41001);
    assert_eq!(f.phone_number(Some("nope"), &body).unwrap_err().0, 40001);
    assert_eq!(f.phone_number(Some(&tok), &json!({})).unwrap_err().0, 47001);
    let info = f.phone_number(Some(&tok), &body).unwrap();
    assert_eq!(info["phoneNumber"], "13800138000");
    assert_eq!(info["watermark"]["appid"], "wxA");
    assert_eq!(f.phone_number(Some(&tok), &body).unwrap_err().0, 40163);
    let intl = f.issue_phone_code("2025550123", "1");
    assert_eq!(
        f.phone_number(Some(&tok), &json!({ "code": intl }))
            .unwrap()["phoneNumber"],
        "+12025550123"
    );
    assert_eq!(f.expire_access_tokens(), 1);
    let code = f.issue_phone_code("13800138000", "86");
    assert_eq!(
        f.phone_number(Some(&tok), &json!({ "code": code }))
            .unwrap_err()
            .0,
        42001
    );
}
