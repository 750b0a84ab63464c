//! Counts the pages show, summed in SQL instead of loading every row they count.

use jiff::civil::Date;

use crate::{Result, Store, date_text};

impl Store {
    /// Every target of a plan (all indicators, units and years), by indicator, year and unit.
    #[inline(never)]
    pub fn plan_targets_all<'fut, 'l1: 'fut>(&'l1 self, plan_id: i64) -> crate::BoxFut<'fut, Result<Vec<crate::TargetRow>>> {
        Box::pin(async move {
            let sql = format!(
                "SELECT {} FROM plan_targets t JOIN plans p ON p.id = t.plan_id WHERE t.plan_id = $1 ORDER BY t.indicator, t.year, t.unit_id",
                crate::plans::TARGET_COLS
            );
            crate::db::query(sqlx::AssertSqlSafe(sql))
                .bind(plan_id)
                .fetch_all(&self.read_pool().await)
                .await?
                .iter()
                .map(crate::plans::target_from)
                .collect()
        })
    }

    /// A campaign's dossiers within a scope, counted by state (`workflow::State::code`) and by
    /// the child of `parent` (the campaign's unit) they lie under as at `on`: (child or, when
    /// the dossier's unit is under none of them, the dossier's own unit, state, count).
    #[inline(never)]
    pub fn campaign_progress<'fut, 'l1: 'fut>(
        &'l1 self,
        campaign_id: i64,
        parent: i64,
        scope: Option<i64>,
        on: Date,
    ) -> crate::BoxFut<'fut, Result<Vec<(i64, String, i64)>>> {
        Box::pin(async move {
            // Grouped by unit first (a few villages), then each unit's child looked up once.
            let rows = crate::db::query(
                "SELECT COALESCE((SELECT x.ancestor_id FROM unit_closure x JOIN unit_parents p ON p.child_id = x.ancestor_id \
               JOIN units u ON u.id = p.child_id \
               WHERE x.descendant_id = g.unit_id AND x.valid_from <= $3 AND x.valid_to > $3 AND p.parent_id = $4 \
               AND p.valid_from <= $3 AND p.valid_to > $3 AND u.valid_from <= $3 AND u.valid_to > $3 LIMIT 1), g.unit_id) AS child, \
             g.state, g.n FROM (SELECT a.unit_id, a.state, COUNT(*) AS n FROM assessments a WHERE a.campaign_id = $1 \
               AND ($2 IS NULL OR EXISTS (SELECT 1 FROM unit_closure x WHERE x.ancestor_id = $2 AND x.descendant_id = a.unit_id \
               AND x.valid_from <= $3 AND x.valid_to > $3)) GROUP BY a.unit_id, a.state) g",
            )
            .bind(campaign_id)
            .bind(scope)
            .bind(date_text(on))
            .bind(parent)
            .fetch_all(&self.read_pool().await)
            .await?;
            rows.iter().map(|r| Ok((r.i64("child")?, r.try_get("state")?, r.i64("n")?))).collect()
        })
    }
}
