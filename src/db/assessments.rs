use chrono::NaiveDateTime;
use diesel::prelude::*;
use serde::Serialize;

use super::DbConnection;
use super::schema::{assessments, conflict_declarations, proposal_years, proposals};
use crate::codes::{Rating, Recommendation};
use crate::money::Ore;

#[derive(Debug, Clone, PartialEq, Queryable, Selectable, Insertable, Serialize)]
#[diesel(table_name = conflict_declarations)]
pub struct ConflictDeclaration {
    pub id: String,
    pub application_id: String,
    pub user_id: String,
    pub declared_at: NaiveDateTime,
    pub reason: String,
}

#[derive(Debug, Clone, PartialEq, Queryable, Selectable, Insertable, Serialize)]
#[diesel(table_name = assessments)]
pub struct Assessment {
    pub id: String,
    pub application_id: String,
    pub officer_id: String,
    pub criterion_id: String,
    pub rating: Rating,
    pub comment: String,
    pub created_at: NaiveDateTime,
}

#[derive(Debug, Clone, PartialEq, Queryable, Selectable, Insertable, Serialize)]
#[diesel(table_name = proposals)]
pub struct Proposal {
    pub id: String,
    pub application_id: String,
    pub officer_id: String,
    pub recommendation: Recommendation,
    pub reasons: String,
    pub created_at: NaiveDateTime,
}

#[derive(Debug, Clone, PartialEq, Queryable, Selectable, Insertable, Serialize)]
#[diesel(table_name = proposal_years)]
pub struct ProposalYear {
    pub proposal_id: String,
    pub year: i32,
    pub amount_ore: Ore,
}

pub fn insert_conflict(conn: &mut DbConnection, c: &ConflictDeclaration) -> QueryResult<()> {
    diesel::insert_into(conflict_declarations::table)
        .values(c)
        .execute(conn)
        .map(|_| ())
}

pub fn conflicts(
    conn: &mut DbConnection,
    application_id: &str,
) -> QueryResult<Vec<ConflictDeclaration>> {
    conflict_declarations::table
        .filter(conflict_declarations::application_id.eq(application_id))
        .order(conflict_declarations::declared_at.asc())
        .select(ConflictDeclaration::as_select())
        .load(conn)
}

pub fn has_conflict(
    conn: &mut DbConnection,
    application_id: &str,
    user_id: &str,
) -> QueryResult<bool> {
    conflict_declarations::table
        .filter(conflict_declarations::application_id.eq(application_id))
        .filter(conflict_declarations::user_id.eq(user_id))
        .count()
        .get_result::<i64>(conn)
        .map(|n| n > 0)
}

/// Replaces one officer's assessment of a case with a new one.
pub fn replace_assessments(
    conn: &mut DbConnection,
    application_id: &str,
    officer_id: &str,
    rows: &[Assessment],
) -> QueryResult<()> {
    diesel::delete(
        assessments::table
            .filter(assessments::application_id.eq(application_id))
            .filter(assessments::officer_id.eq(officer_id)),
    )
    .execute(conn)?;
    for row in rows {
        diesel::insert_into(assessments::table)
            .values(row)
            .execute(conn)?;
    }
    Ok(())
}

pub fn assessments(conn: &mut DbConnection, application_id: &str) -> QueryResult<Vec<Assessment>> {
    assessments::table
        .filter(assessments::application_id.eq(application_id))
        .order(assessments::created_at.asc())
        .select(Assessment::as_select())
        .load(conn)
}

pub fn insert_proposal(
    conn: &mut DbConnection,
    proposal: &Proposal,
    years: &[ProposalYear],
) -> QueryResult<()> {
    diesel::insert_into(proposals::table)
        .values(proposal)
        .execute(conn)?;
    for year in years {
        diesel::insert_into(proposal_years::table)
            .values(year)
            .execute(conn)?;
    }
    Ok(())
}

/// Every proposal of a case, oldest first (a new one supersedes, the old ones stay).
pub fn proposals(
    conn: &mut DbConnection,
    application_id: &str,
) -> QueryResult<Vec<(Proposal, Vec<ProposalYear>)>> {
    let list: Vec<Proposal> = proposals::table
        .filter(proposals::application_id.eq(application_id))
        .order(proposals::created_at.asc())
        .select(Proposal::as_select())
        .load(conn)?;
    let mut out = Vec::with_capacity(list.len());
    for p in list {
        let years = proposal_years::table
            .filter(proposal_years::proposal_id.eq(&p.id))
            .order(proposal_years::year.asc())
            .select(ProposalYear::as_select())
            .load(conn)?;
        out.push((p, years));
    }
    Ok(out)
}
