//! Issue item 5: the store behind a trait, SQLite and Redis alike; two server processes
//! (the binary) sharing one real redis-server, started and stopped by the test.
//! Without `redis-server` on the machine these tests FAIL (scripts/setup.sh installs it).

mod common;

use std::process::{Child, Command, Stdio};
use std::sync::Arc;

use common::redis::RedisServer;
use common::{post_bearer, profile, sample, start_fake, wx_login_at};
use serde_json::json;
use weapp_login_example_server::store::redis::RedisStore;
use weapp_login_example_server::store::sqlite::SqliteStore;
use weapp_login_example_server::store::{CachedToken, NewLogin, Store, TokenFailure};

/// The same behaviour from either store.
async fn exercise(store: Arc<dyn Store>) {
    let login = |openid: &str, key: &str, now: i64| NewLogin {
        openid: openid.into(),
        unionid: None,
        session_key: "k==".into(),
        key_hash: key.into(),
        now,
        expires_at: now + 100,
    };
    let a1 = store.record_login(&login("oA", "h1", 1000)).await.unwrap();
    let b = store.record_login(&login("oB", "h2", 1001)).await.unwrap();
    let a2 = store.record_login(&login("oA", "h3", 1002)).await.unwrap();
    assert_eq!(a1, a2);
    assert_ne!(a1, b);
    let s = store.session("h3", 1050).await.unwrap().unwrap();
    assert_eq!(
        (s.user_id, s.login_count, s.created_at, s.expires_at),
        (a1, 2, 1000, 1102)
    );
    assert_eq!(s.session_key, "k==");
    assert!(
        store.session("h1", 1100).await.unwrap().is_none(),
        "expired at 1100"
    );
    assert!(store.session("nope", 1000).await.unwrap().is_none());

    assert!(store.revoke_session("h3").await.unwrap());
    assert!(!store.revoke_session("h3").await.unwrap());
    assert!(store.session("h3", 1050).await.unwrap().is_none());

    assert!(!store.is_jti_revoked("j1", 1000).await.unwrap());
    store.revoke_jti("j1", 1000, 1100).await.unwrap();
    assert!(store.is_jti_revoked("j1", 1000).await.unwrap());

    assert_eq!(
        store.expire_all(1050).await.unwrap(),
        2,
        "h1 and h2 (h3 was revoked)"
    );
    assert!(store.session("h2", 1050).await.unwrap().is_none());

    assert!(store.access_token(1000).await.unwrap().is_none());
    let t = CachedToken {
        token: "AT1".into(),
        expires_at: 8200,
    };
    store.put_access_token(&t, 1000).await.unwrap();
    assert_eq!(store.access_token(1000).await.unwrap(), Some(t.clone()));
    store.drop_access_token("other").await.unwrap();
    assert!(
        store.access_token(1000).await.unwrap().is_some(),
        "only the named token is dropped"
    );
    store.drop_access_token("AT1").await.unwrap();
    assert!(store.access_token(1000).await.unwrap().is_none());

    assert!(store.lock_token_fetch("p1", 1000, 15).await.unwrap());
    assert!(!store.lock_token_fetch("p2", 1000, 15).await.unwrap());
    store.unlock_token_fetch("p2").await.unwrap();
    assert!(
        !store.lock_token_fetch("p2", 1000, 15).await.unwrap(),
        "not p2's to release"
    );
    store.unlock_token_fetch("p1").await.unwrap();
    assert!(store.lock_token_fetch("p2", 1000, 15).await.unwrap());
    store.unlock_token_fetch("p2").await.unwrap();

    // A failed fetch is shared until `until`, and forgotten once a token is stored.
    assert!(store.token_failure(1000).await.unwrap().is_none());
    let f = TokenFailure {
        errcode: 40164,
        kind: "wechat".into(),
        until: 1005,
    };
    store.put_token_failure(&f, 1000).await.unwrap();
    assert_eq!(store.token_failure(1004).await.unwrap(), Some(f.clone()));
    assert!(
        store.token_failure(1005).await.unwrap().is_none(),
        "expired"
    );
    store.put_token_failure(&f, 1000).await.unwrap();
    store.put_access_token(&t, 1000).await.unwrap();
    assert!(
        store.token_failure(1001).await.unwrap().is_none(),
        "a token clears it"
    );
    store.ping().await.unwrap();
}

#[test]
fn sqlite_and_redis_stores_behave_alike() {
    let redis = RedisServer::start();
    let dir = tempfile::tempdir().unwrap();
    let rt = tokio::runtime::Runtime::new().unwrap();
    rt.block_on(async {
        exercise(Arc::new(
            SqliteStore::open(&dir.path().join("s.sqlite")).unwrap(),
        ))
        .await;
        exercise(Arc::new(RedisStore::connect(&redis.url).await.unwrap())).await;
    });
}

/// A server binary in production mode against the lone fake WeChat and `redis`.
struct Proc {
    base: String,
    child: Child,
}

impl Drop for Proc {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn spawn(wechat_base: &str, redis_url: &str, extra: &[&str]) -> Proc {
    let mut child = Command::new(env!("CARGO_BIN_EXE_weapp-login-example-server"))
        .args(["--port", "0", "--wechat-base", wechat_base])
        .args(extra)
        .env("WECHAT_APPID", sample::APPID)
        .env("WECHAT_SECRET", weapp_login_example_server::DEFAULT_SECRET)
        .env("REDIS_URL", redis_url)
        .env("JWT_SECRET", "fleet-shared-jwt-secret-0123456789abcdef")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let v = common::listening_line(&mut child);
    Proc {
        base: v["listening"].as_str().unwrap().to_owned(),
        child,
    }
}

fn login(p: &Proc, wechat: &str, user: &str) -> String {
    let code = wx_login_at(wechat, user, None);
    let (s, v, _) = common::login(&p.base, &code);
    assert_eq!(s, 200, "{v}");
    v["token"].as_str().unwrap().to_owned()
}

fn fleet_shares_sessions_logouts_and_the_access_token(extra: &[&str]) {
    let redis = RedisServer::start();
    let fake = start_fake();
    let a = spawn(&fake.wechat_base, &redis.url, extra);
    let b = spawn(&fake.wechat_base, &redis.url, extra);

    // A token issued by one process is accepted by the other.
    let t = login(&a, &fake.wechat_base, "alice");
    let (sa, pa) = profile(&a.base, &t);
    let (sb, pb) = profile(&b.base, &t);
    assert_eq!((sa, sb), (200, 200));
    assert_eq!(pa, pb);
    let t2 = login(&b, &fake.wechat_base, "alice");
    assert_eq!(profile(&a.base, &t2).1["loginCount"], 2, "one user table");

    // The access_token is fetched once for the fleet.
    for (p, token) in [(&a, &t), (&b, &t2), (&a, &t2)] {
        let code = fake.fake.issue_phone_code("13800138000", "86");
        let (s, v) = post_bearer(
            &format!("{}/user/phone", p.base),
            token,
            &json!({ "code": code }),
        );
        assert_eq!((s, &v["phoneNumber"]), (200, &json!("13800138000")), "{v}");
    }
    assert_eq!(fake.fake.stats()["stableTokenCalls"], 1);

    // A logout on one is seen by both.
    assert_eq!(
        post_bearer(&format!("{}/user/logout", b.base), &t, &json!({})).0,
        200
    );
    assert_eq!(profile(&a.base, &t).0, 401);
    assert_eq!(profile(&b.base, &t).0, 401);
    assert_eq!(profile(&a.base, &t2).0, 200, "the other session lives on");
    drop((a, b));
}

#[test]
fn a_fleet_with_a_cold_cache_fetches_one_access_token() {
    const PER_PROCESS: usize = 6;
    let redis = RedisServer::start();
    let fake = start_fake();
    fake.fake.set_stable_token_delay_ms(300);
    let procs = [
        spawn(&fake.wechat_base, &redis.url, &[]),
        spawn(&fake.wechat_base, &redis.url, &[]),
    ];
    let token = login(&procs[0], &fake.wechat_base, "alice");
    let barrier = std::sync::Barrier::new(2 * PER_PROCESS);
    std::thread::scope(|s| {
        for i in 0..2 * PER_PROCESS {
            let (p, token, fake, barrier) = (&procs[i % 2], &token, &fake, &barrier);
            s.spawn(move || {
                let code = fake.fake.issue_phone_code("13800138000", "86");
                barrier.wait();
                let (st, v) = post_bearer(
                    &format!("{}/user/phone", p.base),
                    token,
                    &json!({ "code": code }),
                );
                assert_eq!(st, 200, "{v}");
            });
        }
    });
    assert_eq!(
        fake.fake.stats()["stableTokenCalls"],
        1,
        "one fetch for the whole fleet"
    );
}

#[test]
fn two_processes_share_redis_with_opaque_tokens() {
    fleet_shares_sessions_logouts_and_the_access_token(&[]);
}

#[test]
fn two_processes_share_redis_with_jwts() {
    fleet_shares_sessions_logouts_and_the_access_token(&["--jwt"]);
}
