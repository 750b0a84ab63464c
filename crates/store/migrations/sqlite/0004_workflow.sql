-- The yearly cycle: campaigns (đợt đánh giá) and dossiers (hồ sơ tự đánh giá) with every
-- transition kept. States and answers are JSON text written by the domain's workflow.
CREATE TABLE campaigns (
    id INTEGER PRIMARY KEY,
    year INTEGER NOT NULL,
    set_id TEXT NOT NULL,
    set_version TEXT NOT NULL,
    unit_id INTEGER NOT NULL REFERENCES units (id),
    province_code TEXT NOT NULL,
    title TEXT NOT NULL,
    self_assessment_closes TEXT NOT NULL,
    dossier_due TEXT NOT NULL,
    decision_due TEXT NOT NULL,
    chain_json TEXT NOT NULL,
    opened_by TEXT NOT NULL,
    opened_at TEXT NOT NULL,
    closed INTEGER NOT NULL DEFAULT 0,
    UNIQUE (year, set_id, unit_id)
);

CREATE TABLE assessments (
    id INTEGER PRIMARY KEY,
    campaign_id INTEGER NOT NULL REFERENCES campaigns (id),
    subject_kind TEXT NOT NULL,
    subject_id INTEGER NOT NULL,
    subject_label TEXT NOT NULL,
    unit_id INTEGER NOT NULL REFERENCES units (id),
    province_code TEXT NOT NULL,
    state TEXT NOT NULL,
    state_json TEXT NOT NULL,
    submitted_by INTEGER,
    answers_json TEXT NOT NULL,
    result_json TEXT NOT NULL DEFAULT '',
    passed INTEGER NOT NULL DEFAULT 0,
    level TEXT NOT NULL DEFAULT '',
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    UNIQUE (campaign_id, subject_kind, subject_id)
);
CREATE INDEX assessments_unit ON assessments (unit_id, state);

CREATE TABLE assessment_transitions (
    id INTEGER PRIMARY KEY,
    assessment_id INTEGER NOT NULL REFERENCES assessments (id),
    at TEXT NOT NULL,
    actor_id INTEGER,
    actor_name TEXT NOT NULL,
    action TEXT NOT NULL,
    from_state TEXT NOT NULL,
    to_state TEXT NOT NULL,
    detail_json TEXT NOT NULL DEFAULT ''
);
CREATE INDEX assessment_transitions_assessment ON assessment_transitions (assessment_id, id);
