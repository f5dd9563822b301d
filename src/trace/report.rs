//! The trace as people and programs read it: a table per section (article line, kind, the line as
//! printed, the steps that run it or why none does), each drift with the step's file:line and a small
//! diff, what the scenarios run beyond the article and why, and, last, the count of blocks run
//! verbatim, declared and not run. The JSON form carries the same rows.

use super::matching::{BlockState, Trace, Verdict};
use super::runs::Runs;
use crate::report::{Document, Format, RenderError, Rendered};
use serde::{Deserialize, Serialize};
use std::fmt::Write;

/// The counts printed last.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Counts {
    pub blocks: usize,
    pub verbatim: usize,
    pub declared: usize,
    pub not_run: usize,
    /// Of `not_run`: those whose scenario copy differs.
    pub drifted: usize,
}

impl Counts {
    pub fn of(trace: &Trace) -> Counts {
        let mut c = Counts { blocks: trace.blocks.len(), ..Counts::default() };
        for b in &trace.blocks {
            match b.state() {
                BlockState::Verbatim => c.verbatim += 1,
                BlockState::Declared => c.declared += 1,
                BlockState::Drift => {
                    c.not_run += 1;
                    c.drifted += 1
                }
                BlockState::NotRun => c.not_run += 1,
            }
        }
        c
    }
}

impl std::fmt::Display for Counts {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} blocks: {} run verbatim, {} declared, {} not run", self.blocks, self.verbatim, self.declared, self.not_run)?;
        if self.drifted > 0 {
            write!(f, " ({} drifted from the scenarios)", self.drifted)?;
        }
        Ok(())
    }
}

/// One row: a line of a block and its verdict, as written to JSON.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Row {
    pub section: String,
    pub line: usize,
    pub kind: String,
    pub text: String,
    /// verbatim, declared, drift or not-run.
    pub verdict: String,
    /// file:line of the steps (for a drift, the closest step).
    pub steps: Vec<String>,
    /// The declared reason, the diff, or why nothing runs it.
    pub detail: Vec<String>,
}

/// A step and the article lines it runs or checks: the other way round from the rows.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StepRow {
    /// file:line
    pub step: String,
    pub scenario: String,
    pub name: String,
    pub lines: Vec<usize>,
}

/// The report of one article, rendered as console text or JSON.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TraceReport {
    pub article: String,
    pub rows: Vec<Row>,
    /// What the scenarios run beyond the article: (what, steps, reason).
    pub verification: Vec<(String, Vec<String>, String)>,
    pub problems: Vec<String>,
    /// Every step that runs or checks a block verbatim, with the article lines it does.
    pub steps: Vec<StepRow>,
    /// With `--claims`: where the article states each claim.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub claims: Vec<super::quotes::ClaimLine>,
    pub counts: Counts,
    pub passed: bool,
    /// Console form: every step of a row instead of the first two.
    #[serde(skip)]
    pub verbose: bool,
}

impl TraceReport {
    pub fn new(article: &str, trace: &Trace, runs: &Runs) -> TraceReport {
        let at = |s: &[usize]| s.iter().map(|&i| runs.steps[i].to_string()).collect::<Vec<_>>();
        let mut rows = Vec::new();
        for b in &trace.blocks {
            for u in &b.units {
                let (verdict, steps, detail) = match &u.verdict {
                    Verdict::Verbatim { steps } => ("verbatim", at(steps), Vec::new()),
                    Verdict::Declared { reason, entry } => ("declared", Vec::new(), vec![format!("{reason} (declared on line {entry})")]),
                    Verdict::Drift { step, diff } => ("drift", at(&[*step]), diff.clone()),
                    Verdict::NotRun { why } => ("not-run", Vec::new(), vec![why.clone()]),
                };
                let (section, kind, text, verdict) =
                    (b.block.section.clone(), b.block.kind.to_string(), u.text.clone(), verdict.to_string());
                rows.push(Row { section, line: u.line, kind, text, verdict, steps, detail });
            }
        }
        let steps = trace
            .step_lines()
            .into_iter()
            .map(|(i, lines)| StepRow {
                step: runs.steps[i].to_string(),
                scenario: runs.steps[i].scenario.clone(),
                name: runs.steps[i].name.clone(),
                lines,
            })
            .collect();
        TraceReport {
            article: article.to_string(),
            steps,
            rows,
            verification: trace.extras.iter().map(|e| (e.what.clone(), at(&e.steps), e.reason.clone())).collect(),
            problems: trace.problems.iter().map(|p| p.message.clone()).collect(),
            claims: Vec::new(),
            counts: Counts::of(trace),
            passed: trace.passed(),
            verbose: false,
        }
    }

    /// Finds where `text` (this report's article) states each of `claims`; a quote it does not print
    /// is a problem and fails the report.
    pub fn link_claims(&mut self, text: &str, claims: &[crate::scenario::Claim]) {
        let (found, errors) = super::quotes::locate(text, &super::article::read(text), claims);
        self.claims = found;
        self.passed &= errors.is_empty();
        self.problems.extend(errors.iter().map(ToString::to_string));
    }

    /// The console text: sections, drifts and problems, and the counts last.
    pub fn console(&self) -> String {
        let verbose = self.verbose;
        let mut s = format!("trace {}\n", self.article);
        let mut section = None;
        for r in &self.rows {
            if section != Some(&r.section) {
                let _ = write!(s, "\n{}\n", r.section);
                section = Some(&r.section);
            }
            let target = match r.verdict.as_str() {
                "verbatim" if verbose || r.steps.len() <= 2 => r.steps.join(", "),
                "verbatim" => format!("{}, {} (+{} more)", r.steps[0], r.steps[1], r.steps.len() - 2),
                "declared" => format!("declared: {}", r.detail.join(" ")),
                "drift" => format!("DRIFT from {}", r.steps.join(", ")),
                _ => format!("NOT RUN: {}", r.detail.join(" ")),
            };
            let _ = writeln!(s, "  {:>4}  {:<8}  {:<58}  {target}", r.line, r.kind, clip(&r.text, 58));
            if r.verdict == "drift" {
                for d in &r.detail {
                    let _ = writeln!(s, "                  {d}");
                }
            }
        }
        if !self.verification.is_empty() {
            let _ = write!(s, "\nRun by the scenarios, not printed in the article ({}):\n", self.verification.len());
            for (what, steps, reason) in &self.verification {
                let shown =
                    if verbose || steps.len() <= 2 { steps.join(", ") } else { format!("{} (+{} more)", steps[0], steps.len() - 1) };
                let _ = writeln!(s, "  {}  [{shown}]  {reason}", clip(what, 70));
            }
        }
        if !self.claims.is_empty() {
            let implicit = self.claims.iter().filter(|c| c.implicit).count();
            let _ = writeln!(
                s,
                "\nClaims stated in the article: {} ({} by their quote, {implicit} implicit, at their section's heading)",
                self.claims.len(),
                self.claims.len() - implicit
            );
            for c in self.claims.iter().filter(|_| verbose) {
                let _ = writeln!(s, "  {:>4}  {}{}", c.line, c.id, if c.implicit { " (implicit)" } else { "" });
            }
        }
        if !self.problems.is_empty() {
            let _ = write!(s, "\nProblems ({}):\n", self.problems.len());
            for p in &self.problems {
                let _ = writeln!(s, "  {p}");
            }
        }
        let _ = writeln!(s, "\n{}", self.counts);
        s
    }
}

fn clip(text: &str, max: usize) -> String {
    if text.chars().count() <= max {
        text.to_string()
    } else {
        let mut t: String = text.chars().take(max - 3).collect();
        t.push_str("...");
        t
    }
}

impl Document for TraceReport {
    fn redacted(&self) -> Result<Self, RenderError> {
        let mut copy = crate::report::redacted_by_value(self)?;
        copy.verbose = self.verbose;
        Ok(copy)
    }

    fn render(&self, format: Format) -> Result<Rendered, RenderError> {
        match format {
            Format::Console => Ok(Rendered::Text(self.console())),
            Format::Json => Ok(Rendered::Value(serde_json::to_value(self)?)),
            other => Err(RenderError::Unsupported(other)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::declared::Declared;
    use super::super::runs::{RunCommand, StepInfo};
    use super::*;

    #[test]
    fn a_drift_is_printed_with_the_article_line_the_step_and_the_diff_and_the_counts_come_last() {
        let runs = Runs {
            steps: vec![StepInfo {
                scenario: "s".into(),
                file: "s.scenario.yaml".into(),
                index: 1,
                line: 7,
                name: "token".into(),
                section: Some("Tokens".into()),
                checks: Default::default(),
                verification: None,
            }],
            commands: vec![RunCommand { text: "kubectl create token x --duration=10m".into(), step: 0 }],
            manifests: Vec::new(),
        };
        let t = super::super::trace_text("Tokens\nRun:\nkubectl create token x --duration=20m\n", &runs, &Declared::default());
        let report = TraceReport::new("a.txt", &t, &runs);
        let pad = " ".repeat(58 - "kubectl create token x --duration=20m".len());
        let want = format!(
            "trace a.txt\n\nTokens\n     3  command   kubectl create token x --duration=20m{pad}  DRIFT from s.scenario.yaml:7\n                  - --duration=20m\n                  + --duration=10m\n\n1 blocks: 0 run verbatim, 0 declared, 1 not run (1 drifted from the scenarios)\n"
        );
        assert_eq!(report.console(), want);
        assert!(!report.passed);
    }
}
