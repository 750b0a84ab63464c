-- Dossiers at the size of a commune: the campaign page filters and pages by state, village
-- and result, and by who acted; a failing dossier approved by exception keeps its reason
-- (lý do thông qua ngoại lệ), which the decision shows.
ALTER TABLE assessments ADD COLUMN override_reason TEXT NOT NULL DEFAULT '';
CREATE INDEX assessments_campaign_list ON assessments (campaign_id, subject_label, id);
CREATE INDEX assessments_campaign_state ON assessments (campaign_id, state);
CREATE INDEX assessment_transitions_actor ON assessment_transitions (actor_id, assessment_id);
