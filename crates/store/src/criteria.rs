//! Criteria sets in the database: the shipped sets are loaded once, a provincial association
//! can add its own, an administrator can correct an unverified item. Every change is a new
//! version; the older one stays readable, and results keep the version they used.

use crate::audit::{AuditEntry, record};
use crate::{Actor, Result, Store, StoreError, date_text, now_text};
use hoctap_domain::criteria::{CriteriaSet, shipped_sets};
use hoctap_domain::date::OPEN_END;
use serde::Serialize;
use sha2::{Digest, Sha256};
use std::collections::HashMap;
use std::sync::{Arc, LazyLock, Mutex};

/// Parsed sets by the SHA-256 of their stored text (`parsed_criteria_set`).
static PARSED_SETS: LazyLock<Mutex<HashMap<String, Arc<CriteriaSet>>>> = LazyLock::new(Default::default);

/// Versions kept parsed at most (a deployment has a few dozen).
const MAX_PARSED_SETS: usize = 512;

/// A stored version of a set, with where it came from.
#[derive(Debug, Clone, Serialize)]
pub struct StoredCriteriaSet {
    pub set: CriteriaSet,
    pub source: String,
    pub active: bool,
    pub loaded_at: String,
    pub loaded_by: String,
}

/// What saving a set did.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum SaveOutcome {
    Created,
    Unchanged,
}

fn sha(s: &str) -> String {
    hex::encode(Sha256::digest(s.as_bytes()))
}

impl Store {
    /// Loads the sets shipped in `data/criteria/` that are not stored yet.
    #[inline(never)]
    pub fn load_shipped_criteria<'fut, 'l1: 'fut, 'l2: 'fut>(&'l1 self, actor: &'l2 Actor) -> crate::BoxFut<'fut, Result<usize>> {
        Box::pin(async move {
            let sets = shipped_sets().map_err(|e| StoreError::Corrupt(e.to_string()))?;
            let mut created = 0;
            for set in &sets {
                if self.save_criteria_set(actor, set, "shipped").await? == SaveOutcome::Created {
                    created += 1;
                }
            }
            Ok(created)
        })
    }

    /// Validates and stores a set. The same id and version with other content is refused
    /// (a change needs a new version); a new version becomes the active one.
    #[inline(never)]
    pub fn save_criteria_set<'fut, 'l1: 'fut, 'l2: 'fut, 'l3: 'fut, 'l4: 'fut>(
        &'l1 self,
        actor: &'l2 Actor,
        set: &'l3 CriteriaSet,
        source: &'l4 str,
    ) -> crate::BoxFut<'fut, Result<SaveOutcome>> {
        Box::pin(async move {
            if let Err(errors) = set.validate() {
                let first = errors.0.first().map(|e| (e.path.clone(), e.reason.clone())).unwrap_or_default();
                return Err(StoreError::Invalid { field: first.0, message: errors.to_string() });
            }
            let body = set.to_toml().map_err(|e| StoreError::invalid("body", e))?;
            let hash = sha(&body);
            let mut tx = self.begin().await?;
            let existing = crate::db::query("SELECT body_sha256 FROM criteria_sets WHERE set_id = $1 AND version = $2")
                .bind(&set.id)
                .bind(&set.version)
                .fetch_optional(&mut *tx)
                .await?;
            if let Some(row) = existing {
                let old: String = row.try_get("body_sha256")?;
                if old == hash {
                    return Ok(SaveOutcome::Unchanged);
                }
                return Err(StoreError::conflict(
                    "version",
                    format!("bộ tiêu chí \"{}\" phiên bản {} đã có với nội dung khác; hãy đặt phiên bản mới", set.id, set.version),
                ));
            }
            crate::db::query("UPDATE criteria_sets SET active = 0 WHERE set_id = $1").bind(&set.id).execute(&mut *tx).await?;
            let effective_to = set.legal_basis.effective_to.and_then(|d| d.tomorrow().ok()).unwrap_or(OPEN_END);
            let row = crate::db::query(
            "INSERT INTO criteria_sets (set_id, version, title, subject, method, effective_from, effective_to, source, body, body_sha256, active, loaded_at, loaded_by) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, 1, $11, $12) RETURNING id",
        )
        .bind(&set.id)
        .bind(&set.version)
        .bind(&set.title)
        .bind(set.subject.code())
        .bind(set.method.code())
        .bind(date_text(set.legal_basis.effective_from))
        .bind(date_text(effective_to))
        .bind(source)
        .bind(&body)
        .bind(&hash)
        .bind(now_text())
        .bind(&actor.username)
        .fetch_one(&mut *tx)
        .await?;
            let id = row.i64("id")?;
            record(
                &mut tx,
                actor,
                AuditEntry {
                    unit_id: actor.unit_id,
                    action: "criteria_set.save",
                    entity: "criteria_set",
                    entity_id: id.to_string(),
                    before: None,
                    after: Some(serde_json::json!({"set_id": set.id, "version": set.version, "source": source, "sha256": hash})),
                },
            )
            .await?;
            tx.commit().await?;
            Ok(SaveOutcome::Created)
        })
    }

    async fn criteria_rows(&self, sql: &'static str, args: &[&str]) -> Result<Vec<StoredCriteriaSet>> {
        let mut q = crate::db::query(sql);
        for a in args {
            q = q.bind(*a);
        }
        let rows = q.fetch_all(self.pool()).await?;
        let mut out = Vec::with_capacity(rows.len());
        for r in &rows {
            let hash: String = r.try_get("body_sha256")?;
            out.push(StoredCriteriaSet {
                set: self.parsed_criteria_set(&hash).await?,
                source: r.try_get("source")?,
                active: r.i64("active")? != 0,
                loaded_at: r.try_get("loaded_at")?,
                loaded_by: r.try_get("loaded_by")?,
            });
        }
        Ok(out)
    }

    /// The set whose stored text has this SHA-256, parsed once per process: a version's text
    /// never changes (a change is a new version), and the hash names the text itself, so a
    /// parsed set is the same whichever database or server reads it. The text is read and
    /// checked against its hash only the first time.
    async fn parsed_criteria_set(&self, hash: &str) -> Result<CriteriaSet> {
        if let Some(set) = PARSED_SETS.lock().ok().and_then(|m| m.get(hash).cloned()) {
            return Ok((*set).clone());
        }
        let row = crate::db::query("SELECT body FROM criteria_sets WHERE body_sha256 = $1 LIMIT 1")
            .bind(hash)
            .fetch_optional(self.pool())
            .await?
            .ok_or(StoreError::NotFound("bộ tiêu chí"))?;
        let body: String = row.try_get("body")?;
        let set = CriteriaSet::parse_toml(&body).map_err(|e| StoreError::Corrupt(e.to_string()))?;
        // A text edited by hand without its hash is parsed on every read, never kept.
        if sha(&body) == hash
            && let Ok(mut m) = PARSED_SETS.lock()
        {
            if m.len() >= MAX_PARSED_SETS {
                m.clear();
            }
            m.insert(hash.to_string(), Arc::new(set.clone()));
        }
        Ok(set)
    }

    /// The active version of every set, by subject then date.
    #[inline(never)]
    pub fn criteria_sets<'fut, 'l1: 'fut>(&'l1 self) -> crate::BoxFut<'fut, Result<Vec<StoredCriteriaSet>>> {
        Box::pin(async move {
            self.criteria_rows(
            "SELECT body_sha256, source, active, loaded_at, loaded_by FROM criteria_sets WHERE active = 1 ORDER BY subject, effective_from, set_id",
            &[],
        )
        .await
        })
    }

    /// One set: the active version, or the version asked for.
    #[inline(never)]
    pub fn criteria_set<'fut, 'l1: 'fut, 'l2: 'fut, 'l3: 'fut>(
        &'l1 self,
        set_id: &'l2 str,
        version: Option<&'l3 str>,
    ) -> crate::BoxFut<'fut, Result<StoredCriteriaSet>> {
        Box::pin(async move {
            let rows = match version {
                Some(v) => {
                    self.criteria_rows(
                        "SELECT body_sha256, source, active, loaded_at, loaded_by FROM criteria_sets WHERE set_id = $1 AND version = $2",
                        &[set_id, v],
                    )
                    .await?
                }
                None => {
                    self.criteria_rows(
                        "SELECT body_sha256, source, active, loaded_at, loaded_by FROM criteria_sets WHERE set_id = $1 AND active = 1",
                        &[set_id],
                    )
                    .await?
                }
            };
            rows.into_iter().next().ok_or(StoreError::NotFound("bộ tiêu chí"))
        })
    }

    /// Every stored version of a set, newest first.
    #[inline(never)]
    pub fn criteria_versions<'fut, 'l1: 'fut, 'l2: 'fut>(
        &'l1 self,
        set_id: &'l2 str,
    ) -> crate::BoxFut<'fut, Result<Vec<StoredCriteriaSet>>> {
        Box::pin(async move {
            self.criteria_rows(
                "SELECT body_sha256, source, active, loaded_at, loaded_by FROM criteria_sets WHERE set_id = $1 ORDER BY id DESC",
                &[set_id],
            )
            .await
        })
    }
}
