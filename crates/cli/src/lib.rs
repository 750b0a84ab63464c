//! The `hoctap` command: serve, demo, migrate, admin-units, user, criteria, import, export, gen, recount, bench. One file per command.
//! The `hoctap` command: serve, demo, migrate, admin-units, user, bench, fund… One file per command.

pub mod commands;

use clap::{Parser, Subcommand};
use std::process::ExitCode;

/// Default database: an embedded SQLite file beside where the command runs.
pub const DEFAULT_DATABASE_URL: &str = "sqlite://hoctap.db";

#[derive(Parser, Debug)]
#[command(name = "hoctap", version, about = "Hoctap: phần mềm xây dựng xã hội học tập")]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Subcommand, Debug)]
pub enum Command {
    /// Chạy máy chủ web (serve the web application).
    Serve(commands::serve::Args),
    /// Tạo cơ sở dữ liệu mẫu trên đơn vị hành chính thật và chạy máy chủ.
    Demo(commands::demo::Args),
    /// Áp dụng các migration (create or upgrade the schema).
    Migrate(commands::DbArgs),
    /// Đơn vị hành chính: nạp dữ liệu, kiểm tra.
    #[command(name = "admin-units", subcommand)]
    AdminUnits(commands::admin_units::Cmd),
    /// Người dùng.
    #[command(subcommand)]
    User(commands::user::Cmd),
    /// Bộ tiêu chí: liệt kê, xem, kiểm tra tệp, chấm thử.
    #[command(subcommand)]
    Criteria(commands::criteria::Cmd),
    /// Nhập một sổ từ tệp CSV hoặc XLSX (kiểm tra, rồi ghi tất cả hoặc không ghi gì).
    Import(commands::import::Args),
    /// Xuất một sổ của một đơn vị ra CSV hoặc XLSX.
    Export(commands::export::Args),
    /// Đo hiệu năng.
    #[command(subcommand)]
    Bench(commands::bench::Cmd),
    /// Sổ quỹ khuyến học: thu, chi, tồn quỹ của một hội, chi hội.
    #[command(subcommand)]
    Fund(commands::fund::Cmd),
    /// Tạo dữ liệu sổ theo dõi tổng hợp (xã, tỉnh, cả nước) để đo hiệu năng và trình diễn.
    Gen(commands::r#gen::Args),
    /// Đếm lại số liệu tổng hợp từ các sổ và quyết định công nhận, báo sai lệch của bộ đếm.
    Recount(commands::recount::Args),
}

pub fn main() -> ExitCode {
    // HOCTAP_LOG=debug|info|warn|error (a plain level: the regex-based filter cost a minute
    // of every clean build).
    let level = std::env::var("HOCTAP_LOG").ok().and_then(|l| l.parse::<tracing::Level>().ok()).unwrap_or(tracing::Level::INFO);
    tracing_subscriber::fmt().with_max_level(level).with_target(false).init();
    let cli = Cli::parse();
    let runtime = match tokio::runtime::Builder::new_multi_thread().enable_all().build() {
        Ok(r) => r,
        Err(e) => {
            eprintln!("không khởi động được: {e}");
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(run(cli)) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("Lỗi: {e}");
            ExitCode::FAILURE
        }
    }
}

pub async fn run(cli: Cli) -> Result<ExitCode, Box<dyn std::error::Error>> {
    match cli.command {
        Command::Serve(a) => commands::serve::run(a).await,
        Command::Demo(a) => commands::demo::run(a).await,
        Command::Migrate(a) => {
            let store = a.open().await?;
            let applied = store.migrate().await?;
            println!("Đã áp dụng {} migration: {}", applied.len(), applied.join(", "));
            Ok(ExitCode::SUCCESS)
        }
        Command::AdminUnits(c) => commands::admin_units::run(c).await,
        Command::User(c) => commands::user::run(c).await,
        Command::Bench(c) => commands::bench::run(c).await,
        Command::Criteria(c) => commands::criteria::run(c).await,
        Command::Gen(a) => commands::r#gen::run(a).await,
        Command::Import(a) => commands::import::run(a).await,
        Command::Export(a) => commands::export::run(a).await,
        Command::Recount(a) => commands::recount::run(a).await,
        Command::Fund(c) => commands::fund::run(c).await,
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn cli_definition_is_consistent() {
        use clap::CommandFactory;
        super::Cli::command().debug_assert();
    }
}
