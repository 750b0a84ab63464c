-- Foundation: effective-dated units, parent edges, closure, lineage, attributes, users,
-- sessions, login throttling, audit. Dates are ISO text ('YYYY-MM-DD'), instants are
-- RFC 3339 text in UTC, flags are 0/1 integers: the same values on both engines.
CREATE TABLE units (
    id INTEGER PRIMARY KEY,
    code TEXT NOT NULL,
    name TEXT NOT NULL,
    name_folded TEXT NOT NULL,
    kind TEXT NOT NULL,
    unit_type TEXT NOT NULL,
    province_code TEXT NOT NULL,
    valid_from TEXT NOT NULL,
    valid_to TEXT NOT NULL,
    note TEXT NOT NULL DEFAULT ''
);
CREATE INDEX units_code ON units (code, valid_from);
CREATE INDEX units_kind ON units (kind, valid_from, valid_to);
CREATE INDEX units_folded ON units (name_folded);

CREATE TABLE unit_parents (
    child_id INTEGER NOT NULL REFERENCES units (id),
    parent_id INTEGER NOT NULL REFERENCES units (id),
    valid_from TEXT NOT NULL,
    valid_to TEXT NOT NULL,
    PRIMARY KEY (child_id, valid_from)
);
CREATE INDEX unit_parents_parent ON unit_parents (parent_id, valid_from);

CREATE TABLE unit_closure (
    ancestor_id INTEGER NOT NULL,
    descendant_id INTEGER NOT NULL,
    depth INTEGER NOT NULL,
    valid_from TEXT NOT NULL,
    valid_to TEXT NOT NULL,
    PRIMARY KEY (ancestor_id, descendant_id, valid_from)
);
CREATE INDEX unit_closure_descendant ON unit_closure (descendant_id, depth);

CREATE TABLE lineage_events (
    id INTEGER PRIMARY KEY,
    kind TEXT NOT NULL,
    effective_on TEXT NOT NULL,
    legal_act TEXT NOT NULL,
    note TEXT NOT NULL DEFAULT ''
);

CREATE TABLE lineage_links (
    event_id INTEGER NOT NULL REFERENCES lineage_events (id),
    predecessor_id INTEGER NOT NULL REFERENCES units (id),
    successor_id INTEGER NOT NULL REFERENCES units (id),
    PRIMARY KEY (event_id, predecessor_id, successor_id)
);
CREATE INDEX lineage_links_pred ON lineage_links (predecessor_id);
CREATE INDEX lineage_links_succ ON lineage_links (successor_id);

CREATE TABLE unit_attributes (
    id INTEGER PRIMARY KEY,
    unit_id INTEGER NOT NULL REFERENCES units (id),
    attribute TEXT NOT NULL,
    valid_from TEXT NOT NULL,
    valid_to TEXT NOT NULL,
    legal_act TEXT NOT NULL DEFAULT ''
);
CREATE INDEX unit_attributes_unit ON unit_attributes (unit_id, attribute);

CREATE TABLE users (
    id INTEGER PRIMARY KEY,
    username TEXT NOT NULL UNIQUE,
    full_name TEXT NOT NULL,
    password_hash TEXT NOT NULL,
    role TEXT NOT NULL,
    unit_id INTEGER NOT NULL REFERENCES units (id),
    active INTEGER NOT NULL DEFAULT 1,
    must_change_password INTEGER NOT NULL DEFAULT 0,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
CREATE INDEX users_unit ON users (unit_id);

CREATE TABLE sessions (
    id_hash TEXT PRIMARY KEY,
    user_id INTEGER NOT NULL REFERENCES users (id),
    csrf_token TEXT NOT NULL,
    created_at TEXT NOT NULL,
    expires_at TEXT NOT NULL
);
CREATE INDEX sessions_user ON sessions (user_id);

CREATE TABLE login_throttle (
    login_key TEXT PRIMARY KEY,
    failures INTEGER NOT NULL,
    locked_until TEXT NOT NULL
);

CREATE TABLE audit_log (
    id INTEGER PRIMARY KEY,
    at TEXT NOT NULL,
    user_id INTEGER,
    username TEXT NOT NULL,
    unit_id INTEGER,
    province_code TEXT NOT NULL DEFAULT '',
    action TEXT NOT NULL,
    entity TEXT NOT NULL,
    entity_id TEXT NOT NULL,
    before_json TEXT NOT NULL DEFAULT '',
    after_json TEXT NOT NULL DEFAULT ''
);
CREATE INDEX audit_log_unit ON audit_log (unit_id, id);
CREATE INDEX audit_log_at ON audit_log (at);

-- The audit log is append-only: the database itself refuses changes.
CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END;
CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log
BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END;
