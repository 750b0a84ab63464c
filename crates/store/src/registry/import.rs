//! Streaming imports: chunks parsed, checked, merged by key and decided while the engine writes
//! the previous one, all in one transaction with one audit entry.

use super::bulk_load::{BULK_LOAD_AFTER, BulkLoad};
use super::*;

/// A chunk's rows parsed, or why the file could not be read.
type ParsedChunk = std::result::Result<Vec<Parsed>, String>;

/// The next chunk, or None at the end of the file or when the reader failed (`failed` says why).
async fn next_chunk(chunks: &mut tokio::sync::mpsc::Receiver<ParsedChunk>, failed: &mut Option<String>) -> Option<Vec<Parsed>> {
    match chunks.recv().await? {
        Ok(c) => Some(c),
        Err(reason) => {
            *failed = Some(reason);
            None
        }
    }
}

/// The chunks parsed, in order, on a thread of their own: parsing is pure, so it runs on the
/// other core while the import's task decides the previous chunk and the engine writes the one
/// before (three stages at once; before, parsing and deciding shared one thread). One thread
/// for the whole import, so its allocations come back to one heap. A reader's failure is
/// passed on as it came.
fn parsed_chunks(
    reg: &Registry,
    mut chunks: tokio::sync::mpsc::Receiver<ImportChunk>,
    on: Date,
) -> Result<tokio::sync::mpsc::Receiver<ParsedChunk>> {
    let reg = *reg;
    let (tx, rx) = tokio::sync::mpsc::channel(2);
    std::thread::Builder::new()
        .name("import-parse".into())
        .spawn(move || {
            while let Some(chunk) = chunks.blocking_recv() {
                // A parser that panicked must not look like the end of the file (the import
                // would write what came before): it is the import's error.
                let parsed = chunk.and_then(|c| {
                    std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| parse_chunk(&reg, c, on)))
                        .map_err(|_| "không đọc được tệp: lỗi khi phân tích dữ liệu".to_string())
                });
                // The import stopped (an error, or the end): nothing more to parse.
                if tx.blocking_send(parsed).is_err() {
                    break;
                }
            }
        })
        .map_err(sqlx::Error::Io)?;
    Ok(rx)
}

impl Store {
    /// Checks every row of an import and, unless `dry_run` or a row is rejected, writes all
    /// creates and updates in one transaction with one audit entry.
    #[inline(never)]
    pub fn registry_import<'fut, 'l1: 'fut, 'l2: 'fut, 'l3: 'fut, 'l4: 'fut>(
        &'l1 self,
        actor: &'l2 Actor,
        reg: &'l3 Registry,
        rows: &'l4 [ImportRow],
        scope: Option<i64>,
        on: Date,
        dry_run: bool,
    ) -> crate::BoxFut<'fut, Result<RegistryImportReport>> {
        Box::pin(async move {
            let (tx, rx) = tokio::sync::mpsc::channel(4);
            let chunks: Vec<Vec<ImportRow>> = rows.chunks(IMPORT_CHUNK).map(<[ImportRow]>::to_vec).collect();
            let feeder = async move {
                for c in chunks {
                    if tx.send(Ok(c)).await.is_err() {
                        break;
                    }
                }
            };
            let (report, ()) =
                tokio::join!(self.registry_import_stream(actor, reg, rx, ImportOptions { scope, on, dry_run }, |_| {}), feeder);
            report
        })
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
        mut progress: impl FnMut(usize) + Send,
    ) -> Result<RegistryImportReport> {
        self.registry_import_observed(actor, reg, chunks, opts, &mut progress, None).await
    }

    /// [`Store::registry_import_stream`], with every row's outcome given to `sink` as it is
    /// decided.
    #[inline(never)]
    pub fn registry_import_observed<'fut, 'a: 'fut, 'l1: 'fut, 'l2: 'fut, 'p: 'fut>(
        &'l1 self,
        actor: &'l2 Actor,
        reg: &'a Registry,
        chunks: tokio::sync::mpsc::Receiver<ImportChunk>,
        opts: ImportOptions,
        progress: &'p mut (dyn FnMut(usize) + Send + 'p),
        sink: Option<OutcomeSink<'a>>,
    ) -> crate::BoxFut<'fut, Result<RegistryImportReport>> {
        Box::pin(async move {
            let ImportOptions { scope, dry_run, .. } = opts;
            let mut chunks = parsed_chunks(reg, chunks, opts.on)?;
            let mut tx = self.begin().await?;
            // A registry with no record yet (inside this transaction) needs no look-up by key:
            // every key is new, and a key repeated in the file is rejected as a duplicate.
            let fresh = crate::db::query(sqlx::AssertSqlSafe(format!("SELECT 1 AS one FROM {} LIMIT 1", reg.table)))
                .fetch_optional(&mut *tx)
                .await?
                .is_none();
            let mut run = ImportRun {
                reg,
                engine: self.engine(),
                opts,
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
            let mut counted = DeltaSums::default();
            let mut bulk: Option<BulkLoad> = None;
            // A reader that fails halfway says so on the channel: nothing read so far is written.
            let mut failed: Option<String> = None;
            if fresh {
                let mut current = match next_chunk(&mut chunks, &mut failed).await {
                    Some(parsed) => {
                        let n = parsed.len();
                        let rows = run.first_of_each_key(parsed);
                        Some(run.prepare(&mut tx, n, rows, BTreeMap::new()).await?)
                    }
                    None => None,
                };
                while let Some(chunk) = current.take() {
                    if bulk.is_none() && chunk.write && done >= BULK_LOAD_AFTER {
                        bulk = BulkLoad::begin(&mut tx, reg, inserted).await?;
                    }
                    let n = chunk.rows;
                    inserted += chunk.creates;
                    // The engine writes this chunk (on SQLite's worker thread or the PostgreSQL
                    // server) while this task parses the next one and, when the cache holds every unit
                    // it needs, decides it.
                    let (written, following) = tokio::join!(chunk.write(&mut tx, reg, actor, opts.on), async {
                        let parsed = next_chunk(&mut chunks, &mut failed).await?;
                        Some(run.prepare_offline(parsed))
                    });
                    counted.merge(written?);
                    done += n;
                    progress(done);
                    current = match following {
                        None => None,
                        Some(Ok(next)) => Some(next),
                        Some(Err((n, rows))) => Some(run.prepare(&mut tx, n, rows, BTreeMap::new()).await?),
                    };
                }
            } else {
                // Records to merge with: each chunk's stored records are looked up (by the engine,
                // on SQLite's worker thread or the PostgreSQL server) while this task decides the
                // chunk before, so a re-import of unchanged rows no longer waits for each look-up.
                let mut current = match next_chunk(&mut chunks, &mut failed).await {
                    Some(parsed) => {
                        let n = parsed.len();
                        let rows = run.first_of_each_key(parsed);
                        let found = find_many_by_key(&mut tx, reg, &rows).await?;
                        Some((n, rows, found))
                    }
                    None => None,
                };
                while let Some((n, rows, found)) = current.take() {
                    let following = next_chunk(&mut chunks, &mut failed).await.map(|parsed| {
                        let n = parsed.len();
                        let (rows, refused) = run.dedupe(parsed);
                        (n, rows, refused)
                    });
                    let (found_next, decided) = tokio::join!(
                        async {
                            match &following {
                                Some((_, rows, _)) => Some(find_many_by_key(&mut tx, reg, rows).await),
                                None => None,
                            }
                        },
                        async { run.prepare_found_offline(n, rows, found) }
                    );
                    let chunk = match decided {
                        Ok(chunk) => chunk,
                        Err((n, rows, found)) => run.prepare(&mut tx, n, rows, found).await?,
                    };
                    // The next chunk's own refusals come after this chunk's outcomes, as the file has them.
                    if let Some((n, rows, refused)) = following {
                        for (line, errors) in refused {
                            run.reject(line, errors);
                        }
                        current = Some((n, rows, found_next.transpose()?.unwrap_or_default()));
                    }
                    let n = chunk.rows;
                    counted.merge(chunk.write(&mut tx, reg, actor, opts.on).await?);
                    done += n;
                    progress(done);
                }
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
            // The counters change in the same transaction, once for the whole import.
            counted.write(&mut tx).await?;
            record(
                &mut tx,
                actor,
                AuditEntry {
                    unit_id: scope.or(actor.unit_id),
                    action: "registry.import",
                    entity: reg.slug,
                    entity_id: format!("{rows_total} dòng"),
                    before: None,
                    after: Some(
                        serde_json::json!({"created": report.to_create, "updated": report.to_update, "unchanged": report.unchanged}),
                    ),
                },
            )
            .await?;
            tx.commit().await?;
            report.applied = true;
            Ok(report)
        })
    }
}

/// A row of an import after parsing, before anything is looked up: parsing is pure, so it
/// runs while the previous chunk is being written.
pub(super) struct ParsedRow {
    pub(super) line: usize,
    pub(super) values: Values,
    pub(super) key: String,
    /// What was repaired in the row's cells.
    pub(super) notes: Vec<String>,
    /// What `check_record` says of the row as a new record (most rows of a large import).
    pub(super) errors_if_new: Vec<(String, String)>,
}

/// The line of a refused row and its (column, reason) errors.
pub(super) type Refusal = (usize, Vec<(String, String)>);

/// A parsed row, or the refusal of a row that cannot be read.
pub(super) type Parsed = std::result::Result<ParsedRow, Refusal>;

/// Parses a chunk with the domain's cell parsers.
pub(super) fn parse_chunk(reg: &Registry, chunk: Vec<ImportRow>, today: Date) -> Vec<Parsed> {
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
pub(super) struct ImportRun<'a> {
    reg: &'a Registry,
    engine: crate::Engine,
    opts: ImportOptions,
    report: RegistryImportReport,
    cache: UnitCache,
    /// Keys seen in the file, hashed: duplicates are found in constant memory per row.
    seen: std::collections::HashMap<u64, usize>,
    rows_total: usize,
    sink: Option<OutcomeSink<'a>>,
}

/// A chunk decided and ready to write: new records with their statement parameter already
/// built, updates, and the counters' changes of the new records.
pub(super) struct DecidedChunk {
    /// Rows of the file the chunk held.
    rows: usize,
    /// New records while the chunk is decided (moved into `new_rows` when sealed).
    new_records: Vec<(Values, Placement)>,
    /// New records.
    creates: usize,
    /// The new records encoded for the engine ([`bulk::encode`]), when there are any.
    new_rows: Option<bulk::NewRows>,
    updates: Vec<(RegistryRecord, Values, Placement)>,
    deltas: DeltaSums,
    /// Nothing has been rejected so far and this is no dry run: the chunk is written.
    write: bool,
}

/// A row checked on its own and, for an update, merged with the stored record.
pub(super) struct CheckedRow {
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
        let (rows, refused) = self.dedupe(parsed);
        for (line, errors) in refused {
            self.reject(line, errors);
        }
        rows
    }

    /// The rows whose key comes first in the file, and the refusals of the others (and of rows
    /// that could not be read), for the caller to note when the chunks before are decided.
    fn dedupe(&mut self, parsed: Vec<Parsed>) -> (Vec<ParsedRow>, Vec<Refusal>) {
        self.rows_total += parsed.len();
        let mut rows: Vec<ParsedRow> = Vec::with_capacity(parsed.len());
        let mut refused = Vec::new();
        for item in parsed {
            match item {
                Ok(row) => {
                    let h = hash_key(&row.key);
                    if let Some(first) = self.seen.get(&h) {
                        refused.push((row.line, vec![(key_headers(self.reg), format!("trùng với dòng {first} trong tệp"))]));
                    } else {
                        self.seen.insert(h, row.line);
                        rows.push(row);
                    }
                }
                Err(refusal) => refused.push(refusal),
            }
        }
        (rows, refused)
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
            // Folded here, while the engine writes the previous chunk: a thousand rows' deltas
            // become a few sums per unit and metric.
            out.deltas.add(creates.iter().flat_map(|(values, p)| crate::stats::change_deltas(reg, None, Some((p.scope_unit, values)), on)));
            out.new_rows = Some(bulk::encode(self.engine, reg, creates, on));
        }
        out
    }

    fn empty_chunk(rows: usize) -> DecidedChunk {
        DecidedChunk {
            rows,
            new_records: Vec::new(),
            creates: 0,
            new_rows: None,
            updates: Vec::new(),
            deltas: DeltaSums::default(),
            write: false,
        }
    }

    /// Decides a chunk of a first import into an empty registry (no stored record to merge
    /// with) without the database, when it can be: not a ledger (whose entries are checked
    /// against posted ones), and every unit the rows name already in the cache. Otherwise the
    /// chunk's rows come back, with the number of file rows it held, for
    /// [`ImportRun::prepare`].
    fn prepare_offline(&mut self, parsed: Vec<Parsed>) -> std::result::Result<DecidedChunk, (usize, Vec<ParsedRow>)> {
        let (reg, ImportOptions { scope, on, .. }) = (self.reg, self.opts);
        let n = parsed.len();
        let rows = self.first_of_each_key(parsed);
        if rules_for(reg.kind).is_some() {
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

    /// Decides a chunk without the database when its stored records are already read and
    /// every row is either new or unchanged, placed from the unit cache, with no scope to check
    /// and no ledger rules (a re-import of the same file, or new rows beside it). Otherwise the
    /// chunk comes back untouched, for [`ImportRun::prepare`].
    #[expect(clippy::type_complexity, reason = "the chunk handed back as it came")]
    fn prepare_found_offline(
        &mut self,
        n: usize,
        rows: Vec<ParsedRow>,
        existing: BTreeMap<String, RegistryRecord>,
    ) -> std::result::Result<DecidedChunk, (usize, Vec<ParsedRow>, BTreeMap<String, RegistryRecord>)> {
        let (reg, ImportOptions { scope, on, .. }) = (self.reg, self.opts);
        if scope.is_some() || rules_for(reg.kind).is_some() {
            return Err((n, rows, existing));
        }
        // First, without noting anything: a changed row or a unit the cache lacks sends the
        // whole chunk to the database's path.
        let mut placed = Vec::with_capacity(rows.len());
        for row in &rows {
            match existing.get(&row.key) {
                // Merging changes nothing when every cell the file fills equals the stored one.
                Some(b) if row.values.iter().all(|(k, v)| b.values.get(k) == Some(v)) => placed.push(None),
                Some(_) => return Err((n, rows, existing)),
                None => match place_cached(reg, &row.values, scope, on, &self.cache) {
                    Ok(p) => placed.push(Some(p)),
                    Err(_) => return Err((n, rows, existing)),
                },
            }
        }
        let mut out = Self::empty_chunk(n);
        for (ParsedRow { line, values, key, notes, errors_if_new }, placed) in rows.into_iter().zip(placed) {
            match placed {
                None => self.unchanged(line, key),
                Some(p) => self.classify(CheckedRow { line, key, merged: values, notes, errs: errors_if_new }, p, None, &mut out),
            }
        }
        Ok(self.seal(out))
    }

    /// Decides a chunk's rows (after [`ImportRun::first_of_each_key`]; `n` rows of the file)
    /// with the database at hand and the chunk's stored records (`existing`, none in a first
    /// import) already read: merges rows with them, checks ledger entries and looks up units the
    /// cache lacks.
    async fn prepare(
        &mut self,
        tx: &mut Conn,
        n: usize,
        rows: Vec<ParsedRow>,
        existing: BTreeMap<String, RegistryRecord>,
    ) -> Result<DecidedChunk> {
        let (reg, ImportOptions { scope, on, .. }) = (self.reg, self.opts);
        let mut out = Self::empty_chunk(n);
        for ParsedRow { line, values, key, notes, errors_if_new } in rows {
            let before = existing.get(&key);
            let (merged, errs) = match before {
                None => {
                    let mut errs = errors_if_new;
                    if let Some(rules) = rules_for(reg.kind) {
                        match (rules.check_new)(tx, &values).await {
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
    /// Writes the chunk's new records and updates (keeping the versions they replace), when
    /// it is to be written, and answers the counters' changes: the import adds them up and
    /// writes them once, at its end (a round trip per chunk before).
    async fn write(self, tx: &mut Conn, reg: &Registry, actor: &Actor, on: Date) -> Result<DeltaSums> {
        if !self.write {
            return Ok(DeltaSums::default());
        }
        if let Some(rows) = self.new_rows {
            bulk::write(tx, reg, rows, on).await?;
        }
        let mut deltas = self.deltas;
        for (before, values, placement) in &self.updates {
            let started = current_version_start(tx, reg, before).await?;
            history_keep(tx, reg, before, on, actor).await?;
            update_row(tx, reg, before.id, values, placement).await?;
            deltas.add(crate::stats::change_deltas(
                reg,
                Some((before.unit_id, started, &before.values)),
                Some((placement.scope_unit, values)),
                on,
            ));
        }
        Ok(deltas)
    }
}

/// Counter changes summed per record unit, date read, metric and year: an import's whole
/// change to the counters in a few rows, written in its transaction at the end.
#[derive(Default)]
pub(super) struct DeltaSums(BTreeMap<(i64, Date, &'static str, i16), i64>);

impl DeltaSums {
    fn add(&mut self, deltas: impl IntoIterator<Item = (i64, Date, hoctap_domain::stats::Delta)>) {
        for (unit, on, d) in deltas {
            *self.0.entry((unit, on, d.metric, d.year)).or_default() += d.amount;
        }
    }

    fn merge(&mut self, other: DeltaSums) {
        for (k, v) in other.0 {
            *self.0.entry(k).or_default() += v;
        }
    }

    async fn write(self, tx: &mut Conn) -> Result<()> {
        let items: Vec<(i64, Date, hoctap_domain::stats::Delta)> = self
            .0
            .into_iter()
            .filter(|(_, amount)| *amount != 0)
            .map(|((unit, on, metric, year), amount)| (unit, on, hoctap_domain::stats::Delta { year, metric, amount }))
            .collect();
        crate::stats::add_deltas(tx, &items).await
    }
}
