//! Decisions (quyết định công nhận) and recognitions: issuing a decision recognises the
//! chosen approved dossiers, moves each to "recognised", and gives each recognition a
//! public verification code, all in one transaction.

use crate::assessments::{AssessmentRow, transition_tx};
use crate::audit::{AuditEntry, record};
use crate::db::Row;
use crate::{Actor, Result, Store, StoreError, date_text, now_text, parse_date_col};
use hoctap_domain::recognition::RecognitionStatus;
use hoctap_domain::workflow::Dossier;
use jiff::civil::Date;
use serde::Serialize;

/// What a decision says.
#[derive(Debug, Clone, Serialize, serde::Deserialize)]
pub struct NewDecision {
    pub number: String,
    pub decided_on: Date,
    /// The issuing body in capitals, e.g. "ỦY BAN NHÂN DÂN PHƯỜNG ĐÔNG KINH".
    pub authority: String,
    pub signer_name: String,
    /// e.g. "CHỦ TỊCH", "KT. CHỦ TỊCH / PHÓ CHỦ TỊCH".
    pub signer_title: String,
    /// Place on the date line, e.g. "Đông Kinh".
    pub place: String,
    /// The "Căn cứ" lines.
    pub legal_basis: Vec<String>,
    /// Trích yếu, e.g. "Về việc công nhận danh hiệu Gia đình học tập năm 2025".
    pub title: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct DecisionRow {
    pub id: i64,
    pub campaign_id: i64,
    pub unit_id: i64,
    #[serde(flatten)]
    pub content: NewDecision,
    pub created_by: String,
}

/// One recognition to grant: the approved dossier, what it becomes, the public code.
pub struct Grant<'a> {
    pub dossier: &'a AssessmentRow,
    pub next: Dossier,
    pub code: String,
    pub subject_name: String,
    pub level: String,
    pub valid_until: Option<Date>,
}

#[derive(Debug, Clone, Serialize)]
pub struct RecognitionRow {
    pub id: i64,
    pub decision_id: i64,
    pub assessment_id: i64,
    pub code: String,
    pub subject_kind: String,
    pub subject_id: i64,
    pub subject_name: String,
    pub unit_id: i64,
    pub title: String,
    pub level: String,
    pub valid_from: Date,
    pub valid_until: Option<Date>,
    pub revoked: bool,
    pub revoked_reason: String,
}

impl RecognitionRow {
    pub fn status_on(&self, on: Date) -> RecognitionStatus {
        hoctap_domain::recognition::status_on(self.valid_from, self.valid_until, self.revoked, on)
    }
}

fn decision_from(r: &Row) -> Result<DecisionRow> {
    Ok(DecisionRow {
        id: r.i64("id")?,
        campaign_id: r.i64("campaign_id")?,
        unit_id: r.i64("unit_id")?,
        content: NewDecision {
            number: r.try_get("number")?,
            decided_on: parse_date_col(&r.text("decided_on")?)?,
            authority: r.try_get("authority")?,
            signer_name: r.try_get("signer_name")?,
            signer_title: r.try_get("signer_title")?,
            place: r.try_get("place")?,
            legal_basis: serde_json::from_str(&r.text("legal_basis_json")?).unwrap_or_default(),
            title: r.try_get("title")?,
        },
        created_by: r.try_get("created_by")?,
    })
}

pub(crate) fn recognition_from(r: &Row) -> Result<RecognitionRow> {
    let until: String = r.try_get("valid_until")?;
    Ok(RecognitionRow {
        id: r.i64("id")?,
        decision_id: r.i64("decision_id")?,
        assessment_id: r.i64("assessment_id")?,
        code: r.try_get("code")?,
        subject_kind: r.try_get("subject_kind")?,
        subject_id: r.i64("subject_id")?,
        subject_name: r.try_get("subject_name")?,
        unit_id: r.i64("unit_id")?,
        title: r.try_get("title")?,
        level: r.try_get("level")?,
        valid_from: parse_date_col(&r.text("valid_from")?)?,
        valid_until: if until.is_empty() { None } else { Some(parse_date_col(&until)?) },
        revoked: r.i64("revoked")? != 0,
        revoked_reason: r.try_get("revoked_reason")?,
    })
}

pub(crate) const RECOGNITION_COLS: &str = "id, decision_id, assessment_id, code, subject_kind, subject_id, subject_name, unit_id, title, level, valid_from, valid_until, revoked, revoked_reason";

impl Store {
    /// Issues a decision for a campaign and grants its recognitions, in one transaction; the
    /// unit's first decision also makes its signing key, sealed with `keys`.
    #[tracing::instrument(name = "store.issue_decision", skip_all, fields(campaign_id, unit_id, grants = grants.len()))]
    #[expect(clippy::too_many_arguments, reason = "what the decision is for (campaign, unit), its text, its grants and the sealing key")]
    #[inline(never)]
    pub fn issue_decision<'fut, 'l1: 'fut, 'l2: 'fut, 'l3: 'fut, 'l4: 'fut, 'l5: 'fut, 'l6: 'fut, 'l7: 'fut>(
        &'l2 self,
        actor: &'l3 Actor,
        campaign_id: i64,
        unit_id: i64,
        d: &'l4 NewDecision,
        recognition_title: &'l5 str,
        grants: &'l6 [Grant<'l1>],
        keys: &'l7 hoctap_domain::credential::DeploymentKey,
    ) -> crate::BoxFut<'fut, Result<i64>> {
        Box::pin(async move {
            self.issue_decision_notifying(actor, campaign_id, unit_id, d, recognition_title, grants, keys, &|_| Vec::new()).await
        })
    }

    /// As [`Store::issue_decision`], with the notifications of the decision (made from its id)
    /// written in the same transaction.
    #[expect(clippy::too_many_arguments, reason = "as issue_decision, and the decision's notifications")]
    #[inline(never)]
    pub fn issue_decision_notifying<'fut, 'l1: 'fut, 'l2: 'fut, 'l3: 'fut, 'l4: 'fut, 'l5: 'fut, 'l6: 'fut, 'l7: 'fut, 'l8: 'fut>(
        &'l2 self,
        actor: &'l3 Actor,
        campaign_id: i64,
        unit_id: i64,
        d: &'l4 NewDecision,
        recognition_title: &'l5 str,
        grants: &'l6 [Grant<'l1>],
        keys: &'l7 hoctap_domain::credential::DeploymentKey,
        notes: &'l8 (dyn Fn(i64) -> Vec<crate::NewNotification> + Send + Sync),
    ) -> crate::BoxFut<'fut, Result<i64>> {
        Box::pin(async move {
            if grants.is_empty() {
                return Err(StoreError::invalid("dossiers", "chọn ít nhất một hồ sơ đã được thẩm định"));
            }
            let unit = self.unit(unit_id).await?;
            let mut tx = self.begin().await?;
            // The unit's first decision gives it its signing key, in the same transaction.
            crate::keys::ensure_issuer_key(&mut tx, actor, unit_id, keys).await?;
            let decision_id =
                insert_decision_text(&mut tx, "decisions", &["campaign_id"], |q| q.bind(campaign_id), &unit, actor, d).await?;
            let set_id: String = crate::db::query("SELECT set_id FROM campaigns WHERE id = $1")
                .bind(campaign_id)
                .fetch_one(&mut *tx)
                .await?
                .try_get("set_id")?;
            let mut deltas = Vec::new();
            for g in grants {
                // What the recognition counts for in the statistics, fixed now (a citizen's group
                // may change later; the count made today must not).
                let group: Option<String> = if g.dossier.subject_kind == "citizen" {
                    crate::db::query("SELECT occupation_group FROM reg_citizens WHERE id = $1")
                        .bind(g.dossier.subject_id)
                        .fetch_optional(&mut *tx)
                        .await?
                        .and_then(|r| r.opt_text("occupation_group").ok().flatten())
                } else {
                    None
                };
                let metrics = hoctap_domain::stats::recognition_metrics(&set_id, &g.dossier.level, group.as_deref());
                let (from, to) = hoctap_domain::stats::recognition_period(d.decided_on, g.valid_until, None);
                let contributions: Vec<(&'static str, i64)> = metrics.iter().map(|m| (*m, 1)).collect();
                deltas.extend(
                    hoctap_domain::stats::version_deltas(&contributions, from, to).into_iter().map(|x| (g.dossier.unit_id, from, x)),
                );
                crate::db::query(
                "INSERT INTO recognitions (decision_id, assessment_id, code, subject_kind, subject_id, subject_name, unit_id, province_code, title, level, valid_from, valid_until, metrics) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)",
            )
            .bind(decision_id)
            .bind(g.dossier.id)
            .bind(&g.code)
            .bind(&g.dossier.subject_kind)
            .bind(g.dossier.subject_id)
            .bind(&g.subject_name)
            .bind(g.dossier.unit_id)
            .bind(&unit.province_code)
            .bind(recognition_title)
            .bind(&g.level)
            .bind(date_text(d.decided_on))
            .bind(g.valid_until.map(date_text).unwrap_or_default())
            .bind(metrics.join(","))
            .execute(&mut *tx)
            .await?;
                // The dossier points at the decision that recognised it.
                let next = Dossier { state: hoctap_domain::workflow::State::Recognised { decision_id }, ..g.next.clone() };
                transition_tx(&mut tx, actor, g.dossier, &next, "recognise", serde_json::json!({"decision": d.number.trim()})).await?;
            }
            crate::stats::add_deltas(&mut tx, &deltas).await?;
            record(
                &mut tx,
                actor,
                AuditEntry {
                    unit_id: Some(unit_id),
                    action: "decision.issue",
                    entity: "decision",
                    entity_id: decision_id.to_string(),
                    before: None,
                    after: Some(serde_json::json!({"number": d.number, "decided_on": d.decided_on, "recognitions": grants.len()})),
                },
            )
            .await?;
            crate::notify::insert_in(&mut tx, &notes(decision_id)).await?;
            tx.commit().await?;
            Ok(decision_id)
        })
    }

    #[inline(never)]
    pub fn decision<'fut, 'l1: 'fut>(&'l1 self, id: i64) -> crate::BoxFut<'fut, Result<DecisionRow>> {
        Box::pin(async move {
            let row = crate::db::query("SELECT * FROM decisions WHERE id = $1")
                .bind(id)
                .fetch_optional(self.pool())
                .await?
                .ok_or(StoreError::NotFound("quyết định"))?;
            decision_from(&row)
        })
    }

    #[inline(never)]
    pub fn decisions<'fut, 'l1: 'fut>(&'l1 self, campaign_id: i64) -> crate::BoxFut<'fut, Result<Vec<DecisionRow>>> {
        Box::pin(async move {
            let rows = crate::db::query("SELECT * FROM decisions WHERE campaign_id = $1 ORDER BY decided_on, id")
                .bind(campaign_id)
                .fetch_all(self.pool())
                .await?;
            rows.iter().map(decision_from).collect()
        })
    }

    #[inline(never)]
    pub fn recognitions<'fut, 'l1: 'fut>(&'l1 self, decision_id: i64) -> crate::BoxFut<'fut, Result<Vec<RecognitionRow>>> {
        Box::pin(async move {
            let sql = format!("SELECT {RECOGNITION_COLS} FROM recognitions WHERE decision_id = $1 ORDER BY subject_name, id");
            let rows = crate::db::query(sqlx::AssertSqlSafe(sql)).bind(decision_id).fetch_all(self.pool()).await?;
            rows.iter().map(recognition_from).collect()
        })
    }

    /// A recognition by its public code (the verification page).
    #[inline(never)]
    pub fn recognition_by_code<'fut, 'l1: 'fut, 'l2: 'fut>(&'l1 self, code: &'l2 str) -> crate::BoxFut<'fut, Result<RecognitionRow>> {
        Box::pin(async move {
            let sql = format!("SELECT {RECOGNITION_COLS} FROM recognitions WHERE code = $1");
            let row = crate::db::query(sqlx::AssertSqlSafe(sql))
                .bind(code)
                .fetch_optional(self.pool())
                .await?
                .ok_or(StoreError::NotFound("giấy công nhận có mã này"))?;
            recognition_from(&row)
        })
    }

    #[inline(never)]
    pub fn recognitions_by_id<'fut, 'l1: 'fut>(&'l1 self, id: i64) -> crate::BoxFut<'fut, Result<RecognitionRow>> {
        Box::pin(async move {
            let sql = format!("SELECT {RECOGNITION_COLS} FROM recognitions WHERE id = $1");
            let row = crate::db::query(sqlx::AssertSqlSafe(sql))
                .bind(id)
                .fetch_optional(self.pool())
                .await?
                .ok_or(StoreError::NotFound("công nhận"))?;
            recognition_from(&row)
        })
    }

    /// Recognitions a subject holds, newest first (for level-2 requests and reports).
    #[inline(never)]
    pub fn recognitions_of<'fut, 'l1: 'fut, 'l2: 'fut>(
        &'l1 self,
        subject_kind: &'l2 str,
        subject_id: i64,
    ) -> crate::BoxFut<'fut, Result<Vec<RecognitionRow>>> {
        Box::pin(async move {
            let sql =
                format!("SELECT {RECOGNITION_COLS} FROM recognitions WHERE subject_kind = $1 AND subject_id = $2 ORDER BY valid_from DESC");
            let rows = crate::db::query(sqlx::AssertSqlSafe(sql)).bind(subject_kind).bind(subject_id).fetch_all(self.pool()).await?;
            rows.iter().map(recognition_from).collect()
        })
    }

    /// Revokes a recognition with a reason (thu hồi).
    #[inline(never)]
    pub fn revoke_recognition<'fut, 'l1: 'fut, 'l2: 'fut, 'l3: 'fut>(
        &'l1 self,
        actor: &'l2 Actor,
        id: i64,
        reason: &'l3 str,
        on: Date,
    ) -> crate::BoxFut<'fut, Result<()>> {
        Box::pin(async move {
            if reason.trim().is_empty() {
                return Err(StoreError::invalid("reason", "cần ghi lý do thu hồi"));
            }
            let mut tx = self.begin().await?;
            let n =
                crate::db::query("UPDATE recognitions SET revoked = 1, revoked_reason = $1, revoked_on = $2 WHERE id = $3 AND revoked = 0")
                    .bind(reason.trim())
                    .bind(date_text(on))
                    .bind(id)
                    .execute(&mut *tx)
                    .await?
                    .rows_affected();
            if n == 0 {
                return Err(StoreError::NotFound("công nhận còn hiệu lực"));
            }
            let row = crate::db::query("SELECT unit_id, valid_from, valid_until, metrics FROM recognitions WHERE id = $1")
                .bind(id)
                .fetch_one(&mut *tx)
                .await?;
            let unit = row.i64("unit_id")?;
            // The counts it made from the revocation on are taken back: its period now ends today.
            let from = parse_date_col(&row.text("valid_from")?)?;
            let until: String = row.try_get("valid_until")?;
            let until = if until.is_empty() { None } else { Some(parse_date_col(&until)?) };
            let metrics: String = row.try_get("metrics")?;
            let contributions: Vec<(&'static str, i64)> = metrics
                .split(',')
                .filter_map(|m| hoctap_domain::stats::METRICS.iter().find(|(x, ..)| *x == m).map(|(x, ..)| (*x, 1)))
                .collect();
            let (_, old_to) = hoctap_domain::stats::recognition_period(from, until, None);
            let (_, new_to) = hoctap_domain::stats::recognition_period(from, until, Some(on));
            let mut deltas: Vec<_> = hoctap_domain::stats::version_deltas(&contributions, from, old_to)
                .into_iter()
                .map(|d| (unit, from, hoctap_domain::stats::Delta { amount: -d.amount, ..d }))
                .collect();
            deltas.extend(hoctap_domain::stats::version_deltas(&contributions, from, new_to).into_iter().map(|d| (unit, from, d)));
            crate::stats::add_deltas(&mut tx, &deltas).await?;
            record(
                &mut tx,
                actor,
                AuditEntry {
                    unit_id: Some(unit),
                    action: "recognition.revoke",
                    entity: "recognition",
                    entity_id: id.to_string(),
                    before: None,
                    after: Some(serde_json::json!({"reason": reason.trim(), "on": on})),
                },
            )
            .await?;
            tx.commit().await?;
            Ok(())
        })
    }
}

/// The query type of the store's statements.
pub(crate) type AnyQuery<'q> = crate::db::Query<'q>;

/// Writes a decision's text (number, date, authority, signer, place, legal basis, summary) in
/// `table` after the table's own leading columns, which `lead` binds; a number the unit has
/// already used is refused in Vietnamese. Recognition and reward decisions share it.
pub(crate) async fn insert_decision_text<'q>(
    conn: &mut crate::db::Conn,
    table: &str,
    lead_columns: &[&str],
    lead: impl FnOnce(AnyQuery<'q>) -> AnyQuery<'q>,
    unit: &'q crate::UnitRow,
    actor: &'q Actor,
    d: &'q NewDecision,
) -> Result<i64> {
    let columns: Vec<&str> = lead_columns
        .iter()
        .copied()
        .chain([
            "unit_id",
            "province_code",
            "number",
            "decided_on",
            "authority",
            "signer_name",
            "signer_title",
            "place",
            "legal_basis_json",
            "title",
            "created_by",
            "created_at",
        ])
        .collect();
    let placeholders: Vec<String> = (1..=columns.len()).map(|i| format!("${i}")).collect();
    let sql = format!("INSERT INTO {table} ({}) VALUES ({}) RETURNING id", columns.join(", "), placeholders.join(", "));
    let res = lead(crate::db::query(sqlx::AssertSqlSafe(sql)))
        .bind(unit.id)
        .bind(&unit.province_code)
        .bind(d.number.trim())
        .bind(date_text(d.decided_on))
        .bind(d.authority.trim())
        .bind(d.signer_name.trim())
        .bind(d.signer_title.trim())
        .bind(d.place.trim())
        .bind(serde_json::to_string(&d.legal_basis).unwrap_or_default())
        .bind(d.title.trim())
        .bind(&actor.username)
        .bind(now_text())
        .fetch_one(&mut *conn)
        .await;
    let row = res.map_err(|e| StoreError::unique_as(e, "number", || format!("{} đã có quyết định số {}", unit.name, d.number.trim())))?;
    row.i64("id")
}

impl Store {
    /// The number a recognition's subject is known by, for the credential's salted hash: a
    /// citizen's CCCD, a household head's CCCD; None for other subjects or when none is recorded.
    #[inline(never)]
    pub fn subject_identity<'fut, 'l1: 'fut, 'l2: 'fut>(
        &'l1 self,
        subject_kind: &'l2 str,
        subject_id: i64,
    ) -> crate::BoxFut<'fut, Result<Option<String>>> {
        Box::pin(async move {
            let sql = match subject_kind {
                "citizen" => "SELECT cccd AS v FROM reg_citizens WHERE id = $1",
                "household" => "SELECT head_cccd AS v FROM reg_households WHERE id = $1",
                _ => return Ok(None),
            };
            let row = crate::db::query(sql).bind(subject_id).fetch_optional(self.pool()).await?;
            Ok(row.and_then(|r| r.opt_text("v").ok().flatten()).filter(|v| !v.trim().is_empty()))
        })
    }

    /// Recognitions revoked among those a unit issued (bits of its status list).
    #[inline(never)]
    pub fn revoked_recognitions<'fut, 'l1: 'fut>(&'l1 self, unit_id: i64) -> crate::BoxFut<'fut, Result<Vec<u64>>> {
        Box::pin(async move {
            let rows = crate::db::query(
                "SELECT r.id FROM recognitions r JOIN decisions d ON d.id = r.decision_id WHERE d.unit_id = $1 AND r.revoked = 1",
            )
            .bind(unit_id)
            .fetch_all(self.pool())
            .await?;
            rows.iter().map(|r| Ok(u64::try_from(r.i64("id")?).unwrap_or(0))).collect()
        })
    }
}
