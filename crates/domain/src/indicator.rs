//! Indicator definitions (định nghĩa chỉ số): what a target (chỉ tiêu) of a plan measures.
//!
//! An indicator is either **computed**, `sum(numerator) / sum(denominator) × factor` over the
//! named [`METRICS`] that the store counts per commune and year (e.g. "tỷ lệ gia đình học tập" =
//! `rec_gdht / households × 100`), or **reported**: a value typed in per unit and year because
//! no registry holds it (e.g. "% cán bộ khuyến học được bồi dưỡng", "% xã xếp loại tốt",
//! digital skills). The definitions are data (`data/indicators.toml`), compiled in by
//! [`shipped_indicators`]; arithmetic is exact ([`Number`]), so "70% reached" is never decided
//! on a float.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;
use std::sync::LazyLock;

use serde::{Deserialize, Serialize};

use crate::criteria::{CheckError, Confidence, Number, read_toml};

// The metrics are owned by `stats`, which also says what each record counts for.
pub use crate::stats::{METRICS, MetricKind, metric};

/// Computed from metrics or typed in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum IndicatorKind {
    /// Tính từ số liệu: numerator / denominator × factor over [`METRICS`].
    Computed,
    /// Báo cáo: typed in per unit and year (no registry holds it).
    Reported,
}

/// The administrative level at which an indicator (or a target) is measured.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Level {
    /// Toàn quốc.
    National,
    /// Tỉnh, thành phố trực thuộc trung ương.
    Province,
    /// Huyện, quận, thị xã, thành phố thuộc tỉnh: only before 01/07/2025 (district plans).
    District,
    /// Xã, phường, thị trấn, đặc khu.
    Commune,
    /// Thôn, bản, ấp, tổ dân phố.
    Village,
}

/// How a value compares with its target, for dashboards.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TrafficLight {
    /// Đạt: at or beyond the target.
    Green,
    /// Gần đạt: at least 80% of the way (see [`Indicator::light`]).
    Amber,
    /// Chưa đạt.
    Red,
    /// Không có chỉ tiêu.
    NoTarget,
}

/// How the values of children make up their parent's, for splitting targets.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Aggregation {
    /// Counts and amounts: the parent's value is the sum of the children's.
    Sum,
    /// Rates ("%", per capita): the parent's value is the children's mean weighted by their
    /// denominators (population, number of households, …).
    WeightedMean,
}

/// One indicator definition, as in `data/indicators.toml`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Indicator {
    /// Stable id, snake_case ASCII (`gdht_rate`).
    pub id: String,
    /// Vietnamese name as the plans word it.
    pub name: String,
    /// Unit of the value: `%`, `đồng/người`, `người`, …
    pub unit: String,
    pub kind: IndicatorKind,
    /// Metric ids summed for the numerator (computed indicators).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub numerator: Vec<String>,
    /// Metric ids summed for the denominator; empty = no denominator.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub denominator: Vec<String>,
    /// 100 for percentages, 1 otherwise.
    pub factor: Number,
    /// True when a smaller value is better (the traffic light turns around).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub lower_is_better: bool,
    /// Levels at which the indicator is measured.
    pub levels: Vec<Level>,
    /// Legal source, e.g. "QĐ 387/QĐ-TTg ngày 25/3/2022".
    pub source: String,
    pub confidence: Confidence,
    /// What the definition approximates or leaves out, in Vietnamese.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

/// One figure (số liệu) of a unit and year as every screen, report, export and API field shows
/// it: the indicator's numerator and denominator summed from the metric values, and its value.
/// Computing a figure anywhere else is a second definition waiting to disagree.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Figure {
    pub num: i64,
    pub den: i64,
    /// `None` without a denominator count (nothing to measure), or for a reported indicator.
    pub value: Option<Number>,
}

impl Indicator {
    /// The figure of a computed indicator from metric values (metric id → value of the unit and
    /// year, as the statistics counters give them). A reported indicator has no value here.
    pub fn figure(&self, metrics: &BTreeMap<String, i64>) -> Figure {
        let sum = |ids: &[String]| ids.iter().map(|m| metrics.get(m).copied().unwrap_or(0)).fold(0i64, i64::saturating_add);
        let (num, den) = (sum(&self.numerator), sum(&self.denominator));
        let value = match self.kind {
            IndicatorKind::Computed => self.value(num, den),
            IndicatorKind::Reported => None,
        };
        Figure { num, den, value }
    }

    /// The value from the summed numerator and denominator: `num / den × factor`, exact.
    /// `None` when the indicator has a denominator and `den` is 0 (nothing to measure). For an
    /// indicator without a denominator `den` is ignored and the value is `num × factor`.
    pub fn value(&self, num: i64, den: i64) -> Option<Number> {
        let base = if self.denominator.is_empty() { Number::integer(num) } else { Number::ratio(i128::from(num), i128::from(den))? };
        base.checked_mul(self.factor).ok()
    }

    /// The traffic light of `value` against `target`. Higher is better: green at or above the
    /// target, amber from 80% of it, red below. With `lower_is_better`: green at or below the
    /// target, amber up to target ÷ 0.8, red above. No target: [`TrafficLight::NoTarget`].
    pub fn light(&self, value: Number, target: Option<Number>) -> TrafficLight {
        let Some(target) = target else { return TrafficLight::NoTarget };
        let four_fifths = Number::ratio(4, 5).unwrap_or(Number::ZERO);
        if self.lower_is_better {
            if value <= target {
                TrafficLight::Green
            } else if value.checked_mul(four_fifths).is_ok_and(|v| v <= target) {
                TrafficLight::Amber
            } else {
                TrafficLight::Red
            }
        } else if value >= target {
            TrafficLight::Green
        } else if target.checked_mul(four_fifths).is_ok_and(|t| value >= t) {
            TrafficLight::Amber
        } else {
            TrafficLight::Red
        }
    }

    /// Rates (unit `%`, a per-unit unit such as `đồng/người`, or any denominator) are
    /// weighted means; everything else adds up.
    pub fn aggregation(&self) -> Aggregation {
        if self.unit == "%" || self.unit.contains('/') || !self.denominator.is_empty() {
            Aggregation::WeightedMean
        } else {
            Aggregation::Sum
        }
    }

    /// A value with its unit, the Vietnamese way: `68,5%`, `80000 đồng/người`.
    pub fn format(&self, value: Number) -> String {
        if self.unit == "%" { format!("{value}%") } else { format!("{value} {}", self.unit) }
    }
}

/// Why an indicator file was refused; the messages are Vietnamese.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum IndicatorError {
    /// Not TOML, or a field of the wrong shape (stops at the first).
    #[error("{0}")]
    Read(CheckError),
    #[error("chỉ số thứ {index}: mã \"{id}\" chỉ gồm chữ thường không dấu, số và dấu gạch dưới")]
    BadId { index: usize, id: String },
    #[error("mã chỉ số \"{0}\" bị trùng")]
    DuplicateId(String),
    #[error("chỉ số \"{indicator}\": trường {field} không được để trống")]
    Empty { indicator: String, field: &'static str },
    #[error("chỉ số \"{indicator}\": không có số liệu mã \"{metric}\" (chỉ dùng các số liệu hệ thống đếm)")]
    UnknownMetric { indicator: String, metric: String },
    #[error("chỉ số \"{indicator}\": hệ số phải lớn hơn 0")]
    FactorNotPositive { indicator: String },
    #[error("chỉ số \"{indicator}\" tính từ số liệu nhưng không có tử số")]
    ComputedWithoutNumerator { indicator: String },
    #[error("chỉ số \"{indicator}\" do đơn vị báo cáo nên không có tử số, mẫu số")]
    ReportedWithMetrics { indicator: String },
    #[error("chỉ số \"{indicator}\": số liệu \"{metric}\" phát sinh trong năm không cộng được với số liệu thời điểm")]
    MixedMetricKinds { indicator: String, metric: String },
}

/// Every problem of an indicator file.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("danh mục chỉ số không hợp lệ ({} lỗi): {}", .0.len(), .0.iter().map(ToString::to_string).collect::<Vec<_>>().join("; "))]
pub struct IndicatorErrors(pub Vec<IndicatorError>);

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct IndicatorFile {
    indicator: Vec<Indicator>,
}

/// `snake_case` ASCII starting with a letter.
pub(crate) fn is_snake_id(s: &str) -> bool {
    s.bytes().next().is_some_and(|b| b.is_ascii_lowercase()) && s.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_')
}

/// Reads and checks an indicator file (`[[indicator]]` tables): ids unique and snake_case,
/// computed indicators over known metrics of one kind with a positive factor, reported ones
/// without metrics. All rule violations are returned together.
pub fn parse_indicators(text: &str) -> Result<Vec<Indicator>, IndicatorErrors> {
    let file: IndicatorFile = read_toml(text).map_err(|e| IndicatorErrors(vec![IndicatorError::Read(e)]))?;
    let errors = validate_indicators(&file.indicator);
    if errors.is_empty() { Ok(file.indicator) } else { Err(IndicatorErrors(errors)) }
}

fn validate_indicators(list: &[Indicator]) -> Vec<IndicatorError> {
    let mut errors = Vec::new();
    let mut seen = BTreeSet::new();
    for (index, ind) in list.iter().enumerate() {
        let id = || ind.id.clone();
        if !is_snake_id(&ind.id) {
            errors.push(IndicatorError::BadId { index: index + 1, id: id() });
        }
        if !seen.insert(ind.id.as_str()) {
            errors.push(IndicatorError::DuplicateId(id()));
        }
        for (field, value) in [("name", &ind.name), ("unit", &ind.unit), ("source", &ind.source)] {
            if value.trim().is_empty() {
                errors.push(IndicatorError::Empty { indicator: id(), field });
            }
        }
        if ind.levels.is_empty() {
            errors.push(IndicatorError::Empty { indicator: id(), field: "levels" });
        }
        if ind.factor <= Number::ZERO {
            errors.push(IndicatorError::FactorNotPositive { indicator: id() });
        }
        match ind.kind {
            IndicatorKind::Reported => {
                if !ind.numerator.is_empty() || !ind.denominator.is_empty() {
                    errors.push(IndicatorError::ReportedWithMetrics { indicator: id() });
                }
            }
            IndicatorKind::Computed => {
                if ind.numerator.is_empty() {
                    errors.push(IndicatorError::ComputedWithoutNumerator { indicator: id() });
                }
                errors.extend(metric_errors(ind, &ind.numerator));
                errors.extend(metric_errors(ind, &ind.denominator));
            }
        }
    }
    errors
}

/// Unknown metrics, and flows summed together with stocks, in one side of a fraction.
fn metric_errors(ind: &Indicator, side: &[String]) -> Vec<IndicatorError> {
    let mut errors = Vec::new();
    let mut first_kind = None;
    for m in side {
        match metric(m) {
            None => errors.push(IndicatorError::UnknownMetric { indicator: ind.id.clone(), metric: m.clone() }),
            Some((_, _, kind)) => match first_kind {
                None => first_kind = Some(kind),
                Some(k) if k != kind => {
                    errors.push(IndicatorError::MixedMetricKinds { indicator: ind.id.clone(), metric: m.clone() });
                }
                Some(_) => {}
            },
        }
    }
    errors
}

/// The shipped indicator definitions (`data/indicators.toml`).
pub const INDICATORS_TOML: &str = include_str!("../../../data/indicators.toml");

static SHIPPED: LazyLock<Result<Vec<Indicator>, IndicatorErrors>> = LazyLock::new(|| parse_indicators(INDICATORS_TOML));

/// Parses the shipped indicators (once). Fails only if the shipped file is broken, which the
/// test suite rules out.
pub fn shipped_indicators() -> Result<Vec<Indicator>, IndicatorErrors> {
    SHIPPED.clone()
}

/// The shipped indicator with this id.
pub fn shipped_indicator(id: &str) -> Option<Indicator> {
    SHIPPED.as_ref().ok()?.iter().find(|i| i.id == id).cloned()
}

impl fmt::Display for Level {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Level::National => "toàn quốc",
            Level::Province => "tỉnh",
            Level::District => "huyện",
            Level::Commune => "xã",
            Level::Village => "thôn",
        })
    }
}

#[cfg(test)]
#[expect(clippy::panic, reason = "a test fails loudly, naming what it missed")]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn n(s: &str) -> Number {
        Number::parse(s).unwrap_or(Number::ZERO)
    }

    fn shipped() -> Vec<Indicator> {
        shipped_indicators().unwrap_or_default()
    }

    fn find(id: &str) -> Indicator {
        shipped_indicator(id).unwrap_or_else(|| panic!("no indicator {id}"))
    }

    #[test]
    fn shipped_indicators_parse_and_every_computed_one_uses_known_metrics() {
        let list = shipped_indicators().unwrap_or_else(|e| panic!("{e}"));
        assert!(list.len() >= 25, "{}", list.len());
        for ind in list.iter().filter(|i| i.kind == IndicatorKind::Computed) {
            for m in ind.numerator.iter().chain(&ind.denominator) {
                assert!(metric(m).is_some(), "{}: {m}", ind.id);
            }
        }
    }

    #[test]
    fn the_fixed_computed_ids_are_defined_as_agreed() {
        let expect: &[(&str, &[&str], &[&str], i64)] = &[
            ("gdht_rate", &["rec_gdht"], &["households"], 100),
            ("dhht_rate", &["rec_dhht"], &["clans"], 100),
            ("cdht_thon_rate", &["rec_cdht_thon"], &["villages"], 100),
            ("dvht_rate", &["rec_dvht"], &["organisations"], 100),
            ("cdht_rate", &["rec_cdht"], &["citizens"], 100),
            ("cdht_workers_rate", &["rec_cdht_n1", "rec_cdht_n2"], &["citizens_n1", "citizens_n2"], 100),
            ("cdht_officials_rate", &["rec_cdht_n3"], &["citizens_n3"], 100),
            ("cdht_xa_rate", &["rec_cdht_xa"], &["communes"], 100),
            ("cdht_xa_md2_rate", &["rec_cdht_xa_md2"], &["communes"], 100),
            ("ttht_it_rate", &["learning_centres_it"], &["learning_centres"], 100),
            ("ttht_hkh_chair_rate", &["learning_centres_hkh_chair"], &["learning_centres"], 100),
            ("hkh_membership_rate", &["association_members"], &["citizens"], 100),
            ("fund_per_capita", &["fund_receipts"], &["citizens"], 1),
        ];
        for (id, num, den, factor) in expect {
            let ind = find(id);
            assert_eq!(ind.kind, IndicatorKind::Computed, "{id}");
            assert_eq!(ind.numerator, num.iter().map(ToString::to_string).collect::<Vec<_>>(), "{id}");
            assert_eq!(ind.denominator, den.iter().map(ToString::to_string).collect::<Vec<_>>(), "{id}");
            assert_eq!(ind.factor, Number::integer(*factor), "{id}");
            assert_eq!(ind.aggregation(), Aggregation::WeightedMean, "{id}");
        }
        assert_eq!(find("fund_per_capita").unit, "đồng/người");
    }

    #[test]
    fn a_figure_sums_its_metrics_once_for_every_screen() {
        let m: BTreeMap<String, i64> =
            [("association_members", 1), ("citizens", 3), ("fund_receipts", 250_000)].map(|(k, v)| (k.to_string(), v)).into();
        let rate = find("hkh_membership_rate").figure(&m);
        assert_eq!((rate.num, rate.den), (1, 3));
        assert_eq!(rate.value.map(|v| v.rounded_hundredths()), Some(3333));
        let fund = find("fund_per_capita").figure(&m);
        assert_eq!(fund.value.map(|v| v.rounded_hundredths()), Some(8_333_333));
        assert_eq!(find("hkh_membership_rate").figure(&BTreeMap::new()).value, None, "no population, no rate");
        assert_eq!(find("hkh_briefed_rate").figure(&m).value, None, "a reported indicator is typed in");
    }

    #[test]
    fn value_is_exact_and_none_without_a_denominator_count() {
        let gdht = find("gdht_rate");
        assert_eq!(gdht.value(7, 10), Some(Number::integer(70)));
        assert_eq!(gdht.value(2, 3).map(|v| v.to_string()), Some("≈66,67".to_string()));
        assert_eq!(gdht.value(5, 0), None);
        let fund = find("fund_per_capita");
        assert_eq!(fund.value(8_000_000, 100), Some(Number::integer(80_000)));
        assert_eq!(fund.format(Number::integer(80_000)), "80000 đồng/người");
        assert_eq!(gdht.format(n("68.5")), "68,5%");
    }

    #[test]
    fn lights_turn_amber_from_four_fifths_of_the_target() {
        let gdht = find("gdht_rate");
        let t = Some(Number::integer(70));
        assert_eq!(gdht.light(Number::integer(70), t), TrafficLight::Green);
        assert_eq!(gdht.light(Number::integer(56), t), TrafficLight::Amber);
        assert_eq!(gdht.light(n("55.99"), t), TrafficLight::Red);
        assert_eq!(gdht.light(Number::integer(99), None), TrafficLight::NoTarget);
        let lower = Indicator { lower_is_better: true, ..gdht };
        assert_eq!(lower.light(Number::integer(8), Some(Number::integer(8))), TrafficLight::Green);
        assert_eq!(lower.light(Number::integer(10), Some(Number::integer(8))), TrafficLight::Amber);
        assert_eq!(lower.light(n("10.01"), Some(Number::integer(8))), TrafficLight::Red);
    }

    #[test]
    fn a_bad_file_is_refused_with_every_problem_in_vietnamese() {
        let text = r#"
[[indicator]]
id = "x_rate"
name = "X"
unit = "%"
kind = "computed"
numerator = ["rec_gdht", "fund_receipts"]
denominator = ["nobody"]
factor = 0
levels = ["commune"]
source = "KH 1"
confidence = "guessed"

[[indicator]]
id = "x_rate"
name = "Y"
unit = "%"
kind = "reported"
numerator = ["households"]
factor = 100
levels = []
source = " "
confidence = "guessed"
"#;
        let Err(IndicatorErrors(errors)) = parse_indicators(text) else { panic!("accepted") };
        let msgs: Vec<String> = errors.iter().map(ToString::to_string).collect();
        assert!(errors.contains(&IndicatorError::DuplicateId("x_rate".into())), "{msgs:?}");
        assert!(errors.iter().any(|e| matches!(e, IndicatorError::UnknownMetric { metric, .. } if metric == "nobody")));
        assert!(errors.iter().any(|e| matches!(e, IndicatorError::MixedMetricKinds { .. })));
        assert!(errors.iter().any(|e| matches!(e, IndicatorError::FactorNotPositive { .. })));
        assert!(errors.iter().any(|e| matches!(e, IndicatorError::ReportedWithMetrics { .. })));
        assert!(errors.iter().any(|e| matches!(e, IndicatorError::Empty { field: "levels", .. })));
        assert!(errors.iter().any(|e| matches!(e, IndicatorError::Empty { field: "source", .. })));
        assert!(msgs.iter().any(|m| m.contains("không có số liệu mã \"nobody\"")), "{msgs:?}");
    }

    #[test]
    fn a_misspelt_field_names_its_path() {
        let text = "[[indicator]]\nid = \"a\"\nnmae = \"A\"\n";
        let Err(IndicatorErrors(errors)) = parse_indicators(text) else { panic!("accepted") };
        let [IndicatorError::Read(e)] = errors.as_slice() else { panic!("{errors:?}") };
        assert!(e.reason.contains("nmae"), "{e}");
    }

    #[test]
    fn reported_indicators_have_no_metrics_and_every_id_is_snake_case() {
        for ind in shipped() {
            assert!(is_snake_id(&ind.id), "{}", ind.id);
            if ind.kind == IndicatorKind::Reported {
                assert!(ind.numerator.is_empty() && ind.denominator.is_empty(), "{}", ind.id);
            }
        }
    }

    proptest! {
        /// A rate is green exactly when num × 100 ≥ target × den, whatever the numbers.
        #[test]
        fn rate_light_matches_cross_multiplication(num in 0i64..1_000_000, den in 1i64..1_000_000, target in 0i64..=100) {
            let gdht = find("gdht_rate");
            let value = gdht.value(num, den).unwrap_or(Number::ZERO);
            let green = gdht.light(value, Some(Number::integer(target))) == TrafficLight::Green;
            prop_assert_eq!(green, i128::from(num) * 100 >= i128::from(target) * i128::from(den));
        }
    }
}
