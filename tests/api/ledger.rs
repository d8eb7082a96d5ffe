//! The money kept per call, organisation and year (`db::money_figures`, issue 12) agrees
//! with the rows it sums: after the demo story, after generated data, and after the flows
//! of the other tests (decisions, top-ups, changes, revocations, payments paid and
//! cancelled, repayment claims received), which end with [`assert_consistent`]. The
//! recomputation is the old one, from the source rows (`dashboard::figures_from_sources`,
//! `money_figures::org_years`, `payments::totals_from_rows`, `calls::allocation_source`),
//! and the migration's own set-based build (`money_figures::rebuild_all`) must give the
//! very rows kept.
//! Also: the call page and the public JSON and CSV give the allocation table a page at a
//! time.

use std::collections::BTreeMap;

use statsbidrag::db::money_figures::{self, Money};
use statsbidrag::db::{self, DbConnection};
use statsbidrag::{allocation, calls, dashboard};

use crate::helpers::{OFFICER, TestApp, spawn_app, spawn_app_at};

type Snapshot = Vec<(
    String,
    BTreeMap<i32, Money>,
    BTreeMap<(String, i32), Money>,
    Vec<(String, String, String)>,
)>;

fn snapshot(conn: &mut DbConnection) -> Snapshot {
    let calls = db::calls::list_calls(conn, &[]).unwrap();
    calls
        .into_iter()
        .map(|call| {
            let years = money_figures::call_years(conn, &call.id).unwrap();
            let orgs = money_figures::kept_org_years(conn, &call.id).unwrap();
            let mut recipients =
                money_figures::recipients_page(conn, &call.id, i64::MAX, 0).unwrap();
            recipients.sort();
            (call.id, years, orgs, recipients)
        })
        .collect()
}

fn sorted<T: Ord>(mut v: Vec<T>) -> Vec<T> {
    v.sort();
    v
}

/// The kept figures of every call are those its rows give, figure by figure.
pub fn assert_consistent(app: &TestApp) {
    let mut conn = app.conn();
    let conn: &mut DbConnection = &mut conn;
    for call in db::calls::list_calls(conn, &[]).unwrap() {
        let id = call.id.as_str();
        // The allocation table's pager: the kept count of recipients.
        assert_eq!(
            money_figures::recipient_count(conn, id).unwrap(),
            money_figures::recipient_count_from_rows(conn, id).unwrap(),
            "the recipients of {}",
            call.code
        );
        // The dashboard, year by year.
        assert_eq!(
            dashboard::figures(conn, id).unwrap(),
            dashboard::figures_from_sources(conn, id).unwrap(),
            "the dashboard of {}",
            call.code
        );
        // Every organisation's year; a kept row without sources holds nothing.
        let kept = money_figures::kept_org_years(conn, id).unwrap();
        let summed = money_figures::org_years(conn, id).unwrap();
        for (key, row) in &summed {
            assert_eq!(
                kept.get(key).map(Money::org_year),
                Some(*row),
                "{} {key:?}",
                call.code
            );
        }
        for (key, m) in &kept {
            if !summed.contains_key(key) {
                assert_eq!(m.org_year(), Default::default(), "{} {key:?}", call.code);
            }
        }
        // The years' sums are the organisations' sums, `returned` included.
        let years = money_figures::call_years(conn, id).unwrap();
        let returned = dashboard::returned_by_year(&summed);
        for (year, m) in &years {
            assert_eq!(
                statsbidrag::money::Ore::from_ore(m.returned),
                returned.get(year).copied().unwrap_or_default(),
                "returned {} {year}",
                call.code
            );
        }
        // Payment totals, of the call and of each organisation in it.
        assert_eq!(
            sorted(db::payments::totals(conn, Some(id), None).unwrap()),
            sorted(db::payments::totals_from_rows(conn, Some(id), None).unwrap()),
            "payments of {}",
            call.code
        );
        for (org, _) in kept.keys() {
            for call_id in [Some(id), None] {
                assert_eq!(
                    sorted(db::payments::totals(conn, call_id, Some(org)).unwrap()),
                    sorted(db::payments::totals_from_rows(conn, call_id, Some(org)).unwrap()),
                    "payments of {org}"
                );
            }
        }
        // The kept number of payments (triggers, migration 000017), of the call and of each
        // organisation, against counting the rows; and the list pages in the kept order.
        assert_eq!(
            db::payments::count(conn, Some(id), None).unwrap(),
            db::payments::count_rows(conn, Some(id), None).unwrap(),
            "the number of payments of {}",
            call.code
        );
        for (org, _) in kept.keys() {
            assert_eq!(
                db::payments::count(conn, None, Some(org)).unwrap(),
                db::payments::count_rows(conn, None, Some(org)).unwrap(),
                "the number of payments of {org}"
            );
        }
        let listed = db::payments::list(conn, Some(id), None, i64::MAX / 2, 0).unwrap();
        assert_eq!(
            listed.len() as i64,
            db::payments::count_rows(conn, Some(id), None).unwrap()
        );
        // The recipient and the decision's number are copies on the payment (migrations
        // 000017 and 000023): they match the organisation and the decision.
        for (payment, recipient, registration_number) in &listed {
            let organisation = db::organisations::find(conn, &payment.organisation_id)
                .unwrap()
                .unwrap();
            assert_eq!(
                (&recipient.name, &recipient.org_number),
                (&organisation.name, &organisation.org_number)
            );
            let decision = db::decisions::find(conn, &payment.decision_id)
                .unwrap()
                .unwrap();
            assert_eq!(registration_number, &decision.registration_number);
        }
        for pair in listed.windows(2) {
            let (a, b) = (&pair[0], &pair[1]);
            assert!(
                (a.0.due_on, a.1.name.as_bytes()) <= (b.0.due_on, b.1.name.as_bytes()),
                "payments of {} by due day and name: {} {} before {} {}",
                call.code,
                a.0.due_on,
                a.1.name,
                b.0.due_on,
                b.1.name
            );
        }
        // The allocation table, every recipient at once.
        let source = db::calls::allocation_source(conn, id).unwrap().unwrap();
        let mut recomputed = allocation::build(&source.years, &source.signed);
        let (mut table, total) =
            calls::allocation_page(conn, id, &source.years, i64::MAX / 2, 0).unwrap();
        assert_eq!(total, recomputed.rows.len() as i64, "{}", call.code);
        // The database sorts names by its collation, Rust by bytes: compared as sets.
        let key = |r: &allocation::AllocationRow| {
            (r.organisation_name.clone(), r.organisation_id.clone())
        };
        table.rows.sort_by_key(key);
        recomputed.rows.sort_by_key(key);
        assert_eq!(table, recomputed, "the allocation table of {}", call.code);
        // The start page's sums.
        let totals = calls::allocation_totals(conn, id, &source.years).unwrap();
        assert_eq!(totals.granted, recomputed.granted);
        assert_eq!(totals.remaining, recomputed.remaining);
    }
    // Built afresh from every row, the kept rows come out the same.
    let kept = snapshot(conn);
    db::write_tx(conn, money_figures::rebuild_all).unwrap();
    assert_eq!(snapshot(conn), kept, "the kept rows differ from a rebuild");
}

fn at(s: &str) -> chrono::DateTime<chrono::Utc> {
    s.parse().unwrap()
}

#[actix_web::test]
async fn the_demo_story_keeps_its_money_figures() {
    let app = spawn_app().await;
    let call_id = app.call_id().await;
    assert_consistent(&app);
    // Paying the 2021 payments moves the kept figures with them.
    app.clock.set(at("2021-01-15T09:00:00Z"));
    let csrf = app.api_login(OFFICER).await;
    let (_, list) = app
        .get_json(&format!("/api/v1/calls/{call_id}/payments"))
        .await;
    let ids: Vec<String> = list
        .as_array()
        .unwrap()
        .iter()
        .filter(|p| p["year"] == 2021)
        .map(|p| p["id"].as_str().unwrap().to_string())
        .collect();
    assert!(!ids.is_empty());
    let response = app
        .client
        .post(app.url("/api/v1/payments/mark-paid"))
        .header("X-CSRF-Token", &csrf)
        .json(
            &serde_json::json!({"payment_ids": ids, "paid_on": "2021-01-15", "reference": "VER-1"}),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(response.status().as_u16(), 200);
    assert_consistent(&app);
}

#[actix_web::test]
async fn the_demo_past_keeps_its_money_figures() {
    let app = spawn_app_at(at("2022-02-01T09:00:00Z")).await;
    assert_consistent(&app);
}

#[actix_web::test]
async fn a_large_call_shows_its_allocation_a_page_at_a_time() {
    let (app, report) = crate::generate::generated_app(500).await;
    assert_consistent(&app);
    let call_id = report.decided_call_id.clone();
    let recipients = {
        let mut conn = app.conn();
        money_figures::recipient_count(&mut conn, &call_id).unwrap()
    };
    assert!(recipients > 100, "{recipients} recipients");

    // The call page: the first hundred recipients, the sums of all, links to the others.
    let (status, first) = app.get_text(&format!("/utlysningar/{call_id}")).await;
    assert_eq!(status, 200);
    assert!(first.contains("Sidor i fördelningstabellen"), "{first}");
    assert!(first.contains("?sida=2#fordelning"), "{first}");
    assert!(
        first.contains(&format!("av {recipients}, sida 1 av")),
        "{first}"
    );
    let (status, second) = app
        .get_text(&format!("/utlysningar/{call_id}?sida=2"))
        .await;
    assert_eq!(status, 200);
    assert!(second.contains("mottagare 101–"), "{second}");
    assert!(second.contains("aria-current=\"page\"><span class=\"visually-hidden\">Sida </span>2"));
    // Past the last page: the sums still, no rows, and no error; nonsense is page 1.
    let (status, far) = app
        .get_text(&format!("/utlysningar/{call_id}?sida=999"))
        .await;
    assert_eq!(status, 200);
    assert!(far.contains("Till första sidan"), "{far}");
    for nonsense in ["x", "-3", "99999999999999999999"] {
        let (status, page) = app
            .get_text(&format!("/utlysningar/{call_id}?sida={nonsense}"))
            .await;
        assert_eq!(status, 200, "{nonsense}");
        assert!(
            page.contains(&format!("av {recipients}, sida 1 av")),
            "{nonsense}"
        );
    }

    // The public JSON: pages with X-Total-Count and a Link to the next one.
    let response = app
        .get(&format!("/api/v1/calls/{call_id}/allocation?limit=100"))
        .await;
    assert_eq!(response.status().as_u16(), 200);
    assert_eq!(
        response.headers()["x-total-count"].to_str().unwrap(),
        recipients.to_string()
    );
    let link = response.headers()["link"].to_str().unwrap().to_string();
    assert!(link.contains("limit=100&offset=100"), "{link}");
    assert!(link.ends_with("rel=\"next\""), "{link}");
    let page1: serde_json::Value = response.json().await.unwrap();
    assert_eq!(page1["recipients"].as_array().unwrap().len(), 100);
    let whole: serde_json::Value = app
        .get(&format!("/api/v1/calls/{call_id}/allocation"))
        .await
        .json()
        .await
        .unwrap();
    // Left out, the page holds them all (up to 1 000), with the same sums.
    assert_eq!(
        whole["recipients"].as_array().unwrap().len() as i64,
        recipients
    );
    assert_eq!(whole["years"], page1["years"]);
    assert_eq!(whole["granted_total"], page1["granted_total"]);
    let response = app
        .get(&format!(
            "/api/v1/calls/{call_id}/allocation?limit=100&offset={}",
            recipients - 1
        ))
        .await;
    assert!(response.headers().get("link").is_none());
    let last: serde_json::Value = response.json().await.unwrap();
    assert_eq!(last["recipients"].as_array().unwrap().len(), 1);
    assert_eq!(
        last["recipients"][0],
        whole["recipients"][(recipients - 1) as usize]
    );
    for bad in ["limit=0", "limit=1001", "offset=-1", "limit=x"] {
        let response = app
            .get(&format!("/api/v1/calls/{call_id}/allocation?{bad}"))
            .await;
        assert!(
            [400, 422].contains(&response.status().as_u16()),
            "{bad}: {}",
            response.status()
        );
    }

    // The CSV: every recipient, then the three rows of sums.
    let response = app
        .get(&format!("/utlysningar/{call_id}/fordelning.csv"))
        .await;
    assert_eq!(response.status().as_u16(), 200);
    let csv = response.text().await.unwrap();
    let lines: Vec<&str> = csv.trim_end().split("\r\n").collect();
    assert_eq!(lines.len() as i64, 1 + recipients + 3, "{csv}");
    assert!(lines[0].starts_with("\u{feff}Mottagare;"), "{}", lines[0]);
    assert!(lines[lines.len() - 3].starts_with("Summa beviljat;"));
}
