//! Unit tests that kill what cargo-mutants found the other tests of `check` missing (issue 9,
//! docs/kill-matrix.md). Kept apart from each file's own tests so they merge without conflicts.

use super::{DocSchema, TextExpect};
use serde_json::json;

fn expect(yaml: &str) -> TextExpect {
    crate::yaml::from_str(yaml).unwrap()
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

fn field(yaml: &str) -> super::FieldCheck {
    crate::yaml::from_str(yaml).unwrap()
}

/// `matches:` fails on a value that does not match and on a path that finds nothing (the shipped
/// field tests only had a `matches` that held). Written ahead of the fields.rs run, which did not
/// finish before the deadline; it reaches branches no other unit test did.
#[test]
fn matches_fails_on_a_value_that_does_not_match_and_on_nothing() {
    let none = DocSchema::Unknown("no schema in this test".into());
    let doc = json!({"spec": {"serviceAccountName": "default"}});
    let got: Vec<String> =
        field("{path: spec.serviceAccountName, matches: '^pod-'}").check(&doc, &none).iter().map(ToString::to_string).collect();
    assert_eq!(got, ["field `spec.serviceAccountName`: expected to match /^pod-/, got \"default\""]);
    let got: Vec<String> = field("{path: spec.nodeName, matches: '.*'}").check(&doc, &none).iter().map(ToString::to_string).collect();
    assert_eq!(got, ["field `spec.nodeName`: expected to match /.*/, got nothing"]);
    assert!(field("{path: spec.serviceAccountName, matches: '^def'}").check(&doc, &none).is_empty());
}

/// A `token` step's claim checks are validated at load time against the built-in JWT claims schema.
#[test]
fn claim_paths_are_validated_against_the_token_claims_schema() {
    let claims = DocSchema::Known(super::token_claims());
    assert_eq!(field("{path: 'kubernetes\\.io.namespace', equals: dev}").validate_against(&claims), Ok(()));
    let err = field("{path: 'kubernetes\\.io.namespce', equals: dev}").validate_against(&claims).unwrap_err();
    assert!(err.contains("namespce"), "{err}");
    let err = field("{path: 'kubernetes\\.io.namespace'}").validate_against(&claims).unwrap_err();
    assert!(err.contains("has no condition"), "{err}");
}

/// `\.` is a literal dot in a key; a backslash before anything else is kept as it is (cargo-mutants:
/// the `\` arm's guard replaced with `true` would eat the next character and put a dot in its place).
#[test]
fn a_backslash_escapes_only_a_dot() {
    use super::fields::{parse_path, Segment};
    let key = |k: &str| Segment::Key(k.to_string());
    assert_eq!(parse_path(r"kubernetes\.io.namespace"), Ok(vec![key("kubernetes.io"), key("namespace")]));
    assert_eq!(parse_path(r"a\b.c"), Ok(vec![key(r"a\b"), key("c")]));
    assert_eq!(parse_path(r"a\"), Ok(vec![key(r"a\")]));
}

/// A numeric comparison on a plain path needs exactly one number there: a `[*]` path is a list even
/// when it finds one value, and a string or nothing is not a number (the shipped tests compared only
/// arithmetic paths, `exp - iat`).
#[test]
fn a_comparison_on_a_path_needs_one_number_there() {
    // No schema here, so each check vouches for its path (`unchecked-path`).
    let none = DocSchema::Unknown("no schema in this test".into());
    let doc = json!({"exp": 1000, "name": "x", "items": [1]});
    let msgs = |yaml: &str| -> Vec<String> { field(yaml).check(&doc, &none).iter().map(ToString::to_string).collect() };
    assert_eq!(msgs("{path: exp, lt: 2000, unchecked-path: true}"), Vec::<String>::new());
    assert_eq!(msgs("{path: exp, gt: 2000, unchecked-path: true}"), ["field `exp`: expected > 2000, got 1000"]);
    assert_eq!(msgs("{path: 'items[*]', lt: 5, unchecked-path: true}"), ["field `items[*]`: expected < 5, got 1 values, not one number"]);
    assert_eq!(msgs("{path: name, lt: 5, unchecked-path: true}"), ["field `name`: expected < 5, got \"x\", not a number"]);
    assert_eq!(msgs("{path: nbf, lt: 5, unchecked-path: true}"), ["field `nbf`: expected < 5, got nothing"]);
}

/// Arithmetic keeps fractions: `exp - iat` of 1.5 and 1 is 0.5, not 0 (whole numbers are shown as
/// integers, `600` not `600.0`, and that must not truncate the others).
#[test]
fn arithmetic_keeps_a_fraction() {
    let none = DocSchema::Unknown("no schema in this test".into());
    let doc = json!({"exp": 1.5, "iat": 1});
    let msgs = |yaml: &str| -> Vec<String> { field(yaml).check(&doc, &none).iter().map(ToString::to_string).collect() };
    assert_eq!(msgs("{path: exp - iat, equals: 0.5}"), Vec::<String>::new());
    assert_eq!(msgs("{path: exp - iat, equals: 0}"), ["field `exp - iat`: expected == 0, got 0.5"]);
    assert_eq!(msgs("{path: exp - iat + 0.5, equals: 1}"), Vec::<String>::new());
}

/// Typed equality looks inside lists (YAML `[600]` equals JSON `[600.0]`, as `600` equals `600.0`),
/// and integers compare exactly, even past 2^53 where two of them round to the same float.
#[test]
fn typed_equality_reaches_into_lists_and_keeps_big_integers_exact() {
    use super::same_value;
    assert!(same_value(&json!([600]), &json!([600.0])));
    assert!(!same_value(&json!([600]), &json!([600, 1])));
    assert!(!same_value(&json!(9_007_199_254_740_993_i64), &json!(9_007_199_254_740_992_i64)));
    assert!(same_value(&json!(9_007_199_254_740_993_i64), &json!(9_007_199_254_740_993_i64)));
}

/// The "(a string, but the field holds a number)" hint is for two scalars only: the string `"null"`
/// against nothing found reads the same as text but gets no hint about a type nothing has.
#[test]
fn the_type_hint_is_only_for_two_scalars() {
    let none = DocSchema::Unknown("no schema in this test".into());
    let doc = json!({"x": null, "code": 403});
    let msgs = |yaml: &str| -> Vec<String> { field(yaml).check(&doc, &none).iter().map(ToString::to_string).collect() };
    assert_eq!(msgs("{path: x, equals: 'null'}"), ["field `x`: expected == \"null\", got nothing"]);
    assert_eq!(
        msgs("{path: code, equals: '403'}"),
        ["field `code`: expected == \"403\" (a string, but the field holds a number), got 403"]
    );
}

/// A field that is not there and close to nothing: the fields there are listed only when they are few
/// (at most 8), and no list at all is printed when there is nothing to list.
#[test]
fn a_far_misspelling_lists_the_fields_only_when_they_are_few() {
    use super::fields::Segment;
    use super::schema::{KindSchema, PathProblem};
    let object = |n: usize| {
        let props: serde_json::Map<String, serde_json::Value> = (0..n).map(|i| (format!("field{i}"), json!({"type": "string"}))).collect();
        KindSchema::new("test Kind", json!({"type": "object", "properties": props}), Default::default())
    };
    let path = [Segment::Key("zzzzzzzzzz".into())];
    let few = object(8).check_path(&path).unwrap_err().to_string();
    assert!(few.starts_with("no field `zzzzzzzzzz` at the top (fields there: field"), "{few}");
    assert_eq!(object(9).check_path(&path).unwrap_err().to_string(), "no field `zzzzzzzzzz` at the top");
    let nothing = PathProblem::NoSuchField { at: "spec".into(), field: "x".into(), suggestion: None, known: vec![] };
    assert_eq!(nothing.to_string(), "no field `x` in `spec`");
}

/// Integers and numbers are scalars: a path that goes on below one is a mistake, not an open field
/// (`exp.seconds` in token claims; a `type: number` field of a custom kind).
#[test]
fn a_path_below_an_integer_or_a_number_is_refused() {
    use super::fields::Segment;
    use super::schema::KindSchema;
    let key = |k: &str| Segment::Key(k.to_string());
    let err = super::token_claims().check_path(&[key("exp"), key("seconds")]).unwrap_err();
    assert_eq!(err.to_string(), "`exp` is an integer, it has no field `seconds`");
    let widget = KindSchema::new("test Widget", json!({"type": "object", "properties": {"ratio": {"type": "number"}}}), Default::default());
    assert_eq!(widget.check_path(&[key("ratio"), key("x")]).unwrap_err().to_string(), "`ratio` is a number, it has no field `x`");
    assert_eq!(widget.check_path(&[key("ratio")]), Ok(()));
}

mod decode;
mod number;

/// Booleans are scalars too, and a long name misspelled in three places still gets its suggestion
/// (a third of the letters may differ: 15 letters, 3 edits).
#[test]
fn booleans_are_scalars_and_long_names_tolerate_a_third_of_their_letters() {
    use super::fields::Segment;
    use super::schema::KindSchema;
    let key = |k: &str| Segment::Key(k.to_string());
    let pod = KindSchema::new(
        "test Pod",
        json!({"type": "object", "properties": {"automountServiceAccountToken": {"type": "boolean"}, "serviceAccountName": {"type": "string"}}}),
        Default::default(),
    );
    let err = pod.check_path(&[key("automountServiceAccountToken"), key("x")]).unwrap_err();
    assert_eq!(err.to_string(), "`automountServiceAccountToken` is a boolean, it has no field `x`");
    let err = pod.check_path(&[key("srviceAcountNme")]).unwrap_err();
    assert_eq!(err.to_string(), "no field `srviceAcountNme` at the top (did you mean `serviceAccountName`?)");
}
