//! The generic registry in the store: a record's versions in `registry_history`.

use crate::engines::per_engine;
use hoctap_store::Engine;
use serde_json::json;

/// Enters a household in `village` with its head's name (and an address, when given).
async fn add_household(store: &hoctap_store::Store, code: &str, head: &str, village: &str, address: Option<&str>) {
    use hoctap_domain::registry::def::{HOUSEHOLDS, Value, Values};
    let mut values = Values::new();
    values.insert("code", Value::Text(code.into()));
    values.insert("head_name", Value::Text(head.into()));
    if let Some(a) = address {
        values.insert("address", Value::Text(a.into()));
    }
    values.insert("village", Value::Unit(hoctap_domain::unit::UnitCode::parse(village).unwrap()));
    store.registry_create(&hoctap_store::Actor::system("test"), &HOUSEHOLDS, values, None, hoctap_store::today()).await.unwrap();
}

per_engine!(a_household_that_moves_village_keeps_its_history);
async fn a_household_that_moves_village_keeps_its_history(engine: Engine) {
    let store = crate::harness::fresh_store(engine).await;
    let actor = hoctap_store::Actor::system("test");
    let reg = &hoctap_domain::registry::def::HOUSEHOLDS;
    let commune = store.user_by_username("xa.canbo").await.unwrap().unwrap().unit_id;
    let villages = store.villages(commune, hoctap_store::today()).await.unwrap();
    let mut values = hoctap_domain::registry::def::Values::new();
    values.insert("code", hoctap_domain::registry::def::Value::Text("HG-MOVE".into()));
    values.insert("head_name", hoctap_domain::registry::def::Value::Text("Lục Văn Dân".into()));
    values.insert("village", hoctap_domain::registry::def::Value::Unit(hoctap_domain::unit::UnitCode::parse(&villages[0].code).unwrap()));
    let day1 = hoctap_store::today();
    let rec = store.registry_create(&actor, reg, values.clone(), None, day1).await.unwrap();
    let day2 = day1.tomorrow().unwrap();
    values.insert("village", hoctap_domain::registry::def::Value::Unit(hoctap_domain::unit::UnitCode::parse(&villages[1].code).unwrap()));
    store.registry_update(&actor, reg, rec.id, values, None, day2).await.unwrap();
    let history = store.registry_history(reg, rec.id).await.unwrap();
    assert_eq!(history.len(), 2, "{engine:?}: {history:?}");
    assert_eq!((history[0].0.from, history[0].0.to), (day1, day2));
    assert_eq!(history[0].1["village"], json!(villages[0].code));
    assert_eq!(history[1].0.from, day2);
    assert_eq!(history[1].1["village"], json!(villages[1].code));
    let now = store.registry_get(reg, rec.id).await.unwrap();
    assert_eq!(now.unit_id, villages[1].id, "scope follows the move");
}

per_engine!(a_search_matches_whole_words_and_a_beginning_in_any_order_with_or_without_the_word_index);
/// Registry search (`text::search_words`): every word typed but the last is a whole word of the
/// name, code or address and the last begins one, in any order, without diacritics, words split
/// at spaces and separators; not any substring. Within a province PostgreSQL narrows through the
/// province word index (migration 0087): the same rows as the LIKE conditions alone (a commune's
/// search and the whole country's, which do not use it).
async fn a_search_matches_whole_words_and_a_beginning_in_any_order_with_or_without_the_word_index(engine: Engine) {
    use hoctap_domain::registry::def::{HOUSEHOLDS, Value};
    let store = crate::harness::fresh_store(engine).await;
    let commune = store.user_by_username("xa.canbo").await.unwrap().unwrap().unit_id;
    let villages = store.villages(commune, hoctap_store::today()).await.unwrap();
    let heads = [
        ("TK-A1", "Nguyễn Văn An"),
        ("TK-A2", "Lê Văn Anh"),
        ("TK-X3", "Hoàng Xuân Lan"),
        ("TK-V4", "Trần Thị Vân"),
        ("TK-Q5", "Quan Văn Bình"),
    ];
    for (code, head) in heads {
        add_household(&store, code, head, &villages[0].code, Some("Xóm Đồi, đường 12")).await;
    }
    let found = |search: &'static str, scope: Option<i64>| {
        let store = store.clone();
        async move {
            let q = hoctap_store::RegistryQuery { scope, search: Some(search.into()), limit: 100, ..Default::default() };
            let mut codes: Vec<String> = store
                .registry_list(&HOUSEHOLDS, &q, hoctap_store::today())
                .await
                .unwrap()
                .into_iter()
                .filter_map(|r| match r.values.get("code") {
                    Some(Value::Text(c)) if c.starts_with("TK-") => Some(c.clone()),
                    _ => None,
                })
                .collect();
            codes.sort();
            codes
        }
    };
    let cases: [(&str, &[&str]); 18] = [
        ("van an", &["TK-A1", "TK-A2"]),
        ("AN VĂN", &["TK-A1"]),
        ("văn", &["TK-A1", "TK-A2", "TK-Q5", "TK-V4"]),
        ("xuan lan", &["TK-X3"]),
        // Inside a word is not a beginning: "uan" is in "Xuân" and "Quan".
        ("uan", &[]),
        // All but the last are whole words: "ngu" is not one.
        ("ngu van an", &[]),
        ("nguyen van a", &["TK-A1"]),
        ("tk-a", &["TK-A1", "TK-A2"]),
        ("tk-a1", &["TK-A1"]),
        ("TK A1", &["TK-A1"]),
        // Separators split words on both sides, in the query and in the stored key.
        ("doi 12", &["TK-A1", "TK-A2", "TK-Q5", "TK-V4", "TK-X3"]),
        ("doi, 12", &["TK-A1", "TK-A2", "TK-Q5", "TK-V4", "TK-X3"]),
        ("(xom) doi", &["TK-A1", "TK-A2", "TK-Q5", "TK-V4", "TK-X3"]),
        ("12 doi", &["TK-A1", "TK-A2", "TK-Q5", "TK-V4", "TK-X3"]),
        ("1 doi", &[]),
        ("quan binh", &["TK-Q5"]),
        ("100% _", &[]),
        // A word of mixed letters and digits is left to LIKE; the others still narrow.
        ("a1 van", &["TK-A1"]),
    ];
    let province = store.unit_by_code("20", hoctap_store::today()).await.unwrap().id;
    for (search, want) in cases {
        assert_eq!(found(search, Some(commune)).await, want, "{engine:?}: \"{search}\" in the commune");
        assert_eq!(found(search, Some(province)).await, want, "{engine:?}: \"{search}\" in the province (the word index)");
        assert_eq!(found(search, None).await, want, "{engine:?}: \"{search}\" in the country");
    }
    if engine == Engine::Postgres {
        let n = store
            .scalar_i64("SELECT COUNT(*) FROM pg_indexes WHERE indexname IN ('reg_citizens_search', 'reg_households_search')")
            .await
            .unwrap();
        assert_eq!(n, 2, "the word indexes of migration 0087");
    }
}

per_engine!(a_search_in_a_province_pages_the_same_rows_whether_it_looks_first_among_a_few_records_or_not);
/// Within a province PostgreSQL first looks among the province's next records in list order
/// (`words::bound`), then among all if they do not fill the page: every page, with its cursor,
/// holds the same records as the search over the whole country, which never does either; dense
/// and sparse matches, bounds smaller and larger than the page.
async fn a_search_in_a_province_pages_the_same_rows_whether_it_looks_first_among_a_few_records_or_not(engine: Engine) {
    use hoctap_domain::registry::def::{HOUSEHOLDS, Value};
    let store = crate::harness::fresh_store(engine).await;
    let commune = store.user_by_username("xa.canbo").await.unwrap().unwrap().unit_id;
    let villages = store.villages(commune, hoctap_store::today()).await.unwrap();
    // Codes out of order with their entry, names dense ("nguyen") and sparse ("hiem").
    for i in 0..23 {
        let name = if i % 5 == 3 { format!("Lò Văn Hiếm {i}") } else { format!("Nguyễn Thị Mai {i}") };
        add_household(&store, &format!("PB-{:03}", (i * 7) % 23), &name, &villages[i % villages.len()].code, None).await;
    }
    let province = store.unit_by_code("20", hoctap_store::today()).await.unwrap().id;
    let pages = |store: hoctap_store::Store, search: &'static str, scope: Option<i64>, limit: i64| async move {
        let mut out = Vec::new();
        let mut after = None;
        loop {
            let q = hoctap_store::RegistryQuery { scope, search: Some(search.into()), limit, after, ..Default::default() };
            let page = store.registry_list(&HOUSEHOLDS, &q, hoctap_store::today()).await.unwrap();
            let codes: Vec<String> = page
                .iter()
                .filter_map(|r| match r.values.get("code") {
                    Some(Value::Text(c)) => Some(c.clone()),
                    _ => None,
                })
                .collect();
            out.push(codes.into_iter().filter(|c| c.starts_with("PB-")).collect::<Vec<_>>());
            if (page.len() as i64) < limit {
                return out;
            }
            after = page.last().map(|r| r.id);
        }
    };
    for search in ["nguyen thi", "hiem", "pb"] {
        for limit in [1, 4, 10] {
            let everywhere = pages(store.clone(), search, None, limit).await;
            assert!(everywhere.iter().map(Vec::len).sum::<usize>() >= 4, "{search}: the fixture matches");
            for bound_rows in [1, 2, 3, 1000] {
                let bounded = store.clone().with_search_bound_rows(bound_rows);
                assert_eq!(
                    pages(bounded, search, Some(province), limit).await,
                    everywhere,
                    "{engine:?}: \"{search}\" by {limit}, first among {bound_rows}"
                );
            }
        }
    }
}

per_engine!(a_search_lists_its_matches_in_entry_order_and_an_unsearched_list_by_code);
/// A search's matches come in entry order wherever it looks (a village, the commune, the
/// province, where PostgreSQL walks the province's records first, the country), so its pages
/// are the same whichever path reads them; a list without a search stays in code order.
async fn a_search_lists_its_matches_in_entry_order_and_an_unsearched_list_by_code(engine: Engine) {
    use hoctap_domain::registry::def::{HOUSEHOLDS, Value};
    let store = crate::harness::fresh_store(engine).await;
    let commune = store.user_by_username("xa.canbo").await.unwrap().unwrap().unit_id;
    let villages = store.villages(commune, hoctap_store::today()).await.unwrap();
    // Entered with codes falling: entry order is the reverse of code order.
    let entered: Vec<String> = (0..6).map(|i| format!("EO-{:02}", 9 - i)).collect();
    for code in &entered {
        add_household(&store, code, "Đinh Công Thứ", &villages[0].code, None).await;
    }
    let province = store.unit_by_code("20", hoctap_store::today()).await.unwrap().id;
    let codes = |page: Vec<hoctap_store::RegistryRecord>| -> Vec<String> {
        page.into_iter()
            .filter_map(|r| match r.values.get("code") {
                Some(Value::Text(c)) if c.starts_with("EO-") => Some(c.clone()),
                _ => None,
            })
            .collect()
    };
    for (store, scope) in [
        (store.clone(), Some(villages[0].id)),
        (store.clone(), Some(commune)),
        (store.clone(), Some(province)),
        (store.clone().with_search_bound_rows(2), Some(province)),
        (store.clone(), None),
    ] {
        let q = hoctap_store::RegistryQuery { scope, search: Some("dinh cong thu".into()), limit: 100, ..Default::default() };
        let found = codes(store.registry_list(&HOUSEHOLDS, &q, hoctap_store::today()).await.unwrap());
        assert_eq!(found, entered, "{engine:?}: a search within {scope:?} in entry order");
    }
    let q = hoctap_store::RegistryQuery { scope: Some(commune), limit: 10_000, ..Default::default() };
    let listed = codes(store.registry_list(&HOUSEHOLDS, &q, hoctap_store::today()).await.unwrap());
    let mut by_code = entered.clone();
    by_code.sort();
    assert_eq!(listed, by_code, "{engine:?}: a list without a search by code");
}
