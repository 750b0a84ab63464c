//! Criteria sets (bộ tiêu chí) as versioned data, and the engine that evaluates them.
//!
//! Every rule of the learning-society programme that can change (thresholds, pass marks, the
//! area variants, levels, bands, the months between levels, how long a recognition is kept)
//! lives in a data file in `data/criteria/`, never in code. This module reads and checks those
//! files, chooses the set in force for a subject on a date, and evaluates answers with an
//! explanation of every decision. It does no IO: the shipped files are compiled in
//! ([`shipped_sets`]), other files are passed in as text.
//!
//! # Schema (TOML), in brief
//!
//! ```toml
//! id = "cdht-congdan"            # stable id: lowercase, digits, dashes
//! version = "2024.1"             # version of this data file
//! title = "Đánh giá, công nhận danh hiệu \"Công dân học tập\""
//! subject = "citizen"            # household clan village organisation citizen commune district province
//! method = "points"              # points | levels
//! confidence = "verified"        # verified | partially_recalled | guessed (on every item)
//! supersedes = []                # ids of older sets this one replaces
//! notes = ["…"]
//!
//! [legal_basis]                  # document, issuer, signed, effective_from, effective_to
//! document = "Quyết định 324/QĐ-KHVN"    # (inclusive), replaces, articles, confidence
//! issuer = "Hội Khuyến học Việt Nam"
//! effective_from = "2023-10-25"
//! confidence = "verified"
//!
//! [applicability]                # optional: jurisdictions (province codes), managed_by, area_any
//!
//! [points]                       # points method only
//! max_total = 100                # = sum of criteria = sum of indicators
//! pass_mark = 80                 # optional; else the band decides
//! pass_mark_by_area = [{ area = ["mien_nui"], pass_mark = 70, confidence = "verified" }]
//! floors = [{ scope = "indicator", at_least = 5, confidence = "verified" }]  # or above = 0
//! confidence = "verified"
//!
//! [[bands]]                      # points: highest first; the last may omit min (fallback)
//! id = "tot"; name = "Tốt"; min = 85; passes = true; confidence = "verified"
//!
//! [[levels]]                     # levels method: lowest first
//! id = "md1"; name = "Mức độ 1"; alias = "Khá"; confidence = "verified"
//!
//! [timing]                       # upgrade = { from, to, min_months }, validity_months,
//! validity_months = 36           # data_period, [[timing.deadlines]] (step, day, month, year_offset)
//!
//! [[variables]]                  # named counts for computed indicators
//! id = "cong_dan"; name = "Số công dân"
//! source = "assessed_citizens"   # optional: counted from the registries (see [`DataSource`])
//! [[tags]]                       # unit types that restrict indicators (applies_to / excluded_for)
//!
//! [[criteria]]
//! id = "NL2"; name = "…"; max_points = 40; confidence = "verified"
//! [[criteria.indicators]]
//! id = "NL2.3"; name = "…"; kind = "points"; max_points = 10; confidence = "partially_recalled"
//! # levels sets: kind = "yes_no" | "number", unit = "%", formula = "a / b * 100",
//! # requirements = [{ level = "md1", at_least = 60 }, { level = "md1", area = ["dac_biet_kho_khan"],
//! #   at_least = 40 }, { level = "md2", condition = "a * 100 >= 60 * b" }], evidence = ["…"]
//! ```
//!
//! Numbers are exact: points are [`Points`] (hundredths in an `i64`), percentages and computed
//! values are [`Number`] (exact fractions); floats never decide. Formulas use the tiny language
//! of [`expr`] (numbers, names, `+ - * /`, parentheses, comparisons, `and`/`or`).
//!
//! # API
//!
//! - [`CriteriaSet::parse_toml`] → `Result<CriteriaSet, SetErrors>`; [`CriteriaSet::validate`];
//!   [`CriteriaSet::to_toml`]; [`check_file`]`(name, text) -> Vec<CheckError>` for
//!   `hoctap criteria check FILE`; [`check_files`] for a folder (ids unique, `supersedes` resolve).
//! - [`shipped_sets`], [`shipped_set`], [`SHIPPED_FILES`]: the official sets.
//! - [`select_applicable`]`(&sets, &Selection::new(kind, date).province("01"))`: the set in force.
//! - [`Answers::from_json_value`] / [`Answers::from_json_str`]: `{"answers": {...}, "data": {...},
//!   "area": [...], "tags": [...], "previous": [{"level", "decided_on"}]}`.
//! - [`CriteriaSet::evaluate`]`(&answers, date) -> Result<Evaluation, EvalError>`; for many
//!   subjects, [`CriteriaSet::evaluator`] once then [`Evaluator::evaluate`].
//! - [`CriteriaSet::points_scorer`] → [`PointsScorer::score`]`(&[Points], AreaSet)`: the
//!   allocation-free bulk path for points sets; the explaining path calls the same function.
//! - [`Evaluation`] serialises to JSON with `passed`, `level`, `band`, `total_points`,
//!   `confidence`, `summary` and `explanation` (scope, id, name, value, points, met, rule, missing).

mod answers;
mod check;
mod engine;
pub mod expr;
mod model;
mod number;
mod select;
mod shipped;
mod source;

pub use answers::{AnswerError, AnswerValue, Answers, PreviousRecognition};
pub(crate) use check::read_toml;
pub use check::{CheckError, SetErrors, check_file, check_files};
pub use engine::{
    AreaSet, EvalError, Evaluation, Evaluator, ExplanationItem, ItemScope, PointsOutcome, PointsScorer, ScoreError, ValueSource,
};
pub use model::{
    Applicability, AreaPassMark, Band, Confidence, CriteriaSet, Criterion, Deadline, Floor, FloorScope, Indicator, IndicatorKind,
    LegalBasis, Level, ManagingLevel, Method, PointsRules, Requirement, SubjectKind, Tag, Timing, UpgradeRule, Variable,
};
pub use number::{ArithmeticError, Number, NumberError, Points};
pub use select::{SelectError, Selection, select_applicable};
pub use shipped::{SHIPPED_FILES, shipped_set, shipped_sets};
pub use source::{Counted, DataSource, SourceError};
