//! The command line, run as an operator would: the real binary against a test database.

use std::io::Write;
use std::path::Path;
use std::process::{Command, Stdio};

use statsbidrag::db;

use crate::helpers::TestDb;

fn run(test_db: &TestDb, args: &[&str], stdin: Option<&str>) -> (bool, String, String) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_statsbidrag"))
        .args(args)
        .env("DATABASE_URL", &test_db.url)
        .env("RUST_LOG", "warn")
        .env_remove("DEMO_PASSWORD")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("run the binary");
    if let Some(input) = stdin {
        child
            .stdin
            .take()
            .unwrap()
            .write_all(input.as_bytes())
            .unwrap();
    } else {
        drop(child.stdin.take());
    }
    let out = child.wait_with_output().unwrap();
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stdout).to_string(),
        String::from_utf8_lossy(&out.stderr).to_string(),
    )
}

fn counts(test_db: &TestDb) -> (i64, i64) {
    let pool = test_db.connect();
    let mut conn = pool.get().unwrap();
    (
        db::organisations::count(&mut conn).unwrap(),
        db::accounts::count(&mut conn).unwrap(),
    )
}

fn fixtures_dir() -> &'static Path {
    Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/fixtures"))
}

/// A copy of the repository's fixtures with one file changed.
fn fixtures_with(file: &str, edit: impl Fn(String) -> String) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    for sub in ["", "calls", "demo"] {
        std::fs::create_dir_all(dir.path().join(sub)).unwrap();
        for entry in std::fs::read_dir(fixtures_dir().join(sub)).unwrap() {
            let entry = entry.unwrap();
            if entry.path().is_file() {
                let name = Path::new(sub).join(entry.file_name());
                let text = std::fs::read_to_string(entry.path()).unwrap();
                let text = if name == Path::new(file) {
                    edit(text)
                } else {
                    text
                };
                std::fs::write(dir.path().join(&name), text).unwrap();
            }
        }
    }
    dir
}

#[test]
fn migrate_then_load_fixtures_then_create_user() {
    let test_db = TestDb::new();
    let (ok, out, err) = run(&test_db, &["migrate"], None);
    assert!(ok, "{err}");
    let versions = std::fs::read_dir("migrations/sqlite").unwrap().count();
    assert!(
        out.contains(&format!("{versions} migrering(ar) körda")),
        "{out}"
    );

    let (ok, out, err) = run(
        &test_db,
        &["load-fixtures", fixtures_dir().to_str().unwrap()],
        None,
    );
    assert!(ok, "{err}");
    assert!(out.contains("22 organisationer"), "{out}");
    assert!(
        out.contains("sokande@skane.example"),
        "demo logins are printed: {out}"
    );
    assert_eq!(counts(&test_db), (22, 12));

    // The operator's first administrator; no one is given a role in an organisation from
    // the command line (issue 14).
    let (ok, out, err) = run(
        &test_db,
        &[
            "create-user",
            "--email",
            "Ny.Admin@Socialstyrelsen.example",
            "--role",
            "admin",
            "--name",
            "Ny Administratör",
            "--password-stdin",
        ],
        Some("ett tillräckligt långt lösenord\n"),
    );
    assert!(ok, "{err}");
    assert!(out.contains("ny.admin@socialstyrelsen.example"), "{out}");
    assert_eq!(counts(&test_db), (22, 13));
    let pool = test_db.connect();
    let mut conn = pool.get().unwrap();
    let user = db::accounts::find_by_email(&mut conn, "ny.admin@socialstyrelsen.example")
        .unwrap()
        .unwrap();
    assert!(statsbidrag::accounts::password::verify(
        "ett tillräckligt långt lösenord",
        &user.password_hash
    ));
}

#[test]
fn create_user_names_the_field_and_changes_nothing() {
    let test_db = TestDb::new();
    let (ok, _, err) = run(
        &test_db,
        &["load-fixtures", fixtures_dir().to_str().unwrap()],
        None,
    );
    assert!(ok, "{err}");
    let before = counts(&test_db);
    let cases: [(&[&str], &str); 3] = [
        (
            &["--email", "a@b.se", "--role", "superuser"],
            "--role: Okänd roll \"superuser\"",
        ),
        (
            &[
                "--email",
                "a@b.se",
                "--role",
                "applicant",
                "--org",
                "232100-0255",
            ],
            "--org",
        ),
        (
            &["--email", "inte-en-adress", "--role", "officer"],
            "--email: Ange en giltig e-postadress",
        ),
    ];
    for (args, expected) in cases {
        let mut full = vec!["create-user"];
        full.extend_from_slice(args);
        full.push("--password-stdin");
        let (ok, _, err) = run(&test_db, &full, Some("ett tillräckligt långt lösenord\n"));
        assert!(!ok, "{args:?} should fail");
        assert!(err.contains(expected), "{args:?}: {err}");
    }
    let (ok, _, err) = run(
        &test_db,
        &[
            "create-user",
            "--email",
            "a@b.se",
            "--role",
            "officer",
            "--password-stdin",
        ],
        Some("kort\n"),
    );
    assert!(!ok);
    assert!(
        err.contains("--password: Lösenordet måste ha minst 12 tecken."),
        "{err}"
    );
    assert_eq!(counts(&test_db), before);
}

#[test]
fn a_malformed_fixture_file_names_the_field_and_loads_nothing() {
    let test_db = TestDb::new();
    let (ok, _, err) = run(&test_db, &["migrate"], None);
    assert!(ok, "{err}");

    // A wrong check digit on one region.
    let dir = fixtures_with("organisations.csv", |t| {
        t.replace("232100-0131", "232100-0132")
    });
    let (ok, _, err) = run(
        &test_db,
        &["load-fixtures", dir.path().to_str().unwrap()],
        None,
    );
    assert!(!ok);
    assert!(
        err.contains("organisations.csv, rad 12, fält org_number"),
        "{err}"
    );
    assert!(err.contains("kontrollsiffran"), "{err}");
    assert!(err.contains("databasen är oförändrad"), "{err}");
    assert_eq!(counts(&test_db), (0, 0));

    // An unknown role among the demo accounts.
    let dir = fixtures_with("demo/accounts.toml", |t| {
        t.replacen("role = \"auditor\"", "role = \"revisorn\"", 1)
    });
    let (ok, _, err) = run(
        &test_db,
        &["load-fixtures", dir.path().to_str().unwrap()],
        None,
    );
    assert!(!ok);
    assert!(
        err.contains("demo/accounts.toml, account 4, fält role"),
        "{err}"
    );
    assert_eq!(
        counts(&test_db),
        (0, 0),
        "organisations written before the error are rolled back"
    );

    // A grant above what was applied for, found last of all.
    let dir = fixtures_with("demo/2020-applications.toml", |t| {
        t.replacen("amount_kr = 2_913_808", "amount_kr = 2_913_809", 1)
    });
    let (ok, _, err) = run(
        &test_db,
        &["load-fixtures", dir.path().to_str().unwrap()],
        None,
    );
    assert!(!ok);
    assert!(err.contains("application 1, decision"), "{err}");
    assert!(err.contains("högre än det sökta"), "{err}");
    assert_eq!(counts(&test_db), (0, 0));

    // Broken TOML syntax.
    let dir = fixtures_with("calls/2020-integrerad-vard.toml", |t| {
        t.replace("max_recipients = 4", "max_recipients = ")
    });
    let (ok, _, err) = run(
        &test_db,
        &["load-fixtures", dir.path().to_str().unwrap()],
        None,
    );
    assert!(!ok);
    assert!(
        err.contains("calls/2020-integrerad-vard.toml, rad"),
        "{err}"
    );
    assert_eq!(counts(&test_db), (0, 0));
}

#[test]
fn a_bad_database_url_is_explained() {
    let test_db = TestDb::new();
    let out = Command::new(env!("CARGO_BIN_EXE_statsbidrag"))
        .arg("migrate")
        .env("DATABASE_URL", "dbname=x")
        .output()
        .unwrap();
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("postgres://"), "{err}");
    drop(test_db);
}

#[test]
fn help_shows_no_secret_from_the_environment() {
    let out = Command::new(env!("CARGO_BIN_EXE_statsbidrag"))
        .arg("--help")
        .env(
            "DATABASE_URL",
            "postgres://statsbidrag:db-hemlighet@db.example/sb",
        )
        .env("DEMO_PASSWORD", "demo-hemlighet")
        .env("SMTP_PASSWORD", "smtp-hemlighet")
        .output()
        .unwrap();
    assert!(out.status.success());
    let help = String::from_utf8_lossy(&out.stdout);
    assert!(help.contains("DATABASE_URL"), "{help}");
    for secret in ["db-hemlighet", "demo-hemlighet", "smtp-hemlighet"] {
        assert!(!help.contains(secret), "--help shows {secret}:\n{help}");
    }
    // Nor does the message about a mistyped URL.
    let out = Command::new(env!("CARGO_BIN_EXE_statsbidrag"))
        .arg("migrate")
        .env(
            "DATABASE_URL",
            "postgress://statsbidrag:db-hemlighet@db.example/sb",
        )
        .output()
        .unwrap();
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("postgres://"), "{err}");
    assert!(!err.contains("db-hemlighet"), "{err}");
}

/// Starts `serve` on a free port with `env`, waits until it answers, stops it, and returns
/// what it printed.
fn serve_once(test_db: &TestDb, env: &[(&str, &str)]) -> String {
    use std::io::{BufRead, BufReader};
    let outbox = tempfile::tempdir().unwrap();
    let mut command = Command::new(env!("CARGO_BIN_EXE_statsbidrag"));
    command
        .env("DATABASE_URL", &test_db.url)
        .env("BIND_ADDRESS", "127.0.0.1:0")
        .env("OUTBOX_DIR", outbox.path())
        .env("RUST_LOG", "warn")
        .env_remove("LOAD_DEMO")
        .env_remove("DEMO_PASSWORD")
        .stdout(Stdio::piped())
        .stderr(Stdio::null());
    for (k, v) in env {
        command.env(k, v);
    }
    let mut child = command.spawn().unwrap();
    let stdout = child.stdout.take().unwrap();
    let mut printed = String::new();
    for line in BufReader::new(stdout).lines() {
        let line = line.unwrap();
        printed.push_str(&line);
        printed.push('\n');
        if line.starts_with("Tjänsten svarar på") {
            break;
        }
    }
    let _ = child.kill();
    let _ = child.wait();
    printed
}

#[test]
fn demo_accounts_only_by_default_on_the_embedded_database() {
    let test_db = TestDb::new();
    let printed = serve_once(&test_db, &[]);
    let (organisations, accounts) = counts(&test_db);
    assert!(organisations >= 21, "the regions: {printed}");
    if test_db.is_postgres() {
        // Production: reference data, but no demo account and no printed password.
        assert_eq!(accounts, 0, "{printed}");
        assert!(!printed.contains("Demokonton"), "{printed}");
    } else {
        assert!(accounts > 0, "{printed}");
        assert!(printed.contains("Demokonton"), "{printed}");
    }

    // Asked for explicitly, PostgreSQL gets them too (and SQLite can do without).
    let test_db = TestDb::new();
    let wanted = if test_db.is_postgres() {
        "true"
    } else {
        "false"
    };
    let printed = serve_once(&test_db, &[("LOAD_DEMO", wanted)]);
    let (_, accounts) = counts(&test_db);
    assert_eq!(accounts > 0, test_db.is_postgres(), "{printed}");
}

#[test]
fn logs_to_a_file_carry_no_colour_codes_and_no_secrets() {
    use std::io::{BufRead, BufReader, Read};
    let test_db = TestDb::new();
    let outbox = tempfile::tempdir().unwrap();
    let log = tempfile::NamedTempFile::new().unwrap();
    let mut child = Command::new(env!("CARGO_BIN_EXE_statsbidrag"))
        .env("DATABASE_URL", &test_db.url)
        .env("BIND_ADDRESS", "127.0.0.1:0")
        .env("OUTBOX_DIR", outbox.path())
        .env("RUST_LOG", "info")
        .env("LOAD_DEMO", "false")
        .env_remove("NO_COLOR")
        .stdout(Stdio::piped())
        .stderr(log.reopen().unwrap())
        .spawn()
        .unwrap();
    let stdout = child.stdout.take().unwrap();
    let mut address = None;
    for line in BufReader::new(stdout).lines() {
        let line = line.unwrap();
        if let Some(rest) = line.strip_prefix("Tjänsten svarar på") {
            address = rest
                .trim()
                .trim_start_matches("http://")
                .split('/')
                .next()
                .map(str::to_string);
            break;
        }
    }
    // Requests, so that the request log writes lines too: one with a secret-looking token
    // in its path and an address in its query, which the log must not repeat.
    let address = address.expect("the service says where it answers");
    let get = |target: &str| {
        let mut stream = std::net::TcpStream::connect(&address).unwrap();
        write!(
            stream,
            "GET {target} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"
        )
        .unwrap();
        let mut answer = String::new();
        stream.read_to_string(&mut answer).unwrap();
        answer
    };
    let answer = get("/healthz");
    assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
    let token = "Qw7rT2yU9iO3pA5sD8fG1hJ4kL6zX0cV";
    let answer = get(&format!(
        "/valj-losenord/{token}/finns-inte?epost=anna.hemlig"
    ));
    assert!(answer.starts_with("HTTP/1.1 404"), "{answer}");
    std::thread::sleep(std::time::Duration::from_millis(300));
    let _ = child.kill();
    let _ = child.wait();
    let written = std::fs::read_to_string(log.path()).unwrap();
    assert!(written.contains("INFO"), "something was logged: {written}");
    assert!(
        !written.contains('\u{1b}'),
        "no terminal escape codes in a log file: {written:?}"
    );
    assert!(written.contains("/valj-losenord/[dold]"), "{written}");
    assert!(!written.contains(token), "no token in the log: {written}");
    assert!(
        !written.contains("anna.hemlig"),
        "no query values: {written}"
    );
}
