//! What a draft save and a submission cost the database (issue 12: the write path under
//! load). Each is one transaction, one commit (on SQLite one sync of the log), with its
//! audit entry and e-mail in it; a refusal is one commit holding its record and nothing
//! else; and the statements a request sends are held to what its work needs: the pool
//! lends a connection that has just done its work without pinging it first, and the case
//! is read once where the check before the transaction read it again.
//!
//! The statement counts are the pool's own (`Db::counted`), for the whole request: the
//! session, the person, the work and, for a save, the case read back for the answer. The
//! pool's pings are counted apart: none here, where every connection lent had done its
//! work moments before (the rule itself is tested in `db`).

use serde_json::{Value, json};
use statsbidrag::db::Counted;

use crate::helpers::{PASSWORD, SKANE, TestApp, VGR, new_client, spawn_app_without_cases};

/// Statements of a draft save through the API, pings left out: measured 31 on SQLite
/// (the first save, which also sets the title) and 25 on PostgreSQL, where the old rows go
/// in one statement and the new ones in another. The call's definition, which the save
/// checks against and the case it answers with shows, is one statement each (its stamp,
/// see `db::calls::definition_parts`) where it was three and seven: 45 and 33 before.
const SAVE_STATEMENTS: u64 = 31;

/// Statements of a submission through the API, pings left out: measured 21 on SQLite and
/// 20 on PostgreSQL (28 allowed before the call's definition was kept in memory).
const SUBMIT_STATEMENTS: u64 = 21;

fn at(s: &str) -> chrono::DateTime<chrono::Utc> {
    s.parse().unwrap()
}

/// An open call with one question and one cost category.
fn open_call(app: &TestApp) -> String {
    crate::helpers::october_call(
        app,
        "skrivprov",
        "Utlysningen som sparas i",
        "För att räkna vad en sparning kostar.",
    )
}

/// A person logged in through the API: the client and the CSRF token.
async fn api_person(app: &TestApp, email: &str) -> (reqwest::Client, String) {
    let client = new_client();
    let response = client
        .post(app.url("/api/v1/session"))
        .json(&json!({ "email": email, "password": PASSWORD }))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status().as_u16(), 200, "API login of {email}");
    let body: Value = response.json().await.unwrap();
    (client, body["csrf_token"].as_str().unwrap().to_string())
}

/// A write through the API, and what it cost the database.
async fn counted(
    app: &TestApp,
    (client, csrf): &(reqwest::Client, String),
    method: reqwest::Method,
    path: &str,
    body: Option<Value>,
) -> (u16, Value, Counted) {
    let before = app.db.counted();
    let mut request = client
        .request(method, app.url(path))
        .header("X-CSRF-Token", csrf);
    if let Some(body) = body {
        request = request.json(&body);
    }
    let response = request.send().await.unwrap();
    let status = response.status().as_u16();
    let body = response.json().await.unwrap_or(Value::Null);
    (status, body, app.db.counted() - before)
}

/// A test app with an open call, Region Skåne's applicant logged in through the API and
/// its application started on 20 October: the app, the person and the application's id.
async fn skane_application() -> (TestApp, (reqwest::Client, String), String) {
    let app = spawn_app_without_cases().await;
    let call_id = open_call(&app);
    app.clock.set(at("2020-10-20T08:00:00Z"));
    let skane = api_person(&app, SKANE).await;
    let (status, case, _) = counted(
        &app,
        &skane,
        reqwest::Method::POST,
        &format!("/api/v1/calls/{call_id}/applications"),
        None,
    )
    .await;
    assert_eq!(status, 201, "{case}");
    let id = case["id"].as_str().unwrap().to_string();
    (app, skane, id)
}

fn draft(plan: &str) -> Value {
    json!({
        "project_title": "Höstplan",
        "answers": { "1": plan },
        "budget": [{ "year": "2021", "category": "personal", "amount": "500000" }],
    })
}

#[actix_web::test]
async fn a_save_and_a_submission_are_one_commit_each_and_send_only_the_statements_they_need() {
    let (app, skane, id) = skane_application().await;
    let path = format!("/api/v1/applications/{id}/draft");

    for plan in ["Planen, första utkastet.", "Planen, andra utkastet."] {
        let (status, case, cost) =
            counted(&app, &skane, reqwest::Method::PUT, &path, Some(draft(plan))).await;
        assert_eq!(status, 200, "{case}");
        assert_eq!(case["versions"][0]["answers"][0]["body"], plan);
        assert_eq!(cost.commits, 1, "{cost:?}");
        // Each of the request's three connections had just done its work (before: a ping
        // each).
        assert_eq!(cost.pings, 0, "{cost:?}");
        assert!(
            cost.statements - cost.pings <= SAVE_STATEMENTS,
            "a save sent {} statements besides {} pings",
            cost.statements - cost.pings,
            cost.pings
        );
    }
    let saved = app.audit_events("application.draft_saved");
    assert_eq!(saved.len(), 2, "each save with its audit entry");

    let (status, receipt, cost) = counted(
        &app,
        &skane,
        reqwest::Method::POST,
        &format!("/api/v1/applications/{id}/submit"),
        None,
    )
    .await;
    assert_eq!(status, 200, "{receipt}");
    assert!(receipt["registration_number"].is_string(), "{receipt}");
    assert_eq!(cost.commits, 1, "{cost:?}");
    assert_eq!(cost.pings, 0, "{cost:?}");
    assert!(
        cost.statements - cost.pings <= SUBMIT_STATEMENTS,
        "a submission sent {} statements besides {} pings",
        cost.statements - cost.pings,
        cost.pings
    );
    assert_eq!(app.audit_events("application.submitted").len(), 1);
}

#[actix_web::test]
async fn a_refused_save_or_submission_is_one_commit_with_its_record_and_nothing_else() {
    let (app, skane, id) = skane_application().await;
    let draft_path = format!("/api/v1/applications/{id}/draft");
    let (status, _, _) = counted(
        &app,
        &skane,
        reqwest::Method::PUT,
        &draft_path,
        Some(draft("Skånes plan.")),
    )
    .await;
    assert_eq!(status, 200);

    // Another region's applicant: told the case does not exist, and recorded.
    let vgr = api_person(&app, VGR).await;
    let denied_before = app.audit_events("access.denied").len();
    let (status, _, cost) = counted(
        &app,
        &vgr,
        reqwest::Method::PUT,
        &draft_path,
        Some(draft("Västra Götalands plan.")),
    )
    .await;
    assert_eq!(status, 404);
    assert_eq!(cost.commits, 1, "the record of the refusal: {cost:?}");
    let (status, _, cost) = counted(
        &app,
        &vgr,
        reqwest::Method::POST,
        &format!("/api/v1/applications/{id}/submit"),
        None,
    )
    .await;
    assert_eq!(status, 404);
    assert_eq!(cost.commits, 1, "the record of the refusal: {cost:?}");
    assert_eq!(
        app.audit_events("access.denied").len(),
        denied_before + 2,
        "both refusals on record"
    );

    // Nothing else was written: the draft is Skåne's, unsent, and saved once.
    let (status, case) = {
        let response = skane
            .0
            .get(app.url(&format!("/api/v1/applications/{id}")))
            .send()
            .await
            .unwrap();
        let status = response.status().as_u16();
        (status, response.json::<Value>().await.unwrap())
    };
    assert_eq!(status, 200, "{case}");
    assert_eq!(case["versions"][0]["answers"][0]["body"], "Skånes plan.");
    assert_eq!(case["versions"][0]["status"], "draft");
    assert_eq!(app.audit_events("application.draft_saved").len(), 1);
    assert!(app.audit_events("application.submitted").is_empty());
}

/// What a save stores comes back exactly, quotes, backslashes, emoji and all, however
/// many staff lines it holds, and a second save replaces the first one's rows instead of
/// adding to them.
#[actix_web::test]
async fn a_save_stores_every_row_exactly_and_replaces_the_last_one() {
    let (app, skane, id) = skane_application().await;
    let path = format!("/api/v1/applications/{id}/draft");
    let plan = "Plan med \"citat\", snedstreck \\ och 😀,\nen andra rad och Å.";
    let with_staff = |n: usize| {
        let staff: Vec<Value> = (0..n)
            .map(|i| {
                json!({ "year": "2021", "role": format!("Behandlare \"{i}\" \\ Å"),
                        "fte_percent": "50", "months": "12", "cost": format!("{}", 100_000 + i) })
            })
            .collect();
        let mut body = draft(plan);
        body["staff"] = Value::Array(staff);
        body
    };
    for n in [6, 3] {
        let (status, case, _) = counted(
            &app,
            &skane,
            reqwest::Method::PUT,
            &path,
            Some(with_staff(n)),
        )
        .await;
        assert_eq!(status, 200, "{case}");
        assert_eq!(
            case["versions"][0]["staff"].as_array().map(Vec::len),
            Some(n),
            "{case}"
        );
    }
    // Read again, apart from the save's own answer.
    let (status, case, _) = counted(
        &app,
        &skane,
        reqwest::Method::GET,
        &format!("/api/v1/applications/{id}"),
        None,
    )
    .await;
    assert_eq!(status, 200, "{case}");
    let stored = &case["versions"][0];
    assert_eq!(stored["answers"][0]["body"], plan);
    let staff = stored["staff"].as_array().unwrap();
    assert_eq!(staff.len(), 3, "{stored}");
    for (i, line) in staff.iter().enumerate() {
        assert_eq!(line["role"], format!("Behandlare \"{i}\" \\ Å"), "{line}");
        assert_eq!(line["cost"], format!("{}", 100_000 + i), "{line}");
        assert_eq!(line["year"], 2021, "{line}");
    }
    assert_eq!(stored["budget"].as_array().unwrap().len(), 1, "{stored}");
    assert_eq!(stored["requested"][0]["amount"], "500000", "{stored}");
}

/// The embedded SQLite is built with the flags of `.cargo/config.toml`: no global memory
/// count under one mutex, and no mutex around each call on a connection (each is used by
/// one thread at a time). Without them a draft save served 458 requests/s where it now
/// serves 599 (BENCHMARKS.md). And without STAT4, with which a cached statement whose
/// plan might depend on a bound value is compiled again whenever the value changes: a
/// quarter of the CPU of a draft save.
#[actix_web::test]
async fn the_embedded_sqlite_is_built_without_the_shared_mutexes_or_per_value_plans() {
    use diesel::RunQueryDsl;
    let app = spawn_app_without_cases().await;
    let mut conn = app.conn();
    let statsbidrag::db::DbConnection::Sqlite(_) = &mut *conn else {
        return; // PostgreSQL: nothing of SQLite's build to check.
    };
    #[derive(diesel::QueryableByName)]
    struct CompileOption {
        #[diesel(sql_type = diesel::sql_types::Text)]
        compile_options: String,
    }
    let options: Vec<String> = diesel::sql_query("PRAGMA compile_options")
        .load::<CompileOption>(&mut *conn)
        .unwrap()
        .into_iter()
        .map(|o| o.compile_options)
        .collect();
    assert!(options.contains(&"THREADSAFE=2".to_string()), "{options:?}");
    assert!(
        options.contains(&"DEFAULT_MEMSTATUS=0".to_string()),
        "{options:?}"
    );
    assert!(
        !options.contains(&"ENABLE_STAT4".to_string()),
        "{options:?}"
    );
}
