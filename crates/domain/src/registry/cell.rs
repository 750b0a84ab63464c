//! Reading spreadsheet cells as officers fill them in: dates as text or as Excel serial
//! numbers, integers and amounts with Vietnamese thousands dots, yes/no columns.
//!
//! The readers take the cell as text, as both CSV and XLSX readers deliver it, and refuse
//! what is ambiguous rather than guess: a 2-digit year or a decimal comma is an error that
//! names the value, so the officer can correct the row.

use jiff::Span;
use jiff::civil::{Date, Time};

/// Why a cell could not be read. Each message names the value; the caller adds row and column.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CellError {
    #[error("ô đang trống")]
    Empty,
    #[error("không đọc được ngày \"{0}\": viết theo dạng dd/mm/yyyy (ví dụ 31/01/2024) hoặc yyyy-mm-dd")]
    BadDate(String),
    #[error("ngày \"{0}\" ghi năm bằng 2 chữ số; hãy ghi đủ 4 chữ số, ví dụ 31/01/2024")]
    TwoDigitYear(String),
    #[error("ngày \"{0}\" không có thật; kiểm tra lại thứ tự ngày/tháng/năm")]
    ImpossibleDate(String),
    #[error("ô ngày chỉ ghi năm \"{0}\"; cần ghi đủ ngày/tháng/năm, ví dụ 01/01/{0}")]
    YearOnly(String),
    #[error("số \"{0}\" không phải một ngày Excel: số ngày Excel đi từ 1 (01/01/1900) đến 2958465 (31/12/9999)")]
    SerialOutOfRange(String),
    #[error("số ngày Excel \"{0}\" là ngày 29/02/1900, một ngày không có thật (lỗi năm nhuận của Excel); hãy nhập lại ngày")]
    ExcelLeapDay(String),
    #[error("không đọc được số \"{0}\"")]
    NotANumber(String),
    #[error("số \"{0}\" có phần thập phân; ô này chỉ nhận số nguyên")]
    NotInteger(String),
    #[error("số \"{raw}\" có dấu phẩy, theo cách viết Việt Nam là phần thập phân; nếu là hàng nghìn, hãy viết {dotted} hoặc {plain}")]
    AmbiguousComma { raw: String, dotted: String, plain: String },
    #[error("số \"{0}\" quá lớn")]
    TooLarge(String),
    #[error("không đọc được số tiền \"{0}\": ghi số đồng, ví dụ 80.000 hoặc 80000")]
    BadMoney(String),
    #[error("số tiền \"{0}\" là số âm; ghi số tiền dương")]
    NegativeMoney(String),
    #[error("số tiền \"{0}\" quá lớn: tối đa 10.000.000.000.000 đồng")]
    MoneyTooLarge(String),
    #[error("không đọc được \"{0}\": ghi \"có\" hoặc \"không\" (hoặc x / để trống)")]
    BadBool(String),
    #[error("ngày {0} ở trong tương lai")]
    FutureDate(String),
    #[error("ngày {0} trước năm 1900, không thể có trong sổ")]
    BeforeEarliest(String),
}

/// What kind of spreadsheet cell a value came from: a careful clerk reads a number, a text
/// and a formula differently (a number lost its leading zeros, a text did not; a formula's
/// value is whatever Excel last computed, if it saved one).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum CellKind {
    /// Text, and every cell of a CSV file.
    Text,
    /// A number cell.
    Number,
    /// A formula (its text, or empty for a copy of a shared formula); the cell's text is the
    /// value Excel saved with it, empty if none.
    Formula(String),
}

impl CellKind {
    /// Why a formula cell is not taken (names the formula and the value Excel saved), or
    /// `None` for a number or a text.
    pub fn refusal(&self, cached: &str) -> Option<String> {
        let Self::Formula(formula) = self else { return None };
        let what = if formula.is_empty() { "ô chứa công thức".to_string() } else { format!("ô chứa công thức ={formula}") };
        Some(if cached.is_empty() {
            format!("{what}, chưa có giá trị tính sẵn; hãy dán giá trị (Paste Special → Values) thay cho công thức")
        } else {
            format!("{what} (giá trị Excel đã tính: \"{cached}\"); hãy dán giá trị (Paste Special → Values) thay cho công thức")
        })
    }
}

/// The earliest date a register takes: nobody alive was born before 1900.
pub const EARLIEST_DATE: Date = jiff::civil::date(1900, 1, 1);

/// Checks that a date read from a register's cell is possible on `today`: not in the future,
/// not before 1900. Names the date; the caller adds row and column.
pub fn check_possible_date(d: Date, today: Date) -> Result<Date, CellError> {
    if d > today {
        return Err(CellError::FutureDate(crate::date::format_vn(d)));
    }
    if d < EARLIEST_DATE {
        return Err(CellError::BeforeEarliest(crate::date::format_vn(d)));
    }
    Ok(d)
}

/// The last valid Excel serial date, 31/12/9999.
const MAX_EXCEL_SERIAL: i64 = 2_958_465;

/// Reads a date cell: `dd/mm/yyyy`, `d/m/yyyy`, `dd-mm-yyyy`, `dd.mm.yyyy`, ISO
/// `yyyy-mm-dd`, either followed by a time (`2024-01-31 00:00:00`, `2024-01-31T00:00:00`),
/// or an Excel serial number (`45292`, `45292.0` → 01/01/2024). Two-digit years and dates
/// that do not exist are refused.
///
/// A bare year (`1990`, or `1990.0` from a number cell) is refused rather than read as the
/// Excel serial it also is (1990 → 12/06/1905): registers often know only the year of
/// birth, and a silent 1905 would be far worse than asking for the full date.
pub fn parse_date_cell(raw: &str) -> Result<Date, CellError> {
    let s = raw.trim();
    if s.is_empty() {
        return Err(CellError::Empty);
    }
    let integer = s.trim_end_matches('0').strip_suffix(['.', ',']).unwrap_or(s);
    if integer.len() == 4 && integer.starts_with(['1', '2']) && is_digits(integer) {
        return Err(CellError::YearOnly(integer.to_string()));
    }
    if let Some(days) = excel_serial_days(s) {
        return days.map_or_else(|| Err(CellError::SerialOutOfRange(s.to_string())), |d| serial_date(d, s));
    }
    let date_part = match s.split_once([' ', 'T']) {
        Some((date, time)) if time.trim().parse::<Time>().is_ok() => date,
        Some(_) => return Err(CellError::BadDate(s.to_string())),
        None => s,
    };
    let bad = || CellError::BadDate(s.to_string());
    let separator = date_part.chars().find(|c| !c.is_ascii_digit()).ok_or_else(bad)?;
    if !matches!(separator, '/' | '-' | '.') {
        return Err(bad());
    }
    let parts: Vec<&str> = date_part.split(separator).collect();
    let [a, b, c] = parts.as_slice() else {
        return Err(bad());
    };
    if [a, b, c].iter().any(|p| p.is_empty() || !p.bytes().all(|b| b.is_ascii_digit())) {
        return Err(bad());
    }
    let (year, month, day) = match (a.len(), b.len(), c.len()) {
        (4, 1..=2, 1..=2) => (*a, *b, *c),
        (1..=2, 1..=2, 4) => (*c, *b, *a),
        (1..=2, 1..=2, 2) => return Err(CellError::TwoDigitYear(s.to_string())),
        _ => return Err(bad()),
    };
    let year: i16 = year.parse().map_err(|_| bad())?;
    let month: i8 = month.parse().map_err(|_| bad())?;
    let day: i8 = day.parse().map_err(|_| bad())?;
    if year < 1000 {
        return Err(bad());
    }
    Date::new(year, month, day).map_err(|_| CellError::ImpossibleDate(s.to_string()))
}

/// The whole days of a cell that is an Excel serial number (`45292`, `45292.0`, or with a
/// time of day, `45292.5`): `None` if the cell is not a plain number, `Some(None)` if it is
/// one but too large to be a day count.
///
/// A short number with a decimal part is not taken for a serial: "12.2024" is a month and
/// year, "45.292" a serial grouped by thousands, and serials below 1000 with a time of day
/// (dates in 1900–1902) do not occur in registers.
fn excel_serial_days(s: &str) -> Option<Option<i64>> {
    let (whole, fraction) = s.split_once(['.', ',']).unwrap_or((s, ""));
    let all_digits = |p: &str| p.bytes().all(|b| b.is_ascii_digit());
    if whole.is_empty() || !all_digits(whole) || !all_digits(fraction) || (s.len() > whole.len() && fraction.is_empty()) {
        return None;
    }
    if whole.len() <= 3 && s.len() > whole.len() {
        return None;
    }
    Some(whole.parse::<i64>().ok())
}

fn serial_date(days: i64, shown: &str) -> Result<Date, CellError> {
    date_from_excel_serial(days).map_err(|e| match e {
        CellError::ExcelLeapDay(_) => CellError::ExcelLeapDay(shown.to_string()),
        _ => CellError::SerialOutOfRange(shown.to_string()),
    })
}

/// The date of an Excel serial day number (1900 date system). Serial 1 is 01/01/1900.
/// Excel, copying Lotus 1-2-3, counts a 29/02/1900 that never was as serial 60, so serials
/// from 61 on are one day ahead of a plain count; serial 60 itself is refused.
pub fn date_from_excel_serial(days: i64) -> Result<Date, CellError> {
    let out_of_range = || CellError::SerialOutOfRange(days.to_string());
    let (base, offset) = match days {
        1..=59 => (jiff::civil::date(1899, 12, 31), days),
        60 => return Err(CellError::ExcelLeapDay(days.to_string())),
        61..=MAX_EXCEL_SERIAL => (jiff::civil::date(1899, 12, 30), days),
        _ => return Err(out_of_range()),
    };
    let span = Span::new().try_days(offset).map_err(|_| out_of_range())?;
    base.checked_add(span).map_err(|_| out_of_range())
}

/// Reads an integer cell: `1234`, `1.234` and `1 234` (thousands grouped the Vietnamese
/// way), `1234.0` (a whole number stored by Excel as a float). A decimal part that is not
/// zero (`12,5`) is refused, and so is `1,000`, which could be either a thousand or one.
pub fn parse_int_cell(raw: &str) -> Result<i64, CellError> {
    let s = raw.trim();
    if s.is_empty() {
        return Err(CellError::Empty);
    }
    integer(s, s)
}

/// Reads an amount in đồng: `80.000`, `80000`, `80.000đ`, `80 000 VND`, `80.000 đồng`.
/// Amounts are whole đồng and not negative (whether money comes in or goes out is the
/// entry's kind, not its sign).
pub fn parse_money_cell(raw: &str) -> Result<i64, CellError> {
    let s = raw.trim();
    if s.is_empty() {
        return Err(CellError::Empty);
    }
    let folded = crate::text::fold(s);
    let number = ["vnd", "dong", "d", "\u{20ab}"].iter().find_map(|unit| folded.strip_suffix(unit)).unwrap_or(&folded).trim_end();
    let amount = integer(number, s).map_err(|e| match e {
        CellError::NotANumber(_) | CellError::Empty => CellError::BadMoney(s.to_string()),
        other => other,
    })?;
    if amount < 0 {
        return Err(CellError::NegativeMoney(s.to_string()));
    }
    // Sums of many amounts (balances, statistics) stay far inside 64 bits.
    if amount > MAX_MONEY {
        return Err(CellError::MoneyTooLarge(s.to_string()));
    }
    Ok(amount)
}

/// The largest amount one cell or entry may hold: 10 nghìn tỷ đồng.
pub const MAX_MONEY: i64 = 10_000_000_000_000;

/// Reads a yes/no cell: "có"/"không", "x"/empty, "1"/"0", "yes"/"no", "true"/"false",
/// "đúng"/"sai", with or without diacritics and in any case.
pub fn parse_bool_cell(raw: &str) -> Result<bool, CellError> {
    match crate::text::fold(raw).as_str() {
        "co" | "x" | "1" | "yes" | "true" | "dung" => Ok(true),
        "" | "khong" | "0" | "no" | "false" | "sai" => Ok(false),
        _ => Err(CellError::BadBool(raw.trim().to_string())),
    }
}

/// Reads `s` as an integer; errors name `shown` (the cell as the officer typed it).
fn integer(s: &str, shown: &str) -> Result<i64, CellError> {
    let not_a_number = || CellError::NotANumber(shown.to_string());
    let s: String = s.chars().filter(|c| !c.is_whitespace()).collect();
    let (negative, body) = match s.strip_prefix(['-', '\u{2212}']) {
        Some(rest) => (true, rest),
        None => (false, s.strip_prefix('+').unwrap_or(&s)),
    };
    if body.is_empty() || !body.chars().all(|c| c.is_ascii_digit() || c == '.' || c == ',') {
        return Err(not_a_number());
    }
    let digits = match (body.contains('.'), body.contains(',')) {
        (false, false) => body.to_string(),
        (true, true) => {
            // Both marks: the last one is the decimal separator ("1.234,0" or "1,234.0").
            let (whole, fraction, thousands) = match (body.rfind('.'), body.rfind(',')) {
                (Some(dot), Some(comma)) if dot > comma => split_at_mark(body, dot, ','),
                (_, Some(comma)) => split_at_mark(body, comma, '.'),
                _ => return Err(not_a_number()),
            };
            let whole = grouped(whole, thousands).ok_or_else(not_a_number)?;
            zero_fraction(whole, fraction, shown)?
        }
        (true, false) => decimal_or_grouped(body, '.', shown)?,
        (false, true) => {
            if body.matches(',').count() == 1 && grouped(body, ',').is_some() {
                let plain = body.replace(',', "");
                return Err(CellError::AmbiguousComma { raw: shown.to_string(), dotted: body.replace(',', "."), plain });
            }
            decimal_or_grouped(body, ',', shown)?
        }
    };
    let signed = if negative { format!("-{digits}") } else { digits };
    signed.parse::<i64>().map_err(|_| CellError::TooLarge(shown.to_string()))
}

/// Splits `body` at the decimal mark at byte `at`: (whole part, fraction, thousands mark).
fn split_at_mark(body: &str, at: usize, thousands: char) -> (&str, &str, char) {
    let whole = body.get(..at).unwrap_or_default();
    let fraction = body.get(at + 1..).unwrap_or_default();
    (whole, fraction, thousands)
}

/// A number with one kind of mark: thousands groups if it reads as such ("1.234",
/// "1.234.567"), else a decimal mark whose fraction must be zero ("1234.0").
fn decimal_or_grouped(body: &str, mark: char, shown: &str) -> Result<String, CellError> {
    if let Some(digits) = grouped(body, mark) {
        return Ok(digits);
    }
    match body.split_once(mark) {
        Some((whole, fraction)) if !fraction.contains(mark) && is_digits(whole) => zero_fraction(whole.to_string(), fraction, shown),
        _ => Err(CellError::NotANumber(shown.to_string())),
    }
}

/// The whole part if the fraction is zero; a decimal that is not whole is refused.
fn zero_fraction(whole: String, fraction: &str, shown: &str) -> Result<String, CellError> {
    if !is_digits(fraction) {
        return Err(CellError::NotANumber(shown.to_string()));
    }
    if fraction.bytes().all(|b| b == b'0') { Ok(whole) } else { Err(CellError::NotInteger(shown.to_string())) }
}

/// The digits of a number grouped by thousands with `mark` ("1.234.567" → "1234567"), or
/// the plain digits if there is no mark; `None` if the groups are not thousands.
fn grouped(s: &str, mark: char) -> Option<String> {
    let mut groups = s.split(mark);
    let first = groups.next()?;
    let valid_first = is_digits(first) && (1..=3).contains(&first.len()) && !(first.starts_with('0') && s.contains(mark));
    if !s.contains(mark) {
        return is_digits(s).then(|| s.to_string());
    }
    let rest: Vec<&str> = groups.collect();
    (valid_first && rest.iter().all(|g| g.len() == 3 && is_digits(g))).then(|| s.replace(mark, ""))
}

fn is_digits(s: &str) -> bool {
    !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit())
}

#[cfg(test)]
mod tests {
    use super::*;
    use jiff::civil::date;
    use proptest::prelude::*;

    #[test]
    fn impossible_dates_and_formulas_are_refused_by_name() {
        let today = date(2026, 12, 6);
        assert_eq!(check_possible_date(date(2026, 12, 6), today), Ok(date(2026, 12, 6)));
        assert_eq!(check_possible_date(date(2026, 12, 7), today), Err(CellError::FutureDate("07/12/2026".into())));
        assert_eq!(check_possible_date(date(1899, 12, 31), today), Err(CellError::BeforeEarliest("31/12/1899".into())));
        assert_eq!(CellKind::Number.refusal("1"), None);
        let f = CellKind::Formula("A2*2".into());
        assert!(f.refusal("4").is_some_and(|m| m.contains("=A2*2") && m.contains("\"4\"")));
        assert!(f.refusal("").is_some_and(|m| m.contains("chưa có giá trị")));
    }

    #[test]
    fn dates_are_read_in_every_common_spelling() {
        for raw in [
            "31/01/2024",
            "31/1/2024",
            " 31-01-2024 ",
            "31.01.2024",
            "2024-01-31",
            "2024/01/31",
            "2024-01-31 00:00:00",
            "2024-01-31T00:00:00",
            "2024-01-31 13:45",
            "31/01/2024 00:00:00",
            "45322",
            "45322.0",
            "45322.75",
        ] {
            assert_eq!(parse_date_cell(raw), Ok(date(2024, 1, 31)), "{raw:?}");
        }
        assert_eq!(parse_date_cell("1/7/2025"), Ok(date(2025, 7, 1)));
        assert_eq!(parse_date_cell("29/02/2024"), Ok(date(2024, 2, 29)));
    }

    #[test]
    fn excel_serials_follow_excel_including_its_1900_leap_day() {
        for (serial, expected) in [
            ("1", date(1900, 1, 1)),
            ("59", date(1900, 2, 28)),
            ("61", date(1900, 3, 1)),
            ("45292", date(2024, 1, 1)),
            ("45292.0", date(2024, 1, 1)),
            ("2958465", date(9999, 12, 31)),
            ("32874", date(1990, 1, 1)),
        ] {
            assert_eq!(parse_date_cell(serial), Ok(expected), "{serial}");
        }
        assert_eq!(parse_date_cell("60"), Err(CellError::ExcelLeapDay("60".into())));
        assert_eq!(parse_date_cell("0"), Err(CellError::SerialOutOfRange("0".into())));
        assert_eq!(parse_date_cell("2958466"), Err(CellError::SerialOutOfRange("2958466".into())));
        assert_eq!(parse_date_cell("20240131"), Err(CellError::SerialOutOfRange("20240131".into())));
        assert_eq!(parse_date_cell("99999999999999999999"), Err(CellError::SerialOutOfRange("99999999999999999999".into())));
        assert_eq!(date_from_excel_serial(-1), Err(CellError::SerialOutOfRange("-1".into())));
    }

    #[test]
    fn doubtful_or_impossible_dates_are_refused_by_name() {
        for (raw, error) in [
            ("31/01/24", CellError::TwoDigitYear("31/01/24".into())),
            ("1-1-90", CellError::TwoDigitYear("1-1-90".into())),
            ("31/02/2024", CellError::ImpossibleDate("31/02/2024".into())),
            ("29/02/2023", CellError::ImpossibleDate("29/02/2023".into())),
            ("01/13/2024", CellError::ImpossibleDate("01/13/2024".into())),
            ("2024-02-30", CellError::ImpossibleDate("2024-02-30".into())),
            ("31/01-2024", CellError::BadDate("31/01-2024".into())),
            ("31/01/2024 sáng", CellError::BadDate("31/01/2024 sáng".into())),
            ("hôm qua", CellError::BadDate("hôm qua".into())),
            ("31//2024", CellError::BadDate("31//2024".into())),
            ("31/01/0024", CellError::BadDate("31/01/0024".into())),
            ("45292.", CellError::BadDate("45292.".into())),
            ("12.2024", CellError::BadDate("12.2024".into())),
            ("12,2024", CellError::BadDate("12,2024".into())),
            ("12/2024", CellError::BadDate("12/2024".into())),
            ("45.292", CellError::BadDate("45.292".into())),
            ("1.5", CellError::BadDate("1.5".into())),
            ("1990", CellError::YearOnly("1990".into())),
            ("1990.0", CellError::YearOnly("1990".into())),
            ("2024", CellError::YearOnly("2024".into())),
            ("", CellError::Empty),
        ] {
            assert_eq!(parse_date_cell(raw), Err(error), "{raw:?}");
        }
        assert_eq!(
            parse_date_cell("31/01/24").map_err(|e| e.to_string()),
            Err("ngày \"31/01/24\" ghi năm bằng 2 chữ số; hãy ghi đủ 4 chữ số, ví dụ 31/01/2024".to_string())
        );
        assert_eq!(
            parse_date_cell("1985").map_err(|e| e.to_string()),
            Err("ô ngày chỉ ghi năm \"1985\"; cần ghi đủ ngày/tháng/năm, ví dụ 01/01/1985".to_string())
        );
        assert_eq!(
            parse_date_cell("31/02/2024").map_err(|e| e.to_string()),
            Err("ngày \"31/02/2024\" không có thật; kiểm tra lại thứ tự ngày/tháng/năm".to_string())
        );
    }

    #[test]
    fn integers_accept_vietnamese_grouping_and_excel_floats() {
        for (raw, expected) in [
            ("1234", 1234),
            ("1.234", 1234),
            ("1 234", 1234),
            ("1\u{a0}234", 1234),
            ("1234.0", 1234),
            ("1.234.567", 1_234_567),
            ("1.234,0", 1234),
            ("1,234.00", 1234),
            ("1,234,567", 1_234_567),
            ("12,0", 12),
            ("0", 0),
            ("-5", -5),
            (" 42 ", 42),
        ] {
            assert_eq!(parse_int_cell(raw), Ok(expected), "{raw:?}");
        }
    }

    #[test]
    fn integers_refuse_decimals_and_ambiguous_commas() {
        for (raw, error) in [
            ("12,5", CellError::NotInteger("12,5".into())),
            ("12.5", CellError::NotInteger("12.5".into())),
            ("0.500", CellError::NotInteger("0.500".into())),
            ("1.234,5", CellError::NotInteger("1.234,5".into())),
            ("1,000", CellError::AmbiguousComma { raw: "1,000".into(), dotted: "1.000".into(), plain: "1000".into() }),
            ("mười", CellError::NotANumber("mười".into())),
            ("1.23.4", CellError::NotANumber("1.23.4".into())),
            ("12a", CellError::NotANumber("12a".into())),
            ("-", CellError::NotANumber("-".into())),
            ("99999999999999999999", CellError::TooLarge("99999999999999999999".into())),
            ("", CellError::Empty),
        ] {
            assert_eq!(parse_int_cell(raw), Err(error), "{raw:?}");
        }
        assert_eq!(
            parse_int_cell("12,5").map_err(|e| e.to_string()),
            Err("số \"12,5\" có phần thập phân; ô này chỉ nhận số nguyên".to_string())
        );
        assert_eq!(
            parse_int_cell("1,000").map_err(|e| e.to_string()),
            Err("số \"1,000\" có dấu phẩy, theo cách viết Việt Nam là phần thập phân; nếu là hàng nghìn, hãy viết 1.000 hoặc 1000"
                .to_string())
        );
    }

    #[test]
    fn money_is_read_with_or_without_the_currency() {
        for raw in ["80.000", "80000", "80.000đ", "80.000 đ", "80 000 VND", "80.000 VNĐ", "80.000 đồng", "80000₫", "80000.0"] {
            assert_eq!(parse_money_cell(raw), Ok(80_000), "{raw:?}");
        }
        assert_eq!(parse_money_cell("1.500.000 đ"), Ok(1_500_000));
        assert_eq!(parse_money_cell("0"), Ok(0));
        assert_eq!(parse_money_cell("10.000.000.000.000"), Ok(MAX_MONEY));
        assert!(matches!(parse_money_cell("10.000.000.000.001"), Err(CellError::MoneyTooLarge(_))));
        assert!(matches!(parse_money_cell("9223372036854775807"), Err(CellError::MoneyTooLarge(_))));
        assert_eq!(parse_money_cell("tám mươi nghìn"), Err(CellError::BadMoney("tám mươi nghìn".into())));
        assert_eq!(parse_money_cell("đ"), Err(CellError::BadMoney("đ".into())));
        assert_eq!(parse_money_cell("-80.000"), Err(CellError::NegativeMoney("-80.000".into())));
        assert_eq!(parse_money_cell("80.000,5 đ"), Err(CellError::NotInteger("80.000,5 đ".into())));
        assert_eq!(parse_money_cell(""), Err(CellError::Empty));
    }

    #[test]
    fn yes_no_cells_are_read_in_vietnamese_and_english() {
        for raw in ["có", "Có", "co", "CÓ", "x", "X", "1", "yes", "TRUE", "true", "đúng", "Dung"] {
            assert_eq!(parse_bool_cell(raw), Ok(true), "{raw:?}");
        }
        for raw in ["không", "Không", "khong", "", "  ", "0", "no", "FALSE", "sai", "Sai"] {
            assert_eq!(parse_bool_cell(raw), Ok(false), "{raw:?}");
        }
        assert_eq!(parse_bool_cell("có lẽ"), Err(CellError::BadBool("có lẽ".into())));
        assert_eq!(
            parse_bool_cell("?").map_err(|e| e.to_string()),
            Err("không đọc được \"?\": ghi \"có\" hoặc \"không\" (hoặc x / để trống)".to_string())
        );
    }

    proptest! {
        #[test]
        fn any_day_reads_back_from_every_spelling(days in 0i32..2_900_000) {
            let day = date(1900, 3, 1).checked_add(Span::new().days(days));
            prop_assume!(day.is_ok());
            let day = day.unwrap_or(date(1900, 3, 1));
            let (d, m, y) = (day.day(), day.month(), day.year());
            let serial = i64::from(days) + 61;
            // Serials 1000–2999 read as bare years and are refused on purpose.
            let serial = if (1000..3000).contains(&serial) { format!("{day}") } else { serial.to_string() };
            for raw in [
                format!("{d:02}/{m:02}/{y}"),
                format!("{d}/{m}/{y}"),
                format!("{d:02}.{m:02}.{y}"),
                format!("{d:02}-{m:02}-{y}"),
                format!("{day}"),
                format!("{day}T00:00:00"),
                serial,
            ] {
                prop_assert_eq!(parse_date_cell(&raw), Ok(day), "{}", raw);
            }
        }

        #[test]
        fn grouped_integers_read_back(n in 0i64..i64::MAX) {
            let plain = n.to_string();
            let mut dotted = String::new();
            for (i, c) in plain.chars().enumerate() {
                if i > 0 && (plain.len() - i) % 3 == 0 {
                    dotted.push('.');
                }
                dotted.push(c);
            }
            prop_assert_eq!(parse_int_cell(&plain), Ok(n));
            prop_assert_eq!(parse_int_cell(&dotted), Ok(n));
            prop_assert_eq!(parse_int_cell(&format!("{plain}.0")), Ok(n));
            // Money stops at MAX_MONEY, so that sums of amounts stay inside 64 bits.
            let money = parse_money_cell(&format!("{dotted}đ"));
            if n <= MAX_MONEY {
                prop_assert_eq!(money, Ok(n));
            } else {
                prop_assert!(matches!(money, Err(CellError::MoneyTooLarge(_))), "{money:?}");
            }
        }
    }
}
