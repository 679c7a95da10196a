//! The server's own WeChat credential: the `access_token` of auth.getStableAccessToken
//! (`POST {base}/cgi-bin/stable_token`), needed by APIs such as getuserphonenumber.
//!
//! - Cached in memory and in the [`Store`] (so a fleet sharing Redis shares one token).
//! - Renewed `margin_secs` seconds before its `expires_in` runs out (a token fetched
//!   with less than the margin left is used for half of what it has left).
//! - Single-flight: concurrent callers with a cold cache wait on one tokio mutex, and
//!   only the first fetches; the others find the fresh token. Across processes sharing
//!   a store, a fetch lock in the store ([`Store::lock_token_fetch`], 15 s) lets one
//!   process fetch while the others poll the store for its token (every 100 ms, up to
//!   the lock's life, then they fetch themselves).
//! - [`AccessTokens::invalidate`] forgets a token WeChat rejected (40001 / 42001); the
//!   next [`AccessTokens::get`] fetches a new one. stable_token with
//!   `force_refresh: false` answers the token WeChat currently holds valid, so processes
//!   that fetch at the same time get the same token (no invalidation race).

use std::sync::{Arc, Mutex};

use crate::error::ApiError;
use crate::store::{CachedToken, Store};
use crate::support::Clock;
use crate::wechat;

/// Default renewal margin: renew this many seconds before expiry (5 minutes).
pub const DEFAULT_MARGIN_SECS: i64 = 300;
/// How long the fleet-wide fetch lock lives, seconds (longer than a WeChat call's 10 s timeout).
const FETCH_LOCK_SECS: i64 = 15;
/// How often a process waiting on another's fetch looks at the store.
const POLL: std::time::Duration = std::time::Duration::from_millis(100);

/// The access_token cache (see the module docs).
pub struct AccessTokens {
    agent: ureq::Agent,
    base: String,
    appid: String,
    secret: String,
    store: Arc<dyn Store>,
    clock: Clock,
    margin_secs: i64,
    /// The token and when to stop using it (Unix seconds).
    memory: Mutex<Option<(CachedToken, i64)>>,
    flight: tokio::sync::Mutex<()>,
}

impl AccessTokens {
    /// A cache fetching from `base` with these credentials, renewing `margin_secs`
    /// (seconds) before expiry.
    pub fn new(
        agent: ureq::Agent,
        base: String,
        appid: String,
        secret: String,
        store: Arc<dyn Store>,
        clock: Clock,
        margin_secs: i64,
    ) -> AccessTokens {
        AccessTokens {
            agent,
            base,
            appid,
            secret,
            store,
            clock,
            margin_secs,
            memory: Mutex::new(None),
            flight: tokio::sync::Mutex::new(()),
        }
    }

    fn fresh(&self, t: &CachedToken, now: i64) -> bool {
        t.expires_at - self.margin_secs > now
    }

    fn cached_fresh(&self, now: i64) -> Option<String> {
        let m = self.memory.lock().ok()?;
        m.as_ref()
            .filter(|(_, refresh_at)| *refresh_at > now)
            .map(|(t, _)| t.token.clone())
    }

    fn remember(&self, t: Option<(CachedToken, i64)>) {
        if let Ok(mut m) = self.memory.lock() {
            *m = t;
        }
    }

    /// A fresh access_token: from memory, else the store, else one stable_token call.
    ///
    /// # Errors
    /// The store failed, or stable_token failed ([`ApiError::WeChat`] with its errcode,
    /// e.g. 40013 / 40125 / 45009, or unreachable / bad response).
    pub async fn get(&self) -> Result<String, ApiError> {
        if let Some(t) = self.cached_fresh((self.clock)()) {
            return Ok(t);
        }
        let _flight = self.flight.lock().await;
        let now = (self.clock)();
        if let Some(t) = self.cached_fresh(now) {
            return Ok(t);
        }
        if let Some(t) = self.stored_fresh(now).await? {
            return Ok(t);
        }
        let owner = crate::support::random_hex(8);
        let mut locked = self
            .store
            .lock_token_fetch(&owner, now, FETCH_LOCK_SECS)
            .await?;
        let polls = FETCH_LOCK_SECS * 1000 / i64::try_from(POLL.as_millis()).unwrap_or(100);
        for _ in 0..polls {
            if locked {
                break;
            }
            tokio::time::sleep(POLL).await;
            let now = (self.clock)();
            if let Some(t) = self.stored_fresh(now).await? {
                return Ok(t);
            }
            locked = self
                .store
                .lock_token_fetch(&owner, now, FETCH_LOCK_SECS)
                .await?;
        }
        let fetched = self.fetch().await;
        if locked {
            self.store.unlock_token_fetch(&owner).await?;
        }
        fetched
    }

    /// The store's token if fresh (remembered in memory too).
    async fn stored_fresh(&self, now: i64) -> Result<Option<String>, ApiError> {
        match self.store.access_token(now).await? {
            Some(t) if self.fresh(&t, now) => {
                let token = t.token.clone();
                let refresh_at = t.expires_at - self.margin_secs;
                self.remember(Some((t, refresh_at)));
                Ok(Some(token))
            }
            _ => Ok(None),
        }
    }

    /// One stable_token call; the answer goes to the store and memory.
    async fn fetch(&self) -> Result<String, ApiError> {
        let (agent, base, appid, secret) = (
            self.agent.clone(),
            self.base.clone(),
            self.appid.clone(),
            self.secret.clone(),
        );
        let (token, expires_in) = tokio::task::spawn_blocking(move || {
            wechat::stable_token(&agent, &base, &appid, &secret)
        })
        .await
        .map_err(|e| ApiError::internal("stable_token task", e))??;
        let fetched_at = (self.clock)();
        let cached = CachedToken {
            token: token.clone(),
            expires_at: fetched_at + expires_in,
        };
        self.store.put_access_token(&cached, fetched_at).await?;
        // WeChat may answer the token it still holds, with less than the margin left:
        // use that one for half its remaining life rather than asking again every call.
        let refresh_at = fetched_at + (expires_in - self.margin_secs).max(expires_in / 2);
        self.remember(Some((cached, refresh_at)));
        eprintln!("access_token: fetched a new one (expires in {expires_in} s)");
        Ok(token)
    }

    /// Forgets `token` (memory and store) if it is still the cached one.
    ///
    /// # Errors
    /// The store failed.
    pub async fn invalidate(&self, token: &str) -> Result<(), ApiError> {
        let _flight = self.flight.lock().await;
        let current = self.memory.lock().ok().and_then(|m| m.clone());
        if current.is_some_and(|(t, _)| t.token == token) {
            self.remember(None);
        }
        self.store.drop_access_token(token).await?;
        Ok(())
    }
}
