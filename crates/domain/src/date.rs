//! Dates as Vietnamese officers write them (dd/mm/yyyy) and as files store them (ISO),
//! and effective-dated validity periods (hiệu lực).

use jiff::civil::Date;
use serde::{Deserialize, Serialize};

/// Why a date could not be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DateError {
    #[error("ngày \"{0}\" không hợp lệ: viết theo dạng dd/mm/yyyy hoặc yyyy-mm-dd")]
    Malformed(String),
}

/// Parses `dd/mm/yyyy`, `d/m/yyyy` or ISO `yyyy-mm-dd`.
pub fn parse_date(input: &str) -> Result<Date, DateError> {
    let s = input.trim();
    let bad = || DateError::Malformed(s.to_string());
    if let Ok(d) = s.parse::<Date>() {
        return Ok(d);
    }
    let mut parts = s.split(['/', '.', '-']);
    let (Some(d), Some(m), Some(y), None) = (parts.next(), parts.next(), parts.next(), parts.next()) else {
        return Err(bad());
    };
    let day: i8 = d.trim().parse().map_err(|_| bad())?;
    let month: i8 = m.trim().parse().map_err(|_| bad())?;
    let year: i16 = y.trim().parse().map_err(|_| bad())?;
    if !(1000..=9999).contains(&year) {
        return Err(bad());
    }
    Date::new(year, month, day).map_err(|_| bad())
}

/// Formats a date the Vietnamese way: `30/06/2025`.
pub fn format_vn(date: Date) -> String {
    format!("{:02}/{:02}/{:04}", date.day(), date.month(), date.year())
}

/// Whether `now` is after a deadline day: deadlines end at 23:59:59 in Vietnam
/// (Asia/Ho_Chi_Minh, UTC+7 all year).
pub fn past_deadline(deadline: Date, now: jiff::Timestamp) -> bool {
    let tz = jiff::tz::TimeZone::get("Asia/Ho_Chi_Minh").unwrap_or(jiff::tz::TimeZone::fixed(jiff::tz::offset(7)));
    now.to_zoned_datetime(tz).date() > deadline
}

/// The first day of time as the database stores it for "valid since an unknown date".
pub const BEGINNING: Date = jiff::civil::date(1, 1, 1);
/// The stored end of an open validity (still valid).
pub const OPEN_END: Date = jiff::civil::date(9999, 12, 31);

/// A half-open validity `[from, to)`: valid on `from`, no longer valid on `to`.
/// `from = BEGINNING` means "since a date the data does not give"; `to = OPEN_END` means "still valid".
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Validity {
    pub from: Date,
    pub to: Date,
}

/// A validity whose end is not after its start.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("thời hạn hiệu lực không hợp lệ: ngày kết thúc {} phải sau ngày bắt đầu {}", format_vn(*.to), format_vn(*.from))]
pub struct EmptyValidity {
    pub from: Date,
    pub to: Date,
}

impl Validity {
    pub const ALWAYS: Validity = Validity { from: BEGINNING, to: OPEN_END };

    pub fn new(from: Date, to: Date) -> Result<Self, EmptyValidity> {
        if to <= from {
            return Err(EmptyValidity { from, to });
        }
        Ok(Self { from, to })
    }

    /// Valid from `from` on, with no end yet.
    pub fn since(from: Date) -> Self {
        Self { from, to: OPEN_END }
    }

    pub fn contains(&self, on: Date) -> bool {
        self.from <= on && on < self.to
    }

    pub fn is_open(&self) -> bool {
        self.to == OPEN_END
    }

    /// Two periods share at least one day.
    pub fn overlaps(&self, other: &Validity) -> bool {
        self.from < other.to && other.from < self.to
    }

    /// The last day of validity, if it has ended.
    pub fn last_day(&self) -> Option<Date> {
        if self.is_open() { None } else { self.to.yesterday().ok() }
    }

    /// "từ 01/07/2025", "đến 30/06/2025", "01/01/2020 – 30/06/2025".
    pub fn describe(&self) -> String {
        match (self.from == BEGINNING, self.last_day()) {
            (true, None) => "không thời hạn".to_string(),
            (false, None) => format!("từ {}", format_vn(self.from)),
            (true, Some(last)) => format!("đến {}", format_vn(last)),
            (false, Some(last)) => format!("{} – {}", format_vn(self.from), format_vn(last)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use jiff::civil::date;

    #[test]
    fn vietnamese_and_iso_dates_parse() {
        assert_eq!(parse_date("30/06/2025"), Ok(date(2025, 6, 30)));
        assert_eq!(parse_date("1/7/2025"), Ok(date(2025, 7, 1)));
        assert_eq!(parse_date("2025-07-01"), Ok(date(2025, 7, 1)));
        assert!(parse_date("31/02/2025").is_err());
        assert!(parse_date("hôm qua").is_err());
        assert!(parse_date("01/01/25").is_err());
    }

    #[test]
    fn a_deadline_ends_at_midnight_in_vietnam() {
        let day = date(2026, 2, 28);
        // 16:59:59 UTC is 23:59:59 in Hà Nội; one second later it is 1 March there.
        let last = "2026-02-28T16:59:59Z".parse::<jiff::Timestamp>().unwrap_or(jiff::Timestamp::UNIX_EPOCH);
        let after = "2026-02-28T17:00:00Z".parse::<jiff::Timestamp>().unwrap_or(jiff::Timestamp::UNIX_EPOCH);
        assert!(!past_deadline(day, last));
        assert!(past_deadline(day, after));
    }

    #[test]
    fn validity_is_half_open() {
        let v = Validity::new(date(2025, 7, 1), date(2026, 1, 1)).unwrap_or(Validity::ALWAYS);
        assert!(v.contains(date(2025, 7, 1)));
        assert!(v.contains(date(2025, 12, 31)));
        assert!(!v.contains(date(2026, 1, 1)));
        assert_eq!(v.describe(), "01/07/2025 – 31/12/2025");
        assert!(Validity::new(date(2025, 7, 1), date(2025, 7, 1)).is_err());
    }
}
