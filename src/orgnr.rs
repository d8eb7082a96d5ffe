//! Swedish organisation numbers (organisationsnummer): `NNNNNN-NNNN`, the last digit a
//! Luhn check digit over the first nine.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

/// An organisation number that passed the Luhn check, stored as `NNNNNN-NNNN`.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct OrgNumber(String);

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum OrgNumberError {
    #[error("Ange ett organisationsnummer.")]
    Empty,
    #[error("Organisationsnumret ska ha formen NNNNNN-NNNN, till exempel 232100-0255.")]
    Format,
    #[error("Organisationsnumret är inte giltigt: kontrollsiffran stämmer inte.")]
    CheckDigit,
}

impl OrgNumber {
    /// Accepts `232100-0255` and `2321000255`, with surrounding spaces.
    pub fn parse(input: &str) -> Result<OrgNumber, OrgNumberError> {
        let trimmed = input.trim();
        if trimmed.is_empty() {
            return Err(OrgNumberError::Empty);
        }
        let digits: String = match trimmed.len() {
            11 if trimmed.as_bytes()[6] == b'-' => {
                format!("{}{}", &trimmed[..6], &trimmed[7..])
            }
            10 => trimmed.to_string(),
            _ => return Err(OrgNumberError::Format),
        };
        if digits.len() != 10 || !digits.bytes().all(|b| b.is_ascii_digit()) {
            return Err(OrgNumberError::Format);
        }
        if !luhn_valid(&digits) {
            return Err(OrgNumberError::CheckDigit);
        }
        Ok(OrgNumber(format!("{}-{}", &digits[..6], &digits[6..])))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// Luhn over ten digits: from the left, every other digit (starting with the first) doubled.
fn luhn_valid(digits: &str) -> bool {
    let sum: u32 = digits
        .bytes()
        .enumerate()
        .map(|(i, b)| {
            let d = u32::from(b - b'0');
            if i % 2 == 0 {
                let doubled = d * 2;
                if doubled > 9 { doubled - 9 } else { doubled }
            } else {
                d
            }
        })
        .sum();
    sum.is_multiple_of(10)
}

impl fmt::Display for OrgNumber {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl FromStr for OrgNumber {
    type Err = OrgNumberError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        OrgNumber::parse(s)
    }
}

impl TryFrom<String> for OrgNumber {
    type Error = OrgNumberError;
    fn try_from(value: String) -> Result<Self, Self::Error> {
        OrgNumber::parse(&value)
    }
}

impl From<OrgNumber> for String {
    fn from(value: OrgNumber) -> String {
        value.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_the_regions_numbers() {
        for n in [
            "232100-0016",
            "232100-0024",
            "232100-0032",
            "232100-0040",
            "232100-0057",
            "232100-0065",
            "232100-0073",
            "232100-0081",
            "232100-0255",
            "232100-0115",
            "232100-0131",
            "232100-0156",
            "232100-0164",
            "232100-0172",
            "232100-0180",
            "232100-0198",
            "232100-0206",
            "232100-0214",
            "232100-0222",
            "232100-0230",
            "212000-0803",
            "202100-0555",
        ] {
            assert_eq!(
                OrgNumber::parse(n).map(|o| o.to_string()),
                Ok(n.to_string())
            );
        }
    }

    #[test]
    fn normalises_and_refuses() {
        assert_eq!(
            OrgNumber::parse(" 2321000255 ").map(|o| o.to_string()),
            Ok("232100-0255".to_string())
        );
        assert_eq!(
            OrgNumber::parse("232100-0256"),
            Err(OrgNumberError::CheckDigit)
        );
        assert_eq!(OrgNumber::parse("232100+0255"), Err(OrgNumberError::Format));
        assert_eq!(OrgNumber::parse("23210-00255"), Err(OrgNumberError::Format));
        assert_eq!(OrgNumber::parse("abcdef-ghij"), Err(OrgNumberError::Format));
        assert_eq!(OrgNumber::parse("åäöåäö-0255"), Err(OrgNumberError::Format));
        assert_eq!(OrgNumber::parse(""), Err(OrgNumberError::Empty));
    }
}
