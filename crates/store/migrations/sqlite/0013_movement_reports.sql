-- The narrative sections of a movement's reports, written by the officer of a unit: the
-- annual report (kind 'nam', year = the report's year) and the phase reviews (kind = the
-- phase id, year = the review's year). The tables are computed from the movement's data.
CREATE TABLE movement_reports (
    id INTEGER PRIMARY KEY,
    movement_id INTEGER NOT NULL REFERENCES movements (id),
    unit_id INTEGER NOT NULL REFERENCES units (id),
    kind TEXT NOT NULL,
    year INTEGER NOT NULL,
    sections_json TEXT NOT NULL,
    updated_by TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    -- Sent to the superior (the Sở GDĐT for Bình Dương's annual report): no more changes.
    submitted_by TEXT NOT NULL DEFAULT '',
    submitted_at TEXT NOT NULL DEFAULT '',
    UNIQUE (movement_id, unit_id, kind, year)
);
