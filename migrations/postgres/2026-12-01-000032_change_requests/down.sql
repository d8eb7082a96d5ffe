DROP TRIGGER change_requests_frozen ON change_requests;
DROP FUNCTION change_requests_frozen();
DROP TABLE change_request_lines;
DROP TABLE change_requests;
