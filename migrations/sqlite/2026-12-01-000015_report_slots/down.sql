DROP INDEX IF EXISTS repayment_claims_report;
DROP TABLE report_year_totals;
DROP TABLE report_slots;
