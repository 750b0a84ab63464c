//! What the benchmarks share: a fresh database, the server started as a child process and
//! logged into, percentiles and memory read from `/proc`, and the synthetic citizens.

use hoctap_store::Store;
use std::time::Duration;

pub type BenchResult<T> = Result<T, Box<dyn std::error::Error>>;

/// Deletes a SQLite database file with its WAL and shared-memory files (nothing for PostgreSQL).
pub fn remove_sqlite_files(database_url: &str) {
    if let Some(path) = database_url.strip_prefix("sqlite://") {
        let path = path.split('?').next().unwrap_or(path);
        for s in ["", "-wal", "-shm"] {
            let _ = std::fs::remove_file(format!("{path}{s}"));
        }
    }
}

/// A new, migrated database (a SQLite file is deleted first).
pub async fn fresh_store(database_url: &str) -> BenchResult<Store> {
    remove_sqlite_files(database_url);
    let store = Store::connect(database_url).await?;
    store.migrate().await?;
    Ok(store)
}

/// A free port on loopback.
pub fn free_port() -> std::io::Result<u16> {
    Ok(std::net::TcpListener::bind("127.0.0.1:0")?.local_addr()?.port())
}

/// A `hoctap` child process, killed when dropped.
pub struct Child(pub std::process::Child);

impl Child {
    pub fn id(&self) -> u32 {
        self.0.id()
    }
}

impl Drop for Child {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// Starts this binary with `args`, its output discarded.
pub fn spawn(args: &[&str]) -> std::io::Result<Child> {
    let child = std::process::Command::new(std::env::current_exe()?)
        .args(args)
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()?;
    Ok(Child(child))
}

/// Waits until `url` answers (20 s at most).
pub async fn wait_up(client: &reqwest::Client, url: &str) -> BenchResult<()> {
    for _ in 0..400 {
        if client.get(url).send().await.is_ok() {
            return Ok(());
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    Err(format!("{url} không trả lời").into())
}

/// `hoctap serve` on a free port against `database_url` (with `extra` arguments), once it answers.
pub struct Server {
    pub child: Child,
    pub base: String,
}

pub async fn serve(client: &reqwest::Client, database_url: &str, extra: &[&str]) -> BenchResult<Server> {
    let bind = format!("127.0.0.1:{}", free_port()?);
    let mut args = vec!["serve", "--bind", &bind, "--database-url", database_url];
    args.extend_from_slice(extra);
    let child = spawn(&args)?;
    let base = format!("http://{bind}");
    wait_up(client, &format!("{base}/healthz")).await?;
    Ok(Server { child, base })
}

/// Logs a demo user in through the API (the client keeps the cookie); answers the CSRF token.
pub async fn login(client: &reqwest::Client, base: &str, username: &str) -> BenchResult<String> {
    let res = client
        .post(format!("{base}/api/v1/session"))
        .json(&serde_json::json!({"username": username, "password": super::demo::DEMO_PASSWORD}))
        .send()
        .await?;
    if !res.status().is_success() {
        return Err(format!("đăng nhập {username}: {}", res.status()).into());
    }
    Ok(res.json::<serde_json::Value>().await?["csrf_token"].as_str().unwrap_or_default().to_string())
}

/// The `p` quantile (0–1) of `times`, in milliseconds.
pub fn percentile_ms(times: &mut [Duration], p: f64) -> f64 {
    times.sort();
    times.get(((times.len() as f64 - 1.0) * p).round() as usize).copied().unwrap_or_default().as_secs_f64() * 1e3
}

/// A memory field of `/proc/{pid}/status` (`VmHWM:`, `VmRSS:`), in kB; 0 when unreadable.
pub fn proc_status_kb(pid: u32, field: &str) -> u64 {
    std::fs::read_to_string(format!("/proc/{pid}/status"))
        .ok()
        .and_then(|s| s.lines().find(|l| l.starts_with(field)).and_then(|l| l.split_whitespace().nth(1)).and_then(|n| n.parse().ok()))
        .unwrap_or(0)
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
    let name = format!(
        "{} {} {}",
        FAMILY.get(i % FAMILY.len()).unwrap_or(&"Lê"),
        if female { "Thị" } else { "Văn" },
        GIVEN.get((i / 7) % GIVEN.len()).unwrap_or(&"An")
    );
    let birth = format!("{:02}/{:02}/{year}", 1 + i % 28, 1 + (i / 28) % 12);
    [cccd, name, birth, if female { "Nữ" } else { "Nam" }.into(), "Tày".into(), "N1".into(), village.to_string()]
}
