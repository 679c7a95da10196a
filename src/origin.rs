//! Origins of absolute URLs, and resolution of relative request URLs.
//!
//! Written here rather than taken from the `url` crate on purpose: `url` pulls in IDNA
//! tables that would multiply the shipped wasm size, and the manager only needs a strict
//! answer to "which origin is this?" for `http`/`https` URLs. Anything it cannot parse
//! with certainty has no origin, and so is never trusted with the token.

use alloc::string::{String, ToString};

/// A URL origin: scheme, lowercase host and explicit port, e.g. `https://api.example.com:443`.
///
/// Two URLs have the same origin exactly when these three parts are equal; the default
/// port (80 for http, 443 for https) is filled in, so `https://a.com` and
/// `https://a.com:443` are one origin.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Origin {
    scheme: &'static str,
    host: String,
    port: u16,
}

impl Origin {
    /// Parses the origin of an absolute `http://` or `https://` URL (scheme
    /// case-insensitive). Returns `None` for anything else: relative URLs, other
    /// schemes, user-info (`user@host`), an empty host, a bad port, or characters that
    /// do not belong in a host. `None` means "not trusted".
    pub fn parse(url: &str) -> Option<Origin> {
        let (scheme, rest) = split_scheme(url)?;
        let end = rest.find(['/', '?', '#', '\\']).unwrap_or(rest.len());
        let authority = rest.get(..end)?;
        if authority.bytes().any(|b| b == b'@') {
            return None;
        }
        let default_port = if scheme == "https" { 443 } else { 80 };
        let (host, port) = if let Some(v6) = authority.strip_prefix('[') {
            let close = v6.find(']')?;
            let host = authority.get(..close + 2)?;
            let after = v6.get(close + 1..)?;
            let port = match after.strip_prefix(':') {
                Some(p) => parse_port(p, default_port)?,
                None if after.is_empty() => default_port,
                None => return None,
            };
            (host, port)
        } else {
            match authority.rsplit_once(':') {
                Some((h, p)) => (h, parse_port(p, default_port)?),
                None => (authority, default_port),
            }
        };
        let valid =
            |c: char| c.is_ascii_alphanumeric() || matches!(c, '-' | '.' | '_' | '[' | ']' | ':');
        if host.is_empty() || !host.chars().all(valid) {
            return None;
        }
        Some(Origin {
            scheme,
            host: host.to_ascii_lowercase(),
            port,
        })
    }
}

impl core::fmt::Display for Origin {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        write!(f, "{}://{}:{}", self.scheme, self.host, self.port)
    }
}

fn split_scheme(url: &str) -> Option<(&'static str, &str)> {
    let (scheme, rest) = split_at_scheme(url)?;
    let scheme = if scheme.eq_ignore_ascii_case("http") {
        "http"
    } else if scheme.eq_ignore_ascii_case("https") {
        "https"
    } else {
        return None;
    };
    Some((scheme, rest))
}

/// `url` split around its first `:` when `//` follows: `(scheme, what follows "://")`.
/// A scheme never holds a `:`, so this is the split at the first `://` wherever that
/// split gives a valid scheme (and a substring search is large in wasm).
fn split_at_scheme(url: &str) -> Option<(&str, &str)> {
    let (scheme, rest) = url.split_once(':')?;
    Some((scheme, rest.strip_prefix("//")?))
}

/// The port after a `:` (`""`: the default); `None` unless 1 to 5 ASCII digits ≤ 65535.
fn parse_port(p: &str, default_port: u16) -> Option<u16> {
    if p.is_empty() {
        return Some(default_port);
    }
    if p.len() > 5 || !p.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let n = p.bytes().fold(0u32, |n, b| n * 10 + u32::from(b - b'0'));
    u16::try_from(n).ok()
}

/// True when `url` is absolute (starts with a scheme followed by `://`).
pub fn is_absolute(url: &str) -> bool {
    match split_at_scheme(url) {
        Some((scheme, _)) => {
            !scheme.is_empty()
                && scheme
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.'))
        }
        None => false,
    }
}

/// Resolves a request URL: an absolute one is kept as it is; a relative one is
/// `base_url` with exactly one `/` between them. Without a `base_url` a relative URL
/// stays relative (it then has no origin and never gets the token).
pub fn resolve(url: &str, base_url: Option<&str>) -> String {
    match base_url {
        Some(base) if !is_absolute(url) => {
            String::from(base.trim_end_matches('/')) + "/" + url.trim_start_matches('/')
        }
        _ => url.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn o(url: &str) -> Option<String> {
        Origin::parse(url).map(|o| o.to_string())
    }

    #[test]
    fn parses_origins_with_default_ports() {
        assert_eq!(
            o("https://API.Example.com/x?y#z").as_deref(),
            Some("https://api.example.com:443")
        );
        assert_eq!(o("HTTP://a.com:8080").as_deref(), Some("http://a.com:8080"));
        assert_eq!(
            o("http://127.0.0.1:0/").as_deref(),
            Some("http://127.0.0.1:0")
        );
        assert_eq!(
            o("http://[::1]:9000/p").as_deref(),
            Some("http://[::1]:9000")
        );
        assert_eq!(o("https://a.com:443"), o("https://a.com/"));
    }

    #[test]
    fn refuses_what_it_cannot_be_sure_of() {
        for bad in [
            "/api/profile",
            "api.com/x",
            "ftp://a.com",
            "https://",
            "https://user@evil.com",
            "https://a.com@evil.com/",
            "https://a.com:99999",
            "https://a.com:8x",
            "https://a b.com",
            "https://[::1",
            "javascript://a.com",
        ] {
            assert_eq!(o(bad), None, "{bad}");
        }
        // A backslash ends the authority, as browsers treat it.
        assert_eq!(
            o("https://a.com\\@evil.com").as_deref(),
            Some("https://a.com:443")
        );
    }

    #[test]
    fn resolves_relative_urls_against_base() {
        assert_eq!(
            resolve("/api/x", Some("https://a.com/")),
            "https://a.com/api/x"
        );
        assert_eq!(
            resolve("api/x", Some("https://a.com")),
            "https://a.com/api/x"
        );
        assert_eq!(
            resolve("https://b.com/x", Some("https://a.com")),
            "https://b.com/x"
        );
        assert_eq!(resolve("/api/x", None), "/api/x");
    }
}
