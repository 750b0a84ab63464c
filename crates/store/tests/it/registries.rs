//! The generic registry in the store: a record's versions in `registry_history`.

use crate::engines::per_engine;
use hoctap_store::Engine;
use serde_json::json;

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
