//! Splitting a target among child units (phân bổ chỉ tiêu) and checking a split.
//!
//! Counts and amounts ([`Aggregation::Sum`]) are split so that the children's values add up
//! to the parent's exactly: shares proportional to the weights, rounded by the largest
//! remainder at the precision of the parent's value (whole numbers for a whole target). Rates
//! ([`Aggregation::WeightedMean`]) are split so that the children's mean, weighted by their
//! denominators (population, households…), equals the parent's: `Equal` and `ByWeight` give
//! every child the parent's rate; `Manual` values are accepted only if their weighted mean is
//! exactly the parent's. Children whose weights are all 0 count equally.

use crate::criteria::{ArithmeticError, Number};
use crate::indicator::{Aggregation, Indicator, Level};

use super::{Target, UnitRef};

/// How to split.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SplitMethod {
    /// Chia đều: counts in equal shares, rates unchanged.
    Equal,
    /// Theo quy mô: counts in proportion to the weights, rates unchanged.
    ByWeight,
    /// Giao cụ thể: one value per child, in the order of the children, checked.
    Manual(Vec<Number>),
}

/// Why a split was refused; the messages are Vietnamese.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SplitError {
    #[error("không có đơn vị cấp dưới để phân bổ")]
    NoChildren,
    #[error("có {children} đơn vị cấp dưới nhưng {values} giá trị")]
    WrongCount { children: usize, values: usize },
    #[error("trọng số của {unit} là số âm")]
    NegativeWeight { unit: String },
    #[error("các đơn vị cấp dưới đều có trọng số 0, không phân bổ theo quy mô được")]
    NoWeight,
    #[error("chỉ tiêu của {unit} là số âm")]
    NegativeValue { unit: String },
    /// The children's total (counts) or weighted mean (rates) differs from the parent's.
    #[error("{0}")]
    Mismatch(Box<SplitGap>),
    #[error("số quá lớn để phân bổ")]
    Overflow,
}

/// How far a split is from its parent, with every value already formatted with its unit.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{what} chỉ tiêu các {children_level} là {children}, chỉ tiêu của {parent_level} là {parent} ({gap_word} {gap})")]
pub struct SplitGap {
    /// "tổng" (counts) or "bình quân (theo quy mô)" (rates).
    pub what: &'static str,
    pub children_level: String,
    pub children: String,
    pub parent_level: String,
    pub parent: String,
    /// "thiếu" or "thừa".
    pub gap_word: &'static str,
    pub gap: String,
}

impl From<ArithmeticError> for SplitError {
    fn from(_: ArithmeticError) -> SplitError {
        SplitError::Overflow
    }
}

fn child_target(parent: &Target, indicator: &Indicator, unit: &UnitRef, value: Number) -> Target {
    Target {
        indicator: parent.indicator.clone(),
        unit: unit.clone(),
        year: parent.year,
        value,
        text: format!("Phân bổ từ chỉ tiêu {} của {}", indicator.format(parent.value), parent.unit),
        confidence: parent.confidence,
        stated_in: None,
        note: None,
    }
}

fn check_inputs(parent: &Target, children: &[(UnitRef, i64)]) -> Result<(), SplitError> {
    if children.is_empty() {
        return Err(SplitError::NoChildren);
    }
    if let Some((u, _)) = children.iter().find(|(_, w)| *w < 0) {
        return Err(SplitError::NegativeWeight { unit: u.to_string() });
    }
    if parent.value.is_negative() {
        return Err(SplitError::NegativeValue { unit: parent.unit.to_string() });
    }
    Ok(())
}

/// Splits `parent` among `children` (unit, weight: population or the indicator's denominator).
/// Every result passes [`check_split`] with the same children.
pub fn split(indicator: &Indicator, parent: &Target, children: &[(UnitRef, i64)], method: &SplitMethod) -> Result<Vec<Target>, SplitError> {
    check_inputs(parent, children)?;
    let values = match (method, indicator.aggregation()) {
        (SplitMethod::Manual(values), _) => {
            check_split(indicator, parent, children, values)?;
            values.clone()
        }
        (SplitMethod::Equal | SplitMethod::ByWeight, Aggregation::WeightedMean) => vec![parent.value; children.len()],
        (SplitMethod::Equal, Aggregation::Sum) => largest_remainder(parent.value, &vec![1; children.len()])?,
        (SplitMethod::ByWeight, Aggregation::Sum) => {
            let weights: Vec<i64> = children.iter().map(|(_, w)| *w).collect();
            if weights.iter().all(|w| *w == 0) {
                return Err(SplitError::NoWeight);
            }
            largest_remainder(parent.value, &weights)?
        }
    };
    Ok(children.iter().zip(values).map(|((u, _), v)| child_target(parent, indicator, u, v)).collect())
}

/// Shares of `total` proportional to `weights` (not all 0, none negative) that add up to
/// `total` exactly, at the precision of `total` (1/denominator): each share is rounded down,
/// and the units left over go to the largest remainders, earlier children first on ties.
fn largest_remainder(total: Number, weights: &[i64]) -> Result<Vec<Number>, SplitError> {
    let (units, scale) = (total.numerator(), total.denominator());
    let sum: i128 = weights.iter().map(|w| i128::from(*w)).sum();
    let mut shares = Vec::with_capacity(weights.len());
    for w in weights {
        let exact = units.checked_mul(i128::from(*w)).ok_or(SplitError::Overflow)?;
        shares.push((exact / sum, exact % sum));
    }
    let given: i128 = shares.iter().map(|(q, _)| q).sum();
    let mut order: Vec<usize> = (0..shares.len()).collect();
    order.sort_by(|a, b| {
        let ra = shares.get(*a).map_or(0, |s| s.1);
        let rb = shares.get(*b).map_or(0, |s| s.1);
        rb.cmp(&ra).then(a.cmp(b))
    });
    let left = usize::try_from(units - given).unwrap_or(0);
    for i in order.into_iter().take(left) {
        if let Some(s) = shares.get_mut(i) {
            s.0 += 1;
        }
    }
    Ok(shares.into_iter().map(|(q, _)| Number::ratio(q, scale).unwrap_or(Number::ZERO)).collect())
}

/// "tỉnh", "huyện", "xã", or "cả nước" for the national level.
fn level_word(level: Level) -> String {
    if level == Level::National { "cả nước".to_string() } else { level.to_string() }
}

/// Checks values proposed for the children (in their order) against the parent: counts must
/// add up to the parent's value, rates must have the parent's weighted mean, exactly. A
/// refusal names the gap in Vietnamese: "tổng chỉ tiêu các xã là 950 người, chỉ tiêu của tỉnh
/// là 1000 người (thiếu 50 người)".
pub fn check_split(indicator: &Indicator, parent: &Target, children: &[(UnitRef, i64)], values: &[Number]) -> Result<(), SplitError> {
    check_inputs(parent, children)?;
    if values.len() != children.len() {
        return Err(SplitError::WrongCount { children: children.len(), values: values.len() });
    }
    if let Some(((u, _), _)) = children.iter().zip(values).find(|(_, v)| v.is_negative()) {
        return Err(SplitError::NegativeValue { unit: u.to_string() });
    }
    let (what, combined) = match indicator.aggregation() {
        Aggregation::Sum => ("tổng", values.iter().try_fold(Number::ZERO, |acc, v| acc.checked_add(*v))?),
        Aggregation::WeightedMean => {
            let all_zero = children.iter().all(|(_, w)| *w == 0);
            let weight = |w: i64| Number::integer(if all_zero { 1 } else { w });
            let mut total = Number::ZERO;
            let mut weighted = Number::ZERO;
            for ((_, w), v) in children.iter().zip(values) {
                total = total.checked_add(weight(*w))?;
                weighted = weighted.checked_add(v.checked_mul(weight(*w))?)?;
            }
            ("bình quân (theo quy mô)", weighted.checked_div(total)?)
        }
    };
    if combined == parent.value {
        return Ok(());
    }
    let child_level = children.first().map_or(Level::Commune, |(u, _)| u.level());
    let gap = combined.checked_sub(parent.value)?;
    let (gap_word, gap) = if gap.is_negative() { ("thiếu", gap.checked_neg()?) } else { ("thừa", gap) };
    Err(SplitError::Mismatch(Box::new(SplitGap {
        what,
        children_level: level_word(child_level),
        children: indicator.format(combined),
        parent_level: level_word(parent.unit.level()),
        parent: indicator.format(parent.value),
        gap_word,
        gap: indicator.format(gap),
    })))
}
