-- The whole grant lifecycle. IDs are UUIDv7 text made by the application, times are UTC
-- timestamps, days are dates, money is BIGINT öre. Status columns carry English codes; the
-- Swedish labels live in the application.

CREATE TABLE server_secrets (
    name TEXT PRIMARY KEY NOT NULL,
    value TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL
);

CREATE TABLE organisations (
    id TEXT PRIMARY KEY NOT NULL,
    org_number TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL,
    kind TEXT NOT NULL CHECK (kind IN ('region', 'municipality', 'agency', 'other')),
    -- How sure we are that the number belongs to the name, and where it was seen.
    number_status TEXT NOT NULL
        CHECK (number_status IN ('confirmed', 'indirect', 'weak', 'number_seen', 'unconfirmed')),
    number_source TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL
);

CREATE TABLE users (
    id TEXT PRIMARY KEY NOT NULL,
    email TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL,
    password_hash TEXT NOT NULL,
    role TEXT NOT NULL
        CHECK (role IN ('officer', 'decision_maker', 'applicant', 'auditor', 'admin')),
    organisation_id TEXT REFERENCES organisations (id),
    -- The person who may sign for the organisation (firmatecknare/ombud).
    is_signatory BOOLEAN NOT NULL DEFAULT FALSE,
    active BOOLEAN NOT NULL DEFAULT TRUE,
    created_at TIMESTAMP NOT NULL,
    -- An applicant acts for exactly one organisation; the agency's staff for none.
    CHECK ((role = 'applicant' AND organisation_id IS NOT NULL)
        OR (role <> 'applicant' AND organisation_id IS NULL))
);

CREATE TABLE sessions (
    -- SHA-256 of the session key: the database never holds a usable cookie value.
    key_hash TEXT PRIMARY KEY NOT NULL,
    state TEXT NOT NULL,
    expires_at TIMESTAMP NOT NULL,
    created_at TIMESTAMP NOT NULL
);
CREATE INDEX sessions_expires_at ON sessions (expires_at);

CREATE TABLE programmes (
    id TEXT PRIMARY KEY NOT NULL,
    code TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL,
    agency_name TEXT NOT NULL,
    agency_unit TEXT NOT NULL,
    appropriation TEXT NOT NULL,
    purpose TEXT NOT NULL,
    legal_basis TEXT NOT NULL,
    appeal_text TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL
);

CREATE TABLE calls (
    id TEXT PRIMARY KEY NOT NULL,
    programme_id TEXT NOT NULL REFERENCES programmes (id),
    code TEXT NOT NULL UNIQUE,
    title TEXT NOT NULL,
    description TEXT NOT NULL,
    -- Bilaga 1 of every decision: its heading and the text before the expected results.
    annex_title TEXT NOT NULL,
    annex_intro TEXT NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('draft', 'published', 'closed')),
    max_recipients INTEGER NOT NULL CHECK (max_recipients > 0),
    opens_on DATE NOT NULL,
    -- Open until 23:59:59 Europe/Stockholm on this day.
    last_day DATE NOT NULL,
    payment_month INTEGER NOT NULL DEFAULT 1 CHECK (payment_month BETWEEN 1 AND 12),
    report_due_month INTEGER NOT NULL DEFAULT 3 CHECK (report_due_month BETWEEN 1 AND 12),
    report_due_day INTEGER NOT NULL DEFAULT 31 CHECK (report_due_day BETWEEN 1 AND 31),
    requires_approved_reports BOOLEAN NOT NULL DEFAULT FALSE,
    copied_from_call_id TEXT REFERENCES calls (id),
    created_at TIMESTAMP NOT NULL,
    published_at TIMESTAMP,
    closed_at TIMESTAMP,
    CHECK (last_day >= opens_on)
);

CREATE TABLE call_years (
    call_id TEXT NOT NULL REFERENCES calls (id),
    year INTEGER NOT NULL,
    ceiling_ore BIGINT NOT NULL CHECK (ceiling_ore >= 0),
    -- Bumped by every signing that touches the year, so that concurrent signings serialise
    -- on this row on both databases.
    lock_version BIGINT NOT NULL DEFAULT 0,
    PRIMARY KEY (call_id, year)
);

CREATE TABLE call_eligible_kinds (
    call_id TEXT NOT NULL REFERENCES calls (id),
    kind TEXT NOT NULL CHECK (kind IN ('region', 'municipality', 'agency', 'other')),
    PRIMARY KEY (call_id, kind)
);

CREATE TABLE call_sections (
    id TEXT PRIMARY KEY NOT NULL,
    call_id TEXT NOT NULL REFERENCES calls (id),
    position INTEGER NOT NULL,
    title TEXT NOT NULL,
    help_text TEXT NOT NULL,
    required BOOLEAN NOT NULL,
    max_length INTEGER NOT NULL CHECK (max_length > 0),
    UNIQUE (call_id, position)
);

CREATE TABLE call_cost_categories (
    id TEXT PRIMARY KEY NOT NULL,
    call_id TEXT NOT NULL REFERENCES calls (id),
    position INTEGER NOT NULL,
    code TEXT NOT NULL,
    name TEXT NOT NULL,
    UNIQUE (call_id, position),
    UNIQUE (call_id, code)
);

CREATE TABLE call_criteria (
    id TEXT PRIMARY KEY NOT NULL,
    call_id TEXT NOT NULL REFERENCES calls (id),
    position INTEGER NOT NULL,
    title TEXT NOT NULL,
    description TEXT NOT NULL,
    UNIQUE (call_id, position)
);

-- Förväntade resultat: annexed to every decision, answered in every report-back.
CREATE TABLE expected_results (
    id TEXT PRIMARY KEY NOT NULL,
    call_id TEXT NOT NULL REFERENCES calls (id),
    year INTEGER NOT NULL,
    position INTEGER NOT NULL,
    area TEXT NOT NULL,
    title TEXT NOT NULL,
    body TEXT NOT NULL,
    UNIQUE (call_id, year, position)
);

-- A change to a published call's terms is never silent.
CREATE TABLE call_amendments (
    id TEXT PRIMARY KEY NOT NULL,
    call_id TEXT NOT NULL REFERENCES calls (id),
    amended_at TIMESTAMP NOT NULL,
    amended_by TEXT NOT NULL REFERENCES users (id),
    summary TEXT NOT NULL,
    details TEXT NOT NULL
);

-- Diarienummer are given in sequence per calendar year.
CREATE TABLE registration_counters (
    year INTEGER PRIMARY KEY NOT NULL,
    last_value INTEGER NOT NULL
);

CREATE TABLE redistribution_rounds (
    id TEXT PRIMARY KEY NOT NULL,
    call_id TEXT NOT NULL REFERENCES calls (id),
    year INTEGER NOT NULL,
    opens_on DATE NOT NULL,
    last_day DATE NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('open', 'closed')),
    created_by TEXT NOT NULL REFERENCES users (id),
    created_at TIMESTAMP NOT NULL,
    closed_at TIMESTAMP
);

CREATE TABLE applications (
    id TEXT PRIMARY KEY NOT NULL,
    call_id TEXT NOT NULL REFERENCES calls (id),
    organisation_id TEXT NOT NULL REFERENCES organisations (id),
    kind TEXT NOT NULL CHECK (kind IN ('initial', 'top_up')),
    redistribution_round_id TEXT REFERENCES redistribution_rounds (id),
    status TEXT NOT NULL CHECK (status IN
        ('draft', 'submitted', 'supplement_requested', 'complete', 'assessed', 'decided')),
    registration_number TEXT UNIQUE,
    project_title TEXT NOT NULL,
    -- Where an application was recreated from public sources rather than filed here.
    source_note TEXT,
    created_by TEXT REFERENCES users (id),
    created_at TIMESTAMP NOT NULL,
    submitted_at TIMESTAMP,
    submitted_by TEXT REFERENCES users (id),
    CHECK ((kind = 'top_up') = (redistribution_round_id IS NOT NULL))
);
-- One first application per organisation and call; top-ups are one per round.
CREATE UNIQUE INDEX applications_one_initial ON applications (call_id, organisation_id)
    WHERE kind = 'initial';
CREATE UNIQUE INDEX applications_one_top_up ON applications (redistribution_round_id, organisation_id)
    WHERE kind = 'top_up';

CREATE TABLE supplement_requests (
    id TEXT PRIMARY KEY NOT NULL,
    application_id TEXT NOT NULL REFERENCES applications (id),
    requested_by TEXT REFERENCES users (id),
    requested_at TIMESTAMP NOT NULL,
    message TEXT NOT NULL,
    due_on DATE NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('open', 'answered', 'withdrawn')),
    answered_at TIMESTAMP,
    answered_by TEXT REFERENCES users (id),
    answer_text TEXT
);

CREATE TABLE application_versions (
    id TEXT PRIMARY KEY NOT NULL,
    application_id TEXT NOT NULL REFERENCES applications (id),
    number INTEGER NOT NULL CHECK (number >= 1),
    status TEXT NOT NULL CHECK (status IN ('draft', 'submitted')),
    supplement_request_id TEXT REFERENCES supplement_requests (id),
    created_at TIMESTAMP NOT NULL,
    created_by TEXT REFERENCES users (id),
    submitted_at TIMESTAMP,
    submitted_by TEXT REFERENCES users (id),
    UNIQUE (application_id, number)
);

CREATE TABLE application_answers (
    version_id TEXT NOT NULL REFERENCES application_versions (id),
    section_id TEXT NOT NULL REFERENCES call_sections (id),
    body TEXT NOT NULL,
    PRIMARY KEY (version_id, section_id)
);

-- The amount applied for per year; equals the sum of the budget lines where there are any.
CREATE TABLE application_years (
    version_id TEXT NOT NULL REFERENCES application_versions (id),
    year INTEGER NOT NULL,
    requested_ore BIGINT NOT NULL CHECK (requested_ore >= 0),
    PRIMARY KEY (version_id, year)
);

CREATE TABLE application_budget_lines (
    id TEXT PRIMARY KEY NOT NULL,
    version_id TEXT NOT NULL REFERENCES application_versions (id),
    year INTEGER NOT NULL,
    cost_category_id TEXT NOT NULL REFERENCES call_cost_categories (id),
    amount_ore BIGINT NOT NULL CHECK (amount_ore >= 0),
    description TEXT NOT NULL,
    UNIQUE (version_id, year, cost_category_id)
);

CREATE TABLE application_staff_lines (
    id TEXT PRIMARY KEY NOT NULL,
    version_id TEXT NOT NULL REFERENCES application_versions (id),
    year INTEGER NOT NULL,
    position INTEGER NOT NULL,
    role TEXT NOT NULL,
    fte_percent INTEGER NOT NULL CHECK (fte_percent BETWEEN 1 AND 100),
    months INTEGER NOT NULL CHECK (months BETWEEN 1 AND 12),
    cost_ore BIGINT NOT NULL CHECK (cost_ore >= 0),
    UNIQUE (version_id, year, position)
);

CREATE TABLE attachments (
    id TEXT PRIMARY KEY NOT NULL,
    version_id TEXT NOT NULL REFERENCES application_versions (id),
    filename TEXT NOT NULL,
    content_type TEXT NOT NULL,
    size_bytes BIGINT NOT NULL,
    sha256 TEXT NOT NULL,
    content BLOB NOT NULL,
    uploaded_at TIMESTAMP NOT NULL,
    uploaded_by TEXT REFERENCES users (id)
);

-- Jäv: an officer who declares a conflict of interest neither assesses nor decides the case.
CREATE TABLE conflict_declarations (
    id TEXT PRIMARY KEY NOT NULL,
    application_id TEXT NOT NULL REFERENCES applications (id),
    user_id TEXT NOT NULL REFERENCES users (id),
    declared_at TIMESTAMP NOT NULL,
    reason TEXT NOT NULL,
    UNIQUE (application_id, user_id)
);

CREATE TABLE assessments (
    id TEXT PRIMARY KEY NOT NULL,
    application_id TEXT NOT NULL REFERENCES applications (id),
    officer_id TEXT NOT NULL REFERENCES users (id),
    criterion_id TEXT NOT NULL REFERENCES call_criteria (id),
    rating TEXT NOT NULL CHECK (rating IN ('met', 'partly', 'not_met')),
    comment TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    UNIQUE (application_id, officer_id, criterion_id)
);

CREATE TABLE proposals (
    id TEXT PRIMARY KEY NOT NULL,
    application_id TEXT NOT NULL REFERENCES applications (id),
    officer_id TEXT NOT NULL REFERENCES users (id),
    recommendation TEXT NOT NULL CHECK (recommendation IN ('grant', 'partial', 'reject')),
    reasons TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL
);

CREATE TABLE proposal_years (
    proposal_id TEXT NOT NULL REFERENCES proposals (id),
    year INTEGER NOT NULL,
    amount_ore BIGINT NOT NULL CHECK (amount_ore >= 0),
    PRIMARY KEY (proposal_id, year)
);

CREATE TABLE decisions (
    id TEXT PRIMARY KEY NOT NULL,
    call_id TEXT NOT NULL REFERENCES calls (id),
    application_id TEXT REFERENCES applications (id),
    organisation_id TEXT NOT NULL REFERENCES organisations (id),
    kind TEXT NOT NULL
        CHECK (kind IN ('grant', 'rejection', 'top_up', 'change', 'revocation')),
    status TEXT NOT NULL CHECK (status IN ('draft', 'signed')),
    -- The case's diarienummer: a decision is filed on the case it decides.
    registration_number TEXT NOT NULL,
    decided_on DATE,
    purpose TEXT NOT NULL,
    reasons TEXT NOT NULL,
    report_due_on DATE,
    presenting_officer_id TEXT NOT NULL REFERENCES users (id),
    decision_maker_id TEXT REFERENCES users (id),
    -- A change or correction is a new decision referring to the one it changes.
    amends_decision_id TEXT REFERENCES decisions (id),
    redistribution_round_id TEXT REFERENCES redistribution_rounds (id),
    source_note TEXT,
    created_at TIMESTAMP NOT NULL,
    created_by TEXT NOT NULL REFERENCES users (id),
    signed_at TIMESTAMP,
    CHECK ((status = 'signed') = (signed_at IS NOT NULL AND decision_maker_id IS NOT NULL
        AND decided_on IS NOT NULL))
);
CREATE INDEX decisions_call ON decisions (call_id, status);

-- Per year, the change this decision makes to the granted amount: positive for grants and
-- top-ups, negative for lowering or revoking. The year's granted sum is a plain SUM.
CREATE TABLE decision_years (
    decision_id TEXT NOT NULL REFERENCES decisions (id),
    year INTEGER NOT NULL,
    amount_ore BIGINT NOT NULL,
    PRIMARY KEY (decision_id, year)
);

-- The letter as signed: made once, served byte-identical ever after.
CREATE TABLE decision_documents (
    decision_id TEXT PRIMARY KEY NOT NULL REFERENCES decisions (id),
    filename TEXT NOT NULL,
    sha256 TEXT NOT NULL,
    content BLOB NOT NULL,
    created_at TIMESTAMP NOT NULL
);

CREATE TABLE payments (
    id TEXT PRIMARY KEY NOT NULL,
    decision_id TEXT NOT NULL REFERENCES decisions (id),
    call_id TEXT NOT NULL REFERENCES calls (id),
    organisation_id TEXT NOT NULL REFERENCES organisations (id),
    year INTEGER NOT NULL,
    amount_ore BIGINT NOT NULL,
    due_on DATE NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('planned', 'paid')),
    paid_on DATE,
    payment_reference TEXT,
    marked_by TEXT REFERENCES users (id),
    marked_at TIMESTAMP,
    created_at TIMESTAMP NOT NULL,
    CHECK ((status = 'paid') = (paid_on IS NOT NULL))
);

CREATE TABLE reports (
    id TEXT PRIMARY KEY NOT NULL,
    decision_id TEXT NOT NULL REFERENCES decisions (id),
    organisation_id TEXT NOT NULL REFERENCES organisations (id),
    year INTEGER NOT NULL,
    status TEXT NOT NULL CHECK (status IN
        ('draft', 'submitted', 'supplement_requested', 'approved')),
    opens_on DATE NOT NULL,
    due_on DATE NOT NULL,
    created_at TIMESTAMP NOT NULL,
    approved_at TIMESTAMP,
    approved_by TEXT REFERENCES users (id),
    UNIQUE (decision_id, year)
);

CREATE TABLE report_versions (
    id TEXT PRIMARY KEY NOT NULL,
    report_id TEXT NOT NULL REFERENCES reports (id),
    number INTEGER NOT NULL CHECK (number >= 1),
    status TEXT NOT NULL CHECK (status IN ('draft', 'submitted')),
    created_at TIMESTAMP NOT NULL,
    created_by TEXT REFERENCES users (id),
    submitted_at TIMESTAMP,
    submitted_by TEXT REFERENCES users (id),
    signer_name TEXT,
    signer_role TEXT,
    -- Aggregate counts only: no data about any individual child.
    children_total INTEGER CHECK (children_total >= 0),
    girls INTEGER CHECK (girls >= 0),
    boys INTEGER CHECK (boys >= 0),
    staff_fte_hundredths INTEGER CHECK (staff_fte_hundredths >= 0),
    received_ore BIGINT,
    used_ore BIGINT,
    unused_ore BIGINT CHECK (unused_ore >= 0),
    UNIQUE (report_id, number)
);

CREATE TABLE report_answers (
    version_id TEXT NOT NULL REFERENCES report_versions (id),
    expected_result_id TEXT NOT NULL REFERENCES expected_results (id),
    achievement TEXT NOT NULL CHECK (achievement IN ('achieved', 'partly', 'not_achieved')),
    activities TEXT NOT NULL,
    obstacles TEXT NOT NULL,
    PRIMARY KEY (version_id, expected_result_id)
);

CREATE TABLE report_cost_lines (
    version_id TEXT NOT NULL REFERENCES report_versions (id),
    cost_category_id TEXT NOT NULL REFERENCES call_cost_categories (id),
    used_ore BIGINT NOT NULL CHECK (used_ore >= 0),
    PRIMARY KEY (version_id, cost_category_id)
);

-- Återbetalning (unused money given back) and återkrav (money reclaimed).
CREATE TABLE repayment_claims (
    id TEXT PRIMARY KEY NOT NULL,
    organisation_id TEXT NOT NULL REFERENCES organisations (id),
    decision_id TEXT NOT NULL REFERENCES decisions (id),
    report_id TEXT REFERENCES reports (id),
    call_id TEXT NOT NULL REFERENCES calls (id),
    year INTEGER NOT NULL,
    kind TEXT NOT NULL CHECK (kind IN ('repayment', 'reclaim')),
    amount_ore BIGINT NOT NULL CHECK (amount_ore > 0),
    reason TEXT NOT NULL,
    payment_reference TEXT NOT NULL,
    due_on DATE NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('open', 'received', 'waived')),
    received_on DATE,
    created_at TIMESTAMP NOT NULL,
    created_by TEXT NOT NULL REFERENCES users (id)
);

-- Outgoing e-mail, written in the same transaction as the event that causes it.
CREATE TABLE outbox_messages (
    id TEXT PRIMARY KEY NOT NULL,
    created_at TIMESTAMP NOT NULL,
    to_address TEXT NOT NULL,
    subject TEXT NOT NULL,
    body_text TEXT NOT NULL,
    attachment_name TEXT,
    attachment_content_type TEXT,
    attachment BLOB,
    attempts INTEGER NOT NULL DEFAULT 0,
    next_attempt_at TIMESTAMP NOT NULL,
    sent_at TIMESTAMP,
    last_error TEXT
);
CREATE INDEX outbox_pending ON outbox_messages (sent_at, next_attempt_at);

-- Every change of state and every refused access. Append-only: triggers refuse UPDATE and
-- DELETE.
CREATE TABLE audit_events (
    id TEXT PRIMARY KEY NOT NULL,
    occurred_at TIMESTAMP NOT NULL,
    actor_user_id TEXT REFERENCES users (id),
    actor_email TEXT,
    actor_role TEXT,
    actor_organisation_id TEXT REFERENCES organisations (id),
    action TEXT NOT NULL,
    entity_type TEXT NOT NULL,
    entity_id TEXT,
    summary TEXT NOT NULL,
    details TEXT NOT NULL
);
CREATE INDEX audit_events_entity ON audit_events (entity_type, entity_id);
CREATE INDEX audit_events_occurred_at ON audit_events (occurred_at);

-- Immutability, enforced by the database as well as by the application.
CREATE TRIGGER audit_events_no_update BEFORE UPDATE ON audit_events
BEGIN SELECT RAISE(ABORT, 'audit_events is append-only'); END;
CREATE TRIGGER audit_events_no_delete BEFORE DELETE ON audit_events
BEGIN SELECT RAISE(ABORT, 'audit_events is append-only'); END;
CREATE TRIGGER decisions_signed_no_update BEFORE UPDATE ON decisions WHEN OLD.status = 'signed'
BEGIN SELECT RAISE(ABORT, 'a signed decision never changes'); END;
CREATE TRIGGER decisions_signed_no_delete BEFORE DELETE ON decisions WHEN OLD.status = 'signed'
BEGIN SELECT RAISE(ABORT, 'a signed decision never changes'); END;
CREATE TRIGGER decision_years_signed_no_insert BEFORE INSERT ON decision_years WHEN (SELECT status FROM decisions WHERE id = NEW.decision_id) = 'signed'
BEGIN SELECT RAISE(ABORT, 'a signed decision never changes'); END;
CREATE TRIGGER decision_years_signed_no_update BEFORE UPDATE ON decision_years WHEN (SELECT status FROM decisions WHERE id = OLD.decision_id) = 'signed'
BEGIN SELECT RAISE(ABORT, 'a signed decision never changes'); END;
CREATE TRIGGER decision_years_signed_no_delete BEFORE DELETE ON decision_years WHEN (SELECT status FROM decisions WHERE id = OLD.decision_id) = 'signed'
BEGIN SELECT RAISE(ABORT, 'a signed decision never changes'); END;
CREATE TRIGGER decision_documents_no_update BEFORE UPDATE ON decision_documents
BEGIN SELECT RAISE(ABORT, 'a signed decision letter never changes'); END;
CREATE TRIGGER decision_documents_no_delete BEFORE DELETE ON decision_documents
BEGIN SELECT RAISE(ABORT, 'a signed decision letter never changes'); END;
CREATE TRIGGER application_versions_submitted_no_update BEFORE UPDATE ON application_versions WHEN OLD.status = 'submitted'
BEGIN SELECT RAISE(ABORT, 'a submitted application version is frozen'); END;
CREATE TRIGGER application_versions_submitted_no_delete BEFORE DELETE ON application_versions WHEN OLD.status = 'submitted'
BEGIN SELECT RAISE(ABORT, 'a submitted application version is frozen'); END;
CREATE TRIGGER application_answers_frozen_no_insert BEFORE INSERT ON application_answers WHEN (SELECT status FROM application_versions WHERE id = NEW.version_id) = 'submitted'
BEGIN SELECT RAISE(ABORT, 'a submitted application version is frozen'); END;
CREATE TRIGGER application_answers_frozen_no_update BEFORE UPDATE ON application_answers WHEN (SELECT status FROM application_versions WHERE id = OLD.version_id) = 'submitted'
BEGIN SELECT RAISE(ABORT, 'a submitted application version is frozen'); END;
CREATE TRIGGER application_answers_frozen_no_delete BEFORE DELETE ON application_answers WHEN (SELECT status FROM application_versions WHERE id = OLD.version_id) = 'submitted'
BEGIN SELECT RAISE(ABORT, 'a submitted application version is frozen'); END;
CREATE TRIGGER application_years_frozen_no_insert BEFORE INSERT ON application_years WHEN (SELECT status FROM application_versions WHERE id = NEW.version_id) = 'submitted'
BEGIN SELECT RAISE(ABORT, 'a submitted application version is frozen'); END;
CREATE TRIGGER application_years_frozen_no_update BEFORE UPDATE ON application_years WHEN (SELECT status FROM application_versions WHERE id = OLD.version_id) = 'submitted'
BEGIN SELECT RAISE(ABORT, 'a submitted application version is frozen'); END;
CREATE TRIGGER application_years_frozen_no_delete BEFORE DELETE ON application_years WHEN (SELECT status FROM application_versions WHERE id = OLD.version_id) = 'submitted'
BEGIN SELECT RAISE(ABORT, 'a submitted application version is frozen'); END;
CREATE TRIGGER application_budget_lines_frozen_no_insert BEFORE INSERT ON application_budget_lines WHEN (SELECT status FROM application_versions WHERE id = NEW.version_id) = 'submitted'
BEGIN SELECT RAISE(ABORT, 'a submitted application version is frozen'); END;
CREATE TRIGGER application_budget_lines_frozen_no_update BEFORE UPDATE ON application_budget_lines WHEN (SELECT status FROM application_versions WHERE id = OLD.version_id) = 'submitted'
BEGIN SELECT RAISE(ABORT, 'a submitted application version is frozen'); END;
CREATE TRIGGER application_budget_lines_frozen_no_delete BEFORE DELETE ON application_budget_lines WHEN (SELECT status FROM application_versions WHERE id = OLD.version_id) = 'submitted'
BEGIN SELECT RAISE(ABORT, 'a submitted application version is frozen'); END;
CREATE TRIGGER application_staff_lines_frozen_no_insert BEFORE INSERT ON application_staff_lines WHEN (SELECT status FROM application_versions WHERE id = NEW.version_id) = 'submitted'
BEGIN SELECT RAISE(ABORT, 'a submitted application version is frozen'); END;
CREATE TRIGGER application_staff_lines_frozen_no_update BEFORE UPDATE ON application_staff_lines WHEN (SELECT status FROM application_versions WHERE id = OLD.version_id) = 'submitted'
BEGIN SELECT RAISE(ABORT, 'a submitted application version is frozen'); END;
CREATE TRIGGER application_staff_lines_frozen_no_delete BEFORE DELETE ON application_staff_lines WHEN (SELECT status FROM application_versions WHERE id = OLD.version_id) = 'submitted'
BEGIN SELECT RAISE(ABORT, 'a submitted application version is frozen'); END;
CREATE TRIGGER attachments_frozen_no_insert BEFORE INSERT ON attachments WHEN (SELECT status FROM application_versions WHERE id = NEW.version_id) = 'submitted'
BEGIN SELECT RAISE(ABORT, 'a submitted application version is frozen'); END;
CREATE TRIGGER attachments_frozen_no_update BEFORE UPDATE ON attachments WHEN (SELECT status FROM application_versions WHERE id = OLD.version_id) = 'submitted'
BEGIN SELECT RAISE(ABORT, 'a submitted application version is frozen'); END;
CREATE TRIGGER attachments_frozen_no_delete BEFORE DELETE ON attachments WHEN (SELECT status FROM application_versions WHERE id = OLD.version_id) = 'submitted'
BEGIN SELECT RAISE(ABORT, 'a submitted application version is frozen'); END;
CREATE TRIGGER payments_paid_no_update BEFORE UPDATE ON payments WHEN OLD.status = 'paid'
BEGIN SELECT RAISE(ABORT, 'a paid payment never changes'); END;
CREATE TRIGGER payments_no_delete BEFORE DELETE ON payments
BEGIN SELECT RAISE(ABORT, 'payments are never deleted'); END;
CREATE TRIGGER report_versions_submitted_no_update BEFORE UPDATE ON report_versions WHEN OLD.status = 'submitted'
BEGIN SELECT RAISE(ABORT, 'a submitted report version is frozen'); END;
CREATE TRIGGER report_versions_submitted_no_delete BEFORE DELETE ON report_versions WHEN OLD.status = 'submitted'
BEGIN SELECT RAISE(ABORT, 'a submitted report version is frozen'); END;
CREATE TRIGGER report_answers_frozen_no_insert BEFORE INSERT ON report_answers WHEN (SELECT status FROM report_versions WHERE id = NEW.version_id) = 'submitted'
BEGIN SELECT RAISE(ABORT, 'a submitted report version is frozen'); END;
CREATE TRIGGER report_answers_frozen_no_update BEFORE UPDATE ON report_answers WHEN (SELECT status FROM report_versions WHERE id = OLD.version_id) = 'submitted'
BEGIN SELECT RAISE(ABORT, 'a submitted report version is frozen'); END;
CREATE TRIGGER report_answers_frozen_no_delete BEFORE DELETE ON report_answers WHEN (SELECT status FROM report_versions WHERE id = OLD.version_id) = 'submitted'
BEGIN SELECT RAISE(ABORT, 'a submitted report version is frozen'); END;
CREATE TRIGGER report_cost_lines_frozen_no_insert BEFORE INSERT ON report_cost_lines WHEN (SELECT status FROM report_versions WHERE id = NEW.version_id) = 'submitted'
BEGIN SELECT RAISE(ABORT, 'a submitted report version is frozen'); END;
CREATE TRIGGER report_cost_lines_frozen_no_update BEFORE UPDATE ON report_cost_lines WHEN (SELECT status FROM report_versions WHERE id = OLD.version_id) = 'submitted'
BEGIN SELECT RAISE(ABORT, 'a submitted report version is frozen'); END;
CREATE TRIGGER report_cost_lines_frozen_no_delete BEFORE DELETE ON report_cost_lines WHEN (SELECT status FROM report_versions WHERE id = OLD.version_id) = 'submitted'
BEGIN SELECT RAISE(ABORT, 'a submitted report version is frozen'); END;
