//! Reading the effective-dated hierarchy: units, parents, children, ancestors, search,
//! lineage both ways, area attributes, scope; and the administrator's corrections.

use crate::audit::{AuditEntry, record};
use crate::{Actor, Result, Store, StoreError, date_text, parse_date_col};
use hoctap_domain::area::AreaAttribute;
use hoctap_domain::date::Validity;
use hoctap_domain::hierarchy::{LineageKind, RebaseLink, RebaseRule, UnitId, rebase_shares, rebase_step};
use hoctap_domain::text;
use hoctap_domain::unit::{UnitKind, UnitName};
use jiff::civil::Date;
use serde::Serialize;

pub use crate::unit_row::UnitRow;
pub(crate) use crate::unit_row::{UNIT_COLS, unit_from_row};

/// A node of a tree listing: the unit and its parent as at the date asked.
#[derive(Debug, Clone, Serialize)]
pub struct TreeNode {
    pub id: i64,
    pub code: String,
    pub name: String,
    pub kind: UnitKind,
    pub unit_type: String,
    pub parent_id: Option<i64>,
}

/// One lineage event as seen from a unit.
#[derive(Debug, Clone, Serialize)]
pub struct LineageEntry {
    pub event_id: i64,
    pub kind: LineageKind,
    pub effective_on: Date,
    pub legal_act: String,
    /// "predecessor" when the unit went into `other`, "successor" when `other` went into it.
    pub role: &'static str,
    pub other: UnitRow,
    /// Nhập một phần: only part of the predecessor's territory went to the successor.
    pub partial: bool,
    /// The successor holds the predecessor's former seat (trụ sở).
    pub seat: bool,
}

/// Where an ended unit's figures go on today's tree, and why (`hierarchy::rebase_step`).
#[derive(Debug, Clone, Serialize)]
pub struct RebaseInfo {
    pub rule: Option<RebaseRule>,
    pub rule_label: String,
    /// The override's reason, when an administrator named the successor.
    pub override_reason: Option<String>,
    /// Each direct successor with its share (%) of the unit's figures under the rule.
    pub parts: Vec<RebasePart>,
}

#[derive(Debug, Clone, Serialize)]
pub struct RebasePart {
    pub unit: UnitRow,
    pub partial: bool,
    pub seat: bool,
    pub share_pct: u8,
}

/// One effective-dated area attribute.
#[derive(Debug, Clone, Serialize)]
pub struct AttributeRow {
    pub id: i64,
    pub attribute: AreaAttribute,
    pub validity: Validity,
    pub legal_act: String,
}

impl Store {
    #[inline(never)]
    pub fn unit<'fut, 'l1: 'fut>(&'l1 self, id: i64) -> crate::BoxFut<'fut, Result<UnitRow>> {
        Box::pin(async move {
            let sql = format!("SELECT {UNIT_COLS} FROM units u WHERE u.id = $1");
            let row = crate::db::query(sqlx::AssertSqlSafe(sql))
                .bind(id)
                .fetch_optional(self.pool())
                .await?
                .ok_or(StoreError::NotFound("đơn vị"))?;
            unit_from_row(&row)
        })
    }

    /// The unit with a code valid on a date (codes are reused across eras).
    #[inline(never)]
    pub fn unit_by_code<'fut, 'l1: 'fut, 'l2: 'fut>(&'l1 self, code: &'l2 str, on: Date) -> crate::BoxFut<'fut, Result<UnitRow>> {
        Box::pin(async move {
            let sql = format!("SELECT {UNIT_COLS} FROM units u WHERE u.code = $1 AND u.valid_from <= $2 AND u.valid_to > $2");
            let row = crate::db::query(sqlx::AssertSqlSafe(sql))
                .bind(code.trim())
                .bind(date_text(on))
                .fetch_optional(self.pool())
                .await?
                .ok_or(StoreError::NotFound("đơn vị có mã này vào ngày đã chọn"))?;
            unit_from_row(&row)
        })
    }

    /// Every unit that ever carried a code, oldest first.
    #[inline(never)]
    pub fn units_with_code<'fut, 'l1: 'fut, 'l2: 'fut>(&'l1 self, code: &'l2 str) -> crate::BoxFut<'fut, Result<Vec<UnitRow>>> {
        Box::pin(async move {
            let sql = format!("SELECT {UNIT_COLS} FROM units u WHERE u.code = $1 ORDER BY u.valid_from");
            let rows = crate::db::query(sqlx::AssertSqlSafe(sql)).bind(code.trim()).fetch_all(self.pool()).await?;
            rows.iter().map(unit_from_row).collect()
        })
    }

    /// Units the unit was once under and no longer is as at `on` (a district abolished in 2025,
    /// a province merged away), most recently left first, nearest first.
    #[inline(never)]
    pub fn former_ancestors<'fut, 'l1: 'fut>(&'l1 self, id: i64, on: Date) -> crate::BoxFut<'fut, Result<Vec<UnitRow>>> {
        Box::pin(async move {
            let sql = format!(
                "SELECT {UNIT_COLS} FROM unit_closure c JOIN units u ON u.id = c.ancestor_id \
             WHERE c.descendant_id = $1 AND c.depth > 0 AND c.valid_to <= $2 \
             AND NOT EXISTS (SELECT 1 FROM unit_closure n WHERE n.descendant_id = c.descendant_id AND n.ancestor_id = c.ancestor_id AND n.valid_from <= $2 AND n.valid_to > $2) \
             ORDER BY c.valid_to DESC, c.depth"
            );
            let rows = crate::db::query(sqlx::AssertSqlSafe(sql)).bind(id).bind(date_text(on)).fetch_all(self.pool()).await?;
            let mut out: Vec<UnitRow> = Vec::new();
            for r in &rows {
                let u = unit_from_row(r)?;
                if !out.iter().any(|x| x.id == u.id) {
                    out.push(u);
                }
            }
            Ok(out)
        })
    }

    /// Ancestors as at a date, from the province down (the unit itself excluded).
    #[inline(never)]
    pub fn ancestors<'fut, 'l1: 'fut>(&'l1 self, id: i64, on: Date) -> crate::BoxFut<'fut, Result<Vec<UnitRow>>> {
        Box::pin(async move {
            let sql = format!(
                "SELECT {UNIT_COLS} FROM unit_closure c JOIN units u ON u.id = c.ancestor_id \
             WHERE c.descendant_id = $1 AND c.depth > 0 AND c.valid_from <= $2 AND c.valid_to > $2 ORDER BY c.depth DESC"
            );
            let rows = crate::db::query(sqlx::AssertSqlSafe(sql)).bind(id).bind(date_text(on)).fetch_all(self.pool()).await?;
            rows.iter().map(unit_from_row).collect()
        })
    }

    /// Children valid on a date, by code.
    #[inline(never)]
    pub fn children<'fut, 'l1: 'fut>(&'l1 self, id: i64, on: Date) -> crate::BoxFut<'fut, Result<Vec<UnitRow>>> {
        Box::pin(async move {
            let sql = format!(
                "SELECT {UNIT_COLS} FROM unit_parents p JOIN units u ON u.id = p.child_id \
             WHERE p.parent_id = $1 AND p.valid_from <= $2 AND p.valid_to > $2 AND u.valid_from <= $2 AND u.valid_to > $2 \
             ORDER BY u.code"
            );
            let rows = crate::db::query(sqlx::AssertSqlSafe(sql)).bind(id).bind(date_text(on)).fetch_all(self.pool()).await?;
            rows.iter().map(unit_from_row).collect()
        })
    }

    /// Provinces valid on a date.
    #[inline(never)]
    pub fn provinces<'fut, 'l1: 'fut>(&'l1 self, on: Date) -> crate::BoxFut<'fut, Result<Vec<UnitRow>>> {
        Box::pin(async move {
            let sql = format!(
                "SELECT {UNIT_COLS} FROM units u WHERE u.kind = 'province' AND u.valid_from <= $1 AND u.valid_to > $1 ORDER BY u.code"
            );
            let rows = crate::db::query(sqlx::AssertSqlSafe(sql)).bind(date_text(on)).fetch_all(self.pool()).await?;
            rows.iter().map(unit_from_row).collect()
        })
    }

    /// Number of units of each kind valid on a date.
    #[inline(never)]
    pub fn count_by_kind<'fut, 'l1: 'fut>(&'l1 self, on: Date) -> crate::BoxFut<'fut, Result<Vec<(UnitKind, i64)>>> {
        Box::pin(async move {
            let rows = crate::db::query("SELECT kind, COUNT(*) AS n FROM units WHERE valid_from <= $1 AND valid_to > $1 GROUP BY kind")
                .bind(date_text(on))
                .fetch_all(self.pool())
                .await?;
            let mut out = Vec::new();
            for k in UnitKind::ALL {
                let n =
                    rows.iter().find(|r| r.text("kind").ok().as_deref() == Some(k.code())).map(|r| r.i64("n")).transpose()?.unwrap_or(0);
                out.push((k, n));
            }
            Ok(out)
        })
    }

    /// Units valid on a date whose name contains the query, diacritics and case ignored.
    /// `within` limits to a subtree. Provinces first, then by name.
    #[expect(clippy::type_complexity, reason = "the rows the function returns, inside its boxed future")]
    #[inline(never)]
    pub fn search_units<'fut, 'l1: 'fut, 'l2: 'fut>(
        &'l1 self,
        query: &'l2 str,
        on: Date,
        within: Option<i64>,
        limit: i64,
    ) -> crate::BoxFut<'fut, Result<Vec<(UnitRow, Vec<String>)>>> {
        Box::pin(async move {
            let folded = text::fold(query);
            if folded.is_empty() {
                return Ok(Vec::new());
            }
            let pattern = format!("%{}%", folded.replace(['%', '_'], ""));
            let sql = format!(
                "SELECT {UNIT_COLS} FROM units u WHERE u.name_folded LIKE $1 AND u.valid_from <= $2 AND u.valid_to > $2 \
             AND ($3 IS NULL OR EXISTS (SELECT 1 FROM unit_closure c WHERE c.ancestor_id = $3 AND c.descendant_id = u.id AND c.valid_from <= $2 AND c.valid_to > $2)) \
             ORDER BY CASE u.kind WHEN 'province' THEN 0 WHEN 'district' THEN 1 WHEN 'commune' THEN 2 ELSE 3 END, u.name_folded LIMIT $4"
            );
            let rows = crate::db::query(sqlx::AssertSqlSafe(sql))
                .bind(pattern)
                .bind(date_text(on))
                .bind(within)
                .bind(limit.clamp(1, 200))
                .fetch_all(self.pool())
                .await?;
            let mut out = Vec::new();
            for r in &rows {
                let u = unit_from_row(r)?;
                let path = self.ancestors(u.id, on).await?.into_iter().map(|a| a.name).collect();
                out.push((u, path));
            }
            Ok(out)
        })
    }

    /// The tree as at a date: all units (villages excluded unless asked) of the nation or of
    /// a subtree, each with its parent on that date.
    #[inline(never)]
    pub fn tree<'fut, 'l1: 'fut>(
        &'l1 self,
        on: Date,
        root: Option<i64>,
        with_villages: bool,
    ) -> crate::BoxFut<'fut, Result<Vec<TreeNode>>> {
        Box::pin(async move {
            // With a root, start from its closure rows (indexed by ancestor) instead of testing
            // every unit of the nation for membership.
            let sql = match root {
                Some(_) => {
                    "SELECT u.id, u.code, u.name, u.kind, u.unit_type, p.parent_id FROM unit_closure c \
                 JOIN units u ON u.id = c.descendant_id \
                 LEFT JOIN unit_parents p ON p.child_id = u.id AND p.valid_from <= $1 AND p.valid_to > $1 \
                 WHERE c.ancestor_id = $3 AND c.valid_from <= $1 AND c.valid_to > $1 \
                 AND u.valid_from <= $1 AND u.valid_to > $1 AND ($2 = 1 OR u.kind <> 'village') ORDER BY u.code"
                }
                None => {
                    "SELECT u.id, u.code, u.name, u.kind, u.unit_type, p.parent_id FROM units u \
                 LEFT JOIN unit_parents p ON p.child_id = u.id AND p.valid_from <= $1 AND p.valid_to > $1 \
                 WHERE u.valid_from <= $1 AND u.valid_to > $1 AND ($2 = 1 OR u.kind <> 'village') \
                 ORDER BY u.code"
                }
            };
            let mut q = crate::db::query(sql).bind(date_text(on)).bind(i64::from(with_villages));
            if let Some(r) = root {
                q = q.bind(r);
            }
            let rows = q.fetch_all(self.pool()).await?;
            rows.iter()
                .map(|r| {
                    let kind: String = r.try_get("kind")?;
                    Ok(TreeNode {
                        id: r.i64("id")?,
                        code: r.try_get("code")?,
                        name: r.try_get("name")?,
                        kind: UnitKind::parse(&kind).ok_or_else(|| StoreError::Corrupt(kind.clone()))?,
                        unit_type: r.try_get("unit_type")?,
                        parent_id: r.opt_i64("parent_id")?,
                    })
                })
                .collect()
        })
    }

    /// Whether `target` is in the subtree of `scope` (itself included) as at `on`.
    #[inline(never)]
    pub fn in_scope<'fut, 'l1: 'fut>(&'l1 self, scope: i64, target: i64, on: Date) -> crate::BoxFut<'fut, Result<bool>> {
        Box::pin(async move {
            let row = crate::db::query(
            "SELECT COUNT(*) AS n FROM unit_closure WHERE ancestor_id = $1 AND descendant_id = $2 AND valid_from <= $3 AND valid_to > $3",
        )
        .bind(scope)
        .bind(target)
        .bind(date_text(on))
        .fetch_one(self.pool())
        .await?;
            Ok(row.i64("n")? > 0)
        })
    }

    /// The lineage events a unit takes part in, oldest first.
    #[inline(never)]
    pub fn lineage<'fut, 'l1: 'fut>(&'l1 self, id: i64) -> crate::BoxFut<'fut, Result<Vec<LineageEntry>>> {
        Box::pin(async move {
            let sql = format!(
                "SELECT e.id AS event_id, e.kind AS event_kind, e.effective_on, e.legal_act, l.partial, l.seat, \
             CASE WHEN l.predecessor_id = $1 THEN 'predecessor' ELSE 'successor' END AS side, {UNIT_COLS} \
             FROM lineage_links l JOIN lineage_events e ON e.id = l.event_id \
             JOIN units u ON u.id = CASE WHEN l.predecessor_id = $1 THEN l.successor_id ELSE l.predecessor_id END \
             WHERE (l.predecessor_id = $1 OR l.successor_id = $1) ORDER BY e.effective_on, e.id, u.code"
            );
            let rows = crate::db::query(sqlx::AssertSqlSafe(sql)).bind(id).fetch_all(self.pool()).await?;
            rows.iter()
                .map(|r| {
                    let kind: String = r.try_get("event_kind")?;
                    let side: String = r.try_get("side")?;
                    Ok(LineageEntry {
                        event_id: r.i64("event_id")?,
                        kind: LineageKind::parse(&kind).ok_or_else(|| StoreError::Corrupt(kind.clone()))?,
                        effective_on: parse_date_col(&r.text("effective_on")?)?,
                        legal_act: r.try_get("legal_act")?,
                        role: if side == "predecessor" { "predecessor" } else { "successor" },
                        other: unit_from_row(r)?,
                        partial: r.i64("partial")? != 0,
                        seat: r.i64("seat")? != 0,
                    })
                })
                .collect()
        })
    }

    /// The units valid on `on` that carry on a unit, following lineage forward (of any kind: an
    /// abolished district's successors are the communes that took its territory). A unit still valid
    /// on `on` has none: it carries itself on, and is never listed as its own successor.
    #[inline(never)]
    pub fn successors_on<'fut, 'l1: 'fut>(&'l1 self, id: i64, on: Date) -> crate::BoxFut<'fut, Result<Vec<UnitRow>>> {
        Box::pin(async move {
            // The walk's few rows, then each unit by id (`dialect::walk_units`: a plain JOIN cost
            // 2–4 ms a unit page on SQLite and 10 ms on PostgreSQL, against 0.02 ms).
            let walk_units = crate::dialect::walk_units(self.engine());
            let sql = format!(
                "WITH RECURSIVE walk(id) AS (SELECT CAST($1 AS BIGINT) UNION \
               SELECT l.successor_id FROM lineage_links l JOIN walk w ON l.predecessor_id = w.id JOIN units x ON x.id = w.id \
               WHERE NOT (x.valid_from <= $2 AND x.valid_to > $2)) \
             SELECT {UNIT_COLS} FROM {walk_units} WHERE u.id = w.id AND u.id <> $1 AND u.valid_from <= $2 AND u.valid_to > $2 \
             ORDER BY u.code"
            );
            let rows = crate::db::query(sqlx::AssertSqlSafe(sql)).bind(id).bind(date_text(on)).fetch_all(self.pool()).await?;
            rows.iter().map(unit_from_row).collect()
        })
    }

    /// Every unit of the same level that went, directly or not, into this one (a 2025
    /// commune's predecessors are communes, not the districts whose territory it took). A unit
    /// still valid today that only gave part of its territory is not one: see [`Store::territory_from`].
    #[inline(never)]
    pub fn predecessors<'fut, 'l1: 'fut>(&'l1 self, id: i64) -> crate::BoxFut<'fut, Result<Vec<UnitRow>>> {
        Box::pin(async move {
            // The walk first, as in `successors_on`.
            let walk_units = crate::dialect::walk_units(self.engine());
            let sql = format!(
                "WITH RECURSIVE walk(id) AS (SELECT CAST($1 AS BIGINT) UNION \
               SELECT l.predecessor_id FROM lineage_links l JOIN walk w ON l.successor_id = w.id JOIN units x ON x.id = w.id \
               WHERE w.id = $1 OR NOT (x.valid_from <= $2 AND x.valid_to > $2)) \
             SELECT {UNIT_COLS} FROM {walk_units} WHERE u.id = w.id AND u.id <> $1 \
             AND u.kind = (SELECT kind FROM units WHERE id = $1) AND NOT (u.valid_from <= $2 AND u.valid_to > $2) \
             ORDER BY u.valid_to DESC, u.code"
            );
            let rows = crate::db::query(sqlx::AssertSqlSafe(sql)).bind(id).bind(date_text(crate::today())).fetch_all(self.pool()).await?;
            rows.iter().map(unit_from_row).collect()
        })
    }

    /// Units still valid today that gave part of their territory to this one (nhập một phần):
    /// the counterpart of such a unit's `territory_to`.
    #[inline(never)]
    pub fn partial_donors<'fut, 'l1: 'fut>(&'l1 self, id: i64) -> crate::BoxFut<'fut, Result<Vec<UnitRow>>> {
        Box::pin(async move {
            let sql = format!(
                "SELECT DISTINCT {UNIT_COLS} FROM lineage_links l JOIN units u ON u.id = l.predecessor_id \
             WHERE l.successor_id = $1 AND l.partial = 1 AND u.id <> $1 AND u.valid_from <= $2 AND u.valid_to > $2 ORDER BY u.code"
            );
            let rows = crate::db::query(sqlx::AssertSqlSafe(sql)).bind(id).bind(date_text(crate::today())).fetch_all(self.pool()).await?;
            rows.iter().map(unit_from_row).collect()
        })
    }

    /// Units of another kind whose territory went directly into this one (a 2025 commune took part
    /// of abolished districts): the counterpart of a district's successors, kept apart from the
    /// same-kind [`Store::predecessors`].
    #[inline(never)]
    pub fn territory_from<'fut, 'l1: 'fut>(&'l1 self, id: i64) -> crate::BoxFut<'fut, Result<Vec<UnitRow>>> {
        Box::pin(async move {
            let sql = format!(
                "SELECT DISTINCT {UNIT_COLS} FROM lineage_links l JOIN units u ON u.id = l.predecessor_id \
             WHERE l.successor_id = $1 AND u.id <> $1 AND u.kind <> (SELECT kind FROM units WHERE id = $1) ORDER BY u.code"
            );
            let rows = crate::db::query(sqlx::AssertSqlSafe(sql)).bind(id).fetch_all(self.pool()).await?;
            rows.iter().map(unit_from_row).collect()
        })
    }

    /// The history of a unit's area attributes.
    #[inline(never)]
    pub fn attributes<'fut, 'l1: 'fut>(&'l1 self, id: i64) -> crate::BoxFut<'fut, Result<Vec<AttributeRow>>> {
        Box::pin(async move {
            let rows = crate::db::query(
            "SELECT id, attribute, valid_from, valid_to, legal_act FROM unit_attributes WHERE unit_id = $1 ORDER BY attribute, valid_from",
        )
        .bind(id)
        .fetch_all(self.pool())
        .await?;
            rows.iter()
                .map(|r| {
                    let a: String = r.try_get("attribute")?;
                    Ok(AttributeRow {
                        id: r.i64("id")?,
                        attribute: AreaAttribute::parse(&a).ok_or_else(|| StoreError::Corrupt(a.clone()))?,
                        validity: Validity { from: parse_date_col(&r.text("valid_from")?)?, to: parse_date_col(&r.text("valid_to")?)? },
                        legal_act: r.try_get("legal_act")?,
                    })
                })
                .collect()
        })
    }

    /// Attributes in force on a date.
    #[inline(never)]
    pub fn attributes_on<'fut, 'l1: 'fut>(&'l1 self, id: i64, on: Date) -> crate::BoxFut<'fut, Result<Vec<AreaAttribute>>> {
        Box::pin(async move {
            let mut v: Vec<AreaAttribute> =
                self.attributes(id).await?.into_iter().filter(|a| a.validity.contains(on)).map(|a| a.attribute).collect();
            v.sort();
            v.dedup();
            Ok(v)
        })
    }

    /// Sets an area attribute on a unit from a date (to an optional end). Refuses a period that
    /// overlaps one already recorded for the same attribute.
    #[inline(never)]
    pub fn set_attribute<'fut, 'l1: 'fut, 'l2: 'fut, 'l3: 'fut>(
        &'l1 self,
        actor: &'l2 Actor,
        unit_id: i64,
        attribute: AreaAttribute,
        validity: Validity,
        legal_act: &'l3 str,
    ) -> crate::BoxFut<'fut, Result<i64>> {
        Box::pin(async move {
            let unit = self.unit(unit_id).await?;
            if unit.kind == UnitKind::Village {
                return Err(StoreError::invalid("attribute", "thuộc tính địa bàn đặt cho xã, huyện hoặc tỉnh, không đặt cho thôn"));
            }
            let mut tx = self.begin().await?;
            let existing = crate::db::query("SELECT valid_from, valid_to FROM unit_attributes WHERE unit_id = $1 AND attribute = $2")
                .bind(unit_id)
                .bind(attribute.code())
                .fetch_all(&mut *tx)
                .await?;
            for r in &existing {
                let v = Validity { from: parse_date_col(&r.text("valid_from")?)?, to: parse_date_col(&r.text("valid_to")?)? };
                if v.overlaps(&validity) {
                    return Err(StoreError::conflict(
                        "valid_from",
                        format!("thuộc tính \"{}\" đã có hiệu lực {}; thời hạn mới không được chồng lấn", attribute.label(), v.describe()),
                    ));
                }
            }
            let row = crate::db::query(
            "INSERT INTO unit_attributes (unit_id, attribute, valid_from, valid_to, legal_act) VALUES ($1, $2, $3, $4, $5) RETURNING id",
        )
        .bind(unit_id)
        .bind(attribute.code())
        .bind(date_text(validity.from))
        .bind(date_text(validity.to))
        .bind(legal_act.trim())
        .fetch_one(&mut *tx)
        .await?;
            let id = row.i64("id")?;
            record(
            &mut tx,
            actor,
            AuditEntry {
                unit_id: Some(unit_id),
                action: "unit.attribute.set",
                entity: "unit_attribute",
                entity_id: id.to_string(),
                before: None,
                after: Some(serde_json::json!({"unit": unit.code, "attribute": attribute.code(), "from": validity.from, "to": validity.to, "legal_act": legal_act})),
            },
        )
        .await?;
            tx.commit().await?;
            Ok(id)
        })
    }

    /// Ends an attribute on a date (the attribute no longer applies from `on`).
    #[inline(never)]
    pub fn end_attribute<'fut, 'l1: 'fut, 'l2: 'fut>(
        &'l1 self,
        actor: &'l2 Actor,
        attribute_id: i64,
        on: Date,
    ) -> crate::BoxFut<'fut, Result<()>> {
        Box::pin(async move {
            let mut tx = self.begin().await?;
            let row = crate::db::query("SELECT unit_id, attribute, valid_from, valid_to FROM unit_attributes WHERE id = $1")
                .bind(attribute_id)
                .fetch_optional(&mut *tx)
                .await?
                .ok_or(StoreError::NotFound("thuộc tính"))?;
            let unit_id = row.i64("unit_id")?;
            let from = parse_date_col(&row.text("valid_from")?)?;
            let to = parse_date_col(&row.text("valid_to")?)?;
            if on <= from || on >= to {
                return Err(StoreError::invalid("valid_to", "ngày kết thúc phải nằm trong thời hạn hiệu lực hiện tại"));
            }
            crate::db::query("UPDATE unit_attributes SET valid_to = $1 WHERE id = $2")
                .bind(date_text(on))
                .bind(attribute_id)
                .execute(&mut *tx)
                .await?;
            record(
                &mut tx,
                actor,
                AuditEntry {
                    unit_id: Some(unit_id),
                    action: "unit.attribute.end",
                    entity: "unit_attribute",
                    entity_id: attribute_id.to_string(),
                    before: Some(serde_json::json!({"valid_to": to})),
                    after: Some(serde_json::json!({"valid_to": on})),
                },
            )
            .await?;
            tx.commit().await?;
            Ok(())
        })
    }

    /// An administrator's correction of reference data: name and/or validity of a unit.
    /// Validity changes must not overlap another unit valid with the same code.
    #[inline(never)]
    pub fn correct_unit<'fut, 'l1: 'fut, 'l2: 'fut, 'l3: 'fut>(
        &'l1 self,
        actor: &'l2 Actor,
        id: i64,
        name: Option<UnitName>,
        validity: Option<Validity>,
        note: &'l3 str,
    ) -> crate::BoxFut<'fut, Result<UnitRow>> {
        Box::pin(async move {
            let before = self.unit(id).await?;
            let mut tx = self.begin().await?;
            let validity = validity.unwrap_or(before.validity);
            let clash = crate::db::query(
                "SELECT name, valid_from, valid_to FROM units WHERE code = $1 AND id <> $2 AND valid_from < $3 AND valid_to > $4",
            )
            .bind(&before.code)
            .bind(id)
            .bind(date_text(validity.to))
            .bind(date_text(validity.from))
            .fetch_optional(&mut *tx)
            .await?;
            if let Some(c) = clash {
                let other: String = c.try_get("name")?;
                return Err(StoreError::conflict(
                    "valid_from",
                    format!("mã {} cũng là mã của \"{other}\" trong thời gian này; hai thời hạn không được chồng lấn", before.code),
                ));
            }
            let name = name.map(|n| n.as_str().to_string()).unwrap_or_else(|| before.name.clone());
            crate::db::query("UPDATE units SET name = $1, name_folded = $2, valid_from = $3, valid_to = $4, note = $5 WHERE id = $6")
                .bind(&name)
                .bind(text::fold(&name))
                .bind(date_text(validity.from))
                .bind(date_text(validity.to))
                .bind(note.trim())
                .bind(id)
                .execute(&mut *tx)
                .await?;
            if validity != before.validity {
                // Parent edges and closure rows follow the unit's new bounds.
                crate::db::query("UPDATE unit_parents SET valid_to = $1 WHERE child_id = $2 AND valid_to = $3")
                    .bind(date_text(validity.to))
                    .bind(id)
                    .bind(date_text(before.validity.to))
                    .execute(&mut *tx)
                    .await?;
                crate::db::query("UPDATE unit_parents SET valid_from = $1 WHERE child_id = $2 AND valid_from = $3")
                    .bind(date_text(validity.from))
                    .bind(id)
                    .bind(date_text(before.validity.from))
                    .execute(&mut *tx)
                    .await?;
                crate::closure::rebuild_closure(&mut tx, &[id]).await?;
            }
            record(
                &mut tx,
                actor,
                AuditEntry {
                    unit_id: Some(id),
                    action: "unit.correct",
                    entity: "unit",
                    entity_id: id.to_string(),
                    before: Some(serde_json::json!({"name": before.name, "validity": before.validity, "note": before.note})),
                    after: Some(serde_json::json!({"name": name, "validity": validity, "note": note.trim()})),
                },
            )
            .await?;
            tx.commit().await?;
            self.unit(id).await
        })
    }

    /// Adds a lineage link (an administrator filling a gap in the data).
    #[inline(never)]
    pub fn add_lineage_link<'fut, 'l1: 'fut, 'l2: 'fut, 'l3: 'fut>(
        &'l1 self,
        actor: &'l2 Actor,
        predecessor: i64,
        successor: i64,
        kind: LineageKind,
        on: Date,
        legal_act: &'l3 str,
    ) -> crate::BoxFut<'fut, Result<i64>> {
        Box::pin(async move {
            let p = self.unit(predecessor).await?;
            let s = self.unit(successor).await?;
            if predecessor == successor && kind != LineageKind::Reparent {
                return Err(StoreError::invalid("successor", "đơn vị kế thừa phải khác đơn vị cũ"));
            }
            if legal_act.trim().is_empty() {
                return Err(StoreError::invalid("legal_act", "thiếu căn cứ pháp lý (số, ký hiệu văn bản)"));
            }
            if self.predecessors(predecessor).await?.iter().any(|u| u.id == successor) {
                return Err(StoreError::invalid(
                    "successor",
                    format!("{} {} đã là tiền thân của {} {}: liên kết sẽ tạo vòng lặp", s.code, s.name, p.code, p.name),
                ));
            }
            let mut tx = self.begin().await?;
            let row = crate::db::query(
                "INSERT INTO lineage_events (kind, effective_on, legal_act, note) VALUES ($1, $2, $3, 'bổ sung thủ công') RETURNING id",
            )
            .bind(kind.code())
            .bind(date_text(on))
            .bind(legal_act.trim())
            .fetch_one(&mut *tx)
            .await?;
            let event_id = row.i64("id")?;
            crate::db::query("INSERT INTO lineage_links (event_id, predecessor_id, successor_id) VALUES ($1, $2, $3)")
                .bind(event_id)
                .bind(predecessor)
                .bind(successor)
                .execute(&mut *tx)
                .await?;
            record(
            &mut tx,
            actor,
            AuditEntry {
                unit_id: Some(successor),
                action: "lineage.link.add",
                entity: "lineage_event",
                entity_id: event_id.to_string(),
                before: None,
                after: Some(serde_json::json!({"kind": kind.code(), "predecessor": [p.code, p.name], "successor": [s.code, s.name], "effective_on": on, "legal_act": legal_act.trim()})),
            },
        )
        .await?;
            tx.commit().await?;
            Ok(event_id)
        })
    }

    /// Removes one lineage link (a wrong row in the source data).
    #[inline(never)]
    pub fn remove_lineage_link<'fut, 'l1: 'fut, 'l2: 'fut>(
        &'l1 self,
        actor: &'l2 Actor,
        event_id: i64,
        predecessor: i64,
        successor: i64,
    ) -> crate::BoxFut<'fut, Result<()>> {
        Box::pin(async move {
            let mut tx = self.begin().await?;
            let n = crate::db::query("DELETE FROM lineage_links WHERE event_id = $1 AND predecessor_id = $2 AND successor_id = $3")
                .bind(event_id)
                .bind(predecessor)
                .bind(successor)
                .execute(&mut *tx)
                .await?
                .rows_affected();
            if n == 0 {
                return Err(StoreError::NotFound("liên kết lịch sử"));
            }
            record(
                &mut tx,
                actor,
                AuditEntry {
                    unit_id: Some(successor),
                    action: "lineage.link.remove",
                    entity: "lineage_event",
                    entity_id: event_id.to_string(),
                    before: Some(serde_json::json!({"predecessor": predecessor, "successor": successor})),
                    after: None,
                },
            )
            .await?;
            tx.commit().await?;
            Ok(())
        })
    }

    /// How a unit's figures re-base onto today's tree: its direct successors with their share
    /// under the rule (a partially merged commune's go whole to its seat's successor, or to
    /// the one an administrator named).
    #[inline(never)]
    pub fn rebase_info<'fut, 'l1: 'fut>(&'l1 self, id: i64) -> crate::BoxFut<'fut, Result<RebaseInfo>> {
        Box::pin(async move {
            let unit = self.unit(id).await?;
            let sql = format!(
                "SELECT l.partial, l.seat, {UNIT_COLS} FROM lineage_links l JOIN units u ON u.id = l.successor_id \
             WHERE l.predecessor_id = $1 AND u.id <> $1 ORDER BY u.id"
            );
            let rows = crate::db::query(sqlx::AssertSqlSafe(sql)).bind(id).fetch_all(self.pool()).await?;
            let mut parts: Vec<RebasePart> = Vec::new();
            for r in &rows {
                let u = unit_from_row(r)?;
                if parts.iter().any(|p| p.unit.id == u.id) {
                    continue;
                }
                parts.push(RebasePart { unit: u, partial: r.i64("partial")? != 0, seat: r.i64("seat")? != 0, share_pct: 0 });
            }
            let over = crate::db::query("SELECT current_id, reason FROM rebase_overrides WHERE unit_id = $1")
                .bind(id)
                .fetch_optional(self.pool())
                .await?;
            let over_id = over.as_ref().map(|r| r.i64("current_id")).transpose()?;
            let links: Vec<RebaseLink> = parts
                .iter()
                .map(|p| RebaseLink { successor: UnitId(p.unit.id), same_kind: p.unit.kind == unit.kind, partial: p.partial, seat: p.seat })
                .collect();
            let rule = if unit.valid_on(crate::today()) { None } else { rebase_step(&links, over_id.map(UnitId)).map(|(_, r)| r) };
            if rule.is_some() {
                for (p, (_, share)) in parts.iter_mut().zip(rebase_shares(&links, over_id.map(UnitId))) {
                    p.share_pct = share;
                }
            }
            Ok(RebaseInfo {
                rule,
                rule_label: rule.map(|r| r.label().to_string()).unwrap_or_else(|| "đơn vị còn hiệu lực: số liệu là của chính nó".into()),
                override_reason: match (&over, rule) {
                    (Some(r), Some(RebaseRule::Override)) => Some(r.try_get("reason")?),
                    _ => None,
                },
                parts,
            })
        })
    }

    /// Names the successor that carries a partially merged unit's figures (instead of its seat's
    /// successor), audited, and re-bases in the same transaction. `None` restores the rule.
    #[inline(never)]
    pub fn set_rebase_override<'fut, 'l1: 'fut, 'l2: 'fut, 'l3: 'fut>(
        &'l1 self,
        actor: &'l2 Actor,
        id: i64,
        current: Option<i64>,
        reason: &'l3 str,
    ) -> crate::BoxFut<'fut, Result<()>> {
        Box::pin(async move {
            let unit = self.unit(id).await?;
            if unit.valid_on(crate::today()) {
                return Err(StoreError::invalid(
                    "unit",
                    format!("{} {} còn hiệu lực: số liệu của nó không cần tính cho đơn vị khác", unit.code, unit.name),
                ));
            }
            let info = self.rebase_info(id).await?;
            // The reason is free text kept in the audit log: one clean line.
            let reason = text::line(reason, 500).map_err(|e| StoreError::invalid("reason", format!("lý do chỉ định {e}")))?;
            if let Some(c) = current {
                if !info.parts.iter().any(|p| p.unit.id == c && p.partial) {
                    return Err(StoreError::invalid(
                        "current_id",
                        format!("đơn vị được chỉ định không phải nơi {} {} được nhập một phần", unit.code, unit.name),
                    ));
                }
                if reason.is_empty() {
                    return Err(StoreError::invalid("reason", "thiếu lý do chỉ định"));
                }
            }
            let before: Option<(i64, String)> = crate::db::query("SELECT current_id, reason FROM rebase_overrides WHERE unit_id = $1")
                .bind(id)
                .fetch_optional(self.pool())
                .await?
                .map(|r| Ok::<_, StoreError>((r.i64("current_id")?, r.try_get("reason")?)))
                .transpose()?;
            let mut tx = self.begin().await?;
            crate::db::query("DELETE FROM rebase_overrides WHERE unit_id = $1").bind(id).execute(&mut *tx).await?;
            if let Some(c) = current {
                crate::db::query("INSERT INTO rebase_overrides (unit_id, current_id, reason) VALUES ($1, $2, $3)")
                    .bind(id)
                    .bind(c)
                    .bind(&reason)
                    .execute(&mut *tx)
                    .await?;
            }
            record(
                &mut tx,
                actor,
                AuditEntry {
                    unit_id: Some(id),
                    action: "unit.rebase.override",
                    entity: "unit",
                    entity_id: id.to_string(),
                    before: before.map(|(c, r)| serde_json::json!({"current_id": c, "reason": r})),
                    after: current.map(|c| serde_json::json!({"current_id": c, "reason": reason})),
                },
            )
            .await?;
            crate::stats::rebuild_rebase(&mut tx, crate::today()).await?;
            tx.commit().await?;
            Ok(())
        })
    }

    /// Partially merged units whose figures a unit (None: the country) now carries, directly or
    /// through the units below it today, with the unit that carries them: the dashboards' note.
    #[inline(never)]
    pub fn partial_rebased_into<'fut, 'l1: 'fut>(&'l1 self, unit: Option<i64>) -> crate::BoxFut<'fut, Result<Vec<(UnitRow, i64)>>> {
        Box::pin(async move {
            let today = date_text(crate::today());
            let scope = if unit.is_some() {
                "AND r.current_id IN (SELECT c.descendant_id FROM unit_closure c WHERE c.ancestor_id = $2 AND c.valid_from <= $1 AND c.valid_to > $1)"
            } else {
                ""
            };
            let sql = format!(
                "SELECT r.current_id, {UNIT_COLS} FROM unit_rebase r JOIN units u ON u.id = r.unit_id \
             WHERE r.current_id <> r.unit_id AND u.valid_to <= $1 \
             AND EXISTS (SELECT 1 FROM lineage_links l WHERE l.predecessor_id = u.id AND l.partial = 1) {scope} ORDER BY u.code"
            );
            let mut q = crate::db::query(sqlx::AssertSqlSafe(sql)).bind(today);
            if let Some(u) = unit {
                q = q.bind(u);
            }
            q.fetch_all(self.pool()).await?.iter().map(|r| Ok((unit_from_row(r)?, r.i64("current_id")?))).collect()
        })
    }
}
