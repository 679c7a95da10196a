//! Issue 18 item 5: the README's "Deploying" section, run as written: the two server
//! command lines it shows (on free ports instead of 8081 / 8082, with the lone fake
//! WeChat as `--wechat-base`), sharing a real redis-server, behind what nginx's
//! `proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for` sends them.

mod common;

use std::process::{Child, Command, Stdio};

use common::redis::RedisServer;
use serde_json::json;

struct Proc(Child, String);

impl Drop for Proc {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// The server command lines of the README's deployment example, as argument lists.
fn readme_command_lines() -> Vec<Vec<String>> {
    let readme = include_str!("../README.md");
    let start = readme.find("## Deploying").expect("a Deploying section");
    readme[start..]
        .lines()
        .map(str::trim)
        .filter(|l| l.starts_with("weapp-login-example-server --"))
        .map(|l| {
            l.trim_end_matches('&')
                .split_whitespace()
                .skip(1)
                .map(str::to_owned)
                .collect()
        })
        .collect()
}

fn spawn(args: &[String], wechat: &str, redis: &str) -> Proc {
    let mut args = args.to_vec();
    let port = args.iter().position(|a| a == "--port").expect("--port") + 1;
    args[port] = "0".into();
    let mut child = Command::new(env!("CARGO_BIN_EXE_weapp-login-example-server"))
        .args(&args)
        .args([
            "--wechat-base",
            wechat,
            "--login-rate-per-minute",
            "1",
            "--login-burst",
            "2",
        ])
        .env("WECHAT_APPID", common::sample::APPID)
        .env("WECHAT_SECRET", weapp_login_example_server::DEFAULT_SECRET)
        .env("REDIS_URL", redis)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let base = common::listening_line(&mut child)["listening"]
        .as_str()
        .unwrap()
        .to_owned();
    Proc(child, base)
}

/// A login through "nginx" (`forwarded`: the client's own header, if any, then the
/// client address): (status, token).
fn login_through_nginx(p: &Proc, wechat: &str, forwarded: &str) -> (u16, String) {
    let code = common::wx_login_at(wechat, "alice", None);
    let agent: ureq::Agent = ureq::Agent::config_builder()
        .http_status_as_error(false)
        .build()
        .into();
    let mut resp = agent
        .post(format!("{}/user/login", p.1))
        .header("content-type", "application/json")
        .header("x-forwarded-for", forwarded)
        .send(json!({ "code": code }).to_string())
        .unwrap();
    let v: serde_json::Value =
        serde_json::from_str(&resp.body_mut().read_to_string().unwrap()).unwrap();
    let token = v["token"].as_str().unwrap_or_default().to_owned();
    (resp.status().as_u16(), token)
}

fn login_as_client(p: &Proc, wechat: &str, forwarded: &str) -> u16 {
    login_through_nginx(p, wechat, forwarded).0
}

#[test]
fn the_readme_deployment_runs_as_written() {
    let lines = readme_command_lines();
    assert_eq!(lines.len(), 2, "two processes: {lines:?}");
    for l in &lines {
        assert!(
            l.windows(2).any(|w| w == ["--trusted-proxy", "127.0.0.1"]),
            "{l:?}"
        );
    }
    let redis = RedisServer::start();
    let fake = common::start_fake();
    let a = spawn(&lines[0], &fake.wechat_base, &redis.url);
    let b = spawn(&lines[1], &fake.wechat_base, &redis.url);
    for p in [&a, &b] {
        let (s, v) = common::get(&format!("{}/healthz", p.1), None);
        assert_eq!((s, v), (200, json!({ "ok": true, "store": "redis" })));
    }
    // Each user is their own bucket (2 logins at once), however many share nginx.
    for client in ["203.0.113.5", "198.51.100.7", "2001:db8:1:2::9"] {
        assert_eq!(
            login_as_client(&a, &fake.wechat_base, client),
            200,
            "{client}"
        );
        assert_eq!(
            login_as_client(&a, &fake.wechat_base, &format!("6.6.6.6, {client}")),
            200
        );
        assert_eq!(
            login_as_client(&a, &fake.wechat_base, &format!("7.7.7.7, {client}")),
            429,
            "{client}: a forged left part changes nothing"
        );
    }
    // A token from one process works on the other.
    let (s, token) = login_through_nginx(&b, &fake.wechat_base, "192.0.2.44");
    assert_eq!(s, 200);
    assert_eq!(common::profile(&a.1, &token).0, 200);
}
