-- The level above acting on its units' annual reports from its home page: a reminder to send
-- a late report (nhắc nộp báo cáo), or a submitted report returned for correction (trả lại),
-- with its reason. The unit's home page shows them; each is audited in its transaction.
CREATE TABLE report_reminders (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    unit_id INTEGER NOT NULL REFERENCES units (id),
    year INTEGER NOT NULL,
    kind TEXT NOT NULL CHECK (kind IN ('remind', 'return')),
    note TEXT NOT NULL DEFAULT '',
    sent_by TEXT NOT NULL,
    sent_by_unit INTEGER REFERENCES units (id),
    sent_at TEXT NOT NULL
);
CREATE INDEX report_reminders_unit ON report_reminders (unit_id, year);
