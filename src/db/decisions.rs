use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;
use serde::Serialize;

use super::DbConnection;
use super::schema::{decision_documents, decision_years, decisions, organisations};
use crate::codes::{DecisionKind, DecisionStatus};
use crate::money::Ore;

#[derive(Debug, Clone, PartialEq, Queryable, Selectable, Insertable, Serialize)]
#[diesel(table_name = decisions)]
pub struct Decision {
    pub id: String,
    pub call_id: String,
    pub application_id: Option<String>,
    pub organisation_id: String,
    pub kind: DecisionKind,
    pub status: DecisionStatus,
    pub registration_number: String,
    pub decided_on: Option<NaiveDate>,
    pub purpose: String,
    pub reasons: String,
    pub report_due_on: Option<NaiveDate>,
    pub presenting_officer_id: String,
    pub decision_maker_id: Option<String>,
    pub amends_decision_id: Option<String>,
    pub redistribution_round_id: Option<String>,
    pub source_note: Option<String>,
    pub created_at: NaiveDateTime,
    pub created_by: String,
    pub signed_at: Option<NaiveDateTime>,
}

#[derive(Debug, Clone, PartialEq, Queryable, Selectable, Insertable, Serialize)]
#[diesel(table_name = decision_years)]
pub struct DecisionYear {
    pub decision_id: String,
    pub year: i32,
    pub amount_ore: Ore,
}

/// One signed amount: which organisation, which year, how much (a change may be negative).
#[derive(Debug, Clone, PartialEq, Queryable)]
pub struct SignedAmount {
    pub organisation_id: String,
    pub organisation_name: String,
    pub org_number: String,
    pub year: i32,
    pub amount: Ore,
}

pub fn insert_draft(
    conn: &mut DbConnection,
    decision: &Decision,
    years: &[DecisionYear],
) -> QueryResult<()> {
    diesel::insert_into(decisions::table)
        .values(decision)
        .execute(conn)?;
    for year in years {
        diesel::insert_into(decision_years::table)
            .values(year)
            .execute(conn)?;
    }
    Ok(())
}

/// Signs a draft. Once signed, the database refuses any change to the decision or its years.
pub fn mark_signed(
    conn: &mut DbConnection,
    decision_id: &str,
    decision_maker_id: &str,
    decided_on: NaiveDate,
    at: NaiveDateTime,
) -> QueryResult<usize> {
    let changed = diesel::update(
        decisions::table
            .find(decision_id)
            .filter(decisions::status.eq(DecisionStatus::Draft)),
    )
    .set((
        decisions::status.eq(DecisionStatus::Signed),
        decisions::decision_maker_id.eq(decision_maker_id),
        decisions::decided_on.eq(decided_on),
        decisions::signed_at.eq(at),
    ))
    .execute(conn)?;
    // What is kept per call in this transaction: the money (`money_figures`) and the
    // report-back rows per grant year (`reports`).
    if changed == 1 {
        super::money_figures::refresh_decision(conn, decision_id)?;
        super::reports::refresh_after_signing(conn, decision_id)?;
    }
    Ok(changed)
}

pub fn find(conn: &mut DbConnection, id: &str) -> QueryResult<Option<Decision>> {
    decisions::table
        .find(id)
        .select(Decision::as_select())
        .get_result(conn)
        .optional()
}

pub fn for_application(
    conn: &mut DbConnection,
    application_id: &str,
) -> QueryResult<Vec<Decision>> {
    decisions::table
        .filter(decisions::application_id.eq(application_id))
        .order(decisions::created_at.asc())
        .select(Decision::as_select())
        .load(conn)
}

/// The decisions that change or revoke a decision, in the order they were made.
pub fn changes_of(conn: &mut DbConnection, decision_id: &str) -> QueryResult<Vec<Decision>> {
    decisions::table
        .filter(decisions::amends_decision_id.eq(decision_id))
        .order(decisions::created_at.asc())
        .select(Decision::as_select())
        .load(conn)
}

pub fn years(conn: &mut DbConnection, decision_id: &str) -> QueryResult<Vec<DecisionYear>> {
    decision_years::table
        .filter(decision_years::decision_id.eq(decision_id))
        .order(decision_years::year.asc())
        .select(DecisionYear::as_select())
        .load(conn)
}

/// Every signed amount of a call, per organisation and year: the allocation table's input.
pub fn signed_amounts_for_call(
    conn: &mut DbConnection,
    call_id: &str,
) -> QueryResult<Vec<SignedAmount>> {
    decision_years::table
        .inner_join(decisions::table.inner_join(organisations::table))
        .filter(decisions::call_id.eq(call_id))
        .filter(decisions::status.eq(DecisionStatus::Signed))
        .order((organisations::name.asc(), decision_years::year.asc()))
        .select((
            decisions::organisation_id,
            organisations::name,
            organisations::org_number,
            decision_years::year,
            decision_years::amount_ore,
        ))
        .load::<(String, String, String, i32, Ore)>(conn)
        .map(|rows| {
            rows.into_iter()
                .map(
                    |(organisation_id, organisation_name, org_number, year, amount)| SignedAmount {
                        organisation_id,
                        organisation_name,
                        org_number,
                        year,
                        amount,
                    },
                )
                .collect()
        })
}

/// Organisations with a signed decision of the given kinds in the call.
pub fn signed_organisations(
    conn: &mut DbConnection,
    call_id: &str,
    kinds: &[DecisionKind],
) -> QueryResult<Vec<String>> {
    decisions::table
        .filter(decisions::call_id.eq(call_id))
        .filter(decisions::status.eq(DecisionStatus::Signed))
        .filter(decisions::kind.eq_any(kinds.to_vec()))
        .select(decisions::organisation_id)
        .distinct()
        .load(conn)
}

/// One row of `signed_answers`: the application's id, and a year with its amount (none for
/// a decision without amounts, a rejection).
pub type AnswerRow = (String, Option<i32>, Option<Ore>);

/// The signed decisions that answer the applications (grants, top-ups, rejections; not the
/// changes to them), one row per decided year.
pub fn signed_answers(
    conn: &mut DbConnection,
    application_ids: &[String],
) -> QueryResult<Vec<AnswerRow>> {
    if application_ids.is_empty() {
        return Ok(Vec::new());
    }
    let mut out = Vec::new();
    // In chunks: SQLite binds at most 32 766 variables in one statement.
    for chunk in application_ids.chunks(super::applications::ID_CHUNK) {
        let rows: Vec<(Option<String>, Option<i32>, Option<Ore>)> = decisions::table
            .left_join(decision_years::table)
            .filter(decisions::application_id.eq_any(chunk))
            .filter(decisions::status.eq(DecisionStatus::Signed))
            .filter(decisions::amends_decision_id.is_null())
            .filter(decisions::kind.eq_any(vec![
                DecisionKind::Grant,
                DecisionKind::TopUp,
                DecisionKind::Rejection,
            ]))
            .select((
                decisions::application_id,
                decision_years::year.nullable(),
                decision_years::amount_ore.nullable(),
            ))
            .load(conn)?;
        out.extend(
            rows.into_iter()
                .filter_map(|(id, year, amount)| id.map(|id| (id, year, amount))),
        );
    }
    Ok(out)
}

pub fn document_checksum(
    conn: &mut DbConnection,
    decision_id: &str,
) -> QueryResult<Option<String>> {
    decision_documents::table
        .find(decision_id)
        .select(decision_documents::sha256)
        .get_result(conn)
        .optional()
}

#[derive(Debug, Clone, PartialEq, Queryable, Selectable, Insertable)]
#[diesel(table_name = decision_documents)]
pub struct DecisionDocument {
    pub decision_id: String,
    pub filename: String,
    pub sha256: String,
    pub content: Vec<u8>,
    pub created_at: NaiveDateTime,
    /// The letter's words as JSON (`letters::Letter`), made with the PDF from the same
    /// value: the case page shows them. None for letters made before it was kept.
    pub letter_json: Option<String>,
}

/// The words of a signed letter as JSON, where they were kept.
pub fn letter_json(conn: &mut DbConnection, decision_id: &str) -> QueryResult<Option<String>> {
    decision_documents::table
        .find(decision_id)
        .select(decision_documents::letter_json)
        .get_result::<Option<String>>(conn)
        .optional()
        .map(Option::flatten)
}

pub fn insert_document(conn: &mut DbConnection, document: &DecisionDocument) -> QueryResult<()> {
    diesel::insert_into(decision_documents::table)
        .values(document)
        .execute(conn)
        .map(|_| ())
}

pub fn document(
    conn: &mut DbConnection,
    decision_id: &str,
) -> QueryResult<Option<DecisionDocument>> {
    decision_documents::table
        .find(decision_id)
        .select(DecisionDocument::as_select())
        .get_result(conn)
        .optional()
}

/// Removes a draft decision (replaced by a new draft). The database refuses it for a signed
/// one.
pub fn delete_draft(conn: &mut DbConnection, decision_id: &str) -> QueryResult<usize> {
    diesel::delete(decision_years::table.filter(decision_years::decision_id.eq(decision_id)))
        .execute(conn)?;
    diesel::delete(
        decisions::table
            .find(decision_id)
            .filter(decisions::status.eq(DecisionStatus::Draft)),
    )
    .execute(conn)
}

/// Draft decisions waiting for a decision maker, oldest first.
pub fn drafts(conn: &mut DbConnection) -> QueryResult<Vec<Decision>> {
    decisions::table
        .filter(decisions::status.eq(DecisionStatus::Draft))
        .order(decisions::created_at.asc())
        .select(Decision::as_select())
        .load(conn)
}
