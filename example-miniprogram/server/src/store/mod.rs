//! Where the server keeps its login state: users, sessions, the JWT revocation list and
//! the cached WeChat access_token. [`Store`] is the trait; [`sqlite::SqliteStore`] (one
//! file, the default and what `make demo` uses) and [`redis::RedisStore`] (shared by a
//! fleet of server processes) implement it.
//!
//! Sessions are keyed by a **hash**: `sha256(token)` hex for opaque tokens,
//! `sha256(jti)` hex in JWT mode. A token itself is never stored. `openid` and
//! `session_key` are stored here and never leave the server. All times are Unix
//! **seconds** from the server's clock (passed in, so tests can move time).

pub mod redis;
pub mod sqlite;

use async_trait::async_trait;

/// A store failure (SQLite, Redis, or a background task); details are for the log.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum StoreError {
    /// SQLite failed.
    #[error("sqlite: {0}")]
    Sqlite(#[from] rusqlite::Error),
    /// Redis failed.
    #[error("redis: {0}")]
    Redis(#[from] ::redis::RedisError),
    /// The store cannot be reached at start (the message names it, without secrets).
    #[error("{0}")]
    Unreachable(String),
    /// A stored value was not what the server writes (e.g. a non-numeric id).
    #[error("corrupt record: {0}")]
    Corrupt(String),
    /// The SQLite file could not be created.
    #[error("file: {0}")]
    File(#[from] std::io::Error),
    /// The blocking task running a SQLite call died.
    #[error("task: {0}")]
    Task(String),
}

/// One successful code2Session result to record as a new session.
#[derive(Debug, Clone)]
pub struct NewLogin {
    /// The user's openid (from code2Session).
    pub openid: String,
    /// The unionid, when code2Session gave one.
    pub unionid: Option<String>,
    /// The WeChat session_key: stored server-side only.
    pub session_key: String,
    /// The session's key: `sha256(token)` or `sha256(jti)`, 64 hex characters.
    pub key_hash: String,
    /// Current Unix time, seconds.
    pub now: i64,
    /// When the session stops being accepted, Unix seconds.
    pub expires_at: i64,
}

/// A live session with its user's counters.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SessionRecord {
    /// The user's id (stable across logins of the same openid).
    pub user_id: i64,
    /// How many successful logins this user has made.
    pub login_count: i64,
    /// When the user first logged in, Unix seconds.
    pub created_at: i64,
    /// When this session stops being accepted, Unix seconds.
    pub expires_at: i64,
    /// The WeChat session_key of this login (base64 of 16 bytes).
    pub session_key: String,
    /// The user's openid (server-side only: checks decrypted open data).
    pub openid: String,
}

/// A cached WeChat access_token.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CachedToken {
    /// The access_token text.
    pub token: String,
    /// When WeChat stops accepting it, Unix seconds (fetch time + `expires_in`).
    pub expires_at: i64,
}

/// A failed access_token fetch, shared with the other processes of a fleet for a
/// few seconds (see [`crate::access_token`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TokenFailure {
    /// WeChat's errcode for a `kind` of `"wechat"`, else 0.
    pub errcode: i64,
    /// `"wechat"`, `"unreachable"`, `"bad_response"` or `"internal"`.
    pub kind: String,
    /// Until when it is answered again instead of calling WeChat, Unix seconds.
    pub until: i64,
}

/// The login-state store. Every method is one short atomic operation.
#[async_trait]
pub trait Store: Send + Sync {
    /// Upserts the user by openid (bumping `login_count`, `last_login_at`, keeping the
    /// first `created_at`) and stores the new session. Returns the user's id.
    async fn record_login(&self, login: &NewLogin) -> Result<i64, StoreError>;

    /// The session keyed `key_hash` if it exists, was not revoked and `expires_at > now`.
    async fn session(&self, key_hash: &str, now: i64) -> Result<Option<SessionRecord>, StoreError>;

    /// Revokes (deletes) the session keyed `key_hash`; whether one existed.
    async fn revoke_session(&self, key_hash: &str) -> Result<bool, StoreError>;

    /// Puts a JWT id on the revocation list until `until` (the token's `exp`, Unix seconds).
    async fn revoke_jti(&self, jti: &str, now: i64, until: i64) -> Result<(), StoreError>;

    /// Whether `jti` is on the revocation list at `now`.
    async fn is_jti_revoked(&self, jti: &str, now: i64) -> Result<bool, StoreError>;

    /// Dev only: makes every live session expired; answers how many.
    async fn expire_all(&self, now: i64) -> Result<u64, StoreError>;

    /// The shared cached access_token, if one is stored and `expires_at > now`.
    async fn access_token(&self, now: i64) -> Result<Option<CachedToken>, StoreError>;

    /// Stores `token` as the shared access_token (replacing any other) and forgets a
    /// stored fetch failure.
    async fn put_access_token(&self, token: &CachedToken, now: i64) -> Result<(), StoreError>;

    /// Forgets the shared access_token if it is still `token` (WeChat rejected it).
    async fn drop_access_token(&self, token: &str) -> Result<(), StoreError>;

    /// Tries to take the fleet-wide "fetching the access_token" lock for `ttl_secs`
    /// seconds as `owner` (a random id); whether it was taken. A lock older than its
    /// ttl is taken over.
    async fn lock_token_fetch(
        &self,
        owner: &str,
        now: i64,
        ttl_secs: i64,
    ) -> Result<bool, StoreError>;

    /// Releases the fetch lock if `owner` still holds it.
    async fn unlock_token_fetch(&self, owner: &str) -> Result<(), StoreError>;

    /// Shares a failed access_token fetch until `failure.until` (Unix seconds).
    async fn put_token_failure(&self, failure: &TokenFailure, now: i64) -> Result<(), StoreError>;

    /// The shared fetch failure, if one is stored and `until > now`.
    async fn token_failure(&self, now: i64) -> Result<Option<TokenFailure>, StoreError>;

    /// Whether the store answers (a trivial query): for `GET /healthz`.
    async fn ping(&self) -> Result<(), StoreError>;

    /// `"sqlite"` or `"redis"` (reported by `GET /healthz`).
    fn kind(&self) -> &'static str;
}
