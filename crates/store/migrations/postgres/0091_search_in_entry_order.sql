-- A search within a province looks first among the province's first records in entry order
-- (registry/words.rs, `bound`), no longer in CCCD order: a CCCD begins with the sex and year of
-- birth, so the first CCCDs held no match for a woman's name, and ids in a range are neighbours
-- in the table, which makes the range's bitmap cheaper. The old list-order indexes go.
-- On a database that already holds the country, build these first with CREATE INDEX
-- CONCURRENTLY under these names (docs/DEPLOYMENT.md).
DROP INDEX IF EXISTS reg_citizens_province_cccd;
DROP INDEX IF EXISTS reg_households_province_code;
CREATE INDEX IF NOT EXISTS reg_citizens_province_id ON reg_citizens (province_code, id);
CREATE INDEX IF NOT EXISTS reg_households_province_id ON reg_households (province_code, id);
