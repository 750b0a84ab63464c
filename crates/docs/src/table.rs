//! Reading a table from an uploaded spreadsheet (XLSX) or CSV, whatever the user's Excel did
//! to it: UTF-8 with or without BOM, NFD text, trailing spaces, extra columns, blank rows,
//! headers with or without diacritics. Each row keeps the line number Excel shows.

pub use crate::tabular::{ColumnSpec, MAX_UPLOAD_BYTES, TableError, TableRow};
#[cfg(test)]
use std::io::Cursor;

/// Largest size an uploaded XLSX may expand to.
pub const MAX_UNZIPPED: u64 = crate::guard::UPLOAD.max_inflated;

/// Refuses an Office file whose parts would expand beyond reason (a "zip bomb"), or whose
/// real structure does not match what it declares, before any reader inflates it
/// ([`crate::guard::check_office_zip`] with the upload limits, `max_unzipped` in all).
pub fn check_zip<R: std::io::Read + std::io::Seek>(reader: R, max_unzipped: u64) -> Result<(), TableError> {
    crate::guard::check_office_zip(reader, &crate::guard::Limits { max_inflated: max_unzipped, ..crate::guard::UPLOAD }).map(|_| ())
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
