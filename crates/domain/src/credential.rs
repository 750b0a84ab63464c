//! Recognitions as Open Badges 3.0 credentials (OpenBadgeCredential), secured as **VC-JWT**
//! (a JWS with EdDSA over Ed25519, `typ` "vc+jwt"), the JOSE form the VC specifications allow
//! beside Data Integrity proofs: it needs no RDF canonicalisation, and any JOSE library can
//! check it. Revocation is a Bitstring Status List entry (`credentialStatus`).

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use ed25519_dalek::{Signature, Signer, SigningKey, Verifier, VerifyingKey};
use jiff::civil::Date;
use serde_json::{Value, json};

/// Facts a credential states.
#[derive(Debug, Clone)]
pub struct CredentialFacts {
    /// A URL that identifies this credential (the verification page).
    pub id: String,
    /// A URL that identifies the issuing unit (its key document).
    pub issuer_id: String,
    pub issuer_name: String,
    pub subject_name: String,
    pub achievement_id: String,
    pub achievement_name: String,
    pub criteria: String,
    pub level: String,
    pub valid_from: Date,
    pub valid_until: Option<Date>,
    pub status_list: String,
    pub status_index: u64,
}

/// Why a credential does not verify.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CredentialError {
    #[error("không phải VC-JWT hợp lệ: {0}")]
    Malformed(String),
    #[error("chữ ký không đúng: nội dung đã bị sửa hoặc không do đơn vị này cấp")]
    BadSignature,
}

/// The OB3 credential document (JSON-LD, contexts VC 2.0 and OB 3.0.3).
pub fn ob3_credential(f: &CredentialFacts) -> Value {
    let mut vc = json!({
        "@context": ["https://www.w3.org/ns/credentials/v2", "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json"],
        "id": f.id,
        "type": ["VerifiableCredential", "OpenBadgeCredential"],
        "issuer": {"id": f.issuer_id, "type": ["Profile"], "name": f.issuer_name},
        "validFrom": format!("{}T00:00:00+07:00", f.valid_from),
        "name": f.achievement_name,
        "credentialSubject": {
            "type": ["AchievementSubject"],
            "name": f.subject_name,
            "achievement": {
                "id": f.achievement_id,
                "type": ["Achievement"],
                "name": f.achievement_name,
                "description": format!("{} – {}", f.achievement_name, f.level),
                "criteria": {"narrative": f.criteria},
                "achievementType": "Achievement"
            }
        },
        "credentialStatus": {
            "id": format!("{}#{}", f.status_list, f.status_index),
            "type": "BitstringStatusListEntry",
            "statusPurpose": "revocation",
            "statusListIndex": f.status_index.to_string(),
            "statusListCredential": f.status_list
        }
    });
    if let (Some(until), Some(obj)) = (f.valid_until, vc.as_object_mut()) {
        obj.insert("validUntil".into(), Value::String(format!("{until}T23:59:59+07:00")));
    }
    vc
}

/// Signs a payload as a compact JWS (EdDSA/Ed25519) with `typ` "vc+jwt".
pub fn sign_jwt(payload: &Value, kid: &str, secret: &[u8; 32]) -> String {
    let header = json!({"alg": "EdDSA", "typ": "vc+jwt", "kid": kid});
    let signing_input = format!("{}.{}", URL_SAFE_NO_PAD.encode(header.to_string()), URL_SAFE_NO_PAD.encode(payload.to_string()));
    let sig: Signature = SigningKey::from_bytes(secret).sign(signing_input.as_bytes());
    format!("{signing_input}.{}", URL_SAFE_NO_PAD.encode(sig.to_bytes()))
}

/// The header's `kid` of a JWS, to find the key (unverified: only a look-up hint).
pub fn jwt_kid(jwt: &str) -> Result<String, CredentialError> {
    let header = jwt.split('.').next().ok_or_else(|| CredentialError::Malformed("thiếu phần đầu".into()))?;
    let bytes = URL_SAFE_NO_PAD.decode(header).map_err(|e| CredentialError::Malformed(e.to_string()))?;
    let v: Value = serde_json::from_slice(&bytes).map_err(|e| CredentialError::Malformed(e.to_string()))?;
    v.get("kid").and_then(Value::as_str).map(String::from).ok_or_else(|| CredentialError::Malformed("thiếu kid".into()))
}

/// Checks a JWS against a public key and returns its payload.
pub fn verify_jwt(jwt: &str, public: &[u8; 32]) -> Result<Value, CredentialError> {
    let mut parts = jwt.trim().split('.');
    let (Some(h), Some(p), Some(s), None) = (parts.next(), parts.next(), parts.next(), parts.next()) else {
        return Err(CredentialError::Malformed("cần 3 phần ngăn bởi dấu chấm".into()));
    };
    let header: Value = serde_json::from_slice(&URL_SAFE_NO_PAD.decode(h).map_err(|e| CredentialError::Malformed(e.to_string()))?)
        .map_err(|e| CredentialError::Malformed(e.to_string()))?;
    if header.get("alg").and_then(Value::as_str) != Some("EdDSA") {
        return Err(CredentialError::Malformed("thuật toán không phải EdDSA".into()));
    }
    let sig_bytes: [u8; 64] = URL_SAFE_NO_PAD
        .decode(s)
        .map_err(|e| CredentialError::Malformed(e.to_string()))?
        .try_into()
        .map_err(|_| CredentialError::BadSignature)?;
    let key = VerifyingKey::from_bytes(public).map_err(|_| CredentialError::BadSignature)?;
    key.verify(format!("{h}.{p}").as_bytes(), &Signature::from_bytes(&sig_bytes)).map_err(|_| CredentialError::BadSignature)?;
    serde_json::from_slice(&URL_SAFE_NO_PAD.decode(p).map_err(|e| CredentialError::Malformed(e.to_string()))?)
        .map_err(|e| CredentialError::Malformed(e.to_string()))
}

/// The public key of a secret key.
pub fn public_key(secret: &[u8; 32]) -> [u8; 32] {
    SigningKey::from_bytes(secret).verifying_key().to_bytes()
}

/// A public key as a JWK (OKP, Ed25519), for any JOSE library.
pub fn jwk(public: &[u8; 32], kid: &str) -> Value {
    json!({"kty": "OKP", "crv": "Ed25519", "x": URL_SAFE_NO_PAD.encode(public), "kid": kid, "alg": "EdDSA", "use": "sig"})
}

#[cfg(test)]
mod tests {
    #![expect(clippy::unwrap_used, clippy::indexing_slicing)]
    use super::*;

    fn facts() -> CredentialFacts {
        CredentialFacts {
            id: "http://x/xac-minh/ABC".into(),
            issuer_id: "http://x/khoa/1".into(),
            issuer_name: "UBND phường".into(),
            subject_name: "Thôn Nà Sla".into(),
            achievement_id: "http://x/tieu-chi/cdht-thon".into(),
            achievement_name: "Cộng đồng học tập".into(),
            criteria: "Bộ tiêu chí".into(),
            level: "Đạt".into(),
            valid_from: jiff::civil::date(2026, 3, 31),
            valid_until: Some(jiff::civil::date(2029, 3, 30)),
            status_list: "http://x/trang-thai/1".into(),
            status_index: 7,
        }
    }

    #[test]
    fn a_signed_credential_verifies_and_a_tampered_one_does_not() {
        let secret = [7u8; 32];
        let jwt = sign_jwt(&ob3_credential(&facts()), "k1", &secret);
        let payload = verify_jwt(&jwt, &public_key(&secret)).unwrap();
        assert_eq!(payload["credentialSubject"]["name"], "Thôn Nà Sla");
        assert_eq!(jwt_kid(&jwt).unwrap(), "k1");
        let mut parts: Vec<String> = jwt.split('.').map(String::from).collect();
        let mut body = ob3_credential(&facts());
        body["credentialSubject"]["name"] = "Kẻ Mạo Danh".into();
        parts[1] = URL_SAFE_NO_PAD.encode(body.to_string());
        assert_eq!(verify_jwt(&parts.join("."), &public_key(&secret)), Err(CredentialError::BadSignature));
        assert_eq!(verify_jwt(&jwt, &public_key(&[8u8; 32])), Err(CredentialError::BadSignature));
    }
}
