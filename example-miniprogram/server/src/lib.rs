//! Example developer server for `weapp-login`: the server half of WeChat's login flow,
//! deployable as it is.
//!
//! `POST /user/login` exchanges a `wx.login` code through auth.code2Session
//! (docs/WECHAT.md) for the user's openid + session_key, keeps them in a [`store`]
//! (SQLite by default, Redis for a fleet) and answers the server's own token: opaque
//! (stored only as its SHA-256) or an HS256 JWT ([`tokens`]). Authenticated routes
//! check expiry and revocation on every call; `POST /user/logout` revokes. The session's
//! session_key serves [`open_data`] decryption and signature checks, and the server's own
//! WeChat credential ([`access_token`], single-flight, shared through the store) serves
//! `POST /user/phone`. Logins are rate-limited per client address ([`rate_limit`]).
//! Routes and JSON shapes: [`routes`]; error codes: [`error`].
//!
//! Two modes ([`Mode`]):
//! - **production** (the default of the binary): real WeChat at
//!   `https://api.weixin.qq.com` over rustls (or `wechat_base`), appid and secret from
//!   the environment or a config file; no fake WeChat, no `/dev/*` routes.
//! - **demo** (`--demo`): the embedded [`fake_wechat`] under `/fake-wechat` on the same
//!   listener is the WeChat base, with the embedded appid/secret; `/dev/*` routes on.
//!
//! ```no_run
//! # async fn run() -> std::io::Result<()> {
//! use weapp_login_example_server::{Config, Server};
//! let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
//! let server = Server::new(Config::default(), listener).await?; // demo mode, temp SQLite
//! println!("{}", server.base_url());
//! server.run(async { let _ = tokio::signal::ctrl_c().await; }).await
//! # }
//! ```
#![forbid(unsafe_code)]
#![deny(missing_docs)]

pub mod access_token;
pub mod cli;
pub mod credentials;
pub mod error;
pub mod fake_wechat;
pub mod http_errors;
pub mod open_data;
pub mod rate_limit;
pub mod routes;
pub mod store;
pub mod support;
pub mod tokens;
pub mod wechat;

use std::future::Future;
use std::io;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use tokio::net::TcpListener;

pub use credentials::Credentials;
pub use support::{system_clock, Clock};

/// The embedded demo appid (the one of WeChat's official decryption sample).
pub const DEFAULT_APPID: &str = "wx4f4bc4dec97d474b";
/// The embedded demo app secret (accepted by the embedded fake WeChat only).
pub const DEFAULT_SECRET: &str = "example-secret";
/// Default opaque-token lifetime, seconds (2 hours).
pub const DEFAULT_TOKEN_TTL_SECS: i64 = 7200;
/// Default JWT lifetime, seconds (24 hours).
pub const DEFAULT_JWT_TTL_SECS: i64 = 86_400;
/// Default max age of decrypted open data (`watermark.timestamp`), seconds (10 minutes).
pub const DEFAULT_OPEN_DATA_MAX_AGE_SECS: i64 = 600;
/// How long a shutdown waits for open requests before giving up, seconds.
const SHUTDOWN_GRACE_SECS: u64 = 5;

/// Which WeChat the server talks to (see the crate docs).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Mode {
    /// The embedded fake WeChat under `/fake-wechat`, embedded credentials, `/dev/*` on.
    Demo,
    /// Real WeChat (`Config::wechat_base`, default `https://api.weixin.qq.com`).
    Production(Credentials),
}

/// How to run the server (everything but the listening socket).
#[derive(Clone)]
pub struct Config {
    /// Demo or production.
    pub mode: Mode,
    /// SQLite file; `None` = a temporary file deleted when the server stops. Unused
    /// when `redis_url` is set.
    pub db: Option<PathBuf>,
    /// Redis URL (`redis://host:port/db`): keep the login state there instead of SQLite.
    pub redis_url: Option<String>,
    /// WeChat API base URL in production; `None` = [`wechat::REAL_BASE`]. Must be
    /// `None` in demo mode (the base is then the server's own `/fake-wechat`).
    pub wechat_base: Option<String>,
    /// Opaque tokens or JWTs.
    pub tokens: tokens::TokenMode,
    /// Lifetime of issued tokens, seconds (at least 1).
    pub token_ttl_secs: i64,
    /// Max age of decrypted open data, seconds; 0 = not checked.
    pub open_data_max_age_secs: i64,
    /// Rate limit of `/user/login` per client address; `None` = unlimited.
    pub login_rate: Option<rate_limit::LoginRate>,
    /// Count logins against the last `X-Forwarded-For` address whatever the peer
    /// (the older, coarser setting: prefer `trusted_proxies`).
    pub trust_forwarded_for: bool,
    /// Peers (CIDRs) that are your own reverse proxies: from them, logins count
    /// against the client address read from `X-Forwarded-For` (see [`rate_limit`]).
    pub trusted_proxies: Vec<ipnet::IpNet>,
    /// Renew the access_token this many seconds before it expires.
    pub access_token_margin_secs: i64,
    /// Longest wait of one caller for the access_token fetch, milliseconds.
    pub access_token_wait_ms: u64,
    /// Time source, Unix seconds (tests inject their own).
    pub clock: Clock,
}

impl Default for Config {
    /// Demo mode, temporary SQLite, opaque 2-hour tokens, default limits, real clock.
    fn default() -> Self {
        Config {
            mode: Mode::Demo,
            db: None,
            redis_url: None,
            wechat_base: None,
            tokens: tokens::TokenMode::Opaque,
            token_ttl_secs: DEFAULT_TOKEN_TTL_SECS,
            open_data_max_age_secs: DEFAULT_OPEN_DATA_MAX_AGE_SECS,
            login_rate: Some(rate_limit::LoginRate::default()),
            trust_forwarded_for: false,
            trusted_proxies: Vec::new(),
            access_token_margin_secs: access_token::DEFAULT_MARGIN_SECS,
            access_token_wait_ms: access_token::DEFAULT_WAIT_MS,
            clock: system_clock(),
        }
    }
}

/// A server bound to a listener, with its store open, ready to [`run`](Server::run).
pub struct Server {
    listener: TcpListener,
    router: Router,
    base_url: String,
    wechat_base: String,
    fake: Option<Arc<fake_wechat::FakeWeChat>>,
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

async fn open_store(
    config: &Config,
) -> io::Result<(Arc<dyn store::Store>, Option<tempfile::TempDir>)> {
    if let Some(url) = &config.redis_url {
        let s = store::redis::RedisStore::connect(url)
            .await
            .map_err(|e| io::Error::other(e.to_string()))?;
        return Ok((Arc::new(s), None));
    }
    let (path, temp) = match &config.db {
        Some(p) => (p.clone(), None),
        None => {
            let dir = tempfile::Builder::new()
                .prefix("weapp-login-example-")
                .tempdir()?;
            (dir.path().join("server.sqlite"), Some(dir))
        }
    };
    let s = store::sqlite::SqliteStore::open(&path)
        .map_err(|e| io::Error::other(format!("{}: {e}", path.display())))?;
    Ok((Arc::new(s), temp))
}

impl Server {
    /// Opens the store and builds the app for `listener`.
    ///
    /// # Errors
    /// The listener's address cannot be read, the store cannot be opened (SQLite file,
    /// Redis unreachable within 5 s), `wechat_base` is set in demo mode, production
    /// credentials are malformed ([`Credentials::validate`]), both `trust_forwarded_for`
    /// and `trusted_proxies` are set, or `token_ttl_secs < 1`.
    pub async fn new(config: Config, listener: TcpListener) -> io::Result<Server> {
        let base_url = base_url_for(listener.local_addr()?);
        if config.token_ttl_secs < 1 {
            return Err(io::Error::other("token lifetime must be at least 1 second"));
        }
        let (creds, wechat_base, fake) = match &config.mode {
            Mode::Demo => {
                if config.wechat_base.is_some() {
                    return Err(io::Error::other(
                        "demo mode uses its own fake WeChat: do not set a WeChat base",
                    ));
                }
                let fake = fake_wechat::FakeWeChat::new(
                    DEFAULT_APPID,
                    DEFAULT_SECRET,
                    config.clock.clone(),
                );
                let creds = Credentials {
                    appid: DEFAULT_APPID.into(),
                    secret: DEFAULT_SECRET.into(),
                };
                (
                    creds,
                    format!("{base_url}{}", fake_wechat::PREFIX),
                    Some(Arc::new(fake)),
                )
            }
            Mode::Production(c) => {
                c.validate().map_err(io::Error::other)?;
                let base = config
                    .wechat_base
                    .clone()
                    .unwrap_or_else(|| wechat::REAL_BASE.to_owned());
                (c.clone(), base, None)
            }
        };
        if config.trust_forwarded_for && !config.trusted_proxies.is_empty() {
            return Err(io::Error::other(
                "set either trusted proxies (--trusted-proxy CIDR) or --trust-x-forwarded-for, not both",
            ));
        }
        let (store, temp_dir) = open_store(&config).await?;
        let agent = wechat::agent();
        let trust = if config.trust_forwarded_for {
            rate_limit::ProxyTrust::AnyPeerLastHop
        } else if config.trusted_proxies.is_empty() {
            rate_limit::ProxyTrust::None
        } else {
            rate_limit::ProxyTrust::Proxies(config.trusted_proxies.clone())
        };
        let access_tokens = access_token::AccessTokens::new(
            agent.clone(),
            wechat_base.clone(),
            creds.appid.clone(),
            creds.secret.clone(),
            store.clone(),
            config.clock.clone(),
            config.access_token_margin_secs,
            config.access_token_wait_ms,
        );
        let state = routes::AppState {
            store,
            agent,
            wechat_base: wechat_base.clone(),
            appid: creds.appid,
            secret: creds.secret,
            tokens: config.tokens,
            token_ttl_secs: config.token_ttl_secs,
            open_data_max_age_secs: config.open_data_max_age_secs,
            access_tokens: Arc::new(access_tokens),
            limiter: config
                .login_rate
                .map(|r| Arc::new(rate_limit::LoginLimiter::new(r, trust))),
            dev: config.mode == Mode::Demo,
            clock: config.clock,
        };
        Ok(Server {
            listener,
            router: routes::app(state, fake.clone()),
            base_url,
            wechat_base,
            fake,
            _temp_dir: temp_dir,
        })
    }

    /// `http://HOST:PORT` the server answers on (loopback if bound to 0.0.0.0).
    pub fn base_url(&self) -> &str {
        &self.base_url
    }

    /// The WeChat API base URL the server calls.
    pub fn wechat_base(&self) -> &str {
        &self.wechat_base
    }

    /// The embedded fake WeChat (demo mode only).
    pub fn fake(&self) -> Option<Arc<fake_wechat::FakeWeChat>> {
        self.fake.clone()
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
            _temp_dir,
            ..
        } = self;
        serve(listener, router, shutdown).await
    }
}

/// Serves `router` on `listener` (with peer addresses) until `shutdown`, then waits at
/// most 5 seconds for open requests.
///
/// # Errors
/// An I/O error of the accept loop.
pub async fn serve<F>(listener: TcpListener, router: Router, shutdown: F) -> io::Result<()>
where
    F: Future<Output = ()> + Send + 'static,
{
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
            crate::log_line!("shutdown: open connections did not finish in {SHUTDOWN_GRACE_SECS}s; stopping anyway");
            Ok(())
        }
    }
}
