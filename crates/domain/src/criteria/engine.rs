//! The evaluation engine: points and levels, with an explanation for every decision.
//!
//! The points method has one decision function, [`PointsScorer::score`], which works on a slice
//! of points and allocates nothing. [`Evaluator::evaluate`] checks the answers, builds that slice,
//! calls the same function and only then writes the explanation around its outcome, so the fast
//! bulk path and the explaining path cannot disagree.

use jiff::civil::Date;
use serde::Serialize;

use super::answers::{AnswerError, AnswerValue, Answers};
use super::check::SetErrors;
use super::expr::{EvalExprError, Expr, Value};
use super::model::{Confidence, CriteriaSet, FloorScope, Indicator, IndicatorKind, Method, Requirement};
use super::number::{Number, Points};
use crate::area::AreaAttribute;

/// Why a set could not evaluate some answers.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum EvalError {
    #[error("{0}")]
    InvalidSet(#[from] SetErrors),
    #[error("câu trả lời không hợp lệ: {}", .0.iter().map(ToString::to_string).collect::<Vec<_>>().join("; "))]
    Answers(Vec<AnswerError>),
    #[error("bộ tiêu chí \"{set}\" không có hiệu lực ngày {date} (hiệu lực {from} – {to})")]
    NotInForce { set: String, date: String, from: String, to: String },
}

/// Formats a date the Vietnamese way: `30/06/2025`.
pub(crate) fn vn_date(d: Date) -> String {
    format!("{:02}/{:02}/{:04}", d.day(), d.month(), d.year())
}

/// A set of area attributes as a bit mask, for the allocation-free path.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Hash)]
pub struct AreaSet(u8);

impl AreaSet {
    pub const NONE: AreaSet = AreaSet(0);

    fn bit(a: AreaAttribute) -> u8 {
        match a {
            AreaAttribute::MienNui => 1,
            AreaAttribute::DacBietKhoKhan => 2,
            AreaAttribute::DanTocThieuSo => 4,
        }
    }

    pub fn of(attrs: &[AreaAttribute]) -> AreaSet {
        AreaSet(attrs.iter().fold(0, |m, a| m | Self::bit(*a)))
    }

    pub fn contains(self, a: AreaAttribute) -> bool {
        self.0 & Self::bit(a) != 0
    }

    pub fn intersects(self, other: AreaSet) -> bool {
        self.0 & other.0 != 0
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct FloorSpec {
    scope: FloorScope,
    value: i64,
    strict: bool,
}

impl FloorSpec {
    fn ok(self, v: i64) -> bool {
        if self.strict { v > self.value } else { v >= self.value }
    }
}

/// The outcome of scoring one subject on the fast path. `Copy`, no allocation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct PointsOutcome {
    pub total: Points,
    pub passed: bool,
    /// Index into the set's `bands`, if it has bands.
    pub band: Option<u8>,
    /// Whether every floor (điểm sàn) was met.
    pub floors_met: bool,
    /// The pass mark applied (after area variants), if the set has one.
    pub pass_mark: Option<Points>,
}

/// Why the fast path refused a slice of points.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum ScoreError {
    #[error("cần {expected} điểm thành phần, nhận {got}")]
    WrongLength { expected: usize, got: usize },
    #[error("điểm thứ {index} âm")]
    Negative { index: usize },
    #[error("điểm thứ {index} vượt điểm tối đa")]
    AboveMax { index: usize },
}

/// A points set compiled for bulk scoring: `score(&[Points], area)` in file order of indicators.
#[derive(Debug, Clone)]
pub struct PointsScorer {
    maxima: Vec<i64>,
    /// Per criterion: number of indicators.
    criteria: Vec<usize>,
    max_total: i64,
    pass_mark: Option<i64>,
    area_marks: Vec<(AreaSet, i64)>,
    floors: Vec<FloorSpec>,
    bands: Vec<(Option<i64>, bool)>,
}

impl PointsScorer {
    /// Compiles a points set; refuses an invalid set or a levels set.
    pub fn new(set: &CriteriaSet) -> Result<PointsScorer, EvalError> {
        set.validate()?;
        let Some(rules) = (set.method == Method::Points).then_some(set.points.as_ref()).flatten() else {
            return Err(EvalError::InvalidSet(SetErrors(vec![super::check::CheckError {
                file: String::new(),
                path: "method".into(),
                reason: "bộ tiêu chí không dùng phương pháp chấm điểm".into(),
            }])));
        };
        Ok(PointsScorer {
            maxima: set.indicators().map(|(_, i)| i.max_points.unwrap_or_default().hundredths()).collect(),
            criteria: set.criteria.iter().map(|c| c.indicators.len()).collect(),
            max_total: rules.max_total.hundredths(),
            pass_mark: rules.pass_mark.map(Points::hundredths),
            area_marks: rules.pass_mark_by_area.iter().map(|a| (AreaSet::of(&a.area), a.pass_mark.hundredths())).collect(),
            floors: rules
                .floors
                .iter()
                .filter_map(|f| match (f.at_least, f.above) {
                    (Some(v), _) => Some(FloorSpec { scope: f.scope, value: v.hundredths(), strict: false }),
                    (None, Some(v)) => Some(FloorSpec { scope: f.scope, value: v.hundredths(), strict: true }),
                    (None, None) => None,
                })
                .collect(),
            bands: set.bands.iter().map(|b| (b.min.map(Points::hundredths), b.passes)).collect(),
        })
    }

    /// How many points `score` expects.
    pub fn len(&self) -> usize {
        self.maxima.len()
    }

    pub fn is_empty(&self) -> bool {
        self.maxima.is_empty()
    }

    /// The highest possible total.
    pub fn max_total(&self) -> Points {
        Points::from_hundredths(self.max_total)
    }

    /// The pass mark for a subject in `area`: the lowest of the default and the matching
    /// area variants.
    pub fn pass_mark_for(&self, area: AreaSet) -> Option<Points> {
        let base = self.pass_mark?;
        let mark = self.area_marks.iter().filter(|(m, _)| m.intersects(area)).fold(base, |acc, (_, pm)| acc.min(*pm));
        Some(Points::from_hundredths(mark))
    }

    /// Scores one subject. `points` holds one value per indicator, in file order.
    pub fn score(&self, points: &[Points], area: AreaSet) -> Result<PointsOutcome, ScoreError> {
        if points.len() != self.maxima.len() {
            return Err(ScoreError::WrongLength { expected: self.maxima.len(), got: points.len() });
        }
        let mut total: i64 = 0;
        let mut floors_met = true;
        let mut index = 0;
        let mut values = points.iter().zip(self.maxima.iter());
        for &count in &self.criteria {
            let mut criterion_sum: i64 = 0;
            for (p, max) in values.by_ref().take(count) {
                let v = p.hundredths();
                if v < 0 {
                    return Err(ScoreError::Negative { index });
                }
                if v > *max {
                    return Err(ScoreError::AboveMax { index });
                }
                criterion_sum += v;
                for f in &self.floors {
                    if f.scope == FloorScope::Indicator && !f.ok(v) {
                        floors_met = false;
                    }
                }
                index += 1;
            }
            for f in &self.floors {
                if f.scope == FloorScope::Criterion && !f.ok(criterion_sum) {
                    floors_met = false;
                }
            }
            total += criterion_sum;
        }
        let pass_mark = self.pass_mark_for(area);
        let mut band = None;
        for (i, (min, _)) in self.bands.iter().enumerate() {
            let fits = match min {
                None => true,
                Some(m) => floors_met && total >= *m,
            };
            if fits {
                band = u8::try_from(i).ok();
                break;
            }
        }
        let passed = match pass_mark {
            Some(pm) => floors_met && total >= pm.hundredths(),
            None => band.and_then(|b| self.bands.get(usize::from(b))).is_some_and(|(_, passes)| *passes),
        };
        Ok(PointsOutcome { total: Points::from_hundredths(total), passed, band, floors_met, pass_mark })
    }
}

/// What an explanation item is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ItemScope {
    Set,
    Criterion,
    Indicator,
    Recognition,
}

/// Where an indicator's value came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ValueSource {
    /// Declared in the answers.
    Answered,
    /// Computed from data with the set's formula or condition.
    Computed,
    /// The indicator does not apply to this subject.
    NotApplicable,
}

/// One line of the explanation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ExplanationItem {
    pub scope: ItemScope,
    pub id: String,
    pub name: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub value: Option<AnswerValue>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub source: Option<ValueSource>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub points: Option<Points>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub max_points: Option<Points>,
    /// Met (đạt) or not; for levels, at the first level.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub met: Option<bool>,
    /// Levels at which the indicator or criterion is met (levels method).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub met_levels: Vec<String>,
    /// The rule that decided, in Vietnamese: "chỉ số NL2.3 = 4 < 5 điểm sàn".
    pub rule: String,
    /// What is missing for the next level or band: "còn thiếu ...".
    #[serde(skip_serializing_if = "Option::is_none")]
    pub missing: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub confidence: Option<Confidence>,
}

impl ExplanationItem {
    fn new(scope: ItemScope, id: &str, name: &str, rule: String) -> ExplanationItem {
        ExplanationItem {
            scope,
            id: id.to_string(),
            name: name.to_string(),
            value: None,
            source: None,
            points: None,
            max_points: None,
            met: None,
            met_levels: Vec::new(),
            rule,
            missing: None,
            confidence: None,
        }
    }
}

/// The result of evaluating one subject: serialises to JSON for the API and the store.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Evaluation {
    pub set_id: String,
    pub set_version: String,
    pub method: Method,
    pub evaluated_on: Date,
    pub passed: bool,
    /// Level reached (levels method), e.g. `md1`.
    pub level: Option<String>,
    pub level_name: Option<String>,
    /// Band (points method with bands), e.g. `tot`.
    pub band: Option<String>,
    pub band_name: Option<String>,
    pub total_points: Option<Points>,
    pub max_points: Option<Points>,
    pub pass_mark: Option<Points>,
    /// The weakest confidence among the items that took part: anything but `verified`
    /// means the result rests on research still to be checked.
    pub confidence: Confidence,
    /// One sentence in Vietnamese.
    pub summary: String,
    pub explanation: Vec<ExplanationItem>,
}

/// Checks `v` (the points of indicator or criterion `id`) against its floors (điểm sàn):
/// the item gets the rule of the first failed floor, or of the last met one, and `met` when
/// there are floors. Returns the weakest confidence among the floors.
fn apply_floors(item: &mut ExplanationItem, floors: &[&super::model::Floor], label: &str, id: &str, v: Points) -> Confidence {
    let mut confidence = Confidence::Verified;
    let mut met = true;
    for f in floors {
        let (ok, rule, missing) = floor_text(f, label, id, v);
        confidence = weaker(confidence, f.confidence);
        if !ok {
            met = false;
            item.rule = rule;
            item.missing = missing;
        } else if met {
            item.rule = rule;
        }
    }
    if !floors.is_empty() {
        item.met = Some(met);
    }
    confidence
}

/// Whether `v` meets floor `f`, the rule as read, and what is missing when it does not.
fn floor_text(f: &super::model::Floor, label: &str, id: &str, v: Points) -> (bool, String, Option<String>) {
    match (f.at_least, f.above) {
        (Some(min), _) if v >= min => (true, format!("{label} {id} = {v} ≥ {min} điểm sàn"), None),
        (Some(min), _) => (
            false,
            format!("{label} {id} = {v} < {min} điểm sàn"),
            Some(format!("còn thiếu {} điểm ở {label} {id} để đạt điểm sàn {min}", min.saturating_sub(v))),
        ),
        (None, Some(min)) if v > min => (true, format!("{label} {id} = {v} > {min} điểm"), None),
        (None, Some(min)) => {
            (false, format!("{label} {id} = {v} điểm, phải trên {min} điểm"), Some(format!("{label} {id} cần trên {min} điểm")))
        }
        (None, None) => (true, String::new(), None),
    }
}

fn weaker(a: Confidence, b: Confidence) -> Confidence {
    let rank = |c| match c {
        Confidence::Verified => 0,
        Confidence::PartiallyRecalled => 1,
        Confidence::Guessed => 2,
    };
    if rank(b) > rank(a) { b } else { a }
}

/// A set prepared for evaluating many subjects: formulas parsed once, scorer compiled once.
#[derive(Debug, Clone)]
pub struct Evaluator<'s> {
    set: &'s CriteriaSet,
    scorer: Option<PointsScorer>,
    /// Per indicator in file order: the parsed formula, and per requirement its condition.
    formulas: Vec<(Option<Expr>, Vec<Option<Expr>>)>,
}

impl CriteriaSet {
    /// Prepares the set for evaluation (validates it once).
    pub fn evaluator(&self) -> Result<Evaluator<'_>, EvalError> {
        self.validate()?;
        let lookup = |n: &str| self.name_type(n);
        let mut formulas = Vec::new();
        for (_, ind) in self.indicators() {
            // Validation has parsed every formula already, so these succeed; a failure would
            // only drop the formula, which then reports the indicator as unanswered.
            let f = ind.formula.as_deref().and_then(|s| Expr::parse(s, &lookup).ok());
            let conds = ind.requirements.iter().map(|r| r.condition.as_deref().and_then(|s| Expr::parse(s, &lookup).ok())).collect();
            formulas.push((f, conds));
        }
        let scorer = match self.method {
            Method::Points => Some(PointsScorer::new(self)?),
            Method::Levels => None,
        };
        Ok(Evaluator { set: self, scorer, formulas })
    }

    /// Evaluates `answers` on `on` (the evaluation date). Bad answers give every problem found.
    pub fn evaluate(&self, answers: &Answers, on: Date) -> Result<Evaluation, EvalError> {
        self.evaluator()?.evaluate(answers, on)
    }

    /// The compiled fast path for bulk scoring (points sets only).
    pub fn points_scorer(&self) -> Result<PointsScorer, EvalError> {
        PointsScorer::new(self)
    }
}

/// The requirement of `reqs` that applies at level `level` to a subject: the first matching
/// variant, else the plain requirement.
fn select_requirement<'r>(
    reqs: &'r [Requirement],
    level: &str,
    area: &[AreaAttribute],
    tags: &[String],
) -> Option<(usize, &'r Requirement)> {
    let at_level = || reqs.iter().enumerate().filter(move |(_, r)| r.level == level);
    at_level()
        .find(|(_, r)| {
            let variant = !r.area.is_empty() || !r.tags.is_empty();
            let area_ok = r.area.is_empty() || r.area.iter().any(|a| area.contains(a));
            let tags_ok = r.tags.iter().all(|t| tags.contains(t));
            variant && area_ok && tags_ok
        })
        .or_else(|| at_level().find(|(_, r)| r.area.is_empty() && r.tags.is_empty()))
}

fn applies(ind: &Indicator, tags: &[String]) -> bool {
    ind.applies_to.iter().all(|t| tags.contains(t)) && !ind.excluded_for.iter().any(|t| tags.contains(t))
}

fn show(v: AnswerValue, unit: Option<&str>) -> String {
    match v {
        AnswerValue::Bool(true) => "có (đạt)".into(),
        AnswerValue::Bool(false) => "không (không đạt)".into(),
        AnswerValue::Number(n) => match unit {
            Some("%") => format!("{n}%"),
            Some(u) => format!("{n} {u}"),
            None => n.to_string(),
        },
    }
}

impl Evaluator<'_> {
    /// The set being evaluated.
    pub fn set(&self) -> &CriteriaSet {
        self.set
    }

    /// The compiled scorer of a points set.
    pub fn scorer(&self) -> Option<&PointsScorer> {
        self.scorer.as_ref()
    }

    /// Evaluates one subject.
    pub fn evaluate(&self, answers: &Answers, on: Date) -> Result<Evaluation, EvalError> {
        let set = self.set;
        if !set.in_force_on(on) {
            return Err(EvalError::NotInForce {
                set: set.id.clone(),
                date: vn_date(on),
                from: vn_date(set.legal_basis.effective_from),
                to: set.legal_basis.effective_to.map_or_else(|| "nay".to_string(), vn_date),
            });
        }
        let mut errors = self.common_checks(answers, on);
        let result = match &self.scorer {
            Some(scorer) => self.evaluate_points(scorer, answers, on, &mut errors),
            None => self.evaluate_levels(answers, on, &mut errors),
        };
        if errors.is_empty() { result.ok_or_else(|| EvalError::Answers(Vec::new())) } else { Err(EvalError::Answers(errors)) }
    }

    fn common_checks(&self, answers: &Answers, on: Date) -> Vec<AnswerError> {
        let set = self.set;
        let mut errors = Vec::new();
        for id in answers.values.keys() {
            if set.indicator(id).is_none() {
                errors.push(AnswerError::UnknownIndicator { id: id.clone() });
            }
        }
        for (name, value) in &answers.data {
            if !set.variables.iter().any(|v| &v.id == name) {
                errors.push(AnswerError::UnknownVariable { name: name.clone() });
            } else if value.is_negative() {
                errors.push(AnswerError::NegativeData { name: name.clone() });
            }
        }
        for (index, tag) in answers.tags.iter().enumerate() {
            if !set.tags.iter().any(|t| &t.id == tag) {
                errors.push(AnswerError::UnknownTag { index, tag: tag.clone() });
            }
        }
        for (index, p) in answers.previous.iter().enumerate() {
            let known = set.levels.iter().any(|l| l.id == p.level) || set.bands.iter().any(|b| b.id == p.level);
            if !known {
                errors.push(AnswerError::UnknownLevel { index, level: p.level.clone() });
            }
            if p.decided_on > on {
                errors.push(AnswerError::FutureDecision { index, date: vn_date(p.decided_on) });
            }
        }
        errors
    }

    fn recognition_items(&self, answers: &Answers, on: Date) -> Vec<ExplanationItem> {
        let set = self.set;
        let mut items = Vec::new();
        for p in &answers.previous {
            let name = set
                .levels
                .iter()
                .find(|l| l.id == p.level)
                .map(|l| l.name.clone())
                .or_else(|| set.bands.iter().find(|b| b.id == p.level).map(|b| b.name.clone()))
                .unwrap_or_else(|| p.level.clone());
            let rule = match set.recognition_kept_until(p.decided_on) {
                Some(until) if on <= until => format!(
                    "quyết định công nhận {name} ngày {} còn được bảo lưu đến hết ngày {} ({} tháng)",
                    vn_date(p.decided_on),
                    vn_date(until),
                    set.timing.validity_months.unwrap_or_default()
                ),
                Some(until) => format!(
                    "quyết định công nhận {name} ngày {} đã hết thời hạn bảo lưu sau ngày {} ({} tháng)",
                    vn_date(p.decided_on),
                    vn_date(until),
                    set.timing.validity_months.unwrap_or_default()
                ),
                None => format!("quyết định công nhận {name} ngày {}", vn_date(p.decided_on)),
            };
            let mut item = ExplanationItem::new(ItemScope::Recognition, &p.level, &name, rule);
            item.met = set.recognition_kept_until(p.decided_on).map(|until| on <= until);
            item.confidence = set.timing.validity_confidence;
            items.push(item);
        }
        items
    }

    fn evaluate_points(&self, scorer: &PointsScorer, answers: &Answers, on: Date, errors: &mut Vec<AnswerError>) -> Option<Evaluation> {
        let set = self.set;
        let rules = set.points.as_ref()?;
        let mut points = Vec::with_capacity(scorer.len());
        for (_, ind) in set.indicators() {
            let max = ind.max_points.unwrap_or_default();
            match answers.values.get(&ind.id) {
                None => errors.push(AnswerError::Missing { id: ind.id.clone(), name: ind.name.clone() }),
                Some(AnswerValue::Bool(_)) => {
                    errors.push(AnswerError::WrongType { id: ind.id.clone(), expected: format!("số điểm từ 0 đến {max}") });
                }
                Some(AnswerValue::Number(n)) => match Points::try_from(*n) {
                    Err(e) => errors.push(AnswerError::BadValue { id: ind.id.clone(), reason: e.to_string() }),
                    Ok(p) if p.is_negative() => errors.push(AnswerError::Negative { id: ind.id.clone(), value: p.to_string() }),
                    Ok(p) if p > max => {
                        errors.push(AnswerError::AboveMax { id: ind.id.clone(), value: p.to_string(), max: max.to_string() })
                    }
                    Ok(p) => points.push(p),
                },
            }
        }
        if !errors.is_empty() {
            return None;
        }
        let area = AreaSet::of(&answers.area);
        // The single decision: the same function the bulk path calls.
        let outcome = scorer.score(&points, area).ok()?;

        let mut items = Vec::new();
        let mut confidence = set.confidence;
        confidence = weaker(confidence, rules.confidence);
        let ind_floors: Vec<_> = rules.floors.iter().filter(|f| f.scope == FloorScope::Indicator).collect();
        let crit_floors: Vec<_> = rules.floors.iter().filter(|f| f.scope == FloorScope::Criterion).collect();
        let mut values = points.iter();
        for c in &set.criteria {
            let mut sum = Points::ZERO;
            let mut c_items = Vec::new();
            for ind in &c.indicators {
                let p = values.next().copied().unwrap_or_default();
                sum = sum.saturating_add(p);
                let max = ind.max_points.unwrap_or_default();
                let mut item =
                    ExplanationItem::new(ItemScope::Indicator, &ind.id, &ind.name, format!("{} {} đạt {p}/{max} điểm", "chỉ số", ind.id));
                item.value = Some(AnswerValue::Number(p.to_number()));
                item.source = Some(ValueSource::Answered);
                item.points = Some(p);
                item.max_points = Some(max);
                item.confidence = Some(ind.confidence);
                confidence = weaker(confidence, ind.confidence);
                confidence = weaker(confidence, apply_floors(&mut item, &ind_floors, "chỉ số", &ind.id, p));
                c_items.push(item);
            }
            let mut item = ExplanationItem::new(
                ItemScope::Criterion,
                &c.id,
                &c.name,
                format!("tiêu chí {} đạt {sum}/{} điểm", c.id, c.max_points.unwrap_or(sum)),
            );
            item.points = Some(sum);
            item.max_points = c
                .max_points
                .or_else(|| Some(c.indicators.iter().fold(Points::ZERO, |a, i| a.saturating_add(i.max_points.unwrap_or_default()))));
            item.confidence = Some(c.confidence);
            confidence = weaker(confidence, c.confidence);
            confidence = weaker(confidence, apply_floors(&mut item, &crit_floors, "tiêu chí", &c.id, sum));
            items.push(item);
            items.extend(c_items);
        }

        // The set line: total against the pass mark and the bands.
        let total = outcome.total;
        let mut rules_text = Vec::new();
        let mut missing = Vec::new();
        if let Some(pm) = outcome.pass_mark {
            let area_note = if rules.pass_mark.is_some_and(|base| base != pm) {
                let attrs: Vec<&str> = answers.area.iter().map(|a| a.label()).collect();
                format!(" (điểm đạt riêng cho địa bàn: {})", attrs.join(", "))
            } else {
                String::new()
            };
            for a in &rules.pass_mark_by_area {
                if AreaSet::of(&a.area).intersects(area) {
                    confidence = weaker(confidence, a.confidence);
                }
            }
            if total >= pm {
                rules_text.push(format!("tổng {total} ≥ {pm} điểm đạt{area_note}"));
            } else {
                rules_text.push(format!("tổng {total} < {pm} điểm đạt{area_note}"));
                missing.push(format!("còn thiếu {} điểm để đạt {pm} điểm", pm.saturating_sub(total)));
            }
            if !outcome.floors_met {
                let below: Vec<&str> = items.iter().filter(|i| i.met == Some(false)).map(|i| i.id.as_str()).collect();
                rules_text.push(format!("dưới điểm sàn: {}", below.join(", ")));
                missing.extend(items.iter().filter(|i| i.met == Some(false)).filter_map(|i| i.missing.clone()));
            }
        }
        let band = outcome.band.and_then(|b| set.bands.get(usize::from(b)));
        if let Some(b) = band {
            confidence = weaker(confidence, b.confidence);
            match b.min {
                Some(min) => rules_text.push(format!("tổng {total} ≥ {min}: xếp loại {}", b.name)),
                None if !outcome.floors_met && set.bands.first().and_then(|f| f.min).is_some_and(|m| total >= m) => {
                    rules_text.push(format!("xếp loại {} vì có tiêu chí/chỉ số dưới điểm sàn", b.name));
                }
                None => rules_text.push(format!("tổng {total} dưới mọi mức: xếp loại {}", b.name)),
            }
            // The next band up, if any.
            let idx = outcome.band.map(usize::from).unwrap_or(0);
            if let Some(next) = idx.checked_sub(1).and_then(|i| set.bands.get(i))
                && let Some(min) = next.min
            {
                if total < min {
                    missing.push(format!("còn thiếu {} điểm để lên mức {} ({min} điểm)", min.saturating_sub(total), next.name));
                } else if !outcome.floors_met {
                    missing.push(format!("đủ điểm mức {} nhưng cần nâng các mục dưới điểm sàn", next.name));
                }
            }
        }
        let mut head = ExplanationItem::new(ItemScope::Set, &set.id, &set.title, rules_text.join("; "));
        head.points = Some(total);
        head.max_points = Some(scorer.max_total());
        head.met = Some(outcome.passed);
        head.missing = (!missing.is_empty()).then(|| missing.join("; "));
        head.confidence = Some(confidence);
        let mut explanation = vec![head];
        explanation.extend(items);
        explanation.extend(self.recognition_items(answers, on));

        let verdict = if outcome.passed { "Đạt" } else { "Chưa đạt" };
        let band_part = band.map(|b| format!(", xếp loại {}", b.name)).unwrap_or_default();
        let summary = format!("{verdict}: {total}/{} điểm{band_part}", scorer.max_total());
        Some(Evaluation {
            set_id: set.id.clone(),
            set_version: set.version.clone(),
            method: Method::Points,
            evaluated_on: on,
            passed: outcome.passed,
            level: None,
            level_name: None,
            band: band.map(|b| b.id.clone()),
            band_name: band.map(|b| b.name.clone()),
            total_points: Some(total),
            max_points: Some(scorer.max_total()),
            pass_mark: outcome.pass_mark,
            confidence,
            summary,
            explanation,
        })
    }

    fn evaluate_levels(&self, answers: &Answers, on: Date, errors: &mut Vec<AnswerError>) -> Option<Evaluation> {
        let set = self.set;
        let env = |name: &str| -> Option<Value> {
            if let Some(n) = answers.data.get(name) {
                return Some(Value::Number(*n));
            }
            match answers.values.get(name)? {
                AnswerValue::Bool(b) => Some(Value::Bool(*b)),
                AnswerValue::Number(n) => Some(Value::Number(*n)),
            }
        };
        let missing_names = |e: &Expr| -> String {
            let names: Vec<&str> = e.names().into_iter().filter(|n| env(n).is_none()).collect();
            names.join(", ")
        };
        let levels = &set.levels;
        // met[indicator][level]
        struct Row<'a> {
            crit: usize,
            ind: &'a Indicator,
            value: Option<AnswerValue>,
            source: ValueSource,
            met: Vec<bool>,
            rules: Vec<String>,
            needs: Vec<Option<String>>,
        }
        let mut rows: Vec<Row<'_>> = Vec::new();
        let mut formulas = self.formulas.iter();
        for (ci, c) in set.criteria.iter().enumerate() {
            for ind in &c.indicators {
                let (formula, conds) = match formulas.next() {
                    Some((f, c)) => (f.as_ref(), c.as_slice()),
                    None => (None, &[][..]),
                };
                let mut row = Row {
                    crit: ci,
                    ind,
                    value: None,
                    source: ValueSource::Answered,
                    met: vec![true; levels.len()],
                    rules: Vec::new(),
                    needs: vec![None; levels.len()],
                };
                if !applies(ind, &answers.tags) {
                    row.source = ValueSource::NotApplicable;
                    row.rules.push(format!("chỉ tiêu {} không áp dụng cho đối tượng này", ind.id));
                    rows.push(row);
                    continue;
                }
                let answered = answers.values.get(&ind.id).copied();
                let has_conditions = conds.iter().any(Option::is_some);
                match (ind.kind, answered) {
                    (IndicatorKind::YesNo, Some(AnswerValue::Bool(b))) => row.value = Some(AnswerValue::Bool(b)),
                    (IndicatorKind::Number, Some(AnswerValue::Number(n))) => {
                        if n.is_negative() {
                            errors.push(AnswerError::Negative { id: ind.id.clone(), value: n.to_string() });
                            continue;
                        }
                        row.value = Some(AnswerValue::Number(n));
                    }
                    (IndicatorKind::YesNo, Some(_)) => {
                        errors.push(AnswerError::WrongType { id: ind.id.clone(), expected: "true hoặc false".into() });
                        continue;
                    }
                    (_, Some(_)) => {
                        errors.push(AnswerError::WrongType { id: ind.id.clone(), expected: "một số".into() });
                        continue;
                    }
                    (IndicatorKind::Number, None) if formula.is_some() => {
                        let Some(f) = formula else { continue };
                        row.source = ValueSource::Computed;
                        match f.eval(&env) {
                            Ok(Value::Number(n)) => row.value = Some(AnswerValue::Number(n)),
                            Ok(Value::Bool(_)) => continue,
                            Err(EvalExprError::Missing(_)) => {
                                errors.push(AnswerError::MissingData { id: ind.id.clone(), missing: missing_names(f) });
                                continue;
                            }
                            Err(e) => {
                                errors.push(AnswerError::Arithmetic { id: ind.id.clone(), reason: e.to_string() });
                                continue;
                            }
                        }
                    }
                    (IndicatorKind::YesNo, None) if has_conditions => row.source = ValueSource::Computed,
                    (_, None) => {
                        errors.push(AnswerError::Missing { id: ind.id.clone(), name: ind.name.clone() });
                        continue;
                    }
                }
                let unit = ind.unit.as_deref();
                for (li, level) in levels.iter().enumerate() {
                    let req = select_requirement(&ind.requirements, &level.id, &answers.area, &answers.tags);
                    let variant_note = |r: &Requirement| -> String {
                        let mut parts = Vec::new();
                        if !r.area.is_empty() {
                            parts.push(r.area.iter().map(|a| a.label()).collect::<Vec<_>>().join("/"));
                        }
                        if !r.tags.is_empty() {
                            parts.push(r.tags.join("+"));
                        }
                        if parts.is_empty() { String::new() } else { format!(", áp dụng cho {}", parts.join(", ")) }
                    };
                    let (met, rule, need) = match (ind.kind, req) {
                        (IndicatorKind::YesNo, None) if ind.requirements.is_empty() => match row.value {
                            Some(AnswerValue::Bool(true)) => (true, format!("{}: đạt", level.name), None),
                            _ => (false, format!("{}: không đạt", level.name), Some(format!("chỉ tiêu {} phải đạt", ind.id))),
                        },
                        (_, None) => (true, format!("{}: không yêu cầu", level.name), None),
                        (IndicatorKind::YesNo, Some((ri, r))) => {
                            let cond = conds.get(ri).and_then(Option::as_ref);
                            match (row.value, cond) {
                                (Some(AnswerValue::Bool(b)), _) => {
                                    let text = r.text.as_deref().map(|t| format!(" ({t})")).unwrap_or_default();
                                    if b {
                                        (true, format!("{}: đạt{text}", level.name), None)
                                    } else {
                                        (
                                            false,
                                            format!("{}: không đạt{text}", level.name),
                                            Some(format!("chỉ tiêu {} phải đạt{text}", ind.id)),
                                        )
                                    }
                                }
                                (_, Some(e)) => match e.eval(&env) {
                                    Ok(Value::Bool(b)) => {
                                        let rel = if b { "đúng" } else { "sai" };
                                        let rule = format!("{}: điều kiện \"{}\" {rel}{}", level.name, e.source(), variant_note(r));
                                        (b, rule, (!b).then(|| format!("cần {}", e.source())))
                                    }
                                    Ok(Value::Number(_)) => (false, String::new(), None),
                                    Err(EvalExprError::Missing(_)) => {
                                        errors.push(AnswerError::MissingData { id: ind.id.clone(), missing: missing_names(e) });
                                        (false, String::new(), None)
                                    }
                                    Err(err) => {
                                        errors.push(AnswerError::Arithmetic { id: ind.id.clone(), reason: err.to_string() });
                                        (false, String::new(), None)
                                    }
                                },
                                _ => (false, format!("{}: không đạt", level.name), None),
                            }
                        }
                        (_, Some((_, r))) => {
                            let Some(AnswerValue::Number(v)) = row.value else { continue };
                            let shown = show(AnswerValue::Number(v), unit);
                            // Thresholds carry only a percent sign; other units are said once, on the value.
                            let fmt_n = |n: Number| show(AnswerValue::Number(n), unit.filter(|u| *u == "%"));
                            let mut ok = true;
                            let mut parts = Vec::new();
                            let mut need = None;
                            if let Some(min) = r.at_least {
                                if v >= min {
                                    parts.push(format!("{} = {shown} ≥ {}", ind.id, fmt_n(min)));
                                } else {
                                    ok = false;
                                    parts.push(format!("{} = {shown} < {}", ind.id, fmt_n(min)));
                                    let gap = min.checked_sub(v).map(|g| format!(" (còn thiếu {})", fmt_n(g))).unwrap_or_default();
                                    need = Some(format!("{} cần ≥ {}{gap}", ind.id, fmt_n(min)));
                                }
                            }
                            if let Some(max) = r.at_most {
                                if v <= max {
                                    parts.push(format!("{} = {shown} ≤ {}", ind.id, fmt_n(max)));
                                } else {
                                    ok = false;
                                    parts.push(format!("{} = {shown} > {}", ind.id, fmt_n(max)));
                                    need = Some(format!("{} cần ≤ {}", ind.id, fmt_n(max)));
                                }
                            }
                            let text = r.text.as_deref().map(|t| format!(" ({t})")).unwrap_or_default();
                            (ok, format!("{}: {}{text}{}", level.name, parts.join(", "), variant_note(r)), need)
                        }
                    };
                    if let Some(m) = row.met.get_mut(li) {
                        *m = met;
                    }
                    if let Some(n) = row.needs.get_mut(li) {
                        *n = need;
                    }
                    if !rule.is_empty() {
                        row.rules.push(rule);
                    }
                }
                rows.push(row);
            }
        }
        if !errors.is_empty() {
            return None;
        }

        // Level reached: the highest level such that it and every level below are met.
        let level_met = |li: usize| rows.iter().all(|r| r.met.get(li).copied().unwrap_or(false));
        let mut reached: Option<usize> = None;
        for li in 0..levels.len() {
            if level_met(li) {
                reached = Some(li);
            } else {
                break;
            }
        }
        let by_criteria_reached = reached;
        // Timing: a higher level only after enough months at the lower one.
        let mut timing_item = None;
        let mut confidence = set.confidence;
        if let (Some(up), Some(r)) = (&set.timing.upgrade, reached) {
            let from = levels.iter().position(|l| l.id == up.from);
            let to = levels.iter().position(|l| l.id == up.to);
            if let (Some(from), Some(to)) = (from, to)
                && r >= to
            {
                confidence = weaker(confidence, up.confidence);
                let span = jiff::Span::new().months(i64::from(up.min_months));
                let qualifying = answers
                    .previous
                    .iter()
                    .filter(|p| levels.iter().position(|l| l.id == p.level).is_some_and(|pr| pr >= from))
                    .filter(|p| set.recognition_kept_until(p.decided_on).is_none_or(|until| on <= until))
                    .max_by_key(|p| p.decided_on);
                let from_name = levels.get(from).map(|l| l.name.as_str()).unwrap_or("");
                let to_name = levels.get(to).map(|l| l.name.as_str()).unwrap_or("");
                let (ok, rule, missing) = match qualifying {
                    None => (
                        false,
                        format!(
                            "đủ chỉ tiêu {to_name} nhưng chưa có quyết định công nhận {from_name} còn hiệu lực: chỉ được công nhận tối đa mức dưới {to_name}"
                        ),
                        Some(format!("cần quyết định công nhận {from_name} trước ít nhất {} tháng", up.min_months)),
                    ),
                    Some(p) => match p.decided_on.checked_add(span) {
                        Ok(earliest) if on >= earliest => (
                            true,
                            format!(
                                "đề nghị {to_name} sau {} tháng kể từ quyết định công nhận {from_name} ngày {} (đủ từ {})",
                                up.min_months,
                                vn_date(p.decided_on),
                                vn_date(earliest)
                            ),
                            None,
                        ),
                        Ok(earliest) => (
                            false,
                            format!(
                                "chưa đủ {} tháng kể từ quyết định công nhận {from_name} ngày {}: chỉ được đề nghị {to_name} từ ngày {}",
                                up.min_months,
                                vn_date(p.decided_on),
                                vn_date(earliest)
                            ),
                            Some(format!("còn phải chờ đến ngày {} để đề nghị {to_name}", vn_date(earliest))),
                        ),
                        Err(_) => (false, "ngày quyết định không hợp lệ".to_string(), None),
                    },
                };
                if !ok {
                    reached = to.checked_sub(1);
                }
                let mut item = ExplanationItem::new(ItemScope::Recognition, &up.to, to_name, rule);
                item.met = Some(ok);
                item.missing = missing;
                item.confidence = Some(up.confidence);
                timing_item = Some(item);
            }
        }

        let next = match reached {
            None => Some(0),
            Some(r) if r + 1 < levels.len() => Some(r + 1),
            Some(_) => None,
        };
        let mut items = Vec::new();
        for (ci, c) in set.criteria.iter().enumerate() {
            let crit_rows: Vec<&Row<'_>> = rows.iter().filter(|r| r.crit == ci).collect();
            let met_levels: Vec<String> = levels
                .iter()
                .enumerate()
                .filter(|(li, _)| crit_rows.iter().all(|r| r.met.get(*li).copied().unwrap_or(false)))
                .map(|(_, l)| l.id.clone())
                .collect();
            let first_met = levels.first().is_some_and(|l| met_levels.contains(&l.id));
            let failing: Vec<&str> = crit_rows
                .iter()
                .filter(|r| next.is_some_and(|n| !r.met.get(n).copied().unwrap_or(true)))
                .map(|r| r.ind.id.as_str())
                .collect();
            let rule = if met_levels.is_empty() {
                format!("tiêu chí {} không đạt: có chỉ tiêu không đạt", c.id)
            } else {
                let names: Vec<&str> = levels.iter().filter(|l| met_levels.contains(&l.id)).map(|l| l.name.as_str()).collect();
                format!("tiêu chí {} đạt {} (mọi chỉ tiêu đạt)", c.id, names.join(", "))
            };
            let mut item = ExplanationItem::new(ItemScope::Criterion, &c.id, &c.name, rule);
            item.met = Some(first_met);
            item.met_levels = met_levels;
            item.confidence = Some(c.confidence);
            confidence = weaker(confidence, c.confidence);
            if let (false, Some(n)) = (failing.is_empty(), next.and_then(|n| levels.get(n))) {
                item.missing = Some(format!("còn thiếu để đạt {}: {}", n.name, failing.join(", ")));
            }
            items.push(item);
            for r in crit_rows {
                let mut item = ExplanationItem::new(ItemScope::Indicator, &r.ind.id, &r.ind.name, r.rules.join("; "));
                item.value = r.value;
                item.source = Some(r.source);
                item.met = Some(r.met.first().copied().unwrap_or(true));
                item.met_levels = levels
                    .iter()
                    .enumerate()
                    .filter(|(li, _)| r.met.get(*li).copied().unwrap_or(false))
                    .map(|(_, l)| l.id.clone())
                    .collect();
                item.confidence = Some(r.ind.confidence);
                if r.source != ValueSource::NotApplicable {
                    confidence = weaker(confidence, r.ind.confidence);
                }
                if let (Some(n), Some(level)) = (next, next.and_then(|n| levels.get(n)))
                    && let Some(Some(need)) = r.needs.get(n)
                {
                    item.missing = Some(format!("còn thiếu để đạt {}: {need}", level.name));
                }
                items.push(item);
            }
        }

        let level = reached.and_then(|r| levels.get(r));
        let head_rule = match (level, by_criteria_reached.and_then(|r| levels.get(r))) {
            (Some(l), Some(met)) if met.id != l.id => {
                format!("đạt mọi chỉ tiêu của {} nhưng chưa đủ điều kiện thời gian (xem dòng công nhận): công nhận {}", met.name, l.name)
            }
            (Some(l), _) => format!("đạt mọi chỉ tiêu của {}: công nhận {}", l.name, l.name),
            (None, _) => format!("chưa đạt đủ chỉ tiêu của {}", levels.first().map(|l| l.name.as_str()).unwrap_or("mức thấp nhất")),
        };
        let mut head = ExplanationItem::new(ItemScope::Set, &set.id, &set.title, head_rule);
        head.met = Some(level.is_some());
        if let Some(n) = next.and_then(|n| levels.get(n)) {
            let failing: Vec<&str> =
                rows.iter().filter(|r| next.is_some_and(|ni| !r.met.get(ni).copied().unwrap_or(true))).map(|r| r.ind.id.as_str()).collect();
            if !failing.is_empty() {
                head.missing = Some(format!("còn thiếu để đạt {}: {}", n.name, failing.join(", ")));
            } else if let Some(t) = &timing_item {
                head.missing = t.missing.clone();
            }
        }
        head.confidence = Some(confidence);
        let mut explanation = vec![head];
        explanation.extend(items);
        explanation.extend(timing_item);
        explanation.extend(self.recognition_items(answers, on));
        let summary = match level {
            Some(l) => format!("Đạt {}{}", l.name, l.alias.as_deref().map(|a| format!(" ({a})")).unwrap_or_default()),
            None => "Chưa đạt".to_string(),
        };
        Some(Evaluation {
            set_id: set.id.clone(),
            set_version: set.version.clone(),
            method: Method::Levels,
            evaluated_on: on,
            passed: level.is_some(),
            level: level.map(|l| l.id.clone()),
            level_name: level.map(|l| l.name.clone()),
            band: None,
            band_name: None,
            total_points: None,
            max_points: None,
            pass_mark: None,
            confidence,
            summary,
            explanation,
        })
    }
}
