//! The allocation table of a call (Tabell 1 of the 2020 interim report): per recipient and
//! year what was granted by signed decisions, the sums, the ceiling and what remains. A pure
//! function of the call's years and its signed amounts.

use std::collections::BTreeMap;

use serde::Serialize;

use crate::db::decisions::SignedAmount;
use crate::money::Ore;

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct AllocationRow {
    pub organisation_id: String,
    pub organisation_name: String,
    pub org_number: String,
    /// One amount per year of the table, in the table's year order.
    pub amounts: Vec<Ore>,
    pub total: Ore,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct AllocationTable {
    pub years: Vec<i32>,
    pub rows: Vec<AllocationRow>,
    /// Granted per year, over all recipients.
    pub granted: Vec<Ore>,
    pub ceilings: Vec<Ore>,
    /// Ceiling minus granted, per year.
    pub remaining: Vec<Ore>,
    pub granted_total: Ore,
    pub ceiling_total: Ore,
    pub remaining_total: Ore,
}

/// One year of the table, for compact views.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct YearSummary {
    pub year: i32,
    pub ceiling: Ore,
    pub granted: Ore,
    pub remaining: Ore,
}

impl AllocationTable {
    pub fn year_summaries(&self) -> Vec<YearSummary> {
        self.years
            .iter()
            .enumerate()
            .map(|(i, year)| YearSummary {
                year: *year,
                ceiling: self.ceilings.get(i).copied().unwrap_or_default(),
                granted: self.granted.get(i).copied().unwrap_or_default(),
                remaining: self.remaining.get(i).copied().unwrap_or_default(),
            })
            .collect()
    }
}

/// Builds the table. `years` are the call's years with their ceilings; amounts for other
/// years cannot exist (decisions are checked against the call's years) and are left out.
/// Rows are ordered by recipient name; a recipient appears once, its decisions (grant,
/// top-ups, changes) summed.
pub fn build(years: &[(i32, Ore)], signed: &[SignedAmount]) -> AllocationTable {
    let year_index: BTreeMap<i32, usize> = years
        .iter()
        .enumerate()
        .map(|(i, (y, _))| (*y, i))
        .collect();
    let mut rows: BTreeMap<(String, String), AllocationRow> = BTreeMap::new();
    for amount in signed {
        let Some(&index) = year_index.get(&amount.year) else {
            continue;
        };
        let row = rows
            .entry((
                amount.organisation_name.clone(),
                amount.organisation_id.clone(),
            ))
            .or_insert_with(|| AllocationRow {
                organisation_id: amount.organisation_id.clone(),
                organisation_name: amount.organisation_name.clone(),
                org_number: amount.org_number.clone(),
                amounts: vec![Ore::ZERO; years.len()],
                total: Ore::ZERO,
            });
        row.amounts[index] = row.amounts[index] + amount.amount;
        row.total = row.total + amount.amount;
    }
    let rows: Vec<AllocationRow> = rows.into_values().collect();
    let granted: Vec<Ore> = (0..years.len())
        .map(|i| rows.iter().map(|r| r.amounts[i]).sum())
        .collect();
    let ceilings: Vec<Ore> = years.iter().map(|(_, c)| *c).collect();
    let remaining: Vec<Ore> = ceilings
        .iter()
        .zip(&granted)
        .map(|(c, g)| *c - *g)
        .collect();
    AllocationTable {
        years: years.iter().map(|(y, _)| *y).collect(),
        granted_total: granted.iter().sum(),
        ceiling_total: ceilings.iter().sum(),
        remaining_total: remaining.iter().sum(),
        rows,
        granted,
        ceilings,
        remaining,
    }
}

/// The table from the figures kept per call and year (`db::money_figures`): the sums per
/// year, and the rows of only the recipients given (one page of them, in the order given).
/// `amounts` are (organisation id, year, granted now).
pub fn from_kept(
    years: &[(i32, Ore)],
    granted_by_year: &BTreeMap<i32, Ore>,
    recipients: &[(String, String, String)],
    amounts: &[(String, i32, Ore)],
) -> AllocationTable {
    let year_index: BTreeMap<i32, usize> = years
        .iter()
        .enumerate()
        .map(|(i, (y, _))| (*y, i))
        .collect();
    let mut by_org: BTreeMap<&str, Vec<Ore>> = BTreeMap::new();
    for (org, year, amount) in amounts {
        if let Some(&index) = year_index.get(year) {
            let row = by_org
                .entry(org.as_str())
                .or_insert_with(|| vec![Ore::ZERO; years.len()]);
            row[index] = row[index] + *amount;
        }
    }
    let rows = recipients
        .iter()
        .map(|(id, name, number)| {
            let amounts = by_org
                .get(id.as_str())
                .cloned()
                .unwrap_or_else(|| vec![Ore::ZERO; years.len()]);
            AllocationRow {
                organisation_id: id.clone(),
                organisation_name: name.clone(),
                org_number: number.clone(),
                total: amounts.iter().sum(),
                amounts,
            }
        })
        .collect();
    let granted: Vec<Ore> = years
        .iter()
        .map(|(y, _)| granted_by_year.get(y).copied().unwrap_or(Ore::ZERO))
        .collect();
    let ceilings: Vec<Ore> = years.iter().map(|(_, c)| *c).collect();
    let remaining: Vec<Ore> = ceilings
        .iter()
        .zip(&granted)
        .map(|(c, g)| *c - *g)
        .collect();
    AllocationTable {
        years: years.iter().map(|(y, _)| *y).collect(),
        granted_total: granted.iter().sum(),
        ceiling_total: ceilings.iter().sum(),
        remaining_total: remaining.iter().sum(),
        rows,
        granted,
        ceilings,
        remaining,
    }
}

/// The table as CSV for a Swedish spreadsheet: BOM, semicolons, decimal comma; a row per
/// recipient, then the sums, the ceiling and what remains.
pub fn to_csv(table: &AllocationTable) -> Result<Vec<u8>, crate::error::AppError> {
    let mut out = csv_header(&table.years)?;
    out.extend(csv_rows(&table.rows)?);
    out.extend(csv_sums(table)?);
    Ok(out)
}

/// The CSV's first part: the byte order mark and the header row. A streamed file then
/// sends [`csv_rows`] a page of recipients at a time and ends with [`csv_sums`].
pub fn csv_header(years: &[i32]) -> Result<Vec<u8>, crate::error::AppError> {
    let mut writer = crate::spreadsheet::SpreadsheetCsv::new();
    let mut header = vec!["Mottagare".to_string(), "Organisationsnummer".to_string()];
    header.extend(years.iter().map(|y| format!("Beviljat {y} (kr)")));
    header.push("Summa (kr)".into());
    writer.row(&header)?;
    writer.finish()
}

/// Recipients' rows of the CSV (no byte order mark: they continue the file).
pub fn csv_rows(rows: &[AllocationRow]) -> Result<Vec<u8>, crate::error::AppError> {
    use crate::spreadsheet::amount as csv_amount;
    let mut writer = crate::spreadsheet::SpreadsheetCsv::continuation();
    for row in rows {
        let mut record = vec![row.organisation_name.clone(), row.org_number.clone()];
        record.extend(row.amounts.iter().map(|a| csv_amount(*a)));
        record.push(csv_amount(row.total));
        writer.row(&record)?;
    }
    writer.finish()
}

/// The CSV's last rows: the sums, the ceiling and what remains.
pub fn csv_sums(table: &AllocationTable) -> Result<Vec<u8>, crate::error::AppError> {
    use crate::spreadsheet::amount as csv_amount;
    let mut writer = crate::spreadsheet::SpreadsheetCsv::continuation();
    for (label, amounts, total) in [
        ("Summa beviljat", &table.granted, table.granted_total),
        ("Tak", &table.ceilings, table.ceiling_total),
        (
            "Återstår att fördela",
            &table.remaining,
            table.remaining_total,
        ),
    ] {
        let mut record = vec![label.to_string(), String::new()];
        record.extend(amounts.iter().map(|a| csv_amount(*a)));
        record.push(csv_amount(total));
        writer.row(&record)?;
    }
    writer.finish()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn signed(org: &str, year: i32, kronor: i64) -> SignedAmount {
        SignedAmount {
            organisation_id: org.to_string(),
            organisation_name: org.to_string(),
            org_number: "232100-0000".into(),
            year,
            amount: Ore::from_kronor(kronor),
        }
    }

    #[test]
    fn reproduces_tabell_1() {
        let years = [
            (2021, Ore::from_kronor(15_000_000)),
            (2022, Ore::from_kronor(15_000_000)),
        ];
        let amounts = [
            signed("Region Skåne", 2021, 2_913_808),
            signed("Region Skåne", 2022, 3_363_938),
            signed("Västra Götalandsregionen", 2021, 4_996_873),
            signed("Västra Götalandsregionen", 2022, 4_996_873),
            signed("Region Östergötland", 2021, 3_179_104),
            signed("Region Östergötland", 2022, 3_116_968),
        ];
        let table = build(&years, &amounts);
        assert_eq!(table.rows.len(), 3);
        assert_eq!(
            table.granted,
            vec![Ore::from_kronor(11_089_785), Ore::from_kronor(11_477_779)]
        );
        assert_eq!(
            table.remaining,
            vec![Ore::from_kronor(3_910_215), Ore::from_kronor(3_522_221)]
        );
        assert_eq!(table.rows[0].organisation_name, "Region Skåne");
        assert_eq!(table.rows[0].total, Ore::from_kronor(6_277_746));
    }

    #[test]
    fn sums_a_recipients_decisions_including_lowering_ones() {
        let years = [(2022, Ore::from_kronor(15_000_000))];
        let amounts = [
            signed("Region Östergötland", 2022, 3_116_968),
            signed("Region Östergötland", 2022, -100_000),
        ];
        let table = build(&years, &amounts);
        assert_eq!(table.rows.len(), 1);
        assert_eq!(table.granted, vec![Ore::from_kronor(3_016_968)]);
        assert_eq!(table.remaining, vec![Ore::from_kronor(11_983_032)]);
    }

    #[test]
    fn an_empty_call_has_everything_remaining() {
        let years = [(2023, Ore::from_kronor(1_000))];
        let table = build(&years, &[]);
        assert!(table.rows.is_empty());
        assert_eq!(table.remaining, vec![Ore::from_kronor(1_000)]);
    }
}
