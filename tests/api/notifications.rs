//! Notifications (issue 16) with the test clock: each goes out on its day, to the right
//! people, exactly once (the round run twice, and again the next day), and nothing goes out
//! when nothing is due. The daily digest leaves out the officer's own steps; a draft
//! reminder needs a draft; the report-open notice is once per grant and year; a repayment
//! reminder once per unpaid claim. Two rounds at once still send each once.

use chrono::{DateTime, Utc};
use diesel::prelude::*;
use statsbidrag::accounts::{self, Actor};
use statsbidrag::applications::workflow::{self, SupplementInput};
use statsbidrag::db::outbox::OutboxMessage;
use statsbidrag::jobs::{Lease, Shutdown};
use statsbidrag::notifications::{self, Sent};
use statsbidrag::outbox::{Links, kind};

use crate::decisions::{account, small_call, submitted};
use crate::helpers::{OFFICER, SKANE, TestApp, VGR, spawn_app, spawn_app_without_cases};

const COLLEAGUE: &str = "handlaggare2@socialstyrelsen.example";
const SKANE_ORGNR: &str = "232100-0255";

fn at(s: &str) -> DateTime<Utc> {
    s.parse().unwrap()
}

fn links() -> Links {
    Links::new("https://statsbidrag.example")
}

fn actor(app: &TestApp, email: &str) -> Actor {
    let mut conn = app.conn();
    let user = statsbidrag::db::accounts::find_by_email(&mut conn, email)
        .unwrap()
        .unwrap();
    accounts::load_actor(&mut conn, &user.id).unwrap().unwrap()
}

fn run(app: &TestApp, when: &str) -> Sent {
    notifications::run(&mut app.conn(), at(when), &links(), "Socialstyrelsen").unwrap()
}

fn mails(app: &TestApp, of_kind: &str) -> Vec<OutboxMessage> {
    statsbidrag::db::outbox::list(&mut app.conn())
        .unwrap()
        .into_iter()
        .filter(|m| m.kind == of_kind)
        .collect()
}

fn people_of(app: &TestApp, email: &str) -> Vec<String> {
    let organisation = actor(app, email).organisation_id.unwrap();
    statsbidrag::db::accounts::of_organisation(&mut app.conn(), &organisation)
        .unwrap()
        .into_iter()
        .map(|u| u.email)
        .collect()
}

fn supplement_input() -> SupplementInput {
    SupplementInput {
        message: "Beskriv personalen närmare.".into(),
        due_on: "2020-07-20".into(),
        budget_change_allowed: String::new(),
    }
}

#[actix_web::test]
async fn each_officer_gets_one_digest_a_day_of_what_others_did_in_their_cases() {
    let app = spawn_app().await;
    let call_id = small_call(&app, "1000000");
    let applicant = account(
        &app,
        "a@jonkoping.example",
        "applicant",
        Some("232100-0057"),
    );
    let (officer, colleague) = (actor(&app, OFFICER), actor(&app, COLLEAGUE));

    // 1 July: the case arrives; the officer takes it and asks for a supplement (their own
    // steps); the applicant answers; the colleague finds it complete.
    app.clock.set(at("2020-07-01T08:00:00Z"));
    let case = submitted(&app, &applicant, &call_id, "600000");
    let number = statsbidrag::db::applications::find(&mut app.conn(), &case)
        .unwrap()
        .unwrap()
        .registration_number
        .unwrap();
    {
        let mut conn = app.conn();
        let step = |minutes: i64| at("2020-07-01T08:00:00Z") + chrono::Duration::minutes(minutes);
        statsbidrag::applications::assignment::assign(
            &mut conn,
            &officer,
            &case,
            &officer.user_id,
            step(5),
        )
        .unwrap();
        workflow::request_supplement(
            &mut conn,
            &officer,
            &case,
            &supplement_input(),
            step(10),
            &links(),
            "Socialstyrelsen",
        )
        .unwrap();
        workflow::begin_supplement_answer(&mut conn, &applicant, &case, step(60)).unwrap();
        let answer = statsbidrag::applications::draft::DraftInput {
            project_title: "Projekt".into(),
            answers: [("1".to_string(), "Planen.".into())].into(),
            supplement_answer: Some("Personalen är en psykolog.".into()),
            ..Default::default()
        };
        workflow::save_draft(&mut conn, &applicant, &case, &answer, step(60)).unwrap();
        workflow::submit(
            &mut conn,
            &applicant,
            &case,
            &accounts::Signed::password(),
            step(61),
            &links(),
            "Socialstyrelsen",
        )
        .unwrap();
        workflow::mark_complete(&mut conn, &colleague, &case, step(120)).unwrap();
    }

    // Before 07:00 in Stockholm (05:00 UTC in summer) nothing goes.
    assert_eq!(run(&app, "2020-07-02T04:59:00Z").digests, 0);
    // At 07:00 the officer's digest; the colleague has no cases and gets none.
    assert_eq!(run(&app, "2020-07-02T05:00:00Z").digests, 1);
    let digests = mails(&app, kind::DIGEST);
    assert_eq!(digests.len(), 1);
    let digest = &digests[0];
    assert_eq!(digest.to_address, OFFICER);
    assert_eq!(digest.application_id, None, "about several cases, not one");
    let body = &digest.body_text;
    assert!(body.contains(&number), "{body}");
    assert!(body.contains("Ansökan inskickad"), "{body}");
    assert!(body.contains("Komplettering besvarad"), "{body}");
    assert!(
        body.contains("Ansökan komplett"),
        "the colleague's step: {body}"
    );
    assert!(
        body.contains("2020-07-01 12:00"),
        "times in Stockholm: {body}"
    );
    assert!(
        !body.contains("Komplettering begärd"),
        "the officer's own: {body}"
    );
    assert!(
        !body.contains("Handläggare för ärendet"),
        "the officer's own: {body}"
    );
    assert!(
        !body.contains("Ny version av ansökan"),
        "a draft step: {body}"
    );
    assert!(!body.contains("Beskriv personalen"), "no contents: {body}");
    assert!(!body.contains("psykolog"), "no contents: {body}");
    assert!(!body.contains("Utkast"), "a draft step: {body}");
    assert!(
        body.contains("https://statsbidrag.example/mina-arenden"),
        "{body}"
    );
    assert!(digest.subject.contains("2020-07-02"), "{}", digest.subject);

    // Once a day: again at once, and in the evening, nothing.
    assert_eq!(run(&app, "2020-07-02T05:00:00Z").digests, 0);
    assert_eq!(run(&app, "2020-07-02T18:00:00Z").digests, 0);
    // The next day nothing new has happened: no mail.
    assert_eq!(run(&app, "2020-07-03T06:00:00Z").digests, 0);
    assert_eq!(mails(&app, kind::DIGEST).len(), 1);

    // Later that day the colleague asks for another supplement: in the next day's digest,
    // alone (what the first digest told is not told again).
    workflow::request_supplement(
        &mut app.conn(),
        &colleague,
        &case,
        &supplement_input(),
        at("2020-07-03T10:00:00Z"),
        &links(),
        "Socialstyrelsen",
    )
    .unwrap();
    assert_eq!(run(&app, "2020-07-03T12:00:00Z").digests, 0, "tomorrow's");
    assert_eq!(run(&app, "2020-07-04T05:30:00Z").digests, 1);
    assert_eq!(run(&app, "2020-07-04T06:30:00Z").digests, 0);
    let digests = mails(&app, kind::DIGEST);
    assert_eq!(digests.len(), 2);
    let second = digests
        .iter()
        .find(|m| m.subject.contains("2020-07-04"))
        .unwrap();
    assert!(
        second.body_text.contains("Komplettering begärd"),
        "{}",
        second.body_text
    );
    assert!(!second.body_text.contains("Ansökan komplett"));
    assert!(
        second.subject.contains("1 ny händelse"),
        "{}",
        second.subject
    );

    let recorded = app.audit_events("notification.digest_sent");
    assert_eq!(recorded.len(), 2);
    assert!(recorded.iter().all(|e| e.actor_user_id.is_none()));
    assert_eq!(
        recorded[0].entity_id.as_deref(),
        Some(officer.user_id.as_str())
    );
}

#[actix_web::test]
async fn a_draft_not_sent_in_is_reminded_of_once_a_week_before_the_last_day() {
    let app = spawn_app_without_cases().await;
    // The call's last day is 2020-10-25: the reminder goes on 2020-10-18.
    let call_id =
        crate::helpers::october_call(&app, "hostutlysning", "Höstens utlysning", "Om hösten.");
    app.clock.set(at("2020-10-10T08:00:00Z"));
    // Västra Götaland applies in time: nothing to remind it of.
    submitted(&app, &actor(&app, VGR), &call_id, "500000");

    // With no draft, nothing goes, even on the day.
    assert_eq!(run(&app, "2020-10-18T06:00:00Z").draft_reminders, 0);

    // Skåne starts a draft and leaves it.
    let draft = workflow::start(
        &mut app.conn(),
        &actor(&app, SKANE),
        &call_id,
        at("2020-10-18T07:00:00Z"),
    )
    .unwrap();
    assert_eq!(
        run(&app, "2020-10-17T08:00:00Z").draft_reminders,
        0,
        "too early"
    );
    assert_eq!(run(&app, "2020-10-18T08:00:00Z").draft_reminders, 1);
    assert_eq!(run(&app, "2020-10-18T08:00:00Z").draft_reminders, 0);
    assert_eq!(run(&app, "2020-10-19T08:00:00Z").draft_reminders, 0);

    let sent = mails(&app, kind::DRAFT_REMINDER);
    let mut to: Vec<String> = sent.iter().map(|m| m.to_address.clone()).collect();
    to.sort();
    let mut skane = people_of(&app, SKANE);
    skane.sort();
    assert!(skane.len() >= 2, "{skane:?}");
    assert_eq!(to, skane, "every person of Skåne, once");
    assert!(
        sent.iter()
            .all(|m| m.application_id.as_deref() == Some(draft.id.as_str()))
    );
    assert!(!people_of(&app, VGR).iter().any(|p| to.contains(p)));
    let body = &sent[0].body_text;
    assert!(body.contains("2020-10-25"), "{body}");
    assert!(
        body.contains(&format!("/ansokningar/{}/redigera", draft.id)),
        "{body}"
    );
    assert!(
        sent[0].subject.contains("sista dag 2020-10-25"),
        "{}",
        sent[0].subject
    );
    assert_eq!(
        app.audit_events("notification.draft_reminder_sent").len(),
        1
    );

    // A draft begun after the reminder day still gets its reminder before the last day,
    // and none once the call has closed.
    let ostergotland = account(
        &app,
        "b@ostergotland.example",
        "applicant",
        Some("232100-0040"),
    );
    workflow::start(
        &mut app.conn(),
        &ostergotland,
        &call_id,
        at("2020-10-20T07:00:00Z"),
    )
    .unwrap();
    assert_eq!(
        run(&app, "2020-10-26T08:00:00Z").draft_reminders,
        0,
        "after the last day"
    );
    assert_eq!(run(&app, "2020-10-25T08:00:00Z").draft_reminders, 1);
    assert_eq!(
        mails(&app, kind::DRAFT_REMINDER).len(),
        skane.len() + people_of(&app, "b@ostergotland.example").len()
    );
}

#[actix_web::test]
async fn the_report_back_opening_is_told_once_per_grant_and_year() {
    let app = spawn_app().await;
    // The 2021 reports of the three demo grants open on 2022-01-01.
    assert_eq!(run(&app, "2021-12-31T12:00:00Z").report_opens, 0);
    let sent = run(&app, "2022-01-01T08:00:00Z");
    assert_eq!(sent.report_opens, 3, "{sent:?}");
    assert_eq!(run(&app, "2022-01-01T09:00:00Z").report_opens, 0);
    assert_eq!(run(&app, "2022-01-02T08:00:00Z").report_opens, 0);
    let messages = mails(&app, kind::REPORT_OPEN);
    let people = people_of(&app, SKANE).len()
        + people_of(&app, VGR).len()
        + people_of(&app, "sokande@ostergotland.example").len();
    assert_eq!(messages.len(), people);
    let skane_case = app.application_id_of(SKANE_ORGNR);
    let to_skane: Vec<_> = messages
        .iter()
        .filter(|m| m.application_id.as_deref() == Some(skane_case.as_str()))
        .collect();
    assert_eq!(to_skane.len(), people_of(&app, SKANE).len());
    assert!(
        to_skane[0].body_text.contains("senast 2022-03-01"),
        "{}",
        to_skane[0].body_text
    );
    assert!(
        to_skane[0].subject.contains("för 2021"),
        "{}",
        to_skane[0].subject
    );
    assert_eq!(app.audit_events("notification.report_open_sent").len(), 3);

    // The next year's report is a new notice, once.
    assert_eq!(run(&app, "2022-12-31T12:00:00Z").report_opens, 0);
    assert_eq!(run(&app, "2023-01-01T08:00:00Z").report_opens, 3);
    assert_eq!(run(&app, "2023-01-01T08:00:00Z").report_opens, 0);
    assert_eq!(mails(&app, kind::REPORT_OPEN).len(), 2 * people);
}

#[actix_web::test]
async fn an_unpaid_repayment_claim_is_reminded_of_once_after_its_due_day() {
    use statsbidrag::db::schema::decisions;
    use statsbidrag::money::Ore;
    use statsbidrag::reports::{ClaimKind, ClaimStatus};

    let app = spawn_app().await;
    let case = app.application_id_of(SKANE_ORGNR);
    let (decision_id, call_id, organisation_id, number): (String, String, String, String) =
        decisions::table
            .filter(decisions::application_id.eq(&case))
            .select((
                decisions::id,
                decisions::call_id,
                decisions::organisation_id,
                decisions::registration_number,
            ))
            .first(&mut *app.conn())
            .unwrap();
    let officer = actor(&app, OFFICER);
    let claim = |id: &str, status: ClaimStatus| statsbidrag::db::reports::RepaymentClaim {
        id: id.into(),
        organisation_id: organisation_id.clone(),
        decision_id: decision_id.clone(),
        report_id: None,
        call_id: call_id.clone(),
        year: 2021,
        kind: ClaimKind::Repayment,
        amount_ore: Ore::from_kronor(125_000),
        reason: "Medel som inte användes 2021.".into(),
        payment_reference: format!("{number}-2021"),
        due_on: chrono::NaiveDate::from_ymd_opt(2022, 5, 31).unwrap(),
        status,
        received_on: None,
        created_at: at("2022-04-30T08:00:00Z").naive_utc(),
        created_by: officer.user_id.clone(),
        received_by: None,
    };
    let (unpaid, paid) = (statsbidrag::db::new_id(), statsbidrag::db::new_id());
    statsbidrag::db::reports::insert_claim(&mut app.conn(), &claim(&unpaid, ClaimStatus::Open))
        .unwrap();
    statsbidrag::db::reports::insert_claim(&mut app.conn(), &claim(&paid, ClaimStatus::Received))
        .unwrap();

    // On the due day it may still be paid: nothing. The day after: one reminder, once.
    assert_eq!(run(&app, "2022-05-31T20:00:00Z").repayment_reminders, 0);
    assert_eq!(run(&app, "2022-06-01T08:00:00Z").repayment_reminders, 1);
    assert_eq!(run(&app, "2022-06-01T08:00:00Z").repayment_reminders, 0);
    assert_eq!(run(&app, "2022-06-02T08:00:00Z").repayment_reminders, 0);
    let sent = mails(&app, kind::REPAYMENT_REMINDER);
    assert_eq!(sent.len(), people_of(&app, SKANE).len());
    assert!(
        sent.iter()
            .all(|m| m.application_id.as_deref() == Some(case.as_str()))
    );
    let body = &sent[0].body_text;
    assert!(body.contains(&format!("{number}-2021")), "{body}");
    assert!(body.contains("125\u{a0}000\u{a0}kr"), "{body}");
    assert!(body.contains("2022-05-31"), "{body}");
    let recorded = app.audit_events("notification.repayment_reminder_sent");
    assert_eq!(recorded.len(), 1);
    assert_eq!(recorded[0].entity_id.as_deref(), Some(unpaid.as_str()));
}

#[actix_web::test]
async fn two_rounds_at_once_send_each_notification_once() {
    let app = spawn_app().await;
    let when = "2022-01-01T08:00:00Z";
    let (one, two) = std::thread::scope(|s| {
        let one = s.spawn(|| run(&app, when));
        let two = s.spawn(|| run(&app, when));
        (one.join().unwrap(), two.join().unwrap())
    });
    assert_eq!(one.report_opens + two.report_opens, 3, "{one:?} {two:?}");
    assert_eq!(app.audit_events("notification.report_open_sent").len(), 3);

    // Under the job's lease only one of two instances runs a period's round at all.
    let clock: statsbidrag::clock::SharedClock = std::sync::Arc::new(app.clock.clone());
    app.clock.set(at("2023-01-01T08:00:00Z"));
    let (a, b) = (
        Lease::new(notifications::JOB, chrono::Duration::minutes(15)),
        Lease::new(notifications::JOB, chrono::Duration::minutes(15)),
    );
    let round = |lease: &Lease| {
        notifications::round(
            &mut app.conn(),
            &clock,
            lease,
            &Shutdown::default(),
            chrono::Duration::hours(1),
            &links(),
            "Socialstyrelsen",
        )
        .unwrap()
    };
    let first = round(&a);
    assert_eq!(first.map(|s| s.report_opens), Some(3));
    assert_eq!(round(&b), None, "the other instance skips this period");
    assert_eq!(
        statsbidrag::db::notifications::count(&mut app.conn(), kind::REPORT_OPEN).unwrap(),
        6
    );
}
