//! What the role home pages (trang chủ) read in a few grouped queries: the year's dossiers of
//! each child unit by state, the dossiers waiting per campaign and state in a scope, and the
//! level above's reminders and returns of its units' annual reports.

use crate::audit::{AuditEntry, record};
use crate::{Actor, Result, Store, StoreError, date_text, now_text};
use jiff::civil::Date;
use serde::Serialize;
use std::collections::BTreeMap;

/// A child unit's dossiers of the year's campaigns, per state code.
#[derive(Debug, Clone, Default, Serialize)]
pub struct ChildProgress {
    pub unit_id: i64,
    pub by_state: BTreeMap<String, i64>,
}

impl ChildProgress {
    pub fn total(&self) -> i64 {
        self.by_state.values().sum()
    }

    pub fn count(&self, state: &str) -> i64 {
        self.by_state.get(state).copied().unwrap_or(0)
    }
}

/// Open dossiers of an open campaign in a state.
#[derive(Debug, Clone, Serialize)]
pub struct QueueCount {
    pub campaign_id: i64,
    pub campaign_unit_id: i64,
    pub title: String,
    pub state: String,
    pub count: i64,
}

/// A reminder to send an annual report, or a submitted report returned, by the level above.
#[derive(Debug, Clone, Serialize)]
pub struct ReminderRow {
    pub id: i64,
    pub unit_id: i64,
    pub year: i16,
    /// `remind` or `return`.
    pub kind: String,
    pub note: String,
    pub sent_by: String,
    pub sent_by_unit: Option<i64>,
    pub sent_at: String,
}

impl Store {
    /// Dossiers of campaigns of `year` under each of `units` (as the tree stands on `on`),
    /// counted per state; units without dossiers are absent.
    #[inline(never)]
    pub fn children_progress<'fut, 'l1: 'fut, 'l2: 'fut>(
        &'l1 self,
        units: &'l2 [i64],
        year: i64,
        on: Date,
    ) -> crate::BoxFut<'fut, Result<BTreeMap<i64, ChildProgress>>> {
        Box::pin(async move {
            let mut out: BTreeMap<i64, ChildProgress> = BTreeMap::new();
            for chunk in units.chunks(400) {
                let sql = format!(
                    "SELECT x.ancestor_id AS u, a.state AS s, COUNT(*) AS n FROM assessments a JOIN campaigns c ON c.id = a.campaign_id \
                 JOIN unit_closure x ON x.descendant_id = a.unit_id AND x.valid_from <= $2 AND x.valid_to > $2 \
                 WHERE c.year = $1 AND x.ancestor_id IN ({}) GROUP BY x.ancestor_id, a.state",
                    crate::dialect::placeholders(false, 3, chunk.len())
                );
                let mut q = crate::db::query(sqlx::AssertSqlSafe(sql)).bind(year).bind(date_text(on));
                for u in chunk {
                    q = q.bind(*u);
                }
                for r in q.fetch_all(self.pool()).await? {
                    let u = r.i64("u")?;
                    let e = out.entry(u).or_insert_with(|| ChildProgress { unit_id: u, ..Default::default() });
                    e.by_state.insert(r.try_get("s")?, r.i64("n")?);
                }
            }
            Ok(out)
        })
    }

    /// Dossiers of open campaigns in a scope in the given states, counted per campaign and
    /// state; with `campaigns`, only those campaigns' (their index, not every dossier of the
    /// scope's years).
    #[inline(never)]
    pub fn queue_counts<'fut, 'l1: 'fut, 'l2: 'fut, 'l3: 'fut, 'l4: 'fut>(
        &'l1 self,
        scope: Option<i64>,
        on: Date,
        states: &'l2 [&'l3 str],
        campaigns: Option<&'l4 [i64]>,
    ) -> crate::BoxFut<'fut, Result<Vec<QueueCount>>> {
        Box::pin(async move {
            if states.is_empty() || campaigns.is_some_and(<[i64]>::is_empty) {
                return Ok(Vec::new());
            }
            let only = match campaigns {
                Some(ids) => format!(" AND a.campaign_id IN ({})", crate::dialect::placeholders(false, 3 + states.len(), ids.len())),
                None => String::new(),
            };
            let sql = format!(
                "SELECT c.id AS cid, c.unit_id AS cu, c.title AS title, a.state AS s, COUNT(*) AS n FROM assessments a JOIN campaigns c ON c.id = a.campaign_id \
             WHERE c.closed = 0 AND a.state IN ({}){only} \
             AND ($1 IS NULL OR a.unit_id IN (SELECT x.descendant_id FROM unit_closure x WHERE x.ancestor_id = $1 AND x.valid_from <= $2 AND x.valid_to > $2)) \
             GROUP BY c.id, c.unit_id, c.title, a.state ORDER BY c.id, a.state",
                crate::dialect::placeholders(false, 3, states.len())
            );
            let mut q = crate::db::query(sqlx::AssertSqlSafe(sql)).bind(scope).bind(date_text(on));
            for s in states {
                q = q.bind(*s);
            }
            for id in campaigns.unwrap_or_default() {
                q = q.bind(*id);
            }
            let rows = q.fetch_all(self.pool()).await?;
            rows.iter()
                .map(|r| {
                    Ok(QueueCount {
                        campaign_id: r.i64("cid")?,
                        campaign_unit_id: r.i64("cu")?,
                        title: r.try_get("title")?,
                        state: r.try_get("s")?,
                        count: r.i64("n")?,
                    })
                })
                .collect()
        })
    }

    /// The reminders and returns of a unit's annual report for a year, newest first.
    #[inline(never)]
    pub fn report_reminders<'fut, 'l1: 'fut>(&'l1 self, unit_id: i64, year: i16) -> crate::BoxFut<'fut, Result<Vec<ReminderRow>>> {
        Box::pin(async move {
            let rows = crate::db::query(
            "SELECT id, unit_id, year, kind, note, sent_by, sent_by_unit, sent_at FROM report_reminders WHERE unit_id = $1 AND year = $2 ORDER BY id DESC",
        )
        .bind(unit_id)
        .bind(i64::from(year))
        .fetch_all(self.pool())
        .await?;
            rows.iter().map(reminder_from).collect()
        })
    }

    /// The reminders and returns of several units' annual reports for a year, newest first
    /// per unit.
    #[inline(never)]
    pub fn report_reminders_of<'fut, 'l1: 'fut, 'l2: 'fut>(
        &'l1 self,
        units: &'l2 [i64],
        year: i16,
    ) -> crate::BoxFut<'fut, Result<BTreeMap<i64, Vec<ReminderRow>>>> {
        Box::pin(async move {
            let mut out: BTreeMap<i64, Vec<ReminderRow>> = BTreeMap::new();
            for chunk in units.chunks(500) {
                let sql = format!(
                    "SELECT id, unit_id, year, kind, note, sent_by, sent_by_unit, sent_at FROM report_reminders \
                 WHERE year = $1 AND unit_id IN ({}) ORDER BY id DESC",
                    crate::dialect::placeholders(false, 2, chunk.len())
                );
                let mut q = crate::db::query(sqlx::AssertSqlSafe(sql)).bind(i64::from(year));
                for u in chunk {
                    q = q.bind(*u);
                }
                for r in q.fetch_all(self.pool()).await? {
                    let row = reminder_from(&r)?;
                    out.entry(row.unit_id).or_default().push(row);
                }
            }
            Ok(out)
        })
    }

    /// Reminds a unit to send its annual report (the level above; audited).
    /// `notes`: the unit's officers told, in the same transaction.
    #[inline(never)]
    pub fn remind_report<'fut, 'l1: 'fut, 'l2: 'fut, 'l3: 'fut, 'l4: 'fut>(
        &'l1 self,
        actor: &'l2 Actor,
        unit_id: i64,
        year: i16,
        note: &'l3 str,
        notes: &'l4 [crate::NewNotification],
    ) -> crate::BoxFut<'fut, Result<i64>> {
        Box::pin(async move {
            let mut tx = self.begin().await?;
            let submitted = crate::db::query("SELECT state FROM annual_reports WHERE unit_id = $1 AND year = $2")
                .bind(unit_id)
                .bind(i64::from(year))
                .fetch_optional(&mut *tx)
                .await?
                .map(|r| r.try_get::<String, _>("state"))
                .transpose()?
                .is_some_and(|s| s == "submitted");
            if submitted {
                return Err(StoreError::conflict("state", "đơn vị đã gửi báo cáo năm này, không cần nhắc"));
            }
            let id = insert_reminder(&mut tx, actor, unit_id, year, "remind", note).await?;
            record(
                &mut tx,
                actor,
                AuditEntry {
                    unit_id: Some(unit_id),
                    action: "report.remind",
                    entity: "annual_report",
                    entity_id: format!("{unit_id}/{year}"),
                    before: None,
                    after: Some(serde_json::json!({"year": year, "note": note})),
                },
            )
            .await?;
            crate::notify::insert_in(&mut tx, notes).await?;
            tx.commit().await?;
            Ok(id)
        })
    }

    /// Returns a submitted annual report to its unit for correction, with the reason: the
    /// report is a draft again (the level above; audited).
    /// `notes`: the unit's officers told, in the same transaction.
    #[inline(never)]
    pub fn return_report<'fut, 'l1: 'fut, 'l2: 'fut, 'l3: 'fut, 'l4: 'fut>(
        &'l1 self,
        actor: &'l2 Actor,
        unit_id: i64,
        year: i16,
        reason: &'l3 str,
        notes: &'l4 [crate::NewNotification],
    ) -> crate::BoxFut<'fut, Result<i64>> {
        Box::pin(async move {
            if reason.trim().is_empty() {
                return Err(StoreError::invalid("reason", "ghi lý do trả lại báo cáo"));
            }
            let mut tx = self.begin().await?;
            let n = crate::db::query("UPDATE annual_reports SET state = 'draft', submitted_by = '', submitted_at = '' WHERE unit_id = $1 AND year = $2 AND state = 'submitted'")
            .bind(unit_id)
            .bind(i64::from(year))
            .execute(&mut *tx)
            .await?
            .rows_affected();
            if n == 0 {
                return Err(StoreError::conflict("state", "báo cáo chưa được gửi, không có gì để trả lại"));
            }
            let id = insert_reminder(&mut tx, actor, unit_id, year, "return", reason).await?;
            record(
                &mut tx,
                actor,
                AuditEntry {
                    unit_id: Some(unit_id),
                    action: "report.return",
                    entity: "annual_report",
                    entity_id: format!("{unit_id}/{year}"),
                    before: Some(serde_json::json!({"state": "submitted"})),
                    after: Some(serde_json::json!({"state": "draft", "reason": reason})),
                },
            )
            .await?;
            crate::notify::insert_in(&mut tx, notes).await?;
            tx.commit().await?;
            Ok(id)
        })
    }
}

async fn insert_reminder(tx: &mut crate::db::Conn, actor: &Actor, unit_id: i64, year: i16, kind: &str, note: &str) -> Result<i64> {
    let row = crate::db::query(
        "INSERT INTO report_reminders (unit_id, year, kind, note, sent_by, sent_by_unit, sent_at) VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id",
    )
    .bind(unit_id)
    .bind(i64::from(year))
    .bind(kind)
    .bind(note.trim())
    .bind(&actor.username)
    .bind(actor.unit_id)
    .bind(now_text())
    .fetch_one(&mut *tx)
    .await?;
    row.i64("id")
}

fn reminder_from(r: &crate::db::Row) -> Result<ReminderRow> {
    Ok(ReminderRow {
        id: r.i64("id")?,
        unit_id: r.i64("unit_id")?,
        year: i16::try_from(r.i64("year")?).unwrap_or_default(),
        kind: r.try_get("kind")?,
        note: r.try_get("note")?,
        sent_by: r.try_get("sent_by")?,
        sent_by_unit: r.opt_i64("sent_by_unit")?,
        sent_at: r.try_get("sent_at")?,
    })
}
