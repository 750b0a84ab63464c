//! `hoctap export REGISTRY --unit CODE FILE`: a registry's current rows within a unit, as
//! CSV or as the XLSX template (`.xlsx`), both written as one query streams (memory stays flat
//! for a province of millions). Every export is audited.

use super::DbArgs;
use super::progress::Progress;
use hoctap_docs::registry_xlsx::{ExportFormat, ExportWriter};
use hoctap_domain::registry::def::by_slug;
use hoctap_store::Actor;
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(clap::Args, Debug)]
pub struct Args {
    pub registry: String,
    /// Mã đơn vị (tỉnh, xã, thôn) đang có hiệu lực.
    #[arg(long)]
    pub unit: String,
    /// Tệp ra: .csv hoặc .xlsx.
    pub file: PathBuf,
    #[command(flatten)]
    pub db: DbArgs,
}

pub async fn run(a: Args) -> Result<ExitCode, Box<dyn std::error::Error>> {
    let reg = by_slug(&a.registry).ok_or_else(|| format!("không có sổ \"{}\"", a.registry))?;
    let store = a.db.open().await?;
    let today = hoctap_store::today();
    let unit = store.unit_by_code(&a.unit, today).await?;
    let format = if a.file.extension().is_some_and(|e| e.eq_ignore_ascii_case("xlsx")) { ExportFormat::Xlsx } else { ExportFormat::Csv };
    let mut progress = Progress::new("Xuất");
    // One streamed query over the unit's subtree, written as it arrives (see
    // `Store::registry_export`): memory stays flat whatever the size of the unit.
    let mut out = ExportWriter::new(reg, format, std::fs::File::create(&a.file)?)?;
    let mut done = 0;
    let count = store
        .registry_export(reg, Some(unit.id), today, 2_000, |batch| {
            for r in &batch {
                out.row(&hoctap_app::registries::cells(reg, r))?;
            }
            done += batch.len();
            progress.update(done);
            Ok::<(), Box<dyn std::error::Error>>(())
        })
        .await?;
    out.finish(&unit.name)?;
    progress.finish(count);
    let actor = Actor { user_id: None, username: "hệ thống (dòng lệnh)".into(), unit_id: Some(unit.id) };
    store.audit_export(&actor, reg, Some(unit.id), count, format.code()).await?;
    println!("Đã xuất {count} dòng {} của {} ra {}", reg.title, unit.name, a.file.display());
    Ok(ExitCode::SUCCESS)
}
