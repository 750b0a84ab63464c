//! The fund ledgers in the store: concurrent postings never lose or share a cent or a number.

use crate::engines::per_engine;
use crate::harness::{demo_commune, fresh_store};
use hoctap_domain::fund::{Dong, EntryKind, NewEntry};
use hoctap_domain::registry::def::{ASSOCIATION_BRANCHES, Value, Values};
use hoctap_domain::unit::UnitCode;
use hoctap_store::{Actor, BranchRow, Engine, Store};
use proptest::prelude::{prop_assert, prop_assert_eq};
use proptest::test_runner::{Config, TestCaseError, TestRunner};
use std::collections::BTreeSet;

/// Creates a branch working in `unit` (code), straight in the store.
async fn branch_in(store: &Store, code: &str, unit: &str) -> BranchRow {
    let mut v = Values::new();
    v.insert("code", Value::Text(code.into()));
    v.insert("name", Value::Text(format!("Chi hội khuyến học {code}")));
    v.insert("level", Value::Text("chi_hoi".into()));
    v.insert("unit", Value::Unit(UnitCode::parse(unit).unwrap()));
    store.registry_create(&Actor::system("kiểm thử"), &ASSOCIATION_BRANCHES, v, None, hoctap_store::today()).await.unwrap();
    store.branch_by_code(code).await.unwrap()
}

/// Posts on several tasks at once; checks that the ledger's sum of entries equals its balance,
/// that every posting got its own number and none is missing.
async fn post_concurrently(store: &Store, branch: &BranchRow, postings: &[(usize, i64)], tasks: usize) -> Result<(), TestCaseError> {
    let kinds: Vec<EntryKind> = EntryKind::all().collect();
    let mut handles = Vec::new();
    for t in 0..tasks {
        let mine: Vec<(usize, i64)> = postings.iter().skip(t).step_by(tasks).copied().collect();
        let (store, branch, kinds) = (store.clone(), branch.clone(), kinds.clone());
        handles.push(tokio::spawn(async move {
            let mut out = Vec::new();
            for (k, amount) in mine {
                let kind = kinds[k % kinds.len()];
                let entry = NewEntry {
                    kind,
                    amount: Dong::new(amount),
                    counterparty: Some("Người học".into()),
                    beneficiary_cccd: None,
                    decision: Some("QĐ 01/QĐ-HKH".into()),
                };
                // Confirmed: payments may come before the receipts that cover them.
                let e = store
                    .fund_post_confirmed(&Actor::system("kiểm thử"), &branch, &entry, None, hoctap_store::today(), None, Some("tạm ứng"))
                    .await
                    .unwrap();
                out.push(e.entry_no);
            }
            out
        }));
    }
    let mut numbers = BTreeSet::new();
    for h in handles {
        for no in h.await.unwrap() {
            prop_assert!(numbers.insert(no.clone()), "number {} given twice", no);
        }
    }
    let stored = store.fund_entries(&branch.code, None).await.unwrap();
    prop_assert_eq!(stored.len(), postings.len());
    // Receipts and payments each in their own sequence of the year: PT-2026-001…, PC-2026-001…
    let year = hoctap_store::today().year();
    for prefix in ["PT", "PC"] {
        let mine: Vec<&str> = stored.iter().map(|e| e.entry_no.as_str()).filter(|n| n.starts_with(prefix)).collect();
        let seqs: BTreeSet<i64> = mine.iter().map(|n| n.strip_prefix(&format!("{prefix}-{year}-")).unwrap().parse().unwrap()).collect();
        prop_assert_eq!(seqs, (1..=mine.len() as i64).collect::<BTreeSet<_>>(), "no {} number lost or skipped", prefix);
    }
    let expected: Dong = postings.iter().map(|(k, a)| hoctap_domain::fund::effect(kinds[k % kinds.len()], Dong::new(*a), false)).sum();
    let sum: Dong = stored.iter().map(|e| e.effect()).sum();
    let balance = store.fund_balance(&branch.code, hoctap_store::today().year()).await.unwrap();
    prop_assert_eq!(sum, expected);
    prop_assert_eq!(balance.closing, expected, "SQL aggregate = sum of the entries");
    Ok(())
}

per_engine!(fn concurrent_postings_never_lose_a_cent);
fn concurrent_postings_never_lose_a_cent(engine: Engine) {
    let rt = tokio::runtime::Builder::new_multi_thread().worker_threads(4).enable_all().build().unwrap();
    let store = rt.block_on(fresh_store(engine));
    let commune = rt.block_on(async { store.unit(demo_commune(&store).await).await.unwrap().code });
    let mut runner = TestRunner::new(Config { cases: 6, failure_persistence: None, ..Config::default() });
    let case = std::sync::atomic::AtomicUsize::new(0);
    let strategy = (proptest::collection::vec((0usize..9, 1i64..50_000_000), 1..40), 1usize..8);
    runner
        .run(&strategy, |(postings, tasks)| {
            let n = case.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
            rt.block_on(async {
                let branch = branch_in(&store, &format!("CH-P{n}"), &commune).await;
                post_concurrently(&store, &branch, &postings, tasks).await
            })
        })
        .unwrap_or_else(|e| panic!("{engine:?}: {e}"));
}
