//! The citizen's own pages (/cong-dan: record, household, titles and certificates,
//! self-assessments with their review; correction requests), the commune officer's inbox of
//! correction requests with the proposed change beside the record, and the printable slip of
//! a citizen's one-time sign-in code. Thin adapters over `hoctap_app::citizen`.

use super::{Chrome, FieldError, after_post, page_with_flash, render};
use askama::Template;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{Html, IntoResponse, Response};
use hoctap_app::citizen as app;
use hoctap_domain::date::format_vn;
use hoctap_domain::registry::def::CITIZENS;
use hoctap_http::AppState;
use hoctap_http::auth::{CsrfForm, CurrentUser};
use hoctap_http::error::{WebError, WebResult};
use hoctap_http::routes::{Routes, get, post};
use serde::Deserialize;

pub fn routes() -> Routes {
    Routes::new()
        .route("/cong-dan", get(profile))
        .route("/cong-dan/dinh-chinh", get(corrections).post(request))
        .route("/yeu-cau-dinh-chinh", get(inbox))
        .route("/yeu-cau-dinh-chinh/{id}/duyet", post(approve))
        .route("/yeu-cau-dinh-chinh/{id}/tu-choi", post(reject))
        .route("/ma-kich-hoat", get(code_form).post(issue_code))
}

/// A title as the citizen's page lists it.
struct Title {
    id: i64,
    title: String,
    whose: &'static str,
    level: String,
    valid: String,
    status: &'static str,
}

struct DossierLine {
    id: i64,
    campaign: String,
    state: String,
    result: String,
    reasons: Vec<String>,
}

struct ProfileView {
    fields: Vec<(&'static str, String)>,
    household: Option<app::Household>,
    titles: Vec<Title>,
    dossiers: Vec<DossierLine>,
    /// The learning record's years, newest first: (year, what it holds in words).
    learning: Vec<(i16, String)>,
}

#[derive(Template)]
#[template(path = "citizen/profile.html")]
struct ProfilePage {
    chrome: Chrome,
    name: String,
    view: Option<ProfileView>,
    missing: String,
}

/// The message of a citizen whose CCCD is not in the registry of their area (the page still opens).
fn missing_or(e: hoctap_app::AppError) -> WebResult<String> {
    match e {
        hoctap_app::AppError::Invalid { message, .. } => Ok(message),
        other => Err(other.into()),
    }
}

async fn profile(State(state): State<AppState>, user: CurrentUser) -> WebResult<Response> {
    let (view, missing) = match app::profile(&state.store, &user).await {
        Ok(p) => {
            let today = hoctap_store::today();
            let own = p.record.id;
            let titles = p
                .recognitions
                .iter()
                .map(|r| Title {
                    id: r.id,
                    title: r.title.clone(),
                    whose: if r.subject_kind == "citizen" && r.subject_id == own { "Của tôi" } else { "Của hộ gia đình" },
                    level: r.level.clone(),
                    valid: match r.valid_until {
                        Some(u) => format!("{} – {}", format_vn(r.valid_from), format_vn(u)),
                        None => format!("từ {}", format_vn(r.valid_from)),
                    },
                    status: r.status_on(today).label(),
                })
                .collect();
            let dossiers = p
                .dossiers
                .iter()
                .map(|d| DossierLine {
                    id: d.dossier.id,
                    campaign: d.campaign.clone(),
                    state: d.dossier.dossier.state.label(),
                    result: d
                        .dossier
                        .result
                        .as_ref()
                        .and_then(|r| r["summary"].as_str().map(str::to_string))
                        .unwrap_or_else(|| "Chưa tự chấm".into()),
                    reasons: d.reasons.clone(),
                })
                .collect();
            // The record kept by the learning centres (a citizen missing from the registry has none).
            let learning = hoctap_app::learning::my_record(&state.store, &user)
                .await
                .map(|r| {
                    r.years
                        .iter()
                        .map(|y| {
                            let t = &y.totals;
                            let mut s = format!("tham gia {} hoạt động, hoàn thành {}, {} giờ", t.attended, t.completed, t.hours);
                            if t.other_confirmed + t.other_declared > 0 {
                                s.push_str(&format!("; học tập khác: {} đã xác nhận, {} tự khai", t.other_confirmed, t.other_declared));
                            }
                            (t.year, s)
                        })
                        .collect()
                })
                .unwrap_or_default();
            (Some(ProfileView { fields: p.fields, household: p.household, titles, dossiers, learning }), String::new())
        }
        Err(e) => (None, missing_or(e)?),
    };
    render(&ProfilePage { chrome: Chrome::new("Thông tin của tôi", &user), name: user.user.full_name.clone(), view, missing })
}

struct RequestLine {
    id: i64,
    created: String,
    /// (field label, value then, value proposed)
    changes: Vec<(String, String, String)>,
    note: String,
    state: &'static str,
    answer: String,
}

fn label(column: &str) -> String {
    CITIZENS.fields.iter().find(|f| f.column == column).map_or_else(|| column.to_string(), |f| f.header.to_string())
}

fn day_of(ts: &str) -> String {
    ts.parse::<jiff::Timestamp>().map(|t| format_vn(t.to_zoned_datetime(hoctap_store::vn_tz()).date())).unwrap_or_default()
}

fn state_label(s: &str) -> &'static str {
    match s {
        "approved" => "Đã chấp nhận, sổ đã được sửa",
        "rejected" => "Không chấp nhận",
        _ => "Đang chờ xã, phường xem xét",
    }
}

fn lines(rows: &[hoctap_store::CorrectionRow]) -> Vec<RequestLine> {
    rows.iter()
        .map(|r| RequestLine {
            id: r.id,
            created: day_of(&r.created_at),
            changes: r
                .proposed
                .iter()
                .map(|(k, v)| {
                    let then = r.current.get(k).and_then(|x| x.as_str()).unwrap_or_default().to_string();
                    (label(k), then, v.as_str().unwrap_or_default().to_string())
                })
                .collect(),
            note: r.note.clone(),
            state: state_label(&r.state),
            answer: r.answer.clone(),
        })
        .collect()
}

#[derive(Template)]
#[template(path = "citizen/corrections.html")]
struct CorrectionsPage {
    chrome: Chrome,
    /// (column, label, value now, value typed)
    form: Vec<(&'static str, &'static str, String, String)>,
    note: String,
    requests: Vec<RequestLine>,
    missing: String,
    errors: Vec<FieldError>,
    done: Option<String>,
}

#[derive(Deserialize, Default)]
struct RequestForm {
    #[serde(default)]
    full_name: String,
    #[serde(default)]
    birth_date: String,
    #[serde(default)]
    household: String,
    #[serde(default)]
    note: String,
}

async fn corrections_view(
    state: &AppState,
    user: &CurrentUser,
    typed: &RequestForm,
    errors: Vec<FieldError>,
    done: Option<String>,
) -> WebResult<CorrectionsPage> {
    let requests = lines(&app::own_corrections(&state.store, user).await?);
    let (record, missing) = match app::own_record(&state.store, user).await {
        Ok(r) => (Some(r), String::new()),
        Err(e) => (None, missing_or(e)?),
    };
    let typed_of = |c: &str| match c {
        "full_name" => typed.full_name.clone(),
        "birth_date" => typed.birth_date.clone(),
        _ => typed.household.clone(),
    };
    let form = match &record {
        Some(r) => app::CORRECTABLE
            .iter()
            .map(|c| (*c, CITIZENS.fields.iter().find(|f| f.column == *c).map_or("", |f| f.header), app::shown(r, c), typed_of(c)))
            .collect(),
        None => Vec::new(),
    };
    Ok(CorrectionsPage {
        chrome: Chrome::new("Yêu cầu đính chính thông tin", user),
        form,
        note: typed.note.clone(),
        requests,
        missing,
        errors,
        done,
    })
}

async fn corrections(State(state): State<AppState>, user: CurrentUser, headers: HeaderMap) -> WebResult<Response> {
    page_with_flash(&headers, |done| async move { corrections_view(&state, &user, &RequestForm::default(), Vec::new(), done).await }).await
}

async fn request(State(state): State<AppState>, user: CurrentUser, CsrfForm(f): CsrfForm<RequestForm>) -> WebResult<Response> {
    let result = app::request_correction(
        &state.store,
        &user,
        &[("full_name", &f.full_name), ("birth_date", &f.birth_date), ("household", &f.household)],
        &f.note,
    )
    .await
    .map(|_| ("/cong-dan/dinh-chinh", "Đã gửi yêu cầu đính chính tới xã, phường"))
    .map_err(WebError::from);
    after_post(&state, result, |errors| corrections_view(&state, &user, &f, errors, None)).await
}

struct InboxLine {
    id: i64,
    name: String,
    created: String,
    changes: Vec<(String, String, String)>,
    note: String,
}

#[derive(Template)]
#[template(path = "citizen/inbox.html")]
struct InboxPage {
    chrome: Chrome,
    items: Vec<InboxLine>,
    errors: Vec<FieldError>,
    done: Option<String>,
}

async fn inbox_view(state: &AppState, user: &CurrentUser, errors: Vec<FieldError>, done: Option<String>) -> WebResult<InboxPage> {
    let rows = app::inbox(&state.store, user).await?;
    let items = rows
        .iter()
        .map(|(r, rec)| {
            let line = lines(std::slice::from_ref(r)).remove(0);
            InboxLine { id: r.id, name: app::shown(rec, "full_name"), created: line.created, changes: line.changes, note: line.note }
        })
        .collect();
    Ok(InboxPage { chrome: Chrome::new("Yêu cầu đính chính của công dân", user), items, errors, done })
}

async fn inbox(State(state): State<AppState>, user: CurrentUser, headers: HeaderMap) -> WebResult<Response> {
    page_with_flash(&headers, |done| async move { inbox_view(&state, &user, Vec::new(), done).await }).await
}

async fn approve(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<i64>,
    _: CsrfForm<hoctap_http::auth::NoFields>,
) -> WebResult<Response> {
    let result = app::approve(&state.store, &user, id)
        .await
        .map(|()| ("/yeu-cau-dinh-chinh", "Đã chấp nhận yêu cầu và sửa sổ công dân"))
        .map_err(WebError::from);
    after_post(&state, result, |errors| inbox_view(&state, &user, errors, None)).await
}

#[derive(Deserialize, Default)]
struct RejectForm {
    #[serde(default)]
    reason: String,
}

async fn reject(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<i64>,
    CsrfForm(f): CsrfForm<RejectForm>,
) -> WebResult<Response> {
    let result = app::reject(&state.store, &user, id, &f.reason)
        .await
        .map(|()| ("/yeu-cau-dinh-chinh", "Đã trả lời: không chấp nhận yêu cầu"))
        .map_err(WebError::from);
    after_post(&state, result, |errors| inbox_view(&state, &user, errors, None)).await
}

#[derive(Template)]
#[template(path = "citizen/code.html")]
struct CodePage {
    chrome: Chrome,
    cccd: String,
    slip: Option<app::Slip>,
    expires: String,
    public_url: String,
    errors: Vec<FieldError>,
}

async fn code_form(user: CurrentUser) -> WebResult<Response> {
    user.require(hoctap_domain::access::Action::ManageUsers)?;
    render(&CodePage {
        chrome: Chrome::new("Mã đăng nhập lần đầu cho công dân", &user),
        cccd: String::new(),
        slip: None,
        expires: String::new(),
        public_url: String::new(),
        errors: Vec::new(),
    })
}

#[derive(Deserialize, Default)]
struct CodeForm {
    #[serde(default)]
    cccd: String,
}

/// Issues the code and shows the slip once (never redirected: the code is in no URL or cookie).
async fn issue_code(State(state): State<AppState>, user: CurrentUser, CsrfForm(f): CsrfForm<CodeForm>) -> WebResult<Response> {
    let chrome = Chrome::new("Mã đăng nhập lần đầu cho công dân", &user);
    match app::issue_code(&state.store, &user, &f.cccd).await.map_err(WebError::from) {
        Ok(slip) => render(&CodePage {
            chrome,
            cccd: String::new(),
            expires: format_vn(slip.expires),
            slip: Some(slip),
            public_url: state.public_url.to_string(),
            errors: Vec::new(),
        }),
        Err(e @ (WebError::Forbidden | WebError::NotFound(_))) => Err(e),
        Err(e) => {
            let status: StatusCode = e.status();
            let errors = super::field_error(&e).map(|x| vec![x]).ok_or(e)?;
            let page = CodePage { chrome, cccd: f.cccd, slip: None, expires: String::new(), public_url: String::new(), errors };
            Ok((status, Html(page.render()?)).into_response())
        }
    }
}
