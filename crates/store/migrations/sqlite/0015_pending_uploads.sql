-- Uploads checked and waiting to be applied (tệp đã kiểm tra, chờ ghi): kept for the user
-- who uploaded them, by content hash, until they are applied or expire; a large import is
-- applied from here by reference instead of travelling back through the page.
CREATE TABLE pending_uploads (
    owner_id INTEGER NOT NULL REFERENCES users (id),
    purpose TEXT NOT NULL,
    sha256 TEXT NOT NULL,
    file_name TEXT NOT NULL,
    size INTEGER NOT NULL,
    bytes BLOB NOT NULL,
    created_at TEXT NOT NULL,
    expires_at TEXT NOT NULL,
    PRIMARY KEY (owner_id, purpose, sha256)
);

CREATE INDEX pending_uploads_expiry ON pending_uploads (expires_at);
