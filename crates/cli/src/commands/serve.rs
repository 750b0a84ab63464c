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
    /// Đặt cờ Secure cho cookie (khi chạy sau HTTPS).
    #[arg(long)]
    pub secure_cookies: bool,
    #[command(flatten)]
    pub deploy: super::DeployArgs,
    /// Chạy sau reverse proxy: lấy địa chỉ máy khách từ X-Forwarded-For (địa chỉ cuối cùng do
    /// proxy thêm vào) để chống dò mật khẩu theo địa chỉ. Không bật khi không có proxy.
    #[arg(long)]
    pub trust_proxy: bool,
}

pub async fn run(a: Args) -> Result<ExitCode, Box<dyn std::error::Error>> {
    let store = a.db.open().await?;
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
    hoctap_web::serve(
        AppState { store, secure_cookies: a.secure_cookies, trust_proxy: a.trust_proxy, public_url, deployment_key },
        a.bind,
        |addr| {
            println!("Hoctap đang chạy tại http://{addr}");
        },
    )
    .await?;
    Ok(ExitCode::SUCCESS)
}
