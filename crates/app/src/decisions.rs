//! Decisions and credentials: checking an Open Badges credential issued by this deployment.

use crate::{AppError, AppResult, capitalise};
use hoctap_domain::credential::KeyId;
use hoctap_store::Store;

/// Checks a credential issued by this deployment: a key id and issuer of its own (anything else
/// is refused, 422), the signature by that key (retired keys still count), the JWT's dates, and
/// the revocation list of the unit that signed it.
#[inline(never)]
pub fn verify_credential<'fut, 'l1: 'fut, 'l2: 'fut, 'l3: 'fut>(
    store: &'l1 Store,
    public_url: &'l2 str,
    jwt: &'l3 str,
) -> crate::BoxFut<'fut, AppResult<serde_json::Value>> {
    Box::pin(async move {
        let refuse = |e: hoctap_domain::credential::CredentialError| AppError::invalid("credential", capitalise(&e.to_string()));
        let base = public_url;
        let kid = KeyId::parse(&hoctap_domain::credential::jwt_kid(jwt).map_err(refuse)?, base).map_err(refuse)?;
        let public = store
            .issuer_public_key(kid.unit, kid.version)
            .await?
            .ok_or_else(|| AppError::invalid("credential", "Khóa ký (kid) không có trong hệ thống này"))?;
        let payload = match hoctap_domain::credential::verify_jwt(jwt, &public) {
            Ok(p) => p,
            Err(e) => return Ok(serde_json::json!({"valid": false, "errors": [capitalise(&e.to_string())]})),
        };
        let issuer = KeyId::issuer(base, kid.unit);
        if payload["issuer"]["id"].as_str() != Some(issuer.as_str()) {
            return Err(AppError::invalid("credential", "Bên cấp (issuer) không phải đơn vị sở hữu khóa ký của hệ thống này"));
        }
        let mut errors: Vec<String> =
            hoctap_domain::credential::claim_problems(&payload, jiff::Timestamp::now().as_second()).into_iter().map(String::from).collect();
        let index: i64 = payload["credentialStatus"]["statusListIndex"].as_str().and_then(|s| s.parse().ok()).unwrap_or(-1);
        let recognition = match store.recognitions_by_id(index).await {
            Ok(r) if store.decision(r.decision_id).await?.unit_id == kid.unit => Some(r),
            Ok(_) | Err(hoctap_store::StoreError::NotFound(_)) => None,
            Err(e) => return Err(e.into()),
        };
        let revoked = recognition.as_ref().is_some_and(|r| r.revoked);
        if recognition.is_none() {
            errors.push("Không tìm thấy công nhận trong danh sách trạng thái của đơn vị".to_string());
        }
        if revoked {
            errors.push("Công nhận đã bị thu hồi".into());
        }
        Ok(serde_json::json!({"valid": errors.is_empty(), "revoked": revoked, "errors": errors, "credential": payload}))
    })
}
