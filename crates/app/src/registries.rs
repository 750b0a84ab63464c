//! The registries (sổ): lists within the user's scope with opaque cursors, personal data
//! masked for roles that do not need it, whole records read from forms, exports (audited).

use crate::{AppError, AppResult, CurrentUser, FieldError, capitalise};
pub use hoctap_docs::registry_xlsx::ExportFormat;
use hoctap_docs::registry_xlsx::ExportWriter;
use hoctap_domain::access::Action;
use hoctap_domain::registry::cccd::Cccd;
use hoctap_domain::registry::def::{Field, FieldType, Registry, RegistryKind, Value, Values, by_slug, parse_typed_value};
use hoctap_store::{RegistryQuery, RegistryRecord, Store};
use serde::Deserialize;
use std::collections::BTreeMap;

/// The registry named in the URL.
pub fn registry_of(slug: &str) -> AppResult<&'static Registry> {
    by_slug(slug).ok_or(AppError::NotFound("sổ"))
}

/// The action that writes a registry.
pub fn write_action(reg: &Registry) -> Action {
    match reg.kind {
        RegistryKind::AssociationBranches | RegistryKind::AssociationMembers | RegistryKind::FundEntries => Action::EditAssociation,
        _ => Action::EditRegistries,
    }
}

/// A value as this user may see it: personal data masked for roles that do not need it.
pub fn shown(user: &CurrentUser, field: &Field, value: Option<&Value>) -> String {
    let Some(v) = value else { return String::new() };
    if field.personal && !user.user.role.sees_personal_data() {
        return match (field.ty, v) {
            (FieldType::Cccd, Value::Text(s)) => Cccd::parse(s).map(|c| c.masked()).unwrap_or_else(|_| "***".into()),
            (FieldType::Date, Value::Date(d)) => format!("**/**/{}", d.year()),
            _ => "***".into(),
        };
    }
    v.display(field.ty)
}

/// Cells of a record in field order, as a spreadsheet shows them (full values: exports are
/// for roles that may see them, and are audited).
pub fn cells(reg: &Registry, r: &RegistryRecord) -> Vec<String> {
    reg.fields.iter().map(|f| r.values.get(f.column).map(|v| v.display(f.ty)).unwrap_or_default()).collect()
}

#[derive(Deserialize, Default)]
pub struct ListQuery {
    #[serde(default)]
    pub q: String,
    /// Narrow to a unit (code) inside the scope.
    #[serde(default)]
    pub don_vi: String,
    /// Keyset cursor after the last row shown: opaque (`crate::cursor`), never a value.
    #[serde(default)]
    pub sau: Option<String>,
    #[serde(default)]
    pub ca_ket_thuc: Option<String>,
    /// "ten" to sort by name; otherwise the stable code, or entry order for a search (`hoctap_store::list_column`).
    #[serde(default)]
    pub sap_xep: String,
}

/// Runs a list query for a user (shared by the page and the API).
#[inline(never)]
pub fn query_records<'fut, 'l1: 'fut, 'l2: 'fut, 'l3: 'fut, 'l4: 'fut>(
    store: &'l1 Store,
    user: &'l2 CurrentUser,
    reg: &'l3 Registry,
    q: &'l4 ListQuery,
    limit: i64,
) -> crate::BoxFut<'fut, AppResult<Vec<RegistryRecord>>> {
    Box::pin(async move {
        user.require(Action::ReadLocal)?;
        let today = hoctap_store::today();
        let within = if q.don_vi.trim().is_empty() {
            None
        } else {
            let u = store
                .unit_by_code(q.don_vi.trim(), today)
                .await
                .map_err(|_| AppError::invalid("don_vi", format!("Không có đơn vị mã {} đang có hiệu lực", q.don_vi.trim())))?;
            user.require_sees(store, u.id, "đơn vị").await?;
            Some(u.id)
        };
        let after = match q.sau.as_deref().filter(|c| !c.is_empty()) {
            Some(c) => Some(crate::cursor::open(&list_name(reg, q), c)?),
            None => None,
        };
        refuse_personal_search(user, reg, &q.q)?;
        Ok(store
            .registry_list(
                reg,
                &RegistryQuery {
                    scope: user.scope(),
                    within,
                    search: Some(q.q.clone()).filter(|s| !s.trim().is_empty()),
                    after,
                    limit,
                    include_ended: q.ca_ket_thuc.is_some(),
                    by_label: q.sap_xep == "ten",
                    filter: None,
                },
                today,
            )
            .await?)
    })
}

/// The name a cursor is sealed to: the registry and the order of the list, as the store orders
/// it (a search's is not an unsearched list's).
fn list_name(reg: &Registry, q: &ListQuery) -> String {
    format!("{}:{}", reg.slug, hoctap_store::list_column(reg, Some(&q.q), q.sap_xep == "ten"))
}

/// The opaque cursor after a page of records (None on the last page).
pub fn cursor(reg: &Registry, q: &ListQuery, records: &[RegistryRecord], limit: i64) -> Option<String> {
    if i64::try_from(records.len()).unwrap_or(0) < limit {
        return None;
    }
    Some(crate::cursor::seal(&list_name(reg, q), records.last()?.id))
}

/// A role that sees personal data masked may not search by it either: a search that matches
/// on a CCCD would tell, number by number, whose CCCD begins with what. Such a role's search
/// in a registry that indexes a personal field may hold no run of four digits (names,
/// addresses and codes with fewer digits still work). The message never repeats the value.
pub(crate) fn refuse_personal_search(user: &CurrentUser, reg: &Registry, q: &str) -> AppResult<()> {
    if user.user.role.sees_personal_data() || !reg.search.iter().any(|c| reg.field(c).is_some_and(|f| f.personal)) {
        return Ok(());
    }
    let mut run = 0;
    for c in q.chars() {
        run = if c.is_ascii_digit() { run + 1 } else { 0 };
        if run >= 4 {
            return Err(AppError::invalid(
                "q",
                "Vai trò của bạn xem số CCCD và ngày sinh đã che nên không tìm theo các số này; hãy tìm theo họ tên hoặc mã",
            ));
        }
    }
    Ok(())
}

/// Reads a whole record from a form; every bad field is reported.
pub fn values_from_form(reg: &Registry, form: &BTreeMap<String, String>) -> Result<Values, Vec<FieldError>> {
    let mut values = Values::new();
    let mut errors = Vec::new();
    for f in reg.fields {
        let raw = form.get(f.column).map(String::as_str).unwrap_or("");
        match parse_typed_value(f, raw) {
            Ok(Some(v)) => {
                values.insert(f.column, v);
            }
            Ok(None) if f.required => {
                errors.push(FieldError { field: f.column.into(), message: format!("{}: không được để trống", f.header) })
            }
            Ok(None) => {}
            Err(reason) => {
                // Name errors already say which field they are about; others get the label.
                let message = if hoctap_domain::text::fold(&reason).contains(&hoctap_domain::text::fold(f.header)) {
                    capitalise(&reason)
                } else {
                    format!("{}: {}", f.header, capitalise(&reason))
                };
                errors.push(FieldError { field: f.column.into(), message })
            }
        }
    }
    if errors.is_empty() { Ok(values) } else { Err(errors) }
}

/// Every current record of the user's scope, written into a private temporary file (0600,
/// unlinked at once: the returned handle keeps it until the response is sent) as one query
/// streams (`Store::registry_export`): a province's export holds one batch in memory, not the
/// province. Audited with the number of rows. Returns the file, rewound.
#[inline(never)]
pub fn export_file<'fut, 'l1: 'fut, 'l2: 'fut>(
    store: &'l1 Store,
    user: &'l2 CurrentUser,
    reg: &'static Registry,
    format: ExportFormat,
) -> crate::BoxFut<'fut, AppResult<std::fs::File>> {
    Box::pin(async move {
        use std::io::Seek;
        user.require(write_action(reg))?;
        if reg.has_personal_data() && !user.user.role.sees_personal_data() {
            return Err(AppError::Forbidden);
        }
        let mut out = ExportWriter::new(reg, format, private_temp_file().map_err(AppError::internal)?).map_err(AppError::internal)?;
        let count = store
            .registry_export(reg, user.scope(), hoctap_store::today(), 2_000, |batch| {
                for r in &batch {
                    out.row(&cells(reg, r)).map_err(AppError::internal)?;
                }
                Ok::<(), AppError>(())
            })
            .await?;
        let unit_name = user.user.unit_name.clone();
        // Compressing a workbook is CPU work: off the request threads.
        let mut file = tokio::task::spawn_blocking(move || out.finish(&unit_name).map_err(|e| e.to_string()))
            .await
            .map_err(AppError::internal)?
            .map_err(AppError::internal)?;
        file.rewind().map_err(AppError::internal)?;
        store.audit_export(&user.actor(), reg, user.scope(), count, format.code()).await?;
        Ok(file)
    })
}

/// A new file only this process can read, already removed from its directory.
fn private_temp_file() -> std::io::Result<std::fs::File> {
    let mut options = std::fs::OpenOptions::new();
    options.read(true).write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    loop {
        let path = std::env::temp_dir().join(format!("hoctap-xuat-{}-{:016x}", std::process::id(), rand::random::<u64>()));
        match options.open(&path) {
            Ok(file) => {
                // Unix keeps an unlinked file while it is open: nothing is left behind on a crash.
                let _ = std::fs::remove_file(&path);
                return Ok(file);
            }
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => continue,
            Err(e) => return Err(e),
        }
    }
}

/// Form values of a stored record, in the form's own notation (dates ISO, codes for choices).
pub fn form_values_of(reg: &Registry, r: &RegistryRecord) -> BTreeMap<String, String> {
    reg.fields
        .iter()
        .filter_map(|f| {
            let v = r.values.get(f.column)?;
            let s = match (f.ty, v) {
                (_, Value::Date(d)) => d.to_string(),
                (FieldType::Bool, Value::Bool(b)) => {
                    if *b {
                        "co".into()
                    } else {
                        "khong".into()
                    }
                }
                (_, Value::Text(s)) => s.clone(),
                (_, other) => other.display(f.ty),
            };
            Some((f.column.to_string(), s))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use hoctap_domain::registry::def::CITIZENS;

    #[test]
    fn a_cursor_is_sealed_to_the_order_of_its_list() {
        let plain = ListQuery::default();
        let searched = ListQuery { q: "nguyen van".into(), ..Default::default() };
        let blank = ListQuery { q: " %_ ".into(), ..Default::default() };
        let by_name = ListQuery { q: "nguyen".into(), sap_xep: "ten".into(), ..Default::default() };
        // An unsearched list by its key; a search in entry order; by name either way.
        assert_eq!(list_name(&CITIZENS, &plain), "cong-dan:cccd");
        assert_eq!(list_name(&CITIZENS, &searched), "cong-dan:id");
        assert_eq!(list_name(&CITIZENS, &blank), "cong-dan:cccd");
        assert_eq!(list_name(&CITIZENS, &by_name), "cong-dan:full_name");
        // A search's cursor does not open an unsearched list.
        let sealed = crate::cursor::seal(&list_name(&CITIZENS, &searched), 42);
        assert_eq!(crate::cursor::open(&list_name(&CITIZENS, &searched), &sealed).ok(), Some(42));
        assert!(crate::cursor::open(&list_name(&CITIZENS, &plain), &sealed).is_err());
    }
}
