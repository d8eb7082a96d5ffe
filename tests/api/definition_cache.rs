//! A call's definition (programme, years, eligible kinds, sections, cost categories,
//! criteria, expected results) is kept in memory under a stamp the database moves with
//! every change to it (issue 12: a draft save and the case it answers with read it in one
//! statement instead of nine). What is kept must never be shown once the database holds
//! something else, whoever changed it: this instance, another one, or a hand in the
//! database.

use diesel::RunQueryDsl;
use serde_json::Value;
use statsbidrag::db::DbConnection;

use crate::helpers::{
    SKANE, TestApp, execute, spawn_app, spawn_app_without_cases, spawn_instance_beside,
};

fn stamp(conn: &mut DbConnection, call_id: &str) -> String {
    #[derive(diesel::QueryableByName)]
    struct Stamp {
        #[diesel(sql_type = diesel::sql_types::Text)]
        stamp: String,
    }
    diesel::sql_query(format!(
        "SELECT stamp FROM call_definition_stamps WHERE call_id = '{call_id}'"
    ))
    .get_result::<Stamp>(conn)
    .expect("every call has a stamp")
    .stamp
}

fn two_calls(app: &TestApp) -> (String, String) {
    let first = crate::helpers::october_call(app, "stampel-1", "Första", "Den som ändras.");
    let second = crate::helpers::october_call(app, "stampel-2", "Andra", "Den som står still.");
    (first, second)
}

/// Every write to a part of a definition moves its call's stamp, and only its call's; the
/// signing lock on a year and the call's own row (read anew every time) leave it.
#[actix_web::test]
async fn every_change_to_a_part_of_a_definition_moves_its_calls_stamp() {
    let app = spawn_app_without_cases().await;
    let (call, other) = two_calls(&app);
    let mut conn = app.conn();
    let other_before = stamp(&mut conn, &other);
    let changes = [
        format!("UPDATE call_years SET ceiling_ore = ceiling_ore + 100 WHERE call_id = '{call}'"),
        format!("UPDATE call_sections SET title = 'Plan och mål' WHERE call_id = '{call}'"),
        format!("DELETE FROM call_eligible_kinds WHERE call_id = '{call}'"),
        format!("INSERT INTO call_eligible_kinds (call_id, kind) VALUES ('{call}', 'region')"),
        format!("UPDATE call_cost_categories SET name = 'Löner' WHERE call_id = '{call}'"),
        format!(
            "INSERT INTO call_criteria (id, call_id, position, title, description) \
             VALUES ('kriterium-{call}', '{call}', 99, 'Kvalitet', 'Hur väl')"
        ),
        format!("DELETE FROM call_criteria WHERE id = 'kriterium-{call}'"),
        format!(
            "INSERT INTO expected_results (id, call_id, year, position, area, title, body) \
             VALUES ('resultat-{call}', '{call}', 2021, 99, 'Vård', 'Samverkan', 'Planer')"
        ),
        format!("UPDATE expected_results SET body = 'Planer finns' WHERE id = 'resultat-{call}'"),
        format!("DELETE FROM expected_results WHERE id = 'resultat-{call}'"),
    ];
    for change in &changes {
        let before = stamp(&mut conn, &call);
        assert_eq!(execute(&mut conn, change).unwrap(), 1, "{change}");
        assert_ne!(
            stamp(&mut conn, &call),
            before,
            "the stamp stood still: {change}"
        );
    }
    assert_eq!(
        stamp(&mut conn, &other),
        other_before,
        "another call's stamp moved"
    );

    for untouched in [
        format!("UPDATE call_years SET lock_version = lock_version + 1 WHERE call_id = '{call}'"),
        format!("UPDATE calls SET title = 'Ny rubrik' WHERE id = '{call}'"),
    ] {
        let before = stamp(&mut conn, &call);
        assert_eq!(execute(&mut conn, &untouched).unwrap(), 1, "{untouched}");
        assert_eq!(stamp(&mut conn, &call), before, "{untouched}");
    }

    // The programme is part of every definition of its calls.
    let (before, other_before) = (stamp(&mut conn, &call), stamp(&mut conn, &other));
    execute(
        &mut conn,
        &format!(
            "UPDATE programmes SET name = name || ' (ändrat)' \
             WHERE id = (SELECT programme_id FROM calls WHERE id = '{call}')"
        ),
    )
    .unwrap();
    assert_ne!(stamp(&mut conn, &call), before);
    assert_ne!(stamp(&mut conn, &other), other_before);
}

/// The first question's title in the case, as the applicant logged in on `app` reads it
/// through the API.
async fn question_title(app: &TestApp, application_id: &str) -> String {
    let (status, case): (u16, Value) = app
        .get_json(&format!("/api/v1/applications/{application_id}"))
        .await;
    assert_eq!(status, 200, "{case}");
    case["versions"][0]["answers"][0]["section_title"]
        .as_str()
        .unwrap_or_default()
        .to_string()
}

/// A definition read (and kept) by two instances, then changed in the database by hand:
/// both show the change on their next read, as they show one made by either of them.
#[actix_web::test]
async fn a_definition_changed_outside_the_instance_is_read_anew_by_every_instance() {
    let app = spawn_app_without_cases().await;
    let (call, _) = two_calls(&app);
    let beside = spawn_instance_beside(&app, |_| {}).await;
    app.clock.set("2020-10-20T08:00:00Z".parse().unwrap());
    let csrf = app.api_login(SKANE).await;
    let csrf_beside = beside.api_login(SKANE).await;
    let (status, case) = app
        .post_json(
            &csrf,
            &format!("/api/v1/calls/{call}/applications"),
            serde_json::Value::Null,
        )
        .await;
    assert_eq!(status, 201, "{case}");
    let id = case["id"].as_str().unwrap().to_string();
    assert_eq!(question_title(&app, &id).await, "Plan");
    assert_eq!(question_title(&beside, &id).await, "Plan");

    execute(
        &mut app.conn(),
        &format!("UPDATE call_sections SET title = 'Plan och mål' WHERE call_id = '{call}'"),
    )
    .unwrap();
    assert_eq!(question_title(&app, &id).await, "Plan och mål");
    assert_eq!(question_title(&beside, &id).await, "Plan och mål");

    // A save on either instance reads the definition it checks against anew as well: the
    // rules follow a question's length limit made shorter by hand.
    execute(
        &mut app.conn(),
        &format!("UPDATE call_sections SET max_length = 5 WHERE call_id = '{call}'"),
    )
    .unwrap();
    let (status, problem) = beside
        .put_json(
            &csrf_beside,
            &format!("/api/v1/applications/{id}/draft"),
            serde_json::json!({ "project_title": "Höst", "answers": { "1": "Mer än fem tecken" } }),
        )
        .await;
    assert_eq!(status, 422, "{problem}");
    assert!(problem.to_string().contains("answers.1"), "{problem}");
}

/// The migration gives every call already in the database a stamp of its own.
#[actix_web::test]
async fn the_migration_stamps_every_call_already_there() {
    #[derive(diesel::QueryableByName)]
    struct Count {
        #[diesel(sql_type = diesel::sql_types::BigInt)]
        n: i64,
    }
    let count = |conn: &mut DbConnection, sql: &str| {
        diesel::sql_query(sql).get_result::<Count>(conn).unwrap().n
    };
    let app = spawn_app().await;
    let mut conn = app.conn();
    // Back to before the stamps (and any migration after them), then up again.
    while statsbidrag::db::revert_last_migration(&mut conn).unwrap() != "20261201000020" {}
    assert!(execute(&mut conn, "SELECT 1 FROM call_definition_stamps").is_err());
    let calls = count(&mut conn, "SELECT COUNT(*) AS n FROM calls");
    assert!(calls >= 1, "the demo has calls");
    statsbidrag::db::run_migrations(&mut conn).unwrap();
    assert_eq!(
        count(
            &mut conn,
            "SELECT COUNT(DISTINCT s.stamp) AS n FROM calls c \
             JOIN call_definition_stamps s ON s.call_id = c.id"
        ),
        calls
    );
}
