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
    /// `https` (else `http`).
    https: bool,
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
        let b = url.as_bytes();
        if b.iter().any(|&c| c <= b' ' || c == 0x7f) {
            return None;
        }
        // Slices with get(), never an index that could panic (each panic site ships its
        // code and location): every range below is in bounds, so none is ever None.
        let (https, start) = scheme_of(b)?;
        let rest = b.get(start..)?;
        let end = rest
            .iter()
            .position(|&c| matches!(c, b'/' | b'?' | b'#'))
            .unwrap_or(rest.len());
        let authority = rest.get(..end)?;
        if authority
            .iter()
            .any(|&c| matches!(c, b'@' | b'\\' | b'%') || !c.is_ascii())
        {
            return None;
        }
        let default_port = if https { 443 } else { 80 };
        let (host_len, port) = if authority.first() == Some(&b'[') {
            let close = authority.iter().position(|&c| c == b']')?;
            let address = authority.get(1..close)?;
            if address.is_empty()
                || !address
                    .iter()
                    .all(|&c| c.is_ascii_hexdigit() || c == b':' || c == b'.')
            {
                return None;
            }
            let port = match authority.get(close + 1..)? {
                [] => default_port,
                [b':', p @ ..] => parse_port(p, default_port)?,
                _ => return None,
            };
            (close + 1, port) // the host's length, brackets included
        } else {
            let (host, port) = match authority.iter().position(|&c| c == b':') {
                Some(colon) => (
                    authority.get(..colon)?,
                    parse_port(authority.get(colon + 1..)?, default_port)?,
                ),
                None => (authority, default_port),
            };
            if host.is_empty()
                || !host
                    .iter()
                    .all(|&c| c.is_ascii_alphanumeric() || matches!(c, b'-' | b'.' | b'_'))
                || (ipv4_like(host) && !dotted_quad(host))
            {
                return None;
            }
            (host.len(), port)
        };
        Some(Origin {
            https,
            host: url.get(start..start + host_len)?.to_ascii_lowercase(),
            port,
        })
    }
}

/// Whether WHATWG would parse `host` as an IPv4 address: its last label (a trailing
/// dot aside) is decimal digits, or `0x` and hex digits.
fn ipv4_like(host: &[u8]) -> bool {
    let host = host.strip_suffix(b".").unwrap_or(host);
    let last = match host.iter().rposition(|&c| c == b'.') {
        Some(dot) => host.get(dot + 1..).unwrap_or_default(),
        None => host,
    };
    let hex = match last {
        [b'0', b'x' | b'X', h @ ..] => h.iter().all(u8::is_ascii_hexdigit),
        _ => false,
    };
    hex || (!last.is_empty() && last.iter().all(u8::is_ascii_digit))
}

/// `a.b.c.d`, each 0 to 255 in decimal without leading zeros: read alike by all.
fn dotted_quad(host: &[u8]) -> bool {
    let mut n = 0;
    let octets_ok = host.split(|&c| c == b'.').all(|o| {
        n += 1;
        !o.is_empty()
            && o.len() <= 3
            && o.iter().all(u8::is_ascii_digit)
            && (o == b"0" || o.first() != Some(&b'0'))
            && number(o) <= 255
    });
    octets_ok && n == 4
}

/// ASCII digits (at most five) as a number.
fn number(digits: &[u8]) -> u32 {
    digits
        .iter()
        .fold(0u32, |v, &c| v * 10 + u32::from(c - b'0'))
}

impl core::fmt::Display for Origin {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        let scheme = if self.https { "https" } else { "http" };
        write!(f, "{}://{}:{}", scheme, self.host, self.port)
    }
}

/// Whether the scheme of `url` is `https` (else `http`; any case; `None` for any other),
/// and where what follows `://` starts.
fn scheme_of(url: &[u8]) -> Option<(bool, usize)> {
    let colon = url.iter().position(|&c| c == b':')?;
    if url.get(colon + 1..colon + 3)? != b"//" {
        return None;
    }
    let scheme = url.get(..colon)?;
    let https = if scheme.eq_ignore_ascii_case(b"http") {
        false
    } else if scheme.eq_ignore_ascii_case(b"https") {
        true
    } else {
        return None;
    };
    Some((https, colon + 3))
}

/// The port after a `:` (empty: the default); `None` unless 1 to 5 ASCII digits ≤ 65535.
fn parse_port(p: &[u8], default_port: u16) -> Option<u16> {
    if p.is_empty() {
        return Some(default_port);
    }
    if p.len() > 5 || !p.iter().all(u8::is_ascii_digit) {
        return None;
    }
    u16::try_from(number(p)).ok()
}

/// True when `url` is absolute: it starts with a scheme (a letter, then letters, digits,
/// `+`, `-`, `.`) and `:`, as WHATWG's scheme state reads it (`https://a.com`, and also
/// `http:/a.com` or `http:a.com`, which are never trusted: see [`Origin::parse`]).
pub fn is_absolute(url: &str) -> bool {
    let b = url.as_bytes();
    match b.iter().position(|&c| c == b':') {
        Some(colon) => {
            b[0].is_ascii_alphabetic()
                && b[..colon]
                    .iter()
                    .all(|c| c.is_ascii_alphanumeric() || matches!(c, b'+' | b'-' | b'.'))
        }
        None => false,
    }
}

/// Resolves a request URL, the one reading every path of the manager uses (pkg/REFERENCE.md, "One
/// URL, read once"; js-shim/trust.js `read`): an absolute URL is kept as it is; one that
/// starts with two slashes or backslashes (`//cdn.example.com/y`) is scheme-relative and
/// takes `base_url`'s scheme, as WHATWG reads it; anything else is a path under
/// `base_url`, with exactly one `/` between them. Without a `base_url` a relative URL
/// stays relative (it then has no origin and never gets the token).
pub fn resolve(url: &str, base_url: Option<&str>) -> String {
    let slash = |c: Option<&u8>| matches!(c, Some(b'/' | b'\\'));
    match base_url {
        Some(base) if !is_absolute(url) => {
            let b = url.as_bytes();
            let base = base.trim_end_matches('/');
            if slash(b.first()) && slash(b.get(1)) {
                String::from(&base[..base.find(':').map_or(0, |i| i + 1)]) + url
            } else {
                String::from(base) + "/" + url.strip_prefix('/').unwrap_or(url)
            }
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
        assert_eq!(
            resolve("//cdn.example.com/y", Some("https://a.com/v1")),
            "https://cdn.example.com/y"
        );
        assert_eq!(
            resolve("\\\\evil.com/x", Some("https://a.com")),
            "https:\\\\evil.com/x"
        );
        assert_eq!(
            resolve("http:/evil.com", Some("https://a.com")),
            "http:/evil.com"
        );
    }
}
