//! The demo is coherent (issue 15 §5), on both engines: every citizen's CCCD agrees with the
//! sex and birth year beside it, the demo's citizen account is named as its CCCD says (a
//! woman's number, a woman's name), and each commune has one Hội Khuyến học.

use crate::engines::{empty_url, per_engine};
use hoctap_domain::registry::cccd::Cccd;
use hoctap_domain::registry::def::{ASSOCIATION_BRANCHES, CITIZENS, Value};
use hoctap_domain::registry::person::Sex;
use hoctap_store::{Engine, RegistryQuery, Store};
use std::collections::BTreeMap;

per_engine!(the_demo_database_is_coherent);
async fn the_demo_database_is_coherent(engine: Engine) {
    let store = Store::connect(&empty_url(engine).await).await.unwrap();
    store.migrate().await.unwrap();
    let (province, _) = hoctap_commands::commands::demo::seed_all(&store, 1, &crate::harness::deployment_key()).await.unwrap();
    let today = hoctap_store::today();

    // CCCDs agree with sex and birth year, page by page over the province's citizens.
    let (mut after, mut seen) = (None, 0);
    loop {
        let q = RegistryQuery { scope: Some(province), after, limit: 1_000, ..Default::default() };
        let page = store.registry_list(&CITIZENS, &q, today).await.unwrap();
        for r in &page {
            let (Some(Value::Text(c)), Some(Value::Date(born)), Some(Value::Text(sex))) =
                (r.values.get("cccd"), r.values.get("birth_date"), r.values.get("sex"))
            else {
                panic!("{engine:?}: citizen {} without CCCD, birth date or sex", r.id)
            };
            let sex = Sex::parse(sex).unwrap();
            Cccd::parse(c).unwrap().check_against(*born, sex).unwrap_or_else(|e| panic!("{engine:?}: {c}: {e}"));
        }
        seen += page.len();
        if page.len() < 1_000 {
            break;
        }
        after = page.last().map(|r| r.id);
    }
    assert!(seen > 100, "{engine:?}: the demo has citizens ({seen})");

    // The citizen accounts: a woman's CCCD, a woman's name (and a man's, a man's).
    for (username, name, role, _) in hoctap_commands::commands::demo::DEMO_USERS {
        if *role != hoctap_domain::access::Role::Citizen {
            continue;
        }
        let sex = Cccd::parse(username).unwrap().sex();
        let said = if name.contains(" Thị ") {
            Some(Sex::Nu)
        } else if name.contains(" Văn ") {
            Some(Sex::Nam)
        } else {
            None
        };
        assert!(said.is_none_or(|s| s == sex), "{username} is named {name}");
    }

    // One association (Hội Khuyến học, level xã) per commune.
    let q = RegistryQuery { scope: Some(province), limit: 10_000, ..Default::default() };
    let mut per_commune: BTreeMap<String, usize> = BTreeMap::new();
    let mut names: BTreeMap<String, usize> = BTreeMap::new();
    for r in store.registry_list(&ASSOCIATION_BRANCHES, &q, today).await.unwrap() {
        if let Some(Value::Text(name)) = r.values.get("name") {
            *names.entry(name.clone()).or_default() += 1;
        }
        if r.values.get("level") == Some(&Value::Text("xa".into())) {
            *per_commune.entry(format!("{:?}", r.values.get("unit"))).or_default() += 1;
        }
    }
    assert!(!per_commune.is_empty(), "{engine:?}");
    assert!(per_commune.values().all(|n| *n == 1), "{engine:?}: {per_commune:?}");
    // No two associations under one name (the portal lists them by name): a village's chi hội
    // names its commune, since villages' names repeat (Tổ dân phố 1).
    let twice: Vec<_> = names.iter().filter(|(_, n)| **n > 1).collect();
    assert!(twice.is_empty(), "{engine:?}: {twice:?}");
}
