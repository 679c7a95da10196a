//! Issue 18 item 4: `/user/decrypt` answers an allowlist of fields per data kind, and
//! no rewrite of the client-chosen `iv` (which controls the first plaintext block of
//! AES-CBC) can bring the openid, or anything outside the allowlist, into an answer.

mod common;

use base64::engine::general_purpose::STANDARD as B64;
use base64::Engine as _;
use common::{encrypt, login_sample, post_bearer, sample, start_with, T0};
use serde_json::{json, Value};

fn decrypt(base: &str, token: &str, data: &str, iv: &str) -> (u16, Value) {
    post_bearer(
        &format!("{base}/user/decrypt"),
        token,
        &json!({ "encryptedData": data, "iv": iv }),
    )
}

fn server() -> common::TestServer {
    start_with(|c| c.open_data_max_age_secs = 0)
}

fn sealed(plain: &Value) -> String {
    encrypt(
        sample::SESSION_KEY,
        sample::IV,
        plain.to_string().as_bytes(),
    )
}

fn wm() -> Value {
    json!({ "appid": sample::APPID, "timestamp": T0 })
}

#[test]
fn flipping_iv_bits_never_lets_an_openid_like_field_escape() {
    let srv = server();
    let token = login_sample(&srv.base, sample::SESSION_KEY);
    let iv = B64.decode(sample::IV).unwrap();
    let allowed = [
        "nickName",
        "gender",
        "language",
        "city",
        "province",
        "country",
        "avatarUrl",
    ];
    let mut answered = 0;
    // Every single-bit flip, plus the byte rewrites that rename `openId` (plaintext
    // bytes 2..8) to any other letter.
    let mut ivs: Vec<Vec<u8>> = Vec::new();
    for byte in 0..16 {
        for bit in 0..8 {
            let mut v = iv.clone();
            v[byte] ^= 1 << bit;
            ivs.push(v);
        }
    }
    for pos in 2..8 {
        for letter in (b'a'..=b'z').filter(|l| *l != b"{\"openId\""[pos]) {
            let mut v = iv.clone();
            v[pos] ^= b"{\"openId\""[pos] ^ letter;
            ivs.push(v);
        }
    }
    for v in ivs {
        let (status, body) = decrypt(&srv.base, &token, sample::ENCRYPTED_DATA, &B64.encode(&v));
        let text = body.to_string();
        assert!(!text.contains("oGZUI0"), "the openid escaped: {text}");
        assert!(!text.contains("ocMvos"), "the unionid escaped: {text}");
        if status == 200 {
            answered += 1;
            for k in body["data"].as_object().unwrap().keys() {
                assert!(allowed.contains(&k.as_str()), "{k} escaped: {text}");
            }
        } else {
            assert_eq!(status, 400, "{text}");
        }
    }
    assert_eq!(
        answered, 0,
        "any rewrite of block 1 alters the openId: refused"
    );
    // The `openIx` of the issue, exactly.
    let mut v = iv.clone();
    v[7] ^= b'd' ^ b'x';
    let (status, body) = decrypt(&srv.base, &token, sample::ENCRYPTED_DATA, &B64.encode(&v));
    assert_eq!(
        (status, body["error"].as_str()),
        (400, Some("decrypt_failed")),
        "{body}"
    );
}

#[test]
fn each_kind_answers_its_allowlist_only() {
    let srv = server();
    let token = login_sample(&srv.base, sample::SESSION_KEY);
    let cases = [
        (
            json!({ "phoneNumber": "13800138000", "purePhoneNumber": "13800138000", "countryCode": "86", "extra": 1, "watermark": wm() }),
            json!({ "kind": "phoneNumber", "data": { "phoneNumber": "13800138000", "purePhoneNumber": "13800138000", "countryCode": "86" } }),
        ),
        (
            json!({ "stepInfoList": [{ "timestamp": 1, "step": 100, "openid": "x" }], "unionId": "u", "watermark": wm() }),
            json!({ "kind": "runData", "data": { "stepInfoList": [{ "timestamp": 1, "step": 100 }] } }),
        ),
        (
            json!({ "openGId": "tGxyz", "watermark": wm() }),
            json!({ "kind": "shareInfo", "data": { "openGId": "tGxyz" } }),
        ),
        (
            json!({ "openId": sample::OPENID, "nickName": "N", "unionId": "u", "sessionKey": "k", "watermark": wm() }),
            json!({ "kind": "userInfo", "data": { "nickName": "N" } }),
        ),
    ];
    for (plain, want) in cases {
        let (status, body) = decrypt(&srv.base, &token, &sealed(&plain), sample::IV);
        assert_eq!((status, &body), (200, &want), "{plain}");
    }
    for (plain, code) in [
        (
            json!({ "openid": sample::OPENID, "watermark": wm() }),
            "unsupported_data",
        ),
        (json!({ "foo": 1, "watermark": wm() }), "unsupported_data"),
        (
            json!({ "phoneNumber": "1", "openGId": "g", "watermark": wm() }),
            "unsupported_data",
        ),
        (
            json!({ "phoneNumber": "1", "openId": sample::OPENID, "watermark": wm() }),
            "unsupported_data",
        ),
        (
            json!({ "openId": "oSomeoneElse", "nickName": "N", "watermark": wm() }),
            "decrypt_failed",
        ),
        (
            json!({ "nickName": "N", "watermark": wm() }),
            "decrypt_failed",
        ),
        (
            json!({ "phoneNumber": "1", "watermark": { "appid": "wx0000000000000000", "timestamp": T0 } }),
            "watermark_mismatch",
        ),
    ] {
        let (status, body) = decrypt(&srv.base, &token, &sealed(&plain), sample::IV);
        assert_eq!(
            (status, body["error"].as_str()),
            (400, Some(code)),
            "{plain}: {body}"
        );
        assert!(!body.to_string().contains(sample::OPENID));
    }
}
