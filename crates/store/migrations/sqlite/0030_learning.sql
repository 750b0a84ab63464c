-- Learning itself (issue 16): a community learning centre's programme (courses and one-off
-- activities on a coded, extensible topic list), sessions with the hours they credit, learners
-- (citizens of the registry or walk-ins), attendance, citizens' other learning with evidence,
-- and citizens' interest in a public activity. Counters: crate::learning writes stat_deltas in
-- the same transaction as each change.

CREATE TABLE learning_topics (
    code TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    digital INTEGER NOT NULL DEFAULT 0,
    created_at TEXT NOT NULL
);

-- unit_id: the centre's commune when the activity was created (scope and counters).
CREATE TABLE learning_activities (
    id INTEGER PRIMARY KEY,
    centre_id INTEGER NOT NULL REFERENCES reg_learning_centres (id),
    unit_id INTEGER NOT NULL REFERENCES units (id),
    province_code TEXT NOT NULL,
    kind TEXT NOT NULL,
    title TEXT NOT NULL,
    topic TEXT NOT NULL REFERENCES learning_topics (code),
    starts_on TEXT NOT NULL,
    ends_on TEXT NOT NULL,
    year INTEGER NOT NULL,
    place_kind TEXT NOT NULL,
    place TEXT NOT NULL DEFAULT '',
    teacher TEXT NOT NULL DEFAULT '',
    partner_kind TEXT NOT NULL DEFAULT 'khong',
    partner TEXT NOT NULL DEFAULT '',
    capacity INTEGER,
    funding TEXT NOT NULL,
    note TEXT NOT NULL DEFAULT '',
    created_by TEXT NOT NULL,
    created_at TEXT NOT NULL
);
CREATE INDEX learning_activities_centre ON learning_activities (centre_id, year, starts_on);
CREATE INDEX learning_activities_unit ON learning_activities (unit_id, year);
CREATE INDEX learning_activities_province ON learning_activities (province_code, year);

CREATE TABLE learning_sessions (
    id INTEGER PRIMARY KEY,
    activity_id INTEGER NOT NULL REFERENCES learning_activities (id),
    held_on TEXT NOT NULL,
    hours_tenths INTEGER NOT NULL,
    title TEXT NOT NULL DEFAULT '',
    roll_taken_at TEXT NOT NULL DEFAULT '',
    -- Learners present (the count of its attendance rows, written with them): the year's
    -- report sums sessions, never the attendance rows.
    present INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX learning_sessions_activity ON learning_sessions (activity_id, held_on);

-- A learner of an activity: a citizen of the registry (citizen_id) or a walk-in (name, year
-- of birth, village). Sex, year of birth and ethnicity are copied for the yearly report.
CREATE TABLE learning_enrolments (
    id INTEGER PRIMARY KEY,
    activity_id INTEGER NOT NULL REFERENCES learning_activities (id),
    citizen_id INTEGER REFERENCES reg_citizens (id),
    full_name TEXT NOT NULL,
    birth_year INTEGER,
    sex TEXT NOT NULL DEFAULT '',
    ethnicity TEXT NOT NULL DEFAULT '',
    village_id INTEGER REFERENCES units (id),
    created_at TEXT NOT NULL,
    UNIQUE (activity_id, citizen_id)
);
CREATE INDEX learning_enrolments_citizen ON learning_enrolments (citizen_id);

-- Present at a session (a row = present; absent = no row).
CREATE TABLE learning_attendance (
    session_id INTEGER NOT NULL REFERENCES learning_sessions (id),
    enrolment_id INTEGER NOT NULL REFERENCES learning_enrolments (id),
    PRIMARY KEY (session_id, enrolment_id)
);
CREATE INDEX learning_attendance_enrolment ON learning_attendance (enrolment_id);

-- Other learning of a citizen (a course elsewhere, an online course) with its evidence;
-- self-declared (tự khai) until an officer confirms it.
CREATE TABLE learning_other (
    id INTEGER PRIMARY KEY,
    citizen_id INTEGER NOT NULL REFERENCES reg_citizens (id),
    unit_id INTEGER NOT NULL REFERENCES units (id),
    year INTEGER NOT NULL,
    title TEXT NOT NULL,
    topic TEXT REFERENCES learning_topics (code),
    provider TEXT NOT NULL DEFAULT '',
    hours_tenths INTEGER NOT NULL,
    evidence TEXT NOT NULL DEFAULT '',
    declared_by TEXT NOT NULL,
    by_citizen INTEGER NOT NULL,
    confirmed_by TEXT NOT NULL DEFAULT '',
    confirmed_at TEXT NOT NULL DEFAULT '',
    created_at TEXT NOT NULL
);
CREATE INDEX learning_other_citizen ON learning_other (citizen_id, year);

-- "Đăng ký quan tâm": a signed-in citizen's interest in a public activity.
CREATE TABLE learning_interest (
    activity_id INTEGER NOT NULL REFERENCES learning_activities (id),
    user_id INTEGER NOT NULL REFERENCES users (id),
    created_at TEXT NOT NULL,
    PRIMARY KEY (activity_id, user_id)
);

INSERT INTO learning_topics (code, name, digital, created_at) VALUES
    ('phap-luat', 'Pháp luật', 0, '2026-01-01T00:00:00Z'),
    ('nong-nghiep', 'Nông nghiệp, khuyến nông', 0, '2026-01-01T00:00:00Z'),
    ('ky-nang-so', 'Kỹ năng số', 1, '2026-01-01T00:00:00Z'),
    ('ngoai-ngu', 'Ngoại ngữ', 0, '2026-01-01T00:00:00Z'),
    ('van-hoa', 'Văn hóa, văn nghệ, thể thao', 0, '2026-01-01T00:00:00Z'),
    ('suc-khoe', 'Sức khỏe, dân số', 0, '2026-01-01T00:00:00Z'),
    ('nghe-nghiep', 'Dạy nghề, việc làm', 0, '2026-01-01T00:00:00Z'),
    ('xoa-mu-chu', 'Xóa mù chữ, sau biết chữ', 0, '2026-01-01T00:00:00Z'),
    ('moi-truong', 'Môi trường, biến đổi khí hậu', 0, '2026-01-01T00:00:00Z'),
    ('gia-dinh', 'Gia đình, trẻ em, bình đẳng giới', 0, '2026-01-01T00:00:00Z');
