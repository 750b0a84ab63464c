pub mod admin_units;
pub mod backup;
pub mod bench;
pub mod bench_bulk;
pub mod bench_common;
pub mod bench_dashboard;
pub mod bench_learning;
pub mod bench_national;
pub mod bench_pages;
pub mod bench_public;
pub mod bench_uploads;
pub mod criteria;
pub mod demo;
pub mod demo_citizen;
pub mod demo_learning;
pub mod demo_sites;
pub mod demo_years;
pub mod export;
pub mod fund;
pub mod r#gen;
pub mod import;
pub mod keys;
pub mod learning;
pub mod progress;
pub mod recount;
pub mod routes;
pub mod serve;
pub mod user;

use hoctap_domain::credential::DeploymentKey;
use hoctap_store::Store;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};

/// The database to use: `--database-url`, else `DATABASE_URL`, else `sqlite://hoctap.db`.
#[derive(clap::Args, Debug, Clone)]
pub struct DbArgs {
    #[arg(long, env = "DATABASE_URL", default_value = crate::DEFAULT_DATABASE_URL)]
    pub database_url: String,
}

impl DbArgs {
    /// Connects and migrates.
    pub async fn open(&self) -> Result<Store, hoctap_store::StoreError> {
        let store = Store::connect(&self.database_url).await?;
        store.migrate().await?;
        Ok(store)
    }

    /// Connects for serving ([`Store::connect_serving`]) and migrates.
    pub async fn open_serving(&self) -> Result<Store, hoctap_store::StoreError> {
        let store = Store::connect_serving(&self.database_url).await?;
        store.migrate().await?;
        Ok(store)
    }
}

/// Where this deployment is reached and the key that seals its units' signing keys (serve, demo).
#[derive(clap::Args, Debug, Clone)]
pub struct DeployArgs {
    /// Địa chỉ công khai của hệ thống, ví dụ `https://hoctap.tinh.gov.vn`: chứng chỉ, mã QR, khóa
    /// công khai ghi địa chỉ này (không bao giờ lấy từ yêu cầu). Mặc định http://<địa chỉ lắng nghe>.
    #[arg(long, env = "HOCTAP_PUBLIC_URL")]
    pub public_url: Option<String>,
    /// Tệp khóa triển khai (64 chữ số hex) niêm phong khóa ký của các đơn vị; tạo mới, quyền 0600,
    /// nếu chưa có. Giữ ngoài cơ sở dữ liệu và sao lưu riêng: mất tệp thì các đơn vị phải tạo khóa mới.
    #[arg(long, env = "HOCTAP_SECRET_KEY_FILE", default_value = "hoctap-secret.key")]
    pub secret_key_file: PathBuf,
}

impl DeployArgs {
    /// The configured public address, else `http://{bind}`.
    pub fn public_url(&self, bind: SocketAddr) -> Result<hoctap_http::PublicUrl, String> {
        match &self.public_url {
            Some(u) => hoctap_http::PublicUrl::parse(u),
            None => hoctap_http::PublicUrl::parse(&format!("http://{bind}")),
        }
    }

    /// The deployment key, created on first use; says so, with its fingerprint.
    pub fn deployment_key(&self) -> Result<DeploymentKey, Box<dyn std::error::Error>> {
        let (key, created) = load_or_create_key(&self.secret_key_file)?;
        let verb = if created { "Đã tạo" } else { "Dùng" };
        println!("{verb} khóa triển khai {} (dấu vân tay {}).", self.secret_key_file.display(), key.fingerprint());
        Ok(key)
    }

    /// The store's signing keys made ready for this key: clear keys of an older version sealed.
    pub async fn prepare(
        &self,
        store: &Store,
        bind: SocketAddr,
    ) -> Result<(hoctap_http::PublicUrl, DeploymentKey), Box<dyn std::error::Error>> {
        let public_url = self.public_url(bind)?;
        if self.public_url.is_none() && bind.ip().is_unspecified() {
            println!("Cảnh báo: chưa đặt --public-url (HOCTAP_PUBLIC_URL); chứng chỉ và mã QR sẽ ghi {public_url}.");
        }
        let key = self.deployment_key()?;
        let r = store.prepare_issuer_keys(&key).await?;
        if r != hoctap_store::KeyUpgrade::default() {
            println!(
                "Khóa ký: niêm phong {} khóa cũ, bỏ {} khóa của đơn vị chưa cấp công nhận, tạo {} khóa cho đơn vị đã cấp mà chưa có.",
                r.sealed, r.dropped, r.created
            );
        }
        println!("Địa chỉ công khai: {public_url}");
        Ok((public_url, key))
    }
}

/// Reads the deployment key file (64 hex digits), or creates it (0600) when missing. Creation
/// is atomic: the key is written to a private temporary file and linked into place, so two
/// processes starting at once end with the same key.
pub fn load_or_create_key(path: &Path) -> Result<(DeploymentKey, bool), String> {
    let read = |p: &Path| -> Result<DeploymentKey, String> {
        let text = std::fs::read_to_string(p).map_err(|e| format!("không đọc được tệp khóa triển khai {}: {e}", p.display()))?;
        let bytes: [u8; 32] = hex::decode(text.trim())
            .ok()
            .and_then(|b| b.try_into().ok())
            .ok_or_else(|| format!("tệp khóa triển khai {} phải chứa đúng 64 chữ số hex", p.display()))?;
        Ok(DeploymentKey::from_bytes(bytes))
    };
    if path.exists() {
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            if std::fs::metadata(path).is_ok_and(|m| m.permissions().mode() & 0o077 != 0) {
                eprintln!("Cảnh báo: tệp khóa triển khai {} đọc được bởi người khác; nên chmod 600.", path.display());
            }
        }
        return Ok((read(path)?, false));
    }
    let mut bytes = [0u8; 32];
    rand::RngCore::fill_bytes(&mut rand::rng(), &mut bytes);
    let dir = path.parent().filter(|d| !d.as_os_str().is_empty()).unwrap_or(Path::new("."));
    let tmp = dir.join(format!(".{}.{}.tmp", path.file_name().and_then(|n| n.to_str()).unwrap_or("key"), std::process::id()));
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    let written = options
        .open(&tmp)
        .and_then(|mut f| std::io::Write::write_all(&mut f, format!("{}\n", hex::encode(bytes)).as_bytes()).and_then(|()| f.sync_all()));
    let linked = written.and_then(|()| std::fs::hard_link(&tmp, path));
    let _ = std::fs::remove_file(&tmp);
    match linked {
        Ok(()) => Ok((DeploymentKey::from_bytes(bytes), true)),
        // Another process made it first: use theirs.
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => Ok((read(path)?, false)),
        Err(e) => Err(format!("không tạo được tệp khóa triển khai {}: {e}", path.display())),
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_deployment_key_is_created_once_private_and_read_back() {
        let dir = std::env::temp_dir().join(format!("hoctap-key-{}-{}", std::process::id(), hoctap_app::secret::random_token(4)));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("k.key");
        let (a, created) = super::load_or_create_key(&path).unwrap();
        assert!(created);
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            assert_eq!(std::fs::metadata(&path).unwrap().permissions().mode() & 0o777, 0o600);
        }
        let (b, created) = super::load_or_create_key(&path).unwrap();
        assert!(!created);
        assert_eq!(a.fingerprint(), b.fingerprint());
        std::fs::write(&path, "not hex").unwrap();
        assert!(super::load_or_create_key(&path).unwrap_err().contains("64 chữ số hex"));
        let _ = std::fs::remove_dir_all(&dir);
    }
}
