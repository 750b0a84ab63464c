//! Values of registry-sourced variables (nguồn số liệu) for one subject: what the
//! self-assessment form pre-fills, counted in the registries as at 31/12 of the campaign year.

use hoctap_domain::criteria::{Counted, DataSource, SubjectKind};

use crate::{Result, Store};

/// The members of a subject, as a SQL condition on the alias `x` of the counted table, with
/// the subject's id as `$1` and the reference date as `$2`.
fn members_sql(count: Counted, subject: SubjectKind) -> Option<&'static str> {
    use Counted as C;
    use SubjectKind as S;
    Some(match (count, subject) {
        (C::Households | C::Adults | C::AssessedCitizens, S::Commune | S::District | S::Province) => {
            "EXISTS (SELECT 1 FROM unit_closure u WHERE u.ancestor_id = $1 AND u.descendant_id = x.unit_id AND u.valid_from <= $2 AND u.valid_to > $2)"
        }
        (C::Households | C::Adults | C::AssessedCitizens, S::Village) => "x.village = $1",
        (C::Households, S::Clan) => {
            "x.code IN (SELECT m.household FROM reg_clan_members m JOIN reg_clans k ON k.code = m.clan WHERE k.id = $1 AND m.valid_to > $2)"
        }
        (C::Adults | C::AssessedCitizens, S::Clan) => {
            "x.household IN (SELECT m.household FROM reg_clan_members m JOIN reg_clans k ON k.code = m.clan WHERE k.id = $1 AND m.valid_to > $2)"
        }
        (C::Adults | C::AssessedCitizens, S::Household) => "x.household = (SELECT h.code FROM reg_households h WHERE h.id = $1)",
        (C::Communes, S::District | S::Province) => {
            "EXISTS (SELECT 1 FROM unit_closure u WHERE u.ancestor_id = $1 AND u.descendant_id = x.id AND u.valid_from <= $2 AND u.valid_to > $2)"
        }
        (C::Staff, S::Organisation) => "x.id = $1",
        _ => return None,
    })
}

impl Store {
    /// The value of each source for a subject in a year: `None` where the subject has no such
    /// members (the source does not apply) or the registry leaves the number empty.
    #[inline(never)]
    pub fn source_values<'fut, 'l1: 'fut, 'l2: 'fut, 'l3: 'fut>(
        &'l1 self,
        subject: SubjectKind,
        subject_id: i64,
        year: i16,
        sources: &'l2 [&'l3 DataSource],
    ) -> crate::BoxFut<'fut, Result<Vec<Option<i64>>>> {
        Box::pin(async move {
            let on = format!("{year:04}-12-31");
            let mut out = Vec::with_capacity(sources.len());
            for src in sources {
                let Some(members) = members_sql(src.count, subject) else {
                    out.push(None);
                    continue;
                };
                // Parameters after $1 (subject) and $2 (31/12 of the year), numbered as pushed.
                let mut params: Vec<String> = Vec::new();
                let mut param = |v: String| {
                    params.push(v);
                    format!("${}", params.len() + 2)
                };
                let (table, filter, recognised_kind) = match src.count {
                    Counted::Households => ("reg_households", "x.valid_to > $2".to_string(), "household"),
                    // Người lớn: đủ 18 tuổi on 31/12 (ISO dates compare as text).
                    Counted::Adults => (
                        "reg_citizens",
                        format!("x.valid_to > $2 AND x.birth_date <= {}", param(format!("{:04}-12-31", year - 18))),
                        "citizen",
                    ),
                    Counted::AssessedCitizens => (
                        "reg_citizens",
                        "x.valid_to > $2 AND x.occupation_group IS NOT NULL AND x.occupation_group <> ''".to_string(),
                        "citizen",
                    ),
                    Counted::Communes => ("units", "x.kind = 'commune' AND x.valid_from <= $2 AND x.valid_to > $2".to_string(), "commune"),
                    Counted::Staff => ("reg_organisations", "x.valid_to > $2".to_string(), ""),
                };
                let value = if src.count == Counted::Staff { "MAX(x.staff)" } else { "COUNT(*)" };
                let mut sql = format!("SELECT {value} AS n FROM {table} x WHERE {members} AND {filter}");
                if !src.recognised_by.is_empty() {
                    // A recognition counts if it was in force on some day of the year.
                    let start = param(format!("{year:04}-01-01"));
                    let sets: Vec<String> = src.recognised_by.iter().map(|id| param(id.clone())).collect();
                    let levels: Vec<String> = src.levels.iter().map(|l| param(l.clone())).collect();
                    sql.push_str(&format!(
                    " AND EXISTS (SELECT 1 FROM recognitions r JOIN assessments a ON a.id = r.assessment_id JOIN campaigns k ON k.id = a.campaign_id \
                     WHERE r.subject_kind = '{recognised_kind}' AND r.subject_id = x.id AND r.revoked = 0 AND r.valid_from <= $2 \
                     AND (r.valid_until = '' OR r.valid_until >= {start}) AND k.set_id IN ({}){})",
                    sets.join(", "),
                    if levels.is_empty() { String::new() } else { format!(" AND a.level IN ({})", levels.join(", ")) }
                ));
                }
                let mut q = crate::db::query(sqlx::AssertSqlSafe(sql)).bind(subject_id).bind(&on);
                for p in &params {
                    q = q.bind(p);
                }
                let row = q.fetch_one(self.pool()).await?;
                out.push(row.opt_i64("n")?);
            }
            Ok(out)
        })
    }
}
