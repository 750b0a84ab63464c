//! The units on both engines: the real admin data of both eras, lineage, search, reorganisations,
//! area attributes, and a schema equal on both engines.

use crate::engines::per_engine;
use crate::harness::fresh_store;
use hoctap_domain::hierarchy::{MergeTarget, NewUnit, Reorganisation, UnitId};
use hoctap_domain::unit::{UnitCode, UnitKind, UnitName, UnitType};
use hoctap_store::{Actor, Engine, Store};
use jiff::civil::date;

fn count(v: &[(UnitKind, i64)], k: UnitKind) -> i64 {
    v.iter().find(|(x, _)| *x == k).map(|(_, n)| *n).unwrap_or(-1)
}

per_engine!(tree_as_at_2024_has_districts_and_today_has_34_provinces);
async fn tree_as_at_2024_has_districts_and_today_has_34_provinces(engine: Engine) {
    let store = fresh_store(engine).await;
    let before = store.count_by_kind(date(2024, 12, 31)).await.unwrap();
    assert_eq!(count(&before, UnitKind::Province), 63, "{engine:?}");
    assert_eq!(count(&before, UnitKind::District), 705, "{engine:?}");
    // The 2023–2025 rounds ended some communes during 2024.
    let early = store.count_by_kind(date(2024, 1, 1)).await.unwrap();
    assert!(count(&before, UnitKind::Commune) > 10_400, "{engine:?}");
    assert!(count(&early, UnitKind::Commune) > count(&before, UnitKind::Commune) + 100, "{engine:?}");
    let after = store.count_by_kind(hoctap_store::today()).await.unwrap();
    assert_eq!(count(&after, UnitKind::Province), 34, "{engine:?}");
    assert_eq!(count(&after, UnitKind::District), 0, "{engine:?}");
    assert_eq!(count(&after, UnitKind::Commune), 3321, "{engine:?}");
    let gaps = store.admin_units_check(hoctap_store::today()).await.unwrap();
    assert!(!gaps.has_violations(), "{engine:?}: {:?} {:?}", gaps.orphans_today, gaps.duplicate_codes_today);
    assert_eq!(gaps.current_without_predecessor.len(), 5, "the five special zones");
}

per_engine!(reused_code_names_different_units_in_each_era_and_lineage_links_them);
async fn reused_code_names_different_units_in_each_era_and_lineage_links_them(engine: Engine) {
    let store = fresh_store(engine).await;
    let old = store.unit_by_code("00004", date(2024, 12, 31)).await.unwrap();
    let new = store.unit_by_code("00004", hoctap_store::today()).await.unwrap();
    assert_eq!(old.name, "Phường Trúc Bạch");
    assert_eq!(new.name, "Phường Ba Đình");
    assert_ne!(old.id, new.id);
    let succ = store.successors_on(old.id, hoctap_store::today()).await.unwrap();
    assert_eq!(succ.iter().map(|u| u.id).collect::<Vec<_>>(), vec![new.id], "{engine:?}");
    let preds = store.predecessors(new.id).await.unwrap();
    assert!(preds.iter().any(|p| p.id == old.id));
    assert!(preds.iter().all(|p| !p.valid_on(hoctap_store::today())));
    // A legacy district's successors are today's communes.
    let district = store.unit_by_code("001", date(2024, 12, 31)).await.unwrap();
    let ds = store.successors_on(district.id, hoctap_store::today()).await.unwrap();
    assert!(!ds.is_empty() && ds.iter().all(|u| u.kind == UnitKind::Commune));
    // Hà Giang (02) went into Tuyên Quang (08).
    let ha_giang = store.unit_by_code("02", date(2024, 12, 31)).await.unwrap();
    let s = store.successors_on(ha_giang.id, hoctap_store::today()).await.unwrap();
    assert_eq!(s.iter().map(|u| u.name.as_str()).collect::<Vec<_>>(), vec!["Tuyên Quang"], "{engine:?}");
    // Ancestors: a 2024 commune sits under a district, the 2025 one directly under the province.
    assert_eq!(store.ancestors(old.id, date(2024, 12, 31)).await.unwrap().len(), 2);
    assert_eq!(store.ancestors(new.id, hoctap_store::today()).await.unwrap().len(), 1);
}

per_engine!(search_ignores_diacritics_and_case);
async fn search_ignores_diacritics_and_case(engine: Engine) {
    let store = fresh_store(engine).await;
    let found = store.search_units("LANG son", hoctap_store::today(), None, 10).await.unwrap();
    assert_eq!(found.first().map(|(u, _)| u.name.as_str()), Some("Lạng Sơn"), "{engine:?}");
    let found = store.search_units("truc bach", date(2024, 12, 31), None, 10).await.unwrap();
    assert!(found.iter().any(|(u, path)| u.code == "00004" && path.len() == 2));
    assert!(store.search_units("truc bach", hoctap_store::today(), None, 10).await.unwrap().iter().all(|(u, _)| u.code != "00004"));
}

async fn two_communes(store: &Store) -> (i64, i64) {
    let province = store.unit_by_code("20", hoctap_store::today()).await.unwrap();
    let c = store.children(province.id, hoctap_store::today()).await.unwrap();
    (c[0].id, c[1].id)
}

per_engine!(merging_into_an_existing_commune_moves_villages_and_users_and_keeps_history);
async fn merging_into_an_existing_commune_moves_villages_and_users_and_keeps_history(engine: Engine) {
    let store = fresh_store(engine).await;
    let (demo, other) = two_communes(&store).await;
    let on = hoctap_store::today().tomorrow().unwrap();
    let audit_before = store.audit_count().await.unwrap();
    let op = Reorganisation::Merge { predecessors: vec![UnitId(demo)], into: MergeTarget::Existing(UnitId(other)) };
    let new_ids = store.reorganise(&Actor::system("test"), &op, on, "NQ 99/2026/UBTVQH15").await.unwrap();
    assert!(new_ids.is_empty());
    assert_eq!(store.villages(other, on).await.unwrap().len(), 4, "{engine:?}: villages follow the commune");
    assert_eq!(store.villages(demo, hoctap_store::today()).await.unwrap().len(), 4, "history before the date is intact");
    let user = store.user_by_username("xa.canbo").await.unwrap().unwrap();
    assert_eq!(user.unit_id, other, "users move to the successor");
    let succ = store.successors_on(demo, on).await.unwrap();
    assert_eq!(succ.iter().map(|u| u.id).collect::<Vec<_>>(), vec![other]);
    assert_eq!(store.audit_count().await.unwrap(), audit_before + 1);
    let village = store.villages(other, on).await.unwrap()[0].id;
    assert!(store.in_scope(other, village, on).await.unwrap(), "{engine:?}: closure follows the move");
}

per_engine!(merging_into_a_new_commune_refuses_a_code_in_use_and_writes_nothing);
async fn merging_into_a_new_commune_refuses_a_code_in_use_and_writes_nothing(engine: Engine) {
    let store = fresh_store(engine).await;
    let (a, b) = two_communes(&store).await;
    let province = store.unit_by_code("20", hoctap_store::today()).await.unwrap();
    let on = hoctap_store::today().tomorrow().unwrap();
    let taken = store.unit(a).await.unwrap().code;
    let mk = |code: &str| Reorganisation::Merge {
        predecessors: vec![UnitId(a), UnitId(b)],
        into: MergeTarget::New(NewUnit {
            code: UnitCode::parse(code).unwrap(),
            name: UnitName::parse("Xã Hợp Nhất").unwrap(),
            unit_type: UnitType::Xa,
            parent: Some(UnitId(province.id)),
        }),
    };
    let before = store.count_by_kind(on).await.unwrap();
    let audit_before = store.audit_count().await.unwrap();
    let refused = store.reorganise(&Actor::system("test"), &mk(&taken), on, "NQ").await;
    assert!(
        matches!(refused, Err(hoctap_store::StoreError::Reorg(hoctap_domain::hierarchy::ReorgError::CodeTaken(..)))),
        "{engine:?}: {refused:?}"
    );
    assert_eq!(store.count_by_kind(on).await.unwrap(), before, "nothing written");
    assert_eq!(store.audit_count().await.unwrap(), audit_before);
    store.reorganise(&Actor::system("test"), &mk("06999"), on, "NQ").await.unwrap();
    let after = store.count_by_kind(on).await.unwrap();
    assert_eq!(count(&after, UnitKind::Commune), count(&before, UnitKind::Commune) - 1);
    let merged = store.unit_by_code("06999", on).await.unwrap();
    assert_eq!(store.villages(merged.id, on).await.unwrap().len(), 4);
    // The merge takes effect tomorrow: as at that day both communes carry on into the new one
    // (today they are still valid, so they are not yet its predecessors).
    for old in [a, b] {
        assert_eq!(store.successors_on(old, on).await.unwrap().iter().map(|u| u.id).collect::<Vec<_>>(), vec![merged.id]);
    }
    assert!(store.lineage(merged.id).await.unwrap().iter().filter(|e| e.role == "successor").count() >= 2);
}

per_engine!(overlapping_attribute_periods_are_refused);
async fn overlapping_attribute_periods_are_refused(engine: Engine) {
    let store = fresh_store(engine).await;
    let (a, _) = two_communes(&store).await;
    let actor = Actor::system("test");
    let v = hoctap_domain::date::Validity::since(date(2026, 1, 1));
    store.set_attribute(&actor, a, hoctap_domain::area::AreaAttribute::DanTocThieuSo, v, "QĐ 1").await.unwrap();
    let again = store
        .set_attribute(
            &actor,
            a,
            hoctap_domain::area::AreaAttribute::DanTocThieuSo,
            hoctap_domain::date::Validity::since(date(2026, 6, 1)),
            "QĐ 2",
        )
        .await;
    assert!(matches!(again, Err(hoctap_store::StoreError::Conflict { ref field, .. }) if field == "valid_from"), "{engine:?}: {again:?}");
    assert_eq!(
        store.attributes(a).await.unwrap().iter().filter(|x| x.attribute == hoctap_domain::area::AreaAttribute::DanTocThieuSo).count(),
        1
    );
}

/// One test for both engines (it compares them), run as a PostgreSQL case: skipped without a server.
#[tokio::test]
async fn both_engines_have_the_same_schema() {
    crate::engines::case(Engine::Postgres, |_| async {
        let a = fresh_store(Engine::Sqlite).await.schema().await.unwrap();
        let b = fresh_store(Engine::Postgres).await.schema().await.unwrap();
        assert_eq!(a, b);
    })
    .await;
}

per_engine!(migrating_twice_is_harmless);
async fn migrating_twice_is_harmless(engine: Engine) {
    let store = fresh_store(engine).await;
    assert!(store.migrate().await.unwrap().is_empty());
    assert!(store.load_admin_units().await.unwrap().already_loaded);
}
