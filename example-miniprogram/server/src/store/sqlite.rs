//! The SQLite [`Store`]: one file, one connection behind a mutex, each call on a
//! blocking thread. Several processes may share the file (5 s busy timeout).
//!
//! Tables (times in Unix seconds):
//! - `users(id, openid UNIQUE, unionid NULL, created_at, last_login_at, login_count)`
//! - `login_sessions(key_hash PRIMARY KEY, user_id, session_key, created_at, expires_at)`
//! - `revoked_jti(jti PRIMARY KEY, until)`
//! - `access_token(id = 1, token, expires_at)`
//! - `token_fetch_lock(id = 1, owner, until)`
//! - `token_fetch_failure(id = 1, errcode, kind, until)`
//!
//! A new file is created with mode 0600 (owner only: it holds session_keys and openids).
//!
//! An older file's `sessions` table (which held tokens in clear) is dropped on open.

use std::path::Path;
use std::sync::{Arc, Mutex};

use async_trait::async_trait;
use rusqlite::{params, Connection, OptionalExtension};

use super::{CachedToken, NewLogin, SessionRecord, Store, StoreError, TokenFailure};

/// A [`Store`] in one SQLite file.
pub struct SqliteStore {
    conn: Arc<Mutex<Connection>>,
}

const SCHEMA: &str = "
DROP TABLE IF EXISTS sessions;
CREATE TABLE IF NOT EXISTS users (
    id            INTEGER PRIMARY KEY AUTOINCREMENT,
    openid        TEXT NOT NULL UNIQUE,
    unionid       TEXT NULL,
    created_at    INTEGER NOT NULL,
    last_login_at INTEGER NOT NULL,
    login_count   INTEGER NOT NULL DEFAULT 0
);
CREATE TABLE IF NOT EXISTS login_sessions (
    key_hash    TEXT PRIMARY KEY,
    user_id     INTEGER NOT NULL REFERENCES users(id),
    session_key TEXT NOT NULL,
    created_at  INTEGER NOT NULL,
    expires_at  INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS login_sessions_user ON login_sessions(user_id);
CREATE TABLE IF NOT EXISTS revoked_jti (
    jti   TEXT PRIMARY KEY,
    until INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS token_fetch_lock (
    id    INTEGER PRIMARY KEY CHECK (id = 1),
    owner TEXT NOT NULL,
    until INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS token_fetch_failure (
    id      INTEGER PRIMARY KEY CHECK (id = 1),
    errcode INTEGER NOT NULL,
    kind    TEXT NOT NULL,
    until   INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS access_token (
    id         INTEGER PRIMARY KEY CHECK (id = 1),
    token      TEXT NOT NULL,
    expires_at INTEGER NOT NULL
);
";

impl SqliteStore {
    /// Opens (creating if needed, mode 0600 on Unix) the SQLite file at `path` and its
    /// tables. An existing file readable by others is used as it is, with a warning in
    /// the log.
    ///
    /// # Errors
    /// Any SQLite error opening the file or creating the schema; the file cannot be created.
    pub fn open(path: &Path) -> Result<SqliteStore, StoreError> {
        create_private(path)?;
        let conn = Connection::open(path)?;
        conn.busy_timeout(std::time::Duration::from_secs(5))?;
        conn.execute_batch(SCHEMA)?;
        Ok(SqliteStore {
            conn: Arc::new(Mutex::new(conn)),
        })
    }

    async fn with<T, F>(&self, f: F) -> Result<T, StoreError>
    where
        T: Send + 'static,
        F: FnOnce(&mut Connection) -> rusqlite::Result<T> + Send + 'static,
    {
        let conn = self.conn.clone();
        tokio::task::spawn_blocking(move || {
            let mut guard = conn
                .lock()
                .map_err(|_| StoreError::Task("sqlite mutex poisoned".into()))?;
            f(&mut guard).map_err(StoreError::from)
        })
        .await
        .map_err(|e| StoreError::Task(e.to_string()))?
    }
}

/// Creates `path` with mode 0600 if it does not exist (SQLite gives its journal and
/// WAL files the database file's mode); warns about an existing group/world-readable one.
#[cfg(unix)]
fn create_private(path: &Path) -> std::io::Result<()> {
    use std::os::unix::fs::{OpenOptionsExt as _, PermissionsExt as _};
    match std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(path)
    {
        Ok(_) => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {
            let mode = std::fs::metadata(path)?.permissions().mode();
            if mode & 0o077 != 0 {
                crate::log_line!(
                    "warning: {} is readable by other users (mode {:o}); it holds session_keys: chmod 600 it",
                    path.display(),
                    mode & 0o777
                );
            }
            Ok(())
        }
        Err(e) => Err(e),
    }
}

#[cfg(not(unix))]
fn create_private(_path: &Path) -> std::io::Result<()> {
    Ok(())
}

#[async_trait]
impl Store for SqliteStore {
    async fn record_login(&self, login: &NewLogin) -> Result<i64, StoreError> {
        let l = login.clone();
        self.with(move |conn| {
            let tx = conn.transaction()?;
            let user_id: i64 = tx.query_row(
                "INSERT INTO users (openid, unionid, created_at, last_login_at, login_count)
                 VALUES (?1, ?2, ?3, ?3, 1)
                 ON CONFLICT(openid) DO UPDATE SET
                     last_login_at = excluded.last_login_at,
                     login_count = users.login_count + 1,
                     unionid = COALESCE(excluded.unionid, users.unionid)
                 RETURNING id",
                params![l.openid, l.unionid, l.now],
                |row| row.get(0),
            )?;
            tx.execute(
                "INSERT INTO login_sessions (key_hash, user_id, session_key, created_at, expires_at)
                 VALUES (?1, ?2, ?3, ?4, ?5)",
                params![l.key_hash, user_id, l.session_key, l.now, l.expires_at],
            )?;
            tx.commit()?;
            Ok(user_id)
        })
        .await
    }

    async fn session(&self, key_hash: &str, now: i64) -> Result<Option<SessionRecord>, StoreError> {
        let key = key_hash.to_owned();
        self.with(move |conn| {
            conn.query_row(
                "SELECT u.id, u.login_count, u.created_at, s.expires_at, s.session_key, u.openid
                 FROM login_sessions s JOIN users u ON u.id = s.user_id
                 WHERE s.key_hash = ?1 AND s.expires_at > ?2",
                params![key, now],
                |row| {
                    Ok(SessionRecord {
                        user_id: row.get(0)?,
                        login_count: row.get(1)?,
                        created_at: row.get(2)?,
                        expires_at: row.get(3)?,
                        session_key: row.get(4)?,
                        openid: row.get(5)?,
                    })
                },
            )
            .optional()
        })
        .await
    }

    async fn revoke_session(&self, key_hash: &str) -> Result<bool, StoreError> {
        let key = key_hash.to_owned();
        self.with(move |conn| {
            conn.execute(
                "DELETE FROM login_sessions WHERE key_hash = ?1",
                params![key],
            )
            .map(|n| n > 0)
        })
        .await
    }

    async fn revoke_jti(&self, jti: &str, now: i64, until: i64) -> Result<(), StoreError> {
        let jti = jti.to_owned();
        self.with(move |conn| {
            conn.execute("DELETE FROM revoked_jti WHERE until <= ?1", params![now])?;
            conn.execute(
                "INSERT OR REPLACE INTO revoked_jti (jti, until) VALUES (?1, ?2)",
                params![jti, until],
            )
            .map(drop)
        })
        .await
    }

    async fn is_jti_revoked(&self, jti: &str, now: i64) -> Result<bool, StoreError> {
        let jti = jti.to_owned();
        self.with(move |conn| {
            conn.query_row(
                "SELECT 1 FROM revoked_jti WHERE jti = ?1 AND until > ?2",
                params![jti, now],
                |_| Ok(()),
            )
            .optional()
            .map(|r| r.is_some())
        })
        .await
    }

    async fn expire_all(&self, now: i64) -> Result<u64, StoreError> {
        self.with(move |conn| {
            conn.execute(
                "UPDATE login_sessions SET expires_at = ?1 WHERE expires_at > ?2",
                params![now - 1, now],
            )
            .map(|n| n as u64)
        })
        .await
    }

    async fn access_token(&self, now: i64) -> Result<Option<CachedToken>, StoreError> {
        self.with(move |conn| {
            conn.query_row(
                "SELECT token, expires_at FROM access_token WHERE id = 1 AND expires_at > ?1",
                params![now],
                |row| {
                    Ok(CachedToken {
                        token: row.get(0)?,
                        expires_at: row.get(1)?,
                    })
                },
            )
            .optional()
        })
        .await
    }

    async fn put_access_token(&self, token: &CachedToken, _now: i64) -> Result<(), StoreError> {
        let t = token.clone();
        self.with(move |conn| {
            conn.execute("DELETE FROM token_fetch_failure", [])?;
            conn.execute(
                "INSERT OR REPLACE INTO access_token (id, token, expires_at) VALUES (1, ?1, ?2)",
                params![t.token, t.expires_at],
            )
            .map(drop)
        })
        .await
    }

    async fn drop_access_token(&self, token: &str) -> Result<(), StoreError> {
        let token = token.to_owned();
        self.with(move |conn| {
            conn.execute("DELETE FROM access_token WHERE token = ?1", params![token])
                .map(drop)
        })
        .await
    }

    async fn lock_token_fetch(
        &self,
        owner: &str,
        now: i64,
        ttl_secs: i64,
    ) -> Result<bool, StoreError> {
        let owner = owner.to_owned();
        self.with(move |conn| {
            let tx = conn.transaction()?;
            tx.execute(
                "DELETE FROM token_fetch_lock WHERE until <= ?1",
                params![now],
            )?;
            let n = tx.execute(
                "INSERT OR IGNORE INTO token_fetch_lock (id, owner, until) VALUES (1, ?1, ?2)",
                params![owner, now + ttl_secs],
            )?;
            tx.commit()?;
            Ok(n == 1)
        })
        .await
    }

    async fn unlock_token_fetch(&self, owner: &str) -> Result<(), StoreError> {
        let owner = owner.to_owned();
        self.with(move |conn| {
            conn.execute(
                "DELETE FROM token_fetch_lock WHERE owner = ?1",
                params![owner],
            )
            .map(drop)
        })
        .await
    }

    async fn put_token_failure(&self, f: &TokenFailure, _now: i64) -> Result<(), StoreError> {
        let f = f.clone();
        self.with(move |conn| {
            conn.execute(
                "INSERT OR REPLACE INTO token_fetch_failure (id, errcode, kind, until) VALUES (1, ?1, ?2, ?3)",
                params![f.errcode, f.kind, f.until],
            )
            .map(drop)
        })
        .await
    }

    async fn token_failure(&self, now: i64) -> Result<Option<TokenFailure>, StoreError> {
        self.with(move |conn| {
            conn.query_row(
                "SELECT errcode, kind, until FROM token_fetch_failure WHERE id = 1 AND until > ?1",
                params![now],
                |row| {
                    Ok(TokenFailure {
                        errcode: row.get(0)?,
                        kind: row.get(1)?,
                        until: row.get(2)?,
                    })
                },
            )
            .optional()
        })
        .await
    }

    async fn ping(&self) -> Result<(), StoreError> {
        self.with(|conn| conn.query_row("SELECT 1", [], |_| Ok(())))
            .await
    }

    fn kind(&self) -> &'static str {
        "sqlite"
    }
}
