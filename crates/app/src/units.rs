//! Administrative units: the "as at" date of a view, validities from forms, village lists
//! read from uploads.

use crate::{AppError, AppResult, capitalise};
use hoctap_domain::date::{OPEN_END, Validity, parse_date};
use hoctap_store::VillageImportRow;
use jiff::civil::Date;
use serde::Deserialize;

#[derive(Deserialize, Default)]
pub struct AsAt {
    #[serde(default)]
    pub ngay: Option<String>,
    #[serde(default)]
    pub q: Option<String>,
    /// Set from the flash cookie, never from the URL.
    #[serde(skip)]
    pub xong: Option<String>,
}

/// Reads the "as at" date; a bad date is reported and today used instead.
pub fn as_at(q: &AsAt) -> (Date, Option<String>) {
    match q.ngay.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
        None => (hoctap_store::today(), None),
        Some(s) => match parse_date(s) {
            Ok(d) => (d, None),
            Err(e) => (hoctap_store::today(), Some(capitalise(&e.to_string()))),
        },
    }
}

/// Parses "from" and optional "to" (the last valid day, inclusive) into a validity.
pub fn validity_from_form(from: &str, to: &str) -> AppResult<Validity> {
    let from = parse_date(from).map_err(|e| AppError::invalid("from", capitalise(&e.to_string())))?;
    let to = if to.trim().is_empty() {
        OPEN_END
    } else {
        let last = parse_date(to).map_err(|e| AppError::invalid("to", capitalise(&e.to_string())))?;
        last.tomorrow().map_err(AppError::internal)?
    };
    Validity::new(from, to).map_err(|e| AppError::invalid("to", capitalise(&e.to_string())))
}

pub const VILLAGE_COLUMNS: &[hoctap_docs::table::Column] = &[
    hoctap_docs::table::Column { name: "commune", headers: &["Mã xã", "Mã xã/phường", "Ma xa"], required: true },
    hoctap_docs::table::Column { name: "name", headers: &["Tên thôn", "Tên thôn/tổ dân phố", "Tên"], required: true },
    hoctap_docs::table::Column { name: "type", headers: &["Loại", "Loại thôn"], required: true },
];

/// Villages in one file at most: a province has a few thousand.
const MAX_VILLAGE_ROWS: usize = 20_000;

/// Reads an uploaded village list on a blocking thread, with the streaming reader.
#[inline(never)]
pub fn village_rows<'fut>(bytes: std::sync::Arc<[u8]>) -> crate::BoxFut<'fut, AppResult<Vec<VillageImportRow>>> {
    Box::pin(async move {
        let specs = VILLAGE_COLUMNS
            .iter()
            .map(|c| hoctap_docs::table::ColumnSpec {
                name: c.name,
                headers: c.headers.iter().map(|h| (*h).to_string()).collect(),
                required: c.required,
            })
            .collect();
        let rows = crate::upload::read_rows(bytes, specs, MAX_VILLAGE_ROWS).await?;
        Ok(rows
            .into_iter()
            .map(|r| VillageImportRow {
                line: r.line,
                commune_code: r.get("commune").to_string(),
                name: r.get("name").to_string(),
                unit_type: r.get("type").to_string(),
            })
            .collect())
    })
}
