//! Taking up an invitation with e-legitimation, at the rule's own level (the browser path
//! through the real provider is tests/oidc/invitation.test.js): the invited account, the
//! person's number and the link are joined in one transaction, and one person stays one
//! account.

use statsbidrag::accounts::invitation_eid::{self, Accepted};
use statsbidrag::accounts::members::{self, MemberInput};
use statsbidrag::accounts::oidc::VerifiedPerson;
use statsbidrag::accounts::{self, links::MailContext};
use statsbidrag::codes::OrgRole;
use statsbidrag::pin::PersonalNumber;

use crate::helpers::{SKANE, TestApp, spawn_app};
use crate::passwords::link_mailed_to;

fn person(pin: &str) -> VerifiedPerson {
    VerifiedPerson {
        pin: PersonalNumber::parse(pin, chrono::NaiveDate::from_ymd_opt(2026, 1, 1).unwrap())
            .unwrap(),
        given_name: "Bertil".into(),
        family_name: "Berg".into(),
        loa: Some("http://id.elegnamnden.se/loa/1.0/loa3".into()),
        auth_time: None,
    }
}

/// The ombud of Region Skåne invites `email` as representative; returns the link's token.
fn invite(app: &TestApp, email: &str) -> String {
    let mut conn = app.conn();
    let ombud_user = statsbidrag::db::accounts::find_by_email(&mut conn, SKANE)
        .unwrap()
        .unwrap();
    let ombud = accounts::load_actor(&mut conn, &ombud_user.id)
        .unwrap()
        .unwrap();
    let org = ombud.organisation_id.clone().unwrap();
    let links = statsbidrag::outbox::Links::new("https://statsbidrag.example");
    members::add(
        &mut conn,
        &ombud,
        &org,
        &MemberInput {
            email: email.into(),
            name: "Bertil Berg".into(),
            role: "representative".into(),
        },
        app.clock_now(),
        &MailContext::new(&links, "Socialstyrelsen"),
    )
    .unwrap();
    link_mailed_to(app, email)
        .rsplit('/')
        .next()
        .unwrap()
        .to_string()
}

fn accept(app: &TestApp, token: &str, who: &VerifiedPerson) -> Accepted {
    let mut conn = app.conn();
    let key = statsbidrag::accounts::people::recognition_key(&mut conn, app.clock_now()).unwrap();
    invitation_eid::accept(&mut conn, token, who, &key, false, app.clock_now()).unwrap()
}

#[actix_web::test]
async fn the_number_is_tied_to_the_invited_account_and_the_link_works_once() {
    let app = spawn_app().await;
    let token = invite(&app, "bertil@skane.example");
    let bertil = person("200809142383");
    let Accepted::Done(actor) = accept(&app, &token, &bertil) else {
        panic!("accepted");
    };
    assert_eq!(actor.email, "bertil@skane.example");
    assert_eq!(actor.org_role, Some(OrgRole::Representative));
    assert_eq!(actor.pin_masked.as_deref(), Some("20080914-****"));
    let stored = statsbidrag::db::accounts::find(&mut app.conn(), &actor.user_id)
        .unwrap()
        .unwrap();
    let hash = stored.pin_hash.unwrap();
    assert!(!hash.contains("2383"), "only a keyed hash is stored");
    assert_eq!(hash.len(), 64);
    assert!(matches!(
        accept(&app, &token, &bertil),
        Accepted::Link(statsbidrag::accounts::links::LinkProblem::Used)
    ));
    let events = app.audit_events("account.invitation_accepted_eid");
    assert_eq!(events.len(), 1);
    assert!(events[0].summary.contains("20080914-****"));
    assert!(!events[0].summary.contains("200809142383"));
}

#[actix_web::test]
async fn a_person_with_an_account_of_their_own_gets_the_role_there() {
    let app = spawn_app().await;
    // Anna logged in with e-legitimation before and acts for no organisation.
    let anna = person("198001011231");
    let own = {
        let mut conn = app.conn();
        let user = accounts::create_account(
            &mut conn,
            None,
            &accounts::NewAccount {
                email: "anna@example.se".into(),
                name: "Anna Andersson".into(),
                role: "applicant".into(),
                org_number: None,
                org_role: None,
                password: None,
            },
            app.clock_now(),
        )
        .unwrap();
        let key =
            statsbidrag::accounts::people::recognition_key(&mut conn, app.clock_now()).unwrap();
        assert!(
            statsbidrag::db::accounts::set_pin(
                &mut conn,
                &user.id,
                &anna.pin.recognition_key(&key),
                &anna.pin.masked()
            )
            .unwrap()
        );
        user
    };
    let token = invite(&app, "anna.andersson@skane.example");
    let Accepted::Done(actor) = accept(&app, &token, &anna) else {
        panic!("accepted");
    };
    assert_eq!(actor.user_id, own.id, "one person, one account");
    assert_eq!(actor.org_role, Some(OrgRole::Representative));
    let invited =
        statsbidrag::db::accounts::find_by_email(&mut app.conn(), "anna.andersson@skane.example")
            .unwrap()
            .unwrap();
    assert!(!invited.active);
    assert_eq!(invited.org_role, None);

    // Someone who already acts for an organisation cannot take up a second one's invitation:
    // refused, and nothing changes.
    let token = invite(&app, "anna.igen@skane.example");
    let Accepted::Refused(message) = accept(&app, &token, &anna) else {
        panic!("refused");
    };
    assert!(
        message.contains("företräder en organisation i taget"),
        "{message}"
    );
    let again =
        statsbidrag::db::accounts::find_by_email(&mut app.conn(), "anna.igen@skane.example")
            .unwrap()
            .unwrap();
    assert!(again.active);
    assert_eq!(again.pin_hash, None);
}
