//! Citizen self-service and notifications through the JSON API on both engines (issue 17
//! §3–§4): the citizen's own record, household, titles, self-assessments and learning; a
//! correction request filed and answered (roles 403, another commune 404, checks 422); the
//! notifications list, marking read (another's: 404) and preferences; no CCCD where the page
//! shows none, none in subjects.

use crate::engines::per_engine;
use crate::harness::TestApp;
use crate::workflow::as_user;
use hoctap_commands::commands::demo_citizen::{DEMO_CITIZEN, seed_citizen};
use hoctap_store::{Engine, NewNotification};
use reqwest::{Method, StatusCode};
use serde_json::json;

per_engine!(the_api_serves_a_citizen_her_own_data_and_her_correction_requests);
async fn the_api_serves_a_citizen_her_own_data_and_her_correction_requests(engine: Engine) {
    let app = TestApp::start(engine).await;
    let commune = app.demo_commune().await;
    let record = seed_citizen(&app.store, commune).await.unwrap();
    let citizen = as_user(&app, DEMO_CITIZEN).await;

    // Her own data, unmasked for her; officers are refused (it is the citizen's own page).
    let (s, me) = citizen.get("/api/v1/citizen/me").await;
    assert_eq!(s, StatusCode::OK, "{engine:?}: {me}");
    assert_eq!(me["record"]["id"], record);
    assert_eq!(me["record"]["cccd"], DEMO_CITIZEN);
    assert_eq!(me["record"]["full_name"], "Lục Văn Dân");
    assert_eq!(me["record"]["birth_date"], "12/05/1990");
    assert!(me["titles"].is_array() && me["self_assessments"].is_array(), "{me}");
    assert!(me.get("learning").is_some() && me.get("household").is_some(), "{me}");
    let officer = as_user(&app, "xa.canbo").await;
    assert_eq!(officer.get("/api/v1/citizen/me").await.0, StatusCode::FORBIDDEN);
    assert_eq!(officer.post("/api/v1/citizen/corrections", json!({"full_name": "X"})).await.0, StatusCode::FORBIDDEN);
    let (s, _) = app.get("/api/v1/citizen/me").await;
    assert!(s == StatusCode::UNAUTHORIZED || s == StatusCode::FORBIDDEN, "{s}");

    // A request: a bad date names its field, nothing to change is refused, a change is filed.
    let (s, e) = citizen.post("/api/v1/citizen/corrections", json!({"birth_date": "31/02/1990"})).await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{e}");
    assert_eq!(e["error"]["field"], "birth_date");
    let (s, _) = citizen.post("/api/v1/citizen/corrections", json!({"full_name": "Lục Văn Dân"})).await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "nothing to change");
    let (s, r) = citizen.post("/api/v1/citizen/corrections", json!({"full_name": "Lục Thị Dân", "note": "Theo giấy khai sinh"})).await;
    assert_eq!(s, StatusCode::CREATED, "{engine:?}: {r}");
    let rid = r["id"].as_i64().unwrap();
    let (s, mine) = citizen.get("/api/v1/citizen/corrections").await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(mine["items"][0]["id"], rid);
    assert_eq!(mine["items"][0]["state"], "pending");
    assert_eq!(mine["items"][0]["proposed"]["full_name"], "Lục Thị Dân");

    // The officer's inbox: the request, the citizen's name and birth date, no CCCD.
    let (s, inbox) = officer.get("/api/v1/corrections").await;
    assert_eq!(s, StatusCode::OK);
    let item = inbox["items"].as_array().unwrap().iter().find(|i| i["request"]["id"] == rid).expect("the request");
    assert_eq!(item["citizen"]["full_name"], "Lục Văn Dân");
    assert_eq!(item["citizen"]["birth_date"], "12/05/1990");
    assert!(!inbox.to_string().contains(DEMO_CITIZEN), "{engine:?}: no CCCD in the inbox");
    // Who may not: a reviewer (403), the citizen (403), another commune's officer (404; its inbox lacks it).
    let reviewer = as_user(&app, "xa.thamdinh").await;
    assert_eq!(reviewer.get("/api/v1/corrections").await.0, StatusCode::FORBIDDEN);
    let answer = format!("/api/v1/corrections/{rid}/answer");
    assert_eq!(reviewer.post(&answer, json!({"approve": true})).await.0, StatusCode::FORBIDDEN);
    assert_eq!(citizen.post(&answer, json!({"approve": true})).await.0, StatusCode::FORBIDDEN);
    let stranger = app.other_commune_officer().await;
    assert_eq!(stranger.post(&answer, json!({"approve": true})).await.0, StatusCode::NOT_FOUND);
    let (_, theirs) = stranger.get("/api/v1/corrections").await;
    assert!(!theirs.to_string().contains("Lục Thị Dân"), "{engine:?}");
    // A refusal needs a reason; an approval writes the record; answered once.
    let (s, e) = officer.post(&answer, json!({"approve": false})).await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{e}");
    assert_eq!(e["error"]["field"], "reason");
    let (s, done) = officer.post(&answer, json!({"approve": true})).await;
    assert_eq!(s, StatusCode::OK, "{engine:?}: {done}");
    assert_eq!(done["state"], "approved");
    assert_eq!(officer.post(&answer, json!({"approve": true})).await.0, StatusCode::CONFLICT);
    let (_, me) = citizen.get("/api/v1/citizen/me").await;
    assert_eq!(me["record"]["full_name"], "Lục Thị Dân", "{engine:?}");

    // Her notification of the answer, through the API, with no personal data in its subject.
    let (s, notes) = citizen.get("/api/v1/notifications").await;
    assert_eq!(s, StatusCode::OK);
    let answered = notes["items"].as_array().unwrap().iter().find(|n| n["kind"] == "correction").expect("the answer");
    let subject = answered["subject"].as_str().unwrap();
    assert!(subject.contains(&rid.to_string()) && !subject.contains("Dân") && !subject.contains(DEMO_CITIZEN), "{subject}");
}

per_engine!(the_api_lists_marks_and_sets_a_users_own_notifications);
async fn the_api_lists_marks_and_sets_a_users_own_notifications(engine: Engine) {
    let app = TestApp::start(engine).await;
    let officer = as_user(&app, "xa.canbo").await;
    let me = app.store.user_by_username("xa.canbo").await.unwrap().unwrap().id;
    let other = app.store.user_by_username("xa.lanhdao").await.unwrap().unwrap().id;
    let note = |user_id: i64, subject: &str| NewNotification {
        user_id,
        kind: "task".into(),
        subject: subject.into(),
        body: "Nội dung".into(),
        link: "/nhiem-vu/1".into(),
        dedup_key: None,
    };
    app.store.notify(&[note(me, "Việc thứ nhất"), note(me, "Việc thứ hai"), note(other, "Việc của người khác")]).await.unwrap();

    let (s, list) = officer.get("/api/v1/notifications").await;
    assert_eq!(s, StatusCode::OK, "{list}");
    let items = list["items"].as_array().unwrap();
    assert!(items.iter().all(|n| n["subject"] != "Việc của người khác"), "{engine:?}: only her own");
    let unread = list["unread"].as_i64().unwrap();
    assert!(unread >= 2);
    let first = items.iter().find(|n| n["subject"] == "Việc thứ nhất").unwrap()["id"].as_i64().unwrap();
    let theirs = app.store.notifications(other, 1).await.unwrap()[0].id;
    let (s, _) = officer.post("/api/v1/notifications/read", json!({"id": theirs})).await;
    assert_eq!(s, StatusCode::NOT_FOUND, "{engine:?}: another's notification");
    assert!(!app.store.notifications(other, 1).await.unwrap()[0].read);
    let (s, r) = officer.post("/api/v1/notifications/read", json!({"id": first})).await;
    assert_eq!(s, StatusCode::OK, "{r}");
    assert_eq!(r["unread"].as_i64().unwrap(), unread - 1);
    let (_, r) = officer.post("/api/v1/notifications/read", json!({})).await;
    assert_eq!(r["unread"], 0, "{engine:?}: all read");

    // Preferences: defaults, a bad address and an unknown kind named, then saved and read back.
    let (s, p) = officer.get("/api/v1/notifications/preferences").await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(p["mode"], "immediate");
    assert!(p["kinds"].as_array().unwrap().iter().all(|k| k["mail"] == true), "{p}");
    let put = |body| officer.send(Method::PUT, "/api/v1/notifications/preferences", Some(body));
    let (s, e) = put(json!({"email": "khong hop le", "mode": "immediate"})).await;
    assert_eq!((s, e["error"]["field"].as_str()), (StatusCode::UNPROCESSABLE_ENTITY, Some("email")), "{e}");
    let (s, e) = put(json!({"email": "", "mode": "sometimes"})).await;
    assert_eq!((s, e["error"]["field"].as_str()), (StatusCode::UNPROCESSABLE_ENTITY, Some("mode")), "{e}");
    let (s, e) = put(json!({"email": "", "mode": "digest", "kinds": ["nope"]})).await;
    assert_eq!((s, e["error"]["field"].as_str()), (StatusCode::UNPROCESSABLE_ENTITY, Some("kinds")), "{e}");
    let (s, p) = put(json!({"email": "can.bo@xa.vi-du.vn", "mode": "digest", "kinds": ["returned", "decision"]})).await;
    assert_eq!(s, StatusCode::OK, "{engine:?}: {p}");
    let saved = app.store.notification_prefs(me).await.unwrap();
    assert_eq!(saved.mode, "digest");
    assert!(saved.kinds_off.contains(&"task".to_string()) && !saved.kinds_off.contains(&"decision".to_string()));
    let (_, p) = officer.get("/api/v1/notifications/preferences").await;
    assert_eq!(p["email"], "can.bo@xa.vi-du.vn");
    // Without a session: 401; without the CSRF header a write is refused.
    assert_eq!(app.get("/api/v1/notifications").await.0, StatusCode::UNAUTHORIZED);
    let bare = officer.client.post(officer.url("/api/v1/notifications/read")).json(&json!({})).send().await.unwrap();
    assert_eq!(bare.status(), StatusCode::FORBIDDEN, "{engine:?}: a write needs the CSRF header");
}
