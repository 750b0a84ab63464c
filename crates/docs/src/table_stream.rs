//! Reading a large table file row by row, in chunks, in constant memory: CSV through the
//! csv reader, XLSX through calamine's cell reader (the whole sheet is never loaded). Used
//! by the command-line import of a million rows; uploads through the web use [`crate::table`].

use crate::table::{ColumnSpec, TableError, TableRow};
use hoctap_domain::text;
use std::collections::BTreeMap;
use std::io::{BufReader, Read, Seek};
use std::path::Path;

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
    fn push<S: RawCell>(&mut self, line: usize, cells: &mut [S]) -> Result<(), TableError> {
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
            map.insert(std::borrow::Cow::Borrowed(col.name), v);
        }
        if map.values().all(String::is_empty) {
            return Ok(());
        }
        self.rows += 1;
        self.chunk.push(TableRow { line, cells: map });
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

/// Streams the table in `path` to `sink` in chunks of `chunk_size` rows; `sink` returns
/// false to stop early. Returns the number of data rows read.
pub fn stream_table(
    path: &Path,
    columns: &[ColumnSpec],
    chunk_size: usize,
    sink: impl FnMut(Vec<TableRow>) -> bool,
) -> Result<usize, TableError> {
    let mut file = std::fs::File::open(path)
        .map_err(|e| TableError::BadCsv { line: 0, reason: format!("không mở được tệp {}: {e}", path.display()) })?;
    let mut magic = [0u8; 4];
    let n = file.read(&mut magic).map_err(|e| TableError::BadCsv { line: 0, reason: e.to_string() })?;
    if n == 0 {
        return Err(TableError::Empty);
    }
    file.rewind().map_err(|e| TableError::BadCsv { line: 0, reason: e.to_string() })?;
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
        let mut file = BufReader::new(file);
        // Files given at the command line are streamed, so only the ratio and a generous cap apply.
        crate::table::check_zip(&mut file, 64 * 1024 * 1024 * 1024)?;
        file.rewind().map_err(|e| TableError::BadCsv { line: 0, reason: e.to_string() })?;
        stream_xlsx(file, &mut asm)?;
    } else {
        stream_csv(BufReader::new(file), &mut asm)?;
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
                asm.push(line, &mut rec.iter().collect::<Vec<_>>())?;
                if asm.stopped {
                    break;
                }
            }
            Err(e) => return Err(TableError::BadCsv { line: line + 1, reason: e.to_string() }),
        }
    }
    Ok(())
}

fn stream_xlsx<R: Read + Seek, F: FnMut(Vec<TableRow>) -> bool>(reader: R, asm: &mut Assembler<'_, F>) -> Result<(), TableError> {
    use calamine::{DataRef, Reader, Xlsx};
    let mut wb: Xlsx<R> = Xlsx::new(reader).map_err(|e| TableError::BadXlsx(e.to_string()))?;
    let name = wb.sheet_names().first().cloned().ok_or_else(|| TableError::BadXlsx("không có trang tính".into()))?;
    let mut cells = wb.worksheet_cells_reader(&name).map_err(|e| TableError::BadXlsx(e.to_string()))?;
    let mut current: Option<u32> = None;
    let mut row: Vec<String> = Vec::new();
    loop {
        let cell = cells.next_cell().map_err(|e| TableError::BadXlsx(e.to_string()))?;
        let Some(cell) = cell else { break };
        let (r, c) = cell.get_position();
        if current != Some(r) {
            if let Some(prev) = current {
                asm.push(prev as usize + 1, &mut row)?;
                row.clear();
                if asm.stopped {
                    return Ok(());
                }
            }
            current = Some(r);
        }
        let c = c as usize;
        if row.len() <= c {
            row.resize(c + 1, String::new());
        }
        let v = match cell.get_value() {
            DataRef::Empty => String::new(),
            DataRef::String(s) => s.clone(),
            DataRef::SharedString(s) => (*s).to_string(),
            DataRef::Float(f) if f.fract() == 0.0 && f.abs() < 1e15 => format!("{}", *f as i64),
            DataRef::Float(f) => f.to_string(),
            DataRef::Int(i) => i.to_string(),
            DataRef::Bool(b) => b.to_string(),
            DataRef::DateTime(d) => d.as_f64().to_string(),
            DataRef::DateTimeIso(s) | DataRef::DurationIso(s) => s.clone(),
            DataRef::Error(e) => format!("#{e:?}"),
        };
        if let Some(slot) = row.get_mut(c) {
            *slot = v;
        }
    }
    if let Some(prev) = current {
        asm.push(prev as usize + 1, &mut row)?;
    }
    Ok(())
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
        let last = last.unwrap_or(TableRow { line: 0, cells: BTreeMap::new() });
        assert_eq!(last.line, 1501);
        assert_eq!(last.get("name"), "Thôn 1499");
        let _ = std::fs::remove_file(csv_path);
        let _ = std::fs::remove_file(xlsx_path);
    }
}
