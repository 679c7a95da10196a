//! The server's own login tokens (the "3rd_session" of docs/WECHAT.md).
//!
//! - **Opaque** (default): 32 random bytes from the OS RNG, 64 lowercase hex characters.
//!   The store keeps only `sha256(token)`.
//! - **JWT** (`--jwt`): HS256, claims `{iss, sub: user id (decimal string), jti: 32 hex,
//!   iat, exp}` (Unix seconds; default lifetime 24 h), signed with the `JWT_SECRET`
//!   (at least 32 bytes). Other services can verify it statelessly; this server also
//!   keeps the session (keyed by `sha256(jti)`) for the session_key, and a logout puts
//!   the `jti` on the store's revocation list until `exp`.
//!
//! Neither form carries the openid or session_key.

use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};
use serde::{Deserialize, Serialize};

use crate::support::{random_hex, sha256_hex};

/// The `iss` claim of every JWT this server signs (and the only one it accepts).
pub const JWT_ISSUER: &str = "weapp-login-example-server";

/// Shortest accepted JWT secret, bytes.
pub const MIN_JWT_SECRET_LEN: usize = 32;

/// How tokens are made (see the module docs).
#[derive(Clone)]
pub enum TokenMode {
    /// Random opaque tokens, stored as SHA-256 hashes.
    Opaque,
    /// HS256 JWTs signed with this secret (at least [`MIN_JWT_SECRET_LEN`] bytes).
    Jwt(Vec<u8>),
}

impl std::fmt::Debug for TokenMode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            TokenMode::Opaque => "Opaque",
            TokenMode::Jwt(_) => "Jwt(<secret>)",
        })
    }
}

/// The claims of a JWT issued by this server.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Claims {
    /// Always [`JWT_ISSUER`].
    pub iss: String,
    /// The user's id, decimal.
    pub sub: String,
    /// The token's unique id: 32 hex characters.
    pub jti: String,
    /// Issued at, Unix seconds.
    pub iat: i64,
    /// Expires at, Unix seconds.
    pub exp: i64,
}

/// A token about to be issued: the store key is known before the user id.
pub struct Pending {
    /// The opaque token or the JWT's jti.
    secret_part: String,
    /// `sha256(secret_part)`: the session's key in the store.
    pub key_hash: String,
}

/// What a presented token identifies.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Presented {
    /// The session's key in the store.
    pub key_hash: String,
    /// For a JWT: `(jti, exp)`.
    pub jwt: Option<(String, i64)>,
}

impl TokenMode {
    /// Starts a new token: draws its random part.
    pub fn begin(&self) -> Pending {
        let secret_part = random_hex(if matches!(self, TokenMode::Opaque) {
            32
        } else {
            16
        });
        let key_hash = sha256_hex(secret_part.as_bytes());
        Pending {
            secret_part,
            key_hash,
        }
    }

    /// The token text for `pending`, now that the user id is known.
    ///
    /// # Errors
    /// JWT signing failed (cannot happen with an HMAC key; reported, not panicked).
    pub fn finish(
        &self,
        pending: Pending,
        user_id: i64,
        now: i64,
        expires_at: i64,
    ) -> Result<String, jsonwebtoken::errors::Error> {
        match self {
            TokenMode::Opaque => Ok(pending.secret_part),
            TokenMode::Jwt(secret) => {
                let claims = Claims {
                    iss: JWT_ISSUER.to_owned(),
                    sub: user_id.to_string(),
                    jti: pending.secret_part,
                    iat: now,
                    exp: expires_at,
                };
                jsonwebtoken::encode(
                    &Header::new(Algorithm::HS256),
                    &claims,
                    &EncodingKey::from_secret(secret),
                )
            }
        }
    }

    /// Checks a presented token's form (and, for a JWT, its signature, issuer and
    /// `exp > now`). `None` = not a token of this server. Whether the session is alive
    /// is the store's question.
    pub fn parse(&self, token: &str, now: i64) -> Option<Presented> {
        match self {
            TokenMode::Opaque => {
                let ok = token.len() == 64 && token.bytes().all(|b| b.is_ascii_hexdigit());
                ok.then(|| Presented {
                    key_hash: sha256_hex(token.to_ascii_lowercase().as_bytes()),
                    jwt: None,
                })
            }
            TokenMode::Jwt(secret) => {
                let claims = decode_jwt(token, secret)?;
                (claims.exp > now).then(|| Presented {
                    key_hash: sha256_hex(claims.jti.as_bytes()),
                    jwt: Some((claims.jti, claims.exp)),
                })
            }
        }
    }
}

/// Verifies a JWT's HS256 signature and issuer with `secret` and answers its claims
/// **without** checking `exp` (the caller compares it with its own clock).
pub fn decode_jwt(token: &str, secret: &[u8]) -> Option<Claims> {
    let mut v = Validation::new(Algorithm::HS256);
    v.validate_exp = false;
    v.set_required_spec_claims(&["exp", "sub", "iss"]);
    v.set_issuer(&[JWT_ISSUER]);
    jsonwebtoken::decode::<Claims>(token, &DecodingKey::from_secret(secret), &v)
        .ok()
        .map(|d| d.claims)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn opaque_tokens_hash_to_their_key() {
        let m = TokenMode::Opaque;
        let p = m.begin();
        let key = p.key_hash.clone();
        let t = m.finish(p, 1, 0, 10).unwrap();
        assert_eq!(t.len(), 64);
        assert_eq!(m.parse(&t, 5).unwrap().key_hash, key);
        assert!(m.parse("00ff", 5).is_none());
    }

    #[test]
    fn jwts_are_checked() {
        let m = TokenMode::Jwt(vec![7; 32]);
        let p = m.begin();
        let key = p.key_hash.clone();
        let t = m.finish(p, 42, 100, 200).unwrap();
        let pr = m.parse(&t, 150).unwrap();
        assert_eq!(pr.key_hash, key);
        assert_eq!(pr.jwt.as_ref().unwrap().1, 200);
        assert_eq!(decode_jwt(&t, &[7; 32]).unwrap().sub, "42");
        assert!(m.parse(&t, 200).is_none(), "expired");
        assert!(
            TokenMode::Jwt(vec![8; 32]).parse(&t, 150).is_none(),
            "other key"
        );
        let mut bad = t.clone();
        bad.pop();
        assert!(m.parse(&bad, 150).is_none(), "tampered");
    }
}
