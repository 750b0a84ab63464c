//! The Hội Khuyến học's pages: per branch its officers, members and membership rate against
//! the population, the fund ledger (sổ quỹ) with the balance by year, posting and reversing
//! entries, the donors' honour roll (sổ vàng), the lists of scholarships and rewards, XLSX
//! exports, and membership cards with a public check page. Branches, members and entries are
//! kept by the generic registries; this module adds what an association officer works with.

use super::{Chrome, FieldError, render};
use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{Html, IntoResponse, Response};
use hoctap_app::association::{YearQuery, dues_amount, entry_from_input, posting_date, visible_branch};
use hoctap_domain::access::Action;
use hoctap_domain::date::{format_vn, parse_date};
use hoctap_domain::fund::{self, Dong, EntryKind, OfficerRole, YearBalance};
use hoctap_domain::registry::cccd::Cccd;
use hoctap_domain::registry::def::{ASSOCIATION_BRANCHES, ASSOCIATION_MEMBERS, FUND_ENTRIES, Value};
use hoctap_http::AppState;
use hoctap_http::auth::CsrfForm;
use hoctap_http::auth::CurrentUser;
use hoctap_http::error::{WebError, WebResult};
use hoctap_http::routes::{Routes, get, post};
use hoctap_store::{BranchRow, FundEntryRow, RegistryQuery};
use serde::Deserialize;

pub fn routes() -> Routes {
    Routes::new()
        .route("/hoi-khuyen-hoc", get(index))
        .route("/hoi-khuyen-hoc/{id}", get(branch_page))
        .route("/hoi-khuyen-hoc/{id}/can-bo", post(add_officer))
        .route("/hoi-khuyen-hoc/{id}/can-bo/{officer}/ket-thuc", post(end_officer))
        .route("/hoi-khuyen-hoc/{id}/so-quy", get(ledger).post(post_entry))
        .route("/hoi-khuyen-hoc/{id}/so-quy.xlsx", get(ledger_xlsx))
        .route("/hoi-khuyen-hoc/{id}/so-quy/{entry}/dao", post(reverse))
        .route("/hoi-khuyen-hoc/{id}/so-quy/{entry}/phieu.pdf", get(voucher_pdf))
        .route("/hoi-khuyen-hoc/{id}/so-quy.pdf", get(cash_book_pdf))
        .route("/hoi-khuyen-hoc/{id}/hoi-phi", get(dues_page).post(dues_pay))
        .route("/hoi-khuyen-hoc/{id}/so-vang", get(honour_roll))
        .route("/hoi-khuyen-hoc/{id}/hoc-bong", get(learner_payments))
        .route("/hoi-khuyen-hoc/{id}/hoc-bong.xlsx", get(learner_payments_xlsx))
        .route("/hoi-vien/{id}/the.pdf", get(card_pdf))
        .route("/the-hoi-vien/{code}", get(card_check))
}

async fn branch_by_id(state: &AppState, user: &CurrentUser, id: i64) -> WebResult<BranchRow> {
    Ok(visible_branch(&state.store, user, state.store.branch(id).await?).await?)
}

fn money(d: Dong) -> String {
    d.grouped()
}

// ---------------------------------------------------------------------------------------------
// Index and branch page

struct BranchLine {
    id: i64,
    code: String,
    name: String,
    level: String,
    members: String,
}

#[derive(Template)]
#[template(path = "association_index.html")]
struct IndexPage {
    chrome: Chrome,
    lines: Vec<BranchLine>,
}

async fn index(State(state): State<AppState>, user: CurrentUser) -> WebResult<Response> {
    user.require(Action::ReadLocal)?;
    let today = hoctap_store::today();
    let q = RegistryQuery { scope: user.scope(), limit: 500, ..Default::default() };
    let mut lines = Vec::new();
    for r in state.store.registry_list(&ASSOCIATION_BRANCHES, &q, today).await? {
        let b = state.store.branch(r.id).await?;
        lines.push(BranchLine {
            members: hoctap_app::format::int_vn(
                hoctap_app::dashboard::unit_metric(&state.store, b.unit_id, today.year(), "association_members").await?,
            ),
            id: b.id,
            code: b.code,
            name: b.name,
            level: b.level,
        });
    }
    render(&IndexPage { chrome: Chrome::new("Hội Khuyến học", &user), lines })
}

struct OfficerLine {
    id: i64,
    name: String,
    role: &'static str,
    phone: String,
    from: String,
}

struct MemberLine {
    id: i64,
    branch: String,
    name: String,
    cccd: String,
    joined: String,
    dues: String,
}

#[derive(Template)]
#[template(path = "association_branch.html")]
struct BranchPage {
    chrome: Chrome,
    branch: BranchRow,
    officers: Vec<OfficerLine>,
    /// One page of the members, by name.
    members: Vec<MemberLine>,
    /// Members in the branch's territory, as 1.234.
    members_total: String,
    /// The cursor of the members' next page, if any.
    members_next: Option<String>,
    members_first_page: bool,
    year: i16,
    /// The unit's membership rate (`hkh_membership_rate`): members of every branch working in
    /// the unit's territory (its chi hội too) over the citizens in the registry.
    rate: hoctap_app::dashboard::IndicatorLine,
    roles: Vec<(&'static str, &'static str)>,
    can_write: bool,
    errors: Vec<FieldError>,
    done: Option<String>,
    today_iso: String,
}

/// Members on one page of a branch's page.
pub const MEMBERS_PAGE: i64 = 50;

fn members_list(branch: i64) -> String {
    format!("hoi-khuyen-hoc:{branch}:hoi-vien")
}

#[derive(Deserialize, Default)]
struct BranchQuery {
    #[serde(default)]
    nam: Option<i16>,
    #[serde(default)]
    sau: String,
}

async fn branch_view(
    state: &AppState,
    user: &CurrentUser,
    b: BranchRow,
    year: i16,
    after: Option<i64>,
    errors: Vec<FieldError>,
    done: Option<String>,
) -> WebResult<BranchPage> {
    let today = hoctap_store::today();
    let officers = state
        .store
        .officers(b.id, today)
        .await?
        .into_iter()
        .map(|o| OfficerLine {
            id: o.id,
            name: o.full_name,
            role: o.role.label(),
            phone: o.phone.unwrap_or_default(),
            from: format_vn(o.term.from),
        })
        .collect();
    // The members of the branch and of its chi hội: every branch working in its unit's territory
    // (the user sees the branch, so the whole territory is in their scope).
    // A page at a time by name, with the total counted in SQL (a commune has thousands).
    let q = RegistryQuery { scope: Some(b.unit_id), limit: MEMBERS_PAGE, by_label: true, after, ..Default::default() };
    let cccd_field = ASSOCIATION_MEMBERS.field("cccd");
    let page = state.store.registry_list(&ASSOCIATION_MEMBERS, &q, today).await?;
    let members_total = state.store.registry_count(&ASSOCIATION_MEMBERS, Some(b.unit_id), today).await?;
    let members_next = (i64::try_from(page.len()).unwrap_or(0) == MEMBERS_PAGE)
        .then(|| page.last().map(|m| hoctap_app::cursor::seal(&members_list(b.id), m.id)))
        .flatten();
    let members = page
        .into_iter()
        .map(|m| MemberLine {
            id: m.id,
            branch: match m.values.get("branch") {
                Some(Value::Text(c)) => c.clone(),
                _ => String::new(),
            },
            name: m.values.get("full_name").map(|v| v.display(hoctap_domain::registry::def::FieldType::Name)).unwrap_or_default(),
            cccd: cccd_field.map(|f| hoctap_app::registries::shown(user, f, m.values.get("cccd"))).unwrap_or_default(),
            joined: match m.values.get("joined_on") {
                Some(Value::Date(d)) => format_vn(*d),
                _ => String::new(),
            },
            dues: match m.values.get("dues_per_year") {
                Some(Value::Int(n)) => money(Dong::new(*n)),
                _ => String::new(),
            },
        })
        .collect();
    let unit = state.store.unit(b.unit_id).await?;
    let rate = hoctap_app::dashboard::figure(&state.store, &unit, year, "hkh_membership_rate").await?;
    Ok(BranchPage {
        chrome: Chrome::new(b.name.clone(), user),
        can_write: user.user.role.may(Action::EditAssociation),
        officers,
        members,
        members_total: crate::format::int_vn(members_total),
        members_next,
        members_first_page: after.is_none(),
        year,
        rate,
        roles: OfficerRole::ALL.iter().map(|r| (r.code(), r.label())).collect(),
        branch: b,
        errors,
        done,
        today_iso: today.to_string(),
    })
}

async fn branch_page(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<i64>,
    Query(q): Query<BranchQuery>,
    headers: HeaderMap,
) -> WebResult<Response> {
    let b = branch_by_id(&state, &user, id).await?;
    let year = YearQuery { nam: q.nam }.year();
    let after = if q.sau.trim().is_empty() { None } else { Some(hoctap_app::cursor::open(&members_list(b.id), &q.sau)?) };
    super::page_with_flash(&headers, |done| branch_view(&state, &user, b, year, after, Vec::new(), done)).await
}

/// Renders a page again with the errors of a failed form (422, or the error's own status).
fn failed(t: &impl Template, status: StatusCode) -> WebResult<Response> {
    Ok((status, Html(t.render()?)).into_response())
}

#[derive(Deserialize)]
struct OfficerForm {
    #[serde(default)]
    full_name: String,
    #[serde(default)]
    role: String,
    #[serde(default)]
    phone: String,
    #[serde(default)]
    from: String,
}

async fn add_officer(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<i64>,
    CsrfForm(f): CsrfForm<OfficerForm>,
) -> WebResult<Response> {
    user.require(Action::EditAssociation)?;
    let b = branch_by_id(&state, &user, id).await?;
    let result = async {
        let role = OfficerRole::parse(&f.role).map_err(|e| WebError::invalid("role", e.to_string()))?;
        let from = if f.from.trim().is_empty() {
            hoctap_store::today()
        } else {
            parse_date(&f.from).map_err(|e| WebError::invalid("from", format!("Từ ngày: {e}")))?
        };
        state.store.officer_add(&user.actor(), &b, &f.full_name, role, Some(&f.phone), from).await.map_err(WebError::from)
    }
    .await;
    branch_outcome(&state, &user, b, result.map(|_| "Đã thêm cán bộ hội")).await
}

/// After a write on the branch page: back to it with the message, or the page again with the
/// errors.
async fn branch_outcome(state: &AppState, user: &CurrentUser, b: BranchRow, result: WebResult<&str>) -> WebResult<Response> {
    let to = format!("/hoi-khuyen-hoc/{}", b.id);
    super::after_post(state, result.map(|message| (to, message)), |errors| {
        branch_view(state, user, b, hoctap_store::today().year(), None, errors, None)
    })
    .await
}

#[derive(Deserialize)]
struct EndForm {
    #[serde(default)]
    on: String,
}

async fn end_officer(
    State(state): State<AppState>,
    user: CurrentUser,
    Path((id, officer)): Path<(i64, i64)>,
    CsrfForm(f): CsrfForm<EndForm>,
) -> WebResult<Response> {
    user.require(Action::EditAssociation)?;
    let b = branch_by_id(&state, &user, id).await?;
    let on = parse_date(&f.on).map_err(|e| WebError::invalid("on", format!("Ngày kết thúc: {e}")));
    let result = async { state.store.officer_end(&user.actor(), &b, officer, on?).await.map_err(WebError::from) }.await;
    branch_outcome(&state, &user, b, result.map(|()| "Đã kết thúc nhiệm kỳ")).await
}

// ---------------------------------------------------------------------------------------------
// The ledger

struct EntryLine {
    entry_no: String,
    date: String,
    kind: &'static str,
    receipt: String,
    payment: String,
    counterparty: String,
    decision: String,
    reverses: String,
    reversed_by: String,
    can_reverse: bool,
}

fn entry_line(user: &CurrentUser, e: &FundEntryRow) -> EntryLine {
    let amount = money(e.amount);
    let is_receipt = e.kind.direction() == fund::Direction::Receipt;
    // A reversal is shown in its own column with a minus sign: the books stay readable by hand.
    let signed = if e.reverses.is_some() { format!("-{amount}") } else { amount };
    let who = [e.counterparty.clone(), e.beneficiary_cccd.as_deref().map(|c| masked_cccd(user, c))]
        .into_iter()
        .flatten()
        .collect::<Vec<_>>()
        .join(" · ");
    EntryLine {
        entry_no: e.entry_no.clone(),
        date: format_vn(e.posted_on),
        kind: e.kind.label(),
        receipt: if is_receipt { signed.clone() } else { String::new() },
        payment: if is_receipt { String::new() } else { signed },
        counterparty: who,
        decision: e.decision.clone().unwrap_or_default(),
        reverses: e.reverses.clone().unwrap_or_default(),
        reversed_by: e.reversed_by.clone().unwrap_or_default(),
        can_reverse: e.reverses.is_none() && e.reversed_by.is_none(),
    }
}

fn masked_cccd(user: &CurrentUser, c: &str) -> String {
    if user.user.role.sees_personal_data() { c.to_string() } else { Cccd::parse(c).map(|c| c.masked()).unwrap_or_else(|_| "***".into()) }
}

struct BalanceView {
    opening: String,
    receipts: Vec<(&'static str, String)>,
    payments: Vec<(&'static str, String)>,
    total_receipts: String,
    total_payments: String,
    closing: String,
}

impl From<&YearBalance> for BalanceView {
    fn from(b: &YearBalance) -> Self {
        BalanceView {
            opening: money(b.opening),
            receipts: b.receipts.iter().map(|l| (l.label, money(l.amount))).collect(),
            payments: b.payments.iter().map(|l| (l.label, money(l.amount))).collect(),
            total_receipts: money(b.total_receipts),
            total_payments: money(b.total_payments),
            closing: money(b.closing),
        }
    }
}

#[derive(Template)]
#[template(path = "fund_ledger.html")]
struct LedgerPage {
    chrome: Chrome,
    branch: BranchRow,
    year: i16,
    years: Vec<i16>,
    balance: BalanceView,
    /// The unit's fund per inhabitant (`fund_per_capita`): receipts of the year of every ledger
    /// in the unit's territory over the citizens in the registry at the year's end.
    per_capita: hoctap_app::dashboard::IndicatorLine,
    entries: Vec<EntryLine>,
    kinds: Vec<(&'static str, &'static str, bool)>,
    form: PostForm,
    can_write: bool,
    errors: Vec<FieldError>,
    done: Option<String>,
    today_iso: String,
}

#[derive(Deserialize, Default, Clone)]
pub struct PostForm {
    #[serde(default)]
    pub kind: String,
    #[serde(default)]
    pub amount: String,
    #[serde(default)]
    pub posted_on: String,
    #[serde(default)]
    pub counterparty: String,
    #[serde(default)]
    pub beneficiary_cccd: String,
    #[serde(default)]
    pub decision: String,
    /// Confirms a payment beyond the balance (lý do chi vượt số dư).
    #[serde(default)]
    pub overdraft_reason: String,
}

async fn ledger_view(
    state: &AppState,
    user: &CurrentUser,
    b: BranchRow,
    year: i16,
    form: PostForm,
    errors: Vec<FieldError>,
    done: Option<String>,
) -> WebResult<LedgerPage> {
    let today = hoctap_store::today();
    let balance = state.store.fund_balance(&b.code, year).await?;
    let unit = state.store.unit(b.unit_id).await?;
    let per_capita = hoctap_app::dashboard::figure(&state.store, &unit, year, "fund_per_capita").await?;
    let mut years = state.store.fund_years(&b.code).await?;
    if !years.contains(&today.year()) {
        years.push(today.year());
    }
    let entries = state.store.fund_entries(&b.code, Some(year)).await?.iter().map(|e| entry_line(user, e)).collect();
    Ok(LedgerPage {
        chrome: Chrome::new(format!("Sổ quỹ {} năm {year}", b.name), user),
        can_write: user.user.role.may(Action::EditAssociation),
        balance: BalanceView::from(&balance),
        per_capita,
        kinds: EntryKind::all().map(|k| (k.code(), k.label(), form.kind == k.code())).collect(),
        entries,
        years,
        year,
        branch: b,
        form,
        errors,
        done,
        today_iso: today.to_string(),
    })
}

async fn ledger(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<i64>,
    Query(q): Query<YearQuery>,
    headers: HeaderMap,
) -> WebResult<Response> {
    let b = branch_by_id(&state, &user, id).await?;
    super::page_with_flash(&headers, |done| ledger_view(&state, &user, b, q.year(), PostForm::default(), Vec::new(), done)).await
}

async fn post_entry(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<i64>,
    CsrfForm(f): CsrfForm<PostForm>,
) -> WebResult<Response> {
    user.require(Action::EditAssociation)?;
    let b = branch_by_id(&state, &user, id).await?;
    let year = hoctap_store::today().year();
    let entry = match entry_from_input(&f.kind, &f.amount, &f.counterparty, &f.beneficiary_cccd, &f.decision) {
        Ok(e) => e,
        Err(errors) => return failed(&ledger_view(&state, &user, b, year, f, errors, None).await?, StatusCode::UNPROCESSABLE_ENTITY),
    };
    let result = async {
        let on = posting_date(&f.posted_on)?;
        let reason = Some(f.overdraft_reason.as_str());
        state.store.fund_post_confirmed(&user.actor(), &b, &entry, None, on, user.scope(), reason).await.map_err(WebError::from)
    }
    .await;
    let result = result.map(|e| {
        let message = format!("Đã ghi sổ bút toán {}", e.entry_no);
        (e, message)
    });
    ledger_outcome(&state, &user, b, result, f).await
}

/// After a posting or a reversal: back to the ledger of the entry's year with the message, or
/// the ledger again with the errors and what was typed.
async fn ledger_outcome(
    state: &AppState,
    user: &CurrentUser,
    b: BranchRow,
    result: WebResult<(FundEntryRow, String)>,
    form: PostForm,
) -> WebResult<Response> {
    let result = result.map(|(e, message)| (format!("/hoi-khuyen-hoc/{}/so-quy?nam={}", b.id, e.posted_on.year()), message));
    super::after_post(state, result, |errors| ledger_view(state, user, b, hoctap_store::today().year(), form, errors, None)).await
}

#[derive(Deserialize)]
struct ReverseForm {
    #[serde(default)]
    reason: String,
}

async fn reverse(
    State(state): State<AppState>,
    user: CurrentUser,
    Path((id, entry)): Path<(i64, String)>,
    CsrfForm(f): CsrfForm<ReverseForm>,
) -> WebResult<Response> {
    user.require(Action::EditAssociation)?;
    let b = branch_by_id(&state, &user, id).await?;
    let result =
        state.store.fund_reverse(&user.actor(), &b, &entry, &f.reason, hoctap_store::today(), user.scope()).await.map_err(WebError::from);
    let result = result.map(|e| {
        let message = format!("Đã ghi bút toán đảo {} cho bút toán {entry}", e.entry_no);
        (e, message)
    });
    ledger_outcome(&state, &user, b, result, PostForm::default()).await
}

/// An XLSX download with a Vietnamese file name made safe for the header.
fn xlsx_response(name: &str, bytes: Vec<u8>) -> Response {
    super::download(bytes, super::XLSX, name)
}

/// Exports of the ledger hold personal data (beneficiaries' CCCD): for roles that see it, audited.
/// Whether the role may export a ledger (it names beneficiaries): checked before the branch is read.
fn export_role(user: &CurrentUser) -> WebResult<()> {
    user.require(Action::EditAssociation)?;
    if user.user.role.sees_personal_data() { Ok(()) } else { Err(WebError::Forbidden) }
}

async fn export_check(state: &AppState, user: &CurrentUser, rows: usize) -> WebResult<()> {
    export_role(user)?;
    state.store.audit_export(&user.actor(), &FUND_ENTRIES, user.scope(), rows, "xlsx").await?;
    Ok(())
}

fn entry_cells(e: &FundEntryRow) -> Vec<String> {
    vec![
        e.entry_no.clone(),
        format_vn(e.posted_on),
        e.kind.label().to_string(),
        e.effect().get().to_string(),
        e.counterparty.clone().unwrap_or_default(),
        e.beneficiary_cccd.clone().unwrap_or_default(),
        e.decision.clone().unwrap_or_default(),
        e.reverses.clone().unwrap_or_default(),
        e.reversed_by.clone().unwrap_or_default(),
    ]
}

const ENTRY_HEADER: [&str; 9] = [
    "Số chứng từ",
    "Ngày ghi sổ",
    "Nội dung",
    "Số tiền (đồng, chi và đảo mang dấu -)",
    "Người nộp, người nhận",
    "CCCD người thụ hưởng",
    "Quyết định, căn cứ",
    "Đảo bút toán số",
    "Bị đảo bởi",
];

async fn ledger_xlsx(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<i64>,
    Query(q): Query<YearQuery>,
) -> WebResult<Response> {
    export_role(&user)?;
    let b = branch_by_id(&state, &user, id).await?;
    let year = q.year();
    let entries = state.store.fund_entries(&b.code, Some(year)).await?;
    export_check(&state, &user, entries.len()).await?;
    let header: Vec<String> = ENTRY_HEADER.iter().map(|s| (*s).to_string()).collect();
    let bytes = hoctap_docs::registry_xlsx::simple_xlsx("So quy", &header, &entries.iter().map(entry_cells).collect::<Vec<_>>())
        .map_err(WebError::internal)?;
    Ok(xlsx_response(&format!("so-quy-{}-{year}.xlsx", b.code), bytes))
}

// ---------------------------------------------------------------------------------------------
// The cashier's papers: vouchers and the cash book

const ASSOCIATION: &str = "Hội Khuyến học Việt Nam";

fn pdf_inline(bytes: Vec<u8>, name: &str) -> Response {
    super::file_response(bytes, "application/pdf", "inline", name)
}

/// A voucher (phiếu thu, phiếu chi) of one entry, to print and sign.
async fn voucher_pdf(State(state): State<AppState>, user: CurrentUser, Path((id, no)): Path<(i64, String)>) -> WebResult<Response> {
    let b = branch_by_id(&state, &user, id).await?;
    let e = state.store.fund_entries(&b.code, None).await?.into_iter().find(|e| e.entry_no == no).ok_or(WebError::NotFound("bút toán"))?;
    let direction = e.kind.direction();
    let receipt = direction == fund::Direction::Receipt;
    let d = e.posted_on;
    let mut note = Vec::new();
    if let Some(r) = &e.reverses {
        note.push(format!("Bút toán đảo của {r}, ghi giảm số tiền trên"));
    }
    if let Some(r) = &e.reversed_by {
        note.push(format!("Đã bị đảo bởi {r}"));
    }
    let doc = hoctap_docs::fund_pdf::VoucherDoc {
        association: ASSOCIATION.into(),
        branch_name: b.name.clone(),
        title: direction.voucher_title().into(),
        number: e.entry_no.clone(),
        date_line: format!("Ngày {:02} tháng {:02} năm {}", d.day(), d.month(), d.year()),
        person_label: if receipt { "Họ và tên người nộp tiền" } else { "Họ và tên người nhận tiền" }.into(),
        person: e.counterparty.clone().unwrap_or_default(),
        reason_label: if receipt { "Lý do nộp" } else { "Lý do chi" }.into(),
        reason: [Some(e.kind.label().to_string()), e.decision.clone()].into_iter().flatten().collect::<Vec<_>>().join(" – "),
        amount: format!("{} đồng", money(e.amount)),
        amount_words: fund::amount_in_words(e.amount),
        note: note.join("; "),
    };
    let bytes = hoctap_docs::fund_pdf::voucher_pdf(&doc).map_err(WebError::internal)?;
    Ok(pdf_inline(bytes, &format!("{}.pdf", e.entry_no)))
}

/// The year's cash book (sổ quỹ tiền mặt): every voucher in posting order with the balance after it.
async fn cash_book_pdf(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<i64>,
    Query(q): Query<YearQuery>,
) -> WebResult<Response> {
    let b = branch_by_id(&state, &user, id).await?;
    let year = q.year();
    let balance = state.store.fund_balance(&b.code, year).await?;
    let mut running = balance.opening;
    let rows = state
        .store
        .fund_entries(&b.code, Some(year))
        .await?
        .iter()
        .map(|e| {
            running = running + e.effect();
            let receipt = e.kind.direction() == fund::Direction::Receipt;
            let signed = if e.reverses.is_some() { format!("-{}", money(e.amount)) } else { money(e.amount) };
            let what = [Some(e.kind.label().to_string()), e.counterparty.clone(), e.reverses.as_ref().map(|r| format!("đảo {r}"))]
                .into_iter()
                .flatten()
                .collect::<Vec<_>>()
                .join(" – ");
            [
                format_vn(e.posted_on),
                if receipt { e.entry_no.clone() } else { String::new() },
                if receipt { String::new() } else { e.entry_no.clone() },
                what,
                if receipt { signed.clone() } else { String::new() },
                if receipt { String::new() } else { signed },
                money(running),
            ]
        })
        .collect();
    let doc = hoctap_docs::fund_pdf::CashBookDoc {
        association: ASSOCIATION.into(),
        branch_name: b.name.clone(),
        year,
        opening: money(balance.opening),
        rows,
        total_receipts: money(balance.total_receipts),
        total_payments: money(balance.total_payments),
        closing: money(balance.closing),
    };
    let bytes = hoctap_docs::fund_pdf::cash_book_pdf(&doc).map_err(WebError::internal)?;
    Ok(pdf_inline(bytes, &format!("so-quy-tien-mat-{}-{year}.pdf", b.code)))
}

// ---------------------------------------------------------------------------------------------
// Membership dues

struct DuesView {
    member_id: i64,
    name: String,
    due: String,
    paid: String,
}

#[derive(Template)]
#[template(path = "fund_dues.html")]
struct DuesPage {
    chrome: Chrome,
    branch: BranchRow,
    year: i16,
    lines: Vec<DuesView>,
    paid_count: usize,
    paid_total: String,
    can_write: bool,
    errors: Vec<FieldError>,
    done: Option<String>,
}

async fn dues_view(
    state: &AppState,
    user: &CurrentUser,
    b: BranchRow,
    year: i16,
    errors: Vec<FieldError>,
    done: Option<String>,
) -> WebResult<DuesPage> {
    let dues = state.store.dues(&b.code, year).await?;
    let paid: Vec<&hoctap_store::DuesLine> = dues.iter().filter(|l| l.paid.is_some()).collect();
    Ok(DuesPage {
        chrome: Chrome::new(format!("Hội phí năm {year}"), user),
        paid_count: paid.len(),
        paid_total: money(paid.iter().filter_map(|l| l.paid.as_ref().map(|p| p.0)).sum()),
        lines: dues
            .iter()
            .map(|l| DuesView {
                member_id: l.member_id,
                name: l.full_name.clone(),
                due: l.due.map(money).unwrap_or_default(),
                paid: l.paid.as_ref().map(|(a, no, d)| format!("{} đ, {no}, {}", money(*a), format_vn(*d))).unwrap_or_default(),
            })
            .collect(),
        can_write: user.user.role.may(Action::EditAssociation),
        branch: b,
        year,
        errors,
        done,
    })
}

async fn dues_page(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<i64>,
    Query(q): Query<YearQuery>,
    headers: HeaderMap,
) -> WebResult<Response> {
    let b = branch_by_id(&state, &user, id).await?;
    super::page_with_flash(&headers, |done| dues_view(&state, &user, b, q.year(), Vec::new(), done)).await
}

#[derive(Deserialize)]
struct DuesForm {
    #[serde(default)]
    member_id: i64,
    #[serde(default)]
    nam: i16,
    #[serde(default)]
    amount: String,
}

async fn dues_pay(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<i64>,
    CsrfForm(f): CsrfForm<DuesForm>,
) -> WebResult<Response> {
    user.require(Action::EditAssociation)?;
    let b = branch_by_id(&state, &user, id).await?;
    let year = if (1990..=2100).contains(&f.nam) { f.nam } else { hoctap_store::today().year() };
    let result = async {
        let amount = dues_amount(&f.amount)?;
        let on = hoctap_store::today();
        state.store.dues_pay(&user.actor(), &b, f.member_id, year, amount, on, user.scope()).await.map_err(WebError::from)
    }
    .await;
    let to = format!("/hoi-khuyen-hoc/{}/hoi-phi?nam={year}", b.id);
    let result = result.map(|e| (to, format!("Đã ghi hội phí năm {year}: phiếu thu {}", e.entry_no)));
    super::after_post(&state, result, |errors| dues_view(&state, &user, b, year, errors, None)).await
}

// ---------------------------------------------------------------------------------------------
// Honour roll and payments to learners

#[derive(Template)]
#[template(path = "fund_honour.html")]
struct HonourPage {
    chrome: Chrome,
    branch: BranchRow,
    year: i16,
    all_years: bool,
    donors: Vec<(String, String, i64)>,
    total: String,
}

#[derive(Deserialize, Default)]
struct HonourQuery {
    #[serde(default)]
    nam: Option<i16>,
}

async fn honour_roll(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<i64>,
    Query(q): Query<HonourQuery>,
) -> WebResult<Response> {
    let b = branch_by_id(&state, &user, id).await?;
    let donors = state.store.fund_donors(&b.code, q.nam).await?;
    let total: Dong = donors.iter().map(|d| d.total).sum();
    render(&HonourPage {
        chrome: Chrome::new(format!("Sổ vàng {}", b.name), &user),
        year: q.nam.unwrap_or_else(|| hoctap_store::today().year()),
        all_years: q.nam.is_none(),
        donors: donors.into_iter().map(|d| (d.name, money(d.total), d.gifts)).collect(),
        total: money(total),
        branch: b,
    })
}

struct LearnerLine {
    entry_no: String,
    date: String,
    kind: &'static str,
    amount: String,
    beneficiary: String,
    cccd: String,
    decision: String,
}

#[derive(Template)]
#[template(path = "fund_learners.html")]
struct LearnersPage {
    chrome: Chrome,
    branch: BranchRow,
    year: i16,
    lines: Vec<LearnerLine>,
    totals: Vec<(&'static str, String, usize)>,
    can_export: bool,
}

async fn learner_payments(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<i64>,
    Query(q): Query<YearQuery>,
) -> WebResult<Response> {
    let b = branch_by_id(&state, &user, id).await?;
    let year = q.year();
    let entries = state.store.fund_learner_payments(&b.code, year).await?;
    let totals = EntryKind::all()
        .filter(|k| k.is_to_learners())
        .map(|k| {
            let of_kind: Vec<&FundEntryRow> = entries.iter().filter(|e| e.kind == k).collect();
            (k.label(), money(of_kind.iter().map(|e| e.amount).sum()), of_kind.len())
        })
        .collect();
    let lines = entries
        .iter()
        .map(|e| LearnerLine {
            entry_no: e.entry_no.clone(),
            date: format_vn(e.posted_on),
            kind: e.kind.label(),
            amount: money(e.amount),
            beneficiary: e.counterparty.clone().unwrap_or_default(),
            cccd: e.beneficiary_cccd.as_deref().map(|c| masked_cccd(&user, c)).unwrap_or_default(),
            decision: e.decision.clone().unwrap_or_default(),
        })
        .collect();
    render(&LearnersPage {
        chrome: Chrome::new(format!("Học bổng, khen thưởng năm {year}"), &user),
        can_export: user.user.role.may(Action::EditAssociation) && user.user.role.sees_personal_data(),
        branch: b,
        year,
        lines,
        totals,
    })
}

async fn learner_payments_xlsx(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<i64>,
    Query(q): Query<YearQuery>,
) -> WebResult<Response> {
    export_role(&user)?;
    let b = branch_by_id(&state, &user, id).await?;
    let year = q.year();
    let entries = state.store.fund_learner_payments(&b.code, year).await?;
    export_check(&state, &user, entries.len()).await?;
    let header: Vec<String> = ["STT", "Số chứng từ", "Ngày chi", "Nội dung", "Người thụ hưởng", "CCCD", "Số tiền (đồng)", "Quyết định"]
        .iter()
        .map(|s| (*s).to_string())
        .collect();
    let rows: Vec<Vec<String>> = entries
        .iter()
        .enumerate()
        .map(|(i, e)| {
            vec![
                (i + 1).to_string(),
                e.entry_no.clone(),
                format_vn(e.posted_on),
                e.kind.label().to_string(),
                e.counterparty.clone().unwrap_or_default(),
                e.beneficiary_cccd.clone().unwrap_or_default(),
                e.amount.get().to_string(),
                e.decision.clone().unwrap_or_default(),
            ]
        })
        .collect();
    let bytes = hoctap_docs::registry_xlsx::simple_xlsx("Hoc bong", &header, &rows).map_err(WebError::internal)?;
    Ok(xlsx_response(&format!("hoc-bong-khen-thuong-{}-{year}.xlsx", b.code), bytes))
}

// ---------------------------------------------------------------------------------------------
// Membership cards

async fn card_pdf(State(state): State<AppState>, user: CurrentUser, Path(id): Path<i64>) -> WebResult<Response> {
    user.require(Action::ReadLocal)?;
    let member = state.store.registry_get(&ASSOCIATION_MEMBERS, id).await.map_err(|_| WebError::NotFound("hội viên"))?;
    user.require_sees(&state.store, member.unit_id, "hội viên").await?;
    if !member.validity.contains(hoctap_store::today()) {
        return Err(WebError::invalid("id", "Hội viên đã ra khỏi hội: không cấp thẻ"));
    }
    // Drawn before any await: the thread's generator must not cross one.
    let new_code = {
        use rand::RngCore;
        hoctap_domain::recognition::verification_code(rand::rng().next_u64())
    };
    let code = state.store.member_card(&user.actor(), &member, &new_code).await?;
    let check = state.store.card_check(&code).await?.ok_or(WebError::NotFound("thẻ hội viên"))?;
    let doc = hoctap_docs::official_pdf::MembershipCardDoc {
        association: "Hội Khuyến học Việt Nam".into(),
        branch_name: check.branch_name,
        full_name: check.full_name,
        joined_on: check.joined_on.map(format_vn).unwrap_or_default(),
        issued_on: format_vn(check.issued_on),
        verify_url: state.public_url.join(&format!("/the-hoi-vien/{code}")),
        code: code.clone(),
    };
    let bytes = hoctap_docs::official_pdf::membership_card_pdf(&doc).map_err(WebError::internal)?;
    Ok((
        [
            (header::CONTENT_TYPE, "application/pdf".to_string()),
            (header::CONTENT_DISPOSITION, format!("inline; filename=\"the-hoi-vien-{code}.pdf\"")),
        ],
        bytes,
    )
        .into_response())
}

#[derive(Template)]
#[template(path = "card_check.html")]
struct CardCheckPage {
    chrome: Chrome,
    code: String,
    found: Option<hoctap_store::CardCheck>,
    joined: String,
    issued: String,
}

/// Public: no login; only the name, the branch, the dates and whether the card holds.
async fn card_check(State(state): State<AppState>, Path(code): Path<String>) -> WebResult<Response> {
    let chrome = Chrome { title: "Kiểm tra thẻ hội viên".into(), user: None, csrf: String::new() };
    let found = match hoctap_domain::recognition::parse_verification_code(&code) {
        Some(c) => state.store.card_check(&c).await?,
        None => None,
    };
    let status = if found.is_some() { StatusCode::OK } else { StatusCode::NOT_FOUND };
    let page = CardCheckPage {
        joined: found.as_ref().and_then(|f| f.joined_on).map(format_vn).unwrap_or_default(),
        issued: found.as_ref().map(|f| format_vn(f.issued_on)).unwrap_or_default(),
        chrome,
        code,
        found,
    };
    Ok((status, Html(page.render()?)).into_response())
}
