pub mod admin_units;
pub mod bench;
pub mod bench_dashboard;
pub mod criteria;
pub mod demo;
pub mod export;
pub mod fund;
pub mod r#gen;
pub mod import;
pub mod progress;
pub mod recount;
pub mod serve;
pub mod user;

use hoctap_store::Store;

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
}
