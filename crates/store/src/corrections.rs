//! Correction requests (yêu cầu đính chính thông tin): a citizen proposes new values for their
//! record in the citizens' registry (name, date of birth, household); the commune's officer
//! approves (the change written through the registry, its history and audit, in the request's
//! transaction) or rejects with a reason. Every step is audited with the notification of its
//! answer.

use crate::audit::{AuditEntry, record};
use crate::{Actor, NewNotification, RegistryRecord, Result, Store, StoreError, now_text};
use hoctap_domain::registry::def::{CITIZENS, Values};
use jiff::civil::Date;
use serde::Serialize;

/// A request as stored. `current` and `proposed` map a field's column to its text as shown
/// (dd/mm/yyyy dates, the household's code).
#[derive(Debug, Clone, Serialize)]
pub struct CorrectionRow {
    pub id: i64,
    pub citizen_id: i64,
    pub user_id: i64,
    pub unit_id: i64,
    pub current: serde_json::Map<String, serde_json::Value>,
    pub proposed: serde_json::Map<String, serde_json::Value>,
    pub note: String,
    /// `pending`, `approved` or `rejected`.
    pub state: String,
    pub answer: String,
    pub decided_by: String,
    pub decided_at: String,
    pub created_at: String,
}

/// A new request.
pub struct NewCorrection<'a> {
    pub citizen: &'a RegistryRecord,
    pub user_id: i64,
    pub current: serde_json::Map<String, serde_json::Value>,
    pub proposed: serde_json::Map<String, serde_json::Value>,
    pub note: &'a str,
}

const COLS: &str = "id, citizen_id, user_id, unit_id, current_json, proposed_json, note, state, answer, decided_by, decided_at, created_at";

fn map(text: &str) -> serde_json::Map<String, serde_json::Value> {
    serde_json::from_str(text).unwrap_or_default()
}

fn row_from(r: &crate::db::Row) -> Result<CorrectionRow> {
    Ok(CorrectionRow {
        id: r.i64("id")?,
        citizen_id: r.i64("citizen_id")?,
        user_id: r.i64("user_id")?,
        unit_id: r.i64("unit_id")?,
        current: map(&r.try_get::<String, _>("current_json")?),
        proposed: map(&r.try_get::<String, _>("proposed_json")?),
        note: r.try_get("note")?,
        state: r.try_get("state")?,
        answer: r.try_get("answer")?,
        decided_by: r.try_get("decided_by")?,
        decided_at: r.try_get("decided_at")?,
        created_at: r.try_get("created_at")?,
    })
}

/// The audit's view of a request: which fields, never their values (personal data).
fn fields_of(m: &serde_json::Map<String, serde_json::Value>) -> serde_json::Value {
    serde_json::Value::Array(m.keys().map(|k| serde_json::Value::String(k.clone())).collect())
}

impl Store {
    /// Files a request; one pending request per citizen at a time (409).
    #[inline(never)]
    pub fn correction_create<'fut, 'l1: 'fut, 'l2: 'fut, 'l3: 'fut, 'l4: 'fut>(
        &'l2 self,
        actor: &'l3 Actor,
        c: &'l4 NewCorrection<'l1>,
    ) -> crate::BoxFut<'fut, Result<i64>> {
        Box::pin(async move {
            let mut tx = self.begin().await?;
            let open = crate::db::query("SELECT COUNT(*) AS n FROM correction_requests WHERE citizen_id = $1 AND state = 'pending'")
                .bind(c.citizen.id)
                .fetch_one(&mut *tx)
                .await?;
            if open.i64("n")? > 0 {
                return Err(StoreError::conflict("proposed", "Bạn đã có một yêu cầu đính chính đang chờ xã, phường trả lời"));
            }
            let row = crate::db::query(
                "INSERT INTO correction_requests (citizen_id, user_id, unit_id, current_json, proposed_json, note, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id",
            )
            .bind(c.citizen.id)
            .bind(c.user_id)
            .bind(c.citizen.unit_id)
            .bind(serde_json::Value::Object(c.current.clone()).to_string())
            .bind(serde_json::Value::Object(c.proposed.clone()).to_string())
            .bind(c.note)
            .bind(now_text())
            .fetch_one(&mut *tx)
            .await?;
            let id = row.i64("id")?;
            record(
                &mut tx,
                actor,
                AuditEntry {
                    unit_id: Some(c.citizen.unit_id),
                    action: "correction.request",
                    entity: "correction_request",
                    entity_id: id.to_string(),
                    before: None,
                    after: Some(serde_json::json!({"citizen": c.citizen.id, "fields": fields_of(&c.proposed)})),
                },
            )
            .await?;
            tx.commit().await?;
            Ok(id)
        })
    }

    #[inline(never)]
    pub fn correction<'fut, 'l1: 'fut>(&'l1 self, id: i64) -> crate::BoxFut<'fut, Result<CorrectionRow>> {
        Box::pin(async move {
            let r = crate::db::query(sqlx::AssertSqlSafe(format!("SELECT {COLS} FROM correction_requests WHERE id = $1")))
                .bind(id)
                .fetch_optional(self.pool())
                .await?
                .ok_or(StoreError::NotFound("yêu cầu đính chính"))?;
            row_from(&r)
        })
    }

    /// A citizen's own requests, newest first.
    #[inline(never)]
    pub fn corrections_of_user<'fut, 'l1: 'fut>(&'l1 self, user_id: i64) -> crate::BoxFut<'fut, Result<Vec<CorrectionRow>>> {
        Box::pin(async move {
            let rows = crate::db::query(sqlx::AssertSqlSafe(format!(
                "SELECT {COLS} FROM correction_requests WHERE user_id = $1 ORDER BY id DESC"
            )))
            .bind(user_id)
            .fetch_all(self.pool())
            .await?;
            rows.iter().map(row_from).collect()
        })
    }

    /// Requests waiting for an answer in a unit's subtree as at `on` (None: everywhere).
    #[inline(never)]
    pub fn corrections_pending<'fut, 'l1: 'fut>(
        &'l1 self,
        scope: Option<i64>,
        on: Date,
    ) -> crate::BoxFut<'fut, Result<Vec<CorrectionRow>>> {
        Box::pin(async move {
            let rows = crate::db::query(sqlx::AssertSqlSafe(format!(
                "SELECT {COLS} FROM correction_requests r WHERE state = 'pending' AND ($1 = 0 OR EXISTS (SELECT 1 FROM unit_closure c \
             WHERE c.ancestor_id = $1 AND c.descendant_id = r.unit_id AND c.valid_from <= $2 AND c.valid_to > $2)) ORDER BY id LIMIT 500"
            )))
            .bind(scope.unwrap_or(0))
            .bind(crate::date_text(on))
            .fetch_all(self.pool())
            .await?;
            rows.iter().map(row_from).collect()
        })
    }

    /// Approves a pending request: the citizen's record takes `values` from `on` (its past
    /// version kept, audited), the request is answered and its notifications written, all in
    /// one transaction. A request answered meanwhile writes nothing (409).
    #[inline(never)]
    pub fn correction_approve<'fut, 'l1: 'fut, 'l2: 'fut, 'l3: 'fut, 'l4: 'fut, 'l5: 'fut, 'l6: 'fut>(
        &'l1 self,
        actor: &'l2 Actor,
        req: &'l3 CorrectionRow,
        before: &'l4 RegistryRecord,
        values: &'l5 Values,
        on: Date,
        notes: &'l6 [NewNotification],
    ) -> crate::BoxFut<'fut, Result<()>> {
        Box::pin(async move {
            if let Some((field, msg)) = hoctap_domain::registry::def::check_record(&CITIZENS, values).into_iter().next() {
                return Err(StoreError::invalid(field, msg));
            }
            let mut tx = self.begin().await?;
            answer(&mut tx, actor, req, "approved", "").await?;
            // The village is not among the correctable fields: the record stays where the request was answered.
            crate::registry::update_in(&mut tx, actor, &CITIZENS, before, values, None, on).await?;
            crate::notify::insert_in(&mut tx, notes).await?;
            tx.commit().await?;
            Ok(())
        })
    }

    /// Rejects a pending request with its reason, notifications in the same transaction.
    #[inline(never)]
    pub fn correction_reject<'fut, 'l1: 'fut, 'l2: 'fut, 'l3: 'fut, 'l4: 'fut, 'l5: 'fut>(
        &'l1 self,
        actor: &'l2 Actor,
        req: &'l3 CorrectionRow,
        reason: &'l4 str,
        notes: &'l5 [NewNotification],
    ) -> crate::BoxFut<'fut, Result<()>> {
        Box::pin(async move {
            let mut tx = self.begin().await?;
            answer(&mut tx, actor, req, "rejected", reason).await?;
            crate::notify::insert_in(&mut tx, notes).await?;
            tx.commit().await?;
            Ok(())
        })
    }
}

async fn answer(conn: &mut crate::db::Conn, actor: &Actor, req: &CorrectionRow, state: &str, reason: &str) -> Result<()> {
    let done = crate::db::query(
        "UPDATE correction_requests SET state = $1, answer = $2, decided_by = $3, decided_at = $4 WHERE id = $5 AND state = 'pending'",
    )
    .bind(state)
    .bind(reason)
    .bind(&actor.username)
    .bind(now_text())
    .bind(req.id)
    .execute(&mut *conn)
    .await?
    .rows_affected();
    if done == 0 {
        return Err(StoreError::conflict("action", "Yêu cầu này đã được trả lời"));
    }
    record(
        conn,
        actor,
        AuditEntry {
            unit_id: Some(req.unit_id),
            action: if state == "approved" { "correction.approve" } else { "correction.reject" },
            entity: "correction_request",
            entity_id: req.id.to_string(),
            before: Some(serde_json::json!({"state": "pending"})),
            after: Some(serde_json::json!({"state": state, "fields": fields_of(&req.proposed), "reason": reason})),
        },
    )
    .await
}

impl Store {
    /// Keeps a citizen's one-time sign-in code (its hash) until `expires_at`, replacing an
    /// earlier one; audited without the code.
    #[inline(never)]
    pub fn citizen_code_set<'fut, 'l1: 'fut, 'l2: 'fut, 'l3: 'fut, 'l4: 'fut>(
        &'l1 self,
        actor: &'l2 Actor,
        user_id: i64,
        unit_id: i64,
        code_hash: &'l3 str,
        expires_at: &'l4 str,
    ) -> crate::BoxFut<'fut, Result<()>> {
        Box::pin(async move {
            let mut tx = self.begin().await?;
            crate::db::query(
                "INSERT INTO citizen_codes (user_id, code_hash, expires_at, created_by, created_at) VALUES ($1, $2, $3, $4, $5) \
             ON CONFLICT (user_id) DO UPDATE SET code_hash = excluded.code_hash, expires_at = excluded.expires_at, \
             created_by = excluded.created_by, created_at = excluded.created_at",
            )
            .bind(user_id)
            .bind(code_hash)
            .bind(expires_at)
            .bind(&actor.username)
            .bind(now_text())
            .execute(&mut *tx)
            .await?;
            record(
                &mut tx,
                actor,
                AuditEntry {
                    unit_id: Some(unit_id),
                    action: "user.activation_code",
                    entity: "user",
                    entity_id: user_id.to_string(),
                    before: None,
                    after: Some(serde_json::json!({"expires_at": expires_at})),
                },
            )
            .await?;
            tx.commit().await?;
            Ok(())
        })
    }

    /// Uses a one-time code: true when it matches and has not expired; the code is spent and
    /// the account must choose its password next, in one transaction.
    #[inline(never)]
    pub fn citizen_code_use<'fut, 'l1: 'fut, 'l2: 'fut, 'l3: 'fut, 'l4: 'fut>(
        &'l1 self,
        user: &'l2 crate::UserRow,
        code_hash: &'l3 str,
        now: &'l4 str,
    ) -> crate::BoxFut<'fut, Result<bool>> {
        Box::pin(async move {
            let mut tx = self.begin().await?;
            let done = crate::db::query("DELETE FROM citizen_codes WHERE user_id = $1 AND code_hash = $2 AND expires_at > $3")
                .bind(user.id)
                .bind(code_hash)
                .bind(now)
                .execute(&mut *tx)
                .await?
                .rows_affected();
            if done == 0 {
                return Ok(false);
            }
            crate::db::query("UPDATE users SET must_change_password = 1, updated_at = $1 WHERE id = $2")
                .bind(now_text())
                .bind(user.id)
                .execute(&mut *tx)
                .await?;
            let actor = Actor { user_id: Some(user.id), username: user.username.clone(), unit_id: Some(user.unit_id) };
            record(
                &mut tx,
                &actor,
                AuditEntry {
                    unit_id: Some(user.unit_id),
                    action: "user.activate",
                    entity: "user",
                    entity_id: user.id.to_string(),
                    before: None,
                    after: None,
                },
            )
            .await?;
            tx.commit().await?;
            Ok(true)
        })
    }
}
