-- Registry search: every word but the last is a whole word, the last begins one, and words are
-- split at spaces and at the separators of hoctap_domain::text::SEARCH_SEPARATORS, which the
-- queries and this index turn to spaces with translate() (registry/words.rs). Whole words are
-- exact entries of the index, which it intersects by skipping through long posting lists; a
-- prefix collects every posting of every word it begins (Hà Nội, 8.5 M citizens, "van an":
-- 140 ms as two prefixes, 74 ms as a word and a prefix). Replaces the indexes of 0086, whose
-- expression did not split at the separators.
--
-- On a database that already holds the country this takes about 25 minutes, with writes to both
-- tables waiting. Build the two indexes first with CREATE INDEX CONCURRENTLY under these names
-- (this then finds them) and drop the old ones with DROP INDEX CONCURRENTLY (docs/DEPLOYMENT.md).
DROP INDEX IF EXISTS reg_citizens_words;
DROP INDEX IF EXISTS reg_households_words;
CREATE INDEX IF NOT EXISTS reg_citizens_search ON reg_citizens
    USING gin (to_tsvector('simple'::regconfig, replace(' ' || translate(search_key, '-,./()'';:', '         '), ' ', ' ' || province_code)));
CREATE INDEX IF NOT EXISTS reg_households_search ON reg_households
    USING gin (to_tsvector('simple'::regconfig, replace(' ' || translate(search_key, '-,./()'';:', '         '), ' ', ' ' || province_code)));
-- The planner weighs the index by the statistics of its expression, gathered by ANALYZE.
ANALYZE reg_citizens;
ANALYZE reg_households;
