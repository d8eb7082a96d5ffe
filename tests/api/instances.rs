//! Two service instances on one database, as behind a load balancer (issue 12). Meaningful on
//! PostgreSQL (run with `TEST_DATABASE_URL`); on SQLite the same tests run with both
//! instances on one file, which shows the same guarantees where one machine is enough.
//!
//! A session made on one instance works on the other and a logout on either ends it; each
//! queued e-mail is delivered once with both senders running; each reminder is sent once
//! with both running the round at the same time; registration numbers stay unique and
//! gapless; signings on both never pass the ceiling; and the login throttle counts the
//! attempts made on both together.

use std::collections::BTreeSet;

use serde_json::json;
use statsbidrag::clock::Clock;
use statsbidrag::db::DbConnection;
use statsbidrag::jobs::{Lease, Shutdown};
use statsbidrag::mail::MailSettings;
use statsbidrag::outbox::Links;

use crate::decisions::{account, api_login, prepared, small_call, submitted};
use crate::helpers::{
    OFFICER, PASSWORD, SKANE, TestApp, new_client, spawn_app, spawn_instance_beside,
};

const DECISION_MAKER: &str = "beslutsfattare@socialstyrelsen.example";

fn at(s: &str) -> chrono::DateTime<chrono::Utc> {
    s.parse().unwrap()
}

/// Logs in through the API with no cookie store: the session cookie and the CSRF token.
async fn log_in(app: &TestApp, email: &str) -> (String, String) {
    let response = reqwest::Client::new()
        .post(app.url("/api/v1/session"))
        .json(&json!({ "email": email, "password": PASSWORD }))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status().as_u16(), 200);
    let cookie = response
        .headers()
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find(|v| v.starts_with("statsbidrag_session="))
        .and_then(|v| v.split(';').next())
        .unwrap()
        .to_string();
    let body: serde_json::Value = response.json().await.unwrap();
    (cookie, body["csrf_token"].as_str().unwrap().to_string())
}

async fn me(app: &TestApp, cookie: &str) -> u16 {
    reqwest::Client::new()
        .get(app.url("/api/v1/me"))
        .header("Cookie", cookie)
        .send()
        .await
        .unwrap()
        .status()
        .as_u16()
}

#[actix_web::test]
async fn a_session_made_on_one_instance_works_on_the_other_and_ends_on_both() {
    let a = spawn_app().await;
    let b = spawn_instance_beside(&a, |_| {}).await;
    let (cookie, csrf) = log_in(&a, OFFICER).await;
    assert_eq!(me(&a, &cookie).await, 200);
    assert_eq!(
        me(&b, &cookie).await,
        200,
        "the session is in the shared database"
    );
    // A write with the session's CSRF token on the other instance works too.
    let response = reqwest::Client::new()
        .delete(b.url("/api/v1/session"))
        .header("Cookie", &cookie)
        .header("X-CSRF-Token", &csrf)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status().as_u16(), 204);
    // The same cookie, replayed: ended on both.
    assert_eq!(me(&b, &cookie).await, 401);
    assert_eq!(me(&a, &cookie).await, 401);
}

fn files_in(dir: &std::path::Path) -> BTreeSet<String> {
    std::fs::read_dir(dir)
        .map(|entries| {
            entries
                .filter_map(|e| e.ok())
                .map(|e| e.file_name().to_string_lossy().to_string())
                .filter(|n| n.ends_with(".eml"))
                .collect()
        })
        .unwrap_or_default()
}

#[actix_web::test]
async fn each_queued_email_is_delivered_once_with_both_instances_sending() {
    let a = spawn_app().await;
    let b = spawn_instance_beside(&a, |_| {}).await;
    const MESSAGES: usize = 60;
    {
        let mut conn = a.conn();
        statsbidrag::db::write_tx(&mut conn, |c: &mut DbConnection| {
            for n in 0..MESSAGES {
                statsbidrag::outbox::queue(
                    c,
                    a.clock_now(),
                    statsbidrag::outbox::About::account(statsbidrag::outbox::kind::OTHER),
                    &format!("mottagare{n}@example.org"),
                    &format!("Meddelande {n}"),
                    "Text.",
                )?;
            }
            Ok::<_, statsbidrag::error::AppError>(())
        })
        .unwrap();
    }
    let pending_before = statsbidrag::db::outbox::pending_count(&mut a.conn()).unwrap() as usize;
    let (dir_a, dir_b) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let mailer = |dir: &std::path::Path| {
        statsbidrag::mail::Mailer::new(&MailSettings {
            send_interval: None,
            ..MailSettings::files(dir)
        })
        .unwrap()
    };
    let (mailer_a, mailer_b) = (mailer(dir_a.path()), mailer(dir_b.path()));
    // Both senders at once, round after round, until nothing is due.
    let run = |mailer: &statsbidrag::mail::Mailer, app: &TestApp| {
        let mut sent = 0;
        loop {
            let report = mailer.deliver_due_blocking(&app.db, &app.clock).unwrap();
            sent += report.sent;
            if !report.more_due && report.sent == 0 {
                return sent;
            }
        }
    };
    let (sent_a, sent_b) = std::thread::scope(|s| {
        let one = s.spawn(|| run(&mailer_a, &a));
        let two = s.spawn(|| run(&mailer_b, &b));
        (one.join().unwrap(), two.join().unwrap())
    });
    let (files_a, files_b) = (files_in(dir_a.path()), files_in(dir_b.path()));
    assert_eq!(sent_a + sent_b, pending_before, "{sent_a} + {sent_b}");
    assert_eq!(files_a.len() + files_b.len(), pending_before);
    assert!(files_a.is_disjoint(&files_b), "a message went out twice");
    assert_eq!(
        statsbidrag::db::outbox::pending_count(&mut a.conn()).unwrap(),
        0
    );
}

fn reminder_mails(app: &TestApp, prefix: &str) -> usize {
    statsbidrag::db::outbox::list(&mut app.conn())
        .unwrap()
        .into_iter()
        .filter(|m| m.subject.starts_with(prefix))
        .count()
}

#[actix_web::test]
async fn each_reminder_is_sent_once_with_both_instances_running_the_round() {
    let a = spawn_app().await;
    let b = spawn_instance_beside(&a, |_| {}).await;
    let links = Links::new("https://statsbidrag.example");
    // Fourteen days before the 2021 reports are due: both instances run the hourly round at
    // the same moment, each under its own lease holder.
    a.clock.set(at("2022-02-15T08:00:00Z"));
    let clock: statsbidrag::clock::SharedClock = std::sync::Arc::new(a.clock.clone());
    let (lease_a, lease_b) = (
        Lease::new("report_reminders", chrono::Duration::minutes(15)),
        Lease::new("report_reminders", chrono::Duration::minutes(15)),
    );
    let round = |app: &TestApp, lease: &Lease| {
        let mut conn = app.conn();
        statsbidrag::reports::reminders::round(
            &mut conn,
            &clock,
            lease,
            &Shutdown::default(),
            chrono::Duration::hours(1),
            &links,
            "Socialstyrelsen",
        )
        .unwrap()
    };
    let (ran_a, ran_b) = std::thread::scope(|s| {
        let one = s.spawn(|| round(&a, &lease_a));
        let two = s.spawn(|| round(&b, &lease_b));
        (one.join().unwrap(), two.join().unwrap())
    });
    assert!(
        ran_a.is_some() != ran_b.is_some(),
        "exactly one instance ran the round: {ran_a:?} {ran_b:?}"
    );
    let sent = ran_a.or(ran_b).unwrap();
    assert_eq!((sent.before_due, sent.overdue), (3, 0));
    // One per person of each region: Region Skåne's ombud, representative and
    // uppgiftssamordnare, the two other regions' ombud.
    assert_eq!(reminder_mails(&a, "Påminnelse: återrapportering"), 5);
    // The other instance's next tick within the hour finds the round done.
    assert!(round(&b, &lease_b).is_none() || round(&a, &lease_a).is_none());

    // Even without the lease (its holder gone), two rounds at once send each reminder once:
    // the reminders' key decides.
    let run = |app: &TestApp, when: &str| {
        let mut conn = app.conn();
        statsbidrag::reports::reminders::run(&mut conn, at(when), &links, "Socialstyrelsen")
            .unwrap()
    };
    let (one, two) = std::thread::scope(|s| {
        let one = s.spawn(|| run(&a, "2022-03-02T08:00:00Z"));
        let two = s.spawn(|| run(&b, "2022-03-02T08:00:00Z"));
        (one.join().unwrap(), two.join().unwrap())
    });
    assert_eq!(one.overdue + two.overdue, 3, "{one:?} {two:?}");
    assert_eq!(reminder_mails(&a, "Återrapportering saknas"), 5);
    assert_eq!(reminder_mails(&a, "Påminnelse: återrapportering"), 5);
}

/// Regions without demo cases in the small call, by organisation number.
const REGIONS: [&str; 12] = [
    "232100-0016",
    "232100-0024",
    "232100-0032",
    "232100-0040",
    "232100-0057",
    "232100-0065",
    "232100-0073",
    "232100-0081",
    "232100-0115",
    "232100-0156",
    "232100-0164",
    "232100-0172",
];

fn registration_number_of(app: &TestApp, application_id: &str) -> String {
    use diesel::prelude::*;
    use statsbidrag::db::schema::applications;
    applications::table
        .find(application_id)
        .select(applications::registration_number)
        .first::<Option<String>>(&mut *app.conn())
        .unwrap()
        .unwrap()
}

#[actix_web::test]
async fn registration_numbers_stay_unique_and_gapless_with_submissions_on_both() {
    let a = spawn_app().await;
    let b = spawn_instance_beside(&a, |_| {}).await;
    let call_id = small_call(&a, "10000000");
    let applicants: Vec<_> = REGIONS
        .iter()
        .enumerate()
        .map(|(n, org)| {
            account(
                &a,
                &format!("sokande{n}@region.example"),
                "applicant",
                Some(org),
            )
        })
        .collect();
    // Half the submissions through each instance's connections, all at once.
    let ids: Vec<String> = std::thread::scope(|s| {
        let handles: Vec<_> = applicants
            .iter()
            .enumerate()
            .map(|(n, applicant)| {
                let app = if n % 2 == 0 { &a } else { &b };
                let call_id = &call_id;
                s.spawn(move || submitted(app, applicant, call_id, "100000"))
            })
            .collect();
        handles.into_iter().map(|h| h.join().unwrap()).collect()
    });
    let mut numbers: Vec<i32> = ids
        .iter()
        .map(|id| {
            let number = registration_number_of(&a, id);
            number.rsplit('-').next().unwrap().parse().unwrap()
        })
        .collect();
    numbers.sort_unstable();
    numbers.dedup();
    assert_eq!(numbers.len(), ids.len(), "unique: {numbers:?}");
    assert_eq!(
        numbers.last().unwrap() - numbers.first().unwrap() + 1,
        ids.len() as i32,
        "gapless: {numbers:?}"
    );

    // Straight at the counter, with every third transaction rolled back after taking its
    // number: what is committed is 1, 2, 3, … with no gap and no repeat.
    let taken = std::thread::scope(|s| {
        let take = |app: &TestApp, n: usize| {
            let mut conn = app.conn();
            statsbidrag::db::write_tx(&mut conn, |c: &mut DbConnection| {
                let number = statsbidrag::registration::next(c, 2031)?;
                if n.is_multiple_of(3) {
                    Err(diesel::result::Error::RollbackTransaction)
                } else {
                    Ok(number)
                }
            })
            .ok()
        };
        let handles: Vec<_> = (0..30)
            .map(|n| {
                let app = if n % 2 == 0 { &a } else { &b };
                s.spawn(move || take(app, n))
            })
            .collect();
        handles
            .into_iter()
            .filter_map(|h| h.join().unwrap())
            .collect::<Vec<String>>()
    });
    let mut taken: Vec<String> = taken;
    taken.sort();
    let expected: Vec<String> = (1..=taken.len() as i32)
        .map(|n| statsbidrag::registration::format(2031, n))
        .collect();
    assert_eq!(taken, expected);
}

#[actix_web::test]
async fn signings_on_both_instances_never_pass_the_ceiling() {
    let a = spawn_app().await;
    let b = spawn_instance_beside(&a, |_| {}).await;
    let call_id = small_call(&a, "1000000");
    let mut drafts = Vec::new();
    let officer = new_client();
    let csrf = api_login(&a, &officer, OFFICER).await;
    for (n, org) in REGIONS.iter().take(4).enumerate() {
        let applicant = account(
            &a,
            &format!("sokande{n}@region.example"),
            "applicant",
            Some(org),
        );
        let application = submitted(&a, &applicant, &call_id, "400000");
        drafts.push(prepared(&a, &officer, &csrf, &application, "grant", "400000").await);
    }
    account(
        &a,
        "beslutsfattare2@socialstyrelsen.example",
        "decision_maker",
        None,
    );
    let (maker_a, maker_b) = (new_client(), new_client());
    let csrf_a = api_login(&a, &maker_a, DECISION_MAKER).await;
    let csrf_b = api_login(&b, &maker_b, "beslutsfattare2@socialstyrelsen.example").await;
    let sign = |app: &TestApp, client: &reqwest::Client, csrf: &str, id: &str| {
        client
            .post(app.url(&format!("/api/v1/decisions/{id}/sign")))
            .header("X-CSRF-Token", csrf)
            .send()
    };
    // Four grants of 400 000 kr under a ceiling of 1 000 000 kr, two signed on each instance
    // at the same moment: two can be signed, never three.
    let (r1, r2, r3, r4) = tokio::join!(
        sign(&a, &maker_a, &csrf_a, &drafts[0]),
        sign(&b, &maker_b, &csrf_b, &drafts[1]),
        sign(&a, &maker_a, &csrf_a, &drafts[2]),
        sign(&b, &maker_b, &csrf_b, &drafts[3]),
    );
    let mut statuses: Vec<u16> = [r1, r2, r3, r4]
        .into_iter()
        .map(|r| r.unwrap().status().as_u16())
        .collect();
    statuses.sort_unstable();
    assert_eq!(statuses, [200, 200, 409, 409]);
    let granted: i64 = statsbidrag::db::decisions::signed_amounts_for_call(&mut a.conn(), &call_id)
        .unwrap()
        .iter()
        .filter(|s| s.year == 2021)
        .map(|s| s.amount.ore())
        .sum();
    assert_eq!(granted, 80_000_000);
}

#[actix_web::test]
async fn the_login_throttle_counts_attempts_on_both_instances_together() {
    let a = spawn_app().await;
    let b = spawn_instance_beside(&a, |_| {}).await;
    let attempt = |app: &TestApp, password: &str| {
        let url = app.url("/api/v1/session");
        let body = json!({ "email": SKANE, "password": password });
        async move {
            reqwest::Client::new()
                .post(url)
                .json(&body)
                .send()
                .await
                .unwrap()
                .status()
                .as_u16()
        }
    };
    // Four wrong passwords, alternating between the instances: still free.
    for n in 0..4 {
        let app = if n % 2 == 0 { &a } else { &b };
        assert_eq!(attempt(app, "fel lösenord").await, 401, "attempt {}", n + 1);
    }
    // The fifth, on either, locks the account on both, even for the right password.
    assert_eq!(attempt(&b, "fel lösenord").await, 429);
    assert_eq!(attempt(&a, PASSWORD).await, 429);
    assert_eq!(attempt(&b, PASSWORD).await, 429);
    a.clock.set(a.clock.now() + chrono::Duration::minutes(2));
    assert_eq!(attempt(&b, PASSWORD).await, 200);
}

/// Starts the real binary on `test_db` with `env`; returns it once it answers.
fn start_binary(test_db: &crate::helpers::TestDb, env: &[(&str, &str)]) -> std::process::Child {
    use std::io::{BufRead, BufReader};
    use std::process::{Command, Stdio};
    let mut command = Command::new(env!("CARGO_BIN_EXE_statsbidrag"));
    command
        .env("DATABASE_URL", &test_db.url)
        .env("BIND_ADDRESS", "127.0.0.1:0")
        .env("LOAD_DEMO", "true")
        .env("RUST_LOG", "warn")
        .env_remove("DEMO_PASSWORD")
        .env_remove("SMTP_HOST")
        .stdout(Stdio::piped())
        .stderr(Stdio::null());
    for (k, v) in env {
        command.env(k, v);
    }
    let mut child = command.spawn().unwrap();
    let stdout = child.stdout.take().unwrap();
    let mut address = String::new();
    for line in BufReader::new(stdout).lines() {
        if let Some(rest) = line.unwrap().strip_prefix("Tjänsten svarar på http://") {
            address = rest.trim().to_string();
            break;
        }
    }
    // Answering requests: the server runs, its signal handlers with it.
    let answered = (0..100).any(|_| {
        let ok = std::net::TcpStream::connect(&address).is_ok_and(|mut stream| {
            use std::io::{Read, Write};
            let mut answer = String::new();
            write!(
                stream,
                "GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"
            )
            .is_ok()
                && stream.read_to_string(&mut answer).is_ok()
                && answer.starts_with("HTTP/1.1 200")
        });
        if !ok {
            std::thread::sleep(std::time::Duration::from_millis(100));
        }
        ok
    });
    assert!(answered, "the service answers on {address}");
    child
}

/// Sends SIGTERM and waits, with a generous limit, for the process to end.
fn terminate(child: &mut std::process::Child) -> Option<std::process::ExitStatus> {
    let status = std::process::Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(status.success());
    for _ in 0..150 {
        if let Some(status) = child.try_wait().unwrap() {
            return Some(status);
        }
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
    let _ = child.kill();
    let _ = child.wait();
    None
}

#[test]
fn sigterm_stops_the_service_while_background_work_is_pending() {
    // The demo's 2020 grants owe reports long overdue by the system clock: the reminder
    // round starts at once, and its mail is written to files.
    let test_db = crate::helpers::TestDb::new();
    let outbox = tempfile::tempdir().unwrap();
    let outbox_dir = outbox.path().to_string_lossy().to_string();
    let mut child = start_binary(&test_db, &[("OUTBOX_DIR", &outbox_dir)]);
    let status = terminate(&mut child);
    assert!(status.is_some_and(|s| s.success()), "{status:?}");

    // An SMTP server that accepts the connection and never answers: the sender is inside a
    // send (lettre waits for the greeting) when SIGTERM comes, with mail still queued.
    let silent = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = silent.local_addr().unwrap().port().to_string();
    let mut child = start_binary(
        &test_db,
        &[
            ("SMTP_HOST", "127.0.0.1"),
            ("SMTP_PORT", &port),
            ("SMTP_TLS", "none"),
        ],
    );
    {
        let mut conn = test_db.connect().get().unwrap();
        for n in 0..5 {
            statsbidrag::outbox::queue(
                &mut conn,
                chrono::Utc::now(),
                statsbidrag::outbox::About::account(statsbidrag::outbox::kind::OTHER),
                &format!("mottagare{n}@example.org"),
                "Ärende",
                "Text.",
            )
            .unwrap();
        }
    }
    // Wait (up to a minute) until the sender has connected; keep the connection open.
    silent.set_nonblocking(true).unwrap();
    let mut held = None;
    for _ in 0..600 {
        if let Ok((stream, _)) = silent.accept() {
            held = Some(stream);
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
    assert!(held.is_some(), "the sender connected to the SMTP server");
    let status = terminate(&mut child);
    assert!(status.is_some(), "the process ended after SIGTERM");
    drop(held);
}
