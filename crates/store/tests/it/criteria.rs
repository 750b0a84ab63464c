//! Criteria sets in the store: the shipped sets are stored once, a changed set needs a new version.

use crate::engines::per_engine;
use crate::harness::fresh_store;
use hoctap_store::{Actor, Engine, SaveOutcome};

per_engine!(shipped_sets_are_stored_once_and_a_changed_set_needs_a_new_version);
async fn shipped_sets_are_stored_once_and_a_changed_set_needs_a_new_version(engine: Engine) {
    let store = fresh_store(engine).await;
    let actor = Actor::system("test");
    assert_eq!(store.load_shipped_criteria(&actor).await.unwrap(), 0, "{engine:?}: the demo seed loaded them");
    let sets = store.criteria_sets().await.unwrap();
    assert!(sets.len() >= 11);
    let mut set = store.criteria_set("cdht-congdan", None).await.unwrap().set;
    assert_eq!(store.save_criteria_set(&actor, &set, "imported").await.unwrap(), SaveOutcome::Unchanged);
    set.title.push_str(" (sửa)");
    let clash = store.save_criteria_set(&actor, &set, "imported").await;
    assert!(matches!(clash, Err(hoctap_store::StoreError::Conflict { ref field, .. }) if field == "version"), "{clash:?}");
    set.version = "2026.1".into();
    assert_eq!(store.save_criteria_set(&actor, &set, "imported").await.unwrap(), SaveOutcome::Created);
    assert_eq!(store.criteria_set("cdht-congdan", None).await.unwrap().set.version, "2026.1");
    assert_eq!(store.criteria_versions("cdht-congdan").await.unwrap().len(), 2, "the old version stays readable");
}
