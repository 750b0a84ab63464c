//! Criteria engine: shipped sets, boundaries, bad input, properties.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing, clippy::panic)]

use hoctap_domain::area::AreaAttribute;
use hoctap_domain::criteria::*;
use jiff::civil::{Date, date};
use proptest::prelude::*;

fn set(id: &str) -> CriteriaSet {
    shipped_set(id).unwrap_or_else(|| panic!("no shipped set {id}"))
}

fn p(s: &str) -> Number {
    Number::parse(s).unwrap()
}

/// Answers giving `total` points to a points set, filling indicators in order up to their
/// maxima (so every indicator but possibly the last touched is full, the rest 0).
fn fill(set: &CriteriaSet, total: &str) -> Answers {
    let mut left = Points::parse(total).unwrap();
    let mut a = Answers::new();
    for (_, ind) in set.indicators() {
        let max = ind.max_points.unwrap();
        let give = if left > max { max } else { left };
        left = left.saturating_sub(give);
        a = a.number(&ind.id, give.to_number());
    }
    assert_eq!(left, Points::ZERO, "total above max");
    a
}

/// Ten citizen indices.
fn citizen(points: [&str; 10]) -> Answers {
    let ids = ["NL1.1", "NL1.2", "NL1.3", "NL1.4", "NL2.1", "NL2.2", "NL2.3", "NL2.4", "NL3.1", "NL3.2"];
    ids.iter().zip(points).fold(Answers::new(), |a, (id, v)| a.number(id, p(v)))
}

const ON_2024: Date = date(2024, 12, 31);

// ---------------------------------------------------------------- shipped files

#[test]
fn every_shipped_file_parses_validates_and_round_trips_through_toml() {
    let sets = shipped_sets().unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(sets.len(), SHIPPED_FILES.len());
    assert!(check_files(SHIPPED_FILES.iter().copied()).is_empty());
    for s in &sets {
        let text = s.to_toml().unwrap();
        let back = CriteriaSet::parse_toml(&text).unwrap_or_else(|e| panic!("{}: {e}", s.id));
        assert_eq!(&back, s, "{} does not round-trip", s.id);
    }
}

#[test]
fn shipped_files_on_disk_are_the_ones_compiled_in() {
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/../../data/criteria");
    let mut on_disk: Vec<String> =
        std::fs::read_dir(dir).unwrap().filter_map(|e| e.ok()?.file_name().into_string().ok()).filter(|n| n.ends_with(".toml")).collect();
    on_disk.sort();
    let mut compiled: Vec<String> = SHIPPED_FILES.iter().map(|(n, _)| n.to_string()).collect();
    compiled.sort();
    assert_eq!(on_disk, compiled);
    for (name, text) in SHIPPED_FILES {
        let disk = std::fs::read_to_string(format!("{dir}/{name}")).unwrap();
        assert_eq!(&disk, text);
        assert!(check_file(name, &disk).is_empty());
    }
}

#[test]
fn shipped_sets_carry_their_real_effective_dates() {
    let expect = [
        ("cdht-xa", date(2024, 2, 12), None),
        ("cdht-xa-tt44", date(2015, 1, 25), Some(date(2024, 2, 11))),
        ("cdht-huyen", date(2024, 2, 12), Some(date(2025, 6, 30))),
        ("cdht-tinh", date(2024, 2, 12), None),
        ("dvht-tt22", date(2020, 9, 21), Some(date(2024, 1, 25))),
        ("dvht-tt24", date(2024, 1, 26), None),
    ];
    for (id, from, to) in expect {
        let s = set(id);
        assert_eq!(s.legal_basis.effective_from, from, "{id}");
        assert_eq!(s.legal_basis.effective_to, to, "{id}");
    }
    // Research counts: commune 5 criteria / 15 indicators, district 4/13, province 4/16.
    for (id, crit, ind) in [("cdht-xa", 5, 15), ("cdht-huyen", 4, 13), ("cdht-tinh", 4, 16), ("cdht-congdan", 3, 10)] {
        let s = set(id);
        assert_eq!((s.criteria.len(), s.indicators().count()), (crit, ind), "{id}");
    }
}

#[test]
fn guessed_items_are_shipped_marked_guessed() {
    for id in ["gdht", "dhht", "cdht-thon", "dvht-xa"] {
        let s = set(id);
        assert_eq!(s.confidence, Confidence::Guessed, "{id}");
        assert!(s.indicators().all(|(_, i)| i.confidence == Confidence::Guessed), "{id}");
    }
    let tt44 = set("cdht-xa-tt44");
    assert!(tt44.criteria.iter().all(|c| c.confidence == Confidence::Guessed));
    assert_eq!(tt44.bands.iter().map(|b| b.confidence).collect::<Vec<_>>(), vec![Confidence::Verified; 4]);
}

// ---------------------------------------------------------------- choosing the set

#[test]
fn commune_assessed_in_2023_uses_tt44_and_in_2024_uses_tt25() {
    let sets = shipped_sets().unwrap();
    let on = |d| select_applicable(&sets, &Selection::new(SubjectKind::Commune, d)).map(|s| s.id.as_str());
    assert_eq!(on(date(2023, 12, 31)), Ok("cdht-xa-tt44"));
    assert_eq!(on(date(2024, 2, 11)), Ok("cdht-xa-tt44"));
    assert_eq!(on(date(2024, 2, 12)), Ok("cdht-xa"));
    assert_eq!(on(date(2024, 12, 31)), Ok("cdht-xa"));
    assert!(matches!(on(date(2014, 12, 31)), Err(SelectError::NotFound { .. })));
}

#[test]
fn district_set_is_not_found_after_the_district_tier_ended() {
    let sets = shipped_sets().unwrap();
    let on = |d| select_applicable(&sets, &Selection::new(SubjectKind::District, d)).map(|s| s.id.as_str());
    assert_eq!(on(date(2025, 6, 30)), Ok("cdht-huyen"));
    assert!(matches!(on(date(2025, 7, 1)), Err(SelectError::NotFound { .. })));
}

#[test]
fn organisation_set_depends_on_date_and_managing_level() {
    let sets = shipped_sets().unwrap();
    let pick = |d, m| select_applicable(&sets, &Selection::new(SubjectKind::Organisation, d).managed_by(m)).map(|s| s.id.as_str());
    assert_eq!(pick(date(2023, 12, 31), ManagingLevel::Province), Ok("dvht-tt22"));
    assert_eq!(pick(date(2024, 1, 26), ManagingLevel::District), Ok("dvht-tt24"));
    assert_eq!(pick(ON_2024, ManagingLevel::Commune), Ok("dvht-xa"));
    let unclear = select_applicable(&sets, &Selection::new(SubjectKind::Organisation, ON_2024));
    assert!(matches!(unclear, Err(SelectError::Ambiguous { ids, .. }) if ids.len() == 2));
}

#[test]
fn provincial_variant_wins_over_the_national_set_in_its_province_only() {
    let mut sets = shipped_sets().unwrap();
    let mut local = set("cdht-congdan");
    local.id = "cdht-congdan-20".into();
    local.applicability.jurisdictions = vec!["20".into()];
    local.legal_basis.effective_from = date(2024, 1, 1);
    local.validate().unwrap();
    sets.push(local);
    let pick =
        |prov: &'static str| select_applicable(&sets, &Selection::new(SubjectKind::Citizen, ON_2024).province(prov)).map(|s| s.id.clone());
    assert_eq!(pick("20"), Ok("cdht-congdan-20".to_string()));
    assert_eq!(pick("01"), Ok("cdht-congdan".to_string()));
}

// ---------------------------------------------------------------- points: citizen

#[test]
fn citizen_with_80_points_is_recognised_and_with_79_is_not() {
    let s = set("cdht-congdan");
    let pass = s.evaluate(&citizen(["8"; 10]), ON_2024).unwrap();
    assert!(pass.passed);
    assert_eq!(pass.total_points, Some(Points::whole(80)));
    let fail = s.evaluate(&citizen(["8", "8", "8", "8", "8", "8", "8", "8", "8", "7"]), ON_2024).unwrap();
    assert!(!fail.passed);
    assert_eq!(fail.explanation[0].rule, "tổng 79 < 80 điểm đạt");
    assert_eq!(fail.explanation[0].missing.as_deref(), Some("còn thiếu 1 điểm để đạt 80 điểm"));
}

#[test]
fn citizen_in_remote_or_ethnic_minority_area_needs_70_points() {
    let s = set("cdht-congdan");
    let seventy = citizen(["7"; 10]);
    let sixty_nine = citizen(["7", "7", "7", "7", "7", "7", "7", "7", "7", "6"]);
    assert!(!s.evaluate(&seventy, ON_2024).unwrap().passed, "70 without the area attribute");
    for area in AreaAttribute::ALL {
        let e = s.evaluate(&seventy.clone().with_area(area), ON_2024).unwrap();
        assert!(e.passed, "{area:?}");
        assert_eq!(e.pass_mark, Some(Points::whole(70)));
        assert!(!s.evaluate(&sixty_nine.clone().with_area(area), ON_2024).unwrap().passed);
    }
}

#[test]
fn citizen_with_one_index_below_floor_is_not_recognised() {
    let s = set("cdht-congdan");
    let four = s.evaluate(&citizen(["10", "10", "10", "10", "10", "10", "4", "10", "10", "10"]), ON_2024).unwrap();
    assert!(!four.passed);
    assert_eq!(four.total_points, Some(Points::whole(94)));
    let item = four.explanation.iter().find(|i| i.id == "NL2.3").unwrap();
    assert_eq!(item.met, Some(false));
    assert_eq!(item.rule, "chỉ số NL2.3 = 4 < 5 điểm sàn");
    assert_eq!(item.missing.as_deref(), Some("còn thiếu 1 điểm ở chỉ số NL2.3 để đạt điểm sàn 5"));
    assert_eq!(four.explanation[0].rule, "tổng 94 ≥ 80 điểm đạt; dưới điểm sàn: NL2.3");
    assert_eq!(four.explanation[0].missing.as_deref(), Some("còn thiếu 1 điểm ở chỉ số NL2.3 để đạt điểm sàn 5"));
    let five = s.evaluate(&citizen(["10", "10", "10", "10", "10", "10", "5", "10", "10", "10"]), ON_2024).unwrap();
    assert!(five.passed);
}

#[test]
fn citizen_points_with_decimals_are_exact_and_shown_with_a_comma() {
    let s = set("cdht-congdan");
    let e = s.evaluate(&citizen(["8", "8", "8", "8", "8", "8", "8", "8", "8", "7.99"]), ON_2024).unwrap();
    assert!(!e.passed);
    assert_eq!(e.summary, "Chưa đạt: 79,99/100 điểm");
    let json = serde_json::to_value(&e).unwrap();
    assert_eq!(json["total_points"], serde_json::json!(79.99));
    assert_eq!(json["passed"], serde_json::json!(false));
    assert!(json["level"].is_null() && json["band"].is_null());
    assert!(json["explanation"].as_array().is_some_and(|a| a.len() == 14));
}

// ---------------------------------------------------------------- points: bands (TT 22, TT 44)

fn band_of(s: &CriteriaSet, total: &str, on: Date) -> (Option<String>, bool) {
    let e = s.evaluate(&fill(s, total), on).unwrap();
    (e.band, e.passed)
}

#[test]
fn tt22_bands_split_at_85_70_and_50() {
    let s = set("dvht-tt22");
    let on = date(2023, 12, 31);
    let b = |t| band_of(&s, t, on).0;
    assert_eq!(b("84.5").as_deref(), Some("kha"));
    assert_eq!(b("85").as_deref(), Some("tot"));
    assert_eq!(b("69.5").as_deref(), Some("trung_binh"));
    assert_eq!(b("70").as_deref(), Some("kha"));
    assert_eq!(b("49.5").as_deref(), Some("chua_dat"));
    assert_eq!(b("50").as_deref(), Some("trung_binh"));
    assert!(!band_of(&s, "49.5", on).1);
    let e = s.evaluate(&fill(&s, "84.5"), on).unwrap();
    assert_eq!(e.explanation[0].missing.as_deref(), Some("còn thiếu 0,5 điểm để lên mức Tốt (85 điểm)"));
}

#[test]
fn tt44_bands_split_at_85_70_and_50_and_a_zero_criterion_fails() {
    let s = set("cdht-xa-tt44");
    let on = date(2023, 12, 31);
    // Fill from the last criterion so that no criterion is left at 0 for these totals.
    let spread = |total: &str| {
        let mut left = Points::parse(total).unwrap();
        let inds: Vec<_> = s.indicators().map(|(_, i)| i.clone()).collect();
        let mut a = Answers::new();
        let n = inds.len() as i64;
        for (k, ind) in inds.iter().enumerate() {
            let max = ind.max_points.unwrap();
            let rest = n - k as i64 - 1;
            // leave at least 1 point per remaining criterion
            let room = left.saturating_sub(Points::whole(rest));
            let give = if room > max { max } else { room };
            left = left.saturating_sub(give);
            a = a.number(&ind.id, give.to_number());
        }
        a
    };
    let b = |t: &str| s.evaluate(&spread(t), on).unwrap().band;
    assert_eq!(b("84.5").as_deref(), Some("kha"));
    assert_eq!(b("85").as_deref(), Some("tot"));
    assert_eq!(b("69.5").as_deref(), Some("trung_binh"));
    assert_eq!(b("70").as_deref(), Some("kha"));
    assert_eq!(b("49.5").as_deref(), Some("chua_dat"));
    assert_eq!(b("50").as_deref(), Some("trung_binh"));
    // 93 points but criterion TC15 at 0: Chưa đạt.
    let e = s.evaluate(&fill(&s, "94"), on).unwrap();
    assert_eq!(e.band.as_deref(), Some("chua_dat"));
    let item = e.explanation.iter().find(|i| i.id == "TC15").unwrap();
    assert_eq!(item.met, Some(false));
    assert!(item.rule.contains("tiêu chí TC15 = 0 điểm, phải trên 0 điểm"), "{}", item.rule);
}

#[test]
fn tt44_set_refuses_an_evaluation_after_it_was_replaced() {
    let s = set("cdht-xa-tt44");
    let err = s.evaluate(&fill(&s, "90"), date(2024, 2, 12)).unwrap_err();
    assert!(matches!(err, EvalError::NotInForce { .. }));
    assert!(err.to_string().contains("11/02/2024"), "{err}");
}

// ---------------------------------------------------------------- levels: commune (TT 25)

fn commune_all(level: u8) -> Answers {
    let mut a = Answers::new();
    for id in ["TC1.CT1", "TC1.CT2", "TC1.CT3", "TC2.CT1", "TC2.CT2", "TC2.CT3", "TC3.CT1", "TC3.CT2", "TC3.CT3", "TC4.CT1", "TC5.CT2"] {
        a = a.yes_no(id, true);
    }
    let (pcgd, xmc, cdht) = if level >= 2 { ("3", "2", "85") } else { ("2", "1", "65") };
    a.number("TC4.CT2", p(pcgd)).number("TC4.CT3", p(pcgd)).number("TC4.CT4", p(xmc)).number("TC5.CT1", p(cdht))
}

#[test]
fn commune_meeting_level_2_without_a_level_1_decision_is_recognised_at_level_1() {
    let e = set("cdht-xa").evaluate(&commune_all(2), ON_2024).unwrap();
    assert_eq!(e.level.as_deref(), Some("md1"));
    let timing = e.explanation.iter().find(|i| i.scope == ItemScope::Recognition).unwrap();
    assert_eq!(timing.met, Some(false));
}

#[test]
fn level_2_request_needs_12_months_after_the_level_1_decision() {
    let s = set("cdht-xa");
    let eleven = commune_all(2).with_previous("md1", date(2024, 1, 1));
    let e = s.evaluate(&eleven, date(2024, 12, 31)).unwrap();
    assert_eq!(e.level.as_deref(), Some("md1"));
    let t = e.explanation.iter().find(|i| i.scope == ItemScope::Recognition && i.id == "md2").unwrap();
    assert_eq!(
        t.rule,
        "chưa đủ 12 tháng kể từ quyết định công nhận Mức độ 1 ngày 01/01/2024: chỉ được đề nghị Mức độ 2 từ ngày 01/01/2025"
    );
    let twelve = s.evaluate(&commune_all(2).with_previous("md1", date(2024, 1, 1)), date(2025, 1, 1)).unwrap();
    assert_eq!(twelve.level.as_deref(), Some("md2"));
    assert_eq!(twelve.summary, "Đạt Mức độ 2 (Tốt)");
}

#[test]
fn recognition_is_kept_36_months_then_expires() {
    let s = set("cdht-xa");
    let decided = date(2024, 3, 31);
    assert_eq!(s.recognition_kept_until(decided), Some(date(2027, 3, 30)));
    let kept = s.evaluate(&commune_all(2).with_previous("md1", decided), date(2027, 3, 30)).unwrap();
    assert_eq!(kept.level.as_deref(), Some("md2"));
    let item = kept.explanation.iter().rev().find(|i| i.scope == ItemScope::Recognition).unwrap();
    assert_eq!(item.met, Some(true));
    assert!(item.rule.contains("còn được bảo lưu đến hết ngày 30/03/2027"), "{}", item.rule);
    let expired = s.evaluate(&commune_all(2).with_previous("md1", decided), date(2027, 3, 31)).unwrap();
    assert_eq!(expired.level.as_deref(), Some("md1"), "an expired level-1 decision does not open level 2");
    let item = expired.explanation.iter().rev().find(|i| i.scope == ItemScope::Recognition).unwrap();
    assert_eq!(item.met, Some(false));
}

#[test]
fn commune_cdht_share_is_computed_exactly_from_counts() {
    let s = set("cdht-xa");
    let base = || {
        let mut a = commune_all(1);
        a.values.remove("TC5.CT1");
        a
    };
    // 5999 / 10000 = 59,99% < 60%.
    let below = base().datum("cong_dan", p("10000")).datum("cong_dan_cdht", p("5999"));
    let e = s.evaluate(&below, ON_2024).unwrap();
    assert_eq!(e.level, None);
    let item = e.explanation.iter().find(|i| i.id == "TC5.CT1").unwrap();
    assert_eq!(item.source, Some(ValueSource::Computed));
    assert!(item.rule.contains("TC5.CT1 = 59,99% < 60%"), "{}", item.rule);
    assert_eq!(item.missing.as_deref(), Some("còn thiếu để đạt Mức độ 1: TC5.CT1 cần ≥ 60% (còn thiếu 0,01%)"));
    let at = base().datum("cong_dan", p("3")).datum("cong_dan_cdht", p("2"));
    // 2/3 = 66,67% (display) ≥ 60%.
    assert_eq!(s.evaluate(&at, ON_2024).unwrap().level.as_deref(), Some("md1"));
}

#[test]
fn commune_training_thresholds_are_lower_in_difficult_areas() {
    let s = set("cdht-xa");
    let answers = || {
        let mut a = commune_all(1);
        a.values.remove("TC5.CT2");
        a.datum("cong_dan", p("1000")).datum("cong_dan_qua_dao_tao", p("450")).datum("cong_dan_dai_hoc", p("110"))
    };
    assert_eq!(s.evaluate(&answers(), ON_2024).unwrap().level, None);
    let difficult = answers().with_area(AreaAttribute::DacBietKhoKhan);
    assert_eq!(s.evaluate(&difficult, ON_2024).unwrap().level.as_deref(), Some("md1"));
}

#[test]
fn organisation_indicators_follow_unit_type_tags() {
    let s = set("dvht-tt24");
    let mut a = Answers::new().with_tag("cap_huyen").with_tag("to_chuc_kinh_te");
    for id in ["C1.CT1", "C1.CT2", "C1.CT4", "C1.CT5", "C3.CT2", "C3.CT3"] {
        a = a.yes_no(id, true);
    }
    for id in ["C2.CT1", "C2.CT2", "C2.CT3", "C2.CT5", "C3.CT1"] {
        a = a.number(id, p("96"));
    }
    // C1.CT3 (public bodies), C2.CT4 (not for economic organisations) and C3.CT4–6 (schools) do not apply.
    let e = s.evaluate(&a, ON_2024).unwrap();
    assert_eq!(e.level.as_deref(), Some("md1"));
    let c24 = e.explanation.iter().find(|i| i.id == "C2.CT4").unwrap();
    assert_eq!(c24.source, Some(ValueSource::NotApplicable));
    // A school must also answer its own indicator, and meets 95% of learners at level 1.
    let school =
        Answers { tags: vec!["cap_tinh".into(), "co_so_giao_duc".into(), "co_so_gdpt".into(), "to_chuc_kinh_te".into()], ..a.clone() };
    let err = s.evaluate(&school, ON_2024).unwrap_err();
    assert!(matches!(&err, EvalError::Answers(v) if v.iter().any(|e| matches!(e, AnswerError::Missing { id, .. } if id == "C3.CT4"))));
    let school = school.number("C3.CT4", p("1")).number("C3.CT1", p("94.9"));
    assert_eq!(s.evaluate(&school, ON_2024).unwrap().level, None);
}

// ---------------------------------------------------------------- bad input

#[test]
fn unknown_indicator_wrong_type_missing_negative_and_above_max_are_each_reported() {
    let s = set("cdht-congdan");
    let mut a = citizen(["8"; 10]);
    a.values.remove("NL1.1");
    let a = a.number("NL9.9", p("1")).yes_no("NL1.2", true).number("NL1.3", p("-1")).number("NL1.4", p("10.5"));
    let EvalError::Answers(errors) = s.evaluate(&a, ON_2024).unwrap_err() else { panic!() };
    let text: Vec<String> = errors.iter().map(ToString::to_string).collect();
    assert!(text.contains(&"answers.NL9.9: không có chỉ tiêu mã \"NL9.9\" trong bộ tiêu chí".to_string()), "{text:?}");
    assert!(text.iter().any(|t| t.starts_with("answers.NL1.1: thiếu câu trả lời")), "{text:?}");
    assert!(text.contains(&"answers.NL1.2: sai kiểu, cần số điểm từ 0 đến 10".to_string()), "{text:?}");
    assert!(text.contains(&"answers.NL1.3: giá trị -1 không được âm".to_string()), "{text:?}");
    assert!(text.contains(&"answers.NL1.4: 10,5 điểm vượt điểm tối đa 10".to_string()), "{text:?}");
    assert_eq!(errors.len(), 5);
}

#[test]
fn answers_json_with_bad_shapes_gives_a_path_for_each_problem() {
    let v = serde_json::json!({
        "answers": {"NL1.1": "mười", "NL1.2": 8.5},
        "area": ["mien_nui", "bien_dao"],
        "previous": [{"level": "md1", "decided_on": "31/12/2023"}],
        "extra": 1
    });
    let errors = Answers::from_json_value(&v).unwrap_err();
    let text: Vec<String> = errors.iter().map(ToString::to_string).collect();
    assert!(text.iter().any(|t| t.starts_with("answers.NL1.1: sai kiểu")), "{text:?}");
    assert!(text.iter().any(|t| t.starts_with("area[1]: thuộc tính địa bàn")), "{text:?}");
    assert!(text.iter().any(|t| t.starts_with("previous[0].decided_on")), "{text:?}");
    assert!(text.iter().any(|t| t.starts_with("extra: khóa không được nhận")), "{text:?}");
    let ok = Answers::from_json_str(
        r#"{"answers": {"NL1.2": 8.5}, "area": ["mien_nui"], "previous": [{"level": "md1", "decided_on": "2023-12-31"}]}"#,
    )
    .unwrap();
    assert_eq!(ok.values.get("NL1.2"), Some(&AnswerValue::Number(p("8.5"))));
    assert_eq!(ok.area, vec![AreaAttribute::MienNui]);
    assert!(Answers::from_json_str("{not json").is_err());
    assert!(Answers::from_json_str("[]").is_err());
}

#[test]
fn levels_set_reports_wrong_types_and_missing_data() {
    let s = set("cdht-xa");
    let mut a = commune_all(1).number("TC1.CT1", p("1")).yes_no("TC4.CT2", true);
    a.values.remove("TC5.CT1");
    let EvalError::Answers(errors) = s.evaluate(&a, ON_2024).unwrap_err() else { panic!() };
    let text: Vec<String> = errors.iter().map(ToString::to_string).collect();
    assert!(text.contains(&"answers.TC1.CT1: sai kiểu, cần true hoặc false".to_string()), "{text:?}");
    assert!(text.contains(&"answers.TC4.CT2: sai kiểu, cần một số".to_string()), "{text:?}");
    assert!(text.contains(&"answers.TC5.CT1: thiếu câu trả lời, hoặc số liệu cong_dan_cdht, cong_dan để tính".to_string()), "{text:?}");
    let zero = commune_all(1).datum("cong_dan", p("0")).datum("cong_dan_cdht", p("0"));
    let mut zero = zero;
    zero.values.remove("TC5.CT1");
    let EvalError::Answers(errors) = s.evaluate(&zero, ON_2024).unwrap_err() else { panic!() };
    assert!(matches!(&errors[0], AnswerError::Arithmetic { id, .. } if id == "TC5.CT1"), "{errors:?}");
}

fn errors_of(text: &str) -> Vec<(String, String)> {
    check_file("x.toml", text).into_iter().map(|e| (e.path, e.reason)).collect()
}

const MINI: &str = r#"
id = "mini"
version = "1"
title = "Thử"
subject = "citizen"
method = "points"
confidence = "guessed"

[legal_basis]
document = "QĐ 1"
issuer = "Hội"
effective_from = "2024-01-01"
confidence = "guessed"

[points]
max_total = 20
pass_mark = 15
confidence = "guessed"

[[bands]]
id = "a"
name = "A"
min = 15
passes = true
confidence = "guessed"

[[criteria]]
id = "C1"
name = "Một"
max_points = 20
confidence = "guessed"

[[criteria.indicators]]
id = "C1.1"
name = "Chỉ số 1"
kind = "points"
max_points = 10
confidence = "guessed"

[[criteria.indicators]]
id = "C1.2"
name = "Chỉ số 2"
kind = "points"
max_points = 10
confidence = "guessed"
"#;

#[test]
fn a_good_minimal_file_has_no_errors() {
    assert_eq!(errors_of(MINI), vec![]);
}

#[test]
fn malformed_criteria_files_give_the_path_and_a_vietnamese_reason() {
    // Inconsistent maxima.
    let e = errors_of(&MINI.replace("max_points = 20", "max_points = 25"));
    assert_eq!(e[0].0, "criteria[0].max_points");
    assert!(e[0].1.contains("tổng điểm tối đa các chỉ tiêu là 20"), "{e:?}");
    // Wrong type, with the serde path.
    let e = errors_of(&MINI.replacen("max_points = 10", "max_points = \"mười\"", 1));
    assert_eq!(e[0].0, "criteria[0].indicators[0].max_points");
    // Unknown field.
    let e = errors_of(&MINI.replace(
        "kind = \"points\"\nmax_points = 10\nconfidence = \"guessed\"\n\n[[criteria.indicators]]\nid = \"C1.2\"",
        "kind = \"points\"\nmax_points = 10\nconfidence = \"guessed\"\nmax_point = 3\n\n[[criteria.indicators]]\nid = \"C1.2\"",
    ));
    assert_eq!(e[0].0, "criteria[0].indicators[0].max_point");
    assert!(e[0].1.contains("max_point") && e[0].1.contains("không có trong lược đồ"), "{e:?}");
    // Duplicate id.
    let e = errors_of(&MINI.replace("id = \"C1.2\"", "id = \"C1.1\""));
    assert_eq!(e, vec![("criteria[0].indicators[1].id".to_string(), "mã \"C1.1\" bị trùng".to_string())]);
    // Pass mark above the maximum, bad enum value, bad date, TOML syntax.
    assert_eq!(errors_of(&MINI.replace("pass_mark = 15", "pass_mark = 25"))[0].0, "points.pass_mark");
    let e = errors_of(&MINI.replace("subject = \"citizen\"", "subject = \"person\""));
    assert_eq!(e[0].0, "subject");
    assert!(e[0].1.contains("không hợp lệ"), "{e:?}");
    assert_eq!(errors_of(&MINI.replace("2024-01-01", "2024-13-01"))[0].0, "legal_basis.effective_from");
    let e = errors_of(&MINI.replace("title = \"Thử\"", "title = \"Thử"));
    assert!(e[0].1.starts_with("lỗi cú pháp TOML ở dòng 4"), "{e:?}");
    // Bands not ordered.
    let two_bands = MINI
        .replace("[[criteria]]", "[[bands]]\nid = \"b\"\nname = \"B\"\nmin = 16\npasses = true\nconfidence = \"guessed\"\n\n[[criteria]]");
    let e = errors_of(&two_bands);
    assert_eq!(e[0].0, "bands[1].min");
}

#[test]
fn bad_formulas_and_references_in_levels_files_are_refused() {
    let base = set("cdht-xa").to_toml().unwrap();
    let bad = base.replace("cong_dan_cdht / cong_dan * 100", "cong_dan_cdht / dan_so * 100");
    let e = errors_of(&bad);
    assert_eq!(e.len(), 1, "{e:?}");
    assert_eq!(e[0].0, "criteria[4].indicators[0].formula");
    assert!(e[0].1.contains("\"dan_so\" chưa được khai báo"), "{e:?}");
    let e = errors_of(&base.replace("cong_dan_cdht / cong_dan * 100", "cong_dan_cdht / (cong_dan * 100"));
    assert!(e[0].1.starts_with("công thức lỗi ở vị trí"), "{e:?}");
    let e = errors_of(&base.replacen("level = \"md2\"\nat_least = 3", "level = \"md3\"\nat_least = 3", 1));
    assert!(e.iter().any(|(p, r)| p.ends_with(".level") && r.contains("md3")), "{e:?}");
    let e = errors_of(&base.replacen("at_least = 80", "at_least = 50", 1));
    assert!(e.iter().any(|(_, r)| r.contains("thấp hơn ngưỡng")), "{e:?}");
}

// ---------------------------------------------------------------- properties

fn points_strategy(maxima: Vec<i64>) -> impl Strategy<Value = Vec<Points>> {
    maxima.into_iter().map(|m| (0..=m).prop_map(Points::from_hundredths)).collect::<Vec<_>>()
}

fn answers_from(set: &CriteriaSet, pts: &[Points]) -> Answers {
    set.indicators().zip(pts).fold(Answers::new(), |a, ((_, i), p)| a.number(&i.id, p.to_number()))
}

fn maxima(set: &CriteriaSet) -> Vec<i64> {
    set.indicators().map(|(_, i)| i.max_points.unwrap().hundredths()).collect()
}

fn area_strategy() -> impl Strategy<Value = Vec<AreaAttribute>> {
    proptest::sample::subsequence(AreaAttribute::ALL.to_vec(), 0..=3)
}

/// Better is greater: passed, then a better band (lower index), then more points.
fn rank(o: &PointsOutcome) -> (bool, i32, Points) {
    (o.passed, -(o.band.map_or(99, i32::from)), o.total)
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(200))]

    #[test]
    fn fast_path_and_explaining_path_agree(
        which in 0usize..3,
        seed in proptest::collection::vec(0i64..=10_000, 15),
        area in area_strategy(),
    ) {
        let s = set(["cdht-congdan", "dvht-tt22", "cdht-xa-tt44"][which]);
        let on = s.legal_basis.effective_from;
        let pts: Vec<Points> = maxima(&s).iter().zip(&seed).map(|(m, r)| Points::from_hundredths(r * m / 10_000)).collect();
        let fast = s.points_scorer().unwrap().score(&pts, AreaSet::of(&area)).unwrap();
        let mut answers = answers_from(&s, &pts);
        answers.area = area;
        let slow = s.evaluate(&answers, on).unwrap();
        prop_assert_eq!(slow.passed, fast.passed);
        prop_assert_eq!(slow.total_points, Some(fast.total));
        prop_assert_eq!(slow.band, fast.band.map(|b| s.bands[usize::from(b)].id.clone()));
        prop_assert_eq!(slow.pass_mark, fast.pass_mark);
    }

    #[test]
    fn total_points_never_exceed_the_maximum(pts in points_strategy(maxima(&set("cdht-congdan")))) {
        let s = set("cdht-congdan");
        let o = s.points_scorer().unwrap().score(&pts, AreaSet::NONE).unwrap();
        prop_assert!(o.total <= s.points.as_ref().unwrap().max_total);
        prop_assert!(o.total >= Points::ZERO);
    }

    #[test]
    fn raising_one_citizen_answer_never_lowers_the_outcome(
        pts in points_strategy(maxima(&set("cdht-congdan"))),
        index in 0usize..10,
        raise in 0i64..=1000,
        area in area_strategy(),
    ) {
        let s = set("cdht-congdan");
        let scorer = s.points_scorer().unwrap();
        let before = scorer.score(&pts, AreaSet::of(&area)).unwrap();
        let mut higher = pts.clone();
        let max = maxima(&s)[index];
        higher[index] = Points::from_hundredths((higher[index].hundredths() + raise).min(max));
        let after = scorer.score(&higher, AreaSet::of(&area)).unwrap();
        prop_assert!(rank(&after) >= rank(&before), "{:?} -> {:?}", before, after);
    }

    #[test]
    fn raising_one_banded_answer_never_lowers_the_band(
        which in 0usize..2,
        seed in proptest::collection::vec(0i64..=10_000, 15),
        index in 0usize..10,
        raise in 0i64..=2000,
    ) {
        let s = set(["dvht-tt22", "cdht-xa-tt44"][which]);
        let m = maxima(&s);
        let pts: Vec<Points> = m.iter().zip(&seed).map(|(m, r)| Points::from_hundredths(r * m / 10_000)).collect();
        let scorer = s.points_scorer().unwrap();
        let before = scorer.score(&pts, AreaSet::NONE).unwrap();
        let mut higher = pts.clone();
        higher[index] = Points::from_hundredths((higher[index].hundredths() + raise).min(m[index]));
        let after = scorer.score(&higher, AreaSet::NONE).unwrap();
        prop_assert!(rank(&after) >= rank(&before), "{:?} -> {:?}", before, after);
    }

    #[test]
    fn commune_answers_reaching_level_2_also_meet_level_1_and_raising_never_lowers(
        bools in proptest::collection::vec(any::<bool>(), 11),
        nums in (0u8..=4, 0u8..=4, 0u8..=3, 0u32..=10_000),
        raise_index in 0usize..15,
        area in area_strategy(),
    ) {
        let s = set("cdht-xa");
        let yes = ["TC1.CT1", "TC1.CT2", "TC1.CT3", "TC2.CT1", "TC2.CT2", "TC2.CT3", "TC3.CT1", "TC3.CT2", "TC3.CT3", "TC4.CT1", "TC5.CT2"];
        let build = |bools: &[bool], nums: (u8, u8, u8, u32)| {
            let mut a = Answers::new().with_previous("md1", date(2023, 1, 1));
            a.area = area.clone();
            for (id, b) in yes.iter().zip(bools) { a = a.yes_no(id, *b); }
            a.number("TC4.CT2", Number::integer(nums.0.into()))
                .number("TC4.CT3", Number::integer(nums.1.into()))
                .number("TC4.CT4", Number::integer(nums.2.into()))
                .number("TC5.CT1", Number::ratio(nums.3.into(), 100).unwrap())
        };
        let rank = |l: &Option<String>| match l.as_deref() { Some("md2") => 2, Some("md1") => 1, _ => 0 };
        let e = s.evaluate(&build(&bools, nums), ON_2024).unwrap();
        if e.level.as_deref() == Some("md2") {
            for item in e.explanation.iter().filter(|i| i.scope == ItemScope::Indicator) {
                prop_assert!(item.met_levels.contains(&"md1".to_string()), "{}", item.id);
            }
        }
        let (mut b2, mut n2) = (bools.clone(), nums);
        match raise_index {
            0..=10 => b2[raise_index] = true,
            11 => n2.0 = n2.0.saturating_add(1),
            12 => n2.1 = n2.1.saturating_add(1),
            13 => n2.2 = n2.2.saturating_add(1),
            _ => n2.3 = (n2.3 + 500).min(10_000),
        }
        let after = s.evaluate(&build(&b2, n2), ON_2024).unwrap();
        prop_assert!(rank(&after.level) >= rank(&e.level));
    }
}

#[test]
fn household_assessed_in_2020_uses_the_2015_points_set_and_in_2023_the_2022_set() {
    let sets = shipped_sets().unwrap();
    let on = |d| select_applicable(&sets, &Selection::new(SubjectKind::Household, d)).map(|s| s.id.as_str());
    assert_eq!(on(date(2020, 12, 31)), Ok("gdht-2015"));
    assert_eq!(on(date(2023, 12, 31)), Ok("gdht"));
    let old = set("gdht-2015");
    let e = old.evaluate(&fill(&old, "80"), date(2020, 12, 31)).unwrap();
    assert!(e.passed);
    assert_eq!(e.confidence, Confidence::Guessed, "the pass mark is a guess and the result says so");
}
