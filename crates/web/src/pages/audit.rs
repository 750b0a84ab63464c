//! The audit log page, filtered by unit, user, action and date, within the viewer's scope.

use super::{Chrome, render};
use crate::AppState;
use crate::auth::CurrentUser;
use crate::error::{WebError, WebResult};
use crate::routes::{Routes, get};
use askama::Template;
use axum::extract::{Query, State};
use axum::response::Response;
use hoctap_domain::access::Action;
use hoctap_domain::date::parse_date;
use hoctap_store::{AuditFilter, AuditRecord};
use serde::Deserialize;

pub fn routes() -> Routes {
    Routes::new().route("/nhat-ky", get(list))
}

#[derive(Deserialize, Default, Clone)]
pub struct AuditQuery {
    #[serde(default)]
    pub don_vi: String,
    #[serde(default)]
    pub nguoi_dung: String,
    #[serde(default)]
    pub thao_tac: String,
    #[serde(default)]
    pub tu_ngay: String,
    #[serde(default)]
    pub den_ngay: String,
    #[serde(default)]
    pub truoc: Option<i64>,
}

/// One entry as the page shows it: a sentence and the fields it changed.
pub struct AuditLine {
    pub id: i64,
    pub at: String,
    pub username: String,
    pub unit: String,
    /// "Tạo thôn, tổ dân phố".
    pub action: String,
    /// "Đơn vị: Thôn Nà Sla".
    pub object: String,
    pub changes: Vec<super::audit_text::FieldChange>,
}

#[derive(Template)]
#[template(path = "audit.html")]
struct AuditPage {
    chrome: Chrome,
    q: AuditQuery,
    lines: Vec<AuditLine>,
    next: Option<i64>,
    error: Option<String>,
    groups: &'static [(&'static str, &'static str)],
}

/// Turns the query into a store filter (local day bounds → UTC instants).
pub async fn filter(state: &AppState, user: &CurrentUser, q: &AuditQuery) -> WebResult<AuditFilter> {
    let day_start = |s: &str, field: &str| -> WebResult<Option<String>> {
        if s.trim().is_empty() {
            return Ok(None);
        }
        let d = parse_date(s).map_err(|e| WebError::invalid(field, super::capitalise(&e.to_string())))?;
        let z = d.to_zoned_datetime(hoctap_store::vn_tz()).map_err(|_| WebError::invalid(field, "Ngày nằm ngoài khoảng lịch hỗ trợ"))?;
        Ok(Some(z.timestamp().to_string()))
    };
    let unit_id = if q.don_vi.trim().is_empty() {
        None
    } else {
        let u = state
            .store
            .unit_by_code(q.don_vi.trim(), hoctap_store::today())
            .await
            .map_err(|_| WebError::invalid("don_vi", format!("Không có đơn vị mã {}", q.don_vi.trim())))?;
        Some(u.id)
    };
    let to = match day_start(&q.den_ngay, "den_ngay")? {
        Some(_) => {
            let d = parse_date(&q.den_ngay).map_err(|e| WebError::invalid("den_ngay", e.to_string()))?;
            // The last day the calendar holds (31/12/9999) has no tomorrow: no upper bound then.
            d.tomorrow().ok().and_then(|next| next.to_zoned_datetime(hoctap_store::vn_tz()).ok()).map(|z| z.timestamp().to_string())
        }
        None => None,
    };
    Ok(AuditFilter {
        scope: user.scope(),
        unit_id,
        username: Some(q.nguoi_dung.trim().to_lowercase()).filter(|s| !s.is_empty()),
        action: Some(q.thao_tac.trim().to_string()).filter(|s| !s.is_empty()),
        from: day_start(&q.tu_ngay, "tu_ngay")?,
        to,
        before_id: q.truoc,
        limit: 50,
    })
}

fn line(r: AuditRecord) -> AuditLine {
    use super::audit_text::{action_label, changes, entity_label, object_name};
    let name = object_name(r.before.as_ref(), r.after.as_ref());
    let entity = entity_label(&r.entity);
    AuditLine {
        id: r.id,
        at: crate::format::instant_vn(&r.at),
        username: r.username,
        unit: r.unit_name.unwrap_or_default(),
        action: action_label(&r.action),
        object: if name.is_empty() { entity } else { format!("{entity}: {name}") },
        changes: changes(&r.entity, r.before.as_ref(), r.after.as_ref()),
    }
}

async fn list(State(state): State<AppState>, user: CurrentUser, Query(q): Query<AuditQuery>) -> WebResult<Response> {
    user.require(Action::ReadAudit)?;
    let (records, error) = match filter(&state, &user, &q).await {
        Ok(f) => (state.store.audit(&f, hoctap_store::today()).await?, None),
        Err(e) => (Vec::new(), Some(e.to_string())),
    };
    let next = if records.len() == 50 { records.last().map(|r| r.id) } else { None };
    render(&AuditPage {
        chrome: Chrome::new("Nhật ký thao tác", &user),
        q,
        lines: records.into_iter().map(line).collect(),
        next,
        error,
        groups: super::audit_text::ACTION_GROUPS,
    })
}
