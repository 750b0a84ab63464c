//! Decisions (quyết định công nhận): the signer issues one for approved dossiers of a
//! campaign, the DOCX follows Nghị định 30/2020, each recognition gets a public verification
//! page (`/xac-minh/{mã}`) that anyone can open without logging in.

use super::{Chrome, FieldError, capitalise, flash_redirect, render};
use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, header};
use axum::response::{IntoResponse, Response};
use hoctap_domain::access::Role;
use hoctap_domain::citation::{Citation, verified_basis};
use hoctap_domain::credential::{IdentityObject, KeyId};
use hoctap_domain::criteria::CriteriaSet;
use hoctap_domain::date::{format_vn, parse_date};
use hoctap_domain::recognition::{parse_verification_code, valid_until, verification_code};
use hoctap_domain::workflow::{Command, Person, State as WfState};
use hoctap_http::AppState;
use hoctap_http::auth::CsrfForm;
use hoctap_http::auth::CurrentUser;
use hoctap_http::error::{WebError, WebResult};
use hoctap_http::routes::{Routes, get, post};
use hoctap_store::{CampaignRow, DecisionRow, Grant, NewDecision, RecognitionRow};
use rand::RngCore;
use serde::Deserialize;
use std::collections::BTreeMap;

pub fn routes() -> Routes {
    Routes::new()
        .route("/dot-danh-gia/{id}/quyet-dinh", get(decision_form).post(issue))
        .route("/quyet-dinh/{id}", get(decision_page))
        .route("/quyet-dinh/{id}/tai-ve.docx", get(decision_docx))
        .route("/quyet-dinh/{id}/tai-ve.pdf", get(decision_pdf))
        .route("/cong-nhan/{id}", get(recognition_page))
        .route("/cong-nhan/{id}/giay.pdf", get(certificate_pdf))
        .route("/cong-nhan/{id}/qr.svg", get(recognition_qr))
        .route("/cong-nhan/{id}/thu-hoi", post(revoke))
        .route("/cong-nhan/{id}/ob3.jwt", get(credential))
        .route("/khoa/{unit}", get(unit_key))
        .route("/trang-thai/{unit}", get(status_list))
        .route("/xac-minh", get(verify_form))
        .route("/xac-minh/{code}", get(verify))
}

fn may_sign(user: &CurrentUser) -> bool {
    user.user.role == Role::Signer || user.is_admin()
}

/// The title a recognition carries, from the set's title ("Gia đình học tập").
pub fn recognition_title(set: &CriteriaSet) -> String {
    let t = set.title.replace(['"', '“', '”'], "");
    for prefix in ["Đánh giá, công nhận danh hiệu ", "Đánh giá, công nhận ", "Đánh giá, xếp loại "] {
        if let Some(rest) = t.strip_prefix(prefix) {
            return rest.split(" (").next().unwrap_or(rest).to_string();
        }
    }
    t
}

/// The level's or band's name ("Mức độ 1"), or the code itself.
fn level_name(set: &CriteriaSet, code: &str) -> String {
    set.levels
        .iter()
        .find(|l| l.id == code)
        .map(|l| l.name.clone())
        .or_else(|| set.bands.iter().find(|b| b.id == code).map(|b| b.name.clone()))
        .unwrap_or_else(|| code.to_string())
}

#[derive(Deserialize, Default, Clone)]
pub struct DecisionForm {
    #[serde(default)]
    pub number: String,
    #[serde(default)]
    pub decided_on: String,
    #[serde(default)]
    pub authority: String,
    #[serde(default)]
    pub signer_name: String,
    #[serde(default)]
    pub signer_title: String,
    #[serde(default)]
    pub place: String,
    #[serde(default)]
    pub legal_basis: String,
    /// The text the criteria are set by, typed by the signer when the set's own legal basis is
    /// not verified: kind ("Quyết định"), number, date signed, issuer.
    #[serde(default)]
    pub basis_kind: String,
    #[serde(default)]
    pub basis_number: String,
    #[serde(default)]
    pub basis_signed: String,
    #[serde(default)]
    pub basis_issuer: String,
    /// Checked by `CsrfForm`; named here so that it stays out of `rest`.
    #[serde(default, rename = "csrf")]
    pub _csrf: String,
    #[serde(flatten)]
    pub rest: BTreeMap<String, String>,
}

impl DecisionForm {
    /// The decision's text once its fields are checked (number and symbol, date, signer).
    pub fn content(&self, title: String) -> WebResult<NewDecision> {
        let number = self.number.trim();
        if number.is_empty() || !number.contains('/') {
            return Err(WebError::invalid("number", "Số, ký hiệu quyết định dạng 12/QĐ-UBND"));
        }
        let decided_on = parse_date(&self.decided_on).map_err(|e| WebError::invalid("decided_on", capitalise(&e.to_string())))?;
        if self.signer_name.trim().is_empty() {
            return Err(WebError::invalid("signer_name", "Ghi họ tên người ký"));
        }
        let line = |field: &str, label: &str, v: &str, max: usize| {
            hoctap_domain::text::line(v, max).map_err(|e| WebError::invalid(field, format!("{label}: {e}")))
        };
        let legal_basis = hoctap_domain::text::narrative(&self.legal_basis, 5_000)
            .map_err(|e| WebError::invalid("legal_basis", format!("Căn cứ: {e}")))?;
        Ok(NewDecision {
            number: line("number", "Số, ký hiệu", number, 50)?,
            decided_on,
            // "ỦY BAN NHÂN DÂN\nPHƯỜNG ĐÔNG KINH": one line per level, kept.
            authority: hoctap_domain::text::narrative(&self.authority, 300)
                .map_err(|e| WebError::invalid("authority", format!("Cơ quan ban hành: {e}")))?,
            signer_name: line("signer_name", "Người ký", &self.signer_name, 100)?,
            // "KT. CHỦ TỊCH\nPHÓ CHỦ TỊCH": the line break is kept.
            signer_title: hoctap_domain::text::narrative(&self.signer_title, 200)
                .map_err(|e| WebError::invalid("signer_title", format!("Chức vụ người ký: {e}")))?,
            place: line("place", "Địa danh", &self.place, 100)?,
            legal_basis: legal_basis.lines().map(str::trim).filter(|l| !l.is_empty()).map(String::from).collect(),
            title,
        })
    }
}

#[derive(Template)]
#[template(path = "decision_form.html")]
struct FormPage {
    chrome: Chrome,
    c: CampaignRow,
    form: DecisionForm,
    /// The criteria set's title and its legal basis as recorded, when that basis is not
    /// verified: the form then asks the signer for the text they sign on.
    unverified: Option<(String, String)>,
    dossiers: Vec<(i64, String, String)>,
    errors: Vec<FieldError>,
}

async fn form_page(
    state: &AppState,
    user: &CurrentUser,
    c: CampaignRow,
    form: Option<DecisionForm>,
    errors: Vec<FieldError>,
) -> WebResult<FormPage> {
    let set = state.store.criteria_set(&c.set_id, Some(&c.set_version)).await?.set;
    let unit = state.store.unit(c.unit_id).await?;
    let dossiers = state
        .store
        .assessments(c.id, user.scope(), hoctap_store::today())
        .await?
        .into_iter()
        // Only dossiers that meet the set can be recognised (a failed one is rejected, not granted).
        // Only dossiers that meet the set can be recognised, or were approved by exception with a reason.
        .filter(|a| a.dossier.state == WfState::Approved && (a.passed || !a.override_reason.is_empty()))
        .map(|a| {
            let label = if a.override_reason.is_empty() {
                a.subject_label.clone()
            } else {
                format!("{} (thông qua ngoại lệ: {})", a.subject_label, a.override_reason)
            };
            (a.id, label, level_name(&set, &recognised_level(&set, &a)))
        })
        .collect();
    let form = form.unwrap_or_else(|| DecisionForm {
        decided_on: hoctap_store::today().to_string(),
        authority: format!("ỦY BAN NHÂN DÂN\n{}", unit.name.to_uppercase()),
        signer_name: user.user.full_name.clone(),
        signer_title: "CHỦ TỊCH".into(),
        place: unit.name.split_whitespace().skip(1).collect::<Vec<_>>().join(" "),
        legal_basis: std::iter::once("Căn cứ Luật Tổ chức chính quyền địa phương ngày 16 tháng 6 năm 2025;".to_string())
            .chain(verified_basis(&set))
            .collect::<Vec<_>>()
            .join("\n"),
        basis_kind: "Quyết định".into(),
        ..Default::default()
    });
    let unverified = verified_basis(&set).is_none().then(|| (set.title.clone(), set.legal_basis.document.clone()));
    Ok(FormPage { chrome: Chrome::new("Ra quyết định công nhận", user), c, form, unverified, dossiers, errors })
}

async fn decision_form(State(state): State<AppState>, user: CurrentUser, Path(id): Path<i64>) -> WebResult<Response> {
    if !may_sign(&user) {
        return Err(WebError::Forbidden);
    }
    let c = state.store.campaign(id).await?;
    user.require_sees(&state.store, c.unit_id, "đợt đánh giá").await?;
    render(&form_page(&state, &user, c, None, Vec::new()).await?)
}

/// Issues a decision (shared with the API): every chosen dossier must be approved.
pub async fn issue_decision(state: &AppState, user: &CurrentUser, c: &CampaignRow, f: &DecisionForm, chosen: &[i64]) -> WebResult<i64> {
    if !may_sign(user) {
        return Err(WebError::Forbidden);
    }
    user.require_sees(&state.store, c.unit_id, "đợt đánh giá").await?;
    let mut d = f.content(String::new())?;
    let decided_on = d.decided_on;
    let set = state.store.criteria_set(&c.set_id, Some(&c.set_version)).await?.set;
    // A set whose legal basis is not verified is never cited from our data: the signer names
    // the text the criteria come from, and the decision cites that.
    if verified_basis(&set).is_none() {
        let cited = Citation::parse(&f.basis_number, &f.basis_signed, &f.basis_issuer, decided_on.max(hoctap_store::today()))
            .map_err(|e| WebError::invalid(&format!("basis_{}", e.field), e.message))?;
        let kind =
            hoctap_domain::text::line(&f.basis_kind, 60).map_err(|e| WebError::invalid("basis_kind", format!("Loại văn bản: {e}")))?;
        if cited.signed > decided_on {
            return Err(WebError::invalid("basis_signed", "Văn bản căn cứ ký sau ngày ký quyết định"));
        }
        d.legal_basis.push(format!("Căn cứ {} quy định tiêu chí đánh giá, công nhận “{}”;", cited.words(&kind), recognition_title(&set)));
    }
    let person = Person { user_id: user.user.id, name: user.user.full_name.clone() };
    let mut dossiers = Vec::new();
    for id in chosen {
        let a = state.store.assessment(*id).await?;
        if a.campaign_id != c.id || !user.sees(&state.store, a.unit_id).await? {
            return Err(WebError::NotFound("hồ sơ"));
        }
        dossiers.push(a);
    }
    let mut grants = Vec::new();
    for a in &dossiers {
        if !a.passed && a.override_reason.is_empty() {
            return Err(WebError::invalid("dossiers", format!("{}: kết quả đánh giá chưa đạt, không thể công nhận", a.subject_label)));
        }
        let next = a
            .dossier
            .apply(&person, &Command::Recognise { decision_id: 0 })
            .map_err(|e| WebError::invalid("dossiers", format!("{}: {}", a.subject_label, capitalise(&e.to_string()))))?;
        // The public page shows the subject's name only, never a CCCD or a code.
        let subject_name = match a.subject_label.split_once(" – ") {
            Some((_, name)) => name.to_string(),
            // Units are labelled "05977001 Thôn Nà Sla": the code is not part of the name.
            None => a
                .subject_label
                .split_once(' ')
                .filter(|(code, _)| code.bytes().all(|b| b.is_ascii_digit()))
                .map(|(_, n)| n.to_string())
                .unwrap_or_else(|| a.subject_label.clone()),
        };
        grants.push(Grant {
            dossier: a,
            next,
            code: verification_code(rand::rng().next_u64()),
            subject_name,
            level: level_name(&set, &recognised_level(&set, a)),
            valid_until: valid_until(decided_on, set.timing.validity_months),
        });
    }
    let d = NewDecision { title: format!("Về việc công nhận {} năm {}", recognition_title(&set), c.year), ..d };
    // Who is told, found before the write; the notifications are written in its transaction.
    let notes = hoctap_app::notify::decision_notices(&state.store, &c.title, c.unit_id, &dossiers).await?;
    let did = state
        .store
        .issue_decision_notifying(&user.actor(), c.id, c.unit_id, &d, &recognition_title(&set), &grants, &state.deployment_key, &notes)
        .await?;
    Ok(did)
}

async fn issue(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<i64>,
    CsrfForm(f): CsrfForm<DecisionForm>,
) -> WebResult<Response> {
    let c = state.store.campaign(id).await?;
    let chosen: Vec<i64> = f.rest.keys().filter_map(|k| k.strip_prefix("chon:")).filter_map(|x| x.parse().ok()).collect();
    super::after_post(
        &state,
        issue_decision(&state, &user, &c, &f, &chosen).await.map(|did| (format!("/quyet-dinh/{did}"), "Đã ban hành quyết định công nhận")),
        |errors| form_page(&state, &user, c, Some(f), errors),
    )
    .await
}

/// The level a dossier is recognised at: the one it reached, or, approved by exception
/// without reaching one, the set's first.
fn recognised_level(set: &hoctap_domain::criteria::CriteriaSet, a: &hoctap_store::AssessmentRow) -> String {
    if a.level.is_empty() && !a.override_reason.is_empty() {
        set.levels.first().map(|l| l.id.clone()).unwrap_or_default()
    } else {
        a.level.clone()
    }
}

pub struct RecognitionLine {
    pub id: i64,
    pub subject: String,
    pub level: String,
    pub code: String,
    pub status: &'static str,
    pub until: String,
    pub revoked: bool,
}

#[derive(Template)]
#[template(path = "decision.html")]
struct DecisionPage {
    chrome: Chrome,
    d: DecisionRow,
    date_vn: String,
    /// One page of the annex, by name.
    lines: Vec<RecognitionLine>,
    /// Recognitions of the whole decision, as 1.234.
    total: String,
    /// The cursor of the next page, if any.
    next: Option<String>,
    first_page: bool,
    done: Option<String>,
    can_revoke: bool,
    /// Officers may propose a recognition for an emulation reward in one click.
    can_nominate: bool,
    /// Dossiers approved by exception (subject, reason), shown with the decision.
    overrides: Vec<(String, String)>,
}

async fn visible_decision(state: &AppState, user: &CurrentUser, id: i64) -> WebResult<DecisionRow> {
    let d = state.store.decision(id).await?;
    user.require_sees(&state.store, d.unit_id, "quyết định").await?;
    Ok(d)
}

/// Recognitions on one page of a decision's annex.
pub const ANNEX_PAGE: i64 = 50;

#[derive(Deserialize, Default)]
struct AnnexQuery {
    #[serde(default)]
    sau: String,
}

fn annex_list(id: i64) -> String {
    format!("quyet-dinh:{id}")
}

async fn decision_page(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<i64>,
    Query(q): Query<AnnexQuery>,
    headers: HeaderMap,
) -> WebResult<Response> {
    let d = visible_decision(&state, &user, id).await?;
    let today = hoctap_store::today();
    let after = if q.sau.trim().is_empty() { None } else { Some(hoctap_app::cursor::open(&annex_list(id), &q.sau)?) };
    let page = state.store.recognitions_page(id, after, ANNEX_PAGE).await?;
    let total = state.store.recognition_count(id).await?;
    let next = (i64::try_from(page.len()).unwrap_or(0) == ANNEX_PAGE)
        .then(|| page.last().map(|r| hoctap_app::cursor::seal(&annex_list(id), r.id)))
        .flatten();
    let lines = page
        .into_iter()
        .map(|r: RecognitionRow| RecognitionLine {
            id: r.id,
            status: r.status_on(today).label(),
            until: r.valid_until.map(format_vn).unwrap_or_else(|| "không thời hạn".into()),
            subject: r.subject_name,
            level: r.level,
            code: r.code,
            revoked: r.revoked,
        })
        .collect();
    let overrides = state.store.decision_overrides(id).await?;
    super::page_with_flash(&headers, |done| {
        std::future::ready(Ok(DecisionPage {
            overrides,
            chrome: Chrome::new(format!("Quyết định số {}", d.content.number), &user),
            date_vn: format_vn(d.content.decided_on),
            lines,
            total: crate::format::int_vn(total),
            next,
            first_page: after.is_none(),
            done,
            can_revoke: may_sign(&user),
            can_nominate: hoctap_app::dossiers::may_prepare(&user),
            d,
        }))
    })
    .await
}

/// The printed content of a stored decision (shared by DOCX and PDF).
pub async fn decision_doc(state: &AppState, d: &DecisionRow) -> WebResult<hoctap_docs::decision_docx::DecisionDoc> {
    let recs = state.store.recognitions(d.id).await?;
    let c = state.store.campaign(d.campaign_id).await?;
    let set = state.store.criteria_set(&c.set_id, Some(&c.set_version)).await?.set;
    let title = recognition_title(&set);
    let authority_lines: Vec<String> = d.content.authority.lines().map(str::trim).filter(|l| !l.is_empty()).map(String::from).collect();
    let issuer_position =
        format!("{} {}", d.content.signer_title.lines().last().unwrap_or("CHỦ TỊCH").replace("KT. ", ""), authority_lines.join(" "));
    let keep = set.timing.validity_months.map(|m| format!(" Kết quả công nhận được bảo lưu {m} tháng kể từ ngày ký.")).unwrap_or_default();
    let doc = hoctap_docs::decision_docx::DecisionDoc {
        number: d.content.number.clone(),
        place: d.content.place.clone(),
        date: d.content.decided_on,
        summary: d.content.title.clone(),
        issuer_position: issuer_position.clone(),
        legal_basis: d.content.legal_basis.clone(),
        proposal: format!("Xét kết quả đánh giá, thẩm định của đợt {},", c.title.replace('"', "")),
        articles: vec![
            format!("Điều 1. Công nhận {} đối tượng đạt danh hiệu \"{title}\" năm {} (có danh sách kèm theo).", recs.len(), c.year),
            format!("Điều 2. Quyết định này có hiệu lực kể từ ngày ký.{keep}"),
            "Điều 3. Văn phòng, các cơ quan, đơn vị có liên quan và các đối tượng có tên tại Điều 1 chịu trách nhiệm thi hành Quyết định này.".into(),
        ],
        recipients: vec!["Như Điều 3;".into(), "Lưu: VT.".into()],
        signer_title: d.content.signer_title.clone(),
        signer_name: d.content.signer_name.clone(),
        annex_title: format!("DANH SÁCH ĐƯỢC CÔNG NHẬN \"{}\" NĂM {}", title.to_uppercase(), c.year),
        annex_header: vec!["STT".into(), "Tên".into(), "Mức, danh hiệu".into(), "Hiệu lực đến".into(), "Mã xác minh".into()],
        annex_rows: recs
            .iter()
            .enumerate()
            .map(|(i, r)| vec![(i + 1).to_string(), r.subject_name.clone(), r.level.clone(), r.valid_until.map(format_vn).unwrap_or_default(), r.code.clone()])
            .collect(),
        authority_lines,
    };
    Ok(doc)
}

async fn decision_docx(State(state): State<AppState>, user: CurrentUser, Path(id): Path<i64>) -> WebResult<Response> {
    let d = visible_decision(&state, &user, id).await?;
    let bytes = hoctap_docs::decision_docx::decision_docx(&decision_doc(&state, &d).await?).map_err(WebError::internal)?;
    let name = format!("quyet-dinh-{}.docx", d.content.number.replace(['/', ' '], "-"));
    Ok((
        [
            (header::CONTENT_TYPE, "application/vnd.openxmlformats-officedocument.wordprocessingml.document".to_string()),
            (header::CONTENT_DISPOSITION, format!("attachment; filename=\"{name}\"")),
        ],
        bytes,
    )
        .into_response())
}

async fn decision_pdf(State(state): State<AppState>, user: CurrentUser, Path(id): Path<i64>) -> WebResult<Response> {
    let d = visible_decision(&state, &user, id).await?;
    let bytes = hoctap_docs::official_pdf::decision_pdf(&decision_doc(&state, &d).await?).map_err(WebError::internal)?;
    let name = format!("quyet-dinh-{}.pdf", d.content.number.replace(['/', ' '], "-"));
    Ok((
        [(header::CONTENT_TYPE, "application/pdf".to_string()), (header::CONTENT_DISPOSITION, format!("inline; filename=\"{name}\""))],
        bytes,
    )
        .into_response())
}

/// The public address of a verification page (the deployment's configured address).
fn verify_url(state: &AppState, code: &str) -> String {
    state.public_url.join(&format!("/xac-minh/{code}"))
}

async fn certificate_pdf(State(state): State<AppState>, user: CurrentUser, Path(id): Path<i64>) -> WebResult<Response> {
    let r = state.store.recognitions_by_id(id).await?;
    let d = visible_decision(&state, &user, r.decision_id).await?;
    let c = state.store.campaign(d.campaign_id).await?;
    let unit = state.store.unit(r.unit_id).await?;
    let place =
        state.store.ancestors(r.unit_id, hoctap_store::today()).await?.into_iter().rev().map(|u| u.name).collect::<Vec<_>>().join(", ");
    let doc = hoctap_docs::official_pdf::CertificateDoc {
        authority_lines: d.content.authority.lines().map(str::trim).filter(|l| !l.is_empty()).map(String::from).collect(),
        title: r.title.clone(),
        year: c.year,
        subject_name: r.subject_name.clone(),
        subject_place: if unit.kind == hoctap_domain::unit::UnitKind::Village || r.subject_kind != "village" {
            format!("{}, {}", unit.name, place)
        } else {
            place
        },
        level: if r.level == r.title || r.level.starts_with("Đạt") { String::new() } else { r.level.clone() },
        decision: format!("Quyết định số {} ngày {}", d.content.number, format_vn(d.content.decided_on)),
        place_and_date: hoctap_docs::decision_docx::place_and_date(&d.content.place, d.content.decided_on),
        signer_title: d.content.signer_title.clone(),
        signer_name: d.content.signer_name.clone(),
        valid_until: r.valid_until.map(format_vn).unwrap_or_else(|| "không thời hạn".into()),
        verify_url: verify_url(&state, &r.code),
        code: r.code.clone(),
    };
    let bytes = hoctap_docs::official_pdf::certificate_pdf(&doc).map_err(WebError::internal)?;
    Ok((
        [
            (header::CONTENT_TYPE, "application/pdf".to_string()),
            (header::CONTENT_DISPOSITION, format!("inline; filename=\"giay-cong-nhan-{}.pdf\"", r.code)),
        ],
        bytes,
    )
        .into_response())
}

#[derive(Deserialize)]
struct RevokeForm {
    #[serde(default)]
    reason: String,
}

async fn revoke(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<i64>,
    CsrfForm(f): CsrfForm<RevokeForm>,
) -> WebResult<Response> {
    if !may_sign(&user) {
        return Err(WebError::Forbidden);
    }
    // The recognition's decision must be visible to the user.
    let decision_id = state.store.recognitions_by_id(id).await?.decision_id;
    visible_decision(&state, &user, decision_id).await?;
    state.store.revoke_recognition(&user.actor(), id, &f.reason, hoctap_store::today()).await?;
    Ok(flash_redirect(&state, &format!("/quyet-dinh/{decision_id}"), "Đã thu hồi công nhận"))
}

#[derive(Template)]
#[template(path = "verify.html")]
struct VerifyPage {
    chrome: Chrome,
    code: String,
    found: Option<VerifyResult>,
    error: Option<String>,
}

pub struct VerifyResult {
    pub title: String,
    pub subject: String,
    pub level: String,
    pub status: &'static str,
    pub valid: bool,
    pub from: String,
    pub until: String,
    pub decision: String,
    pub authority: String,
}

#[derive(Deserialize, Default)]
struct VerifyQuery {
    #[serde(default)]
    ma: String,
}

fn public_chrome() -> Chrome {
    Chrome { title: "Xác minh công nhận".into(), user: None, csrf: String::new() }
}

async fn verify_form(State(state): State<AppState>, Query(q): Query<VerifyQuery>) -> WebResult<Response> {
    if !q.ma.trim().is_empty() {
        return verify(State(state), Path(q.ma)).await;
    }
    render(&VerifyPage { chrome: public_chrome(), code: String::new(), found: None, error: None })
}

/// Public: no login; only the name, the title, the level, the validity and the status.
async fn verify(State(state): State<AppState>, Path(code): Path<String>) -> WebResult<Response> {
    let Some(code) = parse_verification_code(&code) else {
        let page = VerifyPage {
            chrome: public_chrome(),
            code: code.clone(),
            found: None,
            error: Some("Mã xác minh gồm 10 ký tự chữ và số, in trên giấy công nhận".into()),
        };
        return Ok((axum::http::StatusCode::UNPROCESSABLE_ENTITY, axum::response::Html(page.render()?)).into_response());
    };
    let r = match state.store.recognition_by_code(&code).await {
        Ok(r) => r,
        Err(hoctap_store::StoreError::NotFound(_)) => {
            let page = VerifyPage {
                chrome: public_chrome(),
                code,
                found: None,
                error: Some("Không có giấy công nhận nào mang mã này. Hãy kiểm tra lại từng ký tự.".into()),
            };
            return Ok((axum::http::StatusCode::NOT_FOUND, axum::response::Html(page.render()?)).into_response());
        }
        Err(e) => return Err(e.into()),
    };
    let d = state.store.decision(r.decision_id).await?;
    let status = r.status_on(hoctap_store::today());
    let found = VerifyResult {
        title: r.title.clone(),
        subject: r.subject_name.clone(),
        level: r.level.clone(),
        status: status.label(),
        valid: status == hoctap_domain::recognition::RecognitionStatus::Valid,
        from: format_vn(r.valid_from),
        until: r.valid_until.map(format_vn).unwrap_or_else(|| "không thời hạn".into()),
        decision: format!("Quyết định số {} ngày {}", d.content.number, format_vn(d.content.decided_on)),
        authority: d.content.authority.lines().collect::<Vec<_>>().join(" "),
    };
    render(&VerifyPage { chrome: public_chrome(), code, found: Some(found), error: None })
}

#[derive(Template)]
#[template(path = "recognition.html")]
struct RecognitionPage {
    chrome: Chrome,
    r: RecognitionRow,
    decision: String,
    status: &'static str,
    from: String,
    until: String,
    verify_url: String,
}

/// A recognition with its certificate, its Open Badges 3.0 credential and its QR code.
async fn recognition_page(State(state): State<AppState>, user: CurrentUser, Path(id): Path<i64>) -> WebResult<Response> {
    let r = state.store.recognitions_by_id(id).await?;
    let d = visible_decision(&state, &user, r.decision_id).await?;
    render(&RecognitionPage {
        chrome: Chrome::new(format!("{}: {}", r.title, r.subject_name), &user),
        decision: format!("Quyết định số {} ngày {}", d.content.number, format_vn(d.content.decided_on)),
        status: r.status_on(hoctap_store::today()).label(),
        from: format_vn(r.valid_from),
        until: r.valid_until.map(format_vn).unwrap_or_else(|| "không thời hạn".into()),
        verify_url: verify_url(&state, &r.code),
        r,
    })
}

/// The QR code of the recognition's public verification address, as printed on the certificate.
async fn recognition_qr(State(state): State<AppState>, user: CurrentUser, Path(id): Path<i64>) -> WebResult<Response> {
    let r = state.store.recognitions_by_id(id).await?;
    visible_decision(&state, &user, r.decision_id).await?;
    let svg = hoctap_docs::qr::svg(&verify_url(&state, &r.code)).map_err(WebError::internal)?;
    Ok(([(header::CONTENT_TYPE, "image/svg+xml")], svg).into_response())
}

/// The unit's signing key now, opened with the deployment key; 404 while it has issued nothing.
async fn signing_key(state: &AppState, unit_id: i64) -> WebResult<hoctap_store::IssuerKey> {
    state
        .store
        .issuer_signing_key(unit_id, &state.deployment_key)
        .await?
        .ok_or(WebError::NotFound("khóa ký của đơn vị (đơn vị chưa cấp công nhận nào)"))
}

/// The salted hash a subject is known by in its credential: the CCCD of a citizen or of a
/// household's head, else the subject's internal reference. The salt is published with the
/// hash (the holder proves the number by showing it); one per recognition, stable across
/// downloads, so two credentials of one citizen do not share a hash.
async fn subject_identifier(state: &AppState, r: &RecognitionRow) -> WebResult<IdentityObject> {
    use sha2::Digest;
    let salt = hex::encode(sha2::Sha256::digest(format!("hoctap identity salt:{}:{}", r.id, r.code)).get(..16).unwrap_or_default());
    Ok(match state.store.subject_identity(&r.subject_kind, r.subject_id).await? {
        Some(cccd) => IdentityObject::hashed("nationalIdentityNumber", &cccd, &salt),
        None => IdentityObject::hashed("systemId", &format!("{}:{}", r.subject_kind, r.subject_id), &salt),
    })
}

/// The Open Badges 3.0 credential of a recognition, as VC-JWT signed by the issuing unit.
pub async fn credential_jwt(state: &AppState, r: &RecognitionRow) -> WebResult<String> {
    let d = state.store.decision(r.decision_id).await?;
    let c = state.store.campaign(d.campaign_id).await?;
    let base = state.public_url.as_str();
    let id = format!("{base}/xac-minh/{}", r.code);
    let facts = hoctap_domain::credential::CredentialFacts {
        subject_id: format!("{id}#chu-the"),
        id,
        issuer_id: KeyId::issuer(base, d.unit_id),
        issuer_name: d.content.authority.lines().collect::<Vec<_>>().join(" "),
        subject_name: r.subject_name.clone(),
        subject_identifier: subject_identifier(state, r).await?,
        achievement_id: format!("{base}/tieu-chi/{}?phien_ban={}", c.set_id, c.set_version),
        achievement_name: r.title.clone(),
        criteria: format!(
            "Đạt bộ tiêu chí {} phiên bản {}; Quyết định số {} ngày {}",
            c.set_id,
            c.set_version,
            d.content.number,
            format_vn(d.content.decided_on)
        ),
        level: r.level.clone(),
        valid_from: r.valid_from,
        valid_until: r.valid_until,
        status_list: format!("{base}/trang-thai/{}", d.unit_id),
        status_index: u64::try_from(r.id).unwrap_or(0),
    };
    let key = signing_key(state, d.unit_id).await?;
    let kid = KeyId { unit: d.unit_id, version: key.version }.url(base);
    Ok(hoctap_domain::credential::sign_jwt(&hoctap_domain::credential::vc_jwt_payload(&facts), &kid, &key.secret))
}

async fn credential(State(state): State<AppState>, user: CurrentUser, Path(id): Path<i64>) -> WebResult<Response> {
    let r = state.store.recognitions_by_id(id).await?;
    visible_decision(&state, &user, r.decision_id).await?;
    let jwt = credential_jwt(&state, &r).await?;
    Ok((
        [
            (header::CONTENT_TYPE, "application/vc+jwt".to_string()),
            (header::CONTENT_DISPOSITION, format!("attachment; filename=\"cong-nhan-{}.jwt\"", r.code)),
        ],
        jwt,
    )
        .into_response())
}

/// Public: the issuing unit's profile and every public key it has signed with (JWK), the
/// retired ones too. A unit that never issued has none: 404, and nothing is written.
async fn unit_key(State(state): State<AppState>, Path(unit): Path<i64>) -> WebResult<Response> {
    let keys = state.store.issuer_public_keys(unit).await?;
    if keys.is_empty() {
        return Err(WebError::NotFound("khóa ký của đơn vị (đơn vị chưa cấp công nhận nào)"));
    }
    let u = state.store.unit(unit).await?;
    let base = state.public_url.as_str();
    let body = serde_json::json!({
        "id": KeyId::issuer(base, unit),
        "type": ["Profile"],
        "name": u.name,
        "keys": keys.iter().rev().map(|k| hoctap_domain::credential::jwk(&k.public, &KeyId { unit, version: k.version }.url(base))).collect::<Vec<_>>(),
    });
    Ok(axum::Json(body).into_response())
}

/// Public: the unit's revocation list as a BitstringStatusListCredential (VC-JWT).
async fn status_list(State(state): State<AppState>, Path(unit): Path<i64>) -> WebResult<Response> {
    let key = signing_key(&state, unit).await?;
    let base = state.public_url.as_str();
    let revoked = state.store.revoked_recognitions(unit).await?;
    let encoded = hoctap_docs::status_list::encode(&revoked).map_err(WebError::internal)?;
    let now = jiff::Timestamp::now();
    let id = format!("{base}/trang-thai/{unit}");
    let issuer = KeyId::issuer(base, unit);
    let vc = serde_json::json!({
        "@context": ["https://www.w3.org/ns/credentials/v2"],
        "id": id,
        "type": ["VerifiableCredential", "BitstringStatusListCredential"],
        "issuer": issuer,
        "validFrom": now.to_string(),
        "credentialSubject": {"id": format!("{id}#list"), "type": "BitstringStatusList", "statusPurpose": "revocation", "encodedList": encoded},
        "iss": issuer,
        "jti": id,
        "nbf": now.as_second(),
    });
    let jwt = hoctap_domain::credential::sign_jwt(&vc, &KeyId { unit, version: key.version }.url(base), &key.secret);
    Ok(([(header::CONTENT_TYPE, "application/vc+jwt")], jwt).into_response())
}
