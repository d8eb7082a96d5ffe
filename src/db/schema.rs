// The one schema for both backends. Kept in step with migrations/sqlite and
// migrations/postgres; tests/api/schema.rs selects every column on each backend.

diesel::table! {
    form_stashes (token_hash) {
        token_hash -> Text,
        path -> Text,
        body -> Text,
        created_at -> Timestamp,
        user_id -> Text,
        key_hash -> Text,
    }
}

diesel::table! {
    server_secrets (name) {
        name -> Text,
        value -> Text,
        created_at -> Timestamp,
    }
}

diesel::table! {
    organisations (id) {
        id -> Text,
        org_number -> Text,
        name -> Text,
        kind -> Text,
        number_status -> Text,
        number_source -> Text,
        created_at -> Timestamp,
    }
}

diesel::table! {
    users (id) {
        id -> Text,
        email -> Text,
        name -> Text,
        password_hash -> Text,
        role -> Text,
        organisation_id -> Nullable<Text>,
        /// The person's role in the organisation: ombud, representative, coordinator.
        org_role -> Nullable<Text>,
        active -> Bool,
        created_at -> Timestamp,
        /// Keyed hash of the personal identity number, to recognise the person.
        pin_hash -> Nullable<Text>,
        /// The personal identity number with its last four digits hidden.
        pin_masked -> Nullable<Text>,
    }
}

diesel::table! {
    sessions (key_hash) {
        key_hash -> Text,
        state -> Text,
        expires_at -> Timestamp,
        created_at -> Timestamp,
        user_id -> Nullable<Text>,
    }
}

diesel::table! {
    account_links (id) {
        id -> Text,
        user_id -> Text,
        purpose -> Text,
        token_hash -> Text,
        created_at -> Timestamp,
        expires_at -> Timestamp,
        used_at -> Nullable<Timestamp>,
        revoked_at -> Nullable<Timestamp>,
        created_by -> Nullable<Text>,
    }
}

diesel::table! {
    outbox_redactions (message_id) {
        message_id -> Text,
    }
}

diesel::table! {
    programmes (id) {
        id -> Text,
        code -> Text,
        name -> Text,
        agency_name -> Text,
        agency_unit -> Text,
        appropriation -> Text,
        purpose -> Text,
        legal_basis -> Text,
        appeal_text -> Text,
        created_at -> Timestamp,
        contact_email -> Nullable<Text>,
        contact_phone -> Nullable<Text>,
    }
}

diesel::table! {
    calls (id) {
        id -> Text,
        programme_id -> Text,
        code -> Text,
        title -> Text,
        description -> Text,
        annex_title -> Text,
        annex_intro -> Text,
        status -> Text,
        max_recipients -> Integer,
        opens_on -> Date,
        last_day -> Date,
        payment_month -> Integer,
        report_due_month -> Integer,
        report_due_day -> Integer,
        requires_approved_reports -> Bool,
        copied_from_call_id -> Nullable<Text>,
        created_at -> Timestamp,
        published_at -> Nullable<Timestamp>,
        closed_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    call_years (call_id, year) {
        call_id -> Text,
        year -> Integer,
        ceiling_ore -> BigInt,
        lock_version -> BigInt,
    }
}

diesel::table! {
    call_eligible_kinds (call_id, kind) {
        call_id -> Text,
        kind -> Text,
    }
}

diesel::table! {
    call_sections (id) {
        id -> Text,
        call_id -> Text,
        position -> Integer,
        title -> Text,
        help_text -> Text,
        required -> Bool,
        max_length -> Integer,
        kind -> Text,
        settings -> Text,
    }
}

diesel::table! {
    call_cost_categories (id) {
        id -> Text,
        call_id -> Text,
        position -> Integer,
        code -> Text,
        name -> Text,
    }
}

diesel::table! {
    call_criteria (id) {
        id -> Text,
        call_id -> Text,
        position -> Integer,
        title -> Text,
        description -> Text,
    }
}

diesel::table! {
    expected_results (id) {
        id -> Text,
        call_id -> Text,
        year -> Integer,
        position -> Integer,
        area -> Text,
        title -> Text,
        body -> Text,
    }
}

diesel::table! {
    call_amendments (id) {
        id -> Text,
        call_id -> Text,
        amended_at -> Timestamp,
        amended_by -> Text,
        summary -> Text,
        details -> Text,
    }
}

diesel::table! {
    registration_counters (year) {
        year -> Integer,
        last_value -> Integer,
    }
}

diesel::table! {
    redistribution_rounds (id) {
        id -> Text,
        call_id -> Text,
        year -> Integer,
        opens_on -> Date,
        last_day -> Date,
        status -> Text,
        created_by -> Text,
        created_at -> Timestamp,
        closed_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    applications (id) {
        id -> Text,
        call_id -> Text,
        organisation_id -> Text,
        kind -> Text,
        redistribution_round_id -> Nullable<Text>,
        status -> Text,
        registration_number -> Nullable<Text>,
        project_title -> Text,
        source_note -> Nullable<Text>,
        created_by -> Nullable<Text>,
        created_at -> Timestamp,
        submitted_at -> Nullable<Timestamp>,
        submitted_by -> Nullable<Text>,
        /// How a decided application was decided; NULL before (kept for the lists).
        outcome -> Nullable<Text>,
        /// The organisation's name, for the sort by organisation (filled on insert).
        organisation_name -> Text,
        /// Generated: the shown status label's place in alphabetical order.
        status_rank -> Integer,
    }
}

diesel::table! {
    /// Applications per call and shown status (drafts not counted), kept by triggers.
    application_counts (call_id, code) {
        call_id -> Text,
        code -> Text,
        n -> BigInt,
    }
}

diesel::table! {
    supplement_requests (id) {
        id -> Text,
        application_id -> Text,
        requested_by -> Nullable<Text>,
        requested_at -> Timestamp,
        message -> Text,
        due_on -> Date,
        status -> Text,
        answered_at -> Nullable<Timestamp>,
        answered_by -> Nullable<Text>,
        answer_text -> Nullable<Text>,
        budget_change_allowed -> Bool,
    }
}

diesel::table! {
    application_versions (id) {
        id -> Text,
        application_id -> Text,
        number -> Integer,
        status -> Text,
        supplement_request_id -> Nullable<Text>,
        created_at -> Timestamp,
        created_by -> Nullable<Text>,
        submitted_at -> Nullable<Timestamp>,
        submitted_by -> Nullable<Text>,
        supplement_answer -> Nullable<Text>,
        reasons -> Nullable<Text>,
        submitted_method -> Nullable<Text>,
        submitted_loa -> Nullable<Text>,
    }
}

diesel::table! {
    application_answers (version_id, section_id) {
        version_id -> Text,
        section_id -> Text,
        body -> Text,
    }
}

diesel::table! {
    application_years (version_id, year) {
        version_id -> Text,
        year -> Integer,
        requested_ore -> BigInt,
    }
}

diesel::table! {
    application_budget_lines (id) {
        id -> Text,
        version_id -> Text,
        year -> Integer,
        cost_category_id -> Text,
        amount_ore -> BigInt,
        description -> Text,
    }
}

diesel::table! {
    application_staff_lines (id) {
        id -> Text,
        version_id -> Text,
        year -> Integer,
        position -> Integer,
        role -> Text,
        fte_percent -> Integer,
        months -> Integer,
        cost_ore -> BigInt,
    }
}

diesel::table! {
    attachments (id) {
        id -> Text,
        version_id -> Text,
        filename -> Text,
        content_type -> Text,
        size_bytes -> BigInt,
        sha256 -> Text,
        content -> Binary,
        uploaded_at -> Timestamp,
        uploaded_by -> Nullable<Text>,
        section_id -> Nullable<Text>,
    }
}

diesel::table! {
    conflict_declarations (id) {
        id -> Text,
        application_id -> Text,
        user_id -> Text,
        declared_at -> Timestamp,
        reason -> Text,
    }
}

diesel::table! {
    assessments (id) {
        id -> Text,
        application_id -> Text,
        officer_id -> Text,
        criterion_id -> Text,
        rating -> Text,
        comment -> Text,
        created_at -> Timestamp,
    }
}

diesel::table! {
    proposals (id) {
        id -> Text,
        application_id -> Text,
        officer_id -> Text,
        recommendation -> Text,
        reasons -> Text,
        created_at -> Timestamp,
    }
}

diesel::table! {
    proposal_years (proposal_id, year) {
        proposal_id -> Text,
        year -> Integer,
        amount_ore -> BigInt,
    }
}

diesel::table! {
    decisions (id) {
        id -> Text,
        call_id -> Text,
        application_id -> Nullable<Text>,
        organisation_id -> Text,
        kind -> Text,
        status -> Text,
        registration_number -> Text,
        decided_on -> Nullable<Date>,
        purpose -> Text,
        reasons -> Text,
        report_due_on -> Nullable<Date>,
        presenting_officer_id -> Text,
        decision_maker_id -> Nullable<Text>,
        amends_decision_id -> Nullable<Text>,
        redistribution_round_id -> Nullable<Text>,
        source_note -> Nullable<Text>,
        created_at -> Timestamp,
        created_by -> Text,
        signed_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    decision_years (decision_id, year) {
        decision_id -> Text,
        year -> Integer,
        amount_ore -> BigInt,
    }
}

diesel::table! {
    decision_documents (decision_id) {
        decision_id -> Text,
        filename -> Text,
        sha256 -> Text,
        content -> Binary,
        created_at -> Timestamp,
        letter_json -> Nullable<Text>,
    }
}

diesel::table! {
    payments (id) {
        id -> Text,
        decision_id -> Text,
        call_id -> Text,
        organisation_id -> Text,
        year -> Integer,
        amount_ore -> BigInt,
        due_on -> Date,
        status -> Text,
        paid_on -> Nullable<Date>,
        payment_reference -> Nullable<Text>,
        marked_by -> Nullable<Text>,
        marked_at -> Nullable<Timestamp>,
        created_at -> Timestamp,
        cancelled_at -> Nullable<Timestamp>,
        cancelled_by_decision_id -> Nullable<Text>,
        organisation_name -> Text,
        org_number -> Text,
        registration_number -> Text,
    }
}

diesel::table! {
    payment_counts (scope, owner_id) {
        scope -> Text,
        owner_id -> Text,
        n -> BigInt,
    }
}

diesel::table! {
    reports (id) {
        id -> Text,
        decision_id -> Text,
        organisation_id -> Text,
        year -> Integer,
        status -> Text,
        opens_on -> Date,
        due_on -> Date,
        created_at -> Timestamp,
        approved_at -> Nullable<Timestamp>,
        approved_by -> Nullable<Text>,
    }
}

diesel::table! {
    report_versions (id) {
        id -> Text,
        report_id -> Text,
        number -> Integer,
        status -> Text,
        created_at -> Timestamp,
        created_by -> Nullable<Text>,
        submitted_at -> Nullable<Timestamp>,
        submitted_by -> Nullable<Text>,
        signer_name -> Nullable<Text>,
        signer_role -> Nullable<Text>,
        children_total -> Nullable<Integer>,
        girls -> Nullable<Integer>,
        boys -> Nullable<Integer>,
        staff_fte_hundredths -> Nullable<Integer>,
        received_ore -> Nullable<BigInt>,
        used_ore -> Nullable<BigInt>,
        unused_ore -> Nullable<BigInt>,
        supplement_request_id -> Nullable<Text>,
        submitted_method -> Nullable<Text>,
        submitted_loa -> Nullable<Text>,
    }
}

diesel::table! {
    report_answers (version_id, expected_result_id) {
        version_id -> Text,
        expected_result_id -> Text,
        achievement -> Text,
        activities -> Text,
        obstacles -> Text,
    }
}

diesel::table! {
    report_cost_lines (version_id, cost_category_id) {
        version_id -> Text,
        cost_category_id -> Text,
        used_ore -> BigInt,
    }
}

diesel::table! {
    repayment_claims (id) {
        id -> Text,
        organisation_id -> Text,
        decision_id -> Text,
        report_id -> Nullable<Text>,
        call_id -> Text,
        year -> Integer,
        kind -> Text,
        amount_ore -> BigInt,
        reason -> Text,
        payment_reference -> Text,
        due_on -> Date,
        status -> Text,
        received_on -> Nullable<Date>,
        created_at -> Timestamp,
        created_by -> Text,
        received_by -> Nullable<Text>,
    }
}

diesel::table! {
    call_report_rules (call_id) {
        call_id -> Text,
        opens_offset_days -> Integer,
        reminder_days_before -> Integer,
        repayment_due_days -> Integer,
    }
}

diesel::table! {
    report_supplement_requests (id) {
        id -> Text,
        report_id -> Text,
        requested_by -> Text,
        requested_at -> Timestamp,
        message -> Text,
        due_on -> Date,
        status -> Text,
        answered_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    /// One kept row per grant year for the report-back lists (migration 000015).
    report_slots (decision_id, year) {
        decision_id -> Text,
        year -> Integer,
        call_id -> Text,
        organisation_id -> Text,
        organisation_name -> Text,
        registration_number -> Text,
        granted_ore -> BigInt,
        report_id -> Nullable<Text>,
        report_status -> Nullable<Text>,
        received_ore -> Nullable<BigInt>,
        used_ore -> Nullable<BigInt>,
        repaid_ore -> BigInt,
    }
}

diesel::table! {
    /// Per call and year: the report-back pager's counts and the overview's sums.
    report_year_totals (call_id, year) {
        call_id -> Text,
        year -> Integer,
        slots -> BigInt,
        owed -> BigInt,
        received_ore -> BigInt,
        used_ore -> BigInt,
        unused_ore -> BigInt,
        repaid_ore -> BigInt,
    }
}

diesel::table! {
    report_reminders (decision_id, year, kind) {
        decision_id -> Text,
        year -> Integer,
        kind -> Text,
        sent_at -> Timestamp,
        recipients -> Integer,
    }
}

diesel::table! {
    repayment_claim_documents (claim_id) {
        claim_id -> Text,
        filename -> Text,
        sha256 -> Text,
        content -> Binary,
        created_at -> Timestamp,
    }
}

diesel::table! {
    outbox_messages (id) {
        id -> Text,
        created_at -> Timestamp,
        to_address -> Text,
        subject -> Text,
        body_text -> Text,
        attachment_name -> Nullable<Text>,
        attachment_content_type -> Nullable<Text>,
        attachment -> Nullable<Binary>,
        attempts -> Integer,
        next_attempt_at -> Timestamp,
        sent_at -> Nullable<Timestamp>,
        last_error -> Nullable<Text>,
        application_id -> Nullable<Text>,
        kind -> Text,
        resent_from -> Nullable<Text>,
    }
}

diesel::table! {
    audit_events (id) {
        id -> Text,
        occurred_at -> Timestamp,
        actor_user_id -> Nullable<Text>,
        actor_email -> Nullable<Text>,
        actor_role -> Nullable<Text>,
        actor_organisation_id -> Nullable<Text>,
        action -> Text,
        entity_type -> Text,
        entity_id -> Nullable<Text>,
        summary -> Text,
        details -> Text,
    }
}

diesel::table! {
    call_report_fields (id) {
        id -> Text,
        call_id -> Text,
        position -> Integer,
        title -> Text,
        help_text -> Text,
        required -> Bool,
        max_length -> Integer,
        kind -> Text,
        settings -> Text,
    }
}

diesel::table! {
    report_field_answers (version_id, field_id) {
        version_id -> Text,
        field_id -> Text,
        body -> Text,
    }
}

diesel::table! {
    call_form_versions (call_id, form, version) {
        call_id -> Text,
        form -> Text,
        version -> Integer,
        definition -> Text,
        saved_at -> Timestamp,
        saved_by -> Nullable<Text>,
    }
}

diesel::table! {
    case_officers (application_id) {
        application_id -> Text,
        officer_id -> Text,
        assigned_at -> Timestamp,
        assigned_by -> Text,
    }
}

diesel::joinable!(users -> organisations (organisation_id));

diesel::joinable!(calls -> programmes (programme_id));

diesel::joinable!(call_years -> calls (call_id));

diesel::joinable!(call_eligible_kinds -> calls (call_id));

diesel::joinable!(call_sections -> calls (call_id));

diesel::joinable!(call_cost_categories -> calls (call_id));

diesel::joinable!(call_criteria -> calls (call_id));

diesel::joinable!(expected_results -> calls (call_id));

diesel::joinable!(call_amendments -> calls (call_id));

diesel::joinable!(call_amendments -> users (amended_by));

diesel::joinable!(redistribution_rounds -> calls (call_id));

diesel::joinable!(redistribution_rounds -> users (created_by));

diesel::joinable!(applications -> calls (call_id));

diesel::joinable!(applications -> organisations (organisation_id));

diesel::joinable!(applications -> redistribution_rounds (redistribution_round_id));

diesel::joinable!(supplement_requests -> applications (application_id));

diesel::joinable!(application_versions -> applications (application_id));

diesel::joinable!(application_versions -> supplement_requests (supplement_request_id));

diesel::joinable!(application_answers -> application_versions (version_id));

diesel::joinable!(application_answers -> call_sections (section_id));

diesel::joinable!(application_years -> application_versions (version_id));

diesel::joinable!(application_budget_lines -> application_versions (version_id));

diesel::joinable!(application_budget_lines -> call_cost_categories (cost_category_id));

diesel::joinable!(application_staff_lines -> application_versions (version_id));

diesel::joinable!(attachments -> application_versions (version_id));

diesel::joinable!(attachments -> users (uploaded_by));

diesel::joinable!(conflict_declarations -> applications (application_id));

diesel::joinable!(conflict_declarations -> users (user_id));

diesel::joinable!(assessments -> applications (application_id));

diesel::joinable!(assessments -> users (officer_id));

diesel::joinable!(assessments -> call_criteria (criterion_id));

diesel::joinable!(proposals -> applications (application_id));

diesel::joinable!(proposals -> users (officer_id));

diesel::joinable!(proposal_years -> proposals (proposal_id));

diesel::joinable!(decisions -> calls (call_id));

diesel::joinable!(decisions -> applications (application_id));

diesel::joinable!(decisions -> organisations (organisation_id));

diesel::joinable!(decisions -> redistribution_rounds (redistribution_round_id));

diesel::joinable!(decision_years -> decisions (decision_id));

diesel::joinable!(decision_documents -> decisions (decision_id));

diesel::joinable!(payments -> decisions (decision_id));

diesel::joinable!(payments -> calls (call_id));

diesel::joinable!(payments -> organisations (organisation_id));

diesel::joinable!(payments -> users (marked_by));

diesel::joinable!(reports -> decisions (decision_id));

diesel::joinable!(reports -> organisations (organisation_id));

diesel::joinable!(reports -> users (approved_by));

diesel::joinable!(report_versions -> reports (report_id));

diesel::joinable!(report_answers -> report_versions (version_id));

diesel::joinable!(report_answers -> expected_results (expected_result_id));

diesel::joinable!(report_cost_lines -> report_versions (version_id));

diesel::joinable!(report_cost_lines -> call_cost_categories (cost_category_id));

diesel::joinable!(repayment_claims -> organisations (organisation_id));

diesel::joinable!(repayment_claims -> decisions (decision_id));

diesel::joinable!(repayment_claims -> reports (report_id));

diesel::joinable!(repayment_claims -> calls (call_id));

diesel::joinable!(repayment_claims -> users (created_by));

diesel::joinable!(call_report_rules -> calls (call_id));

diesel::joinable!(report_supplement_requests -> reports (report_id));

diesel::joinable!(report_supplement_requests -> users (requested_by));

diesel::joinable!(report_reminders -> decisions (decision_id));

diesel::joinable!(repayment_claim_documents -> repayment_claims (claim_id));

diesel::joinable!(audit_events -> users (actor_user_id));

diesel::joinable!(audit_events -> organisations (actor_organisation_id));

diesel::allow_tables_to_appear_in_same_query!(
    application_counts,
    server_secrets,
    organisations,
    users,
    sessions,
    programmes,
    calls,
    call_years,
    call_eligible_kinds,
    call_sections,
    call_cost_categories,
    call_criteria,
    expected_results,
    call_amendments,
    registration_counters,
    redistribution_rounds,
    applications,
    supplement_requests,
    application_versions,
    application_answers,
    application_years,
    application_budget_lines,
    application_staff_lines,
    attachments,
    conflict_declarations,
    assessments,
    proposals,
    proposal_years,
    decisions,
    decision_years,
    decision_documents,
    payments,
    payment_counts,
    reports,
    report_versions,
    report_answers,
    report_cost_lines,
    repayment_claims,
    call_report_rules,
    report_supplement_requests,
    report_reminders,
    repayment_claim_documents,
    outbox_messages,
    audit_events,
);

diesel::table! {
    readiness_checks (instance) {
        instance -> Text,
        checked_at -> Timestamp,
    }
}

diesel::table! {
    job_leases (job) {
        job -> Text,
        holder -> Text,
        leased_until -> Timestamp,
    }
}

diesel::table! {
    login_throttle (key) {
        key -> Text,
        failures -> Integer,
        locked_until -> Nullable<Timestamp>,
        last_failure -> Timestamp,
        refused -> Integer,
        told -> Bool,
    }
}

diesel::table! {
    login_audit_budget (id) {
        id -> Integer,
        minute_start -> Timestamp,
        first_failures -> Integer,
        lockouts -> Integer,
        left_out -> Integer,
    }
}

// Money kept up to date where it is written (migration 2026-12-01-000013); see
// `db::money_figures`.
diesel::table! {
    org_year_money (call_id, organisation_id, year) {
        call_id -> Text,
        organisation_id -> Text,
        year -> Integer,
        signed_rows -> BigInt,
        granted_first -> BigInt,
        granted_top_up -> BigInt,
        granted_changes -> BigInt,
        paid -> BigInt,
        planned -> BigInt,
        cancelled -> BigInt,
        repaid_received -> BigInt,
        repaid_open -> BigInt,
        reclaimed_received -> BigInt,
        reclaimed_open -> BigInt,
        returned -> BigInt,
    }
}

diesel::table! {
    call_year_money (call_id, year) {
        call_id -> Text,
        year -> Integer,
        signed_rows -> BigInt,
        granted_first -> BigInt,
        granted_top_up -> BigInt,
        granted_changes -> BigInt,
        paid -> BigInt,
        planned -> BigInt,
        cancelled -> BigInt,
        repaid_received -> BigInt,
        repaid_open -> BigInt,
        reclaimed_received -> BigInt,
        reclaimed_open -> BigInt,
        returned -> BigInt,
    }
}

diesel::table! {
    call_recipients (call_id, organisation_id) {
        call_id -> Text,
        organisation_id -> Text,
        organisation_name -> Text,
        org_number -> Text,
    }
}

diesel::joinable!(org_year_money -> organisations (organisation_id));
diesel::joinable!(call_recipients -> organisations (organisation_id));
diesel::table! {
    call_recipient_counts (call_id) {
        call_id -> Text,
        n -> BigInt,
    }
}

diesel::allow_tables_to_appear_in_same_query!(org_year_money, call_recipients, organisations);

diesel::table! {
    call_definition_stamps (call_id) {
        call_id -> Text,
        stamp -> Text,
    }
}

// Ombudsansökan (issue 14; migration 2026-12-01-000025); see `db::ombud_requests`.
diesel::table! {
    ombud_request_counters (year) {
        year -> Integer,
        last_value -> Integer,
    }
}

diesel::table! {
    ombud_requests (id) {
        id -> Text,
        reference -> Text,
        user_id -> Text,
        applicant_name -> Text,
        applicant_email -> Text,
        org_number -> Text,
        org_name -> Text,
        org_kind -> Text,
        organisation_id -> Nullable<Text>,
        signs_for_organisation -> Bool,
        contact_email -> Text,
        contact_phone -> Text,
        filed_method -> Text,
        filed_loa -> Nullable<Text>,
        status -> Text,
        submitted_at -> Timestamp,
        last_submitted_at -> Timestamp,
        decided_at -> Nullable<Timestamp>,
        decided_by -> Nullable<Text>,
    }
}

diesel::table! {
    ombud_request_steps (id) {
        id -> Text,
        request_id -> Text,
        round -> Integer,
        kind -> Text,
        message -> Nullable<Text>,
        org_number -> Nullable<Text>,
        org_name -> Nullable<Text>,
        org_kind -> Nullable<Text>,
        actor_user_id -> Text,
        actor_name -> Text,
        at -> Timestamp,
    }
}

diesel::table! {
    ombud_request_documents (id) {
        id -> Text,
        request_id -> Text,
        round -> Integer,
        kind -> Text,
        filename -> Text,
        content_type -> Text,
        size_bytes -> BigInt,
        sha256 -> Text,
        content -> Binary,
        uploaded_at -> Timestamp,
        uploaded_by -> Text,
    }
}

diesel::table! {
    ombud_request_letters (id) {
        id -> Text,
        request_id -> Text,
        step_id -> Text,
        kind -> Text,
        filename -> Text,
        sha256 -> Text,
        content -> Binary,
        created_at -> Timestamp,
    }
}

diesel::joinable!(ombud_request_steps -> ombud_requests (request_id));
diesel::joinable!(ombud_request_documents -> ombud_requests (request_id));
diesel::joinable!(ombud_request_letters -> ombud_requests (request_id));
diesel::allow_tables_to_appear_in_same_query!(
    ombud_requests,
    ombud_request_steps,
    ombud_request_documents,
    ombud_request_letters,
    users,
);
diesel::allow_tables_to_appear_in_same_query!(case_officers, applications);
diesel::allow_tables_to_appear_in_same_query!(case_officers, organisations);

diesel::table! {
    change_requests (id) {
        id -> Text,
        application_id -> Text,
        decision_id -> Text,
        organisation_id -> Text,
        number -> Integer,
        kind -> Text,
        status -> Text,
        year -> Nullable<Integer>,
        amount_ore -> Nullable<BigInt>,
        description -> Text,
        created_at -> Timestamp,
        created_by -> Text,
        updated_at -> Timestamp,
        submitted_at -> Nullable<Timestamp>,
        submitted_by -> Nullable<Text>,
        handled_at -> Nullable<Timestamp>,
        handled_by -> Nullable<Text>,
        answer -> Nullable<Text>,
        approved_amount_ore -> Nullable<BigInt>,
        change_decision_id -> Nullable<Text>,
    }
}

diesel::table! {
    change_request_lines (request_id, cost_category_id) {
        request_id -> Text,
        cost_category_id -> Text,
        before_ore -> BigInt,
        requested_ore -> BigInt,
        approved_ore -> Nullable<BigInt>,
    }
}

diesel::table! {
    change_request_files (id) {
        id -> Text,
        request_id -> Text,
        filename -> Text,
        content_type -> Text,
        size_bytes -> BigInt,
        sha256 -> Text,
        content -> Binary,
        uploaded_at -> Timestamp,
        uploaded_by -> Text,
    }
}

diesel::table! {
    change_request_supplements (id) {
        id -> Text,
        request_id -> Text,
        requested_at -> Timestamp,
        requested_by -> Text,
        message -> Text,
        due_on -> Date,
        answer -> Nullable<Text>,
        answered_at -> Nullable<Timestamp>,
        answered_by -> Nullable<Text>,
    }
}

diesel::joinable!(change_request_lines -> change_requests (request_id));
diesel::allow_tables_to_appear_in_same_query!(change_requests, change_request_lines);
diesel::allow_tables_to_appear_in_same_query!(change_requests, applications);
diesel::allow_tables_to_appear_in_same_query!(change_requests, organisations);

diesel::table! {
    case_messages (id) {
        id -> Text,
        application_id -> Text,
        sender_id -> Text,
        sender_side -> Text,
        about -> Nullable<Text>,
        body -> Text,
        sent_at -> Timestamp,
        read_at -> Nullable<Timestamp>,
        read_by -> Nullable<Text>,
    }
}

diesel::table! {
    case_message_files (id) {
        id -> Text,
        message_id -> Text,
        filename -> Text,
        content_type -> Text,
        size_bytes -> BigInt,
        sha256 -> Text,
        content -> Binary,
        uploaded_at -> Timestamp,
    }
}

diesel::joinable!(case_message_files -> case_messages (message_id));
diesel::allow_tables_to_appear_in_same_query!(case_messages, case_message_files);
diesel::allow_tables_to_appear_in_same_query!(case_messages, applications);
diesel::allow_tables_to_appear_in_same_query!(case_messages, organisations);

diesel::table! {
    /// Which notifications went out (issue 16, migration 000031): one row each, so that
    /// each is sent at most once.
    notifications_sent (kind, subject_key, recipient) {
        kind -> Text,
        subject_key -> Text,
        recipient -> Text,
        sent_at -> Timestamp,
    }
}

diesel::allow_tables_to_appear_in_same_query!(notifications_sent, applications);
diesel::allow_tables_to_appear_in_same_query!(notifications_sent, organisations);
diesel::allow_tables_to_appear_in_same_query!(notifications_sent, calls);
diesel::allow_tables_to_appear_in_same_query!(notifications_sent, decisions);
diesel::allow_tables_to_appear_in_same_query!(notifications_sent, report_slots);
diesel::allow_tables_to_appear_in_same_query!(notifications_sent, repayment_claims);
// The officers' queues (`db::queues`) filter every queue on the officer's own cases.
diesel::allow_tables_to_appear_in_same_query!(case_officers, change_requests);
diesel::allow_tables_to_appear_in_same_query!(case_officers, reports);
diesel::allow_tables_to_appear_in_same_query!(case_officers, decisions);
diesel::allow_tables_to_appear_in_same_query!(case_officers, repayment_claims);
diesel::allow_tables_to_appear_in_same_query!(case_officers, supplement_requests);
diesel::allow_tables_to_appear_in_same_query!(case_officers, report_supplement_requests);
