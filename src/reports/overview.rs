//! The officers' and auditors' view of a call's report-back for one year: every region's
//! status, a matrix of expected results × regions with each answer, the answers to the
//! call's own report-back fields, the counts and the money with sums; as a page, JSON and
//! CSV. And the export for the public, where no count from 1 to 4 is shown: the counts of
//! children, girls and boys (the answer to the call's counts field, see `counts_field`),
//! and the call's other counts by sex alike.

use std::collections::BTreeMap;

use chrono::{DateTime, NaiveDate, Utc};
use serde::Serialize;

use super::workflow::{self, Slot, SlotState};
use super::{Achievement, Counts, Money, public_counts};
use crate::access;
use crate::accounts::Actor;
use crate::audit;
use crate::calls::form::{self, FieldKind, FormField};
use crate::db::calls::{Call, ExpectedResult};
use crate::db::reports::{RepaymentClaim, ReportAnswer, ReportVersion};
use crate::db::{self, DbConnection};
use crate::error::AppError;
use crate::money::Ore;
use crate::spreadsheet::{SpreadsheetCsv, amount as csv_amount};

/// One region's report in the overview.
#[derive(Debug, Clone, Serialize)]
pub struct Row {
    pub slot: Slot,
    pub state: SlotState,
    pub overdue: bool,
    /// The latest submitted version, if any: its answers are the region's answers.
    pub version: Option<ReportVersion>,
    /// In the order of `Overview::results`; `None` where there is no submitted answer.
    pub answers: Vec<Option<ReportAnswer>>,
    pub money: Option<Money>,
    pub counts: Option<Counts>,
    pub claim: Option<RepaymentClaim>,
    /// The latest submitted version's answers to the call's own fields: field id → stored
    /// answer.
    pub fields: BTreeMap<String, String>,
}

impl Row {
    pub fn achievement(&self, index: usize) -> Option<Achievement> {
        self.answers
            .get(index)
            .and_then(|a| a.as_ref())
            .map(|a| a.achievement)
    }
}

#[derive(Debug, Clone, Default, Serialize)]
pub struct Totals {
    pub received: Ore,
    pub used: Ore,
    pub unused: Ore,
    /// Repayments recorded as received.
    pub repaid: Ore,
}

#[derive(Debug, Clone, Serialize)]
pub struct Overview {
    pub call: Call,
    pub year: i32,
    /// The call's years that have reports owed, for choosing another year.
    pub years: Vec<i32>,
    pub results: Vec<ExpectedResult>,
    /// The call's own report-back fields, in order.
    pub fields: Vec<FormField>,
    /// This window's rows.
    pub rows: Vec<Row>,
    /// How many rows the year has in all, and where this window starts.
    pub total: i64,
    pub offset: i64,
    pub totals: Totals,
    pub today: NaiveDate,
}

/// Which rows of the year an answer holds: `limit` from `offset` in the overview's order.
#[derive(Debug, Clone, Copy)]
pub struct Window {
    pub limit: i64,
    pub offset: i64,
}

impl Window {
    /// Every row (the files for download).
    pub const ALL: Window = Window {
        limit: i64::MAX,
        offset: 0,
    };
}

#[allow(clippy::too_many_arguments)]
fn build(
    conn: &mut DbConnection,
    call: Call,
    results: Vec<ExpectedResult>,
    fields: Vec<FormField>,
    year: i32,
    now: DateTime<Utc>,
    approved_only: bool,
    window: Window,
) -> Result<Overview, AppError> {
    let today = crate::clock::stockholm_date(now);
    let years = db::reports::owed_years(conn, &call.id)?;
    let filter = db::reports::OwedFilter {
        call_id: Some(call.id.clone()),
        year: Some(year),
        status: approved_only.then_some(super::ReportStatus::Approved),
        ..Default::default()
    };
    // The database filters, orders and counts; only this window's rows are read.
    let (slots, total) = workflow::slots_page(conn, &filter, window.limit, window.offset)?;
    // The sums are over the whole year, not only this window.
    let sums = db::reports::year_sums(conn, &call.id, year)?;
    let totals = Totals {
        received: sums.received,
        used: sums.used,
        unused: sums.unused,
        repaid: sums.repaid,
    };
    let rows = rows_of(conn, &results, &fields, slots, today)?;
    Ok(Overview {
        call,
        year,
        years,
        results,
        fields,
        rows,
        total,
        offset: window.offset,
        totals,
        today,
    })
}

/// The overview's rows of these slots: each report's latest submitted version with its
/// answers in the order of `results`, its money and its claim, read in a few queries for
/// every row at once instead of a few per row.
fn rows_of(
    conn: &mut DbConnection,
    results: &[ExpectedResult],
    form: &[FormField],
    slots: Vec<Slot>,
    today: NaiveDate,
) -> Result<Vec<Row>, AppError> {
    let report_ids: Vec<String> = slots
        .iter()
        .filter_map(|s| s.report.as_ref().map(|r| r.id.clone()))
        .collect();
    // By report, so that each row finds its claim.
    let mut claims: std::collections::HashMap<String, crate::db::reports::RepaymentClaim> =
        std::collections::HashMap::new();
    for claim in db::reports::claims_of_reports(conn, &report_ids)? {
        if let Some(report_id) = claim.report_id.clone() {
            claims.entry(report_id).or_insert(claim);
        }
    }
    let latest = db::reports::latest_submitted_versions(conn, &report_ids)?;
    let version_ids: Vec<String> = latest.values().map(|v| v.id.clone()).collect();
    let mut answers_by_version: std::collections::HashMap<
        String,
        Vec<crate::db::reports::ReportAnswer>,
    > = std::collections::HashMap::new();
    for answer in db::reports::answers_of(conn, &version_ids)? {
        answers_by_version
            .entry(answer.version_id.clone())
            .or_default()
            .push(answer);
    }
    let mut fields_by_version: std::collections::HashMap<String, BTreeMap<String, String>> =
        std::collections::HashMap::new();
    for answer in db::reports::field_answers_of(conn, &version_ids)? {
        fields_by_version
            .entry(answer.version_id)
            .or_default()
            .insert(answer.field_id, answer.body);
    }
    let mut rows = Vec::new();
    for slot in slots {
        let state = slot.state(today);
        let version = slot
            .report
            .as_ref()
            .and_then(|r| latest.get(&r.id).cloned());
        let answers_of_version = version
            .as_ref()
            .and_then(|v| answers_by_version.get(&v.id).cloned())
            .unwrap_or_default();
        let answers = results
            .iter()
            .map(|r| {
                answers_of_version
                    .iter()
                    .find(|a| a.expected_result_id == r.id)
                    .cloned()
            })
            .collect();
        let money = version.as_ref().map(|v| Money {
            received: v.received_ore.unwrap_or(Ore::ZERO),
            used: v.used_ore.unwrap_or(Ore::ZERO),
        });
        let claim = slot
            .report
            .as_ref()
            .and_then(|r| claims.get(&r.id).cloned());
        let fields = version
            .as_ref()
            .and_then(|v| fields_by_version.remove(&v.id))
            .unwrap_or_default();
        let counts = version
            .as_ref()
            .map(|v| super::counts_of(form, v.staff_fte_hundredths, &fields));
        rows.push(Row {
            fields,
            overdue: slot.overdue(today),
            state,
            counts,
            version,
            answers,
            money,
            claim,
            slot,
        });
    }
    Ok(rows)
}

/// The overview of a call's reports for a year, for the agency and auditors. Without a year,
/// the latest year whose reports have opened (or the first year).
pub fn for_call(
    conn: &mut DbConnection,
    actor: &Actor,
    call_id: &str,
    year: Option<i32>,
    now: DateTime<Utc>,
    window: Window,
) -> Result<Overview, AppError> {
    if !access::can_list_all_cases(actor) {
        audit::record_denied(
            conn,
            actor,
            now,
            "call",
            Some(call_id),
            "se utlysningens återrapporteringar",
        )?;
        return Err(if actor.role == crate::codes::Role::Applicant {
            AppError::NotFound
        } else {
            AppError::Forbidden
        });
    }
    let call = db::calls::find_call(conn, call_id)?.ok_or(AppError::NotFound)?;
    let def = db::calls::load_definition(conn, call)?;
    let year = match year {
        Some(y) => y,
        None => default_year(conn, &def, now)?,
    };
    if !def.years.iter().any(|y| y.year == year) {
        return Err(AppError::invalid(
            "year",
            format!("Utlysningen omfattar inte år {year}."),
        ));
    }
    let results = def
        .expected_results
        .iter()
        .filter(|r| r.year == year)
        .cloned()
        .collect();
    let fields = def.report_form();
    build(conn, def.call, results, fields, year, now, false, window)
}

fn default_year(
    conn: &mut DbConnection,
    def: &crate::db::calls::CallDefinition,
    now: DateTime<Utc>,
) -> Result<i32, AppError> {
    let rules = workflow::rules_for(conn, &def.call.id)?;
    let today = crate::clock::stockholm_date(now);
    let opened: Vec<i32> = def
        .years
        .iter()
        .map(|y| y.year)
        .filter(|y| super::opens_on(&rules, *y).is_some_and(|d| d <= today))
        .collect();
    opened
        .last()
        .copied()
        .or_else(|| def.years.first().map(|y| y.year))
        .ok_or(AppError::NotFound)
}

/// The export for the public: approved reports of a published call only, and no count
/// from 1 to 4 (written "<5").
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct PublicRow {
    pub organisation: String,
    pub org_number: String,
    pub registration_number: String,
    pub year: i32,
    /// Counts as text: a number, or "<5" for 1 to 4.
    pub children_total: String,
    pub girls: String,
    pub boys: String,
    /// Full-time equivalents, `3,5`.
    pub staff_fte: String,
    #[schema(value_type = String)]
    pub received: rust_decimal::Decimal,
    #[schema(value_type = String)]
    pub used: rust_decimal::Decimal,
    #[schema(value_type = String)]
    pub unused: rust_decimal::Decimal,
    /// Per expected result (in position order): how far the region came, in Swedish.
    pub achievements: Vec<String>,
    /// The call's own counts by sex (personal statistics), in field order, hidden like the
    /// counts above.
    pub personal_statistics: Vec<PublicSexCounts>,
}

/// One of the call's own counts by sex as the public may see it: each count a number, "<5"
/// for 1 to 4, "x" where a hidden count could be worked out from the others, "" when not
/// answered (or not asked of this region).
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct PublicSexCounts {
    /// The field's number in the call's report-back form.
    pub position: i32,
    pub title: String,
    pub total: String,
    pub girls: String,
    pub boys: String,
}

/// A stored count by sex as the public may see it, with the same hiding as the fixed counts.
fn public_sex_counts(
    field: &FormField,
    fields: &[FormField],
    answers: &BTreeMap<String, String>,
) -> PublicSexCounts {
    let counts = answers
        .get(&field.id)
        .filter(|_| form::visible(field, fields, answers))
        .and_then(|body| form::read_sex_counts(body));
    // The counts are bounded far below i32 when stored; a figure that does not fit is not
    // shown rather than shown wrong.
    let small = |n: i64| i32::try_from(n).ok();
    let (total, girls, boys) = match counts {
        Some(c) => public_counts(
            small(c.total),
            c.girls.and_then(small),
            c.boys.and_then(small),
        ),
        None => (String::new(), String::new(), String::new()),
    };
    PublicSexCounts {
        position: field.position,
        title: field.title.clone(),
        total,
        girls,
        boys,
    }
}

/// The call's fields whose answers are personal statistics, beside the counts field (whose
/// figures are the fixed counts of children, girls and boys).
fn statistics_fields(fields: &[FormField]) -> Vec<&FormField> {
    fields
        .iter()
        .filter(|f| f.is_personal_statistics() && !super::is_counts_field(fields, f))
        .collect()
}

/// The call's own fields as columns of their own: every one but the counts field, whose
/// figures are the fixed counts of children, girls and boys.
pub fn own_columns(fields: &[FormField]) -> Vec<&FormField> {
    fields
        .iter()
        .filter(|f| !super::is_counts_field(fields, f))
        .collect()
}

/// A stored answer to one of the call's own fields, in a cell of the officers' file and
/// matrix: as people read it, amounts as in the file's other amounts; "" when not answered
/// or not asked.
pub fn field_text(fields: &[FormField], row: &Row, field: &FormField) -> String {
    let Some(body) = row.fields.get(&field.id) else {
        return String::new();
    };
    if !form::visible(field, fields, &row.fields) {
        return String::new();
    }
    match field.kind {
        FieldKind::Amount => body
            .parse::<i64>()
            .map(|ore| csv_amount(Ore::from_ore(ore)))
            .unwrap_or_default(),
        _ => form::display(field, body),
    }
}

/// The officers' file's cells of one of the call's own fields: three for counts by sex
/// (total, girls, boys, as reported), one for any other question, none for a heading.
fn field_cells(fields: &[FormField], row: &Row, field: &FormField) -> Vec<String> {
    match field.kind {
        FieldKind::Page => Vec::new(),
        FieldKind::SexCounts => {
            let counts = row
                .fields
                .get(&field.id)
                .filter(|_| form::visible(field, fields, &row.fields))
                .and_then(|body| form::read_sex_counts(body));
            let text = |n: Option<i64>| n.map(|n| n.to_string()).unwrap_or_default();
            vec![
                text(counts.map(|c| c.total)),
                text(counts.and_then(|c| c.girls)),
                text(counts.and_then(|c| c.boys)),
            ]
        }
        _ => vec![field_text(fields, row, field)],
    }
}

/// The officers' file's headers of the call's own fields.
fn field_headers(fields: &[FormField]) -> Vec<String> {
    let mut out = Vec::new();
    for f in own_columns(fields) {
        match f.kind {
            FieldKind::Page => {}
            FieldKind::SexCounts => {
                for part in ["totalt", "flickor", "pojkar"] {
                    out.push(format!("F{} {}: {part}", f.position, f.title));
                }
            }
            _ => out.push(format!("F{} {}", f.position, f.title)),
        }
    }
    out
}

pub fn public(
    conn: &mut DbConnection,
    call_id: &str,
    year: i32,
    now: DateTime<Utc>,
) -> Result<(PublicPlan, Vec<PublicRow>), AppError> {
    let plan = public_plan(conn, call_id, year)?;
    let mut rows = Vec::new();
    let mut after = None;
    loop {
        let (chunk, next) = public_rows(conn, &plan, after.as_ref(), 500, year, now)?;
        rows.extend(chunk);
        match next {
            Some(cursor) => after = Some(cursor),
            None => break,
        }
    }
    Ok((plan, rows))
}

/// What the public export lists: the year's expected results, the call's own fields (for
/// their counts by sex, and the conditions that decide whether they were asked), and which
/// grant years.
#[derive(Debug, Clone)]
pub struct PublicPlan {
    pub results: Vec<ExpectedResult>,
    pub fields: Vec<FormField>,
    pub filter: db::reports::OwedFilter,
}

/// What the public export needs before its rows: the year's expected results and which
/// grant years it lists, the approved reports' (a published call only). The rows follow
/// a chunk at a time (`public_rows`), so the first byte leaves before any row is read.
pub fn public_plan(
    conn: &mut DbConnection,
    call_id: &str,
    year: i32,
) -> Result<PublicPlan, AppError> {
    let def = crate::calls::definition(conn, None, call_id)?;
    let results: Vec<ExpectedResult> = def
        .expected_results
        .iter()
        .filter(|r| r.year == year)
        .cloned()
        .collect();
    let filter = db::reports::OwedFilter {
        call_id: Some(def.call.id.clone()),
        year: Some(year),
        status: Some(super::ReportStatus::Approved),
        ..Default::default()
    };
    Ok(PublicPlan {
        results,
        fields: def.report_form(),
        filter,
    })
}

/// The next `limit` public rows after `after`, and where they end (`None` at the end).
pub fn public_rows(
    conn: &mut DbConnection,
    plan: &PublicPlan,
    after: Option<&db::reports::OwedCursor>,
    limit: i64,
    year: i32,
    now: DateTime<Utc>,
) -> Result<(Vec<PublicRow>, Option<db::reports::OwedCursor>), AppError> {
    let results = &plan.results;
    let (rows, next) = export_rows(conn, results, &plan.fields, &plan.filter, after, limit, now)?;
    let statistics = statistics_fields(&plan.fields);
    let rows = rows
        .iter()
        .map(|row| {
            let counts = row.counts.unwrap_or_default();
            let money = row.money.unwrap_or_default();
            let (children_total, girls, boys) =
                public_counts(counts.children_total, counts.girls, counts.boys);
            PublicRow {
                organisation: row.slot.organisation.name.clone(),
                org_number: row.slot.organisation.org_number.clone(),
                registration_number: row.slot.decision.registration_number.clone(),
                year,
                children_total,
                girls,
                boys,
                staff_fte: counts
                    .staff_fte_hundredths
                    .map(super::format_fte)
                    .unwrap_or_default(),
                received: money.received.to_kronor(),
                used: money.used.to_kronor(),
                unused: money.unused().to_kronor(),
                achievements: (0..results.len())
                    .map(|i| workflow::achievement_label(row.achievement(i)).to_string())
                    .collect(),
                personal_statistics: statistics
                    .iter()
                    .map(|f| public_sex_counts(f, &plan.fields, &row.fields))
                    .collect(),
            }
        })
        .collect();
    Ok((rows, next))
}

fn count_text(n: Option<i32>) -> String {
    n.map(|n| n.to_string()).unwrap_or_default()
}

/// The officers' file: one row per region with status, counts, money and how far it came
/// toward each expected result ("R1" … in position order), and a row of sums.
pub fn to_csv(overview: &Overview) -> Result<Vec<u8>, AppError> {
    let mut w = SpreadsheetCsv::new();
    w.row(csv_header(overview))?;
    for row in &overview.rows {
        w.row(csv_record(overview, row))?;
    }
    w.row(csv_sums(overview))?;
    w.finish()
}

/// The officers' file's first row.
pub fn csv_header(overview: &Overview) -> Vec<String> {
    let mut header: Vec<String> = [
        "Organisationsnummer",
        "Bidragsmottagare",
        "Diarienummer",
        "År",
        "Status",
        "Sista dag",
        "Försenad",
        "Version",
        "Underskriven av",
        "Barn och unga",
        "Flickor",
        "Pojkar",
        "Årsarbetskrafter",
        "Mottaget (kr)",
        "Använt (kr)",
        "Oanvänt (kr)",
        "Återbetalning",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    header.extend(
        overview
            .results
            .iter()
            .map(|r| format!("R{} {}", r.position, r.title)),
    );
    header.extend(field_headers(&overview.fields));
    header
}

/// One region's row of the officers' file.
pub fn csv_record(overview: &Overview, row: &Row) -> Vec<String> {
    let counts = row.counts.unwrap_or_default();
    let mut record = vec![
        row.slot.organisation.org_number.clone(),
        row.slot.organisation.name.clone(),
        row.slot.decision.registration_number.clone(),
        row.slot.year.to_string(),
        row.state.label().to_string(),
        row.slot.due_on.to_string(),
        if row.overdue { "Ja" } else { "Nej" }.to_string(),
        row.version
            .as_ref()
            .map(|v| v.number.to_string())
            .unwrap_or_default(),
        row.version
            .as_ref()
            .map(|v| {
                format!(
                    "{}, {}",
                    v.signer_name.clone().unwrap_or_default(),
                    v.signer_role.clone().unwrap_or_default()
                )
            })
            .unwrap_or_default(),
        count_text(counts.children_total),
        count_text(counts.girls),
        count_text(counts.boys),
        counts
            .staff_fte_hundredths
            .map(super::format_fte)
            .unwrap_or_default(),
        row.money
            .map(|m| csv_amount(m.received))
            .unwrap_or_default(),
        row.money.map(|m| csv_amount(m.used)).unwrap_or_default(),
        row.money
            .map(|m| csv_amount(m.unused()))
            .unwrap_or_default(),
        row.claim
            .as_ref()
            .map(|c| format!("{} ({})", c.status.label(), csv_amount(c.amount_ore)))
            .unwrap_or_default(),
    ];
    record.extend(
        (0..overview.results.len())
            .map(|i| workflow::achievement_label(row.achievement(i)).to_string()),
    );
    for field in own_columns(&overview.fields) {
        record.extend(field_cells(&overview.fields, row, field));
    }
    record
}

/// The officers' file's last row: the sums over every region.
pub fn csv_sums(overview: &Overview) -> Vec<String> {
    let mut sums = vec![String::new(); 13];
    sums[1] = "Summa".into();
    sums.push(csv_amount(overview.totals.received));
    sums.push(csv_amount(overview.totals.used));
    sums.push(csv_amount(overview.totals.unused));
    sums.push(String::new());
    sums.extend(overview.results.iter().map(|_| String::new()));
    sums.extend(
        field_headers(&overview.fields)
            .iter()
            .map(|_| String::new()),
    );
    sums
}

/// A file of every region, written a chunk at a time: the overview without rows (its
/// results, count and sums) and which grant years it lists. The rows follow a chunk at a
/// time (`export_rows`), each an index range of the kept rows, so the first byte leaves
/// before any row is read and memory holds one chunk however large the call.
pub struct Export {
    pub head: Overview,
    pub filter: db::reports::OwedFilter,
}

/// What the officers' file needs before its rows: checked like the overview.
pub fn export(
    conn: &mut DbConnection,
    actor: &Actor,
    call_id: &str,
    year: Option<i32>,
    now: DateTime<Utc>,
) -> Result<Export, AppError> {
    let head = for_call(
        conn,
        actor,
        call_id,
        year,
        now,
        Window {
            limit: 0,
            offset: 0,
        },
    )?;
    let filter = db::reports::OwedFilter {
        call_id: Some(head.call.id.clone()),
        year: Some(head.year),
        ..Default::default()
    };
    Ok(Export { head, filter })
}

/// The next `limit` rows of a file after `after`, and where they end (`None` at the end).
pub fn export_rows(
    conn: &mut DbConnection,
    results: &[ExpectedResult],
    fields: &[FormField],
    filter: &db::reports::OwedFilter,
    after: Option<&db::reports::OwedCursor>,
    limit: i64,
    now: DateTime<Utc>,
) -> Result<(Vec<Row>, Option<db::reports::OwedCursor>), AppError> {
    let (keys, cursor) = db::reports::owed_after(conn, filter, after, limit)?;
    // A short chunk is the last: no need to ask again.
    let next = cursor.filter(|_| keys.len() as i64 == limit);
    let slots = workflow::slots_of_keys(conn, keys)?;
    Ok((
        rows_of(
            conn,
            results,
            fields,
            slots,
            crate::clock::stockholm_date(now),
        )?,
        next,
    ))
}

/// The public file: approved reports only, small counts written "<5".
pub fn public_csv(plan: &PublicPlan, rows: &[PublicRow]) -> Result<Vec<u8>, AppError> {
    let mut w = SpreadsheetCsv::new();
    w.row(public_csv_header(plan))?;
    for row in rows {
        w.row(public_csv_record(row))?;
    }
    w.finish()
}

/// The public file's first row.
pub fn public_csv_header(plan: &PublicPlan) -> Vec<String> {
    let results = &plan.results;
    let mut header: Vec<String> = [
        "Organisationsnummer",
        "Bidragsmottagare",
        "Diarienummer",
        "År",
        "Barn och unga",
        "Flickor",
        "Pojkar",
        "Årsarbetskrafter",
        "Mottaget (kr)",
        "Använt (kr)",
        "Oanvänt (kr)",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    header.extend(
        results
            .iter()
            .map(|r| format!("R{} {}", r.position, r.title)),
    );
    for f in statistics_fields(&plan.fields) {
        for part in ["totalt", "flickor", "pojkar"] {
            header.push(format!("F{} {}: {part}", f.position, f.title));
        }
    }
    header
}

/// One region's row of the public file.
pub fn public_csv_record(row: &PublicRow) -> Vec<String> {
    let kr = |d: rust_decimal::Decimal| {
        Ore::from_decimal_kronor(d)
            .map(csv_amount)
            .unwrap_or_default()
    };
    let mut record = vec![
        row.org_number.clone(),
        row.organisation.clone(),
        row.registration_number.clone(),
        row.year.to_string(),
        row.children_total.clone(),
        row.girls.clone(),
        row.boys.clone(),
        row.staff_fte.clone(),
        kr(row.received),
        kr(row.used),
        kr(row.unused),
    ];
    record.extend(row.achievements.iter().cloned());
    for counts in &row.personal_statistics {
        record.extend([
            counts.total.clone(),
            counts.girls.clone(),
            counts.boys.clone(),
        ]);
    }
    record
}
