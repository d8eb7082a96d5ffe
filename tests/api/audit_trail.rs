//! The audit trail as an auditor reads it: Swedish labels beside the codes, links to the
//! objects, filters by event, person, object and Swedish calendar days, pages and a CSV
//! export that keep the filters, and refusals for everyone else.

use chrono::{DateTime, Duration, NaiveDateTime, Utc};
use diesel::{Connection, ExpressionMethods, QueryDsl, RunQueryDsl};
use statsbidrag::db::audit::AuditEvent;
use statsbidrag::db::schema::{audit_events, decisions};

use crate::decisions::{account, api_login, small_call, submitted};
use crate::helpers::{ADMIN, AUDITOR, OFFICER, SKANE, TestApp, VGR, csrf_from, spawn_app};

/// The rows of the page's table (the page around it names the viewer and lists the codes
/// in the event filter).
fn table(page: &str) -> &str {
    let start = page.find("<tbody>").expect("the page has a table");
    let end = page[start..].find("</tbody>").expect("end of table") + start;
    &page[start..end]
}

fn rows(page: &str) -> usize {
    table(page).matches("<td class=\"when\">").count()
}

/// The address of the link just before `marker` (`rel="next"`), as a browser reads it.
fn link_before(page: &str, marker: &str) -> String {
    let at = page
        .find(marker)
        .unwrap_or_else(|| panic!("{marker} in {page}"));
    let start = page[..at].rfind("href=\"").expect("href") + "href=\"".len();
    let end = page[start..].find('"').expect("end of href") + start;
    page[start..end].replace("&amp;", "&").replace("&#38;", "&")
}

/// Another person's browser, logged in through the API (which records the same login).
async fn logged_in(app: &TestApp, email: &str) -> reqwest::Client {
    let client = crate::helpers::new_client();
    api_login(app, &client, email).await;
    client
}

fn at(text: &str) -> DateTime<Utc> {
    text.parse().expect("time")
}

/// `n` refused attempts by a person who does not exist, a second apart from `start`,
/// written straight into the trail (as an older release would have left them).
fn refusals(app: &TestApp, n: usize, email: &str, object: &str, start: NaiveDateTime) {
    let mut conn = app.conn();
    conn.transaction::<_, diesel::result::Error, _>(|c| {
        for i in 0..n {
            let event = AuditEvent {
                id: statsbidrag::db::new_id(),
                occurred_at: start + Duration::seconds(i as i64),
                actor_user_id: None,
                actor_email: Some(email.into()),
                actor_role: Some("applicant".into()),
                actor_organisation_id: None,
                action: "access.denied".into(),
                entity_type: "application".into(),
                entity_id: Some(object.into()),
                summary: format!("Försök {i}"),
                details: "{}".into(),
            };
            diesel::insert_into(audit_events::table)
                .values(&event)
                .execute(c)?;
        }
        Ok(())
    })
    .unwrap();
}

#[actix_web::test]
async fn the_trail_reads_in_swedish_with_the_code_beside_and_the_time_on_one_line() {
    let app = spawn_app().await;
    app.login(AUDITOR).await;
    let (status, page) = app.get_text("/granskningslogg").await;
    assert_eq!(status, 200, "{page}");
    let rows = table(&page);
    // The label first, the code small beside it for filtering and export.
    assert!(
        rows.contains("<td>Inloggning<br><code class=\"audit-code\">auth.login</code></td>"),
        "{rows}"
    );
    assert!(rows.contains(
        "<td>Fixturer inlästa<br><code class=\"audit-code\">fixtures.loaded</code></td>"
    ));
    // Roles and kinds of object in Swedish, as the rest of the service names them.
    assert!(
        rows.contains("revisor@revision.example<br><span class=\"small\">Revisor</span>"),
        "{rows}"
    );
    assert!(!rows.contains("(auditor)"));
    assert!(rows.contains("Systemet"));
    // The time in a cell that never breaks, in Swedish time (16:00 in summer is 14:00 UTC).
    assert!(
        rows.contains(
            "<td class=\"when\"><time datetime=\"2020-06-30T14:00:00Z\">2020-06-30 16:00</time></td>"
        ),
        "{rows}"
    );
    let (_, css) = app.get_text("/static/app.css").await;
    assert!(css.contains("table.audit td.when { white-space: nowrap;"));

    // The event filter lists the Swedish labels, and "every event".
    assert!(page.contains("<option value=\"\">Alla händelser</option>"));
    assert!(
        page.contains("<option value=\"decision.signed\">Beslut fattat (decision.signed)</option>")
    );
    assert!(page.contains("<label for=\"person\">"));
    assert!(page.contains("<label for=\"fran\">"));
    assert!(page.contains("<input id=\"fran\" name=\"fran\" type=\"date\""));
}

#[actix_web::test]
async fn objects_link_to_their_pages_for_those_who_may_open_them() {
    let app = spawn_app().await;
    let case = app.application_id_of("232100-0131");
    let call = app.call_id().await;
    let (decision, decided_case): (String, Option<String>) = decisions::table
        .filter(decisions::application_id.is_not_null())
        .select((decisions::id, decisions::application_id))
        .first(&mut app.conn())
        .unwrap();
    let decided_case = decided_case.unwrap();
    app.login(AUDITOR).await;

    let (_, page) = app
        .get_text(&format!("/granskningslogg?objekt={case}"))
        .await;
    let rows = table(&page);
    assert!(
        rows.contains(&format!(
            "<a href=\"/ansokningar/{case}\">Ansökan</a><br><code class=\"id\">{case}</code>"
        )),
        "{rows}"
    );
    let (status, _) = app.get_text(&format!("/ansokningar/{case}")).await;
    assert_eq!(status, 200, "the link opens");

    // A decision has no page of its own: it leads to its case.
    let (_, page) = app
        .get_text(&format!("/granskningslogg?objekt={decision}"))
        .await;
    assert!(
        table(&page).contains(&format!(
            "<a href=\"/ansokningar/{decided_case}\">Beslut</a><br><code class=\"id\">{decision}</code>"
        )),
        "{page}"
    );
    let (_, page) = app
        .get_text(&format!("/granskningslogg?objekt={call}"))
        .await;
    assert!(table(&page).contains(&format!("<a href=\"/utlysningar/{call}\">Utlysning</a>")));

    // The administrator reads the trail but not the cases: the id, no link to a refusal;
    // an organisation links to its people, which are theirs to manage.
    let client = logged_in(&app, ADMIN).await;
    let admin = TestApp { client, ..app };
    let (status, page) = admin
        .get_text(&format!("/granskningslogg?objekt={case}"))
        .await;
    assert_eq!(status, 200);
    let rows = table(&page);
    assert!(rows.contains(&format!("<code class=\"id\">{case}</code>")));
    assert!(!rows.contains("href=\"/ansokningar/"), "{rows}");
    let (_, page) = admin
        .get_text("/granskningslogg?handelse=organisation.created")
        .await;
    assert!(
        table(&page).contains("<a href=\"/organisationer/"),
        "{page}"
    );
}

#[actix_web::test]
async fn each_filter_narrows_the_rows() {
    let app = spawn_app().await;
    let skane_case = app.application_id_of("232100-0255");
    let vgr_case = app.application_id_of("232100-0131");
    // Late on 1 July in Stockholm (21:30 UTC), and just after midnight into 2 July there
    // (22:30 UTC, still 1 July in UTC).
    app.clock.set(at("2020-07-01T21:30:00Z"));
    logged_in(&app, SKANE).await;
    app.clock.set(at("2020-07-01T22:30:00Z"));
    logged_in(&app, VGR).await;
    app.login(AUDITOR).await;

    // Event.
    let (_, all) = app.get_text("/granskningslogg").await;
    assert!(
        table(&all).matches("class=\"audit-code\">").count()
            > table(&all).matches("audit-code\">auth.login<").count()
    );
    let (status, page) = app.get_text("/granskningslogg?handelse=auth.login").await;
    assert_eq!(status, 200);
    let rows_of = table(&page);
    assert_eq!(
        rows_of.matches("class=\"audit-code\">").count(),
        rows_of.matches("class=\"audit-code\">auth.login<").count()
    );
    assert_eq!(rows(&page), 3, "{rows_of}");
    assert!(
        page.contains("<option value=\"auth.login\" selected>"),
        "kept in the filter"
    );

    // Person: part of the address, in any case.
    let (_, page) = app.get_text("/granskningslogg?person=SKANE.example").await;
    let rows_of = table(&page);
    assert!(rows_of.contains(SKANE), "{rows_of}");
    for other in [AUDITOR, VGR, "Systemet"] {
        assert!(!rows_of.contains(other), "{other}: {rows_of}");
    }
    assert!(
        page.contains("value=\"SKANE.example\""),
        "kept in the field"
    );

    // Object: its id exactly.
    let (_, page) = app
        .get_text(&format!("/granskningslogg?objekt={vgr_case}"))
        .await;
    let rows_of = table(&page);
    assert!(rows(&page) >= 1);
    assert_eq!(
        rows_of
            .matches(&format!("<code class=\"id\">{vgr_case}</code>"))
            .count(),
        rows(&page)
    );
    assert!(!rows_of.contains(&skane_case));
    assert!(page.contains(&format!("value=\"{vgr_case}\"")));

    // Days are Swedish days, both ends included.
    let (_, page) = app
        .get_text("/granskningslogg?fran=2020-07-01&till=2020-07-01")
        .await;
    let rows_of = table(&page);
    assert!(rows_of.contains(SKANE), "{rows_of}");
    assert!(
        !rows_of.contains(VGR),
        "00:30 on 2 July is not 1 July: {rows_of}"
    );
    assert!(!rows_of.contains("2020-06-30"), "{rows_of}");
    assert_eq!(rows(&page), 1);
    assert!(page.contains("value=\"2020-07-01\""));
    let (_, page) = app.get_text("/granskningslogg?fran=2020-07-02").await;
    let rows_of = table(&page);
    assert!(
        rows_of.contains(VGR) && rows_of.contains(AUDITOR),
        "{rows_of}"
    );
    assert!(!rows_of.contains(SKANE));
    let (_, page) = app.get_text("/granskningslogg?till=2020-06-30").await;
    let rows_of = table(&page);
    // The demo's own entries (which name the demo accounts), none of the later logins.
    assert!(rows(&page) > 0);
    assert!(
        !rows_of.contains("class=\"audit-code\">auth.login<"),
        "{rows_of}"
    );
    assert!(!rows_of.contains("2020-07-0"), "{rows_of}");

    // Together.
    let (_, page) = app
        .get_text(
            "/granskningslogg?handelse=auth.login&person=vgregion&fran=2020-07-02&till=2020-07-02",
        )
        .await;
    assert_eq!(rows(&page), 1, "{}", table(&page));
    assert!(table(&page).contains(VGR));
}

#[actix_web::test]
async fn unreadable_filters_are_answered_beside_their_fields_and_kept() {
    let app = spawn_app().await;
    app.login(AUDITOR).await;

    let (status, page) = app
        .get_text("/granskningslogg?fran=2020-13-45&person=anna")
        .await;
    assert_eq!(status, 400, "{page}");
    assert!(page.contains("Filtret behöver rättas"));
    assert!(page.contains(
        "<p class=\"field-error\" id=\"fran-fel\">Ange ett datum som finns, skrivet ÅÅÅÅ-MM-DD, till exempel 2020-06-30.</p>"
    ));
    assert!(page.contains(
        "value=\"2020-13-45\" aria-describedby=\"fran-hint fran-fel\" aria-invalid=\"true\""
    ));
    assert!(page.contains("value=\"anna\""), "what was typed stays");
    assert!(
        !page.contains("<tbody>"),
        "no entries under a filter that was not read"
    );

    let (status, page) = app
        .get_text("/granskningslogg?fran=2020-07-02&till=2020-07-01")
        .await;
    assert_eq!(status, 400);
    assert!(
        page.contains("id=\"till-fel\">Till och med-datumet ligger före från och med-datumet.")
    );

    let long = "a".repeat(300);
    let (status, page) = app
        .get_text(&format!("/granskningslogg?person={long}&objekt={long}"))
        .await;
    assert_eq!(status, 400);
    assert!(page.contains("E-postadressen får vara högst 254 tecken."));
    assert!(page.contains("Objektets id får vara högst 100 tecken."));

    // A page that is no number, a repeated field: the page, not an error.
    let (status, _) = app
        .get_text("/granskningslogg?sida=abc&sida=&person=a&person=b")
        .await;
    assert_eq!(status, 200);

    // The export answers the same way, never with half a file.
    let response = app.get("/granskningslogg.csv?till=igår").await;
    assert_eq!(response.status().as_u16(), 400);
    let page = response.text().await.unwrap();
    assert!(page.contains("id=\"till-fel\""), "{page}");
}

#[actix_web::test]
async fn the_pager_keeps_every_filter() {
    let app = spawn_app().await;
    let case = app.application_id_of("232100-0131");
    let start = at("2020-06-10T08:00:00Z").naive_utc();
    refusals(&app, 150, "massa@granskning.example", &case, start);
    app.login(AUDITOR).await;
    let filters = format!(
        "handelse=access.denied&person=massa%40granskning.example&objekt={case}&fran=2020-06-01&till=2020-06-29"
    );
    let (status, first) = app.get_text(&format!("/granskningslogg?{filters}")).await;
    assert_eq!(status, 200);
    assert_eq!(rows(&first), 100);
    let next = link_before(&first, "rel=\"next\"");
    assert_eq!(next, format!("/granskningslogg?{filters}&sida=2"));
    let (status, second) = app.get_text(&next).await;
    assert_eq!(status, 200);
    assert_eq!(rows(&second), 50, "the filters hold on page 2");
    assert!(!second.contains("rel=\"next\""));
    assert_eq!(
        link_before(&second, "rel=\"prev\""),
        format!("/granskningslogg?{filters}&sida=1")
    );
    // The export link carries the filters too.
    assert_eq!(
        link_before(&first, ">Ladda ner som CSV<"),
        format!("/granskningslogg.csv?{filters}")
    );
}

#[actix_web::test]
async fn the_csv_has_its_header_and_the_filtered_rows_only() {
    let app = spawn_app().await;
    let case = app.application_id_of("232100-0131");
    // More than one part of the streamed export (1 000 entries a part).
    let start = at("2020-06-10T08:00:00Z").naive_utc();
    refusals(&app, 2100, "massa@granskning.example", &case, start);
    app.login(AUDITOR).await;

    let response = app
        .get("/granskningslogg.csv?handelse=access.denied&person=MASSA@granskning")
        .await;
    assert_eq!(response.status().as_u16(), 200);
    assert_eq!(
        response.headers()["content-type"].to_str().unwrap(),
        "text/csv; charset=utf-8"
    );
    assert!(
        response.headers()["content-disposition"]
            .to_str()
            .unwrap()
            .contains("granskningslogg-2020-06-30.csv")
    );
    let body = response.bytes().await.unwrap();
    assert!(
        body.starts_with(b"\xEF\xBB\xBF"),
        "a byte order mark, as every export"
    );
    let text = std::str::from_utf8(&body[3..]).unwrap();
    let mut lines = text.split("\r\n").filter(|l| !l.is_empty());
    assert_eq!(
        lines.next().unwrap(),
        "Tid (svensk tid);Händelse;Händelsekod;Vem;Roll;Objekt;Objekttyp (kod);Objektets id;Vad;Detaljer;Organisationens id;Händelsens id"
    );
    let rows: Vec<Vec<&str>> = lines.map(|l| l.split(';').collect()).collect();
    assert_eq!(rows.len(), 2100);
    let mut ids: Vec<&str> = rows.iter().map(|r| r[11]).collect();
    ids.sort_unstable();
    ids.dedup();
    assert_eq!(ids.len(), 2100, "no entry twice across the parts");
    for row in &rows {
        assert_eq!(
            &row[1..8],
            [
                "Nekad åtkomst",
                "access.denied",
                "massa@granskning.example",
                "Sökande",
                "Ansökan",
                "application",
                case.as_str()
            ]
        );
    }
    // Newest first, in Swedish time with seconds: 2099 s after 10:00 Stockholm.
    assert_eq!(rows[0][0], "2020-06-10 10:34:59");
    assert_eq!(rows[2099][0], "2020-06-10 10:00:00");

    // Another filter, other rows: the logins only.
    let (_, csv) = app
        .get_text("/granskningslogg.csv?handelse=auth.login")
        .await;
    let logins: Vec<&str> = csv
        .split("\r\n")
        .skip(1)
        .filter(|l| !l.is_empty())
        .collect();
    assert_eq!(logins.len(), 1, "{csv}");
    assert!(logins[0].contains(";Inloggning;auth.login;revisor@revision.example;Revisor;"));
}

#[actix_web::test]
async fn others_are_refused_the_trail_and_its_export_and_it_is_recorded() {
    let app = spawn_app().await;
    app.login(SKANE).await;
    for path in [
        "/granskningslogg",
        "/granskningslogg?fran=inte-ett-datum",
        "/granskningslogg.csv",
        "/granskningslogg.csv?person=revisor",
    ] {
        let response = app.get(path).await;
        assert_eq!(response.status().as_u16(), 403, "{path}");
        let page = response.text().await.unwrap();
        assert!(page.contains("Åtkomst nekad"), "{path}");
        assert!(!page.contains("revisor@revision.example"), "{path}");
    }
    let refusals: Vec<_> = app
        .audit_events("access.denied")
        .into_iter()
        .filter(|e| e.entity_type == "audit_trail")
        .collect();
    assert_eq!(refusals.len(), 4, "{refusals:?}");
    assert!(
        refusals
            .iter()
            .all(|e| e.actor_email.as_deref() == Some(SKANE))
    );

    // The officer too; the auditor and the administrator read it.
    let officer = logged_in(&app, OFFICER).await;
    let status = officer
        .get(app.url("/granskningslogg.csv"))
        .send()
        .await
        .unwrap()
        .status();
    assert_eq!(status.as_u16(), 403);
    let admin = logged_in(&app, ADMIN).await;
    let status = admin
        .get(app.url("/granskningslogg.csv"))
        .send()
        .await
        .unwrap()
        .status();
    assert_eq!(status.as_u16(), 200);
}

#[actix_web::test]
async fn an_assessment_against_one_criterion_says_1_kriterium() {
    let app = spawn_app().await;
    let call_id = small_call(&app, "1000000");
    let jonkoping = account(
        &app,
        "a@jonkoping.example",
        "applicant",
        Some("232100-0057"),
    );
    let application = submitted(&app, &jonkoping, &call_id, "500000");
    let case = format!("/ansokningar/{application}");
    app.login(OFFICER).await;
    let (_, page) = app.get_text(&case).await;
    let response = app
        .client
        .post(app.url(&format!("{case}/bedomning")))
        .form(&[
            ("csrf_token", csrf_from(&page).as_str()),
            ("ratings.1.criterion", "1"),
            ("ratings.1.rating", "met"),
            ("ratings.1.comment", ""),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status().as_u16(), 303);
    let saved = app.audit_events("assessment.saved");
    assert_eq!(saved.len(), 1);
    assert!(
        saved[0]
            .summary
            .ends_with("bedömde ansökan mot 1 kriterium"),
        "{}",
        saved[0].summary
    );

    let client = logged_in(&app, AUDITOR).await;
    let auditor = TestApp { client, ..app };
    let (_, page) = auditor
        .get_text("/granskningslogg?handelse=assessment.saved")
        .await;
    let rows = table(&page);
    assert!(rows.contains("mot 1 kriterium</td>"), "{rows}");
    assert!(rows.contains("<td>Bedömning sparad<br>"));
}
