//! The `hoctap` binary as an operator uses it.

use crate::engines::per_engine;
use hoctap_store::Engine;
use std::process::Command;

fn hoctap(args: &[&str]) -> (bool, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_hoctap")).args(args).output().unwrap();
    (out.status.success(), format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr)))
}

fn answers(points: &[(&str, f64)]) -> std::path::PathBuf {
    let map: serde_json::Map<String, serde_json::Value> = points.iter().map(|(k, v)| (k.to_string(), serde_json::json!(v))).collect();
    let path = std::env::temp_dir().join(format!("answers-{}.json", hoctap_app::secret::random_token(6)));
    std::fs::write(&path, serde_json::json!({"answers": map}).to_string()).unwrap();
    path
}

const IDS: [&str; 10] = ["NL1.1", "NL1.2", "NL1.3", "NL1.4", "NL2.1", "NL2.2", "NL2.3", "NL2.4", "NL3.1", "NL3.2"];

#[test]
fn criteria_evaluate_decides_at_the_pass_mark_and_honours_the_area() {
    let at = |total_first: f64| -> Vec<(&str, f64)> {
        IDS.iter().enumerate().map(|(i, id)| (*id, if i == 0 { total_first } else { 8.0 })).collect()
    };
    let run = |file: &std::path::Path, extra: &[&str]| -> serde_json::Value {
        let mut args = vec![
            "criteria",
            "evaluate",
            "--set",
            "cdht-congdan",
            "--answers",
            file.to_str().unwrap(),
            "--format",
            "json",
            "--on",
            "2025-12-31",
        ];
        args.extend_from_slice(extra);
        let (ok, out) = hoctap(&args);
        assert!(ok, "{out}");
        serde_json::from_str(&out).unwrap()
    };
    let seventy_nine = answers(&at(7.0));
    let eighty = answers(&at(8.0));
    assert_eq!(run(&seventy_nine, &[])["passed"], false);
    assert_eq!(run(&eighty, &[])["passed"], true);
    assert_eq!(run(&seventy_nine, &["--area", "mien_nui"])["passed"], true);
    let (ok, out) = hoctap(&["criteria", "evaluate", "--set", "khong-co", "--answers", eighty.to_str().unwrap()]);
    assert!(!ok && out.contains("không có bộ tiêu chí"));
}

#[test]
fn criteria_check_reports_file_path_and_reason() {
    let path = std::env::temp_dir().join(format!("bad-{}.toml", hoctap_app::secret::random_token(6)));
    std::fs::write(&path, "id = \"x\"\nversion = 1\n").unwrap();
    let (ok, out) = hoctap(&["criteria", "check", path.to_str().unwrap()]);
    assert!(!ok);
    assert!(out.contains(path.to_str().unwrap()), "{out}");
    let (ok, out) = hoctap(&["criteria", "list"]);
    assert!(ok && out.contains("cdht-xa") && out.contains("dvht-tt24"));
}

per_engine!(an_import_killed_half_way_leaves_the_database_as_before);
/// A million-row import is one transaction: killing the process half-way leaves nothing.
async fn an_import_killed_half_way_leaves_the_database_as_before(engine: Engine) {
    let url = crate::harness::fresh_url(engine).await;
    let store = hoctap_store::Store::connect(&url).await.unwrap();
    let commune = store.user_by_username("xa.canbo").await.unwrap().unwrap().unit_id;
    let village = store.villages(commune, hoctap_store::today()).await.unwrap()[0].code.clone();
    let before_audit = store.audit_count().await.unwrap();
    let file = std::env::temp_dir().join(format!("kill-{}.csv", hoctap_app::secret::random_token(4)));
    let mut body = hoctap_commands::commands::bench_common::BENCH_HEADER.join(",");
    body.push('\n');
    for i in 0..400_000 {
        body.push_str(&hoctap_commands::commands::bench_common::citizen_row(i, &village).join(","));
        body.push('\n');
    }
    std::fs::write(&file, body).unwrap();
    let mut child = Command::new(env!("CARGO_BIN_EXE_hoctap"))
        .args(["import", "cong-dan"])
        .arg(&file)
        .args(["--database-url", &url])
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    // Wait until it is busy writing (its progress line says so), then kill -9.
    let mut waited = 0;
    loop {
        std::thread::sleep(std::time::Duration::from_millis(100));
        waited += 100;
        if waited >= 1_500 || child.try_wait().unwrap().is_some() {
            break;
        }
    }
    let finished_first = child.try_wait().unwrap().is_some();
    let _ = child.kill();
    let _ = child.wait();
    assert!(!finished_first, "{engine:?}: the import must still be running when killed; make the file bigger");
    let store = hoctap_store::Store::connect(&url).await.unwrap();
    assert_eq!(
        store.registry_count(&hoctap_domain::registry::def::CITIZENS, None, hoctap_store::today()).await.unwrap(),
        0,
        "{engine:?}: nothing half-written"
    );
    assert_eq!(store.audit_count().await.unwrap(), before_audit);
    // And the database still works: the same import, not killed, goes through.
    let small = std::env::temp_dir().join(format!("ok-{}.csv", hoctap_app::secret::random_token(4)));
    std::fs::write(
        &small,
        format!(
            "{}\n{}\n",
            hoctap_commands::commands::bench_common::BENCH_HEADER.join(","),
            hoctap_commands::commands::bench_common::citizen_row(1, &village).join(",")
        ),
    )
    .unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_hoctap"))
        .args(["import", "cong-dan"])
        .arg(&small)
        .args(["--database-url", &url])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stdout));
    assert_eq!(store.registry_count(&hoctap_domain::registry::def::CITIZENS, None, hoctap_store::today()).await.unwrap(), 1);
    let _ = std::fs::remove_file(file);
    let _ = std::fs::remove_file(small);
}

per_engine!(a_large_first_import_keeps_every_key_index_and_counter);
/// A first import into an empty registry past 50,000 rows is bulk-loaded (on PostgreSQL its
/// indexes and constraints are dropped and re-created inside the transaction) and decided
/// ahead of the writes from the unit cache: a repeated key deep in the file still rejects the
/// whole file, a unit first met half-way is still looked up, the counters stay exact, and
/// afterwards every index, the unique key and the foreign key are in force again.
async fn a_large_first_import_keeps_every_key_index_and_counter(engine: Engine) {
    use hoctap_domain::registry::def;
    use hoctap_store::ImportRow;
    use std::borrow::Cow;
    let store = crate::harness::fresh_store(engine).await;
    let today = hoctap_store::today();
    let commune = store.user_by_username("xa.canbo").await.unwrap().unwrap().unit_id;
    let villages = store.villages(commune, today).await.unwrap();
    let (first, second) = (villages[0].code.clone(), villages[1].code.clone());
    let actor = hoctap_store::Actor { user_id: None, username: "kiểm thử".into(), unit_id: None };
    let rows = |n: usize| -> Vec<ImportRow> {
        (0..n)
            .map(|i| {
                // The second village first appears at row 30,000: a unit the cache lacks.
                let village = if i >= 30_000 && i % 2 == 0 { &second } else { &first };
                let cells = hoctap_commands::commands::bench_common::citizen_row(i, village);
                ImportRow {
                    line: i + 2,
                    cells: hoctap_commands::commands::bench_common::BENCH_HEADER
                        .iter()
                        .zip(cells)
                        .map(|(h, v)| (Cow::Owned(header_column(h)), v))
                        .collect(),
                    kinds: Vec::new(),
                }
            })
            .collect()
    };
    let mut file = rows(60_000);
    // Row 55,002 repeats row 12's CCCD under another name.
    file[55_000].cells = file[10].cells.clone();
    file[55_000].cells.insert(Cow::Borrowed("full_name"), "Nguyễn Văn Trùng".into());
    let r = store.registry_import(&actor, &def::CITIZENS, &file, None, today, false).await.unwrap();
    assert!(!r.applied && r.rejected == 1, "{engine:?}: {:?}", (r.applied, r.rejected));
    assert!(format!("{:?}", r.rows).contains("trùng với dòng 12"), "{engine:?}");
    assert_eq!(store.registry_count(&def::CITIZENS, None, today).await.unwrap(), 0, "{engine:?}: nothing written");

    let r = store.registry_import(&actor, &def::CITIZENS, &rows(60_000), None, today, false).await.unwrap();
    assert!(r.applied && r.to_create == 60_000 && r.rejected == 0, "{engine:?}: {:?}", (r.applied, r.to_create, r.rejected));
    assert_eq!(store.registry_count(&def::CITIZENS, None, today).await.unwrap(), 60_000, "{engine:?}");
    let second_id = store.unit_by_code(&second, today).await.unwrap().id;
    let in_second = store.registry_count(&def::CITIZENS, Some(second_id), today).await.unwrap();
    assert_eq!(in_second, 15_000, "{engine:?}: the rows of the village met half-way are placed there");
    let report = store.recount(false).await.unwrap();
    assert!(report.drift.is_empty(), "{engine:?}: {:?}", report.drift.iter().take(5).collect::<Vec<_>>());

    // The same file again, within the commune's scope, with every seventh row moved to
    // group N2: those rows are updates, the rest unchanged, across sixty chunks.
    let mut again = rows(60_000);
    for row in again.iter_mut().step_by(7) {
        row.cells.insert(Cow::Borrowed("occupation_group"), "N2".into());
    }
    let r = store.registry_import(&actor, &def::CITIZENS, &again, Some(commune), today, false).await.unwrap();
    let changed = (0..60_000).filter(|i| i % 7 == 0).count();
    assert!(
        r.applied && r.rejected == 0,
        "{engine:?}: {:?}",
        r.rows.iter().find(|(_, o)| matches!(o, hoctap_store::RowOutcome::Reject { .. }))
    );
    assert_eq!((r.to_create, r.to_update, r.unchanged), (0, changed, 60_000 - changed), "{engine:?}");
    let lines: Vec<usize> = r.rows.iter().map(|(l, _)| *l).collect();
    assert!(lines.windows(2).all(|w| w[0] < w[1]), "{engine:?}: the report lists rows in file order");
    let report = store.recount(false).await.unwrap();
    assert!(report.drift.is_empty(), "{engine:?}: {:?}", report.drift.iter().take(5).collect::<Vec<_>>());

    // The same file without a scope: every chunk is decided while the next one's records are
    // read. A key repeated in a later chunk is refused by its line, after the rows before it.
    let moved = |mut file: Vec<ImportRow>| {
        for row in file.iter_mut().step_by(7) {
            row.cells.insert(Cow::Borrowed("occupation_group"), "N2".into());
        }
        file
    };
    let mut repeated = moved(rows(60_000));
    repeated[45_000].cells = repeated[20].cells.clone();
    let r = store.registry_import(&actor, &def::CITIZENS, &repeated, None, today, false).await.unwrap();
    assert!(!r.applied && r.rejected == 1 && r.unchanged == 59_999, "{engine:?}: {:?}", (r.applied, r.rejected, r.unchanged));
    assert!(format!("{:?}", r.rows).contains("trùng với dòng 22"), "{engine:?}: {:?}", r.rows);
    // Unchanged rows and new ones after them: only the new ones are written.
    let r = store.registry_import(&actor, &def::CITIZENS, &moved(rows(61_500)), None, today, false).await.unwrap();
    assert!(r.applied && r.rejected == 0, "{engine:?}: {:?}", r.rows.first());
    assert_eq!((r.to_create, r.to_update, r.unchanged), (1_500, 0, 60_000), "{engine:?}");
    let lines: Vec<usize> = r.rows.iter().map(|(l, _)| *l).collect();
    assert!(lines.windows(2).all(|w| w[0] < w[1]), "{engine:?}: the report lists rows in file order");
    assert_eq!(store.registry_count(&def::CITIZENS, None, today).await.unwrap(), 61_500, "{engine:?}");
    let report = store.recount(false).await.unwrap();
    assert!(report.drift.is_empty(), "{engine:?}: {:?}", report.drift.iter().take(5).collect::<Vec<_>>());

    // The unique key and the foreign key hold again, and both indexes are back.
    let copy = "INSERT INTO reg_citizens (unit_id, province_code, search_key, cccd, valid_from, valid_to) \
                SELECT unit_id, province_code, search_key, cccd, valid_from, valid_to FROM reg_citizens WHERE cccd = '020040000000'";
    assert!(store.exec_raw(copy).await.is_err(), "{engine:?}: a second row with the same CCCD must be refused");
    let orphan = "INSERT INTO reg_citizens (unit_id, province_code, search_key, cccd, valid_from, valid_to) \
                  VALUES (-7, '20', 'x', '020999999999', '2026-01-01', '9999-12-31')";
    assert!(store.exec_raw(orphan).await.is_err(), "{engine:?}: a row of no unit must be refused");
    for index in ["reg_citizens_unit", "reg_citizens_household"] {
        store.exec_raw(&format!("DROP INDEX {index}")).await.unwrap_or_else(|e| panic!("{engine:?}: index {index} missing: {e}"));
    }
}

/// The registry column a benchmark file's header names.
fn header_column(header: &str) -> String {
    hoctap_domain::registry::def::CITIZENS
        .fields
        .iter()
        .find(|f| f.header == header)
        .map(|f| f.column.to_string())
        .unwrap_or_else(|| panic!("no column for {header}"))
}

per_engine!(json_logs_have_one_line_per_request_and_no_personal_data);
/// `--log-format json` writes one JSON object per line to standard error; each request has one
/// closing line inside its span (method, route pattern, user and unit ids, status, duration), and
/// neither the query string nor a typed name or CCCD reaches the log.
async fn json_logs_have_one_line_per_request_and_no_personal_data(engine: Engine) {
    use std::io::{BufRead, Read};
    let url = crate::harness::fresh_url(engine).await;
    let mut child = Command::new(env!("CARGO_BIN_EXE_hoctap"))
        .args(["--log-format", "json", "serve", "--bind", "127.0.0.1:0", "--database-url", &url])
        .env("RUST_LOG", "info")
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdout = std::io::BufReader::new(child.stdout.take().unwrap());
    let addr = loop {
        let mut line = String::new();
        assert!(stdout.read_line(&mut line).unwrap() > 0, "{engine:?}: serve ended before printing its address");
        if let Some(a) = line.trim().strip_prefix("Hoctap đang chạy tại http://") {
            break a.to_string();
        }
    };
    let client = reqwest::Client::builder().cookie_store(true).build().unwrap();
    let login = client
        .post(format!("http://{addr}/api/v1/session"))
        .json(&serde_json::json!({"username": "xa.canbo", "password": crate::harness::PASSWORD}))
        .send()
        .await
        .unwrap();
    assert_eq!(login.status(), 200);
    let user_id = login.json::<serde_json::Value>().await.unwrap()["user"]["id"].as_i64();
    let search = client.get(format!("http://{addr}/api/v1/registries/cong-dan?q=Nguy%E1%BB%85n+V%C4%83n+Secret&cccd=020190001234"));
    assert_eq!(search.send().await.unwrap().status(), 200);
    let _ = child.kill();
    let _ = child.wait();
    let mut err = String::new();
    child.stderr.take().unwrap().read_to_string(&mut err).unwrap();
    let lines: Vec<serde_json::Value> =
        err.lines().map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{engine:?}: not JSON ({e}): {l}"))).collect();
    let requests: Vec<&serde_json::Value> = lines.iter().filter(|l| l["span"]["name"] == "request").collect();
    let search_line = requests
        .iter()
        .find(|l| l["span"]["route"] == "/api/v1/registries/{slug}")
        .unwrap_or_else(|| panic!("{engine:?}: no line for the registry list in {err}"));
    assert_eq!(search_line["span"]["method"], "GET");
    assert_eq!(search_line["fields"]["status"], 200);
    assert!(search_line["fields"]["ms"].as_f64().is_some());
    if let Some(id) = user_id {
        assert_eq!(search_line["span"]["user"], id, "{engine:?}: the line names the user by id");
    }
    assert!(search_line["span"]["unit"].as_i64().is_some(), "{engine:?}: and the unit");
    assert_eq!(requests.iter().filter(|l| l["span"]["route"] == "/api/v1/session").count(), 1, "{engine:?}: one line per request");
    for secret in ["Secret", "020190001234", "Nguy", "cccd=", "?q="] {
        assert!(!err.contains(secret), "{engine:?}: {secret} must not be logged: {err}");
    }
}
