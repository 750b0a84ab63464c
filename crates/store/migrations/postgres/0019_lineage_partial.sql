-- Partial merges (nhập một phần): a commune whose territory went to several new communes has a
-- link to each, marked partial; the one holding its seat (trụ sở) is marked seat. Its figures
-- re-base to the seat's successor unless an administrator names another (rebase_overrides).
ALTER TABLE lineage_links ADD COLUMN partial INTEGER NOT NULL DEFAULT 0;
ALTER TABLE lineage_links ADD COLUMN seat INTEGER NOT NULL DEFAULT 0;

CREATE TABLE rebase_overrides (
    unit_id INTEGER PRIMARY KEY REFERENCES units (id),
    current_id INTEGER NOT NULL REFERENCES units (id),
    reason TEXT NOT NULL
);
