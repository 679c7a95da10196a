//! WeChat's open-data checks (开放数据校验与解密, docs/WECHAT.md): the signature of
//! `rawData` and the decryption of `encryptedData`. Pure functions; time is an argument.
//!
//! - signature: `signature == hex(sha1(rawData + session_key))`, compared in constant time.
//! - decryption: AES-128-CBC with PKCS#7 padding; key = base64-decode(session_key)
//!   (16 bytes), iv = base64-decode(iv) (16 bytes), ciphertext = base64-decode(encryptedData).
//!   The plaintext is a JSON object with `watermark: {appid, timestamp}` (Unix seconds).

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

/// Decrypts `encrypted_data` with `session_key` and `iv` (all base64) and checks the
/// watermark: `watermark.appid == appid`, and, if `max_age_secs > 0`,
/// `now - watermark.timestamp <= max_age_secs` (seconds). Answers the decrypted object
/// without `watermark`, `openId` and `unionId` (those never leave the server).
///
/// # Errors
/// [`ApiError::BadRequest`] for an iv that is not base64 of 16 bytes or data that is not
/// base64; [`ApiError::DecryptFailed`] for a bad padding, a length that is not a whole
/// number of blocks, or a plaintext that is not a JSON object (tampered data or another
/// key); [`ApiError::WatermarkMismatch`] / [`ApiError::WatermarkExpired`] for the checks.
/// A session_key that is not base64 of 16 bytes is [`ApiError::DecryptFailed`] too.
pub fn decrypt(
    encrypted_data: &str,
    iv: &str,
    session_key: &str,
    appid: &str,
    now: i64,
    max_age_secs: i64,
) -> Result<Map<String, Value>, ApiError> {
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
    obj.remove("openId");
    obj.remove("unionId");
    Ok(obj)
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
