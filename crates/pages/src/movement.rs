//! Emulation movements (phong trào thi đua, /thi-dua): the movement (plan, phases, contents,
//! criteria per actor type), participants with their achievements and initiatives, nominations
//! (đề nghị khen thưởng) evaluated against the actor type's criteria and reviewed upward with
//! the assessments' workflow (four eyes, return with a comment per criterion), a recognition
//! proposed in one click, reward decisions in the Nghị định 30 layout with the printed Bằng
//! khen / Giấy khen, and the statistics of rewards (XLSX).

use super::file_response;
use super::{Chrome, FieldError, capitalise, flash_redirect, render_with_flash};
use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::HeaderMap;
use axum::response::Response;
use hoctap_app::dossiers::{may_prepare, may_review};
use hoctap_app::movement::{
    achievement_target, apply, parse_year, record_achievement, visible_movement, visible_nomination, visible_participant,
};
use hoctap_domain::access::{Action, Role};
use hoctap_domain::criteria::{Answers, CriteriaSet};
use hoctap_domain::date::format_vn;
use hoctap_domain::emulation::{ActorType, RewardForm};
use hoctap_domain::recognition::verification_code;
use hoctap_domain::workflow::{Command, Person, State as WfState};
use hoctap_http::AppState;
use hoctap_http::auth::CsrfForm;
use hoctap_http::auth::CurrentUser;
use hoctap_http::error::{WebError, WebResult};
use hoctap_http::routes::{Routes, get, post};
use hoctap_store::{MovementRow, NewAchievement, NewNomination, NominationRow, ParticipantRow, RewardDecisionRow, RewardGrant};
use rand::RngCore;
use serde::Deserialize;
use std::collections::BTreeMap;

pub fn routes() -> Routes {
    Routes::new()
        .route("/thi-dua", get(list).post(launch))
        .route("/thi-dua/{id}", get(movement_page))
        .route("/thi-dua/{id}/tham-gia", post(register))
        .route("/thi-dua/{id}/khen-thuong", get(decision_form).post(issue))
        .route("/thi-dua/{id}/thong-ke", get(stats_page))
        .route("/thi-dua/{id}/thong-ke.xlsx", get(stats_xlsx))
        .route("/tham-gia/{id}", get(participant_page))
        .route("/tham-gia/{id}/thanh-tich", post(add_achievement))
        .route("/thanh-tich/{id}/tep", get(achievement_file))
        .route("/tham-gia/{id}/de-nghi", post(nominate))
        .route("/de-nghi/{id}", get(nomination_page))
        .route("/de-nghi/{id}/luu", post(save))
        .route("/de-nghi/{id}/chuyen", post(act))
        .route("/cong-nhan/{id}/de-nghi-khen-thuong", post(nominate_recognition))
        .route("/khen-thuong/{id}", get(reward_decision_page))
        .route("/khen-thuong/{id}/tai-ve.docx", get(reward_decision_docx))
        .route("/khen-thuong/{id}/tai-ve.pdf", get(reward_decision_pdf))
        .route("/phan-thuong/{id}/bang.pdf", get(reward_certificate))
}

pub(crate) fn actor_label(code: &str) -> String {
    ActorType::parse(code).map(|a| a.label().to_string()).unwrap_or_else(|| code.to_string())
}

pub(crate) fn form_label(code: &str) -> String {
    RewardForm::parse(code).map(|f| f.label().to_string()).unwrap_or_else(|| code.to_string())
}

// ------------------------------------------------------------------ movements

#[derive(Template)]
#[template(path = "movements.html")]
struct ListPage {
    chrome: Chrome,
    movements: Vec<MovementRow>,
    /// Shipped movements the user may launch: (id, title, plan).
    templates: Vec<(String, String, String)>,
    /// The user launches for their own province (an administrator names one).
    own_province: bool,
    form: LaunchForm,
    errors: Vec<FieldError>,
    done: Option<String>,
}

/// Who launches a movement: an officer of a province for it, or an administrator.
async fn may_launch(state: &AppState, user: &CurrentUser) -> WebResult<bool> {
    if user.is_admin() {
        return Ok(true);
    }
    Ok(user.user.role == Role::UnitOfficer && state.store.unit(user.user.unit_id).await?.kind == hoctap_domain::unit::UnitKind::Province)
}

async fn list_view(
    state: &AppState,
    user: &CurrentUser,
    form: LaunchForm,
    errors: Vec<FieldError>,
    done: Option<String>,
) -> WebResult<ListPage> {
    user.require(Action::ReadLocal)?;
    let movements = state.store.movements(user.scope(), hoctap_store::today()).await?;
    let templates = if may_launch(state, user).await? {
        hoctap_domain::emulation::shipped_movements().map_err(WebError::internal)?.into_iter().map(|m| (m.id, m.title, m.plan)).collect()
    } else {
        Vec::new()
    };
    Ok(ListPage {
        chrome: Chrome::new("Phong trào thi đua", user),
        movements,
        templates,
        own_province: !user.is_admin(),
        form,
        errors,
        done,
    })
}

async fn list(State(state): State<AppState>, user: CurrentUser, headers: HeaderMap) -> WebResult<Response> {
    super::page_with_flash(&headers, |done| list_view(&state, &user, LaunchForm::default(), Vec::new(), done)).await
}

#[derive(Deserialize, Default, Clone)]
pub struct LaunchForm {
    #[serde(default)]
    pub template: String,
    /// An administrator names the province by its code; an officer launches for their own.
    #[serde(default)]
    pub unit_code: String,
    /// The province's own plan that implements the movement (kế hoạch triển khai): number,
    /// date signed, issuer. Asked of every province but the template's own.
    #[serde(default)]
    pub plan_number: String,
    #[serde(default)]
    pub plan_signed: String,
    #[serde(default)]
    pub plan_issuer: String,
}

/// Launches a shipped movement for the user's province (an administrator: the province named).
async fn launch(State(state): State<AppState>, user: CurrentUser, CsrfForm(f): CsrfForm<LaunchForm>) -> WebResult<Response> {
    let result = async {
        if !may_launch(&state, &user).await? {
            return Err(WebError::Forbidden);
        }
        let m = hoctap_domain::emulation::shipped_movements()
            .map_err(WebError::internal)?
            .into_iter()
            .find(|m| m.id == f.template)
            .ok_or_else(|| WebError::invalid("template", "Chọn phong trào mẫu"))?;
        let province = if user.is_admin() {
            let code = f.unit_code.trim();
            if code.is_empty() {
                return Err(WebError::invalid("unit_code", "Ghi mã tỉnh, thành phố triển khai"));
            }
            let u = state
                .store
                .unit_by_code(code, hoctap_store::today())
                .await
                .map_err(|_| WebError::invalid("unit_code", format!("Không có đơn vị mã {code}")))?;
            if u.kind != hoctap_domain::unit::UnitKind::Province {
                return Err(WebError::invalid("unit_code", format!("{} không phải tỉnh, thành phố", u.name)));
            }
            u
        } else {
            state.store.unit(user.user.unit_id).await?
        };
        // Every document of the movement cites the plan of the province that runs it.
        let m = if m.needs_own_plan(&province.code) {
            let issuer = if f.plan_issuer.trim().is_empty() {
                format!("Ủy ban nhân dân {}", hoctap_domain::unit::name_in_sentence(&province.name, &province.unit_type))
            } else {
                f.plan_issuer.clone()
            };
            let plan = hoctap_domain::citation::Citation::parse(&f.plan_number, &f.plan_signed, &issuer, hoctap_store::today())
                .map_err(|e| WebError::invalid(&format!("plan_{}", e.field), format!("Kế hoạch triển khai của tỉnh: {}", e.message)))?;
            m.implemented_by(&province.code, &plan)
        } else {
            m
        };
        Ok(state.store.movement_launch(&user.actor(), &m, province.id).await?)
    }
    .await;
    super::after_post(&state, result.map(|id| (format!("/thi-dua/{id}"), "Đã phát động phong trào thi đua")), |errors| {
        list_view(&state, &user, f, errors, None)
    })
    .await
}

pub struct ParticipantLine {
    pub id: i64,
    pub name: String,
    pub actor: String,
    pub unit: String,
}

pub struct NominationLine {
    pub id: i64,
    pub name: String,
    pub year: i64,
    pub form: String,
    pub state: String,
}

#[derive(Template)]
#[template(path = "movement.html")]
struct MovementPage {
    chrome: Chrome,
    m: MovementRow,
    criteria: Vec<(String, String)>,
    actors: Vec<(&'static str, &'static str)>,
    forms: Vec<(&'static str, &'static str, &'static str)>,
    participants: Vec<ParticipantLine>,
    nominations: Vec<NominationLine>,
    decisions: Vec<(i64, String, String, String)>,
    can_prepare: bool,
    can_decide: Vec<(&'static str, &'static str)>,
    report_due: String,
    errors: Vec<FieldError>,
    form: RegisterForm,
    done: Option<String>,
}

fn nomination_lines(ns: Vec<NominationRow>) -> Vec<NominationLine> {
    ns.into_iter()
        .map(|n| NominationLine {
            id: n.id,
            name: n.participant_name,
            year: n.year,
            form: form_label(&n.form),
            state: n.dossier.state.label(),
        })
        .collect()
}

/// The reward forms this user may decide: a signer (or administrator) at the deciding level.
/// Refuses (403) a user who decides no reward at all, before anything is read or checked.
async fn may_decide(state: &AppState, user: &CurrentUser) -> WebResult<()> {
    if decidable_forms(state, user).await?.is_empty() { Err(WebError::Forbidden) } else { Ok(()) }
}

async fn decidable_forms(state: &AppState, user: &CurrentUser) -> WebResult<Vec<RewardForm>> {
    if user.is_admin() {
        return Ok(RewardForm::ALL.to_vec());
    }
    if user.user.role != Role::Signer {
        return Ok(Vec::new());
    }
    let own = state.store.unit(user.user.unit_id).await?;
    Ok(RewardForm::ALL.into_iter().filter(|f| f.decided_at() == own.kind.code()).collect())
}

async fn movement_view(
    state: &AppState,
    user: &CurrentUser,
    id: i64,
    errors: Vec<FieldError>,
    form: RegisterForm,
    done: Option<String>,
) -> WebResult<MovementPage> {
    let m = visible_movement(&state.store, user, id).await?;
    let today = hoctap_store::today();
    let participants = state
        .store
        .participants(id, user.scope(), today)
        .await?
        .into_iter()
        .map(|p| ParticipantLine { id: p.id, actor: actor_label(&p.actor_type), name: p.name, unit: p.unit_name })
        .collect();
    let nominations = nomination_lines(state.store.nominations(id, None, user.scope(), today).await?);
    let mut decisions = Vec::new();
    for d in state.store.reward_decisions(id).await? {
        if user.sees(&state.store, d.unit_id).await? {
            decisions.push((d.id, d.content.number.clone(), format_vn(d.content.decided_on), form_label(&d.form)));
        }
    }
    let criteria =
        ActorType::ALL.iter().filter_map(|a| m.movement.criteria_for(*a).map(|s| (a.label().to_string(), s.to_string()))).collect();
    let report_due = hoctap_domain::emulation::report_due(&m.movement, today.year()).map(format_vn).unwrap_or_default();
    let can_decide = decidable_forms(state, user).await?.into_iter().map(|f| (f.code(), f.label())).collect();
    Ok(MovementPage {
        chrome: Chrome::new(m.movement.title.clone(), user),
        criteria,
        actors: ActorType::ALL.iter().map(|a| (a.code(), a.label())).collect(),
        forms: RewardForm::ALL.iter().map(|f| (f.code(), f.label(), f.authority())).collect(),
        participants,
        nominations,
        decisions,
        can_prepare: may_prepare(user),
        can_decide,
        report_due,
        errors,
        form,
        done,
        m,
    })
}

async fn movement_page(State(state): State<AppState>, user: CurrentUser, Path(id): Path<i64>, headers: HeaderMap) -> WebResult<Response> {
    super::page_with_flash(&headers, |done| movement_view(&state, &user, id, Vec::new(), RegisterForm::default(), done)).await
}

#[derive(Deserialize, Default, Clone)]
pub struct RegisterForm {
    #[serde(default)]
    pub actor_type: String,
    #[serde(default)]
    pub name: String,
    /// Official code of the unit the participant belongs to; empty: the user's own unit.
    #[serde(default)]
    pub unit_code: String,
}

async fn register(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<i64>,
    CsrfForm(f): CsrfForm<RegisterForm>,
) -> WebResult<Response> {
    let result = async {
        if !may_prepare(&user) {
            return Err(WebError::Forbidden);
        }
        visible_movement(&state.store, &user, id).await?;
        let actor = ActorType::parse(&f.actor_type).ok_or_else(|| WebError::invalid("actor_type", "Chọn đối tượng thi đua"))?;
        let unit_id = if f.unit_code.trim().is_empty() {
            user.user.unit_id
        } else {
            let u = state
                .store
                .unit_by_code(f.unit_code.trim(), hoctap_store::today())
                .await
                .map_err(|_| WebError::invalid("unit_code", format!("Không có đơn vị mã {}", f.unit_code.trim())))?;
            if !user.sees(&state.store, u.id).await? {
                return Err(WebError::OutOfScope {
                    field: "unit_code".into(), message: format!("{} ngoài phạm vi của bạn", u.name)
                });
            }
            u.id
        };
        Ok(state.store.participant_register(&user.actor(), id, actor.code(), &f.name, unit_id, None).await?)
    }
    .await;
    super::after_post(&state, result.map(|pid| (format!("/tham-gia/{pid}"), "Đã đăng ký tham gia phong trào")), |errors| {
        movement_view(&state, &user, id, errors, f, None)
    })
    .await
}

// ------------------------------------------------------------------ participants

#[derive(Template)]
#[template(path = "participant.html")]
struct ParticipantPage {
    chrome: Chrome,
    p: ParticipantRow,
    m: MovementRow,
    actor: String,
    set_id: String,
    achievements: Vec<hoctap_store::AchievementRow>,
    nominations: Vec<NominationLine>,
    forms: Vec<(&'static str, &'static str)>,
    can_prepare: bool,
    year: i16,
    errors: Vec<FieldError>,
    done: Option<String>,
}

async fn participant_view(
    state: &AppState,
    user: &CurrentUser,
    id: i64,
    errors: Vec<FieldError>,
    done: Option<String>,
) -> WebResult<ParticipantPage> {
    let p = visible_participant(&state.store, user, id).await?;
    let m = state.store.movement(p.movement_id).await?;
    let set_id = ActorType::parse(&p.actor_type).and_then(|a| m.movement.criteria_for(a)).unwrap_or_default().to_string();
    Ok(ParticipantPage {
        chrome: Chrome::new(p.name.clone(), user),
        actor: actor_label(&p.actor_type),
        set_id,
        achievements: state.store.achievements(id).await?,
        nominations: nomination_lines(state.store.nominations(p.movement_id, Some(id), user.scope(), hoctap_store::today()).await?),
        forms: RewardForm::ALL.iter().map(|f| (f.code(), f.label())).collect(),
        can_prepare: may_prepare(user),
        year: hoctap_store::today().year(),
        errors,
        done,
        p,
        m,
    })
}

async fn participant_page(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<i64>,
    headers: HeaderMap,
) -> WebResult<Response> {
    super::page_with_flash(&headers, |done| participant_view(&state, &user, id, Vec::new(), done)).await
}

/// Runs a participant-page write; a refused one shows the page again with the error.
async fn on_participant<F>(state: &AppState, user: &CurrentUser, id: i64, write: F) -> WebResult<Response>
where
    F: std::future::Future<Output = WebResult<(String, &'static str)>>,
{
    super::after_post(state, write.await, |errors| participant_view(state, user, id, errors, None)).await
}

/// Records an achievement from the participant page's form (multipart: the proof may be a
/// file as well as, or instead of, a document reference).
async fn add_achievement(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<i64>,
    mp: axum::extract::Multipart,
) -> WebResult<Response> {
    achievement_target(&state.store, &user, id).await?;
    let upload = super::read_upload(mp).await?;
    user.check_csrf(upload.field("csrf"))?;
    let write = async {
        record_achievement(&state.store, &user, id, upload).await?;
        Ok((format!("/tham-gia/{id}"), "Đã ghi thành tích"))
    };
    on_participant(&state, &user, id, write).await
}

/// The proof file of an achievement, for those who may see its participant.
async fn achievement_file(State(state): State<AppState>, user: CurrentUser, Path(id): Path<i64>) -> WebResult<Response> {
    let (participant, mime, name, bytes) = state.store.achievement_file(id).await?;
    visible_participant(&state.store, &user, participant).await?;
    Ok(super::download(bytes, &mime, &name))
}

#[derive(Deserialize, Default)]
struct NominateForm {
    #[serde(default)]
    year: String,
    #[serde(default)]
    form: String,
}

/// The chain of a nomination for a participant of `unit_id`: from the level of its commune
/// (a village's participant starts at the commune) up to the deciding level.
async fn chain_for(state: &AppState, form: RewardForm, unit_id: i64) -> WebResult<Vec<hoctap_domain::workflow::ReviewStep>> {
    let unit = state.store.unit(unit_id).await?;
    let chain = form.chain(unit.kind.code());
    if chain.is_empty() {
        return Err(WebError::invalid(
            "form",
            format!("{} không do cấp trên của {} quyết định: chọn hình thức khác", form.label(), unit.name),
        ));
    }
    Ok(chain)
}

async fn nominate(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<i64>,
    CsrfForm(f): CsrfForm<NominateForm>,
) -> WebResult<Response> {
    let write = async {
        if !may_prepare(&user) {
            return Err(WebError::Forbidden);
        }
        let p = visible_participant(&state.store, &user, id).await?;
        let m = state.store.movement(p.movement_id).await?;
        let year = parse_year(&f.year, "year")?;
        if year < i64::from(m.movement.period.from) || year > i64::from(m.movement.period.to) {
            return Err(WebError::invalid(
                "year",
                format!("Phong trào diễn ra từ {} đến {}", m.movement.period.from, m.movement.period.to),
            ));
        }
        let form = RewardForm::parse(&f.form).ok_or_else(|| WebError::invalid("form", "Chọn hình thức khen thưởng"))?;
        let set_id = ActorType::parse(&p.actor_type)
            .and_then(|a| m.movement.criteria_for(a))
            .ok_or_else(|| WebError::invalid("form", "Đối tượng này chưa có tiêu chí thi đua"))?;
        let set = state.store.criteria_set(set_id, None).await?;
        let n = NewNomination {
            year,
            form: form.code().into(),
            set_id: set_id.into(),
            set_version: set.set.version.clone(),
            chain: chain_for(&state, form, p.unit_id).await?,
            answers: serde_json::json!({"answers": {}, "evidence": {}}),
            recognition_id: None,
        };
        let nid = state.store.nomination_create(&user.actor(), &p, &n).await?;
        Ok((format!("/de-nghi/{nid}"), "Đã lập đề nghị khen thưởng"))
    };
    on_participant(&state, &user, id, write).await
}

/// One click from a recognition: the movement that takes recognitions of its set, the
/// participant, the recognition as evidence of the criterion it proves, a Giấy khen nomination.
async fn nominate_recognition(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<i64>,
    CsrfForm(f): CsrfForm<NominateForm>,
) -> WebResult<Response> {
    if !may_prepare(&user) {
        return Err(WebError::Forbidden);
    }
    let rec = state.store.recognitions_by_id(id).await?;
    user.require_sees(&state.store, rec.unit_id, "công nhận").await?;
    let a = state.store.assessment(rec.assessment_id).await?;
    let c = state.store.campaign(a.campaign_id).await?;
    let decision = state.store.decision(rec.decision_id).await?;
    let today = hoctap_store::today();
    let movements = state.store.movements(user.scope(), today).await?;
    let Some((m, link)) = movements.iter().find_map(|m| m.movement.recognition_link(&c.set_id).map(|l| (m, l.clone()))) else {
        return Err(WebError::invalid("recognition", "Không có phong trào thi đua nào nhận công nhận theo bộ tiêu chí này"));
    };
    let set_id = m
        .movement
        .criteria_for(link.actor)
        .ok_or_else(|| WebError::invalid("recognition", "Phong trào chưa có tiêu chí cho đối tượng này"))?;
    let set = state.store.criteria_set(set_id, None).await?;
    let form = RewardForm::parse(&f.form).unwrap_or(RewardForm::GiayKhen);
    let year = if f.year.trim().is_empty() { i64::from(today.year()) } else { parse_year(&f.year, "year")? };
    let proof = format!(
        "{} – Quyết định số {} ngày {} (mã xác minh {})",
        rec.title,
        decision.content.number,
        format_vn(decision.content.decided_on),
        rec.code
    );
    let achievement = NewAchievement {
        year: i64::from(decision.content.decided_on.year()),
        kind: "cong_nhan".into(),
        title: format!("Được công nhận \"{}\"", rec.title),
        evidence: proof.clone(),
        recognition_id: Some(rec.id),
        file: None,
    };
    let n = NewNomination {
        year,
        form: form.code().into(),
        set_id: set_id.into(),
        set_version: set.set.version.clone(),
        chain: chain_for(&state, form, rec.unit_id).await?,
        answers: serde_json::json!({"answers": {link.indicator.clone(): true}, "evidence": {link.indicator.clone(): proof}}),
        recognition_id: Some(rec.id),
    };
    let nid = state.store.nominate_recognition(&user.actor(), m.id, link.actor.code(), &rec, &achievement, &n).await?;
    // The carried answer is evaluated at once, so the page shows what is still missing.
    let n = state.store.nomination(nid).await?;
    evaluate_and_store(&state, &user, &n, &set.set, n.answers.clone()).await?;
    Ok(flash_redirect(&state, &format!("/de-nghi/{nid}"), "Đã lập đề nghị khen thưởng từ công nhận"))
}

// ------------------------------------------------------------------ nominations

pub struct CriterionLine {
    pub id: String,
    pub name: String,
    pub value: String,
    pub evidence: String,
    pub expected: String,
    pub comment: String,
    pub editable: bool,
}

#[derive(Template)]
#[template(path = "nomination.html")]
struct NominationPage {
    chrome: Chrome,
    n: NominationRow,
    set: CriteriaSet,
    form: String,
    state_label: String,
    summary: String,
    chain: Vec<(String, String)>,
    lines: Vec<CriterionLine>,
    can_edit: bool,
    can_submit: bool,
    can_take: bool,
    can_review: bool,
    transitions: Vec<(String, String, String, String)>,
    /// The participant's achievements, with their proofs, for the reviewers.
    achievements: Vec<hoctap_store::AchievementRow>,
    errors: Vec<FieldError>,
    done: Option<String>,
}

async fn nomination_view(
    state: &AppState,
    user: &CurrentUser,
    id: i64,
    errors: Vec<FieldError>,
    done: Option<String>,
) -> WebResult<NominationPage> {
    let n = visible_nomination(&state.store, user, id).await?;
    let set = state.store.criteria_set(&n.set_id, Some(&n.set_version)).await?.set;
    let comments = match &n.dossier.state {
        WfState::Returned { comments, .. } => comments.clone(),
        _ => BTreeMap::new(),
    };
    let prepare = may_prepare(user) && !n.dossier.state.is_final();
    let lines = set
        .indicators()
        .map(|(_, i)| CriterionLine {
            value: match n.answers["answers"][&i.id].as_bool() {
                Some(true) => "1".into(),
                Some(false) => "0".into(),
                None => String::new(),
            },
            evidence: n.answers["evidence"][&i.id].as_str().unwrap_or_default().to_string(),
            expected: i.evidence.join("; "),
            comment: comments.get(&i.id).cloned().unwrap_or_default(),
            editable: prepare && n.dossier.state.may_edit(&i.id),
            id: i.id.clone(),
            name: i.name.clone(),
        })
        .collect::<Vec<_>>();
    let step = n.dossier.current_step().cloned();
    let reviewer = match &step {
        Some(s) => may_review(&state.store, user, s, n.unit_id).await?,
        None => false,
    };
    let chain = n
        .dossier
        .chain
        .iter()
        .enumerate()
        .map(|(i, s)| {
            let status = match &n.dossier.state {
                WfState::InReview { step } | WfState::Returned { step, .. } if *step == i => "đang xử lý",
                WfState::InReview { step } | WfState::Returned { step, .. } if *step > i => "đã thông qua",
                WfState::Approved | WfState::Recognised { .. } => "đã thông qua",
                _ => "chưa đến",
            };
            (s.name.clone(), status.to_string())
        })
        .collect();
    let transitions = state
        .store
        .nomination_transitions(id)
        .await?
        .into_iter()
        .map(|t| {
            let c = t
                .detail
                .as_ref()
                .and_then(|d| d.get("comments"))
                .and_then(|c| c.as_object())
                .map(|o| o.iter().map(|(k, v)| format!("{k}: {}", v.as_str().unwrap_or_default())).collect::<Vec<_>>().join("; "))
                .unwrap_or_default();
            (t.at, t.actor_name, format!("{} → {}", t.from_state, t.to_state), c)
        })
        .collect();
    Ok(NominationPage {
        achievements: state.store.achievements(n.participant_id).await?,
        chrome: Chrome::new(format!("Đề nghị khen thưởng: {}", n.participant_name), user),
        form: form_label(&n.form),
        state_label: n.dossier.state.label(),
        summary: n.result.as_ref().and_then(|r| r["summary"].as_str().map(String::from)).unwrap_or_else(|| "Chưa đánh giá".into()),
        chain,
        can_edit: lines.iter().any(|l| l.editable),
        can_submit: prepare && matches!(n.dossier.state, WfState::Draft | WfState::Returned { .. }),
        can_take: reviewer && n.dossier.state == WfState::Submitted,
        can_review: reviewer && matches!(n.dossier.state, WfState::InReview { .. }),
        lines,
        transitions,
        errors,
        done,
        set,
        n,
    })
}

async fn nomination_page(State(state): State<AppState>, user: CurrentUser, Path(id): Path<i64>, headers: HeaderMap) -> WebResult<Response> {
    super::page_with_flash(&headers, |done| nomination_view(&state, &user, id, Vec::new(), done)).await
}

/// Evaluates the answers with the nomination's set and stores both.
async fn evaluate_and_store(
    state: &AppState,
    user: &CurrentUser,
    n: &NominationRow,
    set: &CriteriaSet,
    stored: serde_json::Value,
) -> WebResult<()> {
    let answers = Answers::from_json_value(&serde_json::json!({"answers": stored["answers"].clone()}))
        .map_err(|e| WebError::invalid("answers", e.iter().map(ToString::to_string).collect::<Vec<_>>().join("; ")))?;
    let on = jiff::civil::Date::new(i16::try_from(n.year).unwrap_or(2025), 12, 31).map_err(WebError::internal)?;
    let (result, passed) = match set.evaluate(&answers, on) {
        Ok(e) => (serde_json::to_value(&e).map_err(WebError::internal)?, e.passed),
        Err(e) => (serde_json::json!({"summary": capitalise(&e.to_string())}), false),
    };
    state.store.nomination_save(&user.actor(), n, &stored, &result, passed).await?;
    Ok(())
}

async fn save(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<i64>,
    CsrfForm(pairs): CsrfForm<Vec<(String, String)>>,
) -> WebResult<Response> {
    let fields: BTreeMap<String, String> = pairs.into_iter().collect();
    if !may_prepare(&user) {
        return Err(WebError::Forbidden);
    }
    let result = async {
        let n = visible_nomination(&state.store, &user, id).await?;
        // Only a draft or a returned nomination takes changes: any other state is closed (409, nothing written).
        if !matches!(n.dossier.state, WfState::Draft | WfState::Returned { .. }) {
            return Err(WebError::Conflict {
                field: "state".into(),
                message: format!("Đề nghị đã ở trạng thái \"{}\": không sửa được, không có gì được ghi", n.dossier.state.label()),
            });
        }
        let set = state.store.criteria_set(&n.set_id, Some(&n.set_version)).await?.set;
        let mut stored = n.answers.clone();
        for (_, i) in set.indicators() {
            // Only what the state unlocks changes (a returned nomination: the commented criteria).
            if !n.dossier.state.may_edit(&i.id) {
                continue;
            }
            match fields.get(&format!("a:{}", i.id)).map(String::as_str) {
                Some("1") => stored["answers"][&i.id] = serde_json::Value::Bool(true),
                Some("0") => stored["answers"][&i.id] = serde_json::Value::Bool(false),
                _ => {
                    if let Some(o) = stored["answers"].as_object_mut() {
                        o.remove(&i.id);
                    }
                }
            }
            stored["evidence"][&i.id] =
                serde_json::Value::String(fields.get(&format!("m:{}", i.id)).map(|s| s.trim().to_string()).unwrap_or_default());
        }
        evaluate_and_store(&state, &user, &n, &set, stored).await
    }
    .await;
    on_nomination(&state, &user, id, result, "Đã lưu và đánh giá theo tiêu chí").await
}

async fn on_nomination(state: &AppState, user: &CurrentUser, id: i64, result: WebResult<()>, message: &str) -> WebResult<Response> {
    super::after_post(state, result.map(|()| (format!("/de-nghi/{id}"), message)), |errors| nomination_view(state, user, id, errors, None))
        .await
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
    let result = async {
        let n = visible_nomination(&state.store, &user, id).await?;
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
        apply(&state.store, &user, &n, cmd).await.map_err(Into::into)
    }
    .await;
    on_nomination(&state, &user, id, result, "Đã chuyển đề nghị").await
}

// ------------------------------------------------------------------ reward decisions

#[derive(Deserialize, Default, Clone)]
pub struct DecisionQuery {
    #[serde(default)]
    pub hinh_thuc: String,
}

/// The decision's fields, and what it rewards: the form (hình thức) and the year.
#[derive(Deserialize, Default, Clone)]
pub struct RewardDecisionForm {
    #[serde(default)]
    pub form: String,
    #[serde(default)]
    pub year: String,
    #[serde(flatten)]
    pub d: super::decisions::DecisionForm,
}

#[derive(Template)]
#[template(path = "reward_decision_form.html")]
struct DecisionFormPage {
    chrome: Chrome,
    m: MovementRow,
    form_label: String,
    f: RewardDecisionForm,
    nominations: Vec<NominationLine>,
    errors: Vec<FieldError>,
}

async fn approved_for(state: &AppState, user: &CurrentUser, m: &MovementRow, form: RewardForm) -> WebResult<Vec<NominationRow>> {
    Ok(state
        .store
        .nominations(m.id, None, user.scope(), hoctap_store::today())
        .await?
        .into_iter()
        .filter(|n| n.dossier.state == WfState::Approved && n.form == form.code())
        .collect())
}

async fn decision_form_view(
    state: &AppState,
    user: &CurrentUser,
    id: i64,
    f: Option<RewardDecisionForm>,
    form: RewardForm,
    errors: Vec<FieldError>,
) -> WebResult<DecisionFormPage> {
    let m = visible_movement(&state.store, user, id).await?;
    if !decidable_forms(state, user).await?.contains(&form) {
        return Err(WebError::Forbidden);
    }
    let unit = state.store.unit(user.user.unit_id).await?;
    let nominations = nomination_lines(approved_for(state, user, &m, form).await?);
    let f = f.unwrap_or_else(|| RewardDecisionForm { form: form.code().into(), year: hoctap_store::today().year().to_string(), d: super::decisions::DecisionForm {
        decided_on: hoctap_store::today().to_string(),
        authority: format!("ỦY BAN NHÂN DÂN\n{}", unit.name.to_uppercase()),
        signer_name: user.user.full_name.clone(),
        signer_title: "CHỦ TỊCH".into(),
        place: unit.name.split_whitespace().skip(1).collect::<Vec<_>>().join(" "),
        legal_basis: [
            "Căn cứ Luật Tổ chức chính quyền địa phương ngày 16 tháng 6 năm 2025;".to_string(),
            "Căn cứ Luật Thi đua, khen thưởng ngày 15 tháng 6 năm 2022;".to_string(),
            "Căn cứ Nghị định số 98/2023/NĐ-CP ngày 31 tháng 12 năm 2023 của Chính phủ quy định chi tiết thi hành một số điều của Luật Thi đua, khen thưởng;".to_string(),
            format!("Căn cứ {};", m.movement.plan),
        ]
        .join("\n"),
        ..Default::default()
    } });
    Ok(DecisionFormPage {
        chrome: Chrome::new(format!("Quyết định tặng {}", form.label()), user),
        form_label: form.label().into(),
        m,
        f,
        nominations,
        errors,
    })
}

async fn decision_form(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<i64>,
    Query(q): Query<DecisionQuery>,
) -> WebResult<Response> {
    may_decide(&state, &user).await?;
    visible_movement(&state.store, &user, id).await?;
    let form = RewardForm::parse(&q.hinh_thuc).ok_or_else(|| WebError::invalid("hinh_thuc", "Chọn hình thức khen thưởng"))?;
    render_with_flash(&decision_form_view(&state, &user, id, None, form, Vec::new()).await?, false)
}

/// The trích yếu of a reward decision.
fn decision_title(form: RewardForm, m: &MovementRow, year: i64) -> String {
    format!(
        "Về việc tặng {} cho các tập thể, hộ gia đình, cá nhân có thành tích xuất sắc trong Phong trào thi đua “{}” năm {year}",
        form.label(),
        m.movement.title
    )
}

async fn issue(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<i64>,
    CsrfForm(f): CsrfForm<RewardDecisionForm>,
) -> WebResult<Response> {
    may_decide(&state, &user).await?;
    visible_movement(&state.store, &user, id).await?;
    let form = RewardForm::parse(&f.form).ok_or_else(|| WebError::invalid("form", "Chọn hình thức khen thưởng"))?;
    let result = async {
        let m = visible_movement(&state.store, &user, id).await?;
        if !decidable_forms(&state, &user).await?.contains(&form) {
            return Err(WebError::Forbidden);
        }
        let year = parse_year(&f.year, "year")?;
        let d = f.d.content(decision_title(form, &m, year))?;
        let chosen: Vec<i64> = f.d.rest.keys().filter_map(|k| k.strip_prefix("chon:")).filter_map(|x| x.parse().ok()).collect();
        let approved = approved_for(&state, &user, &m, form).await?;
        let picked: Vec<&NominationRow> = approved.iter().filter(|n| chosen.contains(&n.id)).collect();
        if picked.len() != chosen.len() {
            return Err(WebError::invalid(
                "nominations",
                "Chỉ chọn được đề nghị đã được thẩm định đủ các bước, cùng hình thức, trong phạm vi của bạn",
            ));
        }
        let person = Person { user_id: user.user.id, name: user.user.full_name.clone() };
        let mut grants = Vec::new();
        for n in picked {
            let next = n
                .dossier
                .apply(&person, &Command::Recognise { decision_id: 0 })
                .map_err(|e| WebError::invalid("nominations", format!("{}: {}", n.participant_name, capitalise(&e.to_string()))))?;
            grants.push(RewardGrant { nomination: n, next, code: verification_code(rand::rng().next_u64()) });
        }
        Ok(state.store.reward_decision_issue(&user.actor(), m.id, form.code(), year, user.user.unit_id, &d, &grants).await?)
    }
    .await;
    super::after_post(&state, result.map(|did| (format!("/khen-thuong/{did}"), "Đã ban hành quyết định khen thưởng")), |errors| {
        decision_form_view(&state, &user, id, Some(f), form, errors)
    })
    .await
}

#[derive(Template)]
#[template(path = "reward_decision.html")]
struct RewardDecisionPage {
    chrome: Chrome,
    d: RewardDecisionRow,
    date_vn: String,
    form: String,
    rewards: Vec<(i64, String, String, String, String)>,
    done: Option<String>,
}

async fn visible_reward_decision(state: &AppState, user: &CurrentUser, id: i64) -> WebResult<RewardDecisionRow> {
    user.require(Action::ReadLocal)?;
    let d = state.store.reward_decision(id).await?;
    user.require_sees(&state.store, d.unit_id, "quyết định khen thưởng").await?;
    Ok(d)
}

async fn reward_decision_page(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<i64>,
    headers: HeaderMap,
) -> WebResult<Response> {
    let d = visible_reward_decision(&state, &user, id).await?;
    let rewards = state
        .store
        .rewards(id)
        .await?
        .into_iter()
        .map(|r| (r.id, r.participant_name, actor_label(&r.actor_type), r.unit_name, r.code))
        .collect();
    super::page_with_flash(&headers, |done| {
        std::future::ready(Ok(RewardDecisionPage {
            chrome: Chrome::new(format!("Quyết định số {}", d.content.number), &user),
            date_vn: format_vn(d.content.decided_on),
            form: form_label(&d.form),
            rewards,
            done,
            d,
        }))
    })
    .await
}

/// The printed content of a reward decision (shared by DOCX and PDF).
pub async fn reward_decision_doc(state: &AppState, d: &RewardDecisionRow) -> WebResult<hoctap_docs::decision_docx::DecisionDoc> {
    let m = state.store.movement(d.movement_id).await?;
    let rewards = state.store.rewards(d.id).await?;
    let form = RewardForm::parse(&d.form).ok_or(WebError::NotFound("hình thức khen thưởng"))?;
    let authority_lines: Vec<String> = d.content.authority.lines().map(str::trim).filter(|l| !l.is_empty()).map(String::from).collect();
    Ok(hoctap_docs::decision_docx::DecisionDoc {
        number: d.content.number.clone(),
        place: d.content.place.clone(),
        date: d.content.decided_on,
        summary: d.content.title.clone(),
        issuer_position: format!("{} {}", d.content.signer_title.lines().last().unwrap_or("CHỦ TỊCH").replace("KT. ", ""), authority_lines.join(" ")),
        legal_basis: d.content.legal_basis.clone(),
        proposal: "Xét đề nghị của Hội đồng Thi đua - Khen thưởng,".into(),
        articles: vec![
            format!("Điều 1. Tặng {} cho {} tập thể, hộ gia đình, cá nhân (có danh sách kèm theo) đã có thành tích xuất sắc trong Phong trào thi đua “{}” năm {}.", form.label(), rewards.len(), m.movement.title, d.year),
            "Điều 2. Quyết định này có hiệu lực kể từ ngày ký.".into(),
            "Điều 3. Văn phòng, Hội đồng Thi đua - Khen thưởng, các cơ quan, đơn vị có liên quan và các tập thể, hộ gia đình, cá nhân có tên tại Điều 1 chịu trách nhiệm thi hành Quyết định này.".into(),
        ],
        recipients: vec!["Như Điều 3;".into(), "Lưu: VT.".into()],
        signer_title: d.content.signer_title.clone(),
        signer_name: d.content.signer_name.clone(),
        annex_title: format!("DANH SÁCH ĐƯỢC TẶNG {} NĂM {}", form.printed_title(), d.year),
        annex_header: vec!["STT".into(), "Tập thể, hộ gia đình, cá nhân".into(), "Đối tượng".into(), "Đơn vị".into(), "Số sổ".into()],
        annex_rows: rewards.iter().enumerate().map(|(i, r)| vec![(i + 1).to_string(), r.participant_name.clone(), actor_label(&r.actor_type), r.unit_name.clone(), r.code.clone()]).collect(),
        authority_lines,
    })
}

async fn reward_decision_docx(State(state): State<AppState>, user: CurrentUser, Path(id): Path<i64>) -> WebResult<Response> {
    let d = visible_reward_decision(&state, &user, id).await?;
    let bytes = hoctap_docs::decision_docx::decision_docx(&reward_decision_doc(&state, &d).await?).map_err(WebError::internal)?;
    Ok(file_response(
        bytes,
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        "attachment",
        &format!("quyet-dinh-khen-thuong-{}.docx", d.content.number.replace(['/', ' '], "-")),
    ))
}

async fn reward_decision_pdf(State(state): State<AppState>, user: CurrentUser, Path(id): Path<i64>) -> WebResult<Response> {
    let d = visible_reward_decision(&state, &user, id).await?;
    let bytes = hoctap_docs::official_pdf::decision_pdf(&reward_decision_doc(&state, &d).await?).map_err(WebError::internal)?;
    Ok(file_response(
        bytes,
        "application/pdf",
        "inline",
        &format!("quyet-dinh-khen-thuong-{}.pdf", d.content.number.replace(['/', ' '], "-")),
    ))
}

async fn reward_certificate(State(state): State<AppState>, user: CurrentUser, Path(id): Path<i64>) -> WebResult<Response> {
    user.require(Action::ReadLocal)?;
    let r = state.store.reward(id).await?;
    let d = visible_reward_decision(&state, &user, r.decision_id).await?;
    let m = state.store.movement(d.movement_id).await?;
    let form = RewardForm::parse(&r.form).ok_or(WebError::NotFound("hình thức khen thưởng"))?;
    let authority_lines: Vec<String> = d.content.authority.lines().map(str::trim).filter(|l| !l.is_empty()).map(String::from).collect();
    let place =
        state.store.ancestors(r.unit_id, hoctap_store::today()).await?.into_iter().rev().map(|u| u.name).collect::<Vec<_>>().join(", ");
    let doc = hoctap_docs::official_pdf::RewardCertificateDoc {
        granted_by: format!(
            "{} {}",
            d.content.signer_title.lines().last().unwrap_or("CHỦ TỊCH").replace("KT. ", ""),
            authority_lines.join(" ")
        ),
        authority_lines,
        form_title: form.printed_title().into(),
        recipient: r.participant_name.clone(),
        recipient_place: format!("{}, {place}", r.unit_name),
        achievement: format!("Đã có thành tích xuất sắc trong Phong trào thi đua “{}” năm {}", m.movement.title, r.year),
        decision: format!("Quyết định số {} ngày {}", d.content.number, format_vn(d.content.decided_on)),
        place_and_date: hoctap_docs::decision_docx::place_and_date(&d.content.place, d.content.decided_on),
        signer_title: d.content.signer_title.clone(),
        signer_name: d.content.signer_name.clone(),
        code: r.code.clone(),
    };
    let bytes = hoctap_docs::official_pdf::reward_certificate_pdf(&doc).map_err(WebError::internal)?;
    Ok(file_response(bytes, "application/pdf", "inline", &format!("{}-{}.pdf", form.code(), r.code)))
}

// ------------------------------------------------------------------ statistics

/// The statistics tables: rewards by year, form, actor type and unit, and each total.
pub async fn stats_tables(state: &AppState, user: &CurrentUser, m: &MovementRow) -> WebResult<Vec<hoctap_docs::registry_xlsx::Table>> {
    let counts = state.store.reward_counts(m.id, user.scope(), hoctap_store::today()).await?;
    let total = |key: &dyn Fn(&hoctap_store::RewardCount) -> String| {
        let mut by: BTreeMap<String, i64> = BTreeMap::new();
        for c in &counts {
            *by.entry(key(c)).or_default() += c.count;
        }
        by.into_iter().map(|(k, v)| vec![k, v.to_string()]).collect::<Vec<_>>()
    };
    let table = |sheet: &str, first: &str, rows| hoctap_docs::registry_xlsx::Table {
        sheet: sheet.into(),
        header: vec![first.into(), "Số khen thưởng".into()],
        rows,
    };
    Ok(vec![
        hoctap_docs::registry_xlsx::Table {
            sheet: "Chi tiet".into(),
            header: ["Năm", "Hình thức", "Đối tượng", "Đơn vị", "Số khen thưởng"].map(String::from).to_vec(),
            rows: counts
                .iter()
                .map(|c| {
                    vec![c.year.to_string(), form_label(&c.form), actor_label(&c.actor_type), c.unit_name.clone(), c.count.to_string()]
                })
                .collect(),
        },
        table("Theo nam", "Năm", total(&|c| c.year.to_string())),
        table("Theo hinh thuc", "Hình thức", total(&|c| form_label(&c.form))),
        table("Theo doi tuong", "Đối tượng", total(&|c| actor_label(&c.actor_type))),
        table("Theo don vi", "Đơn vị", total(&|c| c.unit_name.clone())),
    ])
}

#[derive(Template)]
#[template(path = "movement_stats.html")]
struct StatsPage {
    chrome: Chrome,
    m: MovementRow,
    tables: Vec<hoctap_docs::registry_xlsx::Table>,
}

async fn stats_page(State(state): State<AppState>, user: CurrentUser, Path(id): Path<i64>) -> WebResult<Response> {
    let m = visible_movement(&state.store, &user, id).await?;
    let tables = stats_tables(&state, &user, &m).await?;
    render_with_flash(&StatsPage { chrome: Chrome::new("Thống kê khen thưởng", &user), m, tables }, false)
}

async fn stats_xlsx(State(state): State<AppState>, user: CurrentUser, Path(id): Path<i64>) -> WebResult<Response> {
    let m = visible_movement(&state.store, &user, id).await?;
    let bytes = hoctap_docs::registry_xlsx::tables_xlsx(&stats_tables(&state, &user, &m).await?).map_err(WebError::internal)?;
    Ok(file_response(bytes, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "attachment", "thong-ke-khen-thuong.xlsx"))
}
