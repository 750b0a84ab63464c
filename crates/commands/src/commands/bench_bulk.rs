//! `hoctap bench bulk`: a commune's year at real volume through the running server (issue 15):
//! lay 1,000 household dossiers from the registries and score them from a tally sheet
//! (download, check, apply), then the campaign page of 5,000 dossiers filtered by village and
//! state, p50/p95 over many requests. The demo is seeded into a fresh database first.

use super::bench_common::{Server, fresh_store, login, percentile_ms, serve};
use std::process::ExitCode;
use std::time::Instant;

#[derive(clap::Args, Debug)]
pub struct Args {
    #[arg(long, default_value = "sqlite:///tmp/hoctap-bench-bulk.db")]
    pub database_url: String,
    /// Số hộ lập và chấm hàng loạt.
    #[arg(long, default_value_t = 1000)]
    pub households: usize,
    /// Số hồ sơ của đợt dùng để đo trang lọc.
    #[arg(long, default_value_t = 5000)]
    pub page_dossiers: usize,
    /// Số lần mở trang đợt đánh giá.
    #[arg(long, default_value_t = 200)]
    pub requests: usize,
}

/// Households `B<tag>-00001`… spread over the villages, as a CSV the registry import reads.
fn households_csv(tag: &str, n: usize, villages: &[String]) -> Vec<u8> {
    let given = ["An", "Bình", "Cường", "Dũng", "Hà", "Khoa", "Lan", "Minh", "Nam", "Phúc"];
    let mut csv = String::from("code,head_name,village\n");
    for i in 0..n {
        let v = &villages[i % villages.len()];
        csv.push_str(&format!("B{tag}-{i:05},Lục Văn {},{v}\n", given[i % given.len()]));
    }
    csv.into_bytes()
}

struct Api {
    client: reqwest::Client,
    base: String,
    csrf: String,
}

impl Api {
    async fn post(&self, path: &str, body: serde_json::Value) -> Result<serde_json::Value, Box<dyn std::error::Error>> {
        let r = self.client.post(format!("{}{path}", self.base)).header("x-csrf-token", &self.csrf).json(&body).send().await?;
        let status = r.status();
        let v: serde_json::Value = r.json().await?;
        if !status.is_success() {
            return Err(format!("{path}: {status} {v}").into());
        }
        Ok(v)
    }

    async fn post_bytes(&self, path: &str, body: Vec<u8>) -> Result<serde_json::Value, Box<dyn std::error::Error>> {
        let r = self.client.post(format!("{}{path}", self.base)).header("x-csrf-token", &self.csrf).body(body).send().await?;
        let status = r.status();
        let v: serde_json::Value = r.json().await?;
        if !status.is_success() {
            return Err(format!("{path}: {status} {}", v.to_string().chars().take(500).collect::<String>()).into());
        }
        Ok(v)
    }
}

pub async fn run(a: Args) -> Result<ExitCode, Box<dyn std::error::Error>> {
    let store = fresh_store(&a.database_url).await?;
    let (_, commune) = super::demo::seed(&store).await?;
    let villages: Vec<(i64, String)> = store.villages(commune, hoctap_store::today()).await?.into_iter().map(|v| (v.id, v.code)).collect();
    let set = store.criteria_set("gdht", None).await?.set;
    store.close().await;
    let codes: Vec<String> = villages.iter().map(|(_, c)| c.clone()).collect();

    let client = reqwest::Client::builder().cookie_store(true).build()?;
    let Server { child, base } = serve(&client, &a.database_url, &[]).await?;
    let result = async {
        let csrf = login(&client, &base, "xa.canbo").await?;
        let api = Api { client: client.clone(), base: base.clone(), csrf };
        api.post_bytes("/api/v1/registries/ho-gia-dinh/import?dry_run=false", households_csv("A", a.households, &codes)).await?;
        let c = api.post("/api/v1/campaigns", serde_json::json!({"year": "2026", "set_id": "gdht"})).await?;
        let cid = c["id"].as_i64().unwrap_or_default();

        // Lay, download the tally sheet, fill it, check it, apply it: what an officer waits for.
        let t = Instant::now();
        let laid = api.post(&format!("/api/v1/campaigns/{cid}/assessments/bulk"), serde_json::json!({})).await?;
        let t_lay = t.elapsed();
        let xlsx = client.get(format!("{base}/api/v1/campaigns/{cid}/tally.xlsx")).send().await?.bytes().await?;
        let t_download = t.elapsed() - t_lay;
        let columns = hoctap_app::bulk::tally_columns(&set);
        let rows = hoctap_docs::table::read_table_with(&xlsx, &hoctap_docs::tally_xlsx::column_specs(&columns))?;
        let mut csv = String::from("ma_ho_so,G1.CT1,G3.CT1,G4.CT1,nguoi_lon,nguoi_lon_cdht\n");
        for (i, r) in rows.iter().enumerate() {
            let g1 = if i % 10 == 0 { "Không đạt" } else { "Đạt" };
            csv.push_str(&format!("{},{g1},Đạt,Đạt,3,2\n", r.get(hoctap_docs::tally_xlsx::DOSSIER)));
        }
        let t2 = Instant::now();
        let checked = api.post_bytes(&format!("/api/v1/campaigns/{cid}/tally"), csv.clone().into_bytes()).await?;
        let t_check = t2.elapsed();
        let applied = api.post_bytes(&format!("/api/v1/campaigns/{cid}/tally?dry_run=false"), csv.into_bytes()).await?;
        let t_apply = t2.elapsed() - t_check;
        let total = t.elapsed();
        println!(
            "lay {} + score from a tally sheet: lay {:.2} s, download {:.2} s ({} rows, {:.0} KB), check {:.2} s, apply {:.2} s ({} rescored, applied {}); total {:.2} s",
            laid["created"],
            t_lay.as_secs_f64(),
            t_download.as_secs_f64(),
            rows.len(),
            xlsx.len() as f64 / 1024.0,
            t_check.as_secs_f64(),
            t_apply.as_secs_f64(),
            checked["to_update"],
            applied["applied"],
            total.as_secs_f64()
        );

        // A campaign of `page_dossiers` dossiers (another year), its page filtered.
        let more = a.page_dossiers.saturating_sub(a.households);
        if more > 0 {
            api.post_bytes("/api/v1/registries/ho-gia-dinh/import?dry_run=false", households_csv("B", more, &codes)).await?;
        }
        let c = api.post("/api/v1/campaigns", serde_json::json!({"year": "2025", "set_id": "gdht"})).await?;
        let big = c["id"].as_i64().unwrap_or_default();
        let t = Instant::now();
        let laid = api.post(&format!("/api/v1/campaigns/{big}/assessments/bulk"), serde_json::json!({})).await?;
        println!("campaign of {} dossiers laid in {:.2} s", laid["created"], t.elapsed().as_secs_f64());
        let village = villages.first().map(|(id, _)| *id).unwrap_or_default();
        for (name, path) in [
            ("filtered by village and state", format!("/dot-danh-gia/{big}?thon={village}&trang_thai=draft")),
            ("filtered by result", format!("/dot-danh-gia/{big}?ket_qua=chua-du")),
            ("unfiltered, first page", format!("/dot-danh-gia/{big}")),
            ("API list filtered", format!("/api/v1/campaigns/{big}/dossiers?village={village}&state=draft")),
        ] {
            let mut times = Vec::with_capacity(a.requests);
            for _ in 0..a.requests {
                let t = Instant::now();
                let r = client.get(format!("{base}{path}")).send().await?;
                if !r.status().is_success() {
                    return Err(format!("{path}: {}", r.status()).into());
                }
                let _ = r.bytes().await?;
                times.push(t.elapsed());
            }
            println!("campaign page {name}: p50 {:.1} ms, p95 {:.1} ms ({} requests)", percentile_ms(&mut times, 0.5), percentile_ms(&mut times, 0.95), a.requests);
        }
        Ok::<(), Box<dyn std::error::Error>>(())
    }
    .await;
    drop(child);
    result?;
    Ok(ExitCode::SUCCESS)
}
