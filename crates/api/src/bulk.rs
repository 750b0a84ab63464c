//! A campaign's work in bulk through the API, with the rules, roles and scope of the pages
//! (`app::bulk`): laying dossiers for every subject of the registries, the filtered and
//! paged list with counts, a transition for everything a filter shows (with the count the
//! caller confirms), the tally sheet (download, check, apply) and the steps without an account.

use super::{ApiError, ApiResult, ApiUser, bad, ok};
use super::{Body, Path, Query};
use axum::Json;
use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use hoctap_app::bulk::{
    BulkAction, ListQuery, bulk_transition, gap_lines, lay_all, list_view, tally_import, tally_workbook, visible_campaign,
};
use hoctap_http::AppState;
use hoctap_http::error::WebError;
use hoctap_http::routes::{Routes, get, post};
use serde::Deserialize;
use serde_json::json;

pub fn routes() -> Routes {
    Routes::new()
        .route("/campaigns/{id}/assessments/bulk", post(lay))
        .route("/campaigns/{id}/dossiers", get(dossiers))
        .route("/campaigns/{id}/transitions", post(transitions))
        .route("/campaigns/{id}/tally.xlsx", get(tally_download))
        .route("/campaigns/{id}/tally", post(tally_upload))
        .route("/campaigns/{id}/gaps", get(gaps))
}

#[derive(Deserialize, Default)]
struct LayBody {
    /// Village codes (8 digits); none: the whole unit.
    #[serde(default)]
    villages: Vec<String>,
}

async fn lay(State(state): State<AppState>, ApiUser(u): ApiUser, Path(id): Path<i64>, body: Body<LayBody>) -> ApiResult<Response> {
    if !hoctap_app::dossiers::may_prepare(&u) {
        return Err(ApiError(WebError::Forbidden));
    }
    let c = visible_campaign(&state.store, &u, id).await?;
    let b = body.value()?;
    let mut villages = Vec::new();
    for code in &b.villages {
        let v = state
            .store
            .unit_by_code(code.trim(), hoctap_store::today())
            .await
            .map_err(|_| bad("villages", format!("không có thôn mã \"{}\"", code.trim())))?;
        villages.push(v.id);
    }
    let (report, gaps) = lay_all(&state.store, &u, &c, &villages).await?;
    Ok((StatusCode::OK, Json(json!({"created": report.created, "skipped": report.skipped, "gaps": gaps}))).into_response())
}

#[derive(Deserialize, Default)]
struct ListParams {
    #[serde(default)]
    village: Option<i64>,
    #[serde(default)]
    state: Option<String>,
    #[serde(default)]
    result: Option<String>,
    #[serde(default)]
    reviewer: Option<i64>,
    #[serde(default)]
    cursor: Option<String>,
}

impl ListParams {
    fn query(&self) -> ListQuery {
        ListQuery {
            thon: self.village.map(|v| v.to_string()).unwrap_or_default(),
            trang_thai: self.state.clone().unwrap_or_default(),
            ket_qua: self.result.clone().unwrap_or_default(),
            nguoi: self.reviewer.map(|v| v.to_string()).unwrap_or_default(),
            sau: self.cursor.clone().unwrap_or_default(),
        }
    }
}

fn counts(choices: &[hoctap_app::bulk::Choice]) -> serde_json::Value {
    choices.iter().map(|c| json!({"code": c.code, "label": c.label, "count": c.count})).collect()
}

async fn dossiers(State(state): State<AppState>, ApiUser(u): ApiUser, Path(id): Path<i64>, Query(q): Query<ListParams>) -> ApiResult {
    let c = visible_campaign(&state.store, &u, id).await?;
    let view = list_view(&state.store, &u, &c, &q.query()).await?;
    let next_cursor = view.next.as_ref().and_then(|n| n.split("sau=").nth(1)).map(str::to_string);
    ok(json!({
        "total": view.total,
        "items": view.lines.iter().map(|l| json!({"id": l.id, "subject": l.subject, "village": l.village, "state_label": l.state, "result": l.result})).collect::<Vec<_>>(),
        "counts": {"state": counts(&view.states), "result": counts(&view.results), "village": counts(&view.villages)},
        "next_cursor": next_cursor,
        "gaps": view.gaps.iter().map(|g| g.text.clone()).collect::<Vec<_>>(),
    }))
}

#[derive(Deserialize)]
struct TransitionsBody {
    action: String,
    #[serde(default)]
    village: Option<i64>,
    #[serde(default)]
    state: Option<String>,
    #[serde(default)]
    result: Option<String>,
    #[serde(default)]
    reviewer: Option<i64>,
    #[serde(default)]
    indicator: String,
    #[serde(default)]
    comment: String,
    #[serde(default)]
    reason: String,
    #[serde(default)]
    override_reason: String,
    /// The count the caller confirms; absent: nothing is written, the counts are answered.
    #[serde(default)]
    expected_count: Option<usize>,
}

async fn transitions(State(state): State<AppState>, ApiUser(u): ApiUser, Path(id): Path<i64>, body: Body<TransitionsBody>) -> ApiResult {
    let role = u.user.role;
    if !(hoctap_app::dossiers::may_prepare(&u)
        || hoctap_app::dossiers::reviews(role)
        || role == hoctap_domain::access::Role::Signer
        || role == hoctap_domain::access::Role::MinistryReviewer)
    {
        return Err(ApiError(WebError::Forbidden));
    }
    let c = visible_campaign(&state.store, &u, id).await?;
    let b = body.value()?;
    let action = BulkAction {
        action: b.action,
        thon: b.village.map(|v| v.to_string()).unwrap_or_default(),
        trang_thai: b.state.unwrap_or_default(),
        ket_qua: b.result.unwrap_or_default(),
        nguoi: b.reviewer.map(|v| v.to_string()).unwrap_or_default(),
        chi_tieu: b.indicator,
        y_kien: b.comment,
        ly_do: b.reason,
        ly_do_ngoai_le: b.override_reason,
        so_luong: String::new(),
    };
    ok(bulk_transition(&state.store, &u, &c, &action, b.expected_count).await?)
}

#[derive(Deserialize, Default)]
struct TallyParams {
    #[serde(default)]
    dry_run: Option<bool>,
}

async fn tally_download(State(state): State<AppState>, ApiUser(u): ApiUser, Path(id): Path<i64>) -> ApiResult<Response> {
    if !hoctap_app::dossiers::may_prepare(&u) {
        return Err(ApiError(WebError::Forbidden));
    }
    let c = visible_campaign(&state.store, &u, id).await?;
    let bytes = tally_workbook(&state.store, &u, &c, &ListQuery::default()).await?;
    Ok(([(header::CONTENT_TYPE, hoctap_http::files::XLSX)], bytes).into_response())
}

async fn tally_upload(
    State(state): State<AppState>,
    ApiUser(u): ApiUser,
    Path(id): Path<i64>,
    Query(q): Query<TallyParams>,
    body: Result<axum::body::Bytes, axum::extract::rejection::BytesRejection>,
) -> ApiResult<Response> {
    if !hoctap_app::dossiers::may_prepare(&u) {
        return Err(ApiError(WebError::Forbidden));
    }
    let c = visible_campaign(&state.store, &u, id).await?;
    let body = body?;
    let report = tally_import(&state.store, &u, &c, body.to_vec().into(), q.dry_run.unwrap_or(true)).await?;
    let status = if report.rejected > 0 { StatusCode::UNPROCESSABLE_ENTITY } else { StatusCode::OK };
    Ok((status, Json(json!(report))).into_response())
}

async fn gaps(State(state): State<AppState>, ApiUser(u): ApiUser, Path(id): Path<i64>) -> ApiResult {
    let c = visible_campaign(&state.store, &u, id).await?;
    let gaps = state.store.step_gaps(&c, u.scope(), hoctap_store::today()).await?;
    let text: Vec<String> = gap_lines(&state.store, &u, &c).await?.into_iter().map(|g| g.text).collect();
    ok(json!({"gaps": gaps, "messages": text}))
}
