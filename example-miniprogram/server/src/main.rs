//! `weapp-login-example-server`: see the library docs and `--help`.
#![forbid(unsafe_code)]

use std::io::Write;
use std::process::ExitCode;

use clap::Parser;
use tokio::net::TcpListener;
use weapp_login_example_server::{cli::Cli, log_line, Mode, Server};

#[tokio::main]
async fn main() -> ExitCode {
    let cli = Cli::parse();
    let config = match cli.config(|k| std::env::var(k).ok()) {
        Ok(c) => c,
        Err(e) => {
            log_line!("cannot start: {e}");
            return ExitCode::FAILURE;
        }
    };
    let listener = match TcpListener::bind((cli.host.as_str(), cli.port)).await {
        Ok(l) => l,
        Err(e) => {
            log_line!("cannot listen on {}:{}: {e}", cli.host, cli.port);
            return ExitCode::FAILURE;
        }
    };
    let mode = match &config.mode {
        Mode::Demo => "demo (embedded fake WeChat, /dev/* on)".to_owned(),
        Mode::Production(c) => format!("production (appid {})", c.appid),
    };
    let store = if config.redis_url.is_some() {
        "Redis"
    } else {
        "SQLite"
    };
    let token_kind = if cli.jwt { "JWT" } else { "opaque" };
    let client_address = if !config.trusted_proxies.is_empty() {
        let nets: Vec<String> = config
            .trusted_proxies
            .iter()
            .map(ToString::to_string)
            .collect();
        format!("X-Forwarded-For from trusted proxies {}", nets.join(", "))
    } else if config.trust_forwarded_for {
        log_line!(
            "note: --trust-x-forwarded-for trusts X-Forwarded-For from ANY peer; \
             prefer --trusted-proxy CIDR (your proxies' addresses)"
        );
        "the last X-Forwarded-For entry (any peer)".to_owned()
    } else {
        "the TCP peer (no trusted proxy)".to_owned()
    };
    let server = match Server::new(config, listener).await {
        Ok(s) => s,
        Err(e) => {
            log_line!("cannot start: {e}");
            return ExitCode::FAILURE;
        }
    };
    let line = serde_json::json!({ "listening": server.base_url() }).to_string();
    {
        let mut out = std::io::stdout().lock();
        if writeln!(out, "{line}").and_then(|()| out.flush()).is_err() {
            log_line!("cannot write to stdout");
        }
    }
    log_line!(
        "weapp-login example server on {}: {mode}, WeChat at {}, {store} store, {token_kind} tokens, \
         login rate limit by {client_address}",
        server.base_url(),
        server.wechat_base(),
    );
    match server.run(shutdown_signal()).await {
        Ok(()) => {
            log_line!("stopped");
            ExitCode::SUCCESS
        }
        Err(e) => {
            log_line!("server error: {e}");
            ExitCode::FAILURE
        }
    }
}

/// Completes on SIGINT (Ctrl-C) or, on Unix, SIGTERM.
async fn shutdown_signal() {
    let ctrl_c = async {
        if tokio::signal::ctrl_c().await.is_err() {
            std::future::pending::<()>().await;
        }
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => log_line!("SIGINT: shutting down"),
        () = term => log_line!("SIGTERM: shutting down"),
    }
}
