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

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum MoneyError {
    #[error("Ange ett belopp.")]
    Empty,
    #[error("Ange beloppet med siffror, till exempel 2 913 808.")]
    NotANumber,
    #[error("Beloppet får inte vara negativt.")]
    Negative,
    #[error("Ange beloppet i hela kronor, utan öre.")]
    NotWholeKronor,
    #[error("Beloppet kan ha högst två decimaler (öre).")]
    TooManyDecimals,
    #[error("Beloppet är orimligt stort.")]
    TooLarge,
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

    /// Parses an amount as people type it: `2913808`, `2 913 808`, `2 913 808 kr`,
    /// `1234,50` or `1234.50`. Negative amounts are refused: no form asks for one.
    pub fn parse_kronor(input: &str) -> Result<Ore, MoneyError> {
        let mut cleaned: String = input
            .trim()
            .chars()
            .filter(|c| !c.is_whitespace() && *c != NBSP && *c != '\u{202f}')
            .collect();
        for suffix in ["kronor", "kr", "SEK", "sek", ":-"] {
            if let Some(rest) = cleaned.strip_suffix(suffix) {
                cleaned = rest.to_string();
                break;
            }
        }
        if cleaned.is_empty() {
            return Err(MoneyError::Empty);
        }
        if cleaned.starts_with('-') || cleaned.starts_with('\u{2212}') {
            return Err(MoneyError::Negative);
        }
        let cleaned = cleaned.replace(',', ".");
        if !cleaned.chars().all(|c| c.is_ascii_digit() || c == '.')
            || cleaned.matches('.').count() > 1
            || cleaned.starts_with('.')
            || cleaned.ends_with('.')
        {
            return Err(MoneyError::NotANumber);
        }
        let value: Decimal = cleaned.parse().map_err(|_| MoneyError::TooLarge)?;
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
        let digits = kronor.to_string();
        let mut grouped = String::with_capacity(digits.len() + digits.len() / 3 * 2);
        for (i, c) in digits.chars().enumerate() {
            if i > 0 && (digits.len() - i).is_multiple_of(3) {
                grouped.push(NBSP);
            }
            grouped.push(c);
        }
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

    #[test]
    fn parses_what_people_type() {
        assert_eq!(
            Ore::parse_kronor("2 913 808"),
            Ok(Ore::from_kronor(2_913_808))
        );
        assert_eq!(
            Ore::parse_kronor("2\u{a0}913\u{a0}808 kr"),
            Ok(Ore::from_kronor(2_913_808))
        );
        assert_eq!(Ore::parse_kronor("1234,50"), Ok(Ore::from_ore(123_450)));
        assert_eq!(Ore::parse_kronor("1234.5"), Ok(Ore::from_ore(123_450)));
        assert_eq!(Ore::parse_kronor(""), Err(MoneyError::Empty));
        assert_eq!(Ore::parse_kronor("  "), Err(MoneyError::Empty));
        assert_eq!(Ore::parse_kronor("-5"), Err(MoneyError::Negative));
        assert_eq!(Ore::parse_kronor("abc"), Err(MoneyError::NotANumber));
        assert_eq!(Ore::parse_kronor("1,2,3"), Err(MoneyError::NotANumber));
        assert_eq!(Ore::parse_kronor("1e5"), Err(MoneyError::NotANumber));
        assert_eq!(Ore::parse_kronor("1,001"), Err(MoneyError::TooManyDecimals));
        assert_eq!(
            Ore::parse_kronor("99999999999999999999999"),
            Err(MoneyError::TooLarge)
        );
        assert_eq!(
            Ore::parse_whole_kronor("10,50"),
            Err(MoneyError::NotWholeKronor)
        );
        assert_eq!(Ore::parse_whole_kronor("10,00"), Ok(Ore::from_kronor(10)));
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
