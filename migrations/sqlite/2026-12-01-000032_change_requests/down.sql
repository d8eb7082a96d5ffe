DROP TRIGGER change_requests_not_deleted;
DROP TRIGGER change_requests_frozen;
DROP TABLE change_request_lines;
DROP TABLE change_requests;
