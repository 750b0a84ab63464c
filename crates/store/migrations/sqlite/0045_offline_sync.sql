-- Changes made on a device without network (issue 18) arrive once each: the device names
-- every change with an idempotency key, and the server keeps the key with the outcome in the
-- same transaction as the write, so a change sent again after a lost answer is answered from
-- here and written once. device_time is when the user made the change, arrived_at when it came.
CREATE TABLE sync_ops (
    idem_key TEXT PRIMARY KEY,
    user_id INTEGER NOT NULL,
    kind TEXT NOT NULL,
    entity TEXT NOT NULL,
    entity_id TEXT NOT NULL,
    device_time TEXT NOT NULL,
    arrived_at TEXT NOT NULL,
    outcome_json TEXT NOT NULL
);
CREATE INDEX sync_ops_user ON sync_ops (user_id, arrived_at);
-- A record's version is its latest audit entry: every write is audited in its transaction.
CREATE INDEX audit_log_entity ON audit_log (entity, entity_id, id);
