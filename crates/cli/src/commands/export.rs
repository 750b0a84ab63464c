//! `hoctap export REGISTRY --unit CODE FILE`: a registry's current rows within a unit, as
//! CSV (streamed in batches) or as the XLSX template (`.xlsx`). Every export is audited.

use super::DbArgs;
use super::progress::Progress;
use hoctap_domain::registry::def::by_slug;
use hoctap_store::{Actor, RegistryQuery};
use std::io::Write;
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
    let xlsx = a.file.extension().is_some_and(|e| e.eq_ignore_ascii_case("xlsx"));
    let mut progress = Progress::new("Xuất");
    let mut q = RegistryQuery { scope: Some(unit.id), limit: 10_000, ..Default::default() };
    let mut all_rows: Vec<Vec<String>> = Vec::new();
    let mut csv_out = if xlsx { None } else { Some(std::io::BufWriter::new(std::fs::File::create(&a.file)?)) };
    if let Some(w) = csv_out.as_mut() {
        // The header and BOM come from the same writer as the web export.
        let head = hoctap_docs::registry_xlsx::csv(reg, &[]);
        w.write_all(head.as_bytes())?;
    }
    let mut count = 0usize;
    loop {
        let batch = store.registry_list(reg, &q, today).await?;
        let rows: Vec<Vec<String>> = batch
            .iter()
            .map(|r| reg.fields.iter().map(|f| r.values.get(f.column).map(|v| v.display(f.ty)).unwrap_or_default()).collect())
            .collect();
        count += rows.len();
        match csv_out.as_mut() {
            Some(w) => {
                let body = hoctap_docs::registry_xlsx::csv(reg, &rows);
                // Skip the BOM and header line the helper writes each time.
                let body = body.split_once('\n').map(|(_, rest)| rest).unwrap_or("");
                w.write_all(body.as_bytes())?;
            }
            None => all_rows.extend(rows),
        }
        progress.update(count);
        let Some(last) = batch.last() else { break };
        if i64::try_from(batch.len()).unwrap_or(0) < q.limit {
            break;
        }
        q.after = Some(last.id);
    }
    if let Some(mut w) = csv_out {
        w.flush()?;
    } else {
        let bytes = hoctap_docs::registry_xlsx::template(reg, &unit.name, &all_rows)?;
        std::fs::write(&a.file, bytes)?;
    }
    progress.finish(count);
    let actor = Actor { user_id: None, username: "hệ thống (dòng lệnh)".into(), unit_id: Some(unit.id) };
    store.audit_export(&actor, reg, Some(unit.id), count, if xlsx { "xlsx" } else { "csv" }).await?;
    println!("Đã xuất {count} dòng {} của {} ra {}", reg.title, unit.name, a.file.display());
    Ok(ExitCode::SUCCESS)
}
