-- Signing keys of issuing units, several per unit: the newest unretired one signs, the older
-- ones stay published so that what they signed still verifies (rotation). The secret is sealed
-- under the deployment key (ChaCha20-Poly1305: nonce, ciphertext and tag, base64), which is
-- kept outside the database. A key exists only once the unit has issued a decision. The clear
-- keys of 0007 (unit_keys) cannot be sealed in SQL: the application seals those of units that
-- issued and drops the others at its next start.
CREATE TABLE signing_keys (
    id INTEGER PRIMARY KEY,
    unit_id INTEGER NOT NULL REFERENCES units (id),
    version INTEGER NOT NULL,
    public_key TEXT NOT NULL,
    sealed_secret TEXT NOT NULL,
    created_at TEXT NOT NULL,
    created_by TEXT NOT NULL,
    retired_at TEXT NOT NULL DEFAULT '',
    UNIQUE (unit_id, version)
);
