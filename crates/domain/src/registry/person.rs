//! People and records in the registries: sex, full names, record codes, and age.

use jiff::civil::Date;
use serde::{Deserialize, Serialize};
use std::fmt;
use unicode_normalization::char::is_combining_mark;

/// Sex as the CCCD and the household register record it (giới tính).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Sex {
    Nam,
    Nu,
}

impl Sex {
    pub const ALL: [Sex; 2] = [Self::Nam, Self::Nu];

    /// Reads "Nam"/"Nữ" as people type them (with or without diacritics, any case) and the
    /// English "M"/"F"/"male"/"female" that exported forms use.
    pub fn parse(raw: &str) -> Option<Self> {
        match raw {
            "Nam" => return Some(Self::Nam),
            "Nữ" => return Some(Self::Nu),
            _ => {}
        }
        match crate::text::fold(raw).as_str() {
            "nam" | "nam gioi" | "m" | "male" => Some(Self::Nam),
            "nu" | "nu gioi" | "f" | "female" => Some(Self::Nu),
            _ => None,
        }
    }

    /// "Nam" or "Nữ".
    pub fn label(self) -> &'static str {
        match self {
            Self::Nam => "Nam",
            Self::Nu => "Nữ",
        }
    }

    /// The stored code: "nam" or "nu" (the same as the serde form).
    pub fn code(self) -> &'static str {
        match self {
            Self::Nam => "nam",
            Self::Nu => "nu",
        }
    }
}

impl fmt::Display for Sex {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.label())
    }
}

/// A person's full name (họ và tên): NFC, trimmed, single spaces, 2–100 characters of
/// letters of any script, spaces, apostrophes (H'Hen Niê), hyphens and dots.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct FullName(String);

/// Why a full name was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FullNameError {
    #[error("họ và tên không được để trống")]
    Empty,
    #[error("họ và tên quá ngắn ({0} ký tự); cần ít nhất 2 ký tự")]
    TooShort(usize),
    #[error("họ và tên dài {0} ký tự; tối đa 100")]
    TooLong(usize),
    #[error(
        "họ và tên có ký tự không hợp lệ {}: chỉ dùng chữ cái, dấu cách, dấu nháy ('), gạch nối (-) và dấu chấm (.)",
        describe_char(*.0)
    )]
    InvalidChar(char),
    #[error("họ và tên phải có ít nhất một chữ cái")]
    NoLetter,
}

impl FullName {
    pub fn parse(raw: &str) -> Result<Self, FullNameError> {
        // Phones and word processors turn the apostrophe of H'Mông and Ê Đê names into a
        // typographic one; store the plain one so that search and duplicates agree.
        let cleaned = crate::text::clean(raw);
        let s: String = if cleaned.contains(['\u{2019}', '\u{2018}', '\u{02BC}']) {
            cleaned.chars().map(|c| if matches!(c, '\u{2019}' | '\u{2018}' | '\u{02BC}') { '\'' } else { c }).collect()
        } else {
            cleaned
        };
        if s.is_empty() {
            return Err(FullNameError::Empty);
        }
        if let Some(bad) = s.chars().find(|&c| !(c.is_alphabetic() || is_combining_mark(c) || matches!(c, ' ' | '\'' | '-' | '.'))) {
            return Err(FullNameError::InvalidChar(bad));
        }
        if !s.chars().any(char::is_alphabetic) {
            return Err(FullNameError::NoLetter);
        }
        let n = s.chars().count();
        if n < 2 {
            return Err(FullNameError::TooShort(n));
        }
        if n > 100 {
            return Err(FullNameError::TooLong(n));
        }
        Ok(Self(s))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The search key (lower case, no diacritics): "nguyen van an".
    pub fn folded(&self) -> String {
        crate::text::fold(&self.0)
    }
}

impl AsRef<str> for FullName {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for FullName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl TryFrom<String> for FullName {
    type Error = FullNameError;
    fn try_from(s: String) -> Result<Self, Self::Error> {
        Self::parse(&s)
    }
}

impl From<FullName> for String {
    fn from(n: FullName) -> String {
        n.0
    }
}

/// A stable code that a unit gives to a household, clan, organisation, learning centre or
/// association branch (`HG-01`, `CLB/2024.3`): 1–40 characters of ASCII letters, digits and
/// `- _ . /`, stored upper-cased so that `hg-01` and `HG-01` are the same record.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct RecordCode(String);

/// Why a record code was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RecordCodeError {
    #[error("mã không được để trống")]
    Empty,
    #[error("mã dài {0} ký tự; tối đa 40")]
    TooLong(usize),
    #[error(
        "mã có ký tự không hợp lệ {}: chỉ dùng chữ cái không dấu A–Z, chữ số và các dấu - _ . /",
        describe_char(*.0)
    )]
    InvalidChar(char),
}

impl RecordCode {
    pub fn parse(raw: &str) -> Result<Self, RecordCodeError> {
        let s = raw.trim();
        if s.is_empty() {
            return Err(RecordCodeError::Empty);
        }
        if let Some(bad) = s.chars().find(|&c| !(c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.' | '/'))) {
            return Err(RecordCodeError::InvalidChar(bad));
        }
        // Only ASCII is left, so bytes and characters count the same.
        if s.len() > 40 {
            return Err(RecordCodeError::TooLong(s.len()));
        }
        Ok(Self(s.to_ascii_uppercase()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl AsRef<str> for RecordCode {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for RecordCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl TryFrom<String> for RecordCode {
    type Error = RecordCodeError;
    fn try_from(s: String) -> Result<Self, Self::Error> {
        Self::parse(&s)
    }
}

impl From<RecordCode> for String {
    fn from(c: RecordCode) -> String {
        c.0
    }
}

/// Names a character in an error message so that an invisible one can still be found.
fn describe_char(c: char) -> String {
    if c.is_whitespace() {
        "(dấu cách)".to_string()
    } else if c.is_control() {
        format!("(ký tự điều khiển U+{:04X})", u32::from(c))
    } else {
        format!("\"{c}\"")
    }
}

/// Age in completed years on a date (tuổi tròn). Someone born on 29/02 turns a year older
/// on 01/03 in common years. Negative when `on` is before `birth`.
pub fn age_on(birth: Date, on: Date) -> i16 {
    let years = on.year() - birth.year();
    if (on.month(), on.day()) < (birth.month(), birth.day()) { years - 1 } else { years }
}

/// Whether someone is an adult (đủ 18 tuổi) on a date.
pub fn is_adult(birth: Date, on: Date) -> bool {
    age_on(birth, on) >= 18
}

#[cfg(test)]
mod tests {
    use super::*;
    use jiff::civil::date;
    use proptest::prelude::*;

    #[test]
    fn sex_is_read_in_vietnamese_and_english() {
        for raw in ["Nam", "nam", "NAM", " Nam ", "M", "m", "male", "Male", "nam giới"] {
            assert_eq!(Sex::parse(raw), Some(Sex::Nam), "{raw:?}");
        }
        for raw in ["Nữ", "nu", "NỮ", "Nu", "F", "female", "FEMALE", "nữ giới"] {
            assert_eq!(Sex::parse(raw), Some(Sex::Nu), "{raw:?}");
        }
        for raw in ["", "x", "1", "0", "nam nữ", "khác"] {
            assert_eq!(Sex::parse(raw), None, "{raw:?}");
        }
    }

    #[test]
    fn sex_labels_codes_and_serde_agree() {
        for sex in Sex::ALL {
            assert_eq!(Sex::parse(sex.label()), Some(sex));
            assert_eq!(Sex::parse(sex.code()), Some(sex));
            assert_eq!(serde_json::to_string(&sex).ok(), Some(format!("\"{}\"", sex.code())));
        }
        assert_eq!(Sex::Nu.label(), "Nữ");
        assert_eq!(Sex::Nu.to_string(), "Nữ");
        assert_eq!(serde_json::from_str::<Sex>("\"nu\"").ok(), Some(Sex::Nu));
    }

    #[test]
    fn full_names_are_cleaned_and_keep_every_script() {
        let nfd: String = unicode_normalization::UnicodeNormalization::nfd("Nguyễn Thị Ánh").collect();
        for (raw, stored) in [
            ("  Nguyễn   Văn An ", "Nguyễn Văn An"),
            (nfd.as_str(), "Nguyễn Thị Ánh"),
            ("H'Hen Niê", "H'Hen Niê"),
            ("H\u{2019}Hen Niê", "H'Hen Niê"),
            ("Y-Moan Ênuôl", "Y-Moan Ênuôl"),
            ("Trần T. Bình", "Trần T. Bình"),
            ("李小龙", "李小龙"),
            ("Lò Văn Páo", "Lò Văn Páo"),
            ("Ân", "Ân"),
        ] {
            assert_eq!(FullName::parse(raw).map(String::from), Ok(stored.to_string()), "{raw:?}");
        }
    }

    #[test]
    fn full_names_refuse_digits_symbols_and_odd_lengths() {
        assert_eq!(FullName::parse("   "), Err(FullNameError::Empty));
        assert_eq!(FullName::parse("A"), Err(FullNameError::TooShort(1)));
        assert_eq!(FullName::parse("Nguyễn Văn A1"), Err(FullNameError::InvalidChar('1')));
        assert_eq!(FullName::parse("An@x"), Err(FullNameError::InvalidChar('@')));
        assert_eq!(FullName::parse("--"), Err(FullNameError::NoLetter));
        assert_eq!(FullName::parse(&"a".repeat(101)), Err(FullNameError::TooLong(101)));
        assert!(FullName::parse(&"ă".repeat(100)).is_ok());
        assert_eq!(
            FullName::parse("Lê Văn 2").map_err(|e| e.to_string()),
            Err("họ và tên có ký tự không hợp lệ \"2\": chỉ dùng chữ cái, dấu cách, dấu nháy ('), gạch nối (-) và dấu chấm (.)".to_string())
        );
    }

    #[test]
    fn full_names_fold_for_search_and_serialise_as_strings() {
        let name = FullName::parse("Đặng Thị Hồng");
        assert_eq!(name.as_ref().map(FullName::folded), Ok("dang thi hong".to_string()));
        assert_eq!(name.as_ref().ok().and_then(|n| serde_json::to_string(n).ok()), Some("\"Đặng Thị Hồng\"".to_string()));
        assert!(serde_json::from_str::<FullName>("\"X1\"").is_err());
    }

    #[test]
    fn record_codes_are_trimmed_and_upper_cased() {
        assert_eq!(RecordCode::parse(" hg-01 ").map(String::from), Ok("HG-01".to_string()));
        assert_eq!(RecordCode::parse("clb/2024.3_a").map(String::from), Ok("CLB/2024.3_A".to_string()));
        assert_eq!(RecordCode::parse(&"A".repeat(40)).map(|c| c.as_str().len()), Ok(40));
        assert_eq!(RecordCode::parse(&"A".repeat(41)), Err(RecordCodeError::TooLong(41)));
        assert_eq!(RecordCode::parse(""), Err(RecordCodeError::Empty));
        assert_eq!(RecordCode::parse("HG 01"), Err(RecordCodeError::InvalidChar(' ')));
        assert_eq!(RecordCode::parse("HỘ-01"), Err(RecordCodeError::InvalidChar('Ộ')));
        assert_eq!(
            RecordCode::parse("HG 01").map_err(|e| e.to_string()),
            Err("mã có ký tự không hợp lệ (dấu cách): chỉ dùng chữ cái không dấu A–Z, chữ số và các dấu - _ . /".to_string())
        );
    }

    #[test]
    fn age_counts_completed_years() {
        let birth = date(2008, 3, 12);
        assert_eq!(age_on(birth, date(2026, 3, 11)), 17);
        assert_eq!(age_on(birth, date(2026, 3, 12)), 18);
        assert!(!is_adult(birth, date(2026, 3, 11)));
        assert!(is_adult(birth, date(2026, 3, 12)));
        assert_eq!(age_on(birth, birth), 0);
        assert_eq!(age_on(birth, date(2008, 3, 11)), -1);
    }

    #[test]
    fn a_leap_day_birthday_comes_on_the_first_of_march_in_common_years() {
        let birth = date(2008, 2, 29);
        assert_eq!(age_on(birth, date(2026, 2, 28)), 17);
        assert_eq!(age_on(birth, date(2026, 3, 1)), 18);
        assert_eq!(age_on(birth, date(2028, 2, 29)), 20);
    }

    proptest! {
        #[test]
        fn age_grows_by_one_each_year(y in 1900i16..2100, m in 1i8..=12, d in 1i8..=28, later in 0i16..120) {
            let birth = date(y, m, d);
            prop_assert_eq!(age_on(birth, date(y + later, m, d)), later);
            if let Ok(eve) = date(y + later, m, d).yesterday() {
                prop_assert_eq!(age_on(birth, eve), later - 1);
            }
        }
    }
}
