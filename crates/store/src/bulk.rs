//! Dossiers at the size of a commune (hồ sơ hàng loạt): laying a campaign's dossiers for every
//! subject of the registries in one transaction, scoring many from a tally sheet, moving a
//! filtered selection through a review step, evidence shared by many dossiers, the campaign's
//! list filtered and paged with counts per group, and the review steps that have nobody to act.
//! Every dossier keeps its own audit entry and transition log line; a batch is written whole
//! or not at all.

use crate::assessments::{ASSESSMENT_COLS, AssessmentRow, CampaignRow, assessment_from};
use crate::audit::{AuditEntry, record};
use crate::evidence::{NewEvidence, describe, store_file};
use crate::{Actor, Result, Store, StoreError, date_text, now_text};
use hoctap_domain::access::Role;
use hoctap_domain::workflow::{Dossier, ReviewStep};
use jiff::civil::Date;
use serde::Serialize;
use std::collections::{BTreeMap, HashSet};

/// A dossier to lay: its subject and what the registries already say (answers, result).
pub struct NewDossier {
    pub subject_id: i64,
    pub subject_label: String,
    pub unit_id: i64,
    /// `{"answers": {...}, "data": {...}}` as a saved form stores it.
    pub answers: serde_json::Value,
    pub result: Option<serde_json::Value>,
    pub passed: bool,
    pub level: String,
}

/// What laying in bulk did.
#[derive(Debug, Clone, Serialize)]
pub struct LayReport {
    pub created: usize,
    /// Subjects that already had a dossier in the campaign.
    pub skipped: usize,
}

/// Which page of a campaign's dossiers to read: the campaign, the reader's scope on a date,
/// the filter, the keyset position and the page's size.
#[derive(Clone, Copy)]
struct DossierPage<'a> {
    campaign_id: i64,
    scope: Option<i64>,
    on: Date,
    filter: &'a DossierFilter,
    after: Option<i64>,
    limit: Option<i64>,
}

/// A dossier as the campaign page lists it (`Store::campaign_dossier_lines`).
#[derive(Debug, Clone)]
pub struct DossierListRow {
    pub id: i64,
    pub subject_label: String,
    pub unit_id: i64,
    pub dossier: Dossier,
    /// The stored result's one-line summary (empty before any scoring).
    pub summary: String,
}

/// The campaign page's filter (lọc): every part optional.
#[derive(Debug, Clone, Default)]
pub struct DossierFilter {
    /// A unit (village) the dossiers' subjects belong to.
    pub village: Option<i64>,
    /// A state code (`draft`, `submitted`, `in_review`, …).
    pub state: Option<String>,
    /// `dat` (passes), `khong-dat` (evaluated, does not pass), `chua-du` (not evaluated yet).
    pub result: Option<String>,
    /// A user who acted on the dossier (reviewer).
    pub reviewer: Option<i64>,
}

/// Counts per group under the filter (each group's own part of the filter left out, so the
/// choices show what selecting them would give).
#[derive(Debug, Clone, Default, Serialize)]
pub struct DossierCounts {
    pub total: i64,
    pub by_state: Vec<(String, i64)>,
    pub by_result: Vec<(String, i64)>,
    /// (unit id, unit name, count)
    pub by_village: Vec<(i64, String, i64)>,
}

/// A review step that has no active account where dossiers wait for it.
#[derive(Debug, Clone, Serialize)]
pub struct StepGap {
    pub step: usize,
    pub step_name: String,
    pub level: String,
    pub unit_id: i64,
    pub unit_name: String,
    /// Open dossiers (not yet approved or decided) under that unit.
    pub waiting: i64,
}

/// A transition decided by the domain for one dossier of a batch.
pub struct BatchTransition<'a> {
    pub from: &'a AssessmentRow,
    pub next: Dossier,
    pub action: &'static str,
    pub detail: serde_json::Value,
    /// The reason a failing dossier is approved by exception.
    pub override_reason: Option<String>,
}

/// New answers of one dossier of a batch (tally sheet).
pub struct BatchAnswers<'a> {
    pub from: &'a AssessmentRow,
    pub answers: serde_json::Value,
    pub result: serde_json::Value,
    pub passed: bool,
    pub level: String,
}

enum Param {
    Int(i64),
    Text(String),
}

/// The WHERE clause of a filtered list, with its parameters numbered from `$1`.
fn filter_sql(campaign_id: i64, scope: Option<i64>, on: Date, f: &DossierFilter, leave_out: &str) -> (String, Vec<Param>) {
    let mut params = vec![Param::Int(campaign_id)];
    let mut sql = String::from("a.campaign_id = $1");
    let push = |params: &mut Vec<Param>, p: Param| {
        params.push(p);
        format!("${}", params.len())
    };
    for unit in [scope, f.village.filter(|_| leave_out != "village")].into_iter().flatten() {
        let anc = push(&mut params, Param::Int(unit));
        let day = push(&mut params, Param::Text(date_text(on)));
        sql.push_str(&format!(
            " AND EXISTS (SELECT 1 FROM unit_closure x WHERE x.ancestor_id = {anc} AND x.descendant_id = a.unit_id AND x.valid_from <= {day} AND x.valid_to > {day})"
        ));
    }
    if let Some(s) = f.state.as_ref().filter(|_| leave_out != "state") {
        let p = push(&mut params, Param::Text(s.clone()));
        sql.push_str(&format!(" AND a.state = {p}"));
    }
    if let Some(r) = f.result.as_deref().filter(|_| leave_out != "result") {
        sql.push_str(match r {
            "dat" => " AND a.passed = 1",
            "khong-dat" => " AND a.passed = 0 AND a.result_json LIKE '%\"passed\":false%'",
            _ => " AND a.passed = 0 AND a.result_json NOT LIKE '%\"passed\":false%'",
        });
    }
    if let Some(r) = f.reviewer {
        let p = push(&mut params, Param::Int(r));
        sql.push_str(&format!(" AND EXISTS (SELECT 1 FROM assessment_transitions t WHERE t.assessment_id = a.id AND t.actor_id = {p})"));
    }
    (sql, params)
}

fn bind_all<'q>(mut q: crate::db::Query<'q>, params: &'q [Param]) -> crate::db::Query<'q> {
    for p in params {
        q = match p {
            Param::Int(i) => q.bind(*i),
            Param::Text(t) => q.bind(t.as_str()),
        };
    }
    q
}

/// The result group of a dossier, as the filter names it.
pub fn result_group(a: &AssessmentRow) -> &'static str {
    match (a.passed, a.result.as_ref().and_then(|r| r.get("passed"))) {
        (true, _) => "dat",
        (false, Some(_)) => "khong-dat",
        (false, None) => "chua-du",
    }
}

/// Role codes as an SQL list (static codes, never input).
fn role_list(roles: &[Role]) -> String {
    roles.iter().map(|r| format!("'{}'", r.code())).collect::<Vec<_>>().join(", ")
}

impl Store {
    /// The subjects that already have a dossier in a campaign.
    #[inline(never)]
    pub fn campaign_subjects<'fut, 'l1: 'fut>(&'l1 self, campaign_id: i64) -> crate::BoxFut<'fut, Result<HashSet<i64>>> {
        Box::pin(async move {
            let rows = crate::db::query("SELECT subject_id FROM assessments WHERE campaign_id = $1")
                .bind(campaign_id)
                .fetch_all(self.pool())
                .await?;
            rows.iter().map(|r| r.i64("subject_id")).collect()
        })
    }

    /// Lays many dossiers in one transaction, each audited; subjects that already have one
    /// in the campaign are skipped.
    #[inline(never)]
    pub fn lay_dossiers<'fut, 'l1: 'fut, 'l2: 'fut, 'l3: 'fut, 'l4: 'fut>(
        &'l1 self,
        actor: &'l2 Actor,
        campaign: &'l3 CampaignRow,
        kind: &'l4 str,
        dossiers: Vec<NewDossier>,
    ) -> crate::BoxFut<'fut, Result<LayReport>> {
        Box::pin(async move {
            let dossier = Dossier::new(campaign.chain.clone());
            let state_json = serde_json::to_string(&dossier.state).unwrap_or_default();
            let mut tx = self.begin().await?;
            let existing: HashSet<i64> = crate::db::query("SELECT subject_id FROM assessments WHERE campaign_id = $1")
                .bind(campaign.id)
                .fetch_all(&mut *tx)
                .await?
                .iter()
                .map(|r| r.i64("subject_id"))
                .collect::<Result<_>>()?;
            let mut provinces: BTreeMap<i64, String> = BTreeMap::new();
            let mut report = LayReport { created: 0, skipped: 0 };
            let now = now_text();
            let mut seen = HashSet::new();
            for d in dossiers {
                if existing.contains(&d.subject_id) || !seen.insert(d.subject_id) {
                    report.skipped += 1;
                    continue;
                }
                let province = match provinces.get(&d.unit_id) {
                    Some(p) => p.clone(),
                    None => {
                        let row = crate::db::query("SELECT province_code FROM units WHERE id = $1")
                            .bind(d.unit_id)
                            .fetch_optional(&mut *tx)
                            .await?
                            .ok_or(StoreError::NotFound("đơn vị"))?;
                        let p: String = row.try_get("province_code")?;
                        provinces.insert(d.unit_id, p.clone());
                        p
                    }
                };
                let row = crate::db::query(
                "INSERT INTO assessments (campaign_id, subject_kind, subject_id, subject_label, unit_id, province_code, state, state_json, answers_json, result_json, result_summary, passed, level, created_at, updated_at) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $14) RETURNING id",
            )
            .bind(campaign.id)
            .bind(kind)
            .bind(d.subject_id)
            .bind(&d.subject_label)
            .bind(d.unit_id)
            .bind(&province)
            .bind(dossier.state.code())
            .bind(&state_json)
            .bind(d.answers.to_string())
            .bind(d.result.as_ref().map(ToString::to_string).unwrap_or_default())
            .bind(d.result.as_ref().map(crate::assessments::result_summary).unwrap_or_default())
            .bind(i64::from(d.passed))
            .bind(&d.level)
            .bind(&now)
            .fetch_one(&mut *tx)
            .await
            .map_err(|e| StoreError::unique_as(e, "subject", || format!("{} đã có hồ sơ trong đợt này", d.subject_label)))?;
                let id = row.i64("id")?;
                record(
                    &mut tx,
                    actor,
                    AuditEntry {
                        unit_id: Some(d.unit_id),
                        action: "assessment.create",
                        entity: "assessment",
                        entity_id: id.to_string(),
                        before: None,
                        after: Some(serde_json::json!({"campaign": campaign.id, "subject": d.subject_label, "bulk": true})),
                    },
                )
                .await?;
                report.created += 1;
            }
            tx.commit().await?;
            Ok(report)
        })
    }

    /// One page of a campaign's dossiers under a filter, by subject then id, after the dossier
    /// `after` (keyset: the cursor is a dossier id, its label is read here).
    #[inline(never)]
    pub fn campaign_dossiers<'fut, 'l1: 'fut, 'l2: 'fut>(
        &'l1 self,
        campaign_id: i64,
        scope: Option<i64>,
        on: Date,
        filter: &'l2 DossierFilter,
        after: Option<i64>,
        limit: Option<i64>,
    ) -> crate::BoxFut<'fut, Result<Vec<AssessmentRow>>> {
        Box::pin(async move {
            let page = DossierPage { campaign_id, scope, on, filter, after, limit };
            self.campaign_dossier_rows(ASSESSMENT_COLS, &page).await?.iter().map(assessment_from).collect()
        })
    }

    /// The same page as [`Store::campaign_dossiers`] with only what the campaign page's list
    /// shows: no answers, the chain parsed once. A page's 50 dossiers carry their answers and
    /// result as JSON (5 KB each in a commune's year); parsing them was most of the page's time.
    #[inline(never)]
    pub fn campaign_dossier_lines<'fut, 'l1: 'fut, 'l2: 'fut, 'l3: 'fut>(
        &'l1 self,
        campaign: &'l2 CampaignRow,
        scope: Option<i64>,
        on: Date,
        filter: &'l3 DossierFilter,
        after: Option<i64>,
        limit: Option<i64>,
    ) -> crate::BoxFut<'fut, Result<Vec<DossierListRow>>> {
        Box::pin(async move {
            // The result's summary only (its own column, migration 0090): the whole result is
            // ~5 KB of JSON a dossier, 50 of them read and parsed on every view of the campaign page.
            let cols = "a.id, a.subject_label, a.unit_id, a.state_json, a.submitted_by, a.result_summary";
            let rows = self.campaign_dossier_rows(cols, &DossierPage { campaign_id: campaign.id, scope, on, filter, after, limit }).await?;
            let corrupt = |e: serde_json::Error| StoreError::Corrupt(e.to_string());
            rows.iter()
                .map(|r| {
                    Ok(DossierListRow {
                        id: r.i64("id")?,
                        subject_label: r.try_get("subject_label")?,
                        unit_id: r.i64("unit_id")?,
                        dossier: Dossier {
                            state: serde_json::from_str(&r.text("state_json")?).map_err(corrupt)?,
                            submitted_by: r.opt_i64("submitted_by")?,
                            chain: campaign.chain.clone(),
                        },
                        summary: r.text("result_summary")?,
                    })
                })
                .collect()
        })
    }

    /// The rows of a page of a campaign's dossiers with the columns asked for.
    async fn campaign_dossier_rows(&self, cols: &str, page: &DossierPage<'_>) -> Result<Vec<crate::db::Row>> {
        let DossierPage { campaign_id, scope, on, filter, after, limit } = *page;
        let (mut cond, mut params) = filter_sql(campaign_id, scope, on, filter, "");
        if let Some(after) = after {
            params.push(Param::Int(after));
            let p = format!("${}", params.len());
            cond.push_str(&format!(
                " AND (a.subject_label > (SELECT subject_label FROM assessments WHERE id = {p}) \
                 OR (a.subject_label = (SELECT subject_label FROM assessments WHERE id = {p}) AND a.id > {p}))"
            ));
        }
        let limit_sql = match limit {
            Some(n) => {
                params.push(Param::Int(n));
                format!(" LIMIT ${}", params.len())
            }
            None => String::new(),
        };
        let sql = format!(
            "SELECT {cols} FROM assessments a JOIN campaigns c ON c.id = a.campaign_id WHERE {cond} ORDER BY a.subject_label, a.id{limit_sql}"
        );
        Ok(bind_all(crate::db::query(sqlx::AssertSqlSafe(sql)), &params).fetch_all(self.pool()).await?)
    }

    /// Counts of a campaign's dossiers per state, result and unit under a filter. One grouped
    /// scan (unit × state × result group, under the scope and the reviewer); each group's own
    /// part of the filter is left out in memory, so the choices show what selecting them gives.
    #[inline(never)]
    pub fn campaign_counts<'fut, 'l1: 'fut, 'l2: 'fut>(
        &'l1 self,
        campaign_id: i64,
        scope: Option<i64>,
        on: Date,
        filter: &'l2 DossierFilter,
    ) -> crate::BoxFut<'fut, Result<DossierCounts>> {
        Box::pin(async move {
            let unfiltered = DossierFilter { reviewer: filter.reviewer, ..DossierFilter::default() };
            let (cond, params) = filter_sql(campaign_id, scope, on, &unfiltered, "");
            let sql = format!(
                "SELECT a.unit_id AS u, n.name AS name, a.state AS s, \
             CASE WHEN a.passed = 1 THEN 'dat' WHEN a.result_json LIKE '%\"passed\":false%' THEN 'khong-dat' ELSE 'chua-du' END AS g, \
             COUNT(*) AS n FROM assessments a JOIN units n ON n.id = a.unit_id WHERE {cond} GROUP BY a.unit_id, n.name, a.state, 4"
            );
            let mut groups: Vec<(i64, String, String, String, i64)> = Vec::new();
            for r in bind_all(crate::db::query(sqlx::AssertSqlSafe(sql)), &params).fetch_all(self.pool()).await? {
                groups.push((r.i64("u")?, r.try_get("name")?, r.try_get("s")?, r.try_get("g")?, r.i64("n")?));
            }
            let state_ok = |s: &str| filter.state.as_deref().is_none_or(|x| x == s);
            let result_ok = |g: &str| filter.result.as_deref().is_none_or(|x| x == g);
            // A village filter names a unit that dossiers sit in or under.
            let within: HashSet<i64> = match filter.village {
                Some(v) => {
                    let units: Vec<i64> = groups.iter().map(|(u, ..)| *u).collect::<HashSet<_>>().into_iter().collect();
                    let mut inside = HashSet::new();
                    for u in units {
                        if u == v || self.in_scope(v, u, on).await? {
                            inside.insert(u);
                        }
                    }
                    inside
                }
                None => HashSet::new(),
            };
            let in_village = |u: i64| filter.village.is_none() || within.contains(&u);
            let mut out = DossierCounts::default();
            let mut by_state: BTreeMap<String, i64> = BTreeMap::new();
            let mut by_result: BTreeMap<String, i64> = BTreeMap::new();
            let mut by_village: BTreeMap<(String, i64), i64> = BTreeMap::new();
            for (u, name, s, g, n) in &groups {
                let (v_ok, s_ok, r_ok) = (in_village(*u), state_ok(s), result_ok(g));
                if v_ok && s_ok && r_ok {
                    out.total += n;
                }
                if v_ok && r_ok {
                    *by_state.entry(s.clone()).or_default() += n;
                }
                if v_ok && s_ok {
                    *by_result.entry(g.clone()).or_default() += n;
                }
                if s_ok && r_ok {
                    *by_village.entry((name.clone(), *u)).or_default() += n;
                }
            }
            out.by_state = by_state.into_iter().collect();
            out.by_result = by_result.into_iter().collect();
            out.by_village = by_village.into_iter().map(|((name, u), n)| (u, name, n)).collect();
            Ok(out)
        })
    }

    /// Writes many transitions in one transaction: each with its compare-and-set, its log line
    /// and its audit entry. A dossier moved by someone meanwhile fails the whole batch (409),
    /// nothing written.
    #[inline(never)]
    pub fn transition_many<'fut, 'l1: 'fut, 'l2: 'fut, 'l3: 'fut, 'l4: 'fut>(
        &'l2 self,
        actor: &'l3 Actor,
        items: &'l4 [BatchTransition<'l1>],
    ) -> crate::BoxFut<'fut, Result<()>> {
        Box::pin(async move { self.transition_many_notifying(actor, items, &[]).await })
    }

    /// As [`Store::transition_many`], with the notifications of the transitions (a dossier
    /// returned or not recognised) written in the same transaction.
    #[inline(never)]
    pub fn transition_many_notifying<'fut, 'l1: 'fut, 'l2: 'fut, 'l3: 'fut, 'l4: 'fut, 'l5: 'fut>(
        &'l2 self,
        actor: &'l3 Actor,
        items: &'l4 [BatchTransition<'l1>],
        notes: &'l5 [crate::NewNotification],
    ) -> crate::BoxFut<'fut, Result<()>> {
        Box::pin(async move {
            let mut tx = self.begin().await?;
            for t in items {
                crate::review::write_transition(
                    &mut tx,
                    actor,
                    &crate::review::ASSESSMENT,
                    t.from.id,
                    t.from.unit_id,
                    &t.from.dossier,
                    &t.next,
                    t.action,
                    t.detail.clone(),
                )
                .await?;
                if let Some(reason) = &t.override_reason {
                    crate::db::query("UPDATE assessments SET override_reason = $1 WHERE id = $2")
                        .bind(reason)
                        .bind(t.from.id)
                        .execute(&mut *tx)
                        .await?;
                }
            }
            crate::notify::insert_in(&mut tx, notes).await?;
            tx.commit().await?;
            Ok(())
        })
    }

    /// Saves many dossiers' answers and results in one transaction (compare-and-set on each
    /// state, an audit entry each).
    #[inline(never)]
    pub fn save_answers_many<'fut, 'l1: 'fut, 'l2: 'fut, 'l3: 'fut, 'l4: 'fut>(
        &'l2 self,
        actor: &'l3 Actor,
        items: &'l4 [BatchAnswers<'l1>],
    ) -> crate::BoxFut<'fut, Result<()>> {
        Box::pin(async move {
            let mut tx = self.begin().await?;
            let now = now_text();
            for b in items {
                let n = crate::db::query(
                "UPDATE assessments SET answers_json = $1, result_json = $2, result_summary = $3, passed = $4, level = $5, updated_at = $6 WHERE id = $7 AND state_json = $8",
            )
            .bind(b.answers.to_string())
            .bind(b.result.to_string())
            .bind(crate::assessments::result_summary(&b.result))
            .bind(i64::from(b.passed))
            .bind(&b.level)
            .bind(&now)
            .bind(b.from.id)
            .bind(serde_json::to_string(&b.from.dossier.state).unwrap_or_default())
            .execute(&mut *tx)
            .await?
            .rows_affected();
                if n == 0 {
                    return Err(StoreError::conflict(
                        "state",
                        format!("hồ sơ {} vừa được người khác thay đổi; không có gì được ghi, hãy kiểm tra lại tệp", b.from.subject_label),
                    ));
                }
                record(
                    &mut tx,
                    actor,
                    AuditEntry {
                        unit_id: Some(b.from.unit_id),
                        action: "assessment.answers",
                        entity: "assessment",
                        entity_id: b.from.id.to_string(),
                        before: Some(b.from.answers.clone()),
                        after: Some(b.answers.clone()),
                    },
                )
                .await?;
            }
            tx.commit().await?;
            Ok(())
        })
    }

    /// One file stored once (by SHA-256) and described for many dossiers (a village meeting's
    /// minutes for 200 households), each with its own code and audit entry, in one transaction.
    #[inline(never)]
    pub fn add_shared_evidence<'fut, 'l1: 'fut, 'l2: 'fut, 'l3: 'fut, 'l4: 'fut>(
        &'l2 self,
        actor: &'l3 Actor,
        dossiers: &'l4 [(i64, i64)],
        e: NewEvidence<'l1>,
    ) -> crate::BoxFut<'fut, Result<usize>> {
        Box::pin(async move {
            if e.indicators.is_empty() {
                return Err(StoreError::invalid("indicators", "chọn ít nhất một chỉ tiêu mà minh chứng này chứng minh"));
            }
            if e.title.trim().is_empty() {
                return Err(StoreError::invalid("title", "ghi tên minh chứng"));
            }
            if dossiers.is_empty() {
                return Err(StoreError::invalid("dossiers", "không có hồ sơ nào được chọn"));
            }
            let mut tx = self.begin().await?;
            let sha = store_file(&mut tx, e.bytes, e.mime).await?;
            for (assessment_id, unit_id) in dossiers {
                let (_, code) = describe(&mut tx, actor, *assessment_id, &sha, &e).await?;
                record(
                &mut tx,
                actor,
                AuditEntry {
                    unit_id: Some(*unit_id),
                    action: "evidence.add",
                    entity: "assessment",
                    entity_id: assessment_id.to_string(),
                    before: None,
                    after: Some(serde_json::json!({"code": code, "sha256": sha, "indicators": e.indicators, "title": e.title, "shared": dossiers.len()})),
                },
            )
            .await?;
            }
            tx.commit().await?;
            Ok(dossiers.len())
        })
    }

    /// Dossiers of a decision approved by exception: (subject, reason).
    #[inline(never)]
    pub fn decision_overrides<'fut, 'l1: 'fut>(&'l1 self, decision_id: i64) -> crate::BoxFut<'fut, Result<Vec<(String, String)>>> {
        Box::pin(async move {
            let rows = crate::db::query(
                "SELECT a.subject_label AS s, a.override_reason AS r FROM recognitions g JOIN assessments a ON a.id = g.assessment_id \
             WHERE g.decision_id = $1 AND a.override_reason <> '' ORDER BY a.subject_label",
            )
            .bind(decision_id)
            .fetch_all(self.pool())
            .await?;
            rows.iter().map(|r| Ok((r.try_get("s")?, r.try_get("r")?))).collect()
        })
    }

    /// The users who acted on a campaign's dossiers as reviewers (id, name), for the filter.
    #[inline(never)]
    pub fn campaign_reviewers<'fut, 'l1: 'fut>(&'l1 self, campaign_id: i64) -> crate::BoxFut<'fut, Result<Vec<(i64, String)>>> {
        Box::pin(async move {
            let rows = crate::db::query(
            "SELECT DISTINCT t.actor_id AS id, t.actor_name AS name FROM assessment_transitions t JOIN assessments a ON a.id = t.assessment_id \
             WHERE a.campaign_id = $1 AND t.actor_id IS NOT NULL AND t.action <> 'submit' ORDER BY t.actor_name",
        )
        .bind(campaign_id)
        .fetch_all(self.pool())
        .await?;
            rows.iter().map(|r| Ok((r.i64("id")?, r.try_get("name")?))).collect()
        })
    }

    /// Whether a step has an active account for a dossier of `unit`: a holder of the step at
    /// the step's level, in the unit or above it (the ministry's steps: any ministry reviewer).
    #[inline(never)]
    pub fn step_has_holder<'fut, 'l1: 'fut, 'l2: 'fut>(
        &'l1 self,
        step: &'l2 ReviewStep,
        unit: i64,
        on: Date,
    ) -> crate::BoxFut<'fut, Result<bool>> {
        Box::pin(async move {
            if step.level == "national" {
                let row = crate::db::query("SELECT COUNT(*) AS n FROM users WHERE active = 1 AND role = $1")
                    .bind(Role::MinistryReviewer.code())
                    .fetch_one(self.pool())
                    .await?;
                return Ok(row.i64("n")? > 0);
            }
            let sql = format!(
                "SELECT COUNT(*) AS n FROM unit_closure x JOIN units u ON u.id = x.ancestor_id AND u.kind = $1 \
             JOIN users s ON s.unit_id = u.id AND s.active = 1 AND s.role IN ({}) \
             WHERE x.descendant_id = $2 AND x.valid_from <= $3 AND x.valid_to > $3",
                role_list(step.holders())
            );
            let row =
                crate::db::query(sqlx::AssertSqlSafe(sql)).bind(&step.level).bind(unit).bind(date_text(on)).fetch_one(self.pool()).await?;
            Ok(row.i64("n")? > 0)
        })
    }

    /// The steps of a campaign's chain that have no active account where open dossiers (not
    /// yet approved or decided) will wait for them: one line per step and unit. One grouped
    /// query per step: the open dossiers counted under each unit of the step's level that has
    /// no active holder of the step (a unit has one ancestor of each kind).
    #[inline(never)]
    pub fn step_gaps<'fut, 'l1: 'fut, 'l2: 'fut>(
        &'l1 self,
        campaign: &'l2 CampaignRow,
        scope: Option<i64>,
        on: Date,
    ) -> crate::BoxFut<'fut, Result<Vec<StepGap>>> {
        Box::pin(async move {
            const OPEN: &str = "a.campaign_id = $1 AND a.state IN ('draft', 'submitted', 'in_review', 'returned') \
             AND ($2 IS NULL OR EXISTS (SELECT 1 FROM unit_closure y WHERE y.ancestor_id = $2 AND y.descendant_id = a.unit_id AND y.valid_from <= $3 AND y.valid_to > $3))";
            let day = date_text(on);
            let mut out = Vec::new();
            let mut open_total: Option<i64> = None;
            for (i, step) in campaign.chain.iter().enumerate() {
                if step.level == "national" {
                    let total = match open_total {
                        Some(n) => n,
                        None => {
                            let sql = format!("SELECT COUNT(*) AS n FROM assessments a WHERE {OPEN}");
                            let row = crate::db::query(sqlx::AssertSqlSafe(sql))
                                .bind(campaign.id)
                                .bind(scope)
                                .bind(&day)
                                .fetch_one(self.pool())
                                .await?;
                            *open_total.insert(row.i64("n")?)
                        }
                    };
                    if total > 0 && !self.step_has_holder(step, campaign.unit_id, on).await? {
                        out.push(StepGap {
                            step: i,
                            step_name: step.name.clone(),
                            level: step.level.clone(),
                            unit_id: 0,
                            unit_name: "Bộ Giáo dục và Đào tạo".into(),
                            waiting: total,
                        });
                    }
                    continue;
                }
                let sql = format!(
                    "SELECT n.id AS id, n.name AS name, COUNT(*) AS w FROM assessments a \
                 JOIN unit_closure x ON x.descendant_id = a.unit_id AND x.valid_from <= $3 AND x.valid_to > $3 \
                 JOIN units n ON n.id = x.ancestor_id AND n.kind = $4 \
                 WHERE {OPEN} AND NOT EXISTS (SELECT 1 FROM users s WHERE s.unit_id = n.id AND s.active = 1 AND s.role IN ({})) \
                 GROUP BY n.id, n.name ORDER BY n.name, n.id",
                    role_list(step.holders())
                );
                let rows = crate::db::query(sqlx::AssertSqlSafe(sql))
                    .bind(campaign.id)
                    .bind(scope)
                    .bind(&day)
                    .bind(&step.level)
                    .fetch_all(self.pool())
                    .await?;
                for r in &rows {
                    out.push(StepGap {
                        step: i,
                        step_name: step.name.clone(),
                        level: step.level.clone(),
                        unit_id: r.i64("id")?,
                        unit_name: r.try_get("name")?,
                        waiting: r.i64("w")?,
                    });
                }
            }
            Ok(out)
        })
    }

    /// Which of `units` have a dossier in which of `campaigns` (campaign id, unit id).
    #[inline(never)]
    pub fn units_with_dossiers<'fut, 'l1: 'fut, 'l2: 'fut, 'l3: 'fut>(
        &'l1 self,
        campaigns: &'l2 [i64],
        units: &'l3 [i64],
    ) -> crate::BoxFut<'fut, Result<HashSet<(i64, i64)>>> {
        Box::pin(async move {
            let mut out = HashSet::new();
            if campaigns.is_empty() || units.is_empty() {
                return Ok(out);
            }
            for chunk in units.chunks(400) {
                let sql = format!(
                    "SELECT DISTINCT a.campaign_id AS c, a.unit_id AS u FROM assessments a WHERE a.campaign_id IN ({}) AND a.unit_id IN ({})",
                    crate::dialect::placeholders(false, 1, campaigns.len()),
                    crate::dialect::placeholders(false, 1 + campaigns.len(), chunk.len())
                );
                let mut q = crate::db::query(sqlx::AssertSqlSafe(sql));
                for c in campaigns.iter().chain(chunk) {
                    q = q.bind(*c);
                }
                for r in q.fetch_all(self.pool()).await? {
                    out.insert((r.i64("c")?, r.i64("u")?));
                }
            }
            Ok(out)
        })
    }
}
