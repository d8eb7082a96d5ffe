use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;
use serde::Serialize;

use super::DbConnection;
use super::schema::{
    call_amendments, call_cost_categories, call_criteria, call_eligible_kinds, call_form_versions,
    call_report_fields, call_sections, call_years, calls, expected_results, programmes,
};
use crate::calls::form::{FieldKind, FormField};
use crate::codes::{CallStatus, OrgKind};
use crate::money::Ore;

#[derive(Debug, Clone, PartialEq, Queryable, Selectable, Insertable, Serialize)]
#[diesel(table_name = programmes)]
pub struct Programme {
    pub id: String,
    pub code: String,
    pub name: String,
    pub agency_name: String,
    pub agency_unit: String,
    pub appropriation: String,
    pub purpose: String,
    pub legal_basis: String,
    pub appeal_text: String,
    pub created_at: NaiveDateTime,
    /// The functional mailbox and phone of the unit running the grant; none for a
    /// programme stored before they were kept (then the agency's are given, see
    /// `agency::of_programme`).
    pub contact_email: Option<String>,
    pub contact_phone: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Queryable, Selectable, Insertable, AsChangeset, Serialize)]
#[diesel(table_name = calls)]
pub struct Call {
    pub id: String,
    pub programme_id: String,
    pub code: String,
    pub title: String,
    pub description: String,
    pub annex_title: String,
    pub annex_intro: String,
    pub status: CallStatus,
    pub max_recipients: i32,
    pub opens_on: NaiveDate,
    pub last_day: NaiveDate,
    pub payment_month: i32,
    pub report_due_month: i32,
    pub report_due_day: i32,
    pub requires_approved_reports: bool,
    pub copied_from_call_id: Option<String>,
    pub created_at: NaiveDateTime,
    pub published_at: Option<NaiveDateTime>,
    pub closed_at: Option<NaiveDateTime>,
}

#[derive(Debug, Clone, PartialEq, Queryable, Selectable, Insertable, Serialize)]
#[diesel(table_name = call_years)]
pub struct CallYear {
    pub call_id: String,
    pub year: i32,
    pub ceiling_ore: Ore,
    /// Moved by every signing, as a row lock (see [`lock_years`]). In a call's definition it
    /// may be older than the row: its change does not move the definition's stamp (see
    /// `definition_parts`), and nothing reads it there.
    pub lock_version: i64,
}

#[derive(Debug, Clone, PartialEq, Queryable, Selectable, Insertable, Serialize)]
#[diesel(table_name = call_sections)]
pub struct CallSection {
    pub id: String,
    pub call_id: String,
    pub position: i32,
    pub title: String,
    pub help_text: String,
    pub required: bool,
    pub max_length: i32,
    /// The field's type (free text for every question stored before issue 15).
    pub kind: FieldKind,
    /// The type's settings as JSON (`calls::form::FieldSettings`).
    pub settings: String,
}

impl CallSection {
    pub fn field(&self) -> FormField {
        FormField::new(
            &self.id,
            self.position,
            &self.title,
            &self.help_text,
            self.required,
            self.max_length,
            self.kind,
            &self.settings,
        )
    }
}

/// A field of a call's own report-back form (beside the answer group per expected result).
#[derive(Debug, Clone, PartialEq, Queryable, Selectable, Insertable, Serialize)]
#[diesel(table_name = call_report_fields)]
pub struct ReportField {
    pub id: String,
    pub call_id: String,
    pub position: i32,
    pub title: String,
    pub help_text: String,
    pub required: bool,
    pub max_length: i32,
    pub kind: FieldKind,
    pub settings: String,
}

impl ReportField {
    pub fn field(&self) -> FormField {
        FormField::new(
            &self.id,
            self.position,
            &self.title,
            &self.help_text,
            self.required,
            self.max_length,
            self.kind,
            &self.settings,
        )
    }
}

#[derive(Debug, Clone, PartialEq, Queryable, Selectable, Insertable, Serialize)]
#[diesel(table_name = call_cost_categories)]
pub struct CostCategory {
    pub id: String,
    pub call_id: String,
    pub position: i32,
    pub code: String,
    pub name: String,
}

#[derive(Debug, Clone, PartialEq, Queryable, Selectable, Insertable, Serialize)]
#[diesel(table_name = call_criteria)]
pub struct Criterion {
    pub id: String,
    pub call_id: String,
    pub position: i32,
    pub title: String,
    pub description: String,
}

#[derive(Debug, Clone, PartialEq, Queryable, Selectable, Insertable, Serialize)]
#[diesel(table_name = expected_results)]
pub struct ExpectedResult {
    pub id: String,
    pub call_id: String,
    pub year: i32,
    pub position: i32,
    pub area: String,
    pub title: String,
    pub body: String,
}

/// Everything a call defines, read together.
#[derive(Debug, Clone, Serialize)]
pub struct CallDefinition {
    pub call: Call,
    pub programme: Programme,
    pub years: Vec<CallYear>,
    pub eligible_kinds: Vec<OrgKind>,
    pub sections: Vec<CallSection>,
    pub cost_categories: Vec<CostCategory>,
    pub criteria: Vec<Criterion>,
    pub expected_results: Vec<ExpectedResult>,
    /// The call's own report-back fields (issue 15); none for a call that asks only the
    /// fixed report-back.
    pub report_fields: Vec<ReportField>,
}

impl CallDefinition {
    /// The application form's fields, in order.
    pub fn fields(&self) -> Vec<FormField> {
        self.sections.iter().map(CallSection::field).collect()
    }

    /// The report-back form's own fields, in order.
    pub fn report_form(&self) -> Vec<FormField> {
        self.report_fields.iter().map(ReportField::field).collect()
    }
}

pub fn insert_programme(conn: &mut DbConnection, programme: &Programme) -> QueryResult<()> {
    diesel::insert_into(programmes::table)
        .values(programme)
        .execute(conn)
        .map(|_| ())
}

pub fn find_programme_by_code(
    conn: &mut DbConnection,
    code: &str,
) -> QueryResult<Option<Programme>> {
    programmes::table
        .filter(programmes::code.eq(code))
        .select(Programme::as_select())
        .get_result(conn)
        .optional()
}

pub fn find_call_by_code(conn: &mut DbConnection, code: &str) -> QueryResult<Option<Call>> {
    calls::table
        .filter(calls::code.eq(code))
        .select(Call::as_select())
        .get_result(conn)
        .optional()
}

/// Inserts a call with everything it defines. Rows go one at a time: batch inserts do not
/// compile on the multi-backend connection, and calls are small.
pub fn insert_definition(conn: &mut DbConnection, def: &CallDefinition) -> QueryResult<()> {
    diesel::insert_into(calls::table)
        .values(&def.call)
        .execute(conn)?;
    insert_definition_children(conn, def)
}

/// Inserts what a call defines, the call's own row aside.
fn insert_definition_children(conn: &mut DbConnection, def: &CallDefinition) -> QueryResult<()> {
    for year in &def.years {
        diesel::insert_into(call_years::table)
            .values(year)
            .execute(conn)?;
    }
    for kind in &def.eligible_kinds {
        diesel::insert_into(call_eligible_kinds::table)
            .values((
                call_eligible_kinds::call_id.eq(&def.call.id),
                call_eligible_kinds::kind.eq(kind),
            ))
            .execute(conn)?;
    }
    for section in &def.sections {
        diesel::insert_into(call_sections::table)
            .values(section)
            .execute(conn)?;
    }
    for category in &def.cost_categories {
        diesel::insert_into(call_cost_categories::table)
            .values(category)
            .execute(conn)?;
    }
    for criterion in &def.criteria {
        diesel::insert_into(call_criteria::table)
            .values(criterion)
            .execute(conn)?;
    }
    for result in &def.expected_results {
        diesel::insert_into(expected_results::table)
            .values(result)
            .execute(conn)?;
    }
    for field in &def.report_fields {
        diesel::insert_into(call_report_fields::table)
            .values(field)
            .execute(conn)?;
    }
    Ok(())
}

pub fn find_call(conn: &mut DbConnection, id: &str) -> QueryResult<Option<Call>> {
    calls::table
        .find(id)
        .select(Call::as_select())
        .get_result(conn)
        .optional()
}

/// Calls, newest last day first; only the given statuses when any are given.
pub fn list_calls(conn: &mut DbConnection, statuses: &[CallStatus]) -> QueryResult<Vec<Call>> {
    let mut query = calls::table.into_boxed();
    if !statuses.is_empty() {
        query = query.filter(calls::status.eq_any(statuses.to_vec()));
    }
    query
        .order((calls::last_day.desc(), calls::title.asc()))
        .select(Call::as_select())
        .load(conn)
}

/// A call's definition: the call with its programme, years, eligible kinds, sections, cost
/// categories, criteria and expected results. See [`definition_parts`] for where the parts
/// come from.
pub fn load_definition(conn: &mut DbConnection, call: Call) -> QueryResult<CallDefinition> {
    let parts = definition_parts(conn, &call.id)?;
    Ok(CallDefinition {
        call,
        programme: parts.programme.clone(),
        years: parts.years.clone(),
        eligible_kinds: parts.eligible_kinds.clone(),
        sections: parts.sections.clone(),
        cost_categories: parts.cost_categories.clone(),
        criteria: parts.criteria.clone(),
        expected_results: parts.expected_results.clone(),
        report_fields: parts.report_fields.clone(),
    })
}

/// What a call's definition holds beside the call's own row.
#[derive(Debug)]
struct DefinitionParts {
    call_id: String,
    programme: Programme,
    years: Vec<CallYear>,
    eligible_kinds: Vec<OrgKind>,
    sections: Vec<CallSection>,
    cost_categories: Vec<CostCategory>,
    criteria: Vec<Criterion>,
    expected_results: Vec<ExpectedResult>,
    report_fields: Vec<ReportField>,
}

/// Definitions read before, under the stamp their call had when they were read. The stamps
/// are random and change with every write to a part (triggers of migration
/// 2026-12-01-000020), so an entry is either current or never asked for again; no entry
/// needs to be removed for being stale, only to bound the memory.
static DEFINITIONS: std::sync::OnceLock<
    std::sync::Mutex<std::collections::HashMap<String, std::sync::Arc<DefinitionParts>>>,
> = std::sync::OnceLock::new();

/// More calls than an agency runs in years; past it the map starts again empty.
const DEFINITIONS_KEPT: usize = 256;

/// The parts of a call's definition: one statement (the call's stamp) when this process
/// has read them under the current stamp, eight otherwise. A draft save and the case it
/// answers with used to read all of them twice. Reading the stamp first and the parts after
/// gives at worst parts newer than the stamp, which is what reading without the memory
/// gives too; the stamp of older parts never comes back.
fn definition_parts(
    conn: &mut DbConnection,
    call_id: &str,
) -> QueryResult<std::sync::Arc<DefinitionParts>> {
    use super::schema::call_definition_stamps;
    let stamp: Option<String> = call_definition_stamps::table
        .find(call_id)
        .select(call_definition_stamps::stamp)
        .get_result(conn)
        .optional()?;
    let kept = DEFINITIONS.get_or_init(Default::default);
    if let Some(stamp) = &stamp {
        let found = kept
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .get(stamp)
            .cloned();
        if let Some(parts) = found.filter(|p| p.call_id == call_id) {
            return Ok(parts);
        }
    }
    let parts = std::sync::Arc::new(read_definition_parts(conn, call_id)?);
    if let Some(stamp) = stamp {
        let mut kept = kept.lock().unwrap_or_else(|e| e.into_inner());
        if kept.len() >= DEFINITIONS_KEPT {
            kept.clear();
        }
        kept.insert(stamp, parts.clone());
    }
    Ok(parts)
}

fn read_definition_parts(conn: &mut DbConnection, call_id: &str) -> QueryResult<DefinitionParts> {
    let programme = programmes::table
        .filter(
            programmes::id.eq_any(
                calls::table
                    .filter(calls::id.eq(call_id))
                    .select(calls::programme_id),
            ),
        )
        .select(Programme::as_select())
        .get_result(conn)?;
    let years = call_years(conn, call_id)?;
    let eligible_kinds = call_eligible_kinds::table
        .filter(call_eligible_kinds::call_id.eq(call_id))
        .order(call_eligible_kinds::kind.asc())
        .select(call_eligible_kinds::kind)
        .load::<OrgKind>(conn)?;
    let sections = call_sections::table
        .filter(call_sections::call_id.eq(call_id))
        .order(call_sections::position.asc())
        .select(CallSection::as_select())
        .load(conn)?;
    let cost_categories = call_cost_categories::table
        .filter(call_cost_categories::call_id.eq(call_id))
        .order(call_cost_categories::position.asc())
        .select(CostCategory::as_select())
        .load(conn)?;
    let criteria = call_criteria::table
        .filter(call_criteria::call_id.eq(call_id))
        .order(call_criteria::position.asc())
        .select(Criterion::as_select())
        .load(conn)?;
    let expected_results = expected_results::table
        .filter(expected_results::call_id.eq(call_id))
        .order((
            expected_results::year.asc(),
            expected_results::position.asc(),
        ))
        .select(ExpectedResult::as_select())
        .load(conn)?;
    let report_fields = call_report_fields::table
        .filter(call_report_fields::call_id.eq(call_id))
        .order(call_report_fields::position.asc())
        .select(ReportField::as_select())
        .load(conn)?;
    Ok(DefinitionParts {
        call_id: call_id.to_string(),
        programme,
        years,
        eligible_kinds,
        sections,
        cost_categories,
        criteria,
        expected_results,
        report_fields,
    })
}

/// What the rules for an application draft read of a call (see
/// `applications::draft::FormRules`).
#[derive(Debug, Clone, PartialEq)]
pub struct DraftForm {
    pub years: Vec<CallYear>,
    pub sections: Vec<CallSection>,
    pub cost_categories: Vec<CostCategory>,
}

pub fn draft_form(conn: &mut DbConnection, call_id: &str) -> QueryResult<DraftForm> {
    let parts = definition_parts(conn, call_id)?;
    Ok(DraftForm {
        years: parts.years.clone(),
        sections: parts.sections.clone(),
        cost_categories: parts.cost_categories.clone(),
    })
}

pub fn call_years(conn: &mut DbConnection, call_id: &str) -> QueryResult<Vec<CallYear>> {
    call_years::table
        .filter(call_years::call_id.eq(call_id))
        .order(call_years::year.asc())
        .select(CallYear::as_select())
        .load(conn)
}

#[derive(Debug, Clone, PartialEq, Queryable, Selectable, Insertable, Serialize)]
#[diesel(table_name = call_amendments)]
pub struct Amendment {
    pub id: String,
    pub call_id: String,
    pub amended_at: NaiveDateTime,
    pub amended_by: String,
    pub summary: String,
    pub details: String,
}

pub fn list_programmes(conn: &mut DbConnection) -> QueryResult<Vec<Programme>> {
    programmes::table
        .order(programmes::name.asc())
        .select(Programme::as_select())
        .load(conn)
}

/// Removes what a draft call defines, before it is written again. Only for drafts: nothing
/// refers to a draft's sections or categories yet.
pub fn delete_definition_children(conn: &mut DbConnection, call_id: &str) -> QueryResult<()> {
    diesel::delete(call_years::table.filter(call_years::call_id.eq(call_id))).execute(conn)?;
    diesel::delete(call_eligible_kinds::table.filter(call_eligible_kinds::call_id.eq(call_id)))
        .execute(conn)?;
    diesel::delete(call_sections::table.filter(call_sections::call_id.eq(call_id)))
        .execute(conn)?;
    diesel::delete(call_cost_categories::table.filter(call_cost_categories::call_id.eq(call_id)))
        .execute(conn)?;
    diesel::delete(call_criteria::table.filter(call_criteria::call_id.eq(call_id)))
        .execute(conn)?;
    diesel::delete(expected_results::table.filter(expected_results::call_id.eq(call_id)))
        .execute(conn)?;
    diesel::delete(call_report_fields::table.filter(call_report_fields::call_id.eq(call_id)))
        .execute(conn)?;
    Ok(())
}

/// Writes a draft call again, with everything it defines.
pub fn replace_draft_definition(conn: &mut DbConnection, def: &CallDefinition) -> QueryResult<()> {
    delete_definition_children(conn, &def.call.id)?;
    // The call's own row is written over, not deleted: its saved form versions
    // (call_form_versions) refer to it.
    diesel::update(calls::table.find(&def.call.id))
        .set(&def.call)
        .execute(conn)?;
    insert_definition_children(conn, def)
}

/// The terms of a published call that an amendment may change.
pub fn update_terms(conn: &mut DbConnection, call: &Call) -> QueryResult<()> {
    diesel::update(calls::table.find(&call.id))
        .set((
            calls::title.eq(&call.title),
            calls::description.eq(&call.description),
            calls::last_day.eq(call.last_day),
            calls::max_recipients.eq(call.max_recipients),
            calls::annex_title.eq(&call.annex_title),
            calls::annex_intro.eq(&call.annex_intro),
        ))
        .execute(conn)
        .map(|_| ())
}

pub fn update_ceiling(
    conn: &mut DbConnection,
    call_id: &str,
    year: i32,
    ceiling: Ore,
) -> QueryResult<()> {
    diesel::update(call_years::table.find((call_id, year)))
        .set(call_years::ceiling_ore.eq(ceiling))
        .execute(conn)
        .map(|_| ())
}

pub fn set_status(
    conn: &mut DbConnection,
    call_id: &str,
    status: CallStatus,
    at: NaiveDateTime,
) -> QueryResult<()> {
    let target = calls::table.find(call_id);
    match status {
        CallStatus::Published => diesel::update(target)
            .set((calls::status.eq(status), calls::published_at.eq(at)))
            .execute(conn),
        CallStatus::Closed => diesel::update(target)
            .set((calls::status.eq(status), calls::closed_at.eq(at)))
            .execute(conn),
        CallStatus::Draft => diesel::update(target)
            .set(calls::status.eq(status))
            .execute(conn),
    }
    .map(|_| ())
}

pub fn insert_amendment(conn: &mut DbConnection, amendment: &Amendment) -> QueryResult<()> {
    diesel::insert_into(call_amendments::table)
        .values(amendment)
        .execute(conn)
        .map(|_| ())
}

pub fn amendments(conn: &mut DbConnection, call_id: &str) -> QueryResult<Vec<Amendment>> {
    call_amendments::table
        .filter(call_amendments::call_id.eq(call_id))
        .order(call_amendments::amended_at.asc())
        .select(Amendment::as_select())
        .load(conn)
}

pub fn code_taken(
    conn: &mut DbConnection,
    code: &str,
    except_id: Option<&str>,
) -> QueryResult<bool> {
    let mut query = calls::table.filter(calls::code.eq(code)).into_boxed();
    if let Some(id) = except_id {
        query = query.filter(calls::id.ne(id.to_string()));
    }
    query.count().get_result::<i64>(conn).map(|n| n > 0)
}

/// Takes the row locks of a call's years until the transaction ends (see
/// `decisions::sign_in_tx`).
pub fn lock_years(conn: &mut DbConnection, call_id: &str) -> QueryResult<()> {
    diesel::update(call_years::table.filter(call_years::call_id.eq(call_id)))
        .set(call_years::lock_version.eq(call_years::lock_version + 1))
        .execute(conn)
        .map(|_| ())
}

/// What the allocation table of a call is built from: the call's head, its years with
/// their ceilings, and every signed amount.
#[derive(Debug, Clone, PartialEq)]
pub struct AllocationSource {
    pub call_id: String,
    pub title: String,
    pub code: String,
    pub status: CallStatus,
    pub years: Vec<(i32, Ore)>,
    pub signed: Vec<super::decisions::SignedAmount>,
}

#[derive(QueryableByName)]
struct AllocationSourceRow {
    #[diesel(sql_type = diesel::sql_types::Integer)]
    part: i32,
    #[diesel(sql_type = diesel::sql_types::Text)]
    call_title: String,
    #[diesel(sql_type = diesel::sql_types::Text)]
    call_code: String,
    #[diesel(sql_type = diesel::sql_types::Text)]
    call_status: String,
    #[diesel(sql_type = diesel::sql_types::Nullable<diesel::sql_types::Integer>)]
    year: Option<i32>,
    #[diesel(sql_type = diesel::sql_types::Nullable<diesel::sql_types::BigInt>)]
    amount: Option<i64>,
    #[diesel(sql_type = diesel::sql_types::Nullable<diesel::sql_types::Text>)]
    organisation_id: Option<String>,
    #[diesel(sql_type = diesel::sql_types::Nullable<diesel::sql_types::Text>)]
    organisation_name: Option<String>,
    #[diesel(sql_type = diesel::sql_types::Nullable<diesel::sql_types::Text>)]
    org_number: Option<String>,
}

/// The allocation table's input in one query (the public read is the service's busiest;
/// it used to load the whole call definition, 8 queries, to answer a 1 KB table). `None`
/// when there is no such call.
pub fn allocation_source(
    conn: &mut DbConnection,
    call_id: &str,
) -> QueryResult<Option<AllocationSource>> {
    use diesel::sql_types::Text;
    // `$1`, `$2`, `$3` are PostgreSQL's placeholders; SQLite reads them as parameters
    // numbered in order of appearance, which is the same order.
    let rows = diesel::sql_query(
        "SELECT 0 AS part, c.title AS call_title, c.code AS call_code, \
                c.status AS call_status, y.year AS year, y.ceiling_ore AS amount, \
                CAST(NULL AS TEXT) AS organisation_id, CAST(NULL AS TEXT) AS organisation_name, \
                CAST(NULL AS TEXT) AS org_number \
         FROM calls c LEFT JOIN call_years y ON y.call_id = c.id \
         WHERE c.id = $1 \
         UNION ALL \
         SELECT 1, '', '', '', dy.year, dy.amount_ore, d.organisation_id, o.name, o.org_number \
         FROM decisions d \
         JOIN decision_years dy ON dy.decision_id = d.id \
         JOIN organisations o ON o.id = d.organisation_id \
         WHERE d.call_id = $2 AND d.status = $3 \
         ORDER BY part, year",
    )
    .bind::<Text, _>(call_id)
    .bind::<Text, _>(call_id)
    .bind::<Text, _>(crate::codes::DecisionStatus::Signed.as_str())
    .load::<AllocationSourceRow>(conn)?;
    let mut source: Option<AllocationSource> = None;
    for row in rows {
        match (&mut source, row.part) {
            (None, 0) => {
                let status = CallStatus::parse(&row.call_status).ok_or_else(|| {
                    diesel::result::Error::DeserializationError(
                        format!("okänd status för utlysning: {}", row.call_status).into(),
                    )
                })?;
                source = Some(AllocationSource {
                    call_id: call_id.to_string(),
                    title: row.call_title,
                    code: row.call_code,
                    status,
                    years: Vec::new(),
                    signed: Vec::new(),
                });
                if let (Some(source), Some(year), Some(ceiling)) =
                    (&mut source, row.year, row.amount)
                {
                    source.years.push((year, Ore::from_ore(ceiling)));
                }
            }
            (Some(source), 0) => {
                if let (Some(year), Some(ceiling)) = (row.year, row.amount) {
                    source.years.push((year, Ore::from_ore(ceiling)));
                }
            }
            (Some(source), _) => {
                if let (Some(year), Some(amount)) = (row.year, row.amount) {
                    source.signed.push(super::decisions::SignedAmount {
                        organisation_id: row.organisation_id.unwrap_or_default(),
                        organisation_name: row.organisation_name.unwrap_or_default(),
                        org_number: row.org_number.unwrap_or_default(),
                        year,
                        amount: Ore::from_ore(amount),
                    });
                }
            }
            // Signed amounts without the call cannot exist (a foreign key); none is shown.
            (None, _) => {}
        }
    }
    Ok(source)
}

/// One saved state of a call's form (see migration 2026-12-01-000026).
#[derive(Debug, Clone, PartialEq, Queryable, Selectable, Insertable, Serialize)]
#[diesel(table_name = call_form_versions)]
pub struct FormVersion {
    pub call_id: String,
    pub form: String,
    pub version: i32,
    pub definition: String,
    pub saved_at: NaiveDateTime,
    pub saved_by: Option<String>,
}

/// The newest saved version of a call's form, if any.
pub fn latest_form_version(
    conn: &mut DbConnection,
    call_id: &str,
    form: &str,
) -> QueryResult<Option<FormVersion>> {
    call_form_versions::table
        .filter(call_form_versions::call_id.eq(call_id))
        .filter(call_form_versions::form.eq(form))
        .order(call_form_versions::version.desc())
        .select(FormVersion::as_select())
        .first(conn)
        .optional()
}

/// Records a form's state when it differs from the newest saved one; the version number it
/// is under either way.
pub fn record_form_version(
    conn: &mut DbConnection,
    call_id: &str,
    form: &str,
    definition: &str,
    saved_at: NaiveDateTime,
    saved_by: Option<&str>,
) -> QueryResult<i32> {
    let latest = latest_form_version(conn, call_id, form)?;
    if let Some(latest) = &latest
        && latest.definition == definition
    {
        return Ok(latest.version);
    }
    let version = latest.map_or(1, |v| v.version + 1);
    diesel::insert_into(call_form_versions::table)
        .values(FormVersion {
            call_id: call_id.to_string(),
            form: form.to_string(),
            version,
            definition: definition.to_string(),
            saved_at,
            saved_by: saved_by.map(str::to_string),
        })
        .execute(conn)?;
    Ok(version)
}

pub fn form_versions(
    conn: &mut DbConnection,
    call_id: &str,
    form: &str,
) -> QueryResult<Vec<FormVersion>> {
    call_form_versions::table
        .filter(call_form_versions::call_id.eq(call_id))
        .filter(call_form_versions::form.eq(form))
        .order(call_form_versions::version.asc())
        .select(FormVersion::as_select())
        .load(conn)
}
