//! Changes made on a device without network (nhập liệu ngoại tuyến), applied once each.
//!
//! The device names every change with an idempotency key and the version of the record it was
//! based on. Each write here runs the same write as the form (`registry::create_in`,
//! `update_in`, `assessments::save_answers_in`) and, in the same transaction, checks the
//! version, audits the arrival (`sync.apply`: the device's time and the arrival time, as the
//! user who made the change) and keeps the key with its outcome in `sync_ops`. A key sent again
//! (the answer was lost on the way back) finds its outcome there and writes nothing; two sends
//! racing on one key collide on its primary key and one of them rolls back.
//!
//! A record's version is the id of its latest audit entry: every write of every path is audited
//! in its own transaction, so any change made meanwhile moves the version.

use crate::assessments::AssessmentRow;
use crate::audit::{AuditEntry, record};
use crate::db::{Conn, Held};
use crate::{Actor, Result, Store, StoreError, now_text};
use hoctap_domain::registry::def::{Registry, Values};
use jiff::civil::Date;
use serde::{Deserialize, Serialize};

/// What the device says about one change.
#[derive(Debug, Clone)]
pub struct SyncMeta<'a> {
    /// The idempotency key the device gave the change.
    pub key: &'a str,
    /// `registry.create`, `registry.update`, `assessment.answers`, `assessment.evidence`.
    pub kind: &'a str,
    /// When the user made the change on the device (RFC 3339, as the device's clock said).
    pub device_time: &'a str,
    /// The version the change was based on (none for a new record).
    pub base_version: Option<i64>,
}

/// The outcome of an applied change, kept with its key and sent again for a repeated key.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SyncOutcome {
    pub kind: String,
    pub entity: String,
    pub entity_id: String,
    /// The record's version after the change.
    pub version: i64,
    pub device_time: String,
    pub arrived_at: String,
}

/// A key already applied: who sent it and what came of it.
#[derive(Debug, Clone)]
pub struct SyncSeen {
    pub user_id: i64,
    pub outcome: SyncOutcome,
}

/// The field a stale change is refused on (409 with both versions).
pub const STALE_FIELD: &str = "base_version";

async fn version_in(conn: &mut Conn, entity: &str, entity_id: &str) -> Result<i64> {
    let row = crate::db::query("SELECT COALESCE(MAX(id), 0) AS v FROM audit_log WHERE entity = $1 AND entity_id = $2")
        .bind(entity)
        .bind(entity_id)
        .fetch_one(&mut *conn)
        .await?;
    row.i64("v")
}

/// Starts a change's transaction: sends of one key take turns (PostgreSQL: an advisory lock
/// on the key; SQLite: the write lock `begin` takes), and a key applied meanwhile is refused
/// here, before anything is written (the caller answers its first outcome).
async fn begin_change(store: &Store, key: &str) -> Result<Held> {
    let mut tx = store.begin().await?;
    if store.engine() == crate::Engine::Postgres {
        crate::db::query("SELECT pg_advisory_xact_lock(hashtext($1)) IS NULL AS x").bind(key).fetch_one(&mut *tx).await?;
    }
    let seen = crate::db::query("SELECT 1 AS one FROM sync_ops WHERE idem_key = $1").bind(key).fetch_optional(&mut *tx).await?;
    if seen.is_some() {
        return Err(StoreError::conflict("key", "thay đổi này đã được ghi từ một lần gửi khác"));
    }
    Ok(tx)
}

/// Takes the record's row lock (PostgreSQL; SQLite holds the write lock already), then refuses
/// a change based on another version than the current one.
async fn check_version(conn: &mut Conn, table: &str, id: i64, entity: &str, base: Option<i64>) -> Result<()> {
    let sql = format!("UPDATE {table} SET id = id WHERE id = $1");
    crate::db::query(sqlx::AssertSqlSafe(sql)).bind(id).execute(&mut *conn).await?;
    let current = version_in(conn, entity, &id.to_string()).await?;
    match base {
        Some(b) if b == current => Ok(()),
        _ => Err(StoreError::conflict(
            STALE_FIELD,
            "bản ghi đã được người khác thay đổi sau khi bạn mở nó trên máy; hãy so sánh hai bản và chọn từng trường",
        )),
    }
}

/// Audits the arrival and keeps the key with the outcome, inside the write's transaction.
async fn finish(conn: &mut Conn, actor: &Actor, unit_id: i64, meta: &SyncMeta<'_>, entity: &str, entity_id: String) -> Result<SyncOutcome> {
    let arrived_at = now_text();
    record(
        &mut *conn,
        actor,
        AuditEntry {
            unit_id: Some(unit_id),
            action: "sync.apply",
            entity,
            entity_id: entity_id.clone(),
            before: None,
            after: Some(serde_json::json!({
                "kind": meta.kind, "device_time": meta.device_time, "arrived_at": arrived_at, "base_version": meta.base_version,
            })),
        },
    )
    .await?;
    let version = version_in(conn, entity, &entity_id).await?;
    let outcome = SyncOutcome {
        kind: meta.kind.to_string(),
        entity: entity.to_string(),
        entity_id,
        version,
        device_time: meta.device_time.to_string(),
        arrived_at,
    };
    let user_id = actor.user_id.ok_or(StoreError::invalid("user", "thay đổi từ thiết bị phải có người dùng"))?;
    crate::db::query(
        "INSERT INTO sync_ops (idem_key, user_id, kind, entity, entity_id, device_time, arrived_at, outcome_json) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
    )
    .bind(meta.key)
    .bind(user_id)
    .bind(meta.kind)
    .bind(entity)
    .bind(&outcome.entity_id)
    .bind(meta.device_time)
    .bind(&outcome.arrived_at)
    .bind(serde_json::to_string(&outcome).unwrap_or_default())
    .execute(&mut *conn)
    .await
    .map_err(|e| StoreError::unique_as(e, "key", || "thay đổi này đang được ghi từ một lần gửi khác".to_string()))?;
    Ok(outcome)
}

impl Store {
    /// The outcome of a key already applied, if any.
    #[inline(never)]
    pub fn sync_seen<'fut, 'l1: 'fut, 'l2: 'fut>(&'l1 self, key: &'l2 str) -> crate::BoxFut<'fut, Result<Option<SyncSeen>>> {
        Box::pin(async move {
            let row = crate::db::query("SELECT user_id, outcome_json FROM sync_ops WHERE idem_key = $1")
                .bind(key)
                .fetch_optional(self.pool())
                .await?;
            let Some(row) = row else { return Ok(None) };
            let outcome = serde_json::from_str(&row.text("outcome_json")?)
                .map_err(|e| StoreError::invalid("key", format!("kết quả đã lưu không đọc được: {e}")))?;
            Ok(Some(SyncSeen { user_id: row.i64("user_id")?, outcome }))
        })
    }

    /// A record's version: the id of its latest audit entry (0 when it has none).
    #[inline(never)]
    pub fn entity_version<'fut, 'l1: 'fut, 'l2: 'fut, 'l3: 'fut>(
        &'l1 self,
        entity: &'l2 str,
        entity_id: &'l3 str,
    ) -> crate::BoxFut<'fut, Result<i64>> {
        Box::pin(async move {
            let mut conn = self.pool().acquire().await?;
            version_in(&mut conn, entity, entity_id).await
        })
    }

    /// Creates a registry record made on a device, once for its key.
    #[inline(never)]
    pub fn sync_registry_create<'fut, 'l1: 'fut, 'l2: 'fut, 'l3: 'fut, 'l4: 'fut, 'l5: 'fut, 'l6: 'fut>(
        &'l2 self,
        actor: &'l3 Actor,
        reg: &'l4 Registry,
        values: &'l5 Values,
        scope: Option<i64>,
        on: Date,
        meta: &'l6 SyncMeta<'l1>,
    ) -> crate::BoxFut<'fut, Result<SyncOutcome>> {
        Box::pin(async move {
            let mut tx = begin_change(self, meta.key).await?;
            let id = crate::registry::create_in(&mut tx, actor, reg, values, scope, on).await?;
            let unit = crate::registry::get_in(&mut tx, reg, id).await?.unit_id;
            let outcome = finish(&mut tx, actor, unit, meta, reg.slug, id.to_string()).await?;
            tx.commit().await?;
            Ok(outcome)
        })
    }

    /// Updates a registry record changed on a device, once for its key, if nobody changed it
    /// since the version the device read.
    #[allow(clippy::too_many_arguments)]
    #[inline(never)]
    pub fn sync_registry_update<'fut, 'l1: 'fut, 'l2: 'fut, 'l3: 'fut, 'l4: 'fut, 'l5: 'fut, 'l6: 'fut>(
        &'l2 self,
        actor: &'l3 Actor,
        reg: &'l4 Registry,
        id: i64,
        values: &'l5 Values,
        scope: Option<i64>,
        on: Date,
        meta: &'l6 SyncMeta<'l1>,
    ) -> crate::BoxFut<'fut, Result<SyncOutcome>> {
        Box::pin(async move {
            let mut tx = begin_change(self, meta.key).await?;
            check_version(&mut tx, reg.table, id, reg.slug, meta.base_version).await?;
            let before = crate::registry::get_in(&mut tx, reg, id).await?;
            crate::registry::update_in(&mut tx, actor, reg, &before, values, scope, on).await?;
            let unit = crate::registry::get_in(&mut tx, reg, id).await?.unit_id;
            let outcome = finish(&mut tx, actor, unit, meta, reg.slug, id.to_string()).await?;
            tx.commit().await?;
            Ok(outcome)
        })
    }

    /// Saves a dossier's answers filled on a device, once for its key, if nobody changed the
    /// dossier since the version the device read.
    #[allow(clippy::too_many_arguments)]
    #[inline(never)]
    pub fn sync_save_answers<'fut, 'l1: 'fut, 'l2: 'fut, 'l3: 'fut, 'l4: 'fut, 'l5: 'fut, 'l6: 'fut, 'l7: 'fut, 'l8: 'fut>(
        &'l2 self,
        actor: &'l3 Actor,
        a: &'l4 AssessmentRow,
        answers: &'l5 serde_json::Value,
        result: &'l6 serde_json::Value,
        passed: bool,
        level: &'l7 str,
        meta: &'l8 SyncMeta<'l1>,
    ) -> crate::BoxFut<'fut, Result<SyncOutcome>> {
        Box::pin(async move {
            let mut tx = begin_change(self, meta.key).await?;
            check_version(&mut tx, "assessments", a.id, "assessment", meta.base_version).await?;
            crate::assessments::save_answers_in(&mut tx, actor, a, answers, result, passed, level).await?;
            let outcome = finish(&mut tx, actor, a.unit_id, meta, "assessment", a.id.to_string()).await?;
            tx.commit().await?;
            Ok(outcome)
        })
    }

    /// Adds an evidence photo taken on a device to a dossier, once for its key: the file stored
    /// once by SHA-256 and linked to its indicators as the upload form does, audited
    /// (`evidence.add`, then `sync.apply`). Adding a file overwrites nothing, so no version is
    /// checked; the answers sent before it in the outbox were applied first.
    #[inline(never)]
    pub fn sync_add_evidence<'fut, 'l1: 'fut, 'l2: 'fut, 'l3: 'fut, 'l4: 'fut, 'l5: 'fut, 'l6: 'fut, 'l7: 'fut>(
        &'l3 self,
        actor: &'l4 Actor,
        a: &'l5 AssessmentRow,
        e: &'l6 crate::evidence::NewEvidence<'l1>,
        meta: &'l7 SyncMeta<'l2>,
    ) -> crate::BoxFut<'fut, Result<SyncOutcome>> {
        Box::pin(async move {
            let mut tx = begin_change(self, meta.key).await?;
            crate::evidence::add_evidence_in(&mut tx, actor, a.id, a.unit_id, e).await?;
            let outcome = finish(&mut tx, actor, a.unit_id, meta, "assessment", a.id.to_string()).await?;
            tx.commit().await?;
            Ok(outcome)
        })
    }

    /// The version of a session's roll a device reads (see `learning::roll_sync::roll_version_in`).
    #[inline(never)]
    pub fn roll_version<'fut, 'l1: 'fut, 'l2: 'fut>(
        &'l1 self,
        session: &'l2 crate::learning::LessonRow,
    ) -> crate::BoxFut<'fut, Result<i64>> {
        Box::pin(async move {
            let mut conn = self.pool().acquire().await?;
            crate::learning::roll_sync::roll_version_in(&mut conn, session).await
        })
    }

    /// A learning centre's roll call taken on a device, once for its key, if nobody wrote the
    /// session's attendance since the version the device read (else refused as stale, 409 with
    /// both rolls, chosen per learner on the device).
    #[inline(never)]
    pub fn sync_roll_call<'fut, 'l1: 'fut, 'l2: 'fut, 'l3: 'fut, 'l4: 'fut, 'l5: 'fut, 'l6: 'fut>(
        &'l2 self,
        actor: &'l3 Actor,
        session: &'l4 crate::learning::LessonRow,
        unit_id: i64,
        present: &'l5 std::collections::BTreeSet<i64>,
        meta: &'l6 SyncMeta<'l1>,
    ) -> crate::BoxFut<'fut, Result<SyncOutcome>> {
        Box::pin(async move {
            let mut tx = begin_change(self, meta.key).await?;
            // The session's row lock (PostgreSQL; SQLite holds the write lock already).
            crate::db::query("UPDATE learning_sessions SET roll_taken_at = roll_taken_at WHERE id = $1")
                .bind(session.id)
                .execute(&mut *tx)
                .await?;
            let current = crate::learning::roll_sync::roll_version_in(&mut tx, session).await?;
            if meta.base_version != Some(current) {
                return Err(StoreError::conflict(
                    STALE_FIELD,
                    "điểm danh buổi này đã được người khác ghi sau khi bạn mở trên máy; hãy so sánh hai bản và chọn cho từng người học",
                ));
            }
            crate::learning::roll_sync::roll_call_in(&mut tx, actor, session, present).await?;
            let outcome = finish(&mut tx, actor, unit_id, meta, "learning_session", session.id.to_string()).await?;
            tx.commit().await?;
            Ok(outcome)
        })
    }
}
