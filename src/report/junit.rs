//! The JUnit XML report: a test suite per scenario, a test case per step named with the article section
//! it verifies, failures carrying expected versus actual, each step's notes as its system-out, and a
//! `teardown` suite when releasing the cluster failed. Built from the redacted outcome; the XML itself
//! is never rewritten.

use super::output::RenderError;
use super::redact;
use crate::outcome::{RunOutcome, Status};
use quick_junit::{NonSuccessKind, Report, TestCase, TestCaseStatus, TestSuite};
use std::time::Duration;

/// The per-claim verdicts as one suite `claims`: a case per claim, an erratum a passing case with
/// its `verdict` and `erratum.*` properties, a claim not verified a failure.
fn claims_suite(run: &RunOutcome) -> TestSuite {
    let mut suite = TestSuite::new("claims");
    for c in &run.claims {
        let status = match c.verdict {
            crate::outcome::ClaimKind::NotVerified => {
                let mut st = TestCaseStatus::non_success(NonSuccessKind::Failure);
                st.set_message(format!("not verified: {}", c.steps.join("; ")));
                st
            }
            _ => TestCaseStatus::success(),
        };
        let mut case = TestCase::new(c.id.as_str(), status);
        case.set_classname("claims");
        case.add_property(quick_junit::Property::new("verdict", c.verdict.as_str()));
        if let Some(a) = &c.article {
            case.add_property(quick_junit::Property::new("article", a.as_str()));
        }
        if let Some(e) = &c.erratum {
            case.add_property(quick_junit::Property::new("erratum.article", redact(&e.article).into_owned()));
            case.add_property(quick_junit::Property::new("erratum.actual", redact(&e.actual).into_owned()));
        }
        suite.add_test_case(case);
    }
    suite
}

/// JUnit XML for the run, from its redacted copy (see `output::Document`).
pub(super) fn render(run: &RunOutcome) -> Result<String, RenderError> {
    let mut report = Report::new("sa-conformance");
    for o in &run.scenarios {
        let mut suite = TestSuite::new(o.name.as_str());
        suite.set_time(Duration::from_millis(o.duration_ms as u64));
        for s in &o.steps {
            let section = s.doc.as_ref().map(|d| format!(" [{}]", d.section)).unwrap_or_default();
            let name = format!("{:02} {}{}", s.index, s.name, section);
            let status = match s.status {
                Status::Passed => TestCaseStatus::success(),
                Status::Skipped => {
                    let mut st = TestCaseStatus::skipped();
                    st.set_message(if s.verdict == crate::outcome::Verdict::NotApplicable {
                        "not applicable to this server version"
                    } else {
                        "not run: an earlier step that changes the cluster failed"
                    });
                    st
                }
                Status::Failed => {
                    let mut st =
                        TestCaseStatus::non_success(if s.error.is_some() { NonSuccessKind::Error } else { NonSuccessKind::Failure });
                    let message = s.mismatches.first().map(|m| m.to_string()).or_else(|| s.error.clone()).unwrap_or_default();
                    st.set_message(message);
                    let mut detail = format!("{} at {}\n", s.kind, s.location);
                    for m in &s.mismatches {
                        detail.push_str(&format!("{}\n  expected: {}\n  actual:   {}\n", m.what, m.expected, m.actual));
                    }
                    if let Some(e) = &s.error {
                        detail.push_str(&format!("error: {e}\n"));
                    }
                    if let Some(d) = &s.diagnostics {
                        detail.push_str(&format!("diagnostics:\n{d}"));
                    }
                    st.set_description(detail);
                    st
                }
            };
            let mut case = TestCase::new(name, status);
            case.set_classname(format!("{}.{}", o.name, s.kind));
            case.set_time(Duration::from_millis(s.duration_ms as u64));
            if !s.notes.is_empty() {
                case.set_system_out(s.notes.iter().map(|n| format!("note: {n}\n")).collect::<String>());
            }
            case.add_property(quick_junit::Property::new("verdict", s.verdict.as_str()));
            if !s.article.is_empty() {
                case.add_property(quick_junit::Property::new("article", s.article.join(", ")));
            }
            if let Some(e) = &s.erratum {
                case.add_property(quick_junit::Property::new("erratum.claim", e.claim.as_deref().unwrap_or_default()));
                case.add_property(quick_junit::Property::new("erratum.article", redact(&e.article).into_owned()));
                case.add_property(quick_junit::Property::new("erratum.actual", redact(&e.actual).into_owned()));
                if let Some(w) = &e.when {
                    case.add_property(quick_junit::Property::new("erratum.when", redact(w).into_owned()));
                }
                if let Some(v) = &e.when_version {
                    case.add_property(quick_junit::Property::new("erratum.when-version", v.as_str()));
                }
            }
            if let Some(doc) = &s.doc {
                case.add_property(quick_junit::Property::new("doc.section", doc.section.as_str()));
                if !doc.claims.is_empty() {
                    case.add_property(quick_junit::Property::new("doc.claims", doc.claims.join(",")));
                }
            }
            suite.add_test_case(case);
        }
        report.add_test_suite(suite);
    }
    report.add_test_suite(claims_suite(run));
    if !run.teardown_errors.is_empty() {
        let mut suite = TestSuite::new("teardown");
        let mut status = TestCaseStatus::non_success(NonSuccessKind::Error);
        status.set_message("the cluster could not be released");
        status.set_description(run.teardown_errors.join("\n"));
        suite.add_test_case(TestCase::new(format!("release cluster `{}`", run.cluster), status));
        report.add_test_suite(suite);
    }
    report.to_string().map_err(|e| RenderError::Render(e.to_string()))
}
