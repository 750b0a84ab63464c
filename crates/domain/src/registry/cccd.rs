//! The Căn cước công dân number (số định danh cá nhân): 12 digits that encode where the
//! birth was registered, the century and sex, and the year of birth (TT 07/2016/TT-BCA,
//! amended by TT 59/2021/TT-BCA).
//!
//! ```text
//! 0 0 1  0  9 0  0 1 2 3 4 5
//! └─┬─┘  │  └┬┘  └────┬────┘
//!   │    │   │        └ serial
//!   │    │   └ last two digits of the birth year
//!   │    └ century and sex: 0/1 1900s, 2/3 2000s, 4/5 2100s, 6/7 2200s, 8/9 1800s (even = Nam)
//!   └ province where the birth was registered (BIRTH_PROVINCES)
//! ```
//!
//! A CCCD is personal data (Nghị định 13/2023/NĐ-CP): `Debug` shows it masked, so it does
//! not leak into logs; `Display` and `AsRef` give the full number for storage and forms.

use super::person::Sex;
use super::reference::birth_province_name;
use crate::date::format_vn;
use jiff::civil::Date;
use serde::{Deserialize, Serialize};
use std::fmt;

/// A valid 12-digit CCCD number.
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Cccd(String);

/// Why a CCCD was refused, or disagrees with the record it is on.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CccdError {
    #[error("CCCD không được để trống")]
    Empty,
    #[error("CCCD phải có 12 chữ số, đang có {0}")]
    WrongLength(usize),
    #[error("CCCD chỉ gồm chữ số; có ký tự \"{0}\"")]
    NotDigit(char),
    #[error("mã nơi đăng ký khai sinh {0} (3 chữ số đầu của CCCD) không có trong danh mục")]
    UnknownProvince(String),
    #[error(
        "CCCD cho biết năm sinh {cccd_year} (chữ số 4–6: {digits}), nhưng ngày sinh là {}",
        format_vn(*.birth)
    )]
    BirthYearMismatch { cccd_year: i16, digits: String, birth: Date },
    #[error(
        "CCCD cho biết giới tính {} (chữ số thứ 4: {digit}), nhưng giới tính khai là {}",
        .cccd_sex.label(),
        .declared.label()
    )]
    SexMismatch { cccd_sex: Sex, digit: char, declared: Sex },
    #[error(
        "CCCD \"{0}\" đã bị Excel làm tròn thành số dạng khoa học, các chữ số cuối đã mất; \
         hãy định dạng cột CCCD là Văn bản (Text) và nhập lại đủ 12 chữ số"
    )]
    RoundedByExcel(String),
}

impl Cccd {
    /// Reads a CCCD typed by a person: spaces and dots between digit groups are ignored
    /// (`001 090 012 345`, `001.090.012.345`).
    pub fn parse(raw: &str) -> Result<Self, CccdError> {
        let s: String = raw.chars().filter(|c| !c.is_whitespace() && *c != '.').collect();
        if s.is_empty() {
            return Err(CccdError::Empty);
        }
        if let Some(bad) = s.chars().find(|c| !c.is_ascii_digit()) {
            return Err(CccdError::NotDigit(bad));
        }
        if s.len() != 12 {
            return Err(CccdError::WrongLength(s.len()));
        }
        let province = s.get(0..3).unwrap_or_default();
        if birth_province_name(province).is_none() {
            return Err(CccdError::UnknownProvince(province.to_string()));
        }
        Ok(Self(s))
    }

    /// Reads a CCCD from a spreadsheet cell, undoing what spreadsheets do to it. A number
    /// stored as a number lost its leading zeros (`1090012345`, `12345678901.0`): it is
    /// padded back to 12 digits and `true` is returned so the caller can say "đã khôi phục
    /// số 0 đầu". A number shown in scientific notation (`1.23457E+11`) has lost digits for
    /// good and is refused with [`CccdError::RoundedByExcel`]. Anything else goes to
    /// [`Cccd::parse`] and returns `false`.
    pub fn restore(raw: &str) -> Result<(Self, bool), CccdError> {
        let s = raw.trim();
        if is_scientific(s) {
            return Err(CccdError::RoundedByExcel(s.to_string()));
        }
        let integer = strip_zero_fraction(s);
        if (10..=11).contains(&integer.len()) && integer.bytes().all(|b| b.is_ascii_digit()) {
            return Ok((Self::parse(&format!("{integer:0>12}"))?, true));
        }
        if integer.len() == 12 && integer != s && integer.bytes().all(|b| b.is_ascii_digit()) {
            // A full 12-digit number that came through as a float ("101090012345.0").
            return Ok((Self::parse(integer)?, false));
        }
        Ok((Self::parse(s)?, false))
    }

    /// The code of the province where the birth was registered (digits 1–3), e.g. `"001"`.
    pub fn birth_province_code(&self) -> &str {
        self.0.get(0..3).unwrap_or_default()
    }

    /// The name of that province, e.g. `"Hà Nội"`.
    pub fn birth_province_name(&self) -> &'static str {
        birth_province_name(self.birth_province_code()).unwrap_or_default()
    }

    /// Digit 4: even for Nam, odd for Nữ.
    pub fn sex(&self) -> Sex {
        if self.century_digit().is_multiple_of(2) { Sex::Nam } else { Sex::Nu }
    }

    /// The first year of the birth century encoded by digit 4: 1900, 2000, 2100, 2200 or 1800.
    pub fn century_start(&self) -> i16 {
        match self.century_digit() {
            0 | 1 => 1900,
            2 | 3 => 2000,
            4 | 5 => 2100,
            6 | 7 => 2200,
            _ => 1800,
        }
    }

    /// Digit 4 for a birth year and sex (the inverse of `century_start` and `sex`), for
    /// writing numbers: 8/9 1800s, 0/1 1900s, 2/3 2000s, 4/5 2100s, 6/7 2200s; odd for Nữ.
    pub fn century_sex_digit(birth_year: i16, sex: Sex) -> u8 {
        let century = match birth_year / 100 {
            18 => 8,
            19 => 0,
            20 => 2,
            21 => 4,
            _ => 6,
        };
        century + u8::from(sex == Sex::Nu)
    }

    /// Digits 5–6: the last two digits of the birth year.
    pub fn birth_year_suffix(&self) -> u8 {
        self.digit(4) * 10 + self.digit(5)
    }

    /// The birth year the number encodes: century plus suffix.
    pub fn birth_year(&self) -> i16 {
        self.century_start() + i16::from(self.birth_year_suffix())
    }

    /// Checks the number against the birth date and sex recorded beside it.
    pub fn check_against(&self, birth: Date, sex: Sex) -> Result<(), CccdError> {
        if self.birth_year() != birth.year() {
            return Err(CccdError::BirthYearMismatch {
                cccd_year: self.birth_year(),
                digits: self.0.get(3..6).unwrap_or_default().to_string(),
                birth,
            });
        }
        if self.sex() != sex {
            return Err(CccdError::SexMismatch { cccd_sex: self.sex(), digit: char::from(b'0' + self.century_digit()), declared: sex });
        }
        Ok(())
    }

    /// The number with digits 5–10 hidden, for lists and logs: `0010******45`.
    pub fn masked(&self) -> String {
        format!("{}******{}", self.0.get(0..4).unwrap_or_default(), self.0.get(10..12).unwrap_or_default())
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    fn century_digit(&self) -> u8 {
        self.digit(3)
    }

    /// The digit at a 0-based position. `parse` guarantees 12 ASCII digits.
    fn digit(&self, at: usize) -> u8 {
        self.0.as_bytes().get(at).map_or(0, |b| b - b'0')
    }
}

/// Excel's scientific display of a large number: `1.23457E+11`, `1,23457E+11`, `1E+11`.
fn is_scientific(s: &str) -> bool {
    let Some((mantissa, exponent)) = s.split_once(['E', 'e']) else {
        return false;
    };
    let exponent = exponent.strip_prefix('+').unwrap_or(exponent);
    let mut mantissa_digits = mantissa.split([',', '.']);
    let whole_is_digits = mantissa_digits.next().is_some_and(|w| !w.is_empty() && w.bytes().all(|b| b.is_ascii_digit()));
    whole_is_digits
        && mantissa_digits.all(|f| f.bytes().all(|b| b.is_ascii_digit()))
        && !exponent.is_empty()
        && exponent.bytes().all(|b| b.is_ascii_digit())
}

/// `"12345678901.0"` → `"12345678901"`: the decimal part a float export adds to an integer.
fn strip_zero_fraction(s: &str) -> &str {
    match s.rsplit_once(['.', ',']) {
        Some((integer, fraction)) if !fraction.is_empty() && fraction.bytes().all(|b| b == b'0') => integer,
        _ => s,
    }
}

impl fmt::Debug for Cccd {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("Cccd").field(&self.masked()).finish()
    }
}

impl fmt::Display for Cccd {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl AsRef<str> for Cccd {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

impl TryFrom<String> for Cccd {
    type Error = CccdError;
    fn try_from(s: String) -> Result<Self, Self::Error> {
        Self::parse(&s)
    }
}

impl From<Cccd> for String {
    fn from(c: Cccd) -> String {
        c.0
    }
}

#[cfg(test)]
mod tests {
    use super::super::reference::BIRTH_PROVINCES;
    use super::*;
    use jiff::civil::date;
    use proptest::prelude::*;

    fn parsed(raw: &str) -> Option<Cccd> {
        Cccd::parse(raw).ok()
    }

    #[test]
    fn real_looking_numbers_parse_and_decode() {
        for (raw, province, sex, year) in [
            ("001090012345", "001", Sex::Nam, 1990),
            ("079185000123", "079", Sex::Nu, 1985),
            ("036303004567", "036", Sex::Nu, 2003),
            ("096212000001", "096", Sex::Nam, 2012),
            ("002200000999", "002", Sex::Nam, 2000),
            ("040999123456", "040", Sex::Nu, 1899),
            ("001 090 012 345", "001", Sex::Nam, 1990),
            ("001.090.012.345", "001", Sex::Nam, 1990),
            (" 001090012345\t", "001", Sex::Nam, 1990),
        ] {
            let c = parsed(raw);
            assert_eq!(c.as_ref().map(|c| c.birth_province_code().to_string()), Some(province.to_string()), "{raw:?}");
            assert_eq!(c.as_ref().map(Cccd::sex), Some(sex), "{raw:?}");
            assert_eq!(c.as_ref().map(Cccd::birth_year), Some(year), "{raw:?}");
        }
        let c = parsed("079185000123");
        assert_eq!(c.as_ref().map(Cccd::century_start), Some(1900));
        assert_eq!(c.as_ref().map(Cccd::birth_year_suffix), Some(85));
        assert_eq!(c.as_ref().map(Cccd::birth_province_name), Some("Hồ Chí Minh"));
        assert_eq!(c.as_ref().map(|c| c.to_string()), Some("079185000123".to_string()));
    }

    #[test]
    fn malformed_numbers_say_what_is_wrong() {
        for (raw, error, message) in [
            ("00109001234", CccdError::WrongLength(11), "CCCD phải có 12 chữ số, đang có 11"),
            ("0010900123456", CccdError::WrongLength(13), "CCCD phải có 12 chữ số, đang có 13"),
            ("00109001234A", CccdError::NotDigit('A'), "CCCD chỉ gồm chữ số; có ký tự \"A\""),
            ("001-090-012-345", CccdError::NotDigit('-'), "CCCD chỉ gồm chữ số; có ký tự \"-\""),
            (
                "099090012345",
                CccdError::UnknownProvince("099".into()),
                "mã nơi đăng ký khai sinh 099 (3 chữ số đầu của CCCD) không có trong danh mục",
            ),
            ("003090012345", CccdError::UnknownProvince("003".into()), ""),
            ("101090012345", CccdError::UnknownProvince("101".into()), ""),
            ("  ", CccdError::Empty, "CCCD không được để trống"),
        ] {
            let got = Cccd::parse(raw);
            assert_eq!(got, Err(error), "{raw:?}");
            if !message.is_empty() {
                assert_eq!(got.map_err(|e| e.to_string()), Err(message.to_string()));
            }
        }
    }

    #[test]
    fn disagreeing_birth_year_or_sex_is_explained() {
        let Some(c) = parsed("001090012345") else {
            return assert!(parsed("001090012345").is_some());
        };
        assert_eq!(c.check_against(date(1990, 1, 1), Sex::Nam), Ok(()));
        assert_eq!(
            c.check_against(date(1991, 3, 12), Sex::Nam).map_err(|e| e.to_string()),
            Err("CCCD cho biết năm sinh 1990 (chữ số 4–6: 090), nhưng ngày sinh là 12/03/1991".to_string())
        );
        assert_eq!(
            c.check_against(date(1990, 3, 12), Sex::Nu).map_err(|e| e.to_string()),
            Err("CCCD cho biết giới tính Nam (chữ số thứ 4: 0), nhưng giới tính khai là Nữ".to_string())
        );
        // The century digit counts: 2090 is not 1990.
        assert!(matches!(c.check_against(date(2090, 1, 1), Sex::Nam), Err(CccdError::BirthYearMismatch { .. })));
    }

    #[test]
    fn spreadsheet_damage_is_undone_or_explained() {
        for (raw, restored, zeros_restored) in [
            ("1090012345", "001090012345", true),
            ("79185000123", "079185000123", true),
            ("12345678901.0", "012345678901", true),
            ("1090012345.0", "001090012345", true),
            ("79185000123,00", "079185000123", true),
            ("079185000123", "079185000123", false),
            ("079185000123.0", "079185000123", false),
            ("079 185 000 123", "079185000123", false),
        ] {
            assert_eq!(Cccd::restore(raw).map(|(c, r)| (c.to_string(), r)), Ok((restored.to_string(), zeros_restored)), "{raw:?}");
        }
        for raw in ["1.23457E+11", "1,23457E+11", "7.91850E+10", "1E+11", "1.2e11"] {
            assert!(matches!(Cccd::restore(raw), Err(CccdError::RoundedByExcel(_))), "{raw:?}");
        }
        let message = Cccd::restore("1,23457E+11").map_err(|e| e.to_string()).err().unwrap_or_default();
        assert!(message.contains("Excel") && message.contains("Văn bản"), "{message}");
        assert_eq!(Cccd::restore("123456789"), Err(CccdError::WrongLength(9)));
        assert_eq!(Cccd::restore("99090012345"), Err(CccdError::UnknownProvince("099".into())));
    }

    #[test]
    fn masking_keeps_the_first_four_and_last_two_digits() {
        let c = parsed("001090012345");
        assert_eq!(c.as_ref().map(Cccd::masked), Some("0010******45".to_string()));
        assert_eq!(c.map(|c| format!("{c:?}")), Some("Cccd(\"0010******45\")".to_string()));
    }

    #[test]
    fn serde_uses_the_plain_string_and_validates() {
        let c = parsed("001090012345");
        assert_eq!(c.as_ref().and_then(|c| serde_json::to_string(c).ok()), Some("\"001090012345\"".to_string()));
        assert_eq!(serde_json::from_str::<Cccd>("\"001090012345\"").ok(), c);
        assert!(serde_json::from_str::<Cccd>("\"099090012345\"").is_err());
    }

    /// A birth date from 1800 to 2299, a sex and a province, and the CCCD they give.
    fn valid_cccd() -> impl Strategy<Value = (String, Date, Sex)> {
        (0..BIRTH_PROVINCES.len(), 1800i16..2300, 1i8..=12, 1i8..=28, any::<bool>(), 0u32..1_000_000).prop_map(
            |(p, year, month, day, female, serial)| {
                let province = BIRTH_PROVINCES.get(p).map_or("001", |(code, _)| code);
                let sex = if female { Sex::Nu } else { Sex::Nam };
                let century = match year / 100 {
                    18 => 8,
                    19 => 0,
                    20 => 2,
                    21 => 4,
                    _ => 6,
                } + u8::from(female);
                let raw = format!("{province}{century}{:02}{serial:06}", year % 100);
                (raw, date(year, month, day), sex)
            },
        )
    }

    proptest! {
        #[test]
        fn generated_valid_numbers_parse_and_agree_with_their_person((raw, birth, sex) in valid_cccd()) {
            let c = Cccd::parse(&raw);
            prop_assert!(c.is_ok(), "{:?}", c);
            let c = c.ok();
            prop_assert_eq!(c.as_ref().map(|c| c.check_against(birth, sex)), Some(Ok(())));
            prop_assert_eq!(c.as_ref().map(Cccd::birth_year), Some(birth.year()));
            prop_assert_eq!(Some(Cccd::century_sex_digit(birth.year(), sex)), raw[3..4].parse::<u8>().ok());
            prop_assert_eq!(c.map(String::from), Some(raw));
        }

        #[test]
        fn flipping_the_sex_digit_fails_the_check((raw, birth, sex) in valid_cccd()) {
            let flipped: String = raw
                .char_indices()
                .map(|(i, ch)| match (i, ch.to_digit(10)) {
                    (3, Some(d)) => char::from_digit(d ^ 1, 10).unwrap_or(ch),
                    _ => ch,
                })
                .collect();
            let c = Cccd::parse(&flipped).ok();
            prop_assert_eq!(c.as_ref().map(|c| c.check_against(birth, sex).is_ok()), Some(false));
            let is_sex_mismatch = matches!(c.map(|c| c.check_against(birth, sex)), Some(Err(CccdError::SexMismatch { .. })));
            prop_assert!(is_sex_mismatch);
        }

        #[test]
        fn masking_hides_the_middle_six_digits((raw, _, _) in valid_cccd()) {
            let masked = Cccd::parse(&raw).map(|c| c.masked()).unwrap_or_default();
            prop_assert_eq!(masked.chars().count(), 12);
            prop_assert_eq!(masked.get(0..4), raw.get(0..4));
            prop_assert_eq!(masked.get(4..10), Some("******"));
            prop_assert_eq!(masked.get(10..12), raw.get(10..12));
        }

        #[test]
        fn restoring_stripped_zeros_gives_the_original((raw, _, _) in valid_cccd(), float in any::<bool>()) {
            let stripped = raw.trim_start_matches('0');
            let cell = if float { format!("{stripped}.0") } else { stripped.to_string() };
            let restored = Cccd::restore(&cell).map(|(c, r)| (String::from(c), r));
            prop_assert_eq!(restored, Ok((raw, true)));
        }
    }
}
