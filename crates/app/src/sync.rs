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
/// HOOK(centres, issue 16): a learning centre's roll call taken offline joins here as
/// `attendance.roll_call`, with its use case in the centres' module taking `Change::meta()` so the
/// store writes it with its key in one transaction (see `hoctap_store::sync`), and a branch in
/// `crates/api/src/sync.rs`; the device side is one line in `static/offline/offline.js`.
pub const KINDS: [&str; 3] = ["registry.create", "registry.update", "assessment.answers"];

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
pub async fn already_applied(store: &Store, user: &CurrentUser, change: &Change) -> AppResult<Option<SyncOutcome>> {
    match store.sync_seen(&change.key).await? {
        None => Ok(None),
        Some(seen) if seen.user_id == user.user.id && seen.outcome.kind == change.kind => Ok(Some(seen.outcome)),
        Some(_) => Err(AppError::Conflict {
            field: "key".into(),
            message: "Khóa thay đổi (key) đã được dùng cho một thay đổi khác".into(),
        }),
    }
}

fn first_error(errors: Vec<crate::FieldError>) -> AppError {
    match errors.into_iter().next() {
        Some(e) => AppError::Invalid { field: e.field, message: e.message },
        None => AppError::invalid("fields", "Dữ liệu không hợp lệ"),
    }
}

/// A new registry record typed on the device (the form `/so/{slug}/moi`).
pub async fn registry_create(
    store: &Store,
    user: &CurrentUser,
    slug: &str,
    fields: &BTreeMap<String, String>,
    change: &Change,
) -> AppResult<SyncOutcome> {
    let reg = registry_of(slug)?;
    user.require(write_action(reg))?;
    let values = values_from_form(reg, fields).map_err(first_error)?;
    Ok(store.sync_registry_create(&user.actor(), reg, &values, user.scope(), hoctap_store::today(), &change.meta()).await?)
}

/// A registry record changed on the device (the form `/so/{slug}/{id}`), refused as stale when
/// the record changed since the version the device read.
pub async fn registry_update(
    store: &Store,
    user: &CurrentUser,
    slug: &str,
    id: i64,
    fields: &BTreeMap<String, String>,
    change: &Change,
) -> AppResult<SyncOutcome> {
    let reg = registry_of(slug)?;
    user.require(write_action(reg))?;
    let before = store.registry_get(reg, id).await?;
    user.require_sees(store, before.unit_id, reg.noun).await?;
    let values = values_from_form(reg, fields).map_err(first_error)?;
    Ok(store.sync_registry_update(&user.actor(), reg, id, &values, user.scope(), hoctap_store::today(), &change.meta()).await?)
}
