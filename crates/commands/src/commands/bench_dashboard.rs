//! `hoctap bench dashboard`: dashboard latency for the nation, a province and a commune under
//! concurrent load, the time from a write to its visibility in the province's numbers, the
//! server's memory, and the counters against the same numbers counted from the person-level
//! tables. Counters of every commune of the country are synthesised at their national size
//! (communes × metrics × years: what the dashboards read); person-level registries are
//! generated for one province (`--registries province`) to compare with a full scan.

use super::bench_common::{Server, fresh_store, login, percentile_ms, proc_status_kb, serve};
use hoctap_domain::registry::def::{CITIZENS, HOUSEHOLDS};
use hoctap_domain::stats::METRICS;
use hoctap_store::{Basis, Store};
use std::process::ExitCode;
use std::time::{Duration, Instant};

#[derive(clap::Args, Debug)]
pub struct Args {
    #[arg(long, default_value = "sqlite:///tmp/hoctap-bench-dashboard.db")]
    pub database_url: String,
    /// Sổ theo dõi tạo thật: `province` (Lạng Sơn, ~2,5 triệu dòng), `commune`, `none`.
    #[arg(long, default_value = "province")]
    pub registries: String,
    /// Số yêu cầu mỗi loại trang.
    #[arg(long, default_value_t = 1000)]
    pub requests: usize,
    /// Số người dùng đồng thời.
    #[arg(long, default_value_t = 4)]
    pub clients: usize,
}

/// A deterministic spread per commune (no random crate needed for a benchmark's data).
fn spread(seed: u64, lo: u64, hi: u64) -> u64 {
    let mut x = seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) ^ 0xD1B5_4A32_D192_ED03;
    x ^= x >> 31;
    lo + x % (hi - lo + 1)
}

/// Counters for every commune of today's tree without generated registries: the stock of each
/// metric built up over 2021–2026, recognitions renewed every year.
async fn synthesise_counters(store: &Store, skip: &[i64]) -> Result<usize, Box<dyn std::error::Error>> {
    let today = hoctap_store::today();
    let mut rows = Vec::new();
    let mut province_rows: std::collections::BTreeMap<(i64, &str, i32), u64> = std::collections::BTreeMap::new();
    let mut n = 0;
    for p in store.provinces(today).await? {
        for c in store.children(p.id, today).await? {
            if skip.contains(&c.id) {
                continue;
            }
            let h = spread(c.id as u64, 4_000, 12_000);
            for (metric, _, kind) in METRICS {
                if matches!(*metric, "villages" | "communes") {
                    continue;
                }
                let base: u64 = match *metric {
                    "households" => h,
                    "citizens" => h * 37 / 10,
                    m if m.starts_with("citizens_n") => h * 8 / 10,
                    "clans" => h / 27,
                    "organisations" => h / 90,
                    m if m.starts_with("learning_centres") => 1,
                    "association_members" => h * 12 / 10,
                    "fund_receipts" | "fund_payments" => h * 30_000,
                    "rec_gdht" => h * spread(c.id as u64 + 1, 40, 85) / 100,
                    "rec_cdht" => h * spread(c.id as u64 + 2, 20, 60) / 100,
                    m if m.starts_with("rec_cdht_n") => h * spread(c.id as u64 + 3, 5, 20) / 100,
                    "rec_dhht" => h / 27 * spread(c.id as u64 + 4, 30, 80) / 100,
                    "rec_cdht_thon" => spread(c.id as u64 + 5, 3, 25),
                    "rec_dvht" => h / 90 * spread(c.id as u64 + 6, 30, 90) / 100,
                    "rec_cdht_xa" | "rec_cdht_xa_md2" => u64::from(spread(c.id as u64 + 7, 0, 2) == 1),
                    _ => 0,
                };
                for year in 2021..=2026 {
                    // A stock grows to its size by 2026; a flow is the same every year.
                    let delta = match kind {
                        hoctap_domain::stats::MetricKind::Flow => base,
                        hoctap_domain::stats::MetricKind::Stock if year == 2021 => base * 80 / 100,
                        hoctap_domain::stats::MetricKind::Stock => base * 4 / 100,
                    };
                    rows.push(format!("({}, '{metric}', {year}, {delta})", c.id));
                    // As writes do: the same change in the province.
                    *province_rows.entry((p.id, *metric, year)).or_default() += delta;
                }
            }
            n += 1;
        }
    }
    // Provinces with generated registries already have their rows: add to them.
    for ((p, metric, year), delta) in province_rows {
        rows.push(format!("({p}, '{metric}', {year}, {delta})"));
    }
    for chunk in rows.chunks(5_000) {
        store
            .exec_raw(&format!(
                "INSERT INTO stat_deltas (unit_id, metric, year, delta) VALUES {} ON CONFLICT (unit_id, metric, year) DO UPDATE SET delta = stat_deltas.delta + excluded.delta",
                chunk.join(", ")
            ))
            .await?;
    }
    Ok(n)
}

pub async fn run(a: Args) -> Result<ExitCode, Box<dyn std::error::Error>> {
    let store = fresh_store(&a.database_url).await?;
    let t = Instant::now();
    let (province, commune) = super::demo::seed(&store).await?;
    println!("{:?}: units, plans, users in {:.1} s", store.engine(), t.elapsed().as_secs_f64());
    let t = Instant::now();
    let scale = match a.registries.as_str() {
        "province" => Some(super::r#gen::Scale::Province),
        "commune" => Some(super::r#gen::Scale::Commune),
        _ => None,
    };
    let mut generated: Vec<i64> = Vec::new();
    if let Some(scale) = scale {
        let s = super::r#gen::generate(&store, &super::r#gen::Options::new(scale, 2025)).await?;
        println!("registries ({:?}): {} rows in {:.1} s", scale, s.total_rows(), t.elapsed().as_secs_f64());
        generated = if scale == super::r#gen::Scale::Province {
            store.children(province, hoctap_store::today()).await?.iter().map(|c| c.id).collect()
        } else {
            vec![commune]
        };
    }
    let t = Instant::now();
    let n = synthesise_counters(&store, &generated).await?;
    println!("counters synthesised for {n} more communes in {:.1} s", t.elapsed().as_secs_f64());
    if store.engine() == hoctap_store::Engine::Postgres {
        // What an operator does after a bulk load; otherwise autovacuum analyses the new
        // millions of rows on the same two cores in the middle of the measurement.
        let t = Instant::now();
        store.exec_raw("VACUUM ANALYZE").await?;
        println!("VACUUM ANALYZE in {:.1} s", t.elapsed().as_secs_f64());
    }

    // Counters against a full count of the person-level tables, for the province.
    let today = hoctap_store::today();
    let end = jiff::civil::date(today.year(), 12, 31);
    let mut by_counters = Vec::new();
    let mut by_scan = Vec::new();
    for _ in 0..20 {
        let t = Instant::now();
        let v = store.metric_values(Some(province), today.year(), &["households", "citizens"], Basis::AsAt(end)).await?;
        by_counters.push(t.elapsed());
        let t = Instant::now();
        let h = store.registry_count(&HOUSEHOLDS, Some(province), end).await?;
        let c = store.registry_count(&CITIZENS, Some(province), end).await?;
        by_scan.push(t.elapsed());
        std::hint::black_box((v, h, c));
    }
    let (pc, ps) = (percentile_ms(&mut by_counters, 0.5), percentile_ms(&mut by_scan, 0.5));
    println!(
        "province households+citizens: counters p50 {pc:.2} ms, full scan of the registries p50 {ps:.1} ms ({:.0}× slower)",
        ps / pc.max(1e-6)
    );
    drop(store);

    // The server as its own process, so its memory is its own.
    let client = reqwest::Client::builder().cookie_store(true).pool_max_idle_per_host(64).build()?;
    // Its deployment key beside the benchmark's database, not in the working directory.
    let key_file = format!("{}.key", a.database_url.strip_prefix("sqlite://").unwrap_or("/tmp/hoctap-bench"));
    let Server { child, base } = serve(&client, &a.database_url, &["--secret-key-file", &key_file]).await?;
    let csrf = login(&client, &base, "quantri").await?;
    let year = today.year();
    let targets = [
        ("cả nước", format!("{base}/tong-hop/ca-nuoc?nam={year}")),
        ("tỉnh Lạng Sơn", format!("{base}/tong-hop/{province}?nam={year}")),
        ("xã mẫu", format!("{base}/tong-hop/{commune}?nam={year}")),
    ];
    for (_, url) in &targets {
        let res = client.get(url).send().await?;
        if !res.status().is_success() {
            return Err(format!("{url}: {}", res.status()).into());
        }
    }
    let pid = child.id();
    let started = Instant::now();
    let mut tasks = Vec::new();
    for k in 0..a.clients.max(1) {
        let (client, targets) = (client.clone(), targets.clone());
        let per_client = a.requests.div_ceil(a.clients.max(1));
        tasks.push(tokio::spawn(async move {
            let mut times: Vec<Vec<Duration>> = vec![Vec::new(); targets.len()];
            for i in 0..per_client * targets.len() {
                let which = (i + k) % targets.len();
                let t = Instant::now();
                if let Ok(r) = client.get(&targets[which].1).send().await {
                    let _ = r.bytes().await;
                }
                times[which].push(t.elapsed());
            }
            times
        }));
    }
    let mut peak_rss = 0;
    let mut all: Vec<Vec<Duration>> = vec![Vec::new(); targets.len()];
    while tasks.iter().any(|t| !t.is_finished()) {
        peak_rss = peak_rss.max(proc_status_kb(pid, "VmRSS:"));
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    for t in tasks {
        for (i, v) in t.await?.into_iter().enumerate() {
            all[i].extend(v);
        }
    }
    let elapsed = started.elapsed().as_secs_f64();
    for ((name, _), times) in targets.iter().zip(all.iter_mut()) {
        let n = times.len();
        println!(
            "dashboard {name}: n={n} p50={:.1} ms p95={:.1} ms max={:.1} ms",
            percentile_ms(times, 0.5),
            percentile_ms(times, 0.95),
            percentile_ms(times, 1.0)
        );
    }
    println!(
        "{} requests in {elapsed:.1} s with {} clients; server RSS peak while serving {} MB (VmHWM {} MB)",
        a.requests * targets.len(),
        a.clients,
        peak_rss / 1024,
        proc_status_kb(pid, "VmHWM:") / 1024
    );

    // A write, then the province's numbers: how long until it shows.
    let village = {
        let store = Store::connect(&a.database_url).await?;
        store.villages(commune, today).await?.first().map(|v| v.code.clone()).ok_or("xã mẫu không có thôn")?
    };
    let mut visible = Vec::new();
    for i in 0..20 {
        let before: serde_json::Value = client.get(format!("{base}/api/v1/stats/{province}?nam={year}")).send().await?.json().await?;
        let households = before["metrics"]["households"].as_i64().unwrap_or(0);
        let t = Instant::now();
        let res = client
            .post(format!("{base}/api/v1/registries/ho-gia-dinh"))
            .header("x-csrf-token", &csrf)
            .json(&serde_json::json!({"code": format!("HG-BENCH-{i}"), "head_name": "Nguyễn Văn Đo", "village": village}))
            .send()
            .await?;
        if !res.status().is_success() {
            return Err(format!("ghi hộ gia đình: {}", res.text().await?).into());
        }
        loop {
            let after: serde_json::Value = client.get(format!("{base}/api/v1/stats/{province}?nam={year}")).send().await?.json().await?;
            if after["metrics"]["households"].as_i64().unwrap_or(0) > households {
                break;
            }
            if t.elapsed() > Duration::from_secs(10) {
                break;
            }
        }
        visible.push(t.elapsed());
    }
    println!(
        "write → visible in the province dashboard: p50 {:.1} ms, max {:.1} ms (20 writes)",
        percentile_ms(&mut visible, 0.5),
        percentile_ms(&mut visible, 1.0)
    );
    drop(child);
    Ok(ExitCode::SUCCESS)
}
