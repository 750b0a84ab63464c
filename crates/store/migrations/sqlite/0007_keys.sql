-- Signing keys of issuing units (Ed25519) for credentials and status lists.
CREATE TABLE unit_keys (
    unit_id INTEGER PRIMARY KEY REFERENCES units (id),
    secret_b64 TEXT NOT NULL,
    created_at TEXT NOT NULL
);
