//! Storage of Hoctap on SQLite (embedded default) and PostgreSQL (production) behind one API.
//!
//! Choice made on purpose: one portable SQL dialect for queries (`$n` placeholders, ISO date
//! text, 0/1 flags, `WITH RECURSIVE`, `ON CONFLICT`), run through each engine's native sqlx
//! driver behind one enum (`db`); what differs between the engines is in `dialect`. Two
//! migration folders only because identity columns and triggers differ. The schema test in
//! the integration suite compares both folders so they cannot drift apart.

/// The future of a public async function of this crate, boxed: rustc compiles an async body again
/// in every crate that awaits it (release builds share no generic code, and a body counts as one),
/// so the pages, the API and the commands compiled this crate's bodies once more each. Behind a
/// box the body is compiled here only; the allocation is nothing beside a statement.
pub type BoxFut<'fut, T> = std::pin::Pin<Box<dyn std::future::Future<Output = T> + Send + 'fut>>;

mod admin_data;
mod annex;
mod assessments;
mod association;
mod audit;
mod boards;
mod bulk;
mod closure;
mod corrections;
mod criteria;
mod db;
mod decisions;
mod dialect;
mod error;
mod evidence;
mod home;
mod keys;
mod learning;
mod learning_figures;
mod migrate;
mod movement;
mod notify;
mod pending;
mod plans;
mod read_cache;
mod registry;
mod reorg;
mod replica;
mod review;
mod sites;
mod sources;
mod stats;
mod summaries;
mod sync;
mod unit_row;
mod units;
mod users;
mod village_history;
mod villages;

pub use admin_data::{AdminLoadReport, GapReport};
pub use assessments::{AssessmentRow, CampaignRow, NewCampaign};
pub use association::{BranchRow, CardCheck, Donor, DuesLine, FundEntryRow, OfficerRow};
pub use audit::{AuditEntry, AuditFilter, AuditRecord};
pub use boards::{Assignment, BoardRow, MemberRow, NewBoard, NewMember, NewTaskReport, TaskFilter, TaskReportRow, TaskRow};
pub use bulk::{BatchAnswers, BatchTransition, DossierCounts, DossierFilter, DossierListRow, LayReport, NewDossier, StepGap, result_group};
pub use corrections::{CorrectionRow, NewCorrection};
pub use criteria::{SaveOutcome, StoredCriteriaSet};
pub use decisions::{DecisionRow, Grant, NewDecision, RecognitionRow};
pub use error::StoreError;
pub use evidence::{EvidenceRow, NewEvidence};
pub use home::{ChildProgress, QueueCount, ReminderRow};
pub use keys::{IssuerKey, KeyUpgrade, PublicKeyRow};
pub use learning::{
    ActivityRow, CentreRow, EnrolmentRow, Learner, LessonRow, NewActivity, NewOther, OtherRow, RecordLine, TopicLine, TopicRow, YearReport,
};
pub use movement::{
    AchievementRow, AttachedFile, MovementReportKey, MovementReportRow, MovementRow, NewAchievement, NewNomination, NominationRow,
    ParticipantRow, RewardCount, RewardDecisionRow, RewardGrant, RewardRow,
};
pub use notify::{Digest, MailRow, NewNotification, NotificationPrefs, NotificationRow};
pub use pending::{PENDING_HOURS, PendingUpload};
pub use plans::{PlanRow, ReportRow, TargetKey, TargetRow};
pub use registry::{
    BulkRecord, BulkSession, IMPORT_CHUNK, ImportChunk, ImportOptions, ImportRow, OutcomeSink, RegistryImportReport, RegistryQuery,
    RegistryRecord, RowOutcome, list_column,
};
pub use replica::{Lsn, ReplicaStatus, read_scope};
pub use review::TransitionRow;
pub use sites::{
    PostContent, PostRow, PostVersionRow, PostWithSite, PublicDecision, PublicRecognition, SITE_HOI, SITE_UNIT, SiteFile, SiteRow,
    stored_time,
};
pub use stats::{Basis, Drift, MetricChanges, RecountReport, values_at};
pub use sync::{STALE_FIELD, SyncMeta, SyncOutcome, SyncSeen};
pub use units::{AttributeRow, LineageEntry, RebaseInfo, RebasePart, TreeNode, UnitRow};
pub use users::{FailedLoginAudit, NewUser, SessionRow, ThrottleRow, UserRow};
pub use villages::{VillageImportPreview, VillageImportRow, VillageRowStatus};

use db::Pool;

/// The database engine behind a [`Store`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Engine {
    Sqlite,
    Postgres,
}

/// Who does a write: recorded in the audit log with every change.
#[derive(Debug, Clone)]
pub struct Actor {
    pub user_id: Option<i64>,
    pub username: String,
    pub unit_id: Option<i64>,
}

impl Actor {
    /// The operator at the command line or the demo builder.
    pub fn system(what: &str) -> Self {
        Self { user_id: None, username: format!("hệ thống ({what})"), unit_id: None }
    }
}

/// The store: a connection pool and the engine it talks to.
#[derive(Clone, Debug)]
pub struct Store {
    pool: Pool,
    engine: Engine,
    /// Values computed from many reads, kept per read generation (`read_cache`).
    read_cache: std::sync::Arc<read_cache::ReadCache>,
    /// Hot standbys the reads of requests may go to (`replica`); none by default.
    replicas: std::sync::Arc<replica::ReplicaSet>,
    /// How many of a province's records a search looks among first (`registry::words::bound`).
    search_bound_rows: Option<i64>,
    /// First pages' bounds read lately (`registry::words::bound`).
    search_bounds: std::sync::Arc<registry::BoundCache>,
}

pub type Result<T, E = StoreError> = std::result::Result<T, E>;

/// Rules other modules add to the generic registry's writes: the registry reads this list, the
/// owners register here (the fund ledger), so the registry never names them.
pub(crate) static WRITE_RULES: &[&registry::WriteRules] = &[&association::LEDGER_RULES];

impl Store {
    /// Connects to `sqlite://path` (created if missing) or `postgres://…`.
    #[inline(never)]
    pub fn connect<'fut, 'l1: 'fut>(url: &'l1 str) -> crate::BoxFut<'fut, Result<Store>> {
        Box::pin(async move { Self::connect_with(url, None).await })
    }

    /// Connects for a long-running server (`serve`, `demo`): as [`Store::connect`], and SQLite
    /// reads its file through a memory map of up to 1 GiB.
    #[inline(never)]
    pub fn connect_serving<'fut, 'l1: 'fut>(url: &'l1 str) -> crate::BoxFut<'fut, Result<Store>> {
        Box::pin(async move { Self::open_pool(url, None, true).await })
    }

    /// Connects with a given pool size (one connection: session-level locks stay on it).
    #[inline(never)]
    pub fn connect_with<'fut, 'l1: 'fut>(url: &'l1 str, max_connections: Option<u32>) -> crate::BoxFut<'fut, Result<Store>> {
        Box::pin(async move { Self::open_pool(url, max_connections, false).await })
    }

    async fn open_pool(url: &str, max_connections: Option<u32>, memory_map: bool) -> Result<Store> {
        let pool = dialect::connect(url, max_connections, memory_map).await?;
        Ok(Store {
            engine: pool.engine(),
            pool,
            read_cache: Default::default(),
            replicas: Default::default(),
            search_bound_rows: None,
            search_bounds: Default::default(),
        })
    }

    pub fn engine(&self) -> Engine {
        self.engine
    }

    pub(crate) fn pool(&self) -> &Pool {
        &self.pool
    }

    /// Begins a transaction (on SQLite with the write lock taken at once: [`Pool::begin`]).
    pub(crate) async fn begin(&self) -> std::result::Result<db::Held, sqlx::Error> {
        self.pool.begin().await
    }

    /// Closes the pool (used before deleting a test database).
    #[inline(never)]
    pub fn close<'fut, 'l1: 'fut>(&'l1 self) -> crate::BoxFut<'fut, ()> {
        Box::pin(async move {
            self.pool.close().await;
        })
    }

    /// Applies pending migrations.
    #[inline(never)]
    pub fn migrate<'fut, 'l1: 'fut>(&'l1 self) -> crate::BoxFut<'fut, Result<Vec<String>>> {
        Box::pin(async move { migrate::run(self).await })
    }

    /// A cheap query for the health endpoint.
    #[inline(never)]
    pub fn ping<'fut, 'l1: 'fut>(&'l1 self) -> crate::BoxFut<'fut, Result<()>> {
        Box::pin(async move {
            db::query("SELECT 1").execute(&self.pool).await?;
            Ok(())
        })
    }

    /// Names and columns of the tables, for the schema-drift test.
    #[inline(never)]
    pub fn schema<'fut, 'l1: 'fut>(&'l1 self) -> crate::BoxFut<'fut, Result<Vec<(String, String)>>> {
        Box::pin(async move {
            let sql = match self.engine {
                Engine::Sqlite => {
                    "SELECT m.name AS t, p.name AS c FROM sqlite_master m JOIN pragma_table_info(m.name) p \
                 WHERE m.type = 'table' AND m.name NOT LIKE 'sqlite_%' ORDER BY 1, 2"
                }
                Engine::Postgres => {
                    "SELECT table_name::text AS t, column_name::text AS c FROM information_schema.columns \
                 WHERE table_schema = 'public' ORDER BY 1, 2"
                }
            };
            let rows = db::query(sql).fetch_all(&self.pool).await?;
            rows.iter().map(|r| Ok((r.try_get("t")?, r.try_get("c")?))).collect()
        })
    }

    /// The tables' names, sorted (without counting their rows: minutes on the whole country).
    #[inline(never)]
    pub fn tables<'fut, 'l1: 'fut>(&'l1 self) -> crate::BoxFut<'fut, Result<Vec<String>>> {
        Box::pin(async move {
            let mut tables: Vec<String> = self.schema().await?.into_iter().map(|(t, _)| t).collect();
            tables.dedup();
            Ok(tables)
        })
    }

    /// Every table's row count (to compare a restored database with its source).
    #[inline(never)]
    pub fn table_counts<'fut, 'l1: 'fut>(&'l1 self) -> crate::BoxFut<'fut, Result<std::collections::BTreeMap<String, i64>>> {
        Box::pin(async move {
            let mut counts = std::collections::BTreeMap::new();
            for t in self.tables().await? {
                // Names come from the catalog, quoted as identifiers.
                let sql = format!("SELECT COUNT(*) AS n FROM \"{}\"", t.replace('"', "\"\""));
                let row = db::query(sqlx::AssertSqlSafe(sql)).fetch_one(&self.pool).await?;
                counts.insert(t, row.i64("n")?);
            }
            Ok(counts)
        })
    }
}

/// Now, in UTC, as stored (RFC 3339).
pub(crate) fn now_text() -> String {
    jiff::Timestamp::now().round(jiff::Unit::Second).map(|t| t.to_string()).unwrap_or_default()
}

/// Today's date in Vietnam (Asia/Ho_Chi_Minh): "as at today" everywhere.
pub fn today() -> jiff::civil::Date {
    jiff::Timestamp::now().to_zoned_datetime(vn_tz()).date()
}

/// The Asia/Ho_Chi_Minh zone (bundled, so it works on machines without tzdata).
pub fn vn_tz() -> jiff::tz::TimeZone {
    jiff::tz::TimeZone::get("Asia/Ho_Chi_Minh").unwrap_or(jiff::tz::TimeZone::fixed(jiff::tz::offset(7)))
}

pub(crate) fn date_text(d: jiff::civil::Date) -> String {
    d.to_string()
}

pub(crate) fn parse_date_col(s: &str) -> Result<jiff::civil::Date> {
    s.parse().map_err(|_| StoreError::Corrupt(format!("ngày không hợp lệ trong cơ sở dữ liệu: {s}")))
}

impl Store {
    /// SQLite: folds the write-ahead log into the database file (tests copy the file).
    #[inline(never)]
    pub fn checkpoint<'fut, 'l1: 'fut>(&'l1 self) -> crate::BoxFut<'fut, Result<()>> {
        Box::pin(async move {
            if self.engine == Engine::Sqlite {
                db::query("PRAGMA wal_checkpoint(TRUNCATE)").execute(&self.pool).await?;
            }
            Ok(())
        })
    }

    /// Runs one statement that takes no parameters (database administration in tests and CLI).
    #[inline(never)]
    pub fn exec_raw<'fut, 'l1: 'fut, 'l2: 'fut>(&'l1 self, sql: &'l2 str) -> crate::BoxFut<'fut, Result<()>> {
        Box::pin(async move {
            db::raw(&self.pool, sqlx::AssertSqlSafe(sql.to_string())).await?;
            Ok(())
        })
    }

    /// The first column of the first row of a query that takes no parameters (checks in tests and CLI).
    #[inline(never)]
    pub fn scalar_i64<'fut, 'l1: 'fut, 'l2: 'fut>(&'l1 self, sql: &'l2 str) -> crate::BoxFut<'fut, Result<i64>> {
        Box::pin(async move { db::query(sqlx::AssertSqlSafe(sql.to_string())).fetch_one(&self.pool).await?.i64(0) })
    }

    /// PostgreSQL: whether a database of that name exists.
    #[inline(never)]
    pub fn database_exists<'fut, 'l1: 'fut, 'l2: 'fut>(&'l1 self, name: &'l2 str) -> crate::BoxFut<'fut, Result<bool>> {
        Box::pin(async move {
            let row = db::query("SELECT COUNT(*) AS n FROM pg_database WHERE datname = $1").bind(name).fetch_one(&self.pool).await?;
            Ok(row.i64("n")? > 0)
        })
    }
}
