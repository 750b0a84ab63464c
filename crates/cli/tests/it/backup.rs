//! `hoctap backup` and `hoctap restore` on both engines: a seeded database with recognitions,
//! a movement and its counters is backed up, restored into an empty database, and the copy
//! has every table's rows and counters that a recount finds exact.

use crate::engines::per_engine;
use crate::harness::{deployment_key, empty_url, fresh_url};
use hoctap_commands::commands::backup::{backup, restore};
use hoctap_store::{Engine, Store};

per_engine!(a_backup_restored_into_an_empty_database_has_every_row_and_no_drift);
async fn a_backup_restored_into_an_empty_database_has_every_row_and_no_drift(engine: Engine) {
    let url = fresh_url(engine).await;
    let store = Store::connect(&url).await.unwrap();
    store.migrate().await.unwrap();
    let today = hoctap_store::today();
    let province = store.unit_by_code("20", today).await.unwrap().id;
    let commune = store.user_by_username("xa.canbo").await.unwrap().unwrap().unit_id;
    // Recognitions (with their counters and the commune's signing key), a movement, audit.
    hoctap_commands::commands::demo::seed_movement(&store, province, commune, &deployment_key()).await.unwrap();
    let source = store.table_counts().await.unwrap();
    assert!(source["recognitions"] > 0 && source["stat_deltas"] > 0 && source["signing_keys"] > 0, "{engine:?}: {source:?}");

    let file = std::env::temp_dir().join(format!("hoctap-backup-{}-{}.bak", std::process::id(), hoctap_app::secret::random_token(6)));
    let tables = backup(&url, &file).await.unwrap();
    assert_eq!(tables, source.len(), "{engine:?}");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        assert_eq!(std::fs::metadata(&file).unwrap().permissions().mode() & 0o777, 0o600, "{engine:?}: personal data, private file");
    }
    let again = backup(&url, &file).await.unwrap_err().to_string();
    assert!(again.contains("đã có"), "{engine:?}: a backup is never overwritten: {again}");

    let target = empty_url(engine).await;
    let rows = restore(&target, &file).await.unwrap();
    assert_eq!(rows, source.values().sum::<i64>(), "{engine:?}");
    let restored = Store::connect(&target).await.unwrap();
    assert_eq!(restored.table_counts().await.unwrap(), source, "{engine:?}: every table's count is equal");
    let recount = restored.recount(false).await.unwrap();
    assert!(recount.drift.is_empty(), "{engine:?}: {:?}", recount.drift);
    // The signing key came along and still opens with the deployment key (kept outside).
    assert!(restored.issuer_signing_key(commune, &deployment_key()).await.unwrap().is_some(), "{engine:?}");
    // A database that is not empty is never restored over.
    let refused = restore(&url, &file).await.unwrap_err().to_string();
    assert!(refused.contains("đã có"), "{engine:?}: {refused}");
    restored.close().await;
    store.close().await;
    let _ = std::fs::remove_file(&file);
}
