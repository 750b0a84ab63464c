//! Where a variable's value comes from when the registries hold it (nguồn số liệu): the
//! self-assessment form pre-fills such variables and says how each was counted, so an officer
//! checks a number instead of counting households by hand.
//!
//! One compact text form serves the TOML files and the XLSX round-trip alike:
//! `count[:set,set…[@level,level…]]`, e.g. `households`, `adults:cdht-congdan`,
//! `communes:cdht-xa,cdht-xa-tt44@md2`.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use super::model::SubjectKind;

/// What is counted among a subject's members.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Counted {
    /// Hộ gia đình of the village, clan or unit.
    Households,
    /// Người lớn: citizens aged 18 or more on 31/12 of the year.
    Adults,
    /// Công dân thuộc diện đánh giá CDHT: citizens with an occupation group (N1–N4).
    AssessedCitizens,
    /// Xã, phường, đặc khu under a district or province on 31/12 of the year.
    Communes,
    /// Cán bộ, người lao động of an organisation (its registered staff count).
    Staff,
}

impl Counted {
    pub const ALL: [Counted; 5] = [Self::Households, Self::Adults, Self::AssessedCitizens, Self::Communes, Self::Staff];

    pub fn code(self) -> &'static str {
        match self {
            Self::Households => "households",
            Self::Adults => "adults",
            Self::AssessedCitizens => "assessed_citizens",
            Self::Communes => "communes",
            Self::Staff => "staff",
        }
    }

    /// Plural noun for sentences ("số hộ gia đình").
    pub fn noun(self) -> &'static str {
        match self {
            Self::Households => "hộ gia đình",
            Self::Adults => "người từ đủ 18 tuổi",
            Self::AssessedCitizens => "công dân thuộc nhóm N1–N4",
            Self::Communes => "xã, phường, đặc khu trực thuộc",
            Self::Staff => "cán bộ, người lao động",
        }
    }

    /// Whether a subject of this kind has members of this sort.
    pub fn applies_to(self, subject: SubjectKind) -> bool {
        use SubjectKind as S;
        match self {
            Self::Households => matches!(subject, S::Village | S::Clan | S::Commune | S::District | S::Province),
            Self::Adults | Self::AssessedCitizens => {
                matches!(subject, S::Household | S::Village | S::Clan | S::Commune | S::District | S::Province)
            }
            Self::Communes => matches!(subject, S::District | S::Province),
            Self::Staff => subject == S::Organisation,
        }
    }

    /// The kind of subject whose recognitions can be counted.
    pub fn recognised_subject(self) -> Option<SubjectKind> {
        match self {
            Self::Households => Some(SubjectKind::Household),
            Self::Adults | Self::AssessedCitizens => Some(SubjectKind::Citizen),
            Self::Communes => Some(SubjectKind::Commune),
            Self::Staff => None,
        }
    }
}

/// A variable's registry source: what to count and, optionally, only those holding a
/// recognition from one of some criteria sets (at some levels) in force during the year.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct DataSource {
    pub count: Counted,
    /// Ids of the criteria sets whose recognitions count; empty = everyone.
    pub recognised_by: Vec<String>,
    /// Levels (of those sets) that count; empty = any level.
    pub levels: Vec<String>,
}

/// Why a source text was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SourceError {
    #[error("nguồn số liệu \"{0}\" không có: dùng một trong households, adults, assessed_citizens, communes, staff")]
    UnknownCount(String),
    #[error("nguồn số liệu \"{0}\": thiếu mã bộ tiêu chí sau dấu \":\"")]
    MissingSets(String),
    #[error("nguồn số liệu \"{0}\": mã \"{1}\" chỉ gồm chữ thường không dấu, số, \"-\" và \"_\"")]
    BadId(String, String),
    #[error("nguồn số liệu \"{0}\": {1} không có danh hiệu để đếm")]
    NothingRecognised(String, &'static str),
}

fn is_id(s: &str) -> bool {
    !s.is_empty() && s.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-' || b == b'_')
}

impl FromStr for DataSource {
    type Err = SourceError;

    fn from_str(text: &str) -> Result<Self, SourceError> {
        let text = text.trim();
        let (count_text, rest) = match text.split_once(':') {
            Some((c, r)) => (c.trim(), Some(r)),
            None => (text, None),
        };
        let count = Counted::ALL.into_iter().find(|c| c.code() == count_text).ok_or_else(|| SourceError::UnknownCount(text.to_string()))?;
        let list = |s: &str| -> Result<Vec<String>, SourceError> {
            s.split(',')
                .map(str::trim)
                .map(|id| if is_id(id) { Ok(id.to_string()) } else { Err(SourceError::BadId(text.to_string(), id.to_string())) })
                .collect()
        };
        let (recognised_by, levels) = match rest {
            None => (Vec::new(), Vec::new()),
            Some(r) => {
                if count.recognised_subject().is_none() {
                    return Err(SourceError::NothingRecognised(text.to_string(), count.noun()));
                }
                let (sets, levels) = match r.split_once('@') {
                    Some((s, l)) => (s, list(l)?),
                    None => (r, Vec::new()),
                };
                if sets.trim().is_empty() {
                    return Err(SourceError::MissingSets(text.to_string()));
                }
                (list(sets)?, levels)
            }
        };
        Ok(Self { count, recognised_by, levels })
    }
}

impl TryFrom<String> for DataSource {
    type Error = SourceError;
    fn try_from(s: String) -> Result<Self, SourceError> {
        s.parse()
    }
}

impl From<DataSource> for String {
    fn from(s: DataSource) -> String {
        s.to_string()
    }
}

impl fmt::Display for DataSource {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.count.code())?;
        if !self.recognised_by.is_empty() {
            write!(f, ":{}", self.recognised_by.join(","))?;
            if !self.levels.is_empty() {
                write!(f, "@{}", self.levels.join(","))?;
            }
        }
        Ok(())
    }
}

impl DataSource {
    /// How the value is found, in a sentence for the form ("Đếm trong sổ đăng ký: …").
    pub fn describe(&self, year: i16) -> String {
        let mut s = match self.count {
            Counted::Staff => "Số cán bộ, người lao động ghi trong sổ đăng ký cơ quan, đơn vị".to_string(),
            Counted::Communes => format!("Đếm trong danh mục đơn vị hành chính: số {} ngày 31/12/{year}", self.count.noun()),
            Counted::Adults => format!("Đếm trong sổ công dân: số {} tính đến 31/12/{year}", self.count.noun()),
            c => format!("Đếm trong sổ đăng ký: số {}", c.noun()),
        };
        if !self.recognised_by.is_empty() {
            let title = match self.count.recognised_subject() {
                Some(SubjectKind::Household) => "Gia đình học tập",
                Some(SubjectKind::Citizen) => "Công dân học tập",
                _ => "Cộng đồng học tập cấp xã",
            };
            s.push_str(&format!(" có danh hiệu \"{title}\" (bộ tiêu chí {}) còn hiệu lực trong năm {year}", self.recognised_by.join(", ")));
            if !self.levels.is_empty() {
                s.push_str(&format!(" (mức: {})", self.levels.join(", ")));
            }
        }
        s
    }
}

#[cfg(test)]
mod tests {
    #![expect(clippy::unwrap_used, clippy::indexing_slicing, reason = "tests")]
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn parses_the_three_shapes() {
        let s: DataSource = "households".parse().unwrap();
        assert_eq!((s.count, s.recognised_by.len(), s.levels.len()), (Counted::Households, 0, 0));
        let s: DataSource = "adults:cdht-congdan".parse().unwrap();
        assert_eq!(s.recognised_by, ["cdht-congdan"]);
        let s: DataSource = " communes : cdht-xa, cdht-xa-tt44 @ md2 ".parse().unwrap();
        assert_eq!(
            (s.recognised_by.clone(), s.levels.clone()),
            (vec!["cdht-xa".to_string(), "cdht-xa-tt44".into()], vec!["md2".to_string()])
        );
        assert_eq!(s.to_string(), "communes:cdht-xa,cdht-xa-tt44@md2");
    }

    #[test]
    fn refuses_with_the_reason() {
        assert!(matches!("ho".parse::<DataSource>(), Err(SourceError::UnknownCount(_))));
        assert!(matches!("households:".parse::<DataSource>(), Err(SourceError::MissingSets(_))));
        assert!(matches!("households:GĐHT".parse::<DataSource>(), Err(SourceError::BadId(_, _))));
        assert!(matches!("staff:dvht-tt24".parse::<DataSource>(), Err(SourceError::NothingRecognised(_, _))));
        assert!("households:gdht@".parse::<DataSource>().is_err());
    }

    #[test]
    fn applies_only_where_members_exist() {
        assert!(Counted::Households.applies_to(SubjectKind::Village));
        assert!(!Counted::Households.applies_to(SubjectKind::Household));
        assert!(Counted::Adults.applies_to(SubjectKind::Household));
        assert!(!Counted::Communes.applies_to(SubjectKind::Commune));
        assert!(Counted::Staff.applies_to(SubjectKind::Organisation));
    }

    #[test]
    fn describes_in_vietnamese() {
        let s: DataSource = "households:gdht".parse().unwrap();
        assert_eq!(
            s.describe(2026),
            "Đếm trong sổ đăng ký: số hộ gia đình có danh hiệu \"Gia đình học tập\" (bộ tiêu chí gdht) còn hiệu lực trong năm 2026"
        );
    }

    proptest! {
        #[test]
        fn text_form_round_trips(c in 0usize..4, sets in proptest::collection::vec("[a-z][a-z0-9-]{0,8}", 0..3), levels in proptest::collection::vec("[a-z][a-z0-9_]{0,5}", 0..3)) {
            let count = [Counted::Households, Counted::Adults, Counted::AssessedCitizens, Counted::Communes][c];
            let levels = if sets.is_empty() { Vec::new() } else { levels };
            let s = DataSource { count, recognised_by: sets, levels };
            prop_assert_eq!(s.to_string().parse::<DataSource>().unwrap(), s);
        }
    }
}
