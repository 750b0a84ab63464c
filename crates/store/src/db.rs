//! The two native drivers behind one [`Store`](crate::Store): a pool, a connection (pooled or in
//! a transaction), a query with its binds and a row, each an enum over SQLite and PostgreSQL.
//!
//! The SQL text is shared: a [`Query`] keeps its binds as plain values ([`Arg`]) and hands them
//! to the engine's own argument buffer only when it runs, so nothing is generic over sqlx's
//! `Database` (which would compile every store function twice) and nothing goes through the
//! `Any` driver's row copy. A [`Row`] reads integers whatever width the engine declared
//! ([`Row::i64`]). What differs between the engines in SQL lives in [`crate::dialect`].

use crate::{Engine, StoreError};
use futures_util::stream::{BoxStream, StreamExt, TryStreamExt};
use sqlx::pool::PoolConnection;
use sqlx::postgres::{PgArguments, PgConnection, PgPool, PgRow};
use sqlx::sqlite::{SqliteArguments, SqliteConnection, SqlitePool, SqliteRow};
use sqlx::{Arguments, Column, ColumnIndex, Decode, Postgres, Row as _, SqlSafeStr, SqlStr, Sqlite, Transaction, Type, TypeInfo};

/// A pool of native connections to one engine.
#[derive(Clone, Debug)]
pub(crate) enum Pool {
    Sqlite(SqlitePool),
    Postgres(PgPool),
}

impl Pool {
    pub(crate) fn engine(&self) -> Engine {
        match self {
            Pool::Sqlite(_) => Engine::Sqlite,
            Pool::Postgres(_) => Engine::Postgres,
        }
    }

    /// A connection outside any transaction (reads that want one connection for several queries).
    pub(crate) async fn acquire(&self) -> Result<Held, sqlx::Error> {
        Ok(Held(match self {
            Pool::Sqlite(p) => Conn::Sqlite(Hold::Pooled(p.acquire().await?)),
            Pool::Postgres(p) => Conn::Postgres(Hold::Pooled(p.acquire().await?)),
        }))
    }

    /// Begins a transaction. On SQLite it takes the write lock at once (`BEGIN IMMEDIATE`): a
    /// deferred transaction that reads and then writes cannot wait for another writer and fails at
    /// once with "database is locked", while an immediate one waits its turn (busy timeout).
    pub(crate) async fn begin(&self) -> Result<Held, sqlx::Error> {
        Ok(Held(match self {
            Pool::Sqlite(p) => Conn::Sqlite(Hold::Tx(p.begin_with("BEGIN IMMEDIATE").await?)),
            Pool::Postgres(p) => Conn::Postgres(Hold::Tx(p.begin().await?)),
        }))
    }

    pub(crate) async fn close(&self) {
        match self {
            Pool::Sqlite(p) => p.close().await,
            Pool::Postgres(p) => p.close().await,
        }
    }
}

/// A connection held from the pool, or a transaction on one.
pub(crate) enum Hold<DB: sqlx::Database> {
    Tx(Transaction<'static, DB>),
    Pooled(PoolConnection<DB>),
}

impl<DB: sqlx::Database> Hold<DB> {
    fn conn(&mut self) -> &mut DB::Connection {
        match self {
            Hold::Tx(t) => &mut *t,
            Hold::Pooled(c) => &mut *c,
        }
    }
}

/// A connection of either engine: what the store's helpers take (`&mut Conn`).
pub(crate) enum Conn {
    Sqlite(Hold<Sqlite>),
    Postgres(Hold<Postgres>),
}

impl Conn {
    pub(crate) fn engine(&self) -> Engine {
        match self {
            Conn::Sqlite(_) => Engine::Sqlite,
            Conn::Postgres(_) => Engine::Postgres,
        }
    }

    /// The PostgreSQL connection (COPY), None on SQLite.
    pub(crate) fn postgres(&mut self) -> Option<&mut PgConnection> {
        match self {
            Conn::Postgres(h) => Some(h.conn()),
            Conn::Sqlite(_) => None,
        }
    }
}

/// A connection as handed out by [`Pool::acquire`] or [`Pool::begin`]; derefs to [`Conn`].
pub(crate) struct Held(Conn);

impl Held {
    /// Commits the transaction (a pooled connection outside a transaction has nothing to commit).
    pub(crate) async fn commit(self) -> Result<(), sqlx::Error> {
        match self.0 {
            Conn::Sqlite(Hold::Tx(t)) => t.commit().await?,
            Conn::Postgres(Hold::Tx(t)) => t.commit().await?,
            Conn::Sqlite(Hold::Pooled(_)) | Conn::Postgres(Hold::Pooled(_)) => return Ok(()),
        }
        crate::replica::note_write();
        Ok(())
    }
}

impl Held {
    /// Rolls the transaction back (dropping it does too; this says so and waits for it).
    pub(crate) async fn rollback(self) -> Result<(), sqlx::Error> {
        match self.0 {
            Conn::Sqlite(Hold::Tx(t)) => t.rollback().await,
            Conn::Postgres(Hold::Tx(t)) => t.rollback().await,
            Conn::Sqlite(Hold::Pooled(_)) | Conn::Postgres(Hold::Pooled(_)) => Ok(()),
        }
    }
}

impl std::ops::Deref for Held {
    type Target = Conn;
    fn deref(&self) -> &Conn {
        &self.0
    }
}

impl std::ops::DerefMut for Held {
    fn deref_mut(&mut self) -> &mut Conn {
        &mut self.0
    }
}

/// Where a query runs: a pool or a connection of either engine.
pub(crate) enum Exec<'e> {
    SqlitePool(&'e SqlitePool),
    PgPool(&'e PgPool),
    Sqlite(&'e mut SqliteConnection),
    Postgres(&'e mut PgConnection),
}

impl<'e> From<&'e Pool> for Exec<'e> {
    fn from(p: &'e Pool) -> Self {
        match p {
            Pool::Sqlite(p) => Exec::SqlitePool(p),
            Pool::Postgres(p) => Exec::PgPool(p),
        }
    }
}

impl<'e> From<&'e mut Conn> for Exec<'e> {
    fn from(c: &'e mut Conn) -> Self {
        match c {
            Conn::Sqlite(h) => Exec::Sqlite(h.conn()),
            Conn::Postgres(h) => Exec::Postgres(h.conn()),
        }
    }
}

impl<'e> From<&'e mut Held> for Exec<'e> {
    fn from(c: &'e mut Held) -> Self {
        Exec::from(&mut c.0)
    }
}

/// A bound value, kept until the query runs on its engine. Nulls carry their type: PostgreSQL
/// wants one for every parameter.
#[derive(Debug, Clone)]
pub(crate) enum Arg<'q> {
    I64(Option<i64>),
    I32(Option<i32>),
    F64(Option<f64>),
    Bool(Option<bool>),
    Str(Option<&'q str>),
    String(Option<String>),
    Bytes(Option<&'q [u8]>),
    ByteVec(Option<Vec<u8>>),
}

macro_rules! arg_from {
    ($($t:ty => $v:ident, $conv:expr);* $(;)?) => {$(
        impl<'q> From<$t> for Arg<'q> {
            fn from(x: $t) -> Self {
                Arg::$v(Some(($conv)(x)))
            }
        }
        impl<'q> From<Option<$t>> for Arg<'q> {
            fn from(x: Option<$t>) -> Self {
                Arg::$v(x.map($conv))
            }
        }
    )*};
}

arg_from! {
    i64 => I64, |x| x;
    i32 => I32, |x| x;
    f64 => F64, |x| x;
    bool => Bool, |x| x;
    &'q str => Str, |x| x;
    &'q String => Str, String::as_str;
    String => String, |x| x;
    &'q [u8] => Bytes, |x| x;
    &'q Vec<u8> => Bytes, Vec::as_slice;
    Vec<u8> => ByteVec, |x| x;
}

impl<'q> From<&'q Option<String>> for Arg<'q> {
    fn from(x: &'q Option<String>) -> Self {
        Arg::Str(x.as_deref())
    }
}

impl<'q> From<&'q &'q str> for Arg<'q> {
    fn from(x: &'q &'q str) -> Self {
        Arg::Str(Some(x))
    }
}

impl<'q> From<&'q i64> for Arg<'q> {
    fn from(x: &'q i64) -> Self {
        Arg::I64(Some(*x))
    }
}

impl<'q> From<usize> for Arg<'q> {
    /// Counts and sizes are stored as BIGINT.
    fn from(x: usize) -> Self {
        Arg::I64(Some(i64::try_from(x).unwrap_or(i64::MAX)))
    }
}

impl Arg<'_> {
    fn add_to<A>(self, args: &mut A) -> Result<(), sqlx::Error>
    where
        A: Arguments,
        for<'a> Option<i64>: sqlx::Encode<'a, A::Database> + Type<A::Database>,
        for<'a> Option<i32>: sqlx::Encode<'a, A::Database> + Type<A::Database>,
        for<'a> Option<f64>: sqlx::Encode<'a, A::Database> + Type<A::Database>,
        for<'a> Option<bool>: sqlx::Encode<'a, A::Database> + Type<A::Database>,
        for<'a> Option<&'a str>: sqlx::Encode<'a, A::Database> + Type<A::Database>,
        for<'a> Option<String>: sqlx::Encode<'a, A::Database> + Type<A::Database>,
        for<'a> Option<&'a [u8]>: sqlx::Encode<'a, A::Database> + Type<A::Database>,
        for<'a> Option<Vec<u8>>: sqlx::Encode<'a, A::Database> + Type<A::Database>,
    {
        match self {
            Arg::I64(v) => args.add(v),
            Arg::I32(v) => args.add(v),
            Arg::F64(v) => args.add(v),
            Arg::Bool(v) => args.add(v),
            Arg::Str(v) => args.add(v),
            Arg::String(v) => args.add(v),
            Arg::Bytes(v) => args.add(v),
            Arg::ByteVec(v) => args.add(v),
        }
        .map_err(sqlx::Error::Encode)
    }
}

/// A statement and its binds, run on whichever engine it is given.
#[must_use]
pub(crate) struct Query<'q> {
    sql: SqlStr,
    args: Vec<Arg<'q>>,
    /// Kept prepared on the connection (sqlx's statement cache), the default.
    persistent: bool,
}

/// A statement (`$1`, `$2`… placeholders on both engines, or `?` where [`crate::dialect`] says).
pub(crate) fn query<'q>(sql: impl SqlSafeStr) -> Query<'q> {
    Query { sql: sql.into_sql_str(), args: Vec::new(), persistent: true }
}

/// What a statement did.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Done {
    rows: u64,
}

impl Done {
    pub(crate) fn rows_affected(&self) -> u64 {
        self.rows
    }
}

impl<'q> Query<'q> {
    pub(crate) fn bind(mut self, value: impl Into<Arg<'q>>) -> Self {
        self.args.push(value.into());
        self
    }

    /// Planned for its values each time it runs, never kept prepared. For a statement whose best
    /// plan depends on its values: PostgreSQL turns a kept statement to one generic plan after
    /// five runs, and for a search that plan may walk a province's index computing every row's
    /// words (minutes for a rare name, measured on Hà Nội's 3.8 M citizens).
    pub(crate) fn planned_each_time(mut self) -> Self {
        self.persistent = false;
        self
    }

    /// Binds values collected beforehand, in order.
    pub(crate) fn bind_all(mut self, values: Vec<Arg<'q>>) -> Self {
        self.args.extend(values);
        self
    }

    fn sqlite(self) -> Result<sqlx::query::Query<'static, Sqlite, SqliteArguments>, sqlx::Error> {
        let mut args = SqliteArguments::default();
        args.reserve(self.args.len(), 0);
        for a in self.args {
            a.add_to(&mut args)?;
        }
        Ok(sqlx::query_with(self.sql, args).persistent(self.persistent))
    }

    fn postgres(self) -> Result<sqlx::query::Query<'static, Postgres, PgArguments>, sqlx::Error> {
        let mut args = PgArguments::default();
        args.reserve(self.args.len(), 0);
        for a in self.args {
            a.add_to(&mut args)?;
        }
        Ok(sqlx::query_with(self.sql, args).persistent(self.persistent))
    }

    pub(crate) async fn execute<'e>(self, ex: impl Into<Exec<'e>>) -> Result<Done, sqlx::Error> {
        // A statement run for its effect may write outside a transaction: the request's later
        // reads go to the primary (`replica`).
        crate::replica::note_write();
        let rows = match ex.into() {
            Exec::SqlitePool(p) => self.sqlite()?.execute(p).await?.rows_affected(),
            Exec::Sqlite(c) => self.sqlite()?.execute(c).await?.rows_affected(),
            Exec::PgPool(p) => self.postgres()?.execute(p).await?.rows_affected(),
            Exec::Postgres(c) => self.postgres()?.execute(c).await?.rows_affected(),
        };
        Ok(Done { rows })
    }

    pub(crate) async fn fetch_all<'e>(self, ex: impl Into<Exec<'e>>) -> Result<Vec<Row>, sqlx::Error> {
        Ok(match ex.into() {
            Exec::SqlitePool(p) => self.sqlite()?.fetch_all(p).await?.into_iter().map(Row::Sqlite).collect(),
            Exec::Sqlite(c) => self.sqlite()?.fetch_all(c).await?.into_iter().map(Row::Sqlite).collect(),
            Exec::PgPool(p) => self.postgres()?.fetch_all(p).await?.into_iter().map(Row::Postgres).collect(),
            Exec::Postgres(c) => self.postgres()?.fetch_all(c).await?.into_iter().map(Row::Postgres).collect(),
        })
    }

    pub(crate) async fn fetch_optional<'e>(self, ex: impl Into<Exec<'e>>) -> Result<Option<Row>, sqlx::Error> {
        Ok(match ex.into() {
            Exec::SqlitePool(p) => self.sqlite()?.fetch_optional(p).await?.map(Row::Sqlite),
            Exec::Sqlite(c) => self.sqlite()?.fetch_optional(c).await?.map(Row::Sqlite),
            Exec::PgPool(p) => self.postgres()?.fetch_optional(p).await?.map(Row::Postgres),
            Exec::Postgres(c) => self.postgres()?.fetch_optional(c).await?.map(Row::Postgres),
        })
    }

    /// The rows one at a time as the engine sends them: a result too big to hold (an export
    /// of a province, a recount of the country).
    pub(crate) fn fetch<'e>(self, ex: impl Into<Exec<'e>>) -> BoxStream<'e, Result<Row, sqlx::Error>> {
        let rows = match ex.into() {
            Exec::SqlitePool(p) => self.sqlite().map(|q| q.fetch(p).map_ok(Row::Sqlite).boxed()),
            Exec::Sqlite(c) => self.sqlite().map(|q| q.fetch(c).map_ok(Row::Sqlite).boxed()),
            Exec::PgPool(p) => self.postgres().map(|q| q.fetch(p).map_ok(Row::Postgres).boxed()),
            Exec::Postgres(c) => self.postgres().map(|q| q.fetch(c).map_ok(Row::Postgres).boxed()),
        };
        // A bind that cannot be encoded is the stream's one item.
        rows.unwrap_or_else(|e| futures_util::stream::once(async move { Err(e) }).boxed())
    }

    pub(crate) async fn fetch_one<'e>(self, ex: impl Into<Exec<'e>>) -> Result<Row, sqlx::Error> {
        self.fetch_optional(ex).await?.ok_or(sqlx::Error::RowNotFound)
    }
}

/// Runs statements without parameters, several separated by `;` (migrations, administration).
pub(crate) async fn raw<'e>(ex: impl Into<Exec<'e>>, sql: impl SqlSafeStr) -> Result<(), sqlx::Error> {
    // Run for its effect, as `Query::execute`: the request's later reads see it.
    crate::replica::note_write();
    let q = sqlx::raw_sql(sql);
    match ex.into() {
        Exec::SqlitePool(p) => q.execute(p).await.map(drop),
        Exec::Sqlite(c) => q.execute(c).await.map(drop),
        Exec::PgPool(p) => q.execute(p).await.map(drop),
        Exec::Postgres(c) => q.execute(c).await.map(drop),
    }
}

/// A row of either engine, read by column name or position.
pub(crate) enum Row {
    Sqlite(SqliteRow),
    Postgres(PgRow),
}

/// A value both engines can decode.
pub(crate) trait Value<'r>: Decode<'r, Sqlite> + Type<Sqlite> + Decode<'r, Postgres> + Type<Postgres> {}
impl<'r, T: Decode<'r, Sqlite> + Type<Sqlite> + Decode<'r, Postgres> + Type<Postgres>> Value<'r> for T {}

/// A column name or position both engines understand.
pub(crate) trait Index: ColumnIndex<SqliteRow> + ColumnIndex<PgRow> + Copy + std::fmt::Debug {}
impl<I: ColumnIndex<SqliteRow> + ColumnIndex<PgRow> + Copy + std::fmt::Debug> Index for I {}

impl Row {
    pub(crate) fn try_get<'r, T: Value<'r>, I: Index>(&'r self, index: I) -> Result<T, sqlx::Error> {
        match self {
            Row::Sqlite(r) => r.try_get(index),
            Row::Postgres(r) => r.try_get(index),
        }
    }

    /// An integer column, whatever width the engine declared (PostgreSQL's INTEGER is 4 bytes,
    /// SQLite's 8).
    pub(crate) fn i64<I: Index>(&self, index: I) -> crate::Result<i64> {
        self.opt_i64(index)?.ok_or_else(|| StoreError::Db(sqlx::Error::ColumnDecode { index: format!("{index:?}"), source: "NULL".into() }))
    }

    /// An integer column that may be NULL.
    pub(crate) fn opt_i64<I: Index>(&self, index: I) -> crate::Result<Option<i64>> {
        Ok(match self {
            Row::Sqlite(r) => r.try_get::<Option<i64>, _>(index)?,
            Row::Postgres(r) => match r.try_column(index)?.type_info().name() {
                "INT2" => r.try_get::<Option<i16>, _>(index)?.map(i64::from),
                "INT4" => r.try_get::<Option<i32>, _>(index)?.map(i64::from),
                "BOOL" => r.try_get::<Option<bool>, _>(index)?.map(i64::from),
                _ => r.try_get::<Option<i64>, _>(index)?,
            },
        })
    }

    /// A text column.
    pub(crate) fn text<I: Index>(&self, index: I) -> crate::Result<String> {
        Ok(self.try_get::<String, I>(index)?)
    }

    /// A text column that may be NULL.
    pub(crate) fn opt_text<I: Index>(&self, index: I) -> crate::Result<Option<String>> {
        Ok(self.try_get::<Option<String>, I>(index)?)
    }
}
