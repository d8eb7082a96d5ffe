//! Money as whole öre. Amounts are exact everywhere: `i64` öre in the code and the database,
//! `rust_decimal::Decimal` kronor at the edges (forms, JSON), and `2 913 808 kr` on screen
//! and paper. Floating point never touches an amount.

use std::fmt;
use std::iter::Sum;
use std::ops::{Add, Neg, Sub};

use diesel::backend::Backend;
use diesel::deserialize::{self, FromSql, FromSqlRow};
use diesel::expression::AsExpression;
use diesel::serialize::{self, Output, ToSql};
use diesel::sql_types::BigInt;
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

/// A no-break space: thousands separator and the space before "kr", so that an amount
/// never breaks across lines.
pub const NBSP: char = '\u{a0}';

/// The largest amount the service accepts from any input: one trillion kronor. Anything
/// summed from amounts below this bound stays far from `i64` overflow.
pub const MAX_INPUT_ORE: i64 = 1_000_000_000_000 * 100;

/// A whole number as people read it, `8 000` or `12 345`: no-break spaces between the
/// thousands. Every number of 1 000 or more shown to people (counts, character limits, page
/// numbers, and amounts through [`Ore::format_number`]) is written by this one function, so
/// that it is written one way. Not for years, registration numbers or other identifiers.
pub fn group_thousands(n: i64) -> String {
    let grouped = group_digits(n.unsigned_abs());
    if n < 0 {
        format!("-{grouped}")
    } else {
        grouped
    }
}

fn group_digits(n: u64) -> String {
    let digits = n.to_string();
    let mut grouped = String::with_capacity(digits.len() + digits.len() / 3 * 2);
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            grouped.push(NBSP);
        }
        grouped.push(c);
    }
    grouped
}

/// An amount of money in öre (1/100 krona).
#[derive(
    Debug,
    Clone,
    Copy,
    Default,
    PartialEq,
    Eq,
    PartialOrd,
    Ord,
    Hash,
    AsExpression,
    FromSqlRow,
    Serialize,
    Deserialize,
)]
#[diesel(sql_type = BigInt)]
#[serde(transparent)]
pub struct Ore(i64);

/// Why a typed amount was refused. Every message about the form of the number shows the
/// accepted form, so that the person can simply retype it.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum MoneyError {
    #[error("Ange ett belopp.")]
    Empty,
    #[error("Skriv beloppet med siffror, som 250 000 eller 250000,50.")]
    NotANumber,
    #[error("Beloppet får inte vara negativt.")]
    Negative,
    #[error("Ange beloppet i hela kronor, utan öre, som 250 000.")]
    NotWholeKronor,
    #[error(
        "Beloppet kan ha högst två decimaler (öre). Skriv beloppet som 250 000 eller 250000,50."
    )]
    TooManyDecimals,
    /// `1.000`, `250,000`, `1.000.000`: a point or comma before three digits may be a
    /// thousands separator or a decimal mark; reading it either way could be wrong by a
    /// factor of a thousand, so it is not read at all.
    #[error(
        "Beloppet kan läsas på två sätt: punkt eller kommatecken före tre siffror kan vara tusentalsavgränsare eller decimaltecken. Skriv beloppet som 250 000 eller 250000,50 – mellanslag mellan tusentalen, kommatecken före ören."
    )]
    Ambiguous,
    /// `1 00`, `10 0000`: spaces anywhere but between groups of three digits.
    #[error(
        "Mellanslag får bara stå mellan grupper om tre siffror. Skriv beloppet som 250 000 eller 250000,50."
    )]
    BadGrouping,
    #[error("Beloppet är orimligt stort.")]
    TooLarge,
}

/// The spaces a person (or a copied amount) may put between groups of three digits: the
/// ordinary space, the no-break space and the narrow no-break space.
fn is_group_separator(c: char) -> bool {
    matches!(c, ' ' | NBSP | '\u{202f}')
}

impl Ore {
    pub const ZERO: Ore = Ore(0);

    pub const fn from_ore(ore: i64) -> Ore {
        Ore(ore)
    }

    /// Whole kronor. Saturates instead of overflowing; inputs are bounded far below.
    pub const fn from_kronor(kronor: i64) -> Ore {
        Ore(kronor.saturating_mul(100))
    }

    pub const fn ore(self) -> i64 {
        self.0
    }

    pub fn is_whole_kronor(self) -> bool {
        self.0 % 100 == 0
    }

    pub fn is_negative(self) -> bool {
        self.0 < 0
    }

    pub fn is_positive(self) -> bool {
        self.0 > 0
    }

    /// The amount in kronor, exact.
    pub fn to_kronor(self) -> Decimal {
        Decimal::new(self.0, 2).normalize()
    }

    /// Exact conversion from kronor; refuses more than two decimals and absurd amounts.
    pub fn from_decimal_kronor(kronor: Decimal) -> Result<Ore, MoneyError> {
        let normalized = kronor.normalize();
        if normalized.scale() > 2 {
            return Err(MoneyError::TooManyDecimals);
        }
        let ore = normalized
            .checked_mul(Decimal::from(100))
            .ok_or(MoneyError::TooLarge)?;
        let ore: i64 = ore.try_into().map_err(|_| MoneyError::TooLarge)?;
        if ore.abs() > MAX_INPUT_ORE {
            return Err(MoneyError::TooLarge);
        }
        Ok(Ore(ore))
    }

    /// Parses an amount as people type it, the one parser for every amount a person or a
    /// client sends. Accepted: digits, optionally grouped in threes by spaces (ordinary,
    /// no-break or narrow no-break), then optionally a decimal comma or point with one or
    /// two decimals, then optionally `kr`: `2913808`, `2 913 808`, `2 913 808 kr`,
    /// `1234,50`, `1234.5`. Anything that could be read in two ways (`1.000`, `250,000`,
    /// `1.000.000`) or is grouped wrongly (`1 00`) is refused, never guessed. Negative
    /// amounts are refused: no form asks for one.
    pub fn parse_kronor(input: &str) -> Result<Ore, MoneyError> {
        let mut text = input.trim();
        for suffix in ["kronor", "kr", "sek", ":-"] {
            let cut = text.len().saturating_sub(suffix.len());
            if text.is_char_boundary(cut) && text[cut..].eq_ignore_ascii_case(suffix) {
                text = text[..cut].trim_end();
                break;
            }
        }
        if text.is_empty() {
            return Err(MoneyError::Empty);
        }
        if text.starts_with('-') || text.starts_with('\u{2212}') {
            return Err(MoneyError::Negative);
        }
        if !text
            .chars()
            .all(|c| c.is_ascii_digit() || c == ',' || c == '.' || is_group_separator(c))
        {
            return Err(MoneyError::NotANumber);
        }
        let mut marks = text.match_indices([',', '.']);
        let (whole, decimals) = match (marks.next(), marks.next()) {
            (None, _) => (text, ""),
            (Some((at, _)), None) => (&text[..at], &text[at + 1..]),
            // `1.000.000`, `1,000.50`, `1.000,50`: at least one mark separates thousands.
            (Some(_), Some(_)) => return Err(MoneyError::Ambiguous),
        };
        if !decimals.chars().all(|c| c.is_ascii_digit()) {
            return Err(MoneyError::NotANumber);
        }
        let has_mark = whole.len() < text.len();
        match decimals.len() {
            0 if has_mark => return Err(MoneyError::NotANumber),
            0..=2 => {}
            3 => return Err(MoneyError::Ambiguous),
            _ => return Err(MoneyError::TooManyDecimals),
        }
        let mut groups = whole.split(is_group_separator);
        let first = groups.next().unwrap_or_default();
        let rest: Vec<&str> = groups.collect();
        if first.is_empty() {
            // `,50` or a leading space inside the number.
            return Err(if rest.is_empty() {
                MoneyError::NotANumber
            } else {
                MoneyError::BadGrouping
            });
        }
        if !rest.is_empty() && (first.len() > 3 || rest.iter().any(|g| g.len() != 3)) {
            return Err(MoneyError::BadGrouping);
        }
        let mut digits: String = std::iter::once(first).chain(rest).collect();
        if !decimals.is_empty() {
            digits.push('.');
            digits.push_str(decimals);
        }
        // Only digits and one point remain, so the one failure left is a number too long.
        let value: Decimal = digits.parse().map_err(|_| MoneyError::TooLarge)?;
        Ore::from_decimal_kronor(value)
    }

    /// As [`Ore::parse_kronor`], but only whole kronor: grants and applications are
    /// decided in whole kronor.
    pub fn parse_whole_kronor(input: &str) -> Result<Ore, MoneyError> {
        let amount = Ore::parse_kronor(input)?;
        if !amount.is_whole_kronor() {
            return Err(MoneyError::NotWholeKronor);
        }
        Ok(amount)
    }

    /// Digits grouped in threes with no-break spaces, no unit: `2 913 808` or `1 234,50`.
    pub fn format_number(self) -> String {
        let negative = self.0 < 0;
        let abs = self.0.unsigned_abs();
        let kronor = abs / 100;
        let ore = abs % 100;
        let grouped = group_digits(kronor);
        let sign = if negative { "-" } else { "" };
        if ore == 0 {
            format!("{sign}{grouped}")
        } else {
            format!("{sign}{grouped},{ore:02}")
        }
    }
}

/// `2 913 808 kr`, with no-break spaces.
impl fmt::Display for Ore {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}{NBSP}kr", self.format_number())
    }
}

impl Add for Ore {
    type Output = Ore;
    fn add(self, rhs: Ore) -> Ore {
        Ore(self.0.saturating_add(rhs.0))
    }
}

impl Sub for Ore {
    type Output = Ore;
    fn sub(self, rhs: Ore) -> Ore {
        Ore(self.0.saturating_sub(rhs.0))
    }
}

impl Neg for Ore {
    type Output = Ore;
    fn neg(self) -> Ore {
        Ore(self.0.saturating_neg())
    }
}

impl Sum for Ore {
    fn sum<I: Iterator<Item = Ore>>(iter: I) -> Ore {
        iter.fold(Ore::ZERO, Add::add)
    }
}

impl<'a> Sum<&'a Ore> for Ore {
    fn sum<I: Iterator<Item = &'a Ore>>(iter: I) -> Ore {
        iter.copied().sum()
    }
}

impl<DB> ToSql<BigInt, DB> for Ore
where
    DB: Backend,
    i64: ToSql<BigInt, DB>,
{
    fn to_sql<'b>(&'b self, out: &mut Output<'b, '_, DB>) -> serialize::Result {
        self.0.to_sql(out)
    }
}

impl<DB> FromSql<BigInt, DB> for Ore
where
    DB: Backend,
    i64: FromSql<BigInt, DB>,
{
    fn from_sql(bytes: DB::RawValue<'_>) -> deserialize::Result<Self> {
        i64::from_sql(bytes).map(Ore)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_with_no_break_spaces() {
        assert_eq!(
            Ore::from_kronor(2_913_808).to_string(),
            "2\u{a0}913\u{a0}808\u{a0}kr"
        );
        assert_eq!(Ore::from_kronor(0).to_string(), "0\u{a0}kr");
        assert_eq!(Ore::from_kronor(999).to_string(), "999\u{a0}kr");
        assert_eq!(Ore::from_kronor(1000).to_string(), "1\u{a0}000\u{a0}kr");
        assert_eq!(Ore::from_ore(123_450).to_string(), "1\u{a0}234,50\u{a0}kr");
        assert_eq!(Ore::from_ore(5).to_string(), "0,05\u{a0}kr");
        assert_eq!(
            Ore::from_kronor(-100_000).to_string(),
            "-100\u{a0}000\u{a0}kr"
        );
    }

    /// Every input form the parser knows, what it becomes or why it is refused.
    #[test]
    fn parses_what_people_type_and_refuses_what_could_be_misread() {
        use MoneyError::*;
        let ok = |ore: i64| Ok(Ore::from_ore(ore));
        let table: &[(&str, Result<Ore, MoneyError>)] = &[
            // Plain digits, and digits grouped in threes by any of the three spaces.
            ("2913808", ok(291_380_800)),
            ("2 913 808", ok(291_380_800)),
            ("2\u{a0}913\u{a0}808", ok(291_380_800)),
            ("2\u{202f}913\u{202f}808", ok(291_380_800)),
            ("250 000", ok(25_000_000)),
            ("  250 000  ", ok(25_000_000)),
            ("0", ok(0)),
            ("007", ok(700)),
            // The unit may follow, with or without a space.
            ("2 913 808 kr", ok(291_380_800)),
            ("2\u{a0}913\u{a0}808\u{a0}kr", ok(291_380_800)),
            ("250000kr", ok(25_000_000)),
            ("250 000 KR", ok(25_000_000)),
            ("250 000 kronor", ok(25_000_000)),
            ("250 000 SEK", ok(25_000_000)),
            ("250 000:-", ok(25_000_000)),
            // One or two decimals after a comma or a point.
            ("1234,50", ok(123_450)),
            ("1234,5", ok(123_450)),
            ("1234.5", ok(123_450)),
            ("1234.50", ok(123_450)),
            ("250 000,50", ok(25_000_050)),
            ("250000,50 kr", ok(25_000_050)),
            ("0,05", ok(5)),
            ("10,00", ok(1_000)),
            ("1,5", ok(150)),
            // A point or comma before exactly three digits may be a thousands separator.
            ("1.000", Err(Ambiguous)),
            ("1,000", Err(Ambiguous)),
            ("250,000", Err(Ambiguous)),
            ("250.000", Err(Ambiguous)),
            ("1234,567", Err(Ambiguous)),
            // Two marks: at least one of them separates thousands.
            ("1.000.000", Err(Ambiguous)),
            ("1,000,000", Err(Ambiguous)),
            ("1.000,50", Err(Ambiguous)),
            ("1,000.50", Err(Ambiguous)),
            ("1,2,3", Err(Ambiguous)),
            // More than three decimals is more precision than öre.
            ("1,0001", Err(TooManyDecimals)),
            ("0.12345", Err(TooManyDecimals)),
            // Spaces only between groups of three digits.
            ("1 00", Err(BadGrouping)),
            ("10 0000", Err(BadGrouping)),
            ("1000 000", Err(BadGrouping)),
            ("1  000", Err(BadGrouping)),
            ("250 00,50", Err(BadGrouping)),
            // Not a number at all.
            ("abc", Err(NotANumber)),
            ("1e5", Err(NotANumber)),
            ("+5", Err(NotANumber)),
            ("12 kr 50", Err(NotANumber)),
            ("1\t000", Err(NotANumber)),
            (",50", Err(NotANumber)),
            ("5,", Err(NotANumber)),
            ("5.", Err(NotANumber)),
            ("1,5 0", Err(NotANumber)),
            ("٣", Err(NotANumber)),
            // Nothing, less than nothing, too much.
            ("", Err(Empty)),
            ("   ", Err(Empty)),
            ("kr", Err(Empty)),
            ("-5", Err(Negative)),
            ("\u{2212}5", Err(Negative)),
            ("99999999999999999999999", Err(TooLarge)),
            ("1000000000001", Err(TooLarge)),
        ];
        for (input, expected) in table {
            assert_eq!(&Ore::parse_kronor(input), expected, "input {input:?}");
        }
        // Every refusal about the number's form shows the accepted form.
        for refusal in [NotANumber, TooManyDecimals, Ambiguous, BadGrouping] {
            assert!(
                refusal.to_string().contains("250 000 eller 250000,50"),
                "{refusal}"
            );
        }
    }

    #[test]
    fn whole_kronor_refuse_ore() {
        assert_eq!(
            Ore::parse_whole_kronor("10,50"),
            Err(MoneyError::NotWholeKronor)
        );
        assert_eq!(Ore::parse_whole_kronor("10,00"), Ok(Ore::from_kronor(10)));
        assert_eq!(
            Ore::parse_whole_kronor("250,000"),
            Err(MoneyError::Ambiguous)
        );
    }

    #[test]
    fn decimal_round_trip_is_exact() {
        let amount = Ore::from_ore(291_380_801);
        assert_eq!(amount.to_kronor().to_string(), "2913808.01");
        assert_eq!(Ore::from_decimal_kronor(amount.to_kronor()), Ok(amount));
        assert_eq!(
            Ore::from_kronor(2_913_808).to_kronor().to_string(),
            "2913808"
        );
    }

    #[test]
    fn sums_are_exact() {
        let total: Ore = [2_913_808, 4_996_873, 3_179_104]
            .into_iter()
            .map(Ore::from_kronor)
            .sum();
        assert_eq!(total, Ore::from_kronor(11_089_785));
        assert_eq!(
            Ore::from_kronor(15_000_000) - total,
            Ore::from_kronor(3_910_215)
        );
    }
}
