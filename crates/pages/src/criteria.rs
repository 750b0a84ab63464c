//! The criteria catalogue (danh mục bộ tiêu chí): browse sets by subject and date with their
//! legal basis and confidence badges, a printable view, "thử chấm" to try an evaluation, and
//! for administrators: import from XLSX/TOML, export, correction of an unverified indicator.

use super::{Chrome, FieldError, capitalise, render};
use askama::Template;
use axum::extract::{Multipart, Path, Query, State};
use axum::http::{StatusCode, header};
use axum::response::{Html, IntoResponse, Response};
use hoctap_app::criteria::{Correction, apply_correction, set_from_upload, unverified_count};
use hoctap_app::dossiers::answers_from_form;
use hoctap_domain::access::Action;
use hoctap_domain::area::AreaAttribute;
use hoctap_domain::criteria::{Confidence, CriteriaSet, Evaluation, IndicatorKind, Method, SubjectKind};
use hoctap_domain::date::{format_vn, parse_date};
use hoctap_http::AppState;
use hoctap_http::auth::CsrfForm;
use hoctap_http::auth::CurrentUser;
use hoctap_http::error::{WebError, WebResult};
use hoctap_http::routes::{Routes, get, post};
use serde::Deserialize;
use std::collections::BTreeMap;

pub fn routes() -> Routes {
    Routes::new()
        .route("/tieu-chi", get(catalogue))
        .route("/tieu-chi/nhap", get(import_form).post(import))
        .route("/tieu-chi/{id}", get(show))
        .route("/tieu-chi/{id}/thu-cham", get(try_form).post(try_submit))
        .route("/tieu-chi/{id}/tai-ve.xlsx", get(export_xlsx))
        .route("/tieu-chi/{id}/tai-ve.toml", get(export_toml))
        .route("/tieu-chi/{id}/hieu-chinh", post(correct))
}

/// The badge shown beside an item whose source is not verified.
pub fn badge(c: Confidence) -> &'static str {
    match c {
        Confidence::Verified => "",
        Confidence::PartiallyRecalled => "cần đối chiếu",
        Confidence::Guessed => "chưa xác minh",
    }
}

fn period(set: &CriteriaSet) -> String {
    match set.legal_basis.effective_to {
        Some(to) => format!("{} – {}", format_vn(set.legal_basis.effective_from), format_vn(to)),
        None => format!("từ {}", format_vn(set.legal_basis.effective_from)),
    }
}

fn in_force(set: &CriteriaSet, on: jiff::civil::Date) -> bool {
    set.legal_basis.effective_from <= on && set.legal_basis.effective_to.is_none_or(|to| on <= to)
}

pub struct SetLine {
    pub id: String,
    pub version: String,
    pub title: String,
    pub subject: String,
    pub method: String,
    pub document: String,
    pub period: String,
    pub badge: &'static str,
    pub unverified: usize,
    pub in_force: bool,
}

#[derive(Template)]
#[template(path = "criteria_list.html")]
struct CataloguePage {
    chrome: Chrome,
    subjects: Vec<(&'static str, &'static str)>,
    subject: String,
    date_iso: String,
    date_vn: String,
    only_in_force: bool,
    lines: Vec<SetLine>,
}

#[derive(Deserialize, Default)]
struct CatalogueQuery {
    #[serde(default)]
    doi_tuong: String,
    #[serde(default)]
    ngay: Option<String>,
    #[serde(default)]
    hieu_luc: Option<String>,
}

fn method_label(m: Method) -> &'static str {
    match m {
        Method::Points => "Chấm điểm",
        Method::Levels => "Mức độ đạt",
    }
}

async fn catalogue(State(state): State<AppState>, user: CurrentUser, Query(q): Query<CatalogueQuery>) -> WebResult<Response> {
    let on = q
        .ngay
        .as_deref()
        .filter(|s| !s.trim().is_empty())
        .map(parse_date)
        .transpose()
        .map_err(|e| WebError::invalid("ngay", capitalise(&e.to_string())))?
        .unwrap_or_else(hoctap_store::today);
    let only_in_force = q.hieu_luc.is_some();
    let lines = state
        .store
        .criteria_sets()
        .await?
        .into_iter()
        .map(|s| s.set)
        .filter(|s| q.doi_tuong.is_empty() || s.subject.code() == q.doi_tuong)
        .filter(|s| !only_in_force || in_force(s, on))
        .map(|s| SetLine {
            id: s.id.clone(),
            version: s.version.clone(),
            title: s.title.clone(),
            subject: s.subject.label().to_string(),
            method: method_label(s.method).to_string(),
            document: s.legal_basis.document.clone(),
            period: period(&s),
            badge: badge(s.confidence),
            unverified: unverified_count(&s),
            in_force: in_force(&s, on),
        })
        .collect();
    render(&CataloguePage {
        chrome: Chrome::new("Bộ tiêu chí", &user),
        subjects: SubjectKind::ALL.iter().map(|s| (s.code(), s.label())).collect(),
        subject: q.doi_tuong,
        date_iso: on.to_string(),
        date_vn: format_vn(on),
        only_in_force,
        lines,
    })
}

pub struct IndicatorLine {
    pub id: String,
    pub name: String,
    pub kind: &'static str,
    pub measure: String,
    pub evidence: String,
    pub badge: &'static str,
    pub note: String,
}

pub struct CriterionBlock {
    pub id: String,
    pub name: String,
    pub max_points: String,
    pub badge: &'static str,
    pub indicators: Vec<IndicatorLine>,
}

/// A formula as an officer reads it: each variable by its name, `*` as `×`.
pub fn formula_in_words(set: &CriteriaSet, formula: &str) -> String {
    let mut out = String::new();
    let mut word = String::new();
    let flush = |word: &mut String, out: &mut String| {
        if !word.is_empty() {
            match set.variables.iter().find(|v| v.id == *word) {
                Some(v) => out.push_str(&format!("({})", v.name)),
                None => out.push_str(word),
            }
            word.clear();
        }
    };
    for c in formula.chars() {
        if c.is_alphanumeric() || c == '_' {
            word.push(c);
        } else {
            flush(&mut word, &mut out);
            out.push(if c == '*' { '×' } else { c });
        }
    }
    flush(&mut word, &mut out);
    out
}

fn measure(set: &CriteriaSet, i: &hoctap_domain::criteria::Indicator) -> String {
    let mut parts = Vec::new();
    if let Some(m) = i.max_points {
        parts.push(format!("tối đa {m} điểm"));
    }
    if let Some(f) = &i.formula {
        parts.push(format!("tính từ dữ liệu: {}", formula_in_words(set, f)));
    }
    for r in &i.requirements {
        let level = set.levels.iter().find(|l| l.id == r.level).map(|l| l.name.clone()).unwrap_or_else(|| r.level.clone());
        let mut t = level;
        if !r.area.is_empty() {
            t.push_str(&format!(" ({})", r.area.iter().map(|a| a.label()).collect::<Vec<_>>().join(", ")));
        }
        if let Some(x) = &r.at_least {
            t.push_str(&format!(": ≥ {x}{}", i.unit.as_deref().unwrap_or("")));
        }
        if let Some(x) = &r.at_most {
            t.push_str(&format!(": ≤ {x}{}", i.unit.as_deref().unwrap_or("")));
        }
        if let Some(c) = &r.condition {
            t.push_str(&format!(": {}", formula_in_words(set, c)));
        }
        if let Some(tx) = &r.text {
            t.push_str(&format!(" — {tx}"));
        }
        parts.push(t);
    }
    parts.join("; ")
}

fn kind_label(k: IndicatorKind) -> &'static str {
    match k {
        IndicatorKind::YesNo => "Đạt / không đạt",
        IndicatorKind::Number => "Số liệu",
        IndicatorKind::Points => "Điểm",
    }
}

fn blocks(set: &CriteriaSet) -> Vec<CriterionBlock> {
    set.criteria
        .iter()
        .map(|c| CriterionBlock {
            id: c.id.clone(),
            name: c.name.clone(),
            max_points: c.max_points.map(|p| p.to_string()).unwrap_or_default(),
            badge: badge(c.confidence),
            indicators: c
                .indicators
                .iter()
                .map(|i| IndicatorLine {
                    id: i.id.clone(),
                    name: i.name.clone(),
                    kind: kind_label(i.kind),
                    measure: measure(set, i),
                    evidence: i.evidence.join("; "),
                    badge: badge(i.confidence),
                    note: i.note.clone().unwrap_or_default(),
                })
                .collect(),
        })
        .collect()
}

/// Rules of the set in plain Vietnamese, for the header of the page.
fn rules(set: &CriteriaSet) -> Vec<String> {
    let mut out = Vec::new();
    if let Some(p) = &set.points {
        out.push(format!("Tổng điểm tối đa {}", p.max_total));
        if let Some(m) = p.pass_mark {
            out.push(format!("Đạt khi tổng điểm ≥ {m}"));
        }
        for a in &p.pass_mark_by_area {
            out.push(format!("{}: đạt khi ≥ {} điểm", a.area.iter().map(|x| x.label()).collect::<Vec<_>>().join(", "), a.pass_mark));
        }
        for f in &p.floors {
            let what = if f.scope == hoctap_domain::criteria::FloorScope::Indicator { "chỉ tiêu" } else { "tiêu chí" };
            if let Some(x) = f.at_least {
                out.push(format!("Không {what} nào dưới {x} điểm"));
            }
            if let Some(x) = f.above {
                out.push(format!("Mỗi {what} phải trên {x} điểm"));
            }
        }
    }
    for b in &set.bands {
        out.push(match b.min {
            Some(m) => format!("Xếp loại {}: từ {m} điểm", b.name),
            None => format!("Xếp loại {}: còn lại", b.name),
        });
    }
    for l in &set.levels {
        out.push(format!("{}{}: đạt mọi chỉ tiêu của mức", l.name, l.alias.as_deref().map(|a| format!(" ({a})")).unwrap_or_default()));
    }
    if let Some(u) = &set.timing.upgrade {
        out.push(format!("Đề nghị {} sau ít nhất {} tháng kể từ quyết định công nhận {}", u.to, u.min_months, u.from));
    }
    if let Some(m) = set.timing.validity_months {
        out.push(format!("Kết quả công nhận được bảo lưu {m} tháng"));
    }
    out
}

#[derive(Template)]
#[template(path = "criteria_set.html")]
struct SetPage {
    chrome: Chrome,
    set: CriteriaSet,
    subject: &'static str,
    method: &'static str,
    period: String,
    set_badge: &'static str,
    rules: Vec<String>,
    blocks: Vec<CriterionBlock>,
    versions: Vec<(String, String, String, String, bool)>,
    unverified: usize,
    errors: Vec<FieldError>,
    done: Option<String>,
    confidences: Vec<(&'static str, &'static str)>,
}

#[derive(Deserialize, Default)]
struct SetQuery {
    #[serde(default)]
    phien_ban: Option<String>,
}

async fn set_page(
    state: &AppState,
    user: Option<&CurrentUser>,
    id: &str,
    version: Option<&str>,
    errors: Vec<FieldError>,
    done: Option<String>,
) -> WebResult<SetPage> {
    let stored = state.store.criteria_set(id, version).await?;
    let set = stored.set;
    let versions = state
        .store
        .criteria_versions(id)
        .await?
        .into_iter()
        // Who loaded a version is for the logged-in only.
        .map(|v| {
            (
                v.set.version.clone(),
                v.source.clone(),
                hoctap_app::format::instant_vn(&v.loaded_at),
                if user.is_some() { v.loaded_by.clone() } else { String::new() },
                v.active,
            )
        })
        .collect();
    Ok(SetPage {
        chrome: match user {
            Some(u) => Chrome::new(set.title.clone(), u),
            None => Chrome { title: set.title.clone(), user: None, csrf: String::new() },
        },
        subject: set.subject.label(),
        method: method_label(set.method),
        period: period(&set),
        set_badge: badge(set.confidence),
        rules: rules(&set),
        blocks: blocks(&set),
        unverified: unverified_count(&set),
        versions,
        errors,
        done,
        confidences: Confidence::ALL.iter().map(|c| (c.code(), c.label())).collect(),
        set,
    })
}

/// Public, like the verification page: an Open Badges credential names this page as its
/// achievement and criteria, so anyone checking a credential can read what it required.
async fn show(
    State(state): State<AppState>,
    Path(id): Path<String>,
    Query(q): Query<SetQuery>,
    headers: axum::http::HeaderMap,
) -> WebResult<Response> {
    let user = hoctap_http::auth::current_user(&state, &headers).await?;
    let done = super::take_flash(&headers);
    let shown = done.is_some();
    super::render_with_flash(&set_page(&state, user.as_ref(), &id, q.phien_ban.as_deref(), Vec::new(), done).await?, shown)
}

// ---- Thử chấm ----

pub struct AnswerField {
    pub id: String,
    pub name: String,
    pub criterion: String,
    pub kind: &'static str,
    pub max: String,
    pub value: String,
    pub badge: &'static str,
    pub computed: bool,
}

#[derive(Template)]
#[template(path = "criteria_try.html")]
struct TryPage {
    chrome: Chrome,
    set: CriteriaSet,
    fields: Vec<AnswerField>,
    variables: Vec<(String, String, String)>,
    areas: Vec<(&'static str, &'static str, bool)>,
    tags: Vec<(String, String, bool)>,
    date_iso: String,
    previous_level: String,
    previous_date: String,
    errors: Vec<FieldError>,
    result: Option<Evaluation>,
    result_lines: Vec<(String, String, String, String, String)>,
}

fn try_page(
    user: &CurrentUser,
    set: CriteriaSet,
    form: &BTreeMap<String, Vec<String>>,
    errors: Vec<FieldError>,
    result: Option<Evaluation>,
) -> TryPage {
    let get = |k: &str| form.get(k).and_then(|v| v.first()).cloned().unwrap_or_default();
    let has = |k: &str, v: &str| form.get(k).is_some_and(|vals| vals.iter().any(|x| x == v));
    let fields = set
        .indicators()
        .map(|(c, i)| AnswerField {
            id: i.id.clone(),
            name: i.name.clone(),
            criterion: format!("{} {}", c.id, c.name),
            kind: i.kind.code(),
            max: i.max_points.map(|p| p.to_string()).unwrap_or_default(),
            value: get(&format!("a:{}", i.id)),
            badge: badge(i.confidence),
            computed: i.formula.is_some(),
        })
        .collect();
    let variables = set.variables.iter().map(|v| (v.id.clone(), v.name.clone(), get(&format!("d:{}", v.id)))).collect();
    let result_lines = result
        .as_ref()
        .map(|r| {
            r.explanation
                .iter()
                .map(|e| {
                    (
                        e.id.clone(),
                        e.name.clone(),
                        e.points
                            .map(|p| p.to_string())
                            .or_else(|| e.met.map(|m| if m { "Đạt".into() } else { "Không đạt".into() }))
                            .unwrap_or_default(),
                        e.rule.clone(),
                        e.missing.clone().unwrap_or_default(),
                    )
                })
                .collect()
        })
        .unwrap_or_default();
    TryPage {
        chrome: Chrome::new(format!("Thử chấm: {}", set.title), user),
        fields,
        variables,
        areas: AreaAttribute::ALL.iter().map(|a| (a.code(), a.label(), has("area", a.code()))).collect(),
        tags: set.tags.iter().map(|t| (t.id.clone(), t.name.clone(), has("tag", &t.id))).collect(),
        date_iso: Some(get("on")).filter(|s| !s.is_empty()).unwrap_or_else(|| hoctap_store::today().to_string()),
        previous_level: get("previous_level"),
        previous_date: get("previous_date"),
        errors,
        result,
        result_lines,
        set,
    }
}

async fn try_form(State(state): State<AppState>, user: CurrentUser, Path(id): Path<String>) -> WebResult<Response> {
    let set = state.store.criteria_set(&id, None).await?.set;
    render(&try_page(&user, set, &BTreeMap::new(), Vec::new(), None))
}

/// Groups form pairs by name, keeping repeated keys (checkbox groups).
fn form_map(pairs: Vec<(String, String)>) -> BTreeMap<String, Vec<String>> {
    let mut map: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for (k, v) in pairs {
        map.entry(k).or_default().push(v);
    }
    map
}

async fn try_submit(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<String>,
    CsrfForm(pairs): CsrfForm<Vec<(String, String)>>,
) -> WebResult<Response> {
    let form = form_map(pairs);
    let set = state.store.criteria_set(&id, None).await?.set;
    let on = form.get("on").and_then(|v| v.first()).map(|s| parse_date(s)).transpose();
    let (errors, result) = match (answers_from_form(&set, &form), on) {
        (Err(errors), _) => (errors, None),
        (_, Err(e)) => (vec![FieldError { field: "on".into(), message: capitalise(&e.to_string()) }], None),
        (Ok(answers), Ok(on)) => match set.evaluate(&answers, on.unwrap_or_else(hoctap_store::today)) {
            Ok(r) => (Vec::new(), Some(r)),
            Err(hoctap_domain::criteria::EvalError::Answers(list)) => {
                (list.iter().map(|e| FieldError { field: String::new(), message: capitalise(&e.to_string()) }).collect(), None)
            }
            Err(e) => (vec![FieldError { field: "on".into(), message: capitalise(&e.to_string()) }], None),
        },
    };
    let status = if errors.is_empty() { StatusCode::OK } else { StatusCode::UNPROCESSABLE_ENTITY };
    let page = try_page(&user, set, &form, errors, result);
    Ok((status, Html(page.render()?)).into_response())
}

// ---- Export, import, correction ----

async fn export_xlsx(
    State(state): State<AppState>,
    _user: CurrentUser,
    Path(id): Path<String>,
    Query(q): Query<SetQuery>,
) -> WebResult<Response> {
    let set = state.store.criteria_set(&id, q.phien_ban.as_deref()).await?.set;
    let bytes = hoctap_docs::criteria_xlsx::export_set(&set).map_err(WebError::internal)?;
    let name = format!("attachment; filename=\"{}-{}.xlsx\"", set.id, set.version);
    Ok((
        [
            (header::CONTENT_TYPE, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet".to_string()),
            (header::CONTENT_DISPOSITION, name),
        ],
        bytes,
    )
        .into_response())
}

async fn export_toml(
    State(state): State<AppState>,
    _user: CurrentUser,
    Path(id): Path<String>,
    Query(q): Query<SetQuery>,
) -> WebResult<Response> {
    let set = state.store.criteria_set(&id, q.phien_ban.as_deref()).await?.set;
    let body = set.to_toml().map_err(WebError::internal)?;
    let name = format!("attachment; filename=\"{}-{}.toml\"", set.id, set.version);
    Ok(([(header::CONTENT_TYPE, "application/toml; charset=utf-8".to_string()), (header::CONTENT_DISPOSITION, name)], body).into_response())
}

#[derive(Template)]
#[template(path = "criteria_import.html")]
struct ImportPage {
    chrome: Chrome,
    errors: Vec<FieldError>,
}

async fn import_form(user: CurrentUser) -> WebResult<Response> {
    user.require(Action::Reorganise)?;
    render(&ImportPage { chrome: Chrome::new("Nhập bộ tiêu chí", &user), errors: Vec::new() })
}

async fn import(State(state): State<AppState>, user: CurrentUser, mp: Multipart) -> WebResult<Response> {
    user.require(Action::Reorganise)?;
    let upload = super::read_upload(mp).await?;
    user.check_csrf(upload.field("csrf"))?;
    let bytes = upload.bytes;
    let result = async {
        if bytes.is_empty() {
            return Err(WebError::invalid("file", "Chọn một tệp"));
        }
        let set = set_from_upload(bytes).await?;
        let outcome = state.store.save_criteria_set(&user.actor(), &set, "imported").await?;
        Ok((set, outcome))
    }
    .await;
    let result = result.map(|(set, outcome)| {
        let msg = match outcome {
            hoctap_store::SaveOutcome::Created => format!("Đã nhập phiên bản {}", set.version),
            hoctap_store::SaveOutcome::Unchanged => format!("Phiên bản {} đã có, không thay đổi", set.version),
        };
        (format!("/tieu-chi/{}", set.id), msg)
    });
    super::after_post(&state, result, |errors| {
        std::future::ready(Ok(ImportPage { chrome: Chrome::new("Nhập bộ tiêu chí", &user), errors }))
    })
    .await
}

async fn correct(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<String>,
    CsrfForm(c): CsrfForm<Correction>,
) -> WebResult<Response> {
    user.require(Action::Reorganise)?;
    let result = async {
        let set = state.store.criteria_set(&id, None).await?.set;
        let corrected = apply_correction(set, &c)?;
        state.store.save_criteria_set(&user.actor(), &corrected, "corrected").await?;
        Ok::<_, WebError>(corrected.version)
    }
    .await;
    super::after_post(&state, result.map(|v| (format!("/tieu-chi/{id}"), format!("Đã lưu phiên bản {v}"))), |errors| {
        set_page(&state, Some(&user), &id, None, errors, None)
    })
    .await
}
