//! Learning centres, the rest of issue 16, on both engines: removing a learner from a class list
//! from the activity's page (CSRF, a confirmation, refused once they were present, audited,
//! counted), and the year's report read from the figures kept per activity: the incremental
//! figures equal a rebuild from the rows after every kind of write, and `recount` finds them so.

use crate::engines::per_engine;
use crate::harness::TestApp;
use crate::learning::centre_and_citizen;
use crate::workflow::as_user;
use hoctap_store::{Basis, Engine};
use reqwest::StatusCode;
use serde_json::json;

fn vn(d: jiff::civil::Date) -> String {
    hoctap_domain::date::format_vn(d)
}

async fn enrolments_counted(app: &TestApp, unit: i64, year: i16) -> i64 {
    let v = app.store.metric_values(Some(unit), year, &["learning_enrolments"], Basis::Rebased(hoctap_store::today())).await.unwrap();
    v.get("learning_enrolments").copied().unwrap_or(0)
}

/// A course with two sessions, a citizen and two walk-ins enrolled; the citizen present at the
/// first session. Returns (activity, [session ids], citizen's enrolment, walk-ins' enrolments).
async fn course(app: &TestApp, centre: i64, citizen: i64, year: i16) -> (i64, Vec<i64>, i64, Vec<i64>) {
    let (s, a) = app
        .post(
            &format!("/api/v1/learning/centres/{centre}/activities"),
            json!({"kind": "khoa-hoc", "title": "Trồng rau an toàn", "topic": "nong-nghiep", "starts_on": vn(jiff::civil::date(year, 4, 1)),
                "ends_on": vn(jiff::civil::date(year, 4, 30)), "place_kind": "tai-trung-tam", "funding": "ngan-sach"}),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{a}");
    let aid = a["id"].as_i64().unwrap();
    let mut sessions = Vec::new();
    for day in [2, 9] {
        let (s, r) = app
            .post(
                &format!("/api/v1/learning/activities/{aid}/sessions"),
                json!({"held_on": vn(jiff::civil::date(year, 4, day)), "hours": "2"}),
            )
            .await;
        assert_eq!(s, StatusCode::CREATED, "{r}");
        sessions.push(r["id"].as_i64().unwrap());
    }
    let (s, r) = app.post(&format!("/api/v1/learning/activities/{aid}/learners"), json!({"citizen_id": citizen})).await;
    assert_eq!(s, StatusCode::CREATED, "{r}");
    let dan = r["id"].as_i64().unwrap();
    let mut walk_ins = Vec::new();
    for (name, born, sex) in [("Nông Thị Vãng", "1958", "Nữ"), ("Hà Văn Lai", "2010", "Nam")] {
        let (s, r) = app
            .post(&format!("/api/v1/learning/activities/{aid}/learners"), json!({"full_name": name, "birth_year": born, "sex": sex}))
            .await;
        assert_eq!(s, StatusCode::CREATED, "{r}");
        walk_ins.push(r["id"].as_i64().unwrap());
    }
    let (s, r) = app
        .send(reqwest::Method::PUT, &format!("/api/v1/learning/sessions/{}/attendance", sessions[0]), Some(json!({"present": [dan]})))
        .await;
    assert_eq!(s, StatusCode::OK, "{r}");
    (aid, sessions, dan, walk_ins)
}

per_engine!(a_manager_removes_a_learner_never_present_from_the_class_list_page_and_no_one_else_can);
async fn a_manager_removes_a_learner_never_present_from_the_class_list_page_and_no_one_else_can(engine: Engine) {
    let mut officer = TestApp::start(engine).await;
    officer.login("hkh.xa").await;
    let commune = officer.demo_commune().await;
    let (centre, citizen) = centre_and_citizen(&officer, commune, "U", "020090005678", "Hà Thị Xoá").await;
    let year = hoctap_store::today().year();
    let before = enrolments_counted(&officer, commune, year).await;
    let (aid, _, dan, walk_ins) = course(&officer, centre, citizen, year).await;
    assert_eq!(enrolments_counted(&officer, commune, year).await, before + 3);
    let path = |e: i64| format!("/hoc-tap/hoat-dong/{aid}/nguoi-hoc/{e}/xoa");

    // The class list offers the removal (with its CSRF token and confirmation box) only to those
    // never present.
    let page = officer.client.get(officer.url(&format!("/hoc-tap/hoat-dong/{aid}"))).send().await.unwrap().text().await.unwrap();
    assert!(page.contains(&format!("action=\"{}\"", path(walk_ins[0]))), "{page}");
    assert!(!page.contains(&format!("action=\"{}\"", path(dan))), "present once: no removal offered");
    assert!(page.contains("Xác nhận xóa Nông Thị Vãng") && page.contains("Đã có điểm danh"), "{page}");

    // Without the confirmation: 422, nothing removed.
    let (s, body) = officer.post_form(&path(walk_ins[0]), &[]).await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert!(body.contains("Đánh dấu ô xác nhận trước khi xóa người học"), "{body}");
    // Without the CSRF token: refused.
    let res = officer.client.post(officer.url(&path(walk_ins[0]))).form(&[("xac_nhan", "1")]).send().await.unwrap();
    assert_eq!(res.status(), StatusCode::FORBIDDEN);
    // Someone marked present: 409 with the reason, nothing removed.
    let (s, body) = officer.post_form(&path(dan), &[("xac_nhan", "1")]).await;
    assert_eq!(s, StatusCode::CONFLICT, "{body}");
    assert!(body.contains("đã có mặt ở 1 buổi nên không xóa khỏi danh sách lớp được"), "{body}");
    // A reviewer may not (403), another commune's officer does not see the activity (404), an
    // enrolment of another activity is not this one's (404).
    let reviewer = as_user(&officer, "xa.thamdinh").await;
    let (s, _) = reviewer.post_form(&path(walk_ins[0]), &[("xac_nhan", "1")]).await;
    assert_eq!(s, StatusCode::FORBIDDEN);
    let stranger = officer.other_commune_officer().await;
    let (s, _) = stranger.post_form(&path(walk_ins[0]), &[("xac_nhan", "1")]).await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    let (other, ..) = course(&officer, centre, citizen, year).await;
    let (s, _) = officer.post_form(&format!("/hoc-tap/hoat-dong/{other}/nguoi-hoc/{}/xoa", walk_ins[0]), &[("xac_nhan", "1")]).await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    assert_eq!(enrolments_counted(&officer, commune, year).await, before + 6);

    // Confirmed: removed, said so, counted and audited.
    let res = officer
        .client
        .post(officer.url(&path(walk_ins[0])))
        .form(&[("xac_nhan", "1"), ("csrf", officer.csrf.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    assert_eq!(res.headers()["location"], format!("/hoc-tap/hoat-dong/{aid}").as_str());
    let page = officer.client.get(officer.url(&format!("/hoc-tap/hoat-dong/{aid}"))).send().await.unwrap().text().await.unwrap();
    assert!(page.contains("Đã xóa Nông Thị Vãng khỏi danh sách lớp") && page.contains("Người học (2)"), "{page}");
    assert_eq!(enrolments_counted(&officer, commune, year).await, before + 5);
    let r = officer.store.recount(false).await.unwrap();
    assert!(r.drift.is_empty(), "{:?}", r.drift);
    let audit = officer
        .store
        .audit(
            &hoctap_store::AuditFilter { action: Some("learning_enrolment.delete".into()), limit: 10, ..Default::default() },
            hoctap_store::today(),
        )
        .await
        .unwrap();
    assert_eq!(audit.len(), 1, "one removal, one audit entry");
    let (s, v) = officer.get(&format!("/api/v1/learning/activities/{aid}")).await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(v["learners"].as_array().unwrap().len(), 2, "{v}");

    // The same through the API: confirm=true asked for, the same refusals, 204 once removed.
    let api =
        |e: i64, confirm: bool| format!("/api/v1/learning/activities/{aid}/learners/{e}{}", if confirm { "?confirm=true" } else { "" });
    let (s, body) = officer.send(reqwest::Method::DELETE, &api(walk_ins[1], false), None).await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert_eq!(body["error"]["field"], "confirm", "{body}");
    let (s, body) = officer.send(reqwest::Method::DELETE, &api(dan, true), None).await;
    assert_eq!(s, StatusCode::CONFLICT, "{body}");
    let (s, _) = reviewer.send(reqwest::Method::DELETE, &api(walk_ins[1], true), None).await;
    assert_eq!(s, StatusCode::FORBIDDEN);
    let (s, _) = stranger.send(reqwest::Method::DELETE, &api(walk_ins[1], true), None).await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    let (s, body) = officer.send(reqwest::Method::DELETE, &api(walk_ins[1], true), None).await;
    assert_eq!(s, StatusCode::NO_CONTENT, "{body}");
    let (s, body) = officer.send(reqwest::Method::DELETE, &api(walk_ins[1], true), None).await;
    assert_eq!(s, StatusCode::NOT_FOUND, "removed once: {body}");
    let (_, v) = officer.get(&format!("/api/v1/learning/activities/{aid}")).await;
    assert_eq!(v["learners"].as_array().unwrap().len(), 1, "{v}");
    let r = officer.store.recount(false).await.unwrap();
    assert!(r.drift.is_empty(), "{:?}", r.drift);
}

/// The report's figures as they stand, without the order of lines.
fn figures(r: &hoctap_store::YearReport) -> serde_json::Value {
    serde_json::to_value(r).unwrap()
}

per_engine!(the_year_report_reads_figures_kept_by_each_write_equal_to_a_rebuild_from_the_rows);
async fn the_year_report_reads_figures_kept_by_each_write_equal_to_a_rebuild_from_the_rows(engine: Engine) {
    let mut officer = TestApp::start(engine).await;
    officer.login("xa.canbo").await;
    let commune = officer.demo_commune().await;
    let province = officer.unit_id("20").await;
    let (centre, citizen) = centre_and_citizen(&officer, commune, "R", "020090007777", "Lò Văn Đếm").await;
    let year = hoctap_store::today().year();
    let store = officer.store.clone();
    let today = hoctap_store::today();
    let same = |when: &'static str| {
        let store = store.clone();
        async move {
            for scope in [commune, province] {
                for y in [year, year - 1] {
                    let kept = store.learning_year_report(scope, None, y, today).await.unwrap();
                    let rows = store.learning_year_report_from_rows(scope, None, y, today).await.unwrap();
                    assert_eq!(figures(&kept), figures(&rows), "{when}: scope {scope}, year {y}");
                }
            }
            let r = store.recount(false).await.unwrap();
            assert!(r.drift.is_empty(), "{when}: {:?}", r.drift);
        }
    };
    same("before any learning").await;

    let (aid, sessions, dan, walk_ins) = course(&officer, centre, citizen, year).await;
    same("after a course, its learners and a roll call").await;
    let kept = store.learning_year_report(commune, Some(centre), year, today).await.unwrap();
    assert_eq!((kept.activities, kept.sessions, kept.enrolments, kept.learners, kept.attendances), (1, 2, 3, 3, 1));
    assert_eq!(kept.by_age.iter().find(|(l, _)| l == "Dưới 18 tuổi").map(|x| x.1), Some(1), "{kept:?}");
    let roll = |sid: i64| format!("/api/v1/learning/sessions/{sid}/attendance");
    let (s, _) = officer.send(reqwest::Method::PUT, &roll(sessions[1]), Some(json!({"present": [dan, walk_ins[0]]}))).await;
    assert_eq!(s, StatusCode::OK);
    same("after a second roll call").await;
    let (s, _) = officer.post_form(&format!("/hoc-tap/hoat-dong/{aid}/nguoi-hoc/{}/xoa", walk_ins[1]), &[("xac_nhan", "1")]).await;
    assert_eq!(s, StatusCode::SEE_OTHER);
    same("after a learner removed").await;
    let (s, _) = officer.send(reqwest::Method::DELETE, &format!("/api/v1/learning/sessions/{}?confirm=true", sessions[0]), None).await;
    assert_eq!(s, StatusCode::NO_CONTENT);
    same("after a session deleted").await;
    // Moved to last year: the age groups are counted on 31/12 of the new year.
    let (s, r) = officer
        .send(
            reqwest::Method::PUT,
            &format!("/api/v1/learning/activities/{aid}"),
            Some(json!({"kind": "khoa-hoc", "title": "Trồng rau an toàn", "topic": "ky-nang-so", "starts_on": vn(jiff::civil::date(year - 1, 4, 1)),
                "ends_on": vn(jiff::civil::date(year - 1, 4, 30)), "place_kind": "tai-trung-tam", "funding": "ngan-sach"})),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{r}");
    same("after the activity moved to last year and another topic").await;
    let last = store.learning_year_report(commune, Some(centre), year - 1, today).await.unwrap();
    assert_eq!((last.activities, last.enrolments, last.by_topic.len()), (1, 2, 1), "{last:?}");

    // A recount after the figures were damaged by hand finds it and puts them right.
    store.exec_raw(&format!("UPDATE learning_activities SET n_enrolments = n_enrolments + 7 WHERE id = {aid}")).await.unwrap();
    let r = store.recount(false).await.unwrap();
    assert!(r.drift.iter().any(|d| d.metric.starts_with("learning_figures")), "{:?}", r.drift);
    store.recount(true).await.unwrap();
    same("after the recount rebuilt them").await;

    let (s, _) = officer.send(reqwest::Method::DELETE, &format!("/api/v1/learning/activities/{aid}?confirm=true"), None).await;
    assert_eq!(s, StatusCode::NO_CONTENT);
    same("after the activity deleted").await;
}
