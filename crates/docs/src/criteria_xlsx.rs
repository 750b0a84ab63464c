//! A criteria set as an Excel workbook, so officers can read, review and edit a set in the tool
//! they work in, and load it back with every problem named by sheet, row and column.
//!
//! Sheets: "Huong dan" (instructions), "Bo tieu chi" (the set: one field per row), "Tieu chi"
//! (criteria), "Chi tieu" (indicators), "Yeu cau theo muc" (thresholds per level),
//! "Muc - Xep loai" (levels and bands). [`export_set`] writes them; [`import_set`] reads them
//! and validates the result with [`CriteriaSet::validate`]. Export then import gives back the
//! same set (tested on every shipped set).

use std::io::Cursor;

use calamine::{Data, Reader, Xlsx};
use hoctap_domain::area::AreaAttribute;
use hoctap_domain::criteria::{
    Applicability, AreaPassMark, Band, Confidence, CriteriaSet, Criterion, Deadline, Floor, FloorScope, Indicator, IndicatorKind,
    LegalBasis, Level, ManagingLevel, Method, Number, Points, PointsRules, Requirement, SubjectKind, Tag, Timing, UpgradeRule, Variable,
};
use jiff::civil::Date;
use rust_xlsxwriter::{Format, Workbook, Worksheet};

pub const SHEET_GUIDE: &str = "Huong dan";
pub const SHEET_SET: &str = "Bo tieu chi";
pub const SHEET_CRITERIA: &str = "Tieu chi";
pub const SHEET_INDICATORS: &str = "Chi tieu";
pub const SHEET_REQUIREMENTS: &str = "Yeu cau theo muc";
pub const SHEET_LEVELS: &str = "Muc - Xep loai";

/// One problem in an imported workbook. `row` is 1-based as Excel shows it; `column` is the
/// letter (empty when the problem is the whole sheet).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("Trang \"{sheet}\", dòng {row}{}: {reason}", if column.is_empty() { String::new() } else { format!(", cột {column}") })]
pub struct XlsxCellError {
    pub sheet: String,
    pub row: usize,
    pub column: String,
    pub reason: String,
}

/// Why a workbook could not be written or read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CriteriaXlsxError {
    #[error("không ghi được tệp Excel: {0}")]
    Write(String),
    #[error("tệp Excel bị hỏng hoặc không đọc được: {0}")]
    Read(String),
    #[error("thiếu trang tính \"{0}\"")]
    MissingSheet(String),
    #[error("tệp có {} lỗi: {}", .0.len(), .0.iter().map(ToString::to_string).collect::<Vec<_>>().join("; "))]
    Cells(Vec<XlsxCellError>),
}

fn werr(e: impl std::fmt::Display) -> CriteriaXlsxError {
    CriteriaXlsxError::Write(e.to_string())
}

/// Cells a spreadsheet would run as a formula get a leading apostrophe on export, removed on
/// import (DESIGN §5).
fn escape(s: &str) -> String {
    let s = hoctap_domain::text::xml_safe(s);
    if s.starts_with(['=', '+', '-', '@']) { format!("'{s}") } else { s.into_owned() }
}

fn unescape(s: &str) -> String {
    match s.strip_prefix('\'') {
        Some(rest) if rest.starts_with(['=', '+', '-', '@']) => rest.to_string(),
        _ => s.to_string(),
    }
}

fn col_letter(col: usize) -> String {
    let mut n = col + 1;
    let mut out = Vec::new();
    while n > 0 {
        let rem = (n - 1) % 26;
        out.push(char::from(b'A' + rem as u8));
        n = (n - 1) / 26;
    }
    out.iter().rev().collect()
}

// ------------------------------------------------------------------------------------ export

/// A cell value to write.
enum Cell {
    Text(String),
    Num(f64),
    Empty,
}

fn text(s: impl AsRef<str>) -> Cell {
    let s = s.as_ref();
    if s.is_empty() { Cell::Empty } else { Cell::Text(s.to_string()) }
}

fn opt_text(s: &Option<String>) -> Cell {
    s.as_deref().map_or(Cell::Empty, text)
}

fn points(p: Points) -> Cell {
    Cell::Num(p.hundredths() as f64 / 100.0)
}

fn opt_points(p: Option<Points>) -> Cell {
    p.map_or(Cell::Empty, points)
}

fn number(n: Number) -> Cell {
    if n.denominator() == 1 {
        Cell::Num(n.numerator() as f64)
    } else {
        // Exact decimals are written as text, so no binary fraction creeps in.
        Cell::Text(serde_json::to_value(n).map(|v| v.to_string()).unwrap_or_default().to_string())
    }
}

fn opt_number(n: Option<Number>) -> Cell {
    n.map_or(Cell::Empty, number)
}

fn date_cell(d: Option<Date>) -> Cell {
    d.map_or(Cell::Empty, |d| Cell::Text(d.to_string()))
}

fn conf(c: Confidence) -> Cell {
    Cell::Text(c.code().to_string())
}

fn opt_conf(c: Option<Confidence>) -> Cell {
    c.map_or(Cell::Empty, conf)
}

fn join_codes<T>(items: &[T], code: impl Fn(&T) -> &str) -> Cell {
    text(items.iter().map(code).collect::<Vec<_>>().join(", "))
}

fn write_row(ws: &mut Worksheet, row: u32, cells: Vec<Cell>, fmt: &Format) -> Result<(), CriteriaXlsxError> {
    for (c, cell) in cells.into_iter().enumerate() {
        let col = u16::try_from(c).map_err(werr)?;
        match cell {
            Cell::Text(s) => {
                ws.write_string_with_format(row, col, escape(&s), fmt).map_err(werr)?;
            }
            Cell::Num(n) => {
                ws.write_number_with_format(row, col, n, fmt).map_err(werr)?;
            }
            Cell::Empty => {}
        }
    }
    Ok(())
}

fn sheet<'a>(wb: &'a mut Workbook, name: &str, headers: &[(&str, f64)], bold: &Format) -> Result<&'a mut Worksheet, CriteriaXlsxError> {
    let ws = wb.add_worksheet();
    ws.set_name(name).map_err(werr)?;
    for (i, (h, width)) in headers.iter().enumerate() {
        let col = u16::try_from(i).map_err(werr)?;
        ws.write_string_with_format(0, col, *h, bold).map_err(werr)?;
        ws.set_column_width(col, *width).map_err(werr)?;
    }
    ws.set_freeze_panes(1, 0).map_err(werr)?;
    Ok(ws)
}

const GUIDE: &[&str] = &[
    "HƯỚNG DẪN SỬ DỤNG MẪU BỘ TIÊU CHÍ",
    "",
    "Tệp này chứa một bộ tiêu chí đánh giá. Có thể sửa rồi nhập lại vào hệ thống; hệ thống kiểm tra và báo lỗi theo trang, dòng, cột.",
    "Không đổi tên các trang tính và không đổi thứ tự cột. Dòng đầu của mỗi trang là tiêu đề, không nhập dữ liệu vào dòng đầu.",
    "",
    "Trang \"Bo tieu chi\": mỗi dòng một thông tin. Cột A là mã trường (không sửa), cột B giải thích, từ cột C là giá trị.",
    "  Các trường có thể lặp lại nhiều dòng: notes, supersedes, legal_basis.replaces, applicability.*, points.pass_mark_by_area, points.floors, timing.deadlines, variables, tags.",
    "Trang \"Tieu chi\": mỗi dòng một tiêu chí, theo thứ tự.",
    "Trang \"Chi tieu\": mỗi dòng một chỉ tiêu; cột A ghi mã tiêu chí chứa chỉ tiêu đó. Minh chứng: mỗi minh chứng một dòng trong ô (Alt+Enter).",
    "Trang \"Yeu cau theo muc\": ngưỡng của từng chỉ tiêu ở từng mức (phương pháp mức độ). Dòng có địa bàn hoặc nhãn là biến thể cho đối tượng có thuộc tính đó.",
    "Trang \"Muc - Xep loai\": loại \"muc\" (mức độ, từ thấp lên cao) hoặc \"xep_loai\" (xếp loại theo điểm, từ cao xuống thấp; mức cuối có thể để trống điểm tối thiểu).",
    "",
    "Giá trị mã được phép:",
    "  Đối tượng (subject): household, clan, village, organisation, citizen, commune, district, province.",
    "  Phương pháp (method): points (chấm điểm), levels (mức độ).",
    "  Loại chỉ tiêu: yes_no (đạt/không đạt), number (số, tỷ lệ), points (điểm).",
    "  Độ tin cậy: verified (đã đối chiếu văn bản), partially_recalled (nhớ một phần), guessed (phỏng đoán).",
    "  Thuộc tính địa bàn: mien_nui, dac_biet_kho_khan, dan_toc_thieu_so (nhiều giá trị cách nhau bằng dấu phẩy).",
    "  Cấp quản lý: commune, district, province. Điểm sàn: indicator (chỉ số) hoặc criterion (tiêu chí).",
    "Ngày viết dạng yyyy-mm-dd (ví dụ 2024-02-12) hoặc dd/mm/yyyy. Số thập phân dùng dấu phẩy hoặc dấu chấm (84,5).",
    "Công thức: số, tên biến, + - * /, ngoặc, so sánh (>= <= > < == !=), and, or. Ví dụ: cong_dan_cdht / cong_dan * 100.",
];

/// Writes `set` as a workbook (XLSX bytes).
pub fn export_set(set: &CriteriaSet) -> Result<Vec<u8>, CriteriaXlsxError> {
    let mut wb = Workbook::new();
    let bold = Format::new().set_bold();
    let wrap = Format::new().set_text_wrap();

    let guide = wb.add_worksheet();
    guide.set_name(SHEET_GUIDE).map_err(werr)?;
    guide.set_column_width(0, 140).map_err(werr)?;
    for (i, line) in GUIDE.iter().enumerate() {
        let row = u32::try_from(i).map_err(werr)?;
        let f = if i == 0 { &bold } else { &wrap };
        guide.write_string_with_format(row, 0, *line, f).map_err(werr)?;
    }

    // The set, one field per row.
    let ws = sheet(
        &mut wb,
        SHEET_SET,
        &[("Trường", 32.0), ("Giải thích", 40.0), ("Giá trị", 60.0), ("", 20.0), ("", 20.0), ("", 12.0), ("", 12.0), ("", 18.0)],
        &bold,
    )?;
    let mut rows: Vec<(&str, &str, Vec<Cell>)> = vec![
        ("id", "Mã bộ tiêu chí", vec![text(&set.id)]),
        ("version", "Phiên bản dữ liệu", vec![text(&set.version)]),
        ("title", "Tên bộ tiêu chí", vec![text(&set.title)]),
        ("subject", "Đối tượng đánh giá", vec![text(set.subject.code())]),
        ("method", "Phương pháp", vec![text(set.method.code())]),
        ("confidence", "Độ tin cậy chung", vec![conf(set.confidence)]),
        ("recognised_by", "Người công nhận", vec![opt_text(&set.recognised_by)]),
        ("legal_basis.document", "Văn bản (số, ký hiệu)", vec![text(&set.legal_basis.document)]),
        ("legal_basis.issuer", "Cơ quan ban hành", vec![text(&set.legal_basis.issuer)]),
        ("legal_basis.signed", "Ngày ký", vec![date_cell(set.legal_basis.signed)]),
        ("legal_basis.effective_from", "Có hiệu lực từ ngày", vec![date_cell(Some(set.legal_basis.effective_from))]),
        ("legal_basis.effective_to", "Hết hiệu lực sau ngày (để trống nếu còn hiệu lực)", vec![date_cell(set.legal_basis.effective_to)]),
        ("legal_basis.articles", "Điều khoản", vec![opt_text(&set.legal_basis.articles)]),
        ("legal_basis.confidence", "Độ tin cậy của căn cứ", vec![conf(set.legal_basis.confidence)]),
        ("applicability.scope", "Phạm vi áp dụng", vec![opt_text(&set.applicability.scope)]),
    ];
    if let Some(e) = &set.emulation {
        rows.push(("emulation.movement", "Tiêu chí thi đua của phong trào (mã)", vec![text(&e.movement)]));
        rows.push(("emulation.actor", "Đối tượng thi đua", vec![text(e.actor.code())]));
    }
    for s in &set.supersedes {
        rows.push(("supersedes", "Thay thế bộ tiêu chí (mã)", vec![text(s)]));
    }
    for n in &set.notes {
        rows.push(("notes", "Ghi chú", vec![text(n)]));
    }
    for r in &set.legal_basis.replaces {
        rows.push(("legal_basis.replaces", "Thay thế văn bản", vec![text(r)]));
    }
    for j in &set.applicability.jurisdictions {
        rows.push(("applicability.jurisdictions", "Chỉ áp dụng ở tỉnh (mã)", vec![text(j)]));
    }
    for m in &set.applicability.managed_by {
        rows.push(("applicability.managed_by", "Cấp quản lý đơn vị", vec![text(m.code())]));
    }
    for a in &set.applicability.area_any {
        rows.push(("applicability.area_any", "Chỉ áp dụng ở địa bàn", vec![text(a.code())]));
    }
    if let Some(p) = &set.points {
        rows.push(("points.max_total", "Tổng điểm tối đa", vec![points(p.max_total)]));
        rows.push(("points.pass_mark", "Điểm đạt", vec![opt_points(p.pass_mark)]));
        rows.push(("points.confidence", "Độ tin cậy quy tắc điểm", vec![conf(p.confidence)]));
        for a in &p.pass_mark_by_area {
            rows.push((
                "points.pass_mark_by_area",
                "Điểm đạt theo địa bàn: địa bàn | điểm | độ tin cậy",
                vec![join_codes(&a.area, |x| x.code()), points(a.pass_mark), conf(a.confidence)],
            ));
        }
        for f in &p.floors {
            rows.push((
                "points.floors",
                "Điểm sàn: phạm vi | ≥ | > | độ tin cậy",
                vec![text(f.scope.code()), opt_points(f.at_least), opt_points(f.above), conf(f.confidence)],
            ));
        }
    }
    if let Some(u) = &set.timing.upgrade {
        rows.push((
            "timing.upgrade",
            "Lên mức: từ | lên | số tháng tối thiểu | độ tin cậy",
            vec![text(&u.from), text(&u.to), Cell::Num(f64::from(u.min_months)), conf(u.confidence)],
        ));
    }
    if let Some(m) = set.timing.validity_months {
        rows.push(("timing.validity_months", "Thời hạn bảo lưu (tháng)", vec![Cell::Num(f64::from(m))]));
    }
    if let Some(c) = set.timing.validity_confidence {
        rows.push(("timing.validity_confidence", "Độ tin cậy thời hạn", vec![conf(c)]));
    }
    rows.push(("timing.data_period", "Kỳ số liệu", vec![opt_text(&set.timing.data_period)]));
    for d in &set.timing.deadlines {
        rows.push((
            "timing.deadlines",
            "Mốc: bước | mô tả | ngày | tháng | năm (0 = năm đánh giá, 1 = năm sau) | độ tin cậy",
            vec![
                text(&d.step),
                text(&d.description),
                Cell::Num(f64::from(d.day)),
                Cell::Num(f64::from(d.month)),
                Cell::Num(f64::from(d.year_offset)),
                conf(d.confidence),
            ],
        ));
    }
    for v in &set.variables {
        rows.push((
            "variables",
            "Biến số liệu: tên | mô tả | nguồn trong sổ đăng ký",
            vec![text(&v.id), text(&v.name), v.source.as_ref().map_or(Cell::Empty, |s| text(s.to_string()))],
        ));
    }
    for t in &set.tags {
        rows.push(("tags", "Nhãn loại đơn vị: mã | tên", vec![text(&t.id), text(&t.name)]));
    }
    for (i, (key, label, values)) in rows.into_iter().enumerate() {
        let row = u32::try_from(i + 1).map_err(werr)?;
        let mut cells = vec![text(key), text(label)];
        cells.extend(values);
        write_row(ws, row, cells, &wrap)?;
    }

    let ws = sheet(
        &mut wb,
        SHEET_CRITERIA,
        &[("Mã tiêu chí", 12.0), ("Tên tiêu chí", 70.0), ("Điểm tối đa", 12.0), ("Độ tin cậy", 18.0), ("Ghi chú", 50.0)],
        &bold,
    )?;
    for (i, c) in set.criteria.iter().enumerate() {
        let row = u32::try_from(i + 1).map_err(werr)?;
        write_row(ws, row, vec![text(&c.id), text(&c.name), opt_points(c.max_points), conf(c.confidence), opt_text(&c.note)], &wrap)?;
    }

    let ws = sheet(
        &mut wb,
        SHEET_INDICATORS,
        &[
            ("Mã tiêu chí", 10.0),
            ("Mã chỉ tiêu", 12.0),
            ("Tên chỉ tiêu", 70.0),
            ("Loại", 10.0),
            ("Đơn vị", 10.0),
            ("Điểm tối đa", 10.0),
            ("Công thức", 30.0),
            ("Áp dụng cho (nhãn)", 18.0),
            ("Không áp dụng cho (nhãn)", 18.0),
            ("Minh chứng", 40.0),
            ("Độ tin cậy minh chứng", 16.0),
            ("Độ tin cậy", 16.0),
            ("Ghi chú", 40.0),
        ],
        &bold,
    )?;
    for (row, (c, i)) in (1u32..).zip(set.indicators()) {
        write_row(
            ws,
            row,
            vec![
                text(&c.id),
                text(&i.id),
                text(&i.name),
                text(i.kind.code()),
                opt_text(&i.unit),
                opt_points(i.max_points),
                opt_text(&i.formula),
                text(i.applies_to.join(", ")),
                text(i.excluded_for.join(", ")),
                text(i.evidence.join("\n")),
                opt_conf(i.evidence_confidence),
                conf(i.confidence),
                opt_text(&i.note),
            ],
            &wrap,
        )?;
    }

    let ws = sheet(
        &mut wb,
        SHEET_REQUIREMENTS,
        &[
            ("Mã chỉ tiêu", 12.0),
            ("Mức", 8.0),
            ("Địa bàn", 20.0),
            ("Nhãn", 18.0),
            ("Tối thiểu (≥)", 12.0),
            ("Tối đa (≤)", 12.0),
            ("Điều kiện (công thức)", 50.0),
            ("Diễn giải", 40.0),
        ],
        &bold,
    )?;
    let mut row = 1u32;
    for (_, i) in set.indicators() {
        for r in &i.requirements {
            write_row(
                ws,
                row,
                vec![
                    text(&i.id),
                    text(&r.level),
                    join_codes(&r.area, |a| a.code()),
                    text(r.tags.join(", ")),
                    opt_number(r.at_least),
                    opt_number(r.at_most),
                    opt_text(&r.condition),
                    opt_text(&r.text),
                ],
                &wrap,
            )?;
            row += 1;
        }
    }

    let ws = sheet(
        &mut wb,
        SHEET_LEVELS,
        &[
            ("Loại", 10.0),
            ("Mã", 12.0),
            ("Tên", 24.0),
            ("Tên gọi khác", 14.0),
            ("Điểm tối thiểu", 14.0),
            ("Đạt", 8.0),
            ("Độ tin cậy", 16.0),
        ],
        &bold,
    )?;
    let mut row = 1u32;
    for l in &set.levels {
        write_row(
            ws,
            row,
            vec![text("muc"), text(&l.id), text(&l.name), opt_text(&l.alias), Cell::Empty, Cell::Empty, conf(l.confidence)],
            &wrap,
        )?;
        row += 1;
    }
    for b in &set.bands {
        let passes = if b.passes { "có" } else { "không" };
        write_row(
            ws,
            row,
            vec![text("xep_loai"), text(&b.id), text(&b.name), Cell::Empty, opt_points(b.min), text(passes), conf(b.confidence)],
            &wrap,
        )?;
        row += 1;
    }

    wb.save_to_buffer().map_err(werr)
}

// ------------------------------------------------------------------------------------ import

/// A sheet read into rows of cells, with helpers that record errors by position.
struct Grid {
    name: &'static str,
    rows: Vec<Vec<Data>>,
}

struct Ctx {
    errors: Vec<XlsxCellError>,
}

impl Ctx {
    fn err(&mut self, sheet: &str, row: usize, col: Option<usize>, reason: impl Into<String>) {
        self.errors.push(XlsxCellError {
            sheet: sheet.to_string(),
            row,
            column: col.map(col_letter).unwrap_or_default(),
            reason: reason.into(),
        });
    }
}

/// One row of a sheet: its Excel row number and cells.
struct RowRef<'g> {
    sheet: &'static str,
    line: usize,
    cells: &'g [Data],
}

impl RowRef<'_> {
    fn raw(&self, col: usize) -> &Data {
        self.cells.get(col).unwrap_or(&Data::Empty)
    }

    fn text(&self, col: usize) -> String {
        let s = match self.raw(col) {
            Data::Empty => String::new(),
            Data::String(s) => s.clone(),
            Data::Float(f) => format!("{f}"),
            Data::Int(i) => i.to_string(),
            Data::Bool(b) => b.to_string(),
            other => other.to_string(),
        };
        unescape(s.trim_end_matches([' ', '\t']).trim_start_matches([' ', '\t']))
    }

    fn opt_text(&self, col: usize) -> Option<String> {
        let t = self.text(col);
        (!t.is_empty()).then_some(t)
    }

    fn required(&self, ctx: &mut Ctx, col: usize, what: &str) -> String {
        let t = self.text(col);
        if t.is_empty() {
            ctx.err(self.sheet, self.line, Some(col), format!("thiếu {what}"));
        }
        t
    }

    fn number(&self, ctx: &mut Ctx, col: usize) -> Option<Number> {
        let parsed = match self.raw(col) {
            Data::Empty => return None,
            Data::Float(f) => Number::parse(&format!("{f}")),
            Data::Int(i) => Ok(Number::integer(*i)),
            _ => {
                let t = self.text(col);
                if t.is_empty() {
                    return None;
                }
                Number::parse(&t)
            }
        };
        match parsed {
            Ok(n) => Some(n),
            Err(e) => {
                ctx.err(self.sheet, self.line, Some(col), e.to_string());
                None
            }
        }
    }

    fn points(&self, ctx: &mut Ctx, col: usize) -> Option<Points> {
        let n = self.number(ctx, col)?;
        match Points::try_from(n) {
            Ok(p) => Some(p),
            Err(e) => {
                ctx.err(self.sheet, self.line, Some(col), e.to_string());
                None
            }
        }
    }

    fn small<T: TryFrom<i128>>(&self, ctx: &mut Ctx, col: usize, what: &str) -> Option<T> {
        let n = self.number(ctx, col);
        let Some(n) = n else {
            ctx.err(self.sheet, self.line, Some(col), format!("thiếu {what}"));
            return None;
        };
        let value = (n.denominator() == 1).then_some(n.numerator()).and_then(|v| T::try_from(v).ok());
        if value.is_none() {
            ctx.err(self.sheet, self.line, Some(col), format!("{what} phải là số nguyên không âm"));
        }
        value
    }

    fn date(&self, ctx: &mut Ctx, col: usize) -> Option<Date> {
        match self.raw(col) {
            Data::Empty => None,
            Data::DateTime(dt) => {
                // Excel serial days since 1899-12-30.
                let days = dt.as_f64().floor() as i64;
                let d = jiff::civil::date(1899, 12, 30).checked_add(jiff::Span::new().days(days)).ok();
                if d.is_none() {
                    ctx.err(self.sheet, self.line, Some(col), "ngày không hợp lệ");
                }
                d
            }
            _ => {
                let t = self.text(col);
                if t.is_empty() {
                    return None;
                }
                let parsed = t.parse::<Date>().ok().or_else(|| {
                    let mut parts = t.split('/');
                    let (d, m, y) = (parts.next()?, parts.next()?, parts.next()?);
                    Date::new(y.trim().parse().ok()?, m.trim().parse().ok()?, d.trim().parse().ok()?).ok()
                });
                if parsed.is_none() {
                    ctx.err(self.sheet, self.line, Some(col), format!("ngày \"{t}\" không hợp lệ: viết yyyy-mm-dd hoặc dd/mm/yyyy"));
                }
                parsed
            }
        }
    }

    fn code<T>(&self, ctx: &mut Ctx, col: usize, what: &str, parse: impl Fn(&str) -> Option<T>, allowed: &str) -> Option<T> {
        let t = self.text(col);
        if t.is_empty() {
            ctx.err(self.sheet, self.line, Some(col), format!("thiếu {what}"));
            return None;
        }
        let v = parse(&t);
        if v.is_none() {
            ctx.err(self.sheet, self.line, Some(col), format!("{what} \"{t}\" không hợp lệ; chỉ nhận {allowed}"));
        }
        v
    }

    fn confidence(&self, ctx: &mut Ctx, col: usize) -> Option<Confidence> {
        self.code(ctx, col, "độ tin cậy", Confidence::parse, "verified, partially_recalled, guessed")
    }

    fn opt_confidence(&self, ctx: &mut Ctx, col: usize) -> Option<Confidence> {
        if self.text(col).is_empty() { None } else { self.confidence(ctx, col) }
    }

    fn list(&self, col: usize) -> Vec<String> {
        self.text(col).split(',').map(str::trim).filter(|s| !s.is_empty()).map(str::to_string).collect()
    }

    fn areas(&self, ctx: &mut Ctx, col: usize) -> Vec<AreaAttribute> {
        let mut out = Vec::new();
        for code in self.list(col) {
            match AreaAttribute::parse(&code) {
                Some(a) => out.push(a),
                None => ctx.err(
                    self.sheet,
                    self.line,
                    Some(col),
                    format!("thuộc tính địa bàn \"{code}\" không hợp lệ; chỉ nhận mien_nui, dac_biet_kho_khan, dan_toc_thieu_so"),
                ),
            }
        }
        out
    }
}

impl Grid {
    /// Data rows (after the header), skipping blank ones.
    fn rows(&self) -> impl Iterator<Item = RowRef<'_>> {
        self.rows.iter().enumerate().skip(1).filter(|(_, r)| r.iter().any(|c| !matches!(c, Data::Empty))).map(|(i, r)| RowRef {
            sheet: self.name,
            line: i + 1,
            cells: r.as_slice(),
        })
    }
}

/// Rows and columns a criteria workbook may use: a set has a few hundred rows.
const MAX_GRID_ROWS: u32 = 10_000;
const MAX_GRID_COLUMNS: u32 = 64;

/// Reads a sheet cell by cell (never the declared range, which a file can make as large as
/// Excel's whole grid); a value beyond the bounds is refused by its cell.
fn read_grid<RS: std::io::Read + std::io::Seek>(wb: &mut Xlsx<RS>, name: &'static str) -> Result<Grid, CriteriaXlsxError> {
    if !wb.sheet_names().iter().any(|n| n == name) {
        return Err(CriteriaXlsxError::MissingSheet(name.to_string()));
    }
    let mut reader = wb.worksheet_cells_reader(name).map_err(|e| CriteriaXlsxError::Read(e.to_string()))?;
    // Rows are addressed absolutely (from A1), whatever the first used cell is.
    let mut rows: Vec<Vec<Data>> = Vec::new();
    while let Some(cell) = reader.next_cell().map_err(|e| CriteriaXlsxError::Read(e.to_string()))? {
        let value: Data = cell.get_value().clone().into();
        if matches!(value, Data::Empty) {
            continue;
        }
        let (r, c) = cell.get_position();
        if r >= MAX_GRID_ROWS || c >= MAX_GRID_COLUMNS {
            return Err(CriteriaXlsxError::Cells(vec![XlsxCellError {
                sheet: name.to_string(),
                row: r as usize + 1,
                column: col_letter(c as usize),
                reason: format!("ô nằm ngoài vùng của bộ tiêu chí (tối đa {MAX_GRID_ROWS} dòng, {MAX_GRID_COLUMNS} cột)"),
            }]));
        }
        let (r, c) = (r as usize, c as usize);
        if rows.len() <= r {
            rows.resize_with(r + 1, Vec::new);
        }
        if let Some(row) = rows.get_mut(r) {
            if row.len() <= c {
                row.resize(c + 1, Data::Empty);
            }
            if let Some(slot) = row.get_mut(c) {
                *slot = value;
            }
        }
    }
    Ok(Grid { name, rows })
}

/// Where each part of the set came from, to point validation errors at cells.
#[derive(Default)]
struct Origins {
    set_rows: Vec<(String, usize)>,
    criteria: Vec<usize>,
    indicators: Vec<Vec<usize>>,
    requirements: Vec<Vec<Vec<usize>>>,
    levels: Vec<usize>,
    bands: Vec<usize>,
}

impl Origins {
    /// Maps a validation path (`criteria[2].indicators[1].max_points`) to a sheet and row.
    fn locate(&self, path: &str) -> (&'static str, usize) {
        let idx = |p: &str, key: &str| -> Option<usize> {
            let start = p.find(&format!("{key}["))? + key.len() + 1;
            p.get(start..)?.split(']').next()?.parse().ok()
        };
        if path.starts_with("criteria[") {
            let c = idx(path, "criteria");
            let i = idx(path, "indicators");
            let r = idx(path, "requirements");
            match (c, i, r) {
                (Some(c), Some(i), Some(r)) => {
                    if let Some(line) = self.requirements.get(c).and_then(|v| v.get(i)).and_then(|v| v.get(r)) {
                        return (SHEET_REQUIREMENTS, *line);
                    }
                }
                (Some(c), Some(i), None) => {
                    if let Some(line) = self.indicators.get(c).and_then(|v| v.get(i)) {
                        return (SHEET_INDICATORS, *line);
                    }
                }
                (Some(c), None, _) => {
                    if let Some(line) = self.criteria.get(c) {
                        return (SHEET_CRITERIA, *line);
                    }
                }
                _ => {}
            }
            return (SHEET_CRITERIA, 1);
        }
        if let Some(l) = path.strip_prefix("levels[").and_then(|_| idx(path, "levels")).and_then(|i| self.levels.get(i)) {
            return (SHEET_LEVELS, *l);
        }
        if let Some(b) = path.strip_prefix("bands[").and_then(|_| idx(path, "bands")).and_then(|i| self.bands.get(i)) {
            return (SHEET_LEVELS, *b);
        }
        // Set fields: the row whose key is the longest prefix of the path.
        let field: String = path.chars().filter(|c| !c.is_ascii_digit() && *c != '[' && *c != ']').collect();
        let best = self
            .set_rows
            .iter()
            .filter(|(k, _)| field.starts_with(k.as_str()) || k.starts_with(field.as_str()))
            .max_by_key(|(k, _)| k.len());
        (SHEET_SET, best.map_or(1, |(_, l)| *l))
    }
}

/// Reads a workbook written by [`export_set`] (possibly edited) back into a validated set.
pub fn import_set(bytes: &[u8]) -> Result<CriteriaSet, CriteriaXlsxError> {
    crate::guard::check_office_zip(Cursor::new(bytes), &crate::guard::UPLOAD).map_err(|e| CriteriaXlsxError::Read(e.to_string()))?;
    let mut wb: Xlsx<_> = Xlsx::new(Cursor::new(bytes)).map_err(|e| CriteriaXlsxError::Read(e.to_string()))?;
    let set_grid = read_grid(&mut wb, SHEET_SET)?;
    let crit_grid = read_grid(&mut wb, SHEET_CRITERIA)?;
    let ind_grid = read_grid(&mut wb, SHEET_INDICATORS)?;
    let req_grid = read_grid(&mut wb, SHEET_REQUIREMENTS)?;
    let lvl_grid = read_grid(&mut wb, SHEET_LEVELS)?;
    let mut ctx = Ctx { errors: Vec::new() };
    let mut origins = Origins::default();

    // ---- "Bo tieu chi"
    let mut id = String::new();
    let mut version = String::new();
    let mut title = String::new();
    let mut subject = None;
    let mut method = None;
    let mut confidence = None;
    let mut recognised_by = None;
    let (mut emulation_movement, mut emulation_actor) = (None, None);
    let mut supersedes = Vec::new();
    let mut notes = Vec::new();
    let (mut document, mut issuer, mut signed, mut effective_from, mut effective_to) = (String::new(), String::new(), None, None, None);
    let (mut articles, mut lb_conf, mut replaces) = (None, None, Vec::new());
    let mut applicability = Applicability::default();
    let mut points_seen = false;
    let (mut max_total, mut pass_mark, mut points_conf) = (None, None, None);
    let (mut by_area, mut floors) = (Vec::new(), Vec::new());
    let mut timing = Timing::default();
    let mut variables = Vec::new();
    let mut tags = Vec::new();
    for row in set_grid.rows() {
        let key = row.text(0);
        origins.set_rows.push((key.clone(), row.line));
        let v = 2;
        match key.as_str() {
            "id" => id = row.required(&mut ctx, v, "mã bộ tiêu chí"),
            "version" => version = row.required(&mut ctx, v, "phiên bản"),
            "title" => title = row.required(&mut ctx, v, "tên bộ tiêu chí"),
            "subject" => {
                subject = row.code(
                    &mut ctx,
                    v,
                    "đối tượng",
                    SubjectKind::parse,
                    "household, clan, village, organisation, citizen, commune, district, province",
                )
            }
            "method" => method = row.code(&mut ctx, v, "phương pháp", Method::parse, "points, levels"),
            "confidence" => confidence = row.confidence(&mut ctx, v),
            "recognised_by" => recognised_by = row.opt_text(v),
            "emulation.movement" => emulation_movement = row.opt_text(v),
            "emulation.actor" => {
                emulation_actor = row.code(
                    &mut ctx,
                    v,
                    "đối tượng thi đua",
                    hoctap_domain::emulation::ActorType::parse,
                    "tinh, mttq_doan_the, so_nganh, huyen, xa, ho_gia_dinh_dong_ho, doanh_nghiep, ca_nhan",
                )
            }
            "supersedes" => supersedes.push(row.required(&mut ctx, v, "mã bộ tiêu chí bị thay thế")),
            "notes" => notes.push(row.required(&mut ctx, v, "nội dung ghi chú")),
            "legal_basis.document" => document = row.required(&mut ctx, v, "số, ký hiệu văn bản"),
            "legal_basis.issuer" => issuer = row.required(&mut ctx, v, "cơ quan ban hành"),
            "legal_basis.signed" => signed = row.date(&mut ctx, v),
            "legal_basis.effective_from" => {
                effective_from = row.date(&mut ctx, v);
                if effective_from.is_none() && row.text(v).is_empty() {
                    ctx.err(row.sheet, row.line, Some(v), "thiếu ngày có hiệu lực");
                }
            }
            "legal_basis.effective_to" => effective_to = row.date(&mut ctx, v),
            "legal_basis.articles" => articles = row.opt_text(v),
            "legal_basis.confidence" => lb_conf = row.confidence(&mut ctx, v),
            "legal_basis.replaces" => replaces.push(row.required(&mut ctx, v, "văn bản bị thay thế")),
            "applicability.scope" => applicability.scope = row.opt_text(v),
            "applicability.jurisdictions" => applicability.jurisdictions.push(row.required(&mut ctx, v, "mã tỉnh")),
            "applicability.managed_by" => {
                if let Some(m) = row.code(&mut ctx, v, "cấp quản lý", ManagingLevel::parse, "commune, district, province") {
                    applicability.managed_by.push(m);
                }
            }
            "applicability.area_any" => applicability.area_any.extend(row.areas(&mut ctx, v)),
            "points.max_total" => {
                points_seen = true;
                max_total = row.points(&mut ctx, v);
                if max_total.is_none() && row.text(v).is_empty() {
                    ctx.err(row.sheet, row.line, Some(v), "thiếu tổng điểm tối đa");
                }
            }
            "points.pass_mark" => {
                points_seen = true;
                pass_mark = row.points(&mut ctx, v);
            }
            "points.confidence" => {
                points_seen = true;
                points_conf = row.confidence(&mut ctx, v);
            }
            "points.pass_mark_by_area" => {
                points_seen = true;
                let area = row.areas(&mut ctx, 2);
                let pm = row.points(&mut ctx, 3);
                let c = row.confidence(&mut ctx, 4);
                if pm.is_none() {
                    ctx.err(row.sheet, row.line, Some(3), "thiếu điểm đạt");
                }
                if let (Some(pass_mark), Some(confidence)) = (pm, c) {
                    by_area.push(AreaPassMark { area, pass_mark, confidence });
                }
            }
            "points.floors" => {
                points_seen = true;
                let scope = row.code(&mut ctx, 2, "phạm vi điểm sàn", FloorScope::parse, "indicator, criterion");
                let at_least = row.points(&mut ctx, 3);
                let above = row.points(&mut ctx, 4);
                if let (Some(scope), Some(confidence)) = (scope, row.confidence(&mut ctx, 5)) {
                    floors.push(Floor { scope, at_least, above, confidence });
                }
            }
            "timing.upgrade" => {
                let from = row.required(&mut ctx, 2, "mức đã đạt");
                let to = row.required(&mut ctx, 3, "mức lên");
                let months = row.small::<u32>(&mut ctx, 4, "số tháng");
                if let (Some(min_months), Some(confidence)) = (months, row.confidence(&mut ctx, 5)) {
                    timing.upgrade = Some(UpgradeRule { from, to, min_months, confidence });
                }
            }
            "timing.validity_months" => timing.validity_months = row.small::<u32>(&mut ctx, v, "số tháng bảo lưu"),
            "timing.validity_confidence" => timing.validity_confidence = row.opt_confidence(&mut ctx, v),
            "timing.data_period" => timing.data_period = row.opt_text(v),
            "timing.deadlines" => {
                let step = row.required(&mut ctx, 2, "mã bước");
                let description = row.required(&mut ctx, 3, "mô tả mốc");
                let day = row.small::<u8>(&mut ctx, 4, "ngày");
                let month = row.small::<u8>(&mut ctx, 5, "tháng");
                let year_offset = row.small::<u8>(&mut ctx, 6, "năm");
                if let (Some(day), Some(month), Some(year_offset), Some(confidence)) =
                    (day, month, year_offset, row.confidence(&mut ctx, 7))
                {
                    timing.deadlines.push(Deadline { step, description, day, month, year_offset, confidence });
                }
            }
            "variables" => {
                let source_text = row.text(4);
                let source = match source_text.as_str() {
                    "" => None,
                    t => t
                        .parse()
                        .map_err(|e: hoctap_domain::criteria::SourceError| ctx.err(row.sheet, row.line, Some(4), e.to_string()))
                        .ok(),
                };
                variables.push(Variable {
                    id: row.required(&mut ctx, 2, "tên biến"),
                    name: row.required(&mut ctx, 3, "mô tả biến"),
                    source,
                })
            }
            "tags" => tags.push(Tag { id: row.required(&mut ctx, 2, "mã nhãn"), name: row.required(&mut ctx, 3, "tên nhãn") }),
            "" => ctx.err(row.sheet, row.line, Some(0), "thiếu mã trường"),
            other => ctx.err(row.sheet, row.line, Some(0), format!("mã trường \"{other}\" không có trong mẫu")),
        }
    }
    for (key, what) in
        [("id", "mã bộ tiêu chí"), ("subject", "đối tượng"), ("method", "phương pháp"), ("legal_basis.effective_from", "ngày có hiệu lực")]
    {
        if !origins.set_rows.iter().any(|(k, _)| k == key) {
            ctx.err(SHEET_SET, 1, None, format!("thiếu dòng \"{key}\" ({what})"));
        }
    }

    // ---- "Tieu chi"
    let mut criteria: Vec<Criterion> = Vec::new();
    for row in crit_grid.rows() {
        let cid = row.required(&mut ctx, 0, "mã tiêu chí");
        if criteria.iter().any(|c| c.id == cid) {
            ctx.err(row.sheet, row.line, Some(0), format!("mã tiêu chí \"{cid}\" bị trùng"));
            continue;
        }
        let name = row.required(&mut ctx, 1, "tên tiêu chí");
        let max_points = row.points(&mut ctx, 2);
        let confidence = row.confidence(&mut ctx, 3).unwrap_or(Confidence::Guessed);
        criteria.push(Criterion { id: cid, name, max_points, confidence, note: row.opt_text(4), indicators: Vec::new() });
        origins.criteria.push(row.line);
        origins.indicators.push(Vec::new());
        origins.requirements.push(Vec::new());
    }

    // ---- "Chi tieu"
    for row in ind_grid.rows() {
        let cid = row.required(&mut ctx, 0, "mã tiêu chí");
        let Some(ci) = criteria.iter().position(|c| c.id == cid) else {
            if !cid.is_empty() {
                ctx.err(row.sheet, row.line, Some(0), format!("không có tiêu chí mã \"{cid}\" trong trang \"{SHEET_CRITERIA}\""));
            }
            continue;
        };
        let kind = row.code(&mut ctx, 3, "loại chỉ tiêu", IndicatorKind::parse, "yes_no, number, points");
        let indicator = Indicator {
            id: row.required(&mut ctx, 1, "mã chỉ tiêu"),
            name: row.required(&mut ctx, 2, "tên chỉ tiêu"),
            kind: kind.unwrap_or(IndicatorKind::YesNo),
            unit: row.opt_text(4),
            max_points: row.points(&mut ctx, 5),
            formula: row.opt_text(6),
            requirements: Vec::new(),
            applies_to: row.list(7),
            excluded_for: row.list(8),
            evidence: row.text(9).lines().map(str::trim).filter(|s| !s.is_empty()).map(str::to_string).collect(),
            evidence_confidence: row.opt_confidence(&mut ctx, 10),
            confidence: row.confidence(&mut ctx, 11).unwrap_or(Confidence::Guessed),
            note: row.opt_text(12),
        };
        if let (Some(c), Some(o)) = (criteria.get_mut(ci), origins.indicators.get_mut(ci)) {
            c.indicators.push(indicator);
            o.push(row.line);
        }
        if let Some(r) = origins.requirements.get_mut(ci) {
            r.push(Vec::new());
        }
    }

    // ---- "Yeu cau theo muc"
    for row in req_grid.rows() {
        let iid = row.required(&mut ctx, 0, "mã chỉ tiêu");
        let found = criteria.iter().enumerate().find_map(|(ci, c)| c.indicators.iter().position(|i| i.id == iid).map(|ii| (ci, ii)));
        let Some((ci, ii)) = found else {
            if !iid.is_empty() {
                ctx.err(row.sheet, row.line, Some(0), format!("không có chỉ tiêu mã \"{iid}\" trong trang \"{SHEET_INDICATORS}\""));
            }
            continue;
        };
        let requirement = Requirement {
            level: row.required(&mut ctx, 1, "mã mức"),
            area: row.areas(&mut ctx, 2),
            tags: row.list(3),
            at_least: row.number(&mut ctx, 4),
            at_most: row.number(&mut ctx, 5),
            condition: row.opt_text(6),
            text: row.opt_text(7),
        };
        if let Some(ind) = criteria.get_mut(ci).and_then(|c| c.indicators.get_mut(ii)) {
            ind.requirements.push(requirement);
        }
        if let Some(v) = origins.requirements.get_mut(ci).and_then(|v| v.get_mut(ii)) {
            v.push(row.line);
        }
    }

    // ---- "Muc - Xep loai"
    let mut levels = Vec::new();
    let mut bands = Vec::new();
    for row in lvl_grid.rows() {
        let kind = row.text(0);
        let lid = row.required(&mut ctx, 1, "mã");
        let name = row.required(&mut ctx, 2, "tên");
        let confidence = row.confidence(&mut ctx, 6).unwrap_or(Confidence::Guessed);
        match kind.as_str() {
            "muc" => {
                levels.push(Level { id: lid, name, alias: row.opt_text(3), confidence });
                origins.levels.push(row.line);
            }
            "xep_loai" => {
                let passes = match crate_fold(&row.text(5)).as_str() {
                    "co" | "x" | "true" | "1" | "dat" => true,
                    "khong" | "" | "false" | "0" | "chua dat" => false,
                    other => {
                        ctx.err(row.sheet, row.line, Some(5), format!("\"{other}\" không hợp lệ; ghi \"có\" hoặc \"không\""));
                        false
                    }
                };
                bands.push(Band { id: lid, name, min: row.points(&mut ctx, 4), passes, confidence });
                origins.bands.push(row.line);
            }
            other => ctx.err(row.sheet, row.line, Some(0), format!("loại \"{other}\" không hợp lệ; chỉ nhận muc, xep_loai")),
        }
    }

    let points = if points_seen {
        match (max_total, points_conf) {
            (Some(max_total), Some(confidence)) => {
                Some(PointsRules { max_total, pass_mark, pass_mark_by_area: by_area, floors, confidence })
            }
            _ => {
                if points_conf.is_none() {
                    ctx.err(SHEET_SET, 1, None, "mục điểm cần dòng \"points.confidence\"");
                }
                None
            }
        }
    } else {
        None
    };

    if !ctx.errors.is_empty() {
        return Err(CriteriaXlsxError::Cells(ctx.errors));
    }
    let (Some(subject), Some(method), Some(effective_from)) = (subject, method, effective_from) else {
        return Err(CriteriaXlsxError::Cells(vec![XlsxCellError {
            sheet: SHEET_SET.into(),
            row: 1,
            column: String::new(),
            reason: "thiếu đối tượng, phương pháp hoặc ngày có hiệu lực".into(),
        }]));
    };
    let set = CriteriaSet {
        id,
        version,
        title,
        subject,
        method,
        confidence: confidence.unwrap_or(Confidence::Guessed),
        supersedes,
        legal_basis: LegalBasis {
            document,
            issuer,
            signed,
            effective_from,
            effective_to,
            replaces,
            articles,
            confidence: lb_conf.unwrap_or(Confidence::Guessed),
        },
        applicability,
        recognised_by,
        notes,
        emulation: emulation_movement
            .zip(emulation_actor)
            .map(|(movement, actor)| hoctap_domain::emulation::EmulationScope { movement, actor }),
        points,
        levels,
        bands,
        timing,
        variables,
        tags,
        criteria,
    };
    if let Err(errors) = set.validate() {
        let cells = errors
            .0
            .into_iter()
            .map(|e| {
                let (sheet, row) = origins.locate(&e.path);
                XlsxCellError { sheet: sheet.to_string(), row, column: String::new(), reason: format!("{} ({})", e.reason, e.path) }
            })
            .collect();
        return Err(CriteriaXlsxError::Cells(cells));
    }
    Ok(set)
}

/// Lowercase without diacritics, for yes/no cells typed by hand.
fn crate_fold(s: &str) -> String {
    hoctap_domain::text::fold(s)
}

#[cfg(test)]
mod tests {
    use super::*;
    use hoctap_domain::criteria::shipped_sets;

    #[test]
    fn every_shipped_set_round_trips_through_the_workbook() {
        let sets = shipped_sets().unwrap_or_default();
        assert!(!sets.is_empty());
        for set in sets {
            let bytes = export_set(&set).unwrap_or_else(|e| panic!("{}: {e}", set.id));
            let back = import_set(&bytes).unwrap_or_else(|e| panic!("{}: {e}", set.id));
            assert_eq!(back, set, "{} does not round-trip", set.id);
        }
    }

    #[test]
    fn column_letters_follow_excel() {
        assert_eq!(col_letter(0), "A");
        assert_eq!(col_letter(25), "Z");
        assert_eq!(col_letter(26), "AA");
    }

    /// Rewrites one cell of an exported workbook through a grid edit: export, read, change,
    /// write back with the same layout.
    fn edited(set: &CriteriaSet, sheet: &str, row: usize, col: usize, value: &str) -> Vec<u8> {
        let bytes = export_set(set).unwrap_or_default();
        let mut wb: Xlsx<_> = match Xlsx::new(Cursor::new(bytes)) {
            Ok(wb) => wb,
            Err(e) => panic!("{e}"),
        };
        let mut out = Workbook::new();
        for name in [SHEET_GUIDE, SHEET_SET, SHEET_CRITERIA, SHEET_INDICATORS, SHEET_REQUIREMENTS, SHEET_LEVELS] {
            let range = wb.worksheet_range(name).unwrap_or_default();
            let ws = out.add_worksheet();
            let _ = ws.set_name(name);
            let (er, ec) = range.end().unwrap_or((0, 0));
            for r in 0..=er {
                for c in 0..=ec {
                    let cell = range.get_value((r, c)).cloned().unwrap_or(Data::Empty);
                    let (rr, cc) = (r, c as u16);
                    let _ = match cell {
                        _ if name == sheet && r as usize == row - 1 && c as usize == col => ws.write_string(rr, cc, value).map(|_| ()),
                        Data::String(s) => ws.write_string(rr, cc, s).map(|_| ()),
                        Data::Float(f) => ws.write_number(rr, cc, f).map(|_| ()),
                        Data::Int(i) => ws.write_number(rr, cc, i as f64).map(|_| ()),
                        _ => Ok(()),
                    };
                }
            }
        }
        out.save_to_buffer().unwrap_or_default()
    }

    fn cell_errors(r: Result<CriteriaSet, CriteriaXlsxError>) -> Vec<String> {
        match r {
            Err(CriteriaXlsxError::Cells(v)) => v.iter().map(ToString::to_string).collect(),
            other => panic!("expected cell errors, got {other:?}"),
        }
    }

    #[test]
    fn bad_cells_are_reported_by_sheet_row_and_column() {
        let sets = shipped_sets().unwrap_or_default();
        let Some(citizen) = sets.iter().find(|s| s.id == "cdht-congdan") else { panic!("no cdht-congdan") };
        // Row 3 of "Chi tieu" is NL1.2; column F (index 5) is its maximum.
        let e = cell_errors(import_set(&edited(citizen, SHEET_INDICATORS, 3, 5, "mười")));
        assert_eq!(e, vec!["Trang \"Chi tieu\", dòng 3, cột F: \"mười\" không phải là số (viết như 84,5 hoặc 84.5)".to_string()]);
        let e = cell_errors(import_set(&edited(citizen, SHEET_INDICATORS, 3, 3, "diem")));
        assert!(e[0].starts_with("Trang \"Chi tieu\", dòng 3, cột D: loại chỉ tiêu \"diem\" không hợp lệ"), "{e:?}");
        // A maximum that breaks the sums is caught by validation and pointed at its row.
        let e = cell_errors(import_set(&edited(citizen, SHEET_INDICATORS, 3, 5, "9")));
        assert!(e.iter().any(|m| m.starts_with("Trang \"Tieu chi\", dòng 2: điểm tối đa của tiêu chí là 40")), "{e:?}");
        assert!(matches!(import_set(b"not a workbook"), Err(CriteriaXlsxError::Read(_))));
    }
}
