//! `hoctap recount`: rebuilds the statistics counters from every record version and every
//! recognition, and reports any counter that differs (there should be none).

use std::process::ExitCode;

#[derive(clap::Args, Debug)]
pub struct Args {
    #[command(flatten)]
    pub db: super::DbArgs,
    /// Ghi lại bộ đếm theo kết quả đếm lại (khi có sai lệch).
    #[arg(long)]
    pub fix: bool,
}

pub async fn run(a: Args) -> Result<ExitCode, Box<dyn std::error::Error>> {
    let store = a.db.open().await?;
    let started = std::time::Instant::now();
    store.rebuild_rebase().await?;
    let report = store.recount(a.fix).await?;
    println!(
        "Đã đếm lại {} phiên bản bản ghi và công nhận; {} bộ đếm đang lưu; {:.1} giây.",
        report.versions,
        report.counters,
        started.elapsed().as_secs_f64()
    );
    if report.drift.is_empty() {
        println!("Không có sai lệch.");
        return Ok(ExitCode::SUCCESS);
    }
    println!("{} bộ đếm sai lệch:", report.drift.len());
    for d in report.drift.iter().take(50) {
        println!("  đơn vị {} · {} · năm {}: đang lưu {}, đếm lại {}", d.unit_id, d.metric, d.year, d.stored, d.recounted);
    }
    if report.fixed {
        println!("Đã ghi lại bộ đếm theo kết quả đếm lại.");
        Ok(ExitCode::SUCCESS)
    } else {
        println!("Chạy lại với --fix để ghi lại bộ đếm.");
        Ok(ExitCode::from(2))
    }
}
