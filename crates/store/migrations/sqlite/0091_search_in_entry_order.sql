-- A search within a province looks first among the province's first records in entry order on
-- PostgreSQL only, with the word index (registry/words.rs); SQLite reads a province through the
-- unit index.
SELECT 1;
