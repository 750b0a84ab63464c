//! Reading a table from an uploaded spreadsheet (XLSX) or CSV, whatever the user's Excel did
//! to it: UTF-8 with or without BOM, NFD text, trailing spaces, extra columns, blank rows,
//! headers with or without diacritics. Each row keeps the line number Excel shows.

use hoctap_domain::registry::cell::CellKind;
use std::collections::BTreeMap;
#[cfg(test)]
use std::io::Cursor;

/// Largest upload accepted; what it may inflate to is bounded by [`crate::guard::UPLOAD`].
pub const MAX_UPLOAD_BYTES: usize = 20 * 1024 * 1024;

/// Why a file could not be read. Messages are Vietnamese and name what to fix.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TableError {
    #[error("tệp rỗng")]
    Empty,
    #[error("tệp lớn {0} MB; tối đa 20 MB")]
    TooLarge(usize),
    #[error("tệp không phải Excel (.xlsx) hay CSV UTF-8; hãy lưu lại bằng \"CSV UTF-8\" hoặc \"Excel Workbook\"")]
    UnknownFormat,
    #[error("tệp Excel bị hỏng hoặc không đọc được: {0}")]
    BadXlsx(String),
    #[error("tệp CSV không đọc được ở dòng {line}: {reason}")]
    BadCsv { line: usize, reason: String },
    #[error("không tìm thấy dòng tiêu đề có các cột: {0}")]
    MissingColumns(String),
    #[error("tệp Excel bị nén bất thường (giải nén ra {0} MB): có thể là tệp độc hại, hệ thống không mở")]
    ZipBomb(u64),
    #[error("tệp nén có phần {part} khai báo {declared} byte nhưng giải nén ra {real} byte: tệp bị sửa hoặc độc hại, hệ thống không mở")]
    ZipLies { part: String, declared: u64, real: u64 },
    #[error("tệp nén có {0} phần; tệp Office bình thường có ít hơn nhiều: hệ thống không mở")]
    TooManyParts(usize),
    #[error("phần {part} của tệp giải nén ra {mb} MB, quá lớn để đọc: hệ thống không mở")]
    PartTooLarge { part: String, mb: u64 },
    #[error("tệp Excel có {0} trang tính; tối đa 255")]
    TooManySheets(u64),
    #[error("tệp Excel khai báo {0} chuỗi văn bản dùng chung; tối đa 3.000.000: hãy chia tệp nhỏ hơn")]
    TooManySharedStrings(u64),
    #[error("tệp Excel có {0} định dạng ô; tối đa 200.000: hãy xóa bớt định dạng thừa")]
    TooManyStyles(u64),
    #[error("trang tính khai báo vùng dữ liệu {range} ({cells} ô), vượt quá {max} ô: hãy xóa các dòng, cột trống thừa rồi lưu lại")]
    DimensionTooLarge { range: String, cells: u64, max: u64 },
    #[error("trang tính có hơn {0} ô: hãy chia tệp nhỏ hơn")]
    TooManyCells(u64),
}

/// Largest size an uploaded XLSX may expand to.
pub const MAX_UNZIPPED: u64 = crate::guard::UPLOAD.max_inflated;

/// Refuses an Office file whose parts would expand beyond reason (a "zip bomb"), or whose
/// real structure does not match what it declares, before any reader inflates it
/// ([`crate::guard::check_office_zip`] with the upload limits, `max_unzipped` in all).
pub fn check_zip<R: std::io::Read + std::io::Seek>(reader: R, max_unzipped: u64) -> Result<(), TableError> {
    crate::guard::check_office_zip(reader, &crate::guard::Limits { max_inflated: max_unzipped, ..crate::guard::UPLOAD }).map(|_| ())
}

/// One data row: the line number (1-based, as in Excel) and cells by canonical column name
/// (the same map as the store's import rows, so a row moves into an import without a copy).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TableRow {
    pub line: usize,
    pub cells: BTreeMap<std::borrow::Cow<'static, str>, String>,
    /// Cells that were not text (numbers, formulas), by column; empty for most rows and
    /// for every CSV row.
    pub kinds: Vec<(std::borrow::Cow<'static, str>, CellKind)>,
}

impl TableRow {
    pub fn get(&self, column: &str) -> &str {
        self.cells.get(column).map(String::as_str).unwrap_or("")
    }

    /// What kind of cell a column's value came from.
    pub fn kind(&self, column: &str) -> &CellKind {
        self.kinds.iter().find(|(c, _)| c == column).map_or(&CellKind::Text, |(_, k)| k)
    }
}

/// A column the reader looks for: its canonical name and the header spellings accepted.
pub struct Column {
    pub name: &'static str,
    pub headers: &'static [&'static str],
    pub required: bool,
}

/// Reads a table whose header row (within the first 10 rows) names the columns.
pub fn read_table(bytes: &[u8], columns: &[Column]) -> Result<Vec<TableRow>, TableError> {
    let specs: Vec<ColumnSpec> = columns
        .iter()
        .map(|c| ColumnSpec { name: c.name, headers: c.headers.iter().map(|h| (*h).to_string()).collect(), required: c.required })
        .collect();
    read_table_with(bytes, &specs)
}

/// A column built at run time (e.g. from a registry definition).
pub struct ColumnSpec {
    pub name: &'static str,
    pub headers: Vec<String>,
    pub required: bool,
}

/// Like [`read_table`], with columns built at run time. The file is read by the streaming
/// reader ([`crate::table_stream::stream_bytes`]) with the upload limits: never into a grid.
pub fn read_table_with(bytes: &[u8], columns: &[ColumnSpec]) -> Result<Vec<TableRow>, TableError> {
    let mut out = Vec::new();
    crate::table_stream::stream_bytes(bytes, columns, 1_000, |chunk| {
        out.extend(chunk);
        true
    })?;
    Ok(out)
}

/// Escapes a cell that a spreadsheet would run as a formula (`= + - @`).
/// Drops what XML cannot hold too, so an exported cell never breaks the workbook.
pub fn escape_cell(s: &str) -> String {
    let s = hoctap_domain::text::xml_safe(s);
    if s.starts_with(['=', '+', '-', '@', '\t', '\r']) { format!("'{s}") } else { s.to_string() }
}

#[cfg(test)]
mod tests {
    use super::*;

    const COLS: &[Column] = &[
        Column { name: "code", headers: &["Mã xã", "ma xa"], required: true },
        Column { name: "name", headers: &["Tên thôn"], required: true },
    ];

    #[test]
    fn csv_with_bom_extra_columns_and_blank_rows_is_read() {
        let csv = "\u{feff}Ghi chú,Mã xã,Tên thôn\nx,00004 ,  Thôn  Đông\n,,\ny,00004,Thôn Tây\n";
        let rows = read_table(csv.as_bytes(), COLS).unwrap_or_default();
        assert_eq!(rows.len(), 2);
        assert_eq!(rows[0].get("name"), "Thôn Đông");
        assert_eq!(rows[0].get("code"), "00004");
        assert_eq!(rows[1].line, 4);
    }

    #[test]
    fn missing_header_and_binary_garbage_are_refused() {
        assert_eq!(read_table(b"a,b\n1,2\n", COLS), Err(TableError::MissingColumns("Mã xã, Tên thôn".into())));
        assert_eq!(read_table(b"\xff\xfe\x00garbage", COLS), Err(TableError::UnknownFormat));
        assert!(matches!(read_table(b"PK\x03\x04broken", COLS), Err(TableError::BadXlsx(_))));
    }

    #[test]
    fn xlsx_with_a_title_row_and_numeric_codes_is_read() {
        let mut wb = rust_xlsxwriter::Workbook::new();
        let ws = wb.add_worksheet();
        let _ = ws.write_string(0, 0, "DANH SÁCH THÔN");
        let _ = ws.write_string(1, 0, "Mã xã");
        let _ = ws.write_string(1, 1, "Tên thôn");
        // Excel keeps a typed-in code as a number.
        let _ = ws.write_number(2, 0, 5977.0);
        let _ = ws.write_string(2, 1, "Thôn Bắc ");
        let bytes = wb.save_to_buffer().unwrap_or_default();
        let rows = read_table(&bytes, COLS).unwrap_or_default();
        assert_eq!(rows.len(), 1);
        assert_eq!(rows[0].line, 3);
        assert_eq!(rows[0].get("code"), "5977", "the caller restores or rejects the lost zero");
        assert_eq!(rows[0].get("name"), "Thôn Bắc");
    }

    #[test]
    fn a_zip_bomb_is_refused_before_it_is_inflated() {
        use std::io::Write;
        let mut buf = Cursor::new(Vec::new());
        {
            let mut z = zip::ZipWriter::new(&mut buf);
            let opts = zip::write::SimpleFileOptions::default().compression_method(zip::CompressionMethod::Deflated);
            let _ = z.start_file("xl/worksheets/sheet1.xml", opts);
            let zeros = vec![b'0'; 1024 * 1024];
            for _ in 0..64 {
                let _ = z.write_all(&zeros);
            }
            let _ = z.finish();
        }
        let bytes = buf.into_inner();
        assert!(bytes.len() < 1024 * 1024, "64 MB of zeros packs small");
        assert!(matches!(read_table(&bytes, COLS), Err(TableError::ZipBomb(_))));
    }

    #[test]
    fn formulas_are_escaped() {
        assert_eq!(escape_cell("=1+1"), "'=1+1");
        assert_eq!(escape_cell("Thôn 1"), "Thôn 1");
    }
}
