-- Registries (sổ theo dõi), one table per registry, columns as in
-- hoctap_domain::registry::def. unit_id is the record's place in the hierarchy (for scope),
-- search_key the folded text searched; valid_to ends a record (soft delete).

CREATE TABLE reg_households (
    id INTEGER PRIMARY KEY,
    unit_id INTEGER NOT NULL REFERENCES units (id),
    province_code TEXT NOT NULL,
    search_key TEXT NOT NULL,
    code TEXT,
    head_name TEXT,
    head_cccd TEXT,
    address TEXT,
    village INTEGER,
    members INTEGER,
    note TEXT,
    valid_from TEXT NOT NULL,
    valid_to TEXT NOT NULL,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    UNIQUE (code)
);
CREATE INDEX reg_households_unit ON reg_households (unit_id, id);

CREATE TABLE reg_citizens (
    id INTEGER PRIMARY KEY,
    unit_id INTEGER NOT NULL REFERENCES units (id),
    province_code TEXT NOT NULL,
    search_key TEXT NOT NULL,
    cccd TEXT,
    full_name TEXT,
    birth_date TEXT,
    sex TEXT,
    ethnicity TEXT,
    occupation_group TEXT,
    household TEXT,
    relation TEXT,
    village INTEGER,
    valid_from TEXT NOT NULL,
    valid_to TEXT NOT NULL,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    UNIQUE (cccd)
);
CREATE INDEX reg_citizens_unit ON reg_citizens (unit_id, id);

CREATE TABLE reg_clans (
    id INTEGER PRIMARY KEY,
    unit_id INTEGER NOT NULL REFERENCES units (id),
    province_code TEXT NOT NULL,
    search_key TEXT NOT NULL,
    code TEXT,
    name TEXT,
    branch TEXT,
    head_name TEXT,
    home_commune INTEGER,
    note TEXT,
    valid_from TEXT NOT NULL,
    valid_to TEXT NOT NULL,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    UNIQUE (code)
);
CREATE INDEX reg_clans_unit ON reg_clans (unit_id, id);

CREATE TABLE reg_clan_members (
    id INTEGER PRIMARY KEY,
    unit_id INTEGER NOT NULL REFERENCES units (id),
    province_code TEXT NOT NULL,
    search_key TEXT NOT NULL,
    clan TEXT,
    household TEXT,
    joined_on TEXT,
    valid_from TEXT NOT NULL,
    valid_to TEXT NOT NULL,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    UNIQUE (clan, household)
);
CREATE INDEX reg_clan_members_unit ON reg_clan_members (unit_id, id);

CREATE TABLE reg_organisations (
    id INTEGER PRIMARY KEY,
    unit_id INTEGER NOT NULL REFERENCES units (id),
    province_code TEXT NOT NULL,
    search_key TEXT NOT NULL,
    code TEXT,
    name TEXT,
    kind TEXT,
    management_level TEXT,
    commune INTEGER,
    staff INTEGER,
    head_name TEXT,
    address TEXT,
    valid_from TEXT NOT NULL,
    valid_to TEXT NOT NULL,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    UNIQUE (code)
);
CREATE INDEX reg_organisations_unit ON reg_organisations (unit_id, id);

CREATE TABLE reg_learning_centres (
    id INTEGER PRIMARY KEY,
    unit_id INTEGER NOT NULL REFERENCES units (id),
    province_code TEXT NOT NULL,
    search_key TEXT NOT NULL,
    code TEXT,
    name TEXT,
    commune INTEGER,
    manager_name TEXT,
    manager_is_hkh_chair INTEGER,
    activities_per_year INTEGER,
    learners INTEGER,
    uses_it INTEGER,
    valid_from TEXT NOT NULL,
    valid_to TEXT NOT NULL,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    UNIQUE (code)
);
CREATE INDEX reg_learning_centres_unit ON reg_learning_centres (unit_id, id);

CREATE TABLE reg_association_branches (
    id INTEGER PRIMARY KEY,
    unit_id INTEGER NOT NULL REFERENCES units (id),
    province_code TEXT NOT NULL,
    search_key TEXT NOT NULL,
    code TEXT,
    name TEXT,
    level TEXT,
    unit INTEGER,
    host TEXT,
    chair_name TEXT,
    valid_from TEXT NOT NULL,
    valid_to TEXT NOT NULL,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    UNIQUE (code)
);
CREATE INDEX reg_association_branches_unit ON reg_association_branches (unit_id, id);

CREATE TABLE reg_association_members (
    id INTEGER PRIMARY KEY,
    unit_id INTEGER NOT NULL REFERENCES units (id),
    province_code TEXT NOT NULL,
    search_key TEXT NOT NULL,
    branch TEXT,
    cccd TEXT,
    full_name TEXT,
    joined_on TEXT,
    dues_per_year INTEGER,
    valid_from TEXT NOT NULL,
    valid_to TEXT NOT NULL,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    UNIQUE (branch, cccd)
);
CREATE INDEX reg_association_members_unit ON reg_association_members (unit_id, id);

CREATE TABLE reg_fund_entries (
    id INTEGER PRIMARY KEY,
    unit_id INTEGER NOT NULL REFERENCES units (id),
    province_code TEXT NOT NULL,
    search_key TEXT NOT NULL,
    branch TEXT,
    entry_no TEXT,
    posted_on TEXT,
    kind TEXT,
    amount INTEGER,
    counterparty TEXT,
    beneficiary_cccd TEXT,
    decision TEXT,
    reverses TEXT,
    valid_from TEXT NOT NULL,
    valid_to TEXT NOT NULL,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    UNIQUE (branch, entry_no)
);
CREATE INDEX reg_fund_entries_unit ON reg_fund_entries (unit_id, id);

CREATE INDEX reg_citizens_household ON reg_citizens (household);
CREATE INDEX reg_clan_members_household ON reg_clan_members (household);

-- Every version of every record, for "as at" questions and the history page.
CREATE TABLE registry_history (
    id INTEGER PRIMARY KEY,
    registry TEXT NOT NULL,
    record_id INTEGER NOT NULL,
    valid_from TEXT NOT NULL,
    valid_to TEXT NOT NULL,
    data_json TEXT NOT NULL,
    actor TEXT NOT NULL,
    recorded_at TEXT NOT NULL
);
CREATE INDEX registry_history_record ON registry_history (registry, record_id, valid_from);
