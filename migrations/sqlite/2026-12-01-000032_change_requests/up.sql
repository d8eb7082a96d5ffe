-- Change requests (ändringsansökan) by a recipient on a decided grant (issue 16): move money
-- between cost categories within a year, change the content of the work, give back part of
-- a year's grant, or decline the grant before it is paid. A submitted request never
-- changes (the trigger below); the officer's answer is written once, with a change decision
-- where amounts or conditions change.
CREATE TABLE change_requests (
    id TEXT PRIMARY KEY NOT NULL,
    application_id TEXT NOT NULL REFERENCES applications (id),
    decision_id TEXT NOT NULL REFERENCES decisions (id),
    organisation_id TEXT NOT NULL REFERENCES organisations (id),
    number INTEGER NOT NULL,
    kind TEXT NOT NULL CHECK (kind IN ('budget', 'content', 'give_back', 'decline')),
    status TEXT NOT NULL CHECK (status IN ('draft', 'submitted', 'supplement_requested', 'approved', 'partly_approved', 'refused')),
    year INTEGER,
    amount_ore BIGINT,
    description TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    created_by TEXT NOT NULL REFERENCES users (id),
    updated_at TIMESTAMP NOT NULL,
    submitted_at TIMESTAMP,
    submitted_by TEXT REFERENCES users (id),
    handled_at TIMESTAMP,
    handled_by TEXT REFERENCES users (id),
    answer TEXT,
    approved_amount_ore BIGINT,
    -- No foreign key: a draft change decision may be replaced by the officer, and the
    -- request then shows that its draft is gone.
    change_decision_id TEXT,
    UNIQUE (application_id, number)
);
CREATE INDEX change_requests_status ON change_requests (status, submitted_at);
CREATE INDEX change_requests_decision ON change_requests (decision_id);

-- A budget move: the amount per cost category for the year that the organisation asks for
-- after the move, and what the officer approved.
CREATE TABLE change_request_lines (
    request_id TEXT NOT NULL REFERENCES change_requests (id),
    cost_category_id TEXT NOT NULL REFERENCES call_cost_categories (id),
    before_ore BIGINT NOT NULL,
    requested_ore BIGINT NOT NULL,
    approved_ore BIGINT,
    PRIMARY KEY (request_id, cost_category_id)
);

-- Files the organisation attaches to a request (PDF, as for applications), added and
-- removed only while the request is a draft.
CREATE TABLE change_request_files (
    id TEXT PRIMARY KEY NOT NULL,
    request_id TEXT NOT NULL REFERENCES change_requests (id),
    filename TEXT NOT NULL,
    content_type TEXT NOT NULL,
    size_bytes BIGINT NOT NULL,
    sha256 TEXT NOT NULL,
    content BLOB NOT NULL,
    uploaded_at TIMESTAMP NOT NULL,
    uploaded_by TEXT NOT NULL REFERENCES users (id)
);
CREATE INDEX change_request_files_request ON change_request_files (request_id);

-- The officer may ask the organisation for more about a request sent in (komplettering):
-- what was asked, by when, and the answer, each written once.
CREATE TABLE change_request_supplements (
    id TEXT PRIMARY KEY NOT NULL,
    request_id TEXT NOT NULL REFERENCES change_requests (id),
    requested_at TIMESTAMP NOT NULL,
    requested_by TEXT NOT NULL REFERENCES users (id),
    message TEXT NOT NULL,
    due_on DATE NOT NULL,
    answer TEXT,
    answered_at TIMESTAMP,
    answered_by TEXT REFERENCES users (id)
);
CREATE INDEX change_request_supplements_request ON change_request_supplements (request_id);

-- What the organisation sent in stays as sent: only the answer may be added.
CREATE TRIGGER change_requests_frozen BEFORE UPDATE ON change_requests
WHEN OLD.status <> 'draft' AND (
    NEW.kind IS NOT OLD.kind OR NEW.year IS NOT OLD.year OR NEW.amount_ore IS NOT OLD.amount_ore
    OR NEW.description IS NOT OLD.description OR NEW.submitted_at IS NOT OLD.submitted_at
    OR NEW.submitted_by IS NOT OLD.submitted_by OR (OLD.status NOT IN ('submitted', 'supplement_requested') AND (
        NEW.status IS NOT OLD.status OR NEW.answer IS NOT OLD.answer
        OR NEW.approved_amount_ore IS NOT OLD.approved_amount_ore
        OR NEW.handled_at IS NOT OLD.handled_at)))
BEGIN
    SELECT RAISE(ABORT, 'a submitted change request is not changed');
END;
CREATE TRIGGER change_requests_not_deleted BEFORE DELETE ON change_requests
WHEN OLD.status <> 'draft'
BEGIN
    SELECT RAISE(ABORT, 'a submitted change request is not deleted');
END;
CREATE TRIGGER change_request_files_frozen_insert BEFORE INSERT ON change_request_files
WHEN (SELECT status FROM change_requests WHERE id = NEW.request_id) <> 'draft'
BEGIN
    SELECT RAISE(ABORT, 'the files of a submitted change request do not change');
END;
CREATE TRIGGER change_request_files_frozen_update BEFORE UPDATE ON change_request_files
BEGIN
    SELECT RAISE(ABORT, 'a file of a change request does not change');
END;
CREATE TRIGGER change_request_files_frozen_delete BEFORE DELETE ON change_request_files
WHEN (SELECT status FROM change_requests WHERE id = OLD.request_id) <> 'draft'
BEGIN
    SELECT RAISE(ABORT, 'the files of a submitted change request do not change');
END;
