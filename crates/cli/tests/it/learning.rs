//! Learning itself (issue 16), on both engines: a centre's programme, sessions, learners from
//! the registry and walk-ins, a whole roll call in one request, the counters after attendance,
//! corrections and deletions (a recount finds no drift), scope and masking of attendance, the
//! citizen's record with other learning (self-declared until confirmed), and what the record
//! pre-fills in the "Công dân học tập" self-assessment.

use crate::engines::per_engine;
use crate::harness::TestApp;
use crate::workflow::as_user;
use hoctap_domain::registry::def::{CITIZENS, LEARNING_CENTRES, Value, Values};
use hoctap_domain::unit::UnitCode;
use hoctap_store::{Actor, Basis, Engine};
use reqwest::StatusCode;
use serde_json::json;

/// A learning centre in a commune and a citizen of one of its villages (CCCD given); returns
/// (centre id, citizen id).
pub(crate) async fn centre_and_citizen(app: &TestApp, commune: i64, tag: &str, cccd: &str, name: &str) -> (i64, i64) {
    let store = &app.store;
    let actor = Actor::system("kiểm thử");
    let today = hoctap_store::today();
    let commune_row = store.unit(commune).await.unwrap();
    let village = match store.villages(commune, today).await.unwrap().into_iter().next() {
        Some(v) => v,
        None => store.create_village(&actor, commune, &format!("Thôn Học Tập {tag}"), "thôn", today).await.unwrap(),
    };
    let mut c = Values::new();
    c.insert("code", Value::Text(format!("TT-HT-{tag}")));
    c.insert("name", Value::Text(format!("Trung tâm học tập cộng đồng {tag}")));
    c.insert("commune", Value::Unit(UnitCode::parse(&commune_row.code).unwrap()));
    let centre = store.registry_create(&actor, &LEARNING_CENTRES, c, None, today).await.unwrap();
    let mut p = Values::new();
    p.insert("cccd", Value::Text(cccd.to_string()));
    p.insert("full_name", Value::Text(name.to_string()));
    p.insert("birth_date", Value::Date(jiff::civil::date(1990, 3, 15)));
    // The fourth digit of a CCCD: even for a man, odd for a woman.
    let woman = cccd.as_bytes()[3] % 2 == 1;
    p.insert("sex", Value::Text(if woman { "nu" } else { "nam" }.into()));
    p.insert("ethnicity", Value::Text("Tày".into()));
    p.insert("village", Value::Unit(UnitCode::parse(&village.code).unwrap()));
    let citizen = store.registry_create(&actor, &CITIZENS, p, None, today).await.unwrap();
    (centre.id, citizen.id)
}

fn vn(d: jiff::civil::Date) -> String {
    hoctap_domain::date::format_vn(d)
}

const METRICS: [&str; 5] =
    ["learning_activities", "learning_sessions", "learning_enrolments", "learning_attendances", "learning_centres_active"];

async fn counters(app: &TestApp, unit: i64, year: i16) -> Vec<i64> {
    let v = app.store.metric_values(Some(unit), year, &METRICS, Basis::Rebased(hoctap_store::today())).await.unwrap();
    METRICS.iter().map(|m| v.get(*m).copied().unwrap_or(0)).collect()
}

async fn no_drift(app: &TestApp, when: &str) {
    let r = app.store.recount(false).await.unwrap();
    assert!(r.drift.is_empty(), "{:?} {when}: {:?}", app.engine, r.drift);
}

per_engine!(a_centre_runs_a_course_takes_the_roll_and_the_counters_follow_every_correction);
async fn a_centre_runs_a_course_takes_the_roll_and_the_counters_follow_every_correction(engine: Engine) {
    let mut officer = TestApp::start(engine).await;
    officer.login("xa.canbo").await;
    let commune = officer.demo_commune().await;
    let (centre, citizen) = centre_and_citizen(&officer, commune, "A", "020090001234", "Lục Văn Dân").await;
    let year = hoctap_store::today().year();
    let (start, end) = (jiff::civil::date(year, 1, 5), jiff::civil::date(year, 1, 30));

    // Input errors name the field; nothing is written.
    let base = json!({"kind": "khoa-hoc", "title": "Sử dụng điện thoại thông minh", "topic": "ky-nang-so", "starts_on": vn(start),
        "ends_on": vn(end), "place_kind": "nha-van-hoa", "place": "Nhà văn hóa thôn", "teacher": "Hoàng Văn Giảng",
        "partner_kind": "truong-hoc", "capacity": "40", "funding": "ngan-sach"});
    let mut bad = base.clone();
    bad["topic"] = json!("khong-co");
    let (s, e) = officer.post(&format!("/api/v1/learning/centres/{centre}/activities"), bad).await;
    assert_eq!((s, e["error"]["field"].as_str()), (StatusCode::UNPROCESSABLE_ENTITY, Some("topic")), "{e}");
    let mut bad = base.clone();
    bad["ends_on"] = json!(vn(jiff::civil::date(year - 1, 12, 1)));
    let (s, e) = officer.post(&format!("/api/v1/learning/centres/{centre}/activities"), bad).await;
    assert_eq!((s, e["error"]["field"].as_str()), (StatusCode::UNPROCESSABLE_ENTITY, Some("ends_on")), "{e}");
    assert_eq!(counters(&officer, commune, year).await, vec![0, 0, 0, 0, 0]);

    let (s, a) = officer.post(&format!("/api/v1/learning/centres/{centre}/activities"), base.clone()).await;
    assert_eq!(s, StatusCode::CREATED, "{a}");
    let aid = a["id"].as_i64().unwrap();
    let (s, e) = officer.post(&format!("/api/v1/learning/activities/{aid}/sessions"), json!({"held_on": vn(start), "hours": "13"})).await;
    assert_eq!((s, e["error"]["field"].as_str()), (StatusCode::UNPROCESSABLE_ENTITY, Some("hours")), "{e}");
    let mut sessions = Vec::new();
    for (day, hours) in [(5, "2"), (12, "2"), (19, "1,5")] {
        let (s, r) = officer
            .post(
                &format!("/api/v1/learning/activities/{aid}/sessions"),
                json!({"held_on": vn(jiff::civil::date(year, 1, day)), "hours": hours}),
            )
            .await;
        assert_eq!(s, StatusCode::CREATED, "{r}");
        sessions.push(r["id"].as_i64().unwrap());
    }
    let (s, r) = officer.post(&format!("/api/v1/learning/activities/{aid}/learners"), json!({"citizen_id": citizen})).await;
    assert_eq!(s, StatusCode::CREATED, "{r}");
    let dan = r["id"].as_i64().unwrap();
    let (s, _) = officer.post(&format!("/api/v1/learning/activities/{aid}/learners"), json!({"citizen_id": citizen})).await;
    assert_eq!(s, StatusCode::CONFLICT, "a citizen is enrolled once");
    let (s, e) = officer
        .post(&format!("/api/v1/learning/activities/{aid}/learners"), json!({"full_name": "Nông Thị Vãng", "birth_year": "1850"}))
        .await;
    assert_eq!((s, e["error"]["field"].as_str()), (StatusCode::UNPROCESSABLE_ENTITY, Some("birth_year")), "{e}");
    let (s, r) = officer
        .post(
            &format!("/api/v1/learning/activities/{aid}/learners"),
            json!({"full_name": "Nông Thị Vãng", "birth_year": "1958", "sex": "Nữ"}),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{r}");
    let walk_in = r["id"].as_i64().unwrap();

    // The whole roll in one request; a stranger's id is refused and nothing changes.
    let roll = |sid: i64| format!("/api/v1/learning/sessions/{sid}/attendance");
    let (s, e) = officer.send(reqwest::Method::PUT, &roll(sessions[0]), Some(json!({"present": [dan, 999_999]}))).await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{e}");
    for (sid, present) in [(sessions[0], vec![dan, walk_in]), (sessions[1], vec![dan, walk_in]), (sessions[2], vec![dan])] {
        let (s, r) = officer.send(reqwest::Method::PUT, &roll(sid), Some(json!({"present": present}))).await;
        assert_eq!(s, StatusCode::OK, "{r}");
    }
    assert_eq!(counters(&officer, commune, year).await, vec![1, 3, 2, 5, 1], "{engine:?}");
    let province = officer.unit_id("20").await;
    assert_eq!(counters(&officer, province, year).await, vec![1, 3, 2, 5, 1], "counted at every level");
    no_drift(&officer, "after the roll calls").await;
    let digital = |app: &TestApp| {
        let store = app.store.clone();
        async move {
            let v = store
                .metric_values(Some(commune), year, &["learning_digital_completions"], Basis::Rebased(hoctap_store::today()))
                .await
                .unwrap();
            v.get("learning_digital_completions").copied().unwrap_or(0)
        }
    };
    assert_eq!(digital(&officer).await, 1, "the citizen completed the kỹ năng số course (3 of 3); the walk-in did not (2 of 3)");

    // The officer sees full data; the commune's reviewer sees the learners masked; another
    // commune's officer and a citizen see nothing of it.
    let (s, v) = officer.get(&format!("/api/v1/learning/activities/{aid}")).await;
    assert_eq!(s, StatusCode::OK);
    let me = v["learners"].as_array().unwrap().iter().find(|l| l["id"] == dan).unwrap().clone();
    assert_eq!((me["cccd"].as_str(), me["hours"].as_str(), me["completed"].as_bool()), (Some("020090001234"), Some("5,5"), Some(true)));
    let other = v["learners"].as_array().unwrap().iter().find(|l| l["id"] == walk_in).unwrap().clone();
    assert_eq!((other["walk_in"].as_bool(), other["completed"].as_bool()), (Some(true), Some(false)), "2 of 3 sessions is not 80%");
    let reviewer = as_user(&officer, "xa.thamdinh").await;
    let (s, v) = reviewer.get(&format!("/api/v1/learning/activities/{aid}")).await;
    assert_eq!(s, StatusCode::OK);
    let text = v.to_string();
    assert!(!text.contains("020090001234") && text.contains("0200******34"), "{text}");
    assert!(!text.contains("1990"), "year of birth masked: {text}");
    let (s, _) = reviewer.post(&format!("/api/v1/learning/activities/{aid}/sessions"), json!({})).await;
    assert_eq!(s, StatusCode::FORBIDDEN);
    let (s, _) = reviewer.send(reqwest::Method::PUT, &roll(sessions[0]), Some(json!({"present": []}))).await;
    assert_eq!(s, StatusCode::FORBIDDEN);
    let stranger = officer.other_commune_officer().await;
    let (s, _) = stranger.get(&format!("/api/v1/learning/activities/{aid}")).await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    let (s, _) = stranger.send(reqwest::Method::PUT, &roll(sessions[0]), Some(json!({"present": []}))).await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    let (s, _) = stranger.get(&format!("/api/v1/learning/citizens/{citizen}/record")).await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    let (s, _) = reviewer.get(&format!("/api/v1/learning/citizens/{citizen}/record")).await;
    assert_eq!(s, StatusCode::OK);

    // The year's report counts the same.
    let (s, r) = officer.get(&format!("/api/v1/learning/report?unit={commune}&year={year}")).await;
    assert_eq!(s, StatusCode::OK, "{r}");
    assert_eq!(
        (r["activities"].as_i64(), r["sessions"].as_i64(), r["enrolments"].as_i64(), r["learners"].as_i64()),
        (Some(1), Some(3), Some(2), Some(2))
    );
    assert_eq!((r["attendances"].as_i64(), r["hours"].as_i64()), (Some(5), Some(95)), "learner-hours in tenths: 2+2+2+2+1,5");
    assert!(r["by_sex"].to_string().contains("Nữ") && r["by_age"].to_string().contains("Trên 60 tuổi"), "{r}");

    for ext in ["docx", "pdf", "xlsx"] {
        let res = officer
            .client
            .get(officer.url(&format!("/hoc-tap/bao-cao.{ext}?don-vi={commune}&nam={year}&trung-tam={centre}")))
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), StatusCode::OK, "{ext}");
        assert!(res.bytes().await.unwrap().len() > 1000, "{ext}");
    }
    let page = officer
        .client
        .get(officer.url(&format!("/hoc-tap/bao-cao?don-vi={commune}&nam={year}")))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(page.contains("Kỹ năng số") && page.contains("9,5"), "{page}");

    // Corrections: a roll call taken again, a session deleted, the activity moved to last year,
    // then deleted. The counters follow and a recount finds nothing to fix.
    let (s, _) = officer.send(reqwest::Method::PUT, &roll(sessions[2]), Some(json!({"present": []}))).await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(counters(&officer, commune, year).await, vec![1, 3, 2, 4, 1]);
    assert_eq!(digital(&officer).await, 0, "2 of 3 sessions: no longer completed");
    let (s, _) = officer.send(reqwest::Method::DELETE, &format!("/api/v1/learning/sessions/{}?confirm=true", sessions[1]), None).await;
    assert_eq!(s, StatusCode::NO_CONTENT);
    assert_eq!(counters(&officer, commune, year).await, vec![1, 2, 2, 2, 1]);
    no_drift(&officer, "after corrections").await;
    let mut moved = base.clone();
    moved["starts_on"] = json!(vn(jiff::civil::date(year - 1, 11, 2)));
    let (s, r) = officer.send(reqwest::Method::PUT, &format!("/api/v1/learning/activities/{aid}"), Some(moved)).await;
    assert_eq!(s, StatusCode::OK, "{r}");
    assert_eq!(counters(&officer, commune, year).await, vec![0, 0, 0, 0, 0]);
    assert_eq!(counters(&officer, commune, year - 1).await, vec![1, 2, 2, 2, 1]);
    no_drift(&officer, "after moving the activity").await;
    let (s, _) = reviewer.send(reqwest::Method::DELETE, &format!("/api/v1/learning/activities/{aid}"), None).await;
    assert_eq!(s, StatusCode::FORBIDDEN);
    let (s, e) = officer.send(reqwest::Method::DELETE, &format!("/api/v1/learning/activities/{aid}"), None).await;
    assert_eq!((s, e["error"]["field"].as_str()), (StatusCode::UNPROCESSABLE_ENTITY, Some("confirm")), "a deletion is confirmed");
    let (s, _) = officer.send(reqwest::Method::DELETE, &format!("/api/v1/learning/activities/{aid}?confirm=true"), None).await;
    assert_eq!(s, StatusCode::NO_CONTENT);
    assert_eq!(counters(&officer, commune, year - 1).await, vec![0, 0, 0, 0, 0]);
    no_drift(&officer, "after deleting").await;
    let audit = officer
        .store
        .audit(&hoctap_store::AuditFilter { action: Some("learning_%".into()), limit: 100, ..Default::default() }, hoctap_store::today())
        .await
        .unwrap();
    assert!(audit.len() >= 12, "every write audited: {}", audit.len());
}

per_engine!(the_citizen_sees_the_hours_on_the_record_and_in_the_self_assessment_prefill);
async fn the_citizen_sees_the_hours_on_the_record_and_in_the_self_assessment_prefill(engine: Engine) {
    let mut officer = TestApp::start(engine).await;
    officer.login("hkh.xa").await;
    let commune = officer.demo_commune().await;
    let (centre, citizen) = centre_and_citizen(&officer, commune, "B", "020190001234", "Lục Thị Dân").await;
    let year = hoctap_store::today().year();
    let mut ids = Vec::new();
    for (topic, title, hours) in [("ky-nang-so", "Dịch vụ công trực tuyến", "2"), ("phap-luat", "Luật Đất đai 2024", "1,5")]
    {
        let (s, a) = officer
            .post(
                &format!("/api/v1/learning/centres/{centre}/activities"),
                json!({"kind": "chuyen-de", "title": title, "topic": topic, "starts_on": vn(jiff::civil::date(year, 2, 3)), "place_kind": "tai-trung-tam", "funding": "hoi-khuyen-hoc"}),
            )
            .await;
        assert_eq!(s, StatusCode::CREATED, "{a}");
        let aid = a["id"].as_i64().unwrap();
        let (_, s1) = officer
            .post(
                &format!("/api/v1/learning/activities/{aid}/sessions"),
                json!({"held_on": vn(jiff::civil::date(year, 2, 3)), "hours": hours}),
            )
            .await;
        let (_, e) = officer.post(&format!("/api/v1/learning/activities/{aid}/learners"), json!({"citizen_id": citizen})).await;
        let (s, r) = officer
            .send(reqwest::Method::PUT, &format!("/api/v1/learning/sessions/{}/attendance", s1["id"]), Some(json!({"present": [e["id"]]})))
            .await;
        assert_eq!(s, StatusCode::OK, "{r}");
        ids.push(aid);
    }

    let citizen_app = as_user(&officer, "020190001234").await;
    let (s, v) = citizen_app.get(&format!("/api/v1/learning/me?year={year}")).await;
    assert_eq!(s, StatusCode::OK, "{v}");
    let y = &v["record"]["years"][0];
    assert_eq!(
        (y["totals"]["attended"].as_i64(), y["totals"]["hours"].as_i64(), y["totals"]["digital_completed"].as_i64()),
        (Some(2), Some(35), Some(1)),
        "{v}"
    );
    let prefill = v["prefill"]["indicators"].as_array().unwrap();
    assert_eq!(prefill[0]["indicator"], "NL1.3");
    assert_eq!(prefill[0]["points"], 8);
    assert_eq!(prefill[0]["explanation"], format!("đã tham gia 2 chuyên đề, 3,5 giờ trong năm {year}"));
    assert_eq!(prefill[1]["indicator"], "NL2.1");
    // Her own page says what the record holds, with the way to it.
    let page = citizen_app.client.get(citizen_app.url("/cong-dan")).send().await.unwrap().text().await.unwrap();
    assert!(page.contains(&format!("Năm {year}: tham gia 2 hoạt động")) && page.contains("3,5 giờ"), "{engine:?}: {page}");
    // A citizen reads no activity and no one else's record.
    let (s, _) = citizen_app.get(&format!("/api/v1/learning/activities/{}", ids[0])).await;
    assert_eq!(s, StatusCode::FORBIDDEN);
    let (s, _) = citizen_app.get(&format!("/api/v1/learning/citizens/{citizen}/record")).await;
    assert_eq!(s, StatusCode::FORBIDDEN);

    // Other learning: self-declared until an officer confirms; the citizen cannot confirm it.
    let (s, e) = citizen_app
        .post(
            "/api/v1/learning/me/other",
            json!({"year": year.to_string(), "title": "Khóa học trực tuyến", "hours": "abc", "evidence": "Chứng chỉ số 12"}),
        )
        .await;
    assert_eq!((s, e["error"]["field"].as_str()), (StatusCode::UNPROCESSABLE_ENTITY, Some("hours")), "{e}");
    let (s, o) = citizen_app
        .post("/api/v1/learning/me/other", json!({"year": year.to_string(), "title": "Khóa học trực tuyến", "provider": "onluyen.vn", "hours": "10", "evidence": "Chứng chỉ số 12"}))
        .await;
    assert_eq!(s, StatusCode::CREATED, "{o}");
    let oid = o["id"].as_i64().unwrap();
    let (s, _) = citizen_app.post(&format!("/api/v1/learning/other/{oid}/confirm"), json!({})).await;
    assert_eq!(s, StatusCode::FORBIDDEN);
    let (_, v) = citizen_app.get(&format!("/api/v1/learning/me?year={year}")).await;
    assert_eq!(v["record"]["years"][0]["totals"]["other_declared"], 1);
    assert_eq!(v["prefill"]["indicators"][0]["points"], 8, "self-declared learning does not raise the pre-fill");
    let (s, r) = officer.post(&format!("/api/v1/learning/other/{oid}/confirm"), json!({})).await;
    assert_eq!(s, StatusCode::OK, "{r}");
    let (s, _) = officer.post(&format!("/api/v1/learning/other/{oid}/confirm"), json!({})).await;
    assert_eq!(s, StatusCode::CONFLICT);
    let (_, v) = citizen_app.get(&format!("/api/v1/learning/me?year={year}")).await;
    assert_eq!(v["record"]["years"][0]["totals"]["other_confirmed"], 1);
    assert_eq!(v["prefill"]["indicators"][0]["points"], 10);
    assert!(v["prefill"]["indicators"][0]["explanation"].as_str().unwrap().contains("1 khóa học khác đã được xác nhận"));

    // The programme is public (title, dates, place, topic) without any learner; a signed-in
    // citizen registers interest; the class list is personal data, exported by managers only
    // and audited.
    let anonymous = reqwest::Client::new();
    let public = anonymous.get(officer.url(&format!("/trung-tam/{centre}/chuong-trinh?nam={year}"))).send().await.unwrap();
    assert_eq!(public.status(), StatusCode::OK);
    let public = public.text().await.unwrap();
    assert!(
        public.contains("Dịch vụ công trực tuyến") && public.contains("Kỹ năng số") && public.contains(&format!("03/02/{year}")),
        "{public}"
    );
    assert!(
        !public.contains("Lục Thị Dân") && !public.contains("020190001234") && !public.contains("quan-tam"),
        "no learner, no button without login"
    );
    let (s, to, _) = crate::workflow::post(&citizen_app, &format!("/hoc-tap/hoat-dong/{}/quan-tam", ids[0]), &[]).await;
    assert_eq!((s, to.starts_with(&format!("/trung-tam/{centre}/chuong-trinh"))), (StatusCode::SEE_OTHER, true));
    let (s, _, _) = crate::workflow::post(&citizen_app, &format!("/hoc-tap/hoat-dong/{}/quan-tam", ids[0]), &[]).await;
    assert_eq!(s, StatusCode::SEE_OTHER, "twice changes nothing");
    let (_, v) = officer.get(&format!("/api/v1/learning/activities/{}", ids[0])).await;
    assert_eq!(v["activity"]["interested"], 1);
    let (s, _, _) = crate::workflow::post(&officer, &format!("/hoc-tap/hoat-dong/{}/quan-tam", ids[0]), &[]).await;
    assert_eq!(s, StatusCode::FORBIDDEN, "interest is a citizen's");
    let reviewer = as_user(&officer, "xa.thamdinh").await;
    let res = reviewer.client.get(reviewer.url(&format!("/hoc-tap/hoat-dong/{}/danh-sach.xlsx", ids[0]))).send().await.unwrap();
    assert_eq!(res.status(), StatusCode::FORBIDDEN);
    let res = officer.client.get(officer.url(&format!("/hoc-tap/hoat-dong/{}/danh-sach.xlsx", ids[0]))).send().await.unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    let audit = officer
        .store
        .audit(
            &hoctap_store::AuditFilter { action: Some("learning.export".into()), limit: 10, ..Default::default() },
            hoctap_store::today(),
        )
        .await
        .unwrap();
    assert_eq!(audit.len(), 1, "the export is audited");

    // The self-assessment: a dossier laid by the citizen takes the suggested points, explained
    // on its page, and stays editable.
    let (s, c) =
        officer.post("/api/v1/campaigns", json!({"year": year.to_string(), "set_id": "cdht-congdan", "title": "Công dân học tập"})).await;
    assert_eq!(s, StatusCode::CREATED, "{c}");
    let cid = c["id"].as_i64().unwrap();
    let (s, to, body) = crate::workflow::post(&citizen_app, &format!("/tu-danh-gia/{cid}"), &[]).await;
    assert_eq!(s, StatusCode::SEE_OTHER, "{body}");
    let aid: i64 = to.trim_start_matches("/ho-so/").parse().unwrap();
    let a = officer.store.assessment(aid).await.unwrap();
    assert_eq!(a.answers["answers"]["NL1.3"].to_string().trim_matches('"'), "10", "{:?}", a.answers);
    assert_eq!(a.answers["answers"]["NL2.1"].to_string().trim_matches('"'), "10", "{:?}", a.answers);
    let page = citizen_app.client.get(citizen_app.url(&to)).send().await.unwrap().text().await.unwrap();
    assert!(page.contains(&format!("Từ hồ sơ học tập: 10 điểm gợi ý – đã tham gia 2 chuyên đề, 3,5 giờ trong năm {year}")), "{page}");
    assert!(page.contains("name=\"a:NL1.3\" value=\"10\""), "still an editable answer");
}

per_engine!(an_attendance_sheet_is_checked_cell_by_cell_and_written_whole_or_not_at_all);
async fn an_attendance_sheet_is_checked_cell_by_cell_and_written_whole_or_not_at_all(engine: Engine) {
    let mut officer = TestApp::start(engine).await;
    officer.login("xa.canbo").await;
    let commune = officer.demo_commune().await;
    let (centre, citizen) = centre_and_citizen(&officer, commune, "C", "020090004321", "Hà Văn Bảng").await;
    let year = hoctap_store::today().year();
    let (_, a) = officer
        .post(
            &format!("/api/v1/learning/centres/{centre}/activities"),
            json!({"kind": "khoa-hoc", "title": "Trồng rau an toàn", "topic": "nong-nghiep", "starts_on": vn(jiff::civil::date(year, 3, 1)),
                "ends_on": vn(jiff::civil::date(year, 3, 31)), "place_kind": "tai-trung-tam", "funding": "ngan-sach"}),
        )
        .await;
    let aid = a["id"].as_i64().unwrap();
    for day in [3, 10] {
        let (s, _) = officer
            .post(
                &format!("/api/v1/learning/activities/{aid}/sessions"),
                json!({"held_on": vn(jiff::civil::date(year, 3, day)), "hours": "3"}),
            )
            .await;
        assert_eq!(s, StatusCode::CREATED);
    }
    let (_, e1) = officer.post(&format!("/api/v1/learning/activities/{aid}/learners"), json!({"citizen_id": citizen})).await;
    let (_, e2) = officer
        .post(&format!("/api/v1/learning/activities/{aid}/learners"), json!({"full_name": "Đinh Thị Vãng", "birth_year": "1980"}))
        .await;
    let (e1, e2) = (e1["id"].as_i64().unwrap(), e2["id"].as_i64().unwrap());

    // The sheet the page offers: one row per learner, one column per session.
    let res = officer.client.get(officer.url(&format!("/hoc-tap/hoat-dong/{aid}/diem-danh.xlsx"))).send().await.unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    assert!(!res.bytes().await.unwrap().is_empty());

    let xlsx = |rows: Vec<Vec<&str>>| {
        let header: Vec<String> = ["Mã người học", "Họ và tên", &format!("Buổi 1 (03/03/{year})"), &format!("Buổi 2 (10/03/{year})")]
            .iter()
            .map(|s| s.to_string())
            .collect();
        let rows: Vec<Vec<String>> = rows.into_iter().map(|r| r.into_iter().map(str::to_string).collect()).collect();
        hoctap_docs::registry_xlsx::simple_xlsx("Diem danh", &header, &rows).unwrap()
    };
    let url = |dry: bool| format!("/api/v1/learning/activities/{aid}/attendance-import?dry_run={dry}");
    let (e1s, e2s) = (e1.to_string(), e2.to_string());
    // Bad cells are named by row and column; applying such a sheet writes nothing.
    let bad = xlsx(vec![
        vec![e1s.as_str(), "Hà Văn Bảng", "x", "có"],
        vec![e2s.as_str(), "Đinh Thị Vãng", "?", ""],
        vec!["999999", "Người lạ", "x", "x"],
    ]);
    let (s, r) = officer.post_bytes(&url(false), bad).await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{r}");
    let messages: Vec<&str> = r["errors"].as_array().unwrap().iter().map(|e| e["message"].as_str().unwrap()).collect();
    assert_eq!(messages.len(), 2, "{messages:?}");
    assert!(messages[0].starts_with("Dòng 3, cột Buổi 1"), "{messages:?}");
    assert!(messages[1].starts_with("Dòng 4, cột Mã người học"), "{messages:?}");
    assert_eq!(r["applied"], false);
    assert_eq!(counters(&officer, commune, year).await[3], 0, "nothing written");

    // A good sheet: the dry run counts, then everything is written in one go.
    let good = xlsx(vec![vec![e1s.as_str(), "Hà Văn Bảng", "x", "X"], vec![e2s.as_str(), "Đinh Thị Vãng", "x", ""]]);
    let (s, r) = officer.post_bytes(&url(true), good.clone()).await;
    assert_eq!(s, StatusCode::OK, "{r}");
    assert_eq!((r["applied"].as_bool(), r["sessions"][0][1].as_i64(), r["sessions"][1][1].as_i64()), (Some(false), Some(2), Some(1)));
    assert_eq!(counters(&officer, commune, year).await[3], 0, "a dry run writes nothing");
    let (s, r) = officer.post_bytes(&url(false), good).await;
    assert_eq!(s, StatusCode::OK, "{r}");
    assert_eq!(r["applied"], true);
    assert_eq!(counters(&officer, commune, year).await, vec![1, 2, 2, 3, 1]);
    no_drift(&officer, "after the sheet").await;
    let reviewer = as_user(&officer, "xa.thamdinh").await;
    let (s, _) = reviewer.post_bytes(&url(true), Vec::new()).await;
    assert_eq!(s, StatusCode::FORBIDDEN);

    // The plan page says which digital-skill targets are computed and which reported.
    let plans = officer.store.plans_for(&[]).await.unwrap();
    let national = plans.iter().find(|p| p.unit_id == 0).unwrap();
    let page = officer.client.get(officer.url(&format!("/ke-hoach/{}", national.id))).send().await.unwrap().text().await.unwrap();
    assert!(page.contains("Cách tính") && page.contains("Tính từ sổ theo dõi") && page.contains("Đơn vị báo cáo"), "{page}");
}

per_engine!(an_operator_extends_the_topic_list_from_the_command_line);
async fn an_operator_extends_the_topic_list_from_the_command_line(engine: Engine) {
    let url = crate::harness::fresh_url(engine).await;
    let run = |args: &[&str]| std::process::Command::new(env!("CARGO_BIN_EXE_hoctap")).args(args).output().unwrap();
    let out =
        run(&["learning", "topic-add", "--database-url", &url, "--code", "an-toan-mang", "--name", "An toàn trên mạng", "--ky-nang-so"]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let out = run(&["learning", "topic-add", "--database-url", &url, "--code", "an-toan-mang", "--name", "Lần nữa"]);
    assert!(!out.status.success(), "a code is added once");
    let out = run(&["learning", "topic-add", "--database-url", &url, "--code", "An Toàn", "--name", "Sai mã"]);
    assert!(!out.status.success() && String::from_utf8_lossy(&out.stderr).contains("Chủ đề"), "{}", String::from_utf8_lossy(&out.stderr));
    let out = run(&["learning", "topics", "--database-url", &url]);
    let list = String::from_utf8_lossy(&out.stdout);
    assert!(list.contains("an-toan-mang") && list.contains("An toàn trên mạng (kỹ năng số)") && list.contains("phap-luat"), "{list}");
}
