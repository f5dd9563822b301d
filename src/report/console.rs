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
    /// stderr is a terminal: long work is one line rewritten in place; otherwise (CI, a log file)
    /// it is a timestamped line every [`PLAIN_EVERY`].
    live: bool,
    /// A live progress line is on screen and must be cleared before the next message.
    live_line: bool,
    last_plain: Option<std::time::Instant>,
    /// `[1/2] name ... ` is on screen without its newline.
    scenario_line_open: bool,
}

/// How often long work gets a line when stderr is not a terminal.
pub const PLAIN_EVERY: std::time::Duration = std::time::Duration::from_secs(10);

impl Console {
    pub fn new(verbose: bool) -> Self {
        Console::with_terminal(verbose, std::io::IsTerminal::is_terminal(&std::io::stderr()))
    }

    /// A console that writes as if stderr were (or were not) a terminal.
    pub fn with_terminal(verbose: bool, live: bool) -> Self {
        Console { total: 0, done: 0, verbose, live, live_line: false, last_plain: None, scenario_line_open: false }
    }

    fn clear_live(&mut self) {
        if std::mem::take(&mut self.scenario_line_open) {
            eprintln!();
        }
        if self.live_line {
            eprint!("\r\x1b[2K");
            self.live_line = false;
        }
    }

    /// The progress text for `task` at `elapsed`, or None when a plain console stays quiet this time.
    pub fn progress_line(&mut self, task: &str, elapsed: std::time::Duration) -> Option<String> {
        let secs = elapsed.as_secs();
        if self.live {
            return Some(format!("\r\x1b[2Ksa-conformance: {task} ... {secs}s"));
        }
        let now = std::time::Instant::now();
        if self.last_plain.is_some_and(|t| now.duration_since(t) < PLAIN_EVERY) || elapsed < PLAIN_EVERY {
            return None;
        }
        self.last_plain = Some(now);
        Some(format!("{} sa-conformance: {task}: still going after {secs}s\n", clock()))
    }
}

/// The wall-clock time (UTC) for plain progress lines.
fn clock() -> String {
    k8s_openapi::jiff::Timestamp::now().strftime("%H:%M:%SZ").to_string()
}

impl Reporter for Console {
    fn cluster_event(&mut self, message: &str) {
        self.clear_live();
        let stamp = if self.live { String::new() } else { format!("{} ", clock()) };
        eprintln!("{stamp}sa-conformance: {message}");
    }

    fn progress(&mut self, task: &str, elapsed: std::time::Duration) {
        if let Some(line) = self.progress_line(task, elapsed) {
            if std::mem::take(&mut self.scenario_line_open) {
                eprintln!();
            }
            eprint!("{line}");
            self.live_line = self.live;
            let _ = std::io::stderr().flush();
        }
    }

    fn run_started(&mut self, target: &Target, scenarios: usize) {
        self.clear_live();
        self.total = scenarios;
        eprintln!("sa-conformance: running {scenarios} scenario(s) on `{}` at {} (context {})", target.name, target.server, target.context);
    }

    fn scenario_started(&mut self, scenario: &Scenario) {
        if self.verbose {
            eprintln!("[{}/{}] {}", self.done + 1, self.total, scenario.name);
        } else {
            eprint!("[{}/{}] {} ... ", self.done + 1, self.total, scenario.name);
            self.scenario_line_open = true;
            let _ = std::io::stderr().flush();
        }
    }

    fn step_finished(&mut self, step: &StepOutcome) {
        if self.verbose {
            eprintln!("    {} {:02} {} ({}ms)", symbol(step.status), step.index, step.name, step.duration_ms);
        }
    }

    fn lease_event(&mut self, event: &LeaseEvent) {
        if let LeaseEvent::StillWaiting { namespace, holder, waited } = event {
            return self.progress(&format!("waiting for namespace `{namespace}` (held by run {holder})"), *waited);
        }
        // Ends the open scenario line (`[1/2] name ... `) or the live line: a lease message has its own.
        self.clear_live();
        match event {
            LeaseEvent::StillWaiting { .. } => {}
            LeaseEvent::Waiting { namespace, holder, until } => {
                eprintln!("sa-conformance: waiting for namespace `{namespace}`: held by run {holder} (lease renewed until {until})")
            }
            LeaseEvent::TookOver { namespace, holder } => {
                eprintln!("sa-conformance: took over namespace `{namespace}` from run {holder}, which stopped renewing its lease")
            }
            LeaseEvent::Acquired { namespace, waited } => eprintln!("sa-conformance: got namespace `{namespace}` after waiting {:.1}s", waited.as_secs_f64()),
        }
    }

    fn scenario_finished(&mut self, o: &ScenarioOutcome) {
        let open = std::mem::take(&mut self.scenario_line_open);
        self.clear_live();
        if !open && !self.verbose {
            eprint!("[{}/{}] {} ... ", self.done + 1, self.total, o.name);
        }
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

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[test]
    fn a_plain_console_prints_a_timestamped_line_every_ten_seconds_only() {
        let mut c = Console::with_terminal(false, false);
        assert_eq!(c.progress_line("creating kind cluster `x`", Duration::from_secs(3)), None, "quiet for short work");
        let line = c.progress_line("creating kind cluster `x`", Duration::from_secs(10)).expect("a line at 10s");
        let re = regex::Regex::new(r"^\d{2}:\d{2}:\d{2}Z sa-conformance: creating kind cluster `x`: still going after 10s\n$").unwrap();
        assert!(re.is_match(&line), "{line:?}");
        assert!(!line.contains('\r') && !line.contains('\x1b'), "no terminal codes in a log: {line:?}");
        assert_eq!(c.progress_line("creating kind cluster `x`", Duration::from_secs(11)), None, "throttled to one line per 10s");
    }

    #[test]
    fn a_terminal_console_rewrites_one_live_line_every_time() {
        let mut c = Console::with_terminal(false, true);
        for secs in [0, 1, 2] {
            let line = c.progress_line("waiting for namespace `dev`", Duration::from_secs(secs)).expect("every tick");
            assert_eq!(line, format!("\r\x1b[2Ksa-conformance: waiting for namespace `dev` ... {secs}s"));
        }
    }
}
