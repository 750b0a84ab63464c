use jiff::civil::date;
use proptest::prelude::*;

use super::*;
use crate::indicator::{IndicatorKind, metric, shipped_indicator};

fn plans() -> Vec<Plan> {
    shipped_plans().unwrap_or_else(|e| panic!("{e}"))
}

fn plan(id: &str) -> Plan {
    plans().into_iter().find(|p| p.id == id).unwrap_or_else(|| panic!("no plan {id}"))
}

fn unit(code: &str) -> UnitRef {
    UnitRef::parse(code).unwrap_or_else(|e| panic!("{e}"))
}

fn value(p: &Plan, indicator: &str, year: i16) -> Option<Number> {
    p.target(indicator, &p.unit, year).map(|t| t.value)
}

fn n(s: &str) -> Number {
    Number::parse(s).unwrap_or_else(|e| panic!("{e}"))
}

fn indicator(id: &str) -> Indicator {
    shipped_indicator(id).unwrap_or_else(|| panic!("no indicator {id}"))
}

/// A count indicator (none is shipped yet: every plan target is a rate).
fn people() -> Indicator {
    Indicator {
        id: "people_trained".into(),
        name: "Số người được tập huấn".into(),
        unit: "người".into(),
        kind: IndicatorKind::Reported,
        numerator: vec![],
        denominator: vec![],
        factor: Number::integer(1),
        lower_is_better: false,
        levels: vec![Level::Province, Level::Commune],
        source: "thử".into(),
        confidence: Confidence::Guessed,
        note: None,
    }
}

fn parent(indicator: &str, code: &str, value: Number) -> Target {
    Target {
        indicator: indicator.into(),
        unit: unit(code),
        year: 2025,
        value,
        text: "thử".into(),
        confidence: Confidence::Verified,
        stated_in: None,
        note: None,
    }
}

fn communes(weights: &[i64]) -> Vec<(UnitRef, i64)> {
    weights.iter().enumerate().map(|(i, w)| (unit(&format!("{:05}", 100 + i)), *w)).collect()
}

#[test]
fn every_shipped_plan_parses_and_names_known_indicators_and_metrics() {
    let plans = plans();
    let ids: Vec<&str> = plans.iter().map(|p| p.id.as_str()).collect();
    assert_eq!(
        ids,
        [
            "qd-1373-2021",
            "qd-387-2022",
            "qd-677-2022",
            "lang-son-110-2022",
            "binh-duong-151-2024",
            "thai-binh-41-2022",
            "hai-hau-2022",
            "muong-ang-2024"
        ]
    );
    for p in &plans {
        for t in &p.targets {
            let ind = indicator(&t.indicator);
            for m in ind.numerator.iter().chain(&ind.denominator) {
                assert!(metric(m).is_some(), "{}: {}: {m}", p.id, ind.id);
            }
            assert!(ind.levels.contains(&t.unit.level()), "{}: {}", p.id, t.indicator);
        }
    }
}

#[test]
fn lang_son_targets_are_those_of_the_text() {
    let p = plan("lang-son-110-2022");
    assert_eq!(p.unit, unit("20"));
    assert_eq!(p.issued, Some(date(2022, 5, 10)));
    let expect: &[(&str, i64, Option<i64>)] = &[
        ("gdht_rate", 70, Some(80)),
        ("dhht_rate", 65, Some(75)),
        ("cdht_thon_rate", 65, Some(75)),
        ("dvht_rate", 80, Some(90)),
        ("cdht_workers_rate", 40, Some(60)),
        ("cdht_officials_rate", 60, Some(80)),
        ("ttht_hkh_chair_rate", 100, None),
        ("hkh_cadres_ttht_rate", 40, Some(70)),
    ];
    for (id, v2025, v2030) in expect {
        assert_eq!(value(&p, id, 2025), Some(Number::integer(*v2025)), "{id}");
        assert_eq!(value(&p, id, 2030), v2030.map(Number::integer), "{id}");
    }
}

#[test]
fn binh_duong_thai_binh_and_the_national_programmes_carry_their_numbers() {
    let bd = plan("binh-duong-151-2024");
    assert_eq!(value(&bd, "ttht_it_rate", 2025), Some(Number::integer(70)));
    assert_eq!(value(&bd, "cdht_xa_good_rate", 2025), Some(Number::integer(90)));
    assert_eq!(value(&bd, "cdht_huyen_rate", 2025), Some(Number::integer(25)));
    assert_eq!(value(&bd, "dhht_rate", 2025), None);
    assert!(bd.targets.iter().all(|t| t.stated_in.as_deref().is_some_and(|s| s.contains("09/CV-HKH"))));
    let tb = plan("thai-binh-41-2022");
    assert_eq!(value(&tb, "hkh_membership_rate", 2025), Some(Number::integer(40)));
    assert_eq!(value(&tb, "fund_per_capita", 2025), Some(Number::integer(80_000)));
    assert_eq!(value(&tb, "cdht_workers_rate", 2025), Some(Number::integer(50)));
    assert_eq!(value(&tb, "workers_it_skills_rate", 2025), Some(Number::integer(70)));
    let qd387 = plan("qd-387-2022");
    assert_eq!(qd387.unit, UnitRef::National);
    assert_eq!(value(&qd387, "gdht_rate", 2030), Some(Number::integer(80)));
    assert_eq!(value(&plan("qd-677-2022"), "cdht_workers_rate", 2030), Some(Number::integer(70)));
    assert_eq!(value(&plan("qd-1373-2021"), "cdht_rate", 2025), Some(Number::integer(40)));
    assert!(plan("muong-ang-2024").targets.is_empty());
}

#[test]
fn hai_hau_has_every_roadmap_row_from_2022_to_2030() {
    let p = plan("hai-hau-2022");
    assert_eq!(p.unit, unit("366"));
    let roadmap = [
        "gdht_rate",
        "dhht_rate",
        "cdht_thon_rate",
        "dvht_rate",
        "ttht_hkh_chair_rate",
        "hkh_cadres_ttht_rate",
        "hkh_briefed_rate",
        "hkh_cdht_briefed_rate",
        "cdht_workers_rate",
        "cdht_officials_rate",
        "cdht_digital_skills_rate",
    ];
    for year in 2022..=2030 {
        for id in roadmap {
            assert!(value(&p, id, year).is_some(), "{id} {year}");
        }
    }
    assert_eq!(value(&p, "gdht_rate", 2025), Some(Number::integer(75)));
    assert_eq!(value(&p, "gdht_rate", 2026), Some(Number::integer(60)));
    assert_eq!(value(&p, "dvht_rate", 2027), Some(Number::integer(82)));
    assert_eq!(value(&p, "cdht_digital_skills_rate", 2030), Some(Number::integer(100)));
    assert_eq!(p.targets.len(), 9 * roadmap.len() + 2);
}

#[test]
fn report_due_dates_come_from_the_plans_with_a_default() {
    assert_eq!(report_due("20", 2025), date(2025, 12, 10));
    assert_eq!(report_due("74", 2024), date(2024, 11, 20));
    assert_eq!(report_due("366", 2023), date(2023, 12, 10));
    assert_eq!(report_due("01", 2025), date(2025, 12, 15));
    assert_eq!(report_due("20", 2031), date(2031, 12, 15));
    assert_eq!(report_due_in(&["366", "36"], 2024), date(2024, 12, 10));
    assert_eq!(report_due_in(&["00001", "36"], 2024), date(2024, 12, 15));
}

#[test]
fn deadlines_and_units_read_and_print_the_vietnamese_way() {
    for text in ["hằng năm", "hằng năm, trước 10/02", "31/12/2025", "năm 2026"] {
        let d = Deadline::parse(text).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(d.to_string(), text);
    }
    assert_eq!(Deadline::parse("hằng năm, trước 1/6").map(|d| d.to_string()), Ok("hằng năm, trước 01/06".into()));
    assert!(Deadline::parse("sớm").is_err());
    assert!(DayMonth::parse("31/02").is_err());
    assert_eq!(DayMonth::parse("29/02").map(|d| d.in_year(2025)), Ok(date(2025, 2, 28)));
    assert_eq!(unit("VN").level(), Level::National);
    assert_eq!(unit("366").level(), Level::District);
    assert!(UnitRef::parse("V1").is_err());
}

#[test]
fn a_plan_with_bad_targets_is_refused_with_every_problem() {
    let text = r#"
id = "thu"
kind = "ke_hoach"
title = "Thử"
unit = "20"
unit_name = "Tỉnh Lạng Sơn"
issuer = "UBND tỉnh"
issued = "2022-05-10"
issued_year = 2023
period = { from = 2022, to = 2025 }
source = "thử"
confidence = "guessed"

[[targets]]
indicator = "gdht_rate"
unit = "20"
year = 2030
value = 170
text = "x"
confidence = "verified"

[[targets]]
indicator = "khong_co"
unit = "VN"
year = 2025
value = 1
text = "x"
confidence = "verified"

[[targets]]
indicator = "gdht_rate"
unit = "20"
year = 2030
value = 70
text = "x"
confidence = "verified"
"#;
    let indicators = shipped_indicators().unwrap_or_default();
    let Err(PlanErrors(errors)) = parse_plan(text, &indicators) else { panic!("accepted") };
    let has = |f: &dyn Fn(&PlanError) -> bool| errors.iter().any(f);
    assert!(has(&|e| matches!(e, PlanError::YearOutsidePeriod { year: 2030, .. })), "{errors:?}");
    assert!(has(&|e| matches!(e, PlanError::BadValue { .. })));
    assert!(has(&|e| matches!(e, PlanError::UnknownIndicator { indicator, .. } if indicator == "khong_co")));
    assert!(has(&|e| matches!(e, PlanError::UnitAbovePlan { .. })));
    assert!(has(&|e| matches!(e, PlanError::DuplicateTarget { .. })));
    assert!(has(&|e| matches!(e, PlanError::IssuedYear { .. })));
    assert!(errors.iter().any(|e| e.to_string().contains("ngoài giai đoạn 2022–2025")));
}

#[test]
fn counts_split_by_the_largest_remainder_and_add_up() {
    let p = parent("people_trained", "20", Number::integer(10));
    let out = split(&people(), &p, &communes(&[1, 1, 1]), &SplitMethod::Equal).unwrap_or_default();
    let values: Vec<Number> = out.iter().map(|t| t.value).collect();
    assert_eq!(values, [4, 3, 3].map(Number::integer));
    let out = split(&people(), &p, &communes(&[50, 30, 20, 0]), &SplitMethod::ByWeight).unwrap_or_default();
    let values: Vec<Number> = out.iter().map(|t| t.value).collect();
    assert_eq!(values, [5, 3, 2, 0].map(Number::integer));
    assert_eq!(out.first().map(|t| t.year), Some(2025));
    assert_eq!(split(&people(), &p, &communes(&[0, 0]), &SplitMethod::ByWeight), Err(SplitError::NoWeight));
}

#[test]
fn a_manual_split_off_target_names_the_gap() {
    let gdht = indicator("gdht_rate");
    let p = parent("gdht_rate", "20", Number::integer(70));
    let kids = communes(&[100, 100]);
    let err = check_split(&gdht, &p, &kids, &[n("67"), n("70")]).err().map(|e| e.to_string());
    assert_eq!(err.as_deref(), Some("bình quân (theo quy mô) chỉ tiêu các xã là 68,5%, chỉ tiêu của tỉnh là 70% (thiếu 1,5%)"));
    assert_eq!(check_split(&gdht, &p, &kids, &[n("65"), n("75")]), Ok(()));
    let err = check_split(&people(), &parent("people_trained", "20", Number::integer(1000)), &kids, &[n("500"), n("450")]);
    assert_eq!(
        err.err().map(|e| e.to_string()).as_deref(),
        Some("tổng chỉ tiêu các xã là 950 người, chỉ tiêu của tỉnh là 1000 người (thiếu 50 người)")
    );
    assert_eq!(check_split(&gdht, &p, &kids, &[n("70")]), Err(SplitError::WrongCount { children: 2, values: 1 }));
}

#[test]
fn rates_split_equal_or_by_weight_keep_the_parent_rate() {
    let fund = indicator("fund_per_capita");
    let p = parent("fund_per_capita", "34", Number::integer(80_000));
    for method in [SplitMethod::Equal, SplitMethod::ByWeight] {
        let out = split(&fund, &p, &communes(&[3, 0, 9]), &method).unwrap_or_default();
        assert!(out.iter().all(|t| t.value == Number::integer(80_000)));
        assert!(out.iter().all(|t| t.text.contains("80000 đồng/người")));
    }
}

fn arb_value() -> impl Strategy<Value = Number> {
    (0i64..10_000_000, prop_oneof![Just(1i64), Just(2), Just(10), Just(100)])
        .prop_map(|(a, b)| Number::ratio(i128::from(a), i128::from(b)).unwrap_or(Number::ZERO))
}

proptest! {
    /// Every split, of a count or a rate, by any method, passes the check.
    #[test]
    fn random_splits_always_check(
        value in arb_value(),
        weights in prop::collection::vec(0i64..5_000_000, 1..40),
        rate in any::<bool>(),
        by_weight in any::<bool>(),
    ) {
        let ind = if rate { indicator("gdht_rate") } else { people() };
        let p = parent(&ind.id, "20", value);
        let kids = communes(&weights);
        let method = if by_weight { SplitMethod::ByWeight } else { SplitMethod::Equal };
        match split(&ind, &p, &kids, &method) {
            Ok(out) => {
                let values: Vec<Number> = out.iter().map(|t| t.value).collect();
                prop_assert_eq!(check_split(&ind, &p, &kids, &values), Ok(()));
                prop_assert_eq!(split(&ind, &p, &kids, &SplitMethod::Manual(values.clone())).map(|o| o.len()), Ok(kids.len()));
            }
            Err(e) => prop_assert!(by_weight && !rate && weights.iter().all(|w| *w == 0), "{}", e),
        }
    }

    /// Moving one child's value by any amount (a child that weighs, for rates) is refused.
    #[test]
    fn manual_splits_off_by_any_amount_are_refused(
        value in arb_value(),
        weights in prop::collection::vec(1i64..5_000_000, 1..40),
        pick in any::<prop::sample::Index>(),
        delta in arb_value().prop_filter("not zero", |d| *d != Number::ZERO),
        rate in any::<bool>(),
    ) {
        let ind = if rate { indicator("gdht_rate") } else { people() };
        let p = parent(&ind.id, "20", value);
        let kids = communes(&weights);
        let mut values: Vec<Number> = split(&ind, &p, &kids, &SplitMethod::ByWeight).unwrap_or_default().iter().map(|t| t.value).collect();
        let i = pick.index(values.len());
        if let Some(v) = values.get_mut(i) {
            *v = v.checked_add(delta).unwrap_or(*v);
        }
        let refused = matches!(split(&ind, &p, &kids, &SplitMethod::Manual(values)), Err(SplitError::Mismatch(_)));
        prop_assert!(refused);
    }
}

#[test]
fn a_year_between_milestones_is_judged_on_the_path() {
    let n = |v: i64| Number::integer(v);
    let lang_son = [(2025, n(70)), (2030, n(80))];
    let at = |y: i16| target_on_path(&lang_son, y).map(|t| t.value);
    assert_eq!(at(2025), Some(n(70)));
    assert_eq!(at(2026), Some(n(72)), "a fifth of the way from 70% to 80%");
    assert_eq!(at(2028), Some(n(76)));
    assert_eq!(at(2030), Some(n(80)));
    assert_eq!(at(2023), Some(n(70)), "before the first milestone: the milestone ahead");
    assert_eq!(at(2031), Some(n(80)));
    assert_eq!(target_on_path(&lang_son, 2027).map(|t| (t.from, t.to)), Some((Some((2025, n(70))), (2030, n(80)))));
    assert_eq!(target_on_path(&[], 2026), None);
    // Thirds stay exact: 70 → 80 over three years.
    let thirds = target_on_path(&[(2027, n(80)), (2024, n(70))], 2025).map(|t| t.value.to_string());
    assert_eq!(thirds, Some("≈73,33".to_string()));
    // A yearly table is used as it is.
    let table = [(2023, n(50)), (2024, n(55)), (2025, n(61))];
    assert_eq!(target_on_path(&table, 2025).map(|t| (t.value, t.from)), Some((n(61), None)));
    assert_eq!(behind_path(n(70), n(72), false), Some(n(2)));
    assert_eq!(behind_path(n(73), n(72), false), None);
    assert_eq!(behind_path(n(72), n(72), false), None, "on the path");
    assert_eq!(behind_path(n(5), n(3), true), Some(n(2)), "lower is better");
}
