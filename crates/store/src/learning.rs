//! Learning itself (issue 16): a learning centre's programme (activities and their sessions),
//! learners (citizens of the registry or walk-ins), roll calls, citizens' other learning, the
//! interest citizens register, and the year's figures. Every write audits and adds its
//! counters (`learning_*` metrics) in its own transaction: the counted numbers of the
//! activities it touches are read before and after the change and the difference is added,
//! so an edit, a correction or a deletion never drifts from `hoctap recount`.

use std::collections::{BTreeMap, BTreeSet};

use crate::db::{Conn, Row};
use hoctap_domain::learning::{ActivityKind, AgeGroup, Funding, Hours, PartnerKind, PlaceKind, TopicCode};
use hoctap_domain::stats::Delta;
use jiff::civil::Date;
use serde::Serialize;

use crate::audit::{AuditEntry, record};
use crate::stats::add_deltas;
use crate::{Actor, Result, Store, StoreError, date_text, now_text, parse_date_col};

// A roll call taken offline, written in the device's change transaction (issue 18).
pub(crate) mod roll_sync;

/// A learning centre (a row of the TT HTCĐ registry).
#[derive(Debug, Clone, Serialize)]
pub struct CentreRow {
    pub id: i64,
    pub unit_id: i64,
    pub unit_name: String,
    pub code: String,
    pub name: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct TopicRow {
    pub code: String,
    pub name: String,
    pub digital: bool,
}

/// An activity as entered.
#[derive(Debug, Clone)]
pub struct NewActivity {
    pub kind: ActivityKind,
    pub title: String,
    pub topic: TopicCode,
    pub starts_on: Date,
    pub ends_on: Date,
    pub place_kind: PlaceKind,
    pub place: String,
    pub teacher: String,
    pub partner_kind: PartnerKind,
    pub partner: String,
    pub capacity: Option<i64>,
    pub funding: Funding,
    pub note: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct ActivityRow {
    pub id: i64,
    pub centre_id: i64,
    pub centre_name: String,
    pub unit_id: i64,
    pub kind: String,
    pub title: String,
    pub topic: String,
    pub topic_name: String,
    pub starts_on: Date,
    pub ends_on: Date,
    pub year: i16,
    pub place_kind: String,
    pub place: String,
    pub teacher: String,
    pub partner_kind: String,
    pub partner: String,
    pub capacity: Option<i64>,
    pub funding: String,
    pub note: String,
    pub sessions: i64,
    pub learners: i64,
    pub interested: i64,
}

#[derive(Debug, Clone, Serialize)]
pub struct LessonRow {
    pub id: i64,
    pub activity_id: i64,
    pub held_on: Date,
    pub hours: Hours,
    pub title: String,
    pub present: i64,
    pub roll_taken: bool,
}

/// Who is enrolled.
#[derive(Debug, Clone)]
pub enum Learner {
    /// A citizen of the registry (reg_citizens.id).
    Citizen(i64),
    /// Người học vãng lai: without a CCCD.
    WalkIn { full_name: String, birth_year: i16, sex: String, village_id: Option<i64> },
}

#[derive(Debug, Clone, Serialize)]
pub struct EnrolmentRow {
    pub id: i64,
    pub citizen_id: Option<i64>,
    /// The citizen's CCCD (the app masks it for roles that do not see personal data).
    pub cccd: Option<String>,
    pub full_name: String,
    pub birth_year: Option<i64>,
    pub sex: String,
    pub village: String,
    pub attended: i64,
    pub hours: Hours,
}

/// One activity on a citizen's learning record.
#[derive(Debug, Clone, Serialize)]
pub struct RecordLine {
    pub activity_id: i64,
    pub title: String,
    pub topic_name: String,
    pub digital: bool,
    pub centre_name: String,
    pub year: i16,
    pub starts_on: Date,
    pub sessions: i64,
    pub attended: i64,
    pub hours: Hours,
}

/// Other learning (học tập khác) of a citizen.
#[derive(Debug, Clone, Serialize)]
pub struct OtherRow {
    pub id: i64,
    pub citizen_id: i64,
    pub unit_id: i64,
    pub year: i16,
    pub title: String,
    pub topic: Option<String>,
    pub provider: String,
    pub hours: Hours,
    pub evidence: String,
    pub by_citizen: bool,
    pub confirmed_by: String,
    pub confirmed_at: String,
}

#[derive(Debug, Clone)]
pub struct NewOther {
    pub year: i16,
    pub title: String,
    pub topic: Option<TopicCode>,
    pub provider: String,
    pub hours: Hours,
    pub evidence: String,
    pub by_citizen: bool,
}

/// A line of the year's report by topic.
#[derive(Debug, Clone, Default, Serialize)]
pub struct TopicLine {
    pub code: String,
    pub name: String,
    pub activities: i64,
    pub sessions: i64,
    pub enrolments: i64,
    pub hours: Hours,
}

/// The year's report of a unit's centres (báo cáo năm của TT HTCĐ).
#[derive(Debug, Clone, Default, Serialize)]
pub struct YearReport {
    pub year: i16,
    pub centres: i64,
    pub activities: i64,
    pub sessions: i64,
    /// Lượt người học (enrolments).
    pub enrolments: i64,
    /// Người học (distinct citizens, walk-ins counted each).
    pub learners: i64,
    pub attendances: i64,
    /// Giờ học của người học (learner-hours).
    pub hours: Hours,
    pub by_topic: Vec<TopicLine>,
    /// (label, enrolments)
    pub by_sex: Vec<(String, i64)>,
    pub by_age: Vec<(String, i64)>,
    pub by_ethnicity: Vec<(String, i64)>,
}

const ACTIVITY_SELECT: &str = "SELECT a.*, c.name AS centre_name, t.name AS topic_name, \
     (SELECT COUNT(*) FROM learning_sessions s WHERE s.activity_id = a.id) AS n_sessions, \
     (SELECT COUNT(*) FROM learning_enrolments e WHERE e.activity_id = a.id) AS n_learners, \
     (SELECT COUNT(*) FROM learning_interest i WHERE i.activity_id = a.id) AS n_interested \
     FROM learning_activities a JOIN reg_learning_centres c ON c.id = a.centre_id JOIN learning_topics t ON t.code = a.topic";

fn activity_row(r: &Row) -> Result<ActivityRow> {
    Ok(ActivityRow {
        id: r.i64("id")?,
        centre_id: r.i64("centre_id")?,
        centre_name: r.try_get::<Option<String>, _>("centre_name")?.unwrap_or_default(),
        unit_id: r.i64("unit_id")?,
        kind: r.try_get("kind")?,
        title: r.try_get("title")?,
        topic: r.try_get("topic")?,
        topic_name: r.try_get("topic_name")?,
        starts_on: parse_date_col(&r.try_get::<String, _>("starts_on")?)?,
        ends_on: parse_date_col(&r.try_get::<String, _>("ends_on")?)?,
        year: i16::try_from(r.i64("year")?).unwrap_or(0),
        place_kind: r.try_get("place_kind")?,
        place: r.try_get("place")?,
        teacher: r.try_get("teacher")?,
        partner_kind: r.try_get("partner_kind")?,
        partner: r.try_get("partner")?,
        capacity: r.opt_i64("capacity")?,
        funding: r.try_get("funding")?,
        note: r.try_get("note")?,
        sessions: r.i64("n_sessions")?,
        learners: r.i64("n_learners")?,
        interested: r.i64("n_interested")?,
    })
}

fn session_row(r: &Row) -> Result<LessonRow> {
    Ok(LessonRow {
        id: r.i64("id")?,
        activity_id: r.i64("activity_id")?,
        held_on: parse_date_col(&r.try_get::<String, _>("held_on")?)?,
        hours: Hours(r.i64("hours_tenths")?),
        title: r.try_get("title")?,
        present: r.i64("present")?,
        roll_taken: !r.try_get::<String, _>("roll_taken_at")?.is_empty(),
    })
}

// ---------------------------------------------------------------------------------------------
// Counters

/// What an activity's numbers are counted under: the activity, its centre, its unit, year and
/// start date (the tree its unit is read on).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
struct Key {
    activity: i64,
    centre: i64,
    unit: i64,
    year: i16,
    on: Date,
}

async fn key_of(conn: &mut Conn, activity: i64) -> Result<Option<Key>> {
    let r = crate::db::query("SELECT centre_id, unit_id, year, starts_on FROM learning_activities WHERE id = $1")
        .bind(activity)
        .fetch_optional(&mut *conn)
        .await?;
    let Some(r) = r else { return Ok(None) };
    Ok(Some(Key {
        activity,
        centre: r.i64("centre_id")?,
        unit: r.i64("unit_id")?,
        year: i16::try_from(r.i64("year")?).unwrap_or(0),
        on: parse_date_col(&r.try_get::<String, _>("starts_on")?)?,
    }))
}

/// Hoàn thành, in SQL over an enrolment `e` of activity `a`: present at 80% of the sessions or
/// more (`hoctap_domain::learning::completed`, the same rule, for the pages).
const COMPLETED: &str = "(SELECT COUNT(*) FROM learning_sessions s WHERE s.activity_id = a.id) > 0 \
     AND 5 * (SELECT COUNT(*) FROM learning_attendance x WHERE x.enrolment_id = e.id) >= 4 * (SELECT COUNT(*) FROM learning_sessions s WHERE s.activity_id = a.id)";

/// The date a centre's "active in the year" counts on: 31/12 of the year.
fn year_end(year: i16) -> Date {
    jiff::civil::date(year, 12, 31)
}

type Counted = BTreeMap<(i64, Date, i16, &'static str), i64>;

/// The counted numbers of some activities (under their keys) and of their centres' years.
async fn counted(conn: &mut Conn, keys: &BTreeSet<Key>) -> Result<Counted> {
    let mut out = Counted::new();
    let mut centre_years = BTreeSet::new();
    for k in keys {
        let sql = format!(
            "SELECT \
             (SELECT COUNT(*) FROM learning_sessions s WHERE s.activity_id = a.id) AS s, \
             (SELECT COUNT(*) FROM learning_enrolments e WHERE e.activity_id = a.id) AS e, \
             (SELECT COUNT(*) FROM learning_attendance t JOIN learning_sessions s ON s.id = t.session_id WHERE s.activity_id = a.id) AS p, \
             (SELECT COUNT(*) FROM learning_enrolments e JOIN learning_topics k ON k.code = a.topic WHERE e.activity_id = a.id AND k.digital = 1 AND {COMPLETED}) AS d \
             FROM learning_activities a WHERE a.id = $1 AND a.centre_id = $2 AND a.unit_id = $3 AND a.year = $4 AND a.starts_on = $5"
        );
        let r = crate::db::query(sqlx::AssertSqlSafe(sql))
            .bind(k.activity)
            .bind(k.centre)
            .bind(k.unit)
            .bind(i64::from(k.year))
            .bind(date_text(k.on))
            .fetch_optional(&mut *conn)
            .await?;
        if let Some(r) = r {
            for (metric, n) in [
                ("learning_activities", 1),
                ("learning_sessions", r.i64("s")?),
                ("learning_enrolments", r.i64("e")?),
                ("learning_attendances", r.i64("p")?),
                ("learning_digital_completions", r.i64("d")?),
            ] {
                *out.entry((k.unit, k.on, k.year, metric)).or_default() += n;
            }
        }
        centre_years.insert((k.centre, k.unit, k.year));
    }
    for (centre, unit, year) in centre_years {
        let r = crate::db::query("SELECT COUNT(*) AS n FROM learning_activities WHERE centre_id = $1 AND unit_id = $2 AND year = $3")
            .bind(centre)
            .bind(unit)
            .bind(i64::from(year))
            .fetch_one(&mut *conn)
            .await?;
        let active = i64::from(r.i64("n")? > 0);
        *out.entry((unit, year_end(year), year, "learning_centres_active")).or_default() += active;
    }
    Ok(out)
}

/// Adds the difference of two snapshots to the counters.
async fn add_difference(conn: &mut Conn, before: &Counted, after: &Counted) -> Result<()> {
    let mut items = Vec::new();
    for key in before.keys().chain(after.keys()).collect::<BTreeSet<_>>() {
        let d = after.get(key).copied().unwrap_or(0) - before.get(key).copied().unwrap_or(0);
        if d != 0 {
            let (unit, on, year, metric) = *key;
            items.push((unit, on, Delta { year, metric, amount: d }));
        }
    }
    add_deltas(conn, &items).await
}

/// Every learning counter from the tables, as the write path counts them (for `recount`).
pub(crate) async fn recount_items(conn: &mut Conn) -> Result<(usize, Vec<(i64, Date, Delta)>)> {
    let sql = format!(
        "SELECT a.id, a.centre_id, a.unit_id, a.year, a.starts_on, \
         COALESCE(s.n, 0) AS s, COALESCE(e.n, 0) AS e, COALESCE(p.n, 0) AS p, \
         (SELECT COUNT(*) FROM learning_enrolments e JOIN learning_topics k ON k.code = a.topic WHERE e.activity_id = a.id AND k.digital = 1 AND {COMPLETED}) AS d \
         FROM learning_activities a \
         LEFT JOIN (SELECT activity_id, COUNT(*) AS n FROM learning_sessions GROUP BY activity_id) s ON s.activity_id = a.id \
         LEFT JOIN (SELECT activity_id, COUNT(*) AS n FROM learning_enrolments GROUP BY activity_id) e ON e.activity_id = a.id \
         LEFT JOIN (SELECT x.activity_id, COUNT(*) AS n FROM learning_attendance t JOIN learning_sessions x ON x.id = t.session_id GROUP BY x.activity_id) p ON p.activity_id = a.id"
    );
    let rows = crate::db::query(sqlx::AssertSqlSafe(sql)).fetch_all(&mut *conn).await?;
    let mut items = Vec::new();
    let mut centre_years = BTreeSet::new();
    for r in &rows {
        let unit = r.i64("unit_id")?;
        let year = i16::try_from(r.i64("year")?).unwrap_or(0);
        let on = parse_date_col(&r.try_get::<String, _>("starts_on")?)?;
        for (metric, amount) in [
            ("learning_activities", 1),
            ("learning_sessions", r.i64("s")?),
            ("learning_enrolments", r.i64("e")?),
            ("learning_attendances", r.i64("p")?),
            ("learning_digital_completions", r.i64("d")?),
        ] {
            items.push((unit, on, Delta { year, metric, amount }));
        }
        centre_years.insert((r.i64("centre_id")?, unit, year));
    }
    for (_, unit, year) in centre_years {
        items.push((unit, year_end(year), Delta { year, metric: "learning_centres_active", amount: 1 }));
    }
    Ok((rows.len(), items))
}

fn clean_line(field: &str, label: &str, raw: &str, max: usize, required: bool) -> Result<String> {
    let s = hoctap_domain::text::line(raw, max).map_err(|e| StoreError::invalid(field, format!("{label}: {e}")))?;
    if required && s.is_empty() {
        return Err(StoreError::invalid(field, format!("{label}: không được để trống")));
    }
    Ok(s)
}

impl Store {
    // -----------------------------------------------------------------------------------------
    // Centres and topics

    /// A learning centre of the registry (current or ended).
    #[inline(never)]
    pub fn learning_centre<'fut, 'l1: 'fut>(&'l1 self, id: i64) -> crate::BoxFut<'fut, Result<CentreRow>> {
        Box::pin(async move {
            let r = crate::db::query(
            "SELECT c.id, c.unit_id, u.name AS unit_name, c.code, c.name FROM reg_learning_centres c JOIN units u ON u.id = c.unit_id WHERE c.id = $1",
        )
        .bind(id)
        .fetch_optional(self.pool())
        .await?
        .ok_or(StoreError::NotFound("trung tâm học tập cộng đồng"))?;
            centre_row(&r)
        })
    }

    /// The centres in force today inside a subtree (None: everywhere), by name.
    #[inline(never)]
    pub fn learning_centres<'fut, 'l1: 'fut>(&'l1 self, scope: Option<i64>, on: Date) -> crate::BoxFut<'fut, Result<Vec<CentreRow>>> {
        Box::pin(async move {
            // A subtree's centres are found from its units (the closure, then the centres' unit
            // index), not by testing every centre of the country against the closure.
            let within = if scope.is_some() {
                "c.unit_id IN (SELECT k.descendant_id FROM unit_closure k WHERE k.ancestor_id = $1 AND k.valid_from <= $2 AND k.valid_to > $2)"
            } else {
                "$1 IS NULL"
            };
            let sql = format!(
                "SELECT c.id, c.unit_id, u.name AS unit_name, c.code, c.name FROM reg_learning_centres c JOIN units u ON u.id = c.unit_id \
             WHERE c.valid_to > $2 AND {within} ORDER BY c.name, c.id LIMIT 2000"
            );
            let rows = crate::db::query(sqlx::AssertSqlSafe(sql)).bind(scope).bind(date_text(on)).fetch_all(self.pool()).await?;
            rows.iter().map(centre_row).collect()
        })
    }

    #[inline(never)]
    pub fn learning_topics<'fut, 'l1: 'fut>(&'l1 self) -> crate::BoxFut<'fut, Result<Vec<TopicRow>>> {
        Box::pin(async move {
            let rows = crate::db::query("SELECT code, name, digital FROM learning_topics ORDER BY name").fetch_all(self.pool()).await?;
            rows.iter()
                .map(|r| Ok(TopicRow { code: r.try_get("code")?, name: r.try_get("name")?, digital: r.i64("digital")? != 0 }))
                .collect()
        })
    }

    /// Adds a topic to the list (the list is shared by the deployment).
    #[inline(never)]
    pub fn learning_topic_add<'fut, 'l1: 'fut, 'l2: 'fut, 'l3: 'fut, 'l4: 'fut>(
        &'l1 self,
        actor: &'l2 Actor,
        code: &'l3 TopicCode,
        name: &'l4 str,
        digital: bool,
    ) -> crate::BoxFut<'fut, Result<()>> {
        Box::pin(async move {
            let name = clean_line("name", "Tên chủ đề", name, 120, true)?;
            let mut tx = self.begin().await?;
            let exists =
                crate::db::query("SELECT 1 AS x FROM learning_topics WHERE code = $1").bind(code.as_str()).fetch_optional(&mut *tx).await?;
            if exists.is_some() {
                return Err(StoreError::Conflict { field: "code".into(), message: format!("Mã chủ đề {code} đã có") });
            }
            crate::db::query("INSERT INTO learning_topics (code, name, digital, created_at) VALUES ($1, $2, $3, $4)")
                .bind(code.as_str())
                .bind(&name)
                .bind(i64::from(digital))
                .bind(now_text())
                .execute(&mut *tx)
                .await?;
            record(
                &mut tx,
                actor,
                AuditEntry {
                    unit_id: None,
                    action: "learning_topic.create",
                    entity: "learning_topic",
                    entity_id: code.to_string(),
                    before: None,
                    after: Some(serde_json::json!({"name": name, "digital": digital})),
                },
            )
            .await?;
            tx.commit().await?;
            Ok(())
        })
    }

    // -----------------------------------------------------------------------------------------
    // Activities

    async fn check_topic(conn: &mut Conn, topic: &TopicCode) -> Result<()> {
        let t =
            crate::db::query("SELECT 1 AS x FROM learning_topics WHERE code = $1").bind(topic.as_str()).fetch_optional(&mut *conn).await?;
        if t.is_none() {
            return Err(StoreError::invalid("topic", format!("Chủ đề: không có mã {topic} trong danh sách chủ đề")));
        }
        Ok(())
    }

    fn activity_json(a: &NewActivity) -> serde_json::Value {
        serde_json::json!({
            "kind": a.kind.code(), "title": a.title, "topic": a.topic.as_str(), "starts_on": date_text(a.starts_on),
            "ends_on": date_text(a.ends_on), "place_kind": a.place_kind.code(), "place": a.place, "teacher": a.teacher,
            "partner_kind": a.partner_kind.code(), "partner": a.partner, "capacity": a.capacity, "funding": a.funding.code(),
        })
    }

    fn cleaned(a: &NewActivity) -> Result<NewActivity> {
        hoctap_domain::learning::check_dates(a.starts_on, a.ends_on).map_err(|e| StoreError::invalid("ends_on", e.to_string()))?;
        if let Some(c) = a.capacity {
            hoctap_domain::learning::check_capacity(c).map_err(|e| StoreError::invalid("capacity", e.to_string()))?;
        }
        Ok(NewActivity {
            title: clean_line("title", "Tên hoạt động", &a.title, 200, true)?,
            place: clean_line("place", "Địa điểm", &a.place, 200, false)?,
            teacher: clean_line("teacher", "Giảng viên, báo cáo viên", &a.teacher, 200, false)?,
            partner: clean_line("partner", "Đơn vị phối hợp", &a.partner, 200, false)?,
            note: hoctap_domain::text::narrative(&a.note, 2000).map_err(|e| StoreError::invalid("note", format!("Ghi chú: {e}")))?,
            ..a.clone()
        })
    }

    /// Adds an activity to a centre's programme.
    #[inline(never)]
    pub fn activity_create<'fut, 'l1: 'fut, 'l2: 'fut, 'l3: 'fut, 'l4: 'fut>(
        &'l1 self,
        actor: &'l2 Actor,
        centre: &'l3 CentreRow,
        a: &'l4 NewActivity,
    ) -> crate::BoxFut<'fut, Result<i64>> {
        Box::pin(async move {
            let a = Self::cleaned(a)?;
            let mut tx = self.begin().await?;
            Self::check_topic(&mut tx, &a.topic).await?;
            let row = crate::db::query(
            "INSERT INTO learning_activities (centre_id, unit_id, province_code, kind, title, topic, starts_on, ends_on, year, place_kind, place, teacher, partner_kind, partner, capacity, funding, note, created_by, created_at) \
             VALUES ($1, $2, COALESCE((SELECT province_code FROM units WHERE id = $2), ''), $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18) RETURNING id",
        )
        .bind(centre.id)
        .bind(centre.unit_id)
        .bind(a.kind.code())
        .bind(&a.title)
        .bind(a.topic.as_str())
        .bind(date_text(a.starts_on))
        .bind(date_text(a.ends_on))
        .bind(i64::from(a.starts_on.year()))
        .bind(a.place_kind.code())
        .bind(&a.place)
        .bind(&a.teacher)
        .bind(a.partner_kind.code())
        .bind(&a.partner)
        .bind(a.capacity)
        .bind(a.funding.code())
        .bind(&a.note)
        .bind(&actor.username)
        .bind(now_text())
        .fetch_one(&mut *tx)
        .await?;
            let id = row.i64("id")?;
            let key = Key { activity: id, centre: centre.id, unit: centre.unit_id, year: a.starts_on.year(), on: a.starts_on };
            let keys = BTreeSet::from([key]);
            // Before the insert nothing of this activity was counted; its centre's year may have been.
            let mut before = counted(&mut tx, &keys).await?;
            before.retain(|k, _| k.3 == "learning_centres_active");
            if let Some(v) = before.get_mut(&(centre.unit_id, year_end(key.year), key.year, "learning_centres_active")) {
                // The centre was active this year before only if another activity exists.
                let r = crate::db::query(
                    "SELECT COUNT(*) AS n FROM learning_activities WHERE centre_id = $1 AND unit_id = $2 AND year = $3 AND id <> $4",
                )
                .bind(centre.id)
                .bind(centre.unit_id)
                .bind(i64::from(key.year))
                .bind(id)
                .fetch_one(&mut *tx)
                .await?;
                *v = i64::from(r.i64("n")? > 0);
            }
            let after = counted(&mut tx, &keys).await?;
            add_difference(&mut tx, &before, &after).await?;
            record(
                &mut tx,
                actor,
                AuditEntry {
                    unit_id: Some(centre.unit_id),
                    action: "learning_activity.create",
                    entity: "learning_activity",
                    entity_id: id.to_string(),
                    before: None,
                    after: Some(Self::activity_json(&a)),
                },
            )
            .await?;
            tx.commit().await?;
            Ok(id)
        })
    }

    /// Corrects an activity; a new start date moves its numbers to that date's year.
    #[inline(never)]
    pub fn activity_update<'fut, 'l1: 'fut, 'l2: 'fut, 'l3: 'fut>(
        &'l1 self,
        actor: &'l2 Actor,
        id: i64,
        a: &'l3 NewActivity,
    ) -> crate::BoxFut<'fut, Result<()>> {
        Box::pin(async move {
            let a = Self::cleaned(a)?;
            let mut tx = self.begin().await?;
            Self::check_topic(&mut tx, &a.topic).await?;
            let old = key_of(&mut tx, id).await?.ok_or(StoreError::NotFound("hoạt động"))?;
            let new = Key { year: a.starts_on.year(), on: a.starts_on, ..old };
            let keys = BTreeSet::from([old, new]);
            let before = counted(&mut tx, &keys).await?;
            crate::db::query(
            "UPDATE learning_activities SET kind = $2, title = $3, topic = $4, starts_on = $5, ends_on = $6, year = $7, place_kind = $8, place = $9, \
             teacher = $10, partner_kind = $11, partner = $12, capacity = $13, funding = $14, note = $15 WHERE id = $1",
        )
        .bind(id)
        .bind(a.kind.code())
        .bind(&a.title)
        .bind(a.topic.as_str())
        .bind(date_text(a.starts_on))
        .bind(date_text(a.ends_on))
        .bind(i64::from(a.starts_on.year()))
        .bind(a.place_kind.code())
        .bind(&a.place)
        .bind(&a.teacher)
        .bind(a.partner_kind.code())
        .bind(&a.partner)
        .bind(a.capacity)
        .bind(a.funding.code())
        .bind(&a.note)
        .execute(&mut *tx)
        .await?;
            // A new year changes the learners' age groups.
            crate::learning_figures::refresh(&mut tx, id).await?;
            let after = counted(&mut tx, &keys).await?;
            add_difference(&mut tx, &before, &after).await?;
            record(
                &mut tx,
                actor,
                AuditEntry {
                    unit_id: Some(old.unit),
                    action: "learning_activity.update",
                    entity: "learning_activity",
                    entity_id: id.to_string(),
                    before: Some(serde_json::json!({"starts_on": date_text(old.on)})),
                    after: Some(Self::activity_json(&a)),
                },
            )
            .await?;
            tx.commit().await?;
            Ok(())
        })
    }

    /// Deletes an activity with its sessions, learners, attendance and interest.
    #[inline(never)]
    pub fn activity_delete<'fut, 'l1: 'fut, 'l2: 'fut>(&'l1 self, actor: &'l2 Actor, id: i64) -> crate::BoxFut<'fut, Result<()>> {
        Box::pin(async move {
            let mut tx = self.begin().await?;
            let key = key_of(&mut tx, id).await?.ok_or(StoreError::NotFound("hoạt động"))?;
            let keys = BTreeSet::from([key]);
            let before = counted(&mut tx, &keys).await?;
            let title: String = crate::db::query("SELECT title FROM learning_activities WHERE id = $1")
                .bind(id)
                .fetch_one(&mut *tx)
                .await?
                .try_get("title")?;
            for sql in [
                "DELETE FROM learning_attendance WHERE session_id IN (SELECT id FROM learning_sessions WHERE activity_id = $1)",
                "DELETE FROM learning_sessions WHERE activity_id = $1",
                "DELETE FROM learning_enrolments WHERE activity_id = $1",
                "DELETE FROM learning_interest WHERE activity_id = $1",
                "DELETE FROM learning_activity_breakdown WHERE activity_id = $1",
                "DELETE FROM learning_activities WHERE id = $1",
            ] {
                crate::db::query(sql).bind(id).execute(&mut *tx).await?;
            }
            let after = counted(&mut tx, &keys).await?;
            add_difference(&mut tx, &before, &after).await?;
            record(
                &mut tx,
                actor,
                AuditEntry {
                    unit_id: Some(key.unit),
                    action: "learning_activity.delete",
                    entity: "learning_activity",
                    entity_id: id.to_string(),
                    before: Some(serde_json::json!({"title": title, "starts_on": date_text(key.on)})),
                    after: None,
                },
            )
            .await?;
            tx.commit().await?;
            Ok(())
        })
    }

    #[inline(never)]
    pub fn activity<'fut, 'l1: 'fut>(&'l1 self, id: i64) -> crate::BoxFut<'fut, Result<ActivityRow>> {
        Box::pin(async move {
            let sql = format!("{ACTIVITY_SELECT} WHERE a.id = $1");
            let r = crate::db::query(sqlx::AssertSqlSafe(sql))
                .bind(id)
                .fetch_optional(self.pool())
                .await?
                .ok_or(StoreError::NotFound("hoạt động"))?;
            activity_row(&r)
        })
    }

    /// A centre's activities of a year, by start date.
    /// The activities of `year` of several centres by start date, per centre, in one query (a
    /// site's home shows up to a dozen centres of its area).
    #[inline(never)]
    pub fn centres_activities<'fut, 'l1: 'fut, 'l2: 'fut>(
        &'l1 self,
        ids: &'l2 [i64],
        year: i16,
    ) -> crate::BoxFut<'fut, Result<BTreeMap<i64, Vec<ActivityRow>>>> {
        Box::pin(async move {
            let mut out: BTreeMap<i64, Vec<ActivityRow>> = BTreeMap::new();
            if ids.is_empty() {
                return Ok(out);
            }
            let list = crate::dialect::placeholders(false, 2, ids.len());
            let sql = format!("{ACTIVITY_SELECT} WHERE a.year = $1 AND a.centre_id IN ({list}) ORDER BY a.starts_on, a.id");
            let mut q = crate::db::query(sqlx::AssertSqlSafe(sql)).bind(i64::from(year));
            for id in ids {
                q = q.bind(*id);
            }
            for r in q.fetch_all(self.pool()).await? {
                let a = activity_row(&r)?;
                out.entry(a.centre_id).or_default().push(a);
            }
            Ok(out)
        })
    }

    #[inline(never)]
    pub fn centre_activities<'fut, 'l1: 'fut>(&'l1 self, centre_id: i64, year: i16) -> crate::BoxFut<'fut, Result<Vec<ActivityRow>>> {
        Box::pin(async move {
            let sql = format!("{ACTIVITY_SELECT} WHERE a.centre_id = $1 AND a.year = $2 ORDER BY a.starts_on, a.id");
            let rows = crate::db::query(sqlx::AssertSqlSafe(sql)).bind(centre_id).bind(i64::from(year)).fetch_all(self.pool()).await?;
            rows.iter().map(activity_row).collect()
        })
    }

    // -----------------------------------------------------------------------------------------
    // Sessions and roll calls

    async fn touch_activity<F>(&self, actor: &Actor, activity: i64, audit: (&str, String, serde_json::Value), f: F) -> Result<i64>
    where
        F: for<'c> FnOnce(&'c mut Conn) -> crate::BoxFut<'c, Result<i64>>,
    {
        let mut tx = self.begin().await?;
        let key = key_of(&mut tx, activity).await?.ok_or(StoreError::NotFound("hoạt động"))?;
        let keys = BTreeSet::from([key]);
        let before = counted(&mut tx, &keys).await?;
        let out = f(&mut tx).await?;
        crate::learning_figures::refresh(&mut tx, activity).await?;
        let after = counted(&mut tx, &keys).await?;
        add_difference(&mut tx, &before, &after).await?;
        let (action, entity_id, after_json) = audit;
        record(
            &mut tx,
            actor,
            AuditEntry {
                unit_id: Some(key.unit),
                action,
                entity: "learning_activity",
                entity_id: if entity_id.is_empty() { out.to_string() } else { entity_id },
                before: None,
                after: Some(after_json),
            },
        )
        .await?;
        tx.commit().await?;
        Ok(out)
    }

    /// Adds a session (buổi học) to an activity.
    #[inline(never)]
    pub fn session_add<'fut, 'l1: 'fut, 'l2: 'fut, 'l3: 'fut, 'l4: 'fut>(
        &'l1 self,
        actor: &'l2 Actor,
        activity: &'l3 ActivityRow,
        held_on: Date,
        hours: Hours,
        title: &'l4 str,
    ) -> crate::BoxFut<'fut, Result<i64>> {
        Box::pin(async move {
            let title = clean_line("title", "Nội dung buổi học", title, 200, false)?;
            if held_on < activity.starts_on || held_on > activity.ends_on {
                return Err(StoreError::invalid(
                    "held_on",
                    format!(
                        "Ngày học: phải trong thời gian của hoạt động ({} – {})",
                        hoctap_domain::date::format_vn(activity.starts_on),
                        hoctap_domain::date::format_vn(activity.ends_on)
                    ),
                ));
            }
            let audit = (
                "learning_session.create",
                String::new(),
                serde_json::json!({"activity": activity.id, "held_on": date_text(held_on), "hours": hours.display()}),
            );
            let id = activity.id;
            self.touch_activity(actor, id, audit, move |conn| {
                Box::pin(async move {
                    let r = crate::db::query(
                        "INSERT INTO learning_sessions (activity_id, held_on, hours_tenths, title) VALUES ($1, $2, $3, $4) RETURNING id",
                    )
                    .bind(id)
                    .bind(date_text(held_on))
                    .bind(hours.0)
                    .bind(title)
                    .fetch_one(&mut *conn)
                    .await?;
                    r.i64("id")
                })
            })
            .await
        })
    }

    /// Deletes a session and its roll call.
    #[inline(never)]
    pub fn session_delete<'fut, 'l1: 'fut, 'l2: 'fut, 'l3: 'fut>(
        &'l1 self,
        actor: &'l2 Actor,
        session: &'l3 LessonRow,
    ) -> crate::BoxFut<'fut, Result<()>> {
        Box::pin(async move {
            let sid = session.id;
            let audit =
                ("learning_session.delete", sid.to_string(), serde_json::json!({"session": sid, "held_on": date_text(session.held_on)}));
            self.touch_activity(actor, session.activity_id, audit, move |conn| {
                Box::pin(async move {
                    crate::db::query("DELETE FROM learning_attendance WHERE session_id = $1").bind(sid).execute(&mut *conn).await?;
                    crate::db::query("DELETE FROM learning_sessions WHERE id = $1").bind(sid).execute(&mut *conn).await?;
                    Ok(sid)
                })
            })
            .await?;
            Ok(())
        })
    }

    #[inline(never)]
    pub fn learning_sessions<'fut, 'l1: 'fut>(&'l1 self, activity_id: i64) -> crate::BoxFut<'fut, Result<Vec<LessonRow>>> {
        Box::pin(async move {
            let rows = crate::db::query(
                "SELECT s.*, (SELECT COUNT(*) FROM learning_attendance t WHERE t.session_id = s.id) AS present \
             FROM learning_sessions s WHERE s.activity_id = $1 ORDER BY s.held_on, s.id",
            )
            .bind(activity_id)
            .fetch_all(self.pool())
            .await?;
            rows.iter().map(session_row).collect()
        })
    }

    #[inline(never)]
    pub fn learning_session<'fut, 'l1: 'fut>(&'l1 self, id: i64) -> crate::BoxFut<'fut, Result<LessonRow>> {
        Box::pin(async move {
            let r = crate::db::query("SELECT s.*, (SELECT COUNT(*) FROM learning_attendance t WHERE t.session_id = s.id) AS present FROM learning_sessions s WHERE s.id = $1")
            .bind(id)
            .fetch_optional(self.pool())
            .await?
            .ok_or(StoreError::NotFound("buổi học"))?;
            session_row(&r)
        })
    }

    /// The enrolment ids present at a session.
    #[inline(never)]
    pub fn present_at<'fut, 'l1: 'fut>(&'l1 self, session_id: i64) -> crate::BoxFut<'fut, Result<BTreeSet<i64>>> {
        Box::pin(async move {
            let rows = crate::db::query("SELECT enrolment_id FROM learning_attendance WHERE session_id = $1")
                .bind(session_id)
                .fetch_all(self.pool())
                .await?;
            rows.iter().map(|r| r.i64("enrolment_id")).collect()
        })
    }

    /// Điểm danh: the whole roll of a session in one transaction (those present; the others
    /// absent). Every id must be a learner of the session's activity.
    #[inline(never)]
    pub fn roll_call<'fut, 'l1: 'fut, 'l2: 'fut, 'l3: 'fut, 'l4: 'fut>(
        &'l1 self,
        actor: &'l2 Actor,
        session: &'l3 LessonRow,
        present: &'l4 BTreeSet<i64>,
    ) -> crate::BoxFut<'fut, Result<usize>> {
        Box::pin(async move {
            let sid = session.id;
            let activity = session.activity_id;
            let ids: Vec<i64> = present.iter().copied().collect();
            let audit = ("learning_session.roll_call", sid.to_string(), serde_json::json!({"session": sid, "present": ids.len()}));
            let n = self
                .touch_activity(actor, activity, audit, move |conn| {
                    Box::pin(async move {
                        let rows = crate::db::query("SELECT id FROM learning_enrolments WHERE activity_id = $1")
                            .bind(activity)
                            .fetch_all(&mut *conn)
                            .await?;
                        let known: BTreeSet<i64> = rows.iter().map(|r| r.i64("id")).collect::<Result<_>>()?;
                        if let Some(bad) = ids.iter().find(|i| !known.contains(i)) {
                            return Err(StoreError::invalid("present", format!("Người học số {bad} không có trong danh sách lớp")));
                        }
                        crate::db::query("DELETE FROM learning_attendance WHERE session_id = $1").bind(sid).execute(&mut *conn).await?;
                        for chunk in ids.chunks(400) {
                            let values: Vec<String> = (0..chunk.len()).map(|i| format!("($1, ${})", i + 2)).collect();
                            let sql = format!("INSERT INTO learning_attendance (session_id, enrolment_id) VALUES {}", values.join(", "));
                            let mut q = crate::db::query(sqlx::AssertSqlSafe(sql)).bind(sid);
                            for e in chunk {
                                q = q.bind(*e);
                            }
                            q.execute(&mut *conn).await?;
                        }
                        crate::db::query("UPDATE learning_sessions SET roll_taken_at = $2, present = $3 WHERE id = $1")
                            .bind(sid)
                            .bind(now_text())
                            .bind(i64::try_from(ids.len()).unwrap_or(0))
                            .execute(&mut *conn)
                            .await?;
                        Ok(i64::try_from(ids.len()).unwrap_or(0))
                    })
                })
                .await?;
            Ok(usize::try_from(n).unwrap_or(0))
        })
    }

    /// Several roll calls of one activity in one transaction (an attendance sheet): all or
    /// nothing. Each id must be a learner of the activity and each session one of its own.
    #[inline(never)]
    pub fn roll_calls<'fut, 'l1: 'fut, 'l2: 'fut, 'l3: 'fut, 'l4: 'fut>(
        &'l1 self,
        actor: &'l2 Actor,
        activity: &'l3 ActivityRow,
        rolls: &'l4 [(i64, BTreeSet<i64>)],
    ) -> crate::BoxFut<'fut, Result<usize>> {
        Box::pin(async move {
            let aid = activity.id;
            let rolls = rolls.to_vec();
            let audit = ("learning_session.roll_import", aid.to_string(), serde_json::json!({"activity": aid, "sessions": rolls.len()}));
            let n = self
                .touch_activity(actor, aid, audit, move |conn| {
                    Box::pin(async move {
                        let rows = crate::db::query("SELECT id FROM learning_enrolments WHERE activity_id = $1")
                            .bind(aid)
                            .fetch_all(&mut *conn)
                            .await?;
                        let known: BTreeSet<i64> = rows.iter().map(|r| r.i64("id")).collect::<Result<_>>()?;
                        let rows = crate::db::query("SELECT id FROM learning_sessions WHERE activity_id = $1")
                            .bind(aid)
                            .fetch_all(&mut *conn)
                            .await?;
                        let sessions: BTreeSet<i64> = rows.iter().map(|r| r.i64("id")).collect::<Result<_>>()?;
                        let mut total = 0i64;
                        for (sid, present) in &rolls {
                            if !sessions.contains(sid) {
                                return Err(StoreError::NotFound("buổi học"));
                            }
                            if let Some(bad) = present.iter().find(|i| !known.contains(i)) {
                                return Err(StoreError::invalid("present", format!("Người học số {bad} không có trong danh sách lớp")));
                            }
                            crate::db::query("DELETE FROM learning_attendance WHERE session_id = $1")
                                .bind(*sid)
                                .execute(&mut *conn)
                                .await?;
                            let ids: Vec<i64> = present.iter().copied().collect();
                            for chunk in ids.chunks(400) {
                                let values: Vec<String> = (0..chunk.len()).map(|i| format!("($1, ${})", i + 2)).collect();
                                let sql =
                                    format!("INSERT INTO learning_attendance (session_id, enrolment_id) VALUES {}", values.join(", "));
                                let mut q = crate::db::query(sqlx::AssertSqlSafe(sql)).bind(*sid);
                                for e in chunk {
                                    q = q.bind(*e);
                                }
                                q.execute(&mut *conn).await?;
                            }
                            crate::db::query("UPDATE learning_sessions SET roll_taken_at = $2, present = $3 WHERE id = $1")
                                .bind(*sid)
                                .bind(now_text())
                                .bind(i64::try_from(ids.len()).unwrap_or(0))
                                .execute(&mut *conn)
                                .await?;
                            total += i64::try_from(ids.len()).unwrap_or(0);
                        }
                        Ok(total)
                    })
                })
                .await?;
            Ok(usize::try_from(n).unwrap_or(0))
        })
    }

    // -----------------------------------------------------------------------------------------
    // Learners

    /// Enrols a learner; a citizen is enrolled once per activity (409 otherwise).
    #[inline(never)]
    pub fn enrol<'fut, 'l1: 'fut, 'l2: 'fut, 'l3: 'fut, 'l4: 'fut>(
        &'l1 self,
        actor: &'l2 Actor,
        activity: &'l3 ActivityRow,
        learner: &'l4 Learner,
    ) -> crate::BoxFut<'fut, Result<i64>> {
        Box::pin(async move {
            let aid = activity.id;
            let learner = learner.clone();
            let audit_json = match &learner {
                Learner::Citizen(c) => serde_json::json!({"activity": aid, "citizen": c}),
                Learner::WalkIn { full_name, birth_year, .. } => {
                    serde_json::json!({"activity": aid, "walk_in": full_name, "birth_year": birth_year})
                }
            };
            self.touch_activity(actor, aid, ("learning_enrolment.create", String::new(), audit_json), move |conn| {
            Box::pin(async move {
                let (citizen, name, birth_year, sex, ethnicity, village) = match learner {
                    Learner::Citizen(c) => {
                        let r = crate::db::query("SELECT full_name, birth_date, sex, ethnicity, village FROM reg_citizens WHERE id = $1")
                            .bind(c)
                            .fetch_optional(&mut *conn)
                            .await?
                            .ok_or(StoreError::NotFound("công dân"))?;
                        let dup = crate::db::query("SELECT 1 AS x FROM learning_enrolments WHERE activity_id = $1 AND citizen_id = $2")
                            .bind(aid)
                            .bind(c)
                            .fetch_optional(&mut *conn)
                            .await?;
                        if dup.is_some() {
                            return Err(StoreError::Conflict { field: "citizen".into(), message: "Người này đã có trong danh sách lớp".into() });
                        }
                        let birth: Option<String> = r.try_get("birth_date")?;
                        (
                            Some(c),
                            r.try_get::<Option<String>, _>("full_name")?.unwrap_or_default(),
                            birth.and_then(|b| b.get(0..4).and_then(|y| y.parse::<i64>().ok())),
                            r.try_get::<Option<String>, _>("sex")?.unwrap_or_default(),
                            r.try_get::<Option<String>, _>("ethnicity")?.unwrap_or_default(),
                            r.opt_i64("village")?,
                        )
                    }
                    Learner::WalkIn { full_name, birth_year, sex, village_id } => {
                        (None, full_name, Some(i64::from(birth_year)), sex, String::new(), village_id)
                    }
                };
                let r = crate::db::query(
                    "INSERT INTO learning_enrolments (activity_id, citizen_id, full_name, birth_year, sex, ethnicity, village_id, created_at) \
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id",
                )
                .bind(aid)
                .bind(citizen)
                .bind(name)
                .bind(birth_year)
                .bind(sex)
                .bind(ethnicity)
                .bind(village)
                .bind(now_text())
                .fetch_one(&mut *conn)
                .await?;
                r.i64("id")
            })
        })
        .await
        })
    }

    /// Removes a learner from an activity's class list (xóa khỏi danh sách lớp): refused with a
    /// conflict once they were marked present (`learning::may_unenrol`), checked in the
    /// transaction that deletes; counted and audited like every write.
    #[inline(never)]
    pub fn unenrol<'fut, 'l1: 'fut, 'l2: 'fut, 'l3: 'fut>(
        &'l1 self,
        actor: &'l2 Actor,
        activity: &'l3 ActivityRow,
        enrolment_id: i64,
    ) -> crate::BoxFut<'fut, Result<()>> {
        Box::pin(async move {
            let aid = activity.id;
            self.touch_activity(
                actor,
                aid,
                ("learning_enrolment.delete", enrolment_id.to_string(), serde_json::json!({"activity": aid, "enrolment": enrolment_id})),
                move |conn| {
                    Box::pin(async move {
                        let r = crate::db::query(
                            "SELECT (SELECT COUNT(*) FROM learning_attendance t WHERE t.enrolment_id = e.id) AS attended \
                         FROM learning_enrolments e WHERE e.id = $1 AND e.activity_id = $2",
                        )
                        .bind(enrolment_id)
                        .bind(aid)
                        .fetch_optional(&mut *conn)
                        .await?
                        .ok_or(StoreError::NotFound("người học"))?;
                        hoctap_domain::learning::may_unenrol(r.i64("attended")?)
                            .map_err(|e| StoreError::conflict("enrolment", e.to_string()))?;
                        crate::db::query("DELETE FROM learning_enrolments WHERE id = $1").bind(enrolment_id).execute(&mut *conn).await?;
                        Ok(enrolment_id)
                    })
                },
            )
            .await?;
            Ok(())
        })
    }

    /// The learners of an activity with the sessions they attended and the hours credited.
    #[inline(never)]
    pub fn enrolments<'fut, 'l1: 'fut>(&'l1 self, activity_id: i64) -> crate::BoxFut<'fut, Result<Vec<EnrolmentRow>>> {
        Box::pin(async move {
            let rows = crate::db::query(
            "SELECT e.id, e.citizen_id, c.cccd, e.full_name, e.birth_year, e.sex, COALESCE(v.name, '') AS village, \
             (SELECT COUNT(*) FROM learning_attendance t WHERE t.enrolment_id = e.id) AS attended, \
             (SELECT COALESCE(SUM(s.hours_tenths), 0) FROM learning_attendance t JOIN learning_sessions s ON s.id = t.session_id WHERE t.enrolment_id = e.id) AS hours \
             FROM learning_enrolments e LEFT JOIN reg_citizens c ON c.id = e.citizen_id LEFT JOIN units v ON v.id = e.village_id \
             WHERE e.activity_id = $1 ORDER BY e.full_name, e.id",
        )
        .bind(activity_id)
        .fetch_all(self.pool())
        .await?;
            rows.iter()
                .map(|r| {
                    Ok(EnrolmentRow {
                        id: r.i64("id")?,
                        citizen_id: r.opt_i64("citizen_id")?,
                        cccd: r.try_get("cccd")?,
                        full_name: r.try_get("full_name")?,
                        birth_year: r.opt_i64("birth_year")?,
                        sex: r.try_get("sex")?,
                        village: r.try_get("village")?,
                        attended: r.i64("attended")?,
                        hours: Hours(r.i64("hours")?),
                    })
                })
                .collect()
        })
    }

    // -----------------------------------------------------------------------------------------
    // A citizen's learning record

    /// The activities a citizen is enrolled in, newest first, with sessions attended and hours.
    #[inline(never)]
    pub fn learning_record<'fut, 'l1: 'fut>(&'l1 self, citizen_id: i64) -> crate::BoxFut<'fut, Result<Vec<RecordLine>>> {
        Box::pin(async move {
            let rows = crate::db::query(
            "SELECT a.id, a.title, t.name AS topic_name, t.digital, c.name AS centre_name, a.year, a.starts_on, \
             (SELECT COUNT(*) FROM learning_sessions s WHERE s.activity_id = a.id) AS sessions, \
             (SELECT COUNT(*) FROM learning_attendance x WHERE x.enrolment_id = e.id) AS attended, \
             (SELECT COALESCE(SUM(s.hours_tenths), 0) FROM learning_attendance x JOIN learning_sessions s ON s.id = x.session_id WHERE x.enrolment_id = e.id) AS hours \
             FROM learning_enrolments e JOIN learning_activities a ON a.id = e.activity_id JOIN learning_topics t ON t.code = a.topic \
             JOIN reg_learning_centres c ON c.id = a.centre_id WHERE e.citizen_id = $1 ORDER BY a.starts_on DESC, a.id DESC",
        )
        .bind(citizen_id)
        .fetch_all(self.pool())
        .await?;
            rows.iter()
                .map(|r| {
                    Ok(RecordLine {
                        activity_id: r.i64("id")?,
                        title: r.try_get("title")?,
                        topic_name: r.try_get("topic_name")?,
                        digital: r.i64("digital")? != 0,
                        centre_name: r.try_get::<Option<String>, _>("centre_name")?.unwrap_or_default(),
                        year: i16::try_from(r.i64("year")?).unwrap_or(0),
                        starts_on: parse_date_col(&r.try_get::<String, _>("starts_on")?)?,
                        sessions: r.i64("sessions")?,
                        attended: r.i64("attended")?,
                        hours: Hours(r.i64("hours")?),
                    })
                })
                .collect()
        })
    }

    #[inline(never)]
    pub fn other_learning<'fut, 'l1: 'fut>(&'l1 self, citizen_id: i64) -> crate::BoxFut<'fut, Result<Vec<OtherRow>>> {
        Box::pin(async move {
            let rows = crate::db::query("SELECT * FROM learning_other WHERE citizen_id = $1 ORDER BY year DESC, id DESC")
                .bind(citizen_id)
                .fetch_all(self.pool())
                .await?;
            rows.iter().map(other_row).collect()
        })
    }

    #[inline(never)]
    pub fn other_learning_item<'fut, 'l1: 'fut>(&'l1 self, id: i64) -> crate::BoxFut<'fut, Result<OtherRow>> {
        Box::pin(async move {
            let r = crate::db::query("SELECT * FROM learning_other WHERE id = $1")
                .bind(id)
                .fetch_optional(self.pool())
                .await?
                .ok_or(StoreError::NotFound("mục học tập"))?;
            other_row(&r)
        })
    }

    /// Adds other learning to a citizen's record (self-declared until confirmed).
    #[inline(never)]
    pub fn other_learning_add<'fut, 'l1: 'fut, 'l2: 'fut, 'l3: 'fut>(
        &'l1 self,
        actor: &'l2 Actor,
        citizen_id: i64,
        unit_id: i64,
        o: &'l3 NewOther,
    ) -> crate::BoxFut<'fut, Result<i64>> {
        Box::pin(async move {
            let title = clean_line("title", "Tên khóa học, hoạt động", &o.title, 200, true)?;
            let provider = clean_line("provider", "Nơi tổ chức", &o.provider, 200, false)?;
            let evidence = clean_line("evidence", "Minh chứng", &o.evidence, 500, true)?;
            let mut tx = self.begin().await?;
            if let Some(t) = &o.topic {
                Self::check_topic(&mut tx, t).await?;
            }
            let r = crate::db::query(
            "INSERT INTO learning_other (citizen_id, unit_id, year, title, topic, provider, hours_tenths, evidence, declared_by, by_citizen, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) RETURNING id",
        )
        .bind(citizen_id)
        .bind(unit_id)
        .bind(i64::from(o.year))
        .bind(&title)
        .bind(o.topic.as_ref().map(|t| t.as_str().to_string()))
        .bind(&provider)
        .bind(o.hours.0)
        .bind(&evidence)
        .bind(&actor.username)
        .bind(i64::from(o.by_citizen))
        .bind(now_text())
        .fetch_one(&mut *tx)
        .await?;
            let id = r.i64("id")?;
            record(
            &mut tx,
            actor,
            AuditEntry {
                unit_id: Some(unit_id),
                action: "learning_other.create",
                entity: "learning_other",
                entity_id: id.to_string(),
                before: None,
                after: Some(serde_json::json!({"citizen": citizen_id, "year": o.year, "title": title, "hours": o.hours.display(), "by_citizen": o.by_citizen})),
            },
        )
        .await?;
            tx.commit().await?;
            Ok(id)
        })
    }

    /// An officer confirms other learning (xác nhận); confirming twice is refused (409).
    #[inline(never)]
    pub fn other_learning_confirm<'fut, 'l1: 'fut, 'l2: 'fut, 'l3: 'fut>(
        &'l1 self,
        actor: &'l2 Actor,
        item: &'l3 OtherRow,
    ) -> crate::BoxFut<'fut, Result<()>> {
        Box::pin(async move {
            let mut tx = self.begin().await?;
            let n = crate::db::query("UPDATE learning_other SET confirmed_by = $2, confirmed_at = $3 WHERE id = $1 AND confirmed_at = ''")
                .bind(item.id)
                .bind(&actor.username)
                .bind(now_text())
                .execute(&mut *tx)
                .await?
                .rows_affected();
            if n == 0 {
                return Err(StoreError::Conflict { field: "id".into(), message: "Mục này đã được xác nhận".into() });
            }
            record(
                &mut tx,
                actor,
                AuditEntry {
                    unit_id: Some(item.unit_id),
                    action: "learning_other.confirm",
                    entity: "learning_other",
                    entity_id: item.id.to_string(),
                    before: None,
                    after: Some(serde_json::json!({"confirmed": true})),
                },
            )
            .await?;
            tx.commit().await?;
            Ok(())
        })
    }

    // -----------------------------------------------------------------------------------------
    // Interest

    /// "Đăng ký quan tâm" of a signed-in user; a second time changes nothing.
    #[inline(never)]
    pub fn register_interest<'fut, 'l1: 'fut, 'l2: 'fut, 'l3: 'fut>(
        &'l1 self,
        actor: &'l2 Actor,
        activity: &'l3 ActivityRow,
        user_id: i64,
    ) -> crate::BoxFut<'fut, Result<bool>> {
        Box::pin(async move {
            let mut tx = self.begin().await?;
            let dup = crate::db::query("SELECT 1 AS x FROM learning_interest WHERE activity_id = $1 AND user_id = $2")
                .bind(activity.id)
                .bind(user_id)
                .fetch_optional(&mut *tx)
                .await?;
            if dup.is_some() {
                return Ok(false);
            }
            crate::db::query("INSERT INTO learning_interest (activity_id, user_id, created_at) VALUES ($1, $2, $3)")
                .bind(activity.id)
                .bind(user_id)
                .bind(now_text())
                .execute(&mut *tx)
                .await?;
            record(
                &mut tx,
                actor,
                AuditEntry {
                    unit_id: Some(activity.unit_id),
                    action: "learning_interest.create",
                    entity: "learning_activity",
                    entity_id: activity.id.to_string(),
                    before: None,
                    after: None,
                },
            )
            .await?;
            tx.commit().await?;
            Ok(true)
        })
    }

    /// Records an export of personal learning data (a class list, a record) in the audit log.
    #[inline(never)]
    pub fn learning_export_audit<'fut, 'l1: 'fut, 'l2: 'fut, 'l3: 'fut>(
        &'l1 self,
        actor: &'l2 Actor,
        unit_id: i64,
        entity_id: String,
        rows: usize,
        format: &'l3 str,
    ) -> crate::BoxFut<'fut, Result<()>> {
        Box::pin(async move {
            let mut tx = self.begin().await?;
            record(
                &mut tx,
                actor,
                AuditEntry {
                    unit_id: Some(unit_id),
                    action: "learning.export",
                    entity: "learning_activity",
                    entity_id,
                    before: None,
                    after: Some(serde_json::json!({"rows": rows, "format": format})),
                },
            )
            .await?;
            tx.commit().await?;
            Ok(())
        })
    }

    /// A citizen of the registry in force today: (id, unit, full name, CCCD).
    #[inline(never)]
    pub fn learning_citizen<'fut, 'l1: 'fut>(&'l1 self, id: i64) -> crate::BoxFut<'fut, Result<(i64, i64, String, String)>> {
        Box::pin(async move {
            let r = crate::db::query("SELECT id, unit_id, full_name, cccd FROM reg_citizens WHERE id = $1 AND valid_to > $2")
                .bind(id)
                .bind(date_text(crate::today()))
                .fetch_optional(self.pool())
                .await?
                .ok_or(StoreError::NotFound("công dân"))?;
            citizen_tuple(&r)
        })
    }

    /// The citizen in force today with this CCCD (a citizen's account is named by it).
    #[expect(clippy::type_complexity, reason = "the rows the function returns, inside its boxed future")]
    #[inline(never)]
    pub fn learning_citizen_by_cccd<'fut, 'l1: 'fut, 'l2: 'fut>(
        &'l1 self,
        cccd: &'l2 str,
    ) -> crate::BoxFut<'fut, Result<Option<(i64, i64, String, String)>>> {
        Box::pin(async move {
            let r = crate::db::query("SELECT id, unit_id, full_name, cccd FROM reg_citizens WHERE cccd = $1 AND valid_to > $2")
                .bind(cccd)
                .bind(date_text(crate::today()))
                .fetch_optional(self.pool())
                .await?;
            r.as_ref().map(citizen_tuple).transpose()
        })
    }

    /// Fills a fresh database with a year of learning at volume for `hoctap bench learning`:
    /// `per_centre` activities for each centre, `sessions` sessions and `learners` walk-in
    /// learners each, everyone present at every session (attendance rows = centres ×
    /// per_centre × sessions × learners). Set-based SQL, no audit, no counters and no kept
    /// figures: the bench rebuilds both with a recount afterwards.
    #[inline(never)]
    pub fn learning_generate<'fut, 'l1: 'fut, 'l2: 'fut>(
        &'l1 self,
        centres: &'l2 [CentreRow],
        year: i16,
        per_centre: i64,
        sessions: i64,
        learners: i64,
    ) -> crate::BoxFut<'fut, Result<()>> {
        Box::pin(async move {
            let series = |n: i64| format!("WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < {n}) SELECT i FROM n");
            let mut tx = self.begin().await?;
            let on = date_text(jiff::civil::date(year, 3, 2));
            for c in centres {
                let sql = format!(
                    "INSERT INTO learning_activities (centre_id, unit_id, province_code, kind, title, topic, starts_on, ends_on, year, place_kind, place, teacher, partner_kind, partner, capacity, funding, note, created_by, created_at) \
                 SELECT $1, $2, COALESCE((SELECT province_code FROM units WHERE id = $2), ''), 'khoa-hoc', 'Lớp ' || s.i, \
                 CASE s.i % 4 WHEN 0 THEN 'ky-nang-so' WHEN 1 THEN 'phap-luat' WHEN 2 THEN 'nong-nghiep' ELSE 'suc-khoe' END, \
                 $3, $3, $4, 'tai-trung-tam', '', '', 'khong', '', NULL, 'ngan-sach', '', 'bench', $5 FROM ({}) s",
                    series(per_centre)
                );
                crate::db::query(sqlx::AssertSqlSafe(sql))
                    .bind(c.id)
                    .bind(c.unit_id)
                    .bind(&on)
                    .bind(i64::from(year))
                    .bind(now_text())
                    .execute(&mut *tx)
                    .await?;
            }
            let sql = format!(
                "INSERT INTO learning_sessions (activity_id, held_on, hours_tenths, title, roll_taken_at, present) SELECT a.id, a.starts_on, 20, '', 'bench', {learners} FROM learning_activities a CROSS JOIN ({}) s",
                series(sessions)
            );
            crate::db::query(sqlx::AssertSqlSafe(sql)).execute(&mut *tx).await?;
            let sql = format!(
                "INSERT INTO learning_enrolments (activity_id, citizen_id, full_name, birth_year, sex, ethnicity, village_id, created_at) \
             SELECT a.id, NULL, 'Người học ' || s.i, 1940 + (s.i * 7 + a.id) % 70, CASE WHEN (s.i + a.id) % 2 = 0 THEN 'nam' ELSE 'nu' END, \
             CASE WHEN s.i % 5 = 0 THEN 'Tày' ELSE 'Kinh' END, NULL, 'bench' FROM learning_activities a CROSS JOIN ({}) s",
                series(learners)
            );
            crate::db::query(sqlx::AssertSqlSafe(sql)).execute(&mut *tx).await?;
            crate::db::query(
            "INSERT INTO learning_attendance (session_id, enrolment_id) SELECT s.id, e.id FROM learning_sessions s JOIN learning_enrolments e ON e.activity_id = s.activity_id",
        )
        .execute(&mut *tx)
        .await?;
            tx.commit().await?;
            // Fresh statistics for the planner, as a maintained database has.
            crate::db::query("ANALYZE").execute(self.pool()).await?;
            Ok(())
        })
    }

    // -----------------------------------------------------------------------------------------
    // The year's report

    /// The year's figures of the centres inside a unit (every activity whose unit is in the
    /// subtree as at `on`), or of one centre: summed over the figures each write keeps per
    /// activity (`crate::learning_figures`), about ten rows an activity; only the distinct
    /// citizens are counted over their enrolments (walk-ins are counted each).
    #[inline(never)]
    pub fn learning_year_report<'fut, 'l1: 'fut>(
        &'l1 self,
        scope: i64,
        centre: Option<i64>,
        year: i16,
        on: Date,
    ) -> crate::BoxFut<'fut, Result<YearReport>> {
        Box::pin(async move {
            let acts = "WITH acts AS (SELECT a.id, a.topic, a.centre_id, a.n_sessions, a.n_enrolments, a.n_walk_ins, a.n_attendances, a.learner_hours_tenths \
             FROM learning_activities a WHERE a.year = $2 AND ($4 IS NULL OR a.centre_id = $4) \
             AND a.unit_id IN (SELECT k.descendant_id FROM unit_closure k WHERE k.ancestor_id = $1 AND k.valid_from <= $3 AND k.valid_to > $3)) ";
            let run = |sql: String| {
                crate::db::query(sqlx::AssertSqlSafe(sql))
                    .bind(scope)
                    .bind(i64::from(year))
                    .bind(date_text(on))
                    .bind(centre)
                    .fetch_all(self.pool())
            };
            let mut topics: BTreeMap<String, TopicLine> = BTreeMap::new();
            for r in self.learning_topics().await? {
                topics.insert(r.code.clone(), TopicLine { code: r.code, name: r.name, ..Default::default() });
            }
            let mut report = YearReport { year, ..Default::default() };
            let mut walk_ins = 0;
            for r in run(format!(
                "{acts}SELECT topic, COUNT(*) AS n, SUM(n_sessions) AS s, SUM(n_enrolments) AS e, SUM(n_walk_ins) AS w, \
             SUM(n_attendances) AS p, SUM(learner_hours_tenths) AS h FROM acts GROUP BY topic"
            ))
            .await?
            {
                let (n, s, e, p, h) = (r.i64("n")?, r.i64("s")?, r.i64("e")?, r.i64("p")?, r.i64("h")?);
                let t = topics.entry(r.try_get("topic")?).or_default();
                t.activities += n;
                t.sessions += s;
                t.enrolments += e;
                t.hours.0 += h;
                report.activities += n;
                report.sessions += s;
                report.enrolments += e;
                report.attendances += p;
                report.hours.0 += h;
                walk_ins += r.i64("w")?;
            }
            for r in run(format!("{acts}SELECT COUNT(DISTINCT centre_id) AS c FROM acts")).await? {
                report.centres = r.i64("c")?;
            }
            let mut by_sex: BTreeMap<String, i64> = BTreeMap::new();
            let mut by_age: BTreeMap<AgeGroup, i64> = BTreeMap::new();
            let mut by_ethnicity: BTreeMap<String, i64> = BTreeMap::new();
            for r in run(format!(
            "{acts}SELECT b.dim, b.value, SUM(b.enrolments) AS n FROM learning_activity_breakdown b JOIN acts ON acts.id = b.activity_id GROUP BY b.dim, b.value"
        ))
        .await?
        {
            let (dim, value, n): (String, String, i64) = (r.text("dim")?, r.text("value")?, r.i64("n")?);
            match dim.as_str() {
                "sex" => {
                    let sex = hoctap_domain::registry::person::Sex::parse(&value).map(|s| s.label().to_string()).unwrap_or_else(|| "Chưa rõ".into());
                    *by_sex.entry(sex).or_default() += n;
                }
                "age" => *by_age.entry(AgeGroup::from_code(&value)).or_default() += n,
                _ => *by_ethnicity.entry(if value.is_empty() { "Chưa rõ".into() } else { value }).or_default() += n,
            }
        }
            for r in run(format!(
            "{acts}SELECT COUNT(DISTINCT e.citizen_id) AS c FROM learning_enrolments e JOIN acts ON acts.id = e.activity_id WHERE e.citizen_id IS NOT NULL"
        ))
        .await?
        {
            report.learners = r.i64("c")? + walk_ins;
        }
            report.by_topic = topics.into_values().filter(|t| t.activities > 0).collect();
            report.by_sex = by_sex.into_iter().collect();
            report.by_age = by_age.into_iter().map(|(g, n)| (g.label().to_string(), n)).collect();
            report.by_ethnicity = by_ethnicity.into_iter().collect();
            Ok(report)
        })
    }

    /// The same figures as [`Store::learning_year_report`] summed over the enrolment and session
    /// rows themselves (the first version): what the kept figures are tested against.
    #[inline(never)]
    pub fn learning_year_report_from_rows<'fut, 'l1: 'fut>(
        &'l1 self,
        scope: i64,
        centre: Option<i64>,
        year: i16,
        on: Date,
    ) -> crate::BoxFut<'fut, Result<YearReport>> {
        Box::pin(async move {
            // The activities in scope, once; every figure is summed over them (sessions carry their
            // present count, so no attendance row is read).
            let acts = "WITH acts AS (SELECT a.id, a.topic, a.centre_id FROM learning_activities a WHERE a.year = $2 AND ($4 IS NULL OR a.centre_id = $4) \
             AND a.unit_id IN (SELECT k.descendant_id FROM unit_closure k WHERE k.ancestor_id = $1 AND k.valid_from <= $3 AND k.valid_to > $3)) ";
            let run = |sql: String| {
                crate::db::query(sqlx::AssertSqlSafe(sql))
                    .bind(scope)
                    .bind(i64::from(year))
                    .bind(date_text(on))
                    .bind(centre)
                    .fetch_all(self.pool())
            };
            let mut topics: BTreeMap<String, TopicLine> = BTreeMap::new();
            for r in self.learning_topics().await? {
                topics.insert(r.code.clone(), TopicLine { code: r.code, name: r.name, ..Default::default() });
            }
            let mut report = YearReport { year, ..Default::default() };
            for r in run(format!("{acts}SELECT topic, COUNT(*) AS n FROM acts GROUP BY topic")).await? {
                let n = r.i64("n")?;
                topics.entry(r.try_get("topic")?).or_default().activities += n;
                report.activities += n;
            }
            for r in run(format!("{acts}SELECT COUNT(DISTINCT centre_id) AS c FROM acts")).await? {
                report.centres = r.i64("c")?;
            }
            for r in run(format!(
            "{acts}SELECT acts.topic, COUNT(*) AS n, COALESCE(SUM(s.present), 0) AS p, COALESCE(SUM(s.present * s.hours_tenths), 0) AS h \
             FROM learning_sessions s JOIN acts ON acts.id = s.activity_id GROUP BY acts.topic"
        ))
        .await?
        {
            let (n, p, h) = (r.i64("n")?, r.i64("p")?, r.i64("h")?);
            let t = topics.entry(r.try_get("topic")?).or_default();
            t.sessions += n;
            t.hours.0 += h;
            report.sessions += n;
            report.attendances += p;
            report.hours.0 += h;
        }
            let mut by_sex: BTreeMap<String, i64> = BTreeMap::new();
            let mut by_age: BTreeMap<AgeGroup, i64> = BTreeMap::new();
            let mut by_ethnicity: BTreeMap<String, i64> = BTreeMap::new();
            for r in run(format!(
            "{acts}SELECT acts.topic, e.sex, e.birth_year, e.ethnicity, COUNT(*) AS n FROM learning_enrolments e JOIN acts ON acts.id = e.activity_id \
             GROUP BY acts.topic, e.sex, e.birth_year, e.ethnicity"
        ))
        .await?
        {
            let n = r.i64("n")?;
            topics.entry(r.try_get("topic")?).or_default().enrolments += n;
            report.enrolments += n;
            let sex: String = r.try_get("sex")?;
            let sex = hoctap_domain::registry::person::Sex::parse(&sex).map(|s| s.label().to_string()).unwrap_or_else(|| "Chưa rõ".into());
            *by_sex.entry(sex).or_default() += n;
            *by_age.entry(AgeGroup::of(r.opt_i64("birth_year")?, i64::from(year))).or_default() += n;
            let eth: String = r.try_get("ethnicity")?;
            *by_ethnicity.entry(if eth.is_empty() { "Chưa rõ".into() } else { eth }).or_default() += n;
        }
            for r in run(format!(
                "{acts}SELECT COUNT(DISTINCT e.citizen_id) AS c, SUM(CASE WHEN e.citizen_id IS NULL THEN 1 ELSE 0 END) AS w \
             FROM learning_enrolments e JOIN acts ON acts.id = e.activity_id"
            ))
            .await?
            {
                report.learners = r.i64("c")? + r.opt_i64("w")?.unwrap_or(0);
            }
            report.by_topic = topics.into_values().filter(|t| t.activities > 0).collect();
            report.by_sex = by_sex.into_iter().collect();
            report.by_age = by_age.into_iter().map(|(g, n)| (g.label().to_string(), n)).collect();
            report.by_ethnicity = by_ethnicity.into_iter().collect();
            Ok(report)
        })
    }
}

fn centre_row(r: &Row) -> Result<CentreRow> {
    Ok(CentreRow {
        id: r.i64("id")?,
        unit_id: r.i64("unit_id")?,
        unit_name: r.try_get("unit_name")?,
        code: r.try_get::<Option<String>, _>("code")?.unwrap_or_default(),
        name: r.try_get::<Option<String>, _>("name")?.unwrap_or_default(),
    })
}

fn citizen_tuple(r: &Row) -> Result<(i64, i64, String, String)> {
    Ok((
        r.i64("id")?,
        r.i64("unit_id")?,
        r.try_get::<Option<String>, _>("full_name")?.unwrap_or_default(),
        r.try_get::<Option<String>, _>("cccd")?.unwrap_or_default(),
    ))
}

fn other_row(r: &Row) -> Result<OtherRow> {
    Ok(OtherRow {
        id: r.i64("id")?,
        citizen_id: r.i64("citizen_id")?,
        unit_id: r.i64("unit_id")?,
        year: i16::try_from(r.i64("year")?).unwrap_or(0),
        title: r.try_get("title")?,
        topic: r.try_get("topic")?,
        provider: r.try_get("provider")?,
        hours: Hours(r.i64("hours_tenths")?),
        evidence: r.try_get("evidence")?,
        by_citizen: r.i64("by_citizen")? != 0,
        confirmed_by: r.try_get("confirmed_by")?,
        confirmed_at: r.try_get("confirmed_at")?,
    })
}
