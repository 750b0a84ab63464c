//! `hoctap bench national`: reads a database that `hoctap gen --scale national` filled (issue 19
//! §2) through a server of its own, as officers would: the dashboards of the nation, a province
//! and a commune, and the citizens' registry searched by name without diacritics within a commune
//! and within the province, each under concurrent clients (p50, p95, max). It changes nothing but
//! one bench account (made if missing) and its sessions.

use super::bench_common::{Server, login, percentile_ms, proc_status_kb, serve};
use hoctap_domain::access::{NewPassword, Role, Username};
use hoctap_domain::registry::def::{CITIZENS, Value};
use hoctap_domain::text;
use hoctap_domain::unit::UnitKind;
use hoctap_store::{Actor, NewUser, Store, StoreError};
use std::process::ExitCode;
use std::time::{Duration, Instant};

/// The account the bench signs in with (a system administrator sees the whole country).
const BENCH_USER: &str = "bench.quocgia";

#[derive(clap::Args, Debug)]
pub struct Args {
    /// Cơ sở dữ liệu đã tạo bằng `hoctap gen --scale national`.
    #[arg(long)]
    pub database_url: String,
    /// Mã tỉnh đo (trang tổng hợp, tìm kiếm trong tỉnh); xã đo là xã đầu tiên của tỉnh.
    #[arg(long, default_value = "20")]
    pub province: String,
    /// Số yêu cầu mỗi loại trang tổng hợp.
    #[arg(long, default_value_t = 400)]
    pub requests: usize,
    /// Số tên tìm mỗi phạm vi (lấy từ công dân của xã đo).
    #[arg(long, default_value_t = 200)]
    pub searches: usize,
    /// Số người dùng đồng thời.
    #[arg(long, default_value_t = 4)]
    pub clients: usize,
}

/// Requests `urls` in turn from `clients` concurrent clients; the time of each.
async fn load(client: &reqwest::Client, urls: &[String], clients: usize) -> Result<Vec<Duration>, Box<dyn std::error::Error>> {
    let first = client.get(&urls[0]).send().await?;
    if !first.status().is_success() {
        return Err(format!("{}: {}", urls[0], first.status()).into());
    }
    let mut tasks = Vec::new();
    for k in 0..clients.max(1) {
        let client = client.clone();
        let mine: Vec<String> = urls.iter().skip(k).step_by(clients.max(1)).cloned().collect();
        tasks.push(tokio::spawn(async move {
            let mut times = Vec::with_capacity(mine.len());
            let mut failed = 0;
            for url in mine {
                let t = Instant::now();
                match client.get(&url).send().await {
                    Ok(r) if r.status().is_success() => {
                        let _ = r.bytes().await;
                    }
                    _ => failed += 1,
                }
                times.push(t.elapsed());
            }
            (times, failed)
        }));
    }
    let mut all = Vec::new();
    let mut failed = 0;
    for t in tasks {
        let (times, f) = t.await?;
        all.extend(times);
        failed += f;
    }
    if failed > 0 {
        return Err(format!("{failed} yêu cầu thất bại").into());
    }
    Ok(all)
}

fn line(name: &str, times: &mut [Duration]) {
    println!(
        "{name}: n={} p50={:.1} ms p95={:.1} ms max={:.1} ms",
        times.len(),
        percentile_ms(times, 0.5),
        percentile_ms(times, 0.95),
        percentile_ms(times, 1.0)
    );
}

pub async fn run(a: Args) -> Result<ExitCode, Box<dyn std::error::Error>> {
    let store = Store::connect(&a.database_url).await?;
    let today = hoctap_store::today();
    let province = store.unit_by_code(&a.province, today).await?;
    if province.kind != UnitKind::Province {
        return Err(format!("mã {} không phải tỉnh", a.province).into());
    }
    let commune = store.children(province.id, today).await?.into_iter().find(|u| u.kind == UnitKind::Commune).ok_or("tỉnh không có xã")?;
    let citizens = store.registry_count(&CITIZENS, None, today).await?;
    println!(
        "{:?}: {citizens} công dân; tỉnh {} ({}), xã {} ({})",
        store.engine(),
        province.name,
        province.code,
        commune.name,
        commune.code
    );
    let hash = hoctap_app::secret::hash_password(&NewPassword::parse(super::demo::DEMO_PASSWORD)?).map_err(|e| e.to_string())?;
    let made = store
        .create_user(
            &Actor::system("hoctap bench national"),
            NewUser {
                username: &Username::parse(BENCH_USER)?,
                full_name: "Đo hiệu năng cả nước",
                password_hash: &hash,
                role: Role::SystemAdmin,
                unit_id: province.id,
                must_change_password: false,
            },
        )
        .await;
    match made {
        Ok(_) | Err(StoreError::Conflict { .. }) => {}
        Err(e) => return Err(e.into()),
    }
    // The names searched: the commune's own citizens, folded as an officer types them, whole
    // ("nguyen van an") and the middle and given names only ("van an"), taken evenly over the
    // commune in entry order. Not its first citizens by CCCD: those are men born early in the
    // last century (a CCCD begins with the sex and year of birth), whose names are not the
    // province's usual mix.
    let mut everyone: Vec<String> = Vec::new();
    store
        .registry_export(&CITIZENS, Some(commune.id), today, 10_000, |batch| {
            everyone.extend(batch.iter().filter_map(|r| match r.values.get("full_name") {
                Some(Value::Text(n)) => Some(text::fold(n)),
                _ => None,
            }));
            Ok::<(), StoreError>(())
        })
        .await?;
    let step = (everyone.len() / a.searches.max(1)).max(1);
    let names: Vec<String> = everyone.into_iter().step_by(step).take(a.searches).collect();
    if names.is_empty() {
        return Err("xã đo chưa có công dân: hãy chạy hoctap gen trước".into());
    }
    let short: Vec<String> = names
        .iter()
        .map(|n| {
            let words: Vec<&str> = n.split(' ').collect();
            words[words.len().saturating_sub(2)..].join(" ")
        })
        .collect();
    drop(store);

    let client = reqwest::Client::builder().cookie_store(true).pool_max_idle_per_host(64).build()?;
    let Server { child, base } = serve(&client, &a.database_url, &["--secret-key-file", "/tmp/hoctap-bench-national.key"]).await?;
    login(&client, &base, BENCH_USER).await?;
    let year = today.year();
    let pid = child.id();
    for (name, target) in [("cả nước", "ca-nuoc".to_string()), ("tỉnh", province.id.to_string()), ("xã", commune.id.to_string())] {
        let urls = vec![format!("{base}/tong-hop/{target}?nam={year}"); a.requests];
        line(&format!("trang tổng hợp {name}"), &mut load(&client, &urls, a.clients).await?);
    }
    for (scope, code) in [("xã", &commune.code), ("tỉnh", &province.code)] {
        for (kind, queries) in [("họ tên đầy đủ", &names), ("tên đệm và tên", &short)] {
            let urls: Vec<String> =
                queries.iter().map(|q| format!("{base}/api/v1/registries/cong-dan?q={}&don_vi={code}", q.replace(' ', "%20"))).collect();
            line(&format!("tìm công dân trong {scope} theo {kind}"), &mut load(&client, &urls, a.clients).await?);
        }
    }
    println!("máy chủ: RSS đỉnh {} MB", proc_status_kb(pid, "VmHWM:") / 1024);
    drop(child);
    Ok(ExitCode::SUCCESS)
}
