//! The demo's past years (issue 15 §5), on both engines, over the demo as `hoctap demo
//! --stat-communes 1` builds it: every year 2021–2025 has numbers on the dashboard's trend of the
//! demo province and commune; the tree as it was on 01/01/2024 has the communes of then, and the
//! dashboard "as it was" shows one of them with the numbers its registries held; a past year's
//! figures are the same on the dashboard, the annual report and in the registries; and every
//! family recognised "Gia đình học tập" has the adults with "Công dân học tập" the family set
//! requires (or, in 2022, before any citizen set was in force, was approved by exception); the
//! model village is recognised "Cộng đồng học tập" from 2023.

use crate::engines::{empty_url, per_engine};
use crate::harness::TestApp;
use hoctap_domain::criteria::SubjectKind;
use hoctap_domain::registry::def::{ASSOCIATION_BRANCHES, ASSOCIATION_MEMBERS, CITIZENS, HOUSEHOLDS, Value};
use hoctap_domain::unit::UnitKind;
use hoctap_store::{Engine, RegistryQuery, Store};
use jiff::civil::date;
use std::collections::BTreeMap;

fn vn(n: i64) -> String {
    hoctap_web::format::int_vn(n)
}

/// The dashboard's trend table: (years, rows of (indicator name, values shown)).
fn trend(html: &str) -> (Vec<String>, Vec<(String, Vec<String>)>) {
    let start = html.find("id=\"bang-xu-huong\"").expect("the dashboard has a trend table");
    let table = &html[start..start + html[start..].find("</table>").unwrap()];
    let cells = |row: &str| -> Vec<String> {
        row.split("<t")
            .skip(1)
            .filter_map(|c| c.split_once('>').map(|(_, rest)| rest.split('<').next().unwrap_or("").trim().to_string()))
            .collect()
    };
    let mut rows = table.split("<tr>").skip(1);
    let years = cells(rows.next().unwrap()).into_iter().skip(1).filter(|c| !c.is_empty()).collect();
    let body = rows.map(|r| {
        let c = cells(r).into_iter().filter(|c| !c.is_empty()).collect::<Vec<_>>();
        (c[0].clone(), c[1..].to_vec())
    });
    (years, body.collect())
}

/// The rows of every sheet of a workbook.
fn sheets(bytes: &[u8]) -> BTreeMap<String, Vec<Vec<String>>> {
    use calamine::{Reader, Xlsx};
    let mut wb: Xlsx<_> = Xlsx::new(std::io::Cursor::new(bytes.to_vec())).unwrap();
    let mut out = BTreeMap::new();
    for name in wb.sheet_names().to_vec() {
        let range = wb.worksheet_range(&name).unwrap();
        out.insert(name, range.rows().map(|r| r.iter().map(|c| c.to_string()).collect()).collect());
    }
    out
}

/// How many records of a registry under a unit were in force on a day (begun, not ended).
async fn held(store: &Store, reg: &'static hoctap_domain::registry::def::Registry, unit: i64, on: jiff::civil::Date) -> i64 {
    let (mut after, mut n) = (None, 0);
    loop {
        let q = RegistryQuery { scope: Some(unit), after, limit: 1_000, ..Default::default() };
        let page = store.registry_list(reg, &q, on).await.unwrap();
        n += page.iter().filter(|r| r.validity.contains(on)).count() as i64;
        if page.len() < 1_000 {
            return n;
        }
        after = page.last().map(|r| r.id);
    }
}

/// The text after a label in a report's text (the next line: DOCX tables read cell by cell).
fn after<'a>(text: &'a str, label: &str) -> &'a str {
    let mut lines = text.lines();
    lines.find(|l| l.trim() == label).unwrap_or_else(|| panic!("no \"{label}\" in {text}"));
    lines.next().unwrap_or_default().trim()
}

per_engine!(the_demo_has_past_years_that_agree_everywhere);
async fn the_demo_has_past_years_that_agree_everywhere(engine: Engine) {
    let store = Store::connect(&empty_url(engine).await).await.unwrap();
    store.migrate().await.unwrap();
    let (province, commune) = hoctap_commands::commands::demo::seed_all(&store, 1, &crate::harness::deployment_key()).await.unwrap();
    let today = hoctap_store::today();
    let mut app = TestApp::start_on(engine, store.clone()).await;
    app.login("quantri").await;

    // 1. The trend of the province and of the commune: numbers in every year 2021–2025.
    for unit in [province, commune] {
        let (_, html) = app.get(&format!("/tong-hop/{unit}?nam=2025")).await;
        let (years, rows) = trend(html.as_str().unwrap());
        assert_eq!(years, ["2021", "2022", "2023", "2024", "2025"], "{engine:?}");
        // Families every year; citizens, and the model village with them, from 2023, when the
        // citizens' set came into force.
        for (name, from) in [("Tỷ lệ gia đình được công nhận", 0), ("Tỷ lệ công dân đạt danh hiệu", 2), ("Tỷ lệ cộng đồng (thôn", 2)]
        {
            let (_, values) = rows.iter().find(|(n, _)| n.starts_with(name)).unwrap_or_else(|| panic!("{engine:?}: no {name} in {rows:?}"));
            assert!(values[from..].iter().all(|v| v != "—" && v != "0%" && !v.is_empty()), "{engine:?}: {unit} {name}: {values:?}");
        }
    }

    // 2. The tree as it was on 01/01/2024: the communes merged into the demo commune were there,
    // under a district of the province, and the dashboard "as it was" shows their numbers as
    // their registries held them.
    let jan_2024 = date(2024, 1, 1);
    let then: Vec<_> = store
        .predecessors(commune)
        .await
        .unwrap()
        .into_iter()
        .filter(|p| p.validity.contains(jan_2024) && p.kind == UnitKind::Commune)
        .collect();
    assert!(!then.is_empty(), "{engine:?}: the demo commune has communes of then");
    let mut with_numbers = 0;
    for old in &then {
        let above = store.ancestors(old.id, jan_2024).await.unwrap();
        assert!(above.iter().any(|u| u.id == province) && above.iter().any(|u| u.kind == UnitKind::District), "{engine:?}: {above:?}");
        let (s, stats) = app.get(&format!("/api/v1/stats/{}?nam=2023&cay=luc-do", old.id)).await;
        assert_eq!(s, reqwest::StatusCode::OK, "{engine:?}: {stats}");
        let end = date(2023, 12, 31);
        let households = held(&store, &HOUSEHOLDS, old.id, end).await;
        let members = held(&store, &ASSOCIATION_MEMBERS, old.id, end).await;
        assert_eq!(stats["metrics"]["households"].as_i64(), Some(households), "{engine:?}: {}", old.name);
        assert_eq!(stats["metrics"]["association_members"].as_i64(), Some(members), "{engine:?}: {}", old.name);
        if households > 0 && stats["metrics"]["rec_gdht"].as_i64().unwrap_or(0) > 0 {
            with_numbers += 1;
        }
    }
    assert!(with_numbers > 0, "{engine:?}: a commune of then shows households and recognised families in 2023");
    // The province "as it was" in 2023 ranks its districts of then; the demo commune's has numbers.
    let district = store.ancestors(then[0].id, jan_2024).await.unwrap().into_iter().find(|u| u.kind == UnitKind::District).unwrap();
    let (_, stats) = app.get(&format!("/api/v1/stats/{province}?nam=2023&cay=luc-do")).await;
    let child = stats["children"].as_array().unwrap().iter().find(|c| c["unit_id"] == district.id).cloned();
    assert!(child.is_some_and(|c| c["numerator"].as_i64().unwrap_or(0) > 0), "{engine:?}: {stats}");

    // 3. A past year (2025) shows the same figures on the dashboard, the annual report and in
    // the registries.
    let year = 2025;
    let end = date(year, 12, 31);
    let households = held(&store, &HOUSEHOLDS, commune, end).await;
    let citizens = held(&store, &CITIZENS, commune, end).await;
    let members = held(&store, &ASSOCIATION_MEMBERS, commune, end).await;
    let branches = store
        .registry_list(&ASSOCIATION_BRANCHES, &RegistryQuery { scope: Some(commune), limit: 1_000, ..Default::default() }, today)
        .await
        .unwrap();
    let (mut receipts, mut payments) = (0, 0);
    for b in &branches {
        if let Some(Value::Text(code)) = b.values.get("code") {
            let bal = store.fund_balance(code, year).await.unwrap();
            receipts += bal.total_receipts.get();
            payments += bal.total_payments.get();
        }
    }
    let mut families = 0;
    for c in store.campaigns(None, today).await.unwrap() {
        for d in store.decisions(c.id).await.unwrap() {
            for r in store.recognitions(d.id).await.unwrap() {
                if r.subject_kind == "household"
                    && r.status_on(end) == hoctap_domain::recognition::RecognitionStatus::Valid
                    && store.in_scope(commune, r.unit_id, today).await.unwrap()
                {
                    families += 1;
                }
            }
        }
    }
    assert!(households > 0 && members > 0 && receipts > 0 && families > 0, "{engine:?}");
    let (_, stats) = app.get(&format!("/api/v1/stats/{commune}?nam={year}")).await;
    for (metric, value) in [
        ("households", households),
        ("citizens", citizens),
        ("association_members", members),
        ("fund_receipts", receipts),
        ("fund_payments", payments),
        ("rec_gdht", families),
    ] {
        assert_eq!(stats["metrics"][metric].as_i64(), Some(value), "{engine:?}: {metric}");
    }
    let docx = app.client.get(app.url(&format!("/bao-cao/{commune}/bao-cao.docx?nam={year}"))).send().await.unwrap().bytes().await.unwrap();
    let text = hoctap_docs::decision_docx::docx_text(&docx).unwrap();
    for (label, value) in [
        ("Số hội viên khuyến học", members),
        ("Số công dân trong sổ (dân số)", citizens),
        ("Thu quỹ khuyến học trong năm (đồng)", receipts),
        ("Chi quỹ khuyến học trong năm (đồng)", payments),
    ] {
        assert_eq!(after(&text, label), vn(value), "{engine:?}: {label}");
    }
    let bytes =
        app.client.get(app.url(&format!("/bao-cao/{commune}/bao-cao.xlsx?nam={year}"))).send().await.unwrap().bytes().await.unwrap();
    let book = sheets(&bytes);
    let models = book.values().flatten().find(|r| r.get(1).is_some_and(|c| c == "Gia đình học tập")).expect("the models table");
    assert_eq!((models[2].clone(), models[3].clone()), (families.to_string(), households.to_string()), "{engine:?}: {models:?}");
    // The commune submitted that year's report.
    assert!(store.annual_report(commune, year).await.unwrap().is_some_and(|r| r.submitted), "{engine:?}");

    // 4. Families recognised "Gia đình học tập" have the adults with "Công dân học tập" the
    // family set requires (gdht: at least 40% of the adults, counted in the registries as the
    // form counts them), or were approved by exception before any citizen set was in force.
    let (mut checked, mut by_exception) = (0, 0);
    for c in store.campaigns(None, today).await.unwrap() {
        let set = store.criteria_set(&c.set_id, Some(&c.set_version)).await.unwrap().set;
        if set.subject != SubjectKind::Household {
            continue;
        }
        let source = |id: &str| set.variables.iter().find(|v| v.id == id).and_then(|v| v.source.clone());
        let (Some(adults), Some(learners)) = (source("nguoi_lon"), source("nguoi_lon_cdht")) else { continue };
        let year = i16::try_from(c.year).unwrap();
        for d in store.decisions(c.id).await.unwrap() {
            for r in store.recognitions(d.id).await.unwrap() {
                let a = store.assessment(r.assessment_id).await.unwrap();
                if !a.override_reason.is_empty() {
                    assert!(year < 2023 && a.override_reason.contains("Công dân học tập"), "{engine:?}: {year}: {}", a.override_reason);
                    by_exception += 1;
                    continue;
                }
                let v = store.source_values(SubjectKind::Household, r.subject_id, year, &[&adults, &learners]).await.unwrap();
                let (n, k) = (v[0].unwrap_or(0), v[1].unwrap_or(0));
                assert!(n > 0 && k * 5 >= n * 2, "{engine:?}: {} in {year}: {k} of {n} adults", r.subject_name);
                checked += 1;
            }
        }
    }
    assert!(checked > 100 && by_exception > 0, "{engine:?}: {checked} families checked, {by_exception} by exception");
}
