//! The reports of an emulation movement (/thi-dua/{id}/bao-cao, /thi-dua/{id}/so-ket): the
//! annual report a unit owes (Bình Dương: before 20/11 to the Sở GDĐT, from the movement's
//! data) and the phase reviews (sơ kết 2023–2025, tổng kết 2026–2030). Tables computed from
//! the movement (participants by actor type, achievements and initiatives, nominations by
//! state, rewards by form, year and unit), narrative sections the officer writes; DOCX and PDF
//! in the Nghị định 30 layout, XLSX of the tables.

use super::movement::{actor_label, form_label};
use super::{Chrome, FieldError, XLSX, download, file_response, render_with_flash, take_flash};
use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::HeaderMap;
use axum::response::Response;
use hoctap_app::movement::visible_movement;
use hoctap_docs::report_doc::{ReportDoc, ReportSection, ReportTable};
use hoctap_domain::access::Role;
use hoctap_domain::date::format_vn;
use hoctap_domain::emulation::{ActorType, Phase};
use hoctap_http::AppState;
use hoctap_http::auth::CsrfForm;
use hoctap_http::auth::CurrentUser;
use hoctap_http::error::{WebError, WebResult};
use hoctap_http::routes::{Routes, get};
use hoctap_store::{MovementReportRow, MovementRow, UnitRow};
use serde::Deserialize;
use std::collections::BTreeMap;

pub fn routes() -> Routes {
    Routes::new()
        .route("/thi-dua/{id}/bao-cao", get(page_annual).post(save_annual))
        .route("/thi-dua/{id}/bao-cao.docx", get(docx_annual))
        .route("/thi-dua/{id}/bao-cao.pdf", get(pdf_annual))
        .route("/thi-dua/{id}/bao-cao.xlsx", get(xlsx_annual))
        .route("/thi-dua/{id}/so-ket", get(page_phase).post(save_phase))
        .route("/thi-dua/{id}/so-ket.docx", get(docx_phase))
        .route("/thi-dua/{id}/so-ket.pdf", get(pdf_phase))
        .route("/thi-dua/{id}/so-ket.xlsx", get(xlsx_phase))
}

/// The narrative sections: (id, heading, hint).
pub const SECTIONS: [(&str, &str, &str); 5] = [
    ("chi_dao", "I. CÔNG TÁC CHỈ ĐẠO, TRIỂN KHAI", "Ban hành kế hoạch, tuyên truyền, phát động phong trào"),
    ("ket_qua", "II. KẾT QUẢ THỰC HIỆN PHONG TRÀO", "Đánh giá chung; các bảng số liệu dưới đây được điền tự động từ dữ liệu phong trào"),
    ("han_che", "III. TỒN TẠI, HẠN CHẾ VÀ NGUYÊN NHÂN", "Những nội dung chưa đạt và nguyên nhân"),
    ("phuong_huong", "IV. PHƯƠNG HƯỚNG, NHIỆM VỤ", "Nhiệm vụ, giải pháp trọng tâm thời gian tới"),
    ("kien_nghi", "V. KIẾN NGHỊ, ĐỀ XUẤT", "Kiến nghị với cấp trên"),
];

/// Which report: the year's, or a phase's review.
#[derive(Clone)]
enum Which {
    Annual(i16),
    Phase(Phase),
}

impl Which {
    fn key(&self) -> (String, i64) {
        match self {
            Which::Annual(y) => ("nam".into(), i64::from(*y)),
            Which::Phase(p) => (p.id.clone(), i64::from(p.review_year)),
        }
    }

    fn years(&self) -> (i64, i64) {
        match self {
            Which::Annual(y) => (i64::from(*y), i64::from(*y)),
            Which::Phase(p) => (i64::from(p.from), i64::from(p.to)),
        }
    }

    fn path(&self, id: i64) -> String {
        match self {
            Which::Annual(y) => format!("/thi-dua/{id}/bao-cao?nam={y}"),
            Which::Phase(p) => format!("/thi-dua/{id}/so-ket?giai_doan={}", p.id),
        }
    }

    fn file(&self, id: i64, ext: &str) -> String {
        match self {
            Which::Annual(y) => format!("/thi-dua/{id}/bao-cao.{ext}?nam={y}"),
            Which::Phase(p) => format!("/thi-dua/{id}/so-ket.{ext}?giai_doan={}", p.id),
        }
    }

    fn summary(&self, m: &MovementRow) -> String {
        match self {
            Which::Annual(y) => format!("Kết quả thực hiện Phong trào thi đua “{}” năm {y}", m.movement.title),
            Which::Phase(p) => format!("{} thực hiện Phong trào thi đua “{}”", p.review_name, m.movement.title),
        }
    }
}

#[derive(Deserialize, Default)]
pub struct ReportQuery {
    #[serde(default)]
    pub nam: Option<i16>,
    #[serde(default)]
    pub giai_doan: Option<String>,
}

fn annual(m: &MovementRow, q: &ReportQuery) -> WebResult<Which> {
    let year = q.nam.unwrap_or_else(|| hoctap_store::today().year());
    if year < m.movement.period.from || year > m.movement.period.to {
        return Err(WebError::invalid("nam", format!("Phong trào diễn ra từ {} đến {}", m.movement.period.from, m.movement.period.to)));
    }
    Ok(Which::Annual(year))
}

fn phase(m: &MovementRow, q: &ReportQuery) -> WebResult<Which> {
    let p = match q.giai_doan.as_deref().filter(|g| !g.is_empty()) {
        Some(g) => m
            .movement
            .phases
            .iter()
            .find(|p| p.id == g)
            .ok_or_else(|| WebError::invalid("giai_doan", format!("Phong trào không có giai đoạn {g}")))?,
        None => m
            .movement
            .phase_of(hoctap_store::today().year())
            .or_else(|| m.movement.phases.first())
            .ok_or(WebError::NotFound("giai đoạn"))?,
    };
    Ok(Which::Phase(p.clone()))
}

struct View {
    m: MovementRow,
    which: Which,
    unit: UnitRow,
    report: Option<MovementReportRow>,
    tables: Vec<ReportTable>,
}

impl View {
    fn section(&self, id: &str) -> String {
        self.report.as_ref().and_then(|r| r.sections.get(id).cloned()).unwrap_or_default()
    }
}

/// The unit whose report it is: the user's own (scope), or the launching unit for a national user.
async fn view(
    state: &AppState,
    user: &CurrentUser,
    id: i64,
    pick: fn(&MovementRow, &ReportQuery) -> WebResult<Which>,
    q: &ReportQuery,
) -> WebResult<View> {
    let m = visible_movement(&state.store, user, id).await?;
    let which = pick(&m, q)?;
    let unit = state.store.unit(user.scope().unwrap_or(m.unit_id)).await?;
    let (kind, year) = which.key();
    let report = state.store.movement_report(m.id, unit.id, &kind, year).await?;
    let tables = tables(state, &m, unit.id, &which).await?;
    Ok(View { m, which, unit, report, tables })
}

/// The report's tables, from the movement's data inside the unit.
async fn tables(state: &AppState, m: &MovementRow, unit: i64, which: &Which) -> WebResult<Vec<ReportTable>> {
    let s = |x: &str| x.to_string();
    let today = hoctap_store::today();
    let (from, to) = which.years();
    let scope = Some(unit);
    let participants = state.store.participants(m.id, scope, today).await?;
    let by_actor: Vec<Vec<String>> = ActorType::ALL
        .iter()
        .map(|a| (a.label(), participants.iter().filter(|p| p.actor_type == a.code()).count()))
        .filter(|(_, n)| *n > 0)
        .enumerate()
        .map(|(i, (label, n))| vec![(i + 1).to_string(), s(label), n.to_string()])
        .chain(std::iter::once(vec![String::new(), s("Tổng số"), participants.len().to_string()]))
        .collect();
    let mut achievements: BTreeMap<i64, [i64; 3]> = BTreeMap::new();
    for (year, kind, n) in state.store.achievement_counts(m.id, scope, today, from, to).await? {
        let slot = match kind.as_str() {
            "sang_kien" => 0,
            "thanh_tich" => 1,
            _ => 2,
        };
        achievements.entry(year).or_default()[slot] += n;
    }
    let achievements = achievements
        .into_iter()
        .enumerate()
        .map(|(i, (y, c))| vec![(i + 1).to_string(), y.to_string(), c[0].to_string(), c[1].to_string(), c[2].to_string()])
        .collect();
    let mut by_state: BTreeMap<String, i64> = BTreeMap::new();
    for n in state.store.nominations(m.id, None, scope, today).await?.into_iter().filter(|n| (from..=to).contains(&n.year)) {
        *by_state.entry(n.dossier.state.label()).or_default() += 1;
    }
    let by_state = by_state.into_iter().enumerate().map(|(i, (l, n))| vec![(i + 1).to_string(), l, n.to_string()]).collect();
    let counts: Vec<_> =
        state.store.reward_counts(m.id, scope, today).await?.into_iter().filter(|c| (from..=to).contains(&c.year)).collect();
    let mut by_form: BTreeMap<(i64, String), i64> = BTreeMap::new();
    let mut by_unit: BTreeMap<String, i64> = BTreeMap::new();
    for c in &counts {
        *by_form.entry((c.year, form_label(&c.form))).or_default() += c.count;
        *by_unit.entry(c.unit_name.clone()).or_default() += c.count;
    }
    let by_form =
        by_form.into_iter().enumerate().map(|(i, ((y, f), n))| vec![(i + 1).to_string(), y.to_string(), f, n.to_string()]).collect();
    let by_unit = by_unit.into_iter().enumerate().map(|(i, (u, n))| vec![(i + 1).to_string(), u, n.to_string()]).collect();
    let by_actor_rewards = {
        let mut t: BTreeMap<String, i64> = BTreeMap::new();
        for c in &counts {
            *t.entry(actor_label(&c.actor_type)).or_default() += c.count;
        }
        t.into_iter().enumerate().map(|(i, (a, n))| vec![(i + 1).to_string(), a, n.to_string()]).collect()
    };
    Ok(vec![
        ReportTable {
            caption: s("Bảng 1. Tập thể, hộ gia đình, cá nhân tham gia theo đối tượng"),
            header: ["STT", "Đối tượng", "Số tham gia"].map(s).to_vec(),
            rows: by_actor,
        },
        ReportTable {
            caption: s("Bảng 2. Sáng kiến, thành tích được ghi nhận"),
            header: ["STT", "Năm", "Sáng kiến, giải pháp", "Thành tích", "Công nhận danh hiệu"].map(s).to_vec(),
            rows: achievements,
        },
        ReportTable {
            caption: s("Bảng 3. Đề nghị khen thưởng theo trạng thái"),
            header: ["STT", "Trạng thái", "Số đề nghị"].map(s).to_vec(),
            rows: by_state,
        },
        ReportTable {
            caption: s("Bảng 4. Khen thưởng theo năm và hình thức"),
            header: ["STT", "Năm", "Hình thức", "Số khen thưởng"].map(s).to_vec(),
            rows: by_form,
        },
        ReportTable {
            caption: s("Bảng 5. Khen thưởng theo đối tượng"),
            header: ["STT", "Đối tượng", "Số khen thưởng"].map(s).to_vec(),
            rows: by_actor_rewards,
        },
        ReportTable {
            caption: s("Bảng 6. Khen thưởng theo đơn vị"),
            header: ["STT", "Đơn vị", "Số khen thưởng"].map(s).to_vec(),
            rows: by_unit,
        },
    ])
}

fn short_name(u: &UnitRow) -> String {
    match u.name.split_once(' ') {
        Some((kind, rest)) if ["Xã", "Phường", "Thị", "Tỉnh", "Thành", "Đặc", "Huyện", "Quận"].contains(&kind) => {
            rest.trim_start_matches("phố ").trim_start_matches("trấn ").trim_start_matches("khu ").to_string()
        }
        _ => u.name.clone(),
    }
}

fn document(v: &View) -> ReportDoc {
    let mut sections = Vec::new();
    for (id, heading, _) in SECTIONS {
        let text = v.section(id);
        let tables = if id == "ket_qua" { v.tables.clone() } else { Vec::new() };
        sections.push(ReportSection {
            heading: heading.to_string(),
            paragraphs: if text.trim().is_empty() { Vec::new() } else { vec![text] },
            tables,
        });
    }
    ReportDoc {
        authority_lines: vec!["ỦY BAN NHÂN DÂN".to_string(), v.unit.name.to_uppercase()],
        number: "     /BC-UBND".to_string(),
        place: short_name(&v.unit),
        date: hoctap_store::today(),
        summary: v.which.summary(&v.m),
        sections,
        recipients: vec![format!("{} (b/c);", v.m.movement.report.to), "Lưu: VT.".to_string()],
        signer_title: "TM. ỦY BAN NHÂN DÂN\nCHỦ TỊCH".to_string(),
        signer_name: v.section("nguoi_ky"),
    }
}

#[derive(Template)]
#[template(path = "movement_report.html")]
struct Page {
    chrome: Chrome,
    m: MovementRow,
    unit: String,
    heading: String,
    due: String,
    is_phase: bool,
    phases: Vec<(String, String, bool)>,
    years: Vec<(i16, bool)>,
    key_field: &'static str,
    key_value: String,
    action: String,
    docx: String,
    pdf: String,
    xlsx: String,
    saved: String,
    sections: Vec<(&'static str, &'static str, &'static str, String)>,
    signer: String,
    tables: Vec<ReportTable>,
    can_edit: bool,
    done: Option<String>,
    errors: Vec<FieldError>,
}

fn may_write(user: &CurrentUser) -> bool {
    matches!(user.user.role, Role::UnitOfficer | Role::SystemAdmin)
}

fn page_of(user: &CurrentUser, v: View, done: Option<String>, errors: Vec<FieldError>, typed: Option<&BTreeMap<String, String>>) -> Page {
    let text = |id: &str| typed.and_then(|t| t.get(id).cloned()).unwrap_or_else(|| v.section(id));
    let (is_phase, key_field, key_value, due, action) = match &v.which {
        Which::Annual(y) => {
            let due = hoctap_domain::emulation::report_due(&v.m.movement, *y)
                .map(|d| format!("Trước ngày {} gửi {}", format_vn(d), v.m.movement.report.to))
                .unwrap_or_default();
            (false, "nam", y.to_string(), due, format!("/thi-dua/{}/bao-cao", v.m.id))
        }
        Which::Phase(p) => {
            (true, "giai_doan", p.id.clone(), format!("{}: năm {}", p.name, p.review_year), format!("/thi-dua/{}/so-ket", v.m.id))
        }
    };
    let current = v.which.key();
    Page {
        chrome: Chrome::new(v.which.summary(&v.m), user),
        unit: v.unit.name.clone(),
        heading: v.which.summary(&v.m),
        due,
        is_phase,
        phases: v.m.movement.phases.iter().map(|p| (p.id.clone(), p.review_name.clone(), p.id == current.0)).collect(),
        years: (v.m.movement.period.from..=v.m.movement.period.to).map(|y| (y, i64::from(y) == current.1 && !is_phase)).collect(),
        key_field,
        key_value,
        action,
        docx: v.which.file(v.m.id, "docx"),
        pdf: v.which.file(v.m.id, "pdf"),
        xlsx: v.which.file(v.m.id, "xlsx"),
        saved: v
            .report
            .as_ref()
            .map(|r| {
                if r.submitted_at.is_empty() {
                    format!("Bản nháp, lưu lúc {} ({})", hoctap_app::format::instant_vn(&r.updated_at), r.updated_by)
                } else {
                    format!("Đã gửi cấp trên lúc {}", hoctap_app::format::instant_vn(&r.submitted_at))
                }
            })
            .unwrap_or_else(|| "Chưa lập".into()),
        sections: SECTIONS.iter().map(|(id, h, hint)| (*id, *h, *hint, text(id))).collect(),
        signer: text("nguoi_ky"),
        tables: v.tables.clone(),
        can_edit: may_write(user) && v.report.as_ref().is_none_or(|r| r.submitted_at.is_empty()),
        done,
        errors,
        m: v.m,
    }
}

async fn show(
    state: &AppState,
    user: &CurrentUser,
    id: i64,
    pick: fn(&MovementRow, &ReportQuery) -> WebResult<Which>,
    q: &ReportQuery,
    headers: &HeaderMap,
) -> WebResult<Response> {
    let v = view(state, user, id, pick, q).await?;
    let done = take_flash(headers);
    let shown = done.is_some();
    render_with_flash(&page_of(user, v, done, Vec::new(), None), shown)
}

async fn page_annual(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<i64>,
    Query(q): Query<ReportQuery>,
    headers: HeaderMap,
) -> WebResult<Response> {
    show(&state, &user, id, annual, &q, &headers).await
}

async fn page_phase(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<i64>,
    Query(q): Query<ReportQuery>,
    headers: HeaderMap,
) -> WebResult<Response> {
    show(&state, &user, id, phase, &q, &headers).await
}

#[derive(Deserialize)]
struct SaveForm {
    /// Checked by `CsrfForm`; named here so that it stays out of `rest`.
    #[serde(default, rename = "csrf")]
    _csrf: String,
    #[serde(default)]
    nam: Option<i16>,
    #[serde(default)]
    giai_doan: Option<String>,
    #[serde(flatten)]
    rest: BTreeMap<String, String>,
}

async fn save(
    state: &AppState,
    user: &CurrentUser,
    id: i64,
    pick: fn(&MovementRow, &ReportQuery) -> WebResult<Which>,
    f: SaveForm,
) -> WebResult<Response> {
    if !may_write(user) {
        return Err(WebError::Forbidden);
    }
    let q = ReportQuery { nam: f.nam, giai_doan: f.giai_doan.clone() };
    let v = view(state, user, id, pick, &q).await?;
    user.require_sees(&state.store, v.unit.id, "đơn vị").await?;
    let mut sections = BTreeMap::new();
    let mut error = None;
    for (sid, heading, _) in SECTIONS {
        let raw = f.rest.get(sid).map_or("", String::as_str);
        let text = hoctap_domain::text::narrative(raw, 20_000).unwrap_or_else(|e| {
            error = Some(WebError::invalid(sid, format!("{heading}: {e}")));
            hoctap_domain::text::xml_safe(raw.trim()).into_owned()
        });
        sections.insert(sid.to_string(), text);
    }
    let raw_signer = f.rest.get("nguoi_ky").map_or("", String::as_str);
    let signer = hoctap_domain::text::line(raw_signer, 100).unwrap_or_else(|e| {
        error = Some(WebError::invalid("nguoi_ky", format!("Người ký: {e}")));
        hoctap_domain::text::xml_safe(raw_signer.trim()).into_owned()
    });
    sections.insert("nguoi_ky".to_string(), signer);
    let (kind, year) = v.which.key();
    let submit = f.rest.get("action").is_some_and(|a| a == "gui");
    let signer_missing = submit && sections.get("nguoi_ky").is_none_or(String::is_empty);
    let result = match (error, signer_missing) {
        (Some(e), _) => Err(e),
        (None, true) => Err(WebError::invalid("nguoi_ky", "Người ký: cần ghi họ tên trước khi gửi báo cáo")),
        (None, false) => {
            let key = hoctap_store::MovementReportKey { movement_id: v.m.id, unit_id: v.unit.id, kind: &kind, year };
            state.store.movement_report_save(&user.actor(), &key, &sections, submit).await.map_err(WebError::from)
        }
    };
    let to = v.which.path(v.m.id);
    let result = result.map(|()| (to, if submit { "Đã gửi báo cáo lên cấp trên" } else { "Đã lưu báo cáo" }));
    super::after_post(state, result, |errors| std::future::ready(Ok(page_of(user, v, None, errors, Some(&sections))))).await
}

async fn save_annual(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<i64>,
    CsrfForm(f): CsrfForm<SaveForm>,
) -> WebResult<Response> {
    save(&state, &user, id, annual, f).await
}

async fn save_phase(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<i64>,
    CsrfForm(f): CsrfForm<SaveForm>,
) -> WebResult<Response> {
    save(&state, &user, id, phase, f).await
}

fn file_name(v: &View, ext: &str) -> String {
    let (kind, year) = v.which.key();
    let what = if kind == "nam" { "bao-cao-thi-dua".to_string() } else { format!("so-ket-thi-dua-{kind}") };
    format!("{what}-{}-{year}.{ext}", v.unit.code)
}

async fn docx(
    state: &AppState,
    user: &CurrentUser,
    id: i64,
    pick: fn(&MovementRow, &ReportQuery) -> WebResult<Which>,
    q: &ReportQuery,
) -> WebResult<Response> {
    let v = view(state, user, id, pick, q).await?;
    let bytes = hoctap_docs::report_doc::report_docx(&document(&v)).map_err(WebError::internal)?;
    Ok(download(bytes, "application/vnd.openxmlformats-officedocument.wordprocessingml.document", &file_name(&v, "docx")))
}

async fn pdf(
    state: &AppState,
    user: &CurrentUser,
    id: i64,
    pick: fn(&MovementRow, &ReportQuery) -> WebResult<Which>,
    q: &ReportQuery,
) -> WebResult<Response> {
    let v = view(state, user, id, pick, q).await?;
    let bytes = hoctap_docs::report_doc::report_pdf(&document(&v)).map_err(WebError::internal)?;
    Ok(file_response(bytes, "application/pdf", "inline", &file_name(&v, "pdf")))
}

async fn xlsx(
    state: &AppState,
    user: &CurrentUser,
    id: i64,
    pick: fn(&MovementRow, &ReportQuery) -> WebResult<Which>,
    q: &ReportQuery,
) -> WebResult<Response> {
    let v = view(state, user, id, pick, q).await?;
    let sheets: Vec<hoctap_docs::registry_xlsx::Table> = v
        .tables
        .iter()
        .enumerate()
        .map(|(i, t)| hoctap_docs::registry_xlsx::Table {
            sheet: format!("Bang {}", i + 1),
            header: t.header.clone(),
            rows: t.rows.clone(),
        })
        .collect();
    let bytes = hoctap_docs::registry_xlsx::tables_xlsx(&sheets).map_err(WebError::internal)?;
    Ok(download(bytes, XLSX, &file_name(&v, "xlsx")))
}

async fn docx_annual(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<i64>,
    Query(q): Query<ReportQuery>,
) -> WebResult<Response> {
    docx(&state, &user, id, annual, &q).await
}
async fn pdf_annual(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<i64>,
    Query(q): Query<ReportQuery>,
) -> WebResult<Response> {
    pdf(&state, &user, id, annual, &q).await
}
async fn xlsx_annual(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<i64>,
    Query(q): Query<ReportQuery>,
) -> WebResult<Response> {
    xlsx(&state, &user, id, annual, &q).await
}
async fn docx_phase(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<i64>,
    Query(q): Query<ReportQuery>,
) -> WebResult<Response> {
    docx(&state, &user, id, phase, &q).await
}
async fn pdf_phase(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<i64>,
    Query(q): Query<ReportQuery>,
) -> WebResult<Response> {
    pdf(&state, &user, id, phase, &q).await
}
async fn xlsx_phase(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<i64>,
    Query(q): Query<ReportQuery>,
) -> WebResult<Response> {
    xlsx(&state, &user, id, phase, &q).await
}
