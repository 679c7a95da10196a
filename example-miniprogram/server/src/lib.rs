//! Example developer server for `weapp-login`.
//!
//! It implements the server half of WeChat's login flow (WECHAT-API.md,
//! auth.code2Session): `POST /user/login` exchanges a `wx.login` code for the user's
//! openid + session_key, keeps them in SQLite and answers its own opaque token;
//! `GET /api/profile` is an endpoint protected by that token. An embedded fake WeChat
//! (`/sns/jscode2session`, `/fake-wechat/*`) lets everything run offline. See
//! [`routes`] and [`fake_wechat`] for the exact JSON shapes.
//!
//! Use [`Server::new`] + [`Server::run`] to run it in-process (the binary is a thin
//! wrapper around them).
#![forbid(unsafe_code)]

pub mod cli;
pub mod db;
pub mod fake_wechat;
pub mod routes;
pub mod support;
pub mod wechat;

use std::future::Future;
use std::io;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use tokio::net::TcpListener;

pub use support::{system_clock, Clock};

/// The embedded default appid (the one of WeChat's official decryption vector).
pub const DEFAULT_APPID: &str = "wx4f4bc4dec97d474b";
/// The embedded default app secret (accepted by the embedded fake WeChat only).
pub const DEFAULT_SECRET: &str = "example-secret";
/// Default token lifetime, seconds (2 hours, like WeChat's own session hints).
pub const DEFAULT_TOKEN_TTL_SECS: i64 = 7200;
/// How long a shutdown waits for open requests before giving up, seconds.
const SHUTDOWN_GRACE_SECS: u64 = 5;

/// How to run the server (everything but the listening socket).
#[derive(Clone)]
pub struct Config {
    /// SQLite file to use; `None` = a temporary file deleted when the server stops.
    pub db: Option<PathBuf>,
    /// WeChat API base URL; `None` = the embedded fake at the server's own address.
    /// The real one is `https://api.weixin.qq.com` (needs ureq's TLS feature).
    pub wechat_base: Option<String>,
    /// The mini program's appid (sent to code2Session; the fake accepts only this one).
    pub appid: String,
    /// The app secret (sent to code2Session; the fake accepts only this one).
    pub secret: String,
    /// Lifetime of issued tokens, seconds.
    pub token_ttl_secs: i64,
    /// Mount the `/dev/*` endpoints (loopback peers only).
    pub dev: bool,
    /// Time source, Unix seconds (tests inject their own).
    pub clock: Clock,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            db: None,
            wechat_base: None,
            appid: DEFAULT_APPID.to_owned(),
            secret: DEFAULT_SECRET.to_owned(),
            token_ttl_secs: DEFAULT_TOKEN_TTL_SECS,
            dev: false,
            clock: system_clock(),
        }
    }
}

/// A server bound to a listener, with its database open, ready to [`run`](Server::run).
pub struct Server {
    listener: TcpListener,
    router: Router,
    base_url: String,
    // Holds the temporary database directory (if any) until the server is dropped.
    _temp_dir: Option<tempfile::TempDir>,
}

/// `http://ADDR` for a bound address; an unspecified IP (0.0.0.0, ::) becomes loopback.
fn base_url_for(addr: SocketAddr) -> String {
    let mut addr = addr;
    if addr.ip().is_unspecified() {
        let ip = if addr.is_ipv4() {
            [127, 0, 0, 1].into()
        } else {
            std::net::Ipv6Addr::LOCALHOST.into()
        };
        addr.set_ip(ip);
    }
    format!("http://{addr}")
}

impl Server {
    /// Opens the database (creating a temporary one if `config.db` is `None`) and
    /// builds the app for `listener`.
    ///
    /// # Errors
    /// The listener's address cannot be read, or the database cannot be opened.
    pub fn new(config: Config, listener: TcpListener) -> io::Result<Server> {
        let base_url = base_url_for(listener.local_addr()?);
        let (db_path, temp_dir) = match &config.db {
            Some(p) => (p.clone(), None),
            None => {
                let dir = tempfile::Builder::new()
                    .prefix("weapp-login-example-")
                    .tempdir()?;
                (dir.path().join("server.sqlite"), Some(dir))
            }
        };
        let db = db::Db::open(&db_path)
            .map_err(|e| io::Error::other(format!("{}: {e}", db_path.display())))?;
        let state = routes::AppState {
            db: Arc::new(db),
            agent: wechat::agent(),
            wechat_base: config
                .wechat_base
                .clone()
                .unwrap_or_else(|| base_url.clone()),
            fake: Arc::new(fake_wechat::FakeWeChat::new(
                &config.appid,
                &config.secret,
                config.clock.clone(),
            )),
            appid: config.appid,
            secret: config.secret,
            token_ttl_secs: config.token_ttl_secs,
            dev: config.dev,
            clock: config.clock,
        };
        Ok(Server {
            listener,
            router: routes::app(state),
            base_url,
            _temp_dir: temp_dir,
        })
    }

    /// `http://HOST:PORT` the server answers on (loopback if bound to 0.0.0.0).
    pub fn base_url(&self) -> &str {
        &self.base_url
    }

    /// Serves until `shutdown` completes, then stops accepting, lets open requests
    /// finish (at most 5 seconds) and removes a temporary database.
    ///
    /// # Errors
    /// An I/O error of the accept loop.
    pub async fn run<F>(self, shutdown: F) -> io::Result<()>
    where
        F: Future<Output = ()> + Send + 'static,
    {
        let Server {
            listener,
            router,
            base_url: _,
            _temp_dir,
        } = self;
        let (tx, rx) = tokio::sync::oneshot::channel::<()>();
        let serve = axum::serve(
            listener,
            router.into_make_service_with_connect_info::<SocketAddr>(),
        )
        .with_graceful_shutdown(async move {
            shutdown.await;
            let _ = tx.send(());
        });
        let grace = async move {
            match rx.await {
                Ok(()) => tokio::time::sleep(Duration::from_secs(SHUTDOWN_GRACE_SECS)).await,
                Err(_) => std::future::pending::<()>().await,
            }
        };
        tokio::select! {
            r = serve => r,
            () = grace => {
                eprintln!("shutdown: open connections did not finish in {SHUTDOWN_GRACE_SECS}s; stopping anyway");
                Ok(())
            }
        }
    }
}
