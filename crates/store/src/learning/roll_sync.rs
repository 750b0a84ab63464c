//! A roll call taken on a device without network (issue 18), written inside the device's change
//! transaction (`crate::sync`): the same rows and counters as `Store::roll_call`, and the version
//! a device reads of a session's roll (what a stale roll call is refused against).

use super::{add_difference, counted, key_of};
use crate::audit::{AuditEntry, record};
use crate::db::Conn;
use crate::{Actor, Result, StoreError, now_text};
use std::collections::BTreeSet;

/// Điểm danh inside the caller's transaction: the learners present (the others absent), the
/// activity's counters moved by the difference, audited as `learning_session.roll_call`.
pub(crate) async fn roll_call_in(conn: &mut Conn, actor: &Actor, session: &super::LessonRow, present: &BTreeSet<i64>) -> Result<usize> {
    let (sid, activity) = (session.id, session.activity_id);
    let key = key_of(&mut *conn, activity).await?.ok_or(StoreError::NotFound("hoạt động"))?;
    let keys = BTreeSet::from([key]);
    let before = counted(&mut *conn, &keys).await?;
    let rows = crate::db::query("SELECT id FROM learning_enrolments WHERE activity_id = $1").bind(activity).fetch_all(&mut *conn).await?;
    let known: BTreeSet<i64> = rows.iter().map(|r| r.i64("id")).collect::<Result<_>>()?;
    if let Some(bad) = present.iter().find(|i| !known.contains(i)) {
        return Err(StoreError::invalid("present", format!("Người học số {bad} không có trong danh sách lớp")));
    }
    crate::db::query("DELETE FROM learning_attendance WHERE session_id = $1").bind(sid).execute(&mut *conn).await?;
    let ids: Vec<i64> = present.iter().copied().collect();
    for chunk in ids.chunks(400) {
        let values: Vec<String> = (0..chunk.len()).map(|i| format!("($1, ${})", i + 2)).collect();
        let sql = format!("INSERT INTO learning_attendance (session_id, enrolment_id) VALUES {}", values.join(", "));
        let mut q = crate::db::query(sqlx::AssertSqlSafe(sql)).bind(sid);
        for e in chunk {
            q = q.bind(*e);
        }
        q.execute(&mut *conn).await?;
    }
    crate::db::query("UPDATE learning_sessions SET roll_taken_at = $2, present = $3 WHERE id = $1")
        .bind(sid)
        .bind(now_text())
        .bind(i64::try_from(ids.len()).unwrap_or(0))
        .execute(&mut *conn)
        .await?;
    // The activity's kept figures (sessions, attendances, learner-hours) move with the roll call,
    // as every other write of the activity does (`touch_activity`).
    crate::learning_figures::refresh(&mut *conn, activity).await?;
    let after = counted(&mut *conn, &keys).await?;
    add_difference(&mut *conn, &before, &after).await?;
    record(
        &mut *conn,
        actor,
        AuditEntry {
            unit_id: Some(key.unit),
            action: "learning_session.roll_call",
            entity: "learning_activity",
            entity_id: sid.to_string(),
            before: None,
            after: Some(serde_json::json!({"session": sid, "present": ids.len()})),
        },
    )
    .await?;
    Ok(ids.len())
}

/// A session's roll version: the latest audit entry that wrote its attendance (its own roll
/// calls, an attendance sheet of its activity, a device's roll call arriving); 0 before any.
pub(crate) async fn roll_version_in(conn: &mut Conn, session: &super::LessonRow) -> Result<i64> {
    let row = crate::db::query(
        "SELECT COALESCE(MAX(id), 0) AS v FROM audit_log WHERE (entity = 'learning_activity' AND action = 'learning_session.roll_call' AND entity_id = $1) \
         OR (entity = 'learning_activity' AND action = 'learning_session.roll_import' AND entity_id = $2) \
         OR (entity = 'learning_session' AND entity_id = $1)",
    )
    .bind(session.id.to_string())
    .bind(session.activity_id.to_string())
    .fetch_one(&mut *conn)
    .await?;
    row.i64("v")
}
