//! Shared test helpers: an in-process server on 127.0.0.1:0 with a temporary SQLite
//! file and a movable clock, a blocking HTTP client (ureq), and the official WeChat
//! open-data sample.
#![allow(dead_code)]

pub mod redis;

use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::Arc;
use std::thread::JoinHandle;

use serde_json::{json, Value};
use weapp_login_example_server::fake_wechat::FakeWeChat;
use weapp_login_example_server::{Config, Server};

/// The JSON line a spawned server binary prints once bound (`{"listening": "http://…"}`),
/// read from its piped stdout. Panics, showing the line, when it is not JSON.
pub fn listening_line(child: &mut std::process::Child) -> Value {
    use std::io::{BufRead, BufReader};
    let mut line = String::new();
    BufReader::new(child.stdout.take().expect("stdout is piped"))
        .read_line(&mut line)
        .expect("read the listening line");
    serde_json::from_str(&line).unwrap_or_else(|_| panic!("no listening line: {line:?}"))
}

/// The clock every in-process test server starts at (Unix seconds).
pub const T0: i64 = 1_700_000_000;

/// A running in-process server; dropping it shuts it down.
pub struct TestServer {
    /// `http://127.0.0.1:PORT`.
    pub base: String,
    /// The server's clock, Unix seconds; tests may move it.
    pub now: Arc<AtomicI64>,
    /// The temporary SQLite file's directory.
    pub dir: tempfile::TempDir,
    /// The embedded fake WeChat (demo mode).
    pub fake: Option<Arc<FakeWeChat>>,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    thread: Option<JoinHandle<()>>,
}

impl TestServer {
    /// Moves the server's clock forward by `secs` seconds.
    pub fn advance(&self, secs: i64) {
        self.now.fetch_add(secs, Ordering::SeqCst);
    }

    /// Sets the server's clock to `t` (Unix seconds).
    pub fn set_time(&self, t: i64) {
        self.now.store(t, Ordering::SeqCst);
    }

    /// The SQLite file.
    pub fn db_path(&self) -> std::path::PathBuf {
        self.dir.path().join("test.sqlite")
    }

    /// The fake WeChat's stats.
    pub fn stats(&self) -> Value {
        get(&format!("{}/fake-wechat/stats", self.base), None).1
    }
}

impl Drop for TestServer {
    fn drop(&mut self) {
        if let Some(tx) = self.stop.take() {
            let _ = tx.send(());
        }
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

/// Starts a demo-mode server with the default config.
pub fn start() -> TestServer {
    start_with(|_| {})
}

/// Starts a server (its own runtime on its own thread) after `tweak` edits the config
/// (demo mode, SQLite in a temp dir, clock at [`T0`]), and waits until it is bound.
pub fn start_with(tweak: impl FnOnce(&mut Config)) -> TestServer {
    let dir = tempfile::tempdir().unwrap();
    let now = Arc::new(AtomicI64::new(T0));
    let clock_now = now.clone();
    let mut config = Config {
        db: Some(dir.path().join("test.sqlite")),
        clock: Arc::new(move || clock_now.load(Ordering::SeqCst)),
        ..Config::default()
    };
    tweak(&mut config);
    let (ready_tx, ready_rx) = std::sync::mpsc::channel();
    let (stop_tx, stop_rx) = tokio::sync::oneshot::channel::<()>();
    let thread = std::thread::spawn(move || {
        let rt = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .unwrap();
        rt.block_on(async move {
            let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
            let server = Server::new(config, listener).await.unwrap();
            ready_tx
                .send((server.base_url().to_owned(), server.fake()))
                .unwrap();
            server
                .run(async {
                    let _ = stop_rx.await;
                })
                .await
                .unwrap();
        });
    });
    let (base, fake) = ready_rx.recv().unwrap();
    TestServer {
        base,
        now,
        dir,
        fake,
        stop: Some(stop_tx),
        thread: Some(thread),
    }
}

/// A fake WeChat served alone (under `/fake-wechat`) on 127.0.0.1:0 with the real
/// clock; dropping it stops it.
pub struct FakeServer {
    /// `http://127.0.0.1:PORT/fake-wechat`: the WeChat base for a server.
    pub wechat_base: String,
    /// The fake's state.
    pub fake: Arc<FakeWeChat>,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    thread: Option<JoinHandle<()>>,
}

impl Drop for FakeServer {
    fn drop(&mut self) {
        if let Some(tx) = self.stop.take() {
            let _ = tx.send(());
        }
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

/// Starts a lone fake WeChat accepting the embedded demo appid/secret.
pub fn start_fake() -> FakeServer {
    use weapp_login_example_server::{fake_wechat, system_clock, DEFAULT_APPID, DEFAULT_SECRET};
    let fake = Arc::new(FakeWeChat::new(
        DEFAULT_APPID,
        DEFAULT_SECRET,
        system_clock(),
    ));
    let app = fake_wechat::app(fake.clone());
    let (ready_tx, ready_rx) = std::sync::mpsc::channel();
    let (stop_tx, stop_rx) = tokio::sync::oneshot::channel::<()>();
    let thread = std::thread::spawn(move || {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        rt.block_on(async move {
            let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
            ready_tx.send(listener.local_addr().unwrap()).unwrap();
            weapp_login_example_server::serve(listener, app, async {
                let _ = stop_rx.await;
            })
            .await
            .unwrap();
        });
    });
    let addr = ready_rx.recv().unwrap();
    FakeServer {
        wechat_base: format!("http://{addr}{}", fake_wechat::PREFIX),
        fake,
        stop: Some(stop_tx),
        thread: Some(thread),
    }
}

fn agent() -> ureq::Agent {
    ureq::Agent::config_builder()
        .http_status_as_error(false)
        .build()
        .into()
}

fn finish(resp: Result<ureq::http::Response<ureq::Body>, ureq::Error>) -> (u16, String) {
    let mut resp = resp.unwrap();
    let status = resp.status().as_u16();
    (status, resp.body_mut().read_to_string().unwrap())
}

/// POST `body` (raw text) to `url` with JSON content type: (status, body text).
pub fn post_raw(url: &str, body: &str) -> (u16, String) {
    post_raw_auth(url, body, None)
}

/// POST raw text with an optional `Authorization` header value: (status, body text).
pub fn post_raw_auth(url: &str, body: &str, authorization: Option<&str>) -> (u16, String) {
    let mut req = agent().post(url).header("content-type", "application/json");
    if let Some(a) = authorization {
        req = req.header("Authorization", a);
    }
    finish(req.send(body))
}

/// POST JSON; answers (status, parsed JSON body).
pub fn post(url: &str, body: &Value) -> (u16, Value) {
    let (s, t) = post_raw(url, &body.to_string());
    (s, serde_json::from_str(&t).unwrap())
}

/// POST JSON with `Authorization: Bearer <token>`: (status, parsed JSON body).
pub fn post_bearer(url: &str, token: &str, body: &Value) -> (u16, Value) {
    let (s, t) = post_raw_auth(url, &body.to_string(), Some(&format!("Bearer {token}")));
    (
        s,
        serde_json::from_str(&t).unwrap_or_else(|_| panic!("not JSON: {t}")),
    )
}

/// GET with an optional `Authorization` header value; answers (status, JSON body).
pub fn get(url: &str, authorization: Option<&str>) -> (u16, Value) {
    let mut req = agent().get(url);
    if let Some(a) = authorization {
        req = req.header("Authorization", a);
    }
    let (s, t) = finish(req.call());
    (s, serde_json::from_str(&t).unwrap())
}

/// `GET /api/profile` with a bearer token: (status, JSON body).
pub fn profile(base: &str, token: &str) -> (u16, Value) {
    get(
        &format!("{base}/api/profile"),
        Some(&format!("Bearer {token}")),
    )
}

/// A fresh code from the fake WeChat's `wx.login` endpoint (at `{wechat}/login`) for `user`.
pub fn wx_login_at(wechat: &str, user: &str, session_key: Option<&str>) -> String {
    let mut body = json!({ "user": user });
    if let Some(k) = session_key {
        body["sessionKey"] = json!(k);
    }
    let (s, v) = post(&format!("{wechat}/login"), &body);
    assert_eq!(s, 200, "{v}");
    v["code"].as_str().unwrap().to_owned()
}

/// A fresh code from a demo server's fake WeChat for `user`.
pub fn wx_login(base: &str, user: &str) -> String {
    wx_login_at(&format!("{base}/fake-wechat"), user, None)
}

/// `POST /user/login` with `code`: (status, JSON body, raw body text).
pub fn login(base: &str, code: &str) -> (u16, Value, String) {
    let (s, t) = post_raw(
        &format!("{base}/user/login"),
        &json!({ "code": code }).to_string(),
    );
    let v = serde_json::from_str(&t).unwrap();
    (s, v, t)
}

/// Logs `user` in end to end on a demo server and returns the token.
pub fn login_as(base: &str, user: &str) -> String {
    login_with_key(base, user, None)
}

/// Logs `user` in on a demo server, with the fake answering `session_key` if given.
pub fn login_with_key(base: &str, user: &str, session_key: Option<&str>) -> String {
    let code = wx_login_at(&format!("{base}/fake-wechat"), user, session_key);
    let (s, v, _) = login(base, &code);
    assert_eq!(s, 200, "{v}");
    v["token"].as_str().unwrap().to_owned()
}

/// Logs the official sample's user ([`sample::OPENID`]) in on a demo server, with the
/// fake answering `session_key`; the token.
pub fn login_sample(base: &str, session_key: &str) -> String {
    let (s, v) = post(
        &format!("{base}/fake-wechat/login"),
        &json!({ "openid": sample::OPENID, "sessionKey": session_key }),
    );
    assert_eq!(s, 200, "{v}");
    let (s, v, _) = login(base, v["code"].as_str().unwrap());
    assert_eq!(s, 200, "{v}");
    v["token"].as_str().unwrap().to_owned()
}

/// AES-128-CBC + PKCS#7 encryption, to build data another app would have got.
pub fn encrypt(key_b64: &str, iv_b64: &str, plain: &[u8]) -> String {
    use aes::cipher::{block_padding::Pkcs7, BlockEncryptMut, KeyIvInit};
    use base64::Engine as _;
    let key: [u8; 16] = base64::engine::general_purpose::STANDARD
        .decode(key_b64)
        .unwrap()
        .try_into()
        .unwrap();
    let iv: [u8; 16] = base64::engine::general_purpose::STANDARD
        .decode(iv_b64)
        .unwrap()
        .try_into()
        .unwrap();
    let ct = cbc::Encryptor::<aes::Aes128>::new(&key.into(), &iv.into())
        .encrypt_padded_vec_mut::<Pkcs7>(plain);
    base64::engine::general_purpose::STANDARD.encode(ct)
}

/// WeChat's official open-data sample (开放数据校验与解密, the WXBizDataCrypt demo).
pub mod sample {
    /// The sample's appid (also the embedded demo appid).
    pub const APPID: &str = "wx4f4bc4dec97d474b";
    /// The openid inside the decryption sample (`openId`).
    pub const OPENID: &str = "oGZUI0egBJY1zhBYw2KhdUfwVJJE";
    /// The session_key of the decryption sample.
    pub const SESSION_KEY: &str = "tiihtNczf5v6AKRyjwEUhQ==";
    /// The sample's encryptedData.
    pub const ENCRYPTED_DATA: &str = "CiyLU1Aw2KjvrjMdj8YKliAjtP4gsMZMQmRzooG2xrDcvSnxIMXFufNstNGTyaGS9uT5geRa0W4oTOb1WT7fJlAC+oNPdbB+3hVbJSRgv+4lGOETKUQz6OYStslQ142dNCuabNPGBzlooOmB231qMM85d2/fV6ChevvXvQP8Hkue1poOFtnEtpyxVLW1zAo6/1Xx1COxFvrc2d7UL/lmHInNlxuacJXwu0fjpXfz/YqYzBIBzD6WUfTIF9GRHpOn/Hz7saL8xz+W//FRAUid1OksQaQx4CMs8LOddcQhULW4ucetDf96JcR3g0gfRK4PC7E/r7Z6xNrXd2UIeorGj5Ef7b1pJAYB6Y5anaHqZ9J6nKEBvB4DnNLIVWSgARns/8wR2SiRS7MNACwTyrGvt9ts8p12PKFdlqYTopNHR1Vf7XjfhQlVsAJdNiKdYmYVoKlaRv85IfVunYzO0IKXsyl7JCUjCpoG20f0a04COwfneQAGGwd5oa+T8yO5hzuyDb/XcxxmK01EpqOyuxINew==";
    /// The sample's iv.
    pub const IV: &str = "r7BXXKkLb8qrSNn05n0qiA==";
    /// The sample's `watermark.timestamp` (2016-10-24), Unix seconds.
    pub const TIMESTAMP: i64 = 1_477_314_187;
    /// The session_key of the signature sample.
    pub const SIGN_SESSION_KEY: &str = "HyVFkGl5F5OQWJZZaNzBBg==";
    /// The signature sample's rawData.
    pub const RAW_DATA: &str = r#"{"nickName":"Band","gender":1,"language":"zh_CN","city":"Guangzhou","province":"Guangdong","country":"CN","avatarUrl":"http://wx.qlogo.cn/mmopen/vi_32/1vZvI39NWFQ9XM4LtQpFrQJ1xlgZxx3w7bQxKARol6503Iuswjjn6nIGBiaycAjAtpujxyzYsrztuuICqIM5ibXQ/0"}"#;
    /// `sha1(RAW_DATA + SIGN_SESSION_KEY)`.
    pub const SIGNATURE: &str = "75e81ceda165f4ffa64f4068af58c64b8f54b88c";
}

/// Starts an in-process **production-mode** server (sample appid, demo secret) whose
/// WeChat is the lone fake `fake`, after `tweak` edits the config.
pub fn start_prod(fake: &FakeServer, tweak: impl FnOnce(&mut Config)) -> TestServer {
    let base = fake.wechat_base.clone();
    start_with(move |c| {
        c.mode =
            weapp_login_example_server::Mode::Production(weapp_login_example_server::Credentials {
                appid: sample::APPID.into(),
                secret: weapp_login_example_server::DEFAULT_SECRET.into(),
            });
        c.wechat_base = Some(base);
        tweak(c);
    })
}

/// Logs `user` in on server `base` whose WeChat is the fake at `wechat`: the token.
pub fn login_via(base: &str, wechat: &str, user: &str) -> String {
    let code = wx_login_at(wechat, user, None);
    let (s, v, _) = login(base, &code);
    assert_eq!(s, 200, "{v}");
    v["token"].as_str().unwrap().to_owned()
}

/// `n` concurrent `POST {base_i}/user/phone` calls (base chosen round-robin from
/// `bases`) with `token` and a dummy code, released together: (status, Retry-After, body).
pub fn concurrent_phone_calls(
    bases: &[&str],
    token: &str,
    n: usize,
) -> Vec<(u16, Option<String>, Value)> {
    let barrier = std::sync::Barrier::new(n);
    std::thread::scope(|s| {
        let handles: Vec<_> = (0..n)
            .map(|i| {
                let (base, barrier) = (bases[i % bases.len()], &barrier);
                s.spawn(move || {
                    barrier.wait();
                    let mut resp = agent()
                        .post(format!("{base}/user/phone"))
                        .header("content-type", "application/json")
                        .header("Authorization", format!("Bearer {token}"))
                        .send(json!({ "code": "0123456789abcdef" }).to_string())
                        .unwrap();
                    let retry = resp
                        .headers()
                        .get("retry-after")
                        .map(|v| v.to_str().unwrap().to_owned());
                    let text = resp.body_mut().read_to_string().unwrap();
                    let body =
                        serde_json::from_str(&text).unwrap_or_else(|_| panic!("not JSON: {text}"));
                    (resp.status().as_u16(), retry, body)
                })
            })
            .collect();
        handles.into_iter().map(|h| h.join().unwrap()).collect()
    })
}
