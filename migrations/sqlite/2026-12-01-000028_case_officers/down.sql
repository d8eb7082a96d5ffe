DROP TABLE case_officers;
