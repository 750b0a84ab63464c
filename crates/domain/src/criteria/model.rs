//! The schema of a criteria set file (`data/criteria/*.toml`). Field names here are the keys
//! of the file; see the module documentation of [`crate::criteria`] for an annotated example.

use jiff::civil::Date;
use serde::{Deserialize, Serialize};

use super::number::{Number, Points};
use crate::area::AreaAttribute;

/// How sure the research is of an item. The UI flags the last two.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Confidence {
    /// Read in a text that quotes or closely paraphrases the official document.
    Verified,
    /// Structure confirmed, wording or number from memory: check against the official text.
    PartiallyRecalled,
    /// A placeholder reconstructed to fill the model.
    Guessed,
}

impl Confidence {
    pub const ALL: [Confidence; 3] = [Self::Verified, Self::PartiallyRecalled, Self::Guessed];

    pub fn code(self) -> &'static str {
        match self {
            Self::Verified => "verified",
            Self::PartiallyRecalled => "partially_recalled",
            Self::Guessed => "guessed",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Self::Verified => "Đã đối chiếu văn bản",
            Self::PartiallyRecalled => "Nhớ một phần, cần đối chiếu",
            Self::Guessed => "Phỏng đoán, cần thay bằng văn bản chính thức",
        }
    }

    pub fn parse(code: &str) -> Option<Confidence> {
        Self::ALL.into_iter().find(|c| c.code() == code.trim())
    }
}

/// Who or what a set evaluates.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SubjectKind {
    /// Hộ gia đình (Gia đình học tập).
    Household,
    /// Dòng họ.
    Clan,
    /// Thôn, bản, ấp, tổ dân phố.
    Village,
    /// Cơ quan, đơn vị, trường, doanh nghiệp (Đơn vị học tập).
    Organisation,
    /// Công dân.
    Citizen,
    /// Xã, phường, thị trấn, đặc khu.
    Commune,
    /// Huyện, quận, thị xã, thành phố thuộc tỉnh (until 30/06/2025).
    District,
    /// Tỉnh, thành phố trực thuộc trung ương.
    Province,
}

impl SubjectKind {
    pub const ALL: [SubjectKind; 8] =
        [Self::Household, Self::Clan, Self::Village, Self::Organisation, Self::Citizen, Self::Commune, Self::District, Self::Province];

    pub fn code(self) -> &'static str {
        match self {
            Self::Household => "household",
            Self::Clan => "clan",
            Self::Village => "village",
            Self::Organisation => "organisation",
            Self::Citizen => "citizen",
            Self::Commune => "commune",
            Self::District => "district",
            Self::Province => "province",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Self::Household => "Hộ gia đình",
            Self::Clan => "Dòng họ",
            Self::Village => "Thôn, tổ dân phố",
            Self::Organisation => "Cơ quan, đơn vị",
            Self::Citizen => "Công dân",
            Self::Commune => "Xã, phường",
            Self::District => "Huyện, quận",
            Self::Province => "Tỉnh, thành phố",
        }
    }

    pub fn parse(code: &str) -> Option<SubjectKind> {
        Self::ALL.into_iter().find(|c| c.code() == code.trim())
    }
}

/// The administrative level that manages an organisation (decides which ĐVHT set applies).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ManagingLevel {
    Commune,
    District,
    Province,
}

impl ManagingLevel {
    pub const ALL: [ManagingLevel; 3] = [Self::Commune, Self::District, Self::Province];

    pub fn code(self) -> &'static str {
        match self {
            Self::Commune => "commune",
            Self::District => "district",
            Self::Province => "province",
        }
    }

    pub fn parse(code: &str) -> Option<ManagingLevel> {
        Self::ALL.into_iter().find(|c| c.code() == code.trim())
    }
}

/// How a set decides.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Method {
    /// Points per indicator, a total, a pass mark and/or bands (xếp loại).
    Points,
    /// Levels (mức độ): a level is reached when every indicator of it is met.
    Levels,
}

impl Method {
    pub fn code(self) -> &'static str {
        match self {
            Self::Points => "points",
            Self::Levels => "levels",
        }
    }

    pub fn parse(code: &str) -> Option<Method> {
        [Self::Points, Self::Levels].into_iter().find(|c| c.code() == code.trim())
    }
}

/// The kind of an indicator (chỉ tiêu / chỉ số).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum IndicatorKind {
    /// Đạt / không đạt. Answered `true` / `false`, or computed from a `condition`.
    YesNo,
    /// A number (percentage, count, level reached) compared with a threshold per level.
    /// Answered with a number, or computed from `formula`.
    Number,
    /// Points from 0 to `max_points` (points method only).
    Points,
}

impl IndicatorKind {
    pub fn code(self) -> &'static str {
        match self {
            Self::YesNo => "yes_no",
            Self::Number => "number",
            Self::Points => "points",
        }
    }

    pub fn parse(code: &str) -> Option<IndicatorKind> {
        [Self::YesNo, Self::Number, Self::Points].into_iter().find(|c| c.code() == code.trim())
    }
}

/// Where the set comes from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LegalBasis {
    /// Document number, e.g. "Thông tư 25/2023/TT-BGDĐT".
    pub document: String,
    pub issuer: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub signed: Option<Date>,
    /// First day the set is used.
    pub effective_from: Date,
    /// Last day the set is used (inclusive); none while in force.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub effective_to: Option<Date>,
    /// Documents this one replaces.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub replaces: Vec<String>,
    /// Articles that hold the criteria (for citations).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub articles: Option<String>,
    pub confidence: Confidence,
}

/// Who the set applies to besides its subject kind.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Applicability {
    /// Province codes (GSO) for a provincial variant; empty = the whole country.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub jurisdictions: Vec<String>,
    /// For organisations: the levels that manage the units this set is for; empty = any.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub managed_by: Vec<ManagingLevel>,
    /// Area attributes the subject must have one of; empty = every area.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub area_any: Vec<AreaAttribute>,
    /// Free text, e.g. "xã, phường, thị trấn".
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scope: Option<String>,
}

/// A level (mức độ) of the levels method, lowest first.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Level {
    pub id: String,
    pub name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub alias: Option<String>,
    pub confidence: Confidence,
}

/// A band (xếp loại) of the points method, highest first. A band without `min` is the
/// fallback for every total below the others (e.g. "Chưa đạt") and must be last.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Band {
    pub id: String,
    pub name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub min: Option<Points>,
    /// Whether a subject in this band is recognised.
    pub passes: bool,
    pub confidence: Confidence,
}

/// Which items a floor constrains.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FloorScope {
    Indicator,
    Criterion,
}

impl FloorScope {
    pub fn code(self) -> &'static str {
        match self {
            Self::Indicator => "indicator",
            Self::Criterion => "criterion",
        }
    }
    pub fn parse(code: &str) -> Option<FloorScope> {
        [Self::Indicator, Self::Criterion].into_iter().find(|c| c.code() == code.trim())
    }
}

/// A floor (điểm sàn): every indicator (or criterion) must score `at_least` (≥) or `above` (>).
/// Set exactly one of the two. A floor gates passing and every band except the fallback.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Floor {
    pub scope: FloorScope,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub at_least: Option<Points>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub above: Option<Points>,
    pub confidence: Confidence,
}

/// A pass mark that replaces the default one for subjects with any of the area attributes.
/// When several apply, the lowest wins.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AreaPassMark {
    pub area: Vec<AreaAttribute>,
    pub pass_mark: Points,
    pub confidence: Confidence,
}

/// The rules of the points method.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PointsRules {
    /// Sum of the criteria maxima.
    pub max_total: Points,
    /// Total needed to pass (≥). Without it, passing is decided by the band.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pass_mark: Option<Points>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub pass_mark_by_area: Vec<AreaPassMark>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub floors: Vec<Floor>,
    pub confidence: Confidence,
}

/// Moving from one level to a higher one.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct UpgradeRule {
    pub from: String,
    pub to: String,
    /// Months that must pass after the decision recognising `from`.
    pub min_months: u32,
    pub confidence: Confidence,
}

/// A fixed date in the yearly calendar, e.g. "dossier before 28/02 of the following year".
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Deadline {
    /// Stable step code, e.g. `nop_ho_so`, `cong_nhan`.
    pub step: String,
    pub description: String,
    pub day: u8,
    pub month: u8,
    /// 0 = the evaluated year, 1 = the following year.
    pub year_offset: u8,
    pub confidence: Confidence,
}

/// Timing rules of a set.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Timing {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub upgrade: Option<UpgradeRule>,
    /// How long a recognition is kept (bảo lưu), in months after the decision.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub validity_months: Option<u32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub validity_confidence: Option<Confidence>,
    /// Period the data covers, e.g. "01/01–31/12 của năm đánh giá".
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub data_period: Option<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub deadlines: Vec<Deadline>,
}

/// A named count the caller supplies for computed indicators (e.g. `households`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Variable {
    pub id: String,
    pub name: String,
    /// Where the registries hold the value (pre-filled on the form); none = typed in.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source: Option<super::DataSource>,
}

/// A subject tag (unit type) that restricts indicators, e.g. `co_so_gdpt`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Tag {
    pub id: String,
    pub name: String,
}

/// What an indicator needs at one level (levels method).
///
/// A yes/no indicator with no requirement must be `true` at every level. A requirement with
/// `area` or `tags` is a variant: it replaces the plain requirement of the same level for
/// subjects with any of those area attributes and all of those tags (first match wins).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Requirement {
    pub level: String,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub area: Vec<AreaAttribute>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub tags: Vec<String>,
    /// Number indicators: the value must be ≥ this.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub at_least: Option<Number>,
    /// Number indicators: the value must be ≤ this.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub at_most: Option<Number>,
    /// Yes/no indicators: a formula over data that decides the indicator when it is not
    /// answered directly.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub condition: Option<String>,
    /// What the text says, e.g. "PCGD tiểu học mức độ 2".
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub text: Option<String>,
}

/// An indicator (chỉ tiêu, chỉ số).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Indicator {
    /// Unique in the set, e.g. `TC5.CT1`.
    pub id: String,
    pub name: String,
    pub kind: IndicatorKind,
    /// Unit of a number indicator, e.g. `%`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub unit: Option<String>,
    /// Points indicators: the most points.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_points: Option<Points>,
    /// Number indicators: how to compute the value from data when it is not answered.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub formula: Option<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub requirements: Vec<Requirement>,
    /// The indicator applies only to subjects with all of these tags.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub applies_to: Vec<String>,
    /// The indicator does not apply to subjects with any of these tags.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub excluded_for: Vec<String>,
    /// Evidence (minh chứng) expected.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub evidence: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub evidence_confidence: Option<Confidence>,
    pub confidence: Confidence,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

/// A criterion (tiêu chí).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Criterion {
    pub id: String,
    pub name: String,
    /// Points method: the sum of its indicators' maxima.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_points: Option<Points>,
    pub confidence: Confidence,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
    pub indicators: Vec<Indicator>,
}

/// A criteria set (bộ tiêu chí), as shipped in `data/criteria/*.toml`.
///
/// Fields are public so the store and the spreadsheet import can build one; a set from any
/// source must pass [`CriteriaSet::validate`] before it is trusted. [`CriteriaSet::parse_toml`]
/// does both.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CriteriaSet {
    /// Stable id, lowercase with dashes: `cdht-xa`.
    pub id: String,
    /// Version of this data file, e.g. `2024.1`.
    pub version: String,
    pub title: String,
    pub subject: SubjectKind,
    pub method: Method,
    pub confidence: Confidence,
    /// Ids of the sets this one supersedes (e.g. `cdht-xa-tt44`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub supersedes: Vec<String>,
    pub legal_basis: LegalBasis,
    #[serde(default)]
    pub applicability: Applicability,
    /// Who recognises, as text (may differ before and after 01/07/2025).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub recognised_by: Option<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub notes: Vec<String>,
    /// Set only on emulation criteria (tiêu chí thi đua): the movement and actor type they are for.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub emulation: Option<crate::emulation::EmulationScope>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub points: Option<PointsRules>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub levels: Vec<Level>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub bands: Vec<Band>,
    #[serde(default)]
    pub timing: Timing,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub variables: Vec<Variable>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub tags: Vec<Tag>,
    pub criteria: Vec<Criterion>,
}

impl CriteriaSet {
    /// All indicators in file order, with the criterion each belongs to.
    pub fn indicators(&self) -> impl Iterator<Item = (&Criterion, &Indicator)> {
        self.criteria.iter().flat_map(|c| c.indicators.iter().map(move |i| (c, i)))
    }

    /// The indicator with this id.
    pub fn indicator(&self, id: &str) -> Option<&Indicator> {
        self.indicators().map(|(_, i)| i).find(|i| i.id == id)
    }

    /// Whether the set is in force on `date` (both ends inclusive).
    pub fn in_force_on(&self, date: Date) -> bool {
        self.legal_basis.effective_from <= date && self.legal_basis.effective_to.is_none_or(|to| date <= to)
    }

    /// The last day a recognition decided on `decided_on` is kept, if the set says.
    pub fn recognition_kept_until(&self, decided_on: Date) -> Option<Date> {
        let months = self.timing.validity_months?;
        let span = jiff::Span::new().try_months(i64::from(months)).ok()?;
        decided_on.checked_add(span).ok()?.checked_sub(jiff::Span::new().days(1)).ok()
    }
}
