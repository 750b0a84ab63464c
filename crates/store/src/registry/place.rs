//! Placing a record: its unit and reference fields resolved, its scope unit and province, from
//! a cache of unit look-ups that an import fills as it goes (pure when the cache holds
//! everything, so the next chunk is placed while the engine writes this one).

use super::*;

/// Caches unit look-ups by code during one import.
#[derive(Default)]
pub(crate) struct UnitCache {
    by_code: BTreeMap<String, Option<(i64, UnitKind, String)>>,
    in_scope: BTreeMap<i64, bool>,
    refs: BTreeMap<(RegistryKind, String), Option<i64>>,
    province: BTreeMap<i64, String>,
}

pub(super) async fn in_scope_tx(conn: &mut Conn, scope: i64, unit: i64, on: Date) -> Result<bool> {
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
pub(super) enum Miss {
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
pub(super) fn place_cached(
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
pub(super) async fn fill(conn: &mut Conn, miss: Miss, scope: Option<i64>, on: Date, cache: &mut UnitCache) -> Result<()> {
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
