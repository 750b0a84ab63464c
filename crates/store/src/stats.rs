//! Statistics counters (số liệu tổng hợp): written in the transaction of each change
//! ([`add_deltas`]), summed at read time through the unit tree, on the tree as it was or
//! re-based onto today's units, and rebuilt from every record version by [`Store::recount`].

use std::collections::{BTreeMap, HashMap};

use crate::db::Conn;
use hoctap_domain::hierarchy::{RebaseLink, UnitId, rebase_step};
use hoctap_domain::registry::def::{self, Registry, RegistryKind, Value, Values};
use hoctap_domain::stats::{self, Delta, MetricKind};
use jiff::civil::Date;
use serde::Serialize;

use crate::{Result, Store, UnitRow, date_text, parse_date_col};

/// Which tree numbers are summed on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Basis {
    /// The tree as it was on this date (a 2023 report of a district abolished in 2025).
    AsAt(Date),
    /// Today's tree: every old unit's numbers counted in its successor of today.
    Rebased(Date),
}

impl Basis {
    /// The date of the tree the numbers are summed on.
    pub fn date(self) -> Date {
        match self {
            Self::AsAt(d) | Self::Rebased(d) => d,
        }
    }
}

/// Yearly changes of each metric: metric → year → change.
pub type MetricChanges = BTreeMap<String, BTreeMap<i16, i64>>;

/// Each metric's value in `year` from its changes (stock: up to the year; flow: the year).
pub fn values_at(changes: &MetricChanges, year: i16) -> BTreeMap<String, i64> {
    changes.iter().map(|(m, c)| (m.clone(), stats::value_at(stats::metric_kind(m).unwrap_or(MetricKind::Stock), c, year))).collect()
}

/// One counter that differs from its recount.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct Drift {
    pub unit_id: i64,
    pub metric: String,
    pub year: i16,
    pub stored: i64,
    pub recounted: i64,
}

/// What `hoctap recount` found.
#[derive(Debug, Clone, Serialize)]
pub struct RecountReport {
    pub versions: usize,
    pub counters: usize,
    pub drift: Vec<Drift>,
    pub fixed: bool,
}

/// The units a record's numbers count in, as the tree stood on a date: its unit (a village, or
/// the commune or province it is placed in), then every unit above it (the commune, the district
/// before 01/07/2025, the province). Counting at each level when writing keeps every
/// dashboard's read to a few hundred rows, whatever the size of the country.
pub(crate) async fn stat_units(conn: &mut Conn, unit: i64, on: Date, cache: &mut BTreeMap<(i64, Date), Vec<i64>>) -> Result<Vec<i64>> {
    if let Some(u) = cache.get(&(unit, on)) {
        return Ok(u.clone());
    }
    let query = |at: Date| {
        crate::db::query(
            "SELECT c.ancestor_id AS id, u.kind, c.depth FROM unit_closure c JOIN units u ON u.id = c.ancestor_id \
             WHERE c.descendant_id = $1 AND c.valid_from <= $2 AND c.valid_to > $2 ORDER BY c.depth",
        )
        .bind(unit)
        .bind(date_text(at))
    };
    let mut rows = query(on).fetch_all(&mut *conn).await?;
    if rows.is_empty() {
        // A record dated before its unit existed (a village added today, a decision of last
        // week): the tree as it stood when the unit began.
        let first = crate::db::query("SELECT valid_from FROM units WHERE id = $1").bind(unit).fetch_optional(&mut *conn).await?;
        if let Some(r) = first {
            let from = parse_date_col(&r.text("valid_from")?)?;
            rows = query(from).fetch_all(&mut *conn).await?;
        }
    }
    // The village (when the record is in one), its commune and every unit above.
    let mut out = Vec::new();
    for r in &rows {
        out.push(r.i64("id")?);
    }
    if out.is_empty() {
        out.push(unit);
    }
    cache.insert((unit, on), out.clone());
    Ok(out)
}

/// Counter rows: (unit, metric, year) → change.
type CounterRows = BTreeMap<(i64, &'static str, i16), i64>;

/// Spreads deltas (each with the unit of its record and the date that unit is read on) over
/// every unit they count in, summed by counter, zeros dropped.
async fn fold_by_unit(conn: &mut Conn, items: &[(i64, Date, Delta)]) -> Result<CounterRows> {
    let mut cache = BTreeMap::new();
    let mut folded = CounterRows::new();
    for (unit, on, d) in items {
        for u in stat_units(conn, *unit, *on, &mut cache).await? {
            *folded.entry((u, d.metric, d.year)).or_default() += d.amount;
        }
    }
    folded.retain(|_, v| *v != 0);
    Ok(folded)
}

/// Adds changes to the counters, 200 rows a statement.
async fn write_counters(conn: &mut Conn, rows: &[((i64, &'static str, i16), i64)]) -> Result<()> {
    for chunk in rows.chunks(200) {
        let values: Vec<String> =
            (0..chunk.len()).map(|i| format!("(${}, ${}, ${}, ${})", i * 4 + 1, i * 4 + 2, i * 4 + 3, i * 4 + 4)).collect();
        let sql = format!(
            "INSERT INTO stat_deltas (unit_id, metric, year, delta) VALUES {} \
             ON CONFLICT (unit_id, metric, year) DO UPDATE SET delta = stat_deltas.delta + excluded.delta",
            values.join(", ")
        );
        let mut q = crate::db::query(sqlx::AssertSqlSafe(sql));
        for ((unit, metric, year), delta) in chunk {
            q = q.bind(*unit).bind(*metric).bind(i64::from(*year)).bind(*delta);
        }
        q.execute(&mut *conn).await?;
    }
    Ok(())
}

/// Adds deltas, each given with the unit of its record and the date that unit is read on.
pub(crate) async fn add_deltas(conn: &mut Conn, items: &[(i64, Date, Delta)]) -> Result<()> {
    let rows: Vec<_> = fold_by_unit(conn, items).await?.into_iter().collect();
    write_counters(conn, &rows).await
}

/// The deltas of a registry record's version valid over `[from, to)`.
pub(crate) fn record_deltas(reg: &Registry, values: &Values, from: Date, to: Date) -> Vec<Delta> {
    if reg.kind == RegistryKind::FundEntries {
        return stats::fund_entry_deltas(values);
    }
    stats::version_deltas(&stats::registry_contributions(reg.kind, values), from, to)
}

/// Deltas for a record's change on `on`: the old version (its unit, and the day that version
/// started, where its numbers were counted) ends, the new one starts; either may be absent (a
/// creation, an ending).
pub(crate) fn change_deltas(
    reg: &Registry,
    before: Option<(i64, Date, &Values)>,
    after: Option<(i64, &Values)>,
    on: Date,
) -> Vec<(i64, Date, Delta)> {
    let mut out = Vec::new();
    if reg.kind == RegistryKind::FundEntries {
        // Posted entries never change: only a new one counts.
        if before.is_none()
            && let Some((unit, v)) = after
        {
            out.extend(stats::fund_entry_deltas(v).into_iter().map(|d| (unit, on, d)));
        }
        return out;
    }
    if let Some((unit, started, v)) = before {
        out.extend(
            stats::registry_contributions(reg.kind, v)
                .into_iter()
                .map(|(metric, amount)| (unit, started, Delta { year: on.year(), metric, amount: -amount })),
        );
    }
    if let Some((unit, v)) = after {
        out.extend(
            stats::registry_contributions(reg.kind, v)
                .into_iter()
                .map(|(metric, amount)| (unit, on, Delta { year: on.year(), metric, amount })),
        );
    }
    out
}

/// The fields the counters read, from a stored version's JSON.
fn stat_values_from_json(reg: &Registry, json: &serde_json::Value) -> Values {
    let mut v = Values::new();
    for f in reg.fields {
        match json.get(f.column) {
            Some(serde_json::Value::String(s)) => v.insert(f.column, Value::Text(s.clone())),
            Some(serde_json::Value::Bool(b)) => v.insert(f.column, Value::Bool(*b)),
            Some(serde_json::Value::Number(n)) => v.insert(f.column, Value::Int(n.as_i64().unwrap_or(0))),
            _ => None,
        };
    }
    v
}

/// The counted fields of a stored row (text, flag and number columns as the counters need).
fn stat_values_from_row(reg: &Registry, row: &crate::db::Row) -> Result<Values> {
    let mut v = Values::new();
    for column in ["occupation_group", "kind", "reverses"] {
        if reg.field(column).is_some()
            && let Some(s) = row.opt_text(column)?
        {
            v.insert(column, Value::Text(s));
        }
    }
    for column in ["uses_it", "manager_is_hkh_chair"] {
        if reg.field(column).is_some() {
            let flag = row.opt_i64(column)?.unwrap_or(0) != 0;
            v.insert(column, Value::Bool(flag));
        }
    }
    if reg.field("amount").is_some()
        && let Some(n) = row.opt_i64("amount")?
    {
        v.insert("amount", Value::Int(n));
    }
    if reg.field("posted_on").is_some()
        && let Some(s) = row.opt_text("posted_on")?
    {
        v.insert("posted_on", Value::Date(parse_date_col(&s)?));
    }
    Ok(v)
}

/// Recounted deltas summed as they are read: by the unit of the record, the stretch of the unit
/// tree's history its date falls in (the tree, hence the units counted, is the same for every
/// date of a stretch), metric and year. A few rows per unit, whatever the number of records: the
/// recount of 150 M rows holds this map, not a delta per version (which took 17.7 GB).
struct Recounted {
    /// Every date on which some unit's place in the tree changes, sorted.
    bounds: Vec<Date>,
    sums: HashMap<(i64, Date, &'static str, i16), i64>,
    versions: usize,
}

impl Recounted {
    async fn new(conn: &mut Conn) -> Result<Self> {
        let mut bounds = std::collections::BTreeSet::new();
        for r in crate::db::query(
            "SELECT valid_from AS d FROM unit_closure UNION SELECT valid_to FROM unit_closure UNION SELECT valid_from FROM units",
        )
        .fetch_all(&mut *conn)
        .await?
        {
            bounds.insert(parse_date_col(&r.text("d")?)?);
        }
        Ok(Self { bounds: bounds.into_iter().collect(), sums: HashMap::new(), versions: 0 })
    }

    /// Adds `times` versions' deltas, read with their unit on `on`.
    fn add(&mut self, unit: i64, on: Date, deltas: impl IntoIterator<Item = Delta>, times: i64) {
        // The first date of `on`'s stretch reads the same tree as `on` (`stat_units`); before
        // the first change of all, no closure row is valid.
        let at = match self.bounds.partition_point(|b| *b <= on) {
            0 => Date::MIN,
            i => self.bounds[i - 1],
        };
        for d in deltas {
            *self.sums.entry((unit, at, d.metric, d.year)).or_default() += d.amount * times;
        }
    }

    /// Spreads the sums over every unit they count in: the expected counters, zeros dropped.
    async fn fold(self, conn: &mut Conn) -> Result<HashMap<(i64, &'static str, i16), i64>> {
        let mut cache = BTreeMap::new();
        let mut folded: HashMap<(i64, &'static str, i16), i64> = HashMap::new();
        for ((unit, at, metric, year), amount) in self.sums {
            if amount == 0 {
                continue;
            }
            for u in stat_units(conn, unit, at, &mut cache).await? {
                *folded.entry((u, metric, year)).or_default() += amount;
            }
        }
        folded.retain(|_, v| *v != 0);
        Ok(folded)
    }
}

/// The columns the counters read, those a registry has.
fn counted_columns(reg: &Registry) -> Vec<&'static str> {
    ["occupation_group", "kind", "reverses", "uses_it", "manager_is_hkh_chair", "amount", "posted_on"]
        .into_iter()
        .filter(|c| reg.field(c).is_some())
        .collect()
}

impl Store {
    /// Rebuilds the counters from every version of every record and every recognition, and
    /// compares them with the stored ones; `fix` writes the recount (one transaction).
    ///
    /// The current versions are grouped in SQL (unit, dates and counted columns, with their
    /// number); past versions, recognitions and stored counters stream. Memory is the size of
    /// the counters, not of the registries.
    #[tracing::instrument(name = "store.recount", skip(self))]
    #[inline(never)]
    pub fn recount<'fut, 'l1: 'fut>(&'l1 self, fix: bool) -> crate::BoxFut<'fut, Result<RecountReport>> {
        Box::pin(async move {
            use futures_util::TryStreamExt;
            let mut conn = self.pool().acquire().await?;
            let mut recount = Recounted::new(&mut conn).await?;
            for reg in def::REGISTRIES {
                if reg.kind != RegistryKind::FundEntries && stats::registry_contributions(reg.kind, &Values::new()).is_empty() {
                    continue;
                }
                let counted = counted_columns(reg);
                let extra: String = counted.iter().map(|c| format!(", t.{c}")).collect();
                // The current version starts where the last past one ended.
                let sql = format!(
                    "SELECT t.unit_id, COALESCE(h.current_from, t.valid_from) AS current_from, t.valid_to{extra}, COUNT(*) AS n \
                 FROM {} t LEFT JOIN (SELECT record_id, MAX(valid_to) AS current_from FROM registry_history WHERE registry = $1 GROUP BY record_id) h \
                 ON h.record_id = t.id GROUP BY t.unit_id, COALESCE(h.current_from, t.valid_from), t.valid_to{extra}",
                    reg.table
                );
                let mut rows = crate::db::query(sqlx::AssertSqlSafe(sql)).bind(reg.slug).fetch(&mut *conn);
                while let Some(r) = rows.try_next().await? {
                    let from = parse_date_col(&r.text("current_from")?)?;
                    let to = parse_date_col(&r.text("valid_to")?)?;
                    let n = r.i64("n")?;
                    recount.versions += usize::try_from(n).unwrap_or(0);
                    recount.add(r.i64("unit_id")?, from, record_deltas(reg, &stat_values_from_row(reg, &r)?, from, to), n);
                }
                drop(rows);
                let sql = format!(
                    "SELECT h.valid_from, h.valid_to, h.data_json, COALESCE(h.unit_id, t.unit_id) AS unit_id FROM registry_history h JOIN {} t ON t.id = h.record_id WHERE h.registry = $1",
                    reg.table
                );
                let mut rows = crate::db::query(sqlx::AssertSqlSafe(sql)).bind(reg.slug).fetch(&mut *conn);
                while let Some(r) = rows.try_next().await? {
                    let from = parse_date_col(&r.text("valid_from")?)?;
                    let to = parse_date_col(&r.text("valid_to")?)?;
                    let json: serde_json::Value = serde_json::from_str(&r.text("data_json")?).unwrap_or_default();
                    recount.versions += 1;
                    recount.add(
                        r.i64("unit_id").unwrap_or_default(),
                        from,
                        record_deltas(reg, &stat_values_from_json(reg, &json), from, to),
                        1,
                    );
                }
            }
            let mut rows = crate::db::query("SELECT unit_id, valid_from, valid_until, revoked, revoked_on, metrics FROM recognitions")
                .fetch(&mut *conn);
            while let Some(r) = rows.try_next().await? {
                let metrics: String = r.try_get("metrics")?;
                let (from, to) = recognition_span(&r)?;
                let contributions: Vec<(&'static str, i64)> =
                    metrics.split(',').filter_map(|m| stats::METRICS.iter().find(|(id, ..)| *id == m).map(|(id, ..)| (*id, 1))).collect();
                recount.versions += 1;
                recount.add(r.i64("unit_id").unwrap_or_default(), from, stats::version_deltas(&contributions, from, to), 1);
            }
            drop(rows);
            // Learning centres' activities (crate::learning).
            let (activities, learning) = crate::learning::recount_items(&mut conn).await?;
            recount.versions += activities;
            for (unit, on, d) in learning {
                recount.add(unit, on, [d], 1);
            }
            let versions = recount.versions;
            // Each expected counter with whether a stored row was found for it.
            let mut expected: HashMap<(i64, &'static str, i16), (i64, bool)> =
                recount.fold(&mut conn).await?.into_iter().map(|(k, v)| (k, (v, false))).collect();
            let mut drift = Vec::new();
            let mut counters = 0;
            let mut rows = crate::db::query("SELECT unit_id, metric, year, delta FROM stat_deltas").fetch(&mut *conn);
            while let Some(r) = rows.try_next().await? {
                let stored = r.i64("delta")?;
                if stored == 0 {
                    continue;
                }
                counters += 1;
                let (unit, metric, year): (i64, String, i16) =
                    (r.i64("unit_id")?, r.try_get("metric")?, i16::try_from(r.i64("year")?).unwrap_or(0));
                let recounted = match stats::METRICS.iter().find(|(id, ..)| *id == metric) {
                    Some((id, ..)) => match expected.get_mut(&(unit, *id, year)) {
                        Some((v, seen)) => {
                            *seen = true;
                            *v
                        }
                        None => 0,
                    },
                    None => 0,
                };
                if stored != recounted {
                    drift.push(Drift { unit_id: unit, metric, year, stored, recounted });
                }
            }
            drop(rows);
            for ((unit, metric, year), (recounted, seen)) in &expected {
                if !seen {
                    drift.push(Drift { unit_id: *unit, metric: (*metric).to_string(), year: *year, stored: 0, recounted: *recounted });
                }
            }
            drift.sort_by(|a, b| (a.unit_id, &a.metric, a.year).cmp(&(b.unit_id, &b.metric, b.year)));
            let counters_drift = !drift.is_empty();
            // The figures the learning centres' year report reads, kept per activity.
            let figures = crate::learning_figures::drift(&mut conn).await?;
            drop(conn);
            if fix && (counters_drift || !figures.is_empty()) {
                let mut tx = self.begin().await?;
                if counters_drift {
                    crate::db::query("DELETE FROM stat_deltas").execute(&mut *tx).await?;
                    let mut rows: Vec<_> = expected.into_iter().map(|(k, (v, _))| (k, v)).collect();
                    rows.sort_unstable();
                    write_counters(&mut tx, &rows).await?;
                }
                if !figures.is_empty() {
                    crate::learning_figures::rebuild(&mut tx).await?;
                }
                tx.commit().await?;
            }
            drift.extend(figures);
            Ok(RecountReport { versions, counters, fixed: fix && !drift.is_empty(), drift })
        })
    }

    /// Values of metrics for a unit (None: the whole country) in a year.
    #[inline(never)]
    pub fn metric_values<'fut, 'l1: 'fut, 'l2: 'fut, 'l3: 'fut>(
        &'l1 self,
        unit: Option<i64>,
        year: i16,
        metrics: &'l2 [&'l3 str],
        basis: Basis,
    ) -> crate::BoxFut<'fut, Result<BTreeMap<String, i64>>> {
        Box::pin(async move {
            let changes = self.metric_changes(unit, false, year, metrics, basis).await?;
            Ok(changes.into_values().next().map(|c| values_at(&c, year)).unwrap_or_default())
        })
    }

    /// Values of metrics for each child of a unit (None: each province) in a year.
    #[inline(never)]
    pub fn metric_values_by_child<'fut, 'l1: 'fut, 'l2: 'fut, 'l3: 'fut>(
        &'l1 self,
        unit: Option<i64>,
        year: i16,
        metrics: &'l2 [&'l3 str],
        basis: Basis,
    ) -> crate::BoxFut<'fut, Result<BTreeMap<i64, BTreeMap<String, i64>>>> {
        Box::pin(async move {
            let changes = self.metric_changes(unit, true, year, metrics, basis).await?;
            Ok(changes.into_iter().map(|(k, c)| (k, values_at(&c, year))).collect())
        })
    }

    /// The yearly changes of metrics up to `year`, for a unit (or the country) or for each of
    /// its children: group → metric → year → change. Each unit's own counters are read (a
    /// province's rows hold its whole territory), re-based when the unit exists today: today's
    /// unit also carries the rows of the units merged into it. Tree counts (villages, communes)
    /// come as one change in year 0: the tree on the basis date.
    #[inline(never)]
    pub fn metric_changes<'fut, 'l1: 'fut, 'l2: 'fut, 'l3: 'fut>(
        &'l1 self,
        unit: Option<i64>,
        by_child: bool,
        year: i16,
        metrics: &'l2 [&'l3 str],
        basis: Basis,
    ) -> crate::BoxFut<'fut, Result<BTreeMap<i64, MetricChanges>>> {
        Box::pin(async move {
            let mut out: BTreeMap<i64, MetricChanges> = BTreeMap::new();
            let on = basis.date();
            let today = crate::today();
            // The units whose totals are read (the unit, its children, or the provinces), with
            // their kind and whether they exist today.
            let targets: Vec<UnitRow> = match (unit, by_child) {
                (Some(u), false) => vec![self.unit(u).await?],
                (Some(u), true) => self.children(u, on).await?,
                (None, _) => self.provinces(on).await?,
            };
            let counted: Vec<&str> = metrics.iter().copied().filter(|m| stats::is_counted(m)).collect();
            // The country's total is summed in SQL (one row per metric and year).
            let national = unit.is_none() && !by_child;
            if !counted.is_empty() && !targets.is_empty() {
                let rebased = matches!(basis, Basis::Rebased(_)) || targets.iter().all(|t| t.validity.contains(today));
                let ids: Vec<String> = targets.iter().map(|t| t.id.to_string()).collect();
                let kinds: std::collections::BTreeSet<&str> = targets.iter().map(|t| t.kind.code()).collect();
                let kind_list: Vec<String> = kinds.iter().map(|k| format!("'{k}'")).collect();
                let metric_list: Vec<String> = (0..counted.len()).map(|i| format!("${}", i + 2)).collect();
                // Ids and kinds come from the units table, not from the request.
                let sql = if rebased {
                    format!(
                        "SELECT {grp} AS grp, s.metric, s.year, CAST(SUM(s.delta) AS BIGINT) AS delta FROM stat_deltas s \
                     JOIN unit_rebase r ON r.unit_id = s.unit_id \
                     WHERE r.current_id IN ({ids}) AND r.kind IN ({kinds}) AND s.year <= $1 AND s.metric IN ({m}) GROUP BY {by}s.metric, s.year",
                        grp = if national { "0" } else { "r.current_id" },
                        by = if national { "" } else { "r.current_id, " },
                        ids = ids.join(", "),
                        kinds = kind_list.join(", "),
                        m = metric_list.join(", ")
                    )
                } else {
                    format!(
                        "SELECT {grp} AS grp, s.metric, s.year, CAST(SUM(s.delta) AS BIGINT) AS delta FROM stat_deltas s \
                     WHERE s.unit_id IN ({ids}) AND s.year <= $1 AND s.metric IN ({m}) GROUP BY {by}s.metric, s.year",
                        grp = if national { "0" } else { "s.unit_id" },
                        by = if national { "" } else { "s.unit_id, " },
                        ids = ids.join(", "),
                        m = metric_list.join(", ")
                    )
                };
                let mut q = crate::db::query(sqlx::AssertSqlSafe(sql)).bind(i64::from(year));
                for m in &counted {
                    q = q.bind(*m);
                }
                for r in q.fetch_all(&self.read_pool().await).await? {
                    let y = i16::try_from(r.i64("year")?).unwrap_or(0);
                    *out.entry(r.i64("grp")?).or_default().entry(r.try_get("metric")?).or_default().entry(y).or_default() +=
                        r.i64("delta")?;
                }
                // Units made after the re-basing map (none of the kinds read here, normally):
                // their own rows.
            }
            for (metric, kind) in stats::UNIT_METRICS {
                if !metrics.contains(metric) {
                    continue;
                }
                let ids: Vec<String> = targets.iter().map(|t| t.id.to_string()).collect();
                if ids.is_empty() {
                    continue;
                }
                // Both plans start from the closure by ancestor (starting from the kind would visit
                // every commune of both eras); each engine needs its own hint to get there.
                let kind_test = match self.engine() {
                    // `|| ''` keeps SQLite off the kind index.
                    crate::Engine::Sqlite => "EXISTS (SELECT 1 FROM units u WHERE u.id = c.descendant_id AND u.kind || '' = $2)",
                    // PostgreSQL hashes the units of the kind once.
                    crate::Engine::Postgres => {
                        "c.descendant_id IN (SELECT u.id FROM units u WHERE u.kind = $2 AND u.valid_from <= $1 AND u.valid_to > $1)"
                    }
                };
                let sql = format!(
                    "SELECT {grp} AS grp, COUNT(*) AS n FROM unit_closure c WHERE c.ancestor_id IN ({}) AND c.valid_from <= $1 AND c.valid_to > $1 AND {kind_test}{by}",
                    ids.join(", "),
                    grp = if national { "0" } else { "c.ancestor_id" },
                    by = if national { "" } else { " GROUP BY c.ancestor_id" }
                );
                for r in
                    crate::db::query(sqlx::AssertSqlSafe(sql)).bind(date_text(on)).bind(*kind).fetch_all(&self.read_pool().await).await?
                {
                    out.entry(r.i64("grp")?).or_default().entry((*metric).to_string()).or_default().insert(0, r.i64("n")?);
                }
            }
            Ok(out)
        })
    }

    /// Rebuilds `unit_rebase`: today's unit for every unit (itself while valid; else its
    /// same-kind successor through the lineage, else any successor, else its parent's).
    #[inline(never)]
    pub fn rebuild_rebase<'fut, 'l1: 'fut>(&'l1 self) -> crate::BoxFut<'fut, Result<usize>> {
        Box::pin(async move {
            let mut tx = self.begin().await?;
            let n = rebuild_rebase(&mut tx, crate::today()).await?;
            tx.commit().await?;
            Ok(n)
        })
    }
}

/// `[from, to)` of a stored recognition row.
fn recognition_span(r: &crate::db::Row) -> Result<(Date, Date)> {
    let from = parse_date_col(&r.text("valid_from")?)?;
    let until: String = r.try_get("valid_until")?;
    let until = if until.is_empty() { None } else { Some(parse_date_col(&until)?) };
    let revoked = r.opt_i64("revoked")?.unwrap_or(0) != 0;
    let revoked_on: String = r.try_get("revoked_on")?;
    let revoked_on = if revoked && !revoked_on.is_empty() { Some(parse_date_col(&revoked_on)?) } else { None };
    Ok(stats::recognition_period(from, until, revoked_on))
}

pub(crate) async fn rebuild_rebase(conn: &mut Conn, today: Date) -> Result<usize> {
    let units: Vec<(i64, String, Date)> = crate::db::query("SELECT id, kind, valid_to FROM units")
        .fetch_all(&mut *conn)
        .await?
        .iter()
        .map(|r| Ok((r.i64("id")?, r.text("kind")?, parse_date_col(&r.text("valid_to")?)?)))
        .collect::<Result<_>>()?;
    // (successor, partial, seat) per predecessor, and the administrators' overrides.
    let mut successors: BTreeMap<i64, Vec<(i64, bool, bool)>> = BTreeMap::new();
    for r in crate::db::query("SELECT predecessor_id, successor_id, partial, seat FROM lineage_links ORDER BY successor_id")
        .fetch_all(&mut *conn)
        .await?
    {
        successors.entry(r.i64("predecessor_id")?).or_default().push((r.i64("successor_id")?, r.i64("partial")? != 0, r.i64("seat")? != 0));
    }
    let overrides: BTreeMap<i64, i64> = crate::db::query("SELECT unit_id, current_id FROM rebase_overrides")
        .fetch_all(&mut *conn)
        .await?
        .iter()
        .map(|r| Ok((r.i64("unit_id")?, r.i64("current_id")?)))
        .collect::<Result<_>>()?;
    // A unit's last parent, for units that end without a successor.
    let mut last_parent: BTreeMap<i64, (Date, i64)> = BTreeMap::new();
    for r in crate::db::query("SELECT child_id AS unit_id, parent_id, valid_to FROM unit_parents").fetch_all(&mut *conn).await? {
        let (unit, parent, to) = (r.i64("unit_id")?, r.i64("parent_id")?, parse_date_col(&r.text("valid_to")?)?);
        let e = last_parent.entry(unit).or_insert((to, parent));
        if to >= e.0 {
            *e = (to, parent);
        }
    }
    let info: BTreeMap<i64, (&str, bool)> = units.iter().map(|(id, kind, to)| (*id, (kind.as_str(), *to > today))).collect();
    let mut map: Vec<(i64, i64, &str)> = Vec::with_capacity(units.len());
    for (id, kind, _) in &units {
        let mut at = *id;
        for _ in 0..16 {
            let Some((k, current)) = info.get(&at) else { break };
            if *current {
                break;
            }
            // The domain's rule: override, else the seat's successor of a partial merge, else a
            // whole successor of the same level (the unit's or the starting unit's), else any.
            let next = successors.get(&at).and_then(|s| {
                let links: Vec<RebaseLink> = s
                    .iter()
                    .map(|(x, partial, seat)| RebaseLink {
                        successor: UnitId(*x),
                        same_kind: info.get(x).is_some_and(|(sk, _)| *sk == *k || *sk == kind.as_str()),
                        partial: *partial,
                        seat: *seat,
                    })
                    .collect();
                rebase_step(&links, overrides.get(&at).map(|o| UnitId(*o))).map(|(u, _)| u.0)
            });
            at = match next.or_else(|| last_parent.get(&at).map(|(_, p)| *p)) {
                Some(n) => n,
                None => break,
            };
        }
        map.push((*id, at, kind.as_str()));
    }
    crate::db::query("DELETE FROM unit_rebase").execute(&mut *conn).await?;
    for chunk in map.chunks(400) {
        let values: Vec<String> = (0..chunk.len()).map(|i| format!("(${}, ${}, ${})", i * 3 + 1, i * 3 + 2, i * 3 + 3)).collect();
        let sql = format!("INSERT INTO unit_rebase (unit_id, current_id, kind) VALUES {}", values.join(", "));
        let mut q = crate::db::query(sqlx::AssertSqlSafe(sql));
        for (a, b, k) in chunk {
            q = q.bind(*a).bind(*b).bind(*k);
        }
        q.execute(&mut *conn).await?;
    }
    Ok(map.len())
}

impl Store {
    /// Records the value of a reported indicator (chỉ số báo cáo) for a unit and year,
    /// replacing an earlier one, with its audit entry.
    #[inline(never)]
    pub fn set_reported_value<'fut, 'l1: 'fut, 'l2: 'fut, 'l3: 'fut, 'l4: 'fut, 'l5: 'fut>(
        &'l1 self,
        actor: &'l2 crate::Actor,
        unit_id: i64,
        year: i16,
        indicator: &'l3 str,
        value: &'l4 hoctap_domain::criteria::Number,
        note: &'l5 str,
    ) -> crate::BoxFut<'fut, Result<()>> {
        Box::pin(async move {
            let mut tx = self.begin().await?;
            let before = crate::db::query("SELECT value FROM indicator_reports WHERE unit_id = $1 AND year = $2 AND indicator = $3")
                .bind(unit_id)
                .bind(i64::from(year))
                .bind(indicator)
                .fetch_optional(&mut *tx)
                .await?
                .map(|r| r.text("value"))
                .transpose()?;
            crate::db::query(
            "INSERT INTO indicator_reports (unit_id, year, indicator, value, note, updated_by, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7) \
             ON CONFLICT (unit_id, year, indicator) DO UPDATE SET value = excluded.value, note = excluded.note, updated_by = excluded.updated_by, updated_at = excluded.updated_at",
        )
        .bind(unit_id)
        .bind(i64::from(year))
        .bind(indicator)
        .bind(value.to_exact())
        .bind(note.trim())
        .bind(&actor.username)
        .bind(crate::now_text())
        .execute(&mut *tx)
        .await?;
            crate::audit::record(
                &mut tx,
                actor,
                crate::AuditEntry {
                    unit_id: Some(unit_id),
                    action: "indicator.report",
                    entity: "indicator",
                    entity_id: format!("{indicator}/{year}"),
                    before: before.map(|b| serde_json::json!({"value": b})),
                    after: Some(serde_json::json!({"value": value.to_string(), "note": note.trim()})),
                },
            )
            .await?;
            tx.commit().await?;
            Ok(())
        })
    }

    /// Reported values of a unit, for a range of years: (indicator, year) → (value, note).
    #[expect(clippy::type_complexity, reason = "the rows the function returns, inside its boxed future")]
    #[inline(never)]
    pub fn reported_values<'fut, 'l1: 'fut>(
        &'l1 self,
        unit_id: i64,
        years: std::ops::RangeInclusive<i16>,
    ) -> crate::BoxFut<'fut, Result<BTreeMap<(String, i16), (hoctap_domain::criteria::Number, String)>>> {
        Box::pin(async move {
            let rows = crate::db::query(
                "SELECT indicator, year, value, note FROM indicator_reports WHERE unit_id = $1 AND year >= $2 AND year <= $3",
            )
            .bind(unit_id)
            .bind(i64::from(*years.start()))
            .bind(i64::from(*years.end()))
            .fetch_all(&self.read_pool().await)
            .await?;
            let mut out = BTreeMap::new();
            for r in rows {
                let value: String = r.try_get("value")?;
                if let Ok(n) = hoctap_domain::criteria::Number::parse_exact(&value) {
                    out.insert((r.try_get("indicator")?, i16::try_from(r.i64("year")?).unwrap_or(0)), (n, r.try_get("note")?));
                }
            }
            Ok(out)
        })
    }
}
