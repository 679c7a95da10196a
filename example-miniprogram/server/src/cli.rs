//! Command-line options of the `weapp-login-example-server` binary.

use std::path::PathBuf;

use clap::Parser;

use crate::{Config, DEFAULT_APPID, DEFAULT_SECRET, DEFAULT_TOKEN_TTL_SECS};

/// Example developer server for weapp-login, with an embedded fake WeChat.
///
/// Prints one JSON line `{"listening":"http://HOST:PORT"}` to stdout once bound; logs go
/// to stderr. Stops gracefully on SIGINT / SIGTERM.
#[derive(Debug, Clone, Parser)]
#[command(name = "weapp-login-example-server", version)]
pub struct Cli {
    /// TCP port to listen on; 0 picks a free one.
    #[arg(long, default_value_t = 0)]
    pub port: u16,
    /// Address to listen on.
    #[arg(long, default_value = "127.0.0.1")]
    pub host: String,
    /// SQLite file; default: a temporary file deleted on exit.
    #[arg(long)]
    pub db: Option<PathBuf>,
    /// WeChat API base URL; default: the embedded fake WeChat at this server's own
    /// address. The real one is `https://api.weixin.qq.com` (needs a TLS-enabled build).
    #[arg(long)]
    pub wechat_base: Option<String>,
    /// The mini program's appid.
    #[arg(long, default_value = DEFAULT_APPID)]
    pub appid: String,
    /// The mini program's app secret.
    #[arg(long, default_value = DEFAULT_SECRET)]
    pub secret: String,
    /// Lifetime of issued tokens, seconds.
    #[arg(long, default_value_t = DEFAULT_TOKEN_TTL_SECS, value_parser = clap::value_parser!(i64).range(1..))]
    pub token_ttl_secs: i64,
    /// Enable dev-only endpoints (POST /dev/expire-sessions), for loopback peers only.
    #[arg(long)]
    pub dev: bool,
}

impl Cli {
    /// The server [`Config`] these options describe (real clock).
    pub fn config(&self) -> Config {
        Config {
            db: self.db.clone(),
            wechat_base: self.wechat_base.clone(),
            appid: self.appid.clone(),
            secret: self.secret.clone(),
            token_ttl_secs: self.token_ttl_secs,
            dev: self.dev,
            ..Config::default()
        }
    }
}
