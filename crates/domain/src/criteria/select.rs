//! Choosing the set in force for a subject on a date.

use jiff::civil::Date;

use super::engine::vn_date;
use super::model::{CriteriaSet, ManagingLevel, SubjectKind};
use crate::area::AreaAttribute;

/// What the caller knows about the subject being assessed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Selection<'a> {
    pub subject: SubjectKind,
    /// The evaluation date (for a yearly assessment: the last day of the evaluated year).
    pub on: Date,
    /// Province code (GSO, 2 digits) of the subject, to prefer a provincial variant.
    pub province: Option<&'a str>,
    /// For organisations: the level that manages the unit.
    pub managed_by: Option<ManagingLevel>,
    /// Area attributes of the subject.
    pub area: &'a [AreaAttribute],
}

impl<'a> Selection<'a> {
    pub fn new(subject: SubjectKind, on: Date) -> Selection<'a> {
        Selection { subject, on, province: None, managed_by: None, area: &[] }
    }

    pub fn province(mut self, code: &'a str) -> Selection<'a> {
        self.province = Some(code);
        self
    }

    pub fn managed_by(mut self, level: ManagingLevel) -> Selection<'a> {
        self.managed_by = Some(level);
        self
    }

    pub fn area(mut self, area: &'a [AreaAttribute]) -> Selection<'a> {
        self.area = area;
        self
    }
}

/// Why no single set could be chosen.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SelectError {
    #[error("không có bộ tiêu chí nào cho {subject} có hiệu lực ngày {date}")]
    NotFound { subject: String, date: String },
    #[error("có nhiều bộ tiêu chí cùng áp dụng cho {subject} ngày {date}: {}; cần chỉ rõ cấp quản lý hoặc tỉnh", .ids.join(", "))]
    Ambiguous { subject: String, date: String, ids: Vec<String> },
}

/// The set in force for `sel` (emulation criteria never are: they recognise nobody): right subject kind, in force on the date, applicable to the
/// province, managing level and area. A set superseded by another candidate drops out; a
/// provincial variant beats a national set; a remaining tie is an error rather than a silent pick.
pub fn select_applicable<'s>(sets: &'s [CriteriaSet], sel: &Selection<'_>) -> Result<&'s CriteriaSet, SelectError> {
    let candidates: Vec<&CriteriaSet> = sets
        .iter()
        .filter(|s| s.subject == sel.subject && s.in_force_on(sel.on) && s.emulation.is_none())
        .filter(|s| {
            let a = &s.applicability;
            let province_ok = a.jurisdictions.is_empty() || sel.province.is_some_and(|p| a.jurisdictions.iter().any(|j| j == p));
            let managed_ok = a.managed_by.is_empty() || sel.managed_by.is_none_or(|m| a.managed_by.contains(&m));
            let area_ok = a.area_any.is_empty() || a.area_any.iter().any(|x| sel.area.contains(x));
            province_ok && managed_ok && area_ok
        })
        .collect();
    // A set that another candidate supersedes drops out (overlapping versions of one lineage).
    let candidates: Vec<&CriteriaSet> =
        candidates.iter().filter(|s| !candidates.iter().any(|o| o.supersedes.iter().any(|id| id == &s.id))).copied().collect();
    let rank = |s: &CriteriaSet| !s.applicability.jurisdictions.is_empty();
    let Some(best) = candidates.iter().map(|s| rank(s)).max() else {
        return Err(SelectError::NotFound { subject: sel.subject.label().to_string(), date: vn_date(sel.on) });
    };
    let top: Vec<&CriteriaSet> = candidates.into_iter().filter(|s| rank(s) == best).collect();
    match top.as_slice() {
        [one] => Ok(one),
        _ => Err(SelectError::Ambiguous {
            subject: sel.subject.label().to_string(),
            date: vn_date(sel.on),
            ids: top.iter().map(|s| s.id.clone()).collect(),
        }),
    }
}
