-- The staff start page lists the draft decisions waiting for a decision maker, oldest first.
-- Without an index it read every decision of every call (50 000 signed ones: 18 ms of the
-- start page's 20 at 100 000 applications). Drafts are few; the index holds only them.
CREATE INDEX decisions_drafts ON decisions (created_at) WHERE status = 'draft';
