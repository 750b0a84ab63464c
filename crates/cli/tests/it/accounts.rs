//! Accounts and sessions (throttling per address and per account, who may reset whom, the
//! forced password change, cookies and caching), free text that documents can hold, and
//! masked data that stays masked in cursors, URLs and errors.

use crate::engines::per_engine;
use crate::harness::{PASSWORD, TestApp};
use hoctap_domain::registry::def::{REGISTRIES, Value};
use hoctap_store::Engine;
use reqwest::{Method, StatusCode, header};
use serde_json::{Value as Json, json};
use std::net::IpAddr;

/// A client whose connections come from `addr` (any 127.x.y.z is this machine).
fn client_from(addr: &str) -> reqwest::Client {
    reqwest::Client::builder()
        .cookie_store(true)
        .redirect(reqwest::redirect::Policy::none())
        .local_address(addr.parse::<IpAddr>().unwrap())
        .build()
        .unwrap()
}

async fn try_login(app: &TestApp, client: &reqwest::Client, username: &str, password: &str) -> StatusCode {
    client.post(app.url("/api/v1/session")).json(&json!({"username": username, "password": password})).send().await.unwrap().status()
}

async fn failed_login_rows(app: &TestApp) -> Vec<hoctap_store::AuditRecord> {
    app.store
        .audit(
            &hoctap_store::AuditFilter { action: Some("auth.login_failed".into()), limit: 1000, ..Default::default() },
            hoctap_store::today(),
        )
        .await
        .unwrap()
}

per_engine!(an_attacker_is_held_back_by_address_and_account_while_the_signer_still_logs_in);
async fn an_attacker_is_held_back_by_address_and_account_while_the_signer_still_logs_in(engine: Engine) {
    let app = TestApp::start(engine).await;
    let office = client_from("127.0.0.1");
    let attacker = client_from("127.0.0.2");
    // The signer has logged in from the office before: a known address.
    assert_eq!(try_login(&app, &office, "xa.lanhdao", PASSWORD).await, StatusCode::OK);

    // Per account and address: five failures, then the attacker's address is locked for
    // this account, even with the right password.
    for i in 0..5 {
        assert_eq!(try_login(&app, &attacker, "xa.lanhdao", "sai-mat-khau-1").await, StatusCode::UNPROCESSABLE_ENTITY, "{engine:?} {i}");
    }
    let res =
        attacker.post(app.url("/api/v1/session")).json(&json!({"username": "xa.lanhdao", "password": PASSWORD})).send().await.unwrap();
    assert_eq!(res.status(), StatusCode::TOO_MANY_REQUESTS, "{engine:?}");
    let v: Json = res.json().await.unwrap();
    assert!(v["error"]["message"].as_str().unwrap().contains("thử lại sau"), "{v}");
    // Hammering on while locked counts nothing and writes nothing.
    let audit_before = app.store.audit_count().await.unwrap();
    for _ in 0..30 {
        assert_eq!(try_login(&app, &attacker, "xa.lanhdao", "sai-mat-khau-1").await, StatusCode::TOO_MANY_REQUESTS);
    }
    assert_eq!(app.store.audit_count().await.unwrap(), audit_before, "{engine:?}: refused attempts are not logged one by one");
    // The real signer, from the office, is not locked out.
    assert_eq!(try_login(&app, &office, "xa.lanhdao", PASSWORD).await, StatusCode::OK, "{engine:?}");

    // Per address: one address guessing many names is locked after twenty failures,
    // for every account, while other addresses are not.
    let scanner = client_from("127.0.0.3");
    for i in 0..20 {
        assert_eq!(try_login(&app, &scanner, &format!("khong.co.{i}"), "sai-mat-khau-1").await, StatusCode::UNPROCESSABLE_ENTITY, "{i}");
    }
    assert_eq!(try_login(&app, &scanner, "xa.thamdinh", PASSWORD).await, StatusCode::TOO_MANY_REQUESTS, "{engine:?}");
    assert_eq!(try_login(&app, &client_from("127.0.0.4"), "xa.thamdinh", PASSWORD).await, StatusCode::OK, "{engine:?}");

    // Per account from many addresses: after fifty failures the account is held back
    // for addresses it never logged in from (5 + 45 failures); the office (known) still
    // gets in.
    for a in 10..19 {
        let c = client_from(&format!("127.0.1.{a}"));
        for _ in 0..5 {
            assert_eq!(try_login(&app, &c, "xa.lanhdao", "sai-mat-khau-1").await, StatusCode::UNPROCESSABLE_ENTITY);
        }
    }
    assert_eq!(try_login(&app, &client_from("127.0.2.1"), "xa.lanhdao", PASSWORD).await, StatusCode::TOO_MANY_REQUESTS, "{engine:?}");
    assert_eq!(try_login(&app, &office, "xa.lanhdao", PASSWORD).await, StatusCode::OK, "{engine:?}: the known address");

    // Aggregated: 70 failures leave a handful of audit rows (one per doubling of each
    // count), each with its count; none names an address in the clear.
    let rows = failed_login_rows(&app).await;
    assert!(!rows.is_empty() && rows.len() <= 2 * 7 + 2 * 20, "{engine:?}: {} rows", rows.len());
    let total_failures: u64 = rows
        .iter()
        .filter(|r| r.entity_id == "xa.lanhdao")
        .filter_map(|r| r.after.as_ref().and_then(|a| a["failures"].as_u64()))
        .max()
        .unwrap();
    assert_eq!(total_failures, 32, "{engine:?}: the account's count reached 50, the last doubling logged is 32");
    assert!(rows.iter().all(|r| !r.entity_id.contains("127.0.")), "{engine:?}");
    let by_address = rows.iter().filter(|r| r.entity_id.starts_with("a:")).count();
    assert!(by_address <= 6 * 12, "{engine:?}");
}

per_engine!(a_login_flood_does_not_starve_the_pages_of_logged_in_users);
async fn a_login_flood_does_not_starve_the_pages_of_logged_in_users(engine: Engine) {
    let mut app = TestApp::start(engine).await;
    app.login("xa.canbo").await;
    let mut flood = Vec::new();
    for i in 0..60 {
        let c = client_from(&format!("127.0.3.{}", i % 30 + 1));
        let url = app.url("/api/v1/session");
        flood.push(tokio::spawn(async move {
            c.post(url).json(&json!({"username": format!("nguoi.{i}"), "password": "sai-mat-khau-1"})).send().await.map(|r| r.status())
        }));
    }
    // While the flood is checked (argon2, one at a time per two cores), pages answer.
    let mut slowest = std::time::Duration::ZERO;
    for _ in 0..5 {
        let t = std::time::Instant::now();
        let res = app.client.get(app.url("/so/ho-gia-dinh")).send().await.unwrap();
        assert_eq!(res.status(), StatusCode::OK);
        slowest = slowest.max(t.elapsed());
    }
    let mut statuses = Vec::new();
    for f in flood {
        statuses.push(f.await.unwrap().unwrap());
    }
    assert!(slowest < std::time::Duration::from_secs(3), "{engine:?}: a page took {slowest:?} during the flood");
    assert!(
        statuses
            .iter()
            .all(|s| matches!(*s, StatusCode::UNPROCESSABLE_ENTITY | StatusCode::TOO_MANY_REQUESTS | StatusCode::SERVICE_UNAVAILABLE)),
        "{statuses:?}"
    );

    // A locked attacker flooding on is refused before the queue: the real user, from
    // another address, logs in at once meanwhile.
    let attacker = client_from("127.0.4.1");
    for i in 0..20 {
        try_login(&app, &attacker, &format!("ai.do.{i}"), "sai-mat-khau-1").await;
    }
    let mut flood = Vec::new();
    for _ in 0..100 {
        let (c, url) = (attacker.clone(), app.url("/api/v1/session"));
        flood.push(tokio::spawn(async move {
            c.post(url).json(&json!({"username": "xa.lanhdao", "password": "sai-mat-khau-1"})).send().await.map(|r| r.status())
        }));
    }
    let t = std::time::Instant::now();
    assert_eq!(try_login(&app, &client_from("127.0.4.2"), "xa.lanhdao", PASSWORD).await, StatusCode::OK, "{engine:?}");
    let real_user = t.elapsed();
    for f in flood {
        assert_eq!(f.await.unwrap().unwrap(), StatusCode::TOO_MANY_REQUESTS);
    }
    assert!(real_user < std::time::Duration::from_secs(3), "{engine:?}: the real login took {real_user:?}");
}

per_engine!(only_the_administrator_resets_a_reviewer_or_signer);
async fn only_the_administrator_resets_a_reviewer_or_signer(engine: Engine) {
    let mut officer = TestApp::start(engine).await;
    officer.login("xa.canbo").await;
    let id = |name: &'static str| {
        let store = officer.store.clone();
        async move { store.user_by_username(name).await.unwrap().unwrap().id }
    };
    let (reviewer, signer, association, me) = (id("xa.thamdinh").await, id("xa.lanhdao").await, id("hkh.xa").await, id("xa.canbo").await);
    let audit_before = officer.store.audit_count().await.unwrap();
    for target in [reviewer, signer] {
        let (s, v) = officer.post(&format!("/api/v1/users/{target}/password-reset"), json!({"new_password": "chiem-quyen-123"})).await;
        assert_eq!(s, StatusCode::FORBIDDEN, "{engine:?} {v}");
        assert!(v["error"]["message"].as_str().unwrap().contains("bốn mắt"), "{v}");
        let (s, page) = officer.post_form(&format!("/nguoi-dung/{target}/dat-lai-mat-khau"), &[("password", "chiem-quyen-123")]).await;
        assert_eq!(s, StatusCode::FORBIDDEN, "{engine:?}");
        assert!(page.contains("quản trị hệ thống"));
    }
    // Nor their own, without the current password.
    let (s, _) = officer.post(&format!("/api/v1/users/{me}/password-reset"), json!({"new_password": "mat-khau-moi-12"})).await;
    assert_eq!(s, StatusCode::FORBIDDEN);
    assert_eq!(officer.store.audit_count().await.unwrap(), audit_before, "{engine:?}: nothing written");
    // The reviewer's old password still works: no takeover.
    let fresh = client_from("127.0.0.1");
    assert_eq!(try_login(&officer, &fresh, "xa.thamdinh", PASSWORD).await, StatusCode::OK);
    // The list offers the reset only where it is allowed.
    let page = officer.client.get(officer.url("/nguoi-dung")).send().await.unwrap().text().await.unwrap();
    assert!(!page.contains(&format!("/nguoi-dung/{reviewer}/dat-lai-mat-khau")));
    assert!(page.contains(&format!("/nguoi-dung/{association}/dat-lai-mat-khau")));
    // An account with no review step: the officer may.
    let (s, _) = officer.post(&format!("/api/v1/users/{association}/password-reset"), json!({"new_password": "mat-khau-tam-12"})).await;
    assert_eq!(s, StatusCode::NO_CONTENT, "{engine:?}");
    // The administrator may reset the reviewer.
    let mut admin = TestApp { client: client_from("127.0.0.1"), csrf: String::new(), ..officer };
    admin.login("quantri").await;
    let (s, _) = admin.post(&format!("/api/v1/users/{reviewer}/password-reset"), json!({"new_password": "mat-khau-tam-12"})).await;
    assert_eq!(s, StatusCode::NO_CONTENT, "{engine:?}");
}

per_engine!(a_user_who_must_change_the_password_reaches_nothing_else);
async fn a_user_who_must_change_the_password_reaches_nothing_else(engine: Engine) {
    let mut admin = TestApp::start(engine).await;
    admin.login("quantri").await;
    let commune = admin.store.unit(admin.demo_commune().await).await.unwrap();
    let (s, v) = admin
        .post("/api/v1/users", json!({"username": "moi.vao", "full_name": "Người Mới", "role": "unit_officer", "unit_code": commune.code, "password": PASSWORD}))
        .await;
    assert_eq!(s, StatusCode::CREATED, "{v}");
    let mut user = TestApp { client: client_from("127.0.0.1"), csrf: String::new(), ..admin };
    // Logged in by hand: the harness's login would change the password first.
    let res =
        user.client.post(user.url("/api/v1/session")).json(&json!({"username": "moi.vao", "password": PASSWORD})).send().await.unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    let v: Json = res.json().await.unwrap();
    assert_eq!(v["user"]["must_change_password"], true);
    user.csrf = v["csrf_token"].as_str().unwrap().to_string();

    // Every API route of the OpenAPI document, by each of its methods.
    let spec: Json = serde_json::from_str(include_str!("../../../api/src/openapi.json")).unwrap();
    let mut checked = 0;
    for (path, methods) in spec["paths"].as_object().unwrap() {
        for method in methods.as_object().unwrap().keys() {
            let m = Method::from_bytes(method.to_uppercase().as_bytes()).unwrap();
            let open = (path == "/api/v1/me/password" && m == Method::POST) || (path == "/api/v1/session") || !path.starts_with("/api/v1/");
            if open {
                continue;
            }
            let concrete = path.replace("{id}", "1").replace("{slug}", "ho-gia-dinh").replace("{code}", "20");
            let concrete = concrete.split('{').next().unwrap().trim_end_matches('/').to_string();
            let body = if m == Method::GET || m == Method::DELETE { None } else { Some(json!({})) };
            let (s, v) = user.send(m.clone(), &concrete, body).await;
            assert_eq!(s, StatusCode::FORBIDDEN, "{engine:?} {m} {concrete}: {v}");
            assert!(v["error"]["message"].as_str().unwrap().contains("đổi mật khẩu"), "{m} {concrete}: {v}");
            checked += 1;
        }
    }
    assert!(checked > 60, "{checked} routes checked");
    // Pages send to the change form, forms posted anywhere else too.
    for path in ["/", "/so", "/so/cong-dan", "/nguoi-dung", "/nhat-ky", "/tong-hop", "/bao-cao", "/thi-dua", "/ke-hoach", "/ho-so"] {
        let res = user.client.get(user.url(path)).send().await.unwrap();
        assert_eq!(res.status(), StatusCode::SEE_OTHER, "{engine:?} {path}");
        assert_eq!(res.headers()[header::LOCATION], "/doi-mat-khau", "{path}");
    }
    let (s, _) = user.post_form("/nguoi-dung", &[("username", "x.y.z"), ("full_name", "X Y"), ("role", "citizen")]).await;
    assert_eq!(s, StatusCode::SEE_OTHER);
    // The change form and logging out stay open.
    let res = user.client.get(user.url("/doi-mat-khau")).send().await.unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    let (s, v) = user.post("/api/v1/me/password", json!({"current": PASSWORD, "new_password": "mat-khau-rieng-1"})).await;
    assert_eq!(s, StatusCode::NO_CONTENT, "{engine:?} {v}");
    // The change ended the session; with the new password everything the role allows is
    // open again.
    assert_eq!(user.get("/api/v1/session").await.0, StatusCode::UNAUTHORIZED);
    let res = user
        .client
        .post(user.url("/api/v1/session"))
        .json(&json!({"username": "moi.vao", "password": "mat-khau-rieng-1"}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    let v: Json = res.json().await.unwrap();
    assert_eq!(v["user"]["must_change_password"], false);
    user.csrf = v["csrf_token"].as_str().unwrap().to_string();
    assert_eq!(user.get("/api/v1/users").await.0, StatusCode::OK, "{engine:?}");
    assert_eq!(user.client.get(user.url("/so")).send().await.unwrap().status(), StatusCode::OK);
}

per_engine!(https_means_secure_cookies_and_hsts_and_personal_pages_are_not_stored);
async fn https_means_secure_cookies_and_hsts_and_personal_pages_are_not_stored(engine: Engine) {
    for secure in [true, false] {
        let app = TestApp::start_with(engine, secure).await;
        let res =
            app.client.post(app.url("/api/v1/session")).json(&json!({"username": "xa.canbo", "password": PASSWORD})).send().await.unwrap();
        assert_eq!(res.status(), StatusCode::OK);
        let cookie = res.headers()[header::SET_COOKIE].to_str().unwrap().to_string();
        assert_eq!(cookie.contains("; Secure"), secure, "{engine:?} {cookie}");
        assert!(cookie.contains("HttpOnly"));
        assert_eq!(res.headers().contains_key(header::STRICT_TRANSPORT_SECURITY), secure, "{engine:?}");
        let login_page = app.client.get(app.url("/dang-nhap")).send().await.unwrap();
        assert_eq!(login_page.headers()[header::SET_COOKIE].to_str().unwrap().contains("; Secure"), secure);
        if !secure {
            // Over plain HTTP the session cookie comes back; the pages and exports that
            // show personal data say no-store.
            let token = cookie.split(';').next().unwrap().to_string();
            for path in [
                "/so/cong-dan",
                "/so/cong-dan/mau.xlsx",
                "/so/cong-dan/xuat.csv",
                "/api/v1/registries/cong-dan",
                "/api/v1/registries/cong-dan/export.csv",
                "/nguoi-dung",
                "/nhat-ky",
            ] {
                let res = reqwest::Client::new().get(app.url(path)).header(header::COOKIE, &token).send().await.unwrap();
                assert!(res.status().is_success(), "{engine:?} {path}: {}", res.status());
                assert_eq!(res.headers()[header::CACHE_CONTROL], "no-store", "{engine:?} {path}");
            }
            let css = app.client.get(app.url("/static/app.css")).send().await.unwrap();
            assert!(css.headers()[header::CACHE_CONTROL].to_str().unwrap().starts_with("public"));
        }
    }
}

per_engine!(text_that_xml_cannot_hold_is_refused_naming_the_field);
async fn text_that_xml_cannot_hold_is_refused_naming_the_field(engine: Engine) {
    let mut app = TestApp::start(engine).await;
    app.login("xa.canbo").await;
    let village = app.store.children(app.demo_commune().await, hoctap_store::today()).await.unwrap()[0].code.clone();
    let audit_before = app.store.audit_count().await.unwrap();
    for bad in ["Số 1\u{1}", "Thôn \u{FFFE}", "Nà\u{FFFF}Sla", "x\u{0}y", "\u{7F}", "\u{9B}"] {
        let (s, v) = app
            .post(
                "/api/v1/registries/ho-gia-dinh",
                json!({"code": "HG-777", "head_name": "Lục Văn Dân", "village": village, "address": bad}),
            )
            .await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{engine:?} {bad:?}: {v}");
        assert_eq!(v["error"]["field"], "address", "{v}");
        assert!(v["error"]["message"].as_str().unwrap().contains("\"address\""), "{v}");
    }
    // A form too (the page again, 422, the field named).
    let (s, page) = app
        .post_form(
            "/nguoi-dung",
            &[
                ("username", "ten.moi"),
                ("full_name", "Người\u{FFFF}Mới"),
                ("role", "citizen"),
                ("unit_code", &village),
                ("password", PASSWORD),
            ],
        )
        .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{engine:?}");
    assert!(page.contains("full_name") && page.contains("U+FFFF"), "{engine:?}");
    // Line breaks and tabs in a narrative pass.
    let (s, v) = app
        .post(
            "/api/v1/registries/ho-gia-dinh",
            json!({"code": "HG-778", "head_name": "Lục Văn Dân", "village": village, "note": "Dòng 1\nDòng 2\tcột"}),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{engine:?} {v}");
    // Too long: the domain's limit, in Vietnamese.
    let (s, v) = app
        .post(
            "/api/v1/registries/ho-gia-dinh",
            json!({"code": "HG-779", "head_name": "Lục Văn Dân", "village": village, "address": "x".repeat(201)}),
        )
        .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{v}");
    assert!(v["error"]["message"].as_str().unwrap().contains("tối đa 200"), "{v}");
    assert_eq!(app.store.audit_count().await.unwrap(), audit_before + 1, "{engine:?}: only the good record written");
}

/// The full values of every personal field in a registry (as the administrator sees them).
async fn personal_values(app: &TestApp, reg: &hoctap_domain::registry::def::Registry) -> std::collections::BTreeSet<String> {
    let q = hoctap_store::RegistryQuery { limit: 10_000, include_ended: true, ..Default::default() };
    let records = app.store.registry_list(reg, &q, hoctap_store::today()).await.unwrap();
    let mut out = std::collections::BTreeSet::new();
    for r in records {
        for f in reg.fields.iter().filter(|f| f.personal) {
            match r.values.get(f.column) {
                Some(Value::Text(s)) => {
                    out.insert(s.clone());
                }
                Some(Value::Date(d)) => {
                    out.insert(hoctap_domain::date::format_vn(*d));
                    out.insert(d.to_string());
                }
                _ => {}
            }
        }
    }
    out
}

per_engine!(cursors_urls_and_errors_reveal_no_personal_value_for_any_registry_or_role);
async fn cursors_urls_and_errors_reveal_no_personal_value_for_any_registry_or_role(engine: Engine) {
    let app = TestApp::start(engine).await;
    // A generated commune of the demo province: enough rows for several pages.
    hoctap_commands::commands::r#gen::generate(
        &app.store,
        &hoctap_commands::commands::r#gen::Options::new(hoctap_commands::commands::r#gen::Scale::Commune, 7),
    )
    .await
    .unwrap();
    let mut secrets_of = std::collections::BTreeMap::new();
    for reg in REGISTRIES {
        secrets_of.insert(reg.slug, personal_values(&app, reg).await);
    }
    let mut pages_with_cursor = 0;
    for (role_user, masked) in [
        ("tinh.thamdinh", true),
        ("tinh.lanhdao", true),
        ("bo.thamdinh", true),
        ("xa.thamdinh", true),
        ("tinh.canbo", false),
        ("hkh.xa", false),
        ("quantri", false),
    ] {
        let mut u = TestApp { client: client_from("127.0.0.1"), csrf: String::new(), addr: app.addr, store: app.store.clone(), engine };
        u.login(role_user).await;
        for reg in REGISTRIES {
            let empty = std::collections::BTreeSet::new();
            let secrets = if masked { &secrets_of[reg.slug] } else { &empty };
            // Every run of digits, '/' and '-' in the answer, looked up among the values.
            let reveals = |text: &str| {
                text.split(|c: char| !(c.is_ascii_digit() || c == '/' || c == '-'))
                    .find(|t| t.len() >= 8 && secrets.contains(*t))
                    .map(str::to_string)
            };
            // Walk the API's pages: the cursor is opaque and the answer masked.
            let mut path = format!("/api/v1/registries/{}", reg.slug);
            for _ in 0..2 {
                let res = u.client.get(u.url(&path)).send().await.unwrap();
                assert_eq!(res.status(), StatusCode::OK, "{engine:?} {role_user} {path}");
                let text = res.text().await.unwrap();
                assert_eq!(reveals(&text), None, "{engine:?} {role_user} {path}");
                let v: Json = serde_json::from_str(&text).unwrap();
                let Some(after) = v["next"]["sau"].as_str() else { break };
                pages_with_cursor += 1;
                assert!(v["next"].get("sau_id").is_none());
                assert!(after.len() <= 40 && after.chars().all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_'), "{after}");
                path = format!("/api/v1/registries/{}?sau={after}", reg.slug);
                // The HTML page's link: opaque too.
                let html = u.client.get(u.url(&format!("/so/{}", reg.slug))).send().await.unwrap().text().await.unwrap();
                assert_eq!(reveals(&html), None, "{engine:?} {role_user} /so/{}", reg.slug);
                // A tampered cursor, or one of another list, answers a Vietnamese 422
                // that repeats nothing.
                let mut tampered = after.to_string();
                let last = tampered.pop().unwrap();
                tampered.push(if last == 'A' { 'B' } else { 'A' });
                for bad in [tampered.as_str(), "020190001234", "MDAwMDAwMDAwMDAw"] {
                    let (s, e) = u.get(&format!("/api/v1/registries/{}?sau={bad}", reg.slug)).await;
                    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{engine:?} {bad}");
                    let msg = e["error"]["message"].as_str().unwrap();
                    assert!(msg.contains("không hợp lệ") && !msg.contains(bad), "{msg}");
                    assert_eq!(e["error"]["field"], "sau");
                }
                let other = if reg.slug == "cong-dan" { "ho-gia-dinh" } else { "cong-dan" };
                let (s, _) = u.get(&format!("/api/v1/registries/{other}?sau={after}")).await;
                assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{engine:?} a cursor of {} in {other}", reg.slug);
                let (s, _) = u.get(&format!("/api/v1/registries/{}?sau={after}&sap_xep=ten", reg.slug)).await;
                assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{engine:?}: another sort order");
                let res = u.client.get(u.url(&format!("/so/{}?sau={tampered}", reg.slug))).send().await.unwrap();
                assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY, "{engine:?} page");
            }
            if masked && reg.search.iter().any(|c| reg.field(c).is_some_and(|f| f.personal)) {
                // A masked role cannot search by the numbers it does not see.
                let prefix = secrets.iter().find(|s| s.chars().all(|c| c.is_ascii_digit())).map(|s| s[..6].to_string()).unwrap();
                let (s, e) = u.get(&format!("/api/v1/registries/{}?q={prefix}", reg.slug)).await;
                assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{engine:?} {role_user} {}", reg.slug);
                assert!(!e.to_string().contains(&prefix));
            }
        }
    }
    assert!(pages_with_cursor >= 10, "{engine:?}: {pages_with_cursor} pages had a cursor");
}
