DROP TRIGGER change_requests_frozen ON change_requests;
DROP FUNCTION change_requests_frozen();
DROP TRIGGER change_request_files_frozen ON change_request_files;
DROP FUNCTION change_request_files_frozen();
DROP TABLE change_request_files;
DROP TABLE change_request_supplements;
DROP TABLE change_request_lines;
DROP TABLE change_requests;
