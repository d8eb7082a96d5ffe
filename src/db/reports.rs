//! Report-back (återrapportering): reports per grant decision and year, their versions with
//! answers and cost lines, supplement requests, reminders sent, and repayment claims with
//! their letters.

use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;
use serde::Serialize;

use super::DbConnection;
use super::decisions::Decision;
use super::schema::{
    call_report_rules, decision_years, decisions, payments, repayment_claim_documents,
    repayment_claims, report_answers, report_cost_lines, report_field_answers, report_reminders,
    report_slots, report_supplement_requests, report_versions, report_year_totals, reports,
};
use crate::codes::{DecisionKind, DecisionStatus, PaymentStatus, SupplementStatus, VersionStatus};
use crate::money::Ore;
use crate::reports::{Achievement, ClaimKind, ClaimStatus, ReportStatus};

#[derive(Debug, Clone, PartialEq, Queryable, Selectable, Insertable, Serialize)]
#[diesel(table_name = reports)]
pub struct Report {
    pub id: String,
    pub decision_id: String,
    pub organisation_id: String,
    pub year: i32,
    pub status: ReportStatus,
    pub opens_on: NaiveDate,
    pub due_on: NaiveDate,
    pub created_at: NaiveDateTime,
    pub approved_at: Option<NaiveDateTime>,
    pub approved_by: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Queryable, Selectable, Insertable, Serialize)]
#[diesel(table_name = report_versions)]
pub struct ReportVersion {
    pub id: String,
    pub report_id: String,
    pub number: i32,
    pub status: VersionStatus,
    pub created_at: NaiveDateTime,
    pub created_by: Option<String>,
    pub submitted_at: Option<NaiveDateTime>,
    pub submitted_by: Option<String>,
    pub signer_name: Option<String>,
    pub signer_role: Option<String>,
    pub children_total: Option<i32>,
    pub girls: Option<i32>,
    pub boys: Option<i32>,
    pub staff_fte_hundredths: Option<i32>,
    pub received_ore: Option<Ore>,
    pub used_ore: Option<Ore>,
    pub unused_ore: Option<Ore>,
    pub supplement_request_id: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Queryable, Selectable, Insertable, Serialize)]
#[diesel(table_name = report_answers)]
pub struct ReportAnswer {
    pub version_id: String,
    pub expected_result_id: String,
    pub achievement: Achievement,
    pub activities: String,
    pub obstacles: String,
}

/// An answer to one of the call's own report-back fields (issue 15), as the canonical text
/// of the field's type (`calls::form`).
#[derive(Debug, Clone, PartialEq, Queryable, Selectable, Insertable, Serialize)]
#[diesel(table_name = report_field_answers)]
pub struct FieldAnswer {
    pub version_id: String,
    pub field_id: String,
    pub body: String,
}

#[derive(Debug, Clone, PartialEq, Queryable, Selectable, Insertable, Serialize)]
#[diesel(table_name = report_cost_lines)]
pub struct CostLine {
    pub version_id: String,
    pub cost_category_id: String,
    pub used_ore: Ore,
}

#[derive(Debug, Clone, PartialEq, Queryable, Selectable, Insertable, Serialize)]
#[diesel(table_name = report_supplement_requests)]
pub struct ReportSupplementRequest {
    pub id: String,
    pub report_id: String,
    pub requested_by: String,
    pub requested_at: NaiveDateTime,
    pub message: String,
    pub due_on: NaiveDate,
    pub status: SupplementStatus,
    pub answered_at: Option<NaiveDateTime>,
}

#[derive(Debug, Clone, PartialEq, Queryable, Selectable, Insertable, Serialize)]
#[diesel(table_name = repayment_claims)]
pub struct RepaymentClaim {
    pub id: String,
    pub organisation_id: String,
    pub decision_id: String,
    pub report_id: Option<String>,
    pub call_id: String,
    pub year: i32,
    pub kind: ClaimKind,
    pub amount_ore: Ore,
    pub reason: String,
    pub payment_reference: String,
    pub due_on: NaiveDate,
    pub status: ClaimStatus,
    pub received_on: Option<NaiveDate>,
    pub created_at: NaiveDateTime,
    pub created_by: String,
    pub received_by: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Queryable, Selectable, Insertable)]
#[diesel(table_name = repayment_claim_documents)]
pub struct ClaimDocument {
    pub claim_id: String,
    pub filename: String,
    pub sha256: String,
    pub content: Vec<u8>,
    pub created_at: NaiveDateTime,
}

#[derive(Debug, Clone, PartialEq, Queryable, Selectable, Insertable, Serialize)]
#[diesel(table_name = call_report_rules)]
pub struct ReportRules {
    pub call_id: String,
    pub opens_offset_days: i32,
    pub reminder_days_before: i32,
    pub repayment_due_days: i32,
}

pub fn rules(conn: &mut DbConnection, call_id: &str) -> QueryResult<Option<ReportRules>> {
    call_report_rules::table
        .find(call_id)
        .select(ReportRules::as_select())
        .get_result(conn)
        .optional()
}

/// Stores a call's rules, replacing any earlier ones.
pub fn save_rules(conn: &mut DbConnection, rules: &ReportRules) -> QueryResult<()> {
    diesel::delete(call_report_rules::table.find(&rules.call_id)).execute(conn)?;
    diesel::insert_into(call_report_rules::table)
        .values(rules)
        .execute(conn)
        .map(|_| ())
}

/// Every signed first grant with a positive amount for a year, of a call, of an
/// organisation, or both: each is owed one report for that year. Top-ups are reported in the
/// grant's report (see `reports`).
pub fn grant_years(
    conn: &mut DbConnection,
    call_id: Option<&str>,
    organisation_id: Option<&str>,
) -> QueryResult<Vec<(Decision, i32, Ore)>> {
    let mut query = decision_years::table
        .inner_join(decisions::table)
        .filter(decisions::status.eq(DecisionStatus::Signed))
        .filter(decisions::kind.eq(DecisionKind::Grant))
        .filter(decision_years::amount_ore.gt(Ore::ZERO))
        .into_boxed();
    if let Some(call_id) = call_id {
        query = query.filter(decisions::call_id.eq(call_id.to_string()));
    }
    if let Some(org) = organisation_id {
        query = query.filter(decisions::organisation_id.eq(org.to_string()));
    }
    query
        .order((
            decisions::registration_number.asc(),
            decision_years::year.asc(),
        ))
        .select((
            Decision::as_select(),
            decision_years::year,
            decision_years::amount_ore,
        ))
        .load(conn)
}

pub fn of_call(conn: &mut DbConnection, call_id: &str) -> QueryResult<Vec<Report>> {
    reports::table
        .inner_join(decisions::table)
        .filter(decisions::call_id.eq(call_id))
        .select(Report::as_select())
        .load(conn)
}

pub fn find(conn: &mut DbConnection, id: &str) -> QueryResult<Option<Report>> {
    reports::table
        .find(id)
        .select(Report::as_select())
        .get_result(conn)
        .optional()
}

pub fn find_for(
    conn: &mut DbConnection,
    decision_id: &str,
    year: i32,
) -> QueryResult<Option<Report>> {
    reports::table
        .filter(reports::decision_id.eq(decision_id))
        .filter(reports::year.eq(year))
        .select(Report::as_select())
        .first(conn)
        .optional()
}

pub fn insert(conn: &mut DbConnection, report: &Report) -> QueryResult<()> {
    diesel::insert_into(reports::table)
        .values(report)
        .execute(conn)
        .map(|_| ())
}

/// Takes the report's row for the rest of the transaction (PostgreSQL); on SQLite the write
/// transaction already holds the database. An approved report is left alone: it never
/// changes (the database refuses even this no-op update), so there is nothing to guard.
pub fn lock(conn: &mut DbConnection, id: &str) -> QueryResult<()> {
    diesel::update(
        reports::table
            .find(id)
            .filter(reports::status.ne(ReportStatus::Approved)),
    )
    .set(reports::status.eq(reports::status))
    .execute(conn)
    .map(|_| ())
}

pub fn set_status(conn: &mut DbConnection, id: &str, status: ReportStatus) -> QueryResult<usize> {
    diesel::update(reports::table.find(id))
        .set(reports::status.eq(status))
        .execute(conn)
}

pub fn mark_approved(
    conn: &mut DbConnection,
    id: &str,
    by: &str,
    at: NaiveDateTime,
) -> QueryResult<usize> {
    diesel::update(
        reports::table
            .find(id)
            .filter(reports::status.eq(ReportStatus::Submitted)),
    )
    .set((
        reports::status.eq(ReportStatus::Approved),
        reports::approved_at.eq(at),
        reports::approved_by.eq(by),
    ))
    .execute(conn)
}

pub fn versions(conn: &mut DbConnection, report_id: &str) -> QueryResult<Vec<ReportVersion>> {
    report_versions::table
        .filter(report_versions::report_id.eq(report_id))
        .order(report_versions::number.asc())
        .select(ReportVersion::as_select())
        .load(conn)
}

/// The latest submitted version of each of the reports (the overview's rows), read in
/// chunks of ids: `report id -> version`.
pub fn latest_submitted_versions(
    conn: &mut DbConnection,
    report_ids: &[String],
) -> QueryResult<std::collections::HashMap<String, ReportVersion>> {
    let mut out: std::collections::HashMap<String, ReportVersion> =
        std::collections::HashMap::new();
    for chunk in report_ids.chunks(super::applications::ID_CHUNK) {
        let versions: Vec<ReportVersion> = report_versions::table
            .filter(report_versions::report_id.eq_any(chunk))
            .filter(report_versions::status.eq(crate::codes::VersionStatus::Submitted))
            .select(ReportVersion::as_select())
            .load(conn)?;
        for version in versions {
            match out.get(&version.report_id) {
                Some(kept) if kept.number >= version.number => {}
                _ => {
                    out.insert(version.report_id.clone(), version);
                }
            }
        }
    }
    Ok(out)
}

pub fn insert_version(conn: &mut DbConnection, version: &ReportVersion) -> QueryResult<()> {
    diesel::insert_into(report_versions::table)
        .values(version)
        .execute(conn)
        .map(|_| ())
}

/// The draft's staff, as typed (blank is stored as blank).
/// (The columns `children_total`, `girls` and `boys` are no longer
/// written: the counts are the answer to the call's counts field since migration 000027,
/// which kept the columns so that nothing stored before is lost.)
pub fn set_draft_staff(
    conn: &mut DbConnection,
    version_id: &str,
    staff_fte_hundredths: Option<i32>,
) -> QueryResult<()> {
    diesel::update(
        report_versions::table
            .find(version_id)
            .filter(report_versions::status.eq(VersionStatus::Draft)),
    )
    .set(report_versions::staff_fte_hundredths.eq(staff_fte_hundredths))
    .execute(conn)
    .map(|_| ())
}

/// Freezes a draft: who signed it, and the money as it stood at that moment.
pub struct Submission<'a> {
    pub at: NaiveDateTime,
    pub by: &'a str,
    pub signer_name: &'a str,
    pub signer_role: &'a str,
    pub received: Ore,
    pub used: Ore,
    pub unused: Ore,
}

/// How the submitter of a version proved who they were (see `applications::record_signed`).
pub fn record_signed(
    conn: &mut DbConnection,
    version_id: &str,
    signed: &crate::accounts::Signed,
) -> QueryResult<()> {
    diesel::update(report_versions::table.find(version_id))
        .set((
            report_versions::submitted_method.eq(Some(signed.method)),
            report_versions::submitted_loa.eq(signed.loa.as_deref()),
        ))
        .execute(conn)
        .map(|_| ())
}

pub fn mark_version_submitted(
    conn: &mut DbConnection,
    version_id: &str,
    s: &Submission<'_>,
) -> QueryResult<usize> {
    diesel::update(
        report_versions::table
            .find(version_id)
            .filter(report_versions::status.eq(VersionStatus::Draft)),
    )
    .set((
        report_versions::status.eq(VersionStatus::Submitted),
        report_versions::submitted_at.eq(s.at),
        report_versions::submitted_by.eq(s.by),
        report_versions::signer_name.eq(s.signer_name),
        report_versions::signer_role.eq(s.signer_role),
        report_versions::received_ore.eq(s.received),
        report_versions::used_ore.eq(s.used),
        report_versions::unused_ore.eq(s.unused),
    ))
    .execute(conn)
}

pub fn answers(conn: &mut DbConnection, version_id: &str) -> QueryResult<Vec<ReportAnswer>> {
    report_answers::table
        .filter(report_answers::version_id.eq(version_id))
        .select(ReportAnswer::as_select())
        .load(conn)
}

/// The answers of many versions at once (the overview's matrix).
pub fn answers_of(
    conn: &mut DbConnection,
    version_ids: &[String],
) -> QueryResult<Vec<ReportAnswer>> {
    if version_ids.is_empty() {
        return Ok(Vec::new());
    }
    // In chunks: SQLite binds at most 32 766 variables in one statement.
    let mut out = Vec::new();
    for chunk in version_ids.chunks(super::applications::ID_CHUNK) {
        out.extend(
            report_answers::table
                .filter(report_answers::version_id.eq_any(chunk))
                .select(ReportAnswer::as_select())
                .load(conn)?,
        );
    }
    Ok(out)
}

pub fn cost_lines(conn: &mut DbConnection, version_id: &str) -> QueryResult<Vec<CostLine>> {
    report_cost_lines::table
        .filter(report_cost_lines::version_id.eq(version_id))
        .select(CostLine::as_select())
        .load(conn)
}

/// Replaces a draft's answers and cost lines (the database refuses it for a submitted one).
pub fn replace_draft_rows(
    conn: &mut DbConnection,
    version_id: &str,
    answers: &[ReportAnswer],
    costs: &[CostLine],
) -> QueryResult<()> {
    diesel::delete(report_answers::table.filter(report_answers::version_id.eq(version_id)))
        .execute(conn)?;
    diesel::delete(report_cost_lines::table.filter(report_cost_lines::version_id.eq(version_id)))
        .execute(conn)?;
    for answer in answers {
        diesel::insert_into(report_answers::table)
            .values(answer)
            .execute(conn)?;
    }
    for line in costs {
        diesel::insert_into(report_cost_lines::table)
            .values(line)
            .execute(conn)?;
    }
    Ok(())
}

pub fn field_answers(conn: &mut DbConnection, version_id: &str) -> QueryResult<Vec<FieldAnswer>> {
    report_field_answers::table
        .filter(report_field_answers::version_id.eq(version_id))
        .select(FieldAnswer::as_select())
        .load(conn)
}

/// The own-field answers of many versions at once (the overview and its files).
pub fn field_answers_of(
    conn: &mut DbConnection,
    version_ids: &[String],
) -> QueryResult<Vec<FieldAnswer>> {
    let mut out = Vec::new();
    // In chunks: SQLite binds at most 32 766 variables in one statement.
    for chunk in version_ids.chunks(super::applications::ID_CHUNK) {
        out.extend(
            report_field_answers::table
                .filter(report_field_answers::version_id.eq_any(chunk))
                .select(FieldAnswer::as_select())
                .load(conn)?,
        );
    }
    Ok(out)
}

/// Replaces a draft's answers to the call's own fields (the database refuses it for a
/// submitted version, as for the other rows of a draft).
pub fn replace_field_answers(
    conn: &mut DbConnection,
    version_id: &str,
    answers: &[FieldAnswer],
) -> QueryResult<()> {
    diesel::delete(
        report_field_answers::table.filter(report_field_answers::version_id.eq(version_id)),
    )
    .execute(conn)?;
    for answer in answers {
        diesel::insert_into(report_field_answers::table)
            .values(answer)
            .execute(conn)?;
    }
    Ok(())
}

/// Received for the year: what the organisation has been paid in the call for that year
/// (the grant and any top-ups), from the payments marked paid, less what a change decision
/// has claimed back (återkrav): that money is not the organisation's to use or to report as
/// unused, and counting it would claim it back twice.
pub fn received(
    conn: &mut DbConnection,
    call_id: &str,
    organisation_id: &str,
    year: i32,
) -> QueryResult<Ore> {
    let paid: Vec<Ore> = payments::table
        .filter(payments::call_id.eq(call_id))
        .filter(payments::organisation_id.eq(organisation_id))
        .filter(payments::year.eq(year))
        .filter(payments::status.eq(PaymentStatus::Paid))
        .select(payments::amount_ore)
        .load(conn)?;
    let reclaimed: Vec<Ore> = repayment_claims::table
        .filter(repayment_claims::call_id.eq(call_id))
        .filter(repayment_claims::organisation_id.eq(organisation_id))
        .filter(repayment_claims::year.eq(year))
        .filter(repayment_claims::kind.eq(ClaimKind::Reclaim))
        .filter(repayment_claims::status.ne(ClaimStatus::Waived))
        .select(repayment_claims::amount_ore)
        .load(conn)?;
    let net = paid.into_iter().sum::<Ore>() - reclaimed.into_iter().sum::<Ore>();
    Ok(if net.is_negative() { Ore::ZERO } else { net })
}

pub fn insert_supplement_request(
    conn: &mut DbConnection,
    request: &ReportSupplementRequest,
) -> QueryResult<()> {
    diesel::insert_into(report_supplement_requests::table)
        .values(request)
        .execute(conn)
        .map(|_| ())
}

pub fn supplement_requests(
    conn: &mut DbConnection,
    report_id: &str,
) -> QueryResult<Vec<ReportSupplementRequest>> {
    report_supplement_requests::table
        .filter(report_supplement_requests::report_id.eq(report_id))
        .order(report_supplement_requests::requested_at.asc())
        .select(ReportSupplementRequest::as_select())
        .load(conn)
}

pub fn mark_supplement_answered(
    conn: &mut DbConnection,
    id: &str,
    at: NaiveDateTime,
) -> QueryResult<usize> {
    diesel::update(report_supplement_requests::table.find(id))
        .set((
            report_supplement_requests::status.eq(SupplementStatus::Answered),
            report_supplement_requests::answered_at.eq(at),
        ))
        .execute(conn)
}

/// Records a reminder as sent. Returns false when it had already been sent: the key is
/// (decision, year, kind), so two ticks at once cannot both send it.
pub fn record_reminder(
    conn: &mut DbConnection,
    decision_id: &str,
    year: i32,
    kind: &str,
    at: NaiveDateTime,
    recipients: i32,
) -> QueryResult<bool> {
    // The primary key (decision, year, kind) is the last guard against a reminder sent
    // twice: of two rounds at once (two instances whose lease lapsed), the second insert
    // does nothing and its transaction queues no mail.
    let insert = diesel::insert_into(report_reminders::table)
        .values((
            report_reminders::decision_id.eq(decision_id),
            report_reminders::year.eq(year),
            report_reminders::kind.eq(kind),
            report_reminders::sent_at.eq(at),
            report_reminders::recipients.eq(recipients),
        ))
        .on_conflict_do_nothing();
    let inserted = match conn {
        DbConnection::Sqlite(c) => insert.execute(c)?,
        DbConnection::Postgresql(c) => insert.execute(c)?,
    };
    Ok(inserted == 1)
}

pub fn reminders_sent(
    conn: &mut DbConnection,
    decision_id: &str,
    year: i32,
) -> QueryResult<Vec<String>> {
    report_reminders::table
        .filter(report_reminders::decision_id.eq(decision_id))
        .filter(report_reminders::year.eq(year))
        .select(report_reminders::kind)
        .load(conn)
}

pub fn insert_claim(conn: &mut DbConnection, claim: &RepaymentClaim) -> QueryResult<()> {
    diesel::insert_into(repayment_claims::table)
        .values(claim)
        .execute(conn)?;
    // The call's kept money (`money_figures`) takes the claim in this transaction.
    super::money_figures::refresh(conn, &claim.call_id, &claim.organisation_id, claim.year)
}

pub fn claims_of_report(
    conn: &mut DbConnection,
    report_id: &str,
) -> QueryResult<Vec<RepaymentClaim>> {
    repayment_claims::table
        .filter(repayment_claims::report_id.eq(report_id))
        .order(repayment_claims::created_at.asc())
        .select(RepaymentClaim::as_select())
        .load(conn)
}

/// The claims a decision made (a change decision claiming back money already paid).
pub fn claims_of_decision(
    conn: &mut DbConnection,
    decision_id: &str,
) -> QueryResult<Vec<RepaymentClaim>> {
    repayment_claims::table
        .filter(repayment_claims::decision_id.eq(decision_id))
        .filter(repayment_claims::report_id.is_null())
        .order(repayment_claims::year.asc())
        .select(RepaymentClaim::as_select())
        .load(conn)
}

pub fn claims_of_id(conn: &mut DbConnection, id: &str) -> QueryResult<Option<RepaymentClaim>> {
    repayment_claims::table
        .find(id)
        .select(RepaymentClaim::as_select())
        .get_result(conn)
        .optional()
}

pub fn claims_of_call(conn: &mut DbConnection, call_id: &str) -> QueryResult<Vec<RepaymentClaim>> {
    repayment_claims::table
        .filter(repayment_claims::call_id.eq(call_id))
        .select(RepaymentClaim::as_select())
        .load(conn)
}

/// Marks an open claim received. Returns the rows changed: 0 when it was not open.
pub fn mark_claim_received(
    conn: &mut DbConnection,
    id: &str,
    on: NaiveDate,
    by: &str,
) -> QueryResult<usize> {
    let changed = diesel::update(
        repayment_claims::table
            .find(id)
            .filter(repayment_claims::status.eq(ClaimStatus::Open)),
    )
    .set((
        repayment_claims::status.eq(ClaimStatus::Received),
        repayment_claims::received_on.eq(on),
        repayment_claims::received_by.eq(by),
    ))
    .execute(conn)?;
    if changed == 1 {
        let (call_id, organisation_id, year): (String, String, i32) = repayment_claims::table
            .find(id)
            .select((
                repayment_claims::call_id,
                repayment_claims::organisation_id,
                repayment_claims::year,
            ))
            .first(conn)?;
        super::money_figures::refresh(conn, &call_id, &organisation_id, year)?;
    }
    Ok(changed)
}

pub fn insert_claim_document(conn: &mut DbConnection, document: &ClaimDocument) -> QueryResult<()> {
    diesel::insert_into(repayment_claim_documents::table)
        .values(document)
        .execute(conn)
        .map(|_| ())
}

pub fn claim_document(
    conn: &mut DbConnection,
    claim_id: &str,
) -> QueryResult<Option<ClaimDocument>> {
    repayment_claim_documents::table
        .find(claim_id)
        .select(ClaimDocument::as_select())
        .get_result(conn)
        .optional()
}

/// A grant year owed a report: the decision's id, the year, the amount granted now.
pub type OwedKey = (String, i32, Ore);

/// Which reports owed to read: of a call, of an organisation, of a year, with a report in
/// a status; `None` is every one.
#[derive(Debug, Clone, Default)]
pub struct OwedFilter {
    pub call_id: Option<String>,
    pub organisation_id: Option<String>,
    pub year: Option<i32>,
    pub status: Option<ReportStatus>,
}

/// The kept row of one grant year (a signed first grant's year with an amount): what the
/// report-back lists filter, sort and sum by, so that a page reads an index range instead
/// of working out every grant year of a call. Refreshed from its sources in the
/// transaction of every write that changes it (`refresh_slots`).
#[derive(Debug, Clone, PartialEq, Eq, Queryable, QueryableByName, Selectable, Insertable)]
#[diesel(table_name = report_slots)]
pub struct SlotRow {
    pub decision_id: String,
    pub year: i32,
    pub call_id: String,
    pub organisation_id: String,
    pub organisation_name: String,
    pub registration_number: String,
    /// Granted now: the grant's amount and every signed change to it; owed while above zero.
    pub granted_ore: i64,
    pub report_id: Option<String>,
    pub report_status: Option<String>,
    /// The latest submitted version's money; `None` before the first submit.
    pub received_ore: Option<i64>,
    pub used_ore: Option<i64>,
    /// The report's repayments recorded as received.
    pub repaid_ore: i64,
}

/// A call year's kept counts and sums, as `report_year_totals` holds them.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Queryable, Selectable)]
#[diesel(table_name = report_year_totals)]
pub struct Tally {
    pub slots: i64,
    pub owed: i64,
    pub received_ore: i64,
    pub used_ore: i64,
    pub unused_ore: i64,
    pub repaid_ore: i64,
}

impl Tally {
    /// What one grant year adds to its call year.
    fn of(row: &SlotRow) -> Tally {
        let (received, used) = (row.received_ore.unwrap_or(0), row.used_ore.unwrap_or(0));
        Tally {
            slots: 1,
            owed: i64::from(row.granted_ore > 0),
            received_ore: received,
            used_ore: used,
            unused_ore: if row.received_ore.is_none() || used > received {
                0
            } else {
                received - used
            },
            repaid_ore: row.repaid_ore,
        }
    }

    fn add(self, other: Tally, sign: i64) -> Tally {
        Tally {
            slots: self.slots + sign * other.slots,
            owed: self.owed + sign * other.owed,
            received_ore: self.received_ore + sign * other.received_ore,
            used_ore: self.used_ore + sign * other.used_ore,
            unused_ore: self.unused_ore + sign * other.unused_ore,
            repaid_ore: self.repaid_ore + sign * other.repaid_ore,
        }
    }
}

/// Which grant years to work out from the sources.
enum Scope<'a> {
    Decision(&'a str),
    Call(&'a str),
    All,
}

/// The kept rows as worked out from the sources: the decisions (a grant's year and every
/// signed change to it), the report, its latest submitted version and its received claims.
/// The statuses are the codes' own constants, written into the text (no input is).
fn slot_source(scope: &Scope<'_>) -> String {
    let signed = DecisionStatus::Signed.as_str();
    let grant = DecisionKind::Grant.as_str();
    let submitted = VersionStatus::Submitted.as_str();
    let received = ClaimStatus::Received.as_str();
    let narrowed = match scope {
        Scope::Decision(_) => "AND d.id = $1",
        Scope::Call(_) => "AND d.call_id = $1",
        Scope::All => "",
    };
    format!(
        "SELECT d.id AS decision_id, dy.year AS year, d.call_id AS call_id, \
            d.organisation_id AS organisation_id, o.name AS organisation_name, \
            d.registration_number AS registration_number, \
            CAST(dy.amount_ore + COALESCE((SELECT SUM(cy.amount_ore) FROM decisions c \
                JOIN decision_years cy ON cy.decision_id = c.id \
                WHERE c.amends_decision_id = d.id AND c.status = '{signed}' \
                  AND cy.year = dy.year), 0) AS BIGINT) AS granted_ore, \
            r.id AS report_id, r.status AS report_status, \
            CAST(CASE WHEN v.id IS NULL THEN NULL ELSE COALESCE(v.received_ore, 0) END \
                AS BIGINT) AS received_ore, \
            CAST(CASE WHEN v.id IS NULL THEN NULL ELSE COALESCE(v.used_ore, 0) END \
                AS BIGINT) AS used_ore, \
            CAST(COALESCE((SELECT SUM(k.amount_ore) FROM repayment_claims k \
                WHERE k.report_id = r.id AND k.status = '{received}'), 0) AS BIGINT) \
                AS repaid_ore \
         FROM decision_years dy \
         JOIN decisions d ON d.id = dy.decision_id \
         JOIN organisations o ON o.id = d.organisation_id \
         LEFT JOIN reports r ON r.decision_id = d.id AND r.year = dy.year \
         LEFT JOIN report_versions v ON v.report_id = r.id AND v.status = '{submitted}' \
            AND v.number = (SELECT MAX(v2.number) FROM report_versions v2 \
                WHERE v2.report_id = r.id AND v2.status = '{submitted}') \
         WHERE d.status = '{signed}' AND d.kind = '{grant}' AND dy.amount_ore > 0 {narrowed}"
    )
}

fn source_rows(conn: &mut DbConnection, scope: &Scope<'_>) -> QueryResult<Vec<SlotRow>> {
    let sql = format!("{} ORDER BY decision_id, year", slot_source(scope));
    match scope {
        Scope::Decision(id) | Scope::Call(id) => diesel::sql_query(sql)
            .bind::<diesel::sql_types::Text, _>(id.to_string())
            .load(conn),
        Scope::All => diesel::sql_query(sql).load(conn),
    }
}

/// Adds a change to a call year's kept counts and sums (the row is made on first use).
fn add_to_totals(
    conn: &mut DbConnection,
    call_id: &str,
    year: i32,
    delta: Tally,
) -> QueryResult<()> {
    use diesel::sql_types::{BigInt, Integer, Text};
    if delta == Tally::default() {
        return Ok(());
    }
    diesel::sql_query(
        "INSERT INTO report_year_totals (call_id, year, slots, owed, received_ore, used_ore, \
            unused_ore, repaid_ore) VALUES ($1, $2, $3, $4, $5, $6, $7, $8) \
         ON CONFLICT (call_id, year) DO UPDATE SET \
            slots = report_year_totals.slots + excluded.slots, \
            owed = report_year_totals.owed + excluded.owed, \
            received_ore = report_year_totals.received_ore + excluded.received_ore, \
            used_ore = report_year_totals.used_ore + excluded.used_ore, \
            unused_ore = report_year_totals.unused_ore + excluded.unused_ore, \
            repaid_ore = report_year_totals.repaid_ore + excluded.repaid_ore",
    )
    .bind::<Text, _>(call_id)
    .bind::<Integer, _>(year)
    .bind::<BigInt, _>(delta.slots)
    .bind::<BigInt, _>(delta.owed)
    .bind::<BigInt, _>(delta.received_ore)
    .bind::<BigInt, _>(delta.used_ore)
    .bind::<BigInt, _>(delta.unused_ore)
    .bind::<BigInt, _>(delta.repaid_ore)
    .execute(conn)
    .map(|_| ())
}

/// Works a grant's kept rows out again from their sources, inside the caller's write
/// transaction, and moves its call years' counts and sums by the difference. Called by
/// every write that changes what they hold: signing the grant or a change to it, starting,
/// submitting, sending back and approving a report, recording a repayment. Cheap: a grant
/// has a row per year.
pub fn refresh_slots(conn: &mut DbConnection, decision_id: &str) -> QueryResult<()> {
    // Takes the rows first (PostgreSQL): two writes to the same grant at once (a change
    // signed while its report is submitted) then read each other's committed sources in
    // turn instead of both moving the totals from the same old row.
    diesel::update(report_slots::table.filter(report_slots::decision_id.eq(decision_id)))
        .set(report_slots::granted_ore.eq(report_slots::granted_ore))
        .execute(conn)?;
    let old: Vec<SlotRow> = report_slots::table
        .filter(report_slots::decision_id.eq(decision_id))
        .order(report_slots::year.asc())
        .select(SlotRow::as_select())
        .load(conn)?;
    let new = source_rows(conn, &Scope::Decision(decision_id))?;
    if old == new {
        return Ok(());
    }
    let mut deltas: std::collections::BTreeMap<(String, i32), Tally> =
        std::collections::BTreeMap::new();
    for (rows, sign) in [(&old, -1), (&new, 1)] {
        for row in rows {
            let entry = deltas.entry((row.call_id.clone(), row.year)).or_default();
            *entry = entry.add(Tally::of(row), sign);
        }
    }
    diesel::delete(report_slots::table.filter(report_slots::decision_id.eq(decision_id)))
        .execute(conn)?;
    for row in &new {
        diesel::insert_into(report_slots::table)
            .values(row)
            .execute(conn)?;
    }
    for ((call_id, year), delta) in deltas {
        add_to_totals(conn, &call_id, year, delta)?;
    }
    Ok(())
}

/// After a decision is signed: the kept rows of the grant it is (or amends).
pub fn refresh_after_signing(conn: &mut DbConnection, decision_id: &str) -> QueryResult<()> {
    let amends: Option<Option<String>> = decisions::table
        .find(decision_id)
        .select(decisions::amends_decision_id)
        .get_result(conn)
        .optional()?;
    let grant = amends.flatten().unwrap_or_else(|| decision_id.to_string());
    refresh_slots(conn, &grant)
}

/// Works every kept row and call year of a call out again (after a bulk load).
pub fn rebuild_call(conn: &mut DbConnection, call_id: &str) -> QueryResult<()> {
    use diesel::sql_types::Text;
    diesel::delete(report_slots::table.filter(report_slots::call_id.eq(call_id))).execute(conn)?;
    diesel::delete(report_year_totals::table.filter(report_year_totals::call_id.eq(call_id)))
        .execute(conn)?;
    diesel::sql_query(format!(
        "INSERT INTO report_slots (decision_id, year, call_id, organisation_id, \
            organisation_name, registration_number, granted_ore, report_id, report_status, \
            received_ore, used_ore, repaid_ore) \
         SELECT decision_id, year, call_id, organisation_id, organisation_name, \
            registration_number, granted_ore, report_id, report_status, received_ore, \
            used_ore, repaid_ore FROM ({}) s",
        slot_source(&Scope::Call(call_id))
    ))
    .bind::<Text, _>(call_id)
    .execute(conn)?;
    diesel::sql_query(
        "INSERT INTO report_year_totals (call_id, year, slots, owed, received_ore, used_ore, \
            unused_ore, repaid_ore) \
         SELECT call_id, year, COUNT(*), SUM(CASE WHEN granted_ore > 0 THEN 1 ELSE 0 END), \
            SUM(COALESCE(received_ore, 0)), SUM(COALESCE(used_ore, 0)), \
            SUM(CASE WHEN received_ore IS NULL OR used_ore > received_ore THEN 0 \
                ELSE received_ore - used_ore END), \
            SUM(repaid_ore) \
         FROM report_slots WHERE call_id = $1 GROUP BY call_id, year",
    )
    .bind::<Text, _>(call_id)
    .execute(conn)
    .map(|_| ())
}

/// Where the kept rows and call-year totals differ from working them out from the sources,
/// as lines to read; empty when they agree. For tests and for checking a database by hand.
pub fn kept_differences(conn: &mut DbConnection) -> QueryResult<Vec<String>> {
    use std::collections::BTreeMap;
    let mut out = Vec::new();
    let worked: BTreeMap<(String, i32), SlotRow> = source_rows(conn, &Scope::All)?
        .into_iter()
        .map(|r| ((r.decision_id.clone(), r.year), r))
        .collect();
    let kept: BTreeMap<(String, i32), SlotRow> = report_slots::table
        .select(SlotRow::as_select())
        .load(conn)?
        .into_iter()
        .map(|r| ((r.decision_id.clone(), r.year), r))
        .collect();
    let mut totals: BTreeMap<(String, i32), Tally> = BTreeMap::new();
    for (key, row) in &worked {
        let entry = totals.entry((row.call_id.clone(), row.year)).or_default();
        *entry = entry.add(Tally::of(row), 1);
        match kept.get(key) {
            Some(k) if k == row => {}
            Some(k) => out.push(format!("kept {k:?}, worked out {row:?}")),
            None => out.push(format!("not kept: {row:?}")),
        }
    }
    for (key, row) in &kept {
        if !worked.contains_key(key) {
            out.push(format!("kept but not owed: {row:?}"));
        }
    }
    let kept_totals: Vec<(String, i32, Tally)> = report_year_totals::table
        .select((
            report_year_totals::call_id,
            report_year_totals::year,
            Tally::as_select(),
        ))
        .load(conn)?;
    let mut seen = std::collections::BTreeSet::new();
    for (call_id, year, tally) in kept_totals {
        let worked = totals
            .get(&(call_id.clone(), year))
            .copied()
            .unwrap_or_default();
        if worked != tally {
            out.push(format!(
                "totals of {call_id} {year}: kept {tally:?}, worked out {worked:?}"
            ));
        }
        seen.insert((call_id, year));
    }
    for (key, tally) in totals {
        if !seen.contains(&key) {
            out.push(format!("totals of {key:?} not kept: {tally:?}"));
        }
    }
    Ok(out)
}

/// The kept rows matching a filter that are owed a report (granted now above zero), as a
/// boxed query. The condition on the amount is written out, not bound: a partial index is
/// used only for the very same condition.
macro_rules! owed_rows {
    ($filter:expr) => {{
        let filter: &OwedFilter = $filter;
        let mut query = report_slots::table
            .filter(diesel::dsl::sql::<diesel::sql_types::Bool>(
                "report_slots.granted_ore > 0",
            ))
            .into_boxed();
        if let Some(call_id) = &filter.call_id {
            query = query.filter(report_slots::call_id.eq(call_id.clone()));
        }
        if let Some(org) = &filter.organisation_id {
            query = query.filter(report_slots::organisation_id.eq(org.clone()));
        }
        if let Some(year) = filter.year {
            query = query.filter(report_slots::year.eq(year));
        }
        if let Some(status) = filter.status {
            query = query.filter(report_slots::report_status.eq(status.as_str().to_string()));
        }
        query
    }};
}

/// How many grant years match the filter: from the kept call-year counts where the
/// filter is by call and year only, else by counting the (then few) kept rows.
pub fn owed_count(conn: &mut DbConnection, filter: &OwedFilter) -> QueryResult<i64> {
    if filter.organisation_id.is_none() && filter.status.is_none() {
        let mut query = report_year_totals::table.into_boxed();
        if let Some(call_id) = &filter.call_id {
            query = query.filter(report_year_totals::call_id.eq(call_id.clone()));
        }
        if let Some(year) = filter.year {
            query = query.filter(report_year_totals::year.eq(year));
        }
        let owed: Vec<i64> = query.select(report_year_totals::owed).load(conn)?;
        return Ok(owed.into_iter().sum());
    }
    owed_rows!(filter).count().get_result(conn)
}

/// One page of the grant years owed a report, in the order people read them (year,
/// organisation, registration number), with how many there are in all. Only the page's
/// rows are read, along an index of the kept rows.
pub fn owed_page(
    conn: &mut DbConnection,
    filter: &OwedFilter,
    limit: i64,
    offset: i64,
) -> QueryResult<(Vec<OwedKey>, i64)> {
    let rows: Vec<(String, i32, i64)> = if limit <= 0 {
        Vec::new()
    } else {
        owed_rows!(filter)
            .order((
                report_slots::year.asc(),
                report_slots::organisation_name.asc(),
                report_slots::registration_number.asc(),
                report_slots::decision_id.asc(),
            ))
            .limit(limit)
            .offset(offset)
            .select((
                report_slots::decision_id,
                report_slots::year,
                report_slots::granted_ore,
            ))
            .load(conn)?
    };
    let total = owed_count(conn, filter)?;
    Ok((
        rows.into_iter()
            .map(|(id, year, granted)| (id, year, Ore::from_ore(granted)))
            .collect(),
        total,
    ))
}

/// Where a streamed file has come to in a call year's order: the last row's organisation
/// name, registration number and decision.
pub type OwedCursor = (String, String, String);

/// The next `limit` grant years of a call year after `after`, in the overview's order, for
/// files written a chunk at a time: each chunk is an index range, however far in it is.
pub fn owed_after(
    conn: &mut DbConnection,
    filter: &OwedFilter,
    after: Option<&OwedCursor>,
    limit: i64,
) -> QueryResult<(Vec<OwedKey>, Option<OwedCursor>)> {
    use diesel::sql_types::{Bool, Text};
    let mut query = owed_rows!(filter);
    if let Some((name, number, id)) = after {
        query = query.filter(
            diesel::dsl::sql::<Bool>(
                "(report_slots.organisation_name, report_slots.registration_number, \
                  report_slots.decision_id) > (",
            )
            .bind::<Text, _>(name.clone())
            .sql(", ")
            .bind::<Text, _>(number.clone())
            .sql(", ")
            .bind::<Text, _>(id.clone())
            .sql(")"),
        );
    }
    let rows: Vec<(String, i32, i64, String, String)> = query
        .order((
            report_slots::year.asc(),
            report_slots::organisation_name.asc(),
            report_slots::registration_number.asc(),
            report_slots::decision_id.asc(),
        ))
        .limit(limit)
        .select((
            report_slots::decision_id,
            report_slots::year,
            report_slots::granted_ore,
            report_slots::organisation_name,
            report_slots::registration_number,
        ))
        .load(conn)?;
    let cursor = rows
        .last()
        .map(|(id, _, _, name, number)| (name.clone(), number.clone(), id.clone()));
    Ok((
        rows.into_iter()
            .map(|(id, year, granted, _, _)| (id, year, Ore::from_ore(granted)))
            .collect(),
        cursor,
    ))
}

/// The decisions, organisations and started reports of a page of grant years (at most a
/// page of ids each).
pub fn owed_parts(
    conn: &mut DbConnection,
    decision_ids: &[String],
) -> QueryResult<(
    Vec<Decision>,
    Vec<super::organisations::Organisation>,
    Vec<Report>,
)> {
    use super::schema::organisations;
    let mut found_decisions = Vec::new();
    let mut found_organisations = Vec::new();
    let mut found_reports = Vec::new();
    for chunk in decision_ids.chunks(super::applications::ID_CHUNK) {
        found_decisions.extend(
            decisions::table
                .filter(decisions::id.eq_any(chunk))
                .select(Decision::as_select())
                .load(conn)?,
        );
        found_organisations.extend(
            organisations::table
                .filter(
                    organisations::id.eq_any(
                        decisions::table
                            .filter(decisions::id.eq_any(chunk))
                            .select(decisions::organisation_id),
                    ),
                )
                .select(super::organisations::Organisation::as_select())
                .load(conn)?,
        );
        found_reports.extend(
            reports::table
                .filter(reports::decision_id.eq_any(chunk))
                .select(Report::as_select())
                .load(conn)?,
        );
    }
    Ok((found_decisions, found_organisations, found_reports))
}

/// The years of a call that have grant years, for choosing among them.
pub fn owed_years(conn: &mut DbConnection, call_id: &str) -> QueryResult<Vec<i32>> {
    report_year_totals::table
        .filter(report_year_totals::call_id.eq(call_id))
        .filter(report_year_totals::slots.gt(0i64))
        .select(report_year_totals::year)
        .order(report_year_totals::year.asc())
        .load(conn)
}

/// A call year's sums over every region, not only a page's.
#[derive(Debug, Clone, Copy, Default)]
pub struct YearSums {
    pub received: Ore,
    pub used: Ore,
    /// Each region's unused money (never below zero), summed.
    pub unused: Ore,
    /// Repayments recorded as received.
    pub repaid: Ore,
}

/// A call year's sums over every region, as kept: the money in each report's latest
/// submitted version, and the repayments received.
pub fn year_sums(conn: &mut DbConnection, call_id: &str, year: i32) -> QueryResult<YearSums> {
    let tally: Option<Tally> = report_year_totals::table
        .find((call_id, year))
        .select(Tally::as_select())
        .get_result(conn)
        .optional()?;
    Ok(tally
        .map(|t| YearSums {
            received: Ore::from_ore(t.received_ore),
            used: Ore::from_ore(t.used_ore),
            unused: Ore::from_ore(t.unused_ore),
            repaid: Ore::from_ore(t.repaid_ore),
        })
        .unwrap_or_default())
}

/// The claims of the page's reports.
pub fn claims_of_reports(
    conn: &mut DbConnection,
    report_ids: &[String],
) -> QueryResult<Vec<RepaymentClaim>> {
    let mut out = Vec::new();
    for chunk in report_ids.chunks(super::applications::ID_CHUNK) {
        out.extend(
            repayment_claims::table
                .filter(repayment_claims::report_id.eq_any(chunk))
                .select(RepaymentClaim::as_select())
                .load(conn)?,
        );
    }
    Ok(out)
}
