//! A small migration runner: the SQL files are embedded per engine and applied in order,
//! each in its own transaction, recorded in `schema_migrations`. Written by hand because
//! sqlx's `migrate!` needs its proc-macro crate and one folder per engine anyway.

use crate::{Engine, Result, Store, now_text};

const SQLITE: &[(&str, &str)] = &[
    ("0001_foundation", include_str!("../migrations/sqlite/0001_foundation.sql")),
    ("0002_criteria", include_str!("../migrations/sqlite/0002_criteria.sql")),
    ("0003_registries", include_str!("../migrations/sqlite/0003_registries.sql")),
    ("0004_workflow", include_str!("../migrations/sqlite/0004_workflow.sql")),
    ("0005_decisions", include_str!("../migrations/sqlite/0005_decisions.sql")),
    ("0006_evidence", include_str!("../migrations/sqlite/0006_evidence.sql")),
    ("0007_keys", include_str!("../migrations/sqlite/0007_keys.sql")),
    ("0008_stats", include_str!("../migrations/sqlite/0008_stats.sql")),
    ("0009_association", include_str!("../migrations/sqlite/0009_association.sql")),
    ("0010_plans", include_str!("../migrations/sqlite/0010_plans.sql")),
    ("0011_movement", include_str!("../migrations/sqlite/0011_movement.sql")),
    ("0012_boards", include_str!("../migrations/sqlite/0012_boards.sql")),
    ("0013_movement_reports", include_str!("../migrations/sqlite/0013_movement_reports.sql")),
    ("0014_achievement_files", include_str!("../migrations/sqlite/0014_achievement_files.sql")),
    ("0015_pending_uploads", include_str!("../migrations/sqlite/0015_pending_uploads.sql")),
    ("0016_signing_keys", include_str!("../migrations/sqlite/0016_signing_keys.sql")),
    ("0017_fund_vouchers", include_str!("../migrations/sqlite/0017_fund_vouchers.sql")),
    ("0018_login_throttle", include_str!("../migrations/sqlite/0018_login_throttle.sql")),
    ("0019_lineage_partial", include_str!("../migrations/sqlite/0019_lineage_partial.sql")),
    ("0020_bulk_dossiers", include_str!("../migrations/sqlite/0020_bulk_dossiers.sql")),
    ("0025_read_generation", include_str!("../migrations/sqlite/0025_read_generation.sql")),
    ("0030_learning", include_str!("../migrations/sqlite/0030_learning.sql")),
    ("0035_sites", include_str!("../migrations/sqlite/0035_sites.sql")),
    ("0040_citizen", include_str!("../migrations/sqlite/0040_citizen.sql")),
    ("0045_offline_sync", include_str!("../migrations/sqlite/0045_offline_sync.sql")),
    ("0050_report_reminders", include_str!("../migrations/sqlite/0050_report_reminders.sql")),
    ("0060_learning_figures", include_str!("../migrations/sqlite/0060_learning_figures.sql")),
    ("0075_read_indexes", include_str!("../migrations/sqlite/0075_read_indexes.sql")),
    ("0080_read_paths", include_str!("../migrations/sqlite/0080_read_paths.sql")),
    ("0085_slim_registries", include_str!("../migrations/sqlite/0085_slim_registries.sql")),
    ("0086_search_words", include_str!("../migrations/sqlite/0086_search_words.sql")),
    ("0087_search_whole_words", include_str!("../migrations/sqlite/0087_search_whole_words.sql")),
    ("0088_search_in_list_order", include_str!("../migrations/sqlite/0088_search_in_list_order.sql")),
    ("0089_watch_transitions", include_str!("../migrations/sqlite/0089_watch_transitions.sql")),
    ("0090_result_summary", include_str!("../migrations/sqlite/0090_result_summary.sql")),
    ("0091_search_in_entry_order", include_str!("../migrations/sqlite/0091_search_in_entry_order.sql")),
];
const POSTGRES: &[(&str, &str)] = &[
    ("0001_foundation", include_str!("../migrations/postgres/0001_foundation.sql")),
    ("0002_criteria", include_str!("../migrations/postgres/0002_criteria.sql")),
    ("0003_registries", include_str!("../migrations/postgres/0003_registries.sql")),
    ("0004_workflow", include_str!("../migrations/postgres/0004_workflow.sql")),
    ("0005_decisions", include_str!("../migrations/postgres/0005_decisions.sql")),
    ("0006_evidence", include_str!("../migrations/postgres/0006_evidence.sql")),
    ("0007_keys", include_str!("../migrations/postgres/0007_keys.sql")),
    ("0008_stats", include_str!("../migrations/postgres/0008_stats.sql")),
    ("0009_association", include_str!("../migrations/postgres/0009_association.sql")),
    ("0010_plans", include_str!("../migrations/postgres/0010_plans.sql")),
    ("0011_movement", include_str!("../migrations/postgres/0011_movement.sql")),
    ("0012_boards", include_str!("../migrations/postgres/0012_boards.sql")),
    ("0013_movement_reports", include_str!("../migrations/postgres/0013_movement_reports.sql")),
    ("0014_achievement_files", include_str!("../migrations/postgres/0014_achievement_files.sql")),
    ("0015_pending_uploads", include_str!("../migrations/postgres/0015_pending_uploads.sql")),
    ("0016_signing_keys", include_str!("../migrations/postgres/0016_signing_keys.sql")),
    ("0017_fund_vouchers", include_str!("../migrations/postgres/0017_fund_vouchers.sql")),
    ("0018_login_throttle", include_str!("../migrations/postgres/0018_login_throttle.sql")),
    ("0019_lineage_partial", include_str!("../migrations/postgres/0019_lineage_partial.sql")),
    ("0020_bulk_dossiers", include_str!("../migrations/postgres/0020_bulk_dossiers.sql")),
    ("0025_read_generation", include_str!("../migrations/postgres/0025_read_generation.sql")),
    ("0030_learning", include_str!("../migrations/postgres/0030_learning.sql")),
    ("0035_sites", include_str!("../migrations/postgres/0035_sites.sql")),
    ("0040_citizen", include_str!("../migrations/postgres/0040_citizen.sql")),
    ("0045_offline_sync", include_str!("../migrations/postgres/0045_offline_sync.sql")),
    ("0050_report_reminders", include_str!("../migrations/postgres/0050_report_reminders.sql")),
    ("0060_learning_figures", include_str!("../migrations/postgres/0060_learning_figures.sql")),
    ("0075_read_indexes", include_str!("../migrations/postgres/0075_read_indexes.sql")),
    ("0080_read_paths", include_str!("../migrations/postgres/0080_read_paths.sql")),
    ("0085_slim_registries", include_str!("../migrations/postgres/0085_slim_registries.sql")),
    ("0086_search_words", include_str!("../migrations/postgres/0086_search_words.sql")),
    ("0087_search_whole_words", include_str!("../migrations/postgres/0087_search_whole_words.sql")),
    ("0088_search_in_list_order", include_str!("../migrations/postgres/0088_search_in_list_order.sql")),
    ("0089_watch_transitions", include_str!("../migrations/postgres/0089_watch_transitions.sql")),
    ("0090_result_summary", include_str!("../migrations/postgres/0090_result_summary.sql")),
    ("0091_search_in_entry_order", include_str!("../migrations/postgres/0091_search_in_entry_order.sql")),
];

pub(crate) async fn run(store: &Store) -> Result<Vec<String>> {
    let pool = store.pool();
    crate::db::query("CREATE TABLE IF NOT EXISTS schema_migrations (version TEXT PRIMARY KEY, applied_at TEXT NOT NULL)")
        .execute(pool)
        .await?;
    let done: Vec<String> = crate::db::query("SELECT version FROM schema_migrations")
        .fetch_all(pool)
        .await?
        .iter()
        .map(|r| r.text("version"))
        .collect::<Result<_, _>>()?;
    let files = match store.engine() {
        Engine::Sqlite => SQLITE,
        Engine::Postgres => POSTGRES,
    };
    let mut applied = Vec::new();
    for (version, sql) in files {
        if done.iter().any(|d| d == version) {
            continue;
        }
        let mut tx = pool.begin().await?;
        crate::db::raw(&mut *tx, *sql).await?;
        crate::db::query("INSERT INTO schema_migrations (version, applied_at) VALUES ($1, $2)")
            .bind(*version)
            .bind(now_text())
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        applied.push(version.to_string());
    }
    Ok(applied)
}
