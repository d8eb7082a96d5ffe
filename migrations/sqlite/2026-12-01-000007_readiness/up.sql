-- One row per running instance name that the readiness check writes to: proof that the
-- database takes writes (not full, not read-only), without touching any case data.
CREATE TABLE readiness_checks (
    instance TEXT PRIMARY KEY NOT NULL,
    checked_at TIMESTAMP NOT NULL
);
