-- A registry search is word beginnings (hoctap_domain::text::search_words). Within a province
-- of millions it runs on this index: each word of a record's search key carries its province's
-- code in front ("01nguyen"), so the postings of a word are those of one province and a search
-- of Hà Nội never walks the rest of the country's "nguyen" (issue 19: ≤ 200 ms in a province of
-- 3.8 M citizens). `Store::registry_list` adds the matching `@@` condition; the LIKE conditions
-- beside it decide. Only the registries of tens of millions need it. On a database that already
-- holds the country this takes about 25 minutes with writes to both tables waiting: create the
-- two indexes first with CREATE INDEX CONCURRENTLY under these names, and this finds them.
CREATE INDEX IF NOT EXISTS reg_citizens_words ON reg_citizens
    USING gin (to_tsvector('simple'::regconfig, replace(' ' || search_key, ' ', ' ' || province_code)));
CREATE INDEX IF NOT EXISTS reg_households_words ON reg_households
    USING gin (to_tsvector('simple'::regconfig, replace(' ' || search_key, ' ', ' ' || province_code)));
-- The planner weighs the index by the statistics of its expression, gathered by ANALYZE.
ANALYZE reg_citizens;
ANALYZE reg_households;
