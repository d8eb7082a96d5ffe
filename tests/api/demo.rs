//! The 2020 case as the agency saw it on 30 June 2020.

use crate::helpers::{OFFICER, nbsp, spawn_app};

#[actix_web::test]
async fn the_officer_sees_tabell_1_with_sums_and_what_remains() {
    let app = spawn_app().await;
    app.login(OFFICER).await;

    let (status, home) = app.get_text("/").await;
    assert_eq!(status, 200);
    assert!(home.contains("Statsbidrag till regioner för pilotprojekt SiS integrerad vård"));
    for (year, granted, remaining) in [
        (2021, "11 089 785 kr", "3 910 215 kr"),
        (2022, "11 477 779 kr", "3 522 221 kr"),
    ] {
        let expected = format!(
            "{year}:</strong> {} av {}, återstår {}",
            nbsp(granted),
            nbsp("15 000 000 kr"),
            nbsp(remaining)
        );
        assert!(home.contains(&expected), "start page lacks {expected}");
    }

    let call_id = app.call_id().await;
    let (status, page) = app.get_text(&format!("/utlysningar/{call_id}")).await;
    assert_eq!(status, 200);
    assert!(
        page.contains(&nbsp("2 913 808 kr")),
        "amounts use no-break spaces"
    );
    let page = page.replace('\u{a0}', " ");
    for expected in [
        "Region Skåne",
        "2 913 808 kr",
        "3 363 938 kr",
        "Västra Götalandsregionen",
        "4 996 873 kr",
        "Region Östergötland",
        "3 179 104 kr",
        "3 116 968 kr",
        "11 089 785 kr",
        "11 477 779 kr",
        "3 910 215 kr",
        "3 522 221 kr",
    ] {
        assert!(page.contains(expected), "call page lacks {expected}");
    }
    // The rejected applicant is in the list of applications, not among the recipients.
    let table_end = page.find("</table>").unwrap();
    assert!(!page[..table_end].contains("Region Stockholm"));
    assert!(page[table_end..].contains("Region Stockholm"));
}

#[actix_web::test]
async fn the_allocation_api_equals_tabell_1_to_the_krona() {
    let app = spawn_app().await;
    let call_id = app.call_id().await;
    let (status, body) = app
        .get_json(&format!("/api/v1/calls/{call_id}/allocation"))
        .await;
    assert_eq!(status, 200, "open data needs no login");
    let years = body["years"].as_array().unwrap();
    let year = |y: i64| years.iter().find(|x| x["year"] == y).unwrap();
    assert_eq!(year(2021)["ceiling"], "15000000");
    assert_eq!(year(2021)["granted"], "11089785");
    assert_eq!(year(2021)["remaining"], "3910215");
    assert_eq!(year(2022)["granted"], "11477779");
    assert_eq!(year(2022)["remaining"], "3522221");

    let recipients = body["recipients"].as_array().unwrap();
    assert_eq!(recipients.len(), 3);
    let amounts = |name: &str| -> Vec<String> {
        let r = recipients
            .iter()
            .find(|r| r["organisation_name"] == name)
            .unwrap_or_else(|| panic!("{name} missing"));
        r["amounts"]
            .as_array()
            .unwrap()
            .iter()
            .map(|a| a["amount"].as_str().unwrap().to_string())
            .collect()
    };
    assert_eq!(amounts("Region Skåne"), ["2913808", "3363938"]);
    assert_eq!(amounts("Västra Götalandsregionen"), ["4996873", "4996873"]);
    assert_eq!(amounts("Region Östergötland"), ["3179104", "3116968"]);
    assert_eq!(body["granted_total"], "22567564");
}

#[actix_web::test]
async fn the_rejection_and_the_grants_read_on_their_cases() {
    let app = spawn_app().await;
    app.login(OFFICER).await;
    let stockholm = app.application_id_of("232100-0016");
    let (status, page) = app.get_text(&format!("/ansokningar/{stockholm}")).await;
    assert_eq!(status, 200);
    assert!(page.contains("Avslag 2020-06-30"));
    assert!(page.contains("förankring för projektet hos SiS på central nivå"));
    assert!(page.contains(
        "I detta ärende har Eva Sandberg beslutat. Karin Lindqvist har varit föredragande."
    ));

    let skane = app.application_id_of("232100-0255");
    let (_, body) = app.get_json(&format!("/api/v1/applications/{skane}")).await;
    assert_eq!(body["status"], "decided");
    assert!(
        body["registration_number"]
            .as_str()
            .unwrap()
            .starts_with("SB-2020-")
    );
    assert_eq!(body["decisions"][0]["kind"], "grant");
    assert_eq!(body["decisions"][0]["decided_on"], "2020-06-30");
    assert_eq!(body["decisions"][0]["amounts"][0]["amount"], "2913808");
    assert_eq!(body["versions"].as_array().unwrap().len(), 1);
    assert_eq!(body["versions"][0]["answers"].as_array().unwrap().len(), 5);
}

#[actix_web::test]
async fn every_applying_region_and_role_has_a_demo_login() {
    let app = spawn_app().await;
    for email in [
        "handlaggare@socialstyrelsen.example",
        "beslutsfattare@socialstyrelsen.example",
        "revisor@revision.example",
        "admin@socialstyrelsen.example",
        "sokande@skane.example",
        "sokande@vgregion.example",
        "sokande@ostergotland.example",
        "sokande@stockholm.example",
    ] {
        let client = crate::helpers::new_client();
        let response = client
            .post(app.url("/api/v1/session"))
            .json(&serde_json::json!({ "email": email, "password": crate::helpers::PASSWORD }))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status().as_u16(), 200, "{email}");
    }
}

/// The demo accounts are hashed side by side at the first start, all with one
/// `DEMO_PASSWORD` here: still one argon2id hash with a salt of its own per account, so that
/// no two stored hashes are alike, and every one opens its account (above).
#[actix_web::test]
async fn demo_accounts_share_a_password_but_no_salt() {
    let app = spawn_app().await;
    let users = statsbidrag::db::accounts::list(&mut app.conn()).unwrap();
    assert!(users.len() >= 8, "{} accounts", users.len());
    let mut salts = std::collections::BTreeSet::new();
    for user in &users {
        assert!(
            user.password_hash.starts_with("$argon2id$"),
            "{}: {}",
            user.email,
            user.password_hash
        );
        // $argon2id$v=19$m=…,t=…,p=…$SALT$HASH
        let salt = user.password_hash.split('$').nth(4).unwrap().to_string();
        assert!(salts.insert(salt), "{} shares a salt", user.email);
    }
}
