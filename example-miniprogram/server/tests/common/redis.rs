//! A throwaway `redis-server` on a free loopback port, stopped on drop. A machine
//! without `redis-server` FAILS the test (scripts/setup.sh installs it): no skipping.

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// A running redis-server child.
pub struct RedisServer {
    /// `redis://127.0.0.1:PORT/0`.
    pub url: String,
    child: Child,
}

fn pong(port: u16) -> bool {
    let Ok(mut s) = TcpStream::connect(("127.0.0.1", port)) else {
        return false;
    };
    let _ = s.set_read_timeout(Some(Duration::from_millis(500)));
    let mut buf = [0u8; 7];
    s.write_all(b"PING\r\n").is_ok() && s.read_exact(&mut buf).is_ok() && &buf == b"+PONG\r\n"
}

impl RedisServer {
    /// Starts `redis-server --port N --save '' --appendonly no` on a free port and waits
    /// (at most 10 s) until it answers PING.
    pub fn start() -> RedisServer {
        let port = TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let child = Command::new("redis-server")
            .args(["--port", &port.to_string(), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"])
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap_or_else(|e| {
                panic!("cannot start redis-server ({e}): install it (apt-get install redis-server; scripts/setup.sh does)")
            });
        let mut server = RedisServer {
            url: format!("redis://127.0.0.1:{port}/0"),
            child,
        };
        let deadline = Instant::now() + Duration::from_secs(10);
        while !pong(port) {
            if let Ok(Some(status)) = server.child.try_wait() {
                panic!("redis-server exited early: {status}");
            }
            assert!(
                Instant::now() < deadline,
                "redis-server did not answer PING within 10 s"
            );
            std::thread::sleep(Duration::from_millis(50));
        }
        server
    }
}

impl Drop for RedisServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
