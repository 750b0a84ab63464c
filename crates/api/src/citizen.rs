//! Citizen self-service and notifications in the API (issue 17 §3–§4): the citizen's own record,
//! household, titles, self-assessments and learning; correction requests filed and listed by
//! the citizen and answered by the commune's officer; the user's notifications, marking read and
//! preferences. Thin adapters over the same use cases as the pages (`hoctap_app::citizen`,
//! `hoctap_app::notify`): the same roles (403), scope (404) and checks (422).

use super::{ApiResult, ApiUser, Body, Path, ok};
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use hoctap_app::{citizen as app, notify};
use hoctap_domain::registry::def::CITIZENS;
use hoctap_http::AppState;
use hoctap_http::routes::{Routes, get, post};
use serde::Deserialize;
use serde_json::json;

pub fn routes() -> Routes {
    Routes::new()
        .route("/citizen/me", get(me))
        .route("/citizen/corrections", get(own_corrections).post(request))
        .route("/corrections", get(inbox))
        .route("/corrections/{id}/answer", post(answer))
        .route("/notifications", get(notifications))
        .route("/notifications/read", post(mark_read))
        .route("/notifications/preferences", get(prefs).put(set_prefs))
}

/// The citizen's own page as data: their record (their own data, unmasked), household, titles
/// (theirs and the household's), self-assessments with the review's reasons, learning record.
async fn me(State(state): State<AppState>, ApiUser(u): ApiUser) -> ApiResult {
    let p = app::profile(&state.store, &u).await?;
    let today = hoctap_store::today();
    let own = p.record.id;
    let fields: Vec<_> = p.fields.iter().map(|(label, value)| json!({"label": label, "value": value})).collect();
    let record = json!({
        "id": p.record.id,
        "cccd": app::shown(&p.record, "cccd"),
        "full_name": app::shown(&p.record, "full_name"),
        "birth_date": app::shown(&p.record, "birth_date"),
        "household": app::shown(&p.record, "household"),
        "fields": fields,
    });
    let household = p.household.as_ref().map(|(code, head, members)| {
        json!({"code": code, "head_name": head, "members": members.iter().map(|(name, relation)| json!({"name": name, "relation": relation})).collect::<Vec<_>>()})
    });
    let titles: Vec<_> = p
        .recognitions
        .iter()
        .map(|r| {
            json!({
                "id": r.id, "title": r.title, "level": r.level, "code": r.code,
                "whose": if r.subject_kind == "citizen" && r.subject_id == own { "citizen" } else { "household" },
                "valid_from": r.valid_from.to_string(), "valid_until": r.valid_until.map(|d| d.to_string()),
                "status": r.status_on(today).label(),
                "page": format!("/cong-nhan/{}", r.id), "certificate_pdf": format!("/cong-nhan/{}/giay.pdf", r.id),
                "credential": format!("/cong-nhan/{}/ob3.jwt", r.id), "qr": format!("/cong-nhan/{}/qr.svg", r.id),
            })
        })
        .collect();
    let dossiers: Vec<_> = p
        .dossiers
        .iter()
        .map(|d| {
            json!({
                "id": d.dossier.id, "campaign": d.campaign, "state": d.dossier.dossier.state.code(),
                "state_label": d.dossier.dossier.state.label(),
                "result": d.dossier.result.as_ref().and_then(|r| r["summary"].as_str().map(str::to_string)),
                "reasons": d.reasons,
            })
        })
        .collect();
    let learning = hoctap_app::learning::my_record(&state.store, &u).await.ok();
    ok(json!({"record": record, "household": household, "titles": titles, "self_assessments": dossiers, "learning": learning}))
}

async fn own_corrections(State(state): State<AppState>, ApiUser(u): ApiUser) -> ApiResult {
    ok(json!({"items": app::own_corrections(&state.store, &u).await?}))
}

#[derive(Deserialize, Default)]
struct RequestBody {
    #[serde(default)]
    full_name: String,
    /// dd/mm/yyyy.
    #[serde(default)]
    birth_date: String,
    #[serde(default)]
    household: String,
    #[serde(default)]
    note: String,
}

async fn request(State(state): State<AppState>, ApiUser(u): ApiUser, body: Body<RequestBody>) -> ApiResult<Response> {
    // Who may ask, before the body is read.
    if u.user.role != hoctap_domain::access::Role::Citizen {
        return Err(hoctap_http::error::WebError::Forbidden.into());
    }
    let b = body.value()?;
    let id = app::request_correction(
        &state.store,
        &u,
        &[("full_name", &b.full_name), ("birth_date", &b.birth_date), ("household", &b.household)],
        &b.note,
    )
    .await?;
    Ok((StatusCode::CREATED, Json(json!({"id": id}))).into_response())
}

/// The requests waiting in the officer's area, with the citizen's name and birth date as the
/// officer's role may see them (no CCCD, as on the page).
async fn inbox(State(state): State<AppState>, ApiUser(u): ApiUser) -> ApiResult {
    let items: Vec<_> = app::inbox(&state.store, &u)
        .await?
        .into_iter()
        .map(|(r, rec)| {
            let field = |c: &str| CITIZENS.fields.iter().find(|f| f.column == c);
            let show = |c: &str| field(c).map(|f| hoctap_app::registries::shown(&u, f, rec.values.get(c))).unwrap_or_default();
            json!({"request": r, "citizen": {"id": rec.id, "full_name": show("full_name"), "birth_date": show("birth_date")}})
        })
        .collect();
    ok(json!({"items": items}))
}

#[derive(Deserialize)]
struct AnswerBody {
    approve: bool,
    #[serde(default)]
    reason: String,
}

/// Approves (the record changes with its history) or refuses with a reason; the citizen is told.
async fn answer(State(state): State<AppState>, ApiUser(u): ApiUser, Path(id): Path<i64>, body: Body<AnswerBody>) -> ApiResult {
    // Role then scope before the body.
    app::answerable(&state.store, &u, id).await?;
    let b = body.value()?;
    if b.approve {
        app::approve(&state.store, &u, id).await?;
    } else {
        app::reject(&state.store, &u, id, &b.reason).await?;
    }
    ok(state.store.correction(id).await?)
}

async fn notifications(State(state): State<AppState>, ApiUser(u): ApiUser) -> ApiResult {
    let (items, unread) = notify::list(&state.store, &u).await?;
    ok(json!({"items": items, "unread": unread}))
}

#[derive(Deserialize, Default)]
struct ReadBody {
    /// One notification; absent: all of them.
    #[serde(default)]
    id: Option<i64>,
}

async fn mark_read(State(state): State<AppState>, ApiUser(u): ApiUser, body: Body<ReadBody>) -> ApiResult {
    let b = body.value()?;
    notify::mark_read(&state.store, &u, b.id).await?;
    ok(json!({"unread": notify::unread(&state.store, &u).await?}))
}

fn prefs_json(p: &hoctap_store::NotificationPrefs) -> serde_json::Value {
    let kinds: Vec<_> =
        notify::KINDS.iter().map(|(k, label)| json!({"kind": k, "label": label, "mail": !p.kinds_off.iter().any(|o| o == k)})).collect();
    json!({"email": p.email, "mode": p.mode, "kinds": kinds})
}

async fn prefs(State(state): State<AppState>, ApiUser(u): ApiUser) -> ApiResult {
    ok(prefs_json(&notify::prefs(&state.store, &u).await?))
}

#[derive(Deserialize)]
struct PrefsBody {
    #[serde(default)]
    email: String,
    /// `immediate`, `digest` or `off`.
    mode: String,
    /// The kinds sent by mail (the others stay in the app only).
    #[serde(default)]
    kinds: Vec<String>,
}

async fn set_prefs(State(state): State<AppState>, ApiUser(u): ApiUser, body: Body<PrefsBody>) -> ApiResult {
    let b = body.value()?;
    if let Some(k) = b.kinds.iter().find(|k| !notify::KINDS.iter().any(|(known, _)| known == k)) {
        return Err(super::bad("kinds", format!("loại thông báo không có: {k}")));
    }
    ok(prefs_json(&notify::set_prefs(&state.store, &u, &b.email, &b.mode, &b.kinds).await?))
}
