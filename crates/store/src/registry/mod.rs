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

/// The next chunk, or None at the end of the file or when the reader failed (`failed` says why).
async fn next_chunk(chunks: &mut tokio::sync::mpsc::Receiver<ImportChunk>, failed: &mut Option<String>) -> Option<Vec<ImportRow>> {
    match chunks.recv().await? {
        Ok(c) => Some(c),
        Err(reason) => {
            *failed = Some(reason);
            None
        }
    }
}

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

/// The column a list is ordered by: the key, or the label (name).
pub fn sort_column(reg: &Registry, by_label: bool) -> &'static str {
    if by_label { reg.label } else { reg.key.first().copied().unwrap_or("id") }
}

fn columns(reg: &Registry) -> String {
    reg.fields.iter().map(|f| f.column).collect::<Vec<_>>().join(", ")
}

fn scope_sql(alias: &str, n: usize) -> String {
    format!(
        "EXISTS (SELECT 1 FROM unit_closure c WHERE c.ancestor_id = ${n} AND c.descendant_id = {alias}.unit_id AND c.valid_from <= ${} AND c.valid_to > ${})",
        n + 1,
        n + 1
    )
}

/// Reads a row of a registry table into values (unit ids become codes through `codes`).
fn record_from_row(reg: &Registry, r: &Row, codes: &BTreeMap<i64, String>) -> Result<RegistryRecord> {
    let mut values = Values::new();
    for f in reg.fields {
        let v = if f.ty.is_integer() {
            let n = r.opt_i64(f.column)?;
            match (n, f.ty) {
                (None, _) => None,
                (Some(n), FieldType::Bool) => Some(Value::Bool(n != 0)),
                (Some(n), FieldType::Unit(_) | FieldType::AnyUnit) => codes.get(&n).and_then(|c| UnitCode::parse(c).ok()).map(Value::Unit),
                (Some(n), _) => Some(Value::Int(n)),
            }
        } else {
            let s: Option<String> = r.try_get(f.column)?;
            match (s, f.ty) {
                (None, _) => None,
                (Some(s), FieldType::Date) => Some(Value::Date(parse_date_col(&s)?)),
                (Some(s), _) => Some(Value::Text(s)),
            }
        };
        if let Some(v) = v {
            values.insert(f.column, v);
        }
    }
    Ok(RegistryRecord {
        id: r.i64("id")?,
        unit_id: r.i64("unit_id")?,
        values,
        validity: Validity { from: parse_date_col(&r.text("valid_from")?)?, to: parse_date_col(&r.text("valid_to")?)? },
    })
}

fn unit_ids_in(reg: &Registry, rows: &[Row]) -> BTreeSet<i64> {
    let mut ids = BTreeSet::new();
    for f in reg.fields.iter().filter(|f| matches!(f.ty, FieldType::Unit(_) | FieldType::AnyUnit)) {
        for r in rows {
            if let Ok(Some(n)) = r.opt_i64(f.column) {
                ids.insert(n);
            }
        }
    }
    ids
}

async fn unit_codes(conn: &mut Conn, ids: &BTreeSet<i64>) -> Result<BTreeMap<i64, String>> {
    let anon = crate::dialect::anonymous(&*conn);
    let mut out = BTreeMap::new();
    let ids: Vec<i64> = ids.iter().copied().collect();
    for chunk in ids.chunks(500) {
        let sql = format!("SELECT id, code FROM units WHERE id IN ({})", crate::dialect::placeholders(anon, 1, chunk.len()));
        let mut q = crate::db::query(sqlx::AssertSqlSafe(sql));
        for id in chunk {
            q = q.bind(*id);
        }
        for r in q.fetch_all(&mut *conn).await? {
            out.insert(r.i64("id")?, r.try_get("code")?);
        }
    }
    Ok(out)
}

async fn records(conn: &mut Conn, reg: &Registry, rows: Vec<Row>) -> Result<Vec<RegistryRecord>> {
    let codes = unit_codes(conn, &unit_ids_in(reg, &rows)).await?;
    rows.iter().map(|r| record_from_row(reg, r, &codes)).collect()
}

/// The folded text searched.
fn search_key(reg: &Registry, values: &Values) -> String {
    reg.search
        .iter()
        .filter_map(|c| values.get(c).map(|v| text::fold(&v.display(FieldType::Text { max: 0 }))))
        .collect::<Vec<_>>()
        .join(" ")
}

/// Everything needed to place a record: resolved unit ids per unit field, and the scope unit.
pub(crate) struct Placement {
    unit_ids: BTreeMap<&'static str, i64>,
    pub(crate) scope_unit: i64,
    province_code: String,
}

impl Store {
    /// Lists records, newest key order, within a scope.
    pub async fn registry_list(&self, reg: &Registry, q: &RegistryQuery, on: Date) -> Result<Vec<RegistryRecord>> {
        let sort = sort_column(reg, q.by_label);
        let mut sql = format!("SELECT t.id, t.unit_id, t.valid_from, t.valid_to, {} FROM {} t WHERE 1 = 1", columns(reg), reg.table);
        let mut n = 1;
        let today = date_text(on);
        if !q.include_ended {
            sql.push_str(&format!(" AND t.valid_to > ${n}"));
            n += 1;
        }
        if q.scope.is_some() {
            sql.push_str(&format!(" AND {}", scope_sql("t", n)));
            n += 2;
        }
        if q.within.is_some() {
            sql.push_str(&format!(" AND {}", scope_sql("t", n)));
            n += 2;
        }
        let search = q.search.as_deref().map(text::fold).filter(|s| !s.is_empty());
        if search.is_some() {
            sql.push_str(&format!(" AND t.search_key LIKE ${n}"));
            n += 1;
        }
        if let Some((col, _)) = &q.filter {
            // Only a column of the definition can be named here.
            let col = reg.field(col).map(|f| f.column).ok_or(StoreError::invalid("filter", "cột không có trong sổ"))?;
            sql.push_str(&format!(" AND t.{col} = ${n}"));
            n += 1;
        }
        if q.after.is_some() {
            let last = format!("(SELECT a.{sort} FROM {} a WHERE a.id = ${n})", reg.table);
            sql.push_str(&format!(" AND (t.{sort} > {last} OR (t.{sort} = {last} AND t.id > ${n}))"));
            n += 1;
        }
        sql.push_str(&format!(" ORDER BY t.{sort}, t.id LIMIT ${n}"));
        let mut query = crate::db::query(sqlx::AssertSqlSafe(sql));
        if !q.include_ended {
            query = query.bind(today.clone());
        }
        if let Some(s) = q.scope {
            query = query.bind(s).bind(today.clone());
        }
        if let Some(w) = q.within {
            query = query.bind(w).bind(today.clone());
        }
        if let Some(s) = &search {
            query = query.bind(format!("%{}%", s.replace(['%', '_'], "")));
        }
        if let Some((_, v)) = &q.filter {
            query = query.bind(v.clone());
        }
        if let Some(id) = q.after {
            query = query.bind(id);
        }
        query = query.bind(q.limit.clamp(1, 10_000));
        let mut conn = self.pool().acquire().await?;
        let rows = query.fetch_all(&mut *conn).await?;
        records(&mut conn, reg, rows).await
    }

    /// Counts active records within a scope.
    pub async fn registry_count(&self, reg: &Registry, scope: Option<i64>, on: Date) -> Result<i64> {
        let sql = match scope {
            // From the scope's units (the unit index), not a probe of the closure for every
            // record of the country.
            Some(_) => format!(
                "SELECT COUNT(*) AS n FROM {} t WHERE t.valid_to > $1 AND t.unit_id IN \
                 (SELECT c.descendant_id FROM unit_closure c WHERE c.ancestor_id = $2 AND c.valid_from <= $3 AND c.valid_to > $3)",
                reg.table
            ),
            None => format!("SELECT COUNT(*) AS n FROM {} t WHERE t.valid_to > $1", reg.table),
        };
        let mut q = crate::db::query(sqlx::AssertSqlSafe(sql)).bind(date_text(on));
        if let Some(s) = scope {
            q = q.bind(s).bind(date_text(on));
        }
        q.fetch_one(self.pool()).await?.i64("n")
    }

    pub async fn registry_get(&self, reg: &Registry, id: i64) -> Result<RegistryRecord> {
        let sql = format!("SELECT t.id, t.unit_id, t.valid_from, t.valid_to, {} FROM {} t WHERE t.id = $1", columns(reg), reg.table);
        let mut conn = self.pool().acquire().await?;
        let row =
            crate::db::query(sqlx::AssertSqlSafe(sql)).bind(id).fetch_optional(&mut *conn).await?.ok_or(StoreError::NotFound("bản ghi"))?;
        records(&mut conn, reg, vec![row]).await?.pop().ok_or(StoreError::NotFound("bản ghi"))
    }

    /// Versions of a record, oldest first, the current one last: (validity, values as JSON,
    /// who recorded it).
    pub async fn registry_history(&self, reg: &Registry, id: i64) -> Result<Vec<(Validity, serde_json::Value, String)>> {
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
    }

    /// Creates a record. Units must be valid on `on` and inside `scope`.
    pub async fn registry_create(
        &self,
        actor: &Actor,
        reg: &Registry,
        values: Values,
        scope: Option<i64>,
        on: Date,
    ) -> Result<RegistryRecord> {
        let errors = check_record(reg, &values);
        if let Some((field, msg)) = errors.into_iter().next() {
            return Err(StoreError::invalid(field, msg));
        }
        let mut tx = self.begin().await?;
        let mut cache = UnitCache::default();
        let placement = place(&mut tx, reg, &values, scope, on, &mut cache).await.map_err(|(f, m)| StoreError::invalid(f, m))?;
        if find_by_key(&mut tx, reg, &values).await?.is_some() {
            let key = key_of(reg, &values).unwrap_or_default();
            return Err(StoreError::conflict(reg.key.first().copied().unwrap_or("key"), format!("{} \"{key}\" đã có trong sổ", reg.noun)));
        }
        if crate::association::is_ledger(reg.kind) {
            crate::association::check_entry(&mut tx, &values).await?;
        }
        let id = insert(&mut tx, reg, &values, &placement, on).await?;
        crate::stats::add_deltas(&mut tx, &crate::stats::change_deltas(reg, None, Some((placement.scope_unit, &values)), on)).await?;
        record(
            &mut tx,
            actor,
            AuditEntry {
                unit_id: Some(placement.scope_unit),
                action: "registry.create",
                entity: reg.slug,
                entity_id: id.to_string(),
                before: None,
                after: Some(audit_json(reg, &values)),
            },
        )
        .await?;
        tx.commit().await?;
        self.registry_get(reg, id).await
    }

    /// Replaces a record's values from `on` (fields absent from `values` are cleared).
    pub async fn registry_update(
        &self,
        actor: &Actor,
        reg: &Registry,
        id: i64,
        values: Values,
        scope: Option<i64>,
        on: Date,
    ) -> Result<RegistryRecord> {
        if reg.append_only {
            return Err(StoreError::invalid("id", "bút toán đã ghi sổ không sửa được; hãy ghi một bút toán đảo"));
        }
        let before = self.registry_get(reg, id).await?;
        if !before.validity.contains(on) {
            return Err(StoreError::NotFound("bản ghi còn hiệu lực"));
        }
        for k in reg.key {
            if before.values.get(k) != values.get(k) {
                return Err(StoreError::invalid(k, "không được đổi mã ổn định của bản ghi"));
            }
        }
        if let Some((field, msg)) = check_record(reg, &values).into_iter().next() {
            return Err(StoreError::invalid(field, msg));
        }
        let mut tx = self.begin().await?;
        let mut cache = UnitCache::default();
        let placement = place(&mut tx, reg, &values, scope, on, &mut cache).await.map_err(|(f, m)| StoreError::invalid(f, m))?;
        let started = current_version_start(&mut tx, reg, &before).await?;
        history_keep(&mut tx, reg, &before, on, actor).await?;
        update_row(&mut tx, reg, id, &values, &placement).await?;
        crate::stats::add_deltas(
            &mut tx,
            &crate::stats::change_deltas(reg, Some((before.unit_id, started, &before.values)), Some((placement.scope_unit, &values)), on),
        )
        .await?;
        record(
            &mut tx,
            actor,
            AuditEntry {
                unit_id: Some(placement.scope_unit),
                action: "registry.update",
                entity: reg.slug,
                entity_id: id.to_string(),
                before: Some(audit_json(reg, &before.values)),
                after: Some(audit_json(reg, &values)),
            },
        )
        .await?;
        tx.commit().await?;
        self.registry_get(reg, id).await
    }

    /// Ends a record from `on` (soft delete; history stays).
    pub async fn registry_end(&self, actor: &Actor, reg: &Registry, id: i64, on: Date) -> Result<()> {
        if reg.append_only {
            return Err(StoreError::invalid("id", "bút toán đã ghi sổ không xóa được; hãy ghi một bút toán đảo"));
        }
        let before = self.registry_get(reg, id).await?;
        if !before.validity.contains(on) || on <= before.validity.from {
            return Err(StoreError::invalid("valid_to", "ngày kết thúc phải sau ngày ghi sổ và bản ghi phải còn hiệu lực"));
        }
        let mut tx = self.begin().await?;
        let sql = format!("UPDATE {} SET valid_to = $1, updated_at = $2 WHERE id = $3", reg.table);
        crate::db::query(sqlx::AssertSqlSafe(sql)).bind(date_text(on)).bind(now_text()).bind(id).execute(&mut *tx).await?;
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
    }

    /// Checks every row of an import and, unless `dry_run` or a row is rejected, writes all
    /// creates and updates in one transaction with one audit entry.
    pub async fn registry_import(
        &self,
        actor: &Actor,
        reg: &Registry,
        rows: &[ImportRow],
        scope: Option<i64>,
        on: Date,
        dry_run: bool,
    ) -> Result<RegistryImportReport> {
        let (tx, rx) = tokio::sync::mpsc::channel(4);
        let chunks: Vec<Vec<ImportRow>> = rows.chunks(IMPORT_CHUNK).map(<[ImportRow]>::to_vec).collect();
        let feeder = async move {
            for c in chunks {
                if tx.send(Ok(c)).await.is_err() {
                    break;
                }
            }
        };
        let (report, ()) = tokio::join!(self.registry_import_stream(actor, reg, rx, ImportOptions { scope, on, dry_run }, |_| {}), feeder);
        report
    }

    /// The streaming form of [`Store::registry_import`]: rows arrive in chunks (a file read on
    /// another thread), memory stays bounded whatever the file's size, and everything is still
    /// one transaction: a rejected row anywhere, an error or a killed process leaves the
    /// database as it was. `progress` is called with the number of rows processed so far.
    #[tracing::instrument(name = "store.registry_import", skip_all, fields(registry = reg.slug, dry_run = opts.dry_run))]
    pub async fn registry_import_stream(
        &self,
        actor: &Actor,
        reg: &Registry,
        chunks: tokio::sync::mpsc::Receiver<ImportChunk>,
        opts: ImportOptions,
        progress: impl FnMut(usize),
    ) -> Result<RegistryImportReport> {
        self.registry_import_observed(actor, reg, chunks, opts, progress, None).await
    }

    /// [`Store::registry_import_stream`], with every row's outcome given to `sink` as it is
    /// decided.
    pub async fn registry_import_observed<'a>(
        &self,
        actor: &Actor,
        reg: &'a Registry,
        mut chunks: tokio::sync::mpsc::Receiver<ImportChunk>,
        opts: ImportOptions,
        mut progress: impl FnMut(usize),
        sink: Option<OutcomeSink<'a>>,
    ) -> Result<RegistryImportReport> {
        let ImportOptions { scope, dry_run, .. } = opts;
        let mut tx = self.begin().await?;
        // A registry with no record yet (inside this transaction) needs no look-up by key:
        // every key is new, and a key repeated in the file is rejected as a duplicate.
        let fresh = crate::db::query(sqlx::AssertSqlSafe(format!("SELECT 1 AS one FROM {} LIMIT 1", reg.table)))
            .fetch_optional(&mut *tx)
            .await?
            .is_none();
        // One timestamp for the whole import: its rows were all created in one transaction.
        let now = now_text();
        let mut run = ImportRun {
            reg,
            engine: self.engine(),
            now: now.clone(),
            opts,
            fresh,
            report: RegistryImportReport {
                to_create: 0,
                to_update: 0,
                unchanged: 0,
                rejected: 0,
                rows: Vec::new(),
                applied: false,
                repaired: 0,
                notes: Vec::new(),
                kept_rejections: 0,
            },
            sink,
            cache: UnitCache::default(),
            seen: std::collections::HashMap::new(),
            rows_total: 0,
        };
        let mut done = 0usize;
        let mut inserted = 0usize;
        let mut bulk: Option<BulkLoad> = None;
        // A reader that fails halfway says so on the channel: nothing read so far is written.
        let mut failed: Option<String> = None;
        let mut current = match next_chunk(&mut chunks, &mut failed).await {
            Some(c) => {
                let parsed = parse_chunk(reg, c, opts.on);
                let n = parsed.len();
                let rows = run.first_of_each_key(parsed);
                Some(run.prepare(&mut tx, n, rows).await?)
            }
            None => None,
        };
        while let Some(chunk) = current.take() {
            if bulk.is_none() && fresh && chunk.write && done >= BULK_LOAD_AFTER {
                bulk = BulkLoad::begin(&mut tx, reg, inserted).await?;
            }
            let n = chunk.rows;
            inserted += chunk.creates;
            // The engine writes this chunk (on SQLite's worker thread or the PostgreSQL
            // server) while this task parses the next one and, when the cache holds every unit
            // it needs, decides it.
            let (written, following) = tokio::join!(chunk.write(&mut tx, reg, actor, opts.on, &now), async {
                let c = next_chunk(&mut chunks, &mut failed).await?;
                Some(run.prepare_offline(parse_chunk(reg, c, opts.on)))
            });
            written?;
            done += n;
            progress(done);
            current = match following {
                None => None,
                Some(Ok(next)) => Some(next),
                Some(Err((n, rows))) => Some(run.prepare(&mut tx, n, rows).await?),
            };
        }
        let ImportRun { mut report, rows_total, .. } = run;
        if let Some(reason) = failed {
            tx.rollback().await?;
            return Err(StoreError::invalid("file", reason));
        }
        tracing::info!(
            rows = rows_total,
            create = report.to_create,
            update = report.to_update,
            unchanged = report.unchanged,
            rejected = report.rejected,
            "nhập sổ: đã kiểm tra"
        );
        if dry_run || report.rejected > 0 || report.to_create + report.to_update == 0 {
            tx.rollback().await?;
            return Ok(report);
        }
        if let Some(b) = bulk {
            b.finish(&mut tx).await?;
        }
        record(
            &mut tx,
            actor,
            AuditEntry {
                unit_id: scope.or(actor.unit_id),
                action: "registry.import",
                entity: reg.slug,
                entity_id: format!("{rows_total} dòng"),
                before: None,
                after: Some(serde_json::json!({"created": report.to_create, "updated": report.to_update, "unchanged": report.unchanged})),
            },
        )
        .await?;
        tx.commit().await?;
        report.applied = true;
        Ok(report)
    }

    /// Records an export of personal data in the audit log.
    pub async fn audit_export(&self, actor: &Actor, reg: &Registry, scope: Option<i64>, rows: usize, format: &str) -> Result<()> {
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
    }
}

/// Rows written before a first import into an empty registry switches to [`BulkLoad`]: small
/// imports never take the table lock it needs.
const BULK_LOAD_AFTER: usize = 50_000;

/// A large first import into an empty PostgreSQL registry, loaded the way PostgreSQL's manual
/// advises ("Populating a Database": remove indexes and foreign keys, load, re-create them):
/// building an index once over a million rows is three times cheaper than maintaining it row
/// by row, and checking the foreign key to `units` with one join instead of a trigger per row
/// saves 4 s per million. The unique and foreign-key constraints and the indexes are read from
/// the catalog, dropped, and re-created from the same definitions before commit, inside the
/// import's transaction: a failure or a kill rolls them back with the rows, and a re-created
/// constraint checks every row again. SQLite gains nothing from this (measured) and keeps its
/// indexes.
struct BulkLoad {
    /// Statements that re-create what was dropped, in order.
    restore: Vec<String>,
}

impl BulkLoad {
    /// Takes the table for itself and drops its secondary indexes and constraints, if the
    /// table still holds only the `written` rows of this import; None otherwise (SQLite, or
    /// another import got there first).
    async fn begin(conn: &mut Conn, reg: &Registry, written: usize) -> Result<Option<BulkLoad>> {
        if crate::dialect::anonymous(&*conn) {
            return Ok(None);
        }
        // Readers of this registry wait for the import from here on; it held no record.
        crate::db::query(sqlx::AssertSqlSafe(format!("LOCK TABLE {} IN ACCESS EXCLUSIVE MODE", reg.table))).execute(&mut *conn).await?;
        let n = crate::db::query(sqlx::AssertSqlSafe(format!("SELECT COUNT(*) AS n FROM {}", reg.table))).fetch_one(&mut *conn).await?;
        if usize::try_from(n.i64("n")?).ok() != Some(written) {
            return Ok(None);
        }
        // Unique constraints another table's foreign key depends on stay.
        let constraints = crate::db::query(
            "SELECT quote_ident(c.conname) AS name, pg_get_constraintdef(c.oid) AS def FROM pg_constraint c \
             WHERE c.conrelid = $1::regclass AND c.contype IN ('u', 'f') \
             AND NOT EXISTS (SELECT 1 FROM pg_constraint d WHERE d.contype = 'f' AND d.confrelid = c.conrelid AND d.conindid = c.conindid AND c.contype = 'u') \
             ORDER BY c.contype DESC, c.conname",
        )
        .bind(reg.table)
        .fetch_all(&mut *conn)
        .await?;
        let indexes = crate::db::query(
            "SELECT i.indexrelid::regclass::text AS name, pg_get_indexdef(i.indexrelid) AS def FROM pg_index i \
             WHERE i.indrelid = $1::regclass AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = i.indexrelid) ORDER BY 1",
        )
        .bind(reg.table)
        .fetch_all(&mut *conn)
        .await?;
        let mut restore = Vec::new();
        for r in &indexes {
            let (name, def): (String, String) = (r.try_get("name")?, r.try_get("def")?);
            crate::db::query(sqlx::AssertSqlSafe(format!("DROP INDEX {name}"))).execute(&mut *conn).await?;
            restore.push(def);
        }
        // Unique constraints ('u') first when re-created, foreign keys ('f') last.
        for r in &constraints {
            let (name, def): (String, String) = (r.try_get("name")?, r.try_get("def")?);
            crate::db::query(sqlx::AssertSqlSafe(format!("ALTER TABLE {} DROP CONSTRAINT {name}", reg.table))).execute(&mut *conn).await?;
            restore.push(format!("ALTER TABLE {} ADD CONSTRAINT {name} {def}", reg.table));
        }
        Ok(Some(BulkLoad { restore }))
    }

    /// Re-creates the indexes and constraints over every row, before commit.
    async fn finish(self, conn: &mut Conn) -> Result<()> {
        // Index builds sort in memory up to this much (the default is 64 MB).
        crate::db::query("SET LOCAL maintenance_work_mem = '256MB'").execute(&mut *conn).await?;
        for sql in self.restore {
            crate::db::query(sqlx::AssertSqlSafe(sql)).execute(&mut *conn).await?;
        }
        Ok(())
    }
}

/// A row of an import after parsing, before anything is looked up: parsing is pure, so it
/// runs while the previous chunk is being written.
struct ParsedRow {
    line: usize,
    values: Values,
    key: String,
    /// What was repaired in the row's cells.
    notes: Vec<String>,
    /// What `check_record` says of the row as a new record (most rows of a large import).
    errors_if_new: Vec<(String, String)>,
}

/// A parsed row, or the line of a row that cannot be read and its (column, reason) errors.
type Parsed = std::result::Result<ParsedRow, (usize, Vec<(String, String)>)>;

/// Parses a chunk with the domain's cell parsers.
fn parse_chunk(reg: &Registry, chunk: Vec<ImportRow>, today: Date) -> Vec<Parsed> {
    chunk
        .into_iter()
        .map(|row| {
            let mut errors: Vec<(String, String)> = Vec::new();
            let mut values = Values::new();
            let mut notes = Vec::new();
            for f in reg.fields {
                let Some(raw) = row.cells.get(f.column) else { continue };
                match hoctap_domain::registry::def::parse_value(f, raw, row.kind(f.column), today) {
                    Ok(Some(v)) => {
                        if v.restored_zero {
                            notes.push(format!(
                                "cột {}: ô kiểu số \"{}\" đã mất số 0 đầu, đã khôi phục thành {}",
                                f.header,
                                raw.trim(),
                                v.value.display(f.ty)
                            ));
                        }
                        values.insert(f.column, v.value);
                    }
                    Ok(None) => {}
                    Err(reason) => errors.push((f.header.to_string(), reason)),
                }
            }
            match key_of(reg, &values) {
                Some(key) if errors.is_empty() => {
                    let errors_if_new = check_record(reg, &values).into_iter().map(|(c, m)| (header_of(reg, c), m)).collect();
                    Ok(ParsedRow { line: row.line, values, key, notes, errors_if_new })
                }
                None if errors.is_empty() => {
                    for k in reg.key.iter().filter(|k| !values.contains_key(*k)) {
                        errors.push((header_of(reg, k), "không được để trống (mã ổn định để đối chiếu)".into()));
                    }
                    Err((row.line, errors))
                }
                _ => Err((row.line, errors)),
            }
        })
        .collect()
}

/// What has been decided so far in one import, and its caches (the transaction is kept apart,
/// so that deciding the next chunk can go on while the engine writes this one).
struct ImportRun<'a> {
    reg: &'a Registry,
    engine: crate::Engine,
    /// When the import's records are created.
    now: String,
    opts: ImportOptions,
    /// The registry held no record when the import began.
    fresh: bool,
    report: RegistryImportReport,
    cache: UnitCache,
    /// Keys seen in the file, hashed: duplicates are found in constant memory per row.
    seen: std::collections::HashMap<u64, usize>,
    rows_total: usize,
    sink: Option<OutcomeSink<'a>>,
}

/// A chunk decided and ready to write: new records with their statement parameter already
/// built, updates, and the counters' changes of the new records.
struct DecidedChunk {
    /// Rows of the file the chunk held.
    rows: usize,
    /// New records while the chunk is decided (moved into `new_rows` when sealed).
    new_records: Vec<(Values, Placement)>,
    /// New records.
    creates: usize,
    /// The new records encoded for the engine ([`bulk::encode`]), when there are any.
    new_rows: Option<bulk::NewRows>,
    updates: Vec<(RegistryRecord, Values, Placement)>,
    deltas: Vec<(i64, Date, hoctap_domain::stats::Delta)>,
    /// Nothing has been rejected so far and this is no dry run: the chunk is written.
    write: bool,
}

/// A row checked on its own and, for an update, merged with the stored record.
struct CheckedRow {
    line: usize,
    key: String,
    merged: Values,
    notes: Vec<String>,
    errs: Vec<(String, String)>,
}

impl ImportRun<'_> {
    fn note(&mut self, line: usize, outcome: RowOutcome, notes: Vec<String>) {
        if let Some(sink) = self.sink.as_mut() {
            sink(line, &outcome, &notes);
        }
        if !notes.is_empty() {
            self.report.repaired += 1;
            for n in notes {
                if self.report.notes.len() < REPORT_ROWS {
                    self.report.notes.push((line, n));
                }
            }
        }
        self.report.note(line, outcome);
    }

    fn reject(&mut self, line: usize, errors: Vec<(String, String)>) {
        if let Some(sink) = self.sink.as_mut() {
            sink(line, &RowOutcome::Reject { errors: errors.clone() }, &[]);
        }
        self.report.reject(line, errors);
    }

    fn unchanged(&mut self, line: usize, key: String) {
        if let Some(sink) = self.sink.as_mut() {
            sink(line, &RowOutcome::Unchanged { key }, &[]);
        }
        self.report.unchanged += 1;
    }

    /// Drops rows whose key came earlier in the file (a rejection each), keeping the rest.
    fn first_of_each_key(&mut self, parsed: Vec<Parsed>) -> Vec<ParsedRow> {
        self.rows_total += parsed.len();
        let mut rows: Vec<ParsedRow> = Vec::with_capacity(parsed.len());
        for item in parsed {
            match item {
                Ok(row) => {
                    let h = hash_key(&row.key);
                    if let Some(first) = self.seen.get(&h) {
                        let first = *first;
                        self.reject(row.line, vec![(key_headers(self.reg), format!("trùng với dòng {first} trong tệp"))]);
                    } else {
                        self.seen.insert(h, row.line);
                        rows.push(row);
                    }
                }
                Err((line, errors)) => self.reject(line, errors),
            }
        }
        rows
    }

    /// Counts a checked row as a create or an update, or rejects it with its errors.
    fn classify(
        &mut self,
        row: CheckedRow,
        placed: std::result::Result<Placement, (&'static str, String)>,
        before: Option<&RegistryRecord>,
        out: &mut DecidedChunk,
    ) {
        let (reg, CheckedRow { line, key, merged, notes, mut errs }) = (self.reg, row);
        let placement = match placed {
            Ok(p) => Some(p),
            Err((c, m)) => {
                errs.push((header_of(reg, c), m));
                None
            }
        };
        match (placement, errs.is_empty(), before) {
            (Some(p), true, Some(b)) => {
                let changed =
                    reg.fields.iter().filter(|f| b.values.get(f.column) != merged.get(f.column)).map(|f| f.header.to_string()).collect();
                self.report.to_update += 1;
                self.note(line, RowOutcome::Update { key, changed }, notes);
                out.updates.push((b.clone(), merged, p));
            }
            (Some(p), true, None) => {
                self.report.to_create += 1;
                self.note(line, RowOutcome::Create { key }, notes);
                out.new_records.push((merged, p));
            }
            _ => self.reject(line, errs),
        }
    }

    /// Builds the new records' statement parameter and counter changes, and decides whether
    /// the chunk is written: writing stops at the first rejected row, checking goes on to list
    /// every error.
    fn seal(&self, mut out: DecidedChunk) -> DecidedChunk {
        let (reg, on) = (self.reg, self.opts.on);
        let creates = std::mem::take(&mut out.new_records);
        out.write = !self.opts.dry_run && self.report.rejected == 0;
        out.creates = creates.len();
        if out.write && !creates.is_empty() {
            out.deltas =
                creates.iter().flat_map(|(values, p)| crate::stats::change_deltas(reg, None, Some((p.scope_unit, values)), on)).collect();
            out.new_rows = Some(bulk::encode(self.engine, reg, creates, on, &self.now));
        }
        out
    }

    fn empty_chunk(rows: usize) -> DecidedChunk {
        DecidedChunk { rows, new_records: Vec::new(), creates: 0, new_rows: None, updates: Vec::new(), deltas: Vec::new(), write: false }
    }

    /// Decides a chunk without the database, when it can be: a first import into an empty
    /// registry (no stored record to merge with), not a ledger (whose entries are checked
    /// against posted ones), and every unit the rows name already in the cache. Otherwise the
    /// chunk's rows come back, with the number of file rows it held, for
    /// [`ImportRun::prepare`].
    fn prepare_offline(&mut self, parsed: Vec<Parsed>) -> std::result::Result<DecidedChunk, (usize, Vec<ParsedRow>)> {
        let (reg, ImportOptions { scope, on, .. }) = (self.reg, self.opts);
        let n = parsed.len();
        let rows = self.first_of_each_key(parsed);
        if !self.fresh || crate::association::is_ledger(reg.kind) {
            return Err((n, rows));
        }
        // Nothing is decided unless every row can be placed from the cache.
        let Ok(placed) =
            rows.iter().map(|row| place_cached(reg, &row.values, scope, on, &self.cache)).collect::<std::result::Result<Vec<_>, Miss>>()
        else {
            return Err((n, rows));
        };
        let mut out = Self::empty_chunk(n);
        for (ParsedRow { line, values, key, notes, errors_if_new }, placed) in rows.into_iter().zip(placed) {
            self.classify(CheckedRow { line, key, merged: values, notes, errs: errors_if_new }, placed, None, &mut out);
        }
        Ok(self.seal(out))
    }

    /// Decides a chunk's rows (after [`ImportRun::first_of_each_key`]; `n` rows of the file)
    /// with the database at hand: merges rows with stored records, checks ledger entries and
    /// looks up units the cache lacks.
    async fn prepare(&mut self, tx: &mut Conn, n: usize, rows: Vec<ParsedRow>) -> Result<DecidedChunk> {
        let (reg, ImportOptions { scope, on, .. }) = (self.reg, self.opts);
        let existing = if self.fresh { BTreeMap::new() } else { find_many_by_key(tx, reg, &rows).await? };
        let mut out = Self::empty_chunk(n);
        for ParsedRow { line, values, key, notes, errors_if_new } in rows {
            let before = existing.get(&key);
            let (merged, errs) = match before {
                None => {
                    let mut errs = errors_if_new;
                    if crate::association::is_ledger(reg.kind) {
                        match crate::association::check_entry(tx, &values).await {
                            Ok(()) => {}
                            Err(StoreError::Invalid { field, message }) => errs.push((header_of(reg, &field), message)),
                            Err(e) => return Err(e),
                        }
                    }
                    (values, errs)
                }
                Some(b) => {
                    // Merge: a cell the file leaves empty never clears a stored value.
                    let mut merged = b.values.clone();
                    merged.extend(values);
                    if let Some(s) = scope
                        && !in_scope_tx(tx, s, b.unit_id, on).await?
                    {
                        self.reject(line, vec![(key_headers(reg), format!("\"{key}\" thuộc đơn vị ngoài phạm vi của bạn"))]);
                        continue;
                    }
                    if b.values == merged {
                        self.unchanged(line, key);
                        continue;
                    }
                    if reg.append_only {
                        self.reject(
                            line,
                            vec![(
                                String::new(),
                                format!("bút toán \"{key}\" đã ghi sổ với nội dung khác; không sửa được, hãy ghi bút toán đảo"),
                            )],
                        );
                        continue;
                    }
                    let errs = check_record(reg, &merged).into_iter().map(|(c, m)| (header_of(reg, c), m)).collect();
                    (merged, errs)
                }
            };
            let placed = place(tx, reg, &merged, scope, on, &mut self.cache).await;
            self.classify(CheckedRow { line, key, merged, notes, errs }, placed, before, &mut out);
        }
        Ok(self.seal(out))
    }
}

impl DecidedChunk {
    /// Writes the chunk's new records, updates (keeping the versions they replace) and
    /// counter changes, when it is to be written.
    async fn write(self, tx: &mut Conn, reg: &Registry, actor: &Actor, on: Date, now: &str) -> Result<()> {
        if !self.write {
            return Ok(());
        }
        if let Some(rows) = self.new_rows {
            bulk::write(tx, reg, rows, on, now).await?;
        }
        let mut deltas = self.deltas;
        for (before, values, placement) in &self.updates {
            let started = current_version_start(tx, reg, before).await?;
            history_keep(tx, reg, before, on, actor).await?;
            update_row(tx, reg, before.id, values, placement).await?;
            deltas.extend(crate::stats::change_deltas(
                reg,
                Some((before.unit_id, started, &before.values)),
                Some((placement.scope_unit, values)),
                on,
            ));
        }
        // The counters change in the same transaction, once per chunk.
        crate::stats::add_deltas(tx, &deltas).await
    }
}

/// Caches unit look-ups by code during one import.
#[derive(Default)]
pub(crate) struct UnitCache {
    by_code: BTreeMap<String, Option<(i64, UnitKind, String)>>,
    in_scope: BTreeMap<i64, bool>,
    refs: BTreeMap<(RegistryKind, String), Option<i64>>,
    province: BTreeMap<i64, String>,
}

async fn in_scope_tx(conn: &mut Conn, scope: i64, unit: i64, on: Date) -> Result<bool> {
    let row = crate::db::query(
        "SELECT COUNT(*) AS n FROM unit_closure WHERE ancestor_id = $1 AND descendant_id = $2 AND valid_from <= $3 AND valid_to > $3",
    )
    .bind(scope)
    .bind(unit)
    .bind(date_text(on))
    .fetch_one(&mut *conn)
    .await?;
    Ok(row.i64("n")? > 0)
}

/// A look-up a placement needs that the import's cache does not hold yet.
enum Miss {
    /// A unit by code, in force on the day.
    Unit(String),
    /// The unit of a record of another registry, by key.
    Ref(RegistryKind, String),
    /// Whether a unit lies in the scope.
    InScope(i64),
    /// A unit's province code.
    Province(i64),
}

/// A placement or the reason it fails, from the cache alone: `Err(miss)` names the first
/// look-up the cache lacks. Pure, so the next chunk of an import is placed while the engine
/// writes this one.
fn place_cached(
    reg: &Registry,
    values: &Values,
    scope: Option<i64>,
    on: Date,
    cache: &UnitCache,
) -> std::result::Result<std::result::Result<Placement, (&'static str, String)>, Miss> {
    let mut unit_ids = BTreeMap::new();
    let mut ref_units: BTreeMap<&'static str, i64> = BTreeMap::new();
    for f in reg.fields {
        match (f.ty, values.get(f.column)) {
            (FieldType::Unit(_) | FieldType::AnyUnit, Some(Value::Unit(code))) => {
                let Some(found) = cache.by_code.get(code.as_str()) else { return Err(Miss::Unit(code.to_string())) };
                let Some((id, kind, _)) = found else {
                    return Ok(Err((
                        f.column,
                        format!("không có đơn vị mã {code} còn hiệu lực ngày {}", hoctap_domain::date::format_vn(on)),
                    )));
                };
                if let FieldType::Unit(want) = f.ty
                    && *kind != want
                {
                    return Ok(Err((
                        f.column,
                        format!("mã {code} là {}, cần {}", kind.label().to_lowercase(), want.label().to_lowercase()),
                    )));
                }
                unit_ids.insert(f.column, *id);
            }
            (FieldType::Ref(target), Some(Value::Text(code))) => match cache.refs.get(&(target, code.clone())) {
                None => return Err(Miss::Ref(target, code.clone())),
                Some(Some(u)) => {
                    ref_units.insert(f.column, *u);
                }
                Some(None) => return Ok(Err((f.column, format!("không có {} mã \"{code}\" trong sổ", registry(target).noun)))),
            },
            _ => {}
        }
    }
    let Some(scope_unit) = unit_ids.get(reg.scope).or_else(|| ref_units.get(reg.scope)).copied() else {
        return Ok(Err((reg.scope, "không được để trống".to_string())));
    };
    if scope.is_some() {
        match cache.in_scope.get(&scope_unit) {
            None => return Err(Miss::InScope(scope_unit)),
            Some(false) => return Ok(Err((reg.scope, "đơn vị nằm ngoài phạm vi của bạn".to_string()))),
            Some(true) => {}
        }
    }
    let Some(province_code) = cache.province.get(&scope_unit).cloned() else { return Err(Miss::Province(scope_unit)) };
    Ok(Ok(Placement { unit_ids, scope_unit, province_code }))
}

/// Looks up what the cache lacks.
async fn fill(conn: &mut Conn, miss: Miss, scope: Option<i64>, on: Date, cache: &mut UnitCache) -> Result<()> {
    match miss {
        Miss::Unit(code) => {
            let row = crate::db::query("SELECT id, kind, province_code FROM units WHERE code = $1 AND valid_from <= $2 AND valid_to > $2")
                .bind(code.as_str())
                .bind(date_text(on))
                .fetch_optional(&mut *conn)
                .await?;
            let found = match row {
                Some(r) => {
                    UnitKind::parse(&r.text("kind")?).map(|k| (r.i64("id").unwrap_or(0), k, r.text("province_code").unwrap_or_default()))
                }
                None => None,
            };
            cache.by_code.insert(code, found);
        }
        Miss::Ref(target, code) => {
            let treg = registry(target);
            let kcol = treg.key.first().copied().unwrap_or("code");
            let sql = format!("SELECT unit_id FROM {} WHERE {kcol} = $1 AND valid_to > $2", treg.table);
            let row = crate::db::query(sqlx::AssertSqlSafe(sql)).bind(&code).bind(date_text(on)).fetch_optional(&mut *conn).await?;
            let unit = match row {
                Some(r) => Some(r.i64("unit_id")?),
                None => None,
            };
            cache.refs.insert((target, code), unit);
        }
        Miss::InScope(unit) => {
            let v = match scope {
                Some(s) => in_scope_tx(conn, s, unit, on).await?,
                None => true,
            };
            cache.in_scope.insert(unit, v);
        }
        Miss::Province(unit) => {
            let p = match crate::db::query("SELECT province_code FROM units WHERE id = $1").bind(unit).fetch_optional(&mut *conn).await? {
                Some(r) => r.text("province_code")?,
                None => String::new(),
            };
            cache.province.insert(unit, p);
        }
    }
    Ok(())
}

/// Resolves unit and reference fields and the scope unit; (column, reason) on failure.
pub(crate) async fn place(
    conn: &mut Conn,
    reg: &Registry,
    values: &Values,
    scope: Option<i64>,
    on: Date,
    cache: &mut UnitCache,
) -> std::result::Result<Placement, (&'static str, String)> {
    loop {
        match place_cached(reg, values, scope, on, cache) {
            Ok(placed) => return placed,
            Err(miss) => fill(conn, miss, scope, on, cache).await.map_err(|e| ("", e.to_string()))?,
        }
    }
}

async fn find_by_key(conn: &mut Conn, reg: &Registry, values: &Values) -> Result<Option<RegistryRecord>> {
    let mut conds = Vec::new();
    for (i, k) in reg.key.iter().enumerate() {
        conds.push(format!("t.{k} = ${}", i + 1));
    }
    let sql =
        format!("SELECT t.id, t.unit_id, t.valid_from, t.valid_to, {} FROM {} t WHERE {}", columns(reg), reg.table, conds.join(" AND "));
    let mut q = crate::db::query(sqlx::AssertSqlSafe(sql));
    for k in reg.key {
        q = match values.get(k) {
            Some(Value::Text(s)) => q.bind(s.clone()),
            Some(other) => q.bind(other.display(FieldType::Text { max: 0 })),
            None => return Ok(None),
        };
    }
    let rows = q.fetch_all(&mut *conn).await?;
    Ok(records(conn, reg, rows).await?.pop())
}

/// Looks up the stored records of a chunk's keys, in one query per chunk when the key is a
/// single column.
async fn find_many_by_key(conn: &mut Conn, reg: &Registry, rows: &[ParsedRow]) -> Result<BTreeMap<String, RegistryRecord>> {
    let anon = crate::dialect::anonymous(&*conn);
    let mut out = BTreeMap::new();
    if let [kcol] = reg.key {
        for chunk in rows.chunks(500) {
            let sql = format!(
                "SELECT t.id, t.unit_id, t.valid_from, t.valid_to, {} FROM {} t WHERE t.{kcol} IN ({})",
                columns(reg),
                reg.table,
                crate::dialect::placeholders(anon, 1, chunk.len())
            );
            let mut q = crate::db::query(sqlx::AssertSqlSafe(sql));
            for row in chunk {
                q = q.bind(row.key.clone());
            }
            let found = q.fetch_all(&mut *conn).await?;
            for r in records(conn, reg, found).await? {
                if let Some(k) = key_of(reg, &r.values) {
                    out.insert(k, r);
                }
            }
        }
    } else {
        for row in rows {
            if let Some(r) = find_by_key(conn, reg, &row.values).await? {
                out.insert(row.key.clone(), r);
            }
        }
    }
    Ok(out)
}

/// Inserts new records, each engine its bulk way (a new record has no past versions, so
/// nothing goes to the history table).
async fn insert_many(conn: &mut Conn, reg: &Registry, rows: Vec<(Values, Placement)>, on: Date) -> Result<()> {
    let now = now_text();
    let engine = conn.engine();
    let mut rows = rows.into_iter().peekable();
    while rows.peek().is_some() {
        let chunk: Vec<(Values, Placement)> = rows.by_ref().take(IMPORT_CHUNK).collect();
        bulk::write(conn, reg, bulk::encode(engine, reg, chunk, on, &now), on, &now).await?;
    }
    Ok(())
}

fn bind_values<'q>(mut q: crate::db::Query<'q>, reg: &Registry, values: &Values, placement: &Placement) -> crate::db::Query<'q> {
    for f in reg.fields {
        let v = values.get(f.column);
        q = match (f.ty, v) {
            (FieldType::Unit(_) | FieldType::AnyUnit, _) => q.bind(placement.unit_ids.get(f.column).copied()),
            (_, Some(Value::Int(n))) => q.bind(Some(*n)),
            (_, Some(Value::Bool(b))) => q.bind(Some(i64::from(*b))),
            (_, Some(Value::Date(d))) => q.bind(Some(date_text(*d))),
            (_, Some(Value::Text(s))) => q.bind(Some(s.clone())),
            (_, Some(Value::Unit(c))) => q.bind(Some(c.to_string())),
            (t, None) if t.is_integer() => q.bind(None::<i64>),
            (_, None) => q.bind(None::<String>),
        };
    }
    q
}

/// Inserts one new record (the same columns as [`insert_many`]).
pub(crate) async fn insert(conn: &mut Conn, reg: &Registry, values: &Values, p: &Placement, on: Date) -> Result<i64> {
    let n = reg.fields.len();
    let params: Vec<String> = (1..=n + 7).map(|i| format!("${i}")).collect();
    let sql = format!(
        "INSERT INTO {} ({}, unit_id, province_code, search_key, valid_from, valid_to, created_at, updated_at) VALUES ({}) RETURNING id",
        reg.table,
        columns(reg),
        params.join(", ")
    );
    let now = now_text();
    let row = bind_values(crate::db::query(sqlx::AssertSqlSafe(sql)), reg, values, p)
        .bind(p.scope_unit)
        .bind(p.province_code.clone())
        .bind(search_key(reg, values))
        .bind(date_text(on))
        .bind(date_text(OPEN_END))
        .bind(now.clone())
        .bind(now)
        .fetch_one(&mut *conn)
        .await?;
    row.i64("id")
}

async fn update_row(conn: &mut Conn, reg: &Registry, id: i64, values: &Values, p: &Placement) -> Result<()> {
    let sets: Vec<String> = reg.fields.iter().enumerate().map(|(i, f)| format!("{} = ${}", f.column, i + 1)).collect();
    let n = reg.fields.len();
    let sql = format!(
        "UPDATE {} SET {}, unit_id = ${}, province_code = ${}, search_key = ${}, updated_at = ${} WHERE id = ${}",
        reg.table,
        sets.join(", "),
        n + 1,
        n + 2,
        n + 3,
        n + 4,
        n + 5
    );
    bind_values(crate::db::query(sqlx::AssertSqlSafe(sql)), reg, values, p)
        .bind(p.scope_unit)
        .bind(p.province_code.clone())
        .bind(search_key(reg, values))
        .bind(now_text())
        .bind(id)
        .execute(&mut *conn)
        .await?;
    Ok(())
}

pub(crate) fn audit_json(reg: &Registry, values: &Values) -> serde_json::Value {
    // The audit log keeps personal data masked: it is read by more people than the registry.
    let mut map = serde_json::Map::new();
    for f in reg.fields {
        if let Some(v) = values.get(f.column) {
            let shown = match (f.personal, v) {
                (true, Value::Text(s)) => {
                    hoctap_domain::registry::cccd::Cccd::parse(s).map(|c| c.masked()).unwrap_or_else(|_| "***".into())
                }
                (true, _) => "***".into(),
                (false, v) => v.display(f.ty),
            };
            map.insert(f.column.to_string(), serde_json::Value::String(shown));
        }
    }
    serde_json::Value::Object(map)
}

/// Keeps the version a change replaces: the stored row is always the current version, and
/// `registry_history` holds the past ones, each with the period it was in force. A second
/// change on the same day replaces that day's version without keeping it.
async fn history_keep(conn: &mut Conn, reg: &Registry, before: &RegistryRecord, on: Date, actor: &Actor) -> Result<()> {
    let from = current_version_start(conn, reg, before).await?;
    if from >= on {
        return Ok(());
    }
    crate::db::query("INSERT INTO registry_history (registry, record_id, valid_from, valid_to, data_json, actor, recorded_at, unit_id) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)")
        .bind(reg.slug)
        .bind(before.id)
        .bind(date_text(from))
        .bind(date_text(on))
        .bind(serde_json::to_string(&before.values).unwrap_or_default())
        .bind(&actor.username)
        .bind(now_text())
        .bind(before.unit_id)
        .execute(&mut *conn)
        .await?;
    Ok(())
}

/// The day the current version of a record started: the end of its last past version, or
/// the record's own start.
async fn current_version_start(conn: &mut Conn, reg: &Registry, r: &RegistryRecord) -> Result<Date> {
    let row = crate::db::query("SELECT MAX(valid_to) AS last FROM registry_history WHERE registry = $1 AND record_id = $2")
        .bind(reg.slug)
        .bind(r.id)
        .fetch_one(&mut *conn)
        .await?;
    match row.opt_text("last")? {
        Some(s) => parse_date_col(&s),
        None => Ok(r.validity.from),
    }
}

/// After a reorganisation, records placed in a closed unit follow its successor.
pub(crate) async fn follow_successor(conn: &mut Conn, closed: i64, successor: i64) -> Result<()> {
    for reg in hoctap_domain::registry::def::REGISTRIES {
        for f in reg.fields.iter().filter(|f| matches!(f.ty, FieldType::Unit(_) | FieldType::AnyUnit)) {
            let sql = format!("UPDATE {} SET {} = $1 WHERE {} = $2", reg.table, f.column, f.column);
            crate::db::query(sqlx::AssertSqlSafe(sql)).bind(successor).bind(closed).execute(&mut *conn).await?;
        }
        let sql = format!("UPDATE {} SET unit_id = $1 WHERE unit_id = $2", reg.table);
        crate::db::query(sqlx::AssertSqlSafe(sql)).bind(successor).bind(closed).execute(&mut *conn).await?;
    }
    Ok(())
}

/// A record prepared for bulk loading: values with unit fields already resolved to ids.
#[derive(Debug, Clone)]
pub struct BulkRecord {
    pub values: Values,
    /// Resolved unit ids of the unit fields, by column.
    pub unit_ids: BTreeMap<&'static str, i64>,
    /// The unit that scopes the record.
    pub scope_unit: i64,
    pub province_code: String,
}

impl Store {
    /// Inserts many records at once with multi-row statements, in the caller's batches,
    /// without per-row checks: for generated data (`hoctap gen`) and benchmarks only. The
    /// records must already be valid; the audit log gets one entry per call.
    pub async fn registry_bulk_insert(&self, actor: &Actor, reg: &Registry, records: &[BulkRecord], on: Date) -> Result<usize> {
        let mut tx = self.begin().await?;
        let rows: Vec<(Values, Placement)> = records
            .iter()
            .map(|r| {
                (
                    r.values.clone(),
                    Placement { unit_ids: r.unit_ids.clone(), scope_unit: r.scope_unit, province_code: r.province_code.clone() },
                )
            })
            .collect();
        let deltas: Vec<_> =
            rows.iter().flat_map(|(values, p)| crate::stats::change_deltas(reg, None, Some((p.scope_unit, values)), on)).collect();
        insert_many(&mut tx, reg, rows, on).await?;
        crate::stats::add_deltas(&mut tx, &deltas).await?;
        record(
            &mut tx,
            actor,
            AuditEntry {
                unit_id: actor.unit_id,
                action: "registry.bulk_insert",
                entity: reg.slug,
                entity_id: format!("{} dòng", records.len()),
                before: None,
                after: None,
            },
        )
        .await?;
        tx.commit().await?;
        Ok(records.len())
    }
}
