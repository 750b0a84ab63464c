//! Search by word beginnings ([`hoctap_domain::text::search_words`]) and, on PostgreSQL, the
//! word index that serves it within a province (migration 0086).
//!
//! Every word typed must begin a word of the record's folded search key: `(' ' || search_key)
//! LIKE '% word%'`, on both engines; this decides. On PostgreSQL the registries of tens of
//! millions (citizens, households) also carry a GIN index over the key's words, each prefixed
//! with the record's province code ("01nguyen"), so a word's postings are one province's. A
//! search within a province adds `@@ '01nguyen:* & 01van:*'` over the province codes of the unit's
//! tree: implied by the LIKE conditions (a word that begins with "van" after a space is a token
//! of the parser that begins with "van"), so it only narrows what the index hands over.

use crate::db::Conn;
use crate::{Engine, Result};
use std::collections::BTreeSet;

/// Tables with the word index (migration 0086).
pub(crate) const WORD_INDEXED: &[&str] = &["reg_citizens", "reg_households"];

/// The index's expression, its columns prefixed with `prefix` ("t." in a query, "" in the
/// index's definition); a query must repeat it exactly for the planner to use the index.
pub(crate) fn indexed_words(prefix: &str) -> String {
    format!("to_tsvector('simple'::regconfig, replace(' ' || {prefix}search_key, ' ', ' ' || {prefix}province_code))")
}

/// Whether a registry's search can use the word index on this engine.
pub(super) fn serves(engine: Engine, table: &str) -> bool {
    engine == Engine::Postgres && WORD_INDEXED.contains(&table)
}

/// The LIKE pattern of one search word (`search_words` has removed the wildcards).
pub(super) fn like_pattern(word: &str) -> String {
    format!("% {word}%")
}

/// The province codes a record inside `unit`'s tree can carry, when `unit` is a province: those
/// of the units under it and above it, at any date (a record keeps the code of the unit it was
/// placed in). Empty for a smaller unit: a commune's or a village's rows are fewer than one
/// common name's in a province, and the unit index reads them faster (measured: a commune's
/// search took 40 ms through the unit index, 200–500 ms through the province's words).
pub(super) async fn province_codes(conn: &mut Conn, unit: i64) -> Result<BTreeSet<String>> {
    let kind = crate::db::query("SELECT kind FROM units WHERE id = $1").bind(unit).fetch_optional(&mut *conn).await?;
    if kind.map(|r| r.text("kind")).transpose()?.as_deref() != Some("province") {
        return Ok(BTreeSet::new());
    }
    let rows = crate::db::query(
        "SELECT DISTINCT u.province_code FROM units u WHERE u.id IN \
         (SELECT descendant_id FROM unit_closure WHERE ancestor_id = $1 UNION SELECT ancestor_id FROM unit_closure WHERE descendant_id = $1 UNION SELECT $1)",
    )
    .bind(unit)
    .fetch_all(&mut *conn)
    .await?;
    rows.iter().map(|r| r.text("province_code")).collect()
}

/// The text search query for the words in those provinces, when the index can serve it: only
/// words of letters and digits (what the parser reads as one token) and two-digit province
/// codes (so "01" + "2abc" cannot be "012" + "abc"). None: the LIKE conditions alone.
pub(super) fn province_query(engine: Engine, table: &str, codes: &BTreeSet<String>, words: &[String]) -> Option<String> {
    if !serves(engine, table) || codes.is_empty() {
        return None;
    }
    let plain: Vec<&String> = words.iter().filter(|w| w.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit())).collect();
    if plain.is_empty() || codes.iter().any(|c| c.len() != 2 || !c.bytes().all(|b| b.is_ascii_digit())) {
        return None;
    }
    let per_province: Vec<String> =
        codes.iter().map(|c| format!("({})", plain.iter().map(|w| format!("{c}{w}:*")).collect::<Vec<_>>().join(" & "))).collect();
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
            Some("(01van:* & 01an:*) | (30van:* & 30an:*)")
        );
        assert_eq!(province_query(Engine::Sqlite, "reg_citizens", &codes, &words), None);
        assert_eq!(province_query(Engine::Postgres, "reg_clans", &codes, &words), None);
        // A word the parser would split is left to LIKE; the others still narrow.
        let mixed = vec!["hgd-01".to_string(), "an".to_string()];
        assert_eq!(province_query(Engine::Postgres, "reg_households", &codes, &mixed).as_deref(), Some("(01an:*) | (30an:*)"));
        let odd: BTreeSet<String> = ["1".to_string()].into();
        assert_eq!(province_query(Engine::Postgres, "reg_citizens", &odd, &words), None);
    }
}
