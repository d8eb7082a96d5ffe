//! Payments (utbetalningar): every signed grant is paid per year, in the call's payment month
//! of that year. Officers mark a batch as paid with the day and the finance system's
//! reference; a paid payment never changes. The payment file for the finance system is CSV.

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use serde_json::json;

use crate::access;
use crate::accounts::Actor;
use crate::audit;
use crate::codes::{DecisionKind, PaymentStatus, Role};
use crate::db::calls::Call;
use crate::db::decisions::Decision;
use crate::db::payments::{Payment, Recipient};
use crate::db::{self, DbConnection};
use crate::error::{AppError, FieldErrors};
use crate::forms;
use crate::money::Ore;
use crate::reports::{ClaimKind, ClaimStatus};

pub mod action {
    pub const PLANNED: &str = "payment.planned";
    pub const PAID: &str = "payment.paid";
}

/// The day a year's payment is due: the first of the call's payment month that year.
pub fn due_on(call: &Call, year: i32) -> Option<NaiveDate> {
    NaiveDate::from_ymd_opt(year, call.payment_month.clamp(1, 12) as u32, 1)
}

/// What lowering a year's grant does to its payments: planned payments are cancelled, the
/// latest first, until the cut is covered; where a cancelled payment was larger than what
/// was left to cut, the rest is planned anew; what the planned payments cannot cover has
/// already been paid and is claimed back.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CutPlan {
    pub cancel: Vec<String>,
    /// The part of the last cancelled payment that is still to be paid.
    pub replan: Option<Ore>,
    /// Paid out above the new grant: to be claimed back (återkrav).
    pub reclaim: Option<Ore>,
}

/// Plans a cut of `cut` against the planned payments, given latest first (no cut: nothing).
pub fn plan_cut(cut: Ore, planned: &[(String, Ore)]) -> CutPlan {
    let mut left = cut;
    let mut plan = CutPlan {
        cancel: Vec::new(),
        replan: None,
        reclaim: None,
    };
    for (id, amount) in planned {
        if !left.is_positive() {
            break;
        }
        plan.cancel.push(id.clone());
        if *amount > left {
            plan.replan = Some(*amount - left);
            left = Ore::ZERO;
        } else {
            left = left - *amount;
        }
    }
    if left.is_positive() {
        plan.reclaim = Some(left);
    }
    plan
}

/// A claim for money paid above what a lowering decision leaves, as its letter states it.
#[derive(Debug, Clone, PartialEq)]
pub struct Reclaim {
    pub year: i32,
    pub amount: Ore,
    pub due_on: NaiveDate,
    pub payment_reference: String,
}

/// Days an organisation has to pay back what a decision claims.
pub const RECLAIM_DAYS: i64 = 30;

/// Plans the payments of a decision that has just been signed, inside the signing
/// transaction. A grant or top-up gets one payment per year with a positive amount, due the
/// first of the call's payment month or, when that day has passed, the decision day. A
/// change that raises a year does the same for the difference; one that lowers a year
/// cancels planned payments (see `plan_cut`) and claims back what was already paid. Returns
/// the claims, for the letter.
pub fn plan_for_decision(
    conn: &mut DbConnection,
    decision: &Decision,
    call: &Call,
    decided_by: &str,
    decided_on: NaiveDate,
    now: DateTime<Utc>,
) -> Result<Vec<Reclaim>, AppError> {
    if decision.kind == DecisionKind::Rejection {
        return Ok(Vec::new());
    }
    let mut planned = Vec::new();
    let mut cancelled = Vec::new();
    let mut reclaims = Vec::new();
    let years = db::decisions::years(conn, &decision.id)?;
    // What the organisation holds per year, read once: a year's cut touches only that
    // year's payments, so the other years' figures stay as read. Only a lowering needs them.
    let holdings = if years.iter().any(|y| y.amount_ore.is_negative()) {
        db::money_figures::org_years(conn, &call.id)?
    } else {
        Default::default()
    };
    for year in years {
        if year.amount_ore > Ore::ZERO {
            let due = due_on(call, year.year)
                .ok_or_else(|| AppError::Internal(format!("no payment day for {}", year.year)))?
                .max(decided_on);
            planned.push(plan_one(
                conn,
                decision,
                call,
                year.year,
                year.amount_ore,
                due,
                now,
            )?);
        } else if year.amount_ore < Ore::ZERO {
            let current =
                db::payments::planned_for(conn, &call.id, &decision.organisation_id, year.year)?;
            // What the organisation would hold above its grant now (this decision is
            // already signed in the transaction), with repayments and earlier claims taken
            // off: only that is cut, so nothing is claimed twice.
            let excess = holdings
                .get(&(decision.organisation_id.clone(), year.year))
                .map(|row| row.excess())
                .unwrap_or(Ore::ZERO);
            let cut = plan_cut(
                excess,
                &current
                    .iter()
                    .map(|p| (p.id.clone(), p.amount_ore))
                    .collect::<Vec<_>>(),
            );
            for id in &cut.cancel {
                if db::payments::cancel(conn, id, &decision.id, now.naive_utc())? != 1 {
                    return Err(AppError::Conflict(
                        "En utbetalning ändrades samtidigt. Försök igen.".into(),
                    ));
                }
                if let Some(p) = current.iter().find(|p| &p.id == id) {
                    cancelled.push(p.clone());
                }
            }
            if let Some(rest) = cut.replan {
                // The remainder keeps the cancelled payment's due day.
                let due = cancelled.last().map(|p| p.due_on).unwrap_or(decided_on);
                planned.push(plan_one(conn, decision, call, year.year, rest, due, now)?);
            }
            if let Some(amount) = cut.reclaim {
                let reclaim = Reclaim {
                    year: year.year,
                    amount,
                    due_on: decided_on + chrono::Duration::days(RECLAIM_DAYS),
                    // Its own reference, apart from a repayment after the report-back
                    // (`<dnr>-<year>`), so that finance can tell the two apart.
                    payment_reference: format!(
                        "{}-{}-AK{}",
                        decision.registration_number,
                        year.year,
                        decided_on.format("%Y%m%d")
                    ),
                };
                db::reports::insert_claim(
                    conn,
                    &db::reports::RepaymentClaim {
                        id: db::new_id(),
                        organisation_id: decision.organisation_id.clone(),
                        decision_id: decision.id.clone(),
                        report_id: None,
                        call_id: call.id.clone(),
                        year: year.year,
                        kind: ClaimKind::Reclaim,
                        amount_ore: amount,
                        reason: format!(
                            "Utbetalt belopp för {} överstiger det belopp som beviljas efter beslutet {}.",
                            year.year, decided_on
                        ),
                        payment_reference: reclaim.payment_reference.clone(),
                        due_on: reclaim.due_on,
                        status: ClaimStatus::Open,
                        received_on: None,
                        created_at: now.naive_utc(),
                        created_by: decided_by.to_string(),
                        received_by: None,
                    },
                )?;
                reclaims.push(reclaim);
            }
        }
    }
    if !planned.is_empty() || !cancelled.is_empty() || !reclaims.is_empty() {
        let mut parts = Vec::new();
        if !planned.is_empty() {
            parts.push(format!(
                "planerade {}",
                planned
                    .iter()
                    .map(|p| format!("{} den {}", p.amount_ore, p.due_on))
                    .collect::<Vec<_>>()
                    .join(", ")
            ));
        }
        if !cancelled.is_empty() {
            parts.push(format!(
                "makulerade {}",
                cancelled
                    .iter()
                    .map(|p| format!("{} den {}", p.amount_ore, p.due_on))
                    .collect::<Vec<_>>()
                    .join(", ")
            ));
        }
        if !reclaims.is_empty() {
            parts.push(format!(
                "återkrav {}",
                reclaims
                    .iter()
                    .map(|r| format!("{} för {}", r.amount, r.year))
                    .collect::<Vec<_>>()
                    .join(", ")
            ));
        }
        audit::record(
            conn,
            None,
            now,
            audit::Entry {
                action: action::PLANNED,
                entity_type: "decision",
                entity_id: Some(&decision.id),
                summary: format!(
                    "Utbetalningar för {}: {}",
                    decision.registration_number,
                    parts.join("; ")
                ),
                details: json!({
                    "planned": planned.iter().map(|p| json!({"payment_id": p.id, "year": p.year, "amount_ore": p.amount_ore.ore(), "due_on": p.due_on})).collect::<Vec<_>>(),
                    "cancelled": cancelled.iter().map(|p| json!({"payment_id": p.id, "year": p.year, "amount_ore": p.amount_ore.ore()})).collect::<Vec<_>>(),
                    "reclaims": reclaims.iter().map(|r| json!({"year": r.year, "amount_ore": r.amount.ore(), "due_on": r.due_on, "payment_reference": r.payment_reference})).collect::<Vec<_>>(),
                }),
            },
        )?;
    }
    Ok(reclaims)
}

fn plan_one(
    conn: &mut DbConnection,
    decision: &Decision,
    call: &Call,
    year: i32,
    amount: Ore,
    due: NaiveDate,
    now: DateTime<Utc>,
) -> Result<Payment, AppError> {
    let payment = Payment {
        id: db::new_id(),
        decision_id: decision.id.clone(),
        call_id: call.id.clone(),
        organisation_id: decision.organisation_id.clone(),
        year,
        amount_ore: amount,
        due_on: due,
        status: PaymentStatus::Planned,
        paid_on: None,
        payment_reference: None,
        marked_by: None,
        marked_at: None,
        created_at: now.naive_utc(),
        cancelled_at: None,
        cancelled_by_decision_id: None,
    };
    db::payments::insert(conn, &payment)?;
    Ok(payment)
}

/// Where a payment stands, in the words a recipient uses: "Planerad", "Utbetald
/// 2021-01-15", "Stoppad" (a later decision lowered or revoked the grant before the day).
pub fn status_in_words(payment: &Payment) -> String {
    match (payment.status, payment.paid_on) {
        (PaymentStatus::Paid, Some(day)) => format!("Utbetald {day}"),
        (PaymentStatus::Paid, None) => "Utbetald".to_string(),
        (PaymentStatus::Planned, _) => "Planerad".to_string(),
        (PaymentStatus::Cancelled, _) => "Stoppad".to_string(),
    }
}

/// One line of a payments list.
#[derive(Debug, Clone, Serialize)]
pub struct PaymentLine {
    pub payment: Payment,
    pub organisation: Recipient,
    pub registration_number: String,
}

/// A page of payments, with how many there are and their sums per status over all of them.
#[derive(Debug, Clone, Serialize)]
pub struct PaymentPage {
    pub lines: Vec<PaymentLine>,
    pub total: i64,
    pub totals: Vec<(PaymentStatus, Ore)>,
}

impl PaymentPage {
    /// The sum of one status's payments; `None` for every payment that is to be paid or
    /// has been (a cancelled payment never will be).
    pub fn sum(&self, status: Option<PaymentStatus>) -> Ore {
        self.totals
            .iter()
            .filter(|(s, _)| match status {
                Some(wanted) => *s == wanted,
                None => *s != PaymentStatus::Cancelled,
            })
            .map(|(_, amount)| *amount)
            .sum()
    }
}

/// Refuses whoever may not list these payments, and records the attempt.
fn check_listing(
    conn: &mut DbConnection,
    actor: &Actor,
    call_id: Option<&str>,
    organisation_id: Option<&str>,
    now: DateTime<Utc>,
) -> Result<(), AppError> {
    let allowed = access::can_list_all_cases(actor)
        || (organisation_id.is_some() && organisation_id == actor.organisation_id.as_deref());
    if allowed {
        return Ok(());
    }
    audit::record_denied(
        conn,
        actor,
        now,
        "payments",
        call_id.or(organisation_id),
        "se utbetalningar",
    )?;
    Err(if actor.role == Role::Applicant {
        AppError::NotFound
    } else {
        AppError::Forbidden
    })
}

fn lines(rows: Vec<(Payment, Recipient, String)>) -> Vec<PaymentLine> {
    rows.into_iter()
        .map(|(payment, organisation, registration_number)| PaymentLine {
            payment,
            organisation,
            registration_number,
        })
        .collect()
}

/// A page of the payments of a call (the agency and auditors) or of an organisation (also
/// its own people), with the count and the sums over all of them.
pub fn list(
    conn: &mut DbConnection,
    actor: &Actor,
    call_id: Option<&str>,
    organisation_id: Option<&str>,
    limit: i64,
    offset: i64,
    now: DateTime<Utc>,
) -> Result<PaymentPage, AppError> {
    check_listing(conn, actor, call_id, organisation_id, now)?;
    let total = db::payments::count(conn, call_id, organisation_id)?;
    let rows = if offset < total {
        db::payments::list(conn, call_id, organisation_id, limit, offset)?
    } else {
        Vec::new()
    };
    Ok(PaymentPage {
        lines: lines(rows),
        total,
        totals: db::payments::totals(conn, call_id, organisation_id)?,
    })
}

/// Refuses (and records) a payment file to whoever may not list the call's payments.
pub fn check_file(
    conn: &mut DbConnection,
    actor: &Actor,
    call_id: &str,
    now: DateTime<Utc>,
) -> Result<(), AppError> {
    check_listing(conn, actor, Some(call_id), None, now)
}

/// The payment file's lines after `after`, at most `limit`, with the key of the last
/// (a part of the streamed file; `None` when there are no more).
pub fn file_part(
    conn: &mut DbConnection,
    call_id: &str,
    after: Option<&db::payments::FileKey>,
    limit: i64,
) -> Result<Option<(Vec<PaymentLine>, db::payments::FileKey)>, AppError> {
    let keys = db::payments::file_keys_after(conn, call_id, after, limit)?;
    let Some(last) = keys.last().cloned() else {
        return Ok(None);
    };
    let ids: Vec<String> = keys.into_iter().map(|k| k.id).collect();
    Ok(Some((lines(db::payments::with_details(conn, &ids)?), last)))
}

/// Refuses a read of an organisation's money to whoever may not read its cases: recorded,
/// and an applicant is told the object does not exist.
fn refuse_unless_readable(
    conn: &mut DbConnection,
    actor: &Actor,
    organisation_id: &str,
    entity_type: &str,
    entity_id: &str,
    what: &str,
    now: DateTime<Utc>,
) -> Result<(), AppError> {
    if access::can_read_case(actor, organisation_id) {
        return Ok(());
    }
    audit::record_denied(conn, actor, now, entity_type, Some(entity_id), what)?;
    Err(if actor.role == Role::Applicant {
        AppError::NotFound
    } else {
        AppError::Forbidden
    })
}

/// One payment, for whoever may read its organisation's cases (the agency, auditors, the
/// organisation's own people).
pub fn find(
    conn: &mut DbConnection,
    actor: &Actor,
    payment_id: &str,
    now: DateTime<Utc>,
) -> Result<PaymentLine, AppError> {
    let payment = db::payments::find(conn, payment_id)?.ok_or(AppError::NotFound)?;
    refuse_unless_readable(
        conn,
        actor,
        &payment.organisation_id,
        "payment",
        payment_id,
        "se en utbetalning",
        now,
    )?;
    let organisation =
        db::organisations::find(conn, &payment.organisation_id)?.ok_or(AppError::NotFound)?;
    let organisation = Recipient {
        name: organisation.name,
        org_number: organisation.org_number,
    };
    let registration_number = db::decisions::find(conn, &payment.decision_id)?
        .map(|d| d.registration_number)
        .unwrap_or_default();
    Ok(PaymentLine {
        payment,
        organisation,
        registration_number,
    })
}

/// One claim of money back (a repayment after a report-back, or a reclaim made by a change
/// decision), for whoever may read its organisation's cases.
pub fn claim(
    conn: &mut DbConnection,
    actor: &Actor,
    claim_id: &str,
    now: DateTime<Utc>,
) -> Result<crate::db::reports::RepaymentClaim, AppError> {
    let claim = db::reports::claims_of_id(conn, claim_id)?.ok_or(AppError::NotFound)?;
    refuse_unless_readable(
        conn,
        actor,
        &claim.organisation_id,
        "repayment_claim",
        claim_id,
        "se ett krav på återbetalning",
        now,
    )?;
    Ok(claim)
}

/// The letter that made a claim, byte-identical to what was sent: a repayment's own letter,
/// or for a reclaim the change decision's letter that states it.
pub fn claim_letter(
    conn: &mut DbConnection,
    actor: &Actor,
    claim_id: &str,
    now: DateTime<Utc>,
) -> Result<(String, String, Vec<u8>), AppError> {
    let claim = claim(conn, actor, claim_id, now)?;
    if claim.kind == ClaimKind::Reclaim {
        let document =
            db::decisions::document(conn, &claim.decision_id)?.ok_or(AppError::NotFound)?;
        return Ok((document.filename, document.sha256, document.content));
    }
    let document = db::reports::claim_document(conn, &claim.id)?.ok_or(AppError::NotFound)?;
    Ok((document.filename, document.sha256, document.content))
}

/// A batch marked as paid, as sent.
#[derive(Debug, Clone, Default, Deserialize, Serialize, utoipa::ToSchema)]
pub struct MarkPaidInput {
    /// The payments paid in this batch.
    #[serde(default)]
    pub payment_ids: Vec<String>,
    /// The day the money left, `YYYY-MM-DD`.
    #[serde(default, deserialize_with = "forms::text")]
    #[schema(value_type = String, example = "2021-01-15")]
    pub paid_on: String,
    /// The finance system's reference for the batch.
    #[serde(default)]
    pub reference: String,
}

/// Marks a batch of planned payments paid, all or nothing. A payment already paid is
/// refused with its reference: a paid payment never changes.
pub fn mark_paid(
    conn: &mut DbConnection,
    actor: &Actor,
    input: &MarkPaidInput,
    now: DateTime<Utc>,
) -> Result<usize, AppError> {
    if actor.role != Role::Officer {
        audit::record_denied(conn, actor, now, "payments", None, "markera utbetalningar")?;
        return Err(AppError::Forbidden);
    }
    let mut errors = FieldErrors::new();
    if input.payment_ids.is_empty() {
        errors.add("payment_ids", "Välj minst en utbetalning.");
    }
    let paid_on = forms::date(&input.paid_on, "utbetalningsdag")
        .map_err(|m| errors.add("paid_on", m))
        .ok();
    if let Some(day) = paid_on
        && day > crate::clock::stockholm_date(now)
    {
        errors.add("paid_on", "Utbetalningsdagen kan inte ligga i framtiden.");
    }
    let reference = forms::required_text(&input.reference, 100, "referensen från ekonomisystemet")
        .map_err(|m| errors.add("reference", m))
        .unwrap_or_default();
    errors.into_result()?;
    let Some(paid_on) = paid_on else {
        return Err(AppError::invalid("paid_on", "Ange utbetalningsdag."));
    };
    db::write_tx(conn, |conn| {
        let mut total = Ore::ZERO;
        for id in &input.payment_ids {
            let payment = db::payments::find(conn, id)?.ok_or(AppError::NotFound)?;
            if payment.status == PaymentStatus::Cancelled {
                return Err(AppError::Conflict(format!(
                    "Utbetalningen på {} för {} är makulerad genom ett senare beslut och betalas inte ut.",
                    payment.amount_ore, payment.year
                )));
            }
            if payment.status == PaymentStatus::Paid {
                return Err(AppError::Conflict(format!(
                    "Utbetalningen på {} för {} är redan markerad som betald {} (referens {}). En betald utbetalning ändras inte.",
                    payment.amount_ore,
                    payment.year,
                    payment.paid_on.map(|d| d.to_string()).unwrap_or_default(),
                    payment.payment_reference.unwrap_or_default()
                )));
            }
            if db::payments::mark_paid(
                conn,
                id,
                paid_on,
                &reference,
                &actor.user_id,
                now.naive_utc(),
            )? != 1
            {
                return Err(AppError::Conflict(
                    "Utbetalningen markerades nyss av någon annan. Ladda om sidan.".into(),
                ));
            }
            total = total + payment.amount_ore;
        }
        audit::record(
            conn,
            Some(actor),
            now,
            audit::Entry {
                action: action::PAID,
                entity_type: "payments",
                entity_id: None,
                summary: format!(
                    "{} utbetalningar på sammanlagt {total} markerade som betalda {paid_on} (referens {reference}) av {}",
                    input.payment_ids.len(),
                    actor.name
                ),
                details: json!({
                    "payment_ids": input.payment_ids,
                    "paid_on": paid_on,
                    "reference": reference,
                    "total_ore": total.ore(),
                }),
            },
        )?;
        Ok(input.payment_ids.len())
    })
}

/// The payment file for the finance system: organisation number, recipient, amount
/// (kronor, decimal comma), the decision's registration number as reference, due day and
/// status. UTF-8 with BOM, semicolons. Its header row, with the byte order mark.
pub fn csv_header() -> Result<Vec<u8>, AppError> {
    let mut writer = crate::spreadsheet::SpreadsheetCsv::new();
    writer.row([
        "Organisationsnummer",
        "Mottagare",
        "Belopp (kr)",
        "Referens",
        "Förfallodag",
        "Bidragsår",
        "Status",
        "Utbetald",
        "Verifikation",
    ])?;
    writer.finish()
}

/// Lines of the payment file after its header. A cancelled payment is never to be paid: it
/// stays in the lists, not in the file.
pub fn csv_rows(lines: &[PaymentLine]) -> Result<Vec<u8>, AppError> {
    use crate::spreadsheet::amount as csv_amount;
    let mut writer = crate::spreadsheet::SpreadsheetCsv::continuation();
    for line in lines
        .iter()
        .filter(|l| l.payment.status != PaymentStatus::Cancelled)
    {
        let p = &line.payment;
        writer.row([
            line.organisation.org_number.clone(),
            line.organisation.name.clone(),
            csv_amount(p.amount_ore),
            line.registration_number.clone(),
            p.due_on.to_string(),
            p.year.to_string(),
            p.status.label().to_string(),
            p.paid_on.map(|d| d.to_string()).unwrap_or_default(),
            p.payment_reference.clone().unwrap_or_default(),
        ])?;
    }
    writer.finish()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_payment_is_described_in_plain_words() {
        let day = |s: &str| s.parse::<NaiveDate>().ok();
        let mut payment = Payment {
            id: "p".into(),
            decision_id: "d".into(),
            call_id: "c".into(),
            organisation_id: "o".into(),
            year: 2021,
            amount_ore: Ore::from_kronor(100),
            due_on: day("2021-01-01").unwrap_or_default(),
            status: PaymentStatus::Planned,
            paid_on: None,
            payment_reference: None,
            marked_by: None,
            marked_at: None,
            created_at: chrono::NaiveDateTime::default(),
            cancelled_at: None,
            cancelled_by_decision_id: None,
        };
        assert_eq!(status_in_words(&payment), "Planerad");
        payment.status = PaymentStatus::Paid;
        payment.paid_on = day("2021-01-15");
        assert_eq!(status_in_words(&payment), "Utbetald 2021-01-15");
        payment.status = PaymentStatus::Cancelled;
        assert_eq!(status_in_words(&payment), "Stoppad");
    }

    #[test]
    fn a_cut_cancels_the_latest_planned_payments_and_claims_back_the_rest() {
        let kr = Ore::from_kronor;
        let planned = vec![("b".to_string(), kr(300)), ("a".to_string(), kr(500))];
        let plan = |cut, planned: &[(String, Ore)]| plan_cut(cut, planned);
        assert_eq!(
            plan(kr(100), &planned),
            CutPlan {
                cancel: vec!["b".into()],
                replan: Some(kr(200)),
                reclaim: None
            }
        );
        assert_eq!(
            plan(kr(300), &planned),
            CutPlan {
                cancel: vec!["b".into()],
                replan: None,
                reclaim: None
            }
        );
        assert_eq!(
            plan(kr(1000), &planned),
            CutPlan {
                cancel: vec!["b".into(), "a".into()],
                replan: None,
                reclaim: Some(kr(200))
            }
        );
        assert_eq!(
            plan(kr(100), &[]),
            CutPlan {
                cancel: vec![],
                replan: None,
                reclaim: Some(kr(100))
            }
        );
    }
}
