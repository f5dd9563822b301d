//! Unit tests that kill what cargo-mutants found the other tests of `check` missing (issue 9,
//! docs/kill-matrix.md). Kept apart from each file's own tests so they merge without conflicts.

use super::{DocSchema, TextExpect};
use serde_json::json;

fn expect(yaml: &str) -> TextExpect {
    serde_yaml::from_str(yaml).unwrap()
}

/// `json_document` hands the step the document its `json:` paths are checked in (to fetch that
/// kind's schema); returning None there would leave every JSON check of printed output unvalidated.
#[test]
fn json_document_is_the_printed_json_when_there_are_json_checks() {
    let e = expect("{json: [{path: kind, equals: PodList}]}");
    assert_eq!(e.json_document("{\"kind\":\"PodList\"}\n"), Some(json!({"kind": "PodList"})));
    assert_eq!(e.json_document("not json"), None);
    assert_eq!(expect("{contains: PodList}").json_document("{\"kind\":\"PodList\"}"), None, "no json checks, no document");
}

/// A `regex:` that does not match is a mismatch (the shipped tests only had regexes that matched).
#[test]
fn regex_that_does_not_match_fails_with_the_pattern() {
    let got = expect("{regex: '(?m)^yes$'}").check("stdout", "no\n", &DocSchema::Unknown("no schema in this test".into()));
    assert_eq!(got.len(), 1, "{got:?}");
    assert_eq!(got[0].to_string(), "stdout: expected to match /(?m)^yes$/, got \"no\"");
}

/// Load-time validation of printed-output expectations: a broken regex, or a `json:` check with no
/// condition, is a load error (file:line), not a surprise at run time.
#[test]
fn validate_rejects_a_broken_regex_and_a_json_check_without_condition() {
    let err = expect("{regex: '(unclosed'}").validate().unwrap_err();
    assert!(err.starts_with("invalid regex: "), "{err}");
    let err = expect("{json: [{path: kind}]}").validate().unwrap_err();
    assert!(err.contains("has no condition"), "{err}");
    assert_eq!(expect("{regex: '^ok$', json: [{path: kind, equals: PodList}]}").validate(), Ok(()));
}
