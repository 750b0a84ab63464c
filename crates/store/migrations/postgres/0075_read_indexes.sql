-- Indexes for the logged-in read pages (`hoctap bench pages`). A decision's annex is read a
-- page at a time by name (its recognitions had no index by decision: every read scanned them
-- all); a branch's members likewise, by name (the page's first rows come from the index in
-- order instead of a sort of every member in the territory).
CREATE INDEX recognitions_decision ON recognitions (decision_id, subject_name, id);
CREATE INDEX reg_association_members_name ON reg_association_members (full_name, id);
