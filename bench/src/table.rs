//! The suite's one markdown table: each row a measure, its value, the budget for it (if
//! any) and whether the value meets it.

use std::fmt::Write as _;

/// Whether a row meets its budget.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    /// Within budget.
    Met,
    /// Over budget.
    Missed,
    /// No budget: context for the other rows.
    Info,
}

impl Verdict {
    /// `Met` when `ok`, else `Missed`.
    pub fn from(ok: bool) -> Self {
        if ok { Verdict::Met } else { Verdict::Missed }
    }

    fn label(self) -> &'static str {
        match self {
            Verdict::Met => "met",
            Verdict::Missed => "**MISSED**",
            Verdict::Info => "",
        }
    }
}

/// One row.
#[derive(Debug, Clone)]
pub struct Row {
    /// The part, e.g. `1 whole process`.
    pub part: &'static str,
    /// What is measured.
    pub measure: String,
    /// The measured value.
    pub value: String,
    /// The budget, or empty.
    pub budget: String,
    /// Against the budget.
    pub verdict: Verdict,
}

/// Rows in the order they are added.
#[derive(Debug, Default)]
pub struct Table {
    rows: Vec<Row>,
}

impl Table {
    /// A row without a budget.
    pub fn info(&mut self, part: &'static str, measure: impl Into<String>, value: impl Into<String>) {
        self.rows.push(Row {
            part,
            measure: measure.into(),
            value: value.into(),
            budget: String::new(),
            verdict: Verdict::Info,
        });
    }

    /// A row checked against a budget.
    pub fn budget(
        &mut self,
        part: &'static str,
        measure: impl Into<String>,
        value: impl Into<String>,
        budget: impl Into<String>,
        ok: bool,
    ) {
        self.rows.push(Row {
            part,
            measure: measure.into(),
            value: value.into(),
            budget: budget.into(),
            verdict: Verdict::from(ok),
        });
    }

    /// The rows that missed their budget.
    pub fn missed(&self) -> impl Iterator<Item = &Row> {
        self.rows.iter().filter(|r| r.verdict == Verdict::Missed)
    }

    /// The table in markdown.
    pub fn markdown(&self) -> String {
        let mut out =
            String::from("| part | measure | value | budget | verdict |\n| --- | --- | --- | --- | --- |\n");
        for r in &self.rows {
            let cell = |s: &str| s.replace('|', "\\|");
            let _ = writeln!(
                out,
                "| {} | {} | {} | {} | {} |",
                r.part,
                cell(&r.measure),
                cell(&r.value),
                cell(&r.budget),
                r.verdict.label()
            );
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_missed_budget_is_flagged_and_pipes_are_escaped() {
        let mut t = Table::default();
        t.info("5 sizes", "harness | binary", "9 MiB");
        t.budget("5 sizes", "component", "250 KiB", "≤ 200 KiB", false);
        let md = t.markdown();
        assert!(md.contains("harness \\| binary"));
        assert!(md.contains("| ≤ 200 KiB | **MISSED** |"));
        assert_eq!(t.missed().count(), 1);
    }
}
