//! Backoff between failed logins: no login storm, ever.

use crate::error::LoginError;

/// Exponential backoff with "equal jitter" after consecutive failed logins.
///
/// After the n-th failure in a row the next login may start no earlier than
/// `d/2 + rand(0..=d/2)` ms later, where `d = min(max_ms, base_ms · 2^(n-1))`. Until
/// then a request that needs a login is rejected at once with the last login error.
/// The jitter comes from a seed (xorshift64*), so a run is reproducible.
#[derive(Debug, Clone)]
pub struct Backoff {
    base_ms: u64,
    max_ms: u64,
    failures: u32,
    until_ms: u64,
    last_error: Option<LoginError>,
    rng: u64,
}

impl Backoff {
    /// No failure yet. `base_ms` 0 turns backoff off.
    pub fn new(base_ms: u64, max_ms: u64, seed: u64) -> Backoff {
        // xorshift needs a non-zero state.
        let rng = seed ^ 0x9E37_79B9_7F4A_7C15;
        Backoff {
            base_ms,
            max_ms,
            failures: 0,
            until_ms: 0,
            last_error: None,
            rng: rng.max(1),
        }
    }

    /// A login failed at `now` (ms) with `error`; returns the delay chosen, in ms.
    pub fn failed(&mut self, error: LoginError, now: u64) -> u64 {
        self.failures = self.failures.saturating_add(1);
        let shift = (self.failures - 1).min(32);
        let d = self.base_ms.saturating_mul(1u64 << shift).min(self.max_ms);
        let delay = d / 2 + self.next() % (d / 2 + 1);
        self.until_ms = now.saturating_add(delay);
        self.last_error = Some(error);
        delay
    }

    /// A login succeeded, or the user logged out: start afresh.
    pub fn reset(&mut self) {
        self.failures = 0;
        self.until_ms = 0;
        self.last_error = None;
    }

    /// The error to reject with at `now`, while backing off.
    pub fn blocking(&self, now: u64) -> Option<&LoginError> {
        self.last_error.as_ref().filter(|_| now < self.until_ms)
    }

    fn next(&mut self) -> u64 {
        let mut x = self.rng;
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        self.rng = x;
        x.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloc::vec::Vec;

    #[test]
    fn delays_grow_within_their_jitter_band_and_cap() {
        let mut b = Backoff::new(1_000, 8_000, 7);
        let e = LoginError::LoggedOut;
        for (n, d) in [
            (1, 1_000u64),
            (2, 2_000),
            (3, 4_000),
            (4, 8_000),
            (5, 8_000),
            (40, 8_000),
        ] {
            while b.failures + 1 < n {
                b.failed(e.clone(), 0);
            }
            let delay = b.failed(e.clone(), 100);
            assert!(
                (d / 2..=d).contains(&delay),
                "failure {n}: {delay} not in {}..={d}",
                d / 2
            );
            assert!(b.blocking(100 + delay - 1).is_some());
            assert!(b.blocking(100 + delay).is_none());
        }
        b.reset();
        assert!(b.blocking(0).is_none());
    }

    #[test]
    fn the_same_seed_gives_the_same_delays() {
        let run = |seed| {
            let mut b = Backoff::new(1_000, 60_000, seed);
            (0..6)
                .map(|_| b.failed(LoginError::LoggedOut, 0))
                .collect::<Vec<_>>()
        };
        assert_eq!(run(1), run(1));
        assert_ne!(run(1), run(2));
        assert_eq!(
            Backoff::new(0, 0, 3).failed(LoginError::LoggedOut, 5),
            0,
            "base 0: off"
        );
    }
}
