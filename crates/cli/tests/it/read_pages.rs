//! The logged-in read pages that list many rows show them a page at a time with the total
//! counted over all of them (issue 13's read pages goal): a branch's members by name. Following
//! "Trang sau" reaches every row exactly once, in order; a cursor altered by hand is refused.
//! (A decision's annex: `bulk::annex_is_paged_by_name_with_its_total`.)

use crate::engines::per_engine;
use crate::harness::TestApp;
use hoctap_domain::registry::def::{ASSOCIATION_BRANCHES, ASSOCIATION_MEMBERS, Value, Values};
use hoctap_domain::unit::UnitCode;
use hoctap_store::{Actor, Engine, RegistryQuery};
use reqwest::StatusCode;

/// The pages of a list from `first`: the ids in each page's rows (cut out after `row`), and
/// the next page's address (the link with `next_id`), until there is none.
async fn walk(app: &TestApp, first: &str, row: &str, next_id: &str) -> (Vec<i64>, Vec<String>) {
    let mut ids = Vec::new();
    let mut pages = Vec::new();
    let mut next = Some(first.to_string());
    while let Some(p) = next.take() {
        let res = app.client.get(app.url(&p)).send().await.unwrap();
        assert_eq!(res.status(), StatusCode::OK, "{p}");
        let html = res.text().await.unwrap();
        ids.extend(html.split(row).skip(1).map(|s| s.split('"').next().unwrap().parse::<i64>().unwrap()));
        let marker = format!("\" id=\"{next_id}\"");
        next = html.contains(&marker).then(|| html.split(&marker).next().unwrap().rsplit("href=\"").next().unwrap().replace("&amp;", "&"));
        pages.push(html);
        assert!(pages.len() < 100, "the pages do not end");
    }
    (ids, pages)
}

per_engine!(a_branch_page_lists_its_members_by_name_a_page_at_a_time_with_their_total);
async fn a_branch_page_lists_its_members_by_name_a_page_at_a_time_with_their_total(engine: Engine) {
    let mut app = TestApp::start(engine).await;
    let today = hoctap_store::today();
    let village = app.store.villages(app.demo_commune().await, today).await.unwrap().remove(0);
    let mut v = Values::new();
    v.insert("code", Value::Text("CH-TRANG".into()));
    v.insert("name", Value::Text("Chi hội khuyến học CH-TRANG".into()));
    v.insert("level", Value::Text("chi_hoi".into()));
    v.insert("unit", Value::Unit(UnitCode::parse(&village.code).unwrap()));
    app.store.registry_create(&Actor::system("kiểm thử"), &ASSOCIATION_BRANCHES, v, None, today).await.unwrap();
    let branch = app.store.branch_by_code("CH-TRANG").await.unwrap();
    app.login("hkh.xa").await;
    let mut csv = String::from("branch,cccd,full_name,joined_on,dues_per_year\n");
    for i in 0..120 {
        let given = ["An", "Bình", "Cúc", "Dũng", "Hà", "Khoa", "Lan", "Minh", "Nam", "Phúc", "Quế", "Sơn"][i % 12];
        csv.push_str(&format!("CH-TRANG,0201900{:05},Hà Văn {given},01/02/2024,24.000\n", 10_000 + i));
    }
    let (s, r) = app.post_bytes("/api/v1/registries/hoi-vien/import?dry_run=false", csv.into_bytes()).await;
    assert_eq!(s, StatusCode::OK, "{engine:?}: {r}");

    let q = RegistryQuery { scope: Some(branch.unit_id), limit: 10_000, by_label: true, ..Default::default() };
    let all: Vec<i64> = app.store.registry_list(&ASSOCIATION_MEMBERS, &q, today).await.unwrap().iter().map(|m| m.id).collect();
    assert!(all.len() >= 120, "{engine:?}: {}", all.len());
    let (ids, pages) = walk(&app, &format!("/hoi-khuyen-hoc/{}", branch.id), "<tr><td><a href=\"/so/hoi-vien/", "hoi-vien-sau").await;
    assert_eq!(ids, all, "{engine:?}: every member once, by name");
    assert_eq!(pages.len(), all.len().div_ceil(50), "{engine:?}");
    let heading = format!("Hội viên ({})", hoctap_domain::text::group_thousands(i64::try_from(all.len()).unwrap()));
    assert!(pages.iter().all(|p| p.contains(&heading)), "{engine:?}: {heading}");
    assert!(pages.iter().skip(1).all(|p| p.contains("id=\"hoi-vien-dau\"")), "{engine:?}: later pages lead back to the first");

    // A cursor altered by hand, or one of another branch's list, is refused.
    let res = app.client.get(app.url(&format!("/hoi-khuyen-hoc/{}?sau=AAAAAAAAAAE", branch.id))).send().await.unwrap();
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY, "{engine:?}");
}
