//! Recognitions as Open Badges 3.0 credentials (OpenBadgeCredential), secured as **VC-JWT**
//! (a JWS with EdDSA over Ed25519, `typ` "vc+jwt"), the JOSE form the VC specifications allow
//! beside Data Integrity proofs: it needs no RDF canonicalisation, and any JOSE library can
//! check it. Revocation is a Bitstring Status List entry (`credentialStatus`).
//!
//! The payload carries the registered claims OB 3.0 §8.2 asks for (`iss`, `jti`, `sub`, `nbf`,
//! `exp`), so a generic JWT library rejects an expired title by itself. The units' secret keys
//! are kept sealed (ChaCha20-Poly1305) under the deployment key, which never enters the database.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chacha20poly1305::aead::{Aead, Payload};
use chacha20poly1305::{ChaCha20Poly1305, KeyInit};
use ed25519_dalek::{Signature, Signer, SigningKey, Verifier, VerifyingKey};
use jiff::civil::Date;
use serde_json::{Value, json};
use sha2::{Digest, Sha256};

/// Facts a credential states.
#[derive(Debug, Clone)]
pub struct CredentialFacts {
    /// A URL that identifies this credential (the verification page).
    pub id: String,
    /// A URL that identifies the issuing unit (its key document).
    pub issuer_id: String,
    pub issuer_name: String,
    /// A URI for the subject (the JWT's `sub`); says nothing personal.
    pub subject_id: String,
    pub subject_name: String,
    /// Who the subject is, as a salted hash (a CCCD never appears in clear).
    pub subject_identifier: IdentityObject,
    pub achievement_id: String,
    pub achievement_name: String,
    pub criteria: String,
    pub level: String,
    pub valid_from: Date,
    pub valid_until: Option<Date>,
    pub status_list: String,
    pub status_index: u64,
}

/// An OB 3.0 IdentityObject: `sha256$` and the hex SHA-256 of the identity followed by the
/// salt. Whoever holds the number (the citizen, showing the CCCD) can prove it is theirs;
/// the credential alone does not reveal it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IdentityObject {
    /// An OB 3.0 IdentifierTypeEnum value, e.g. `nationalIdentityNumber`, `systemId`.
    pub identity_type: &'static str,
    pub identity_hash: String,
    pub salt: String,
}

impl IdentityObject {
    pub fn hashed(identity_type: &'static str, identity: &str, salt: &str) -> Self {
        let digest = Sha256::digest(format!("{identity}{salt}").as_bytes());
        IdentityObject { identity_type, identity_hash: format!("sha256${}", hex::encode(digest)), salt: salt.to_string() }
    }

    /// Whether `identity` is the one hashed here.
    pub fn matches(&self, identity: &str) -> bool {
        Self::hashed(self.identity_type, identity, &self.salt).identity_hash == self.identity_hash
    }

    fn json(&self) -> Value {
        json!({"type": "IdentityObject", "identityType": self.identity_type, "hashed": true, "identityHash": self.identity_hash, "salt": self.salt})
    }
}

/// Why a credential does not verify.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CredentialError {
    #[error("không phải VC-JWT hợp lệ: {0}")]
    Malformed(String),
    #[error("chữ ký không đúng: nội dung đã bị sửa hoặc không do đơn vị này cấp")]
    BadSignature,
    #[error("khóa ký (kid) không phải của hệ thống này")]
    ForeignKey,
    #[error("không mở được khóa ký của đơn vị bằng khóa triển khai (tệp khóa triển khai không đúng?)")]
    Sealed,
}

/// Validity instants in Vietnam's time (UTC+7): a title holds from the first second of its
/// first day to the last second of its last day.
fn vn_instant(d: Date, hour: i8, minute: i8, second: i8) -> Option<i64> {
    jiff::tz::offset(7).to_timestamp(d.at(hour, minute, second, 0)).ok().map(|t| t.as_second())
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
            "id": f.subject_id,
            "type": ["AchievementSubject"],
            "name": f.subject_name,
            "identifier": [f.subject_identifier.json()],
            "achievement": {
                "id": f.achievement_id,
                "type": ["Achievement"],
                "name": f.achievement_name,
                "description": format!("{} – {}", f.achievement_name, f.level),
                "criteria": {"id": f.achievement_id, "narrative": f.criteria},
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

/// The VC-JWT payload (OB 3.0 §8.2.4.1): the credential's members at the top level, and the
/// registered claims a generic JWT library checks: `iss` = issuer.id, `jti` = id,
/// `sub` = credentialSubject.id, `nbf` = validFrom, `exp` = validUntil (when it ends).
pub fn vc_jwt_payload(f: &CredentialFacts) -> Value {
    let mut vc = ob3_credential(f);
    if let Some(obj) = vc.as_object_mut() {
        obj.insert("iss".into(), Value::String(f.issuer_id.clone()));
        obj.insert("jti".into(), Value::String(f.id.clone()));
        obj.insert("sub".into(), Value::String(f.subject_id.clone()));
        if let Some(nbf) = vn_instant(f.valid_from, 0, 0, 0) {
            obj.insert("nbf".into(), nbf.into());
        }
        if let Some(exp) = f.valid_until.and_then(|u| vn_instant(u, 23, 59, 59)) {
            obj.insert("exp".into(), exp.into());
        }
    }
    vc
}

/// What is wrong with a verified payload's claims at instant `now` (Unix seconds): expired,
/// not yet valid, or an `iss` that is not the credential's own issuer.
pub fn claim_problems(payload: &Value, now: i64) -> Vec<&'static str> {
    let mut problems = Vec::new();
    if payload.get("exp").and_then(Value::as_i64).is_some_and(|exp| exp < now) {
        problems.push("Công nhận đã hết hiệu lực");
    }
    if payload.get("nbf").and_then(Value::as_i64).is_some_and(|nbf| nbf > now) {
        problems.push("Công nhận chưa đến ngày có hiệu lực");
    }
    let issuer = payload.get("issuer").and_then(|i| i.get("id").or(Some(i))).and_then(Value::as_str);
    if payload.get("iss").and_then(Value::as_str) != issuer {
        problems.push("Bên cấp (iss) không khớp với issuer của chứng chỉ");
    }
    problems
}

/// A unit's signing key as named in a JWS header: `{base}/khoa/{unit}#key-{version}`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct KeyId {
    pub unit: i64,
    pub version: i64,
}

impl KeyId {
    /// The issuer's profile URL (where the public keys are published).
    pub fn issuer(base: &str, unit: i64) -> String {
        format!("{base}/khoa/{unit}")
    }

    pub fn url(&self, base: &str) -> String {
        format!("{}#key-{}", Self::issuer(base, self.unit), self.version)
    }

    /// Reads a `kid` of this deployment (`base` is its public URL); any other is foreign.
    pub fn parse(kid: &str, base: &str) -> Result<KeyId, CredentialError> {
        let rest = kid.strip_prefix(base).and_then(|r| r.strip_prefix("/khoa/")).ok_or(CredentialError::ForeignKey)?;
        let (unit, version) = rest.split_once("#key-").ok_or(CredentialError::ForeignKey)?;
        let digits = |s: &str| !s.is_empty() && s.len() <= 18 && s.bytes().all(|b| b.is_ascii_digit());
        if !digits(unit) || !digits(version) {
            return Err(CredentialError::ForeignKey);
        }
        Ok(KeyId {
            unit: unit.parse().map_err(|_| CredentialError::ForeignKey)?,
            version: version.parse().map_err(|_| CredentialError::ForeignKey)?,
        })
    }
}

/// The deployment key (32 bytes, kept in a file outside the database): it seals the units'
/// signing keys, so a copy of the database alone cannot sign anything.
#[derive(Clone)]
pub struct DeploymentKey([u8; 32]);

impl std::fmt::Debug for DeploymentKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "DeploymentKey({})", self.fingerprint())
    }
}

/// Length of a sealed secret: nonce (12), ciphertext (32), tag (16).
pub const SEALED_LEN: usize = 12 + 32 + 16;

impl DeploymentKey {
    pub fn from_bytes(bytes: [u8; 32]) -> Self {
        DeploymentKey(bytes)
    }

    /// A short public name of the key (to tell two key files apart; reveals nothing of it).
    pub fn fingerprint(&self) -> String {
        let digest = Sha256::digest([b"hoctap-deployment-key:".as_slice(), &self.0].concat());
        hex::encode(digest.get(..8).unwrap_or_default())
    }

    /// Seals a secret with a fresh `nonce` (never reuse one); `context` (e.g. "unit 12 key 1")
    /// is authenticated, so a sealed secret moved to another row no longer opens.
    pub fn seal(&self, secret: &[u8; 32], nonce: [u8; 12], context: &str) -> Vec<u8> {
        let cipher = ChaCha20Poly1305::new(&self.0.into());
        let sealed = cipher.encrypt(&nonce.into(), Payload { msg: secret, aad: context.as_bytes() }).unwrap_or_default();
        [nonce.as_slice(), &sealed].concat()
    }

    pub fn open(&self, sealed: &[u8], context: &str) -> Result<[u8; 32], CredentialError> {
        let (Some(nonce), Some(body)) = (sealed.get(..12), sealed.get(12..)) else { return Err(CredentialError::Sealed) };
        let nonce: [u8; 12] = nonce.try_into().map_err(|_| CredentialError::Sealed)?;
        let cipher = ChaCha20Poly1305::new(&self.0.into());
        let clear = cipher.decrypt(&nonce.into(), Payload { msg: body, aad: context.as_bytes() }).map_err(|_| CredentialError::Sealed)?;
        clear.try_into().map_err(|_| CredentialError::Sealed)
    }
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
            subject_id: "http://x/xac-minh/ABC#chu-the".into(),
            subject_name: "Thôn Nà Sla".into(),
            subject_identifier: IdentityObject::hashed("nationalIdentityNumber", "020190001234", "muoi"),
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

    #[test]
    fn the_payload_carries_the_registered_claims_and_no_cccd() {
        let p = vc_jwt_payload(&facts());
        assert_eq!(p["iss"], "http://x/khoa/1");
        assert_eq!(p["jti"], "http://x/xac-minh/ABC");
        assert_eq!(p["sub"], p["credentialSubject"]["id"]);
        // 31/03/2026 00:00 in Vietnam is 30/03/2026 17:00 UTC; 30/03/2029 23:59:59 is 16:59:59 UTC.
        assert_eq!(p["nbf"], 1_774_890_000);
        assert_eq!(p["exp"], 1_869_584_399);
        assert!(!p.to_string().contains("020190001234"), "the CCCD never appears in clear");
        let id = &p["credentialSubject"]["identifier"][0];
        assert_eq!((id["type"].as_str(), id["hashed"].as_bool()), (Some("IdentityObject"), Some(true)));
        assert!(facts().subject_identifier.matches("020190001234") && !facts().subject_identifier.matches("020190001235"));
        assert!(claim_problems(&p, 1_800_000_000).is_empty());
        assert_eq!(claim_problems(&p, 1_869_584_400), vec!["Công nhận đã hết hiệu lực"]);
        assert_eq!(claim_problems(&p, 1_774_889_999), vec!["Công nhận chưa đến ngày có hiệu lực"]);
    }

    #[test]
    fn only_key_ids_of_this_deployment_are_read() {
        let base = "https://hoctap.example.vn";
        let k = KeyId { unit: 42, version: 3 };
        assert_eq!(KeyId::parse(&k.url(base), base), Ok(k));
        for foreign in [
            "https://evil.example/khoa/42#key-3",
            "https://hoctap.example.vn.evil/khoa/42#key-3",
            "https://hoctap.example.vn/khoa/42",
            "https://hoctap.example.vn/khoa/x#key-1",
            "https://hoctap.example.vn/khoa/99999999999999999999#key-1",
            "https://hoctap.example.vn/khoa/-1#key-1",
            "",
        ] {
            assert_eq!(KeyId::parse(foreign, base), Err(CredentialError::ForeignKey), "{foreign}");
        }
    }

    #[test]
    fn a_sealed_secret_opens_only_with_its_key_and_its_context() {
        let key = DeploymentKey::from_bytes([1; 32]);
        let sealed = key.seal(&[9; 32], [5; 12], "unit 1 key 1");
        assert_eq!(sealed.len(), SEALED_LEN);
        assert!(!sealed.windows(32).any(|w| w == [9; 32]), "not in clear");
        assert_eq!(key.open(&sealed, "unit 1 key 1"), Ok([9; 32]));
        assert_eq!(key.open(&sealed, "unit 2 key 1"), Err(CredentialError::Sealed));
        assert_eq!(DeploymentKey::from_bytes([2; 32]).open(&sealed, "unit 1 key 1"), Err(CredentialError::Sealed));
        assert_eq!(key.open(&sealed[..20], "unit 1 key 1"), Err(CredentialError::Sealed));
        assert_ne!(key.fingerprint(), DeploymentKey::from_bytes([2; 32]).fingerprint());
    }
}
