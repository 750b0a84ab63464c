//! Citations of legal texts (căn cứ) as a decision or a plan prints them: "Kế hoạch số
//! 45/KH-UBND ngày 10 tháng 3 năm 2024 của Ủy ban nhân dân tỉnh Lạng Sơn". A decision cites only
//! texts whose number and date are known for certain: a criteria set's own legal basis is cited
//! only when it is marked verified, otherwise the signer types the text they sign on.

use crate::criteria::{Confidence, CriteriaSet};
use crate::date::parse_date;
use jiff::civil::Date;
use thiserror::Error;

/// A text to cite: its number and symbol, the day it was signed and who issued it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Citation {
    /// "45/KH-UBND", "25/2023/TT-BGDĐT".
    pub number: String,
    pub signed: Date,
    /// "Ủy ban nhân dân tỉnh Lạng Sơn".
    pub issuer: String,
}

/// Why a citation was refused, with the form field it concerns.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[error("{message}")]
pub struct CitationError {
    /// `number`, `signed` or `issuer`.
    pub field: &'static str,
    pub message: String,
}

fn refuse(field: &'static str, message: impl Into<String>) -> CitationError {
    CitationError { field, message: message.into() }
}

impl Citation {
    /// Parses the three parts typed on a form; `today` bounds the date (a text signed tomorrow
    /// cannot be cited today).
    pub fn parse(number: &str, signed: &str, issuer: &str, today: Date) -> Result<Citation, CitationError> {
        let number = crate::text::line(number, 60).map_err(|e| refuse("number", format!("Số, ký hiệu văn bản: {e}")))?;
        let number = number.trim().trim_start_matches("số ").trim_start_matches("Số ").trim().to_string();
        if number.is_empty() {
            return Err(refuse("number", "Ghi số, ký hiệu văn bản, ví dụ 45/KH-UBND"));
        }
        if !number.contains('/') || !number.chars().next().is_some_and(|c| c.is_ascii_digit()) {
            return Err(refuse("number", format!("“{number}” chưa phải số, ký hiệu văn bản (dạng 45/KH-UBND)")));
        }
        if signed.trim().is_empty() {
            return Err(refuse("signed", "Ghi ngày ký văn bản"));
        }
        let signed = parse_date(signed).map_err(|e| refuse("signed", format!("Ngày ký văn bản: {e}")))?;
        if signed > today {
            return Err(refuse("signed", "Ngày ký văn bản ở sau hôm nay"));
        }
        if signed.year() < 1945 {
            return Err(refuse("signed", "Ngày ký văn bản trước năm 1945"));
        }
        let issuer = crate::text::line(issuer, 200).map_err(|e| refuse("issuer", format!("Cơ quan ban hành: {e}")))?;
        let issuer = issuer.trim().to_string();
        if issuer.is_empty() {
            return Err(refuse("issuer", "Ghi cơ quan ban hành văn bản"));
        }
        Ok(Citation { number, signed, issuer })
    }

    /// "Kế hoạch số 45/KH-UBND ngày 10 tháng 3 năm 2024 của Ủy ban nhân dân tỉnh Lạng Sơn",
    /// with the kind of text in front ("Kế hoạch", "Quyết định", or empty).
    pub fn words(&self, kind: &str) -> String {
        let kind = kind.trim();
        let lead = if kind.is_empty() { "Văn bản".to_string() } else { kind.to_string() };
        format!("{lead} số {} {} của {}", self.number, long_date(self.signed), self.issuer)
    }
}

/// "ngày 05 tháng 02 năm 2024": NĐ 30/2020 writes days 1–9 and months 1–2 with a leading zero.
pub fn long_date(d: Date) -> String {
    let day = if d.day() < 10 { format!("0{}", d.day()) } else { d.day().to_string() };
    let month = if d.month() < 3 { format!("0{}", d.month()) } else { d.month().to_string() };
    format!("ngày {day} tháng {month} năm {}", d.year())
}

/// The line a decision may print for a criteria set's legal basis: only when the set's basis is
/// verified (its number and issuer read in the official text); none means the signer must cite
/// the text themselves.
pub fn verified_basis(set: &CriteriaSet) -> Option<String> {
    let b = &set.legal_basis;
    (b.confidence == Confidence::Verified).then(|| match b.signed {
        Some(d) => format!("Căn cứ {} {} của {};", b.document, long_date(d), b.issuer),
        None => format!("Căn cứ {} của {};", b.document, b.issuer),
    })
}

#[cfg(test)]
mod tests {
    #![expect(clippy::unwrap_used, reason = "a test fails loudly")]
    use super::*;
    use jiff::civil::date;

    const TODAY: Date = date(2026, 12, 6);

    #[test]
    fn a_citation_reads_as_the_official_layout_writes_it() {
        let c = Citation::parse("45/KH-UBND", "10/03/2024", "Ủy ban nhân dân tỉnh Lạng Sơn", TODAY).unwrap();
        assert_eq!(c.words("Kế hoạch"), "Kế hoạch số 45/KH-UBND ngày 10 tháng 3 năm 2024 của Ủy ban nhân dân tỉnh Lạng Sơn");
        let c = Citation::parse("số 5/QĐ-UBND", "2024-02-05", "UBND xã", TODAY).unwrap();
        assert_eq!(c.number, "5/QĐ-UBND");
        assert_eq!(c.words(""), "Văn bản số 5/QĐ-UBND ngày 05 tháng 02 năm 2024 của UBND xã");
    }

    #[test]
    fn each_part_is_refused_by_name() {
        let field = |n: &str, d: &str, i: &str| Citation::parse(n, d, i, TODAY).unwrap_err().field;
        assert_eq!(field("", "10/03/2024", "UBND"), "number");
        assert_eq!(field("Kế hoạch năm", "10/03/2024", "UBND"), "number");
        assert_eq!(field("45/KH-UBND", "", "UBND"), "signed");
        assert_eq!(field("45/KH-UBND", "31/02/2024", "UBND"), "signed");
        assert_eq!(field("45/KH-UBND", "07/12/2026", "UBND"), "signed");
        assert_eq!(field("45/KH-UBND", "10/03/2024", "  "), "issuer");
        assert_eq!(field("45/KH-UBND\u{0}", "10/03/2024", "UBND"), "number");
    }

    #[test]
    fn only_a_verified_set_gives_its_basis() {
        let sets = crate::criteria::shipped_sets().unwrap();
        for s in &sets {
            let line = verified_basis(s);
            assert_eq!(line.is_some(), s.legal_basis.confidence == Confidence::Verified, "{}", s.id);
        }
        assert!(sets.iter().any(|s| verified_basis(s).is_some()), "some shipped set is verified");
        assert!(sets.iter().any(|s| verified_basis(s).is_none()), "some shipped set is not");
    }
}
