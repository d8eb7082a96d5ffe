DROP TABLE ombud_request_letters;
DROP TABLE ombud_request_documents;
DROP TABLE ombud_request_steps;
DROP TABLE ombud_requests;
DROP TABLE ombud_request_counters;
