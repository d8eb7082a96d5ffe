-- Where applicants ask about their cases: the functional mailbox and phone of the unit
-- running a grant programme, shown on the case page, the receipt, in e-mail and in
-- decision letters made from now on. Programmes stored before have none; the service then
-- gives the agency's own mailbox and phone. Letters already signed keep their words.
ALTER TABLE programmes ADD COLUMN contact_email TEXT;
ALTER TABLE programmes ADD COLUMN contact_phone TEXT;
