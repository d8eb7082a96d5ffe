-- Indexes on columns that are NULL in almost every row (a change decision's original, a
-- redistribution decision's round) hold only the rows that have a value. On SQLite, after
-- ANALYZE the full index's statistics count the NULLs as one key of every row ("50000
-- 50000"), so the planner judged a lookup by it no better than a scan and read every
-- decision once per grant year (the report-back overview at 100 000 applications went
-- from 11 s to minutes). A partial index counts only the rows with a value.
DROP INDEX IF EXISTS decisions_amends;
DROP INDEX IF EXISTS decisions_round;
CREATE INDEX IF NOT EXISTS decisions_amends ON decisions (amends_decision_id) WHERE amends_decision_id IS NOT NULL;
CREATE INDEX IF NOT EXISTS decisions_round ON decisions (redistribution_round_id) WHERE redistribution_round_id IS NOT NULL;
