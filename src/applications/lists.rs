//! The officer's list of a call's applications: filter, sort, and export as CSV that opens
//! in a Swedish spreadsheet (UTF-8 with BOM, semicolons, decimal comma).

use serde::{Deserialize, Serialize};

use super::ApplicationSummary;
use crate::codes::ApplicationStatus;
use crate::db::applications::{ListFilter, ListSort, StatusFilter};
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
    /// The page, from 1 (the web list; anything unreadable is the first page).
    #[serde(default)]
    pub page: String,
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

impl ListQuery {
    /// The status filter: a status, an outcome, or (an unknown word) nothing at all.
    pub fn status_filter(&self) -> Option<StatusFilter> {
        let status = self.status.trim();
        if status.is_empty() {
            None
        } else if let Some(s) = ApplicationStatus::parse(status) {
            Some(StatusFilter::Status(s))
        } else if let Some(o) = Outcome::parse(status) {
            Some(StatusFilter::Outcome(o))
        } else {
            Some(StatusFilter::Nothing)
        }
    }

    /// The order. Unknown sort keys, and years the call does not have, fall back to the
    /// registration number.
    pub fn sort_key(&self, years: &[i32]) -> ListSort {
        match self.sort.as_str() {
            "organisation" => ListSort::Organisation,
            "status" => ListSort::Status,
            other => other
                .strip_prefix("requested_")
                .and_then(|y| y.parse::<i32>().ok())
                .filter(|y| years.contains(y))
                .map(ListSort::Requested)
                .unwrap_or(ListSort::RegistrationNumber),
        }
    }

    /// The filter over what `visible` (the person's own filter) holds.
    pub fn narrow(&self, visible: ListFilter) -> ListFilter {
        let text = self.q.trim().to_lowercase();
        ListFilter {
            status: self.status_filter(),
            text: (!text.is_empty()).then_some(text),
            ..visible
        }
    }
}

pub use crate::spreadsheet::amount as csv_amount;

/// The list as CSV, written a chunk of rows at a time: a byte order mark, semicolons,
/// decimal comma, CRLF line ends; the sums per year last.
pub struct CsvExport {
    years: Vec<i32>,
    sums: Vec<Ore>,
    /// The header, until the first chunk carries it.
    header: Option<Vec<u8>>,
}

impl CsvExport {
    pub fn new(def: &CallDefinition) -> Result<CsvExport, AppError> {
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
        Ok(CsvExport {
            years: def.years.iter().map(|y| y.year).collect(),
            sums: vec![Ore::ZERO; def.years.len()],
            header: Some(writer.finish()?),
        })
    }

    /// The next rows (with the header before the first).
    pub fn rows(&mut self, rows: &[ApplicationSummary]) -> Result<Vec<u8>, AppError> {
        let mut writer = crate::spreadsheet::SpreadsheetCsv::continuation();
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
            record.extend(self.years.iter().map(|y| {
                row.requested
                    .get(y)
                    .map(|a| csv_amount(*a))
                    .unwrap_or_default()
            }));
            writer.row(&record)?;
        }
        for (sum, add) in self
            .sums
            .iter_mut()
            .zip(super::requested_sums(rows, &self.years))
        {
            *sum = *sum + add;
        }
        let mut out = self.header.take().unwrap_or_default();
        out.extend(writer.finish()?);
        Ok(out)
    }

    /// The sums row (with the header, if no row came).
    pub fn finish(mut self) -> Result<Vec<u8>, AppError> {
        let mut writer = crate::spreadsheet::SpreadsheetCsv::continuation();
        let mut sums = vec![
            "Summa".to_string(),
            String::new(),
            String::new(),
            String::new(),
            String::new(),
        ];
        sums.extend(self.sums.iter().map(|a| csv_amount(*a)));
        writer.row(&sums)?;
        let mut out = self.header.take().unwrap_or_default();
        out.extend(writer.finish()?);
        Ok(out)
    }
}
