//! Console output: one progress line per scenario and, for a failure, the whole story: the step, its
//! doc section, file:line, expected versus actual, notes and diagnostics. Rendered from the redacted
//! outcome (each string redacted on its own, see `redact`).

use super::redact;
use super::Reporter;
use crate::cluster::lease::LeaseEvent;
use crate::cluster::Target;
use crate::outcome::{ScenarioOutcome, Status, StepOutcome};
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
            eprintln!("    {} {:02} {} ({}ms)", symbol(step.status), step.index, step.name, step.duration_ms);
        }
    }

    fn lease_event(&mut self, event: &LeaseEvent) {
        // The scenario line is open (`[1/2] name ... `) unless verbose; a lease message gets its own line.
        let lead = if self.verbose { "" } else { "\n" };
        match event {
            LeaseEvent::Waiting { namespace, holder, until } => {
                eprint!("{lead}sa-conformance: waiting for namespace `{namespace}`: held by run {holder} (lease renewed until {until}) ... ")
            }
            LeaseEvent::TookOver { namespace, holder } => {
                eprint!("{lead}sa-conformance: took over namespace `{namespace}` from run {holder}, which stopped renewing its lease ... ")
            }
            LeaseEvent::Acquired { namespace, waited } => eprint!("{lead}sa-conformance: got namespace `{namespace}` after waiting {:.1}s ... ", waited.as_secs_f64()),
        }
        if self.verbose {
            eprintln!();
        }
        let _ = std::io::stderr().flush();
    }

    fn scenario_finished(&mut self, o: &ScenarioOutcome) {
        self.done += 1;
        let passed = o.steps.iter().filter(|s| s.status == Status::Passed).count();
        let secs = o.duration_ms as f64 / 1000.0;
        if self.verbose {
            eprint!("  {} ", o.name);
        }
        if o.passed() {
            eprintln!("ok ({passed} steps, {secs:.1}s)");
        } else {
            eprintln!("FAILED ({passed}/{} steps passed, {secs:.1}s)", o.steps.len());
            eprintln!("{}", render_failure(o));
        }
    }
}

fn symbol(s: Status) -> &'static str {
    match s {
        Status::Passed => "ok  ",
        Status::Failed => "FAIL",
        Status::Skipped => "skip",
    }
}

/// Everything a reader needs to understand why a scenario failed (redacted).
pub fn render_failure(o: &ScenarioOutcome) -> String {
    let o = &redact::scenario(o);
    let mut out = format!("scenario `{}` ({}) failed\n", o.name, o.file.display());
    if let Some(e) = &o.setup_error {
        out.push_str(&format!("  before the first step: {e}\n"));
    }
    if o.interrupted {
        out.push_str("  the run was interrupted\n");
    }
    for s in o.steps.iter().filter(|s| s.status == Status::Failed) {
        out.push_str(&render_step(s));
    }
    let skipped = o.steps.iter().filter(|s| s.status == Status::Skipped).count();
    if skipped > 0 {
        out.push_str(&format!("  {skipped} later step(s) skipped\n"));
    }
    for e in &o.cleanup_errors {
        out.push_str(&format!("  cleanup: {e}\n"));
    }
    out
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
