//! The demo's past years (issue 15 §5): the statistical communes as they were before the
//! reorganisation of 01/07/2025 and their years 2021 to this year, so trends, the tree "as it
//! was" and past annual reports have numbers.
//!
//! - Villages (thôn, tổ dân phố) set up in 2015 under the communes of then, moved to today's
//!   commune on the day it began (`Store::create_village_moved`).
//! - Registries entered on 15/01/2021 (`gen` with `recorded_on`): members join on the
//!   association's admission days up to today, fund ledgers run from 2021.
//! - Every year, households recognised "Gia đình học tập" through the workflow in bulk (laid,
//!   evaluated against the set in force on 31/12 of the year, submitted, reviewed at both steps,
//!   decided by the commune of then), and from the year the "Công dân học tập" set is in force
//!   (QĐ 324/QĐ-KHVN, 25/10/2023) the adults those families need first recognised "Công dân học
//!   tập" (gdht 2022: at least 40% of the family's adults). In 2022 the 2022 family set was in
//!   force but no citizen set yet: those families are approved by exception, with the reason the
//!   decision shows.
//! - Each commune of then submits its annual report of each past year.

use hoctap_domain::criteria::{AnswerValue, Answers, CriteriaSet, IndicatorKind, Number, Selection, SubjectKind, select_applicable};
use hoctap_domain::registry::def::{CITIZENS, FieldType, HOUSEHOLDS, Value};
use hoctap_domain::workflow::{Command, Person, State, check_approval, default_chain};
use hoctap_store::{Actor, AssessmentRow, BatchTransition, Grant, NewCampaign, NewDecision, NewDossier, RegistryQuery, Store, UnitRow};
use jiff::civil::{Date, date};
use std::collections::{BTreeMap, BTreeSet};

/// The first year the demo has numbers for.
pub const FIRST_YEAR: i16 = 2021;
/// The day the demo's registries were first entered.
pub const RECORDED_ON: (i16, i8, i8) = (2021, 1, 15);
/// The day the demo's villages were set up.
const VILLAGES_SINCE: (i16, i8, i8) = (2015, 1, 1);

/// The share (%) of a commune's households recognised "Gia đình học tập" each year from
/// [`FIRST_YEAR`] (the last entry for this year and any later one), per demo commune: communes
/// ahead of and behind the province's targets, each rising over the years.
pub const GDHT_SHARES: [[u32; 6]; 5] =
    [[45, 50, 54, 57, 58, 72], [30, 35, 40, 44, 49, 55], [60, 64, 67, 69, 70, 83], [20, 24, 27, 29, 30, 38], [40, 43, 46, 49, 51, 64]];

/// The reason a 2022 family is approved by exception (no "Công dân học tập" set in force yet).
pub const NO_CITIZEN_SET_YET: &str = "Năm đánh giá chưa có bộ tiêu chí \"Công dân học tập\" (Quyết định 324/QĐ-KHVN có hiệu lực từ 25/10/2023): \
     chỉ tiêu về người lớn đạt \"Công dân học tập\" chưa đánh giá được, xét theo kết quả học tập của người lớn trong gia đình";

/// The villages of today's `commune` as they were: `n` villages set up in 2015 under the
/// communes that were merged into it, spread over them, moved into it on the day it began. A
/// commune that already existed in 2015 gets them directly. Returns how many were made.
pub async fn past_villages(store: &Store, commune: &UnitRow, n: usize) -> Result<usize, Box<dyn std::error::Error>> {
    let actor = Actor::system("dữ liệu mẫu");
    let since = date(VILLAGES_SINCE.0, VILLAGES_SINCE.1, VILLAGES_SINCE.2);
    let recorded = date(RECORDED_ON.0, RECORDED_ON.1, RECORDED_ON.2);
    let today = hoctap_store::today();
    let taken: BTreeSet<String> = store.villages(commune.id, today).await?.iter().map(|v| hoctap_domain::text::fold(&v.name)).collect();
    if commune.validity.contains(since) {
        let names = super::r#gen::village_names_for(2025, commune, &commune.province_code, n + 8);
        let mut made = 0;
        for (name, ty) in names.into_iter().filter(|(name, _)| !taken.contains(&hoctap_domain::text::fold(name))).take(n) {
            store.create_village(&actor, commune.id, &name, ty, since).await?;
            made += 1;
        }
        return Ok(made);
    }
    // The communes of then: merged into this one on the day it began, there since 2015.
    let moved_on = commune.validity.from;
    let then: Vec<UnitRow> = store
        .predecessors(commune.id)
        .await?
        .into_iter()
        .filter(|p| p.validity.contains(since) && p.validity.contains(recorded) && p.validity.to == moved_on)
        .collect();
    let Some(first) = then.first() else { return Ok(0) };
    let names = super::r#gen::village_names_for(2025, first, &commune.province_code, n + 8);
    let mut made = 0;
    for (i, (name, ty)) in names.into_iter().filter(|(name, _)| !taken.contains(&hoctap_domain::text::fold(name))).take(n).enumerate() {
        let old = &then[i % then.len()];
        store.create_village_moved(&actor, old.id, commune.id, since, moved_on, &name, ty).await?;
        made += 1;
    }
    Ok(made)
}

/// What [`seed_years`] recognised.
#[derive(Debug, Default, Clone, Copy)]
pub struct YearsSummary {
    pub families: usize,
    pub citizens: usize,
    pub by_exception: usize,
    pub villages: usize,
    pub reports: usize,
}

/// A household of the demo: id, label, village, and its members (id, birth date, village).
struct Household {
    id: i64,
    label: String,
    village: i64,
    members: Vec<(i64, Date, i64, String)>,
}

impl Household {
    /// Members who are adults (18 on 31/12 of the year), as the sources count them.
    fn adults(&self, year: i16) -> Vec<(i64, i64, String)> {
        let born_by = date(year - 18, 12, 31);
        self.members.iter().filter(|(_, b, _, _)| *b <= born_by).map(|(id, _, v, name)| (*id, *v, name.clone())).collect()
    }
}

fn text_of(values: &hoctap_domain::registry::def::Values, field: &str) -> String {
    values.get(field).map(|v| v.display(FieldType::Text { max: 0 })).unwrap_or_default()
}

/// Every year from [`FIRST_YEAR`] to this year for today's `commune` (the `k`-th demo commune):
/// citizens and families recognised through the workflow, annual reports of past years.
pub async fn seed_years(
    store: &Store,
    commune: &UnitRow,
    k: usize,
    keys: &hoctap_domain::credential::DeploymentKey,
) -> Result<YearsSummary, Box<dyn std::error::Error>> {
    let today = hoctap_store::today();
    let shares = GDHT_SHARES.get(k).copied().unwrap_or(GDHT_SHARES[0]);
    let sets: Vec<CriteriaSet> = store.criteria_sets().await?.into_iter().map(|s| s.set).collect();
    // The commune's households (in id order) and their members.
    let households = {
        let q = RegistryQuery { scope: Some(commune.id), limit: 5_000, ..Default::default() };
        store.registry_list(&HOUSEHOLDS, &q, today).await?
    };
    let mut members: BTreeMap<String, Vec<(i64, Date, i64, String)>> = BTreeMap::new();
    let mut after = None;
    loop {
        let q = RegistryQuery { scope: Some(commune.id), after, limit: 1_000, ..Default::default() };
        let page = store.registry_list(&CITIZENS, &q, today).await?;
        for r in &page {
            if let (Some(Value::Text(h)), Some(Value::Date(born))) = (r.values.get("household"), r.values.get("birth_date")) {
                members.entry(h.clone()).or_default().push((r.id, *born, r.unit_id, text_of(&r.values, "full_name")));
            }
        }
        if page.len() < 1_000 {
            break;
        }
        after = page.last().map(|r| r.id);
    }
    // Families recognised are spread over the villages (a fixed shuffle), the same ones first
    // every year.
    // One model village (the commune's first) whose families come first every year and whose
    // adults all learn, so that it can be recognised "Cộng đồng học tập" once its set allows.
    let model = households.iter().map(|h| h.unit_id).min();
    let mut households = households;
    households.sort_by_key(|h| (Some(h.unit_id) != model, (h.id as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15) >> 32));
    let households: Vec<Household> = households
        .iter()
        // Only what was there when the registries were first entered.
        .filter(|h| h.validity.from <= date(RECORDED_ON.0, RECORDED_ON.1, RECORDED_ON.2))
        .map(|h| Household {
            id: h.id,
            label: format!("Gia đình ông/bà {}", text_of(&h.values, "head_name")),
            village: h.unit_id,
            members: members.remove(&text_of(&h.values, "code")).unwrap_or_default(),
        })
        .collect();
    let mut summary = YearsSummary::default();
    let mut recognised_citizens: BTreeSet<i64> = BTreeSet::new();
    let mut communes_of_then: BTreeMap<(i64, Date), i64> = BTreeMap::new();
    for (i, year) in (FIRST_YEAR..=today.year()).enumerate() {
        let share = shares.get(i).or(shares.last()).copied().unwrap_or(0) as usize;
        let (decided, cdht_decided) = if year < today.year() {
            (date(year, 12, 15), date(year, 12, 5))
        } else {
            (date(year, 11, 15).min(today), date(year, 11, 5).min(today))
        };
        let end = date(year, 12, 31);
        let chosen: Vec<&Household> = households.iter().filter(|h| !h.adults(year).is_empty()).collect();
        let n = households.len() * share / 100;
        let chosen = &chosen[..n.min(chosen.len())];
        let Ok(family_set) = select_applicable(&sets, &Selection::new(SubjectKind::Household, end)) else { continue };
        let needs_citizens =
            family_set.variables.iter().any(|v| v.source.as_ref().is_some_and(|s| s.recognised_by.iter().any(|r| r == "cdht-congdan")));
        let citizen_set = select_applicable(&sets, &Selection::new(SubjectKind::Citizen, end)).ok();
        let mut by_exception = None;
        if needs_citizens {
            match citizen_set {
                Some(cset) => {
                    // 40% of each family's adults, rounded up, recognised before the family.
                    let mut wanted: Vec<(i64, String, i64)> = Vec::new();
                    for h in chosen {
                        let adults = h.adults(year);
                        let need = if Some(h.village) == model { adults.len() } else { (adults.len() * 2).div_ceil(5) };
                        let have = adults.iter().filter(|(id, _, _)| recognised_citizens.contains(id)).count();
                        let more: Vec<(i64, i64, String)> = adults
                            .into_iter()
                            .filter(|(id, _, _)| !recognised_citizens.contains(id))
                            .take(need.saturating_sub(have))
                            .collect();
                        for (id, village, name) in more {
                            recognised_citizens.insert(id);
                            wanted.push((id, name, village));
                        }
                    }
                    for (unit, subjects) in by_commune_of_then(store, &mut communes_of_then, wanted, cdht_decided).await? {
                        let unit = store.unit(unit).await?;
                        summary.citizens += run_campaign(store, cset, &unit, year, cdht_decided, subjects, None, keys).await?;
                    }
                }
                None => by_exception = Some(NO_CITIZEN_SET_YET),
            }
        }
        let subjects: Vec<(i64, String, i64)> = chosen.iter().map(|h| (h.id, h.label.clone(), h.village)).collect();
        for (unit, subjects) in by_commune_of_then(store, &mut communes_of_then, subjects, decided).await? {
            let unit = store.unit(unit).await?;
            let n = run_campaign(store, family_set, &unit, year, decided, subjects, by_exception, keys).await?;
            summary.families += n;
            if by_exception.is_some() {
                summary.by_exception += n;
            }
        }
        // The villages that meet the "Cộng đồng học tập" set in force, recognised after the families.
        if let Ok(village_set) = select_applicable(&sets, &Selection::new(SubjectKind::Village, end)) {
            let on = if year < today.year() { date(year, 12, 28) } else { date(year, 11, 25).min(today) };
            let villages: Vec<(i64, String, i64)> = store
                .villages(commune.id, today)
                .await?
                .into_iter()
                .filter(|v| v.validity.contains(on))
                .map(|v| (v.id, format!("{} {}", v.code, v.name), v.id))
                .collect();
            for (unit, subjects) in by_commune_of_then(store, &mut communes_of_then, villages, on).await? {
                let unit = store.unit(unit).await?;
                summary.villages += run_campaign_passing(store, village_set, &unit, year, on, subjects, keys).await?;
            }
        }
    }
    summary.reports = past_reports(store, commune).await?;
    Ok(summary)
}

/// Subjects grouped by the commune their village belonged to on `on`.
async fn by_commune_of_then(
    store: &Store,
    cache: &mut BTreeMap<(i64, Date), i64>,
    subjects: Vec<(i64, String, i64)>,
    on: Date,
) -> Result<BTreeMap<i64, Vec<(i64, String, i64)>>, Box<dyn std::error::Error>> {
    let mut out: BTreeMap<i64, Vec<(i64, String, i64)>> = BTreeMap::new();
    for s in subjects {
        let commune = match cache.get(&(s.2, on)) {
            Some(c) => *c,
            None => {
                let c = store
                    .ancestors(s.2, on)
                    .await?
                    .into_iter()
                    .find(|u| u.kind == hoctap_domain::unit::UnitKind::Commune)
                    .map(|u| u.id)
                    .ok_or("thôn mẫu không thuộc xã nào")?;
                cache.insert((s.2, on), c);
                c
            }
        };
        out.entry(commune).or_default().push(s);
    }
    Ok(out)
}

/// Answers a subject who meets every requirement gives: yes to every yes/no indicator, the
/// most points, the threshold of a typed number; computed numbers come from the registries.
fn full_answers(set: &CriteriaSet) -> Answers {
    let mut a = Answers::new();
    for (_, ind) in set.indicators() {
        let value = match ind.kind {
            IndicatorKind::YesNo if ind.requirements.iter().all(|r| r.condition.is_none()) => Some(AnswerValue::Bool(true)),
            IndicatorKind::Points => ind.max_points.map(|p| AnswerValue::Number(Number::from(p))),
            IndicatorKind::Number if ind.formula.is_none() => {
                ind.requirements.iter().filter_map(|r| r.at_least).max().map(AnswerValue::Number)
            }
            _ => None,
        };
        if let Some(v) = value {
            a.values.insert(ind.id.clone(), v);
        }
    }
    a
}

/// As [`run_campaign`], for the subjects that meet the set only (the others are not laid).
async fn run_campaign_passing(
    store: &Store,
    set: &CriteriaSet,
    unit: &UnitRow,
    year: i16,
    decided: Date,
    subjects: Vec<(i64, String, i64)>,
    keys: &hoctap_domain::credential::DeploymentKey,
) -> Result<usize, Box<dyn std::error::Error>> {
    run_campaign_of(store, set, unit, year, decided, subjects, None, true, keys).await
}

#[expect(clippy::too_many_arguments, reason = "the campaign's set, unit, year and decision day, its subjects, the exception and the key")]
async fn run_campaign(
    store: &Store,
    set: &CriteriaSet,
    unit: &UnitRow,
    year: i16,
    decided: Date,
    subjects: Vec<(i64, String, i64)>,
    by_exception: Option<&str>,
    keys: &hoctap_domain::credential::DeploymentKey,
) -> Result<usize, Box<dyn std::error::Error>> {
    run_campaign_of(store, set, unit, year, decided, subjects, by_exception, false, keys).await
}

/// One campaign of a commune of then for a year, through the workflow in bulk: dossiers laid
/// with the registries' counts and evaluated, submitted, taken and approved at every step
/// (a failing one only with `by_exception` as the override's reason), recognised by the
/// commune's decision. Returns how many were recognised.
#[expect(
    clippy::too_many_arguments,
    reason = "the campaign's set, unit, year and decision day, its subjects, the exception, whether only passing subjects are laid, and the key"
)]
async fn run_campaign_of(
    store: &Store,
    set: &CriteriaSet,
    unit: &UnitRow,
    year: i16,
    decided: Date,
    subjects: Vec<(i64, String, i64)>,
    by_exception: Option<&str>,
    only_passing: bool,
    keys: &hoctap_domain::credential::DeploymentKey,
) -> Result<usize, Box<dyn std::error::Error>> {
    if subjects.is_empty() {
        return Ok(0);
    }
    // The title and the decisions' numbers of each kind (each year's decisions of a commune differ).
    let (title, number_base) = match set.subject {
        SubjectKind::Citizen => ("Công dân học tập", 80),
        SubjectKind::Village => ("Cộng đồng học tập", 140),
        _ => ("Gia đình học tập", 100),
    };
    let officer = Actor::system("dữ liệu mẫu: cán bộ xã");
    let reviewer = Actor::system("dữ liệu mẫu: người thẩm định");
    let (preparer, checker) = (Person { user_id: -1, name: "Cán bộ xã".into() }, Person { user_id: -2, name: "Người thẩm định".into() });
    // Laid with the registries' counts, evaluated on 31/12 of the year as a saved form is.
    let evaluator = set.evaluator()?;
    let sourced: Vec<(&str, &hoctap_domain::criteria::DataSource)> =
        set.variables.iter().filter_map(|v| Some((v.id.as_str(), v.source.as_ref()?))).collect();
    let sources: Vec<_> = sourced.iter().map(|(_, s)| *s).collect();
    let base = full_answers(set);
    let mut dossiers = Vec::with_capacity(subjects.len());
    for (id, label, village) in &subjects {
        let mut answers = base.clone();
        if !sources.is_empty() {
            for ((var, _), v) in sourced.iter().zip(store.source_values(set.subject, *id, year, &sources).await?) {
                if let Some(v) = v {
                    answers.data.insert((*var).to_string(), Number::integer(v));
                }
            }
        }
        let json_answers: serde_json::Map<String, serde_json::Value> = answers
            .values
            .iter()
            .map(|(k, v)| {
                let jv = match v {
                    AnswerValue::Bool(b) => serde_json::Value::Bool(*b),
                    AnswerValue::Number(n) => serde_json::Value::String(n.to_string()),
                };
                (k.clone(), jv)
            })
            .collect();
        let data: serde_json::Map<String, serde_json::Value> =
            answers.data.iter().map(|(k, n)| (k.clone(), serde_json::Value::String(n.to_string()))).collect();
        let (result, passed, level) = match evaluator.evaluate(&answers, date(year, 12, 31)) {
            Ok(r) => {
                let level = r.level.clone().or(r.band.clone()).unwrap_or_default();
                (Some(serde_json::to_value(&r)?), r.passed, level)
            }
            Err(e) => (Some(serde_json::json!({"summary": e.to_string(), "explanation": []})), false, String::new()),
        };
        dossiers.push(NewDossier {
            subject_id: *id,
            subject_label: label.clone(),
            unit_id: *village,
            answers: serde_json::json!({"answers": json_answers, "data": data}),
            result,
            passed,
            level,
        });
    }
    if only_passing {
        dossiers.retain(|d| d.passed);
        if dossiers.is_empty() {
            return Ok(0);
        }
    }
    // A campaign of the unit, year and set already open takes the new dossiers.
    let open = store
        .campaigns(Some(unit.id), date(year, 12, 31).min(unit.validity.to.yesterday()?))
        .await?
        .into_iter()
        .find(|c| c.unit_id == unit.id && c.year == i64::from(year) && c.set_id == set.id);
    let earlier_decisions = match &open {
        Some(c) => store.decisions(c.id).await?.len(),
        None => 0,
    };
    let cid = match open {
        Some(c) => c.id,
        None => {
            store
                .create_campaign(
                    &officer,
                    NewCampaign {
                        year: i64::from(year),
                        set_id: set.id.clone(),
                        set_version: set.version.clone(),
                        unit_id: unit.id,
                        title: format!("{title} năm {year}"),
                        self_assessment_closes: date(year + 1, 2, 28),
                        dossier_due: date(year + 1, 2, 28),
                        decision_due: date(year + 1, 3, 31),
                        chain: default_chain(set.subject),
                    },
                )
                .await?
        }
    };
    let campaign = store.campaign(cid).await?;
    store.lay_dossiers(&officer, &campaign, set.subject.code(), dossiers).await?;
    let mut rows: Vec<AssessmentRow> = store.assessments(cid, None, hoctap_store::today()).await?;
    // Submitted by the officer, then every step taken and approved by the reviewer.
    let mut steps = vec![(&officer, &preparer, Command::Submit, "submit")];
    for _ in 0..campaign.chain.len() {
        steps.push((&reviewer, &checker, Command::StartReview, "start_review"));
        steps.push((&reviewer, &checker, Command::Approve, "approve"));
    }
    for (actor, person, cmd, action) in steps {
        let mut nexts = Vec::new();
        for (i, a) in rows.iter().enumerate() {
            let Ok(next) = a.dossier.apply(person, &cmd) else { continue };
            let reason = if matches!(next.state, State::Approved) {
                match check_approval(a.passed, by_exception.unwrap_or_default()) {
                    Ok(r) => r,
                    Err(_) => continue,
                }
            } else {
                None
            };
            nexts.push((i, next, reason));
        }
        let items: Vec<BatchTransition> = nexts
            .iter()
            .filter_map(|(i, next, reason)| {
                Some(BatchTransition {
                    from: rows.get(*i)?,
                    next: next.clone(),
                    action,
                    detail: serde_json::Value::Null,
                    override_reason: reason.clone(),
                })
            })
            .collect();
        if !items.is_empty() {
            store.transition_many(actor, &items).await?;
        }
        for (i, next, _) in nexts {
            if let Some(a) = rows.get_mut(i) {
                a.dossier = next;
            }
        }
    }
    let signer = Person { user_id: -3, name: "Chủ tịch".into() };
    let grants: Vec<Grant> = rows
        .iter()
        .filter(|a| matches!(a.dossier.state, State::Approved))
        .filter_map(|a| {
            let next = a.dossier.apply(&signer, &Command::Recognise { decision_id: 0 }).ok()?;
            Some(Grant {
                dossier: a,
                next,
                code: hoctap_domain::recognition::verification_code(rand::random()),
                subject_name: a.subject_label.clone(),
                level: "Đạt".into(),
                valid_until: hoctap_domain::recognition::valid_until(decided, set.timing.validity_months),
            })
        })
        .collect();
    let n = grants.len();
    if n == 0 {
        return Ok(0);
    }
    let place = unit.name.split_once(' ').map(|(_, r)| r.to_string()).unwrap_or_else(|| unit.name.clone());
    // The law on local government in force on the day of the decision.
    let law = if decided >= date(2025, 7, 1) {
        "Căn cứ Luật Tổ chức chính quyền địa phương ngày 16 tháng 6 năm 2025;"
    } else {
        "Căn cứ Luật Tổ chức chính quyền địa phương ngày 19 tháng 6 năm 2015;"
    };
    let mut legal_basis = vec![law.to_string()];
    if set.legal_basis.confidence == hoctap_domain::criteria::Confidence::Verified {
        legal_basis.push(format!("Căn cứ {} của {};", set.legal_basis.document, set.legal_basis.issuer));
    }
    let d = NewDecision {
        number: format!("{}/QĐ-UBND", number_base + year % 100 + 200 * earlier_decisions as i16),
        decided_on: decided,
        authority: format!("ỦY BAN NHÂN DÂN\n{}", unit.name.to_uppercase()),
        signer_name: "Chủ tịch UBND".into(),
        signer_title: "CHỦ TỊCH".into(),
        place,
        legal_basis,
        title: format!("Về việc công nhận danh hiệu \"{title}\" năm {year}"),
    };
    store.issue_decision(&Actor::system("dữ liệu mẫu: chủ tịch UBND"), cid, unit.id, &d, title, &grants, keys).await?;
    Ok(n)
}

/// The annual report of every past year, submitted by the commune of then (the communes
/// merged into today's before 2025, today's from 2025). Returns how many were submitted.
async fn past_reports(store: &Store, commune: &UnitRow) -> Result<usize, Box<dyn std::error::Error>> {
    let today = hoctap_store::today();
    let actor = Actor::system("dữ liệu mẫu: cán bộ xã");
    let since = date(RECORDED_ON.0, RECORDED_ON.1, RECORDED_ON.2);
    let then: Vec<UnitRow> = store
        .predecessors(commune.id)
        .await?
        .into_iter()
        .filter(|p| p.validity.contains(since) && p.validity.to == commune.validity.from)
        .collect();
    let mut n = 0;
    for year in FIRST_YEAR..today.year() {
        let end = date(year, 12, 31);
        let units: Vec<&UnitRow> =
            if commune.validity.contains(end) { vec![commune] } else { then.iter().filter(|u| u.validity.contains(end)).collect() };
        for u in units {
            if store.annual_report(u.id, year).await?.is_some() {
                continue;
            }
            let mut sections = BTreeMap::new();
            for (id, text) in [
                ("tinh_hinh", format!("{} triển khai xây dựng xã hội học tập năm {year} theo kế hoạch của tỉnh.", u.name)),
                ("ket_qua", "Các số liệu dưới đây lấy từ sổ đăng ký và các quyết định công nhận trong năm.".to_string()),
                ("han_che", "Một số thôn, tổ dân phố còn chậm tổ chức bình xét.".to_string()),
                ("phuong_huong", format!("Tiếp tục nâng tỷ lệ gia đình học tập, công dân học tập năm {}.", year + 1)),
                ("kien_nghi", String::new()),
                ("nguoi_ky", "Chủ tịch UBND".to_string()),
            ] {
                sections.insert(id.to_string(), text);
            }
            store.save_annual_report(&actor, u.id, year, &sections, true).await?;
            n += 1;
        }
    }
    Ok(n)
}

/// Recognises a family "Gia đình học tập" in `year` by `unit`'s campaigns as the set in force
/// then requires: if it counts the adults with "Công dân học tập" and that set is in force, 40%
/// of `adults` (rounded up) are recognised first, then the family, each through the workflow.
/// Returns whether the family was recognised.
pub async fn recognise_family(
    store: &Store,
    unit: &UnitRow,
    household: (i64, &str, i64),
    adults: &[(i64, String, i64)],
    year: i16,
    keys: &hoctap_domain::credential::DeploymentKey,
) -> Result<bool, Box<dyn std::error::Error>> {
    let sets: Vec<CriteriaSet> = store.criteria_sets().await?.into_iter().map(|s| s.set).collect();
    let end = date(year, 12, 31);
    let family_set = select_applicable(&sets, &Selection::new(SubjectKind::Household, end))?;
    let needs_citizens =
        family_set.variables.iter().any(|v| v.source.as_ref().is_some_and(|s| s.recognised_by.iter().any(|r| r == "cdht-congdan")));
    if needs_citizens && let Ok(cset) = select_applicable(&sets, &Selection::new(SubjectKind::Citizen, end)) {
        let need = (adults.len() * 2).div_ceil(5);
        let subjects: Vec<(i64, String, i64)> = adults.iter().take(need).cloned().collect();
        run_campaign(store, cset, unit, year, date(year, 12, 5), subjects, None, keys).await?;
    }
    let (id, label, village) = household;
    let n = run_campaign(store, family_set, unit, year, date(year, 12, 20), vec![(id, label.to_string(), village)], None, keys).await?;
    Ok(n > 0)
}
