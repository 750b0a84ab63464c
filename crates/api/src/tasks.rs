//! The plans' tasks in the API: the list of a unit (or the caller's own), one task with its
//! reports, and posting a status report, with the same rules, roles and scope as the pages
//! (`hoctap_app::boards`).

use super::{ApiResult, ApiUser, bad, ok};
use super::{Body, Path, Query};
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use hoctap_app::boards::{self, TaskQuery, may_report, my_tasks, status_report, unit_tasks, visible_task};
use hoctap_domain::board::days_left;
use hoctap_domain::date::parse_date;
use hoctap_http::AppState;
use hoctap_http::auth::CurrentUser;
use hoctap_http::error::WebError;
use hoctap_http::routes::{Routes, get, post};
use hoctap_store::{NewTaskReport, TaskRow};
use serde::Deserialize;
use serde_json::json;

pub fn routes() -> Routes {
    Routes::new()
        .route("/tasks", get(list))
        .route("/tasks/{id}", get(one))
        .route("/tasks/{id}/reports", post(post_report))
        .route("/boards", get(boards))
        .route("/boards/{id}", get(board))
}

#[derive(Deserialize, Default)]
struct BoardsQuery {
    #[serde(default)]
    unit: Option<i64>,
}

/// The steering boards of a unit (default: the caller's), with the scope of the pages.
async fn boards(State(state): State<AppState>, ApiUser(u): ApiUser, Query(q): Query<BoardsQuery>) -> ApiResult {
    ok(boards::boards_of(&state.store, &u, q.unit).await?)
}

/// One board with its members today.
async fn board(State(state): State<AppState>, ApiUser(u): ApiUser, Path(id): Path<i64>) -> ApiResult {
    let b = boards::visible_board(&state.store, &u, id).await?;
    let members = state.store.board_members(b.id, hoctap_store::today()).await?;
    ok(json!({"board": b, "members": members}))
}

fn task_json(t: &TaskRow) -> serde_json::Value {
    let (now, today) = (jiff::Timestamp::now(), hoctap_store::today());
    json!({
        "id": t.id, "plan_id": t.plan_id, "plan": t.plan_label, "unit_id": t.unit_id, "task_no": t.task_no, "year": t.year,
        "name": t.name, "lead": t.lead, "supporting": t.supporting, "deadline_text": t.deadline_text, "due": t.due.to_string(),
        "days_left": days_left(t.due, today), "overdue": t.overdue(now),
        "assignee": {"agency": t.assignee_agency, "unit_id": t.assignee_unit_id, "unit_name": t.assignee_unit_name, "user_id": t.assignee_user_id, "username": t.assignee_username},
        "status": t.shown_status(now).code(), "status_label": t.shown_status(now).label(), "reported_status": t.status.map(|s| s.code()),
        "progress": t.progress, "last_report_on": t.last_report_on,
    })
}

#[derive(Deserialize, Default)]
struct ListQuery {
    #[serde(default)]
    unit: Option<i64>,
    #[serde(default)]
    status: String,
    #[serde(default)]
    overdue: Option<bool>,
    #[serde(default)]
    year: Option<i16>,
    #[serde(default)]
    mine: Option<bool>,
}

async fn list(State(state): State<AppState>, ApiUser(u): ApiUser, Query(q): Query<ListQuery>) -> ApiResult {
    let tasks = if q.mine == Some(true) {
        u.require(hoctap_domain::access::Action::ReadLocal)?;
        my_tasks(&state.store, &u).await?
    } else {
        let tq = TaskQuery {
            don_vi: q.unit,
            trang_thai: q.status.clone(),
            qua_han: if q.overdue == Some(true) { "1".into() } else { String::new() },
            nam: q.year,
        };
        unit_tasks(&state.store, &u, &tq).await?.1
    };
    ok(json!({"tasks": tasks.iter().map(task_json).collect::<Vec<_>>()}))
}

async fn one(State(state): State<AppState>, ApiUser(u): ApiUser, Path(id): Path<i64>) -> ApiResult {
    let t = visible_task(&state.store, &u, id).await?;
    let reports = state.store.task_reports(t.id).await?;
    ok(json!({"task": task_json(&t), "reports": reports, "may_report": may_report(&u, &t) && t.is_assigned()}))
}

#[derive(Deserialize)]
struct ReportBody {
    #[serde(default)]
    status: String,
    #[serde(default)]
    progress: serde_json::Value,
    #[serde(default)]
    text: String,
    #[serde(default)]
    reported_on: String,
}

async fn reportable(state: &AppState, u: &CurrentUser, id: i64) -> Result<TaskRow, WebError> {
    let t = visible_task(&state.store, u, id).await?;
    if !may_report(u, &t) || !t.is_assigned() { Err(WebError::Forbidden) } else { Ok(t) }
}

async fn post_report(
    State(state): State<AppState>,
    ApiUser(u): ApiUser,
    Path(id): Path<i64>,
    body: Body<ReportBody>,
) -> ApiResult<Response> {
    let t = reportable(&state, &u, id).await?;
    let b = body.value()?;
    let progress = match &b.progress {
        serde_json::Value::Number(n) => n.to_string(),
        serde_json::Value::String(s) => s.clone(),
        _ => String::new(),
    };
    let r = status_report(&b.status, &progress, &b.text)?;
    let today = hoctap_store::today();
    let on = if b.reported_on.trim().is_empty() {
        today
    } else {
        parse_date(&b.reported_on).map_err(|e| bad("reported_on", format!("Ngày báo cáo: {e}")))?
    };
    if on > today {
        return Err(bad("reported_on", "Ngày báo cáo: không được sau hôm nay"));
    }
    let rid = state.store.task_report_add(&u.actor(), &t, &NewTaskReport { report: &r, reported_on: on, evidence: None }).await?;
    let t = state.store.task(t.id).await?;
    Ok((StatusCode::CREATED, Json(json!({"id": rid, "task": task_json(&t)}))).into_response())
}
