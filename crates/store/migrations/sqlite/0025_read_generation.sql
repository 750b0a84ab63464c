-- The read generation: a number every change to what the dashboards read raises, in the
-- changing transaction, so a cache keyed by it is exact (several servers on one database
-- included): a reader takes the number before it reads, and a value cached under a number
-- is never served once the number has moved. Triggers, so that no write path can forget it.
-- Watched: the unit tree and its lineage and re-basing, the counters, reported values,
-- plans and targets, campaigns and dossiers.
CREATE TABLE read_generation (
    shard INTEGER PRIMARY KEY,
    n INTEGER NOT NULL
);
INSERT INTO read_generation (shard, n) VALUES (0, 0);
CREATE TRIGGER units_gen_i AFTER INSERT ON units BEGIN UPDATE read_generation SET n = n + 1 WHERE shard = 0; END;
CREATE TRIGGER units_gen_u AFTER UPDATE ON units BEGIN UPDATE read_generation SET n = n + 1 WHERE shard = 0; END;
CREATE TRIGGER units_gen_d AFTER DELETE ON units BEGIN UPDATE read_generation SET n = n + 1 WHERE shard = 0; END;
CREATE TRIGGER unit_parents_gen_i AFTER INSERT ON unit_parents BEGIN UPDATE read_generation SET n = n + 1 WHERE shard = 0; END;
CREATE TRIGGER unit_parents_gen_u AFTER UPDATE ON unit_parents BEGIN UPDATE read_generation SET n = n + 1 WHERE shard = 0; END;
CREATE TRIGGER unit_parents_gen_d AFTER DELETE ON unit_parents BEGIN UPDATE read_generation SET n = n + 1 WHERE shard = 0; END;
CREATE TRIGGER unit_closure_gen_i AFTER INSERT ON unit_closure BEGIN UPDATE read_generation SET n = n + 1 WHERE shard = 0; END;
CREATE TRIGGER unit_closure_gen_u AFTER UPDATE ON unit_closure BEGIN UPDATE read_generation SET n = n + 1 WHERE shard = 0; END;
CREATE TRIGGER unit_closure_gen_d AFTER DELETE ON unit_closure BEGIN UPDATE read_generation SET n = n + 1 WHERE shard = 0; END;
CREATE TRIGGER lineage_events_gen_i AFTER INSERT ON lineage_events BEGIN UPDATE read_generation SET n = n + 1 WHERE shard = 0; END;
CREATE TRIGGER lineage_events_gen_u AFTER UPDATE ON lineage_events BEGIN UPDATE read_generation SET n = n + 1 WHERE shard = 0; END;
CREATE TRIGGER lineage_events_gen_d AFTER DELETE ON lineage_events BEGIN UPDATE read_generation SET n = n + 1 WHERE shard = 0; END;
CREATE TRIGGER lineage_links_gen_i AFTER INSERT ON lineage_links BEGIN UPDATE read_generation SET n = n + 1 WHERE shard = 0; END;
CREATE TRIGGER lineage_links_gen_u AFTER UPDATE ON lineage_links BEGIN UPDATE read_generation SET n = n + 1 WHERE shard = 0; END;
CREATE TRIGGER lineage_links_gen_d AFTER DELETE ON lineage_links BEGIN UPDATE read_generation SET n = n + 1 WHERE shard = 0; END;
CREATE TRIGGER unit_rebase_gen_i AFTER INSERT ON unit_rebase BEGIN UPDATE read_generation SET n = n + 1 WHERE shard = 0; END;
CREATE TRIGGER unit_rebase_gen_u AFTER UPDATE ON unit_rebase BEGIN UPDATE read_generation SET n = n + 1 WHERE shard = 0; END;
CREATE TRIGGER unit_rebase_gen_d AFTER DELETE ON unit_rebase BEGIN UPDATE read_generation SET n = n + 1 WHERE shard = 0; END;
CREATE TRIGGER rebase_overrides_gen_i AFTER INSERT ON rebase_overrides BEGIN UPDATE read_generation SET n = n + 1 WHERE shard = 0; END;
CREATE TRIGGER rebase_overrides_gen_u AFTER UPDATE ON rebase_overrides BEGIN UPDATE read_generation SET n = n + 1 WHERE shard = 0; END;
CREATE TRIGGER rebase_overrides_gen_d AFTER DELETE ON rebase_overrides BEGIN UPDATE read_generation SET n = n + 1 WHERE shard = 0; END;
CREATE TRIGGER stat_deltas_gen_i AFTER INSERT ON stat_deltas BEGIN UPDATE read_generation SET n = n + 1 WHERE shard = 0; END;
CREATE TRIGGER stat_deltas_gen_u AFTER UPDATE ON stat_deltas BEGIN UPDATE read_generation SET n = n + 1 WHERE shard = 0; END;
CREATE TRIGGER stat_deltas_gen_d AFTER DELETE ON stat_deltas BEGIN UPDATE read_generation SET n = n + 1 WHERE shard = 0; END;
CREATE TRIGGER indicator_reports_gen_i AFTER INSERT ON indicator_reports BEGIN UPDATE read_generation SET n = n + 1 WHERE shard = 0; END;
CREATE TRIGGER indicator_reports_gen_u AFTER UPDATE ON indicator_reports BEGIN UPDATE read_generation SET n = n + 1 WHERE shard = 0; END;
CREATE TRIGGER indicator_reports_gen_d AFTER DELETE ON indicator_reports BEGIN UPDATE read_generation SET n = n + 1 WHERE shard = 0; END;
CREATE TRIGGER plans_gen_i AFTER INSERT ON plans BEGIN UPDATE read_generation SET n = n + 1 WHERE shard = 0; END;
CREATE TRIGGER plans_gen_u AFTER UPDATE ON plans BEGIN UPDATE read_generation SET n = n + 1 WHERE shard = 0; END;
CREATE TRIGGER plans_gen_d AFTER DELETE ON plans BEGIN UPDATE read_generation SET n = n + 1 WHERE shard = 0; END;
CREATE TRIGGER plan_targets_gen_i AFTER INSERT ON plan_targets BEGIN UPDATE read_generation SET n = n + 1 WHERE shard = 0; END;
CREATE TRIGGER plan_targets_gen_u AFTER UPDATE ON plan_targets BEGIN UPDATE read_generation SET n = n + 1 WHERE shard = 0; END;
CREATE TRIGGER plan_targets_gen_d AFTER DELETE ON plan_targets BEGIN UPDATE read_generation SET n = n + 1 WHERE shard = 0; END;
CREATE TRIGGER campaigns_gen_i AFTER INSERT ON campaigns BEGIN UPDATE read_generation SET n = n + 1 WHERE shard = 0; END;
CREATE TRIGGER campaigns_gen_u AFTER UPDATE ON campaigns BEGIN UPDATE read_generation SET n = n + 1 WHERE shard = 0; END;
CREATE TRIGGER campaigns_gen_d AFTER DELETE ON campaigns BEGIN UPDATE read_generation SET n = n + 1 WHERE shard = 0; END;
CREATE TRIGGER assessments_gen_i AFTER INSERT ON assessments BEGIN UPDATE read_generation SET n = n + 1 WHERE shard = 0; END;
CREATE TRIGGER assessments_gen_u AFTER UPDATE ON assessments BEGIN UPDATE read_generation SET n = n + 1 WHERE shard = 0; END;
CREATE TRIGGER assessments_gen_d AFTER DELETE ON assessments BEGIN UPDATE read_generation SET n = n + 1 WHERE shard = 0; END;
