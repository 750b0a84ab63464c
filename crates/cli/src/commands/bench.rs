//! `hoctap bench`: measurements recorded in docs/PERFORMANCE.md. Timing lives here, never
//! in tests.

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
    /// Nhập N công dân từ CSV (và XLSX) vào SQLite/PostgreSQL, so với `sqlite3 .import`.
    Import {
        #[arg(long, default_value_t = 1_000_000)]
        rows: usize,
        /// Cơ sở dữ liệu đích (mặc định một tệp SQLite tạm mới); PostgreSQL phải là cơ sở dữ liệu trống.
        #[arg(long, default_value = "sqlite:///tmp/hoctap-bench-import.db")]
        database_url: String,
        /// Cũng đo tệp XLSX cùng nội dung.
        #[arg(long)]
        xlsx: bool,
    },
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

pub async fn run(c: Cmd) -> Result<ExitCode, Box<dyn std::error::Error>> {
    match c {
        Cmd::AdminUnits { database_url } => {
            if let Some(path) = database_url.strip_prefix("sqlite://") {
                for s in ["", "-wal", "-shm"] {
                    let _ = std::fs::remove_file(format!("{path}{s}"));
                }
            }
            let store = Store::connect(&database_url).await?;
            store.migrate().await?;
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
        Cmd::Import { rows, database_url, xlsx } => bench_import(rows, &database_url, xlsx).await,
        Cmd::Tree { url, username, password, province, requests } => {
            let client = reqwest::Client::builder().cookie_store(true).build()?;
            let login = client.post(format!("{url}/api/v1/session")).json(&serde_json::json!({"username": username, "password": password})).send().await?;
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

pub const BENCH_HEADER: [&str; 7] = ["Số CCCD", "Họ và tên", "Ngày sinh", "Giới tính", "Dân tộc", "Nhóm đối tượng", "Mã thôn"];

/// The i-th synthetic citizen of the benchmark: a valid CCCD agreeing with birth date and sex.
pub fn citizen_row(i: usize, village: &str) -> [String; 7] {
    const FAMILY: [&str; 8] = ["Nguyễn", "Trần", "Lê", "Hoàng", "Nông", "Lương", "Lục", "Vi"];
    const GIVEN: [&str; 10] = ["An", "Bình", "Cường", "Dung", "Hoa", "Lan", "Minh", "Nam", "Thảo", "Vân"];
    let year = 1940 + (i % 80);
    let female = i % 2 == 1;
    let century = if year >= 2000 { 2 } else { 0 } + usize::from(female);
    // (year, sex) is fixed by i % 80, so i / 80 is unique within each class.
    let cccd = format!("020{century}{:02}{:06}", year % 100, i / 80);
    let name = format!("{} {} {}", FAMILY.get(i % FAMILY.len()).unwrap_or(&"Lê"), if female { "Thị" } else { "Văn" }, GIVEN.get((i / 7) % GIVEN.len()).unwrap_or(&"An"));
    let birth = format!("{:02}/{:02}/{year}", 1 + i % 28, 1 + (i / 28) % 12);
    [cccd, name, birth, if female { "Nữ" } else { "Nam" }.into(), "Tày".into(), "N1".into(), village.to_string()]
}

/// Writes `rows` valid citizens of one village as CSV (and XLSX), for the import benchmark.
fn write_citizens(path: &std::path::Path, xlsx_path: Option<&std::path::Path>, rows: usize, village: &str) -> Result<(), Box<dyn std::error::Error>> {
    use std::io::Write;
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
    if let Some(path) = database_url.strip_prefix("sqlite://") {
        for s in ["", "-wal", "-shm"] {
            let _ = std::fs::remove_file(format!("{path}{s}"));
        }
    }
    let store = Store::connect(database_url).await?;
    store.migrate().await?;
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
    let (base_secs, _, ok) = timed(std::process::Command::new("sqlite3").arg(&bare).arg(".mode csv").arg(format!(".import {} citizens", csv.display())))?;
    if ok {
        println!("sqlite3 .import: {base_secs:.2} s ({:.0} rows/s)", rows as f64 / base_secs);
    } else {
        println!("sqlite3 .import: not available");
    }
    let exe = std::env::current_exe()?;
    let mut files = vec![("CSV", csv.clone())];
    if xlsx {
        files.push(("XLSX", xlsx_path.clone()));
    }
    for (label, file) in files {
        let (secs, peak_kb, ok) = timed(std::process::Command::new(&exe).args(["import", "cong-dan"]).arg(&file).args(["--database-url", database_url]))?;
        println!(
            "hoctap import {label} ({}): {} in {secs:.2} s = {:.0} rows/s, {:.1}× sqlite3 .import, peak RSS {} MB",
            if database_url.starts_with("postgres") { "PostgreSQL" } else { "SQLite" },
            if ok { "ok" } else { "FAILED" },
            rows as f64 / secs,
            secs / base_secs.max(1e-9),
            peak_kb / 1024
        );
        if label == "CSV" && xlsx {
            // The XLSX run imports the same rows again: they are all unchanged by then.
            println!("  (the XLSX run below finds every row already stored: it measures reading, checking and comparing)");
        }
    }
    Ok(ExitCode::SUCCESS)
}
