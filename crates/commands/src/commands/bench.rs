//! `hoctap bench`: measurements recorded in docs/PERFORMANCE.md. Timing lives here, never
//! in tests.

use super::bench_common::{BENCH_HEADER, citizen_row, fresh_store};
use hoctap_store::Store;
use std::process::ExitCode;
use std::time::{Duration, Instant};

#[derive(clap::Subcommand, Debug)]
pub enum Cmd {
    /// Nạp toàn bộ đơn vị hành chính (hai thời kỳ) vào một cơ sở dữ liệu trống.
    AdminUnits {
        /// Cơ sở dữ liệu trống (SQLite: tệp sẽ bị xóa trước).
        #[arg(long, default_value = "sqlite:///tmp/hoctap-bench.db")]
        database_url: String,
    },
    /// Nhập N công dân từ CSV (và XLSX) vào SQLite/PostgreSQL, so với mức sàn của chính cơ sở dữ liệu
    /// (nạp thô cùng tệp vào cùng lược đồ) và `sqlite3 .import` vào bảng trần.
    Import {
        #[arg(long, default_value_t = 1_000_000)]
        rows: usize,
        /// Cơ sở dữ liệu đích (mặc định một tệp SQLite tạm mới); PostgreSQL phải là cơ sở dữ liệu trống.
        #[arg(long, default_value = "sqlite:///tmp/hoctap-bench-import.db")]
        database_url: String,
        /// Cũng đo tệp XLSX cùng nội dung.
        #[arg(long)]
        xlsx: bool,
        /// Nhập vào cơ sở dữ liệu đã có dữ liệu (ví dụ cả nước đã tạo bằng `gen`): chỉ đo một lần nhập
        /// N công dân mới (số CCCD từ 500.000 trở lên, ngoài dải `gen` dùng) vào thôn đầu của tỉnh 20;
        /// không có mức sàn (phải làm trống bảng).
        #[arg(long)]
        existing: bool,
    },
    /// Mọi xã (3.321) cùng nộp hồ sơ CĐHT một lúc qua máy chủ: lỗi, mất, p95; rồi sinh quyết định và giấy công nhận.
    Submit {
        /// Số xã (mặc định tất cả).
        #[arg(long)]
        communes: Option<usize>,
        #[arg(long, default_value = "sqlite:///tmp/hoctap-bench-submit.db")]
        database_url: String,
        /// Số giấy công nhận sinh thêm (PDF) để đo thời gian và bộ nhớ.
        #[arg(long, default_value_t = 5000)]
        certificates: usize,
    },
    /// Trang tổng hợp (cả nước, tỉnh, xã) dưới tải; ghi → hiển thị; bộ nhớ máy chủ; so với đếm trực tiếp.
    Dashboard(super::bench_dashboard::Args),
    /// Cơ sở dữ liệu cả nước đã tạo (`gen --scale national`): trang tổng hợp và tìm công dân theo tên trong xã, tỉnh dưới tải (p50, p95).
    National(super::bench_national::Args),
    /// Mọi trang đọc khi đã đăng nhập (dữ liệu mẫu) dưới tải wrk -t2 -c32, cạnh một máy chủ axum trần "hello".
    Pages(super::bench_pages::Args),
    /// Máy chủ axum trần trả lời "hello" (mốc so sánh của `bench pages`).
    #[command(hide = true)]
    Hello(super::bench_pages::HelloArgs),
    /// Ba tệp 20 MB (hợp lệ 1.048.576 dòng, rồi các tệp độc hại) cùng được kiểm tra qua trang nhập sổ: độ trễ /healthz và bộ nhớ đỉnh của máy chủ.
    Uploads(super::bench_uploads::Args),
    /// Trang công khai ở quy mô cả nước: mọi tỉnh, xã có trang với các bài đã đăng; p50/p95/p99 của cổng, trang chủ, bài, tìm kiếm, 304.
    Public(super::bench_public::Args),
    /// Lập và chấm 1.000 hồ sơ hộ từ bảng chấm; trang đợt 5.000 hồ sơ có lọc (p50, p95).
    Bulk(super::bench_bulk::Args),
    /// Điểm danh 60 người học (p50, p95); báo cáo năm của tỉnh trên 1.000 trung tâm và 2 triệu lượt điểm danh.
    Learning(super::bench_learning::Args),
    /// Đo độ trễ truy vấn cây đơn vị (API /api/v1/tree) trên máy chủ đang chạy.
    Tree {
        #[arg(long, default_value = "http://127.0.0.1:8080")]
        url: String,
        #[arg(long, default_value = "quantri")]
        username: String,
        #[arg(long, default_value = "hoctap-2025")]
        password: String,
        /// Mã tỉnh (cây của một tỉnh); bỏ trống để lấy cả nước.
        #[arg(long)]
        province: Option<String>,
        #[arg(long, default_value_t = 1000)]
        requests: usize,
    },
}

pub async fn run(c: Cmd, web: crate::Web) -> Result<ExitCode, Box<dyn std::error::Error>> {
    match c {
        Cmd::AdminUnits { database_url } => {
            let store = fresh_store(&database_url).await?;
            let r = store.load_admin_units().await?;
            if r.already_loaded {
                return Err("cơ sở dữ liệu đã có dữ liệu; hãy dùng một cơ sở dữ liệu trống".into());
            }
            println!(
                "{:?}: {} units, {} rows in {:.2} s = {:.0} rows/s",
                store.engine(),
                r.units,
                r.rows(),
                r.seconds,
                r.rows() as f64 / r.seconds.max(1e-9)
            );
            Ok(ExitCode::SUCCESS)
        }
        Cmd::Import { rows, database_url, xlsx: _, existing: true } => bench_import_existing(rows, &database_url).await,
        Cmd::Import { rows, database_url, xlsx, existing: false } => bench_import(rows, &database_url, xlsx).await,
        Cmd::Submit { communes, database_url, certificates } => bench_submit(communes, &database_url, certificates, web).await,
        Cmd::Dashboard(a) => super::bench_dashboard::run(a).await,
        Cmd::Uploads(a) => super::bench_uploads::run(a).await,
        Cmd::Pages(a) => super::bench_pages::run(a).await,
        Cmd::Hello(a) => super::bench_pages::hello(a).await,
        Cmd::Bulk(a) => super::bench_bulk::run(a).await,
        Cmd::Learning(a) => super::bench_learning::run(a).await,
        Cmd::Public(a) => super::bench_public::run(a, web).await,
        Cmd::National(a) => super::bench_national::run(a).await,
        Cmd::Tree { url, username, password, province, requests } => {
            let client = reqwest::Client::builder().cookie_store(true).build()?;
            let login = client
                .post(format!("{url}/api/v1/session"))
                .json(&serde_json::json!({"username": username, "password": password}))
                .send()
                .await?;
            if !login.status().is_success() {
                return Err(format!("đăng nhập thất bại: {}", login.text().await?).into());
            }
            let target = match &province {
                Some(code) => {
                    let v: serde_json::Value = client.get(format!("{url}/api/v1/units/by-code/{code}")).send().await?.json().await?;
                    let id = v["unit"]["id"].as_i64().ok_or("không tìm thấy tỉnh")?;
                    format!("{url}/api/v1/tree?root={id}")
                }
                None => format!("{url}/api/v1/tree"),
            };
            let mut times: Vec<Duration> = Vec::with_capacity(requests);
            let mut units = 0;
            for _ in 0..requests {
                let t = Instant::now();
                let res = client.get(&target).send().await?;
                let body: serde_json::Value = res.json().await?;
                times.push(t.elapsed());
                units = body["count"].as_u64().unwrap_or(0);
            }
            times.sort();
            let pct = |p: f64| times.get(((times.len() as f64 - 1.0) * p).round() as usize).copied().unwrap_or_default();
            println!(
                "tree {} ({} units): n={} p50={:.1} ms p95={:.1} ms max={:.1} ms",
                province.as_deref().unwrap_or("cả nước"),
                units,
                times.len(),
                pct(0.5).as_secs_f64() * 1e3,
                pct(0.95).as_secs_f64() * 1e3,
                times.last().copied().unwrap_or_default().as_secs_f64() * 1e3
            );
            Ok(ExitCode::SUCCESS)
        }
    }
}

/// Writes `rows` valid citizens of one village as CSV (and XLSX), for the import benchmark.
fn write_citizens(
    path: &std::path::Path,
    xlsx_path: Option<&std::path::Path>,
    rows: usize,
    village: &str,
) -> Result<(), Box<dyn std::error::Error>> {
    write_citizens_from(path, xlsx_path, rows, village, 0)
}

/// As [`write_citizens`], each CCCD's serial raised by `serial_offset` (rows that are new in a
/// database already holding `gen`'s serials).
fn write_citizens_from(
    path: &std::path::Path,
    xlsx_path: Option<&std::path::Path>,
    rows: usize,
    village: &str,
    serial_offset: usize,
) -> Result<(), Box<dyn std::error::Error>> {
    use std::io::Write;
    let citizen_row = |i: usize, village: &str| {
        let mut row = citizen_row(i, village);
        if serial_offset > 0 {
            row[0] = format!("{}{:06}", &row[0][..6], serial_offset + i / 80);
        }
        row
    };
    let mut w = std::io::BufWriter::new(std::fs::File::create(path)?);
    writeln!(w, "{}", BENCH_HEADER.join(","))?;
    for i in 0..rows {
        writeln!(w, "{}", citizen_row(i, village).join(","))?;
    }
    w.flush()?;
    if let Some(p) = xlsx_path {
        let mut book = rust_xlsxwriter::Workbook::new();
        let ws = book.add_worksheet_with_constant_memory()?;
        for (c, h) in BENCH_HEADER.iter().enumerate() {
            ws.write_string(0, u16::try_from(c)?, *h)?;
        }
        for i in 0..rows {
            for (c, v) in citizen_row(i, village).iter().enumerate() {
                ws.write_string(u32::try_from(i + 1)?, u16::try_from(c)?, v)?;
            }
        }
        book.save(p)?;
    }
    Ok(())
}

/// One import of `rows` new citizens into a database that already holds data (issue 19: the
/// whole country), against the same import into an empty one (`bench import`).
async fn bench_import_existing(rows: usize, database_url: &str) -> Result<ExitCode, Box<dyn std::error::Error>> {
    let store = Store::connect(database_url).await?;
    store.migrate().await?;
    let today = hoctap_store::today();
    let province = store.unit_by_code("20", today).await?;
    let commune = store.children(province.id, today).await?.first().map(|c| c.id).ok_or("tỉnh 20 không có xã")?;
    let village = store.villages(commune, today).await?.first().map(|v| v.code.clone()).ok_or("không có thôn")?;
    let before = store.registry_count(&hoctap_domain::registry::def::CITIZENS, None, today).await?;
    store.close().await;
    let csv = std::env::temp_dir().join("hoctap-bench-citizens-existing.csv");
    write_citizens_from(&csv, None, rows, &village, 500_000)?;
    let exe = std::env::current_exe()?;
    let (secs, peak_kb, ok) =
        timed(std::process::Command::new(&exe).args(["import", "cong-dan"]).arg(&csv).args(["--database-url", database_url]))?;
    let store = Store::connect(database_url).await?;
    let after = store.registry_count(&hoctap_domain::registry::def::CITIZENS, None, today).await?;
    store.close().await;
    let _ = std::fs::remove_file(&csv);
    println!(
        "hoctap import CSV, {rows} new rows into a database of {before} citizens: {} in {secs:.2} s = {:.0} rows/s, peak RSS {} MB; citizens now {after}",
        if ok { "ok" } else { "FAILED" },
        rows as f64 / secs,
        peak_kb / 1024
    );
    Ok(if ok && after == before + i64::try_from(rows)? { ExitCode::SUCCESS } else { ExitCode::FAILURE })
}

/// Runs a command, polling its peak resident memory (VmHWM) until it exits.
fn timed(cmd: &mut std::process::Command) -> std::io::Result<(f64, u64, bool)> {
    let started = Instant::now();
    let mut child = cmd.stdout(std::process::Stdio::null()).stderr(std::process::Stdio::piped()).spawn()?;
    let status_path = format!("/proc/{}/status", child.id());
    let mut peak_kb = 0u64;
    loop {
        if let Ok(s) = std::fs::read_to_string(&status_path)
            && let Some(line) = s.lines().find(|l| l.starts_with("VmHWM:"))
        {
            peak_kb = peak_kb.max(line.split_whitespace().nth(1).and_then(|n| n.parse().ok()).unwrap_or(0));
        }
        if let Some(status) = child.try_wait()? {
            return Ok((started.elapsed().as_secs_f64(), peak_kb, status.success()));
        }
        std::thread::sleep(Duration::from_millis(50));
    }
}

async fn bench_import(rows: usize, database_url: &str, xlsx: bool) -> Result<ExitCode, Box<dyn std::error::Error>> {
    let store = fresh_store(database_url).await?;
    if store.admin_units_loaded().await? {
        return Err("cơ sở dữ liệu đích phải trống".into());
    }
    let (_, commune) = crate::commands::demo::seed(&store).await?;
    let village = store.villages(commune, hoctap_store::today()).await?.first().map(|v| v.code.clone()).ok_or("không có thôn")?;
    store.close().await;
    let dir = std::env::temp_dir();
    let csv = dir.join("hoctap-bench-citizens.csv");
    let xlsx_path = dir.join("hoctap-bench-citizens.xlsx");
    let t = Instant::now();
    write_citizens(&csv, xlsx.then_some(xlsx_path.as_path()), rows, &village)?;
    println!("generated {rows} rows in {:.1} s ({} MB CSV)", t.elapsed().as_secs_f64(), std::fs::metadata(&csv)?.len() / 1_000_000);
    // Baseline: the sqlite3 shell importing the same CSV into a bare table.
    let bare = dir.join("hoctap-bench-bare.db");
    let _ = std::fs::remove_file(&bare);
    let (base_secs, _, ok) =
        timed(std::process::Command::new("sqlite3").arg(&bare).arg(".mode csv").arg(format!(".import {} citizens", csv.display())))?;
    let _ = std::fs::remove_file(&bare);
    if ok {
        println!("sqlite3 .import into a bare table: {base_secs:.2} s ({:.0} rows/s)", rows as f64 / base_secs);
    } else {
        println!("sqlite3 .import: not available");
    }
    let exe = std::env::current_exe()?;
    let postgres = database_url.starts_with("postgres");
    let engine = if postgres { "PostgreSQL" } else { "SQLite" };
    // Each file is imported into the same empty registry (SQLite: a copy of the database as
    // seeded; PostgreSQL: the registry and its counters truncated); then the CSV once more over
    // the rows already stored, which are all unchanged by then.
    let pristine =
        database_url.strip_prefix("sqlite://").map(|p| (std::path::PathBuf::from(p), std::path::PathBuf::from(format!("{p}.pristine"))));
    if let Some((db, copy)) = &pristine {
        let store = Store::connect(database_url).await?;
        store.checkpoint().await?;
        store.close().await;
        std::fs::copy(db, copy)?;
    }
    let empty = || async {
        match &pristine {
            Some((db, copy)) => {
                for s in ["-wal", "-shm"] {
                    let _ = std::fs::remove_file(format!("{}{s}", db.display()));
                }
                std::fs::copy(copy, db)?;
            }
            None => {
                let store = Store::connect(database_url).await?;
                // CASCADE: the learning tables that point at citizens are empty in the bench database.
                store.exec_raw("TRUNCATE reg_citizens, stat_deltas CASCADE").await?;
                // Dirty pages of the truncated rows are flushed before timing (superusers only).
                let _ = store.exec_raw("CHECKPOINT").await;
                store.close().await;
            }
        }
        Ok::<(), Box<dyn std::error::Error>>(())
    };
    // The floor: the engine's own raw load of the same CSV into the same schema, timed in this run.
    empty().await?;
    let floor = match &pristine {
        Some((db, _)) => sqlite_floor(db, &csv, &dir)?,
        None => postgres_floor(database_url, &csv, &dir)?,
    };
    match floor {
        Some(secs) => println!("floor ({engine}: staging table, one INSERT … SELECT into reg_citizens): {secs:.2} s"),
        None => println!("floor ({engine}): not available"),
    }
    let floor = floor.unwrap_or(f64::NAN);
    let mut runs = vec![(format!("CSV, {rows} new rows"), csv.clone(), true, if postgres { 1.25 } else { 1.0 })];
    if xlsx {
        runs.push((format!("XLSX, {rows} new rows"), xlsx_path.clone(), true, 1.5));
    }
    runs.push((format!("CSV again, {rows} rows unchanged"), csv.clone(), false, 1.5));
    let mut table = Vec::new();
    for (label, file, empty_first, goal) in runs {
        if empty_first {
            empty().await?;
        }
        let (secs, peak_kb, ok) =
            timed(std::process::Command::new(&exe).args(["import", "cong-dan"]).arg(&file).args(["--database-url", database_url]))?;
        println!(
            "hoctap import {label} ({engine}): {} in {secs:.2} s = {:.0} rows/s, {:.2}× the floor, {:.1}× sqlite3 .import, peak RSS {} MB",
            if ok { "ok" } else { "FAILED" },
            rows as f64 / secs,
            secs / floor,
            secs / base_secs.max(1e-9),
            peak_kb / 1024
        );
        table.push(format!(
            "| {label} | {engine} | {floor:.2} s | {secs:.2} s | {:.2}× (goal ≤ {goal}×) | {:.1}× ({base_secs:.2} s) | {} MB |{}",
            secs / floor,
            secs / base_secs.max(1e-9),
            peak_kb / 1024,
            if ok { "" } else { " FAILED" }
        ));
    }
    println!("\n| run | engine | floor | hoctap import | × floor | × `sqlite3 .import` (bare table) | peak RSS |");
    println!("|---|---|---|---|---|---|---|");
    for line in table {
        println!("{line}");
    }
    if let Some((_, copy)) = pristine {
        let _ = std::fs::remove_file(copy);
    }
    Ok(ExitCode::SUCCESS)
}

/// The benchmark CSV's columns in a staging table, and the one statement that moves them into
/// `reg_citizens` as the import stores them (ISO birth date, sex code, the village's unit and
/// province, a search key), the same text on both engines.
const STAGING: &str =
    "CREATE TEMP TABLE staging (cccd TEXT, full_name TEXT, birth TEXT, sex TEXT, ethnicity TEXT, grp TEXT, village TEXT);";

fn floor_insert() -> String {
    let today = hoctap_store::today();
    format!(
        "INSERT INTO reg_citizens (cccd, full_name, birth_date, sex, ethnicity, occupation_group, village, unit_id, province_code, search_key, \
         valid_from, valid_to) \
         SELECT s.cccd, s.full_name, substr(s.birth, 7, 4) || '-' || substr(s.birth, 4, 2) || '-' || substr(s.birth, 1, 2), \
         CASE s.sex WHEN 'Nữ' THEN 'nu' ELSE 'nam' END, s.ethnicity, s.grp, u.id, u.id, u.province_code, lower(s.cccd || ' ' || s.full_name), \
         '{today}', '9999-12-31' FROM staging s JOIN units u ON u.code = s.village AND u.valid_to = '9999-12-31';"
    )
}

/// SQLite's floor: `sqlite3 .import` into a staging table, then one `INSERT … SELECT` into
/// `reg_citizens` with its indexes and foreign key, with the store's pragmas.
fn sqlite_floor(db: &std::path::Path, csv: &std::path::Path, dir: &std::path::Path) -> Result<Option<f64>, Box<dyn std::error::Error>> {
    let script = dir.join("hoctap-bench-floor.sql");
    std::fs::write(
        &script,
        format!(
            "PRAGMA journal_mode = WAL; PRAGMA foreign_keys = ON; PRAGMA synchronous = NORMAL; PRAGMA cache_size = -65536; PRAGMA temp_store = MEMORY;\n\
             {STAGING}\n.import --csv --skip 1 {} staging\nBEGIN IMMEDIATE;\n{}\nCOMMIT;\n",
            csv.display(),
            floor_insert()
        ),
    )?;
    let (secs, _, ok) = timed(std::process::Command::new("sqlite3").arg("-bail").arg(db).arg(format!(".read {}", script.display())))?;
    Ok(ok.then_some(secs))
}

/// PostgreSQL's floor: in one transaction, `\copy` into a staging table, the registry's
/// indexes and constraints dropped, one `INSERT … SELECT`, indexes and constraints re-created.
fn postgres_floor(url: &str, csv: &std::path::Path, dir: &std::path::Path) -> Result<Option<f64>, Box<dyn std::error::Error>> {
    let lines = |sql: &str| -> Result<Vec<String>, Box<dyn std::error::Error>> {
        let out = std::process::Command::new("psql").args([url, "-X", "-At", "-c", sql]).output()?;
        if !out.status.success() {
            return Err(String::from_utf8_lossy(&out.stderr).into_owned().into());
        }
        Ok(String::from_utf8(out.stdout)?.lines().map(str::to_string).collect())
    };
    if std::process::Command::new("psql").arg("--version").output().is_err() {
        return Ok(None);
    }
    // The same choice as the import's bulk load: unique constraints another table's foreign key depends on stay.
    let constraints = "FROM pg_constraint c WHERE c.conrelid = 'reg_citizens'::regclass AND c.contype IN ('u', 'f') \
        AND NOT EXISTS (SELECT 1 FROM pg_constraint d WHERE d.contype = 'f' AND d.confrelid = c.conrelid AND d.conindid = c.conindid AND c.contype = 'u')";
    let indexes = "FROM pg_index i WHERE i.indrelid = 'reg_citizens'::regclass \
        AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = i.indexrelid)";
    let drop_indexes = lines(&format!("SELECT 'DROP INDEX ' || i.indexrelid::regclass::text || ';' {indexes}"))?;
    let create_indexes = lines(&format!("SELECT pg_get_indexdef(i.indexrelid) || ';' {indexes}"))?;
    let drop_constraints =
        lines(&format!("SELECT 'ALTER TABLE reg_citizens DROP CONSTRAINT ' || quote_ident(c.conname) || ';' {constraints}"))?;
    let add_constraints = lines(&format!(
        "SELECT 'ALTER TABLE reg_citizens ADD CONSTRAINT ' || quote_ident(c.conname) || ' ' || pg_get_constraintdef(c.oid) || ';' {constraints} ORDER BY c.contype DESC"
    ))?;
    let script = dir.join("hoctap-bench-floor-pg.sql");
    std::fs::write(
        &script,
        format!(
            "\\set ON_ERROR_STOP 1\nBEGIN;\n{STAGING}\n\\copy staging FROM '{}' WITH (FORMAT csv, HEADER true)\n{}\n{}\n{}\nSET LOCAL maintenance_work_mem = '256MB';\n{}\n{}\nCOMMIT;\n",
            csv.display(),
            drop_indexes.join("\n"),
            drop_constraints.join("\n"),
            floor_insert(),
            create_indexes.join("\n"),
            add_constraints.join("\n"),
        ),
    )?;
    let (secs, _, ok) = timed(std::process::Command::new("psql").args([url, "-X", "-q", "-f"]).arg(&script))?;
    Ok(ok.then_some(secs))
}

/// Peak resident memory of this process so far, in MB (Linux).
fn peak_rss_mb() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines().find(|l| l.starts_with("VmHWM:")).and_then(|l| l.split_whitespace().nth(1)).and_then(|n| n.parse::<u64>().ok())
        })
        .unwrap_or(0)
        / 1024
}

async fn bench_submit(
    communes: Option<usize>,
    database_url: &str,
    certificates: usize,
    web: crate::Web,
) -> Result<ExitCode, Box<dyn std::error::Error>> {
    use hoctap_domain::access::{Role, Username};
    use hoctap_store::{Actor, NewCampaign, NewEvidence, NewUser};
    let store = fresh_store(database_url).await?;
    crate::commands::demo::seed(&store).await?;
    let actor = Actor::system("đo hiệu năng");
    let today = hoctap_store::today();
    let set = store.criteria_set("cdht-xa", None).await?.set;
    let indicators: Vec<String> = set.indicators().map(|(_, i)| i.id.clone()).collect();
    let mut answers = serde_json::Map::new();
    for (_, i) in set.indicators() {
        answers.insert(i.id.clone(), serde_json::Value::Bool(true));
    }
    let answers = serde_json::json!({"answers": answers});
    let result = serde_json::json!({"summary": "Đạt mức độ 1", "passed": true, "explanation": []});
    // One campaign per province (the recogniser after 01/07/2025), one dossier per commune,
    // answered and with its evidence, ready to submit; one officer (and session) per commune.
    let t = Instant::now();
    let mut targets: Vec<(i64, String, String)> = Vec::new();
    let pdf = b"%PDF-1.4 bao cao".to_vec();
    let year = i64::from(today.year());
    'outer: for p in store.provinces(today).await? {
        let cid = store
            .create_campaign(
                &actor,
                NewCampaign {
                    year,
                    set_id: set.id.clone(),
                    set_version: set.version.clone(),
                    unit_id: p.id,
                    title: format!("CĐHT cấp xã {year}"),
                    self_assessment_closes: jiff::civil::date(2099, 1, 1),
                    dossier_due: jiff::civil::date(2099, 1, 1),
                    decision_due: jiff::civil::date(2099, 12, 31),
                    chain: hoctap_domain::workflow::default_chain(set.subject),
                },
            )
            .await?;
        let campaign = store.campaign(cid).await?;
        for c in store.children(p.id, today).await? {
            if communes.is_some_and(|n| targets.len() >= n) {
                break 'outer;
            }
            let aid = store.create_assessment(&actor, &campaign, "commune", c.id, &format!("{} {}", c.code, c.name), c.id).await?;
            let a = store.assessment(aid).await?;
            store.save_answers(&actor, &a, &answers, &result, true, "md1").await?;
            store
                .add_evidence(
                    &actor,
                    aid,
                    c.id,
                    NewEvidence {
                        bytes: &pdf,
                        mime: "application/pdf",
                        file_name: "bao-cao.pdf",
                        doc_type: "Báo cáo",
                        title: "Báo cáo",
                        issued_on: "",
                        issuer: "",
                        indicators: &indicators,
                    },
                )
                .await?;
            let username = Username::parse(&format!("xa{}", c.code))?;
            // A precomputed hash: the benchmark measures submissions, not password hashing.
            let uid = store
                .create_user(
                    &actor,
                    NewUser {
                        username: &username,
                        full_name: "Cán bộ xã",
                        password_hash: "x",
                        role: Role::UnitOfficer,
                        unit_id: c.id,
                        must_change_password: false,
                    },
                )
                .await?;
            let token = hoctap_app::secret::random_token(32);
            let csrf = hoctap_app::secret::random_token(16);
            store.create_session(&hoctap_app::secret::sha256_hex(&token), uid, &csrf, "2099-01-01T00:00:00Z").await?;
            targets.push((aid, token, csrf));
        }
    }
    println!("set-up: {} dossiers ready in {:.1} s", targets.len(), t.elapsed().as_secs_f64());
    let state = hoctap_http::AppState {
        store: store.clone(),
        secure_cookies: false,
        trust_proxy: false,
        public_url: hoctap_http::PublicUrl::parse("http://127.0.0.1:8080")?,
        // A throwaway deployment key: the benchmark's database is thrown away too.
        deployment_key: hoctap_domain::credential::DeploymentKey::from_bytes(rand::random()),
    };
    let addr = web.spawn_on_loopback(state).await?;
    let client = reqwest::Client::builder().pool_max_idle_per_host(256).build()?;
    let t = Instant::now();
    let mut tasks = Vec::new();
    for (aid, token, csrf) in &targets {
        let (client, url) = (client.clone(), format!("http://{addr}/api/v1/assessments/{aid}/transitions"));
        let (cookie, csrf) = (format!("hoctap_session={token}"), csrf.clone());
        tasks.push(tokio::spawn(async move {
            let started = Instant::now();
            let res = client
                .post(url)
                .header("cookie", cookie)
                .header("x-csrf-token", csrf)
                .json(&serde_json::json!({"action": "submit"}))
                .send()
                .await;
            let ok = matches!(&res, Ok(r) if r.status().is_success());
            (ok, started.elapsed())
        }));
    }
    let mut times = Vec::new();
    let mut errors = 0;
    for t in tasks {
        let (ok, d) = t.await?;
        if !ok {
            errors += 1;
        }
        times.push(d);
    }
    let wall = t.elapsed();
    times.sort();
    let pct = |p: f64| times.get(((times.len() as f64 - 1.0) * p).round() as usize).copied().unwrap_or_default().as_secs_f64() * 1e3;
    let mut submitted = 0;
    for (aid, _, _) in &targets {
        if store.assessment(*aid).await?.dossier.state.code() == "submitted" {
            submitted += 1;
        }
    }
    println!(
        "{:?}: {} concurrent submissions in {:.2} s: errors {errors}, lost {}, p50 {:.0} ms, p95 {:.0} ms, max {:.0} ms",
        store.engine(),
        targets.len(),
        wall.as_secs_f64(),
        targets.len() - submitted,
        pct(0.5),
        pct(0.95),
        times.last().map(|d| d.as_secs_f64() * 1e3).unwrap_or(0.0)
    );
    // One commune's decision with 5,000 households, then 5,000 certificates.
    let t = Instant::now();
    let rows: Vec<Vec<String>> = (0..certificates)
        .map(|i| {
            vec![(i + 1).to_string(), format!("Gia đình ông Nguyễn Văn {i}"), "Đạt".into(), "30/03/2029".into(), format!("CODE{i:06}")]
        })
        .collect();
    let doc = hoctap_docs::decision_docx::DecisionDoc {
        authority_lines: vec!["ỦY BAN NHÂN DÂN".into(), "PHƯỜNG ĐÔNG KINH".into()],
        number: "1/QĐ-UBND".into(),
        place: "Đông Kinh".into(),
        date: today,
        summary: "Về việc công nhận Gia đình học tập".into(),
        issuer_position: "CHỦ TỊCH ỦY BAN NHÂN DÂN PHƯỜNG ĐÔNG KINH".into(),
        legal_basis: vec!["Căn cứ Luật Tổ chức chính quyền địa phương;".into()],
        proposal: String::new(),
        articles: vec!["Điều 1. Công nhận các hộ gia đình có tên trong danh sách.".into()],
        recipients: vec!["Lưu: VT.".into()],
        signer_title: "CHỦ TỊCH".into(),
        signer_name: "Vi Văn Lãnh".into(),
        annex_title: "DANH SÁCH".into(),
        annex_header: vec!["STT".into(), "Tên".into(), "Mức".into(), "Hiệu lực đến".into(), "Mã xác minh".into()],
        annex_rows: rows,
    };
    let docx = hoctap_docs::decision_docx::decision_docx(&doc)?;
    let decision_pdf = hoctap_docs::official_pdf::decision_pdf(&doc)?;
    let decision_secs = t.elapsed().as_secs_f64();
    let t = Instant::now();
    let mut bytes = 0usize;
    for i in 0..certificates {
        let cert = hoctap_docs::official_pdf::certificate_pdf(&hoctap_docs::official_pdf::CertificateDoc {
            authority_lines: doc.authority_lines.clone(),
            title: "Gia đình học tập".into(),
            year,
            subject_name: format!("Gia đình ông Nguyễn Văn {i}"),
            subject_place: "Thôn Nà Sla, Phường Đông Kinh, Lạng Sơn".into(),
            level: String::new(),
            decision: "Quyết định số 1/QĐ-UBND".into(),
            place_and_date: "Đông Kinh, ngày 31 tháng 3 năm 2026".into(),
            signer_title: "CHỦ TỊCH".into(),
            signer_name: "Vi Văn Lãnh".into(),
            valid_until: "30/03/2029".into(),
            code: format!("CODE{i:06}"),
            verify_url: format!("http://127.0.0.1:8080/xac-minh/CODE{i:06}"),
        })?;
        bytes += cert.len();
    }
    println!(
        "decision with {certificates} annex rows: DOCX {} KB + PDF {} KB in {decision_secs:.2} s; {certificates} certificates ({} MB of PDF) in {:.1} s; peak RSS {} MB",
        docx.len() / 1024,
        decision_pdf.len() / 1024,
        bytes / 1_000_000,
        t.elapsed().as_secs_f64(),
        peak_rss_mb()
    );
    Ok(if errors == 0 && submitted == targets.len() { ExitCode::SUCCESS } else { ExitCode::FAILURE })
}
