-- A dossier's transitions are watched by the read generation too, so the list of a
-- campaign's reviewers (its filter's choices, read over every transition of the campaign on
-- every view of the campaign page) is kept per generation. The store writes a transition with
-- its dossier's new state, which raises the generation already; the trigger makes it exact
-- for any writer.
CREATE TRIGGER assessment_transitions_gen_i AFTER INSERT ON assessment_transitions BEGIN UPDATE read_generation SET n = n + 1 WHERE shard = 0; END;
CREATE TRIGGER assessment_transitions_gen_u AFTER UPDATE ON assessment_transitions BEGIN UPDATE read_generation SET n = n + 1 WHERE shard = 0; END;
CREATE TRIGGER assessment_transitions_gen_d AFTER DELETE ON assessment_transitions BEGIN UPDATE read_generation SET n = n + 1 WHERE shard = 0; END;
