//! Emulation movements in the API: the movements a user is concerned by, one movement with
//! its participants, nominations and reward counts, one nomination with its history, and a
//! nomination's transitions, a participant's achievements and their proof files, with the same
//! rules, roles and scope as the pages (`app::movement`).

use super::{ApiError, ApiResult, ApiUser, TransitionBody, ok};
use super::{Body, Path};
use axum::extract::State;
use hoctap_app::movement::{apply, record_achievement, visible_movement, visible_nomination, visible_participant};
use hoctap_domain::access::Action;
use hoctap_http::AppState;
use hoctap_http::routes::{Routes, get, post};
use serde_json::json;

pub fn routes() -> Routes {
    Routes::new()
        .route("/movements", get(list))
        .route("/movements/{id}", get(show))
        .route("/participants/{id}", get(participant))
        .route("/participants/{id}/achievements", post(add_achievement))
        .route("/achievements/{id}/file", get(achievement_file))
        .route("/nominations/{id}", get(nomination))
        .route("/nominations/{id}/transitions", post(transition))
}

async fn list(State(state): State<AppState>, ApiUser(u): ApiUser) -> ApiResult {
    u.require(Action::ReadLocal)?;
    let today = hoctap_store::today();
    let movements = state.store.movements(u.scope(), today).await?;
    ok(movements
        .iter()
        .map(|m| json!({"id": m.id, "template_id": m.template_id, "title": m.movement.title, "unit_id": m.unit_id, "unit_name": m.unit_name, "period": m.movement.period, "report_due": hoctap_domain::emulation::report_due(&m.movement, today.year())}))
        .collect::<Vec<_>>())
}

async fn show(State(state): State<AppState>, ApiUser(u): ApiUser, Path(id): Path<i64>) -> ApiResult {
    let m = visible_movement(&state.store, &u, id).await?;
    let today = hoctap_store::today();
    let participants = state.store.participants(id, u.scope(), today).await?;
    let nominations = state.store.nominations(id, None, u.scope(), today).await?;
    let rewards = state.store.reward_counts(id, u.scope(), today).await?;
    let nominations: Vec<_> = nominations.iter().map(|n| json!({"id": n.id, "participant_id": n.participant_id, "participant_name": n.participant_name, "actor_type": n.actor_type, "year": n.year, "form": n.form, "state": n.dossier.state, "state_label": n.dossier.state.label(), "passed": n.passed})).collect();
    ok(
        json!({"movement": m, "report_due": hoctap_domain::emulation::report_due(&m.movement, today.year()), "participants": participants, "nominations": nominations, "reward_counts": rewards}),
    )
}

/// A participant with its achievements; an achievement's proof file, when there is one, is
/// at `file_url`.
async fn participant(State(state): State<AppState>, ApiUser(u): ApiUser, Path(id): Path<i64>) -> ApiResult {
    let p = visible_participant(&state.store, &u, id).await?;
    let achievements: Vec<_> = state
        .store
        .achievements(id)
        .await?
        .into_iter()
        .map(|a| {
            let file_url = a.file_name.as_ref().map(|_| format!("/api/v1/achievements/{}/file", a.id));
            json!({"achievement": a, "file_url": file_url})
        })
        .collect();
    ok(json!({"participant": p, "achievements": achievements}))
}

/// Records an achievement, as the participant page does: a multipart body with `year`,
/// `kind` (`sang_kien` or `thanh_tich`), `title`, `evidence` and an optional `file`.
async fn add_achievement(
    State(state): State<AppState>,
    ApiUser(u): ApiUser,
    Path(id): Path<i64>,
    mp: Result<axum::extract::Multipart, axum::extract::multipart::MultipartRejection>,
) -> Result<axum::response::Response, ApiError> {
    // Role and scope before the body is read or checked.
    hoctap_app::movement::achievement_target(&state.store, &u, id).await.map_err(ApiError::from)?;
    let upload = hoctap_http::files::read_upload(mp?).await.map_err(ApiError::from)?;
    let aid = record_achievement(&state.store, &u, id, upload).await.map_err(ApiError::from)?;
    let a = state.store.achievements(id).await?.into_iter().find(|a| a.id == aid);
    let file_url = a.as_ref().and_then(|a| a.file_name.as_ref()).map(|_| format!("/api/v1/achievements/{aid}/file"));
    Ok(axum::response::IntoResponse::into_response((
        axum::http::StatusCode::CREATED,
        axum::Json(json!({"achievement": a, "file_url": file_url})),
    )))
}

async fn achievement_file(
    State(state): State<AppState>,
    ApiUser(u): ApiUser,
    Path(id): Path<i64>,
) -> Result<axum::response::Response, ApiError> {
    let (participant, mime, name, bytes) = state.store.achievement_file(id).await?;
    visible_participant(&state.store, &u, participant).await?;
    Ok(hoctap_http::files::download(bytes, &mime, &name))
}

async fn nomination(State(state): State<AppState>, ApiUser(u): ApiUser, Path(id): Path<i64>) -> ApiResult {
    let n = visible_nomination(&state.store, &u, id).await?;
    let transitions = state.store.nomination_transitions(id).await?;
    ok(json!({"nomination": n, "state_label": n.dossier.state.label(), "transitions": transitions}))
}

/// The page's rules: the preparer submits (criteria met, evidence for each), the reviewer of
/// the current step takes, approves, returns with comments per criterion or rejects.
async fn transition(State(state): State<AppState>, ApiUser(u): ApiUser, Path(id): Path<i64>, body: Body<TransitionBody>) -> ApiResult {
    let n = visible_nomination(&state.store, &u, id).await?;
    let cmd = TransitionBody::command(body)?;
    apply(&state.store, &u, &n, cmd).await.map_err(ApiError::from)?;
    let n = state.store.nomination(id).await?;
    ok(json!({"state": n.dossier.state, "state_label": n.dossier.state.label()}))
}
