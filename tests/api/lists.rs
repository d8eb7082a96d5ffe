//! Lists at scale (issue 12): a call with more applications than SQLite binds variables in
//! one statement (32 766) is listed, paged, sorted, filtered and exported on both
//! backends, with the work done in SQL. No timings here: those are in BENCHMARKS.md.

use serde_json::Value;

use statsbidrag::db::Db;

use crate::helpers::{OFFICER, execute, spawn_app};

/// More applications than SQLite's limit on bound variables.
const BULK: i64 = 33_000;
/// The demo call's own decided applications.
const DEMO: i64 = 4;

/// Adds `BULK` organisations, each with a submitted application to the call asking for
/// 1 000 kr for 2021, in a few set-based statements.
fn insert_bulk_applications(db: &Db, call_id: &str) {
    let mut conn = db.get().expect("connection");
    let series =
        format!("WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < {BULK})");
    let statements = [
        format!(
            "{series} INSERT INTO organisations \
             (id, org_number, name, kind, number_status, number_source, created_at) \
             SELECT 'bulk-org-' || i, 'B' || (100000 + i), 'Bulkkommun ' || (100000 + i), \
             'municipality', 'unconfirmed', 'test', '2020-02-01 09:00:00' FROM n"
        ),
        format!(
            "{series} INSERT INTO applications \
             (id, call_id, organisation_id, kind, status, registration_number, project_title, \
              created_at, submitted_at) \
             SELECT 'bulk-app-' || i, '{call_id}', 'bulk-org-' || i, 'initial', 'submitted', \
             'SB-2019-' || (100000 + i), 'Projekt', '2020-02-01 09:00:00', \
             '2020-02-02 09:00:00' FROM n"
        ),
        format!(
            "{series} INSERT INTO application_versions \
             (id, application_id, number, status, created_at) \
             SELECT 'bulk-ver-' || i, 'bulk-app-' || i, 1, 'draft', '2020-02-01 09:00:00' FROM n"
        ),
        format!(
            "{series} INSERT INTO application_years (version_id, year, requested_ore) \
             SELECT 'bulk-ver-' || i, 2021, 100000 FROM n"
        ),
        "UPDATE application_versions SET status = 'submitted', \
         submitted_at = created_at WHERE id LIKE 'bulk-ver-%'"
            .to_string(),
        // A planned payment of 10 kr per bulk organisation, under one of the demo's
        // decisions (the payments list and file need not follow decisions here).
        format!(
            "{series} INSERT INTO payments \
             (id, decision_id, call_id, organisation_id, year, amount_ore, due_on, status, \
              created_at) \
             SELECT 'bulk-pay-' || i, (SELECT MIN(id) FROM decisions WHERE call_id = '{call_id}'), \
             '{call_id}', 'bulk-org-' || i, 2021, 1000, '2021-01-15', 'planned', \
             '2020-07-01 09:00:00' FROM n"
        ),
        // Statistics, as a database that grew to this size over time has them.
        "ANALYZE".to_string(),
    ];
    for sql in statements {
        execute(&mut conn, &sql).unwrap_or_else(|e| panic!("{e}: {sql}"));
    }
}

#[actix_web::test]
async fn a_call_with_more_applications_than_sqlite_binds_is_listed_paged_and_exported() {
    let app = spawn_app().await;
    let call_id = app.call_id().await;
    // Off the test's thread, which also runs the server.
    let (db, call) = (app.db.clone(), call_id.clone());
    actix_web::rt::task::spawn_blocking(move || insert_bulk_applications(&db, &call))
        .await
        .unwrap();
    app.login(OFFICER).await;
    let total = BULK + DEMO;
    // Counts on the pages are written with a no-break space between the thousands.
    let (bulk_shown, total_shown) = (
        statsbidrag::money::group_thousands(BULK),
        statsbidrag::money::group_thousands(total),
    );

    // The officer's list: one page of 50, with the count of all that match.
    let list = format!("/utlysningar/{call_id}/ansokningar");
    let (status, page) = app.get_text(&list).await;
    assert_eq!(status, 200, "{page}");
    assert!(
        page.contains(&format!("Visar {total_shown} av {total_shown} ansökningar")),
        "{page}"
    );
    assert_eq!(page.matches("<a href=\"/ansokningar/").count(), 50);
    assert!(page.contains("aria-label=\"Sidor i listan över ansökningar\""));
    assert!(page.contains("aria-current=\"page\""));
    let pages = (total + 49) / 50;
    assert!(
        page.contains(&format!("page={pages}\"")),
        "a link to the last page"
    );
    // The bulk numbers (SB-2019-…) come before the demo's (SB-2020-…): the last page holds
    // the demo cases, the first the lowest bulk number.
    assert!(page.contains(">SB-2019-100001<"));
    let (status, last) = app.get_text(&format!("{list}?page={pages}")).await;
    assert_eq!(status, 200);
    assert!(last.contains("Region Skåne"), "{last}");
    assert!(last.contains("page=1\""), "a link back to the first page");
    assert!(last.contains("Summa sökt på denna sida"));
    // Past the end: the last page.
    let (status, past) = app.get_text(&format!("{list}?page=999999")).await;
    assert_eq!(status, 200);
    assert!(past.contains("Region Skåne"));
    // Sorted and filtered in SQL.
    for query in [
        "sort=organisation&descending=true",
        "sort=status",
        "sort=requested_2021",
        "status=granted",
        "status=submitted",
        "q=bulkkommun%20133000",
    ] {
        let (status, body) = app.get_text(&format!("{list}?{query}")).await;
        assert_eq!(status, 200, "{query}: {body}");
    }
    let (_, found) = app.get_text(&format!("{list}?q=bulkkommun%20133000")).await;
    assert!(
        found.contains(&format!("Visar 1 av {total_shown} ansökningar")),
        "{found}"
    );
    assert!(found.contains(">SB-2019-133000<"));
    // Any case, Å, Ä and Ö too (SQLite's own lower() folds ASCII only).
    let (_, skane) = app.get_text(&format!("{list}?q=REGION%20SK%C3%85NE")).await;
    assert!(
        skane.contains(&format!("Visar 1 av {total_shown} ansökningar")),
        "{skane}"
    );
    let (_, submitted) = app.get_text(&format!("{list}?status=submitted")).await;
    assert!(submitted.contains(&format!("Visar {bulk_shown} av {total_shown} ansökningar")));

    // The call page counts per status and links to the list instead of embedding it.
    let (status, call_page) = app.get_text(&format!("/utlysningar/{call_id}")).await;
    assert_eq!(status, 200);
    assert!(
        call_page.contains(&format!("Alla {total_shown} ansökningar")),
        "{call_page}"
    );
    assert!(call_page.matches("<a href=\"/ansokningar/").count() <= 10);

    // The API: a page at a time, the total in a header, the next page in a Link header.
    let response = app
        .get(&format!("/api/v1/applications?call_id={call_id}&limit=500"))
        .await;
    assert_eq!(response.status().as_u16(), 200);
    assert_eq!(
        response.headers()["x-total-count"],
        total.to_string().as_str()
    );
    let link = response.headers()["link"].to_str().unwrap().to_string();
    assert!(
        link.contains("offset=500") && link.ends_with("rel=\"next\""),
        "{link}"
    );
    let rows: Value = response.json().await.unwrap();
    assert_eq!(rows.as_array().unwrap().len(), 500);
    assert_eq!(rows[0]["registration_number"], "SB-2019-100001");
    assert_eq!(rows[0]["requested"][0]["year"], 2021);
    let response = app
        .get(&format!(
            "/api/v1/applications?call_id={call_id}&offset={}&limit=500",
            total - 2
        ))
        .await;
    assert_eq!(response.status().as_u16(), 200);
    assert!(response.headers().get("link").is_none(), "the last page");
    let rows: Value = response.json().await.unwrap();
    assert_eq!(rows.as_array().unwrap().len(), 2);
    for query in [
        "sort=status&limit=3",
        "status=granted",
        "sort=organisation&descending=true",
    ] {
        let (status, body) = app
            .get_json(&format!("/api/v1/applications?call_id={call_id}&{query}"))
            .await;
        assert_eq!(status, 200, "{query}: {body}");
    }
    // Bad parameters are refused in Swedish, never 500.
    for query in [
        "limit=0",
        "limit=501",
        "offset=-1",
        "status=okänd",
        "sort=storlek",
        "limit=x",
    ] {
        let response = app.get(&format!("/api/v1/applications?{query}")).await;
        let status = response.status().as_u16();
        assert!(status == 400 || status == 422, "{query}: {status}");
        assert_eq!(
            response.headers()["content-type"],
            "application/problem+json",
            "{query}"
        );
    }

    // The payments: a page of 100 with the count and sums over all, the file streamed, the
    // API a page at a time.
    let payments = format!("/utlysningar/{call_id}/utbetalningar");
    let (status, page) = app.get_text(&payments).await;
    assert_eq!(status, 200);
    assert!(page.contains("aria-label=\"Sidor i listan över utbetalningar\""));
    assert_eq!(page.matches("name=\"payment_ids\"").count(), 100);
    let (status, _) = app.get_text(&format!("{payments}?sida=999999")).await;
    assert_eq!(status, 200);
    let response = app.get(&format!("{payments}.csv")).await;
    assert_eq!(response.status().as_u16(), 200);
    let file = response.text().await.unwrap();
    assert!(file.lines().count() as i64 > BULK, "every line of the file");
    let response = app
        .get(&format!(
            "/api/v1/calls/{call_id}/payments?limit=500&offset=1000"
        ))
        .await;
    assert_eq!(response.status().as_u16(), 200);
    let in_all: i64 = response.headers()["x-total-count"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!(in_all > BULK);
    assert!(response.headers().get("link").is_some());
    let rows: Value = response.json().await.unwrap();
    assert_eq!(rows.as_array().unwrap().len(), 500);
    let (status, _) = app
        .get_json(&format!("/api/v1/calls/{call_id}/payments?limit=0"))
        .await;
    assert_eq!(status, 422);

    // The money dashboard adds up in SQL.
    let (status, _) = app
        .get_text(&format!("/utlysningar/{call_id}/ekonomi"))
        .await;
    assert_eq!(status, 200);

    // The CSV export: every row, streamed.
    let response = app.get(&format!("{list}.csv")).await;
    assert_eq!(response.status().as_u16(), 200);
    let bytes = response.bytes().await.unwrap();
    assert_eq!(&bytes[..3], b"\xEF\xBB\xBF");
    let text = std::str::from_utf8(&bytes[3..]).unwrap();
    let lines: Vec<&str> = text.split("\r\n").filter(|l| !l.is_empty()).collect();
    assert_eq!(lines.len() as i64, total + 2, "header, rows, sums");
    assert_eq!(
        text.matches('\u{feff}').count(),
        0,
        "one byte order mark only"
    );
    assert!(lines[1].starts_with("SB-2019-100001;Bulkkommun 100001;B100001;Inkommen;"));
    assert!(lines.last().unwrap().starts_with("Summa;"));
}
