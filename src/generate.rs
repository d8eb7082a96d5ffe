//! Generated data for load tests (`statsbidrag generate`): a database shaped like a national
//! agency's years of grants, of any size, on either backend.
//!
//! Half the applications are in an open call (most submitted and some with a supplement
//! asked for, assessed or complete, a tenth still drafts), half in a decided call (grants
//! with amounts per year, rejections, the payments made, report-back in every state, a few
//! repayment claims). Every organisation applies at most once per call, so 100 000
//! applications need 50 000 organisations, each with its own ombud. The rows
//! are the service's own structs, written with multi-row INSERTs in one transaction;
//! frozen rows (submitted versions, signed decisions, approved reports) are written open
//! and frozen at the end with one UPDATE each, as the database's triggers require.
//!
//! Text is varied but made from a few paragraphs: the load tests need realistic row counts
//! and sizes, not prose. Everything is derived from a seed, except ids (UUIDv7, as the
//! service makes them) and times, which follow `now`.

use std::time::Instant;

use chrono::{DateTime, Datelike, Duration, NaiveDate, NaiveDateTime, Utc};
use diesel::prelude::*;
use serde::Serialize;
use serde_json::json;

use crate::accounts::password;
use crate::audit::action;
use crate::clock;
use crate::codes::{
    ApplicationKind, ApplicationStatus, CallStatus, DecisionKind, DecisionStatus, NumberStatus,
    OrgKind, PaymentStatus, Rating, Recommendation, Role, SupplementStatus, VersionStatus,
};
use crate::db::accounts::User;
use crate::db::applications::{
    Answer, Application, BudgetLine, StaffLine, SupplementRequest, Version, YearRequest,
};
use crate::db::assessments::{Assessment, Proposal, ProposalYear};
use crate::db::audit::AuditEvent;
use crate::db::calls::{
    Call, CallDefinition, CallSection, CallYear, CostCategory, Criterion, ExpectedResult,
};
use crate::db::decisions::{Decision, DecisionYear};
use crate::db::organisations::Organisation;
use crate::db::payments::Payment;
use crate::db::reports::{CostLine, FieldAnswer, RepaymentClaim, ReportAnswer, ReportVersion};
use crate::db::schema::{
    application_answers, application_budget_lines, application_staff_lines, application_versions,
    application_years, applications, assessments, audit_events, decision_years, decisions,
    organisations, payments, proposal_years, proposals, registration_counters, repayment_claims,
    report_answers, report_cost_lines, report_field_answers, report_versions, reports,
    supplement_requests, users,
};
use crate::db::{self, DbConnection};
use crate::fixtures::{self, FixtureError, LoadOptions};
use crate::money::Ore;
use crate::reports::{Achievement, ClaimKind, ClaimStatus, ReportStatus};

/// The call whose questions, cost categories, criteria and expected results the generated
/// calls copy (loaded with the reference data).
pub const TEMPLATE_CALL: &str = "2020-integrerad-vard";
/// Bound variables per INSERT: under SQLite's 32 766 (and PostgreSQL's 65 535).
const MAX_VARIABLES: usize = 30_000;
/// Applications built in memory at a time (their rows are written before the next slice).
const SLICE: usize = 5_000;
const STAFF_DOMAIN: &str = "myndighet.example";
const APPLICANT_DOMAIN: &str = "sokande.example";

#[derive(Debug, Clone)]
pub struct Options {
    /// Applications in all: half in the open call, half in the decided one.
    pub applications: usize,
    /// The password of every generated account.
    pub password: String,
    /// Add to a database that already holds applications or accounts.
    pub force: bool,
    pub seed: u64,
}

#[derive(Debug, thiserror::Error)]
pub enum GenerateError {
    #[error("{0}")]
    Refused(String),
    #[error("databasen: {0}")]
    Db(#[from] diesel::result::Error),
    #[error("referensdata: {0}")]
    Fixtures(#[from] FixtureError),
    #[error("{0}")]
    Other(String),
}

/// What was made, and where a load test finds it.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Report {
    pub backend: String,
    pub seconds: f64,
    pub organisations: usize,
    pub accounts: usize,
    pub applications: usize,
    pub drafts: usize,
    pub decisions: usize,
    pub payments: usize,
    pub reports: usize,
    pub audit_events: usize,
    pub open_call_id: String,
    pub decided_call_id: String,
    pub officer_email: String,
    pub decision_maker_email: String,
    pub auditor_email: String,
    pub admin_email: String,
    /// One of each kind of row, for pages about one case, decision, organisation or report.
    pub sample_open_application_id: String,
    pub sample_decided_application_id: String,
    pub sample_decision_id: String,
    pub sample_organisation_id: String,
    pub sample_report_id: String,
    /// Draft applications of the open call, each with complete content and a signatory
    /// applicant of its own: what a load test saves and submits.
    pub drafts_to_submit: Vec<DraftRef>,
}

#[derive(Debug, Clone, Serialize)]
pub struct DraftRef {
    pub application_id: String,
    pub email: String,
}

/// Deterministic numbers (splitmix64): the same seed gives the same shapes and amounts.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// 0..n
    fn below(&mut self, n: u64) -> u64 {
        if n == 0 { 0 } else { self.next() % n }
    }

    /// A chance of `percent` in a hundred.
    fn chance(&mut self, percent: u64) -> bool {
        self.below(100) < percent
    }

    fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len() as u64) as usize]
    }
}

/// Generates the data, all or nothing.
pub fn generate(
    conn: &mut DbConnection,
    options: &Options,
    now: DateTime<Utc>,
) -> Result<Report, GenerateError> {
    let started = Instant::now();
    if options.applications < 2 {
        return Err(GenerateError::Refused(
            "ange minst 2 ansökningar (--applications)".into(),
        ));
    }
    db::run_migrations(conn).map_err(|e| GenerateError::Other(e.to_string()))?;
    let existing_applications: i64 = applications::table.count().get_result(conn)?;
    let existing_accounts: i64 = users::table.count().get_result(conn)?;
    if (existing_applications > 0 || existing_accounts > 0) && !options.force {
        return Err(GenerateError::Refused(format!(
            "databasen har redan {existing_applications} ansökningar och {existing_accounts} konton; \
             generera bara i en tom databas (eller lägg till med --force)"
        )));
    }
    let backend = match conn {
        DbConnection::Sqlite(_) => "SQLite",
        DbConnection::Postgresql(_) => "PostgreSQL",
    };
    // The reference data (regions, the programme, the template call) as `serve` would load
    // it into an empty database, in a transaction of its own.
    let existing_orgs: i64 = organisations::table.count().get_result(conn)?;
    if existing_orgs == 0 {
        let set = fixtures::embedded()?.without_demo();
        fixtures::load(conn, &set, &LoadOptions::default(), now)?;
    }
    let mut report = db::write_tx(conn, |conn| Generator::new(conn, options, now)?.run(conn))?;
    // Statistics for the planner, as after any bulk load: PostgreSQL's autovacuum would
    // gather them only minutes later (measured meanwhile, the lists chose scans), and SQLite
    // gathers none by itself. On PostgreSQL also VACUUM, as autovacuum would after the
    // inserts: until the visibility map is set, the planner reads a page of payments' decision
    // numbers through the table (5 pages a row) instead of the index that holds them
    // (`decisions_number_by_id`, 3), and the first reads of each row set its hint bits: the
    // payments page measured 1.7× its time at 1 000 on a database just generated.
    {
        use diesel::connection::SimpleConnection;
        conn.batch_execute(match conn {
            DbConnection::Postgresql(_) => "VACUUM ANALYZE",
            DbConnection::Sqlite(_) => "ANALYZE",
        })?;
    }
    report.backend = backend.to_string();
    report.seconds = started.elapsed().as_secs_f64();
    Ok(report)
}

/// Inserts rows in multi-row statements within the variable limit. Batch inserts do not
/// compile on the multi-backend connection: each backend's inner connection takes them.
macro_rules! insert_rows {
    ($conn:expr, $table:expr, $rows:expr, $columns:expr) => {{
        let rows = &$rows;
        let per_statement = (MAX_VARIABLES / $columns).max(1);
        for chunk in rows.chunks(per_statement) {
            match &mut *$conn {
                DbConnection::Sqlite(c) => {
                    diesel::insert_into($table).values(chunk).execute(c)?;
                }
                DbConnection::Postgresql(c) => {
                    diesel::insert_into($table).values(chunk).execute(c)?;
                }
            }
        }
        rows.len()
    }};
}

/// The rows of one slice of applications, written together.
#[derive(Default)]
struct Rows {
    applications: Vec<Application>,
    versions: Vec<Version>,
    answers: Vec<Answer>,
    years: Vec<YearRequest>,
    budget: Vec<BudgetLine>,
    staff: Vec<StaffLine>,
    supplements: Vec<SupplementRequest>,
    assessments: Vec<Assessment>,
    proposals: Vec<Proposal>,
    proposal_years: Vec<ProposalYear>,
    decisions: Vec<Decision>,
    decision_years: Vec<DecisionYear>,
    payments: Vec<Payment>,
    reports: Vec<Report_>,
    report_versions: Vec<ReportVersion>,
    report_answers: Vec<ReportAnswer>,
    report_costs: Vec<CostLine>,
    report_fields: Vec<FieldAnswer>,
    claims: Vec<RepaymentClaim>,
    audit: Vec<AuditEvent>,
}

type Report_ = crate::db::reports::Report;

struct Staff {
    officers: Vec<User>,
    decision_makers: Vec<User>,
}

struct Generator {
    rng: Rng,
    now: DateTime<Utc>,
    today: NaiveDate,
    password_hash: String,
    open: CallDefinition,
    decided: CallDefinition,
    staff: Staff,
    org_offset: usize,
    n_open: usize,
    n_decided: usize,
    /// Registration numbers taken so far, per year.
    counters: std::collections::BTreeMap<i32, i32>,
    report: Report,
}

const PARAGRAPHS: &[&str] = &[
    "Arbetet är förankrat i ledningen och hos de verksamheter som berörs. En styrgrupp med representanter för båda huvudmännen följer arbetet och fattar beslut om inriktning och prioriteringar.",
    "Målgruppen är barn och unga med omfattande behov av vård och stöd från flera huvudmän samtidigt. Arbetet avgränsas till de placeringar där behoven är störst och samordningen brister i dag.",
    "Samverkan sker inom regionen mellan psykiatri, habilitering och beroendevård, och med kommunernas socialtjänst, skolan och ideella organisationer. Gemensamma rutiner tas fram under det första året.",
    "Metoderna bygger på kunskapsstöd från Socialstyrelsen och på erfarenheter från tidigare utvecklingsarbete. Personalen utbildas i gemensamma arbetssätt och följs upp med handledning.",
    "Projektet omfattar en projektledare på heltid, två behandlare på halvtid och en utvärderare. Kostnaderna avser främst personal, men också resor mellan verksamheterna och utbildning.",
    "Resultaten följs upp varje kvartal med de mått som anges i bilagan. Erfarenheterna sprids till andra regioner och kommuner genom nätverksträffar och en slutrapport.",
];

const ACTIVITIES: &[&str] = &[
    "Gemensamma rutiner är framtagna och används.",
    "Personalen har utbildats och arbetssättet följs upp månadsvis.",
    "Arbetet har försenats men kommer i gång under våren.",
];

const TOWNS: &[&str] = &[
    "Ale",
    "Alingsås",
    "Arvika",
    "Boden",
    "Borås",
    "Eksjö",
    "Falun",
    "Gävle",
    "Hudiksvall",
    "Härnösand",
    "Kalmar",
    "Karlstad",
    "Kiruna",
    "Kristianstad",
    "Luleå",
    "Lund",
    "Malmö",
    "Mora",
    "Norrtälje",
    "Nyköping",
    "Piteå",
    "Skellefteå",
    "Sundsvall",
    "Uddevalla",
    "Umeå",
    "Uppsala",
    "Varberg",
    "Visby",
    "Västerås",
    "Växjö",
    "Ystad",
    "Örebro",
    "Östersund",
];

const ORG_FORMS: &[&str] = &[
    "Föreningen Ungdomsstöd",
    "Stiftelsen Barnens Bästa",
    "Riksförbundet Familjestöd",
    "Stödcentrum",
    "Ideella föreningen Vägen Vidare",
    "Kooperativet Nystart",
];

impl Generator {
    fn new(
        conn: &mut DbConnection,
        options: &Options,
        now: DateTime<Utc>,
    ) -> Result<Generator, GenerateError> {
        let template_call =
            db::calls::find_call_by_code(conn, TEMPLATE_CALL)?.ok_or_else(|| {
                GenerateError::Other(format!(
                    "utlysningen {TEMPLATE_CALL} (referensdata) saknas; den används som mall"
                ))
            })?;
        let template = db::calls::load_definition(conn, template_call)?;
        let password_hash =
            password::hash(&options.password).map_err(|e| GenerateError::Other(e.to_string()))?;
        let today = clock::stockholm_date(now);
        let org_offset =
            usize::try_from(organisations::table.count().get_result::<i64>(conn)?).unwrap_or(0);
        let n_open = options.applications / 2;
        let n_decided = options.applications - n_open;
        // A tag that keeps the codes of a second run (with --force) apart from the first.
        let tag = format!("{:x}", now.timestamp() % 0x10000);
        let year = today.year();
        let open = copy_call(
            &template,
            CallCopy {
                code: format!("genererad-{tag}-oppen"),
                title: format!(
                    "Statsbidrag för integrerad vård {}–{} (genererad, öppen)",
                    year + 1,
                    year + 2
                ),
                status: CallStatus::Published,
                opens_on: today - Duration::days(30),
                last_day: today + Duration::days(90),
                years: vec![year + 1, year + 2],
                max_recipients: n_open.max(1),
                ceiling: Ore::from_kronor(2_000_000_000),
            },
            now,
        );
        let decided_year = year - 3;
        let decided = copy_call(
            &template,
            CallCopy {
                code: format!("genererad-{tag}-beslutad"),
                title: format!(
                    "Statsbidrag för integrerad vård {}–{} (genererad, beslutad)",
                    decided_year + 1,
                    decided_year + 2
                ),
                status: CallStatus::Published,
                opens_on: date(decided_year, 1, 31),
                last_day: date(decided_year, 4, 20),
                years: vec![decided_year + 1, decided_year + 2],
                max_recipients: n_decided.max(1),
                // Set to what was granted once the decisions are made.
                ceiling: Ore::from_kronor(2_000_000_000),
            },
            now,
        );
        let mut counters = std::collections::BTreeMap::new();
        for y in [year, decided_year] {
            let current: Option<i32> = registration_counters::table
                .find(y)
                .select(registration_counters::last_value)
                .get_result(conn)
                .optional()?;
            counters.insert(y, current.unwrap_or(0));
        }
        let mut generator = Generator {
            rng: Rng(options.seed),
            now,
            today,
            password_hash,
            open,
            decided,
            staff: Staff {
                officers: Vec::new(),
                decision_makers: Vec::new(),
            },
            org_offset,
            n_open,
            n_decided,
            counters,
            report: Report::default(),
        };
        generator.staff(conn)?;
        Ok(generator)
    }

    /// The agency's people: a dozen officers, three decision makers, an auditor and an
    /// administrator. Existing accounts of the same addresses are used as they are.
    fn staff(&mut self, conn: &mut DbConnection) -> Result<(), GenerateError> {
        let wanted: Vec<(Role, String, String)> = (1..=12)
            .map(|n| {
                (
                    Role::Officer,
                    format!("handlaggare{n}@{STAFF_DOMAIN}"),
                    format!("Handläggare {n}"),
                )
            })
            .chain((1..=3).map(|n| {
                (
                    Role::DecisionMaker,
                    format!("beslutsfattare{n}@{STAFF_DOMAIN}"),
                    format!("Beslutsfattare {n}"),
                )
            }))
            .chain([
                (
                    Role::Auditor,
                    format!("revisor@{STAFF_DOMAIN}"),
                    "Revisor".to_string(),
                ),
                (
                    Role::Admin,
                    format!("admin@{STAFF_DOMAIN}"),
                    "Administratör".to_string(),
                ),
            ])
            .collect();
        let mut new_users = Vec::new();
        for (role, email, name) in wanted {
            let user = match db::accounts::find_by_email(conn, &email)? {
                Some(user) => user,
                None => {
                    let user = User {
                        id: db::new_id(),
                        email: email.clone(),
                        name,
                        password_hash: self.password_hash.clone(),
                        role,
                        organisation_id: None,
                        org_role: None,
                        active: true,
                        created_at: self.now.naive_utc(),
                        pin_hash: None,
                        pin_masked: None,
                    };
                    new_users.push(user.clone());
                    user
                }
            };
            match role {
                Role::Officer => self.staff.officers.push(user),
                Role::DecisionMaker => self.staff.decision_makers.push(user),
                Role::Auditor => self.report.auditor_email = email,
                Role::Admin => self.report.admin_email = email,
                Role::Applicant => {}
            }
        }
        self.report.accounts += insert_rows!(conn, users::table, new_users, 11);
        self.report.officer_email = self.staff.officers[0].email.clone();
        self.report.decision_maker_email = self.staff.decision_makers[0].email.clone();
        Ok(())
    }

    fn run(mut self, conn: &mut DbConnection) -> Result<Report, GenerateError> {
        // The programme is the template's: the generated calls are later rounds of it.
        for def in [&self.decided, &self.open] {
            db::calls::insert_definition(conn, def)?;
        }
        self.report.open_call_id = self.open.call.id.clone();
        self.report.decided_call_id = self.decided.call.id.clone();
        counting_triggers(conn, false)?;

        let n_orgs = self.n_open.max(self.n_decided);
        let mut granted_per_year: std::collections::BTreeMap<i32, Ore> = Default::default();
        let mut start = 0;
        while start < n_orgs {
            let end = (start + SLICE).min(n_orgs);
            let (orgs, applicants) = self.organisations(start..end);
            self.report.organisations += insert_rows!(conn, organisations::table, orgs, 7);
            self.report.accounts += insert_rows!(conn, users::table, applicants, 11);
            let mut rows = Rows::default();
            for (i, (org, applicant)) in orgs.iter().zip(&applicants).enumerate() {
                let index = start + i;
                if index < self.n_open {
                    self.open_application(&mut rows, org, applicant);
                }
                if index < self.n_decided {
                    self.decided_application(&mut rows, org, applicant);
                }
            }
            for y in &rows.decision_years {
                let granted = granted_per_year.entry(y.year).or_insert(Ore::ZERO);
                *granted = *granted + y.amount_ore;
            }
            self.write(conn, rows)?;
            start = end;
        }
        self.freeze(conn)?;
        // The report-back lists' kept rows, as the service's own writes would have left them.
        db::reports::rebuild_call(conn, &self.decided.call.id)?;
        // The decided call's ceilings are what was granted (rounded up to a million), as an
        // agency's decisions would leave them.
        for (year, granted) in granted_per_year {
            let million = 100_000_000;
            let ceiling = Ore::from_ore((granted.ore() / million + 1) * million);
            diesel::update(
                crate::db::schema::call_years::table
                    .filter(crate::db::schema::call_years::call_id.eq(&self.decided.call.id))
                    .filter(crate::db::schema::call_years::year.eq(year)),
            )
            .set(crate::db::schema::call_years::ceiling_ore.eq(ceiling))
            .execute(conn)?;
        }
        // The rows above went in by the thousand, past the functions that keep the calls'
        // money figures (`db::money_figures`); they are built once here from what was
        // written, in the same transaction.
        db::money_figures::rebuild_all(conn)?;
        db::applications::rebuild_counts(conn)?;
        db::payments::rebuild_counts(conn)?;
        counting_triggers(conn, true)?;
        for (year, last) in &self.counters {
            let upsert = diesel::insert_into(registration_counters::table)
                .values((
                    registration_counters::year.eq(*year),
                    registration_counters::last_value.eq(*last),
                ))
                .on_conflict(registration_counters::year)
                .do_update()
                .set(registration_counters::last_value.eq(*last));
            match conn {
                DbConnection::Sqlite(c) => upsert.execute(c)?,
                DbConnection::Postgresql(c) => upsert.execute(c)?,
            };
        }
        let summary = AuditEvent {
            id: db::new_id(),
            occurred_at: self.now.naive_utc(),
            actor_user_id: None,
            actor_email: None,
            actor_role: None,
            actor_organisation_id: None,
            action: "fixtures.generated".into(),
            entity_type: "fixtures".into(),
            entity_id: None,
            summary: format!(
                "Testdata genererad: {} organisationer, {} konton, {} ansökningar, {} beslut",
                self.report.organisations,
                self.report.accounts,
                self.report.applications,
                self.report.decisions
            ),
            details: json!({
                "applications": self.report.applications,
                "decisions": self.report.decisions,
                "open_call_id": self.report.open_call_id,
                "decided_call_id": self.report.decided_call_id,
            })
            .to_string(),
        };
        self.report.audit_events += insert_rows!(conn, audit_events::table, [summary], 11);
        Ok(self.report)
    }

    fn organisations(&mut self, range: std::ops::Range<usize>) -> (Vec<Organisation>, Vec<User>) {
        let mut orgs = Vec::with_capacity(range.len());
        let mut people = Vec::with_capacity(range.len());
        for index in range {
            let n = self.org_offset + index;
            let (kind, prefix, name) = match n % 20 {
                0 | 1 => (
                    OrgKind::Municipality,
                    "219",
                    format!("{} kommun {}", self.rng.pick(TOWNS), n),
                ),
                2 => (
                    OrgKind::Agency,
                    "209",
                    format!("Länsstyrelsen {} {}", self.rng.pick(TOWNS), n),
                ),
                _ => (
                    OrgKind::Other,
                    "809",
                    format!(
                        "{} i {} {}",
                        self.rng.pick(ORG_FORMS),
                        self.rng.pick(TOWNS),
                        n
                    ),
                ),
            };
            let number = org_number(prefix, n);
            let org = Organisation {
                id: db::new_id(),
                org_number: number.clone(),
                name,
                kind,
                number_status: NumberStatus::Unconfirmed,
                number_source: "Genererad testdata (statsbidrag generate)".into(),
                created_at: self.now.naive_utc(),
            };
            let digits: String = number.chars().filter(char::is_ascii_digit).collect();
            people.push(User {
                id: db::new_id(),
                email: applicant_email(&digits),
                name: format!("Företrädare {n}"),
                password_hash: self.password_hash.clone(),
                role: Role::Applicant,
                organisation_id: Some(org.id.clone()),
                org_role: Some(crate::codes::OrgRole::Ombud),
                active: true,
                created_at: self.now.naive_utc(),
                pin_hash: None,
                pin_masked: None,
            });
            orgs.push(org);
        }
        (orgs, people)
    }

    fn text(&mut self, org: &Organisation, max: i32) -> String {
        let text = format!(
            "{} söker medel för arbetet.\n\n{}",
            org.name,
            self.rng.pick(PARAGRAPHS)
        );
        let max = usize::try_from(max).unwrap_or(0);
        if text.chars().count() > max {
            text.chars().take(max).collect()
        } else {
            text
        }
    }

    fn officer(&mut self) -> User {
        let i = self.rng.below(self.staff.officers.len() as u64) as usize;
        self.staff.officers[i].clone()
    }

    fn registration_number(&mut self, year: i32) -> String {
        let counter = self.counters.entry(year).or_insert(0);
        *counter += 1;
        crate::registration::format(year, *counter)
    }

    /// A version with every question answered and a budget for each year: complete by the
    /// service's rules, whether or not it is submitted. Returns what is asked per year.
    #[allow(clippy::too_many_arguments)]
    fn version_rows(
        &mut self,
        rows: &mut Rows,
        def_is_open: bool,
        application: &Application,
        org: &Organisation,
        applicant: &User,
        created_at: NaiveDateTime,
        submitted: bool,
    ) -> Vec<(i32, Ore)> {
        let def = if def_is_open {
            &self.open
        } else {
            &self.decided
        };
        let sections: Vec<CallSection> = def.sections.clone();
        let categories: Vec<CostCategory> = def.cost_categories.clone();
        let years: Vec<i32> = def.years.iter().map(|y| y.year).collect();
        let version = Version {
            id: db::new_id(),
            application_id: application.id.clone(),
            number: 1,
            // Frozen later, in `freeze`: the triggers refuse rows under a submitted version.
            status: VersionStatus::Draft,
            supplement_request_id: None,
            created_at,
            created_by: Some(applicant.id.clone()),
            submitted_at: submitted.then_some(created_at + Duration::days(2)),
            submitted_by: submitted.then(|| applicant.id.clone()),
            supplement_answer: None,
            reasons: None,
        };
        for section in &sections {
            let body = self.text(org, section.max_length);
            rows.answers.push(Answer {
                version_id: version.id.clone(),
                section_id: section.id.clone(),
                body,
            });
        }
        let mut asked = Vec::new();
        for year in years {
            let mut total = Ore::ZERO;
            for (position, category) in categories.iter().enumerate() {
                // Personnel always, the others now and then.
                if position > 0 && !self.rng.chance(60) {
                    continue;
                }
                let kronor = if category.code == "personal" {
                    400_000 + 10_000 * self.rng.below(160) as i64
                } else {
                    20_000 + 5_000 * self.rng.below(40) as i64
                };
                let amount = Ore::from_kronor(kronor);
                total = total + amount;
                rows.budget.push(BudgetLine {
                    id: db::new_id(),
                    version_id: version.id.clone(),
                    year,
                    cost_category_id: category.id.clone(),
                    amount_ore: amount,
                    description: format!("{} {year}", category.name),
                });
                if category.code == "personal" {
                    // Two staff lines within the personnel budget.
                    for (i, (role, share)) in [("Projektledare", 60), ("Behandlare", 40)]
                        .iter()
                        .enumerate()
                    {
                        rows.staff.push(StaffLine {
                            id: db::new_id(),
                            version_id: version.id.clone(),
                            year,
                            position: i as i32,
                            role: (*role).to_string(),
                            fte_percent: if i == 0 { 100 } else { 50 },
                            months: 12,
                            cost_ore: Ore::from_ore(amount.ore() / 100 * share),
                        });
                    }
                }
            }
            rows.years.push(YearRequest {
                version_id: version.id.clone(),
                year,
                requested_ore: total,
            });
            asked.push((year, total));
        }
        rows.versions.push(version);
        asked
    }

    fn open_application(&mut self, rows: &mut Rows, org: &Organisation, applicant: &User) {
        // Applications come in over the weeks the call has been open.
        let created_at = self.now.naive_utc()
            - Duration::minutes(60 * 24 * 28 - self.rng.below(60 * 24 * 20) as i64);
        let draft = self.rng.chance(10);
        let status = if draft {
            ApplicationStatus::Draft
        } else {
            match self.rng.below(100) {
                0..=9 => ApplicationStatus::SupplementRequested,
                10..=29 => ApplicationStatus::Complete,
                30..=44 => ApplicationStatus::Assessed,
                _ => ApplicationStatus::Submitted,
            }
        };
        let submitted_at = (!draft).then_some(created_at + Duration::days(2));
        let year = self.today.year();
        let application = Application {
            id: db::new_id(),
            call_id: self.open.call.id.clone(),
            organisation_id: org.id.clone(),
            kind: ApplicationKind::Initial,
            redistribution_round_id: None,
            status,
            registration_number: (!draft).then(|| self.registration_number(year)),
            project_title: format!("Integrerad vård i {}", org.name),
            source_note: None,
            created_by: Some(applicant.id.clone()),
            created_at,
            submitted_at,
            submitted_by: submitted_at.map(|_| applicant.id.clone()),
        };
        let asked = self.version_rows(rows, true, &application, org, applicant, created_at, !draft);
        if draft {
            self.report.drafts += 1;
            self.report.drafts_to_submit.push(DraftRef {
                application_id: application.id.clone(),
                email: applicant.email.clone(),
            });
        } else if let Some(at) = submitted_at {
            rows.audit.push(audit(
                at,
                Some(applicant),
                action::APPLICATION_SUBMITTED,
                "application",
                &application.id,
                format!(
                    "Ansökan {} version 1 inskickad av {} för {}",
                    application.registration_number.as_deref().unwrap_or(""),
                    applicant.name,
                    org.name
                ),
                json!({ "registration_number": application.registration_number, "version": 1 }),
            ));
        }
        match status {
            ApplicationStatus::SupplementRequested => {
                let officer = self.officer();
                let at = created_at + Duration::days(5);
                rows.supplements.push(SupplementRequest {
                    id: db::new_id(),
                    application_id: application.id.clone(),
                    requested_by: Some(officer.id.clone()),
                    requested_at: at,
                    message: "Beskriv närmare hur samverkan med kommunerna ska gå till.".into(),
                    due_on: self.today + Duration::days(14),
                    status: SupplementStatus::Open,
                    answered_at: None,
                    answered_by: None,
                    answer_text: None,
                    budget_change_allowed: false,
                });
                rows.audit.push(audit(
                    at,
                    Some(&officer),
                    action::SUPPLEMENT_REQUESTED,
                    "application",
                    &application.id,
                    "Komplettering begärd".into(),
                    json!({}),
                ));
            }
            ApplicationStatus::Assessed => {
                let officer = self.officer();
                let at = created_at + Duration::days(7);
                for criterion in self.open.criteria.clone() {
                    let rating = *self.rng.pick(&[Rating::Met, Rating::Met, Rating::Partly]);
                    rows.assessments.push(Assessment {
                        id: db::new_id(),
                        application_id: application.id.clone(),
                        officer_id: officer.id.clone(),
                        criterion_id: criterion.id.clone(),
                        rating,
                        comment: "Bedömt mot kriteriet utifrån ansökans beskrivning.".into(),
                        created_at: at,
                    });
                }
                let proposal = Proposal {
                    id: db::new_id(),
                    application_id: application.id.clone(),
                    officer_id: officer.id.clone(),
                    recommendation: Recommendation::Grant,
                    reasons: "Ansökan uppfyller kriterierna.".into(),
                    created_at: at,
                };
                for (year, amount) in &asked {
                    rows.proposal_years.push(ProposalYear {
                        proposal_id: proposal.id.clone(),
                        year: *year,
                        amount_ore: *amount,
                    });
                }
                rows.proposals.push(proposal);
            }
            _ => {}
        }
        if self.report.sample_open_application_id.is_empty() && !draft {
            self.report.sample_open_application_id = application.id.clone();
        }
        rows.applications.push(application);
        self.report.applications += 1;
    }

    fn decided_application(&mut self, rows: &mut Rows, org: &Organisation, applicant: &User) {
        let call_year = self.decided.call.opens_on.year();
        let created_at = at_noon(self.decided.call.opens_on)
            + Duration::minutes(self.rng.below(60 * 24 * 70) as i64);
        let submitted_at = created_at + Duration::days(2);
        let application = Application {
            id: db::new_id(),
            call_id: self.decided.call.id.clone(),
            organisation_id: org.id.clone(),
            kind: ApplicationKind::Initial,
            redistribution_round_id: None,
            status: ApplicationStatus::Decided,
            registration_number: Some(self.registration_number(call_year)),
            project_title: format!("Utveckling av integrerad vård, {}", org.name),
            source_note: None,
            created_by: Some(applicant.id.clone()),
            created_at,
            submitted_at: Some(submitted_at),
            submitted_by: Some(applicant.id.clone()),
        };
        let asked = self.version_rows(rows, false, &application, org, applicant, created_at, true);
        let officer = self.officer();
        let maker_index = self.rng.below(self.staff.decision_makers.len() as u64) as usize;
        let maker = self.staff.decision_makers[maker_index].clone();
        let decided_on = date(call_year, 6, 30);
        let decided_at = at_noon(decided_on);
        let grant = self.rng.chance(75);
        let first_year = self
            .decided
            .years
            .first()
            .map(|y| y.year)
            .unwrap_or(call_year + 1);
        let decision = Decision {
            id: db::new_id(),
            call_id: self.decided.call.id.clone(),
            application_id: Some(application.id.clone()),
            organisation_id: org.id.clone(),
            kind: if grant {
                DecisionKind::Grant
            } else {
                DecisionKind::Rejection
            },
            // Signed in `freeze`, once its years are written.
            status: DecisionStatus::Draft,
            registration_number: application.registration_number.clone().unwrap_or_default(),
            decided_on: Some(decided_on),
            purpose: self.decided.programme.purpose.clone(),
            reasons: if grant {
                "Ansökan uppfyller förutsättningarna och arbetet är väl förankrat.".into()
            } else {
                "Ansökan beskriver inte tillräckligt hur arbetet ska bedrivas i samverkan.".into()
            },
            report_due_on: grant
                .then(|| crate::decisions::letter::report_due(&self.decided, first_year))
                .flatten(),
            presenting_officer_id: officer.id.clone(),
            decision_maker_id: Some(maker.id.clone()),
            amends_decision_id: None,
            redistribution_round_id: None,
            source_note: None,
            created_at: decided_at - Duration::days(3),
            created_by: officer.id.clone(),
            signed_at: None,
        };
        rows.audit.push(audit(
            submitted_at,
            Some(applicant),
            action::APPLICATION_SUBMITTED,
            "application",
            &application.id,
            format!(
                "Ansökan {} version 1 inskickad",
                decision.registration_number
            ),
            json!({ "version": 1 }),
        ));
        rows.audit.push(audit(
            decided_at,
            Some(&maker),
            action::DECISION_SIGNED,
            "decision",
            &decision.id,
            format!(
                "Beslut {} {} fattat {decided_on}",
                decision.kind.label().to_lowercase(),
                decision.registration_number
            ),
            json!({ "kind": decision.kind.as_str() }),
        ));
        if grant {
            for (year, asked) in &asked {
                // Most get what they asked for, some a part of it.
                let share = if self.rng.chance(70) {
                    100
                } else {
                    60 + self.rng.below(40) as i64
                };
                let amount = Ore::from_kronor(asked.ore() / 100 * share / 100);
                rows.decision_years.push(DecisionYear {
                    decision_id: decision.id.clone(),
                    year: *year,
                    amount_ore: amount,
                });
                self.payment(rows, &decision, *year, amount, decided_on, &officer);
                self.report_back(rows, &decision, org, applicant, *year, amount, &maker);
            }
        }
        if self.report.sample_report_id.is_empty()
            && let Some(report) = rows.reports.last()
        {
            self.report.sample_decided_application_id = application.id.clone();
            self.report.sample_decision_id = decision.id.clone();
            self.report.sample_organisation_id = org.id.clone();
            self.report.sample_report_id = report.id.clone();
        }
        rows.decisions.push(decision);
        rows.applications.push(application);
        self.report.applications += 1;
        self.report.decisions += 1;
    }

    fn payment(
        &mut self,
        rows: &mut Rows,
        decision: &Decision,
        year: i32,
        amount: Ore,
        decided_on: NaiveDate,
        officer: &User,
    ) {
        let due_on = crate::payments::due_on(&self.decided.call, year)
            .unwrap_or(decided_on)
            .max(decided_on);
        let paid_on = due_on + Duration::days(14);
        let paid = paid_on <= self.today;
        let payment = Payment {
            id: db::new_id(),
            decision_id: decision.id.clone(),
            call_id: decision.call_id.clone(),
            organisation_id: decision.organisation_id.clone(),
            year,
            amount_ore: amount,
            due_on,
            status: if paid {
                PaymentStatus::Paid
            } else {
                PaymentStatus::Planned
            },
            paid_on: paid.then_some(paid_on),
            payment_reference: paid.then(|| format!("VER-{year}-{}", self.report.payments + 1)),
            marked_by: paid.then(|| officer.id.clone()),
            marked_at: paid.then(|| at_noon(paid_on)),
            created_at: at_noon(decided_on),
            cancelled_at: None,
            cancelled_by_decision_id: None,
        };
        if paid {
            rows.audit.push(audit(
                at_noon(paid_on),
                Some(officer),
                crate::payments::action::PAID,
                "payment",
                &payment.id,
                format!(
                    "Utbetalning {amount} för {year} i {} markerad som betald",
                    decision.registration_number
                ),
                json!({ "payment_id": payment.id, "amount_ore": amount.ore() }),
            ));
        }
        rows.payments.push(payment);
        self.report.payments += 1;
    }

    /// The year's report-back in the state it would have reached by today: none before it
    /// opens; after that mostly approved, some submitted, some started, some missing (overdue).
    #[allow(clippy::too_many_arguments)]
    fn report_back(
        &mut self,
        rows: &mut Rows,
        decision: &Decision,
        org: &Organisation,
        applicant: &User,
        year: i32,
        granted: Ore,
        maker: &User,
    ) {
        let rules = crate::reports::default_rules(&self.decided.call.id);
        let (Some(opens_on), Some(due_on)) = (
            crate::reports::opens_on(&rules, year),
            crate::reports::due_on(&self.decided, year),
        ) else {
            return;
        };
        if opens_on > self.today {
            return;
        }
        let state = self.rng.below(100);
        let status = match state {
            0..=64 => ReportStatus::Approved,
            65..=84 => ReportStatus::Submitted,
            85..=92 => ReportStatus::Draft,
            _ => return,
        };
        let created_at = at_noon(opens_on) + Duration::days(10);
        let submitted = status != ReportStatus::Draft;
        let submitted_at = created_at + Duration::days(20);
        let approved = status == ReportStatus::Approved;
        let report = Report_ {
            id: db::new_id(),
            decision_id: decision.id.clone(),
            organisation_id: org.id.clone(),
            year,
            // Approved in `freeze`, once its version is written.
            status: if approved {
                ReportStatus::Submitted
            } else {
                status
            },
            opens_on,
            due_on,
            created_at,
            approved_at: approved.then_some(submitted_at + Duration::days(30)),
            approved_by: approved.then(|| maker.id.clone()),
        };
        let unused = if self.rng.chance(10) {
            Ore::from_kronor(granted.ore() / 100 / 10)
        } else {
            Ore::ZERO
        };
        let used = granted - unused;
        // As many draws as when the counts were columns, so the rest of the data stays the
        // same; girls and boys at most the total, as the form requires.
        let total = 20 + self.rng.below(40) as i64;
        let girls = (10 + self.rng.below(20) as i64).min(total);
        let boys = (10 + self.rng.below(20) as i64).min(total - girls);
        let version = ReportVersion {
            id: db::new_id(),
            report_id: report.id.clone(),
            number: 1,
            status: VersionStatus::Draft,
            created_at,
            created_by: Some(applicant.id.clone()),
            submitted_at: submitted.then_some(submitted_at),
            submitted_by: submitted.then(|| applicant.id.clone()),
            signer_name: submitted.then(|| applicant.name.clone()),
            signer_role: submitted.then(|| "Verksamhetschef".to_string()),
            // The counts are the answer to the call's counts field (below).
            children_total: None,
            girls: None,
            boys: None,
            staff_fte_hundredths: Some(150 + self.rng.below(300) as i32),
            received_ore: Some(granted),
            used_ore: Some(used),
            unused_ore: Some(unused),
            supplement_request_id: None,
        };
        if let Some(field) = crate::reports::counts_field(&self.decided.report_form()) {
            let counts = crate::calls::form::SexCounts {
                total,
                girls: Some(girls),
                boys: Some(boys),
            };
            if let Ok(body) = serde_json::to_string(&counts) {
                rows.report_fields.push(FieldAnswer {
                    version_id: version.id.clone(),
                    field_id: field.id.clone(),
                    body,
                });
            }
        }
        for result in self.decided.expected_results.clone() {
            if result.year != year {
                continue;
            }
            rows.report_answers.push(ReportAnswer {
                version_id: version.id.clone(),
                expected_result_id: result.id.clone(),
                achievement: *self.rng.pick(&[
                    Achievement::Achieved,
                    Achievement::Achieved,
                    Achievement::Partly,
                ]),
                activities: (*self.rng.pick(ACTIVITIES)).to_string(),
                obstacles: "Inga större hinder.".into(),
            });
        }
        if let Some(personnel) = self.decided.cost_categories.first() {
            rows.report_costs.push(CostLine {
                version_id: version.id.clone(),
                cost_category_id: personnel.id.clone(),
                used_ore: used,
            });
        }
        if approved && unused > Ore::ZERO {
            rows.claims.push(RepaymentClaim {
                id: db::new_id(),
                organisation_id: org.id.clone(),
                decision_id: decision.id.clone(),
                report_id: Some(report.id.clone()),
                call_id: decision.call_id.clone(),
                year,
                kind: ClaimKind::Repayment,
                amount_ore: unused,
                reason: format!("Outnyttjade medel för {year} enligt återrapporteringen."),
                payment_reference: format!("ÅB-{year}-{}", rows.claims.len() + 1),
                due_on: due_on + Duration::days(90),
                status: if self.rng.chance(70) {
                    ClaimStatus::Received
                } else {
                    ClaimStatus::Open
                },
                received_on: None,
                created_at: submitted_at + Duration::days(30),
                created_by: maker.id.clone(),
                received_by: None,
            });
            if let Some(claim) = rows.claims.last_mut()
                && claim.status == ClaimStatus::Received
            {
                claim.received_on = Some(claim.due_on - Duration::days(10));
                claim.received_by = Some(maker.id.clone());
            }
        }
        rows.report_versions.push(version);
        rows.reports.push(report);
        self.report.reports += 1;
    }

    fn write(&mut self, conn: &mut DbConnection, rows: Rows) -> Result<(), GenerateError> {
        insert_rows!(conn, applications::table, rows.applications, 13);
        insert_rows!(conn, application_versions::table, rows.versions, 11);
        insert_rows!(conn, application_answers::table, rows.answers, 3);
        insert_rows!(conn, application_years::table, rows.years, 3);
        insert_rows!(conn, application_budget_lines::table, rows.budget, 6);
        insert_rows!(conn, application_staff_lines::table, rows.staff, 8);
        insert_rows!(conn, supplement_requests::table, rows.supplements, 11);
        insert_rows!(conn, assessments::table, rows.assessments, 7);
        insert_rows!(conn, proposals::table, rows.proposals, 6);
        insert_rows!(conn, proposal_years::table, rows.proposal_years, 3);
        insert_rows!(conn, decisions::table, rows.decisions, 19);
        insert_rows!(conn, decision_years::table, rows.decision_years, 3);
        insert_rows!(conn, payments::table, rows.payments, 15);
        insert_rows!(conn, reports::table, rows.reports, 10);
        insert_rows!(conn, report_versions::table, rows.report_versions, 18);
        insert_rows!(conn, report_answers::table, rows.report_answers, 5);
        insert_rows!(conn, report_cost_lines::table, rows.report_costs, 3);
        insert_rows!(conn, report_field_answers::table, rows.report_fields, 3);
        insert_rows!(conn, repayment_claims::table, rows.claims, 16);
        self.report.audit_events += insert_rows!(conn, audit_events::table, rows.audit, 11);
        Ok(())
    }

    /// Freezes what is submitted, signed and approved, now that the rows under it are
    /// written: the database refuses rows under a frozen version, decision or report.
    fn freeze(&mut self, conn: &mut DbConnection) -> Result<(), GenerateError> {
        // The signing below runs the outcome trigger once per decision, each a few lookups
        // by index; PostgreSQL plans them with the statistics of the empty tables this
        // transaction began with, scans instead, and the 50 000 signings took 130 s. ANALYZE
        // in the transaction counts its own rows.
        if let DbConnection::Postgresql(c) = conn {
            use diesel::connection::SimpleConnection;
            c.batch_execute(
                "ANALYZE applications, application_versions, application_years, decisions, \
                 decision_years",
            )?;
        }
        let calls = vec![self.open.call.id.clone(), self.decided.call.id.clone()];
        let generated_applications = applications::table
            .filter(applications::call_id.eq_any(calls.clone()))
            .select(applications::id);
        diesel::update(
            application_versions::table
                .filter(application_versions::application_id.eq_any(generated_applications))
                .filter(application_versions::status.eq(VersionStatus::Draft))
                .filter(application_versions::submitted_at.is_not_null()),
        )
        .set(application_versions::status.eq(VersionStatus::Submitted))
        .execute(conn)?;
        let generated_decisions = decisions::table
            .filter(decisions::call_id.eq(self.decided.call.id.clone()))
            .select(decisions::id);
        let generated_reports = reports::table
            .filter(reports::decision_id.eq_any(generated_decisions))
            .select(reports::id);
        diesel::update(
            report_versions::table
                .filter(report_versions::report_id.eq_any(generated_reports))
                .filter(report_versions::status.eq(VersionStatus::Draft))
                .filter(report_versions::submitted_at.is_not_null()),
        )
        .set(report_versions::status.eq(VersionStatus::Submitted))
        .execute(conn)?;
        let generated_decisions = decisions::table
            .filter(decisions::call_id.eq(self.decided.call.id.clone()))
            .select(decisions::id);
        diesel::update(
            reports::table
                .filter(reports::decision_id.eq_any(generated_decisions))
                .filter(reports::status.eq(ReportStatus::Submitted))
                .filter(reports::approved_at.is_not_null()),
        )
        .set(reports::status.eq(ReportStatus::Approved))
        .execute(conn)?;
        diesel::update(
            decisions::table
                .filter(decisions::call_id.eq(self.decided.call.id.clone()))
                .filter(decisions::status.eq(DecisionStatus::Draft))
                .filter(decisions::decided_on.is_not_null()),
        )
        .set((
            decisions::status.eq(DecisionStatus::Signed),
            decisions::signed_at.eq(decisions::created_at.nullable()),
        ))
        .execute(conn)?;
        Ok(())
    }
}

/// Turns off (and back on) the triggers that keep counts of applications and payments,
/// on PostgreSQL, for the generator's one transaction; the counts are written from the rows
/// before they are turned on again. Each of those triggers moves one row per call for every
/// row inserted, and PostgreSQL keeps every version of a row a transaction updates: the
/// 50 000th increment of the same count walked past the 49 999 before it, and a generation
/// of 100 000 applications went from 72 s to more than 10 minutes. `ALTER TABLE` is
/// transactional there (undone with the rest if the generation fails) and holds the tables
/// locked against every other session until the commit: the generator is a bulk load into
/// a database no service is using. SQLite keeps no row versions and needs none of this.
fn counting_triggers(conn: &mut DbConnection, enable: bool) -> Result<(), GenerateError> {
    use diesel::connection::SimpleConnection;
    if let DbConnection::Postgresql(c) = conn {
        let verb = if enable { "ENABLE" } else { "DISABLE" };
        c.batch_execute(&format!(
            "ALTER TABLE applications {verb} TRIGGER application_counts_keep; \
             ALTER TABLE payments {verb} TRIGGER payment_counts_keep;"
        ))?;
    }
    Ok(())
}

struct CallCopy {
    code: String,
    title: String,
    status: CallStatus,
    opens_on: NaiveDate,
    last_day: NaiveDate,
    years: Vec<i32>,
    max_recipients: usize,
    ceiling: Ore,
}

/// The template's questions, cost categories, criteria and expected results (the first
/// year's results for the first year, the second's for the rest) under new ids.
fn copy_call(template: &CallDefinition, copy: CallCopy, now: DateTime<Utc>) -> CallDefinition {
    let id = db::new_id();
    let call = Call {
        id: id.clone(),
        code: copy.code,
        title: copy.title,
        status: copy.status,
        max_recipients: i32::try_from(copy.max_recipients).unwrap_or(i32::MAX),
        opens_on: copy.opens_on,
        last_day: copy.last_day,
        requires_approved_reports: false,
        copied_from_call_id: None,
        created_at: now.naive_utc(),
        published_at: Some(clock::stockholm_day_start(copy.opens_on).naive_utc()),
        closed_at: None,
        ..template.call.clone()
    };
    let template_years: Vec<i32> = template.years.iter().map(|y| y.year).collect();
    let expected_results = copy
        .years
        .iter()
        .enumerate()
        .flat_map(|(i, year)| {
            let source = template_years
                .get(i.min(template_years.len().saturating_sub(1)))
                .copied()
                .unwrap_or_default();
            template
                .expected_results
                .iter()
                .filter(move |r| r.year == source)
                .map(|r| ExpectedResult {
                    id: db::new_id(),
                    call_id: id.clone(),
                    year: *year,
                    ..r.clone()
                })
                .collect::<Vec<_>>()
        })
        .collect();
    CallDefinition {
        programme: template.programme.clone(),
        years: copy
            .years
            .iter()
            .map(|year| CallYear {
                call_id: id.clone(),
                year: *year,
                ceiling_ore: copy.ceiling,
                lock_version: 0,
            })
            .collect(),
        eligible_kinds: OrgKind::ALL.to_vec(),
        sections: template
            .sections
            .iter()
            .map(|s| CallSection {
                id: db::new_id(),
                call_id: id.clone(),
                ..s.clone()
            })
            .collect(),
        report_fields: template
            .report_fields
            .iter()
            .map(|f| crate::db::calls::ReportField {
                id: db::new_id(),
                call_id: id.clone(),
                ..f.clone()
            })
            .collect(),
        cost_categories: template
            .cost_categories
            .iter()
            .map(|c| CostCategory {
                id: db::new_id(),
                call_id: id.clone(),
                ..c.clone()
            })
            .collect(),
        criteria: template
            .criteria
            .iter()
            .map(|c| Criterion {
                id: db::new_id(),
                call_id: id.clone(),
                ..c.clone()
            })
            .collect(),
        expected_results,
        call,
    }
}

/// The applicant of a generated organisation (by its number's digits).
pub fn applicant_email(org_digits: &str) -> String {
    format!("foretradare-{org_digits}@{APPLICANT_DOMAIN}")
}

/// `PPPNNNNNN` and a Luhn check digit, as `NNNNNN-NNNN`.
fn org_number(prefix: &str, n: usize) -> String {
    let nine = format!("{prefix}{:06}", n % 1_000_000);
    let sum: u32 = nine
        .bytes()
        .enumerate()
        .map(|(i, b)| {
            let d = u32::from(b - b'0');
            if i % 2 == 0 {
                let doubled = d * 2;
                doubled / 10 + doubled % 10
            } else {
                d
            }
        })
        .sum();
    let check = (10 - sum % 10) % 10;
    format!("{}-{}{check}", &nine[..6], &nine[6..])
}

fn date(year: i32, month: u32, day: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(year, month, day).unwrap_or_default()
}

fn at_noon(day: NaiveDate) -> NaiveDateTime {
    day.and_hms_opt(12, 0, 0).unwrap_or_default()
}

#[allow(clippy::too_many_arguments)]
fn audit(
    at: NaiveDateTime,
    actor: Option<&User>,
    action: &str,
    entity_type: &str,
    entity_id: &str,
    summary: String,
    details: serde_json::Value,
) -> AuditEvent {
    AuditEvent {
        id: db::new_id(),
        occurred_at: at,
        actor_user_id: actor.map(|a| a.id.clone()),
        actor_email: actor.map(|a| a.email.clone()),
        actor_role: actor.map(|a| a.role.as_str().to_string()),
        actor_organisation_id: actor.and_then(|a| a.organisation_id.clone()),
        action: action.to_string(),
        entity_type: entity_type.to_string(),
        entity_id: Some(entity_id.to_string()),
        summary,
        details: details.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::orgnr::OrgNumber;

    #[test]
    fn generated_organisation_numbers_pass_the_check() {
        for (prefix, n) in [("802", 0), ("219", 17), ("209", 999_999), ("802", 49_999)] {
            let number = org_number(prefix, n);
            assert_eq!(OrgNumber::parse(&number).map(|o| o.to_string()), Ok(number));
        }
    }
}
