//! `hoctap backup FILE` and `hoctap restore FILE`: a consistent copy of the whole database while
//! it serves, and its restoration into an empty database. SQLite: `VACUUM INTO` (an online
//! snapshot in one read transaction, compacted); PostgreSQL: `pg_dump --format=custom` and
//! `pg_restore --single-transaction`. The deployment key file is not in the database: back it
//! up separately, or the restored units' signing keys cannot be opened.

use super::DbArgs;
use hoctap_store::{Engine, Store};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

#[derive(clap::Args, Debug)]
pub struct Args {
    /// Tệp sao lưu (SQLite: một tệp cơ sở dữ liệu; PostgreSQL: định dạng custom của pg_dump).
    pub file: PathBuf,
    #[command(flatten)]
    pub db: DbArgs,
}

pub async fn run_backup(a: Args) -> Result<ExitCode, Box<dyn std::error::Error>> {
    let started = std::time::Instant::now();
    let tables = backup(&a.db.database_url, &a.file).await?;
    println!("Đã sao lưu {tables} bảng vào {} trong {:.1} giây.", a.file.display(), started.elapsed().as_secs_f64());
    println!("Nhớ sao lưu riêng tệp khóa triển khai (HOCTAP_SECRET_KEY_FILE).");
    Ok(ExitCode::SUCCESS)
}

pub async fn run_restore(a: Args) -> Result<ExitCode, Box<dyn std::error::Error>> {
    let started = std::time::Instant::now();
    let rows = restore(&a.db.database_url, &a.file).await?;
    println!("Đã khôi phục {} ({rows} dòng) trong {:.1} giây.", a.file.display(), started.elapsed().as_secs_f64());
    println!("Chạy `hoctap recount` để kiểm tra số liệu tổng hợp.");
    Ok(ExitCode::SUCCESS)
}

/// A PostgreSQL client program: `$PG_DUMP`/`$PG_RESTORE`, else the one on the PATH, else the
/// newest under /usr/lib/postgresql (Debian's server packages).
fn pg_program(name: &str) -> PathBuf {
    if let Ok(p) = std::env::var(name.to_uppercase()) {
        return PathBuf::from(p);
    }
    let on_path = std::env::var_os("PATH").and_then(|paths| std::env::split_paths(&paths).map(|d| d.join(name)).find(|p| p.is_file()));
    if let Some(p) = on_path {
        return p;
    }
    let mut versions: Vec<PathBuf> = std::fs::read_dir("/usr/lib/postgresql")
        .map(|d| d.filter_map(|e| e.ok()).map(|e| e.path().join("bin").join(name)).filter(|p| p.is_file()).collect())
        .unwrap_or_default();
    versions.sort_by_key(|p| {
        p.parent().and_then(Path::parent).and_then(|v| v.file_name()).and_then(|v| v.to_str()).and_then(|v| v.parse::<u32>().ok())
    });
    versions.pop().unwrap_or_else(|| PathBuf::from(name))
}

fn run_program(program: &Path, args: &[&std::ffi::OsStr]) -> Result<(), String> {
    let out = std::process::Command::new(program).args(args).output().map_err(|e| {
        format!("không chạy được {} ({e}); cài gói postgresql-client hoặc đặt biến môi trường với đường dẫn", program.display())
    })?;
    if out.status.success() {
        Ok(())
    } else {
        Err(format!("{} thất bại: {}", program.display(), String::from_utf8_lossy(&out.stderr).trim()))
    }
}

fn sqlite_path(url: &str) -> &str {
    let p = url.strip_prefix("sqlite://").unwrap_or(url);
    p.split('?').next().unwrap_or(p)
}

/// Writes a backup of the database at `url` into `file` (which must not exist); returns the
/// number of tables copied.
pub async fn backup(url: &str, file: &Path) -> Result<usize, Box<dyn std::error::Error>> {
    let store = Store::connect(url).await?;
    let tables = store.tables().await?.len();
    if tables == 0 {
        return Err("cơ sở dữ liệu trống: không có gì để sao lưu".into());
    }
    // The copy holds personal data: made empty and private (0600) first, never over another file.
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    options.open(file).map_err(|e| match e.kind() {
        std::io::ErrorKind::AlreadyExists => format!("tệp {} đã có: chọn tên khác (không ghi đè bản sao lưu)", file.display()),
        _ => format!("không tạo được tệp sao lưu {}: {e}", file.display()),
    })?;
    let written = write_backup(&store, url, file).await;
    store.close().await;
    if let Err(e) = written {
        let _ = std::fs::remove_file(file);
        return Err(e);
    }
    Ok(tables)
}

async fn write_backup(store: &Store, url: &str, file: &Path) -> Result<(), Box<dyn std::error::Error>> {
    match store.engine() {
        Engine::Sqlite => {
            let target = file.to_str().ok_or("tên tệp sao lưu phải là UTF-8")?;
            // One read transaction: a consistent snapshot while the server keeps writing; into
            // the empty private file made above.
            store.exec_raw(&format!("VACUUM INTO '{}'", target.replace('\'', "''"))).await?;
        }
        Engine::Postgres => {
            let mut file_arg = std::ffi::OsString::from("--file=");
            file_arg.push(file.as_os_str());
            let db_arg = format!("--dbname={url}");
            run_program(
                &pg_program("pg_dump"),
                &["--format=custom".as_ref(), "--no-owner".as_ref(), "--no-privileges".as_ref(), &file_arg, db_arg.as_ref()],
            )?;
        }
    }
    Ok(())
}

/// Restores a backup into the database at `url`, which must be empty (a new SQLite file, or a
/// PostgreSQL database without tables); then applies any newer migrations. Returns the rows restored.
pub async fn restore(url: &str, file: &Path) -> Result<i64, Box<dyn std::error::Error>> {
    if !file.is_file() {
        return Err(format!("không có tệp sao lưu {}", file.display()).into());
    }
    let engine = if url.starts_with("sqlite:") { Engine::Sqlite } else { Engine::Postgres };
    match engine {
        Engine::Sqlite => {
            let mut head = [0u8; 16];
            std::io::Read::read_exact(&mut std::fs::File::open(file)?, &mut head)
                .map_err(|_| "tệp sao lưu không phải cơ sở dữ liệu SQLite")?;
            if &head != b"SQLite format 3\0" {
                return Err(format!("{} không phải bản sao lưu SQLite", file.display()).into());
            }
            let target = sqlite_path(url);
            if Path::new(target).exists() {
                let store = Store::connect(url).await?;
                let empty = store.table_counts().await?.is_empty();
                store.close().await;
                if !empty {
                    return Err(format!("cơ sở dữ liệu đích {target} đã có dữ liệu: khôi phục vào một tệp mới").into());
                }
            }
            for suffix in ["-wal", "-shm"] {
                let _ = std::fs::remove_file(format!("{target}{suffix}"));
            }
            std::fs::copy(file, target)?;
        }
        Engine::Postgres => {
            let store = Store::connect(url).await?;
            let empty = store.table_counts().await?.is_empty();
            store.close().await;
            if !empty {
                return Err("cơ sở dữ liệu đích đã có bảng: khôi phục vào một cơ sở dữ liệu mới (createdb)".into());
            }
            let db_arg = format!("--dbname={url}");
            run_program(
                &pg_program("pg_restore"),
                &[
                    "--no-owner".as_ref(),
                    "--no-privileges".as_ref(),
                    "--exit-on-error".as_ref(),
                    "--single-transaction".as_ref(),
                    db_arg.as_ref(),
                    file.as_os_str(),
                ],
            )?;
        }
    }
    let store = Store::connect(url).await?;
    store.migrate().await?;
    let rows = store.table_counts().await?.values().sum();
    store.close().await;
    Ok(rows)
}
