//! Fund ledgers of the Hội Khuyến học in the API: balance of a year, entries, posting and
//! reversing, with the same rules, roles and scope as the pages (`app::association`).
//! A ledger is named by its branch's code.

use super::{ApiResult, ApiUser, ok};
use super::{Body, Path, Query};
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use hoctap_app::association::{YearQuery, entry_from_input, posting_date, visible_branch};
use hoctap_domain::access::Action;
use hoctap_http::AppState;
use hoctap_http::auth::CurrentUser;
use hoctap_http::error::WebError;
use hoctap_http::routes::{Routes, get, post};
use hoctap_store::{BranchRow, FundEntryRow};
use serde::Deserialize;
use serde_json::json;

pub fn routes() -> Routes {
    Routes::new()
        .route("/funds/{branch}/balance", get(balance))
        .route("/funds/{branch}/entries", get(entries).post(post_entry))
        .route("/funds/{branch}/entries/{entry_no}/reverse", post(reverse))
        .route("/funds/{branch}/dues", get(dues).post(pay_dues))
}

async fn branch(state: &AppState, u: &CurrentUser, code: &str) -> Result<BranchRow, WebError> {
    Ok(visible_branch(&state.store, u, state.store.branch_by_code(code).await?).await?)
}

fn entry_json(u: &CurrentUser, e: &FundEntryRow) -> serde_json::Value {
    let cccd = e.beneficiary_cccd.as_deref().map(|c| {
        if u.user.role.sees_personal_data() {
            c.to_string()
        } else {
            hoctap_domain::registry::cccd::Cccd::parse(c).map(|c| c.masked()).unwrap_or_else(|_| "***".into())
        }
    });
    json!({
        "id": e.id, "entry_no": e.entry_no, "posted_on": e.posted_on, "kind": e.kind, "kind_label": e.kind.label(),
        "amount": e.amount, "effect": e.effect(), "counterparty": e.counterparty, "beneficiary_cccd": cccd,
        "decision": e.decision, "reverses": e.reverses, "reversed_by": e.reversed_by,
    })
}

async fn balance(State(state): State<AppState>, ApiUser(u): ApiUser, Path(code): Path<String>, Query(q): Query<YearQuery>) -> ApiResult {
    let b = branch(&state, &u, &code).await?;
    let year = q.year();
    let balance = state.store.fund_balance(&b.code, year).await?;
    // The unit's figures, as the dashboard and the report show them (every ledger of the
    // territory, citizens in the registry at the year's end).
    let unit = state.store.unit(b.unit_id).await?;
    let per_capita = hoctap_app::dashboard::figure(&state.store, &unit, year, "fund_per_capita").await?;
    let membership = hoctap_app::dashboard::figure(&state.store, &unit, year, "hkh_membership_rate").await?;
    ok(json!({
        "branch": b.code,
        "unit_id": b.unit_id,
        "balance": balance,
        "population": per_capita.den,
        "per_capita": super::stats::line_json(&per_capita),
        "membership_rate": super::stats::line_json(&membership),
    }))
}

async fn entries(State(state): State<AppState>, ApiUser(u): ApiUser, Path(code): Path<String>, Query(q): Query<YearQuery>) -> ApiResult {
    let b = branch(&state, &u, &code).await?;
    let list = state.store.fund_entries(&b.code, q.nam.map(|_| q.year())).await?;
    ok(json!({"branch": b.code, "entries": list.iter().map(|e| entry_json(&u, e)).collect::<Vec<_>>()}))
}

#[derive(Deserialize)]
struct PostBody {
    #[serde(default)]
    kind: String,
    #[serde(default)]
    amount: serde_json::Value,
    #[serde(default)]
    posted_on: String,
    #[serde(default)]
    counterparty: String,
    #[serde(default)]
    beneficiary_cccd: String,
    #[serde(default)]
    decision: String,
    /// Confirms a payment beyond the balance.
    #[serde(default)]
    overdraft_reason: String,
}

async fn post_entry(
    State(state): State<AppState>,
    ApiUser(u): ApiUser,
    Path(code): Path<String>,
    body: Body<PostBody>,
) -> ApiResult<Response> {
    u.require(Action::EditAssociation)?;
    let b = branch(&state, &u, &code).await?;
    let p = body.value()?;
    // The amount may be sent as a number or as text typed the Vietnamese way ("500.000").
    let amount = match &p.amount {
        serde_json::Value::Number(n) => n.to_string(),
        serde_json::Value::String(s) => s.clone(),
        _ => String::new(),
    };
    let entry = entry_from_input(&p.kind, &amount, &p.counterparty, &p.beneficiary_cccd, &p.decision).map_err(|errors| {
        errors
            .into_iter()
            .next()
            .map(|e| WebError::invalid(&e.field, e.message))
            .unwrap_or(WebError::invalid("body", "dữ liệu không hợp lệ"))
    })?;
    let on = posting_date(&p.posted_on)?;
    let e = state.store.fund_post_confirmed(&u.actor(), &b, &entry, None, on, u.scope(), Some(&p.overdraft_reason)).await?;
    Ok((StatusCode::CREATED, Json(entry_json(&u, &e))).into_response())
}

#[derive(Deserialize)]
struct ReverseBody {
    #[serde(default)]
    reason: String,
}

async fn reverse(
    State(state): State<AppState>,
    ApiUser(u): ApiUser,
    Path((code, no)): Path<(String, String)>,
    body: Body<ReverseBody>,
) -> ApiResult<Response> {
    u.require(Action::EditAssociation)?;
    let b = branch(&state, &u, &code).await?;
    let r = body.value()?;
    let e = state.store.fund_reverse(&u.actor(), &b, &no, &r.reason, hoctap_store::today(), u.scope()).await?;
    Ok((StatusCode::CREATED, Json(entry_json(&u, &e))).into_response())
}

/// The branch's members with their dues of the year (`nam`, default this year).
async fn dues(State(state): State<AppState>, ApiUser(u): ApiUser, Path(code): Path<String>, Query(q): Query<YearQuery>) -> ApiResult {
    let b = branch(&state, &u, &code).await?;
    let year = q.year();
    let lines = state.store.dues(&b.code, year).await?;
    ok(json!({"branch": b.code, "year": year, "members": lines}))
}

#[derive(Deserialize)]
struct DuesBody {
    #[serde(default)]
    member_id: i64,
    #[serde(default)]
    year: Option<i16>,
    /// The amount, when not the member's own hội phí mỗi năm.
    #[serde(default)]
    amount: serde_json::Value,
}

/// Records a member's dues for a year: a receipt of the branch's ledger (201 with the entry).
async fn pay_dues(
    State(state): State<AppState>,
    ApiUser(u): ApiUser,
    Path(code): Path<String>,
    body: Body<DuesBody>,
) -> ApiResult<Response> {
    u.require(Action::EditAssociation)?;
    let b = branch(&state, &u, &code).await?;
    let d = body.value()?;
    let today = hoctap_store::today();
    let year = d.year.unwrap_or(today.year());
    let amount = match &d.amount {
        serde_json::Value::Number(n) => hoctap_app::association::dues_amount(&n.to_string())?,
        serde_json::Value::String(s) => hoctap_app::association::dues_amount(s.as_str())?,
        _ => None,
    };
    let e = state.store.dues_pay(&u.actor(), &b, d.member_id, year, amount, today, u.scope()).await?;
    Ok((StatusCode::CREATED, Json(entry_json(&u, &e))).into_response())
}
