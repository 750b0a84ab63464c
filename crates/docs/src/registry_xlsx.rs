//! Registry spreadsheets: the XLSX template pre-filled with a unit's rows (drop-downs for coded
//! columns, a Vietnamese instructions sheet, a protected header row), the CSV export, and the
//! column specs that let an uploaded file be read back whatever Excel did to it.

use crate::table::{ColumnSpec, escape_cell};
use hoctap_domain::registry::def::{FieldType, Registry};
use hoctap_domain::text;
use rust_xlsxwriter::{DataValidation, Format, FormatAlign, Workbook, XlsxError};

/// Name of the data sheet (ASCII: some old Excel versions mangle diacritics in sheet names).
pub const DATA_SHEET: &str = "Du lieu";

/// The columns an import looks for: the header, its aliases, and the column name itself.
pub fn column_specs(reg: &Registry) -> Vec<ColumnSpec> {
    reg.fields
        .iter()
        .map(|f| {
            // The template marks required columns "(*)"; a file made from it must read back.
            let mut headers: Vec<String> = vec![f.header.to_string(), format!("{} (*)", f.header), f.column.to_string()];
            headers.extend(f.aliases.iter().map(|a| (*a).to_string()));
            ColumnSpec { name: f.column, headers, required: reg.is_key(f.column) }
        })
        .collect()
}

fn format_hint(ty: FieldType) -> String {
    match ty {
        FieldType::Text { max } => format!("Chữ, tối đa {max} ký tự"),
        FieldType::Name => "Họ tên đầy đủ, có dấu".into(),
        FieldType::Code => "Mã ổn định: chữ không dấu, số, dấu - _ . /".into(),
        FieldType::Date => "Ngày dd/mm/yyyy".into(),
        FieldType::Int { min, max } => format!("Số nguyên từ {min} đến {max}"),
        FieldType::Money => "Số tiền (đồng), ví dụ 80.000".into(),
        FieldType::Bool => "Có hoặc Không".into(),
        FieldType::Cccd => "12 chữ số; định dạng cột là Văn bản để giữ số 0 đầu".into(),
        FieldType::Sex => "Nam hoặc Nữ".into(),
        FieldType::Coded(list) => format!("Chọn trong danh sách: {}", list.iter().map(|(_, l)| *l).collect::<Vec<_>>().join("; ")),
        FieldType::Ethnicity => "Tên dân tộc theo danh mục 54 dân tộc".into(),
        FieldType::Unit(k) => format!("Mã {} đang có hiệu lực", k.label().to_lowercase()),
        FieldType::AnyUnit => "Mã đơn vị hành chính đang có hiệu lực".into(),
        FieldType::Ref(_) => "Mã của bản ghi đã có trong sổ liên quan".into(),
    }
}

/// Builds the workbook: data sheet with header and rows (cells as displayed), instructions.
pub fn template(reg: &Registry, unit_name: &str, rows: &[Vec<String>]) -> Result<Vec<u8>, XlsxError> {
    let mut w = TemplateWriter::new(reg)?;
    for row in rows {
        w.row(row)?;
    }
    w.finish(unit_name)?.save_to_buffer()
}

/// The template written row by row in constant memory (rust_xlsxwriter keeps each finished
/// row in a temporary file): an export of a province's 3.8 M citizens holds one row. A sheet
/// holds at most Excel's 1,048,575 rows under its header; the rows go on in "Du lieu 2", "Du
/// lieu 3"… with the same header.
pub struct TemplateWriter<'r> {
    reg: &'r Registry,
    book: Workbook,
    text: Format,
    /// The data sheet being written (its index in the workbook) and its next row.
    sheet: usize,
    next: u32,
    /// Rows per sheet, the header's included: Excel's limit (fewer in tests).
    sheet_rows: u32,
}

/// Rows of a sheet, the header's included (Excel's limit).
const SHEET_ROWS: u32 = 1_048_576;

impl<'r> TemplateWriter<'r> {
    /// The data sheet with its header row, column formats and drop-downs.
    pub fn new(reg: &'r Registry) -> Result<Self, XlsxError> {
        let text = Format::new().set_unlocked().set_num_format("@");
        let mut w = Self { reg, book: Workbook::new(), text, sheet: 0, next: 1, sheet_rows: SHEET_ROWS };
        w.add_data_sheet(DATA_SHEET.to_string())?;
        Ok(w)
    }

    fn add_data_sheet(&mut self, name: String) -> Result<(), XlsxError> {
        let reg = self.reg;
        let header = Format::new()
            .set_bold()
            .set_background_color("#D9E1F2")
            .set_text_wrap()
            .set_align(FormatAlign::Center)
            .set_border(rust_xlsxwriter::FormatBorder::Thin);
        let ws = self.book.add_worksheet_with_constant_memory()?;
        ws.set_name(name)?;
        for (c, f) in reg.fields.iter().enumerate() {
            let col = u16::try_from(c).unwrap_or(u16::MAX);
            // Every data cell is text and unlocked: codes and CCCD keep their leading zeros.
            ws.set_column_format(col, &self.text)?;
            ws.set_column_width(col, (f.header.chars().count() as f64 + 4.0).clamp(12.0, 40.0))?;
            if let Some(choices) = f.ty.choices() {
                let labels: Vec<&str> = choices.iter().map(|(_, l)| *l).collect();
                let joined: usize = labels.iter().map(|l| l.len() + 1).sum();
                // Excel limits an inline list to 255 characters; longer lists are explained on the
                // instructions sheet instead.
                if joined < 255 {
                    let dv = DataValidation::new()
                        .allow_list_strings(&labels)?
                        .set_error_title("Giá trị không hợp lệ")?
                        .set_error_message(format!("Chọn một giá trị trong danh sách của cột {}", f.header))?;
                    ws.add_data_validation(1, col, 100_000, col, &dv)?;
                }
            }
        }
        for (c, f) in reg.fields.iter().enumerate() {
            let title = if f.required { format!("{} (*)", f.header) } else { f.header.to_string() };
            ws.write_string_with_format(0, u16::try_from(c).unwrap_or(u16::MAX), &title, &header)?;
        }
        ws.set_freeze_panes(1, 0)?;
        // The header row is locked; everything else can be typed, rows inserted and sorted.
        let options = rust_xlsxwriter::ProtectionOptions {
            insert_rows: true,
            delete_rows: true,
            sort: true,
            use_autofilter: true,
            format_columns: true,
            format_cells: true,
            ..Default::default()
        };
        ws.protect_with_options(&options);
        self.next = 1;
        Ok(())
    }

    /// Adds a record's cells (as displayed), in the definition's column order.
    pub fn row(&mut self, cells: &[String]) -> Result<(), XlsxError> {
        if self.next >= self.sheet_rows {
            self.sheet += 1;
            self.add_data_sheet(format!("{DATA_SHEET} {}", self.sheet + 1))?;
        }
        let r = self.next;
        let ws = self.book.worksheet_from_index(self.sheet)?;
        for (c, cell) in cells.iter().enumerate() {
            ws.write_string_with_format(r, u16::try_from(c).unwrap_or(u16::MAX), hoctap_domain::text::xml_safe(cell), &self.text)?;
        }
        self.next += 1;
        Ok(())
    }

    /// Adds the instructions sheet; the workbook is then saved (`save`, `save_to_buffer`).
    pub fn finish(mut self, unit_name: &str) -> Result<Workbook, XlsxError> {
        let reg = self.reg;
        let help = self.book.add_worksheet();
        help.set_name("Huong dan")?;
        let bold = Format::new().set_bold();
        help.write_string_with_format(0, 0, format!("Hướng dẫn nhập sổ: {}", reg.title), &bold)?;
        help.write_string(
            1,
            0,
            format!(
                "Đơn vị: {}. Tệp này đã có sẵn các bản ghi hiện có; sửa hoặc thêm dòng rồi tải lên lại.",
                hoctap_domain::text::xml_safe(unit_name)
            ),
        )?;
        help.write_string(2, 0, "Hệ thống đối chiếu theo mã ổn định (cột có dấu *). Ô để trống không xóa dữ liệu đã có. Hệ thống kiểm tra trước, liệt kê lỗi theo dòng và cột, chỉ ghi khi không còn lỗi.")?;
        for (c, t) in ["Cột", "Bắt buộc", "Định dạng", "Ghi chú"].iter().enumerate() {
            help.write_string_with_format(4, u16::try_from(c).unwrap_or(0), *t, &bold)?;
        }
        for (i, f) in reg.fields.iter().enumerate() {
            let r = u32::try_from(i + 5).unwrap_or(u32::MAX);
            help.write_string(r, 0, f.header)?;
            help.write_string(r, 1, if f.required { "Có" } else { "" })?;
            help.write_string(r, 2, format_hint(f.ty))?;
            help.write_string(r, 3, f.hint)?;
        }
        help.set_column_width(0, 30)?;
        help.set_column_width(2, 60)?;
        help.set_column_width(3, 50)?;
        Ok(self.book)
    }
}

/// The CSV export written row by row into any writer (a file, a response).
pub struct CsvWriter<W: std::io::Write> {
    out: csv::Writer<W>,
}

impl<W: std::io::Write> CsvWriter<W> {
    /// Writes the BOM and the header line.
    pub fn new(reg: &Registry, mut out: W) -> std::io::Result<Self> {
        out.write_all("\u{feff}".as_bytes())?;
        let mut out = csv::WriterBuilder::new().from_writer(out);
        out.write_record(reg.fields.iter().map(|f| f.header))?;
        Ok(Self { out })
    }

    /// Adds a record's cells, escaped.
    pub fn row(&mut self, cells: &[String]) -> std::io::Result<()> {
        Ok(self.out.write_record(cells.iter().map(|c| escape_cell(c)))?)
    }

    /// Flushes and hands the writer back.
    pub fn finish(self) -> std::io::Result<W> {
        self.out.into_inner().map_err(|e| e.into_error())
    }
}

/// The formats a registry is exported in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExportFormat {
    Csv,
    Xlsx,
}

impl ExportFormat {
    /// The format's name, as audited and as the file's extension.
    pub fn code(self) -> &'static str {
        match self {
            Self::Csv => "csv",
            Self::Xlsx => "xlsx",
        }
    }
}

/// A registry export written row by row, for the CLI and the web alike: the CSV (with a BOM,
/// cells escaped against formula injection) into `out` as it goes, or the template in constant
/// memory, saved into `out` at the end. (Boxed: either writer's state is hundreds of bytes.)
pub enum ExportWriter<'r, W: std::io::Write + std::io::Seek + Send> {
    Csv(Box<CsvWriter<std::io::BufWriter<W>>>),
    Xlsx(Box<TemplateWriter<'r>>, W),
}

impl<'r, W: std::io::Write + std::io::Seek + Send> ExportWriter<'r, W> {
    pub fn new(reg: &'r Registry, format: ExportFormat, out: W) -> Result<Self, XlsxError> {
        Ok(match format {
            ExportFormat::Csv => Self::Csv(Box::new(CsvWriter::new(reg, std::io::BufWriter::with_capacity(1 << 16, out))?)),
            ExportFormat::Xlsx => Self::Xlsx(Box::new(TemplateWriter::new(reg)?), out),
        })
    }

    /// Adds a record's cells (as displayed), in the definition's column order.
    pub fn row(&mut self, cells: &[String]) -> Result<(), XlsxError> {
        match self {
            Self::Csv(w) => Ok(w.row(cells)?),
            Self::Xlsx(book, _) => book.row(cells),
        }
    }

    /// Ends the file (the template's instructions name `unit_name`) and hands `out` back.
    pub fn finish(self, unit_name: &str) -> Result<W, XlsxError> {
        match self {
            Self::Csv(w) => Ok(w.finish()?.into_inner().map_err(|e| e.into_error())?),
            Self::Xlsx(book, mut out) => {
                book.finish(unit_name)?.save_to_writer(&mut out)?;
                Ok(out)
            }
        }
    }
}

/// A file name safe everywhere: `ho-gia-dinh-05977.xlsx`.
pub fn file_name(reg: &Registry, unit_code: &str, ext: &str) -> String {
    format!("{}-{}.{ext}", reg.slug, text::fold(unit_code).replace(' ', "-"))
}

/// A plain workbook of one table (exports of pages: progress, lists), cells escaped.
pub fn simple_xlsx(sheet: &str, header: &[String], rows: &[Vec<String>]) -> Result<Vec<u8>, XlsxError> {
    tables_xlsx(&[Table { sheet: sheet.to_string(), header: header.to_vec(), rows: rows.to_vec() }])
}

/// A name Excel accepts for a sheet: none of []:*?/\ nor what XML cannot hold, no quote at
/// either end, at most 31 UTF-16 units (Excel counts those), never empty.
fn sheet_name(wanted: &str, n: usize) -> String {
    let mut name = String::new();
    let mut units = 0;
    for c in hoctap_domain::text::xml_safe(wanted).chars().filter(|c| !"[]:*?/\\".contains(*c) && !c.is_control()) {
        units += c.len_utf16();
        if units > 31 {
            break;
        }
        name.push(c);
    }
    let name = name.trim_matches(|c: char| c == '\'' || c.is_whitespace()).to_string();
    if name.is_empty() { format!("Bảng {n}") } else { name }
}

/// One sheet of [`tables_xlsx`].
#[derive(Debug, Clone)]
pub struct Table {
    pub sheet: String,
    pub header: Vec<String>,
    pub rows: Vec<Vec<String>>,
}

/// A workbook of several plain tables, one per sheet (a dashboard's or report's tables).
/// Plain numbers stay numbers so Excel can sum them; text is escaped against formulas.
/// The number a table cell holds, when it is one: plain digits (`3800000`, `-5`, `0.5`), or an
/// amount written the Vietnamese way with dots between groups of three (`3.800.000`, `800.000`:
/// eight hundred thousand, not 800). Codes with a leading zero stay text.
fn cell_number(cell: &str) -> Option<f64> {
    let digits = cell.strip_prefix('-').unwrap_or(cell);
    let groups: Vec<&str> = digits.split('.').collect();
    let grouped = groups.len() > 1
        && groups.first().is_some_and(|g| (1..=3).contains(&g.len()) && !g.starts_with('0'))
        && groups.iter().skip(1).all(|g| g.len() == 3)
        && groups.iter().all(|g| g.bytes().all(|b| b.is_ascii_digit()));
    if grouped {
        return cell.replace('.', "").parse().ok();
    }
    let leading_zero = digits.starts_with('0') && digits != "0" && !digits.starts_with("0.");
    match cell.parse::<f64>() {
        Ok(n) if !leading_zero && n.is_finite() && !cell.contains(['e', 'E', 'i', 'I', 'n', 'N', '+']) => Some(n),
        _ => None,
    }
}

pub fn tables_xlsx(tables: &[Table]) -> Result<Vec<u8>, XlsxError> {
    let mut wb = Workbook::new();
    let bold = Format::new().set_bold().set_background_color("#D9E1F2");
    for (i, t) in tables.iter().enumerate() {
        let ws = wb.add_worksheet();
        ws.set_name(sheet_name(&t.sheet, i + 1))?;
        for (c, h) in t.header.iter().enumerate() {
            ws.write_string_with_format(0, u16::try_from(c).unwrap_or(u16::MAX), escape_cell(h), &bold)?;
            ws.set_column_width(u16::try_from(c).unwrap_or(u16::MAX), if c == 0 { 40 } else { 18 })?;
        }
        for (r, row) in t.rows.iter().enumerate() {
            for (c, cell) in row.iter().enumerate() {
                let (rr, cc) = (u32::try_from(r + 1).unwrap_or(u32::MAX), u16::try_from(c).unwrap_or(u16::MAX));
                match cell_number(cell) {
                    Some(n) => ws.write_number(rr, cc, n)?,
                    None => ws.write_string(rr, cc, escape_cell(cell))?,
                };
            }
        }
    }
    wb.save_to_buffer()
}
/// The full report of an import check, one row per row of the file, written in constant
/// memory as the check decides each row (the page shows only the first ones).
pub struct ImportReport {
    book: Workbook,
    next: u32,
}

impl ImportReport {
    pub fn new() -> Result<Self, XlsxError> {
        let mut book = Workbook::new();
        let bold = Format::new().set_bold();
        let ws = book.add_worksheet_with_constant_memory()?;
        ws.set_name("Ket qua kiem tra")?;
        let columns = [("Dòng", 8.0), ("Kết quả", 14.0), ("Mã", 24.0), ("Chi tiết", 100.0)];
        for (c, (_, w)) in (0u16..).zip(columns) {
            ws.set_column_width(c, w)?;
        }
        for (c, (h, _)) in (0u16..).zip(columns) {
            ws.write_string_with_format(0, c, h, &bold)?;
        }
        Ok(Self { book, next: 1 })
    }

    /// Adds a row: the line in the file, the outcome, the record's key and the details.
    pub fn row(&mut self, line: usize, status: &str, key: &str, detail: &str) -> Result<(), XlsxError> {
        let r = self.next;
        let ws = self.book.worksheet_from_index(0)?;
        ws.write_number(r, 0, line as f64)?;
        ws.write_string(r, 1, status)?;
        ws.write_string(r, 2, escape_cell(key))?;
        ws.write_string(r, 3, escape_cell(detail))?;
        self.next += 1;
        Ok(())
    }

    pub fn finish(mut self) -> Result<Vec<u8>, XlsxError> {
        self.book.save_to_buffer()
    }
}

#[cfg(test)]
mod tests {
    use super::cell_number;

    #[test]
    fn vietnamese_amounts_are_numbers_of_their_full_value() {
        assert_eq!(cell_number("800.000"), Some(800_000.0));
        assert_eq!(cell_number("3.800.000"), Some(3_800_000.0));
        assert_eq!(cell_number("-1.250.000"), Some(-1_250_000.0));
        assert_eq!(cell_number("3800000"), Some(3_800_000.0));
        assert_eq!(cell_number("0.5"), Some(0.5));
        assert_eq!(cell_number("0"), Some(0.0));
        assert_eq!(cell_number("00123"), None, "a code keeps its zeros");
        assert_eq!(cell_number("70%"), None);
        assert_eq!(cell_number("1.23.456"), None);
        assert_eq!(cell_number("inf"), None);
    }
}

#[cfg(test)]
mod sheet_tests {
    use super::*;
    use calamine::Reader;

    #[test]
    fn rows_beyond_one_sheet_go_on_in_the_next_with_the_header() {
        let reg = &hoctap_domain::registry::def::HOUSEHOLDS;
        let mut w = TemplateWriter::new(reg).unwrap();
        // Excel's limit, scaled down: 5 rows a sheet, the header's included.
        w.sheet_rows = 5;
        let width = reg.fields.len();
        let rows = 4 + 3;
        for i in 0..rows {
            let mut cells = vec![String::new(); width];
            cells[0] = format!("HG-{i}");
            w.row(&cells).unwrap();
        }
        let bytes = w.finish("Xã thử").unwrap().save_to_buffer().unwrap();
        let mut book = calamine::Xlsx::new(std::io::Cursor::new(bytes)).unwrap();
        assert_eq!(book.sheet_names(), vec![DATA_SHEET.to_string(), format!("{DATA_SHEET} 2"), "Huong dan".to_string()]);
        let first = book.worksheet_range(DATA_SHEET).unwrap();
        assert_eq!(first.height(), 5);
        assert_eq!(SHEET_ROWS, 1 << 20, "Excel's rows");
        let second = book.worksheet_range(&format!("{DATA_SHEET} 2")).unwrap();
        let codes: Vec<String> = second.rows().map(|r| r[0].to_string()).collect();
        assert_eq!(codes[1..], [format!("HG-{}", rows - 3), format!("HG-{}", rows - 2), format!("HG-{}", rows - 1)]);
        assert!(codes[0].starts_with(reg.fields[0].header), "the header again: {}", codes[0]);
    }
}
