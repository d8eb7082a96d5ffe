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
        case_officers,
        case_messages,
        case_message_files,
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
        call_report_fields,
        report_field_answers,
        call_form_versions,
        change_requests,
        change_request_lines,
        change_request_files,
        change_request_supplements,
        notifications_sent,
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

#[derive(diesel::QueryableByName, Debug, Clone, PartialEq)]
struct VersionCounts {
    #[diesel(sql_type = diesel::sql_types::Text)]
    id: String,
    #[diesel(sql_type = diesel::sql_types::Text)]
    report_id: String,
    #[diesel(sql_type = diesel::sql_types::Text)]
    status: String,
    #[diesel(sql_type = diesel::sql_types::Nullable<diesel::sql_types::Integer>)]
    children_total: Option<i32>,
    #[diesel(sql_type = diesel::sql_types::Nullable<diesel::sql_types::Integer>)]
    girls: Option<i32>,
    #[diesel(sql_type = diesel::sql_types::Nullable<diesel::sql_types::Integer>)]
    boys: Option<i32>,
}

#[derive(diesel::QueryableByName)]
struct Texts {
    #[diesel(sql_type = diesel::sql_types::Text)]
    a: String,
    #[diesel(sql_type = diesel::sql_types::Text)]
    b: String,
}

#[derive(diesel::QueryableByName)]
struct Count {
    #[diesel(sql_type = diesel::sql_types::BigInt)]
    n: i64,
}

fn count(conn: &mut db::DbConnection, sql: &str) -> i64 {
    diesel::sql_query(sql)
        .get_result::<Count>(conn)
        .unwrap_or_else(|e| panic!("{sql}: {e}"))
        .n
}

/// Rows of the tables the form migrations (000026, 000027) touch or read.
const TOUCHED: [&str; 8] = [
    "calls",
    "call_sections",
    "attachments",
    "decisions",
    "reports",
    "report_versions",
    "report_answers",
    "report_cost_lines",
];

fn row_counts(conn: &mut db::DbConnection) -> Vec<(String, i64)> {
    TOUCHED
        .iter()
        .map(|t| {
            (
                t.to_string(),
                count(conn, &format!("SELECT COUNT(*) AS n FROM {t}")),
            )
        })
        .collect()
}

fn version_counts(conn: &mut db::DbConnection) -> Vec<VersionCounts> {
    diesel::sql_query(
        "SELECT id, report_id, status, children_total, girls, boys FROM report_versions ORDER BY id",
    )
    .load(conn)
    .unwrap()
}

/// Issue 15: the counts of children, girls and boys were columns of every report version;
/// migration 000027 makes them the answer to each call's counts field. From the demo taken
/// back to before `back_to` (000027, or 000026 and its tables too), with reports in every
/// state and counts complete, partial and missing, the migrations up again keep every row,
/// move every count exactly, keep submitted versions frozen, and the API answers
/// `children_total`, `girls` and `boys` as the columns said.
async fn the_counts_survive_the_migration_from(back_to: &str) {
    use crate::helpers::{SKANE, execute, spawn_app};
    let app = spawn_app().await;
    let mut conn = app.conn();
    while db::revert_last_migration(&mut conn).unwrap() != back_to {}
    assert!(execute(&mut conn, "SELECT children_total FROM report_versions").is_ok());

    // Skåne's decision and another region's, in the 2020 call.
    let decisions: Vec<Texts> = diesel::sql_query(
        "SELECT d.id AS a, o.name AS b FROM decisions d \
         JOIN organisations o ON o.id = d.organisation_id \
         JOIN calls c ON c.id = d.call_id \
         WHERE c.code = '2020-integrerad-vard' AND d.status = 'signed' AND d.kind = 'grant' ORDER BY o.name",
    )
    .load(&mut conn)
    .unwrap();
    let skane = decisions
        .iter()
        .find(|d| d.b == "Region Skåne")
        .map(|d| d.a.clone())
        .expect("the demo has Skåne's decision");
    let other = decisions
        .iter()
        .find(|d| d.b != "Region Skåne")
        .map(|d| d.a.clone())
        .expect("the demo has another decision");
    let report = |conn: &mut db::DbConnection,
                  id: &str,
                  decision: &str,
                  year: i32,
                  status: &str| {
        execute(
            conn,
            &format!(
                "INSERT INTO reports (id, decision_id, organisation_id, year, status, opens_on, due_on, created_at) \
                 SELECT '{id}', id, organisation_id, {year}, '{status}', '{}-01-01', '{}-03-01', '2022-01-10 10:00:00' \
                 FROM decisions WHERE id = '{decision}'",
                year + 1,
                year + 1
            ),
        )
        .unwrap();
    };
    // Every version is written as a draft with its answer and cost line, and submitted
    // afterwards: the database refuses rows under a submitted version.
    let version = |conn: &mut db::DbConnection, id: &str, report: &str, counts: &str| {
        for sql in [
            format!(
                "INSERT INTO report_versions (id, report_id, number, status, created_at, \
                    signer_name, signer_role, children_total, girls, boys, staff_fte_hundredths, \
                    received_ore, used_ore, unused_ore) \
                 VALUES ('{id}', '{report}', 1, 'draft', '2022-01-10 10:00:00', \
                    'Anna Andersson', 'Verksamhetschef', {counts}, 350, 291380800, 251380800, 40000000)"
            ),
            format!(
                "INSERT INTO report_answers (version_id, expected_result_id, achievement, activities, obstacles) \
                 SELECT '{id}', e.id, 'partly', 'Arbete enligt plan', 'Personalbrist' \
                 FROM expected_results e JOIN decisions d ON d.call_id = e.call_id \
                 JOIN reports r ON r.decision_id = d.id \
                 WHERE r.id = '{report}' AND e.year = r.year"
            ),
            format!(
                "INSERT INTO report_cost_lines (version_id, cost_category_id, used_ore) \
                 SELECT '{id}', k.id, 251380800 \
                 FROM call_cost_categories k JOIN decisions d ON d.call_id = k.call_id \
                 JOIN reports r ON r.decision_id = d.id \
                 WHERE r.id = '{report}' AND k.code = 'personal'"
            ),
        ] {
            execute(conn, &sql).unwrap_or_else(|e| panic!("{sql}: {e}"));
        }
    };
    let submit = |conn: &mut db::DbConnection, id: &str| {
        execute(
            conn,
            &format!(
                "UPDATE report_versions SET status = 'submitted', submitted_at = '2022-02-20 10:00:00' \
                 WHERE id = '{id}'"
            ),
        )
        .unwrap();
    };
    report(&mut conn, "r-skane-2021", &skane, 2021, "submitted");
    version(&mut conn, "v-skane-2021", "r-skane-2021", "23, 9, 14");
    submit(&mut conn, "v-skane-2021");
    report(&mut conn, "r-skane-2022", &skane, 2022, "draft");
    version(&mut conn, "v-skane-2022", "r-skane-2022", "5, 2, NULL");
    report(&mut conn, "r-other-2021", &other, 2021, "submitted");
    version(&mut conn, "v-other-2021", "r-other-2021", "0, 0, 0");
    submit(&mut conn, "v-other-2021");
    report(&mut conn, "r-other-2022", &other, 2022, "draft");
    // A draft with girls but no total: nothing a count by sex can hold; kept in its column.
    version(&mut conn, "v-other-2022", "r-other-2022", "NULL, 3, NULL");
    // A file under a new draft of an application (000026 gave attachments a column).
    let empty = if app.test_db.is_postgres() {
        "decode('', 'hex')"
    } else {
        "X''"
    };
    for sql in [
        "INSERT INTO application_versions (id, application_id, number, status, created_at) \
         SELECT 'av-migration', id, 99, 'draft', '2022-01-10 10:00:00' FROM applications \
         ORDER BY id LIMIT 1"
            .to_string(),
        format!(
            "INSERT INTO attachments (id, version_id, filename, content_type, size_bytes, sha256, \
                content, uploaded_at) \
             VALUES ('a-migration', 'av-migration', 'plan.txt', 'text/plain', 0, \
                'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855', {empty}, \
                '2022-01-10 10:00:00')"
        ),
    ] {
        execute(&mut conn, &sql).unwrap_or_else(|e| panic!("{sql}: {e}"));
    }
    let before_rows = row_counts(&mut conn);
    let before_versions = version_counts(&mut conn);
    for (table, n) in &before_rows {
        assert!(*n > 0, "the demo has no rows in {table}: {before_rows:?}");
    }
    let calls = count(&mut conn, "SELECT COUNT(*) AS n FROM calls");

    db::run_migrations(&mut conn).unwrap();

    // Every row is still there, the columns as they were.
    assert_eq!(row_counts(&mut conn), before_rows);
    assert_eq!(version_counts(&mut conn), before_versions);
    // Every call got one counts field, after its own fields.
    assert_eq!(
        count(
            &mut conn,
            "SELECT COUNT(*) AS n FROM call_report_fields f WHERE f.kind = 'sex_counts' \
             AND f.title = 'Barn och unga som ingått' AND f.required = TRUE AND f.max_length = 8000 \
             AND f.settings = '{}' \
             AND f.position = (SELECT MAX(p.position) FROM call_report_fields p WHERE p.call_id = f.call_id)"
        ),
        calls
    );
    // Each version with a total has its counts as the answer, exactly; the others none.
    let answers: Vec<Texts> = diesel::sql_query(
        "SELECT a.version_id AS a, a.body AS b FROM report_field_answers a \
         JOIN call_report_fields f ON f.id = a.field_id WHERE f.kind = 'sex_counts' ORDER BY a.version_id",
    )
    .load(&mut conn)
    .unwrap();
    let answers: Vec<(String, String)> = answers.into_iter().map(|t| (t.a, t.b)).collect();
    assert_eq!(
        answers,
        [
            (
                "v-other-2021".to_string(),
                r#"{"total":0,"girls":0,"boys":0}"#.to_string()
            ),
            (
                "v-skane-2021".to_string(),
                r#"{"total":23,"girls":9,"boys":14}"#.to_string()
            ),
            (
                "v-skane-2022".to_string(),
                r#"{"total":5,"girls":2,"boys":null}"#.to_string()
            ),
        ]
    );
    // Submitted versions are still frozen, their new answers with them.
    for sql in [
        "UPDATE report_field_answers SET body = '{}' WHERE version_id = 'v-skane-2021'",
        "DELETE FROM report_field_answers WHERE version_id = 'v-skane-2021'",
        "UPDATE report_versions SET children_total = 1 WHERE id = 'v-skane-2021'",
    ] {
        assert!(execute(&mut conn, sql).is_err(), "{sql}");
    }
    // A draft's answer is the draft's to change.
    assert!(
        execute(
            &mut conn,
            "UPDATE report_field_answers SET body = body WHERE version_id = 'v-skane-2022'"
        )
        .is_ok()
    );
    drop(conn);

    // The API answers the counts as the columns said (what it answered before 000027).
    let _csrf = app.api_login(SKANE).await;
    for (report, expected) in [
        ("r-skane-2021", serde_json::json!([23, 9, 14])),
        ("r-skane-2022", serde_json::json!([5, 2, null])),
    ] {
        let (status, body) = app.get_json(&format!("/api/v1/reports/{report}")).await;
        assert_eq!(status, 200, "{body}");
        let v = &body["versions"][0];
        assert_eq!(
            serde_json::json!([v["children_total"], v["girls"], v["boys"]]),
            expected,
            "{body}"
        );
    }
}

#[actix_web::test]
async fn the_counts_become_answers_to_a_field_from_before_000027() {
    the_counts_survive_the_migration_from("20261201000027").await;
}

#[actix_web::test]
async fn the_counts_become_answers_to_a_field_from_before_the_form_fields() {
    the_counts_survive_the_migration_from("20261201000026").await;
}
