//! The grant's story through the JSON API, as a machine would drive it: an officer writes
//! and publishes the call of 2020, the regions draft and submit, one is too late, Skåne
//! answers a supplement; and what must be refused is refused, per field, with nothing
//! stored.
//!
//! Every person has a client (cookie jar) of their own, logs in with `POST /api/v1/session`
//! and sends the CSRF token it gave with every write.

use chrono::{DateTime, Duration, Utc};
use reqwest::Method;
use serde_json::{Value, json};
use sha2::{Digest, Sha256};

use crate::helpers::{
    AUDITOR, OFFICER, PASSWORD, SKANE, TestApp, VGR, nbsp, new_client, spawn_app_without_cases,
};

const OSTERGOTLAND: &str = "sokande@ostergotland.example";
const STOCKHOLM: &str = "sokande@stockholm.example";

const CALL_CODE: &str = "integrerad-vard-2020";
const CALL_TITLE: &str = "Statsbidrag till regioner för pilotprojekt SiS integrerad vård 2021–2022";
const SECTION_1: &str = "Förankring i regionen och hos SiS";
const SECTION_2: &str = "Inriktning och avgränsningar";

fn at(time: &str) -> DateTime<Utc> {
    time.parse().expect("time")
}

/// One person at one computer, logged in through the API.
struct Person {
    client: reqwest::Client,
    base: String,
    csrf: String,
}

impl Person {
    async fn login(app: &TestApp, email: &str) -> Person {
        let client = new_client();
        let response = client
            .post(format!("{}/api/v1/session", app.address))
            .json(&json!({ "email": email, "password": PASSWORD }))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status().as_u16(), 200, "API login of {email}");
        let body: Value = response.json().await.unwrap();
        Person {
            client,
            base: app.address.clone(),
            csrf: body["csrf_token"].as_str().unwrap().to_string(),
        }
    }

    fn request(&self, method: Method, path: &str) -> reqwest::RequestBuilder {
        self.client
            .request(method, format!("{}{path}", self.base))
            .header("X-CSRF-Token", &self.csrf)
    }

    async fn answer(request: reqwest::RequestBuilder) -> (u16, Value) {
        let response = request.send().await.unwrap();
        let status = response.status().as_u16();
        (status, response.json().await.unwrap_or(Value::Null))
    }

    async fn get(&self, path: &str) -> (u16, Value) {
        Person::answer(self.client.get(format!("{}{path}", self.base))).await
    }

    async fn post(&self, path: &str, body: Value) -> (u16, Value) {
        Person::answer(self.request(Method::POST, path).json(&body)).await
    }

    /// A POST that sends no body.
    async fn act(&self, path: &str) -> (u16, Value) {
        Person::answer(self.request(Method::POST, path)).await
    }

    async fn put(&self, path: &str, body: Value) -> (u16, Value) {
        Person::answer(self.request(Method::PUT, path).json(&body)).await
    }

    async fn delete(&self, path: &str) -> (u16, Value) {
        Person::answer(self.request(Method::DELETE, path)).await
    }

    async fn upload(&self, application_id: &str, filename: &str, bytes: Vec<u8>) -> (u16, Value) {
        Person::answer(
            self.request(
                Method::POST,
                &format!("/api/v1/applications/{application_id}/attachments"),
            )
            .query(&[("filename", filename)])
            .header("Content-Type", "application/pdf")
            .body(bytes),
        )
        .await
    }

    async fn application(&self, id: &str) -> Value {
        let (status, body) = self.get(&format!("/api/v1/applications/{id}")).await;
        assert_eq!(status, 200, "{body}");
        body
    }
}

/// The fields a problem report names.
fn fields(problem: &Value) -> Vec<String> {
    problem["errors"]
        .as_array()
        .map(|errors| {
            errors
                .iter()
                .map(|e| e["field"].as_str().unwrap().to_string())
                .collect()
        })
        .unwrap_or_default()
}

/// Amounts per year as the API gives them: `[{"year": 2021, "amount": "2913808"}, ...]`.
fn per_year(amounts: [(i32, i64); 2]) -> Value {
    amounts
        .iter()
        .map(|(year, amount)| json!({ "year": year, "amount": amount.to_string() }))
        .collect()
}

/// The call of 2020, as the officer sends it. Numbers go as numbers or as text, as they
/// come.
fn call_of_2020() -> Value {
    json!({
        "programme": "sis-integrerad-vard",
        "code": CALL_CODE,
        "title": CALL_TITLE,
        "description": "Socialstyrelsen utlyser statsbidrag till regioner som vill delta i pilotprojektet om integrerad vård för barn och unga som vårdas vid SiS särskilda ungdomshem och som även har stora behov av psykiatrisk vård. Högst fyra regioner kan beviljas statsbidrag.",
        "annex_title": "Bilaga 1 – förväntade resultat av statsbidraget",
        "annex_intro": "",
        "opens_on": "2020-01-31",
        "last_day": "2020-04-20",
        "max_recipients": 4,
        "payment_month": 1,
        "report_due_month": "3",
        "report_due_day": 1,
        "eligible_kinds": ["region"],
        "years": [
            { "year": 2021, "ceiling": "15000000" },
            { "year": 2022, "ceiling": "15 000 000" }
        ],
        "sections": [
            {
                "title": SECTION_1,
                "help_text": "Beskriv hur ansökan är förankrad i regionens ledning och hos SiS.",
                "required": true,
                "max_length": 8000
            },
            {
                "title": SECTION_2,
                "help_text": "Beskriv inriktningen och vilka barn och unga arbetet är avsett för.",
                "required": false,
                "max_length": "8000"
            }
        ],
        "cost_categories": [
            { "code": "personal", "name": "Personal" },
            { "code": "resor", "name": "Resor" },
            { "code": "utbildning", "name": "Utbildning" },
            { "code": "ovrigt", "name": "Övrigt" }
        ],
        "criteria": [
            {
                "title": "Förutsättningar för integrerad vård",
                "description": "Ansökan beskriver förutsättningar för att delta i utvecklingen av integrerad vård enligt regeringsuppdraget."
            }
        ],
        "expected_results": [
            {
                "year": 2021,
                "area": "Planering",
                "title": "Planering och förberedelser",
                "body": "Regionen har planerat den integrerade vården tillsammans med SiS."
            },
            {
                "year": "2022",
                "area": "Genomförande",
                "title": "Integrerad vård i gång",
                "body": "Den integrerade vården bedrivs vid minst ett av SiS särskilda ungdomshem."
            }
        ]
    })
}

/// The officer creates the call as a draft and publishes it; returns its id.
async fn officer_publishes_the_call(officer: &Person) -> String {
    let (status, call) = officer.post("/api/v1/calls", call_of_2020()).await;
    assert_eq!(status, 201, "{call}");
    assert_eq!(call["status"], "draft");
    assert_eq!(call["code"], CALL_CODE);
    let call_id = call["id"].as_str().unwrap().to_string();
    let (status, call) = officer
        .act(&format!("/api/v1/calls/{call_id}/publish"))
        .await;
    assert_eq!(status, 200, "{call}");
    assert_eq!(call["status"], "published");
    call_id
}

/// A budget whose lines add up to the amounts applied for each year. Amounts go as text
/// and as numbers.
fn budget(amounts: [(i32, i64); 2]) -> Value {
    let fixed = [
        ("resor", 100_000),
        ("utbildning", 150_000),
        ("ovrigt", 50_000),
    ];
    let mut lines = Vec::new();
    for (year, total) in amounts {
        let personal = total - fixed.iter().map(|(_, a)| a).sum::<i64>();
        lines.push(json!({
            "year": year,
            "category": "personal",
            "amount": personal.to_string(),
            "description": "Läkare, psykolog och socionom"
        }));
        for (category, amount) in fixed {
            lines.push(json!({ "year": year.to_string(), "category": category, "amount": amount }));
        }
    }
    Value::Array(lines)
}

struct Region {
    email: &'static str,
    person: &'static str,
    org_number: &'static str,
    project_title: &'static str,
    answer_1: &'static str,
    answer_2: &'static str,
    /// Applied for, kronor per year (Tabell 1 of the 2020 report).
    amounts: [(i32, i64); 2],
}

const SKANE_REGION: Region = Region {
    email: SKANE,
    person: "Sara Persson",
    org_number: "232100-0255",
    project_title: "Integrerad vård vid SiS särskilda ungdomshem Hässleholm",
    answer_1: "Utvecklingsarbetet bedrivs i samverkan med SiS särskilda ungdomshem Hässleholm, som tar emot skolpliktiga flickor och pojkar.",
    answer_2: "Regionen avser att använda en stor del av 2021 för att utreda och planera förutsättningarna för den integrerade vården.",
    amounts: [(2021, 2_913_808), (2022, 3_363_938)],
};

const VGR_REGION: Region = Region {
    email: VGR,
    person: "Johan Karlsson",
    org_number: "232100-0131",
    project_title: "Integrerad vård vid SiS särskilda ungdomshem i Västra Götaland",
    answer_1: "Arbetet sker i samverkan med samtliga sex ungdomshem i regionen.",
    answer_2: "Regionen avser att utveckla förutsättningarna för den integrerade vården i anslutning till operativt arbete från årets början.",
    amounts: [(2021, 4_996_873), (2022, 4_996_873)],
};

const OSTERGOTLAND_REGION: Region = Region {
    email: OSTERGOTLAND,
    person: "Lina Ek",
    org_number: "232100-0040",
    project_title: "Integrerad vård vid SiS särskilda ungdomshem Folåsa",
    answer_1: "Utvecklingsarbetet bedrivs i samverkan med SiS särskilda ungdomshem Folåsa.",
    answer_2: "Regionen räknar med en läkare på halvtid samt en socionom, en psykolog och en arbetsterapeut på heltid.",
    amounts: [(2021, 3_179_104), (2022, 3_116_968)],
};

const STOCKHOLM_REGION: Region = Region {
    email: STOCKHOLM,
    person: "Ali Rahimi",
    org_number: "232100-0016",
    project_title: "Maria ungdom: digitala verktyg för behandling av missbruks- och beroendeproblematik",
    answer_1: "I ansökan är arbetet inte knutet till samverkan med ett eller flera angivna ungdomshem.",
    answer_2: "Maria ungdom föreslår digitala verktyg för behandling av viss missbruks- och beroendeproblematik.",
    // Maria ungdom's amounts are not public (fixtures/demo/2020-applications.toml); these
    // stand in for them.
    amounts: [(2021, 2_045_977), (2022, 2_045_977)],
};

fn draft_of(region: &Region) -> Value {
    json!({
        "project_title": region.project_title,
        "answers": { "1": region.answer_1, "2": region.answer_2 },
        "budget": budget(region.amounts),
        "staff": [
            { "year": 2021, "role": "Läkare, barn- och ungdomspsykiatri", "fte_percent": 80, "months": 12, "cost": "900000" }
        ]
    })
}

/// The region starts its application and saves a complete draft; returns the case's id.
async fn region_drafts(person: &Person, call_id: &str, region: &Region) -> String {
    let (status, case) = person
        .act(&format!("/api/v1/calls/{call_id}/applications"))
        .await;
    assert_eq!(status, 201, "{case}");
    assert_eq!(case["status"], "draft");
    assert_eq!(case["organisation"]["org_number"], region.org_number);
    let id = case["id"].as_str().unwrap().to_string();

    let (status, case) = person
        .put(
            &format!("/api/v1/applications/{id}/draft"),
            draft_of(region),
        )
        .await;
    assert_eq!(status, 200, "{case}");
    assert_eq!(case["project_title"], region.project_title);
    let draft = &case["versions"][0];
    assert_eq!(draft["status"], "draft");
    assert_eq!(draft["answers"][0]["body"], region.answer_1);
    assert_eq!(draft["requested"], per_year(region.amounts));
    assert_eq!(draft["budget"].as_array().unwrap().len(), 8);
    assert_eq!(draft["staff"][0]["cost"], "900000");
    id
}

/// An applicant account made straight in the database.
fn create_applicant(app: &TestApp, email: &str, name: &str, org_number: &str, signatory: bool) {
    statsbidrag::accounts::create_account(
        &mut app.conn(),
        None,
        &statsbidrag::accounts::NewAccount {
            email: email.into(),
            name: name.into(),
            role: "applicant".into(),
            org_number: Some(org_number.into()),
            // Who could sign before issue 14 is a representative now (who may submit); who
            // could not, an uppgiftssamordnare (who may not).
            org_role: Some(if signatory {
                statsbidrag::codes::OrgRole::Representative
            } else {
                statsbidrag::codes::OrgRole::Coordinator
            }),
            password: Some(PASSWORD.into()),
        },
        app.clock_now(),
    )
    .unwrap();
}

fn outbox(app: &TestApp) -> Vec<statsbidrag::db::outbox::OutboxMessage> {
    statsbidrag::db::outbox::list(&mut app.conn()).unwrap()
}

#[actix_web::test]
async fn the_2020_story_replays_through_the_api() {
    let app = spawn_app_without_cases().await;
    let (_, calls) = app.get_json("/api/v1/calls").await;
    assert_eq!(calls, json!([]), "no call before the officer writes one");

    // 20 January 2020: the officer writes the call and publishes it.
    app.clock.set(at("2020-01-20T10:00:00Z"));
    let officer = Person::login(&app, OFFICER).await;
    let call_id = officer_publishes_the_call(&officer).await;
    let (status, call) = app.get_json(&format!("/api/v1/calls/{call_id}")).await;
    assert_eq!(status, 200, "published calls are open data");
    assert_eq!(call["phase"], "not_yet_open");
    assert_eq!(call["max_recipients"], 4);
    assert_eq!(
        call["years"],
        json!([{ "year": 2021, "ceiling": "15000000" }, { "year": 2022, "ceiling": "15000000" }])
    );
    assert_eq!(call["sections"][0]["title"], SECTION_1);
    assert_eq!(call["sections"][0]["required"], true);
    assert_eq!(call["sections"][1]["required"], false);
    let codes: Vec<&str> = call["cost_categories"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["code"].as_str().unwrap())
        .collect();
    assert_eq!(codes, ["personal", "resor", "utbildning", "ovrigt"]);
    assert_eq!(call["criteria"].as_array().unwrap().len(), 1);
    assert_eq!(call["expected_results"].as_array().unwrap().len(), 2);
    assert_eq!(call["eligible_kinds"], json!(["region"]));

    // March 2020: the four regions apply, one after the other.
    let regions = [
        &SKANE_REGION,
        &VGR_REGION,
        &OSTERGOTLAND_REGION,
        &STOCKHOLM_REGION,
    ];
    let mut ids = Vec::new();
    for (n, region) in regions.iter().enumerate() {
        let when = at("2020-03-01T09:00:00Z") + Duration::hours(n as i64);
        app.clock.set(when);
        let person = Person::login(&app, region.email).await;
        let id = region_drafts(&person, &call_id, region).await;
        let (status, check) = person
            .get(&format!("/api/v1/applications/{id}/submit-check"))
            .await;
        assert_eq!(status, 200, "{check}");
        assert_eq!(check, json!({ "problems": [], "blocked": null }));

        let (status, receipt) = person
            .act(&format!("/api/v1/applications/{id}/submit"))
            .await;
        assert_eq!(status, 200, "{receipt}");
        assert_eq!(receipt["application_id"], id.as_str());
        assert_eq!(
            receipt["registration_number"],
            format!("SB-2020-{:04}", n + 1)
        );
        assert_eq!(receipt["version"], 1);
        assert_eq!(
            receipt["submitted_at"],
            when.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
        );
        assert_eq!(receipt["submitted_by"], region.person);
        ids.push(id);
    }

    // Each submitter has a receipt in the outbox, with the registration number.
    let messages = outbox(&app);
    for (n, region) in regions.iter().enumerate() {
        let number = format!("SB-2020-{:04}", n + 1);
        let receipts: Vec<_> = messages
            .iter()
            .filter(|m| m.to_address == region.email && m.subject.starts_with("Kvittens"))
            .collect();
        assert_eq!(receipts.len(), 1, "{messages:?}");
        assert!(receipts[0].subject.contains(&number), "{:?}", receipts[0]);
        assert!(receipts[0].body_text.contains(&number));
    }
    assert_eq!(app.audit_events("application.submitted").len(), 4);

    // The officer lists the call's applications with the amounts per year. (A session ends
    // after eight hours without a request, so people log in again after the clock jumps.)
    let officer = Person::login(&app, OFFICER).await;
    let (status, list) = officer
        .get(&format!("/api/v1/applications?call_id={call_id}"))
        .await;
    assert_eq!(status, 200, "{list}");
    assert_eq!(list.as_array().unwrap().len(), 4);
    for (n, region) in regions.iter().enumerate() {
        let row = list
            .as_array()
            .unwrap()
            .iter()
            .find(|a| a["organisation"]["org_number"] == region.org_number)
            .unwrap();
        assert_eq!(row["id"], ids[n].as_str());
        assert_eq!(row["status"], "submitted");
        assert_eq!(row["registration_number"], format!("SB-2020-{:04}", n + 1));
        assert_eq!(row["requested"], per_year(region.amounts), "{row}");
    }

    // A fifth region drafts on the last evening and is one second too late.
    create_applicant(
        &app,
        "sokande@rjl.example",
        "Nils Berg",
        "232100-0057",
        true,
    );
    app.clock.set(at("2020-04-20T20:00:00Z"));
    let late = Person::login(&app, "sokande@rjl.example").await;
    let late_region = Region {
        email: "sokande@rjl.example",
        person: "Nils Berg",
        org_number: "232100-0057",
        project_title: "Integrerad vård vid SiS särskilda ungdomshem i Jönköpings län",
        answer_1: "Arbetet förankras hos regionledningen och SiS under våren.",
        answer_2: "Inriktningen är barn och unga med autismspektrumtillstånd.",
        amounts: [(2021, 1_500_000), (2022, 1_600_000)],
    };
    let late_id = region_drafts(&late, &call_id, &late_region).await;
    app.clock.set(at("2020-04-20T22:00:01Z")); // 2020-04-21 00:00:01 in Stockholm
    let (status, problem) = late
        .act(&format!("/api/v1/applications/{late_id}/submit"))
        .await;
    assert_eq!(status, 409, "{problem}");
    let detail = problem["detail"].as_str().unwrap();
    assert!(
        detail.contains("Ansökningstiden gick ut 2020-04-20"),
        "{detail}"
    );
    assert!(detail.contains("utkast finns kvar"), "{detail}");
    let (_, check) = late
        .get(&format!("/api/v1/applications/{late_id}/submit-check"))
        .await;
    assert!(check["blocked"].as_str().unwrap().contains("gick ut"));
    // The draft is still there with what was typed, and nothing was registered or sent.
    let case = late.application(&late_id).await;
    assert_eq!(case["status"], "draft");
    assert_eq!(case["registration_number"], Value::Null);
    assert_eq!(case["project_title"], late_region.project_title);
    assert_eq!(case["versions"][0]["status"], "draft");
    assert_eq!(
        case["versions"][0]["answers"][0]["body"],
        late_region.answer_1
    );
    assert_eq!(
        case["versions"][0]["answers"][1]["body"],
        late_region.answer_2
    );
    assert_eq!(
        case["versions"][0]["requested"],
        per_year(late_region.amounts)
    );
    assert!(
        !outbox(&app)
            .iter()
            .any(|m| m.to_address == "sokande@rjl.example")
    );
    assert_eq!(app.audit_events("application.submitted").len(), 4);

    // May 2020: the officer asks Skåne for a supplement that may change the budget.
    let skane_id = &ids[0];
    app.clock.set(at("2020-05-04T08:00:00Z"));
    let officer = Person::login(&app, OFFICER).await;
    let message = "Beskriv fördelningen av personalkostnaderna 2021 närmare.";
    let (status, request) = officer
        .post(
            &format!("/api/v1/applications/{skane_id}/supplement-requests"),
            json!({ "message": message, "due_on": "2020-05-15", "budget_change_allowed": true }),
        )
        .await;
    assert_eq!(status, 201, "{request}");
    assert_eq!(request["status"], "open");
    assert_eq!(request["due_on"], "2020-05-15");
    assert_eq!(request["budget_change_allowed"], true);
    assert_eq!(request["message"], message);
    assert_eq!(
        officer.application(skane_id).await["status"],
        "supplement_requested"
    );
    assert!(
        outbox(&app)
            .iter()
            .any(|m| m.to_address == SKANE && m.subject.starts_with("Komplettering begärs"))
    );

    // Skåne begins the answer: version 2, a copy of version 1.
    app.clock.set(at("2020-05-06T12:00:00Z"));
    let skane = Person::login(&app, SKANE).await;
    let (status, begun) = skane
        .act(&format!(
            "/api/v1/applications/{skane_id}/supplement-answer"
        ))
        .await;
    assert_eq!(status, 201, "{begun}");
    assert_eq!(begun, json!({ "version": 2 }));
    let case = skane.application(skane_id).await;
    let (v1, v2) = (&case["versions"][0], &case["versions"][1]);
    assert_eq!(v2["status"], "draft");
    assert_eq!(v2["answers"], v1["answers"]);
    assert_eq!(v2["requested"], v1["requested"]);
    assert_eq!(v2["budget"], v1["budget"]);

    // It lowers the 2021 staff budget by 100 000 kr, rewrites one answer and answers.
    let new_answer_2 = "Regionen utreder och planerar under första halvåret 2021 och börjar den integrerade vården i augusti.";
    let supplement_answer = "Personalkostnaden 2021 gäller en läkare på 80 procent och en psykolog på heltid från augusti; den är sänkt med 100 000 kr.";
    let mut draft = draft_of(&SKANE_REGION);
    draft["answers"]["2"] = json!(new_answer_2);
    draft["budget"] = budget([(2021, 2_813_808), (2022, 3_363_938)]);
    draft["supplement_answer"] = json!(supplement_answer);
    let (status, case) = skane
        .put(&format!("/api/v1/applications/{skane_id}/draft"), draft)
        .await;
    assert_eq!(status, 200, "{case}");
    assert_eq!(
        case["versions"][1]["requested"],
        per_year([(2021, 2_813_808), (2022, 3_363_938)])
    );
    let (status, receipt) = skane
        .act(&format!("/api/v1/applications/{skane_id}/submit"))
        .await;
    assert_eq!(status, 200, "{receipt}");
    assert_eq!(receipt["registration_number"], "SB-2020-0001");
    assert_eq!(receipt["version"], 2);

    // The officer reads both versions, what changed, and the answer.
    let officer = Person::login(&app, OFFICER).await;
    let case = officer.application(skane_id).await;
    assert_eq!(case["status"], "submitted");
    let versions = case["versions"].as_array().unwrap();
    assert_eq!(versions.len(), 2);
    assert_eq!(versions[0]["number"], 1);
    assert_eq!(versions[1]["number"], 2);
    assert!(versions.iter().all(|v| v["status"] == "submitted"));
    assert_eq!(versions[0]["requested"], per_year(SKANE_REGION.amounts));
    assert_eq!(
        versions[1]["requested"],
        per_year([(2021, 2_813_808), (2022, 3_363_938)])
    );
    assert_eq!(versions[0]["changes"], json!([]));
    let changes = versions[1]["changes"].as_array().unwrap();
    assert!(
        changes.contains(&json!({
            "what": format!("Fråga 2: {SECTION_2}"),
            "before": SKANE_REGION.answer_2,
            "after": new_answer_2,
        })),
        "{changes:?}"
    );
    assert!(
        changes.contains(&json!({
            "what": "Budget 2021, Personal",
            "before": format!("{} (Läkare, psykolog och socionom)", nbsp("2 613 808 kr")),
            "after": format!("{} (Läkare, psykolog och socionom)", nbsp("2 513 808 kr")),
        })),
        "{changes:?}"
    );
    assert_eq!(changes.len(), 2, "nothing else changed: {changes:?}");
    assert_eq!(versions[1]["supplement_answer"], supplement_answer);
    let supplements = case["supplements"].as_array().unwrap();
    assert_eq!(supplements.len(), 1);
    assert_eq!(supplements[0]["status"], "answered");
    assert_eq!(supplements[0]["answer_text"], supplement_answer);
    assert_eq!(supplements[0]["answered_at"], "2020-05-06T12:00:00Z");
    let to_officer: Vec<_> = outbox(&app)
        .into_iter()
        .filter(|m| m.to_address == OFFICER)
        .collect();
    assert_eq!(to_officer.len(), 1, "{to_officer:?}");
    assert!(
        to_officer[0]
            .subject
            .starts_with("Komplettering inkommen: SB-2020-0001"),
        "{:?}",
        to_officer[0]
    );
    assert_eq!(app.audit_events("supplement.answered").len(), 1);
    // The list now shows what version 2 applies for.
    let (_, list) = officer
        .get(&format!("/api/v1/applications?call_id={call_id}"))
        .await;
    let skane_row = list
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["id"] == skane_id.as_str())
        .unwrap();
    assert_eq!(
        skane_row["requested"],
        per_year([(2021, 2_813_808), (2022, 3_363_938)])
    );

    // The officer finds the case complete.
    let (status, case) = officer
        .act(&format!("/api/v1/applications/{skane_id}/complete"))
        .await;
    assert_eq!(status, 200, "{case}");
    assert_eq!(case["status"], "complete");
    assert_eq!(app.audit_events("application.complete").len(), 1);
}

/// A published call, a clock in March 2020 and a VGR draft with an attachment.
async fn open_call_with_vgr_draft(app: &TestApp) -> (String, String) {
    app.clock.set(at("2020-01-20T10:00:00Z"));
    let officer = Person::login(app, OFFICER).await;
    let call_id = officer_publishes_the_call(&officer).await;
    app.clock.set(at("2020-03-01T09:00:00Z"));
    let vgr = Person::login(app, VGR).await;
    let id = region_drafts(&vgr, &call_id, &VGR_REGION).await;
    let (status, attachment) = vgr.upload(&id, "budget.pdf", pdf(2_000)).await;
    assert_eq!(status, 201, "{attachment}");
    (call_id, id)
}

/// A file that is a PDF by its content: readable, one page, exactly `size` bytes.
fn pdf(size: usize) -> Vec<u8> {
    crate::uploads::pdf(size)
}

#[actix_web::test]
async fn an_applicant_cannot_touch_another_organisations_application() {
    let app = spawn_app_without_cases().await;
    let (_, vgr_id) = open_call_with_vgr_draft(&app).await;
    let vgr = Person::login(&app, VGR).await;
    let before = vgr.application(&vgr_id).await;
    let attachment_id = before["versions"][0]["attachments"][0]["id"]
        .as_str()
        .unwrap()
        .to_string();

    let skane = Person::login(&app, SKANE).await;
    let (status, problem) = skane
        .put(
            &format!("/api/v1/applications/{vgr_id}/draft"),
            json!({ "project_title": "Kapad", "answers": { "1": "Skrivet av Skåne" } }),
        )
        .await;
    assert_eq!(status, 404, "{problem}");
    assert!(!problem.to_string().contains("Västra Götaland"));
    let (status, _) = skane
        .act(&format!("/api/v1/applications/{vgr_id}/submit"))
        .await;
    assert_eq!(status, 404);
    let (status, _) = skane.upload(&vgr_id, "intrång.pdf", pdf(500)).await;
    assert_eq!(status, 404);
    let response = skane
        .client
        .get(app.url(&format!(
            "/api/v1/applications/{vgr_id}/attachments/{attachment_id}"
        )))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status().as_u16(), 404);
    assert_ne!(
        response.headers().get("content-type").unwrap(),
        "application/pdf"
    );
    let (status, _) = skane
        .delete(&format!(
            "/api/v1/applications/{vgr_id}/attachments/{attachment_id}"
        ))
        .await;
    assert_eq!(status, 404);

    // Nothing changed, and every attempt is on the record.
    assert_eq!(vgr.application(&vgr_id).await, before);
    assert_eq!(app.audit_events("application.submitted").len(), 0);
    let attempts: Vec<_> = app
        .audit_events("access.denied")
        .into_iter()
        .filter(|e| e.entity_id.as_deref() == Some(vgr_id.as_str()))
        .collect();
    assert_eq!(attempts.len(), 5, "{attempts:?}");
    assert!(
        attempts
            .iter()
            .all(|e| e.actor_email.as_deref() == Some(SKANE))
    );
}

#[actix_web::test]
async fn the_auditor_and_applicants_cannot_write_what_is_not_theirs_to_write() {
    let app = spawn_app_without_cases().await;
    let (call_id, vgr_id) = open_call_with_vgr_draft(&app).await;
    let vgr = Person::login(&app, VGR).await;
    let before = vgr.application(&vgr_id).await;

    let auditor = Person::login(&app, AUDITOR).await;
    let (status, problem) = auditor.post("/api/v1/calls", call_of_2020()).await;
    assert_eq!(status, 403, "{problem}");
    assert_eq!(problem["status"], 403);
    let (status, _) = auditor
        .put(
            &format!("/api/v1/applications/{vgr_id}/draft"),
            json!({ "project_title": "Ändrad av revisorn" }),
        )
        .await;
    assert_eq!(status, 403);
    let (status, _) = auditor
        .post(
            &format!("/api/v1/applications/{vgr_id}/supplement-requests"),
            json!({ "message": "Komplettera", "due_on": "2020-03-15", "budget_change_allowed": false }),
        )
        .await;
    assert_eq!(status, 403);
    let (status, _) = auditor
        .put(&format!("/api/v1/calls/{call_id}"), call_of_2020())
        .await;
    assert_eq!(status, 403);

    // An applicant cannot write calls.
    let skane = Person::login(&app, SKANE).await;
    let mut other = call_of_2020();
    other["code"] = json!("egen-utlysning");
    let (status, _) = skane.post("/api/v1/calls", other).await;
    assert_eq!(status, 403);
    let (status, _) = skane.act(&format!("/api/v1/calls/{call_id}/copy")).await;
    assert_eq!(status, 403);

    // Nothing was stored: one call, VGR's draft as it was, no supplement.
    let (_, calls) = app.get_json("/api/v1/calls").await;
    assert_eq!(calls.as_array().unwrap().len(), 1);
    assert_eq!(vgr.application(&vgr_id).await, before);
    assert_eq!(app.audit_events("supplement.requested").len(), 0);
    let denied = app.audit_events("access.denied");
    assert_eq!(
        denied
            .iter()
            .filter(|e| e.actor_email.as_deref() == Some(AUDITOR))
            .count(),
        4,
        "{denied:?}"
    );
    assert_eq!(
        denied
            .iter()
            .filter(|e| e.actor_email.as_deref() == Some(SKANE))
            .count(),
        2,
        "{denied:?}"
    );
}

#[actix_web::test]
async fn an_uppgiftssamordnare_cannot_submit_and_the_ombud_can() {
    let app = spawn_app_without_cases().await;
    app.clock.set(at("2020-01-20T10:00:00Z"));
    let officer = Person::login(&app, OFFICER).await;
    let call_id = officer_publishes_the_call(&officer).await;
    app.clock.set(at("2020-03-01T09:00:00Z"));
    create_applicant(
        &app,
        "medarbetare@skane.example",
        "Maja Nilsson",
        "232100-0255",
        false,
    );

    // The ombud drafts the application; a colleague who is uppgiftssamordnare (who may fill
    // in but not submit) tries to send it in.
    let skane = Person::login(&app, SKANE).await;
    let id = region_drafts(&skane, &call_id, &SKANE_REGION).await;
    let colleague = Person::login(&app, "medarbetare@skane.example").await;
    let (status, check) = colleague
        .get(&format!("/api/v1/applications/{id}/submit-check"))
        .await;
    assert_eq!(status, 200);
    assert_eq!(check["problems"], json!([]));
    assert!(
        check["blocked"]
            .as_str()
            .unwrap()
            .contains("inte skicka in")
    );
    let (status, problem) = colleague
        .act(&format!("/api/v1/applications/{id}/submit"))
        .await;
    assert_eq!(status, 403, "{problem}");
    let detail = problem["detail"].as_str().unwrap();
    assert!(
        detail.contains("Som uppgiftssamordnare kan du fylla i och ändra, men inte skicka in"),
        "{detail}"
    );
    let case = colleague.application(&id).await;
    assert_eq!(case["status"], "draft");
    assert_eq!(case["registration_number"], Value::Null);
    assert!(outbox(&app).is_empty());
    assert!(
        app.audit_events("access.denied")
            .iter()
            .any(|e| e.actor_email.as_deref() == Some("medarbetare@skane.example"))
    );

    // The ombud submits the same draft.
    let (status, receipt) = skane
        .act(&format!("/api/v1/applications/{id}/submit"))
        .await;
    assert_eq!(status, 200, "{receipt}");
    assert_eq!(receipt["registration_number"], "SB-2020-0001");
    assert_eq!(receipt["submitted_by"], "Sara Persson");
}

/// A published call, a clock in March 2020, and Skåne's complete draft.
async fn skane_draft(app: &TestApp) -> (Person, String) {
    app.clock.set(at("2020-01-20T10:00:00Z"));
    let officer = Person::login(app, OFFICER).await;
    let call_id = officer_publishes_the_call(&officer).await;
    app.clock.set(at("2020-03-01T09:00:00Z"));
    let skane = Person::login(app, SKANE).await;
    let id = region_drafts(&skane, &call_id, &SKANE_REGION).await;
    (skane, id)
}

#[actix_web::test]
async fn bad_amounts_and_an_overlong_answer_are_refused_per_field_and_nothing_is_stored() {
    let app = spawn_app_without_cases().await;
    let (skane, id) = skane_draft(&app).await;
    let before = skane.application(&id).await;
    let saves = app.audit_events("application.draft_saved").len();

    let mut draft = draft_of(&SKANE_REGION);
    draft["answers"]["1"] = json!("Ett nytt svar som inte ska sparas.");
    draft["budget"] = json!([
        { "year": 2021, "category": "personal", "amount": "-5" },
        { "year": 2021, "category": "resor", "amount": "12,50" },
        { "year": 2022, "category": "personal", "amount": "tio" },
        { "year": 2022, "category": "resor", "amount": "100 000" }
    ]);
    let (status, problem) = skane
        .put(&format!("/api/v1/applications/{id}/draft"), draft)
        .await;
    assert_eq!(status, 422, "{problem}");
    assert_eq!(
        fields(&problem),
        [
            "budget.2021.personal",
            "budget.2021.resor",
            "budget.2022.personal"
        ]
    );
    let messages: Vec<&str> = problem["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["message"].as_str().unwrap())
        .collect();
    assert_eq!(
        messages,
        [
            "Beloppet får inte vara negativt.",
            "Ange beloppet i hela kronor, utan öre, som 250 000.",
            "Skriv beloppet med siffror, som 250 000 eller 250000,50."
        ]
    );
    assert_eq!(skane.application(&id).await, before);

    // A 10 MB answer reaches the rules, which name the question.
    let mut draft = draft_of(&SKANE_REGION);
    draft["answers"]["2"] = json!("a".repeat(10 * 1024 * 1024));
    let (status, problem) = skane
        .put(&format!("/api/v1/applications/{id}/draft"), draft)
        .await;
    assert_eq!(status, 422, "{problem}");
    assert_eq!(fields(&problem), ["answers.2"]);
    assert_eq!(skane.application(&id).await, before);

    // A budget above the year's ceiling is named by its year.
    let mut draft = draft_of(&SKANE_REGION);
    draft["budget"] = budget([(2021, 15_000_001), (2022, 1_000_000)]);
    let (status, problem) = skane
        .put(&format!("/api/v1/applications/{id}/draft"), draft)
        .await;
    assert_eq!(status, 422, "{problem}");
    assert_eq!(fields(&problem), ["budget.2021"]);

    // A body that is not JSON is answered as a problem too.
    let (status, problem) = Person::answer(
        skane
            .request(Method::PUT, &format!("/api/v1/applications/{id}/draft"))
            .header("Content-Type", "application/json")
            .body("{ inte json"),
    )
    .await;
    assert_eq!(status, 422, "{problem}");
    assert_eq!(fields(&problem), ["body"]);

    assert_eq!(skane.application(&id).await, before);
    assert_eq!(app.audit_events("application.draft_saved").len(), saves);
}

#[actix_web::test]
async fn an_attachment_is_uploaded_downloaded_and_removed_from_the_draft() {
    let app = spawn_app_without_cases().await;
    let (skane, id) = skane_draft(&app).await;
    let content = pdf(50_000);
    let sha256 = hex::encode(Sha256::digest(&content));

    let (status, attachment) = skane
        .upload(&id, "Budgetbilaga Skåne.pdf", content.clone())
        .await;
    assert_eq!(status, 201, "{attachment}");
    assert_eq!(attachment["filename"], "Budgetbilaga Skåne.pdf");
    assert_eq!(attachment["size_bytes"], 50_000);
    assert_eq!(attachment["sha256"], sha256.as_str());
    let attachment_id = attachment["id"].as_str().unwrap().to_string();
    let case = skane.application(&id).await;
    assert_eq!(case["versions"][0]["attachments"], json!([attachment]));

    let path = format!("/api/v1/applications/{id}/attachments/{attachment_id}");
    let response = skane.client.get(app.url(&path)).send().await.unwrap();
    assert_eq!(response.status().as_u16(), 200);
    assert_eq!(
        response.headers().get("content-type").unwrap(),
        "application/pdf"
    );
    let disposition = response
        .headers()
        .get("content-disposition")
        .unwrap()
        .to_str()
        .unwrap()
        .to_string();
    assert!(disposition.starts_with("attachment"), "{disposition}");
    assert!(
        disposition.contains("filename*=UTF-8''Budgetbilaga%20Sk%C3%A5ne.pdf"),
        "{disposition}"
    );
    assert_eq!(response.bytes().await.unwrap().to_vec(), content);

    let (status, _) = skane.delete(&path).await;
    assert_eq!(status, 204);
    let case = skane.application(&id).await;
    assert_eq!(case["versions"][0]["attachments"], json!([]));
    let (status, _) = skane.get(&path).await;
    assert_eq!(status, 404);
    assert_eq!(app.audit_events("attachment.added").len(), 1);
    assert_eq!(app.audit_events("attachment.removed").len(), 1);
}

#[actix_web::test]
async fn attachments_must_be_pdfs_of_at_most_10_mb() {
    let app = spawn_app_without_cases().await;
    let (skane, id) = skane_draft(&app).await;
    let before = skane.application(&id).await;

    let (status, problem) = skane
        .upload(&id, "bilaga.pdf", b"PK\x03\x04 ett zip-arkiv".to_vec())
        .await;
    assert_eq!(status, 422, "{problem}");
    assert_eq!(fields(&problem), ["file"]);
    assert!(
        problem["errors"][0]["message"]
            .as_str()
            .unwrap()
            .contains("PDF")
    );

    // Just above 10 MB: read, and refused by the rules.
    let (status, problem) = skane
        .upload(&id, "stor.pdf", pdf(10 * 1024 * 1024 + 1))
        .await;
    assert_eq!(status, 422, "{problem}");
    assert_eq!(fields(&problem), ["file"]);
    assert!(
        problem["errors"][0]["message"]
            .as_str()
            .unwrap()
            .contains("10 MB")
    );

    // Far above: refused before it is read, still as a problem report.
    let response = skane
        .request(
            Method::POST,
            &format!("/api/v1/applications/{id}/attachments"),
        )
        .query(&[("filename", "enorm.pdf")])
        .header("Content-Type", "application/pdf")
        .body(pdf(12 * 1024 * 1024))
        .send()
        .await
        .unwrap();
    let status = response.status().as_u16();
    assert!(status == 413 || status == 422, "{status}");
    assert_eq!(
        response.headers().get("content-type").unwrap(),
        "application/problem+json"
    );
    let problem: Value = response.json().await.unwrap();
    assert_eq!(fields(&problem), ["file"]);

    assert_eq!(skane.application(&id).await, before);
    assert_eq!(app.audit_events("attachment.added").len(), 0);
}

#[actix_web::test]
async fn a_write_without_the_csrf_token_is_refused_and_nothing_is_stored() {
    let app = spawn_app_without_cases().await;
    let (skane, id) = skane_draft(&app).await;
    let before = skane.application(&id).await;
    let mut draft = draft_of(&SKANE_REGION);
    draft["project_title"] = json!("Ändrad utan token");
    let path = format!("/api/v1/applications/{id}/draft");

    for token in [None, Some("fel-token")] {
        let mut request = skane.client.put(app.url(&path)).json(&draft);
        if let Some(token) = token {
            request = request.header("X-CSRF-Token", token);
        }
        let (status, problem) = Person::answer(request).await;
        assert_eq!(status, 403, "{problem}");
        assert_eq!(fields(&problem), ["X-CSRF-Token"]);
        assert!(
            problem["errors"][0]["message"]
                .as_str()
                .unwrap()
                .contains("CSRF-token saknas eller stämmer inte")
        );
    }
    let (status, _) = Person::answer(
        skane
            .client
            .post(app.url(&format!("/api/v1/applications/{id}/submit"))),
    )
    .await;
    assert_eq!(status, 403);

    assert_eq!(skane.application(&id).await, before);
    assert_eq!(app.audit_events("application.submitted").len(), 0);
    assert!(outbox(&app).is_empty());

    // Without a login it is a 401, whatever the header.
    let (status, _) = Person::answer(new_client().put(app.url(&path)).json(&draft)).await;
    assert_eq!(status, 401);
}

#[actix_web::test]
async fn a_call_whose_last_day_is_before_its_first_is_refused() {
    let app = spawn_app_without_cases().await;
    app.clock.set(at("2020-01-20T10:00:00Z"));
    let officer = Person::login(&app, OFFICER).await;
    let mut call = call_of_2020();
    call["last_day"] = json!("2020-01-15");
    call["max_recipients"] = json!("fyra");
    let (status, problem) = officer.post("/api/v1/calls", call).await;
    assert_eq!(status, 422, "{problem}");
    assert_eq!(fields(&problem), ["last_day", "max_recipients"]);
    assert!(
        problem["errors"][0]["message"]
            .as_str()
            .unwrap()
            .contains("före första ansökningsdag")
    );
    let (_, calls) = officer.get("/api/v1/calls").await;
    assert_eq!(calls, json!([]));
    assert_eq!(app.audit_events("call.created").len(), 0);
}

#[actix_web::test]
async fn a_published_call_changes_only_by_a_recorded_amendment() {
    let app = spawn_app_without_cases().await;
    app.clock.set(at("2020-01-20T10:00:00Z"));
    let officer = Person::login(&app, OFFICER).await;
    let call_id = officer_publishes_the_call(&officer).await;
    let path = format!("/api/v1/calls/{call_id}");

    // A later last day, without saying what the amendment is.
    app.clock.set(at("2020-02-10T09:00:00Z"));
    let officer = Person::login(&app, OFFICER).await;
    let (_, before) = officer.get(&path).await;
    let mut changed = call_of_2020();
    changed["last_day"] = json!("2020-04-30");
    let (status, problem) = officer.put(&path, changed.clone()).await;
    assert_eq!(status, 422, "{problem}");
    assert_eq!(fields(&problem), ["amendment_summary"]);
    assert_eq!(officer.get(&path).await.1, before);

    // With the summary it is amended, and the amendment is listed for anyone.
    changed["amendment_summary"] = json!("Sista ansökningsdag flyttas till den 30 april.");
    let (status, call) = officer.put(&path, changed.clone()).await;
    assert_eq!(status, 200, "{call}");
    assert_eq!(call["last_day"], "2020-04-30");
    assert_eq!(call["status"], "published");
    let (status, amendments) = app.get_json(&format!("{path}/amendments")).await;
    assert_eq!(status, 200, "{amendments}");
    let list = amendments.as_array().unwrap();
    assert_eq!(list.len(), 1);
    assert_eq!(
        list[0]["summary"],
        "Sista ansökningsdag flyttas till den 30 april."
    );
    assert_eq!(list[0]["amended_at"], "2020-02-10T09:00:00Z");
    assert_eq!(list[0]["by_name"], "Karin Lindqvist");
    assert_eq!(
        list[0]["changes"],
        json!([{ "term": "Sista ansökningsdag", "before": "2020-04-20", "after": "2020-04-30" }])
    );
    assert_eq!(app.audit_events("call.amended").len(), 1);

    // The questions are fixed once published.
    let mut questions = changed.clone();
    questions["last_day"] = json!("2020-04-30");
    questions["sections"][1]["title"] = json!("Målgrupp");
    questions["amendment_summary"] = json!("Fråga 2 byter rubrik.");
    let (status, problem) = officer.put(&path, questions).await;
    assert_eq!(status, 422, "{problem}");
    assert_eq!(fields(&problem), ["sections.0.title"]);
    let (_, call) = officer.get(&path).await;
    assert_eq!(call["sections"][1]["title"], SECTION_2);
    let (_, amendments) = app.get_json(&format!("{path}/amendments")).await;
    assert_eq!(amendments.as_array().unwrap().len(), 1);
}

#[actix_web::test]
async fn a_published_call_is_closed_early_and_copied_as_a_new_draft() {
    let app = spawn_app_without_cases().await;
    app.clock.set(at("2020-01-20T10:00:00Z"));
    let officer = Person::login(&app, OFFICER).await;
    let call_id = officer_publishes_the_call(&officer).await;

    // Publishing twice is a conflict; a draft's amendments are nobody else's business.
    let (status, _) = officer
        .act(&format!("/api/v1/calls/{call_id}/publish"))
        .await;
    assert_eq!(status, 409);

    let (status, copy) = officer.act(&format!("/api/v1/calls/{call_id}/copy")).await;
    assert_eq!(status, 201, "{copy}");
    assert_eq!(copy["status"], "draft");
    assert_eq!(copy["code"], format!("{CALL_CODE}-kopia"));
    assert_eq!(copy["sections"].as_array().unwrap().len(), 2);
    let copy_id = copy["id"].as_str().unwrap();
    assert_ne!(copy_id, call_id);
    let (status, _) = app
        .get_json(&format!("/api/v1/calls/{copy_id}/amendments"))
        .await;
    assert_eq!(status, 404, "a draft does not exist for the public");

    let (status, problem) = officer
        .post(
            &format!("/api/v1/calls/{call_id}/close"),
            json!({ "reason": "" }),
        )
        .await;
    assert_eq!(status, 422, "{problem}");
    assert_eq!(fields(&problem), ["reason"]);
    let (status, call) = officer
        .post(
            &format!("/api/v1/calls/{call_id}/close"),
            json!({ "reason": "Uppdraget har ändrats." }),
        )
        .await;
    assert_eq!(status, 200, "{call}");
    assert_eq!(call["status"], "closed");
    assert_eq!(call["phase"], "closed_early");
    let (_, amendments) = app
        .get_json(&format!("/api/v1/calls/{call_id}/amendments"))
        .await;
    assert!(
        amendments[0]["summary"]
            .as_str()
            .unwrap()
            .contains("Uppdraget har ändrats.")
    );
}
