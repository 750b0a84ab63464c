//! The device's sync (issue 18): changes made without network arrive here one by one, in the
//! order they were made, each with its idempotency key, its device time and the version it was
//! based on. A change goes through the checks of the form it was typed in; a key already applied
//! answers its first outcome again and writes nothing; a change based on an older version is
//! refused (409) with the server's current fields and version, so the page can show both
//! versions side by side and send the user's per-field choice as a new change.

use super::{ApiError, ApiResult, ApiUser, Body, Path};
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use hoctap_app::sync::{Change, already_applied};
use hoctap_app::{AppError, AppResult};
use hoctap_http::AppState;
use hoctap_http::auth::CurrentUser;
use hoctap_http::error::WebError;
use hoctap_http::routes::{Routes, get, post};
use hoctap_store::{STALE_FIELD, SyncOutcome};
use serde::Deserialize;
use serde_json::{Value, json};
use std::collections::BTreeMap;

pub fn routes() -> Routes {
    Routes::new()
        .route("/sync/changes", post(apply))
        .route("/sync/registries/{slug}/{id}", get(registry_record))
        .route("/sync/assessments/{id}", get(assessment))
        .route("/sync/roll-calls/{id}", get(roll_call))
}

/// A change sent by the device.
#[derive(Deserialize)]
struct ChangeBody {
    key: String,
    kind: String,
    device_time: String,
    #[serde(default)]
    base_version: Option<i64>,
    /// `registry.create` / `registry.update`: the registry's slug.
    #[serde(default)]
    registry: Option<String>,
    /// The record or dossier changed (not for `registry.create`).
    #[serde(default)]
    id: Option<i64>,
    /// The form's fields as typed: a registry record's columns, or a dossier's `a:…` / `d:…`.
    #[serde(default)]
    fields: BTreeMap<String, String>,
    /// `assessment.evidence`: the photo taken and compressed on the device.
    #[serde(default)]
    photo: Option<PhotoBody>,
}

/// A file in a change: its name and its bytes in base64.
#[derive(Deserialize)]
struct PhotoBody {
    #[serde(default)]
    name: String,
    data: String,
}

fn need<T>(v: Option<T>, field: &str, what: &str) -> AppResult<T> {
    v.ok_or_else(|| AppError::invalid(field, format!("Thiếu {what} ({field})")))
}

/// Applies one change; see the module documentation.
async fn apply(State(state): State<AppState>, ApiUser(u): ApiUser, body: Body<ChangeBody>) -> ApiResult<Response> {
    // The role is checked before the body is read, as for the forms: a role that writes neither
    // registries nor dossiers (and is no citizen filling their own) gets 403 at once.
    if !(hoctap_app::dossiers::may_prepare(&u) || u.user.role == hoctap_domain::access::Role::Citizen || hoctap_app::learning::manages(&u))
    {
        return Err(ApiError(WebError::Forbidden));
    }
    let b = body.value()?;
    let change = Change::parse(&b.key, &b.kind, &b.device_time, b.base_version)?;
    if let Some(outcome) = already_applied(&state.store, &u, &change).await? {
        return Ok(Json(json!({"status": "duplicate", "outcome": outcome})).into_response());
    }
    let result: Result<SyncOutcome, WebError> = match change.kind {
        "registry.create" => {
            let slug = need(b.registry.clone(), "registry", "sổ")?;
            hoctap_app::sync::registry_create(&state.store, &u, &slug, &b.fields, &change).await.map_err(WebError::from)
        }
        "registry.update" => {
            let slug = need(b.registry.clone(), "registry", "sổ")?;
            let id = need(b.id, "id", "mã bản ghi")?;
            hoctap_app::sync::registry_update(&state.store, &u, &slug, id, &b.fields, &change).await.map_err(WebError::from)
        }
        "assessment.evidence" => {
            let id = need(b.id, "id", "mã hồ sơ")?;
            dossier_evidence(&state, &u, id, &b.fields, b.photo.as_ref(), &change).await
        }
        "attendance.roll_call" => {
            let id = need(b.id, "id", "mã buổi học")?;
            hoctap_app::sync::roll_call(&state.store, &u, id, &b.fields, &change).await.map_err(WebError::from)
        }
        _ => {
            let id = need(b.id, "id", "mã hồ sơ")?;
            dossier_answers(&state, &u, id, &b.fields, &change).await
        }
    };
    match result {
        Ok(outcome) => Ok(Json(json!({"status": "applied", "outcome": outcome})).into_response()),
        Err(WebError::Conflict { field, message }) if field == STALE_FIELD => {
            // Stale: the server's version, to be shown beside the device's.
            let server = match change.kind {
                "assessment.answers" => assessment_fields(&state, &u, b.id.unwrap_or_default()).await?,
                "attendance.roll_call" => json!(hoctap_app::sync::roll_fields(&state.store, &u, b.id.unwrap_or_default()).await?),
                _ => record_fields(&state, &u, b.registry.as_deref().unwrap_or_default(), b.id.unwrap_or_default()).await?,
            };
            Ok((
                StatusCode::CONFLICT,
                Json(json!({"error": {"message": message, "field": field}, "server": server, "mine": {"fields": b.fields, "base_version": b.base_version}})),
            )
                .into_response())
        }
        Err(e) => {
            // Two sends of one key raced and the other one won: answer its outcome.
            match already_applied(&state.store, &u, &change).await? {
                Some(outcome) => Ok(Json(json!({"status": "duplicate", "outcome": outcome})).into_response()),
                None => Err(ApiError(e)),
            }
        }
    }
}

/// A dossier's answers filled on the device: the checks and evaluation of the dossier form.
async fn dossier_answers(
    state: &AppState,
    u: &CurrentUser,
    id: i64,
    fields: &BTreeMap<String, String>,
    change: &Change,
) -> Result<SyncOutcome, WebError> {
    use hoctap_app::dossiers;
    dossiers::may_prepare_some(u)?;
    let a = state.store.assessment(id).await?;
    dossiers::may_read_dossier(&state.store, u, &a).await?;
    if !dossiers::may_prepare_dossier(&state.store, u, &a).await? {
        return Err(WebError::Forbidden);
    }
    dossiers::open_for_changes(&a)?;
    let c = state.store.campaign(a.campaign_id).await?;
    let set = state.store.criteria_set(&c.set_id, Some(&c.set_version)).await?.set;
    let form: BTreeMap<String, Vec<String>> = fields.iter().map(|(k, v)| (k.clone(), vec![v.clone()])).collect();
    let answers = dossiers::answers_for_save(&set, &a, &form).map_err(|errors| match errors.into_iter().next() {
        Some(e) => WebError::Invalid { field: e.field, message: e.message },
        None => WebError::invalid("fields", "Dữ liệu không hợp lệ"),
    })?;
    let (answers_json, result, passed, level) =
        dossiers::evaluate_answers(&state.store, &a.subject_kind, a.subject_id, &c, &set, &answers).await?;
    Ok(state.store.sync_save_answers(&u.actor(), &a, &answers_json, &result, passed, &level, &change.meta()).await?)
}

/// An evidence photo taken on the device for a dossier: the checks of the evidence upload form
/// (who may prepare the dossier 403, sees it 404, a dossier still open and a real photo 422),
/// then the file stored once by SHA-256 and linked to the ticked indicators (`ct:…`).
async fn dossier_evidence(
    state: &AppState,
    u: &CurrentUser,
    id: i64,
    fields: &BTreeMap<String, String>,
    photo: Option<&PhotoBody>,
    change: &Change,
) -> Result<SyncOutcome, WebError> {
    use hoctap_app::dossiers;
    dossiers::may_prepare_some(u)?;
    let a = state.store.assessment(id).await?;
    dossiers::may_read_dossier(&state.store, u, &a).await?;
    if !dossiers::may_prepare_dossier(&state.store, u, &a).await? {
        return Err(WebError::Forbidden);
    }
    dossiers::open_for_changes(&a)?;
    let photo = photo.ok_or_else(|| WebError::invalid("photo", "Thiếu ảnh minh chứng (photo)"))?;
    let photo = hoctap_app::sync::Photo::parse(&photo.name, &photo.data)?;
    let get = |k: &str| fields.get(k).map(String::as_str).unwrap_or("");
    if !get("issued_on").trim().is_empty() {
        hoctap_domain::date::parse_date(get("issued_on"))
            .map_err(|e| WebError::invalid("issued_on", hoctap_app::capitalise(&e.to_string())))?;
    }
    let indicators: Vec<String> =
        fields.iter().filter(|(k, v)| k.starts_with("ct:") && !v.trim().is_empty()).map(|(k, _)| k["ct:".len()..].to_string()).collect();
    let evidence = hoctap_store::NewEvidence {
        bytes: &photo.bytes,
        mime: photo.mime,
        file_name: &photo.file_name,
        doc_type: get("doc_type"),
        title: get("title"),
        issued_on: get("issued_on"),
        issuer: get("issuer"),
        indicators: &indicators,
    };
    Ok(state.store.sync_add_evidence(&u.actor(), &a, &evidence, &change.meta()).await?)
}

/// A registry record as its form holds it, with its version (what the device keeps when the
/// record is opened, and what a stale change is shown against).
async fn record_fields(state: &AppState, u: &CurrentUser, slug: &str, id: i64) -> Result<Value, WebError> {
    u.require(hoctap_domain::access::Action::ReadLocal)?;
    let reg = hoctap_app::registries::registry_of(slug)?;
    let r = state.store.registry_get(reg, id).await?;
    u.require_sees(&state.store, r.unit_id, reg.noun).await?;
    let fields = if u.user.role.sees_personal_data() {
        hoctap_app::registries::form_values_of(reg, &r)
    } else {
        // Masked roles see masked values; they cannot write these registries' personal fields.
        reg.fields.iter().map(|f| (f.column.to_string(), hoctap_app::registries::shown(u, f, r.values.get(f.column)))).collect()
    };
    let labels: BTreeMap<&str, &str> = reg.fields.iter().map(|f| (f.column, f.header)).collect();
    let version = state.store.entity_version(reg.slug, &id.to_string()).await?;
    Ok(json!({"version": version, "fields": fields, "labels": labels}))
}

async fn registry_record(State(state): State<AppState>, ApiUser(u): ApiUser, Path((slug, id)): Path<(String, i64)>) -> ApiResult {
    Ok(Json(record_fields(&state, &u, &slug, id).await?))
}

/// A dossier's answers as its form holds them (`a:…`, `d:…`), with its version, its set and the
/// evaluation date, so the device can evaluate it without network.
async fn assessment_fields(state: &AppState, u: &CurrentUser, id: i64) -> Result<Value, WebError> {
    use hoctap_app::dossiers;
    if !(u.user.role.may(hoctap_domain::access::Action::ReadLocal) || u.user.role == hoctap_domain::access::Role::Citizen) {
        return Err(WebError::Forbidden);
    }
    let a = state.store.assessment(id).await?;
    dossiers::may_read_dossier(&state.store, u, &a).await?;
    let c = state.store.campaign(a.campaign_id).await?;
    let mut fields = BTreeMap::new();
    let mut labels = BTreeMap::new();
    if let Some(o) = a.answers["answers"].as_object() {
        for (k, v) in o {
            fields.insert(format!("a:{k}"), dossiers::answer_text(v));
            labels.insert(format!("a:{k}"), k.clone());
        }
    }
    if let Some(o) = a.answers["data"].as_object() {
        for (k, v) in o {
            fields.insert(format!("d:{k}"), dossiers::answer_text(v));
            labels.insert(format!("d:{k}"), k.clone());
        }
    }
    let version = state.store.entity_version("assessment", &id.to_string()).await?;
    // The subject's earlier recognitions, so that the device judges a level-2 request as the server does.
    let set = state.store.criteria_set(&c.set_id, Some(&c.set_version)).await?.set;
    let previous: Vec<serde_json::Value> = dossiers::previous_recognitions(&state.store, &set, &a.subject_kind, a.subject_id)
        .await?
        .into_iter()
        .map(|(level, decided_on)| json!({"level": level, "decided_on": decided_on.to_string()}))
        .collect();
    Ok(json!({
        "version": version, "fields": fields, "labels": labels, "set_id": c.set_id, "set_version": c.set_version,
        "evaluated_on": format!("{}-12-31", c.year), "state": a.dossier.state.label(), "previous": previous,
    }))
}

async fn assessment(State(state): State<AppState>, ApiUser(u): ApiUser, Path(id): Path<i64>) -> ApiResult {
    Ok(Json(assessment_fields(&state, &u, id).await?))
}

/// A session's roll as the roll-call form holds it, with its version.
async fn roll_call(State(state): State<AppState>, ApiUser(u): ApiUser, Path(id): Path<i64>) -> ApiResult {
    Ok(Json(json!(hoctap_app::sync::roll_fields(&state.store, &u, id).await?)))
}
