//! What differs between SQLite and PostgreSQL, in one place: connecting (pragmas, session
//! settings), placeholders, and the engine checks the shared SQL needs. The SQL text itself is
//! shared (`$n` placeholders, ISO date text, 0/1 flags, `ON CONFLICT`, `RETURNING`).

use crate::db::{Conn, Pool};
use crate::{Engine, Result, StoreError};
use sqlx::postgres::{PgConnectOptions, PgPoolOptions};
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};
use std::str::FromStr;
use std::time::Duration;

/// How much of an SQLite file a serving process reads through a memory map.
pub(crate) const SQLITE_MEMORY_MAP_BYTES: u64 = 1 << 30;

/// Connects to `sqlite://path` (created if missing) or `postgres://…` with the engine's own pool.
/// `memory_map`: SQLite reads its file through a map of [`SQLITE_MEMORY_MAP_BYTES`] (a server).
pub(crate) async fn connect(url: &str, max_connections: Option<u32>, memory_map: bool) -> Result<Pool> {
    let timeout = Duration::from_secs(30);
    if url.starts_with("postgres:") || url.starts_with("postgresql:") {
        // The application's queries are short index look-ups: on a small server with an SSD
        // the planner's defaults (random pages 4× a sequential one, parallel workers, JIT)
        // turned a 2 ms dashboard read into a 50–100 ms parallel scan under load. Sent with
        // the startup packet, so no round trip per connection.
        let options = postgres_options(url)?;
        // sqlx pings every connection before handing it out: a round trip to the server per
        // statement, as long as the statement's own for a page's short reads. Only a connection
        // left idle for a second is pinged (the server may have closed it: a restart, a
        // failover, an idle timeout); a busy pool's connections are idle for milliseconds.
        let pool = PgPoolOptions::new()
            .max_connections(max_connections.unwrap_or(16))
            .acquire_timeout(timeout)
            .test_before_acquire(false)
            .before_acquire(|conn, meta| {
                Box::pin(async move {
                    if meta.idle_for >= Duration::from_secs(1) {
                        sqlx::Connection::ping(conn).await?;
                    }
                    Ok(true)
                })
            })
            .connect_with(options)
            .await?;
        Ok(Pool::Postgres(pool))
    } else if url.starts_with("sqlite:") {
        // WAL lets readers go on while one writer writes; foreign keys are off by default in SQLite.
        let options = SqliteConnectOptions::from_str(url)?
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            .foreign_keys(true)
            .busy_timeout(Duration::from_secs(10))
            .synchronous(SqliteSynchronous::Normal)
            .pragma("cache_size", "-65536")
            .pragma("temp_store", "MEMORY");
        // A server's connections each keep their own page cache, and a write by one makes the
        // others read their pages again: through a memory map that is a copy from the kernel's
        // cache instead of a `pread` each (the demo's seeding made 428,000; 15 % faster with the
        // map, `/so` under load 5–10 %). Only for serving: the mapped pages count in the
        // process's RSS, which a bulk command (the import: ≤ 200 MB) keeps small.
        let options =
            if memory_map { options.pragma("mmap_size", SQLITE_MEMORY_MAP_BYTES.to_string()) } else { options.pragma("mmap_size", "0") };
        // No ping before each statement (sqlx's default): a connection to a file cannot hang
        // up, and the ping is a round trip through the connection's worker thread that doubled
        // the thread hand-offs of every statement (a page reads 5–15).
        let pool = SqlitePoolOptions::new()
            .max_connections(max_connections.unwrap_or(4))
            .acquire_timeout(timeout)
            .test_before_acquire(false)
            .connect_with(options)
            .await?;
        Ok(Pool::Sqlite(pool))
    } else {
        Err(StoreError::BadUrl(url.to_string()))
    }
}

/// A PostgreSQL server's options with the session settings the application's queries want
/// (the primary's and every standby's alike).
pub(crate) fn postgres_options(url: &str) -> Result<PgConnectOptions> {
    // The application's queries are short index look-ups: on a small server with an SSD
    // the planner's defaults (random pages 4× a sequential one, parallel workers, JIT)
    // turned a 2 ms dashboard read into a 50–100 ms parallel scan under load. Sent with
    // the startup packet, so no round trip per connection. A name search in a province reads
    // tens of thousands of rows through a bitmap of the word index: with the default 4 MB of
    // work memory the bitmap went lossy and every row of 26,000 pages was read again and its
    // words recomputed (7.8 s instead of 0.2 s, on Hà Nội's 3.8 M citizens).
    Ok(PgConnectOptions::from_str(url)?.options([
        ("random_page_cost", "1.1"),
        ("max_parallel_workers_per_gather", "0"),
        ("jit", "off"),
        ("work_mem", "32MB"),
    ]))
}

/// "$3, $4, $5" for `n` placeholders starting at `$start`; on SQLite plain "?, ?, ?" when
/// `anon`: sqlx looks up every named SQLite parameter by a linear scan, which made a
/// 30,000-parameter multi-row insert quadratic (85% of an import's time). Use `anon` only
/// for statements whose parameters all come from this function, in order, from 1.
pub(crate) fn placeholders(anon: bool, start: usize, n: usize) -> String {
    if anon {
        return vec!["?"; n].join(", ");
    }
    (start..start + n).map(|i| format!("${i}")).collect::<Vec<_>>().join(", ")
}

/// Whether a connection may use anonymous placeholders (SQLite).
pub(crate) fn anonymous(conn: &Conn) -> bool {
    conn.engine() == Engine::Sqlite
}

/// `FROM` of a lineage walk's units: the walk's few rows first, then each unit by its key. SQLite
/// keeps a `CROSS JOIN`'s order (left alone, 3.50 scanned the whole `units_code` index to avoid a
/// sort, 2–4 ms); PostgreSQL reorders a `CROSS JOIN` freely and, estimating a recursive walk at
/// hundreds of rows, hashed every unit of the level (9,481 communes, 10 ms), so there the units are
/// a `LATERAL` subquery of the walk's row, read per row (`OFFSET 0` keeps the planner from pulling
/// the subquery up into a join it would hash again): 1.8 ms, most of it the walk.
pub(crate) fn walk_units(engine: Engine) -> &'static str {
    match engine {
        Engine::Sqlite => "walk w CROSS JOIN units u",
        Engine::Postgres => "walk w CROSS JOIN LATERAL (SELECT * FROM units WHERE units.id = w.id OFFSET 0) u",
    }
}
