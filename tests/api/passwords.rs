//! No one knows another person's password: invitations and resets by e-mailed one-time
//! links, changing one's own password, deactivating accounts.

use chrono::Duration;
use statsbidrag::db::outbox::OutboxMessage;

use crate::helpers::{
    ADMIN, OFFICER, PASSWORD, SKANE, TestApp, VGR, csrf_from, new_client, spawn_app,
};

const SKANE_ORGNR: &str = "232100-0255";
const NEW_PASSWORD: &str = "en egen lång fras";

/// Every message to an address, oldest first.
pub fn mails_to(app: &TestApp, to: &str) -> Vec<OutboxMessage> {
    statsbidrag::db::outbox::list(&mut app.conn())
        .unwrap()
        .into_iter()
        .filter(|m| m.to_address == to)
        .collect()
}

/// The path of the newest one-time link e-mailed to an address (`/valj-losenord/<token>`).
pub fn link_mailed_to(app: &TestApp, to: &str) -> String {
    let marker = "https://statsbidrag.example/valj-losenord/";
    let body = mails_to(app, to)
        .into_iter()
        .rev()
        .map(|m| m.body_text)
        .find(|b| b.contains(marker))
        .unwrap_or_else(|| panic!("no link e-mailed to {to}"));
    let start = body.find(marker).unwrap() + "https://statsbidrag.example".len();
    let end = body[start..]
        .find(char::is_whitespace)
        .map_or(body.len(), |e| e + start);
    body[start..end].to_string()
}

fn token_of(link: &str) -> &str {
    link.rsplit('/').next().unwrap()
}

pub async fn get(client: &reqwest::Client, app: &TestApp, path: &str) -> (u16, String) {
    let response = client.get(app.url(path)).send().await.unwrap();
    (response.status().as_u16(), response.text().await.unwrap())
}

/// Opens a link and chooses a password on its page, in a browser of its own.
pub async fn choose_password(app: &TestApp, link: &str, new: &str, again: &str) -> (u16, String) {
    let client = new_client();
    let (_, page) = get(&client, app, link).await;
    // A link that cannot be used shows no form; post anyway, as a stale tab would.
    let page = if page.contains("name=\"csrf_token\"") {
        page
    } else {
        get(&client, app, "/glomt-losenord").await.1
    };
    let response = client
        .post(app.url("/valj-losenord"))
        .form(&[
            ("csrf_token", csrf_from(&page).as_str()),
            ("token", token_of(link)),
            ("new_password", new),
            ("new_password_again", again),
        ])
        .send()
        .await
        .unwrap();
    (response.status().as_u16(), response.text().await.unwrap())
}

/// Logs in a fresh browser; the status of the POST and the browser.
pub async fn browser_logged_in(
    app: &TestApp,
    email: &str,
    password: &str,
) -> (u16, reqwest::Client) {
    let client = new_client();
    let (_, page) = get(&client, app, "/logga-in").await;
    let status = client
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
        .as_u16();
    (status, client)
}

async fn post_form(
    client: &reqwest::Client,
    app: &TestApp,
    path: &str,
    fields: &[(&str, &str)],
) -> (u16, String, Option<String>) {
    let response = client
        .post(app.url(path))
        .form(fields)
        .send()
        .await
        .unwrap();
    let status = response.status().as_u16();
    let location = response
        .headers()
        .get("location")
        .map(|l| l.to_str().unwrap().to_string());
    (status, response.text().await.unwrap(), location)
}

fn user_id(app: &TestApp, email: &str) -> String {
    statsbidrag::db::accounts::find_by_email(&mut app.conn(), email)
        .unwrap()
        .unwrap()
        .id
}

fn org_id(app: &TestApp, number: &str) -> String {
    statsbidrag::db::organisations::find_by_number(&mut app.conn(), number)
        .unwrap()
        .unwrap()
        .id
}

/// Every audit entry, as text: what must never hold a password or a token.
fn whole_audit_trail(app: &TestApp) -> String {
    statsbidrag::db::audit::list(
        &mut app.conn(),
        &statsbidrag::db::audit::AuditFilter::default(),
        10_000,
        0,
    )
    .unwrap()
    .into_iter()
    .map(|e| format!("{} {}\n", e.summary, e.details))
    .collect()
}

fn sessions_of(app: &TestApp, email: &str) -> usize {
    let id = user_id(app, email);
    statsbidrag::db::sessions::containing(&mut app.conn(), &id)
        .unwrap()
        .len()
}

#[actix_web::test]
async fn an_invited_person_chooses_their_own_password_once_and_then_logs_in() {
    let app = spawn_app().await;
    let (_, admin) = browser_logged_in(&app, ADMIN, PASSWORD).await;
    let (status, page) = get(&admin, &app, "/admin").await;
    assert_eq!(status, 200);
    let (status, page, _) = post_form(
        &admin,
        &app,
        "/admin/konton",
        &[
            ("csrf_token", csrf_from(&page).as_str()),
            ("name", "Hanna Handläggare"),
            ("email", "hanna@socialstyrelsen.example"),
            ("role", "officer"),
        ],
    )
    .await;
    assert_eq!(status, 200);
    assert!(page.contains("Hanna Handläggare har bjudits in"));
    assert!(page.contains("Inbjuden, har inte valt lösenord"));
    assert!(!page.contains("lösenordet för"), "no first password shown");

    // The invitation carries a link; the database holds only its hash.
    let link = link_mailed_to(&app, "hanna@socialstyrelsen.example");
    let token = token_of(&link).to_string();
    assert_eq!(token.len(), 43);
    assert!(
        !page.contains(&token),
        "the administrator never sees the link"
    );
    let stored = statsbidrag::db::account_links::find_by_hash(
        &mut app.conn(),
        &statsbidrag::accounts::links::hash_token(&token),
    )
    .unwrap()
    .expect("the link is stored hashed");
    assert_ne!(stored.token_hash, token);
    assert_eq!(
        stored.expires_at,
        (app.clock_now() + Duration::days(7)).naive_utc()
    );

    // Until the link is used, no password opens the account.
    let (status, _) = browser_logged_in(&app, "hanna@socialstyrelsen.example", "").await;
    assert_ne!(status, 303);
    let (status, _) = browser_logged_in(&app, "hanna@socialstyrelsen.example", PASSWORD).await;
    assert_eq!(status, 401);

    // The link's page greets the person and asks for the password twice, with the rules.
    let (status, form) = get(&new_client(), &app, &link).await;
    assert_eq!(status, 200);
    assert!(form.contains("Välj ditt lösenord"));
    assert!(form.contains("Hanna Handläggare"));
    assert!(form.contains("Minst 12 tecken"));
    let (status, page) = choose_password(&app, &link, "kort", "kort").await;
    assert_eq!(status, 422);
    assert!(page.contains("Lösenordet måste ha minst 12 tecken."));
    let (status, page) = choose_password(&app, &link, NEW_PASSWORD, "en annan lång fras").await;
    assert_eq!(status, 422);
    assert!(page.contains("Lösenorden är inte lika."));
    assert!(
        !page.contains(NEW_PASSWORD),
        "a password is never written back"
    );

    let (status, page) = choose_password(&app, &link, NEW_PASSWORD, NEW_PASSWORD).await;
    assert_eq!(status, 200);
    assert!(page.contains("Ditt lösenord är sparat"));
    let (status, hanna) =
        browser_logged_in(&app, "hanna@socialstyrelsen.example", NEW_PASSWORD).await;
    assert_eq!(status, 303);
    let response = hanna.get(app.url("/api/v1/me")).send().await.unwrap();
    let me: serde_json::Value = response.json().await.unwrap();
    assert_eq!(me["role"], "officer");

    // The link works once.
    let (status, page) = get(&new_client(), &app, &link).await;
    assert_eq!(status, 410);
    assert!(page.contains("Länken har redan använts."));
    let (status, page) =
        choose_password(&app, &link, "ännu en lång fras", "ännu en lång fras").await;
    assert_eq!(status, 410);
    assert!(page.contains("Länken har redan använts."));
    let (status, _) =
        browser_logged_in(&app, "hanna@socialstyrelsen.example", "ännu en lång fras").await;
    assert_eq!(status, 401);

    // Recorded, without the token or the password anywhere in the trail.
    assert_eq!(
        app.audit_events("account.created")
            .iter()
            .filter(|e| e.summary.contains("hanna@"))
            .count(),
        1
    );
    assert_eq!(app.audit_events("account.invited").len(), 1);
    let set = app.audit_events("account.password_set");
    assert_eq!(set.len(), 1);
    assert_eq!(
        set[0].actor_email.as_deref(),
        Some("hanna@socialstyrelsen.example")
    );
    let trail = whole_audit_trail(&app);
    assert!(!trail.contains(&token));
    assert!(!trail.contains(NEW_PASSWORD));

    // The administrator's pages never show the password.
    let (_, page) = get(&admin, &app, "/admin").await;
    assert!(!page.contains(NEW_PASSWORD));
    assert!(!page.contains(&token));
    assert!(page.contains("hanna@socialstyrelsen.example"));

    // Once sent, the invitation leaves no usable link in the outbox.
    let dir = tempfile::tempdir().unwrap();
    let clock: statsbidrag::clock::SharedClock = std::sync::Arc::new(app.clock.clone());
    let settings = statsbidrag::mail::MailSettings {
        send_interval: None,
        ..statsbidrag::mail::MailSettings::files(dir.path())
    };
    let report = statsbidrag::mail::deliver_due(&app.db, &clock, &settings)
        .await
        .unwrap();
    assert!(report.sent >= 1);
    assert!(
        mails_to(&app, "hanna@socialstyrelsen.example")
            .iter()
            .all(|m| !m.body_text.contains(&token))
    );
}

#[actix_web::test]
async fn an_expired_invitation_is_refused_in_swedish_and_a_new_one_replaces_it() {
    let app = spawn_app().await;
    let skane = org_id(&app, SKANE_ORGNR);
    let (_, rep) = browser_logged_in(&app, SKANE, PASSWORD).await;
    let members = format!("/organisationer/{skane}/personer");
    let (_, page) = get(&rep, &app, &members).await;
    let (status, page, _) = post_form(
        &rep,
        &app,
        &members,
        &[
            ("csrf_token", csrf_from(&page).as_str()),
            ("name", "Nils Berg"),
            ("email", "nils.berg@skane.example"),
            ("role", "coordinator"),
        ],
    )
    .await;
    assert_eq!(status, 200);
    assert!(page.contains("En inbjudan har skickats till nils.berg@skane.example"));
    let first = link_mailed_to(&app, "nils.berg@skane.example");

    // Eight days later the link has expired.
    app.clock.set(app.clock_now() + Duration::days(8));
    let (status, page) = get(&new_client(), &app, &first).await;
    assert_eq!(status, 410);
    assert!(page.contains("Länken har gått ut."));
    let (status, page) = choose_password(&app, &first, NEW_PASSWORD, NEW_PASSWORD).await;
    assert_eq!(status, 410);
    assert!(page.contains("Länken har gått ut."));

    // The representative (logged in again: sessions do not last a week) sends a new
    // invitation; the old link is void, the new one works.
    let (status, rep) = browser_logged_in(&app, SKANE, PASSWORD).await;
    assert_eq!(status, 303);
    let nils = user_id(&app, "nils.berg@skane.example");
    let (_, page) = get(&rep, &app, &members).await;
    assert!(page.contains("Skicka ny inbjudan"));
    let (status, _, location) = post_form(
        &rep,
        &app,
        &format!("/konton/{nils}/inbjudan"),
        &[
            ("csrf_token", csrf_from(&page).as_str()),
            ("back", "organisation"),
        ],
    )
    .await;
    assert_eq!(status, 303);
    assert_eq!(location.unwrap(), format!("{members}?klart=inbjudan"));
    let second = link_mailed_to(&app, "nils.berg@skane.example");
    assert_ne!(first, second);
    let (status, page) = get(&new_client(), &app, &first).await;
    assert_eq!(status, 410);
    assert!(page.contains("Länken gäller inte längre"));
    let (status, _) = choose_password(&app, &second, NEW_PASSWORD, NEW_PASSWORD).await;
    assert_eq!(status, 200);
    let (status, _) = browser_logged_in(&app, "nils.berg@skane.example", NEW_PASSWORD).await;
    assert_eq!(status, 303);
    assert_eq!(app.audit_events("account.invited").len(), 2);

    // Once the password is chosen there is nothing to invite to.
    let (_, page) = get(&rep, &app, &members).await;
    let (status, page, _) = post_form(
        &rep,
        &app,
        &format!("/konton/{nils}/inbjudan"),
        &[
            ("csrf_token", csrf_from(&page).as_str()),
            ("back", "organisation"),
        ],
    )
    .await;
    assert_eq!(status, 409);
    assert!(page.contains("har redan valt ett lösenord"));

    // An unknown link is not found, in Swedish.
    let (status, page) = get(&new_client(), &app, "/valj-losenord/inte-en-riktig-lank").await;
    assert_eq!(status, 404);
    assert!(page.contains("Länken finns inte."));
}

#[actix_web::test]
async fn a_forgotten_password_is_reset_by_link_and_the_answer_never_tells_whether_an_address_has_an_account()
 {
    let app = spawn_app().await;
    let (status, earlier) = browser_logged_in(&app, SKANE, PASSWORD).await;
    assert_eq!(status, 303);

    // The login page offers the way.
    let stranger = new_client();
    let (_, login) = get(&stranger, &app, "/logga-in").await;
    assert!(login.contains("href=\"/glomt-losenord\""));
    assert!(login.contains("Glömt lösenordet?"));
    let (status, form) = get(&stranger, &app, "/glomt-losenord").await;
    assert_eq!(status, 200);
    let csrf = csrf_from(&form);
    let ask = |email: &'static str| {
        let (stranger, app, csrf) = (&stranger, &app, csrf.clone());
        async move {
            post_form(
                stranger,
                app,
                "/glomt-losenord",
                &[("csrf_token", csrf.as_str()), ("email", email)],
            )
            .await
        }
    };
    let before = statsbidrag::db::outbox::list(&mut app.conn())
        .unwrap()
        .len();
    let (known_status, known_page, _) = ask(SKANE).await;
    let (unknown_status, unknown_page, _) = ask("ingen.alls@example.org").await;
    assert_eq!(known_status, 200);
    assert_eq!(unknown_status, known_status);
    assert_eq!(unknown_page, known_page, "the same answer, word for word");
    assert!(known_page.contains("Om adressen hör till ett konto"));
    let after = statsbidrag::db::outbox::list(&mut app.conn()).unwrap();
    assert_eq!(after.len(), before + 1, "one mail, to the account only");
    assert_eq!(mails_to(&app, SKANE).len(), 1);

    // Asking again at once sends nothing more, and answers the same.
    for _ in 0..5 {
        let (status, page, _) = ask(SKANE).await;
        assert_eq!(status, 200);
        assert_eq!(page, known_page);
    }
    assert_eq!(mails_to(&app, SKANE).len(), 1, "no flood of mail");
    assert_eq!(app.audit_events("account.reset_requested").len(), 1);

    // The link lets the person choose a new password; the old one stops working and the
    // session that the old password opened ends.
    let link = link_mailed_to(&app, SKANE);
    let (status, page) = get(&new_client(), &app, &link).await;
    assert_eq!(status, 200);
    assert!(page.contains("Välj ett nytt lösenord"));
    let (status, _) = choose_password(&app, &link, NEW_PASSWORD, NEW_PASSWORD).await;
    assert_eq!(status, 200);
    let response = earlier.get(app.url("/api/v1/me")).send().await.unwrap();
    assert_eq!(response.status().as_u16(), 401, "the old session has ended");
    let (status, _) = browser_logged_in(&app, SKANE, PASSWORD).await;
    assert_eq!(status, 401);
    let (status, _) = browser_logged_in(&app, SKANE, NEW_PASSWORD).await;
    assert_eq!(status, 303);
    assert_eq!(app.audit_events("account.password_reset").len(), 1);
    assert!(
        mails_to(&app, SKANE)
            .iter()
            .any(|m| m.subject.contains("har ändrats")),
        "the owner is told"
    );
    let (status, _) = choose_password(&app, &link, "ännu en lång fras", "ännu en lång fras").await;
    assert_eq!(status, 410);

    // A reset link lasts an hour.
    app.clock.set(app.clock_now() + Duration::minutes(10));
    let (status, _, _) = ask(SKANE).await;
    assert_eq!(status, 200);
    let second = link_mailed_to(&app, SKANE);
    assert_ne!(second, link);
    app.clock.set(app.clock_now() + Duration::minutes(61));
    let (status, page) =
        choose_password(&app, &second, "ännu en lång fras", "ännu en lång fras").await;
    assert_eq!(status, 410);
    assert!(page.contains("Länken har gått ut."));

    let trail = whole_audit_trail(&app);
    assert!(!trail.contains(token_of(&link)));
    assert!(!trail.contains(NEW_PASSWORD));
}

#[actix_web::test]
async fn changing_the_password_ends_the_persons_other_sessions() {
    let app = spawn_app().await;
    let (_, this) = browser_logged_in(&app, OFFICER, PASSWORD).await;
    let (_, other) = browser_logged_in(&app, OFFICER, PASSWORD).await;
    let (status, page) = get(&this, &app, "/konto").await;
    assert_eq!(status, 200);
    assert!(page.contains("Mitt konto"));
    assert!(page.contains("Byt lösenord"));
    let csrf = csrf_from(&page);

    // A wrong current password changes nothing, and is recorded.
    let (status, page, _) = post_form(
        &this,
        &app,
        "/konto/losenord",
        &[
            ("csrf_token", csrf.as_str()),
            ("current_password", "fel lösenord"),
            ("new_password", NEW_PASSWORD),
            ("new_password_again", NEW_PASSWORD),
        ],
    )
    .await;
    assert_eq!(status, 422);
    assert!(page.contains("Det nuvarande lösenordet stämmer inte."));
    assert_eq!(app.audit_events("account.password_change_refused").len(), 1);
    let response = other.get(app.url("/api/v1/me")).send().await.unwrap();
    assert_eq!(response.status().as_u16(), 200);

    let (status, page, _) = post_form(
        &this,
        &app,
        "/konto/losenord",
        &[
            ("csrf_token", csrf.as_str()),
            ("current_password", PASSWORD),
            ("new_password", NEW_PASSWORD),
            ("new_password_again", NEW_PASSWORD),
        ],
    )
    .await;
    assert_eq!(status, 200);
    assert!(page.contains("Lösenordet är bytt"));

    // This browser goes on; the other one is logged out.
    let response = this.get(app.url("/api/v1/me")).send().await.unwrap();
    assert_eq!(response.status().as_u16(), 200);
    let response = other.get(app.url("/api/v1/me")).send().await.unwrap();
    assert_eq!(response.status().as_u16(), 401);
    let response = other.get(app.url("/konto")).send().await.unwrap();
    assert_eq!(response.status().as_u16(), 303);
    assert!(
        response.headers()["location"]
            .to_str()
            .unwrap()
            .starts_with("/logga-in")
    );
    assert_eq!(sessions_of(&app, OFFICER), 1);

    let (status, _) = browser_logged_in(&app, OFFICER, PASSWORD).await;
    assert_eq!(status, 401);
    let (status, _) = browser_logged_in(&app, OFFICER, NEW_PASSWORD).await;
    assert_eq!(status, 303);
    assert_eq!(app.audit_events("account.password_changed").len(), 1);
    assert!(!whole_audit_trail(&app).contains(NEW_PASSWORD));
}

#[actix_web::test]
async fn the_api_changes_the_password_and_ends_other_sessions() {
    let app = spawn_app().await;
    let csrf = app.api_login(OFFICER).await;
    let (_, other) = browser_logged_in(&app, OFFICER, PASSWORD).await;

    let response = app
        .client
        .post(app.url("/api/v1/me/password"))
        .json(&serde_json::json!({
            "current_password": PASSWORD,
            "new_password": NEW_PASSWORD,
            "new_password_again": NEW_PASSWORD,
        }))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status().as_u16(), 403, "no CSRF header");

    let (status, body) = app
        .post_json(
            &csrf,
            "/api/v1/me/password",
            serde_json::json!({
                "current_password": "fel",
                "new_password": NEW_PASSWORD,
                "new_password_again": NEW_PASSWORD,
            }),
        )
        .await;
    assert_eq!(status, 422);
    assert_eq!(body["errors"][0]["field"], "current_password");

    let (status, body) = app
        .post_json(
            &csrf,
            "/api/v1/me/password",
            serde_json::json!({
                "current_password": PASSWORD,
                "new_password": NEW_PASSWORD,
                "new_password_again": "något annat långt",
            }),
        )
        .await;
    assert_eq!(status, 422);
    assert_eq!(body["errors"][0]["field"], "new_password_again");

    let (status, _) = app
        .post_json(
            &csrf,
            "/api/v1/me/password",
            serde_json::json!({
                "current_password": PASSWORD,
                "new_password": NEW_PASSWORD,
                "new_password_again": NEW_PASSWORD,
            }),
        )
        .await;
    assert_eq!(status, 204);
    let (status, me) = app.get_json("/api/v1/me").await;
    assert_eq!(status, 200, "this client goes on");
    assert_eq!(me["email"], OFFICER);
    let response = other.get(app.url("/api/v1/me")).send().await.unwrap();
    assert_eq!(response.status().as_u16(), 401);

    // The client's CSRF token still works after the new session key.
    let response = app
        .client
        .delete(app.url("/api/v1/session"))
        .header("X-CSRF-Token", csrf)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status().as_u16(), 204);
    let response = app
        .client
        .post(app.url("/api/v1/session"))
        .json(&serde_json::json!({ "email": OFFICER, "password": NEW_PASSWORD }))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status().as_u16(), 200);
}

#[actix_web::test]
async fn deactivation_ends_the_session_at_once_and_is_audited() {
    let app = spawn_app().await;
    let (_, skane) = browser_logged_in(&app, OFFICER, PASSWORD).await;
    let response = skane.get(app.url("/api/v1/me")).send().await.unwrap();
    assert_eq!(response.status().as_u16(), 200);
    assert_eq!(sessions_of(&app, OFFICER), 1);

    let (_, admin) = browser_logged_in(&app, ADMIN, PASSWORD).await;
    let (_, page) = get(&admin, &app, "/admin").await;
    let id = user_id(&app, OFFICER);
    let (status, _, location) = post_form(
        &admin,
        &app,
        &format!("/konton/{id}/inaktivera"),
        &[("csrf_token", csrf_from(&page).as_str())],
    )
    .await;
    assert_eq!(status, 303);
    assert_eq!(location.as_deref(), Some("/admin?klart=inaktiverat"));
    assert_eq!(sessions_of(&app, OFFICER), 0, "the session rows are gone");

    // The very next request of the deactivated person is refused.
    let response = skane.get(app.url("/konto")).send().await.unwrap();
    assert_eq!(response.status().as_u16(), 303);
    assert!(
        response.headers()["location"]
            .to_str()
            .unwrap()
            .starts_with("/logga-in")
    );
    let response = skane.get(app.url("/api/v1/me")).send().await.unwrap();
    assert_eq!(response.status().as_u16(), 401);
    let (status, _) = browser_logged_in(&app, OFFICER, PASSWORD).await;
    assert_eq!(status, 401);

    let events = app.audit_events("account.deactivated");
    assert_eq!(events.len(), 1);
    assert_eq!(events[0].actor_email.as_deref(), Some(ADMIN));
    assert_eq!(events[0].entity_id.as_deref(), Some(id.as_str()));
    let (_, page) = get(&admin, &app, "/admin?klart=inaktiverat").await;
    assert!(page.contains("Kontot är inaktiverat."));
    assert!(page.contains("Återaktivera"));

    // A reset link cannot be had for a deactivated account.
    let stranger = new_client();
    let (_, form) = get(&stranger, &app, "/glomt-losenord").await;
    let (status, _, _) = post_form(
        &stranger,
        &app,
        "/glomt-losenord",
        &[
            ("csrf_token", csrf_from(&form).as_str()),
            ("email", OFFICER),
        ],
    )
    .await;
    assert_eq!(status, 200);
    assert!(mails_to(&app, OFFICER).is_empty());

    // Reactivated, the account opens again.
    let (status, _, _) = post_form(
        &admin,
        &app,
        &format!("/konton/{id}/aktivera"),
        &[("csrf_token", csrf_from(&page).as_str())],
    )
    .await;
    assert_eq!(status, 303);
    assert_eq!(app.audit_events("account.reactivated").len(), 1);
    let (status, _) = browser_logged_in(&app, OFFICER, PASSWORD).await;
    assert_eq!(status, 303);

    // No one deactivates their own account.
    let admin_id = user_id(&app, ADMIN);
    let (status, page, _) = post_form(
        &admin,
        &app,
        &format!("/konton/{admin_id}/inaktivera"),
        &[("csrf_token", csrf_from(&page).as_str())],
    )
    .await;
    assert_eq!(status, 403);
    assert!(page.contains("ditt eget konto"));
}

#[actix_web::test]
async fn the_ombud_removes_a_colleague_at_once_but_not_another_organisations_or_staff() {
    let app = spawn_app().await;
    let skane = org_id(&app, SKANE_ORGNR);
    let members = format!("/organisationer/{skane}/personer");
    let (_, ombud) = browser_logged_in(&app, SKANE, PASSWORD).await;
    let (_, page) = get(&ombud, &app, &members).await;
    post_form(
        &ombud,
        &app,
        &members,
        &[
            ("csrf_token", csrf_from(&page).as_str()),
            ("name", "Nils Berg"),
            ("email", "nils.berg@skane.example"),
            ("role", "representative"),
        ],
    )
    .await;
    let link = link_mailed_to(&app, "nils.berg@skane.example");
    choose_password(&app, &link, NEW_PASSWORD, NEW_PASSWORD).await;
    let (status, nils) = browser_logged_in(&app, "nils.berg@skane.example", NEW_PASSWORD).await;
    assert_eq!(status, 303);

    // A representative may not remove another representative (the ombud's to decide).
    let nils_id = user_id(&app, "nils.berg@skane.example");
    let jonas_id = user_id(&app, "representant@skane.example");
    let (_, page) = get(&nils, &app, &members).await;
    let (status, page, _) = post_form(
        &nils,
        &app,
        &format!("/konton/{jonas_id}/ta-bort"),
        &[("csrf_token", csrf_from(&page).as_str())],
    )
    .await;
    assert_eq!(status, 403);
    assert!(page.contains("Bara organisationens ombud"), "{page}");

    // The ombud removes Nils: his role and his sessions end at once; his account stays.
    let (_, page) = get(&ombud, &app, &members).await;
    let csrf = csrf_from(&page);
    let (status, _, location) = post_form(
        &ombud,
        &app,
        &format!("/konton/{nils_id}/ta-bort"),
        &[("csrf_token", csrf.as_str())],
    )
    .await;
    assert_eq!(status, 303);
    assert_eq!(location.unwrap(), format!("{members}?klart=borttagen"));
    let response = nils.get(app.url("/api/v1/me")).send().await.unwrap();
    assert_eq!(response.status().as_u16(), 401);
    let (_, page) = get(&ombud, &app, &format!("{members}?klart=borttagen")).await;
    assert!(page.contains("Personen är borttagen ur organisationen"));
    assert!(!page.contains("nils.berg@skane.example"));
    let nils_now = statsbidrag::db::accounts::find(&mut app.conn(), &nils_id)
        .unwrap()
        .unwrap();
    assert!(nils_now.active);
    assert_eq!(nils_now.organisation_id, None);
    assert_eq!(nils_now.org_role, None);
    assert_eq!(app.audit_events("organisation.member_removed").len(), 1);

    // Another organisation's person, the agency's staff, or the ombud themselves: refused.
    let ombud_id = user_id(&app, SKANE);
    for (other, expected) in [(VGR, 404), (OFFICER, 404), (SKANE, 403)] {
        let id = if other == SKANE {
            ombud_id.clone()
        } else {
            user_id(&app, other)
        };
        let (status, _, _) = post_form(
            &ombud,
            &app,
            &format!("/konton/{id}/ta-bort"),
            &[("csrf_token", csrf.as_str())],
        )
        .await;
        assert_eq!(status, expected, "{other}");
    }
    // Deactivating an account is the administrator's, for the agency's staff only.
    let jonas = user_id(&app, "representant@skane.example");
    let (status, _, _) = post_form(
        &ombud,
        &app,
        &format!("/konton/{jonas}/inaktivera"),
        &[("csrf_token", csrf.as_str())],
    )
    .await;
    assert_eq!(status, 404);
    assert_eq!(app.audit_events("access.denied").len(), 5);
    assert_eq!(app.audit_events("account.deactivated").len(), 0);
    let (status, _) = browser_logged_in(&app, VGR, PASSWORD).await;
    assert_eq!(status, 303);
}
