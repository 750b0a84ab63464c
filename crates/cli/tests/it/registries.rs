//! Registries on both engines: CRUD and scope for every registry, CCCD rules, masking,
//! imports that merge and never lose data, exports that round-trip and are audited.

use crate::engines::per_engine;
use crate::harness::TestApp;
use hoctap_store::Engine;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

/// A village code of the demo commune.
async fn village_code(app: &TestApp) -> String {
    let commune = app.demo_commune().await;
    app.store.villages(commune, hoctap_store::today()).await.unwrap()[0].code.clone()
}

async fn commune_code(app: &TestApp) -> String {
    app.store.unit(app.demo_commune().await).await.unwrap().code
}

/// One valid record body per registry, in dependency order.
async fn samples(app: &TestApp) -> Vec<(&'static str, Value)> {
    let v = village_code(app).await;
    let c = commune_code(app).await;
    vec![
        (
            "ho-gia-dinh",
            json!({"code": "HG-001", "head_name": "Lục Văn Dân", "village": v, "address": "Số 1, Thôn Nà Sla", "members": "4"}),
        ),
        (
            "cong-dan",
            json!({"cccd": "020090001234", "full_name": "Lục Văn Dân", "birth_date": "15/03/1990", "sex": "Nam", "ethnicity": "Tày", "occupation_group": "N1", "household": "HG-001", "relation": "chủ hộ", "village": v}),
        ),
        ("dong-ho", json!({"code": "DH-LUC", "name": "Họ Lục", "home_commune": c})),
        ("ho-thuoc-dong-ho", json!({"clan": "DH-LUC", "household": "HG-001", "joined_on": "01/01/2024"})),
        (
            "co-quan-don-vi",
            json!({"code": "TR-THCS", "name": "Trường THCS Đông Kinh", "kind": "Trường học, cơ sở giáo dục", "management_level": "Cấp xã", "commune": c, "staff": "45"}),
        ),
        (
            "tt-htcd",
            json!({"code": "TT-01", "name": "Trung tâm học tập cộng đồng Đông Kinh", "commune": c, "uses_it": "có", "activities_per_year": "24"}),
        ),
        ("hoi-khuyen-hoc", json!({"code": "CH-NASLA", "name": "Chi hội khuyến học thôn Nà Sla", "level": "Chi hội", "unit": v})),
        (
            "hoi-vien",
            json!({"branch": "CH-NASLA", "cccd": "020090001234", "full_name": "Lục Văn Dân", "joined_on": "01/02/2024", "dues_per_year": "50.000"}),
        ),
        (
            "quy-khuyen-hoc",
            json!({"branch": "CH-NASLA", "entry_no": "PT-001", "posted_on": "01/03/2024", "kind": "Thu ủng hộ, tài trợ", "amount": "2.000.000", "counterparty": "Nhà hảo tâm"}),
        ),
    ]
}

per_engine!(every_registry_creates_reads_updates_and_ends_with_audit);
async fn every_registry_creates_reads_updates_and_ends_with_audit(engine: Engine) {
    let mut app = TestApp::start(engine).await;
    app.login("xa.canbo").await;
    for (slug, body) in samples(&app).await {
        let before = app.store.audit_count().await.unwrap();
        let (s, v) = app.post(&format!("/api/v1/registries/{slug}"), body.clone()).await;
        assert_eq!(s, StatusCode::CREATED, "{engine:?} {slug}: {v}");
        let id = v["id"].as_i64().unwrap();
        let (s, got) = app.get(&format!("/api/v1/registries/{slug}/{id}")).await;
        assert_eq!(s, StatusCode::OK, "{slug}");
        assert!(got["history"].as_array().is_some_and(|h| h.len() == 1), "{slug}: {got}");
        let (s, list) = app.get(&format!("/api/v1/registries/{slug}")).await;
        assert_eq!(s, StatusCode::OK);
        assert!(list["records"].as_array().unwrap().iter().any(|r| r["id"] == json!(id)), "{slug}");
        let (s, dup) = app.post(&format!("/api/v1/registries/{slug}"), body.clone()).await;
        assert_eq!(s, StatusCode::CONFLICT, "{slug}: same key twice: {dup}");
        if slug == "quy-khuyen-hoc" {
            let (s, v) = app.send(Method::PATCH, &format!("/api/v1/registries/{slug}/{id}"), Some(json!({"amount": "1"}))).await;
            assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "a posted entry is never edited: {v}");
            let (s, _) = app.send(Method::DELETE, &format!("/api/v1/registries/{slug}/{id}?ngay=2099-01-01"), None).await;
            assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
        } else {
            let (s, v) = app.send(Method::PATCH, &format!("/api/v1/registries/{slug}/{id}"), Some(json!({}))).await;
            assert_eq!(s, StatusCode::OK, "{slug}: {v}");
        }
        assert!(app.store.audit_count().await.unwrap() > before, "{slug} audited");
    }
    // Ending a household keeps it, with history, out of the default list.
    let (_, list) = app.get("/api/v1/registries/ho-gia-dinh?q=hg-001").await;
    let id = list["records"][0]["id"].as_i64().unwrap();
    let tomorrow = hoctap_store::today().tomorrow().unwrap();
    let (s, _) = app.send(Method::DELETE, &format!("/api/v1/registries/ho-gia-dinh/{id}?ngay={tomorrow}"), None).await;
    assert_eq!(s, StatusCode::NO_CONTENT);
    let (_, still) = app.get(&format!("/api/v1/registries/ho-gia-dinh/{id}")).await;
    assert_eq!(still["record"]["valid_to"], json!(tomorrow.to_string()));
}

per_engine!(a_cccd_that_disagrees_with_birth_date_or_sex_is_refused_with_the_reason);
async fn a_cccd_that_disagrees_with_birth_date_or_sex_is_refused_with_the_reason(engine: Engine) {
    let mut app = TestApp::start(engine).await;
    app.login("xa.canbo").await;
    let v = village_code(&app).await;
    let (s, e) = app
        .post(
            "/api/v1/registries/cong-dan",
            json!({"cccd": "020090001234", "full_name": "Nông Thị Hoa", "birth_date": "15/03/1991", "sex": "Nam", "village": v}),
        )
        .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{engine:?}");
    assert_eq!(e["error"]["field"], "cccd");
    assert!(e["error"]["message"].as_str().unwrap().contains("1990"), "{e}");
    let (s, e) = app
        .post(
            "/api/v1/registries/cong-dan",
            json!({"cccd": "020190001234", "full_name": "Nông Thị Hoa", "birth_date": "15/03/1990", "sex": "Nam", "village": v}),
        )
        .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "digit 4 says female: {e}");
    let (s, e) = app
        .post(
            "/api/v1/registries/cong-dan",
            json!({"cccd": "02009000123", "full_name": "Nông Thị Hoa", "birth_date": "15/03/1990", "sex": "Nữ", "village": v}),
        )
        .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(e["error"]["message"].as_str().unwrap().contains("12"), "{e}");
    let (s, e) = app.post("/api/v1/registries/cong-dan", json!({"cccd": "020190001234", "full_name": "Nông Thị Hoa", "birth_date": "15/03/1990", "sex": "Nữ", "village": v, "household": "KHONG-CO"})).await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(e["error"]["field"], "household");
    assert_eq!(app.store.registry_count(&hoctap_domain::registry::def::CITIZENS, None, hoctap_store::today()).await.unwrap(), 0);
}

per_engine!(reviewers_see_personal_data_masked_and_cannot_export_it);
async fn reviewers_see_personal_data_masked_and_cannot_export_it(engine: Engine) {
    let mut app = TestApp::start(engine).await;
    app.login("xa.canbo").await;
    for (slug, body) in samples(&app).await.into_iter().take(2) {
        let (s, v) = app.post(&format!("/api/v1/registries/{slug}"), body).await;
        assert_eq!(s, StatusCode::CREATED, "{v}");
    }
    let (_, list) = app.get("/api/v1/registries/cong-dan").await;
    assert_eq!(list["records"][0]["values"]["cccd"], "020090001234");
    let mut reviewer = TestApp { client: reqwest::Client::builder().cookie_store(true).build().unwrap(), ..app };
    reviewer.login("xa.thamdinh").await;
    let (_, list) = reviewer.get("/api/v1/registries/cong-dan").await;
    assert_eq!(list["records"][0]["values"]["cccd"], "0200******34", "{engine:?}");
    assert_eq!(list["records"][0]["values"]["birth_date"], "**/**/1990");
    let html = reviewer.client.get(reviewer.url("/so/cong-dan")).send().await.unwrap().text().await.unwrap();
    assert!(html.contains("0200******34") && !html.contains("020090001234"));
    assert_eq!(reviewer.get("/api/v1/registries/cong-dan/export.csv").await.0, StatusCode::FORBIDDEN);
}

per_engine!(another_communes_officer_gets_404_on_every_record);
async fn another_communes_officer_gets_404_on_every_record(engine: Engine) {
    let mut app = TestApp::start(engine).await;
    app.login("xa.canbo").await;
    let mut ids = Vec::new();
    for (slug, body) in samples(&app).await {
        let (s, v) = app.post(&format!("/api/v1/registries/{slug}"), body).await;
        assert_eq!(s, StatusCode::CREATED, "{v}");
        ids.push((slug, v["id"].as_i64().unwrap()));
    }
    // An officer of another commune of the same province.
    let stranger = app.other_commune_officer().await;
    let audit_before = stranger.store.audit_count().await.unwrap();
    for (slug, id) in &ids {
        assert_eq!(stranger.get(&format!("/api/v1/registries/{slug}/{id}")).await.0, StatusCode::NOT_FOUND, "{engine:?} GET {slug}");
        let (s, _) = stranger.send(Method::PATCH, &format!("/api/v1/registries/{slug}/{id}"), Some(json!({}))).await;
        assert_eq!(s, StatusCode::NOT_FOUND, "PATCH {slug}");
        let (s, _) = stranger.send(Method::DELETE, &format!("/api/v1/registries/{slug}/{id}?ngay=2099-01-01"), None).await;
        assert_eq!(s, StatusCode::NOT_FOUND, "DELETE {slug}");
        let (_, list) = stranger.get(&format!("/api/v1/registries/{slug}")).await;
        assert!(list["records"].as_array().unwrap().is_empty(), "{slug} list is scoped");
        let res = stranger.client.get(stranger.url(&format!("/so/{slug}/{id}"))).send().await.unwrap();
        assert_eq!(res.status(), StatusCode::NOT_FOUND, "page {slug}");
    }
    // Creating a record in the other commune's village is refused too.
    let (_, body) = samples(&stranger).await.into_iter().next().unwrap();
    let mut body = body;
    body["code"] = json!("HG-XX");
    let (s, e) = stranger.post("/api/v1/registries/ho-gia-dinh", body).await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{e}");
    assert!(e["error"]["message"].as_str().unwrap().contains("phạm vi"));
    assert_eq!(stranger.store.audit_count().await.unwrap(), audit_before);
}

fn csv_of(rows: &[&str]) -> Vec<u8> {
    format!("\u{feff}{}\n", rows.join("\n")).into_bytes()
}

per_engine!(an_import_with_every_kind_of_bad_row_writes_nothing_and_names_row_and_column);
async fn an_import_with_every_kind_of_bad_row_writes_nothing_and_names_row_and_column(engine: Engine) {
    let mut app = TestApp::start(engine).await;
    app.login("xa.canbo").await;
    let v = village_code(&app).await;
    let nfd: String = unicode_normalization::UnicodeNormalization::nfd("Hoàng Văn Nam").collect();
    let file = csv_of(&[
        "Ghi chú,Số CCCD,Họ và tên,Ngày sinh,Giới tính,Dân tộc,Mã thôn",
        &format!("a,020090001234,{nfd}  ,15/03/1990,Nam,Tày,{v}"),
        &format!("b,20190001235,Nông Thị Hoa,32874,Nữ,Kinh,{v}"),
        &format!("c,0200900012,Lý Văn Ba,01/01/1990,Nam,Kinh,{v}"),
        &format!("d,020090001236,Lý Văn Bốn,31/02/1990,Nam,Kinh,{v}"),
        &format!("e,020090001234,Trùng Lặp,15/03/1990,Nam,Tày,{v}"),
        ",,,,,,",
        &format!("f,2.00901E+11,Sai Số,01/01/1990,Nam,Kinh,{v}"),
        "g,020090001237,Lò Văn Năm,01/01/1990,Nam,Kinh,99999999",
    ]);
    let before = app.store.audit_count().await.unwrap();
    let (s, r) = app.post_bytes("/api/v1/registries/cong-dan/import?dry_run=false", file).await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{engine:?} {r}");
    assert_eq!(r["applied"], false);
    let text = r["rows"].to_string();
    assert!(text.contains("Số CCCD"), "line 4: a 10-digit number restored to 0000… is not a birth in 1990: {text}");
    assert!(text.contains("Excel"), "line 8: a CCCD rounded by Excel: {text}");
    assert!(text.contains("Ngày sinh"), "line 5: 31/02: {text}");
    assert!(text.contains("trùng với dòng 2"), "line 6: duplicate key: {text}");
    assert!(text.contains("99999999"), "line 9: unknown village: {text}");
    let lines: Vec<u64> =
        r["rows"].as_array().unwrap().iter().filter(|x| x[1]["status"] == "reject").map(|x| x[0].as_u64().unwrap()).collect();
    assert!(lines.contains(&4) && lines.contains(&5) && lines.contains(&6) && lines.contains(&8) && lines.contains(&9), "{lines:?}");
    assert!(!lines.contains(&2), "NFD name, trailing spaces and an Excel serial date are fine: {text}");
    // A CSV cell is text: an 11-digit CCCD there was typed so, and no zero is guessed.
    assert!(lines.contains(&3) && text.contains("ô là văn bản"), "line 3: {text}");
    assert_eq!(
        app.store.registry_count(&hoctap_domain::registry::def::CITIZENS, None, hoctap_store::today()).await.unwrap(),
        0,
        "nothing written"
    );
    assert_eq!(app.store.audit_count().await.unwrap(), before);
}

per_engine!(reimporting_an_export_changes_nothing_and_empty_cells_never_clear);
async fn reimporting_an_export_changes_nothing_and_empty_cells_never_clear(engine: Engine) {
    let mut app = TestApp::start(engine).await;
    app.login("xa.canbo").await;
    for (slug, body) in samples(&app).await {
        let (s, v) = app.post(&format!("/api/v1/registries/{slug}"), body).await;
        assert_eq!(s, StatusCode::CREATED, "{v}");
    }
    for slug in ["ho-gia-dinh", "cong-dan", "co-quan-don-vi", "quy-khuyen-hoc"] {
        let before = app.store.audit_count().await.unwrap();
        let xlsx = app
            .client
            .get(app.url(&format!("/api/v1/registries/{slug}/export.xlsx")))
            .send()
            .await
            .unwrap()
            .bytes()
            .await
            .unwrap()
            .to_vec();
        assert!(xlsx.starts_with(b"PK"));
        assert_eq!(app.store.audit_count().await.unwrap(), before + 1, "{slug}: export audited");
        let (s, r) = app.post_bytes(&format!("/api/v1/registries/{slug}/import?dry_run=false"), xlsx).await;
        assert_eq!(s, StatusCode::OK, "{engine:?} {slug}: {r}");
        assert_eq!((r["to_create"].as_u64(), r["to_update"].as_u64(), r["unchanged"].as_u64()), (Some(0), Some(0), Some(1)), "{slug}: {r}");
        let csv =
            app.client.get(app.url(&format!("/api/v1/registries/{slug}/export.csv"))).send().await.unwrap().bytes().await.unwrap().to_vec();
        let (_, r) = app.post_bytes(&format!("/api/v1/registries/{slug}/import"), csv).await;
        assert_eq!(r["unchanged"], 1, "{slug} CSV round trip: {r}");
    }
    // A file with only the key and one changed column updates that column only.
    let file = csv_of(&["Mã hộ,Địa chỉ", "HG-001,Số 9 đường mới"]);
    let (s, r) = app.post_bytes("/api/v1/registries/ho-gia-dinh/import?dry_run=false", file).await;
    assert_eq!(s, StatusCode::OK, "{r}");
    assert_eq!(r["to_update"], 1);
    let (_, list) = app.get("/api/v1/registries/ho-gia-dinh").await;
    let values = &list["records"][0]["values"];
    assert_eq!(values["address"], "Số 9 đường mới");
    assert_eq!(values["head_name"], "Lục Văn Dân", "{engine:?}: not cleared");
    assert_eq!(values["members"], "4");
}

per_engine!(records_follow_their_commune_through_a_merger);
async fn records_follow_their_commune_through_a_merger(engine: Engine) {
    let mut app = TestApp::start(engine).await;
    app.login("quantri").await;
    let demo = app.demo_commune().await;
    let c = commune_code(&app).await;
    let (s, v) = app
        .post(
            "/api/v1/registries/co-quan-don-vi",
            json!({"code": "UB-XA", "name": "UBND phường", "kind": "Cơ quan nhà nước", "management_level": "Cấp xã", "commune": c}),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{v}");
    let id = v["id"].as_i64().unwrap();
    let province = app.unit_id("20").await;
    let other = app.store.children(province, hoctap_store::today()).await.unwrap().into_iter().find(|x| x.id != demo).unwrap();
    let on = hoctap_store::today().tomorrow().unwrap();
    let (s, v) = app.post("/api/v1/reorganisations", json!({"operation": {"Merge": {"predecessors": [demo], "into": {"Existing": other.id}}}, "effective_on": on.to_string(), "legal_act": "NQ thử"})).await;
    assert_eq!(s, StatusCode::OK, "{v}");
    let r = app.store.registry_get(&hoctap_domain::registry::def::ORGANISATIONS, id).await.unwrap();
    assert_eq!(r.unit_id, other.id, "{engine:?}");
    assert_eq!(
        r.values.get("commune").map(|v| v.display(hoctap_domain::registry::def::FieldType::Text { max: 0 })),
        Some(other.code.clone())
    );
}

per_engine!(values_that_look_like_formulas_survive_an_export_and_reimport);
async fn values_that_look_like_formulas_survive_an_export_and_reimport(engine: Engine) {
    let mut app = TestApp::start(engine).await;
    app.login("xa.canbo").await;
    let v = village_code(&app).await;
    let (s, r) = app
        .post(
            "/api/v1/registries/ho-gia-dinh",
            json!({"code": "HG-F", "head_name": "Lục Văn Dân", "village": v, "note": "-tạm vắng", "address": "=1+1"}),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{r}");
    let csv = app.client.get(app.url("/api/v1/registries/ho-gia-dinh/export.csv")).send().await.unwrap().text().await.unwrap();
    assert!(csv.contains("'-tạm vắng") && csv.contains("'=1+1"), "escaped on export: {csv}");
    let (s, r) = app.post_bytes("/api/v1/registries/ho-gia-dinh/import", csv.into_bytes()).await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(r["unchanged"], 1, "{engine:?}: read back as stored: {r}");
}

per_engine!(record_pages_show_related_records_age_and_fund_balance);
async fn record_pages_show_related_records_age_and_fund_balance(engine: Engine) {
    let mut app = TestApp::start(engine).await;
    app.login("xa.canbo").await;
    let mut ids = std::collections::BTreeMap::new();
    for (slug, body) in samples(&app).await {
        let (s, v) = app.post(&format!("/api/v1/registries/{slug}"), body).await;
        assert_eq!(s, StatusCode::CREATED, "{v}");
        ids.insert(slug, v["id"].as_i64().unwrap());
    }
    let (s, _) = app.post("/api/v1/registries/quy-khuyen-hoc", json!({"branch": "CH-NASLA", "entry_no": "PC-001", "posted_on": "15/09/2024", "kind": "Chi học bổng", "amount": "500.000", "counterparty": "Học sinh nghèo vượt khó", "decision": "QĐ 05/QĐ-HKH"})).await;
    assert_eq!(s, StatusCode::CREATED);
    let household = app.client.get(app.url(&format!("/so/ho-gia-dinh/{}", ids["ho-gia-dinh"]))).send().await.unwrap().text().await.unwrap();
    assert!(household.contains("Công dân (1)") && household.contains("020090001234"), "{engine:?}: the household lists its members");
    assert!(household.contains("Hộ thuộc dòng họ (1)"));
    let citizen = app.client.get(app.url(&format!("/so/cong-dan/{}", ids["cong-dan"]))).send().await.unwrap().text().await.unwrap();
    assert!(citizen.contains("người lớn"), "age derived from the date of birth");
    let branch =
        app.client.get(app.url(&format!("/so/hoi-khuyen-hoc/{}", ids["hoi-khuyen-hoc"]))).send().await.unwrap().text().await.unwrap();
    assert!(
        branch.contains("id=\"ton-quy\"") && branch.contains("2.000.000") && branch.contains("1.500.000"),
        "receipts 2.000.000, payments 500.000, balance 1.500.000"
    );
    // Sorting by name pages through with a keyset cursor.
    let v = village_code(&app).await;
    for (i, name) in ["Bế Văn Ba", "Âu Thị Hai", "Đàm Văn Một"].iter().enumerate() {
        let (s, r) = app.post("/api/v1/registries/ho-gia-dinh", json!({"code": format!("HG-S{i}"), "head_name": name, "village": v})).await;
        assert_eq!(s, StatusCode::CREATED, "{r}");
    }
    let (_, list) = app.get("/api/v1/registries/ho-gia-dinh?sap_xep=ten").await;
    let names: Vec<&str> = list["records"].as_array().unwrap().iter().map(|r| r["values"]["head_name"].as_str().unwrap()).collect();
    let mut sorted = names.clone();
    sorted.sort();
    assert_eq!(names, sorted, "{engine:?}");
}

per_engine!(writes_at_once_wait_their_turn_instead_of_failing);
/// Thirty saves of the same record at once all succeed: on SQLite a write transaction takes the
/// lock when it begins, so it waits its turn instead of answering 500 "database is locked"
/// (found by Schemathesis: three roles writing at once).
async fn writes_at_once_wait_their_turn_instead_of_failing(engine: Engine) {
    let mut app = TestApp::start(engine).await;
    app.login("xa.canbo").await;
    let (slug, body) = samples(&app).await.into_iter().next().unwrap();
    let (s, v) = app.post(&format!("/api/v1/registries/{slug}"), body).await;
    assert_eq!(s, StatusCode::CREATED, "{v}");
    let path = format!("/api/v1/registries/{slug}/{}", v["id"]);
    let saves = (0..30).map(|_| app.send(Method::PATCH, &path, Some(json!({}))));
    for (s, v) in futures_join_all(saves).await {
        assert_eq!(s, StatusCode::OK, "{engine:?}: {v}");
    }
}

/// Polls the futures together on this task (each interleaved at its awaits) and returns their outputs in order.
async fn futures_join_all<F: std::future::Future>(fs: impl Iterator<Item = F>) -> Vec<F::Output> {
    let mut futures: Vec<_> = fs.map(Box::pin).collect();
    let mut results: Vec<Option<F::Output>> = futures.iter().map(|_| None).collect();
    std::future::poll_fn(|cx| {
        let mut pending = false;
        for (f, slot) in futures.iter_mut().zip(results.iter_mut()) {
            if slot.is_none() {
                match f.as_mut().poll(cx) {
                    std::task::Poll::Ready(v) => *slot = Some(v),
                    std::task::Poll::Pending => pending = true,
                }
            }
        }
        if pending { std::task::Poll::Pending } else { std::task::Poll::Ready(()) }
    })
    .await;
    results.into_iter().flatten().collect()
}
