//! The JUnit XML report: a test suite per scenario, a test case per step named with the article section
//! it verifies, failures carrying expected versus actual. Redacted.

use super::redact::redact;
use crate::outcome::{RunOutcome, Status};
use quick_junit::{NonSuccessKind, Report, TestCase, TestCaseStatus, TestSuite};
use std::time::Duration;

/// JUnit XML for the run.
pub fn to_junit(run: &RunOutcome) -> String {
    let mut report = Report::new("sa-conformance");
    for o in &run.scenarios {
        let mut suite = TestSuite::new(o.name.as_str());
        suite.set_time(Duration::from_millis(o.duration_ms as u64));
        for s in &o.steps {
            let section = s.doc.as_ref().map(|d| format!(" [{}]", d.section)).unwrap_or_default();
            let name = format!("{:02} {}{}", s.index, s.name, section);
            let status = match s.status {
                Status::Passed => TestCaseStatus::success(),
                Status::Skipped => TestCaseStatus::skipped(),
                Status::Failed => {
                    let mut st = TestCaseStatus::non_success(if s.error.is_some() { NonSuccessKind::Error } else { NonSuccessKind::Failure });
                    let message = s.mismatches.first().map(|m| m.to_string()).or_else(|| s.error.clone()).unwrap_or_default();
                    st.set_message(redact(&message).into_owned());
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
                    st.set_description(redact(&detail).into_owned());
                    st
                }
            };
            let mut case = TestCase::new(name, status);
            case.set_classname(format!("{}.{}", o.name, s.kind));
            case.set_time(Duration::from_millis(s.duration_ms as u64));
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
    let xml = report.to_string().unwrap_or_else(|e| format!("<!-- cannot render JUnit: {e} -->"));
    redact(&xml).into_owned()
}
