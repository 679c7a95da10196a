//! SQLite storage of users and login sessions (the developer server's own
//! "3rd_session" login state; see WECHAT-API.md, auth.code2Session).
//!
//! Tables:
//! - `users(id, openid UNIQUE, unionid NULL, created_at, last_login_at, login_count)`
//! - `sessions(token PRIMARY KEY, user_id, openid, session_key, created_at, expires_at)`
//!
//! All times are Unix **seconds**. `openid` and `session_key` are stored here and never
//! leave the server.

use std::path::Path;
use std::sync::Mutex;

use rusqlite::{params, Connection, OptionalExtension};
use serde::Serialize;

/// What `GET /api/profile` answers for a valid session (camelCase JSON).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Profile {
    /// The user's row id (stable across logins of the same openid).
    pub user_id: i64,
    /// How many successful logins this user has made.
    pub login_count: i64,
    /// When the user first logged in, Unix seconds.
    pub created_at: i64,
    /// When this session's token stops being accepted, Unix seconds.
    pub session_expires_at: i64,
}

/// One successful code2Session result to record.
#[derive(Debug, Clone)]
pub struct NewLogin<'a> {
    /// The user's openid (from code2Session).
    pub openid: &'a str,
    /// The unionid, when code2Session gave one.
    pub unionid: Option<&'a str>,
    /// The WeChat session_key: stored server-side only.
    pub session_key: &'a str,
    /// The new token (64 hex characters).
    pub token: &'a str,
    /// Current Unix time, seconds.
    pub now: i64,
    /// Token lifetime, seconds.
    pub ttl_secs: i64,
}

/// The database: one SQLite connection behind a mutex (every statement is short).
pub struct Db {
    conn: Mutex<Connection>,
}

const SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS users (
    id            INTEGER PRIMARY KEY AUTOINCREMENT,
    openid        TEXT NOT NULL UNIQUE,
    unionid       TEXT NULL,
    created_at    INTEGER NOT NULL,
    last_login_at INTEGER NOT NULL,
    login_count   INTEGER NOT NULL DEFAULT 0
);
CREATE TABLE IF NOT EXISTS sessions (
    token       TEXT PRIMARY KEY,
    user_id     INTEGER NOT NULL REFERENCES users(id),
    openid      TEXT NOT NULL,
    session_key TEXT NOT NULL,
    created_at  INTEGER NOT NULL,
    expires_at  INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS sessions_user ON sessions(user_id);
";

impl Db {
    /// Opens (creating if needed) the SQLite file at `path` and its tables.
    ///
    /// # Errors
    /// Any SQLite error opening the file or creating the schema.
    pub fn open(path: &Path) -> rusqlite::Result<Db> {
        let conn = Connection::open(path)?;
        conn.busy_timeout(std::time::Duration::from_secs(5))?;
        conn.execute_batch(SCHEMA)?;
        Ok(Db {
            conn: Mutex::new(conn),
        })
    }

    /// Upserts the user by openid (bumping `login_count` and `last_login_at`) and
    /// stores a new session expiring at `now + ttl_secs`. Returns the user's id.
    ///
    /// # Errors
    /// Any SQLite error; nothing is half-written (one transaction).
    pub fn record_login(&self, login: &NewLogin<'_>) -> rusqlite::Result<i64> {
        let mut conn = self.conn.lock().expect("db mutex poisoned");
        let tx = conn.transaction()?;
        let user_id: i64 = tx.query_row(
            "INSERT INTO users (openid, unionid, created_at, last_login_at, login_count)
             VALUES (?1, ?2, ?3, ?3, 1)
             ON CONFLICT(openid) DO UPDATE SET
                 last_login_at = excluded.last_login_at,
                 login_count = users.login_count + 1,
                 unionid = COALESCE(excluded.unionid, users.unionid)
             RETURNING id",
            params![login.openid, login.unionid, login.now],
            |row| row.get(0),
        )?;
        tx.execute(
            "INSERT INTO sessions (token, user_id, openid, session_key, created_at, expires_at)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
            params![
                login.token,
                user_id,
                login.openid,
                login.session_key,
                login.now,
                login.now.saturating_add(login.ttl_secs)
            ],
        )?;
        tx.commit()?;
        Ok(user_id)
    }

    /// The profile behind `token` if that session exists and `expires_at > now`.
    ///
    /// # Errors
    /// Any SQLite error. An unknown or expired token is `Ok(None)`.
    pub fn profile_for_token(&self, token: &str, now: i64) -> rusqlite::Result<Option<Profile>> {
        let conn = self.conn.lock().expect("db mutex poisoned");
        conn.query_row(
            "SELECT u.id, u.login_count, u.created_at, s.expires_at
             FROM sessions s JOIN users u ON u.id = s.user_id
             WHERE s.token = ?1 AND s.expires_at > ?2",
            params![token, now],
            |row| {
                Ok(Profile {
                    user_id: row.get(0)?,
                    login_count: row.get(1)?,
                    created_at: row.get(2)?,
                    session_expires_at: row.get(3)?,
                })
            },
        )
        .optional()
    }

    /// Marks every still-valid session expired (`expires_at = now - 1`); returns how
    /// many changed.
    ///
    /// # Errors
    /// Any SQLite error.
    pub fn expire_all(&self, now: i64) -> rusqlite::Result<usize> {
        let conn = self.conn.lock().expect("db mutex poisoned");
        conn.execute(
            "UPDATE sessions SET expires_at = ?1 WHERE expires_at > ?2",
            params![now - 1, now],
        )
    }
}
