ALTER TABLE decision_documents DROP COLUMN letter_json;
