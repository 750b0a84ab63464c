//! The append-only audit log (nhật ký): who, when, unit, action, before/after. Every write of
//! the store records its entry in the same transaction as the change.

use crate::db::Conn;
use crate::{Actor, Result, Store, now_text};
use serde::Serialize;

/// One entry to record.
pub struct AuditEntry<'a> {
    /// The unit whose data changed (scopes who may read the entry).
    pub unit_id: Option<i64>,
    /// A dotted verb such as `village.create`.
    pub action: &'a str,
    pub entity: &'a str,
    pub entity_id: String,
    pub before: Option<serde_json::Value>,
    pub after: Option<serde_json::Value>,
}

/// A stored entry.
#[derive(Debug, Clone, Serialize)]
pub struct AuditRecord {
    pub id: i64,
    pub at: String,
    pub user_id: Option<i64>,
    pub username: String,
    pub unit_id: Option<i64>,
    pub unit_name: Option<String>,
    pub action: String,
    pub entity: String,
    pub entity_id: String,
    pub before: Option<serde_json::Value>,
    pub after: Option<serde_json::Value>,
}

/// Filters for reading the log; `scope` limits to the subtree of a unit as at `on`.
#[derive(Debug, Clone, Default)]
pub struct AuditFilter {
    pub scope: Option<i64>,
    pub unit_id: Option<i64>,
    pub username: Option<String>,
    pub action: Option<String>,
    /// Inclusive ISO dates (local day bounds converted by the caller to UTC instants).
    pub from: Option<String>,
    pub to: Option<String>,
    /// Keyset pagination: entries with id below this.
    pub before_id: Option<i64>,
    pub limit: i64,
}

pub(crate) async fn record(conn: &mut Conn, actor: &Actor, e: AuditEntry<'_>) -> Result<()> {
    let json = |v: Option<serde_json::Value>| v.map(|v| v.to_string()).unwrap_or_default();
    crate::db::query(
        "INSERT INTO audit_log (at, user_id, username, unit_id, province_code, action, entity, entity_id, before_json, after_json) \
         VALUES ($1, $2, $3, $4, COALESCE((SELECT province_code FROM units WHERE id = $4), ''), $5, $6, $7, $8, $9)",
    )
    .bind(now_text())
    .bind(actor.user_id)
    .bind(&actor.username)
    .bind(e.unit_id)
    .bind(e.action)
    .bind(e.entity)
    .bind(e.entity_id)
    .bind(json(e.before))
    .bind(json(e.after))
    .execute(&mut *conn)
    .await?;
    Ok(())
}

impl Store {
    /// Reads the log, newest first.
    #[inline(never)]
    pub fn audit<'fut, 'l1: 'fut, 'l2: 'fut>(
        &'l1 self,
        f: &'l2 AuditFilter,
        on: jiff::civil::Date,
    ) -> crate::BoxFut<'fut, Result<Vec<AuditRecord>>> {
        Box::pin(async move {
            let rows = crate::db::query(
            "SELECT a.id, a.at, a.user_id, a.username, a.unit_id, u.name AS unit_name, a.action, a.entity, a.entity_id, a.before_json, a.after_json \
             FROM audit_log a LEFT JOIN units u ON u.id = a.unit_id \
             WHERE ($1 IS NULL OR EXISTS (SELECT 1 FROM unit_closure c WHERE c.ancestor_id = $1 AND c.descendant_id = a.unit_id AND c.valid_from <= $2 AND c.valid_to > $2)) \
               AND ($3 IS NULL OR a.unit_id = $3) \
               AND ($4 IS NULL OR a.username = $4) \
               AND ($5 IS NULL OR a.action LIKE $5) \
               AND ($6 IS NULL OR a.at >= $6) \
               AND ($7 IS NULL OR a.at < $7) \
               AND ($8 IS NULL OR a.id < $8) \
             ORDER BY a.id DESC LIMIT $9",
        )
        .bind(f.scope)
        .bind(crate::date_text(on))
        .bind(f.unit_id)
        .bind(f.username.as_deref())
        .bind(f.action.as_ref().map(|a| format!("{a}%")))
        .bind(f.from.as_deref())
        .bind(f.to.as_deref())
        .bind(f.before_id)
        .bind(f.limit.clamp(1, 500))
        .fetch_all(self.pool())
        .await?;
            rows.iter()
                .map(|r| {
                    let json = |c: &str| -> Result<Option<serde_json::Value>> {
                        let s: String = r.try_get(c)?;
                        Ok(if s.is_empty() { None } else { serde_json::from_str(&s).ok() })
                    };
                    Ok(AuditRecord {
                        id: r.i64("id")?,
                        at: r.try_get("at")?,
                        user_id: r.opt_i64("user_id")?,
                        username: r.try_get("username")?,
                        unit_id: r.opt_i64("unit_id")?,
                        unit_name: r.try_get("unit_name")?,
                        action: r.try_get("action")?,
                        entity: r.try_get("entity")?,
                        entity_id: r.try_get("entity_id")?,
                        before: json("before_json")?,
                        after: json("after_json")?,
                    })
                })
                .collect()
        })
    }

    /// Number of entries (tests and the admin page).
    #[inline(never)]
    pub fn audit_count<'fut, 'l1: 'fut>(&'l1 self) -> crate::BoxFut<'fut, Result<i64>> {
        Box::pin(async move {
            let row = crate::db::query("SELECT COUNT(*) AS n FROM audit_log").fetch_one(self.pool()).await?;
            row.i64("n")
        })
    }
}
