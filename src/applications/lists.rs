//! The officer's list of a call's applications: filter, sort, and export as CSV that opens
//! in a Swedish spreadsheet (UTF-8 with BOM, semicolons, decimal comma).

use serde::{Deserialize, Serialize};

use super::ApplicationSummary;
use crate::codes::ApplicationStatus;
use crate::db::calls::CallDefinition;
use crate::decisions::Outcome;
use crate::error::AppError;
use crate::money::Ore;

/// Filter and order, from the query string.
#[derive(Debug, Clone, Default, Deserialize, Serialize, utoipa::IntoParams)]
pub struct ListQuery {
    /// Only this status (`submitted`, `supplement_requested`, ...) or outcome (`granted`,
    /// `partly_granted`, `rejected`; `decided` for all three).
    #[serde(default)]
    pub status: String,
    /// Free text: part of the organisation's name, number or the registration number.
    #[serde(default)]
    pub q: String,
    /// `registration_number` (default), `organisation`, `status`, or `requested_YEAR`.
    #[serde(default)]
    pub sort: String,
    #[serde(default)]
    pub descending: bool,
}

impl ListQuery {
    pub fn to_query_string(&self) -> String {
        let enc = crate::web::format::url_encode;
        format!(
            "status={}&q={}&sort={}&descending={}",
            enc(&self.status),
            enc(&self.q),
            enc(&self.sort),
            self.descending
        )
    }
}

pub fn status_choices() -> Vec<(&'static str, &'static str)> {
    [
        ApplicationStatus::Draft,
        ApplicationStatus::Submitted,
        ApplicationStatus::SupplementRequested,
        ApplicationStatus::Complete,
        ApplicationStatus::Assessed,
    ]
    .iter()
    .map(|s| (s.as_str(), s.label()))
    // A decided application is listed by how it was decided.
    .chain(Outcome::ALL.iter().map(|o| (o.as_str(), o.label())))
    .collect()
}

/// Applies the filter and the order. Unknown sort keys fall back to the registration number.
pub fn filter_and_sort(
    rows: Vec<ApplicationSummary>,
    query: &ListQuery,
    years: &[i32],
) -> Vec<ApplicationSummary> {
    let needle = query.q.trim().to_lowercase();
    let mut rows: Vec<ApplicationSummary> = rows
        .into_iter()
        .filter(|r| {
            query.status.is_empty()
                || r.application.status.as_str() == query.status
                || r.status_code() == query.status
        })
        .filter(|r| {
            needle.is_empty()
                || r.organisation.name.to_lowercase().contains(&needle)
                || r.organisation.org_number.contains(&needle)
                || r.application
                    .registration_number
                    .as_deref()
                    .is_some_and(|n| n.to_lowercase().contains(&needle))
        })
        .collect();
    let requested_year = query
        .sort
        .strip_prefix("requested_")
        .and_then(|y| y.parse::<i32>().ok())
        .filter(|y| years.contains(y));
    match (query.sort.as_str(), requested_year) {
        (_, Some(year)) => {
            rows.sort_by_key(|r| r.requested.get(&year).copied().unwrap_or(Ore::ZERO))
        }
        ("organisation", _) => rows.sort_by(|a, b| a.organisation.name.cmp(&b.organisation.name)),
        ("status", _) => rows.sort_by_key(|r| r.status_label()),
        _ => rows.sort_by(|a, b| {
            // Drafts (no number yet) last.
            let key = |r: &ApplicationSummary| {
                (
                    r.application.registration_number.is_none(),
                    r.application.registration_number.clone(),
                )
            };
            key(a).cmp(&key(b))
        }),
    }
    if query.descending {
        rows.reverse();
    }
    rows
}

pub use crate::spreadsheet::amount as csv_amount;

/// The list as CSV: a byte order mark, semicolons, decimal comma, CRLF line ends.
pub fn to_csv(def: &CallDefinition, rows: &[ApplicationSummary]) -> Result<Vec<u8>, AppError> {
    let mut writer = crate::spreadsheet::SpreadsheetCsv::new();
    let mut header = vec![
        "Diarienummer".to_string(),
        "Organisation".to_string(),
        "Organisationsnummer".to_string(),
        "Status".to_string(),
        "Inkommen".to_string(),
    ];
    header.extend(def.years.iter().map(|y| format!("Sökt {} (kr)", y.year)));
    writer.row(&header)?;
    for row in rows {
        let mut record = vec![
            row.application
                .registration_number
                .clone()
                .unwrap_or_default(),
            row.organisation.name.clone(),
            row.organisation.org_number.clone(),
            row.status_label().to_string(),
            row.application
                .submitted_at
                .map(crate::clock::format_stockholm)
                .unwrap_or_default(),
        ];
        record.extend(def.years.iter().map(|y| {
            row.requested
                .get(&y.year)
                .map(|a| csv_amount(*a))
                .unwrap_or_default()
        }));
        writer.row(&record)?;
    }
    let mut sums = vec![
        "Summa".to_string(),
        String::new(),
        String::new(),
        String::new(),
        String::new(),
    ];
    let years: Vec<i32> = def.years.iter().map(|y| y.year).collect();
    sums.extend(
        super::requested_sums(rows, &years)
            .into_iter()
            .map(csv_amount),
    );
    writer.row(&sums)?;
    writer.finish()
}
