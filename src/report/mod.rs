//! Reporters: the console (a progress line per scenario, the whole story of a failure), JUnit XML and
//! JSON, and the one writer of report files ([`Output`]). They read outcomes only; redaction of
//! secrets happens here, once, for all of them.

mod console;
mod junit;
pub mod listing;
mod output;
pub mod paint;
pub mod redact;

pub use console::{render_claims, render_erratum, render_failure, Console};
pub use output::{pretty_json, redacted_by_value, render, Document, Format, Output, OutputError, RenderError, Rendered};
pub use paint::{Paint, Tone};
pub use redact::redact;

use crate::outcome::{RunOutcome, ScenarioOutcome, StepOutcome};
use crate::scenario::Scenario;

/// What a reporter knows of the cluster: its description, not its client (no reporter talks to it).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TargetInfo {
    /// The kind cluster name or the context name.
    pub name: String,
    /// The API server URL every write goes to.
    pub server: String,
    pub context: String,
}

impl TargetInfo {
    /// The description of a target that passed the guard.
    pub fn of(target: &crate::cluster::Target) -> TargetInfo {
        TargetInfo { name: target.name.clone(), server: target.server.clone(), context: target.context.clone() }
    }
}

/// What a run tells its reporter as it goes.
pub trait Reporter {
    /// Something is happening to the cluster (creating, deleting) that takes a while.
    fn cluster_event(&mut self, _message: &str) {}
    fn run_started(&mut self, _target: &TargetInfo, _scenarios: usize) {}
    fn scenario_started(&mut self, _scenario: &Scenario) {}
    fn step_finished(&mut self, _step: &StepOutcome) {}
    fn scenario_finished(&mut self, _outcome: &ScenarioOutcome) {}
    /// The run is waiting for another run's namespace, took one over from a dead run, or got it.
    fn lease_event(&mut self, _event: &crate::cluster::lease::LeaseEvent) {}
    /// Long work still going on (`task`, for `elapsed` so far); called about once a second.
    fn progress(&mut self, _task: &str, _elapsed: std::time::Duration) {}
}

/// A run's report files: JSON (the outcomes as data, redacted value by value, so the file always
/// parses) and JUnit XML.
impl Document for RunOutcome {
    fn redacted(&self) -> Result<Self, RenderError> {
        Ok(redact::run(self))
    }

    fn render(&self, format: Format) -> Result<Rendered, RenderError> {
        match format {
            Format::Json => Ok(Rendered::Value(serde_json::to_value(self)?)),
            Format::Junit => junit::render(self).map(Rendered::Text),
            other => Err(RenderError::Unsupported(other)),
        }
    }
}

/// The run's JSON report, as [`Output`] writes it.
pub fn to_json(run: &RunOutcome) -> Result<String, RenderError> {
    render(run, Format::Json)
}

/// The run's JUnit XML report, as [`Output`] writes it.
pub fn to_junit(run: &RunOutcome) -> Result<String, RenderError> {
    render(run, Format::Junit)
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

    const JWT: &str =
        "eyJhbGciOiJSUzI1NiIsImtpZCI6IngifQ.eyJzdWIiOiJzeXN0ZW06c2VydmljZWFjY291bnQ6ZGV2OnBvZC1pbnNwZWN0b3IifQ.c2lnbmF0dXJlLWJ5dGVz";
    /// The note that once cost the JSON report its closing quote: prose, not a secret.
    const MEASURED: &str = "SelfSubjectReview with the token: system:serviceaccount:dev:pod-inspector";
    const SECRET_YAML: &str =
        "apiVersion: v1\ndata:\n  token: ZXlKaGJHY2lPaUpTVXpJ\nkind: Secret\nmetadata:\n  name: pod-inspector-token\n";
    /// Fragments of the planted secrets; none may be in any report.
    const PLANTED: &[&str] = &["eyJhbGci", "eyJzdWIi", "c2lnbmF0dXJl", "ZXlKaGJH"];

    fn run() -> RunOutcome {
        let step = |index, status, mismatches: Vec<Mismatch>| StepOutcome {
            index,
            name: format!("step {index}"),
            kind: "http-from-pod",
            location: format!("scenarios/article/walkthrough.scenario.yaml:{}", index * 10),
            doc: Some(DocRef {
                section: "Accessing the Service Account Token Inside the Pod".into(),
                claims: vec!["curl-forbidden-status-json".into()],
            }),
            status,
            duration_ms: 5,
            mismatches,
            error: None,
            notes: vec![
                format!("token obtained: {JWT}"),
                format!("token: {JWT}"),
                MEASURED.into(),
                "token obtained via TokenRequest".into(),
                SECRET_YAML.into(),
            ],
            diagnostics: Some(format!("log: Authorization: Bearer {JWT}")),
            verdict: crate::outcome::Verdict::of(status, None),
            erratum: None,
            article: vec!["service-accounts-article.txt:111".into()],
        };
        RunOutcome {
            cluster: "sa-conformance".into(),
            server: "https://127.0.0.1:1".into(),
            server_version: None,
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
            teardown_errors: vec![],
        }
    }

    /// Every text and attribute value of a well-formed XML document, or why it is not one.
    pub(crate) fn parse_xml(xml: &str) -> Result<String, String> {
        use quick_xml::events::Event;
        let mut reader = quick_xml::Reader::from_str(xml);
        let (mut depth, mut roots, mut seen) = (0usize, 0usize, String::new());
        let err = |e: &dyn std::fmt::Display| e.to_string();
        loop {
            let event = reader.read_event().map_err(|e| format!("not XML at byte {}: {e}", reader.buffer_position()))?;
            match &event {
                Event::Start(e) | Event::Empty(e) => {
                    roots += usize::from(depth == 0);
                    depth += usize::from(matches!(event, Event::Start(_)));
                    for a in e.attributes() {
                        let a = a.map_err(|e| err(&e))?;
                        seen.push_str(&a.normalized_value(quick_xml::XmlVersion::Explicit1_0).map_err(|e| err(&e))?);
                        seen.push('\n');
                    }
                }
                Event::End(_) => depth = depth.checked_sub(1).ok_or("an end tag without a start")?,
                Event::Text(t) => {
                    let text = t.decode().map_err(|e| err(&e))?;
                    if depth == 0 && !text.trim().is_empty() {
                        return Err(format!("text outside the root element: {text:?}"));
                    }
                    seen.push_str(&text);
                }
                Event::CData(t) => seen.push_str(&t.decode().map_err(|e| err(&e))?),
                Event::GeneralRef(r) => {
                    let name = r.decode().map_err(|e| err(&e))?;
                    seen.push_str(&quick_xml::escape::unescape(&format!("&{name};")).map_err(|e| err(&e))?);
                }
                Event::Eof => break,
                _ => {}
            }
        }
        match (depth, roots) {
            (0, 1) => Ok(seen),
            (0, n) => Err(format!("{n} root elements")),
            (d, _) => Err(format!("{d} element(s) never closed")),
        }
    }

    /// Every string in a JSON value, one per line.
    fn json_strings(v: &serde_json::Value, out: &mut Vec<String>) {
        match v {
            serde_json::Value::String(s) => out.push(s.clone()),
            serde_json::Value::Array(a) => a.iter().for_each(|x| json_strings(x, out)),
            serde_json::Value::Object(m) => m.values().for_each(|x| json_strings(x, out)),
            _ => {}
        }
    }

    #[test]
    fn every_report_parses_and_hides_secrets_but_not_prose() {
        let run = run();
        let json: serde_json::Value = serde_json::from_str(&to_json(&run).unwrap())
            .unwrap_or_else(|e| panic!("the JSON report does not parse: {e}\n{}", to_json(&run).unwrap()));
        let notes = &json["scenarios"][0]["steps"][1]["notes"];
        assert_eq!(notes[0], "token obtained: <redacted-jwt>");
        assert_eq!(notes[1], "token: <redacted-jwt>");
        assert_eq!(notes[2], MEASURED);
        assert_eq!(notes[3], "token obtained via TokenRequest");
        assert_eq!(notes[4], SECRET_YAML.replace("ZXlKaGJHY2lPaUpTVXpJ", "<redacted>"));
        let mut strings = Vec::new();
        json_strings(&json, &mut strings);
        let junit = parse_xml(&to_junit(&run).unwrap())
            .unwrap_or_else(|e| panic!("the JUnit report does not parse: {e}\n{}", to_junit(&run).unwrap()));
        assert!(junit.contains(&format!("note: {MEASURED}")), "{junit}");
        assert!(junit.contains("actual:   \"<redacted-jwt>\""), "{junit}");
        let console = render_failure(&run.scenarios[0]);
        assert!(console.contains(&format!("note: {MEASURED}")), "{console}");
        for (name, text) in [("JSON", strings.join("\n")), ("JUnit", junit), ("console", console)] {
            for planted in PLANTED {
                assert!(!text.contains(planted), "{planted} survived in the {name} report:\n{text}");
            }
        }
    }

    #[test]
    fn each_step_and_claim_carries_its_article_line_in_every_report_and_none_without_an_article() {
        let mut run = run();
        run.claims.push(crate::outcome::ClaimVerdict {
            id: "curl-forbidden-status-json".into(),
            verdict: crate::outcome::ClaimKind::NotVerified,
            erratum: None,
            steps: vec!["s step 1: failed".into()],
            article: Some("service-accounts-article.txt:112".into()),
        });
        let json: serde_json::Value = serde_json::from_str(&to_json(&run).unwrap()).unwrap();
        assert_eq!(json["scenarios"][0]["steps"][0]["article"], serde_json::json!(["service-accounts-article.txt:111"]));
        assert_eq!(json["claims"][0]["article"], "service-accounts-article.txt:112");
        let junit = to_junit(&run).unwrap();
        assert!(junit.contains(r#"<property name="article" value="service-accounts-article.txt:111"/>"#), "{junit}");
        assert!(junit.contains(r#"<property name="article" value="service-accounts-article.txt:112"/>"#), "{junit}");
        assert!(render_failure(&run.scenarios[0]).contains("    article: service-accounts-article.txt:111\n"));
        assert!(render_claims(&run, crate::report::Paint::PLAIN)
            .contains("NOT VERIFIED curl-forbidden-status-json [article: service-accounts-article.txt:112]"));
        // a run without the article: no `article` anywhere
        run.scenarios[0].steps.iter_mut().for_each(|s| s.article.clear());
        run.claims[0].article = None;
        let json: serde_json::Value = serde_json::from_str(&to_json(&run).unwrap()).unwrap();
        assert!(json["scenarios"][0]["steps"][0].get("article").is_none() && json["claims"][0].get("article").is_none(), "{json:#}");
        assert!(!to_junit(&run).unwrap().contains(r#"name="article""#));
    }

    #[test]
    fn a_failed_teardown_is_in_every_report() {
        let mut run = run();
        run.teardown_errors.push("failed to release cluster `sa-conformance`: `kind delete cluster` exited 1".into());
        assert!(!run.passed());
        let json: serde_json::Value = serde_json::from_str(&to_json(&run).unwrap()).expect("the JSON report parses");
        assert_eq!(json["teardown_errors"][0], run.teardown_errors[0]);
        let junit = to_junit(&run).unwrap();
        let text = parse_xml(&junit).expect("the JUnit report parses");
        assert!(junit.contains(r#"<testsuite name="teardown""#), "{junit}");
        assert!(junit.contains("<error"), "{junit}");
        assert!(text.contains("`kind delete cluster` exited 1"), "{text}");
    }

    proptest::proptest! {
        /// Whatever a cluster prints (quotes, `token:`, `<`, `&`, control characters), both reports parse.
        #[test]
        fn any_text_in_an_outcome_gives_reports_that_parse(note in "(?s).{0,80}", actual in "[\\PC\\x00-\\x1f\"<>&:]{0,40}") {
            let mut run = run();
            run.scenarios[0].steps[1].notes.push(note.clone());
            run.scenarios[0].steps[1].mismatches.push(Mismatch::new("stdout", "x", actual));
            run.teardown_errors.push(note);
            let json = to_json(&run).unwrap();
            proptest::prop_assert!(serde_json::from_str::<serde_json::Value>(&json).is_ok(), "JSON does not parse:\n{}", json);
            let junit = to_junit(&run).unwrap();
            let parsed = parse_xml(&junit);
            proptest::prop_assert!(parsed.is_ok(), "JUnit does not parse: {:?}\n{}", parsed.err(), junit);
        }
    }

    #[rstest::rstest]
    #[case::unclosed("<a><b></b>")]
    #[case::mismatched("<a></b>")]
    #[case::attribute_cut_by_a_regex(r#"<a name="token: x"/>"/>"#)]
    #[case::unterminated_attribute(r#"<a name="token: x/>"#)]
    #[case::two_roots("<a/><b/>")]
    fn the_xml_check_rejects_what_is_not_xml(#[case] xml: &str) {
        assert!(parse_xml(xml).is_err(), "{xml} passed as XML");
    }

    #[test]
    fn no_report_contains_a_token() {
        let run = run();
        let outputs = [to_junit(&run).unwrap(), to_json(&run).unwrap(), render_failure(&run.scenarios[0])];
        for out in outputs {
            assert!(!out.contains("eyJzdWIi"), "a token survived in:\n{out}");
            assert!(out.contains("redacted"), "nothing was marked redacted in:\n{out}");
        }
    }

    #[test]
    fn junit_names_each_scenario_and_step_with_its_article_section() {
        let xml = to_junit(&run()).unwrap();
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
        assert!(
            text.contains("documentation: \"Accessing the Service Account Token Inside the Pod\" (claims: curl-forbidden-status-json)"),
            "{text}"
        );
        assert!(text.contains("expected: \"dev\""), "{text}");
        assert!(text.contains("1 later step(s) skipped"), "{text}");
    }
}
