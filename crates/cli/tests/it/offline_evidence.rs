//! Evidence photos taken on a device without network (issue 18): sent with the sync as
//! `assessment.evidence`, stored through the dossiers' evidence (the file once by SHA-256,
//! linked to its indicators, audited), written once for its key, with the upload form's checks:
//! role 403, scope 404, a dossier still open and a real photo 422 naming the field.

use crate::engines::per_engine;
use crate::harness::TestApp;
use crate::offline::{app_clone, audit_of, draft_dossier};
use base64::Engine as _;
use hoctap_store::Engine;
use reqwest::StatusCode;
use serde_json::{Value, json};

/// A small JPEG as a phone's canvas writes it (the server reads its type from the bytes).
fn jpeg(seed: u8) -> Vec<u8> {
    let mut b =
        vec![0xFF, 0xD8, 0xFF, 0xE0, 0x00, 0x10, b'J', b'F', b'I', b'F', 0x00, 0x01, 0x01, 0x00, 0x00, 0x01, 0x00, 0x01, 0x00, 0x00];
    b.extend((0..2048u32).map(|i| (i as u8).wrapping_mul(31).wrapping_add(seed)));
    b.extend([0xFF, 0xD9]);
    b
}

fn b64(bytes: &[u8]) -> String {
    base64::engine::general_purpose::STANDARD.encode(bytes)
}

/// The first indicator of the dossier's set.
fn first_indicator(set: &Value) -> String {
    set["criteria"][0]["indicators"][0]["id"].as_str().unwrap().to_string()
}

fn photo_change(key: &str, aid: i64, indicator: &str, bytes: &[u8]) -> Value {
    json!({
        "key": key, "kind": "assessment.evidence", "device_time": "2026-04-04T04:04:04Z", "id": aid,
        "fields": {"title": "Ảnh họp thôn", "doc_type": "Ảnh", format!("ct:{indicator}"): "1"},
        "photo": {"name": "IMG_0001.jpg", "data": b64(bytes)},
    })
}

async fn files_stored(app: &TestApp) -> i64 {
    app.store.table_counts().await.unwrap()["evidence_files"]
}

per_engine!(a_photo_taken_offline_becomes_the_dossiers_evidence_once);
async fn a_photo_taken_offline_becomes_the_dossiers_evidence_once(engine: Engine) {
    let mut app = TestApp::start(engine).await;
    app.login("xa.canbo").await;
    let (aid, set) = draft_dossier(&app).await;
    let ind = first_indicator(&set);
    let files_before = files_stored(&app).await;
    let photo = jpeg(7);
    let change = photo_change("photo-offline-0001", aid, &ind, &photo);
    let (s, r) = app.post("/api/v1/sync/changes", change.clone()).await;
    assert_eq!(s, StatusCode::OK, "{engine:?}: {r}");
    assert_eq!(r["status"], "applied");
    assert_eq!(r["outcome"]["entity"], "assessment");
    // The answer was lost: sent again with its key, answered from the first send.
    let (s, again) = app.post("/api/v1/sync/changes", change).await;
    assert_eq!((s, again["status"].as_str()), (StatusCode::OK, Some("duplicate")), "{again}");
    assert_eq!(again["outcome"], r["outcome"]);
    let evidence = app.store.evidence_of(aid).await.unwrap();
    assert_eq!(evidence.len(), 1, "{engine:?}: one evidence: {evidence:?}");
    let e = &evidence[0];
    assert_eq!(e.indicators, vec![ind.clone()], "linked to the ticked indicator");
    assert_eq!((e.title.as_str(), e.file_name.as_str()), ("Ảnh họp thôn", "IMG_0001.jpg"));
    assert_eq!(e.code, format!("{ind}-01"));
    let (_, mime, _, bytes) = app.store.evidence_file(e.id).await.unwrap();
    assert_eq!((mime.as_str(), bytes), ("image/jpeg", photo.clone()), "the photo's bytes as sent");
    assert_eq!(files_stored(&app).await, files_before + 1);
    // The same photo sent for a second dossier (another key): the file is stored once.
    let aid2 = {
        let villages = app.store.villages(app.demo_commune().await, hoctap_store::today()).await.unwrap();
        let cid = app.store.assessment(aid).await.unwrap().campaign_id;
        let (s, a) = app.post(&format!("/api/v1/campaigns/{cid}/assessments"), json!({"subject": villages[1].code})).await;
        assert_eq!(s, StatusCode::CREATED, "{a}");
        a["id"].as_i64().unwrap()
    };
    let (s, r2) = app.post("/api/v1/sync/changes", photo_change("photo-offline-0002", aid2, &ind, &photo)).await;
    assert_eq!(s, StatusCode::OK, "{r2}");
    assert_eq!(app.store.evidence_of(aid2).await.unwrap()[0].sha256, e.sha256);
    assert_eq!(files_stored(&app).await, files_before + 1, "{engine:?}: one file for both dossiers");
    // Audited as the user: the evidence, and its arrival with the device's time.
    let added = audit_of(&app, "evidence.add", &aid.to_string()).await;
    assert_eq!(added.len(), 1);
    assert_eq!(added[0].username, "xa.canbo");
    let arrivals = audit_of(&app, "sync.apply", &aid.to_string()).await;
    assert_eq!(arrivals.len(), 1);
    assert_eq!(arrivals[0].after.as_ref().unwrap()["kind"], "assessment.evidence");
    assert_eq!(arrivals[0].after.as_ref().unwrap()["device_time"], "2026-04-04T04:04:04Z");
    // The dossier page lists it.
    let page = app.client.get(app.url(&format!("/ho-so/{aid}"))).send().await.unwrap().text().await.unwrap();
    assert!(page.contains("Ảnh họp thôn") && page.contains(r#"capture="environment""#), "{engine:?}");
}

per_engine!(a_photo_from_a_device_keeps_the_upload_forms_checks);
async fn a_photo_from_a_device_keeps_the_upload_forms_checks(engine: Engine) {
    let mut app = TestApp::start(engine).await;
    app.login("xa.canbo").await;
    let (aid, set) = draft_dossier(&app).await;
    let ind = first_indicator(&set);
    // A reviewer prepares no dossier: 403, before anything is read.
    let mut reviewer =
        TestApp { client: reqwest::Client::builder().cookie_store(true).build().unwrap(), csrf: String::new(), ..app_clone(&app) };
    reviewer.login("xa.thamdinh").await;
    let (s, e) = reviewer.post("/api/v1/sync/changes", photo_change("photo-check-0001", aid, &ind, &jpeg(1))).await;
    assert_eq!(s, StatusCode::FORBIDDEN, "{engine:?}: {e}");
    // Another commune's officer does not see the dossier: 404.
    let stranger = app.other_commune_officer().await;
    let (s, e) = stranger.post("/api/v1/sync/changes", photo_change("photo-check-0002", aid, &ind, &jpeg(2))).await;
    assert_eq!(s, StatusCode::NOT_FOUND, "{engine:?}: {e}");
    // Not a photo: a PDF, and bytes of nothing known; each refused naming the field, in Vietnamese.
    let mut pdf = photo_change("photo-check-0003", aid, &ind, b"%PDF-1.7\n1 0 obj\n<<>>\nendobj\n");
    let (s, e) = app.post("/api/v1/sync/changes", pdf.clone()).await;
    assert_eq!((s, e["error"]["field"].as_str()), (StatusCode::UNPROCESSABLE_ENTITY, Some("photo")), "{engine:?}: {e}");
    assert!(e["error"]["message"].as_str().unwrap().contains("phải là ảnh JPEG hoặc PNG"), "{e}");
    pdf["key"] = json!("photo-check-0004");
    pdf["photo"]["data"] = json!(b64(b"MZ\x90\x00 not an image at all"));
    let (s, e) = app.post("/api/v1/sync/changes", pdf.clone()).await;
    assert_eq!((s, e["error"]["field"].as_str()), (StatusCode::UNPROCESSABLE_ENTITY, Some("photo")), "{e}");
    assert!(e["error"]["message"].as_str().unwrap().starts_with("Ảnh minh chứng (photo)"), "{e}");
    pdf["key"] = json!("photo-check-0005");
    pdf["photo"]["data"] = json!("không phải base64!");
    let (s, e) = app.post("/api/v1/sync/changes", pdf).await;
    assert_eq!((s, e["error"]["field"].as_str()), (StatusCode::UNPROCESSABLE_ENTITY, Some("photo")), "{e}");
    // Over the evidence limit (10 MB).
    let mut big = jpeg(3);
    big.resize(10 * 1024 * 1024 + 10, 0);
    let (s, e) = app.post("/api/v1/sync/changes", photo_change("photo-check-0006", aid, &ind, &big)).await;
    assert_eq!((s, e["error"]["field"].as_str()), (StatusCode::UNPROCESSABLE_ENTITY, Some("photo")), "{engine:?}: {e}");
    // The form's own fields: a name and at least one indicator.
    let mut untitled = photo_change("photo-check-0007", aid, &ind, &jpeg(4));
    untitled["fields"]["title"] = json!("  ");
    let (s, e) = app.post("/api/v1/sync/changes", untitled).await;
    assert_eq!((s, e["error"]["field"].as_str()), (StatusCode::UNPROCESSABLE_ENTITY, Some("title")), "{e}");
    let mut unlinked = photo_change("photo-check-0008", aid, &ind, &jpeg(5));
    unlinked["fields"] = json!({"title": "Ảnh"});
    let (s, e) = app.post("/api/v1/sync/changes", unlinked).await;
    assert_eq!((s, e["error"]["field"].as_str()), (StatusCode::UNPROCESSABLE_ENTITY, Some("indicators")), "{e}");
    let mut missing = photo_change("photo-check-0009", aid, &ind, &jpeg(6));
    missing.as_object_mut().unwrap().remove("photo");
    let (s, e) = app.post("/api/v1/sync/changes", missing).await;
    assert_eq!((s, e["error"]["field"].as_str()), (StatusCode::UNPROCESSABLE_ENTITY, Some("photo")), "{e}");
    assert!(app.store.evidence_of(aid).await.unwrap().is_empty(), "{engine:?}: nothing written");
    assert!(audit_of(&app, "sync.apply", &aid.to_string()).await.is_empty());
}

/// The dossier's evidence form sent without JavaScript: a file, or a photo from the camera.
fn evidence_form(app: &TestApp, ind: &str, file: (Vec<u8>, &str), photo: (Vec<u8>, &str), title: &str) -> reqwest::multipart::Form {
    reqwest::multipart::Form::new()
        .text("csrf", app.csrf.clone())
        .part("file", reqwest::multipart::Part::bytes(file.0).file_name(file.1.to_string()))
        .part("file", reqwest::multipart::Part::bytes(photo.0).file_name(photo.1.to_string()))
        .text("title", title.to_string())
        .text(format!("ct:{ind}"), "1")
}

per_engine!(the_dossier_form_takes_a_camera_photo_or_a_file_without_javascript);
async fn the_dossier_form_takes_a_camera_photo_or_a_file_without_javascript(engine: Engine) {
    let mut app = TestApp::start(engine).await;
    app.login("xa.canbo").await;
    let (aid, set) = draft_dossier(&app).await;
    let ind = first_indicator(&set);
    let url = app.url(&format!("/ho-so/{aid}/minh-chung"));
    let back = format!("/ho-so/{aid}");
    // The file input left empty, the camera's photo chosen: the photo is the evidence.
    let form = evidence_form(&app, &ind, (Vec::new(), ""), (jpeg(9), "camera.jpg"), "Ảnh chụp tại chỗ");
    let res = app.client.post(&url).multipart(form).send().await.unwrap();
    assert_eq!(
        (res.status(), res.headers().get("location").and_then(|l| l.to_str().ok())),
        (StatusCode::SEE_OTHER, Some(back.as_str())),
        "{engine:?}"
    );
    // A file chosen, the camera left empty: the file is.
    let pdf = b"%PDF-1.4\n1 0 obj\n<<>>\nendobj\ntrailer\n<<>>\n%%EOF\n".to_vec();
    let form = evidence_form(&app, &ind, (pdf.clone(), "bien-ban.pdf"), (Vec::new(), ""), "Biên bản họp");
    let res = app.client.post(&url).multipart(form).send().await.unwrap();
    assert_eq!(
        (res.status(), res.headers().get("location").and_then(|l| l.to_str().ok())),
        (StatusCode::SEE_OTHER, Some(back.as_str())),
        "{engine:?}"
    );
    let evidence = app.store.evidence_of(aid).await.unwrap();
    assert_eq!(evidence.len(), 2, "{engine:?}: {evidence:?}");
    for (title, bytes, mime) in [("Ảnh chụp tại chỗ", jpeg(9), "image/jpeg"), ("Biên bản họp", pdf, "application/pdf")] {
        let e = evidence.iter().find(|e| e.title == title).unwrap();
        let (_, m, _, b) = app.store.evidence_file(e.id).await.unwrap();
        assert_eq!((m.as_str(), b), (mime, bytes), "{title}");
    }
}
