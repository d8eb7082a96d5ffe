//! The fixtures themselves: complete, faithful to their sources, and loaded only once.

use std::collections::BTreeSet;
use std::path::Path;

use statsbidrag::fixtures;

use crate::helpers::spawn_app;

fn normalise(text: &str) -> String {
    // The source is text extracted from a PDF with HTML-ish markup: drop tags and list
    // dashes, join the word the page break split, and compare words only.
    let mut out = String::new();
    let mut in_tag = false;
    for c in text.chars() {
        match c {
            '<' => in_tag = true,
            '>' => {
                in_tag = false;
                out.push(' ');
            }
            _ if !in_tag => out.push(c),
            _ => {}
        }
    }
    out.replace("So-\n\ncialstyrelsen", "Socialstyrelsen")
        .replace(" - ", " ")
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
}

#[test]
fn the_expected_results_are_word_for_word_bilaga_1() {
    let source = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/fixtures/sources/bilaga-1-2020-06-30.txt"
    ))
    .unwrap();
    let source = normalise(&source);
    let call: toml::Value = toml::from_str(
        &std::fs::read_to_string(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/fixtures/calls/2020-integrerad-vard.toml"
        ))
        .unwrap(),
    )
    .unwrap();
    let results = call["expected_results"].as_array().unwrap();
    assert_eq!(
        results
            .iter()
            .filter(|r| r["year"].as_integer() == Some(2021))
            .count(),
        7
    );
    assert_eq!(
        results
            .iter()
            .filter(|r| r["year"].as_integer() == Some(2022))
            .count(),
        7
    );
    for result in results {
        let title = result["title"].as_str().unwrap();
        if !title.is_empty() {
            assert!(
                source.contains(&normalise(title)),
                "title not in source: {title}"
            );
        }
        for block in result["body"].as_str().unwrap().split("\n\n") {
            for line in block.lines() {
                let line = line
                    .trim()
                    .trim_start_matches("- ")
                    .trim_start_matches("* ");
                assert!(source.contains(&normalise(line)), "not in source: {line}");
            }
        }
    }
    let intro = call["annex_intro"].as_str().unwrap();
    for paragraph in intro.split("\n\n") {
        assert!(
            source.contains(&normalise(paragraph)),
            "intro not in source: {paragraph}"
        );
    }
    assert!(source.contains(&normalise(call["annex_title"].as_str().unwrap())));
}

#[test]
fn the_embedded_list_is_the_fixture_folder() {
    let root = Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/fixtures"));
    let mut on_disk = BTreeSet::new();
    for sub in ["", "calls", "demo"] {
        for entry in std::fs::read_dir(root.join(sub)).unwrap() {
            let path = entry.unwrap().path();
            let name = path
                .strip_prefix(root)
                .unwrap()
                .to_string_lossy()
                .to_string();
            if name.ends_with(".toml") || name.ends_with(".csv") {
                on_disk.insert(name);
            }
        }
    }
    let embedded: BTreeSet<String> = fixtures::EMBEDDED
        .iter()
        .map(|(n, _)| n.to_string())
        .collect();
    assert_eq!(embedded, on_disk);
}

#[actix_web::test]
async fn loading_the_fixtures_twice_is_refused_and_changes_nothing() {
    let app = spawn_app().await;
    let set = fixtures::embedded().unwrap();
    let mut conn = app.conn();
    let before = statsbidrag::db::organisations::count(&mut conn).unwrap();
    let err = fixtures::load(&mut conn, &set, &Default::default(), app.clock_now()).unwrap_err();
    assert_eq!(err.file, "organisations.csv");
    assert_eq!(err.field, "org_number");
    assert!(err.message.contains("finns redan"));
    assert_eq!(
        statsbidrag::db::organisations::count(&mut conn).unwrap(),
        before
    );
}

#[actix_web::test]
async fn without_demo_only_reference_data_is_loaded() {
    let app = crate::helpers::spawn_app_with(false).await;
    let mut conn = app.conn();
    assert_eq!(
        statsbidrag::db::organisations::count(&mut conn).unwrap(),
        22
    );
    assert_eq!(statsbidrag::db::accounts::count(&mut conn).unwrap(), 0);
    let (_, allocation) = app
        .get_json(&format!("/api/v1/calls/{}/allocation", app.call_id().await))
        .await;
    assert_eq!(allocation["granted_total"], "0");
    assert_eq!(allocation["remaining_total"], "30000000");
}
