//! Steering boards (ban chỉ đạo) with their members, and the plans' tasks (nhiệm vụ) handed
//! to agencies with their status reports: storage on both engines, each write with its audit
//! entry in one transaction. The rules (roles, deadlines per year, what a report may say,
//! overdue) are the domain's (`hoctap_domain::board`).

use hoctap_domain::board::{BoardKind, MemberRole, StatusReport, TaskStatus, check_member, is_overdue, plan_occurrences, shown_status};
use hoctap_domain::date::{OPEN_END, Validity};
use jiff::civil::Date;
use serde::Serialize;
use sha2::{Digest, Sha256};

use crate::audit::{AuditEntry, record};
use crate::{Actor, PlanRow, Result, Store, StoreError, date_text, now_text, parse_date_col};

/// What sets up a board.
pub struct NewBoard<'a> {
    pub unit_id: i64,
    pub kind: BoardKind,
    pub name: &'a str,
    /// The decision that set it up (`QĐ 1234/QĐ-UBND`).
    pub decision: &'a str,
    pub decision_on: Option<Date>,
    /// Cơ quan thường trực (the agency that serves the board).
    pub standing_agency: &'a str,
    pub term: Validity,
}

/// A stored board.
#[derive(Debug, Clone, Serialize)]
pub struct BoardRow {
    pub id: i64,
    pub unit_id: i64,
    pub unit_name: String,
    pub kind: BoardKind,
    pub name: String,
    pub decision: String,
    /// ISO date, or empty.
    pub decision_on: String,
    pub standing_agency: String,
    pub term: Validity,
}

/// A person given a seat on a board.
pub struct NewMember<'a> {
    pub full_name: &'a str,
    /// Chức vụ, cơ quan (`Phó Chủ tịch UBND tỉnh`, `Giám đốc Sở GDĐT`).
    pub position: &'a str,
    pub role: MemberRole,
    pub user_id: Option<i64>,
    pub from: Date,
}

/// A member of a board.
#[derive(Debug, Clone, Serialize)]
pub struct MemberRow {
    pub id: i64,
    pub board_id: i64,
    pub full_name: String,
    pub position: String,
    pub role: MemberRole,
    pub user_id: Option<i64>,
    pub username: Option<String>,
    pub term: Validity,
}

/// A plan's task for one year, as handed out.
#[derive(Debug, Clone, Serialize)]
pub struct TaskRow {
    pub id: i64,
    pub plan_id: i64,
    /// The plan's number, or its title when it has none.
    pub plan_label: String,
    /// The plan's unit.
    pub unit_id: i64,
    pub task_no: i64,
    pub year: i16,
    pub name: String,
    /// Cơ quan chủ trì, as the plan writes it.
    pub lead: String,
    /// Cơ quan phối hợp.
    pub supporting: Vec<String>,
    /// The plan's words (`hằng năm, trước 10/12`).
    pub deadline_text: String,
    pub due: Date,
    pub assignee_agency: String,
    pub assignee_unit_id: Option<i64>,
    pub assignee_unit_name: Option<String>,
    pub assignee_user_id: Option<i64>,
    pub assignee_username: Option<String>,
    /// The latest report's status (None: nothing reported yet).
    pub status: Option<TaskStatus>,
    pub progress: u8,
    /// ISO date of the latest report, or empty.
    pub last_report_on: String,
}

impl TaskRow {
    pub fn overdue(&self, now: jiff::Timestamp) -> bool {
        is_overdue(self.due, self.status, now)
    }

    pub fn shown_status(&self, now: jiff::Timestamp) -> TaskStatus {
        shown_status(self.due, self.status, now)
    }

    pub fn is_assigned(&self) -> bool {
        !self.assignee_agency.is_empty() || self.assignee_unit_id.is_some() || self.assignee_user_id.is_some()
    }
}

/// Who a task is handed to: an agency by name, and optionally a unit whose officers report or
/// a user who reports.
#[derive(Debug, Clone, Default)]
pub struct Assignment {
    pub agency: String,
    pub unit_id: Option<i64>,
    pub user_id: Option<i64>,
}

/// Which tasks to list.
#[derive(Debug, Clone, Default)]
pub struct TaskFilter {
    /// Tasks of this unit's plans, or handed to this unit.
    pub unit_id: Option<i64>,
    pub plan_id: Option<i64>,
    /// Tasks this user reports on: handed to the user, or to the unit when `unit_of_user` is set.
    pub assignee_user: Option<i64>,
    pub unit_of_user: Option<i64>,
}

/// A status report with its optional evidence file.
pub struct NewTaskReport<'a> {
    pub report: &'a StatusReport,
    pub reported_on: Date,
    /// File bytes, MIME type and file name.
    pub evidence: Option<(&'a [u8], &'a str, &'a str)>,
}

/// A stored status report.
#[derive(Debug, Clone, Serialize)]
pub struct TaskReportRow {
    pub id: i64,
    pub task_id: i64,
    pub reported_on: String,
    pub status: TaskStatus,
    pub progress: u8,
    pub text: String,
    pub evidence_sha256: Option<String>,
    pub evidence_name: String,
    pub username: String,
    pub created_at: String,
}

fn board_error(e: hoctap_domain::board::BoardError) -> StoreError {
    use hoctap_domain::board::BoardError as E;
    let field = match e {
        E::UnknownKind(_) => "kind",
        E::UnknownRole(_) | E::RoleTaken(_) => "role",
        E::UnknownStatus(_) => "status",
        E::BadProgress(_) | E::DoneBelowFull(_) | E::NotStartedWithProgress(_) => "progress",
        E::EmptyReport => "text",
    };
    StoreError::invalid(field, e.to_string())
}

fn corrupt(e: impl std::fmt::Display) -> StoreError {
    StoreError::Corrupt(e.to_string())
}

fn validity(r: &crate::db::Row, from: &str, to: &str) -> Result<Validity> {
    Ok(Validity { from: parse_date_col(&r.text(from)?)?, to: parse_date_col(&r.text(to)?)? })
}

fn board_from(r: &crate::db::Row) -> Result<BoardRow> {
    Ok(BoardRow {
        id: r.i64("id")?,
        unit_id: r.i64("unit_id")?,
        unit_name: r.try_get("unit_name")?,
        kind: BoardKind::parse(&r.text("kind")?).map_err(corrupt)?,
        name: r.try_get("name")?,
        decision: r.try_get("decision")?,
        decision_on: r.try_get("decision_on")?,
        standing_agency: r.try_get("standing_agency")?,
        term: validity(r, "term_from", "term_to")?,
    })
}

fn task_from(r: &crate::db::Row) -> Result<TaskRow> {
    let status: String = r.try_get("status")?;
    let number: String = r.try_get("number")?;
    let supporting: String = r.try_get("supporting_json")?;
    Ok(TaskRow {
        id: r.i64("id")?,
        plan_id: r.i64("plan_id")?,
        plan_label: if number.is_empty() { r.try_get("title")? } else { number },
        unit_id: r.i64("unit_id")?,
        task_no: r.i64("task_no")?,
        year: i16::try_from(r.i64("year")?).unwrap_or(0),
        name: r.try_get("name")?,
        lead: r.try_get("lead")?,
        supporting: serde_json::from_str(&supporting).unwrap_or_default(),
        deadline_text: r.try_get("deadline_text")?,
        due: parse_date_col(&r.text("due_on")?)?,
        assignee_agency: r.try_get("assignee_agency")?,
        assignee_unit_id: r.opt_i64("assignee_unit_id")?,
        assignee_unit_name: r.try_get("assignee_unit_name")?,
        assignee_user_id: r.opt_i64("assignee_user_id")?,
        assignee_username: r.try_get("assignee_username")?,
        status: if status.is_empty() { None } else { Some(TaskStatus::parse(&status).map_err(corrupt)?) },
        progress: u8::try_from(r.i64("progress")?).unwrap_or(0),
        last_report_on: r.try_get("last_report_on")?,
    })
}

const TASK_SELECT: &str = "SELECT t.*, p.number, p.title, au.name AS assignee_unit_name, us.username AS assignee_username \
     FROM plan_tasks t JOIN plans p ON p.id = t.plan_id LEFT JOIN units au ON au.id = t.assignee_unit_id LEFT JOIN users us ON us.id = t.assignee_user_id";

impl Store {
    /// Sets up a board of a unit.
    #[inline(never)]
    pub fn board_create<'fut, 'l1: 'fut, 'l2: 'fut, 'l3: 'fut, 'l4: 'fut>(
        &'l2 self,
        actor: &'l3 Actor,
        b: &'l4 NewBoard<'l1>,
    ) -> crate::BoxFut<'fut, Result<i64>> {
        Box::pin(async move {
            let name = hoctap_domain::text::clean(b.name);
            if name.is_empty() {
                return Err(StoreError::invalid("name", "Tên ban: không được để trống"));
            }
            let mut tx = self.begin().await?;
            let row = crate::db::query(
            "INSERT INTO boards (unit_id, province_code, kind, name, decision, decision_on, standing_agency, term_from, term_to, created_by, created_at) \
             VALUES ($1, COALESCE((SELECT province_code FROM units WHERE id = $1), ''), $2, $3, $4, $5, $6, $7, $8, $9, $10) RETURNING id",
        )
        .bind(b.unit_id)
        .bind(b.kind.code())
        .bind(&name)
        .bind(hoctap_domain::text::clean(b.decision))
        .bind(b.decision_on.map(date_text).unwrap_or_default())
        .bind(hoctap_domain::text::clean(b.standing_agency))
        .bind(date_text(b.term.from))
        .bind(date_text(b.term.to))
        .bind(&actor.username)
        .bind(now_text())
        .fetch_one(&mut *tx)
        .await?;
            let id = row.i64("id")?;
            record(
            &mut tx,
            actor,
            AuditEntry {
                unit_id: Some(b.unit_id),
                action: "board.create",
                entity: "board",
                entity_id: id.to_string(),
                before: None,
                after: Some(serde_json::json!({"kind": b.kind.code(), "name": name, "decision": b.decision, "from": date_text(b.term.from), "to": date_text(b.term.to)})),
            },
        )
        .await?;
            tx.commit().await?;
            Ok(id)
        })
    }

    /// The boards of a unit, current first, then by term.
    #[inline(never)]
    pub fn boards_of<'fut, 'l1: 'fut>(&'l1 self, unit_id: i64) -> crate::BoxFut<'fut, Result<Vec<BoardRow>>> {
        Box::pin(async move {
            crate::db::query("SELECT b.*, u.name AS unit_name FROM boards b JOIN units u ON u.id = b.unit_id WHERE b.unit_id = $1 ORDER BY b.term_to DESC, b.term_from DESC, b.id DESC")
            .bind(unit_id)
            .fetch_all(self.pool())
            .await?
            .iter()
            .map(board_from)
            .collect()
        })
    }

    #[inline(never)]
    pub fn board<'fut, 'l1: 'fut>(&'l1 self, id: i64) -> crate::BoxFut<'fut, Result<BoardRow>> {
        Box::pin(async move {
            let r = crate::db::query("SELECT b.*, u.name AS unit_name FROM boards b JOIN units u ON u.id = b.unit_id WHERE b.id = $1")
                .bind(id)
                .fetch_optional(self.pool())
                .await?
                .ok_or(StoreError::NotFound("ban chỉ đạo"))?;
            board_from(&r)
        })
    }

    /// Members in office on `on`, Trưởng ban first.
    #[inline(never)]
    pub fn board_members<'fut, 'l1: 'fut>(&'l1 self, board_id: i64, on: Date) -> crate::BoxFut<'fut, Result<Vec<MemberRow>>> {
        Box::pin(async move {
            let rows = crate::db::query(
            "SELECT m.*, us.username FROM board_members m LEFT JOIN users us ON us.id = m.user_id WHERE m.board_id = $1 AND m.term_from <= $2 AND m.term_to > $2 ORDER BY m.id",
        )
        .bind(board_id)
        .bind(date_text(on))
        .fetch_all(self.pool())
        .await?;
            let mut out = rows
                .iter()
                .map(|r| {
                    Ok(MemberRow {
                        id: r.i64("id")?,
                        board_id: r.i64("board_id")?,
                        full_name: r.try_get("full_name")?,
                        position: r.try_get("position")?,
                        role: MemberRole::parse(&r.text("role")?).map_err(corrupt)?,
                        user_id: r.opt_i64("user_id")?,
                        username: r.try_get("username")?,
                        term: validity(r, "term_from", "term_to")?,
                    })
                })
                .collect::<Result<Vec<_>>>()?;
            out.sort_by_key(|m| m.role);
            Ok(out)
        })
    }

    /// Gives a seat on a board from `from` (one Trưởng ban at a time).
    #[inline(never)]
    pub fn board_member_add<'fut, 'l1: 'fut, 'l2: 'fut, 'l3: 'fut, 'l4: 'fut, 'l5: 'fut>(
        &'l2 self,
        actor: &'l3 Actor,
        board: &'l4 BoardRow,
        m: &'l5 NewMember<'l1>,
    ) -> crate::BoxFut<'fut, Result<i64>> {
        Box::pin(async move {
            let name = hoctap_domain::registry::person::FullName::parse(m.full_name)
                .map_err(|e| StoreError::invalid("full_name", format!("Họ và tên: {e}")))?;
            if !board.term.contains(m.from) {
                return Err(StoreError::invalid("from", "Ngày bắt đầu: phải trong nhiệm kỳ của ban"));
            }
            let current: Vec<MemberRole> = self.board_members(board.id, m.from).await?.into_iter().map(|x| x.role).collect();
            check_member(&current, m.role).map_err(board_error)?;
            let mut tx = self.begin().await?;
            let row = crate::db::query(
                "INSERT INTO board_members (board_id, province_code, full_name, position, role, user_id, term_from, term_to, created_at) \
             VALUES ($1, COALESCE((SELECT province_code FROM units WHERE id = $2), ''), $3, $4, $5, $6, $7, $8, $9) RETURNING id",
            )
            .bind(board.id)
            .bind(board.unit_id)
            .bind(name.as_ref())
            .bind(hoctap_domain::text::clean(m.position))
            .bind(m.role.code())
            .bind(m.user_id)
            .bind(date_text(m.from))
            .bind(date_text(board.term.to.min(OPEN_END)))
            .bind(now_text())
            .fetch_one(&mut *tx)
            .await?;
            let id = row.i64("id")?;
            record(
            &mut tx,
            actor,
            AuditEntry {
                unit_id: Some(board.unit_id),
                action: "board.member.add",
                entity: "board_member",
                entity_id: id.to_string(),
                before: None,
                after: Some(serde_json::json!({"board": board.id, "full_name": name.as_ref(), "position": m.position, "role": m.role.label(), "user_id": m.user_id, "from": date_text(m.from)})),
            },
        )
        .await?;
            tx.commit().await?;
            Ok(id)
        })
    }

    /// Ends a member's term on `on` (the seat is free from that day).
    #[inline(never)]
    pub fn board_member_end<'fut, 'l1: 'fut, 'l2: 'fut, 'l3: 'fut>(
        &'l1 self,
        actor: &'l2 Actor,
        board: &'l3 BoardRow,
        member_id: i64,
        on: Date,
    ) -> crate::BoxFut<'fut, Result<()>> {
        Box::pin(async move {
            let mut tx = self.begin().await?;
            crate::association::end_term(
                &mut tx,
                "board_members",
                "board_id",
                board.id,
                member_id,
                on,
                "Ngày kết thúc: phải sau ngày bắt đầu và trong nhiệm kỳ còn hiệu lực của thành viên",
            )
            .await?;
            record(
                &mut tx,
                actor,
                AuditEntry {
                    unit_id: Some(board.unit_id),
                    action: "board.member.end",
                    entity: "board_member",
                    entity_id: member_id.to_string(),
                    before: None,
                    after: Some(serde_json::json!({"board": board.id, "term_to": date_text(on)})),
                },
            )
            .await?;
            tx.commit().await?;
            Ok(())
        })
    }

    /// Writes a plan's tasks as rows, one per year for yearly tasks, skipping those already
    /// written. Returns how many were new.
    #[inline(never)]
    pub fn tasks_materialise<'fut, 'l1: 'fut, 'l2: 'fut, 'l3: 'fut>(
        &'l1 self,
        actor: &'l2 Actor,
        plan: &'l3 PlanRow,
    ) -> crate::BoxFut<'fut, Result<usize>> {
        Box::pin(async move {
            if plan.unit_id == 0 {
                return Err(StoreError::invalid("plan", "Kế hoạch cấp quốc gia: nhiệm vụ được giao ở kế hoạch của từng địa phương"));
            }
            let mut tx = self.begin().await?;
            let mut new = 0usize;
            let now = now_text();
            for (no, task, occ) in plan_occurrences(&plan.plan.tasks, plan.plan.period) {
                let done = crate::db::query(
                "INSERT INTO plan_tasks (plan_id, unit_id, province_code, task_no, year, name, lead, supporting_json, deadline_text, due_on, created_at) \
                 VALUES ($1, $2, COALESCE((SELECT province_code FROM units WHERE id = $2), ''), $3, $4, $5, $6, $7, $8, $9, $10) \
                 ON CONFLICT (plan_id, task_no, year) DO NOTHING",
            )
            .bind(plan.id)
            .bind(plan.unit_id)
            .bind(i64::try_from(no).unwrap_or(0))
            .bind(i64::from(occ.year))
            .bind(&task.name)
            .bind(&task.lead)
            .bind(serde_json::to_string(&task.supporting).unwrap_or_else(|_| "[]".into()))
            .bind(task.deadline.map(|d| d.to_string()).unwrap_or_default())
            .bind(date_text(occ.due))
            .bind(&now)
            .execute(&mut *tx)
            .await?;
                new += usize::try_from(done.rows_affected()).unwrap_or(0);
            }
            record(
                &mut tx,
                actor,
                AuditEntry {
                    unit_id: Some(plan.unit_id),
                    action: "task.materialise",
                    entity: "plan",
                    entity_id: plan.key.clone(),
                    before: None,
                    after: Some(serde_json::json!({"new_tasks": new})),
                },
            )
            .await?;
            tx.commit().await?;
            Ok(new)
        })
    }

    #[inline(never)]
    pub fn task<'fut, 'l1: 'fut>(&'l1 self, id: i64) -> crate::BoxFut<'fut, Result<TaskRow>> {
        Box::pin(async move {
            let sql = format!("{TASK_SELECT} WHERE t.id = $1");
            let r = crate::db::query(sqlx::AssertSqlSafe(sql))
                .bind(id)
                .fetch_optional(self.pool())
                .await?
                .ok_or(StoreError::NotFound("nhiệm vụ"))?;
            task_from(&r)
        })
    }

    /// Tasks by deadline, then plan order.
    #[inline(never)]
    pub fn tasks<'fut, 'l1: 'fut, 'l2: 'fut>(&'l1 self, f: &'l2 TaskFilter) -> crate::BoxFut<'fut, Result<Vec<TaskRow>>> {
        Box::pin(async move {
            let sql = format!(
                "{TASK_SELECT} WHERE ($1 IS NULL OR t.unit_id = $1 OR t.assignee_unit_id = $1) AND ($2 IS NULL OR t.plan_id = $2) \
             AND ($3 IS NULL OR t.assignee_user_id = $3 OR (t.assignee_user_id IS NULL AND t.assignee_unit_id = $4)) \
             ORDER BY t.due_on, t.plan_id, t.task_no"
            );
            crate::db::query(sqlx::AssertSqlSafe(sql))
                .bind(f.unit_id)
                .bind(f.plan_id)
                .bind(f.assignee_user)
                .bind(f.unit_of_user)
                .fetch_all(self.pool())
                .await?
                .iter()
                .map(task_from)
                .collect()
        })
    }

    /// Hands a task to an agency (and a unit or user who reports), or changes who has it.
    #[inline(never)]
    pub fn task_assign<'fut, 'l1: 'fut, 'l2: 'fut, 'l3: 'fut, 'l4: 'fut>(
        &'l1 self,
        actor: &'l2 Actor,
        task: &'l3 TaskRow,
        a: &'l4 Assignment,
    ) -> crate::BoxFut<'fut, Result<()>> {
        Box::pin(async move { self.task_assign_notifying(actor, task, a, &[]).await })
    }

    /// As [`Store::task_assign`], with the assignees' notifications written in the same transaction.
    #[inline(never)]
    pub fn task_assign_notifying<'fut, 'l1: 'fut, 'l2: 'fut, 'l3: 'fut, 'l4: 'fut, 'l5: 'fut>(
        &'l1 self,
        actor: &'l2 Actor,
        task: &'l3 TaskRow,
        a: &'l4 Assignment,
        notes: &'l5 [crate::NewNotification],
    ) -> crate::BoxFut<'fut, Result<()>> {
        Box::pin(async move {
            let agency = hoctap_domain::text::clean(&a.agency);
            if agency.is_empty() {
                return Err(StoreError::invalid("agency", "Cơ quan thực hiện: không được để trống"));
            }
            let mut tx = self.begin().await?;
            crate::db::query("UPDATE plan_tasks SET assignee_agency = $1, assignee_unit_id = $2, assignee_user_id = $3 WHERE id = $4")
                .bind(&agency)
                .bind(a.unit_id)
                .bind(a.user_id)
                .bind(task.id)
                .execute(&mut *tx)
                .await?;
            record(
            &mut tx,
            actor,
            AuditEntry {
                unit_id: Some(task.unit_id),
                action: "task.assign",
                entity: "plan_task",
                entity_id: task.id.to_string(),
                before: Some(
                    serde_json::json!({"agency": task.assignee_agency, "unit_id": task.assignee_unit_id, "user_id": task.assignee_user_id}),
                ),
                after: Some(serde_json::json!({"agency": agency, "unit_id": a.unit_id, "user_id": a.user_id})),
            },
        )
        .await?;
            crate::notify::insert_in(&mut tx, notes).await?;
            tx.commit().await?;
            Ok(())
        })
    }

    /// Appends a status report (never edited afterwards) and makes it the task's latest.
    #[inline(never)]
    pub fn task_report_add<'fut, 'l1: 'fut, 'l2: 'fut, 'l3: 'fut, 'l4: 'fut, 'l5: 'fut>(
        &'l2 self,
        actor: &'l3 Actor,
        task: &'l4 TaskRow,
        r: &'l5 NewTaskReport<'l1>,
    ) -> crate::BoxFut<'fut, Result<i64>> {
        Box::pin(async move {
            let mut tx = self.begin().await?;
            let sha = match r.evidence {
                Some((bytes, mime, _)) if !bytes.is_empty() => {
                    let sha = hex::encode(Sha256::digest(bytes));
                    crate::db::query("INSERT INTO evidence_files (sha256, size, mime, bytes, created_at) VALUES ($1, $2, $3, $4, $5) ON CONFLICT (sha256) DO NOTHING")
                    .bind(&sha)
                    .bind(i64::try_from(bytes.len()).unwrap_or(i64::MAX))
                    .bind(mime)
                    .bind(bytes.to_vec())
                    .bind(now_text())
                    .execute(&mut *tx)
                    .await?;
                    Some(sha)
                }
                _ => None,
            };
            let evidence_name = if sha.is_some() { r.evidence.map(|(_, _, n)| n.to_string()).unwrap_or_default() } else { String::new() };
            let row = crate::db::query(
            "INSERT INTO task_reports (task_id, province_code, reported_on, status, progress, text, evidence_sha256, evidence_name, user_id, username, created_at) \
             VALUES ($1, (SELECT province_code FROM plan_tasks WHERE id = $1), $2, $3, $4, $5, $6, $7, $8, $9, $10) RETURNING id",
        )
        .bind(task.id)
        .bind(date_text(r.reported_on))
        .bind(r.report.status.code())
        .bind(i64::from(r.report.progress.get()))
        .bind(&r.report.text)
        .bind(sha.as_deref())
        .bind(&evidence_name)
        .bind(actor.user_id)
        .bind(&actor.username)
        .bind(now_text())
        .fetch_one(&mut *tx)
        .await?;
            let id = row.i64("id")?;
            crate::db::query("UPDATE plan_tasks SET status = $1, progress = $2, last_report_on = $3 WHERE id = $4")
                .bind(r.report.status.code())
                .bind(i64::from(r.report.progress.get()))
                .bind(date_text(r.reported_on))
                .bind(task.id)
                .execute(&mut *tx)
                .await?;
            record(
            &mut tx,
            actor,
            AuditEntry {
                unit_id: Some(task.assignee_unit_id.unwrap_or(task.unit_id)),
                action: "task.report",
                entity: "task_report",
                entity_id: id.to_string(),
                before: None,
                after: Some(serde_json::json!({"task": task.id, "status": r.report.status.code(), "progress": r.report.progress.get(), "evidence": sha})),
            },
        )
        .await?;
            tx.commit().await?;
            Ok(id)
        })
    }

    /// A task's reports, oldest first.
    #[inline(never)]
    pub fn task_reports<'fut, 'l1: 'fut>(&'l1 self, task_id: i64) -> crate::BoxFut<'fut, Result<Vec<TaskReportRow>>> {
        Box::pin(async move {
            crate::db::query("SELECT * FROM task_reports WHERE task_id = $1 ORDER BY id")
                .bind(task_id)
                .fetch_all(self.pool())
                .await?
                .iter()
                .map(|r| {
                    Ok(TaskReportRow {
                        id: r.i64("id")?,
                        task_id: r.i64("task_id")?,
                        reported_on: r.try_get("reported_on")?,
                        status: TaskStatus::parse(&r.text("status")?).map_err(corrupt)?,
                        progress: u8::try_from(r.i64("progress")?).unwrap_or(0),
                        text: r.try_get("text")?,
                        evidence_sha256: r.try_get("evidence_sha256")?,
                        evidence_name: r.try_get("evidence_name")?,
                        username: r.try_get("username")?,
                        created_at: r.try_get("created_at")?,
                    })
                })
                .collect()
        })
    }

    /// The evidence file of a report: task id, file name, MIME type, bytes.
    #[expect(clippy::type_complexity, reason = "the rows the function returns, inside its boxed future")]
    #[inline(never)]
    pub fn task_report_file<'fut, 'l1: 'fut>(&'l1 self, report_id: i64) -> crate::BoxFut<'fut, Result<(i64, String, String, Vec<u8>)>> {
        Box::pin(async move {
            let r = crate::db::query("SELECT r.task_id, r.evidence_name, f.mime, f.bytes FROM task_reports r JOIN evidence_files f ON f.sha256 = r.evidence_sha256 WHERE r.id = $1")
            .bind(report_id)
            .fetch_optional(self.pool())
            .await?
            .ok_or(StoreError::NotFound("tệp minh chứng"))?;
            Ok((r.i64("task_id")?, r.try_get("evidence_name")?, r.try_get("mime")?, r.try_get("bytes")?))
        })
    }
}
