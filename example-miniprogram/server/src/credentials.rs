//! The app's WeChat credentials (appid and app secret) and their shape check.

/// The app's WeChat credentials. `Debug` never prints the secret.
#[derive(Clone, PartialEq, Eq)]
pub struct Credentials {
    /// The mini program's appid.
    pub appid: String,
    /// The app secret.
    pub secret: String,
}

impl Credentials {
    /// Checks the shape of production credentials: the appid is `wx` followed by 16
    /// lowercase hex digits (as the mp.weixin.qq.com console shows it), the secret is
    /// not blank and has no whitespace or control characters.
    ///
    /// # Errors
    /// A message for the operator naming the variable and the fix (never the secret).
    pub fn validate(&self) -> Result<(), String> {
        let a = &self.appid;
        let appid_ok = a.len() == 18
            && a.starts_with("wx")
            && a[2..]
                .bytes()
                .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b));
        if a.trim().is_empty() {
            return Err("WECHAT_APPID is blank: set it to the mini program's appid (wx + 16 hex digits, from mp.weixin.qq.com → 开发管理 → 开发设置)".to_owned());
        }
        if !appid_ok {
            return Err(format!(
                "WECHAT_APPID {a:?} is not an appid: expected wx followed by 16 lowercase hex digits (e.g. wx4f4bc4dec97d474b), from mp.weixin.qq.com → 开发管理 → 开发设置"
            ));
        }
        let sec = &self.secret;
        if sec.trim().is_empty() {
            return Err("WECHAT_SECRET is blank: set it to the app secret (AppSecret, mp.weixin.qq.com → 开发管理 → 开发设置)".to_owned());
        }
        if sec.chars().any(|c| c.is_whitespace() || c.is_control()) {
            return Err("WECHAT_SECRET contains whitespace or control characters (a stray newline or space?): set it to the app secret exactly".to_owned());
        }
        Ok(())
    }
}

impl std::fmt::Debug for Credentials {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "Credentials {{ appid: {:?}, secret: <redacted> }}",
            self.appid
        )
    }
}
