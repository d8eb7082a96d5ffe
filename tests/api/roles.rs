//! The three roles of an organisation (issue 14), as a table: for each role, every right of
//! the agency e-service's matrix is tried through HTTP by a person holding that role, and
//! what happens must be what the table says. The table is written out here from the
//! issue, not read from the code it tests.

use statsbidrag::codes::OrgRole;

use crate::helpers::{TestApp, csrf_from, new_client, spawn_app};
use crate::members::{login_with, open_call_coded};

const SKANE_ORGNR: &str = "232100-0255";

#[derive(Debug, Clone, Copy)]
enum Right {
    StartApplication,
    EditApplication,
    SubmitApplication,
    InviteRepresentative,
    RemoveRepresentative,
    InviteCoordinator,
    RemoveCoordinator,
    WorkInEveryGrant,
    RemoveOrganisation,
}

/// The matrix of the issue: [ombud, representant, uppgiftssamordnare].
const MATRIX: [(Right, [bool; 3]); 9] = [
    (Right::StartApplication, [true, true, false]),
    (Right::EditApplication, [true, true, true]),
    (Right::SubmitApplication, [true, true, false]),
    (Right::InviteRepresentative, [true, false, false]),
    (Right::RemoveRepresentative, [true, false, false]),
    (Right::InviteCoordinator, [true, true, false]),
    (Right::RemoveCoordinator, [true, true, false]),
    (Right::WorkInEveryGrant, [true, true, true]),
    // Last: when allowed it takes everyone's role away.
    (Right::RemoveOrganisation, [true, false, false]),
];

/// The demo's Region Skåne people, one per role.
const PEOPLE: [(OrgRole, &str); 3] = [
    (OrgRole::Ombud, "sokande@skane.example"),
    (OrgRole::Representative, "representant@skane.example"),
    (OrgRole::Coordinator, "samordnare@skane.example"),
];

fn org_id(app: &TestApp) -> String {
    statsbidrag::db::organisations::find_by_number(&mut app.conn(), SKANE_ORGNR)
        .unwrap()
        .unwrap()
        .id
}

fn user_id(app: &TestApp, email: &str) -> String {
    statsbidrag::db::accounts::find_by_email(&mut app.conn(), email)
        .unwrap()
        .unwrap()
        .id
}

/// A colleague with `role`, made straight in the database (the invitation has tests of its
/// own), to be removed.
fn colleague(app: &TestApp, email: &str, role: OrgRole) -> String {
    statsbidrag::accounts::create_account(
        &mut app.conn(),
        None,
        &statsbidrag::accounts::NewAccount {
            email: email.into(),
            name: "Kollega".into(),
            role: "applicant".into(),
            org_number: Some(SKANE_ORGNR.into()),
            org_role: Some(role),
            password: None,
        },
        app.clock_now(),
    )
    .unwrap()
    .id
}

async fn get(client: &reqwest::Client, app: &TestApp, path: &str) -> (u16, String) {
    let response = client.get(app.url(path)).send().await.unwrap();
    (response.status().as_u16(), response.text().await.unwrap())
}

async fn post(
    client: &reqwest::Client,
    app: &TestApp,
    path: &str,
    page: &str,
    fields: &[(&str, &str)],
) -> (u16, String) {
    let csrf = csrf_from(page);
    let mut form = vec![("csrf_token", csrf.as_str())];
    form.extend_from_slice(fields);
    let response = client.post(app.url(path)).form(&form).send().await.unwrap();
    (response.status().as_u16(), response.text().await.unwrap())
}

/// Starts an application to `call_id` as the ombud; returns its id.
async fn ombud_starts(app: &TestApp, call_id: &str) -> String {
    let ombud = new_client();
    login_with(app, &ombud, PEOPLE[0].1, crate::helpers::PASSWORD).await;
    let (_, page) = get(&ombud, app, &format!("/utlysningar/{call_id}")).await;
    let response = ombud
        .post(app.url(&format!("/utlysningar/{call_id}/ansok")))
        .form(&[("csrf_token", csrf_from(&page).as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status().as_u16(), 303);
    let location = response.headers()["location"].to_str().unwrap().to_string();
    location.split('/').nth(2).unwrap().to_string()
}

/// Fills in the draft completely (as anyone who may edit), for the submit attempt.
fn complete_draft(app: &TestApp, application_id: &str) {
    let mut conn = app.conn();
    let ombud = {
        let user = statsbidrag::db::accounts::find_by_email(&mut conn, PEOPLE[0].1)
            .unwrap()
            .unwrap();
        statsbidrag::accounts::load_actor(&mut conn, &user.id)
            .unwrap()
            .unwrap()
    };
    let input = statsbidrag::applications::draft::DraftInput {
        project_title: "Skånes plan".into(),
        answers: vec![("1".into(), "Planen.".into())].into_iter().collect(),
        budget: Some(vec![statsbidrag::applications::draft::BudgetInput {
            year: "2021".into(),
            category: "personal".into(),
            amount: "400000".into(),
            description: String::new(),
        }]),
        ..Default::default()
    };
    statsbidrag::applications::workflow::save_draft(
        &mut conn,
        &ombud,
        application_id,
        &input,
        app.clock_now(),
    )
    .unwrap();
}

/// Tries `right` as `person` (logged in on `client`); whether it was done.
async fn try_right(app: &TestApp, client: &reqwest::Client, role: OrgRole, right: Right) -> bool {
    let org = org_id(app);
    let people = format!("/organisationer/{org}/personer");
    let tag = role.as_str();
    match right {
        Right::StartApplication => {
            let call_id = open_call_coded(app, &format!("start-{tag}"));
            let path = format!("/utlysningar/{call_id}");
            let (_, page) = get(client, app, &path).await;
            let (status, _) = post(client, app, &format!("{path}/ansok"), &page, &[]).await;
            assert!(matches!(status, 303 | 403), "{right:?} {status}");
            status == 303
        }
        Right::EditApplication => {
            let call_id = open_call_coded(app, &format!("edit-{tag}"));
            let id = ombud_starts(app, &call_id).await;
            let path = format!("/ansokningar/{id}/redigera");
            let (_, page) = get(client, app, &path).await;
            let (status, _) = post(
                client,
                app,
                &path,
                &page,
                &[("project_title", "Ändrad titel"), ("action", "save")],
            )
            .await;
            assert!(matches!(status, 303 | 403), "{right:?} {status}");
            status == 303
        }
        Right::SubmitApplication => {
            let call_id = open_call_coded(app, &format!("submit-{tag}"));
            let id = ombud_starts(app, &call_id).await;
            complete_draft(app, &id);
            let path = format!("/ansokningar/{id}/skicka-in");
            let (_, page) = get(client, app, &path).await;
            let (status, body) = post(client, app, &path, &page, &[]).await;
            assert!(matches!(status, 303 | 403), "{right:?} {status} {body}");
            status == 303
        }
        Right::InviteRepresentative | Right::InviteCoordinator => {
            let code = match right {
                Right::InviteRepresentative => "representative",
                _ => "coordinator",
            };
            let email = format!("inbjuden.{code}.av.{tag}@skane.example");
            let (_, page) = get(client, app, &people).await;
            let (status, _) = post(
                client,
                app,
                &people,
                &page,
                &[("name", "Inbjuden"), ("email", &email), ("role", code)],
            )
            .await;
            assert!(
                matches!(status, 200 | 403 | 404 | 422),
                "{right:?} {status}"
            );
            let stored = statsbidrag::db::accounts::find_by_email(&mut app.conn(), &email)
                .unwrap()
                .is_some();
            assert_eq!(stored, status == 200, "{right:?}: stored only when done");
            status == 200
        }
        Right::RemoveRepresentative | Right::RemoveCoordinator => {
            let target_role = match right {
                Right::RemoveRepresentative => OrgRole::Representative,
                _ => OrgRole::Coordinator,
            };
            let email = format!("borttas.{}.av.{tag}@skane.example", target_role.as_str());
            let id = colleague(app, &email, target_role);
            let (_, page) = get(client, app, &people).await;
            let (status, _) = post(client, app, &format!("/konton/{id}/ta-bort"), &page, &[]).await;
            assert!(matches!(status, 303 | 403 | 404), "{right:?} {status}");
            let still = statsbidrag::db::accounts::find(&mut app.conn(), &id)
                .unwrap()
                .unwrap()
                .org_role;
            assert_eq!(still.is_none(), status == 303, "{right:?}");
            status == 303
        }
        Right::WorkInEveryGrant => {
            // An application someone else started, in a call of its own.
            let call_id = open_call_coded(app, &format!("every-{tag}"));
            let id = ombud_starts(app, &call_id).await;
            let (status, page) = get(client, app, &format!("/ansokningar/{id}/redigera")).await;
            status == 200 && page.contains("csrf_token")
        }
        Right::RemoveOrganisation => {
            let (_, page) = get(client, app, &people).await;
            let (status, _) = post(
                client,
                app,
                &format!("/organisationer/{org}/ta-bort"),
                &page,
                &[],
            )
            .await;
            assert!(matches!(status, 303 | 403), "{right:?} {status}");
            let left = statsbidrag::db::accounts::all_of_organisation(&mut app.conn(), &org)
                .unwrap()
                .len();
            assert_eq!(left == 0, status == 303, "{right:?}");
            status == 303
        }
    }
}

#[actix_web::test]
async fn each_role_may_do_exactly_what_the_matrix_says() {
    for (column, (role, email)) in PEOPLE.iter().enumerate() {
        // A fresh service per role: removing the organisation ends everyone's role.
        let app = spawn_app().await;
        let client = new_client();
        assert_eq!(
            login_with(&app, &client, email, crate::helpers::PASSWORD).await,
            303,
            "{email}"
        );
        assert_eq!(
            statsbidrag::db::accounts::find(&mut app.conn(), &user_id(&app, email))
                .unwrap()
                .unwrap()
                .org_role,
            Some(*role)
        );
        let denied_before = app.audit_events("access.denied").len();
        let mut refused = 0;
        for (right, allowed) in MATRIX {
            let done = try_right(&app, &client, *role, right).await;
            assert_eq!(
                done, allowed[column],
                "{role:?} {right:?}: the matrix says {}",
                allowed[column]
            );
            refused += usize::from(!done);
        }
        // Every refusal is on record.
        assert!(
            app.audit_events("access.denied").len() >= denied_before + refused,
            "{role:?}: {refused} refusals"
        );
    }
}
