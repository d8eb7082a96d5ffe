//! Ombudsansökningar (issue 14): the requests, their steps, their documents and their
//! letters. What was filed is only ever added to (the database refuses changes to it, see
//! migration 2026-12-01-000025); the request's status and decision are the only columns
//! that change, and a decided request changes no more.

use chrono::NaiveDateTime;
use diesel::prelude::*;
use serde::Serialize;

use super::DbConnection;
use super::schema::{
    ombud_request_counters, ombud_request_documents, ombud_request_letters, ombud_request_steps,
    ombud_requests,
};
use crate::codes::text_enum;

text_enum! {
    /// Where a request stands.
    RequestStatus {
        Submitted => "submitted", "Inkommen";
        SupplementRequested => "supplement_requested", "Komplettering begärd";
        Approved => "approved", "Godkänd";
        WrittenOff => "written_off", "Avskriven";
    }
}

text_enum! {
    /// The kind of organisation, as the person names it. The register's own kinds
    /// (`codes::OrgKind`) are fewer: an association, a foundation and any other
    /// organisation are all `other` there.
    OmbudOrgKind {
        Region => "region", "Region";
        Municipality => "municipality", "Kommun";
        Association => "association", "Förening";
        Foundation => "foundation", "Stiftelse";
        Other => "other", "Annan organisation";
    }
}

text_enum! {
    /// What a document shows.
    DocumentKind {
        Delegation => "delegation", "Utdrag ur delegationsordningen eller intyg från sekreteraren";
        Statutes => "statutes", "Stadgar";
        Minutes => "minutes", "Justerat protokoll";
        Registration => "registration", "Registreringsbevis";
        PowerOfAttorney => "power_of_attorney", "Fullmakt";
        Other => "other", "Annat underlag";
    }
}

text_enum! {
    /// A step in a request's history.
    StepKind {
        Submitted => "submitted", "Ombudsansökan inskickad";
        SupplementRequested => "supplement_requested", "Komplettering begärd";
        Supplemented => "supplemented", "Komplettering inskickad";
        Approved => "approved", "Godkänd";
        WrittenOff => "written_off", "Avskriven";
    }
}

text_enum! {
    /// How the person had logged in when they filed.
    FiledMethod {
        Password => "password", "E-postadress och lösenord";
        ELegitimation => "e-legitimation", "E-legitimation";
    }
}

#[derive(Debug, Clone, PartialEq, Queryable, Selectable, Insertable, Serialize)]
#[diesel(table_name = ombud_requests)]
pub struct OmbudRequest {
    pub id: String,
    pub reference: String,
    pub user_id: String,
    pub applicant_name: String,
    pub applicant_email: String,
    pub org_number: String,
    pub org_name: String,
    pub org_kind: OmbudOrgKind,
    pub organisation_id: Option<String>,
    pub signs_for_organisation: bool,
    pub contact_email: String,
    pub contact_phone: String,
    pub filed_method: FiledMethod,
    pub filed_loa: Option<String>,
    pub status: RequestStatus,
    pub submitted_at: NaiveDateTime,
    pub last_submitted_at: NaiveDateTime,
    pub decided_at: Option<NaiveDateTime>,
    pub decided_by: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Queryable, Selectable, Insertable, Serialize)]
#[diesel(table_name = ombud_request_steps)]
pub struct OmbudStep {
    pub id: String,
    pub request_id: String,
    pub round: i32,
    pub kind: StepKind,
    pub message: Option<String>,
    pub org_number: Option<String>,
    pub org_name: Option<String>,
    pub org_kind: Option<OmbudOrgKind>,
    pub actor_user_id: String,
    pub actor_name: String,
    pub at: NaiveDateTime,
}

#[derive(Debug, Clone, PartialEq, Queryable, Selectable, Insertable)]
#[diesel(table_name = ombud_request_documents)]
pub struct OmbudDocument {
    pub id: String,
    pub request_id: String,
    pub round: i32,
    pub kind: DocumentKind,
    pub filename: String,
    pub content_type: String,
    pub size_bytes: i64,
    pub sha256: String,
    pub content: Vec<u8>,
    pub uploaded_at: NaiveDateTime,
    pub uploaded_by: String,
}

/// A document without its content, for lists.
#[derive(Debug, Clone, PartialEq, Queryable, Selectable, Serialize)]
#[diesel(table_name = ombud_request_documents)]
pub struct DocumentInfo {
    pub id: String,
    pub request_id: String,
    pub round: i32,
    pub kind: DocumentKind,
    pub filename: String,
    pub size_bytes: i64,
    pub sha256: String,
    pub uploaded_at: NaiveDateTime,
}

#[derive(Debug, Clone, PartialEq, Queryable, Selectable, Insertable)]
#[diesel(table_name = ombud_request_letters)]
pub struct OmbudLetter {
    pub id: String,
    pub request_id: String,
    pub step_id: String,
    pub kind: StepKind,
    pub filename: String,
    pub sha256: String,
    pub content: Vec<u8>,
    pub created_at: NaiveDateTime,
}

/// A letter without its content, for lists.
#[derive(Debug, Clone, PartialEq, Queryable, Selectable, Serialize)]
#[diesel(table_name = ombud_request_letters)]
pub struct LetterInfo {
    pub id: String,
    pub request_id: String,
    pub step_id: String,
    pub kind: StepKind,
    pub filename: String,
    pub sha256: String,
    pub created_at: NaiveDateTime,
}

/// Takes the next number of the year's series of references, atomically on both backends
/// (one upsert), inside the caller's transaction: a request not stored uses no number.
pub fn next_in_sequence(conn: &mut DbConnection, for_year: i32) -> QueryResult<i32> {
    use ombud_request_counters::dsl::{last_value, ombud_request_counters as counters, year};
    let upsert = diesel::insert_into(counters)
        .values((year.eq(for_year), last_value.eq(1)))
        .on_conflict(year)
        .do_update()
        .set(last_value.eq(last_value + 1))
        .returning(last_value);
    // Upserts do not compile on the multi-backend connection: run them on the inner one.
    match conn {
        DbConnection::Sqlite(c) => upsert.get_result(c),
        DbConnection::Postgresql(c) => upsert.get_result(c),
    }
}

pub fn insert(conn: &mut DbConnection, request: &OmbudRequest) -> QueryResult<()> {
    diesel::insert_into(ombud_requests::table)
        .values(request)
        .execute(conn)
        .map(|_| ())
}

pub fn insert_step(conn: &mut DbConnection, step: &OmbudStep) -> QueryResult<()> {
    diesel::insert_into(ombud_request_steps::table)
        .values(step)
        .execute(conn)
        .map(|_| ())
}

pub fn insert_document(conn: &mut DbConnection, document: &OmbudDocument) -> QueryResult<()> {
    diesel::insert_into(ombud_request_documents::table)
        .values(document)
        .execute(conn)
        .map(|_| ())
}

pub fn insert_letter(conn: &mut DbConnection, letter: &OmbudLetter) -> QueryResult<()> {
    diesel::insert_into(ombud_request_letters::table)
        .values(letter)
        .execute(conn)
        .map(|_| ())
}

pub fn find(conn: &mut DbConnection, id: &str) -> QueryResult<Option<OmbudRequest>> {
    ombud_requests::table
        .find(id)
        .select(OmbudRequest::as_select())
        .get_result(conn)
        .optional()
}

/// Locks a request that is still being handled, for the rest of the transaction (a
/// decided one is not touched: the database refuses any change to it). Returns whether
/// it was one.
pub fn lock_open(conn: &mut DbConnection, id: &str) -> QueryResult<bool> {
    diesel::update(
        ombud_requests::table.find(id).filter(
            ombud_requests::status
                .eq_any([RequestStatus::Submitted, RequestStatus::SupplementRequested]),
        ),
    )
    .set(ombud_requests::status.eq(ombud_requests::status))
    .execute(conn)
    .map(|n| n == 1)
}

/// A person's requests, newest first.
pub fn of_user(conn: &mut DbConnection, user_id: &str) -> QueryResult<Vec<OmbudRequest>> {
    ombud_requests::table
        .filter(ombud_requests::user_id.eq(user_id))
        .order((
            ombud_requests::submitted_at.desc(),
            ombud_requests::id.desc(),
        ))
        .select(OmbudRequest::as_select())
        .load(conn)
}

/// The person's request that is still being handled, if any (at most one).
pub fn open_of_user(conn: &mut DbConnection, user_id: &str) -> QueryResult<Option<OmbudRequest>> {
    ombud_requests::table
        .filter(ombud_requests::user_id.eq(user_id))
        .filter(
            ombud_requests::status
                .eq_any([RequestStatus::Submitted, RequestStatus::SupplementRequested]),
        )
        .select(OmbudRequest::as_select())
        .first(conn)
        .optional()
}

/// The officers' queue: requests with a status (every one with `None`), oldest first.
pub fn queue(
    conn: &mut DbConnection,
    status: Option<RequestStatus>,
    limit: i64,
) -> QueryResult<Vec<OmbudRequest>> {
    let mut query = ombud_requests::table
        .select(OmbudRequest::as_select())
        .order((ombud_requests::submitted_at.asc(), ombud_requests::id.asc()))
        .limit(limit)
        .into_boxed();
    if let Some(status) = status {
        query = query.filter(ombud_requests::status.eq(status));
    }
    query.load(conn)
}

/// How many requests have each status.
pub fn count_by_status(conn: &mut DbConnection) -> QueryResult<Vec<(RequestStatus, i64)>> {
    ombud_requests::table
        .group_by(ombud_requests::status)
        .select((ombud_requests::status, diesel::dsl::count_star()))
        .load(conn)
}

/// A request's new status. With `decided`, the request is decided then, by that person
/// (and never changes again).
pub fn set_status(
    conn: &mut DbConnection,
    id: &str,
    status: RequestStatus,
    decided: Option<(NaiveDateTime, &str)>,
) -> QueryResult<usize> {
    diesel::update(ombud_requests::table.find(id))
        .set((
            ombud_requests::status.eq(status),
            ombud_requests::decided_at.eq(decided.map(|(at, _)| at)),
            ombud_requests::decided_by.eq(decided.map(|(_, by)| by.to_string())),
        ))
        .execute(conn)
}

/// Sent in again after a supplement: back in the queue.
pub fn resubmitted(conn: &mut DbConnection, id: &str, at: NaiveDateTime) -> QueryResult<usize> {
    diesel::update(ombud_requests::table.find(id))
        .set((
            ombud_requests::status.eq(RequestStatus::Submitted),
            ombud_requests::last_submitted_at.eq(at),
        ))
        .execute(conn)
}

/// Approved: the organisation it made the person ombud of.
pub fn approved(
    conn: &mut DbConnection,
    id: &str,
    organisation_id: &str,
    at: NaiveDateTime,
    by: &str,
) -> QueryResult<usize> {
    diesel::update(ombud_requests::table.find(id))
        .set((
            ombud_requests::status.eq(RequestStatus::Approved),
            ombud_requests::organisation_id.eq(Some(organisation_id)),
            ombud_requests::decided_at.eq(Some(at)),
            ombud_requests::decided_by.eq(Some(by)),
        ))
        .execute(conn)
}

/// A request's steps, in order.
pub fn steps_of(conn: &mut DbConnection, request_id: &str) -> QueryResult<Vec<OmbudStep>> {
    ombud_request_steps::table
        .filter(ombud_request_steps::request_id.eq(request_id))
        .order((ombud_request_steps::at.asc(), ombud_request_steps::id.asc()))
        .select(OmbudStep::as_select())
        .load(conn)
}

/// The last round of a request (1 until a supplement has been sent in).
pub fn last_round(conn: &mut DbConnection, request_id: &str) -> QueryResult<i32> {
    ombud_request_steps::table
        .filter(ombud_request_steps::request_id.eq(request_id))
        .select(diesel::dsl::max(ombud_request_steps::round))
        .get_result::<Option<i32>>(conn)
        .map(|round| round.unwrap_or(1))
}

/// A request's documents, without their content, by round and in the order they came.
pub fn documents_of(conn: &mut DbConnection, request_id: &str) -> QueryResult<Vec<DocumentInfo>> {
    ombud_request_documents::table
        .filter(ombud_request_documents::request_id.eq(request_id))
        .order((
            ombud_request_documents::round.asc(),
            ombud_request_documents::uploaded_at.asc(),
            ombud_request_documents::id.asc(),
        ))
        .select(DocumentInfo::as_select())
        .load(conn)
}

pub fn document(conn: &mut DbConnection, id: &str) -> QueryResult<Option<OmbudDocument>> {
    ombud_request_documents::table
        .find(id)
        .select(OmbudDocument::as_select())
        .get_result(conn)
        .optional()
}

/// A request's letters, without their content, oldest first.
pub fn letters_of(conn: &mut DbConnection, request_id: &str) -> QueryResult<Vec<LetterInfo>> {
    ombud_request_letters::table
        .filter(ombud_request_letters::request_id.eq(request_id))
        .order((
            ombud_request_letters::created_at.asc(),
            ombud_request_letters::id.asc(),
        ))
        .select(LetterInfo::as_select())
        .load(conn)
}

pub fn letter(conn: &mut DbConnection, id: &str) -> QueryResult<Option<OmbudLetter>> {
    ombud_request_letters::table
        .find(id)
        .select(OmbudLetter::as_select())
        .get_result(conn)
        .optional()
}
