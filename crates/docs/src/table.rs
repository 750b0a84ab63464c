//! Reading a table from an uploaded spreadsheet (XLSX) or CSV, whatever the user's Excel did
//! to it: UTF-8 with or without BOM, NFD text, trailing spaces, extra columns, blank rows,
//! headers with or without diacritics. Each row keeps the line number Excel shows.

use hoctap_domain::text;
use std::collections::BTreeMap;
use std::io::Cursor;

/// Largest upload accepted (zip bombs are caught by calamine's own limits on top of this).
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
}

/// Largest size an uploaded XLSX may expand to, and the largest compression ratio of one part.
pub const MAX_UNZIPPED: u64 = 400 * 1024 * 1024;
const MAX_RATIO: u64 = 250;

/// Refuses a workbook whose parts would expand beyond reason (a "zip bomb") before any
/// reader inflates it. Sizes are those the archive declares; the zip reader also stops
/// at the declared size, so a part cannot lie its way past this check.
pub fn check_zip<R: std::io::Read + std::io::Seek>(reader: R, max_unzipped: u64) -> Result<(), TableError> {
    let mut zip = zip::ZipArchive::new(reader).map_err(|e| TableError::BadXlsx(e.to_string()))?;
    let mut total: u64 = 0;
    for i in 0..zip.len() {
        let part = zip.by_index_raw(i).map_err(|e| TableError::BadXlsx(e.to_string()))?;
        let (size, packed) = (part.size(), part.compressed_size().max(1));
        total = total.saturating_add(size);
        if total > max_unzipped || (size > 10 * 1024 * 1024 && size / packed > MAX_RATIO) {
            return Err(TableError::ZipBomb(total / (1024 * 1024)));
        }
    }
    Ok(())
}

/// One data row: the line number (1-based, as in Excel) and cells by canonical column name
/// (the same map as the store's import rows, so a row moves into an import without a copy).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TableRow {
    pub line: usize,
    pub cells: BTreeMap<std::borrow::Cow<'static, str>, String>,
}

impl TableRow {
    pub fn get(&self, column: &str) -> &str {
        self.cells.get(column).map(String::as_str).unwrap_or("")
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

/// Like [`read_table`], with columns built at run time.
pub fn read_table_with(bytes: &[u8], columns: &[ColumnSpec]) -> Result<Vec<TableRow>, TableError> {
    if bytes.is_empty() {
        return Err(TableError::Empty);
    }
    if bytes.len() > MAX_UPLOAD_BYTES {
        return Err(TableError::TooLarge(bytes.len() / (1024 * 1024)));
    }
    let grid = if bytes.starts_with(b"PK\x03\x04") { read_xlsx(bytes)? } else { read_csv(bytes)? };
    let wanted: Vec<(usize, Vec<String>)> =
        columns.iter().enumerate().map(|(i, c)| (i, c.headers.iter().map(|h| text::fold(h)).collect())).collect();
    // The header row is the first row that names every required column.
    for (hdr_idx, header) in grid.iter().enumerate().take(10) {
        let folded: Vec<String> = header.iter().map(|h| text::fold(h)).collect();
        let mut positions: BTreeMap<usize, usize> = BTreeMap::new();
        for (ci, spellings) in &wanted {
            if let Some(pos) = folded.iter().position(|h| spellings.iter().any(|s| s == h)) {
                positions.insert(*ci, pos);
            }
        }
        let all_required = columns.iter().enumerate().all(|(i, c)| !c.required || positions.contains_key(&i));
        if !all_required {
            continue;
        }
        let mut out = Vec::new();
        for (ri, row) in grid.iter().enumerate().skip(hdr_idx + 1) {
            let mut cells = BTreeMap::new();
            for (ci, col) in columns.iter().enumerate() {
                let value = positions.get(&ci).and_then(|&p| row.get(p)).map(|s| text::clean(s)).unwrap_or_default();
                cells.insert(std::borrow::Cow::Borrowed(col.name), value);
            }
            if cells.values().all(String::is_empty) {
                continue;
            }
            out.push(TableRow { line: ri + 1, cells });
        }
        return Ok(out);
    }
    Err(TableError::MissingColumns(
        columns
            .iter()
            .filter(|c| c.required)
            .map(|c| c.headers.first().cloned().unwrap_or_else(|| c.name.to_string()))
            .collect::<Vec<_>>()
            .join(", "),
    ))
}

fn read_csv(bytes: &[u8]) -> Result<Vec<Vec<String>>, TableError> {
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    let text = std::str::from_utf8(bytes).map_err(|_| TableError::UnknownFormat)?;
    if text.contains('\0') {
        return Err(TableError::UnknownFormat);
    }
    // Excel in Vietnamese locales writes ';' separated CSV; pick whichever the header uses more.
    let first = text.lines().next().unwrap_or("");
    let delimiter = if first.matches(';').count() > first.matches(',').count() { b';' } else { b',' };
    let mut r = csv::ReaderBuilder::new().has_headers(false).flexible(true).delimiter(delimiter).from_reader(text.as_bytes());
    let mut out = Vec::new();
    for (i, rec) in r.records().enumerate() {
        let rec = rec.map_err(|e| TableError::BadCsv { line: i + 1, reason: e.to_string() })?;
        out.push(rec.iter().map(str::to_string).collect());
    }
    Ok(out)
}

fn read_xlsx(bytes: &[u8]) -> Result<Vec<Vec<String>>, TableError> {
    use calamine::{Data, Reader, Xlsx};
    check_zip(Cursor::new(bytes), MAX_UNZIPPED)?;
    let mut wb: Xlsx<_> = Xlsx::new(Cursor::new(bytes.to_vec())).map_err(|e| TableError::BadXlsx(e.to_string()))?;
    let name = wb.sheet_names().first().cloned().ok_or_else(|| TableError::BadXlsx("không có trang tính".into()))?;
    let range = wb.worksheet_range(&name).map_err(|e| TableError::BadXlsx(e.to_string()))?;
    Ok(range
        .rows()
        .map(|row| {
            row.iter()
                .map(|c| match c {
                    Data::Empty => String::new(),
                    Data::String(s) => s.clone(),
                    Data::Float(f) if f.fract() == 0.0 && f.abs() < 1e15 => format!("{}", *f as i64),
                    Data::Float(f) => f.to_string(),
                    Data::Int(i) => i.to_string(),
                    Data::Bool(b) => b.to_string(),
                    other => other.to_string(),
                })
                .collect()
        })
        .collect())
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
