//! Hội Khuyến học: which branch a user sees, a fund posting read from input, the posting date,
//! membership dues.

use crate::{AppError, AppResult, CurrentUser, FieldError, capitalise};
use hoctap_domain::access::Action;
use hoctap_domain::date::parse_date;
use hoctap_domain::fund::{Dong, EntryKind, NewEntry};
use hoctap_domain::registry::cccd::Cccd;
use hoctap_store::BranchRow;
use hoctap_store::Store;
use serde::Deserialize;

/// A branch the user may read: 404 when it is outside the user's scope.
#[inline(never)]
pub fn visible_branch<'fut, 'l1: 'fut, 'l2: 'fut>(
    store: &'l1 Store,
    user: &'l2 CurrentUser,
    branch: BranchRow,
) -> crate::BoxFut<'fut, AppResult<BranchRow>> {
    Box::pin(async move {
        user.require(Action::ReadLocal)?;
        user.require_sees(store, branch.unit_id, "hội, chi hội").await?;
        Ok(branch)
    })
}

/// Reads a posting as typed on the form or sent to the API; every bad field is reported with
/// its label.
pub fn entry_from_input(
    kind: &str,
    amount: &str,
    counterparty: &str,
    beneficiary_cccd: &str,
    decision: &str,
) -> Result<NewEntry, Vec<FieldError>> {
    let mut errors = Vec::new();
    let kind = EntryKind::parse(kind).map_err(|e| errors.push(FieldError { field: "kind".into(), message: e.to_string() })).ok();
    let amount = Dong::parse_amount(amount).map_err(|e| errors.push(FieldError { field: "amount".into(), message: e.to_string() })).ok();
    let cccd = match beneficiary_cccd.trim() {
        "" => None,
        s => Cccd::parse(s)
            .map(|c| c.as_ref().to_string())
            .map_err(|e| {
                errors.push(FieldError { field: "beneficiary_cccd".into(), message: format!("CCCD người thụ hưởng: {e}") })
            })
            .ok(),
    };
    let text = |field: &str, label: &str, s: &str, errors: &mut Vec<FieldError>| -> Option<String> {
        let s = hoctap_domain::text::clean(s);
        if s.chars().count() > 200 {
            errors.push(FieldError { field: field.into(), message: format!("{label}: dài quá 200 ký tự") });
        }
        (!s.is_empty()).then_some(s)
    };
    let counterparty = text("counterparty", "Người nộp, người nhận", counterparty, &mut errors);
    let decision = text("decision", "Quyết định, căn cứ", decision, &mut errors);
    match (kind, amount) {
        (Some(kind), Some(amount)) if errors.is_empty() => {
            let e = NewEntry { kind, amount, counterparty, beneficiary_cccd: cccd, decision };
            e.check().map_err(|err| vec![FieldError { field: fund_field(&err).into(), message: err.to_string() }])?;
            Ok(e)
        }
        _ => Err(errors),
    }
}

pub fn fund_field(e: &hoctap_domain::fund::FundError) -> &'static str {
    use hoctap_domain::fund::FundError as F;
    match e {
        F::BadAmount(_) => "amount",
        F::UnknownKind(_) => "kind",
        F::BeneficiaryMissing(_) => "counterparty",
        F::DecisionMissing(_) => "decision",
        F::UnknownRole(_) | F::RoleTaken(_) => "role",
        F::WouldGoNegative { .. } => "overdraft_reason",
        _ => "reverses",
    }
}

#[derive(Deserialize, Default)]
pub struct YearQuery {
    #[serde(default)]
    pub nam: Option<i16>,
}

impl YearQuery {
    pub fn year(&self) -> i16 {
        self.nam.filter(|y| (1990..=2100).contains(y)).unwrap_or_else(|| hoctap_store::today().year())
    }
}

/// The posting date of a form: today when left empty, never in the future.
pub fn posting_date(raw: &str) -> AppResult<jiff::civil::Date> {
    let today = hoctap_store::today();
    let d = if raw.trim().is_empty() {
        today
    } else {
        parse_date(raw).map_err(|e| AppError::invalid("posted_on", format!("Ngày ghi sổ: {}", capitalise(&e.to_string()))))?
    };
    if d > today {
        return Err(AppError::invalid("posted_on", "Ngày ghi sổ: không được sau hôm nay"));
    }
    Ok(d)
}

/// Reads the amount of a dues payment: empty for the member's own hội phí mỗi năm.
pub fn dues_amount(raw: &str) -> AppResult<Option<Dong>> {
    match raw.trim() {
        "" => Ok(None),
        s => Dong::parse_amount(s).map(Some).map_err(|e| AppError::invalid("amount", e.to_string())),
    }
}
