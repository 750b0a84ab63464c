-- The public portal's Last-Modified: the newest edit of a visible item, read from the top of
-- an index instead of a MAX over every item of the country.
CREATE INDEX site_posts_changed ON site_posts (status, updated_at);
-- The newest items of the country in the portal's order (publication, then id) straight from
-- the index: without the id, PostgreSQL sorted every visible item (170 ms a portal page).
DROP INDEX site_posts_latest;
CREATE INDEX site_posts_latest ON site_posts (status, publish_at, id);
-- The association's branches and the sites are watched by the read generation, so public
-- pages give new branches their sites once per change (`sync_branch_sites_once`) instead of
-- comparing every branch with the sites on every visit.
CREATE TRIGGER reg_association_branches_gen_i AFTER INSERT ON reg_association_branches BEGIN UPDATE read_generation SET n = n + 1 WHERE shard = 0; END;
CREATE TRIGGER reg_association_branches_gen_d AFTER DELETE ON reg_association_branches BEGIN UPDATE read_generation SET n = n + 1 WHERE shard = 0; END;
CREATE TRIGGER sites_gen_i AFTER INSERT ON sites BEGIN UPDATE read_generation SET n = n + 1 WHERE shard = 0; END;
CREATE TRIGGER sites_gen_d AFTER DELETE ON sites BEGIN UPDATE read_generation SET n = n + 1 WHERE shard = 0; END;
-- The few dossiers still in the cycle (`OPEN_STATES`) among a scope's years of decided ones:
-- the inbox and the home page read them by state instead of scanning every dossier.
CREATE INDEX assessments_state ON assessments (state, campaign_id);
-- A campaign's dossiers counted by state within a scope read the index alone (the unit is in
-- it): the home page counts this year's thousands of dossiers on every visit.
DROP INDEX assessments_campaign_state;
CREATE INDEX assessments_campaign_state ON assessments (campaign_id, state, unit_id);
