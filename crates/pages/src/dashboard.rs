//! Dashboards (bảng theo dõi chỉ tiêu): per unit and year, each indicator against its target
//! with a traffic light, the children ranked, the trend over years and the completeness of the
//! year's campaigns; every chart is server-rendered SVG with its data table and an XLSX
//! export beside it. Numbers come from the counters (never from person-level tables), on the
//! tree as it was or re-based onto today's units. Also the CSV and ADX (DHIS2) exports of the
//! indicator values.

use super::{Chrome, XLSX, download, render};
use askama::Template;
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use hoctap_app::dashboard::{DashQuery, Dashboard, IndicatorLine, Place, Progress, build, metrics_of, shown, tables};
use hoctap_docs::chart::{self, Bar, Series, Stack};
use hoctap_domain::access::Action;
use hoctap_domain::criteria::Number;
use hoctap_domain::indicator::{Indicator, IndicatorKind, shipped_indicators};
use hoctap_domain::unit::UnitKind;
use hoctap_http::AppState;
use hoctap_http::auth::CsrfForm;
use hoctap_http::auth::CurrentUser;
use hoctap_http::error::{WebError, WebResult};
use hoctap_http::routes::{Routes, get, post};
use hoctap_store::UnitRow;
use serde::Deserialize;
use std::collections::BTreeMap;
use std::sync::Arc;

pub fn routes() -> Routes {
    Routes::new()
        .route("/tong-hop", get(home))
        .route("/tong-hop/{unit}", get(page))
        .route("/tong-hop/{unit}/bang.xlsx", get(xlsx))
        .route("/tong-hop/{unit}/chi-so.csv", get(csv))
        .route("/tong-hop/{unit}/chi-so.adx.xml", get(adx))
        .route("/tong-hop/{unit}/bao-cao-chi-so", post(report_value))
}

/// A chart label: "Tỷ lệ gia đình …" reads as "Gia đình …" beside a percentage bar.
fn chart_label(name: &str) -> String {
    match name.strip_prefix("Tỷ lệ ") {
        Some(rest) => super::capitalise(rest),
        None => name.to_string(),
    }
}

fn as_f64(n: Number) -> f64 {
    n.rounded_hundredths() as f64 / 100.0
}

#[derive(Template)]
#[template(path = "dashboard.html")]
struct DashboardPage {
    chrome: Chrome,
    d: Arc<Dashboard>,
    keep: String,
    historical: bool,
    years: Vec<i16>,
    bars_svg: String,
    ranking_svg: String,
    trend_svg: String,
    /// Trend table: header years, then (indicator name, values shown).
    trend_years: Vec<i16>,
    trend_rows: Vec<(String, Vec<String>)>,
    /// (title, chart, rows) per campaign.
    campaign_views: Vec<(String, String, Progress)>,
    can_report: bool,
    reported: Vec<(String, String)>,
    parents: Vec<UnitRow>,
    report_due: String,
}

impl DashboardPage {
    fn header(&self) -> &'static [&'static str] {
        &hoctap_app::dossiers::PROGRESS_HEADER
    }
}

async fn home(user: CurrentUser) -> WebResult<Response> {
    user.require(Action::ReadLocal)?;
    let to = match user.scope() {
        None => "ca-nuoc".to_string(),
        Some(id) => id.to_string(),
    };
    Ok(Redirect::to(&format!("/tong-hop/{to}")).into_response())
}

async fn page(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(unit): Path<String>,
    Query(q): Query<DashQuery>,
) -> WebResult<Response> {
    let place = Place::parse(&unit)?;
    let d = build(&state.store, &user, place, &q).await?;
    let bars: Vec<Bar> = d
        .lines
        .iter()
        .filter(|l| l.indicator.unit == "%" && l.is_computed())
        .map(|l| Bar {
            label: chart_label(&l.indicator.name),
            value: l.value.map(as_f64),
            shown: l.shown.clone(),
            target: l.target.as_ref().map(|t| as_f64(t.0)),
            tone: l.light_class().into(),
        })
        .collect();
    let bars_svg = chart::bars("bieu-do-chi-tieu", &format!("Các chỉ số tỷ lệ so với chỉ tiêu, {}", d.title), &bars, Some(100.0));
    let ranking_svg = match &d.ranked {
        Some(ind) if !d.children.is_empty() => {
            let bars: Vec<Bar> = d
                .children
                .iter()
                .map(|c| Bar {
                    label: c.name.clone(),
                    value: c.value.map(as_f64),
                    shown: c.shown.clone(),
                    target: None,
                    tone: c.light_class().into(),
                })
                .collect();
            chart::bars("bieu-do-xep-hang", &format!("{} theo đơn vị trực thuộc", ind.name), &bars, (ind.unit == "%").then_some(100.0))
        }
        _ => String::new(),
    };
    let series: Vec<Series> = d
        .trend
        .iter()
        .map(|(i, pts)| Series { name: i.name.chars().take(28).collect(), points: pts.iter().map(|(y, v)| (*y, v.map(as_f64))).collect() })
        .collect();
    let trend_svg = if series.is_empty() {
        String::new()
    } else {
        chart::trend("bieu-do-xu-huong", &format!("Xu hướng {}–{}", d.year - 4, d.year), &series, None, Some(100.0))
    };
    let campaign_views = d
        .campaigns
        .iter()
        .enumerate()
        .map(|(k, (title, rows))| {
            let stacks: Vec<Stack> = rows
                .iter()
                .filter(|(n, _)| n != "Tổng cộng")
                .map(|(n, c)| Stack {
                    label: n.clone(),
                    segments: vec![
                        ("Chưa nộp".into(), c[1] as i64),
                        ("Đang thẩm định".into(), c[2] as i64),
                        ("Trả lại".into(), c[3] as i64),
                        ("Đã thẩm định".into(), c[4] as i64),
                        ("Đã công nhận".into(), c[5] as i64),
                        ("Không công nhận".into(), c[6] as i64),
                    ],
                })
                .collect();
            (title.clone(), chart::stacked(&format!("bieu-do-dot-{k}"), &format!("Tiến độ: {title}"), &stacks), rows.clone())
        })
        .collect();
    let trend_years: Vec<i16> = d.trend.first().map(|(_, pts)| pts.iter().map(|(y, _)| *y).collect()).unwrap_or_default();
    let trend_rows = d
        .trend
        .iter()
        .map(|(i, pts)| (i.name.clone(), pts.iter().map(|(_, v)| v.map(|v| shown(i, v)).unwrap_or_else(|| "—".into())).collect()))
        .collect();
    let can_report = place.id().is_some() && user.user.role.may(Action::EditRegistries);
    let reported = d.lines.iter().filter(|l| !l.is_computed()).map(|l| (l.indicator.id.clone(), l.indicator.name.clone())).collect();
    let parents = d.ancestors.clone();
    let report_due = hoctap_domain::date::format_vn(super::report::report_due(d.unit.as_ref(), &parents, d.year));
    let this_year = hoctap_store::today().year();
    render(&DashboardPage {
        chrome: Chrome::new(format!("Tổng hợp: {}", d.title), &user),
        keep: q.keep(),
        historical: q.historical(),
        years: (2021..=this_year).rev().collect(),
        bars_svg,
        ranking_svg,
        trend_svg,
        trend_years,
        trend_rows,
        campaign_views,
        can_report,
        reported,
        parents,
        report_due,
        d,
    })
}

async fn xlsx(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(unit): Path<String>,
    Query(q): Query<DashQuery>,
) -> WebResult<Response> {
    let place = Place::parse(&unit)?;
    let d = build(&state.store, &user, place, &q).await?;
    let bytes = hoctap_docs::registry_xlsx::tables_xlsx(&tables(&d)).map_err(WebError::internal)?;
    Ok(download(bytes, XLSX, &format!("tong-hop-{}-{}.xlsx", place.slug(), d.year)))
}

/// Indicator values of the unit and its children, one row per (unit, indicator): the data
/// exchange view shared by CSV and ADX.
async fn exchange_rows(
    state: &AppState,
    user: &CurrentUser,
    place: Place,
    q: &DashQuery,
) -> WebResult<(i16, Vec<(String, String, Indicator, Number)>)> {
    let d = build(&state.store, user, place, q).await?;
    let own_code = d.unit.as_ref().map(|u| u.code.clone()).unwrap_or_else(|| "VN".into());
    let own_name = d.unit.as_ref().map(|u| u.name.clone()).unwrap_or_else(|| "Toàn quốc".into());
    let mut rows: Vec<(String, String, Indicator, Number)> =
        d.lines.iter().filter_map(|l| l.value.map(|v| (own_code.clone(), own_name.clone(), l.indicator.clone(), v))).collect();
    // Children: every computed indicator, from one query for all of them.
    if d.unit.as_ref().is_none_or(|u| u.kind != UnitKind::Village) {
        let computed: Vec<&IndicatorLine> = d.lines.iter().filter(|l| l.is_computed()).collect();
        let mut wanted: Vec<&str> = computed.iter().flat_map(|l| metrics_of(&l.indicator)).collect();
        wanted.sort_unstable();
        wanted.dedup();
        let by_child = state.store.metric_values_by_child(place.id(), d.year, &wanted, q.basis()).await?;
        let on = q.basis().date();
        let kids = match place.id() {
            Some(id) => state.store.children(id, on).await?,
            None => state.store.provinces(on).await?,
        };
        for k in kids {
            let m = by_child.get(&k.id).cloned().unwrap_or_default();
            for l in &computed {
                if let Some(v) = l.indicator.figure(&m).value {
                    rows.push((k.code.clone(), k.name.clone(), l.indicator.clone(), v));
                }
            }
        }
    }
    Ok((d.year, rows))
}

/// A value for exchange files: a plain decimal with a point, two decimals at most.
fn plain(v: Number) -> String {
    let h = v.rounded_hundredths();
    let sign = if h < 0 { "-" } else { "" };
    let (i, f) = (h.abs() / 100, h.abs() % 100);
    if f == 0 { format!("{sign}{i}") } else { format!("{sign}{i}.{f:02}").trim_end_matches('0').to_string() }
}

async fn csv(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(unit): Path<String>,
    Query(q): Query<DashQuery>,
) -> WebResult<Response> {
    let place = Place::parse(&unit)?;
    let (year, rows) = exchange_rows(&state, &user, place, &q).await?;
    let mut w = csv::Writer::from_writer(vec![0xEF, 0xBB, 0xBF]);
    let io = |e: csv::Error| WebError::internal(e.to_string());
    w.write_record(["ma_don_vi", "ten_don_vi", "nam", "ma_chi_so", "ten_chi_so", "don_vi_tinh", "gia_tri"]).map_err(io)?;
    for (code, name, ind, v) in &rows {
        let name = hoctap_docs::table::escape_cell(name);
        w.write_record([
            code.as_str(),
            name.as_str(),
            &year.to_string(),
            ind.id.as_str(),
            ind.name.as_str(),
            ind.unit.as_str(),
            &plain(*v),
        ])
        .map_err(io)?;
    }
    let bytes = w.into_inner().map_err(|e| WebError::internal(e.to_string()))?;
    Ok(download(bytes, "text/csv; charset=utf-8", &format!("chi-so-{}-{year}.csv", place.slug())))
}

fn xml_escape(s: &str) -> String {
    s.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;")
}

/// ADX (DHIS2's aggregate data exchange, ISO/IHE ADX): one `group` per unit and year, one
/// `dataValue` per indicator; codes are our indicator ids and official unit codes.
async fn adx(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(unit): Path<String>,
    Query(q): Query<DashQuery>,
) -> WebResult<Response> {
    let place = Place::parse(&unit)?;
    let (year, rows) = exchange_rows(&state, &user, place, &q).await?;
    let mut by_unit: BTreeMap<(String, String), Vec<(Indicator, Number)>> = BTreeMap::new();
    for (code, name, ind, v) in rows {
        by_unit.entry((code, name)).or_default().push((ind, v));
    }
    let mut x = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    x.push_str(&format!("<adx xmlns=\"urn:ihe:qrph:adx:2015\" exported=\"{}\">\n", jiff::Timestamp::now()));
    for ((code, name), values) in &by_unit {
        x.push_str(&format!(
            "  <group dataSet=\"XHHT\" orgUnit=\"{}\" period=\"{year}-01-01/P1Y\" comment=\"{}\">\n",
            xml_escape(code),
            xml_escape(name)
        ));
        for (ind, v) in values {
            x.push_str(&format!("    <dataValue dataElement=\"{}\" value=\"{}\"/>\n", xml_escape(&ind.id), plain(*v)));
        }
        x.push_str("  </group>\n");
    }
    x.push_str("</adx>\n");
    Ok(download(x.into_bytes(), "application/adx+xml; charset=utf-8", &format!("chi-so-{}-{year}.adx.xml", place.slug())))
}

#[derive(Deserialize)]
struct ReportValueForm {
    #[serde(default)]
    nam: i16,
    #[serde(default, rename = "chi-so")]
    chi_so: String,
    #[serde(default, rename = "gia-tri")]
    gia_tri: String,
    #[serde(default, rename = "ghi-chu")]
    ghi_chu: String,
}

/// Records a reported indicator's value (typed in: no registry holds it).
async fn report_value(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(unit): Path<String>,
    CsrfForm(f): CsrfForm<ReportValueForm>,
) -> WebResult<Response> {
    user.require(Action::EditRegistries)?;
    let Place::Unit(id) = Place::parse(&unit)? else { return Err(WebError::Forbidden) };
    user.require_sees(&state.store, id, "đơn vị").await?;
    let ind = shipped_indicators()
        .map_err(WebError::internal)?
        .into_iter()
        .find(|i| i.id == f.chi_so && i.kind == IndicatorKind::Reported)
        .ok_or_else(|| WebError::invalid("chi-so", "Chọn một chỉ số báo cáo"))?;
    let value = Number::parse(&f.gia_tri)
        .map_err(|e| WebError::invalid("gia-tri", format!("Giá trị {}: {}", ind.name, super::capitalise(&e.to_string()))))?;
    if value.is_negative() || (ind.unit == "%" && value > Number::integer(100)) {
        return Err(WebError::invalid(
            "gia-tri",
            format!("Giá trị {}: phải từ 0{}", ind.name, if ind.unit == "%" { " đến 100%" } else { "" }),
        ));
    }
    if !(2000..=2100).contains(&f.nam) {
        return Err(WebError::invalid("nam", "Năm báo cáo không hợp lệ"));
    }
    state.store.set_reported_value(&user.actor(), id, f.nam, &ind.id, &value, &f.ghi_chu).await?;
    Ok(super::flash_redirect(&state, &format!("/tong-hop/{id}?nam={}", f.nam), &format!("Đã ghi {}: {}", ind.name, shown(&ind, value))))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_read_the_vietnamese_way() {
        let n = |s: &str| Number::parse(s).unwrap_or(Number::ZERO);
        assert_eq!(hoctap_app::dashboard::number_vn(n("1234.56"), 1), "1.234,6");
        assert_eq!(hoctap_app::dashboard::number_vn(n("70"), 1), "70");
        assert_eq!(hoctap_app::dashboard::number_vn(n("68.5"), 1), "68,5");
        assert_eq!(hoctap_app::dashboard::number_vn(n("80000"), 0), "80.000");
        assert_eq!(hoctap_app::dashboard::number_vn(n("-0.5"), 1), "-0,5");
        assert_eq!(plain(n("66.666")), "66.67");
        assert_eq!(plain(n("70")), "70");
    }
}
