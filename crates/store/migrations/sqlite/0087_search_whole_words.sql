-- Registry search: every word but the last whole, the last a beginning, at spaces and the
-- separators of hoctap_domain::text::SEARCH_SEPARATORS. SQLite reads a commune's or a province's
-- rows through the unit index; nothing to build here.
SELECT 1;
