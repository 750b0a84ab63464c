//! Criteria sets (bộ tiêu chí): reading one from an uploaded workbook or TOML file, counting
//! what is not verified yet, and corrections recorded with the document they follow.

use crate::{AppError, AppResult, capitalise};
use hoctap_domain::criteria::{Confidence, CriteriaSet, Number, Points};
use serde::Deserialize;

pub fn unverified_count(set: &CriteriaSet) -> usize {
    set.criteria.iter().filter(|c| c.confidence != Confidence::Verified).count()
        + set.indicators().filter(|(_, i)| i.confidence != Confidence::Verified).count()
}

/// Reads a set from an uploaded workbook or TOML file.
#[inline(never)]
pub fn set_from_upload<'fut>(bytes: Vec<u8>) -> crate::BoxFut<'fut, AppResult<CriteriaSet>> {
    Box::pin(async move {
        // A workbook is read on a blocking thread, cell by cell, after its archive is checked.
        crate::upload::blocking_read(move || set_from_bytes(&bytes)).await?
    })
}

fn set_from_bytes(bytes: &[u8]) -> AppResult<CriteriaSet> {
    if bytes.len() > hoctap_docs::table::MAX_UPLOAD_BYTES {
        return Err(AppError::invalid("file", format!("Tệp lớn {} MB; tối đa 20 MB", bytes.len() / (1024 * 1024))));
    }
    if bytes.starts_with(b"PK\x03\x04") {
        hoctap_docs::criteria_xlsx::import_set(bytes).map_err(|e| AppError::invalid("file", capitalise(&e.to_string())))
    } else {
        let text = std::str::from_utf8(bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes))
            .map_err(|_| AppError::invalid("file", "Tệp không phải Excel (.xlsx) hay TOML UTF-8"))?;
        CriteriaSet::parse_toml(text).map_err(|e| AppError::invalid("file", capitalise(&e.to_string())))
    }
}

/// An administrator's correction of one indicator, saved as a new version.
#[derive(Deserialize, Default, Clone)]
pub struct Correction {
    #[serde(default)]
    pub indicator: String,
    #[serde(default)]
    pub name: String,
    #[serde(default)]
    pub max_points: String,
    /// New threshold for every requirement of this level (`at_least`).
    #[serde(default)]
    pub level: String,
    #[serde(default)]
    pub at_least: String,
    #[serde(default)]
    pub confidence: String,
    #[serde(default)]
    pub source: String,
}

/// Applies a correction; the version gets a `-sua` suffix counter.
pub fn apply_correction(mut set: CriteriaSet, c: &Correction) -> AppResult<CriteriaSet> {
    if c.source.trim().is_empty() {
        return Err(AppError::invalid("source", "Ghi văn bản đối chiếu (số, ký hiệu, điều khoản) làm căn cứ hiệu chỉnh"));
    }
    let ind = set
        .criteria
        .iter_mut()
        .flat_map(|cr| cr.indicators.iter_mut())
        .find(|i| i.id == c.indicator.trim())
        .ok_or_else(|| AppError::invalid("indicator", format!("Không có chỉ tiêu mã \"{}\"", c.indicator.trim())))?;
    if !c.name.trim().is_empty() {
        ind.name = hoctap_domain::text::clean(&c.name);
    }
    if !c.max_points.trim().is_empty() {
        ind.max_points = Some(Points::parse(&c.max_points).map_err(|e| AppError::invalid("max_points", capitalise(&e.to_string())))?);
    }
    if !c.at_least.trim().is_empty() {
        let n = Number::parse(&c.at_least).map_err(|e| AppError::invalid("at_least", capitalise(&e.to_string())))?;
        let mut touched = false;
        for r in ind.requirements.iter_mut().filter(|r| r.level == c.level.trim() && r.area.is_empty()) {
            r.at_least = Some(n);
            touched = true;
        }
        if !touched {
            return Err(AppError::invalid("level", format!("Chỉ tiêu {} không có ngưỡng ở mức \"{}\"", ind.id, c.level.trim())));
        }
    }
    if let Some(conf) = Confidence::parse(&c.confidence) {
        ind.confidence = conf;
    }
    let prev = ind.note.take().unwrap_or_default();
    ind.note = Some(format!("{}Hiệu chỉnh theo: {}", if prev.is_empty() { String::new() } else { format!("{prev} ") }, c.source.trim()));
    let base = set.version.split("-sua").next().unwrap_or(&set.version).to_string();
    let n: u32 = set.version.split("-sua").nth(1).and_then(|s| s.parse().ok()).unwrap_or(0);
    set.version = format!("{base}-sua{}", n + 1);
    set.validate().map_err(|e| AppError::invalid("indicator", capitalise(&e.to_string())))?;
    Ok(set)
}
