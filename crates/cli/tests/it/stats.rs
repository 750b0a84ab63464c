//! Statistics counters of bulk writes (the generator, a file import) on both engines; the
//! counters' other tests need only the store (`crates/store/tests/it/stats.rs`).

use crate::engines::per_engine;
use crate::harness::fresh_store;
use hoctap_domain::registry::def::{self, Value};
use hoctap_store::{Actor, Basis, Engine};

fn actor() -> Actor {
    Actor::system("kiểm thử số liệu")
}

per_engine!(generated_and_imported_records_are_counted_in_their_transaction);
/// Bulk writes (the generator, a file import with creates and updates) keep the counters
/// exact too, and a recount finds nothing to fix.
async fn generated_and_imported_records_are_counted_in_their_transaction(engine: Engine) {
    use hoctap_commands::commands::r#gen::{Options, Scale, generate};
    use hoctap_store::ImportRow;
    use std::borrow::Cow;
    let store = fresh_store(engine).await;
    let summary = generate(&store, &Options::new(Scale::Commune, 7)).await.unwrap();
    let commune =
        store.children(store.unit_by_code("20", hoctap_store::today()).await.unwrap().id, hoctap_store::today()).await.unwrap()[0].id;
    let year = hoctap_store::today().year();
    let v = store
        .metric_values(Some(commune), year, &["households", "citizens", "association_members"], Basis::Rebased(hoctap_store::today()))
        .await
        .unwrap();
    assert_eq!(v["households"] as u64, summary.rows_of(def::RegistryKind::Households), "{engine:?}");
    assert_eq!(v["citizens"] as u64, summary.rows_of(def::RegistryKind::Citizens), "{engine:?}");
    let report = store.recount(false).await.unwrap();
    assert!(report.drift.is_empty(), "{engine:?}: {:?}", report.drift.iter().take(5).collect::<Vec<_>>());

    // An import: one new household, and an existing citizen moved to group N3.
    let village = store.villages(commune, hoctap_store::today()).await.unwrap()[0].code.clone();
    let row = |line: usize, cells: &[(&'static str, String)]| ImportRow {
        line,
        cells: cells.iter().map(|(k, v)| (Cow::Borrowed(*k), v.clone())).collect(),
        kinds: Vec::new(),
    };
    store
        .registry_import(
            &actor(),
            &def::HOUSEHOLDS,
            &[row(2, &[("code", "HG-NHAP-1".into()), ("head_name", "Lò Văn Nhập".into()), ("village", village.clone())])],
            None,
            hoctap_store::today(),
            false,
        )
        .await
        .unwrap();
    let cccd = summary.first_cccd.clone().unwrap();
    let before = store
        .metric_values(Some(commune), year, &["citizens_n3"], Basis::Rebased(hoctap_store::today()))
        .await
        .unwrap()
        .get("citizens_n3")
        .copied()
        .unwrap_or(0);
    let existing = store
        .registry_list(
            &def::CITIZENS,
            &hoctap_store::RegistryQuery { search: Some(cccd.clone()), limit: 1, ..Default::default() },
            hoctap_store::today(),
        )
        .await
        .unwrap();
    let was_n3 = matches!(existing[0].values.get("occupation_group"), Some(Value::Text(g)) if g == "N3");
    let r = store
        .registry_import(
            &actor(),
            &def::CITIZENS,
            &[row(2, &[("cccd", cccd), ("occupation_group", "N3".into())])],
            None,
            hoctap_store::today(),
            false,
        )
        .await
        .unwrap();
    assert_eq!(r.rejected, 0, "{engine:?}: {r:?}");
    let after =
        store.metric_values(Some(commune), year, &["citizens_n3", "households"], Basis::Rebased(hoctap_store::today())).await.unwrap();
    assert_eq!(after["citizens_n3"], before + i64::from(!was_n3), "{engine:?}");
    assert_eq!(after["households"], v["households"] + 1, "{engine:?}");
    let report = store.recount(false).await.unwrap();
    assert!(report.drift.is_empty(), "{engine:?}: {:?}", report.drift);
}
