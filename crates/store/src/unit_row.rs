//! A unit's row as read from the store: the one reading of `units` columns that the tree's
//! queries (`units`) and the closure rebuild (`closure`) share.

use crate::db::Row;
use crate::{Result, StoreError, parse_date_col};
use hoctap_domain::date::Validity;
use hoctap_domain::unit::UnitKind;
use jiff::civil::Date;
use serde::Serialize;

/// A unit as read from the store.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct UnitRow {
    pub id: i64,
    pub code: String,
    pub name: String,
    pub kind: UnitKind,
    pub unit_type: String,
    pub province_code: String,
    pub validity: Validity,
    pub note: String,
}

impl UnitRow {
    pub fn valid_on(&self, on: Date) -> bool {
        self.validity.contains(on)
    }
}

pub(crate) const UNIT_COLS: &str = "u.id, u.code, u.name, u.kind, u.unit_type, u.province_code, u.valid_from, u.valid_to, u.note";

pub(crate) fn unit_from_row(r: &Row) -> Result<UnitRow> {
    let kind: String = r.try_get("kind")?;
    Ok(UnitRow {
        id: r.i64("id")?,
        code: r.try_get("code")?,
        name: r.try_get("name")?,
        kind: UnitKind::parse(&kind).ok_or_else(|| StoreError::Corrupt(format!("loại đơn vị {kind}")))?,
        unit_type: r.try_get("unit_type")?,
        province_code: r.try_get("province_code")?,
        validity: Validity { from: parse_date_col(&r.text("valid_from")?)?, to: parse_date_col(&r.text("valid_to")?)? },
        note: r.try_get("note")?,
    })
}
