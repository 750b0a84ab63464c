-- Vouchers as a cashier numbers them: receipts (PT-2026-001) and payments (PC-2026-001) in their
-- own sequences per ledger and year. The row is raised in the posting's transaction (after the
-- ledger's row in fund_ledgers, which orders concurrent postings). Entries posted before keep
-- their numbers (PT-000012): a voucher number, once printed, is never changed.
CREATE TABLE fund_voucher_seqs (
    branch TEXT NOT NULL,
    year INTEGER NOT NULL,
    direction TEXT NOT NULL,
    last_seq INTEGER NOT NULL,
    PRIMARY KEY (branch, year, direction)
);

-- A payment that took the fund below zero, confirmed by its poster with a reason.
CREATE TABLE fund_overdrafts (
    branch TEXT NOT NULL,
    entry_no TEXT NOT NULL,
    balance_before INTEGER NOT NULL,
    reason TEXT NOT NULL,
    PRIMARY KEY (branch, entry_no)
);

-- Membership dues (hội phí) per member and year: paid once a year, by a receipt of the branch's
-- ledger posted in the same transaction.
CREATE TABLE member_dues (
    member_id INTEGER NOT NULL,
    year INTEGER NOT NULL,
    branch TEXT NOT NULL,
    amount INTEGER NOT NULL,
    entry_no TEXT NOT NULL,
    paid_on TEXT NOT NULL,
    province_code TEXT NOT NULL DEFAULT '',
    created_at TEXT NOT NULL,
    PRIMARY KEY (member_id, year)
);
CREATE INDEX member_dues_branch_year ON member_dues (branch, year);
