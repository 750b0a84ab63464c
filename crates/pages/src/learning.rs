//! Learning centres' activities and citizens' learning records (issue 16): the centres in
//! scope, a centre's programme by month, an activity with its sessions and learners, the roll
//! call on a phone (one tap per learner, one request for the whole roll), the year's report
//! (page and XLSX), a citizen's record (their own, or an officer's view with confirmation), and
//! the public programme with "đăng ký quan tâm". Thin adapters over `hoctap_app::learning`.

use std::collections::BTreeMap;

use super::{Chrome, FieldError, download, flash_redirect, render};
use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Response};
use hoctap_app::learning::{self, ActivityInput, EnrolInput, Found, LearnerView, LearningRecord, OtherInput, PublicActivity, SessionInput};
use hoctap_domain::access::{Action, Role};
use hoctap_domain::date::format_vn;
use hoctap_domain::learning::{ActivityKind, Funding, PartnerKind, PlaceKind};
use hoctap_http::AppState;
use hoctap_http::auth::{CsrfForm, CurrentUser, MaybeUser, NoFields};
use hoctap_http::error::{WebError, WebResult};
use hoctap_http::routes::{Routes, get, post};
use hoctap_store::{ActivityRow, CentreRow, LessonRow, TopicRow, YearReport};
use serde::Deserialize;

pub fn routes() -> Routes {
    Routes::new()
        .route("/hoc-tap", get(centres))
        .route("/hoc-tap/trung-tam/{id}", get(programme).post(create_activity))
        .route("/hoc-tap/hoat-dong/{id}", get(activity))
        .route("/hoc-tap/hoat-dong/{id}/buoi", post(add_session))
        .route("/hoc-tap/hoat-dong/{id}/nguoi-hoc", post(enrol))
        .route("/hoc-tap/hoat-dong/{id}/xoa", post(delete_activity))
        .route("/hoc-tap/hoat-dong/{id}/nguoi-hoc/{enrolment}/xoa", post(unenrol))
        .route("/hoc-tap/hoat-dong/{id}/danh-sach.xlsx", get(learners_xlsx))
        .route("/hoc-tap/hoat-dong/{id}/quan-tam", post(interest))
        .route("/hoc-tap/hoat-dong/{id}/diem-danh.xlsx", get(sheet_xlsx))
        .route("/hoc-tap/hoat-dong/{id}/diem-danh", post(sheet_check))
        .route("/hoc-tap/hoat-dong/{id}/diem-danh/ghi", post(sheet_apply))
        .route("/hoc-tap/buoi/{id}/diem-danh", get(roll).post(save_roll))
        .route("/hoc-tap/bao-cao", get(report))
        .route("/hoc-tap/bao-cao.xlsx", get(report_xlsx))
        .route("/hoc-tap/bao-cao.docx", get(report_docx))
        .route("/hoc-tap/bao-cao.pdf", get(report_pdf))
        .route("/hoc-tap/cong-dan/{id}", get(citizen_record).post(declare_for))
        .route("/hoc-tap/hoc-tap-khac/{id}/xac-nhan", post(confirm))
        .route("/ho-so-hoc-tap", get(my_record).post(declare_own))
        .route("/trung-tam/{id}/chuong-trinh", get(public_programme))
}

#[derive(Deserialize, Default)]
struct YearQuery {
    #[serde(default)]
    nam: Option<i16>,
}

fn this_year() -> i16 {
    hoctap_store::today().year()
}

fn year_of(q: Option<i16>) -> i16 {
    q.filter(|y| (2000..=2100).contains(y)).unwrap_or_else(this_year)
}

fn errors_of(e: &WebError) -> Option<Vec<FieldError>> {
    super::field_error(e).map(|f| vec![f])
}

// ---------------------------------------------------------------------------------------------
// Centres

#[derive(Template)]
#[template(path = "learning/centres.html")]
struct CentresPage {
    chrome: Chrome,
    centres: Vec<CentreRow>,
    year: i16,
    unit_id: i64,
}

async fn centres(State(state): State<AppState>, user: CurrentUser) -> WebResult<Response> {
    user.require(Action::ReadLocal)?;
    let centres = learning::centres(&state.store, &user).await?;
    render(&CentresPage {
        chrome: Chrome::new("Học tập cộng đồng", &user), centres, year: this_year(), unit_id: user.user.unit_id
    })
}

// ---------------------------------------------------------------------------------------------
// A centre's programme

/// A month of the programme (the calendar view).
struct Month {
    name: String,
    activities: Vec<ActivityLine>,
}

struct ActivityLine {
    id: i64,
    title: String,
    topic: String,
    kind: &'static str,
    dates: String,
    place: String,
    sessions: i64,
    learners: i64,
    interested: i64,
}

fn place_text(a: &ActivityRow) -> String {
    let kind = PlaceKind::parse(&a.place_kind).map(|k| k.label()).unwrap_or("");
    if a.place.is_empty() { kind.to_string() } else { format!("{kind}: {}", a.place) }
}

fn dates_text(a: &ActivityRow) -> String {
    if a.starts_on == a.ends_on { format_vn(a.starts_on) } else { format!("{} – {}", format_vn(a.starts_on), format_vn(a.ends_on)) }
}

fn line(a: &ActivityRow) -> ActivityLine {
    ActivityLine {
        id: a.id,
        title: a.title.clone(),
        topic: a.topic_name.clone(),
        kind: ActivityKind::parse(&a.kind).map(|k| k.label()).unwrap_or(""),
        dates: dates_text(a),
        place: place_text(a),
        sessions: a.sessions,
        learners: a.learners,
        interested: a.interested,
    }
}

#[derive(Template)]
#[template(path = "learning/programme.html")]
struct ProgrammePage {
    chrome: Chrome,
    centre: CentreRow,
    year: i16,
    months: Vec<Month>,
    can_manage: bool,
    topics: Vec<TopicRow>,
    kinds: Vec<(&'static str, &'static str)>,
    places: Vec<(&'static str, &'static str)>,
    partners: Vec<(&'static str, &'static str)>,
    fundings: Vec<(&'static str, &'static str)>,
    form: ActivityInput,
    errors: Vec<FieldError>,
    done: Option<String>,
}

fn months(list: &[ActivityRow]) -> Vec<Month> {
    let mut by: BTreeMap<i8, Vec<ActivityLine>> = BTreeMap::new();
    for a in list {
        by.entry(a.starts_on.month()).or_default().push(line(a));
    }
    by.into_iter().map(|(m, activities)| Month { name: format!("Tháng {m}"), activities }).collect()
}

fn codes<T: Copy>(all: &[T], code: fn(T) -> &'static str, label: fn(T) -> &'static str) -> Vec<(&'static str, &'static str)> {
    all.iter().map(|k| (code(*k), label(*k))).collect()
}

async fn programme_view(
    state: &AppState,
    user: &CurrentUser,
    id: i64,
    year: i16,
    form: ActivityInput,
    errors: Vec<FieldError>,
    done: Option<String>,
) -> WebResult<ProgrammePage> {
    let (centre, list) = learning::programme(&state.store, user, id, year).await?;
    Ok(ProgrammePage {
        chrome: Chrome::new(format!("{} – chương trình năm {year}", centre.name), user),
        centre,
        year,
        months: months(&list),
        can_manage: learning::manages(user),
        topics: state.store.learning_topics().await?,
        kinds: codes(ActivityKind::ALL, ActivityKind::code, ActivityKind::label),
        places: codes(PlaceKind::ALL, PlaceKind::code, PlaceKind::label),
        partners: codes(PartnerKind::ALL, PartnerKind::code, PartnerKind::label),
        fundings: codes(Funding::ALL, Funding::code, Funding::label),
        form,
        errors,
        done,
    })
}

async fn programme(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<i64>,
    Query(q): Query<YearQuery>,
    headers: HeaderMap,
) -> WebResult<Response> {
    super::page_with_flash(&headers, |done| programme_view(&state, &user, id, year_of(q.nam), ActivityInput::default(), Vec::new(), done))
        .await
}

async fn create_activity(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<i64>,
    CsrfForm(f): CsrfForm<ActivityInput>,
) -> WebResult<Response> {
    if !learning::manages(&user) {
        return Err(WebError::Forbidden);
    }
    learning::centre_in_scope(&state.store, &user, id).await?;
    let result = learning::create_activity(&state.store, &user, id, &f).await.map_err(WebError::from);
    let year = hoctap_domain::date::parse_date(&f.starts_on).map(|d| d.year()).unwrap_or_else(|_| this_year());
    super::after_post(
        &state,
        result.map(|aid| (format!("/hoc-tap/hoat-dong/{aid}"), "Đã thêm hoạt động vào chương trình")),
        |errors| programme_view(&state, &user, id, year, f.clone(), errors, None),
    )
    .await
}

// ---------------------------------------------------------------------------------------------
// An activity

struct SessionLine {
    id: i64,
    date: String,
    hours: String,
    title: String,
    present: i64,
    roll_taken: bool,
}

fn session_line(s: &LessonRow) -> SessionLine {
    SessionLine {
        id: s.id,
        date: format_vn(s.held_on),
        hours: s.hours.display(),
        title: s.title.clone(),
        present: s.present,
        roll_taken: s.roll_taken,
    }
}

#[derive(Template)]
#[template(path = "learning/activity.html")]
struct ActivityPage {
    chrome: Chrome,
    a: ActivityRow,
    kind: &'static str,
    dates: String,
    place: String,
    partner: String,
    funding: &'static str,
    sessions: Vec<SessionLine>,
    learners: Vec<LearnerView>,
    can_manage: bool,
    search: String,
    found: Vec<Found>,
    today_iso: String,
    errors: Vec<FieldError>,
    done: Option<String>,
}

#[derive(Deserialize, Default)]
struct ActivityQuery {
    #[serde(default)]
    tim: String,
}

async fn activity_view(
    state: &AppState,
    user: &CurrentUser,
    id: i64,
    search: String,
    mut errors: Vec<FieldError>,
    done: Option<String>,
) -> WebResult<ActivityPage> {
    let v = learning::activity_view(&state.store, user, id).await?;
    let found = if v.can_manage && !search.trim().is_empty() {
        match learning::search_learners(&state.store, user, &search).await {
            Ok(f) => f,
            Err(e) => {
                errors.extend(errors_of(&WebError::from(e)).unwrap_or_default());
                Vec::new()
            }
        }
    } else {
        Vec::new()
    };
    let a = v.activity;
    let partner_kind = PartnerKind::parse(&a.partner_kind).map(|k| k.label()).unwrap_or("");
    Ok(ActivityPage {
        chrome: Chrome::new(a.title.clone(), user),
        kind: ActivityKind::parse(&a.kind).map(|k| k.label()).unwrap_or(""),
        dates: dates_text(&a),
        place: place_text(&a),
        partner: if a.partner.is_empty() { partner_kind.to_string() } else { format!("{partner_kind}: {}", a.partner) },
        funding: Funding::parse(&a.funding).map(|k| k.label()).unwrap_or(""),
        sessions: v.sessions.iter().map(session_line).collect(),
        learners: v.learners,
        can_manage: v.can_manage,
        search,
        found,
        today_iso: a.starts_on.to_string(),
        a,
        errors,
        done,
    })
}

async fn activity(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<i64>,
    Query(q): Query<ActivityQuery>,
    headers: HeaderMap,
) -> WebResult<Response> {
    super::page_with_flash(&headers, |done| activity_view(&state, &user, id, q.tim, Vec::new(), done)).await
}

/// 403 / 404 before the form is read.
async fn writable(state: &AppState, user: &CurrentUser, id: i64) -> WebResult<()> {
    if !learning::manages(user) {
        return Err(WebError::Forbidden);
    }
    learning::activity_in_scope(&state.store, user, id).await?;
    Ok(())
}

async fn add_session(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<i64>,
    CsrfForm(f): CsrfForm<SessionInput>,
) -> WebResult<Response> {
    writable(&state, &user, id).await?;
    let result = learning::add_session(&state.store, &user, id, &f).await.map_err(WebError::from);
    super::after_post(&state, result.map(|_| (format!("/hoc-tap/hoat-dong/{id}"), "Đã thêm buổi học")), |errors| {
        activity_view(&state, &user, id, String::new(), errors, None)
    })
    .await
}

#[derive(Deserialize, Default)]
struct EnrolForm {
    #[serde(default)]
    citizen_id: String,
    #[serde(default)]
    full_name: String,
    #[serde(default)]
    birth_year: String,
    #[serde(default)]
    sex: String,
}

async fn enrol(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<i64>,
    CsrfForm(f): CsrfForm<EnrolForm>,
) -> WebResult<Response> {
    writable(&state, &user, id).await?;
    let input = EnrolInput {
        citizen_id: f.citizen_id.trim().parse().ok(),
        full_name: f.full_name,
        birth_year: f.birth_year,
        sex: f.sex,
        village_id: None,
    };
    let result = learning::enrol(&state.store, &user, id, &input).await.map_err(WebError::from);
    super::after_post(&state, result.map(|_| (format!("/hoc-tap/hoat-dong/{id}"), "Đã ghi danh người học")), |errors| {
        activity_view(&state, &user, id, String::new(), errors, None)
    })
    .await
}

#[derive(Deserialize, Default)]
struct DeleteForm {
    #[serde(default)]
    xac_nhan: String,
}

async fn delete_activity(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<i64>,
    CsrfForm(f): CsrfForm<DeleteForm>,
) -> WebResult<Response> {
    writable(&state, &user, id).await?;
    if f.xac_nhan != "1" {
        let errors =
            vec![FieldError { field: "xac_nhan".into(), message: "Đánh dấu ô xác nhận trước khi xóa hoạt động".into() }];
        let page = activity_view(&state, &user, id, String::new(), errors, None).await?;
        return super::after_post(
            &state,
            Err::<(String, String), _>(WebError::invalid("xac_nhan", "Đánh dấu ô xác nhận trước khi xóa hoạt động")),
            |_| async { Ok(page) },
        )
        .await;
    }
    let a = learning::delete_activity(&state.store, &user, id).await?;
    Ok(flash_redirect(&state, &format!("/hoc-tap/trung-tam/{}?nam={}", a.centre_id, a.year), "Đã xóa hoạt động"))
}

/// Xóa người học khỏi lớp, after the row's confirmation box; refused once they were present.
async fn unenrol(
    State(state): State<AppState>,
    user: CurrentUser,
    Path((id, enrolment)): Path<(i64, i64)>,
    CsrfForm(f): CsrfForm<DeleteForm>,
) -> WebResult<Response> {
    writable(&state, &user, id).await?;
    let result = if f.xac_nhan == "1" {
        learning::unenrol(&state.store, &user, id, enrolment).await.map_err(WebError::from)
    } else {
        // The error links to the row's own confirmation box.
        Err(WebError::invalid(&format!("xoa-{enrolment}"), "Đánh dấu ô xác nhận trước khi xóa người học khỏi danh sách lớp"))
    };
    let result = result.map(|name| (format!("/hoc-tap/hoat-dong/{id}"), format!("Đã xóa {name} khỏi danh sách lớp")));
    super::after_post(&state, result, |errors| activity_view(&state, &user, id, String::new(), errors, None)).await
}

async fn learners_xlsx(State(state): State<AppState>, user: CurrentUser, Path(id): Path<i64>) -> WebResult<Response> {
    let (a, rows) = learning::export_learners(&state.store, &user, id, "xlsx").await?;
    let header: Vec<String> = ["Họ và tên", "Số CCCD", "Năm sinh", "Giới tính", "Thôn", "Số buổi có mặt", "Số giờ", "Kết quả"]
        .iter()
        .map(|s| s.to_string())
        .collect();
    let bytes = hoctap_docs::registry_xlsx::simple_xlsx("Danh sach", &header, &rows).map_err(WebError::internal)?;
    Ok(download(bytes, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", &format!("nguoi-hoc-{}.xlsx", a.id)))
}

async fn interest(State(state): State<AppState>, user: CurrentUser, Path(id): Path<i64>, _: CsrfForm<NoFields>) -> WebResult<Response> {
    let (a, fresh) = learning::register_interest(&state.store, &user, id).await?;
    let message = if fresh {
        "Đã ghi nhận bạn quan tâm hoạt động này"
    } else {
        "Bạn đã đăng ký quan tâm hoạt động này rồi"
    };
    Ok(flash_redirect(&state, &format!("/trung-tam/{}/chuong-trinh?nam={}", a.centre_id, a.year), message))
}

// ---------------------------------------------------------------------------------------------
// Roll call

#[derive(Template)]
#[template(path = "learning/roll.html")]
struct RollPage {
    chrome: Chrome,
    a: ActivityRow,
    session: SessionLine,
    learners: Vec<(LearnerView, bool)>,
    errors: Vec<FieldError>,
}

async fn roll_view(state: &AppState, user: &CurrentUser, id: i64, errors: Vec<FieldError>) -> WebResult<RollPage> {
    let v = learning::roll_view(&state.store, user, id).await?;
    Ok(RollPage {
        chrome: Chrome::new(format!("Điểm danh – {}", v.activity.title), user),
        session: session_line(&v.session),
        a: v.activity,
        learners: v.learners,
        errors,
    })
}

async fn roll(State(state): State<AppState>, user: CurrentUser, Path(id): Path<i64>) -> WebResult<Response> {
    render(&roll_view(&state, &user, id, Vec::new()).await?)
}

/// The roll as the form sends it: `co-mat-{enrolment}` = 1 for each learner ticked present.
async fn save_roll(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<i64>,
    CsrfForm(f): CsrfForm<BTreeMap<String, String>>,
) -> WebResult<Response> {
    let v = learning::roll_view(&state.store, &user, id).await?;
    let present: Vec<i64> = f.keys().filter_map(|k| k.strip_prefix("co-mat-")?.parse().ok()).collect();
    let result = learning::roll_call(&state.store, &user, id, &present).await.map_err(WebError::from);
    let total = v.learners.len();
    super::after_post(
        &state,
        result.map(|n| (format!("/hoc-tap/hoat-dong/{}", v.activity.id), format!("Đã điểm danh: {n}/{total} người có mặt"))),
        |errors| roll_view(&state, &user, id, errors),
    )
    .await
}

// ---------------------------------------------------------------------------------------------
// Attendance from a spreadsheet (dry run, then the checked file applied by its hash)

async fn sheet_xlsx(State(state): State<AppState>, user: CurrentUser, Path(id): Path<i64>) -> WebResult<Response> {
    let (a, header, rows) = learning::attendance_sheet(&state.store, &user, id).await?;
    let bytes = hoctap_docs::registry_xlsx::simple_xlsx("Diem danh", &header, &rows).map_err(WebError::internal)?;
    Ok(download(bytes, super::XLSX, &format!("diem-danh-{}.xlsx", a.id)))
}

#[derive(Template)]
#[template(path = "learning/import.html")]
struct SheetPage {
    chrome: Chrome,
    a: ActivityRow,
    report: Option<learning::SheetReport>,
    pending: String,
    file_name: String,
    errors: Vec<FieldError>,
}

fn purpose(id: i64) -> String {
    format!("diem-danh:{id}")
}

impl SheetPage {
    fn failed(mut self, e: WebError) -> WebResult<Response> {
        let Some(f) = super::field_error(&e) else { return Err(e) };
        self.errors.push(f);
        Ok((e.status(), axum::response::Html(self.render()?)).into_response())
    }
}

async fn sheet_page(state: &AppState, user: &CurrentUser, id: i64) -> WebResult<SheetPage> {
    let a = learning::activity_in_scope(&state.store, user, id).await?;
    Ok(SheetPage {
        chrome: Chrome::new(format!("Nhập điểm danh – {}", a.title), user),
        a,
        report: None,
        pending: String::new(),
        file_name: String::new(),
        errors: Vec::new(),
    })
}

async fn sheet_check(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<i64>,
    mp: axum::extract::Multipart,
) -> WebResult<Response> {
    writable(&state, &user, id).await?;
    let upload = super::read_upload(mp).await?;
    user.check_csrf(upload.field("csrf"))?;
    let page = sheet_page(&state, &user, id).await?;
    if upload.bytes.is_empty() {
        return page.failed(WebError::invalid("file", "Chọn tệp bảng điểm danh"));
    }
    let bytes: std::sync::Arc<[u8]> = upload.bytes.into();
    let report = match learning::attendance_import(&state.store, &user, id, bytes.clone(), true).await {
        Ok(r) => r,
        Err(e) => return page.failed(e.into()),
    };
    let ok = report.errors.is_empty();
    let pending =
        if ok { state.store.pending_upload_save(&user.actor(), &purpose(id), &upload.file_name, &bytes).await? } else { String::new() };
    let status = if ok { axum::http::StatusCode::OK } else { axum::http::StatusCode::UNPROCESSABLE_ENTITY };
    let page = SheetPage { report: Some(report), pending, file_name: upload.file_name, ..page };
    Ok((status, axum::response::Html(page.render()?)).into_response())
}

#[derive(Deserialize, Default)]
struct ApplyForm {
    #[serde(default)]
    tep: String,
}

async fn sheet_apply(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<i64>,
    CsrfForm(f): CsrfForm<ApplyForm>,
) -> WebResult<Response> {
    writable(&state, &user, id).await?;
    let page = sheet_page(&state, &user, id).await?;
    let Some(file) = state.store.pending_upload(&user.actor(), &purpose(id), f.tep.trim()).await? else {
        return page.failed(WebError::invalid(
            "file",
            format!("Tệp đã kiểm tra không còn (đã ghi, hoặc quá {} giờ); hãy tải tệp lên lại", hoctap_store::PENDING_HOURS),
        ));
    };
    // Checked again and written in one transaction, or nothing.
    let report = match learning::attendance_import(&state.store, &user, id, file.bytes.into(), false).await {
        Ok(r) => r,
        Err(e) => return page.failed(e.into()),
    };
    if report.applied {
        state.store.pending_upload_done(&user.actor(), &purpose(id), &file.sha256).await?;
        let n: usize = report.sessions.iter().map(|(_, n)| n).sum();
        return Ok(flash_redirect(
            &state,
            &format!("/hoc-tap/hoat-dong/{id}"),
            &format!("Đã ghi điểm danh {} buổi, {n} lượt có mặt", report.sessions.len()),
        ));
    }
    let page = SheetPage { report: Some(report), file_name: file.file_name, ..page };
    Ok((axum::http::StatusCode::UNPROCESSABLE_ENTITY, axum::response::Html(page.render()?)).into_response())
}

// ---------------------------------------------------------------------------------------------
// The year's report

#[derive(Deserialize, Default)]
struct ReportQuery {
    #[serde(default, rename = "don-vi")]
    don_vi: Option<i64>,
    #[serde(default, rename = "trung-tam")]
    trung_tam: Option<i64>,
    #[serde(default)]
    nam: Option<i16>,
}

#[derive(Template)]
#[template(path = "learning/report.html")]
struct ReportPage {
    chrome: Chrome,
    unit_id: i64,
    unit_name: String,
    centre: Option<i64>,
    r: YearReport,
}

async fn report_data(state: &AppState, user: &CurrentUser, q: &ReportQuery) -> WebResult<(i64, String, YearReport)> {
    user.require(Action::ReadLocal)?;
    let unit_id = q.don_vi.unwrap_or(user.user.unit_id);
    let r = learning::year_report(&state.store, user, unit_id, q.trung_tam, year_of(q.nam)).await?;
    let unit = state.store.unit(unit_id).await?;
    Ok((unit_id, unit.name, r))
}

async fn report(State(state): State<AppState>, user: CurrentUser, Query(q): Query<ReportQuery>) -> WebResult<Response> {
    let (unit_id, unit_name, r) = report_data(&state, &user, &q).await?;
    render(&ReportPage {
        chrome: Chrome::new(format!("Báo cáo hoạt động TT HTCĐ năm {} – {unit_name}", r.year), &user),
        unit_id,
        unit_name,
        centre: q.trung_tam,
        r,
    })
}

async fn report_xlsx(State(state): State<AppState>, user: CurrentUser, Query(q): Query<ReportQuery>) -> WebResult<Response> {
    let (_, unit_name, r) = report_data(&state, &user, &q).await?;
    let header: Vec<String> =
        ["Nội dung", "Hoạt động", "Buổi học", "Lượt người học", "Giờ học của người học"].iter().map(|s| s.to_string()).collect();
    let n = |v: i64| hoctap_domain::text::group_thousands(v);
    let mut rows: Vec<Vec<String>> =
        vec![vec![format!("{unit_name} – năm {}", r.year), String::new(), String::new(), String::new(), String::new()]];
    for t in &r.by_topic {
        rows.push(vec![t.name.clone(), n(t.activities), n(t.sessions), n(t.enrolments), t.hours.display()]);
    }
    rows.push(vec!["Tổng cộng".into(), n(r.activities), n(r.sessions), n(r.enrolments), r.hours.display()]);
    rows.push(vec![format!("Số người học: {}", n(r.learners)), String::new(), String::new(), String::new(), String::new()]);
    for (label, group) in [("Giới tính", &r.by_sex), ("Nhóm tuổi", &r.by_age), ("Dân tộc", &r.by_ethnicity)] {
        for (k, v) in group {
            rows.push(vec![format!("{label}: {k}"), String::new(), String::new(), n(*v), String::new()]);
        }
    }
    let bytes = hoctap_docs::registry_xlsx::simple_xlsx("Bao cao TT HTCD", &header, &rows).map_err(WebError::internal)?;
    Ok(download(bytes, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", &format!("bao-cao-tt-htcd-{}.xlsx", r.year)))
}

/// The year's report as an official document (Nghị định 30/2020 layout, the annual report's
/// writers): the unit's header, the figures as text, then the tables by topic and by group.
fn report_document(unit_name: &str, centre: Option<&CentreRow>, r: &YearReport) -> hoctap_docs::report_doc::ReportDoc {
    use hoctap_docs::report_doc::{ReportDoc, ReportSection, ReportTable};
    let n = hoctap_domain::text::group_thousands;
    let (authority_lines, signer_title) = match centre {
        Some(c) => (vec![format!("UBND {}", unit_name.to_uppercase()), c.name.to_uppercase()], "GIÁM ĐỐC".to_string()),
        None => (vec!["ỦY BAN NHÂN DÂN".to_string(), unit_name.to_uppercase()], "TM. ỦY BAN NHÂN DÂN\nCHỦ TỊCH".to_string()),
    };
    let summary_text = format!(
        "Trong năm {}, {} trung tâm học tập cộng đồng đã tổ chức {} hoạt động với {} buổi học; {} người học, {} lượt người học, {} giờ học của người học.",
        r.year,
        n(r.centres),
        n(r.activities),
        n(r.sessions),
        n(r.learners),
        n(r.enrolments),
        r.hours
    );
    let by_topic = ReportTable {
        caption: "Bảng 1. Hoạt động theo chủ đề".into(),
        header: ["Chủ đề", "Hoạt động", "Buổi học", "Lượt người học", "Giờ học"].iter().map(|s| s.to_string()).collect(),
        rows: r
            .by_topic
            .iter()
            .map(|t| vec![t.name.clone(), n(t.activities), n(t.sessions), n(t.enrolments), t.hours.display()])
            .chain(std::iter::once(vec!["Tổng cộng".into(), n(r.activities), n(r.sessions), n(r.enrolments), r.hours.display()]))
            .collect(),
    };
    let groups = |caption: &str, label: &str, g: &[(String, i64)]| ReportTable {
        caption: caption.into(),
        header: vec![label.to_string(), "Lượt người học".into()],
        rows: g.iter().map(|(k, v)| vec![k.clone(), n(*v)]).collect(),
    };
    ReportDoc {
        authority_lines,
        number: "     /BC-TTHTCĐ".to_string(),
        place: unit_name.split_once(' ').map(|(_, rest)| rest.to_string()).unwrap_or_else(|| unit_name.to_string()),
        date: hoctap_store::today(),
        summary: format!("Kết quả hoạt động của trung tâm học tập cộng đồng năm {}", r.year),
        sections: vec![ReportSection {
            heading: "I. KẾT QUẢ HOẠT ĐỘNG".into(),
            paragraphs: vec![summary_text],
            tables: vec![
                by_topic,
                groups("Bảng 2. Lượt người học theo giới tính", "Giới tính", &r.by_sex),
                groups("Bảng 3. Lượt người học theo nhóm tuổi", "Nhóm tuổi", &r.by_age),
                groups("Bảng 4. Lượt người học theo dân tộc", "Dân tộc", &r.by_ethnicity),
            ],
        }],
        recipients: vec!["Lưu: VT.".to_string()],
        signer_title,
        signer_name: String::new(),
    }
}

async fn report_docx(State(state): State<AppState>, user: CurrentUser, Query(q): Query<ReportQuery>) -> WebResult<Response> {
    let (_, unit_name, r) = report_data(&state, &user, &q).await?;
    let centre = match q.trung_tam {
        Some(c) => Some(state.store.learning_centre(c).await?),
        None => None,
    };
    let bytes = hoctap_docs::report_doc::report_docx(&report_document(&unit_name, centre.as_ref(), &r)).map_err(WebError::internal)?;
    Ok(download(
        bytes,
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        &format!("bao-cao-tt-htcd-{}.docx", r.year),
    ))
}

async fn report_pdf(State(state): State<AppState>, user: CurrentUser, Query(q): Query<ReportQuery>) -> WebResult<Response> {
    let (_, unit_name, r) = report_data(&state, &user, &q).await?;
    let centre = match q.trung_tam {
        Some(c) => Some(state.store.learning_centre(c).await?),
        None => None,
    };
    let bytes = hoctap_docs::report_doc::report_pdf(&report_document(&unit_name, centre.as_ref(), &r)).map_err(WebError::internal)?;
    Ok(super::file_response(bytes, "application/pdf", "inline", &format!("bao-cao-tt-htcd-{}.pdf", r.year)))
}

// ---------------------------------------------------------------------------------------------
// Learning records

#[derive(Template)]
#[template(path = "learning/record.html")]
struct RecordPage {
    chrome: Chrome,
    r: LearningRecord,
    /// (indicator, points, explanation) the record suggests for this year's self-assessment.
    prefill: Vec<(String, i64, String)>,
    year: i16,
    form: OtherInput,
    action: String,
    errors: Vec<FieldError>,
    done: Option<String>,
}

async fn my_view(
    state: &AppState,
    user: &CurrentUser,
    form: OtherInput,
    errors: Vec<FieldError>,
    done: Option<String>,
) -> WebResult<RecordPage> {
    if user.user.role != Role::Citizen {
        return Err(WebError::Forbidden);
    }
    let r = learning::my_record(&state.store, user).await?;
    let year = this_year();
    let prefill = learning::my_prefill(&state.store, user, "cdht-congdan", year)
        .await?
        .into_iter()
        .map(|p| (p.indicator.to_string(), p.points, p.explanation))
        .collect();
    Ok(RecordPage {
        chrome: Chrome::new("Hồ sơ học tập của tôi", user),
        r,
        prefill,
        year,
        form: OtherInput { year: year.to_string(), ..form },
        action: "/ho-so-hoc-tap".into(),
        errors,
        done,
    })
}

async fn my_record(State(state): State<AppState>, user: CurrentUser, headers: HeaderMap) -> WebResult<Response> {
    super::page_with_flash(&headers, |done| my_view(&state, &user, OtherInput::default(), Vec::new(), done)).await
}

async fn declare_own(State(state): State<AppState>, user: CurrentUser, CsrfForm(f): CsrfForm<OtherInput>) -> WebResult<Response> {
    if user.user.role != Role::Citizen {
        return Err(WebError::Forbidden);
    }
    let result = learning::declare_own(&state.store, &user, &f).await.map_err(WebError::from);
    super::after_post(
        &state,
        result.map(|_| ("/ho-so-hoc-tap", "Đã ghi; mục này là tự khai đến khi cán bộ xác nhận")),
        |errors| my_view(&state, &user, f.clone(), errors, None),
    )
    .await
}

async fn officer_view(
    state: &AppState,
    user: &CurrentUser,
    id: i64,
    form: OtherInput,
    errors: Vec<FieldError>,
    done: Option<String>,
) -> WebResult<RecordPage> {
    let r = learning::citizen_record(&state.store, user, id).await?;
    let year = this_year();
    let prefill = learning::prefill(&state.store, "cdht-congdan", id, year)
        .await?
        .into_iter()
        .map(|p| (p.indicator.to_string(), p.points, p.explanation))
        .collect();
    Ok(RecordPage {
        chrome: Chrome::new(format!("Hồ sơ học tập – {}", r.full_name), user),
        prefill,
        year,
        form: OtherInput { year: if form.year.is_empty() { year.to_string() } else { form.year.clone() }, ..form },
        action: format!("/hoc-tap/cong-dan/{id}"),
        r,
        errors,
        done,
    })
}

async fn citizen_record(State(state): State<AppState>, user: CurrentUser, Path(id): Path<i64>, headers: HeaderMap) -> WebResult<Response> {
    super::page_with_flash(&headers, |done| officer_view(&state, &user, id, OtherInput::default(), Vec::new(), done)).await
}

async fn declare_for(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<i64>,
    CsrfForm(f): CsrfForm<OtherInput>,
) -> WebResult<Response> {
    if !learning::manages(&user) {
        return Err(WebError::Forbidden);
    }
    let c = state.store.learning_citizen(id).await?;
    user.require_sees(&state.store, c.1, "công dân").await?;
    let result = learning::declare_for(&state.store, &user, id, &f).await.map_err(WebError::from);
    super::after_post(
        &state,
        result.map(|_| (format!("/hoc-tap/cong-dan/{id}"), "Đã ghi học tập khác; hãy xác nhận khi đã xem minh chứng")),
        |errors| officer_view(&state, &user, id, f.clone(), errors, None),
    )
    .await
}

async fn confirm(State(state): State<AppState>, user: CurrentUser, Path(id): Path<i64>, _: CsrfForm<NoFields>) -> WebResult<Response> {
    let citizen = learning::confirm_other(&state.store, &user, id).await?;
    Ok(flash_redirect(&state, &format!("/hoc-tap/cong-dan/{citizen}"), "Đã xác nhận"))
}

// ---------------------------------------------------------------------------------------------
// The public programme

#[derive(Template)]
#[template(path = "learning/public.html")]
struct PublicPage {
    chrome: Chrome,
    centre: CentreRow,
    year: i16,
    activities: Vec<PublicActivity>,
    citizen: bool,
    done: Option<String>,
}

async fn public_programme(
    State(state): State<AppState>,
    MaybeUser(user): MaybeUser,
    Path(id): Path<i64>,
    Query(q): Query<YearQuery>,
    headers: HeaderMap,
) -> WebResult<Response> {
    let year = year_of(q.nam);
    super::page_with_flash(&headers, |done| async move {
        let (centre, activities) = learning::public_programme(&state.store, id, year).await?;
        let title = format!("Chương trình học tập năm {year} – {}", centre.name);
        let chrome = match &user {
            Some(u) => Chrome::new(title, u),
            None => Chrome { title, user: None, csrf: String::new() },
        };
        Ok(PublicPage { chrome, citizen: user.as_ref().is_some_and(|u| u.user.role == Role::Citizen), centre, year, activities, done })
    })
    .await
}

// ---------------------------------------------------------------------------------------------
// The self-assessment's hook

/// How a plan's target is measured, as the plan page says it: computed from the registries and
/// learning records, or reported by the unit (a digital-skill target counted on "Công dân học
/// tập" stays reported; the records measure completed kỹ năng số activities beside it).
pub fn how_measured(i: &hoctap_domain::indicator::Indicator) -> String {
    use hoctap_domain::indicator::IndicatorKind;
    match i.kind {
        IndicatorKind::Computed if i.numerator.iter().any(|m| m.starts_with("learning_")) => "Tính từ hồ sơ học tập".into(),
        IndicatorKind::Computed => "Tính từ sổ theo dõi".into(),
        _ if i.id.contains("digital") => "Đơn vị báo cáo (hồ sơ học tập tính riêng tỷ lệ hoàn thành chuyên đề kỹ năng số)".into(),
        _ => "Đơn vị báo cáo".into(),
    }
}
