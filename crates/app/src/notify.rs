//! Notifications (thông báo): the one use case every feature calls for its events. An
//! [`Event`] becomes notifications for the users it concerns ([`notices`]), with subjects that
//! carry no personal data (no name, CCCD or birth date: a dossier or request by its number);
//! an event whose feature writes in its own transaction passes them to that write (a dossier's
//! return, a correction's answer), the others call [`notify`] once their write is done.
//! The in-app list, the unread count, marking read and each user's preferences live here too.

use crate::{AppError, AppResult, CurrentUser};
use hoctap_domain::access::Role;
use hoctap_domain::registry::def::{CITIZENS, Value};
use hoctap_store::{AssessmentRow, CorrectionRow, NewNotification, NotificationPrefs, NotificationRow, Store, TaskRow};

/// The kinds of notifications, with their Vietnamese names (the preferences page lists them).
pub const KINDS: &[(&str, &str)] = &[
    ("returned", "Hồ sơ bị trả lại hoặc không được công nhận"),
    ("deadline", "Sắp đến hạn (trước 7, 3 và 1 ngày)"),
    ("report", "Báo cáo nhiệm vụ đến hạn hoặc quá hạn"),
    ("decision", "Quyết định công nhận được ban hành"),
    ("correction", "Yêu cầu đính chính được trả lời"),
    ("task", "Nhiệm vụ được giao"),
];

/// What happened.
pub enum Event<'a> {
    /// A dossier returned for correction, with the reviewer's comments per indicator.
    DossierReturned { dossier: &'a AssessmentRow, comments: &'a std::collections::BTreeMap<String, String> },
    /// A dossier not recognised, with the reason.
    DossierRejected { dossier: &'a AssessmentRow, reason: &'a str },
    /// A decision of recognition issued for these dossiers.
    DecisionIssued { decision_id: i64, campaign_title: &'a str, unit_id: i64, dossiers: &'a [AssessmentRow] },
    /// A citizen's correction request answered.
    CorrectionAnswered { request: &'a CorrectionRow, approved: bool, reason: &'a str },
    /// A plan's task handed to a unit or a user.
    TaskAssigned { task: &'a TaskRow },
    /// A task due in `days` days (7, 3 or 1).
    TaskDue { task: &'a TaskRow, days: i64 },
    /// A task whose deadline has passed without a report saying it is done.
    TaskLate { task: &'a TaskRow },
    /// A campaign's self-assessment closing in `days` days, for the citizens of its area.
    SelfAssessmentCloses { campaign_id: i64, campaign_title: &'a str, unit_id: i64, days: i64, closes: jiff::civil::Date },
    /// A unit's annual report due in `days` days (7, 3 or 1), not sent yet.
    ReportDue { unit_id: i64, year: i16, due: jiff::civil::Date, days: i64 },
    /// A unit's annual report past its due date and not sent.
    ReportLate { unit_id: i64, year: i16, due: jiff::civil::Date },
    /// The level above reminds a unit of its annual report, with its note.
    ReportReminded { unit_id: i64, year: i16, note: &'a str },
    /// The level above returns a unit's annual report for correction, with the reason.
    ReportReturned { unit_id: i64, year: i16, reason: &'a str },
}

/// Who a unit's annual report concerns: the unit's officers.
async fn report_people(store: &Store, unit_id: i64) -> AppResult<Vec<i64>> {
    Ok(store.users_of_unit(unit_id, &["unit_officer"]).await?)
}

fn report_link(unit_id: i64, year: i16) -> String {
    format!("/bao-cao/{unit_id}?nam={year}")
}

fn note(user_id: i64, kind: &str, subject: String, body: String, link: String, dedup: Option<String>) -> NewNotification {
    NewNotification { user_id, kind: kind.into(), subject, body, link, dedup_key: dedup }
}

/// The account of the citizen a dossier is about (found by the CCCD of the citizens' record).
async fn citizen_account(store: &Store, subject_kind: &str, subject_id: i64) -> AppResult<Option<i64>> {
    if subject_kind != "citizen" {
        return Ok(None);
    }
    let Ok(r) = store.registry_get(&CITIZENS, subject_id).await else { return Ok(None) };
    let Some(Value::Text(cccd)) = r.values.get("cccd") else { return Ok(None) };
    Ok(store.user_by_username(cccd).await?.filter(|u| u.role == Role::Citizen && u.active).map(|u| u.id))
}

/// Who a dossier's news goes to: who submitted it and the citizen it is about.
async fn dossier_people(store: &Store, a: &AssessmentRow) -> AppResult<Vec<i64>> {
    let mut to: Vec<i64> = a.dossier.submitted_by.into_iter().collect();
    if let Some(c) = citizen_account(store, &a.subject_kind, a.subject_id).await? {
        to.push(c);
    }
    to.sort_unstable();
    to.dedup();
    Ok(to)
}

/// Who a task's news goes to: the user it is handed to, else the officers of its unit.
async fn task_people(store: &Store, t: &TaskRow) -> AppResult<Vec<i64>> {
    if let Some(u) = t.assignee_user_id {
        return Ok(vec![u]);
    }
    let unit = t.assignee_unit_id.unwrap_or(t.unit_id);
    Ok(store.users_of_unit(unit, &["unit_officer"]).await?)
}

/// The notifications of an event.
#[inline(never)]
pub fn notices<'fut, 'l1: 'fut, 'l2: 'fut, 'l3: 'fut>(
    store: &'l2 Store,
    e: &'l3 Event<'l1>,
) -> crate::BoxFut<'fut, AppResult<Vec<NewNotification>>> {
    Box::pin(async move {
        let mut out = Vec::new();
        match e {
            Event::DossierReturned { dossier, comments } => {
                let mut body = format!("Hồ sơ số {} được trả lại để bổ sung, sửa. Ý kiến của người thẩm định:", dossier.id);
                for (indicator, comment) in comments.iter() {
                    body.push_str(&format!("\n- {indicator}: {comment}"));
                }
                for u in dossier_people(store, dossier).await? {
                    out.push(note(
                        u,
                        "returned",
                        format!("Hồ sơ số {} bị trả lại để bổ sung", dossier.id),
                        body.clone(),
                        format!("/ho-so/{}", dossier.id),
                        None,
                    ));
                }
            }
            Event::DossierRejected { dossier, reason } => {
                for u in dossier_people(store, dossier).await? {
                    out.push(note(
                        u,
                        "returned",
                        format!("Hồ sơ số {} không được công nhận", dossier.id),
                        format!("Hồ sơ số {} không được công nhận. Lý do: {reason}", dossier.id),
                        format!("/ho-so/{}", dossier.id),
                        None,
                    ));
                }
            }
            Event::DecisionIssued { decision_id, campaign_title, unit_id, dossiers } => {
                let mut to = store.users_of_unit(*unit_id, &["unit_officer", "association_officer"]).await?;
                for a in dossiers.iter() {
                    to.extend(dossier_people(store, a).await?);
                }
                to.sort_unstable();
                to.dedup();
                for u in to {
                    out.push(note(
                        u,
                        "decision",
                        decision_subject(*decision_id),
                        format!("Quyết định công nhận của đợt \"{campaign_title}\" đã được ban hành ({} hồ sơ).", dossiers.len()),
                        format!("/quyet-dinh/{decision_id}"),
                        None,
                    ));
                }
            }
            Event::CorrectionAnswered { request, approved, reason } => {
                let (subject, body) = if *approved {
                    (
                        format!("Yêu cầu đính chính số {} đã được chấp nhận", request.id),
                        "Thông tin của bạn trong sổ công dân đã được sửa theo yêu cầu.".to_string(),
                    )
                } else {
                    (format!("Yêu cầu đính chính số {} không được chấp nhận", request.id), format!("Lý do: {reason}"))
                };
                out.push(note(request.user_id, "correction", subject, body, "/cong-dan/dinh-chinh".into(), None));
            }
            Event::TaskAssigned { task } => {
                for u in task_people(store, task).await? {
                    out.push(note(
                        u,
                        "task",
                        format!("Được giao nhiệm vụ số {} năm {}", task.task_no, task.year),
                        format!("{} ({}), hạn {}.", task.name, task.plan_label, hoctap_domain::date::format_vn(task.due)),
                        format!("/nhiem-vu/{}", task.id),
                        None,
                    ));
                }
            }
            Event::TaskDue { task, days } => {
                for u in task_people(store, task).await? {
                    out.push(note(
                        u,
                        "report",
                        format!("Nhiệm vụ số {} còn {days} ngày đến hạn báo cáo", task.task_no),
                        format!("{}: hạn {}.", task.name, hoctap_domain::date::format_vn(task.due)),
                        format!("/nhiem-vu/{}", task.id),
                        Some(format!("task-due:{}:{days}", task.id)),
                    ));
                }
            }
            Event::TaskLate { task } => {
                for u in task_people(store, task).await? {
                    out.push(note(
                        u,
                        "report",
                        format!("Nhiệm vụ số {} đã quá hạn báo cáo", task.task_no),
                        format!("{}: hạn {} đã qua, chưa có báo cáo hoàn thành.", task.name, hoctap_domain::date::format_vn(task.due)),
                        format!("/nhiem-vu/{}", task.id),
                        Some(format!("task-late:{}", task.id)),
                    ));
                }
            }
            Event::SelfAssessmentCloses { campaign_id, campaign_title, unit_id, days, closes } => {
                for u in store.users_in_subtree(*unit_id, "citizen", hoctap_store::today()).await? {
                    out.push(note(
                        u,
                        "deadline",
                        format!("Còn {days} ngày để tự đánh giá"),
                        format!("Đợt \"{campaign_title}\" nhận tự đánh giá đến hết ngày {}.", hoctap_domain::date::format_vn(*closes)),
                        "/tu-danh-gia".into(),
                        Some(format!("self-closes:{campaign_id}:{days}")),
                    ));
                }
            }
            Event::ReportDue { unit_id, year, due, days } => {
                for u in report_people(store, *unit_id).await? {
                    out.push(note(
                        u,
                        "report",
                        format!("Báo cáo năm {year} còn {days} ngày đến hạn"),
                        format!("Báo cáo năm {year} của đơn vị cần gửi cấp trên trước hết ngày {}.", hoctap_domain::date::format_vn(*due)),
                        report_link(*unit_id, *year),
                        Some(format!("report-due:{unit_id}:{year}:{days}")),
                    ));
                }
            }
            Event::ReportLate { unit_id, year, due } => {
                for u in report_people(store, *unit_id).await? {
                    out.push(note(
                        u,
                        "report",
                        format!("Báo cáo năm {year} đã quá hạn"),
                        format!("Hạn gửi báo cáo năm {year} là ngày {}; đơn vị chưa gửi.", hoctap_domain::date::format_vn(*due)),
                        report_link(*unit_id, *year),
                        Some(format!("report-late:{unit_id}:{year}")),
                    ));
                }
            }
            Event::ReportReminded { unit_id, year, note: text } => {
                let mut body = format!("Cấp trên nhắc đơn vị gửi báo cáo năm {year}.");
                if !text.trim().is_empty() {
                    body.push_str(&format!(" Ghi chú: {}", text.trim()));
                }
                for u in report_people(store, *unit_id).await? {
                    out.push(note(u, "report", format!("Nhắc gửi báo cáo năm {year}"), body.clone(), report_link(*unit_id, *year), None));
                }
            }
            Event::ReportReturned { unit_id, year, reason } => {
                for u in report_people(store, *unit_id).await? {
                    out.push(note(
                        u,
                        "report",
                        format!("Báo cáo năm {year} bị trả lại để bổ sung"),
                        format!("Cấp trên trả lại báo cáo năm {year}. Lý do: {}", reason.trim()),
                        report_link(*unit_id, *year),
                        None,
                    ));
                }
            }
        }
        Ok(out)
    })
}

/// The notifications of many transitions (a bulk return or refusal tells each dossier's
/// people as a single one does), for the batch's own transaction.
#[inline(never)]
pub fn batch_notices<'fut, 'l1: 'fut, 'l2: 'fut, 'l3: 'fut>(
    store: &'l2 Store,
    items: &'l3 [hoctap_store::BatchTransition<'l1>],
) -> crate::BoxFut<'fut, AppResult<Vec<NewNotification>>> {
    Box::pin(async move {
        let mut out = Vec::new();
        for t in items {
            out.extend(transition_notices(store, t.from, &t.next).await?);
        }
        Ok(out)
    })
}

/// The notifications of a decision about to be issued, made from its number once the
/// decision's transaction has it (written in that transaction).
#[inline(never)]
pub fn decision_notices<'fut, 'l1: 'fut, 'l2: 'fut, 'l3: 'fut>(
    store: &'l1 Store,
    campaign_title: &'l2 str,
    unit_id: i64,
    dossiers: &'l3 [AssessmentRow],
) -> crate::BoxFut<'fut, AppResult<impl Fn(i64) -> Vec<NewNotification> + Send + Sync + use<>>> {
    Box::pin(async move {
        // The people are found before the write; only the number is missing.
        let template = notices(store, &Event::DecisionIssued { decision_id: 0, campaign_title, unit_id, dossiers }).await?;
        let people: Vec<(i64, String)> = template.into_iter().map(|n| (n.user_id, n.body)).collect();
        Ok(move |decision_id: i64| {
            people
                .iter()
                .map(|(u, body)| {
                    note(*u, "decision", decision_subject(decision_id), body.clone(), format!("/quyet-dinh/{decision_id}"), None)
                })
                .collect()
        })
    })
}

fn decision_subject(decision_id: i64) -> String {
    format!("Đã ban hành quyết định công nhận số {decision_id}")
}

/// Hands a task to its assignee and tells them in the same transaction.
#[inline(never)]
pub fn assign_task<'fut, 'l1: 'fut, 'l2: 'fut, 'l3: 'fut, 'l4: 'fut>(
    store: &'l1 Store,
    user: &'l2 CurrentUser,
    t: &'l3 TaskRow,
    a: &'l4 hoctap_store::Assignment,
) -> crate::BoxFut<'fut, AppResult<()>> {
    Box::pin(async move {
        let assigned = TaskRow { assignee_agency: a.agency.clone(), assignee_unit_id: a.unit_id, assignee_user_id: a.user_id, ..t.clone() };
        let notes = notices(store, &Event::TaskAssigned { task: &assigned }).await?;
        store.task_assign_notifying(&user.actor(), t, a, &notes).await?;
        Ok(())
    })
}

/// The notifications of a dossier's transition (a return or a refusal; none otherwise), for the
/// transition's own transaction.
#[inline(never)]
pub fn transition_notices<'fut, 'l1: 'fut, 'l2: 'fut, 'l3: 'fut>(
    store: &'l1 Store,
    from: &'l2 AssessmentRow,
    next: &'l3 hoctap_domain::workflow::Dossier,
) -> crate::BoxFut<'fut, AppResult<Vec<NewNotification>>> {
    Box::pin(async move {
        match &next.state {
            hoctap_domain::workflow::State::Returned { comments, .. } => {
                notices(store, &Event::DossierReturned { dossier: from, comments }).await
            }
            hoctap_domain::workflow::State::Rejected { reason } => notices(store, &Event::DossierRejected { dossier: from, reason }).await,
            _ => Ok(Vec::new()),
        }
    })
}

/// Writes an event's notifications in a transaction of their own, after the event's write.
/// A failure here is logged and does not undo the event.
#[inline(never)]
pub fn notify<'fut, 'l1: 'fut, 'l2: 'fut, 'l3: 'fut>(store: &'l2 Store, e: &'l3 Event<'l1>) -> crate::BoxFut<'fut, usize> {
    Box::pin(async move {
        let written = async { Ok::<_, AppError>(store.notify(&notices(store, e).await?).await?) }.await;
        match written {
            Ok(n) => n,
            Err(err) => {
                tracing::error!(error = %err, "không ghi được thông báo");
                0
            }
        }
    })
}

/// The reminders due today: tasks 7, 3 and 1 days before their deadline and tasks late;
/// campaigns' self-assessment 7, 3 and 1 days before it closes. Each is written once per
/// user (its key), so running this many times a day writes them once.
#[inline(never)]
pub fn remind<'fut, 'l1: 'fut>(store: &'l1 Store, today: jiff::civil::Date) -> crate::BoxFut<'fut, AppResult<usize>> {
    Box::pin(async move {
        let mut notes = Vec::new();
        let now = jiff::Timestamp::now();
        for t in store.tasks(&hoctap_store::TaskFilter::default()).await? {
            if t.status == Some(hoctap_domain::board::TaskStatus::HoanThanh) {
                continue;
            }
            let days = (t.due - today).get_days() as i64;
            if t.overdue(now) {
                notes.extend(notices(store, &Event::TaskLate { task: &t }).await?);
            } else if [7, 3, 1].contains(&days) {
                notes.extend(notices(store, &Event::TaskDue { task: &t, days }).await?);
            }
        }
        for c in store.campaigns(None, today).await? {
            if c.closed {
                continue;
            }
            let days = (c.self_assessment_closes - today).get_days() as i64;
            if [7, 3, 1].contains(&days) {
                notes.extend(
                    notices(
                        store,
                        &Event::SelfAssessmentCloses {
                            campaign_id: c.id,
                            campaign_title: &c.title,
                            unit_id: c.unit_id,
                            days,
                            closes: c.self_assessment_closes,
                        },
                    )
                    .await?,
                );
            }
        }
        notes.extend(report_reminders(store, today).await?);
        Ok(store.notify(&notes).await?)
    })
}

/// The annual reports not sent of every unit with an officer, this year's and last year's:
/// 7, 3 and 1 days before the due date (`plan::report_due_in`, the unit's own rule first,
/// then those above it) and once late.
async fn report_reminders(store: &Store, today: jiff::civil::Date) -> AppResult<Vec<NewNotification>> {
    let mut out = Vec::new();
    let units = store.units_with_role("unit_officer").await?;
    let years = [today.year() - 1, today.year()];
    let mut sent = std::collections::BTreeMap::new();
    for y in years {
        sent.insert(y, store.reports_submitted(&units, y).await?);
    }
    for unit_id in units {
        let Ok(unit) = store.unit(unit_id).await else { continue };
        if unit.kind == hoctap_domain::unit::UnitKind::Village || !unit.valid_on(today) {
            continue;
        }
        let above = store.ancestors(unit_id, today).await?;
        // Most specific first: the unit, then its parents up to the province.
        let chain: Vec<&str> = std::iter::once(unit.code.as_str()).chain(above.iter().rev().map(|a| a.code.as_str())).collect();
        for year in years {
            if sent.get(&year).is_some_and(|s| s.contains_key(&unit_id)) {
                continue;
            }
            let due = hoctap_domain::plan::report_due_in(&chain, year);
            let days: i64 = (due - today).get_days().into();
            if days < 0 {
                out.extend(notices(store, &Event::ReportLate { unit_id, year, due }).await?);
            } else if [7, 3, 1].contains(&days) {
                out.extend(notices(store, &Event::ReportDue { unit_id, year, due, days }).await?);
            }
        }
    }
    Ok(out)
}

/// The user's notifications, newest first, and the unread count.
#[inline(never)]
pub fn list<'fut, 'l1: 'fut, 'l2: 'fut>(
    store: &'l1 Store,
    user: &'l2 CurrentUser,
) -> crate::BoxFut<'fut, AppResult<(Vec<NotificationRow>, i64)>> {
    Box::pin(async move { Ok((store.notifications(user.user.id, 100).await?, store.unread_count(user.user.id).await?)) })
}

#[inline(never)]
pub fn unread<'fut, 'l1: 'fut, 'l2: 'fut>(store: &'l1 Store, user: &'l2 CurrentUser) -> crate::BoxFut<'fut, AppResult<i64>> {
    Box::pin(async move { Ok(store.unread_count(user.user.id).await?) })
}

/// Marks one of the user's own notifications read (another's: 404), or all of them.
#[inline(never)]
pub fn mark_read<'fut, 'l1: 'fut, 'l2: 'fut>(
    store: &'l1 Store,
    user: &'l2 CurrentUser,
    id: Option<i64>,
) -> crate::BoxFut<'fut, AppResult<()>> {
    Box::pin(async move {
        let changed = store.mark_read(user.user.id, id).await?;
        if id.is_some() && changed == 0 && !store.notifications(user.user.id, 1000).await?.iter().any(|n| Some(n.id) == id) {
            return Err(AppError::NotFound("thông báo"));
        }
        Ok(())
    })
}

#[inline(never)]
pub fn prefs<'fut, 'l1: 'fut, 'l2: 'fut>(store: &'l1 Store, user: &'l2 CurrentUser) -> crate::BoxFut<'fut, AppResult<NotificationPrefs>> {
    Box::pin(async move { Ok(store.notification_prefs(user.user.id).await?) })
}

/// Saves the user's own preferences: an address that looks like one, a known mode and kinds.
#[inline(never)]
pub fn set_prefs<'fut, 'l1: 'fut, 'l2: 'fut, 'l3: 'fut, 'l4: 'fut, 'l5: 'fut>(
    store: &'l1 Store,
    user: &'l2 CurrentUser,
    email: &'l3 str,
    mode: &'l4 str,
    kinds_on: &'l5 [String],
) -> crate::BoxFut<'fut, AppResult<NotificationPrefs>> {
    Box::pin(async move {
        let email = email.trim();
        if !email.is_empty() && !valid_email(email) {
            return Err(AppError::invalid("email", "Địa chỉ thư điện tử không hợp lệ (ví dụ: ten@vi-du.vn)"));
        }
        if !["immediate", "digest", "off"].contains(&mode) {
            return Err(AppError::invalid("mode", "Cách nhận thư: chọn gửi ngay, gửi tổng hợp mỗi ngày hoặc không gửi"));
        }
        let p = NotificationPrefs {
            email: email.to_string(),
            mode: mode.to_string(),
            kinds_off: KINDS.iter().map(|(k, _)| (*k).to_string()).filter(|k| !kinds_on.contains(k)).collect(),
        };
        store.set_notification_prefs(&user.actor(), user.user.id, &p).await?;
        Ok(p)
    })
}

/// An address lettre can send to, with no spaces or control characters.
pub fn valid_email(s: &str) -> bool {
    s.len() <= 254 && !s.chars().any(|c| c.is_whitespace() || c.is_control()) && s.parse::<lettre::Address>().is_ok()
}

#[cfg(test)]
mod tests {
    #[test]
    fn addresses_are_checked() {
        assert!(super::valid_email("can.bo@xa.gov.vn"));
        assert!(!super::valid_email("khong co"));
        assert!(!super::valid_email("a@"));
    }
}
