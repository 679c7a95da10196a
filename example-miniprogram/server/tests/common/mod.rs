//! Shared test helpers: an in-process server on 127.0.0.1:0 with a temporary SQLite
//! file and a movable clock, plus a small blocking HTTP client (ureq).
#![allow(dead_code)]

use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::Arc;
use std::thread::JoinHandle;

use serde_json::Value;
use weapp_login_example_server::{Config, Server};

/// A running in-process server; dropping it shuts it down.
pub struct TestServer {
    /// `http://127.0.0.1:PORT`.
    pub base: String,
    /// The server's clock, Unix seconds; tests may move it.
    pub now: Arc<AtomicI64>,
    /// The temporary SQLite file's directory.
    pub dir: tempfile::TempDir,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    thread: Option<JoinHandle<()>>,
}

impl TestServer {
    /// Moves the server's clock forward by `secs` seconds.
    pub fn advance(&self, secs: i64) {
        self.now.fetch_add(secs, Ordering::SeqCst);
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

/// Starts a server (its own runtime on its own thread) and waits until it is bound.
pub fn start(dev: bool) -> TestServer {
    let dir = tempfile::tempdir().unwrap();
    let now = Arc::new(AtomicI64::new(1_700_000_000));
    let clock_now = now.clone();
    let config = Config {
        db: Some(dir.path().join("test.sqlite")),
        dev,
        clock: Arc::new(move || clock_now.load(Ordering::SeqCst)),
        ..Config::default()
    };
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
            let server = Server::new(config, listener).unwrap();
            ready_tx.send(server.base_url().to_owned()).unwrap();
            server
                .run(async {
                    let _ = stop_rx.await;
                })
                .await
                .unwrap();
        });
    });
    let base = ready_rx.recv().unwrap();
    TestServer {
        base,
        now,
        dir,
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
    finish(
        agent()
            .post(url)
            .header("content-type", "application/json")
            .send(body),
    )
}

/// POST JSON; answers (status, parsed JSON body).
pub fn post(url: &str, body: &Value) -> (u16, Value) {
    let (s, t) = post_raw(url, &body.to_string());
    (s, serde_json::from_str(&t).unwrap())
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

/// A fresh code from the fake WeChat's `wx.login` endpoint for `user`.
pub fn wx_login(base: &str, user: &str) -> String {
    let (s, v) = post(
        &format!("{base}/fake-wechat/login"),
        &serde_json::json!({ "user": user }),
    );
    assert_eq!(s, 200, "{v}");
    v["code"].as_str().unwrap().to_owned()
}

/// `POST /user/login` with `code`: (status, JSON body, raw body text).
pub fn login(base: &str, code: &str) -> (u16, Value, String) {
    let (s, t) = post_raw(
        &format!("{base}/user/login"),
        &serde_json::json!({ "code": code }).to_string(),
    );
    let v = serde_json::from_str(&t).unwrap();
    (s, v, t)
}

/// Logs `user` in end to end and returns the token.
pub fn login_as(base: &str, user: &str) -> String {
    let code = wx_login(base, user);
    let (s, v, _) = login(base, &code);
    assert_eq!(s, 200, "{v}");
    v["token"].as_str().unwrap().to_owned()
}
