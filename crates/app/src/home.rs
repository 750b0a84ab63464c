//! The home page of each role (trang chủ): its work, not a menu. A commune officer sees this
//! year's deadlines, the dossiers by step, the steps without an account, the villages not yet
//! laid and the annual report's state; a province officer the communes' progress and the late
//! reports, with a reminder or a return; reviewers and signers their queue; a citizen their
//! own page; the national level its provinces.
//!
//! The page is a list of sections, each built by one function of [`SECTIONS`]. **Other features
//! add their part of the home page by adding one function to that list** (in the order shown),
//! never by editing the page's template: a section is plain data (title, lines, links).

use crate::{AppError, AppResult, CurrentUser};
use hoctap_domain::access::Role;
use hoctap_domain::date::format_vn;
use hoctap_domain::unit::UnitKind;
use hoctap_domain::workflow::state_label;
use hoctap_store::{CampaignRow, QueueCount, Store, UnitRow};
use jiff::civil::Date;
use std::collections::BTreeMap;
use std::future::Future;
use std::pin::Pin;

/// What every section function is given: the day, its year, the user's unit and the units
/// above it (nearest first), read once for the whole page.
pub struct HomeContext {
    pub today: Date,
    pub year: i16,
    pub unit: UnitRow,
    pub ancestors: Vec<UnitRow>,
    /// The campaigns the user is concerned by, newest first (read once, for the officers'
    /// sections; empty for other roles).
    pub campaigns: std::sync::Arc<Vec<CampaignRow>>,
    /// Of those, the ones with dossiers still in the cycle in the user's scope: how many. Past
    /// years' campaigns whose dossiers are all decided are left out of the sections.
    pub open_dossiers: BTreeMap<i64, i64>,
}

impl HomeContext {
    /// A commune-level unit officer (or association officer) of a commune or ward.
    pub fn is_commune(&self) -> bool {
        self.unit.kind == UnitKind::Commune
    }

    pub fn is_province(&self) -> bool {
        self.unit.kind == UnitKind::Province
    }

    /// The annual report's due date for this unit (the plans' rule of the unit or the
    /// nearest unit above that has one; 15/12 by default).
    pub fn report_due(&self, year: i16) -> Date {
        let chain: Vec<&str> = std::iter::once(self.unit.code.as_str()).chain(self.ancestors.iter().map(|a| a.code.as_str())).collect();
        hoctap_domain::plan::report_due_in(&chain, year)
    }
}

/// One part of a home page.
#[derive(Debug, Clone, Default)]
pub struct Section {
    /// A stable name (tests and the page's anchors read it).
    pub id: &'static str,
    pub title: String,
    pub lines: Vec<Line>,
    /// What the section says when it has no line.
    pub empty: String,
    /// A link to the whole list (label, address).
    pub more: Option<(String, String)>,
}

/// One line of a section: a text, an optional link and figure, and what can be done from it.
#[derive(Debug, Clone, Default)]
pub struct Line {
    pub text: String,
    pub link: Option<String>,
    /// A number or short state shown at the end of the line.
    pub figure: String,
    /// A second, smaller text (a date, who, why).
    pub note: String,
    /// Late or blocked: shown as a warning.
    pub warn: bool,
    pub actions: Vec<LineAction>,
}

/// An action offered on a line (a small form on the page).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LineAction {
    /// Remind a unit to send its annual report.
    RemindReport { unit_id: i64, year: i16 },
    /// Return a unit's submitted annual report for correction (asks for a reason).
    ReturnReport { unit_id: i64, year: i16 },
}

/// A section function's future.
pub type SectionFuture<'a> = Pin<Box<dyn Future<Output = AppResult<Vec<Section>>> + Send + 'a>>;
/// A section function: the sections it adds for this user (none when not theirs).
pub type SectionFn = for<'a> fn(&'a Store, &'a CurrentUser, &'a HomeContext) -> SectionFuture<'a>;

/// The home page's sections in the order shown. **The hook**: a feature adds its own function
/// here (one line), returning no section for the roles it does not concern.
pub const SECTIONS: &[(&str, SectionFn)] = &[
    ("queue", |s, u, c| Box::pin(queue(s, u, c))),
    ("deadlines", |s, u, c| Box::pin(deadlines(s, u, c))),
    ("dossiers_by_step", |s, u, c| Box::pin(dossiers_by_step(s, u, c))),
    ("step_gaps", |s, u, c| Box::pin(step_gaps(s, u, c))),
    ("villages_not_laid", |s, u, c| Box::pin(villages_not_laid(s, u, c))),
    ("annual_report", |s, u, c| Box::pin(annual_report(s, u, c))),
    ("children_progress", |s, u, c| Box::pin(children_progress(s, u, c))),
    ("late_reports", |s, u, c| Box::pin(late_reports(s, u, c))),
    ("citizen", |s, u, c| Box::pin(citizen(s, u, c))),
];

/// The user's home page: every section of [`SECTIONS`] that concerns them.
#[inline(never)]
pub fn home<'fut, 'l1: 'fut, 'l2: 'fut>(store: &'l1 Store, user: &'l2 CurrentUser) -> crate::BoxFut<'fut, AppResult<Vec<Section>>> {
    Box::pin(async move {
        let today = hoctap_store::today();
        let unit = store.unit(user.user.unit_id).await?;
        let ancestors = store.ancestors(unit.id, today).await?;
        let campaigns = if prepares(user) && matches!(unit.kind, UnitKind::Commune | UnitKind::Province) {
            kept_campaigns(store, user, today).await?
        } else {
            std::sync::Arc::default()
        };
        let mut open_dossiers = BTreeMap::new();
        if !campaigns.is_empty() {
            for q in queue_counts(store, user, today, &hoctap_domain::workflow::OPEN_STATES, None).await?.iter() {
                *open_dossiers.entry(q.campaign_id).or_default() += q.count;
            }
        }
        let ctx = HomeContext { today, year: today.year(), unit, ancestors, campaigns, open_dossiers };
        let mut out = Vec::new();
        for (_, f) in SECTIONS {
            out.extend(f(store, user, &ctx).await?);
        }
        Ok(out)
    })
}

/// The campaigns in the user's scope, kept per read generation (campaigns are watched).
async fn kept_campaigns(store: &Store, user: &CurrentUser, today: Date) -> AppResult<std::sync::Arc<Vec<CampaignRow>>> {
    let key = format!("home-campaigns {:?} {today}", user.scope());
    crate::kept::kept(store, key, async { Ok(store.campaigns(user.scope(), today).await?) }).await
}

/// Dossiers per campaign and state in the user's scope, kept per read generation: they read
/// only dossiers, campaigns and the unit tree, which the generation watches. Three sections
/// ask, on every visit of every officer's home page.
async fn queue_counts(
    store: &Store,
    user: &CurrentUser,
    today: Date,
    states: &[&str],
    campaigns: Option<&[i64]>,
) -> AppResult<std::sync::Arc<Vec<QueueCount>>> {
    let key = format!("home-queue {:?} {today} {states:?} {campaigns:?}", user.scope());
    crate::kept::kept(store, key, async { Ok(store.queue_counts(user.scope(), today, states, campaigns).await?) }).await
}

fn officer(user: &CurrentUser) -> bool {
    user.user.role == Role::UnitOfficer
}

fn prepares(user: &CurrentUser) -> bool {
    matches!(user.user.role, Role::UnitOfficer | Role::AssociationOfficer)
}

fn state_name(code: &str) -> &'static str {
    state_label(code).unwrap_or("")
}

fn int(n: i64) -> String {
    hoctap_domain::text::group_thousands(n)
}

fn days_text(days: i64) -> String {
    match days {
        0 => "hết hạn hôm nay".into(),
        d if d > 0 => format!("còn {d} ngày"),
        d => format!("quá hạn {} ngày", -d),
    }
}

/// Reviewers, signers and ministry reviewers: what waits for them, per campaign.
async fn queue(store: &Store, user: &CurrentUser, ctx: &HomeContext) -> AppResult<Vec<Section>> {
    let role = user.user.role;
    let states: &[&str] = match role {
        Role::Reviewer | Role::MinistryReviewer => &["submitted", "in_review"],
        Role::Signer => &["approved"],
        _ => return Ok(Vec::new()),
    };
    let mut lines = Vec::new();
    for q in queue_counts(store, user, ctx.today, states, None).await?.iter() {
        // A signer signs for their own unit's campaigns only.
        if role == Role::Signer && q.campaign_unit_id != user.user.unit_id {
            continue;
        }
        lines.push(Line {
            text: format!("{}: {}", q.title, state_name(&q.state)),
            link: Some(format!("/dot-danh-gia/{}?trang_thai={}", q.campaign_id, q.state)),
            figure: format!("{} hồ sơ", int(q.count)),
            ..Line::default()
        });
    }
    let title = if role == Role::Signer { "Chờ tôi ký quyết định công nhận" } else { "Hồ sơ chờ thẩm định" };
    Ok(vec![Section {
        id: "queue",
        title: title.into(),
        lines,
        empty: "Không có hồ sơ nào đang chờ.".into(),
        more: Some(("Mở Việc của tôi".into(), "/viec-cua-toi".into())),
    }])
}

/// This year's deadlines: the campaigns', the annual report's, the plans' tasks of the year.
async fn deadlines(store: &Store, user: &CurrentUser, ctx: &HomeContext) -> AppResult<Vec<Section>> {
    if !(officer(user) && (ctx.is_commune() || ctx.is_province())) {
        return Ok(Vec::new());
    }
    let mut dated: Vec<(Date, Line)> = Vec::new();
    let line = |when: Date, text: String, link: String, done: bool| {
        let days: i64 = (when - ctx.today).get_days().into();
        Line {
            text,
            link: Some(link),
            figure: format_vn(when),
            note: if done { "đã xong".into() } else { days_text(days) },
            warn: !done && days < 0,
            actions: Vec::new(),
        }
    };
    for c in ctx.campaigns.iter() {
        if c.closed || c.year != i64::from(ctx.year) {
            continue;
        }
        for (when, what) in [
            (c.self_assessment_closes, "hết hạn tự đánh giá"),
            (c.dossier_due, "hạn nộp hồ sơ"),
            (c.decision_due, "hạn ra quyết định công nhận"),
        ] {
            dated.push((when, line(when, format!("{}: {what}", c.title), format!("/dot-danh-gia/{}", c.id), false)));
        }
    }
    let due = ctx.report_due(ctx.year);
    let sent = store.annual_report(ctx.unit.id, ctx.year).await?.is_some_and(|r| r.submitted);
    dated.push((
        due,
        line(
            due,
            format!("Gửi báo cáo kết quả xây dựng XHHT năm {}", ctx.year),
            format!("/bao-cao/{}?nam={}", ctx.unit.id, ctx.year),
            sent,
        ),
    ));
    let tasks = crate::boards::my_tasks(store, user).await?;
    let (this_year, earlier): (Vec<_>, Vec<_>) = tasks.iter().partition(|t| t.due.year() >= ctx.year);
    for t in this_year.iter().filter(|t| t.due.year() == ctx.year) {
        dated.push((t.due, line(t.due, format!("Nhiệm vụ: {}", t.name), format!("/nhiem-vu/{}", t.id), false)));
    }
    dated.sort_by_key(|(d, _)| *d);
    let mut lines: Vec<Line> = dated.into_iter().map(|(_, l)| l).collect();
    if !earlier.is_empty() {
        // Past years are summarised, never listed as "quá hạn 1.822 ngày".
        lines.push(Line {
            text: format!("{} nhiệm vụ của các năm trước chưa báo cáo hoàn thành", int(earlier.len() as i64)),
            link: Some("/viec-cua-toi".into()),
            note: "tổng hợp theo năm trong Việc của tôi".into(),
            ..Line::default()
        });
    }
    Ok(vec![Section {
        id: "deadlines",
        title: format!("Các mốc hạn năm {}", ctx.year),
        lines,
        empty: "Không có mốc hạn nào trong năm.".into(),
        more: None,
    }])
}

/// Dossiers of the open campaigns by step (state), per campaign.
async fn dossiers_by_step(store: &Store, user: &CurrentUser, ctx: &HomeContext) -> AppResult<Vec<Section>> {
    if !(prepares(user) && ctx.is_commune()) {
        return Ok(Vec::new());
    }
    let states: Vec<&str> = hoctap_domain::workflow::STATE_LABELS.iter().map(|(c, _)| *c).collect();
    // This year's campaigns and earlier ones that still have open dossiers.
    let shown: Vec<i64> = ctx
        .campaigns
        .iter()
        .filter(|c| !c.closed && (c.year == i64::from(ctx.year) || ctx.open_dossiers.contains_key(&c.id)))
        .map(|c| c.id)
        .collect();
    let mut per: BTreeMap<i64, (String, Vec<(String, i64)>)> = BTreeMap::new();
    for q in queue_counts(store, user, ctx.today, &states, Some(&shown)).await?.iter() {
        per.entry(q.campaign_id).or_insert_with(|| (q.title.clone(), Vec::new())).1.push((q.state.clone(), q.count));
    }
    let mut lines = Vec::new();
    for (cid, (title, counts)) in per.into_iter().rev() {
        let total: i64 = counts.iter().map(|(_, n)| n).sum();
        let order = |s: &str| states.iter().position(|x| *x == s).unwrap_or(99);
        let mut counts = counts;
        counts.sort_by_key(|(s, _)| order(s));
        let parts: Vec<String> = counts.iter().map(|(s, n)| format!("{} {}", state_name(s), int(*n))).collect();
        lines.push(Line {
            text: title,
            link: Some(format!("/dot-danh-gia/{cid}")),
            figure: format!("{} hồ sơ", int(total)),
            note: parts.join(" · "),
            ..Line::default()
        });
    }
    Ok(vec![Section {
        id: "dossiers_by_step",
        title: "Hồ sơ theo bước".into(),
        lines,
        empty: "Chưa có đợt đánh giá nào đang mở.".into(),
        more: Some(("Tất cả đợt đánh giá".into(), "/dot-danh-gia".into())),
    }])
}

/// Review steps that have no active account where dossiers wait, with the fix.
async fn step_gaps(store: &Store, user: &CurrentUser, ctx: &HomeContext) -> AppResult<Vec<Section>> {
    if !(prepares(user) && (ctx.is_commune() || ctx.is_province())) {
        return Ok(Vec::new());
    }
    let mut lines = Vec::new();
    for c in ctx.campaigns.iter().filter(|c| !c.closed && ctx.open_dossiers.contains_key(&c.id)) {
        for g in store.step_gaps(c, user.scope(), ctx.today).await? {
            lines.push(Line {
                text: format!("{} hồ sơ chờ {} ({}): chưa có tài khoản", int(g.waiting), g.step_name, g.unit_name),
                link: Some("/nguoi-dung".into()),
                note: format!("{}; tạo tài khoản cho bước này, hoặc cấp trên xử lý thay", c.title),
                warn: true,
                ..Line::default()
            });
        }
    }
    Ok(vec![Section {
        id: "step_gaps",
        title: "Bước thẩm định chưa có người".into(),
        lines,
        empty: "Mọi bước thẩm định đều có tài khoản.".into(),
        more: None,
    }])
}

/// Villages of the commune that have no dossier in this year's open campaigns.
async fn villages_not_laid(store: &Store, user: &CurrentUser, ctx: &HomeContext) -> AppResult<Vec<Section>> {
    if !(prepares(user) && ctx.is_commune()) {
        return Ok(Vec::new());
    }
    let open: Vec<&CampaignRow> = ctx.campaigns.iter().filter(|c| !c.closed && c.year == i64::from(ctx.year)).collect();
    if open.is_empty() {
        return Ok(vec![villages_section(Vec::new())]);
    }
    let villages = store.villages(ctx.unit.id, ctx.today).await?;
    let (campaign_ids, village_ids): (Vec<i64>, Vec<i64>) = (open.iter().map(|c| c.id).collect(), villages.iter().map(|v| v.id).collect());
    let key = format!("home-laid {campaign_ids:?} {village_ids:?}");
    let laid = crate::kept::kept(store, key, async { Ok(store.units_with_dossiers(&campaign_ids, &village_ids).await?) }).await?;
    let mut lines = Vec::new();
    for c in open {
        let missing: Vec<&UnitRow> = villages.iter().filter(|v| !laid.contains(&(c.id, v.id))).collect();
        if missing.is_empty() {
            continue;
        }
        lines.push(Line {
            text: format!("{}: {} thôn chưa có hồ sơ", c.title, int(missing.len() as i64)),
            link: Some(format!("/dot-danh-gia/{}", c.id)),
            figure: format!("{}/{}", int(missing.len() as i64), int(villages.len() as i64)),
            note: missing.iter().map(|v| v.name.as_str()).collect::<Vec<_>>().join(", "),
            warn: true,
            actions: Vec::new(),
        });
    }
    Ok(vec![villages_section(lines)])
}

fn villages_section(lines: Vec<Line>) -> Section {
    Section {
        id: "villages_not_laid",
        title: "Thôn chưa lập hồ sơ".into(),
        lines,
        empty: "Mọi thôn đã có hồ sơ trong các đợt của năm.".into(),
        more: None,
    }
}

/// The unit's annual report: not started, draft, sent; returned or reminded by the level above.
async fn annual_report(store: &Store, user: &CurrentUser, ctx: &HomeContext) -> AppResult<Vec<Section>> {
    if !(officer(user) && ctx.is_commune()) {
        return Ok(Vec::new());
    }
    let due = ctx.report_due(ctx.year);
    let report = store.annual_report(ctx.unit.id, ctx.year).await?;
    let days: i64 = (due - ctx.today).get_days().into();
    let (state, warn) = match &report {
        Some(r) if r.submitted => (format!("Đã gửi cấp trên ({})", r.submitted_at.get(..10).map(iso_vn).unwrap_or_default()), false),
        Some(_) => ("Đang soạn".to_string(), days < 0),
        None => ("Chưa bắt đầu".to_string(), days < 0),
    };
    let mut lines = vec![Line {
        text: format!("Báo cáo kết quả xây dựng XHHT năm {}", ctx.year),
        link: Some(format!("/bao-cao/{}?nam={}", ctx.unit.id, ctx.year)),
        figure: state,
        note: format!("hạn {} ({})", format_vn(due), days_text(days)),
        warn,
        actions: Vec::new(),
    }];
    for r in store.report_reminders(ctx.unit.id, ctx.year).await? {
        let when = r.sent_at.get(..10).map(iso_vn).unwrap_or_default();
        lines.push(Line {
            text: if r.kind == "return" {
                format!("Cấp trên trả lại báo cáo ngày {when}")
            } else {
                format!("Cấp trên nhắc gửi báo cáo ngày {when}")
            },
            note: r.note.clone(),
            warn: true,
            ..Line::default()
        });
    }
    Ok(vec![Section { id: "annual_report", title: "Báo cáo năm".into(), lines, empty: String::new(), more: None }])
}

/// `2026-12-06` as `06/12/2026`.
fn iso_vn(iso: &str) -> String {
    iso.parse::<Date>().map(format_vn).unwrap_or_default()
}

/// The units below (the province's communes, the country's provinces): this year's dossiers.
async fn children_progress(store: &Store, user: &CurrentUser, ctx: &HomeContext) -> AppResult<Vec<Section>> {
    let national = user.user.role.national();
    if !(national || (officer(user) && ctx.is_province())) {
        return Ok(Vec::new());
    }
    let kids = if national {
        store.provinces(ctx.today).await?
    } else {
        store.children(ctx.unit.id, ctx.today).await?.into_iter().filter(|k| k.kind != UnitKind::Village).collect()
    };
    let ids: Vec<i64> = kids.iter().map(|k| k.id).collect();
    let progress = store.children_progress(&ids, i64::from(ctx.year), ctx.today).await?;
    let sent = store.reports_submitted(&ids, ctx.year).await?;
    let mut lines: Vec<Line> = kids
        .iter()
        .map(|k| {
            let p = progress.get(&k.id).cloned().unwrap_or_default();
            let total = p.total();
            let open = p.count("draft") + p.count("returned");
            let waiting = p.count("submitted") + p.count("in_review") + p.count("approved");
            Line {
                text: k.name.clone(),
                link: Some(format!("/tong-hop?don_vi={}", k.id)),
                figure: if total == 0 {
                    "chưa có hồ sơ".into()
                } else {
                    format!("{}/{} đã công nhận", int(p.count("recognised")), int(total))
                },
                note: format!(
                    "đang lập {} · chờ thẩm định, quyết định {} · không công nhận {} · báo cáo năm: {}",
                    int(open),
                    int(waiting),
                    int(p.count("rejected")),
                    if sent.contains_key(&k.id) { "đã gửi" } else { "chưa gửi" }
                ),
                warn: total == 0,
                actions: Vec::new(),
            }
        })
        .collect();
    // Those that have done least first.
    lines.sort_by_key(|l| !l.warn);
    let (id, title) =
        if national { ("provinces", "Tiến độ các tỉnh, thành phố") } else { ("communes", "Tiến độ các xã, phường") };
    Ok(vec![Section {
        id,
        title: format!("{title} năm {}", ctx.year),
        lines,
        empty: "Không có đơn vị nào.".into(),
        more: Some(("Trang tổng hợp".into(), "/tong-hop".into())),
    }])
}

/// The province's communes that have not sent an annual report past its due date (the year
/// before, and this year once due), and those sent this year, which can be returned.
async fn late_reports(store: &Store, user: &CurrentUser, ctx: &HomeContext) -> AppResult<Vec<Section>> {
    if !(officer(user) && ctx.is_province()) {
        return Ok(Vec::new());
    }
    let kids: Vec<UnitRow> = store.children(ctx.unit.id, ctx.today).await?.into_iter().filter(|k| k.kind != UnitKind::Village).collect();
    let ids: Vec<i64> = kids.iter().map(|k| k.id).collect();
    let mut lines = Vec::new();
    for year in [ctx.year - 1, ctx.year] {
        let sent = store.reports_submitted(&ids, year).await?;
        let late: Vec<i64> = kids.iter().filter(|k| !sent.contains_key(&k.id)).map(|k| k.id).collect();
        let reminders = store.report_reminders_of(&late, year).await?;
        for k in &kids {
            let chain: Vec<&str> = std::iter::once(k.code.as_str())
                .chain(std::iter::once(ctx.unit.code.as_str()))
                .chain(ctx.ancestors.iter().map(|a| a.code.as_str()))
                .collect();
            let due = hoctap_domain::plan::report_due_in(&chain, year);
            let days: i64 = (due - ctx.today).get_days().into();
            match sent.get(&k.id) {
                None if days < 0 => {
                    let last = reminders.get(&k.id).and_then(|rs| rs.iter().find(|r| r.kind == "remind"));
                    lines.push(Line {
                        text: format!("{}: báo cáo năm {year}", k.name),
                        link: Some(format!("/bao-cao/{}?nam={year}", k.id)),
                        figure: days_text(days),
                        note: match last {
                            Some(r) => {
                                format!("hạn {}; đã nhắc ngày {}", format_vn(due), r.sent_at.get(..10).map(iso_vn).unwrap_or_default())
                            }
                            None => format!("hạn {}; chưa nhắc", format_vn(due)),
                        },
                        warn: true,
                        actions: vec![LineAction::RemindReport { unit_id: k.id, year }],
                    });
                }
                Some(at) if year == ctx.year => lines.push(Line {
                    text: format!("{}: báo cáo năm {year} đã gửi", k.name),
                    link: Some(format!("/bao-cao/{}?nam={year}", k.id)),
                    figure: at.get(..10).map(iso_vn).unwrap_or_default(),
                    note: "xem và trả lại nếu cần bổ sung".into(),
                    warn: false,
                    actions: vec![LineAction::ReturnReport { unit_id: k.id, year }],
                }),
                _ => {}
            }
        }
    }
    Ok(vec![Section {
        id: "late_reports",
        title: "Báo cáo năm của các xã".into(),
        lines,
        empty: "Không có báo cáo nào quá hạn.".into(),
        more: None,
    }])
}

/// A citizen: their own page.
async fn citizen(_store: &Store, user: &CurrentUser, _ctx: &HomeContext) -> AppResult<Vec<Section>> {
    if user.user.role != Role::Citizen {
        return Ok(Vec::new());
    }
    Ok(vec![Section {
        id: "citizen",
        title: "Trang của tôi".into(),
        lines: vec![
            Line {
                text: "Thông tin của tôi".into(),
                link: Some("/cong-dan".into()),
                note: "hồ sơ trong sổ, hộ gia đình, danh hiệu và giấy chứng nhận, yêu cầu đính chính".into(),
                ..Line::default()
            },
            Line {
                text: "Hồ sơ học tập".into(),
                link: Some("/ho-so-hoc-tap".into()),
                note: "các hoạt động đã tham gia, số giờ, khóa học khác tự khai".into(),
                ..Line::default()
            },
            Line {
                text: "Tự đánh giá Công dân học tập".into(),
                link: Some("/tu-danh-gia".into()),
                note: "xem các đợt đang mở, hồ sơ và kết quả của bạn".into(),
                ..Line::default()
            },
        ],
        empty: String::new(),
        more: None,
    }])
}

/// Who reminds units below of their annual reports and returns them: unit officers and the
/// administrator (403 for any other role, before the form is read).
pub fn may_act_on_reports(user: &CurrentUser) -> AppResult<()> {
    if officer(user) || user.is_admin() { Ok(()) } else { Err(AppError::Forbidden) }
}

/// A unit the officer acts on: a unit below theirs (403 for any other role, 404 for a unit
/// not below).
async fn child_of_officer(store: &Store, user: &CurrentUser, unit_id: i64) -> AppResult<UnitRow> {
    may_act_on_reports(user)?;
    let today = hoctap_store::today();
    let unit = store.unit(unit_id).await.map_err(|_| AppError::NotFound("đơn vị"))?;
    let above = store.ancestors(unit.id, today).await?;
    let below_mine = user.is_admin() || above.iter().any(|a| a.id == user.user.unit_id);
    if !below_mine || unit.id == user.user.unit_id {
        return Err(AppError::NotFound("đơn vị"));
    }
    Ok(unit)
}

fn year_of(raw: i16) -> AppResult<i16> {
    let this = hoctap_store::today().year();
    if (2000..=this).contains(&raw) {
        Ok(raw)
    } else {
        Err(AppError::invalid("nam", format!("Năm báo cáo phải từ 2000 đến {this}")))
    }
}

/// Reminds a unit below to send its annual report; the unit's officers are told in the same
/// transaction.
#[inline(never)]
pub fn remind_report<'fut, 'l1: 'fut, 'l2: 'fut, 'l3: 'fut>(
    store: &'l1 Store,
    user: &'l2 CurrentUser,
    unit_id: i64,
    year: i16,
    note: &'l3 str,
) -> crate::BoxFut<'fut, AppResult<UnitRow>> {
    Box::pin(async move {
        let unit = child_of_officer(store, user, unit_id).await?;
        let year = year_of(year)?;
        let note = hoctap_domain::text::clean(note);
        let notes = crate::notify::notices(store, &crate::notify::Event::ReportReminded { unit_id: unit.id, year, note: &note }).await?;
        store.remind_report(&user.actor(), unit.id, year, &note, &notes).await?;
        Ok(unit)
    })
}

/// Returns a unit's submitted annual report for correction, with the reason; the unit's
/// officers are told in the same transaction.
#[inline(never)]
pub fn return_report<'fut, 'l1: 'fut, 'l2: 'fut, 'l3: 'fut>(
    store: &'l1 Store,
    user: &'l2 CurrentUser,
    unit_id: i64,
    year: i16,
    reason: &'l3 str,
) -> crate::BoxFut<'fut, AppResult<UnitRow>> {
    Box::pin(async move {
        let unit = child_of_officer(store, user, unit_id).await?;
        let year = year_of(year)?;
        let reason = hoctap_domain::text::clean(reason);
        if reason.trim().is_empty() {
            return Err(AppError::invalid("ly_do", "Ghi lý do trả lại báo cáo"));
        }
        let notes =
            crate::notify::notices(store, &crate::notify::Event::ReportReturned { unit_id: unit.id, year, reason: &reason }).await?;
        store.return_report(&user.actor(), unit.id, year, &reason, &notes).await?;
        Ok(unit)
    })
}
