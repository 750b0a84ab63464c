//! Reading a criteria file and checking it: every problem is reported with the path of the
//! offending field (`criteria[2].indicators[1].max_points`, indexes from 0) and a reason in
//! Vietnamese. `hoctap criteria check FILE` prints [`check_file`]'s list. A file that is not
//! valid TOML, or whose shape does not fit the schema, stops at that first error (serde reads no
//! further); a well-formed file gets every rule violation at once.

use std::collections::BTreeSet;
use std::fmt;

use super::expr::{Expr, ValueType};
use super::model::{CriteriaSet, IndicatorKind, Method};
use super::number::{Number, Points};

/// One problem in a criteria file.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct CheckError {
    /// The file (or sheet) name given by the caller; empty when unknown.
    pub file: String,
    /// Path of the field, e.g. `criteria[2].indicators[1].max_points`; empty for the whole file.
    pub path: String,
    /// Why, in Vietnamese.
    pub reason: String,
}

impl fmt::Display for CheckError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match (self.file.is_empty(), self.path.is_empty()) {
            (true, true) => write!(f, "{}", self.reason),
            (true, false) => write!(f, "{}: {}", self.path, self.reason),
            (false, true) => write!(f, "{}: {}", self.file, self.reason),
            (false, false) => write!(f, "{}: {}: {}", self.file, self.path, self.reason),
        }
    }
}

/// A criteria set that could not be read or is inconsistent: every problem found.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("bộ tiêu chí không hợp lệ ({} lỗi): {}", .0.len(), .0.iter().map(ToString::to_string).collect::<Vec<_>>().join("; "))]
pub struct SetErrors(pub Vec<CheckError>);

/// Checks a criteria file's text: all errors, empty when the file is good.
pub fn check_file(file_name: &str, text: &str) -> Vec<CheckError> {
    match CriteriaSet::parse_toml(text) {
        Ok(_) => Vec::new(),
        Err(SetErrors(errors)) => errors.into_iter().map(|e| CheckError { file: file_name.to_string(), ..e }).collect(),
    }
}

/// Checks several sets together: each one alone, plus that ids are unique and every
/// `supersedes` names a set in the list. `(file name, text)` pairs.
pub fn check_files<'a>(files: impl IntoIterator<Item = (&'a str, &'a str)>) -> Vec<CheckError> {
    let mut errors = Vec::new();
    let mut sets: Vec<(String, CriteriaSet)> = Vec::new();
    for (name, text) in files {
        match CriteriaSet::parse_toml(text) {
            Ok(set) => sets.push((name.to_string(), set)),
            Err(SetErrors(es)) => {
                errors.extend(es.into_iter().map(|e| CheckError { file: name.to_string(), ..e }));
            }
        }
    }
    let ids: Vec<&str> = sets.iter().map(|(_, s)| s.id.as_str()).collect();
    for (i, (name, set)) in sets.iter().enumerate() {
        if ids.iter().take(i).any(|id| *id == set.id) {
            errors.push(CheckError {
                file: name.clone(),
                path: "id".into(),
                reason: format!("mã bộ tiêu chí \"{}\" trùng với một tệp khác", set.id),
            });
        }
        for (j, s) in set.supersedes.iter().enumerate() {
            if !ids.contains(&s.as_str()) {
                errors.push(CheckError {
                    file: name.clone(),
                    path: format!("supersedes[{j}]"),
                    reason: format!("không có bộ tiêu chí mã \"{s}\""),
                });
            }
        }
    }
    errors
}

/// Turns serde's English messages into Vietnamese ones (keeping the original details).
fn vietnamese_serde_message(msg: &str) -> String {
    let msg = msg.trim();
    if let Some(rest) = msg.strip_prefix("unknown field ") {
        let field = rest.split(',').next().unwrap_or(rest);
        return format!("trường {field} không có trong lược đồ (viết sai tên?)");
    }
    if let Some(rest) = msg.strip_prefix("missing field ") {
        return format!("thiếu trường bắt buộc {rest}");
    }
    if let Some(rest) = msg.strip_prefix("unknown variant ") {
        let (value, expected) = rest.split_once(", expected ").unwrap_or((rest, ""));
        return format!("giá trị {value} không hợp lệ; chỉ nhận {expected}");
    }
    if let Some(rest) = msg.strip_prefix("invalid type: ") {
        let (found, expected) = rest.split_once(", expected ").unwrap_or((rest, "?"));
        return format!("sai kiểu dữ liệu: nhận {found}, cần {expected}");
    }
    if msg.contains("date") || msg.contains("civil") {
        return format!("ngày không hợp lệ, viết dạng \"yyyy-mm-dd\" ({msg})");
    }
    msg.to_string()
}

fn line_col(text: &str, offset: usize) -> (usize, usize) {
    let before = text.get(..offset).unwrap_or(text);
    let line = before.matches('\n').count() + 1;
    let col = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
    (line, col)
}

/// Reads a TOML text into `T`: a syntax error names its line and column, a shape error the
/// path of the field, both in Vietnamese. Shared by every data file of the domain (criteria
/// sets, indicators, plans), which stop at the first such error because serde reads no further.
pub(crate) fn read_toml<T: serde::de::DeserializeOwned>(text: &str) -> Result<T, CheckError> {
    let de = toml::Deserializer::parse(text).map_err(|e| {
        let at = e.span().map(|s| line_col(text, s.start));
        let reason = match at {
            Some((l, c)) => format!("lỗi cú pháp TOML ở dòng {l}, cột {c}: {}", e.message()),
            None => format!("lỗi cú pháp TOML: {}", e.message()),
        };
        CheckError { file: String::new(), path: String::new(), reason }
    })?;
    serde_path_to_error::deserialize(de).map_err(|e| {
        let path = e.path().to_string();
        let inner = e.into_inner();
        let mut reason = vietnamese_serde_message(inner.message());
        if let Some(span) = inner.span() {
            let (l, c) = line_col(text, span.start);
            reason = format!("{reason} (dòng {l}, cột {c})");
        }
        let path = if path == "." { String::new() } else { path };
        CheckError { file: String::new(), path, reason }
    })
}

impl CriteriaSet {
    /// Reads a set from TOML and validates it. All problems are returned together.
    pub fn parse_toml(text: &str) -> Result<CriteriaSet, SetErrors> {
        let set: CriteriaSet = read_toml(text).map_err(|e| SetErrors(vec![e]))?;
        set.validate()?;
        Ok(set)
    }

    /// Writes the set as TOML (the format of `data/criteria`).
    pub fn to_toml(&self) -> Result<String, String> {
        toml::to_string(self).map_err(|e| format!("không ghi được TOML: {e}"))
    }

    /// Checks the rules a file must follow beyond its shape; all problems together.
    pub fn validate(&self) -> Result<(), SetErrors> {
        let mut v = Validator { errors: Vec::new() };
        v.set(self);
        if v.errors.is_empty() { Ok(()) } else { Err(SetErrors(v.errors)) }
    }

    /// The type a name in a formula of this set has: a declared variable (a number) or the id
    /// of an indicator answered directly (its kind's type).
    pub(crate) fn name_type(&self, name: &str) -> Option<ValueType> {
        if self.variables.iter().any(|v| v.id == name) {
            return Some(ValueType::Number);
        }
        let ind = self.indicator(name)?;
        let computed = ind.formula.is_some() || ind.requirements.iter().any(|r| r.condition.is_some());
        if computed {
            // Computed indicators are not referable, so formulas never depend on each other.
            return None;
        }
        Some(match ind.kind {
            IndicatorKind::YesNo => ValueType::Bool,
            IndicatorKind::Number | IndicatorKind::Points => ValueType::Number,
        })
    }
}

struct Validator {
    errors: Vec<CheckError>,
}

fn is_code(s: &str) -> bool {
    !s.is_empty()
        && s.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'.' || b == b'_' || b == b'-')
        && s.bytes().next().is_some_and(|b| b.is_ascii_alphabetic())
}

impl Validator {
    fn err(&mut self, path: impl Into<String>, reason: impl Into<String>) {
        self.errors.push(CheckError { file: String::new(), path: path.into(), reason: reason.into() });
    }

    fn non_empty(&mut self, path: &str, value: &str) {
        if value.trim().is_empty() {
            self.err(path, "không được để trống");
        }
    }

    fn set(&mut self, s: &CriteriaSet) {
        if !(is_code(&s.id) && s.id.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')) {
            self.err("id", format!("mã \"{}\" chỉ gồm chữ thường không dấu, số và dấu gạch ngang", s.id));
        }
        self.non_empty("version", &s.version);
        self.non_empty("title", &s.title);
        self.non_empty("legal_basis.document", &s.legal_basis.document);
        self.non_empty("legal_basis.issuer", &s.legal_basis.issuer);
        let lb = &s.legal_basis;
        if let Some(to) = lb.effective_to
            && to < lb.effective_from
        {
            self.err("legal_basis.effective_to", "ngày hết hiệu lực trước ngày có hiệu lực");
        }
        if let Some(signed) = lb.signed
            && signed > lb.effective_from
        {
            self.err("legal_basis.signed", "ngày ký sau ngày có hiệu lực");
        }
        for (i, j) in s.applicability.jurisdictions.iter().enumerate() {
            if j.len() != 2 || !j.bytes().all(|b| b.is_ascii_digit()) {
                self.err(format!("applicability.jurisdictions[{i}]"), format!("mã tỉnh \"{j}\" phải gồm 2 chữ số"));
            }
        }
        self.unique_ids("levels", s.levels.iter().map(|l| l.id.as_str()));
        self.unique_ids("bands", s.bands.iter().map(|b| b.id.as_str()));
        self.unique_ids("variables", s.variables.iter().map(|v| v.id.as_str()));
        self.unique_ids("tags", s.tags.iter().map(|t| t.id.as_str()));
        for (i, v) in s.variables.iter().enumerate() {
            if !is_code(&v.id) || v.id.contains('.') {
                self.err(format!("variables[{i}].id"), format!("tên biến \"{}\" chỉ gồm chữ không dấu, số và \"_\"", v.id));
            }
            if s.indicator(&v.id).is_some() {
                self.err(format!("variables[{i}].id"), format!("tên biến \"{}\" trùng mã một chỉ tiêu", v.id));
            }
            if let Some(src) = &v.source
                && !src.count.applies_to(s.subject)
            {
                self.err(
                    format!("variables[{i}].source"),
                    format!("nguồn \"{src}\" không áp dụng cho {}", s.subject.label().to_lowercase()),
                );
            }
        }
        if s.criteria.is_empty() {
            self.err("criteria", "bộ tiêu chí phải có ít nhất một tiêu chí");
        }
        // Ids of criteria and indicators share one namespace: explanations and evidence codes
        // refer to either by id alone.
        let mut seen = BTreeSet::new();
        for (ci, c) in s.criteria.iter().enumerate() {
            if !is_code(&c.id) {
                self.err(format!("criteria[{ci}].id"), format!("mã \"{}\" không hợp lệ (chữ, số, dấu chấm)", c.id));
            }
            if !seen.insert(c.id.as_str()) {
                self.err(format!("criteria[{ci}].id"), format!("mã \"{}\" bị trùng", c.id));
            }
            self.non_empty(&format!("criteria[{ci}].name"), &c.name);
            if c.indicators.is_empty() {
                self.err(format!("criteria[{ci}].indicators"), "tiêu chí phải có ít nhất một chỉ tiêu");
            }
            for (ii, ind) in c.indicators.iter().enumerate() {
                let p = format!("criteria[{ci}].indicators[{ii}]");
                if !is_code(&ind.id) {
                    self.err(format!("{p}.id"), format!("mã \"{}\" không hợp lệ (chữ, số, dấu chấm)", ind.id));
                }
                if !seen.insert(ind.id.as_str()) {
                    self.err(format!("{p}.id"), format!("mã \"{}\" bị trùng", ind.id));
                }
                self.non_empty(&format!("{p}.name"), &ind.name);
                for (ti, t) in ind.applies_to.iter().chain(ind.excluded_for.iter()).enumerate() {
                    if !s.tags.iter().any(|x| &x.id == t) {
                        let field = if ti < ind.applies_to.len() {
                            format!("{p}.applies_to[{ti}]")
                        } else {
                            format!("{p}.excluded_for[{}]", ti - ind.applies_to.len())
                        };
                        self.err(field, format!("nhãn \"{t}\" chưa khai báo trong [[tags]]"));
                    }
                }
            }
        }
        match s.method {
            Method::Points => self.points(s),
            Method::Levels => self.levels(s),
        }
        self.timing(s);
    }

    fn unique_ids<'a>(&mut self, list: &str, ids: impl Iterator<Item = &'a str>) {
        let mut seen = BTreeSet::new();
        for (i, id) in ids.enumerate() {
            if id.trim().is_empty() {
                self.err(format!("{list}[{i}].id"), "không được để trống");
            } else if !seen.insert(id) {
                self.err(format!("{list}[{i}].id"), format!("mã \"{id}\" bị trùng"));
            }
        }
    }

    fn points(&mut self, s: &CriteriaSet) {
        if !s.levels.is_empty() {
            self.err("levels", "phương pháp chấm điểm (points) không dùng mức độ (levels)");
        }
        let Some(rules) = &s.points else {
            self.err("points", "phương pháp chấm điểm cần mục [points] (max_total, pass_mark hoặc bands)");
            return;
        };
        let mut total = Points::ZERO;
        for (ci, c) in s.criteria.iter().enumerate() {
            let mut sum = Points::ZERO;
            for (ii, ind) in c.indicators.iter().enumerate() {
                let p = format!("criteria[{ci}].indicators[{ii}]");
                if ind.kind != IndicatorKind::Points {
                    self.err(format!("{p}.kind"), "bộ chấm điểm chỉ nhận chỉ tiêu loại \"points\"");
                }
                if !ind.requirements.is_empty() {
                    self.err(format!("{p}.requirements"), "chỉ tiêu chấm điểm không có yêu cầu theo mức độ");
                }
                if ind.formula.is_some() {
                    self.err(format!("{p}.formula"), "chỉ tiêu chấm điểm không tính bằng công thức");
                }
                // Every indicator of a points set counts towards the same maximum, so none may
                // be skipped for some subjects.
                if !ind.applies_to.is_empty() || !ind.excluded_for.is_empty() {
                    self.err(format!("{p}.applies_to"), "bộ chấm điểm không có chỉ tiêu chỉ áp dụng cho một số đối tượng");
                }
                match ind.max_points {
                    None => self.err(format!("{p}.max_points"), "thiếu điểm tối đa của chỉ tiêu"),
                    Some(m) if m <= Points::ZERO => {
                        self.err(format!("{p}.max_points"), format!("điểm tối đa {m} phải lớn hơn 0"));
                    }
                    Some(m) => sum = sum.saturating_add(m),
                }
            }
            match c.max_points {
                Some(m) if m != sum => self.err(
                    format!("criteria[{ci}].max_points"),
                    format!("điểm tối đa của tiêu chí là {m} nhưng tổng điểm tối đa các chỉ tiêu là {sum}"),
                ),
                _ => {}
            }
            total = total.saturating_add(sum);
        }
        if rules.max_total != total {
            self.err("points.max_total", format!("tổng điểm tối đa ghi {} nhưng tổng điểm các tiêu chí là {total}", rules.max_total));
        }
        if rules.pass_mark.is_none() && s.bands.is_empty() {
            self.err("points.pass_mark", "cần điểm đạt (pass_mark) hoặc các mức xếp loại (bands)");
        }
        if let Some(pm) = rules.pass_mark
            && (pm <= Points::ZERO || pm > rules.max_total)
        {
            self.err("points.pass_mark", format!("điểm đạt {pm} phải trong khoảng (0; {}]", rules.max_total));
        }
        for (i, a) in rules.pass_mark_by_area.iter().enumerate() {
            let p = format!("points.pass_mark_by_area[{i}]");
            if a.area.is_empty() {
                self.err(format!("{p}.area"), "cần ít nhất một thuộc tính địa bàn");
            }
            match rules.pass_mark {
                None => self.err(format!("{p}.pass_mark"), "điểm đạt theo địa bàn cần điểm đạt chung (points.pass_mark)"),
                Some(pm) if a.pass_mark > pm || a.pass_mark <= Points::ZERO => self.err(
                    format!("{p}.pass_mark"),
                    format!("điểm đạt theo địa bàn {} phải lớn hơn 0 và không cao hơn điểm đạt chung {pm}", a.pass_mark),
                ),
                _ => {}
            }
        }
        for (i, f) in rules.floors.iter().enumerate() {
            let p = format!("points.floors[{i}]");
            let value = match (f.at_least, f.above) {
                (Some(v), None) | (None, Some(v)) => v,
                _ => {
                    self.err(p, "điểm sàn cần đúng một trong hai: at_least (≥) hoặc above (>)");
                    continue;
                }
            };
            let field = if f.at_least.is_some() { "at_least" } else { "above" };
            if value < Points::ZERO {
                self.err(format!("{p}.{field}"), "điểm sàn không được âm");
            }
            // A floor no item can clear would make the set impossible to pass.
            let maxima: Vec<(String, Points)> = match f.scope {
                super::model::FloorScope::Indicator => {
                    s.indicators().map(|(_, i)| (i.id.clone(), i.max_points.unwrap_or(Points::ZERO))).collect()
                }
                super::model::FloorScope::Criterion => s
                    .criteria
                    .iter()
                    .map(|c| {
                        (
                            c.id.clone(),
                            c.indicators.iter().fold(Points::ZERO, |a, i| a.saturating_add(i.max_points.unwrap_or(Points::ZERO))),
                        )
                    })
                    .collect(),
            };
            for (id, max) in maxima {
                let impossible = if f.at_least.is_some() { value > max } else { value >= max };
                if impossible {
                    self.err(format!("{p}.{field}"), format!("điểm sàn {value} không thể đạt với {id} (tối đa {max})"));
                    break;
                }
            }
        }
        let mut previous: Option<Points> = None;
        for (i, b) in s.bands.iter().enumerate() {
            let p = format!("bands[{i}]");
            self.non_empty(&format!("{p}.name"), &b.name);
            match b.min {
                None if i + 1 != s.bands.len() => {
                    self.err(format!("{p}.min"), "chỉ mức cuối cùng (mức còn lại, ví dụ \"Chưa đạt\") được bỏ trống điểm tối thiểu");
                }
                None => {}
                Some(m) => {
                    if m < Points::ZERO || m > rules.max_total {
                        self.err(format!("{p}.min"), format!("điểm tối thiểu {m} phải trong khoảng [0; {}]", rules.max_total));
                    }
                    if let Some(prev) = previous
                        && m >= prev
                    {
                        self.err(
                            format!("{p}.min"),
                            format!("các mức xếp loại phải xếp từ cao xuống thấp: {m} không nhỏ hơn {prev} của mức trước"),
                        );
                    }
                    previous = Some(m);
                }
            }
        }
        if let Some(first) = s.bands.first()
            && !first.passes
            && s.bands.iter().any(|b| b.passes)
        {
            self.err("bands[0].passes", "mức cao nhất phải là mức đạt nếu có mức đạt");
        }
        // A band that passes below one that does not would make passing non-monotone.
        let mut failed_seen = false;
        for (i, b) in s.bands.iter().enumerate() {
            if b.passes && failed_seen {
                self.err(format!("bands[{i}].passes"), "mức đạt không được nằm dưới một mức không đạt");
            }
            failed_seen |= !b.passes;
        }
        if s.timing.upgrade.is_some() {
            self.err("timing.upgrade", "quy tắc lên mức chỉ dùng cho phương pháp mức độ (levels)");
        }
    }

    fn levels(&mut self, s: &CriteriaSet) {
        if s.levels.is_empty() {
            self.err("levels", "phương pháp mức độ cần ít nhất một mức ([[levels]])");
        }
        if s.points.is_some() {
            self.err("points", "phương pháp mức độ (levels) không có mục [points]");
        }
        if !s.bands.is_empty() {
            self.err("bands", "phương pháp mức độ (levels) không có xếp loại theo điểm (bands)");
        }
        let level_rank = |id: &str| s.levels.iter().position(|l| l.id == id);
        let lookup = |n: &str| s.name_type(n);
        for (ci, c) in s.criteria.iter().enumerate() {
            if c.max_points.is_some() {
                self.err(format!("criteria[{ci}].max_points"), "phương pháp mức độ không có điểm tối đa");
            }
            for (ii, ind) in c.indicators.iter().enumerate() {
                let p = format!("criteria[{ci}].indicators[{ii}]");
                if ind.max_points.is_some() {
                    self.err(format!("{p}.max_points"), "phương pháp mức độ không có điểm tối đa");
                }
                match ind.kind {
                    IndicatorKind::Points => self.err(format!("{p}.kind"), "loại \"points\" chỉ dùng cho phương pháp chấm điểm"),
                    IndicatorKind::YesNo => {
                        if ind.formula.is_some() {
                            self.err(
                                format!("{p}.formula"),
                                "chỉ tiêu đạt/không đạt tính từ dữ liệu bằng \"condition\" trong requirements, không dùng formula",
                            );
                        }
                    }
                    IndicatorKind::Number => {
                        if ind.requirements.is_empty() {
                            self.err(format!("{p}.requirements"), "chỉ tiêu dạng số cần ngưỡng cho từng mức (requirements)");
                        }
                    }
                }
                if let Some(f) = &ind.formula {
                    match Expr::parse(f, &lookup) {
                        Err(e) => self.err(format!("{p}.formula"), e.to_string()),
                        Ok(e) if e.value_type() != ValueType::Number => {
                            self.err(format!("{p}.formula"), "công thức phải cho ra một số (không phải điều kiện đúng/sai)");
                        }
                        Ok(_) => {}
                    }
                }
                let has_condition = ind.requirements.iter().any(|r| r.condition.is_some());
                for (ri, r) in ind.requirements.iter().enumerate() {
                    let rp = format!("{p}.requirements[{ri}]");
                    if level_rank(&r.level).is_none() {
                        self.err(format!("{rp}.level"), format!("mức \"{}\" không có trong [[levels]]", r.level));
                    }
                    for (ti, t) in r.tags.iter().enumerate() {
                        if !s.tags.iter().any(|x| &x.id == t) {
                            self.err(format!("{rp}.tags[{ti}]"), format!("nhãn \"{t}\" chưa khai báo trong [[tags]]"));
                        }
                    }
                    match ind.kind {
                        IndicatorKind::Number => {
                            if r.condition.is_some() {
                                self.err(format!("{rp}.condition"), "chỉ tiêu dạng số dùng at_least/at_most, không dùng condition");
                            }
                            if r.at_least.is_none() && r.at_most.is_none() {
                                self.err(rp.clone(), "cần ngưỡng at_least (≥) hoặc at_most (≤)");
                            }
                            if let (Some(lo), Some(hi)) = (r.at_least, r.at_most)
                                && lo > hi
                            {
                                self.err(format!("{rp}.at_most"), format!("ngưỡng trên {hi} nhỏ hơn ngưỡng dưới {lo}"));
                            }
                            if ind.unit.as_deref() == Some("%") {
                                for (field, v) in [("at_least", r.at_least), ("at_most", r.at_most)] {
                                    if let Some(v) = v
                                        && (v < Number::ZERO || v > Number::integer(100))
                                    {
                                        self.err(format!("{rp}.{field}"), format!("tỷ lệ {v}% phải trong khoảng 0–100%"));
                                    }
                                }
                            }
                        }
                        IndicatorKind::YesNo | IndicatorKind::Points => {
                            if r.at_least.is_some() || r.at_most.is_some() {
                                self.err(rp.clone(), "chỉ tiêu đạt/không đạt không có ngưỡng số");
                            }
                            if has_condition && r.condition.is_none() {
                                self.err(
                                    format!("{rp}.condition"),
                                    "khi một yêu cầu có điều kiện tính từ dữ liệu, mọi yêu cầu của chỉ tiêu đều phải có",
                                );
                            }
                        }
                    }
                    if let Some(cond) = &r.condition {
                        match Expr::parse(cond, &lookup) {
                            Err(e) => self.err(format!("{rp}.condition"), e.to_string()),
                            Ok(e) if e.value_type() != ValueType::Bool => {
                                self.err(format!("{rp}.condition"), "điều kiện phải là phép so sánh (đúng/sai)");
                            }
                            Ok(_) => {}
                        }
                    }
                }
                // Thresholds must not get easier at a higher level, or "level 2 implies
                // level 1" would fail. Compare requirements with the same variant key.
                for (ri, r) in ind.requirements.iter().enumerate() {
                    let Some(rank) = level_rank(&r.level) else { continue };
                    for lower in ind.requirements.iter().take(ri).chain(ind.requirements.iter().skip(ri + 1)) {
                        if lower.area != r.area || lower.tags != r.tags {
                            continue;
                        }
                        let Some(lrank) = level_rank(&lower.level) else { continue };
                        if lrank == rank && !std::ptr::eq(lower, r) {
                            self.err(
                                format!("{p}.requirements[{ri}].level"),
                                format!("mức \"{}\" có hai yêu cầu cho cùng đối tượng", r.level),
                            );
                            break;
                        }
                        if lrank < rank {
                            let easier_min = matches!((lower.at_least, r.at_least), (Some(l), Some(h)) if h < l);
                            let easier_max = matches!((lower.at_most, r.at_most), (Some(l), Some(h)) if h > l);
                            if easier_min || easier_max {
                                self.err(
                                    format!("{p}.requirements[{ri}]"),
                                    format!("ngưỡng của mức \"{}\" thấp hơn ngưỡng của mức \"{}\"", r.level, lower.level),
                                );
                            }
                        }
                    }
                }
            }
        }
    }

    fn timing(&mut self, s: &CriteriaSet) {
        if let Some(u) = &s.timing.upgrade {
            let from = s.levels.iter().position(|l| l.id == u.from);
            let to = s.levels.iter().position(|l| l.id == u.to);
            if from.is_none() {
                self.err("timing.upgrade.from", format!("mức \"{}\" không có trong [[levels]]", u.from));
            }
            if to.is_none() {
                self.err("timing.upgrade.to", format!("mức \"{}\" không có trong [[levels]]", u.to));
            }
            if let (Some(f), Some(t)) = (from, to)
                && f >= t
            {
                self.err("timing.upgrade.to", "mức lên phải cao hơn mức đã đạt");
            }
            if u.min_months > 120 {
                self.err("timing.upgrade.min_months", "thời gian chờ quá 120 tháng, kiểm tra lại");
            }
        }
        if let Some(m) = s.timing.validity_months
            && (m == 0 || m > 120)
        {
            self.err("timing.validity_months", "thời hạn bảo lưu phải từ 1 đến 120 tháng");
        }
        for (i, d) in s.timing.deadlines.iter().enumerate() {
            let p = format!("timing.deadlines[{i}]");
            if jiff::civil::Date::new(2024, i8::try_from(d.month).unwrap_or(13), i8::try_from(d.day).unwrap_or(32)).is_err() {
                self.err(format!("{p}.day"), format!("ngày {}/{} không có trong lịch", d.day, d.month));
            }
            if d.year_offset > 1 {
                self.err(format!("{p}.year_offset"), "chỉ nhận 0 (năm đánh giá) hoặc 1 (năm sau)");
            }
        }
    }
}
