//! Per-client-address rate limit of `POST /user/login` (a `governor` keyed GCRA limiter).
//!
//! The client address is the TCP peer's IP, or — with `trust_forwarded_for`, for a
//! server behind its own reverse proxy — the **last** address of `X-Forwarded-For`
//! (the one that proxy appended; earlier entries are the client's to forge). An
//! over-limit call is answered 429 `rate_limited` with `Retry-After` in whole seconds.

use std::net::{IpAddr, SocketAddr};
use std::num::NonZeroU32;

use axum::http::HeaderMap;
use governor::clock::{Clock as _, DefaultClock};
use governor::{DefaultKeyedRateLimiter, Quota, RateLimiter};

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

/// The limiter (cheap to share behind an `Arc`).
pub struct LoginLimiter {
    limiter: DefaultKeyedRateLimiter<IpAddr>,
    clock: DefaultClock,
    trust_forwarded_for: bool,
}

impl LoginLimiter {
    /// A limiter for `rate`; see the module docs for `trust_forwarded_for`.
    pub fn new(rate: LoginRate, trust_forwarded_for: bool) -> LoginLimiter {
        let quota = Quota::per_minute(rate.per_minute).allow_burst(rate.burst);
        LoginLimiter {
            limiter: RateLimiter::keyed(quota),
            clock: DefaultClock::default(),
            trust_forwarded_for,
        }
    }

    /// The address a request counts against.
    pub fn client_ip(&self, peer: SocketAddr, headers: &HeaderMap) -> IpAddr {
        if self.trust_forwarded_for {
            let last = headers
                .get_all("x-forwarded-for")
                .iter()
                .filter_map(|v| v.to_str().ok())
                .flat_map(|v| v.split(','))
                .last()
                .and_then(|s| s.trim().parse::<IpAddr>().ok());
            if let Some(ip) = last {
                return ip.to_canonical();
            }
        }
        peer.ip().to_canonical()
    }

    /// Counts one login from `ip`.
    ///
    /// # Errors
    /// [`ApiError::RateLimited`] with the seconds to wait (at least 1).
    pub fn check(&self, ip: IpAddr) -> Result<(), ApiError> {
        if self.limiter.len() > MAX_TRACKED {
            self.limiter.retain_recent();
        }
        self.limiter.check_key(&ip).map_err(|not_until| {
            let wait = not_until.wait_time_from(self.clock.now());
            let secs = wait.as_secs() + u64::from(wait.subsec_nanos() > 0);
            ApiError::RateLimited(secs.max(1))
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn limits_per_address_and_reads_the_proxy_header_only_when_trusted() {
        let rate = LoginRate {
            per_minute: NonZeroU32::new(1).unwrap(),
            burst: NonZeroU32::new(2).unwrap(),
        };
        let l = LoginLimiter::new(rate, false);
        let a: IpAddr = "10.0.0.1".parse().unwrap();
        let b: IpAddr = "10.0.0.2".parse().unwrap();
        assert!(l.check(a).is_ok() && l.check(a).is_ok());
        match l.check(a) {
            Err(ApiError::RateLimited(s)) => assert!((1..=60).contains(&s), "{s}"),
            other => panic!("{other:?}"),
        }
        assert!(l.check(b).is_ok());

        let mut h = HeaderMap::new();
        h.insert("x-forwarded-for", "1.1.1.1, 2.2.2.2".parse().unwrap());
        let peer: SocketAddr = "127.0.0.1:9".parse().unwrap();
        assert_eq!(l.client_ip(peer, &h), peer.ip());
        let trusting = LoginLimiter::new(rate, true);
        assert_eq!(
            trusting.client_ip(peer, &h),
            "2.2.2.2".parse::<IpAddr>().unwrap()
        );
    }
}
