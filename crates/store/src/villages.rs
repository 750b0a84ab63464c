//! Villages (thôn, bản, ấp, tổ dân phố): added under communes one by one or imported from a
//! spreadsheet (dry run first, every row checked, then all or nothing).

use crate::audit::{AuditEntry, record};
use crate::db::Conn;
use crate::units::UnitRow;
use crate::{Actor, Result, Store, StoreError, date_text};
use hoctap_domain::date::{OPEN_END, format_vn};
use hoctap_domain::text;
use hoctap_domain::unit::{UnitCode, UnitKind, UnitName, UnitType};
use jiff::civil::Date;
use serde::Serialize;
use std::collections::BTreeMap;

/// One row of a village spreadsheet, as read from the file (cells still text).
#[derive(Debug, Clone, Serialize)]
pub struct VillageImportRow {
    /// The row number people see in Excel (header is row 1).
    pub line: usize,
    pub commune_code: String,
    pub name: String,
    pub unit_type: String,
}

/// What an import would do with a row.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
#[serde(tag = "status", rename_all = "snake_case")]
pub enum VillageRowStatus {
    Create { commune: String, name: String, unit_type: String },
    Unchanged { code: String },
    Reject { errors: Vec<(String, String)> },
}

/// The dry-run result; `apply` only when `rejected == 0`.
#[derive(Debug, Clone, Serialize)]
pub struct VillageImportPreview {
    pub rows: Vec<(usize, VillageRowStatus)>,
    pub to_create: usize,
    pub unchanged: usize,
    pub rejected: usize,
    pub applied: bool,
}

pub(crate) struct Checked {
    commune: UnitRow,
    name: UnitName,
    unit_type: UnitType,
}

impl Store {
    /// Villages valid on a date in a commune.
    #[inline(never)]
    pub fn villages<'fut, 'l1: 'fut>(&'l1 self, commune_id: i64, on: Date) -> crate::BoxFut<'fut, Result<Vec<UnitRow>>> {
        Box::pin(async move { Ok(self.children(commune_id, on).await?.into_iter().filter(|u| u.kind == UnitKind::Village).collect()) })
    }

    /// Adds a village under a commune valid on `on`.
    #[inline(never)]
    pub fn create_village<'fut, 'l1: 'fut, 'l2: 'fut, 'l3: 'fut, 'l4: 'fut>(
        &'l1 self,
        actor: &'l2 Actor,
        commune_id: i64,
        name: &'l3 str,
        unit_type: &'l4 str,
        on: Date,
    ) -> crate::BoxFut<'fut, Result<UnitRow>> {
        Box::pin(async move {
            let commune = self.unit(commune_id).await?;
            let checked = self.check_village(&commune, name, unit_type, on).await.map_err(|mut errs| {
                let (field, message) = errs.remove(0);
                // A name already used in the commune clashes with stored data: a conflict, not a typo.
                if field == "name" && message.contains(" đã có ") {
                    StoreError::Conflict { field, message }
                } else {
                    StoreError::Invalid { field, message }
                }
            })?;
            let mut tx = self.begin().await?;
            let id = insert_village(&mut tx, actor, &checked, on).await?;
            tx.commit().await?;
            self.unit(id).await
        })
    }

    /// Renames a village or changes its type, in place (villages carry no official code).
    #[inline(never)]
    pub fn update_village<'fut, 'l1: 'fut, 'l2: 'fut, 'l3: 'fut, 'l4: 'fut>(
        &'l1 self,
        actor: &'l2 Actor,
        id: i64,
        name: &'l3 str,
        unit_type: &'l4 str,
        on: Date,
    ) -> crate::BoxFut<'fut, Result<UnitRow>> {
        Box::pin(async move {
            let before = self.unit(id).await?;
            if before.kind != UnitKind::Village {
                return Err(StoreError::NotFound("thôn, tổ dân phố"));
            }
            let name = UnitName::parse(name).map_err(|e| StoreError::invalid("name", e.to_string()))?;
            let ty = parse_village_type(unit_type).map_err(|m| StoreError::invalid("unit_type", m))?;
            let commune = self.ancestors(id, on).await?.pop().ok_or(StoreError::NotFound("xã của thôn"))?;
            if self.villages(commune.id, on).await?.iter().any(|v| v.id != id && text::fold(&v.name) == name.folded()) {
                return Err(StoreError::conflict("name", format!("{} đã có \"{}\"", commune.name, name)));
            }
            let mut tx = self.begin().await?;
            crate::db::query("UPDATE units SET name = $1, name_folded = $2, unit_type = $3 WHERE id = $4")
                .bind(name.as_str())
                .bind(name.folded())
                .bind(ty.as_str())
                .bind(id)
                .execute(&mut *tx)
                .await?;
            record(
                &mut tx,
                actor,
                AuditEntry {
                    unit_id: Some(id),
                    action: "village.update",
                    entity: "unit",
                    entity_id: id.to_string(),
                    before: Some(serde_json::json!({"name": before.name, "unit_type": before.unit_type})),
                    after: Some(serde_json::json!({"name": name.as_str(), "unit_type": ty.as_str()})),
                },
            )
            .await?;
            tx.commit().await?;
            self.unit(id).await
        })
    }

    /// Ends a village from a date (soft delete: history stays).
    #[inline(never)]
    pub fn end_village<'fut, 'l1: 'fut, 'l2: 'fut>(&'l1 self, actor: &'l2 Actor, id: i64, on: Date) -> crate::BoxFut<'fut, Result<()>> {
        Box::pin(async move {
            let before = self.unit(id).await?;
            if before.kind != UnitKind::Village || !before.valid_on(on) {
                return Err(StoreError::NotFound("thôn, tổ dân phố còn hiệu lực"));
            }
            if on <= before.validity.from {
                return Err(StoreError::invalid(
                    "valid_to",
                    format!("ngày kết thúc phải sau ngày thành lập {}", format_vn(before.validity.from)),
                ));
            }
            let mut tx = self.begin().await?;
            let on_text = date_text(on);
            crate::db::query("UPDATE units SET valid_to = $1 WHERE id = $2").bind(&on_text).bind(id).execute(&mut *tx).await?;
            crate::db::query("UPDATE unit_parents SET valid_to = $1 WHERE child_id = $2 AND valid_to > $1")
                .bind(&on_text)
                .bind(id)
                .execute(&mut *tx)
                .await?;
            crate::closure::rebuild_closure(&mut tx, &[id]).await?;
            record(
                &mut tx,
                actor,
                AuditEntry {
                    unit_id: Some(id),
                    action: "village.end",
                    entity: "unit",
                    entity_id: id.to_string(),
                    before: Some(serde_json::json!({"name": before.name, "valid_to": before.validity.to})),
                    after: Some(serde_json::json!({"valid_to": on})),
                },
            )
            .await?;
            tx.commit().await?;
            Ok(())
        })
    }

    pub(crate) async fn check_village(
        &self,
        commune: &UnitRow,
        name: &str,
        unit_type: &str,
        on: Date,
    ) -> Result<Checked, Vec<(String, String)>> {
        let mut errors = Vec::new();
        if commune.kind != UnitKind::Commune {
            errors.push(("commune".into(), format!("{} không phải đơn vị cấp xã", commune.name)));
        } else if !commune.valid_on(on) {
            errors.push(("commune".into(), format!("{} không còn hiệu lực vào ngày {}", commune.name, format_vn(on))));
        }
        let name = UnitName::parse(name).map_err(|e| errors.push(("name".into(), e.to_string()))).ok();
        let ty = parse_village_type(unit_type).map_err(|m| errors.push(("unit_type".into(), m))).ok();
        if let Some(n) = &name {
            match self.villages(commune.id, on).await {
                Ok(existing) => {
                    if existing.iter().any(|v| text::fold(&v.name) == n.folded()) {
                        errors.push(("name".into(), format!("{} đã có \"{}\"", commune.name, n)));
                    }
                }
                Err(e) => errors.push(("commune".into(), e.to_string())),
            }
        }
        match (name, ty) {
            (Some(name), Some(unit_type)) if errors.is_empty() => Ok(Checked { commune: commune.clone(), name, unit_type }),
            _ => Err(errors),
        }
    }

    /// Checks every row of a village spreadsheet and, unless `dry_run` or any row is
    /// rejected, creates the villages in one transaction. `scope` limits the communes the
    /// actor may touch.
    #[tracing::instrument(name = "store.import_villages", skip_all, fields(rows = rows.len(), dry_run))]
    #[inline(never)]
    pub fn import_villages<'fut, 'l1: 'fut, 'l2: 'fut, 'l3: 'fut>(
        &'l1 self,
        actor: &'l2 Actor,
        rows: &'l3 [VillageImportRow],
        scope: Option<i64>,
        on: Date,
        dry_run: bool,
    ) -> crate::BoxFut<'fut, Result<VillageImportPreview>> {
        Box::pin(async move {
            let mut statuses = Vec::new();
            let mut checked = Vec::new();
            let mut seen: BTreeMap<(String, String), usize> = BTreeMap::new();
            for row in rows {
                let mut errors: Vec<(String, String)> = Vec::new();
                let commune = match UnitCode::parse_restoring_zeros(UnitKind::Commune, &row.commune_code) {
                    Err(e) => {
                        errors.push(("Mã xã".into(), e.to_string()));
                        None
                    }
                    Ok(code) => match self.unit_by_code(code.as_str(), on).await {
                        Ok(c) if c.kind == UnitKind::Commune => Some(c),
                        Ok(_) | Err(StoreError::NotFound(_)) => {
                            errors.push(("Mã xã".into(), format!("không có xã, phường mã {code} còn hiệu lực ngày {}", format_vn(on))));
                            None
                        }
                        Err(e) => return Err(e),
                    },
                };
                if let (Some(c), Some(s)) = (&commune, scope)
                    && !self.in_scope(s, c.id, on).await?
                {
                    errors.push(("Mã xã".into(), format!("{} nằm ngoài phạm vi đơn vị của bạn", c.name)));
                }
                let key = (
                    commune.as_ref().map(|c| c.code.clone()).unwrap_or_else(|| row.commune_code.trim().to_string()),
                    text::fold(&row.name),
                );
                if let Some(first) = seen.get(&key) {
                    errors.push(("Tên thôn".into(), format!("trùng với dòng {first} trong tệp")));
                } else {
                    seen.insert(key, row.line);
                }
                let mut status = None;
                if let (Some(c), true) = (&commune, errors.is_empty()) {
                    match self.check_village(c, &row.name, &row.unit_type, on).await {
                        Ok(ch) => {
                            status = Some(VillageRowStatus::Create {
                                commune: c.name.clone(),
                                name: ch.name.to_string(),
                                unit_type: ch.unit_type.to_string(),
                            });
                            checked.push(ch);
                        }
                        Err(errs) => {
                            // A village already there with the same name and type is not an error on re-import.
                            let existing = self.villages(c.id, on).await?;
                            let same = existing.iter().find(|v| {
                                text::fold(&v.name) == text::fold(&row.name)
                                    && UnitType::parse(&row.unit_type).map(|t| t.as_str()) == Some(v.unit_type.as_str())
                            });
                            match same {
                                Some(v) if errs.iter().all(|(f, _)| f == "name") => {
                                    status = Some(VillageRowStatus::Unchanged { code: v.code.clone() })
                                }
                                _ => errors.extend(errs.into_iter().map(|(f, m)| (column_label(&f).to_string(), m))),
                            }
                        }
                    }
                }
                statuses.push((row.line, status.unwrap_or(VillageRowStatus::Reject { errors })));
            }
            let count = |f: fn(&VillageRowStatus) -> bool| statuses.iter().filter(|(_, s)| f(s)).count();
            let mut preview = VillageImportPreview {
                to_create: count(|s| matches!(s, VillageRowStatus::Create { .. })),
                unchanged: count(|s| matches!(s, VillageRowStatus::Unchanged { .. })),
                rejected: count(|s| matches!(s, VillageRowStatus::Reject { .. })),
                rows: statuses,
                applied: false,
            };
            if dry_run || preview.rejected > 0 || rows.is_empty() {
                return Ok(preview);
            }
            let mut tx = self.begin().await?;
            for ch in &checked {
                insert_village(&mut tx, actor, ch, on).await?;
            }
            record(
                &mut tx,
                actor,
                AuditEntry {
                    unit_id: scope.or(actor.unit_id),
                    action: "village.import",
                    entity: "import",
                    entity_id: format!("{} dòng", rows.len()),
                    before: None,
                    after: Some(serde_json::json!({"created": preview.to_create, "unchanged": preview.unchanged})),
                },
            )
            .await?;
            tx.commit().await?;
            preview.applied = true;
            Ok(preview)
        })
    }
}

fn column_label(field: &str) -> &str {
    match field {
        "name" => "Tên thôn",
        "unit_type" => "Loại",
        "commune" => "Mã xã",
        other => other,
    }
}

fn parse_village_type(s: &str) -> Result<UnitType, String> {
    match UnitType::parse(s) {
        Some(t) if t.kind() == UnitKind::Village => Ok(t),
        _ => Err(format!(
            "loại \"{}\" không hợp lệ; chọn một trong: {}",
            s.trim(),
            UnitType::of_kind(UnitKind::Village).map(|t| t.as_str()).collect::<Vec<_>>().join(", ")
        )),
    }
}

pub(crate) async fn insert_village(conn: &mut Conn, actor: &Actor, c: &Checked, on: Date) -> Result<i64> {
    // Next free number in the commune, over all eras (codes of ended villages are not reused).
    // A range on the code index: `LIKE 'xxxxx%'` cannot use it (the database's collation is not
    // "C"), and reading every village of the country made creating the country's 100,000
    // villages quadratic (`hoctap gen --scale national`: 25 s for one province's 4,440).
    let rows = crate::db::query("SELECT code FROM units WHERE code >= $1 AND code <= $2 AND kind = 'village'")
        .bind(format!("{}000", c.commune.code))
        .bind(format!("{}999", c.commune.code))
        .fetch_all(&mut *conn)
        .await?;
    let max = rows
        .iter()
        .filter_map(|r| r.text("code").ok())
        .filter_map(|code| code.get(5..).and_then(|s| s.parse::<u16>().ok()))
        .max()
        .unwrap_or(0);
    let commune_code = UnitCode::parse(&c.commune.code).map_err(|e| StoreError::Corrupt(e.to_string()))?;
    let code = UnitCode::village(&commune_code, max + 1)
        .ok_or_else(|| StoreError::conflict("name", format!("{} đã có 999 thôn", c.commune.name)))?;
    let row = crate::db::query(
        "INSERT INTO units (code, name, name_folded, kind, unit_type, province_code, valid_from, valid_to) \
         VALUES ($1, $2, $3, 'village', $4, $5, $6, $7) RETURNING id",
    )
    .bind(code.as_str())
    .bind(c.name.as_str())
    .bind(c.name.folded())
    .bind(c.unit_type.as_str())
    .bind(&c.commune.province_code)
    .bind(date_text(on))
    .bind(date_text(OPEN_END))
    .fetch_one(&mut *conn)
    .await?;
    let id = row.i64("id")?;
    crate::reorg::insert_edge(conn, id, c.commune.id, &date_text(on)).await?;
    crate::closure::rebuild_closure(conn, &[id]).await?;
    // A new unit is its own today's unit (dashboards read a village's counters through the map).
    crate::db::query("INSERT INTO unit_rebase (unit_id, current_id, kind) VALUES ($1, $1, 'village') ON CONFLICT (unit_id) DO NOTHING")
        .bind(id)
        .execute(&mut *conn)
        .await?;
    record(
        conn,
        actor,
        AuditEntry {
            unit_id: Some(id),
            action: "village.create",
            entity: "unit",
            entity_id: id.to_string(),
            before: None,
            after: Some(serde_json::json!({"code": code.as_str(), "name": c.name.as_str(), "unit_type": c.unit_type.as_str(), "commune": c.commune.code})),
        },
    )
    .await?;
    Ok(id)
}
