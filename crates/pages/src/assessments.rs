//! The yearly cycle as pages: campaigns (đợt đánh giá) opened by the recognising unit, dossiers
//! (hồ sơ) per subject with a self-assessment form generated from the criteria set, the live
//! result with its explanation, and the review steps: take, return with comments per
//! indicator, approve (one by one or many at once), reject. The workflow rules live in
//! `hoctap_domain::workflow`; this module checks who may act and stores the outcome.

use super::{Chrome, FieldError, capitalise, flash_redirect, render};
use askama::Template;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{Html, IntoResponse, Response};
use hoctap_app::dossiers::{
    CampaignForm, PROGRESS_HEADER, answer_text, answers_for_save, apply, apply_with, data_editable, fill_from_registries, lay_dossier,
    may_prepare, may_prepare_dossier, may_prepare_some, may_read_dossier, may_review, open, open_for_changes, progress_rows,
    registry_values, resolve_subject, reviews, store_answers,
};
use hoctap_domain::access::{Action, Role};
use hoctap_domain::criteria::{CriteriaSet, SubjectKind};
use hoctap_domain::date::{format_vn, parse_date};
use hoctap_domain::registry::def::{self};
use hoctap_domain::unit::UnitKind;
use hoctap_domain::workflow::{Command, State as WfState};
use hoctap_http::AppState;
use hoctap_http::auth::CsrfForm;
use hoctap_http::auth::CurrentUser;
use hoctap_http::error::{WebError, WebResult};
use hoctap_http::routes::{Routes, get, post};
use hoctap_store::{AssessmentRow, CampaignRow, RegistryQuery};
use serde::Deserialize;
use std::collections::BTreeMap;

pub fn routes() -> Routes {
    Routes::new()
        .route("/viec-cua-toi", get(inbox))
        .route("/tu-danh-gia", get(self_assessment))
        .route("/tu-danh-gia/{campaign}", post(start_self_assessment))
        .route("/dot-danh-gia", get(campaigns).post(open_campaign))
        .route("/dot-danh-gia/{id}", get(campaign_page))
        .route("/dot-danh-gia/{id}/ho-so", post(add_dossier))
        .route("/dot-danh-gia/{id}/thong-qua", post(bulk_approve))
        .route("/dot-danh-gia/{id}/tien-do.xlsx", get(progress_xlsx))
        .route("/ho-so/{id}", get(dossier_page))
        .route("/ho-so/{id}/luu", post(save))
        .route("/ho-so/{id}/so-lieu", post(refresh_data))
        .route("/ho-so/{id}/chuyen", post(act))
        .route("/ho-so/{id}/minh-chung", post(upload_evidence))
        .route("/minh-chung/{id}", get(download_evidence))
}

pub struct CampaignLine {
    pub id: i64,
    pub title: String,
    pub year: i64,
    pub set_id: String,
    pub unit: String,
    pub due: String,
}

#[derive(Template)]
#[template(path = "campaigns.html")]
struct CampaignsPage {
    chrome: Chrome,
    lines: Vec<CampaignLine>,
    sets: Vec<(String, String)>,
    can_open: bool,
    errors: Vec<FieldError>,
    form: CampaignForm,
    year: i32,
}

async fn campaigns_page(state: &AppState, user: &CurrentUser, errors: Vec<FieldError>, form: CampaignForm) -> WebResult<CampaignsPage> {
    let lines = state
        .store
        .campaigns(user.scope().map(|_| user.user.unit_id), hoctap_store::today())
        .await?
        .into_iter()
        .map(|c| CampaignLine {
            id: c.id,
            title: c.title,
            year: c.year,
            set_id: c.set_id,
            unit: c.unit_name,
            due: format_vn(c.dossier_due),
        })
        .collect();
    let sets =
        state.store.criteria_sets().await?.into_iter().map(|s| (s.set.id.clone(), format!("{} ({})", s.set.title, s.set.id))).collect();
    Ok(CampaignsPage {
        chrome: Chrome::new("Đợt đánh giá", user),
        lines,
        sets,
        can_open: may_prepare(user),
        errors,
        form,
        year: hoctap_store::today().year().into(),
    })
}

async fn campaigns(State(state): State<AppState>, user: CurrentUser) -> WebResult<Response> {
    user.require(Action::ReadLocal)?;
    render(&campaigns_page(&state, &user, Vec::new(), CampaignForm::default()).await?)
}

async fn open_campaign(State(state): State<AppState>, user: CurrentUser, CsrfForm(f): CsrfForm<CampaignForm>) -> WebResult<Response> {
    super::after_post(
        &state,
        open(&state.store, &user, &f).await.map(|id| (format!("/dot-danh-gia/{id}"), "Đã mở đợt đánh giá")),
        |errors| campaigns_page(&state, &user, errors, f),
    )
    .await
}

pub struct DossierLine {
    pub id: i64,
    pub subject: String,
    pub state: String,
    pub result: String,
    pub can_approve: bool,
}

#[derive(Template)]
#[template(path = "campaign.html")]
pub(crate) struct CampaignPage {
    chrome: Chrome,
    c: CampaignRow,
    lines: Vec<DossierLine>,
    can_add: bool,
    subject_hint: String,
    done: Option<String>,
    errors: Vec<FieldError>,
    any_approvable: bool,
    /// Progress per child unit: name and counts (total, draft, in review, returned, approved, recognised, rejected, late).
    progress: Vec<(String, [usize; 8])>,
    /// Self-assessment closes, dossier due, decision due, as dd/mm/yyyy.
    dates: (String, String, String),
    /// Decisions issued in the campaign: id, number, date.
    decisions: Vec<(i64, String, String)>,
    /// The dossiers under the page's filter, one page, with counts; steps without an account.
    list: hoctap_app::bulk::ListView,
    can_review: bool,
    can_sign: bool,
}

/// A campaign the user may read: a local reader whose scope holds the campaign's unit or is
/// under it (403 for the role before the campaign is read, 404 out of scope).
async fn campaign_view_allowed(state: &AppState, user: &CurrentUser, id: i64) -> WebResult<CampaignRow> {
    user.require(Action::ReadLocal)?;
    let c = state.store.campaign(id).await?;
    let visible =
        user.sees(&state.store, c.unit_id).await? || state.store.in_scope(c.unit_id, user.user.unit_id, hoctap_store::today()).await?;
    if !visible {
        return Err(WebError::NotFound("đợt đánh giá"));
    }
    Ok(c)
}

/// The campaign page (unfiltered) with errors, for a refused form.
pub(crate) async fn campaign_view_page(state: &AppState, user: &CurrentUser, id: i64, errors: Vec<FieldError>) -> WebResult<CampaignPage> {
    campaign_view(state, user, id, errors, None, &hoctap_app::bulk::ListQuery::default()).await
}

async fn campaign_view(
    state: &AppState,
    user: &CurrentUser,
    id: i64,
    errors: Vec<FieldError>,
    done: Option<String>,
    query: &hoctap_app::bulk::ListQuery,
) -> WebResult<CampaignPage> {
    let c = campaign_view_allowed(state, user, id).await?;
    let list = hoctap_app::bulk::list_view(&state.store, user, &c, query).await?;
    let lines: Vec<DossierLine> = list
        .lines
        .iter()
        .map(|l| DossierLine {
            id: l.id,
            subject: l.subject.clone(),
            state: l.state.clone(),
            result: l.result.clone(),
            can_approve: l.can_approve,
        })
        .collect();
    let subject_hint = match list.subject {
        SubjectKind::Household => "Mã hộ trong sổ hộ gia đình",
        SubjectKind::Citizen => "Số CCCD trong sổ công dân",
        SubjectKind::Clan => "Mã dòng họ",
        SubjectKind::Organisation => "Mã cơ quan, đơn vị",
        SubjectKind::Village => "Mã thôn (8 chữ số)",
        SubjectKind::Commune => "Mã xã (5 chữ số)",
        SubjectKind::District => "Mã huyện (3 chữ số)",
        SubjectKind::Province => "Mã tỉnh (2 chữ số)",
    }
    .to_string();
    let progress = progress_rows(&state.store, user, &c).await?;
    let decisions =
        state.store.decisions(c.id).await?.into_iter().map(|d| (d.id, d.content.number, format_vn(d.content.decided_on))).collect();
    Ok(CampaignPage {
        decisions,
        progress,
        dates: (format_vn(c.self_assessment_closes), format_vn(c.dossier_due), format_vn(c.decision_due)),
        chrome: Chrome::new(c.title.clone(), user),
        any_approvable: lines.iter().any(|l| l.can_approve),
        lines,
        can_add: may_prepare(user) && !c.closed,
        can_review: reviews(user.user.role) || user.user.role == Role::MinistryReviewer,
        can_sign: user.user.role == Role::Signer || user.is_admin(),
        list,
        subject_hint,
        done,
        errors,
        c,
    })
}

async fn campaign_page(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<i64>,
    axum::extract::Query(q): axum::extract::Query<hoctap_app::bulk::ListQuery>,
    headers: HeaderMap,
) -> WebResult<Response> {
    super::page_with_flash(&headers, |done| campaign_view(&state, &user, id, Vec::new(), done, &q)).await
}

#[derive(Deserialize)]
struct SubjectForm {
    #[serde(default)]
    subject: String,
}

async fn refresh_data(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<i64>,
    _: CsrfForm<hoctap_http::auth::NoFields>,
) -> WebResult<Response> {
    may_prepare_some(&user)?;
    let a = state.store.assessment(id).await?;
    may_read_dossier(&state.store, &user, &a).await?;
    if !may_prepare_dossier(&state.store, &user, &a).await? {
        return Err(WebError::Forbidden);
    }
    open_for_changes(&a)?;
    let c = state.store.campaign(a.campaign_id).await?;
    let set = state.store.criteria_set(&c.set_id, Some(&c.set_version)).await?.set;
    if !data_editable(&set, &a) {
        return Err(WebError::Forbidden);
    }
    let n = fill_from_registries(&state.store, &user, id, false).await?;
    let message = if n == 0 {
        "Sổ đăng ký chưa có số liệu nào cho hồ sơ này".to_string()
    } else {
        format!("Đã lấy {n} số liệu từ sổ đăng ký; kết quả chấm đã cập nhật")
    };
    Ok(flash_redirect(&state, &format!("/ho-so/{id}"), &message))
}

async fn add_dossier(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<i64>,
    CsrfForm(f): CsrfForm<SubjectForm>,
) -> WebResult<Response> {
    if !may_prepare(&user) {
        return Err(WebError::Forbidden);
    }
    let c = state.store.campaign(id).await?;
    let result = async {
        let set = state.store.criteria_set(&c.set_id, Some(&c.set_version)).await?.set;
        let (subject_id, label, unit) = resolve_subject(&state.store, &user, set.subject, &f.subject).await?;
        if !state.store.in_scope(c.unit_id, unit, hoctap_store::today()).await? {
            return Err(WebError::invalid("subject", format!("{label} không thuộc địa bàn của đợt đánh giá")));
        }
        lay_dossier(&state.store, &user, &c, set.subject, subject_id, &label, unit).await.map_err(Into::into)
    }
    .await;
    super::after_post(&state, result.map(|aid| (format!("/ho-so/{aid}"), "Đã lập hồ sơ")), |errors| {
        campaign_view_page(&state, &user, id, errors)
    })
    .await
}

pub struct AnswerLine {
    pub id: String,
    pub name: String,
    pub criterion: String,
    pub kind: &'static str,
    pub max: String,
    pub value: String,
    pub editable: bool,
    pub comment: String,
    pub badge: &'static str,
    /// What the citizen's learning record says to this indicator (issue 16), if anything.
    pub hint: String,
}

#[derive(Template)]
#[template(path = "dossier.html")]
struct DossierPage {
    chrome: Chrome,
    a: AssessmentRow,
    c: CampaignRow,
    set: CriteriaSet,
    lines: Vec<AnswerLine>,
    state_label: String,
    chain: Vec<(String, String)>,
    summary: String,
    explanation: Vec<(String, String, String, String)>,
    transitions: Vec<(String, String, String, String)>,
    can_edit: bool,
    can_submit: bool,
    can_review: bool,
    can_take: bool,
    errors: Vec<FieldError>,
    done: Option<String>,
    /// Answers changed since the dossier was last returned.
    changes: Vec<String>,
    evidence: Vec<hoctap_store::EvidenceRow>,
    /// Indicators whose evidence is still missing (id, what is asked).
    evidence_missing: Vec<(String, String)>,
    /// Data the computed indicators read.
    data_lines: Vec<DataLine>,
    /// Some data can be counted from the registries (the refresh button).
    has_sourced_data: bool,
    data_editable: bool,
    /// The signer of the recognising unit may refuse recognition here (không công nhận).
    can_refuse: bool,
    /// Why recognition was refused, for the family to read.
    rejection: String,
}

/// A datum (số liệu) on the dossier form, with what the registries say when they hold it.
struct DataLine {
    id: String,
    name: String,
    value: String,
    /// How the registries count it; empty when it is typed in.
    how: String,
    /// The registry count now, when it differs from the stored value.
    registry_differs: Option<String>,
}

async fn dossier_view(
    state: &AppState,
    user: &CurrentUser,
    id: i64,
    errors: Vec<FieldError>,
    done: Option<String>,
) -> WebResult<DossierPage> {
    let a = state.store.assessment(id).await?;
    may_read_dossier(&state.store, user, &a).await?;
    let c = state.store.campaign(a.campaign_id).await?;
    let set = state.store.criteria_set(&c.set_id, Some(&c.set_version)).await?.set;
    let comments = match &a.dossier.state {
        WfState::Returned { comments, .. } => comments.clone(),
        _ => BTreeMap::new(),
    };
    let preparer = may_prepare_dossier(&state.store, user, &a).await?;
    let learning = hoctap_app::dossiers::record_hints(&state.store, &set.id, &a.subject_kind, a.subject_id, c.year).await?;
    let lines = set
        .indicators()
        .map(|(cr, i)| AnswerLine {
            id: i.id.clone(),
            name: i.name.clone(),
            criterion: format!("{} {}", cr.id, cr.name),
            kind: if i.formula.is_some() { "computed" } else { i.kind.code() },
            max: i.max_points.map(|p| p.to_string()).unwrap_or_default(),
            value: a.answers["answers"].get(&i.id).map(answer_text).unwrap_or_default(),
            editable: preparer && a.dossier.state.may_edit(&i.id),
            comment: comments.get(&i.id).cloned().unwrap_or_default(),
            badge: super::criteria::badge(i.confidence),
            hint: learning
                .iter()
                .find(|p| p.indicator == i.id)
                .map(|p| format!("{} điểm gợi ý – {}", p.points, p.explanation))
                .unwrap_or_default(),
        })
        .collect();
    let current = a.dossier.current_step().cloned();
    let can_review = match (&a.dossier.state, &current) {
        (WfState::InReview { .. }, Some(step)) => {
            may_review(&state.store, user, step, a.unit_id).await? && a.dossier.submitted_by != Some(user.user.id)
        }
        _ => false,
    };
    let can_take = match (&a.dossier.state, &current) {
        (WfState::Submitted, Some(step)) => {
            may_review(&state.store, user, step, a.unit_id).await? && a.dossier.submitted_by != Some(user.user.id)
        }
        _ => false,
    };
    let step_index = match &a.dossier.state {
        WfState::InReview { step } | WfState::Returned { step, .. } => Some(*step),
        _ => None,
    };
    let chain = a
        .dossier
        .chain
        .iter()
        .enumerate()
        .map(|(i, s)| {
            let status = match (step_index, &a.dossier.state) {
                (_, WfState::Approved | WfState::Recognised { .. }) => "đã thông qua",
                (Some(k), _) if i < k => "đã thông qua",
                (Some(k), _) if i == k => "đang xử lý",
                _ => "chờ",
            };
            (s.name.clone(), status.to_string())
        })
        .collect();
    let explanation = a
        .result
        .as_ref()
        .and_then(|r| r["explanation"].as_array().cloned())
        .unwrap_or_default()
        .iter()
        .map(|e| {
            let s = |k: &str| e[k].as_str().map(str::to_string).unwrap_or_default();
            let val = match (&e["points"], &e["met"]) {
                (serde_json::Value::String(p), _) => p.clone(),
                (serde_json::Value::Number(p), _) => p.to_string(),
                (_, serde_json::Value::Bool(m)) => {
                    if *m {
                        "Đạt".into()
                    } else {
                        "Không đạt".into()
                    }
                }
                _ => String::new(),
            };
            (s("id"), val, s("rule"), s("missing"))
        })
        .collect();
    let evidence = state.store.evidence_of(id).await?;
    let registry = registry_values(&state.store, &set, &c, a.subject_id).await?;
    let all_transitions = state.store.transitions(id).await?;
    let changes: Vec<String> =
        match all_transitions.iter().rev().find(|t| t.action == "return").and_then(|t| t.detail.as_ref()).map(|d| d["answers"].clone()) {
            Some(before) if !matches!(a.dossier.state, WfState::Draft) => set
                .indicators()
                .filter_map(|(_, i)| {
                    let old = before.get(&i.id).map(answer_text).unwrap_or_default();
                    let new = a.answers["answers"].get(&i.id).map(answer_text).unwrap_or_default();
                    // Yes/no answers read as the form shows them, not as stored (1/0).
                    let shown = |t: String| match (i.kind, t.as_str()) {
                        (_, "") => "—".to_string(),
                        (hoctap_domain::criteria::IndicatorKind::YesNo, "1") => "Đạt".into(),
                        (hoctap_domain::criteria::IndicatorKind::YesNo, "0") => "Không đạt".into(),
                        _ => t,
                    };
                    (old != new).then(|| format!("{}: {} → {}", i.id, shown(old), shown(new)))
                })
                .collect(),
            _ => Vec::new(),
        };
    let transitions = all_transitions
        .into_iter()
        .map(|t| {
            let comment = t.detail.as_ref().map(|d| d.to_string()).filter(|d| d != "null" && d != "{}").unwrap_or_default();
            (hoctap_app::format::instant_vn(&t.at), t.actor_name, format!("{} → {}", t.from_state, t.to_state), comment)
        })
        .collect();
    Ok(DossierPage {
        chrome: Chrome::new(format!("Hồ sơ: {}", a.subject_label), user),
        state_label: a.dossier.state.label(),
        summary: a.result.as_ref().and_then(|r| r["summary"].as_str().map(str::to_string)).unwrap_or_else(|| "Chưa chấm".into()),
        can_edit: preparer && matches!(a.dossier.state, WfState::Draft | WfState::Returned { .. }),
        can_submit: preparer && matches!(a.dossier.state, WfState::Draft | WfState::Returned { .. }),
        can_refuse: !can_review
            && matches!(a.dossier.state, WfState::Approved | WfState::InReview { .. } | WfState::Submitted)
            && ((user.user.role == Role::Signer && user.user.unit_id == c.unit_id) || user.is_admin()),
        rejection: match &a.dossier.state {
            WfState::Rejected { reason } => reason.clone(),
            _ => String::new(),
        },
        can_review,
        can_take,
        chain,
        explanation,
        transitions,
        lines,
        errors,
        done,
        changes,
        evidence_missing: set
            .indicators()
            .filter(|(_, i)| !i.evidence.is_empty() && !evidence.iter().any(|e| e.indicators.contains(&i.id)))
            .map(|(_, i)| (i.id.clone(), i.evidence.join("; ")))
            .collect(),
        evidence,
        has_sourced_data: !registry.is_empty(),
        data_lines: set
            .variables
            .iter()
            .map(|v| {
                let value = a.answers["data"].get(&v.id).map(answer_text).unwrap_or_default();
                let found = registry.iter().find(|r| r.variable == v.id);
                DataLine {
                    id: v.id.clone(),
                    name: v.name.clone(),
                    how: found.map(|r| r.how.clone()).unwrap_or_default(),
                    registry_differs: found.and_then(|r| r.value).map(|n| n.to_string()).filter(|n| *n != value),
                    value,
                }
            })
            .collect(),
        data_editable: preparer && data_editable(&set, &a),
        a,
        c,
        set,
    })
}

async fn dossier_page(State(state): State<AppState>, user: CurrentUser, Path(id): Path<i64>, headers: HeaderMap) -> WebResult<Response> {
    super::page_with_flash(&headers, |done| dossier_view(&state, &user, id, Vec::new(), done)).await
}

fn form_map(pairs: Vec<(String, String)>) -> BTreeMap<String, Vec<String>> {
    let mut map: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for (k, v) in pairs {
        map.entry(k).or_default().push(v);
    }
    map
}

/// Saves the answers a user may change, evaluates, and stores the result.
/// A request with `x-autosave: 1` (the page's script saving a draft as the user types) gets
/// JSON back instead of a page: the new summary, or the field errors.
async fn save(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<i64>,
    headers: HeaderMap,
    CsrfForm(pairs): CsrfForm<Vec<(String, String)>>,
) -> WebResult<Response> {
    let autosave = headers.get("x-autosave").is_some_and(|v| v == "1");
    let form = form_map(pairs);
    may_prepare_some(&user)?;
    let a = state.store.assessment(id).await?;
    may_read_dossier(&state.store, &user, &a).await?;
    if !may_prepare_dossier(&state.store, &user, &a).await? {
        return Err(WebError::Forbidden);
    }
    open_for_changes(&a)?;
    let c = state.store.campaign(a.campaign_id).await?;
    let set = state.store.criteria_set(&c.set_id, Some(&c.set_version)).await?.set;
    let answers = match answers_for_save(&set, &a, &form) {
        Ok(x) => x,
        Err(errors) if autosave => {
            let messages: Vec<&str> = errors.iter().map(|e| e.message.as_str()).collect();
            return Ok((StatusCode::UNPROCESSABLE_ENTITY, axum::Json(serde_json::json!({"errors": messages}))).into_response());
        }
        Err(errors) => {
            let page = dossier_view(&state, &user, id, errors, None).await?;
            return Ok((StatusCode::UNPROCESSABLE_ENTITY, Html(page.render()?)).into_response());
        }
    };
    let result = store_answers(&state.store, &user, &a, &c, &set, &answers).await?;
    if autosave {
        return Ok(axum::Json(serde_json::json!({"summary": result["summary"]})).into_response());
    }
    Ok(flash_redirect(&state, &format!("/ho-so/{id}"), "Đã lưu; kết quả chấm đã cập nhật"))
}

#[derive(Deserialize)]
struct ActForm {
    #[serde(default)]
    action: String,
    #[serde(default)]
    reason: String,
    #[serde(flatten)]
    rest: BTreeMap<String, String>,
}

async fn act(State(state): State<AppState>, user: CurrentUser, Path(id): Path<i64>, CsrfForm(f): CsrfForm<ActForm>) -> WebResult<Response> {
    let a = state.store.assessment(id).await?;
    may_read_dossier(&state.store, &user, &a).await?;
    let override_reason = f.rest.get("ly_do_ngoai_le").cloned().unwrap_or_default();
    let cmd = match f.action.as_str() {
        "submit" => Command::Submit,
        "take" => Command::StartReview,
        "approve" => Command::Approve,
        "return" => Command::Return {
            comments: f.rest.iter().filter_map(|(k, v)| k.strip_prefix("y:").map(|id| (id.to_string(), v.clone()))).collect(),
        },
        "reject" => Command::Reject { reason: f.reason.clone() },
        _ => return Err(WebError::invalid("action", "Thao tác không hợp lệ")),
    };
    let result = apply_with(&state.store, &user, &a, cmd, &override_reason).await.map(|()| (format!("/ho-so/{id}"), "Đã chuyển hồ sơ"));
    super::after_post(&state, result, |errors| dossier_view(&state, &user, id, errors, None)).await
}

#[derive(Deserialize)]
struct BulkForm {
    #[serde(flatten)]
    rest: BTreeMap<String, String>,
}

/// Approves every ticked dossier at its current step, one transition each; reports those refused.
async fn bulk_approve(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<i64>,
    CsrfForm(f): CsrfForm<BulkForm>,
) -> WebResult<Response> {
    // Role and scope first, once: a user who may approve nothing here is told so before any dossier is read.
    if !(reviews(user.user.role) || user.user.role == Role::MinistryReviewer) {
        return Err(WebError::Forbidden);
    }
    campaign_view_allowed(&state, &user, id).await?;
    let ids: Vec<i64> = f.rest.keys().filter_map(|k| k.strip_prefix("chon:")).filter_map(|x| x.parse().ok()).collect();
    let mut done = 0;
    let mut refused = Vec::new();
    for aid in ids {
        let a = state.store.assessment(aid).await?;
        if a.campaign_id != id || !user.sees(&state.store, a.unit_id).await? {
            continue;
        }
        match apply(&state.store, &user, &a, Command::Approve).await {
            Ok(()) => done += 1,
            Err(e) => refused.push(format!("{}: {e}", a.subject_label)),
        }
    }
    let msg = if refused.is_empty() {
        format!("Đã thông qua {done} hồ sơ")
    } else {
        format!("Đã thông qua {done} hồ sơ; không thông qua được: {}", refused.join("; "))
    };
    Ok(flash_redirect(&state, &format!("/dot-danh-gia/{id}"), &msg))
}

/// Uploads an evidence file for a dossier: the type is read from the bytes, the file is
/// stored once by its SHA-256, and linked to the ticked indicators.
async fn upload_evidence(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<i64>,
    mp: axum::extract::Multipart,
) -> WebResult<Response> {
    may_prepare_some(&user)?;
    let a = state.store.assessment(id).await?;
    may_read_dossier(&state.store, &user, &a).await?;
    if !may_prepare_dossier(&state.store, &user, &a).await? {
        return Err(WebError::Forbidden);
    }
    let upload = super::read_upload(mp).await?;
    user.check_csrf(upload.field("csrf"))?;
    let indicators: Vec<String> = upload.fields.keys().filter_map(|k| k.strip_prefix("ct:")).map(String::from).collect();
    let (fields, bytes, file_name) = (&upload.fields, &upload.bytes, &upload.file_name);
    let result = async {
        // Evidence can be added while the dossier can still be changed.
        if !matches!(a.dossier.state, WfState::Draft | WfState::Returned { .. }) {
            return Err(WebError::invalid(
                "file",
                format!("Hồ sơ đang ở trạng thái \"{}\": không thêm minh chứng được", a.dossier.state.label()),
            ));
        }
        let kind = hoctap_docs::sniff::sniff(bytes).map_err(|e| WebError::invalid("file", capitalise(&e)))?;
        let get = |k: &str| fields.get(k).map(String::as_str).unwrap_or("");
        if !get("issued_on").trim().is_empty() {
            parse_date(get("issued_on")).map_err(|e| WebError::invalid("issued_on", capitalise(&e.to_string())))?;
        }
        let evidence = hoctap_store::NewEvidence {
            bytes,
            mime: kind.mime(),
            file_name,
            doc_type: get("doc_type"),
            title: get("title"),
            issued_on: get("issued_on"),
            issuer: get("issuer"),
            indicators: &indicators,
        };
        Ok::<_, WebError>(state.store.add_evidence(&user.actor(), a.id, a.unit_id, evidence).await?)
    }
    .await;
    super::after_post(&state, result.map(|e| (format!("/ho-so/{id}"), format!("Đã thêm minh chứng {}", e.code))), |errors| {
        dossier_view(&state, &user, id, errors, None)
    })
    .await
}

async fn download_evidence(State(state): State<AppState>, user: CurrentUser, Path(id): Path<i64>) -> WebResult<Response> {
    let (assessment_id, mime, name, bytes) = state.store.evidence_file(id).await?;
    let a = state.store.assessment(assessment_id).await?;
    may_read_dossier(&state.store, &user, &a).await?;
    Ok((
        [(axum::http::header::CONTENT_TYPE, mime), (axum::http::header::CONTENT_DISPOSITION, format!("attachment; filename=\"{name}\""))],
        bytes,
    )
        .into_response())
}

/// A report due, in the inbox.
pub struct ReportDue {
    pub label: String,
    pub link: String,
    pub deadline: String,
    pub days_left: i64,
    pub overdue: bool,
    pub sent: bool,
}

pub struct InboxLine {
    pub id: i64,
    pub subject: String,
    pub campaign: String,
    pub state: String,
    pub deadline: String,
    pub days_left: i64,
    pub overdue: bool,
}

#[derive(Template)]
#[template(path = "inbox.html")]
struct InboxPage {
    chrome: Chrome,
    sections: Vec<(&'static str, Vec<InboxLine>)>,
    reports: Vec<ReportDue>,
    /// The plans' tasks handed to the user (or to the officer's unit), not yet completed.
    tasks: Vec<super::boards::TaskLine>,
    /// Open tasks of earlier years, counted per year (year, count), newest first.
    past_tasks: Vec<(i16, usize)>,
    /// Nominations for a reward waiting for the user's review (phong trào thi đua).
    nominations: Vec<NominationWaiting>,
    /// Review steps without an account in the user's campaigns.
    gaps: Vec<hoctap_app::bulk::GapLine>,
}

pub struct NominationWaiting {
    pub id: i64,
    pub name: String,
    pub form: String,
    pub year: i64,
    pub state: String,
    pub since: String,
}

/// "Việc của tôi": what is due, overdue, returned, waiting for my review or my signature.
async fn inbox(State(state): State<AppState>, user: CurrentUser) -> WebResult<Response> {
    user.require(Action::ReadLocal)?;
    let today = hoctap_store::today();
    let mut to_prepare = Vec::new();
    let mut returned = Vec::new();
    let mut to_review = Vec::new();
    let mut to_sign = Vec::new();
    let mut campaigns: BTreeMap<i64, CampaignRow> = BTreeMap::new();
    let mut at_level: BTreeMap<i64, bool> = BTreeMap::new();
    for a in state.store.open_assessments(user.scope(), today, 500).await? {
        if let std::collections::btree_map::Entry::Vacant(slot) = campaigns.entry(a.campaign_id) {
            slot.insert(state.store.campaign(a.campaign_id).await?);
        }
        let Some(c) = campaigns.get(&a.campaign_id) else { continue };
        let line = |deadline: jiff::civil::Date| {
            let days = (deadline - today).get_days().into();
            InboxLine {
                id: a.id,
                subject: a.subject_label.clone(),
                campaign: c.title.clone(),
                state: a.dossier.state.label(),
                deadline: format_vn(deadline),
                days_left: days,
                overdue: days < 0,
            }
        };
        // Only what the user can act on now, at their level: preparing belongs to the campaign's
        // unit and those under it, signing to the recognising unit.
        let own_level = *at_level.entry(c.id).or_insert(state.store.in_scope(c.unit_id, user.user.unit_id, today).await?);
        match &a.dossier.state {
            WfState::Draft if may_prepare(&user) && own_level => to_prepare.push(line(c.self_assessment_closes)),
            WfState::Returned { .. } if may_prepare(&user) && own_level => returned.push(line(c.decision_due)),
            WfState::Submitted | WfState::InReview { .. } => {
                if let Some(step) = a.dossier.current_step()
                    && may_review(&state.store, &user, step, a.unit_id).await?
                    && a.dossier.submitted_by != Some(user.user.id)
                {
                    to_review.push(line(c.dossier_due));
                }
            }
            WfState::Approved if (user.user.role == Role::Signer && user.user.unit_id == c.unit_id) || user.is_admin() => {
                to_sign.push(line(c.decision_due))
            }
            _ => {}
        }
    }
    let mut sections = vec![
        ("Hồ sơ cần hoàn thành, nộp", to_prepare),
        ("Bị trả lại, cần sửa", returned),
        ("Chờ tôi thẩm định", to_review),
        ("Chờ ra quyết định công nhận", to_sign),
    ];
    for (_, lines) in &mut sections {
        lines.sort_by_key(|l| l.days_left);
    }
    // The annual report the officer's unit owes its superior, with the jurisdiction's due date.
    let mut reports = Vec::new();
    if matches!(user.user.role, Role::UnitOfficer) {
        let unit = state.store.unit(user.user.unit_id).await?;
        if unit.kind != UnitKind::Village {
            let year = today.year();
            let ancestors = state.store.ancestors(unit.id, today).await?;
            let due = super::report::report_due(Some(&unit), &ancestors, year);
            let sent = state.store.annual_report(unit.id, year).await?.is_some_and(|r| r.submitted);
            let days: i64 = (due - today).get_days().into();
            reports.push(ReportDue {
                label: format!("Báo cáo kết quả xây dựng XHHT năm {year} – {}", unit.name),
                link: format!("/bao-cao/{}?nam={year}", unit.id),
                deadline: format_vn(due),
                days_left: days,
                overdue: days < 0 && !sent,
                sent,
            });
            // The annual report of each emulation movement the unit takes part in (Bình Dương: 20/11).
            for m in state.store.movements(Some(unit.id), today).await? {
                if !(m.movement.period.from..=m.movement.period.to).contains(&year) {
                    continue;
                }
                let Some(due) = hoctap_domain::emulation::report_due(&m.movement, year) else { continue };
                let sent =
                    state.store.movement_report(m.id, unit.id, "nam", i64::from(year)).await?.is_some_and(|r| !r.submitted_at.is_empty());
                let days: i64 = (due - today).get_days().into();
                reports.push(ReportDue {
                    label: format!("Báo cáo phong trào thi đua năm {year} – {}", unit.name),
                    link: format!("/thi-dua/{}/bao-cao?nam={year}", m.id),
                    deadline: format_vn(due),
                    days_left: days,
                    overdue: days < 0 && !sent,
                    sent,
                });
            }
        }
    }
    let now = jiff::Timestamp::now();
    // This year's tasks (with who carries them today); earlier years summarised per year.
    let year_tasks = hoctap_app::year_tasks::my_year_tasks(&state.store, &user).await?;
    let tasks: Vec<super::boards::TaskLine> = year_tasks
        .current
        .iter()
        .map(|(t, who)| {
            let mut l = super::boards::task_line(t, now, today);
            l.assignee_note = who.note();
            l
        })
        .collect();
    let past_tasks: Vec<(i16, usize)> = year_tasks.past.iter().map(|p| (p.year, p.open)).collect();
    // Nominations at a review step this user holds (never the one who submitted them).
    let mut nominations = Vec::new();
    for n in state.store.nominations_waiting(user.scope(), today).await? {
        if let Some(step) = n.dossier.current_step()
            && may_review(&state.store, &user, step, n.unit_id).await?
            && n.dossier.submitted_by != Some(user.user.id)
        {
            nominations.push(NominationWaiting {
                id: n.id,
                form: super::movement::form_label(&n.form),
                year: n.year,
                state: n.dossier.state.label(),
                since: hoctap_app::format::instant_vn(&n.updated_at),
                name: n.participant_name,
            });
        }
    }
    // Steps that have nobody, where officers and reviewers will see them, with the fix.
    let mut gaps = Vec::new();
    if may_prepare(&user) || reviews(user.user.role) {
        for c in campaigns.values().filter(|c| !c.closed) {
            for g in hoctap_app::bulk::gap_lines(&state.store, &user, c).await? {
                gaps.push(hoctap_app::bulk::GapLine { text: format!("{}: {}", c.title, g.text), link: g.link });
            }
        }
    }
    render(&InboxPage { chrome: Chrome::new("Việc của tôi", &user), sections, reports, tasks, past_tasks, nominations, gaps })
}

async fn progress_xlsx(State(state): State<AppState>, user: CurrentUser, Path(id): Path<i64>) -> WebResult<Response> {
    let page = campaign_view_page(&state, &user, id, Vec::new()).await?;
    let header: Vec<String> = PROGRESS_HEADER.iter().map(|h| (*h).to_string()).collect();
    let rows: Vec<Vec<String>> =
        page.progress.iter().map(|(n, c)| std::iter::once(n.clone()).chain(c.iter().map(ToString::to_string)).collect()).collect();
    let bytes = hoctap_docs::registry_xlsx::simple_xlsx("Tien do", &header, &rows).map_err(WebError::internal)?;
    Ok((
        [
            (axum::http::header::CONTENT_TYPE, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet".to_string()),
            (axum::http::header::CONTENT_DISPOSITION, format!("attachment; filename=\"tien-do-dot-{id}.xlsx\"")),
        ],
        bytes,
    )
        .into_response())
}

#[derive(Template)]
#[template(path = "self_assessment.html")]
struct SelfPage {
    chrome: Chrome,
    name: String,
    /// (campaign id, title, own dossier id if any, deadline)
    campaigns: Vec<(i64, String, Option<i64>, String)>,
    errors: Vec<FieldError>,
}

/// The citizen's own record in the citizen registry (found by the CCCD they log in with).
async fn own_citizen(state: &AppState, user: &CurrentUser) -> WebResult<hoctap_store::RegistryRecord> {
    let q = RegistryQuery {
        scope: Some(user.user.unit_id),
        limit: 1,
        filter: Some(("cccd", user.user.username.clone())),
        ..Default::default()
    };
    state
        .store
        .registry_list(&def::CITIZENS, &q, hoctap_store::today())
        .await?
        .into_iter()
        .next()
        .ok_or_else(|| WebError::invalid("cccd", "Số CCCD của bạn chưa có trong sổ công dân của xã, phường; hãy liên hệ cán bộ phụ trách"))
}

async fn self_page(state: &AppState, user: &CurrentUser, errors: Vec<FieldError>) -> WebResult<SelfPage> {
    if user.user.role != Role::Citizen {
        return Err(WebError::Forbidden);
    }
    let me = own_citizen(state, user).await.ok();
    let mut campaigns = Vec::new();
    for c in state.store.campaigns(Some(user.user.unit_id), hoctap_store::today()).await? {
        let set = state.store.criteria_set(&c.set_id, Some(&c.set_version)).await?.set;
        if set.subject != SubjectKind::Citizen || c.closed {
            continue;
        }
        let own = match &me {
            Some(r) => state
                .store
                .assessments(c.id, Some(user.user.unit_id), hoctap_store::today())
                .await?
                .into_iter()
                .find(|a| a.subject_kind == "citizen" && a.subject_id == r.id)
                .map(|a| a.id),
            None => None,
        };
        campaigns.push((c.id, c.title.clone(), own, format_vn(c.self_assessment_closes)));
    }
    Ok(SelfPage {
        chrome: Chrome::new("Tự đánh giá Công dân học tập", user), name: user.user.full_name.clone(), campaigns, errors
    })
}

async fn self_assessment(State(state): State<AppState>, user: CurrentUser) -> WebResult<Response> {
    render(&self_page(&state, &user, Vec::new()).await?)
}

async fn start_self_assessment(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(cid): Path<i64>,
    _: CsrfForm<hoctap_http::auth::NoFields>,
) -> WebResult<Response> {
    if user.user.role != Role::Citizen {
        return Err(WebError::Forbidden);
    }
    let result = async {
        let c = state.store.campaign(cid).await?;
        let set = state.store.criteria_set(&c.set_id, Some(&c.set_version)).await?.set;
        if set.subject != SubjectKind::Citizen || !state.store.in_scope(c.unit_id, user.user.unit_id, hoctap_store::today()).await? {
            return Err(WebError::NotFound("đợt đánh giá"));
        }
        let me = own_citizen(&state, &user).await?;
        if !state.store.in_scope(c.unit_id, me.unit_id, hoctap_store::today()).await? {
            return Err(WebError::NotFound("đợt đánh giá"));
        }
        let name = me.values.get("full_name").map(|v| v.display(def::FieldType::Text { max: 0 })).unwrap_or_default();
        // The label carries no CCCD: it is shown to reviewers and on the public page.
        lay_dossier(&state.store, &user, &c, SubjectKind::Citizen, me.id, &format!("Công dân – {name}"), me.unit_id)
            .await
            .map_err(Into::into)
    }
    .await;
    super::after_post(&state, result.map(|aid| (format!("/ho-so/{aid}"), "Đã lập hồ sơ tự đánh giá của bạn")), |errors| {
        self_page(&state, &user, errors)
    })
    .await
}
