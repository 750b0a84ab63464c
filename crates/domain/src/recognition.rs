//! Recognitions (công nhận) and their validity: a decision recognises a subject at a title
//! and level from its date for the months the criteria set keeps a recognition (bảo lưu,
//! 36 months for TT 25/2023); it can be revoked with a reason. Anyone can check one by its
//! public code.

use jiff::civil::Date;
use serde::{Deserialize, Serialize};

/// Status of a recognition on a date.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RecognitionStatus {
    /// Còn hiệu lực.
    Valid,
    /// Hết hiệu lực.
    Expired,
    /// Đã thu hồi.
    Revoked,
    /// Chưa có hiệu lực (a decision dated in the future).
    NotYet,
}

impl RecognitionStatus {
    pub fn label(self) -> &'static str {
        match self {
            Self::Valid => "Còn hiệu lực",
            Self::Expired => "Hết hiệu lực",
            Self::Revoked => "Đã thu hồi",
            Self::NotYet => "Chưa có hiệu lực",
        }
    }
}

/// The last day a recognition decided on `decided` is kept, for a set that keeps it
/// `months` months (None: no end given by the set).
pub fn valid_until(decided: Date, months: Option<u32>) -> Option<Date> {
    let months = months?;
    let end = decided.checked_add(jiff::Span::new().months(i64::from(months))).ok()?;
    end.yesterday().ok()
}

/// The status on `on` of a recognition valid from `from` to `until` (inclusive).
pub fn status_on(from: Date, until: Option<Date>, revoked: bool, on: Date) -> RecognitionStatus {
    if revoked {
        RecognitionStatus::Revoked
    } else if on < from {
        RecognitionStatus::NotYet
    } else if until.is_some_and(|u| on > u) {
        RecognitionStatus::Expired
    } else {
        RecognitionStatus::Valid
    }
}

/// A public verification code: 10 characters of an alphabet without look-alikes (0/O, 1/I/L),
/// from a random 64-bit number the caller draws.
pub fn verification_code(random: u64) -> String {
    const ALPHABET: &[u8] = b"23456789ABCDEFGHJKMNPQRSTUVWXYZ";
    let mut n = random;
    let mut out = String::with_capacity(10);
    for _ in 0..10 {
        let i = usize::try_from(n % ALPHABET.len() as u64).unwrap_or(0);
        out.push(char::from(ALPHABET.get(i).copied().unwrap_or(b'2')));
        n /= ALPHABET.len() as u64;
    }
    out
}

/// Parses a code typed by a person (case and spaces ignored).
pub fn parse_verification_code(input: &str) -> Option<String> {
    let s: String = input.chars().filter(|c| !c.is_whitespace() && *c != '-').collect::<String>().to_uppercase();
    (s.len() == 10 && s.chars().all(|c| c.is_ascii_alphanumeric())).then_some(s)
}

#[cfg(test)]
mod tests {
    use super::*;
    use jiff::civil::date;

    #[test]
    fn a_tt25_recognition_is_kept_36_months() {
        let until = valid_until(date(2025, 3, 31), Some(36));
        assert_eq!(until, Some(date(2028, 3, 30)));
        assert_eq!(status_on(date(2025, 3, 31), until, false, date(2028, 3, 30)), RecognitionStatus::Valid);
        assert_eq!(status_on(date(2025, 3, 31), until, false, date(2028, 3, 31)), RecognitionStatus::Expired);
        assert_eq!(status_on(date(2025, 3, 31), until, true, date(2026, 1, 1)), RecognitionStatus::Revoked);
        assert_eq!(status_on(date(2025, 3, 31), until, false, date(2025, 3, 30)), RecognitionStatus::NotYet);
    }

    #[test]
    fn codes_are_ten_unambiguous_characters_and_parse_back() {
        let c = verification_code(0xDEAD_BEEF_1234_5678);
        assert_eq!(c.len(), 10);
        assert!(!c.contains(['0', 'O', '1', 'I', 'L']));
        let (head, tail) = c.split_at(5);
        assert_eq!(parse_verification_code(&format!(" {head}-{tail} ").to_lowercase()), Some(c.clone()));
        assert_eq!(parse_verification_code("abc"), None);
    }
}
