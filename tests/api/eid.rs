//! Logging in with e-legitimation (OpenID Connect), as far as it can be tested without an
//! identity provider: no trace of it without the settings; a provider that does not answer,
//! a callback nobody issued and a first-login page without a verified person all get a clear
//! Swedish answer, never a 500; local logins can be turned off; and the accounts side
//! (recognising a person by the keyed hash of their number, refusing inactive accounts and
//! staff, never writing the number) straight against the database. The whole browser flow
//! against a real OpenID provider is `.ci/oidc` (tests/oidc).

use statsbidrag::accounts::oidc::{OidcSettings, VerifiedPerson};
use statsbidrag::accounts::people::{self, NewPerson, SignIn};
use statsbidrag::codes::Role;
use statsbidrag::error::AppError;
use statsbidrag::pin::PersonalNumber;

use crate::helpers::{OFFICER, PASSWORD, SKANE, TestApp, csrf_from, spawn_app, spawn_configured};

/// An issuer nothing answers on (the discard port on the loopback).
const DEAD_ISSUER: &str = "http://127.0.0.1:9";

fn settings(local_login: bool, staff_login: bool) -> OidcSettings {
    OidcSettings::from_parts(
        Some(DEAD_ISSUER),
        Some("statsbidrag"),
        Some("hemlig-klientnyckel"),
        staff_login,
        local_login,
    )
    .unwrap()
    .unwrap()
}

async fn spawn_with_dead_provider(local_login: bool) -> TestApp {
    spawn_configured(|s| s.oidc = Some(settings(local_login, false))).await
}

fn location(response: &reqwest::Response) -> String {
    response
        .headers()
        .get("location")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_string()
}

#[actix_web::test]
async fn without_settings_there_is_no_e_legitimation() {
    let app = spawn_app().await;
    let (status, page) = app.get_text("/logga-in").await;
    assert_eq!(status, 200);
    assert!(!page.contains("e-legitimation"), "{page}");
    assert!(page.contains("name=\"password\""));

    for path in [
        "/logga-in/e-legitimation?next=/",
        "/logga-in/e-legitimation/svar?code=abc&state=def",
        "/logga-in/e-legitimation/svar?error=access_denied&state=def",
    ] {
        let (status, page) = app.get_text(path).await;
        assert_eq!(status, 404, "{path}");
        assert!(page.contains("Sidan finns inte"), "{path}: {page}");
    }
    // Signing needs a login first; logged in, there is nothing to sign with.
    let response = app
        .client
        .post(app.url("/underskrift"))
        .form(&[("csrf_token", "x"), ("next", "/")])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status().as_u16(), 303);
    assert!(location(&response).starts_with("/logga-in"));
    app.login(SKANE).await;
    let (_, home) = app.get_text("/").await;
    let response = app
        .client
        .post(app.url("/underskrift"))
        .form(&[("csrf_token", csrf_from(&home).as_str()), ("next", "/")])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status().as_u16(), 404);
}

#[actix_web::test]
async fn a_provider_that_does_not_answer_gets_a_swedish_message_and_passwords_still_work() {
    let app = spawn_with_dead_provider(true).await;
    let (status, page) = app.get_text("/logga-in").await;
    assert_eq!(status, 200);
    assert!(page.contains("Logga in med e-legitimation"), "{page}");
    assert!(
        page.contains("href=\"/logga-in/e-legitimation?next=/\""),
        "{page}"
    );
    assert!(
        page.contains("name=\"password\""),
        "the password form stays"
    );

    // Twice: the second attempt comes within the back-off and is answered at once.
    for _ in 0..2 {
        let (status, page) = app
            .get_text("/logga-in/e-legitimation?next=/ansokningar")
            .await;
        assert_eq!(status, 503, "{page}");
        assert!(
            page.contains("Tjänsten för e-legitimation svarar inte just nu"),
            "{page}"
        );
        assert!(page.contains("e-postadress och lösenord"), "{page}");
        assert!(
            page.contains("name=\"next\" value=\"/ansokningar\""),
            "{page}"
        );
    }
    // The service itself is fine, and passwords log in as before.
    let response = app.login_as(SKANE, PASSWORD).await;
    assert_eq!(response.status().as_u16(), 303);
    let (status, _) = app.get_text("/konto").await;
    assert_eq!(status, 200);
}

#[actix_web::test]
async fn a_callback_that_was_never_issued_is_refused() {
    let app = spawn_with_dead_provider(true).await;
    for path in [
        "/logga-in/e-legitimation/svar?code=abc&state=never-issued",
        "/logga-in/e-legitimation/svar?error=access_denied&state=never-issued",
        "/logga-in/e-legitimation/svar",
    ] {
        let (status, page) = app.get_text(path).await;
        assert_eq!(status, 400, "{path}: {page}");
        assert!(
            page.contains("hör inte till en inloggning som pågår"),
            "{path}: {page}"
        );
        assert!(page.contains("Det gick inte att logga in"), "{page}");
    }
    // Nobody was logged in by it.
    let response = app.get("/konto").await;
    assert_eq!(response.status().as_u16(), 303);
}

#[actix_web::test]
async fn the_first_login_page_needs_a_verified_person() {
    let app = spawn_with_dead_provider(true).await;
    let response = app.get("/forsta-inloggningen").await;
    assert_eq!(response.status().as_u16(), 303);
    assert_eq!(location(&response), "/logga-in");
    let (_, login) = app.get_text("/logga-in").await;
    let response = app
        .client
        .post(app.url("/forsta-inloggningen"))
        .form(&[
            ("csrf_token", csrf_from(&login).as_str()),
            ("email", "ny@example.se"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status().as_u16(), 303);
    assert_eq!(location(&response), "/logga-in");
    let mut conn = app.conn();
    assert!(
        statsbidrag::db::accounts::find_by_email(&mut conn, "ny@example.se")
            .unwrap()
            .is_none()
    );
}

#[actix_web::test]
async fn local_logins_can_be_turned_off() {
    let app = spawn_with_dead_provider(false).await;
    let (status, page) = app.get_text("/logga-in").await;
    assert_eq!(status, 200);
    assert!(page.contains("Logga in med e-legitimation"));
    assert!(!page.contains("name=\"password\""), "{page}");
    assert!(!page.contains("Glömt lösenordet"), "{page}");
    // A right password posted anyway opens nothing (the page has no form, so no token).
    assert!(!page.contains("csrf_token"));
    let response = app
        .client
        .post(app.url("/logga-in"))
        .form(&[
            ("csrf_token", "none"),
            ("email", SKANE),
            ("password", PASSWORD),
            ("next", "/"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status().as_u16(), 403);
    let text = response.text().await.unwrap();
    assert!(
        text.contains("Inloggning med e-postadress och lösenord är avstängd"),
        "{text}"
    );
    assert_eq!(app.get("/konto").await.status().as_u16(), 303);
    // Nor through the API.
    let response = app
        .client
        .post(app.url("/api/v1/session"))
        .json(&serde_json::json!({ "email": SKANE, "password": PASSWORD }))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status().as_u16(), 403);
    assert_eq!(app.get("/api/v1/me").await.status().as_u16(), 401);
    // Nor is a password chosen through an invitation link: refused, the link still good.
    let link = {
        let mut conn = app.conn();
        let user =
            statsbidrag::db::accounts::find_by_email(&mut conn, "representant@skane.example")
                .unwrap()
                .unwrap();
        statsbidrag::accounts::links::issue(
            &mut conn,
            &user,
            statsbidrag::db::account_links::LinkPurpose::Invitation,
            None,
            app.clock_now(),
        )
        .unwrap()
    };
    let (status, page) = app
        .get_text(&format!("/valj-losenord/{}", link.token))
        .await;
    assert_eq!(status, 200);
    assert!(
        page.contains("Ta emot inbjudan med e-legitimation"),
        "{page}"
    );
    assert!(!page.contains("name=\"new_password\""), "{page}");
    let response = app
        .client
        .post(app.url("/valj-losenord"))
        .form(&[
            // The page has no form, so no token: refused before the token is looked at.
            ("csrf_token", "none"),
            ("token", link.token.as_str()),
            ("new_password", "ett långt nytt lösenord"),
            ("new_password_again", "ett långt nytt lösenord"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status().as_u16(), 403);
    assert!(
        response
            .text()
            .await
            .unwrap()
            .contains("Lösenord används inte i den här tjänsten")
    );
    let (status, _) = app
        .get_text(&format!("/valj-losenord/{}", link.token))
        .await;
    assert_eq!(status, 200, "the link is still good");
    // With passwords off, the provider's silence says nothing about passwords.
    let (status, page) = app.get_text("/logga-in/e-legitimation").await;
    assert_eq!(status, 503);
    assert!(!page.contains("e-postadress och lösenord"), "{page}");
}

fn person(pin: &str, given: &str, family: &str) -> VerifiedPerson {
    let today = chrono::NaiveDate::from_ymd_opt(2020, 6, 30).unwrap();
    VerifiedPerson {
        pin: PersonalNumber::parse(pin, today).unwrap(),
        given_name: given.into(),
        family_name: family.into(),
        loa: Some("http://id.elegnamnden.se/loa/1.0/loa3".into()),
        auth_time: None,
    }
}

#[actix_web::test]
async fn people_are_recognised_by_the_hash_of_their_number_which_is_never_written() {
    let app = spawn_app().await;
    let now = app.clock_now();
    let mut conn = app.conn();
    let key = people::recognition_key(&mut conn, now).unwrap();
    assert_eq!(
        people::recognition_key(&mut conn, now).unwrap(),
        key,
        "made once, kept"
    );
    let off = settings(true, false);
    let tolvan = person("19121212-1212", "Tolvan", "Tolvansson");

    assert_eq!(
        people::sign_in(&mut conn, &tolvan, &key, &off, now).unwrap(),
        SignIn::New
    );
    let new = NewPerson::new(&tolvan, &key, now);
    // The address is checked, and one already taken is refused.
    match people::create_person(&mut conn, &new, "inte en adress", now) {
        Err(AppError::Invalid(errors)) => assert!(errors.get("email").is_some()),
        other => panic!("{other:?}"),
    }
    match people::create_person(&mut conn, &new, SKANE, now) {
        Err(AppError::Invalid(errors)) => {
            assert!(errors.get("email").unwrap().contains("redan ett konto"))
        }
        other => panic!("{other:?}"),
    }
    let actor = people::create_person(&mut conn, &new, " Tolvan@Example.se ", now).unwrap();
    assert_eq!(actor.email, "tolvan@example.se");
    assert_eq!(actor.name, "Tolvan Tolvansson");
    assert_eq!(actor.role, Role::Applicant);
    assert_eq!(actor.organisation_id, None);
    assert_eq!(actor.pin_masked.as_deref(), Some("19121212-****"));
    // The same number again makes no second account.
    assert!(matches!(
        people::create_person(&mut conn, &new, "annan@example.se", now),
        Err(AppError::Conflict(_))
    ));
    let user = statsbidrag::db::accounts::find(&mut conn, &actor.user_id)
        .unwrap()
        .unwrap();
    assert_eq!(user.password_hash, "", "no password opens it");
    assert_eq!(user.pin_hash, Some(tolvan.pin.recognition_key(&key)));

    // The next login recognises the person.
    assert_eq!(
        people::sign_in(&mut conn, &tolvan, &key, &off, now).unwrap(),
        SignIn::Known(actor.clone())
    );
    assert!(people::is_same_person(&mut conn, &actor.user_id, &tolvan, &key).unwrap());
    let anna = person("19800101-1231", "Anna", "Andersson");
    assert!(!people::is_same_person(&mut conn, &actor.user_id, &anna, &key).unwrap());

    // An inactive account is refused.
    statsbidrag::db::accounts::set_active(&mut conn, &actor.user_id, false).unwrap();
    assert!(matches!(
        people::sign_in(&mut conn, &tolvan, &key, &off, now).unwrap(),
        SignIn::Refused(message) if message.contains("inaktiverat")
    ));

    // Staff log in with e-legitimation only when that is turned on.
    let officer = statsbidrag::db::accounts::find_by_email(&mut conn, OFFICER)
        .unwrap()
        .unwrap();
    crate::helpers::execute(
        &mut conn,
        &format!(
            "UPDATE users SET pin_hash = '{}', pin_masked = '19800101-****' WHERE id = '{}'",
            anna.pin.recognition_key(&key),
            officer.id
        ),
    )
    .unwrap();
    assert!(matches!(
        people::sign_in(&mut conn, &anna, &key, &off, now).unwrap(),
        SignIn::Refused(message) if message.contains("personal")
    ));
    match people::sign_in(&mut conn, &anna, &key, &settings(true, true), now).unwrap() {
        SignIn::Known(staff) => assert_eq!(staff.email, OFFICER),
        other => panic!("{other:?}"),
    }

    // The trail names the logins and refusals, with the number masked and never whole.
    let logins = app.audit_events("auth.login");
    assert!(
        logins
            .iter()
            .any(|e| e.summary.contains("19121212-****") && e.details.contains("e-legitimation"))
    );
    assert_eq!(app.audit_events("auth.eid_login_refused").len(), 2);
    let created = app.audit_events("account.created");
    assert!(created.iter().any(|e| e.summary.contains("19121212-****")));
    let mut conn = app.conn();
    let everything = statsbidrag::db::audit::list(
        &mut conn,
        &statsbidrag::db::audit::AuditFilter::default(),
        100_000,
        0,
    )
    .unwrap();
    for event in everything {
        for text in [&event.summary, &event.details] {
            for digits in ["1212121212", "12121212-1212", "8001011231", "800101-1231"] {
                assert!(!text.contains(digits), "{}: {text}", event.action);
            }
        }
    }
}

#[actix_web::test]
async fn signing_needs_the_form_s_token_and_an_account_with_e_legitimation() {
    let app = spawn_with_dead_provider(true).await;
    app.login(SKANE).await;
    let (_, home) = app.get_text("/").await;
    let sign = |csrf: String| {
        app.client
            .post(app.url("/underskrift"))
            .form(&[("csrf_token", csrf), ("next", "/konto".to_string())])
            .send()
    };
    let response = sign("forged".into()).await.unwrap();
    assert_eq!(response.status().as_u16(), 403);
    let response = sign(csrf_from(&home)).await.unwrap();
    assert_eq!(response.status().as_u16(), 409);
    let page = response.text().await.unwrap();
    assert!(
        page.contains("inte kopplat till någon e-legitimation"),
        "{page}"
    );
    assert!(page.contains("href=\"/konto\""), "the way back: {page}");
}
