//! Copying a call: the 2020 demo call, whose Bilaga 1 has results headed by their area
//! alone, copies as written, through the API and the call page's button.

use serde_json::Value;

use crate::helpers::{OFFICER, csrf_from, spawn_app};

/// The expected results without their ids, which a copy gives anew.
fn results(call: &Value) -> Vec<Value> {
    call["expected_results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            let mut r = r.clone();
            r.as_object_mut().unwrap().remove("id");
            r
        })
        .collect()
}

#[actix_web::test]
async fn the_2020_demo_call_copies_with_its_results_as_written() {
    let app = spawn_app().await;
    let call_id = app.call_id().await;
    let (_, source) = app.get_json(&format!("/api/v1/calls/{call_id}")).await;
    let untitled: Vec<&Value> = source["expected_results"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["title"] == "")
        .collect();
    assert_eq!(
        untitled.len(),
        2,
        "the demo call has two results without a title"
    );
    assert!(untitled.iter().all(|r| r["area"] != ""));

    // The call page's button.
    app.login(OFFICER).await;
    let (status, page) = app.get_text(&format!("/utlysningar/{call_id}")).await;
    assert_eq!(status, 200);
    assert!(page.contains(&format!("/utlysningar/{call_id}/kopiera")));
    let response = app
        .client
        .post(app.url(&format!("/utlysningar/{call_id}/kopiera")))
        .form(&[("csrf_token", csrf_from(&page).as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status().as_u16(), 303);
    let edit = response.headers()["location"].to_str().unwrap().to_string();
    let (status, page) = app.get_text(&edit).await;
    assert_eq!(status, 200, "{page}");
    assert!(page.contains("Deltagande i samordningen av utvecklingsarbetet"));
    let first_id = edit.split('/').nth(2).unwrap();
    let (_, first) = app.get_json(&format!("/api/v1/calls/{first_id}")).await;
    assert_eq!(results(&first), results(&source));

    // The API.
    let csrf = app.api_login(OFFICER).await;
    let (status, copy) = app
        .post_json(&csrf, &format!("/api/v1/calls/{call_id}/copy"), Value::Null)
        .await;
    assert_eq!(status, 201, "{copy}");
    assert_eq!(copy["status"], "draft");
    assert_eq!(
        copy["title"],
        format!("{} (kopia)", source["title"].as_str().unwrap())
    );
    assert_eq!(results(&copy), results(&source));
}
