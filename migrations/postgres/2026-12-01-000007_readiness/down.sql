DROP TABLE readiness_checks;
