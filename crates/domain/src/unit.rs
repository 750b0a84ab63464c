//! Administrative units (đơn vị hành chính) and villages (thôn, bản, ấp, tổ dân phố):
//! official codes, kinds, types and names, parsed at the boundary.

use serde::{Deserialize, Serialize};
use std::fmt;

/// The level of a unit in the hierarchy.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum UnitKind {
    /// Tỉnh, thành phố trực thuộc trung ương.
    Province,
    /// Huyện, quận, thị xã, thành phố thuộc tỉnh (only before 01/07/2025).
    District,
    /// Xã, phường, thị trấn, đặc khu.
    Commune,
    /// Thôn, bản, ấp, tổ dân phố (below the commune; no official code).
    Village,
}

impl UnitKind {
    pub const ALL: [UnitKind; 4] = [Self::Province, Self::District, Self::Commune, Self::Village];

    pub fn code(self) -> &'static str {
        match self {
            Self::Province => "province",
            Self::District => "district",
            Self::Commune => "commune",
            Self::Village => "village",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.code() == s)
    }

    pub fn label(self) -> &'static str {
        match self {
            Self::Province => "Cấp tỉnh",
            Self::District => "Cấp huyện",
            Self::Commune => "Cấp xã",
            Self::Village => "Thôn, tổ dân phố",
        }
    }

    /// Number of digits of the official code. Village codes are the commune code plus 3 digits.
    pub fn code_len(self) -> usize {
        match self {
            Self::Province => 2,
            Self::District => 3,
            Self::Commune => 5,
            Self::Village => 8,
        }
    }

    /// Which kinds may be this kind's parent. Communes hang under districts before the
    /// 2025 reform and directly under provinces after it.
    pub fn allowed_parents(self) -> &'static [UnitKind] {
        match self {
            Self::Province => &[],
            Self::District => &[Self::Province],
            Self::Commune => &[Self::District, Self::Province],
            Self::Village => &[Self::Commune],
        }
    }
}

/// The official type within a kind (loại đơn vị), e.g. `phường` or `tổ dân phố`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum UnitType {
    #[serde(rename = "tỉnh")]
    Tinh,
    #[serde(rename = "thành phố trung ương")]
    ThanhPhoTrungUong,
    #[serde(rename = "huyện")]
    Huyen,
    #[serde(rename = "quận")]
    Quan,
    #[serde(rename = "thị xã")]
    ThiXa,
    #[serde(rename = "thành phố")]
    ThanhPho,
    #[serde(rename = "xã")]
    Xa,
    #[serde(rename = "phường")]
    Phuong,
    #[serde(rename = "thị trấn")]
    ThiTran,
    #[serde(rename = "đặc khu")]
    DacKhu,
    #[serde(rename = "thôn")]
    Thon,
    #[serde(rename = "bản")]
    Ban,
    #[serde(rename = "ấp")]
    Ap,
    #[serde(rename = "tổ dân phố")]
    ToDanPho,
    #[serde(rename = "khu phố")]
    KhuPho,
}

impl UnitType {
    pub const ALL: [UnitType; 15] = [
        Self::Tinh,
        Self::ThanhPhoTrungUong,
        Self::Huyen,
        Self::Quan,
        Self::ThiXa,
        Self::ThanhPho,
        Self::Xa,
        Self::Phuong,
        Self::ThiTran,
        Self::DacKhu,
        Self::Thon,
        Self::Ban,
        Self::Ap,
        Self::ToDanPho,
        Self::KhuPho,
    ];

    /// The lower-case Vietnamese word, as stored.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Tinh => "tỉnh",
            Self::ThanhPhoTrungUong => "thành phố trung ương",
            Self::Huyen => "huyện",
            Self::Quan => "quận",
            Self::ThiXa => "thị xã",
            Self::ThanhPho => "thành phố",
            Self::Xa => "xã",
            Self::Phuong => "phường",
            Self::ThiTran => "thị trấn",
            Self::DacKhu => "đặc khu",
            Self::Thon => "thôn",
            Self::Ban => "bản",
            Self::Ap => "ấp",
            Self::ToDanPho => "tổ dân phố",
            Self::KhuPho => "khu phố",
        }
    }

    pub fn kind(self) -> UnitKind {
        match self {
            Self::Tinh | Self::ThanhPhoTrungUong => UnitKind::Province,
            Self::Huyen | Self::Quan | Self::ThiXa | Self::ThanhPho => UnitKind::District,
            Self::Xa | Self::Phuong | Self::ThiTran | Self::DacKhu => UnitKind::Commune,
            Self::Thon | Self::Ban | Self::Ap | Self::ToDanPho | Self::KhuPho => UnitKind::Village,
        }
    }

    /// Parses the Vietnamese word, ignoring case and diacritics ("to dan pho" works).
    pub fn parse(s: &str) -> Option<Self> {
        let folded = crate::text::fold(s);
        Self::ALL.into_iter().find(|t| crate::text::fold(t.as_str()) == folded)
    }

    pub fn of_kind(kind: UnitKind) -> impl Iterator<Item = UnitType> {
        Self::ALL.into_iter().filter(move |t| t.kind() == kind)
    }
}

impl fmt::Display for UnitType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// An official code (mã đơn vị hành chính): all digits, 2 (province), 3 (district),
/// 5 (commune) or 8 (village: commune code + 3 digits). Codes are reused across eras, so a
/// code identifies a unit only together with a date.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct UnitCode(String);

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum UnitCodeError {
    #[error("mã đơn vị không được để trống")]
    Empty,
    #[error("mã đơn vị \"{0}\" chỉ được gồm chữ số")]
    NotDigits(String),
    #[error("mã đơn vị \"{code}\" có {len} chữ số; mã {kind} phải có {expected} chữ số")]
    WrongLength { code: String, len: usize, kind: &'static str, expected: usize },
    #[error("mã đơn vị \"{0}\" phải có 2 (tỉnh), 3 (huyện), 5 (xã) hoặc 8 (thôn) chữ số")]
    UnknownLength(String),
}

impl UnitCode {
    /// Parses a code of any kind; the kind follows from the length.
    pub fn parse(input: &str) -> Result<Self, UnitCodeError> {
        let s = input.trim();
        if s.is_empty() {
            return Err(UnitCodeError::Empty);
        }
        if !s.bytes().all(|b| b.is_ascii_digit()) {
            return Err(UnitCodeError::NotDigits(s.to_string()));
        }
        if !UnitKind::ALL.iter().any(|k| k.code_len() == s.len()) {
            return Err(UnitCodeError::UnknownLength(s.to_string()));
        }
        Ok(Self(s.to_string()))
    }

    /// Parses a code that must be of the given kind.
    pub fn parse_for(kind: UnitKind, input: &str) -> Result<Self, UnitCodeError> {
        let s = input.trim();
        if s.is_empty() {
            return Err(UnitCodeError::Empty);
        }
        if !s.bytes().all(|b| b.is_ascii_digit()) {
            return Err(UnitCodeError::NotDigits(s.to_string()));
        }
        if s.len() != kind.code_len() {
            return Err(UnitCodeError::WrongLength { code: s.to_string(), len: s.len(), kind: kind.label(), expected: kind.code_len() });
        }
        Ok(Self(s.to_string()))
    }

    /// Like [`UnitCode::parse_for`], but first restores leading zeros that a spreadsheet
    /// dropped when it stored the code as a number (`5977` → `05977`).
    pub fn parse_restoring_zeros(kind: UnitKind, input: &str) -> Result<Self, UnitCodeError> {
        let s = input.trim();
        let s = s.strip_suffix(".0").unwrap_or(s);
        if !s.is_empty() && s.len() < kind.code_len() && s.bytes().all(|b| b.is_ascii_digit()) {
            return Self::parse_for(kind, &format!("{s:0>width$}", width = kind.code_len()));
        }
        Self::parse_for(kind, s)
    }

    /// The kind implied by the code's length.
    pub fn kind(&self) -> UnitKind {
        match self.0.len() {
            2 => UnitKind::Province,
            3 => UnitKind::District,
            5 => UnitKind::Commune,
            _ => UnitKind::Village,
        }
    }

    /// The code of the village numbered `seq` (1–999) in a commune.
    pub fn village(commune: &UnitCode, seq: u16) -> Option<UnitCode> {
        (commune.kind() == UnitKind::Commune && (1..=999).contains(&seq)).then(|| UnitCode(format!("{}{:03}", commune.0, seq)))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl AsRef<str> for UnitCode {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for UnitCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl TryFrom<String> for UnitCode {
    type Error = UnitCodeError;
    fn try_from(s: String) -> Result<Self, Self::Error> {
        Self::parse(&s)
    }
}

impl From<UnitCode> for String {
    fn from(c: UnitCode) -> String {
        c.0
    }
}

/// A unit's name: NFC, trimmed, 2–120 characters.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct UnitName(String);

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum UnitNameError {
    #[error("tên đơn vị không được để trống")]
    Empty,
    #[error("tên đơn vị dài {0} ký tự; tối đa 120")]
    TooLong(usize),
    #[error("tên đơn vị không được chứa ký tự điều khiển hoặc ký tự không hợp lệ")]
    Control,
}

impl UnitName {
    pub fn parse(input: &str) -> Result<Self, UnitNameError> {
        let s = crate::text::clean(input);
        if s.is_empty() {
            return Err(UnitNameError::Empty);
        }
        if crate::text::check_chars(&s, false).is_err() {
            return Err(UnitNameError::Control);
        }
        let n = s.chars().count();
        if n > 120 {
            return Err(UnitNameError::TooLong(n));
        }
        Ok(Self(s))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    pub fn folded(&self) -> String {
        crate::text::fold(&self.0)
    }
}

impl AsRef<str> for UnitName {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for UnitName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl TryFrom<String> for UnitName {
    type Error = UnitNameError;
    fn try_from(s: String) -> Result<Self, Self::Error> {
        Self::parse(&s)
    }
}

impl From<UnitName> for String {
    fn from(c: UnitName) -> String {
        c.0
    }
}

/// A unit's name as it reads inside a sentence: the kind in lower case ("Ủy ban nhân dân tỉnh
/// Lạng Sơn", "Hội Khuyến học phường Đông Kinh"), the proper name as it is. Provinces are
/// stored without their kind ("Lạng Sơn", type "tỉnh"): the type is put in front.
pub fn name_in_sentence(name: &str, unit_type: &str) -> String {
    const KINDS: [&str; 11] = ["Thành phố", "Thị xã", "Thị trấn", "Tỉnh", "Huyện", "Quận", "Xã", "Phường", "Đặc khu", "Thôn", "Tổ dân phố"];
    for kind in KINDS {
        if let Some(rest) = name.strip_prefix(kind).filter(|r| r.starts_with(' ')) {
            return format!("{}{rest}", kind.to_lowercase());
        }
    }
    let unit_type = unit_type.trim();
    if unit_type.is_empty() || name.to_lowercase().starts_with(&unit_type.to_lowercase()) {
        name.to_string()
    } else {
        format!("{} {name}", unit_type.to_lowercase())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_digits_of_a_known_length() {
        assert_eq!(UnitCode::parse("00004").map(|c| c.kind()), Ok(UnitKind::Commune));
        assert_eq!(UnitCode::parse(" 01 ").map(|c| c.kind()), Ok(UnitKind::Province));
        assert!(matches!(UnitCode::parse("0004"), Err(UnitCodeError::UnknownLength(_))));
        assert!(matches!(UnitCode::parse("0A004"), Err(UnitCodeError::NotDigits(_))));
        assert!(matches!(UnitCode::parse(""), Err(UnitCodeError::Empty)));
        assert!(matches!(UnitCode::parse_for(UnitKind::Commune, "001"), Err(UnitCodeError::WrongLength { expected: 5, .. })));
    }

    #[test]
    fn zeros_dropped_by_excel_are_restored() {
        assert_eq!(UnitCode::parse_restoring_zeros(UnitKind::Commune, "5977").map(|c| c.0), Ok("05977".to_string()));
        assert_eq!(UnitCode::parse_restoring_zeros(UnitKind::Commune, "4.0").map(|c| c.0), Ok("00004".to_string()));
        assert!(UnitCode::parse_restoring_zeros(UnitKind::Commune, "123456").is_err());
    }

    #[test]
    fn village_codes_extend_the_commune_code() {
        let commune = UnitCode::parse("00004").unwrap_or_else(|_| UnitCode("00004".into()));
        assert_eq!(UnitCode::village(&commune, 7).map(|c| c.0), Some("00004007".to_string()));
        assert_eq!(UnitCode::village(&commune, 0), None);
    }

    #[test]
    fn types_parse_without_diacritics() {
        assert_eq!(UnitType::parse("To dan pho"), Some(UnitType::ToDanPho));
        assert_eq!(UnitType::parse("thôn"), Some(UnitType::Thon));
        assert_eq!(UnitType::parse("làng"), None);
        assert_eq!(UnitType::ThiTran.kind(), UnitKind::Commune);
    }

    #[test]
    fn names_are_cleaned_and_bounded() {
        assert_eq!(UnitName::parse("  Thôn   Đông ").map(|n| n.0), Ok("Thôn Đông".to_string()));
        assert_eq!(UnitName::parse("   "), Err(UnitNameError::Empty));
        assert!(matches!(UnitName::parse(&"a".repeat(121)), Err(UnitNameError::TooLong(121))));
    }

    #[test]
    fn a_name_inside_a_sentence_has_its_kind_in_lower_case() {
        assert_eq!(super::name_in_sentence("Lạng Sơn", "tỉnh"), "tỉnh Lạng Sơn");
        assert_eq!(super::name_in_sentence("Hồ Chí Minh", "thành phố"), "thành phố Hồ Chí Minh");
        assert_eq!(super::name_in_sentence("Tỉnh Lạng Sơn", "tỉnh"), "tỉnh Lạng Sơn");
        assert_eq!(super::name_in_sentence("Phường Đông Kinh", "phường"), "phường Đông Kinh");
        assert_eq!(super::name_in_sentence("Xãi Lạ", ""), "Xãi Lạ", "a word that only starts like a kind stays");
    }
}
