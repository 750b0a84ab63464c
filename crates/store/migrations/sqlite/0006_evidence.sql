-- Evidence (minh chứng): each file stored once by its SHA-256, described and coded per
-- dossier, linked to one or more indicators.
CREATE TABLE evidence_files (
    sha256 TEXT PRIMARY KEY,
    size INTEGER NOT NULL,
    mime TEXT NOT NULL,
    bytes BLOB NOT NULL,
    created_at TEXT NOT NULL
);

CREATE TABLE evidence (
    id INTEGER PRIMARY KEY,
    assessment_id INTEGER NOT NULL REFERENCES assessments (id),
    sha256 TEXT NOT NULL REFERENCES evidence_files (sha256),
    code TEXT NOT NULL,
    doc_type TEXT NOT NULL,
    title TEXT NOT NULL,
    issued_on TEXT NOT NULL DEFAULT '',
    issuer TEXT NOT NULL DEFAULT '',
    file_name TEXT NOT NULL,
    created_by TEXT NOT NULL,
    created_at TEXT NOT NULL,
    UNIQUE (assessment_id, code)
);

CREATE TABLE evidence_links (
    evidence_id INTEGER NOT NULL REFERENCES evidence (id),
    indicator_id TEXT NOT NULL,
    PRIMARY KEY (evidence_id, indicator_id)
);
