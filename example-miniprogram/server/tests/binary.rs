//! Spawns the built binary: `--port 0 --dev` (the command line scripts/scenario.js
//! uses) serves a login round-trip; a production start without credentials fails fast.

mod common;

use std::process::{Command, Stdio};

#[test]
fn binary_prints_its_address_and_serves_a_login() {
    let mut child = Command::new(env!("CARGO_BIN_EXE_weapp-login-example-server"))
        .args(["--port", "0", "--dev"])
        .env_remove("WECHAT_APPID")
        .env_remove("WECHAT_SECRET")
        .env_remove("REDIS_URL")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let v = common::listening_line(&mut child);
    let base = v["listening"].as_str().unwrap().to_owned();
    assert!(base.starts_with("http://127.0.0.1:"), "{v}");
    assert_eq!(v.as_object().unwrap().len(), 1);

    let token = common::login_as(&base, "alice");
    let (status, profile) = common::profile(&base, &token);
    assert_eq!(status, 200);
    assert_eq!(profile["loginCount"], 1);
    let (status, body) = common::post(
        &format!("{base}/dev/expire-sessions"),
        &serde_json::json!({}),
    );
    assert_eq!((status, body["expired"].as_u64()), (200, Some(1)));

    child.kill().unwrap();
    child.wait().unwrap();
}

#[test]
fn production_start_without_credentials_fails_fast() {
    let out = Command::new(env!("CARGO_BIN_EXE_weapp-login-example-server"))
        .args(["--port", "0"])
        .env_remove("WECHAT_APPID")
        .env_remove("WECHAT_SECRET")
        .env_remove("REDIS_URL")
        .stdin(Stdio::null())
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(out.stdout.is_empty(), "never printed a listening line");
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("WECHAT_APPID") && err.contains("WECHAT_SECRET") && err.contains("--demo"),
        "{err}"
    );
}

#[test]
fn secrets_on_the_command_line_are_refused_and_never_echoed() {
    let out = Command::new(env!("CARGO_BIN_EXE_weapp-login-example-server"))
        .args(["--port", "0", "--secret", "hunter2-secret"])
        .stdin(Stdio::null())
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(out.stdout.is_empty());
}

#[test]
fn production_logs_never_contain_the_secret() {
    let fake = common::start_fake();
    let mut child = Command::new(env!("CARGO_BIN_EXE_weapp-login-example-server"))
        .args(["--port", "0", "--wechat-base", &fake.wechat_base])
        .env("WECHAT_APPID", common::sample::APPID)
        .env("WECHAT_SECRET", weapp_login_example_server::DEFAULT_SECRET)
        .env_remove("REDIS_URL")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let v = common::listening_line(&mut child);
    let base = v["listening"].as_str().unwrap().to_owned();
    let code = common::wx_login_at(&fake.wechat_base, "alice", None);
    let (status, body, raw) = common::login(&base, &code);
    assert_eq!(status, 200, "{body}");
    assert!(!raw.contains("session_key") && !raw.contains("openid"));
    assert_eq!(common::login(&base, &code).0, 401, "code been used");
    assert_eq!(
        common::get(&format!("{base}/fake-wechat/stats"), None).0,
        404
    );
    child.kill().unwrap();
    child.wait().unwrap();
    let mut err = String::new();
    std::io::Read::read_to_string(&mut child.stderr.take().unwrap(), &mut err).unwrap();
    assert!(err.contains("production"), "{err}");
    assert!(
        !err.contains(weapp_login_example_server::DEFAULT_SECRET),
        "{err}"
    );
    assert!(!err.contains(&fake.fake.openid_for("alice")), "{err}");
}

struct Child(std::process::Child, String);

impl Drop for Child {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn spawn_demo(db: &std::path::Path) -> Child {
    let mut child = Command::new(env!("CARGO_BIN_EXE_weapp-login-example-server"))
        .args([
            "--port",
            "0",
            "--demo",
            "--login-rate-per-minute",
            "0",
            "--db",
        ])
        .arg(db)
        .env_remove("REDIS_URL")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let v = common::listening_line(&mut child);
    let base = v["listening"].as_str().unwrap().to_owned();
    Child(child, base)
}

#[test]
fn two_processes_share_one_sqlite_file_under_parallel_logins() {
    const PER_PROCESS: usize = 40;
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("shared.sqlite");
    let a = spawn_demo(&db);
    let b = spawn_demo(&db);
    let tokens: Vec<(usize, String)> = std::thread::scope(|s| {
        let handles: Vec<_> = (0..2 * PER_PROCESS)
            .map(|i| {
                let base = if i % 2 == 0 { &a.1 } else { &b.1 };
                s.spawn(move || (i, common::login_as(base, &format!("user{}", i / 2))))
            })
            .collect();
        handles.into_iter().map(|h| h.join().unwrap()).collect()
    });
    for (i, token) in &tokens {
        let other = if i % 2 == 0 { &b.1 } else { &a.1 };
        let (status, p) = common::profile(other, token);
        assert_eq!(status, 200, "token {i} on the other process: {p}");
    }
}
