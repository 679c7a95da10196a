use super::*;

fn rate(per_minute: u32, burst: u32) -> LoginRate {
    LoginRate {
        per_minute: NonZeroU32::new(per_minute).unwrap(),
        burst: NonZeroU32::new(burst).unwrap(),
    }
}

fn ip(s: &str) -> IpAddr {
    s.parse().unwrap()
}

fn xff(values: &[&str]) -> HeaderMap {
    let mut h = HeaderMap::new();
    for v in values {
        h.append("x-forwarded-for", v.parse().unwrap());
    }
    h
}

#[test]
fn limits_per_address_and_reads_the_proxy_header_only_when_trusted() {
    let l = LoginLimiter::new(rate(1, 2), ProxyTrust::None);
    let (a, b) = (ip("10.0.0.1"), ip("10.0.0.2"));
    assert!(l.check(a).is_ok() && l.check(a).is_ok());
    match l.check(a) {
        Err(ApiError::RateLimited(s)) => assert!((1..=60).contains(&s), "{s}"),
        other => panic!("{other:?}"),
    }
    assert!(l.check(b).is_ok());

    let h = xff(&["1.1.1.1, 2.2.2.2"]);
    let peer: SocketAddr = "127.0.0.1:9".parse().unwrap();
    assert_eq!(l.client_ip(peer, &h), Ok(peer.ip()));
    let legacy = LoginLimiter::new(rate(1, 2), ProxyTrust::AnyPeerLastHop);
    assert_eq!(legacy.client_ip(peer, &h), Ok(ip("2.2.2.2")));
}

#[test]
fn parses_forwarded_entries_with_ports_and_brackets() {
    for (entry, want) in [
        ("203.0.113.7", "203.0.113.7"),
        (" 203.0.113.7:51234 ", "203.0.113.7"),
        ("2001:db8::1", "2001:db8::1"),
        ("[2001:db8::1]", "2001:db8::1"),
        ("[2001:db8::1]:443", "2001:db8::1"),
        ("::ffff:203.0.113.7", "203.0.113.7"),
        ("[::ffff:203.0.113.7]:8080", "203.0.113.7"),
    ] {
        assert_eq!(parse_forwarded_entry(entry), Some(ip(want)), "{entry}");
    }
    for bad in [
        "unknown",
        "_hidden",
        "203.0.113.7:",
        "[2001:db8::1",
        "1.2.3",
        "",
    ] {
        assert_eq!(parse_forwarded_entry(bad), None, "{bad}");
    }
}

#[test]
fn ipv6_clients_share_a_bucket_per_64() {
    assert_eq!(bucket(ip("2001:db8:1:2:aaaa::1")), ip("2001:db8:1:2::"));
    assert_eq!(
        bucket(ip("2001:db8:1:2:ffff:ffff:ffff:ffff")),
        ip("2001:db8:1:2::")
    );
    assert_ne!(bucket(ip("2001:db8:1:3::1")), ip("2001:db8:1:2::"));
    assert_eq!(bucket(ip("::ffff:10.1.2.3")), ip("10.1.2.3"));
    let l = LoginLimiter::new(rate(1, 3), ProxyTrust::None);
    for i in 1..=3 {
        assert!(l.check(ip(&format!("2001:db8::{i:x}"))).is_ok());
    }
    assert!(l.check(ip("2001:db8::ffff:1")).is_err(), "same /64");
    assert!(l.check(ip("2001:db8:0:1::1")).is_ok(), "next /64");
}

#[test]
fn trusted_proxies_are_walked_past_and_a_bad_header_is_refused() {
    let nets = vec!["10.0.0.0/8".parse().unwrap(), "fd00::/8".parse().unwrap()];
    let l = LoginLimiter::new(rate(1, 1), ProxyTrust::Proxies(nets));
    let proxy: SocketAddr = "10.0.0.5:40000".parse().unwrap();
    let direct: SocketAddr = "198.51.100.9:40000".parse().unwrap();
    let h = xff(&["6.6.6.6, 203.0.113.7:5555", "10.0.0.9"]);
    assert_eq!(l.client_ip(proxy, &h), Ok(ip("203.0.113.7")));
    assert_eq!(
        l.client_ip(direct, &h),
        Ok(ip("198.51.100.9")),
        "not a proxy: header ignored"
    );
    assert_eq!(
        l.client_ip(proxy, &xff(&["[fd00::1]:1", "10.1.1.1"])),
        Ok(ip("fd00::1")),
        "all proxies: the leftmost"
    );
    for bad in [xff(&[]), xff(&["unknown"]), xff(&["6.6.6.6, garbage:port"])] {
        match l.client_ip(proxy, &bad) {
            Err(ApiError::BadForwardedFor(m)) => assert!(m.contains("X-Forwarded-For"), "{m}"),
            other => panic!("{other:?}"),
        }
    }
}
