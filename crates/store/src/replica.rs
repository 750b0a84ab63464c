//! Reads past one server: PostgreSQL hot standbys (streaming replicas) that serve the reads of a
//! request, while every write and every transaction goes to the primary.
//!
//! A request runs inside a [`ReadScope`] (the web crate opens one per request when replicas are
//! configured). Its first read picks one server for the whole request, so a page's read
//! generation and the figures it caches come from the same server: a standby that is up, is still
//! a standby, lags by less than the limit and has replayed the session's last commit position
//! (read your own writes), else the primary. A commit inside the scope is noted, and the web crate
//! then asks for the primary's WAL position to give the session. Outside a scope (the CLI, tests
//! of the store) every read goes to the primary.

use std::sync::atomic::{AtomicBool, AtomicI64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::{Duration, Instant};

use sqlx::postgres::PgPoolOptions;

use crate::db::Pool;
use crate::{Result, Store, StoreError};

/// A position in PostgreSQL's write-ahead log (`pg_lsn`: "16/B374D848").
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Lsn(pub u64);

impl Lsn {
    /// Parses PostgreSQL's text form, two hexadecimal halves separated by '/'.
    pub fn parse(text: &str) -> Option<Lsn> {
        let (hi, lo) = text.trim().split_once('/')?;
        let (hi, lo) = (u64::from_str_radix(hi, 16).ok()?, u64::from_str_radix(lo, 16).ok()?);
        (hi <= u64::from(u32::MAX) && lo <= u64::from(u32::MAX)).then_some(Lsn((hi << 32) | lo))
    }
}

impl std::fmt::Display for Lsn {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{:X}/{:X}", self.0 >> 32, self.0 & 0xFFFF_FFFF)
    }
}

/// How long a standby's state is trusted before it is asked again.
const STATE_TTL: Duration = Duration::from_millis(250);
/// How long a standby that did not answer is left alone.
const DOWN_RETRY: Duration = Duration::from_secs(2);
/// How long a standby may take to say where it stands.
const PROBE_TIMEOUT: Duration = Duration::from_secs(1);

/// The standbys a store reads from, in turn.
#[derive(Debug, Default)]
pub(crate) struct ReplicaSet {
    replicas: Vec<Replica>,
    max_lag: Duration,
    next: AtomicUsize,
}

#[derive(Debug)]
struct Replica {
    /// host:port/database, never a password: what `/healthz` and the logs name.
    name: String,
    pool: Pool,
    state: Mutex<ReplicaState>,
}

#[derive(Clone, Debug, Default)]
struct ReplicaState {
    checked: Option<Instant>,
    up: bool,
    standby: bool,
    replay: Option<Lsn>,
    lag_seconds: f64,
    error: Option<String>,
}

/// What `/healthz` says of a standby.
#[derive(Clone, Debug, serde::Serialize)]
pub struct ReplicaStatus {
    pub name: String,
    /// Answers and is still a standby.
    pub up: bool,
    /// Seconds behind the primary (0 when it has replayed all it received).
    pub lag_seconds: f64,
    /// Serves reads: up, a standby, and behind by less than the limit.
    pub serving: bool,
    pub replay_lsn: Option<String>,
    pub error: Option<String>,
}

/// The reads of one request: the session's last commit position, the server chosen at the first
/// read, whether the request committed a write, and the read generation it first read.
pub struct ReadScope {
    after: Option<Lsn>,
    chosen: OnceLock<Pool>,
    wrote: AtomicBool,
    /// The read generation read first in this request ([`NO_GENERATION`] before): a page that
    /// keeps several values reads it once. Never used after the request wrote.
    generation: AtomicI64,
}

const NO_GENERATION: i64 = i64::MIN;

/// The read generation this request read already, unless it has written since.
pub(crate) fn request_generation() -> Option<i64> {
    SCOPE
        .try_with(|s| {
            let g = s.generation.load(Ordering::Relaxed);
            (g != NO_GENERATION && !s.wrote.load(Ordering::Relaxed)).then_some(g)
        })
        .ok()
        .flatten()
}

/// Keeps the read generation the request read, for its later kept values. A value computed after
/// it is read is exact under it (the reader takes the generation before it reads), however much
/// later in the request it is computed.
pub(crate) fn keep_request_generation(generation: i64) {
    let _ = SCOPE.try_with(|s| {
        if !s.wrote.load(Ordering::Relaxed) {
            s.generation.store(generation, Ordering::Relaxed);
        }
    });
}

tokio::task_local! {
    static SCOPE: Arc<ReadScope>;
}

/// Runs `fut` as one request whose reads may go to a standby that has replayed `after` (with no
/// standby, the primary; the request still reads the read generation once); answers its output
/// and whether it committed a write on the primary.
pub async fn read_scope<F: std::future::Future>(after: Option<Lsn>, fut: F) -> (F::Output, bool) {
    let scope =
        Arc::new(ReadScope { after, chosen: OnceLock::new(), wrote: AtomicBool::new(false), generation: AtomicI64::new(NO_GENERATION) });
    let out = SCOPE.scope(scope.clone(), fut).await;
    (out, scope.wrote.load(Ordering::Relaxed))
}

/// Notes that the current request committed on the primary (called by every commit): later
/// reads of the request go to the primary too.
pub(crate) fn note_write() {
    let _ = SCOPE.try_with(|s| s.wrote.store(true, Ordering::Relaxed));
}

fn name_of(url: &str) -> String {
    let rest = url.split_once("://").map_or(url, |(_, r)| r);
    let rest = rest.rsplit_once('@').map_or(rest, |(_, r)| r);
    rest.split('?').next().unwrap_or(rest).to_string()
}

impl ReplicaSet {
    /// Pools to each standby, opened lazily: a standby that is down at start-up is skipped
    /// until it answers, never an error.
    pub(crate) fn connect(urls: &[String], max_lag: Duration) -> Result<ReplicaSet> {
        let mut replicas = Vec::new();
        for url in urls {
            if !(url.starts_with("postgres:") || url.starts_with("postgresql:")) {
                return Err(StoreError::BadUrl(format!("bản sao chỉ dùng được với PostgreSQL: {}", name_of(url))));
            }
            let options = crate::dialect::postgres_options(url)?;
            let pool = PgPoolOptions::new().max_connections(16).acquire_timeout(PROBE_TIMEOUT).connect_lazy_with(options);
            replicas.push(Replica { name: name_of(url), pool: Pool::Postgres(pool), state: Mutex::new(ReplicaState::default()) });
        }
        Ok(ReplicaSet { replicas, max_lag, next: AtomicUsize::new(0) })
    }

    pub(crate) fn is_empty(&self) -> bool {
        self.replicas.is_empty()
    }

    /// A standby that may serve a read needing `after`, in turn; None for the primary.
    async fn pick(&self, after: Option<Lsn>) -> Option<Pool> {
        let n = self.replicas.len();
        let start = self.next.fetch_add(1, Ordering::Relaxed);
        for i in 0..n {
            let r = self.replicas.get((start + i) % n)?;
            let mut s = r.snapshot();
            let fresh = s.checked.is_some_and(|t| t.elapsed() < if s.up { STATE_TTL } else { DOWN_RETRY });
            // Asked again when its state is old, or when it may have replayed what this session needs by now.
            if !fresh || (s.up && after.is_some_and(|a| s.replay.is_none_or(|p| p < a))) {
                s = r.probe().await;
            }
            if s.up && s.standby && s.lag_seconds <= self.max_lag.as_secs_f64() && after.is_none_or(|a| s.replay.is_some_and(|p| p >= a)) {
                // A connection is taken (and pinged: the pool tests it) before the request relies
                // on the standby, so a standby stopped since its last probe costs a fall-back to the
                // primary, never a failed request.
                match tokio::time::timeout(PROBE_TIMEOUT, r.pool.acquire()).await {
                    Ok(Ok(_conn)) => return Some(r.pool.clone()),
                    Ok(Err(e)) => r.mark_down(e.to_string()),
                    Err(_) => r.mark_down("không trả lời trong 1 giây".into()),
                }
            }
        }
        None
    }
}

impl Replica {
    fn snapshot(&self) -> ReplicaState {
        self.state.lock().map(|s| s.clone()).unwrap_or_default()
    }

    fn mark_down(&self, error: String) {
        tracing::warn!(replica = %self.name, error = %error, "bản sao không dùng được, đọc từ máy chủ chính");
        if let Ok(mut s) = self.state.lock() {
            *s = ReplicaState { checked: Some(Instant::now()), error: Some(error), ..Default::default() };
        }
    }

    /// Asks the standby where it stands (replay position, lag) and keeps the answer.
    async fn probe(&self) -> ReplicaState {
        // Lag is counted only while something received waits to be replayed: an idle primary
        // sends nothing, and a standby that has replayed all it has is not behind.
        let sql = "SELECT pg_is_in_recovery() AS standby, CAST(pg_last_wal_replay_lsn() AS TEXT) AS replay, \
                   CAST(CASE WHEN pg_last_wal_receive_lsn() IS NOT DISTINCT FROM pg_last_wal_replay_lsn() THEN 0 \
                   ELSE COALESCE(EXTRACT(EPOCH FROM now() - pg_last_xact_replay_timestamp()), 0) END AS DOUBLE PRECISION) AS lag";
        let answer = tokio::time::timeout(PROBE_TIMEOUT, crate::db::query(sql).fetch_one(&self.pool)).await;
        let state = match answer {
            Ok(Ok(row)) => ReplicaState {
                checked: Some(Instant::now()),
                up: true,
                standby: row.try_get::<bool, _>("standby").unwrap_or(false),
                replay: row.try_get::<Option<String>, _>("replay").ok().flatten().as_deref().and_then(Lsn::parse),
                lag_seconds: row.try_get::<f64, _>("lag").unwrap_or(f64::MAX),
                error: None,
            },
            Ok(Err(e)) => ReplicaState { checked: Some(Instant::now()), error: Some(e.to_string()), ..Default::default() },
            Err(_) => {
                ReplicaState { checked: Some(Instant::now()), error: Some("không trả lời trong 1 giây".into()), ..Default::default() }
            }
        };
        if state.up != self.snapshot().up {
            tracing::warn!(replica = %self.name, up = state.up, error = state.error.as_deref().unwrap_or(""), "bản sao đổi trạng thái");
        }
        if let Ok(mut s) = self.state.lock() {
            *s = state.clone();
        }
        state
    }
}

impl Store {
    /// Reads of requests (inside [`read_scope`]) may go to these PostgreSQL hot standbys,
    /// skipped while they lag by more than `max_lag`.
    pub fn with_replicas(mut self, urls: &[String], max_lag: Duration) -> Result<Store> {
        if !urls.is_empty() && self.engine() != crate::Engine::Postgres {
            return Err(StoreError::BadUrl("bản sao chỉ dùng được khi cơ sở dữ liệu chính là PostgreSQL".into()));
        }
        self.replicas = Arc::new(ReplicaSet::connect(urls, max_lag)?);
        Ok(self)
    }

    pub fn has_replicas(&self) -> bool {
        !self.replicas.is_empty()
    }

    /// Where this read goes: in a request's [`read_scope`] with replicas configured, the server
    /// chosen at the request's first read (a standby that has replayed the session's last
    /// commit, else the primary); otherwise the primary.
    pub(crate) async fn read_pool(&self) -> Pool {
        if self.replicas.is_empty() {
            return self.pool().clone();
        }
        let Ok(scope) = SCOPE.try_with(Arc::clone) else { return self.pool().clone() };
        if scope.wrote.load(Ordering::Relaxed) {
            return self.pool().clone();
        }
        if let Some(p) = scope.chosen.get() {
            return p.clone();
        }
        let chosen = self.replicas.pick(scope.after).await.unwrap_or_else(|| self.pool().clone());
        scope.chosen.get_or_init(|| chosen).clone()
    }

    /// The primary's current WAL insert position: past every commit made so far. The web
    /// crate gives it to a session that wrote, so its next reads wait for a standby that has it.
    #[inline(never)]
    pub fn commit_position<'fut, 'l1: 'fut>(&'l1 self) -> crate::BoxFut<'fut, Result<Option<Lsn>>> {
        Box::pin(async move {
            if self.engine() != crate::Engine::Postgres {
                return Ok(None);
            }
            // The insert position, not the write position: with `synchronous_commit = off` a commit
            // returns before its record is written, and only the insert position is past it.
            let row = crate::db::query("SELECT CAST(pg_current_wal_insert_lsn() AS TEXT) AS lsn").fetch_one(self.pool()).await?;
            Ok(Lsn::parse(&row.text("lsn")?))
        })
    }

    /// Each standby's state (for `/healthz`), asked again when older than a quarter second:
    /// pages check `/healthz` to know whether the server answers, so it must stay cheap.
    #[inline(never)]
    pub fn replica_status<'fut, 'l1: 'fut>(&'l1 self) -> crate::BoxFut<'fut, Vec<ReplicaStatus>> {
        Box::pin(async move {
            let mut out = Vec::new();
            for r in &self.replicas.replicas {
                let s = r.snapshot();
                let s = if s.checked.is_some_and(|t| t.elapsed() < STATE_TTL) { s } else { r.probe().await };
                out.push(ReplicaStatus {
                    name: r.name.clone(),
                    up: s.up && s.standby,
                    lag_seconds: if s.up { s.lag_seconds } else { 0.0 },
                    serving: s.up && s.standby && s.lag_seconds <= self.replicas.max_lag.as_secs_f64(),
                    replay_lsn: s.replay.map(|l| l.to_string()),
                    error: s
                        .error
                        .or_else(|| (s.up && !s.standby).then(|| "không còn là bản sao (đã được nâng thành máy chủ chính?)".into())),
                });
            }
            out
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wal_positions_read_and_compare_as_postgresql_writes_them() {
        let a = Lsn::parse("16/B374D848").unwrap();
        assert_eq!(a.0, (0x16 << 32) | 0xB374_D848);
        assert_eq!(a.to_string(), "16/B374D848");
        assert!(Lsn::parse("0/FFFFFFFF").unwrap() < Lsn::parse("1/0").unwrap());
        assert_eq!(Lsn::parse("garbage"), None);
        assert_eq!(Lsn::parse("1/100000000"), None);
    }

    #[test]
    fn a_replica_is_named_without_its_password() {
        assert_eq!(name_of("postgres://app:secret@10.0.0.2:5433/hoctap?sslmode=require"), "10.0.0.2:5433/hoctap");
    }
}
