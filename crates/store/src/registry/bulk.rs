//! Many new records at once, each engine its own fastest way, for an import's chunk and for
//! generated data (`hoctap gen`): PostgreSQL streams them with `COPY … FROM STDIN` (text
//! format); SQLite runs one prepared multi-row `INSERT` with every value bound natively
//! (anonymous `?` placeholders: sqlx finds a named SQLite parameter by a linear scan). The
//! rows are encoded while the previous chunk is being written, so the engine only loads.

use super::*;
use crate::Engine;
use crate::db::Arg;
use std::io::Write;

/// SQLite's limit on the parameters of one statement (SQLITE_MAX_VARIABLE_NUMBER since 3.32).
const SQLITE_MAX_PARAMS: usize = 32_766;

/// New records encoded for one engine.
pub(crate) enum NewRows {
    /// PostgreSQL: the lines of a `COPY` in text format.
    Copy { lines: Vec<u8>, rows: usize },
    /// SQLite: each record's values, in the statement's order, ready to bind.
    Bound { rows: Vec<Vec<Arg<'static>>> },
}

/// The columns every new record gets, in order: the fields, then these.
fn target(reg: &Registry) -> String {
    format!("{} ({}, unit_id, province_code, search_key, valid_from, valid_to)", reg.table, columns(reg))
}

/// Encodes new records for `engine` (validity from `on`).
pub(crate) fn encode(engine: Engine, reg: &Registry, records: Vec<(Values, Placement)>, on: Date) -> NewRows {
    match engine {
        Engine::Postgres => encode_copy(reg, &records, on),
        Engine::Sqlite => NewRows::Bound { rows: records.into_iter().map(|(values, p)| bound_row(reg, values, p)).collect() },
    }
}

/// A value in COPY's text format: backslash, tab, newline and carriage return escaped.
fn copy_text(out: &mut Vec<u8>, s: &str) {
    if !s.bytes().any(|b| matches!(b, b'\\' | b'\t' | b'\n' | b'\r')) {
        out.extend_from_slice(s.as_bytes());
        return;
    }
    for b in s.bytes() {
        match b {
            b'\\' => out.extend_from_slice(b"\\\\"),
            b'\t' => out.extend_from_slice(b"\\t"),
            b'\n' => out.extend_from_slice(b"\\n"),
            b'\r' => out.extend_from_slice(b"\\r"),
            _ => out.push(b),
        }
    }
}

fn encode_copy(reg: &Registry, records: &[(Values, Placement)], on: Date) -> NewRows {
    // The same two trailing columns on every line.
    let mut tail = Vec::new();
    for s in [date_text(on), date_text(OPEN_END)] {
        tail.push(b'\t');
        copy_text(&mut tail, &s);
    }
    tail.push(b'\n');
    let mut out: Vec<u8> = Vec::with_capacity(records.len() * 200);
    for (values, p) in records {
        for f in reg.fields {
            // Writing into a Vec cannot fail.
            let _ = match (f.ty, values.get(f.column)) {
                (FieldType::Unit(_) | FieldType::AnyUnit, _) => match p.unit_ids.get(f.column) {
                    Some(id) => write!(out, "{id}"),
                    None => out.write_all(b"\\N"),
                },
                (_, Some(Value::Int(n))) => write!(out, "{n}"),
                (_, Some(Value::Bool(b))) => out.write_all(if *b { b"1" } else { b"0" }),
                (_, Some(Value::Date(d))) => write!(out, "{d}"),
                (_, Some(Value::Text(s))) => {
                    copy_text(&mut out, s);
                    Ok(())
                }
                (_, Some(Value::Unit(c))) => {
                    copy_text(&mut out, c.as_str());
                    Ok(())
                }
                (_, None) => out.write_all(b"\\N"),
            };
            out.push(b'\t');
        }
        let _ = write!(out, "{}\t", p.scope_unit);
        copy_text(&mut out, &p.province_code);
        out.push(b'\t');
        copy_text(&mut out, &search_key(reg, values));
        out.extend_from_slice(&tail);
    }
    NewRows::Copy { lines: out, rows: records.len() }
}

/// A record's values in the statement's order, moved out of it (nothing is copied twice).
fn bound_row(reg: &Registry, mut values: Values, p: Placement) -> Vec<Arg<'static>> {
    let mut args = Vec::with_capacity(reg.fields.len() + 3);
    let search = search_key(reg, &values);
    for f in reg.fields {
        args.push(match (f.ty, values.remove(f.column)) {
            (FieldType::Unit(_) | FieldType::AnyUnit, _) => Arg::I64(p.unit_ids.get(f.column).copied()),
            (_, Some(Value::Int(n))) => Arg::I64(Some(n)),
            (_, Some(Value::Bool(b))) => Arg::I64(Some(i64::from(b))),
            (_, Some(Value::Date(d))) => Arg::String(Some(date_text(d))),
            (_, Some(Value::Text(s))) => Arg::String(Some(s)),
            (_, Some(Value::Unit(c))) => Arg::String(Some(c.to_string())),
            (t, None) if t.is_integer() => Arg::I64(None),
            (_, None) => Arg::String(None),
        });
    }
    args.push(Arg::I64(Some(p.scope_unit)));
    args.push(Arg::String(Some(p.province_code)));
    args.push(Arg::String(Some(search)));
    args
}

/// A literal of a date or timestamp made here (digits, '-', ':', 'T', 'Z' only).
fn literal(s: &str) -> String {
    format!("'{}'", s.replace('\'', ""))
}

/// Writes encoded new records on the engine they were encoded for.
pub(crate) async fn write(conn: &mut Conn, reg: &Registry, rows: NewRows, on: Date) -> Result<()> {
    match rows {
        NewRows::Copy { lines, rows } => {
            if rows == 0 {
                return Ok(());
            }
            let Some(pg) = conn.postgres() else {
                return Err(crate::StoreError::Corrupt("COPY chỉ có trên PostgreSQL".into()));
            };
            let mut copy = pg.copy_in_raw(&format!("COPY {} FROM STDIN", target(reg))).await?;
            copy.send(lines).await?;
            copy.finish().await?;
        }
        NewRows::Bound { rows } => {
            let Some(width) = rows.first().map(Vec::len) else { return Ok(()) };
            let constants = [date_text(on), date_text(OPEN_END)].map(|s| literal(&s)).join(", ");
            let one = format!("({}, {constants})", vec!["?"; width].join(", "));
            let per_statement = (SQLITE_MAX_PARAMS / width.max(1)).clamp(1, super::IMPORT_CHUNK);
            let mut rows = rows.into_iter().peekable();
            while rows.peek().is_some() {
                let batch: Vec<Vec<Arg<'static>>> = rows.by_ref().take(per_statement).collect();
                let sql = format!("INSERT INTO {} VALUES {}", target(reg), vec![one.as_str(); batch.len()].join(", "));
                let mut q = crate::db::query(sqlx::AssertSqlSafe(sql));
                for arg in batch.into_iter().flatten() {
                    q = q.bind(arg);
                }
                q.execute(&mut *conn).await?;
            }
        }
    }
    Ok(())
}

/// Inserts new records, each engine its bulk way (a new record has no past versions, so
/// nothing goes to the history table).
pub(super) async fn insert_many(conn: &mut Conn, reg: &Registry, rows: Vec<(Values, Placement)>, on: Date) -> Result<()> {
    let engine = conn.engine();
    let mut rows = rows.into_iter().peekable();
    while rows.peek().is_some() {
        let chunk: Vec<(Values, Placement)> = rows.by_ref().take(IMPORT_CHUNK).collect();
        bulk::write(conn, reg, bulk::encode(engine, reg, chunk, on), on).await?;
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

/// Generated records written in one transaction across many batches (`hoctap gen` writes a
/// whole province in one, so an interrupted run leaves each province complete or absent and
/// can resume at the first absent one). Without per-row checks: the records must already be
/// valid. The counters move in the same transaction; the audit log gets one entry per
/// registry at commit, with the rows written, and the caller's own entry if it gives one.
pub struct BulkSession {
    tx: crate::db::Held,
    /// Rows written per registry (slug), in first-written order.
    written: Vec<(&'static str, usize)>,
}

impl Store {
    /// Opens a bulk session (on SQLite it holds the write lock until commit or drop).
    #[inline(never)]
    pub fn bulk_session<'fut, 'l1: 'fut>(&'l1 self) -> crate::BoxFut<'fut, Result<BulkSession>> {
        Box::pin(async move { Ok(BulkSession { tx: self.begin().await?, written: Vec::new() }) })
    }

    /// Inserts many records at once, in one transaction of their own, with one audit entry:
    /// [`BulkSession`] for a single batch.
    #[inline(never)]
    pub fn registry_bulk_insert<'fut, 'l1: 'fut, 'l2: 'fut, 'l3: 'fut, 'l4: 'fut>(
        &'l1 self,
        actor: &'l2 Actor,
        reg: &'l3 Registry,
        records: &'l4 [BulkRecord],
        on: Date,
    ) -> crate::BoxFut<'fut, Result<usize>> {
        Box::pin(async move {
            let mut session = self.bulk_session().await?;
            let n = session.insert(reg, records.to_vec(), on).await?;
            session.commit(actor, None).await?;
            Ok(n)
        })
    }

    /// The highest serial counter used so far by CCCDs of serial block `block` (the 7th digit),
    /// per 6-digit prefix (birth province, century and sex, year of birth): where a resumed
    /// `hoctap gen` run continues numbering. One pass over the CCCDs.
    #[inline(never)]
    pub fn cccd_serials_in_block<'fut, 'l1: 'fut>(&'l1 self, block: u32) -> crate::BoxFut<'fut, Result<Vec<(String, u32)>>> {
        Box::pin(async move {
            let rows = crate::db::query(
                "SELECT substr(cccd, 1, 6) AS prefix, MAX(substr(cccd, 8, 5)) AS last FROM reg_citizens \
             WHERE length(cccd) = 12 AND substr(cccd, 7, 1) = $1 GROUP BY substr(cccd, 1, 6)",
            )
            .bind(block.to_string())
            .fetch_all(self.pool())
            .await?;
            rows.iter()
                .map(|r| {
                    let prefix: String = r.try_get("prefix")?;
                    let last: String = r.try_get("last")?;
                    let last = last.parse().map_err(|_| StoreError::Corrupt(format!("số CCCD có phần thứ tự lạ: {prefix}…")))?;
                    Ok((prefix, last))
                })
                .collect()
        })
    }
}

impl BulkSession {
    /// Writes records of one registry (each engine its bulk way) and their counters.
    #[inline(never)]
    pub fn insert<'fut, 'l1: 'fut, 'l2: 'fut>(
        &'l1 mut self,
        reg: &'l2 Registry,
        records: Vec<BulkRecord>,
        on: Date,
    ) -> crate::BoxFut<'fut, Result<usize>> {
        Box::pin(async move {
            let n = records.len();
            let mut deltas = Vec::new();
            let rows: Vec<(Values, Placement)> = records
                .into_iter()
                .map(|r| {
                    deltas.extend(crate::stats::change_deltas(reg, None, Some((r.scope_unit, &r.values)), on));
                    (r.values, Placement { unit_ids: r.unit_ids, scope_unit: r.scope_unit, province_code: r.province_code })
                })
                .collect();
            insert_many(&mut self.tx, reg, rows, on).await?;
            crate::stats::add_deltas(&mut self.tx, &deltas).await?;
            match self.written.iter_mut().find(|(slug, _)| *slug == reg.slug) {
                Some((_, total)) => *total += n,
                None => self.written.push((reg.slug, n)),
            }
            Ok(n)
        })
    }

    /// Commits: one `registry.bulk_insert` audit entry per registry written, then `done` (an
    /// action and the entity's id, e.g. a generated province), if given.
    #[inline(never)]
    pub fn commit<'fut, 'l1: 'fut, 'l2: 'fut>(
        mut self,
        actor: &'l1 Actor,
        done: Option<(&'l2 str, String)>,
    ) -> crate::BoxFut<'fut, Result<()>> {
        Box::pin(async move {
            for (slug, n) in std::mem::take(&mut self.written) {
                let entry = AuditEntry {
                    unit_id: actor.unit_id,
                    action: "registry.bulk_insert",
                    entity: slug,
                    entity_id: format!("{n} dòng"),
                    before: None,
                    after: None,
                };
                record(&mut self.tx, actor, entry).await?;
            }
            if let Some((action, entity_id)) = done {
                let entry = AuditEntry { unit_id: actor.unit_id, action, entity: "gen", entity_id, before: None, after: None };
                record(&mut self.tx, actor, entry).await?;
            }
            self.tx.commit().await?;
            Ok(())
        })
    }
}
