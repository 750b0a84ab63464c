use super::DbArgs;
use hoctap_domain::access::{NewPassword, Role, Username};
use hoctap_store::{Actor, NewUser};
use std::process::ExitCode;

#[derive(clap::Subcommand, Debug)]
pub enum Cmd {
    /// Tạo người dùng.
    Add {
        #[arg(long)]
        username: String,
        #[arg(long)]
        full_name: String,
        /// system_admin, unit_officer, reviewer, signer, association_officer, citizen
        #[arg(long)]
        role: String,
        /// Mã đơn vị đang có hiệu lực (ví dụ 20 cho tỉnh Lạng Sơn).
        #[arg(long)]
        unit: String,
        /// Mật khẩu; nếu bỏ trống, đọc biến môi trường HOCTAP_PASSWORD.
        #[arg(long, env = "HOCTAP_PASSWORD", hide_env_values = true)]
        password: String,
        #[command(flatten)]
        db: DbArgs,
    },
}

pub async fn run(c: Cmd) -> Result<ExitCode, Box<dyn std::error::Error>> {
    match c {
        Cmd::Add { username, full_name, role, unit, password, db } => {
            let store = db.open().await?;
            let username = Username::parse(&username)?;
            let role = Role::parse(&role)
                .ok_or("vai trò không hợp lệ: system_admin, unit_officer, reviewer, signer, association_officer, citizen")?;
            let unit = store.unit_by_code(&unit, hoctap_store::today()).await?;
            let password = NewPassword::parse(&password)?;
            let hash = hoctap_app::secret::hash_password(&password).map_err(|e| e.to_string())?;
            let id = store
                .create_user(
                    &Actor::system("dòng lệnh"),
                    NewUser {
                        username: &username,
                        full_name: &full_name,
                        password_hash: &hash,
                        role,
                        unit_id: unit.id,
                        must_change_password: false,
                    },
                )
                .await?;
            println!("Đã tạo người dùng {username} (mã {id}), {} tại {}", role.label(), unit.name);
            Ok(ExitCode::SUCCESS)
        }
    }
}
