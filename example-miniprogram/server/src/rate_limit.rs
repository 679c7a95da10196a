//! Per-client rate limit of `POST /user/login` (a `governor` keyed GCRA limiter).
//!
//! **Which address counts.** The TCP peer's IP, unless the peer is one of your own
//! reverse proxies ([`ProxyTrust`]); then the client address is read from
//! `X-Forwarded-For` (all its header lines, comma-separated entries, in order), walking
//! from the **last** entry (the one your proxy appended) leftwards past every address
//! that is itself a trusted proxy; the first other address is the client (entries left
//! of it are the client's to forge). An entry may be `IP`, `IP:port` (IPv4),
//! `[IPv6]` or `[IPv6]:port`, as load balancers write them. A request from a trusted
//! proxy whose header is missing or has an unparsable entry on that walk is **refused**
//! (400 `bad_forwarded_for`, logged), never silently counted against the proxy's own
//! address (which would put every user in one bucket).
//!
//! **Buckets.** An IPv4 client is one bucket; an IPv6 client is counted by its **/64**
//! (one subscriber usually holds a whole /64, so per-address buckets would give one
//! user 2^64 of them). IPv4-mapped IPv6 addresses count as IPv4.
//!
//! An over-limit call is answered 429 `rate_limited` with `Retry-After` in whole seconds.

use std::net::{IpAddr, Ipv6Addr, SocketAddr};
use std::num::NonZeroU32;

use axum::http::HeaderMap;
use governor::clock::{Clock as _, DefaultClock};
use governor::{DefaultKeyedRateLimiter, Quota, RateLimiter};
use ipnet::{IpNet, Ipv6Net};

use crate::error::ApiError;

/// Default: 60 logins per minute per address, in bursts of up to 20. Users behind one
/// carrier NAT share an address: raise it for a large audience.
pub const DEFAULT_PER_MINUTE: u32 = 60;
/// Default burst (see [`DEFAULT_PER_MINUTE`]).
pub const DEFAULT_BURST: u32 = 20;

/// Forget idle addresses once this many are tracked.
const MAX_TRACKED: usize = 10_000;

/// How many logins one address may make.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LoginRate {
    /// Sustained rate, logins per minute (at least 1).
    pub per_minute: NonZeroU32,
    /// Burst size: logins allowed at once (at least 1).
    pub burst: NonZeroU32,
}

impl Default for LoginRate {
    fn default() -> Self {
        LoginRate {
            per_minute: NonZeroU32::new(DEFAULT_PER_MINUTE).unwrap_or(NonZeroU32::MIN),
            burst: NonZeroU32::new(DEFAULT_BURST).unwrap_or(NonZeroU32::MIN),
        }
    }
}

/// Which peers may tell the client address through `X-Forwarded-For`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ProxyTrust {
    /// None: the TCP peer is the client (the default).
    None,
    /// Any peer, one hop: the last `X-Forwarded-For` entry is the client
    /// (`--trust-x-forwarded-for`; only when nothing but your proxy can reach the server).
    AnyPeerLastHop,
    /// Peers in these networks are your proxies (`--trusted-proxy CIDR`).
    Proxies(Vec<IpNet>),
}

/// One `X-Forwarded-For` entry: `IP`, `IP:port`, `[IPv6]` or `[IPv6]:port`.
pub fn parse_forwarded_entry(entry: &str) -> Option<IpAddr> {
    let e = entry.trim();
    if let Ok(ip) = e.parse::<IpAddr>() {
        return Some(ip.to_canonical());
    }
    if let Ok(sa) = e.parse::<SocketAddr>() {
        return Some(sa.ip().to_canonical());
    }
    e.strip_prefix('[')
        .and_then(|r| r.strip_suffix(']'))
        .and_then(|v6| v6.parse::<Ipv6Addr>().ok())
        .map(|v6| IpAddr::V6(v6).to_canonical())
}

/// The bucket of a client address: itself for IPv4, its /64 network for IPv6.
pub fn bucket(ip: IpAddr) -> IpAddr {
    match ip.to_canonical() {
        IpAddr::V6(v6) => Ipv6Net::new(v6, 64)
            .map(|n| IpAddr::V6(n.network()))
            .unwrap_or(IpAddr::V6(v6)),
        v4 => v4,
    }
}

/// The limiter (cheap to share behind an `Arc`).
pub struct LoginLimiter {
    limiter: DefaultKeyedRateLimiter<IpAddr>,
    clock: DefaultClock,
    trust: ProxyTrust,
}

impl LoginLimiter {
    /// A limiter for `rate`, reading `X-Forwarded-For` as `trust` says (module docs).
    pub fn new(rate: LoginRate, trust: ProxyTrust) -> LoginLimiter {
        let quota = Quota::per_minute(rate.per_minute).allow_burst(rate.burst);
        LoginLimiter {
            limiter: RateLimiter::keyed(quota),
            clock: DefaultClock::default(),
            trust,
        }
    }

    fn trusted(&self, ip: IpAddr) -> bool {
        match &self.trust {
            ProxyTrust::None => false,
            ProxyTrust::AnyPeerLastHop => true,
            ProxyTrust::Proxies(nets) => nets.iter().any(|n| n.contains(&ip)),
        }
    }

    /// The client address a request counts against (see the module docs).
    ///
    /// # Errors
    /// [`ApiError::BadForwardedFor`] when the peer is a trusted proxy and
    /// `X-Forwarded-For` is missing or has an unparsable entry where the client should be.
    pub fn client_ip(&self, peer: SocketAddr, headers: &HeaderMap) -> Result<IpAddr, ApiError> {
        let peer_ip = peer.ip().to_canonical();
        if !self.trusted(peer_ip) {
            return Ok(peer_ip);
        }
        let mut entries: Vec<&str> = Vec::new();
        for v in headers.get_all("x-forwarded-for") {
            let v = v.to_str().map_err(|_| {
                ApiError::BadForwardedFor("X-Forwarded-For is not ASCII".to_owned())
            })?;
            entries.extend(v.split(',').map(str::trim).filter(|e| !e.is_empty()));
        }
        let fix = "the proxy must append the client address \
                   (nginx: proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for)";
        let mut client = None;
        for entry in entries.iter().rev() {
            let ip = parse_forwarded_entry(entry).ok_or_else(|| {
                ApiError::BadForwardedFor(format!(
                    "X-Forwarded-For entry {entry:?} from trusted proxy {peer_ip} is not an address: {fix}"
                ))
            })?;
            client = Some(ip);
            if matches!(self.trust, ProxyTrust::AnyPeerLastHop) || !self.trusted(ip) {
                break;
            }
        }
        client.ok_or_else(|| {
            ApiError::BadForwardedFor(format!(
                "no X-Forwarded-For from trusted proxy {peer_ip}: {fix}"
            ))
        })
    }

    /// Counts one login from client address `ip` (in its bucket: [`bucket`]).
    ///
    /// # Errors
    /// [`ApiError::RateLimited`] with the seconds to wait (at least 1).
    pub fn check(&self, ip: IpAddr) -> Result<(), ApiError> {
        if self.limiter.len() > MAX_TRACKED {
            self.limiter.retain_recent();
        }
        self.limiter.check_key(&bucket(ip)).map_err(|not_until| {
            let wait = not_until.wait_time_from(self.clock.now());
            let secs = wait.as_secs() + u64::from(wait.subsec_nanos() > 0);
            ApiError::RateLimited(secs.max(1))
        })
    }
}

#[cfg(test)]
mod tests;
