//! Changes made on a device without network (issue 18): each arrives with its idempotency key,
//! the time it was made on the device and the version it was based on, and goes through the
//! same checks as the form it was typed in (role 403, scope 404, fields 422); the store writes
//! it once, with the key, in one transaction (`hoctap_store::sync`).

use crate::registries::{registry_of, values_from_form, write_action};
use crate::{AppError, AppResult, CurrentUser};
use hoctap_store::{Store, SyncMeta, SyncOutcome};
use std::collections::BTreeMap;

/// What kinds of change a device sends.
///
/// `attendance.roll_call`: a learning centre's roll call (`roll_call` below, through the centres'
/// `learning::roll_view` checks).
pub const KINDS: [&str; 5] = ["registry.create", "registry.update", "assessment.answers", "assessment.evidence", "attendance.roll_call"];

/// A change as the device describes it, checked.
#[derive(Debug, Clone)]
pub struct Change {
    pub key: String,
    pub kind: &'static str,
    /// RFC 3339, normalised to UTC.
    pub device_time: String,
    pub base_version: Option<i64>,
}

impl Change {
    /// Reads the envelope of a change: a key of 8–100 letters, digits, `-` or `_` (a UUID), a
    /// known kind, a device time as an instant, not more than a day ahead of the server's clock.
    pub fn parse(key: &str, kind: &str, device_time: &str, base_version: Option<i64>) -> AppResult<Change> {
        let key = key.trim();
        if !(8..=100).contains(&key.len()) || !key.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_') {
            return Err(AppError::invalid("key", "Khóa thay đổi (key) phải có 8–100 ký tự chữ, số, \"-\" hoặc \"_\""));
        }
        let kind = KINDS
            .into_iter()
            .find(|k| *k == kind)
            .ok_or_else(|| AppError::invalid("kind", format!("Loại thay đổi (kind) phải là một trong: {}", KINDS.join(", "))))?;
        let at: jiff::Timestamp = device_time
            .trim()
            .parse()
            .map_err(|_| AppError::invalid("device_time", "Thời điểm trên thiết bị (device_time) phải viết như 2026-12-06T08:30:00Z"))?;
        if at > jiff::Timestamp::now() + jiff::SignedDuration::from_hours(24) {
            return Err(AppError::invalid("device_time", "Thời điểm trên thiết bị (device_time) ở tương lai: hãy chỉnh đồng hồ của máy"));
        }
        Ok(Change { key: key.to_string(), kind, device_time: at.to_string(), base_version })
    }

    pub fn meta(&self) -> SyncMeta<'_> {
        SyncMeta { key: &self.key, kind: self.kind, device_time: &self.device_time, base_version: self.base_version }
    }
}

/// The outcome of a key this user already sent (the change is not written again). A key of
/// another user is refused without saying whose.
#[inline(never)]
pub fn already_applied<'fut, 'l1: 'fut, 'l2: 'fut, 'l3: 'fut>(
    store: &'l1 Store,
    user: &'l2 CurrentUser,
    change: &'l3 Change,
) -> crate::BoxFut<'fut, AppResult<Option<SyncOutcome>>> {
    Box::pin(async move {
        match store.sync_seen(&change.key).await? {
            None => Ok(None),
            Some(seen) if seen.user_id == user.user.id && seen.outcome.kind == change.kind => Ok(Some(seen.outcome)),
            Some(_) => Err(AppError::Conflict {
                field: "key".into(),
                message: "Khóa thay đổi (key) đã được dùng cho một thay đổi khác".into(),
            }),
        }
    })
}

fn first_error(errors: Vec<crate::FieldError>) -> AppError {
    match errors.into_iter().next() {
        Some(e) => AppError::Invalid { field: e.field, message: e.message },
        None => AppError::invalid("fields", "Dữ liệu không hợp lệ"),
    }
}

/// A new registry record typed on the device (the form `/so/{slug}/moi`).
#[inline(never)]
pub fn registry_create<'fut, 'l1: 'fut, 'l2: 'fut, 'l3: 'fut, 'l4: 'fut, 'l5: 'fut>(
    store: &'l1 Store,
    user: &'l2 CurrentUser,
    slug: &'l3 str,
    fields: &'l4 BTreeMap<String, String>,
    change: &'l5 Change,
) -> crate::BoxFut<'fut, AppResult<SyncOutcome>> {
    Box::pin(async move {
        let reg = registry_of(slug)?;
        user.require(write_action(reg))?;
        let values = values_from_form(reg, fields).map_err(first_error)?;
        Ok(store.sync_registry_create(&user.actor(), reg, &values, user.scope(), hoctap_store::today(), &change.meta()).await?)
    })
}

/// A registry record changed on the device (the form `/so/{slug}/{id}`), refused as stale when
/// the record changed since the version the device read.
#[inline(never)]
pub fn registry_update<'fut, 'l1: 'fut, 'l2: 'fut, 'l3: 'fut, 'l4: 'fut, 'l5: 'fut>(
    store: &'l1 Store,
    user: &'l2 CurrentUser,
    slug: &'l3 str,
    id: i64,
    fields: &'l4 BTreeMap<String, String>,
    change: &'l5 Change,
) -> crate::BoxFut<'fut, AppResult<SyncOutcome>> {
    Box::pin(async move {
        let reg = registry_of(slug)?;
        user.require(write_action(reg))?;
        let before = store.registry_get(reg, id).await?;
        user.require_sees(store, before.unit_id, reg.noun).await?;
        let values = values_from_form(reg, fields).map_err(first_error)?;
        Ok(store.sync_registry_update(&user.actor(), reg, id, &values, user.scope(), hoctap_store::today(), &change.meta()).await?)
    })
}

/// An evidence photo sent by a device (`assessment.evidence`), checked as the upload form checks
/// its file: at most the upload limit, and its type read from the bytes; only photos (JPEG, PNG)
/// travel this way.
#[derive(Debug, Clone)]
pub struct Photo {
    pub bytes: Vec<u8>,
    pub mime: &'static str,
    pub file_name: String,
}

impl Photo {
    pub fn parse(file_name: &str, base64_data: &str) -> AppResult<Photo> {
        use base64::Engine as _;
        const FIELD: &str = "photo";
        let data = base64_data.trim();
        // The base64 of the limit is a third longer; refused before decoding.
        if data.len() > hoctap_docs::sniff::MAX_EVIDENCE_BYTES / 3 * 4 + 4 {
            return Err(AppError::invalid(
                FIELD,
                format!("Ảnh minh chứng (photo) quá lớn: tối đa {} MB", hoctap_docs::sniff::MAX_EVIDENCE_BYTES / (1024 * 1024)),
            ));
        }
        let bytes = base64::engine::general_purpose::STANDARD
            .decode(data)
            .map_err(|_| AppError::invalid(FIELD, "Ảnh minh chứng (photo) không đọc được: nội dung phải viết bằng base64"))?;
        if bytes.is_empty() {
            return Err(AppError::invalid(FIELD, "Ảnh minh chứng (photo) trống"));
        }
        let kind = hoctap_docs::sniff::sniff(&bytes).map_err(|e| AppError::invalid(FIELD, format!("Ảnh minh chứng (photo): {e}")))?;
        if !matches!(kind, hoctap_docs::sniff::FileKind::Jpeg | hoctap_docs::sniff::FileKind::Png) {
            return Err(AppError::invalid(
                FIELD,
                format!("Ảnh minh chứng (photo) phải là ảnh JPEG hoặc PNG, không phải tệp {}", kind.label()),
            ));
        }
        let file_name: String = file_name.chars().filter(|c| !c.is_control() && !matches!(c, '"' | '/' | '\\')).take(200).collect();
        let file_name = if file_name.trim().is_empty() { "anh-minh-chung.jpg".to_string() } else { file_name };
        Ok(Photo { bytes, mime: kind.mime(), file_name })
    }
}

/// The prefix of a learner's box on the roll-call form (`co-mat-{enrolment}` = 1 when present).
pub const PRESENT_PREFIX: &str = "co-mat-";

/// A session's roll as the form holds it: every learner's box (`1` present, empty absent), the
/// learners' names as labels, and the roll's version (what the device keeps when it opens the
/// roll call, and what a stale roll call is shown against).
#[derive(Debug, Clone, serde::Serialize)]
pub struct RollFields {
    pub version: i64,
    pub fields: BTreeMap<String, String>,
    pub labels: BTreeMap<String, String>,
}

#[inline(never)]
pub fn roll_fields<'fut, 'l1: 'fut, 'l2: 'fut>(
    store: &'l1 Store,
    user: &'l2 CurrentUser,
    session_id: i64,
) -> crate::BoxFut<'fut, AppResult<RollFields>> {
    Box::pin(async move {
        let v = crate::learning::roll_view(store, user, session_id).await?;
        let mut fields = BTreeMap::new();
        let mut labels = BTreeMap::new();
        for (l, present) in &v.learners {
            let name = format!("{PRESENT_PREFIX}{}", l.id);
            fields.insert(name.clone(), if *present { "1".to_string() } else { String::new() });
            labels.insert(name, l.full_name.clone());
        }
        Ok(RollFields { version: store.roll_version(&v.session).await?, fields, labels })
    })
}

/// A learning centre's roll call taken on the device (the form `/hoc-tap/buoi/{id}/diem-danh`):
/// the roll call's checks (centre managers 403, the session in scope 404, learners of the class
/// 422), written once for its key, refused as stale when the session's attendance was written
/// since the version the device read.
#[inline(never)]
pub fn roll_call<'fut, 'l1: 'fut, 'l2: 'fut, 'l3: 'fut, 'l4: 'fut>(
    store: &'l1 Store,
    user: &'l2 CurrentUser,
    session_id: i64,
    fields: &'l3 BTreeMap<String, String>,
    change: &'l4 Change,
) -> crate::BoxFut<'fut, AppResult<SyncOutcome>> {
    Box::pin(async move {
        let v = crate::learning::roll_view(store, user, session_id).await?;
        let mut present = std::collections::BTreeSet::new();
        for (name, value) in fields {
            let Some(id) = name.strip_prefix(PRESENT_PREFIX) else { continue };
            if value.trim().is_empty() {
                continue;
            }
            let id: i64 =
                id.parse().map_err(|_| AppError::invalid(name.as_str(), format!("Người học ({name}): mã người học phải là số")))?;
            present.insert(id);
        }
        Ok(store.sync_roll_call(&user.actor(), &v.session, v.activity.unit_id, &present, &change.meta()).await?)
    })
}
