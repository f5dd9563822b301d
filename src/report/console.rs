//! Console output: one progress line per scenario and, for a failure, the whole story: the step, its
//! doc section, file:line, expected versus actual, notes and diagnostics. All text is redacted.

use super::redact::redact;
use super::Reporter;
use crate::cluster::Target;
use crate::outcome::{ClaimKind, RunOutcome, ScenarioOutcome, Status, StepOutcome, Verdict};
use crate::scenario::Scenario;
use std::io::Write;

/// Writes progress to stderr and failures in full.
pub struct Console {
    total: usize,
    done: usize,
    verbose: bool,
}

impl Console {
    pub fn new(verbose: bool) -> Self {
        Console { total: 0, done: 0, verbose }
    }
}

impl Reporter for Console {
    fn cluster_event(&mut self, message: &str) {
        eprintln!("sa-conformance: {message}");
    }

    fn run_started(&mut self, target: &Target, scenarios: usize) {
        self.total = scenarios;
        eprintln!("sa-conformance: running {scenarios} scenario(s) on `{}` at {} (context {})", target.name, target.server, target.context);
    }

    fn scenario_started(&mut self, scenario: &Scenario) {
        if self.verbose {
            eprintln!("[{}/{}] {}", self.done + 1, self.total, scenario.name);
        } else {
            eprint!("[{}/{}] {} ... ", self.done + 1, self.total, scenario.name);
            let _ = std::io::stderr().flush();
        }
    }

    fn step_finished(&mut self, step: &StepOutcome) {
        if self.verbose {
            eprintln!("    {} {:02} {} ({}ms)", symbol(step), step.index, step.name, step.duration_ms);
            if let (Verdict::Erratum, Some(e)) = (step.verdict, &step.erratum) {
                eprintln!("{}", render_erratum(e));
            }
        }
    }

    fn scenario_finished(&mut self, o: &ScenarioOutcome) {
        self.done += 1;
        let passed = o.steps.iter().filter(|s| s.status == Status::Passed).count();
        let secs = o.duration_ms as f64 / 1000.0;
        if self.verbose {
            eprint!("  {} ", o.name);
        }
        if o.passed() {
            eprintln!("ok ({passed} steps{}, {secs:.1}s)", verdict_counts(o));
            if !self.verbose {
                for s in o.steps.iter().filter(|s| s.verdict == Verdict::Erratum) {
                    eprintln!("  ERRATUM step {} `{}` at {}", s.index, s.name, s.location);
                    if let Some(e) = &s.erratum {
                        eprintln!("{}", render_erratum(e));
                    }
                }
            }
        } else {
            eprintln!("FAILED ({passed}/{} steps passed{}, {secs:.1}s)", o.steps.len(), verdict_counts(o));
            eprintln!("{}", render_failure(o));
        }
    }
}

/// `, 1 erratum, 2 not applicable` (nothing when there are none).
fn verdict_counts(o: &ScenarioOutcome) -> String {
    let errata = o.steps.iter().filter(|s| s.verdict == Verdict::Erratum).count();
    let na = o.steps.iter().filter(|s| s.verdict == Verdict::NotApplicable).count();
    let mut out = String::new();
    if errata > 0 {
        out.push_str(&format!(", {errata} erratum"));
    }
    if na > 0 {
        out.push_str(&format!(", {na} not applicable"));
    }
    out
}

fn symbol(s: &StepOutcome) -> &'static str {
    match (s.status, s.verdict) {
        (Status::Passed, Verdict::Erratum) => "ERRATUM",
        (Status::Passed, _) => "ok     ",
        (Status::Failed, _) => "FAIL   ",
        (Status::Skipped, Verdict::NotApplicable) => "n/a    ",
        (Status::Skipped, _) => "skip   ",
    }
}

/// The erratum as three indented lines: what the article says, what is true, and when.
pub fn render_erratum(e: &crate::scenario::Erratum) -> String {
    let mut out = String::new();
    if let Some(c) = &e.claim {
        out.push_str(&format!("    claim: {c}\n"));
    }
    out.push_str(&format!("    the article says: {}\n    what is true:     {}", e.article, e.actual));
    if let Some(w) = &e.when {
        out.push_str(&format!("\n    when:             {w}"));
    }
    if let Some(v) = &e.when_version {
        out.push_str(&format!("\n    server versions:  {v}"));
    }
    redact(&out).into_owned()
}

/// The per-claim verdicts of a run: a count line, then each erratum and each claim not verified.
pub fn render_claims(run: &RunOutcome) -> String {
    let count = |k: ClaimKind| run.claims.iter().filter(|c| c.verdict == k).count();
    let mut out = format!(
        "claims: {} hold, {} erratum, {} not verified\n",
        count(ClaimKind::Holds),
        count(ClaimKind::Erratum),
        count(ClaimKind::NotVerified)
    );
    for c in run.claims.iter().filter(|c| c.verdict != ClaimKind::Holds) {
        out.push_str(&format!("  {} {}\n", c.verdict.as_str().to_uppercase(), c.id));
        if let Some(e) = &c.erratum {
            out.push_str(&render_erratum(e));
            out.push('\n');
        }
        if c.verdict == ClaimKind::NotVerified {
            out.push_str(&format!("    steps: {}\n", c.steps.join("; ")));
        }
    }
    redact(&out).into_owned()
}

/// Everything a reader needs to understand why a scenario failed (redacted).
pub fn render_failure(o: &ScenarioOutcome) -> String {
    let mut out = format!("scenario `{}` ({}) failed\n", o.name, o.file.display());
    if let Some(e) = &o.setup_error {
        out.push_str(&format!("  before the first step: {e}\n"));
    }
    if o.interrupted {
        out.push_str("  the run was interrupted\n");
    }
    let failures: Vec<&StepOutcome> = o.failures().collect();
    if failures.len() > 1 {
        out.push_str(&format!("  {} steps failed\n", failures.len()));
    }
    for s in &failures {
        out.push_str(&render_step(s));
    }
    let skipped = o.steps.iter().filter(|s| s.verdict == Verdict::NotRun).count();
    if skipped > 0 {
        let stopper = o.steps.iter().rev().find(|s| s.status == Status::Failed).map(|s| format!(" (after step {} failed)", s.index)).unwrap_or_default();
        out.push_str(&format!("  {skipped} later step(s) skipped{stopper}\n"));
    }
    for e in &o.cleanup_errors {
        out.push_str(&format!("  cleanup: {e}\n"));
    }
    redact(&out).into_owned()
}

fn render_step(s: &StepOutcome) -> String {
    let mut out = format!("  step {} `{}` ({}) at {}\n", s.index, s.name, s.kind, s.location);
    if let Some(doc) = &s.doc {
        out.push_str(&format!("    documentation: \"{}\"", doc.section));
        if !doc.claims.is_empty() {
            out.push_str(&format!(" (claims: {})", doc.claims.join(", ")));
        }
        out.push('\n');
    }
    if let Some(e) = &s.erratum {
        out.push_str("    declared erratum (the expectation is what the scenario measured as true; the cluster no longer matches it):\n");
        out.push_str(&render_erratum(e).replace("\n    ", "\n      ").replacen("    ", "      ", 1));
        out.push('\n');
    }
    for m in &s.mismatches {
        out.push_str(&format!("    {}\n      expected: {}\n      actual:   {}\n", m.what, m.expected, m.actual));
    }
    if let Some(e) = &s.error {
        out.push_str(&format!("    error: {e}\n"));
    }
    for n in &s.notes {
        out.push_str(&format!("    note: {}\n", n.replace('\n', "\n          ")));
    }
    if let Some(d) = &s.diagnostics {
        out.push_str("    diagnostics:\n");
        for l in d.lines() {
            out.push_str(&format!("    {l}\n"));
        }
    }
    out
}
