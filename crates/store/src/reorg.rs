//! Reorganisations (sáp nhập, chia tách, đổi tên, chuyển cấp trên, giải thể): the domain
//! plans them over the affected part of the hierarchy, this module writes the plan, moves
//! users to successors, rebuilds the affected closure rows and audits, in one transaction.

use crate::audit::{AuditEntry, record};
use crate::closure::{load_piece, rebuild_closure};
use crate::db::Conn;
use crate::{Actor, Result, Store, StoreError, date_text};
use hoctap_domain::hierarchy::{Hierarchy, Plan, Reorganisation, UnitId, UnitRef};
use jiff::civil::Date;
use std::collections::BTreeSet;

fn involved(op: &Reorganisation) -> BTreeSet<i64> {
    use hoctap_domain::hierarchy::MergeTarget;
    let target = |t: &MergeTarget| match t {
        MergeTarget::Existing(id) => vec![id.0],
        MergeTarget::New(n) => n.parent.map(|p| vec![p.0]).unwrap_or_default(),
    };
    match op {
        Reorganisation::Merge { predecessors, into } => predecessors.iter().map(|p| p.0).chain(target(into)).collect(),
        Reorganisation::Split { unit, parts, .. } => std::iter::once(unit.0).chain(parts.iter().flat_map(target)).collect(),
        Reorganisation::Rename { unit, .. } | Reorganisation::Abolish { unit } => BTreeSet::from([unit.0]),
        Reorganisation::Reparent { unit, parent } => BTreeSet::from([unit.0, parent.0]),
    }
}

fn new_codes(op: &Reorganisation) -> Vec<String> {
    use hoctap_domain::hierarchy::MergeTarget;
    let code = |t: &MergeTarget| match t {
        MergeTarget::New(n) => Some(n.code.to_string()),
        MergeTarget::Existing(_) => None,
    };
    match op {
        Reorganisation::Merge { into, .. } => code(into).into_iter().collect(),
        Reorganisation::Split { parts, .. } => parts.iter().filter_map(code).collect(),
        _ => Vec::new(),
    }
}

impl Store {
    /// Plans a reorganisation without writing anything (the preview an administrator sees).
    #[inline(never)]
    pub fn plan_reorganisation<'fut, 'l1: 'fut, 'l2: 'fut, 'l3: 'fut>(
        &'l1 self,
        op: &'l2 Reorganisation,
        on: Date,
        legal_act: &'l3 str,
    ) -> crate::BoxFut<'fut, Result<Plan>> {
        Box::pin(async move {
            let mut conn = self.pool().acquire().await?;
            let h = self.piece_for(&mut conn, op).await?;
            Ok(h.plan(op, on, legal_act)?)
        })
    }

    async fn piece_for(&self, conn: &mut Conn, op: &Reorganisation) -> Result<Hierarchy> {
        let mut ids = involved(op);
        for code in new_codes(op) {
            for r in crate::db::query("SELECT id FROM units WHERE code = $1").bind(code).fetch_all(&mut *conn).await? {
                ids.insert(r.i64("id")?);
            }
        }
        load_piece(conn, &ids, true).await
    }

    /// Carries out a reorganisation in one transaction; returns the ids of new units.
    #[tracing::instrument(name = "store.reorganise", skip_all, fields(%on))]
    #[inline(never)]
    pub fn reorganise<'fut, 'l1: 'fut, 'l2: 'fut, 'l3: 'fut, 'l4: 'fut>(
        &'l1 self,
        actor: &'l2 Actor,
        op: &'l3 Reorganisation,
        on: Date,
        legal_act: &'l4 str,
    ) -> crate::BoxFut<'fut, Result<Vec<i64>>> {
        Box::pin(async move {
            let mut tx = self.begin().await?;
            let h = self.piece_for(&mut tx, op).await?;
            let plan = h.plan(op, on, legal_act)?;
            let on_text = date_text(on);
            let row = crate::db::query("INSERT INTO lineage_events (kind, effective_on, legal_act) VALUES ($1, $2, $3) RETURNING id")
                .bind(plan.kind.code())
                .bind(&on_text)
                .bind(&plan.legal_act)
                .fetch_one(&mut *tx)
                .await?;
            let event_id = row.i64("id")?;
            let mut new_ids = Vec::new();
            for n in &plan.new_units {
                let province_code = match n.parent {
                    Some(p) => crate::db::query("SELECT province_code FROM units WHERE id = $1")
                        .bind(p.0)
                        .fetch_one(&mut *tx)
                        .await?
                        .text("province_code")?,
                    None => n.code.to_string(),
                };
                let r = crate::db::query(
                    "INSERT INTO units (code, name, name_folded, kind, unit_type, province_code, valid_from, valid_to) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id",
                )
                .bind(n.code.as_str())
                .bind(n.name.as_str())
                .bind(n.name.folded())
                .bind(n.unit_type.kind().code())
                .bind(n.unit_type.as_str())
                .bind(province_code)
                .bind(&on_text)
                .bind(date_text(hoctap_domain::date::OPEN_END))
                .fetch_one(&mut *tx)
                .await?;
                let id = r.i64("id")?;
                if let Some(p) = n.parent {
                    insert_edge(&mut tx, id, p.0, &on_text).await?;
                }
                new_ids.push(id);
            }
            let resolve = |r: UnitRef| -> Result<i64> {
                match r {
                    UnitRef::Existing(id) => Ok(id.0),
                    UnitRef::New(i) => new_ids.get(i).copied().ok_or(StoreError::Corrupt("kế hoạch sắp xếp".into())),
                }
            };
            for id in &plan.close_units {
                crate::db::query("UPDATE units SET valid_to = $1 WHERE id = $2").bind(&on_text).bind(id.0).execute(&mut *tx).await?;
                end_edges(&mut tx, id.0, &on_text).await?;
            }
            let mut touched: Vec<i64> = new_ids.clone();
            for (child, to) in &plan.move_children {
                end_edges(&mut tx, child.0, &on_text).await?;
                insert_edge(&mut tx, child.0, resolve(*to)?, &on_text).await?;
                touched.push(child.0);
            }
            for (pred, succ) in &plan.links {
                crate::db::query("INSERT INTO lineage_links (event_id, predecessor_id, successor_id) VALUES ($1, $2, $3)")
                    .bind(event_id)
                    .bind(pred.0)
                    .bind(resolve(*succ)?)
                    .execute(&mut *tx)
                    .await?;
            }
            for (closed, succ) in &plan.successor_of {
                crate::registry::follow_successor(&mut tx, closed.0, resolve(*succ)?).await?;
                crate::db::query("UPDATE users SET unit_id = $1, updated_at = $2 WHERE unit_id = $3")
                    .bind(resolve(*succ)?)
                    .bind(crate::now_text())
                    .bind(closed.0)
                    .execute(&mut *tx)
                    .await?;
            }
            touched.extend(plan.close_units.iter().map(|u| u.0));
            rebuild_closure(&mut tx, &touched).await?;
            let describe = |id: UnitId| h.unit(id).map(|u| format!("{} {}", u.code, u.name)).unwrap_or_default();
            record(
                &mut tx,
                actor,
                AuditEntry {
                    unit_id: new_ids.first().copied().or_else(|| plan.links.first().and_then(|(_, s)| resolve(*s).ok())),
                    action: "unit.reorganise",
                    entity: "lineage_event",
                    entity_id: event_id.to_string(),
                    before: Some(serde_json::json!({"closed": plan.close_units.iter().map(|u| describe(*u)).collect::<Vec<_>>()})),
                    after: Some(serde_json::json!({
                        "kind": plan.kind.code(),
                        "effective_on": on,
                        "legal_act": plan.legal_act,
                        "new_units": plan.new_units.iter().map(|n| format!("{} {}", n.code, n.name)).collect::<Vec<_>>(),
                        "moved_children": plan.move_children.len(),
                    })),
                },
            )
            .await?;
            // Numbers of the closed units now count in their successors on today's tree.
            crate::stats::rebuild_rebase(&mut tx, crate::today()).await?;
            tx.commit().await?;
            Ok(new_ids)
        })
    }
}

pub(crate) async fn insert_edge(conn: &mut Conn, child: i64, parent: i64, from: &str) -> Result<()> {
    crate::db::query("INSERT INTO unit_parents (child_id, parent_id, valid_from, valid_to) VALUES ($1, $2, $3, $4)")
        .bind(child)
        .bind(parent)
        .bind(from)
        .bind(date_text(hoctap_domain::date::OPEN_END))
        .execute(&mut *conn)
        .await?;
    Ok(())
}

/// Ends a unit's parent edge(s) on a date, as [`Hierarchy::apply`] does in memory.
pub(crate) async fn end_edges(conn: &mut Conn, child: i64, on: &str) -> Result<()> {
    crate::db::query("DELETE FROM unit_parents WHERE child_id = $1 AND valid_from >= $2").bind(child).bind(on).execute(&mut *conn).await?;
    crate::db::query("UPDATE unit_parents SET valid_to = $1 WHERE child_id = $2 AND valid_from < $1 AND valid_to > $1")
        .bind(on)
        .bind(child)
        .execute(&mut *conn)
        .await?;
    Ok(())
}
