//! The sums behind a call's money dashboard, added up in the database (GROUP BY), so that
//! a call with 50 000 decisions sends a row per year and kind, not one per decided year.

use std::collections::BTreeMap;

use diesel::prelude::*;

use super::DbConnection;
use diesel::dsl::sql;
use diesel::sql_types::BigInt;

diesel::allow_columns_to_appear_in_same_group_by_clause!(
    decision_years::year,
    decisions::kind,
    decisions::organisation_id,
);

/// `SUM` typed as BIGINT on both backends (PostgreSQL sums BIGINT as NUMERIC).
fn sum_of(column: &str) -> diesel::expression::SqlLiteral<BigInt> {
    sql::<BigInt>(&format!("CAST(COALESCE(SUM({column}), 0) AS BIGINT)"))
}
use super::schema::{decision_years, decisions, payments, repayment_claims};
use crate::codes::{DecisionKind, DecisionStatus, PaymentStatus};
use crate::dashboard::OrgYear;
use crate::money::Ore;

/// Signed amounts of a call per (year, decision kind).
pub fn granted_by_kind(
    conn: &mut DbConnection,
    call_id: &str,
) -> QueryResult<Vec<(i32, DecisionKind, Ore)>> {
    decision_years::table
        .inner_join(decisions::table)
        .filter(decisions::call_id.eq(call_id))
        .filter(decisions::status.eq(DecisionStatus::Signed))
        .group_by((decision_years::year, decisions::kind))
        .select((
            decision_years::year,
            decisions::kind,
            sum_of("decision_years.amount_ore"),
        ))
        .load(conn)
}

/// Payments of a call per (year, status, amount).
pub fn payments(
    conn: &mut DbConnection,
    call_id: &str,
) -> QueryResult<Vec<(i32, PaymentStatus, Ore)>> {
    payments::table
        .filter(payments::call_id.eq(call_id))
        .group_by((payments::year, payments::status))
        .select((
            payments::year,
            payments::status,
            sum_of("payments.amount_ore"),
        ))
        .load(conn)
}

/// Repayment claims of a call that have been received: (year, kind code, amount).
pub fn received_claims(
    conn: &mut DbConnection,
    call_id: &str,
) -> QueryResult<Vec<(i32, String, Ore)>> {
    repayment_claims::table
        .filter(repayment_claims::call_id.eq(call_id))
        .filter(repayment_claims::status.eq("received"))
        .group_by((repayment_claims::year, repayment_claims::kind))
        .select((
            repayment_claims::year,
            repayment_claims::kind,
            sum_of("repayment_claims.amount_ore"),
        ))
        .load(conn)
}

/// Every organisation's money per year in a call, for what it binds of the ceiling: granted
/// now, paid, planned, repaid (received and open) and reclaimed (not waived).
pub fn org_years(
    conn: &mut DbConnection,
    call_id: &str,
) -> QueryResult<BTreeMap<(String, i32), OrgYear>> {
    let mut rows: BTreeMap<(String, i32), OrgYear> = BTreeMap::new();
    let granted: Vec<(String, i32, Ore)> = decision_years::table
        .inner_join(decisions::table)
        .filter(decisions::call_id.eq(call_id))
        .filter(decisions::status.eq(DecisionStatus::Signed))
        .group_by((decisions::organisation_id, decision_years::year))
        .select((
            decisions::organisation_id,
            decision_years::year,
            sum_of("decision_years.amount_ore"),
        ))
        .load(conn)?;
    for (org, year, amount) in granted {
        let row = rows.entry((org, year)).or_default();
        row.granted = row.granted + amount;
    }
    let paid: Vec<(String, i32, PaymentStatus, Ore)> = payments::table
        .filter(payments::call_id.eq(call_id))
        .group_by((payments::organisation_id, payments::year, payments::status))
        .select((
            payments::organisation_id,
            payments::year,
            payments::status,
            sum_of("payments.amount_ore"),
        ))
        .load(conn)?;
    for (org, year, status, amount) in paid {
        let row = rows.entry((org, year)).or_default();
        match status {
            PaymentStatus::Paid => row.paid = row.paid + amount,
            PaymentStatus::Planned => row.planned = row.planned + amount,
            PaymentStatus::Cancelled => {}
        }
    }
    let claims: Vec<(String, i32, String, String, Ore)> = repayment_claims::table
        .filter(repayment_claims::call_id.eq(call_id))
        .filter(repayment_claims::status.ne("waived"))
        .group_by((
            repayment_claims::organisation_id,
            repayment_claims::year,
            repayment_claims::kind,
            repayment_claims::status,
        ))
        .select((
            repayment_claims::organisation_id,
            repayment_claims::year,
            repayment_claims::kind,
            repayment_claims::status,
            sum_of("repayment_claims.amount_ore"),
        ))
        .load(conn)?;
    for (org, year, kind, status, amount) in claims {
        let row = rows.entry((org, year)).or_default();
        match (kind.as_str(), status.as_str()) {
            ("repayment", "received") => row.repaid_received = row.repaid_received + amount,
            ("repayment", _) => row.repaid_open = row.repaid_open + amount,
            _ => row.reclaimed = row.reclaimed + amount,
        }
    }
    Ok(rows)
}

// ---------------------------------------------------------------------------------------
// The kept figures (issue 12). Summing a call's every decision, payment and claim per
// request grew with the call (210 ms for the dashboard at 50 000 recipients). Instead each
// (call, organisation, year) has a row recomputed from its own source rows whenever one of
// them is written, in the same transaction, and the (call, year) row is moved by the
// difference. Recomputing the org-year (a handful of indexed rows) rather than adding the
// written amount keeps one rule for every kind of write, and `returned`, which is not
// linear in the amounts (`OrgYear::returned`), comes out right: the year's total is the sum
// of the organisations' own `returned`, and only the org-year's change moves it.
// The functions above (`org_years`, `granted_by_kind`, …) stay as the check: the tests
// compare the kept rows with them (tests/api/ledger.rs).
// ---------------------------------------------------------------------------------------

use super::schema::{call_recipients, call_year_money, org_year_money};

/// The kept money columns of `org_year_money` or `call_year_money`, as `Money` reads them.
macro_rules! money_columns {
    ($t:ident) => {
        (
            $t::signed_rows,
            $t::granted_first,
            $t::granted_top_up,
            $t::granted_changes,
            $t::paid,
            $t::planned,
            $t::cancelled,
            $t::repaid_received,
            $t::repaid_open,
            $t::reclaimed_received,
            $t::reclaimed_open,
            $t::returned,
        )
    };
}

/// One org-year's, or one call-year's, kept money, in öre.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Queryable, QueryableByName)]
pub struct Money {
    #[diesel(sql_type = BigInt)]
    pub signed_rows: i64,
    #[diesel(sql_type = BigInt)]
    pub granted_first: i64,
    #[diesel(sql_type = BigInt)]
    pub granted_top_up: i64,
    #[diesel(sql_type = BigInt)]
    pub granted_changes: i64,
    #[diesel(sql_type = BigInt)]
    pub paid: i64,
    #[diesel(sql_type = BigInt)]
    pub planned: i64,
    #[diesel(sql_type = BigInt)]
    pub cancelled: i64,
    #[diesel(sql_type = BigInt)]
    pub repaid_received: i64,
    #[diesel(sql_type = BigInt)]
    pub repaid_open: i64,
    #[diesel(sql_type = BigInt)]
    pub reclaimed_received: i64,
    #[diesel(sql_type = BigInt)]
    pub reclaimed_open: i64,
    #[diesel(sql_type = BigInt)]
    pub returned: i64,
}

impl Money {
    /// Granted now: first decisions, top-ups and changes.
    pub fn granted(&self) -> Ore {
        Ore::from_ore(self.granted_first + self.granted_top_up + self.granted_changes)
    }

    /// The figures `OrgYear`'s rules read.
    pub fn org_year(&self) -> OrgYear {
        OrgYear {
            granted: self.granted(),
            paid: Ore::from_ore(self.paid),
            planned: Ore::from_ore(self.planned),
            repaid_received: Ore::from_ore(self.repaid_received),
            repaid_open: Ore::from_ore(self.repaid_open),
            reclaimed: Ore::from_ore(self.reclaimed_received + self.reclaimed_open),
        }
    }

    fn columns(&self) -> [i64; 12] {
        [
            self.signed_rows,
            self.granted_first,
            self.granted_top_up,
            self.granted_changes,
            self.paid,
            self.planned,
            self.cancelled,
            self.repaid_received,
            self.repaid_open,
            self.reclaimed_received,
            self.reclaimed_open,
            self.returned,
        ]
    }
}

/// The column names, in the order of `Money::columns`.
const COLUMNS: [&str; 12] = [
    "signed_rows",
    "granted_first",
    "granted_top_up",
    "granted_changes",
    "paid",
    "planned",
    "cancelled",
    "repaid_received",
    "repaid_open",
    "reclaimed_received",
    "reclaimed_open",
    "returned",
];

/// An org-year's money as its source rows give it now.
fn from_sources(
    conn: &mut DbConnection,
    call_id: &str,
    organisation_id: &str,
    year: i32,
) -> QueryResult<Money> {
    let mut m = Money::default();
    // Through the organisation's index: an organisation has a handful of rows.
    let granted: Vec<(DecisionKind, i64, Ore)> = decision_years::table
        .inner_join(decisions::table)
        .filter(decisions::organisation_id.eq(organisation_id))
        .filter(decisions::call_id.eq(call_id))
        .filter(decisions::status.eq(DecisionStatus::Signed))
        .filter(decision_years::year.eq(year))
        .select((
            decisions::kind,
            sql::<BigInt>("CAST(1 AS BIGINT)"),
            decision_years::amount_ore,
        ))
        .load(conn)?;
    for (kind, n, amount) in granted {
        m.signed_rows += n;
        match kind {
            DecisionKind::Grant => m.granted_first += amount.ore(),
            DecisionKind::TopUp => m.granted_top_up += amount.ore(),
            DecisionKind::Change | DecisionKind::Revocation => m.granted_changes += amount.ore(),
            DecisionKind::Rejection => {}
        }
    }
    let paid: Vec<(PaymentStatus, Ore)> = payments::table
        .filter(payments::organisation_id.eq(organisation_id))
        .filter(payments::call_id.eq(call_id))
        .filter(payments::year.eq(year))
        .select((payments::status, payments::amount_ore))
        .load(conn)?;
    for (status, amount) in paid {
        match status {
            PaymentStatus::Paid => m.paid += amount.ore(),
            PaymentStatus::Planned => m.planned += amount.ore(),
            PaymentStatus::Cancelled => m.cancelled += amount.ore(),
        }
    }
    let claims: Vec<(String, String, Ore)> = repayment_claims::table
        .filter(repayment_claims::organisation_id.eq(organisation_id))
        .filter(repayment_claims::call_id.eq(call_id))
        .filter(repayment_claims::year.eq(year))
        .select((
            repayment_claims::kind,
            repayment_claims::status,
            repayment_claims::amount_ore,
        ))
        .load(conn)?;
    for (kind, status, amount) in claims {
        match (kind.as_str(), status.as_str()) {
            ("repayment", "received") => m.repaid_received += amount.ore(),
            ("repayment", "open") => m.repaid_open += amount.ore(),
            (_, "received") => m.reclaimed_received += amount.ore(),
            (_, "open") => m.reclaimed_open += amount.ore(),
            // Waived: counts nowhere.
            _ => {}
        }
    }
    m.returned = m.org_year().returned().ore();
    Ok(m)
}

/// Brings the kept money of one organisation's year in a call up to date with its source
/// rows, and moves the call's year by the change. Every function that writes a signed
/// decision, a payment or a claim calls it, in its transaction.
///
/// On PostgreSQL the upsert takes the org-year row's lock before the sources are read: two
/// transactions writing the same organisation's money then run one after the other, and
/// the second reads the first one's rows (READ COMMITTED reads afresh per statement). The
/// call-year row is moved by `col = col + change`, which PostgreSQL applies to the row's
/// latest version under its lock, so writers for different organisations need no order
/// between them. On SQLite the write transaction already holds the database.
pub fn refresh(
    conn: &mut DbConnection,
    call_id: &str,
    organisation_id: &str,
    year: i32,
) -> QueryResult<()> {
    use diesel::sql_types::{Integer, Text};
    diesel::sql_query(
        "INSERT INTO org_year_money (call_id, organisation_id, year) VALUES ($1, $2, $3) \
         ON CONFLICT (call_id, organisation_id, year) DO UPDATE SET year = excluded.year",
    )
    .bind::<Text, _>(call_id)
    .bind::<Text, _>(organisation_id)
    .bind::<Integer, _>(year)
    .execute(conn)?;
    let old: Money = org_year_money::table
        .find((call_id, organisation_id, year))
        .select(money_columns!(org_year_money))
        .get_result(conn)?;
    let new = from_sources(conn, call_id, organisation_id, year)?;
    if new == old {
        return Ok(());
    }
    let set = COLUMNS
        .iter()
        .enumerate()
        .map(|(i, c)| format!("{c} = ${}", i + 1))
        .collect::<Vec<_>>()
        .join(", ");
    // Placeholders numbered in the order they appear: SQLite numbers `$n` by first
    // appearance, PostgreSQL by n; the two agree only so.
    let mut update = diesel::sql_query(format!(
        "UPDATE org_year_money SET {set} WHERE call_id = $13 AND organisation_id = $14 AND year = $15"
    ))
    .into_boxed();
    for value in new.columns() {
        update = update.bind::<BigInt, _>(value);
    }
    update
        .bind::<Text, _>(call_id)
        .bind::<Text, _>(organisation_id)
        .bind::<Integer, _>(year)
        .execute(conn)?;
    diesel::sql_query(
        "INSERT INTO call_year_money (call_id, year) VALUES ($1, $2) \
         ON CONFLICT (call_id, year) DO NOTHING",
    )
    .bind::<Text, _>(call_id)
    .bind::<Integer, _>(year)
    .execute(conn)?;
    let moved = COLUMNS
        .iter()
        .enumerate()
        .map(|(i, c)| format!("{c} = {c} + ${}", i + 1))
        .collect::<Vec<_>>()
        .join(", ");
    let mut update = diesel::sql_query(format!(
        "UPDATE call_year_money SET {moved} WHERE call_id = $13 AND year = $14"
    ))
    .into_boxed();
    for (new, old) in new.columns().into_iter().zip(old.columns()) {
        update = update.bind::<BigInt, _>(new - old);
    }
    update
        .bind::<Text, _>(call_id)
        .bind::<Integer, _>(year)
        .execute(conn)?;
    if old.signed_rows == 0 && new.signed_rows > 0 {
        // A new recipient: into the allocation table's name order. Signed decisions are
        // never undone, so a recipient never leaves.
        let added = diesel::sql_query(
            "INSERT INTO call_recipients (call_id, organisation_id, organisation_name, org_number) \
             SELECT $1, o.id, o.name, o.org_number FROM organisations o WHERE o.id = $2 \
             ON CONFLICT (call_id, organisation_id) DO NOTHING",
        )
        .bind::<Text, _>(call_id)
        .bind::<Text, _>(organisation_id)
        .execute(conn)?;
        if added > 0 {
            diesel::sql_query(
                "INSERT INTO call_recipient_counts (call_id, n) VALUES ($1, $2) \
                 ON CONFLICT (call_id) DO UPDATE SET n = call_recipient_counts.n + $2",
            )
            .bind::<Text, _>(call_id)
            .bind::<BigInt, _>(added as i64)
            .execute(conn)?;
        }
    }
    Ok(())
}

/// [`refresh`] for every year a decision has amounts for (after it is signed).
pub fn refresh_decision(conn: &mut DbConnection, decision_id: &str) -> QueryResult<()> {
    let rows: Vec<(String, String, i32)> = decision_years::table
        .inner_join(decisions::table)
        .filter(decision_years::decision_id.eq(decision_id))
        .order(decision_years::year.asc())
        .select((
            decisions::call_id,
            decisions::organisation_id,
            decision_years::year,
        ))
        .load(conn)?;
    for (call_id, organisation_id, year) in rows {
        refresh(conn, &call_id, &organisation_id, year)?;
    }
    Ok(())
}

/// A call's kept money per year (years with no money yet have no row).
pub fn call_years(conn: &mut DbConnection, call_id: &str) -> QueryResult<BTreeMap<i32, Money>> {
    let rows: Vec<(i32, Money)> = call_year_money::table
        .filter(call_year_money::call_id.eq(call_id))
        .select((call_year_money::year, money_columns!(call_year_money)))
        .load(conn)?;
    Ok(rows.into_iter().collect())
}

/// Every kept org-year of a call (for the checks; pages read the call-years).
pub fn kept_org_years(
    conn: &mut DbConnection,
    call_id: &str,
) -> QueryResult<BTreeMap<(String, i32), Money>> {
    let rows: Vec<(String, i32, Money)> = org_year_money::table
        .filter(org_year_money::call_id.eq(call_id))
        .select((
            org_year_money::organisation_id,
            org_year_money::year,
            money_columns!(org_year_money),
        ))
        .load(conn)?;
    Ok(rows.into_iter().map(|(o, y, m)| ((o, y), m)).collect())
}

/// The sums per payment status, from the kept rows: of a call (its years' rows), of an
/// organisation (its own org-years), of both, or of everything.
pub fn payment_totals(
    conn: &mut DbConnection,
    call_id: Option<&str>,
    organisation_id: Option<&str>,
) -> QueryResult<Vec<(PaymentStatus, Ore)>> {
    let rows: Vec<Money> = match (call_id, organisation_id) {
        (_, Some(org)) => {
            let mut query = org_year_money::table
                .filter(org_year_money::organisation_id.eq(org.to_string()))
                .into_boxed();
            if let Some(call_id) = call_id {
                query = query.filter(org_year_money::call_id.eq(call_id.to_string()));
            }
            query.select(money_columns!(org_year_money)).load(conn)?
        }
        (Some(call_id), None) => call_year_money::table
            .filter(call_year_money::call_id.eq(call_id))
            .select(money_columns!(call_year_money))
            .load(conn)?,
        (None, None) => call_year_money::table
            .select(money_columns!(call_year_money))
            .load(conn)?,
    };
    let sum = |f: fn(&Money) -> i64| Ore::from_ore(rows.iter().map(f).sum());
    // A status whose sum is nought is left out, as the GROUP BY this replaces left out
    // statuses without payments (amounts are positive, so nought means none).
    Ok([
        (PaymentStatus::Planned, sum(|m| m.planned)),
        (PaymentStatus::Paid, sum(|m| m.paid)),
        (PaymentStatus::Cancelled, sum(|m| m.cancelled)),
    ]
    .into_iter()
    .filter(|(_, amount)| *amount != Ore::ZERO)
    .collect())
}

/// The recipients of a call on one page of the allocation table, in name order (the
/// index `call_recipients_by_name`): (organisation id, name, organisation number).
pub fn recipients_page(
    conn: &mut DbConnection,
    call_id: &str,
    limit: i64,
    offset: i64,
) -> QueryResult<Vec<(String, String, String)>> {
    call_recipients::table
        .filter(call_recipients::call_id.eq(call_id))
        .order((
            call_recipients::organisation_name.asc(),
            call_recipients::organisation_id.asc(),
        ))
        .limit(limit.max(0))
        .offset(offset.max(0))
        .select((
            call_recipients::organisation_id,
            call_recipients::organisation_name,
            call_recipients::org_number,
        ))
        .load(conn)
}

/// The recipients of a call after the one given, in name order (for a streamed file:
/// each part starts where the last ended, read from the index, however far in).
pub fn recipients_after(
    conn: &mut DbConnection,
    call_id: &str,
    after: Option<&(String, String)>,
    limit: i64,
) -> QueryResult<Vec<(String, String, String)>> {
    let mut query = call_recipients::table
        .filter(call_recipients::call_id.eq(call_id.to_string()))
        .into_boxed();
    if let Some((name, id)) = after {
        // `name >= n` first: a range of the index to start from, where the `OR` alone made
        // SQLite read the index from the call's first name for every part (50 parts of a
        // 50 000-recipient file took 10 s).
        query = query
            .filter(call_recipients::organisation_name.ge(name.clone()))
            .filter(
                call_recipients::organisation_name
                    .gt(name.clone())
                    .or(call_recipients::organisation_id.gt(id.clone())),
            );
    }
    query
        .order((
            call_recipients::organisation_name.asc(),
            call_recipients::organisation_id.asc(),
        ))
        .limit(limit.max(0))
        .select((
            call_recipients::organisation_id,
            call_recipients::organisation_name,
            call_recipients::org_number,
        ))
        .load(conn)
}

/// How many recipients a call has, as kept (see [`refresh`]).
pub fn recipient_count(conn: &mut DbConnection, call_id: &str) -> QueryResult<i64> {
    use super::schema::call_recipient_counts;
    Ok(call_recipient_counts::table
        .find(call_id)
        .select(call_recipient_counts::n)
        .get_result(conn)
        .optional()?
        .unwrap_or(0))
}

/// [`recipient_count`] by counting the recipients: the check of the kept count.
pub fn recipient_count_from_rows(conn: &mut DbConnection, call_id: &str) -> QueryResult<i64> {
    call_recipients::table
        .filter(call_recipients::call_id.eq(call_id))
        .count()
        .get_result(conn)
}

/// What the recipients were granted per year (organisation id, year, granted now).
pub fn granted_of(
    conn: &mut DbConnection,
    call_id: &str,
    organisation_ids: &[String],
) -> QueryResult<Vec<(String, i32, Ore)>> {
    let mut out = Vec::with_capacity(organisation_ids.len() * 3);
    for chunk in organisation_ids.chunks(super::applications::ID_CHUNK) {
        let rows: Vec<(String, i32, Money)> = org_year_money::table
            .filter(org_year_money::call_id.eq(call_id))
            .filter(org_year_money::organisation_id.eq_any(chunk))
            .filter(org_year_money::signed_rows.gt(0))
            .select((
                org_year_money::organisation_id,
                org_year_money::year,
                money_columns!(org_year_money),
            ))
            .load(conn)?;
        out.extend(rows.into_iter().map(|(o, y, m)| (o, y, m.granted())));
    }
    Ok(out)
}

/// Where the migration's filling statements begin (after the tables are made).
const FILL_MARKER: &str = "-- The figures of the data already there.";

/// Builds every kept row anew from the source rows, with the migration's own set-based
/// statements: after `statsbidrag generate`, which writes its rows in bulk past the
/// functions that keep the figures, and in the checks.
pub fn rebuild_all(conn: &mut DbConnection) -> QueryResult<()> {
    use diesel::connection::SimpleConnection;
    let up = match conn {
        DbConnection::Sqlite(_) => {
            include_str!("../../migrations/sqlite/2026-12-01-000013_money_ledger/up.sql")
        }
        DbConnection::Postgresql(_) => {
            include_str!("../../migrations/postgres/2026-12-01-000013_money_ledger/up.sql")
        }
    };
    let fill = up
        .split_once(FILL_MARKER)
        .map(|(_, fill)| fill)
        .unwrap_or("");
    conn.batch_execute(
        "DELETE FROM call_recipient_counts; DELETE FROM call_recipients; \
         DELETE FROM call_year_money; DELETE FROM org_year_money;",
    )?;
    conn.batch_execute(fill)?;
    // Migration 000019's count of the recipients just written.
    conn.batch_execute(
        "INSERT INTO call_recipient_counts (call_id, n) \
         SELECT call_id, COUNT(*) FROM call_recipients GROUP BY call_id;",
    )
}
