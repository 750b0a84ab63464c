-- A search within a province looks first among the province's next records in list order
-- (registry/words.rs, `bound`): the value 20,000 (then 200,000) records on is read from these indexes alone,
-- and the search's matches below it are what the word index and this range have in common.
-- On a database that already holds the country, build them first with CREATE INDEX
-- CONCURRENTLY under these names (docs/DEPLOYMENT.md).
CREATE INDEX IF NOT EXISTS reg_citizens_province_cccd ON reg_citizens (province_code, cccd);
CREATE INDEX IF NOT EXISTS reg_households_province_code ON reg_households (province_code, code);
