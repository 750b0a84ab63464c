//! The figures the year's report of learning centres reads (issue 16, migration 0060): per
//! activity its sessions, enrolments (of whom walk-ins), attendances and learner-hours on the
//! activity's row, and its learners by sex, age group and ethnicity in
//! `learning_activity_breakdown`. `refresh` rewrites one activity's figures in the transaction
//! of each write that touches it (`crate::learning`); `drift` and `rebuild` are `recount`'s:
//! the same figures computed over every activity at once. A province's report then sums about
//! ten rows per activity, never its enrolment or attendance rows.

use std::collections::{BTreeMap, BTreeSet};

use crate::Result;
use crate::db::Conn;
use crate::stats::Drift;

/// Tuổi on 31/12 of the activity's year, as `hoctap_domain::learning::AgeGroup::of` and its
/// `code` (the report test compares this with the Rust rule over the rows).
const AGE_GROUP: &str = "CASE WHEN e.birth_year IS NULL THEN 'chua-ro' \
     WHEN a.year - e.birth_year < 18 THEN 'duoi-18' \
     WHEN a.year - e.birth_year <= 35 THEN '18-35' \
     WHEN a.year - e.birth_year <= 60 THEN '36-60' \
     ELSE 'tren-60' END";

/// The activity-row figures, each from the rows of one activity `a` (correlated subqueries).
const COLUMNS: [(&str, &str); 5] = [
    ("n_sessions", "(SELECT COUNT(*) FROM learning_sessions s WHERE s.activity_id = a.id)"),
    ("n_attendances", "(SELECT COALESCE(SUM(s.present), 0) FROM learning_sessions s WHERE s.activity_id = a.id)"),
    ("learner_hours_tenths", "(SELECT COALESCE(SUM(s.present * s.hours_tenths), 0) FROM learning_sessions s WHERE s.activity_id = a.id)"),
    ("n_enrolments", "(SELECT COUNT(*) FROM learning_enrolments e WHERE e.activity_id = a.id)"),
    ("n_walk_ins", "(SELECT COUNT(*) FROM learning_enrolments e WHERE e.activity_id = a.id AND e.citizen_id IS NULL)"),
];

/// The breakdown rows (activity_id, dim, value, enrolments) of the activities `filter` selects
/// (a condition on the activity `a`).
fn breakdown_select(filter: &str) -> String {
    format!(
        "SELECT e.activity_id, 'sex' AS dim, e.sex AS value, COUNT(*) AS n FROM learning_enrolments e JOIN learning_activities a ON a.id = e.activity_id WHERE {filter} GROUP BY e.activity_id, e.sex \
         UNION ALL SELECT e.activity_id, 'ethnicity', e.ethnicity, COUNT(*) FROM learning_enrolments e JOIN learning_activities a ON a.id = e.activity_id WHERE {filter} GROUP BY e.activity_id, e.ethnicity \
         UNION ALL SELECT x.activity_id, 'age', x.g, COUNT(*) FROM (SELECT e.activity_id, {AGE_GROUP} AS g FROM learning_enrolments e JOIN learning_activities a ON a.id = e.activity_id WHERE {filter}) x GROUP BY x.activity_id, x.g"
    )
}

/// Rewrites one activity's figures from its rows (in the writing transaction).
pub(crate) async fn refresh(conn: &mut Conn, activity: i64) -> Result<()> {
    let set: Vec<String> = COLUMNS.iter().map(|(c, e)| format!("{c} = {}", e.replace("a.id", "learning_activities.id"))).collect();
    let sql = format!("UPDATE learning_activities SET {} WHERE id = $1", set.join(", "));
    crate::db::query(sqlx::AssertSqlSafe(sql)).bind(activity).execute(&mut *conn).await?;
    crate::db::query("DELETE FROM learning_activity_breakdown WHERE activity_id = $1").bind(activity).execute(&mut *conn).await?;
    let sql = format!("INSERT INTO learning_activity_breakdown (activity_id, dim, value, enrolments) {}", breakdown_select("a.id = $1"));
    crate::db::query(sqlx::AssertSqlSafe(sql)).bind(activity).execute(&mut *conn).await?;
    Ok(())
}

type Figures = BTreeMap<(i64, String), i64>;

/// The stored and the recomputed figures of every activity, keyed by (activity, figure), with
/// each activity's unit and year.
async fn both(conn: &mut Conn) -> Result<(Figures, Figures, BTreeMap<i64, (i64, i16)>)> {
    let (mut stored, mut expected, mut place) = (Figures::new(), Figures::new(), BTreeMap::new());
    let computed: Vec<String> = COLUMNS.iter().map(|(c, e)| format!("{e} AS c_{c}")).collect();
    let names: Vec<&str> = COLUMNS.iter().map(|(c, _)| *c).collect();
    let sql = format!("SELECT a.id, a.unit_id, a.year, {}, {} FROM learning_activities a", names.join(", "), computed.join(", "));
    for r in crate::db::query(sqlx::AssertSqlSafe(sql)).fetch_all(&mut *conn).await? {
        let id = r.i64("id")?;
        place.insert(id, (r.i64("unit_id")?, i16::try_from(r.i64("year")?).unwrap_or(0)));
        for c in &names {
            stored.insert((id, (*c).to_string()), r.i64(*c)?);
            expected.insert((id, (*c).to_string()), r.i64(format!("c_{c}").as_str())?);
        }
    }
    for r in crate::db::query("SELECT activity_id, dim, value, enrolments FROM learning_activity_breakdown").fetch_all(&mut *conn).await? {
        stored.insert((r.i64("activity_id")?, format!("{}.{}", r.text("dim")?, r.text("value")?)), r.i64("enrolments")?);
    }
    for r in crate::db::query(sqlx::AssertSqlSafe(breakdown_select("1 = 1"))).fetch_all(&mut *conn).await? {
        expected.insert((r.i64("activity_id")?, format!("{}.{}", r.text("dim")?, r.text("value")?)), r.i64("n")?);
    }
    Ok((stored, expected, place))
}

/// Where the kept figures differ from their recount: one `Drift` per activity and figure, named
/// `learning_figures.<figure>` (`learning_figures.age.duoi-18`), at the activity's unit and year.
pub(crate) async fn drift(conn: &mut Conn) -> Result<Vec<Drift>> {
    let (stored, expected, place) = both(conn).await?;
    let mut out = Vec::new();
    for key in stored.keys().chain(expected.keys()).collect::<BTreeSet<_>>() {
        let (s, e) = (stored.get(key).copied().unwrap_or(0), expected.get(key).copied().unwrap_or(0));
        if s != e {
            let (unit_id, year) = place.get(&key.0).copied().unwrap_or((0, 0));
            out.push(Drift { unit_id, metric: format!("learning_figures.{}", key.1), year, stored: s, recounted: e });
        }
    }
    Ok(out)
}

/// Rebuilds every activity's figures from the rows (`recount --fix`, the bench's generator).
pub(crate) async fn rebuild(conn: &mut Conn) -> Result<()> {
    let set: Vec<String> = COLUMNS.iter().map(|(c, e)| format!("{c} = {}", e.replace("a.id", "learning_activities.id"))).collect();
    let sql = format!("UPDATE learning_activities SET {}", set.join(", "));
    crate::db::query(sqlx::AssertSqlSafe(sql)).execute(&mut *conn).await?;
    crate::db::query("DELETE FROM learning_activity_breakdown").execute(&mut *conn).await?;
    let sql = format!("INSERT INTO learning_activity_breakdown (activity_id, dim, value, enrolments) {}", breakdown_select("1 = 1"));
    crate::db::query(sqlx::AssertSqlSafe(sql)).execute(&mut *conn).await?;
    Ok(())
}
