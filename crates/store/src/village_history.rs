//! A village that existed before a reorganisation of its commune (thôn có từ trước khi sắp xếp
//! đơn vị hành chính): under the commune of then from the day it was set up, under the commune
//! that took it from the day the reorganisation took effect. Used where a village's past must be
//! recorded after the units' history was loaded (the demo's past years, a commune entering its
//! villages with their history), so figures of the years before count in the commune of then.

use crate::audit::{AuditEntry, record};
use crate::units::UnitRow;
use crate::{Actor, Result, Store, StoreError, date_text};
use hoctap_domain::date::format_vn;
use jiff::civil::Date;

impl Store {
    /// Adds a village under `then` (a commune valid on `from`) that moved to `now` (a commune
    /// valid on `moved_on`) on `moved_on`, in one transaction: the village, both parent edges,
    /// its closure rows and an audit entry for each step.
    #[expect(clippy::too_many_arguments, reason = "the two communes and their dates, and the village's name and type")]
    #[inline(never)]
    pub fn create_village_moved<'fut, 'l1: 'fut, 'l2: 'fut, 'l3: 'fut, 'l4: 'fut>(
        &'l1 self,
        actor: &'l2 Actor,
        then: i64,
        now: i64,
        from: Date,
        moved_on: Date,
        name: &'l3 str,
        unit_type: &'l4 str,
    ) -> crate::BoxFut<'fut, Result<UnitRow>> {
        Box::pin(async move {
            if moved_on <= from {
                return Err(StoreError::invalid("valid_from", format!("ngày thành lập thôn phải trước ngày {}", format_vn(moved_on))));
            }
            let then_row = self.unit(then).await?;
            let now_row = self.unit(now).await?;
            if !now_row.valid_on(moved_on) || now_row.kind != hoctap_domain::unit::UnitKind::Commune {
                return Err(StoreError::invalid(
                    "commune",
                    format!("{} không còn hiệu lực vào ngày {}", now_row.name, format_vn(moved_on)),
                ));
            }
            let first_err = |mut errs: Vec<(String, String)>| {
                let (field, message) = errs.remove(0);
                StoreError::Invalid { field, message }
            };
            let checked = self.check_village(&then_row, name, unit_type, from).await.map_err(first_err)?;
            // The name must be free in the commune it moves to as well.
            self.check_village(&now_row, name, unit_type, moved_on).await.map_err(first_err)?;
            let mut tx = self.begin().await?;
            let id = crate::villages::insert_village(&mut tx, actor, &checked, from).await?;
            let on = date_text(moved_on);
            crate::reorg::end_edges(&mut tx, id, &on).await?;
            crate::reorg::insert_edge(&mut tx, id, now, &on).await?;
            crate::closure::rebuild_closure(&mut tx, &[id]).await?;
            record(
                &mut tx,
                actor,
                AuditEntry {
                    unit_id: Some(id),
                    action: "village.update",
                    entity: "unit",
                    entity_id: id.to_string(),
                    before: Some(serde_json::json!({"commune": then_row.code, "commune_name": then_row.name})),
                    after: Some(serde_json::json!({"commune": now_row.code, "commune_name": now_row.name, "valid_from": moved_on})),
                },
            )
            .await?;
            tx.commit().await?;
            self.unit(id).await
        })
    }
}
