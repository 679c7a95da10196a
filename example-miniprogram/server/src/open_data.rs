//! WeChat's open-data checks (开放数据校验与解密, docs/WECHAT.md): the signature of
//! `rawData` and the decryption of `encryptedData`. Pure functions; time is an argument.
//!
//! - signature: `signature == hex(sha1(rawData + session_key))`, compared in constant time.
//! - decryption: AES-128-CBC with PKCS#7 padding; key = base64-decode(session_key)
//!   (16 bytes), iv = base64-decode(iv) (16 bytes), ciphertext = base64-decode(encryptedData).
//!   The plaintext is a JSON object with `watermark: {appid, timestamp}` (Unix seconds).
//! - answer: only the allowlisted fields of the data's [`DataKind`].

use aes::cipher::{block_padding::Pkcs7, BlockDecryptMut, KeyIvInit};
use base64::engine::general_purpose::STANDARD as B64;
use base64::Engine as _;
use serde_json::{Map, Value};
use sha1::Digest as _;
use subtle::ConstantTimeEq as _;

use crate::error::ApiError;

type Aes128CbcDec = cbc::Decryptor<aes::Aes128>;

/// Longest accepted `encryptedData` / `rawData`, characters (real ones are well under 4 KiB).
pub const MAX_DATA_LEN: usize = 64 * 1024;

/// Whether `signature` (hex, any case) equals `sha1(raw_data + session_key)`.
/// Constant-time in the signature's content.
pub fn verify_signature(raw_data: &str, session_key: &str, signature: &str) -> bool {
    let mut h = sha1::Sha1::new();
    h.update(raw_data.as_bytes());
    h.update(session_key.as_bytes());
    let expected = hex::encode(h.finalize());
    let given = signature.trim().to_ascii_lowercase();
    given.len() == expected.len() && bool::from(expected.as_bytes().ct_eq(given.as_bytes()))
}

fn b64_16(what: &str, s: &str) -> Result<[u8; 16], ApiError> {
    let v = B64
        .decode(s.trim())
        .map_err(|_| ApiError::BadRequest(format!("\"{what}\" is not base64")))?;
    v.try_into()
        .map_err(|_| ApiError::BadRequest(format!("\"{what}\" must decode to 16 bytes")))
}

/// The kinds of open data `/user/decrypt` answers, each with its allowlist of fields
/// (everything else, `openId`, `unionId` and `watermark` included, is dropped).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DataKind {
    /// User info (`wx.getUserInfo` / `getUserProfile` encryptedData): `nickName`,
    /// `gender`, `language`, `city`, `province`, `country`, `avatarUrl`. Its `openId`
    /// must be the session's openid (a tampered `iv` cannot rename or alter it).
    UserInfo,
    /// Phone number (the older `getPhoneNumber` encryptedData): `phoneNumber`,
    /// `purePhoneNumber`, `countryCode`.
    PhoneNumber,
    /// WeRun data (`wx.getWeRunData`): `stepInfoList`, each item `{timestamp, step}`.
    RunData,
    /// Share info (`wx.getShareInfo`): `openGId` (the group's id, not a user's).
    ShareInfo,
}

impl DataKind {
    /// The kind's name in the answer: `userInfo`, `phoneNumber`, `runData`, `shareInfo`.
    pub fn name(self) -> &'static str {
        match self {
            DataKind::UserInfo => "userInfo",
            DataKind::PhoneNumber => "phoneNumber",
            DataKind::RunData => "runData",
            DataKind::ShareInfo => "shareInfo",
        }
    }

    /// The top-level fields answered for this kind.
    pub fn allowlist(self) -> &'static [&'static str] {
        match self {
            DataKind::UserInfo => &[
                "nickName",
                "gender",
                "language",
                "city",
                "province",
                "country",
                "avatarUrl",
            ],
            DataKind::PhoneNumber => &["phoneNumber", "purePhoneNumber", "countryCode"],
            DataKind::RunData => &["stepInfoList"],
            DataKind::ShareInfo => &["openGId"],
        }
    }

    /// The kind of a decrypted object, by the field only that kind has; `None` when no
    /// kind or more than one matches.
    fn of(obj: &Map<String, Value>) -> Option<DataKind> {
        let has = |k: &str| obj.contains_key(k);
        let kinds = [
            (
                DataKind::UserInfo,
                has("openId") || has("nickName") || has("avatarUrl"),
            ),
            (
                DataKind::PhoneNumber,
                has("phoneNumber") || has("purePhoneNumber"),
            ),
            (DataKind::RunData, has("stepInfoList")),
            (DataKind::ShareInfo, has("openGId")),
        ];
        let mut found = kinds.iter().filter(|(_, m)| *m).map(|(k, _)| *k);
        match (found.next(), found.next()) {
            (Some(k), None) => Some(k),
            _ => None,
        }
    }
}

/// Decrypts `encrypted_data` with `session_key` and `iv` (all base64), checks the
/// watermark (`watermark.appid == appid`, and, if `max_age_secs > 0`,
/// `now - watermark.timestamp <= max_age_secs`, seconds), recognises the data's
/// [`DataKind`] and answers only that kind's allowlisted fields. User info must carry
/// `openId == openid` (the session's). AES-CBC has no integrity and the client chooses
/// the `iv`, so the first 16 bytes of plaintext are the client's to rewrite: these
/// checks make sure such a rewrite can never bring the openid (or anything outside the
/// allowlist) into the answer.
///
/// # Errors
/// [`ApiError::BadRequest`] for an iv that is not base64 of 16 bytes or data that is not
/// base64; [`ApiError::DecryptFailed`] for a bad padding, a length that is not a whole
/// number of blocks, a plaintext that is not a JSON object (tampered data or another
/// key), or user info whose `openId` is missing or another user's;
/// [`ApiError::UnsupportedData`] for data of no known kind;
/// [`ApiError::WatermarkMismatch`] / [`ApiError::WatermarkExpired`] for the checks.
/// A session_key that is not base64 of 16 bytes is [`ApiError::DecryptFailed`] too.
pub fn decrypt(
    encrypted_data: &str,
    iv: &str,
    session_key: &str,
    openid: &str,
    appid: &str,
    now: i64,
    max_age_secs: i64,
) -> Result<(DataKind, Map<String, Value>), ApiError> {
    let iv = b64_16("iv", iv)?;
    let key = b64_16("session_key", session_key).map_err(|_| ApiError::DecryptFailed)?;
    let data = B64
        .decode(encrypted_data.trim())
        .map_err(|_| ApiError::BadRequest("\"encryptedData\" is not base64".into()))?;
    let plain = Aes128CbcDec::new(&key.into(), &iv.into())
        .decrypt_padded_vec_mut::<Pkcs7>(&data)
        .map_err(|_| ApiError::DecryptFailed)?;
    let mut obj = match serde_json::from_slice::<Value>(&plain) {
        Ok(Value::Object(m)) => m,
        _ => return Err(ApiError::DecryptFailed),
    };
    let wm = obj.remove("watermark");
    let wm_appid = wm
        .as_ref()
        .and_then(|w| w.get("appid"))
        .and_then(Value::as_str);
    if wm_appid != Some(appid) {
        return Err(ApiError::WatermarkMismatch);
    }
    if max_age_secs > 0 {
        let ts = wm
            .as_ref()
            .and_then(|w| w.get("timestamp"))
            .and_then(Value::as_i64)
            .ok_or(ApiError::WatermarkExpired { max_age_secs })?;
        if now.saturating_sub(ts) > max_age_secs {
            return Err(ApiError::WatermarkExpired { max_age_secs });
        }
    }
    let kind = DataKind::of(&obj).ok_or(ApiError::UnsupportedData(
        "expected user info, a phone number, WeRun data or share info",
    ))?;
    if kind == DataKind::UserInfo && obj.get("openId").and_then(Value::as_str) != Some(openid) {
        return Err(ApiError::DecryptFailed);
    }
    let mut out = Map::new();
    for k in kind.allowlist() {
        if let Some(v) = obj.remove(*k) {
            out.insert((*k).to_owned(), v);
        }
    }
    if let Some(Value::Array(steps)) = out.get_mut("stepInfoList") {
        for step in steps.iter_mut() {
            let keep = |k: &str| step.get(k).cloned();
            let (ts, n) = (keep("timestamp"), keep("step"));
            *step = serde_json::json!({ "timestamp": ts, "step": n });
        }
    }
    Ok((kind, out))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn signature_vector_from_wechat_api_md() {
        let raw = crate::open_data::tests_vectors::RAW_DATA;
        let key = "HyVFkGl5F5OQWJZZaNzBBg==";
        assert!(verify_signature(
            raw,
            key,
            "75e81ceda165f4ffa64f4068af58c64b8f54b88c"
        ));
        assert!(verify_signature(
            raw,
            key,
            "75E81CEDA165F4FFA64F4068AF58C64B8F54B88C"
        ));
        assert!(!verify_signature(
            raw,
            key,
            "75e81ceda165f4ffa64f4068af58c64b8f54b88d"
        ));
        assert!(!verify_signature(raw, key, ""));
        assert!(!verify_signature(
            raw,
            "tiihtNczf5v6AKRyjwEUhQ==",
            "75e81ceda165f4ffa64f4068af58c64b8f54b88c"
        ));
    }
}

#[cfg(test)]
pub(crate) mod tests_vectors {
    /// rawData of WeChat's official signature sample.
    pub const RAW_DATA: &str = r#"{"nickName":"Band","gender":1,"language":"zh_CN","city":"Guangzhou","province":"Guangdong","country":"CN","avatarUrl":"http://wx.qlogo.cn/mmopen/vi_32/1vZvI39NWFQ9XM4LtQpFrQJ1xlgZxx3w7bQxKARol6503Iuswjjn6nIGBiaycAjAtpujxyzYsrztuuICqIM5ibXQ/0"}"#;
}
