-- A dossier's result summary ("Đạt", "Chưa đạt: …") in its own column, written with the result:
-- the campaign page lists 50 dossiers with it, and reading it out of each ~5 KB result (in Rust
-- or in SQL) was most of that list's cost.
ALTER TABLE assessments ADD COLUMN result_summary TEXT NOT NULL DEFAULT '';
UPDATE assessments SET result_summary = COALESCE(json_extract(result_json, '$.summary'), '') WHERE result_json <> '' AND json_valid(result_json);
