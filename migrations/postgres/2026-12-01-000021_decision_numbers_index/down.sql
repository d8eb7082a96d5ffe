DROP INDEX decisions_number_by_id;
