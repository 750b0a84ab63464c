//! The annual report (báo cáo kết quả xây dựng xã hội học tập) each level owes its superior:
//! tables filled from the counters (so a parent's numbers are its children's, summed), the
//! narrative sections the officer writes, the children's submission status, the due date of
//! the jurisdiction; DOCX and PDF in the Nghị định 30/2020 layout and XLSX of every table.

use super::{Chrome, FieldError, XLSX, download, file_response};
use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Redirect, Response};
use hoctap_app::dashboard::{DashQuery, Dashboard, Place, build, shown};
use hoctap_docs::report_doc::{ReportDoc, ReportSection, ReportTable};
use hoctap_domain::access::Action;
use hoctap_domain::unit::UnitKind;
use hoctap_http::AppState;
use hoctap_http::auth::CsrfForm;
use hoctap_http::auth::CurrentUser;
use hoctap_http::error::{WebError, WebResult};
use hoctap_http::routes::{Routes, get};
use hoctap_store::{ReportRow, UnitRow};
use serde::Deserialize;
use std::collections::BTreeMap;

pub fn routes() -> Routes {
    Routes::new()
        .route("/bao-cao", get(home))
        .route("/bao-cao/{unit}", get(page).post(save))
        .route("/bao-cao/{unit}/bao-cao.docx", get(docx))
        .route("/bao-cao/{unit}/bao-cao.pdf", get(pdf))
        .route("/bao-cao/{unit}/bao-cao.xlsx", get(xlsx))
}

/// The narrative sections: (id, heading in the document, hint on the form).
pub const SECTIONS: [(&str, &str, &str); 5] = [
    ("tinh_hinh", "I. ĐẶC ĐIỂM, TÌNH HÌNH", "Đặc điểm địa bàn, công tác lãnh đạo, chỉ đạo, ban hành văn bản, tuyên truyền"),
    ("ket_qua", "II. KẾT QUẢ THỰC HIỆN", "Đánh giá chung kết quả; các số liệu dưới đây được điền tự động từ dữ liệu"),
    ("han_che", "III. TỒN TẠI, HẠN CHẾ VÀ NGUYÊN NHÂN", "Những chỉ tiêu chưa đạt và nguyên nhân"),
    ("phuong_huong", "IV. PHƯƠNG HƯỚNG, NHIỆM VỤ NĂM TỚI", "Nhiệm vụ, giải pháp trọng tâm"),
    ("kien_nghi", "V. KIẾN NGHỊ, ĐỀ XUẤT", "Kiến nghị với cấp trên"),
];

/// A child unit and whether it has sent its report.
pub struct ChildStatus {
    pub id: i64,
    pub name: String,
    pub submitted_at: Option<String>,
}

struct ReportView {
    d: std::sync::Arc<Dashboard>,
    report: Option<ReportRow>,
    due: jiff::civil::Date,
    children: Vec<ChildStatus>,
    signer_name: String,
    superior: Option<UnitRow>,
}

impl ReportView {
    fn submitted_count(&self) -> usize {
        self.children.iter().filter(|c| c.submitted_at.is_some()).count()
    }

    fn child_noun(&self) -> &'static str {
        match self.d.unit.as_ref().map(|u| u.kind) {
            None => "tỉnh",
            Some(UnitKind::Province) | Some(UnitKind::District) => "xã",
            _ => "thôn",
        }
    }

    fn section(&self, id: &str) -> String {
        self.report.as_ref().and_then(|r| r.sections.get(id).cloned()).unwrap_or_default()
    }
}

/// The jurisdiction's due date of a unit's annual report: the first rule found from the unit up
/// through `ancestors` (as `Store::ancestors` lists them, the province first).
pub fn report_due(unit: Option<&UnitRow>, ancestors: &[UnitRow], year: i16) -> jiff::civil::Date {
    let chain: Vec<&str> = unit.iter().map(|u| u.code.as_str()).chain(ancestors.iter().rev().map(|a| a.code.as_str())).collect();
    hoctap_domain::plan::report_due_in(&chain, year)
}

async fn view(state: &AppState, user: &CurrentUser, place: Place, q: &DashQuery) -> WebResult<ReportView> {
    let d = build(&state.store, user, place, q).await?;
    let today = hoctap_store::today();
    // The unit's report, the units that owe it theirs, its superior and its due date.
    let (report, kids) = match &d.unit {
        Some(u) => {
            let kids = if u.kind == UnitKind::Village {
                Vec::new()
            } else {
                state.store.children(u.id, today).await?.into_iter().filter(|k| k.kind != UnitKind::Village).collect()
            };
            (state.store.annual_report(u.id, d.year).await?, kids)
        }
        None => (None, state.store.provinces(today).await?),
    };
    let ids: Vec<i64> = kids.iter().map(|k| k.id).collect();
    let sent = state.store.reports_submitted(&ids, d.year).await?;
    let children = kids
        .into_iter()
        .map(|k| ChildStatus { submitted_at: sent.get(&k.id).map(|s| hoctap_app::format::instant_vn(s)), id: k.id, name: k.name })
        .collect();
    let due = report_due(d.unit.as_ref(), &d.ancestors, d.year);
    let superior = d.ancestors.last().cloned();
    let signer_name = report.as_ref().and_then(|r| r.sections.get("nguoi_ky").cloned()).unwrap_or_default();
    Ok(ReportView { d, report, due, children, signer_name, superior })
}

/// A row of the models table: (name, recognised metric, total metric, indicator).
const MODELS: [(&str, &str, &str, &str); 6] = [
    ("Gia đình học tập", "rec_gdht", "households", "gdht_rate"),
    ("Dòng họ học tập", "rec_dhht", "clans", "dhht_rate"),
    ("Cộng đồng học tập cấp thôn", "rec_cdht_thon", "villages", "cdht_thon_rate"),
    ("Đơn vị học tập", "rec_dvht", "organisations", "dvht_rate"),
    ("Công dân học tập", "rec_cdht", "citizens", "cdht_rate"),
    ("Cộng đồng học tập cấp xã", "rec_cdht_xa", "communes", "cdht_xa_rate"),
];

fn int(m: &BTreeMap<String, i64>, k: &str) -> String {
    hoctap_app::format::int_vn(m.get(k).copied().unwrap_or(0))
}

/// The report's tables, from the dashboard's numbers.
fn tables(v: &ReportView) -> Vec<ReportTable> {
    let s = |x: &str| x.to_string();
    let m = &v.d.metrics;
    let line = |id: &str| v.d.lines.iter().find(|l| l.indicator.id == id);
    let models = MODELS
        .iter()
        .enumerate()
        .filter(|(_, (_, _, _, ind))| line(ind).is_some())
        .map(|(i, (name, rec, total, ind))| {
            let l = line(ind);
            vec![
                (i + 1).to_string(),
                s(name),
                int(m, rec),
                int(m, total),
                l.map(|l| l.shown.clone()).unwrap_or_default(),
                l.map(|l| l.target_shown.clone()).unwrap_or_default(),
                l.map(|l| s(l.light_label())).unwrap_or_default(),
            ]
        })
        .collect();
    let targets =
        v.d.lines
            .iter()
            .enumerate()
            .map(|(i, l)| {
                vec![
                    (i + 1).to_string(),
                    l.indicator.name.clone(),
                    l.shown.clone(),
                    l.target_shown.clone(),
                    l.gap_shown.clone(),
                    if l.path_shown.is_empty() { s(l.light_label()) } else { format!("{}, {}", l.light_label(), l.path_shown) },
                ]
            })
            .collect();
    let centres = vec![
        vec![s("1"), s("Số trung tâm học tập cộng đồng"), int(m, "learning_centres")],
        vec![s("2"), s("Trung tâm ứng dụng CNTT trong quản lý, dạy học"), int(m, "learning_centres_it")],
        vec![s("3"), s("Trung tâm có Chủ tịch Hội Khuyến học xã tham gia quản lý"), int(m, "learning_centres_hkh_chair")],
    ];
    // A rate in the tables is the indicator's figure, the same as on the dashboard (also for a
    // level whose dashboard does not list it).
    let figure = |id: &str| match line(id) {
        Some(l) => l.shown.clone(),
        None => hoctap_domain::indicator::shipped_indicator(id)
            .and_then(|i| i.figure(m).value.map(|v| shown(&i, v)))
            .unwrap_or_else(|| "—".to_string()),
    };
    let association = vec![
        vec![s("1"), s("Số hội viên khuyến học"), int(m, "association_members")],
        vec![s("2"), s("Số công dân trong sổ (dân số)"), int(m, "citizens")],
        vec![s("3"), s("Tỷ lệ hội viên khuyến học trên tổng dân số"), figure("hkh_membership_rate")],
        vec![s("4"), s("Thu quỹ khuyến học trong năm (đồng)"), int(m, "fund_receipts")],
        vec![s("5"), s("Chi quỹ khuyến học trong năm (đồng)"), int(m, "fund_payments")],
        vec![s("6"), s("Bình quân quỹ khuyến học trên đầu người"), figure("fund_per_capita")],
    ];
    let mut out = vec![
        ReportTable {
            caption: s("Bảng 1. Kết quả xây dựng các mô hình học tập"),
            header: ["STT", "Mô hình", "Được công nhận", "Tổng số", "Tỷ lệ", "Chỉ tiêu", "Đánh giá"].map(s).to_vec(),
            rows: models,
        },
        ReportTable {
            caption: s("Bảng 2. Thực hiện các chỉ tiêu kế hoạch"),
            header: ["STT", "Chỉ số", "Kết quả", "Chỉ tiêu", "Chênh lệch", "Đánh giá"].map(s).to_vec(),
            rows: targets,
        },
        ReportTable {
            caption: s("Bảng 3. Trung tâm học tập cộng đồng"),
            header: ["STT", "Nội dung", "Số lượng"].map(s).to_vec(),
            rows: centres,
        },
        ReportTable {
            caption: s("Bảng 4. Hội Khuyến học và quỹ khuyến học"),
            header: ["STT", "Nội dung", "Số liệu"].map(s).to_vec(),
            rows: association,
        },
    ];
    if !v.children.is_empty() {
        out.push(ReportTable {
            caption: format!(
                "Bảng 5. Tình hình gửi báo cáo của cấp dưới: đã gửi {}/{} {}",
                v.submitted_count(),
                v.children.len(),
                v.child_noun()
            ),
            header: ["STT", "Đơn vị", "Đã gửi báo cáo"].map(s).to_vec(),
            rows: v
                .children
                .iter()
                .enumerate()
                .map(|(i, c)| vec![(i + 1).to_string(), c.name.clone(), c.submitted_at.clone().unwrap_or_else(|| s("Chưa gửi"))])
                .collect(),
        });
    }
    out
}

/// The document: header of the unit, sections with the officer's text and the tables.
fn document(v: &ReportView) -> ReportDoc {
    let (authority_lines, place, signer_title) = match &v.d.unit {
        Some(u) => {
            let short = u
                .name
                .split_once(' ')
                .map(|(kind, rest)| {
                    if ["Xã", "Phường", "Thị", "Tỉnh", "Thành", "Đặc", "Huyện", "Quận"].contains(&kind) {
                        rest.to_string()
                    } else {
                        u.name.clone()
                    }
                })
                .unwrap_or_else(|| u.name.clone());
            (
                vec!["ỦY BAN NHÂN DÂN".to_string(), u.name.to_uppercase()],
                short.trim_start_matches("phố ").trim_start_matches("trấn ").trim_start_matches("khu ").to_string(),
                "TM. ỦY BAN NHÂN DÂN\nCHỦ TỊCH".to_string(),
            )
        }
        None => (vec!["BỘ GIÁO DỤC VÀ ĐÀO TẠO".to_string()], "Hà Nội".to_string(), "BỘ TRƯỞNG".to_string()),
    };
    let all_tables = tables(v);
    let mut sections = Vec::new();
    for (id, heading, _) in SECTIONS {
        let heading =
            if id == "phuong_huong" { format!("IV. PHƯƠNG HƯỚNG, NHIỆM VỤ NĂM {}", v.d.year + 1) } else { heading.to_string() };
        let text = v.section(id);
        let tables = if id == "ket_qua" { all_tables.clone() } else { Vec::new() };
        sections.push(ReportSection { heading, paragraphs: if text.trim().is_empty() { Vec::new() } else { vec![text] }, tables });
    }
    let mut recipients = Vec::new();
    if let Some(s) = &v.superior {
        recipients.push(format!("UBND {} (b/c);", s.name));
    }
    recipients.push("Lưu: VT.".to_string());
    ReportDoc {
        authority_lines,
        number: "     /BC-UBND".to_string(),
        place,
        date: v
            .report
            .as_ref()
            .filter(|r| r.submitted)
            .and_then(|r| r.submitted_at.parse::<jiff::Timestamp>().ok())
            .map(|t| t.to_zoned_datetime(hoctap_store::vn_tz()).date())
            .unwrap_or_else(hoctap_store::today),
        summary: format!("Kết quả xây dựng xã hội học tập năm {}", v.d.year),
        sections,
        recipients,
        signer_title,
        signer_name: v.signer_name.clone(),
    }
}

#[derive(Template)]
#[template(path = "report.html")]
struct ReportPage {
    chrome: Chrome,
    v: ReportView,
    tables: Vec<ReportTable>,
    sections: Vec<(&'static str, String, &'static str, String)>,
    can_edit: bool,
    due: String,
    days_left: i64,
    done: Option<String>,
    slug: String,
    errors: Vec<FieldError>,
}

async fn home(user: CurrentUser) -> WebResult<Response> {
    user.require(Action::ReadLocal)?;
    let to = user.scope().map(|id| id.to_string()).unwrap_or_else(|| "ca-nuoc".into());
    Ok(Redirect::to(&format!("/bao-cao/{to}")).into_response())
}

fn may_write(user: &CurrentUser, place: Place) -> bool {
    place.id().is_some() && matches!(user.user.role, hoctap_domain::access::Role::UnitOfficer | hoctap_domain::access::Role::SystemAdmin)
}

async fn page(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(unit): Path<String>,
    Query(q): Query<DashQuery>,
    headers: HeaderMap,
) -> WebResult<Response> {
    let place = Place::parse(&unit)?;
    let done = super::take_flash(&headers);
    let shown = done.is_some();
    let page = report_page(&state, &user, place, &q, done, Vec::new(), None).await?;
    super::render_with_flash(&page, shown)
}

/// The page; `typed` keeps what was sent when it is shown again with errors.
async fn report_page(
    state: &AppState,
    user: &CurrentUser,
    place: Place,
    q: &DashQuery,
    done: Option<String>,
    errors: Vec<FieldError>,
    typed: Option<&BTreeMap<String, String>>,
) -> WebResult<ReportPage> {
    let mut v = view(state, user, place, q).await?;
    if let Some(t) = typed {
        v.signer_name = t.get("nguoi_ky").cloned().unwrap_or_default();
    }
    let sections = SECTIONS
        .iter()
        .map(|(id, heading, hint)| {
            (*id, heading.to_string(), *hint, typed.and_then(|t| t.get(*id).cloned()).unwrap_or_else(|| v.section(id)))
        })
        .collect();
    let can_edit = may_write(user, place) && !v.report.as_ref().is_some_and(|r| r.submitted);
    Ok(ReportPage {
        chrome: Chrome::new(format!("Báo cáo năm {}", v.d.year), user),
        tables: tables(&v),
        sections,
        can_edit,
        due: hoctap_domain::date::format_vn(v.due),
        days_left: (v.due - hoctap_store::today()).get_days().into(),
        done,
        slug: place.slug(),
        errors,
        v,
    })
}

#[derive(Deserialize)]
struct SaveForm {
    #[serde(default)]
    nam: i16,
    #[serde(default)]
    action: String,
    #[serde(flatten)]
    rest: BTreeMap<String, String>,
}

async fn save(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(unit): Path<String>,
    CsrfForm(f): CsrfForm<SaveForm>,
) -> WebResult<Response> {
    let place = Place::parse(&unit)?;
    if !may_write(&user, place) {
        return Err(WebError::Forbidden);
    }
    let Some(id) = place.id() else { return Err(WebError::Forbidden) };
    user.require_sees(&state.store, id, "đơn vị").await?;
    if !(2000..=2100).contains(&f.nam) {
        return Err(WebError::invalid("nam", "Năm báo cáo không hợp lệ"));
    }
    let mut sections = BTreeMap::new();
    for (sid, heading, _) in SECTIONS {
        let text = hoctap_domain::text::narrative(f.rest.get(sid).map_or("", String::as_str), 20_000)
            .map_err(|e| WebError::invalid(sid, format!("{heading}: {e}")))?;
        sections.insert(sid.to_string(), text);
    }
    let signer = hoctap_domain::text::line(f.rest.get("nguoi_ky").map_or("", String::as_str), 100)
        .map_err(|e| WebError::invalid("nguoi_ky", format!("Người ký: {e}")))?;
    let submit = f.action == "gui";
    sections.insert("nguoi_ky".to_string(), signer.clone());
    let result = if submit && signer.is_empty() {
        Err(WebError::invalid("nguoi_ky", "Người ký: cần ghi họ tên trước khi gửi báo cáo"))
    } else {
        state.store.save_annual_report(&user.actor(), id, f.nam, &sections, submit).await.map_err(WebError::from)
    };
    if let Err(e) = result {
        let status = e.status();
        let errors = super::field_error(&e).map(|x| vec![x]).ok_or(e)?;
        let q = DashQuery { nam: Some(f.nam), ..DashQuery::default() };
        let page = report_page(&state, &user, place, &q, None, errors, Some(&sections)).await?;
        return Ok((status, axum::response::Html(page.render()?)).into_response());
    }
    let message = if submit { "Đã gửi báo cáo lên cấp trên" } else { "Đã lưu bản nháp báo cáo" };
    Ok(super::flash_redirect(&state, &format!("/bao-cao/{id}?nam={}", f.nam), message))
}

fn file_name(v: &ReportView, ext: &str) -> String {
    let code = v.d.unit.as_ref().map(|u| u.code.clone()).unwrap_or_else(|| "VN".into());
    format!("bao-cao-xhht-{code}-{}.{ext}", v.d.year)
}

async fn docx(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(unit): Path<String>,
    Query(q): Query<DashQuery>,
) -> WebResult<Response> {
    let v = view(&state, &user, Place::parse(&unit)?, &q).await?;
    let bytes = hoctap_docs::report_doc::report_docx(&document(&v)).map_err(WebError::internal)?;
    Ok(download(bytes, "application/vnd.openxmlformats-officedocument.wordprocessingml.document", &file_name(&v, "docx")))
}

async fn pdf(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(unit): Path<String>,
    Query(q): Query<DashQuery>,
) -> WebResult<Response> {
    let v = view(&state, &user, Place::parse(&unit)?, &q).await?;
    let bytes = hoctap_docs::report_doc::report_pdf(&document(&v)).map_err(WebError::internal)?;
    Ok(file_response(bytes, "application/pdf", "inline", &file_name(&v, "pdf")))
}

async fn xlsx(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(unit): Path<String>,
    Query(q): Query<DashQuery>,
) -> WebResult<Response> {
    let v = view(&state, &user, Place::parse(&unit)?, &q).await?;
    let sheets: Vec<hoctap_docs::registry_xlsx::Table> = tables(&v)
        .into_iter()
        .enumerate()
        .map(|(i, t)| hoctap_docs::registry_xlsx::Table { sheet: format!("Bang {}", i + 1), header: t.header, rows: t.rows })
        .collect();
    let bytes = hoctap_docs::registry_xlsx::tables_xlsx(&sheets).map_err(WebError::internal)?;
    Ok(download(bytes, XLSX, &file_name(&v, "xlsx")))
}

/// The text of the report as DOCX (tests).
pub async fn report_text(state: &AppState, user: &CurrentUser, place: Place, year: i16) -> WebResult<String> {
    let q = DashQuery { nam: Some(year), ..DashQuery::default() };
    let v = view(state, user, place, &q).await?;
    let bytes = hoctap_docs::report_doc::report_docx(&document(&v)).map_err(WebError::internal)?;
    hoctap_docs::decision_docx::docx_text(&bytes).map_err(WebError::internal)
}
