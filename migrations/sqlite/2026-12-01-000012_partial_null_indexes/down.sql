DROP INDEX IF EXISTS decisions_amends;
DROP INDEX IF EXISTS decisions_round;
CREATE INDEX IF NOT EXISTS decisions_amends ON decisions (amends_decision_id);
CREATE INDEX IF NOT EXISTS decisions_round ON decisions (redistribution_round_id);
