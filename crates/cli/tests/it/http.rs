//! HTTP tests on both engines: login, scope on every route, audit per write, bad input.

use crate::engines::per_engine;
use crate::harness::TestApp;
use hoctap_store::Engine;
use reqwest::{Method, StatusCode};
use serde_json::json;

per_engine!(health_and_openapi_answer_without_login);
async fn health_and_openapi_answer_without_login(engine: Engine) {
    let app = TestApp::start(engine).await;
    assert_eq!(app.get("/healthz").await.0, StatusCode::OK);
    let (s, doc) = app.get("/api/openapi.json").await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(doc["openapi"], "3.1.0");
    assert!(doc["paths"]["/api/v1/tree"].is_object());
    assert_eq!(app.get("/api/v1/tree").await.0, StatusCode::UNAUTHORIZED);
    let res = app.client.get(app.url("/don-vi")).send().await.unwrap();
    assert_eq!(res.headers()["location"], "/dang-nhap");
}

per_engine!(tree_as_at_2024_and_today_through_the_api);
async fn tree_as_at_2024_and_today_through_the_api(engine: Engine) {
    let mut app = TestApp::start(engine).await;
    app.login("xa.canbo").await;
    let (s, old) = app.get("/api/v1/tree?ngay=31/12/2024").await;
    assert_eq!(s, StatusCode::OK);
    let provinces = |v: &serde_json::Value| v["units"].as_array().unwrap().iter().filter(|u| u["kind"] == "province").count();
    assert_eq!(provinces(&old), 63, "{engine:?}");
    let (_, now) = app.get("/api/v1/tree").await;
    assert_eq!(provinces(&now), 34);
    assert!(now["units"].as_array().unwrap().iter().all(|u| u["kind"] != "district"));
    let ls = app.unit_id("20").await;
    let (_, one) = app.get(&format!("/api/v1/tree?root={ls}")).await;
    assert!(one["count"].as_u64().unwrap() > 50);
    let (s, e) = app.get("/api/v1/tree?ngay=31/02/2024").await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(e["error"]["field"], "ngay");
    assert!(e["error"]["message"].as_str().unwrap().contains("dd/mm/yyyy"));
}

per_engine!(lineage_lookups_both_ways);
async fn lineage_lookups_both_ways(engine: Engine) {
    let mut app = TestApp::start(engine).await;
    app.login("xa.canbo").await;
    let (s, old) = app.get("/api/v1/units/by-code/00004?ngay=2024-12-31").await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(old["unit"]["name"], "Phường Trúc Bạch");
    let id = old["unit"]["id"].as_i64().unwrap();
    let (_, lin) = app.get(&format!("/api/v1/units/{id}/lineage")).await;
    assert_eq!(lin["successors"][0]["name"], "Phường Ba Đình", "{engine:?}");
    let new_id = lin["successors"][0]["id"].as_i64().unwrap();
    let (_, back) = app.get(&format!("/api/v1/units/{new_id}/lineage")).await;
    assert!(back["predecessors"].as_array().unwrap().iter().any(|p| p["name"] == "Phường Trúc Bạch"));
    assert!(back["events"].as_array().unwrap().iter().any(|e| e["kind"] == "merge" && e["role"] == "successor"));
    // The page shows it too.
    let page = app.client.get(app.url(&format!("/don-vi/{id}"))).send().await.unwrap().text().await.unwrap();
    assert!(page.contains("Đơn vị kế thừa hiện nay") && page.contains("Phường Ba Đình") && page.contains("01/07/2025"));
}

per_engine!(wrong_password_is_refused_in_vietnamese_and_throttled);
async fn wrong_password_is_refused_in_vietnamese_and_throttled(engine: Engine) {
    let app = TestApp::start(engine).await;
    for _ in 0..5 {
        let res = app
            .client
            .post(app.url("/api/v1/session"))
            .json(&json!({"username": "xa.canbo", "password": "sai-mat-khau-1"}))
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
        let v: serde_json::Value = res.json().await.unwrap();
        assert!(v["error"]["message"].as_str().unwrap().contains("không đúng"));
    }
    // Locked now, even with the right password.
    let res = app
        .client
        .post(app.url("/api/v1/session"))
        .json(&json!({"username": "xa.canbo", "password": crate::harness::PASSWORD}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::TOO_MANY_REQUESTS, "{engine:?}");
    // The HTML form too, and its CSRF check.
    let res =
        app.client.post(app.url("/dang-nhap")).form(&[("username", "hkh.xa"), ("password", "x"), ("csrf", "forged")]).send().await.unwrap();
    assert_eq!(res.status(), StatusCode::FORBIDDEN);
    let failures = app
        .store
        .audit(
            &hoctap_store::AuditFilter { action: Some("auth.login_failed".into()), limit: 100, ..Default::default() },
            hoctap_store::today(),
        )
        .await
        .unwrap();
    // Aggregated: one row per doubling of the account's count and of the address's
    // (1, 2, 4 of five failures each), with the count.
    assert_eq!(failures.len(), 6, "{engine:?}");
    assert!(failures.iter().all(|f| f.after.as_ref().is_some_and(|a| a["failures"].as_u64().is_some())));
}

per_engine!(writes_need_the_csrf_token);
async fn writes_need_the_csrf_token(engine: Engine) {
    let mut app = TestApp::start(engine).await;
    app.login("xa.canbo").await;
    let commune = app.demo_commune().await;
    let res = app
        .client
        .post(app.url(&format!("/api/v1/units/{commune}/villages")))
        .json(&json!({"name": "Thôn Mới", "unit_type": "thôn"}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::FORBIDDEN, "{engine:?}");
    let res = app
        .client
        .post(app.url(&format!("/don-vi/{commune}/thon")))
        .form(&[("name", "Thôn Mới"), ("unit_type", "thôn"), ("csrf", "sai")])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::FORBIDDEN);
    assert!(app.store.villages(commune, hoctap_store::today()).await.unwrap().iter().all(|v| v.name != "Thôn Mới"));
}

per_engine!(every_page_form_refuses_a_wrong_or_missing_csrf_token_before_anything_else);
/// Every form post of the pages goes through `CsrfForm` (or checks the token of its upload):
/// a wrong or missing token answers 403 with the same Vietnamese message, before the role, the
/// scope or the body, and nothing is written.
async fn every_page_form_refuses_a_wrong_or_missing_csrf_token_before_anything_else(engine: Engine) {
    // Public forms, and the login form with its own cookie-bound token (tested in `accounts`).
    let open = ["/dang-nhap", "/xac-minh"];
    let mut app = TestApp::start(engine).await;
    app.login("quantri").await;
    let audit_before = app.store.table_counts().await.unwrap();
    let (mut checked, mut uploads) = (0, 0);
    for (method, path) in hoctap_web::route_table() {
        if method != Method::POST || path.starts_with("/api") || open.iter().any(|o| path.starts_with(o)) {
            continue;
        }
        // A real registry, so that the uploads (which check the token once the file is read,
        // after the role and the registry) reach their check.
        let fill = |p: &str| match p {
            "{slug}" => hoctap_domain::registry::def::HOUSEHOLDS.slug.to_string(),
            p if p.starts_with('{') => "1".to_string(),
            p => p.to_string(),
        };
        let url = app.url(&path.split('/').map(fill).collect::<Vec<_>>().join("/"));
        for token in [Some("sai"), None] {
            let mut form = vec![("name", "Thôn Mới")];
            form.extend(token.map(|t| ("csrf", t)));
            let upload = reqwest::multipart::Form::new().text("csrf", token.unwrap_or("").to_string());
            // Uploads are multipart forms; everything else is urlencoded.
            let res = app.client.post(&url).form(&form).send().await.unwrap();
            let (status, body) = (res.status(), res.text().await.unwrap());
            if status == StatusCode::FORBIDDEN {
                assert!(body.contains("phiên làm việc đã hết hạn"), "{engine:?} POST {path}: {body}");
                checked += 1;
                continue;
            }
            // An upload reads its token with the file, after its role and its object (`1`
            // may not exist): refused all the same.
            let res = app.client.post(&url).multipart(upload).send().await.unwrap();
            let (status, body) = (res.status(), res.text().await.unwrap());
            assert!(matches!(status.as_u16(), 403 | 404), "{engine:?} POST {path} token {token:?}: {status} {body}");
            uploads += 1;
        }
    }
    assert!(checked > 80 && uploads < 24, "{engine:?}: {checked} form posts and {uploads} uploads checked");
    let audit_after = app.store.table_counts().await.unwrap();
    assert_eq!(audit_before, audit_after, "{engine:?}: a refused post wrote something");
}

per_engine!(every_write_is_audited_with_its_unit);
async fn every_write_is_audited_with_its_unit(engine: Engine) {
    let mut app = TestApp::start(engine).await;
    app.login("xa.canbo").await;
    let commune = app.demo_commune().await;
    let before = app.store.audit_count().await.unwrap();
    let (s, v) = app.post(&format!("/api/v1/units/{commune}/villages"), json!({"name": "Thôn Bản Mới", "unit_type": "bản"})).await;
    assert_eq!(s, StatusCode::CREATED, "{v}");
    let vid = v["id"].as_i64().unwrap();
    let (s, _) = app.send(Method::PATCH, &format!("/api/v1/villages/{vid}"), Some(json!({"name": "Bản Mới", "unit_type": "bản"}))).await;
    assert_eq!(s, StatusCode::OK);
    let (s, _) = app
        .post(
            &format!("/api/v1/units/{commune}/attributes"),
            json!({"attribute": "dac_biet_kho_khan", "from": "01/01/2026", "legal_act": "QĐ 861/QĐ-TTg"}),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED);
    let code = app.store.unit(commune).await.unwrap().code;
    let (s, _) = app.post("/api/v1/users", json!({"username": "thon.truong", "full_name": "Trưởng Thôn", "role": "reviewer", "unit_code": code, "password": "tam-thoi-123"})).await;
    assert_eq!(s, StatusCode::CREATED);
    assert_eq!(app.store.audit_count().await.unwrap(), before + 4, "{engine:?}");
    let (_, log) = app.get("/api/v1/audit?thao_tac=village.&nguoi_dung=xa.canbo").await;
    let actions: Vec<&str> = log.as_array().unwrap().iter().map(|e| e["action"].as_str().unwrap()).collect();
    assert!(actions.contains(&"village.create") && actions.contains(&"village.update"));
    assert!(log.as_array().unwrap().iter().all(|e| e["username"] == "xa.canbo"));
    let page = app.client.get(app.url("/nhat-ky?thao_tac=village.")).send().await.unwrap().text().await.unwrap();
    assert!(page.contains("Sửa thôn, tổ dân phố") && page.contains("Bản Mới"), "the audit page says what was done in words");
    assert!(!page.contains("village.update"), "no internal action code on the page");
}

per_engine!(a_commune_officer_gets_403_or_404_on_another_communes_data);
async fn a_commune_officer_gets_403_or_404_on_another_communes_data(engine: Engine) {
    let mut admin = TestApp::start(engine).await;
    admin.login("quantri").await;
    let demo = admin.demo_commune().await;
    let province = admin.unit_id("20").await;
    let other = admin.store.children(province, hoctap_store::today()).await.unwrap().into_iter().find(|c| c.id != demo).unwrap();
    let (s, v) = admin.post(&format!("/api/v1/units/{}/villages", other.id), json!({"name": "Thôn Khác", "unit_type": "thôn"})).await;
    assert_eq!(s, StatusCode::CREATED);
    let other_village = v["id"].as_i64().unwrap();
    let (s, _) = admin.post("/api/v1/users", json!({"username": "xa.khac", "full_name": "Cán Bộ Khác", "role": "unit_officer", "unit_code": other.code, "password": "tam-thoi-123"})).await;
    assert_eq!(s, StatusCode::CREATED);
    let other_user = admin.store.user_by_username("xa.khac").await.unwrap().unwrap().id;

    let mut app = admin;
    app.client = reqwest::Client::builder().cookie_store(true).redirect(reqwest::redirect::Policy::none()).build().unwrap();
    app.login("xa.canbo").await;
    let audit_before = app.store.audit_count().await.unwrap();
    let o = other.id;
    let checks: Vec<(Method, String, Option<serde_json::Value>)> = vec![
        (Method::GET, format!("/api/v1/units/{other_village}"), None),
        (Method::GET, format!("/api/v1/units/{other_village}/lineage"), None),
        (Method::GET, format!("/api/v1/units/{o}/villages"), None),
        (Method::POST, format!("/api/v1/units/{o}/villages"), Some(json!({"name": "Thôn X", "unit_type": "thôn"}))),
        (Method::PATCH, format!("/api/v1/villages/{other_village}"), Some(json!({"name": "Thôn Y", "unit_type": "thôn"}))),
        (Method::DELETE, format!("/api/v1/villages/{other_village}?ngay=2030-01-01"), None),
        (Method::POST, format!("/api/v1/units/{o}/attributes"), Some(json!({"attribute": "mien_nui", "from": "01/01/2026"}))),
        (Method::POST, format!("/api/v1/users/{other_user}/password-reset"), Some(json!({"new_password": "mat-khau-moi-1"}))),
        (
            Method::POST,
            "/api/v1/users".to_string(),
            Some(
                json!({"username": "gian.lan", "full_name": "X", "role": "reviewer", "unit_code": other.code, "password": "tam-thoi-123"}),
            ),
        ),
        (
            Method::POST,
            "/api/v1/reorganisations".to_string(),
            Some(json!({"operation": {"Abolish": {"unit": other_village}}, "effective_on": "2030-01-01", "legal_act": "x"})),
        ),
        (Method::PATCH, format!("/api/v1/units/{o}"), Some(json!({"name": "Xã Đổi"}))),
        (
            Method::POST,
            "/api/v1/lineage-links".to_string(),
            Some(json!({"predecessor_id": o, "successor_id": demo, "kind": "merge", "effective_on": "2030-01-01", "legal_act": "x"})),
        ),
    ];
    for (method, path, body) in checks {
        let (s, v) = app.send(method.clone(), &path, body).await;
        assert!(s == StatusCode::FORBIDDEN || s == StatusCode::NOT_FOUND, "{engine:?} {method} {path}: {s} {v}");
        assert!(v["error"]["message"].is_string());
    }
    for (path, fields) in [
        (format!("/don-vi/{o}/thon"), vec![("name", "Thôn Z"), ("unit_type", "thôn")]),
        (format!("/don-vi/{other_village}/thon-sua"), vec![("name", "Thôn Z"), ("unit_type", "thôn")]),
        (format!("/don-vi/{o}/thuoc-tinh"), vec![("attribute", "mien_nui"), ("from", "2026-01-01")]),
        (format!("/nguoi-dung/{other_user}/dat-lai-mat-khau"), vec![("password", "mat-khau-moi-1")]),
    ] {
        let (s, _) = app.post_form(&path, &fields).await;
        assert!(s == StatusCode::FORBIDDEN || s == StatusCode::NOT_FOUND, "{engine:?} POST {path}: {s}");
    }
    let res = app.client.get(app.url(&format!("/don-vi/{other_village}"))).send().await.unwrap();
    assert_eq!(res.status(), StatusCode::NOT_FOUND);
    // Lists show only the own subtree.
    let (_, users) = app.get("/api/v1/users").await;
    assert!(users.as_array().unwrap().iter().all(|u| u["username"] != "xa.khac"));
    let (_, log) = app.get("/api/v1/audit").await;
    assert!(log.as_array().unwrap().iter().all(|e| e["unit_id"] != json!(o) && e["unit_id"] != json!(other_village)));
    assert_eq!(app.store.audit_count().await.unwrap(), audit_before, "{engine:?}: nothing written");
    // A citizen may not even read local data.
    let mut citizen = TestApp { client: reqwest::Client::builder().cookie_store(true).build().unwrap(), ..app };
    citizen.login("020190001234").await;
    assert_eq!(citizen.get("/api/v1/users").await.0, StatusCode::FORBIDDEN);
    assert_eq!(citizen.get("/api/v1/audit").await.0, StatusCode::FORBIDDEN);
}

per_engine!(village_import_with_a_bad_row_writes_nothing);
async fn village_import_with_a_bad_row_writes_nothing(engine: Engine) {
    let mut app = TestApp::start(engine).await;
    app.login("xa.canbo").await;
    let commune = app.demo_commune().await;
    let code = app.store.unit(commune).await.unwrap().code;
    let before = app.store.villages(commune, hoctap_store::today()).await.unwrap().len();
    let audit_before = app.store.audit_count().await.unwrap();
    let csv = format!(
        "\u{feff}Mã xã,Tên thôn,Loại\n{code},Thôn Một,thôn\n{code},Thôn Hai,làng\n{code}1,Thôn Ba,thôn\n{code},Thôn Một,thôn\n,,\n{code},Thôn Nà Sla,thôn\n"
    );
    let (s, v) = app.post_bytes("/api/v1/villages/import?dry_run=false", csv.into_bytes()).await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{engine:?} {v}");
    assert_eq!(v["applied"], false);
    let rows = v["rows"].as_array().unwrap();
    let text = serde_json::to_string(rows).unwrap();
    assert!(text.contains("Loại") && text.contains("làng"), "{text}");
    assert!(text.contains("6 chữ số") || text.contains("chữ số"), "{text}");
    assert!(text.contains("trùng với dòng 2"), "{text}");
    assert!(text.contains("unchanged"), "existing village is left as is: {text}");
    assert_eq!(app.store.villages(commune, hoctap_store::today()).await.unwrap().len(), before);
    assert_eq!(app.store.audit_count().await.unwrap(), audit_before);
    // The good rows alone go in, in one go.
    let csv = format!("Mã xã;Tên thôn;Loại\n{code};Thôn Một;thôn\n{code};Khu phố 3;khu phố\n");
    let (s, v) = app.post_bytes("/api/v1/villages/import?dry_run=true", csv.clone().into_bytes()).await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(v["to_create"], 2);
    assert_eq!(app.store.villages(commune, hoctap_store::today()).await.unwrap().len(), before, "dry run writes nothing");
    let (s, v) = app.post_bytes("/api/v1/villages/import?dry_run=false", csv.into_bytes()).await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert_eq!(v["applied"], true);
    assert_eq!(app.store.villages(commune, hoctap_store::today()).await.unwrap().len(), before + 2);
    // A garbage file is refused clearly.
    let (s, v) = app.post_bytes("/api/v1/villages/import", b"PK\x03\x04garbage".to_vec()).await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(v["error"]["field"], "file");
}

per_engine!(bad_input_gets_clear_vietnamese_errors_and_writes_nothing);
async fn bad_input_gets_clear_vietnamese_errors_and_writes_nothing(engine: Engine) {
    let mut app = TestApp::start(engine).await;
    app.login("xa.canbo").await;
    let commune = app.demo_commune().await;
    let audit_before = app.store.audit_count().await.unwrap();
    let (s, v) = app.get("/api/v1/units/by-code/12x45").await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(v["error"]["field"], "code");
    assert!(v["error"]["message"].as_str().unwrap().contains("chữ số"));
    let (s, _) = app.post("/api/v1/units/99999999/villages", json!({"name": "Thôn", "unit_type": "thôn"})).await;
    assert_eq!(s, StatusCode::NOT_FOUND, "unknown parent");
    let (s, v) = app.post(&format!("/api/v1/units/{commune}/villages"), json!({"name": "thôn nà sla", "unit_type": "thôn"})).await;
    assert_eq!(s, StatusCode::CONFLICT, "duplicate name, case and diacritics aside: {v}");
    assert_eq!(v["error"]["field"], "name");
    let (s, v) = app.post(&format!("/api/v1/units/{commune}/villages"), json!({"name": "  ", "unit_type": "thôn"})).await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(v["error"]["field"], "name");
    let (s, v) = app.post(&format!("/api/v1/units/{commune}/villages"), json!({"name": 5})).await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{v}");
    let (s, v) = app.post(&format!("/api/v1/units/{commune}/attributes"), json!({"attribute": "mien_nui", "from": "01/01/2026"})).await;
    assert_eq!(s, StatusCode::CONFLICT, "the demo commune is mountainous since 01/07/2025: {v}");
    let (s, v) = app
        .post(
            &format!("/api/v1/units/{commune}/attributes"),
            json!({"attribute": "dac_biet_kho_khan", "from": "01/01/2026", "to": "01/01/2025"}),
        )
        .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(v["error"]["field"], "to");
    assert_eq!(app.store.audit_count().await.unwrap(), audit_before, "{engine:?}");
    // The HTML form shows an error summary linking to the field.
    let (s, html) = app.post_form(&format!("/don-vi/{commune}/thon"), &[("name", "Thôn Nà Sla"), ("unit_type", "thôn")]).await;
    assert_eq!(s, StatusCode::CONFLICT);
    assert!(html.contains("error-summary") && html.contains("href=\"#name\""));
}

per_engine!(admin_reorganises_through_the_api_and_officers_cannot);
async fn admin_reorganises_through_the_api_and_officers_cannot(engine: Engine) {
    let mut app = TestApp::start(engine).await;
    app.login("quantri").await;
    let demo = app.demo_commune().await;
    let province = app.unit_id("20").await;
    let other = app.store.children(province, hoctap_store::today()).await.unwrap().into_iter().find(|c| c.id != demo).unwrap();
    let body = json!({"operation": {"Merge": {"predecessors": [demo], "into": {"Existing": other.id}}}, "effective_on": "2030-01-01", "legal_act": "NQ 1/2029/UBTVQH16", "dry_run": true});
    let (s, v) = app.post("/api/v1/reorganisations", body.clone()).await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert_eq!(v["applied"], false);
    assert_eq!(v["plan"]["move_children"].as_array().unwrap().len(), 4);
    let mut body = body;
    body["dry_run"] = json!(false);
    let (s, v) = app.post("/api/v1/reorganisations", body).await;
    assert_eq!(s, StatusCode::OK, "{engine:?} {v}");
    let (_, lin) = app.get(&format!("/api/v1/units/{demo}/lineage?ngay=2030-01-01")).await;
    assert_eq!(lin["successors"][0]["id"], json!(other.id));
    let (s, v) = app
        .post(
            "/api/v1/reorganisations",
            json!({"operation": {"Abolish": {"unit": other.id}}, "effective_on": "2031-01-01", "legal_act": "NQ"}),
        )
        .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(v["error"]["message"].as_str().unwrap().contains("đơn vị trực thuộc"));
}

per_engine!(pages_render_for_a_logged_in_officer);
async fn pages_render_for_a_logged_in_officer(engine: Engine) {
    let app = TestApp::start(engine).await;
    let login_page = app.client.get(app.url("/dang-nhap")).send().await.unwrap();
    let cookie = login_page.headers()["set-cookie"].to_str().unwrap().to_string();
    assert!(cookie.contains("HttpOnly") && cookie.contains("SameSite"));
    let html = login_page.text().await.unwrap();
    let csrf = html.split("name=\"csrf\" value=\"").nth(1).unwrap().split('"').next().unwrap().to_string();
    let res = app
        .client
        .post(app.url("/dang-nhap"))
        .form(&[("username", "xa.canbo"), ("password", crate::harness::PASSWORD), ("csrf", &csrf)])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let set = res.headers()["set-cookie"].to_str().unwrap();
    assert!(set.starts_with("hoctap_session=") && set.contains("HttpOnly"));
    for (path, needle) in [
        ("/", "Xin chào"),
        ("/don-vi?q=lang+son", "Lạng Sơn"),
        ("/don-vi?q=truc+bach&ngay=2024-12-31", "Phường Trúc Bạch"),
        ("/nguoi-dung", "xa.thamdinh"),
        ("/nhat-ky", "Nhật ký"),
        ("/nhap-thon", "Tải tệp lên"),
    ] {
        let res = app.client.get(app.url(path)).send().await.unwrap();
        assert_eq!(res.status(), StatusCode::OK, "{engine:?} {path}");
        let body = res.text().await.unwrap();
        assert!(body.contains(needle), "{path} lacks {needle}");
    }
    let res = app.client.get(app.url("/sap-xep")).send().await.unwrap();
    assert_eq!(res.status(), StatusCode::FORBIDDEN, "officers do not reorganise");
}

per_engine!(an_admin_adds_and_removes_a_lineage_link_with_audit);
async fn an_admin_adds_and_removes_a_lineage_link_with_audit(engine: Engine) {
    let mut app = TestApp::start(engine).await;
    app.login("quantri").await;
    // A legacy commune the data leaves without successor gets one by hand.
    let gaps = app.store.admin_units_check(hoctap_store::today()).await.unwrap();
    let (code, _) = gaps.legacy_without_successor.first().cloned().unwrap();
    let old = app.store.unit_by_code(&code, jiff::civil::date(2024, 12, 31)).await.unwrap();
    let new = app.unit_id("00004").await;
    let before = app.store.audit_count().await.unwrap();
    let body = json!({"predecessor_id": old.id, "successor_id": new, "kind": "merge", "effective_on": "2025-07-01", "legal_act": "NQ 1656/NQ-UBTVQH15"});
    let (s, v) = app.post("/api/v1/lineage-links", body).await;
    assert_eq!(s, StatusCode::CREATED, "{engine:?} {v}");
    let event = v["event_id"].as_i64().unwrap();
    let (_, lin) = app.get(&format!("/api/v1/units/{}/lineage", old.id)).await;
    assert_eq!(lin["successors"][0]["id"], json!(new));
    let (s, _) = app
        .send(Method::DELETE, "/api/v1/lineage-links", Some(json!({"event_id": event, "predecessor_id": old.id, "successor_id": new})))
        .await;
    assert_eq!(s, StatusCode::NO_CONTENT);
    let (_, lin) = app.get(&format!("/api/v1/units/{}/lineage", old.id)).await;
    assert!(lin["successors"].as_array().unwrap().is_empty());
    assert_eq!(app.store.audit_count().await.unwrap(), before + 2);
    // A cycle is refused.
    let (s, v) = app.post("/api/v1/lineage-links", json!({"predecessor_id": new, "successor_id": app.store.unit_by_code("00004", jiff::civil::date(2024, 12, 31)).await.unwrap().id, "kind": "merge", "effective_on": "2025-07-01", "legal_act": "x"})).await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{v}");
    assert!(v["error"]["message"].as_str().unwrap().contains("vòng lặp"));
}

per_engine!(success_messages_come_from_the_server_not_the_url);
async fn success_messages_come_from_the_server_not_the_url(engine: Engine) {
    let mut app = TestApp::start(engine).await;
    app.login("xa.canbo").await;
    let commune = app.demo_commune().await;
    let html = app
        .client
        .get(app.url(&format!("/don-vi/{commune}?xong=T%C3%A0i+kho%E1%BA%A3n+b%E1%BB%8B+kh%C3%B3a")))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(!html.contains("Tài khoản bị khóa"), "{engine:?}: a link cannot make the page speak");
    let (s, _) = app.post_form(&format!("/don-vi/{commune}/thon"), &[("name", "Thôn Tin Nhắn"), ("unit_type", "thôn")]).await;
    assert_eq!(s, StatusCode::SEE_OTHER);
    // The redirect carries the message in an HttpOnly cookie, shown once.
    let res = app.client.get(app.url(&format!("/don-vi/{commune}"))).send().await.unwrap();
    let cleared = res.headers().get("set-cookie").map(|v| v.to_str().unwrap().to_string()).unwrap_or_default();
    let html = res.text().await.unwrap();
    assert!(html.contains("Đã thêm Thôn Tin Nhắn"), "{engine:?}");
    assert!(cleared.contains("hoctap_flash=;") && cleared.contains("Max-Age=0"));
    let again = app.client.get(app.url(&format!("/don-vi/{commune}"))).send().await.unwrap().text().await.unwrap();
    assert!(!again.contains("Đã thêm Thôn Tin Nhắn"));
    // A failed add keeps what was typed.
    let (s, html) = app.post_form(&format!("/don-vi/{commune}/thon"), &[("name", "Thôn Tin Nhắn"), ("unit_type", "thôn")]).await;
    assert_eq!(s, StatusCode::CONFLICT);
    assert!(html.contains("value=\"Thôn Tin Nhắn\""));
}

#[tokio::test]
async fn the_openapi_document_lists_exactly_the_api_routes() {
    let app = TestApp::start(hoctap_store::Engine::Sqlite).await;
    let (_, doc) = app.get("/api/openapi.json").await;
    // The routes as the router registers them (`hoctap_web::route_table`), as "METHOD /path".
    let routed: std::collections::BTreeSet<String> = hoctap_web::route_table()
        .into_iter()
        .filter(|(_, path)| path.starts_with("/api/v1/"))
        .map(|(method, path)| format!("{method} {path}"))
        .collect();
    let mut documented = std::collections::BTreeSet::new();
    for (path, item) in doc["paths"].as_object().unwrap() {
        for method in item.as_object().unwrap().keys() {
            documented.insert(format!("{} {path}", method.to_uppercase()));
        }
    }
    // Documented outside the API router: the health check.
    documented.remove("GET /healthz");
    let missing: Vec<_> = routed.difference(&documented).collect();
    let stale: Vec<_> = documented.difference(&routed).collect();
    assert!(missing.is_empty(), "routes not in openapi.json: {missing:?}");
    assert!(stale.is_empty(), "operations in openapi.json with no route: {stale:?}");
    assert!(routed.len() >= 66, "{}", routed.len());
    // Every operation documents its answers, errors included in the one shape.
    for (path, item) in doc["paths"].as_object().unwrap().iter().filter(|(p, _)| p.starts_with("/api/")) {
        for (method, op) in item.as_object().unwrap() {
            let res = op["responses"].as_object().unwrap();
            assert_eq!(res["default"]["$ref"], "#/components/responses/Error", "{method} {path}");
            for (code, r) in res.iter().filter(|(c, _)| c.starts_with('2')) {
                if let Some(schema) = r["content"]["application/json"]["schema"].as_object() {
                    assert!(!schema.is_empty(), "{method} {path} {code}: the answer has no schema");
                }
            }
        }
    }
}
