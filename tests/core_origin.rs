//! Which URLs may carry the token (issue 8 item 9): never one whose origin two
//! standard parsers read differently. The WHATWG reading is the `url` crate's, the
//! RFC 3986 reading `fluent-uri`'s; both are dev-dependencies only.
#![cfg(not(target_arch = "wasm32"))]

use proptest::prelude::*;
use weapp_login::{resolve, Config};

const BASE: &str = "https://api.example.com";

fn config() -> Config {
    let trusted = [BASE, "http://127.0.0.1:8080", "https://[::1]"].map(String::from);
    Config::new(
        "https://api.example.com/user/login",
        Some(BASE),
        Some(&trusted),
    )
    .unwrap()
}

type Reading = (String, String, u16);

fn whatwg(u: &str) -> Option<Reading> {
    let p = url::Url::parse(u).ok()?;
    Some((
        p.scheme().to_string(),
        p.host_str()?.to_ascii_lowercase(),
        p.port_or_known_default()?,
    ))
}

/// The RFC 3986 reading of a lenient stack: the authority is what follows `scheme://`
/// up to the first `/`, `?` or `#` (RFC 3986 §3.2; the rest cannot change the origin),
/// with characters RFC 3986 does not allow (a backslash, spaces, controls, non-ASCII)
/// percent-encoded as they stand. So `https://a.com\@evil.com` is `a.com%5C@evil.com`:
/// user-info `a.com%5C`, host `evil.com`.
fn rfc3986(u: &str) -> Option<Reading> {
    let (scheme, rest) = u.split_once(':')?;
    let rest = rest.strip_prefix("//")?;
    let authority = &rest[..rest.find(['/', '?', '#']).unwrap_or(rest.len())];
    let allowed = |b: u8| b.is_ascii_alphanumeric() || b"-._~:[]@!$&'()*+,;=%".contains(&b);
    let encoded: String = authority
        .bytes()
        .map(|b| {
            if allowed(b) {
                char::from(b).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect();
    let uri = format!("{scheme}://{encoded}");
    let p = fluent_uri::Uri::parse(uri.as_str()).ok()?;
    let scheme = p.scheme().as_str().to_ascii_lowercase();
    let a = p.authority()?;
    if a.userinfo().is_some() {
        return None;
    }
    let default = match scheme.as_str() {
        "https" => 443,
        "http" => 80,
        _ => return None,
    };
    let port = a.port_to_u16().ok()?.unwrap_or(default);
    Some((scheme, a.host().to_ascii_lowercase(), port))
}

fn trusted_readings() -> Vec<Reading> {
    [
        ("https", "api.example.com", 443),
        ("http", "127.0.0.1", 8080),
        ("https", "[::1]", 443),
    ]
    .map(|(s, h, p)| (s.to_string(), h.to_string(), p))
    .to_vec()
}

/// When the manager trusts `u`, both parsers must read one and the same trusted origin.
fn agree_when_trusted(c: &Config, u: &str) -> Result<(), TestCaseError> {
    if c.is_trusted(u) {
        let (w, r) = (whatwg(u), rfc3986(u));
        prop_assert!(
            w.is_some() && w == r,
            "{:?} trusted, but WHATWG reads {:?} and RFC 3986 {:?}",
            u,
            w,
            r
        );
        prop_assert!(
            trusted_readings().contains(&w.unwrap()),
            "{:?} trusted with another origin",
            u
        );
    }
    Ok(())
}

#[test]
fn the_backslash_url_of_issue_8_is_never_trusted() {
    let u = "https://api.example.com\\@evil.com/x";
    assert_eq!(whatwg(u).unwrap().1, "api.example.com");
    assert_eq!(rfc3986(u), None, "user-info: RFC 3986 sends it to evil.com");
    let encoded = "https://api.example.com%5C@evil.com/x";
    let p = fluent_uri::Uri::parse(encoded).unwrap();
    assert_eq!(p.authority().unwrap().host(), "evil.com");
    assert!(!config().is_trusted(u));
    assert!(!config().is_trusted(&resolve(u, Some(BASE))));
}

#[test]
fn urls_read_differently_are_never_trusted() {
    let c = config();
    for u in [
        "https://api.example.com\\.evil.com/",
        "https://evil.com\\api.example.com",
        "https://api.example.com\t/x",
        "https://api.exa\nmple.com/x",
        " https://api.example.com/",
        "https://api.example.com /x",
        "https://%61pi.example.com/",
        "https://api.example.com%2f@evil.com/",
        "https://ａpi.example.com/",
        "https://user@api.example.com/",
        "http://127.1:8080/",
        "http://0x7f.0.0.1:8080/",
        "http://2130706433:8080/",
        "https://[::1%25eth0]/",
        "https:///api.example.com/",
        "https://api.example.com:80:443/",
    ] {
        assert!(!c.is_trusted(u), "{u:?}");
    }
    for u in [
        "https://API.example.com:443/x?a=\\@evil#\\",
        "http://127.0.0.1:8080/",
        "https://[::1]/p",
    ] {
        assert!(c.is_trusted(u), "{u:?}");
    }
}

#[test]
fn relative_urls_get_the_standard_reading() {
    let c = config();
    // A path, however odd, goes under the base: its origin stays the base's.
    for rel in [
        "/x",
        "x",
        "@evil.com",
        "",
        " https://evil.com",
        "\thttps://evil.com",
        "?q",
        "#f",
        "\\x",
    ] {
        let u = resolve(rel, Some(BASE));
        assert_eq!(
            whatwg(&u).map(|r| r.1).as_deref(),
            Some("api.example.com"),
            "{rel:?} -> {u:?}"
        );
        if let Some(r) = rfc3986(&u) {
            assert_eq!(r.1, "api.example.com", "{rel:?} -> {u:?}");
        }
    }
    // Two slashes or backslashes first: scheme-relative, as WHATWG reads it against the
    // base (issue 17: not a path under it). None is trusted, whatever the host.
    let base = url::Url::parse(BASE).unwrap();
    // ("///evil.com" too: evil.com for WHATWG and Node's URL; the url crate's join differs.)
    for rel in ["//evil.com/x", "\\\\evil.com", "/\\evil.com", "\\/evil.com"] {
        let u = resolve(rel, Some(BASE));
        let standard = base
            .join(rel)
            .ok()
            .and_then(|j| j.host_str().map(String::from));
        assert_eq!(whatwg(&u).map(|r| r.1), standard, "{rel:?} -> {u:?}");
        assert!(!c.is_trusted(&u), "{rel:?} -> {u:?}");
    }
    // A scheme without `//` stays as it is (an absolute URL), and is never trusted.
    for rel in [
        "https:evil.com",
        "https:\\\\evil.com",
        "https:/\\evil.com",
        "https:/api.example.com/x",
    ] {
        let u = resolve(rel, Some(BASE));
        assert_eq!(u, rel);
        assert!(!c.is_trusted(&u), "{rel:?}");
    }
    assert!(!c.is_trusted(&resolve("///api.example.com/x", Some(BASE))));
}

const FRAGMENTS: &[&str] = &[
    "api.example.com",
    "evil.com",
    "API.EXAMPLE.COM",
    "api.example.com.",
    "127.0.0.1",
    "127.1",
    "0x7f.0.0.1",
    "[::1]",
    "[0::1]",
    "\\",
    "\\\\",
    "/",
    "//",
    "?",
    "#",
    ":",
    "@",
    ":443",
    ":8080",
    ":0443",
    ":99999",
    "%40",
    "%2e",
    "%",
    " ",
    "\t",
    "\n",
    "\r",
    "\0",
    "\x7f",
    "é",
    "ａ",
    "[",
    "]",
    ".",
    "x",
    "-",
    "_",
    "user:pw@",
];

fn hostile_url() -> impl Strategy<Value = String> {
    let scheme = prop::sample::select(
        &[
            "https://",
            "http://",
            "HTTPS://",
            "https:\\\\",
            "https:/",
            "https:",
            "",
            " https://",
            "https:///",
        ][..],
    );
    let rest = proptest::collection::vec(prop::sample::select(FRAGMENTS), 0..7);
    (scheme, rest).prop_map(|(s, r)| String::from(s) + &r.concat())
}

fn cases() -> u32 {
    std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(20_000)
}

proptest! {
    #![proptest_config(ProptestConfig { cases: cases(), ..ProptestConfig::default() })]

    #[test]
    fn a_trusted_url_has_one_reading(u in hostile_url()) {
        let c = config();
        agree_when_trusted(&c, &u)?;
        agree_when_trusted(&c, &resolve(&u, Some(BASE)))?;
        agree_when_trusted(&c, &resolve(&u, Some("https://api.example.com/v1/")))?;
    }
}
