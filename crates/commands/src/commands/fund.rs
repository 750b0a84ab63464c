//! `hoctap fund`: a branch's fund ledger (sổ quỹ khuyến học) from the command line, for the
//! operator who closes the books or answers a question without the web pages.

use super::DbArgs;
use std::process::ExitCode;

#[derive(clap::Subcommand, Debug)]
pub enum Cmd {
    /// Thu, chi, tồn quỹ một năm của một hội, chi hội (theo nội dung, đã trừ bút toán đảo).
    Balance {
        /// Mã hội, chi hội.
        #[arg(long)]
        branch: String,
        /// Năm; mặc định năm nay.
        #[arg(long)]
        year: Option<i16>,
        /// text (bảng) hoặc json.
        #[arg(long, default_value = "text")]
        format: String,
        #[command(flatten)]
        db: DbArgs,
    },
}

pub async fn run(c: Cmd) -> Result<ExitCode, Box<dyn std::error::Error>> {
    match c {
        Cmd::Balance { branch, year, format, db } => {
            let store = db.open().await?;
            let branch = store.branch_by_code(&branch).await?;
            let year = year.unwrap_or_else(|| hoctap_store::today().year());
            let b = store.fund_balance(&branch.code, year).await?;
            if format == "json" {
                println!("{}", serde_json::json!({"branch": branch.code, "name": branch.name, "balance": b}));
                return Ok(ExitCode::SUCCESS);
            }
            println!("Sổ quỹ {} ({}) năm {year}, đồng", branch.name, branch.code);
            println!("  {:<36} {:>16}", "Tồn đầu năm", b.opening.grouped());
            for l in b.receipts.iter().chain(&b.payments) {
                println!("  {:<36} {:>16}", l.label, l.amount.grouped());
            }
            println!("  {:<36} {:>16}", "Tổng thu", b.total_receipts.grouped());
            println!("  {:<36} {:>16}", "Tổng chi", b.total_payments.grouped());
            println!("  {:<36} {:>16}", "Tồn cuối năm", b.closing.grouped());
            Ok(ExitCode::SUCCESS)
        }
    }
}
