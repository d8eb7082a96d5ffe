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
    repayment_claims, report_answers, report_cost_lines, report_reminders,
    report_supplement_requests, report_versions, reports,
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
        .first(conn)
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
        .first(conn)
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

/// The draft's counts, as typed (none left out: a blank field is stored as blank).
pub fn set_draft_counts(
    conn: &mut DbConnection,
    version_id: &str,
    counts: &crate::reports::Counts,
) -> QueryResult<()> {
    diesel::update(
        report_versions::table
            .find(version_id)
            .filter(report_versions::status.eq(VersionStatus::Draft)),
    )
    .set((
        report_versions::children_total.eq(counts.children_total),
        report_versions::girls.eq(counts.girls),
        report_versions::boys.eq(counts.boys),
        report_versions::staff_fte_hundredths.eq(counts.staff_fte_hundredths),
    ))
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
        .first(conn)
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
        .first(conn)
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

#[derive(QueryableByName)]
struct OwedRow {
    #[diesel(sql_type = diesel::sql_types::Text)]
    decision_id: String,
    #[diesel(sql_type = diesel::sql_types::Integer)]
    year: i32,
    #[diesel(sql_type = diesel::sql_types::BigInt)]
    granted: i64,
    /// How many rows match in all, not only this page's.
    #[diesel(sql_type = diesel::sql_types::BigInt)]
    total: i64,
}

#[derive(QueryableByName)]
struct CountRow {
    #[diesel(sql_type = diesel::sql_types::BigInt)]
    n: i64,
}

/// The grant years owed a report, as one query the database filters: a signed first
/// grant's year whose amount after every signed change decision is above zero. `$1`…`$6`
/// are bound in order of first appearance (SQLite numbers them so, PostgreSQL by number).
const OWED: &str = "SELECT d.id AS decision_id, dy.year AS year, \
        CAST(dy.amount_ore + COALESCE((SELECT SUM(cy.amount_ore) FROM decisions c \
            JOIN decision_years cy ON cy.decision_id = c.id \
            WHERE c.amends_decision_id = d.id AND c.status = $1 AND cy.year = dy.year), 0) \
            AS BIGINT) AS granted, \
        o.name AS organisation_name, d.registration_number AS registration_number \
    FROM decision_years dy \
    JOIN decisions d ON d.id = dy.decision_id \
    JOIN organisations o ON o.id = d.organisation_id \
    LEFT JOIN reports r ON r.decision_id = d.id AND r.year = dy.year \
    WHERE d.status = $1 AND d.kind = $2 AND dy.amount_ore > 0 \
      AND ($3 IS NULL OR d.call_id = $3) \
      AND ($4 IS NULL OR d.organisation_id = $4) \
      AND ($5 IS NULL OR dy.year = $5) \
      AND ($6 IS NULL OR r.status = $6)";

/// One page of the grant years owed a report, in the order people read them (year,
/// organisation, registration number), with how many there are in all. Only the page's
/// rows leave the database.
pub fn owed_page(
    conn: &mut DbConnection,
    filter: &OwedFilter,
    limit: i64,
    offset: i64,
) -> QueryResult<(Vec<OwedKey>, i64)> {
    use diesel::sql_types::{BigInt, Integer, Nullable, Text};
    let status = filter.status.map(|s| s.as_str().to_string());
    let rows: Vec<OwedRow> = diesel::sql_query(format!(
        "SELECT decision_id, year, granted, COUNT(*) OVER () AS total \
         FROM ({OWED}) s WHERE s.granted > 0 \
         ORDER BY s.year, s.organisation_name, s.registration_number LIMIT $7 OFFSET $8"
    ))
    .bind::<Text, _>(DecisionStatus::Signed.as_str())
    .bind::<Text, _>(DecisionKind::Grant.as_str())
    .bind::<Nullable<Text>, _>(filter.call_id.clone())
    .bind::<Nullable<Text>, _>(filter.organisation_id.clone())
    .bind::<Nullable<Integer>, _>(filter.year)
    .bind::<Nullable<Text>, _>(status.clone())
    .bind::<BigInt, _>(limit)
    .bind::<BigInt, _>(offset)
    .load(conn)?;
    // The count comes with the page's rows (one pass over the matches); only a page past
    // the end, which has no rows to carry it, asks for it on its own.
    if let Some(first) = rows.first() {
        let total = first.total;
        return Ok((
            rows.into_iter()
                .map(|r| (r.decision_id, r.year, Ore::from_ore(r.granted)))
                .collect(),
            total,
        ));
    }
    let total: Vec<CountRow> = diesel::sql_query(format!(
        "SELECT COUNT(*) AS n FROM ({OWED}) s WHERE s.granted > 0"
    ))
    .bind::<Text, _>(DecisionStatus::Signed.as_str())
    .bind::<Text, _>(DecisionKind::Grant.as_str())
    .bind::<Nullable<Text>, _>(filter.call_id.clone())
    .bind::<Nullable<Text>, _>(filter.organisation_id.clone())
    .bind::<Nullable<Integer>, _>(filter.year)
    .bind::<Nullable<Text>, _>(status)
    .load(conn)?;
    Ok((Vec::new(), total.first().map(|r| r.n).unwrap_or(0)))
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

/// The years of a call that owe reports, for choosing among them.
pub fn owed_years(conn: &mut DbConnection, call_id: &str) -> QueryResult<Vec<i32>> {
    decision_years::table
        .inner_join(decisions::table)
        .filter(decisions::call_id.eq(call_id))
        .filter(decisions::status.eq(DecisionStatus::Signed))
        .filter(decisions::kind.eq(DecisionKind::Grant))
        .filter(decision_years::amount_ore.gt(Ore::ZERO))
        .select(decision_years::year)
        .distinct()
        .order(decision_years::year.asc())
        .load(conn)
}

#[derive(QueryableByName)]
struct SumsRow {
    #[diesel(sql_type = diesel::sql_types::BigInt)]
    received: i64,
    #[diesel(sql_type = diesel::sql_types::BigInt)]
    used: i64,
    #[diesel(sql_type = diesel::sql_types::BigInt)]
    unused: i64,
    #[diesel(sql_type = diesel::sql_types::BigInt)]
    repaid: i64,
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

/// A call year's sums over every region: the money in each report's latest submitted
/// version, and the repayments received.
pub fn year_sums(conn: &mut DbConnection, call_id: &str, year: i32) -> QueryResult<YearSums> {
    use diesel::sql_types::{Integer, Text};
    let rows: Vec<SumsRow> = diesel::sql_query(
        "SELECT CAST(COALESCE(SUM(lv.rec), 0) AS BIGINT) AS received, \
                CAST(COALESCE(SUM(lv.u), 0) AS BIGINT) AS used, \
                CAST(COALESCE(SUM(CASE WHEN lv.u > lv.rec THEN 0 ELSE lv.rec - lv.u END), 0) \
                  AS BIGINT) AS unused, \
                CAST(COALESCE((SELECT SUM(k.amount_ore) FROM repayment_claims k \
                  JOIN reports r2 ON r2.id = k.report_id \
                  JOIN decisions d2 ON d2.id = r2.decision_id \
                  WHERE d2.call_id = $1 AND r2.year = $2 AND k.status = $3), 0) AS BIGINT) \
                  AS repaid \
         FROM (SELECT COALESCE(v.received_ore, 0) AS rec, COALESCE(v.used_ore, 0) AS u \
               FROM report_versions v \
               JOIN reports r ON r.id = v.report_id \
               JOIN decisions d ON d.id = r.decision_id \
               WHERE d.call_id = $1 AND r.year = $2 AND v.status = $4 \
                 AND v.number = (SELECT MAX(v2.number) FROM report_versions v2 \
                   WHERE v2.report_id = v.report_id AND v2.status = $4)) lv",
    )
    .bind::<Text, _>(call_id)
    .bind::<Integer, _>(year)
    // In order of first appearance: SQLite numbers `$N` so.
    .bind::<Text, _>(ClaimStatus::Received.as_str())
    .bind::<Text, _>(VersionStatus::Submitted.as_str())
    .load(conn)?;
    Ok(rows
        .first()
        .map(|r| YearSums {
            received: Ore::from_ore(r.received),
            used: Ore::from_ore(r.used),
            unused: Ore::from_ore(r.unused),
            repaid: Ore::from_ore(r.repaid),
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
