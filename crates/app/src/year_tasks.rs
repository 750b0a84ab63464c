//! A plan's tasks as they stand this year (issue 15 §5): tasks of past years are summarised
//! per year, never listed as "quá hạn 1.822 ngày"; a task handed to a unit that no longer
//! exists goes to its one successor by the reorganisation's lineage (a commune merged into a
//! new commune) or is flagged for re-assignment (a district, abolished on 01/07/2025, or a
//! unit split between several).

use crate::{AppResult, CurrentUser};
use hoctap_domain::board::TaskStatus;
use hoctap_domain::date::format_vn;
use hoctap_store::{Store, TaskFilter, TaskRow};
use jiff::civil::Date;
use std::collections::BTreeMap;

/// Who a task's handed-to unit is today.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AssigneeNow {
    /// As given (a unit still in force, an agency named in words, or nobody yet).
    AsGiven,
    /// The unit ended; its one successor carries the task.
    Reassigned { from: String, to_id: i64, to: String },
    /// The unit ended with no single successor, or the lead agency is a district body after
    /// 01/07/2025: the manager must hand it out again.
    Flagged(String),
}

impl AssigneeNow {
    /// What a task line says about it (empty when as given).
    pub fn note(&self) -> String {
        match self {
            Self::AsGiven => String::new(),
            Self::Reassigned { from, to, .. } => format!("{from} đã sáp nhập: nhiệm vụ chuyển cho {to}"),
            Self::Flagged(why) => why.clone(),
        }
    }
}

/// The day districts (cấp huyện) ended: Luật Tổ chức chính quyền địa phương 2025.
pub fn districts_end() -> Date {
    jiff::civil::date(2025, 7, 1)
}

/// Whether a lead agency's words name a district body (UBND huyện, Phòng … cấp huyện).
fn district_body(words: &str) -> bool {
    let f = hoctap_domain::text::fold(words);
    ["huyen", "quan ", "thi xa", "cap huyen"].iter().any(|w| f.contains(w)) && !f.contains("tinh")
}

/// Who a task's unit is on `on`: as given, its one successor, or flagged.
#[inline(never)]
pub fn assignee_now<'fut, 'l1: 'fut, 'l2: 'fut>(
    store: &'l1 Store,
    t: &'l2 TaskRow,
    on: Date,
) -> crate::BoxFut<'fut, AppResult<AssigneeNow>> {
    Box::pin(async move {
        if let Some(u) = t.assignee_unit_id {
            let unit = store.unit(u).await?;
            if unit.valid_on(on) {
                return Ok(AssigneeNow::AsGiven);
            }
            let next = store.successors_on(u, on).await?;
            return Ok(match next.as_slice() {
                [one] => AssigneeNow::Reassigned { from: unit.name.clone(), to_id: one.id, to: one.name.clone() },
                _ => AssigneeNow::Flagged(format!("{} không còn từ {}: cần giao lại nhiệm vụ", unit.name, format_vn(unit.validity.to))),
            });
        }
        if t.due >= districts_end() && t.assignee_user_id.is_none() && district_body(&t.lead) {
            return Ok(AssigneeNow::Flagged(format!(
                "Cơ quan chủ trì \"{}\" là cấp huyện, không còn từ {}: cần giao lại nhiệm vụ",
                t.lead,
                format_vn(districts_end())
            )));
        }
        Ok(AssigneeNow::AsGiven)
    })
}

/// Open tasks of the years before `year`, counted per year.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PastYear {
    pub year: i16,
    pub open: usize,
}

/// The tasks the user reports on, as this year stands: those of this year and later (with
/// who carries them today), and the earlier years summarised.
pub struct YearTasks {
    pub current: Vec<(TaskRow, AssigneeNow)>,
    pub past: Vec<PastYear>,
}

/// The tasks the user reports on: handed to the user, or to their unit, or to a unit that
/// ended and whose one successor is their unit; open ones only, earlier years summarised.
#[inline(never)]
pub fn my_year_tasks<'fut, 'l1: 'fut, 'l2: 'fut>(store: &'l1 Store, user: &'l2 CurrentUser) -> crate::BoxFut<'fut, AppResult<YearTasks>> {
    Box::pin(async move {
        let today = hoctap_store::today();
        let mut tasks = crate::boards::my_tasks(store, user).await?;
        if user.user.role == hoctap_domain::access::Role::UnitOfficer {
            // Tasks handed to the units merged into this one, carried by it now.
            for p in store.predecessors(user.user.unit_id).await? {
                let handed =
                    store.tasks(&TaskFilter { assignee_user: Some(-1), unit_of_user: Some(p.id), ..TaskFilter::default() }).await?;
                for t in handed.into_iter().filter(|t| t.status != Some(TaskStatus::HoanThanh)) {
                    if matches!(assignee_now(store, &t, today).await?, AssigneeNow::Reassigned { to_id, .. } if to_id == user.user.unit_id)
                        && !tasks.iter().any(|x| x.id == t.id)
                    {
                        tasks.push(t);
                    }
                }
            }
        }
        split_years(store, tasks, today).await
    })
}

/// This year's and later tasks with who carries them today, earlier years summarised.
#[inline(never)]
pub fn split_years<'fut, 'l1: 'fut>(store: &'l1 Store, tasks: Vec<TaskRow>, today: Date) -> crate::BoxFut<'fut, AppResult<YearTasks>> {
    Box::pin(async move {
        let mut current = Vec::new();
        let mut past: BTreeMap<i16, usize> = BTreeMap::new();
        for t in tasks {
            if t.year < today.year() {
                *past.entry(t.year).or_default() += 1;
            } else {
                let who = assignee_now(store, &t, today).await?;
                current.push((t, who));
            }
        }
        current.sort_by_key(|(t, _)| t.due);
        Ok(YearTasks { current, past: past.into_iter().rev().map(|(year, open)| PastYear { year, open }).collect() })
    })
}
