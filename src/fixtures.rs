//! Reference and demo data from readable text files (see `fixtures/README.md`).
//!
//! Loading is all or nothing: every file is parsed and checked first, then everything is
//! written in one transaction. Any error names the file, the place in it and the field, and
//! leaves the database as it was.

use std::collections::BTreeMap;
use std::fmt;
use std::path::Path;

use chrono::{DateTime, NaiveDate, NaiveDateTime, Utc};
use serde::Deserialize;
use serde_json::json;

use crate::accounts::{self, Actor, NewAccount};
use crate::audit::{self, action};
use crate::clock;
use crate::codes::{
    ApplicationKind, ApplicationStatus, CallStatus, DecisionKind, DecisionStatus, NumberStatus,
    OrgKind, Role, VersionStatus,
};
use crate::db::applications::{Answer, Application, Version, YearRequest};
use crate::db::calls::{
    Call, CallDefinition, CallSection, CallYear, CostCategory, Criterion, ExpectedResult, Programme,
};
use crate::db::decisions::{Decision, DecisionYear};
use crate::db::organisations::Organisation;
use crate::db::{self, DbConnection};
use crate::decisions;
use crate::error::AppError;
use crate::money::Ore;
use crate::orgnr::OrgNumber;

/// The repository's own fixtures, built into the binary so that `serve` can load them on an
/// empty database from any working directory. A test checks that this list matches the
/// `fixtures/` folder.
pub const EMBEDDED: &[(&str, &str)] = &[
    (
        "organisations.csv",
        include_str!("../fixtures/organisations.csv"),
    ),
    (
        "programmes.toml",
        include_str!("../fixtures/programmes.toml"),
    ),
    (
        "calls/2020-integrerad-vard.toml",
        include_str!("../fixtures/calls/2020-integrerad-vard.toml"),
    ),
    (
        "demo/accounts.toml",
        include_str!("../fixtures/demo/accounts.toml"),
    ),
    (
        "demo/2020-applications.toml",
        include_str!("../fixtures/demo/2020-applications.toml"),
    ),
    // Not loaded into the database: the agency's contact details, read at start
    // (`agency`). Listed so that the binary has every file of the folder.
    ("agency.toml", crate::agency::SOURCE),
];

/// What went wrong, and exactly where.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FixtureError {
    pub file: String,
    /// "rad 4", "application 2", or empty when the whole file is at fault.
    pub location: String,
    /// The field at fault, or empty.
    pub field: String,
    pub message: String,
}

impl FixtureError {
    fn new(
        file: &str,
        location: impl Into<String>,
        field: &str,
        message: impl Into<String>,
    ) -> FixtureError {
        FixtureError {
            file: file.to_string(),
            location: location.into(),
            field: field.to_string(),
            message: message.into(),
        }
    }
}

impl fmt::Display for FixtureError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.file)?;
        if !self.location.is_empty() {
            write!(f, ", {}", self.location)?;
        }
        if !self.field.is_empty() {
            write!(f, ", fält {}", self.field)?;
        }
        write!(f, ": {}", self.message)
    }
}

impl std::error::Error for FixtureError {}

impl From<diesel::result::Error> for FixtureError {
    fn from(e: diesel::result::Error) -> FixtureError {
        FixtureError::new("databasen", "", "", e.to_string())
    }
}

// ---------------------------------------------------------------------------------------
// The files' shapes. Unknown fields are refused so that a misspelt field name is an error,
// not a silently missing value.

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
struct OrganisationRow {
    org_number: String,
    name: String,
    kind: String,
    number_status: String,
    number_source: String,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
struct ProgrammesFile {
    programme: Vec<ProgrammeFx>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
struct ProgrammeFx {
    code: String,
    name: String,
    agency_name: String,
    agency_unit: String,
    appropriation: String,
    purpose: String,
    legal_basis: String,
    appeal_text: String,
    /// The functional mailbox and phone of the unit running the grant, for the applicants'
    /// questions. Optional: without them pages, e-mails and letters give the agency's.
    #[serde(default)]
    contact_email: Option<String>,
    #[serde(default)]
    contact_phone: Option<String>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
struct CallFx {
    code: String,
    programme: String,
    title: String,
    description: String,
    annex_title: String,
    annex_intro: String,
    status: String,
    max_recipients: i32,
    opens_on: String,
    last_day: String,
    eligible_kinds: Vec<String>,
    payment_month: i32,
    report_due_month: i32,
    report_due_day: i32,
    #[serde(default)]
    requires_approved_reports: bool,
    years: Vec<CallYearFx>,
    sections: Vec<SectionFx>,
    cost_categories: Vec<CostCategoryFx>,
    #[serde(default)]
    criteria: Vec<CriterionFx>,
    #[serde(default)]
    expected_results: Vec<ExpectedResultFx>,
    /// The report-back's own fields (issue 15), beside the answer group per expected result.
    #[serde(default)]
    report_fields: Vec<SectionFx>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
struct CallYearFx {
    year: i32,
    ceiling_kr: i64,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
struct SectionFx {
    title: String,
    #[serde(default)]
    help_text: String,
    #[serde(default)]
    required: bool,
    #[serde(default)]
    max_length: Option<i32>,
    /// The field's type (`calls::form::FieldKind`); free text when left out.
    #[serde(default)]
    kind: Option<String>,
    /// The type's settings (`calls::form::FieldSettings`), as a TOML table.
    #[serde(default)]
    settings: Option<toml::Table>,
}

/// A fixture's fields as a form: each type and its settings checked by the same rules as an
/// officer's form, so that a fixture cannot hold a field the service would refuse.
fn fixture_fields(
    file: &str,
    what: &str,
    rows: &[SectionFx],
    allow: &[crate::calls::form::FieldKind],
) -> Result<Vec<crate::calls::form::FormField>, FixtureError> {
    use crate::calls::form;
    let mut fields: Vec<form::FormField> = Vec::new();
    for (i, row) in rows.iter().enumerate() {
        let position = position(i);
        let location = format!("{what} {position}");
        let settings = match &row.settings {
            None => String::new(),
            Some(table) => serde_json::to_string(table)
                .map_err(|e| FixtureError::new(file, &location, "settings", e.to_string()))?,
        };
        let draft = form::FieldDraft {
            kind: row.kind.clone().unwrap_or_default(),
            settings,
        };
        let mut errors = crate::error::FieldErrors::new();
        let checked = form::check_field(&location, &draft, position, &fields, allow, &mut errors);
        let Some((kind, settings)) = checked else {
            let message = errors
                .iter()
                .map(|e| format!("{}: {}", e.field, e.message))
                .collect::<Vec<_>>()
                .join("; ");
            return Err(FixtureError::new(file, &location, "kind", message));
        };
        fields.push(form::FormField {
            id: db::new_id(),
            position,
            title: row.title.trim().to_string(),
            help_text: row.help_text.trim().to_string(),
            required: row.required && kind != form::FieldKind::Page,
            max_length: row.max_length.unwrap_or(form::default_max_length(kind)),
            kind,
            settings,
        });
    }
    Ok(fields)
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
struct CostCategoryFx {
    code: String,
    name: String,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
struct CriterionFx {
    title: String,
    description: String,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
struct ExpectedResultFx {
    year: i32,
    area: String,
    title: String,
    body: String,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
struct AccountsFile {
    account: Vec<AccountFx>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
struct AccountFx {
    email: String,
    name: String,
    role: String,
    organisation: Option<String>,
    /// The role in the organisation: ombud, representative or coordinator.
    #[serde(default)]
    org_role: Option<String>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
struct ApplicationsFile {
    application: Vec<ApplicationFx>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
struct ApplicationFx {
    call: String,
    organisation: String,
    project_title: String,
    submitted_at: String,
    submitted_by: String,
    source_note: Option<String>,
    #[serde(default)]
    answers: Vec<AnswerFx>,
    #[serde(default)]
    years: Vec<RequestFx>,
    decision: Option<DecisionFx>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
struct AnswerFx {
    section: i32,
    text: String,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
struct RequestFx {
    year: i32,
    requested_kr: i64,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
struct DecisionFx {
    kind: String,
    decided_at: String,
    presenting_officer: String,
    decision_maker: String,
    purpose: Option<String>,
    reasons: String,
    source_note: Option<String>,
    #[serde(default)]
    years: Vec<AmountFx>,
    /// Payments of the grant that were made, each the whole year's planned payment.
    #[serde(default)]
    payments: Vec<PaymentFx>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
struct PaymentFx {
    year: i32,
    /// The day the money left, `YYYY-MM-DD`.
    paid_on: String,
    /// The finance system's verification.
    verification: String,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
struct AmountFx {
    year: i32,
    amount_kr: i64,
}

// ---------------------------------------------------------------------------------------
// Parsing: text in, checked values out. No database.

#[derive(Debug, Clone)]
struct Located<T> {
    file: String,
    location: String,
    value: T,
}

/// Every fixture file of a folder, parsed and checked.
#[derive(Debug, Clone, Default)]
pub struct FixtureSet {
    organisations: Vec<Located<Organisation>>,
    programmes: Vec<Located<ProgrammeFx>>,
    calls: Vec<Located<CallFx>>,
    accounts: Vec<Located<AccountFx>>,
    applications: Vec<Located<ApplicationFx>>,
}

impl FixtureSet {
    /// Leaves out the demo data (accounts, applications and decisions): reference data
    /// only, for a production database.
    pub fn without_demo(mut self) -> FixtureSet {
        self.accounts.clear();
        self.applications.clear();
        self
    }

    /// Leaves out the calls and every case: organisations, programmes and accounts only,
    /// for replaying a grant from its first step.
    pub fn without_calls(mut self) -> FixtureSet {
        self.calls.clear();
        self.applications.clear();
        self
    }
}

/// The kind of a fixture file, from its path inside the fixture folder.
fn file_kind(name: &str) -> Option<&'static str> {
    let name = name.replace('\\', "/");
    if name == "organisations.csv" {
        Some("organisations")
    } else if name == "programmes.toml" {
        Some("programmes")
    } else if name.starts_with("calls/") && name.ends_with(".toml") {
        Some("call")
    } else if name == "demo/accounts.toml" {
        Some("accounts")
    } else if name.starts_with("demo/") && name.ends_with(".toml") {
        Some("applications")
    } else {
        None
    }
}

/// Parses named files (path inside the fixture folder, contents). Files of no known kind
/// (READMEs) are skipped.
pub fn parse(files: &[(String, String)]) -> Result<FixtureSet, FixtureError> {
    let mut set = FixtureSet::default();
    let mut files: Vec<&(String, String)> = files.iter().collect();
    files.sort_by(|a, b| a.0.cmp(&b.0));
    for (name, text) in files {
        match file_kind(name) {
            Some("organisations") => set.organisations = parse_organisations(name, text)?,
            Some("programmes") => {
                let file: ProgrammesFile = parse_toml(name, text)?;
                set.programmes
                    .extend(
                        file.programme
                            .into_iter()
                            .enumerate()
                            .map(|(i, p)| Located {
                                file: name.clone(),
                                location: format!("programme {}", i + 1),
                                value: p,
                            }),
                    );
            }
            Some("call") => {
                let call: CallFx = parse_toml(name, text)?;
                check_call(name, &call)?;
                set.calls.push(Located {
                    file: name.clone(),
                    location: String::new(),
                    value: call,
                });
            }
            Some("accounts") => {
                let file: AccountsFile = parse_toml(name, text)?;
                set.accounts
                    .extend(file.account.into_iter().enumerate().map(|(i, a)| Located {
                        file: name.clone(),
                        location: format!("account {}", i + 1),
                        value: a,
                    }));
            }
            Some("applications") => {
                let file: ApplicationsFile = parse_toml(name, text)?;
                set.applications
                    .extend(
                        file.application
                            .into_iter()
                            .enumerate()
                            .map(|(i, a)| Located {
                                file: name.clone(),
                                location: format!("application {}", i + 1),
                                value: a,
                            }),
                    );
            }
            _ => {}
        }
    }
    Ok(set)
}

/// The fixtures built into the binary.
pub fn embedded() -> Result<FixtureSet, FixtureError> {
    let files: Vec<(String, String)> = EMBEDDED
        .iter()
        .map(|(n, t)| (n.to_string(), t.to_string()))
        .collect();
    parse(&files)
}

/// Reads a fixture folder from disk: `organisations.csv`, `programmes.toml`, `calls/*.toml`,
/// `demo/accounts.toml` and `demo/*.toml`.
pub fn read_dir(dir: &Path) -> Result<FixtureSet, FixtureError> {
    let mut files = Vec::new();
    collect_files(dir, dir, &mut files)?;
    if files.iter().all(|(name, _)| file_kind(name).is_none()) {
        return Err(FixtureError::new(
            &dir.display().to_string(),
            "",
            "",
            "mappen innehåller inga fixturfiler (organisations.csv, programmes.toml, calls/*.toml, demo/*.toml)",
        ));
    }
    parse(&files)
}

fn collect_files(
    root: &Path,
    dir: &Path,
    out: &mut Vec<(String, String)>,
) -> Result<(), FixtureError> {
    let entries = std::fs::read_dir(dir).map_err(|e| {
        FixtureError::new(
            &dir.display().to_string(),
            "",
            "",
            format!("kan inte läsa mappen: {e}"),
        )
    })?;
    for entry in entries {
        let entry = entry
            .map_err(|e| FixtureError::new(&dir.display().to_string(), "", "", e.to_string()))?;
        let path = entry.path();
        if path.is_dir() {
            collect_files(root, &path, out)?;
            continue;
        }
        let name = path
            .strip_prefix(root)
            .unwrap_or(&path)
            .to_string_lossy()
            .replace('\\', "/");
        if file_kind(&name).is_none() {
            continue;
        }
        let text = std::fs::read_to_string(&path)
            .map_err(|e| FixtureError::new(&name, "", "", format!("kan inte läsa filen: {e}")))?;
        out.push((name, text));
    }
    Ok(())
}

fn parse_toml<T: serde::de::DeserializeOwned>(name: &str, text: &str) -> Result<T, FixtureError> {
    toml::from_str(text).map_err(|e| {
        let line = e
            .span()
            .map(|s| {
                format!(
                    "rad {}",
                    text[..s.start.min(text.len())].lines().count().max(1)
                )
            })
            .unwrap_or_default();
        FixtureError::new(name, line, "", e.message().to_string())
    })
}

fn parse_organisations(name: &str, text: &str) -> Result<Vec<Located<Organisation>>, FixtureError> {
    let mut reader = csv::ReaderBuilder::new()
        .trim(csv::Trim::All)
        .from_reader(text.as_bytes());
    let mut out = Vec::new();
    let mut seen = BTreeMap::new();
    for (i, record) in reader.deserialize::<OrganisationRow>().enumerate() {
        // Row 1 is the header line.
        let location = format!("rad {}", i + 2);
        let row = record.map_err(|e| {
            let field = match e.kind() {
                csv::ErrorKind::Deserialize { err, .. } => err
                    .field()
                    .and_then(|f| {
                        [
                            "org_number",
                            "name",
                            "kind",
                            "number_status",
                            "number_source",
                        ]
                        .get(f as usize)
                        .copied()
                    })
                    .unwrap_or(""),
                _ => "",
            };
            FixtureError::new(name, location.clone(), field, e.to_string())
        })?;
        let number = OrgNumber::parse(&row.org_number).map_err(|e| {
            FixtureError::new(
                name,
                location.clone(),
                "org_number",
                format!("{e} (\"{}\")", row.org_number),
            )
        })?;
        if let Some(previous) = seen.insert(number.to_string(), location.clone()) {
            return Err(FixtureError::new(
                name,
                location,
                "org_number",
                format!("{number} finns redan på {previous}"),
            ));
        }
        if row.name.is_empty() {
            return Err(FixtureError::new(name, location, "name", "namnet saknas"));
        }
        let kind = OrgKind::parse(&row.kind).ok_or_else(|| {
            FixtureError::new(
                name,
                location.clone(),
                "kind",
                format!(
                    "okänd sort \"{}\"; välj en av: {}",
                    row.kind,
                    OrgKind::codes()
                ),
            )
        })?;
        let number_status = NumberStatus::parse(&row.number_status).ok_or_else(|| {
            FixtureError::new(
                name,
                location.clone(),
                "number_status",
                format!(
                    "okänd status \"{}\"; välj en av: {}",
                    row.number_status,
                    NumberStatus::codes()
                ),
            )
        })?;
        if row.number_source.is_empty() {
            return Err(FixtureError::new(
                name,
                location,
                "number_source",
                "ange var numret kommer ifrån (eller att det inte är bekräftat)",
            ));
        }
        out.push(Located {
            file: name.to_string(),
            location,
            value: Organisation {
                id: db::new_id(),
                org_number: number.to_string(),
                name: row.name,
                kind,
                number_status,
                number_source: row.number_source,
                created_at: NaiveDateTime::default(),
            },
        });
    }
    Ok(out)
}

fn parse_date(
    file: &str,
    location: &str,
    field: &str,
    value: &str,
) -> Result<NaiveDate, FixtureError> {
    NaiveDate::parse_from_str(value.trim(), "%Y-%m-%d").map_err(|_| {
        FixtureError::new(
            file,
            location,
            field,
            format!("\"{value}\" är inte ett datum; skriv ÅÅÅÅ-MM-DD"),
        )
    })
}

/// "2020-06-30 12:00", Stockholm local time.
fn parse_local_time(
    file: &str,
    location: &str,
    field: &str,
    value: &str,
) -> Result<DateTime<Utc>, FixtureError> {
    NaiveDateTime::parse_from_str(value.trim(), "%Y-%m-%d %H:%M")
        .map(clock::from_stockholm_local)
        .map_err(|_| {
            FixtureError::new(
                file,
                location,
                field,
                format!("\"{value}\" är inte en tidpunkt; skriv ÅÅÅÅ-MM-DD TT:MM (svensk tid)"),
            )
        })
}

fn kronor(file: &str, location: &str, field: &str, kr: i64) -> Result<Ore, FixtureError> {
    if kr < 0 {
        return Err(FixtureError::new(
            file,
            location,
            field,
            "beloppet får inte vara negativt",
        ));
    }
    let amount = Ore::from_kronor(kr);
    if amount.ore() > crate::money::MAX_INPUT_ORE {
        return Err(FixtureError::new(
            file,
            location,
            field,
            "beloppet är orimligt stort",
        ));
    }
    Ok(amount)
}

/// Checks what can be checked of a call without the database.
fn check_call(file: &str, call: &CallFx) -> Result<(), FixtureError> {
    let err = |field: &str, msg: String| Err(FixtureError::new(file, "", field, msg));
    if call.code.trim().is_empty() {
        return err("code", "koden saknas".into());
    }
    if CallStatus::parse(&call.status).is_none() {
        return err(
            "status",
            format!(
                "okänd status \"{}\"; välj en av: {}",
                call.status,
                CallStatus::codes()
            ),
        );
    }
    if call.max_recipients < 1 {
        return err("max_recipients", "minst en mottagare".into());
    }
    let opens = parse_date(file, "", "opens_on", &call.opens_on)?;
    let last = parse_date(file, "", "last_day", &call.last_day)?;
    if last < opens {
        return err("last_day", "sista dagen är före första dagen".into());
    }
    if call.eligible_kinds.is_empty() {
        return err(
            "eligible_kinds",
            "ange vilka sorters organisationer som får söka".into(),
        );
    }
    for kind in &call.eligible_kinds {
        if OrgKind::parse(kind).is_none() {
            return err(
                "eligible_kinds",
                format!("okänd sort \"{kind}\"; välj bland: {}", OrgKind::codes()),
            );
        }
    }
    if !(1..=12).contains(&call.payment_month) {
        return err("payment_month", "en månad 1–12".into());
    }
    if !(1..=12).contains(&call.report_due_month) {
        return err("report_due_month", "en månad 1–12".into());
    }
    if !(1..=31).contains(&call.report_due_day) {
        return err("report_due_day", "en dag 1–31".into());
    }
    if call.years.is_empty() {
        return err("years", "utlysningen måste omfatta minst ett år".into());
    }
    let mut years = Vec::new();
    for (i, y) in call.years.iter().enumerate() {
        let loc = format!("years {}", i + 1);
        if !(2000..=2100).contains(&y.year) {
            return Err(FixtureError::new(
                file,
                loc,
                "year",
                format!("orimligt år {}", y.year),
            ));
        }
        if years.contains(&y.year) {
            return Err(FixtureError::new(
                file,
                loc,
                "year",
                format!("året {} finns två gånger", y.year),
            ));
        }
        years.push(y.year);
        kronor(file, &loc, "ceiling_kr", y.ceiling_kr)?;
    }
    for (what, rows) in [
        ("sections", &call.sections),
        ("report_fields", &call.report_fields),
    ] {
        for (i, s) in rows.iter().enumerate() {
            if s.title.trim().is_empty() {
                return Err(FixtureError::new(
                    file,
                    format!("{what} {}", i + 1),
                    "title",
                    "frågan saknas",
                ));
            }
            if s.max_length.is_some_and(|n| n < 1) {
                return Err(FixtureError::new(
                    file,
                    format!("{what} {}", i + 1),
                    "max_length",
                    "minst 1 tecken",
                ));
            }
        }
    }
    if call.cost_categories.is_empty() {
        return err("cost_categories", "ange minst en kostnadskategori".into());
    }
    for (i, r) in call.expected_results.iter().enumerate() {
        if !years.contains(&r.year) {
            return Err(FixtureError::new(
                file,
                format!("expected_results {}", i + 1),
                "year",
                format!("året {} finns inte bland utlysningens år", r.year),
            ));
        }
        if r.body.trim().is_empty() {
            return Err(FixtureError::new(
                file,
                format!("expected_results {}", i + 1),
                "body",
                "texten saknas",
            ));
        }
    }
    Ok(())
}

// ---------------------------------------------------------------------------------------
// Loading: one transaction.

/// A demo login to print once.
#[derive(Debug, Clone, PartialEq)]
pub struct DemoLogin {
    pub role: Role,
    pub email: String,
    pub name: String,
    pub organisation: Option<String>,
    pub password: String,
}

#[derive(Debug, Clone, Default, PartialEq)]
pub struct LoadReport {
    pub organisations: usize,
    pub programmes: usize,
    pub calls: usize,
    pub applications: usize,
    pub decisions: usize,
    pub logins: Vec<DemoLogin>,
}

#[derive(Debug, Clone, Default)]
pub struct LoadOptions {
    /// One password for every demo account; a random one per account when `None`.
    pub demo_password: Option<String>,
}

/// Writes a parsed fixture set, all or nothing.
pub fn load(
    conn: &mut DbConnection,
    set: &FixtureSet,
    options: &LoadOptions,
    now: DateTime<Utc>,
) -> Result<LoadReport, FixtureError> {
    // Hashed before the write transaction, so that it holds the write lock only for writing.
    let credentials = hash_demo_passwords(set, options)?;
    db::write_tx(conn, |conn| {
        let mut report = LoadReport::default();
        load_organisations(conn, set, now, &mut report)?;
        load_programmes(conn, set, now, &mut report)?;
        load_calls(conn, set, now, &mut report)?;
        load_accounts(conn, set, &credentials, now, &mut report)?;
        load_applications(conn, set, now, &mut report)?;
        audit::record(
            conn,
            None,
            now,
            audit::Entry {
                action: action::FIXTURES_LOADED,
                entity_type: "fixtures",
                entity_id: None,
                summary: format!(
                    "Fixturer inlästa: {} organisationer, {} program, {} utlysningar, {} konton, {} ansökningar, {} beslut",
                    report.organisations,
                    report.programmes,
                    report.calls,
                    report.logins.len(),
                    report.applications,
                    report.decisions
                ),
                details: json!({
                    "organisations": report.organisations,
                    "programmes": report.programmes,
                    "calls": report.calls,
                    "accounts": report.logins.len(),
                    "applications": report.applications,
                    "decisions": report.decisions,
                }),
            },
        )?;
        Ok(report)
    })
}

fn load_organisations(
    conn: &mut DbConnection,
    set: &FixtureSet,
    now: DateTime<Utc>,
    report: &mut LoadReport,
) -> Result<(), FixtureError> {
    for located in &set.organisations {
        let org = Organisation {
            created_at: now.naive_utc(),
            ..located.value.clone()
        };
        if db::organisations::find_by_number(conn, &org.org_number)?.is_some() {
            return Err(FixtureError::new(
                &located.file,
                located.location.clone(),
                "org_number",
                format!("{} finns redan i databasen", org.org_number),
            ));
        }
        db::organisations::insert(conn, &org)?;
        audit::record(
            conn,
            None,
            now,
            audit::Entry {
                action: action::ORGANISATION_CREATED,
                entity_type: "organisation",
                entity_id: Some(&org.id),
                summary: format!("Organisation inläst: {} ({})", org.name, org.org_number),
                details: json!({ "org_number": org.org_number, "kind": org.kind.as_str() }),
            },
        )?;
        report.organisations += 1;
    }
    Ok(())
}

fn load_programmes(
    conn: &mut DbConnection,
    set: &FixtureSet,
    now: DateTime<Utc>,
    report: &mut LoadReport,
) -> Result<(), FixtureError> {
    for located in &set.programmes {
        let p = &located.value;
        let fail = |field: &str, msg: String| {
            FixtureError::new(&located.file, located.location.clone(), field, msg)
        };
        if p.code.trim().is_empty() {
            return Err(fail("code", "koden saknas".into()));
        }
        if db::calls::find_programme_by_code(conn, &p.code)?.is_some() {
            return Err(fail(
                "code",
                format!("programmet {} finns redan i databasen", p.code),
            ));
        }
        let contact_email = optional_text(&p.contact_email);
        if let Some(email) = &contact_email
            && !email.contains('@')
        {
            return Err(fail(
                "contact_email",
                format!("{email} är ingen e-postadress"),
            ));
        }
        let programme = Programme {
            id: db::new_id(),
            code: p.code.clone(),
            name: p.name.clone(),
            agency_name: p.agency_name.clone(),
            agency_unit: p.agency_unit.clone(),
            appropriation: p.appropriation.clone(),
            purpose: p.purpose.clone(),
            legal_basis: p.legal_basis.clone(),
            appeal_text: p.appeal_text.clone(),
            created_at: now.naive_utc(),
            contact_email,
            contact_phone: optional_text(&p.contact_phone),
        };
        db::calls::insert_programme(conn, &programme)?;
        audit::record(
            conn,
            None,
            now,
            audit::Entry {
                action: action::PROGRAMME_CREATED,
                entity_type: "programme",
                entity_id: Some(&programme.id),
                summary: format!("Bidragsprogram inläst: {}", programme.name),
                details: json!({ "code": programme.code }),
            },
        )?;
        report.programmes += 1;
    }
    Ok(())
}

/// A text that may be left out; blank counts as left out.
fn optional_text(value: &Option<String>) -> Option<String> {
    value
        .as_deref()
        .map(str::trim)
        .filter(|v| !v.is_empty())
        .map(str::to_string)
}

fn load_calls(
    conn: &mut DbConnection,
    set: &FixtureSet,
    now: DateTime<Utc>,
    report: &mut LoadReport,
) -> Result<(), FixtureError> {
    for located in &set.calls {
        let c = &located.value;
        let file = located.file.as_str();
        let programme =
            db::calls::find_programme_by_code(conn, &c.programme)?.ok_or_else(|| {
                FixtureError::new(
                    file,
                    "",
                    "programme",
                    format!("programmet \"{}\" finns inte", c.programme),
                )
            })?;
        if db::calls::find_call_by_code(conn, &c.code)?.is_some() {
            return Err(FixtureError::new(
                file,
                "",
                "code",
                format!("utlysningen {} finns redan i databasen", c.code),
            ));
        }
        // Checked in `check_call`; parsed again here for the values.
        let status = CallStatus::parse(&c.status).unwrap_or(CallStatus::Draft);
        let opens_on = parse_date(file, "", "opens_on", &c.opens_on)?;
        let last_day = parse_date(file, "", "last_day", &c.last_day)?;
        let call_id = db::new_id();
        let call = Call {
            id: call_id.clone(),
            programme_id: programme.id.clone(),
            code: c.code.clone(),
            title: c.title.clone(),
            description: c.description.clone(),
            annex_title: c.annex_title.clone(),
            annex_intro: c.annex_intro.clone(),
            status,
            max_recipients: c.max_recipients,
            opens_on,
            last_day,
            payment_month: c.payment_month,
            report_due_month: c.report_due_month,
            report_due_day: c.report_due_day,
            requires_approved_reports: c.requires_approved_reports,
            copied_from_call_id: None,
            created_at: now.naive_utc(),
            published_at: (status != CallStatus::Draft)
                .then(|| clock::stockholm_day_start(opens_on).naive_utc()),
            closed_at: None,
        };
        let mut years = Vec::new();
        for (i, y) in c.years.iter().enumerate() {
            years.push(CallYear {
                call_id: call_id.clone(),
                year: y.year,
                ceiling_ore: kronor(
                    file,
                    &format!("years {}", i + 1),
                    "ceiling_kr",
                    y.ceiling_kr,
                )?,
                lock_version: 0,
            });
        }
        let mut positions: BTreeMap<i32, i32> = BTreeMap::new();
        let expected_results = c
            .expected_results
            .iter()
            .map(|r| {
                let position = positions.entry(r.year).or_insert(0);
                *position += 1;
                ExpectedResult {
                    id: db::new_id(),
                    call_id: call_id.clone(),
                    year: r.year,
                    position: *position,
                    area: r.area.trim().to_string(),
                    title: r.title.trim().to_string(),
                    body: r.body.trim().to_string(),
                }
            })
            .collect();
        let def = CallDefinition {
            programme,
            years,
            eligible_kinds: c
                .eligible_kinds
                .iter()
                .filter_map(|k| OrgKind::parse(k))
                .collect(),
            sections: fixture_fields(
                file,
                "sections",
                &c.sections,
                crate::calls::form::APPLICATION_KINDS,
            )?
            .into_iter()
            .map(|f| CallSection {
                id: f.id,
                call_id: call_id.clone(),
                position: f.position,
                title: f.title,
                help_text: f.help_text,
                required: f.required,
                max_length: f.max_length,
                kind: f.kind,
                settings: crate::calls::form::settings_json(&f.settings),
            })
            .collect(),
            report_fields: fixture_fields(
                file,
                "report_fields",
                &c.report_fields,
                crate::calls::form::REPORT_KINDS,
            )?
            .into_iter()
            .map(|f| crate::db::calls::ReportField {
                id: f.id,
                call_id: call_id.clone(),
                position: f.position,
                title: f.title,
                help_text: f.help_text,
                required: f.required,
                max_length: f.max_length,
                kind: f.kind,
                settings: crate::calls::form::settings_json(&f.settings),
            })
            .collect(),
            cost_categories: c
                .cost_categories
                .iter()
                .enumerate()
                .map(|(i, k)| CostCategory {
                    id: db::new_id(),
                    call_id: call_id.clone(),
                    position: position(i),
                    code: k.code.trim().to_string(),
                    name: k.name.trim().to_string(),
                })
                .collect(),
            criteria: c
                .criteria
                .iter()
                .enumerate()
                .map(|(i, k)| Criterion {
                    id: db::new_id(),
                    call_id: call_id.clone(),
                    position: position(i),
                    title: k.title.trim().to_string(),
                    description: k.description.trim().to_string(),
                })
                .collect(),
            expected_results,
            call,
        };
        db::calls::insert_definition(conn, &def)?;
        // Its forms' first version, as for a call an officer writes.
        crate::calls::form_editor::record_saved_forms(conn, None, &def.call, None, now)
            .map_err(|e| FixtureError::new(file, "call", "forms", e.to_string()))?;
        audit::record(
            conn,
            None,
            now,
            audit::Entry {
                action: action::CALL_CREATED,
                entity_type: "call",
                entity_id: Some(&def.call.id),
                summary: format!("Utlysning inläst: {}", def.call.title),
                details: json!({ "code": def.call.code, "status": def.call.status.as_str() }),
            },
        )?;
        report.calls += 1;
    }
    Ok(())
}

fn position(index: usize) -> i32 {
    i32::try_from(index + 1).unwrap_or(i32::MAX)
}

/// A demo account's password and its hash.
struct Credential {
    password: String,
    hash: String,
}

/// The demo accounts' passwords (`DEMO_PASSWORD` or a random one each) with their argon2id
/// hashes, each with a salt of its own. A hash costs tens of milliseconds of one core by
/// design, and one after another the nine demo accounts' were most of a first start: they
/// are made on every core at once, as many threads as cores (each hash holds its 19 MiB only
/// while it runs).
fn hash_demo_passwords(
    set: &FixtureSet,
    options: &LoadOptions,
) -> Result<Vec<Credential>, FixtureError> {
    let mut passwords = Vec::with_capacity(set.accounts.len());
    for located in &set.accounts {
        let password = options
            .demo_password
            .clone()
            .unwrap_or_else(accounts::password::generate);
        // The rule `create_account` applies, checked before any hashing.
        if let Some(message) = accounts::password_length_error(&password) {
            return Err(FixtureError::new(
                &located.file,
                &located.location,
                "password",
                message,
            ));
        }
        passwords.push(password);
    }
    let threads = std::thread::available_parallelism()
        .map_or(1, std::num::NonZero::get)
        .min(passwords.len())
        .max(1);
    let chunk = passwords.len().div_ceil(threads).max(1);
    let hashed: Vec<Result<Vec<String>, AppError>> = std::thread::scope(|scope| {
        let workers: Vec<_> = passwords
            .chunks(chunk)
            .map(|chunk| {
                scope.spawn(move || {
                    chunk
                        .iter()
                        .map(|p| accounts::password::hash(p))
                        .collect::<Result<Vec<String>, AppError>>()
                })
            })
            .collect();
        workers
            .into_iter()
            .map(|worker| {
                worker.join().unwrap_or_else(|_| {
                    Err(AppError::Internal("password hashing thread failed".into()))
                })
            })
            .collect()
    });
    let file = set.accounts.first().map_or("", |a| a.file.as_str());
    let mut hashes = Vec::with_capacity(passwords.len());
    for chunk in hashed {
        hashes.extend(chunk.map_err(|e| FixtureError::new(file, "", "", e.to_string()))?);
    }
    Ok(passwords
        .into_iter()
        .zip(hashes)
        .map(|(password, hash)| Credential { password, hash })
        .collect())
}

fn load_accounts(
    conn: &mut DbConnection,
    set: &FixtureSet,
    credentials: &[Credential],
    now: DateTime<Utc>,
    report: &mut LoadReport,
) -> Result<(), FixtureError> {
    for (located, credential) in set.accounts.iter().zip(credentials) {
        let a = &located.value;
        // Made without a password, then given the hash made beforehand, in this transaction:
        // the account is never without one outside it.
        let input = NewAccount {
            email: a.email.clone(),
            name: a.name.clone(),
            role: a.role.clone(),
            org_number: a.organisation.clone(),
            org_role: match a.org_role.as_deref() {
                None => None,
                Some(code) => Some(crate::codes::OrgRole::parse(code).ok_or_else(|| {
                    app_error(
                        &located.file,
                        &located.location,
                        crate::error::AppError::invalid(
                            "org_role",
                            format!(
                                "Okänd roll i organisationen \"{code}\". Välj en av: {}.",
                                crate::codes::OrgRole::codes()
                            ),
                        ),
                        |field| field,
                    )
                })?),
            },
            password: None,
        };
        let user = accounts::create_account(conn, None, &input, now).map_err(|e| {
            app_error(&located.file, &located.location, e, |field| match field {
                "org" => "organisation",
                other => other,
            })
        })?;
        if !db::accounts::replace_password_hash(conn, &user.id, "", &credential.hash)? {
            return Err(FixtureError::new(
                &located.file,
                &located.location,
                "password",
                "lösenordet kunde inte sparas",
            ));
        }
        let organisation = match &user.organisation_id {
            Some(id) => db::organisations::find(conn, id)?.map(|o| o.name),
            None => None,
        };
        report.logins.push(DemoLogin {
            role: user.role,
            email: user.email,
            name: user.name,
            organisation,
            password: credential.password.clone(),
        });
    }
    Ok(())
}

/// An `AppError` from a use case, placed in a fixture file. `rename` maps the use case's
/// field names to the file's.
fn app_error(
    file: &str,
    location: &str,
    error: AppError,
    rename: impl Fn(&str) -> &str,
) -> FixtureError {
    match error {
        AppError::Invalid(fields) => {
            let first = fields.into_vec().into_iter().next();
            match first {
                Some(f) => FixtureError::new(file, location, rename(&f.field), f.message),
                None => FixtureError::new(file, location, "", "ogiltiga uppgifter"),
            }
        }
        other => FixtureError::new(file, location, "", other.to_string()),
    }
}

fn load_applications(
    conn: &mut DbConnection,
    set: &FixtureSet,
    now: DateTime<Utc>,
    report: &mut LoadReport,
) -> Result<(), FixtureError> {
    for located in &set.applications {
        let a = &located.value;
        let file = located.file.as_str();
        let loc = located.location.as_str();
        let fail = |field: &str, msg: String| FixtureError::new(file, loc, field, msg);

        let call = db::calls::find_call_by_code(conn, &a.call)?
            .ok_or_else(|| fail("call", format!("utlysningen \"{}\" finns inte", a.call)))?;
        let def = db::calls::load_definition(conn, call)?;
        let number = OrgNumber::parse(&a.organisation)
            .map_err(|e| fail("organisation", format!("{e} (\"{}\")", a.organisation)))?;
        let organisation =
            db::organisations::find_by_number(conn, number.as_str())?.ok_or_else(|| {
                fail(
                    "organisation",
                    format!("det finns ingen organisation {number}"),
                )
            })?;
        if !def.eligible_kinds.contains(&organisation.kind) {
            return Err(fail(
                "organisation",
                format!(
                    "{} får inte söka i utlysningen {}",
                    organisation.name, def.call.code
                ),
            ));
        }
        let submitted_at = parse_local_time(file, loc, "submitted_at", &a.submitted_at)?;
        let submitter =
            db::accounts::find_by_email(conn, &accounts::normalise_email(&a.submitted_by))?
                .ok_or_else(|| {
                    fail(
                        "submitted_by",
                        format!("det finns inget konto {}", a.submitted_by),
                    )
                })?;
        if submitter.organisation_id.as_deref() != Some(organisation.id.as_str()) {
            return Err(fail(
                "submitted_by",
                format!(
                    "{} är inte sökande för {}",
                    submitter.email, organisation.name
                ),
            ));
        }
        let year = clock::stockholm_date(submitted_at).format("%Y").to_string();
        let year: i32 = year.parse().unwrap_or(0);
        let registration_number = crate::registration::next(conn, year)?;

        let decision_fx = a.decision.as_ref();
        let application = Application {
            id: db::new_id(),
            call_id: def.call.id.clone(),
            organisation_id: organisation.id.clone(),
            kind: ApplicationKind::Initial,
            redistribution_round_id: None,
            status: if decision_fx.is_some() {
                ApplicationStatus::Decided
            } else {
                ApplicationStatus::Submitted
            },
            registration_number: Some(registration_number.clone()),
            project_title: a.project_title.trim().to_string(),
            source_note: a.source_note.clone(),
            created_by: Some(submitter.id.clone()),
            created_at: submitted_at.naive_utc(),
            submitted_at: Some(submitted_at.naive_utc()),
            submitted_by: Some(submitter.id.clone()),
        };
        db::applications::insert(conn, &application).map_err(|e| match e {
            diesel::result::Error::DatabaseError(
                diesel::result::DatabaseErrorKind::UniqueViolation,
                _,
            ) => fail(
                "organisation",
                format!("{} har redan en ansökan i utlysningen", organisation.name),
            ),
            other => other.into(),
        })?;
        let version = Version {
            id: db::new_id(),
            application_id: application.id.clone(),
            number: 1,
            status: VersionStatus::Draft,
            supplement_request_id: None,
            created_at: submitted_at.naive_utc(),
            created_by: Some(submitter.id.clone()),
            submitted_at: None,
            submitted_by: None,
            supplement_answer: None,
            reasons: None,
        };
        db::applications::insert_version(conn, &version)?;
        for (i, answer) in a.answers.iter().enumerate() {
            let section = def
                .sections
                .iter()
                .find(|s| s.position == answer.section)
                .ok_or_else(|| {
                    FixtureError::new(
                        file,
                        format!("{loc}, answers {}", i + 1),
                        "section",
                        format!("utlysningen har ingen fråga nummer {}", answer.section),
                    )
                })?;
            let text = answer.text.trim();
            if text.chars().count() > usize::try_from(section.max_length).unwrap_or(0) {
                return Err(FixtureError::new(
                    file,
                    format!("{loc}, answers {}", i + 1),
                    "text",
                    format!(
                        "svaret är längre än frågans gräns på {} tecken",
                        section.max_length
                    ),
                ));
            }
            db::applications::insert_answer(
                conn,
                &Answer {
                    version_id: version.id.clone(),
                    section_id: section.id.clone(),
                    body: text.to_string(),
                },
            )?;
        }
        let call_years: Vec<i32> = def.years.iter().map(|y| y.year).collect();
        let mut requested: BTreeMap<i32, Ore> = BTreeMap::new();
        for (i, y) in a.years.iter().enumerate() {
            let yloc = format!("{loc}, years {}", i + 1);
            if !call_years.contains(&y.year) {
                return Err(FixtureError::new(
                    file,
                    yloc,
                    "year",
                    format!("utlysningen omfattar inte år {}", y.year),
                ));
            }
            let amount = kronor(file, &yloc, "requested_kr", y.requested_kr)?;
            if requested.insert(y.year, amount).is_some() {
                return Err(FixtureError::new(
                    file,
                    yloc,
                    "year",
                    format!("året {} finns två gånger", y.year),
                ));
            }
            db::applications::insert_year_request(
                conn,
                &YearRequest {
                    version_id: version.id.clone(),
                    year: y.year,
                    requested_ore: amount,
                },
            )?;
        }
        db::applications::mark_version_submitted(
            conn,
            &version.id,
            submitted_at.naive_utc(),
            Some(&submitter.id),
        )?;
        audit::record(
            conn,
            None,
            now,
            audit::Entry {
                action: action::APPLICATION_SUBMITTED,
                entity_type: "application",
                entity_id: Some(&application.id),
                summary: format!(
                    "Ansökan inläst ur fixturer: {} från {}, inkommen {}",
                    registration_number,
                    organisation.name,
                    clock::format_stockholm(submitted_at.naive_utc())
                ),
                details: json!({ "registration_number": registration_number, "version": 1 }),
            },
        )?;
        report.applications += 1;

        if let Some(d) = decision_fx {
            load_decision(conn, file, loc, d, &def, &application, &requested, now)?;
            report.decisions += 1;
        }
    }
    Ok(())
}

#[allow(clippy::too_many_arguments)]
fn load_decision(
    conn: &mut DbConnection,
    file: &str,
    loc: &str,
    d: &DecisionFx,
    def: &CallDefinition,
    application: &Application,
    requested: &BTreeMap<i32, Ore>,
    now: DateTime<Utc>,
) -> Result<(), FixtureError> {
    let dloc = format!("{loc}, decision");
    let fail = |field: &str, msg: String| FixtureError::new(file, dloc.clone(), field, msg);
    let kind = match DecisionKind::parse(&d.kind) {
        Some(k @ (DecisionKind::Grant | DecisionKind::Rejection)) => k,
        _ => {
            return Err(fail(
                "kind",
                format!(
                    "okänd sort \"{}\"; en ansökan besvaras med grant eller rejection",
                    d.kind
                ),
            ));
        }
    };
    let decided_at = parse_local_time(file, &dloc, "decided_at", &d.decided_at)?;
    let officer = staff_actor(conn, &d.presenting_officer, Role::Officer)
        .map_err(|m| fail("presenting_officer", m))?;
    let decision_maker = staff_actor(conn, &d.decision_maker, Role::DecisionMaker)
        .map_err(|m| fail("decision_maker", m))?;
    if d.reasons.trim().is_empty() {
        return Err(fail("reasons", "skälen för beslutet saknas".into()));
    }
    let mut years = Vec::new();
    for (i, y) in d.years.iter().enumerate() {
        let yloc = format!("{dloc}, years {}", i + 1);
        years.push(DecisionYear {
            decision_id: String::new(),
            year: y.year,
            amount_ore: kronor(file, &yloc, "amount_kr", y.amount_kr)?,
        });
    }
    match kind {
        DecisionKind::Rejection if !years.is_empty() => {
            return Err(fail("years", "ett avslag beviljar inga belopp".into()));
        }
        DecisionKind::Grant if years.is_empty() => {
            return Err(fail(
                "years",
                "ange beviljat belopp för minst ett år".into(),
            ));
        }
        _ => {}
    }
    let decision = Decision {
        id: db::new_id(),
        call_id: def.call.id.clone(),
        application_id: Some(application.id.clone()),
        organisation_id: application.organisation_id.clone(),
        kind,
        status: DecisionStatus::Draft,
        registration_number: application.registration_number.clone().unwrap_or_default(),
        decided_on: None,
        purpose: d
            .purpose
            .clone()
            .unwrap_or_else(|| def.programme.purpose.clone()),
        reasons: d.reasons.trim().to_string(),
        // As a decision prepared in the service: the first granted year's report-back day.
        report_due_on: years
            .iter()
            .map(|y| y.year)
            .min()
            .and_then(|y| decisions::letter::report_due(def, y)),
        presenting_officer_id: officer.user_id.clone(),
        decision_maker_id: None,
        amends_decision_id: None,
        redistribution_round_id: None,
        source_note: d.source_note.clone(),
        created_at: decided_at.naive_utc(),
        created_by: officer.user_id.clone(),
        signed_at: None,
    };
    let years: Vec<DecisionYear> = years
        .into_iter()
        .map(|y| DecisionYear {
            decision_id: decision.id.clone(),
            ..y
        })
        .collect();
    db::decisions::insert_draft(conn, &decision, &years)?;
    let decided_on = clock::stockholm_date(decided_at);
    // The same rules as a decision signed in the service: ceiling, applied amounts,
    // recipients. Fixtures cannot load a state the service would refuse.
    decisions::sign_in_tx(
        conn,
        &decision,
        Some(requested),
        usize::try_from(def.call.max_recipients).unwrap_or(0),
        &decision_maker,
        decided_on,
        decided_at,
    )
    .map_err(|e| app_error(file, &dloc, e, |f| f))?;
    // The letter is made at signing, as for a decision signed in the service, so that the
    // demo's decisions can be downloaded and checked like any other.
    decisions::workflow::issue_letter(conn, &decision.id, decided_at, &[])
        .map_err(|e| app_error(file, &dloc, e, |f| f))?;
    crate::payments::plan_for_decision(
        conn,
        &decision,
        &def.call,
        &decision_maker.user_id,
        decided_on,
        decided_at,
    )
    .map_err(|e| app_error(file, &dloc, e, |f| f))?;
    load_payments(conn, file, &dloc, d, &decision, decided_on, &officer, now)?;
    let amounts: Vec<String> = years
        .iter()
        .map(|y| format!("{}: {}", y.year, y.amount_ore))
        .collect();
    audit::record(
        conn,
        None,
        now,
        audit::Entry {
            action: action::DECISION_SIGNED,
            entity_type: "decision",
            entity_id: Some(&decision.id),
            summary: format!(
                "Beslut inläst ur fixturer: {} {} fattat {} av {}{}",
                decision.kind.label().to_lowercase(),
                decision.registration_number,
                decided_on,
                decision_maker.name,
                if amounts.is_empty() {
                    String::new()
                } else {
                    format!(", {}", amounts.join(", "))
                }
            ),
            details: json!({
                "kind": decision.kind.as_str(),
                "decided_on": decided_on.to_string(),
                "decision_maker_id": decision_maker.user_id,
                "presenting_officer_id": officer.user_id,
            }),
        },
    )?;
    Ok(())
}

/// Marks the decision's planned payments that the fixture says were made as paid, on their
/// day and with their verification, as an officer would have. A payment whose day is after
/// the day the fixtures are loaded stays planned: the demo never shows the future as past.
#[allow(clippy::too_many_arguments)]
fn load_payments(
    conn: &mut DbConnection,
    file: &str,
    dloc: &str,
    d: &DecisionFx,
    decision: &Decision,
    decided_on: NaiveDate,
    officer: &Actor,
    now: DateTime<Utc>,
) -> Result<(), FixtureError> {
    let today = clock::stockholm_date(now);
    for (i, p) in d.payments.iter().enumerate() {
        let ploc = format!("{dloc}, payments {}", i + 1);
        let fail = |field: &str, msg: String| FixtureError::new(file, ploc.clone(), field, msg);
        let paid_on = parse_date(file, &ploc, "paid_on", &p.paid_on)?;
        let verification = p.verification.trim();
        if verification.is_empty() || verification.chars().count() > 100 {
            return Err(fail(
                "verification",
                "ange verifikationen från ekonomisystemet (högst 100 tecken)".into(),
            ));
        }
        if paid_on < decided_on {
            return Err(fail(
                "paid_on",
                format!(
                    "utbetalningen kan inte ha gjorts före beslutet ({})",
                    p.paid_on
                ),
            ));
        }
        let payment =
            db::payments::planned_for(conn, &decision.call_id, &decision.organisation_id, p.year)?
                .into_iter()
                .find(|x| x.decision_id == decision.id)
                .ok_or_else(|| {
                    fail(
                        "year",
                        format!("beslutet har ingen planerad utbetalning för {}", p.year),
                    )
                })?;
        if paid_on > today {
            continue;
        }
        // Marked as on the day it was paid, at noon, or now if that is earlier.
        let marked_at = paid_on
            .and_hms_opt(12, 0, 0)
            .map(clock::from_stockholm_local)
            .unwrap_or(now)
            .min(now);
        db::payments::mark_paid(
            conn,
            &payment.id,
            paid_on,
            verification,
            &officer.user_id,
            marked_at.naive_utc(),
        )?;
        audit::record(
            conn,
            None,
            now,
            audit::Entry {
                action: crate::payments::action::PAID,
                entity_type: "payment",
                entity_id: Some(&payment.id),
                summary: format!(
                    "Utbetalning inläst ur fixturer: {} för {} i {}, betald {paid_on} (verifikation {verification})",
                    payment.amount_ore, payment.year, decision.registration_number
                ),
                details: json!({
                    "payment_id": payment.id,
                    "paid_on": paid_on,
                    "reference": verification,
                    "amount_ore": payment.amount_ore.ore(),
                }),
            },
        )?;
    }
    Ok(())
}

/// The agency's person of that e-mail address, who must hold the role.
fn staff_actor(conn: &mut DbConnection, email: &str, role: Role) -> Result<Actor, String> {
    let user = db::accounts::find_by_email(conn, &accounts::normalise_email(email))
        .map_err(|e| e.to_string())?
        .ok_or_else(|| format!("det finns inget konto {email}"))?;
    if user.role != role {
        return Err(format!(
            "{email} är {}, inte {}",
            user.role.label().to_lowercase(),
            role.label().to_lowercase()
        ));
    }
    accounts::load_actor(conn, &user.id)
        .map_err(|e| e.to_string())?
        .ok_or_else(|| format!("kontot {email} är inte aktivt"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_embedded_fixtures_parse() {
        let set = embedded();
        assert!(set.is_ok(), "{:?}", set.err());
        let set = set.unwrap_or_default();
        assert_eq!(
            set.organisations
                .iter()
                .filter(|o| o.value.kind == OrgKind::Region)
                .count(),
            21
        );
        assert_eq!(set.calls.len(), 1);
        assert_eq!(set.applications.len(), 4);
    }

    #[test]
    fn a_bad_organisation_number_names_row_and_field() {
        let files = vec![(
            "organisations.csv".to_string(),
            "org_number,name,kind,number_status,number_source\n232100-0255,Region Skåne,region,confirmed,x\n232100-0256,Fel,region,confirmed,x\n".to_string(),
        )];
        let err = parse(&files).err();
        assert_eq!(
            err.as_ref()
                .map(|e| (e.location.as_str(), e.field.as_str())),
            Some(("rad 3", "org_number"))
        );
        assert!(err.is_some_and(|e| e.to_string().contains("kontrollsiffran")));
    }

    #[test]
    fn a_misspelt_field_in_a_call_is_refused() {
        let text = EMBEDDED[2].1.replace("max_recipients", "max_recipient");
        let err = parse(&[("calls/x.toml".to_string(), text)]).err();
        assert!(err.is_some_and(|e| e.message.contains("max_recipient")));
    }
}
