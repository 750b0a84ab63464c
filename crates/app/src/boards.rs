//! Steering boards (ban chỉ đạo) and the plans' tasks: who manages and who reports, which
//! tasks a user sees, a unit's tasks with filters, assignment and status reports.

use crate::{AppError, AppResult, CurrentUser};
use hoctap_domain::access::{Action, Role};
use hoctap_domain::board::{Progress, StatusReport, TaskStatus};
use hoctap_store::{Assignment, BoardRow, Store, TaskFilter, TaskRow};
use serde::Deserialize;

/// Who keeps a unit's boards and hands out its plans' tasks: an officer of that unit, or an
/// administrator.
pub fn may_manage(user: &CurrentUser, unit_id: i64) -> bool {
    user.is_admin() || (user.user.role == Role::UnitOfficer && user.user.unit_id == unit_id)
}

/// Refuses (403) before any lookup a role that manages no board or task anywhere.
pub fn may_manage_some(user: &CurrentUser) -> AppResult<()> {
    if user.is_admin() || user.user.role == Role::UnitOfficer { Ok(()) } else { Err(AppError::Forbidden) }
}

/// Who reports on a task: the user it is handed to, the officers of the unit it is handed to
/// (when no user is named), and whoever manages the plan's unit.
pub fn may_report(user: &CurrentUser, t: &TaskRow) -> bool {
    if t.assignee_user_id == Some(user.user.id) {
        return true;
    }
    let unit_officer = t.assignee_user_id.is_none() && t.assignee_unit_id == Some(user.user.unit_id) && user.user.role == Role::UnitOfficer;
    unit_officer || may_manage(user, t.unit_id)
}

/// A task the user may read: in the scope of the plan's unit, or handed to the user or to a
/// unit in the user's scope. Others answer 404.
#[inline(never)]
pub fn visible_task<'fut, 'l1: 'fut, 'l2: 'fut>(
    store: &'l1 Store,
    user: &'l2 CurrentUser,
    id: i64,
) -> crate::BoxFut<'fut, AppResult<TaskRow>> {
    Box::pin(async move {
        user.require(Action::ReadLocal)?;
        let t = store.task(id).await?;
        if t.assignee_user_id == Some(user.user.id) || user.sees(store, t.unit_id).await? {
            return Ok(t);
        }
        if let Some(u) = t.assignee_unit_id
            && user.sees(store, u).await?
        {
            return Ok(t);
        }
        Err(AppError::NotFound("nhiệm vụ"))
    })
}

/// The tasks the user reports on, open ones only (the inbox and `GET /api/v1/tasks?mine=1`).
#[inline(never)]
pub fn my_tasks<'fut, 'l1: 'fut, 'l2: 'fut>(store: &'l1 Store, user: &'l2 CurrentUser) -> crate::BoxFut<'fut, AppResult<Vec<TaskRow>>> {
    Box::pin(async move {
        let unit = (user.user.role == Role::UnitOfficer).then_some(user.user.unit_id);
        let all = store.tasks(&TaskFilter { assignee_user: Some(user.user.id), unit_of_user: unit, ..TaskFilter::default() }).await?;
        Ok(all.into_iter().filter(|t| t.status != Some(TaskStatus::HoanThanh)).collect())
    })
}

#[derive(Deserialize, Default)]
pub struct TaskQuery {
    #[serde(default, rename = "don-vi")]
    pub don_vi: Option<i64>,
    /// A status code, or empty for all.
    #[serde(default, rename = "trang-thai")]
    pub trang_thai: String,
    /// Any value: only overdue tasks.
    #[serde(default, rename = "qua-han")]
    pub qua_han: String,
    #[serde(default)]
    pub nam: Option<i16>,
}

/// The tasks of a unit's plans and those handed to it, filtered (status as shown: "quá hạn"
/// for overdue tasks).
#[inline(never)]
pub fn unit_tasks<'fut, 'l1: 'fut, 'l2: 'fut, 'l3: 'fut>(
    store: &'l1 Store,
    user: &'l2 CurrentUser,
    q: &'l3 TaskQuery,
) -> crate::BoxFut<'fut, AppResult<(i64, Vec<TaskRow>)>> {
    Box::pin(async move {
        user.require(Action::ReadLocal)?;
        let unit_id = q.don_vi.unwrap_or(user.user.unit_id);
        user.require_sees(store, unit_id, "đơn vị").await?;
        let status = if q.trang_thai.trim().is_empty() {
            None
        } else {
            Some(TaskStatus::parse(&q.trang_thai).map_err(|e| AppError::invalid("trang-thai", e.to_string()))?)
        };
        let now = jiff::Timestamp::now();
        let all = store.tasks(&TaskFilter { unit_id: Some(unit_id), ..TaskFilter::default() }).await?;
        let tasks = all
            .into_iter()
            .filter(|t| status.is_none_or(|s| t.shown_status(now) == s))
            .filter(|t| q.qua_han.is_empty() || t.overdue(now))
            .filter(|t| q.nam.is_none_or(|y| t.year == y))
            .collect();
        Ok((unit_id, tasks))
    })
}

#[inline(never)]
pub fn visible_board<'fut, 'l1: 'fut, 'l2: 'fut>(
    store: &'l1 Store,
    user: &'l2 CurrentUser,
    id: i64,
) -> crate::BoxFut<'fut, AppResult<BoardRow>> {
    Box::pin(async move {
        user.require(Action::ReadLocal)?;
        let b = store.board(id).await?;
        user.require_sees(store, b.unit_id, "ban chỉ đạo").await?;
        Ok(b)
    })
}

/// A user named on a form, who must belong to a unit in the subtree of `unit_id`.
#[inline(never)]
pub fn user_below<'fut, 'l1: 'fut, 'l2: 'fut, 'l3: 'fut>(
    store: &'l1 Store,
    unit_id: i64,
    username: &'l2 str,
    field: &'l3 str,
) -> crate::BoxFut<'fut, AppResult<Option<i64>>> {
    Box::pin(async move {
        if username.trim().is_empty() {
            return Ok(None);
        }
        let u = store.user_by_username(username.trim()).await?;
        match u {
            Some(u) if store.in_scope(unit_id, u.unit_id, hoctap_store::today()).await? => Ok(Some(u.id)),
            _ => Err(AppError::invalid(
                field,
                format!("Tài khoản: không có tài khoản \"{}\" thuộc đơn vị này hoặc đơn vị cấp dưới", username.trim()),
            )),
        }
    })
}

/// Reads who a task goes to: the unit (by code, today) and the user must be in the subtree of
/// the plan's unit.
#[inline(never)]
pub fn assignment<'fut, 'l1: 'fut, 'l2: 'fut, 'l3: 'fut, 'l4: 'fut, 'l5: 'fut>(
    store: &'l1 Store,
    t: &'l2 TaskRow,
    agency: &'l3 str,
    unit_code: &'l4 str,
    username: &'l5 str,
) -> crate::BoxFut<'fut, AppResult<Assignment>> {
    Box::pin(async move {
        let today = hoctap_store::today();
        let unit_id = if unit_code.trim().is_empty() {
            None
        } else {
            let bad = || {
                AppError::invalid(
                    "unit_code",
                    format!("Đơn vị được giao: không có đơn vị mã \"{}\" thuộc địa bàn của kế hoạch", unit_code.trim()),
                )
            };
            let u = store.unit_by_code(unit_code.trim(), today).await.map_err(|_| bad())?;
            if !store.in_scope(t.unit_id, u.id, today).await? {
                return Err(bad());
            }
            Some(u.id)
        };
        let user_id = user_below(store, t.unit_id, username, "username").await?;
        Ok(Assignment { agency: agency.to_string(), unit_id, user_id })
    })
}

/// Reads a status report's fields into the domain's checked report.
pub fn status_report(status: &str, progress: &str, text: &str) -> AppResult<StatusReport> {
    let status = TaskStatus::parse(status).map_err(|e| AppError::invalid("status", e.to_string()))?;
    // "Hoàn thành" with the progress left empty means 100%; "chưa triển khai" 0%.
    let progress = match (progress.trim().is_empty(), status) {
        (true, TaskStatus::HoanThanh) => Progress::FULL,
        (true, TaskStatus::ChuaTrienKhai) => Progress::new(0).map_err(|e| AppError::invalid("progress", e.to_string()))?,
        _ => Progress::parse(progress).map_err(|e| AppError::invalid("progress", e.to_string()))?,
    };
    StatusReport::new(status, progress, text).map_err(|e| {
        let field = match e {
            hoctap_domain::board::BoardError::EmptyReport => "text",
            _ => "progress",
        };
        AppError::invalid(field, e.to_string())
    })
}

/// The steering boards of a unit (default: the user's own).
#[inline(never)]
pub fn boards_of<'fut, 'l1: 'fut, 'l2: 'fut>(
    store: &'l1 Store,
    user: &'l2 CurrentUser,
    unit: Option<i64>,
) -> crate::BoxFut<'fut, AppResult<Vec<BoardRow>>> {
    Box::pin(async move {
        user.require(Action::ReadLocal)?;
        let unit = unit.unwrap_or(user.user.unit_id);
        user.require_sees(store, unit, "đơn vị").await?;
        Ok(store.boards_of(unit).await?)
    })
}
