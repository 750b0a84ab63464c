-- Hội Khuyến học and its funds: what the generic registries (0003) do not store.

-- One row per fund ledger (the branch's code): the voucher sequence. A posting raises it as
-- the first write of its transaction, so concurrent postings to one ledger take turns on this
-- row and never share or skip a number.
CREATE TABLE fund_ledgers (
    branch TEXT PRIMARY KEY,
    last_seq INTEGER NOT NULL
);

-- A posted entry is reversed at most once (ordinary entries have no `reverses`, and NULLs do
-- not collide in a unique index on either engine).
CREATE UNIQUE INDEX reg_fund_entries_reversed_once ON reg_fund_entries (branch, reverses);
CREATE INDEX reg_fund_entries_branch_date ON reg_fund_entries (branch, posted_on);

-- Posted entries are never changed or deleted, whoever writes SQL: only their place in the
-- hierarchy (unit_id, province_code) may follow a reorganisation.
CREATE TRIGGER reg_fund_entries_no_update
BEFORE UPDATE OF branch, entry_no, posted_on, kind, amount, counterparty, beneficiary_cccd, decision, reverses, valid_from, valid_to ON reg_fund_entries
BEGIN SELECT RAISE(ABORT, 'bút toán đã ghi sổ không sửa được; hãy ghi một bút toán đảo'); END;
CREATE TRIGGER reg_fund_entries_no_delete BEFORE DELETE ON reg_fund_entries
BEGIN SELECT RAISE(ABORT, 'bút toán đã ghi sổ không xóa được; hãy ghi một bút toán đảo'); END;

-- Officers of a branch (Ban Chấp hành, chi hội trưởng…) with their term, half-open.
CREATE TABLE association_officers (
    id INTEGER PRIMARY KEY,
    branch_id INTEGER NOT NULL REFERENCES reg_association_branches (id),
    unit_id INTEGER NOT NULL REFERENCES units (id),
    province_code TEXT NOT NULL,
    full_name TEXT NOT NULL,
    role TEXT NOT NULL,
    phone TEXT,
    term_from TEXT NOT NULL,
    term_to TEXT NOT NULL,
    created_at TEXT NOT NULL
);
CREATE INDEX association_officers_branch ON association_officers (branch_id, term_to);

-- Membership cards: the public code the card's QR code carries (one per member).
CREATE TABLE association_cards (
    member_id INTEGER PRIMARY KEY REFERENCES reg_association_members (id),
    code TEXT NOT NULL UNIQUE,
    province_code TEXT NOT NULL,
    issued_on TEXT NOT NULL
);
