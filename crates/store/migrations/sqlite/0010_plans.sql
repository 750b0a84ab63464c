-- Plans (kế hoạch, chương trình hành động) with their targets (chỉ tiêu), and the annual
-- reports (báo cáo kết quả xây dựng xã hội học tập) each unit owes its superior.
-- unit_id 0 = the whole country (no unit row).
CREATE TABLE plans (
    id INTEGER PRIMARY KEY,
    plan_key TEXT NOT NULL UNIQUE,
    unit_id INTEGER NOT NULL,
    unit_code TEXT NOT NULL,
    number TEXT NOT NULL DEFAULT '',
    issued_on TEXT NOT NULL DEFAULT '',
    title TEXT NOT NULL,
    kind TEXT NOT NULL,
    period_from INTEGER NOT NULL,
    period_to INTEGER NOT NULL,
    plan_json TEXT NOT NULL,
    created_by TEXT NOT NULL,
    created_at TEXT NOT NULL
);
CREATE INDEX plans_unit ON plans (unit_id);

-- origin: plan (as the document states it), split (rolled down by the parent), manual.
CREATE TABLE plan_targets (
    id INTEGER PRIMARY KEY,
    plan_id INTEGER NOT NULL REFERENCES plans (id),
    indicator TEXT NOT NULL,
    unit_id INTEGER NOT NULL,
    year INTEGER NOT NULL,
    value TEXT NOT NULL,
    origin TEXT NOT NULL,
    text TEXT NOT NULL DEFAULT '',
    updated_by TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    UNIQUE (plan_id, indicator, unit_id, year)
);
CREATE INDEX plan_targets_unit ON plan_targets (unit_id, indicator, year);

-- state: draft (the officer writes it) or submitted (sent to the superior).
CREATE TABLE annual_reports (
    id INTEGER PRIMARY KEY,
    unit_id INTEGER NOT NULL REFERENCES units (id),
    year INTEGER NOT NULL,
    sections_json TEXT NOT NULL,
    state TEXT NOT NULL,
    submitted_by TEXT NOT NULL DEFAULT '',
    submitted_at TEXT NOT NULL DEFAULT '',
    updated_by TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    UNIQUE (unit_id, year)
);
