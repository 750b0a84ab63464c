-- Criteria sets as versioned data: the TOML text is the record; the other columns are
-- copies of its header for listing and selection. One active version per set id.
CREATE TABLE criteria_sets (
    id INTEGER PRIMARY KEY,
    set_id TEXT NOT NULL,
    version TEXT NOT NULL,
    title TEXT NOT NULL,
    subject TEXT NOT NULL,
    method TEXT NOT NULL,
    effective_from TEXT NOT NULL,
    effective_to TEXT NOT NULL,
    source TEXT NOT NULL,
    body TEXT NOT NULL,
    body_sha256 TEXT NOT NULL,
    active INTEGER NOT NULL DEFAULT 1,
    loaded_at TEXT NOT NULL,
    loaded_by TEXT NOT NULL,
    UNIQUE (set_id, version)
);
CREATE INDEX criteria_sets_subject ON criteria_sets (subject, active);
