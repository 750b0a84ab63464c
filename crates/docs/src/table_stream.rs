//! Reading a table file row by row, in chunks, in constant memory: CSV through the csv
//! reader, XLSX through calamine's cell reader (the whole sheet is never loaded, and the
//! archive is checked by [`crate::guard`] before calamine opens it). Used by the
//! command-line import of a million rows and by every upload.

use crate::guard::Limits;
use crate::tabular::{ColumnSpec, TableError, TableRow};
use hoctap_domain::registry::cell::CellKind;
use hoctap_domain::text;
use std::borrow::Cow;
use std::collections::BTreeMap;
use std::io::{BufReader, Cursor, Read, Seek};
use std::path::Path;

/// Cells of a sheet read at most (declared or real) for an upload: a million rows of 32 columns.
pub const MAX_UPLOAD_CELLS: u64 = 1_048_576 * 32;

/// Columns of a row looked at: a header further right is not looked for, cells further right
/// are dropped before they are kept.
pub const MAX_COLUMNS: usize = 1_024;

/// Finds which columns of a header row hold the wanted fields; None if a required one is missing.
fn map_header(header: &[String], columns: &[ColumnSpec]) -> Option<BTreeMap<usize, usize>> {
    let folded: Vec<String> = header.iter().map(|h| text::fold(h)).collect();
    let mut positions = BTreeMap::new();
    for (ci, c) in columns.iter().enumerate() {
        if let Some(pos) = folded.iter().position(|h| c.headers.iter().any(|s| text::fold(s) == *h)) {
            positions.insert(ci, pos);
        }
    }
    columns.iter().enumerate().all(|(i, c)| !c.required || positions.contains_key(&i)).then_some(positions)
}

fn missing(columns: &[ColumnSpec]) -> TableError {
    TableError::MissingColumns(
        columns
            .iter()
            .filter(|c| c.required)
            .map(|c| c.headers.first().cloned().unwrap_or_else(|| c.name.to_string()))
            .collect::<Vec<_>>()
            .join(", "),
    )
}

/// A cell as a reader hands it over: borrowed (CSV), or owned and no longer needed (XLSX).
trait RawCell: AsRef<str> {
    /// The cell cleaned ([`text::clean`]); an owned cell that is already clean is moved out.
    fn take_clean(&mut self) -> String;
}

impl RawCell for &str {
    fn take_clean(&mut self) -> String {
        text::clean(self)
    }
}

impl RawCell for String {
    fn take_clean(&mut self) -> String {
        match text::clean_cow(self) {
            std::borrow::Cow::Borrowed(_) => std::mem::take(self),
            std::borrow::Cow::Owned(clean) => clean,
        }
    }
}

/// Turns raw rows into table rows once the header is known.
struct Assembler<'c, F: FnMut(Vec<TableRow>) -> bool> {
    columns: &'c [ColumnSpec],
    pending: Vec<(usize, Vec<String>)>,
    positions: Option<BTreeMap<usize, usize>>,
    chunk: Vec<TableRow>,
    chunk_size: usize,
    sink: F,
    rows: usize,
    stopped: bool,
}

impl<F: FnMut(Vec<TableRow>) -> bool> Assembler<'_, F> {
    fn push<S: RawCell>(&mut self, line: usize, cells: &mut [S], kinds: &[(usize, CellKind)]) -> Result<(), TableError> {
        if self.stopped {
            return Ok(());
        }
        let Some(positions) = &self.positions else {
            let cells: Vec<String> = cells.iter().map(|c| c.as_ref().to_string()).collect();
            if let Some(p) = map_header(&cells, self.columns) {
                self.positions = Some(p);
                return Ok(());
            }
            self.pending.push((line, cells));
            if self.pending.len() >= 10 {
                return Err(missing(self.columns));
            }
            return Ok(());
        };
        let mut map = BTreeMap::new();
        let mut row_kinds = Vec::new();
        let mut taken: Vec<(usize, &'static str)> = Vec::new();
        for (ci, col) in self.columns.iter().enumerate() {
            let v = match positions.get(&ci) {
                // Two columns read from one cell: the second copies what the first took.
                Some(&p) => match taken.iter().find(|(q, _)| *q == p) {
                    Some((_, first)) => map.get(*first).cloned().unwrap_or_default(),
                    None => {
                        taken.push((p, col.name));
                        cells.get_mut(p).map(RawCell::take_clean).unwrap_or_default()
                    }
                },
                None => String::new(),
            };
            if let Some(&p) = positions.get(&ci)
                && let Some((_, kind)) = kinds.iter().find(|(q, _)| *q == p)
            {
                row_kinds.push((Cow::Borrowed(col.name), kind.clone()));
            }
            map.insert(Cow::Borrowed(col.name), v);
        }
        // A formula without a saved value is still a cell to report, not a blank row.
        if map.values().all(String::is_empty) && row_kinds.is_empty() {
            return Ok(());
        }
        self.rows += 1;
        self.chunk.push(TableRow { line, cells: map, kinds: row_kinds });
        if self.chunk.len() >= self.chunk_size {
            let full = std::mem::take(&mut self.chunk);
            if !(self.sink)(full) {
                self.stopped = true;
            }
        }
        Ok(())
    }

    fn finish(mut self) -> Result<usize, TableError> {
        if self.positions.is_none() {
            return Err(missing(self.columns));
        }
        if !self.chunk.is_empty() && !self.stopped {
            (self.sink)(std::mem::take(&mut self.chunk));
        }
        Ok(self.rows)
    }
}

/// Streams the table in `path` (a file given at the command line: [`crate::guard::LOCAL`]
/// limits) to `sink` in chunks of `chunk_size` rows; `sink` returns false to stop early.
/// Returns the number of data rows read.
pub fn stream_table(
    path: &Path,
    columns: &[ColumnSpec],
    chunk_size: usize,
    sink: impl FnMut(Vec<TableRow>) -> bool,
) -> Result<usize, TableError> {
    let file = std::fs::File::open(path)
        .map_err(|e| TableError::BadCsv { line: 0, reason: format!("không mở được tệp {}: {e}", path.display()) })?;
    stream_reader(BufReader::new(file), &crate::guard::LOCAL, u64::MAX, columns, chunk_size, sink)
}

/// Streams an uploaded file (at most [`crate::tabular::MAX_UPLOAD_BYTES`], checked with the
/// [`crate::guard::UPLOAD`] limits and at most [`MAX_UPLOAD_CELLS`] cells) like
/// [`stream_table`].
pub fn stream_bytes(
    bytes: &[u8],
    columns: &[ColumnSpec],
    chunk_size: usize,
    sink: impl FnMut(Vec<TableRow>) -> bool,
) -> Result<usize, TableError> {
    if bytes.len() > crate::tabular::MAX_UPLOAD_BYTES {
        return Err(TableError::TooLarge(bytes.len() / (1024 * 1024)));
    }
    stream_reader(Cursor::new(bytes), &crate::guard::UPLOAD, MAX_UPLOAD_CELLS, columns, chunk_size, sink)
}

fn stream_reader<R: Read + Seek>(
    mut file: R,
    limits: &Limits,
    max_cells: u64,
    columns: &[ColumnSpec],
    chunk_size: usize,
    sink: impl FnMut(Vec<TableRow>) -> bool,
) -> Result<usize, TableError> {
    let io = |e: std::io::Error| TableError::BadCsv { line: 0, reason: e.to_string() };
    let mut magic = [0u8; 4];
    let mut n = 0;
    while n < magic.len() {
        match file.read(&mut magic[n..]).map_err(io)? {
            0 => break,
            k => n += k,
        }
    }
    if n == 0 {
        return Err(TableError::Empty);
    }
    file.rewind().map_err(io)?;
    let mut asm = Assembler {
        columns,
        pending: Vec::new(),
        positions: None,
        chunk: Vec::with_capacity(chunk_size),
        chunk_size: chunk_size.max(1),
        sink,
        rows: 0,
        stopped: false,
    };
    if magic == *b"PK\x03\x04" {
        crate::guard::check_office_zip(&mut file, limits)?;
        file.rewind().map_err(io)?;
        stream_xlsx(file, max_cells, &mut asm)?;
    } else {
        stream_csv(file, &mut asm)?;
    }
    asm.finish()
}

fn stream_csv<R: Read, F: FnMut(Vec<TableRow>) -> bool>(mut reader: R, asm: &mut Assembler<'_, F>) -> Result<(), TableError> {
    // Peek at the first lines (a title row may come first) for the BOM and the delimiter
    // (Vietnamese Excel writes ';').
    let mut head = Vec::new();
    let mut byte = [0u8; 1];
    let mut newlines = 0;
    while head.len() < 64 * 1024 && newlines < 10 {
        match reader.read(&mut byte) {
            Ok(0) => break,
            Ok(_) => {
                head.push(byte[0]);
                if byte[0] == b'\n' {
                    newlines += 1;
                }
            }
            Err(e) => return Err(TableError::BadCsv { line: 1, reason: e.to_string() }),
        }
    }
    if head.contains(&0) {
        return Err(TableError::UnknownFormat);
    }
    let first =
        std::str::from_utf8(head.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(&head)).map_err(|_| TableError::UnknownFormat)?.to_string();
    let delimiter = if first.matches(';').count() > first.matches(',').count() { b';' } else { b',' };
    let chained = std::io::Cursor::new(first.into_bytes()).chain(reader);
    let mut r = csv::ReaderBuilder::new().has_headers(false).flexible(true).delimiter(delimiter).from_reader(chained);
    let mut rec = csv::StringRecord::new();
    let mut line = 0usize;
    loop {
        match r.read_record(&mut rec) {
            Ok(false) => break,
            Ok(true) => {
                line += 1;
                asm.push(line, &mut rec.iter().take(MAX_COLUMNS).collect::<Vec<_>>(), &[])?;
                if asm.stopped {
                    break;
                }
            }
            Err(e) => return Err(TableError::BadCsv { line: line + 1, reason: e.to_string() }),
        }
    }
    Ok(())
}

fn stream_xlsx<R: Read + Seek, F: FnMut(Vec<TableRow>) -> bool>(
    reader: R,
    max_cells: u64,
    asm: &mut Assembler<'_, F>,
) -> Result<(), TableError> {
    use calamine::{DataRef, Reader, Xlsx, XlsxFormulaMetadata};
    let bad = |e: calamine::XlsxError| TableError::BadXlsx(e.to_string());
    let mut wb: Xlsx<R> = Xlsx::new(reader).map_err(bad)?;
    let name = wb.sheet_names().first().cloned().ok_or_else(|| TableError::BadXlsx("không có trang tính".into()))?;
    let mut cells = wb.worksheet_cells_reader(&name).map_err(bad)?;
    // What the sheet declares is refused before a cell is read: a reader that trusted it
    // would allocate the whole grid.
    let dims = cells.dimensions();
    if dims.len() > max_cells {
        let a1 = |(r, c): (u32, u32)| format!("{}{}", column_letters(c), u64::from(r) + 1);
        return Err(TableError::DimensionTooLarge {
            range: format!("{}:{}", a1(dims.start), a1(dims.end)),
            cells: dims.len(),
            max: max_cells,
        });
    }
    let mut current: Option<u32> = None;
    let mut row: Vec<String> = Vec::new();
    let mut kinds: Vec<(usize, CellKind)> = Vec::new();
    let mut seen: u64 = 0;
    loop {
        let cell = cells.next_cell_with_formula_metadata().map_err(bad)?;
        let Some(cell) = cell else { break };
        seen += 1;
        if seen > max_cells {
            return Err(TableError::TooManyCells(max_cells));
        }
        let (r, c) = cell.pos;
        if current != Some(r) {
            if let Some(prev) = current {
                asm.push(prev as usize + 1, &mut row, &kinds)?;
                row.clear();
                kinds.clear();
                if asm.stopped {
                    return Ok(());
                }
            }
            current = Some(r);
        }
        let c = c as usize;
        if c >= MAX_COLUMNS || (matches!(cell.value, DataRef::Empty) && cell.formula.is_none()) {
            continue;
        }
        if row.len() <= c {
            row.resize(c + 1, String::new());
        }
        let kind = match (&cell.formula, &cell.value) {
            (Some(XlsxFormulaMetadata::Normal { formula } | XlsxFormulaMetadata::Shared { formula, .. }), _) => {
                Some(CellKind::Formula(formula.clone()))
            }
            (Some(_), _) => Some(CellKind::Formula(String::new())),
            (None, DataRef::Float(_) | DataRef::Int(_) | DataRef::DateTime(_)) => Some(CellKind::Number),
            (None, _) => None,
        };
        if let Some(kind) = kind {
            kinds.push((c, kind));
        }
        let v = match cell.value {
            DataRef::Empty => String::new(),
            DataRef::String(s) => s,
            DataRef::SharedString(s) => s.to_string(),
            DataRef::Float(f) if f.fract() == 0.0 && f.abs() < 1e15 => format!("{}", f as i64),
            DataRef::Float(f) => f.to_string(),
            DataRef::Int(i) => i.to_string(),
            DataRef::Bool(b) => b.to_string(),
            DataRef::DateTime(d) => d.as_f64().to_string(),
            DataRef::DateTimeIso(s) | DataRef::DurationIso(s) => s,
            DataRef::Error(e) => format!("#{e:?}"),
        };
        if let Some(slot) = row.get_mut(c) {
            *slot = v;
        }
    }
    if let Some(prev) = current {
        asm.push(prev as usize + 1, &mut row, &kinds)?;
    }
    Ok(())
}

/// Excel's letters for a 0-based column (0 → A, 16383 → XFD).
fn column_letters(mut c: u32) -> String {
    let mut out = Vec::new();
    loop {
        out.push(b'A' + (c % 26) as u8);
        if c < 26 {
            break;
        }
        c = c / 26 - 1;
    }
    out.reverse();
    String::from_utf8(out).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cols() -> Vec<ColumnSpec> {
        vec![
            ColumnSpec { name: "code", headers: vec!["Mã".into()], required: true },
            ColumnSpec { name: "name", headers: vec!["Tên".into()], required: false },
        ]
    }

    #[test]
    fn csv_and_xlsx_stream_the_same_rows_in_chunks() {
        let dir = std::env::temp_dir();
        let csv_path = dir.join(format!("stream-{}.csv", std::process::id()));
        let mut body = String::from("\u{feff}Tiêu đề\nMã;Tên\n");
        for i in 0..2500 {
            body.push_str(&format!("M{i};Thôn {i}\n"));
        }
        std::fs::write(&csv_path, body).unwrap_or_default();
        let mut chunks = Vec::new();
        let n = stream_table(&csv_path, &cols(), 1000, |c| {
            chunks.push(c.len());
            true
        });
        assert_eq!(n, Ok(2500));
        assert_eq!(chunks, vec![1000, 1000, 500]);

        let mut wb = rust_xlsxwriter::Workbook::new();
        let ws = wb.add_worksheet();
        let _ = ws.write_string(0, 0, "Mã");
        let _ = ws.write_string(0, 1, "Tên");
        for i in 0..1500u32 {
            let _ = ws.write_string(i + 1, 0, format!("M{i}"));
            let _ = ws.write_string(i + 1, 1, format!("Thôn {i}"));
        }
        let xlsx_path = dir.join(format!("stream-{}.xlsx", std::process::id()));
        let _ = wb.save(&xlsx_path);
        let mut last = None;
        let n = stream_table(&xlsx_path, &cols(), 1000, |c| {
            last = c.last().cloned();
            true
        });
        assert_eq!(n, Ok(1500));
        let last = last.unwrap_or(TableRow { line: 0, cells: BTreeMap::new(), kinds: Vec::new() });
        assert_eq!(last.line, 1501);
        assert_eq!(last.get("name"), "Thôn 1499");
        let _ = std::fs::remove_file(csv_path);
        let _ = std::fs::remove_file(xlsx_path);
    }

    fn bytes_rows(bytes: &[u8]) -> Result<Vec<TableRow>, TableError> {
        let mut out = Vec::new();
        stream_bytes(bytes, &cols(), 1000, |c| {
            out.extend(c);
            true
        })
        .map(|_| out)
    }

    #[test]
    fn a_sheet_declaring_the_whole_grid_is_refused_before_a_cell_is_read() {
        let sheet = r#"<dimension ref="A1:XFD1048576"/><sheetData><row r="1"><c r="A1" t="inlineStr"><is><t>Mã</t></is></c></row><row r="1048576"><c r="XFD1048576"><v>1</v></c></row></sheetData>"#;
        let bytes = crate::guard::minimal_workbook(sheet, &[]);
        assert!(bytes.len() < 4096, "a few kilobytes");
        assert_eq!(
            bytes_rows(&bytes),
            Err(TableError::DimensionTooLarge { range: "A1:XFD1048576".into(), cells: 16_384 * 1_048_576, max: MAX_UPLOAD_CELLS })
        );
    }

    #[test]
    fn a_cell_in_the_last_row_and_column_costs_nothing() {
        // No dimension declared: the far cell is read and dropped, never a grid up to it.
        let sheet = r#"<sheetData><row r="1"><c r="A1" t="inlineStr"><is><t>Mã</t></is></c></row><row r="2"><c r="A2" t="inlineStr"><is><t>M1</t></is></c></row><row r="1048576"><c r="XFD1048576"><v>1</v></c></row></sheetData>"#;
        let rows = bytes_rows(&crate::guard::minimal_workbook(sheet, &[])).unwrap_or_default();
        assert_eq!(rows.len(), 1);
        assert_eq!(rows[0].get("code"), "M1");
    }

    #[test]
    fn numbers_and_formulas_are_told_from_text() {
        let sheet = r#"<sheetData><row r="1"><c r="A1" t="inlineStr"><is><t>Mã</t></is></c><c r="B1" t="inlineStr"><is><t>Tên</t></is></c></row>
            <row r="2"><c r="A2"><v>1090012345</v></c><c r="B2"><f>CONCAT("Thôn ","1")</f><v>Thôn 1</v></c></row>
            <row r="3"><c r="A3" t="inlineStr"><is><t>M3</t></is></c><c r="B3"><f>A3&amp;"x"</f></c></row></sheetData>"#;
        let rows = bytes_rows(&crate::guard::minimal_workbook(sheet, &[])).unwrap_or_default();
        assert_eq!(rows.len(), 2);
        assert_eq!(rows[0].kind("code"), &CellKind::Number);
        assert_eq!(rows[0].kind("name"), &CellKind::Formula("CONCAT(\"Thôn \",\"1\")".into()));
        assert_eq!(rows[0].get("name"), "Thôn 1");
        assert_eq!(rows[1].kind("code"), &CellKind::Text);
        assert_eq!(rows[1].kind("name"), &CellKind::Formula("A3&\"x\"".into()), "a formula with no saved value is still a formula");
        assert_eq!(rows[1].get("name"), "");
    }

    #[test]
    fn shared_strings_announcing_more_than_a_reader_may_hold_are_refused() {
        let sheet = r#"<sheetData><row r="1"><c r="A1" t="s"><v>0</v></c></row></sheetData>"#;
        let sst = r#"<?xml version="1.0"?><sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" count="1" uniqueCount="1099511627776"><si><t>Mã</t></si></sst>"#;
        let bytes = crate::guard::minimal_workbook(sheet, &[("xl/sharedStrings.xml", sst.as_bytes())]);
        assert_eq!(bytes_rows(&bytes), Err(TableError::TooManySharedStrings(1_099_511_627_776)));
    }
}
