//! Learning itself (issue 16): who runs a centre's programme and takes the roll, who reads the
//! learners (personal data: the learner, the centre's managers and the officers in scope; CCCD
//! and year of birth masked for roles that do not see personal data), a citizen's learning
//! record with other learning (self-declared until an officer confirms), what the record
//! pre-fills in the "Công dân học tập" self-assessment, the year's report and the public
//! programme with "đăng ký quan tâm".

use std::collections::BTreeSet;

use crate::{AppError, AppResult, CurrentUser};
use hoctap_domain::access::{Action, Role};
use hoctap_domain::date::parse_date;
use hoctap_domain::learning::{self, ActivityKind, Funding, Hours, PartnerKind, PlaceKind, Prefill, TopicCode, YearTotals, completed};
use hoctap_domain::registry::cccd::Cccd;
use hoctap_store::{
    ActivityRow, CentreRow, EnrolmentRow, Learner, LessonRow, NewActivity, NewOther, OtherRow, RecordLine, Store, YearReport,
};
use serde::{Deserialize, Serialize};

/// Người quản lý trung tâm: the unit's officers and the Hội Khuyến học's officers (who run the
/// centres' activities), and the administrator; each inside their scope.
pub fn manages(user: &CurrentUser) -> bool {
    matches!(user.user.role, Role::SystemAdmin | Role::UnitOfficer | Role::AssociationOfficer)
}

fn require_manager(user: &CurrentUser) -> AppResult<()> {
    if manages(user) { Ok(()) } else { Err(AppError::Forbidden) }
}

/// Officers who read a centre's programme and learners in their scope (citizens do not).
fn require_reader(user: &CurrentUser) -> AppResult<()> {
    user.require(Action::ReadLocal)
}

#[inline(never)]
pub fn centre_in_scope<'fut, 'l1: 'fut, 'l2: 'fut>(
    store: &'l1 Store,
    user: &'l2 CurrentUser,
    centre_id: i64,
) -> crate::BoxFut<'fut, AppResult<CentreRow>> {
    Box::pin(async move {
        let c = store.learning_centre(centre_id).await?;
        user.require_sees(store, c.unit_id, "trung tâm học tập cộng đồng").await?;
        Ok(c)
    })
}

#[inline(never)]
pub fn activity_in_scope<'fut, 'l1: 'fut, 'l2: 'fut>(
    store: &'l1 Store,
    user: &'l2 CurrentUser,
    id: i64,
) -> crate::BoxFut<'fut, AppResult<ActivityRow>> {
    Box::pin(async move {
        let a = store.activity(id).await?;
        user.require_sees(store, a.unit_id, "hoạt động").await?;
        Ok(a)
    })
}

async fn session_in_scope(store: &Store, user: &CurrentUser, id: i64) -> AppResult<(ActivityRow, LessonRow)> {
    let s = store.learning_session(id).await?;
    let a = store.activity(s.activity_id).await?;
    user.require_sees(store, a.unit_id, "buổi học").await?;
    Ok((a, s))
}

/// The centres a user sees (officers: in scope; citizens: their commune's, for the public
/// programme).
#[inline(never)]
pub fn centres<'fut, 'l1: 'fut, 'l2: 'fut>(store: &'l1 Store, user: &'l2 CurrentUser) -> crate::BoxFut<'fut, AppResult<Vec<CentreRow>>> {
    Box::pin(async move { Ok(store.learning_centres(user.scope(), hoctap_store::today()).await?) })
}

// ---------------------------------------------------------------------------------------------
// Activities

/// An activity as a form or JSON body sends it (texts; parsed here, errors naming the field).
#[derive(Debug, Clone, Deserialize, Serialize, Default)]
pub struct ActivityInput {
    #[serde(default)]
    pub kind: String,
    #[serde(default)]
    pub title: String,
    #[serde(default)]
    pub topic: String,
    #[serde(default)]
    pub starts_on: String,
    #[serde(default)]
    pub ends_on: String,
    #[serde(default)]
    pub place_kind: String,
    #[serde(default)]
    pub place: String,
    #[serde(default)]
    pub teacher: String,
    #[serde(default)]
    pub partner_kind: String,
    #[serde(default)]
    pub partner: String,
    #[serde(default)]
    pub capacity: String,
    #[serde(default)]
    pub funding: String,
    #[serde(default)]
    pub note: String,
}

fn field<T, E: std::fmt::Display>(name: &str, r: Result<T, E>) -> AppResult<T> {
    r.map_err(|e| AppError::invalid(name, crate::capitalise(&e.to_string())))
}

fn date_field(name: &str, label: &str, raw: &str) -> AppResult<jiff::civil::Date> {
    parse_date(raw).map_err(|e| AppError::invalid(name, format!("{label}: {e}")))
}

impl ActivityInput {
    pub fn parse(&self) -> AppResult<NewActivity> {
        let starts_on = date_field("starts_on", "Ngày bắt đầu", &self.starts_on)?;
        let ends_on = if self.ends_on.trim().is_empty() { starts_on } else { date_field("ends_on", "Ngày kết thúc", &self.ends_on)? };
        let capacity = match self.capacity.trim() {
            "" => None,
            c => Some(c.replace('.', "").parse::<i64>().map_err(|_| AppError::invalid("capacity", "Số chỗ: nhập một số, ví dụ 40"))?),
        };
        Ok(NewActivity {
            kind: field("kind", ActivityKind::parse(&self.kind))?,
            title: self.title.clone(),
            topic: field("topic", TopicCode::parse(&self.topic))?,
            starts_on,
            ends_on,
            place_kind: field("place_kind", PlaceKind::parse(&self.place_kind))?,
            place: self.place.clone(),
            teacher: self.teacher.clone(),
            partner_kind: if self.partner_kind.trim().is_empty() {
                PartnerKind::Khong
            } else {
                field("partner_kind", PartnerKind::parse(&self.partner_kind))?
            },
            partner: self.partner.clone(),
            capacity,
            funding: field("funding", Funding::parse(&self.funding))?,
            note: self.note.clone(),
        })
    }
}

#[inline(never)]
pub fn create_activity<'fut, 'l1: 'fut, 'l2: 'fut, 'l3: 'fut>(
    store: &'l1 Store,
    user: &'l2 CurrentUser,
    centre_id: i64,
    input: &'l3 ActivityInput,
) -> crate::BoxFut<'fut, AppResult<i64>> {
    Box::pin(async move {
        require_manager(user)?;
        let centre = centre_in_scope(store, user, centre_id).await?;
        let a = input.parse()?;
        Ok(store.activity_create(&user.actor(), &centre, &a).await?)
    })
}

#[inline(never)]
pub fn update_activity<'fut, 'l1: 'fut, 'l2: 'fut, 'l3: 'fut>(
    store: &'l1 Store,
    user: &'l2 CurrentUser,
    id: i64,
    input: &'l3 ActivityInput,
) -> crate::BoxFut<'fut, AppResult<()>> {
    Box::pin(async move {
        require_manager(user)?;
        activity_in_scope(store, user, id).await?;
        let a = input.parse()?;
        Ok(store.activity_update(&user.actor(), id, &a).await?)
    })
}

#[inline(never)]
pub fn delete_activity<'fut, 'l1: 'fut, 'l2: 'fut>(
    store: &'l1 Store,
    user: &'l2 CurrentUser,
    id: i64,
) -> crate::BoxFut<'fut, AppResult<ActivityRow>> {
    Box::pin(async move {
        require_manager(user)?;
        let a = activity_in_scope(store, user, id).await?;
        store.activity_delete(&user.actor(), id).await?;
        Ok(a)
    })
}

/// A centre's programme of a year (officers in scope).
#[inline(never)]
pub fn programme<'fut, 'l1: 'fut, 'l2: 'fut>(
    store: &'l1 Store,
    user: &'l2 CurrentUser,
    centre_id: i64,
    year: i16,
) -> crate::BoxFut<'fut, AppResult<(CentreRow, Vec<ActivityRow>)>> {
    Box::pin(async move {
        require_reader(user)?;
        let c = centre_in_scope(store, user, centre_id).await?;
        let list = store.centre_activities(centre_id, year).await?;
        Ok((c, list))
    })
}

/// A learner as a user may see them.
#[derive(Debug, Clone, Serialize)]
pub struct LearnerView {
    pub id: i64,
    /// The citizen of the registry (None for a walk-in): their record's page.
    pub citizen_id: Option<i64>,
    pub full_name: String,
    /// The CCCD, masked for roles that do not see personal data; empty for a walk-in.
    pub cccd: String,
    pub birth_year: String,
    pub sex: String,
    pub village: String,
    pub walk_in: bool,
    pub attended: i64,
    pub hours: String,
    pub completed: bool,
}

fn learner_view(user: &CurrentUser, e: &EnrolmentRow, sessions: i64) -> LearnerView {
    let full = user.user.role.sees_personal_data();
    let cccd = match (&e.cccd, full) {
        (Some(c), true) => c.clone(),
        (Some(c), false) => Cccd::parse(c).map(|c| c.masked()).unwrap_or_else(|_| "***".into()),
        (None, _) => String::new(),
    };
    LearnerView {
        id: e.id,
        citizen_id: e.citizen_id,
        full_name: e.full_name.clone(),
        cccd,
        birth_year: match (e.birth_year, full) {
            (Some(y), true) => y.to_string(),
            (Some(_), false) => "****".into(),
            (None, _) => String::new(),
        },
        sex: hoctap_domain::registry::person::Sex::parse(&e.sex).map(|s| s.label().to_string()).unwrap_or_default(),
        village: e.village.clone(),
        walk_in: e.citizen_id.is_none(),
        attended: e.attended,
        hours: e.hours.display(),
        completed: completed(e.attended, sessions),
    }
}

/// An activity with its sessions and learners.
#[derive(Debug, Clone, Serialize)]
pub struct ActivityView {
    pub activity: ActivityRow,
    pub sessions: Vec<LessonRow>,
    pub learners: Vec<LearnerView>,
    pub can_manage: bool,
}

#[inline(never)]
pub fn activity_view<'fut, 'l1: 'fut, 'l2: 'fut>(
    store: &'l1 Store,
    user: &'l2 CurrentUser,
    id: i64,
) -> crate::BoxFut<'fut, AppResult<ActivityView>> {
    Box::pin(async move {
        require_reader(user)?;
        let activity = activity_in_scope(store, user, id).await?;
        let sessions = store.learning_sessions(id).await?;
        let n = i64::try_from(sessions.len()).unwrap_or(0);
        let learners = store.enrolments(id).await?.iter().map(|e| learner_view(user, e, n)).collect();
        Ok(ActivityView { activity, sessions, learners, can_manage: manages(user) })
    })
}

/// The class list as spreadsheet rows (personal data: managers only, audited).
#[inline(never)]
pub fn export_learners<'fut, 'l1: 'fut, 'l2: 'fut, 'l3: 'fut>(
    store: &'l1 Store,
    user: &'l2 CurrentUser,
    id: i64,
    format: &'l3 str,
) -> crate::BoxFut<'fut, AppResult<(ActivityRow, Vec<Vec<String>>)>> {
    Box::pin(async move {
        require_manager(user)?;
        let v = activity_view(store, user, id).await?;
        let rows: Vec<Vec<String>> = v
            .learners
            .iter()
            .map(|l| {
                vec![
                    l.full_name.clone(),
                    l.cccd.clone(),
                    l.birth_year.clone(),
                    l.sex.clone(),
                    l.village.clone(),
                    l.attended.to_string(),
                    l.hours.clone(),
                    if l.completed { "Hoàn thành".into() } else { String::new() },
                ]
            })
            .collect();
        store.learning_export_audit(&user.actor(), v.activity.unit_id, id.to_string(), rows.len(), format).await?;
        Ok((v.activity, rows))
    })
}

// ---------------------------------------------------------------------------------------------
// Sessions and roll calls

#[derive(Debug, Clone, Deserialize, Serialize, Default)]
pub struct SessionInput {
    #[serde(default)]
    pub held_on: String,
    #[serde(default)]
    pub hours: String,
    #[serde(default)]
    pub title: String,
}

#[inline(never)]
pub fn add_session<'fut, 'l1: 'fut, 'l2: 'fut, 'l3: 'fut>(
    store: &'l1 Store,
    user: &'l2 CurrentUser,
    activity_id: i64,
    input: &'l3 SessionInput,
) -> crate::BoxFut<'fut, AppResult<i64>> {
    Box::pin(async move {
        require_manager(user)?;
        let a = activity_in_scope(store, user, activity_id).await?;
        let held_on = date_field("held_on", "Ngày học", &input.held_on)?;
        let hours = field("hours", Hours::parse_session(&input.hours))?;
        Ok(store.session_add(&user.actor(), &a, held_on, hours, &input.title).await?)
    })
}

#[inline(never)]
pub fn delete_session<'fut, 'l1: 'fut, 'l2: 'fut>(
    store: &'l1 Store,
    user: &'l2 CurrentUser,
    session_id: i64,
) -> crate::BoxFut<'fut, AppResult<i64>> {
    Box::pin(async move {
        require_manager(user)?;
        let (a, s) = session_in_scope(store, user, session_id).await?;
        store.session_delete(&user.actor(), &s).await?;
        Ok(a.id)
    })
}

/// A roll-call sheet: the session, and every learner with whether they are marked present.
#[derive(Debug, Clone, Serialize)]
pub struct RollView {
    pub activity: ActivityRow,
    pub session: LessonRow,
    pub learners: Vec<(LearnerView, bool)>,
}

#[inline(never)]
pub fn roll_view<'fut, 'l1: 'fut, 'l2: 'fut>(
    store: &'l1 Store,
    user: &'l2 CurrentUser,
    session_id: i64,
) -> crate::BoxFut<'fut, AppResult<RollView>> {
    Box::pin(async move {
        require_manager(user)?;
        let (activity, session) = session_in_scope(store, user, session_id).await?;
        let present = store.present_at(session_id).await?;
        let n = store.learning_sessions(activity.id).await?.len();
        let learners = store
            .enrolments(activity.id)
            .await?
            .iter()
            .map(|e| (learner_view(user, e, i64::try_from(n).unwrap_or(0)), present.contains(&e.id)))
            .collect();
        Ok(RollView { activity, session, learners })
    })
}

/// Saves a whole roll call (the ids of the learners present) in one transaction.
#[inline(never)]
pub fn roll_call<'fut, 'l1: 'fut, 'l2: 'fut, 'l3: 'fut>(
    store: &'l1 Store,
    user: &'l2 CurrentUser,
    session_id: i64,
    present: &'l3 [i64],
) -> crate::BoxFut<'fut, AppResult<usize>> {
    Box::pin(async move {
        require_manager(user)?;
        let (_, s) = session_in_scope(store, user, session_id).await?;
        let set: BTreeSet<i64> = present.iter().copied().collect();
        Ok(store.roll_call(&user.actor(), &s, &set).await?)
    })
}

// ---------------------------------------------------------------------------------------------
// Attendance from a spreadsheet

/// Column names of the attendance sheet: the learner's code, the name, then one column per
/// session (at most 60 sessions), headed "Buổi 1" or by the session's date.
const SESSION_COLUMNS: [&str; 60] = [
    "b1", "b2", "b3", "b4", "b5", "b6", "b7", "b8", "b9", "b10", "b11", "b12", "b13", "b14", "b15", "b16", "b17", "b18", "b19", "b20",
    "b21", "b22", "b23", "b24", "b25", "b26", "b27", "b28", "b29", "b30", "b31", "b32", "b33", "b34", "b35", "b36", "b37", "b38", "b39",
    "b40", "b41", "b42", "b43", "b44", "b45", "b46", "b47", "b48", "b49", "b50", "b51", "b52", "b53", "b54", "b55", "b56", "b57", "b58",
    "b59", "b60",
];

/// The sheet's header of a session column: "Buổi 2 (12/01/2026)".
pub fn session_header(n: usize, s: &LessonRow) -> String {
    format!("Buổi {} ({})", n + 1, hoctap_domain::date::format_vn(s.held_on))
}

/// The attendance sheet of an activity, pre-filled with the roll calls taken: (header, rows).
#[expect(clippy::type_complexity, reason = "the rows the function returns, inside its boxed future")]
#[inline(never)]
pub fn attendance_sheet<'fut, 'l1: 'fut, 'l2: 'fut>(
    store: &'l1 Store,
    user: &'l2 CurrentUser,
    activity_id: i64,
) -> crate::BoxFut<'fut, AppResult<(ActivityRow, Vec<String>, Vec<Vec<String>>)>> {
    Box::pin(async move {
        require_manager(user)?;
        let a = activity_in_scope(store, user, activity_id).await?;
        let sessions = store.learning_sessions(activity_id).await?;
        let mut present = Vec::new();
        for s in &sessions {
            present.push(store.present_at(s.id).await?);
        }
        let mut header = vec!["Mã người học".to_string(), "Họ và tên".to_string()];
        header.extend(sessions.iter().enumerate().map(|(i, s)| session_header(i, s)));
        let rows = store
            .enrolments(activity_id)
            .await?
            .iter()
            .map(|e| {
                let mut r = vec![e.id.to_string(), e.full_name.clone()];
                r.extend(present.iter().map(|p| if p.contains(&e.id) { "x".to_string() } else { String::new() }));
                r
            })
            .collect();
        store.learning_export_audit(&user.actor(), a.unit_id, activity_id.to_string(), 0, "attendance-sheet").await?;
        Ok((a, header, rows))
    })
}

/// One refused cell of an attendance sheet.
#[derive(Debug, Clone, Serialize)]
pub struct SheetError {
    pub line: usize,
    pub column: String,
    pub message: String,
}

/// What an attendance sheet holds (dry run) or wrote.
#[derive(Debug, Clone, Serialize, Default)]
pub struct SheetReport {
    pub rows: usize,
    /// (session date, learners marked present)
    pub sessions: Vec<(String, usize)>,
    pub errors: Vec<SheetError>,
    pub applied: bool,
}

/// Reads an attendance sheet (guarded, streamed) and checks every cell: the learner's code must
/// be one of the activity's, a session cell "x" (có mặt) or empty (vắng). A dry run writes
/// nothing; otherwise, while no cell is refused, every session's roll is written in one
/// transaction, or none.
#[inline(never)]
pub fn attendance_import<'fut, 'l1: 'fut, 'l2: 'fut>(
    store: &'l1 Store,
    user: &'l2 CurrentUser,
    activity_id: i64,
    bytes: std::sync::Arc<[u8]>,
    dry_run: bool,
) -> crate::BoxFut<'fut, AppResult<SheetReport>> {
    Box::pin(async move {
        require_manager(user)?;
        let a = activity_in_scope(store, user, activity_id).await?;
        let sessions = store.learning_sessions(activity_id).await?;
        if sessions.is_empty() {
            return Err(AppError::invalid("file", "Hoạt động chưa có buổi học nào để điểm danh"));
        }
        if sessions.len() > SESSION_COLUMNS.len() {
            return Err(AppError::invalid("file", "Bảng điểm danh nhận tối đa 60 buổi học"));
        }
        let known: BTreeSet<i64> = store.enrolments(activity_id).await?.iter().map(|e| e.id).collect();
        let mut columns = vec![
            hoctap_docs::table::ColumnSpec {
                name: "code", headers: vec!["Mã người học".into(), "Ma nguoi hoc".into()], required: true
            },
            hoctap_docs::table::ColumnSpec { name: "name", headers: vec!["Họ và tên".into(), "Ho va ten".into()], required: false },
        ];
        for (i, s) in sessions.iter().enumerate() {
            let date = hoctap_domain::date::format_vn(s.held_on);
            columns.push(hoctap_docs::table::ColumnSpec {
                name: SESSION_COLUMNS[i],
                headers: vec![session_header(i, s), format!("Buổi {}", i + 1), format!("Buoi {}", i + 1), date],
                required: true,
            });
        }
        let rows = crate::upload::read_rows(bytes, columns, 5_000).await?;
        let mut report = SheetReport { rows: rows.len(), ..Default::default() };
        let mut present: Vec<BTreeSet<i64>> = vec![BTreeSet::new(); sessions.len()];
        let mut seen = BTreeSet::new();
        for r in &rows {
            let code = r.get("code").trim();
            let id = match code.parse::<i64>() {
                Ok(id) if known.contains(&id) => id,
                _ => {
                    report.errors.push(SheetError {
                        line: r.line,
                        column: "Mã người học".into(),
                        message: format!(
                            "Dòng {}, cột Mã người học: \"{}\" không phải người học của hoạt động này",
                            r.line,
                            code.chars().take(20).collect::<String>()
                        ),
                    });
                    continue;
                }
            };
            if !seen.insert(id) {
                report.errors.push(SheetError {
                    line: r.line,
                    column: "Mã người học".into(),
                    message: format!("Dòng {}, cột Mã người học: người học {id} có ở hai dòng", r.line),
                });
                continue;
            }
            for (i, s) in sessions.iter().enumerate() {
                let raw = r.get(SESSION_COLUMNS[i]).trim();
                match hoctap_domain::text::fold(raw).as_str() {
                    "x" | "1" | "co" | "co mat" | "c" => {
                        present[i].insert(id);
                    }
                    "" | "0" | "vang" | "v" | "-" => {}
                    _ => report.errors.push(SheetError {
                        line: r.line,
                        column: session_header(i, s),
                        message: format!(
                            "Dòng {}, cột {}: \"{}\" không đọc được; ghi x nếu có mặt, để trống nếu vắng",
                            r.line,
                            session_header(i, s),
                            raw.chars().take(20).collect::<String>()
                        ),
                    }),
                }
            }
        }
        report.sessions = sessions.iter().zip(&present).map(|(s, p)| (hoctap_domain::date::format_vn(s.held_on), p.len())).collect();
        if dry_run || !report.errors.is_empty() {
            return Ok(report);
        }
        let rolls: Vec<(i64, BTreeSet<i64>)> = sessions.iter().map(|s| s.id).zip(present).collect();
        store.roll_calls(&user.actor(), &a, &rolls).await?;
        report.applied = true;
        Ok(report)
    })
}

// ---------------------------------------------------------------------------------------------
// Learners

/// A learner to enrol: a citizen of the registry (by id, from the search) or a walk-in.
#[derive(Debug, Clone, Deserialize, Serialize, Default)]
pub struct EnrolInput {
    #[serde(default)]
    pub citizen_id: Option<i64>,
    #[serde(default)]
    pub full_name: String,
    #[serde(default)]
    pub birth_year: String,
    #[serde(default)]
    pub sex: String,
    /// A village id of the centre's commune (optional).
    #[serde(default)]
    pub village_id: Option<i64>,
}

#[inline(never)]
pub fn enrol<'fut, 'l1: 'fut, 'l2: 'fut, 'l3: 'fut>(
    store: &'l1 Store,
    user: &'l2 CurrentUser,
    activity_id: i64,
    input: &'l3 EnrolInput,
) -> crate::BoxFut<'fut, AppResult<i64>> {
    Box::pin(async move {
        require_manager(user)?;
        let a = activity_in_scope(store, user, activity_id).await?;
        let learner = match input.citizen_id {
            Some(c) => {
                let (_, unit, ..) =
                    store.learning_citizen(c).await.map_err(|_| AppError::invalid("citizen_id", "Không có công dân này trong sổ"))?;
                if !user.sees(store, unit).await? {
                    return Err(AppError::invalid("citizen_id", "Không có công dân này trong sổ"));
                }
                Learner::Citizen(c)
            }
            None => {
                let name = field("full_name", hoctap_domain::registry::person::FullName::parse(&input.full_name))?;
                let year: i32 =
                    input.birth_year.trim().parse().map_err(|_| AppError::invalid("birth_year", "Năm sinh: nhập 4 chữ số, ví dụ 1975"))?;
                let year = field("birth_year", learning::birth_year(year, hoctap_store::today()))?;
                let sex = match input.sex.trim() {
                    "" => String::new(),
                    s => hoctap_domain::registry::person::Sex::parse(s)
                        .map(|s| s.code().to_string())
                        .ok_or_else(|| AppError::invalid("sex", "Giới tính: Nam hoặc Nữ"))?,
                };
                if let Some(v) = input.village_id
                    && !store.in_scope(a.unit_id, v, hoctap_store::today()).await?
                {
                    return Err(AppError::invalid("village_id", "Thôn: chọn một thôn của xã có trung tâm"));
                }
                Learner::WalkIn { full_name: name.as_str().to_string(), birth_year: year, sex, village_id: input.village_id }
            }
        };
        Ok(store.enrol(&user.actor(), &a, &learner).await?)
    })
}

/// Removes a learner from the class list (a centre's manager in scope); refused (409) once they
/// were marked present at a session (`learning::may_unenrol`). Returns the learner's name.
#[inline(never)]
pub fn unenrol<'fut, 'l1: 'fut, 'l2: 'fut>(
    store: &'l1 Store,
    user: &'l2 CurrentUser,
    activity_id: i64,
    enrolment_id: i64,
) -> crate::BoxFut<'fut, AppResult<String>> {
    Box::pin(async move {
        require_manager(user)?;
        let a = activity_in_scope(store, user, activity_id).await?;
        let e = store.enrolments(a.id).await?.into_iter().find(|e| e.id == enrolment_id).ok_or(AppError::NotFound("người học"))?;
        store.unenrol(&user.actor(), &a, enrolment_id).await?;
        Ok(e.full_name)
    })
}

/// A citizen found by the learner search.
#[derive(Debug, Clone, Serialize)]
pub struct Found {
    pub id: i64,
    pub full_name: String,
    pub cccd: String,
    pub village: String,
}

/// Searches the citizens in scope by name (diacritics and case ignored) or, for roles that see
/// personal data, by CCCD digits.
#[inline(never)]
pub fn search_learners<'fut, 'l1: 'fut, 'l2: 'fut, 'l3: 'fut>(
    store: &'l1 Store,
    user: &'l2 CurrentUser,
    q: &'l3 str,
) -> crate::BoxFut<'fut, AppResult<Vec<Found>>> {
    Box::pin(async move {
        require_manager(user)?;
        let reg = &hoctap_domain::registry::def::CITIZENS;
        crate::registries::refuse_personal_search(user, reg, q)?;
        if q.trim().chars().count() < 2 {
            return Ok(Vec::new());
        }
        let records = store
            .registry_list(
                reg,
                &hoctap_store::RegistryQuery {
                    scope: user.scope(),
                    search: Some(q.trim().to_string()),
                    limit: 20,
                    by_label: true,
                    ..Default::default()
                },
                hoctap_store::today(),
            )
            .await?;
        let f = |c: &str| reg.field(c);
        Ok(records
            .iter()
            .map(|r| Found {
                id: r.id,
                full_name: f("full_name").map(|fl| crate::registries::shown(user, fl, r.values.get("full_name"))).unwrap_or_default(),
                cccd: f("cccd").map(|fl| crate::registries::shown(user, fl, r.values.get("cccd"))).unwrap_or_default(),
                village: f("village").map(|fl| crate::registries::shown(user, fl, r.values.get("village"))).unwrap_or_default(),
            })
            .collect())
    })
}

// ---------------------------------------------------------------------------------------------
// A citizen's learning record

/// One year of a record.
#[derive(Debug, Clone, Serialize)]
pub struct RecordYear {
    pub totals: YearTotals,
    pub activities: Vec<(RecordLine, bool)>,
    pub other: Vec<OtherRow>,
}

/// A citizen's learning record, by year (newest first).
#[derive(Debug, Clone, Serialize)]
pub struct LearningRecord {
    pub citizen_id: i64,
    pub full_name: String,
    pub years: Vec<RecordYear>,
    /// Whether the reader may confirm other learning (an officer in scope).
    pub can_confirm: bool,
    pub own: bool,
}

/// The citizen a citizen's account is (by the CCCD it logs in with); 404 when the registry
/// does not hold them.
#[inline(never)]
pub fn own_citizen<'fut, 'l1: 'fut, 'l2: 'fut>(
    store: &'l1 Store,
    user: &'l2 CurrentUser,
) -> crate::BoxFut<'fut, AppResult<(i64, i64, String, String)>> {
    Box::pin(async move {
        if user.user.role != Role::Citizen {
            return Err(AppError::Forbidden);
        }
        store.learning_citizen_by_cccd(&user.user.username).await?.ok_or_else(|| {
            AppError::invalid("cccd", "Số CCCD của bạn chưa có trong sổ công dân của xã, phường; hãy liên hệ cán bộ phụ trách")
        })
    })
}

async fn build_record(store: &Store, citizen: (i64, i64, String, String), can_confirm: bool, own: bool) -> AppResult<LearningRecord> {
    let (id, _, name, _) = citizen;
    let lines = store.learning_record(id).await?;
    let other = store.other_learning(id).await?;
    let mut years: BTreeSet<i16> = lines.iter().map(|l| l.year).collect();
    years.extend(other.iter().map(|o| o.year));
    let out = years
        .into_iter()
        .rev()
        .map(|y| {
            let acts: Vec<(RecordLine, bool)> =
                lines.iter().filter(|l| l.year == y).map(|l| (l.clone(), completed(l.attended, l.sessions))).collect();
            let oth: Vec<OtherRow> = other.iter().filter(|o| o.year == y).cloned().collect();
            RecordYear { totals: totals(y, &acts, &oth), activities: acts, other: oth }
        })
        .collect();
    Ok(LearningRecord { citizen_id: id, full_name: name, years: out, can_confirm, own })
}

fn totals(year: i16, acts: &[(RecordLine, bool)], other: &[OtherRow]) -> YearTotals {
    let attended: Vec<_> = acts.iter().filter(|(l, _)| l.attended > 0).collect();
    YearTotals {
        year,
        attended: i64::try_from(attended.len()).unwrap_or(0),
        completed: i64::try_from(acts.iter().filter(|(_, c)| *c).count()).unwrap_or(0),
        hours: Hours(attended.iter().map(|(l, _)| l.hours.0).sum()),
        digital_completed: i64::try_from(acts.iter().filter(|(l, c)| *c && l.digital).count()).unwrap_or(0),
        other_confirmed: i64::try_from(other.iter().filter(|o| !o.confirmed_at.is_empty()).count()).unwrap_or(0),
        other_declared: i64::try_from(other.iter().filter(|o| o.confirmed_at.is_empty()).count()).unwrap_or(0),
    }
}

/// The signed-in citizen's own record.
/// A citizen the registry does not hold yet has an empty record.
#[inline(never)]
pub fn my_record<'fut, 'l1: 'fut, 'l2: 'fut>(store: &'l1 Store, user: &'l2 CurrentUser) -> crate::BoxFut<'fut, AppResult<LearningRecord>> {
    Box::pin(async move {
        match own_citizen(store, user).await {
            Ok(me) => build_record(store, me, false, true).await,
            Err(AppError::Invalid { .. }) => Ok(LearningRecord {
                citizen_id: 0,
                full_name: user.user.full_name.clone(),
                years: Vec::new(),
                can_confirm: false,
                own: true,
            }),
            Err(e) => Err(e),
        }
    })
}

/// A citizen's record for an officer in scope.
#[inline(never)]
pub fn citizen_record<'fut, 'l1: 'fut, 'l2: 'fut>(
    store: &'l1 Store,
    user: &'l2 CurrentUser,
    citizen_id: i64,
) -> crate::BoxFut<'fut, AppResult<LearningRecord>> {
    Box::pin(async move {
        require_reader(user)?;
        let c = store.learning_citizen(citizen_id).await?;
        user.require_sees(store, c.1, "công dân").await?;
        build_record(store, c, manages(user), false).await
    })
}

/// Other learning as a form sends it.
#[derive(Debug, Clone, Deserialize, Serialize, Default)]
pub struct OtherInput {
    #[serde(default)]
    pub year: String,
    #[serde(default)]
    pub title: String,
    #[serde(default)]
    pub topic: String,
    #[serde(default)]
    pub provider: String,
    #[serde(default)]
    pub hours: String,
    #[serde(default)]
    pub evidence: String,
}

fn parse_other(input: &OtherInput, by_citizen: bool) -> AppResult<NewOther> {
    let this_year = hoctap_store::today().year();
    let year: i16 = input.year.trim().parse().map_err(|_| AppError::invalid("year", "Năm: nhập 4 chữ số"))?;
    if !(2000..=this_year).contains(&year) {
        return Err(AppError::invalid("year", format!("Năm: từ 2000 đến {this_year}")));
    }
    let topic = match input.topic.trim() {
        "" => None,
        t => Some(field("topic", TopicCode::parse(t))?),
    };
    Ok(NewOther {
        year,
        title: input.title.clone(),
        topic,
        provider: input.provider.clone(),
        hours: field("hours", Hours::parse_total(&input.hours))?,
        evidence: input.evidence.clone(),
        by_citizen,
    })
}

/// Other learning added by the citizen (self-service): "tự khai" until confirmed.
#[inline(never)]
pub fn declare_own<'fut, 'l1: 'fut, 'l2: 'fut, 'l3: 'fut>(
    store: &'l1 Store,
    user: &'l2 CurrentUser,
    input: &'l3 OtherInput,
) -> crate::BoxFut<'fut, AppResult<i64>> {
    Box::pin(async move {
        let (id, unit, ..) = own_citizen(store, user).await?;
        let o = parse_other(input, true)?;
        Ok(store.other_learning_add(&user.actor(), id, unit, &o).await?)
    })
}

/// Other learning added by an officer for a citizen in scope (still to be confirmed).
#[inline(never)]
pub fn declare_for<'fut, 'l1: 'fut, 'l2: 'fut, 'l3: 'fut>(
    store: &'l1 Store,
    user: &'l2 CurrentUser,
    citizen_id: i64,
    input: &'l3 OtherInput,
) -> crate::BoxFut<'fut, AppResult<i64>> {
    Box::pin(async move {
        require_manager(user)?;
        let (id, unit, ..) = store.learning_citizen(citizen_id).await?;
        user.require_sees(store, unit, "công dân").await?;
        let o = parse_other(input, false)?;
        Ok(store.other_learning_add(&user.actor(), id, unit, &o).await?)
    })
}

/// An officer in scope confirms other learning; returns the citizen's id.
#[inline(never)]
pub fn confirm_other<'fut, 'l1: 'fut, 'l2: 'fut>(
    store: &'l1 Store,
    user: &'l2 CurrentUser,
    id: i64,
) -> crate::BoxFut<'fut, AppResult<i64>> {
    Box::pin(async move {
        require_manager(user)?;
        let item = store.other_learning_item(id).await?;
        user.require_sees(store, item.unit_id, "mục học tập").await?;
        store.other_learning_confirm(&user.actor(), &item).await?;
        Ok(item.citizen_id)
    })
}

/// What a citizen's record says to a criteria set's indicators in a year (the dossier page and
/// the self-assessment show it beside the indicators, with its explanation).
#[inline(never)]
pub fn prefill<'fut, 'l1: 'fut, 'l2: 'fut>(
    store: &'l1 Store,
    set_id: &'l2 str,
    citizen_id: i64,
    year: i16,
) -> crate::BoxFut<'fut, AppResult<Vec<Prefill>>> {
    Box::pin(async move {
        if !learning::PREFILLED.iter().any(|(s, ..)| *s == set_id) {
            return Ok(Vec::new());
        }
        let c = store.learning_citizen(citizen_id).await?;
        let r = build_record(store, c, false, false).await?;
        let t = r.years.iter().find(|y| y.totals.year == year).map(|y| y.totals).unwrap_or(YearTotals { year, ..Default::default() });
        Ok(learning::prefill(set_id, &t))
    })
}

/// The signed-in citizen's pre-fill for a year (their self-assessment page).
#[inline(never)]
pub fn my_prefill<'fut, 'l1: 'fut, 'l2: 'fut, 'l3: 'fut>(
    store: &'l1 Store,
    user: &'l2 CurrentUser,
    set_id: &'l3 str,
    year: i16,
) -> crate::BoxFut<'fut, AppResult<Vec<Prefill>>> {
    Box::pin(async move {
        match own_citizen(store, user).await {
            Ok((id, ..)) => prefill(store, set_id, id, year).await,
            Err(AppError::Invalid { .. }) => Ok(Vec::new()),
            Err(e) => Err(e),
        }
    })
}

// ---------------------------------------------------------------------------------------------
// The year's report and the public programme

/// The year's report of the centres in a unit (or of one centre): officers in scope.
#[inline(never)]
pub fn year_report<'fut, 'l1: 'fut, 'l2: 'fut>(
    store: &'l1 Store,
    user: &'l2 CurrentUser,
    unit_id: i64,
    centre: Option<i64>,
    year: i16,
) -> crate::BoxFut<'fut, AppResult<YearReport>> {
    Box::pin(async move {
        require_reader(user)?;
        user.require_sees(store, unit_id, "đơn vị").await?;
        if let Some(c) = centre {
            centre_in_scope(store, user, c).await?;
        }
        Ok(store.learning_year_report(unit_id, centre, year, hoctap_store::today()).await?)
    })
}

/// What the public sees of an activity: no learner, only the facts of the programme.
#[derive(Debug, Clone, Serialize)]
pub struct PublicActivity {
    pub id: i64,
    pub title: String,
    pub topic: String,
    pub kind: &'static str,
    pub starts_on: String,
    pub ends_on: String,
    pub place: String,
}

/// A centre's programme of a year as anyone may read it (title, dates, place, topic).
#[inline(never)]
pub fn public_programme<'fut, 'l1: 'fut>(
    store: &'l1 Store,
    centre_id: i64,
    year: i16,
) -> crate::BoxFut<'fut, AppResult<(CentreRow, Vec<PublicActivity>)>> {
    Box::pin(async move {
        let c = store.learning_centre(centre_id).await?;
        let list = store.centre_activities(centre_id, year).await?.into_iter().map(public_activity).collect();
        Ok((c, list))
    })
}

/// An activity as the public sees it (never its learners).
pub fn public_activity(a: ActivityRow) -> PublicActivity {
    PublicActivity {
        id: a.id,
        topic: a.topic_name,
        kind: ActivityKind::parse(&a.kind).map(|k| k.label()).unwrap_or(""),
        starts_on: hoctap_domain::date::format_vn(a.starts_on),
        ends_on: hoctap_domain::date::format_vn(a.ends_on),
        place: {
            let kind = PlaceKind::parse(&a.place_kind).map(|k| k.label()).unwrap_or("");
            if a.place.is_empty() { kind.to_string() } else { format!("{kind}: {}", a.place) }
        },
        title: a.title,
    }
}

/// "Đăng ký quan tâm" by a signed-in citizen; true when newly registered.
#[inline(never)]
pub fn register_interest<'fut, 'l1: 'fut, 'l2: 'fut>(
    store: &'l1 Store,
    user: &'l2 CurrentUser,
    activity_id: i64,
) -> crate::BoxFut<'fut, AppResult<(ActivityRow, bool)>> {
    Box::pin(async move {
        if user.user.role != Role::Citizen {
            return Err(AppError::Forbidden);
        }
        let a = store.activity(activity_id).await?;
        user.require_sees(store, a.unit_id, "hoạt động").await?;
        let fresh = store.register_interest(&user.actor(), &a, user.user.id).await?;
        Ok((a, fresh))
    })
}
