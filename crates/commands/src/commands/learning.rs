//! `hoctap learning`: the operator's side of the centres' activities (issue 16): the topic list
//! (chủ đề) is shared by the deployment and extended here; each addition is audited.

use hoctap_domain::learning::TopicCode;
use hoctap_store::Actor;
use std::process::ExitCode;

#[derive(clap::Subcommand, Debug)]
pub enum Cmd {
    /// Liệt kê các chủ đề hoạt động học tập.
    Topics {
        #[command(flatten)]
        db: super::DbArgs,
    },
    /// Thêm một chủ đề (mã chữ thường không dấu, tên; --ky-nang-so nếu tính vào kỹ năng số).
    TopicAdd {
        #[command(flatten)]
        db: super::DbArgs,
        #[arg(long)]
        code: String,
        #[arg(long)]
        name: String,
        #[arg(long)]
        ky_nang_so: bool,
    },
}

pub async fn run(c: Cmd) -> Result<ExitCode, Box<dyn std::error::Error>> {
    match c {
        Cmd::Topics { db } => {
            let store = db.open().await?;
            for t in store.learning_topics().await? {
                println!("{:<16} {}{}", t.code, t.name, if t.digital { " (kỹ năng số)" } else { "" });
            }
            Ok(ExitCode::SUCCESS)
        }
        Cmd::TopicAdd { db, code, name, ky_nang_so } => {
            let store = db.open().await?;
            let code = TopicCode::parse(&code)?;
            store.learning_topic_add(&Actor::system("dòng lệnh"), &code, &name, ky_nang_so).await?;
            println!("Đã thêm chủ đề {code}.");
            Ok(ExitCode::SUCCESS)
        }
    }
}
