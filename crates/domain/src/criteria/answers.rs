//! Answers to a criteria set: what a subject declares or what the registries compute.
//!
//! JSON shape (every key but `answers` optional):
//!
//! ```json
//! {
//!   "answers": {"NL1.1": 8.5, "TC1.CT1": true, "TC5.CT1": 62.5},
//!   "data": {"cong_dan": 1200, "cong_dan_cdht": 800},
//!   "area": ["mien_nui"],
//!   "tags": ["co_so_gdpt"],
//!   "previous": [{"level": "md1", "decided_on": "2023-03-15"}]
//! }
//! ```

use std::collections::BTreeMap;

use jiff::civil::Date;
use serde::Serialize;

use super::number::Number;
use crate::area::AreaAttribute;

/// One answer: yes/no or a number (points, percentage, count).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(untagged)]
pub enum AnswerValue {
    Bool(bool),
    Number(Number),
}

/// A recognition the subject already holds.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PreviousRecognition {
    /// Level id (`md1`), or band id for points sets.
    pub level: String,
    pub decided_on: Date,
}

/// The answers of one subject. Build with [`Answers::from_json_value`] or the builder methods.
/// Whether each answer fits the set is checked by [`super::CriteriaSet::evaluate`].
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize)]
pub struct Answers {
    pub values: BTreeMap<String, AnswerValue>,
    pub data: BTreeMap<String, Number>,
    pub area: Vec<AreaAttribute>,
    pub tags: Vec<String>,
    pub previous: Vec<PreviousRecognition>,
}

/// Why answers were refused. `path` points into the JSON (`answers.NL2.3`).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error, Serialize)]
#[serde(tag = "error", rename_all = "snake_case")]
pub enum AnswerError {
    #[error("{path}: {reason}")]
    Shape { path: String, reason: String },
    #[error("answers.{id}: không có chỉ tiêu mã \"{id}\" trong bộ tiêu chí")]
    UnknownIndicator { id: String },
    #[error("answers.{id}: sai kiểu, cần {expected}")]
    WrongType { id: String, expected: String },
    #[error("answers.{id}: thiếu câu trả lời cho chỉ tiêu \"{name}\"")]
    Missing { id: String, name: String },
    #[error("answers.{id}: {value} điểm vượt điểm tối đa {max}")]
    AboveMax { id: String, value: String, max: String },
    #[error("answers.{id}: giá trị {value} không được âm")]
    Negative { id: String, value: String },
    #[error("answers.{id}: {reason}")]
    BadValue { id: String, reason: String },
    #[error("data.{name}: không có biến dữ liệu \"{name}\" trong bộ tiêu chí")]
    UnknownVariable { name: String },
    #[error("data.{name}: số liệu không được âm")]
    NegativeData { name: String },
    #[error("answers.{id}: thiếu câu trả lời, hoặc số liệu {missing} để tính")]
    MissingData { id: String, missing: String },
    #[error("answers.{id}: không tính được từ số liệu: {reason}")]
    Arithmetic { id: String, reason: String },
    #[error("tags[{index}]: nhãn \"{tag}\" không có trong bộ tiêu chí")]
    UnknownTag { index: usize, tag: String },
    #[error("previous[{index}].level: mức \"{level}\" không có trong bộ tiêu chí")]
    UnknownLevel { index: usize, level: String },
    #[error("previous[{index}].decided_on: quyết định công nhận ngày {date} sau ngày đánh giá")]
    FutureDecision { index: usize, date: String },
}

fn shape(path: impl Into<String>, reason: impl Into<String>) -> AnswerError {
    AnswerError::Shape { path: path.into(), reason: reason.into() }
}

fn number_of(n: &serde_json::Number) -> Option<Number> {
    // serde_json prints the shortest decimal that reads back as the same value, so "84.5"
    // in the request is parsed back as exactly 84.5.
    Number::parse(&n.to_string()).ok()
}

impl Answers {
    pub fn new() -> Answers {
        Answers::default()
    }

    /// Adds a yes/no answer.
    pub fn yes_no(mut self, id: &str, value: bool) -> Answers {
        self.values.insert(id.to_string(), AnswerValue::Bool(value));
        self
    }

    /// Adds a number answer.
    pub fn number(mut self, id: &str, value: Number) -> Answers {
        self.values.insert(id.to_string(), AnswerValue::Number(value));
        self
    }

    /// Adds a named count for computed indicators.
    pub fn datum(mut self, name: &str, value: Number) -> Answers {
        self.data.insert(name.to_string(), value);
        self
    }

    pub fn with_area(mut self, area: AreaAttribute) -> Answers {
        if !self.area.contains(&area) {
            self.area.push(area);
        }
        self
    }

    pub fn with_tag(mut self, tag: &str) -> Answers {
        self.tags.push(tag.to_string());
        self
    }

    pub fn with_previous(mut self, level: &str, decided_on: Date) -> Answers {
        self.previous.push(PreviousRecognition { level: level.to_string(), decided_on });
        self
    }

    /// Parses the JSON text of the shape in the module documentation.
    pub fn from_json_str(text: &str) -> Result<Answers, Vec<AnswerError>> {
        let value: serde_json::Value = serde_json::from_str(text)
            .map_err(|e| vec![shape("", format!("JSON không hợp lệ ở dòng {}, cột {}", e.line(), e.column()))])?;
        Answers::from_json_value(&value)
    }

    /// Parses a JSON value of the shape in the module documentation. Every problem is
    /// reported, each with its path.
    pub fn from_json_value(value: &serde_json::Value) -> Result<Answers, Vec<AnswerError>> {
        let mut errors = Vec::new();
        let mut out = Answers::default();
        let Some(obj) = value.as_object() else {
            return Err(vec![shape("", "cần một đối tượng JSON {\"answers\": {...}}")]);
        };
        for key in obj.keys() {
            if !matches!(key.as_str(), "answers" | "data" | "area" | "tags" | "previous") {
                errors.push(shape(key.clone(), "khóa không được nhận (chỉ nhận answers, data, area, tags, previous)"));
            }
        }
        match obj.get("answers") {
            None => errors.push(shape("answers", "thiếu khóa \"answers\"")),
            Some(serde_json::Value::Object(map)) => {
                for (id, v) in map {
                    match v {
                        serde_json::Value::Bool(b) => {
                            out.values.insert(id.clone(), AnswerValue::Bool(*b));
                        }
                        serde_json::Value::Number(n) => match number_of(n) {
                            Some(n) => {
                                out.values.insert(id.clone(), AnswerValue::Number(n));
                            }
                            None => errors
                                .push(AnswerError::BadValue {
                                    id: id.clone(), reason: format!("số {n} không đọc được chính xác")
                                }),
                        },
                        _ => errors.push(AnswerError::WrongType { id: id.clone(), expected: "true/false hoặc một số".into() }),
                    }
                }
            }
            Some(_) => errors.push(shape("answers", "cần một đối tượng {\"mã chỉ tiêu\": giá trị}")),
        }
        match obj.get("data") {
            None => {}
            Some(serde_json::Value::Object(map)) => {
                for (name, v) in map {
                    match v.as_number().and_then(number_of) {
                        Some(n) => {
                            out.data.insert(name.clone(), n);
                        }
                        None => errors.push(shape(format!("data.{name}"), "cần một số")),
                    }
                }
            }
            Some(_) => errors.push(shape("data", "cần một đối tượng {\"tên biến\": số}")),
        }
        match obj.get("area") {
            None => {}
            Some(serde_json::Value::Array(items)) => {
                for (i, item) in items.iter().enumerate() {
                    match item.as_str().and_then(AreaAttribute::parse) {
                        Some(a) => {
                            if !out.area.contains(&a) {
                                out.area.push(a);
                            }
                        }
                        None => errors.push(shape(
                            format!("area[{i}]"),
                            format!("thuộc tính địa bàn {item} không hợp lệ (mien_nui, dac_biet_kho_khan, dan_toc_thieu_so)"),
                        )),
                    }
                }
            }
            Some(_) => errors.push(shape("area", "cần một danh sách, ví dụ [\"mien_nui\"]")),
        }
        match obj.get("tags") {
            None => {}
            Some(serde_json::Value::Array(items)) => {
                for (i, item) in items.iter().enumerate() {
                    match item.as_str() {
                        Some(t) => out.tags.push(t.to_string()),
                        None => errors.push(shape(format!("tags[{i}]"), "cần một chuỗi")),
                    }
                }
            }
            Some(_) => errors.push(shape("tags", "cần một danh sách chuỗi")),
        }
        match obj.get("previous") {
            None => {}
            Some(serde_json::Value::Array(items)) => {
                for (i, item) in items.iter().enumerate() {
                    let level = item.get("level").and_then(|l| l.as_str());
                    let date = item.get("decided_on").and_then(|d| d.as_str());
                    let Some(level) = level else {
                        errors.push(shape(format!("previous[{i}].level"), "cần mã mức, ví dụ \"md1\""));
                        continue;
                    };
                    match date.map(|d| d.parse::<Date>()) {
                        Some(Ok(d)) => out.previous.push(PreviousRecognition { level: level.to_string(), decided_on: d }),
                        _ => errors.push(shape(format!("previous[{i}].decided_on"), "cần ngày dạng \"yyyy-mm-dd\"")),
                    }
                }
            }
            Some(_) => errors.push(shape("previous", "cần một danh sách [{\"level\": ..., \"decided_on\": ...}]")),
        }
        if errors.is_empty() { Ok(out) } else { Err(errors) }
    }
}
