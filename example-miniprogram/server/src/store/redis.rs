//! The Redis [`Store`], for a fleet of server processes sharing one login state.
//!
//! Keys (all under the prefix [`PREFIX`]; times in Unix seconds from the server clock):
//! - `user_seq`: the user id counter (`INCR`).
//! - `user:{openid}`: hash `{id, created_at, last_login_at, login_count, unionid?}`.
//! - `session:{key_hash}`: hash `{user, user_id, session_key, expires_at}`, with a Redis
//!   TTL of `expires_at - now` so dead sessions disappear by themselves.
//! - `revoked:{jti}`: `1`, TTL until the token's `exp`.
//! - `access_token`: hash `{token, expires_at}`, TTL until `expires_at`.
//! - `access_token_lock`: the fetching process's random id, `SET NX EX`.
//! - `access_token_failure`: hash `{errcode, kind, until}` of a failed fetch, TTL until `until`.
//!
//! Multi-key updates run as Lua scripts, so each call is atomic. The connection is a
//! `redis::aio::ConnectionManager` (reconnects by itself). Connecting at start is
//! bounded by [`CONNECT_TIMEOUT`]; every command by [`RESPONSE_TIMEOUT`], so a Redis
//! that dies while the server runs makes requests fail at once (500 `internal`) rather
//! than hang, and they succeed again once it is back.

use async_trait::async_trait;
use redis::aio::ConnectionManager;
use redis::{AsyncCommands as _, Script};

use super::{CachedToken, NewLogin, SessionRecord, Store, StoreError, TokenFailure};

/// Every key this store writes starts with this.
pub const PREFIX: &str = "weapp-login:";
/// The longest wait for Redis to accept a connection and answer PING at start.
pub const CONNECT_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(5);
/// The longest wait for the answer to one command (and for one reconnection attempt).
pub const RESPONSE_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(3);

/// `url` with its password (if any) replaced by `***`, for messages and logs; an
/// unparsable URL is answered as `<unparsable Redis URL>`.
pub fn redact_url(url: &str) -> String {
    match url::Url::parse(url) {
        Ok(mut u) => {
            if u.password().is_some() {
                let _ = u.set_password(Some("***"));
            }
            u.to_string()
        }
        Err(_) => "<unparsable Redis URL>".to_owned(),
    }
}

/// A [`Store`] in Redis.
pub struct RedisStore {
    conn: ConnectionManager,
    login: Script,
    session: Script,
    drop_token: Script,
    unlock: Script,
}

const LOGIN_LUA: &str = r"
local id = redis.call('HGET', KEYS[1], 'id')
if not id then
  id = redis.call('INCR', KEYS[2])
  redis.call('HSET', KEYS[1], 'id', id, 'created_at', ARGV[1], 'login_count', 0)
end
redis.call('HINCRBY', KEYS[1], 'login_count', 1)
redis.call('HSET', KEYS[1], 'last_login_at', ARGV[1])
if ARGV[2] ~= '' then redis.call('HSET', KEYS[1], 'unionid', ARGV[2]) end
redis.call('HSET', KEYS[3], 'user', ARGV[6], 'user_id', id, 'session_key', ARGV[3], 'expires_at', ARGV[4])
redis.call('EXPIRE', KEYS[3], ARGV[5])
return tonumber(id)
";

const SESSION_LUA: &str = r"
local s = redis.call('HMGET', KEYS[1], 'user', 'user_id', 'session_key', 'expires_at')
if not s[1] then return false end
local u = redis.call('HMGET', ARGV[1] .. 'user:' .. s[1], 'login_count', 'created_at')
return {s[2], s[3], s[4], u[1] or '0', u[2] or '0', s[1]}
";

const UNLOCK_LUA: &str = r"
if redis.call('GET', KEYS[1]) == ARGV[1] then redis.call('DEL', KEYS[1]) end
return 1
";

const DROP_TOKEN_LUA: &str = r"
if redis.call('HGET', KEYS[1], 'token') == ARGV[1] then redis.call('DEL', KEYS[1]) end
return 1
";

fn key(parts: &[&str]) -> String {
    let mut k = String::from(PREFIX);
    for p in parts {
        k.push_str(p);
    }
    k
}

fn num(s: &str) -> Result<i64, StoreError> {
    s.parse()
        .map_err(|_| StoreError::Corrupt(format!("not a number: {s:?}")))
}

impl RedisStore {
    /// Connects to `url` (e.g. `redis://127.0.0.1:6379/0`) and checks it answers PING,
    /// within [`CONNECT_TIMEOUT`].
    ///
    /// # Errors
    /// A malformed URL, or a server that does not answer in time ([`StoreError::Unreachable`],
    /// whose message names Redis and the URL without its password).
    pub async fn connect(url: &str) -> Result<RedisStore, StoreError> {
        let shown = redact_url(url);
        let client = redis::Client::open(url)
            .map_err(|e| StoreError::Unreachable(format!("Redis URL {shown} is invalid: {e}")))?;
        let config = redis::aio::ConnectionManagerConfig::new()
            .set_connection_timeout(RESPONSE_TIMEOUT)
            .set_response_timeout(RESPONSE_TIMEOUT)
            .set_number_of_retries(1)
            .set_max_delay(500);
        let attempt = async {
            let mut conn = ConnectionManager::new_with_config(client, config).await?;
            let _: String = redis::cmd("PING").query_async(&mut conn).await?;
            Ok::<_, redis::RedisError>(conn)
        };
        let secs = CONNECT_TIMEOUT.as_secs();
        let conn = match tokio::time::timeout(CONNECT_TIMEOUT, attempt).await {
            Ok(Ok(conn)) => conn,
            Ok(Err(e)) => {
                return Err(StoreError::Unreachable(format!(
                    "Redis at {shown} is unreachable: {e}"
                )))
            }
            Err(_) => {
                return Err(StoreError::Unreachable(format!(
                    "Redis at {shown} did not answer within {secs} s"
                )))
            }
        };
        Ok(RedisStore {
            conn,
            login: Script::new(LOGIN_LUA),
            session: Script::new(SESSION_LUA),
            drop_token: Script::new(DROP_TOKEN_LUA),
            unlock: Script::new(UNLOCK_LUA),
        })
    }
}

#[async_trait]
impl Store for RedisStore {
    async fn record_login(&self, l: &NewLogin) -> Result<i64, StoreError> {
        let mut conn = self.conn.clone();
        let ttl = (l.expires_at - l.now).max(1);
        let id: i64 = self
            .login
            .key(key(&["user:", &l.openid]))
            .key(key(&["user_seq"]))
            .key(key(&["session:", &l.key_hash]))
            .arg(l.now)
            .arg(l.unionid.as_deref().unwrap_or(""))
            .arg(&l.session_key)
            .arg(l.expires_at)
            .arg(ttl)
            .arg(&l.openid)
            .invoke_async(&mut conn)
            .await?;
        Ok(id)
    }

    async fn session(&self, key_hash: &str, now: i64) -> Result<Option<SessionRecord>, StoreError> {
        let mut conn = self.conn.clone();
        let row: Option<Vec<String>> = self
            .session
            .key(key(&["session:", key_hash]))
            .arg(PREFIX)
            .invoke_async(&mut conn)
            .await?;
        let Some(row) = row else { return Ok(None) };
        let [user_id, session_key, expires_at, login_count, created_at, openid] = row.as_slice()
        else {
            return Err(StoreError::Corrupt("session row".into()));
        };
        let rec = SessionRecord {
            user_id: num(user_id)?,
            login_count: num(login_count)?,
            created_at: num(created_at)?,
            expires_at: num(expires_at)?,
            session_key: session_key.clone(),
            openid: openid.clone(),
        };
        Ok((rec.expires_at > now).then_some(rec))
    }

    async fn revoke_session(&self, key_hash: &str) -> Result<bool, StoreError> {
        let mut conn = self.conn.clone();
        let n: i64 = conn.del(key(&["session:", key_hash])).await?;
        Ok(n > 0)
    }

    async fn revoke_jti(&self, jti: &str, now: i64, until: i64) -> Result<(), StoreError> {
        let mut conn = self.conn.clone();
        let ttl = u64::try_from((until - now).max(1)).unwrap_or(1);
        let () = conn.set_ex(key(&["revoked:", jti]), 1, ttl).await?;
        Ok(())
    }

    async fn is_jti_revoked(&self, jti: &str, _now: i64) -> Result<bool, StoreError> {
        let mut conn = self.conn.clone();
        Ok(conn.exists(key(&["revoked:", jti])).await?)
    }

    async fn expire_all(&self, now: i64) -> Result<u64, StoreError> {
        let mut conn = self.conn.clone();
        let pattern = key(&["session:*"]);
        let mut cursor: u64 = 0;
        let mut changed = 0;
        loop {
            let (next, keys): (u64, Vec<String>) = redis::cmd("SCAN")
                .arg(cursor)
                .arg("MATCH")
                .arg(&pattern)
                .arg("COUNT")
                .arg(500)
                .query_async(&mut conn)
                .await?;
            for k in keys {
                let exp: Option<i64> = conn.hget(&k, "expires_at").await?;
                if exp.is_some_and(|e| e > now) {
                    let () = conn.hset(&k, "expires_at", now - 1).await?;
                    changed += 1;
                }
            }
            if next == 0 {
                return Ok(changed);
            }
            cursor = next;
        }
    }

    async fn access_token(&self, now: i64) -> Result<Option<CachedToken>, StoreError> {
        let mut conn = self.conn.clone();
        let (token, expires_at): (Option<String>, Option<i64>) = redis::cmd("HMGET")
            .arg(key(&["access_token"]))
            .arg("token")
            .arg("expires_at")
            .query_async(&mut conn)
            .await?;
        Ok(match (token, expires_at) {
            (Some(token), Some(expires_at)) if expires_at > now => {
                Some(CachedToken { token, expires_at })
            }
            _ => None,
        })
    }

    async fn put_access_token(&self, t: &CachedToken, now: i64) -> Result<(), StoreError> {
        let mut conn = self.conn.clone();
        let k = key(&["access_token"]);
        let ttl = (t.expires_at - now).max(1);
        let () = redis::pipe()
            .atomic()
            .cmd("DEL")
            .arg(key(&["access_token_failure"]))
            .ignore()
            .cmd("HSET")
            .arg(&k)
            .arg("token")
            .arg(&t.token)
            .arg("expires_at")
            .arg(t.expires_at)
            .ignore()
            .cmd("EXPIRE")
            .arg(&k)
            .arg(ttl)
            .ignore()
            .query_async(&mut conn)
            .await?;
        Ok(())
    }

    async fn drop_access_token(&self, token: &str) -> Result<(), StoreError> {
        let mut conn = self.conn.clone();
        let _: i64 = self
            .drop_token
            .key(key(&["access_token"]))
            .arg(token)
            .invoke_async(&mut conn)
            .await?;
        Ok(())
    }

    async fn lock_token_fetch(
        &self,
        owner: &str,
        _now: i64,
        ttl_secs: i64,
    ) -> Result<bool, StoreError> {
        let mut conn = self.conn.clone();
        let set: Option<String> = redis::cmd("SET")
            .arg(key(&["access_token_lock"]))
            .arg(owner)
            .arg("NX")
            .arg("EX")
            .arg(ttl_secs.max(1))
            .query_async(&mut conn)
            .await?;
        Ok(set.is_some())
    }

    async fn unlock_token_fetch(&self, owner: &str) -> Result<(), StoreError> {
        let mut conn = self.conn.clone();
        let _: i64 = self
            .unlock
            .key(key(&["access_token_lock"]))
            .arg(owner)
            .invoke_async(&mut conn)
            .await?;
        Ok(())
    }

    async fn put_token_failure(&self, f: &TokenFailure, now: i64) -> Result<(), StoreError> {
        let mut conn = self.conn.clone();
        let k = key(&["access_token_failure"]);
        let ttl = (f.until - now).max(1);
        let () = redis::pipe()
            .atomic()
            .cmd("HSET")
            .arg(&k)
            .arg("errcode")
            .arg(f.errcode)
            .arg("kind")
            .arg(&f.kind)
            .arg("until")
            .arg(f.until)
            .ignore()
            .cmd("EXPIRE")
            .arg(&k)
            .arg(ttl)
            .ignore()
            .query_async(&mut conn)
            .await?;
        Ok(())
    }

    async fn token_failure(&self, now: i64) -> Result<Option<TokenFailure>, StoreError> {
        let mut conn = self.conn.clone();
        let (errcode, kind, until): (Option<i64>, Option<String>, Option<i64>) =
            redis::cmd("HMGET")
                .arg(key(&["access_token_failure"]))
                .arg("errcode")
                .arg("kind")
                .arg("until")
                .query_async(&mut conn)
                .await?;
        Ok(match (errcode, kind, until) {
            (Some(errcode), Some(kind), Some(until)) if until > now => Some(TokenFailure {
                errcode,
                kind,
                until,
            }),
            _ => None,
        })
    }

    async fn ping(&self) -> Result<(), StoreError> {
        let mut conn = self.conn.clone();
        let _: String = redis::cmd("PING").query_async(&mut conn).await?;
        Ok(())
    }

    fn kind(&self) -> &'static str {
        "redis"
    }
}
