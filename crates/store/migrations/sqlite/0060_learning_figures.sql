-- The year's report of a province's learning centres reads figures kept per activity, never the
-- enrolment or attendance rows (issue 16: 1,000 centres and 2 million attendance rows in ≤ 2 s).
-- crate::learning rewrites an activity's figures in the transaction of every write that touches
-- it (session, roll call, learner, correction); `hoctap recount` rebuilds them the same way.

-- Buổi học, lượt người học (of whom walk-ins), lượt có mặt and giờ học của người học.
ALTER TABLE learning_activities ADD COLUMN n_sessions INTEGER NOT NULL DEFAULT 0;
ALTER TABLE learning_activities ADD COLUMN n_enrolments INTEGER NOT NULL DEFAULT 0;
ALTER TABLE learning_activities ADD COLUMN n_walk_ins INTEGER NOT NULL DEFAULT 0;
ALTER TABLE learning_activities ADD COLUMN n_attendances INTEGER NOT NULL DEFAULT 0;
ALTER TABLE learning_activities ADD COLUMN learner_hours_tenths INTEGER NOT NULL DEFAULT 0;
CREATE INDEX learning_activities_year ON learning_activities (year, unit_id);

-- An activity's learners by sex (the code as enrolled), by age group on 31/12 of the
-- activity's year (domain::learning::AgeGroup codes) and by ethnicity (as enrolled).
CREATE TABLE learning_activity_breakdown (
    activity_id INTEGER NOT NULL REFERENCES learning_activities (id),
    dim TEXT NOT NULL,
    value TEXT NOT NULL,
    enrolments INTEGER NOT NULL,
    PRIMARY KEY (activity_id, dim, value)
);

UPDATE learning_activities SET
    n_sessions = (SELECT COUNT(*) FROM learning_sessions s WHERE s.activity_id = learning_activities.id),
    n_attendances = (SELECT COALESCE(SUM(s.present), 0) FROM learning_sessions s WHERE s.activity_id = learning_activities.id),
    learner_hours_tenths = (SELECT COALESCE(SUM(s.present * s.hours_tenths), 0) FROM learning_sessions s WHERE s.activity_id = learning_activities.id),
    n_enrolments = (SELECT COUNT(*) FROM learning_enrolments e WHERE e.activity_id = learning_activities.id),
    n_walk_ins = (SELECT COUNT(*) FROM learning_enrolments e WHERE e.activity_id = learning_activities.id AND e.citizen_id IS NULL);

INSERT INTO learning_activity_breakdown (activity_id, dim, value, enrolments)
SELECT e.activity_id, 'sex', e.sex, COUNT(*) FROM learning_enrolments e GROUP BY e.activity_id, e.sex
UNION ALL
SELECT e.activity_id, 'ethnicity', e.ethnicity, COUNT(*) FROM learning_enrolments e GROUP BY e.activity_id, e.ethnicity
UNION ALL
SELECT x.activity_id, 'age', x.g, COUNT(*) FROM (
    SELECT e.activity_id,
        CASE WHEN e.birth_year IS NULL THEN 'chua-ro'
             WHEN a.year - e.birth_year < 18 THEN 'duoi-18'
             WHEN a.year - e.birth_year <= 35 THEN '18-35'
             WHEN a.year - e.birth_year <= 60 THEN '36-60'
             ELSE 'tren-60' END AS g
    FROM learning_enrolments e JOIN learning_activities a ON a.id = e.activity_id
) x GROUP BY x.activity_id, x.g;
