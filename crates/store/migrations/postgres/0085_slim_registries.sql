-- Registry rows no longer carry created_at / updated_at: nothing read them (a record's versions and
-- who wrote them are in registry_history and the audit log), and they were 42 of a citizen's
-- ~238 bytes (issue 19: 100 million citizens must fit one server's disk with room for a backup).
ALTER TABLE reg_households DROP COLUMN created_at;
ALTER TABLE reg_households DROP COLUMN updated_at;
ALTER TABLE reg_citizens DROP COLUMN created_at;
ALTER TABLE reg_citizens DROP COLUMN updated_at;
ALTER TABLE reg_clans DROP COLUMN created_at;
ALTER TABLE reg_clans DROP COLUMN updated_at;
ALTER TABLE reg_clan_members DROP COLUMN created_at;
ALTER TABLE reg_clan_members DROP COLUMN updated_at;
ALTER TABLE reg_organisations DROP COLUMN created_at;
ALTER TABLE reg_organisations DROP COLUMN updated_at;
ALTER TABLE reg_learning_centres DROP COLUMN created_at;
ALTER TABLE reg_learning_centres DROP COLUMN updated_at;
ALTER TABLE reg_association_branches DROP COLUMN created_at;
ALTER TABLE reg_association_branches DROP COLUMN updated_at;
ALTER TABLE reg_association_members DROP COLUMN created_at;
ALTER TABLE reg_association_members DROP COLUMN updated_at;
ALTER TABLE reg_fund_entries DROP COLUMN created_at;
ALTER TABLE reg_fund_entries DROP COLUMN updated_at;
