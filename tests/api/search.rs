//! The officers' search across calls and years (issue 16): by organisation (name or
//! number, with or without the dash), registration number, project title, status,
//! responsible officer, call and year, alone or together; `%` and `_` typed match
//! themselves; criteria that cannot be used are named beside their field; the page, its
//! CSV and the API find the same cases; applicants are refused everywhere, on record.

use serde_json::Value;

use crate::helpers::{
    ADMIN, AUDITOR, OFFICER, PASSWORD, SKANE, TestApp, csrf_from, execute, new_client, spawn_app,
};

const DECISION_MAKER: &str = "beslutsfattare@socialstyrelsen.example";
const SKANE_ORGNR: &str = "232100-0255";
const VGR_ORGNR: &str = "232100-0131";
const OSTERGOTLAND_ORGNR: &str = "232100-0040";
const STOCKHOLM_ORGNR: &str = "232100-0016";

/// A browser of its own, logged in through the login form.
async fn web_client(app: &TestApp, email: &str) -> reqwest::Client {
    let client = new_client();
    let page = client
        .get(app.url("/logga-in"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let response = client
        .post(app.url("/logga-in"))
        .form(&[
            ("csrf_token", csrf_from(&page).as_str()),
            ("email", email),
            ("password", PASSWORD),
            ("next", "/"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status().as_u16(), 303, "login of {email}");
    client
}

/// A client of its own, logged in through the API.
async fn api_client(app: &TestApp, email: &str) -> reqwest::Client {
    let client = new_client();
    let response = client
        .post(app.url("/api/v1/session"))
        .json(&serde_json::json!({ "email": email, "password": PASSWORD }))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status().as_u16(), 200, "API login of {email}");
    client
}

async fn text(app: &TestApp, client: &reqwest::Client, path: &str) -> (u16, String) {
    let response = client.get(app.url(path)).send().await.unwrap();
    let status = response.status().as_u16();
    (status, response.text().await.unwrap())
}

async fn json(app: &TestApp, client: &reqwest::Client, path: &str) -> (u16, Value) {
    let response = client.get(app.url(path)).send().await.unwrap();
    let status = response.status().as_u16();
    (status, response.json().await.unwrap_or(Value::Null))
}

/// The ids of the cases an API answer lists, in its order.
fn ids(body: &Value) -> Vec<String> {
    body["items"]
        .as_array()
        .unwrap_or_else(|| panic!("items in {body}"))
        .iter()
        .map(|i| i["id"].as_str().unwrap().to_string())
        .collect()
}

/// The cases a results page links to, in its order.
fn page_ids(html: &str) -> Vec<String> {
    let marker = "href=\"/ansokningar/";
    html.match_indices(marker)
        .map(|(at, _)| {
            let rest = &html[at + marker.len()..];
            rest[..rest.find('"').unwrap()].to_string()
        })
        .collect()
}

fn sorted(mut ids: Vec<String>) -> Vec<String> {
    ids.sort();
    ids
}

fn user_id(app: &TestApp, email: &str) -> String {
    statsbidrag::db::accounts::find_by_email(&mut app.conn(), email)
        .unwrap()
        .unwrap()
        .id
}

fn registration_number(app: &TestApp, id: &str) -> String {
    statsbidrag::db::applications::find(&mut app.conn(), id)
        .unwrap()
        .unwrap()
        .registration_number
        .unwrap()
}

struct Demo {
    skane: String,
    vgr: String,
    ostergotland: String,
    stockholm: String,
}

impl Demo {
    fn of(app: &TestApp) -> Demo {
        Demo {
            skane: app.application_id_of(SKANE_ORGNR),
            vgr: app.application_id_of(VGR_ORGNR),
            ostergotland: app.application_id_of(OSTERGOTLAND_ORGNR),
            stockholm: app.application_id_of(STOCKHOLM_ORGNR),
        }
    }

    fn all(&self) -> Vec<String> {
        sorted(vec![
            self.skane.clone(),
            self.vgr.clone(),
            self.ostergotland.clone(),
            self.stockholm.clone(),
        ])
    }
}

#[actix_web::test]
async fn officers_find_cases_by_each_criterion_and_by_several_at_once() {
    let app = spawn_app().await;
    let demo = Demo::of(&app);
    let call_id = app.call_id().await;
    let api = api_client(&app, OFFICER).await;
    let skane_number = registration_number(&app, &demo.skane);

    for (query, expected) in [
        ("", demo.all()),
        // The name, in any case, Å and all.
        ("organisation=sk%C3%A5ne", vec![demo.skane.clone()]),
        ("organisation=SK%C3%85NE", vec![demo.skane.clone()]),
        ("organisation=region", demo.all()),
        // The number, with or without the dash, or a part of it.
        ("organisation=232100-0255", vec![demo.skane.clone()]),
        ("organisation=2321000255", vec![demo.skane.clone()]),
        ("organisation=0-0131", vec![demo.vgr.clone()]),
        ("organisation=2321000", demo.all()),
        (
            &format!("registration_number={skane_number}"),
            vec![demo.skane.clone()],
        ),
        (
            &format!("registration_number={}", skane_number.to_lowercase()),
            vec![demo.skane.clone()],
        ),
        ("registration_number=SB-2020", demo.all()),
        ("title=fol%C3%A5sa", vec![demo.ostergotland.clone()]),
        ("title=MARIA%20UNGDOM", vec![demo.stockholm.clone()]),
        (
            "title=integrerad%20v%C3%A5rd",
            sorted(vec![
                demo.skane.clone(),
                demo.vgr.clone(),
                demo.ostergotland.clone(),
            ]),
        ),
        ("status=rejected", vec![demo.stockholm.clone()]),
        ("status=decided", demo.all()),
        ("status=submitted", vec![]),
        (&format!("call={call_id}"), demo.all()),
        // The call's years (2021, 2022) and the year the cases arrived (2020).
        ("year=2021", demo.all()),
        ("year=2022", demo.all()),
        ("year=2020", demo.all()),
        ("year=2019", vec![]),
        ("year=2023", vec![]),
        // Together: every criterion given must hold.
        (
            &format!("organisation=region&status=rejected&year=2021&call={call_id}"),
            vec![demo.stockholm.clone()],
        ),
        ("organisation=sk%C3%A5ne&status=rejected", vec![]),
        (
            "organisation=sk%C3%A5ne&title=h%C3%A4ssleholm",
            vec![demo.skane.clone()],
        ),
        ("organisation=sk%C3%A5ne&title=fol%C3%A5sa", vec![]),
    ] {
        let (status, body) = json(&app, &api, &format!("/api/v1/search?{query}")).await;
        assert_eq!(status, 200, "{query}: {body}");
        assert_eq!(sorted(ids(&body)), expected, "{query}");
        assert_eq!(body["total"], expected.len() as i64, "{query}");
        assert_eq!(body["page"], 1);
        assert_eq!(body["pages"], 1);
    }

    // What a case found reads like.
    let (_, body) = json(&app, &api, "/api/v1/search?organisation=stockholm").await;
    let hit = &body["items"][0];
    assert_eq!(hit["organisation"]["name"], "Region Stockholm");
    assert_eq!(hit["organisation"]["org_number"], STOCKHOLM_ORGNR);
    assert_eq!(hit["status"], "decided");
    assert_eq!(hit["outcome"], "rejected");
    assert_eq!(hit["status_label"], "Avslagen");
    assert_eq!(hit["officer"], Value::Null);
    assert!(
        hit["call_title"]
            .as_str()
            .unwrap()
            .starts_with("Statsbidrag till regioner"),
        "{hit}"
    );

    // The page finds the same, with every column and the typed criteria kept.
    let web = web_client(&app, OFFICER).await;
    let (status, page) = text(&app, &web, "/sok?organisation=sk%C3%A5ne").await;
    assert_eq!(status, 200, "{page}");
    assert_eq!(page_ids(&page), vec![demo.skane.clone()]);
    assert!(page.contains(&format!(
        "<a href=\"/ansokningar/{}\">{skane_number}</a>",
        demo.skane
    )));
    for shown in [
        "Region Skåne",
        SKANE_ORGNR,
        "Statsbidrag till regioner för pilotprojekt SiS integrerad vård 2021–2022",
        "Integrerad vård vid SiS särskilda ungdomshem Hässleholm",
        "Ingen utsedd",
        "2020-04-20",
        "value=\"skåne\"",
        "href=\"/sok.csv?organisation=sk%C3%A5ne\"",
        ">Ladda ner som CSV</a>",
        "aria-current=\"page\">Sök ärenden</a>",
    ] {
        assert!(page.contains(shown), "{shown} in {page}");
    }
    let status_label = page.contains(">Beviljad<") || page.contains(">Delvis beviljad<");
    assert!(status_label, "the status as people read it: {page}");
    let (status, page) = text(&app, &web, "/sok").await;
    assert_eq!(status, 200);
    assert_eq!(sorted(page_ids(&page)), demo.all());
    assert!(page.contains("4 ärenden matchar"), "{page}");
    // Decision makers and auditors search too.
    for email in [DECISION_MAKER, AUDITOR] {
        let web = web_client(&app, email).await;
        let (status, page) = text(&app, &web, "/sok?status=rejected").await;
        assert_eq!(status, 200, "{email}: {page}");
        assert_eq!(page_ids(&page), vec![demo.stockholm.clone()], "{email}");
        assert!(page.contains("href=\"/sok\""), "in the menu of {email}");
        let api = api_client(&app, email).await;
        let (status, body) = json(&app, &api, "/api/v1/search?status=rejected").await;
        assert_eq!(status, 200, "{email}: {body}");
        assert_eq!(ids(&body), vec![demo.stockholm.clone()]);
    }
}

async fn assign(app: &TestApp, web: &reqwest::Client, case: &str, officer_id: &str) {
    let (_, page) = text(app, web, &format!("/ansokningar/{case}")).await;
    let response = web
        .post(app.url(&format!("/ansokningar/{case}/handlaggare")))
        .form(&[
            ("csrf_token", csrf_from(&page).as_str()),
            ("officer_id", officer_id),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status().as_u16(), 303);
}

#[actix_web::test]
async fn officers_find_the_cases_of_an_officer_and_those_without_one() {
    let app = spawn_app().await;
    let demo = Demo::of(&app);
    let karin = user_id(&app, OFFICER);
    let omar = user_id(&app, "handlaggare2@socialstyrelsen.example");
    let web = web_client(&app, OFFICER).await;
    assign(&app, &web, &demo.skane, &karin).await;
    assign(&app, &web, &demo.vgr, &omar).await;

    let api = api_client(&app, OFFICER).await;
    let (status, body) = json(&app, &api, &format!("/api/v1/search?officer={karin}")).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(ids(&body), vec![demo.skane.clone()]);
    assert_eq!(body["items"][0]["officer"], "Karin Lindqvist");
    let (_, body) = json(&app, &api, &format!("/api/v1/search?officer={omar}")).await;
    assert_eq!(ids(&body), vec![demo.vgr.clone()]);
    let (_, body) = json(&app, &api, "/api/v1/search?officer=none").await;
    assert_eq!(
        sorted(ids(&body)),
        sorted(vec![demo.ostergotland.clone(), demo.stockholm.clone()])
    );
    let (_, body) = json(
        &app,
        &api,
        &format!("/api/v1/search?officer={karin}&organisation=v%C3%A4stra"),
    )
    .await;
    assert_eq!(ids(&body), Vec::<String>::new());

    // The page: the officer chosen in the list, the name in the column.
    let (status, page) = text(&app, &web, &format!("/sok?officer={karin}")).await;
    assert_eq!(status, 200);
    assert_eq!(page_ids(&page), vec![demo.skane.clone()]);
    assert!(page.contains(&format!(
        "<option value=\"{karin}\" selected>Karin Lindqvist"
    )));
    assert!(page.contains("<td>Karin Lindqvist</td>"), "{page}");
    let (_, page) = text(&app, &web, "/sok?officer=none").await;
    assert!(page.contains("<option value=\"none\" selected>Utan handläggare"));
    assert_eq!(
        sorted(page_ids(&page)),
        sorted(vec![demo.ostergotland.clone(), demo.stockholm.clone()])
    );
}

#[actix_web::test]
async fn percent_and_underscore_typed_match_themselves() {
    let app = spawn_app().await;
    let demo = Demo::of(&app);
    execute(
        &mut app.conn(),
        &format!(
            "UPDATE applications SET project_title = 'Vård till 100% nära_hemmet' WHERE id = '{}'",
            demo.vgr
        ),
    )
    .unwrap();
    let api = api_client(&app, OFFICER).await;
    for (query, expected) in [
        ("title=%25", vec![demo.vgr.clone()]),
        ("title=_", vec![demo.vgr.clone()]),
        ("title=0%25%20n", vec![demo.vgr.clone()]),
        ("title=a_h", vec![demo.vgr.clone()]),
        // Without escaping, `_` would match any one letter and `%` anything.
        ("title=i_tegrerad", vec![]),
        ("title=integrerad%25h%C3%A4ssleholm", vec![]),
        ("organisation=%25", vec![]),
        ("registration_number=SB%25", vec![]),
        ("registration_number=SB_2020", vec![]),
        ("title=%5C", vec![]),
    ] {
        let (status, body) = json(&app, &api, &format!("/api/v1/search?{query}")).await;
        assert_eq!(status, 200, "{query}: {body}");
        assert_eq!(ids(&body), expected, "{query}");
    }
    let web = web_client(&app, OFFICER).await;
    let (_, page) = text(&app, &web, "/sok?title=%25").await;
    assert_eq!(page_ids(&page), vec![demo.vgr.clone()]);
    assert!(page.contains("value=\"%\""), "the typed text is kept");
}

#[actix_web::test]
async fn criteria_that_cannot_be_used_are_named_beside_their_field() {
    let app = spawn_app().await;
    let web = web_client(&app, OFFICER).await;
    let (status, page) = text(&app, &web, "/sok?year=21&organisation=sk%C3%A5ne").await;
    assert_eq!(status, 400);
    assert!(
        page.contains("<p class=\"field-error\" id=\"year-fel\">Ange ett år med fyra siffror.</p>"),
        "{page}"
    );
    assert!(page.contains("<a href=\"#year\">Ange ett år med fyra siffror.</a>"));
    assert!(page.contains("value=\"21\""), "the typed year is kept");
    assert!(
        page.contains("value=\"skåne\""),
        "the other criteria are kept"
    );
    assert!(page.contains("aria-invalid=\"true\""));
    assert!(page.contains("<title>Fel: Sök ärenden"));
    assert_eq!(page_ids(&page), Vec::<String>::new(), "no cases shown");

    let (status, page) = text(&app, &web, "/sok?status=draft&officer=nobody&call=no-call").await;
    assert_eq!(status, 400);
    for message in [
        "Välj en status i listan.",
        "Välj en handläggare i listan.",
        "Välj en utlysning i listan.",
    ] {
        assert!(page.contains(message), "{message} in {page}");
    }
    assert!(page.contains("<option value=\"nobody\" selected>nobody</option>"));

    // The export answers with the page and its messages, not with a file.
    let (status, page) = text(&app, &web, "/sok.csv?year=twenty").await;
    assert_eq!(status, 400);
    assert!(page.contains("Ange ett år med fyra siffror."));
    assert!(page.contains("value=\"twenty\""));

    // The API: 422 problem JSON, each problem named by its parameter.
    let api = api_client(&app, OFFICER).await;
    let (status, body) = json(&app, &api, "/api/v1/search?year=21").await;
    assert_eq!(status, 422, "{body}");
    assert_eq!(body["errors"][0]["field"], "year");
    assert_eq!(
        body["errors"][0]["message"],
        "Ange ett år med fyra siffror."
    );
    let (status, body) = json(&app, &api, "/api/v1/search?status=bogus&page=0").await;
    assert_eq!(status, 422, "{body}");
    let fields: Vec<&str> = body["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["field"].as_str().unwrap())
        .collect();
    assert_eq!(fields, vec!["status", "page"]);
    // The document describes every criterion as an optional query parameter.
    let (_, doc) = app.get_json("/api/v1/openapi.json").await;
    let parameters = doc["paths"]["/api/v1/search"]["get"]["parameters"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    let names: Vec<&str> = parameters
        .iter()
        .map(|p| p["name"].as_str().unwrap())
        .collect();
    assert_eq!(
        names,
        vec![
            "organisation",
            "registration_number",
            "title",
            "status",
            "officer",
            "call",
            "year",
            "page"
        ]
    );
    assert!(
        parameters
            .iter()
            .all(|p| p["in"] == "query" && p["required"] != true),
        "{parameters:?}"
    );
    // A page past the last finds nothing, and says how many there are.
    let (status, body) = json(&app, &api, "/api/v1/search?page=3").await;
    assert_eq!(status, 200);
    assert_eq!(body["items"], serde_json::json!([]));
    assert_eq!(body["total"], 4);
    assert_eq!(body["pages"], 1);
}

#[actix_web::test]
async fn applicants_and_administrators_are_refused_and_it_is_recorded() {
    let app = spawn_app().await;
    for email in [SKANE, ADMIN] {
        let web = web_client(&app, email).await;
        let (_, home) = text(&app, &web, "/").await;
        assert!(
            !home.contains("href=\"/sok\""),
            "not in the menu of {email}"
        );
        let before = app.audit_events("access.denied").len();
        let (status, _) = text(&app, &web, "/sok?organisation=sk%C3%A5ne").await;
        assert_eq!(status, 403, "{email}");
        let (status, body) = text(&app, &web, "/sok.csv").await;
        assert_eq!(status, 403, "{email}");
        assert!(!body.contains("Diarienummer;"), "no file for {email}");
        // Whatever was typed: the refusal comes before the criteria are read.
        let (status, _) = text(&app, &web, "/sok?year=x").await;
        assert_eq!(status, 403, "{email}");
        let api = api_client(&app, email).await;
        let (status, body) = json(&app, &api, "/api/v1/search?organisation=region").await;
        assert_eq!(status, 403, "{email}: {body}");
        assert_eq!(body["title"], "Åtkomst nekad");
        let denied = app.audit_events("access.denied");
        assert_eq!(denied.len(), before + 4, "{email}: every refusal on record");
        assert!(
            denied[0].summary.contains("försökte söka bland ärenden"),
            "{}",
            denied[0].summary
        );
        assert_eq!(denied[0].actor_email.as_deref(), Some(email));
    }
    // Without a login: the login page, and 401 in the API.
    let (status, _) = app.get_text("/sok").await;
    assert_eq!(status, 303);
    let (status, _) = app.get_json("/api/v1/search").await;
    assert_eq!(status, 401);
}

/// Adds `n` submitted applications to the call, numbered SB-2019-1001 and on, in a few
/// set-based statements.
fn insert_applications(app: &TestApp, call_id: &str, n: i64) {
    let series =
        format!("WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < {n})");
    for sql in [
        format!(
            "{series} INSERT INTO organisations \
             (id, org_number, name, kind, number_status, number_source, created_at) \
             SELECT 'search-org-' || i, '212000-' || (1000 + i), 'Sökby kommun ' || (1000 + i), \
             'municipality', 'unconfirmed', 'test', '2019-02-01 09:00:00' FROM n"
        ),
        format!(
            "{series} INSERT INTO applications \
             (id, call_id, organisation_id, kind, status, registration_number, project_title, \
              created_at, submitted_at) \
             SELECT 'search-app-' || i, '{call_id}', 'search-org-' || i, 'initial', \
             CASE WHEN i % 3 = 0 THEN 'complete' ELSE 'submitted' END, \
             'SB-2019-' || (1000 + i), 'Projekt ' || i, '2019-02-01 09:00:00', \
             '2019-02-02 09:00:00' FROM n"
        ),
    ] {
        execute(&mut app.conn(), &sql).unwrap_or_else(|e| panic!("{e}: {sql}"));
    }
}

/// The registration numbers of a CSV file's rows (after its header), in order.
fn csv_numbers(csv: &str) -> Vec<String> {
    csv.lines()
        .skip(1)
        .filter(|l| !l.is_empty())
        .map(|l| l.split(';').next().unwrap().to_string())
        .collect()
}

#[actix_web::test]
async fn the_csv_and_the_pages_hold_the_same_cases_in_the_same_order() {
    let app = spawn_app().await;
    let demo = Demo::of(&app);
    let call_id = app.call_id().await;
    const N: i64 = 1_100;
    insert_applications(&app, &call_id, N);
    let web = web_client(&app, OFFICER).await;

    // A small search: the file's header and the page's rows, row by row.
    let (status, page) = text(&app, &web, "/sok?organisation=region").await;
    assert_eq!(status, 200);
    let response = web
        .get(app.url("/sok.csv?organisation=region"))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status().as_u16(), 200);
    assert!(
        response.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/csv")
    );
    assert!(
        response.headers()["content-disposition"]
            .to_str()
            .unwrap()
            .contains("attachment; filename=\"arenden-")
    );
    let bytes = response.bytes().await.unwrap();
    assert!(bytes.starts_with(b"\xEF\xBB\xBF"), "a byte order mark");
    let csv = String::from_utf8(bytes[3..].to_vec()).unwrap();
    assert_eq!(
        csv.lines().next().unwrap(),
        "Diarienummer;Organisation;Organisationsnummer;Utlysning;Projekt;Status;Handläggare;Inkommen"
    );
    let numbers: Vec<String> = page_ids(&page)
        .iter()
        .map(|id| registration_number(&app, id))
        .collect();
    assert_eq!(numbers.len(), 4);
    assert_eq!(csv_numbers(&csv), numbers);
    let skane = csv
        .lines()
        .find(|l| l.contains("Region Skåne"))
        .expect("Skåne's row");
    assert!(
        skane.starts_with(&format!(
            "{};Region Skåne;{SKANE_ORGNR};",
            registration_number(&app, &demo.skane)
        )),
        "{skane}"
    );
    assert!(
        skane.ends_with(";;2020-04-20"),
        "no officer, arrived: {skane}"
    );

    // Every case: pages of 50 in the page and the API, the file in parts of 500; all three
    // hold every case once, in one order.
    let total = N + 4;
    let (status, first) = text(&app, &web, "/sok").await;
    assert_eq!(status, 200);
    assert!(
        first.contains("1\u{a0}104 ärenden matchar, rad 1–50 på sidan 1 av 23"),
        "{first}"
    );
    assert!(
        first.contains("href=\"/sok?page=2\" rel=\"next\""),
        "{first}"
    );
    let api = api_client(&app, OFFICER).await;
    let mut paged: Vec<String> = Vec::new();
    let mut page = 1;
    loop {
        let (status, body) = json(&app, &api, &format!("/api/v1/search?page={page}")).await;
        assert_eq!(status, 200, "{body}");
        assert_eq!(body["total"], total);
        assert_eq!(body["per_page"], 50);
        paged.extend(
            body["items"]
                .as_array()
                .unwrap()
                .iter()
                .map(|i| i["registration_number"].as_str().unwrap().to_string()),
        );
        if page >= body["pages"].as_i64().unwrap() {
            break;
        }
        page += 1;
    }
    assert_eq!(page, 23);
    assert_eq!(paged.len() as i64, total);
    let (_, last) = text(&app, &web, "/sok?page=23").await;
    assert_eq!(page_ids(&last).len(), 4);
    // A page past the end on the web page is its last page.
    let (_, past) = text(&app, &web, "/sok?page=99").await;
    assert_eq!(page_ids(&past), page_ids(&last));

    let response = web.get(app.url("/sok.csv")).send().await.unwrap();
    assert_eq!(response.status().as_u16(), 200);
    let bytes = response.bytes().await.unwrap();
    let csv = String::from_utf8(bytes[3..].to_vec()).unwrap();
    assert_eq!(csv_numbers(&csv), paged);
    let mut unique = paged.clone();
    unique.sort();
    unique.dedup();
    assert_eq!(unique.len() as i64, total, "no case twice");

    // Criteria narrow the file as they narrow the page.
    let (_, body) = json(&app, &api, "/api/v1/search?status=complete&year=2019").await;
    assert_eq!(body["total"], N / 3);
    let response = web
        .get(app.url("/sok.csv?status=complete&year=2019"))
        .send()
        .await
        .unwrap();
    let csv = String::from_utf8(response.bytes().await.unwrap()[3..].to_vec()).unwrap();
    assert_eq!(csv_numbers(&csv).len() as i64, N / 3);
    assert!(csv.lines().skip(1).all(|l| l.contains(";Komplett;")));
    // A number of the bulk, with and without its dash.
    for typed in ["212000-1042", "2120001042"] {
        let (_, body) = json(&app, &api, &format!("/api/v1/search?organisation={typed}")).await;
        assert_eq!(body["total"], 1, "{typed}");
        assert_eq!(body["items"][0]["registration_number"], "SB-2019-1042");
    }
}
