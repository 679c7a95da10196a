//! Spawns the built binary with `--port 0 --dev`, reads its `{"listening"}` line and
//! does one login round-trip.

mod common;

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};

#[test]
fn binary_prints_its_address_and_serves_a_login() {
    let mut child = Command::new(env!("CARGO_BIN_EXE_weapp-login-example-server"))
        .args(["--port", "0", "--dev"])
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    let v: serde_json::Value = serde_json::from_str(&line).unwrap();
    let base = v["listening"].as_str().unwrap().to_owned();
    assert!(base.starts_with("http://127.0.0.1:"), "{line}");
    assert_eq!(v.as_object().unwrap().len(), 1);

    let token = common::login_as(&base, "alice");
    let (status, profile) = common::get(
        &format!("{base}/api/profile"),
        Some(&format!("Bearer {token}")),
    );
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
