//! The device's sync API on both engines (issue 18): a change is written once for its key
//! (a duplicate send after a lost answer creates one record), a change based on an older
//! version is refused with both versions, every synced change is audited as its user with the
//! device's time and the arrival time, and the role and scope checks of the forms apply.

use crate::engines::per_engine;
use crate::harness::TestApp;
use hoctap_store::{AuditFilter, Engine};
use reqwest::StatusCode;
use serde_json::{Value, json};

pub(crate) async fn village_code(app: &TestApp) -> String {
    let commune = app.demo_commune().await;
    app.store.villages(commune, hoctap_store::today()).await.unwrap()[0].code.clone()
}

fn household(code: &str, village: &str, head: &str) -> Value {
    json!({"code": code, "head_name": head, "village": village, "address": "Bản Nà Sla", "members": "5"})
}

pub(crate) async fn audit_of(app: &TestApp, action: &str, entity_id: &str) -> Vec<hoctap_store::AuditRecord> {
    app.store
        .audit(&AuditFilter { action: Some(action.into()), limit: 500, ..Default::default() }, hoctap_store::today())
        .await
        .unwrap()
        .into_iter()
        .filter(|r| r.entity_id == entity_id)
        .collect()
}

per_engine!(a_household_made_offline_is_written_once_and_audited_with_both_times);
async fn a_household_made_offline_is_written_once_and_audited_with_both_times(engine: Engine) {
    let mut app = TestApp::start(engine).await;
    app.login("xa.canbo").await;
    let v = village_code(&app).await;
    let device_time = "2026-01-15T02:30:00Z";
    let change = json!({
        "key": "0b8f3c1e-hg-off-1", "kind": "registry.create", "device_time": device_time, "registry": "ho-gia-dinh",
        "fields": household("HG-OFF-1", &v, "Lò Văn Pọm"),
    });
    let (s, first) = app.post("/api/v1/sync/changes", change.clone()).await;
    assert_eq!(s, StatusCode::OK, "{engine:?}: {first}");
    assert_eq!(first["status"], "applied");
    let id = first["outcome"]["entity_id"].as_str().unwrap().to_string();
    // The answer was lost on the way back: the device sends the same change again.
    let (s, again) = app.post("/api/v1/sync/changes", change.clone()).await;
    assert_eq!(s, StatusCode::OK, "{again}");
    assert_eq!(again["status"], "duplicate");
    assert_eq!(again["outcome"], first["outcome"], "the first outcome, unchanged");
    // Two sends at once of another change: one record still.
    let racing = json!({
        "key": "0b8f3c1e-hg-off-2", "kind": "registry.create", "device_time": device_time, "registry": "ho-gia-dinh",
        "fields": household("HG-OFF-2", &v, "Lò Thị Ơn"),
    });
    let (r1, r2) = tokio::join!(app.post("/api/v1/sync/changes", racing.clone()), app.post("/api/v1/sync/changes", racing.clone()));
    assert_eq!((r1.0, r2.0), (StatusCode::OK, StatusCode::OK), "{engine:?}: {r1:?} {r2:?}");
    assert_eq!(r1.1["outcome"]["entity_id"], r2.1["outcome"]["entity_id"]);
    for code in ["hg-off-1", "hg-off-2"] {
        let (_, list) = app.get(&format!("/api/v1/registries/ho-gia-dinh?q={code}")).await;
        assert_eq!(list["records"].as_array().map(Vec::len), Some(1), "{engine:?}: one {code}: {list}");
    }
    // Audited once as the user: the write itself, and its arrival with the device's time.
    let created = audit_of(&app, "registry.create", &id).await;
    assert_eq!(created.len(), 1, "{engine:?}");
    assert_eq!(created[0].username, "xa.canbo");
    let arrivals = audit_of(&app, "sync.apply", &id).await;
    assert_eq!(arrivals.len(), 1, "{engine:?}");
    let after = arrivals[0].after.clone().unwrap();
    assert_eq!(after["device_time"], device_time);
    assert_eq!(after["kind"], "registry.create");
    assert!(after["arrived_at"].as_str().unwrap() > device_time, "arrival after the device's time: {after}");
    assert_eq!(arrivals[0].username, "xa.canbo");
    // The version the device keeps is the record's latest audit entry.
    let (s, rec) = app.get(&format!("/api/v1/sync/registries/ho-gia-dinh/{id}")).await;
    assert_eq!(s, StatusCode::OK, "{rec}");
    assert_eq!(rec["version"], first["outcome"]["version"]);
    assert_eq!(rec["fields"]["head_name"], "Lò Văn Pọm");
}

per_engine!(a_change_based_on_an_old_version_is_refused_with_both_versions);
async fn a_change_based_on_an_old_version_is_refused_with_both_versions(engine: Engine) {
    let mut app = TestApp::start(engine).await;
    app.login("xa.canbo").await;
    let v = village_code(&app).await;
    let (s, created) = app.post("/api/v1/registries/ho-gia-dinh", household("HG-XUNG", &v, "Hà Văn Đẩu")).await;
    assert_eq!(s, StatusCode::CREATED, "{created}");
    let id = created["id"].as_i64().unwrap();
    let (_, opened) = app.get(&format!("/api/v1/sync/registries/ho-gia-dinh/{id}")).await;
    let base = opened["version"].as_i64().unwrap();
    assert!(base > 0, "{opened}");
    // Someone else changes the household meanwhile, through the form.
    let mut other =
        TestApp { client: reqwest::Client::builder().cookie_store(true).build().unwrap(), csrf: String::new(), ..app_clone(&app) };
    other.login("tinh.canbo").await;
    let (s, e) = other
        .send(
            reqwest::Method::PATCH,
            &format!("/api/v1/registries/ho-gia-dinh/{id}"),
            Some(
                household("HG-XUNG", &v, "Hà Văn Đẩu")
                    .as_object()
                    .unwrap()
                    .clone()
                    .into_iter()
                    .chain([("members".to_string(), json!("7"))])
                    .collect(),
            ),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{e}");
    // The device's change, made on the version it opened, arrives: refused, nothing written.
    let mine = household("HG-XUNG", &v, "Hà Văn Đấu");
    let change = json!({"key": "stale-change-0001", "kind": "registry.update", "device_time": "2026-02-01T01:00:00Z",
        "registry": "ho-gia-dinh", "id": id, "base_version": base, "fields": mine});
    let (s, c) = app.post("/api/v1/sync/changes", change).await;
    assert_eq!(s, StatusCode::CONFLICT, "{engine:?}: {c}");
    assert_eq!(c["error"]["field"], "base_version");
    assert_eq!(c["server"]["fields"]["members"], "7", "the server's version: {c}");
    assert_eq!(c["server"]["fields"]["head_name"], "Hà Văn Đẩu");
    assert_eq!(c["mine"]["fields"]["head_name"], "Hà Văn Đấu", "the device's version");
    assert_eq!(c["server"]["labels"]["members"], "Số nhân khẩu");
    let current = c["server"]["version"].as_i64().unwrap();
    assert!(current > base);
    assert!(audit_of(&app, "sync.apply", &id.to_string()).await.is_empty(), "nothing written");
    // The user chose per field (their name, the other's member count): a new change on the new version.
    let chosen = household("HG-XUNG", &v, "Hà Văn Đấu")
        .as_object()
        .unwrap()
        .clone()
        .into_iter()
        .chain([("members".to_string(), json!("7"))])
        .collect::<serde_json::Map<_, _>>();
    let (s, ok) = app
        .post(
            "/api/v1/sync/changes",
            json!({"key": "stale-change-0002", "kind": "registry.update", "device_time": "2026-02-01T01:05:00Z",
        "registry": "ho-gia-dinh", "id": id, "base_version": current, "fields": chosen}),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{engine:?}: {ok}");
    let (_, rec) = app.get(&format!("/api/v1/sync/registries/ho-gia-dinh/{id}")).await;
    assert_eq!((rec["fields"]["head_name"].as_str(), rec["fields"]["members"].as_str()), (Some("Hà Văn Đấu"), Some("7")));
    // A change without its base version is stale too (it cannot say what it replaces).
    let (s, _) = app
        .post(
            "/api/v1/sync/changes",
            json!({"key": "stale-change-0003", "kind": "registry.update", "device_time": "2026-02-01T01:06:00Z",
        "registry": "ho-gia-dinh", "id": id, "fields": household("HG-XUNG", &v, "Hà Văn Đấu")}),
        )
        .await;
    assert_eq!(s, StatusCode::CONFLICT);
}

pub(crate) fn app_clone(app: &TestApp) -> TestApp {
    TestApp { addr: app.addr, store: app.store.clone(), engine: app.engine, client: app.client.clone(), csrf: app.csrf.clone() }
}

/// A fresh draft dossier of a village of the demo commune (set cdht-thon) and its set.
pub(crate) async fn draft_dossier(app: &TestApp) -> (i64, Value) {
    let (s, c) = app.post("/api/v1/campaigns", json!({"year": "2026", "set_id": "cdht-thon"})).await;
    assert_eq!(s, StatusCode::CREATED, "{c}");
    let cid = c["id"].as_i64().unwrap();
    let village = village_code(app).await;
    let (s, a) = app.post(&format!("/api/v1/campaigns/{cid}/assessments"), json!({"subject": village})).await;
    assert_eq!(s, StatusCode::CREATED, "{a}");
    let (_, set) = app.get("/api/v1/criteria-sets/cdht-thon").await;
    (a["id"].as_i64().unwrap(), set)
}

/// Every indicator answered as the form sends it: yes/no as 1, numbers at their maximum.
fn full_form(set: &Value) -> serde_json::Map<String, Value> {
    let mut fields = serde_json::Map::new();
    for c in set["criteria"].as_array().unwrap() {
        for i in c["indicators"].as_array().unwrap() {
            let v = match i["kind"].as_str().unwrap() {
                "yes_no" => "1".to_string(),
                _ => i["max_points"].as_f64().map(|m| m.to_string()).unwrap_or_else(|| "100".into()),
            };
            fields.insert(format!("a:{}", i["id"].as_str().unwrap()), json!(v));
        }
    }
    fields
}

per_engine!(a_dossier_filled_offline_is_evaluated_saved_once_and_audited);
async fn a_dossier_filled_offline_is_evaluated_saved_once_and_audited(engine: Engine) {
    let mut app = TestApp::start(engine).await;
    app.login("xa.canbo").await;
    let (aid, set) = draft_dossier(&app).await;
    let (s, opened) = app.get(&format!("/api/v1/sync/assessments/{aid}")).await;
    assert_eq!(s, StatusCode::OK, "{opened}");
    assert_eq!(opened["set_id"], "cdht-thon");
    assert_eq!(opened["evaluated_on"], "2026-12-31");
    // The subject's earlier recognitions travel with it, as the server's evaluation reads them.
    let row = app.store.assessment(aid).await.unwrap();
    let levels = set["levels"].as_array().cloned().unwrap_or_default();
    let of_set = |level: &str| levels.iter().any(|l| l["id"] == level || l["name"] == level);
    let held: Vec<_> = app
        .store
        .recognitions_of(&row.subject_kind, row.subject_id)
        .await
        .unwrap()
        .into_iter()
        .filter(|r| !r.revoked && of_set(&r.level))
        .collect();
    let sent = opened["previous"].as_array().unwrap();
    assert_eq!(sent.len(), held.len(), "{opened}");
    for (p, r) in sent.iter().zip(&held) {
        assert_eq!(p["decided_on"], r.valid_from.to_string(), "{opened}");
        assert!(levels.iter().any(|l| l["id"] == p["level"]), "{p}");
    }
    let base = opened["version"].as_i64().unwrap();
    let saves_before = audit_of(&app, "assessment.answers", &aid.to_string()).await.len();
    let change = json!({"key": "dossier-offline-1", "kind": "assessment.answers", "device_time": "2026-03-03T03:03:03Z",
        "id": aid, "base_version": base, "fields": full_form(&set)});
    let (s, r) = app.post("/api/v1/sync/changes", change.clone()).await;
    assert_eq!(s, StatusCode::OK, "{engine:?}: {r}");
    let (s, dup) = app.post("/api/v1/sync/changes", change).await;
    assert_eq!((s, dup["status"].as_str()), (StatusCode::OK, Some("duplicate")));
    let stored = app.store.assessment(aid).await.unwrap();
    assert!(stored.passed, "evaluated by the server as the form is: {:?}", stored.result);
    assert_eq!(audit_of(&app, "assessment.answers", &aid.to_string()).await.len(), saves_before + 1, "{engine:?}: saved once");
    let arrivals = audit_of(&app, "sync.apply", &aid.to_string()).await;
    assert_eq!(arrivals.len(), 1);
    assert_eq!(arrivals[0].after.as_ref().unwrap()["device_time"], "2026-03-03T03:03:03Z");
    // A second device still on the first version: refused with the server's answers.
    let (s, c) = app
        .post(
            "/api/v1/sync/changes",
            json!({"key": "dossier-offline-2", "kind": "assessment.answers", "device_time": "2026-03-03T04:00:00Z",
            "id": aid, "base_version": base, "fields": {}}),
        )
        .await;
    assert_eq!(s, StatusCode::CONFLICT, "{c}");
    assert!(c["server"]["fields"].as_object().unwrap().keys().any(|k| k.starts_with("a:")), "{c}");
}

per_engine!(the_sync_api_keeps_the_forms_role_scope_and_input_checks);
async fn the_sync_api_keeps_the_forms_role_scope_and_input_checks(engine: Engine) {
    let mut app = TestApp::start(engine).await;
    app.login("xa.canbo").await;
    let v = village_code(&app).await;
    let (_, created) = app.post("/api/v1/registries/ho-gia-dinh", household("HG-PHAMVI", &v, "Vi Văn Phạm")).await;
    let id = created["id"].as_i64().unwrap();
    let (aid, _) = draft_dossier(&app).await;
    let base = app.store.entity_version("ho-gia-dinh", &id.to_string()).await.unwrap();
    // A reviewer fills no form: 403 before the body is read.
    let mut reviewer =
        TestApp { client: reqwest::Client::builder().cookie_store(true).build().unwrap(), csrf: String::new(), ..app_clone(&app) };
    reviewer.login("xa.thamdinh").await;
    let (s, e) = reviewer.post("/api/v1/sync/changes", json!({"nonsense": true})).await;
    assert_eq!(s, StatusCode::FORBIDDEN, "{engine:?}: {e}");
    // Another commune's officer sees neither the household nor the dossier: 404.
    let stranger = app.other_commune_officer().await;
    let (s, e) = stranger
        .post(
            "/api/v1/sync/changes",
            json!({"key": "scope-check-0001", "kind": "registry.update", "device_time": "2026-01-01T00:00:00Z",
        "registry": "ho-gia-dinh", "id": id, "base_version": base, "fields": household("HG-PHAMVI", &v, "Kẻ Lạ")}),
        )
        .await;
    assert_eq!(s, StatusCode::NOT_FOUND, "{engine:?}: {e}");
    let (s, e) = stranger
        .post(
            "/api/v1/sync/changes",
            json!({"key": "scope-check-0002", "kind": "assessment.answers", "device_time": "2026-01-01T00:00:00Z",
        "id": aid, "fields": {}}),
        )
        .await;
    assert_eq!(s, StatusCode::NOT_FOUND, "{e}");
    let (s, _) = stranger.get(&format!("/api/v1/sync/registries/ho-gia-dinh/{id}")).await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    let (s, _) = stranger.get(&format!("/api/v1/sync/assessments/{aid}")).await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    // ... nor creates a household in this commune's village (the form's refusal).
    let (s, e) = stranger
        .post(
            "/api/v1/sync/changes",
            json!({"key": "scope-check-0003", "kind": "registry.create", "device_time": "2026-01-01T00:00:00Z",
        "registry": "ho-gia-dinh", "fields": household("HG-LA", &v, "Kẻ Lạ")}),
        )
        .await;
    assert!(matches!(s, StatusCode::FORBIDDEN | StatusCode::UNPROCESSABLE_ENTITY), "{engine:?}: {s} {e}");
    assert_eq!(e["error"]["field"], "village", "{e}");
    // Input: the field is named, in Vietnamese.
    let (s, e) = app
        .post(
            "/api/v1/sync/changes",
            json!({"key": "input-check-0001", "kind": "registry.create", "device_time": "2026-01-01T00:00:00Z",
        "registry": "ho-gia-dinh", "fields": {"code": "HG-THIEU", "village": v}}),
        )
        .await;
    assert_eq!((s, e["error"]["field"].as_str()), (StatusCode::UNPROCESSABLE_ENTITY, Some("head_name")), "{e}");
    let (s, e) = app
        .post(
            "/api/v1/sync/changes",
            json!({"key": "x", "kind": "registry.create", "device_time": "2026-01-01T00:00:00Z", "registry": "ho-gia-dinh"}),
        )
        .await;
    assert_eq!((s, e["error"]["field"].as_str()), (StatusCode::UNPROCESSABLE_ENTITY, Some("key")), "{e}");
    let (s, e) = app
        .post(
            "/api/v1/sync/changes",
            json!({"key": "input-check-0002", "kind": "registry.create", "device_time": "hôm qua", "registry": "ho-gia-dinh"}),
        )
        .await;
    assert_eq!((s, e["error"]["field"].as_str()), (StatusCode::UNPROCESSABLE_ENTITY, Some("device_time")), "{e}");
    // A key is the sender's: another user's use of it is refused, and writes nothing.
    let (s, _) = app
        .post(
            "/api/v1/sync/changes",
            json!({"key": "shared-key-0001", "kind": "registry.create", "device_time": "2026-01-01T00:00:00Z",
        "registry": "ho-gia-dinh", "fields": household("HG-KHOA", &v, "Chủ Khóa")}),
        )
        .await;
    assert_eq!(s, StatusCode::OK);
    let mut other =
        TestApp { client: reqwest::Client::builder().cookie_store(true).build().unwrap(), csrf: String::new(), ..app_clone(&app) };
    other.login("tinh.canbo").await;
    let (s, e) = other
        .post(
            "/api/v1/sync/changes",
            json!({"key": "shared-key-0001", "kind": "registry.create", "device_time": "2026-01-01T00:00:00Z",
        "registry": "ho-gia-dinh", "fields": household("HG-KHOA-2", &v, "Người Khác")}),
        )
        .await;
    assert_eq!((s, e["error"]["field"].as_str()), (StatusCode::CONFLICT, Some("key")), "{e}");
    // Without the CSRF header: 403.
    let res = app.client.post(app.url("/api/v1/sync/changes")).json(&json!({})).send().await.unwrap();
    assert_eq!(res.status(), StatusCode::FORBIDDEN);
}

/// The width and height of a PNG, from its IHDR chunk.
fn png_size(bytes: &[u8]) -> (u32, u32) {
    assert_eq!(&bytes[..8], b"\x89PNG\r\n\x1a\n", "a PNG file");
    assert_eq!(&bytes[12..16], b"IHDR");
    (u32::from_be_bytes(bytes[16..20].try_into().unwrap()), u32::from_be_bytes(bytes[20..24].try_into().unwrap()))
}

per_engine!(the_app_is_installable_with_a_valid_manifest_and_service_worker);
async fn the_app_is_installable_with_a_valid_manifest_and_service_worker(engine: Engine) {
    let mut app = TestApp::start(engine).await;
    // The manifest: what a browser needs to install the app (name, start, standalone, icons).
    let res = app.client.get(app.url("/manifest.webmanifest")).send().await.unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(res.headers()["content-type"], "application/manifest+json");
    let m: Value = res.json().await.unwrap();
    assert_eq!(m["lang"], "vi");
    assert!(m["name"].as_str().unwrap().starts_with("Hoctap"));
    assert!(m["short_name"].as_str().unwrap().chars().count() <= 12, "short name fits under an icon");
    assert_eq!((m["start_url"].as_str(), m["scope"].as_str(), m["display"].as_str()), (Some("/"), Some("/"), Some("standalone")));
    assert!(m["theme_color"].as_str().unwrap().starts_with('#') && m["background_color"].as_str().unwrap().starts_with('#'));
    let mut sizes = Vec::new();
    for icon in m["icons"].as_array().unwrap() {
        let res = app.client.get(app.url(icon["src"].as_str().unwrap())).send().await.unwrap();
        assert_eq!((res.status(), res.headers()["content-type"].to_str().unwrap()), (StatusCode::OK, "image/png"), "{icon}");
        let (w, h) = png_size(&res.bytes().await.unwrap());
        assert_eq!(icon["sizes"], format!("{w}x{h}"), "declared size is the file's");
        sizes.push((w, icon["purpose"].as_str().unwrap_or("any").to_string()));
    }
    assert!(
        sizes.contains(&(192, "any".into())) && sizes.contains(&(512, "any".into())) && sizes.contains(&(512, "maskable".into())),
        "{sizes:?}"
    );
    // The service worker: served from the root (its scope is the whole site), always revalidated,
    // versioned by its assets, valid JavaScript, and every asset it caches exists.
    let res = app.client.get(app.url("/sw.js")).send().await.unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    assert!(res.headers()["content-type"].to_str().unwrap().starts_with("text/javascript"));
    assert_eq!(res.headers()["cache-control"], "no-cache");
    let sw = res.text().await.unwrap();
    assert!(!sw.contains("__VERSION__"), "the version is filled in");
    for needed in ["addEventListener('install'", "addEventListener('activate'", "addEventListener('fetch'", "skipWaiting", "clients.claim"]
    {
        assert!(sw.contains(needed), "the worker handles {needed}");
    }
    let list = sw.split("var ASSETS = [").nth(1).unwrap().split("];").next().unwrap();
    let assets: Vec<&str> = list.split('\'').filter(|s| s.starts_with('/')).collect();
    assert!(assets.len() >= 6, "{assets:?}");
    for a in &assets {
        let res = app.client.get(app.url(a)).send().await.unwrap();
        assert_eq!(res.status(), StatusCode::OK, "{a} is served");
    }
    let path = std::env::temp_dir().join(format!("hoctap-sw-{}-{engine:?}.js", std::process::id()));
    std::fs::write(&path, &sw).unwrap();
    let check = std::process::Command::new("node").arg("--check").arg(&path).output().expect("node runs");
    let _ = std::fs::remove_file(&path);
    assert!(check.status.success(), "sw.js parses: {}", String::from_utf8_lossy(&check.stderr));
    // Every page links the manifest and loads the offline script; the device's page is the user's.
    app.login("xa.canbo").await;
    let home = app.client.get(app.url("/")).send().await.unwrap().text().await.unwrap();
    assert!(home.contains(r#"<link rel="manifest" href="/manifest.webmanifest">"#) && home.contains("/static/offline/offline.js"));
    let page = app.client.get(app.url("/ngoai-tuyen")).send().await.unwrap().text().await.unwrap();
    assert!(page.contains("Dữ liệu trên máy này") && page.contains("data-offline-page"), "{page}");
    // The field forms the worker keeps for a signed-in user (FORMS) are pages a commune officer opens.
    let forms = sw.split("var FORMS = [").nth(1).unwrap().split("];").next().unwrap();
    let forms: Vec<&str> = forms.split('\'').filter(|s| s.starts_with('/')).collect();
    assert!(forms.contains(&"/so/ho-gia-dinh/moi") && forms.contains(&"/so/cong-dan/moi"), "{forms:?}");
    for f in forms {
        let res = app.client.get(app.url(f)).send().await.unwrap();
        assert_eq!(res.status(), StatusCode::OK, "{f} opens for the commune officer");
    }
}
