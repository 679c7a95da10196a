//! The fake's auth.getStableAccessToken, as WeChat answers it (official page
//! "获取稳定版接口调用凭据", 注意事项):
//! - normal mode (`force_refresh` false or absent): the current token while it has more
//!   than [`RENEW_WINDOW_SECS`] left (so `expires_in` is always above 300); in its last
//!   5 minutes a new token (the old one stays valid until its own expiry);
//! - forced mode: a new token that **invalidates** the previous one (which then answers
//!   40001), at most [`FORCE_REFRESH_PER_DAY`] times a day and
//!   [`FORCE_REFRESH_SPACING_SECS`] apart; over the daily limit 45009, too soon 45011
//!   (the errcodes of the two limits are not documented: unconfirmed);
//! - an IP whitelist ([`FakeWeChat::set_ip_whitelist`]): any other caller gets 40164
//!   `"invalid ip <ip> ipv6 <v6>, not in whitelist"`.

use std::borrow::Cow;
use std::net::IpAddr;
use std::sync::atomic::Ordering;

use serde_json::Value;

use super::{
    err, FakeError, FakeWeChat, ACCESS_TOKEN_TTL_SECS, CODE_FORGET_SECS, FORCE_REFRESH_PER_DAY,
    FORCE_REFRESH_SPACING_SECS, RENEW_WINDOW_SECS,
};
use crate::support::random_hex;

impl FakeWeChat {
    /// Counts one stable_token request as it **arrives** (before any test delay), so a
    /// hanging fake still shows how many calls the server made.
    pub fn note_stable_token_call(&self) {
        self.stable_token_calls.fetch_add(1, Ordering::Relaxed);
    }

    /// Test hook: `Some(ips)` makes stable_token answer 40164 to callers not in `ips`
    /// (WeChat's IP whitelist of the app); `None` turns the whitelist off.
    pub fn set_ip_whitelist(&self, ips: Option<Vec<IpAddr>>) {
        self.state().ip_whitelist = ips;
    }

    /// getStableAccessToken on a JSON body from `caller` (see the module docs):
    /// `Ok((access_token, expires_in))` or an errcode: 41002 / 41004 missing appid /
    /// secret, 40002 grant_type not `client_credential`, 40013 / 40125 bad appid /
    /// secret, 40164 caller not whitelisted, 45009 / 45011 forced-refresh limits.
    pub fn stable_token(
        &self,
        body: &Value,
        caller: Option<IpAddr>,
    ) -> Result<(String, i64), FakeError> {
        self.injected("stable_token")?;
        let s = |k: &str| body.get(k).and_then(Value::as_str);
        self.check_app(s("appid"), s("secret"))?;
        if s("grant_type") != Some("client_credential") {
            return Err(err(40002));
        }
        let force = body
            .get("force_refresh")
            .and_then(Value::as_bool)
            .unwrap_or(false);
        let now = (self.clock)();
        let mut st = self.state();
        if let (Some(list), Some(ip)) = (&st.ip_whitelist, caller) {
            let ip = ip.to_canonical();
            if !list.iter().any(|w| w.to_canonical() == ip) {
                let v6 = match ip {
                    IpAddr::V4(v4) => v4.to_ipv6_mapped().to_string(),
                    IpAddr::V6(v6) => v6.to_string(),
                };
                return Err((
                    40164,
                    Cow::Owned(format!("invalid ip {ip} ipv6 {v6}, not in whitelist")),
                ));
            }
        }
        st.tokens.retain(|_, exp| *exp > now - CODE_FORGET_SECS);
        let current = st
            .current_token
            .clone()
            .and_then(|t| st.tokens.get(&t).map(|&exp| (t, exp)));
        if force {
            let day = now.div_euclid(86_400);
            if st.forced.0 != day {
                st.forced = (day, 0, st.forced.2);
            }
            if st.forced.1 >= FORCE_REFRESH_PER_DAY {
                return Err(err(45009));
            }
            if st
                .forced
                .2
                .is_some_and(|last| now - last < FORCE_REFRESH_SPACING_SECS)
            {
                return Err(err(45011));
            }
            st.forced = (day, st.forced.1 + 1, Some(now));
            if let Some((old, _)) = &current {
                st.tokens.remove(old);
            }
        } else if let Some((t, exp)) = current {
            if exp - now > RENEW_WINDOW_SECS {
                return Ok((t, exp - now));
            }
        }
        let token = format!("FAKE_ACCESS_TOKEN_{}", random_hex(24));
        st.tokens.insert(token.clone(), now + ACCESS_TOKEN_TTL_SECS);
        st.current_token = Some(token.clone());
        Ok((token, ACCESS_TOKEN_TTL_SECS))
    }
}
