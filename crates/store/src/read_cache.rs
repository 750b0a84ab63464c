//! An exact cache for what pages compute from many reads (a dashboard's figures): every value
//! is kept under the read generation it was computed at, and served only while the database's
//! generation is still that number. Triggers raise the generation in every transaction that
//! changes a watched table (migration 0025), so nothing that changed is ever served from here,
//! whichever server or command wrote it. A reader takes the generation before it reads.

use std::any::Any;
use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use crate::{Result, Store};

/// At most this many values per generation (keys are a page and its parameters).
const MAX_ENTRIES: usize = 4096;

type Value = Arc<dyn Any + Send + Sync>;

/// The values of one generation.
#[derive(Default)]
pub(crate) struct ReadCache {
    inner: Mutex<(i64, HashMap<String, Value>)>,
}

/// The read generation is the sum of its rows (on PostgreSQL, migration 0025 spreads the raises over 16).
const READ_GENERATION_SQL: &str = "SELECT CAST(SUM(n) AS BIGINT) AS n FROM read_generation";

impl Store {
    /// The read generation: raised by every committed change to the unit tree, lineage and
    /// re-basing, counters, reported values, plans and targets, campaigns, dossiers and their
    /// transitions (migration 0089).
    #[inline(never)]
    pub fn read_generation<'fut, 'l1: 'fut>(&'l1 self) -> crate::BoxFut<'fut, Result<i64>> {
        Box::pin(async move {
            // Once per request (`read_scope`), until the request writes.
            if let Some(g) = crate::replica::request_generation() {
                return Ok(g);
            }
            let row = crate::db::query(READ_GENERATION_SQL).fetch_one(&self.read_pool().await).await?;
            let g = row.i64("n")?;
            crate::replica::keep_request_generation(g);
            Ok(g)
        })
    }

    /// The read generation, read on a connection already held (a request's reads in one place).
    pub(crate) async fn read_generation_on(&self, conn: &mut crate::db::Conn) -> Result<i64> {
        let row = crate::db::query(READ_GENERATION_SQL).fetch_one(&mut *conn).await?;
        row.i64("n")
    }

    /// The value cached under `key` at this generation, if any.
    pub fn cached<T: Any + Send + Sync>(&self, generation: i64, key: &str) -> Option<Arc<T>> {
        let guard = self.read_cache.inner.lock().ok()?;
        if guard.0 != generation {
            return None;
        }
        guard.1.get(key).cloned().and_then(|v| v.downcast::<T>().ok())
    }

    /// Keeps a value computed from reads made after the generation was read. A newer
    /// generation drops every older value; a value of an older generation is not kept.
    pub fn cache<T: Any + Send + Sync>(&self, generation: i64, key: String, value: Arc<T>) {
        let Ok(mut guard) = self.read_cache.inner.lock() else { return };
        if generation < guard.0 {
            return;
        }
        if generation > guard.0 || guard.1.len() >= MAX_ENTRIES {
            guard.1.clear();
            guard.0 = generation;
        }
        guard.1.insert(key, value);
    }

    /// The value kept under `key` at `generation`, or `compute`'s, then kept. The caller read
    /// `generation` before `compute` reads anything, and the key names everything besides the
    /// database the value depends on (the user's scope, today). The one form of "read the
    /// generation, look, compute, keep": the application's `kept` and the store's own kept
    /// values both go through it.
    pub async fn kept_at<T: Any + Send + Sync, E>(
        &self,
        generation: i64,
        key: String,
        compute: impl std::future::Future<Output = std::result::Result<T, E>>,
    ) -> std::result::Result<Arc<T>, E> {
        if let Some(v) = self.cached::<T>(generation, &key) {
            return Ok(v);
        }
        let v = Arc::new(compute.await?);
        self.cache(generation, key, v.clone());
        Ok(v)
    }
}

impl std::fmt::Debug for ReadCache {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let n = self.inner.lock().map(|g| g.1.len()).unwrap_or(0);
        f.debug_struct("ReadCache").field("values", &n).finish()
    }
}
