#![expect(clippy::unwrap_used, clippy::indexing_slicing)]
use super::*;
use jiff::civil::date;
use proptest::prelude::*;

fn code(s: &str) -> UnitCode {
    UnitCode::parse(s).unwrap()
}

fn name(s: &str) -> UnitName {
    UnitName::parse(s).unwrap()
}

/// A province with `communes` communes, each with two villages, all valid since 2025-07-01.
fn sample(provinces: usize, communes: usize) -> (Hierarchy, i64) {
    let mut h = Hierarchy::new();
    let mut next = 1;
    let since = Validity::since(date(2025, 7, 1));
    for p in 0..provinces {
        let pid = UnitId(next);
        next += 1;
        h.insert_unit(UnitRecord {
            id: pid,
            code: code(&format!("{:02}", p + 1)),
            name: name(&format!("Tỉnh {p}")),
            unit_type: UnitType::Tinh,
            validity: since,
        });
        for c in 0..communes {
            let cid = UnitId(next);
            next += 1;
            let ccode = code(&format!("{:05}", (p + 1) * 100 + c));
            h.insert_unit(UnitRecord {
                id: cid,
                code: ccode.clone(),
                name: name(&format!("Xã {p}-{c}")),
                unit_type: UnitType::Xa,
                validity: since,
            });
            h.insert_edge(ParentEdge { child: cid, parent: pid, validity: since });
            for v in 1..=2u16 {
                let vid = UnitId(next);
                next += 1;
                h.insert_unit(UnitRecord {
                    id: vid,
                    code: UnitCode::village(&ccode, v).unwrap(),
                    name: name(&format!("Thôn {v}")),
                    unit_type: UnitType::Thon,
                    validity: since,
                });
                h.insert_edge(ParentEdge { child: vid, parent: cid, validity: since });
            }
        }
    }
    (h, next)
}

fn communes_on(h: &Hierarchy, on: Date) -> Vec<UnitId> {
    h.valid_on(on).filter(|u| u.kind() == UnitKind::Commune).map(|u| u.id).collect()
}

#[test]
fn merging_into_an_existing_commune_moves_villages_and_links_lineage() {
    let (mut h, mut next) = sample(1, 3);
    let on = date(2026, 1, 1);
    let c = communes_on(&h, on);
    let plan =
        h.plan(&Reorganisation::Merge { predecessors: vec![c[0], c[1]], into: MergeTarget::Existing(c[2]) }, on, "NQ 01/2026").unwrap();
    h.apply(&plan, &mut next);
    assert!(h.violations().is_empty(), "{:?}", h.violations());
    assert_eq!(communes_on(&h, on), vec![c[2]]);
    assert_eq!(h.children_on(c[2], on).len(), 6);
    assert_eq!(h.successors_on(c[0], on), BTreeSet::from([c[2]]));
    assert_eq!(h.predecessors(c[2]), BTreeSet::from([c[0], c[1]]));
    // The day before, the old tree is intact.
    assert_eq!(communes_on(&h, date(2025, 12, 31)).len(), 3);
    assert_eq!(h.children_on(c[0], date(2025, 12, 31)).len(), 2);
}

#[test]
fn refusals_name_the_problem() {
    let (h, _) = sample(2, 2);
    let on = date(2026, 1, 1);
    let c = communes_on(&h, on);
    let p = h.valid_on(on).find(|u| u.kind() == UnitKind::Province).unwrap().id;
    let merge_self = Reorganisation::Merge { predecessors: vec![c[0]], into: MergeTarget::Existing(c[0]) };
    assert!(matches!(h.plan(&merge_self, on, "x"), Err(ReorgError::IntoItself(_))));
    let mixed = Reorganisation::Merge { predecessors: vec![c[0], p], into: MergeTarget::Existing(c[1]) };
    assert!(matches!(h.plan(&mixed, on, "x"), Err(ReorgError::MixedKinds(..))));
    let taken = Reorganisation::Merge {
        predecessors: vec![c[0], c[1]],
        into: MergeTarget::New(NewUnit {
            code: h.unit(c[2]).unwrap().code.clone(),
            name: name("Xã Mới"),
            unit_type: UnitType::Xa,
            parent: Some(p),
        }),
    };
    assert!(matches!(h.plan(&taken, on, "x"), Err(ReorgError::CodeTaken(..))));
    assert!(matches!(h.plan(&Reorganisation::Abolish { unit: c[0] }, on, "x"), Err(ReorgError::HasChildren(_, 2))));
    assert!(matches!(h.plan(&Reorganisation::Abolish { unit: c[0] }, on, "  "), Err(ReorgError::MissingLegalAct)));
    let before = date(2020, 1, 1);
    assert!(matches!(h.plan(&Reorganisation::Abolish { unit: c[0] }, before, "x"), Err(ReorgError::NotValidOn(..))));
    let into_village = Reorganisation::Reparent { unit: c[0], parent: h.children_on(c[1], on)[0] };
    assert!(matches!(h.plan(&into_village, on, "x"), Err(ReorgError::WrongParentKind { .. })));
}

#[test]
fn closure_follows_a_village_through_a_merger() {
    let (mut h, mut next) = sample(1, 2);
    let on = date(2026, 1, 1);
    let c = communes_on(&h, on);
    let village = h.children_on(c[0], on)[0];
    let plan = h.plan(&Reorganisation::Merge { predecessors: vec![c[0]], into: MergeTarget::Existing(c[1]) }, on, "x").unwrap();
    h.apply(&plan, &mut next);
    let rows = closure_rows(&h, &[village]);
    let at = |d: Date| -> BTreeSet<UnitId> { rows.iter().filter(|r| r.from <= d && d < r.to && r.depth > 0).map(|r| r.ancestor).collect() };
    assert!(at(date(2025, 12, 31)).contains(&c[0]));
    assert!(at(on).contains(&c[1]));
    assert!(!at(on).contains(&c[0]));
    assert_eq!(at(on).len(), 2, "commune and province");
}

#[derive(Debug, Clone)]
enum Op {
    Merge(usize, usize),
    MergeNew(usize, usize),
    Split(usize),
    Rename(usize),
    Reparent(usize, usize),
    AbolishVillage(usize),
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        (0..20usize, 0..20usize).prop_map(|(a, b)| Op::Merge(a, b)),
        (0..20usize, 0..20usize).prop_map(|(a, b)| Op::MergeNew(a, b)),
        (0..20usize).prop_map(Op::Split),
        (0..20usize).prop_map(Op::Rename),
        (0..20usize, 0..5usize).prop_map(|(a, b)| Op::Reparent(a, b)),
        (0..60usize).prop_map(Op::AbolishVillage),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(200))]

    /// Whatever sequence of reorganisations is applied, on every date every valid unit has
    /// exactly one valid parent of an allowed kind, codes are unique among valid units,
    /// lineage is acyclic, and every old unit's successors today are valid today.
    #[test]
    fn reorganisations_keep_the_tree_sound(ops in proptest::collection::vec(op(), 1..12)) {
        let (mut h, mut next) = sample(2, 4);
        let mut on = date(2025, 7, 1);
        let mut fresh_code = 90000;
        for op in ops {
            on = on.checked_add(jiff::Span::new().days(30)).unwrap();
            let communes = communes_on(&h, on);
            let provinces: Vec<UnitId> = h.valid_on(on).filter(|u| u.kind() == UnitKind::Province).map(|u| u.id).collect();
            let villages: Vec<UnitId> = h.valid_on(on).filter(|u| u.kind() == UnitKind::Village).map(|u| u.id).collect();
            let pick = |v: &Vec<UnitId>, i: usize| v.get(i % v.len().max(1)).copied();
            let reorg = match op {
                Op::Merge(a, b) => match (pick(&communes, a), pick(&communes, b)) {
                    (Some(a), Some(b)) => Reorganisation::Merge { predecessors: vec![a], into: MergeTarget::Existing(b) },
                    _ => continue,
                },
                Op::MergeNew(a, b) => match (pick(&communes, a), pick(&communes, b)) {
                    (Some(a), Some(b)) => {
                        fresh_code += 1;
                        Reorganisation::Merge {
                            predecessors: vec![a, b],
                            into: MergeTarget::New(NewUnit { code: code(&fresh_code.to_string()), name: name("Xã Mới"), unit_type: UnitType::Xa, parent: h.parent_on(a, on) }),
                        }
                    }
                    _ => continue,
                },
                Op::Split(a) => match pick(&communes, a) {
                    Some(a) => {
                        let mut part = || { fresh_code += 1; MergeTarget::New(NewUnit { code: code(&fresh_code.to_string()), name: name("Xã Tách"), unit_type: UnitType::Xa, parent: h.parent_on(a, on) }) };
                        let parts = vec![part(), part()];
                        let children = h.children_on(a, on).into_iter().enumerate().map(|(i, c)| (c, i % 2)).collect();
                        Reorganisation::Split { unit: a, parts, children }
                    }
                    None => continue,
                },
                Op::Rename(a) => match pick(&communes, a) {
                    Some(a) => Reorganisation::Rename { unit: a, name: name(&format!("Xã Đổi Tên {on}")) },
                    None => continue,
                },
                Op::Reparent(a, b) => match (pick(&communes, a), pick(&provinces, b)) {
                    (Some(a), Some(b)) => Reorganisation::Reparent { unit: a, parent: b },
                    _ => continue,
                },
                Op::AbolishVillage(a) => match pick(&villages, a) {
                    Some(a) => Reorganisation::Abolish { unit: a },
                    None => continue,
                },
            };
            if let Ok(plan) = h.plan(&reorg, on, "NQ thử") {
                h.apply(&plan, &mut next);
            }
        }
        let violations = h.violations();
        prop_assert!(violations.is_empty(), "{:?}", violations);
        let end = on.checked_add(jiff::Span::new().days(1)).unwrap();
        for u in h.units() {
            for s in h.successors_on(u.id, end) {
                let su = h.unit(s).unwrap();
                prop_assert!(su.validity.contains(end));
                prop_assert_eq!(su.kind(), u.kind());
            }
        }
        // The closure agrees with walking up the parents.
        let ids: Vec<UnitId> = h.units().map(|u| u.id).collect();
        let rows = closure_rows(&h, &ids);
        for u in h.valid_on(end) {
            let from_rows: BTreeSet<UnitId> = rows.iter().filter(|r| r.descendant == u.id && r.depth > 0 && r.from <= end && end < r.to).map(|r| r.ancestor).collect();
            let walked: BTreeSet<UnitId> = h.ancestors_on(u.id, end).into_iter().collect();
            prop_assert_eq!(from_rows, walked);
        }
    }
}

#[test]
fn a_partially_merged_unit_rebases_to_its_seat_unless_overridden() {
    let link = |s: i64, partial: bool, seat: bool| RebaseLink { successor: UnitId(s), same_kind: true, partial, seat };
    // Đặng Xá: part to Phù Đổng (id 2), the seat's part to Thuận An (id 3).
    let links = [link(2, true, false), link(3, true, true)];
    assert_eq!(rebase_step(&links, None), Some((UnitId(3), RebaseRule::Seat)));
    assert_eq!(rebase_shares(&links, None), vec![(UnitId(2), 0), (UnitId(3), 100)]);
    assert_eq!(rebase_step(&links, Some(UnitId(2))), Some((UnitId(2), RebaseRule::Override)));
    assert_eq!(rebase_shares(&links, Some(UnitId(2))), vec![(UnitId(2), 100), (UnitId(3), 0)]);
    // An override naming a unit that is not a successor is ignored.
    assert_eq!(rebase_step(&links, Some(UnitId(9))), Some((UnitId(3), RebaseRule::Seat)));
    // A whole merge; a district's communes (another level) come last.
    let whole = [RebaseLink { successor: UnitId(5), same_kind: false, partial: false, seat: false }, link(4, false, false)];
    assert_eq!(rebase_step(&whole, None), Some((UnitId(4), RebaseRule::Whole)));
    assert_eq!(rebase_step(&whole[..1], None), Some((UnitId(5), RebaseRule::Other)));
    assert_eq!(rebase_step(&[], None), None);
}
