//! One truth for every figure: the same unit and year show the same membership rate, fund per
//! inhabitant, receipts, payments and learning centres on the dashboard (page and XLSX), the
//! association and fund pages, the annual report (page, DOCX, XLSX) and the API, and each equals
//! what the registries hold. A commune branch's members include its chi hội's.

use crate::engines::per_engine;
use crate::harness::TestApp;
use hoctap_domain::fund::{Dong, EntryKind, NewEntry};
use hoctap_domain::registry::def::{ASSOCIATION_BRANCHES, ASSOCIATION_MEMBERS, CITIZENS, LEARNING_CENTRES, Value, Values};
use hoctap_domain::unit::UnitCode;
use hoctap_store::{Actor, Engine, Store};
use std::collections::BTreeMap;

fn text(s: &str) -> Value {
    Value::Text(s.to_string())
}

/// A chi hội in a village of the demo commune with two members, a receipt and a payment this
/// year, and a learning centre of the commune: numbers the commune's figures must include.
async fn chi_hoi_and_centre(store: &Store, commune: i64) {
    let actor = Actor::system("kiểm thử");
    let today = hoctap_store::today();
    let villages = store.villages(commune, today).await.unwrap();
    let mut b = Values::new();
    b.insert("code", text("CH-SO-LIEU"));
    b.insert("name", text("Chi hội khuyến học thôn"));
    b.insert("level", text("chi_hoi"));
    b.insert("unit", Value::Unit(UnitCode::parse(&villages[1].code).unwrap()));
    store.registry_create(&actor, &ASSOCIATION_BRANCHES, b, None, today).await.unwrap();
    for (cccd, name) in [("020190001801", "Hà Văn Một"), ("020190001802", "Hà Thị Hai")] {
        let mut m = Values::new();
        m.insert("branch", text("CH-SO-LIEU"));
        m.insert("cccd", text(cccd));
        m.insert("full_name", text(name));
        m.insert("joined_on", Value::Date(jiff::civil::date(today.year(), 1, 2)));
        store.registry_create(&actor, &ASSOCIATION_MEMBERS, m, None, jiff::civil::date(today.year(), 1, 2)).await.unwrap();
    }
    let branch = store.branch_by_code("CH-SO-LIEU").await.unwrap();
    for (kind, amount, decision) in [("thu_hoi_phi", 300_000, None), ("chi_hoat_dong", 100_000, Some("Chi sinh hoạt chi hội"))] {
        let entry = NewEntry {
            kind: EntryKind::parse(kind).unwrap(),
            amount: Dong::new(amount),
            counterparty: Some("Chi hội".into()),
            beneficiary_cccd: None,
            decision: decision.map(String::from),
        };
        store.fund_post(&actor, &branch, &entry, None, jiff::civil::date(today.year(), 3, 1).min(today), None).await.unwrap();
    }
    let commune_code = store.unit(commune).await.unwrap().code;
    let mut c = Values::new();
    c.insert("code", text("TTHTCD-SO-LIEU"));
    c.insert("name", text("Trung tâm học tập cộng đồng xã"));
    c.insert("commune", Value::Unit(UnitCode::parse(&commune_code).unwrap()));
    c.insert("uses_it", Value::Bool(true));
    store.registry_create(&actor, &LEARNING_CENTRES, c, None, jiff::civil::date(today.year(), 1, 5)).await.unwrap();
}

/// The cells of every sheet of a workbook: sheet → rows of text.
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

/// The row of a sheet whose cell `col` is `key`.
fn row<'a>(sheet: &'a [Vec<String>], col: usize, key: &str) -> &'a [String] {
    sheet.iter().find(|r| r.get(col).is_some_and(|c| c == key)).unwrap_or_else(|| panic!("no row {key} in {sheet:?}"))
}

/// The text after a label in a report's text (the next line: DOCX tables read cell by cell).
fn after<'a>(text: &'a str, label: &str) -> &'a str {
    let mut lines = text.lines();
    lines.find(|l| l.trim() == label).unwrap_or_else(|| panic!("no \"{label}\" in {text}"));
    lines.next().unwrap_or_default().trim()
}

/// The text of an element by id in a page.
fn by_id<'a>(html: &'a str, id: &str) -> &'a str {
    let start = html.find(&format!("id=\"{id}\"")).unwrap_or_else(|| panic!("no #{id}"));
    let rest = &html[start..];
    let open = rest.find('>').unwrap() + 1;
    let close = rest[open..].find('<').unwrap() + open;
    rest[open..close].trim()
}

fn vn(n: i64) -> String {
    hoctap_app::format::int_vn(n)
}

per_engine!(every_screen_shows_the_same_figures_as_the_registries);
async fn every_screen_shows_the_same_figures_as_the_registries(engine: Engine) {
    let mut app = TestApp::start(engine).await;
    let commune = app.demo_commune().await;
    hoctap_commands::commands::demo::seed_association(&app.store, commune).await.unwrap();
    chi_hoi_and_centre(&app.store, commune).await;
    let today = hoctap_store::today();
    let year = today.year();
    // What the registries hold for the commune this year.
    let members = app.store.registry_count(&ASSOCIATION_MEMBERS, Some(commune), today).await.unwrap();
    let citizens = app.store.registry_count(&CITIZENS, Some(commune), today).await.unwrap();
    let centres = app.store.registry_count(&LEARNING_CENTRES, Some(commune), today).await.unwrap();
    let (mut receipts, mut payments) = (Dong::ZERO, Dong::ZERO);
    for code in ["HKH-XA-MAU", "CH-SO-LIEU"] {
        let b = app.store.fund_balance(code, year).await.unwrap();
        receipts = receipts + b.total_receipts;
        payments = payments + b.total_payments;
    }
    assert_eq!((members, citizens, centres), (7, 10, 1), "{engine:?}: 5 members of the commune branch, 2 of the chi hội");
    assert_eq!((receipts.get(), payments.get()), (3_800_000, 800_000), "{engine:?}");
    let rate = "70%";
    let per_capita = "380.000 đồng/người";

    app.login("xa.canbo").await;
    // The API's statistics.
    let (_, stats) = app.get(&format!("/api/v1/stats/{commune}?nam={year}")).await;
    let ind = |id: &str| stats["indicators"].as_array().unwrap().iter().find(|l| l["indicator"] == id).unwrap().clone();
    assert_eq!((ind("hkh_membership_rate")["numerator"].as_i64(), ind("hkh_membership_rate")["denominator"].as_i64()), (Some(7), Some(10)));
    assert_eq!(ind("hkh_membership_rate")["shown"], rate, "{engine:?}");
    assert_eq!(ind("fund_per_capita")["numerator"], receipts.get());
    assert_eq!(ind("fund_per_capita")["shown"], per_capita);
    for (metric, value) in [("learning_centres", centres), ("fund_receipts", receipts.get()), ("fund_payments", payments.get())] {
        assert_eq!(stats["metrics"][metric].as_i64(), Some(value), "{engine:?}: {metric}");
    }
    // The dashboard's page and workbook.
    let (_, html) = app.get(&format!("/tong-hop/{commune}?nam={year}")).await;
    let html = html.as_str().unwrap().to_string();
    for (name, num, den, value) in [
        ("Tỷ lệ hội viên khuyến học trên tổng dân số", vn(7), vn(10), rate),
        ("Bình quân quỹ khuyến học trên đầu người", vn(receipts.get()), vn(10), per_capita),
    ] {
        let tr = html.split("<tr>").find(|r| r.contains(name)).unwrap_or_else(|| panic!("{engine:?}: no {name}"));
        assert!(
            tr.contains(&format!(">{num}<")) && tr.contains(&format!(">{den}<")) && tr.contains(&format!(">{value}<")),
            "{engine:?}: {tr}"
        );
    }
    let bytes = app.client.get(app.url(&format!("/tong-hop/{commune}/bang.xlsx?nam={year}"))).send().await.unwrap().bytes().await.unwrap();
    let book = sheets(&bytes);
    let sheet = &book["Chi tieu"];
    assert_eq!(row(sheet, 0, "hkh_membership_rate")[3..6], ["7".to_string(), "10".into(), rate.into()], "{engine:?}");
    assert_eq!(row(sheet, 0, "fund_per_capita")[3..6], [receipts.get().to_string(), "10".into(), per_capita.into()]);
    // The association's pages and the fund API, for the commune's branch.
    let b = app.store.branch_by_code("HKH-XA-MAU").await.unwrap();
    let (_, html) = app.get(&format!("/hoi-khuyen-hoc/{}", b.id)).await;
    let html = html.as_str().unwrap().to_string();
    assert_eq!((by_id(&html, "so-hoi-vien"), by_id(&html, "dan-so"), by_id(&html, "ty-le")), ("7", "10", rate), "{engine:?}");
    assert!(html.contains("Hà Thị Hai") && html.contains("CH-SO-LIEU"), "the chi hội's members are listed with the branch's");
    let (_, html) = app.get(&format!("/hoi-khuyen-hoc/{}/so-quy?nam={year}", b.id)).await;
    assert_eq!(by_id(html.as_str().unwrap(), "binh-quan-gia-tri"), per_capita, "{engine:?}");
    let (_, index) = app.get("/hoi-khuyen-hoc").await;
    assert!(index.as_str().unwrap().contains(">7<"), "{engine:?}: the index counts the commune's members");
    let (_, bal) = app.get(&format!("/api/v1/funds/HKH-XA-MAU/balance?nam={year}")).await;
    assert_eq!((bal["per_capita"]["shown"].as_str(), bal["per_capita"]["numerator"].as_i64()), (Some(per_capita), Some(receipts.get())));
    assert_eq!(bal["membership_rate"]["shown"], rate);
    assert_eq!(bal["population"], citizens);
    // The annual report: page, DOCX and workbook.
    let docx = app.client.get(app.url(&format!("/bao-cao/{commune}/bao-cao.docx?nam={year}"))).send().await.unwrap().bytes().await.unwrap();
    let text = hoctap_docs::decision_docx::docx_text(&docx).unwrap();
    for (label, value) in [
        ("Số trung tâm học tập cộng đồng", vn(centres)),
        ("Trung tâm ứng dụng CNTT trong quản lý, dạy học", vn(1)),
        ("Số hội viên khuyến học", vn(members)),
        ("Số công dân trong sổ (dân số)", vn(citizens)),
        ("Tỷ lệ hội viên khuyến học trên tổng dân số", rate.to_string()),
        ("Thu quỹ khuyến học trong năm (đồng)", vn(receipts.get())),
        ("Chi quỹ khuyến học trong năm (đồng)", vn(payments.get())),
        ("Bình quân quỹ khuyến học trên đầu người", per_capita.to_string()),
    ] {
        assert_eq!(after(&text, label), value, "{engine:?}: {label}");
    }
    let bytes =
        app.client.get(app.url(&format!("/bao-cao/{commune}/bao-cao.xlsx?nam={year}"))).send().await.unwrap().bytes().await.unwrap();
    let book = sheets(&bytes);
    // Amounts are numbers of their full value in the workbook (800.000 đ is not 800).
    assert_eq!(row(&book["Bang 3"], 1, "Số trung tâm học tập cộng đồng")[2], centres.to_string(), "{engine:?}");
    assert_eq!(row(&book["Bang 4"], 1, "Thu quỹ khuyến học trong năm (đồng)")[2], receipts.get().to_string());
    assert_eq!(row(&book["Bang 4"], 1, "Chi quỹ khuyến học trong năm (đồng)")[2], payments.get().to_string());
    assert_eq!(row(&book["Bang 4"], 1, "Bình quân quỹ khuyến học trên đầu người")[2], per_capita);
    let (_, page) = app.get(&format!("/bao-cao/{commune}?nam={year}")).await;
    assert!(page.as_str().unwrap().contains(per_capita), "{engine:?}");
}

per_engine!(a_target_is_shown_only_where_a_plan_in_force_sets_it);
async fn a_target_is_shown_only_where_a_plan_in_force_sets_it(engine: Engine) {
    let mut app = TestApp::start(engine).await;
    let commune = app.demo_commune().await;
    hoctap_commands::commands::demo::seed_association(&app.store, commune).await.unwrap();
    app.login("xa.canbo").await;
    let b = app.store.branch_by_code("HKH-XA-MAU").await.unwrap();
    // Lạng Sơn's plans set no membership target: no Thái Bình 40% here.
    let (_, html) = app.get(&format!("/hoi-khuyen-hoc/{}", b.id)).await;
    let html = html.as_str().unwrap().to_string();
    assert!(!html.contains("40%") && html.contains("Không có kế hoạch đang có hiệu lực"), "{engine:?}");
    let (_, bal) = app.get("/api/v1/funds/HKH-XA-MAU/balance").await;
    assert!(bal["per_capita"]["target"].is_null() && bal["membership_rate"]["target"].is_null(), "{engine:?}: {bal}");
    // Thái Bình in 2025 is measured against CTHĐ 41's 40%, in force then (2020–2025); not
    // in 2026.
    let tb = app.store.unit_by_code("34", jiff::civil::date(2025, 1, 1)).await.unwrap();
    let line = |l: &serde_json::Value, id: &str| l["indicators"].as_array().unwrap().iter().find(|x| x["indicator"] == id).cloned();
    app.login("quantri").await;
    let (_, s) = app.get(&format!("/api/v1/stats/{}?nam=2025&cay=luc-do", tb.id)).await;
    let m = line(&s, "hkh_membership_rate").unwrap();
    assert_eq!(m["target"]["value"], serde_json::json!(40), "{engine:?}: {m}");
    let (_, s) = app.get(&format!("/api/v1/stats/{}?nam=2026&cay=luc-do", tb.id)).await;
    assert!(line(&s, "hkh_membership_rate").unwrap()["target"].is_null(), "{engine:?}: CTHĐ 41 ended in 2025");
}
