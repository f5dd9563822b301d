//! The kill matrix as a console table, JSON and JUnit XML: per scenario (killed, survived, accepted,
//! errors, time), per mutant (the change, the step that killed it) and per claim (the mutants the
//! steps verifying it killed). The files are written by `report::Output` from the redacted outcome.

use super::run::{MutateOutcome, ScenarioKills, Verdict};
use crate::report::{redact, Document, Format, RenderError, Rendered};
use crate::scenario::Isolation;
use quick_junit::{NonSuccessKind, Property, Report, TestCase, TestCaseStatus, TestSuite};
use serde::Serialize;
use std::collections::BTreeMap;
use std::time::Duration;

/// Claim id -> ids of the mutants killed by a step verifying it (claims that killed none included).
pub fn by_claim(s: &ScenarioKills) -> BTreeMap<String, Vec<String>> {
    let mut map: BTreeMap<String, Vec<String>> = s.claims.iter().map(|c| (c.clone(), Vec::new())).collect();
    for m in &s.mutants {
        for c in m.killed_by.iter().flat_map(|k| k.claims.iter()) {
            map.entry(c.clone()).or_default().push(m.id.clone());
        }
    }
    map
}

fn minutes(ms: u128) -> String {
    let s = ms / 1000;
    if s >= 60 {
        format!("{}m{:02}s", s / 60, s % 60)
    } else {
        format!("{:.1}s", ms as f64 / 1000.0)
    }
}

/// One line of figures for a scenario.
pub fn summary_line(s: &ScenarioKills) -> String {
    if let Some(f) = &s.baseline_failure {
        return format!("{}: baseline FAILED, no mutant run: {f}", s.name);
    }
    format!(
        "{}: {} mutants, {} killed, {} survived, {} accepted, {} errors ({}; baseline {})",
        s.name,
        s.mutants.len(),
        s.count(Verdict::Killed),
        s.count(Verdict::Survived),
        s.count(Verdict::Accepted),
        s.count(Verdict::Error),
        minutes(s.duration_ms),
        minutes(s.baseline_ms)
    )
}

/// The console report: a table per scenario, survivors with their change, the claims.
pub fn render_table(run: &MutateOutcome) -> String {
    let mut out = String::new();
    for s in &run.scenarios {
        out.push_str(&format!("\n{}\n", summary_line(s)));
        match &s.isolation {
            Some(Isolation::Isolable) => out.push_str("  each run in namespaces of its own, side by side\n"),
            Some(Isolation::AsWritten(why)) => out.push_str(&format!("  ran as written, one mutant at a time: {why}\n")),
            None => {}
        }
        for k in &s.skipped {
            out.push_str(&format!("  operator {} skipped: {}\n", k.operator, k.reason));
        }
        if s.mutants.is_empty() {
            continue;
        }
        let width = s.mutants.iter().map(|m| m.id.len()).max().unwrap_or(2).max(2);
        out.push_str(&format!("  {:width$}  {:9}  {:>7}  KILLED BY (step: claims)\n", "ID", "VERDICT", "TIME"));
        for m in &s.mutants {
            let by = match (&m.killed_by, &m.reason) {
                (Some(k), _) => format!("{} `{}`: {}", k.step, k.name, k.claims.join(", ")),
                (None, Some(r)) => r.clone(),
                (None, None) => "-".into(),
            };
            let verdict = format!("{:?}", m.verdict).to_lowercase();
            out.push_str(&format!("  {:width$}  {verdict:9}  {:>7}  {by}\n", m.id, minutes(m.duration_ms)));
        }
        for m in s.mutants.iter().filter(|m| m.verdict == Verdict::Survived) {
            out.push_str(&format!("  SURVIVED {}: {}\n", m.id, m.change.description));
            for line in m.change.text.lines() {
                out.push_str(&format!("      {line}\n"));
            }
        }
        for m in s.mutants.iter().filter(|m| !m.cleanup_errors.is_empty()) {
            out.push_str(&format!("  cleanup after {}: {}\n", m.id, m.cleanup_errors.join("; ")));
        }
        let claims = by_claim(s);
        let silent: Vec<&String> = claims.iter().filter(|(_, v)| v.is_empty()).map(|(c, _)| c).collect();
        let busy: Vec<String> = claims.iter().filter(|(_, v)| !v.is_empty()).map(|(c, v)| format!("{c} ({})", v.len())).collect();
        out.push_str(&format!("  claims that killed mutants: {}\n", if busy.is_empty() { "none".into() } else { busy.join(", ") }));
        if !silent.is_empty() {
            out.push_str(&format!("  claims that killed none: {}\n", silent.iter().map(|c| c.as_str()).collect::<Vec<_>>().join(", ")));
        }
    }
    let count = |v: Verdict| run.scenarios.iter().map(|s| s.count(v)).sum::<usize>();
    let total: usize = run.scenarios.iter().map(|s| s.mutants.len()).sum();
    out.push_str(&format!(
        "\nmutants: {total}, killed {}, survived {}, accepted {}, errors {} ({})\n",
        count(Verdict::Killed),
        count(Verdict::Survived),
        count(Verdict::Accepted),
        count(Verdict::Error),
        minutes(run.duration_ms)
    ));
    redact(&out).into_owned()
}

#[derive(Serialize)]
struct JsonScenario<'a> {
    #[serde(flatten)]
    kills: &'a ScenarioKills,
    by_claim: BTreeMap<String, Vec<String>>,
}

#[derive(Serialize)]
struct JsonRun<'a> {
    cluster: &'a str,
    server: &'a str,
    interrupted: bool,
    duration_ms: u128,
    scenarios: Vec<JsonScenario<'a>>,
}

fn json(run: &MutateOutcome) -> Result<String, RenderError> {
    let doc = JsonRun {
        cluster: &run.cluster,
        server: &run.server,
        interrupted: run.interrupted,
        duration_ms: run.duration_ms,
        scenarios: run.scenarios.iter().map(|s| JsonScenario { kills: s, by_claim: by_claim(s) }).collect(),
    };
    crate::report::pretty_json(&doc)
}

/// Every text the kill matrix carries from the cluster or the scenario, redacted on its own.
fn redacted(run: &MutateOutcome) -> MutateOutcome {
    let r = |s: &mut String| *s = redact(s).into_owned();
    let mut run = run.clone();
    for s in &mut run.scenarios {
        s.baseline_failure.iter_mut().for_each(r);
        s.skipped.iter_mut().for_each(|k| r(&mut k.reason));
        for m in &mut s.mutants {
            r(&mut m.change.description);
            r(&mut m.change.text);
            m.reason.iter_mut().for_each(r);
            m.cleanup_errors.iter_mut().for_each(r);
            if let Some(k) = &mut m.killed_by {
                r(&mut k.name);
                r(&mut k.why);
            }
        }
    }
    run
}

/// The kill matrix's files: JSON (with the mutants each claim killed) and JUnit XML.
impl Document for MutateOutcome {
    fn redacted(&self) -> Result<Self, RenderError> {
        Ok(redacted(self))
    }

    fn render(&self, format: Format) -> Result<Rendered, RenderError> {
        match format {
            Format::Json => json(self).map(Rendered::Text),
            Format::Junit => junit(self).map(Rendered::Text),
            other => Err(RenderError::Unsupported(other)),
        }
    }
}

/// The kill matrix as JSON, as `report::Output` writes it.
pub fn to_json(run: &MutateOutcome) -> Result<String, RenderError> {
    crate::report::render(run, Format::Json)
}

/// The kill matrix as JUnit XML, as `report::Output` writes it.
pub fn to_junit(run: &MutateOutcome) -> Result<String, RenderError> {
    crate::report::render(run, Format::Junit)
}

/// The kill matrix as JUnit XML: a suite per scenario, a case per mutant; a survivor is a failure.
fn junit(run: &MutateOutcome) -> Result<String, RenderError> {
    let mut report = Report::new("sa-conformance-mutate");
    for s in &run.scenarios {
        let mut suite = TestSuite::new(format!("mutate {}", s.name));
        suite.set_time(Duration::from_millis(s.duration_ms as u64));
        if let Some(f) = &s.baseline_failure {
            let mut st = TestCaseStatus::non_success(NonSuccessKind::Error);
            st.set_message(format!("baseline failed: {f}"));
            let mut case = TestCase::new("baseline", st);
            case.set_classname(format!("{}.baseline", s.name));
            suite.add_test_case(case);
        }
        for m in &s.mutants {
            let detail = format!("{}\n{}", m.change.description, m.change.text);
            let status = match m.verdict {
                Verdict::Killed => TestCaseStatus::success(),
                Verdict::Accepted => {
                    let mut st = TestCaseStatus::skipped();
                    st.set_message(format!("survivor accepted: {}", m.reason.clone().unwrap_or_default()));
                    st
                }
                Verdict::Survived => {
                    let mut st = TestCaseStatus::non_success(NonSuccessKind::Failure);
                    st.set_message(format!("mutant survived: {}", m.change.description));
                    st.set_description(detail.clone());
                    st
                }
                Verdict::Error => {
                    let mut st = TestCaseStatus::non_success(NonSuccessKind::Error);
                    st.set_message(m.reason.clone().unwrap_or_default());
                    st.set_description(detail.clone());
                    st
                }
            };
            let mut case = TestCase::new(m.id.as_str(), status);
            case.set_classname(format!("{}.{}", s.name, m.operator));
            case.set_time(Duration::from_millis(m.duration_ms as u64));
            case.add_property(Property::new("change", m.change.description.as_str()));
            if let Some(k) = &m.killed_by {
                case.add_property(Property::new("killed-by.step", format!("{} {}", k.step, k.name)));
                if !k.claims.is_empty() {
                    case.add_property(Property::new("killed-by.claims", k.claims.join(",")));
                }
            }
            suite.add_test_case(case);
        }
        report.add_test_suite(suite);
    }
    report.to_string().map_err(|e| RenderError::Render(e.to_string()))
}
