//! The registries (sổ theo dõi) as pages: one generic set of pages for the nine registries,
//! driven by their definitions: scoped list with search and keyset pagination, record pages
//! with history, create/edit/end forms, the pre-filled XLSX template, CSV export, and the
//! two-step import (check, then write all or nothing).

use super::{Chrome, FieldError, capitalise, render};
use askama::Template;
use axum::extract::{Multipart, Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{Html, IntoResponse, Response};
use hoctap_app::registries::form_values_of;
use hoctap_app::registries::{self, ListQuery, cursor, registry_of, shown, values_from_form, write_action};
use hoctap_domain::access::Action;
use hoctap_domain::registry::def::{Field, FieldType, REGISTRIES, Registry, RegistryKind, Value};
use hoctap_http::AppState;
use hoctap_http::auth::CsrfForm;
use hoctap_http::auth::CurrentUser;
use hoctap_http::error::{WebError, WebResult};
use hoctap_http::routes::{Routes, get, post};
use hoctap_store::{RegistryImportReport, RegistryQuery, RegistryRecord, RowOutcome};
use serde::Deserialize;
use std::collections::BTreeMap;
use std::sync::Arc;

pub fn routes() -> Routes {
    Routes::new()
        .route("/so", get(index))
        .route("/so/{slug}", get(list))
        .route("/so/{slug}/moi", get(new_form).post(create))
        .route("/so/{slug}/mau.xlsx", get(template_xlsx))
        .route("/so/{slug}/xuat.csv", get(export_csv))
        .route("/so/{slug}/nhap", get(import_form).post(import_check))
        .route("/so/{slug}/nhap/ap-dung", post(import_apply))
        .route("/so/{slug}/nhap/{sha}/bao-cao.xlsx", get(import_report))
        .route("/so/{slug}/{id}", get(show).post(update))
        .route("/so/{slug}/{id}/ket-thuc", post(end))
}

pub struct RegistryLine {
    pub slug: &'static str,
    pub title: &'static str,
    pub count: String,
    pub can_write: bool,
}

#[derive(Template)]
#[template(path = "registries.html")]
struct IndexPage {
    chrome: Chrome,
    lines: Vec<RegistryLine>,
}

async fn index(State(state): State<AppState>, user: CurrentUser) -> WebResult<Response> {
    user.require(Action::ReadLocal)?;
    let today = hoctap_store::today();
    let counts = state.store.registry_counts(&REGISTRIES, user.scope(), today).await?;
    let lines = REGISTRIES
        .iter()
        .zip(counts)
        .map(|(reg, n)| RegistryLine {
            slug: reg.slug,
            title: reg.title,
            count: hoctap_app::format::int_vn(n),
            can_write: user.user.role.may(write_action(reg)),
        })
        .collect();
    render(&IndexPage { chrome: Chrome::new("Sổ theo dõi", &user), lines })
}

pub struct RecordLine {
    pub id: i64,
    pub cells: Vec<String>,
    pub ended: bool,
}

#[derive(Template)]
#[template(path = "registry_list.html")]
struct ListPage {
    chrome: Chrome,
    reg: &'static Registry,
    headers: Vec<&'static str>,
    lines: Vec<RecordLine>,
    q: ListQuery,
    next: Option<String>,
    can_write: bool,
    error: Option<String>,
}

const PAGE: i64 = 50;

async fn list(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(slug): Path<String>,
    Query(q): Query<ListQuery>,
) -> WebResult<Response> {
    let reg = registry_of(&slug)?;
    let (records, error) = match registries::query_records(&state.store, &user, reg, &q, PAGE).await.map_err(WebError::from) {
        Ok(r) => (r, None),
        Err(e @ (WebError::Invalid { .. } | WebError::NotFound(_))) => (Vec::new(), Some(e.to_string())),
        Err(e) => return Err(e),
    };
    let shown_fields: Vec<&Field> = reg.fields.iter().take(6).collect();
    let lines = records
        .iter()
        .map(|r| RecordLine {
            id: r.id,
            cells: shown_fields.iter().map(|f| shown(&user, f, r.values.get(f.column))).collect(),
            ended: !r.validity.contains(hoctap_store::today()),
        })
        .collect();
    // A refused filter or cursor shows the page with its message, under 422.
    let status = if error.is_some() { axum::http::StatusCode::UNPROCESSABLE_ENTITY } else { axum::http::StatusCode::OK };
    let page = ListPage {
        chrome: Chrome::new(reg.title, &user),
        headers: shown_fields.iter().map(|f| f.header).collect(),
        next: cursor(reg, &q, &records, PAGE),
        can_write: user.user.role.may(write_action(reg)),
        lines,
        reg,
        q,
        error,
    };
    Ok((status, axum::response::Html(page.render()?)).into_response())
}

pub struct FormField {
    pub column: &'static str,
    pub header: &'static str,
    pub hint: &'static str,
    pub required: bool,
    pub input: &'static str,
    pub value: String,
    pub choices: Vec<(&'static str, &'static str, bool)>,
    pub error: String,
    pub readonly: bool,
}

fn form_fields(reg: &Registry, values: &BTreeMap<String, String>, errors: &[FieldError], editing: bool) -> Vec<FormField> {
    reg.fields
        .iter()
        .map(|f| {
            let value = values.get(f.column).cloned().unwrap_or_default();
            let choices =
                f.ty.choices().map(|list| list.iter().map(|(c, l)| (*c, *l, value == *c || value == *l)).collect()).unwrap_or_default();
            FormField {
                column: f.column,
                header: f.header,
                hint: f.hint,
                required: f.required,
                input: match f.ty {
                    _ if f.ty.choices().is_some() => "select",
                    FieldType::Date => "date",
                    _ => "text",
                },
                value,
                choices,
                error: errors.iter().find(|e| e.field == f.column).map(|e| e.message.clone()).unwrap_or_default(),
                readonly: editing && reg.is_key(f.column),
            }
        })
        .collect()
}

/// Records of other registries that refer to this one (a household's citizens, a branch's
/// members and fund entries).
pub struct RelatedBlock {
    pub slug: &'static str,
    pub title: String,
    pub headers: Vec<&'static str>,
    pub lines: Vec<RecordLine>,
    pub more: bool,
}

async fn related(
    state: &AppState,
    user: &CurrentUser,
    reg: &Registry,
    record: &RegistryRecord,
) -> WebResult<(Vec<RelatedBlock>, Vec<(String, String, String, String)>)> {
    let mut blocks = Vec::new();
    let mut balances = Vec::new();
    let [kcol] = reg.key else { return Ok((blocks, balances)) };
    let Some(Value::Text(key)) = record.values.get(kcol) else { return Ok((blocks, balances)) };
    for other in REGISTRIES {
        for f in other.fields.iter().filter(|f| f.ty == FieldType::Ref(reg.kind)) {
            let q = RegistryQuery { scope: user.scope(), limit: 201, filter: Some((f.column, key.clone())), ..Default::default() };
            let found = state.store.registry_list(other, &q, hoctap_store::today()).await?;
            if found.is_empty() {
                continue;
            }
            if other.kind == RegistryKind::FundEntries {
                balances = fund_balances(&found);
            }
            let shown_fields: Vec<&Field> = other.fields.iter().filter(|x| x.column != f.column).take(5).collect();
            blocks.push(RelatedBlock {
                slug: other.slug,
                title: format!("{} ({})", other.title, found.len().min(200)),
                headers: shown_fields.iter().map(|x| x.header).collect(),
                more: found.len() > 200,
                lines: found
                    .iter()
                    .take(200)
                    .map(|r| RecordLine {
                        id: r.id,
                        cells: shown_fields.iter().map(|x| shown(user, x, r.values.get(x.column))).collect(),
                        ended: false,
                    })
                    .collect(),
            });
        }
    }
    Ok((blocks, balances))
}

/// Receipts, payments and balance of a fund by year, carried forward (quỹ khuyến học), by the
/// domain's rules (reversals count the other way).
fn fund_balances(entries: &[RegistryRecord]) -> Vec<(String, String, String, String)> {
    use hoctap_domain::fund::{Dong, EntryKind, balances_by_year};
    let typed = entries.iter().filter_map(|e| {
        let (Some(Value::Date(d)), Some(Value::Text(kind)), Some(Value::Int(amount))) =
            (e.values.get("posted_on"), e.values.get("kind"), e.values.get("amount"))
        else {
            return None;
        };
        Some((d.year(), EntryKind::parse(kind).ok()?, Dong::new(*amount), e.values.contains_key("reverses")))
    });
    balances_by_year(typed)
        .into_iter()
        .map(|y| (y.year.to_string(), y.total_receipts.grouped(), y.total_payments.grouped(), y.closing.grouped()))
        .collect()
}

#[derive(Template)]
#[template(path = "registry_record.html")]
struct RecordPage {
    chrome: Chrome,
    reg: &'static Registry,
    record: Option<RegistryRecord>,
    facts: Vec<(&'static str, String)>,
    fields: Vec<FormField>,
    history: Vec<(String, String, String)>,
    errors: Vec<FieldError>,
    can_write: bool,
    ended: bool,
    done: Option<String>,
    today_iso: String,
    related: Vec<RelatedBlock>,
    balances: Vec<(String, String, String, String)>,
}

async fn record_page(
    state: &AppState,
    user: &CurrentUser,
    reg: &'static Registry,
    id: Option<i64>,
    form: Option<&BTreeMap<String, String>>,
    errors: Vec<FieldError>,
    done: Option<String>,
) -> WebResult<RecordPage> {
    let can_write = user.user.role.may(write_action(reg)) && user.user.role.sees_personal_data();
    let (record, facts, history) = match id {
        Some(id) => {
            let r = state.store.registry_get(reg, id).await?;
            user.require_sees(&state.store, r.unit_id, reg.noun).await?;
            let mut facts: Vec<(&'static str, String)> =
                reg.fields.iter().map(|f| (f.header, shown(user, f, r.values.get(f.column)))).collect();
            // Adults and children are derived from the date of birth, never stored.
            if let Some(Value::Date(birth)) = r.values.get("birth_date")
                && user.user.role.sees_personal_data()
            {
                let today = hoctap_store::today();
                let age = hoctap_domain::registry::person::age_on(*birth, today);
                facts.push((
                    "Tuổi",
                    format!("{age} ({})", if hoctap_domain::registry::person::is_adult(*birth, today) { "người lớn" } else { "trẻ em" }),
                ));
            }
            let history = state
                .store
                .registry_history(reg, id)
                .await?
                .into_iter()
                .map(|(v, data, actor)| {
                    let text = data
                        .as_object()
                        .map(|o| {
                            reg.fields
                                .iter()
                                .filter(|f| !f.personal || user.user.role.sees_personal_data())
                                .filter_map(|f| {
                                    o.get(f.column).map(|v| {
                                        format!("{}: {}", f.header, v.as_str().map(str::to_string).unwrap_or_else(|| v.to_string()))
                                    })
                                })
                                .collect::<Vec<_>>()
                                .join("; ")
                        })
                        .unwrap_or_default();
                    (v.describe(), text, actor)
                })
                .collect();
            (Some(r), facts, history)
        }
        None => (None, Vec::new(), Vec::new()),
    };
    let values = match (form, &record) {
        (Some(f), _) => f.clone(),
        (None, Some(r)) if can_write => form_values_of(reg, r),
        _ => BTreeMap::new(),
    };
    let ended = record.as_ref().is_some_and(|r| !r.validity.contains(hoctap_store::today()));
    let (related, balances) = match &record {
        Some(r) => related(state, user, reg, r).await?,
        None => (Vec::new(), Vec::new()),
    };
    Ok(RecordPage {
        related,
        balances,
        chrome: Chrome::new(reg.title, user),
        fields: form_fields(reg, &values, &errors, record.is_some()),
        reg,
        record,
        facts,
        history,
        errors,
        can_write,
        ended,
        done,
        today_iso: hoctap_store::today().to_string(),
    })
}

async fn show(
    State(state): State<AppState>,
    user: CurrentUser,
    Path((slug, id)): Path<(String, i64)>,
    headers: HeaderMap,
) -> WebResult<Response> {
    user.require(Action::ReadLocal)?;
    let reg = registry_of(&slug)?;
    super::page_with_flash(&headers, |done| record_page(&state, &user, reg, Some(id), None, Vec::new(), done)).await
}

async fn new_form(State(state): State<AppState>, user: CurrentUser, Path(slug): Path<String>) -> WebResult<Response> {
    let reg = registry_of(&slug)?;
    user.require(write_action(reg))?;
    render(&record_page(&state, &user, reg, None, None, Vec::new(), None).await?)
}

fn failed(page: RecordPage, status: StatusCode) -> WebResult<Response> {
    Ok((status, Html(page.render()?)).into_response())
}

async fn create(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(slug): Path<String>,
    CsrfForm(form): CsrfForm<BTreeMap<String, String>>,
) -> WebResult<Response> {
    let reg = registry_of(&slug)?;
    user.require(write_action(reg))?;
    let values = match values_from_form(reg, &form) {
        Ok(v) => v,
        Err(errors) => {
            return failed(record_page(&state, &user, reg, None, Some(&form), errors, None).await?, StatusCode::UNPROCESSABLE_ENTITY);
        }
    };
    let result = state.store.registry_create(&user.actor(), reg, values, user.scope(), hoctap_store::today()).await;
    let result = result.map_err(WebError::from).map(|r| (format!("/so/{}/{}", reg.slug, r.id), format!("Đã thêm {}", reg.noun)));
    super::after_post(&state, result, |errors| record_page(&state, &user, reg, None, Some(&form), errors, None)).await
}

async fn update(
    State(state): State<AppState>,
    user: CurrentUser,
    Path((slug, id)): Path<(String, i64)>,
    CsrfForm(form): CsrfForm<BTreeMap<String, String>>,
) -> WebResult<Response> {
    let reg = registry_of(&slug)?;
    user.require(write_action(reg))?;
    let before = state.store.registry_get(reg, id).await?;
    user.require_sees(&state.store, before.unit_id, reg.noun).await?;
    let values = match values_from_form(reg, &form) {
        Ok(v) => v,
        Err(errors) => {
            return failed(record_page(&state, &user, reg, Some(id), Some(&form), errors, None).await?, StatusCode::UNPROCESSABLE_ENTITY);
        }
    };
    let result = state.store.registry_update(&user.actor(), reg, id, values, user.scope(), hoctap_store::today()).await;
    let result = result.map_err(WebError::from).map(|_| (format!("/so/{}/{id}", reg.slug), "Đã lưu thay đổi"));
    super::after_post(&state, result, |errors| record_page(&state, &user, reg, Some(id), Some(&form), errors, None)).await
}

#[derive(Deserialize)]
struct EndForm {
    #[serde(default)]
    on: String,
}

async fn end(
    State(state): State<AppState>,
    user: CurrentUser,
    Path((slug, id)): Path<(String, i64)>,
    CsrfForm(f): CsrfForm<EndForm>,
) -> WebResult<Response> {
    let reg = registry_of(&slug)?;
    user.require(write_action(reg))?;
    let before = state.store.registry_get(reg, id).await?;
    user.require_sees(&state.store, before.unit_id, reg.noun).await?;
    let on = hoctap_domain::date::parse_date(&f.on).map_err(|e| WebError::invalid("on", capitalise(&e.to_string())))?;
    let result = state.store.registry_end(&user.actor(), reg, id, on).await;
    let result = result
        .map_err(WebError::from)
        .map(|()| (format!("/so/{}/{id}", reg.slug), format!("Đã kết thúc từ ngày {}", hoctap_domain::date::format_vn(on))));
    super::after_post(&state, result, |errors| record_page(&state, &user, reg, Some(id), None, errors, None)).await
}

async fn template_xlsx(State(state): State<AppState>, user: CurrentUser, Path(slug): Path<String>) -> WebResult<Response> {
    let reg = registry_of(&slug)?;
    let file = registries::export_file(&state.store, &user, reg, registries::ExportFormat::Xlsx).await?;
    let name = hoctap_docs::registry_xlsx::file_name(reg, &user.user.unit_code, "xlsx");
    Ok(hoctap_http::files::download_file(file, hoctap_http::files::XLSX, &name))
}

async fn export_csv(State(state): State<AppState>, user: CurrentUser, Path(slug): Path<String>) -> WebResult<Response> {
    let reg = registry_of(&slug)?;
    let file = registries::export_file(&state.store, &user, reg, registries::ExportFormat::Csv).await?;
    let name = hoctap_docs::registry_xlsx::file_name(reg, &user.user.unit_code, "csv");
    Ok(hoctap_http::files::download_file(file, "text/csv; charset=utf-8", &name))
}

/// A line of the import preview.
pub struct ImportLine {
    pub line: usize,
    pub status: &'static str,
    pub detail: String,
    pub bad: bool,
}

/// A row's outcome as the report shows it: status, the record's key, details.
fn outcome_cells(line: usize, o: &RowOutcome) -> (&'static str, String, String) {
    match o {
        RowOutcome::Create { key } => ("Thêm mới", key.clone(), String::new()),
        RowOutcome::Update { key, changed } => ("Cập nhật", key.clone(), format!("đổi: {}", changed.join(", "))),
        RowOutcome::Unchanged { key } => ("Không đổi", key.clone(), String::new()),
        RowOutcome::Reject { errors } => (
            "Lỗi",
            String::new(),
            errors
                .iter()
                .map(|(c, m)| if c.is_empty() { format!("Dòng {line}: {m}") } else { format!("Dòng {line}, cột {c}: {m}") })
                .collect::<Vec<_>>()
                .join("; "),
        ),
    }
}

/// Rows of the report shown on the page (rejections first); the rest are in the full report.
const SHOWN_LINES: usize = 100;

pub fn import_lines(report: &RegistryImportReport) -> Vec<ImportLine> {
    report
        .rows
        .iter()
        .take(SHOWN_LINES)
        .map(|(line, o)| {
            let (status, key, detail) = outcome_cells(*line, o);
            let detail = match (key.is_empty(), detail.is_empty()) {
                (true, _) => detail,
                (false, true) => key,
                (false, false) => format!("{key}: {detail}"),
            };
            ImportLine { line: *line, status, detail, bad: matches!(o, RowOutcome::Reject { .. }) }
        })
        .collect()
}

#[derive(Template)]
#[template(path = "registry_import.html")]
struct ImportPage {
    chrome: Chrome,
    reg: &'static Registry,
    errors: Vec<FieldError>,
    report: Option<RegistryImportReport>,
    lines: Vec<ImportLine>,
    /// Repairs made while reading (first ones).
    notes: Vec<(usize, String)>,
    /// Lines of the report not shown on the page.
    more: usize,
    /// The checked upload kept on the server (its SHA-256), applied by reference.
    pending: String,
    file_name: String,
}

impl ImportPage {
    fn new(user: &CurrentUser, reg: &'static Registry) -> Self {
        Self {
            chrome: Chrome::new(format!("Nhập {}", reg.title), user),
            reg,
            errors: Vec::new(),
            report: None,
            lines: Vec::new(),
            notes: Vec::new(),
            more: 0,
            pending: String::new(),
            file_name: String::new(),
        }
    }

    fn with_report(mut self, report: RegistryImportReport) -> Self {
        self.lines = import_lines(&report);
        self.notes = report.notes.iter().take(SHOWN_LINES).cloned().collect();
        let listed = report.to_create + report.to_update + report.rejected;
        self.more = listed.saturating_sub(self.lines.len());
        self.report = Some(report);
        self
    }

    fn failed(mut self, e: WebError) -> WebResult<Response> {
        let status = e.status();
        self.errors = super::field_error(&e).map(|x| vec![x]).ok_or(e)?;
        Ok((status, Html(self.render()?)).into_response())
    }
}

/// What a checked upload is kept for.
fn purpose(reg: &Registry) -> String {
    format!("so:{}", reg.slug)
}

async fn import_form(user: CurrentUser, Path(slug): Path<String>) -> WebResult<Response> {
    let reg = registry_of(&slug)?;
    user.require(write_action(reg))?;
    render(&ImportPage::new(&user, reg))
}

fn import_options(user: &CurrentUser, dry_run: bool) -> hoctap_store::ImportOptions {
    hoctap_store::ImportOptions { scope: user.scope(), on: hoctap_store::today(), dry_run }
}

async fn import_check(State(state): State<AppState>, user: CurrentUser, Path(slug): Path<String>, mp: Multipart) -> WebResult<Response> {
    let reg = registry_of(&slug)?;
    user.require(write_action(reg))?;
    let upload = super::read_upload(mp).await?;
    user.check_csrf(upload.field("csrf"))?;
    let page = ImportPage::new(&user, reg);
    if upload.bytes.is_empty() {
        return page.failed(WebError::invalid("file", "Chọn một tệp"));
    }
    let bytes: Arc<[u8]> = upload.bytes.into();
    let report =
        match hoctap_app::upload::registry_import(&state.store, &user.actor(), reg, bytes.clone(), import_options(&user, true), None).await
        {
            Ok(r) => r,
            Err(e) => return page.failed(e.into()),
        };
    // The file stays on the server: the page carries its hash, never its rows.
    let pending = state.store.pending_upload_save(&user.actor(), &purpose(reg), &upload.file_name, &bytes).await?;
    render(&ImportPage { pending, file_name: upload.file_name, ..page.with_report(report) })
}

#[derive(Deserialize)]
struct ApplyForm {
    #[serde(default)]
    tep: String,
}

fn gone() -> WebError {
    WebError::invalid(
        "file",
        format!("Tệp đã kiểm tra không còn (đã ghi, hoặc quá {} giờ); hãy tải tệp lên lại", hoctap_store::PENDING_HOURS),
    )
}

async fn import_apply(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(slug): Path<String>,
    CsrfForm(f): CsrfForm<ApplyForm>,
) -> WebResult<Response> {
    let reg = registry_of(&slug)?;
    user.require(write_action(reg))?;
    let page = ImportPage::new(&user, reg);
    let Some(file) = state.store.pending_upload(&user.actor(), &purpose(reg), f.tep.trim()).await? else {
        return page.failed(gone());
    };
    // Everything is checked again inside the writing transaction: one transaction, all or nothing.
    let bytes: Arc<[u8]> = file.bytes.into();
    let report =
        match hoctap_app::upload::registry_import(&state.store, &user.actor(), reg, bytes, import_options(&user, false), None).await {
            Ok(r) => r,
            Err(e) => return page.failed(e.into()),
        };
    let status = if report.applied || report.rejected == 0 { StatusCode::OK } else { StatusCode::UNPROCESSABLE_ENTITY };
    let pending = if report.applied {
        state.store.pending_upload_done(&user.actor(), &purpose(reg), &file.sha256).await?;
        String::new()
    } else {
        file.sha256
    };
    let page = ImportPage { pending, file_name: file.file_name, ..page.with_report(report) };
    Ok((status, Html(page.render()?)).into_response())
}

/// The full report of a checked upload as XLSX: every row of the file, decided again now.
async fn import_report(State(state): State<AppState>, user: CurrentUser, Path((slug, sha)): Path<(String, String)>) -> WebResult<Response> {
    let reg = registry_of(&slug)?;
    user.require(write_action(reg))?;
    let file = state.store.pending_upload(&user.actor(), &purpose(reg), &sha).await?.ok_or(WebError::NotFound("tệp đã kiểm tra"))?;
    let mut out = hoctap_docs::registry_xlsx::ImportReport::new().map_err(WebError::internal)?;
    let mut failure: Option<String> = None;
    let mut sink = |line: usize, o: &RowOutcome, notes: &[String]| {
        let (status, key, mut detail) = outcome_cells(line, o);
        for n in notes {
            if !detail.is_empty() {
                detail.push_str("; ");
            }
            detail.push_str(n);
        }
        if let Err(e) = out.row(line, status, &key, &detail) {
            failure.get_or_insert(e.to_string());
        }
    };
    let bytes: Arc<[u8]> = file.bytes.into();
    hoctap_app::upload::registry_import(&state.store, &user.actor(), reg, bytes, import_options(&user, true), Some(&mut sink)).await?;
    if let Some(e) = failure {
        return Err(WebError::internal(e));
    }
    let xlsx = out.finish().map_err(WebError::internal)?;
    Ok(super::download(xlsx, super::XLSX, &format!("bao-cao-kiem-tra-{}.xlsx", reg.slug)))
}
