-- The read generation: a number every change to what the dashboards read raises, in the
-- changing transaction, so a cache keyed by it is exact (several servers on one database
-- included): a reader takes the number before it reads, and a value cached under a number
-- is never served once the number has moved. Triggers, so that no write path can forget it.
-- Watched: the unit tree and its lineage and re-basing, the counters, reported values,
-- plans and targets, campaigns and dossiers.
-- On PostgreSQL the number is raised once per transaction, as it commits (deferred
-- constraint triggers with a flag local to the transaction), so the row stays locked only
-- while the transaction commits and is the last lock it takes (no lock cycle can form), and
-- it is spread over 16 rows (the row of the session's process id; a reader sums them), so
-- concurrent commits seldom wait for each other.
CREATE TABLE read_generation (
    shard INTEGER PRIMARY KEY,
    n BIGINT NOT NULL
);
INSERT INTO read_generation (shard, n) SELECT g, 0 FROM generate_series(0, 15) AS g;
CREATE FUNCTION raise_read_generation() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF current_setting('hoctap.read_generation_raised', true) IS DISTINCT FROM 'yes' THEN
        UPDATE read_generation SET n = n + 1 WHERE shard = pg_backend_pid() % 16;
        PERFORM set_config('hoctap.read_generation_raised', 'yes', true);
    END IF;
    RETURN NULL;
END $$;
CREATE CONSTRAINT TRIGGER units_gen AFTER INSERT OR UPDATE OR DELETE ON units DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION raise_read_generation();
CREATE TRIGGER units_gen_truncate AFTER TRUNCATE ON units FOR EACH STATEMENT EXECUTE FUNCTION raise_read_generation();
CREATE CONSTRAINT TRIGGER unit_parents_gen AFTER INSERT OR UPDATE OR DELETE ON unit_parents DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION raise_read_generation();
CREATE TRIGGER unit_parents_gen_truncate AFTER TRUNCATE ON unit_parents FOR EACH STATEMENT EXECUTE FUNCTION raise_read_generation();
CREATE CONSTRAINT TRIGGER unit_closure_gen AFTER INSERT OR UPDATE OR DELETE ON unit_closure DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION raise_read_generation();
CREATE TRIGGER unit_closure_gen_truncate AFTER TRUNCATE ON unit_closure FOR EACH STATEMENT EXECUTE FUNCTION raise_read_generation();
CREATE CONSTRAINT TRIGGER lineage_events_gen AFTER INSERT OR UPDATE OR DELETE ON lineage_events DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION raise_read_generation();
CREATE TRIGGER lineage_events_gen_truncate AFTER TRUNCATE ON lineage_events FOR EACH STATEMENT EXECUTE FUNCTION raise_read_generation();
CREATE CONSTRAINT TRIGGER lineage_links_gen AFTER INSERT OR UPDATE OR DELETE ON lineage_links DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION raise_read_generation();
CREATE TRIGGER lineage_links_gen_truncate AFTER TRUNCATE ON lineage_links FOR EACH STATEMENT EXECUTE FUNCTION raise_read_generation();
CREATE CONSTRAINT TRIGGER unit_rebase_gen AFTER INSERT OR UPDATE OR DELETE ON unit_rebase DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION raise_read_generation();
CREATE TRIGGER unit_rebase_gen_truncate AFTER TRUNCATE ON unit_rebase FOR EACH STATEMENT EXECUTE FUNCTION raise_read_generation();
CREATE CONSTRAINT TRIGGER rebase_overrides_gen AFTER INSERT OR UPDATE OR DELETE ON rebase_overrides DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION raise_read_generation();
CREATE TRIGGER rebase_overrides_gen_truncate AFTER TRUNCATE ON rebase_overrides FOR EACH STATEMENT EXECUTE FUNCTION raise_read_generation();
CREATE CONSTRAINT TRIGGER stat_deltas_gen AFTER INSERT OR UPDATE OR DELETE ON stat_deltas DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION raise_read_generation();
CREATE TRIGGER stat_deltas_gen_truncate AFTER TRUNCATE ON stat_deltas FOR EACH STATEMENT EXECUTE FUNCTION raise_read_generation();
CREATE CONSTRAINT TRIGGER indicator_reports_gen AFTER INSERT OR UPDATE OR DELETE ON indicator_reports DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION raise_read_generation();
CREATE TRIGGER indicator_reports_gen_truncate AFTER TRUNCATE ON indicator_reports FOR EACH STATEMENT EXECUTE FUNCTION raise_read_generation();
CREATE CONSTRAINT TRIGGER plans_gen AFTER INSERT OR UPDATE OR DELETE ON plans DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION raise_read_generation();
CREATE TRIGGER plans_gen_truncate AFTER TRUNCATE ON plans FOR EACH STATEMENT EXECUTE FUNCTION raise_read_generation();
CREATE CONSTRAINT TRIGGER plan_targets_gen AFTER INSERT OR UPDATE OR DELETE ON plan_targets DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION raise_read_generation();
CREATE TRIGGER plan_targets_gen_truncate AFTER TRUNCATE ON plan_targets FOR EACH STATEMENT EXECUTE FUNCTION raise_read_generation();
CREATE CONSTRAINT TRIGGER campaigns_gen AFTER INSERT OR UPDATE OR DELETE ON campaigns DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION raise_read_generation();
CREATE TRIGGER campaigns_gen_truncate AFTER TRUNCATE ON campaigns FOR EACH STATEMENT EXECUTE FUNCTION raise_read_generation();
CREATE CONSTRAINT TRIGGER assessments_gen AFTER INSERT OR UPDATE OR DELETE ON assessments DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION raise_read_generation();
CREATE TRIGGER assessments_gen_truncate AFTER TRUNCATE ON assessments FOR EACH STATEMENT EXECUTE FUNCTION raise_read_generation();
