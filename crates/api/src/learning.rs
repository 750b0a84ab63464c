//! Learning centres' activities and citizens' learning records in the API (issue 16), over the
//! same use cases as the pages (`hoctap_app::learning`): the programme, sessions, learners, a
//! whole roll call in one request, records with other learning, the self-assessment pre-fill
//! and the year's report.

use super::{ApiResult, ApiUser, ok};
use super::{Body, Path, Query};
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use hoctap_app::learning::{self, ActivityInput, EnrolInput, OtherInput, SessionInput};
use hoctap_http::AppState;
use serde::Deserialize;
use serde_json::json;

pub fn routes() -> Routes {
    Routes::new()
        .route("/learning/topics", get(topics))
        .route("/learning/centres", get(centres))
        .route("/learning/centres/{id}/activities", get(programme).post(create_activity))
        .route("/learning/activities/{id}", get(activity).put(update_activity).delete(delete_activity))
        .route("/learning/activities/{id}/sessions", post(add_session))
        .route("/learning/activities/{id}/learners", post(enrol))
        .route("/learning/activities/{id}/learners/{enrolment}", hoctap_http::routes::delete(unenrol))
        .route("/learning/activities/{id}/attendance-import", post(attendance_import))
        .route("/learning/sessions/{id}", hoctap_http::routes::delete(delete_session))
        .route("/learning/sessions/{id}/attendance", put(roll_call))
        .route("/learning/citizens/{id}/record", get(citizen_record))
        .route("/learning/citizens/{id}/other", post(declare_for))
        .route("/learning/other/{id}/confirm", post(confirm))
        .route("/learning/me", get(me))
        .route("/learning/me/other", post(declare_own))
        .route("/learning/report", get(report))
}

use hoctap_http::routes::{Routes, get, post, put};

fn created(id: i64) -> ApiResult<Response> {
    Ok((StatusCode::CREATED, Json(json!({"id": id}))).into_response())
}

#[derive(Deserialize, Default)]
struct YearQuery {
    #[serde(default)]
    year: Option<i16>,
}

fn year_or_now(y: Option<i16>) -> i16 {
    y.unwrap_or_else(|| hoctap_store::today().year())
}

async fn topics(State(state): State<AppState>, ApiUser(_): ApiUser) -> ApiResult {
    ok(json!({"topics": state.store.learning_topics().await?}))
}

async fn centres(State(state): State<AppState>, ApiUser(u): ApiUser) -> ApiResult {
    u.require(hoctap_domain::access::Action::ReadLocal)?;
    ok(json!({"centres": learning::centres(&state.store, &u).await?}))
}

async fn programme(State(state): State<AppState>, ApiUser(u): ApiUser, Path(id): Path<i64>, Query(q): Query<YearQuery>) -> ApiResult {
    let (centre, activities) = learning::programme(&state.store, &u, id, year_or_now(q.year)).await?;
    ok(json!({"centre": centre, "activities": activities}))
}

async fn create_activity(
    State(state): State<AppState>,
    ApiUser(u): ApiUser,
    Path(id): Path<i64>,
    body: Body<ActivityInput>,
) -> ApiResult<Response> {
    // Role and scope before the body (403, 404, then 422).
    if !learning::manages(&u) {
        return Err(hoctap_http::error::WebError::Forbidden.into());
    }
    learning::centre_in_scope(&state.store, &u, id).await?;
    let b = body.value()?;
    created(learning::create_activity(&state.store, &u, id, &b).await?)
}

async fn activity(State(state): State<AppState>, ApiUser(u): ApiUser, Path(id): Path<i64>) -> ApiResult {
    ok(learning::activity_view(&state.store, &u, id).await?)
}

async fn writable(state: &AppState, u: &hoctap_app::CurrentUser, id: i64) -> Result<(), super::ApiError> {
    if !learning::manages(u) {
        return Err(hoctap_http::error::WebError::Forbidden.into());
    }
    learning::activity_in_scope(&state.store, u, id).await?;
    Ok(())
}

async fn update_activity(State(state): State<AppState>, ApiUser(u): ApiUser, Path(id): Path<i64>, body: Body<ActivityInput>) -> ApiResult {
    writable(&state, &u, id).await?;
    let b = body.value()?;
    learning::update_activity(&state.store, &u, id, &b).await?;
    ok(learning::activity_view(&state.store, &u, id).await?)
}

#[derive(Deserialize, Default)]
struct ConfirmQuery {
    #[serde(default)]
    confirm: Option<bool>,
}

fn confirmed(q: &ConfirmQuery) -> Result<(), super::ApiError> {
    if q.confirm == Some(true) { Ok(()) } else { Err(super::bad("confirm", "Xóa cần confirm=true")) }
}

async fn delete_activity(
    State(state): State<AppState>,
    ApiUser(u): ApiUser,
    Path(id): Path<i64>,
    Query(q): Query<ConfirmQuery>,
) -> ApiResult<Response> {
    writable(&state, &u, id).await?;
    confirmed(&q)?;
    learning::delete_activity(&state.store, &u, id).await?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

async fn add_session(
    State(state): State<AppState>,
    ApiUser(u): ApiUser,
    Path(id): Path<i64>,
    body: Body<SessionInput>,
) -> ApiResult<Response> {
    writable(&state, &u, id).await?;
    let b = body.value()?;
    created(learning::add_session(&state.store, &u, id, &b).await?)
}

async fn enrol(State(state): State<AppState>, ApiUser(u): ApiUser, Path(id): Path<i64>, body: Body<EnrolInput>) -> ApiResult<Response> {
    writable(&state, &u, id).await?;
    let b = body.value()?;
    created(learning::enrol(&state.store, &u, id, &b).await?)
}

/// Removes a learner never marked present from the class list (the page's "Xóa khỏi lớp").
async fn unenrol(
    State(state): State<AppState>,
    ApiUser(u): ApiUser,
    Path((id, enrolment)): Path<(i64, i64)>,
    Query(q): Query<ConfirmQuery>,
) -> ApiResult<Response> {
    writable(&state, &u, id).await?;
    confirmed(&q)?;
    learning::unenrol(&state.store, &u, id, enrolment).await?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

async fn delete_session(
    State(state): State<AppState>,
    ApiUser(u): ApiUser,
    Path(id): Path<i64>,
    Query(q): Query<ConfirmQuery>,
) -> ApiResult<Response> {
    learning::roll_view(&state.store, &u, id).await?;
    confirmed(&q)?;
    learning::delete_session(&state.store, &u, id).await?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

#[derive(Deserialize)]
struct RollBody {
    #[serde(default)]
    present: Vec<i64>,
}

async fn roll_call(State(state): State<AppState>, ApiUser(u): ApiUser, Path(id): Path<i64>, body: Body<RollBody>) -> ApiResult {
    learning::roll_view(&state.store, &u, id).await?;
    let b = body.value()?;
    let n = learning::roll_call(&state.store, &u, id, &b.present).await?;
    ok(json!({"present": n}))
}

async fn citizen_record(State(state): State<AppState>, ApiUser(u): ApiUser, Path(id): Path<i64>) -> ApiResult {
    ok(learning::citizen_record(&state.store, &u, id).await?)
}

async fn declare_for(
    State(state): State<AppState>,
    ApiUser(u): ApiUser,
    Path(id): Path<i64>,
    body: Body<OtherInput>,
) -> ApiResult<Response> {
    if !learning::manages(&u) {
        return Err(hoctap_http::error::WebError::Forbidden.into());
    }
    let c = state.store.learning_citizen(id).await?;
    u.require_sees(&state.store, c.1, "công dân").await?;
    let b = body.value()?;
    created(learning::declare_for(&state.store, &u, id, &b).await?)
}

async fn confirm(State(state): State<AppState>, ApiUser(u): ApiUser, Path(id): Path<i64>) -> ApiResult {
    let citizen = learning::confirm_other(&state.store, &u, id).await?;
    ok(json!({"citizen_id": citizen}))
}

#[derive(Deserialize, Default)]
struct MeQuery {
    #[serde(default)]
    year: Option<i16>,
    #[serde(default)]
    set: Option<String>,
}

/// The signed-in citizen's record and what it pre-fills in a criteria set's self-assessment.
async fn me(State(state): State<AppState>, ApiUser(u): ApiUser, Query(q): Query<MeQuery>) -> ApiResult {
    let record = learning::my_record(&state.store, &u).await?;
    let year = year_or_now(q.year);
    let set = q.set.unwrap_or_else(|| "cdht-congdan".into());
    let prefill = learning::my_prefill(&state.store, &u, &set, year).await?;
    ok(json!({"record": record, "prefill": {"set": set, "year": year, "indicators": prefill}}))
}

async fn declare_own(State(state): State<AppState>, ApiUser(u): ApiUser, body: Body<OtherInput>) -> ApiResult<Response> {
    learning::own_citizen(&state.store, &u).await?;
    let b = body.value()?;
    created(learning::declare_own(&state.store, &u, &b).await?)
}

#[derive(Deserialize, Default)]
struct ReportQuery {
    #[serde(default)]
    unit: Option<i64>,
    #[serde(default)]
    centre: Option<i64>,
    #[serde(default)]
    year: Option<i16>,
}

async fn report(State(state): State<AppState>, ApiUser(u): ApiUser, Query(q): Query<ReportQuery>) -> ApiResult {
    let unit = q.unit.unwrap_or(u.user.unit_id);
    ok(learning::year_report(&state.store, &u, unit, q.centre, year_or_now(q.year)).await?)
}

#[derive(Deserialize, Default)]
struct ImportQuery {
    #[serde(default)]
    dry_run: Option<bool>,
}

/// An attendance sheet (XLSX or CSV): checked (default) or written, all sessions or none.
async fn attendance_import(
    State(state): State<AppState>,
    ApiUser(u): ApiUser,
    Path(id): Path<i64>,
    Query(q): Query<ImportQuery>,
    body: Result<axum::body::Bytes, axum::extract::rejection::BytesRejection>,
) -> ApiResult<Response> {
    writable(&state, &u, id).await?;
    let body = body?;
    let report = learning::attendance_import(&state.store, &u, id, body.to_vec().into(), q.dry_run.unwrap_or(true)).await?;
    let status = if report.errors.is_empty() { StatusCode::OK } else { StatusCode::UNPROCESSABLE_ENTITY };
    Ok((status, Json(json!(report))).into_response())
}
