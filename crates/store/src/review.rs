//! Storage of a review workflow shared by every dossier-like record (assessments, nominations):
//! a transition decided by [`hoctap_domain::workflow::Dossier::apply`] is written with a
//! compare-and-set on the stored state, its line in the record's transition log and its audit
//! entry, inside the caller's transaction.

use crate::audit::{AuditEntry, record};
use crate::{Actor, Result, StoreError, now_text};
use hoctap_domain::workflow::Dossier;

/// A line of a reviewed record's transition log.
#[derive(Debug, Clone, serde::Serialize)]
pub struct TransitionRow {
    pub at: String,
    pub actor_name: String,
    pub action: String,
    pub from_state: String,
    pub to_state: String,
    pub detail: Option<serde_json::Value>,
}

/// Where a kind of reviewed record lives.
pub(crate) struct Reviewed {
    /// Table with `state`, `state_json`, `submitted_by`, `updated_at` columns.
    pub table: &'static str,
    /// Its transition log and the log's key column.
    pub log: &'static str,
    pub key: &'static str,
    /// Audit entity and action.
    pub entity: &'static str,
    pub audit_action: &'static str,
}

pub(crate) const ASSESSMENT: Reviewed = Reviewed {
    table: "assessments",
    log: "assessment_transitions",
    key: "assessment_id",
    entity: "assessment",
    audit_action: "assessment.transition",
};
pub(crate) const NOMINATION: Reviewed = Reviewed {
    table: "nominations",
    log: "nomination_transitions",
    key: "nomination_id",
    entity: "nomination",
    audit_action: "nomination.transition",
};

/// Writes a transition inside the caller's transaction, if nobody moved the record meanwhile.
#[expect(clippy::too_many_arguments, reason = "the record, its place and the transition: each is needed")]
pub(crate) async fn write_transition(
    conn: &mut crate::db::Conn,
    actor: &Actor,
    kind: &Reviewed,
    id: i64,
    unit_id: i64,
    from: &Dossier,
    next: &Dossier,
    action: &str,
    detail: serde_json::Value,
) -> Result<()> {
    let sql = format!(
        "UPDATE {} SET state = $1, state_json = $2, submitted_by = $3, updated_at = $4 WHERE id = $5 AND state_json = $6",
        kind.table
    );
    let n = crate::db::query(sqlx::AssertSqlSafe(sql))
        .bind(next.state.code())
        .bind(serde_json::to_string(&next.state).unwrap_or_default())
        .bind(next.submitted_by)
        .bind(now_text())
        .bind(id)
        .bind(serde_json::to_string(&from.state).unwrap_or_default())
        .execute(&mut *conn)
        .await?
        .rows_affected();
    if n == 0 {
        return Err(StoreError::conflict("state", "hồ sơ vừa được người khác thay đổi; hãy tải lại trang"));
    }
    let sql = format!(
        "INSERT INTO {} ({}, at, actor_id, actor_name, action, from_state, to_state, detail_json) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
        kind.log, kind.key
    );
    crate::db::query(sqlx::AssertSqlSafe(sql))
        .bind(id)
        .bind(now_text())
        .bind(actor.user_id)
        .bind(&actor.username)
        .bind(action)
        .bind(from.state.label())
        .bind(next.state.label())
        .bind(detail.to_string())
        .execute(&mut *conn)
        .await?;
    record(
        conn,
        actor,
        AuditEntry {
            unit_id: Some(unit_id),
            action: kind.audit_action,
            entity: kind.entity,
            entity_id: id.to_string(),
            before: Some(serde_json::json!({"state": from.state.code()})),
            after: Some(serde_json::json!({"state": next.state.code(), "action": action, "detail": detail})),
        },
    )
    .await
}

/// The transition log of one record, oldest first.
pub(crate) async fn transitions(pool: &crate::db::Pool, kind: &Reviewed, id: i64) -> Result<Vec<TransitionRow>> {
    let sql =
        format!("SELECT at, actor_name, action, from_state, to_state, detail_json FROM {} WHERE {} = $1 ORDER BY id", kind.log, kind.key);
    let rows = crate::db::query(sqlx::AssertSqlSafe(sql)).bind(id).fetch_all(pool).await?;
    rows.iter()
        .map(|r| {
            let d: String = r.try_get("detail_json")?;
            Ok(TransitionRow {
                at: r.try_get("at")?,
                actor_name: r.try_get("actor_name")?,
                action: r.try_get("action")?,
                from_state: r.try_get("from_state")?,
                to_state: r.try_get("to_state")?,
                detail: serde_json::from_str(&d).ok(),
            })
        })
        .collect()
}
