//! Steering boards (Ban chỉ đạo xây dựng xã hội học tập, Ban chỉ đạo phong trào thi đua) and
//! the plan's tasks (nhiệm vụ) once they are handed to agencies: who sits on a board and in
//! which role, when a task is due in each year of the plan, what a status report may say, and
//! when a task is overdue (quá hạn: past its deadline and not completed).

use std::fmt;

use jiff::civil::Date;
use serde::{Deserialize, Serialize};

use crate::plan::{Deadline, Period, Task};

/// Why a board, member, task or report was refused; the messages are Vietnamese and name the
/// field.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum BoardError {
    #[error("Loại ban chỉ đạo: \"{0}\" không có trong danh mục (Ban chỉ đạo xây dựng xã hội học tập, Ban chỉ đạo phong trào thi đua)")]
    UnknownKind(String),
    #[error("Vai trò trong ban: \"{0}\" không có trong danh mục (Trưởng ban, Phó Trưởng ban, Ủy viên thường trực, Ủy viên)")]
    UnknownRole(String),
    #[error("Vai trò trong ban: ban đã có {0} đương nhiệm; hãy kết thúc nhiệm kỳ của người đó trước")]
    RoleTaken(&'static str),
    #[error("Trạng thái: \"{0}\" không có trong danh mục (Chưa triển khai, Đang thực hiện, Hoàn thành, Quá hạn)")]
    UnknownStatus(String),
    #[error("Tiến độ: \"{0}\" không phải là số phần trăm từ 0 đến 100")]
    BadProgress(String),
    #[error("Tiến độ: nhiệm vụ hoàn thành phải đạt 100%, đang ghi {0}%")]
    DoneBelowFull(u8),
    #[error("Tiến độ: nhiệm vụ chưa triển khai phải là 0%, đang ghi {0}%")]
    NotStartedWithProgress(u8),
    #[error("Nội dung báo cáo: không được để trống")]
    EmptyReport,
}

/// The two kinds of board the documents set up at each level.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum BoardKind {
    /// Ban chỉ đạo xây dựng xã hội học tập.
    XayDungXhht,
    /// Ban chỉ đạo phong trào thi đua "Xây dựng xã hội học tập" (Bình Dương, 2024).
    PhongTraoThiDua,
}

impl BoardKind {
    pub const ALL: [BoardKind; 2] = [Self::XayDungXhht, Self::PhongTraoThiDua];

    pub fn code(self) -> &'static str {
        match self {
            Self::XayDungXhht => "xay_dung_xhht",
            Self::PhongTraoThiDua => "phong_trao_thi_dua",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Self::XayDungXhht => "Ban chỉ đạo xây dựng xã hội học tập",
            Self::PhongTraoThiDua => "Ban chỉ đạo phong trào thi đua",
        }
    }

    /// A code or a label, with or without diacritics.
    pub fn parse(raw: &str) -> Result<BoardKind, BoardError> {
        let pairs: Vec<(&'static str, &'static str)> = Self::ALL.iter().map(|k| (k.code(), k.label())).collect();
        let code = crate::registry::reference::parse_coded(&pairs, raw).ok_or_else(|| BoardError::UnknownKind(raw.trim().to_string()))?;
        Self::ALL.into_iter().find(|k| k.code() == code).ok_or_else(|| BoardError::UnknownKind(raw.trim().to_string()))
    }
}

/// A member's role in a board.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MemberRole {
    /// Trưởng ban (usually the chair or a vice-chair of the People's Committee).
    TruongBan,
    /// Phó Trưởng ban (the director of Education, the chair of the Hội Khuyến học…).
    PhoTruongBan,
    /// Ủy viên thường trực (the standing member, from the standing agency).
    UyVienThuongTruc,
    /// Ủy viên (thành viên): one per agency.
    UyVien,
}

impl MemberRole {
    pub const ALL: [MemberRole; 4] = [Self::TruongBan, Self::PhoTruongBan, Self::UyVienThuongTruc, Self::UyVien];

    pub fn code(self) -> &'static str {
        match self {
            Self::TruongBan => "truong_ban",
            Self::PhoTruongBan => "pho_truong_ban",
            Self::UyVienThuongTruc => "uy_vien_thuong_truc",
            Self::UyVien => "uy_vien",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Self::TruongBan => "Trưởng ban",
            Self::PhoTruongBan => "Phó Trưởng ban",
            Self::UyVienThuongTruc => "Ủy viên thường trực",
            Self::UyVien => "Ủy viên",
        }
    }

    /// A code or a label, with or without diacritics; "thành viên" is an ủy viên.
    pub fn parse(raw: &str) -> Result<MemberRole, BoardError> {
        if crate::text::fold(raw.trim()) == "thanh vien" {
            return Ok(Self::UyVien);
        }
        let pairs: Vec<(&'static str, &'static str)> = Self::ALL.iter().map(|r| (r.code(), r.label())).collect();
        let code = crate::registry::reference::parse_coded(&pairs, raw).ok_or_else(|| BoardError::UnknownRole(raw.trim().to_string()))?;
        Self::ALL.into_iter().find(|r| r.code() == code).ok_or_else(|| BoardError::UnknownRole(raw.trim().to_string()))
    }

    /// A board has one head at a time; the other roles may be held by several people.
    pub fn is_single(self) -> bool {
        self == Self::TruongBan
    }
}

/// Whether `role` can be given while the members in office hold `current`.
pub fn check_member(current: &[MemberRole], role: MemberRole) -> Result<(), BoardError> {
    if role.is_single() && current.contains(&role) {
        return Err(BoardError::RoleTaken(role.label()));
    }
    Ok(())
}

/// The status a report gives a task.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TaskStatus {
    ChuaTrienKhai,
    DangThucHien,
    HoanThanh,
    /// Reported late by the agency itself (the system also marks a task overdue on its own,
    /// see [`is_overdue`]).
    QuaHan,
}

impl TaskStatus {
    pub const ALL: [TaskStatus; 4] = [Self::ChuaTrienKhai, Self::DangThucHien, Self::HoanThanh, Self::QuaHan];

    pub fn code(self) -> &'static str {
        match self {
            Self::ChuaTrienKhai => "chua_trien_khai",
            Self::DangThucHien => "dang_thuc_hien",
            Self::HoanThanh => "hoan_thanh",
            Self::QuaHan => "qua_han",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Self::ChuaTrienKhai => "Chưa triển khai",
            Self::DangThucHien => "Đang thực hiện",
            Self::HoanThanh => "Hoàn thành",
            Self::QuaHan => "Quá hạn",
        }
    }

    pub fn parse(raw: &str) -> Result<TaskStatus, BoardError> {
        let pairs: Vec<(&'static str, &'static str)> = Self::ALL.iter().map(|s| (s.code(), s.label())).collect();
        let code = crate::registry::reference::parse_coded(&pairs, raw).ok_or_else(|| BoardError::UnknownStatus(raw.trim().to_string()))?;
        Self::ALL.into_iter().find(|s| s.code() == code).ok_or_else(|| BoardError::UnknownStatus(raw.trim().to_string()))
    }
}

impl fmt::Display for TaskStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.label())
    }
}

/// Progress in percent, 0–100.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct Progress(u8);

impl Progress {
    pub const FULL: Progress = Progress(100);

    /// `60`, `60%` or ` 60 % `.
    pub fn parse(raw: &str) -> Result<Progress, BoardError> {
        let s = raw.trim().trim_end_matches('%').trim();
        match s.parse::<u8>() {
            Ok(n) if n <= 100 => Ok(Progress(n)),
            _ => Err(BoardError::BadProgress(raw.trim().to_string())),
        }
    }

    pub fn new(n: u8) -> Result<Progress, BoardError> {
        if n <= 100 { Ok(Progress(n)) } else { Err(BoardError::BadProgress(n.to_string())) }
    }

    pub fn get(self) -> u8 {
        self.0
    }
}

/// A status report as the agency writes it, checked: "hoàn thành" is 100%, "chưa triển
/// khai" is 0%, and the text says what was done.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StatusReport {
    pub status: TaskStatus,
    pub progress: Progress,
    pub text: String,
}

impl StatusReport {
    pub fn new(status: TaskStatus, progress: Progress, text: &str) -> Result<StatusReport, BoardError> {
        // NFC like every stored text, but the lines the officer wrote are kept.
        let text: String = unicode_normalization::UnicodeNormalization::nfc(text.trim()).collect();
        if text.is_empty() {
            return Err(BoardError::EmptyReport);
        }
        match status {
            TaskStatus::HoanThanh if progress != Progress::FULL => Err(BoardError::DoneBelowFull(progress.0)),
            TaskStatus::ChuaTrienKhai if progress.0 != 0 => Err(BoardError::NotStartedWithProgress(progress.0)),
            _ => Ok(StatusReport { status, progress, text }),
        }
    }
}

/// One task of a plan for one year (or once), with its deadline day.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TaskOccurrence {
    /// The year the task is for.
    pub year: i16,
    /// The last day (the deadline ends at 23:59:59 that day in Vietnam).
    pub due: Date,
}

fn year_end(year: i16) -> Date {
    Date::new(year, 12, 31).unwrap_or(Date::MAX)
}

/// When a task falls due: a yearly task once per year of the plan's period (by its day, or by
/// 31/12 when the plan gives none); a dated task once on its day; "năm 2025" by 31/12/2025; a
/// task without a deadline by the end of the plan's period.
pub fn occurrences(deadline: Option<Deadline>, period: Period) -> Vec<TaskOccurrence> {
    match deadline {
        Some(Deadline::Yearly) => (period.from..=period.to).map(|year| TaskOccurrence { year, due: year_end(year) }).collect(),
        Some(Deadline::YearlyBy(dm)) => (period.from..=period.to).map(|year| TaskOccurrence { year, due: dm.in_year(year) }).collect(),
        Some(Deadline::By(d)) => vec![TaskOccurrence { year: d.year(), due: d }],
        Some(Deadline::InYear(year)) => vec![TaskOccurrence { year, due: year_end(year) }],
        None => vec![TaskOccurrence { year: period.to, due: year_end(period.to) }],
    }
}

/// Every task of a plan, numbered from 1 in the plan's order, with its occurrences.
pub fn plan_occurrences(tasks: &[Task], period: Period) -> Vec<(usize, &Task, TaskOccurrence)> {
    tasks.iter().enumerate().flat_map(|(i, t)| occurrences(t.deadline, period).into_iter().map(move |o| (i + 1, t, o))).collect()
}

/// Overdue (quá hạn): the deadline day has ended in Vietnam and no report says it is done.
pub fn is_overdue(due: Date, latest: Option<TaskStatus>, now: jiff::Timestamp) -> bool {
    latest != Some(TaskStatus::HoanThanh) && crate::date::past_deadline(due, now)
}

/// The status to show: the latest report's, or "quá hạn" when the task is overdue, or "chưa
/// triển khai" when nothing was reported yet.
pub fn shown_status(due: Date, latest: Option<TaskStatus>, now: jiff::Timestamp) -> TaskStatus {
    if is_overdue(due, latest, now) { TaskStatus::QuaHan } else { latest.unwrap_or(TaskStatus::ChuaTrienKhai) }
}

/// Days from `today` to the deadline day (negative: days overdue).
pub fn days_left(due: Date, today: Date) -> i64 {
    (due - today).get_days().into()
}

#[cfg(test)]
#[expect(clippy::panic, clippy::indexing_slicing, reason = "a test fails loudly, naming what it missed")]
mod tests {
    use super::*;
    use jiff::civil::date;
    use proptest::prelude::*;

    fn at(d: Date, h: i8) -> jiff::Timestamp {
        jiff::tz::offset(7).to_timestamp(d.at(h, 0, 0, 0)).unwrap_or_else(|e| panic!("{e}"))
    }

    #[test]
    fn yearly_task_by_a_day_falls_due_in_every_year_of_the_plan() {
        let period = Period { from: 2022, to: 2025 };
        let dm = crate::plan::DayMonth::parse("10/12").unwrap_or_else(|e| panic!("{e}"));
        let o = occurrences(Some(Deadline::YearlyBy(dm)), period);
        assert_eq!(
            o.iter().map(|x| x.due).collect::<Vec<_>>(),
            vec![date(2022, 12, 10), date(2023, 12, 10), date(2024, 12, 10), date(2025, 12, 10)]
        );
        assert_eq!(o[2].year, 2024);
    }

    #[test]
    fn a_yearly_29_february_is_28_february_outside_leap_years() {
        let dm = crate::plan::DayMonth::parse("29/02").unwrap_or_else(|e| panic!("{e}"));
        let o = occurrences(Some(Deadline::YearlyBy(dm)), Period { from: 2023, to: 2024 });
        assert_eq!(o.iter().map(|x| x.due).collect::<Vec<_>>(), vec![date(2023, 2, 28), date(2024, 2, 29)]);
    }

    #[test]
    fn dated_in_year_and_open_tasks_fall_due_once() {
        let period = Period { from: 2021, to: 2025 };
        assert_eq!(occurrences(Some(Deadline::By(date(2023, 6, 30))), period), vec![TaskOccurrence { year: 2023, due: date(2023, 6, 30) }]);
        assert_eq!(occurrences(Some(Deadline::InYear(2024)), period), vec![TaskOccurrence { year: 2024, due: date(2024, 12, 31) }]);
        assert_eq!(occurrences(None, period), vec![TaskOccurrence { year: 2025, due: date(2025, 12, 31) }]);
        assert_eq!(occurrences(Some(Deadline::Yearly), period).len(), 5);
    }

    #[test]
    fn a_task_is_overdue_only_after_its_day_ends_in_vietnam_and_unless_done() {
        let due = date(2025, 12, 10);
        assert!(!is_overdue(due, None, at(due, 23)), "the deadline day runs to 23:59:59");
        assert!(is_overdue(due, None, at(date(2025, 12, 11), 0)));
        assert!(is_overdue(due, Some(TaskStatus::DangThucHien), at(date(2025, 12, 11), 9)));
        assert!(!is_overdue(due, Some(TaskStatus::HoanThanh), at(date(2026, 1, 5), 9)));
        assert_eq!(shown_status(due, None, at(date(2025, 12, 1), 9)), TaskStatus::ChuaTrienKhai);
        assert_eq!(shown_status(due, Some(TaskStatus::DangThucHien), at(date(2025, 12, 12), 9)), TaskStatus::QuaHan);
        assert_eq!(days_left(due, date(2025, 12, 1)), 9);
        assert_eq!(days_left(due, date(2025, 12, 13)), -3);
    }

    #[test]
    fn roles_and_statuses_read_the_documents_words() {
        assert_eq!(MemberRole::parse("Phó Trưởng ban"), Ok(MemberRole::PhoTruongBan));
        assert_eq!(MemberRole::parse("uy vien thuong truc"), Ok(MemberRole::UyVienThuongTruc));
        assert_eq!(MemberRole::parse("Thành viên"), Ok(MemberRole::UyVien));
        assert!(MemberRole::parse("giám đốc").is_err());
        assert_eq!(BoardKind::parse("phong_trao_thi_dua"), Ok(BoardKind::PhongTraoThiDua));
        assert_eq!(TaskStatus::parse("Đang thực hiện"), Ok(TaskStatus::DangThucHien));
        assert_eq!(check_member(&[MemberRole::TruongBan], MemberRole::TruongBan), Err(BoardError::RoleTaken("Trưởng ban")));
        assert_eq!(check_member(&[MemberRole::PhoTruongBan], MemberRole::PhoTruongBan), Ok(()));
    }

    #[test]
    fn a_report_is_consistent_with_its_status() {
        let p = |s: &str| Progress::parse(s).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(Progress::parse("60 %"), Ok(Progress(60)));
        assert!(Progress::parse("101").is_err() && Progress::parse("-1").is_err() && Progress::parse("nhiều").is_err());
        assert_eq!(StatusReport::new(TaskStatus::HoanThanh, p("90"), "xong"), Err(BoardError::DoneBelowFull(90)));
        assert_eq!(StatusReport::new(TaskStatus::ChuaTrienKhai, p("10"), "chưa"), Err(BoardError::NotStartedWithProgress(10)));
        assert_eq!(StatusReport::new(TaskStatus::DangThucHien, p("40"), "  "), Err(BoardError::EmptyReport));
        assert!(StatusReport::new(TaskStatus::HoanThanh, p("100"), "Đã tập huấn 11 huyện").is_ok());
    }

    #[test]
    fn every_shipped_plan_task_falls_due_inside_or_at_the_end_of_its_plan() {
        for plan in crate::plan::shipped_plans().unwrap_or_else(|e| panic!("{e}")) {
            for (no, _, o) in plan_occurrences(&plan.tasks, plan.period) {
                assert!(no >= 1 && no <= plan.tasks.len());
                assert_eq!(o.due.year(), o.year, "{}: task {no}", plan.id);
            }
        }
    }

    proptest! {
        #[test]
        fn yearly_occurrences_cover_each_year_once_in_order(from in 2000i16..2040, len in 0i16..12, month in 1i8..=12, day in 1i8..=31) {
            let period = Period { from, to: from + len };
            let Ok(dm) = crate::plan::DayMonth::parse(&format!("{day}/{month}")) else { return Ok(()) };
            let o = occurrences(Some(Deadline::YearlyBy(dm)), period);
            prop_assert_eq!(o.len(), usize::try_from(len).unwrap_or(0) + 1);
            for (i, x) in o.iter().enumerate() {
                prop_assert_eq!(x.year, from + i16::try_from(i).unwrap_or(0));
                prop_assert_eq!(x.due.year(), x.year);
                prop_assert_eq!(x.due.month(), month);
            }
        }

        #[test]
        fn a_completed_task_is_never_overdue_and_an_open_one_is_after_its_day(days in -400i32..400) {
            let due = date(2025, 6, 15);
            let today = due.checked_add(jiff::Span::new().days(days)).unwrap_or(due);
            let now = at(today, 12);
            prop_assert!(!is_overdue(due, Some(TaskStatus::HoanThanh), now));
            prop_assert_eq!(is_overdue(due, Some(TaskStatus::DangThucHien), now), days > 0);
            prop_assert_eq!(days_left(due, today), -i64::from(days));
        }
    }
}
