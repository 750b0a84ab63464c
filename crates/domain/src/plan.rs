//! Plans (kế hoạch, chương trình hành động, đề án) and their targets (chỉ tiêu).
//!
//! A plan is a document of a unit (the national government, a province, a pre-2025 district)
//! with a period, goals, tasks for agencies and targets: indicator × unit × year → value, each
//! with the plan's own words and a confidence mark. The shipped plans (`data/plans/*.toml`) are
//! the seed documents and the national programmes, compiled in by [`shipped_plans`]. Targets
//! are split from a unit down to its children by [`split`] and checked by [`check_split`]
//! (module `split`); [`report_due`] gives the annual report deadline of a jurisdiction from the
//! plans that set one.
//!
//! Unit codes are the official GSO codes of the unit *as at the plan's date* (2-digit province,
//! 3-digit pre-2025 district, 5-digit commune); codes are reused across eras, so the store
//! resolves a code together with the plan's date. National plans use [`UnitRef::National`],
//! written `"VN"`.

mod split;

use std::collections::BTreeSet;
use std::fmt;
use std::sync::LazyLock;

use jiff::civil::Date;
use serde::{Deserialize, Serialize};

pub use split::{SplitError, SplitGap, SplitMethod, check_split, split};

use crate::criteria::{CheckError, Confidence, Number, read_toml};
use crate::indicator::{Indicator, IndicatorErrors, Level, shipped_indicators};
use crate::unit::{UnitCode, UnitCodeError, UnitKind};

/// The unit a plan or a target belongs to: the whole country or an administrative unit.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub enum UnitRef {
    /// Toàn quốc, written `VN`.
    National,
    /// A province, district (before 01/07/2025), commune or village, by official code.
    Unit(UnitCode),
}

impl UnitRef {
    /// The code written for the whole country.
    pub const NATIONAL_CODE: &'static str = "VN";

    /// `VN` or an official unit code.
    pub fn parse(input: &str) -> Result<UnitRef, UnitCodeError> {
        if input.trim() == Self::NATIONAL_CODE {
            return Ok(UnitRef::National);
        }
        UnitCode::parse(input).map(UnitRef::Unit)
    }

    /// `VN` or the unit code.
    pub fn as_str(&self) -> &str {
        match self {
            UnitRef::National => Self::NATIONAL_CODE,
            UnitRef::Unit(c) => c.as_str(),
        }
    }

    /// The level, from the length of the code.
    pub fn level(&self) -> Level {
        match self {
            UnitRef::National => Level::National,
            UnitRef::Unit(c) => match c.kind() {
                UnitKind::Province => Level::Province,
                UnitKind::District => Level::District,
                UnitKind::Commune => Level::Commune,
                UnitKind::Village => Level::Village,
            },
        }
    }
}

impl fmt::Display for UnitRef {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl TryFrom<String> for UnitRef {
    type Error = UnitCodeError;
    fn try_from(s: String) -> Result<UnitRef, UnitCodeError> {
        UnitRef::parse(&s)
    }
}

impl From<UnitRef> for String {
    fn from(u: UnitRef) -> String {
        u.as_str().to_string()
    }
}

/// The kind of document.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PlanKind {
    /// Kế hoạch.
    KeHoach,
    /// Chương trình hành động.
    ChuongTrinhHanhDong,
    /// Đề án.
    DeAn,
    /// Quyết định (e.g. the Prime Minister's decision approving a programme).
    QuyetDinh,
}

impl PlanKind {
    pub fn label(self) -> &'static str {
        match self {
            PlanKind::KeHoach => "Kế hoạch",
            PlanKind::ChuongTrinhHanhDong => "Chương trình hành động",
            PlanKind::DeAn => "Đề án",
            PlanKind::QuyetDinh => "Quyết định",
        }
    }
}

/// Years a plan covers, both inclusive.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Period {
    pub from: i16,
    pub to: i16,
}

impl Period {
    pub fn contains(self, year: i16) -> bool {
        (self.from..=self.to).contains(&year)
    }
}

/// A day of the year without the year (`10/12`), for yearly deadlines.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct DayMonth {
    month: i8,
    day: i8,
}

/// Why a text is not a day/month or a deadline.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DeadlineError {
    #[error("\"{0}\" không phải là ngày/tháng (viết như 10/12)")]
    DayMonth(String),
    #[error("\"{0}\" không phải là thời hạn (viết \"hằng năm\", \"hằng năm, trước 10/12\", \"31/12/2025\" hoặc \"năm 2025\")")]
    Deadline(String),
}

impl DayMonth {
    /// `10/12` or `1/6`; the day must exist in a leap year.
    pub fn parse(input: &str) -> Result<DayMonth, DeadlineError> {
        let s = input.trim();
        let bad = || DeadlineError::DayMonth(s.to_string());
        let (d, m) = s.split_once('/').ok_or_else(bad)?;
        let day: i8 = d.trim().parse().map_err(|_| bad())?;
        let month: i8 = m.trim().parse().map_err(|_| bad())?;
        Date::new(2000, month, day).map_err(|_| bad())?;
        Ok(DayMonth { month, day })
    }

    pub fn day(self) -> i8 {
        self.day
    }

    pub fn month(self) -> i8 {
        self.month
    }

    /// This day in `year` (29/02 becomes 28/02 outside leap years).
    pub fn in_year(self, year: i16) -> Date {
        Date::new(year, self.month, self.day).or_else(|_| Date::new(year, self.month, self.day - 1)).unwrap_or(Date::MIN)
    }
}

impl fmt::Display for DayMonth {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:02}/{:02}", self.day, self.month)
    }
}

impl TryFrom<String> for DayMonth {
    type Error = DeadlineError;
    fn try_from(s: String) -> Result<DayMonth, DeadlineError> {
        DayMonth::parse(&s)
    }
}

impl From<DayMonth> for String {
    fn from(d: DayMonth) -> String {
        d.to_string()
    }
}

/// When a task is due (thời hạn).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub enum Deadline {
    /// `hằng năm`: every year, no fixed day.
    Yearly,
    /// `hằng năm, trước 10/02`: every year by that day.
    YearlyBy(DayMonth),
    /// `31/12/2025`: once, by that day.
    By(Date),
    /// `năm 2025`: some time in that year.
    InYear(i16),
}

impl Deadline {
    pub fn parse(input: &str) -> Result<Deadline, DeadlineError> {
        let s = input.trim();
        let bad = || DeadlineError::Deadline(s.to_string());
        if s == "hằng năm" {
            return Ok(Deadline::Yearly);
        }
        if let Some(rest) = s.strip_prefix("hằng năm, trước ") {
            return DayMonth::parse(rest).map(Deadline::YearlyBy).map_err(|_| bad());
        }
        if let Some(rest) = s.strip_prefix("năm ") {
            return rest.trim().parse().map(Deadline::InYear).map_err(|_| bad());
        }
        crate::date::parse_date(s).map(Deadline::By).map_err(|_| bad())
    }
}

impl fmt::Display for Deadline {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Deadline::Yearly => f.write_str("hằng năm"),
            Deadline::YearlyBy(d) => write!(f, "hằng năm, trước {d}"),
            Deadline::By(d) => f.write_str(&crate::date::format_vn(*d)),
            Deadline::InYear(y) => write!(f, "năm {y}"),
        }
    }
}

impl TryFrom<String> for Deadline {
    type Error = DeadlineError;
    fn try_from(s: String) -> Result<Deadline, DeadlineError> {
        Deadline::parse(&s)
    }
}

impl From<Deadline> for String {
    fn from(d: Deadline) -> String {
        d.to_string()
    }
}

/// A task (nhiệm vụ) assigned by the plan.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Task {
    pub name: String,
    /// Cơ quan chủ trì.
    pub lead: String,
    /// Cơ quan phối hợp.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub supporting: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub deadline: Option<Deadline>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

/// A target (chỉ tiêu): the value an indicator should reach in a unit by the end of a year.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Target {
    /// Id of an [`Indicator`].
    pub indicator: String,
    /// The plan's unit or one below it.
    pub unit: UnitRef,
    pub year: i16,
    /// In the indicator's unit (70 for 70%).
    pub value: Number,
    /// The plan's words, verbatim.
    pub text: String,
    pub confidence: Confidence,
    /// The document that states the number, when it is not the plan itself.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stated_in: Option<String>,
    /// How the words were read (approximations, inconsistencies).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

/// The annual report a plan demands (chế độ báo cáo).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ReportRule {
    /// Due every year on this day.
    pub due: DayMonth,
    /// Who reports.
    pub by: String,
    /// To whom.
    pub to: String,
    /// The plan's words.
    pub text: String,
}

/// A plan, as in `data/plans/*.toml`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Plan {
    /// Stable id: lowercase ASCII, digits, dashes (`lang-son-110-2022`).
    pub id: String,
    /// Số, ký hiệu (`110/KH-UBND`); none when the copy leaves it blank.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub number: Option<String>,
    /// Ngày ban hành; none when the copy leaves it blank.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub issued: Option<Date>,
    /// The year of issue when the day is unknown (or the year of `issued`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub issued_year: Option<i16>,
    pub kind: PlanKind,
    /// Trích yếu.
    pub title: String,
    /// The jurisdiction, code as at the plan's date (`VN` for national plans).
    pub unit: UnitRef,
    /// Its name as the document writes it.
    pub unit_name: String,
    /// The issuing body (`UBND tỉnh Lạng Sơn`, `Ban Chấp hành Hội Khuyến học tỉnh Thái Bình`).
    pub issuer: String,
    pub period: Period,
    /// Documents it implements (căn cứ).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub implements: Vec<String>,
    /// Mục tiêu.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub goals: Vec<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub tasks: Vec<Task>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub targets: Vec<Target>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub report: Option<ReportRule>,
    /// Where the text was read.
    pub source: String,
    /// How sure the header data (number, date, unit) is.
    pub confidence: Confidence,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub notes: Vec<String>,
}

impl Plan {
    /// The target of an indicator for a unit and year, if the plan sets one.
    pub fn target(&self, indicator: &str, unit: &UnitRef, year: i16) -> Option<&Target> {
        self.targets.iter().find(|t| t.indicator == indicator && &t.unit == unit && t.year == year)
    }
}

/// Why a plan file was refused; the messages are Vietnamese.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PlanError {
    /// Not TOML, or a field of the wrong shape (stops at the first).
    #[error("{0}")]
    Read(CheckError),
    #[error("kế hoạch \"{0}\": mã chỉ gồm chữ thường không dấu, số và dấu gạch ngang")]
    BadId(String),
    #[error("mã kế hoạch \"{0}\" bị trùng")]
    DuplicateId(String),
    #[error("kế hoạch \"{plan}\": trường {field} không được để trống")]
    Empty { plan: String, field: String },
    #[error("kế hoạch \"{plan}\": giai đoạn {from}–{to} không hợp lệ")]
    BadPeriod { plan: String, from: i16, to: i16 },
    #[error("kế hoạch \"{plan}\": ngày ban hành {date} không thuộc năm {year}")]
    IssuedYear { plan: String, date: String, year: i16 },
    #[error("kế hoạch \"{plan}\", chỉ tiêu thứ {index}: không có chỉ số mã \"{indicator}\"")]
    UnknownIndicator { plan: String, index: usize, indicator: String },
    #[error("kế hoạch \"{plan}\", chỉ tiêu thứ {index}: năm {year} ngoài giai đoạn {from}–{to}")]
    YearOutsidePeriod { plan: String, index: usize, year: i16, from: i16, to: i16 },
    #[error("kế hoạch \"{plan}\", chỉ tiêu thứ {index}: giá trị {value} không hợp lệ ({reason})")]
    BadValue { plan: String, index: usize, value: String, reason: &'static str },
    #[error("kế hoạch \"{plan}\", chỉ tiêu thứ {index}: chỉ số \"{indicator}\" không đo ở cấp {level}")]
    LevelNotMeasured { plan: String, index: usize, indicator: String, level: Level },
    #[error("kế hoạch \"{plan}\", chỉ tiêu thứ {index}: đơn vị {unit} không phải là đơn vị của kế hoạch hay cấp dưới")]
    UnitAbovePlan { plan: String, index: usize, unit: String },
    #[error("kế hoạch \"{plan}\": chỉ tiêu \"{indicator}\" của {unit} năm {year} bị lặp")]
    DuplicateTarget { plan: String, indicator: String, unit: String, year: i16 },
    #[error("danh mục chỉ số: {0}")]
    Indicators(IndicatorErrors),
}

/// Every problem found in one or more plan files.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("kế hoạch không hợp lệ ({} lỗi): {}", .0.len(), .0.iter().map(ToString::to_string).collect::<Vec<_>>().join("; "))]
pub struct PlanErrors(pub Vec<PlanError>);

fn is_plan_id(s: &str) -> bool {
    s.bytes().next().is_some_and(|b| b.is_ascii_lowercase()) && s.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
}

/// Depth of a level, for "is this unit below the plan's".
fn depth(level: Level) -> u8 {
    match level {
        Level::National => 0,
        Level::Province => 1,
        Level::District => 2,
        Level::Commune => 3,
        Level::Village => 4,
    }
}

/// Reads and checks one plan file against the indicator definitions: every target names a
/// known indicator measured at its unit's level, in the plan's period, at the plan's unit or
/// below, once per (indicator, unit, year); percentages lie in 0–100.
pub fn parse_plan(text: &str, indicators: &[Indicator]) -> Result<Plan, PlanErrors> {
    let plan: Plan = read_toml(text).map_err(|e| PlanErrors(vec![PlanError::Read(e)]))?;
    let errors = validate_plan(&plan, indicators);
    if errors.is_empty() { Ok(plan) } else { Err(PlanErrors(errors)) }
}

fn validate_plan(p: &Plan, indicators: &[Indicator]) -> Vec<PlanError> {
    let mut errors = Vec::new();
    let plan = || p.id.clone();
    if !is_plan_id(&p.id) {
        errors.push(PlanError::BadId(plan()));
    }
    for (field, value) in [("title", &p.title), ("unit_name", &p.unit_name), ("issuer", &p.issuer), ("source", &p.source)] {
        if value.trim().is_empty() {
            errors.push(PlanError::Empty { plan: plan(), field: field.to_string() });
        }
    }
    if p.period.from > p.period.to {
        errors.push(PlanError::BadPeriod { plan: plan(), from: p.period.from, to: p.period.to });
    }
    if let (Some(d), Some(y)) = (p.issued, p.issued_year)
        && d.year() != y
    {
        errors.push(PlanError::IssuedYear { plan: plan(), date: crate::date::format_vn(d), year: y });
    }
    for (i, t) in p.tasks.iter().enumerate() {
        for (field, value) in [("name", &t.name), ("lead", &t.lead)] {
            if value.trim().is_empty() {
                errors.push(PlanError::Empty { plan: plan(), field: format!("tasks[{i}].{field}") });
            }
        }
    }
    let mut seen = BTreeSet::new();
    for (i, t) in p.targets.iter().enumerate() {
        let index = i + 1;
        if t.text.trim().is_empty() {
            errors.push(PlanError::Empty { plan: plan(), field: format!("targets[{i}].text") });
        }
        if !p.period.contains(t.year) {
            errors.push(PlanError::YearOutsidePeriod { plan: plan(), index, year: t.year, from: p.period.from, to: p.period.to });
        }
        let level = t.unit.level();
        if t.unit != p.unit && depth(level) <= depth(p.unit.level()) {
            errors.push(PlanError::UnitAbovePlan { plan: plan(), index, unit: t.unit.to_string() });
        }
        if !seen.insert((t.indicator.as_str(), t.unit.as_str(), t.year)) {
            errors.push(PlanError::DuplicateTarget {
                plan: plan(),
                indicator: t.indicator.clone(),
                unit: t.unit.to_string(),
                year: t.year,
            });
        }
        let bad_value = |reason| PlanError::BadValue { plan: plan(), index, value: t.value.to_string(), reason };
        if t.value.is_negative() {
            errors.push(bad_value("âm"));
        }
        match indicators.iter().find(|ind| ind.id == t.indicator) {
            None => errors.push(PlanError::UnknownIndicator { plan: plan(), index, indicator: t.indicator.clone() }),
            Some(ind) => {
                if !ind.levels.contains(&level) {
                    errors.push(PlanError::LevelNotMeasured { plan: plan(), index, indicator: ind.id.clone(), level });
                }
                if ind.unit == "%" && t.value > Number::integer(100) {
                    errors.push(bad_value("tỷ lệ quá 100%"));
                }
            }
        }
    }
    errors
}

/// `(file name, TOML text)` of every shipped plan.
pub const SHIPPED_PLAN_FILES: &[(&str, &str)] = &[
    ("qd-1373-2021.toml", include_str!("../../../data/plans/qd-1373-2021.toml")),
    ("qd-387-2022.toml", include_str!("../../../data/plans/qd-387-2022.toml")),
    ("qd-677-2022.toml", include_str!("../../../data/plans/qd-677-2022.toml")),
    ("lang-son-110-2022.toml", include_str!("../../../data/plans/lang-son-110-2022.toml")),
    ("binh-duong-151-2024.toml", include_str!("../../../data/plans/binh-duong-151-2024.toml")),
    ("thai-binh-41-2022.toml", include_str!("../../../data/plans/thai-binh-41-2022.toml")),
    ("hai-hau-2022.toml", include_str!("../../../data/plans/hai-hau-2022.toml")),
    ("muong-ang-2024.toml", include_str!("../../../data/plans/muong-ang-2024.toml")),
];

fn parse_shipped() -> Result<Vec<Plan>, PlanErrors> {
    let indicators = shipped_indicators().map_err(|e| PlanErrors(vec![PlanError::Indicators(e)]))?;
    let mut plans: Vec<Plan> = Vec::new();
    let mut errors = Vec::new();
    for (name, text) in SHIPPED_PLAN_FILES {
        match parse_plan(text, &indicators) {
            Ok(p) => {
                if plans.iter().any(|q| q.id == p.id) {
                    errors.push(PlanError::DuplicateId(p.id.clone()));
                }
                plans.push(p);
            }
            Err(PlanErrors(es)) => errors.extend(es.into_iter().map(|e| match e {
                PlanError::Read(c) => PlanError::Read(CheckError { file: (*name).to_string(), ..c }),
                other => other,
            })),
        }
    }
    if errors.is_empty() { Ok(plans) } else { Err(PlanErrors(errors)) }
}

static SHIPPED: LazyLock<Result<Vec<Plan>, PlanErrors>> = LazyLock::new(parse_shipped);

/// The shipped plans, parsed once and checked against [`shipped_indicators`]. Fails only if
/// a shipped file is broken, which the test suite rules out.
pub fn shipped_plans() -> Result<Vec<Plan>, PlanErrors> {
    SHIPPED.clone()
}

/// The day the annual report is due when no plan sets one: 15/12.
pub const DEFAULT_REPORT_DUE: DayMonth = DayMonth { month: 12, day: 15 };

/// The annual report deadline of a unit (`unit_code` as in the plans: `20` Lạng Sơn, `74` Bình
/// Dương, `366` Hải Hậu) for `year`: the `report.due` of the most recently issued shipped plan
/// of that unit whose period covers the year, else [`DEFAULT_REPORT_DUE`].
pub fn report_due(unit_code: &str, year: i16) -> Date {
    report_due_in(&[unit_code], year)
}

/// Like [`report_due`] for a chain of codes, most specific first (a district, then its
/// province): the first code with a rule decides.
pub fn report_due_in(chain: &[&str], year: i16) -> Date {
    let plans = SHIPPED.as_ref().map(Vec::as_slice).unwrap_or(&[]);
    chain
        .iter()
        .find_map(|code| {
            plans
                .iter()
                .filter(|p| p.unit.as_str() == *code && p.period.contains(year))
                .filter_map(|p| p.report.as_ref().map(|r| (p.issued.or(p.issued_year.and_then(|y| Date::new(y, 1, 1).ok())), r.due)))
                .max_by_key(|(issued, _)| *issued)
                .map(|(_, due)| due)
        })
        .unwrap_or(DEFAULT_REPORT_DUE)
        .in_year(year)
}

/// The value a plan expects of a year on its path (lộ trình) through the milestones it sets for
/// one indicator and unit.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct PathTarget {
    /// What the year should reach.
    pub value: Number,
    /// The milestone before the year, when the year lies between two (the value is then on the
    /// straight line between them).
    pub from: Option<(i16, Number)>,
    /// The milestone of the year, or the next one (the last one after the plan's last milestone).
    pub to: (i16, Number),
}

/// The expected value of `year` on the path through `milestones` (year, value) of one plan,
/// indicator and unit: a milestone's own year gets its value (a yearly table such as Hải Hậu's
/// is used as it is); a year between two milestones gets the value on the straight line between
/// them, exactly (2025: 70%, 2030: 80% → 2026: 72%); before the first milestone, with no
/// starting point stated, the first milestone; after the last, the last. `None` without
/// milestones.
pub fn target_on_path(milestones: &[(i16, Number)], year: i16) -> Option<PathTarget> {
    let mut sorted = milestones.to_vec();
    sorted.sort_by_key(|(y, _)| *y);
    let after = sorted.iter().position(|(y, _)| *y >= year);
    let Some(i) = after else {
        let last = *sorted.last()?;
        return Some(PathTarget { value: last.1, from: None, to: last });
    };
    let to = *sorted.get(i)?;
    let before = if i > 0 { sorted.get(i - 1).copied() } else { None };
    match before {
        Some((y0, v0)) if to.0 != year => {
            let share = Number::ratio(i128::from(year - y0), i128::from(to.0 - y0))?;
            let value = to.1.checked_sub(v0).and_then(|d| d.checked_mul(share)).and_then(|d| v0.checked_add(d)).ok()?;
            Some(PathTarget { value, from: Some((y0, v0)), to })
        }
        _ => Some(PathTarget { value: to.1, from: None, to }),
    }
}

/// How far a value is behind the path: `None` when it is on the path or ahead (đúng lộ trình),
/// else the shortfall in the indicator's unit (percentage points for a rate: "chậm 2 điểm").
pub fn behind_path(value: Number, expected: Number, lower_is_better: bool) -> Option<Number> {
    let gap = if lower_is_better { value.checked_sub(expected) } else { expected.checked_sub(value) }.ok()?;
    (gap > Number::ZERO).then_some(gap)
}

#[cfg(test)]
#[expect(clippy::panic, reason = "a test fails loudly, naming what it missed")]
mod tests;
