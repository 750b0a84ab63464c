//! Dashboards and plans in the API: indicator values against targets for a unit and year (the
//! same numbers as `/tong-hop`), the children's values, and the plans with their targets.

use super::{ApiResult, ApiUser, ok};
use super::{Path, Query};
use axum::extract::State;
use hoctap_app::dashboard::{DashQuery, IndicatorLine, Place, build};
use hoctap_domain::access::Action;
use hoctap_http::AppState;
use hoctap_http::routes::{Routes, get};
use serde_json::json;

pub fn routes() -> Routes {
    Routes::new().route("/stats/{unit}", get(stats)).route("/plans", get(plans))
}

/// `unit`: a unit id or `ca-nuoc`; query `nam` (year), `cay` (`hien-nay` | `luc-do`), `chi-so`.
async fn stats(State(state): State<AppState>, ApiUser(u): ApiUser, Path(unit): Path<String>, Query(q): Query<DashQuery>) -> ApiResult {
    let d = build(&state.store, &u, Place::parse(&unit)?, &q).await?;
    let lines: Vec<_> = d.lines.iter().map(line_json).collect();
    let children: Vec<_> = d.children.iter().map(|c| json!({"unit_id": c.id, "code": c.code, "name": c.name, "numerator": c.num, "denominator": c.den, "value": c.value, "light": c.light})).collect();
    ok(json!({
        "unit": d.unit.as_ref().map(|x| json!({"id": x.id, "code": x.code, "name": x.name})),
        "year": d.year, "indicators": lines, "ranked_by": d.ranked.as_ref().map(|i| i.id.clone()), "children": children, "metrics": d.metrics,
    }))
}

/// An indicator's line as every API field shows it (stats, fund balance): the same figure as
/// the pages.
pub fn line_json(l: &IndicatorLine) -> serde_json::Value {
    json!({
        "indicator": l.indicator.id, "name": l.indicator.name, "unit": l.indicator.unit, "kind": l.indicator.kind,
        "numerator": l.num, "denominator": l.den, "value": l.value, "shown": l.shown,
        "target": l.target.as_ref().map(|(v, y, plan)| json!({"value": v, "year": y, "plan": plan})),
        "light": l.light, "path": l.path_shown, "source": l.indicator.source,
    })
}

async fn plans(State(state): State<AppState>, ApiUser(u): ApiUser) -> ApiResult {
    u.require(Action::ReadLocal)?;
    let plans: Vec<_> = state
        .store
        .all_plans()
        .await?
        .into_iter()
        .map(|p| json!({"id": p.id, "key": p.key, "unit_id": p.unit_id, "plan": p.plan}))
        .collect();
    ok(plans)
}
