-- Public sites (trang thông tin điện tử) of the Hội Khuyến học and the units: one row per
-- site, its items (tin tức, văn bản, tài liệu bồi dưỡng) with every saved version, and the
-- files they show (cover images in web sizes, attachments), stored once by SHA-256.
CREATE TABLE sites (
    id INTEGER PRIMARY KEY,
    -- 'hoi' (a branch of the association registry) or 'don-vi' (an administrative unit).
    kind TEXT NOT NULL,
    branch_id INTEGER REFERENCES reg_association_branches (id),
    -- The unit whose officers (in scope) edit the site: the branch's unit or the unit itself.
    unit_id INTEGER NOT NULL REFERENCES units (id),
    -- The address: /hoi/{slug}, or the unit's code for /don-vi/{code}/trang.
    slug TEXT NOT NULL,
    name TEXT NOT NULL,
    created_at TEXT NOT NULL,
    UNIQUE (kind, slug)
);
CREATE UNIQUE INDEX sites_branch ON sites (branch_id);
CREATE INDEX sites_unit ON sites (unit_id);

CREATE TABLE site_files (
    sha256 TEXT PRIMARY KEY,
    size INTEGER NOT NULL,
    mime TEXT NOT NULL,
    width INTEGER NOT NULL DEFAULT 0,
    height INTEGER NOT NULL DEFAULT 0,
    bytes BLOB NOT NULL,
    created_at TEXT NOT NULL
);

CREATE TABLE site_posts (
    id INTEGER PRIMARY KEY,
    site_id INTEGER NOT NULL REFERENCES sites (id),
    kind TEXT NOT NULL,
    slug TEXT NOT NULL,
    title TEXT NOT NULL,
    summary TEXT NOT NULL DEFAULT '',
    body_md TEXT NOT NULL DEFAULT '',
    -- The body rendered from Markdown and sanitised when saved: pages never render it again.
    body_html TEXT NOT NULL DEFAULT '',
    topic TEXT NOT NULL DEFAULT '',
    video_url TEXT NOT NULL DEFAULT '',
    cover_sha TEXT REFERENCES site_files (sha256),
    thumb_sha TEXT REFERENCES site_files (sha256),
    file_sha TEXT REFERENCES site_files (sha256),
    file_name TEXT NOT NULL DEFAULT '',
    file_mime TEXT NOT NULL DEFAULT '',
    -- 'draft', 'published' (visible from publish_at), 'unpublished'.
    status TEXT NOT NULL,
    publish_at TEXT,
    -- Folded (no diacritics, lower case) title, summary and text: the site-wide search.
    search_text TEXT NOT NULL DEFAULT '',
    version INTEGER NOT NULL,
    created_by TEXT NOT NULL,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    UNIQUE (site_id, slug)
);
CREATE INDEX site_posts_list ON site_posts (site_id, kind, status, publish_at);
CREATE INDEX site_posts_latest ON site_posts (status, publish_at);

-- Every saved version of an item (lịch sử phiên bản), never changed.
CREATE TABLE site_post_versions (
    post_id INTEGER NOT NULL REFERENCES site_posts (id),
    version INTEGER NOT NULL,
    title TEXT NOT NULL,
    summary TEXT NOT NULL,
    body_md TEXT NOT NULL,
    status TEXT NOT NULL,
    publish_at TEXT,
    saved_by TEXT NOT NULL,
    saved_at TEXT NOT NULL,
    PRIMARY KEY (post_id, version)
);
CREATE TRIGGER site_post_versions_no_update BEFORE UPDATE ON site_post_versions
BEGIN SELECT RAISE(ABORT, 'phiên bản đã lưu không sửa được'); END;
CREATE TRIGGER site_post_versions_no_delete BEFORE DELETE ON site_post_versions
BEGIN SELECT RAISE(ABORT, 'phiên bản đã lưu không xóa được'); END;

-- Title lookups by name (tra cứu danh hiệu), counted per address like failed logins.
CREATE TABLE public_lookups (
    key TEXT NOT NULL,
    at TEXT NOT NULL
);
CREATE INDEX public_lookups_key ON public_lookups (key, at);
