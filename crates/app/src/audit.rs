//! The audit log, filtered by unit, user, action and date, within the viewer's scope.

use crate::{AppError, AppResult, CurrentUser, capitalise};
use hoctap_domain::access::Action;
use hoctap_domain::date::parse_date;
use hoctap_store::{AuditFilter, AuditRecord, Store};
use serde::Deserialize;

/// The filter as typed (page) or sent (API), in the page's parameter names.
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

/// Turns the query into a store filter (local day bounds → UTC instants).
#[inline(never)]
pub fn filter<'fut, 'l1: 'fut, 'l2: 'fut, 'l3: 'fut>(
    store: &'l1 Store,
    user: &'l2 CurrentUser,
    q: &'l3 AuditQuery,
) -> crate::BoxFut<'fut, AppResult<AuditFilter>> {
    Box::pin(async move {
        let day_start = |s: &str, field: &str| -> AppResult<Option<String>> {
            if s.trim().is_empty() {
                return Ok(None);
            }
            let d = parse_date(s).map_err(|e| AppError::invalid(field, capitalise(&e.to_string())))?;
            let z =
                d.to_zoned_datetime(hoctap_store::vn_tz()).map_err(|_| AppError::invalid(field, "Ngày nằm ngoài khoảng lịch hỗ trợ"))?;
            Ok(Some(z.timestamp().to_string()))
        };
        let unit_id = if q.don_vi.trim().is_empty() {
            None
        } else {
            let u = store
                .unit_by_code(q.don_vi.trim(), hoctap_store::today())
                .await
                .map_err(|_| AppError::invalid("don_vi", format!("Không có đơn vị mã {}", q.don_vi.trim())))?;
            Some(u.id)
        };
        let to = match day_start(&q.den_ngay, "den_ngay")? {
            Some(_) => {
                let d = parse_date(&q.den_ngay).map_err(|e| AppError::invalid("den_ngay", e.to_string()))?;
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
    })
}

/// A page of the audit log (50 entries, newest first) for the filter.
#[inline(never)]
pub fn search<'fut, 'l1: 'fut, 'l2: 'fut, 'l3: 'fut>(
    store: &'l1 Store,
    user: &'l2 CurrentUser,
    q: &'l3 AuditQuery,
) -> crate::BoxFut<'fut, AppResult<Vec<AuditRecord>>> {
    Box::pin(async move {
        user.require(Action::ReadAudit)?;
        let f = filter(store, user, q).await?;
        Ok(store.audit(&f, hoctap_store::today()).await?)
    })
}
