-- Login throttling keeps a count per account and address, per address and per account
-- (keys "p:", "a:", "u:") and marks the addresses an account has logged in from ("k:");
-- a run of failures is forgotten a day after its last one.
ALTER TABLE login_throttle ADD COLUMN last_failure TEXT NOT NULL DEFAULT '';
