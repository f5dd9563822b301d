//! Reporters: the console (a progress line per scenario, the whole story of a failure), JUnit XML and
//! JSON. They read outcomes only; redaction of secrets happens here, once, for all of them.

mod console;
mod json;
mod junit;
pub mod listing;
pub mod redact;

pub use console::{render_claims, render_erratum, render_failure, Console};
pub use json::to_json;
pub use junit::to_junit;
pub use redact::redact;

use crate::cluster::Target;
use crate::outcome::{ScenarioOutcome, StepOutcome};
use crate::scenario::Scenario;

/// What a run tells its reporter as it goes.
pub trait Reporter {
    /// Something is happening to the cluster (creating, deleting) that takes a while.
    fn cluster_event(&mut self, _message: &str) {}
    fn run_started(&mut self, _target: &Target, _scenarios: usize) {}
    fn scenario_started(&mut self, _scenario: &Scenario) {}
    fn step_finished(&mut self, _step: &StepOutcome) {}
    fn scenario_finished(&mut self, _outcome: &ScenarioOutcome) {}
}

/// A reporter that says nothing (tests, libraries).
pub struct Silent;
impl Reporter for Silent {}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::check::Mismatch;
    use crate::outcome::{RunOutcome, ScenarioOutcome, Status, StepOutcome};
    use crate::scenario::DocRef;

    const JWT: &str = "eyJhbGciOiJSUzI1NiIsImtpZCI6IngifQ.eyJzdWIiOiJzeXN0ZW06c2VydmljZWFjY291bnQ6ZGV2OnBvZC1pbnNwZWN0b3IifQ.c2lnbmF0dXJlLWJ5dGVz";

    fn run() -> RunOutcome {
        let step = |index, status, mismatches: Vec<Mismatch>| StepOutcome {
            index,
            name: format!("step {index}"),
            kind: "http-from-pod",
            location: format!("scenarios/article/walkthrough.scenario.yaml:{}", index * 10),
            doc: Some(DocRef { section: "Accessing the Service Account Token Inside the Pod".into(), claims: vec!["curl-forbidden-status-json".into()] }),
            status,
            duration_ms: 5,
            mismatches,
            error: None,
            notes: vec![format!("token obtained: {JWT}")],
            diagnostics: Some(format!("log: Authorization: Bearer {JWT}")),
            verdict: crate::outcome::Verdict::of(status, None),
            erratum: None,
        };
        RunOutcome {
            cluster: "sa-conformance".into(),
            server: "https://127.0.0.1:1".into(),
            interrupted: false,
            claims: Vec::new(),
            scenarios: vec![ScenarioOutcome {
                name: "article-walkthrough".into(),
                description: String::new(),
                file: "scenarios/article/walkthrough.scenario.yaml".into(),
                steps: vec![
                    step(1, Status::Passed, vec![]),
                    step(2, Status::Failed, vec![Mismatch::new("stdout", "\"dev\"", format!("\"{JWT}\""))]),
                    step(3, Status::Skipped, vec![]),
                ],
                cleanup_errors: vec![],
                setup_error: None,
                duration_ms: 15,
                interrupted: false,
            }],
        }
    }

    #[test]
    fn no_report_contains_a_token() {
        let run = run();
        let outputs = [to_junit(&run), to_json(&run), render_failure(&run.scenarios[0])];
        for out in outputs {
            assert!(!out.contains("eyJzdWIi"), "a token survived in:\n{out}");
            assert!(out.contains("redacted"), "nothing was marked redacted in:\n{out}");
        }
    }

    #[test]
    fn junit_names_each_scenario_and_step_with_its_article_section() {
        let xml = to_junit(&run());
        assert!(xml.contains(r#"<testsuite name="article-walkthrough""#), "{xml}");
        assert!(xml.contains(r#"name="02 step 2 [Accessing the Service Account Token Inside the Pod]""#), "{xml}");
        assert!(xml.contains(r#"classname="article-walkthrough.http-from-pod""#), "{xml}");
        assert!(xml.contains("<skipped"), "{xml}");
        assert!(xml.contains(r#"name="doc.claims" value="curl-forbidden-status-json""#), "{xml}");
    }

    #[test]
    fn a_failure_reads_as_step_section_expected_and_actual() {
        let text = render_failure(&run().scenarios[0]);
        assert!(text.contains("step 2 `step 2` (http-from-pod) at scenarios/article/walkthrough.scenario.yaml:20"), "{text}");
        assert!(text.contains("documentation: \"Accessing the Service Account Token Inside the Pod\" (claims: curl-forbidden-status-json)"), "{text}");
        assert!(text.contains("expected: \"dev\""), "{text}");
        assert!(text.contains("1 later step(s) skipped"), "{text}");
    }
}
