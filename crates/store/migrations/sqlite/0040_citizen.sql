-- Citizen self-service and notifications (issue 17 §3–§4).

-- In-app notifications (thông báo) of a user. `dedup_key` makes a reminder once per user
-- (a deadline 7/3/1 days ahead, a late report); NULL for events that happen once anyway.
CREATE TABLE notifications (
    id INTEGER PRIMARY KEY,
    user_id INTEGER NOT NULL REFERENCES users (id),
    kind TEXT NOT NULL,
    subject TEXT NOT NULL,
    body TEXT NOT NULL,
    link TEXT NOT NULL DEFAULT '',
    dedup_key TEXT,
    created_at TEXT NOT NULL,
    read_at TEXT NOT NULL DEFAULT ''
);
CREATE INDEX notifications_user ON notifications (user_id, id);
CREATE UNIQUE INDEX notifications_dedup ON notifications (user_id, dedup_key);

-- A user's choices: the e-mail address, `immediate` / `digest` (one mail a day) / `off`, and
-- the kinds never sent by mail (comma list). The digest remembers the last notification it held.
CREATE TABLE notification_prefs (
    user_id INTEGER PRIMARY KEY REFERENCES users (id),
    email TEXT NOT NULL DEFAULT '',
    mode TEXT NOT NULL DEFAULT 'immediate',
    kinds_off TEXT NOT NULL DEFAULT '',
    digest_on TEXT NOT NULL DEFAULT '',
    digest_last_id INTEGER NOT NULL DEFAULT 0
);

-- The mail queue (outbox): written in the transaction of the notification, claimed by a
-- sender with a lease, marked sent by the holder of the lease; failures retried with backoff.
CREATE TABLE mail_outbox (
    id INTEGER PRIMARY KEY,
    user_id INTEGER REFERENCES users (id),
    to_addr TEXT NOT NULL,
    subject TEXT NOT NULL,
    body TEXT NOT NULL,
    created_at TEXT NOT NULL,
    attempts INTEGER NOT NULL DEFAULT 0,
    next_attempt_at TEXT NOT NULL,
    lease_owner TEXT NOT NULL DEFAULT '',
    lease_until TEXT NOT NULL DEFAULT '',
    sent_at TEXT NOT NULL DEFAULT '',
    last_error TEXT NOT NULL DEFAULT ''
);
CREATE INDEX mail_outbox_due ON mail_outbox (sent_at, next_attempt_at);

-- A citizen's request to correct their registry data (yêu cầu đính chính): the record's
-- values then and the proposed ones, answered by the commune's officer.
CREATE TABLE correction_requests (
    id INTEGER PRIMARY KEY,
    citizen_id INTEGER NOT NULL,
    user_id INTEGER NOT NULL REFERENCES users (id),
    unit_id INTEGER NOT NULL REFERENCES units (id),
    current_json TEXT NOT NULL,
    proposed_json TEXT NOT NULL,
    note TEXT NOT NULL DEFAULT '',
    state TEXT NOT NULL DEFAULT 'pending',
    answer TEXT NOT NULL DEFAULT '',
    decided_by TEXT NOT NULL DEFAULT '',
    decided_at TEXT NOT NULL DEFAULT '',
    created_at TEXT NOT NULL
);
CREATE INDEX correction_requests_unit ON correction_requests (state, unit_id);
CREATE INDEX correction_requests_user ON correction_requests (user_id, id);

-- A citizen's one-time sign-in code (mã kích hoạt), handed over by the commune's officer on
-- a printed slip: only its hash, until it expires or is used.
CREATE TABLE citizen_codes (
    user_id INTEGER PRIMARY KEY REFERENCES users (id),
    code_hash TEXT NOT NULL,
    expires_at TEXT NOT NULL,
    created_by TEXT NOT NULL,
    created_at TEXT NOT NULL
);
