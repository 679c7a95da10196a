//! Issue item 3: /user/decrypt and /user/verify against WeChat's official open-data
//! sample (开放数据校验与解密: the WXBizDataCrypt demo), plus tampering.

mod common;

use base64::engine::general_purpose::STANDARD as B64;
use base64::Engine as _;
use common::{encrypt, login_sample, post_bearer, sample, start, start_with, T0};

const _: () = assert!(T0 > sample::TIMESTAMP);
use serde_json::{json, Value};

fn decrypt(base: &str, token: &str, data: &str, iv: &str) -> (u16, Value) {
    post_bearer(
        &format!("{base}/user/decrypt"),
        token,
        &json!({ "encryptedData": data, "iv": iv }),
    )
}

/// A server whose watermark age check is off (the sample's timestamp is from 2016).
fn start_no_age() -> common::TestServer {
    start_with(|c| c.open_data_max_age_secs = 0)
}

#[test]
fn decrypts_the_official_sample_without_watermark_or_ids() {
    let srv = start_no_age();
    let token = login_sample(&srv.base, sample::SESSION_KEY);
    let (status, body) = decrypt(&srv.base, &token, sample::ENCRYPTED_DATA, sample::IV);
    assert_eq!(status, 200, "{body}");
    assert_eq!(
        body,
        json!({ "kind": "userInfo", "data": {
            "nickName": "Band",
            "gender": 1,
            "language": "zh_CN",
            "city": "Guangzhou",
            "province": "Guangdong",
            "country": "CN",
            "avatarUrl": "http://wx.qlogo.cn/mmopen/vi_32/aSKcBBPpibyKNicHNTMM0qJVh8Kjgiak2AHWr8MHM4WgMEm7GFhsf8OYrySdbvAMvTsw3mo8ibKicsnfN5pRjl1p8HQ/0",
        }}),
        "the user-info allowlist: watermark, openId and unionId are not answered"
    );
}

#[test]
fn the_watermark_age_is_checked() {
    let srv = start(); // default max age: 600 s
    let token = login_sample(&srv.base, sample::SESSION_KEY);
    let (status, body) = decrypt(&srv.base, &token, sample::ENCRYPTED_DATA, sample::IV);
    assert_eq!(
        (status, body["error"].as_str()),
        (400, Some("watermark_expired")),
        "{body}"
    );

    // With the clock at the sample's own time (a fresh session), it is young enough.
    srv.set_time(sample::TIMESTAMP + 600);
    let token = login_sample(&srv.base, sample::SESSION_KEY);
    assert_eq!(
        decrypt(&srv.base, &token, sample::ENCRYPTED_DATA, sample::IV).0,
        200
    );
    srv.advance(1);
    let (status, body) = decrypt(&srv.base, &token, sample::ENCRYPTED_DATA, sample::IV);
    assert_eq!(
        (status, body["error"].as_str()),
        (400, Some("watermark_expired"))
    );
}

#[test]
fn tampered_data_wrong_padding_and_bad_ivs_are_clear_errors() {
    let srv = start_no_age();
    let token = login_sample(&srv.base, sample::SESSION_KEY);
    let mut bytes = B64.decode(sample::ENCRYPTED_DATA).unwrap();

    // A flipped bit in the middle garbles two blocks of JSON.
    let mut tampered = bytes.clone();
    tampered[40] ^= 0x01;
    let (status, body) = decrypt(&srv.base, &token, &B64.encode(&tampered), sample::IV);
    assert_eq!(
        (status, body["error"].as_str()),
        (400, Some("decrypt_failed")),
        "{body}"
    );

    // A changed last block breaks the PKCS#7 padding.
    let n = bytes.len();
    bytes[n - 1] ^= 0x55;
    let (status, body) = decrypt(&srv.base, &token, &B64.encode(&bytes), sample::IV);
    assert_eq!(
        (status, body["error"].as_str()),
        (400, Some("decrypt_failed")),
        "{body}"
    );

    // Not a whole number of blocks.
    let short = &B64.decode(sample::ENCRYPTED_DATA).unwrap()[..n - 3];
    assert_eq!(
        decrypt(&srv.base, &token, &B64.encode(short), sample::IV).1["error"],
        "decrypt_failed"
    );

    // Another iv of the right length garbles the first block.
    let (status, body) = decrypt(
        &srv.base,
        &token,
        sample::ENCRYPTED_DATA,
        &B64.encode([7u8; 16]),
    );
    assert_eq!(
        (status, body["error"].as_str()),
        (400, Some("decrypt_failed")),
        "{body}"
    );

    for (data, iv) in [
        (sample::ENCRYPTED_DATA, B64.encode([1u8; 12])), // 12-byte iv
        (sample::ENCRYPTED_DATA, B64.encode([1u8; 24])), // 24-byte iv
        (sample::ENCRYPTED_DATA, "not base64!".to_owned()),
        ("not base64!", sample::IV.to_owned()),
    ] {
        let (status, body) = decrypt(&srv.base, &token, data, &iv);
        assert_eq!(
            (status, body["error"].as_str()),
            (400, Some("bad_request")),
            "{iv}: {body}"
        );
        assert!(body["message"].is_string());
    }
    for body in [
        json!({}),
        json!({ "encryptedData": 1, "iv": sample::IV }),
        json!([]),
    ] {
        let (status, v) = post_bearer(&format!("{}/user/decrypt", srv.base), &token, &body);
        assert_eq!(
            (status, v["error"].as_str()),
            (400, Some("bad_request")),
            "{body}"
        );
    }
}

#[test]
fn another_apps_data_is_a_watermark_mismatch() {
    let srv = start_with(|c| {
        c.open_data_max_age_secs = 0;
        c.mode = weapp_login_example_server::Mode::Demo;
    });
    // The sample is for wx4f4bc4dec97d474b; re-encrypt its plaintext claiming another app.
    let plain = json!({ "openId": sample::OPENID, "nickName": "Band", "watermark": { "appid": "wxOtherApp", "timestamp": T0 } });
    let data = encrypt(
        sample::SESSION_KEY,
        sample::IV,
        plain.to_string().as_bytes(),
    );
    let token = login_sample(&srv.base, sample::SESSION_KEY);
    let (status, body) = decrypt(&srv.base, &token, &data, sample::IV);
    assert_eq!(
        (status, body["error"].as_str()),
        (400, Some("watermark_mismatch")),
        "{body}"
    );
    // And the same with the right appid decrypts.
    let plain = json!({ "openId": sample::OPENID, "nickName": "Band", "watermark": { "appid": sample::APPID, "timestamp": T0 } });
    let data = encrypt(
        sample::SESSION_KEY,
        sample::IV,
        plain.to_string().as_bytes(),
    );
    let (status, body) = decrypt(&srv.base, &token, &data, sample::IV);
    assert_eq!(
        (status, body),
        (
            200,
            json!({ "kind": "userInfo", "data": { "nickName": "Band" } })
        )
    );
}

#[test]
fn a_session_whose_session_key_changed_cannot_decrypt() {
    let srv = start_no_age();
    let old = login_sample(&srv.base, sample::SESSION_KEY);
    // Logging in again gives the user a new session_key (and a new session).
    let new = login_sample(&srv.base, "AAAAAAAAAAAAAAAAAAAAAA==");
    let (status, body) = decrypt(&srv.base, &new, sample::ENCRYPTED_DATA, sample::IV);
    assert_eq!(
        (status, body["error"].as_str()),
        (400, Some("decrypt_failed")),
        "{body}"
    );
    assert_eq!(
        decrypt(&srv.base, &old, sample::ENCRYPTED_DATA, sample::IV).0,
        200
    );
}

#[test]
fn verifies_the_official_signature_sample() {
    let srv = start();
    let token = login_sample(&srv.base, sample::SIGN_SESSION_KEY);
    let url = format!("{}/user/verify", srv.base);
    let (status, body) = post_bearer(
        &url,
        &token,
        &json!({ "rawData": sample::RAW_DATA, "signature": sample::SIGNATURE }),
    );
    assert_eq!((status, body), (200, json!({ "verified": true })));

    let altered = sample::RAW_DATA.replace("Band", "Bend");
    for (raw, sig) in [
        (altered.as_str(), sample::SIGNATURE),
        (sample::RAW_DATA, "75e81ceda165f4ffa64f4068af58c64b8f54b88d"),
        (sample::RAW_DATA, "75e81ced"),
    ] {
        let (status, body) =
            post_bearer(&url, &token, &json!({ "rawData": raw, "signature": sig }));
        assert_eq!(
            (status, body["error"].as_str()),
            (400, Some("signature_mismatch"))
        );
    }
    // The same signature under another session's key does not verify.
    let other = login_sample(&srv.base, sample::SESSION_KEY);
    let (status, _) = post_bearer(
        &url,
        &other,
        &json!({ "rawData": sample::RAW_DATA, "signature": sample::SIGNATURE }),
    );
    assert_eq!(status, 400);
    let (status, body) = post_bearer(&url, &token, &json!({ "rawData": sample::RAW_DATA }));
    assert_eq!((status, body["error"].as_str()), (400, Some("bad_request")));
}
