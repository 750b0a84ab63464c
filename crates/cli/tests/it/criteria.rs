//! Criteria sets in the store and through the API and pages, on both engines.

use crate::engines::per_engine;
use crate::harness::TestApp;
use hoctap_store::Engine;
use reqwest::StatusCode;
use serde_json::json;

fn ten(first: f64) -> serde_json::Value {
    let ids = ["NL1.1", "NL1.2", "NL1.3", "NL1.4", "NL2.1", "NL2.2", "NL2.3", "NL2.4", "NL3.1", "NL3.2"];
    let map: serde_json::Map<String, serde_json::Value> =
        ids.iter().enumerate().map(|(i, id)| (id.to_string(), json!(if i == 0 { first } else { 8.0 }))).collect();
    json!(map)
}

per_engine!(the_api_evaluates_at_the_boundary_and_explains);
async fn the_api_evaluates_at_the_boundary_and_explains(engine: Engine) {
    let mut app = TestApp::start(engine).await;
    app.login("xa.canbo").await;
    let (s, list) = app.get("/api/v1/criteria-sets").await;
    assert_eq!(s, StatusCode::OK);
    assert!(list.as_array().unwrap().iter().any(|x| x["id"] == "cdht-xa"));
    let (s, set) = app.get("/api/v1/criteria-sets/cdht-congdan").await;
    assert_eq!(s, StatusCode::OK);
    let first = &set["criteria"][0]["indicators"][0];
    assert!(first["id"].is_string() && first["kind"] == "points" && (first["max_points"].is_string() || first["max_points"].is_number()));
    assert!(first["confidence"].is_string());
    let (s, r) = app.post("/api/v1/criteria-sets/cdht-congdan/evaluate?on=2025-12-31", json!({"answers": ten(7.0)})).await;
    assert_eq!(s, StatusCode::OK, "{r}");
    assert_eq!(r["passed"], false, "{engine:?} 79 points");
    assert!(r["explanation"].as_array().unwrap().len() >= 10);
    let (_, r) = app.post("/api/v1/criteria-sets/cdht-congdan/evaluate?on=2025-12-31", json!({"answers": ten(8.0)})).await;
    assert_eq!(r["passed"], true);
    let (_, r) = app
        .post("/api/v1/criteria-sets/cdht-congdan/evaluate?on=2025-12-31", json!({"answers": ten(7.0), "area": ["dan_toc_thieu_so"]}))
        .await;
    assert_eq!(r["passed"], true, "70 in ethnic-minority areas");
    let (s, e) = app.post("/api/v1/criteria-sets/cdht-congdan/evaluate", json!({"answers": {"XX.9": 3}})).await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(e["error"]["details"].to_string().contains("XX.9"), "{e}");
    let (s, e) = app.post("/api/v1/criteria-sets/cdht-congdan/evaluate", json!({"answers": {"NL1.1": "tám"}})).await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{e}");
    let (s, applicable) = app.get("/api/v1/criteria-sets/applicable?subject=commune&ngay=2023-12-31").await;
    assert_eq!(s, StatusCode::OK, "{applicable}");
    assert_eq!(applicable["id"], "cdht-xa-tt44", "TT 44 was in force in 2023");
    let (_, applicable) = app.get("/api/v1/criteria-sets/applicable?subject=commune&ngay=2024-12-31").await;
    assert_eq!(applicable["id"], "cdht-xa");
}

per_engine!(an_admin_corrects_a_guessed_indicator_as_a_new_version_and_officers_cannot);
async fn an_admin_corrects_a_guessed_indicator_as_a_new_version_and_officers_cannot(engine: Engine) {
    let mut app = TestApp::start(engine).await;
    app.login("xa.canbo").await;
    let body = json!({"indicator": "NL1.1", "max_points": "10", "confidence": "verified", "source": "QĐ 324/QĐ-KHVN Phụ lục"});
    let (s, _) = app.post("/api/v1/criteria-sets/cdht-congdan/corrections", body.clone()).await;
    assert_eq!(s, StatusCode::FORBIDDEN);
    let mut admin = TestApp { client: reqwest::Client::builder().cookie_store(true).build().unwrap(), ..app };
    admin.login("quantri").await;
    let audit_before = admin.store.audit_count().await.unwrap();
    let (s, v) = admin.post("/api/v1/criteria-sets/cdht-congdan/corrections", json!({"indicator": "NL1.1", "source": ""})).await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(v["error"]["field"], "source");
    let (s, v) = admin.post("/api/v1/criteria-sets/cdht-congdan/corrections", body).await;
    assert_eq!(s, StatusCode::CREATED, "{engine:?} {v}");
    assert!(v["version"].as_str().unwrap().ends_with("-sua1"));
    let (_, now) = admin.get("/api/v1/criteria-sets/cdht-congdan").await;
    assert_eq!(now["criteria"][0]["indicators"][0]["confidence"], "verified");
    assert_eq!(admin.store.audit_count().await.unwrap(), audit_before + 1);
}

per_engine!(catalogue_pages_show_badges_and_the_try_page_explains);
async fn catalogue_pages_show_badges_and_the_try_page_explains(engine: Engine) {
    let mut app = TestApp::start(engine).await;
    app.login("xa.canbo").await;
    let html = app.client.get(app.url("/tieu-chi?doi_tuong=household")).send().await.unwrap().text().await.unwrap();
    assert!(html.contains("Gia đình học tập") && html.contains("chưa xác minh"), "{engine:?}");
    assert!(!html.contains("Dòng họ học tập\""), "filtered by subject");
    let html = app.client.get(app.url("/tieu-chi/cdht-xa")).send().await.unwrap().text().await.unwrap();
    assert!(html.contains("Thông tư 25/2023") && html.contains("Mức độ 1"));
    let mut form: Vec<(String, String)> = vec![("csrf".into(), app.csrf.clone()), ("on".into(), "2025-12-31".into())];
    for (i, id) in ["NL1.1", "NL1.2", "NL1.3", "NL1.4", "NL2.1", "NL2.2", "NL2.3", "NL2.4", "NL3.1", "NL3.2"].iter().enumerate() {
        form.push((format!("a:{id}"), if i == 0 { "4".into() } else { "9,5".into() }));
    }
    let res = app.client.post(app.url("/tieu-chi/cdht-congdan/thu-cham")).form(&form).send().await.unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    let html = res.text().await.unwrap();
    assert!(html.contains("id=\"giai-thich\"") && html.contains("89,5"), "{engine:?}: 4 + 9 × 9,5 = 89,5");
    assert!(html.contains("điểm sàn") || html.contains("dưới 5"), "the floor decided");
    let xlsx = app.client.get(app.url("/tieu-chi/cdht-xa/tai-ve.xlsx")).send().await.unwrap().bytes().await.unwrap();
    assert!(xlsx.starts_with(b"PK"));
    let round = hoctap_docs::criteria_xlsx::import_set(&xlsx).unwrap();
    assert_eq!(round.id, "cdht-xa");
}
