//! The yardsticks of the load tests (scripts/load.py): what the machine does with no
//! service logic at all, measured in the same run as the service.
//!
//! - `GET /bare`: a bare actix-web handler answering a fixed JSON body of `--body-bytes`
//!   bytes (the load script passes the size of the allocation JSON it measures).
//! - `PUT /drafts/{n}`: a bare single-writer SQLite insert of the rows a draft save writes
//!   (answers, the years' sums, budget lines and staff lines replaced, the title set, an
//!   audit row), read from the same JSON body, in one `BEGIN IMMEDIATE` transaction on one
//!   connection behind a mutex, with the service's durability (WAL, `synchronous = FULL`).
//!
//! `cargo build --release --example baseline`, then
//! `target/release/examples/baseline --bind 127.0.0.1:8190 --db /tmp/baseline.sqlite3`.

use std::sync::{Arc, Mutex};

use actix_web::{App, HttpResponse, HttpServer, web};
use diesel::connection::SimpleConnection;
use diesel::prelude::*;
use diesel::sql_types::{BigInt, Integer, Text};
use diesel::sqlite::SqliteConnection;

struct Args {
    bind: String,
    db: String,
    body_bytes: usize,
}

fn args() -> Result<Args, String> {
    let mut parsed = Args {
        bind: "127.0.0.1:8190".into(),
        db: "target/baseline.sqlite3".into(),
        body_bytes: 1024,
    };
    let mut it = std::env::args().skip(1);
    while let Some(flag) = it.next() {
        let value = it.next().ok_or(format!("{flag} needs a value"))?;
        match flag.as_str() {
            "--bind" => parsed.bind = value,
            "--db" => parsed.db = value,
            "--body-bytes" => {
                parsed.body_bytes = value.parse().map_err(|e| format!("--body-bytes: {e}"))?
            }
            other => return Err(format!("unknown flag {other}")),
        }
    }
    Ok(parsed)
}

const SCHEMA: &str = "
PRAGMA journal_mode = WAL;
PRAGMA synchronous = FULL;
PRAGMA foreign_keys = ON;
CREATE TABLE IF NOT EXISTS drafts (id INTEGER PRIMARY KEY, project_title TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS answers (draft_id INTEGER NOT NULL REFERENCES drafts (id),
    section TEXT NOT NULL, body TEXT NOT NULL, PRIMARY KEY (draft_id, section));
CREATE TABLE IF NOT EXISTS years (draft_id INTEGER NOT NULL REFERENCES drafts (id),
    year INTEGER NOT NULL, requested_ore BIGINT NOT NULL, PRIMARY KEY (draft_id, year));
CREATE TABLE IF NOT EXISTS budget_lines (id TEXT PRIMARY KEY NOT NULL,
    draft_id INTEGER NOT NULL REFERENCES drafts (id), year INTEGER NOT NULL,
    category TEXT NOT NULL, amount_ore BIGINT NOT NULL, description TEXT NOT NULL,
    UNIQUE (draft_id, year, category));
CREATE INDEX IF NOT EXISTS budget_lines_draft ON budget_lines (draft_id);
CREATE TABLE IF NOT EXISTS staff_lines (id TEXT PRIMARY KEY NOT NULL,
    draft_id INTEGER NOT NULL REFERENCES drafts (id), year INTEGER NOT NULL,
    position INTEGER NOT NULL, role TEXT NOT NULL, fte_percent INTEGER NOT NULL,
    months INTEGER NOT NULL, cost_ore BIGINT NOT NULL, UNIQUE (draft_id, year, position));
CREATE INDEX IF NOT EXISTS staff_lines_draft ON staff_lines (draft_id);
CREATE TABLE IF NOT EXISTS audit_events (id TEXT PRIMARY KEY NOT NULL, occurred_at TEXT NOT NULL,
    action TEXT NOT NULL, entity_id TEXT, summary TEXT NOT NULL, details TEXT NOT NULL);
";

#[derive(serde::Deserialize, Default)]
struct Draft {
    #[serde(default)]
    project_title: String,
    #[serde(default)]
    answers: std::collections::BTreeMap<String, String>,
    #[serde(default)]
    budget: Vec<BudgetLine>,
    #[serde(default)]
    staff: Vec<StaffLine>,
}

#[derive(serde::Deserialize, Default)]
struct BudgetLine {
    #[serde(default)]
    year: String,
    #[serde(default)]
    category: String,
    #[serde(default)]
    amount: String,
    #[serde(default)]
    description: String,
}

#[derive(serde::Deserialize, Default)]
struct StaffLine {
    #[serde(default)]
    year: String,
    #[serde(default)]
    role: String,
    #[serde(default)]
    fte_percent: String,
    #[serde(default)]
    months: String,
    #[serde(default)]
    cost: String,
}

fn number(text: &str) -> i64 {
    text.trim().parse().unwrap_or(0)
}

fn save(conn: &mut SqliteConnection, draft_id: i32, draft: &Draft) -> QueryResult<()> {
    conn.batch_execute("BEGIN IMMEDIATE")?;
    let result = (|| {
        diesel::sql_query(
            "INSERT INTO drafts (id, project_title) VALUES (?, ?) \
             ON CONFLICT (id) DO UPDATE SET project_title = excluded.project_title",
        )
        .bind::<Integer, _>(draft_id)
        .bind::<Text, _>(&draft.project_title)
        .execute(conn)?;
        for table in ["answers", "years", "budget_lines", "staff_lines"] {
            diesel::sql_query(format!("DELETE FROM {table} WHERE draft_id = ?"))
                .bind::<Integer, _>(draft_id)
                .execute(conn)?;
        }
        for (section, body) in &draft.answers {
            diesel::sql_query("INSERT INTO answers (draft_id, section, body) VALUES (?, ?, ?)")
                .bind::<Integer, _>(draft_id)
                .bind::<Text, _>(section)
                .bind::<Text, _>(body)
                .execute(conn)?;
        }
        let mut years = std::collections::BTreeMap::<i32, i64>::new();
        for line in &draft.budget {
            let year = number(&line.year) as i32;
            let amount = number(&line.amount) * 100;
            *years.entry(year).or_insert(0) += amount;
            diesel::sql_query(
                "INSERT INTO budget_lines (id, draft_id, year, category, amount_ore, description) \
                 VALUES (?, ?, ?, ?, ?, ?)",
            )
            .bind::<Text, _>(uuid::Uuid::now_v7().to_string())
            .bind::<Integer, _>(draft_id)
            .bind::<Integer, _>(year)
            .bind::<Text, _>(&line.category)
            .bind::<BigInt, _>(amount)
            .bind::<Text, _>(&line.description)
            .execute(conn)?;
        }
        for (year, sum) in years {
            diesel::sql_query("INSERT INTO years (draft_id, year, requested_ore) VALUES (?, ?, ?)")
                .bind::<Integer, _>(draft_id)
                .bind::<Integer, _>(year)
                .bind::<BigInt, _>(sum)
                .execute(conn)?;
        }
        for (position, line) in draft.staff.iter().enumerate() {
            diesel::sql_query(
                "INSERT INTO staff_lines (id, draft_id, year, position, role, fte_percent, months, cost_ore) \
                 VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            )
            .bind::<Text, _>(uuid::Uuid::now_v7().to_string())
            .bind::<Integer, _>(draft_id)
            .bind::<Integer, _>(number(&line.year) as i32)
            .bind::<Integer, _>(position as i32)
            .bind::<Text, _>(&line.role)
            .bind::<Integer, _>(number(&line.fte_percent) as i32)
            .bind::<Integer, _>(number(&line.months) as i32)
            .bind::<BigInt, _>(number(&line.cost) * 100)
            .execute(conn)?;
        }
        diesel::sql_query(
            "INSERT INTO audit_events (id, occurred_at, action, entity_id, summary, details) \
             VALUES (?, ?, 'application.draft_saved', ?, 'Utkast sparat, version 1', ?)",
        )
        .bind::<Text, _>(uuid::Uuid::now_v7().to_string())
        .bind::<Text, _>(chrono::Utc::now().naive_utc().to_string())
        .bind::<Text, _>(draft_id.to_string())
        .bind::<Text, _>(format!(
            "{{\"version\":1,\"answers\":{}}}",
            draft.answers.len()
        ))
        .execute(conn)?;
        Ok(())
    })();
    match result {
        Ok(()) => conn.batch_execute("COMMIT"),
        Err(e) => {
            let _ = conn.batch_execute("ROLLBACK");
            Err(e)
        }
    }
}

type Shared = Arc<Mutex<SqliteConnection>>;

async fn bare(body: web::Data<String>) -> HttpResponse {
    HttpResponse::Ok()
        .content_type("application/json")
        .body(body.get_ref().clone())
}

async fn insert(
    conn: web::Data<Shared>,
    path: web::Path<i32>,
    body: web::Json<Draft>,
) -> HttpResponse {
    let conn = conn.get_ref().clone();
    let draft_id = path.into_inner();
    let result = web::block(move || match conn.lock() {
        Ok(mut c) => save(&mut c, draft_id, &body).map_err(|e| e.to_string()),
        Err(_) => Err("poisoned".to_string()),
    })
    .await;
    match result {
        Ok(Ok(())) => HttpResponse::Ok()
            .content_type("application/json")
            .body("{\"saved\":true}"),
        Ok(Err(e)) => HttpResponse::InternalServerError().body(e),
        Err(e) => HttpResponse::InternalServerError().body(e.to_string()),
    }
}

#[actix_web::main]
async fn main() -> std::io::Result<()> {
    let args = args().map_err(std::io::Error::other)?;
    let mut conn =
        SqliteConnection::establish(&args.db).map_err(|e| std::io::Error::other(e.to_string()))?;
    conn.batch_execute(SCHEMA)
        .map_err(|e| std::io::Error::other(e.to_string()))?;
    let shared: Shared = Arc::new(Mutex::new(conn));
    // A JSON array of the requested size, so that the body is realistic JSON.
    let mut body = String::from("[");
    while body.len() + 40 < args.body_bytes {
        body.push_str("{\"year\":2021,\"amount\":\"1234567.00\"},");
    }
    body.push_str("{\"year\":2021}]");
    let body = web::Data::new(body);
    let shared = web::Data::new(shared);
    println!("baseline on http://{}", args.bind);
    HttpServer::new(move || {
        App::new()
            .app_data(body.clone())
            .app_data(shared.clone())
            .app_data(web::JsonConfig::default().limit(1 << 20))
            .route("/bare", web::get().to(bare))
            .route("/drafts/{n}", web::put().to(insert))
    })
    .bind(&args.bind)?
    .run()
    .await
}
