//! Citizen self-service and notifications on both engines: correction requests (rights, scope,
//! the registry's history and audit, the answer seen by the citizen); the first sign-in by a
//! one-time code; notifications per event (a dossier returned or refused, a task assigned,
//! reminders written once); preferences (immediate, digest, kinds off); the mail queue
//! surviving a mail server that is down and a restart of the sender (delivered once).

use crate::engines::per_engine;
use crate::harness::TestApp;
use crate::smtp_sink::Sink;
use crate::workflow::{as_user, post};
use hoctap_commands::commands::demo_citizen::{DEMO_CITIZEN, seed_citizen};
use hoctap_domain::registry::def::{CITIZENS, Value};
use hoctap_store::{Engine, NewNotification};
use reqwest::StatusCode;
use serde_json::json;

async fn html(app: &TestApp, path: &str) -> (StatusCode, String) {
    let res = app.client.get(app.url(path)).send().await.unwrap();
    (res.status(), res.text().await.unwrap())
}

async fn user_id(app: &TestApp, name: &str) -> i64 {
    app.store.user_by_username(name).await.unwrap().unwrap().id
}

per_engine!(a_citizen_asks_for_a_correction_and_the_commune_officer_answers_it);
async fn a_citizen_asks_for_a_correction_and_the_commune_officer_answers_it(engine: Engine) {
    let app = TestApp::start(engine).await;
    let commune = app.demo_commune().await;
    let record = seed_citizen(&app.store, commune).await.unwrap();
    let citizen = as_user(&app, DEMO_CITIZEN).await;
    let (s, page) = html(&citizen, "/cong-dan").await;
    assert_eq!(s, StatusCode::OK);
    assert!(page.contains("Lục Văn Dân") && page.contains("12/05/1990"), "{engine:?}: the citizen sees her own record");
    assert!(page.contains("Thông báo <span class=\"count\">1"), "{engine:?}: the bell counts the demo's reminder");
    // No centre has recorded her learning in this database; her page says so, with the way to the record.
    assert!(page.contains("chưa ghi nhận hoạt động học tập") && page.contains("href=\"/ho-so-hoc-tap\""), "{engine:?}: {page}");

    // A bad date is named; nothing changed refuses; a real change is filed.
    let (s, _, body) = post(&citizen, "/cong-dan/dinh-chinh", &[("birth_date", "31/02/1990")]).await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(body.contains("href=\"#birth_date\"") && body.contains("Ngày sinh"), "{engine:?}");
    let (s, _, _) = post(&citizen, "/cong-dan/dinh-chinh", &[("full_name", "Lục Văn Dân")]).await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "nothing to change");
    let (s, _, body) = post(
        &citizen,
        "/cong-dan/dinh-chinh",
        &[("full_name", "Lục Thị Dân"), ("birth_date", "13/05/1990"), ("note", "Theo giấy khai sinh")],
    )
    .await;
    assert_eq!(s, StatusCode::SEE_OTHER, "{body}");
    let (s, _, _) = post(&citizen, "/cong-dan/dinh-chinh", &[("full_name", "Lục Thị Dần")]).await;
    assert_eq!(s, StatusCode::CONFLICT, "{engine:?}: one pending request at a time");
    let req = app.store.corrections_of_user(user_id(&app, DEMO_CITIZEN).await).await.unwrap().remove(0);
    assert_eq!(req.state, "pending");

    // Who may answer: the commune's officer; a reviewer 403, another commune's officer 404.
    let reviewer = as_user(&app, "xa.thamdinh").await;
    assert_eq!(post(&reviewer, &format!("/yeu-cau-dinh-chinh/{}/duyet", req.id), &[]).await.0, StatusCode::FORBIDDEN);
    assert_eq!(html(&reviewer, "/yeu-cau-dinh-chinh").await.0, StatusCode::FORBIDDEN);
    assert_eq!(post(&citizen, &format!("/yeu-cau-dinh-chinh/{}/duyet", req.id), &[]).await.0, StatusCode::FORBIDDEN);
    let stranger = app.other_commune_officer().await;
    let (s, page) = html(&stranger, "/yeu-cau-dinh-chinh").await;
    assert_eq!(s, StatusCode::OK);
    assert!(!page.contains("Lục Thị Dân"), "{engine:?}: another commune does not see the request");
    assert_eq!(post(&stranger, &format!("/yeu-cau-dinh-chinh/{}/duyet", req.id), &[]).await.0, StatusCode::NOT_FOUND);
    assert_eq!(post(&stranger, &format!("/yeu-cau-dinh-chinh/{}/tu-choi", req.id), &[("reason", "x")]).await.0, StatusCode::NOT_FOUND);

    // The officer sees the change beside the record and approves it.
    let officer = as_user(&app, "xa.canbo").await;
    let (s, page) = html(&officer, "/yeu-cau-dinh-chinh").await;
    assert_eq!(s, StatusCode::OK);
    assert!(page.contains("Lục Văn Dân") && page.contains("Lục Thị Dân") && page.contains("12/05/1990") && page.contains("13/05/1990"));
    assert!(!page.contains(DEMO_CITIZEN), "no CCCD in the inbox");
    let (s, _, body) = post(&officer, &format!("/yeu-cau-dinh-chinh/{}/duyet", req.id), &[]).await;
    assert_eq!(s, StatusCode::SEE_OTHER, "{body}");
    let (s, _, _) = post(&officer, &format!("/yeu-cau-dinh-chinh/{}/duyet", req.id), &[]).await;
    assert_eq!(s, StatusCode::CONFLICT, "{engine:?}: answered once");
    let now = app.store.registry_get(&CITIZENS, record).await.unwrap();
    assert_eq!(now.values.get("full_name"), Some(&Value::Text("Lục Thị Dân".into())));
    assert_eq!(now.values.get("birth_date"), Some(&Value::Date(jiff::civil::date(1990, 5, 13))));
    // A record laid today is corrected in place: its history is the audit's before and after.
    let history = app.store.registry_history(&CITIZENS, record).await.unwrap();
    assert!(!history.is_empty(), "{engine:?}");
    let audit = app
        .store
        .audit(&hoctap_store::AuditFilter { username: Some("xa.canbo".into()), limit: 20, ..Default::default() }, hoctap_store::today())
        .await
        .unwrap();
    assert!(audit.iter().any(|a| a.action == "correction.approve"), "{engine:?}");
    let update =
        audit.iter().find(|a| a.action == "registry.update" && a.entity_id == record.to_string()).expect("the registry's audit entry");
    assert!(
        update.before.as_ref().unwrap().to_string().contains("Lục Văn Dân")
            && update.after.as_ref().unwrap().to_string().contains("Lục Thị Dân")
    );
    assert!(audit.iter().filter(|a| a.action == "correction.approve").all(|a| !a.after.as_ref().unwrap().to_string().contains("Lục Thị")));

    // The citizen sees the answer and a notification.
    let (_, page) = html(&citizen, "/cong-dan/dinh-chinh").await;
    assert!(page.contains("Đã chấp nhận"), "{engine:?}");
    let (_, page) = html(&citizen, "/thong-bao").await;
    assert!(page.contains(&format!("Yêu cầu đính chính số {} đã được chấp nhận", req.id)), "{engine:?}");

    // A second request, refused: a reason is required and is shown to the citizen.
    let (s, _, _) = post(&citizen, "/cong-dan/dinh-chinh", &[("household", "HG-9999")]).await;
    assert_eq!(s, StatusCode::SEE_OTHER);
    let second = app.store.corrections_of_user(user_id(&app, DEMO_CITIZEN).await).await.unwrap().remove(0);
    let (s, _, body) = post(&officer, &format!("/yeu-cau-dinh-chinh/{}/tu-choi", second.id), &[("reason", "")]).await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(body.contains("href=\"#reason\""));
    let (s, _, _) =
        post(&officer, &format!("/yeu-cau-dinh-chinh/{}/tu-choi", second.id), &[("reason", "Hộ HG-9999 không có trong sổ")]).await;
    assert_eq!(s, StatusCode::SEE_OTHER);
    let (_, page) = html(&citizen, "/cong-dan/dinh-chinh").await;
    assert!(page.contains("Không chấp nhận") && page.contains("Hộ HG-9999 không có trong sổ"), "{engine:?}");
    let notes = app.store.notifications(user_id(&app, DEMO_CITIZEN).await, 10).await.unwrap();
    assert!(notes.iter().any(|n| n.kind == "correction" && n.body.contains("HG-9999")));
    assert!(notes.iter().all(|n| !n.subject.contains("Dân") && !n.subject.contains(DEMO_CITIZEN)), "no personal data in subjects");
}

per_engine!(a_citizen_signs_in_first_with_the_officers_one_time_code);
async fn a_citizen_signs_in_first_with_the_officers_one_time_code(engine: Engine) {
    let app = TestApp::start(engine).await;
    let commune = app.demo_commune().await;
    seed_citizen(&app.store, commune).await.unwrap();
    // A citizen of the registry without an account yet.
    let village = app.store.villages(commune, hoctap_store::today()).await.unwrap()[0].code.clone();
    let officer = as_user(&app, "xa.canbo").await;
    let (s, r) = officer
        .post(
            "/api/v1/registries/cong-dan",
            json!({"cccd": "020085000777", "full_name": "Vi Văn Mới", "birth_date": "02/02/1985", "sex": "Nam", "village": village}),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{r}");
    let reviewer = as_user(&app, "xa.thamdinh").await;
    assert_eq!(post(&reviewer, "/ma-kich-hoat", &[("cccd", "020085000777")]).await.0, StatusCode::FORBIDDEN);
    let stranger = app.other_commune_officer().await;
    let (s, _, body) = post(&stranger, "/ma-kich-hoat", &[("cccd", "020085000777")]).await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{engine:?}: not in the other commune's registry");
    assert!(body.contains("href=\"#cccd\""));
    let (s, _, slip) = post(&officer, "/ma-kich-hoat", &[("cccd", "020085000777")]).await;
    assert_eq!(s, StatusCode::OK);
    let code = slip.split("<dd><strong>").nth(1).unwrap().split('<').next().unwrap().to_string();
    assert_eq!(code.len(), 10, "{engine:?}: {code}");
    let account = app.store.user_by_username("020085000777").await.unwrap().unwrap();
    assert!(account.must_change_password);
    // Only the hash is stored.
    let login = |pw: String| {
        let c = reqwest::Client::builder().cookie_store(true).redirect(reqwest::redirect::Policy::none()).build().unwrap();
        let url = app.url("/api/v1/session");
        async move { c.post(url).json(&json!({"username": "020085000777", "password": pw})).send().await.unwrap().status() }
    };
    assert_ne!(login("SAIMA23456".into()).await, StatusCode::OK);
    assert_eq!(login(code.to_lowercase()).await, StatusCode::OK, "{engine:?}: the code signs in once");
    assert_ne!(login(code.clone()).await, StatusCode::OK, "{engine:?}: and only once");
    let audit = app
        .store
        .audit(&hoctap_store::AuditFilter { action: Some("user.%".into()), limit: 50, ..Default::default() }, hoctap_store::today())
        .await
        .unwrap();
    assert!(audit.iter().any(|a| a.action == "user.activation_code") && audit.iter().any(|a| a.action == "user.activate"));
    assert!(audit.iter().all(|a| !a.after.as_ref().map(ToString::to_string).unwrap_or_default().contains(&code)), "no code in the audit");
}

per_engine!(notifications_follow_their_events_and_each_users_preferences);
async fn notifications_follow_their_events_and_each_users_preferences(engine: Engine) {
    let app = TestApp::start(engine).await;
    let officer_id = user_id(&app, "xa.canbo").await;
    let mut officer = as_user(&app, "xa.canbo").await;
    // Preferences: a bad address is named; then at once, without the kind "task".
    let (s, _, body) = post(&officer, "/thong-bao/cai-dat", &[("email", "khong hop le"), ("mode", "immediate")]).await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(body.contains("href=\"#email\""));
    let kinds = ["returned", "deadline", "report", "decision", "correction"];
    let mut form: Vec<(&str, &str)> = vec![("email", "can.bo@xa.vi-du.vn"), ("mode", "immediate")];
    let names: Vec<String> = kinds.iter().map(|k| format!("kind_{k}")).collect();
    form.extend(names.iter().map(|k| (k.as_str(), "1")));
    let (s, _, body) = post(&officer, "/thong-bao/cai-dat", &form).await;
    assert_eq!(s, StatusCode::SEE_OTHER, "{body}");
    let prefs = app.store.notification_prefs(officer_id).await.unwrap();
    assert_eq!(prefs.kinds_off, vec!["task".to_string()]);

    // A dossier returned: who submitted it is told, with the reviewer's comments; so is a refusal.
    let (_, c) = officer.post("/api/v1/campaigns", json!({"year": "2026", "set_id": "cdht-thon"})).await;
    let cid = c["id"].as_i64().unwrap();
    let village = app.store.villages(app.demo_commune().await, hoctap_store::today()).await.unwrap()[0].code.clone();
    let (_, a) = officer.post(&format!("/api/v1/campaigns/{cid}/assessments"), json!({"subject": village})).await;
    let aid = a["id"].as_i64().unwrap();
    let (_, set) = officer.get("/api/v1/criteria-sets/cdht-thon").await;
    let mut answers = serde_json::Map::new();
    for c in set["criteria"].as_array().unwrap() {
        for i in c["indicators"].as_array().unwrap() {
            let v = match i["kind"].as_str().unwrap() {
                "yes_no" => json!(true),
                _ => json!(i["max_points"].as_str().map(|m| m.replace(',', ".").parse::<f64>().unwrap()).unwrap_or(100.0)),
            };
            answers.insert(i["id"].as_str().unwrap().to_string(), v);
        }
    }
    let first = answers.keys().next().unwrap().clone();
    officer.send(reqwest::Method::PUT, &format!("/api/v1/assessments/{aid}/answers"), Some(json!({"answers": answers}))).await;
    let (s, r) = officer.post(&format!("/api/v1/assessments/{aid}/transitions"), json!({"action": "submit"})).await;
    assert_eq!(s, StatusCode::OK, "{r}");
    let reviewer = as_user(&app, "xa.thamdinh").await;
    reviewer.post(&format!("/api/v1/assessments/{aid}/transitions"), json!({"action": "start_review"})).await;
    let (s, r) = reviewer
        .post(
            &format!("/api/v1/assessments/{aid}/transitions"),
            json!({"action": "return", "comments": {first.clone(): "Thiếu biên bản họp thôn"}}),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{r}");
    let notes = app.store.notifications(officer_id, 10).await.unwrap();
    let returned = notes.iter().find(|n| n.kind == "returned").expect("a notification of the return");
    assert!(returned.body.contains("Thiếu biên bản họp thôn") && returned.link == format!("/ho-so/{aid}"), "{engine:?}: {returned:?}");
    assert!(app.store.notifications(user_id(&app, "xa.thamdinh").await, 10).await.unwrap().is_empty(), "the reviewer is not told");
    // Mail at once for a kind the officer wants: in the queue, written with the notification.
    let queue = app.store.mail_outbox().await.unwrap();
    assert_eq!(queue.len(), 1, "{engine:?}: {queue:?}");
    assert_eq!(queue[0].to_addr, "can.bo@xa.vi-du.vn");
    assert!(queue[0].subject.contains(&format!("Hồ sơ số {aid}")) && queue[0].body.contains("Thiếu biên bản"));

    // A task handed to the officer: in the app, but no mail (the kind is off).
    let province = app.store.user_by_username("tinh.canbo").await.unwrap().unwrap().unit_id;
    hoctap_commands::commands::demo::seed_boards(&app.store, province, app.demo_commune().await).await.unwrap();
    let task = app.store.tasks(&hoctap_store::TaskFilter { unit_id: Some(province), ..Default::default() }).await.unwrap().remove(0);
    let province_officer = as_user(&app, "tinh.canbo").await;
    let (s, _, body) =
        post(&province_officer, &format!("/nhiem-vu/{}/giao", task.id), &[("agency", "UBND xã"), ("username", "xa.canbo")]).await;
    assert_eq!(s, StatusCode::SEE_OTHER, "{body}");
    let notes = app.store.notifications(officer_id, 10).await.unwrap();
    assert!(notes.iter().any(|n| n.kind == "task" && n.link == format!("/nhiem-vu/{}", task.id)), "{engine:?}: {notes:?}");
    assert_eq!(app.store.mail_outbox().await.unwrap().len(), 1, "{engine:?}: no mail for a kind turned off");

    // Reminders are written once per user and key, however often the worker runs.
    let today = hoctap_store::today();
    let first_run = hoctap_app::notify::remind(&app.store, today).await.unwrap();
    let again = hoctap_app::notify::remind(&app.store, today).await.unwrap();
    assert_eq!(again, 0, "{engine:?}: {first_run} reminders, then none again");

    // The bell, the list and marking read (another user's notification is not found).
    officer.login("xa.canbo").await;
    let unread = app.store.unread_count(officer_id).await.unwrap();
    assert!(unread >= 2);
    let (_, page) = html(&officer, "/thong-bao").await;
    assert!(page.contains(&format!("Thông báo <span class=\"count\">{unread}")), "{engine:?}");
    let other = app
        .store
        .notify(&[NewNotification {
            user_id: user_id(&app, "xa.lanhdao").await,
            kind: "decision".into(),
            subject: "Việc của người khác".into(),
            body: String::new(),
            link: String::new(),
            dedup_key: None,
        }])
        .await
        .unwrap();
    assert_eq!(other, 1);
    let theirs = app.store.notifications(user_id(&app, "xa.lanhdao").await, 1).await.unwrap().remove(0);
    assert_eq!(post(&officer, "/thong-bao/da-doc", &[("id", &theirs.id.to_string())]).await.0, StatusCode::NOT_FOUND);
    assert!(!app.store.notifications(user_id(&app, "xa.lanhdao").await, 1).await.unwrap()[0].read);
    assert_eq!(post(&officer, "/thong-bao/da-doc", &[("id", &returned.id.to_string())]).await.0, StatusCode::SEE_OTHER);
    assert_eq!(app.store.unread_count(officer_id).await.unwrap(), unread - 1);
    assert_eq!(post(&officer, "/thong-bao/da-doc", &[]).await.0, StatusCode::SEE_OTHER);
    assert_eq!(app.store.unread_count(officer_id).await.unwrap(), 0);

    // A daily digest instead: no mail at once, one digest a day.
    let queued = app.store.mail_outbox().await.unwrap().len();
    let (s, _, _) =
        post(&officer, "/thong-bao/cai-dat", &[("email", "can.bo@xa.vi-du.vn"), ("mode", "digest"), ("kind_returned", "1")]).await;
    assert_eq!(s, StatusCode::SEE_OTHER);
    let (s, r) =
        reviewer.post(&format!("/api/v1/assessments/{aid}/transitions"), json!({"action": "reject", "reason": "Không đủ điều kiện"})).await;
    assert!(s == StatusCode::OK || s == StatusCode::UNPROCESSABLE_ENTITY, "{r}");
    app.store
        .notify(&[NewNotification {
            user_id: officer_id,
            kind: "deadline".into(),
            subject: "Còn 3 ngày".into(),
            body: "Hạn nộp hồ sơ".into(),
            link: String::new(),
            dedup_key: None,
        }])
        .await
        .unwrap();
    assert_eq!(app.store.mail_outbox().await.unwrap().len(), queued, "{engine:?}: digest mode queues nothing at once");
    assert_eq!(hoctap_app::mail::queue_digests(&app.store, today).await.unwrap(), 1);
    assert_eq!(hoctap_app::mail::queue_digests(&app.store, today).await.unwrap(), 0, "{engine:?}: one digest a day");
    let queue = app.store.mail_outbox().await.unwrap();
    assert_eq!(queue.len(), queued + 1);
    let digest = queue.last().unwrap();
    assert!(digest.subject.starts_with("Tổng hợp") && digest.body.contains("Hạn nộp hồ sơ"), "{engine:?}: {digest:?}");
}

per_engine!(the_mail_queue_survives_a_server_down_and_a_restart_and_delivers_once);
async fn the_mail_queue_survives_a_server_down_and_a_restart_and_delivers_once(engine: Engine) {
    let app = TestApp::start(engine).await;
    let officer_id = user_id(&app, "xa.canbo").await;
    let officer = as_user(&app, "xa.canbo").await;
    let (s, _, _) =
        post(&officer, "/thong-bao/cai-dat", &[("email", "can.bo@xa.vi-du.vn"), ("mode", "immediate"), ("kind_decision", "1")]).await;
    assert_eq!(s, StatusCode::SEE_OTHER);
    let note = |subject: &str| NewNotification {
        user_id: officer_id,
        kind: "decision".into(),
        subject: subject.into(),
        body: "Nội dung".into(),
        link: "/quyet-dinh/1".into(),
        dedup_key: None,
    };
    app.store.notify(&[note("Quyết định số 1"), note("Quyết định số 2")]).await.unwrap();
    assert_eq!(app.store.mail_outbox().await.unwrap().len(), 2);

    // The server is down: a port nobody listens on. Nothing is lost, the attempt is counted.
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let url = format!("smtp://127.0.0.1:{port}");
    let mailer = hoctap_app::mail::Mailer::new(&url, "Hoctap <khong-tra-loi@hoctap.test>").unwrap();
    let t0 = jiff::Timestamp::now();
    let r = hoctap_app::mail::send_due(&app.store, &mailer, t0).await.unwrap();
    assert_eq!((r.sent, r.failed), (0, 2), "{engine:?}");
    let queue = app.store.mail_outbox().await.unwrap();
    assert!(
        queue.iter().all(|m| m.sent_at.is_empty() && m.attempts == 1 && !m.last_error.is_empty() && m.next_attempt_at > t0.to_string())
    );

    // The server comes up; the retry waits for its backoff, then delivers each mail once.
    let sink = Sink::start(port).await;
    let r = hoctap_app::mail::send_due(&app.store, &mailer, t0).await.unwrap();
    assert_eq!((r.sent, r.failed), (0, 0), "{engine:?}: not due yet");
    let later = t0.checked_add(jiff::SignedDuration::from_mins(5)).unwrap();
    let r = hoctap_app::mail::send_due(&app.store, &mailer, later).await.unwrap();
    assert_eq!((r.sent, r.failed), (2, 0), "{engine:?}");
    let got = sink.received();
    assert_eq!(got.len(), 2);
    assert!(got.iter().all(|m| m.to == ["can.bo@xa.vi-du.vn"] && m.data.contains("Message-ID: <hoctap-")));

    // A restart: a new sender finds nothing to send; a lease keeps two senders apart.
    let restarted = hoctap_app::mail::Mailer::new(&url, "Hoctap <khong-tra-loi@hoctap.test>").unwrap();
    let much_later = t0.checked_add(jiff::SignedDuration::from_hours(12)).unwrap();
    let r = hoctap_app::mail::send_due(&app.store, &restarted, much_later).await.unwrap();
    assert_eq!((r.sent, r.failed), (0, 0), "{engine:?}: nothing sent twice");
    assert_eq!(sink.received().len(), 2);
    app.store.notify(&[note("Quyết định số 3")]).await.unwrap();
    let now = jiff::Timestamp::now().round(jiff::Unit::Second).unwrap().to_string();
    let lease =
        jiff::Timestamp::now().checked_add(jiff::SignedDuration::from_mins(2)).unwrap().round(jiff::Unit::Second).unwrap().to_string();
    let held = app.store.mail_claim("a", &now, &lease, 10).await.unwrap();
    assert_eq!(held.len(), 1);
    assert!(app.store.mail_claim("b", &now, &lease, 10).await.unwrap().is_empty(), "{engine:?}: under a lease");
    assert!(!app.store.mail_sent(held[0].id, "b").await.unwrap(), "only the lease's holder marks it sent");
    // The holder died: once the lease is over, a new sender delivers it.
    let r = hoctap_app::mail::send_due(&app.store, &restarted, much_later).await.unwrap();
    assert_eq!((r.sent, r.failed), (1, 0), "{engine:?}");
    assert_eq!(sink.received().len(), 3);
    assert!(app.store.mail_outbox().await.unwrap().iter().all(|m| !m.sent_at.is_empty()));
}
