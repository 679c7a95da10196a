//! Command-line options of the `weapp-login-example-server` binary, and where secrets
//! come from: the environment or a JSON config file, **never argv**.
//!
//! | setting | environment | config file key |
//! |---|---|---|
//! | appid | `WECHAT_APPID` | `appid` |
//! | app secret | `WECHAT_SECRET` | `secret` |
//! | JWT secret (`--jwt`, ≥ 32 bytes) | `JWT_SECRET` | `jwtSecret` |
//!
//! The environment wins over the file. The file (`--config FILE`) is a JSON object
//! with only those keys, e.g. `{"appid":"wx...","secret":"..."}`.

use std::num::NonZeroU32;
use std::path::PathBuf;

use clap::Parser;
use serde::Deserialize;

use crate::rate_limit::{LoginRate, DEFAULT_BURST, DEFAULT_PER_MINUTE};
use crate::tokens::{TokenMode, MIN_JWT_SECRET_LEN};
use crate::{
    Config, Credentials, Mode, DEFAULT_JWT_TTL_SECS, DEFAULT_OPEN_DATA_MAX_AGE_SECS,
    DEFAULT_TOKEN_TTL_SECS,
};

/// Example developer server for weapp-login.
///
/// Production mode (the default) calls the real WeChat API and needs WECHAT_APPID and
/// WECHAT_SECRET in the environment (or a --config file). --demo runs offline against
/// the embedded fake WeChat. Prints one JSON line `{"listening":"http://HOST:PORT"}` to
/// stdout once bound; logs go to stderr. Stops gracefully on SIGINT / SIGTERM.
#[derive(Debug, Clone, Parser)]
#[command(name = "weapp-login-example-server", version)]
pub struct Cli {
    /// TCP port to listen on; 0 picks a free one.
    #[arg(long, default_value_t = 0)]
    pub port: u16,
    /// Address to listen on.
    #[arg(long, default_value = "127.0.0.1")]
    pub host: String,
    /// Demo mode: the embedded fake WeChat under /fake-wechat with the embedded
    /// appid/secret, plus the /dev/* endpoints (loopback peers only). `--dev` is the
    /// same flag.
    #[arg(long, alias = "dev")]
    pub demo: bool,
    /// JSON file with `appid`, `secret`, `jwtSecret` (the environment wins).
    #[arg(long)]
    pub config: Option<PathBuf>,
    /// SQLite file; default: a temporary file deleted on exit.
    #[arg(long)]
    pub db: Option<PathBuf>,
    /// Keep the login state in Redis (e.g. redis://127.0.0.1:6379/0) instead of SQLite,
    /// to share it between server processes.
    #[arg(long, env = "REDIS_URL")]
    pub redis_url: Option<String>,
    /// WeChat API base URL (production mode only); default https://api.weixin.qq.com.
    #[arg(long, conflicts_with = "demo")]
    pub wechat_base: Option<String>,
    /// Issue HS256 JWTs (secret from JWT_SECRET) instead of opaque tokens.
    #[arg(long)]
    pub jwt: bool,
    /// Lifetime of issued tokens, seconds; default 7200, or 86400 with --jwt.
    #[arg(long, value_parser = clap::value_parser!(i64).range(1..))]
    pub token_ttl_secs: Option<i64>,
    /// Max age of decrypted open data (its watermark timestamp), seconds; 0 = unchecked.
    #[arg(long, default_value_t = DEFAULT_OPEN_DATA_MAX_AGE_SECS, value_parser = clap::value_parser!(i64).range(0..))]
    pub open_data_max_age_secs: i64,
    /// Logins allowed per minute per client address; 0 = no limit.
    #[arg(long, default_value_t = DEFAULT_PER_MINUTE)]
    pub login_rate_per_minute: u32,
    /// Logins one client address may make at once (burst).
    #[arg(long, default_value_t = DEFAULT_BURST, value_parser = clap::value_parser!(u32).range(1..))]
    pub login_burst: u32,
    /// Rate-limit by the last X-Forwarded-For address (only behind your own proxy).
    #[arg(long)]
    pub trust_x_forwarded_for: bool,
    /// Renew the WeChat access_token this many seconds before it expires.
    #[arg(long, default_value_t = crate::access_token::DEFAULT_MARGIN_SECS, value_parser = clap::value_parser!(i64).range(0..3600))]
    pub access_token_margin_secs: i64,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
struct FileConfig {
    appid: Option<String>,
    secret: Option<String>,
    jwt_secret: Option<String>,
}

impl Cli {
    /// The server [`Config`] these options describe (real clock), reading secrets
    /// through `env` (pass `|k| std::env::var(k).ok()`) and the `--config` file.
    ///
    /// # Errors
    /// A message for the operator: unreadable / invalid config file, production mode
    /// without appid or secret, `--jwt` without a secret of at least 32 bytes.
    pub fn config(&self, env: impl Fn(&str) -> Option<String>) -> Result<Config, String> {
        let file = match &self.config {
            None => FileConfig::default(),
            Some(p) => {
                let text = std::fs::read_to_string(p)
                    .map_err(|e| format!("cannot read config file {}: {e}", p.display()))?;
                serde_json::from_str(&text)
                    .map_err(|e| format!("config file {}: {e}", p.display()))?
            }
        };
        let pick = |var: &str, from_file: &Option<String>| {
            env(var)
                .filter(|v| !v.is_empty())
                .or_else(|| from_file.clone().filter(|v| !v.is_empty()))
        };
        let mode = if self.demo {
            Mode::Demo
        } else {
            match (
                pick("WECHAT_APPID", &file.appid),
                pick("WECHAT_SECRET", &file.secret),
            ) {
                (Some(appid), Some(secret)) => Mode::Production(Credentials { appid, secret }),
                _ => {
                    return Err(
                        "production mode needs the app's credentials: set WECHAT_APPID and \
                         WECHAT_SECRET (or \"appid\"/\"secret\" in a --config file), or run \
                         with --demo for the embedded fake WeChat"
                            .to_owned(),
                    )
                }
            }
        };
        let tokens = if !self.jwt {
            TokenMode::Opaque
        } else {
            match pick("JWT_SECRET", &file.jwt_secret) {
                Some(s) if s.len() >= MIN_JWT_SECRET_LEN => TokenMode::Jwt(s.into_bytes()),
                Some(_) => {
                    return Err(format!(
                        "JWT_SECRET must be at least {MIN_JWT_SECRET_LEN} bytes"
                    ))
                }
                None if self.demo => TokenMode::Jwt(crate::support::random_bytes(32)),
                None => {
                    return Err(
                        "--jwt needs JWT_SECRET (or \"jwtSecret\" in a --config file)".to_owned(),
                    )
                }
            }
        };
        let default_ttl = if self.jwt {
            DEFAULT_JWT_TTL_SECS
        } else {
            DEFAULT_TOKEN_TTL_SECS
        };
        let login_rate = NonZeroU32::new(self.login_rate_per_minute).map(|per_minute| LoginRate {
            per_minute,
            burst: NonZeroU32::new(self.login_burst).unwrap_or(NonZeroU32::MIN),
        });
        Ok(Config {
            mode,
            db: self.db.clone(),
            redis_url: self.redis_url.clone().filter(|u| !u.is_empty()),
            wechat_base: self.wechat_base.clone(),
            tokens,
            token_ttl_secs: self.token_ttl_secs.unwrap_or(default_ttl),
            open_data_max_age_secs: self.open_data_max_age_secs,
            login_rate,
            trust_forwarded_for: self.trust_x_forwarded_for,
            access_token_margin_secs: self.access_token_margin_secs,
            ..Config::default()
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cli(args: &[&str]) -> Cli {
        Cli::try_parse_from(std::iter::once("server").chain(args.iter().copied())).unwrap()
    }

    #[test]
    fn production_needs_credentials_from_env_or_file() {
        let none = |_: &str| None;
        let err = cli(&[]).config(none).err().unwrap();
        assert!(err.contains("WECHAT_APPID"), "{err}");
        let env = |k: &str| match k {
            "WECHAT_APPID" => Some("wxA".to_owned()),
            "WECHAT_SECRET" => Some("s".to_owned()),
            _ => None,
        };
        let c = cli(&[]).config(env).unwrap();
        assert_eq!(
            c.mode,
            Mode::Production(Credentials {
                appid: "wxA".into(),
                secret: "s".into()
            })
        );
        assert!(format!("{:?}", c.mode).contains("<redacted>"));

        let dir = tempfile::tempdir().unwrap();
        let f = dir.path().join("c.json");
        std::fs::write(&f, r#"{"appid":"wxF","secret":"fs"}"#).unwrap();
        let c = cli(&["--config", f.to_str().unwrap()])
            .config(none)
            .unwrap();
        assert_eq!(
            c.mode,
            Mode::Production(Credentials {
                appid: "wxF".into(),
                secret: "fs".into()
            })
        );
        std::fs::write(&f, r#"{"appid":"wxF","secrte":"typo"}"#).unwrap();
        assert!(cli(&["--config", f.to_str().unwrap()])
            .config(none)
            .is_err());
    }

    #[test]
    fn secrets_are_not_flags_and_demo_aliases_dev() {
        assert!(Cli::try_parse_from(["server", "--secret", "x"]).is_err());
        assert!(Cli::try_parse_from(["server", "--appid", "x"]).is_err());
        assert!(Cli::try_parse_from(["server", "--demo", "--wechat-base", "http://x"]).is_err());
        assert_eq!(cli(&["--dev"]).config(|_| None).unwrap().mode, Mode::Demo);
    }

    #[test]
    fn jwt_mode_needs_a_long_secret_in_production() {
        let env = |k: &str| match k {
            "WECHAT_APPID" | "WECHAT_SECRET" => Some("x".to_owned()),
            "JWT_SECRET" => Some("short".to_owned()),
            _ => None,
        };
        assert!(cli(&["--jwt"]).config(env).is_err());
        let c = cli(&["--demo", "--jwt"]).config(|_| None).unwrap();
        assert!(matches!(c.tokens, TokenMode::Jwt(ref s) if s.len() == 32));
        assert_eq!(c.token_ttl_secs, DEFAULT_JWT_TTL_SECS);
        assert_eq!(
            cli(&["--demo", "--login-rate-per-minute", "0"])
                .config(|_| None)
                .unwrap()
                .login_rate,
            None
        );
    }
}
