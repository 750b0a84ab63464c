//! `hoctap bench pages`: every logged-in read page of the demo under load. The bench builds the
//! demo database (as `hoctap demo`), starts the server and a bare axum "hello" (the same build,
//! each its own process), logs in as the demo user each page is for, and runs `wrk` against each
//! page in turn (default `-t2 -c32 -d10s`). Each row gives requests per second, p50 and p99 under
//! load, the responses that were not 2xx, and the page's own time unloaded (p50 of sequential
//! requests). The table goes to docs/PERFORMANCE.md.

use super::bench_common::{free_port, remove_sqlite_files, spawn, wait_up};
use hoctap_domain::registry::def::HOUSEHOLDS;
use hoctap_store::{RegistryQuery, Store, TaskFilter};
use std::process::ExitCode;
use std::time::Instant;

#[derive(clap::Args, Debug)]
pub struct Args {
    /// Cơ sở dữ liệu mẫu (SQLite: tạo mới; PostgreSQL: phải trống, trừ khi --reuse).
    #[arg(long, default_value = "sqlite:///tmp/hoctap-bench-pages.db")]
    pub database_url: String,
    /// Dùng lại cơ sở dữ liệu mẫu đã tạo bởi lần chạy trước.
    #[arg(long)]
    pub reuse: bool,
    /// Thời gian đo mỗi trang (giây).
    #[arg(long, default_value_t = 10)]
    pub duration: u32,
    #[arg(long, default_value_t = 32)]
    pub connections: u32,
    #[arg(long, default_value_t = 2)]
    pub threads: u32,
    /// Chỉ đo các trang có tên chứa chuỗi này (ví dụ `tong-hop`).
    #[arg(long)]
    pub only: Option<String>,
    /// Số xã có dữ liệu sổ mẫu (như `hoctap demo`).
    #[arg(long, default_value_t = 5)]
    pub stat_communes: usize,
}

/// `hoctap bench hello`: the bare axum server the pages are compared with.
#[derive(clap::Args, Debug)]
pub struct HelloArgs {
    #[arg(long, default_value = "127.0.0.1:8081")]
    pub bind: std::net::SocketAddr,
}

pub async fn hello(a: HelloArgs) -> Result<ExitCode, Box<dyn std::error::Error>> {
    let app = axum::Router::new().route("/", axum::routing::get(|| async { "hello" }));
    let listener = tokio::net::TcpListener::bind(a.bind).await?;
    axum::serve(listener, app).await?;
    Ok(ExitCode::SUCCESS)
}

/// One page to measure: its name in the table, the demo user who reads it, its path.
struct Page {
    name: String,
    user: &'static str,
    path: String,
}

/// What wrk measured for one page.
struct Measured {
    rps: f64,
    p50_ms: f64,
    p99_ms: f64,
    non_2xx: u64,
    errors: u64,
}

/// wrk's latency with its unit (`812.00us`, `3.21ms`, `1.02s`) in milliseconds.
fn wrk_ms(s: &str) -> Option<f64> {
    let s = s.trim();
    let (num, factor) = if let Some(n) = s.strip_suffix("us") {
        (n, 1e-3)
    } else if let Some(n) = s.strip_suffix("ms") {
        (n, 1.0)
    } else if let Some(n) = s.strip_suffix('m') {
        (n, 60_000.0)
    } else if let Some(n) = s.strip_suffix('s') {
        (n, 1e3)
    } else {
        (s, 1.0)
    };
    num.parse::<f64>().ok().map(|v| v * factor)
}

fn parse_wrk(out: &str) -> Measured {
    let mut m = Measured { rps: 0.0, p50_ms: 0.0, p99_ms: 0.0, non_2xx: 0, errors: 0 };
    for line in out.lines().map(str::trim) {
        if let Some(v) = line.strip_prefix("Requests/sec:") {
            m.rps = v.trim().parse().unwrap_or(0.0);
        } else if let Some(v) = line.strip_prefix("50%") {
            m.p50_ms = wrk_ms(v).unwrap_or(0.0);
        } else if let Some(v) = line.strip_prefix("99%") {
            m.p99_ms = wrk_ms(v).unwrap_or(0.0);
        } else if let Some(v) = line.strip_prefix("Non-2xx or 3xx responses:") {
            m.non_2xx = v.trim().parse().unwrap_or(0);
        } else if let Some(v) = line.strip_prefix("Socket errors:") {
            // "connect 0, read 0, write 0, timeout 12"
            m.errors = v.split(',').filter_map(|p| p.split_whitespace().last()?.parse::<u64>().ok()).sum();
        }
    }
    m
}

fn wrk(a: &Args, url: &str, cookie: Option<&str>) -> Result<Measured, Box<dyn std::error::Error>> {
    let mut cmd = std::process::Command::new("wrk");
    cmd.args(["--latency", &format!("-t{}", a.threads), &format!("-c{}", a.connections), &format!("-d{}s", a.duration)]);
    if let Some(c) = cookie {
        cmd.args(["-H", &format!("Cookie: {c}")]);
    }
    let out = cmd.arg(url).output().map_err(|e| format!("không chạy được wrk (apt install wrk): {e}"))?;
    if !out.status.success() {
        return Err(format!("wrk {url}: {}", String::from_utf8_lossy(&out.stderr)).into());
    }
    Ok(parse_wrk(&String::from_utf8_lossy(&out.stdout)))
}

/// The pages of the table, with the ids of the demo's objects.
async fn pages(store: &Store) -> Result<Vec<Page>, Box<dyn std::error::Error>> {
    let today = hoctap_store::today();
    let year = today.year();
    let province = store.unit_by_code(super::demo::DEMO_PROVINCE, today).await?.id;
    let commune = store.children(province, today).await?.first().ok_or("tỉnh mẫu không có xã")?.id;
    let campaign = store
        .campaigns(Some(commune), today)
        .await?
        .into_iter()
        .filter(|c| c.unit_id == commune)
        .max_by_key(|c| c.year)
        .ok_or("xã mẫu không có đợt đánh giá")?;
    let dossier = store.assessments(campaign.id, None, today).await?.first().ok_or("đợt không có hồ sơ")?.id;
    let decision = store.decisions(campaign.id).await?.first().ok_or("đợt không có quyết định")?.id;
    let recognition = store.recognitions(decision).await?.first().ok_or("quyết định không có công nhận")?.id;
    let household = store
        .registry_list(&HOUSEHOLDS, &RegistryQuery { scope: Some(commune), limit: 1, ..Default::default() }, today)
        .await?
        .first()
        .ok_or("xã mẫu không có hộ")?
        .id;
    let plan = store.plans_for(&[province]).await?.into_iter().find(|p| p.unit_id == province).ok_or("tỉnh mẫu không có kế hoạch")?.id;
    let movement = store.movements(None, today).await?.first().ok_or("không có phong trào")?.id;
    let board = store.boards_of(province).await?.first().ok_or("tỉnh mẫu không có ban chỉ đạo")?.id;
    let task = store.tasks(&TaskFilter { unit_id: Some(province), ..Default::default() }).await?.first().ok_or("không có nhiệm vụ")?.id;
    let branch = store.branch_by_code("HKH-XA-MAU").await?.id;
    let p = |name: &str, user: &'static str, path: String| Page { name: name.to_string(), user, path };
    Ok(vec![
        p("GET /api/v1/session (session only)", "xa.canbo", "/api/v1/session".into()),
        p("home /", "xa.canbo", "/".into()),
        p("dashboard nation /tong-hop/ca-nuoc", "quantri", format!("/tong-hop/ca-nuoc?nam={year}")),
        p("dashboard province /tong-hop/{tỉnh}", "tinh.canbo", format!("/tong-hop/{province}?nam={year}")),
        p("dashboard commune /tong-hop/{xã}", "xa.canbo", format!("/tong-hop/{commune}?nam={year}")),
        p("stats API province /api/v1/stats/{tỉnh}", "tinh.canbo", format!("/api/v1/stats/{province}?nam={year}")),
        p("stats API commune /api/v1/stats/{xã}", "xa.canbo", format!("/api/v1/stats/{commune}?nam={year}")),
        p("unit page /don-vi/{xã}", "xa.canbo", format!("/don-vi/{commune}")),
        p("registries /so", "xa.canbo", "/so".into()),
        p("registry list /so/ho-gia-dinh", "xa.canbo", "/so/ho-gia-dinh".into()),
        p("registry list /so/cong-dan", "xa.canbo", "/so/cong-dan".into()),
        p("registry record /so/ho-gia-dinh/{id}", "xa.canbo", format!("/so/ho-gia-dinh/{household}")),
        p("registry API /api/v1/registries/ho-gia-dinh", "xa.canbo", "/api/v1/registries/ho-gia-dinh".into()),
        p("campaigns /dot-danh-gia", "xa.canbo", "/dot-danh-gia".into()),
        p("campaign page /dot-danh-gia/{id}", "xa.canbo", format!("/dot-danh-gia/{}", campaign.id)),
        p("dossier page /ho-so/{id}", "xa.canbo", format!("/ho-so/{dossier}")),
        p("decision /quyet-dinh/{id}", "xa.canbo", format!("/quyet-dinh/{decision}")),
        p("recognition /cong-nhan/{id}", "xa.canbo", format!("/cong-nhan/{recognition}")),
        p("inbox /viec-cua-toi", "xa.thamdinh", "/viec-cua-toi".into()),
        p("plans /ke-hoach", "tinh.canbo", "/ke-hoach".into()),
        p("plan /ke-hoach/{id}", "tinh.canbo", format!("/ke-hoach/{plan}")),
        p("report page /bao-cao/{xã}", "xa.canbo", format!("/bao-cao/{commune}?nam={year}")),
        p("association /hoi-khuyen-hoc/{id}", "hkh.xa", format!("/hoi-khuyen-hoc/{branch}")),
        p("fund ledger /hoi-khuyen-hoc/{id}/so-quy", "hkh.xa", format!("/hoi-khuyen-hoc/{branch}/so-quy")),
        p("movements /thi-dua", "tinh.canbo", "/thi-dua".into()),
        p("movement page /thi-dua/{id}", "tinh.canbo", format!("/thi-dua/{movement}")),
        p("boards /ban-chi-dao/{id}", "tinh.canbo", format!("/ban-chi-dao/{board}")),
        p("tasks /nhiem-vu", "tinh.canbo", "/nhiem-vu".into()),
        p("task /nhiem-vu/{id}", "tinh.canbo", format!("/nhiem-vu/{task}")),
        p("criteria /tieu-chi", "xa.canbo", "/tieu-chi".into()),
        p("users /nguoi-dung", "quantri", "/nguoi-dung".into()),
        p("audit /nhat-ky", "quantri", "/nhat-ky".into()),
    ])
}

pub async fn run(a: Args) -> Result<ExitCode, Box<dyn std::error::Error>> {
    let sqlite_path = a.database_url.strip_prefix("sqlite://").map(|p| p.split('?').next().unwrap_or(p).to_string());
    let key_file = format!("{}.key", sqlite_path.as_deref().unwrap_or("/tmp/hoctap-bench-pages-pg"));
    if !a.reuse {
        remove_sqlite_files(&a.database_url);
    }
    let store = Store::connect(&a.database_url).await?;
    store.migrate().await?;
    if !a.reuse || !store.admin_units_loaded().await? {
        if store.admin_units_loaded().await? {
            return Err("cơ sở dữ liệu phải trống (hoặc dùng --reuse)".into());
        }
        let (key, _) = super::load_or_create_key(std::path::Path::new(&key_file))?;
        let t = Instant::now();
        super::demo::seed_all(&store, a.stat_communes, &key).await?;
        println!("demo database built in {:.1} s", t.elapsed().as_secs_f64());
        if store.engine() == hoctap_store::Engine::Postgres {
            store.exec_raw("VACUUM ANALYZE").await?;
        }
    }
    let mut pages = pages(&store).await?;
    store.close().await;
    if let Some(only) = &a.only {
        pages.retain(|p| p.name.contains(only.as_str()));
    }

    let client = reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build()?;
    let hello_port = free_port()?;
    let hello = spawn(&["bench", "hello", "--bind", &format!("127.0.0.1:{hello_port}")])?;
    let hello_url = format!("http://127.0.0.1:{hello_port}/");
    wait_up(&client, &hello_url).await?;
    let port = free_port()?;
    let server =
        spawn(&["serve", "--bind", &format!("127.0.0.1:{port}"), "--database-url", &a.database_url, "--secret-key-file", &key_file])?;
    let base = format!("http://127.0.0.1:{port}");
    wait_up(&client, &format!("{base}/healthz")).await?;

    let engine = if a.database_url.starts_with("postgres") { "PostgreSQL" } else { "SQLite" };
    println!("engine {engine}; wrk -t{} -c{} -d{}s; load average {}", a.threads, a.connections, a.duration, load_average());
    let h = wrk(&a, &hello_url, None)?;
    println!("| bare axum hello | {:.0} | {:.2} | {:.2} | {} | – |", h.rps, h.p50_ms, h.p99_ms, h.non_2xx + h.errors);
    drop(hello);

    let mut cookies: std::collections::BTreeMap<&str, String> = std::collections::BTreeMap::new();
    println!("| page (user) | req/s | p50 ms | p99 ms | non-2xx / errors | unloaded p50 ms | bytes |");
    println!("|---|---|---|---|---|---|---|");
    for page in &pages {
        if !cookies.contains_key(page.user) {
            let res = client
                .post(format!("{base}/api/v1/session"))
                .json(&serde_json::json!({"username": page.user, "password": super::demo::DEMO_PASSWORD}))
                .send()
                .await?;
            let cookie = res
                .headers()
                .get_all(reqwest::header::SET_COOKIE)
                .iter()
                .filter_map(|v| v.to_str().ok()?.split(';').next().map(str::to_string))
                .collect::<Vec<_>>()
                .join("; ");
            if !res.status().is_success() || cookie.is_empty() {
                return Err(format!("đăng nhập {}: {}", page.user, res.status()).into());
            }
            cookies.insert(page.user, cookie);
        }
        let cookie = cookies.get(page.user).cloned().unwrap_or_default();
        let url = format!("{base}{}", page.path);
        // Unloaded: sequential requests, after one to warm up.
        let mut times = Vec::new();
        let mut bytes = 0;
        let mut status = reqwest::StatusCode::OK;
        for _ in 0..21 {
            let t = Instant::now();
            let res = client.get(&url).header(reqwest::header::COOKIE, &cookie).send().await?;
            status = res.status();
            bytes = res.bytes().await?.len();
            times.push(t.elapsed());
        }
        times.remove(0);
        times.sort();
        let unloaded = times.get(times.len() / 2).copied().unwrap_or_default().as_secs_f64() * 1e3;
        if !status.is_success() {
            println!("| {} ({}) | status {status} | | | | | |", page.name, page.user);
            continue;
        }
        let m = wrk(&a, &url, Some(&cookie))?;
        let mark = if m.rps >= 2000.0 && m.p99_ms <= 50.0 { "" } else { " ✗" };
        println!(
            "| {} ({}) | {:.0}{mark} | {:.2} | {:.2} | {} / {} | {unloaded:.2} | {bytes} |",
            page.name, page.user, m.rps, m.p50_ms, m.p99_ms, m.non_2xx, m.errors
        );
    }
    drop(server);
    println!("load average after: {}", load_average());
    Ok(ExitCode::SUCCESS)
}

fn load_average() -> String {
    std::fs::read_to_string("/proc/loadavg").map(|s| s.split_whitespace().take(3).collect::<Vec<_>>().join(" ")).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    #[test]
    fn wrk_latencies_are_read_in_milliseconds() {
        assert_eq!(super::wrk_ms("812.00us"), Some(0.812));
        assert_eq!(super::wrk_ms("3.50ms"), Some(3.5));
        assert_eq!(super::wrk_ms("1.20s"), Some(1200.0));
        let m = super::parse_wrk(
            "  Latency Distribution\n     50%    1.00ms\n     99%   12.00ms\n  Socket errors: connect 0, read 1, write 0, timeout 2\n  Non-2xx or 3xx responses: 5\nRequests/sec:   2345.67\n",
        );
        assert_eq!((m.p50_ms, m.p99_ms, m.non_2xx, m.errors), (1.0, 12.0, 5, 3));
        assert!((m.rps - 2345.67).abs() < 1e-9);
    }
}
