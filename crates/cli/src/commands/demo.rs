//! `hoctap demo`: a fresh demo database on the real administrative units (Lạng Sơn as the
//! demo province), a few villages, one user per role, then the server.

use hoctap_domain::access::{NewPassword, Role, Username};
use hoctap_domain::area::AreaAttribute;
use hoctap_domain::date::Validity;
use hoctap_store::{Actor, NewUser, Store};
use hoctap_web::AppState;
use std::net::SocketAddr;
use std::process::ExitCode;

#[derive(clap::Args, Debug)]
pub struct Args {
    #[arg(long, default_value = "127.0.0.1:8080")]
    pub bind: SocketAddr,
    /// Cơ sở dữ liệu mẫu; tệp SQLite được tạo mới mỗi lần chạy.
    #[arg(long, default_value = "sqlite://hoctap-demo.db")]
    pub database_url: String,
    /// Chỉ tạo dữ liệu, không chạy máy chủ.
    #[arg(long)]
    pub no_serve: bool,
}

pub const DEMO_PASSWORD: &str = "hoctap-2025";
pub const DEMO_PROVINCE: &str = "20";

/// The demo accounts: username, full name, role, at province (true) or commune level.
pub const DEMO_USERS: &[(&str, &str, Role, bool)] = &[
    ("quantri", "Quản trị hệ thống", Role::SystemAdmin, true),
    ("tinh.canbo", "Nguyễn Văn Tỉnh", Role::UnitOfficer, true),
    ("tinh.thamdinh", "Đinh Thị Sở", Role::Reviewer, true),
    ("tinh.lanhdao", "Hoàng Văn Tịnh", Role::Signer, true),
    ("xa.canbo", "Hoàng Thị Xã", Role::UnitOfficer, false),
    ("xa.thamdinh", "Lương Văn Thẩm", Role::Reviewer, false),
    ("xa.lanhdao", "Vi Văn Lãnh", Role::Signer, false),
    ("hkh.xa", "Nông Thị Hội", Role::AssociationOfficer, false),
    ("020190001234", "Lục Văn Dân", Role::Citizen, false),
];

/// Builds the demo data in a migrated store; returns (province, commune) ids.
pub async fn seed(store: &Store) -> Result<(i64, i64), Box<dyn std::error::Error>> {
    store.load_admin_units().await?;
    store.load_shipped_criteria(&Actor::system("dữ liệu mẫu")).await?;
    let today = hoctap_store::today();
    let province = store.unit_by_code(DEMO_PROVINCE, today).await?;
    let communes = store.children(province.id, today).await?;
    let commune = communes.first().ok_or("tỉnh mẫu không có xã")?.clone();
    let actor = Actor::system("dữ liệu mẫu");
    for (name, ty) in [("Thôn Nà Sla", "thôn"), ("Thôn Pò Mò", "thôn"), ("Bản Khòn Pát", "bản"), ("Tổ dân phố 1", "tổ dân phố")] {
        store.create_village(&actor, commune.id, name, ty, today).await?;
    }
    store
        .set_attribute(&actor, commune.id, AreaAttribute::MienNui, Validity::since(jiff::civil::date(2025, 7, 1)), "Dữ liệu mẫu")
        .await?;
    let hash = hoctap_web::auth::hash_password(&NewPassword::parse(DEMO_PASSWORD)?).map_err(|e| e.to_string())?;
    for (username, full_name, role, at_province) in DEMO_USERS {
        let unit_id = if *at_province { province.id } else { commune.id };
        store
            .create_user(&actor, NewUser { username: &Username::parse(username)?, full_name, password_hash: &hash, role: *role, unit_id, must_change_password: false })
            .await?;
    }
    Ok((province.id, commune.id))
}

pub async fn run(a: Args) -> Result<ExitCode, Box<dyn std::error::Error>> {
    if let Some(path) = a.database_url.strip_prefix("sqlite://") {
        let path = path.split('?').next().unwrap_or(path);
        for suffix in ["", "-wal", "-shm"] {
            let _ = std::fs::remove_file(format!("{path}{suffix}"));
        }
    }
    let store = Store::connect(&a.database_url).await?;
    store.migrate().await?;
    println!("Đang tạo dữ liệu mẫu trên đơn vị hành chính thật…");
    let (province, commune) = seed(&store).await?;
    let p = store.unit(province).await?;
    let c = store.unit(commune).await?;
    println!("\nTỉnh mẫu: {} ({}); xã mẫu: {} ({}).", p.name, p.code, c.name, c.code);
    println!("Tài khoản (mật khẩu chung: {DEMO_PASSWORD}):");
    for (username, full_name, role, at_province) in DEMO_USERS {
        println!("  {username:<14} {:<26} {full_name} – {}", role.label(), if *at_province { &p.name } else { &c.name });
    }
    if a.no_serve {
        return Ok(ExitCode::SUCCESS);
    }
    hoctap_web::serve(AppState { store, secure_cookies: false }, a.bind, |addr| {
        println!("\nMở http://{addr} trong trình duyệt. Nhấn Ctrl-C để dừng.");
    })
    .await?;
    Ok(ExitCode::SUCCESS)
}
