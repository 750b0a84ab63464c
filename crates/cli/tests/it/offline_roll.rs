//! A learning centre's roll call taken on a device without network (issue 18), on both engines:
//! applied once for its key with the roll call's checks (centre managers 403, the session in
//! scope 404, learners of the class 422), audited with the device's time, and refused as stale
//! (409 with both rolls, per learner) when someone wrote the session's attendance meanwhile.

use crate::engines::per_engine;
use crate::harness::TestApp;
use crate::learning::centre_and_citizen;
use crate::offline::{app_clone, audit_of};
use hoctap_store::Engine;
use reqwest::StatusCode;
use serde_json::{Value, json};

/// A course with one session and two walk-in learners; returns (session, [learner A, learner B]).
async fn course(app: &TestApp) -> (i64, [i64; 2]) {
    let commune = app.demo_commune().await;
    let (centre, _) = centre_and_citizen(app, commune, "OFF", "020090007777", "Lò Văn Ngoại").await;
    let year = hoctap_store::today().year();
    let vn = |d| hoctap_domain::date::format_vn(d);
    let (s, a) = app
        .post(
            &format!("/api/v1/learning/centres/{centre}/activities"),
            json!({"kind": "khoa-hoc", "title": "Trồng chè an toàn", "topic": "ky-nang-so", "starts_on": vn(jiff::civil::date(year, 2, 1)),
                "ends_on": vn(jiff::civil::date(year, 2, 28)), "place_kind": "nha-van-hoa", "place": "Nhà văn hóa bản",
                "teacher": "Lò Văn Dạy", "partner_kind": "truong-hoc", "capacity": "30", "funding": "ngan-sach"}),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{a}");
    let aid = a["id"].as_i64().unwrap();
    let (s, r) = app
        .post(&format!("/api/v1/learning/activities/{aid}/sessions"), json!({"held_on": vn(jiff::civil::date(year, 2, 3)), "hours": "2"}))
        .await;
    assert_eq!(s, StatusCode::CREATED, "{r}");
    let sid = r["id"].as_i64().unwrap();
    let mut learners = [0; 2];
    for (i, name) in ["Lò Thị Một", "Lò Văn Hai"].into_iter().enumerate() {
        let (s, r) = app
            .post(&format!("/api/v1/learning/activities/{aid}/learners"), json!({"full_name": name, "birth_year": "1980", "sex": "Nữ"}))
            .await;
        assert_eq!(s, StatusCode::CREATED, "{r}");
        learners[i] = r["id"].as_i64().unwrap();
    }
    (sid, learners)
}

fn roll(key: &str, sid: i64, base: Value, fields: Value) -> Value {
    json!({"key": key, "kind": "attendance.roll_call", "device_time": "2026-02-03T02:00:00Z", "id": sid, "base_version": base, "fields": fields})
}

per_engine!(a_roll_call_taken_offline_is_applied_once_and_a_stale_one_shows_both_rolls);
async fn a_roll_call_taken_offline_is_applied_once_and_a_stale_one_shows_both_rolls(engine: Engine) {
    let mut app = TestApp::start(engine).await;
    app.login("xa.canbo").await;
    let (sid, [one, two]) = course(&app).await;
    let (b1, b2) = (format!("co-mat-{one}"), format!("co-mat-{two}"));
    // What the device keeps when the roll call is opened: every learner's box, names, version.
    let (s, opened) = app.get(&format!("/api/v1/sync/roll-calls/{sid}")).await;
    assert_eq!(s, StatusCode::OK, "{engine:?}: {opened}");
    assert_eq!((opened["fields"][&b1].as_str(), opened["fields"][&b2].as_str()), (Some(""), Some("")), "{opened}");
    assert_eq!(opened["labels"][&b1], "Lò Thị Một");
    let base = opened["version"].clone();
    let change = roll("roll-offline-0001", sid, base.clone(), json!({b1.clone(): "1"}));
    let (s, r) = app.post("/api/v1/sync/changes", change.clone()).await;
    assert_eq!(s, StatusCode::OK, "{engine:?}: {r}");
    assert_eq!(r["status"], "applied");
    // Sent again after a lost answer: the first outcome, nothing written twice.
    let (s, dup) = app.post("/api/v1/sync/changes", change).await;
    assert_eq!((s, dup["status"].as_str()), (StatusCode::OK, Some("duplicate")), "{dup}");
    let session = app.store.learning_session(sid).await.unwrap();
    assert_eq!(app.store.present_at(sid).await.unwrap().into_iter().collect::<Vec<_>>(), vec![one]);
    assert_eq!(session.present, 1);
    assert_eq!(audit_of(&app, "learning_session.roll_call", &sid.to_string()).await.len(), 1, "{engine:?}: written once");
    let arrivals = audit_of(&app, "sync.apply", &sid.to_string()).await;
    let arrivals: Vec<_> = arrivals.into_iter().filter(|a| a.entity == "learning_session").collect();
    assert_eq!(arrivals.len(), 1);
    assert_eq!(arrivals[0].username, "xa.canbo");
    assert_eq!(arrivals[0].after.as_ref().unwrap()["device_time"], "2026-02-03T02:00:00Z");
    let (_, now) = app.get(&format!("/api/v1/sync/roll-calls/{sid}")).await;
    assert_eq!(now["version"], r["outcome"]["version"], "the version the device moves its next change to");
    assert_eq!(now["fields"][&b1], "1");

    // The phone opened the roll at this version; meanwhile another officer takes it online.
    let seen = now["version"].clone();
    let (s, e) =
        app.send(reqwest::Method::PUT, &format!("/api/v1/learning/sessions/{sid}/attendance"), Some(json!({"present": [two]}))).await;
    assert_eq!(s, StatusCode::OK, "{e}");
    let (s, c) =
        app.post("/api/v1/sync/changes", roll("roll-offline-0002", sid, seen.clone(), json!({b1.clone(): "1", b2.clone(): "1"}))).await;
    assert_eq!(s, StatusCode::CONFLICT, "{engine:?}: {c}");
    assert_eq!(c["error"]["field"], "base_version");
    assert_eq!((c["server"]["fields"][&b1].as_str(), c["server"]["fields"][&b2].as_str()), (Some(""), Some("1")), "the server's roll: {c}");
    assert_eq!(c["server"]["labels"][&b2], "Lò Văn Hai");
    assert_eq!(c["mine"]["fields"][&b1], "1", "the device's roll");
    assert_eq!(app.store.present_at(sid).await.unwrap().into_iter().collect::<Vec<_>>(), vec![two], "nothing written");
    // Chosen per learner (mine for one, theirs for two: both present), sent on the server's version.
    let (s, ok) = app
        .post(
            "/api/v1/sync/changes",
            roll("roll-offline-0003", sid, c["server"]["version"].clone(), json!({b1.clone(): "1", b2.clone(): "1"})),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{engine:?}: {ok}");
    assert_eq!(app.store.present_at(sid).await.unwrap().len(), 2);
    // A roll call without the version it was based on cannot say what it replaces.
    let (s, _) = app.post("/api/v1/sync/changes", roll("roll-offline-0004", sid, Value::Null, json!({}))).await;
    assert_eq!(s, StatusCode::CONFLICT);
    // The counters moved as the online roll call moves them.
    let r = app.store.recount(false).await.unwrap();
    assert!(r.drift.is_empty(), "{engine:?}: {:?}", r.drift);
}

per_engine!(a_roll_call_from_a_device_keeps_the_roll_calls_checks);
async fn a_roll_call_from_a_device_keeps_the_roll_calls_checks(engine: Engine) {
    let mut app = TestApp::start(engine).await;
    app.login("xa.canbo").await;
    let (sid, [one, _]) = course(&app).await;
    let (_, opened) = app.get(&format!("/api/v1/sync/roll-calls/{sid}")).await;
    let base = opened["version"].clone();
    // A reviewer takes no roll call: 403.
    let mut reviewer =
        TestApp { client: reqwest::Client::builder().cookie_store(true).build().unwrap(), csrf: String::new(), ..app_clone(&app) };
    reviewer.login("xa.thamdinh").await;
    let (s, e) = reviewer.post("/api/v1/sync/changes", roll("roll-check-0001", sid, base.clone(), json!({}))).await;
    assert_eq!(s, StatusCode::FORBIDDEN, "{engine:?}: {e}");
    // Another commune's officer does not see the session: 404.
    let stranger = app.other_commune_officer().await;
    let (s, e) =
        stranger.post("/api/v1/sync/changes", roll("roll-check-0002", sid, base.clone(), json!({format!("co-mat-{one}"): "1"}))).await;
    assert_eq!(s, StatusCode::NOT_FOUND, "{engine:?}: {e}");
    let (s, _) = stranger.get(&format!("/api/v1/sync/roll-calls/{sid}")).await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    // A learner of no class, a box that is no learner: 422 naming the field, in Vietnamese.
    let (s, e) = app.post("/api/v1/sync/changes", roll("roll-check-0003", sid, base.clone(), json!({"co-mat-999999": "1"}))).await;
    assert_eq!((s, e["error"]["field"].as_str()), (StatusCode::UNPROCESSABLE_ENTITY, Some("present")), "{engine:?}: {e}");
    assert!(e["error"]["message"].as_str().unwrap().contains("không có trong danh sách lớp"), "{e}");
    let (s, e) = app.post("/api/v1/sync/changes", roll("roll-check-0004", sid, base.clone(), json!({"co-mat-mot": "1"}))).await;
    assert_eq!((s, e["error"]["field"].as_str()), (StatusCode::UNPROCESSABLE_ENTITY, Some("co-mat-mot")), "{e}");
    assert!(app.store.present_at(sid).await.unwrap().is_empty(), "nothing written");
    assert!(audit_of(&app, "sync.apply", &sid.to_string()).await.iter().all(|a| a.entity != "learning_session"));
}
