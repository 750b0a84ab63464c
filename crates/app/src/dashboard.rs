//! Dashboards (bảng theo dõi chỉ tiêu): per unit and year, each indicator against its target on
//! the plan's path, the children ranked, the trend, the campaigns' progress. Numbers come from
//! the counters, on the tree as it was or re-based onto today's units, computed once per read
//! generation. Every screen that shows a figure calls `figure`/`figures`/`build`.

use crate::{AppError, AppResult, CurrentUser};
use hoctap_domain::access::Action;
use hoctap_domain::criteria::Number;
use hoctap_domain::indicator::{Indicator, IndicatorKind, Level, TrafficLight, shipped_indicators};
use hoctap_domain::plan::{PathTarget, behind_path, target_on_path};
use hoctap_domain::unit::UnitKind;
use hoctap_store::Store;
use hoctap_store::{Basis, UnitRow, values_at};
use serde::Deserialize;
use std::collections::BTreeMap;
use std::sync::Arc;

/// The unit in a URL: `ca-nuoc` for the whole country, else a unit id.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Place {
    Nation,
    Unit(i64),
}

impl Place {
    pub fn parse(s: &str) -> AppResult<Place> {
        if s == "ca-nuoc" {
            return Ok(Place::Nation);
        }
        s.parse().map(Place::Unit).map_err(|_| AppError::NotFound("đơn vị"))
    }

    pub fn slug(self) -> String {
        match self {
            Place::Nation => "ca-nuoc".into(),
            Place::Unit(id) => id.to_string(),
        }
    }

    pub fn id(self) -> Option<i64> {
        match self {
            Place::Nation => None,
            Place::Unit(id) => Some(id),
        }
    }
}

/// Query of the dashboard: year, tree, indicator for the ranking.
#[derive(Debug, Deserialize, Default, Clone)]
pub struct DashQuery {
    #[serde(default)]
    pub nam: Option<i16>,
    /// `hien-nay` (today's units, default) or `luc-do` (the tree as at 31/12 of the year).
    #[serde(default)]
    pub cay: Option<String>,
    #[serde(default, rename = "chi-so")]
    pub chi_so: Option<String>,
}

impl DashQuery {
    pub fn year(&self) -> i16 {
        self.nam.filter(|y| (2000..=2100).contains(y)).unwrap_or_else(|| hoctap_store::today().year())
    }

    pub fn basis(&self) -> Basis {
        let today = hoctap_store::today();
        match self.cay.as_deref() {
            Some("luc-do") => Basis::AsAt(jiff::civil::date(self.year(), 12, 31).min(today)),
            _ => Basis::Rebased(today),
        }
    }

    pub fn historical(&self) -> bool {
        self.cay.as_deref() == Some("luc-do")
    }

    /// The query string to keep the same view on other links.
    pub fn keep(&self) -> String {
        format!("nam={}&cay={}", self.year(), if self.historical() { "luc-do" } else { "hien-nay" })
    }
}

/// One indicator's line on a dashboard or report.
#[derive(Debug, Clone)]
pub struct IndicatorLine {
    pub indicator: Indicator,
    pub num: i64,
    pub den: i64,
    pub value: Option<Number>,
    pub shown: String,
    pub target: Option<(Number, i16, String)>,
    pub target_shown: String,
    pub gap_shown: String,
    pub light: TrafficLight,
    /// Where the value stands against the plan's path for the year ("đúng lộ trình", "chậm 2
    /// điểm"); empty without a target.
    pub path_shown: String,
    /// Typed in (reported) rather than counted.
    pub reported_note: String,
}

impl IndicatorLine {
    pub fn light_class(&self) -> &'static str {
        light_class(self.light)
    }

    pub fn light_label(&self) -> &'static str {
        if self.value.is_none() {
            return "Chưa có số liệu";
        }
        match self.light {
            TrafficLight::Green => "Đạt",
            TrafficLight::Amber => "Gần đạt",
            TrafficLight::Red => "Chưa đạt",
            TrafficLight::NoTarget => "Chưa có chỉ tiêu",
        }
    }

    pub fn is_computed(&self) -> bool {
        self.indicator.kind == IndicatorKind::Computed
    }

    pub fn num_vn(&self) -> String {
        crate::format::int_vn(self.num)
    }

    pub fn den_vn(&self) -> String {
        crate::format::int_vn(self.den)
    }
}

pub fn light_class(l: TrafficLight) -> &'static str {
    match l {
        TrafficLight::Green => "green",
        TrafficLight::Amber => "amber",
        TrafficLight::Red => "red",
        TrafficLight::NoTarget => "none",
    }
}

/// A child's value of the ranked indicator.
#[derive(Debug, Clone)]
pub struct ChildLine {
    pub id: i64,
    pub code: String,
    pub name: String,
    pub value: Option<Number>,
    pub shown: String,
    pub num: i64,
    pub den: i64,
    pub target_shown: String,
    pub light: TrafficLight,
}

impl ChildLine {
    pub fn light_class(&self) -> &'static str {
        light_class(self.light)
    }

    pub fn num_vn(&self) -> String {
        crate::format::int_vn(self.num)
    }

    pub fn den_vn(&self) -> String {
        crate::format::int_vn(self.den)
    }
}

/// Values of an indicator by year.
pub type Trend = Vec<(i16, Option<Number>)>;

/// Dossier counts by store per child unit (see `assessments::PROGRESS_HEADER`).
pub type Progress = Vec<(String, [usize; 8])>;

/// Everything a dashboard (and the annual report) shows for a unit and year.
pub struct Dashboard {
    pub place: Place,
    pub unit: Option<UnitRow>,
    /// The units above it today, the province first.
    pub ancestors: Vec<UnitRow>,
    pub title: String,
    pub year: i16,
    pub lines: Vec<IndicatorLine>,
    pub ranked: Option<Indicator>,
    pub children: Vec<ChildLine>,
    /// (indicator, values by year) for the trend.
    pub trend: Vec<(Indicator, Trend)>,
    /// Campaigns of the year: (title, rows of (child, counts)).
    pub campaigns: Vec<(String, Progress)>,
    /// Metric values the lines came from (for reports).
    pub metrics: BTreeMap<String, i64>,
    /// On today's tree: how the figures of partially merged communes (nhập một phần) were counted.
    pub rebase_note: Option<String>,
}

/// The dashboards' note on partially merged communes whose figures a unit carries on today's tree.
pub fn rebase_note(partial: &[(UnitRow, i64)]) -> Option<String> {
    partial.first()?;
    let named: Vec<String> = partial.iter().take(3).map(|(u, _)| format!("{} (mã {})", u.name, u.code)).collect();
    Some(format!(
        "Số liệu theo địa giới hiện nay gồm số liệu của {n} xã/phường cũ chỉ được nhập một phần ({names}{more}). \
         Quy tắc: toàn bộ số liệu (100 %) của mỗi xã/phường cũ đó được tính cho đơn vị kế thừa trụ sở của nó, \
         trừ khi quản trị chỉ định phần khác; số liệu không được chia theo diện tích hay dân số. Trang lịch sử của từng xã/phường cũ cho biết phần nào nhận số liệu.",
        n = partial.len(),
        names = named.join(", "),
        more = if partial.len() > 3 { ", …" } else { "" },
    ))
}

/// A number the Vietnamese way, with `decimals` digits after the comma at most: `1.234,5`.
pub fn number_vn(n: Number, decimals: u32) -> String {
    let hundredths = n.rounded_hundredths();
    let (scale, digits) = match decimals {
        0 => (100, 0),
        1 => (10, 1),
        _ => (1, 2),
    };
    // Round half away from zero to the wanted digits.
    let q = (hundredths.abs() + scale / 2) / scale;
    let q = if hundredths < 0 { -q } else { q };
    let pow = 10i128.pow(digits);
    let int = i64::try_from(q / pow).unwrap_or(i64::MAX);
    let frac = (q % pow).abs();
    let mut s = crate::format::int_vn(int);
    if q < 0 && int == 0 {
        s = format!("-{s}");
    }
    if frac != 0 {
        let f = format!("{frac:0width$}", width = digits as usize);
        s.push(',');
        s.push_str(f.trim_end_matches('0'));
    }
    s
}

/// An indicator value with its unit: `68,5%`, `80.000 đồng/người`.
pub fn shown(ind: &Indicator, v: Number) -> String {
    if ind.unit == "%" {
        format!("{}%", number_vn(v, 1))
    } else if ind.unit.contains('/') || ind.unit == "đồng" {
        format!("{} {}", number_vn(v, 0), ind.unit)
    } else {
        format!("{} {}", number_vn(v, 1), ind.unit)
    }
}

/// The level of a unit, for choosing which indicators apply.
pub fn level_of(unit: Option<&UnitRow>) -> Level {
    match unit.map(|u| u.kind) {
        None => Level::National,
        Some(UnitKind::Province) => Level::Province,
        Some(UnitKind::District) => Level::District,
        Some(UnitKind::Commune) => Level::Commune,
        Some(UnitKind::Village) => Level::Village,
    }
}

/// The metrics an indicator reads.
pub fn metrics_of(ind: &Indicator) -> impl Iterator<Item = &str> {
    ind.numerator.iter().chain(&ind.denominator).map(String::as_str)
}

/// An indicator's target for a year, on the path of the plan that sets it.
pub struct Picked {
    /// What the year should reach.
    value: Number,
    /// The milestone's year, or the judged year when it lies on the path between two.
    year: i16,
    /// The plan, the path and, when set for a unit above, whose target it is.
    label: String,
    /// The value with its year and label, as pages and reports show it.
    shown: String,
}

/// The milestones of the first plan among `rows` (one unit and indicator, the newest plan
/// first), and the year's value on their path.
pub fn path_of<'a>(
    rows: impl IntoIterator<Item = &'a hoctap_store::TargetRow>,
    year: i16,
) -> Option<(&'a hoctap_store::TargetRow, PathTarget)> {
    let rows: Vec<&hoctap_store::TargetRow> = rows.into_iter().collect();
    let first = *rows.first()?;
    let milestones: Vec<(i16, Number)> =
        rows.iter().filter(|t| t.plan_id == first.plan_id && t.unit_id == first.unit_id).map(|t| (t.year, t.value)).collect();
    Some((first, target_on_path(&milestones, year)?))
}

/// The target of an indicator for the year: the nearest unit's plan in force that sets one
/// (`targets` come nearest unit first, each unit's newest plan first), judged on that plan's
/// path through its milestones (2025: 70%, 2030: 80% → 72% in 2026), not against its last one.
pub fn pick_target(ind: &Indicator, targets: &[(hoctap_store::TargetRow, Option<String>)], year: i16) -> Option<Picked> {
    let (first, above) = targets.iter().find(|(t, _)| t.indicator == ind.id)?;
    let rows = targets.iter().filter(|(t, _)| t.indicator == ind.id && t.unit_id == first.unit_id).map(|(t, _)| t);
    let (_, path) = path_of(rows, year)?;
    let whose = above.as_ref().map(|a| format!(", chỉ tiêu của {a}")).unwrap_or_default();
    let plan = format!("{}{whose}", first.plan_label);
    Some(match path.from {
        Some((y0, v0)) => {
            let label = format!("theo lộ trình {} năm {y0} → {} năm {}, {plan}", shown(ind, v0), shown(ind, path.to.1), path.to.0);
            Picked { value: path.value, year, shown: format!("{} (năm {year} {label})", shown(ind, path.value)), label }
        }
        None => Picked {
            value: path.value,
            year: path.to.0,
            shown: format!("{} (năm {}, {plan})", shown(ind, path.value), path.to.0),
            label: plan,
        },
    })
}

/// Where a value stands against the year's target: "đúng lộ trình", or "chậm 2 điểm" (a rate
/// falls behind by percentage points, other figures in their unit).
pub fn path_standing(ind: &Indicator, value: Number, target: Number) -> String {
    match behind_path(value, target, ind.lower_is_better) {
        None => "đúng lộ trình".to_string(),
        Some(gap) if ind.unit == "%" => format!("chậm {} điểm", number_vn(gap, 1)),
        Some(gap) => format!("chậm {}", shown(ind, gap)),
    }
}

/// The targets that apply to a unit, nearest first: its own; for a unit formed in a merger,
/// those of the units it came from; those of the districts and provinces it or they were once
/// under (a 2025 commune is still measured against the roadmap of the district it was part
/// of, such as Hải Hậu's 2022–2030 plan), marked "(cũ)"; then those of the units above it
/// today and the country's (a commune without its own target is measured against its
/// province's).
#[expect(clippy::type_complexity, reason = "the rows the function returns, inside its boxed future")]
#[inline(never)]
pub fn targets_for<'fut, 'l1: 'fut, 'l2: 'fut, 'l3: 'fut>(
    store: &'l1 Store,
    unit: Option<&'l2 UnitRow>,
    ancestors: &'l3 [UnitRow],
    year: i16,
) -> crate::BoxFut<'fut, AppResult<Vec<(hoctap_store::TargetRow, Option<String>)>>> {
    Box::pin(async move {
        let mut chain: Vec<(i64, Option<String>)> = Vec::new();
        if let Some(u) = unit {
            chain.push((u.id, None));
            let today = hoctap_store::today();
            let predecessors = store.predecessors(u.id).await?;
            for p in &predecessors {
                chain.push((p.id, Some(format!("{} (cũ)", p.name))));
            }
            for id in std::iter::once(u.id).chain(predecessors.iter().map(|p| p.id)) {
                for a in store.former_ancestors(id, today).await? {
                    let name = if a.valid_on(today) { a.name.clone() } else { format!("{} (cũ)", a.name) };
                    chain.push((a.id, Some(name)));
                }
            }
            for a in ancestors.iter().rev() {
                chain.push((a.id, Some(a.name.clone())));
            }
        }
        chain.push((0, unit.map(|_| "toàn quốc".to_string())));
        // A unit reached twice (a province the merger left in place) counts where it came first.
        let mut seen = std::collections::BTreeSet::new();
        chain.retain(|(id, _)| seen.insert(*id));
        let mut out = Vec::new();
        for (id, above) in chain {
            out.extend(store.targets_in_force(id, year).await?.into_iter().map(|t| (t, above.clone())));
        }
        Ok(out)
    })
}

/// The checks of [`resolve`] without reading the unit.
#[inline(never)]
pub fn resolve_access<'fut, 'l1: 'fut, 'l2: 'fut>(
    store: &'l1 Store,
    user: &'l2 CurrentUser,
    place: Place,
) -> crate::BoxFut<'fut, AppResult<()>> {
    Box::pin(async move {
        user.require(Action::ReadLocal)?;
        match place {
            Place::Nation if user.scope().is_none() => Ok(()),
            Place::Nation => Err(AppError::NotFound("đơn vị")),
            Place::Unit(id) => Ok(user.require_sees(store, id, "đơn vị").await?),
        }
    })
}

/// Checks the user may see the place: the country is for users without a unit scope.
#[inline(never)]
pub fn resolve<'fut, 'l1: 'fut, 'l2: 'fut>(
    store: &'l1 Store,
    user: &'l2 CurrentUser,
    place: Place,
) -> crate::BoxFut<'fut, AppResult<Option<UnitRow>>> {
    Box::pin(async move {
        user.require(Action::ReadLocal)?;
        match place {
            Place::Nation if user.scope().is_none() => Ok(None),
            Place::Nation => Err(AppError::NotFound("đơn vị")),
            Place::Unit(id) => {
                user.require_sees(store, id, "đơn vị").await?;
                Ok(Some(store.unit(id).await?))
            }
        }
    })
}

/// Every figure of a unit (`None`: the country) for a year: the value of every metric the
/// counters hold, and one line per indicator with its numerator, denominator, value and the
/// target that applies. This is the one computation behind the dashboard, the annual report's
/// tables, the association and fund pages, the API and every export: a figure shown anywhere is
/// read from here, so the same unit and year show the same number everywhere.
pub struct Figures {
    /// Metric id → value in the year (stock as at 31/12, flow over the year), every metric.
    pub metrics: BTreeMap<String, i64>,
    /// The yearly changes the values came from (for trends).
    pub changes: hoctap_store::MetricChanges,
    /// Reported values of the five years up to the year.
    pub reported: BTreeMap<(String, i16), (Number, String)>,
    pub lines: Vec<IndicatorLine>,
    /// The units above the unit today, the province first.
    pub ancestors: Vec<UnitRow>,
    /// The targets that apply, nearest unit first (see `targets_for`).
    pub targets: Vec<(hoctap_store::TargetRow, Option<String>)>,
}

impl Figures {
    /// The line of an indicator.
    pub fn line(&self, id: &str) -> Option<&IndicatorLine> {
        self.lines.iter().find(|l| l.indicator.id == id)
    }

    /// A metric's value (0 when nothing was counted).
    pub fn metric(&self, id: &str) -> i64 {
        self.metrics.get(id).copied().unwrap_or(0)
    }
}

/// The figures of a unit and year for the given indicators (see [`Figures`]).
#[inline(never)]
pub fn figures<'fut, 'l1: 'fut, 'l2: 'fut, 'l3: 'fut>(
    store: &'l1 Store,
    unit: Option<&'l2 UnitRow>,
    year: i16,
    basis: Basis,
    indicators: &'l3 [Indicator],
) -> crate::BoxFut<'fut, AppResult<Figures>> {
    Box::pin(async move {
        // Every metric, not only those the indicators read: the report's tables show counts
        // (learning centres, payments) no indicator of the level uses.
        let wanted: Vec<&str> = hoctap_domain::stats::METRICS.iter().map(|(m, ..)| *m).collect();
        let first_year = year - 4;
        let changes = store.metric_changes(unit.map(|u| u.id), false, year, &wanted, basis).await?;
        let changes = changes.into_values().next().unwrap_or_default();
        let metrics = values_at(&changes, year);
        let reported = match unit {
            Some(u) => store.reported_values(u.id, first_year..=year).await?,
            None => BTreeMap::new(),
        };
        // The units above, today (targets they set apply here; the page and report name them).
        let ancestors = match unit {
            Some(u) => store.ancestors(u.id, hoctap_store::today()).await?,
            None => Vec::new(),
        };
        let targets = targets_for(store, unit, &ancestors, year).await?;
        let mut lines = Vec::new();
        for ind in indicators {
            let figure = ind.figure(&metrics);
            let (value, reported_note) = match ind.kind {
                IndicatorKind::Computed => (figure.value, String::new()),
                IndicatorKind::Reported => match reported.get(&(ind.id.clone(), year)) {
                    Some((v, note)) => (Some(*v), if note.is_empty() { "Số báo cáo".to_string() } else { format!("Số báo cáo: {note}") }),
                    None => (None, String::new()),
                },
            };
            let picked = pick_target(ind, &targets, year);
            let light = match value {
                Some(v) => ind.light(v, picked.as_ref().map(|t| t.value)),
                None => TrafficLight::NoTarget,
            };
            let gap_shown = match (value, &picked) {
                (Some(v), Some(t)) => v
                    .checked_sub(t.value)
                    .map(|g| format!("{}{}", if g.is_negative() { "" } else { "+" }, shown(ind, g)))
                    .unwrap_or_default(),
                _ => String::new(),
            };
            let path_shown = match (value, &picked) {
                (Some(v), Some(t)) => path_standing(ind, v, t.value),
                _ => String::new(),
            };
            lines.push(IndicatorLine {
                indicator: ind.clone(),
                num: figure.num,
                den: figure.den,
                shown: value.map(|v| shown(ind, v)).unwrap_or_else(|| "—".into()),
                value,
                target_shown: picked.as_ref().map(|t| t.shown.clone()).unwrap_or_else(|| "—".into()),
                target: picked.map(|t| (t.value, t.year, t.label)),
                gap_shown,
                light,
                path_shown,
                reported_note,
            });
        }
        Ok(Figures { metrics, changes, reported, lines, ancestors, targets })
    })
}

/// The figure of one shipped indicator for a unit and year, whatever the unit's level (a chi
/// hội's village has a membership rate too), with the target that applies.
#[inline(never)]
pub fn figure<'fut, 'l1: 'fut, 'l2: 'fut, 'l3: 'fut>(
    store: &'l1 Store,
    unit: &'l2 UnitRow,
    year: i16,
    indicator: &'l3 str,
) -> crate::BoxFut<'fut, AppResult<IndicatorLine>> {
    Box::pin(async move {
        // Kept per read generation, as the dashboards are (see `build`).
        let key = format!("figure {} {year} {indicator} {}", unit.id, hoctap_store::today());
        Ok((*crate::kept::kept(store, key, figure_uncached(store, unit, year, indicator)).await?).clone())
    })
}

#[inline(never)]
pub fn figure_uncached<'fut, 'l1: 'fut, 'l2: 'fut, 'l3: 'fut>(
    store: &'l1 Store,
    unit: &'l2 UnitRow,
    year: i16,
    indicator: &'l3 str,
) -> crate::BoxFut<'fut, AppResult<IndicatorLine>> {
    Box::pin(async move {
        let ind =
            hoctap_domain::indicator::shipped_indicator(indicator).ok_or_else(|| AppError::internal(format!("chỉ số {indicator}")))?;
        let basis = Basis::Rebased(hoctap_store::today());
        let f = figures(store, Some(unit), year, basis, std::slice::from_ref(&ind)).await?;
        f.lines.into_iter().next().ok_or_else(|| AppError::internal(format!("chỉ số {indicator}")))
    })
}

/// One metric of a unit in a year on today's tree (the association index's member counts: the
/// same counters as [`figures`], without the indicators).
#[inline(never)]
pub fn unit_metric<'fut, 'l1: 'fut, 'l2: 'fut>(
    store: &'l1 Store,
    unit: i64,
    year: i16,
    metric: &'l2 str,
) -> crate::BoxFut<'fut, AppResult<i64>> {
    Box::pin(async move {
        let changes = store.metric_changes(Some(unit), false, year, &[metric], Basis::Rebased(hoctap_store::today())).await?;
        Ok(changes.into_values().next().map(|c| values_at(&c, year)).and_then(|m| m.get(metric).copied()).unwrap_or(0))
    })
}

/// A dashboard's numbers: the role and scope checked on every call, the numbers computed once
/// per read generation (the store's exact cache: any change to what they are read from makes
/// the next call compute them again).
#[inline(never)]
pub fn build<'fut, 'l1: 'fut, 'l2: 'fut, 'l3: 'fut>(
    store: &'l1 Store,
    user: &'l2 CurrentUser,
    place: Place,
    q: &'l3 DashQuery,
) -> crate::BoxFut<'fut, AppResult<Arc<Dashboard>>> {
    Box::pin(async move {
        resolve_access(store, user, place).await?;
        // Everything the numbers depend on besides the database: the campaigns' progress counts
        // the dossiers in the user's scope, and "today" moves the tree and the deadlines.
        let key =
            format!("dashboard {} {} {:?} {:?} {:?} {}", place.slug(), q.year(), q.basis(), q.chi_so, user.scope(), hoctap_store::today());
        crate::kept::kept(store, key, build_uncached(store, user, place, q)).await
    })
}

/// Computes a dashboard's numbers.
#[inline(never)]
pub fn build_uncached<'fut, 'l1: 'fut, 'l2: 'fut, 'l3: 'fut>(
    store: &'l1 Store,
    user: &'l2 CurrentUser,
    place: Place,
    q: &'l3 DashQuery,
) -> crate::BoxFut<'fut, AppResult<Dashboard>> {
    Box::pin(async move {
        let unit = resolve(store, user, place).await?;
        let year = q.year();
        let basis = q.basis();
        let level = level_of(unit.as_ref());
        let indicators: Vec<Indicator> =
            shipped_indicators().map_err(AppError::internal)?.into_iter().filter(|i| i.levels.contains(&level)).collect();
        let first_year = year - 4;
        let Figures { metrics, changes, reported, lines, ancestors, targets } =
            figures(store, unit.as_ref(), year, basis, &indicators).await?;
        // The ranking: the chosen computed indicator (default the first with data).
        let computed: Vec<&Indicator> = indicators.iter().filter(|i| i.kind == IndicatorKind::Computed).collect();
        let ranked =
            q.chi_so.as_deref().and_then(|id| computed.iter().find(|i| i.id == id)).or_else(|| computed.first()).map(|i| (*i).clone());
        let mut children = Vec::new();
        if let Some(ind) = &ranked
            && unit.as_ref().is_none_or(|u| u.kind != UnitKind::Village)
        {
            let wanted: Vec<&str> = metrics_of(ind).collect();
            let by_child = store.metric_values_by_child(place.id(), year, &wanted, basis).await?;
            let on = basis.date();
            let kids = match place.id() {
                Some(id) => store.children(id, on).await?,
                None => store.provinces(on).await?,
            };
            let ids: Vec<i64> = kids.iter().map(|k| k.id).collect();
            let own_targets = store.targets_in_force_of_units(&ids, &ind.id, year).await?;
            let inherited = pick_target(ind, &targets, year).map(|t| t.value);
            for k in kids {
                let m = by_child.get(&k.id).cloned().unwrap_or_default();
                let hoctap_domain::indicator::Figure { num, den, value } = ind.figure(&m);
                // The child's own target, else the one it inherits from here.
                let own = own_targets.get(&k.id).and_then(|rows| path_of(rows, year)).map(|(_, p)| p.value);
                let target = own.or(inherited);
                let light = value.map(|v| ind.light(v, target)).unwrap_or(TrafficLight::NoTarget);
                children.push(ChildLine {
                    id: k.id,
                    code: k.code.clone(),
                    name: k.name.clone(),
                    shown: value.map(|v| shown(ind, v)).unwrap_or_else(|| "—".into()),
                    value,
                    num,
                    den,
                    target_shown: target.map(|t| shown(ind, t)).unwrap_or_default(),
                    light,
                });
            }
            // Highest first; units without data last, by name.
            children.sort_by(|a, b| b.value.cmp(&a.value).then_with(|| a.name.cmp(&b.name)));
        }
        // The trend of the main rates over five years.
        let mut trend = Vec::new();
        for ind in indicators.iter().filter(|i| i.unit == "%").take(6) {
            let points: Trend = (first_year..=year)
                .map(|y| {
                    let value = match ind.kind {
                        IndicatorKind::Computed => ind.figure(&values_at(&changes, y)).value,
                        IndicatorKind::Reported => reported.get(&(ind.id.clone(), y)).map(|(v, _)| *v),
                    };
                    (y, value)
                })
                .collect();
            if points.iter().any(|(_, v)| v.is_some()) {
                trend.push((ind.clone(), points));
            }
        }
        let mut campaigns = Vec::new();
        if let Some(id) = place.id() {
            for c in
                store.campaigns(Some(id), hoctap_store::today()).await?.into_iter().filter(|c| c.unit_id == id && c.year == i64::from(year))
            {
                let rows = crate::dossiers::progress_rows(store, user, &c).await?;
                campaigns.push((c.title.clone(), rows));
            }
        }
        let title = match &unit {
            Some(u) => format!("{} – năm {year}", u.name),
            None => format!("Toàn quốc – năm {year}"),
        };
        // Figures re-based onto today's tree may carry whole partially merged communes: say so.
        let rebase_note = match basis {
            Basis::Rebased(_) => rebase_note(&store.partial_rebased_into(place.id()).await?),
            Basis::AsAt(_) => None,
        };
        Ok(Dashboard { place, unit, ancestors, title, year, lines, ranked, children, trend, campaigns, metrics, rebase_note })
    })
}

/// Every table of the dashboard, for XLSX.
pub fn tables(d: &Dashboard) -> Vec<hoctap_docs::registry_xlsx::Table> {
    use hoctap_docs::registry_xlsx::Table;
    let s = |x: &str| x.to_string();
    let mut out = vec![Table {
        sheet: s("Chi tieu"),
        header: [
            "Mã chỉ số",
            "Chỉ số",
            "Đơn vị tính",
            "Tử số",
            "Mẫu số",
            "Giá trị",
            "Chỉ tiêu",
            "Chênh lệch",
            "Đánh giá",
            "Nguồn",
            "Lộ trình",
        ]
        .map(s)
        .to_vec(),
        rows: d
            .lines
            .iter()
            .map(|l| {
                vec![
                    l.indicator.id.clone(),
                    l.indicator.name.clone(),
                    l.indicator.unit.clone(),
                    if l.is_computed() { l.num.to_string() } else { String::new() },
                    if l.is_computed() && !l.indicator.denominator.is_empty() { l.den.to_string() } else { String::new() },
                    l.shown.clone(),
                    l.target_shown.clone(),
                    l.gap_shown.clone(),
                    l.light_label().to_string(),
                    l.indicator.source.clone(),
                    l.path_shown.clone(),
                ]
            })
            .collect(),
    }];
    if let Some(ind) = &d.ranked {
        out.push(Table {
            sheet: s("Don vi truc thuoc"),
            header: vec![s("Mã"), s("Đơn vị"), format!("{} – tử số", ind.id), s("Mẫu số"), s("Giá trị"), s("Chỉ tiêu")],
            rows: d
                .children
                .iter()
                .map(|c| {
                    vec![c.code.clone(), c.name.clone(), c.num.to_string(), c.den.to_string(), c.shown.clone(), c.target_shown.clone()]
                })
                .collect(),
        });
    }
    if let Some((_, pts)) = d.trend.first() {
        let mut header = vec![s("Chỉ số")];
        header.extend(pts.iter().map(|(y, _)| y.to_string()));
        out.push(Table {
            sheet: s("Xu huong"),
            header,
            rows: d
                .trend
                .iter()
                .map(|(i, pts)| {
                    std::iter::once(i.name.clone()).chain(pts.iter().map(|(_, v)| v.map(|v| shown(i, v)).unwrap_or_default())).collect()
                })
                .collect(),
        });
    }
    for (k, (title, rows)) in d.campaigns.iter().enumerate() {
        out.push(Table {
            sheet: format!("Dot {}", k + 1),
            header: std::iter::once(title.clone())
                .chain(crate::dossiers::PROGRESS_HEADER.iter().skip(1).map(|h| (*h).to_string()))
                .collect(),
            rows: rows.iter().map(|(n, c)| std::iter::once(n.clone()).chain(c.iter().map(ToString::to_string)).collect()).collect(),
        });
    }
    out
}
