-- Statistics counters (số liệu tổng hợp), maintained in the transaction of every write that
-- changes them (hoctap_domain::stats): per unit (the commune holding the record, or the unit
-- itself when above commune level) × metric × year, the change of the metric in that year.
-- Higher levels are summed at read time through unit_closure.
CREATE TABLE stat_deltas (
    unit_id INTEGER NOT NULL REFERENCES units (id),
    metric TEXT NOT NULL,
    year INTEGER NOT NULL,
    delta INTEGER NOT NULL,
    PRIMARY KEY (unit_id, metric, year)
);

-- Today's unit for every unit that ever existed: itself while valid, else its successor
-- through the lineage (or its parent's): re-bases old numbers onto today's tree.
CREATE TABLE unit_rebase (
    unit_id INTEGER PRIMARY KEY REFERENCES units (id),
    current_id INTEGER NOT NULL REFERENCES units (id),
    -- The unit's own kind: a dashboard reads the rows of units of its own level only.
    kind TEXT NOT NULL
);
CREATE INDEX unit_rebase_current ON unit_rebase (current_id);

-- A past version's unit, so counters can be rebuilt from every version.
ALTER TABLE registry_history ADD COLUMN unit_id INTEGER;
-- The metrics a recognition counted for when granted (comma-separated).
ALTER TABLE recognitions ADD COLUMN metrics TEXT NOT NULL DEFAULT '';

-- Values of reported indicators (chỉ số báo cáo), typed per unit and year.
CREATE TABLE indicator_reports (
    unit_id INTEGER NOT NULL REFERENCES units (id),
    year INTEGER NOT NULL,
    indicator TEXT NOT NULL,
    value TEXT NOT NULL,
    note TEXT NOT NULL DEFAULT '',
    updated_by TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    PRIMARY KEY (unit_id, year, indicator)
);
