//! Unit browser: the tree as at any date, diacritic-free search, a unit's page with its
//! parents, children, area attributes and lineage; villages; reorganisations and the
//! administrator's corrections of reference data.

use super::{Chrome, FieldError, capitalise, render};
use askama::Template;
use axum::extract::{Multipart, Path, Query, State};
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Response};
use hoctap_app::units::{AsAt, as_at, validity_from_form, village_rows};
use hoctap_domain::access::Action;
use hoctap_domain::area::AreaAttribute;
use hoctap_domain::date::{OPEN_END, Validity, format_vn, parse_date};
use hoctap_domain::hierarchy::{LineageKind, MergeTarget, NewUnit, Reorganisation, UnitId};
use hoctap_domain::unit::{UnitCode, UnitKind, UnitName, UnitType};
use hoctap_http::AppState;
use hoctap_http::auth::CsrfForm;
use hoctap_http::auth::CurrentUser;
use hoctap_http::error::{WebError, WebResult};
use hoctap_http::routes::{Routes, get, post};
use hoctap_store::{LineageEntry, UnitRow, VillageImportPreview, VillageImportRow};
use jiff::civil::Date;
use serde::Deserialize;
use std::collections::BTreeMap;

pub fn routes() -> Routes {
    Routes::new()
        .route("/don-vi", get(browse))
        .route("/don-vi/{id}", get(show))
        .route("/don-vi/{id}/thon", post(add_village))
        .route("/don-vi/{id}/thon-sua", post(edit_village))
        .route("/don-vi/{id}/thon-ket-thuc", post(end_village))
        .route("/don-vi/{id}/thuoc-tinh", post(set_attribute))
        .route("/don-vi/{id}/sua", post(correct))
        .route("/don-vi/{id}/lien-ket", post(add_link))
        .route("/don-vi/{id}/lien-ket/xoa", post(remove_link))
        .route("/nhap-thon", get(import_form).post(import_preview))
        .route("/nhap-thon/ap-dung", post(import_apply))
        .route("/nhap-thon/mau.csv", get(import_template))
        .route("/sap-xep", get(reorg_form).post(reorg_submit))
}

pub struct UnitLine {
    pub id: i64,
    pub code: String,
    pub name: String,
    pub kind: String,
    pub path: String,
    pub validity: String,
}

impl UnitLine {
    fn from(u: &UnitRow, path: String) -> Self {
        Self { id: u.id, code: u.code.clone(), name: u.name.clone(), kind: u.unit_type.clone(), path, validity: u.validity.describe() }
    }
}

#[derive(Template)]
#[template(path = "units.html")]
struct BrowsePage {
    chrome: Chrome,
    date_iso: String,
    date_vn: String,
    query: String,
    date_error: Option<String>,
    results: Vec<UnitLine>,
    searched: bool,
    counts: Vec<(String, String)>,
}

async fn browse(State(state): State<AppState>, user: CurrentUser, Query(q): Query<AsAt>) -> WebResult<Response> {
    let (on, date_error) = as_at(&q);
    let query = q.q.clone().unwrap_or_default();
    let searched = !query.trim().is_empty();
    let results = if searched {
        state.store.search_units(&query, on, None, 50).await?.into_iter().map(|(u, path)| UnitLine::from(&u, path.join(" › "))).collect()
    } else {
        state.store.provinces(on).await?.iter().map(|u| UnitLine::from(u, String::new())).collect()
    };
    let counts = state
        .store
        .count_by_kind(on)
        .await?
        .into_iter()
        .filter(|(k, _)| *k != UnitKind::Village)
        .map(|(k, n)| (k.label().to_string(), hoctap_app::format::int_vn(n)))
        .collect();
    render(&BrowsePage {
        chrome: Chrome::new("Đơn vị hành chính", &user),
        date_iso: on.to_string(),
        date_vn: format_vn(on),
        query,
        date_error,
        results,
        searched,
        counts,
    })
}

pub struct LineageLine {
    pub event_id: i64,
    pub predecessor: i64,
    pub successor: i64,
    pub kind: String,
    pub date: String,
    pub legal_act: String,
    pub direction: String,
    pub other_id: i64,
    pub other: String,
}

pub struct AttrLine {
    pub id: i64,
    pub label: String,
    pub validity: String,
    pub legal_act: String,
    pub open: bool,
}

#[derive(Template)]
#[template(path = "unit.html")]
struct UnitPage {
    chrome: Chrome,
    unit: UnitRow,
    kind_label: String,
    validity: String,
    date_iso: String,
    /// The date the page shows (the last valid day for an ended unit): links keep it.
    shown_iso: String,
    date_vn: String,
    date_error: Option<String>,
    valid_on_date: bool,
    valid_today: bool,
    ancestors: Vec<UnitLine>,
    children: Vec<UnitLine>,
    children_title: String,
    show_children: bool,
    attributes: Vec<AttrLine>,
    lineage: Vec<LineageLine>,
    successors: Vec<UnitLine>,
    predecessors: Vec<UnitLine>,
    can_edit: bool,
    can_add_village: bool,
    is_village: bool,
    village_types: Vec<&'static str>,
    attribute_choices: Vec<(&'static str, &'static str)>,
    lineage_kinds: Vec<(&'static str, &'static str)>,
    errors: Vec<FieldError>,
    done: Option<String>,
    today_iso: String,
    /// What the user typed in the form that failed, shown again.
    typed: Vec<(String, String)>,
}

impl UnitPage {
    fn error_for(&self, field: &str) -> Option<&str> {
        self.errors.iter().find(|e| e.field == field).map(|e| e.message.as_str())
    }

    fn typed(&self, field: &str) -> &str {
        self.typed.iter().find(|(k, _)| k == field).map(|(_, v)| v.as_str()).unwrap_or("")
    }
}

async fn unit_page(state: &AppState, user: &CurrentUser, id: i64, q: &AsAt, errors: Vec<FieldError>) -> WebResult<UnitPage> {
    let (on, date_error) = as_at(q);
    let store = &state.store;
    let unit = store.unit(id).await?;
    let in_scope = user.sees(&state.store, id).await?;
    // Villages are local data: outside the scope they do not exist for this user.
    if unit.kind == UnitKind::Village && !in_scope {
        return Err(WebError::NotFound("đơn vị"));
    }
    let today = hoctap_store::today();
    let shown_on = if unit.valid_on(on) { on } else { unit.validity.last_day().unwrap_or(unit.validity.from) };
    let ancestors = store.ancestors(id, shown_on).await?.iter().map(|a| UnitLine::from(a, String::new())).collect();
    let mut children: Vec<UnitRow> = store.children(id, shown_on).await?;
    if !in_scope {
        children.retain(|c| c.kind != UnitKind::Village);
    }
    // A partially merged unit's figures go whole to one part: show each part's share.
    let rebase = store.rebase_info(id).await?;
    let share = |s: i64| rebase.rule.and_then(|_| rebase.parts.iter().find(|p| p.unit.id == s)).map(|p| p.share_pct);
    let lineage = store
        .lineage(id)
        .await?
        .into_iter()
        .map(|e: LineageEntry| LineageLine {
            event_id: e.event_id,
            predecessor: if e.role == "predecessor" { id } else { e.other.id },
            successor: if e.role == "predecessor" { e.other.id } else { id },
            kind: e.kind.label().to_string(),
            date: format_vn(e.effective_on),
            legal_act: e.legal_act,
            direction: match (e.role, e.kind) {
                ("predecessor", _) if e.partial => format!(
                    "một phần chuyển thành{}; nhận {} % số liệu ({})",
                    if e.seat { " (nơi đặt trụ sở)" } else { "" },
                    share(e.other.id).unwrap_or(0),
                    rebase.rule_label
                ),
                (_, _) if e.partial => format!("tiếp nhận một phần từ{}", if e.seat { " (kể cả trụ sở)" } else { "" }),
                ("predecessor", LineageKind::Abolish) => "địa bàn chuyển cho".into(),
                ("predecessor", _) => "chuyển thành (đơn vị kế thừa)".into(),
                (_, LineageKind::Abolish) => "tiếp nhận địa bàn của".into(),
                _ => "tiếp nhận từ (đơn vị tiền thân)".into(),
            },
            other_id: e.other.id,
            other: format!("{} {} ({})", e.other.code, e.other.name, e.other.validity.describe()),
        })
        .collect();
    // A unit valid today carries itself on: it has no successor today (and the walk costs ms).
    let successors = if unit.valid_on(today) {
        Vec::new()
    } else {
        store.successors_on(id, today).await?.iter().map(|u| UnitLine::from(u, String::new())).collect()
    };
    let predecessors = store.predecessors(id).await?.iter().map(|u| UnitLine::from(u, String::new())).collect();
    let attributes = store
        .attributes(id)
        .await?
        .into_iter()
        .map(|a| AttrLine {
            id: a.id,
            label: a.attribute.label().into(),
            validity: a.validity.describe(),
            legal_act: a.legal_act,
            open: a.validity.is_open(),
        })
        .collect();
    let can_edit = in_scope && user.user.role.may(Action::EditUnits) && unit.valid_on(today);
    let children_title = match unit.kind {
        UnitKind::Province => "Đơn vị trực thuộc",
        UnitKind::District => "Xã, phường, thị trấn",
        UnitKind::Commune => "Thôn, tổ dân phố",
        UnitKind::Village => "",
    }
    .to_string();
    Ok(UnitPage {
        chrome: Chrome::new(unit.name.clone(), user),
        kind_label: unit.kind.label().to_string(),
        validity: unit.validity.describe(),
        date_iso: on.to_string(),
        shown_iso: shown_on.to_string(),
        date_vn: format_vn(on),
        date_error,
        valid_on_date: unit.valid_on(on),
        valid_today: unit.valid_on(today),
        ancestors,
        show_children: unit.kind != UnitKind::Village,
        children: children.iter().map(|c| UnitLine::from(c, String::new())).collect(),
        children_title,
        attributes,
        lineage,
        successors,
        predecessors,
        can_add_village: can_edit && unit.kind == UnitKind::Commune,
        is_village: unit.kind == UnitKind::Village,
        can_edit,
        village_types: UnitType::of_kind(UnitKind::Village).map(|t| t.as_str()).collect(),
        attribute_choices: AreaAttribute::ALL.iter().map(|a| (a.code(), a.label())).collect(),
        lineage_kinds: LineageKind::ALL.iter().map(|k| (k.code(), k.label())).collect(),
        errors,
        done: q.xong.clone(),
        today_iso: today.to_string(),
        typed: Vec::new(),
        unit,
    })
}

async fn show(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<i64>,
    Query(mut q): Query<AsAt>,
    headers: axum::http::HeaderMap,
) -> WebResult<Response> {
    q.xong = super::take_flash(&headers);
    let shown = q.xong.is_some();
    super::render_with_flash(&unit_page(&state, &user, id, &q, Vec::new()).await?, shown)
}

/// Re-renders the unit page with the error of a failed form, or redirects after success.
async fn unit_outcome(state: &AppState, user: &CurrentUser, id: i64, result: WebResult<String>) -> WebResult<Response> {
    unit_outcome_typed(state, user, id, result, &[]).await
}

async fn unit_outcome_typed(
    state: &AppState,
    user: &CurrentUser,
    id: i64,
    result: WebResult<String>,
    typed: &[(&str, &str)],
) -> WebResult<Response> {
    let result = result.map(|done| (format!("/don-vi/{id}"), done));
    super::after_post(state, result, |errors| async move {
        let mut page = unit_page(state, user, id, &AsAt::default(), errors).await?;
        page.typed = typed.iter().map(|(k, v)| ((*k).to_string(), (*v).to_string())).collect();
        Ok(page)
    })
    .await
}

pub fn urlencode(s: &str) -> String {
    s.bytes()
        .map(|b| if b.is_ascii_alphanumeric() || b"-_.~".contains(&b) { (b as char).to_string() } else { format!("%{b:02X}") })
        .collect()
}

#[derive(Deserialize)]
struct VillageForm {
    #[serde(default)]
    name: String,
    #[serde(default)]
    unit_type: String,
}

async fn add_village(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<i64>,
    CsrfForm(f): CsrfForm<VillageForm>,
) -> WebResult<Response> {
    user.require(Action::EditUnits)?;
    user.require_sees(&state.store, id, "đơn vị").await?;
    let r = state.store.create_village(&user.actor(), id, &f.name, &f.unit_type, hoctap_store::today()).await;
    unit_outcome_typed(
        &state,
        &user,
        id,
        r.map(|v| format!("Đã thêm {}", v.name)).map_err(Into::into),
        &[("name", &f.name), ("unit_type", &f.unit_type)],
    )
    .await
}

async fn edit_village(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<i64>,
    CsrfForm(f): CsrfForm<VillageForm>,
) -> WebResult<Response> {
    user.require(Action::EditUnits)?;
    user.require_sees(&state.store, id, "đơn vị").await?;
    let r = state.store.update_village(&user.actor(), id, &f.name, &f.unit_type, hoctap_store::today()).await;
    unit_outcome(&state, &user, id, r.map(|_| "Đã lưu thay đổi".to_string()).map_err(Into::into)).await
}

#[derive(Deserialize)]
struct EndForm {
    #[serde(default)]
    on: String,
}

async fn end_village(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<i64>,
    CsrfForm(f): CsrfForm<EndForm>,
) -> WebResult<Response> {
    user.require(Action::EditUnits)?;
    user.require_sees(&state.store, id, "đơn vị").await?;
    let r = async {
        let on = parse_date(&f.on).map_err(|e| WebError::invalid("on", capitalise(&e.to_string())))?;
        state.store.end_village(&user.actor(), id, on).await?;
        Ok(format!("Đã kết thúc từ ngày {}", format_vn(on)))
    }
    .await;
    unit_outcome(&state, &user, id, r).await
}

#[derive(Deserialize)]
struct AttributeForm {
    #[serde(default)]
    attribute: String,
    #[serde(default)]
    from: String,
    #[serde(default)]
    to: String,
    #[serde(default)]
    legal_act: String,
    #[serde(default)]
    end_id: Option<i64>,
}

async fn set_attribute(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<i64>,
    CsrfForm(f): CsrfForm<AttributeForm>,
) -> WebResult<Response> {
    user.require(Action::EditUnits)?;
    user.require_sees(&state.store, id, "đơn vị").await?;
    let r = async {
        if let Some(end_id) = f.end_id {
            let on = parse_date(&f.to).map_err(|e| WebError::invalid("to", capitalise(&e.to_string())))?;
            state.store.end_attribute(&user.actor(), end_id, on).await?;
            return Ok("Đã kết thúc thuộc tính".to_string());
        }
        let attr = AreaAttribute::parse(&f.attribute).ok_or_else(|| WebError::invalid("attribute", "Chọn một thuộc tính địa bàn"))?;
        let validity = validity_from_form(&f.from, &f.to)?;
        state.store.set_attribute(&user.actor(), id, attr, validity, &f.legal_act).await?;
        Ok(format!("Đã ghi thuộc tính \"{}\"", attr.label()))
    }
    .await;
    unit_outcome(&state, &user, id, r).await
}

#[derive(Deserialize)]
struct CorrectForm {
    #[serde(default)]
    name: String,
    #[serde(default)]
    from: String,
    #[serde(default)]
    to: String,
    #[serde(default)]
    note: String,
}

async fn correct(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<i64>,
    CsrfForm(f): CsrfForm<CorrectForm>,
) -> WebResult<Response> {
    user.require(Action::Reorganise)?;
    let r = async {
        let name = UnitName::parse(&f.name).map_err(|e| WebError::invalid("name", capitalise(&e.to_string())))?;
        let validity = if f.from.trim().is_empty() {
            let to = if f.to.trim().is_empty() { OPEN_END } else { validity_from_form("01/01/0001", &f.to)?.to };
            let cur = state.store.unit(id).await?;
            Validity::new(cur.validity.from, to).map_err(|e| WebError::invalid("to", e.to_string()))?
        } else {
            validity_from_form(&f.from, &f.to)?
        };
        state.store.correct_unit(&user.actor(), id, Some(name), Some(validity), &f.note).await?;
        Ok("Đã lưu hiệu chỉnh".to_string())
    }
    .await;
    unit_outcome(&state, &user, id, r).await
}

#[derive(Deserialize)]
struct LinkForm {
    #[serde(default)]
    other_code: String,
    #[serde(default)]
    other_on: String,
    #[serde(default)]
    direction: String,
    #[serde(default)]
    kind: String,
    #[serde(default)]
    on: String,
    #[serde(default)]
    legal_act: String,
}

async fn add_link(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<i64>,
    CsrfForm(f): CsrfForm<LinkForm>,
) -> WebResult<Response> {
    user.require(Action::Reorganise)?;
    let r = async {
        let other_on = parse_date(&f.other_on).map_err(|e| WebError::invalid("other_on", capitalise(&e.to_string())))?;
        let code = UnitCode::parse(&f.other_code).map_err(|e| WebError::invalid("other_code", capitalise(&e.to_string())))?;
        let other =
            state.store.unit_by_code(code.as_str(), other_on).await.map_err(|_| {
                WebError::invalid("other_code", format!("Không có đơn vị mã {code} còn hiệu lực ngày {}", format_vn(other_on)))
            })?;
        let kind = LineageKind::parse(&f.kind).ok_or_else(|| WebError::invalid("kind", "Chọn loại sự kiện"))?;
        let on = parse_date(&f.on).map_err(|e| WebError::invalid("on", capitalise(&e.to_string())))?;
        let (p, s) = if f.direction == "successor" { (id, other.id) } else { (other.id, id) };
        state.store.add_lineage_link(&user.actor(), p, s, kind, on, &f.legal_act).await?;
        Ok("Đã thêm liên kết lịch sử".to_string())
    }
    .await;
    unit_outcome(&state, &user, id, r).await
}

#[derive(Deserialize)]
struct RemoveLinkForm {
    event_id: i64,
    predecessor: i64,
    successor: i64,
}

async fn remove_link(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<i64>,
    f: Result<CsrfForm<RemoveLinkForm>, WebError>,
) -> WebResult<Response> {
    // The role before the form's refusal: its ids are required fields.
    user.require(Action::Reorganise)?;
    let CsrfForm(f) = f.map_err(|e| match e {
        WebError::Invalid { .. } => WebError::invalid("event_id", "Biểu mẫu không hợp lệ: cần mã sự kiện, đơn vị trước và đơn vị sau"),
        other => other,
    })?;
    let r = state.store.remove_lineage_link(&user.actor(), f.event_id, f.predecessor, f.successor).await;
    unit_outcome(&state, &user, id, r.map(|_| "Đã xóa liên kết lịch sử".to_string()).map_err(Into::into)).await
}

// ---- Village import ----

#[derive(Template)]
#[template(path = "village_import.html")]
struct ImportPage {
    chrome: Chrome,
    errors: Vec<FieldError>,
    preview: Option<VillageImportPreview>,
    rows_json: String,
    lines: Vec<ImportLine>,
}

pub struct ImportLine {
    pub line: usize,
    pub status: &'static str,
    pub detail: String,
}

async fn import_form(user: CurrentUser) -> WebResult<Response> {
    user.require(Action::EditUnits)?;
    render(&ImportPage {
        chrome: Chrome::new("Nhập danh sách thôn", &user),
        errors: Vec::new(),
        preview: None,
        rows_json: String::new(),
        lines: Vec::new(),
    })
}

async fn import_template(user: CurrentUser) -> WebResult<Response> {
    user.require(Action::EditUnits)?;
    let body = format!("\u{feff}Mã xã,Tên thôn,Loại\n{},Thôn Đông,thôn\n", user.user.unit_code);
    Ok((
        [
            (axum::http::header::CONTENT_TYPE, "text/csv; charset=utf-8"),
            (axum::http::header::CONTENT_DISPOSITION, "attachment; filename=\"mau-nhap-thon.csv\""),
        ],
        body,
    )
        .into_response())
}

fn import_lines(p: &VillageImportPreview) -> Vec<ImportLine> {
    use hoctap_store::VillageRowStatus as S;
    p.rows
        .iter()
        .map(|(line, s)| match s {
            S::Create { commune, name, unit_type } => {
                ImportLine { line: *line, status: "Thêm mới", detail: format!("{unit_type} {name} — {commune}") }
            }
            S::Unchanged { code } => ImportLine { line: *line, status: "Đã có, giữ nguyên", detail: format!("mã {code}") },
            S::Reject { errors } => ImportLine {
                line: *line,
                status: "Lỗi",
                detail: errors.iter().map(|(c, m)| format!("Dòng {line}, cột {c}: {m}")).collect::<Vec<_>>().join("; "),
            },
        })
        .collect()
}

async fn import_preview(State(state): State<AppState>, user: CurrentUser, mp: Multipart) -> WebResult<Response> {
    user.require(Action::EditUnits)?;
    let upload = super::read_upload(mp).await?;
    user.check_csrf(upload.field("csrf"))?;
    let bytes = upload.bytes;
    let chrome = Chrome::new("Nhập danh sách thôn", &user);
    let rows = match village_rows(bytes.into()).await.map_err(WebError::from) {
        Ok(r) if r.is_empty() => Err(WebError::invalid("file", "Tệp không có dòng dữ liệu nào")),
        other => other,
    };
    let rows = match rows {
        Ok(r) => r,
        Err(e) => {
            let errors = super::field_error(&e).map(|x| vec![x]).ok_or(e)?;
            let page = ImportPage { chrome, errors, preview: None, rows_json: String::new(), lines: Vec::new() };
            return Ok((StatusCode::UNPROCESSABLE_ENTITY, Html(page.render()?)).into_response());
        }
    };
    let preview = state.store.import_villages(&user.actor(), &rows, user.scope(), hoctap_store::today(), true).await?;
    let rows_json = serde_json::to_string(&rows).map_err(WebError::internal)?;
    let lines = import_lines(&preview);
    render(&ImportPage { chrome, errors: Vec::new(), preview: Some(preview), rows_json, lines })
}

#[derive(Deserialize)]
struct ApplyForm {
    #[serde(default)]
    rows_json: String,
}

#[derive(Deserialize)]
struct RowIn {
    line: usize,
    commune_code: String,
    name: String,
    unit_type: String,
}

async fn import_apply(State(state): State<AppState>, user: CurrentUser, CsrfForm(f): CsrfForm<ApplyForm>) -> WebResult<Response> {
    user.require(Action::EditUnits)?;
    let rows: Vec<RowIn> =
        serde_json::from_str(&f.rows_json).map_err(|_| WebError::invalid("file", "Dữ liệu xem trước không hợp lệ; hãy tải tệp lên lại"))?;
    let rows: Vec<VillageImportRow> = rows
        .into_iter()
        .map(|r| VillageImportRow { line: r.line, commune_code: r.commune_code, name: r.name, unit_type: r.unit_type })
        .collect();
    // Everything is checked again: the preview may be stale or edited.
    let preview = state.store.import_villages(&user.actor(), &rows, user.scope(), hoctap_store::today(), false).await?;
    let lines = import_lines(&preview);
    let status = if preview.applied { StatusCode::OK } else { StatusCode::UNPROCESSABLE_ENTITY };
    let page = ImportPage {
        chrome: Chrome::new("Nhập danh sách thôn", &user),
        errors: Vec::new(),
        preview: Some(preview),
        rows_json: f.rows_json,
        lines,
    };
    Ok((status, Html(page.render()?)).into_response())
}

// ---- Reorganisation ----

#[derive(Template)]
#[template(path = "reorg.html")]
struct ReorgPage {
    chrome: Chrome,
    errors: Vec<FieldError>,
    form: ReorgForm,
    summary: Vec<String>,
    confirmed: bool,
    kinds: Vec<(&'static str, &'static str)>,
    types: Vec<&'static str>,
}

#[derive(Deserialize, Default, Clone)]
pub struct ReorgForm {
    #[serde(default)]
    pub kind: String,
    /// Codes of the units to act on, separated by commas or spaces.
    #[serde(default)]
    pub units: String,
    /// Existing target code, or empty to create one.
    #[serde(default)]
    pub target: String,
    #[serde(default)]
    pub new_code: String,
    #[serde(default)]
    pub new_name: String,
    #[serde(default)]
    pub new_type: String,
    #[serde(default)]
    pub parent: String,
    #[serde(default)]
    pub on: String,
    #[serde(default)]
    pub legal_act: String,
    #[serde(default)]
    pub confirm: Option<String>,
}

async fn reorg_form(user: CurrentUser) -> WebResult<Response> {
    user.require(Action::Reorganise)?;
    render(&reorg_page(&user, ReorgForm { kind: "merge".into(), ..Default::default() }, Vec::new(), Vec::new(), false))
}

fn reorg_page(user: &CurrentUser, form: ReorgForm, errors: Vec<FieldError>, summary: Vec<String>, confirmed: bool) -> ReorgPage {
    ReorgPage {
        chrome: Chrome::new("Sắp xếp đơn vị hành chính", user),
        errors,
        form,
        summary,
        confirmed,
        kinds: LineageKind::ALL.iter().map(|k| (k.code(), k.label())).collect(),
        types: UnitType::ALL.iter().map(|t| t.as_str()).collect(),
    }
}

async fn new_unit(state: &AppState, f: &ReorgForm, eve: Date) -> WebResult<NewUnit> {
    let code = UnitCode::parse(&f.new_code).map_err(|e| WebError::invalid("new_code", capitalise(&e.to_string())))?;
    let name = UnitName::parse(&f.new_name).map_err(|e| WebError::invalid("new_name", capitalise(&e.to_string())))?;
    let unit_type = UnitType::parse(&f.new_type).ok_or_else(|| WebError::invalid("new_type", "Chọn loại đơn vị mới"))?;
    let parent = if f.parent.trim().is_empty() {
        None
    } else {
        let c = UnitCode::parse(&f.parent).map_err(|e| WebError::invalid("parent", capitalise(&e.to_string())))?;
        Some(UnitId(
            state
                .store
                .unit_by_code(c.as_str(), eve)
                .await
                .map_err(|_| WebError::invalid("parent", format!("Không có đơn vị cấp trên mã {c}")))?
                .id,
        ))
    };
    Ok(NewUnit { code, name, unit_type, parent })
}

/// Builds the operation from the form, resolving codes valid on the effective date's eve.
pub async fn reorg_from_form(state: &AppState, f: &ReorgForm) -> WebResult<(Reorganisation, Date)> {
    let on = parse_date(&f.on).map_err(|e| WebError::invalid("on", capitalise(&e.to_string())))?;
    let eve = on.yesterday().map_err(WebError::internal)?;
    let resolve = |field: &'static str, code: String| async move {
        let c = UnitCode::parse(&code).map_err(|e| WebError::invalid(field, capitalise(&e.to_string())))?;
        state
            .store
            .unit_by_code(c.as_str(), eve)
            .await
            .map(|u| UnitId(u.id))
            .map_err(|_| WebError::invalid(field, format!("Không có đơn vị mã {c} còn hiệu lực ngày {}", format_vn(eve))))
    };
    let codes: Vec<String> = f.units.split([',', ' ', ';', '\n']).map(str::trim).filter(|s| !s.is_empty()).map(String::from).collect();
    let mut ids = Vec::new();
    for c in &codes {
        ids.push(resolve("units", c.clone()).await?);
    }
    let first = *ids.first().ok_or_else(|| WebError::invalid("units", "Nhập mã các đơn vị cần sắp xếp"))?;
    let op = match LineageKind::parse(&f.kind) {
        Some(LineageKind::Merge) => {
            let into = if f.target.trim().is_empty() {
                MergeTarget::New(new_unit(state, f, eve).await?)
            } else {
                MergeTarget::Existing(resolve("target", f.target.clone()).await?)
            };
            Reorganisation::Merge { predecessors: ids, into }
        }
        Some(LineageKind::Split) => {
            let parts: Vec<String> = f.target.split([',', ' ', ';']).map(str::trim).filter(|s| !s.is_empty()).map(String::from).collect();
            let mut targets = Vec::new();
            for p in parts {
                targets.push(MergeTarget::Existing(resolve("target", p).await?));
            }
            if !f.new_code.trim().is_empty() {
                targets.push(MergeTarget::New(new_unit(state, f, eve).await?));
            }
            Reorganisation::Split { unit: first, parts: targets, children: BTreeMap::new() }
        }
        Some(LineageKind::Rename) => Reorganisation::Rename {
            unit: first,
            name: UnitName::parse(&f.new_name).map_err(|e| WebError::invalid("new_name", capitalise(&e.to_string())))?,
        },
        Some(LineageKind::Reparent) => Reorganisation::Reparent { unit: first, parent: resolve("parent", f.parent.clone()).await? },
        Some(LineageKind::Abolish) => Reorganisation::Abolish { unit: first },
        None => return Err(WebError::invalid("kind", "Chọn loại sắp xếp")),
    };
    Ok((op, on))
}

async fn reorg_submit(State(state): State<AppState>, user: CurrentUser, CsrfForm(f): CsrfForm<ReorgForm>) -> WebResult<Response> {
    user.require(Action::Reorganise)?;
    let result: WebResult<(Vec<String>, bool)> = async {
        let (op, on) = reorg_from_form(&state, &f).await?;
        let plan = state.store.plan_reorganisation(&op, on, &f.legal_act).await?;
        let mut summary = vec![format!("{} có hiệu lực từ {}; căn cứ: {}", plan.kind.label(), format_vn(on), plan.legal_act)];
        for id in &plan.close_units {
            let u = state.store.unit(id.0).await?;
            summary.push(format!("Kết thúc: {} {} (hiệu lực đến {})", u.code, u.name, format_vn(on.yesterday().unwrap_or(on))));
        }
        for n in &plan.new_units {
            summary.push(format!("Thành lập: {} {} ({})", n.code, n.name, n.unit_type));
        }
        summary.push(format!(
            "Chuyển {} đơn vị trực thuộc sang đơn vị kế thừa; người dùng của đơn vị kết thúc chuyển theo.",
            plan.move_children.len()
        ));
        if f.confirm.as_deref() == Some("1") {
            state.store.reorganise(&user.actor(), &op, on, &f.legal_act).await?;
            return Ok((summary, true));
        }
        Ok((summary, false))
    }
    .await;
    match result {
        Ok((summary, confirmed)) => render(&reorg_page(&user, f, Vec::new(), summary, confirmed)),
        Err(e) => {
            let status = e.status();
            let errors = super::field_error(&e).map(|x| vec![x]).ok_or(e)?;
            let page = reorg_page(&user, f, errors, Vec::new(), false);
            Ok((status, Html(page.render()?)).into_response())
        }
    }
}
