//! Reading what people send, before the rules look at it.
//!
//! Forms and JSON bodies arrive as text: a number field may hold "abc", an amount "-5". The
//! input types therefore keep every value as the text that was sent (JSON numbers and
//! booleans are accepted and turned into text), and the rules parse each one with a Swedish
//! message naming its field. Field names are the same in forms and in JSON errors:
//! `answers.1`, `budget.2021.personal`, `staff.0.cost`.

use std::collections::BTreeMap;

use serde::{Deserialize, Deserializer};

use crate::money::group_thousands;

/// Deserialises a string, number, boolean or null as text.
pub fn text<'de, D: Deserializer<'de>>(deserializer: D) -> Result<String, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum Loose {
        Text(String),
        Int(i64),
        Float(f64),
        Bool(bool),
        Null(()),
    }
    Ok(match Loose::deserialize(deserializer)? {
        Loose::Text(s) => s,
        Loose::Int(n) => n.to_string(),
        Loose::Float(f) => f.to_string(),
        Loose::Bool(b) => b.to_string(),
        Loose::Null(()) => String::new(),
    })
}

/// Deserialises any JSON value as its JSON text (a string as the string itself, null as
/// ""): settings an officer may send as an object in the API or as text in a form.
pub fn json_text<'de, D: Deserializer<'de>>(deserializer: D) -> Result<String, D::Error> {
    Ok(match serde_json::Value::deserialize(deserializer)? {
        serde_json::Value::String(s) => s,
        serde_json::Value::Null => String::new(),
        other => other.to_string(),
    })
}

/// Deserialises a map whose values may be strings, numbers, booleans or null, each as text
/// (see [`text`]): amounts by year or cost category, `{"2021": 2913808}` as well as
/// `{"2021": "2 913 808"}`, so that every amount reaches the one money parser.
pub fn text_map<'de, D: Deserializer<'de>>(
    deserializer: D,
) -> Result<BTreeMap<String, String>, D::Error> {
    #[derive(Deserialize)]
    struct Loose(#[serde(deserialize_with = "text")] String);
    Ok(BTreeMap::<String, Loose>::deserialize(deserializer)?
        .into_iter()
        .map(|(key, value)| (key, value.0))
        .collect())
}

/// A urlencoded form as name/value pairs, in order; names may repeat (checkboxes).
#[derive(Debug, Clone, Default)]
pub struct FormData {
    pairs: Vec<(String, String)>,
}

impl FormData {
    pub fn new(pairs: Vec<(String, String)>) -> FormData {
        FormData { pairs }
    }

    /// The first value of a field, or "".
    pub fn get(&self, name: &str) -> String {
        self.pairs
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.clone())
            .unwrap_or_default()
    }

    pub fn has(&self, name: &str) -> bool {
        self.pairs.iter().any(|(k, _)| k == name)
    }

    pub fn all(&self, name: &str) -> Vec<String> {
        self.pairs
            .iter()
            .filter(|(k, _)| k == name)
            .map(|(_, v)| v.clone())
            .collect()
    }

    /// Rows of a repeated group: for prefix `staff`, the fields `staff.0.role`,
    /// `staff.0.cost`, `staff.1.role`, ... grouped by their number, in number order.
    pub fn rows(&self, prefix: &str) -> Vec<BTreeMap<String, String>> {
        let mut rows: BTreeMap<usize, BTreeMap<String, String>> = BTreeMap::new();
        let start = format!("{prefix}.");
        for (key, value) in &self.pairs {
            let Some(rest) = key.strip_prefix(&start) else {
                continue;
            };
            let Some((index, field)) = rest.split_once('.') else {
                continue;
            };
            let Ok(index) = index.parse::<usize>() else {
                continue;
            };
            // Bounded: a form with absurd row numbers is not a reason to allocate.
            if index > 10_000 {
                continue;
            }
            rows.entry(index)
                .or_default()
                .insert(field.to_string(), value.clone());
        }
        rows.into_values().collect()
    }

    /// Fields `prefix.KEY` as (KEY, value) pairs, in order, repeated names kept.
    pub fn map_all(&self, prefix: &str) -> Vec<(String, String)> {
        let start = format!("{prefix}.");
        self.pairs
            .iter()
            .filter_map(|(k, v)| {
                k.strip_prefix(&start)
                    .map(|rest| (rest.to_string(), v.clone()))
            })
            .collect()
    }

    /// Fields `prefix.KEY` as KEY → value.
    pub fn map(&self, prefix: &str) -> BTreeMap<String, String> {
        let start = format!("{prefix}.");
        self.pairs
            .iter()
            .filter_map(|(k, v)| {
                k.strip_prefix(&start)
                    .map(|rest| (rest.to_string(), v.clone()))
            })
            .collect()
    }
}

/// A required text: trimmed; a message when it is empty or too long.
pub fn required_text(value: &str, max_chars: usize, what: &str) -> Result<String, String> {
    let trimmed = value.trim();
    if trimmed.is_empty() {
        return Err(format!("Fyll i {what}."));
    }
    optional_text(trimmed, max_chars)
}

/// An optional text, within a length.
pub fn optional_text(value: &str, max_chars: usize) -> Result<String, String> {
    let trimmed = value.trim();
    let count = trimmed.chars().count();
    if count > max_chars {
        return Err(format!(
            "Texten är för lång: {} tecken, högst {} är tillåtna.",
            group_thousands(i64::try_from(count).unwrap_or(i64::MAX)),
            group_thousands(i64::try_from(max_chars).unwrap_or(i64::MAX))
        ));
    }
    Ok(trimmed.to_string())
}

/// A whole number within bounds; the bounds in its message are written as counts
/// (`100 000`).
pub fn integer(value: &str, min: i64, max: i64, what: &str) -> Result<i64, String> {
    whole_number(value, min, max, what, group_thousands)
}

/// A year within bounds: its message writes them as years (`2100`), not as counts.
pub fn year(value: &str, min: i64, max: i64) -> Result<i64, String> {
    whole_number(value, min, max, "år", |n| n.to_string())
}

fn whole_number(
    value: &str,
    min: i64,
    max: i64,
    what: &str,
    written: fn(i64) -> String,
) -> Result<i64, String> {
    let cleaned: String = value
        .trim()
        .chars()
        .filter(|c| !c.is_whitespace() && *c != '\u{a0}')
        .collect();
    if cleaned.is_empty() {
        return Err(format!("Ange {what}."));
    }
    let n: i64 = cleaned
        .parse()
        .map_err(|_| format!("Ange {what} som ett heltal, med siffror."))?;
    if n < min || n > max {
        return Err(format!(
            "Ange {what} mellan {} och {}.",
            written(min),
            written(max)
        ));
    }
    Ok(n)
}

/// A calendar day, `YYYY-MM-DD`.
pub fn date(value: &str, what: &str) -> Result<chrono::NaiveDate, String> {
    let trimmed = value.trim();
    if trimmed.is_empty() {
        return Err(format!("Ange {what}."));
    }
    chrono::NaiveDate::parse_from_str(trimmed, "%Y-%m-%d")
        .map_err(|_| format!("Ange {what} som år-månad-dag, till exempel 2020-04-20."))
}

/// A checkbox or a JSON boolean sent as text.
pub fn truthy(value: &str) -> bool {
    matches!(
        value.trim().to_lowercase().as_str(),
        "true" | "on" | "1" | "ja" | "yes"
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn groups_rows_by_number() {
        let form = FormData::new(vec![
            ("staff.1.role".into(), "Läkare".into()),
            ("staff.0.role".into(), "Sjuksköterska".into()),
            ("staff.0.cost".into(), "100".into()),
            ("staff.x.role".into(), "ignored".into()),
            ("other".into(), "x".into()),
        ]);
        let rows = form.rows("staff");
        assert_eq!(rows.len(), 2);
        assert_eq!(rows[0]["role"], "Sjuksköterska");
        assert_eq!(rows[0]["cost"], "100");
        assert_eq!(rows[1]["role"], "Läkare");
    }

    #[test]
    fn integers_are_checked_with_a_message() {
        assert_eq!(integer(" 50 ", 1, 100, "andel"), Ok(50));
        assert!(integer("abc", 1, 100, "andel").is_err());
        assert!(integer("0", 1, 100, "andel").is_err());
        assert!(integer("", 1, 100, "andel").is_err());
        assert!(integer("12.5", 1, 100, "andel").is_err());
    }

    #[test]
    fn limits_are_written_in_thousands_but_years_as_years() {
        assert_eq!(
            integer("0", 10, 100_000, "högsta antal tecken"),
            Err("Ange högsta antal tecken mellan 10 och 100\u{a0}000.".into())
        );
        assert_eq!(
            year("1999", 2000, 2100),
            Err("Ange år mellan 2000 och 2100.".into())
        );
        assert_eq!(year("2021", 2000, 2100), Ok(2021));
        assert_eq!(
            optional_text(&"x".repeat(8001), 8000),
            Err("Texten är för lång: 8\u{a0}001 tecken, högst 8\u{a0}000 är tillåtna.".into())
        );
    }

    #[test]
    fn text_length_counts_characters_not_bytes() {
        assert!(optional_text("åäö", 3).is_ok());
        assert!(optional_text("åäöx", 3).is_err());
        assert_eq!(required_text("  x ", 10, "namn"), Ok("x".into()));
        assert!(required_text("   ", 10, "namn").is_err());
    }
}
