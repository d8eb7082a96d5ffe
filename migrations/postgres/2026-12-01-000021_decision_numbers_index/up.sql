-- The payments page shows each payment's decision by its registration number: 100 lookups
-- of a decision by id per page. With the number in the index (an index-only scan) the
-- lookup need not read the decision's row.
CREATE INDEX decisions_number_by_id ON decisions (id) INCLUDE (registration_number);
