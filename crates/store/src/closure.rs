//! The closure table (`unit_closure`: every ancestor × descendant pair with the period the
//! path exists), rebuilt from the effective-dated parent edges for the units a write touched:
//! the domain computes the rows (`closure_rows`) over the affected part of the hierarchy,
//! loaded here. Used by reorganisations and by corrections of a unit's parent.

use crate::db::Conn;
use crate::dialect::placeholders;
use crate::unit_row::{UNIT_COLS, unit_from_row};
use crate::{Result, StoreError, date_text, parse_date_col};
use hoctap_domain::date::Validity;
use hoctap_domain::hierarchy::{Hierarchy, ParentEdge, UnitId, UnitRecord, closure_rows};
use hoctap_domain::unit::{UnitCode, UnitName, UnitType};
use std::collections::BTreeSet;

async fn load_units(conn: &mut Conn, ids: &BTreeSet<i64>, h: &mut Hierarchy) -> Result<()> {
    let anon = crate::dialect::anonymous(&*conn);
    let ids: Vec<i64> = ids.iter().copied().filter(|i| h.unit(UnitId(*i)).is_none()).collect();
    for chunk in ids.chunks(500) {
        let sql = format!("SELECT {UNIT_COLS} FROM units u WHERE u.id IN ({})", placeholders(anon, 1, chunk.len()));
        let mut q = crate::db::query(sqlx::AssertSqlSafe(sql));
        for id in chunk {
            q = q.bind(*id);
        }
        for r in q.fetch_all(&mut *conn).await? {
            let u = unit_from_row(&r)?;
            h.insert_unit(UnitRecord {
                id: UnitId(u.id),
                code: UnitCode::parse(&u.code).map_err(|e| StoreError::Corrupt(e.to_string()))?,
                name: UnitName::parse(&u.name).map_err(|e| StoreError::Corrupt(e.to_string()))?,
                unit_type: UnitType::parse(&u.unit_type).ok_or_else(|| StoreError::Corrupt(u.unit_type.clone()))?,
                validity: u.validity,
            });
        }
    }
    Ok(())
}

/// Edges where the child (or, if `as_parent`, the parent) is one of `ids`.
async fn load_edges(conn: &mut Conn, ids: &BTreeSet<i64>, as_parent: bool) -> Result<Vec<ParentEdge>> {
    let anon = crate::dialect::anonymous(&*conn);
    let mut out = Vec::new();
    let ids: Vec<i64> = ids.iter().copied().collect();
    let col = if as_parent { "parent_id" } else { "child_id" };
    for chunk in ids.chunks(500) {
        let sql = format!(
            "SELECT child_id, parent_id, valid_from, valid_to FROM unit_parents WHERE {col} IN ({})",
            placeholders(anon, 1, chunk.len())
        );
        let mut q = crate::db::query(sqlx::AssertSqlSafe(sql));
        for id in chunk {
            q = q.bind(*id);
        }
        for r in q.fetch_all(&mut *conn).await? {
            out.push(ParentEdge {
                child: UnitId(r.i64("child_id")?),
                parent: UnitId(r.i64("parent_id")?),
                validity: Validity { from: parse_date_col(&r.text("valid_from")?)?, to: parse_date_col(&r.text("valid_to")?)? },
            });
        }
    }
    Ok(out)
}

/// Loads `ids`, their children (if asked) and every ancestor edge above them.
pub(crate) async fn load_piece(conn: &mut Conn, ids: &BTreeSet<i64>, with_children: bool) -> Result<Hierarchy> {
    let mut h = Hierarchy::new();
    let mut all: BTreeSet<i64> = ids.clone();
    let mut edges: Vec<ParentEdge> = Vec::new();
    if with_children {
        let down = load_edges(conn, ids, true).await?;
        all.extend(down.iter().map(|e| e.child.0));
        edges.extend(down);
    }
    // Walk up: the hierarchy is at most four levels deep.
    let mut frontier = all.clone();
    for _ in 0..6 {
        if frontier.is_empty() {
            break;
        }
        let up = load_edges(conn, &frontier, false).await?;
        frontier = up.iter().map(|e| e.parent.0).filter(|p| !all.contains(p)).collect();
        all.extend(frontier.iter().copied());
        for e in up {
            if !edges.contains(&e) {
                edges.push(e);
            }
        }
    }
    load_units(conn, &all, &mut h).await?;
    for e in edges {
        h.insert_edge(e);
    }
    Ok(h)
}

/// Recomputes the closure rows of `ids` and everything ever below them.
pub(crate) async fn rebuild_closure(conn: &mut Conn, ids: &[i64]) -> Result<()> {
    let anon = crate::dialect::anonymous(&*conn);
    let mut targets: BTreeSet<i64> = ids.iter().copied().collect();
    let seeds: Vec<i64> = targets.iter().copied().collect();
    for chunk in seeds.chunks(500) {
        let sql = format!("SELECT DISTINCT descendant_id FROM unit_closure WHERE ancestor_id IN ({})", placeholders(anon, 1, chunk.len()));
        let mut q = crate::db::query(sqlx::AssertSqlSafe(sql));
        for id in chunk {
            q = q.bind(*id);
        }
        for r in q.fetch_all(&mut *conn).await? {
            targets.insert(r.i64("descendant_id")?);
        }
    }
    // Also anything now hanging below them through new edges.
    let mut frontier = targets.clone();
    for _ in 0..6 {
        let down = load_edges(conn, &frontier, true).await?;
        frontier = down.iter().map(|e| e.child.0).filter(|c| !targets.contains(c)).collect();
        if frontier.is_empty() {
            break;
        }
        targets.extend(frontier.iter().copied());
    }
    let h = load_piece(conn, &targets, false).await?;
    let list: Vec<i64> = targets.iter().copied().collect();
    for chunk in list.chunks(500) {
        let sql = format!("DELETE FROM unit_closure WHERE descendant_id IN ({})", placeholders(anon, 1, chunk.len()));
        let mut q = crate::db::query(sqlx::AssertSqlSafe(sql));
        for id in chunk {
            q = q.bind(*id);
        }
        q.execute(&mut *conn).await?;
    }
    let ids: Vec<UnitId> = list.iter().map(|i| UnitId(*i)).collect();
    let rows = closure_rows(&h, &ids);
    insert_closure(conn, &rows).await
}

pub(crate) async fn insert_closure(conn: &mut Conn, rows: &[hoctap_domain::hierarchy::ClosureRow]) -> Result<()> {
    let anon = crate::dialect::anonymous(&*conn);
    for chunk in rows.chunks(400) {
        let values: Vec<String> = (0..chunk.len()).map(|i| format!("({})", placeholders(anon, i * 5 + 1, 5))).collect();
        let sql =
            format!("INSERT INTO unit_closure (ancestor_id, descendant_id, depth, valid_from, valid_to) VALUES {}", values.join(", "));
        let mut q = crate::db::query(sqlx::AssertSqlSafe(sql));
        for r in chunk {
            q = q.bind(r.ancestor.0).bind(r.descendant.0).bind(i64::from(r.depth)).bind(date_text(r.from)).bind(date_text(r.to));
        }
        q.execute(&mut *conn).await?;
    }
    Ok(())
}
