//! The server's own WeChat credential: the `access_token` of auth.getStableAccessToken
//! (`POST {base}/cgi-bin/stable_token`), needed by APIs such as getuserphonenumber.
//!
//! - Cached in memory and in the [`Store`] (so a fleet sharing Redis shares one token).
//! - Renewed `margin_secs` seconds before its `expires_in` runs out (a token fetched
//!   with less than the margin left is used for half of what it has left). WeChat's
//!   normal mode renews the token itself in its last 5 minutes, so with the default
//!   margin (300 s) a renewal gets a new token.
//! - **Single-flight, failures included.** One fetch runs at a time per process, in its
//!   own task; every caller that needs a token meanwhile waits for that fetch's
//!   outcome, success **or failure**. A failure is remembered for
//!   [`FAILURE_CACHE_SECS`] seconds (a negative cache): callers in that window get it
//!   at once, without calling WeChat.
//! - **Bounded waits.** A caller waits at most the configured deadline
//!   (`Config::access_token_wait_ms`, default [`DEFAULT_WAIT_MS`]); then it gets
//!   [`ApiError::AccessTokenPending`] (503 `access_token_unavailable`, `Retry-After`)
//!   while the fetch goes on for the next callers.
//! - **Across processes** sharing a store, a fetch lock in the store
//!   ([`Store::lock_token_fetch`], 15 s, longer than a WeChat call's 10 s timeout) lets
//!   one process fetch while the others poll the store (every 100 ms) for its token
//!   **or its failure**, which the fetching process stores for [`FAILURE_CACHE_SECS`]
//!   ([`Store::put_token_failure`]): a fleet makes one stable_token call per failure
//!   window, not one per process or per caller.
//! - [`AccessTokens::invalidate`] forgets a token WeChat rejected (40001 / 40014 /
//!   42001); the next [`AccessTokens::get`] fetches one. stable_token with
//!   `force_refresh: false` answers the token WeChat currently holds valid, so processes
//!   that fetch at the same time get the same token (no invalidation race); this server
//!   never forces a refresh (that would invalidate the token every other process holds).

use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::sync::watch;

use crate::error::ApiError;
use crate::store::{CachedToken, Store, TokenFailure};
use crate::support::Clock;
use crate::wechat;

/// Default renewal margin: renew this many seconds before expiry (5 minutes).
pub const DEFAULT_MARGIN_SECS: i64 = 300;
/// Default longest wait of one caller for a running fetch, milliseconds (5 s).
pub const DEFAULT_WAIT_MS: u64 = 5_000;
/// How long a failed fetch is remembered and answered again without calling WeChat,
/// seconds (also the `Retry-After` of a caller whose wait ran out).
pub const FAILURE_CACHE_SECS: i64 = 5;
/// How long the fleet-wide fetch lock lives, seconds (longer than a WeChat call's 10 s timeout).
const FETCH_LOCK_SECS: i64 = 15;
/// How often a process waiting on another's fetch looks at the store.
const POLL: Duration = Duration::from_millis(100);

type Outcome = Option<Result<String, ApiError>>;

/// The access_token cache (see the module docs). Cheap to share behind an `Arc`.
pub struct AccessTokens {
    inner: Arc<Inner>,
    wait: Duration,
}

struct Inner {
    agent: ureq::Agent,
    base: String,
    appid: String,
    secret: String,
    store: Arc<dyn Store>,
    clock: Clock,
    margin_secs: i64,
    /// The token and when to stop using it (Unix seconds).
    memory: Mutex<Option<(CachedToken, i64)>>,
    /// The last fetch's failure and until when it is answered again (Unix seconds).
    failure: Mutex<Option<(ApiError, i64)>>,
    /// The running fetch's outcome channel; `None` when no fetch runs.
    flight: Mutex<Option<watch::Receiver<Outcome>>>,
}

/// A failure as the store keeps it for the other processes.
fn to_record(e: &ApiError, until: i64) -> TokenFailure {
    let (errcode, kind) = match e {
        ApiError::WeChat { errcode, .. } => (*errcode, "wechat"),
        ApiError::WeChatUnreachable(_) => (0, "unreachable"),
        ApiError::WeChatBadResponse(_) => (0, "bad_response"),
        _ => (0, "internal"),
    };
    TokenFailure {
        errcode,
        kind: kind.to_owned(),
        until,
    }
}

/// The error another process's stored failure stands for.
fn from_record(f: &TokenFailure) -> ApiError {
    let why = "another server process's stable_token call failed";
    match f.kind.as_str() {
        "wechat" => ApiError::WeChat {
            errcode: f.errcode,
            errmsg: format!("{why} with this errcode"),
        },
        "unreachable" => ApiError::WeChatUnreachable(why.to_owned()),
        "bad_response" => ApiError::WeChatBadResponse(why.to_owned()),
        _ => ApiError::Internal(why.to_owned()),
    }
}

impl AccessTokens {
    /// A cache fetching from `base` with these credentials, renewing `margin_secs`
    /// (seconds) before expiry; a caller waits at most `wait_ms` milliseconds for a
    /// running fetch.
    #[allow(clippy::too_many_arguments)]
    pub fn new(
        agent: ureq::Agent,
        base: String,
        appid: String,
        secret: String,
        store: Arc<dyn Store>,
        clock: Clock,
        margin_secs: i64,
        wait_ms: u64,
    ) -> AccessTokens {
        AccessTokens {
            inner: Arc::new(Inner {
                agent,
                base,
                appid,
                secret,
                store,
                clock,
                margin_secs,
                memory: Mutex::new(None),
                failure: Mutex::new(None),
                flight: Mutex::new(None),
            }),
            wait: Duration::from_millis(wait_ms),
        }
    }

    /// A fresh access_token: from memory, else the outcome of the (one) running fetch,
    /// which looks in the store, then at another process's fetch, then calls
    /// stable_token once.
    ///
    /// # Errors
    /// [`ApiError::AccessTokenPending`] when the fetch did not finish within the wait
    /// deadline; else the fetch's failure, shared by all its waiters and remembered
    /// for [`FAILURE_CACHE_SECS`]: the store failed, or stable_token failed
    /// ([`ApiError::WeChat`] with its errcode, e.g. 40013 / 40125 / 40164 / 45009, or
    /// unreachable / bad response).
    pub async fn get(&self) -> Result<String, ApiError> {
        let mut rx = {
            let mut flight = lock(&self.inner.flight);
            let now = (self.inner.clock)();
            if let Some(t) = self.inner.cached_fresh(now) {
                return Ok(t);
            }
            if let Some(e) = self.inner.recent_failure(now) {
                return Err(e);
            }
            match &*flight {
                Some(rx) => rx.clone(),
                None => {
                    let (tx, rx) = watch::channel(None);
                    *flight = Some(rx.clone());
                    let inner = self.inner.clone();
                    tokio::spawn(async move {
                        let outcome = inner.obtain().await;
                        if let Err(e) = &outcome {
                            let until = (inner.clock)() + FAILURE_CACHE_SECS;
                            *lock(&inner.failure) = Some((e.clone(), until));
                        }
                        *lock(&inner.flight) = None;
                        let _ = tx.send(Some(outcome));
                    });
                    rx
                }
            }
        };
        let waited = tokio::time::timeout(self.wait, async {
            match rx.wait_for(Option::is_some).await {
                Ok(v) => v.clone(),
                Err(_) => None,
            }
        })
        .await;
        match waited {
            Ok(Some(outcome)) => outcome,
            Ok(None) => {
                // The fetch task died (a panic): free the slot so the next caller
                // starts a new fetch instead of joining a dead one.
                let mut flight = lock(&self.inner.flight);
                if flight.as_ref().is_some_and(|f| f.same_channel(&rx)) {
                    *flight = None;
                }
                Err(ApiError::internal(
                    "access_token",
                    "the fetch task ended without an outcome",
                ))
            }
            Err(_) => {
                crate::log_line!(
                    "access_token: a caller gave up after {} ms; the fetch goes on",
                    self.wait.as_millis()
                );
                Err(ApiError::AccessTokenPending(
                    FAILURE_CACHE_SECS.unsigned_abs(),
                ))
            }
        }
    }

    /// Forgets `token` (memory and store) if it is still the cached one.
    ///
    /// # Errors
    /// The store failed.
    pub async fn invalidate(&self, token: &str) -> Result<(), ApiError> {
        {
            let mut m = lock(&self.inner.memory);
            if m.as_ref().is_some_and(|(t, _)| t.token == token) {
                *m = None;
            }
        }
        self.inner.store.drop_access_token(token).await?;
        Ok(())
    }
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}

impl Inner {
    fn fresh(&self, t: &CachedToken, now: i64) -> bool {
        t.expires_at - self.margin_secs > now
    }

    fn cached_fresh(&self, now: i64) -> Option<String> {
        lock(&self.memory)
            .as_ref()
            .filter(|(_, refresh_at)| *refresh_at > now)
            .map(|(t, _)| t.token.clone())
    }

    fn recent_failure(&self, now: i64) -> Option<ApiError> {
        lock(&self.failure)
            .as_ref()
            .filter(|(_, until)| *until > now)
            .map(|(e, _)| e.clone())
    }

    /// The store's token if fresh (remembered in memory too), else a failure another
    /// process stored and that is still recent.
    async fn stored_outcome(&self, now: i64) -> Result<Option<Result<String, ApiError>>, ApiError> {
        if let Some(t) = self.store.access_token(now).await? {
            if self.fresh(&t, now) {
                let token = t.token.clone();
                let refresh_at = t.expires_at - self.margin_secs;
                *lock(&self.memory) = Some((t, refresh_at));
                return Ok(Some(Ok(token)));
            }
        }
        Ok(self
            .store
            .token_failure(now)
            .await?
            .map(|f| Err(from_record(&f))))
    }

    /// The one fetch of this process: the store, another process's fetch, or WeChat.
    async fn obtain(&self) -> Result<String, ApiError> {
        let now = (self.clock)();
        if let Some(found) = self.stored_outcome(now).await? {
            return found;
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
            if let Some(found) = self.stored_outcome(now).await? {
                return found;
            }
            locked = self
                .store
                .lock_token_fetch(&owner, now, FETCH_LOCK_SECS)
                .await?;
        }
        // Another process may have finished (token or failure) just before the lock
        // became ours: look once more before calling WeChat.
        let outcome = match self.stored_outcome((self.clock)()).await {
            Ok(Some(found)) => found,
            Ok(None) => self.fetch().await,
            Err(e) => Err(e),
        };
        if let Err(e) = &outcome {
            let now = (self.clock)();
            let record = to_record(e, now + FAILURE_CACHE_SECS);
            if let Err(se) = self.store.put_token_failure(&record, now).await {
                crate::log_line!("access_token: cannot share the failure: {se}");
            }
        }
        if locked {
            self.store.unlock_token_fetch(&owner).await?;
        }
        outcome
    }

    /// One stable_token call; the answer goes to the store and memory.
    async fn fetch(&self) -> Result<String, ApiError> {
        let (agent, base, appid, secret) = (
            self.agent.clone(),
            self.base.clone(),
            self.appid.clone(),
            self.secret.clone(),
        );
        let answer = tokio::task::spawn_blocking(move || {
            wechat::stable_token(&agent, &base, &appid, &secret)
        })
        .await
        .map_err(|e| ApiError::internal("stable_token task", e))?;
        let (token, expires_in) = match answer {
            Ok(t) => t,
            Err(e) => {
                crate::log_line!("access_token: stable_token failed: {e}");
                if matches!(e, wechat::WeChatError::WeChat { errcode: 40164, .. }) {
                    crate::log_line!(
                        "access_token: add this server's outbound IP address to the app's IP \
                         whitelist (mp.weixin.qq.com → 开发管理 → 开发设置 → IP白名单)"
                    );
                }
                return Err(e.into());
            }
        };
        let fetched_at = (self.clock)();
        let cached = CachedToken {
            token: token.clone(),
            expires_at: fetched_at + expires_in,
        };
        self.store.put_access_token(&cached, fetched_at).await?;
        // A token answered with less than the margin left: use it for half its
        // remaining life rather than asking again on every call.
        let refresh_at = fetched_at + (expires_in - self.margin_secs).max(expires_in / 2);
        *lock(&self.memory) = Some((cached, refresh_at));
        crate::log_line!("access_token: fetched a new one (expires in {expires_in} s)");
        Ok(token)
    }
}
