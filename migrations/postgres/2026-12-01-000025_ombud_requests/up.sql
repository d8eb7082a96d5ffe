-- Ombudsansökan (issue 14): a person applies to become an organisation's ombud, with
-- documents that prove their mandate; an officer asks for a supplement, approves or writes
-- the request off. What was filed never changes: a supplement adds documents and a reply in
-- a new round, each step is a row of its own, and every step that is told by letter keeps
-- that letter's PDF.

-- References (OMB-2026-0001) are given in sequence per calendar year, like diarienummer.
CREATE TABLE ombud_request_counters (
    year INTEGER PRIMARY KEY NOT NULL,
    last_value INTEGER NOT NULL
);

CREATE TABLE ombud_requests (
    id TEXT PRIMARY KEY NOT NULL,
    reference TEXT NOT NULL UNIQUE,
    user_id TEXT NOT NULL REFERENCES users (id),
    -- The person as they were when they filed (their account may change name later).
    applicant_name TEXT NOT NULL,
    applicant_email TEXT NOT NULL,
    org_number TEXT NOT NULL,
    org_name TEXT NOT NULL,
    org_kind TEXT NOT NULL
        CHECK (org_kind IN ('region', 'municipality', 'association', 'foundation', 'other')),
    -- The organisation in the register: known at filing when the number is already there,
    -- otherwise set when the request is approved (and the organisation created).
    organisation_id TEXT REFERENCES organisations (id),
    -- "Tecknar du själv organisationens firma?" No means a power of attorney is attached.
    signs_for_organisation BOOLEAN NOT NULL,
    contact_email TEXT NOT NULL,
    contact_phone TEXT NOT NULL,
    -- How the person had logged in when they filed, and the provider's assurance level.
    filed_method TEXT NOT NULL CHECK (filed_method IN ('password', 'e-legitimation')),
    filed_loa TEXT,
    status TEXT NOT NULL
        CHECK (status IN ('submitted', 'supplement_requested', 'approved', 'written_off')),
    submitted_at TIMESTAMP NOT NULL,
    -- The last time it was sent in (the first filing or the last supplement).
    last_submitted_at TIMESTAMP NOT NULL,
    decided_at TIMESTAMP,
    decided_by TEXT REFERENCES users (id),
    CHECK ((status IN ('approved', 'written_off')) = (decided_at IS NOT NULL)),
    CHECK ((decided_at IS NULL) = (decided_by IS NULL)),
    CHECK (status <> 'approved' OR organisation_id IS NOT NULL)
);
-- The officers' queue: by status, oldest first.
CREATE INDEX ombud_requests_queue ON ombud_requests (status, submitted_at);
CREATE INDEX ombud_requests_user ON ombud_requests (user_id, submitted_at);
CREATE INDEX ombud_requests_organisation ON ombud_requests (organisation_id);
-- One request at a time per person while it is being handled.
CREATE UNIQUE INDEX ombud_requests_one_open ON ombud_requests (user_id)
    WHERE status IN ('submitted', 'supplement_requested');

-- What happened to a request, in order: filed, supplement asked for, supplemented,
-- approved, written off. `round` is the filing (1) or the supplement it belongs to (2, 3…).
CREATE TABLE ombud_request_steps (
    id TEXT PRIMARY KEY NOT NULL,
    request_id TEXT NOT NULL REFERENCES ombud_requests (id),
    round INTEGER NOT NULL CHECK (round >= 1),
    kind TEXT NOT NULL
        CHECK (kind IN ('submitted', 'supplement_requested', 'supplemented', 'approved',
                        'written_off')),
    -- What the officer asks for, the person's reply, the reason for a write-off, a note.
    message TEXT,
    -- At approval: the organisation as the officer confirmed it.
    org_number TEXT,
    org_name TEXT,
    org_kind TEXT
        CHECK (org_kind IS NULL
            OR org_kind IN ('region', 'municipality', 'association', 'foundation', 'other')),
    actor_user_id TEXT NOT NULL REFERENCES users (id),
    actor_name TEXT NOT NULL,
    at TIMESTAMP NOT NULL,
    CHECK (kind NOT IN ('supplement_requested', 'supplemented', 'written_off')
        OR message IS NOT NULL),
    CHECK (kind <> 'approved' OR (org_number IS NOT NULL AND org_name IS NOT NULL
        AND org_kind IS NOT NULL))
);
CREATE INDEX ombud_request_steps_request ON ombud_request_steps (request_id, at);

CREATE TABLE ombud_request_documents (
    id TEXT PRIMARY KEY NOT NULL,
    request_id TEXT NOT NULL REFERENCES ombud_requests (id),
    round INTEGER NOT NULL CHECK (round >= 1),
    kind TEXT NOT NULL
        CHECK (kind IN ('delegation', 'statutes', 'minutes', 'registration',
                        'power_of_attorney', 'other')),
    filename TEXT NOT NULL,
    content_type TEXT NOT NULL,
    size_bytes BIGINT NOT NULL,
    sha256 TEXT NOT NULL,
    content BYTEA NOT NULL,
    uploaded_at TIMESTAMP NOT NULL,
    uploaded_by TEXT NOT NULL REFERENCES users (id)
);
CREATE INDEX ombud_request_documents_request ON ombud_request_documents (request_id, round);

-- The letter of a step (a supplement asked for, an approval, a write-off), made once.
CREATE TABLE ombud_request_letters (
    id TEXT PRIMARY KEY NOT NULL,
    request_id TEXT NOT NULL REFERENCES ombud_requests (id),
    step_id TEXT NOT NULL UNIQUE REFERENCES ombud_request_steps (id),
    kind TEXT NOT NULL CHECK (kind IN ('supplement_requested', 'approved', 'written_off')),
    filename TEXT NOT NULL,
    sha256 TEXT NOT NULL,
    content BYTEA NOT NULL,
    created_at TIMESTAMP NOT NULL
);
CREATE INDEX ombud_request_letters_request ON ombud_request_letters (request_id);

-- What was filed never changes; a decided request never changes at all; steps, documents
-- and letters are only ever added (`refuse_change` is made by the first migration).
CREATE TRIGGER ombud_requests_filed_frozen
BEFORE UPDATE OF id, reference, user_id, applicant_name, applicant_email, org_number, org_name,
    org_kind, signs_for_organisation, contact_email, contact_phone, filed_method, filed_loa,
    submitted_at ON ombud_requests FOR EACH ROW
    EXECUTE FUNCTION refuse_change('a filed ombudsansökan never changes');
CREATE TRIGGER ombud_requests_decided_frozen BEFORE UPDATE ON ombud_requests FOR EACH ROW
    WHEN (OLD.status IN ('approved', 'written_off'))
    EXECUTE FUNCTION refuse_change('a decided ombudsansökan never changes');
CREATE TRIGGER ombud_requests_no_delete BEFORE DELETE ON ombud_requests FOR EACH ROW
    EXECUTE FUNCTION refuse_change('an ombudsansökan is never deleted');
CREATE TRIGGER ombud_request_steps_append_only BEFORE UPDATE OR DELETE ON ombud_request_steps
    FOR EACH ROW EXECUTE FUNCTION refuse_change('the steps of an ombudsansökan never change');
CREATE TRIGGER ombud_request_documents_append_only
BEFORE UPDATE OR DELETE ON ombud_request_documents
    FOR EACH ROW EXECUTE FUNCTION refuse_change('the documents of an ombudsansökan never change');
CREATE TRIGGER ombud_request_letters_append_only BEFORE UPDATE OR DELETE ON ombud_request_letters
    FOR EACH ROW EXECUTE FUNCTION refuse_change('the letters of an ombudsansökan never change');
