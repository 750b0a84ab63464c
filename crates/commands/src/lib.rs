//! The `hoctap` command: serve, demo, migrate, admin-units, user, criteria, import, export, gen, recount, backup, restore,
//! keys, bench, fund, routes, learning. One file per command.

pub mod commands;

use clap::{Parser, Subcommand};
use std::future::Future;
use std::net::SocketAddr;
use std::pin::Pin;
use std::process::ExitCode;

/// The server running until Ctrl-C, as `Web::serve` returns it.
pub type Serving = Pin<Box<dyn Future<Output = std::io::Result<()>> + Send>>;

/// The web server, handed in by the binary. The commands do not link `hoctap-web` (the pages and
/// the API), so this crate compiles beside them rather than after them (issue 13: the first build).
#[derive(Clone, Copy)]
pub struct Web {
    /// Serves the application on a bound listener until Ctrl-C (`hoctap_web::serve`).
    pub serve: fn(hoctap_http::AppState, tokio::net::TcpListener) -> Serving,
    /// Every (method, path pattern) the router answers (`hoctap_web::route_table`).
    pub route_table: fn() -> Vec<(axum::http::Method, String)>,
}

impl Web {
    /// Binds `addr`, tells `ready` the address bound (port 0 picks one), then serves until Ctrl-C.
    pub async fn bind_and_serve(
        self,
        state: hoctap_http::AppState,
        addr: SocketAddr,
        ready: impl FnOnce(SocketAddr),
    ) -> std::io::Result<()> {
        let listener = tokio::net::TcpListener::bind(addr).await?;
        ready(listener.local_addr()?);
        (self.serve)(state, listener).await
    }

    /// Serves on a free loopback port in a task of its own (the benches' server); returns its address.
    pub async fn spawn_on_loopback(self, state: hoctap_http::AppState) -> std::io::Result<SocketAddr> {
        let listener = tokio::net::TcpListener::bind(SocketAddr::from(([127, 0, 0, 1], 0))).await?;
        let addr = listener.local_addr()?;
        tokio::spawn((self.serve)(state, listener));
        Ok(addr)
    }
}

/// Default database: an embedded SQLite file beside where the command runs.
pub const DEFAULT_DATABASE_URL: &str = "sqlite://hoctap.db";

#[derive(Parser, Debug)]
#[command(name = "hoctap", version, about = "Hoctap: phần mềm xây dựng xã hội học tập")]
pub struct Cli {
    /// Dạng nhật ký: `text` (đọc bằng mắt) hoặc `json` (mỗi dòng một đối tượng JSON, cho hệ thống thu nhật ký).
    #[arg(long, global = true, value_enum, default_value_t = LogFormat::Text, env = "HOCTAP_LOG_FORMAT")]
    pub log_format: LogFormat,
    #[command(subcommand)]
    pub command: Command,
}

/// How log lines are written to standard error.
#[derive(clap::ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum LogFormat {
    Text,
    Json,
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
    /// Sao lưu toàn bộ cơ sở dữ liệu vào một tệp (SQLite: sao lưu trực tuyến; PostgreSQL: pg_dump).
    Backup(commands::backup::Args),
    /// Khôi phục một bản sao lưu vào cơ sở dữ liệu trống (SQLite: tệp mới; PostgreSQL: pg_restore).
    Restore(commands::backup::Args),
    /// Khóa ký của các đơn vị cấp công nhận: liệt kê, thay khóa.
    #[command(subcommand)]
    Keys(commands::keys::Cmd),
    /// Liệt kê các tuyến (phương thức, đường dẫn) mà máy chủ trả lời.
    Routes(commands::routes::Args),
    /// Hoạt động học tập của trung tâm học tập cộng đồng: danh sách chủ đề.
    #[command(subcommand)]
    Learning(commands::learning::Cmd),
}

pub fn main(web: Web) -> ExitCode {
    let cli = Cli::parse();
    init_logging(cli.log_format);
    let runtime = match tokio::runtime::Builder::new_multi_thread().enable_all().build() {
        Ok(r) => r,
        Err(e) => {
            eprintln!("không khởi động được: {e}");
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(run(cli, web)) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("Lỗi: {e}");
            ExitCode::FAILURE
        }
    }
}

pub async fn run(cli: Cli, web: Web) -> Result<ExitCode, Box<dyn std::error::Error>> {
    match cli.command {
        Command::Serve(a) => commands::serve::run(a, web).await,
        Command::Demo(a) => commands::demo::run(a, web).await,
        Command::Migrate(a) => {
            let store = a.open().await?;
            let applied = store.migrate().await?;
            println!("Đã áp dụng {} migration: {}", applied.len(), applied.join(", "));
            Ok(ExitCode::SUCCESS)
        }
        Command::AdminUnits(c) => commands::admin_units::run(c).await,
        Command::User(c) => commands::user::run(c).await,
        Command::Bench(c) => commands::bench::run(c, web).await,
        Command::Criteria(c) => commands::criteria::run(c).await,
        Command::Gen(a) => commands::r#gen::run(a).await,
        Command::Import(a) => commands::import::run(a).await,
        Command::Export(a) => commands::export::run(a).await,
        Command::Recount(a) => commands::recount::run(a).await,
        Command::Learning(c) => commands::learning::run(c).await,
        Command::Fund(c) => commands::fund::run(c).await,
        Command::Backup(a) => commands::backup::run_backup(a).await,
        Command::Restore(a) => commands::backup::run_restore(a).await,
        Command::Keys(c) => commands::keys::run(c).await,
        Command::Routes(a) => commands::routes::run(a, web),
    }
}

/// Which log lines are kept: `RUST_LOG` (or `HOCTAP_LOG`) as a list of `target=level` directives, e.g.
/// `info`, `warn,hoctap_store=debug`, `sqlx=warn`; default `info`. Directives are parsed by
/// `tracing_subscriber`'s `Targets` (no regular expressions: the regex-based `EnvFilter` cost a minute of
/// every clean build). Logs go to standard error; request spans carry no query strings and no personal data.
pub fn log_filter(directives: Option<&str>) -> tracing_subscriber::filter::Targets {
    let default = || tracing_subscriber::filter::Targets::new().with_default(tracing::Level::INFO);
    match directives.map(str::trim).filter(|d| !d.is_empty()) {
        Some(d) => d.parse().unwrap_or_else(|e| {
            eprintln!("RUST_LOG không hợp lệ ({e}); dùng mức info");
            default()
        }),
        None => default(),
    }
}

fn init_logging(format: LogFormat) {
    use tracing_subscriber::layer::SubscriberExt;
    use tracing_subscriber::util::SubscriberInitExt;
    let directives = std::env::var("RUST_LOG").or_else(|_| std::env::var("HOCTAP_LOG")).ok();
    let filter = log_filter(directives.as_deref());
    // The builder's own maximum is INFO unless raised: the directives decide, so that
    // `RUST_LOG=hoctap_store=debug` (or `sqlx=debug`, each statement and its time) is heard.
    let builder = tracing_subscriber::fmt()
        .with_max_level(tracing::level_filters::LevelFilter::TRACE)
        .with_writer(std::io::stderr)
        .with_target(false);
    let _ = match format {
        LogFormat::Text => builder.finish().with(filter).try_init(),
        LogFormat::Json => builder.json().with_current_span(true).with_span_list(false).finish().with(filter).try_init(),
    };
}

#[cfg(test)]
mod tests {
    #[test]
    fn log_directives_keep_levels_per_target() {
        let f = super::log_filter(Some("warn,hoctap_store=debug"));
        assert!(f.would_enable("hoctap_store", &tracing::Level::DEBUG));
        assert!(!f.would_enable("hoctap_web", &tracing::Level::INFO));
        assert!(f.would_enable("hoctap_web", &tracing::Level::WARN));
        let default = super::log_filter(None);
        assert!(default.would_enable("hoctap_web", &tracing::Level::INFO));
        assert!(!default.would_enable("hoctap_web", &tracing::Level::DEBUG));
        // A typo does not silence the server: it falls back to info.
        assert!(super::log_filter(Some("=,,==")).would_enable("x", &tracing::Level::INFO));
    }

    #[test]
    fn cli_definition_is_consistent() {
        use clap::CommandFactory;
        super::Cli::command().debug_assert();
    }
}
