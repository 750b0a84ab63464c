//! A decision's annex (danh sách kèm theo) read a page at a time: a commune's decision
//! recognises thousands of households, and its page lists them by name in pages with the total
//! counted in SQL, instead of every recognition on every read (migration 0075 indexes them by
//! decision and name).

use crate::decisions::{RECOGNITION_COLS, recognition_from};
use crate::{RecognitionRow, Result, Store};

impl Store {
    /// The decision's recognitions by subject name then id, at most `limit`, after the
    /// recognition `after` in that order.
    #[inline(never)]
    pub fn recognitions_page<'fut, 'l1: 'fut>(
        &'l1 self,
        decision_id: i64,
        after: Option<i64>,
        limit: i64,
    ) -> crate::BoxFut<'fut, Result<Vec<RecognitionRow>>> {
        Box::pin(async move {
            let sql = match after {
                None => format!("SELECT {RECOGNITION_COLS} FROM recognitions WHERE decision_id = $1 ORDER BY subject_name, id LIMIT $2"),
                // A row value compares in the index's order (both engines), so the page is a seek.
                Some(_) => format!(
                    "SELECT {RECOGNITION_COLS} FROM recognitions WHERE decision_id = $1 \
                 AND (subject_name, id) > (SELECT a.subject_name, a.id FROM recognitions a WHERE a.id = $3) \
                 ORDER BY subject_name, id LIMIT $2"
                ),
            };
            let mut q = crate::db::query(sqlx::AssertSqlSafe(sql)).bind(decision_id).bind(limit.clamp(1, 10_000));
            if let Some(a) = after {
                q = q.bind(a);
            }
            let rows = q.fetch_all(&self.read_pool().await).await?;
            rows.iter().map(recognition_from).collect()
        })
    }

    /// How many recognitions the decision grants (revoked ones included, as its annex lists them).
    #[inline(never)]
    pub fn recognition_count<'fut, 'l1: 'fut>(&'l1 self, decision_id: i64) -> crate::BoxFut<'fut, Result<i64>> {
        Box::pin(async move {
            crate::db::query("SELECT COUNT(*) AS n FROM recognitions WHERE decision_id = $1")
                .bind(decision_id)
                .fetch_one(&self.read_pool().await)
                .await?
                .i64("n")
        })
    }
}
