//! Several people per organisation: the ombud invites colleagues, everyone works on the
//! drafts, an uppgiftssamordnare neither starts nor submits.

use statsbidrag::accounts::{self, Actor};
use statsbidrag::calls::edit::{self, CallInput, CallYearInput, CategoryInput, SectionInput};

use crate::helpers::{ADMIN, OFFICER, SKANE, VGR, csrf_from, new_client, spawn_app};

const SKANE_ORGNR: &str = "232100-0255";

fn actor(app: &crate::helpers::TestApp, email: &str) -> Actor {
    let mut conn = app.conn();
    let user = statsbidrag::db::accounts::find_by_email(&mut conn, email)
        .unwrap()
        .unwrap();
    accounts::load_actor(&mut conn, &user.id).unwrap().unwrap()
}

fn org_id(app: &crate::helpers::TestApp, number: &str) -> String {
    statsbidrag::db::organisations::find_by_number(&mut app.conn(), number)
        .unwrap()
        .unwrap()
        .id
}

/// A call open on the test clock's day, set up directly (the call forms have tests of their
/// own).
pub(crate) fn open_call(app: &crate::helpers::TestApp) -> String {
    open_call_coded(app, "oppen-testutlysning")
}

/// An open call with its own code (several in one test).
pub(crate) fn open_call_coded(app: &crate::helpers::TestApp, code: &str) -> String {
    let officer = actor(app, OFFICER);
    let now = app.clock_now();
    let input = CallInput {
        programme: "sis-integrerad-vard".into(),
        code: code.into(),
        title: "Öppen testutlysning".into(),
        description: "För test.".into(),
        opens_on: "2020-06-01".into(),
        last_day: "2020-09-30".into(),
        max_recipients: "4".into(),
        payment_month: "1".into(),
        report_due_month: "3".into(),
        report_due_day: "1".into(),
        eligible_kinds: vec!["region".into()],
        years: vec![CallYearInput {
            year: "2021".into(),
            ceiling: "1000000".into(),
        }],
        sections: vec![SectionInput {
            title: "Plan".into(),
            help_text: String::new(),
            required: "true".into(),
            max_length: "1000".into(),
            ..Default::default()
        }],
        cost_categories: vec![CategoryInput {
            code: "personal".into(),
            name: "Personal".into(),
        }],
        ..Default::default()
    };
    let mut conn = app.conn();
    let call = edit::create(&mut conn, &officer, &input, now).unwrap();
    edit::publish(&mut conn, &officer, &call.id, now).unwrap();
    call.id
}

pub(crate) async fn login_with(
    app: &crate::helpers::TestApp,
    client: &reqwest::Client,
    email: &str,
    password: &str,
) -> u16 {
    let page = client
        .get(app.url("/logga-in"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    client
        .post(app.url("/logga-in"))
        .form(&[
            ("csrf_token", csrf_from(&page).as_str()),
            ("email", email),
            ("password", password),
            ("next", "/"),
        ])
        .send()
        .await
        .unwrap()
        .status()
        .as_u16()
}

async fn get(client: &reqwest::Client, url: String) -> (u16, String) {
    let response = client.get(url).send().await.unwrap();
    (response.status().as_u16(), response.text().await.unwrap())
}

#[actix_web::test]
async fn the_ombud_invites_a_coordinator_who_drafts_but_cannot_start_or_submit() {
    let app = spawn_app().await;
    let skane = org_id(&app, SKANE_ORGNR);
    let call_id = open_call(&app);
    app.login(SKANE).await;

    // The ombud invites a colleague as uppgiftssamordnare, who is invited by e-mail to
    // choose a password.
    let (status, page) = app
        .get_text(&format!("/organisationer/{skane}/personer"))
        .await;
    assert_eq!(status, 200);
    assert!(page.contains("Sara Persson"));
    let response = app
        .client
        .post(app.url(&format!("/organisationer/{skane}/personer")))
        .form(&[
            ("csrf_token", csrf_from(&page).as_str()),
            ("name", "Nils Berg"),
            ("email", "nils.berg@skane.example"),
            ("role", "coordinator"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status().as_u16(), 200);
    let page = response.text().await.unwrap();
    assert!(page.contains("Nils Berg har bjudits in"), "{page}");
    assert!(page.contains("En inbjudan har skickats till nils.berg@skane.example"));
    let link = crate::passwords::link_mailed_to(&app, "nils.berg@skane.example");
    assert!(
        !page.contains(link.rsplit('/').next().unwrap()),
        "the representative never sees the link"
    );
    assert_eq!(app.audit_events("organisation.member_added").len(), 1);
    let password = "Nils egen lösenfras";
    let (status, _) = crate::passwords::choose_password(&app, &link, password, password).await;
    assert_eq!(status, 200);

    // The colleague logs in; an uppgiftssamordnare may not start an application (refused,
    // recorded), so the ombud starts it and the colleague fills it in.
    let nils = new_client();
    assert_eq!(
        login_with(&app, &nils, "nils.berg@skane.example", password).await,
        303
    );
    let (_, call_page) = get(&nils, app.url(&format!("/utlysningar/{call_id}"))).await;
    let response = nils
        .post(app.url(&format!("/utlysningar/{call_id}/ansok")))
        .form(&[("csrf_token", csrf_from(&call_page).as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status().as_u16(), 403);
    assert!(response.text().await.unwrap().contains("inte börja en ny"));
    let (_, call_page) = app.get_text(&format!("/utlysningar/{call_id}")).await;
    let response = app
        .client
        .post(app.url(&format!("/utlysningar/{call_id}/ansok")))
        .form(&[("csrf_token", csrf_from(&call_page).as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status().as_u16(), 303);
    let edit_path = response.headers()["location"].to_str().unwrap().to_string();
    let application_id = edit_path.split('/').nth(2).unwrap().to_string();
    let (_, edit_page) = get(&nils, app.url(&edit_path)).await;
    let response = nils
        .post(app.url(&edit_path))
        .form(&[
            ("csrf_token", csrf_from(&edit_page).as_str()),
            ("project_title", "Skånes plan"),
            ("answers.1", "Nils skrev planen."),
            ("budget_present", "1"),
            ("budget.2021.personal", "400000"),
            ("action", "save"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status().as_u16(), 303);

    // The ombud sees the colleague's draft.
    let (status, draft) = app
        .get_text(&format!("/ansokningar/{application_id}/redigera"))
        .await;
    assert_eq!(status, 200);
    assert!(draft.contains("Nils skrev planen."));

    // The colleague may not submit: refused with the reason, recorded, nothing frozen.
    let (_, confirm) = get(
        &nils,
        app.url(&format!("/ansokningar/{application_id}/skicka-in")),
    )
    .await;
    assert!(confirm.contains("inte skicka in"), "{confirm}");
    assert!(!confirm.contains("Skicka in ansökan</button>"));
    let response = nils
        .post(app.url(&format!("/ansokningar/{application_id}/skicka-in")))
        .form(&[("csrf_token", csrf_from(&confirm).as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status().as_u16(), 403);
    assert!(
        response
            .text()
            .await
            .unwrap()
            .contains("Som uppgiftssamordnare")
    );
    let denied = app.audit_events("access.denied");
    assert!(
        denied
            .iter()
            .any(|e| e.actor_email.as_deref() == Some("nils.berg@skane.example"))
    );
    assert!(
        !app.audit_events("application.submitted")
            .iter()
            .any(|e| e.entity_id.as_deref() == Some(application_id.as_str()))
    );

    // The ombud submits; the receipt names who did.
    let (_, confirm) = app
        .get_text(&format!("/ansokningar/{application_id}/skicka-in"))
        .await;
    let response = app
        .client
        .post(app.url(&format!("/ansokningar/{application_id}/skicka-in")))
        .form(&[("csrf_token", csrf_from(&confirm).as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status().as_u16(), 303);
    let (_, receipt) = app
        .get_text(&format!("/ansokningar/{application_id}/kvitto"))
        .await;
    assert!(receipt.contains("Sara Persson (sokande@skane.example)"));

    // How the ombud proved who they were is kept with the submission: a password login.
    use diesel::prelude::*;
    use statsbidrag::db::schema::application_versions as v;
    let signed: Vec<(Option<String>, Option<String>, Option<String>)> = v::table
        .filter(v::application_id.eq(&application_id))
        .filter(v::status.eq("submitted"))
        .select((v::submitted_by, v::submitted_method, v::submitted_loa))
        .load(&mut *app.conn())
        .unwrap();
    assert_eq!(signed.len(), 1);
    assert_eq!(signed[0].1.as_deref(), Some("password"));
    assert_eq!(signed[0].2, None);
    let submitted = app.audit_events("application.submitted");
    assert!(
        submitted
            .iter()
            .any(|e| e.summary.contains("inloggad med lösenord")),
        "{submitted:?}"
    );
}

#[actix_web::test]
async fn only_the_organisations_own_people_invite_and_never_an_ombud() {
    let app = spawn_app().await;
    let skane = org_id(&app, SKANE_ORGNR);

    // Another organisation's applicant cannot even see the list; the attempt is recorded.
    let vgr = new_client();
    assert_eq!(
        login_with(&app, &vgr, VGR, crate::helpers::PASSWORD).await,
        303
    );
    let (status, page) = get(&vgr, app.url(&format!("/organisationer/{skane}/personer"))).await;
    assert_eq!(status, 404);
    assert!(!page.contains("Sara Persson"));
    assert_eq!(app.audit_events("access.denied").len(), 1);

    // The ombud cannot make someone else ombud (that takes an ombudsansökan the agency
    // approves); the form keeps what was typed and nothing is stored.
    app.login(SKANE).await;
    let (_, page) = app
        .get_text(&format!("/organisationer/{skane}/personer"))
        .await;
    let response = app
        .client
        .post(app.url(&format!("/organisationer/{skane}/personer")))
        .form(&[
            ("csrf_token", csrf_from(&page).as_str()),
            ("name", "Eva Ny"),
            ("email", "eva.ny@skane.example"),
            ("role", "ombud"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status().as_u16(), 422);
    let page = response.text().await.unwrap();
    assert!(page.contains("efter en ombudsansökan"), "{page}");
    assert!(page.contains("eva.ny@skane.example"));
    assert!(
        statsbidrag::db::accounts::find_by_email(&mut app.conn(), "eva.ny@skane.example")
            .unwrap()
            .is_none()
    );

    // The administrator manages the agency's staff only: no list of an organisation's
    // people, no way to add one; both refusals recorded.
    let admin = new_client();
    assert_eq!(
        login_with(&app, &admin, ADMIN, crate::helpers::PASSWORD).await,
        303
    );
    let denied_before = app.audit_events("access.denied").len();
    let (status, _) = get(
        &admin,
        app.url(&format!("/organisationer/{skane}/personer")),
    )
    .await;
    assert_eq!(status, 404);
    let (_, admin_page) = get(&admin, app.url("/admin")).await;
    let response = admin
        .post(app.url(&format!("/organisationer/{skane}/personer")))
        .form(&[
            ("csrf_token", csrf_from(&admin_page).as_str()),
            ("name", "Eva Ny"),
            ("email", "eva.ny@skane.example"),
            ("role", "representative"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status().as_u16(), 404);
    assert!(
        statsbidrag::db::accounts::find_by_email(&mut app.conn(), "eva.ny@skane.example")
            .unwrap()
            .is_none()
    );
    assert_eq!(app.audit_events("access.denied").len(), denied_before + 2);
}
