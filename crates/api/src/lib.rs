//! The JSON API under `/api/v1`: the same operations as the pages, the same role and scope
//! checks. Errors are `{"error": {"message": "...", "field": "..."}}` with a Vietnamese message.
//! Writes need the session's CSRF token in the `X-CSRF-Token` header.

use axum::Json;
use axum::extract::{FromRequestParts, State};
use axum::http::request::Parts;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use hoctap_app::units::{AsAt, as_at, validity_from_form};
use hoctap_domain::access::{Action, NewPassword};
use hoctap_domain::area::AreaAttribute;
use hoctap_domain::date::{format_vn, parse_date};
use hoctap_domain::hierarchy::{LineageKind, Reorganisation};
use hoctap_domain::unit::{UnitCode, UnitKind, UnitName};
use hoctap_http::AppState;
use hoctap_http::auth::{self, CurrentUser};
use hoctap_http::error::WebError;
use hoctap_http::routes::{Routes, get, post, put};
use hoctap_store::UnitRow;
use serde::Deserialize;
use serde_json::{Value, json};

pub use extract::{Body, Path, Query};
pub use hoctap_http::error::ApiError;

mod bulk;
mod citizen;
mod extract;
mod funds;
mod learning;
mod movements;
mod stats;
mod sync;
mod tasks;

pub fn routes() -> Routes {
    Routes::new()
        .route("/session", get(session).post(login).delete(logout))
        .route("/units", get(search_units))
        .route("/units/by-code/{code}", get(unit_by_code))
        .route("/units/{id}", get(unit).patch(correct_unit))
        .route("/units/{id}/children", get(children))
        .route("/units/{id}/lineage", get(lineage))
        .route("/units/{id}/rebase", put(set_rebase))
        .route("/units/{id}/attributes", get(attributes).post(set_attribute))
        .route("/units/{id}/villages", get(villages).post(create_village))
        .route("/tree", get(tree))
        .route("/villages/import", post(import_villages))
        .route("/villages/{id}", hoctap_http::routes::patch(update_village).delete(end_village))
        .route("/reorganisations", post(reorganise))
        .route("/lineage-links", post(add_link).delete(remove_link))
        .route("/users", get(users).post(create_user))
        .route("/users/{id}/password-reset", post(reset_password))
        .route("/me/password", post(change_password))
        .route("/audit", get(audit))
        .merge(criteria_routes())
        .merge(registry_routes())
        .merge(workflow_routes())
        .merge(bulk::routes())
        .merge(funds::routes())
        .merge(movements::routes())
        .merge(stats::routes())
        .merge(tasks::routes())
        .merge(sync::routes())
        .merge(learning::routes())
        .merge(citizen::routes())
        .route("/credentials/verify", post(credential_verify))
}

pub async fn openapi() -> impl IntoResponse {
    ([(header::CONTENT_TYPE, "application/json")], include_str!("openapi.json"))
}

type ApiResult<T = Json<Value>> = Result<T, ApiError>;

/// The logged-in user, for the API (401 JSON when absent).
pub struct ApiUser(pub CurrentUser);

impl FromRequestParts<AppState> for ApiUser {
    type Rejection = ApiError;
    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        let user = auth::request_user(state, parts).await?.ok_or(WebError::Unauthenticated)?;
        // Writes carry the CSRF token in a header a cross-site form cannot set.
        if !parts.method.is_safe() {
            let token = parts.headers.get("x-csrf-token").and_then(|v| v.to_str().ok()).unwrap_or("");
            user.check_csrf(token)?;
        }
        Ok(ApiUser(user))
    }
}

fn ok(v: impl serde::Serialize) -> ApiResult {
    Ok(Json(serde_json::to_value(v).map_err(WebError::internal)?))
}

fn bad(field: &str, e: impl std::fmt::Display) -> ApiError {
    ApiError(WebError::invalid(field, hoctap_app::capitalise(&e.to_string())))
}

#[derive(Deserialize)]
struct LoginBody {
    username: String,
    password: String,
}

async fn login(State(state): State<AppState>, addr: hoctap_http::ClientAddr, body: Body<LoginBody>) -> ApiResult<Response> {
    let b = body.value()?;
    let user = hoctap_app::login::authenticate(&state.store, addr.0, &b.username, &b.password).await?;
    let (cookie, csrf) = auth::start_session(&state, user.id).await?;
    Ok(([(header::SET_COOKIE, cookie)], Json(json!({"user": user, "csrf_token": csrf}))).into_response())
}

async fn session(ApiUser(u): ApiUser) -> ApiResult {
    ok(json!({"user": u.user, "csrf_token": u.csrf}))
}

async fn logout(State(state): State<AppState>, ApiUser(u): ApiUser) -> ApiResult<Response> {
    hoctap_app::login::logout(&state.store, &u).await?;
    Ok(([(header::SET_COOKIE, auth::set_cookie(auth::SESSION_COOKIE, "", 0, state.secure_cookies))], StatusCode::NO_CONTENT)
        .into_response())
}

fn date_of(q: &AsAt) -> Result<jiff::civil::Date, ApiError> {
    match as_at(q) {
        (_, Some(e)) => Err(bad("ngay", e)),
        (d, None) => Ok(d),
    }
}

#[derive(Deserialize, Default)]
struct SearchQuery {
    #[serde(default)]
    q: String,
    #[serde(default)]
    ngay: Option<String>,
    #[serde(default)]
    within: Option<i64>,
    #[serde(default)]
    limit: Option<i64>,
}

async fn search_units(State(state): State<AppState>, ApiUser(_u): ApiUser, Query(q): Query<SearchQuery>) -> ApiResult {
    let on = date_of(&AsAt { ngay: q.ngay.clone(), ..Default::default() })?;
    let found = state.store.search_units(&q.q, on, q.within, q.limit.unwrap_or(20)).await?;
    ok(found.into_iter().map(|(u, path)| json!({"unit": u, "path": path})).collect::<Vec<_>>())
}

/// A unit the user may read: reference units for everyone, villages only in scope.
async fn readable(state: &AppState, u: &CurrentUser, id: i64) -> Result<UnitRow, ApiError> {
    let unit = state.store.unit(id).await?;
    if unit.kind == UnitKind::Village {
        u.require_sees(&state.store, id, "đơn vị").await?;
    }
    Ok(unit)
}

async fn unit_json(state: &AppState, u: &CurrentUser, unit: UnitRow, on: jiff::civil::Date) -> ApiResult {
    let ancestors = state.store.ancestors(unit.id, on).await?;
    let attributes = state.store.attributes_on(unit.id, on).await?;
    let _ = u;
    ok(json!({"unit": unit, "as_at": on, "ancestors": ancestors, "attributes": attributes}))
}

async fn unit(State(state): State<AppState>, ApiUser(u): ApiUser, Path(id): Path<i64>, Query(q): Query<AsAt>) -> ApiResult {
    let on = date_of(&q)?;
    let unit = readable(&state, &u, id).await?;
    unit_json(&state, &u, unit, on).await
}

async fn unit_by_code(State(state): State<AppState>, ApiUser(u): ApiUser, Path(code): Path<String>, Query(q): Query<AsAt>) -> ApiResult {
    let on = date_of(&q)?;
    let code = UnitCode::parse(&code).map_err(|e| bad("code", e))?;
    let found = state.store.unit_by_code(code.as_str(), on).await?;
    let unit = readable(&state, &u, found.id).await?;
    unit_json(&state, &u, unit, on).await
}

async fn children(State(state): State<AppState>, ApiUser(u): ApiUser, Path(id): Path<i64>, Query(q): Query<AsAt>) -> ApiResult {
    let on = date_of(&q)?;
    readable(&state, &u, id).await?;
    let mut list = state.store.children(id, on).await?;
    if !u.sees(&state.store, id).await? {
        list.retain(|c| c.kind != UnitKind::Village);
    }
    ok(list)
}

#[derive(Deserialize, Default)]
struct TreeQuery {
    #[serde(default)]
    ngay: Option<String>,
    #[serde(default)]
    root: Option<i64>,
}

async fn tree(State(state): State<AppState>, ApiUser(_u): ApiUser, Query(q): Query<TreeQuery>) -> ApiResult {
    let on = date_of(&AsAt { ngay: q.ngay.clone(), ..Default::default() })?;
    if let Some(r) = q.root {
        state.store.unit(r).await?;
    }
    let nodes = state.store.tree(on, q.root, false).await?;
    ok(json!({"as_at": on, "count": nodes.len(), "units": nodes}))
}

async fn lineage(State(state): State<AppState>, ApiUser(u): ApiUser, Path(id): Path<i64>, Query(q): Query<AsAt>) -> ApiResult {
    let on = date_of(&q)?;
    let unit = readable(&state, &u, id).await?;
    let events = state.store.lineage(id).await?;
    // Same-kind successors mirror the predecessors; an abolished district's communes are its
    // `territory_to`, mirrored by a commune's `territory_from`.
    let (successors, mut territory_to): (Vec<_>, Vec<_>) =
        state.store.successors_on(id, on).await?.into_iter().partition(|s| s.kind == unit.kind);
    let predecessors = state.store.predecessors(id).await?;
    let mut territory_from = state.store.territory_from(id).await?;
    // A unit that continues but gave part of its territory (nhập một phần) is neither a
    // predecessor nor a successor: its parts are territory_to, mirrored by territory_from.
    territory_from.extend(state.store.partial_donors(id).await?);
    // How the unit's figures re-base (a partially merged commune's go whole to one part).
    let rebase = state.store.rebase_info(id).await?;
    if unit.valid_on(hoctap_store::today()) {
        territory_to.extend(rebase.parts.iter().filter(|p| p.partial).map(|p| p.unit.clone()));
    }
    ok(json!({
        "unit": unit, "as_at": on, "continues": unit.valid_on(on), "events": events,
        "successors": successors, "predecessors": predecessors, "territory_to": territory_to, "territory_from": territory_from,
        "rebase": rebase,
    }))
}

#[derive(Deserialize)]
struct RebaseBody {
    /// The part that carries the unit's figures; null restores the rule (the seat's successor).
    current_id: Option<i64>,
    #[serde(default)]
    reason: String,
}

/// An administrator names which part of a partially merged unit carries its figures.
async fn set_rebase(
    State(state): State<AppState>,
    ApiUser(u): ApiUser,
    Path(id): Path<i64>,
    body: Result<Json<RebaseBody>, axum::extract::rejection::JsonRejection>,
) -> ApiResult {
    u.require(Action::Reorganise)?;
    let Json(b) = body.map_err(|e| bad("body", e.body_text()))?;
    state.store.set_rebase_override(&u.actor(), id, b.current_id, &b.reason).await?;
    ok(state.store.rebase_info(id).await?)
}

async fn attributes(State(state): State<AppState>, ApiUser(u): ApiUser, Path(id): Path<i64>) -> ApiResult {
    readable(&state, &u, id).await?;
    ok(state.store.attributes(id).await?)
}

#[derive(Deserialize)]
struct AttributeBody {
    attribute: String,
    from: String,
    #[serde(default)]
    to: String,
    #[serde(default)]
    legal_act: String,
}

async fn set_attribute(
    State(state): State<AppState>,
    ApiUser(u): ApiUser,
    Path(id): Path<i64>,
    body: Body<AttributeBody>,
) -> ApiResult<Response> {
    u.require(Action::EditUnits)?;
    u.require_sees(&state.store, id, "đơn vị").await?;
    let b = body.value()?;
    let attr = AreaAttribute::parse(&b.attribute)
        .ok_or_else(|| bad("attribute", "thuộc tính không hợp lệ: mien_nui, dac_biet_kho_khan hoặc dan_toc_thieu_so"))?;
    let validity = validity_from_form(&b.from, &b.to)?;
    let aid = state.store.set_attribute(&u.actor(), id, attr, validity, &b.legal_act).await?;
    Ok((StatusCode::CREATED, Json(json!({"id": aid}))).into_response())
}

async fn villages(State(state): State<AppState>, ApiUser(u): ApiUser, Path(id): Path<i64>, Query(q): Query<AsAt>) -> ApiResult {
    let on = date_of(&q)?;
    u.require_sees(&state.store, id, "đơn vị").await?;
    ok(state.store.villages(id, on).await?)
}

#[derive(Deserialize)]
struct VillageBody {
    name: String,
    unit_type: String,
}

async fn create_village(
    State(state): State<AppState>,
    ApiUser(u): ApiUser,
    Path(id): Path<i64>,
    body: Body<VillageBody>,
) -> ApiResult<Response> {
    u.require(Action::EditUnits)?;
    u.require_sees(&state.store, id, "đơn vị").await?;
    let b = body.value()?;
    let v = state.store.create_village(&u.actor(), id, &b.name, &b.unit_type, hoctap_store::today()).await?;
    Ok((StatusCode::CREATED, Json(json!(v))).into_response())
}

async fn update_village(State(state): State<AppState>, ApiUser(u): ApiUser, Path(id): Path<i64>, body: Body<VillageBody>) -> ApiResult {
    u.require(Action::EditUnits)?;
    u.require_sees(&state.store, id, "đơn vị").await?;
    let b = body.value()?;
    ok(state.store.update_village(&u.actor(), id, &b.name, &b.unit_type, hoctap_store::today()).await?)
}

async fn end_village(
    State(state): State<AppState>,
    ApiUser(u): ApiUser,
    Path(id): Path<i64>,
    Query(q): Query<AsAt>,
) -> ApiResult<Response> {
    u.require(Action::EditUnits)?;
    u.require_sees(&state.store, id, "đơn vị").await?;
    let on = date_of(&q)?;
    state.store.end_village(&u.actor(), id, on).await?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

#[derive(Deserialize, Default)]
struct ImportQuery {
    #[serde(default)]
    dry_run: Option<bool>,
}

/// Body: the CSV or XLSX file itself.
async fn import_villages(
    State(state): State<AppState>,
    ApiUser(u): ApiUser,
    Query(q): Query<ImportQuery>,
    body: Result<axum::body::Bytes, axum::extract::rejection::BytesRejection>,
) -> ApiResult<Response> {
    u.require(Action::EditUnits)?;
    let body = body?;
    let rows = hoctap_app::units::village_rows(body.to_vec().into()).await?;
    if rows.is_empty() {
        return Err(bad("file", "tệp không có dòng dữ liệu nào"));
    }
    let dry_run = q.dry_run.unwrap_or(true);
    let preview = state.store.import_villages(&u.actor(), &rows, u.scope(), hoctap_store::today(), dry_run).await?;
    let status = if preview.rejected > 0 { StatusCode::UNPROCESSABLE_ENTITY } else { StatusCode::OK };
    Ok((status, Json(json!(preview))).into_response())
}

#[derive(Deserialize)]
struct ReorgBody {
    operation: Reorganisation,
    effective_on: String,
    legal_act: String,
    #[serde(default)]
    dry_run: bool,
}

async fn reorganise(State(state): State<AppState>, ApiUser(u): ApiUser, body: Body<ReorgBody>) -> ApiResult {
    u.require(Action::Reorganise)?;
    let b = body.value()?;
    let on = parse_date(&b.effective_on).map_err(|e| bad("effective_on", e))?;
    let plan = state.store.plan_reorganisation(&b.operation, on, &b.legal_act).await?;
    if b.dry_run {
        return ok(json!({"plan": plan, "applied": false}));
    }
    let new_ids = state.store.reorganise(&u.actor(), &b.operation, on, &b.legal_act).await?;
    ok(json!({"plan": plan, "applied": true, "new_unit_ids": new_ids}))
}

#[derive(Deserialize)]
struct CorrectBody {
    #[serde(default)]
    name: Option<String>,
    #[serde(default)]
    valid_from: Option<String>,
    #[serde(default)]
    valid_to_last_day: Option<String>,
    #[serde(default)]
    note: String,
}

async fn correct_unit(State(state): State<AppState>, ApiUser(u): ApiUser, Path(id): Path<i64>, body: Body<CorrectBody>) -> ApiResult {
    u.require(Action::Reorganise)?;
    let b = body.value()?;
    let cur = state.store.unit(id).await?;
    let name = b.name.as_deref().map(UnitName::parse).transpose().map_err(|e| bad("name", e))?;
    let from = b
        .valid_from
        .as_deref()
        .map(|s| format_vn(parse_date(s).unwrap_or(cur.validity.from)))
        .unwrap_or_else(|| format_vn(cur.validity.from));
    if let Some(s) = &b.valid_from {
        parse_date(s).map_err(|e| bad("valid_from", e))?;
    }
    let validity = validity_from_form(&from, b.valid_to_last_day.as_deref().unwrap_or(""))?;
    ok(state.store.correct_unit(&u.actor(), id, name, Some(validity), &b.note).await?)
}

#[derive(Deserialize)]
struct LinkBody {
    predecessor_id: i64,
    successor_id: i64,
    kind: String,
    effective_on: String,
    legal_act: String,
}

async fn add_link(State(state): State<AppState>, ApiUser(u): ApiUser, body: Body<LinkBody>) -> ApiResult<Response> {
    u.require(Action::Reorganise)?;
    let b = body.value()?;
    let kind = LineageKind::parse(&b.kind).ok_or_else(|| bad("kind", "loại sự kiện không hợp lệ"))?;
    let on = parse_date(&b.effective_on).map_err(|e| bad("effective_on", e))?;
    let id = state.store.add_lineage_link(&u.actor(), b.predecessor_id, b.successor_id, kind, on, &b.legal_act).await?;
    Ok((StatusCode::CREATED, Json(json!({"event_id": id}))).into_response())
}

#[derive(Deserialize)]
struct RemoveLinkBody {
    event_id: i64,
    predecessor_id: i64,
    successor_id: i64,
}

async fn remove_link(State(state): State<AppState>, ApiUser(u): ApiUser, body: Body<RemoveLinkBody>) -> ApiResult<Response> {
    u.require(Action::Reorganise)?;
    let b = body.value()?;
    state.store.remove_lineage_link(&u.actor(), b.event_id, b.predecessor_id, b.successor_id).await?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

async fn users(State(state): State<AppState>, ApiUser(u): ApiUser) -> ApiResult {
    ok(hoctap_app::users::list(&state.store, &u).await?)
}

async fn create_user(State(state): State<AppState>, ApiUser(u): ApiUser, body: Body<hoctap_app::users::UserForm>) -> ApiResult<Response> {
    let f = body.value()?;
    let id = hoctap_app::users::create_user(&state.store, &u, &f).await?;
    Ok((StatusCode::CREATED, Json(json!(state.store.user(id).await?))).into_response())
}

#[derive(Deserialize)]
struct PasswordBody {
    #[serde(default)]
    current: String,
    new_password: String,
}

async fn reset_password(
    State(state): State<AppState>,
    ApiUser(u): ApiUser,
    Path(id): Path<i64>,
    body: Body<PasswordBody>,
) -> ApiResult<Response> {
    let target = hoctap_app::users::reset_target(&state.store, &u, id).await?;
    let b = body.value()?;
    let p = NewPassword::parse(&b.new_password).map_err(|e| bad("new_password", e))?;
    hoctap_app::users::reset_password(&state.store, &u, &target, &p).await?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

async fn change_password(State(state): State<AppState>, ApiUser(u): ApiUser, body: Body<PasswordBody>) -> ApiResult<Response> {
    let b = body.value()?;
    if !hoctap_app::users::is_current_password(&u, &b.current).await? {
        return Err(bad("current", "mật khẩu hiện tại không đúng"));
    }
    let p = NewPassword::parse(&b.new_password).map_err(|e| bad("new_password", e))?;
    hoctap_app::users::change_password(&state.store, &u, &p).await?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

async fn audit(State(state): State<AppState>, ApiUser(u): ApiUser, Query(q): Query<hoctap_app::audit::AuditQuery>) -> ApiResult {
    ok(hoctap_app::audit::search(&state.store, &u, &q).await?)
}

// ---- Criteria sets ----

pub fn criteria_routes() -> Routes {
    Routes::new()
        .route("/criteria-sets", get(criteria_list).post(criteria_import))
        .route("/criteria-sets/applicable", get(criteria_applicable))
        .route("/criteria-sets/{id}", get(criteria_show))
        .route("/criteria-sets/{id}/evaluate", post(criteria_evaluate))
        .route("/criteria-sets/{id}/corrections", post(criteria_correct))
}

async fn criteria_list(State(state): State<AppState>, ApiUser(_u): ApiUser) -> ApiResult {
    let sets = state.store.criteria_sets().await?;
    ok(sets
        .iter()
        .map(|s| {
            json!({
                "id": s.set.id, "version": s.set.version, "title": s.set.title, "subject": s.set.subject,
                "method": s.set.method, "legal_basis": s.set.legal_basis, "confidence": s.set.confidence,
                "unverified_items": hoctap_app::criteria::unverified_count(&s.set), "source": s.source,
            })
        })
        .collect::<Vec<_>>())
}

#[derive(Deserialize, Default)]
struct VersionQuery {
    #[serde(default)]
    version: Option<String>,
}

async fn criteria_show(
    State(state): State<AppState>,
    ApiUser(_u): ApiUser,
    Path(id): Path<String>,
    Query(q): Query<VersionQuery>,
) -> ApiResult {
    ok(state.store.criteria_set(&id, q.version.as_deref()).await?.set)
}

#[derive(Deserialize)]
struct ApplicableQuery {
    subject: String,
    #[serde(default)]
    ngay: Option<String>,
    #[serde(default)]
    province: Option<String>,
    #[serde(default)]
    managed_by: Option<String>,
}

async fn criteria_applicable(State(state): State<AppState>, ApiUser(_u): ApiUser, Query(q): Query<ApplicableQuery>) -> ApiResult {
    use hoctap_domain::criteria::{ManagingLevel, Selection, SubjectKind, select_applicable};
    let on = date_of(&AsAt { ngay: q.ngay.clone(), ..Default::default() })?;
    let subject = SubjectKind::parse(&q.subject).ok_or_else(|| {
        bad("subject", "đối tượng không hợp lệ: household, clan, village, organisation, citizen, commune, district, province")
    })?;
    let sets: Vec<_> = state.store.criteria_sets().await?.into_iter().map(|s| s.set).collect();
    let mut sel = Selection::new(subject, on);
    if let Some(p) = &q.province {
        sel = sel.province(p);
    }
    if let Some(m) = &q.managed_by {
        sel = sel.managed_by(ManagingLevel::parse(m).ok_or_else(|| bad("managed_by", "cấp quản lý: commune, district, province"))?);
    }
    let set = select_applicable(&sets, &sel).map_err(|e| bad("subject", e))?;
    ok(set)
}

#[derive(Deserialize)]
struct EvaluateQuery {
    #[serde(default)]
    version: Option<String>,
    #[serde(default)]
    on: Option<String>,
}

/// Body: `{"answers": {...}, "data": {...}, "area": [...], "tags": [...], "previous": [...]}`.
async fn criteria_evaluate(
    State(state): State<AppState>,
    ApiUser(_u): ApiUser,
    Path(id): Path<String>,
    Query(q): Query<EvaluateQuery>,
    body: Body<Value>,
) -> ApiResult<Response> {
    use hoctap_domain::criteria::{Answers, EvalError};
    let v = body.value()?;
    let set = state.store.criteria_set(&id, q.version.as_deref()).await?.set;
    let on = match q.on.as_deref() {
        Some(s) => parse_date(s).map_err(|e| bad("on", e))?,
        None => hoctap_store::today(),
    };
    let errors_json = |list: Vec<hoctap_domain::criteria::AnswerError>| {
        let first = list.first().map(|e| e.to_string()).unwrap_or_default();
        (
            StatusCode::UNPROCESSABLE_ENTITY,
            Json(json!({"error": {"message": hoctap_app::capitalise(&first), "field": "answers", "details": list}})),
        )
            .into_response()
    };
    let answers = match Answers::from_json_value(&v) {
        Ok(a) => a,
        Err(list) => return Ok(errors_json(list)),
    };
    match set.evaluate(&answers, on) {
        Ok(r) => Ok(Json(json!(r)).into_response()),
        Err(EvalError::Answers(list)) => Ok(errors_json(list)),
        Err(e) => Err(bad("on", e)),
    }
}

/// Body: a workbook (`.xlsx`) or a TOML file. `?dry_run=true` only validates.
async fn criteria_import(
    State(state): State<AppState>,
    ApiUser(u): ApiUser,
    Query(q): Query<ImportQuery>,
    body: Result<axum::body::Bytes, axum::extract::rejection::BytesRejection>,
) -> ApiResult<Response> {
    u.require(Action::Reorganise)?;
    let body = body?;
    let set = hoctap_app::criteria::set_from_upload(body.to_vec()).await?;
    if q.dry_run.unwrap_or(false) {
        return Ok(Json(json!({"id": set.id, "version": set.version, "valid": true, "applied": false})).into_response());
    }
    let outcome = state.store.save_criteria_set(&u.actor(), &set, "imported").await?;
    Ok((StatusCode::CREATED, Json(json!({"id": set.id, "version": set.version, "outcome": outcome, "applied": true}))).into_response())
}

async fn criteria_correct(
    State(state): State<AppState>,
    ApiUser(u): ApiUser,
    Path(id): Path<String>,
    body: Body<hoctap_app::criteria::Correction>,
) -> ApiResult<Response> {
    u.require(Action::Reorganise)?;
    let c = body.value()?;
    let set = state.store.criteria_set(&id, None).await?.set;
    let corrected = hoctap_app::criteria::apply_correction(set, &c)?;
    state.store.save_criteria_set(&u.actor(), &corrected, "corrected").await?;
    Ok((StatusCode::CREATED, Json(json!(corrected))).into_response())
}

// ---- Registries ----

pub fn registry_routes() -> Routes {
    Routes::new()
        .route("/registries", get(registries_index))
        .route("/registries/{slug}", get(registry_list).post(registry_create))
        .route("/registries/{slug}/import", post(registry_import))
        .route("/registries/{slug}/export.csv", get(registry_export_csv))
        .route("/registries/{slug}/export.xlsx", get(registry_export_xlsx))
        .route("/registries/{slug}/{id}", get(registry_show).patch(registry_update).delete(registry_end))
}

fn field_type_name(t: hoctap_domain::registry::def::FieldType) -> &'static str {
    use hoctap_domain::registry::def::FieldType as T;
    match t {
        T::Text { .. } => "text",
        T::Name => "name",
        T::Code => "code",
        T::Date => "date",
        T::Int { .. } => "integer",
        T::Money => "money",
        T::Bool => "boolean",
        T::Cccd => "cccd",
        T::Sex => "sex",
        T::Coded(_) => "coded",
        T::Ethnicity => "ethnicity",
        T::Unit(_) => "unit_code",
        T::AnyUnit => "unit_code",
        T::Ref(_) => "reference",
    }
}

async fn registries_index(ApiUser(u): ApiUser) -> ApiResult {
    u.require(Action::ReadLocal)?;
    ok(hoctap_domain::registry::def::REGISTRIES
        .iter()
        .map(|r| {
            json!({
                "slug": r.slug, "title": r.title, "key": r.key, "append_only": r.append_only,
                "fields": r.fields.iter().map(|f| json!({
                    "column": f.column, "header": f.header, "type": field_type_name(f.ty), "required": f.required,
                    "personal": f.personal, "choices": f.ty.choices().map(|c| c.iter().map(|(code, label)| json!({"code": code, "label": label})).collect::<Vec<_>>()),
                })).collect::<Vec<_>>(),
            })
        })
        .collect::<Vec<_>>())
}

fn record_json(u: &CurrentUser, reg: &hoctap_domain::registry::def::Registry, r: &hoctap_store::RegistryRecord) -> Value {
    let values: serde_json::Map<String, Value> = reg
        .fields
        .iter()
        .filter_map(|f| {
            r.values
                .get(f.column)
                .map(|_| (f.column.to_string(), Value::String(hoctap_app::registries::shown(u, f, r.values.get(f.column)))))
        })
        .collect();
    json!({"id": r.id, "unit_id": r.unit_id, "values": values, "valid_from": r.validity.from, "valid_to": r.validity.to})
}

async fn registry_list(
    State(state): State<AppState>,
    ApiUser(u): ApiUser,
    Path(slug): Path<String>,
    Query(q): Query<hoctap_app::registries::ListQuery>,
) -> ApiResult {
    let reg = hoctap_app::registries::registry_of(&slug)?;
    let records = hoctap_app::registries::query_records(&state.store, &u, reg, &q, 100).await?;
    let next = hoctap_app::registries::cursor(reg, &q, &records, 100).map(|after| json!({"sau": after}));
    ok(json!({"records": records.iter().map(|r| record_json(&u, reg, r)).collect::<Vec<_>>(), "next": next}))
}

async fn registry_show(State(state): State<AppState>, ApiUser(u): ApiUser, Path((slug, id)): Path<(String, i64)>) -> ApiResult {
    u.require(Action::ReadLocal)?;
    let reg = hoctap_app::registries::registry_of(&slug)?;
    let r = state.store.registry_get(reg, id).await?;
    u.require_sees(&state.store, r.unit_id, "bản ghi").await?;
    let history = if u.user.role.sees_personal_data() { json!(state.store.registry_history(reg, id).await?) } else { Value::Null };
    ok(json!({"record": record_json(&u, reg, &r), "history": history}))
}

/// Body: `{"column": "value as typed", ...}`: the same parsing as forms and spreadsheets.
fn values_of_body(reg: &hoctap_domain::registry::def::Registry, body: &Value) -> Result<hoctap_domain::registry::def::Values, ApiError> {
    let obj = body.as_object().ok_or_else(|| bad("body", "cần một đối tượng JSON {\"cột\": \"giá trị\"}"))?;
    if let Some(k) = obj.keys().find(|k| reg.field(k).is_none()) {
        return Err(bad(k, format!("sổ {} không có cột \"{k}\"", reg.title)));
    }
    let form: std::collections::BTreeMap<String, String> = obj
        .iter()
        .map(|(k, v)| {
            (
                k.clone(),
                match v {
                    Value::String(s) => s.clone(),
                    Value::Null => String::new(),
                    other => other.to_string(),
                },
            )
        })
        .collect();
    hoctap_app::registries::values_from_form(reg, &form).map_err(|errs| {
        let first = errs.into_iter().next().map(|e| (e.field, e.message)).unwrap_or_default();
        ApiError(WebError::Invalid { field: first.0, message: first.1 })
    })
}

async fn registry_create(
    State(state): State<AppState>,
    ApiUser(u): ApiUser,
    Path(slug): Path<String>,
    body: Body<Value>,
) -> ApiResult<Response> {
    let reg = hoctap_app::registries::registry_of(&slug)?;
    u.require(hoctap_app::registries::write_action(reg))?;
    let b = body.value()?;
    let values = values_of_body(reg, &b)?;
    let r = state.store.registry_create(&u.actor(), reg, values, u.scope(), hoctap_store::today()).await?;
    Ok((StatusCode::CREATED, Json(record_json(&u, reg, &r))).into_response())
}

async fn registry_update(
    State(state): State<AppState>,
    ApiUser(u): ApiUser,
    Path((slug, id)): Path<(String, i64)>,
    body: Body<Value>,
) -> ApiResult {
    let reg = hoctap_app::registries::registry_of(&slug)?;
    u.require(hoctap_app::registries::write_action(reg))?;
    let before = state.store.registry_get(reg, id).await?;
    u.require_sees(&state.store, before.unit_id, "bản ghi").await?;
    let b = body.value()?;
    // PATCH: fields absent from the body keep their stored value.
    let mut merged = before.values.clone();
    let given = values_of_body_partial(reg, &b)?;
    for (k, v) in given {
        match v {
            Some(v) => {
                merged.insert(k, v);
            }
            None => {
                merged.remove(k);
            }
        }
    }
    let r = state.store.registry_update(&u.actor(), reg, id, merged, u.scope(), hoctap_store::today()).await?;
    ok(record_json(&u, reg, &r))
}

/// Parses only the columns present; `null` or "" clears a column.
fn values_of_body_partial(
    reg: &hoctap_domain::registry::def::Registry,
    body: &Value,
) -> Result<Vec<(&'static str, Option<hoctap_domain::registry::def::Value>)>, ApiError> {
    let obj = body.as_object().ok_or_else(|| bad("body", "cần một đối tượng JSON {\"cột\": \"giá trị\"}"))?;
    let mut out = Vec::new();
    for (k, v) in obj {
        let f = reg.field(k).ok_or_else(|| bad(k, format!("sổ {} không có cột \"{k}\"", reg.title)))?;
        let raw = match v {
            Value::String(s) => s.clone(),
            Value::Null => String::new(),
            other => other.to_string(),
        };
        let parsed = hoctap_domain::registry::def::parse_typed_value(f, &raw).map_err(|e| bad(f.column, format!("{}: {}", f.header, e)))?;
        out.push((f.column, parsed));
    }
    Ok(out)
}

async fn registry_end(
    State(state): State<AppState>,
    ApiUser(u): ApiUser,
    Path((slug, id)): Path<(String, i64)>,
    Query(q): Query<AsAt>,
) -> ApiResult<Response> {
    let reg = hoctap_app::registries::registry_of(&slug)?;
    u.require(hoctap_app::registries::write_action(reg))?;
    let before = state.store.registry_get(reg, id).await?;
    u.require_sees(&state.store, before.unit_id, "bản ghi").await?;
    let on = date_of(&q)?;
    state.store.registry_end(&u.actor(), reg, id, on).await?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

/// Body: the CSV or XLSX file. `?dry_run=false` writes (default: check only).
async fn registry_import(
    State(state): State<AppState>,
    ApiUser(u): ApiUser,
    Path(slug): Path<String>,
    Query(q): Query<ImportQuery>,
    body: Result<axum::body::Bytes, axum::extract::rejection::BytesRejection>,
) -> ApiResult<Response> {
    let reg = hoctap_app::registries::registry_of(&slug)?;
    u.require(hoctap_app::registries::write_action(reg))?;
    let body = body?;
    let opts = hoctap_store::ImportOptions { scope: u.scope(), on: hoctap_store::today(), dry_run: q.dry_run.unwrap_or(true) };
    let report = hoctap_app::upload::registry_import(&state.store, &u.actor(), reg, body.to_vec().into(), opts, None).await?;
    let status = if report.rejected > 0 { StatusCode::UNPROCESSABLE_ENTITY } else { StatusCode::OK };
    Ok((status, Json(json!(report))).into_response())
}

async fn registry_export_csv(State(state): State<AppState>, ApiUser(u): ApiUser, Path(slug): Path<String>) -> ApiResult<Response> {
    let reg = hoctap_app::registries::registry_of(&slug)?;
    let file = hoctap_app::registries::export_file(&state.store, &u, reg, hoctap_app::registries::ExportFormat::Csv).await?;
    let name = hoctap_docs::registry_xlsx::file_name(reg, &u.user.unit_code, "csv");
    Ok(hoctap_http::files::download_file(file, "text/csv; charset=utf-8", &name))
}

async fn registry_export_xlsx(State(state): State<AppState>, ApiUser(u): ApiUser, Path(slug): Path<String>) -> ApiResult<Response> {
    let reg = hoctap_app::registries::registry_of(&slug)?;
    let file = hoctap_app::registries::export_file(&state.store, &u, reg, hoctap_app::registries::ExportFormat::Xlsx).await?;
    let name = hoctap_docs::registry_xlsx::file_name(reg, &u.user.unit_code, "xlsx");
    Ok(hoctap_http::files::download_file(file, hoctap_http::files::XLSX, &name))
}

// ---- Campaigns and dossiers ----

pub fn workflow_routes() -> Routes {
    Routes::new()
        .route("/campaigns", get(campaigns_list).post(campaign_open))
        .route("/campaigns/{id}", get(campaign_show))
        .route("/campaigns/{id}/assessments", post(assessment_create))
        .route("/assessments/{id}", get(assessment_show))
        .route("/assessments/{id}/answers", hoctap_http::routes::put(assessment_answers))
        .route("/assessments/{id}/transitions", post(assessment_transition))
}

async fn campaigns_list(State(state): State<AppState>, ApiUser(u): ApiUser) -> ApiResult {
    u.require(Action::ReadLocal)?;
    ok(state.store.campaigns(u.scope().map(|_| u.user.unit_id), hoctap_store::today()).await?)
}

async fn campaign_open(
    State(state): State<AppState>,
    ApiUser(u): ApiUser,
    body: Body<hoctap_app::dossiers::CampaignForm>,
) -> ApiResult<Response> {
    let f = body.value()?;
    let id = hoctap_app::dossiers::open(&state.store, &u, &f).await?;
    Ok((StatusCode::CREATED, Json(json!(state.store.campaign(id).await?))).into_response())
}

async fn visible_campaign(state: &AppState, u: &CurrentUser, id: i64) -> Result<hoctap_store::CampaignRow, ApiError> {
    u.require(Action::ReadLocal)?;
    let c = state.store.campaign(id).await?;
    if !(u.sees(&state.store, c.unit_id).await? || state.store.in_scope(c.unit_id, u.user.unit_id, hoctap_store::today()).await?) {
        return Err(ApiError(WebError::NotFound("đợt đánh giá")));
    }
    Ok(c)
}

async fn campaign_show(State(state): State<AppState>, ApiUser(u): ApiUser, Path(id): Path<i64>) -> ApiResult {
    let c = visible_campaign(&state, &u, id).await?;
    let dossiers = state.store.assessments(id, u.scope(), hoctap_store::today()).await?;
    ok(json!({"campaign": c, "assessments": dossiers}))
}

#[derive(Deserialize)]
struct SubjectBody {
    subject: String,
}

async fn assessment_create(
    State(state): State<AppState>,
    ApiUser(u): ApiUser,
    Path(id): Path<i64>,
    body: Body<SubjectBody>,
) -> ApiResult<Response> {
    if !hoctap_app::dossiers::may_prepare(&u) {
        return Err(ApiError(WebError::Forbidden));
    }
    let c = visible_campaign(&state, &u, id).await?;
    let b = body.value()?;
    let set = state.store.criteria_set(&c.set_id, Some(&c.set_version)).await?.set;
    let (subject_id, label, unit) = hoctap_app::dossiers::resolve_subject(&state.store, &u, set.subject, &b.subject).await?;
    if !state.store.in_scope(c.unit_id, unit, hoctap_store::today()).await? {
        return Err(bad("subject", format!("{label} không thuộc địa bàn của đợt đánh giá")));
    }
    let aid = hoctap_app::dossiers::lay_dossier(&state.store, &u, &c, set.subject, subject_id, &label, unit).await?;
    Ok((StatusCode::CREATED, Json(json!(state.store.assessment(aid).await?))).into_response())
}

async fn visible_assessment(state: &AppState, u: &CurrentUser, id: i64) -> Result<hoctap_store::AssessmentRow, ApiError> {
    u.require(Action::ReadLocal)?;
    let a = state.store.assessment(id).await?;
    u.require_sees(&state.store, a.unit_id, "hồ sơ").await?;
    Ok(a)
}

async fn assessment_show(State(state): State<AppState>, ApiUser(u): ApiUser, Path(id): Path<i64>) -> ApiResult {
    let a = visible_assessment(&state, &u, id).await?;
    let transitions = state.store.transitions(id).await?;
    let c = state.store.campaign(a.campaign_id).await?;
    let set = state.store.criteria_set(&c.set_id, Some(&c.set_version)).await?.set;
    // What the registries count for the sourced data today, and how (the form's hints).
    let registry: Vec<Value> = hoctap_app::dossiers::registry_values(&state.store, &set, &c, a.subject_id)
        .await?
        .into_iter()
        .map(|r| json!({"variable": r.variable, "value": r.value, "how": r.how}))
        .collect();
    ok(json!({"assessment": a, "state_label": a.dossier.state.label(), "transitions": transitions, "registry_data": registry}))
}

/// Body: the answers JSON of the criteria engine (`{"answers": {...}, "data": {...}, ...}`).
/// Answers to locked indicators are refused with the indicator named.
async fn assessment_answers(State(state): State<AppState>, ApiUser(u): ApiUser, Path(id): Path<i64>, body: Body<Value>) -> ApiResult {
    if !hoctap_app::dossiers::may_prepare(&u) {
        return Err(ApiError(WebError::Forbidden));
    }
    let a = visible_assessment(&state, &u, id).await?;
    hoctap_app::dossiers::open_for_changes(&a)?;
    let v = body.value()?;
    let c = state.store.campaign(a.campaign_id).await?;
    let set = state.store.criteria_set(&c.set_id, Some(&c.set_version)).await?.set;
    let mut answers = hoctap_domain::criteria::Answers::from_json_value(&v)
        .map_err(|errs| bad("answers", errs.first().map(ToString::to_string).unwrap_or_default()))?;
    // Locked indicators and data keep their stored values, whatever the body says; the response names them.
    let kept = hoctap_app::dossiers::keep_locked(&set, &a, &mut answers);
    let result = hoctap_app::dossiers::store_answers(&state.store, &u, &a, &c, &set, &answers).await?;
    ok(json!({"result": result, "locked_answers_kept": kept}))
}

/// A review transition asked through the API, for dossiers and nominations alike.
#[derive(Deserialize)]
pub(crate) struct TransitionBody {
    action: String,
    #[serde(default)]
    comments: std::collections::BTreeMap<String, String>,
    #[serde(default)]
    reason: String,
    /// Why a dossier that does not pass is approved anyway (the decision shows it).
    #[serde(default)]
    override_reason: String,
}

impl TransitionBody {
    /// The command and the override's reason of an assessment's transition.
    pub(crate) fn command_with_override(body: Body<TransitionBody>) -> Result<(hoctap_domain::workflow::Command, String), ApiError> {
        let b = body.value()?;
        let reason = b.override_reason.clone();
        Ok((Self::command_of(b)?, reason))
    }

    /// The body as a workflow command; the body itself must be JSON of this shape.
    pub(crate) fn command(body: Body<TransitionBody>) -> Result<hoctap_domain::workflow::Command, ApiError> {
        Self::command_of(body.value()?)
    }

    fn command_of(b: TransitionBody) -> Result<hoctap_domain::workflow::Command, ApiError> {
        use hoctap_domain::workflow::Command;
        Ok(match b.action.as_str() {
            "submit" => Command::Submit,
            "start_review" => Command::StartReview,
            "approve" => Command::Approve,
            "return" => Command::Return { comments: b.comments },
            "reject" => Command::Reject { reason: b.reason },
            _ => return Err(bad("action", "thao tác: submit, start_review, approve, return, reject")),
        })
    }
}

async fn assessment_transition(
    State(state): State<AppState>,
    ApiUser(u): ApiUser,
    Path(id): Path<i64>,
    body: Body<TransitionBody>,
) -> ApiResult {
    let a = visible_assessment(&state, &u, id).await?;
    let (cmd, override_reason) = TransitionBody::command_with_override(body)?;
    hoctap_app::dossiers::apply_with(&state.store, &u, &a, cmd, &override_reason).await?;
    let a = state.store.assessment(id).await?;
    ok(json!({"state": a.dossier.state, "state_label": a.dossier.state.label()}))
}

/// Public: checks an Open Badges 3.0 credential (VC-JWT) issued by this system. Body: the JWT.
async fn credential_verify(State(state): State<AppState>, body: Result<String, axum::extract::rejection::StringRejection>) -> ApiResult {
    let body = body?;
    ok(hoctap_app::decisions::verify_credential(&state.store, state.public_url.as_str(), body.trim()).await?)
}
