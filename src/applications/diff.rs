//! What changed between two versions of an application, for the officer who reads a
//! supplement: per question, per budget cell, staff lines and attachments.

use serde::Serialize;

use super::VersionView;
use crate::db::calls::CostCategory;
use crate::money::Ore;

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Change {
    /// What changed, in Swedish ("Fråga 2: Målgrupp", "Budget 2021, Personal").
    pub what: String,
    /// Before and after, as text; empty where there was nothing.
    pub before: String,
    pub after: String,
}

fn money(amount: Option<Ore>) -> String {
    amount.map(|a| a.to_string()).unwrap_or_default()
}

/// Every difference from `old` to `new`, in the order of the form.
pub fn between(old: &VersionView, new: &VersionView, categories: &[CostCategory]) -> Vec<Change> {
    let mut changes = Vec::new();
    for answer in &new.answers {
        let before = old
            .answers
            .iter()
            .find(|a| a.section.id == answer.section.id)
            .and_then(|a| a.shown())
            .unwrap_or_default();
        let after = answer.shown().unwrap_or_default();
        if before != after {
            changes.push(Change {
                what: format!(
                    "Fråga {}: {}",
                    answer.section.position, answer.section.title
                ),
                before,
                after,
            });
        }
    }
    let mut years: Vec<i32> = old
        .budget_lines
        .iter()
        .chain(new.budget_lines.iter())
        .map(|l| l.year)
        .collect();
    years.sort_unstable();
    years.dedup();
    for year in &years {
        for category in categories {
            let find = |v: &VersionView| {
                v.budget_lines
                    .iter()
                    .find(|l| l.year == *year && l.cost_category_id == category.id)
                    .map(|l| (l.amount_ore, l.description.clone()))
            };
            let (before, after) = (find(old), find(new));
            if before != after {
                let text = |v: &Option<(Ore, String)>| match v {
                    Some((amount, d)) if !d.is_empty() => format!("{} ({d})", money(Some(*amount))),
                    Some((amount, _)) => money(Some(*amount)),
                    None => String::new(),
                };
                changes.push(Change {
                    what: format!("Budget {year}, {}", category.name),
                    before: text(&before),
                    after: text(&after),
                });
            }
        }
    }
    let staff_text = |v: &VersionView| -> Vec<String> {
        v.staff_lines
            .iter()
            .map(|s| {
                format!(
                    "{}: {}, {} % i {} mån, {}",
                    s.year, s.role, s.fte_percent, s.months, s.cost_ore
                )
            })
            .collect()
    };
    let (old_staff, new_staff) = (staff_text(old), staff_text(new));
    for line in &old_staff {
        if !new_staff.contains(line) {
            changes.push(Change {
                what: "Personal".into(),
                before: line.clone(),
                after: String::new(),
            });
        }
    }
    for line in &new_staff {
        if !old_staff.contains(line) {
            changes.push(Change {
                what: "Personal".into(),
                before: String::new(),
                after: line.clone(),
            });
        }
    }
    for a in &old.attachments {
        if !new.attachments.iter().any(|b| b.sha256 == a.sha256) {
            changes.push(Change {
                what: "Bilaga".into(),
                before: a.filename.clone(),
                after: String::new(),
            });
        }
    }
    for b in &new.attachments {
        if !old.attachments.iter().any(|a| a.sha256 == b.sha256) {
            changes.push(Change {
                what: "Bilaga".into(),
                before: String::new(),
                after: b.filename.clone(),
            });
        }
    }
    changes
}
