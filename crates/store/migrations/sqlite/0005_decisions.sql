-- Decisions (quyết định công nhận) and the recognitions they grant. A recognition keeps
-- copies of the subject's name and the title so the public page needs no other table.
CREATE TABLE decisions (
    id INTEGER PRIMARY KEY,
    campaign_id INTEGER NOT NULL REFERENCES campaigns (id),
    unit_id INTEGER NOT NULL REFERENCES units (id),
    province_code TEXT NOT NULL,
    number TEXT NOT NULL,
    decided_on TEXT NOT NULL,
    authority TEXT NOT NULL,
    signer_name TEXT NOT NULL,
    signer_title TEXT NOT NULL,
    place TEXT NOT NULL,
    legal_basis_json TEXT NOT NULL,
    title TEXT NOT NULL,
    created_by TEXT NOT NULL,
    created_at TEXT NOT NULL,
    UNIQUE (unit_id, number)
);

CREATE TABLE recognitions (
    id INTEGER PRIMARY KEY,
    decision_id INTEGER NOT NULL REFERENCES decisions (id),
    assessment_id INTEGER NOT NULL REFERENCES assessments (id),
    code TEXT NOT NULL UNIQUE,
    subject_kind TEXT NOT NULL,
    subject_id INTEGER NOT NULL,
    subject_name TEXT NOT NULL,
    unit_id INTEGER NOT NULL REFERENCES units (id),
    province_code TEXT NOT NULL,
    title TEXT NOT NULL,
    level TEXT NOT NULL,
    valid_from TEXT NOT NULL,
    valid_until TEXT NOT NULL,
    revoked INTEGER NOT NULL DEFAULT 0,
    revoked_reason TEXT NOT NULL DEFAULT '',
    revoked_on TEXT NOT NULL DEFAULT ''
);
CREATE INDEX recognitions_subject ON recognitions (subject_kind, subject_id);
CREATE INDEX recognitions_unit ON recognitions (unit_id, valid_from);
