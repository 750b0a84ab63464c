//! Dossiers (hồ sơ) of the yearly cycle: who may prepare, read and review them, opening a
//! campaign (đợt đánh giá), laying a dossier for a subject with its data counted from the
//! registries and the learning record, answers checked, evaluated and stored, and the workflow
//! commands with the one check of who may give them. Shared by the pages, the API and sync.

use crate::learning;
use crate::{AppError, AppResult, CurrentUser, FieldError, capitalise};
use hoctap_domain::access::{Action, Role};
use hoctap_domain::area::AreaAttribute;
use hoctap_domain::criteria::{Answers, IndicatorKind, Number};
use hoctap_domain::criteria::{CriteriaSet, SubjectKind};
use hoctap_domain::date::{format_vn, parse_date};
use hoctap_domain::registry::def::{self, Value};
use hoctap_domain::unit::UnitKind;
use hoctap_domain::workflow::{Command, Person, ReviewStep, State as WfState, default_chain};
use hoctap_store::Store;
use hoctap_store::{AssessmentRow, CampaignRow, NewCampaign, RegistryQuery};
use serde::Deserialize;
use std::collections::BTreeMap;

/// Roles that take part in reviews.
pub fn reviews(role: Role) -> bool {
    matches!(role, Role::SystemAdmin | Role::Reviewer | Role::AssociationOfficer | Role::UnitOfficer)
}

/// Whether the user may act at a review step for a dossier of `unit`: the reviewer's unit is
/// at the step's level and the dossier is inside it.
#[inline(never)]
pub fn may_review<'fut, 'l1: 'fut, 'l2: 'fut, 'l3: 'fut>(
    store: &'l1 Store,
    user: &'l2 CurrentUser,
    step: &'l3 ReviewStep,
    unit: i64,
) -> crate::BoxFut<'fut, AppResult<bool>> {
    Box::pin(async move { Ok(review_capacity(store, user, step, unit).await?.is_some()) })
}

/// How a user may act at a review step.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Capacity {
    /// The step's own holder (or an administrator).
    Holder,
    /// The level above, for a step that has no active account (recorded as such).
    Substitute,
}

/// Whether and how the user may act at a step for a dossier of `unit`: a holder of the step
/// (its roles, `ReviewStep::holders`) at the step's level with the dossier inside their unit,
/// or, when the step has no active account there, a holder at the level above.
#[inline(never)]
pub fn review_capacity<'fut, 'l1: 'fut, 'l2: 'fut, 'l3: 'fut>(
    store: &'l1 Store,
    user: &'l2 CurrentUser,
    step: &'l3 ReviewStep,
    unit: i64,
) -> crate::BoxFut<'fut, AppResult<Option<Capacity>>> {
    Box::pin(async move {
        if user.is_admin() {
            return Ok(Some(Capacity::Holder));
        }
        // The ministry's steps are the ministry reviewers', and theirs only.
        if step.level == "national" || user.user.role == Role::MinistryReviewer {
            return Ok((step.level == "national" && user.user.role == Role::MinistryReviewer).then_some(Capacity::Holder));
        }
        if !reviews(user.user.role) || !step.holders().contains(&user.user.role) {
            return Ok(None);
        }
        let own = store.unit(user.user.unit_id).await?;
        if !user.sees(store, unit).await? {
            return Ok(None);
        }
        if own.kind.code() == step.level_kind() {
            return Ok(Some(Capacity::Holder));
        }
        let above = step.level_above().map(|l| ReviewStep { name: String::new(), level: l.to_string() });
        if above.is_some_and(|a| a.level_kind() == own.kind.code()) && !store.step_has_holder(step, unit, hoctap_store::today()).await? {
            return Ok(Some(Capacity::Substitute));
        }
        Ok(None)
    })
}

trait LevelKind {
    fn level_kind(&self) -> &str;
}

impl LevelKind for ReviewStep {
    /// The unit kind whose reviewers act at this step.
    fn level_kind(&self) -> &str {
        match self.level.as_str() {
            "village" => UnitKind::Village.code(),
            "commune" => UnitKind::Commune.code(),
            "province" => UnitKind::Province.code(),
            other => other,
        }
    }
}

pub fn may_prepare(user: &CurrentUser) -> bool {
    user.user.role.may(Action::EditRegistries) || user.user.role.may(Action::EditAssociation)
}

/// Whether the user is the citizen a dossier is about (Công dân học tập: citizens assess
/// themselves after logging in with their CCCD, as the national software does).
#[inline(never)]
pub fn is_own_dossier<'fut, 'l1: 'fut, 'l2: 'fut, 'l3: 'fut>(
    store: &'l1 Store,
    user: &'l2 CurrentUser,
    a: &'l3 AssessmentRow,
) -> crate::BoxFut<'fut, AppResult<bool>> {
    Box::pin(async move {
        if user.user.role != Role::Citizen || a.subject_kind != "citizen" {
            return Ok(false);
        }
        let r = store.registry_get(&def::CITIZENS, a.subject_id).await?;
        Ok(matches!(r.values.get("cccd"), Some(Value::Text(c)) if *c == user.user.username))
    })
}

/// Refuses (403) before any lookup a role that prepares no dossier at all (only preparers
/// and the citizen a dossier is about do).
pub fn may_prepare_some(user: &CurrentUser) -> AppResult<()> {
    if may_prepare(user) || user.user.role == Role::Citizen { Ok(()) } else { Err(AppError::Forbidden) }
}

/// A dossier takes answers, data and evidence only while it is a draft or returned: any
/// other store is closed to changes (409, and nothing is written or audited).
pub fn open_for_changes(a: &AssessmentRow) -> AppResult<()> {
    if matches!(a.dossier.state, WfState::Draft | WfState::Returned { .. }) {
        Ok(())
    } else {
        Err(AppError::Conflict {
            field: "state".into(),
            message: format!("Hồ sơ đang ở trạng thái \"{}\": không sửa được, không có gì được ghi", a.dossier.state.label()),
        })
    }
}

/// Whether the user may fill in and submit this dossier.
#[inline(never)]
pub fn may_prepare_dossier<'fut, 'l1: 'fut, 'l2: 'fut, 'l3: 'fut>(
    store: &'l1 Store,
    user: &'l2 CurrentUser,
    a: &'l3 AssessmentRow,
) -> crate::BoxFut<'fut, AppResult<bool>> {
    Box::pin(async move { Ok(may_prepare(user) || is_own_dossier(store, user, a).await?) })
}

/// Reading a dossier: local readers, or the citizen it is about.
#[inline(never)]
pub fn may_read_dossier<'fut, 'l1: 'fut, 'l2: 'fut, 'l3: 'fut>(
    store: &'l1 Store,
    user: &'l2 CurrentUser,
    a: &'l3 AssessmentRow,
) -> crate::BoxFut<'fut, AppResult<()>> {
    Box::pin(async move {
        if user.user.role.may(Action::ReadLocal) {
            return user.require_sees(store, a.unit_id, "hồ sơ").await;
        }
        if is_own_dossier(store, user, a).await? { Ok(()) } else { Err(AppError::NotFound("hồ sơ")) }
    })
}

#[derive(Deserialize, Default, Clone)]
pub struct CampaignForm {
    #[serde(default)]
    pub year: String,
    #[serde(default)]
    pub set_id: String,
    #[serde(default)]
    pub title: String,
    #[serde(default)]
    pub self_assessment_closes: String,
    #[serde(default)]
    pub dossier_due: String,
    #[serde(default)]
    pub decision_due: String,
}

/// Opens a campaign for the user's unit (shared with the API).
#[inline(never)]
pub fn open<'fut, 'l1: 'fut, 'l2: 'fut, 'l3: 'fut>(
    store: &'l1 Store,
    user: &'l2 CurrentUser,
    f: &'l3 CampaignForm,
) -> crate::BoxFut<'fut, AppResult<i64>> {
    Box::pin(async move {
        if !may_prepare(user) {
            return Err(AppError::Forbidden);
        }
        let year: i64 = f.year.trim().parse().map_err(|_| AppError::invalid("year", "Năm đánh giá phải là một số, ví dụ 2025"))?;
        if !(2000..=2100).contains(&year) {
            return Err(AppError::invalid("year", "Năm đánh giá phải từ 2000 đến 2100"));
        }
        let set = store.criteria_set(f.set_id.trim(), None).await.map_err(|_| AppError::invalid("set_id", "Chọn một bộ tiêu chí"))?.set;
        let last_day = jiff::civil::date(i16::try_from(year).unwrap_or(2025), 12, 31);
        if !set.in_force_on(last_day) && !set.in_force_on(jiff::civil::date(i16::try_from(year).unwrap_or(2025), 1, 1)) {
            return Err(AppError::invalid("set_id", format!("Bộ tiêu chí {} không có hiệu lực trong năm {year}", set.id)));
        }
        let date = |field: &str, raw: &str, default: jiff::civil::Date| -> AppResult<jiff::civil::Date> {
            if raw.trim().is_empty() {
                Ok(default)
            } else {
                parse_date(raw).map_err(|e| AppError::invalid(field, capitalise(&e.to_string())))
            }
        };
        // National defaults: self-assessment closes 28/02, decision by 31/03 of the next year.
        let next = i16::try_from(year + 1).unwrap_or(2026);
        let closes = date("self_assessment_closes", &f.self_assessment_closes, jiff::civil::date(next, 2, 28))?;
        let due = date("dossier_due", &f.dossier_due, jiff::civil::date(next, 2, 28))?;
        let decision = date("decision_due", &f.decision_due, jiff::civil::date(next, 3, 31))?;
        if decision < due || due < closes {
            return Err(AppError::invalid("decision_due", "Hạn quyết định phải sau hạn nộp hồ sơ, hạn nộp sau hạn tự đánh giá"));
        }
        let title = if f.title.trim().is_empty() { format!("{} năm {year}", set.title) } else { hoctap_domain::text::clean(&f.title) };
        Ok(store
            .create_campaign(
                &user.actor(),
                NewCampaign {
                    year,
                    set_id: set.id.clone(),
                    set_version: set.version.clone(),
                    unit_id: user.user.unit_id,
                    title,
                    self_assessment_closes: closes,
                    dossier_due: due,
                    decision_due: decision,
                    chain: default_chain(set.subject),
                },
            )
            .await?)
    })
}

/// Finds the subject of a dossier from the code typed: a registry record or a unit.
#[inline(never)]
pub fn resolve_subject<'fut, 'l1: 'fut, 'l2: 'fut, 'l3: 'fut>(
    store: &'l1 Store,
    user: &'l2 CurrentUser,
    kind: SubjectKind,
    code: &'l3 str,
) -> crate::BoxFut<'fut, AppResult<(i64, String, i64)>> {
    Box::pin(async move {
        let code = code.trim();
        let registry = match kind {
            SubjectKind::Household => Some(&def::HOUSEHOLDS),
            SubjectKind::Citizen => Some(&def::CITIZENS),
            SubjectKind::Clan => Some(&def::CLANS),
            SubjectKind::Organisation => Some(&def::ORGANISATIONS),
            _ => None,
        };
        let not_found = || AppError::invalid("subject", format!("Không tìm thấy đối tượng mã \"{code}\" trong phạm vi của bạn"));
        match registry {
            Some(reg) => {
                let key = reg.key.first().copied().unwrap_or("code");
                let value = def::parse_typed_value(reg.field(key).ok_or_else(not_found)?, code)
                    .map_err(|e| AppError::invalid("subject", capitalise(&e)))?;
                let Some(Value::Text(v)) = value else { return Err(not_found()) };
                let q = RegistryQuery { scope: user.scope(), limit: 1, filter: Some((key, v)), ..Default::default() };
                let r = store.registry_list(reg, &q, hoctap_store::today()).await?.into_iter().next().ok_or_else(not_found)?;
                let label = r.values.get(reg.label).map(|v| v.display(def::FieldType::Text { max: 0 })).unwrap_or_default();
                // A CCCD is personal data: the label, seen by reviewers, carries it masked.
                let shown_code = if reg.kind == def::RegistryKind::Citizens {
                    hoctap_domain::registry::cccd::Cccd::parse(code).map(|c| c.masked()).unwrap_or_default()
                } else {
                    code.to_string()
                };
                Ok((r.id, format!("{shown_code} – {label}"), r.unit_id))
            }
            None => {
                let u = store.unit_by_code(code, hoctap_store::today()).await.map_err(|_| not_found())?;
                user.require_sees(store, u.id, "đơn vị").await.map_err(|_| not_found())?;
                let want = match kind {
                    SubjectKind::Village => UnitKind::Village,
                    SubjectKind::Commune => UnitKind::Commune,
                    SubjectKind::District => UnitKind::District,
                    _ => UnitKind::Province,
                };
                if u.kind != want {
                    return Err(AppError::invalid(
                        "subject",
                        format!(
                            "{} {} là {}, bộ tiêu chí này đánh giá {}",
                            u.code,
                            u.name,
                            u.kind.label().to_lowercase(),
                            want.label().to_lowercase()
                        ),
                    ));
                }
                Ok((u.id, format!("{} {}", u.code, u.name), u.id))
            }
        }
    })
}

/// A registry-sourced variable of a dossier: its value counted now and how it was counted.
pub struct RegistryValue {
    pub variable: String,
    pub value: Option<i64>,
    pub how: String,
}

/// Counts, in the registries, the set's sourced variables for a dossier's subject.
#[inline(never)]
pub fn registry_values<'fut, 'l1: 'fut, 'l2: 'fut, 'l3: 'fut>(
    store: &'l1 Store,
    set: &'l2 CriteriaSet,
    c: &'l3 CampaignRow,
    subject_id: i64,
) -> crate::BoxFut<'fut, AppResult<Vec<RegistryValue>>> {
    Box::pin(async move {
        let year = i16::try_from(c.year).unwrap_or(2025);
        let sourced: Vec<(&str, &hoctap_domain::criteria::DataSource)> =
            set.variables.iter().filter_map(|v| Some((v.id.as_str(), v.source.as_ref()?))).collect();
        let sources: Vec<_> = sourced.iter().map(|(_, s)| *s).collect();
        let values = store.source_values(set.subject, subject_id, year, &sources).await?;
        Ok(sourced
            .iter()
            .zip(values)
            .map(|((id, src), value)| RegistryValue { variable: id.to_string(), value, how: src.describe(year) })
            .collect())
    })
}

/// Puts the registry counts into a dossier's data (số liệu) and re-evaluates; `only_missing`
/// keeps what the preparer already typed (a new dossier has nothing typed).
#[inline(never)]
pub fn fill_from_registries<'fut, 'l1: 'fut, 'l2: 'fut>(
    store: &'l1 Store,
    user: &'l2 CurrentUser,
    id: i64,
    only_missing: bool,
) -> crate::BoxFut<'fut, AppResult<usize>> {
    Box::pin(async move {
        let a = store.assessment(id).await?;
        let c = store.campaign(a.campaign_id).await?;
        let set = store.criteria_set(&c.set_id, Some(&c.set_version)).await?.set;
        let found = registry_values(store, &set, &c, a.subject_id).await?;
        let mut answers = stored_answers(&set, &a);
        let mut filled = 0;
        for r in &found {
            let Some(v) = r.value else { continue };
            if only_missing && answers.data.contains_key(&r.variable) {
                continue;
            }
            answers.data.insert(r.variable.clone(), hoctap_domain::criteria::Number::integer(v));
            filled += 1;
        }
        if filled > 0 {
            store_answers(store, user, &a, &c, &set, &answers).await?;
        }
        Ok(filled)
    })
}

/// Lays a dossier (lập hồ sơ) for a subject and pre-fills its data from the registries.
#[inline(never)]
pub fn lay_dossier<'fut, 'l1: 'fut, 'l2: 'fut, 'l3: 'fut, 'l4: 'fut>(
    store: &'l1 Store,
    user: &'l2 CurrentUser,
    c: &'l3 CampaignRow,
    subject: SubjectKind,
    subject_id: i64,
    label: &'l4 str,
    unit: i64,
) -> crate::BoxFut<'fut, AppResult<i64>> {
    Box::pin(async move {
        let id = store.create_assessment(&user.actor(), c, subject.code(), subject_id, label, unit).await?;
        fill_from_registries(store, user, id, true).await?;
        crate::dossiers::fill_from_record(store, user, id).await?;
        Ok(id)
    })
}

pub fn answer_text(v: &serde_json::Value) -> String {
    match v {
        serde_json::Value::Bool(true) => "1".into(),
        serde_json::Value::Bool(false) => "0".into(),
        serde_json::Value::Number(n) => n.to_string().replace('.', ","),
        serde_json::Value::String(s) => s.clone(),
        _ => String::new(),
    }
}

/// The answers a save takes from a form: locked fields are not read from it, `keep_locked`
/// puts back their stored values (the form and the device's sync alike).
pub fn answers_for_save(
    set: &CriteriaSet,
    a: &AssessmentRow,
    form: &BTreeMap<String, Vec<String>>,
) -> Result<hoctap_domain::criteria::Answers, Vec<FieldError>> {
    let mut editable = form.clone();
    editable.retain(|key, _| match (key.strip_prefix("a:"), key.strip_prefix("d:")) {
        (Some(indicator), _) => a.dossier.state.may_edit(indicator),
        (_, Some(_)) => data_editable(set, a),
        _ => true,
    });
    let mut x = answers_from_form(set, &editable)?;
    keep_locked(set, a, &mut x);
    Ok(x)
}

/// An answer as stored (yes/no as a boolean, numbers as text).
pub fn stored_value(v: &serde_json::Value) -> Option<hoctap_domain::criteria::AnswerValue> {
    use hoctap_domain::criteria::{AnswerValue, Number};
    match v {
        serde_json::Value::Bool(b) => Some(AnswerValue::Bool(*b)),
        v => Number::parse(&answer_text(v)).ok().map(AnswerValue::Number),
    }
}

/// The stored data (số liệu) of a dossier.
pub fn stored_data(set: &CriteriaSet, a: &AssessmentRow) -> BTreeMap<String, hoctap_domain::criteria::Number> {
    set.variables
        .iter()
        .filter_map(|v| Some((v.id.clone(), hoctap_domain::criteria::Number::parse(&answer_text(a.answers["data"].get(&v.id)?)).ok()?)))
        .collect()
}

/// The answers and data a dossier holds, as the engine reads them.
pub fn stored_answers(set: &CriteriaSet, a: &AssessmentRow) -> hoctap_domain::criteria::Answers {
    let mut x = hoctap_domain::criteria::Answers::new();
    x.values = set.indicators().filter_map(|(_, i)| Some((i.id.clone(), stored_value(a.answers["answers"].get(&i.id)?)?))).collect();
    x.data = stored_data(set, a);
    x
}

/// Puts back the stored answers of locked indicators, and the stored data when they are
/// locked, whatever was sent; returns the indicators whose sent answer was replaced.
pub fn keep_locked(set: &CriteriaSet, a: &AssessmentRow, answers: &mut hoctap_domain::criteria::Answers) -> Vec<String> {
    let mut kept = Vec::new();
    for (_, i) in set.indicators().filter(|(_, i)| !a.dossier.state.may_edit(&i.id)) {
        let stored = a.answers["answers"].get(&i.id).and_then(stored_value);
        if answers.values.get(&i.id) != stored.as_ref() {
            kept.push(i.id.clone());
        }
        match stored {
            Some(x) => answers.values.insert(i.id.clone(), x),
            None => answers.values.remove(&i.id),
        };
    }
    if !data_editable(set, a) {
        answers.data = stored_data(set, a);
    }
    kept
}

/// Data (số liệu) can change while some computed indicator can: in a draft, or when a
/// reviewer's return unlocked one of them.
pub fn data_editable(set: &CriteriaSet, a: &AssessmentRow) -> bool {
    set.indicators().any(|(_, i)| i.formula.is_some() && a.dossier.state.may_edit(&i.id))
}

/// Evaluates answers against the campaign's set on 31/12 of its year and stores both.
#[inline(never)]
pub fn store_answers<'fut, 'l1: 'fut, 'l2: 'fut, 'l3: 'fut, 'l4: 'fut, 'l5: 'fut, 'l6: 'fut>(
    store: &'l1 Store,
    user: &'l2 CurrentUser,
    a: &'l3 AssessmentRow,
    c: &'l4 CampaignRow,
    set: &'l5 CriteriaSet,
    answers: &'l6 hoctap_domain::criteria::Answers,
) -> crate::BoxFut<'fut, AppResult<serde_json::Value>> {
    Box::pin(async move {
        let (answers_json, result, passed, level) = evaluate_answers(store, &a.subject_kind, a.subject_id, c, set, answers).await?;
        store.save_answers(&user.actor(), a, &answers_json, &result, passed, &level).await?;
        Ok(result)
    })
}

/// Evaluates answers against the campaign's set on 31/12 of its year: the answers as stored,
/// the result with its explanation, whether it passes, the level reached.
#[inline(never)]
pub fn evaluate_answers<'fut, 'l1: 'fut, 'l2: 'fut, 'l3: 'fut, 'l4: 'fut, 'l5: 'fut>(
    store: &'l1 Store,
    subject_kind: &'l2 str,
    subject_id: i64,
    c: &'l3 CampaignRow,
    set: &'l4 CriteriaSet,
    answers: &'l5 hoctap_domain::criteria::Answers,
) -> crate::BoxFut<'fut, AppResult<(serde_json::Value, serde_json::Value, bool, String)>> {
    Box::pin(async move {
        let mut json_answers = serde_json::Map::new();
        for (_, i) in set.indicators() {
            if let Some(v) = answers.values.get(&i.id) {
                let jv = match v {
                    hoctap_domain::criteria::AnswerValue::Bool(b) => serde_json::Value::Bool(*b),
                    hoctap_domain::criteria::AnswerValue::Number(n) => serde_json::Value::String(n.to_string()),
                };
                json_answers.insert(i.id.clone(), jv);
            }
        }
        // Data the computed indicators read (số liệu), kept so the form shows them again.
        let data: serde_json::Map<String, serde_json::Value> =
            answers.data.iter().map(|(k, n)| (k.clone(), serde_json::Value::String(n.to_string()))).collect();
        let answers_json = serde_json::json!({"answers": json_answers, "data": data});
        // The subject's earlier recognitions decide level-2 requests (≥ 12 months after level 1).
        let mut answers = answers.clone();
        for (level, decided_on) in previous_recognitions(store, set, subject_kind, subject_id).await? {
            answers = answers.with_previous(&level, decided_on);
        }
        let evaluation_date = jiff::civil::date(i16::try_from(c.year).unwrap_or(2025), 12, 31);
        let (result, passed, level) = match set.evaluate(&answers, evaluation_date) {
            Ok(r) => {
                let level = r.level.clone().or(r.band.clone()).unwrap_or_default();
                (serde_json::to_value(&r).unwrap_or_default(), r.passed, level)
            }
            // Incomplete answers are saved as a draft: the result says what is missing.
            Err(e) => (serde_json::json!({"summary": capitalise(&e.to_string()), "explanation": []}), false, String::new()),
        };
        Ok((answers_json, result, passed, level))
    })
}

/// The domain's verdict on a command, as the next store, the action's name and the detail the
/// transition log keeps (shared by assessments and nominations).
pub fn decide(
    user: &CurrentUser,
    dossier: &hoctap_domain::workflow::Dossier,
    cmd: &Command,
    answers: &serde_json::Value,
) -> AppResult<(hoctap_domain::workflow::Dossier, &'static str, serde_json::Value)> {
    let person = Person { user_id: user.user.id, name: user.user.full_name.clone() };
    let next = dossier.apply(&person, cmd).map_err(|e| match e {
        // Acting on one's own dossier is a matter of permission (403), not of input.
        hoctap_domain::workflow::WorkflowError::FourEyes => {
            AppError::OutOfScope { field: "action".into(), message: capitalise(&e.to_string()) }
        }
        other => AppError::invalid("action", capitalise(&other.to_string())),
    })?;
    let (action, detail) = match cmd {
        Command::Submit => ("submit", serde_json::Value::Null),
        Command::StartReview => ("start_review", serde_json::Value::Null),
        Command::Approve => ("approve", serde_json::Value::Null),
        // The answers as reviewed, so the resubmission can show what changed.
        Command::Return { comments } => ("return", serde_json::json!({"comments": comments, "answers": answers["answers"]})),
        Command::Reject { reason } => ("reject", serde_json::json!({"reason": reason})),
        Command::Recognise { decision_id } => ("recognise", serde_json::json!({"decision": decision_id})),
    };
    Ok((next, action, detail))
}

/// Applies a workflow command after checking who may give it.
#[inline(never)]
pub fn apply<'fut, 'l1: 'fut, 'l2: 'fut, 'l3: 'fut>(
    store: &'l1 Store,
    user: &'l2 CurrentUser,
    a: &'l3 AssessmentRow,
    cmd: Command,
) -> crate::BoxFut<'fut, AppResult<()>> {
    Box::pin(async move { apply_with(store, user, a, cmd, "").await })
}

/// Applies a workflow command; `override_reason` lets an approval of a dossier that does not
/// pass go ahead (the decision shows it).
#[inline(never)]
pub fn apply_with<'fut, 'l1: 'fut, 'l2: 'fut, 'l3: 'fut, 'l4: 'fut>(
    store: &'l1 Store,
    user: &'l2 CurrentUser,
    a: &'l3 AssessmentRow,
    cmd: Command,
    override_reason: &'l4 str,
) -> crate::BoxFut<'fut, AppResult<()>> {
    Box::pin(async move {
        let c = store.campaign(a.campaign_id).await?;
        let set = store.criteria_set(&c.set_id, Some(&c.set_version)).await?.set;
        let mut capacities = crate::bulk::Capacities::default();
        let checked = crate::bulk::check_command(store, user, &c, &set, a, &cmd, override_reason, &mut capacities).await?;
        let batch = checked.batch(a);
        // A return or a refusal tells who submitted and the citizen concerned, in the same transaction.
        let notes = crate::notify::transition_notices(store, a, &batch.next).await?;
        store.transition_many_notifying(&user.actor(), &[batch], &notes).await?;
        Ok(())
    })
}

/// Whether a dossier may be submitted: a saved result with a verdict, evidence for every
/// indicator that asks for it, and the deadline not passed.
#[inline(never)]
pub fn submit_ready<'fut, 'l1: 'fut, 'l2: 'fut, 'l3: 'fut, 'l4: 'fut>(
    store: &'l1 Store,
    a: &'l2 AssessmentRow,
    c: &'l3 CampaignRow,
    set: &'l4 CriteriaSet,
) -> crate::BoxFut<'fut, AppResult<()>> {
    Box::pin(async move {
        if a.result.is_none() {
            return Err(AppError::invalid("action", "Hãy nhập và lưu kết quả tự đánh giá trước khi nộp"));
        }
        // Indicators whose criteria list evidence need at least one file each.
        if set.indicators().any(|(_, i)| !i.evidence.is_empty()) {
            let evidence = store.evidence_of(a.id).await?;
            let missing: Vec<String> = set
                .indicators()
                .filter(|(_, i)| !i.evidence.is_empty())
                .filter(|(_, i)| !evidence.iter().any(|e| e.indicators.contains(&i.id)))
                .map(|(_, i)| format!("{} ({})", i.id, i.evidence.join("; ")))
                .collect();
            if !missing.is_empty() {
                return Err(AppError::invalid(
                    "evidence",
                    format!("Thiếu minh chứng cho {} chỉ tiêu: {}", missing.len(), missing.join(" · ")),
                ));
            }
        }
        // A first submission closes with self-assessment; a corrected one with the decision.
        let (deadline, what) = match a.dossier.state {
            WfState::Returned { .. } => (c.decision_due, "hạn ra quyết định"),
            _ => (c.self_assessment_closes, "hạn tự đánh giá"),
        };
        if hoctap_domain::date::past_deadline(deadline, jiff::Timestamp::now()) {
            return Err(AppError::invalid("action", format!("Đã hết {what} ({} 23:59:59, giờ Việt Nam)", format_vn(deadline))));
        }
        // A result without a verdict means answers or data are missing: nothing to review yet.
        if let Some(result) = a.result.as_ref().filter(|r| r.get("passed").is_none()) {
            let why = result["summary"].as_str().unwrap_or("còn thiếu câu trả lời");
            return Err(AppError::invalid("action", format!("Kết quả tự đánh giá chưa đầy đủ, chưa thể nộp: {why}")));
        }
        Ok(())
    })
}

/// What a citizen's learning record suggests for a dossier's indicators (empty for other
/// subjects and sets).
#[inline(never)]
pub fn record_hints<'fut, 'l1: 'fut, 'l2: 'fut, 'l3: 'fut>(
    store: &'l1 Store,
    set_id: &'l2 str,
    subject_kind: &'l3 str,
    subject_id: i64,
    year: i64,
) -> crate::BoxFut<'fut, AppResult<Vec<hoctap_domain::learning::Prefill>>> {
    Box::pin(async move {
        if subject_kind != "citizen" {
            return Ok(Vec::new());
        }
        let year = i16::try_from(year).unwrap_or_else(|_| hoctap_store::today().year());
        match learning::prefill(store, set_id, subject_id, year).await {
            Ok(p) => Ok(p),
            // A citizen ended in the registry since: no suggestion.
            Err(crate::AppError::NotFound(_)) => Ok(Vec::new()),
            Err(e) => Err(e),
        }
    })
}

/// Puts the record's suggested points into a new citizen dossier's unanswered indicators and
/// re-evaluates (the preparer may still change them, with evidence).
#[inline(never)]
pub fn fill_from_record<'fut, 'l1: 'fut, 'l2: 'fut>(
    store: &'l1 Store,
    user: &'l2 CurrentUser,
    id: i64,
) -> crate::BoxFut<'fut, AppResult<usize>> {
    Box::pin(async move {
        let a = store.assessment(id).await?;
        let c = store.campaign(a.campaign_id).await?;
        let set = store.criteria_set(&c.set_id, Some(&c.set_version)).await?.set;
        let hints = record_hints(store, &set.id, &a.subject_kind, a.subject_id, c.year).await?;
        if hints.is_empty() {
            return Ok(0);
        }
        let mut answers = crate::dossiers::stored_answers(&set, &a);
        let mut filled = 0;
        for p in &hints {
            if !answers.values.contains_key(p.indicator) {
                answers.values.insert(
                    p.indicator.to_string(),
                    hoctap_domain::criteria::AnswerValue::Number(hoctap_domain::criteria::Number::integer(p.points)),
                );
                filled += 1;
            }
        }
        if filled > 0 {
            crate::dossiers::store_answers(store, user, &a, &c, &set, &answers).await?;
        }
        Ok(filled)
    })
}

/// Builds answers from the form fields `a:<indicator>`, `d:<variable>`, `area`, `tag`,
/// `previous_level`/`previous_date`; every bad field is reported.
pub fn answers_from_form(set: &CriteriaSet, form: &BTreeMap<String, Vec<String>>) -> Result<Answers, Vec<FieldError>> {
    let get = |k: &str| form.get(k).and_then(|v| v.first()).map(|s| s.trim().to_string()).unwrap_or_default();
    let mut errors = Vec::new();
    let mut a = Answers::new();
    for (_, i) in set.indicators() {
        let raw = get(&format!("a:{}", i.id));
        if raw.is_empty() {
            continue;
        }
        match i.kind {
            IndicatorKind::YesNo => a = a.yes_no(&i.id, raw == "1" || raw == "true" || raw == "dat"),
            _ => match Number::parse(&raw) {
                Ok(n) => a = a.number(&i.id, n),
                Err(e) => {
                    errors.push(FieldError { field: format!("a:{}", i.id), message: format!("{}: {}", i.id, capitalise(&e.to_string())) })
                }
            },
        }
    }
    for v in &set.variables {
        let raw = get(&format!("d:{}", v.id));
        if raw.is_empty() {
            continue;
        }
        match Number::parse(&raw) {
            Ok(n) => a = a.datum(&v.id, n),
            Err(e) => {
                errors.push(FieldError { field: format!("d:{}", v.id), message: format!("{}: {}", v.name, capitalise(&e.to_string())) })
            }
        }
    }
    for code in form.get("area").into_iter().flatten() {
        if let Some(attr) = AreaAttribute::parse(code) {
            a = a.with_area(attr);
        }
    }
    for t in form.get("tag").into_iter().flatten() {
        a = a.with_tag(t);
    }
    let level = get("previous_level");
    if !level.is_empty() {
        match parse_date(&get("previous_date")) {
            Ok(d) => a = a.with_previous(&level, d),
            Err(e) => errors.push(FieldError { field: "previous_date".into(), message: capitalise(&e.to_string()) }),
        }
    }
    if errors.is_empty() { Ok(a) } else { Err(errors) }
}

pub const PROGRESS_HEADER: [&str; 9] = [
    "Đơn vị",
    "Tổng số hồ sơ",
    "Chưa nộp",
    "Đang thẩm định",
    "Bị trả lại",
    "Đã thẩm định",
    "Đã công nhận",
    "Không công nhận",
    "Chưa nộp, quá hạn",
];

/// Counts of dossiers by store per child unit of the campaign's unit (and a total line).
#[expect(clippy::type_complexity, reason = "the rows the function returns, inside its boxed future")]
#[inline(never)]
pub fn progress_rows<'fut, 'l1: 'fut, 'l2: 'fut, 'l3: 'fut>(
    store: &'l1 Store,
    user: &'l2 CurrentUser,
    c: &'l3 CampaignRow,
) -> crate::BoxFut<'fut, AppResult<Vec<(String, [usize; 8])>>> {
    Box::pin(async move {
        let today = hoctap_store::today();
        let late = hoctap_domain::date::past_deadline(c.self_assessment_closes, jiff::Timestamp::now());
        // Kept per read generation: the tree and the dossiers are what the generation watches.
        let key = format!("campaign-progress {} {:?} {today} {late}", c.id, user.scope());
        let rows = crate::kept::kept(store, key, progress_rows_uncached(store, user, c, today, late)).await?;
        Ok((*rows).clone())
    })
}

async fn progress_rows_uncached(
    store: &Store,
    user: &CurrentUser,
    c: &CampaignRow,
    today: jiff::civil::Date,
    late: bool,
) -> AppResult<Vec<(String, [usize; 8])>> {
    let children = store.children(c.unit_id, today).await?;
    let mut by_child: BTreeMap<i64, [usize; 8]> = BTreeMap::new();
    let mut total = [0usize; 8];
    // Counted in SQL by store and child: a campaign may hold thousands of dossiers.
    for (child, code, n) in store.campaign_progress(c.id, c.unit_id, user.scope(), today).await? {
        let slot = match code.as_str() {
            "draft" => 1,
            "submitted" | "in_review" => 2,
            "returned" => 3,
            "approved" => 4,
            "recognised" => 5,
            "rejected" => 6,
            other => return Err(AppError::internal(format!("trạng thái hồ sơ {other}"))),
        };
        let n = usize::try_from(n).unwrap_or(0);
        for counts in [by_child.entry(child).or_insert([0; 8]), &mut total] {
            counts[0] += n;
            counts[slot] += n;
            if slot == 1 && late {
                counts[7] += n;
            }
        }
    }
    let mut out: Vec<(String, [usize; 8])> = children.iter().filter_map(|ch| by_child.get(&ch.id).map(|n| (ch.name.clone(), *n))).collect();
    for (id, n) in &by_child {
        if !children.iter().any(|ch| ch.id == *id) {
            out.push((store.unit(*id).await?.name, *n));
        }
    }
    out.push(("Tổng cộng".to_string(), total));
    Ok(out)
}

/// The subject's earlier recognitions that are still in force, as the set's level ids with their
/// dates: what decides a level-2 request (≥ 12 months after level 1). The server's evaluation and
/// the device's (the dossier's sync data) read the same list.
#[inline(never)]
pub fn previous_recognitions<'fut, 'l1: 'fut, 'l2: 'fut, 'l3: 'fut>(
    store: &'l1 Store,
    set: &'l2 CriteriaSet,
    subject_kind: &'l3 str,
    subject_id: i64,
) -> crate::BoxFut<'fut, AppResult<Vec<(String, jiff::civil::Date)>>> {
    Box::pin(async move {
        Ok(store
            .recognitions_of(subject_kind, subject_id)
            .await?
            .into_iter()
            .filter(|r| !r.revoked)
            .filter_map(|r| set.levels.iter().find(|l| l.name == r.level || l.id == r.level).map(|l| (l.id.clone(), r.valid_from)))
            .collect())
    })
}
