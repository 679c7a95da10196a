//! Origins of absolute URLs, and resolution of relative request URLs.
//!
//! Written here rather than taken from the `url` crate on purpose: `url` pulls in IDNA
//! tables that would multiply the shipped wasm size, and the manager only needs a strict
//! answer to "which origin is this?" for `http`/`https` URLs. Anything it cannot parse
//! with certainty has no origin, and so is never trusted with the token: in particular
//! any URL that the WHATWG URL Standard (browsers, most JS stacks) and RFC 3986 (many
//! native HTTP stacks) could read with different hosts.

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
    /// case-insensitive). Returns `None` ("not trusted") for anything else, and for
    /// every URL that two standard parsers could read differently:
    /// - whitespace or a control character anywhere (WHATWG strips tabs and newlines
    ///   and trims spaces; RFC 3986 does not);
    /// - in the authority (up to the first `/`, `?` or `#`): a backslash (a path
    ///   separator for WHATWG, so `https://a.com\@evil.com` is `a.com` there and
    ///   `evil.com` for RFC 3986), user-info (`@`), `%`, non-ASCII;
    /// - a host with characters outside `A-Z a-z 0-9 - . _` (or, in brackets, an IPv6
    ///   address of hex digits, `:` and `.`), or that WHATWG would read as an IPv4
    ///   number (`127.1`, `0x7f.1`) unless it is a canonical dotted quad;
    /// - an empty host, a port that is not 1 to 5 digits up to 65535.
    pub fn parse(url: &str) -> Option<Origin> {
        if url.bytes().any(|b| b <= b' ' || b == 0x7f) {
            return None;
        }
        let (scheme, rest) = split_scheme(url)?;
        let end = rest
            .bytes()
            .position(|b| matches!(b, b'/' | b'?' | b'#'))
            .unwrap_or(rest.len());
        let authority = rest.get(..end)?;
        if authority
            .bytes()
            .any(|b| matches!(b, b'@' | b'\\' | b'%') || !b.is_ascii())
        {
            return None;
        }
        let default_port = if scheme == "https" { 443 } else { 80 };
        let (host, port) = if let Some(v6) = authority.strip_prefix("[") {
            let close = v6.bytes().position(|b| b == b']')?;
            let address = v6.get(..close)?;
            let ok = |b: u8| b.is_ascii_hexdigit() || b == b':' || b == b'.';
            if address.is_empty() || !address.bytes().all(ok) {
                return None;
            }
            let port = match v6.get(close + 1..)? {
                "" => default_port,
                after => parse_port(after.strip_prefix(":")?, default_port)?,
            };
            (authority.get(..close + 2)?, port)
        } else {
            let (host, port) = match split_byte(authority, b':') {
                Some((h, p)) => (h, parse_port(p, default_port)?),
                None => (authority, default_port),
            };
            let ok = |b: u8| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_');
            if host.is_empty() || !host.bytes().all(ok) || (ipv4_like(host) && !dotted_quad(host)) {
                return None;
            }
            (host, port)
        };
        Some(Origin {
            scheme,
            host: host.to_ascii_lowercase(),
            port,
        })
    }
}

/// Whether WHATWG would parse `host` as an IPv4 address: its last label (a trailing
/// dot aside) is decimal digits, or `0x` and hex digits.
fn ipv4_like(host: &str) -> bool {
    let host = host.strip_suffix(".").unwrap_or(host);
    let last = match host.bytes().rposition(|b| b == b'.') {
        Some(dot) => host.get(dot + 1..).unwrap_or(host),
        None => host,
    };
    let hex = last
        .strip_prefix("0x")
        .or_else(|| last.strip_prefix("0X"))
        .is_some_and(|h| h.bytes().all(|b| b.is_ascii_hexdigit()));
    hex || (!last.is_empty() && last.bytes().all(|b| b.is_ascii_digit()))
}

/// `a.b.c.d`, each 0 to 255 in decimal without leading zeros: read alike by all.
fn dotted_quad(host: &str) -> bool {
    let mut n = 0;
    let octets_ok = host.as_bytes().split(|&b| b == b'.').all(|o| {
        n += 1;
        !o.is_empty()
            && o.len() <= 3
            && o.iter().all(u8::is_ascii_digit)
            && (o == b"0" || o[0] != b'0')
            && o.iter().fold(0u32, |v, &b| v * 10 + u32::from(b - b'0')) <= 255
    });
    octets_ok && n == 4
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
    let (scheme, rest) = split_byte(url, b':')?;
    Some((scheme, rest.strip_prefix("//")?))
}

/// `s` split around its first byte `b`, an ASCII byte (so both sides are whole UTF-8).
/// Searches bytes rather than chars: the char searcher is large in wasm.
pub(crate) fn split_byte(s: &str, b: u8) -> Option<(&str, &str)> {
    let at = s.bytes().position(|c| c == b)?;
    Some((s.get(..at)?, s.get(at + 1..)?))
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
                    .bytes()
                    .all(|c| c.is_ascii_alphanumeric() || matches!(c, b'+' | b'-' | b'.'))
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
        // A backslash in the authority: WHATWG reads a.com, RFC 3986 evil.com.
        assert_eq!(o("https://a.com\\@evil.com"), None);
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
