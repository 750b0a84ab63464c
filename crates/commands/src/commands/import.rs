//! `hoctap import REGISTRY FILE [--dry-run]`: a registry from a CSV or XLSX file of any size,
//! streamed in chunks inside one transaction (all rows or none), with progress.

use super::DbArgs;
use super::progress::Progress;
use hoctap_domain::registry::def::by_slug;
use hoctap_store::{Actor, ImportRow, RowOutcome};
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(clap::Args, Debug)]
pub struct Args {
    /// Sổ: ho-gia-dinh, cong-dan, dong-ho, ho-thuoc-dong-ho, co-quan-don-vi, tt-htcd, hoi-khuyen-hoc, hoi-vien, quy-khuyen-hoc.
    pub registry: String,
    pub file: PathBuf,
    /// Chỉ kiểm tra, không ghi.
    #[arg(long)]
    pub dry_run: bool,
    /// Giới hạn trong phạm vi một đơn vị (mã đang có hiệu lực); mặc định cả nước.
    #[arg(long)]
    pub unit: Option<String>,
    #[command(flatten)]
    pub db: DbArgs,
}

pub async fn run(a: Args) -> Result<ExitCode, Box<dyn std::error::Error>> {
    let reg = by_slug(&a.registry).ok_or_else(|| {
        format!(
            "không có sổ \"{}\"; các sổ: {}",
            a.registry,
            hoctap_domain::registry::def::REGISTRIES.iter().map(|r| r.slug).collect::<Vec<_>>().join(", ")
        )
    })?;
    let store = a.db.open().await?;
    let today = hoctap_store::today();
    let scope = match &a.unit {
        Some(code) => Some(store.unit_by_code(code, today).await?.id),
        None => None,
    };
    let (tx, rx) = tokio::sync::mpsc::channel::<hoctap_store::ImportChunk>(4);
    let specs = hoctap_docs::registry_xlsx::column_specs(reg);
    let path = a.file.clone();
    // The file is read on a blocking thread; the bounded channel keeps memory constant. A
    // reader that fails halfway says so on the channel, and nothing is written.
    let reader = tokio::task::spawn_blocking(move || {
        let read = hoctap_docs::table_stream::stream_table(&path, &specs, hoctap_store::IMPORT_CHUNK, |rows| {
            let chunk: Vec<ImportRow> = rows.into_iter().map(|r| ImportRow { line: r.line, cells: r.cells, kinds: r.kinds }).collect();
            tx.blocking_send(Ok(chunk)).is_ok()
        });
        if let Err(e) = &read {
            let _ = tx.blocking_send(Err(e.to_string()));
        }
        read
    });
    let mut progress = Progress::new(if a.dry_run { "Kiểm tra" } else { "Nhập" });
    let actor = Actor { user_id: None, username: "hệ thống (dòng lệnh)".into(), unit_id: scope };
    let report = store
        .registry_import_stream(&actor, reg, rx, hoctap_store::ImportOptions { scope, on: today, dry_run: a.dry_run }, |n| {
            progress.update(n)
        })
        .await?;
    let read = reader.await?.map_err(|e| e.to_string())?;
    progress.finish(read);
    for (line, outcome) in report.rows.iter().filter(|(_, o)| matches!(o, RowOutcome::Reject { .. })).take(50) {
        if let RowOutcome::Reject { errors } = outcome {
            for (col, msg) in errors {
                if col.is_empty() {
                    println!("Dòng {line}: {msg}");
                } else {
                    println!("Dòng {line}, cột {col}: {msg}");
                }
            }
        }
    }
    if report.rejected > 50 {
        println!("… và {} dòng lỗi khác", report.rejected - 50);
    }
    println!(
        "{}: {} dòng đọc; thêm mới {}, cập nhật {}, không đổi {}, lỗi {}.",
        if report.applied {
            "Đã ghi"
        } else if a.dry_run {
            "Kiểm tra (chưa ghi)"
        } else {
            "Không ghi gì"
        },
        read,
        report.to_create,
        report.to_update,
        report.unchanged,
        report.rejected
    );
    Ok(if report.rejected > 0 { ExitCode::FAILURE } else { ExitCode::SUCCESS })
}
