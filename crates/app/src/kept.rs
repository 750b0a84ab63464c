//! Values computed from many reads, kept per read generation (the store's exact cache): the
//! generation is read before anything else, so a value is kept under a generation it was read
//! after, and any committed change to what the generation watches (the tree, counters, plans,
//! campaigns, dossiers; `hoctap_store::read_cache`) makes the next call compute it again.

use std::future::Future;
use std::sync::Arc;

use hoctap_store::Store;

use crate::error::AppResult;

/// The value kept under `key` at the current generation, or `compute`'s, then kept
/// (`Store::kept_at`). The key must name everything besides the database the value depends on
/// (the user's scope, today).
pub async fn kept<T: Send + Sync + 'static>(store: &Store, key: String, compute: impl Future<Output = AppResult<T>>) -> AppResult<Arc<T>> {
    store.kept_at(store.read_generation().await?, key, compute).await
}
