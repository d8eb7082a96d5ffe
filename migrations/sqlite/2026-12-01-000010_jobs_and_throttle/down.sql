DROP TABLE login_audit_budget;
DROP TABLE login_throttle;
DROP TABLE job_leases;
