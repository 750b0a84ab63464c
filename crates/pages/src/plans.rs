//! Plans (kế hoạch, chương trình hành động): the list, a plan with its goals, tasks and targets,
//! and the roll-down of a target to the units below (chia đều, theo quy mô, giao cụ thể), checked
//! so the children's targets add up to the parent's.

use super::{Chrome, FieldError, render};
use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{Html, IntoResponse, Response};
use hoctap_app::dashboard::{number_vn, shown};
use hoctap_domain::access::Action;
use hoctap_domain::criteria::Number;
use hoctap_domain::indicator::{Aggregation, Indicator, shipped_indicators};
use hoctap_domain::plan::{SplitError, SplitMethod, Target, UnitRef, check_split, split};
use hoctap_domain::unit::UnitCode;
use hoctap_http::AppState;
use hoctap_http::auth::CsrfForm;
use hoctap_http::auth::CurrentUser;
use hoctap_http::error::{WebError, WebResult};
use hoctap_http::routes::{Routes, get};
use hoctap_store::{Basis, PlanRow, TargetKey, UnitRow};
use serde::Deserialize;
use std::collections::BTreeMap;

pub fn routes() -> Routes {
    Routes::new()
        .route("/ke-hoach", get(list))
        .route("/ke-hoach/{id}", get(show))
        .route("/ke-hoach/{id}/phan-bo", get(split_form).post(split_save))
}

fn indicators() -> WebResult<BTreeMap<String, Indicator>> {
    Ok(shipped_indicators().map_err(WebError::internal)?.into_iter().map(|i| (i.id.clone(), i)).collect())
}

#[derive(Template)]
#[template(path = "plans.html")]
struct ListPage {
    chrome: Chrome,
    plans: Vec<PlanRow>,
}

async fn list(State(state): State<AppState>, user: CurrentUser) -> WebResult<Response> {
    user.require(Action::ReadLocal)?;
    // Plans are public documents: every officer reads every plan.
    render(&ListPage { chrome: Chrome::new("Kế hoạch, chỉ tiêu", &user), plans: state.store.all_plans().await? })
}

/// A target line on the plan page.
struct TargetLine {
    indicator: String,
    indicator_id: String,
    unit: String,
    year: i16,
    value: String,
    text: String,
    /// The plan's note on the target (where its text and its table disagree, what it
    /// approximates) and the document that states it, when another one does.
    note: String,
    stated_in: String,
    origin: String,
    /// The split link, when the target's unit exists today and has units below it.
    can_split: bool,
    /// How the figure is obtained: computed from the registries and records, or reported.
    how: String,
}

#[derive(Template)]
#[template(path = "plan.html")]
struct PlanPage {
    chrome: Chrome,
    p: PlanRow,
    targets: Vec<TargetLine>,
    /// The plan unit's officer may turn the tasks into rows to hand out.
    can_assign: bool,
    done: Option<String>,
}

async fn show(State(state): State<AppState>, user: CurrentUser, Path(id): Path<i64>, headers: HeaderMap) -> WebResult<Response> {
    user.require(Action::ReadLocal)?;
    let p = state.store.plan(id).await?;
    let inds = indicators()?;
    let today = hoctap_store::today();
    let mut names: BTreeMap<i64, (String, bool)> = BTreeMap::new();
    let mut targets = Vec::new();
    let mut stored = Vec::new();
    // One query for the plan's targets (not one per indicator and year).
    let years = p.period.0..=p.period.1.max(2030);
    let mut all = state.store.plan_targets_all(p.id).await?;
    all.retain(|t| inds.contains_key(&t.indicator) && years.contains(&t.year));
    stored.extend(all);
    stored.sort_by(|a, b| (a.unit_id, &a.indicator, a.year).cmp(&(b.unit_id, &b.indicator, b.year)));
    for t in stored {
        if let std::collections::btree_map::Entry::Vacant(slot) = names.entry(t.unit_id) {
            let entry = if t.unit_id == 0 {
                ("Toàn quốc".to_string(), false)
            } else {
                let u = state.store.unit(t.unit_id).await?;
                let current = u.validity.contains(today) && !state.store.children(u.id, today).await?.is_empty();
                (u.name, current)
            };
            slot.insert(entry);
        }
        let (unit, current) = names.get(&t.unit_id).cloned().unwrap_or_default();
        let ind = inds.get(&t.indicator);
        let stated =
            p.plan.targets.iter().find(|pt| pt.indicator == t.indicator && pt.year == t.year && pt.text == t.text && !t.text.is_empty());
        targets.push(TargetLine {
            note: stated.and_then(|pt| pt.note.clone()).unwrap_or_default(),
            stated_in: stated.and_then(|pt| pt.stated_in.clone()).unwrap_or_default(),
            indicator: ind.map(|i| i.name.clone()).unwrap_or_else(|| t.indicator.clone()),
            indicator_id: t.indicator.clone(),
            unit,
            year: t.year,
            value: ind.map(|i| shown(i, t.value)).unwrap_or_else(|| number_vn(t.value, 2)),
            text: t.text.clone(),
            origin: match t.origin.as_str() {
                "plan" => "Theo văn bản",
                "split" => "Phân bổ",
                _ => "Giao cụ thể",
            }
            .to_string(),
            how: ind.map(super::learning::how_measured).unwrap_or_default(),
            can_split: current
                && t.origin == "plan"
                && t.unit_id == p.unit_id
                && ind.is_some_and(|i| i.kind == hoctap_domain::indicator::IndicatorKind::Computed),
        });
    }
    let done = super::take_flash(&headers);
    let shown_flash = done.is_some();
    super::render_with_flash(
        &PlanPage { chrome: Chrome::new(p.title.clone(), &user), can_assign: may_split(&user, &p), p, targets, done },
        shown_flash,
    )
}

#[derive(Deserialize, Default)]
struct SplitQuery {
    #[serde(default, rename = "chi-so")]
    chi_so: String,
    #[serde(default)]
    nam: i16,
}

/// A child on the split form.
struct ChildShare {
    id: i64,
    code: String,
    name: String,
    weight: i64,
    current: String,
    typed: String,
}

#[derive(Template)]
#[template(path = "plan_split.html")]
struct SplitPage {
    chrome: Chrome,
    p: PlanRow,
    ind: Indicator,
    year: i16,
    parent_value: String,
    parent_unit: String,
    weight_label: String,
    children: Vec<ChildShare>,
    method: String,
    errors: Vec<FieldError>,
}

struct SplitContext {
    p: PlanRow,
    ind: Indicator,
    year: i16,
    parent: Target,
    parent_unit: UnitRow,
    children: Vec<(UnitRow, i64)>,
    current: BTreeMap<i64, Number>,
}

/// Who may roll a plan's targets down and hand its tasks out: an officer of the plan's unit,
/// or an administrator.
fn may_split(user: &CurrentUser, p: &PlanRow) -> bool {
    hoctap_app::boards::may_manage(user, p.unit_id)
}

async fn context(state: &AppState, user: &CurrentUser, id: i64, q: &SplitQuery) -> WebResult<SplitContext> {
    user.require(Action::ReadLocal)?;
    let p = state.store.plan(id).await?;
    if !may_split(user, &p) {
        return Err(WebError::Forbidden);
    }
    if q.chi_so.trim().is_empty() {
        return Err(WebError::invalid("chi_so", "Chọn chỉ số cần phân bổ"));
    }
    let ind = indicators()?.remove(&q.chi_so).ok_or(WebError::NotFound("chỉ số"))?;
    let stored = state.store.plan_targets(p.id, &ind.id, q.nam).await?;
    let own = stored.iter().find(|t| t.unit_id == p.unit_id && t.origin == "plan").ok_or(WebError::NotFound("chỉ tiêu"))?;
    let today = hoctap_store::today();
    let parent_unit = state.store.unit(p.unit_id).await?;
    let kids = state.store.children(parent_unit.id, today).await?;
    // Weights: the indicator's denominator (households, citizens…) of each child today.
    let weight_metrics: Vec<&str> =
        if ind.denominator.is_empty() { vec!["citizens"] } else { ind.denominator.iter().map(String::as_str).collect() };
    let by_child = state.store.metric_values_by_child(Some(parent_unit.id), today.year(), &weight_metrics, Basis::Rebased(today)).await?;
    let children = kids
        .into_iter()
        .map(|k| {
            let w = by_child.get(&k.id).map(|m| weight_metrics.iter().map(|x| m.get(*x).copied().unwrap_or(0)).sum()).unwrap_or(0);
            (k, w)
        })
        .collect();
    let current = stored.iter().filter(|t| t.unit_id != p.unit_id).map(|t| (t.unit_id, t.value)).collect();
    let parent = Target {
        indicator: ind.id.clone(),
        unit: UnitRef::Unit(UnitCode::parse(&parent_unit.code).map_err(|e| WebError::internal(e.to_string()))?),
        year: q.nam,
        value: own.value,
        text: own.text.clone(),
        confidence: hoctap_domain::criteria::Confidence::Verified,
        stated_in: None,
        note: None,
    };
    Ok(SplitContext { p, ind, year: q.nam, parent, parent_unit, children, current })
}

fn split_page(user: &CurrentUser, c: SplitContext, method: &str, typed: &BTreeMap<String, String>, errors: Vec<FieldError>) -> SplitPage {
    let weight_label = if c.ind.denominator.is_empty() {
        "Số công dân".to_string()
    } else {
        c.ind.denominator.iter().filter_map(|m| hoctap_domain::stats::metric(m).map(|x| x.1)).collect::<Vec<_>>().join(" + ")
    };
    SplitPage {
        chrome: Chrome::new(format!("Phân bổ chỉ tiêu: {}", c.ind.name), user),
        parent_value: shown(&c.ind, c.parent.value),
        parent_unit: c.parent_unit.name.clone(),
        weight_label,
        children: c
            .children
            .iter()
            .map(|(k, w)| ChildShare {
                id: k.id,
                code: k.code.clone(),
                name: k.name.clone(),
                weight: *w,
                current: c.current.get(&k.id).map(|v| shown(&c.ind, *v)).unwrap_or_default(),
                typed: typed
                    .get(&format!("v:{}", k.id))
                    .cloned()
                    .unwrap_or_else(|| c.current.get(&k.id).map(|v| number_vn(*v, 2).replace('.', "")).unwrap_or_default()),
            })
            .collect(),
        method: method.to_string(),
        year: c.year,
        errors,
        ind: c.ind,
        p: c.p,
    }
}

async fn split_form(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<i64>,
    Query(q): Query<SplitQuery>,
) -> WebResult<Response> {
    let c = context(&state, &user, id, &q).await?;
    render(&split_page(&user, c, "deu", &BTreeMap::new(), Vec::new()))
}

#[derive(Deserialize)]
struct SplitForm {
    #[serde(default)]
    method: String,
    #[serde(flatten)]
    rest: BTreeMap<String, String>,
}

async fn split_save(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<i64>,
    Query(q): Query<SplitQuery>,
    CsrfForm(f): CsrfForm<SplitForm>,
) -> WebResult<Response> {
    let c = context(&state, &user, id, &q).await?;
    let refs: Vec<(UnitRef, i64)> =
        c.children.iter().filter_map(|(k, w)| UnitCode::parse(&k.code).ok().map(|code| (UnitRef::Unit(code), *w))).collect();
    let outcome: Result<Vec<Number>, FieldError> = match f.method.as_str() {
        "deu" | "quy-mo" => {
            let method = if f.method == "deu" { SplitMethod::Equal } else { SplitMethod::ByWeight };
            split(&c.ind, &c.parent, &refs, &method)
                .map(|ts| ts.into_iter().map(|t| t.value).collect())
                .map_err(|e| FieldError { field: "method".into(), message: super::capitalise(&e.to_string()) })
        }
        "cu-the" => {
            let mut values = Vec::new();
            let mut bad = None;
            for (k, _) in &c.children {
                let raw = f.rest.get(&format!("v:{}", k.id)).map(|s| s.trim().replace('.', "")).unwrap_or_default();
                match Number::parse(&raw) {
                    Ok(v) => values.push(v),
                    Err(_) => {
                        bad = Some(FieldError {
                            field: format!("v:{}", k.id),
                            message: format!("{}: chỉ tiêu phải là một số (đang có \"{raw}\")", k.name),
                        });
                        break;
                    }
                }
            }
            match bad {
                Some(e) => Err(e),
                // A rate may be set above the parent's (the communes together then do more);
                // a count must add up exactly.
                None => match check_split(&c.ind, &c.parent, &refs, &values) {
                    Ok(()) => Ok(values),
                    Err(SplitError::Mismatch(gap)) if c.ind.aggregation() == Aggregation::WeightedMean && gap.gap_word == "thừa" => {
                        Ok(values)
                    }
                    Err(e) => Err(FieldError { field: "method".into(), message: super::capitalise(&e.to_string()) }),
                },
            }
        }
        _ => Err(FieldError { field: "method".into(), message: "Chọn cách phân bổ".into() }),
    };
    match outcome {
        Ok(values) => {
            let shares: Vec<(i64, Number)> = c.children.iter().map(|(k, _)| k.id).zip(values).collect();
            let origin = if f.method == "cu-the" { "manual" } else { "split" };
            state
                .store
                .set_child_targets(
                    &user.actor(),
                    &TargetKey { plan_id: c.p.id, indicator: c.ind.id.clone(), year: c.year },
                    c.parent_unit.id,
                    &shares,
                    origin,
                )
                .await?;
            Ok(super::flash_redirect(
                &state,
                &format!("/ke-hoach/{}", c.p.id),
                &format!("Đã phân bổ chỉ tiêu {} năm {} cho {} đơn vị", c.ind.name, c.year, shares.len()),
            ))
        }
        Err(e) => {
            let page = split_page(&user, c, &f.method, &f.rest, vec![e]);
            Ok((StatusCode::UNPROCESSABLE_ENTITY, Html(page.render()?)).into_response())
        }
    }
}
