//! Steering boards and the plans' tasks on both engines: boards and members kept by the unit's
//! officer only, inside scope; a plan's tasks laid out per year, handed to a unit or a user,
//! reported on by the assignee only, reports append-only even to SQL; overdue listing; the
//! assignee's inbox shows the task and nobody else's does; the XLSX export.

use crate::engines::per_engine;
use crate::harness::TestApp;
use hoctap_commands::commands::demo::seed_boards;
use hoctap_docs::table::{Column, read_table};
use hoctap_store::{Engine, TaskFilter};
use reqwest::{Method, StatusCode};
use serde_json::json;

/// An app with the demo board and KH 110's tasks; returns (province, commune).
async fn app_with_boards(engine: hoctap_store::Engine) -> (TestApp, i64, i64) {
    let app = TestApp::start(engine).await;
    let province = app.store.user_by_username("tinh.canbo").await.unwrap().unwrap().unit_id;
    let commune = app.demo_commune().await;
    seed_boards(&app.store, province, commune).await.unwrap();
    (app, province, commune)
}

async fn html(app: &TestApp, path: &str) -> (StatusCode, String) {
    let res = app.client.get(app.url(path)).send().await.unwrap();
    (res.status(), res.text().await.unwrap())
}

per_engine!(boards_and_members_are_kept_by_the_units_officer_inside_scope);
async fn boards_and_members_are_kept_by_the_units_officer_inside_scope(engine: Engine) {
    let (mut app, province, commune) = app_with_boards(engine).await;
    let board = app.store.boards_of(province).await.unwrap().remove(0);
    app.login("tinh.canbo").await;
    let (s, page) = html(&app, "/ban-chi-dao").await;
    assert_eq!(s, StatusCode::OK);
    assert!(page.contains("Ban Chỉ đạo xây dựng xã hội học tập tỉnh Lạng Sơn"), "{engine:?}");
    let (s, page) = html(&app, &format!("/ban-chi-dao/{}", board.id)).await;
    assert_eq!(s, StatusCode::OK);
    assert!(page.contains("Trưởng ban") && page.contains("Ủy viên thường trực") && page.contains("Sở Giáo dục và Đào tạo"));
    // One Trưởng ban at a time; the message names the field.
    let (s, page) =
        app.post_form(&format!("/ban-chi-dao/{}/thanh-vien", board.id), &[("full_name", "Lý Văn Hai"), ("role", "truong_ban")]).await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{engine:?}");
    assert!(page.contains("Vai trò trong ban") && page.contains("href=\"#role\""));
    let (s, _) = app
        .post_form(
            &format!("/ban-chi-dao/{}/thanh-vien", board.id),
            &[("full_name", "Lý Văn Hai"), ("role", "Ủy viên"), ("position", "Phó Giám đốc Sở Tài chính")],
        )
        .await;
    assert_eq!(s, StatusCode::SEE_OTHER);
    assert_eq!(app.store.board_members(board.id, hoctap_store::today()).await.unwrap().len(), 6);
    // A second board of the province, for the emulation movement.
    let (s, _) = app
        .post_form(
            "/ban-chi-dao",
            &[("unit_id", &province.to_string()), ("kind", "phong_trao_thi_dua"), ("decision", "QĐ 99/QĐ-UBND"), ("from", "01/03/2024")],
        )
        .await;
    assert_eq!(s, StatusCode::SEE_OTHER);
    let (s, page) = app.post_form("/ban-chi-dao", &[("unit_id", &province.to_string()), ("kind", "ban_bat_ky")]).await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(page.contains("Loại ban chỉ đạo"));
    assert_eq!(app.store.boards_of(province).await.unwrap().len(), 2);
    let audit = app
        .store
        .audit(&hoctap_store::AuditFilter { action: Some("board.".into()), limit: 50, ..Default::default() }, hoctap_store::today())
        .await
        .unwrap();
    assert!(audit.iter().any(|a| a.action == "board.member.add" && a.username == "tinh.canbo"));
    // The API gives the same boards and members.
    let (s, v) = app.get("/api/v1/boards").await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert_eq!(v.as_array().map(Vec::len), Some(2), "{engine:?}: {v}");
    let (s, v) = app.get(&format!("/api/v1/boards/{}", board.id)).await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(v["members"].as_array().map(Vec::len), Some(6), "{engine:?}");
    // The commune's officer neither sees nor changes the province's board, but keeps the commune's.
    app.login("xa.canbo").await;
    assert_eq!(app.get(&format!("/api/v1/boards/{}", board.id)).await.0, StatusCode::NOT_FOUND);
    assert_eq!(app.get(&format!("/api/v1/boards?unit={province}")).await.0, StatusCode::NOT_FOUND);
    assert_eq!(html(&app, &format!("/ban-chi-dao/{}", board.id)).await.0, StatusCode::NOT_FOUND);
    let (s, _) = app.post_form(&format!("/ban-chi-dao/{}/thanh-vien", board.id), &[("full_name", "Lý Văn Ba"), ("role", "uy_vien")]).await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    let (s, _) = app.post_form("/ban-chi-dao", &[("unit_id", &province.to_string()), ("kind", "xay_dung_xhht")]).await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    let (s, _) = app.post_form("/ban-chi-dao", &[("unit_id", &commune.to_string()), ("kind", "xay_dung_xhht")]).await;
    assert_eq!(s, StatusCode::SEE_OTHER);
    // A reviewer of the commune reads the board but does not keep it.
    app.login("xa.thamdinh").await;
    let commune_board = app.store.boards_of(commune).await.unwrap().remove(0);
    assert_eq!(html(&app, &format!("/ban-chi-dao/{}", commune_board.id)).await.0, StatusCode::OK);
    let (s, _) =
        app.post_form(&format!("/ban-chi-dao/{}/thanh-vien", commune_board.id), &[("full_name", "Lý Văn Ba"), ("role", "uy_vien")]).await;
    assert_eq!(s, StatusCode::FORBIDDEN);
    // Without the CSRF token nothing is written.
    let res = app
        .client
        .post(app.url("/ban-chi-dao"))
        .form(&[("unit_id", commune.to_string()), ("kind", "xay_dung_xhht".into())])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::FORBIDDEN);
}

per_engine!(tasks_are_laid_out_per_year_handed_out_and_reported_by_the_assignee_only);
async fn tasks_are_laid_out_per_year_handed_out_and_reported_by_the_assignee_only(engine: Engine) {
    let (mut app, province, commune) = app_with_boards(engine).await;
    let plan = app.store.all_plans().await.unwrap().into_iter().find(|p| p.key == "lang-son-110-2022").unwrap();
    let tasks = app.store.tasks(&TaskFilter { plan_id: Some(plan.id), ..TaskFilter::default() }).await.unwrap();
    let years = i64::from(plan.period.1 - plan.period.0 + 1);
    let expected: i64 = plan
        .plan
        .tasks
        .iter()
        .map(|t| {
            if matches!(t.deadline, Some(hoctap_domain::plan::Deadline::Yearly | hoctap_domain::plan::Deadline::YearlyBy(_))) {
                years
            } else {
                1
            }
        })
        .sum();
    assert_eq!(tasks.len() as i64, expected, "{engine:?}");
    let report_2024 = tasks.iter().find(|t| t.task_no == 4 && t.year == 2024).unwrap();
    assert_eq!(report_2024.due, jiff::civil::date(2024, 12, 10), "hằng năm, trước 10/12");
    // Laying out again adds nothing.
    assert_eq!(app.store.tasks_materialise(&hoctap_store::Actor::system("kiểm thử"), &plan).await.unwrap(), 0);
    let year = hoctap_store::today().year().min(plan.period.1);
    let training = tasks.iter().find(|t| t.task_no == 2 && t.year == year).unwrap();
    let report_task = tasks.iter().find(|t| t.task_no == 4 && t.year == year).unwrap();

    // The commune's officer reports on the task handed to the commune, not on the province's.
    app.login("xa.canbo").await;
    let (s, v) = app.get("/api/v1/tasks?mine=true").await;
    assert_eq!(s, StatusCode::OK);
    let mine: Vec<i64> = v["tasks"].as_array().unwrap().iter().map(|t| t["id"].as_i64().unwrap()).collect();
    assert_eq!(mine, vec![training.id], "{engine:?}");
    let (s, v) = app
        .post(&format!("/api/v1/tasks/{}/reports", training.id), json!({"status": "hoan_thanh", "progress": 50, "text": "Đã tập huấn"}))
        .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(v["error"]["field"], "progress");
    let (s, v) = app
        .post(
            &format!("/api/v1/tasks/{}/reports", training.id),
            json!({"status": "dang_thuc_hien", "progress": "60%", "text": "Đã tập huấn 3 thôn"}),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{v}");
    assert_eq!(v["task"]["progress"], 60);
    let (s, _) = app
        .post(&format!("/api/v1/tasks/{}/reports", report_task.id), json!({"status": "dang_thuc_hien", "progress": 10, "text": "x"}))
        .await;
    assert_eq!(s, StatusCode::NOT_FOUND, "a province task is out of the commune's scope");
    let (s, _) = app.get(&format!("/api/v1/tasks?unit={province}")).await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    // Only the plan unit's officer hands tasks out.
    let (s, _) = app.post_form(&format!("/nhiem-vu/{}/giao", training.id), &[("agency", "UBND xã")]).await;
    assert_eq!(s, StatusCode::FORBIDDEN);

    // The province's officer hands a task to a unit outside the plan's area: refused, field named.
    app.login("tinh.canbo").await;
    let (s, page) = app.post_form(&format!("/nhiem-vu/{}/giao", training.id), &[("agency", "UBND xã"), ("unit_code", "00004")]).await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(page.contains("href=\"#unit_code\""));
    let (s, _) =
        app.post_form(&format!("/nhiem-vu/{}/giao", training.id), &[("agency", "Hội Khuyến học xã"), ("username", "hkh.xa")]).await;
    assert_eq!(s, StatusCode::SEE_OTHER);
    let (s, v) = app.get(&format!("/api/v1/tasks/{}", training.id)).await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(v["task"]["assignee"]["username"], "hkh.xa");
    assert_eq!(v["reports"].as_array().unwrap().len(), 1);
    // Now a named user of the province's plan has it, not the commune: its officer no longer
    // sees it; the association officer reports.
    app.login("xa.canbo").await;
    let (s, _) = app.post(&format!("/api/v1/tasks/{}/reports", training.id), json!({"status": "hoan_thanh", "text": "Xong"})).await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    app.login("hkh.xa").await;
    let (s, _) = app
        .post(&format!("/api/v1/tasks/{}/reports", training.id), json!({"status": "hoan_thanh", "text": "Đã tập huấn đủ 12 thôn"}))
        .await;
    assert_eq!(s, StatusCode::CREATED);
    let (_, v) = app.get("/api/v1/tasks?mine=true").await;
    assert!(v["tasks"].as_array().unwrap().is_empty(), "a completed task leaves the inbox");

    // Reports are appended, never edited or deleted, even in SQL.
    for sql in ["UPDATE task_reports SET progress = 99", "DELETE FROM task_reports"] {
        assert!(app.store.exec_raw(sql).await.is_err(), "{sql} on {engine:?}");
    }
    assert_eq!(app.store.task_reports(training.id).await.unwrap().len(), 2);
    let audit = app
        .store
        .audit(&hoctap_store::AuditFilter { action: Some("task.".into()), limit: 50, ..Default::default() }, hoctap_store::today())
        .await
        .unwrap();
    assert!(audit.iter().any(|a| a.action == "task.report" && a.username == "xa.canbo"));
    assert!(audit.iter().any(|a| a.action == "task.assign" && a.username == "tinh.canbo"));
    let _ = commune;
}

per_engine!(overdue_tasks_are_listed_until_reported_done_and_exported);
async fn overdue_tasks_are_listed_until_reported_done_and_exported(engine: Engine) {
    let (mut app, province, _) = app_with_boards(engine).await;
    app.login("tinh.canbo").await;
    let (s, v) = app.get(&format!("/api/v1/tasks?unit={province}&overdue=true")).await;
    assert_eq!(s, StatusCode::OK);
    let overdue = v["tasks"].as_array().unwrap().clone();
    assert!(!overdue.is_empty(), "past years' tasks are overdue on {engine:?}");
    assert!(overdue.iter().all(|t| t["overdue"] == true && t["status"] == "qua_han" && t["days_left"].as_i64().unwrap() < 0));
    let first = overdue[0]["id"].as_i64().unwrap();
    // Hand it out and report it done: it leaves the overdue list.
    let (s, _) = app.post_form(&format!("/nhiem-vu/{first}/giao"), &[("agency", "Sở Giáo dục và Đào tạo")]).await;
    assert_eq!(s, StatusCode::SEE_OTHER);
    let (s, _) = app
        .send(
            Method::POST,
            &format!("/api/v1/tasks/{first}/reports"),
            Some(json!({"status": "Hoàn thành", "text": "Đã hoàn thành, trễ hạn"})),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED);
    let (_, v) = app.get(&format!("/api/v1/tasks?unit={province}&overdue=true")).await;
    assert_eq!(v["tasks"].as_array().unwrap().len(), overdue.len() - 1);
    let (_, v) = app.get(&format!("/api/v1/tasks?unit={province}&status=hoan_thanh")).await;
    assert_eq!(v["tasks"].as_array().unwrap().iter().map(|t| t["id"].as_i64().unwrap()).collect::<Vec<_>>(), vec![first]);
    // The page with its filter, and the same list in Excel.
    let (s, page) = html(&app, &format!("/nhiem-vu?don-vi={province}&qua-han=1")).await;
    assert_eq!(s, StatusCode::OK);
    assert!(page.contains("Quá hạn") && !page.contains(&format!("/nhiem-vu/{first}\"")));
    let res = app.client.get(app.url(&format!("/nhiem-vu.xlsx?don-vi={province}&qua-han=1"))).send().await.unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    assert!(res.headers()["content-type"].to_str().unwrap().contains("spreadsheetml"));
    let bytes = res.bytes().await.unwrap();
    let cols = [
        Column { name: "task", headers: &["Nhiệm vụ"], required: true },
        Column { name: "status", headers: &["Trạng thái"], required: true },
    ];
    let rows = read_table(&bytes, &cols).unwrap();
    assert_eq!(rows.len(), overdue.len() - 1, "{engine:?}");
    assert!(rows.iter().all(|r| r.get("status") == "Quá hạn"));
    // The commune's officer cannot export the province's list.
    app.login("xa.canbo").await;
    assert_eq!(app.client.get(app.url(&format!("/nhiem-vu.xlsx?don-vi={province}"))).send().await.unwrap().status(), StatusCode::NOT_FOUND);
}

per_engine!(the_inbox_shows_a_task_to_its_assignee_and_to_nobody_else);
async fn the_inbox_shows_a_task_to_its_assignee_and_to_nobody_else(engine: Engine) {
    let (mut app, _, _) = app_with_boards(engine).await;
    let training = "Tập huấn triển khai kế hoạch";
    let report = "Tổng hợp kết quả thực hiện Chương trình";
    app.login("xa.canbo").await;
    let (_, page) = html(&app, "/viec-cua-toi").await;
    assert!(page.contains("Nhiệm vụ được giao (1)") && page.contains(training) && !page.contains(report), "{engine:?}");
    app.login("tinh.canbo").await;
    let (_, page) = html(&app, "/viec-cua-toi").await;
    assert!(page.contains(report) && !page.contains(training), "{engine:?}");
    for other in ["xa.thamdinh", "hkh.xa", "tinh.thamdinh"] {
        app.login(other).await;
        let (_, page) = html(&app, "/viec-cua-toi").await;
        assert!(!page.contains("Nhiệm vụ được giao"), "{other} on {engine:?}");
    }
}
