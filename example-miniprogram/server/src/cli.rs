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
    /// Your reverse proxies' addresses or networks (e.g. 127.0.0.1, 10.0.0.0/8, ::1):
    /// from these peers, logins count against the client address in X-Forwarded-For
    /// (walked from the right past your proxies). Repeat the flag or separate with commas.
    #[arg(long = "trusted-proxy", value_name = "CIDR", value_delimiter = ',', value_parser = parse_proxy, conflicts_with = "trust_x_forwarded_for")]
    pub trusted_proxies: Vec<ipnet::IpNet>,
    /// Older, coarser form of --trusted-proxy: trust the last X-Forwarded-For entry
    /// from ANY peer (only when nothing but your proxy can reach the server).
    #[arg(long)]
    pub trust_x_forwarded_for: bool,
    /// Renew the WeChat access_token this many seconds before it expires.
    #[arg(long, default_value_t = crate::access_token::DEFAULT_MARGIN_SECS, value_parser = clap::value_parser!(i64).range(0..3600))]
    pub access_token_margin_secs: i64,
    /// Longest wait of a /user/phone call for the access_token fetch, milliseconds;
    /// then 503 access_token_unavailable with Retry-After.
    #[arg(long, default_value_t = crate::access_token::DEFAULT_WAIT_MS, value_parser = clap::value_parser!(u64).range(1..60_000))]
    pub access_token_wait_ms: u64,
}

/// One `--trusted-proxy` value: a CIDR (`10.0.0.0/8`) or one address (`127.0.0.1`).
fn parse_proxy(s: &str) -> Result<ipnet::IpNet, String> {
    let s = s.trim();
    s.parse::<ipnet::IpNet>()
        .or_else(|_| s.parse::<std::net::IpAddr>().map(ipnet::IpNet::from))
        .map(|n| n.trunc())
        .map_err(|_| {
            format!("{s:?} is not an IP address or CIDR (e.g. 127.0.0.1, 10.0.0.0/8, ::1)")
        })
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
    /// without appid or secret, or with a blank or malformed one
    /// ([`Credentials::validate`]), `--jwt` without a secret of at least 32 bytes.
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
        // A blank value (empty or whitespace only) counts as unset: it is refused below
        // in production mode, with the variable's name.
        let pick = |var: &str, from_file: &Option<String>| {
            env(var)
                .filter(|v| !v.trim().is_empty())
                .or_else(|| from_file.clone().filter(|v| !v.trim().is_empty()))
        };
        let mode = if self.demo {
            Mode::Demo
        } else {
            match (
                pick("WECHAT_APPID", &file.appid),
                pick("WECHAT_SECRET", &file.secret),
            ) {
                (Some(appid), Some(secret)) => {
                    let c = Credentials { appid, secret };
                    c.validate()?;
                    Mode::Production(c)
                }
                _ => {
                    return Err(
                        "production mode needs the app's credentials: set WECHAT_APPID and \
                         WECHAT_SECRET (not blank; or \"appid\"/\"secret\" in a --config file), \
                         or run with --demo for the embedded fake WeChat"
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
            trusted_proxies: self.trusted_proxies.clone(),
            access_token_margin_secs: self.access_token_margin_secs,
            access_token_wait_ms: self.access_token_wait_ms,
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
            "WECHAT_APPID" => Some("wx0123456789abcdef".to_owned()),
            "WECHAT_SECRET" => Some("s".to_owned()),
            _ => None,
        };
        let c = cli(&[]).config(env).unwrap();
        assert_eq!(
            c.mode,
            Mode::Production(Credentials {
                appid: "wx0123456789abcdef".into(),
                secret: "s".into()
            })
        );
        assert!(format!("{:?}", c.mode).contains("<redacted>"));

        let dir = tempfile::tempdir().unwrap();
        let f = dir.path().join("c.json");
        std::fs::write(&f, r#"{"appid":"wxfedcba9876543210","secret":"fs"}"#).unwrap();
        let c = cli(&["--config", f.to_str().unwrap()])
            .config(none)
            .unwrap();
        assert_eq!(
            c.mode,
            Mode::Production(Credentials {
                appid: "wxfedcba9876543210".into(),
                secret: "fs".into()
            })
        );
        std::fs::write(&f, r#"{"appid":"wxfedcba9876543210","secrte":"typo"}"#).unwrap();
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
            "WECHAT_APPID" => Some("wx0123456789abcdef".to_owned()),
            "WECHAT_SECRET" => Some("x".to_owned()),
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

    #[test]
    fn blank_or_malformed_credentials_are_refused_by_name() {
        let with = |appid: &'static str, secret: &'static str| {
            move |k: &str| match k {
                "WECHAT_APPID" => Some(appid.to_owned()),
                "WECHAT_SECRET" => Some(secret.to_owned()),
                _ => None,
            }
        };
        for (appid, secret, names) in [
            (" ", " ", "WECHAT_APPID"),
            ("wx0123456789abcdef", " \t", "WECHAT_SECRET"),
            (" ", "s", "WECHAT_APPID"),
            ("wxA", "s", "WECHAT_APPID"),
            ("wx0123456789ABCDEF", "s", "wx followed by 16"),
            ("wx0123456789abcdeg", "s", "wx followed by 16"),
            ("0123456789abcdefwx", "s", "wx followed by 16"),
            ("wx0123456789abcdef", "sec ret", "WECHAT_SECRET"),
            ("wx0123456789abcdef", "secret\n", "WECHAT_SECRET"),
        ] {
            let err = cli(&[]).config(with(appid, secret)).err();
            let err = err.unwrap_or_else(|| panic!("{appid:?}/{secret:?} accepted"));
            assert!(err.contains(names), "{appid:?}/{secret:?}: {err}");
            assert!(
                !err.contains("sec ret"),
                "the secret is never echoed: {err}"
            );
        }
        assert!(cli(&[]).config(with("wx4f4bc4dec97d474b", "s")).is_ok());
    }

    #[test]
    fn trusted_proxies_parse_cidrs_and_addresses() {
        let c = cli(&[
            "--demo",
            "--trusted-proxy",
            "127.0.0.1,10.1.2.3/8",
            "--trusted-proxy",
            "::1",
        ])
        .config(|_| None)
        .unwrap();
        let shown: Vec<String> = c.trusted_proxies.iter().map(ToString::to_string).collect();
        assert_eq!(shown, ["127.0.0.1/32", "10.0.0.0/8", "::1/128"]);
        let err = Cli::try_parse_from(["server", "--trusted-proxy", "proxy.local"]).unwrap_err();
        assert!(
            err.to_string().contains("not an IP address or CIDR"),
            "{err}"
        );
        assert!(Cli::try_parse_from([
            "server",
            "--trusted-proxy",
            "127.0.0.1",
            "--trust-x-forwarded-for"
        ])
        .is_err());
        assert!(
            cli(&["--demo", "--trust-x-forwarded-for"])
                .config(|_| None)
                .unwrap()
                .trust_forwarded_for
        );
    }
}
