//! A campaign at the size of a commune (làm hàng loạt): dossiers laid for every subject of the
//! registries (of the unit or of chosen villages), scored from a tally sheet (bảng chấm: the
//! same dry run, row-and-column errors and all-or-nothing apply as a registry import, each
//! dossier evaluated and explained as if typed), a filtered and paged list with counts, the
//! whole filter moved through a step after a confirmation naming the count, one evidence file
//! for many dossiers, and the review steps that have nobody (with the level above acting,
//! recorded as such). Authorisation is checked once before each loop; every dossier keeps its
//! own transition log line and audit entry.

use super::{Chrome, FieldError, capitalise, flash_redirect, render};
use askama::Template;
use axum::extract::{Form, Path, Query, State};
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Response};
use hoctap_app::bulk::{
    BulkAction, BulkOutcome, ListQuery, TallyLine, TallyReport, bulk_transition, lay_all, tally_columns, tally_import, tally_workbook,
    visible_campaign,
};
use hoctap_app::dossiers::{may_prepare, reviews};
use hoctap_docs::tally_xlsx::TallyColumn;
use hoctap_domain::access::Role;
use hoctap_domain::workflow::State as WfState;
use hoctap_http::AppState;
use hoctap_http::auth::CurrentUser;
use hoctap_http::error::{WebError, WebResult};
use hoctap_http::routes::{Routes, get, post};
use hoctap_store::CampaignRow;
use serde::Deserialize;
use std::collections::BTreeMap;
use std::sync::Arc;

pub fn routes() -> Routes {
    Routes::new()
        .route("/dot-danh-gia/{id}/lap-hang-loat", post(lay_page))
        .route("/dot-danh-gia/{id}/bang-cham.xlsx", get(tally_download))
        .route("/dot-danh-gia/{id}/bang-cham", get(tally_form).post(tally_check))
        .route("/dot-danh-gia/{id}/bang-cham/ghi", post(tally_apply))
        .route("/dot-danh-gia/{id}/chuyen-hang-loat", post(bulk_transition_page))
        .route("/dot-danh-gia/{id}/minh-chung-chung", post(shared_evidence))
}

// ---- Laying in bulk ----

#[derive(Deserialize, Default)]
struct LayForm {
    #[serde(default)]
    csrf: String,
    #[serde(flatten)]
    rest: BTreeMap<String, String>,
}

async fn lay_page(State(state): State<AppState>, user: CurrentUser, Path(id): Path<i64>, Form(f): Form<LayForm>) -> WebResult<Response> {
    user.check_csrf(&f.csrf)?;
    if !may_prepare(&user) {
        return Err(WebError::Forbidden);
    }
    let c = visible_campaign(&state.store, &user, id).await?;
    let villages: Vec<i64> = f.rest.keys().filter_map(|k| k.strip_prefix("thon:")).filter_map(|x| x.parse().ok()).collect();
    let result = lay_all(&state.store, &user, &c, &villages).await.map(|(r, gaps)| {
        let mut msg = format!("Đã lập {} hồ sơ; bỏ qua {} đối tượng đã có hồ sơ", r.created, r.skipped);
        if !gaps.is_empty() {
            msg.push_str(&format!(". Cần tạo tài khoản: {}", gaps.join("; ")));
        }
        (format!("/dot-danh-gia/{id}"), msg)
    });
    super::after_post(&state, result, |errors| super::assessments::campaign_view_page(&state, &user, id, errors)).await
}

// ---- Gaps: steps without an account ----

// ---- The filtered list ----

// ---- Bulk transitions ----

#[derive(Template)]
#[template(path = "bulk_confirm.html")]
struct ConfirmPage {
    chrome: Chrome,
    c: CampaignRow,
    b: BulkAction,
    verb: &'static str,
    outcome: BulkOutcome,
}

#[derive(Deserialize)]
struct BulkForm {
    #[serde(default)]
    csrf: String,
    #[serde(flatten)]
    b: BulkAction,
}

async fn bulk_transition_page(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<i64>,
    Form(f): Form<BulkForm>,
) -> WebResult<Response> {
    user.check_csrf(&f.csrf)?;
    let role = user.user.role;
    if !(may_prepare(&user) || reviews(role) || role == Role::Signer || role == Role::MinistryReviewer) {
        return Err(WebError::Forbidden);
    }
    let c = visible_campaign(&state.store, &user, id).await?;
    let confirmed = match f.b.so_luong.trim() {
        "" => None,
        n => Some(n.parse::<usize>().map_err(|_| WebError::invalid("so_luong", "Số hồ sơ xác nhận không hợp lệ"))?),
    };
    let result = bulk_transition(&state.store, &user, &c, &f.b, confirmed).await;
    match (result, confirmed) {
        (Ok(o), Some(_)) => {
            let (_, verb) = f.b.command()?;
            let mut msg = format!("Đã {verb} {} hồ sơ", o.done);
            if !o.refused.is_empty() {
                msg.push_str(&format!("; {} hồ sơ không chuyển được", o.refused.len()));
            }
            let qs = f.b.query().query_string();
            Ok(flash_redirect(&state, &format!("/dot-danh-gia/{id}{}{qs}", if qs.is_empty() { "" } else { "?" }), &msg))
        }
        (Ok(outcome), None) => {
            let (_, verb) = f.b.command()?;
            render(&ConfirmPage { chrome: Chrome::new(format!("Xác nhận: {verb} hồ sơ"), &user), c, b: f.b, verb, outcome })
        }
        (Err(e), _) => {
            super::after_post(&state, Err::<(String, String), _>(e), |errors| {
                super::assessments::campaign_view_page(&state, &user, id, errors)
            })
            .await
        }
    }
}

// ---- Tally sheet ----

/// What a checked tally sheet is kept for (per campaign).
fn purpose(c: &CampaignRow) -> String {
    format!("bang-cham:{}", c.id)
}

#[derive(Template)]
#[template(path = "tally.html")]
struct TallyPage {
    chrome: Chrome,
    c: CampaignRow,
    errors: Vec<FieldError>,
    report: Option<TallyReport>,
    /// Lines shown (at most 200).
    lines: Vec<TallyLine>,
    more: usize,
    pending: String,
    file_name: String,
    columns: Vec<TallyColumn>,
}

impl TallyPage {
    async fn new(state: &AppState, user: &CurrentUser, c: CampaignRow) -> WebResult<Self> {
        let set = state.store.criteria_set(&c.set_id, Some(&c.set_version)).await?.set;
        Ok(Self {
            chrome: Chrome::new(format!("Bảng chấm: {}", c.title), user),
            columns: tally_columns(&set),
            c,
            errors: Vec::new(),
            report: None,
            lines: Vec::new(),
            more: 0,
            pending: String::new(),
            file_name: String::new(),
        })
    }

    fn with(mut self, report: TallyReport) -> Self {
        self.lines = report.lines.iter().take(200).cloned().collect();
        self.more = report.lines.len().saturating_sub(self.lines.len());
        self.report = Some(report);
        self
    }

    fn failed(mut self, e: impl Into<WebError>) -> WebResult<Response> {
        let e: WebError = e.into();
        let status = e.status();
        self.errors = super::field_error(&e).map(|x| vec![x]).ok_or(e)?;
        Ok((status, Html(self.render()?)).into_response())
    }
}

async fn tally_download(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<i64>,
    Query(q): Query<ListQuery>,
) -> WebResult<Response> {
    if !may_prepare(&user) {
        return Err(WebError::Forbidden);
    }
    let c = visible_campaign(&state.store, &user, id).await?;
    let bytes = tally_workbook(&state.store, &user, &c, &q).await?;
    Ok(super::download(bytes, super::XLSX, &format!("bang-cham-dot-{id}.xlsx")))
}

async fn tally_form(State(state): State<AppState>, user: CurrentUser, Path(id): Path<i64>) -> WebResult<Response> {
    if !may_prepare(&user) {
        return Err(WebError::Forbidden);
    }
    let c = visible_campaign(&state.store, &user, id).await?;
    render(&TallyPage::new(&state, &user, c).await?)
}

async fn tally_check(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<i64>,
    mp: axum::extract::Multipart,
) -> WebResult<Response> {
    if !may_prepare(&user) {
        return Err(WebError::Forbidden);
    }
    let c = visible_campaign(&state.store, &user, id).await?;
    let upload = super::read_upload(mp).await?;
    user.check_csrf(upload.field("csrf"))?;
    let page = TallyPage::new(&state, &user, c.clone()).await?;
    if upload.bytes.is_empty() {
        return page.failed(WebError::invalid("file", "Chọn một tệp"));
    }
    let bytes: Arc<[u8]> = upload.bytes.into();
    let report = match tally_import(&state.store, &user, &c, bytes.clone(), true).await {
        Ok(r) => r,
        Err(e) => return page.failed(e),
    };
    let status = if report.rejected > 0 { StatusCode::UNPROCESSABLE_ENTITY } else { StatusCode::OK };
    // The file stays on the server: the page carries its hash, never its rows.
    let pending = if report.rejected == 0 {
        state.store.pending_upload_save(&user.actor(), &purpose(&c), &upload.file_name, &bytes).await?
    } else {
        String::new()
    };
    let page = TallyPage { pending, file_name: upload.file_name, ..page.with(report) };
    Ok((status, Html(page.render()?)).into_response())
}

#[derive(Deserialize)]
struct ApplyForm {
    #[serde(default)]
    tep: String,
    #[serde(default)]
    csrf: String,
}

async fn tally_apply(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<i64>,
    Form(f): Form<ApplyForm>,
) -> WebResult<Response> {
    user.check_csrf(&f.csrf)?;
    if !may_prepare(&user) {
        return Err(WebError::Forbidden);
    }
    let c = visible_campaign(&state.store, &user, id).await?;
    let page = TallyPage::new(&state, &user, c.clone()).await?;
    let Some(file) = state.store.pending_upload(&user.actor(), &purpose(&c), f.tep.trim()).await? else {
        return page.failed(WebError::invalid(
            "file",
            format!("Tệp đã kiểm tra không còn (đã ghi, hoặc quá {} giờ); hãy tải tệp lên lại", hoctap_store::PENDING_HOURS),
        ));
    };
    // Everything is checked again and written in one transaction, or nothing.
    let report = match tally_import(&state.store, &user, &c, file.bytes.into(), false).await {
        Ok(r) => r,
        Err(e) => return page.failed(e),
    };
    if report.applied || report.rejected == 0 {
        state.store.pending_upload_done(&user.actor(), &purpose(&c), &file.sha256).await?;
        let msg = format!("Đã ghi bảng chấm: {} hồ sơ được chấm lại, {} không đổi", report.to_update, report.unchanged);
        return Ok(flash_redirect(&state, &format!("/dot-danh-gia/{id}"), &msg));
    }
    let page = TallyPage { pending: file.sha256, file_name: file.file_name, ..page.with(report) };
    Ok((StatusCode::UNPROCESSABLE_ENTITY, Html(page.render()?)).into_response())
}

// ---- Shared evidence ----

/// One file for every dossier the filter shows (that can still take evidence), linked to the
/// ticked indicators: stored once, described for each dossier.
async fn shared_evidence(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<i64>,
    mp: axum::extract::Multipart,
) -> WebResult<Response> {
    if !may_prepare(&user) {
        return Err(WebError::Forbidden);
    }
    let c = visible_campaign(&state.store, &user, id).await?;
    let upload = super::read_upload(mp).await?;
    user.check_csrf(upload.field("csrf"))?;
    let result = async {
        let q = ListQuery {
            thon: upload.field("thon").to_string(),
            trang_thai: upload.field("trang_thai").to_string(),
            ket_qua: upload.field("ket_qua").to_string(),
            nguoi: upload.field("nguoi").to_string(),
            sau: String::new(),
        };
        let filter = q.filter()?;
        let rows = state.store.campaign_dossiers(c.id, user.scope(), hoctap_store::today(), &filter, None, None).await?;
        let targets: Vec<(i64, i64)> = rows
            .iter()
            .filter(|a| matches!(a.dossier.state, WfState::Draft | WfState::Returned { .. }))
            .map(|a| (a.id, a.unit_id))
            .collect();
        if upload.bytes.is_empty() {
            return Err(WebError::invalid("file", "Chọn một tệp"));
        }
        let kind = hoctap_docs::sniff::sniff(&upload.bytes).map_err(|e| WebError::invalid("file", capitalise(&e)))?;
        let indicators: Vec<String> = upload.fields.keys().filter_map(|k| k.strip_prefix("ct:")).map(String::from).collect();
        let e = hoctap_store::NewEvidence {
            bytes: &upload.bytes,
            mime: kind.mime(),
            file_name: &upload.file_name,
            doc_type: upload.field("doc_type"),
            title: upload.field("title"),
            issued_on: upload.field("issued_on"),
            issuer: upload.field("issuer"),
            indicators: &indicators,
        };
        Ok::<_, WebError>(state.store.add_shared_evidence(&user.actor(), &targets, e).await?)
    }
    .await;
    super::after_post(
        &state,
        result.map(|n| (format!("/dot-danh-gia/{id}"), format!("Đã thêm minh chứng chung cho {n} hồ sơ"))),
        |errors| super::assessments::campaign_view_page(&state, &user, id, errors),
    )
    .await
}
