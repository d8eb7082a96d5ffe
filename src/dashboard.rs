//! The money dashboard of a call: per year the ceiling, what is granted (first decisions,
//! top-ups, changes), paid, repaid and reclaimed, and what is available, with a chart drawn
//! on the server as SVG (no external service, readable without colour: every bar has its
//! figure written beside it).

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use serde::Serialize;

use crate::access;
use crate::accounts::Actor;
use crate::audit;
use crate::codes::{DecisionKind, PaymentStatus};
use crate::db::{self, DbConnection};
use crate::error::AppError;
use crate::money::Ore;

/// One year's money.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct YearMoney {
    pub year: i32,
    pub ceiling: Ore,
    pub granted_first: Ore,
    pub granted_top_up: Ore,
    /// Change decisions and revocations (usually negative).
    pub granted_changes: Ore,
    pub paid: Ore,
    /// Unused money paid back and received (after the report-back).
    pub repaid: Ore,
    /// Money claimed back by change decisions and received.
    pub reclaimed: Ore,
    /// The part of the repaid money that the year gets back to grant again: all of it,
    /// except what a later lowering of the same grant has already given back (see
    /// `OrgYear::returned`).
    pub returned: Ore,
}

impl YearMoney {
    pub fn granted(&self) -> Ore {
        self.granted_first + self.granted_top_up + self.granted_changes
    }

    /// What can still be decided for the year: the ceiling, less what is granted, plus
    /// unused money paid back. Reclaimed money is not added: a claim back (återkrav) follows
    /// a decision that lowered the grant, and that decision already gave the amount back to
    /// the year; adding the claim too would count it twice.
    pub fn available(&self) -> Ore {
        self.ceiling - self.granted() + self.returned
    }
}

/// One organisation's money in one year of a call: what decides how much of the ceiling it
/// binds.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct OrgYear {
    /// Granted now: every signed decision, changes included.
    pub granted: Ore,
    pub paid: Ore,
    pub planned: Ore,
    /// Repayments after the report-back: received, and not yet received.
    pub repaid_received: Ore,
    pub repaid_open: Ore,
    /// Claimed back by change decisions (not waived).
    pub reclaimed: Ore,
}

impl OrgYear {
    /// What the organisation holds or is still to be paid, once every claim on it is met.
    pub fn held(&self) -> Ore {
        self.paid + self.planned - self.repaid_received - self.repaid_open - self.reclaimed
    }

    /// Money paid above what is granted now and not yet claimed: what a lowering decision
    /// must claim back after cancelling planned payments.
    pub fn excess(&self) -> Ore {
        let excess = self.held() - self.granted;
        if excess.is_positive() {
            excess
        } else {
            Ore::ZERO
        }
    }

    /// What the year gets back to grant again from this organisation's repayments. A
    /// repayment gives back money under a grant that stands; when the grant is later lowered,
    /// the lowering gives the amount back itself, so only what the organisation still
    /// holds below its grant counts, and never more than was repaid.
    pub fn returned(&self) -> Ore {
        let held = self.paid + self.planned - self.repaid_received - self.reclaimed;
        let bound = held.min(self.granted).max(Ore::ZERO);
        (self.granted - bound)
            .min(self.repaid_received)
            .max(Ore::ZERO)
    }
}

/// Per year, what the year gets back from repayments, over the organisations.
pub fn returned_by_year(rows: &BTreeMap<(String, i32), OrgYear>) -> BTreeMap<i32, Ore> {
    let mut out: BTreeMap<i32, Ore> = BTreeMap::new();
    for ((_, year), row) in rows {
        let entry = out.entry(*year).or_insert(Ore::ZERO);
        *entry = *entry + row.returned();
    }
    out
}

/// Adds the rows up per year. Plain arithmetic over the inputs, so it is easy to test.
pub fn build(
    ceilings: &[(i32, Ore)],
    granted: &[(i32, DecisionKind, Ore)],
    payments: &[(i32, PaymentStatus, Ore)],
    claims: &[(i32, String, Ore)],
    returned: &BTreeMap<i32, Ore>,
) -> Vec<YearMoney> {
    ceilings
        .iter()
        .map(|(year, ceiling)| {
            let mut m = YearMoney {
                year: *year,
                ceiling: *ceiling,
                ..Default::default()
            };
            for (_, kind, amount) in granted.iter().filter(|(y, _, _)| y == year) {
                match kind {
                    DecisionKind::Grant => m.granted_first = m.granted_first + *amount,
                    DecisionKind::TopUp => m.granted_top_up = m.granted_top_up + *amount,
                    DecisionKind::Change | DecisionKind::Revocation => {
                        m.granted_changes = m.granted_changes + *amount
                    }
                    DecisionKind::Rejection => {}
                }
            }
            m.returned = returned.get(year).copied().unwrap_or(Ore::ZERO);
            m.paid = payments
                .iter()
                .filter(|(y, s, _)| y == year && *s == PaymentStatus::Paid)
                .map(|(_, _, a)| *a)
                .sum();
            for (_, kind, amount) in claims.iter().filter(|(y, _, _)| y == year) {
                match kind.as_str() {
                    "repayment" => m.repaid = m.repaid + *amount,
                    _ => m.reclaimed = m.reclaimed + *amount,
                }
            }
            m
        })
        .collect()
}

/// The dashboard of a call, for the agency and auditors.
pub fn for_call(
    conn: &mut DbConnection,
    actor: &Actor,
    call_id: &str,
    now: DateTime<Utc>,
) -> Result<Vec<YearMoney>, AppError> {
    if !access::can_list_all_cases(actor) {
        audit::record_denied(
            conn,
            actor,
            now,
            "call",
            Some(call_id),
            "se utlysningens ekonomi",
        )?;
        return Err(AppError::Forbidden);
    }
    figures(conn, call_id)
}

/// A call's money per year (no access check: for the callers that have made theirs), from
/// the figures kept per call and year as money is written (`db::money_figures`): a few rows
/// whatever the size of the call, where adding up its rows took 210 ms at 50 000 recipients.
pub fn figures(conn: &mut DbConnection, call_id: &str) -> Result<Vec<YearMoney>, AppError> {
    db::calls::find_call(conn, call_id)?.ok_or(AppError::NotFound)?;
    let kept = db::money_figures::call_years(conn, call_id)?;
    Ok(db::calls::call_years(conn, call_id)?
        .into_iter()
        .map(|y| from_kept(y.year, y.ceiling_ore, kept.get(&y.year)))
        .collect())
}

/// One year of the dashboard from its kept figures (none kept: no money yet).
pub fn from_kept(year: i32, ceiling: Ore, kept: Option<&db::money_figures::Money>) -> YearMoney {
    let m = kept.copied().unwrap_or_default();
    YearMoney {
        year,
        ceiling,
        granted_first: Ore::from_ore(m.granted_first),
        granted_top_up: Ore::from_ore(m.granted_top_up),
        granted_changes: Ore::from_ore(m.granted_changes),
        paid: Ore::from_ore(m.paid),
        repaid: Ore::from_ore(m.repaid_received),
        reclaimed: Ore::from_ore(m.reclaimed_received),
        returned: Ore::from_ore(m.returned),
    }
}

/// [`figures`] added up from the rows it summarises: the check of the kept figures.
pub fn figures_from_sources(
    conn: &mut DbConnection,
    call_id: &str,
) -> Result<Vec<YearMoney>, AppError> {
    db::calls::find_call(conn, call_id)?.ok_or(AppError::NotFound)?;
    let ceilings: Vec<(i32, Ore)> = db::calls::call_years(conn, call_id)?
        .into_iter()
        .map(|y| (y.year, y.ceiling_ore))
        .collect();
    let rows = db::money_figures::org_years(conn, call_id)?;
    Ok(build(
        &ceilings,
        &db::money_figures::granted_by_kind(conn, call_id)?,
        &db::money_figures::payments(conn, call_id)?,
        &db::money_figures::received_claims(conn, call_id)?,
        &returned_by_year(&rows),
    ))
}

fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// A horizontal bar per year, as wide as the ceiling: the paid part of what is granted, the
/// rest of what is granted, and what is available. Figures are written beside each bar, so
/// the chart reads without telling the colours apart.
pub fn svg(years: &[YearMoney]) -> String {
    const WIDTH: f64 = 640.0;
    const LEFT: f64 = 60.0;
    const BAR: f64 = 26.0;
    const ROW: f64 = 74.0;
    let height = 40.0 + ROW * years.len() as f64;
    let scale = years
        .iter()
        .map(|y| y.ceiling.max(y.granted()).ore())
        .max()
        .unwrap_or(1)
        .max(1) as f64;
    let w = |amount: Ore| (amount.ore().max(0) as f64 / scale) * (WIDTH - LEFT - 10.0);
    let mut out = format!(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 {WIDTH} {height}\" role=\"img\" aria-labelledby=\"diagram-titel\" class=\"money-chart\">\n<title id=\"diagram-titel\">Tak, beviljat, utbetalt och tillgängligt per år</title>\n"
    );
    for (i, y) in years.iter().enumerate() {
        let top = 20.0 + ROW * i as f64;
        let paid = w(y.paid.min(y.granted()));
        let granted = w(y.granted());
        let ceiling = w(y.ceiling);
        let text = format!(
            "Beviljat {} varav utbetalt {}; tillgängligt {}",
            y.granted(),
            y.paid,
            y.available()
        )
        .replace('\u{a0}', " ");
        out.push_str(&format!(
            "<g><text x=\"0\" y=\"{ty}\" font-size=\"14\" font-weight=\"bold\" fill=\"#1b1b1f\">{year}</text>\
<rect x=\"{LEFT}\" y=\"{top}\" width=\"{ceiling:.1}\" height=\"{BAR}\" fill=\"#ffffff\" stroke=\"#1b1b1f\" stroke-width=\"1\"/>\
<rect x=\"{LEFT}\" y=\"{top}\" width=\"{granted:.1}\" height=\"{BAR}\" fill=\"#7fa7c9\"/>\
<rect x=\"{LEFT}\" y=\"{top}\" width=\"{paid:.1}\" height=\"{BAR}\" fill=\"#00395f\"/>\
<text x=\"{LEFT}\" y=\"{label}\" font-size=\"12\" fill=\"#1b1b1f\">{text}</text></g>\n",
            ty = top + 18.0,
            year = y.year,
            label = top + BAR + 16.0,
            text = escape(&text),
        ));
    }
    out.push_str("</svg>");
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kr(k: i64) -> Ore {
        Ore::from_kronor(k)
    }

    #[test]
    fn available_is_the_ceiling_less_granted_plus_what_came_back() {
        let years = build(
            &[(2021, kr(15_000_000))],
            &[
                (2021, DecisionKind::Grant, kr(11_089_785)),
                (2021, DecisionKind::TopUp, kr(500_000)),
                (2021, DecisionKind::Change, kr(-100_000)),
                (2021, DecisionKind::Rejection, Ore::ZERO),
            ],
            &[
                (2021, PaymentStatus::Paid, kr(2_913_808)),
                (2021, PaymentStatus::Planned, kr(1)),
            ],
            &[
                (2021, "repayment".into(), kr(400_000)),
                (2021, "reclaim".into(), kr(100_000)),
            ],
            &BTreeMap::from([(2021, kr(400_000))]),
        );
        let y = &years[0];
        assert_eq!(y.reclaimed, kr(100_000));
        assert_eq!(y.granted(), kr(11_489_785));
        assert_eq!(y.paid, kr(2_913_808));
        assert_eq!(y.repaid, kr(400_000));
        assert_eq!(y.available(), kr(15_000_000 - 11_489_785 + 400_000));
    }

    fn row(granted: i64, paid: i64, planned: i64, repaid: i64, reclaimed: i64) -> OrgYear {
        OrgYear {
            granted: kr(granted),
            paid: kr(paid),
            planned: kr(planned),
            repaid_received: kr(repaid),
            repaid_open: Ore::ZERO,
            reclaimed: kr(reclaimed),
        }
    }

    #[test]
    fn a_repayment_counts_once_also_when_the_grant_is_lowered_after_it() {
        // Unused money paid back under a standing grant comes back to the year.
        assert_eq!(
            row(2_900_000, 2_900_000, 0, 400_000, 0).returned(),
            kr(400_000)
        );
        // Revoked after 400 000 came back: the revocation gives the whole grant back, the
        // repayment adds nothing more, and the claim is the rest of what was paid.
        let revoked = row(0, 3_179_104, 0, 400_000, 0);
        assert_eq!(revoked.returned(), Ore::ZERO);
        assert_eq!(revoked.excess(), kr(2_779_104));
        // Lowered from 1 000 to 800 after 400 of 1 000 paid came back: the region keeps
        // 600; 200 comes back through the lowering, 200 through the repayment.
        let lowered = row(800, 1_000, 0, 400, 0);
        assert_eq!(lowered.returned(), kr(200));
        assert_eq!(lowered.excess(), Ore::ZERO);
        // Lowered by 100 first (claimed back), 50 unused repaid after: 50 comes back.
        assert_eq!(row(900, 1_000, 0, 50, 100).returned(), kr(50));
        // Nothing paid yet: nothing comes back.
        assert_eq!(row(1_000, 0, 1_000, 0, 0).returned(), Ore::ZERO);
    }

    #[test]
    fn the_chart_writes_its_figures() {
        let years = build(
            &[(2021, kr(15_000_000))],
            &[(2021, DecisionKind::Grant, kr(11_089_785))],
            &[],
            &[],
            &BTreeMap::new(),
        );
        let svg = svg(&years);
        assert!(svg.starts_with("<svg"));
        assert!(svg.contains("role=\"img\""));
        assert!(
            svg.contains("Beviljat 11 089 785 kr varav utbetalt 0 kr; tillgängligt 3 910 215 kr")
        );
    }
}
