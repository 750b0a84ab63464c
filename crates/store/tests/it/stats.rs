//! Statistics counters in the store on both engines: after any sequence of writes the counters
//! equal a full recount; numbers of units merged away add up the same on the tree as it was and
//! re-based onto today's units. Bulk writes (the generator, imports) are checked with the
//! command in `crates/cli/tests/it/stats.rs`.

use crate::engines::per_engine;
use crate::harness::fresh_store;
use hoctap_domain::fund::{Dong, EntryKind, NewEntry};
use hoctap_domain::registry::def::{self, Value, Values};
use hoctap_domain::unit::UnitCode;
use hoctap_store::{Actor, Basis, Engine, Store};
use proptest::prelude::*;
use proptest::test_runner::{Config, TestCaseError, TestRunner};

/// One write of a random sequence.
#[derive(Debug, Clone)]
enum Op {
    /// A household in village `v`.
    Household { v: usize },
    /// A citizen in village `v`, with an occupation group (0 = none).
    Citizen { v: usize, group: usize },
    /// The `i`-th citizen changes village and group.
    Move { i: usize, v: usize, group: usize },
    /// The `i`-th household or citizen leaves the registry.
    End { i: usize, citizen: bool },
    /// A fund entry of kind `k`, reversed or not.
    Post { k: usize, amount: i64, reverse: bool },
}

fn op() -> impl Strategy<Value = (Op, u16)> {
    let op = prop_oneof![
        (0usize..4).prop_map(|v| Op::Household { v }),
        (0usize..4, 0usize..5).prop_map(|(v, group)| Op::Citizen { v, group }),
        (0usize..20, 0usize..4, 0usize..5).prop_map(|(i, v, group)| Op::Move { i, v, group }),
        (0usize..20, any::<bool>()).prop_map(|(i, citizen)| Op::End { i, citizen }),
        (0usize..9, 1i64..5_000_000, any::<bool>()).prop_map(|(k, amount, reverse)| Op::Post { k, amount, reverse }),
    ];
    // Each write some days after the one before, so the sequence spans several years.
    (op, 0u16..120)
}

fn actor() -> Actor {
    Actor::system("kiểm thử số liệu")
}

/// A CCCD that agrees with a birth in 1990 (male), unique by `n`.
fn cccd(n: usize) -> String {
    format!("020090{n:06}")
}

async fn apply(
    store: &Store,
    villages: &[String],
    branch: &hoctap_store::BranchRow,
    ops: &[(Op, u16)],
    n: usize,
) -> Result<(), TestCaseError> {
    let mut on = hoctap_store::today();
    let mut households: Vec<i64> = Vec::new();
    let mut citizens: Vec<i64> = Vec::new();
    let groups = ["", "N1", "N2", "N3", "N4"];
    let village = |v: usize| Value::Unit(UnitCode::parse(&villages[v % villages.len()]).unwrap());
    for (k, (o, days)) in ops.iter().enumerate() {
        on = on.checked_add(jiff::Span::new().days(i64::from(*days))).unwrap();
        match o {
            Op::Household { v } => {
                let mut x = Values::new();
                x.insert("code", Value::Text(format!("HG-S{n}-{k}")));
                x.insert("head_name", Value::Text("Nguyễn Văn Số".into()));
                x.insert("village", village(*v));
                households.push(store.registry_create(&actor(), &def::HOUSEHOLDS, x, None, on).await.unwrap().id);
            }
            Op::Citizen { v, group } => {
                let mut x = Values::new();
                x.insert("cccd", Value::Text(cccd(n * 1000 + k)));
                x.insert("full_name", Value::Text("Trần Văn Đếm".into()));
                x.insert("birth_date", Value::Date(jiff::civil::date(1990, 5, 5)));
                x.insert("sex", Value::Text("nam".into()));
                x.insert("village", village(*v));
                if !groups[*group].is_empty() {
                    x.insert("occupation_group", Value::Text(groups[*group].into()));
                }
                citizens.push(store.registry_create(&actor(), &def::CITIZENS, x, None, on).await.unwrap().id);
            }
            Op::Move { i, v, group } if !citizens.is_empty() => {
                let id = citizens[i % citizens.len()];
                let r = store.registry_get(&def::CITIZENS, id).await.unwrap();
                if r.validity.contains(on) {
                    let mut x = r.values.clone();
                    x.insert("village", village(*v));
                    match groups[*group] {
                        "" => x.remove("occupation_group"),
                        g => x.insert("occupation_group", Value::Text(g.into())),
                    };
                    store.registry_update(&actor(), &def::CITIZENS, id, x, None, on).await.unwrap();
                }
            }
            Op::End { i, citizen } => {
                let (reg, ids) = if *citizen { (&def::CITIZENS, &citizens) } else { (&def::HOUSEHOLDS, &households) };
                if ids.is_empty() {
                    continue;
                }
                let id = ids[i % ids.len()];
                let r = store.registry_get(reg, id).await.unwrap();
                if r.validity.contains(on) && on > r.validity.from {
                    store.registry_end(&actor(), reg, id, on).await.unwrap();
                }
            }
            Op::Post { k, amount, reverse } => {
                let kind = EntryKind::all().nth(k % EntryKind::all().count()).unwrap();
                let entry = NewEntry {
                    kind,
                    amount: Dong::new(*amount),
                    counterparty: Some("Nhà hảo tâm".into()),
                    beneficiary_cccd: None,
                    decision: Some("QĐ 01/QĐ-HKH".into()),
                };
                // Confirmed: a random payment may come before the receipts that cover it.
                let e = store.fund_post_confirmed(&actor(), branch, &entry, None, on, None, Some("kiểm thử")).await.unwrap();
                if *reverse {
                    store.fund_reverse(&actor(), branch, &e.entry_no, "ghi nhầm", on, None).await.unwrap();
                }
            }
            Op::Move { .. } => {}
        }
    }
    Ok(())
}

per_engine!(fn counters_equal_a_full_recount_after_any_sequence_of_writes);
fn counters_equal_a_full_recount_after_any_sequence_of_writes(engine: Engine) {
    let rt = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().unwrap();
    let store = rt.block_on(fresh_store(engine));
    let (commune, villages) = rt.block_on(async {
        let commune = store.user_by_username("xa.canbo").await.unwrap().unwrap().unit_id;
        let villages: Vec<String> = store.villages(commune, hoctap_store::today()).await.unwrap().into_iter().map(|v| v.code).collect();
        (commune, villages)
    });
    let mut runner = TestRunner::new(Config { cases: 8, failure_persistence: None, ..Config::default() });
    let case = std::sync::atomic::AtomicUsize::new(0);
    runner
        .run(&proptest::collection::vec(op(), 1..30), |ops| {
            let n = case.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
            rt.block_on(async {
                let commune_code = store.unit(commune).await.unwrap().code;
                let mut b = Values::new();
                b.insert("code", Value::Text(format!("CH-S{n}")));
                b.insert("name", Value::Text(format!("Chi hội {n}")));
                b.insert("level", Value::Text("chi_hoi".into()));
                b.insert("unit", Value::Unit(UnitCode::parse(&commune_code).unwrap()));
                store.registry_create(&actor(), &def::ASSOCIATION_BRANCHES, b, None, hoctap_store::today()).await.unwrap();
                let branch = store.branch_by_code(&format!("CH-S{n}")).await.unwrap();
                apply(&store, &villages, &branch, &ops, n).await?;
                let report = store.recount(false).await.unwrap();
                prop_assert!(report.drift.is_empty(), "{engine:?}: {:?}", report.drift);
                // Households still registered, after every write (all dated before 2100): the
                // counters against a direct count of the registry.
                let year = 2100;
                let end = jiff::civil::date(year, 12, 31);
                let counted = store.metric_values(Some(commune), year, &["households", "citizens"], Basis::AsAt(end)).await.unwrap();
                let direct = store.registry_count(&def::HOUSEHOLDS, Some(commune), end).await.unwrap();
                prop_assert_eq!(counted.get("households").copied().unwrap_or(0), direct, "{:?}", engine);
                Ok(())
            })
        })
        .unwrap_or_else(|e| panic!("{engine:?}: {e}"));
}

per_engine!(numbers_of_merged_units_add_up_on_the_old_tree_and_on_todays);
/// Counters of old units written straight into the table (as 2022–2024 writes on the old tree
/// left them), then read both ways.
async fn numbers_of_merged_units_add_up_on_the_old_tree_and_on_todays(engine: Engine) {
    let store = fresh_store(engine).await;
    // Lạng Sơn's communes on 31/12/2023 and today's.
    let old_day = jiff::civil::date(2023, 12, 31);
    let today = hoctap_store::today();
    let old_province = store.unit_by_code("20", old_day).await.unwrap();
    let mut old_communes = Vec::new();
    for d in store.children(old_province.id, old_day).await.unwrap() {
        old_communes.extend(store.children(d.id, old_day).await.unwrap().into_iter().map(|c| (c.id, d.id)));
    }
    assert!(old_communes.len() > 100, "{}", old_communes.len());
    let new_communes: Vec<i64> =
        store.children(store.unit_by_code("20", today).await.unwrap().id, today).await.unwrap().into_iter().map(|c| c.id).collect();
    let mut sql = Vec::new();
    let mut by_district: std::collections::BTreeMap<i64, i64> = std::collections::BTreeMap::new();
    // As writes leave them: each record counts in its commune and every unit above it.
    let mut rows: std::collections::BTreeMap<(i64, i16), i64> = std::collections::BTreeMap::new();
    for (i, (c, d)) in old_communes.iter().enumerate() {
        let n = (i as i64 % 7) + 1;
        let y = 2022 + (i % 3) as i16;
        for u in [*c, *d, old_province.id] {
            *rows.entry((u, y)).or_default() += n;
        }
        *by_district.entry(*d).or_default() += n;
    }
    let new_province = store.unit_by_code("20", today).await.unwrap().id;
    for (i, c) in new_communes.iter().enumerate() {
        for u in [*c, new_province] {
            *rows.entry((u, 2026)).or_default() += i as i64 % 5 + 1;
        }
    }
    for ((u, y), n) in rows {
        sql.push(format!("({u}, 'households', {y}, {n})"));
    }
    store.exec_raw(&format!("INSERT INTO stat_deltas (unit_id, metric, year, delta) VALUES {}", sql.join(", "))).await.unwrap();

    for year in 2022..=2026 {
        let end = jiff::civil::date(year, 12, 31);
        let then = store.metric_values(Some(old_province.id), year, &["households"], Basis::AsAt(end.min(today))).await.unwrap();
        let now = store
            .metric_values(Some(store.unit_by_code("20", today).await.unwrap().id), year, &["households"], Basis::Rebased(today))
            .await
            .unwrap();
        let province_then = if year <= 2024 { then["households"] } else { now["households"] };
        assert_eq!(province_then, now["households"], "{engine:?} {year}: the province adds up either way");
        let by_province = store.metric_values_by_child(None, year, &["households"], Basis::Rebased(today)).await.unwrap();
        let nation = store.metric_values(None, year, &["households"], Basis::Rebased(today)).await.unwrap();
        assert_eq!(
            by_province.values().map(|m| m["households"]).sum::<i64>(),
            nation["households"],
            "{engine:?} {year}: provinces sum to the nation"
        );
    }
    // A district abolished in 2025 still reports its 2023 total on the old tree.
    let (district, expected) = by_district.iter().next().map(|(d, n)| (*d, *n)).unwrap();
    let v = store.metric_values(Some(district), 2024, &["households"], Basis::AsAt(jiff::civil::date(2024, 12, 31))).await.unwrap();
    assert_eq!(v["households"], expected, "{engine:?}");
    // Today's communes carry the old numbers they inherited.
    let inherited = store
        .metric_values_by_child(Some(store.unit_by_code("20", today).await.unwrap().id), 2023, &["households"], Basis::Rebased(today))
        .await
        .unwrap();
    assert!(inherited.values().filter(|m| m.get("households").copied().unwrap_or(0) > 0).count() > 20, "{engine:?}: {}", inherited.len());
}
