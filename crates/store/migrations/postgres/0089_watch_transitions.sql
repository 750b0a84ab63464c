-- A dossier's transitions are watched by the read generation too, so the list of a
-- campaign's reviewers (its filter's choices, read over every transition of the campaign on
-- every view of the campaign page) is kept per generation. The store writes a transition with
-- its dossier's new state, which raises the generation already; the trigger makes it exact
-- for any writer (raised once per transaction, as the others).
CREATE CONSTRAINT TRIGGER assessment_transitions_gen AFTER INSERT OR UPDATE OR DELETE ON assessment_transitions DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION raise_read_generation();
CREATE TRIGGER assessment_transitions_gen_truncate AFTER TRUNCATE ON assessment_transitions FOR EACH STATEMENT EXECUTE FUNCTION raise_read_generation();
