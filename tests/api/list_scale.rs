//! The lists' kept keys and counts (issue 12): the counts per call and status, each
//! application's outcome and organisation name are written with the change that moves
//! them, and always agree with counting the rows; the list sorts and filters by them, a
//! page at a time, on both backends.

use serde_json::{Value, json};

use statsbidrag::db::{self, DbConnection};

use crate::decisions::{account, api_login, prepared, send, small_call, submitted};
use crate::helpers::{AUDITOR, OFFICER, TestApp, execute, new_client, spawn_app};

const DECISION_MAKER: &str = "beslutsfattare@socialstyrelsen.example";

/// The kept counts and keys agree with the rows they are kept for, and the generated
/// status rank with the labels' order.
pub(crate) fn assert_kept_in_step(conn: &mut DbConnection, when: &str) {
    assert_eq!(
        db::applications::kept_counts(conn).unwrap(),
        db::applications::counted_from_rows(conn).unwrap(),
        "{when}: kept counts against counting the applications"
    );
    assert_eq!(
        db::applications::list_keys_out_of_step(conn).unwrap(),
        Vec::new(),
        "{when}: kept outcome and organisation name"
    );
    use diesel::{ExpressionMethods, QueryDsl};
    use statsbidrag::db::schema::applications as a;
    let arrived_without_number: i64 = a::table
        .filter(a::status.ne("draft"))
        .filter(a::registration_number.is_null())
        .count()
        .get_result(conn)
        .unwrap();
    assert_eq!(
        arrived_without_number, 0,
        "{when}: every arrived case has its number"
    );
    #[derive(diesel::QueryableByName)]
    struct Rank {
        #[diesel(sql_type = diesel::sql_types::Text)]
        code: String,
        #[diesel(sql_type = diesel::sql_types::Integer)]
        rank: i32,
    }
    use diesel::RunQueryDsl;
    let ranks: Vec<Rank> = diesel::sql_query(
        "SELECT DISTINCT COALESCE(outcome, status) AS code, status_rank AS rank \
         FROM applications",
    )
    .load(conn)
    .unwrap();
    assert!(!ranks.is_empty());
    for r in ranks {
        assert_eq!(
            Some(r.rank),
            db::applications::status_rank(&r.code),
            "{when}: the rank of {}",
            r.code
        );
    }
}

async fn sign(app: &TestApp, decision: &str) {
    let maker = new_client();
    let csrf = api_login(app, &maker, DECISION_MAKER).await;
    let (status, body) = send(
        &maker,
        reqwest::Method::POST,
        app.url(&format!("/api/v1/decisions/{decision}/sign")),
        &csrf,
        json!({}),
    )
    .await;
    assert_eq!(status, 200, "{body}");
}

fn codes_in_order(rows: &Value) -> Vec<String> {
    rows.as_array()
        .unwrap()
        .iter()
        .map(|r| {
            r["outcome"]
                .as_str()
                .or(r["status"].as_str())
                .unwrap()
                .to_string()
        })
        .collect()
}

#[actix_web::test]
async fn kept_counts_and_keys_follow_every_step_of_a_case() {
    let app = spawn_app().await;
    // The demo's decided cases were loaded as fixtures: decided first, signed after.
    assert_kept_in_step(&mut app.conn(), "after the demo");

    let call_id = small_call(&app, "1000000");
    let jonkoping = account(
        &app,
        "a@jonkoping.example",
        "applicant",
        Some("232100-0057"),
    );
    let uppsala = account(&app, "a@uppsala.example", "applicant", Some("232100-0024"));
    let ostergotland = account(
        &app,
        "a@ostergotland.example",
        "applicant",
        Some("232100-0040"),
    );
    let stockholm = account(
        &app,
        "a@stockholm.example",
        "applicant",
        Some("232100-0016"),
    );
    // A draft is the organisation's own: not counted.
    let draft = {
        let mut conn = app.conn();
        statsbidrag::applications::workflow::start(&mut conn, &stockholm, &call_id, app.clock_now())
            .unwrap()
    };
    assert_kept_in_step(&mut app.conn(), "after a draft");
    let full = submitted(&app, &jonkoping, &call_id, "300000");
    let partial = submitted(&app, &uppsala, &call_id, "300000");
    let rejected = submitted(&app, &ostergotland, &call_id, "300000");
    assert_kept_in_step(&mut app.conn(), "after submitting");

    let officer = new_client();
    let csrf = api_login(&app, &officer, OFFICER).await;
    let d_full = prepared(&app, &officer, &csrf, &full, "grant", "300000").await;
    let d_partial = prepared(&app, &officer, &csrf, &partial, "partial", "200000").await;
    let d_rejected = prepared(&app, &officer, &csrf, &rejected, "reject", "0").await;
    assert_kept_in_step(&mut app.conn(), "after assessing");
    for d in [&d_full, &d_partial, &d_rejected] {
        sign(&app, d).await;
    }
    assert_kept_in_step(&mut app.conn(), "after signing");

    let counts = db::applications::count_by_status(&mut app.conn(), &call_id).unwrap();
    assert_eq!(
        counts.iter().map(|(_, n)| n).sum::<i64>(),
        3,
        "the draft is not counted: {counts:?}"
    );
    assert_eq!(
        counts,
        vec![(statsbidrag::codes::ApplicationStatus::Decided, 3)]
    );

    // The list filters and sorts by the kept keys.
    app.login(OFFICER).await;
    let response = app
        .get(&format!(
            "/api/v1/applications?call_id={call_id}&sort=status"
        ))
        .await;
    assert_eq!(response.headers()["x-total-count"], "3");
    let rows: Value = response.json().await.unwrap();
    // Avslagen, Beviljad, Delvis beviljad.
    assert_eq!(
        codes_in_order(&rows),
        ["rejected", "granted", "partly_granted"]
    );
    let (_, rows) = app
        .get_json(&format!(
            "/api/v1/applications?call_id={call_id}&sort=status&descending=true"
        ))
        .await;
    assert_eq!(
        codes_in_order(&rows),
        ["partly_granted", "granted", "rejected"]
    );
    for (code, id) in [
        ("granted", &full),
        ("partly_granted", &partial),
        ("rejected", &rejected),
    ] {
        let response = app
            .get(&format!(
                "/api/v1/applications?call_id={call_id}&status={code}"
            ))
            .await;
        assert_eq!(response.headers()["x-total-count"], "1", "{code}");
        let rows: Value = response.json().await.unwrap();
        assert_eq!(rows[0]["id"], id.as_str(), "{code}");
    }
    let response = app
        .get(&format!(
            "/api/v1/applications?call_id={call_id}&status=decided"
        ))
        .await;
    assert_eq!(response.headers()["x-total-count"], "3");
    let response = app
        .get(&format!(
            "/api/v1/applications?call_id={call_id}&status=draft"
        ))
        .await;
    assert_eq!(response.headers()["x-total-count"], "0");
    // By organisation: byte order (Region Skåne, Region Uppsala, Region Jönköpings län...).
    let (_, rows) = app
        .get_json(&format!(
            "/api/v1/applications?call_id={call_id}&sort=organisation"
        ))
        .await;
    let names: Vec<String> = rows
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["organisation"]["name"].as_str().unwrap().to_string())
        .collect();
    let mut sorted = names.clone();
    sorted.sort();
    assert_eq!(names, sorted);
    // All calls: the demo's cases and these, counted from the kept counts.
    let all = db::applications::counted_from_rows(&mut app.conn())
        .unwrap()
        .iter()
        .map(|(_, _, n)| n)
        .sum::<i64>();
    let response = app.get("/api/v1/applications").await;
    assert_eq!(
        response.headers()["x-total-count"],
        all.to_string().as_str()
    );

    // The draft arrives late, then is asked to be completed.
    {
        let mut conn = app.conn();
        let input = statsbidrag::applications::draft::DraftInput {
            project_title: "Projekt".into(),
            answers: [("1".to_string(), "Planen.".into())].into(),
            budget: Some(vec![statsbidrag::applications::draft::BudgetInput {
                year: "2021".into(),
                category: "personal".into(),
                amount: "100000".into(),
                description: String::new(),
            }]),
            ..Default::default()
        };
        let now = app.clock_now();
        statsbidrag::applications::workflow::save_draft(
            &mut conn, &stockholm, &draft.id, &input, now,
        )
        .unwrap();
        statsbidrag::applications::workflow::submit(
            &mut conn,
            &stockholm,
            &draft.id,
            &statsbidrag::accounts::Signed::password(),
            now,
            &statsbidrag::outbox::Links::new("https://statsbidrag.example"),
            "Socialstyrelsen",
        )
        .unwrap();
    }
    assert_kept_in_step(&mut app.conn(), "after a late submission");
    let (status, body) = send(
        &officer,
        reqwest::Method::POST,
        app.url(&format!(
            "/api/v1/applications/{}/supplement-requests",
            draft.id
        )),
        &csrf,
        json!({"message": "Budgeten saknar underlag.", "due_on": "2020-07-15"}),
    )
    .await;
    assert_eq!(status, 201, "{body}");
    assert_kept_in_step(&mut app.conn(), "after a supplement request");
    let response = app
        .get(&format!(
            "/api/v1/applications?call_id={call_id}&status=supplement_requested"
        ))
        .await;
    assert_eq!(response.headers()["x-total-count"], "1");

    // The web list: counts, filters and sorts from the same keys.
    let list = format!("/utlysningar/{call_id}/ansokningar");
    let (status, page) = app.get_text(&format!("{list}?status=partly_granted")).await;
    assert_eq!(status, 200);
    assert!(page.contains("Visar 1 av 4 ansökningar"), "{page}");
    let response = app
        .get(&format!(
            "/api/v1/applications?call_id={call_id}&sort=status"
        ))
        .await;
    let rows: Value = response.json().await.unwrap();
    assert_eq!(
        codes_in_order(&rows),
        [
            "rejected",
            "granted",
            "partly_granted",
            "supplement_requested"
        ]
    );

    // A rebuild from the rows changes nothing.
    let before = db::applications::kept_counts(&mut app.conn()).unwrap();
    db::applications::rebuild_list_keys(&mut app.conn()).unwrap();
    assert_eq!(
        db::applications::kept_counts(&mut app.conn()).unwrap(),
        before
    );
    assert_kept_in_step(&mut app.conn(), "after a rebuild");
}

/// Adds `n` submitted applications to the call from organisations named so that byte
/// order, case and Å, Ä, Ö matter, in a few set-based statements (as the generator does).
fn insert_applications(conn: &mut DbConnection, call_id: &str, n: i64) {
    let series =
        format!("WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < {n})");
    let names = "CASE i % 4 WHEN 0 THEN 'Östra kommun ' WHEN 1 THEN 'Almby kommun ' \
                 WHEN 2 THEN 'ödeby kommun ' ELSE 'Zeta kommun ' END";
    for sql in [
        format!(
            "{series} INSERT INTO organisations \
             (id, org_number, name, kind, number_status, number_source, created_at) \
             SELECT 'scale-org-' || i, 'S' || (1000 + i), {names} || (1000 + i), \
             'municipality', 'unconfirmed', 'test', '2020-02-01 09:00:00' FROM n"
        ),
        format!(
            "{series} INSERT INTO applications \
             (id, call_id, organisation_id, kind, status, registration_number, project_title, \
              created_at, submitted_at) \
             SELECT 'scale-app-' || i, '{call_id}', 'scale-org-' || i, 'initial', \
             CASE WHEN i % 3 = 0 THEN 'complete' ELSE 'submitted' END, \
             'SB-2019-' || (1000 + i), 'Projekt', '2020-02-01 09:00:00', \
             '2020-02-02 09:00:00' FROM n"
        ),
    ] {
        execute(conn, &sql).unwrap_or_else(|e| panic!("{e}: {sql}"));
    }
}

fn numbers(rows: &Value) -> Vec<String> {
    rows.as_array()
        .unwrap()
        .iter()
        .map(|r| r["registration_number"].as_str().unwrap().to_string())
        .collect()
}

#[actix_web::test]
async fn the_list_pages_through_every_sort_and_filter_without_overlap() {
    let app = spawn_app().await;
    let call_id = app.call_id().await;
    const N: i64 = 120;
    insert_applications(&mut app.conn(), &call_id, N);
    assert_kept_in_step(&mut app.conn(), "after a bulk insert");
    app.login(AUDITOR).await;
    let total: i64 = app
        .get(&format!("/api/v1/applications?call_id={call_id}&limit=1"))
        .await
        .headers()["x-total-count"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert_eq!(total, N + 4, "the bulk and the demo's four");

    for (query, matching) in [
        ("sort=registration_number", total),
        ("sort=organisation", total),
        ("sort=organisation&descending=true", total),
        ("sort=status", total),
        ("sort=status&descending=true", total),
        ("sort=requested_2021", total),
        ("status=complete&sort=organisation", N / 3),
        ("status=submitted&sort=status", N - N / 3),
        ("q=kommun%20101&sort=organisation", 10),
        ("q=%C3%96STRA&sort=status", N / 4),
    ] {
        // Pages of 7: together every matching case once, in the order of one whole page.
        let url = format!("/api/v1/applications?call_id={call_id}&{query}");
        let (status, whole) = app.get_json(&format!("{url}&limit=500")).await;
        assert_eq!(status, 200, "{query}: {whole}");
        let whole = numbers(&whole);
        assert_eq!(whole.len() as i64, matching, "{query}");
        let mut paged = Vec::new();
        let mut offset = 0;
        loop {
            let response = app.get(&format!("{url}&limit=7&offset={offset}")).await;
            assert_eq!(
                response.headers()["x-total-count"],
                matching.to_string().as_str(),
                "{query}"
            );
            let has_next = response.headers().get("link").is_some();
            let rows: Value = response.json().await.unwrap();
            paged.extend(numbers(&rows));
            offset += 7;
            if !has_next {
                break;
            }
        }
        assert_eq!(paged, whole, "{query}");
    }

    // The order by organisation is byte order: capitals, then small letters, then Ö, ö.
    let (_, rows) = app
        .get_json(&format!(
            "/api/v1/applications?call_id={call_id}&sort=organisation&limit=500"
        ))
        .await;
    let names: Vec<String> = rows
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["organisation"]["name"].as_str().unwrap().to_string())
        .collect();
    let mut sorted = names.clone();
    sorted.sort();
    assert_eq!(names, sorted);
    assert!(names.last().unwrap().starts_with("ödeby"), "{names:?}");

    // The web list's pager: the count from the kept counts, pages of 50.
    let list = format!("/utlysningar/{call_id}/ansokningar");
    let (status, page) = app.get_text(&format!("{list}?sort=status&page=2")).await;
    assert_eq!(status, 200);
    assert!(
        page.contains(&format!("Visar {total} av {total} ansökningar")),
        "{page}"
    );
    let (_, page) = app.get_text(&format!("{list}?status=complete")).await;
    assert!(
        page.contains(&format!("Visar {} av {total} ansökningar", N / 3)),
        "{page}"
    );
}

#[actix_web::test]
async fn the_audit_trail_pages_newest_first_without_overlap() {
    let app = spawn_app().await;
    app.login(AUDITOR).await;
    let (status, first) = app.get_json("/api/v1/audit-events").await;
    assert_eq!(status, 200, "{first}");
    let mut seen: Vec<String> = Vec::new();
    let mut page = 1;
    loop {
        let (status, body) = app
            .get_json(&format!("/api/v1/audit-events?page={page}"))
            .await;
        assert_eq!(status, 200);
        for e in body["events"].as_array().unwrap() {
            seen.push(e["id"].as_str().unwrap().to_string());
        }
        if !body["has_next"].as_bool().unwrap() {
            break;
        }
        page += 1;
    }
    let mut unique = seen.clone();
    unique.sort();
    unique.dedup();
    assert_eq!(unique.len(), seen.len(), "no event on two pages");
    use diesel::{QueryDsl, RunQueryDsl};
    let in_all: i64 = db::schema::audit_events::table
        .count()
        .get_result(&mut app.conn())
        .unwrap();
    // The requests themselves may add entries (none for reading); every one is listed.
    assert_eq!(seen.len() as i64, in_all);
    let (status, page) = app.get_text("/granskningslogg").await;
    assert_eq!(status, 200, "{page}");
}
