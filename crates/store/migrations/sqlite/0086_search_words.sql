-- Registry search is word beginnings (hoctap_domain::text::search_words). SQLite holds a
-- province at most and reads its rows through the unit index; nothing to add here.
SELECT 1;
