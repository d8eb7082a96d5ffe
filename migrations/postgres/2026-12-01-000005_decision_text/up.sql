-- The words of a decision letter as JSON, made at signing from the same value as the PDF,
-- so that the case page shows the decision as text that cannot differ from the letter.
-- Letters made before this column have none; the page then words them from the data.
ALTER TABLE decision_documents ADD COLUMN letter_json TEXT;
