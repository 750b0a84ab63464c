//! Registries in SQL, driven by the domain's definitions (`hoctap_domain::registry::def`):
//! one generic repository for the nine registries: scoped lists with search and keyset
//! pagination, create/update/end with history and audit, and spreadsheet imports that merge
//! by stable key, never clear a field the file leaves empty, and write all rows or none.
//! Column names come only from the static definitions, never from input.

use crate::audit::{AuditEntry, record};
use crate::db::{Conn, Row};
use crate::{Actor, Result, Store, StoreError, date_text, now_text, parse_date_col};
use hoctap_domain::date::{OPEN_END, Validity};
use hoctap_domain::registry::cell::CellKind;
use hoctap_domain::registry::def::{FieldType, Registry, RegistryKind, Value, Values, check_record, key_of, registry};
use hoctap_domain::text;
use hoctap_domain::unit::{UnitCode, UnitKind};
use jiff::civil::Date;
use serde::Serialize;
use std::collections::{BTreeMap, BTreeSet};

mod bulk;
mod bulk_load;
mod import;
mod place;
mod sql;
mod words;

pub use bulk::{BulkRecord, BulkSession};
use place::*;
pub(crate) use place::{UnitCache, place};
use sql::*;
pub(crate) use sql::{audit_json, follow_successor, insert};

/// A stored record.
#[derive(Debug, Clone, Serialize)]
pub struct RegistryRecord {
    pub id: i64,
    pub unit_id: i64,
    pub values: Values,
    pub validity: Validity,
}

/// Filters of a list.
#[derive(Debug, Clone, Default)]
pub struct RegistryQuery {
    /// Subtree to list (None: everything, for administrators).
    pub scope: Option<i64>,
    /// A further unit to narrow to (must be inside the scope).
    pub within: Option<i64>,
    pub search: Option<String>,
    /// Keyset cursor: records after this record (its id; the sort value is read here, so
    /// no value of a record ever travels in a cursor).
    pub after: Option<i64>,
    pub limit: i64,
    pub include_ended: bool,
    /// Sort by the registry's label field (name) instead of its key.
    pub by_label: bool,
    /// Only records whose column equals a value (e.g. the citizens of one household).
    pub filter: Option<(&'static str, String)>,
}

/// One row of an import, cells by column (already matched to the definition's headers;
/// the columns are the definition's own names, so a reader borrows them).
#[derive(Debug, Clone, Serialize, serde::Deserialize)]
pub struct ImportRow {
    pub line: usize,
    pub cells: BTreeMap<std::borrow::Cow<'static, str>, String>,
    /// Cells that were numbers or formulas, by column (the rest were text).
    #[serde(default)]
    pub kinds: Vec<(std::borrow::Cow<'static, str>, CellKind)>,
}

impl ImportRow {
    /// A row whose cells were all text (a CSV file, a test).
    pub fn text(line: usize, cells: BTreeMap<std::borrow::Cow<'static, str>, String>) -> Self {
        Self { line, cells, kinds: Vec::new() }
    }

    fn kind(&self, column: &str) -> &CellKind {
        self.kinds.iter().find(|(c, _)| c == column).map_or(&CellKind::Text, |(_, k)| k)
    }
}

/// A chunk of rows from a reader, or why the reader stopped (then nothing is written).
pub type ImportChunk = std::result::Result<Vec<ImportRow>, String>;

/// Called with every row's outcome and its notes, in file order, as an import decides it
/// (for the full report of a large file; the report itself keeps the first rows only).
pub type OutcomeSink<'a> = &'a mut (dyn FnMut(usize, &RowOutcome, &[String]) + Send);

/// What an import does with a row.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
#[serde(tag = "status", rename_all = "snake_case")]
pub enum RowOutcome {
    Create { key: String },
    Update { key: String, changed: Vec<String> },
    Unchanged { key: String },
    Reject { errors: Vec<(String, String)> },
}

/// Where and how an import runs.
#[derive(Debug, Clone, Copy)]
pub struct ImportOptions {
    /// Subtree the rows must stay in (None: everywhere).
    pub scope: Option<i64>,
    /// The date the changes take effect.
    pub on: Date,
    /// Check only; write nothing.
    pub dry_run: bool,
}

/// Rows handled per chunk of an import.
pub const IMPORT_CHUNK: usize = 1_000;

/// Row outcomes kept in a report: enough to fix a file, bounded for million-row files.
const REPORT_ROWS: usize = 2_000;

/// Result of checking (and maybe applying) an import.
#[derive(Debug, Clone, Serialize)]
pub struct RegistryImportReport {
    pub to_create: usize,
    pub to_update: usize,
    pub unchanged: usize,
    pub rejected: usize,
    /// Rows that create, update or are rejected (unchanged rows only counted), by line.
    pub rows: Vec<(usize, RowOutcome)>,
    pub applied: bool,
    /// Rows where a cell was repaired (a CCCD kept as a number got its leading zero back).
    #[serde(default)]
    pub repaired: usize,
    /// What was repaired, by line (the first rows only).
    #[serde(default)]
    pub notes: Vec<(usize, String)>,
    /// Rejections among `rows`: once `rows` holds only rejections, a new one is not placed
    /// (a file of a million bad rows costs no scan of the kept rows per row).
    #[serde(skip)]
    kept_rejections: usize,
}

impl RegistryImportReport {
    fn note(&mut self, line: usize, outcome: RowOutcome) {
        if self.rows.len() < REPORT_ROWS {
            self.rows.push((line, outcome));
        }
    }

    fn reject(&mut self, line: usize, errors: Vec<(String, String)>) {
        self.rejected += 1;
        // Rejections are kept before anything else: they are what the user must fix.
        if self.rows.len() >= REPORT_ROWS
            && self.kept_rejections < self.rows.len()
            && let Some(pos) = self.rows.iter().rposition(|(_, o)| !matches!(o, RowOutcome::Reject { .. }))
        {
            self.rows.remove(pos);
        }
        if self.rows.len() < REPORT_ROWS {
            self.rows.push((line, RowOutcome::Reject { errors }));
            self.kept_rejections += 1;
        }
    }
}

fn hash_key(key: &str) -> u64 {
    use std::hash::{Hash, Hasher};
    let mut h = std::collections::hash_map::DefaultHasher::new();
    key.hash(&mut h);
    h.finish()
}

fn key_headers(reg: &Registry) -> String {
    reg.key.iter().filter_map(|k| reg.field(k)).map(|f| f.header).collect::<Vec<_>>().join(", ")
}

fn header_of(reg: &Registry, column: &str) -> String {
    reg.field(column).map(|f| f.header).unwrap_or(column).to_string()
}

/// The column a list is ordered by: the label (name) when asked; otherwise the key, or entry
/// order when it is searched (`search` holds a word, `text::search_words`). The one rule for the
/// store's query and the cursor a page is sealed with.
pub fn list_column(reg: &Registry, search: Option<&str>, by_label: bool) -> &'static str {
    order_column(reg, search.is_some_and(|s| !text::search_words(s).is_empty()), by_label)
}

/// [`list_column`] once the search's words are known. Entry order for a search, not the key:
/// a province's search looks first among its first records in this order (`words::bound`), and
/// entry order is blind to the name searched, where a CCCD's order is not (it begins with the
/// sex and year of birth).
fn order_column(reg: &Registry, searched: bool, by_label: bool) -> &'static str {
    match (by_label, searched) {
        (true, _) => reg.label,
        (false, true) => "id",
        (false, false) => reg.key.first().copied().unwrap_or("id"),
    }
}

/// A check the owner of a registry adds to the generic registry's writes of new records (the
/// fund ledger's, which `association` registers in [`crate::WRITE_RULES`]): the registry
/// applies it to a create and to every new row of an import without naming the ledger, and
/// never decides such a registry's import offline (an entry is checked against posted ones).
pub(crate) struct WriteRules {
    pub(crate) kind: RegistryKind,
    /// Refuses a new record (`StoreError::Invalid` names the field) in the writing transaction.
    pub(crate) check_new: CheckNew,
}

/// A check of a new record in the writing transaction.
pub(crate) type CheckNew = for<'a> fn(&'a mut Conn, &'a Values) -> std::pin::Pin<Box<dyn Future<Output = Result<()>> + Send + 'a>>;

/// The rules registered for a registry, if any.
fn rules_for(kind: RegistryKind) -> Option<&'static WriteRules> {
    crate::WRITE_RULES.iter().copied().find(|r| r.kind == kind)
}

/// Everything needed to place a record: resolved unit ids per unit field, and the scope unit.
pub(crate) struct Placement {
    unit_ids: BTreeMap<&'static str, i64>,
    pub(crate) scope_unit: i64,
    province_code: String,
}

pub(crate) use words::BoundCache;

impl Store {
    /// The same store, its searches within a province looking first among `rows` records in
    /// entry order whatever the planner expects (tests, tuning).
    pub fn with_search_bound_rows(mut self, rows: i64) -> Store {
        self.search_bound_rows = Some(rows.max(1));
        self
    }

    /// The province codes of a province's records (`words::province_codes`), kept per read
    /// generation: they change only with the unit tree, which raises it (7.5 ms for Hà Nội's
    /// 4,500 units on every search otherwise).
    async fn province_codes(&self, conn: &mut Conn, unit: i64) -> Result<std::sync::Arc<Option<words::ProvinceCodes>>> {
        let generation = self.read_generation_on(conn).await?;
        self.kept_at(generation, format!("province codes {unit}"), words::province_codes(conn, unit)).await
    }

    /// Lists records, newest key order, within a scope.
    #[inline(never)]
    pub fn registry_list<'fut, 'l1: 'fut, 'l2: 'fut, 'l3: 'fut>(
        &'l1 self,
        reg: &'l2 Registry,
        q: &'l3 RegistryQuery,
        on: Date,
    ) -> crate::BoxFut<'fut, Result<Vec<RegistryRecord>>> {
        Box::pin(async move {
            use crate::db::Arg;
            let search = q.search.as_deref().map(text::search_words).unwrap_or_default();
            let sort = order_column(reg, !search.is_empty(), q.by_label);
            let mut sql = format!("SELECT t.id, t.unit_id, t.valid_from, t.valid_to, {} FROM {} t WHERE 1 = 1", columns(reg), reg.table);
            // Each condition's binds, in the order of its placeholders ($1 is args[0]).
            let mut args: Vec<Arg<'static>> = Vec::new();
            let today = date_text(on);
            if !q.include_ended {
                sql.push_str(&format!(" AND t.valid_to > ${}", args.len() + 1));
                args.push(today.clone().into());
            }
            for unit in [q.scope, q.within].into_iter().flatten() {
                sql.push_str(&format!(" AND {}", scope_sql("t", args.len() + 1)));
                args.push(unit.into());
                args.push(today.clone().into());
            }
            let mut conn = self.read_pool().await.acquire().await?;
            for (i, w) in search.iter().enumerate() {
                sql.push_str(&format!(" AND {}", words::like_sql(self.engine(), "t", args.len() + 1)));
                args.extend(words::like_patterns(w, i, search.len()).map(Arg::from));
            }
            // Within a province, PostgreSQL's word index hands over the candidates.
            let kept_codes = match (search.is_empty(), q.within.or(q.scope)) {
                (false, Some(unit)) if words::serves(self.engine(), reg.table) => Some(self.province_codes(&mut conn, unit).await?),
                _ => None,
            };
            let codes = kept_codes.as_deref().and_then(Option::as_ref);
            let index_query = codes.and_then(|c| words::province_query(self.engine(), reg.table, &c.all, &search));
            if let Some((col, v)) = &q.filter {
                // Only a column of the definition can be named here.
                let col = reg.field(col).map(|f| f.column).ok_or(StoreError::invalid("filter", "cột không có trong sổ"))?;
                sql.push_str(&format!(" AND t.{col} = ${}", args.len() + 1));
                args.push(v.clone().into());
            }
            if let Some(id) = q.after {
                let n = args.len() + 1;
                if sort == "id" {
                    // Entry order: the cursor is its own value, no look-up of it needed.
                    sql.push_str(&format!(" AND t.id > ${n}"));
                } else {
                    let last = format!("(SELECT a.{sort} FROM {} a WHERE a.id = ${n})", reg.table);
                    sql.push_str(&format!(" AND (t.{sort} > {last} OR (t.{sort} = {last} AND t.id > ${n}))"));
                }
                args.push(id.into());
            }
            let limit = q.limit.clamp(1, 10_000);
            // A search within a province: a common name has tens of thousands of matches, scattered
            // over as many pages, and sorting them all for a page is what costs. When the planner
            // expects enough of them, the page is looked for by walking the province's records in
            // entry order from the cursor, up to a bound (`words::bound`, `words::first_range`),
            // testing each record's words: it stops at the page's last match. Otherwise, or when
            // the walk ends short of a page, the word index hands over every match.
            if let (Some(c), Some(tsq), "id") = (codes, &index_query, sort) {
                let range = match self.search_bound_rows {
                    Some(rows) => Some(rows),
                    None => {
                        let words_sql =
                            format!("SELECT 1 FROM {} t WHERE {} @@ to_tsquery('simple', $1)", reg.table, words::indexed_words("t."));
                        let matches = words::estimated_rows(&mut conn, &words_sql, vec![Arg::from(tsq.clone())]).await?;
                        let records_sql = format!("SELECT 1 FROM {} WHERE province_code = $1", reg.table);
                        let records = words::estimated_rows(&mut conn, &records_sql, vec![Arg::from(c.own.clone())]).await?;
                        words::first_range(matches, records, limit)
                    }
                };
                if let Some(range) = range
                    && let Some(b) = words::bound(&mut conn, &self.search_bounds, reg.table, &c.own, q.after, range).await?
                {
                    let mut ranged = sql.clone();
                    let mut ranged_args = args.clone();
                    if let [only] = &c.all.iter().collect::<Vec<_>>()[..] {
                        // One code: the walk, in the (province_code, id) index's own order, from the
                        // cursor to the bound. Row comparisons, so that the planner cannot read the
                        // ids in the primary key's order through every province's records instead.
                        let n = ranged_args.len() + 1;
                        ranged_args.extend([Arg::from((*only).clone()), Arg::from(q.after.unwrap_or(0))]);
                        ranged.push_str(&format!(
                            " AND (t.province_code, t.id) > (${n}, ${}) AND (t.province_code, t.id) < (${n}, ${}) ORDER BY t.province_code, t.id LIMIT ${}",
                            n + 1,
                            n + 2,
                            n + 3
                        ));
                    } else {
                        // Records under several codes (a province's records placed before a merger):
                        // the word index's bitmap and the range's, then sorted.
                        ranged.push_str(&format!(
                            " AND {} @@ to_tsquery('simple', ${})",
                            words::indexed_words("t."),
                            ranged_args.len() + 1
                        ));
                        ranged_args.push(tsq.clone().into());
                        let codes_sql = crate::dialect::placeholders(false, ranged_args.len() + 1, c.all.len());
                        ranged_args.extend(c.all.iter().map(|code| Arg::from(code.clone())));
                        ranged.push_str(&format!(
                            " AND t.province_code IN ({codes_sql}) AND t.id < ${} ORDER BY t.id LIMIT ${}",
                            ranged_args.len() + 1,
                            ranged_args.len() + 2
                        ));
                    }
                    ranged_args.extend([Arg::from(b), Arg::from(limit)]);
                    let rows = crate::db::query(sqlx::AssertSqlSafe(ranged))
                        .bind_all(ranged_args)
                        .planned_each_time()
                        .fetch_all(&mut *conn)
                        .await?;
                    if rows.len() as i64 >= limit {
                        return records(&mut conn, reg, rows).await;
                    }
                }
            }
            if let Some(tsq) = &index_query {
                sql.push_str(&format!(" AND {} @@ to_tsquery('simple', ${})", words::indexed_words("t."), args.len() + 1));
                args.push(tsq.clone().into());
            }
            sql.push_str(&format!(" ORDER BY t.{sort}, t.id LIMIT ${}", args.len() + 1));
            args.push(limit.into());
            // A search's plan depends on the words searched (how many records they match).
            let mut query = crate::db::query(sqlx::AssertSqlSafe(sql)).bind_all(args);
            if !search.is_empty() {
                query = query.planned_each_time();
            }
            let rows = query.fetch_all(&mut *conn).await?;
            records(&mut conn, reg, rows).await
        })
    }

    /// Every current record of a registry within a unit (None: the whole country), handed to
    /// `each` in batches of `batch` as the engine sends them, village by village (the order of
    /// the (unit, id) index) and in entry order within one. One query: an export of a province
    /// neither pages through the country's CCCD index (a page of 10,000 took 49 s on 100 M
    /// citizens) nor holds the province in memory. Returns the number of records.
    pub async fn registry_export<E: From<StoreError>>(
        &self,
        reg: &Registry,
        scope: Option<i64>,
        on: Date,
        batch: usize,
        mut each: impl FnMut(Vec<RegistryRecord>) -> std::result::Result<(), E>,
    ) -> std::result::Result<usize, E> {
        let day = date_text(on);
        let pool = self.read_pool().await;
        // Unit codes of every unit a record inside the scope can name (the scope's subtree and
        // the units above it, at any date), read before the rows stream on their connection.
        let codes_sql = match scope {
            Some(_) => {
                "SELECT u.id, u.code FROM units u WHERE u.id IN \
                        (SELECT descendant_id FROM unit_closure WHERE ancestor_id = $1 \
                         UNION SELECT ancestor_id FROM unit_closure WHERE descendant_id = $1)"
            }
            None => "SELECT u.id, u.code FROM units u",
        };
        let mut q = crate::db::query(codes_sql);
        if let Some(s) = scope {
            q = q.bind(s);
        }
        let mut codes = BTreeMap::new();
        for r in q.fetch_all(&pool).await.map_err(StoreError::from)? {
            codes.insert(r.i64("id")?, r.text("code")?);
        }
        let sql = match scope {
            Some(_) => format!(
                "SELECT t.id, t.unit_id, t.valid_from, t.valid_to, {} FROM unit_closure c JOIN {} t ON t.unit_id = c.descendant_id \
                 WHERE c.ancestor_id = $2 AND c.valid_from <= $1 AND c.valid_to > $1 AND t.valid_to > $1 ORDER BY t.unit_id, t.id",
                columns(reg),
                reg.table
            ),
            None => format!(
                "SELECT t.id, t.unit_id, t.valid_from, t.valid_to, {} FROM {} t WHERE t.valid_to > $1 ORDER BY t.id",
                columns(reg),
                reg.table
            ),
        };
        let mut q = crate::db::query(sqlx::AssertSqlSafe(sql)).bind(day);
        if let Some(s) = scope {
            q = q.bind(s);
        }
        let mut conn = pool.acquire().await.map_err(StoreError::from)?;
        let mut rows = q.fetch(&mut *conn);
        let mut out = Vec::with_capacity(batch);
        let mut count = 0;
        // A unit outside the scope's tree (not expected) is read on a second connection.
        let mut aux: Option<crate::db::Held> = None;
        loop {
            let row = futures_util::TryStreamExt::try_next(&mut rows).await.map_err(StoreError::from)?;
            if let Some(row) = &row {
                let unknown: BTreeSet<i64> =
                    unit_ids_in(reg, std::slice::from_ref(row)).into_iter().filter(|id| !codes.contains_key(id)).collect();
                if !unknown.is_empty() {
                    let c = match aux.as_mut() {
                        Some(c) => c,
                        None => aux.insert(pool.acquire().await.map_err(StoreError::from)?),
                    };
                    codes.extend(unit_codes(c, &unknown).await?);
                }
                out.push(record_from_row(reg, row, &codes)?);
            }
            if out.len() >= batch || (row.is_none() && !out.is_empty()) {
                count += out.len();
                each(std::mem::replace(&mut out, Vec::with_capacity(batch)))?;
            }
            if row.is_none() {
                break;
            }
        }
        Ok(count)
    }

    /// Counts active records within a scope.
    #[inline(never)]
    pub fn registry_count<'fut, 'l1: 'fut, 'l2: 'fut>(
        &'l1 self,
        reg: &'l2 Registry,
        scope: Option<i64>,
        on: Date,
    ) -> crate::BoxFut<'fut, Result<i64>> {
        Box::pin(async move { Ok(self.registry_counts(&[reg], scope, on).await?.first().copied().unwrap_or(0)) })
    }

    /// The records of each registry valid on `on` in the scope, in the order asked, counted in
    /// one statement (the registries' index page asks for nine: one round trip, not nine).
    #[inline(never)]
    pub fn registry_counts<'fut, 'l1: 'fut, 'l2: 'fut, 'l3: 'fut>(
        &'l1 self,
        regs: &'l2 [&'l3 Registry],
        scope: Option<i64>,
        on: Date,
    ) -> crate::BoxFut<'fut, Result<Vec<i64>>> {
        Box::pin(async move {
            if regs.is_empty() {
                return Ok(Vec::new());
            }
            let parts: Vec<String> = regs
                .iter()
                .enumerate()
                .map(|(i, reg)| match scope {
                    // From the scope's units (the unit index), not a probe of the closure for every
                    // record of the country.
                    Some(_) => format!(
                        "SELECT {i} AS k, COUNT(*) AS n FROM {} t WHERE t.valid_to > $1 AND t.unit_id IN \
                     (SELECT c.descendant_id FROM unit_closure c WHERE c.ancestor_id = $2 AND c.valid_from <= $1 AND c.valid_to > $1)",
                        reg.table
                    ),
                    None => format!("SELECT {i} AS k, COUNT(*) AS n FROM {} t WHERE t.valid_to > $1", reg.table),
                })
                .collect();
            let mut q = crate::db::query(sqlx::AssertSqlSafe(parts.join(" UNION ALL "))).bind(date_text(on));
            if let Some(s) = scope {
                q = q.bind(s);
            }
            let mut out = vec![0; regs.len()];
            for r in q.fetch_all(self.pool()).await? {
                if let Some(n) = usize::try_from(r.i64("k")?).ok().and_then(|k| out.get_mut(k)) {
                    *n = r.i64("n")?;
                }
            }
            Ok(out)
        })
    }

    #[inline(never)]
    pub fn registry_get<'fut, 'l1: 'fut, 'l2: 'fut>(&'l1 self, reg: &'l2 Registry, id: i64) -> crate::BoxFut<'fut, Result<RegistryRecord>> {
        Box::pin(async move {
            let mut conn = self.pool().acquire().await?;
            get_in(&mut conn, reg, id).await
        })
    }

    /// Versions of a record, oldest first, the current one last: (validity, values as JSON,
    /// who recorded it).
    #[inline(never)]
    pub fn registry_history<'fut, 'l1: 'fut, 'l2: 'fut>(
        &'l1 self,
        reg: &'l2 Registry,
        id: i64,
    ) -> crate::BoxFut<'fut, Result<Vec<(Validity, serde_json::Value, String)>>> {
        Box::pin(async move {
            let current = self.registry_get(reg, id).await?;
            let mut conn = self.pool().acquire().await?;
            let rows = crate::db::query("SELECT valid_from, valid_to, data_json, actor FROM registry_history WHERE registry = $1 AND record_id = $2 ORDER BY valid_from, id")
            .bind(reg.slug)
            .bind(id)
            .fetch_all(&mut *conn)
            .await?;
            let mut out = rows
                .iter()
                .map(|r| {
                    Ok((
                        Validity { from: parse_date_col(&r.text("valid_from")?)?, to: parse_date_col(&r.text("valid_to")?)? },
                        serde_json::from_str(&r.text("data_json")?).unwrap_or(serde_json::Value::Null),
                        r.try_get("actor")?,
                    ))
                })
                .collect::<Result<Vec<_>>>()?;
            let from = current_version_start(&mut conn, reg, &current).await?;
            out.push((
                Validity { from, to: current.validity.to },
                serde_json::to_value(&current.values).unwrap_or(serde_json::Value::Null),
                "hiện tại".to_string(),
            ));
            Ok(out)
        })
    }

    /// Creates a record. Units must be valid on `on` and inside `scope`.
    #[inline(never)]
    pub fn registry_create<'fut, 'l1: 'fut, 'l2: 'fut, 'l3: 'fut>(
        &'l1 self,
        actor: &'l2 Actor,
        reg: &'l3 Registry,
        values: Values,
        scope: Option<i64>,
        on: Date,
    ) -> crate::BoxFut<'fut, Result<RegistryRecord>> {
        Box::pin(async move {
            let mut tx = self.begin().await?;
            let id = create_in(&mut tx, actor, reg, &values, scope, on).await?;
            tx.commit().await?;
            self.registry_get(reg, id).await
        })
    }

    /// Replaces a record's values from `on` (fields absent from `values` are cleared).
    #[inline(never)]
    pub fn registry_update<'fut, 'l1: 'fut, 'l2: 'fut, 'l3: 'fut>(
        &'l1 self,
        actor: &'l2 Actor,
        reg: &'l3 Registry,
        id: i64,
        values: Values,
        scope: Option<i64>,
        on: Date,
    ) -> crate::BoxFut<'fut, Result<RegistryRecord>> {
        Box::pin(async move {
            if reg.append_only {
                return Err(StoreError::invalid("id", "bút toán đã ghi sổ không sửa được; hãy ghi một bút toán đảo"));
            }
            let before = self.registry_get(reg, id).await?;
            let mut tx = self.begin().await?;
            update_in(&mut tx, actor, reg, &before, &values, scope, on).await?;
            tx.commit().await?;
            self.registry_get(reg, id).await
        })
    }

    /// Ends a record from `on` (soft delete; history stays).
    #[inline(never)]
    pub fn registry_end<'fut, 'l1: 'fut, 'l2: 'fut, 'l3: 'fut>(
        &'l1 self,
        actor: &'l2 Actor,
        reg: &'l3 Registry,
        id: i64,
        on: Date,
    ) -> crate::BoxFut<'fut, Result<()>> {
        Box::pin(async move {
            if reg.append_only {
                return Err(StoreError::invalid("id", "bút toán đã ghi sổ không xóa được; hãy ghi một bút toán đảo"));
            }
            let before = self.registry_get(reg, id).await?;
            if !before.validity.contains(on) || on <= before.validity.from {
                return Err(StoreError::invalid("valid_to", "ngày kết thúc phải sau ngày ghi sổ và bản ghi phải còn hiệu lực"));
            }
            let mut tx = self.begin().await?;
            let sql = format!("UPDATE {} SET valid_to = $1 WHERE id = $2", reg.table);
            crate::db::query(sqlx::AssertSqlSafe(sql)).bind(date_text(on)).bind(id).execute(&mut *tx).await?;
            let started = current_version_start(&mut tx, reg, &before).await?;
            crate::stats::add_deltas(&mut tx, &crate::stats::change_deltas(reg, Some((before.unit_id, started, &before.values)), None, on))
                .await?;
            record(
                &mut tx,
                actor,
                AuditEntry {
                    unit_id: Some(before.unit_id),
                    action: "registry.end",
                    entity: reg.slug,
                    entity_id: id.to_string(),
                    before: Some(audit_json(reg, &before.values)),
                    after: Some(serde_json::json!({"valid_to": on})),
                },
            )
            .await?;
            tx.commit().await?;
            Ok(())
        })
    }

    /// Records an export of personal data in the audit log.
    #[inline(never)]
    pub fn audit_export<'fut, 'l1: 'fut, 'l2: 'fut, 'l3: 'fut, 'l4: 'fut>(
        &'l1 self,
        actor: &'l2 Actor,
        reg: &'l3 Registry,
        scope: Option<i64>,
        rows: usize,
        format: &'l4 str,
    ) -> crate::BoxFut<'fut, Result<()>> {
        Box::pin(async move {
            let mut conn = self.pool().acquire().await?;
            record(
                &mut conn,
                actor,
                AuditEntry {
                    unit_id: scope.or(actor.unit_id),
                    action: "registry.export",
                    entity: reg.slug,
                    entity_id: format!("{rows} dòng"),
                    before: None,
                    after: Some(serde_json::json!({"format": format, "rows": rows, "personal_data": reg.has_personal_data()})),
                },
            )
            .await
        })
    }
}

/// Creates a record inside `tx` (checked, placed, counted and audited): the one write of a
/// record, shared by the form, the API and the device's sync (which records its idempotency
/// key in the same transaction).
pub(crate) async fn create_in(tx: &mut Conn, actor: &Actor, reg: &Registry, values: &Values, scope: Option<i64>, on: Date) -> Result<i64> {
    let errors = check_record(reg, values);
    if let Some((field, msg)) = errors.into_iter().next() {
        return Err(StoreError::invalid(field, msg));
    }
    let mut cache = UnitCache::default();
    let placement = place(&mut *tx, reg, values, scope, on, &mut cache).await.map_err(|(f, m)| StoreError::invalid(f, m))?;
    if find_by_key(&mut *tx, reg, values).await?.is_some() {
        let key = key_of(reg, values).unwrap_or_default();
        return Err(StoreError::conflict(reg.key.first().copied().unwrap_or("key"), format!("{} \"{key}\" đã có trong sổ", reg.noun)));
    }
    if let Some(rules) = rules_for(reg.kind) {
        (rules.check_new)(&mut *tx, values).await?;
    }
    let id = insert(&mut *tx, reg, values, &placement, on).await?;
    crate::stats::add_deltas(&mut *tx, &crate::stats::change_deltas(reg, None, Some((placement.scope_unit, values)), on)).await?;
    record(
        &mut *tx,
        actor,
        AuditEntry {
            unit_id: Some(placement.scope_unit),
            action: "registry.create",
            entity: reg.slug,
            entity_id: id.to_string(),
            before: None,
            after: Some(audit_json(reg, values)),
        },
    )
    .await?;
    Ok(id)
}

/// Replaces a record's values from `on` inside `tx` (history kept, counted, audited).
pub(crate) async fn update_in(
    tx: &mut Conn,
    actor: &Actor,
    reg: &Registry,
    before: &RegistryRecord,
    values: &Values,
    scope: Option<i64>,
    on: Date,
) -> Result<()> {
    if reg.append_only {
        return Err(StoreError::invalid("id", "bút toán đã ghi sổ không sửa được; hãy ghi một bút toán đảo"));
    }
    if !before.validity.contains(on) {
        return Err(StoreError::NotFound("bản ghi còn hiệu lực"));
    }
    for k in reg.key {
        if before.values.get(k) != values.get(k) {
            return Err(StoreError::invalid(k, "không được đổi mã ổn định của bản ghi"));
        }
    }
    if let Some((field, msg)) = check_record(reg, values).into_iter().next() {
        return Err(StoreError::invalid(field, msg));
    }
    let mut cache = UnitCache::default();
    let placement = place(&mut *tx, reg, values, scope, on, &mut cache).await.map_err(|(f, m)| StoreError::invalid(f, m))?;
    let started = current_version_start(&mut *tx, reg, before).await?;
    history_keep(&mut *tx, reg, before, on, actor).await?;
    update_row(&mut *tx, reg, before.id, values, &placement).await?;
    crate::stats::add_deltas(
        &mut *tx,
        &crate::stats::change_deltas(reg, Some((before.unit_id, started, &before.values)), Some((placement.scope_unit, values)), on),
    )
    .await?;
    record(
        &mut *tx,
        actor,
        AuditEntry {
            unit_id: Some(placement.scope_unit),
            action: "registry.update",
            entity: reg.slug,
            entity_id: before.id.to_string(),
            before: Some(audit_json(reg, &before.values)),
            after: Some(audit_json(reg, values)),
        },
    )
    .await?;
    Ok(())
}

/// One record read inside a connection or transaction.
pub(crate) async fn get_in(conn: &mut Conn, reg: &Registry, id: i64) -> Result<RegistryRecord> {
    let sql = format!("SELECT t.id, t.unit_id, t.valid_from, t.valid_to, {} FROM {} t WHERE t.id = $1", columns(reg), reg.table);
    let row =
        crate::db::query(sqlx::AssertSqlSafe(sql)).bind(id).fetch_optional(&mut *conn).await?.ok_or(StoreError::NotFound("bản ghi"))?;
    records(conn, reg, vec![row]).await?.pop().ok_or(StoreError::NotFound("bản ghi"))
}
