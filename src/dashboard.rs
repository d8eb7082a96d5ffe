//! The money dashboard of a call: per year the ceiling, what is granted (first decisions,
//! top-ups, changes), paid, repaid and reclaimed, and what is available, with a chart drawn
//! on the server as SVG (no external service, readable without colour: every bar has its
//! figure written beside it).

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
    pub repaid: Ore,
    pub reclaimed: Ore,
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
        self.ceiling - self.granted() + self.repaid
    }
}

/// Adds the rows up per year. Plain arithmetic over the inputs, so it is easy to test.
pub fn build(
    ceilings: &[(i32, Ore)],
    granted: &[(i32, DecisionKind, Ore)],
    payments: &[(i32, PaymentStatus, Ore)],
    claims: &[(i32, String, Ore)],
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

/// A call's money per year, read from the rows it summarises (no access check: for the
/// callers that have made theirs).
pub fn figures(conn: &mut DbConnection, call_id: &str) -> Result<Vec<YearMoney>, AppError> {
    db::calls::find_call(conn, call_id)?.ok_or(AppError::NotFound)?;
    let ceilings: Vec<(i32, Ore)> = db::calls::call_years(conn, call_id)?
        .into_iter()
        .map(|y| (y.year, y.ceiling_ore))
        .collect();
    Ok(build(
        &ceilings,
        &db::money_figures::granted_by_kind(conn, call_id)?,
        &db::money_figures::payments(conn, call_id)?,
        &db::money_figures::received_claims(conn, call_id)?,
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
        );
        let y = &years[0];
        assert_eq!(y.reclaimed, kr(100_000));
        assert_eq!(y.granted(), kr(11_489_785));
        assert_eq!(y.paid, kr(2_913_808));
        assert_eq!(y.repaid, kr(400_000));
        assert_eq!(y.available(), kr(15_000_000 - 11_489_785 + 400_000));
    }

    #[test]
    fn the_chart_writes_its_figures() {
        let years = build(
            &[(2021, kr(15_000_000))],
            &[(2021, DecisionKind::Grant, kr(11_089_785))],
            &[],
            &[],
        );
        let svg = svg(&years);
        assert!(svg.starts_with("<svg"));
        assert!(svg.contains("role=\"img\""));
        assert!(
            svg.contains("Beviljat 11 089 785 kr varav utbetalt 0 kr; tillgängligt 3 910 215 kr")
        );
    }
}
