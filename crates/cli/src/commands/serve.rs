use super::DbArgs;
use hoctap_web::AppState;
use std::net::SocketAddr;
use std::process::ExitCode;

#[derive(clap::Args, Debug)]
pub struct Args {
    /// Địa chỉ lắng nghe.
    #[arg(long, default_value = "127.0.0.1:8080")]
    pub bind: SocketAddr,
    #[command(flatten)]
    pub db: DbArgs,
    /// Đặt cờ Secure cho cookie và gửi HSTS (tự bật khi --public-url là https://).
    #[arg(long)]
    pub secure_cookies: bool,
    #[command(flatten)]
    pub deploy: super::DeployArgs,
    /// Chạy sau reverse proxy: lấy địa chỉ máy khách từ X-Forwarded-For (địa chỉ cuối cùng do
    /// proxy thêm vào) để chống dò mật khẩu theo địa chỉ. Không bật khi không có proxy.
    #[arg(long)]
    pub trust_proxy: bool,
    /// Bản sao đọc (PostgreSQL hot standby, nhân bản luồng), có thể lặp lại: trang tổng hợp, báo cáo,
    /// danh sách, xuất tệp đọc từ bản sao; mọi thao tác ghi vào máy chủ chính. Phiên vừa ghi chỉ đọc
    /// từ bản sao đã phát lại đến lần ghi của mình.
    #[arg(long = "replica-url", env = "HOCTAP_REPLICA_URLS", value_delimiter = ',')]
    pub replica_urls: Vec<String>,
    /// Bản sao chậm hơn số giây này thì tạm bỏ qua (đọc từ máy chủ chính).
    #[arg(long, default_value_t = 30)]
    pub replica_max_lag: u64,
}

pub async fn run(a: Args) -> Result<ExitCode, Box<dyn std::error::Error>> {
    let store = a.db.open().await?.with_replicas(&a.replica_urls, std::time::Duration::from_secs(a.replica_max_lag))?;
    if store.has_replicas() {
        println!("Đọc từ {} bản sao (bỏ qua bản sao chậm hơn {} giây).", a.replica_urls.len(), a.replica_max_lag);
    }
    if !store.admin_units_loaded().await? {
        println!("Đang nạp đơn vị hành chính lần đầu…");
        let r = store.load_admin_units().await?;
        println!("Đã nạp {} đơn vị trong {:.1} giây.", r.units, r.seconds);
    }
    let added = store.load_shipped_criteria(&hoctap_store::Actor::system("khởi động")).await?;
    if added > 0 {
        println!("Đã nạp {added} bộ tiêu chí mới từ data/criteria.");
    }
    let (public_url, deployment_key) = a.deploy.prepare(&store, a.bind).await?;
    let secure_cookies = secure_cookies(a.secure_cookies, &public_url);
    if secure_cookies {
        println!("Cookie có cờ Secure, trả lời kèm HSTS (địa chỉ công khai là https).");
    }
    hoctap_web::serve(AppState { store, secure_cookies, trust_proxy: a.trust_proxy, public_url, deployment_key }, a.bind, |addr| {
        println!("Hoctap đang chạy tại http://{addr}");
    })
    .await?;
    Ok(ExitCode::SUCCESS)
}

/// Cookies are `Secure` (and HSTS is sent) when asked, and always when the public address is https:
/// a deployment behind TLS must not hand a session cookie to a plain-HTTP request.
pub fn secure_cookies(flag: bool, public_url: &hoctap_web::PublicUrl) -> bool {
    flag || public_url.as_str().starts_with("https://")
}

#[cfg(test)]
mod tests {
    #[test]
    fn an_https_public_url_makes_cookies_secure() {
        let https = hoctap_web::PublicUrl::parse("https://hoctap.example.vn").unwrap();
        let http = hoctap_web::PublicUrl::parse("http://127.0.0.1:8080").unwrap();
        assert!(super::secure_cookies(false, &https));
        assert!(!super::secure_cookies(false, &http));
        assert!(super::secure_cookies(true, &http));
    }
}
