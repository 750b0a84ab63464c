//! Uploads cannot exhaust memory or write half a file: hostile workbooks of every class are
//! refused by name on every upload path with the database unchanged, a valid workbook of
//! 1,048,576 rows is checked in bounded memory (peak RSS measured in a process of its own),
//! and a large import is kept on the server and applied by reference.

use crate::engines::per_engine;
use crate::harness::TestApp;
use hoctap_commands::commands::bench_uploads::{Hostile, valid_citizens_xlsx};
use hoctap_domain::registry::def::CITIZENS;
use hoctap_store::Engine;
use reqwest::StatusCode;
use std::path::PathBuf;

/// Peak resident memory of this process (VmHWM), in MB.
fn peak_mb() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines().find(|l| l.starts_with("VmHWM:")).and_then(|l| l.split_whitespace().nth(1)).and_then(|n| n.parse::<u64>().ok())
        })
        .unwrap_or(0)
        / 1024
}

/// Runs `test` again alone in a child process with `env` set and returns the peak RSS it
/// printed: the measure is the child's own, whatever else this process has held.
fn peak_in_child(test: &str, env: &[(&str, String)]) -> u64 {
    let out = std::process::Command::new(std::env::current_exe().unwrap())
        .args([test, "--exact", "--nocapture", "--test-threads=1"])
        .envs(env.iter().map(|(k, v)| (*k, v.as_str())))
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "child {test} failed: {stdout}\n{}", String::from_utf8_lossy(&out.stderr));
    stdout
        .lines()
        .find_map(|l| l.split("PEAK_MB=").nth(1))
        .and_then(|n| n.trim().parse().ok())
        .unwrap_or_else(|| panic!("no peak in {stdout}"))
}

fn scratch(name: &str) -> PathBuf {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../target/test-uploads");
    std::fs::create_dir_all(&dir).unwrap();
    dir.join(format!("{}-{name}", std::process::id()))
}

/// Posts a file to an upload page with the session's CSRF token.
async fn post_file(app: &TestApp, path: &str, bytes: Vec<u8>) -> (StatusCode, String) {
    let form = reqwest::multipart::Form::new()
        .text("csrf", app.csrf.clone())
        .part("file", reqwest::multipart::Part::bytes(bytes).file_name("tep.xlsx"));
    let res = app.client.post(app.url(path)).multipart(form).send().await.unwrap();
    (res.status(), res.text().await.unwrap())
}

async fn citizens(app: &TestApp) -> i64 {
    app.store.registry_count(&CITIZENS, None, hoctap_store::today()).await.unwrap()
}

async fn village_of(app: &TestApp) -> String {
    app.store.villages(app.demo_commune().await, hoctap_store::today()).await.unwrap()[0].code.clone()
}

const HOSTILE: &str = "uploads::hostile_uploads_are_refused_on_every_path_in_bounded_memory";

per_engine!(hostile_uploads_are_refused_on_every_path_in_bounded_memory);
async fn hostile_uploads_are_refused_on_every_path_in_bounded_memory(engine: Engine) {
    if let Ok(dir) = std::env::var("HOCTAP_MEMTEST_HOSTILE") {
        let mut app = TestApp::start(engine).await;
        app.login("xa.canbo").await;
        let audit = app.store.audit_count().await.unwrap();
        for h in Hostile::ALL {
            let bytes = std::fs::read(PathBuf::from(&dir).join(format!("{h:?}.xlsx"))).unwrap();
            let (s, page) = post_file(&app, "/so/cong-dan/nhap", bytes.clone()).await;
            assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{engine:?} {h:?} page");
            assert!(page.contains(h.refusal()), "{engine:?} {h:?}: the page names the reason: {page}");
            let (s, v) = app.post_bytes("/api/v1/registries/cong-dan/import?dry_run=false", bytes.clone()).await;
            assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{engine:?} {h:?} API {v}");
            assert!(v.to_string().contains(h.refusal()), "{engine:?} {h:?} API: {v}");
            let (s, v) = app.post_bytes("/api/v1/villages/import?dry_run=false", bytes).await;
            assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{engine:?} {h:?} villages {v}");
        }
        assert_eq!(citizens(&app).await, 0, "{engine:?}: nothing written");
        assert_eq!(app.store.pending_upload_count().await.unwrap(), 0, "{engine:?}: a refused file is not kept");
        assert_eq!(app.store.audit_count().await.unwrap(), audit, "{engine:?}: nothing audited, nothing changed");
        println!("PEAK_MB={}", peak_mb());
        return;
    }
    let dir = scratch(&format!("hostile-{engine:?}"));
    std::fs::create_dir_all(&dir).unwrap();
    for h in Hostile::ALL {
        let bytes = h.file(0);
        if h != Hostile::LyingZip && h != Hostile::ManySharedStrings {
            assert!(bytes.len() < 256 * 1024, "{h:?} is small: {} bytes", bytes.len());
        }
        std::fs::write(dir.join(format!("{h:?}.xlsx")), bytes).unwrap();
    }
    let case = format!("{HOSTILE}::{}", format!("{engine:?}").to_lowercase());
    let peak = peak_in_child(&case, &[("HOCTAP_MEMTEST_HOSTILE", dir.display().to_string())]);
    let _ = std::fs::remove_dir_all(&dir);
    println!("peak RSS of the child that posted every hostile file on {engine:?}: {peak} MB");
    // The dense reader aborted on the first file (a grid of 17 billion cells), and the
    // lying shared strings alone held more than this.
    assert!(peak < 400, "peak RSS {peak} MB while checking every hostile file on every path");
}

const VALID: &str = "uploads::a_valid_workbook_of_1048576_rows_is_checked_in_bounded_memory";

#[tokio::test]
async fn a_valid_workbook_of_1048576_rows_is_checked_in_bounded_memory() {
    const ROWS: usize = 1_048_575;
    if let Ok(path) = std::env::var("HOCTAP_MEMTEST_VALID") {
        let bytes = std::fs::read(&path).unwrap();
        // One engine is enough for memory: the file is read the same way for both.
        let mut app = TestApp::start(Engine::Sqlite).await;
        app.login("xa.canbo").await;
        let (s, page) = post_file(&app, "/so/cong-dan/nhap", bytes).await;
        assert_eq!(s, StatusCode::OK, "{page}");
        assert!(page.contains("thêm mới 1048575"), "every row counted: {}", &page[..page.len().min(4000)]);
        assert!(page.len() < 200_000, "the preview is bounded, not every row: {} bytes", page.len());
        assert_eq!(citizens(&app).await, 0, "a check writes nothing");
        println!("PEAK_MB={}", peak_mb());
        return;
    }
    let village = {
        let app = TestApp::start(Engine::Sqlite).await;
        village_of(&app).await
    };
    let path = scratch("valid.xlsx");
    let bytes = valid_citizens_xlsx(ROWS, &village).unwrap();
    assert!(bytes.len() <= hoctap_docs::table::MAX_UPLOAD_BYTES, "fits an upload: {} bytes", bytes.len());
    std::fs::write(&path, bytes).unwrap();
    let peak = peak_in_child(VALID, &[("HOCTAP_MEMTEST_VALID", path.display().to_string())]);
    let _ = std::fs::remove_file(&path);
    println!("peak RSS of the child that checked 1,048,576 rows: {peak} MB");
    // The dense reader held about 1.5 GB for this file.
    assert!(peak < 500, "peak RSS {peak} MB while checking 1,048,576 rows");
}

per_engine!(a_large_import_is_kept_on_the_server_and_applied_by_reference_in_one_transaction);
async fn a_large_import_is_kept_on_the_server_and_applied_by_reference_in_one_transaction(engine: Engine) {
    let mut app = TestApp::start(engine).await;
    app.login("xa.canbo").await;
    let village = village_of(&app).await;
    // 2,500 valid citizens, the first with its CCCD kept as a number (its zero lost).
    let mut book = rust_xlsxwriter::Workbook::new();
    let ws = book.add_worksheet();
    for (c, h) in (0u16..).zip(hoctap_commands::commands::bench_common::BENCH_HEADER) {
        ws.write_string(0, c, h).unwrap();
    }
    for i in 0..2500usize {
        let r = u32::try_from(i + 1).unwrap();
        for (c, v) in (0u16..).zip(hoctap_commands::commands::bench_common::citizen_row(i, &village)) {
            ws.write_string(r, c, v).unwrap();
        }
    }
    ws.write_number(1, 0, 20_040_000_000f64).unwrap();
    let (s, page) = post_file(&app, "/so/cong-dan/nhap", book.save_to_buffer().unwrap()).await;
    assert_eq!(s, StatusCode::OK, "{engine:?} {page}");
    assert!(page.contains("thêm mới 2500"), "{engine:?}: {page}");
    assert!(page.contains("đã khôi phục thành 020040000000"), "{engine:?}: the preview says the zero was restored: {page}");
    assert!(!page.contains("rows_json"), "{engine:?}: no rows travel through the page");
    assert!(page.matches("<tr").count() <= 102, "{engine:?}: a bounded preview");
    let sha = page.split("name=\"tep\" value=\"").nth(1).unwrap().split('"').next().unwrap().to_string();
    assert_eq!(sha.len(), 64, "{engine:?}: applied by the file's SHA-256");
    // The full report lists every row.
    let res = app.client.get(app.url(&format!("/so/cong-dan/nhap/{sha}/bao-cao.xlsx"))).send().await.unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    let report = res.bytes().await.unwrap().to_vec();
    let specs = vec![
        hoctap_docs::table::ColumnSpec { name: "line", headers: vec!["Dòng".into()], required: true },
        hoctap_docs::table::ColumnSpec { name: "status", headers: vec!["Kết quả".into()], required: true },
        hoctap_docs::table::ColumnSpec { name: "detail", headers: vec!["Chi tiết".into()], required: true },
    ];
    let rows = hoctap_docs::table::read_table_with(&report, &specs).unwrap();
    assert_eq!(rows.len(), 2500, "{engine:?}: one report row per file row");
    assert!(rows.iter().all(|r| r.get("status") == "Thêm mới"));
    assert!(rows.iter().any(|r| r.get("detail").contains("khôi phục")));
    // Another officer cannot apply (or read) someone else's checked file.
    let stranger = app.other_commune_officer().await;
    let (s, _) = stranger.post_form("/so/cong-dan/nhap/ap-dung", &[("tep", &sha)]).await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{engine:?}");
    let res = stranger.client.get(stranger.url(&format!("/so/cong-dan/nhap/{sha}/bao-cao.xlsx"))).send().await.unwrap();
    assert_eq!(res.status(), StatusCode::NOT_FOUND, "{engine:?}");
    assert_eq!(citizens(&app).await, 0, "{engine:?}");
    // The owner applies it: every row in one transaction, then the file is forgotten.
    let (s, page) = app.post_form("/so/cong-dan/nhap/ap-dung", &[("tep", &sha)]).await;
    assert_eq!(s, StatusCode::OK, "{engine:?} {page}");
    assert!(page.contains("Đã ghi vào sổ: thêm mới 2500"), "{engine:?}: {page}");
    assert_eq!(citizens(&app).await, 2500, "{engine:?}");
    assert_eq!(app.store.pending_upload_count().await.unwrap(), 0, "{engine:?}");
    let (s, page) = app.post_form("/so/cong-dan/nhap/ap-dung", &[("tep", &sha)]).await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{engine:?}");
    assert!(page.contains("không còn"), "{engine:?}: {page}");
}

per_engine!(formulas_impossible_dates_and_text_cccds_are_judged_by_name);
async fn formulas_impossible_dates_and_text_cccds_are_judged_by_name(engine: Engine) {
    let mut app = TestApp::start(engine).await;
    app.login("xa.canbo").await;
    let village = village_of(&app).await;
    let mut book = rust_xlsxwriter::Workbook::new();
    let ws = book.add_worksheet();
    for (c, h) in (0u16..).zip(hoctap_commands::commands::bench_common::BENCH_HEADER) {
        ws.write_string(0, c, h).unwrap();
    }
    for i in 0..4usize {
        let r = u32::try_from(i + 1).unwrap();
        for (c, v) in (0u16..).zip(hoctap_commands::commands::bench_common::citizen_row(i, &village)) {
            ws.write_string(r, c, v).unwrap();
        }
    }
    // Row 2: the name is a formula with a saved value; row 3: a birth date tomorrow;
    // row 4: born in 1899; row 5: an 11-digit CCCD typed as text.
    ws.write_formula(1, 1, rust_xlsxwriter::Formula::new("=UPPER(\"an\")").set_result("AN")).unwrap();
    let tomorrow = hoctap_store::today().tomorrow().unwrap();
    ws.write_string(2, 2, hoctap_domain::date::format_vn(tomorrow)).unwrap();
    ws.write_string(3, 2, "01/01/1899").unwrap();
    ws.write_string(4, 0, "20090000003").unwrap();
    let (s, page) = post_file(&app, "/so/cong-dan/nhap", book.save_to_buffer().unwrap()).await;
    assert_eq!(s, StatusCode::OK, "{engine:?} {page}");
    assert!(page.contains("lỗi 4"), "{engine:?}: {page}");
    assert!(page.contains("ô chứa công thức =UPPER(") && page.contains("giá trị Excel đã tính: "), "{engine:?}: {page}");
    assert!(page.contains("ở trong tương lai"), "{engine:?}: {page}");
    assert!(page.contains("trước năm 1900"), "{engine:?}: {page}");
    assert!(page.contains("ô là văn bản"), "{engine:?}: {page}");
    assert!(!page.contains("name=\"tep\""), "{engine:?}: nothing to apply");
}
