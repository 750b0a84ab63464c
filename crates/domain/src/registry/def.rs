//! Registry definitions as data: each registry is a list of typed fields, a stable key, and
//! the field that places a record in the unit hierarchy (its scope). Lists, forms, imports,
//! exports, the JSON API and the SQL are all driven by these definitions, so the nine
//! registries share one tested implementation instead of nine copies.

use super::cccd::Cccd;
use super::cell::{CellKind, check_possible_date, parse_bool_cell, parse_date_cell, parse_int_cell, parse_money_cell};
use super::person::{FullName, RecordCode, Sex};
use super::reference::{
    ASSOCIATION_LEVELS, FUND_ENTRY_KINDS, MANAGEMENT_LEVELS, OCCUPATION_GROUPS, ORGANISATION_KINDS, RELATIONS_TO_HEAD, parse_coded,
    parse_ethnicity,
};
use crate::unit::{UnitCode, UnitKind};
use jiff::civil::Date;
use serde::Serialize;
use std::collections::BTreeMap;

/// The registries.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum RegistryKind {
    Households,
    Citizens,
    Clans,
    ClanMembers,
    Organisations,
    LearningCentres,
    AssociationBranches,
    AssociationMembers,
    FundEntries,
}

/// What a field holds and how a cell or form value is read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FieldType {
    Text {
        max: usize,
    },
    Name,
    Code,
    Date,
    Int {
        min: i64,
        max: i64,
    },
    /// Đồng, a non-negative integer.
    Money,
    Bool,
    Cccd,
    Sex,
    Coded(&'static [(&'static str, &'static str)]),
    Ethnicity,
    /// A unit of this kind valid today, given by its code; stored as the unit's id.
    Unit(UnitKind),
    /// A unit of any kind (commune, village, province).
    AnyUnit,
    /// The key code of a record of another registry.
    Ref(RegistryKind),
}

impl FieldType {
    /// Stored as an integer column (the rest are text).
    pub fn is_integer(self) -> bool {
        matches!(self, Self::Int { .. } | Self::Money | Self::Bool | Self::Unit(_) | Self::AnyUnit)
    }

    /// Choices for a drop-down (code, label).
    pub fn choices(self) -> Option<&'static [(&'static str, &'static str)]> {
        match self {
            Self::Coded(list) => Some(list),
            Self::Sex => Some(&[("nam", "Nam"), ("nu", "Nữ")]),
            Self::Bool => Some(&[("co", "Có"), ("khong", "Không")]),
            _ => None,
        }
    }
}

/// One field of a registry.
#[derive(Debug, Clone, Copy)]
pub struct Field {
    /// Column name in the table and key in JSON.
    pub column: &'static str,
    /// Column header in spreadsheets and label on forms.
    pub header: &'static str,
    /// Other header spellings accepted on import.
    pub aliases: &'static [&'static str],
    pub ty: FieldType,
    pub required: bool,
    /// Personal data: masked for roles that do not need it, exports audited.
    pub personal: bool,
    pub hint: &'static str,
}

const fn f(column: &'static str, header: &'static str, ty: FieldType, required: bool) -> Field {
    Field { column, header, aliases: &[], ty, required, personal: false, hint: "" }
}

const fn personal(mut x: Field) -> Field {
    x.personal = true;
    x
}

const fn hint(mut x: Field, h: &'static str) -> Field {
    x.hint = h;
    x
}

const fn aliases(mut x: Field, a: &'static [&'static str]) -> Field {
    x.aliases = a;
    x
}

/// A registry.
#[derive(Debug, Clone, Copy)]
pub struct Registry {
    pub kind: RegistryKind,
    /// URL segment and CLI name.
    pub slug: &'static str,
    pub table: &'static str,
    pub title: &'static str,
    /// "hộ gia đình", for sentences.
    pub noun: &'static str,
    /// Fields that together identify a record across imports (mã ổn định).
    pub key: &'static [&'static str],
    /// The field that places a record in the hierarchy (a unit, or a reference to a record
    /// whose unit is used).
    pub scope: &'static str,
    /// Field shown as the record's name.
    pub label: &'static str,
    /// Fields searched (diacritics and case folded).
    pub search: &'static [&'static str],
    pub fields: &'static [Field],
    /// Posted entries are never edited or deleted, only reversed (fund ledger).
    pub append_only: bool,
}

impl Registry {
    pub fn field(&self, column: &str) -> Option<&'static Field> {
        self.fields.iter().find(|f| f.column == column)
    }

    pub fn is_key(&self, column: &str) -> bool {
        self.key.contains(&column)
    }

    pub fn has_personal_data(&self) -> bool {
        self.fields.iter().any(|f| f.personal)
    }
}

pub const HOUSEHOLDS: Registry = Registry {
    kind: RegistryKind::Households,
    slug: "ho-gia-dinh",
    table: "reg_households",
    title: "Hộ gia đình",
    noun: "hộ gia đình",
    key: &["code"],
    scope: "village",
    label: "head_name",
    search: &["code", "head_name", "address"],
    fields: &[
        hint(f("code", "Mã hộ", FieldType::Code, true), "Mã ổn định do xã đặt, ví dụ HG-0001"),
        f("head_name", "Họ tên chủ hộ", FieldType::Name, true),
        personal(f("head_cccd", "CCCD chủ hộ", FieldType::Cccd, false)),
        f("address", "Địa chỉ", FieldType::Text { max: 200 }, false),
        hint(f("village", "Mã thôn", FieldType::Unit(UnitKind::Village), true), "Mã 8 chữ số của thôn, tổ dân phố"),
        f("members", "Số nhân khẩu", FieldType::Int { min: 1, max: 60 }, false),
        f("note", "Ghi chú", FieldType::Text { max: 500 }, false),
    ],
    append_only: false,
};

pub const CITIZENS: Registry = Registry {
    kind: RegistryKind::Citizens,
    slug: "cong-dan",
    table: "reg_citizens",
    title: "Công dân",
    noun: "công dân",
    key: &["cccd"],
    scope: "village",
    label: "full_name",
    search: &["cccd", "full_name", "household"],
    fields: &[
        personal(aliases(f("cccd", "Số CCCD", FieldType::Cccd, true), &["CCCD", "Số định danh", "Số căn cước"])),
        aliases(f("full_name", "Họ và tên", FieldType::Name, true), &["Họ tên"]),
        personal(hint(f("birth_date", "Ngày sinh", FieldType::Date, true), "dd/mm/yyyy")),
        aliases(f("sex", "Giới tính", FieldType::Sex, true), &["Giới"]),
        f("ethnicity", "Dân tộc", FieldType::Ethnicity, false),
        hint(
            f("occupation_group", "Nhóm đối tượng", FieldType::Coded(&OCCUPATION_GROUPS), false),
            "N1–N4 theo bộ công cụ Công dân học tập",
        ),
        f("household", "Mã hộ", FieldType::Ref(RegistryKind::Households), false),
        f("relation", "Quan hệ với chủ hộ", FieldType::Coded(&RELATIONS_TO_HEAD), false),
        f("village", "Mã thôn", FieldType::Unit(UnitKind::Village), true),
    ],
    append_only: false,
};

pub const CLANS: Registry = Registry {
    kind: RegistryKind::Clans,
    slug: "dong-ho",
    table: "reg_clans",
    title: "Dòng họ",
    noun: "dòng họ",
    key: &["code"],
    scope: "home_commune",
    label: "name",
    search: &["code", "name", "branch"],
    fields: &[
        f("code", "Mã dòng họ", FieldType::Code, true),
        f("name", "Tên dòng họ", FieldType::Text { max: 120 }, true),
        hint(f("branch", "Chi, ngành", FieldType::Text { max: 120 }, false), "Để trống nếu là cả dòng họ"),
        f("head_name", "Trưởng họ", FieldType::Name, false),
        f("home_commune", "Mã xã quê gốc", FieldType::Unit(UnitKind::Commune), true),
        f("note", "Ghi chú", FieldType::Text { max: 500 }, false),
    ],
    append_only: false,
};

pub const CLAN_MEMBERS: Registry = Registry {
    kind: RegistryKind::ClanMembers,
    slug: "ho-thuoc-dong-ho",
    table: "reg_clan_members",
    title: "Hộ thuộc dòng họ",
    noun: "hộ thuộc dòng họ",
    key: &["clan", "household"],
    scope: "clan",
    label: "household",
    search: &["clan", "household"],
    fields: &[
        f("clan", "Mã dòng họ", FieldType::Ref(RegistryKind::Clans), true),
        hint(f("household", "Mã hộ", FieldType::Ref(RegistryKind::Households), true), "Hộ có thể ở thôn, xã khác"),
        f("joined_on", "Ngày ghi nhận", FieldType::Date, false),
    ],
    append_only: false,
};

pub const ORGANISATIONS: Registry = Registry {
    kind: RegistryKind::Organisations,
    slug: "co-quan-don-vi",
    table: "reg_organisations",
    title: "Cơ quan, đơn vị, doanh nghiệp",
    noun: "cơ quan, đơn vị",
    key: &["code"],
    scope: "commune",
    label: "name",
    search: &["code", "name"],
    fields: &[
        f("code", "Mã đơn vị", FieldType::Code, true),
        f("name", "Tên đơn vị", FieldType::Text { max: 200 }, true),
        f("kind", "Loại hình", FieldType::Coded(&ORGANISATION_KINDS), true),
        f("management_level", "Cấp quản lý", FieldType::Coded(&MANAGEMENT_LEVELS), true),
        hint(f("commune", "Mã xã nơi đóng trụ sở", FieldType::Unit(UnitKind::Commune), true), "Mã 5 chữ số"),
        f("staff", "Số cán bộ, người lao động", FieldType::Int { min: 0, max: 1_000_000 }, false),
        f("head_name", "Thủ trưởng", FieldType::Name, false),
        f("address", "Địa chỉ", FieldType::Text { max: 200 }, false),
    ],
    append_only: false,
};

pub const LEARNING_CENTRES: Registry = Registry {
    kind: RegistryKind::LearningCentres,
    slug: "tt-htcd",
    table: "reg_learning_centres",
    title: "Trung tâm học tập cộng đồng",
    noun: "trung tâm học tập cộng đồng",
    key: &["code"],
    scope: "commune",
    label: "name",
    search: &["code", "name"],
    fields: &[
        f("code", "Mã trung tâm", FieldType::Code, true),
        f("name", "Tên trung tâm", FieldType::Text { max: 200 }, true),
        f("commune", "Mã xã", FieldType::Unit(UnitKind::Commune), true),
        f("manager_name", "Giám đốc", FieldType::Name, false),
        f("manager_is_hkh_chair", "Chủ tịch Hội Khuyến học xã tham gia quản lý", FieldType::Bool, false),
        f("activities_per_year", "Số hoạt động trong năm", FieldType::Int { min: 0, max: 100_000 }, false),
        f("learners", "Số lượt người học", FieldType::Int { min: 0, max: 10_000_000 }, false),
        hint(f("uses_it", "Ứng dụng CNTT trong quản lý, dạy học", FieldType::Bool, false), "Chỉ tiêu QĐ 1373/QĐ-TTg"),
    ],
    append_only: false,
};

pub const ASSOCIATION_BRANCHES: Registry = Registry {
    kind: RegistryKind::AssociationBranches,
    slug: "hoi-khuyen-hoc",
    table: "reg_association_branches",
    title: "Hội Khuyến học, chi hội",
    noun: "hội, chi hội khuyến học",
    key: &["code"],
    scope: "unit",
    label: "name",
    search: &["code", "name"],
    fields: &[
        f("code", "Mã hội, chi hội", FieldType::Code, true),
        f("name", "Tên", FieldType::Text { max: 200 }, true),
        f("level", "Cấp", FieldType::Coded(&ASSOCIATION_LEVELS), true),
        hint(f("unit", "Mã đơn vị hành chính", FieldType::AnyUnit, true), "Tỉnh, xã hoặc thôn nơi hội hoạt động"),
        hint(f("host", "Nơi sinh hoạt", FieldType::Text { max: 200 }, false), "Thôn, trường học, cơ quan…"),
        f("chair_name", "Chủ tịch, chi hội trưởng", FieldType::Name, false),
    ],
    append_only: false,
};

pub const ASSOCIATION_MEMBERS: Registry = Registry {
    kind: RegistryKind::AssociationMembers,
    slug: "hoi-vien",
    table: "reg_association_members",
    title: "Hội viên khuyến học",
    noun: "hội viên",
    key: &["branch", "cccd"],
    scope: "branch",
    label: "full_name",
    search: &["cccd", "full_name", "branch"],
    fields: &[
        f("branch", "Mã chi hội", FieldType::Ref(RegistryKind::AssociationBranches), true),
        personal(f("cccd", "Số CCCD", FieldType::Cccd, true)),
        f("full_name", "Họ và tên", FieldType::Name, true),
        f("joined_on", "Ngày vào hội", FieldType::Date, true),
        f("dues_per_year", "Hội phí mỗi năm (đồng)", FieldType::Money, false),
    ],
    append_only: false,
};

pub const FUND_ENTRIES: Registry = Registry {
    kind: RegistryKind::FundEntries,
    slug: "quy-khuyen-hoc",
    table: "reg_fund_entries",
    title: "Sổ quỹ khuyến học",
    noun: "bút toán quỹ",
    key: &["branch", "entry_no"],
    scope: "branch",
    label: "entry_no",
    search: &["entry_no", "counterparty", "decision"],
    fields: &[
        f("branch", "Mã hội, chi hội", FieldType::Ref(RegistryKind::AssociationBranches), true),
        hint(f("entry_no", "Số chứng từ", FieldType::Code, true), "Số phiếu thu, phiếu chi"),
        f("posted_on", "Ngày ghi sổ", FieldType::Date, true),
        f("kind", "Nội dung", FieldType::Coded(&FUND_ENTRY_KINDS), true),
        f("amount", "Số tiền (đồng)", FieldType::Money, true),
        hint(f("counterparty", "Người nộp, người nhận", FieldType::Text { max: 200 }, false), "Nhà hảo tâm hoặc người thụ hưởng"),
        personal(f("beneficiary_cccd", "CCCD người thụ hưởng", FieldType::Cccd, false)),
        f("decision", "Quyết định, căn cứ", FieldType::Text { max: 200 }, false),
        hint(f("reverses", "Đảo bút toán số", FieldType::Code, false), "Bút toán đã ghi không sửa được; ghi một bút toán đảo"),
    ],
    append_only: true,
};

/// Every registry, in menu order.
pub const REGISTRIES: [&Registry; 9] = [
    &HOUSEHOLDS,
    &CITIZENS,
    &CLANS,
    &CLAN_MEMBERS,
    &ORGANISATIONS,
    &LEARNING_CENTRES,
    &ASSOCIATION_BRANCHES,
    &ASSOCIATION_MEMBERS,
    &FUND_ENTRIES,
];

pub fn registry(kind: RegistryKind) -> &'static Registry {
    match kind {
        RegistryKind::Households => &HOUSEHOLDS,
        RegistryKind::Citizens => &CITIZENS,
        RegistryKind::Clans => &CLANS,
        RegistryKind::ClanMembers => &CLAN_MEMBERS,
        RegistryKind::Organisations => &ORGANISATIONS,
        RegistryKind::LearningCentres => &LEARNING_CENTRES,
        RegistryKind::AssociationBranches => &ASSOCIATION_BRANCHES,
        RegistryKind::AssociationMembers => &ASSOCIATION_MEMBERS,
        RegistryKind::FundEntries => &FUND_ENTRIES,
    }
}

pub fn by_slug(slug: &str) -> Option<&'static Registry> {
    REGISTRIES.into_iter().find(|r| r.slug == slug.trim())
}

/// A typed value of a field.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(untagged)]
pub enum Value {
    Text(String),
    Int(i64),
    Bool(bool),
    Date(Date),
    /// A unit's code (resolved to its id by the store).
    Unit(UnitCode),
}

impl Value {
    /// The text shown in lists and written to spreadsheets.
    pub fn display(&self, ty: FieldType) -> String {
        match (self, ty) {
            (Value::Text(s), FieldType::Coded(list)) => {
                list.iter().find(|(c, _)| c == s).map(|(_, l)| (*l).to_string()).unwrap_or_else(|| s.clone())
            }
            (Value::Text(s), FieldType::Sex) => Sex::parse(s).map(|x| x.label().to_string()).unwrap_or_else(|| s.clone()),
            (Value::Text(s), _) => s.clone(),
            (Value::Int(n), _) => n.to_string(),
            (Value::Bool(b), _) => {
                if *b {
                    "Có".into()
                } else {
                    "Không".into()
                }
            }
            (Value::Date(d), _) => crate::date::format_vn(*d),
            (Value::Unit(c), _) => c.to_string(),
        }
    }
}

/// A value read from a spreadsheet cell, and whether a repair was made (the preview says so).
#[derive(Debug, Clone, PartialEq)]
pub struct SheetValue {
    pub value: Value,
    /// A CCCD kept as a number lost its leading zero, and it was put back.
    pub restored_zero: bool,
}

/// Reads one spreadsheet cell as a careful clerk would: a CCCD that lost its leading zero is
/// restored only where the cell was a number (a text cell kept what was typed), a formula is
/// refused by name with the value Excel saved, a date must be possible on `today` (not in the
/// future, not before 1900). Empty means "no value" (`Ok(None)`); the reason of an error is
/// Vietnamese and does not repeat the column (the caller names row and column).
pub fn parse_value(field: &Field, raw: &str, kind: &CellKind, today: Date) -> Result<Option<SheetValue>, String> {
    if let Some(refusal) = kind.refusal(raw.trim()) {
        return Err(refusal);
    }
    if field.ty == FieldType::Cccd {
        let s = crate::text::clean_cow(raw);
        if s.is_empty() {
            return Ok(None);
        }
        let (cccd, restored_zero) = Cccd::restore(&s).map_err(|e| e.to_string())?;
        if restored_zero && *kind != CellKind::Number {
            let digits = s.chars().filter(char::is_ascii_digit).count();
            return Err(format!("CCCD \"{s}\" có {digits} chữ số; ô là văn bản nên hệ thống không tự thêm số 0 đầu: hãy ghi đủ 12 chữ số"));
        }
        return Ok(Some(SheetValue { value: Value::Text(cccd.as_ref().to_string()), restored_zero }));
    }
    let value = parse_value_with(field, raw, true)?;
    if let Some(Value::Date(d)) = value {
        check_possible_date(d, today).map_err(|e| e.to_string())?;
    }
    Ok(value.map(|value| SheetValue { value, restored_zero: false }))
}

/// Reads a value typed in a form or sent to the API: no spreadsheet repairs.
pub fn parse_typed_value(field: &Field, raw: &str) -> Result<Option<Value>, String> {
    parse_value_with(field, raw, false)
}

fn parse_value_with(field: &Field, raw: &str, spreadsheet: bool) -> Result<Option<Value>, String> {
    let cleaned = crate::text::clean_cow(raw);
    // Our own exports put a quote before a leading = + - @ (formula injection); reading the
    // file back must give the original value.
    let s: &str = match cleaned.strip_prefix('\'') {
        Some(rest) if spreadsheet && rest.starts_with(['=', '+', '-', '@']) => rest,
        _ => &cleaned,
    };
    if s.is_empty() {
        return Ok(None);
    }
    let v = match field.ty {
        FieldType::Text { max } => Value::Text(crate::text::line(s, max).map_err(|e| e.to_string())?),
        FieldType::Name => Value::Text(FullName::parse(s).map_err(|e| e.to_string())?.into()),
        FieldType::Code => Value::Text(RecordCode::parse(s).map_err(|e| e.to_string())?.as_ref().to_string()),
        FieldType::Ref(_) => Value::Text(RecordCode::parse(s).map_err(|e| e.to_string())?.as_ref().to_string()),
        FieldType::Date => Value::Date(parse_date_cell(s).map_err(|e| e.to_string())?),
        FieldType::Int { min, max } => {
            let n = parse_int_cell(s).map_err(|e| e.to_string())?;
            if n < min || n > max {
                return Err(format!("{n} nằm ngoài khoảng {min}–{max}"));
            }
            Value::Int(n)
        }
        FieldType::Money => {
            let n = parse_money_cell(s).map_err(|e| e.to_string())?;
            if n < 0 {
                return Err("số tiền không được âm".into());
            }
            Value::Int(n)
        }
        FieldType::Bool => Value::Bool(parse_bool_cell(s).map_err(|e| e.to_string())?),
        FieldType::Cccd => Value::Text(Cccd::parse(s).map_err(|e| e.to_string())?.as_ref().to_string()),
        FieldType::Sex => Value::Text(Sex::parse(s).ok_or_else(|| format!("\"{s}\" không phải Nam hoặc Nữ"))?.code().to_string()),
        FieldType::Coded(list) => Value::Text(
            parse_coded(list, s)
                .ok_or_else(|| format!("\"{s}\" không có trong danh mục: {}", list.iter().map(|(_, l)| *l).collect::<Vec<_>>().join("; ")))?
                .to_string(),
        ),
        FieldType::Ethnicity => {
            Value::Text(parse_ethnicity(s).ok_or_else(|| format!("\"{s}\" không có trong danh mục 54 dân tộc"))?.to_string())
        }
        FieldType::Unit(kind) => Value::Unit(UnitCode::parse_restoring_zeros(kind, s).map_err(|e| e.to_string())?),
        FieldType::AnyUnit => Value::Unit(UnitCode::parse(s).map_err(|e| e.to_string())?),
    };
    Ok(Some(v))
}

/// A record's values by column.
pub type Values = BTreeMap<&'static str, Value>;

/// Checks a complete record (after merging with what is stored): required fields and rules
/// between fields. Returns (column, reason) pairs.
pub fn check_record(reg: &Registry, values: &Values) -> Vec<(&'static str, String)> {
    let mut errors = Vec::new();
    for field in reg.fields {
        if field.required && !values.contains_key(field.column) {
            errors.push((field.column, "không được để trống".to_string()));
        }
    }
    // The CCCD encodes birth year and sex: they must agree with the record.
    if let (Some(Value::Text(c)), Some(Value::Date(birth)), Some(Value::Text(sex))) =
        (values.get("cccd"), values.get("birth_date"), values.get("sex"))
        && let (Ok(cccd), Some(sex)) = (Cccd::parse(c), Sex::parse(sex))
        && let Err(e) = cccd.check_against(*birth, sex)
    {
        errors.push(("cccd", e.to_string()));
    }
    if reg.kind == RegistryKind::FundEntries && values.get("amount") == Some(&Value::Int(0)) {
        errors.push(("amount", "số tiền phải lớn hơn 0".into()));
    }
    errors
}

/// The key of a record as one string (`HG-01` or `CH-1|001090001234`).
pub fn key_of(reg: &Registry, values: &Values) -> Option<String> {
    let mut parts = Vec::new();
    for k in reg.key {
        match values.get(k)? {
            Value::Text(s) => parts.push(s.clone()),
            other => parts.push(other.display(FieldType::Text { max: 0 })),
        }
    }
    Some(parts.join("|"))
}

#[cfg(test)]
mod sheet_tests {
    use super::*;
    use jiff::civil::date;

    #[test]
    fn a_careful_clerk_restores_a_zero_only_where_excel_took_it() {
        let fields = (CITIZENS.field("cccd"), CITIZENS.field("birth_date"));
        assert!(fields.0.is_some() && fields.1.is_some(), "citizens have a CCCD and a birth date");
        let (Some(cccd), Some(birth)) = fields else { return };
        let today = date(2026, 12, 6);
        let number = parse_value(cccd, "1090012345", &CellKind::Number, today);
        assert_eq!(number, Ok(Some(SheetValue { value: Value::Text("001090012345".into()), restored_zero: true })));
        let text = parse_value(cccd, "01090012345", &CellKind::Text, today);
        assert!(text.as_ref().is_err_and(|e| e.contains("11 chữ số") && e.contains("văn bản")), "{text:?}");
        let full = parse_value(cccd, "001090012345", &CellKind::Text, today);
        assert_eq!(full, Ok(Some(SheetValue { value: Value::Text("001090012345".into()), restored_zero: false })));
        assert!(parse_value(birth, "07/12/2026", &CellKind::Text, today).is_err_and(|e| e.contains("tương lai")));
        assert!(parse_value(birth, "31/12/1899", &CellKind::Text, today).is_err_and(|e| e.contains("trước năm 1900")));
        assert!(parse_value(birth, "", &CellKind::Formula("TODAY()".into()), today).is_err_and(|e| e.contains("=TODAY()")));
    }
}
