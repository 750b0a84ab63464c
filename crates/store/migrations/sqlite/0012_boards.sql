-- Steering boards (Ban chỉ đạo xây dựng XHHT, Ban chỉ đạo phong trào thi đua) of a unit, with
-- their members, and the plans' tasks handed to agencies with their status reports.

-- A board of a unit, set up by a decision, for a term (half-open, 9999-12-31 = open).
CREATE TABLE boards (
    id INTEGER PRIMARY KEY,
    unit_id INTEGER NOT NULL REFERENCES units (id),
    province_code TEXT NOT NULL,
    kind TEXT NOT NULL,
    name TEXT NOT NULL,
    decision TEXT NOT NULL DEFAULT '',
    decision_on TEXT NOT NULL DEFAULT '',
    standing_agency TEXT NOT NULL DEFAULT '',
    term_from TEXT NOT NULL,
    term_to TEXT NOT NULL,
    created_by TEXT NOT NULL,
    created_at TEXT NOT NULL
);
CREATE INDEX boards_unit ON boards (unit_id, term_to);

-- Members: name, position and agency, role in the board, optionally a user account.
CREATE TABLE board_members (
    id INTEGER PRIMARY KEY,
    board_id INTEGER NOT NULL REFERENCES boards (id),
    province_code TEXT NOT NULL,
    full_name TEXT NOT NULL,
    position TEXT NOT NULL DEFAULT '',
    role TEXT NOT NULL,
    user_id INTEGER REFERENCES users (id),
    term_from TEXT NOT NULL,
    term_to TEXT NOT NULL,
    created_at TEXT NOT NULL
);
CREATE INDEX board_members_board ON board_members (board_id, term_to);

-- A plan's task for one year (yearly tasks) or once, materialised from plan_json: task_no is
-- its place in the plan (from 1). unit_id is the plan's unit. The assignee is an agency name,
-- and optionally a unit (its officers report) or a user. status, progress and last_report_on
-- repeat the latest report (written in the report's transaction) so lists filter by index.
CREATE TABLE plan_tasks (
    id INTEGER PRIMARY KEY,
    plan_id INTEGER NOT NULL REFERENCES plans (id),
    unit_id INTEGER NOT NULL,
    province_code TEXT NOT NULL,
    task_no INTEGER NOT NULL,
    year INTEGER NOT NULL,
    name TEXT NOT NULL,
    lead TEXT NOT NULL,
    supporting_json TEXT NOT NULL,
    deadline_text TEXT NOT NULL DEFAULT '',
    due_on TEXT NOT NULL,
    assignee_agency TEXT NOT NULL DEFAULT '',
    assignee_unit_id INTEGER REFERENCES units (id),
    assignee_user_id INTEGER REFERENCES users (id),
    status TEXT NOT NULL DEFAULT '',
    progress INTEGER NOT NULL DEFAULT 0,
    last_report_on TEXT NOT NULL DEFAULT '',
    created_at TEXT NOT NULL,
    UNIQUE (plan_id, task_no, year)
);
CREATE INDEX plan_tasks_unit ON plan_tasks (unit_id, due_on);
CREATE INDEX plan_tasks_assignee_user ON plan_tasks (assignee_user_id);
CREATE INDEX plan_tasks_assignee_unit ON plan_tasks (assignee_unit_id);

-- Status reports: appended, never edited or deleted, whoever writes SQL (triggers below; only
-- province_code may follow a reorganisation); the evidence file, if any, is stored once by
-- SHA-256 in evidence_files.
CREATE TABLE task_reports (
    id INTEGER PRIMARY KEY,
    task_id INTEGER NOT NULL REFERENCES plan_tasks (id),
    province_code TEXT NOT NULL,
    reported_on TEXT NOT NULL,
    status TEXT NOT NULL,
    progress INTEGER NOT NULL,
    text TEXT NOT NULL,
    evidence_sha256 TEXT REFERENCES evidence_files (sha256),
    evidence_name TEXT NOT NULL DEFAULT '',
    user_id INTEGER,
    username TEXT NOT NULL,
    created_at TEXT NOT NULL
);
CREATE INDEX task_reports_task ON task_reports (task_id, id);
CREATE TRIGGER task_reports_no_update
BEFORE UPDATE OF task_id, reported_on, status, progress, text, evidence_sha256, evidence_name, user_id, username, created_at ON task_reports
BEGIN SELECT RAISE(ABORT, 'báo cáo tiến độ đã gửi không sửa được; hãy gửi một báo cáo mới'); END;
CREATE TRIGGER task_reports_no_delete BEFORE DELETE ON task_reports
BEGIN SELECT RAISE(ABORT, 'báo cáo tiến độ đã gửi không xóa được'); END;
