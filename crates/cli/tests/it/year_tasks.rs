//! Tasks from a plan as the year stands (issue 15 §5), on both engines: past years are
//! summarised, never "quá hạn 1.822 ngày"; a task handed to a commune that merged goes to its
//! successor by the lineage, one handed to a district (abolished on 01/07/2025) or led by a
//! district body is flagged; another province's movement never reaches this province's inbox.

use crate::engines::per_engine;
use crate::harness::TestApp;
use crate::workflow::as_user;
use hoctap_commands::commands::demo::seed_boards;
use hoctap_store::{Actor, Assignment, Engine, TaskFilter};

async fn page(app: &TestApp, path: &str) -> String {
    app.client.get(app.url(path)).send().await.unwrap().text().await.unwrap()
}

/// Whether a page says a task is late by a year or more ("Quá hạn 400 ngày").
fn years_late(html: &str) -> bool {
    html.split("Quá hạn ")
        .skip(1)
        .any(|rest| rest.split(' ').next().and_then(|n| n.replace('.', "").parse::<i64>().ok()).is_some_and(|n| n > 365))
}

per_engine!(past_years_are_summarised_and_tasks_of_ended_units_are_reassigned_or_flagged);
async fn past_years_are_summarised_and_tasks_of_ended_units_are_reassigned_or_flagged(engine: Engine) {
    let mut app = TestApp::start(engine).await;
    let today = hoctap_store::today();
    let province = app.store.user_by_username("tinh.canbo").await.unwrap().unwrap().unit_id;
    let commune = app.demo_commune().await;
    seed_boards(&app.store, province, commune).await.unwrap();
    let actor = Actor::system("thử");
    let tasks = app.store.tasks(&TaskFilter { unit_id: Some(province), ..TaskFilter::default() }).await.unwrap();
    let past = tasks.iter().find(|t| t.task_no == 2 && t.year == 2023).unwrap();
    app.store.task_assign(&actor, past, &Assignment { agency: "UBND xã".into(), unit_id: Some(commune), user_id: None }).await.unwrap();

    // A predecessor of the demo commune (merged into it alone) and a district of 2024.
    let mut merged = None;
    for p in app.store.predecessors(commune).await.unwrap() {
        if app.store.successors_on(p.id, today).await.unwrap().iter().map(|u| u.id).collect::<Vec<_>>() == vec![commune] {
            merged = Some(p);
            break;
        }
    }
    let merged = merged.expect("the demo commune has a predecessor merged into it alone");
    let district = app
        .store
        .ancestors(merged.id, jiff::civil::date(2024, 6, 1))
        .await
        .unwrap()
        .into_iter()
        .find(|u| u.kind == hoctap_domain::unit::UnitKind::District)
        .expect("a district above it in 2024");
    let year = today.year();
    let this_year: Vec<_> = tasks.iter().filter(|t| t.year == year && t.task_no != 2 && t.task_no != 4).collect();
    let (to_merged, to_district) = (this_year[0], this_year[1]);
    let a = Assignment { agency: format!("UBND {}", merged.name), unit_id: Some(merged.id), user_id: None };
    app.store.task_assign(&actor, to_merged, &a).await.unwrap();
    let a = Assignment { agency: format!("UBND {}", district.name), unit_id: Some(district.id), user_id: None };
    app.store.task_assign(&actor, to_district, &a).await.unwrap();

    // The commune's inbox: this year's tasks (its own and its predecessor's, re-assigned by
    // the lineage); 2023 summarised, not listed as a wall of overdue days.
    app.login("xa.canbo").await;
    let inbox = page(&app, "/viec-cua-toi").await;
    assert!(inbox.contains(&format!("/nhiem-vu/{}\"", to_merged.id)), "{engine:?}: the predecessor's task");
    assert!(inbox.contains(&format!("{} đã sáp nhập: nhiệm vụ chuyển cho", merged.name)), "{engine:?}");
    assert!(!inbox.contains(&format!("/nhiem-vu/{}\"", past.id)), "{engine:?}: a past year is not listed");
    let summary = inbox.split("id=\"nhiem-vu-nam-truoc\"").nth(1).unwrap_or_default();
    assert!(summary.contains("Năm 2023: 1 nhiệm vụ") && summary.contains("/nhiem-vu?nam=2023"), "{engine:?}: {summary}");
    assert!(!years_late(&inbox), "{engine:?}");

    // The province's list: no year-long overdue counts; the district's task and the tasks led
    // by the districts' people's committees are flagged for re-assignment.
    let province_officer = as_user(&app, "tinh.canbo").await;
    let list = page(&province_officer, &format!("/nhiem-vu?don-vi={province}")).await;
    assert!(!years_late(&list), "{engine:?}");
    assert!(list.contains("Năm 2023 đã qua, chưa hoàn thành"), "{engine:?}");
    assert!(list.contains(&format!("{} không còn từ 01/07/2025: cần giao lại nhiệm vụ", district.name)), "{engine:?}");
    assert!(list.contains("là cấp huyện, không còn từ 01/07/2025"), "{engine:?}: UBND các huyện after the reform");
    let one = page(&province_officer, &format!("/nhiem-vu/{}", to_district.id)).await;
    assert!(one.contains("cần giao lại nhiệm vụ"), "{engine:?}");
}

per_engine!(another_provinces_movement_never_reaches_this_provinces_inbox_or_home);
async fn another_provinces_movement_never_reaches_this_provinces_inbox_or_home(engine: Engine) {
    let mut app = TestApp::start(engine).await;
    let today = hoctap_store::today();
    let own = app.store.user_by_username("tinh.canbo").await.unwrap().unwrap().unit_id;
    let other = app.store.provinces(today).await.unwrap().into_iter().find(|p| p.id != own).unwrap();
    let movement = hoctap_domain::emulation::shipped_movements().unwrap().remove(0);
    let actor = Actor::system("thử");
    let theirs = app.store.movement_launch(&actor, &movement, other.id).await.unwrap();
    let ours = app.store.movement_launch(&actor, &movement, own).await.unwrap();
    app.login("tinh.canbo").await;
    for path in ["/viec-cua-toi", "/"] {
        let html = page(&app, path).await;
        assert!(!html.contains(&format!("/thi-dua/{theirs}/")), "{engine:?}: {path} shows another province's movement");
        if path == "/viec-cua-toi" {
            assert!(html.contains(&format!("/thi-dua/{ours}/bao-cao")), "{engine:?}: its own movement's report is due");
        }
    }
}
