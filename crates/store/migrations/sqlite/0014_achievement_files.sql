-- A scanned or photographed proof attached to an achievement (thành tích, sáng kiến), kept
-- once by SHA-256 in evidence_files beside the dossiers' evidence.
ALTER TABLE movement_achievements ADD COLUMN file_sha256 TEXT REFERENCES evidence_files (sha256);
ALTER TABLE movement_achievements ADD COLUMN file_name TEXT;
