-- Emulation movements (phong trào thi đua), their participants, achievements and initiatives,
-- nominations for a reward (a dossier-like record reviewed upward with the workflow of
-- assessments), reward decisions (quyết định khen thưởng) and the rewards they grant.
CREATE TABLE movements (
    id INTEGER PRIMARY KEY,
    template_id TEXT NOT NULL,
    body_json TEXT NOT NULL,
    title TEXT NOT NULL,
    unit_id INTEGER NOT NULL REFERENCES units (id),
    province_code TEXT NOT NULL,
    launched_by TEXT NOT NULL,
    launched_at TEXT NOT NULL,
    UNIQUE (template_id, unit_id)
);

CREATE TABLE movement_participants (
    id INTEGER PRIMARY KEY,
    movement_id INTEGER NOT NULL REFERENCES movements (id),
    actor_type TEXT NOT NULL,
    name TEXT NOT NULL,
    unit_id INTEGER NOT NULL REFERENCES units (id),
    province_code TEXT NOT NULL,
    subject_kind TEXT NOT NULL DEFAULT '',
    subject_id INTEGER,
    registered_by TEXT NOT NULL,
    registered_at TEXT NOT NULL,
    UNIQUE (movement_id, actor_type, unit_id, name)
);
CREATE INDEX movement_participants_unit ON movement_participants (unit_id);

CREATE TABLE movement_achievements (
    id INTEGER PRIMARY KEY,
    participant_id INTEGER NOT NULL REFERENCES movement_participants (id),
    province_code TEXT NOT NULL,
    year INTEGER NOT NULL,
    kind TEXT NOT NULL,
    title TEXT NOT NULL,
    evidence TEXT NOT NULL DEFAULT '',
    recognition_id INTEGER REFERENCES recognitions (id),
    recorded_by TEXT NOT NULL,
    recorded_at TEXT NOT NULL
);
CREATE INDEX movement_achievements_participant ON movement_achievements (participant_id, year);

CREATE TABLE nominations (
    id INTEGER PRIMARY KEY,
    movement_id INTEGER NOT NULL REFERENCES movements (id),
    participant_id INTEGER NOT NULL REFERENCES movement_participants (id),
    year INTEGER NOT NULL,
    form TEXT NOT NULL,
    set_id TEXT NOT NULL,
    set_version TEXT NOT NULL,
    unit_id INTEGER NOT NULL REFERENCES units (id),
    province_code TEXT NOT NULL,
    state TEXT NOT NULL,
    state_json TEXT NOT NULL,
    chain_json TEXT NOT NULL,
    submitted_by INTEGER,
    answers_json TEXT NOT NULL,
    result_json TEXT NOT NULL DEFAULT '',
    passed INTEGER NOT NULL DEFAULT 0,
    recognition_id INTEGER REFERENCES recognitions (id),
    created_by TEXT NOT NULL,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    UNIQUE (movement_id, participant_id, year, form)
);
CREATE INDEX nominations_unit ON nominations (unit_id, state);

CREATE TABLE nomination_transitions (
    id INTEGER PRIMARY KEY,
    nomination_id INTEGER NOT NULL REFERENCES nominations (id),
    at TEXT NOT NULL,
    actor_id INTEGER,
    actor_name TEXT NOT NULL,
    action TEXT NOT NULL,
    from_state TEXT NOT NULL,
    to_state TEXT NOT NULL,
    detail_json TEXT NOT NULL DEFAULT ''
);
CREATE INDEX nomination_transitions_nomination ON nomination_transitions (nomination_id, id);

CREATE TABLE reward_decisions (
    id INTEGER PRIMARY KEY,
    movement_id INTEGER NOT NULL REFERENCES movements (id),
    form TEXT NOT NULL,
    year INTEGER NOT NULL,
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

CREATE TABLE rewards (
    id INTEGER PRIMARY KEY,
    decision_id INTEGER NOT NULL REFERENCES reward_decisions (id),
    nomination_id INTEGER NOT NULL UNIQUE REFERENCES nominations (id),
    participant_id INTEGER NOT NULL REFERENCES movement_participants (id),
    participant_name TEXT NOT NULL,
    actor_type TEXT NOT NULL,
    form TEXT NOT NULL,
    year INTEGER NOT NULL,
    unit_id INTEGER NOT NULL REFERENCES units (id),
    province_code TEXT NOT NULL,
    code TEXT NOT NULL UNIQUE
);
CREATE INDEX rewards_unit ON rewards (unit_id, year);
