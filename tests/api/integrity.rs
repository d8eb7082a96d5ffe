//! What the database itself refuses, on both backends: the audit trail, signed decisions
//! and submitted versions never change.

use crate::helpers::{execute, spawn_app};

#[actix_web::test]
async fn the_audit_trail_cannot_be_changed_or_deleted() {
    let app = spawn_app().await;
    let mut conn = app.conn();
    assert!(!app.audit_events("fixtures.loaded").is_empty());
    let err = execute(&mut conn, "UPDATE audit_events SET summary = 'ändrat'").unwrap_err();
    assert!(err.to_string().contains("append-only"), "{err}");
    let err = execute(&mut conn, "DELETE FROM audit_events").unwrap_err();
    assert!(err.to_string().contains("append-only"), "{err}");
}

#[actix_web::test]
async fn signed_decisions_and_submitted_versions_cannot_be_changed() {
    let app = spawn_app().await;
    let mut conn = app.conn();
    let err = execute(&mut conn, "UPDATE decisions SET reasons = 'annat'").unwrap_err();
    assert!(err.to_string().contains("signed decision"), "{err}");
    let err = execute(
        &mut conn,
        "UPDATE decision_years SET amount_ore = amount_ore + 100",
    )
    .unwrap_err();
    assert!(err.to_string().contains("signed decision"), "{err}");
    let err = execute(&mut conn, "DELETE FROM decision_years").unwrap_err();
    assert!(err.to_string().contains("signed decision"), "{err}");
    let err = execute(&mut conn, "UPDATE application_answers SET body = 'annat'").unwrap_err();
    assert!(err.to_string().contains("frozen"), "{err}");
    let err = execute(&mut conn, "UPDATE application_versions SET number = 9").unwrap_err();
    assert!(err.to_string().contains("frozen"), "{err}");

    // The allocation is what it was.
    let call = app.call_id().await;
    let (_, allocation) = app
        .get_json(&format!("/api/v1/calls/{call}/allocation"))
        .await;
    assert_eq!(allocation["years"][0]["granted"], "11089785");
}

#[actix_web::test]
async fn registration_numbers_run_in_sequence_per_year() {
    let app = spawn_app().await;
    let mut conn = app.conn();
    let mut numbers: Vec<String> =
        statsbidrag::db::applications::list_with_organisation(&mut conn, None, None)
            .unwrap()
            .into_iter()
            .filter_map(|(a, _)| a.registration_number)
            .collect();
    numbers.sort();
    assert_eq!(
        numbers,
        [
            "SB-2020-0001",
            "SB-2020-0002",
            "SB-2020-0003",
            "SB-2020-0004"
        ]
    );
    let next =
        statsbidrag::db::write_tx(&mut conn, |c| statsbidrag::registration::next(c, 2020)).unwrap();
    assert_eq!(next, "SB-2020-0005");
    let first_of_2021 =
        statsbidrag::db::write_tx(&mut conn, |c| statsbidrag::registration::next(c, 2021)).unwrap();
    assert_eq!(first_of_2021, "SB-2021-0001");
}
