//! The notifications of issue 17 §4 not covered by `citizen.rs`, on both engines, each through
//! `app::notify` and written in its event's transaction: a bulk return (each dossier's people
//! told, as a single return does), a decision issued, a task assigned, an annual report due
//! (7/3/1 days ahead) or late (once) from the `remind` job, the province's reminder and return
//! of a commune's report. In-app rows and mails in the SMTP sink; no personal data in subjects;
//! the job run twice writes nothing twice.

use crate::engines::per_engine;
use crate::harness::TestApp;
use crate::smtp_sink::Sink;
use crate::workflow::{as_user, post};
use hoctap_store::{Actor, Engine};
use reqwest::StatusCode;
use serde_json::json;

async fn user_id(app: &TestApp, name: &str) -> i64 {
    app.store.user_by_username(name).await.unwrap().unwrap().id
}

/// Mail at once, every kind, to `email`.
async fn wants_mail(app: &TestApp, email: &str) {
    let mut form: Vec<(&str, &str)> = vec![("email", email), ("mode", "immediate")];
    let names: Vec<String> = hoctap_app::notify::KINDS.iter().map(|(k, _)| format!("kind_{k}")).collect();
    form.extend(names.iter().map(|k| (k.as_str(), "1")));
    let (s, _, body) = post(app, "/thong-bao/cai-dat", &form).await;
    assert_eq!(s, StatusCode::SEE_OTHER, "{body}");
}

/// Delivers the queue to a fresh SMTP sink and returns what arrived, with the subjects of the
/// mails sent (as queued: the raw mail encodes them).
async fn deliver(app: &TestApp) -> Vec<(crate::smtp_sink::Received, String)> {
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let sink = Sink::start(port).await;
    let before: std::collections::BTreeSet<i64> =
        app.store.mail_outbox().await.unwrap().iter().filter(|m| !m.sent_at.is_empty()).map(|m| m.id).collect();
    let mailer = hoctap_app::mail::Mailer::new(&format!("smtp://127.0.0.1:{port}"), "Hoctap <khong-tra-loi@hoctap.test>").unwrap();
    let r = hoctap_app::mail::send_due(&app.store, &mailer, jiff::Timestamp::now()).await.unwrap();
    assert_eq!(r.failed, 0);
    let subjects: Vec<String> = app
        .store
        .mail_outbox()
        .await
        .unwrap()
        .into_iter()
        .filter(|m| !m.sent_at.is_empty() && !before.contains(&m.id))
        .map(|m| m.subject)
        .collect();
    let got = sink.received();
    assert_eq!(got.len(), subjects.len());
    got.into_iter().zip(subjects).collect()
}

per_engine!(a_bulk_return_and_a_decision_tell_each_dossiers_people_in_their_transaction);
async fn a_bulk_return_and_a_decision_tell_each_dossiers_people_in_their_transaction(engine: Engine) {
    let mut officer = TestApp::start(engine).await;
    officer.login("xa.canbo").await;
    let officer_id = user_id(&officer, "xa.canbo").await;
    wants_mail(&officer, "can.bo@xa.vi-du.vn").await;

    // Three households of one village, laid, scored and submitted in bulk.
    let village = officer.store.villages(officer.demo_commune().await, hoctap_store::today()).await.unwrap()[0].clone();
    let mut csv = String::from("code,head_name,village\n");
    for (i, given) in ["An", "Bình", "Cường"].iter().enumerate() {
        csv.push_str(&format!("TB-{i:03},Lục Văn {given},{}\n", village.code));
    }
    let (s, r) = officer.post_bytes("/api/v1/registries/ho-gia-dinh/import?dry_run=false", csv.into_bytes()).await;
    assert_eq!(s, StatusCode::OK, "{r}");
    let (_, c) = officer.post("/api/v1/campaigns", json!({"year": "2026", "set_id": "gdht"})).await;
    let cid = c["id"].as_i64().unwrap();
    let (s, r) = officer.post(&format!("/api/v1/campaigns/{cid}/assessments/bulk"), json!({"villages": [village.code]})).await;
    assert_eq!(s, StatusCode::OK, "{r}");
    let (_, list) = officer.get(&format!("/api/v1/campaigns/{cid}/dossiers?state=draft")).await;
    let ids: Vec<i64> = list["items"].as_array().unwrap().iter().map(|i| i["id"].as_i64().unwrap()).collect();
    assert!(ids.len() >= 3, "{list}");
    let mut sheet = String::from("ma_ho_so,G1.CT1,G3.CT1,G4.CT1,nguoi_lon,nguoi_lon_cdht\n");
    for id in &ids {
        sheet.push_str(&format!("{id},Đạt,Đạt,Đạt,3,2\n"));
    }
    let (s, r) = officer.post_bytes(&format!("/api/v1/campaigns/{cid}/tally?dry_run=false"), sheet.into_bytes()).await;
    assert_eq!(s, StatusCode::OK, "{r}");
    let n = ids.len();
    let (s, r) = officer.post(&format!("/api/v1/campaigns/{cid}/transitions"), json!({"action": "submit", "expected_count": n})).await;
    assert_eq!((s, &r["written"]), (StatusCode::OK, &json!(true)), "{r}");
    let reviewer = as_user(&officer, "xa.thamdinh").await;
    let (_, r) = reviewer.post(&format!("/api/v1/campaigns/{cid}/transitions"), json!({"action": "take", "expected_count": n})).await;
    assert_eq!(r["written"], true, "{engine:?}: {r}");
    let before = officer.store.notifications(officer_id, 100).await.unwrap().len();

    // The bulk return: one notification per dossier, with the comment, and a mail each.
    let (s, r) = reviewer
        .post(
            &format!("/api/v1/campaigns/{cid}/transitions"),
            json!({"action": "return", "indicator": "G1.CT1", "comment": "Thiếu biên bản họp gia đình", "expected_count": n}),
        )
        .await;
    assert_eq!((s, &r["written"]), (StatusCode::OK, &json!(true)), "{engine:?}: {r}");
    let notes = officer.store.notifications(officer_id, 100).await.unwrap();
    assert_eq!(notes.len(), before + n, "{engine:?}: {notes:?}");
    for id in &ids {
        let note = notes.iter().find(|x| x.link == format!("/ho-so/{id}")).expect("a notification per dossier");
        assert!(note.kind == "returned" && note.body.contains("Thiếu biên bản họp gia đình"), "{engine:?}: {note:?}");
    }
    assert!(officer.store.notifications(user_id(&officer, "xa.thamdinh").await, 10).await.unwrap().is_empty(), "the reviewer is not told");
    let mails = deliver(&officer).await;
    assert_eq!(mails.len(), n, "{engine:?}: a mail per returned dossier");
    for (m, subject) in &mails {
        assert!(m.to == ["can.bo@xa.vi-du.vn"]);
        assert!(!subject.contains("Lục") && !subject.contains("TB-"), "{engine:?}: no name or household code in a subject: {subject}");
    }

    // Resubmitted and approved, then the decision: the officer (who submitted, and an officer
    // of the unit) is told once, with the decision's own number and page.
    let (_, r) = officer.post(&format!("/api/v1/campaigns/{cid}/transitions"), json!({"action": "submit", "expected_count": n})).await;
    assert_eq!(r["written"], true, "{engine:?}: {r}");
    // The village step (the commune acting for it), then the commune's.
    for action in ["take", "approve", "take", "approve"] {
        reviewer.post(&format!("/api/v1/campaigns/{cid}/transitions"), json!({"action": action, "expected_count": n})).await;
    }
    for id in &ids {
        assert_eq!(officer.store.assessment(*id).await.unwrap().dossier.state.code(), "approved", "{engine:?}");
    }
    let mut fields = vec![
        ("number", "21/QĐ-UBND".to_string()),
        ("decided_on", "2026-03-31".into()),
        ("authority", "ỦY BAN NHÂN DÂN\nXÃ".into()),
        ("place", "Lạng Sơn".into()),
        ("legal_basis", "Căn cứ Luật Tổ chức chính quyền địa phương ngày 16 tháng 6 năm 2025;".into()),
        ("signer_title", "CHỦ TỊCH".into()),
        ("signer_name", "Vi Văn Lãnh".into()),
        ("basis_kind", "Hướng dẫn".into()),
        ("basis_number", "123/HD-KHVN".into()),
        ("basis_signed", "15/03/2023".into()),
        ("basis_issuer", "Trung ương Hội Khuyến học Việt Nam".into()),
    ];
    let keys: Vec<String> = ids.iter().map(|id| format!("chon:{id}")).collect();
    fields.extend(keys.iter().map(|k| (k.as_str(), "1".to_string())));
    let borrowed: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let signer = as_user(&officer, "xa.lanhdao").await;
    let (s, loc, body) = post(&signer, &format!("/dot-danh-gia/{cid}/quyet-dinh"), &borrowed).await;
    assert_eq!(s, StatusCode::SEE_OTHER, "{engine:?}: {body}");
    let notes = officer.store.notifications(officer_id, 100).await.unwrap();
    let decided: Vec<_> = notes.iter().filter(|x| x.kind == "decision").collect();
    assert_eq!(decided.len(), 1, "{engine:?}: once, however many dossiers: {decided:?}");
    assert_eq!(decided[0].link, loc, "{engine:?}: the decision's own page");
    let did = loc.trim_start_matches("/quyet-dinh/");
    assert!(decided[0].subject.ends_with(&format!("số {did}")), "{engine:?}: {:?}", decided[0]);
    let mails = deliver(&officer).await;
    assert_eq!(mails.len(), 1, "{engine:?}: the decision's mail");
    assert!(!mails[0].1.contains("Lục") && mails[0].1.contains(did), "{engine:?}: {}", mails[0].1);
}

per_engine!(annual_reports_due_late_reminded_and_returned_tell_the_units_officers_once);
async fn annual_reports_due_late_reminded_and_returned_tell_the_units_officers_once(engine: Engine) {
    let mut officer = TestApp::start(engine).await;
    officer.login("xa.canbo").await;
    let officer_id = user_id(&officer, "xa.canbo").await;
    wants_mail(&officer, "can.bo@xa.vi-du.vn").await;
    let commune = officer.demo_commune().await;
    let today = hoctap_store::today();
    let unit = officer.store.unit(commune).await.unwrap();
    let above = officer.store.ancestors(commune, today).await.unwrap();
    let chain: Vec<&str> = std::iter::once(unit.code.as_str()).chain(above.iter().rev().map(|a| a.code.as_str())).collect();
    let year = today.year();
    let due = hoctap_domain::plan::report_due_in(&chain, year);
    let reports = |notes: &[hoctap_store::NotificationRow]| -> Vec<hoctap_store::NotificationRow> {
        notes.iter().filter(|n| n.kind == "report" && n.link.starts_with(&format!("/bao-cao/{commune}"))).cloned().collect()
    };

    // Seven days ahead: told once, however often the job runs; the same for three days.
    let week_before = due.checked_sub(jiff::Span::new().days(7)).unwrap();
    hoctap_app::notify::remind(&officer.store, week_before).await.unwrap();
    assert_eq!(hoctap_app::notify::remind(&officer.store, week_before).await.unwrap(), 0, "{engine:?}: nothing twice");
    let mine = reports(&officer.store.notifications(officer_id, 100).await.unwrap());
    let ahead: Vec<_> = mine.iter().filter(|n| n.subject == format!("Báo cáo năm {year} còn 7 ngày đến hạn")).collect();
    assert_eq!(ahead.len(), 1, "{engine:?}: {mine:?}");
    assert!(ahead[0].link == format!("/bao-cao/{commune}?nam={year}") && ahead[0].body.contains(&hoctap_domain::date::format_vn(due)));
    // Last year's report was never sent: late, told once.
    let late_last: Vec<_> = mine.iter().filter(|n| n.subject == format!("Báo cáo năm {} đã quá hạn", year - 1)).collect();
    assert_eq!(late_last.len(), 1, "{engine:?}: {mine:?}");
    let three = due.checked_sub(jiff::Span::new().days(3)).unwrap();
    assert!(hoctap_app::notify::remind(&officer.store, three).await.unwrap() >= 1);
    let day_after = due.checked_add(jiff::Span::new().days(1)).unwrap();
    assert!(hoctap_app::notify::remind(&officer.store, day_after).await.unwrap() >= 1);
    assert_eq!(hoctap_app::notify::remind(&officer.store, day_after).await.unwrap(), 0, "{engine:?}: late once");
    let mine = reports(&officer.store.notifications(officer_id, 100).await.unwrap());
    assert_eq!(mine.iter().filter(|n| n.subject == format!("Báo cáo năm {year} đã quá hạn")).count(), 1, "{engine:?}: {mine:?}");
    assert_eq!(mine.iter().filter(|n| n.subject.contains("còn 3 ngày")).count(), 1, "{engine:?}");
    let mails = deliver(&officer).await;
    assert_eq!(mails.len(), mine.len(), "{engine:?}: a mail per notification, none twice");
    assert!(mails.iter().all(|(_, s)| !s.contains(&unit.name)), "{engine:?}: subjects name no unit or person");

    // A report sent this year is not reminded of.
    let sections = std::collections::BTreeMap::from([("ket_qua".to_string(), "Đã triển khai".to_string())]);
    officer.store.save_annual_report(&Actor::system("thử"), commune, year, &sections, true).await.unwrap();
    let one_before = due.checked_sub(jiff::Span::new().days(1)).unwrap();
    hoctap_app::notify::remind(&officer.store, one_before).await.unwrap();
    let mine = reports(&officer.store.notifications(officer_id, 100).await.unwrap());
    assert!(!mine.iter().any(|n| n.subject.contains("còn 1 ngày")), "{engine:?}: a sent report is not reminded of");

    // The province's reminder of last year's report and return of this year's: the commune's
    // officer is told, in the same transaction as the reminder or return, with the reason.
    let province = as_user(&officer, "tinh.canbo").await;
    let (unit_s, last, this) = (commune.to_string(), (year - 1).to_string(), year.to_string());
    let (s, _, body) = post(&province, "/trang-chu/nhac-bao-cao", &[("don_vi", &unit_s), ("nam", &last), ("ly_do", "Hạn đã qua")]).await;
    assert_eq!(s, StatusCode::SEE_OTHER, "{engine:?}: {body}");
    let (s, _, body) =
        post(&province, "/trang-chu/tra-bao-cao", &[("don_vi", &unit_s), ("nam", &this), ("ly_do", "Thiếu số liệu thôn")]).await;
    assert_eq!(s, StatusCode::SEE_OTHER, "{engine:?}: {body}");
    let mine = reports(&officer.store.notifications(officer_id, 100).await.unwrap());
    let reminded = mine.iter().find(|n| n.subject == format!("Nhắc gửi báo cáo năm {last}")).expect("the reminder");
    assert!(reminded.body.contains("Hạn đã qua"), "{engine:?}: {reminded:?}");
    let returned = mine.iter().find(|n| n.subject == format!("Báo cáo năm {this} bị trả lại để bổ sung")).expect("the return");
    assert!(returned.body.contains("Thiếu số liệu thôn"), "{engine:?}: {returned:?}");
    // A refused return (nothing to return) tells nobody.
    let (s, _, _) = post(&province, "/trang-chu/tra-bao-cao", &[("don_vi", &unit_s), ("nam", &this), ("ly_do", "Lần nữa")]).await;
    assert_eq!(s, StatusCode::CONFLICT, "{engine:?}");
    let again = reports(&officer.store.notifications(officer_id, 100).await.unwrap());
    assert_eq!(again.len(), mine.len(), "{engine:?}: nothing written with a refused return");
    let mails = deliver(&officer).await;
    assert_eq!(mails.len(), 2, "{engine:?}");
}
