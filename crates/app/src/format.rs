//! Vietnamese number and date formatting for pages: `1.234,5`, `30/06/2025`.

/// Formats an integer with `.` as the thousands separator.
pub fn int_vn(n: i64) -> String {
    hoctap_domain::text::group_thousands(n)
}

/// Formats an RFC 3339 instant as local Vietnamese time `dd/mm/yyyy hh:mm`.
pub fn instant_vn(s: &str) -> String {
    s.parse::<jiff::Timestamp>()
        .map(|t| t.to_zoned_datetime(hoctap_store::vn_tz()).strftime("%d/%m/%Y %H:%M").to_string())
        .unwrap_or_else(|_| s.to_string())
}

/// Formats a stored ISO date (`2022-05-10`) as `10/05/2022`; anything else is shown as it is
/// (a date typed free-form in an old record).
pub fn iso_date_vn(s: &str) -> String {
    s.trim().parse::<jiff::civil::Date>().map(|d| d.strftime("%d/%m/%Y").to_string()).unwrap_or_else(|_| s.to_string())
}

#[cfg(test)]
mod tests {
    #[test]
    fn thousands_use_dots() {
        assert_eq!(super::int_vn(1234567), "1.234.567");
        assert_eq!(super::int_vn(999), "999");
        assert_eq!(super::int_vn(-1000), "-1.000");
        assert_eq!(super::iso_date_vn("2022-05-10"), "10/05/2022");
        assert_eq!(super::iso_date_vn("không rõ"), "không rõ");
    }
}
