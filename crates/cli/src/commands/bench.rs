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
