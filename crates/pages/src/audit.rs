//! The audit log page, filtered by unit, user, action and date, within the viewer's scope.

use super::{Chrome, render};
use askama::Template;
use axum::extract::{Query, State};
use axum::response::Response;
use hoctap_app::AppError;
use hoctap_app::audit::{self, AuditQuery};
use hoctap_http::AppState;
use hoctap_http::auth::CurrentUser;
use hoctap_http::error::WebResult;
use hoctap_http::routes::{Routes, get};
use hoctap_store::AuditRecord;

pub fn routes() -> Routes {
    Routes::new().route("/nhat-ky", get(list))
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

fn line(r: AuditRecord) -> AuditLine {
    use super::audit_text::{action_label, changes, entity_label, object_name};
    let name = object_name(r.before.as_ref(), r.after.as_ref());
    let entity = entity_label(&r.entity);
    AuditLine {
        id: r.id,
        at: hoctap_app::format::instant_vn(&r.at),
        username: r.username,
        unit: r.unit_name.unwrap_or_default(),
        action: action_label(&r.action),
        object: if name.is_empty() { entity } else { format!("{entity}: {name}") },
        changes: changes(&r.entity, r.before.as_ref(), r.after.as_ref()),
    }
}

async fn list(State(state): State<AppState>, user: CurrentUser, Query(q): Query<AuditQuery>) -> WebResult<Response> {
    // A filter that does not parse is shown above an empty list; every other refusal as it is.
    let (records, error) = match audit::search(&state.store, &user, &q).await {
        Ok(records) => (records, None),
        Err(e @ AppError::Invalid { .. }) => (Vec::new(), Some(e.to_string())),
        Err(e) => return Err(e.into()),
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
