//! Search by words ([`hoctap_domain::text::search_words`]) and, on PostgreSQL, the word index
//! that serves it within a province (migration 0087).
//!
//! Every word typed but the last is a whole word of the record's folded search key, and the
//! last begins one: `(' ' || key || ' ') LIKE '% word %'` and `LIKE '% last%'`, the key's
//! separators ([`SEARCH_SEPARATORS`]) turned to spaces in SQL, on both engines; this decides. On
//! PostgreSQL the registries of tens of millions (citizens, households) also carry a GIN index
//! over the same words, each prefixed with the record's province code ("01nguyen"), so a word's
//! postings are one province's. A search within a province adds `@@ '01nguyen & 01van & 01a:*'`
//! over the province codes of the unit's tree: implied by the LIKE conditions, so it only narrows
//! what the index hands over. Whole words are exact entries, which the index intersects by
//! skipping through the longer posting lists; a prefix collects every posting of every word that
//! begins with it (measured on Hà Nội, "van an": 74 ms with the last word a prefix, 11 ms exact,
//! 140 ms with both prefixes).

use crate::db::Conn;
use crate::{Engine, Result};
use hoctap_domain::text::SEARCH_SEPARATORS;
use std::collections::BTreeSet;

/// Tables with the word index (migration 0087).
pub(crate) const WORD_INDEXED: &[&str] = &["reg_citizens", "reg_households"];

/// The column `key` with [`SEARCH_SEPARATORS`] turned to spaces, in the engine's SQL: what the
/// LIKE conditions and the word index read (the stored key keeps its punctuation, so no stored
/// row needs rewriting when the separators change).
pub(crate) fn search_text(engine: Engine, key: &str) -> String {
    let quote = |s: &str| s.replace('\'', "''");
    match engine {
        Engine::Postgres => {
            format!("translate({key}, '{}', '{}')", quote(SEARCH_SEPARATORS), " ".repeat(SEARCH_SEPARATORS.chars().count()))
        }
        // SQLite has no translate(): one replace() per separator.
        Engine::Sqlite => {
            SEARCH_SEPARATORS.chars().fold(key.to_string(), |acc, c| format!("replace({acc}, '{}', ' ')", quote(&c.to_string())))
        }
    }
}

/// The conditions of one search word, bound at `$n` and `$n + 1` (by [`like_patterns`]): first
/// the word anywhere in the stored key, which the rule implies and which costs a comparison,
/// then the rule itself, on the key with its separators turned to spaces. That costs a
/// `translate()` per row and word (3–7 µs on PostgreSQL: 8,299 matches of "nguyen thi nhan" took
/// 60 ms more for one word), so the same pattern is tried first on the key as stored: a word
/// between spaces there is one between spaces after the separators become spaces too, and a
/// name's words are between spaces. Only a row where it is not (a word beside a separator, or no
/// whole word at all) pays for the `translate()`. A commune's 30,000 citizens searched for three
/// words took 300 ms with the rule alone, 45 ms with the first test before it.
pub(super) fn like_sql(engine: Engine, alias: &str, n: usize) -> String {
    format!(
        "{alias}.search_key LIKE ${n} AND ((' ' || {alias}.search_key || ' ') LIKE ${m} OR (' ' || {} || ' ') LIKE ${m})",
        search_text(engine, &format!("{alias}.search_key")),
        m = n + 1
    )
}

/// The two LIKE patterns of the `i`-th of `n` search words (`search_words` has removed the
/// wildcards): the word anywhere, then a whole word, or a word's beginning for the last.
pub(super) fn like_patterns(word: &str, i: usize, n: usize) -> [String; 2] {
    [format!("%{word}%"), if i + 1 == n { format!("% {word}%") } else { format!("% {word} %") }]
}

/// The index's expression, its columns prefixed with `prefix` ("t." in a query, "" in the
/// index's definition); a query must repeat it exactly for the planner to use the index.
pub(crate) fn indexed_words(prefix: &str) -> String {
    format!(
        "to_tsvector('simple'::regconfig, replace(' ' || {}, ' ', ' ' || {prefix}province_code))",
        search_text(Engine::Postgres, &format!("{prefix}search_key"))
    )
}

/// The name of a table's word index.
pub(crate) fn index_name(table: &str) -> String {
    format!("{table}_search")
}

/// Whether a registry's search can use the word index on this engine.
pub(super) fn serves(engine: Engine, table: &str) -> bool {
    engine == Engine::Postgres && WORD_INDEXED.contains(&table)
}

/// The province codes a record inside `unit`'s tree can carry, when `unit` is a province: those
/// of the units under it and above it, at any date (a record keeps the code of the unit it was
/// placed in). Empty for a smaller unit: a commune's or a village's rows are fewer than one
/// common name's in a province, and the unit index reads them faster (measured: a commune's
/// search took 40 ms through the unit index, 200–500 ms through the province's words).
pub(super) async fn province_codes(conn: &mut Conn, unit: i64) -> Result<Option<ProvinceCodes>> {
    let row = crate::db::query("SELECT kind, province_code FROM units WHERE id = $1").bind(unit).fetch_optional(&mut *conn).await?;
    let Some(row) = row else { return Ok(None) };
    if row.text("kind")? != "province" {
        return Ok(None);
    }
    let rows = crate::db::query(
        "SELECT DISTINCT u.province_code FROM units u WHERE u.id IN \
         (SELECT descendant_id FROM unit_closure WHERE ancestor_id = $1 UNION SELECT ancestor_id FROM unit_closure WHERE descendant_id = $1 UNION SELECT $1)",
    )
    .bind(unit)
    .fetch_all(&mut *conn)
    .await?;
    Ok(Some(ProvinceCodes { own: row.text("province_code")?, all: rows.iter().map(|r| r.text("province_code")).collect::<Result<_>>()? }))
}

/// The province codes of a province's records: its own, and all that its tree has carried.
pub(super) struct ProvinceCodes {
    pub(super) own: String,
    pub(super) all: BTreeSet<String>,
}

/// The registries whose searches within a province look first among the province's first
/// records in entry order, through a `(province_code, id)` index (migration 0091): (index, table).
pub(crate) const ORDERED: &[(&str, &str)] =
    &[("reg_citizens_province_id", "reg_citizens"), ("reg_households_province_id", "reg_households")];

/// The id `rows` records after the cursor's (or the first) among those of the province, in
/// entry order (read from the `(province_code, id)` index alone); None when the registry has no
/// such index or the province has fewer records left.
///
/// Why: a common name matches tens of thousands of a province's records ("nguyen hong": 54,851
/// in Hà Nội's 3.8 M citizens), scattered over as many pages, and a first page needs them all to
/// be sorted. Searched first below this id, the same query reads only the matches among the
/// province's first records in entry order: when they fill the page, they are its first records
/// overall. Entry order, not the CCCD's: a CCCD begins with the sex, century and year of birth,
/// so a province's first CCCDs are men born early in the last century, and a woman's name found
/// no match among them (a search for "nguyen hong" read 150,000 of them for none, then all). And
/// ids in a range are neighbours in the table, so the range's bitmap costs a seventh of the
/// CCCDs' (150,000 records: 11 ms against 49 ms).
///
/// A first page's bound (no cursor) is kept for [`BOUND_KEPT`]: reading it walks `rows` entries
/// of the index, and an old one is as correct as a new one, since a page is taken from below it
/// only when the records below it fill it.
pub(super) async fn bound(
    conn: &mut Conn,
    kept: &BoundCache,
    table: &str,
    own: &str,
    after: Option<i64>,
    rows: i64,
) -> Result<Option<i64>> {
    if !ORDERED.iter().any(|(_, t)| *t == table) {
        return Ok(None);
    }
    let key = format!("{table}.{own}.{rows}");
    if after.is_none()
        && let Some(b) = kept.get(&key)
    {
        return Ok(b);
    }
    // A row comparison, not `province_code = $1 AND id > $3`: with the province fixed, PostgreSQL
    // may read the ids in the primary key's order instead, through every province's records
    // below the bound. The row's code says whether the province still had that many records.
    let sql = format!(
        "SELECT province_code AS p, id AS b FROM {table} WHERE (province_code, id) > ($1, $3) ORDER BY province_code, id OFFSET $2 LIMIT 1"
    );
    let row = crate::db::query(sqlx::AssertSqlSafe(sql)).bind(own).bind(rows).bind(after.unwrap_or(0)).fetch_optional(&mut *conn).await?;
    let b = match row {
        Some(r) if r.text("p")? == own => Some(r.i64("b")?),
        _ => None,
    };
    if after.is_none() {
        kept.put(key, b);
    }
    Ok(b)
}

/// How long a first page's bound is kept.
pub(super) const BOUND_KEPT: std::time::Duration = std::time::Duration::from_secs(600);

/// First pages' bounds read lately, per registry, province and size.
#[derive(Debug, Default)]
pub(crate) struct BoundCache(std::sync::Mutex<std::collections::HashMap<String, (std::time::Instant, Option<i64>)>>);

impl BoundCache {
    fn get(&self, key: &str) -> Option<Option<i64>> {
        let map = self.0.lock().ok()?;
        map.get(key).filter(|(at, _)| at.elapsed() < BOUND_KEPT).map(|(_, b)| *b)
    }

    fn put(&self, key: String, bound: Option<i64>) {
        if let Ok(mut map) = self.0.lock() {
            // A few keys per province and registry: cleared rather than grown without end.
            if map.len() > 1024 {
                map.clear();
            }
            map.insert(key, (std::time::Instant::now(), bound));
        }
    }
}

/// The smallest and largest stretch of a province's records, in entry order, a search walks
/// before it asks the word index for every match. The walk tests about 2 records a µs (Hà Nội,
/// "van dung": 100 matches among the first 20,000 records in 10 ms; 250,000 records took 125
/// ms), so its longest costs about as much as the word index's answer for a common given name.
const RANGE_MIN: u64 = 1 << 14;
const RANGE_MAX: u64 = 1 << 17;

/// How many of the province's records, in entry order, a search walks for its page: enough to
/// hold four pages of the matches the planner expects (`matches` of `records`), as a power of two
/// so that a province has few bounds to keep. None when the longest walk would hold less than a
/// page of them (100 at least), or would be half the province: the word index's answer costs
/// less then. The planner multiplies the words' frequencies as if independent, so a correlated
/// name ("nguyen thi nhan": 2,003 expected, 8,299 found) is underestimated, which only lengthens
/// the walk's bound, not the walk.
pub(super) fn first_range(matches: f64, records: f64, limit: i64) -> Option<i64> {
    if matches.is_nan() || records.is_nan() || matches <= 0.0 || records <= 0.0 {
        return None;
    }
    let page = limit.max(100) as f64;
    if matches * RANGE_MAX as f64 / records < page {
        return None;
    }
    let wanted = 4.0 * limit as f64 * records / matches;
    let range = (wanted.min(RANGE_MAX as f64) as u64).max(RANGE_MIN).next_power_of_two().min(RANGE_MAX);
    ((2 * range) as f64 <= records).then_some(range as i64)
}

/// The planner's estimate of the rows of `sql` (its plan's first line, `rows=N`), from the
/// statistics ANALYZE keeps: for the word index, the most common words' frequencies.
pub(super) async fn estimated_rows(conn: &mut Conn, sql: &str, args: Vec<crate::db::Arg<'static>>) -> Result<f64> {
    let rows =
        crate::db::query(sqlx::AssertSqlSafe(format!("EXPLAIN {sql}"))).bind_all(args).planned_each_time().fetch_all(&mut *conn).await?;
    let first = rows.first().map(|r| r.text(0)).transpose()?.unwrap_or_default();
    Ok(plan_rows(&first).unwrap_or(0.0))
}

/// `rows=N` in a plan line.
fn plan_rows(line: &str) -> Option<f64> {
    let at = line.find(" rows=")? + " rows=".len();
    line[at..].split(|c: char| !c.is_ascii_digit()).next()?.parse().ok()
}

/// The text search query for the words in those provinces, when the index can serve it: only
/// words all of letters or all of digits, which the parser reads as one token after the province
/// code whatever follows them (it reads "0112e3x" as "0112e3" and "x"), and two-digit province
/// codes (so "01" + "2abc" cannot be "012" + "abc"); every word but the last exact, the last a
/// prefix. None: the LIKE conditions alone.
pub(super) fn province_query(engine: Engine, table: &str, codes: &BTreeSet<String>, words: &[String]) -> Option<String> {
    if !serves(engine, table) || codes.is_empty() {
        return None;
    }
    let plain = |w: &str| w.bytes().all(|b| b.is_ascii_lowercase()) || w.bytes().all(|b| b.is_ascii_digit());
    let terms: Vec<String> = words
        .iter()
        .enumerate()
        .filter(|(_, w)| plain(w))
        .map(|(i, w)| if i + 1 == words.len() { format!("{w}:*") } else { w.clone() })
        .collect();
    if terms.is_empty() || codes.iter().any(|c| c.len() != 2 || !c.bytes().all(|b| b.is_ascii_digit())) {
        return None;
    }
    let per_province: Vec<String> =
        codes.iter().map(|c| format!("({})", terms.iter().map(|t| format!("{c}{t}")).collect::<Vec<_>>().join(" & "))).collect();
    Some(per_province.join(" | "))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_query_prefixes_each_word_with_each_province() {
        let codes: BTreeSet<String> = ["01".to_string(), "30".to_string()].into();
        let words = vec!["van".to_string(), "an".to_string()];
        assert_eq!(
            province_query(Engine::Postgres, "reg_citizens", &codes, &words).as_deref(),
            Some("(01van & 01an:*) | (30van & 30an:*)")
        );
        assert_eq!(province_query(Engine::Sqlite, "reg_citizens", &codes, &words), None);
        assert_eq!(province_query(Engine::Postgres, "reg_clans", &codes, &words), None);
        // A word the parser may split or read otherwise is left to LIKE; the others still narrow.
        let mixed = vec!["a1".to_string(), "2025".to_string(), "an".to_string()];
        assert_eq!(
            province_query(Engine::Postgres, "reg_households", &codes, &mixed).as_deref(),
            Some("(012025 & 01an:*) | (302025 & 30an:*)")
        );
        assert_eq!(province_query(Engine::Postgres, "reg_households", &codes, &["12e3x".to_string()]), None);
        let odd: BTreeSet<String> = ["1".to_string()].into();
        assert_eq!(province_query(Engine::Postgres, "reg_citizens", &odd, &words), None);
    }

    #[test]
    fn the_migration_builds_the_expression_the_queries_name() {
        let sql = include_str!("../../migrations/postgres/0087_search_whole_words.sql");
        for table in WORD_INDEXED {
            let create = format!("CREATE INDEX IF NOT EXISTS {} ON {table}\n    USING gin ({});", index_name(table), indexed_words(""));
            assert!(sql.contains(&create), "{create}");
        }
    }

    #[test]
    fn the_migration_builds_the_ordered_indexes_bound_reads() {
        let sql = include_str!("../../migrations/postgres/0091_search_in_entry_order.sql");
        for (index, table) in ORDERED {
            assert!(sql.contains(&format!("CREATE INDEX IF NOT EXISTS {index} ON {table} (province_code, id);")), "{index}");
        }
    }

    #[test]
    fn a_walk_holds_four_pages_of_the_expected_matches_or_none() {
        // Fewer than a page expected in the longest walk: the word index's answer.
        assert_eq!(first_range(1_400.0, 3_800_000.0, 100), None);
        assert_eq!(first_range(f64::NAN, 3_800_000.0, 100), None);
        assert_eq!(first_range(5_000.0, 0.0, 100), None);
        // "nguyen hong": 54,851 of 3.8 M: 27,711 records for 400 matches, rounded up.
        assert_eq!(first_range(54_851.0, 3_800_000.0, 100), Some(32_768));
        // Very common: the shortest walk; rarer: the longest.
        assert_eq!(first_range(1_000_000.0, 3_800_000.0, 100), Some(RANGE_MIN as i64));
        assert_eq!(first_range(5_000.0, 3_800_000.0, 100), Some(RANGE_MAX as i64));
        assert_eq!(first_range(2_000.0, 3_800_000.0, 100), None);
        // A small page needs as many expected matches, and walks less for them.
        assert_eq!(first_range(1_400.0, 3_800_000.0, 10), None);
        assert!(first_range(54_851.0, 3_800_000.0, 10) <= first_range(54_851.0, 3_800_000.0, 100));
        // Never the whole province, nor half of it.
        assert_eq!(first_range(5_000.0, 20_000.0, 100), None);
        for (m, r, l) in [(1e5, 1e8, 100), (1e7, 1e8, 50), (3e6, 1e7, 10_000)] {
            let range = first_range(m, r, l).unwrap();
            assert!((range as u64).is_power_of_two() && (RANGE_MIN..=RANGE_MAX).contains(&(range as u64)), "{range}");
        }
    }

    #[test]
    fn the_plans_first_line_gives_its_rows() {
        assert_eq!(plan_rows("Bitmap Heap Scan on reg_citizens t  (cost=81.08..12321.57 rows=3236 width=4)"), Some(3236.0));
        assert_eq!(plan_rows("Seq Scan on t  (cost=0.00..1.00 rows=1 width=0)"), Some(1.0));
        assert_eq!(plan_rows("Result"), None);
    }

    #[test]
    fn the_separators_become_spaces_in_either_dialect() {
        assert_eq!(search_text(Engine::Postgres, "k"), "translate(k, '-,./()'';:', '         ')");
        let sqlite = search_text(Engine::Sqlite, "k");
        assert!(sqlite.starts_with("replace(replace(") && sqlite.contains("'''', ' ')") && sqlite.ends_with("':', ' ')"), "{sqlite}");
        assert_eq!(like_patterns("van", 0, 2), ["%van%", "% van %"]);
        assert_eq!(like_patterns("an", 1, 2), ["%an%", "% an%"]);
    }
}
