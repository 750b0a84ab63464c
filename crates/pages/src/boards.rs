//! Steering boards (ban chỉ đạo) of a unit with their members, and the plans' tasks handed to
//! agencies: the unit's task list with filters and XLSX, a task with its assignment and its
//! append-only status reports. The plan unit's officer (or an administrator) sets up boards
//! and hands tasks out; the assignee (a user, or the officers of the assigned unit) reports.

use super::download;
use super::{Chrome, FieldError, capitalise, flash_redirect, render};
use askama::Template;
use axum::extract::{Multipart, Path, Query, State};
use axum::http::HeaderMap;
use axum::response::Response;
use hoctap_app::boards::{self, TaskQuery, may_manage, may_manage_some, may_report, status_report};
use hoctap_domain::access::Action;
use hoctap_domain::board::{BoardKind, MemberRole, TaskStatus, days_left};
use hoctap_domain::date::{OPEN_END, Validity, format_vn, parse_date};
use hoctap_http::AppState;
use hoctap_http::auth::CsrfForm;
use hoctap_http::auth::CurrentUser;
use hoctap_http::error::{WebError, WebResult};
use hoctap_http::routes::{Routes, get, post};
use hoctap_store::{BoardRow, NewBoard, NewMember, NewTaskReport, TaskRow};
use serde::Deserialize;

pub fn routes() -> Routes {
    Routes::new()
        .route("/ban-chi-dao", get(boards).post(create_board))
        .route("/ban-chi-dao/{id}", get(board))
        .route("/ban-chi-dao/{id}/thanh-vien", post(add_member))
        .route("/ban-chi-dao/{id}/thanh-vien/{member}/ket-thuc", post(end_member))
        .route("/nhiem-vu", get(tasks))
        .route("/nhiem-vu.xlsx", get(tasks_xlsx))
        .route("/nhiem-vu/{id}", get(task))
        .route("/nhiem-vu/{id}/giao", post(assign))
        .route("/nhiem-vu/{id}/bao-cao", post(report))
        .route("/bao-cao-tien-do/{id}/tep", get(report_file))
        .route("/ke-hoach/{id}/nhiem-vu", post(materialise))
}

/// A task as a list line.
pub struct TaskLine {
    pub id: i64,
    pub plan: String,
    pub year: i16,
    pub name: String,
    pub lead: String,
    pub supporting: String,
    pub assignee: String,
    pub deadline: String,
    pub deadline_text: String,
    pub days_left: i64,
    pub overdue: bool,
    pub status: &'static str,
    pub progress: u8,
    pub last_report: String,
    /// How late, in words: "Quá hạn 12 ngày", or for a past year "Năm 2023 đã qua, chưa
    /// hoàn thành" (never "quá hạn 1.822 ngày").
    pub late_text: String,
    /// Who carries the task today when its unit ended (re-assigned by lineage, or flagged).
    pub assignee_note: String,
}

pub fn task_line(t: &TaskRow, now: jiff::Timestamp, today: jiff::civil::Date) -> TaskLine {
    let mut assignee: Vec<String> = Vec::new();
    if !t.assignee_agency.is_empty() {
        assignee.push(t.assignee_agency.clone());
    }
    if let Some(u) = &t.assignee_unit_name {
        assignee.push(u.clone());
    }
    if let Some(u) = &t.assignee_username {
        assignee.push(format!("người báo cáo: {u}"));
    }
    TaskLine {
        id: t.id,
        plan: t.plan_label.clone(),
        year: t.year,
        name: t.name.clone(),
        lead: t.lead.clone(),
        supporting: t.supporting.join("; "),
        assignee: assignee.join(" – "),
        deadline: format_vn(t.due),
        deadline_text: t.deadline_text.clone(),
        days_left: days_left(t.due, today),
        overdue: t.overdue(now),
        status: t.shown_status(now).label(),
        progress: t.progress,
        last_report: t.last_report_on.parse().map(format_vn).unwrap_or_default(),
        late_text: if t.year < today.year() {
            format!("Năm {} đã qua, chưa hoàn thành", t.year)
        } else {
            format!("{} {} ngày", t.shown_status(now).label(), -days_left(t.due, today))
        },
        assignee_note: String::new(),
    }
}

/// Task lines with who carries each task today (a unit that ended: its successor, or flagged).
pub async fn task_lines(state: &AppState, rows: &[TaskRow], now: jiff::Timestamp, today: jiff::civil::Date) -> WebResult<Vec<TaskLine>> {
    let mut out = Vec::with_capacity(rows.len());
    for t in rows {
        let mut l = task_line(t, now, today);
        l.assignee_note = hoctap_app::year_tasks::assignee_now(&state.store, t, today).await?.note();
        out.push(l);
    }
    Ok(out)
}

// ---------------------------------------------------------------------------------------------
// Boards

#[derive(Deserialize, Default)]
struct UnitQuery {
    #[serde(default, rename = "don-vi")]
    don_vi: Option<i64>,
}

struct BoardLine {
    id: i64,
    name: String,
    kind: &'static str,
    decision: String,
    term: String,
    current: bool,
}

#[derive(Template)]
#[template(path = "boards.html")]
struct BoardsPage {
    chrome: Chrome,
    unit_id: i64,
    unit_name: String,
    boards: Vec<BoardLine>,
    kinds: Vec<(&'static str, &'static str)>,
    can_write: bool,
    errors: Vec<FieldError>,
    done: Option<String>,
}

fn term_text(v: Validity) -> String {
    if v.to == OPEN_END { format!("từ {}", format_vn(v.from)) } else { format!("{} – {}", format_vn(v.from), format_vn(v.to)) }
}

async fn boards_view(
    state: &AppState,
    user: &CurrentUser,
    unit_id: i64,
    errors: Vec<FieldError>,
    done: Option<String>,
) -> WebResult<BoardsPage> {
    user.require(Action::ReadLocal)?;
    user.require_sees(&state.store, unit_id, "đơn vị").await?;
    let unit = state.store.unit(unit_id).await?;
    let today = hoctap_store::today();
    let boards = state
        .store
        .boards_of(unit_id)
        .await?
        .into_iter()
        .map(|b| BoardLine {
            id: b.id,
            kind: b.kind.label(),
            decision: b.decision.clone(),
            term: term_text(b.term),
            current: b.term.contains(today),
            name: b.name,
        })
        .collect();
    Ok(BoardsPage {
        chrome: Chrome::new(format!("Ban chỉ đạo – {}", unit.name), user),
        unit_id,
        unit_name: unit.name,
        boards,
        kinds: BoardKind::ALL.iter().map(|k| (k.code(), k.label())).collect(),
        can_write: may_manage(user, unit_id),
        errors,
        done,
    })
}

async fn boards(State(state): State<AppState>, user: CurrentUser, Query(q): Query<UnitQuery>, headers: HeaderMap) -> WebResult<Response> {
    super::page_with_flash(&headers, |done| boards_view(&state, &user, q.don_vi.unwrap_or(user.user.unit_id), Vec::new(), done)).await
}

fn optional_date(raw: &str, field: &str, label: &str) -> WebResult<Option<jiff::civil::Date>> {
    if raw.trim().is_empty() {
        return Ok(None);
    }
    parse_date(raw).map(Some).map_err(|e| WebError::invalid(field, format!("{label}: {e}")))
}

#[derive(Deserialize)]
struct BoardForm {
    #[serde(default)]
    unit_id: i64,
    #[serde(default)]
    kind: String,
    #[serde(default)]
    name: String,
    #[serde(default)]
    decision: String,
    #[serde(default)]
    decision_on: String,
    #[serde(default)]
    standing_agency: String,
    #[serde(default)]
    from: String,
    #[serde(default)]
    to: String,
}

async fn create_board(State(state): State<AppState>, user: CurrentUser, CsrfForm(f): CsrfForm<BoardForm>) -> WebResult<Response> {
    may_manage_some(&user)?;
    if f.unit_id == 0 {
        return Err(WebError::invalid("unit_id", "Chọn đơn vị của ban chỉ đạo"));
    }
    user.require_sees(&state.store, f.unit_id, "đơn vị").await?;
    if !may_manage(&user, f.unit_id) {
        return Err(WebError::Forbidden);
    }
    let result = async {
        let kind = BoardKind::parse(&f.kind).map_err(|e| WebError::invalid("kind", e.to_string()))?;
        let decision_on = optional_date(&f.decision_on, "decision_on", "Ngày quyết định")?;
        let from = optional_date(&f.from, "from", "Từ ngày")?.or(decision_on).unwrap_or_else(hoctap_store::today);
        let to = optional_date(&f.to, "to", "Đến ngày")?.unwrap_or(OPEN_END);
        let term = Validity::new(from, to).map_err(|e| WebError::invalid("to", format!("Đến ngày: {e}")))?;
        let name = if f.name.trim().is_empty() { kind.label().to_string() } else { f.name.clone() };
        let b = NewBoard {
            unit_id: f.unit_id,
            kind,
            name: &name,
            decision: &f.decision,
            decision_on,
            standing_agency: &f.standing_agency,
            term,
        };
        Ok::<_, WebError>(state.store.board_create(&user.actor(), &b).await?)
    }
    .await;
    let result = result.map(|id| (format!("/ban-chi-dao/{id}"), "Đã lập ban chỉ đạo"));
    super::after_post(&state, result, |errors| boards_view(&state, &user, f.unit_id, errors, None)).await
}

struct MemberLine {
    id: i64,
    name: String,
    position: String,
    role: &'static str,
    username: String,
    from: String,
}

#[derive(Template)]
#[template(path = "board.html")]
struct BoardPage {
    chrome: Chrome,
    b: BoardRow,
    kind: &'static str,
    term: String,
    decision_on: String,
    members: Vec<MemberLine>,
    roles: Vec<(&'static str, &'static str)>,
    can_write: bool,
    errors: Vec<FieldError>,
    done: Option<String>,
    today_iso: String,
}

async fn board_view(
    state: &AppState,
    user: &CurrentUser,
    b: BoardRow,
    errors: Vec<FieldError>,
    done: Option<String>,
) -> WebResult<BoardPage> {
    let today = hoctap_store::today();
    let members = state
        .store
        .board_members(b.id, today)
        .await?
        .into_iter()
        .map(|m| MemberLine {
            id: m.id,
            name: m.full_name,
            position: m.position,
            role: m.role.label(),
            username: m.username.unwrap_or_default(),
            from: format_vn(m.term.from),
        })
        .collect();
    Ok(BoardPage {
        chrome: Chrome::new(b.name.clone(), user),
        kind: b.kind.label(),
        term: term_text(b.term),
        decision_on: b.decision_on.parse().map(format_vn).unwrap_or_default(),
        members,
        roles: MemberRole::ALL.iter().map(|r| (r.code(), r.label())).collect(),
        can_write: may_manage(user, b.unit_id),
        errors,
        done,
        today_iso: today.to_string(),
        b,
    })
}

async fn board(State(state): State<AppState>, user: CurrentUser, Path(id): Path<i64>, headers: HeaderMap) -> WebResult<Response> {
    let b = boards::visible_board(&state.store, &user, id).await?;
    super::page_with_flash(&headers, |done| board_view(&state, &user, b, Vec::new(), done)).await
}

async fn board_outcome(state: &AppState, user: &CurrentUser, b: BoardRow, result: WebResult<&str>) -> WebResult<Response> {
    let to = format!("/ban-chi-dao/{}", b.id);
    super::after_post(state, result.map(|message| (to, message)), |errors| board_view(state, user, b, errors, None)).await
}

#[derive(Deserialize)]
struct MemberForm {
    #[serde(default)]
    full_name: String,
    #[serde(default)]
    position: String,
    #[serde(default)]
    role: String,
    #[serde(default)]
    username: String,
    #[serde(default)]
    from: String,
}

async fn add_member(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<i64>,
    CsrfForm(f): CsrfForm<MemberForm>,
) -> WebResult<Response> {
    may_manage_some(&user)?;
    let b = boards::visible_board(&state.store, &user, id).await?;
    if !may_manage(&user, b.unit_id) {
        return Err(WebError::Forbidden);
    }
    let result = async {
        let role = MemberRole::parse(&f.role).map_err(|e| WebError::invalid("role", e.to_string()))?;
        let from = optional_date(&f.from, "from", "Từ ngày")?.unwrap_or_else(|| hoctap_store::today().max(b.term.from));
        let user_id = boards::user_below(&state.store, b.unit_id, &f.username, "username").await?;
        state
            .store
            .board_member_add(&user.actor(), &b, &NewMember { full_name: &f.full_name, position: &f.position, role, user_id, from })
            .await?;
        Ok::<_, WebError>("Đã thêm thành viên")
    }
    .await;
    board_outcome(&state, &user, b, result).await
}

#[derive(Deserialize)]
struct EndForm {
    #[serde(default)]
    on: String,
}

async fn end_member(
    State(state): State<AppState>,
    user: CurrentUser,
    Path((id, member)): Path<(i64, i64)>,
    CsrfForm(f): CsrfForm<EndForm>,
) -> WebResult<Response> {
    may_manage_some(&user)?;
    let b = boards::visible_board(&state.store, &user, id).await?;
    if !may_manage(&user, b.unit_id) {
        return Err(WebError::Forbidden);
    }
    let result = async {
        let on = parse_date(&f.on).map_err(|e| WebError::invalid("on", format!("Ngày kết thúc: {e}")))?;
        state.store.board_member_end(&user.actor(), &b, member, on).await?;
        Ok::<_, WebError>("Đã kết thúc nhiệm kỳ của thành viên")
    }
    .await;
    board_outcome(&state, &user, b, result).await
}

// ---------------------------------------------------------------------------------------------
// Tasks

#[derive(Template)]
#[template(path = "tasks.html")]
struct TasksPage {
    chrome: Chrome,
    unit_id: i64,
    unit_name: String,
    lines: Vec<TaskLine>,
    statuses: Vec<(&'static str, &'static str)>,
    status: String,
    overdue_only: bool,
    year: String,
    export_query: String,
}

async fn tasks(State(state): State<AppState>, user: CurrentUser, Query(q): Query<TaskQuery>) -> WebResult<Response> {
    let (unit_id, rows) = boards::unit_tasks(&state.store, &user, &q).await?;
    let unit = state.store.unit(unit_id).await?;
    let (now, today) = (jiff::Timestamp::now(), hoctap_store::today());
    let mut query = vec![format!("don-vi={unit_id}")];
    if !q.trang_thai.is_empty() {
        query.push(format!("trang-thai={}", super::units::urlencode(&q.trang_thai)));
    }
    if !q.qua_han.is_empty() {
        query.push("qua-han=1".into());
    }
    if let Some(y) = q.nam {
        query.push(format!("nam={y}"));
    }
    render(&TasksPage {
        chrome: Chrome::new(format!("Nhiệm vụ – {}", unit.name), &user),
        unit_id,
        unit_name: unit.name,
        lines: task_lines(&state, &rows, now, today).await?,
        statuses: TaskStatus::ALL.iter().map(|s| (s.code(), s.label())).collect(),
        status: q.trang_thai.clone(),
        overdue_only: !q.qua_han.is_empty(),
        year: q.nam.map(|y| y.to_string()).unwrap_or_default(),
        export_query: query.join("&"),
    })
}

pub const TASKS_HEADER: [&str; 12] = [
    "STT",
    "Kế hoạch",
    "Năm",
    "Nhiệm vụ",
    "Cơ quan chủ trì",
    "Cơ quan phối hợp",
    "Được giao",
    "Thời hạn",
    "Hạn",
    "Trạng thái",
    "Tiến độ (%)",
    "Báo cáo gần nhất",
];

async fn tasks_xlsx(State(state): State<AppState>, user: CurrentUser, Query(q): Query<TaskQuery>) -> WebResult<Response> {
    let (unit_id, rows) = boards::unit_tasks(&state.store, &user, &q).await?;
    let unit = state.store.unit(unit_id).await?;
    let (now, today) = (jiff::Timestamp::now(), hoctap_store::today());
    let rows: Vec<Vec<String>> = rows
        .iter()
        .enumerate()
        .map(|(i, t)| {
            let l = task_line(t, now, today);
            vec![
                (i + 1).to_string(),
                l.plan,
                l.year.to_string(),
                l.name,
                l.lead,
                l.supporting,
                l.assignee,
                l.deadline_text,
                l.deadline,
                l.status.to_string(),
                l.progress.to_string(),
                l.last_report,
            ]
        })
        .collect();
    let table = hoctap_docs::registry_xlsx::Table {
        sheet: "Nhiem vu".into(),
        header: TASKS_HEADER.iter().map(|h| (*h).to_string()).collect(),
        rows,
    };
    let bytes = hoctap_docs::registry_xlsx::tables_xlsx(&[table]).map_err(WebError::internal)?;
    let name = format!("nhiem-vu-{}.xlsx", unit.code);
    Ok(download(bytes, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", &name))
}

struct ReportLine {
    id: i64,
    date: String,
    status: &'static str,
    progress: u8,
    text: String,
    by: String,
    evidence: String,
}

#[derive(Template)]
#[template(path = "task.html")]
struct TaskPage {
    chrome: Chrome,
    t: TaskLine,
    plan_id: i64,
    unit_id: i64,
    reports: Vec<ReportLine>,
    statuses: Vec<(&'static str, &'static str)>,
    can_assign: bool,
    can_report: bool,
    agency: String,
    assignee_unit_code: String,
    assignee_username: String,
    today_iso: String,
    errors: Vec<FieldError>,
    done: Option<String>,
}

async fn task_view(state: &AppState, user: &CurrentUser, t: TaskRow, errors: Vec<FieldError>, done: Option<String>) -> WebResult<TaskPage> {
    let (now, today) = (jiff::Timestamp::now(), hoctap_store::today());
    let reports = state
        .store
        .task_reports(t.id)
        .await?
        .into_iter()
        .map(|r| ReportLine {
            id: r.id,
            date: r.reported_on.parse().map(format_vn).unwrap_or_default(),
            status: r.status.label(),
            progress: r.progress,
            text: r.text,
            by: r.username,
            evidence: r.evidence_name,
        })
        .collect();
    let assignee_unit_code = match t.assignee_unit_id {
        Some(u) => state.store.unit(u).await?.code,
        None => String::new(),
    };
    Ok(TaskPage {
        chrome: Chrome::new(format!("Nhiệm vụ năm {}", t.year), user),
        plan_id: t.plan_id,
        unit_id: t.unit_id,
        reports,
        statuses: TaskStatus::ALL.iter().map(|s| (s.code(), s.label())).collect(),
        can_assign: may_manage(user, t.unit_id),
        can_report: may_report(user, &t) && t.is_assigned(),
        agency: if t.assignee_agency.is_empty() { t.lead.clone() } else { t.assignee_agency.clone() },
        assignee_unit_code,
        assignee_username: t.assignee_username.clone().unwrap_or_default(),
        today_iso: today.to_string(),
        t: task_lines(state, std::slice::from_ref(&t), now, today).await?.remove(0),
        errors,
        done,
    })
}

async fn task(State(state): State<AppState>, user: CurrentUser, Path(id): Path<i64>, headers: HeaderMap) -> WebResult<Response> {
    let t = boards::visible_task(&state.store, &user, id).await?;
    super::page_with_flash(&headers, |done| task_view(&state, &user, t, Vec::new(), done)).await
}

async fn task_outcome(state: &AppState, user: &CurrentUser, t: TaskRow, result: WebResult<&str>) -> WebResult<Response> {
    let to = format!("/nhiem-vu/{}", t.id);
    super::after_post(state, result.map(|message| (to, message)), |errors| task_view(state, user, t, errors, None)).await
}

#[derive(Deserialize)]
struct AssignForm {
    #[serde(default)]
    agency: String,
    #[serde(default)]
    unit_code: String,
    #[serde(default)]
    username: String,
}

async fn assign(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<i64>,
    CsrfForm(f): CsrfForm<AssignForm>,
) -> WebResult<Response> {
    may_manage_some(&user)?;
    let t = boards::visible_task(&state.store, &user, id).await?;
    if !may_manage(&user, t.unit_id) {
        return Err(WebError::Forbidden);
    }
    let result = async {
        let a = boards::assignment(&state.store, &t, &f.agency, &f.unit_code, &f.username).await?;
        // The assignee is told in the assignment's transaction.
        hoctap_app::notify::assign_task(&state.store, &user, &t, &a).await?;
        Ok::<_, WebError>("Đã giao nhiệm vụ")
    }
    .await;
    task_outcome(&state, &user, t, result).await
}

async fn report(State(state): State<AppState>, user: CurrentUser, Path(id): Path<i64>, mp: Multipart) -> WebResult<Response> {
    // Who may report, before the form is read.
    let t = boards::visible_task(&state.store, &user, id).await?;
    if !may_report(&user, &t) || !t.is_assigned() {
        return Err(WebError::Forbidden);
    }
    let up = super::read_upload(mp).await?;
    user.check_csrf(up.field("csrf"))?;
    let result = async {
        let r = status_report(up.field("status"), up.field("progress"), up.field("text"))?;
        let on = optional_date(up.field("reported_on"), "reported_on", "Ngày báo cáo")?.unwrap_or_else(hoctap_store::today);
        if on > hoctap_store::today() {
            return Err(WebError::invalid("reported_on", "Ngày báo cáo: không được sau hôm nay"));
        }
        let mime = if up.bytes.is_empty() {
            None
        } else {
            Some(hoctap_docs::sniff::sniff(&up.bytes).map_err(|e| WebError::invalid("file", capitalise(&e)))?.mime())
        };
        let evidence = mime.map(|m| (up.bytes.as_slice(), m, up.file_name.as_str()));
        state.store.task_report_add(&user.actor(), &t, &NewTaskReport { report: &r, reported_on: on, evidence }).await?;
        Ok::<_, WebError>("Đã gửi báo cáo tiến độ")
    }
    .await;
    task_outcome(&state, &user, t, result).await
}

async fn report_file(State(state): State<AppState>, user: CurrentUser, Path(id): Path<i64>) -> WebResult<Response> {
    let (task_id, name, mime, bytes) = state.store.task_report_file(id).await?;
    boards::visible_task(&state.store, &user, task_id).await?;
    Ok(download(bytes, &mime, &name))
}

async fn materialise(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<i64>,
    _: hoctap_http::auth::CsrfForm<hoctap_http::auth::NoFields>,
) -> WebResult<Response> {
    user.require(Action::ReadLocal)?;
    let p = state.store.plan(id).await?;
    if !may_manage(&user, p.unit_id) {
        return Err(WebError::Forbidden);
    }
    let n = state.store.tasks_materialise(&user.actor(), &p).await?;
    Ok(flash_redirect(
        &state,
        &format!("/nhiem-vu?don-vi={}", p.unit_id),
        &format!("Đã lập {n} nhiệm vụ từ kế hoạch {}", if p.number.is_empty() { &p.title } else { &p.number }),
    ))
}
