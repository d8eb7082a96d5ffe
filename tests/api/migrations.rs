use std::collections::BTreeSet;
use std::path::Path;

use diesel::RunQueryDsl;
use statsbidrag::db::{self, schema};

use crate::helpers::TestDb;

fn versions(backend: &str) -> BTreeSet<String> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("migrations")
        .join(backend);
    std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().to_string())
        .collect()
}

#[test]
fn both_backends_have_the_same_migration_versions() {
    let sqlite = versions("sqlite");
    let postgres = versions("postgres");
    assert!(!sqlite.is_empty());
    assert_eq!(sqlite, postgres);
    for backend in ["sqlite", "postgres"] {
        for version in &sqlite {
            for file in ["up.sql", "down.sql"] {
                let path = Path::new(env!("CARGO_MANIFEST_DIR"))
                    .join("migrations")
                    .join(backend)
                    .join(version)
                    .join(file);
                assert!(path.is_file(), "{} is missing", path.display());
            }
        }
    }
}

/// Selects every column of every table in `schema.rs`: the schema and the migrations agree
/// on names on this backend.
fn select_every_column(conn: &mut db::DbConnection) {
    macro_rules! check {
        ($($table:ident),+ $(,)?) => {
            $(
                diesel::QueryDsl::limit(
                    diesel::QueryDsl::select(schema::$table::table, schema::$table::all_columns),
                    0,
                )
                .execute(conn)
                .unwrap_or_else(|e| panic!("table {}: {e}", stringify!($table)));
            )+
        };
    }
    check!(
        server_secrets,
        organisations,
        users,
        sessions,
        account_links,
        outbox_redactions,
        programmes,
        calls,
        call_definition_stamps,
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
        form_stashes,
        readiness_checks,
    );
}

#[test]
fn migrations_go_up_down_and_up_again() {
    let test_db = TestDb::new();
    let pool = test_db.connect();
    let mut conn = pool.get().unwrap();
    let applied = db::run_migrations(&mut conn).unwrap();
    assert_eq!(applied.len(), versions("sqlite").len());
    select_every_column(&mut conn);
    let reverted = db::revert_all_migrations(&mut conn).unwrap();
    assert_eq!(reverted.len(), applied.len());
    // Gone: the first table no longer answers.
    assert!(
        diesel::sql_query("SELECT 1 FROM organisations")
            .execute(&mut *conn)
            .is_err()
    );
    let again = db::run_migrations(&mut conn).unwrap();
    assert_eq!(again, applied);
    select_every_column(&mut conn);
    assert!(db::run_migrations(&mut conn).unwrap().is_empty());
}

/// Every column the service looks rows up by has an index on both backends, named the same
/// (issue 12: without them a case page and the dashboard scan whole tables).
#[test]
fn lookup_columns_are_indexed_on_both_backends() {
    #[derive(diesel::QueryableByName)]
    struct Named {
        #[diesel(sql_type = diesel::sql_types::Text)]
        name: String,
    }
    let test_db = TestDb::new();
    let pool = test_db.connect();
    let mut conn = pool.get().unwrap();
    db::run_migrations(&mut conn).unwrap();
    let query = if test_db.is_postgres() {
        "SELECT indexname AS name FROM pg_indexes WHERE schemaname = current_schema()"
    } else {
        "SELECT name FROM sqlite_master WHERE type = 'index'"
    };
    let present: BTreeSet<String> = diesel::sql_query(query)
        .load::<Named>(&mut *conn)
        .unwrap()
        .into_iter()
        .map(|n| n.name)
        .collect();
    let wanted = std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("migrations/sqlite/2026-12-01-000009_lookup_indexes/up.sql"),
    )
    .unwrap();
    let names: Vec<&str> = wanted
        .lines()
        .filter_map(|l| l.strip_prefix("CREATE INDEX IF NOT EXISTS "))
        .filter_map(|l| l.split_whitespace().next())
        .collect();
    assert!(names.len() >= 30, "{names:?}");
    for name in names {
        assert!(present.contains(name), "index {name} missing: {present:?}");
    }
    // The ones the issue names in particular.
    for name in [
        "applications_call",
        "applications_organisation",
        "payments_call",
        "payments_decision",
        "repayment_claims_call",
        "decisions_application",
        "decisions_amends",
        "supplement_requests_application",
        "attachments_version",
        "proposals_application",
    ] {
        assert!(present.contains(name), "{name}");
    }
}
