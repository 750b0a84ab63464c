//! The home page of each role (issue 15 §5), on both engines: the commune officer's work
//! (deadlines, dossiers by step, steps without an account, villages not laid, the annual
//! report), the province officer's communes and late reports with a reminder and a return,
//! reviewers' and signers' queues, the citizen's own page, the national level's provinces.

use crate::engines::per_engine;
use crate::harness::TestApp;
use crate::workflow::{as_user, post};
use hoctap_store::{Actor, Engine};
use reqwest::StatusCode;

async fn page(app: &TestApp, path: &str) -> String {
    app.client.get(app.url(path)).send().await.unwrap().text().await.unwrap()
}

/// The HTML of one home section (empty when the page has none).
fn section(html: &str, id: &str) -> String {
    html.split(&format!("id=\"{id}\"")).nth(1).map(|s| s.split("</section>").next().unwrap_or_default().to_string()).unwrap_or_default()
}

per_engine!(each_role_finds_its_work_on_the_home_page_and_the_province_reminds_and_returns_reports);
async fn each_role_finds_its_work_on_the_home_page_and_the_province_reminds_and_returns_reports(engine: Engine) {
    let mut officer = TestApp::start(engine).await;
    officer.login("xa.canbo").await;
    let commune = officer.demo_commune().await;
    let today = hoctap_store::today();
    let year = today.year();
    let villages = officer.store.villages(commune, today).await.unwrap();
    let csv = format!("code,head_name,village\nTC-001,Lục Văn An,{v}\nTC-002,Lục Văn Bình,{v}\n", v = villages[0].code);
    let (s, r) = officer.post_bytes("/api/v1/registries/ho-gia-dinh/import?dry_run=false", csv.into_bytes()).await;
    assert_eq!(s, StatusCode::OK, "{r}");
    let (s, campaign, body) = post(&officer, "/dot-danh-gia", &[("year", &year.to_string()), ("set_id", "gdht")]).await;
    assert_eq!(s, StatusCode::SEE_OTHER, "{body}");
    let (s, _, _) = post(&officer, &format!("{campaign}/lap-hang-loat"), &[]).await;
    assert_eq!(s, StatusCode::SEE_OTHER);

    // The commune officer: the year's deadlines, dossiers by step, the step without an
    // account, the villages without dossiers, the annual report not started.
    let html = page(&officer, "/").await;
    let deadlines = section(&html, "deadlines");
    assert!(
        deadlines.contains("hạn nộp hồ sơ") && deadlines.contains(&format!("báo cáo kết quả xây dựng XHHT năm {year}")),
        "{engine:?}: {deadlines}"
    );
    let by_step = section(&html, "dossiers_by_step");
    assert!(by_step.contains("Bản nháp 2") && by_step.contains(&campaign), "{engine:?}: {by_step}");
    let gaps = section(&html, "step_gaps");
    assert!(gaps.contains("Trưởng thôn") && gaps.contains("chưa có tài khoản") && gaps.contains(&villages[0].name), "{engine:?}: {gaps}");
    let not_laid = section(&html, "villages_not_laid");
    assert!(
        not_laid.contains(&villages[1].name) && !not_laid.contains(&format!("{},", villages[0].name)),
        "{engine:?}: only the villages without dossiers: {not_laid}"
    );
    assert!(section(&html, "annual_report").contains("Chưa bắt đầu"), "{engine:?}");
    assert!(section(&html, "communes").is_empty() && section(&html, "queue").is_empty(), "not a commune officer's sections");

    // The province officer: the communes' progress; last year's reports are late, with a reminder.
    let province = as_user(&officer, "tinh.canbo").await;
    let html = page(&province, "/").await;
    let communes = section(&html, "communes");
    let name = officer.store.unit(commune).await.unwrap().name;
    assert!(communes.contains(&name) && communes.contains("0/2 đã công nhận"), "{engine:?}: {communes}");
    let late = section(&html, "late_reports");
    assert!(late.contains(&format!("{name}: báo cáo năm {}", year - 1)) && late.contains("Nhắc gửi báo cáo"), "{engine:?}: {late}");
    let (last, unit) = ((year - 1).to_string(), commune.to_string());
    let (s, _, body) = post(&province, "/trang-chu/nhac-bao-cao", &[("don_vi", &unit), ("nam", &last), ("ly_do", "Hạn đã qua")]).await;
    assert_eq!(s, StatusCode::SEE_OTHER, "{engine:?}: {body}");
    assert!(section(&page(&province, "/").await, "late_reports").contains("đã nhắc ngày"), "{engine:?}");
    let log = officer
        .store
        .audit(&hoctap_store::AuditFilter { action: Some("report.remind".into()), limit: 10, ..Default::default() }, today)
        .await
        .unwrap();
    assert_eq!(log.len(), 1, "{engine:?}: audited");

    // Who may not: a reviewer (403), another commune's officer (404), a bad year (422).
    let reviewer = as_user(&officer, "xa.thamdinh").await;
    let (s, _, _) = post(&reviewer, "/trang-chu/nhac-bao-cao", &[("don_vi", &unit), ("nam", &last)]).await;
    assert_eq!(s, StatusCode::FORBIDDEN);
    let other = officer.other_commune_officer().await;
    let (s, _, _) = post(&other, "/trang-chu/nhac-bao-cao", &[("don_vi", &unit), ("nam", &last)]).await;
    assert_eq!(s, StatusCode::NOT_FOUND, "{engine:?}");
    let (s, _, _) = post(&province, "/trang-chu/nhac-bao-cao", &[("don_vi", &unit), ("nam", "1990")]).await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);

    // A report sent this year can be returned with a reason: a draft again, and the commune sees why.
    let sections = std::collections::BTreeMap::from([("ket_qua".to_string(), "Đã triển khai".to_string())]);
    officer.store.save_annual_report(&Actor::system("thử"), commune, year, &sections, true).await.unwrap();
    let this = year.to_string();
    let (s, _, _) = post(&province, "/trang-chu/tra-bao-cao", &[("don_vi", &unit), ("nam", &this)]).await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "a reason is required");
    let (s, _, body) =
        post(&province, "/trang-chu/tra-bao-cao", &[("don_vi", &unit), ("nam", &this), ("ly_do", "Thiếu số liệu thôn")]).await;
    assert_eq!(s, StatusCode::SEE_OTHER, "{engine:?}: {body}");
    assert!(!officer.store.annual_report(commune, year).await.unwrap().unwrap().submitted, "{engine:?}: a draft again");
    let mine = section(&page(&officer, "/").await, "annual_report");
    assert!(
        mine.contains("Cấp trên trả lại báo cáo") && mine.contains("Thiếu số liệu thôn") && mine.contains("Đang soạn"),
        "{engine:?}: {mine}"
    );
    let (s, _, _) = post(&province, "/trang-chu/tra-bao-cao", &[("don_vi", &unit), ("nam", &this), ("ly_do", "Lần nữa")]).await;
    assert_eq!(s, StatusCode::CONFLICT, "nothing sent to return");

    // Reviewers and signers: their queue; the citizen: their own page; the ministry: provinces.
    let queue = section(&page(&reviewer, "/").await, "queue");
    assert!(queue.contains("Hồ sơ chờ thẩm định") && queue.contains("/viec-cua-toi"), "{engine:?}: {queue}");
    let signer = as_user(&officer, "xa.lanhdao").await;
    assert!(section(&page(&signer, "/").await, "queue").contains("Chờ tôi ký"), "{engine:?}");
    let citizen = as_user(&officer, "020190001234").await;
    assert!(section(&page(&citizen, "/").await, "citizen").contains("/tu-danh-gia"), "{engine:?}");
    let ministry = as_user(&officer, "bo.thamdinh").await;
    let provinces = section(&page(&ministry, "/").await, "provinces");
    assert!(provinces.contains("Lạng Sơn") && provinces.contains("0/2 đã công nhận"), "{engine:?}: {provinces}");
}
