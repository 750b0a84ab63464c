//! The registry's SQL: column lists, the scope condition, reading rows into records,
//! look-ups by key, a single insert, updates with the version they replace kept, and the
//! audit form of a record's values.

use super::import::ParsedRow;
use super::*;

pub(super) fn columns(reg: &Registry) -> String {
    reg.fields.iter().map(|f| f.column).collect::<Vec<_>>().join(", ")
}

pub(super) fn scope_sql(alias: &str, n: usize) -> String {
    format!(
        "EXISTS (SELECT 1 FROM unit_closure c WHERE c.ancestor_id = ${n} AND c.descendant_id = {alias}.unit_id AND c.valid_from <= ${} AND c.valid_to > ${})",
        n + 1,
        n + 1
    )
}

/// Reads a row of a registry table into values (unit ids become codes through `codes`).
pub(super) fn record_from_row(reg: &Registry, r: &Row, codes: &BTreeMap<i64, String>) -> Result<RegistryRecord> {
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

pub(super) fn unit_ids_in(reg: &Registry, rows: &[Row]) -> BTreeSet<i64> {
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

pub(super) async fn unit_codes(conn: &mut Conn, ids: &BTreeSet<i64>) -> Result<BTreeMap<i64, String>> {
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

pub(super) async fn records(conn: &mut Conn, reg: &Registry, rows: Vec<Row>) -> Result<Vec<RegistryRecord>> {
    let codes = unit_codes(conn, &unit_ids_in(reg, &rows)).await?;
    rows.iter().map(|r| record_from_row(reg, r, &codes)).collect()
}

/// The folded text searched.
pub(super) fn search_key(reg: &Registry, values: &Values) -> String {
    reg.search
        .iter()
        .filter_map(|c| values.get(c).map(|v| text::fold(&v.display(FieldType::Text { max: 0 }))))
        .collect::<Vec<_>>()
        .join(" ")
}

pub(super) async fn find_by_key(conn: &mut Conn, reg: &Registry, values: &Values) -> Result<Option<RegistryRecord>> {
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
pub(super) async fn find_many_by_key(conn: &mut Conn, reg: &Registry, rows: &[ParsedRow]) -> Result<BTreeMap<String, RegistryRecord>> {
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

pub(super) fn bind_values<'q>(mut q: crate::db::Query<'q>, reg: &Registry, values: &Values, placement: &Placement) -> crate::db::Query<'q> {
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
    let params: Vec<String> = (1..=n + 5).map(|i| format!("${i}")).collect();
    let sql = format!(
        "INSERT INTO {} ({}, unit_id, province_code, search_key, valid_from, valid_to) VALUES ({}) RETURNING id",
        reg.table,
        columns(reg),
        params.join(", ")
    );
    let row = bind_values(crate::db::query(sqlx::AssertSqlSafe(sql)), reg, values, p)
        .bind(p.scope_unit)
        .bind(p.province_code.clone())
        .bind(search_key(reg, values))
        .bind(date_text(on))
        .bind(date_text(OPEN_END))
        .fetch_one(&mut *conn)
        .await?;
    row.i64("id")
}

pub(super) async fn update_row(conn: &mut Conn, reg: &Registry, id: i64, values: &Values, p: &Placement) -> Result<()> {
    let sets: Vec<String> = reg.fields.iter().enumerate().map(|(i, f)| format!("{} = ${}", f.column, i + 1)).collect();
    let n = reg.fields.len();
    let sql = format!(
        "UPDATE {} SET {}, unit_id = ${}, province_code = ${}, search_key = ${} WHERE id = ${}",
        reg.table,
        sets.join(", "),
        n + 1,
        n + 2,
        n + 3,
        n + 4
    );
    bind_values(crate::db::query(sqlx::AssertSqlSafe(sql)), reg, values, p)
        .bind(p.scope_unit)
        .bind(p.province_code.clone())
        .bind(search_key(reg, values))
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
pub(super) async fn history_keep(conn: &mut Conn, reg: &Registry, before: &RegistryRecord, on: Date, actor: &Actor) -> Result<()> {
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
pub(super) async fn current_version_start(conn: &mut Conn, reg: &Registry, r: &RegistryRecord) -> Result<Date> {
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
