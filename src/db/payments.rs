use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;
use serde::Serialize;

use super::DbConnection;
use super::schema::{decisions, payments};
use crate::codes::PaymentStatus;
use crate::money::Ore;

#[derive(Debug, Clone, PartialEq, Queryable, Selectable, Insertable, Serialize)]
#[diesel(table_name = payments)]
pub struct Payment {
    pub id: String,
    pub decision_id: String,
    pub call_id: String,
    pub organisation_id: String,
    pub year: i32,
    pub amount_ore: Ore,
    pub due_on: NaiveDate,
    pub status: PaymentStatus,
    pub paid_on: Option<NaiveDate>,
    pub payment_reference: Option<String>,
    pub marked_by: Option<String>,
    pub marked_at: Option<NaiveDateTime>,
    pub created_at: NaiveDateTime,
    /// When a decision lowering or revoking the grant cancelled this planned payment.
    pub cancelled_at: Option<NaiveDateTime>,
    pub cancelled_by_decision_id: Option<String>,
}

pub fn insert(conn: &mut DbConnection, payment: &Payment) -> QueryResult<()> {
    diesel::insert_into(payments::table)
        .values(payment)
        .execute(conn)?;
    super::money_figures::refresh(
        conn,
        &payment.call_id,
        &payment.organisation_id,
        payment.year,
    )
}

/// Keeps the money figures of a payment's organisation-year after its status changed.
fn refresh_of(conn: &mut DbConnection, id: &str) -> QueryResult<()> {
    let (call_id, organisation_id, year): (String, String, i32) = payments::table
        .find(id)
        .select((payments::call_id, payments::organisation_id, payments::year))
        .get_result(conn)?;
    super::money_figures::refresh(conn, &call_id, &organisation_id, year)
}

/// Payments of a call, of an organisation, or both.
fn of<'a>(
    call_id: Option<&str>,
    organisation_id: Option<&str>,
) -> diesel::helper_types::IntoBoxed<'a, payments::table, <DbConnection as Connection>::Backend> {
    let mut query = payments::table.into_boxed();
    if let Some(call_id) = call_id {
        query = query.filter(payments::call_id.eq(call_id.to_string()));
    }
    if let Some(org) = organisation_id {
        query = query.filter(payments::organisation_id.eq(org.to_string()));
    }
    query
}

/// Who a payment goes to, as a list of payments shows it: copied onto the payment when it
/// is written (migrations 000017 and 000023), so that a page of payments reads no other
/// table.
#[derive(Debug, Clone, PartialEq, Queryable, Serialize)]
pub struct Recipient {
    pub name: String,
    pub org_number: String,
}

/// The columns of a payment's line: the payment, its recipient and its decision's
/// registration number, all from the payment's own row.
type LineColumns = (
    diesel::dsl::AsSelect<Payment, <DbConnection as Connection>::Backend>,
    (payments::organisation_name, payments::org_number),
    payments::registration_number,
);

fn line_columns() -> LineColumns {
    (
        Payment::as_select(),
        (payments::organisation_name, payments::org_number),
        payments::registration_number,
    )
}

/// Payments with their recipient and the decision's registration number; of a call, of an
/// organisation, or both; a page of them, by due day, recipient and year.
pub fn list(
    conn: &mut DbConnection,
    call_id: Option<&str>,
    organisation_id: Option<&str>,
    limit: i64,
    offset: i64,
) -> QueryResult<Vec<(Payment, Recipient, String)>> {
    of(call_id, organisation_id)
        .order((
            payments::due_on.asc(),
            // The name copied onto the payment (migration 000017): the order is read from
            // an index instead of sorting the whole call after a join.
            payments::organisation_name.asc(),
            payments::year.asc(),
            payments::id.asc(),
        ))
        .limit(limit.max(0))
        .offset(offset.max(0))
        .select(line_columns())
        .load(conn)
}

/// How many payments `list` holds in all.
pub fn count(
    conn: &mut DbConnection,
    call_id: Option<&str>,
    organisation_id: Option<&str>,
) -> QueryResult<i64> {
    use super::schema::payment_counts;
    // Kept by triggers on insert and delete (migration 000017); an organisation's payments
    // in one call are few and counted.
    let kept = match (call_id, organisation_id) {
        (Some(call), None) => Some(("call", call)),
        (None, Some(org)) => Some(("organisation", org)),
        _ => None,
    };
    match kept {
        Some((scope, owner)) => Ok(payment_counts::table
            .find((scope, owner))
            .select(payment_counts::n)
            .get_result(conn)
            .optional()?
            .unwrap_or(0)),
        None => count_rows(conn, call_id, organisation_id),
    }
}

/// `count` by counting the rows: the check of the kept counts, and the count of an
/// organisation's payments in one call.
pub fn count_rows(
    conn: &mut DbConnection,
    call_id: Option<&str>,
    organisation_id: Option<&str>,
) -> QueryResult<i64> {
    of(call_id, organisation_id).count().get_result(conn)
}

/// Writes the kept counts of payments per call and per organisation again from the
/// payments (after a bulk load that wrote past the trigger that keeps them; see
/// `crate::generate`).
pub fn rebuild_counts(conn: &mut DbConnection) -> QueryResult<()> {
    use super::schema::payment_counts;
    diesel::delete(payment_counts::table).execute(conn)?;
    diesel::sql_query(
        "INSERT INTO payment_counts (scope, owner_id, n) \
         SELECT 'call', call_id, COUNT(*) FROM payments GROUP BY call_id",
    )
    .execute(conn)?;
    diesel::sql_query(
        "INSERT INTO payment_counts (scope, owner_id, n) \
         SELECT 'organisation', organisation_id, COUNT(*) FROM payments \
         GROUP BY organisation_id",
    )
    .execute(conn)?;
    Ok(())
}

/// The sums per status of the payments `list` holds, from the figures kept as payments are
/// written (`money_figures`): adding up a call's 100 000 payments per request took 180 ms.
pub fn totals(
    conn: &mut DbConnection,
    call_id: Option<&str>,
    organisation_id: Option<&str>,
) -> QueryResult<Vec<(PaymentStatus, Ore)>> {
    super::money_figures::payment_totals(conn, call_id, organisation_id)
}

/// [`totals`] added up from the payments themselves: the check of the kept figures.
pub fn totals_from_rows(
    conn: &mut DbConnection,
    call_id: Option<&str>,
    organisation_id: Option<&str>,
) -> QueryResult<Vec<(PaymentStatus, Ore)>> {
    use diesel::dsl::sql;
    use diesel::sql_types::Bool;
    // Not boxed: diesel groups only unboxed queries. A filter left out is always true.
    let everything = |none: bool| sql::<Bool>(if none { "1 = 1" } else { "1 = 0" });
    payments::table
        .filter(
            payments::call_id
                .eq(call_id.unwrap_or_default().to_string())
                .or(everything(call_id.is_none())),
        )
        .filter(
            payments::organisation_id
                .eq(organisation_id.unwrap_or_default().to_string())
                .or(everything(organisation_id.is_none())),
        )
        .group_by(payments::status)
        .select((
            payments::status,
            diesel::dsl::sql::<diesel::sql_types::BigInt>(
                "CAST(COALESCE(SUM(payments.amount_ore), 0) AS BIGINT)",
            ),
        ))
        .load(conn)
}

/// Where a payment stands in the payment file's order: due date, recipient's name, year,
/// id (the index `payments_call_order`, migration 000017).
#[derive(Debug, Clone, PartialEq, Eq, Queryable)]
pub struct FileKey {
    pub due_on: NaiveDate,
    pub organisation_name: String,
    pub year: i32,
    pub id: String,
}

/// The payment file's payments (to be paid or paid, not cancelled) after `after`, at most
/// `limit`, in the order of `list`: a part of the streamed file, each part starting where
/// the last ended, read from the index however far in. The whole order read first made
/// the file's first byte wait 270 ms at 75 000 payments.
pub fn file_keys_after(
    conn: &mut DbConnection,
    call_id: &str,
    after: Option<&FileKey>,
    limit: i64,
) -> QueryResult<Vec<FileKey>> {
    let mut query = payments::table
        .filter(payments::call_id.eq(call_id.to_string()))
        .filter(payments::status.ne(PaymentStatus::Cancelled))
        .into_boxed();
    if let Some(key) = after {
        // A row value: both databases read it as a range of the index (the same
        // comparison spelled out with `OR`s bounded only the due date, and each part read
        // the index from the start of its due date: the file took 2–3 s at 75 000).
        use diesel::sql_types::{Bool, Date, Integer, Text};
        query = query.filter(
            diesel::dsl::sql::<Bool>(
                "(payments.due_on, payments.organisation_name, payments.year, payments.id) > (",
            )
            .bind::<Date, _>(key.due_on)
            .sql(", ")
            .bind::<Text, _>(key.organisation_name.clone())
            .sql(", ")
            .bind::<Integer, _>(key.year)
            .sql(", ")
            .bind::<Text, _>(key.id.clone())
            .sql(")"),
        );
    }
    query
        .order((
            payments::due_on.asc(),
            // The name copied onto the payment (migration 000017): the order is read from
            // an index instead of sorting the whole call after a join.
            payments::organisation_name.asc(),
            payments::year.asc(),
            payments::id.asc(),
        ))
        .limit(limit)
        .select((
            payments::due_on,
            payments::organisation_name,
            payments::year,
            payments::id,
        ))
        .load(conn)
}

/// Payments by id (at most a chunk), with what `list` gives, in the order of `ids`.
pub fn with_details(
    conn: &mut DbConnection,
    ids: &[String],
) -> QueryResult<Vec<(Payment, Recipient, String)>> {
    let mut rows: Vec<(Payment, Recipient, String)> = Vec::with_capacity(ids.len());
    for chunk in ids.chunks(super::applications::ID_CHUNK) {
        rows.extend(
            payments::table
                .filter(payments::id.eq_any(chunk))
                .select(line_columns())
                .load::<(Payment, Recipient, String)>(conn)?,
        );
    }
    let place: std::collections::HashMap<&str, usize> = ids
        .iter()
        .enumerate()
        .map(|(i, id)| (id.as_str(), i))
        .collect();
    rows.sort_by_key(|(p, _, _)| place.get(p.id.as_str()).copied().unwrap_or(usize::MAX));
    Ok(rows)
}

/// The payments of one case (every decision made on the application, grants and changes
/// alike), in one query: by planned day, then year.
pub fn of_application(conn: &mut DbConnection, application_id: &str) -> QueryResult<Vec<Payment>> {
    payments::table
        .inner_join(decisions::table)
        .filter(decisions::application_id.eq(application_id.to_string()))
        .order((
            payments::due_on.asc(),
            payments::year.asc(),
            payments::id.asc(),
        ))
        .select(Payment::as_select())
        .load(conn)
}

pub fn find(conn: &mut DbConnection, id: &str) -> QueryResult<Option<Payment>> {
    payments::table
        .find(id)
        .select(Payment::as_select())
        .get_result(conn)
        .optional()
}

/// Marks a planned payment paid. Returns the rows changed: 0 when it was already paid (the
/// database refuses any change to a paid payment as well).
pub fn mark_paid(
    conn: &mut DbConnection,
    id: &str,
    paid_on: NaiveDate,
    reference: &str,
    by: &str,
    at: NaiveDateTime,
) -> QueryResult<usize> {
    let changed = diesel::update(
        payments::table
            .find(id)
            .filter(payments::status.eq(PaymentStatus::Planned)),
    )
    .set((
        payments::status.eq(PaymentStatus::Paid),
        payments::paid_on.eq(paid_on),
        payments::payment_reference.eq(reference),
        payments::marked_by.eq(by),
        payments::marked_at.eq(at),
    ))
    .execute(conn)?;
    if changed == 1 {
        refresh_of(conn, id)?;
    }
    Ok(changed)
}

/// The planned (not yet paid) payments of an organisation in a call for a year, the latest
/// first: the order in which a lowering decision cancels them.
pub fn planned_for(
    conn: &mut DbConnection,
    call_id: &str,
    organisation_id: &str,
    year: i32,
) -> QueryResult<Vec<Payment>> {
    payments::table
        .filter(payments::call_id.eq(call_id))
        .filter(payments::organisation_id.eq(organisation_id))
        .filter(payments::year.eq(year))
        .filter(payments::status.eq(PaymentStatus::Planned))
        .order((
            payments::due_on.desc(),
            payments::created_at.desc(),
            payments::id.desc(),
        ))
        .select(Payment::as_select())
        .load(conn)
}

/// Cancels a planned payment on behalf of a decision. Returns the rows changed: 0 when it
/// was no longer planned.
pub fn cancel(
    conn: &mut DbConnection,
    id: &str,
    decision_id: &str,
    at: NaiveDateTime,
) -> QueryResult<usize> {
    let changed = diesel::update(
        payments::table
            .find(id)
            .filter(payments::status.eq(PaymentStatus::Planned)),
    )
    .set((
        payments::status.eq(PaymentStatus::Cancelled),
        payments::cancelled_at.eq(at),
        payments::cancelled_by_decision_id.eq(decision_id),
    ))
    .execute(conn)?;
    if changed == 1 {
        refresh_of(conn, id)?;
    }
    Ok(changed)
}
