//! Console output: one progress line per scenario and, for a failure, the whole story: the step, its
//! doc section, file:line, expected versus actual, notes and diagnostics. Rendered from the redacted
//! outcome (each string redacted on its own, see `redact`).

use super::paint::{Paint, Tone};
use super::redact;
use super::{Reporter, TargetInfo};
use crate::cluster::lease::LeaseEvent;
use crate::outcome::{ClaimKind, RunOutcome, ScenarioOutcome, Status, StepOutcome, Verdict};
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
    /// Verdict words in colour (a terminal without `NO_COLOR`).
    paint: Paint,
}

/// How often long work gets a line when stderr is not a terminal.
pub const PLAIN_EVERY: std::time::Duration = std::time::Duration::from_secs(10);

impl Console {
    pub fn new(verbose: bool) -> Self {
        let console = Console::with_terminal(verbose, std::io::IsTerminal::is_terminal(&std::io::stderr()));
        Console { paint: Paint::stderr(), ..console }
    }

    /// A console that writes as if stderr were (or were not) a terminal.
    pub fn with_terminal(verbose: bool, live: bool) -> Self {
        Console { total: 0, done: 0, verbose, live, live_line: false, last_plain: None, scenario_line_open: false, paint: Paint::PLAIN }
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

    fn run_started(&mut self, target: &TargetInfo, scenarios: usize) {
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
            let (word, tone) = symbol(step);
            eprintln!(
                "    {} {:02} {} ({}ms){}",
                self.paint.tone(tone, word),
                step.index,
                step.name,
                step.duration_ms,
                article_suffix(&step.article)
            );
            if let (Verdict::Erratum, Some(e)) = (step.verdict, &step.erratum) {
                eprintln!("{}", render_erratum(e));
            }
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
            LeaseEvent::Acquired { namespace, waited } => {
                eprintln!("sa-conformance: got namespace `{namespace}` after waiting {:.1}s", waited.as_secs_f64())
            }
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
            eprintln!("{} ({passed} steps passed{}, {secs:.1}s)", self.paint.tone(Tone::Good, "ok"), verdict_counts(o));
            if !self.verbose {
                for s in o.steps.iter().filter(|s| s.verdict == Verdict::Erratum) {
                    eprintln!("  {} step {} `{}` at {}", self.paint.tone(Tone::Erratum, "ERRATUM"), s.index, s.name, s.location);
                    if let Some(e) = &s.erratum {
                        eprintln!("{}", render_erratum(e));
                    }
                }
            }
        } else {
            eprintln!(
                "{} ({passed}/{} steps passed{}, {secs:.1}s)",
                self.paint.tone(Tone::Bad, "FAILED"),
                o.steps.len(),
                verdict_counts(o)
            );
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
        out.push_str(&format!(", {errata} of them ERRATUM"));
    }
    if na > 0 {
        out.push_str(&format!(", {na} not applicable"));
    }
    out
}

fn symbol(s: &StepOutcome) -> (&'static str, Tone) {
    match (s.status, s.verdict) {
        (Status::Passed, Verdict::Erratum) => ("ERRATUM", Tone::Erratum),
        (Status::Passed, _) => ("ok     ", Tone::Good),
        (Status::Failed, _) => ("FAIL   ", Tone::Bad),
        (Status::Skipped, Verdict::NotApplicable) => ("n/a    ", Tone::Quiet),
        (Status::Skipped, _) => ("skip   ", Tone::Quiet),
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
pub fn render_claims(run: &RunOutcome, paint: Paint) -> String {
    let count = |k: ClaimKind| run.claims.iter().filter(|c| c.verdict == k).count();
    let mut out = format!(
        "claims: {} hold, {} erratum, {} not verified\n",
        count(ClaimKind::Holds),
        count(ClaimKind::Erratum),
        count(ClaimKind::NotVerified)
    );
    for c in run.claims.iter().filter(|c| c.verdict != ClaimKind::Holds) {
        let tone = if c.verdict == ClaimKind::Erratum { Tone::Erratum } else { Tone::Bad };
        out.push_str(&format!(
            "  {} {}{}\n",
            paint.tone(tone, &c.verdict.as_str().to_uppercase()),
            c.id,
            article_suffix(c.article.as_slice())
        ));
        if let Some(e) = &c.erratum {
            out.push_str(&render_erratum(&crate::scenario::Erratum { claim: None, ..e.clone() }));
            out.push('\n');
        }
        if c.verdict == ClaimKind::NotVerified {
            out.push_str(&format!("    steps: {}\n", c.steps.join("; ")));
        }
    }
    redact(&out).into_owned()
}

/// ` [article: service-accounts-article.txt:125]`, or nothing without article lines.
fn article_suffix(article: &[String]) -> String {
    if article.is_empty() {
        String::new()
    } else {
        format!(" [article: {}]", article.join(", "))
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
    let failures: Vec<&StepOutcome> = o.failures().collect();
    if failures.len() > 1 {
        out.push_str(&format!("  {} steps failed\n", failures.len()));
    }
    for s in &failures {
        out.push_str(&render_step(s));
    }
    let skipped = o.steps.iter().filter(|s| s.verdict == Verdict::NotRun).count();
    if skipped > 0 {
        let stopper = o
            .steps
            .iter()
            .rev()
            .find(|s| s.status == Status::Failed)
            .map(|s| format!(" (after step {} failed)", s.index))
            .unwrap_or_default();
        out.push_str(&format!("  {skipped} later step(s) skipped{stopper}\n"));
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
    if !s.article.is_empty() {
        out.push_str(&format!("    article: {}\n", s.article.join(", ")));
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::check::Mismatch;
    use crate::outcome::{claim_verdicts, ClaimKind};
    use crate::scenario::{DocRef, Erratum};
    use std::time::Duration;

    fn erratum() -> Erratum {
        Erratum {
            claim: Some("pods-get-short-lived-projected-tokens".into()),
            article: "pods get short-lived tokens".into(),
            actual: "the mounted token is valid for one year (exp - iat = 31536000)".into(),
            when: Some("default kube-apiserver settings".into()),
            when_version: None,
        }
    }

    fn step(index: usize, status: Status, erratum: Option<Erratum>, mismatch: Option<Mismatch>) -> StepOutcome {
        StepOutcome {
            index,
            name: format!("step {index}"),
            kind: "token",
            location: format!("scenarios/article/walkthrough.scenario.yaml:{}", index * 10),
            doc: Some(DocRef {
                section: "Creating a Service Account".into(),
                claims: vec!["pods-get-short-lived-projected-tokens".into(), "other-claim".into()],
            }),
            status,
            duration_ms: 1,
            mismatches: mismatch.into_iter().collect(),
            error: None,
            notes: Vec::new(),
            diagnostics: None,
            verdict: crate::outcome::Verdict::of(status, erratum.as_ref()),
            erratum,
            article: Vec::new(),
        }
    }

    fn scenario(steps: Vec<StepOutcome>) -> ScenarioOutcome {
        ScenarioOutcome {
            name: "article-walkthrough".into(),
            description: String::new(),
            file: "scenarios/article/walkthrough.scenario.yaml".into(),
            steps,
            cleanup_errors: Vec::new(),
            setup_error: None,
            duration_ms: 3,
            interrupted: false,
        }
    }

    fn lifetime_mismatch() -> Option<Mismatch> {
        Some(Mismatch::new("token lifetime (exp - iat)", "31536000s", "3607s"))
    }

    #[test]
    fn a_measured_erratum_is_reported_as_erratum_not_as_a_pass() {
        let s = step(1, Status::Passed, Some(erratum()), None);
        assert_eq!(s.verdict, Verdict::Erratum);
        assert_eq!(symbol(&s).0, "ERRATUM");
        let o = scenario(vec![s]);
        assert!(o.passed());
        assert_eq!(verdict_counts(&o), ", 1 of them ERRATUM");
        let claims = claim_verdicts(&[o]);
        let short = claims.iter().find(|c| c.id == "pods-get-short-lived-projected-tokens").expect("claim");
        assert_eq!(short.verdict, ClaimKind::Erratum);
        assert!(short.erratum.is_some());
        // The erratum is the named claim's; the step's other claim holds.
        assert_eq!(claims.iter().find(|c| c.id == "other-claim").map(|c| c.verdict), Some(ClaimKind::Holds));
    }

    #[test]
    fn an_erratum_the_cluster_no_longer_matches_fails_and_says_what_was_declared() {
        let o = scenario(vec![step(1, Status::Failed, Some(erratum()), lifetime_mismatch())]);
        assert_eq!(o.steps[0].verdict, Verdict::Failed);
        assert!(!o.passed());
        let text = render_failure(&o);
        assert!(text.contains("declared erratum"), "{text}");
        assert!(text.contains("the article says: pods get short-lived tokens"), "{text}");
        assert!(text.contains("expected: 31536000s"), "{text}");
        assert!(text.contains("actual:   3607s"), "{text}");
        let claims = claim_verdicts(&[o]);
        assert!(claims.iter().all(|c| c.verdict == ClaimKind::NotVerified), "{claims:?}");
    }

    #[test]
    fn every_failed_step_is_reported_and_a_failed_look_turns_the_scenario_red() {
        let o = scenario(vec![
            step(1, Status::Failed, None, Some(Mismatch::new("stdout column SECRETS", "present", "absent"))),
            step(2, Status::Passed, None, None),
            step(3, Status::Failed, None, lifetime_mismatch()),
            step(4, Status::Skipped, None, None),
        ]);
        assert!(!o.passed(), "a failed look must turn the scenario red");
        let text = render_failure(&o);
        assert!(text.contains("2 steps failed"), "{text}");
        assert!(text.contains("step 1 `step 1`"), "{text}");
        assert!(text.contains("step 3 `step 3`"), "{text}");
        assert!(!text.contains("step 2 `step 2`"), "{text}");
        assert!(text.contains("1 later step(s) skipped (after step 3 failed)"), "{text}");
    }

    #[test]
    fn a_step_for_other_versions_is_not_a_failure_and_verifies_nothing() {
        let mut s = step(1, Status::Skipped, None, None);
        s.verdict = Verdict::NotApplicable;
        assert_eq!(symbol(&s).0, "n/a    ");
        let o = scenario(vec![s]);
        assert!(o.passed());
        let claims = claim_verdicts(std::slice::from_ref(&o));
        assert!(claims.iter().all(|c| c.verdict == ClaimKind::NotVerified), "{claims:?}");
        // A skipped (not run) step is not a pass either.
        let o = scenario(vec![step(1, Status::Skipped, None, None)]);
        assert!(!o.passed());
    }

    #[test]
    fn the_claims_summary_names_each_erratum() {
        let run = RunOutcome {
            cluster: "c".into(),
            server: "s".into(),
            server_version: None,
            scenarios: Vec::new(),
            interrupted: false,
            teardown_errors: Vec::new(),
            claims: claim_verdicts(&[scenario(vec![step(1, Status::Passed, Some(erratum()), None)])]),
        };
        let text = render_claims(&run, Paint::PLAIN);
        let coloured = render_claims(&run, Paint::decide(true, None));
        assert!(coloured.contains("\x1b[33mERRATUM\x1b[0m pods-get-short-lived-projected-tokens"), "{coloured:?}");
        assert!(text.starts_with("claims: 1 hold, 1 erratum, 0 not verified"), "{text}");
        assert!(text.contains("ERRATUM pods-get-short-lived-projected-tokens"), "{text}");
        assert!(text.contains("what is true:     the mounted token is valid for one year"), "{text}");
    }

    #[test]
    fn junit_and_json_carry_the_verdict_and_the_erratum() {
        let run = RunOutcome {
            cluster: "c".into(),
            server: "s".into(),
            server_version: None,
            scenarios: vec![scenario(vec![step(1, Status::Passed, Some(erratum()), None)])],
            interrupted: false,
            teardown_errors: Vec::new(),
            claims: claim_verdicts(&[scenario(vec![step(1, Status::Passed, Some(erratum()), None)])]),
        };
        let xml = crate::report::to_junit(&run).unwrap();
        assert!(xml.contains(r#"name="verdict" value="erratum""#), "{xml}");
        assert!(xml.contains(r#"name="erratum.article" value="pods get short-lived tokens""#), "{xml}");
        assert!(xml.contains(r#"<testsuite name="claims""#), "{xml}");
        let json: serde_json::Value = serde_json::from_str(&crate::report::to_json(&run).unwrap()).expect("valid JSON");
        assert_eq!(json["scenarios"][0]["steps"][0]["verdict"], "erratum");
        assert_eq!(json["scenarios"][0]["steps"][0]["erratum"]["actual"], "the mounted token is valid for one year (exp - iat = 31536000)");
        let claims = json["claims"].as_array().expect("claims");
        let short = claims.iter().find(|c| c["id"] == "pods-get-short-lived-projected-tokens").expect("claim in JSON");
        assert_eq!(short["verdict"], "erratum");
        assert_eq!(claims.iter().find(|c| c["id"] == "other-claim").map(|c| c["verdict"].clone()), Some("holds".into()));
    }

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
