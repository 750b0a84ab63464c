use super::DbArgs;
use hoctap_http::AppState;
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
    /// Máy chủ thư gửi thông báo, dạng smtp://máy:cổng (không có: thông báo chỉ hiện trong
    /// ứng dụng, thư chờ trong hàng đợi của cơ sở dữ liệu).
    #[arg(long, env = "HOCTAP_SMTP_URL")]
    pub smtp_url: Option<String>,
    /// Địa chỉ người gửi của thư thông báo.
    #[arg(long, default_value = "Hoctap <khong-tra-loi@hoctap.invalid>")]
    pub mail_from: String,
    /// Bao lâu (giây) bộ gửi thư và nhắc hạn chạy một lần.
    #[arg(long, default_value_t = 60)]
    pub mail_every: u64,
}

pub async fn run(a: Args, web: crate::Web) -> Result<ExitCode, Box<dyn std::error::Error>> {
    let store = a.db.open_serving().await?.with_replicas(&a.replica_urls, std::time::Duration::from_secs(a.replica_max_lag))?;
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
    let mailer = match &a.smtp_url {
        Some(url) => Some(hoctap_app::mail::Mailer::new(url, &a.mail_from)?),
        None => {
            println!("Chưa có --smtp-url: thông báo hiện trong ứng dụng, thư chờ trong hàng đợi.");
            None
        }
    };
    // The background worker: reminders of deadlines, daily digests, the mail queue.
    tokio::spawn(hoctap_app::mail::run(store.clone(), mailer, std::time::Duration::from_secs(a.mail_every.max(5))));
    web.bind_and_serve(AppState { store, secure_cookies, trust_proxy: a.trust_proxy, public_url, deployment_key }, a.bind, |addr| {
        println!("Hoctap đang chạy tại http://{addr}");
    })
    .await?;
    Ok(ExitCode::SUCCESS)
}

/// Cookies are `Secure` (and HSTS is sent) when asked, and always when the public address is https:
/// a deployment behind TLS must not hand a session cookie to a plain-HTTP request.
pub fn secure_cookies(flag: bool, public_url: &hoctap_http::PublicUrl) -> bool {
    flag || public_url.as_str().starts_with("https://")
}

#[cfg(test)]
mod tests {
    #[test]
    fn an_https_public_url_makes_cookies_secure() {
        let https = hoctap_http::PublicUrl::parse("https://hoctap.example.vn").unwrap();
        let http = hoctap_http::PublicUrl::parse("http://127.0.0.1:8080").unwrap();
        assert!(super::secure_cookies(false, &https));
        assert!(!super::secure_cookies(false, &http));
        assert!(super::secure_cookies(true, &http));
    }
}
