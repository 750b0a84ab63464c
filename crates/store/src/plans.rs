//! Plans (kế hoạch) and their targets (chỉ tiêu), target roll-down, and the annual reports
//! (báo cáo kết quả xây dựng xã hội học tập): storage on both engines, each write with its
//! audit entry in one transaction.

use std::collections::BTreeMap;

use hoctap_domain::criteria::Number;
use hoctap_domain::plan::{Plan, UnitRef};
use jiff::civil::Date;
use serde::Serialize;

use crate::audit::{AuditEntry, record};
use crate::{Actor, Result, Store, StoreError, date_text, now_text};

/// A stored plan.
#[derive(Debug, Clone, Serialize)]
pub struct PlanRow {
    pub id: i64,
    pub key: String,
    /// 0 for a national plan.
    pub unit_id: i64,
    pub unit_code: String,
    pub number: String,
    pub issued_on: String,
    pub title: String,
    pub kind: String,
    pub period: (i16, i16),
    pub plan: Plan,
}

/// A stored target.
#[derive(Debug, Clone, Serialize)]
pub struct TargetRow {
    pub plan_id: i64,
    pub plan_key: String,
    pub plan_label: String,
    pub indicator: String,
    pub unit_id: i64,
    pub year: i16,
    pub value: Number,
    pub origin: String,
    pub text: String,
}

/// Which target: a plan's indicator in a year.
#[derive(Debug, Clone)]
pub struct TargetKey {
    pub plan_id: i64,
    pub indicator: String,
    pub year: i16,
}

/// An annual report's stored state.
#[derive(Debug, Clone, Serialize)]
pub struct ReportRow {
    pub unit_id: i64,
    pub year: i16,
    /// Narrative sections the officer writes: section id → text.
    pub sections: BTreeMap<String, String>,
    pub submitted: bool,
    pub submitted_by: String,
    pub submitted_at: String,
    pub updated_by: String,
    pub updated_at: String,
}

fn plan_from(r: &crate::db::Row) -> Result<PlanRow> {
    let json: String = r.try_get("plan_json")?;
    let plan: Plan = serde_json::from_str(&json).map_err(|e| StoreError::invalid("plan", e.to_string()))?;
    Ok(PlanRow {
        id: r.i64("id")?,
        key: r.try_get("plan_key")?,
        unit_id: r.i64("unit_id")?,
        unit_code: r.try_get("unit_code")?,
        number: r.try_get("number")?,
        issued_on: r.try_get("issued_on")?,
        title: r.try_get("title")?,
        kind: r.try_get("kind")?,
        period: (i16::try_from(r.i64("period_from")?).unwrap_or(0), i16::try_from(r.i64("period_to")?).unwrap_or(0)),
        plan,
    })
}

pub(crate) fn target_from(r: &crate::db::Row) -> Result<TargetRow> {
    let value: String = r.try_get("value")?;
    let number: String = r.try_get("number")?;
    let title: String = r.try_get("title")?;
    Ok(TargetRow {
        plan_id: r.i64("plan_id")?,
        plan_key: r.try_get("plan_key")?,
        plan_label: if number.is_empty() { title } else { number },
        indicator: r.try_get("indicator")?,
        unit_id: r.i64("unit_id")?,
        year: i16::try_from(r.i64("year")?).unwrap_or(0),
        value: Number::parse_exact(&value).map_err(|e| StoreError::invalid("value", e.to_string()))?,
        origin: r.try_get("origin")?,
        text: r.try_get("text")?,
    })
}

pub(crate) const TARGET_COLS: &str = "t.plan_id, p.plan_key, p.number, p.title, t.indicator, t.unit_id, t.year, t.value, t.origin, t.text";

impl Store {
    /// The unit a plan's code names, as at `on`, or else on 1 January of that year (a plan
    /// of 2025 may predate the July merger); 0 for `VN`.
    async fn plan_unit(&self, unit: &UnitRef, on: Date) -> Result<i64> {
        match unit {
            UnitRef::National => Ok(0),
            UnitRef::Unit(code) => match self.unit_by_code(code.as_str(), on).await {
                Ok(u) => Ok(u.id),
                Err(_) => Ok(self.unit_by_code(code.as_str(), jiff::civil::date(on.year(), 1, 1)).await?.id),
            },
        }
    }

    /// Stores plans (the shipped ones, or an uploaded file), their targets as the documents
    /// state them, skipping plans already stored under the same key. Returns how many were new.
    #[inline(never)]
    pub fn load_plans<'fut, 'l1: 'fut, 'l2: 'fut, 'l3: 'fut>(
        &'l1 self,
        actor: &'l2 Actor,
        plans: &'l3 [Plan],
    ) -> crate::BoxFut<'fut, Result<usize>> {
        Box::pin(async move {
            let mut new = 0;
            for p in plans {
                // Codes are read as at the plan's date (a district of 2022 no longer exists).
                let on = p.issued.unwrap_or_else(|| jiff::civil::date(p.issued_year.unwrap_or(p.period.from), 12, 31));
                let unit_id = self.plan_unit(&p.unit, on).await?;
                let mut target_units = BTreeMap::new();
                for t in &p.targets {
                    if !target_units.contains_key(&t.unit) {
                        target_units.insert(t.unit.clone(), self.plan_unit(&t.unit, on).await?);
                    }
                }
                let mut tx = self.begin().await?;
                let exists = crate::db::query("SELECT id FROM plans WHERE plan_key = $1").bind(&p.id).fetch_optional(&mut *tx).await?;
                if exists.is_some() {
                    continue;
                }
                let row = crate::db::query(
                "INSERT INTO plans (plan_key, unit_id, unit_code, number, issued_on, title, kind, period_from, period_to, plan_json, created_by, created_at) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12) RETURNING id",
            )
            .bind(&p.id)
            .bind(unit_id)
            .bind(p.unit.as_str())
            .bind(p.number.clone().unwrap_or_default())
            .bind(p.issued.map(date_text).unwrap_or_default())
            .bind(&p.title)
            .bind(p.kind.label())
            .bind(i64::from(p.period.from))
            .bind(i64::from(p.period.to))
            .bind(serde_json::to_string(p).unwrap_or_default())
            .bind(&actor.username)
            .bind(now_text())
            .fetch_one(&mut *tx)
            .await?;
                let plan_id = row.i64("id")?;
                for t in &p.targets {
                    let key = TargetKey { plan_id, indicator: t.indicator.clone(), year: t.year };
                    // As the document states it; a target stored already (a re-load) is kept.
                    write_target(&mut tx, actor, &key, target_units.get(&t.unit).copied().unwrap_or(unit_id), t.value, "plan", &t.text)
                        .await?;
                }
                record(
                    &mut tx,
                    actor,
                    AuditEntry {
                        unit_id: (unit_id != 0).then_some(unit_id),
                        action: "plan.load",
                        entity: "plan",
                        entity_id: p.id.clone(),
                        before: None,
                        after: Some(serde_json::json!({"title": p.title, "targets": p.targets.len()})),
                    },
                )
                .await?;
                tx.commit().await?;
                new += 1;
            }
            Ok(new)
        })
    }

    /// Plans of a unit and of the units above it (None: national plans only), newest first.
    #[inline(never)]
    pub fn plans_for<'fut, 'l1: 'fut, 'l2: 'fut>(&'l1 self, chain: &'l2 [i64]) -> crate::BoxFut<'fut, Result<Vec<PlanRow>>> {
        Box::pin(async move {
            let mut ids: Vec<i64> = chain.to_vec();
            ids.push(0);
            let sql = format!(
                "SELECT * FROM plans WHERE unit_id IN ({}) ORDER BY period_from DESC, id DESC",
                crate::dialect::placeholders(false, 1, ids.len())
            );
            let mut q = crate::db::query(sqlx::AssertSqlSafe(sql));
            for id in &ids {
                q = q.bind(*id);
            }
            q.fetch_all(self.pool()).await?.iter().map(plan_from).collect()
        })
    }

    /// Every stored plan.
    #[inline(never)]
    pub fn all_plans<'fut, 'l1: 'fut>(&'l1 self) -> crate::BoxFut<'fut, Result<Vec<PlanRow>>> {
        Box::pin(async move {
            crate::db::query("SELECT * FROM plans ORDER BY unit_id, period_from DESC, id")
                .fetch_all(self.pool())
                .await?
                .iter()
                .map(plan_from)
                .collect()
        })
    }

    #[inline(never)]
    pub fn plan<'fut, 'l1: 'fut>(&'l1 self, id: i64) -> crate::BoxFut<'fut, Result<PlanRow>> {
        Box::pin(async move {
            let r = crate::db::query("SELECT * FROM plans WHERE id = $1")
                .bind(id)
                .fetch_optional(self.pool())
                .await?
                .ok_or(StoreError::NotFound("kế hoạch"))?;
            plan_from(&r)
        })
    }

    /// The targets set for a unit (0: the country) from `year` on, every plan.
    #[inline(never)]
    pub fn targets_of<'fut, 'l1: 'fut>(&'l1 self, unit_id: i64, from_year: i16) -> crate::BoxFut<'fut, Result<Vec<TargetRow>>> {
        Box::pin(async move {
            let sql = format!(
                "SELECT {TARGET_COLS} FROM plan_targets t JOIN plans p ON p.id = t.plan_id WHERE t.unit_id = $1 AND t.year >= $2 ORDER BY t.year, p.period_from DESC, t.id"
            );
            crate::db::query(sqlx::AssertSqlSafe(sql))
                .bind(unit_id)
                .bind(i64::from(from_year))
                .fetch_all(self.pool())
                .await?
                .iter()
                .map(target_from)
                .collect()
        })
    }

    /// The targets set for a unit (0: the country) by the plans in force in `year` (the year is
    /// within the plan's period), every year of them: the milestones of each plan's path. The
    /// newest plan first.
    #[inline(never)]
    pub fn targets_in_force<'fut, 'l1: 'fut>(&'l1 self, unit_id: i64, year: i16) -> crate::BoxFut<'fut, Result<Vec<TargetRow>>> {
        Box::pin(async move {
            let sql = format!(
                "SELECT {TARGET_COLS} FROM plan_targets t JOIN plans p ON p.id = t.plan_id \
             WHERE t.unit_id = $1 AND p.period_from <= $2 AND p.period_to >= $2 ORDER BY p.period_from DESC, p.id, t.year, t.id"
            );
            crate::db::query(sqlx::AssertSqlSafe(sql))
                .bind(unit_id)
                .bind(i64::from(year))
                .fetch_all(self.pool())
                .await?
                .iter()
                .map(target_from)
                .collect()
        })
    }

    /// The targets of one indicator set for each of some units by the plans in force in `year`
    /// (see [`Store::targets_in_force`]).
    #[inline(never)]
    pub fn targets_in_force_of_units<'fut, 'l1: 'fut, 'l2: 'fut, 'l3: 'fut>(
        &'l1 self,
        units: &'l2 [i64],
        indicator: &'l3 str,
        year: i16,
    ) -> crate::BoxFut<'fut, Result<BTreeMap<i64, Vec<TargetRow>>>> {
        Box::pin(async move {
            let mut out: BTreeMap<i64, Vec<TargetRow>> = BTreeMap::new();
            for chunk in units.chunks(500) {
                let ids: Vec<String> = chunk.iter().map(ToString::to_string).collect();
                let sql = format!(
                    "SELECT {TARGET_COLS} FROM plan_targets t JOIN plans p ON p.id = t.plan_id WHERE t.unit_id IN ({}) AND t.indicator = $1 \
                 AND p.period_from <= $2 AND p.period_to >= $2 ORDER BY p.period_from DESC, p.id, t.year, t.id",
                    ids.join(", ")
                );
                for r in crate::db::query(sqlx::AssertSqlSafe(sql)).bind(indicator).bind(i64::from(year)).fetch_all(self.pool()).await? {
                    let t = target_from(&r)?;
                    out.entry(t.unit_id).or_default().push(t);
                }
            }
            Ok(out)
        })
    }

    /// The targets of a plan for one indicator and year, at every unit.
    #[inline(never)]
    pub fn plan_targets<'fut, 'l1: 'fut, 'l2: 'fut>(
        &'l1 self,
        plan_id: i64,
        indicator: &'l2 str,
        year: i16,
    ) -> crate::BoxFut<'fut, Result<Vec<TargetRow>>> {
        Box::pin(async move {
            let sql = format!(
                "SELECT {TARGET_COLS} FROM plan_targets t JOIN plans p ON p.id = t.plan_id WHERE t.plan_id = $1 AND t.indicator = $2 AND t.year = $3 ORDER BY t.unit_id"
            );
            crate::db::query(sqlx::AssertSqlSafe(sql))
                .bind(plan_id)
                .bind(indicator)
                .bind(i64::from(year))
                .fetch_all(self.pool())
                .await?
                .iter()
                .map(target_from)
                .collect()
        })
    }

    /// Writes the children's share of a target (a split, checked by the caller against the
    /// parent), replacing earlier shares, in one transaction with one audit entry.
    #[inline(never)]
    pub fn set_child_targets<'fut, 'l1: 'fut, 'l2: 'fut, 'l3: 'fut, 'l4: 'fut, 'l5: 'fut>(
        &'l1 self,
        actor: &'l2 Actor,
        key: &'l3 TargetKey,
        parent_unit: i64,
        shares: &'l4 [(i64, Number)],
        origin: &'l5 str,
    ) -> crate::BoxFut<'fut, Result<()>> {
        Box::pin(async move {
            let TargetKey { plan_id, indicator, year } = key;
            let mut tx = self.begin().await?;
            for (unit, value) in shares {
                write_target(&mut tx, actor, key, *unit, *value, origin, "").await?;
            }
            record(
            &mut tx,
            actor,
            AuditEntry {
                unit_id: (parent_unit != 0).then_some(parent_unit),
                action: "plan.split",
                entity: "plan_target",
                entity_id: format!("{plan_id}/{indicator}/{year}"),
                before: None,
                after: Some(serde_json::json!({"method": origin, "shares": shares.iter().map(|(u, v)| serde_json::json!({"unit": u, "value": v.to_exact()})).collect::<Vec<_>>()})),
            },
        )
        .await?;
            tx.commit().await?;
            Ok(())
        })
    }

    /// A unit's report for a year, if one was started.
    #[inline(never)]
    pub fn annual_report<'fut, 'l1: 'fut>(&'l1 self, unit_id: i64, year: i16) -> crate::BoxFut<'fut, Result<Option<ReportRow>>> {
        Box::pin(async move {
            let r = crate::db::query("SELECT * FROM annual_reports WHERE unit_id = $1 AND year = $2")
                .bind(unit_id)
                .bind(i64::from(year))
                .fetch_optional(self.pool())
                .await?;
            r.as_ref().map(report_from).transpose()
        })
    }

    /// Which of these units have submitted their report for the year.
    #[inline(never)]
    pub fn reports_submitted<'fut, 'l1: 'fut, 'l2: 'fut>(
        &'l1 self,
        units: &'l2 [i64],
        year: i16,
    ) -> crate::BoxFut<'fut, Result<BTreeMap<i64, String>>> {
        Box::pin(async move {
            let mut out = BTreeMap::new();
            for chunk in units.chunks(500) {
                let sql = format!(
                    "SELECT unit_id, submitted_at FROM annual_reports WHERE year = $1 AND state = 'submitted' AND unit_id IN ({})",
                    crate::dialect::placeholders(false, 2, chunk.len())
                );
                let mut q = crate::db::query(sqlx::AssertSqlSafe(sql)).bind(i64::from(year));
                for u in chunk {
                    q = q.bind(*u);
                }
                for r in q.fetch_all(self.pool()).await? {
                    out.insert(r.i64("unit_id")?, r.try_get("submitted_at")?);
                }
            }
            Ok(out)
        })
    }

    /// Saves the narrative sections of a report (a submitted report is not changed: it is
    /// what the superior received).
    #[inline(never)]
    pub fn save_annual_report<'fut, 'l1: 'fut, 'l2: 'fut, 'l3: 'fut>(
        &'l1 self,
        actor: &'l2 Actor,
        unit_id: i64,
        year: i16,
        sections: &'l3 BTreeMap<String, String>,
        submit: bool,
    ) -> crate::BoxFut<'fut, Result<()>> {
        Box::pin(async move {
            let mut tx = self.begin().await?;
            let before = crate::db::query("SELECT state FROM annual_reports WHERE unit_id = $1 AND year = $2")
                .bind(unit_id)
                .bind(i64::from(year))
                .fetch_optional(&mut *tx)
                .await?;
            if let Some(r) = &before
                && r.text("state")? == "submitted"
            {
                return Err(StoreError::conflict("state", "báo cáo đã gửi cấp trên, không sửa được"));
            }
            let now = now_text();
            let state = if submit { "submitted" } else { "draft" };
            crate::db::query(
            "INSERT INTO annual_reports (unit_id, year, sections_json, state, submitted_by, submitted_at, updated_by, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8) \
             ON CONFLICT (unit_id, year) DO UPDATE SET sections_json = excluded.sections_json, state = excluded.state, submitted_by = excluded.submitted_by, \
             submitted_at = excluded.submitted_at, updated_by = excluded.updated_by, updated_at = excluded.updated_at",
        )
        .bind(unit_id)
        .bind(i64::from(year))
        .bind(serde_json::to_string(sections).unwrap_or_default())
        .bind(state)
        .bind(if submit { actor.username.clone() } else { String::new() })
        .bind(if submit { now.clone() } else { String::new() })
        .bind(&actor.username)
        .bind(&now)
        .execute(&mut *tx)
        .await?;
            record(
                &mut tx,
                actor,
                AuditEntry {
                    unit_id: Some(unit_id),
                    action: if submit { "report.submit" } else { "report.save" },
                    entity: "annual_report",
                    entity_id: format!("{unit_id}/{year}"),
                    before: None,
                    after: Some(serde_json::json!({"year": year, "sections": sections.len()})),
                },
            )
            .await?;
            tx.commit().await?;
            Ok(())
        })
    }
}

/// Writes a target; one stated by a plan stays as it is, a roll-down replaces the earlier one.
async fn write_target(
    conn: &mut crate::db::Conn,
    actor: &Actor,
    key: &TargetKey,
    unit: i64,
    value: Number,
    origin: &str,
    text: &str,
) -> Result<()> {
    let on_conflict = if origin == "plan" {
        "DO NOTHING"
    } else {
        "DO UPDATE SET value = excluded.value, origin = excluded.origin, updated_by = excluded.updated_by, updated_at = excluded.updated_at"
    };
    let sql = format!(
        "INSERT INTO plan_targets (plan_id, indicator, unit_id, year, value, origin, text, updated_by, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) \
         ON CONFLICT (plan_id, indicator, unit_id, year) {on_conflict}"
    );
    crate::db::query(sqlx::AssertSqlSafe(sql))
        .bind(key.plan_id)
        .bind(&key.indicator)
        .bind(unit)
        .bind(i64::from(key.year))
        .bind(value.to_exact())
        .bind(origin)
        .bind(text)
        .bind(&actor.username)
        .bind(now_text())
        .execute(&mut *conn)
        .await?;
    Ok(())
}

fn report_from(r: &crate::db::Row) -> Result<ReportRow> {
    let json: String = r.try_get("sections_json")?;
    Ok(ReportRow {
        unit_id: r.i64("unit_id")?,
        year: i16::try_from(r.i64("year")?).unwrap_or(0),
        sections: serde_json::from_str(&json).unwrap_or_default(),
        submitted: r.text("state")? == "submitted",
        submitted_by: r.try_get("submitted_by")?,
        submitted_at: r.try_get("submitted_at")?,
        updated_by: r.try_get("updated_by")?,
        updated_at: r.try_get("updated_at")?,
    })
}
