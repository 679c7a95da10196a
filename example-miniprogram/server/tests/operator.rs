//! Issue 18 items 1, 2, 6 and 7 (the `--db` mode), and `/healthz`: the binary as an
//! operator runs it. A misconfiguration exits 1 fast with a message naming the fix;
//! a closed stderr never breaks a request or the shutdown.

mod common;

use std::io::Read as _;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use common::redis::RedisServer;
use serde_json::json;

fn server() -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_weapp-login-example-server"));
    c.env_remove("WECHAT_APPID")
        .env_remove("WECHAT_SECRET")
        .env_remove("REDIS_URL")
        .stdin(Stdio::null());
    c
}

/// Runs `cmd` to its end, killing it after `limit`: (exit code, stdout, stderr, took).
fn run_bounded(mut cmd: Command, limit: Duration) -> (Option<i32>, String, String, Duration) {
    let t0 = Instant::now();
    let mut child = cmd
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let code = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status.code();
        }
        if t0.elapsed() > limit {
            let _ = child.kill();
            let _ = child.wait();
            break None;
        }
        std::thread::sleep(Duration::from_millis(50));
    };
    let (mut out, mut err) = (String::new(), String::new());
    child
        .stdout
        .take()
        .unwrap()
        .read_to_string(&mut out)
        .unwrap();
    child
        .stderr
        .take()
        .unwrap()
        .read_to_string(&mut err)
        .unwrap();
    (code, out, err, t0.elapsed())
}

#[test]
fn an_unreachable_redis_at_start_exits_1_naming_redis_and_the_url_without_its_password() {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let url = format!("redis://:hunter2-pass@127.0.0.1:{port}/0");
    let mut cmd = server();
    cmd.args(["--port", "0", "--demo", "--redis-url", &url]);
    let (code, out, err, took) = run_bounded(cmd, Duration::from_secs(20));
    assert_eq!(
        code,
        Some(1),
        "exits 1 (None = still running after 20 s); stderr: {err}"
    );
    assert!(out.is_empty(), "never printed a listening line: {out}");
    assert!(
        err.contains("Redis") && err.contains(&format!("127.0.0.1:{port}/0")),
        "{err}"
    );
    assert!(
        !err.contains("hunter2-pass") && err.contains("***"),
        "password hidden: {err}"
    );
    assert!(
        took < Duration::from_secs(15),
        "bounded by the connect timeout: {took:?}"
    );
}

#[test]
fn blank_or_malformed_production_credentials_exit_1() {
    for (appid, secret, names) in [
        (" ", " ", "WECHAT_APPID"),
        ("wx4f4bc4dec97d474b", "   ", "WECHAT_SECRET"),
        ("wx-not-an-appid", "s3cret", "WECHAT_APPID"),
    ] {
        let mut cmd = server();
        cmd.args(["--port", "0"])
            .env("WECHAT_APPID", appid)
            .env("WECHAT_SECRET", secret);
        let (code, out, err, _) = run_bounded(cmd, Duration::from_secs(20));
        assert_eq!(code, Some(1), "{appid:?}/{secret:?}: {err}");
        assert!(out.is_empty());
        assert!(err.contains(names), "{appid:?}/{secret:?}: {err}");
    }
}

#[test]
fn a_closed_stderr_breaks_neither_requests_nor_the_shutdown() {
    let mut child = server()
        .args(["--port", "0", "--demo"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let base = common::listening_line(&mut child)["listening"]
        .as_str()
        .unwrap()
        .to_owned();
    drop(child.stderr.take()); // the log's reader is gone: every write is EPIPE
    for user in ["alice", "bob"] {
        let token = common::login_as(&base, user);
        let (s, _) = common::post_bearer(&format!("{base}/user/logout"), &token, &json!({}));
        assert_eq!(s, 200, "logout answered");
        assert_eq!(common::profile(&base, &token).0, 401);
    }
    let (s, v, _) = common::login(&base, "0123456789abcdef"); // an error path logs too
    assert_eq!((s, v["error"].as_str()), (401, Some("code2session_failed")));
    let kill = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(kill.success());
    let t0 = Instant::now();
    let status = loop {
        if let Some(st) = child.try_wait().unwrap() {
            break st;
        }
        assert!(
            t0.elapsed() < Duration::from_secs(20),
            "SIGTERM did not stop it"
        );
        std::thread::sleep(Duration::from_millis(50));
    };
    assert_eq!(status.code(), Some(0), "a clean exit, not a panic (101)");
}

#[cfg(unix)]
#[test]
fn the_db_file_is_created_owner_only() {
    use std::os::unix::fs::PermissionsExt as _;
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("state.sqlite");
    let mut child = server()
        .args(["--port", "0", "--demo", "--db"])
        .arg(&db)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let base = common::listening_line(&mut child)["listening"]
        .as_str()
        .unwrap()
        .to_owned();
    common::login_as(&base, "alice");
    let mode = std::fs::metadata(&db).unwrap().permissions().mode() & 0o777;
    child.kill().unwrap();
    child.wait().unwrap();
    assert_eq!(mode, 0o600, "{mode:o}");
}

#[test]
fn healthz_reports_the_store_and_a_dead_redis_is_500_then_503() {
    let redis = RedisServer::start();
    let mut child = server()
        .args(["--port", "0", "--demo", "--redis-url", &redis.url])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let base = common::listening_line(&mut child)["listening"]
        .as_str()
        .unwrap()
        .to_owned();
    let (s, v) = common::get(&format!("{base}/healthz"), None);
    assert_eq!((s, v), (200, json!({ "ok": true, "store": "redis" })));
    let token = common::login_as(&base, "alice");
    drop(redis); // Redis dies while the server runs
    let t0 = Instant::now();
    let (s, v) = common::profile(&base, &token);
    assert_eq!((s, v), (500, json!({ "error": "internal" })));
    let (s, v) = common::get(&format!("{base}/healthz"), None);
    assert_eq!((s, v["error"].as_str()), (503, Some("store_unavailable")));
    assert!(
        t0.elapsed() < Duration::from_secs(15),
        "answered, not hung: {:?}",
        t0.elapsed()
    );
    child.kill().unwrap();
    child.wait().unwrap();
}
