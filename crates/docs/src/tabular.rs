//! What every table reader shares (the whole-file reader `table`, the streaming reader
//! `table_stream` and the Office file check `guard`): a row, a run-time column, the upload
//! limit and the one error type.

use hoctap_domain::registry::cell::CellKind;
use std::collections::BTreeMap;

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

/// A column built at run time (e.g. from a registry definition).
pub struct ColumnSpec {
    pub name: &'static str,
    pub headers: Vec<String>,
    pub required: bool,
}
