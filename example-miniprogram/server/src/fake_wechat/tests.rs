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
    let (a, e) = f.stable_token(&token_body(), None).unwrap();
    assert_eq!(e, ACCESS_TOKEN_TTL_SECS);
    t.store(100, Ordering::SeqCst);
    assert_eq!(
        f.stable_token(&token_body(), None).unwrap(),
        (a.clone(), ACCESS_TOKEN_TTL_SECS - 100)
    );
    let mut forced = token_body();
    forced["force_refresh"] = json!(true);
    assert_ne!(f.stable_token(&forced, None).unwrap().0, a);
    let mut bad = token_body();
    bad["secret"] = json!("x");
    assert_eq!(f.stable_token(&bad, None).unwrap_err().0, 40125);
    bad["grant_type"] = json!("nope");
    bad["secret"] = json!("s");
    assert_eq!(f.stable_token(&bad, None).unwrap_err().0, 40002);
    f.fail_next("stable_token", 45009);
    assert_eq!(
        f.stable_token(&token_body(), None).unwrap_err(),
        (45009, errmsg(45009).into())
    );
    assert!(
        f.stable_token(&token_body(), None).is_ok(),
        "only the next call fails"
    );
}

#[test]
fn phone_numbers_need_a_live_token_and_a_fresh_code() {
    let t = Arc::new(AtomicI64::new(0));
    let f = fake_at(t.clone());
    let (tok, _) = f.stable_token(&token_body(), None).unwrap();
    let code = f.issue_phone_code("13800138000", "86");
    let body = json!({ "code": code });
    assert_eq!(f.phone_number(None, &body).unwrap_err().0, 41001);
    assert_eq!(f.phone_number(Some("nope"), &body).unwrap_err().0, 40001);
    assert_eq!(f.phone_number(Some(&tok), &json!({})).unwrap_err().0, 47001);
    let info = f.phone_number(Some(&tok), &body).unwrap();
    assert_eq!(info["phoneNumber"], "13800138000");
    assert_eq!(info["watermark"]["appid"], "wxA");
    assert_eq!(
        f.phone_number(Some(&tok), &body).unwrap_err().0,
        40029,
        "a used phone code is 40029 (invalid code), not 40163"
    );
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

#[test]
fn stable_token_renews_in_the_last_five_minutes_and_force_refresh_invalidates() {
    let t = Arc::new(AtomicI64::new(1_000));
    let f = fake_at(t.clone());
    let (a, _) = f.stable_token(&token_body(), None).unwrap();
    t.store(
        1_000 + ACCESS_TOKEN_TTL_SECS - RENEW_WINDOW_SECS - 1,
        Ordering::SeqCst,
    );
    assert_eq!(
        f.stable_token(&token_body(), None).unwrap(),
        (a.clone(), RENEW_WINDOW_SECS + 1)
    );
    t.fetch_add(1, Ordering::SeqCst);
    let (b, e) = f.stable_token(&token_body(), None).unwrap();
    assert_ne!(b, a, "a new token in the last 5 minutes");
    assert_eq!(e, ACCESS_TOKEN_TTL_SECS);
    let code = f.issue_phone_code("13800138000", "86");
    assert!(
        f.phone_number(Some(&a), &json!({ "code": code })).is_ok(),
        "the old one lives on"
    );

    let mut forced = token_body();
    forced["force_refresh"] = json!(true);
    let (c, _) = f.stable_token(&forced, None).unwrap();
    assert_ne!(c, b);
    let code = f.issue_phone_code("13800138000", "86");
    assert_eq!(
        f.phone_number(Some(&b), &json!({ "code": code }))
            .unwrap_err()
            .0,
        40001
    );
    assert_eq!(f.stable_token(&token_body(), None).unwrap().0, c);
    t.fetch_add(FORCE_REFRESH_SPACING_SECS - 1, Ordering::SeqCst);
    assert_eq!(
        f.stable_token(&forced, None).unwrap_err().0,
        45011,
        "30 s apart"
    );
    let mut made = 1;
    while made < FORCE_REFRESH_PER_DAY {
        t.fetch_add(FORCE_REFRESH_SPACING_SECS, Ordering::SeqCst);
        assert!(f.stable_token(&forced, None).is_ok());
        made += 1;
    }
    t.fetch_add(FORCE_REFRESH_SPACING_SECS, Ordering::SeqCst);
    assert_eq!(
        f.stable_token(&forced, None).unwrap_err().0,
        45009,
        "20 a day"
    );
    t.store(86_400 * 2, Ordering::SeqCst);
    assert!(f.stable_token(&forced, None).is_ok(), "a new day");
}

#[test]
fn stable_token_enforces_the_ip_whitelist() {
    let f = fake_at(Arc::new(AtomicI64::new(0)));
    let ok: std::net::IpAddr = "127.0.0.2".parse().unwrap();
    let other: std::net::IpAddr = "127.0.0.1".parse().unwrap();
    f.set_ip_whitelist(Some(vec![ok]));
    let (code, msg) = f.stable_token(&token_body(), Some(other)).unwrap_err();
    assert_eq!(code, 40164);
    assert_eq!(
        msg,
        "invalid ip 127.0.0.1 ipv6 ::ffff:127.0.0.1, not in whitelist"
    );
    assert!(f.stable_token(&token_body(), Some(ok)).is_ok());
    f.set_ip_whitelist(None);
    assert!(f.stable_token(&token_body(), Some(other)).is_ok());
}
