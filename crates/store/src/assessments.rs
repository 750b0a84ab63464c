//! Campaigns (đợt đánh giá) and dossiers (hồ sơ): storage of the workflow the domain decides.
//! A transition is written with a compare-and-set on the stored state, so two reviewers
//! acting at once cannot both move the same dossier.

use crate::audit::{AuditEntry, record};
use crate::db::Row;
use crate::review::TransitionRow;
use crate::{Actor, Result, Store, StoreError, date_text, now_text, parse_date_col};
use hoctap_domain::workflow::{Dossier, ReviewStep, State};
use jiff::civil::Date;
use serde::Serialize;

#[derive(Debug, Clone, Serialize)]
pub struct CampaignRow {
    pub id: i64,
    pub year: i64,
    pub set_id: String,
    pub set_version: String,
    pub unit_id: i64,
    pub unit_name: String,
    pub title: String,
    pub self_assessment_closes: Date,
    pub dossier_due: Date,
    pub decision_due: Date,
    pub chain: Vec<ReviewStep>,
    pub opened_by: String,
    pub closed: bool,
}

/// What opening a campaign needs.
pub struct NewCampaign {
    pub year: i64,
    pub set_id: String,
    pub set_version: String,
    pub unit_id: i64,
    pub title: String,
    pub self_assessment_closes: Date,
    pub dossier_due: Date,
    pub decision_due: Date,
    pub chain: Vec<ReviewStep>,
}

#[derive(Debug, Clone, Serialize)]
pub struct AssessmentRow {
    pub id: i64,
    pub campaign_id: i64,
    pub subject_kind: String,
    pub subject_id: i64,
    pub subject_label: String,
    pub unit_id: i64,
    pub dossier: Dossier,
    pub answers: serde_json::Value,
    pub result: Option<serde_json::Value>,
    pub passed: bool,
    pub level: String,
    pub updated_at: String,
    /// Why a dossier that does not pass was approved by exception (empty otherwise).
    pub override_reason: String,
}

/// `'draft', 'submitted', …`: the open states as SQL literals (constants of the domain).
pub(crate) fn open_states_sql() -> String {
    hoctap_domain::workflow::OPEN_STATES.iter().map(|s| format!("'{s}'")).collect::<Vec<_>>().join(", ")
}

const CAMPAIGN_COLS: &str = "c.id, c.year, c.set_id, c.set_version, c.unit_id, u.name AS unit_name, c.title, c.self_assessment_closes, c.dossier_due, c.decision_due, c.chain_json, c.opened_by, c.closed";

fn campaign_from(r: &Row) -> Result<CampaignRow> {
    let date = |c: &str| -> Result<Date> { parse_date_col(&r.text(c)?) };
    Ok(CampaignRow {
        id: r.i64("id")?,
        year: r.i64("year")?,
        set_id: r.try_get("set_id")?,
        set_version: r.try_get("set_version")?,
        unit_id: r.i64("unit_id")?,
        unit_name: r.try_get("unit_name")?,
        title: r.try_get("title")?,
        self_assessment_closes: date("self_assessment_closes")?,
        dossier_due: date("dossier_due")?,
        decision_due: date("decision_due")?,
        chain: serde_json::from_str(&r.text("chain_json")?).map_err(|e| StoreError::Corrupt(e.to_string()))?,
        opened_by: r.try_get("opened_by")?,
        closed: r.i64("closed")? != 0,
    })
}

pub(crate) const ASSESSMENT_COLS: &str = "a.id, a.campaign_id, a.subject_kind, a.subject_id, a.subject_label, a.unit_id, a.state_json, a.submitted_by, a.answers_json, a.result_json, a.passed, a.level, a.updated_at, a.override_reason, c.chain_json";

pub(crate) fn assessment_from(r: &Row) -> Result<AssessmentRow> {
    let corrupt = |e: serde_json::Error| StoreError::Corrupt(e.to_string());
    let state: State = serde_json::from_str(&r.text("state_json")?).map_err(corrupt)?;
    let chain: Vec<ReviewStep> = serde_json::from_str(&r.text("chain_json")?).map_err(corrupt)?;
    let result: String = r.try_get("result_json")?;
    Ok(AssessmentRow {
        id: r.i64("id")?,
        campaign_id: r.i64("campaign_id")?,
        subject_kind: r.try_get("subject_kind")?,
        subject_id: r.i64("subject_id")?,
        subject_label: r.try_get("subject_label")?,
        unit_id: r.i64("unit_id")?,
        dossier: Dossier { state, submitted_by: r.opt_i64("submitted_by")?, chain },
        answers: serde_json::from_str(&r.text("answers_json")?).map_err(corrupt)?,
        result: if result.is_empty() { None } else { serde_json::from_str(&result).ok() },
        passed: r.i64("passed")? != 0,
        level: r.try_get("level")?,
        updated_at: r.try_get("updated_at")?,
        override_reason: r.try_get("override_reason")?,
    })
}

impl Store {
    #[inline(never)]
    pub fn create_campaign<'fut, 'l1: 'fut, 'l2: 'fut>(&'l1 self, actor: &'l2 Actor, c: NewCampaign) -> crate::BoxFut<'fut, Result<i64>> {
        Box::pin(async move {
            let unit = self.unit(c.unit_id).await?;
            let mut tx = self.begin().await?;
            let res = crate::db::query(
            "INSERT INTO campaigns (year, set_id, set_version, unit_id, province_code, title, self_assessment_closes, dossier_due, decision_due, chain_json, opened_by, opened_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12) RETURNING id",
        )
        .bind(c.year)
        .bind(&c.set_id)
        .bind(&c.set_version)
        .bind(c.unit_id)
        .bind(&unit.province_code)
        .bind(c.title.trim())
        .bind(date_text(c.self_assessment_closes))
        .bind(date_text(c.dossier_due))
        .bind(date_text(c.decision_due))
        .bind(serde_json::to_string(&c.chain).unwrap_or_default())
        .bind(&actor.username)
        .bind(now_text())
        .fetch_one(&mut *tx)
        .await;
            let row = res.map_err(|e| {
                StoreError::unique_as(e, "set_id", || format!("{} đã có đợt đánh giá năm {} theo bộ tiêu chí này", unit.name, c.year))
            })?;
            let id = row.i64("id")?;
            record(
                &mut tx,
                actor,
                AuditEntry {
                    unit_id: Some(c.unit_id),
                    action: "campaign.open",
                    entity: "campaign",
                    entity_id: id.to_string(),
                    before: None,
                    after: Some(
                        serde_json::json!({"year": c.year, "set": c.set_id, "version": c.set_version, "title": c.title, "chain": c.chain}),
                    ),
                },
            )
            .await?;
            tx.commit().await?;
            Ok(id)
        })
    }

    /// Campaigns a user is concerned by: opened in their subtree, or by a unit above them.
    #[inline(never)]
    pub fn campaigns<'fut, 'l1: 'fut>(&'l1 self, scope: Option<i64>, on: Date) -> crate::BoxFut<'fut, Result<Vec<CampaignRow>>> {
        Box::pin(async move {
            let sql = format!(
                "SELECT {CAMPAIGN_COLS} FROM campaigns c JOIN units u ON u.id = c.unit_id \
             WHERE ($1 IS NULL OR EXISTS (SELECT 1 FROM unit_closure x WHERE x.valid_from <= $2 AND x.valid_to > $2 \
               AND ((x.ancestor_id = $1 AND x.descendant_id = c.unit_id) OR (x.ancestor_id = c.unit_id AND x.descendant_id = $1)))) \
             ORDER BY c.year DESC, c.id DESC"
            );
            let rows = crate::db::query(sqlx::AssertSqlSafe(sql)).bind(scope).bind(date_text(on)).fetch_all(self.pool()).await?;
            rows.iter().map(campaign_from).collect()
        })
    }

    #[inline(never)]
    pub fn campaign<'fut, 'l1: 'fut>(&'l1 self, id: i64) -> crate::BoxFut<'fut, Result<CampaignRow>> {
        Box::pin(async move {
            let sql = format!("SELECT {CAMPAIGN_COLS} FROM campaigns c JOIN units u ON u.id = c.unit_id WHERE c.id = $1");
            let row = crate::db::query(sqlx::AssertSqlSafe(sql))
                .bind(id)
                .fetch_optional(self.pool())
                .await?
                .ok_or(StoreError::NotFound("đợt đánh giá"))?;
            campaign_from(&row)
        })
    }

    /// Opens a dossier for a subject in a campaign.
    #[inline(never)]
    pub fn create_assessment<'fut, 'l1: 'fut, 'l2: 'fut, 'l3: 'fut, 'l4: 'fut, 'l5: 'fut>(
        &'l1 self,
        actor: &'l2 Actor,
        campaign: &'l3 CampaignRow,
        subject_kind: &'l4 str,
        subject_id: i64,
        subject_label: &'l5 str,
        unit_id: i64,
    ) -> crate::BoxFut<'fut, Result<i64>> {
        Box::pin(async move {
            let unit = self.unit(unit_id).await?;
            let dossier = Dossier::new(campaign.chain.clone());
            let mut tx = self.begin().await?;
            let now = now_text();
            let res = crate::db::query(
            "INSERT INTO assessments (campaign_id, subject_kind, subject_id, subject_label, unit_id, province_code, state, state_json, answers_json, created_at, updated_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, '{\"answers\":{}}', $9, $9) RETURNING id",
        )
        .bind(campaign.id)
        .bind(subject_kind)
        .bind(subject_id)
        .bind(subject_label)
        .bind(unit_id)
        .bind(&unit.province_code)
        .bind(dossier.state.code())
        .bind(serde_json::to_string(&dossier.state).unwrap_or_default())
        .bind(&now)
        .fetch_one(&mut *tx)
        .await;
            let row = res.map_err(|e| StoreError::unique_as(e, "subject", || format!("{subject_label} đã có hồ sơ trong đợt này")))?;
            let id = row.i64("id")?;
            record(
                &mut tx,
                actor,
                AuditEntry {
                    unit_id: Some(unit_id),
                    action: "assessment.create",
                    entity: "assessment",
                    entity_id: id.to_string(),
                    before: None,
                    after: Some(serde_json::json!({"campaign": campaign.id, "subject": subject_label})),
                },
            )
            .await?;
            tx.commit().await?;
            Ok(id)
        })
    }

    #[inline(never)]
    pub fn assessment<'fut, 'l1: 'fut>(&'l1 self, id: i64) -> crate::BoxFut<'fut, Result<AssessmentRow>> {
        Box::pin(async move {
            let sql = format!("SELECT {ASSESSMENT_COLS} FROM assessments a JOIN campaigns c ON c.id = a.campaign_id WHERE a.id = $1");
            let row = crate::db::query(sqlx::AssertSqlSafe(sql))
                .bind(id)
                .fetch_optional(self.pool())
                .await?
                .ok_or(StoreError::NotFound("hồ sơ"))?;
            assessment_from(&row)
        })
    }

    /// Dossiers of a campaign within a scope.
    #[inline(never)]
    pub fn assessments<'fut, 'l1: 'fut>(
        &'l1 self,
        campaign_id: i64,
        scope: Option<i64>,
        on: Date,
    ) -> crate::BoxFut<'fut, Result<Vec<AssessmentRow>>> {
        Box::pin(async move {
            let sql = format!(
                "SELECT {ASSESSMENT_COLS} FROM assessments a JOIN campaigns c ON c.id = a.campaign_id WHERE a.campaign_id = $1 \
             AND ($2 IS NULL OR EXISTS (SELECT 1 FROM unit_closure x WHERE x.ancestor_id = $2 AND x.descendant_id = a.unit_id AND x.valid_from <= $3 AND x.valid_to > $3)) \
             ORDER BY a.subject_label, a.id"
            );
            let rows =
                crate::db::query(sqlx::AssertSqlSafe(sql)).bind(campaign_id).bind(scope).bind(date_text(on)).fetch_all(self.pool()).await?;
            rows.iter().map(assessment_from).collect()
        })
    }

    /// Open dossiers (not recognised, not rejected) in a scope, across campaigns, for the inbox.
    #[inline(never)]
    pub fn open_assessments<'fut, 'l1: 'fut>(
        &'l1 self,
        scope: Option<i64>,
        on: Date,
        limit: i64,
    ) -> crate::BoxFut<'fut, Result<Vec<AssessmentRow>>> {
        Box::pin(async move {
            let sql = format!(
                "SELECT {ASSESSMENT_COLS} FROM assessments a JOIN campaigns c ON c.id = a.campaign_id WHERE a.state IN ({}) AND c.closed = 0 \
             AND ($1 IS NULL OR EXISTS (SELECT 1 FROM unit_closure x WHERE x.ancestor_id = $1 AND x.descendant_id = a.unit_id AND x.valid_from <= $2 AND x.valid_to > $2)) \
             ORDER BY a.updated_at LIMIT $3",
                open_states_sql()
            );
            let rows =
                crate::db::query(sqlx::AssertSqlSafe(sql)).bind(scope).bind(date_text(on)).bind(limit).fetch_all(self.pool()).await?;
            rows.iter().map(assessment_from).collect()
        })
    }

    /// Saves answers and their evaluation (the caller has checked the state allows it).
    #[inline(never)]
    pub fn save_answers<'fut, 'l1: 'fut, 'l2: 'fut, 'l3: 'fut, 'l4: 'fut, 'l5: 'fut, 'l6: 'fut>(
        &'l1 self,
        actor: &'l2 Actor,
        a: &'l3 AssessmentRow,
        answers: &'l4 serde_json::Value,
        result: &'l5 serde_json::Value,
        passed: bool,
        level: &'l6 str,
    ) -> crate::BoxFut<'fut, Result<()>> {
        Box::pin(async move {
            let mut tx = self.begin().await?;
            save_answers_in(&mut tx, actor, a, answers, result, passed, level).await?;
            tx.commit().await?;
            Ok(())
        })
    }

    /// Writes a transition decided by the domain, if nobody moved the dossier meanwhile.
    #[inline(never)]
    pub fn transition<'fut, 'l1: 'fut, 'l2: 'fut, 'l3: 'fut, 'l4: 'fut, 'l5: 'fut>(
        &'l1 self,
        actor: &'l2 Actor,
        a: &'l3 AssessmentRow,
        next: &'l4 Dossier,
        action: &'l5 str,
        detail: serde_json::Value,
    ) -> crate::BoxFut<'fut, Result<()>> {
        Box::pin(async move {
            let mut tx = self.begin().await?;
            transition_tx(&mut tx, actor, a, next, action, detail).await?;
            tx.commit().await?;
            Ok(())
        })
    }

    #[inline(never)]
    pub fn transitions<'fut, 'l1: 'fut>(&'l1 self, assessment_id: i64) -> crate::BoxFut<'fut, Result<Vec<TransitionRow>>> {
        Box::pin(async move { crate::review::transitions(self.pool(), &crate::review::ASSESSMENT, assessment_id).await })
    }
}

/// A transition inside the caller's transaction (compare-and-set on the stored state).
pub(crate) async fn transition_tx(
    conn: &mut crate::db::Conn,
    actor: &Actor,
    a: &AssessmentRow,
    next: &Dossier,
    action: &str,
    detail: serde_json::Value,
) -> Result<()> {
    crate::review::write_transition(conn, actor, &crate::review::ASSESSMENT, a.id, a.unit_id, &a.dossier, next, action, detail).await
}

/// A stored result's one-line summary, kept in `assessments.result_summary` beside the result
/// for the campaign page's list (empty when the result has none).
pub(crate) fn result_summary(result: &serde_json::Value) -> String {
    result.get("summary").and_then(serde_json::Value::as_str).unwrap_or_default().to_string()
}

/// Saves a dossier's answers and result inside `conn`'s transaction, if its state is still the
/// one read (compare-and-set), with its audit entry: shared by the form and the device's sync.
pub(crate) async fn save_answers_in(
    conn: &mut crate::db::Conn,
    actor: &Actor,
    a: &AssessmentRow,
    answers: &serde_json::Value,
    result: &serde_json::Value,
    passed: bool,
    level: &str,
) -> Result<()> {
    let n = crate::db::query("UPDATE assessments SET answers_json = $1, result_json = $2, result_summary = $3, passed = $4, level = $5, updated_at = $6 WHERE id = $7 AND state_json = $8")
        .bind(answers.to_string())
        .bind(result.to_string())
        .bind(result_summary(result))
        .bind(i64::from(passed))
        .bind(level)
        .bind(now_text())
        .bind(a.id)
        .bind(serde_json::to_string(&a.dossier.state).unwrap_or_default())
        .execute(&mut *conn)
        .await?
        .rows_affected();
    if n == 0 {
        return Err(StoreError::conflict("state", "hồ sơ vừa được người khác thay đổi; hãy tải lại trang"));
    }
    record(
        &mut *conn,
        actor,
        AuditEntry {
            unit_id: Some(a.unit_id),
            action: "assessment.answers",
            entity: "assessment",
            entity_id: a.id.to_string(),
            before: Some(a.answers.clone()),
            after: Some(answers.clone()),
        },
    )
    .await?;
    Ok(())
}
