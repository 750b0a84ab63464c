use super::DbArgs;
use std::process::ExitCode;

#[derive(clap::Subcommand, Debug)]
pub enum Cmd {
    /// Nạp dữ liệu đơn vị hành chính (trước và sau 01/07/2025, kèm lịch sử sáp nhập).
    Import(DbArgs),
    /// Báo cáo các thiếu sót đã biết của dữ liệu và vi phạm ràng buộc.
    Check {
        #[command(flatten)]
        db: DbArgs,
        /// In kết quả dạng JSON.
        #[arg(long)]
        json: bool,
    },
}

pub async fn run(c: Cmd) -> Result<ExitCode, Box<dyn std::error::Error>> {
    match c {
        Cmd::Import(db) => {
            let store = db.open().await?;
            let r = store.load_admin_units().await?;
            if r.already_loaded {
                println!("Dữ liệu đơn vị hành chính đã có; không nạp lại.");
            } else {
                println!(
                    "Đã nạp {} đơn vị, {} quan hệ trực thuộc, {} dòng tổ tiên, {} sự kiện ({} liên kết) lịch sử trong {:.2} giây ({:.0} dòng/giây); {} đơn vị giữ nguyên qua 01/07/2025.",
                    r.units,
                    r.parent_edges,
                    r.closure_rows,
                    r.lineage_events,
                    r.lineage_links,
                    r.seconds,
                    r.rows() as f64 / r.seconds.max(1e-9),
                    r.kept_identity
                );
            }
            Ok(ExitCode::SUCCESS)
        }
        Cmd::Check { db, json } => {
            let store = db.open().await?;
            let g = store.admin_units_check(hoctap_store::today()).await?;
            if json {
                println!("{}", serde_json::to_string_pretty(&g)?);
            } else {
                let show = |title: &str, v: &Vec<(String, String)>| {
                    println!("{title}: {}", v.len());
                    for (c, n) in v.iter().take(10) {
                        println!("  {c} {n}");
                    }
                    if v.len() > 10 {
                        println!("  … và {} đơn vị khác (dùng --json để xem hết)", v.len() - 10);
                    }
                };
                println!(
                    "Số đơn vị ngày 31/12/2024: {}",
                    g.counts_2024.iter().map(|(k, n)| format!("{k} {n}")).collect::<Vec<_>>().join(", ")
                );
                println!("Số đơn vị hôm nay: {}", g.counts_today.iter().map(|(k, n)| format!("{k} {n}")).collect::<Vec<_>>().join(", "));
                show("Xã cũ không có đơn vị kế thừa (đã sáp nhập 2023–2025, dữ liệu chưa có)", &g.legacy_without_successor);
                show("Xã mới không có đơn vị tiền thân (đặc khu lập từ huyện không có xã)", &g.current_without_predecessor);
                show("Đơn vị hiện hành không có đơn vị cấp trên (vi phạm)", &g.orphans_today);
                println!("Mã trùng giữa các đơn vị đang có hiệu lực (vi phạm): {}", g.duplicate_codes_today.len());
            }
            Ok(if g.has_violations() { ExitCode::FAILURE } else { ExitCode::SUCCESS })
        }
    }
}
