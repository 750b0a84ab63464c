//! The tally sheet of a campaign (bảng chấm): one row per dossier (its code, subject, village
//! and state), one column per indicator answered by hand (a drop-down Đạt / Không đạt for a
//! yes/no indicator, a number otherwise) and per datum (số liệu) the computed indicators read,
//! pre-filled with what is known. Read back with the streaming reader like any upload.

use crate::table::{ColumnSpec, escape_cell};
use rust_xlsxwriter::{DataValidation, DataValidationRule, Format, FormatAlign, Workbook, XlsxError};

/// Name of the sheet with the rows.
pub const SHEET: &str = "Bang cham";
/// The yes/no answers of the drop-down.
pub const YES: &str = "Đạt";
pub const NO: &str = "Không đạt";

/// Fixed columns: dossier code (the key), subject, village, state.
pub const DOSSIER: &str = "ma_ho_so";
pub const SUBJECT: &str = "doi_tuong";
pub const VILLAGE: &str = "thon";
pub const STATE: &str = "trang_thai";
const FIXED: [(&str, &str); 4] = [(DOSSIER, "Mã hồ sơ"), (SUBJECT, "Đối tượng"), (VILLAGE, "Thôn, tổ dân phố"), (STATE, "Trạng thái")];

/// Canonical names of the variable columns, in order (the reader keys cells by static names).
pub const COLUMN_NAMES: [&str; 64] = [
    "c00", "c01", "c02", "c03", "c04", "c05", "c06", "c07", "c08", "c09", "c10", "c11", "c12", "c13", "c14", "c15", "c16", "c17", "c18",
    "c19", "c20", "c21", "c22", "c23", "c24", "c25", "c26", "c27", "c28", "c29", "c30", "c31", "c32", "c33", "c34", "c35", "c36", "c37",
    "c38", "c39", "c40", "c41", "c42", "c43", "c44", "c45", "c46", "c47", "c48", "c49", "c50", "c51", "c52", "c53", "c54", "c55", "c56",
    "c57", "c58", "c59", "c60", "c61", "c62", "c63",
];

/// What a variable column holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TallyKind {
    YesNo,
    Number,
}

/// A variable column: an indicator (`a:` on the form) or a datum (`d:`).
#[derive(Debug, Clone)]
pub struct TallyColumn {
    /// `a:G1.CT1` or `d:nguoi_lon`, as the dossier form names it.
    pub key: String,
    /// The indicator's or datum's id, accepted as a header too.
    pub id: String,
    pub header: String,
    pub kind: TallyKind,
    pub hint: String,
}

/// A dossier's row: its cells in the order of the variable columns.
#[derive(Debug, Clone)]
pub struct TallyRow {
    pub dossier: i64,
    pub subject: String,
    pub village: String,
    pub state: String,
    pub values: Vec<String>,
}

/// The header a column is written with (also accepted when read back).
pub fn header_of(id: &str, name: &str) -> String {
    let short: String = name.chars().take(60).collect();
    let more = if name.chars().count() > 60 { "…" } else { "" };
    format!("{id}. {short}{more}")
}

/// Columns the reader looks for: the fixed ones (the dossier code required), then the variable
/// ones by their header or bare id; at most [`COLUMN_NAMES`] of them.
pub fn column_specs(columns: &[TallyColumn]) -> Vec<ColumnSpec> {
    let mut out: Vec<ColumnSpec> = FIXED
        .iter()
        .map(|(name, header)| ColumnSpec { name, headers: vec![(*header).to_string(), (*name).to_string()], required: *name == DOSSIER })
        .collect();
    for (c, name) in columns.iter().zip(COLUMN_NAMES) {
        out.push(ColumnSpec { name, headers: vec![c.header.clone(), c.id.clone()], required: false });
    }
    out
}

/// The workbook: the rows, drop-downs and number checks, an instructions sheet.
pub fn template(title: &str, columns: &[TallyColumn], rows: &[TallyRow]) -> Result<Vec<u8>, XlsxError> {
    let mut wb = Workbook::new();
    let header = Format::new()
        .set_bold()
        .set_background_color("#D9E1F2")
        .set_text_wrap()
        .set_align(FormatAlign::Center)
        .set_border(rust_xlsxwriter::FormatBorder::Thin);
    let fixed = Format::new().set_background_color("#F2F2F2");
    let input = Format::new().set_unlocked();
    let last_row = u32::try_from(rows.len()).unwrap_or(u32::MAX).max(1);
    let ws = wb.add_worksheet();
    ws.set_name(SHEET)?;
    for (c, (_, h)) in FIXED.iter().enumerate() {
        let col = u16::try_from(c).unwrap_or(0);
        ws.write_string_with_format(0, col, *h, &header)?;
        ws.set_column_width(col, if c == 1 { 36.0 } else { 16.0 })?;
    }
    for (i, c) in columns.iter().take(COLUMN_NAMES.len()).enumerate() {
        let col = u16::try_from(i + FIXED.len()).unwrap_or(u16::MAX);
        ws.write_string_with_format(0, col, crate::table::escape_cell(&c.header), &header)?;
        ws.set_column_width(col, 22.0)?;
        ws.set_column_format(col, &input)?;
        let dv = match c.kind {
            TallyKind::YesNo => DataValidation::new()
                .allow_list_strings(&[YES, NO])?
                .set_error_title("Giá trị không hợp lệ")?
                .set_error_message(format!("Chọn {YES} hoặc {NO}"))?,
            TallyKind::Number => DataValidation::new()
                .allow_decimal_number(DataValidationRule::Between(-1e12, 1e12))
                .set_error_title("Giá trị không hợp lệ")?
                .set_error_message("Nhập một số, ví dụ 80 hoặc 12,5")?,
        };
        ws.add_data_validation(1, col, last_row.max(1_000), col, &dv)?;
    }
    ws.set_row_height(0, 60)?;
    for (r, row) in rows.iter().enumerate() {
        let rr = u32::try_from(r + 1).unwrap_or(u32::MAX);
        ws.write_string_with_format(rr, 0, row.dossier.to_string(), &fixed)?;
        ws.write_string_with_format(rr, 1, escape_cell(&row.subject), &fixed)?;
        ws.write_string_with_format(rr, 2, escape_cell(&row.village), &fixed)?;
        ws.write_string_with_format(rr, 3, escape_cell(&row.state), &fixed)?;
        for (i, (v, c)) in row.values.iter().zip(columns).take(COLUMN_NAMES.len()).enumerate() {
            let col = u16::try_from(i + FIXED.len()).unwrap_or(u16::MAX);
            if v.is_empty() {
                continue;
            }
            match (c.kind, v.replace(',', ".").parse::<f64>()) {
                (TallyKind::Number, Ok(n)) => ws.write_number_with_format(rr, col, n, &input)?,
                _ => ws.write_string_with_format(rr, col, escape_cell(v), &input)?,
            };
        }
    }
    ws.set_freeze_panes(1, 2)?;
    let options = rust_xlsxwriter::ProtectionOptions {
        sort: true,
        use_autofilter: true,
        format_columns: true,
        format_cells: true,
        ..Default::default()
    };
    ws.protect_with_options(&options);
    let help = wb.add_worksheet();
    help.set_name("Huong dan")?;
    let bold = Format::new().set_bold();
    help.write_string_with_format(0, 0, format!("Bảng chấm: {}", escape_cell(title)), &bold)?;
    help.write_string(1, 0, "Mỗi dòng là một hồ sơ (cột Mã hồ sơ, không sửa). Chọn Đạt / Không đạt hoặc nhập số vào các cột chỉ tiêu, số liệu rồi tải tệp lên trang Bảng chấm của đợt.")?;
    help.write_string(2, 0, "Hệ thống kiểm tra trước, liệt kê lỗi theo dòng và cột, chỉ ghi khi không còn lỗi; mỗi hồ sơ được chấm và giải thích như khi nhập tay. Ô để trống giữ giá trị đã có.")?;
    for (c, t) in ["Cột", "Loại", "Ghi chú"].iter().enumerate() {
        help.write_string_with_format(4, u16::try_from(c).unwrap_or(0), *t, &bold)?;
    }
    for (i, c) in columns.iter().enumerate() {
        let r = u32::try_from(i + 5).unwrap_or(u32::MAX);
        help.write_string(r, 0, escape_cell(&c.header))?;
        help.write_string(r, 1, if c.kind == TallyKind::YesNo { "Đạt / Không đạt" } else { "Số" })?;
        help.write_string(r, 2, escape_cell(&c.hint))?;
    }
    help.set_column_width(0, 50)?;
    help.set_column_width(2, 80)?;
    wb.save_to_buffer()
}

#[cfg(test)]
mod tests {
    #![expect(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn a_tally_sheet_reads_back_with_its_rows_and_columns() {
        let columns = vec![
            TallyColumn {
                key: "a:G1".into(),
                id: "G1".into(),
                header: header_of("G1", "Trẻ em đi học"),
                kind: TallyKind::YesNo,
                hint: String::new(),
            },
            TallyColumn {
                key: "d:n".into(),
                id: "n".into(),
                header: header_of("n", "Số người lớn"),
                kind: TallyKind::Number,
                hint: String::new(),
            },
        ];
        let rows = vec![TallyRow {
            dossier: 7,
            subject: "HG-1 – Lục Văn A".into(),
            village: "Nà Sla".into(),
            state: "Bản nháp".into(),
            values: vec![YES.into(), "3".into()],
        }];
        let bytes = template("Gia đình học tập 2026", &columns, &rows).unwrap();
        let read = crate::table::read_table_with(&bytes, &column_specs(&columns)).unwrap();
        assert_eq!(read.len(), 1);
        assert_eq!(read[0].get(DOSSIER), "7");
        assert_eq!(read[0].get(COLUMN_NAMES[0]), YES);
        assert_eq!(read[0].get(COLUMN_NAMES[1]), "3");
        assert_eq!(read[0].line, 2);
    }
}
