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
CREATE CONSTRAINT TRIGGER reg_association_branches_gen AFTER INSERT OR DELETE ON reg_association_branches DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION raise_read_generation();
CREATE TRIGGER reg_association_branches_gen_truncate AFTER TRUNCATE ON reg_association_branches FOR EACH STATEMENT EXECUTE FUNCTION raise_read_generation();
CREATE CONSTRAINT TRIGGER sites_gen AFTER INSERT OR DELETE ON sites DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION raise_read_generation();
CREATE TRIGGER sites_gen_truncate AFTER TRUNCATE ON sites FOR EACH STATEMENT EXECUTE FUNCTION raise_read_generation();
-- The few dossiers still in the cycle (`OPEN_STATES`) among a scope's years of decided ones:
-- the inbox and the home page read them by state instead of scanning every dossier.
CREATE INDEX assessments_state ON assessments (state, campaign_id);
-- A campaign's dossiers counted by state within a scope read the index alone (the unit is in
-- it): the home page counts this year's thousands of dossiers on every visit.
DROP INDEX assessments_campaign_state;
CREATE INDEX assessments_campaign_state ON assessments (campaign_id, state, unit_id);
