//! `hoctap keys`: the issuing units' signing keys: list what a unit has published, rotate a
//! unit's key, re-seal every key under a new deployment key file.

use super::DbArgs;
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(clap::Subcommand, Debug)]
pub enum Cmd {
    /// Liệt kê các khóa ký (công khai) của một đơn vị.
    List {
        /// Mã đơn vị (hiện hành).
        #[arg(long)]
        unit: String,
        #[command(flatten)]
        db: DbArgs,
    },
    /// Thay khóa ký của một đơn vị: khóa mới ký từ nay, khóa cũ vẫn công bố để xác minh chứng chỉ đã cấp.
    Rotate {
        /// Mã đơn vị (hiện hành).
        #[arg(long)]
        unit: String,
        #[command(flatten)]
        db: DbArgs,
        /// Tệp khóa triển khai (xem `hoctap serve --help`).
        #[arg(long, env = "HOCTAP_SECRET_KEY_FILE", default_value = "hoctap-secret.key")]
        secret_key_file: PathBuf,
    },
    /// Thay tệp khóa triển khai: niêm phong lại mọi khóa ký bằng khóa triển khai mới (tạo tệp mới nếu chưa có), trong một giao dịch.
    Reseal {
        #[command(flatten)]
        db: DbArgs,
        /// Tệp khóa triển khai đang dùng.
        #[arg(long, env = "HOCTAP_SECRET_KEY_FILE", default_value = "hoctap-secret.key")]
        secret_key_file: PathBuf,
        /// Tệp khóa triển khai mới; sau đó khởi động máy chủ với tệp này.
        #[arg(long)]
        new_key_file: PathBuf,
    },
}

pub async fn run(c: Cmd) -> Result<ExitCode, Box<dyn std::error::Error>> {
    match c {
        Cmd::List { unit, db } => {
            let store = db.open().await?;
            let u = store.unit_by_code(&unit, hoctap_store::today()).await?;
            let keys = store.issuer_public_keys(u.id).await?;
            if keys.is_empty() {
                println!("{} chưa cấp công nhận nào nên chưa có khóa ký.", u.name);
            }
            for k in keys {
                let state = if k.retired_at.is_empty() { "đang ký".to_string() } else { format!("thôi ký từ {}", k.retired_at) };
                println!("key-{}  tạo {}  {state}", k.version, k.created_at);
            }
            Ok(ExitCode::SUCCESS)
        }
        Cmd::Rotate { unit, db, secret_key_file } => {
            if !secret_key_file.exists() {
                return Err(format!("không có tệp khóa triển khai {}: dùng đúng tệp mà máy chủ dùng", secret_key_file.display()).into());
            }
            let store = db.open().await?;
            let (key, _) = super::load_or_create_key(&secret_key_file)?;
            let u = store.unit_by_code(&unit, hoctap_store::today()).await?;
            // The key file must be the one the unit's keys are sealed with.
            store.issuer_signing_key(u.id, &key).await?;
            let version = store.rotate_issuer_key(&hoctap_store::Actor::system("hoctap keys rotate"), u.id, &key).await?;
            println!("{}: khóa ký mới key-{version}; các khóa cũ vẫn được công bố để xác minh.", u.name);
            Ok(ExitCode::SUCCESS)
        }
        Cmd::Reseal { db, secret_key_file, new_key_file } => {
            if !secret_key_file.exists() {
                return Err(format!("không có tệp khóa triển khai {}", secret_key_file.display()).into());
            }
            let store = db.open().await?;
            let (old, _) = super::load_or_create_key(&secret_key_file)?;
            let (new, _) = super::load_or_create_key(&new_key_file)?;
            let n = store.reseal_issuer_keys(&old, &new).await?;
            println!(
                "Đã niêm phong lại {n} khóa ký bằng {} (dấu vân tay {}); khởi động máy chủ với --secret-key-file {} và giữ tệp cũ đến khi chắc chắn.",
                new_key_file.display(),
                new.fingerprint(),
                new_key_file.display()
            );
            Ok(ExitCode::SUCCESS)
        }
    }
}
